"""The critic's default-deny rule: every name reward code reaches must be in :mod:`.allowed_api`.

A dotted name rooted at torch, math or typing (as imported, aliased or, as in Eureka's answers, not
imported at all) is followed link by link through :data:`~.allowed_api.MODULE_NAMES`; once it reaches a
listed function, constant or class, whatever follows is an attribute of a value. An attribute of a value
(a parameter, a local, a call's result) must be in :data:`~.allowed_api.VALUE_ATTRIBUTES`, and a bare call
must name a listed builtin, an ``Exception`` or something the code defines. Each refusal is one finding,
at the first link that is not allowed, naming the call, its kind and what to use instead.

Names that other rules of the critic already report (dunders, modules smuggled through attributes,
host transfers, the forbidden builtins, the transforms module) are left to them, so a candidate gets one
finding per problem.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from rewardsmith.agents.critic.allowed_api import (
    BUILTINS,
    EXCEPTIONS,
    INSTEAD,
    JIT_DECORATOR,
    MODULE_NAMES,
    NON_EXCEPTIONS,
    REFUSED_BUILTINS,
    TORCH_MODULES,
    VALUE_ATTRIBUTES,
    refused_kind,
)
from rewardsmith.agents.types import CriticFinding

#: Names that mean their module even when the code never imports it (Eureka's answers often do not).
_IMPLICIT_MODULES = {"torch": "torch", "math": "math", "typing": "typing"}


def refusal(dotted: str, line: int | None, kind_of: str | None = None) -> CriticFinding:
    """The one-line finding for a refused name; ``kind_of`` is what its kind is judged on, if not ``dotted``."""
    kind = refused_kind(kind_of or dotted)
    return CriticFinding(
        rule="forbidden_api",
        severity="error",
        message=f"'{dotted}' is not allowed in reward code ({kind.replace('_', ' ')}): {INSTEAD[kind]}.",
        line=line,
    )


def module_allowed(module: str) -> bool:
    """Whether ``import <module>`` may name this torch, math or typing module."""
    return module in TORCH_MODULES or module in ("math", "typing")


def name_allowed(module: str, name: str) -> bool:
    """Whether ``<module>.<name>`` is allowed: a listed name, or an allowed submodule."""
    return name in MODULE_NAMES.get(module, frozenset()) or module_allowed(f"{module}.{name}")


def api_rules(tree: ast.Module, skipped_roots: set[str], skipped_attributes: frozenset[str]) -> Iterator[CriticFinding]:
    """Findings for every name in ``tree`` that the allowed API does not list.

    Args:
        tree: The candidate's module.
        skipped_roots: Names whose chains another rule judges (those bound to the transforms module).
        skipped_attributes: Attribute names another rule reports (dunders are always skipped).
    """
    modules = _module_bindings(tree)
    bound = bound_names(tree)
    decorators = {
        id(decorator)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        for decorator in node.decorator_list
        if _chain(decorator)[1] and ".".join(_chain(decorator)[1]) == JIT_DECORATOR
    }
    inner = {id(node.value) for node in ast.walk(tree) if isinstance(node, ast.Attribute)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and id(node) not in inner and id(node) not in decorators:
            finding = _chain_finding(node, modules, skipped_roots, skipped_attributes)
            if finding is not None:
                yield finding
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
            name = node.func.id
            named = _named_attribute(node)
            if named is not None:
                finding = _chain_finding(named, modules, skipped_roots, skipped_attributes)
                if finding is not None:
                    yield finding
            if name not in bound | BUILTINS | EXCEPTIONS | NON_EXCEPTIONS | _LEFT_TO_OTHERS:
                yield refusal(f"{name}()", node.lineno, kind_of=name)
        elif (finding := non_exception(node)) is not None:
            yield finding


def non_exception(node: ast.AST) -> CriticFinding | None:
    """The ``non_exception`` finding for a name of a ``BaseException`` that is not an ``Exception``, or a bare
    ``except:``: either lets a reward's error, or the sandbox's stop, through the runner's handling."""
    if isinstance(node, ast.Name) and node.id in NON_EXCEPTIONS:
        return CriticFinding(
            rule="non_exception",
            severity="error",
            message=f"'{node.id}' is not an Exception: raised or caught in reward code it passes through, or "
            "stops, the runner's handling; raise ValueError or RuntimeError instead.",
            line=node.lineno,
        )
    if isinstance(node, ast.ExceptHandler) and node.type is None:
        return CriticFinding(
            rule="non_exception",
            severity="error",
            message="A bare 'except:' also catches the sandbox's stop and SystemExit; catch 'Exception' or a "
            "narrower error instead.",
            line=node.lineno,
        )
    return None


# Calls another rule refuses with its own finding, or judges by its argument (getattr's name).
_LEFT_TO_OTHERS = REFUSED_BUILTINS | {"getattr", "hasattr"}


def _named_attribute(call: ast.Call) -> ast.Attribute | None:
    """``getattr(x, 'name')`` (or ``hasattr``) as the attribute ``x.name`` it reaches, to be judged as one."""
    if call.func.id not in ("getattr", "hasattr") or len(call.args) < 2:  # type: ignore[union-attr]
        return None
    name = call.args[1]
    if not (isinstance(name, ast.Constant) and isinstance(name.value, str)):
        return None  # a computed name is the static critic's forbidden_call
    return ast.Attribute(value=call.args[0], attr=name.value, ctx=ast.Load(), lineno=call.lineno, col_offset=0)


def _chain(node: ast.expr) -> tuple[ast.expr, list[str]]:
    """``a.b.c`` as (the innermost expression, ``['b', 'c']`` prefixed by ``a`` when it is a name)."""
    attributes: list[str] = []
    while isinstance(node, ast.Attribute):
        attributes.append(node.attr)
        node = node.value
    attributes.reverse()
    if isinstance(node, ast.Name):
        return node, [node.id, *attributes]
    return node, attributes


def _chain_finding(
    node: ast.Attribute, modules: dict[str, str], skipped_roots: set[str], skipped_attributes: frozenset[str]
) -> CriticFinding | None:
    base, parts = _chain(node)
    if isinstance(base, ast.Name):
        root, rest = parts[0], parts[1:]
        if root in skipped_roots:
            return None
        path = modules.get(root)
    else:
        root, rest, path = "", parts, None
    shown = [ast.unparse(base)] if not isinstance(base, ast.Name) else [root]
    # A name bound to an object ('from torch import tanh') was judged by the import rule; what follows it
    # is an attribute of a value.
    module = path if path is not None and module_allowed(path) else None
    for attribute in rest:
        shown.append(attribute)
        if attribute.startswith("__") or attribute in skipped_attributes:
            return None
        dotted = ".".join(shown)
        if module is not None:
            if not name_allowed(module, attribute):
                return refusal(f"{module}.{attribute}", node.lineno)
            module = f"{module}.{attribute}" if module_allowed(f"{module}.{attribute}") else None
        elif attribute not in VALUE_ATTRIBUTES:
            return refusal(dotted, node.lineno, kind_of=attribute)
    return None


def _module_bindings(tree: ast.Module) -> dict[str, str]:
    """Each name bound to a module or object of torch, math or typing, with the dotted path it denotes."""
    modules = dict(_IMPLICIT_MODULES)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in _IMPLICIT_MODULES:
                    if alias.asname:
                        modules[alias.asname] = alias.name
                    else:
                        root = alias.name.split(".")[0]
                        modules[root] = root
        elif (
            isinstance(node, ast.ImportFrom)
            and not node.level
            and node.module
            and node.module.split(".")[0] in _IMPLICIT_MODULES
        ):
            for alias in node.names:
                modules[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    for node in ast.walk(tree):
        # A name the code rebinds is no longer the module (a parameter called 'math', say).
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store) and node.id in modules:
            del modules[node.id]
        elif isinstance(node, ast.arg) and node.arg in modules:
            del modules[node.arg]
    return modules


def bound_names(tree: ast.Module) -> set[str]:
    """Names the code itself binds: functions, classes, parameters, assignments, imports, handlers."""
    bound: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            bound.add(node.name)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            bound.add(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            bound.update((alias.asname or alias.name).split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            bound.add(node.name)
    return bound
