"""The static critic: syntax-tree rules that judge reward code before it is loaded or run.

Each rule has a stable id and says what to change, with the line (1-based, in the candidate's code,
which the designer took from its answer). Errors reject a candidate;
warnings travel to the designer but let it through. The critic is a filter, not the isolation:
the sandbox still runs whatever passes.

Decisions:

- ``.item()`` is a **warning** (``item_call``): on a reduced tensor it is correct, but it makes the
  host wait for the device on every step; on a ``[num_envs]`` tensor it raises, which verification
  reports anyway.
- ``.tolist()``, ``.numpy()``, ``.cpu()`` and ``.cuda()`` are **errors** (``host_transfer``): they move
  values off the state's device, which breaks on CUDA (``.numpy()`` raises there) or returns
  tensors on the wrong device, and they stall every step.
- Python ``for`` loops are errors (``python_loop``) unless they run over a fixed collection: a literal
  tuple, list, set or dict (or a name bound to one), a dict's ``items()``/``keys()``/``values()``, or a
  ``range`` of at most :data:`MAX_LITERAL_RANGE`; ``while`` loops always are. Comprehensions follow
  the same rule.
- Literal coefficients above :data:`LARGE_COEFFICIENT` are a warning (``large_coefficient``); verify
  measures the actual magnitudes.
- Besides torch, math and typing, reward code may import :data:`TRANSFORMS_MODULE` (the bounded reward
  transforms), as a module or by name, but use only its :data:`~rewardsmith.rewards.transforms.REWARD_TRANSFORMS`:
  the module's other attributes (its ``torch``, and the rest of ``rewardsmith`` through the package
  name) would reach past the other rules (``forbidden_api``).
"""

from __future__ import annotations

import ast
from collections.abc import Generator, Iterable, Iterator

from rewardsmith.agents.critic.allowed_api import INSTEAD, refused_kind
from rewardsmith.agents.critic.allowed_api import REFUSED_BUILTINS as FORBIDDEN_BUILTINS
from rewardsmith.agents.critic.api_rules import api_rules, module_allowed, name_allowed
from rewardsmith.agents.types import Candidate, CriticFinding, CriticVerdict
from rewardsmith.rewards.contract import unknown_parameter
from rewardsmith.rewards.loader import ENTRY_POINT
from rewardsmith.rewards.transforms import REWARD_TRANSFORMS
from rewardsmith.tasks.spec import TaskSpec

#: Modules reward code may import (``__future__`` only changes how the code compiles).
ALLOWED_MODULES = frozenset({"torch", "math", "typing", "__future__"})
#: The one rewardsmith module reward code may import: the bounded reward transforms.
TRANSFORMS_MODULE = "rewardsmith.rewards.transforms"
#: Modules that must not be reached through another module's attributes (``torch.os``, ``typing.sys``).
SMUGGLED_MODULES = frozenset(
    {
        "os",
        "sys",
        "subprocess",
        "socket",
        "ctypes",
        "importlib",
        "builtins",
        "shutil",
        "pickle",
        "marshal",
        "inspect",
        "io",
        "pathlib",
        "glob",
        "signal",
        "threading",
        "multiprocessing",
        "gc",
        "types",
        "runpy",
        "platform",
        "urllib",
        "http",
    }
)
HOST_TRANSFERS = frozenset({"tolist", "numpy", "cpu", "cuda"})
LARGE_COEFFICIENT = 1e4
MAX_LITERAL_RANGE = 64
_DICT_ITERATION = frozenset({"items", "keys", "values"})
_WRAPPERS = frozenset({"enumerate", "zip", "reversed", "sorted"})


class StaticCritic:
    """Rule-based critic: every rule runs on the syntax tree; nothing is imported or executed."""

    name = "rule-based"

    def review(self, candidate: Candidate, task: TaskSpec) -> CriticVerdict:
        """Judge a candidate's code against the static rules.

        Args:
            candidate: The candidate; an empty ``code`` means its designer's answer had none.
            task: The task whose state variables the parameters must name.

        Returns:
            The verdict; ``passed`` is False when any finding is an error. Unparseable code is an
            error finding, never an exception.
        """
        return verdict(candidate, _review_code(candidate, task), self.name)


def verdict(candidate: Candidate, findings: Iterable[CriticFinding], critic: str) -> CriticVerdict:
    """The verdict of ``findings``, in line order: it passes when none is an error."""
    ordered = sorted(findings, key=lambda finding: (finding.line or 0, finding.rule))
    return CriticVerdict(
        candidate_id=candidate.id,
        passed=not any(finding.severity == "error" for finding in ordered),
        findings=ordered,
        critic=critic,
    )


def parse_candidate(candidate: Candidate) -> ast.Module | CriticFinding:
    """The candidate's syntax tree, or the one error finding (``no_code``, ``syntax_error``) that stops a review.

    Shared by every family's static critic: what makes code unreadable does not depend on the task.
    """
    code = candidate.code
    if not code.strip():
        message = candidate.missing_code or "The candidate has no code; send the whole reward in one ```python block."
        return CriticFinding(rule="no_code", severity="error", message=message)
    try:
        return ast.parse(code)
    except SyntaxError as error:
        line = error.lineno
        lines = code.split("\n")
        quoted = f": {lines[line - 1].strip()}" if line and 0 < line <= len(lines) else ""
        return CriticFinding(
            rule="syntax_error",
            severity="error",
            message=f"{error.msg} at line {line}{quoted}. Resend the complete code in one ```python block.",
            line=line,
        )
    except (ValueError, RecursionError, MemoryError) as error:
        return CriticFinding(rule="syntax_error", severity="error", message=f"The code cannot be parsed: {error}.")


def _review_code(candidate: Candidate, task: TaskSpec) -> Iterator[CriticFinding]:
    tree = parse_candidate(candidate)
    if isinstance(tree, CriticFinding):
        yield tree
        return
    yield from _entry_point_rules(tree, task)
    yield from _import_rules(tree)
    yield from _access_rules(tree)
    yield from api_rules(tree, set(_transforms_names(tree)), HOST_TRANSFERS | SMUGGLED_MODULES)
    yield from _hot_path_rules(tree)
    yield from _magnitude_rules(tree)


# ---- compute_reward: one definition, state-variable parameters, a (total, components) return ------


def _entry_point_rules(tree: ast.Module, task: TaskSpec) -> Iterator[CriticFinding]:
    function = yield from entry_point(
        tree, "def compute_reward(<state variable names>) -> tuple[Tensor, dict[str, Tensor]]"
    )
    if function is None:
        return
    yield from _parameter_rules(function, task)
    yield from return_rules(function, 'return (total, {"component_name": tensor, ...})')


def entry_point(tree: ast.Module, signature: str) -> Generator[CriticFinding, None, ast.FunctionDef | None]:
    """Findings for a module without exactly one top-level, plain ``compute_reward``; returns the one whose
    parameters and returns can be judged, if any.

    Args:
        tree: The candidate's module.
        signature: The entry point as the family's contract states it, for the message.
    """
    defined = [
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == ENTRY_POINT
    ]
    if not defined:
        nested = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == ENTRY_POINT
        ]
        where = (
            f" It is defined at line {nested[0].lineno} inside another block; move it to the top level."
            if nested
            else ""
        )
        yield CriticFinding(
            rule="no_compute_reward",
            severity="error",
            message=f"The code defines no top-level compute_reward.{where} The entry point is {signature}.",
            line=nested[0].lineno if nested else None,
        )
        return None
    if len(defined) > 1:
        lines = ", ".join(str(node.lineno) for node in defined)
        yield CriticFinding(
            rule="duplicate_compute_reward",
            severity="error",
            message=f"compute_reward is defined {len(defined)} times (lines {lines}); keep exactly one definition.",
            line=defined[1].lineno,
        )
    function = defined[-1]
    if isinstance(function, ast.AsyncFunctionDef):
        yield CriticFinding(
            rule="bad_signature",
            severity="error",
            message="compute_reward is 'async def'; make it a plain 'def'.",
            line=function.lineno,
        )
        return None
    return function


def _parameter_rules(function: ast.FunctionDef, task: TaskSpec) -> Iterator[CriticFinding]:
    arguments = function.args
    if arguments.vararg or arguments.kwarg or arguments.kwonlyargs:
        yield CriticFinding(
            rule="bad_signature",
            severity="error",
            message="compute_reward takes *args, **kwargs or keyword-only parameters; parameters bind to state "
            "variables by name, so list each one as a plain parameter.",
            line=function.lineno,
        )
    parameters = [*arguments.posonlyargs, *arguments.args]
    if not parameters:
        yield CriticFinding(
            rule="bad_signature",
            severity="error",
            message="compute_reward takes no parameters and cannot see the state; take the state variables "
            "it needs as parameters.",
            line=function.lineno,
        )
    for parameter in parameters:
        unknown = unknown_parameter([parameter.arg], task)
        if unknown is not None:
            yield CriticFinding(rule="unknown_parameter", severity="error", message=unknown, line=parameter.lineno)


def _own_nodes(function: ast.FunctionDef) -> Iterator[ast.AST]:
    """The nodes of ``function``'s body, not descending into nested functions, lambdas or classes."""
    stack: list[ast.AST] = list(function.body)
    while stack:
        node = stack.pop()
        yield node
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda | ast.ClassDef):
            stack.extend(ast.iter_child_nodes(node))


def return_rules(function: ast.FunctionDef, expected: str) -> Iterator[CriticFinding]:
    """``bad_return`` findings for an entry point that returns something other than (total, components).

    Args:
        function: The entry point.
        expected: The return statement the contract wants, as the message shows it.
    """
    returns = [node for node in _own_nodes(function) if isinstance(node, ast.Return)]
    if not returns:
        yield CriticFinding(
            rule="bad_return",
            severity="error",
            message=f"compute_reward never returns a value; end it with {expected}.",
            line=function.lineno,
        )
        return
    assigned: dict[str, list[ast.expr]] = {}
    for node in _own_nodes(function):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    assigned.setdefault(target.id, []).append(node.value)
        elif isinstance(node, ast.AnnAssign | ast.AugAssign) and isinstance(node.target, ast.Name):
            assigned.setdefault(node.target.id, []).append(node.value or node.target)
    for node in returns:
        problem = _return_problem(node.value, assigned)
        if problem:
            yield CriticFinding(
                rule="bad_return", severity="error", message=f"{problem}; {expected}.", line=node.lineno
            )


def _return_problem(value: ast.expr | None, assigned: dict[str, list[ast.expr]]) -> str | None:
    if value is None:
        return "compute_reward returns None"
    if isinstance(value, ast.Name) and value.id in assigned:
        sources = assigned[value.id]
        if all(isinstance(source, ast.Tuple) for source in sources):
            return next((p for source in sources if (p := _return_problem(source, {}))), None)
        return f"compute_reward returns '{value.id}', a single value rather than a (total, components) tuple"
    if isinstance(value, ast.Tuple):
        if len(value.elts) != 2:
            return f"compute_reward returns a tuple of {len(value.elts)} values, not (total, components)"
        components = value.elts[1]
        if isinstance(components, ast.Constant | ast.List | ast.Tuple | ast.Set):
            return "the second returned value must be a dict of named components"
        return None
    if isinstance(value, ast.Call | ast.Name | ast.IfExp | ast.Subscript | ast.Attribute):
        # A helper or a parameter might hold the tuple; verification will tell.
        return None
    return f"compute_reward returns '{ast.unparse(value)}', a single value rather than a (total, components) tuple"


# ---- imports and access -------------------------------------------------------------------------


def _import_rules(tree: ast.Module) -> Iterator[CriticFinding]:
    allowed = ", ".join([*sorted(ALLOWED_MODULES - {"__future__"}), TRANSFORMS_MODULE])
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            refused = [alias.name for alias in node.names if not _import_allowed(alias.name)]
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module in _TRANSFORMS_IMPORTS:
            unknown = [alias.name for alias in node.names if alias.name not in _TRANSFORMS_IMPORTS[node.module]]
            if unknown:
                yield CriticFinding(
                    rule="forbidden_import",
                    severity="error",
                    message=f"'{unknown[0]}' cannot be imported from {node.module}; reward code may import "
                    f"only {', '.join(sorted(_TRANSFORMS_IMPORTS[node.module]))} from it.",
                    line=node.lineno,
                )
            continue
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level or not _import_allowed(base):
                refused = ["." * node.level + base]
            else:
                # 'from torch import tanh' names a function, which is fine if the allowed API lists it.
                # A star import would bring in every name as a bare one, past the API rule.
                refused = [
                    f"{base}.{alias.name}"
                    for alias in node.names
                    if alias.name == "*" or (base != "__future__" and not name_allowed(base, alias.name))
                ]
        else:
            continue
        if refused:
            kind = refused_kind(refused[0])
            why = INSTEAD[kind] if kind != "unknown" else f"only {allowed} (and torch's tensor maths) may be imported"
            yield CriticFinding(
                rule="forbidden_import",
                severity="error",
                message=f"Importing '{refused[0]}' is not allowed in reward code: {why}.",
                line=node.lineno,
            )


def _import_allowed(module: str) -> bool:
    if module == TRANSFORMS_MODULE:
        return True
    root = module.split(".")[0]
    if root not in ALLOWED_MODULES:
        return False
    return module_allowed(module)


# What 'from <module> import <name>' may name, for the modules that lead to the transforms.
_TRANSFORMS_IMPORTS: dict[str, frozenset[str]] = {
    TRANSFORMS_MODULE: frozenset(REWARD_TRANSFORMS),
    TRANSFORMS_MODULE.rsplit(".", 1)[0]: frozenset({TRANSFORMS_MODULE.rsplit(".", 1)[1]}),
}


def _transforms_names(tree: ast.Module) -> dict[str, str]:
    """Names that reach the transforms module, each with the dotted path that denotes the module itself.

    'import rewardsmith.rewards.transforms' binds the whole package 'rewardsmith', so that name is
    always watched; aliases ('import ... as T', 'from rewardsmith.rewards import transforms') add theirs.
    """
    names = {TRANSFORMS_MODULE.split(".")[0]: TRANSFORMS_MODULE}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(
                {alias.asname: alias.asname for alias in node.names if alias.asname and alias.name == TRANSFORMS_MODULE}
            )
        elif isinstance(node, ast.ImportFrom) and not node.level and node.module in _TRANSFORMS_IMPORTS:
            for alias in node.names:
                if f"{node.module}.{alias.name}" == TRANSFORMS_MODULE:
                    names[alias.asname or alias.name] = alias.asname or alias.name
    return names


def _outside_transforms(dotted: str, transforms_names: dict[str, str]) -> bool:
    """Whether ``dotted`` starts at a name bound to the transforms module but leaves its public transforms."""
    module = transforms_names.get(dotted.split(".")[0])
    if module is None or dotted == module or module.startswith(f"{dotted}."):
        return False
    return not any(dotted == f"{module}.{name}" or dotted.startswith(f"{module}.{name}.") for name in REWARD_TRANSFORMS)


def _dotted(node: ast.expr) -> str | None:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        inner = _dotted(node.value)
        return f"{inner}.{node.attr}" if inner else None
    return None


def _is_dunder(name: str) -> bool:
    return name.startswith("__") and name != "__name__"


def _access_rules(tree: ast.Module) -> Iterator[CriticFinding]:
    transforms_names = _transforms_names(tree)
    for node in ast.walk(tree):
        if isinstance(node, ast.Global | ast.Nonlocal):
            keyword = "global" if isinstance(node, ast.Global) else "nonlocal"
            yield CriticFinding(
                rule="global_statement",
                severity="error",
                message=f"'{keyword} {', '.join(node.names)}' keeps state between calls; a reward must be a pure "
                "function of its parameters. Compute everything from the state passed in.",
                line=node.lineno,
            )
        elif isinstance(node, ast.Attribute):
            yield from _attribute_rules(node, transforms_names)
        elif isinstance(node, ast.Name) and node.id in FORBIDDEN_BUILTINS:
            # Flagged as a name, not only as a call, so that 'run = eval; run(...)' is caught too.
            yield CriticFinding(
                rule="forbidden_call",
                severity="error",
                message=f"'{node.id}' is not allowed in reward code: it reads files, runs code or reaches "
                "interpreter state. Compute the reward from the parameters with torch and math only.",
                line=node.lineno,
            )
        elif isinstance(node, ast.Name) and _is_dunder(node.id):
            yield CriticFinding(
                rule="dunder_access",
                severity="error",
                message=f"'{node.id}' reaches into interpreter internals; reward code may not use dunder names.",
                line=node.lineno,
            )
        elif isinstance(node, ast.Call):
            yield from _call_rules(node, transforms_names)


def _attribute_rules(node: ast.Attribute, transforms_names: dict[str, str]) -> Iterator[CriticFinding]:
    if node.attr.startswith("__"):
        yield CriticFinding(
            rule="dunder_access",
            severity="error",
            message=f"Attribute '{node.attr}' reaches into interpreter internals; reward code may not access "
            "dunder attributes.",
            line=node.lineno,
        )
        return
    if node.attr in SMUGGLED_MODULES:
        yield CriticFinding(
            rule="forbidden_api",
            severity="error",
            message=f"'{ast.unparse(node)}' reaches the module '{node.attr}' through another module; reward code "
            "may only use torch and math.",
            line=node.lineno,
        )
        return
    dotted = _dotted(node)
    # Only the outermost offending link is reported, not every longer chain built on it.
    if (
        dotted
        and _outside_transforms(dotted, transforms_names)
        and not _outside_transforms(dotted.rsplit(".", 1)[0], transforms_names)
    ):
        yield CriticFinding(
            rule="forbidden_api",
            severity="error",
            message=f"'{dotted}' is not a reward transform; from {TRANSFORMS_MODULE} reward code may use only "
            f"{', '.join(REWARD_TRANSFORMS)}.",
            line=node.lineno,
        )


def _call_rules(node: ast.Call, transforms_names: dict[str, str]) -> Iterator[CriticFinding]:
    if not isinstance(node.func, ast.Name):
        return
    name = node.func.id
    if name in {"getattr", "hasattr"} and len(node.args) >= 2:
        attribute = node.args[1]
        if not (isinstance(attribute, ast.Constant) and isinstance(attribute.value, str)):
            yield CriticFinding(
                rule="forbidden_call",
                severity="error",
                message=f"'{name}' with a computed attribute name can reach anything; use the attribute directly.",
                line=node.lineno,
            )
        elif attribute.value.startswith("__"):
            yield CriticFinding(
                rule="dunder_access",
                severity="error",
                message=f"'{name}(..., {attribute.value!r})' reaches into interpreter internals; reward code may "
                "not access dunder attributes.",
                line=node.lineno,
            )
        elif attribute.value in SMUGGLED_MODULES or _outside_transforms(
            f"{_dotted(node.args[0]) or ''}.{attribute.value}", transforms_names
        ):
            yield CriticFinding(
                rule="forbidden_api",
                severity="error",
                message=f"'{name}(..., {attribute.value!r})' reaches an API reward code may not use.",
                line=node.lineno,
            )


# ---- the hot path: loops and host transfers -------------------------------------------------------


def _hot_path_rules(tree: ast.Module) -> Iterator[CriticFinding]:
    literal_names = _names_bound_to_literals(tree)
    functions = [node for node in ast.walk(tree) if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]
    seen: set[int] = set()
    for function in functions:
        for node in ast.walk(function):
            if id(node) in seen:
                continue
            seen.add(id(node))
            if isinstance(node, ast.While):
                yield CriticFinding(
                    rule="python_loop",
                    severity="error",
                    message="A while-loop runs in Python on every step; express the computation with tensor "
                    "operations over all environments at once.",
                    line=node.lineno,
                )
            elif isinstance(node, ast.For | ast.AsyncFor):
                if not _fixed_iterable(node.iter, literal_names):
                    yield _loop_finding(node.iter, node.lineno, "for-loop")
            elif isinstance(node, ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):
                for generator in node.generators:
                    if not _fixed_iterable(generator.iter, literal_names):
                        yield _loop_finding(generator.iter, node.lineno, "comprehension")
            elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                yield from _method_rules(node.func)


def _loop_finding(iterable: ast.expr, line: int, what: str) -> CriticFinding:
    return CriticFinding(
        rule="python_loop",
        severity="error",
        message=f"A {what} over '{ast.unparse(iterable)}' runs in Python, typically once per environment; "
        "vectorise it with tensor operations (masks, torch.where, .sum(dim=-1)). Loops over a literal tuple "
        "of components or a dict's items() are fine.",
        line=line,
    )


def _method_rules(method: ast.Attribute) -> Iterator[CriticFinding]:
    if method.attr == "item":
        yield CriticFinding(
            rule="item_call",
            severity="warning",
            message=".item() makes the host wait for the device on every step, and raises on a [num_envs] "
            "tensor; keep values as tensors.",
            line=method.lineno,
        )
    elif method.attr in HOST_TRANSFERS:
        yield CriticFinding(
            rule="host_transfer",
            severity="error",
            message=f".{method.attr}() moves values off the state's device, which breaks on CUDA and stalls every "
            "step; keep everything as tensors on the inputs' device.",
            line=method.lineno,
        )


def _names_bound_to_literals(tree: ast.Module) -> set[str]:
    bindings: dict[str, list[ast.expr]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Assign):
            for target in node.targets:
                if isinstance(target, ast.Name):
                    bindings.setdefault(target.id, []).append(node.value)
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name) and node.value is not None:
            bindings.setdefault(node.target.id, []).append(node.value)
    literal = (ast.Tuple, ast.List, ast.Set, ast.Dict)
    return {name for name, values in bindings.items() if all(isinstance(value, literal) for value in values)}


def _fixed_iterable(node: ast.expr, literal_names: set[str]) -> bool:
    if isinstance(node, ast.Tuple | ast.List | ast.Set | ast.Dict):
        return True
    if isinstance(node, ast.Name):
        return node.id in literal_names
    if not isinstance(node, ast.Call):
        return False
    if isinstance(node.func, ast.Attribute):
        return node.func.attr in _DICT_ITERATION
    if isinstance(node.func, ast.Name) and node.func.id == "range":
        bounds = [_int_literal(argument) for argument in node.args[:2]]
        return all(bound is not None and abs(bound) <= MAX_LITERAL_RANGE for bound in bounds)
    if isinstance(node.func, ast.Name) and node.func.id in _WRAPPERS:
        return bool(node.args) and all(_fixed_iterable(argument, literal_names) for argument in node.args)
    return False


def _int_literal(node: ast.expr) -> int | None:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _int_literal(node.operand)
        return None if inner is None else -inner
    if isinstance(node, ast.Constant) and isinstance(node.value, int) and not isinstance(node.value, bool):
        return node.value
    return None


# ---- magnitudes ---------------------------------------------------------------------------------


def _magnitude_rules(tree: ast.Module) -> Iterator[CriticFinding]:
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Constant)
            and isinstance(node.value, int | float)
            and not isinstance(node.value, bool)
            and abs(node.value) > LARGE_COEFFICIENT
        ):
            yield CriticFinding(
                rule="large_coefficient",
                severity="warning",
                message=f"The literal {node.value:g} is large for a reward coefficient; terms above about 1e3 per "
                "step swamp PPO's value scale. Normalise the term instead of scaling it up.",
                line=node.lineno,
            )
