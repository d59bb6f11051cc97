"""The static critic for text rewards: syntax-tree rules that judge verifier code before it runs anywhere.

Text verifier code works on strings, so its rules differ from the control critic's tensor rules: no
vectorisation or host-transfer rules, a wider set of plain builtins, and the text standard library
(:data:`TEXT_MODULES`) instead of torch. What does not depend on the family is shared with
:mod:`rewardsmith.agents.critic.static` and :mod:`~rewardsmith.agents.critic.api_rules`: the parse, the
entry point's presence, the return rule, the verdict, the names the code binds, and the non-``Exception`` rule.

Decisions:

- The entry point is the text contract's (:mod:`rewardsmith.text.contract`), whose signature check this
  critic runs, so the critic and the loader never disagree.
- Every keyword column the code reads (a named parameter after ``answers``, ``columns["x"]`` or
  ``columns.get("x")``) must be one the task provides; ``judge``, the contract's LLM judge, is filled the same
  way. A parameter without a default or a subscript is an
  **error** (the call or the lookup fails on every batch); a parameter with a default or a ``.get`` is a
  **warning** (it silently always takes the default).
- Nothing named like the checker or the held-out split (``checker``, ``held_out``) may appear, as a name,
  an attribute or a string: fitness is held out from reward code, and a reward that looks for it is
  trying to read it.
- Beyond the import list, the rules close the usual ways out of plain Python: dunder names, attributes
  and format fields; private attributes; modules reached through another module's attributes; frame,
  code and traceback attributes; ``getattr`` with a computed name; ``string.Formatter``'s field lookup;
  and calls to anything that is not a listed builtin, an ``Exception`` or defined by the code. The
  critic is a filter, not the isolation: the sandbox still runs whatever passes.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Generator, Iterator

from rewardsmith.agents.critic.allowed_api import EXCEPTIONS, NON_EXCEPTIONS, REFUSED_BUILTINS
from rewardsmith.agents.critic.api_rules import bound_names, non_exception
from rewardsmith.agents.critic.static import SMUGGLED_MODULES, entry_point, parse_candidate, return_rules, verdict
from rewardsmith.agents.types import Candidate, CriticFinding, CriticVerdict
from rewardsmith.rewards.errors import BadSignatureError
from rewardsmith.rewards.loader import ENTRY_POINT
from rewardsmith.text import steps
from rewardsmith.text.contract import JUDGE_PARAMETER, TEXT_REWARD_PARAMETERS, _check_signature
from rewardsmith.text.task import TextTask

CRITIC_NAME = "rule-based"


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


#: Modules text verifier code may import, and their submodules.
TEXT_MODULES = frozenset(
    {
        "re",
        "math",
        "json",
        "string",
        "collections",
        "statistics",
        "unicodedata",
        "difflib",
        "itertools",
        "functools",
        "typing",
        "__future__",
    }
)

#: The one rewardsmith module text reward code may import from, by name: the per-step reward transforms
#: (Clip, Delta) and the step splitter. As a module ('import rewardsmith.text.steps') it would bind the whole
#: package, and its attributes (its torch) would reach past the other rules.
STEPS_MODULE = "rewardsmith.text.steps"
STEP_FUNCTIONS: tuple[str, ...] = tuple(steps.__all__)

#: Builtins text verifier code may call: the plain ones a string and number computation needs.
TEXT_BUILTINS = _words(
    """
    abs all any bool callable chr dict divmod enumerate filter float format frozenset hash hex int isinstance
    issubclass iter len list map max min next oct ord pow print range repr reversed round set slice sorted str
    sum tuple type zip getattr hasattr
    """
)

#: Attributes that reach a frame, its globals or compiled code, from a generator, coroutine, traceback or
#: function: the way from any value back to the builtins without a dunder.
INTROSPECTION_ATTRIBUTES = _words(
    """
    gi_frame gi_code gi_yieldfrom cr_frame cr_code cr_await ag_frame ag_code ag_await f_globals f_locals f_builtins
    f_back f_code tb_frame tb_next func_globals func_code co_code co_consts
    """
)

#: ``string.Formatter`` methods that resolve a field name (``'0.__globals__'``) to the object it names.
FIELD_LOOKUPS = frozenset({"get_field", "get_value", "vformat", "format_field"})

#: What reward code must not name: the trusted checker and the held-out split.
HELD_OUT_WORDS = ("checker", "held_out", "heldout")

_DUNDER = re.compile(r"__\w+__")
#: Dunders that name nothing reachable: the module-name guard ``if __name__ == "__main__":``.
SAFE_DUNDERS = frozenset({"__name__", "__main__"})
_SIGNATURE = f"def {ENTRY_POINT}({', '.join(TEXT_REWARD_PARAMETERS)}, **columns)"
_EXPECTED_RETURN = 'return (rewards, {"component_name": values, ...}), one float per completion in each'


class RuleBasedTextCritic:
    """Rule-based critic of text verifier code: every rule runs on the syntax tree; nothing is imported or run."""

    name = CRITIC_NAME

    def review(self, candidate: Candidate, task: TextTask) -> CriticVerdict:
        """Judge a candidate's code against the text rules.

        Args:
            candidate: The candidate; an empty ``code`` means its designer's answer had none.
            task: The task whose columns the code may read.

        Returns:
            The verdict; ``passed`` is False when any finding is an error. Unparseable code is an error
            finding, never an exception.
        """
        return verdict(candidate, _review(candidate, task), self.name)


def task_columns(task: TextTask) -> list[str]:
    """The keyword columns reward code receives for ``task``, by name (``max_chars`` included)."""
    return sorted(task.columns([*task.train, *task.held_out]))


def summary() -> str:
    """What text verifier code may use, in one paragraph, for a designer's or an LLM critic's prompt."""
    modules = ", ".join(sorted(TEXT_MODULES - {"__future__"}))
    return (
        f"Text reward code is plain Python: it may import {modules}, and the per-step transforms (from "
        f"{STEPS_MODULE} import {', '.join(STEP_FUNCTIONS)}), and call the plain builtins (len, sum, "
        "min, max, sorted, zip, int, float, str, set, ...). It may not import anything else (os, sys, subprocess, "
        "pathlib, importlib, ...), call open, eval, exec, compile or __import__, use dunder names or private "
        "attributes, or name the checker or the held-out split"
    )


def _review(candidate: Candidate, task: TextTask) -> Iterator[CriticFinding]:
    tree = parse_candidate(candidate)
    if isinstance(tree, CriticFinding):
        yield tree
        return
    function = yield from _entry_point_rules(tree)
    if function is not None:
        yield from return_rules(function, _EXPECTED_RETURN)
        yield from _column_rules(function, task)
    yield from _import_rules(tree)
    yield from _access_rules(tree)
    yield from _held_out_rules(tree)


# ---- compute_reward: one top-level definition in the text contract --------------------------------


def _entry_point_rules(tree: ast.Module) -> Generator[CriticFinding, None, ast.FunctionDef | None]:
    """The entry point's findings; returns the entry point when its signature can be read further."""
    function = yield from entry_point(tree, f"{_SIGNATURE}, returning (rewards, components)")
    if function is None:
        return None
    try:
        _check_signature(function)
    except BadSignatureError as error:
        yield CriticFinding(rule="bad_signature", severity="error", message=str(error), line=function.lineno)
        return None
    return function


# ---- columns: what the code reads must be what the task provides ----------------------------------


def _column_rules(function: ast.FunctionDef, task: TextTask) -> Iterator[CriticFinding]:
    provided = task_columns(task)
    # The judge is no column, but the contract fills it the same way: by name.
    known = {*provided, JUDGE_PARAMETER}

    def unknown(column: str, how: str, line: int, *, fails: bool) -> CriticFinding:
        effect = "every call fails" if fails else "it is always missing, so the reward never sees it"
        return CriticFinding(
            rule="unknown_column",
            severity="error" if fails else "warning",
            message=f"{ENTRY_POINT} reads column '{column}' ({how}), which task '{task.name}' does not provide, so "
            f"{effect}; its columns are {', '.join(provided)}. Read one of them, or compute the value from the "
            "prompt or the completion.",
            line=line,
        )

    arguments = function.args
    positional = arguments.args[len(TEXT_REWARD_PARAMETERS) :]
    defaults = [None] * (len(positional) - len(arguments.defaults)) + list(arguments.defaults)
    named = list(zip(positional, defaults, strict=True)) + list(
        zip(arguments.kwonlyargs, arguments.kw_defaults, strict=True)
    )
    for parameter, default in named:
        if parameter.arg not in known:
            fails = default is None
            how = "a parameter without a default" if fails else "a parameter with a default"
            yield unknown(parameter.arg, how, parameter.lineno, fails=fails)
    if arguments.kwarg is None:
        return
    mapping = arguments.kwarg.arg
    for node in ast.walk(function):
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and node.value.id == mapping
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)
            and node.slice.value not in known
        ):
            yield unknown(node.slice.value, f"{mapping}[{node.slice.value!r}]", node.lineno, fails=True)
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == mapping
            and node.args
            and isinstance(node.args[0], ast.Constant)
            and isinstance(node.args[0].value, str)
            and node.args[0].value not in known
        ):
            yield unknown(node.args[0].value, f"{mapping}.get({node.args[0].value!r})", node.lineno, fails=False)


# ---- imports ------------------------------------------------------------------------------------


def _import_rules(tree: ast.Module) -> Iterator[CriticFinding]:
    allowed = ", ".join(sorted(TEXT_MODULES - {"__future__"}))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            refused = [alias.name for alias in node.names if not _module_allowed(alias.name)]
        elif isinstance(node, ast.ImportFrom) and node.module == STEPS_MODULE and not node.level:
            unknown = [alias.name for alias in node.names if alias.name not in STEP_FUNCTIONS]
            if unknown:
                yield CriticFinding(
                    rule="forbidden_import",
                    severity="error",
                    message=f"'{unknown[0]}' cannot be imported from {STEPS_MODULE}; import only "
                    f"{', '.join(STEP_FUNCTIONS)} from it.",
                    line=node.lineno,
                )
            continue
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level or not _module_allowed(base):
                refused = ["." * node.level + base]
            else:
                # A star import binds names the call rule cannot see; name each one.
                refused = [f"{base}.{alias.name}" for alias in node.names if alias.name.startswith(("_", "*"))]
        else:
            continue
        if refused:
            yield CriticFinding(
                rule="forbidden_import",
                severity="error",
                message=f"Importing '{refused[0]}' is not allowed in text reward code: only {allowed} may be "
                "imported (no private names or star imports), and the step transforms by name (from "
                f"{STEPS_MODULE} import {', '.join(STEP_FUNCTIONS)}). Compute the reward from the prompts, "
                "completions, answers and columns.",
                line=node.lineno,
            )


def _module_allowed(module: str) -> bool:
    parts = module.split(".")
    return parts[0] in TEXT_MODULES and not any(part.startswith("_") for part in parts[1:])


# ---- access: builtins, dunders, private and smuggled attributes, calls ------------------------------


def _access_rules(tree: ast.Module) -> Iterator[CriticFinding]:
    callable_names = bound_names(tree) | TEXT_BUILTINS | EXCEPTIONS
    prose = _prose(tree)
    for node in ast.walk(tree):
        if id(node) in prose:
            continue
        elif isinstance(node, ast.Global | ast.Nonlocal):
            keyword = "global" if isinstance(node, ast.Global) else "nonlocal"
            yield _error(
                "global_statement",
                f"'{keyword} {', '.join(node.names)}' keeps state between calls; a reward must be a pure function "
                "of its arguments. Compute everything from the batch passed in.",
                node,
            )
        elif isinstance(node, ast.Name) and node.id in REFUSED_BUILTINS:
            # As a name, not only as a call, so that 'run = eval; run(...)' is caught too.
            yield _error(
                "forbidden_call",
                f"'{node.id}' is not allowed in text reward code: it reads files, runs code or reaches interpreter "
                "state. Compute the reward from the strings passed in.",
                node,
            )
        elif isinstance(node, ast.Name) and _DUNDER.fullmatch(node.id) and node.id not in SAFE_DUNDERS:
            yield _error("dunder_access", f"'{node.id}' reaches into interpreter internals; drop it.", node)
        elif isinstance(node, ast.Attribute):
            yield from _attribute_rules(node)
        elif isinstance(node, ast.Constant) and isinstance(node.value, str) and _unsafe_dunders(node.value):
            # A format field ('{0.__class__}') or a getattr name reaches what the attribute rule refuses.
            yield _error(
                "dunder_access",
                f"The string {node.value[:40]!r} names a dunder attribute, which format fields and lookups can "
                "reach; text reward code may not name dunders, even in strings.",
                node,
            )
        elif isinstance(node, ast.Call):
            yield from _call_rules(node, callable_names)
        elif (finding := non_exception(node)) is not None:
            yield finding


def _attribute_rules(node: ast.Attribute) -> Iterator[CriticFinding]:
    attribute = node.attr
    if attribute.startswith("__"):
        yield _error("dunder_access", f"Attribute '{attribute}' reaches into interpreter internals; drop it.", node)
    elif attribute.startswith("_"):
        yield _error(
            "forbidden_api",
            f"'{ast.unparse(node)}' is a private name, not part of any API; use the public function that does the "
            "same.",
            node,
        )
    elif attribute in SMUGGLED_MODULES:
        yield _error(
            "forbidden_api",
            f"'{ast.unparse(node)}' reaches the module '{attribute}' through another module; text reward code may "
            "only use the modules it may import.",
            node,
        )
    elif attribute in INTROSPECTION_ATTRIBUTES or attribute in FIELD_LOOKUPS:
        yield _error(
            "forbidden_api",
            f"'{ast.unparse(node)}' reaches frames, code or objects by name, past the other rules; compute with the "
            "values themselves.",
            node,
        )


def _call_rules(node: ast.Call, callable_names: set[str]) -> Iterator[CriticFinding]:
    if not isinstance(node.func, ast.Name):
        return
    name = node.func.id
    if name in {"getattr", "hasattr"}:
        attribute = node.args[1] if len(node.args) >= 2 else None
        if not (isinstance(attribute, ast.Constant) and isinstance(attribute.value, str)):
            yield _error(
                "forbidden_call",
                f"'{name}' with a computed attribute name can reach anything; use the attribute directly.",
                node,
            )
        elif attribute.value.startswith("_") or attribute.value in SMUGGLED_MODULES | INTROSPECTION_ATTRIBUTES:
            yield _error("forbidden_api", f"'{name}(..., {attribute.value!r})' reaches past the API; drop it.", node)
    elif name not in callable_names and name not in REFUSED_BUILTINS and name not in NON_EXCEPTIONS:
        yield _error(
            "forbidden_call",
            f"'{name}()' is neither a plain builtin nor defined by the code; text reward code may call len, sum, "
            "min, max, sorted, int, float, str and the like, the allowed modules' functions, and its own helpers.",
            node,
        )


# ---- the checker and the held-out split ---------------------------------------------------------


def _held_out_rules(tree: ast.Module) -> Iterator[CriticFinding]:
    prose = _prose(tree)
    for node in ast.walk(tree):
        if id(node) in prose:
            continue
        if isinstance(node, ast.Name):
            named = node.id
        elif isinstance(node, ast.Attribute):
            named = node.attr
        elif isinstance(node, ast.arg):
            named = node.arg
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            named = node.name
        elif isinstance(node, ast.alias):
            named = node.asname or node.name
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            named = node.value
        else:
            continue
        word = next((word for word in HELD_OUT_WORDS if word in named.lower()), None)
        if word is not None:
            yield _error(
                "held_out_access",
                f"'{named[:40]}' names the {'checker' if word == 'checker' else 'held-out split'}, which reward code "
                "never sees: fitness is measured apart from the reward. Score the completion from the prompt, the "
                "answer and the columns, and rename anything that merely shares the name.",
                node,
            )


def _unsafe_dunders(text: str) -> set[str]:
    return set(_DUNDER.findall(text)) - SAFE_DUNDERS


def _prose(tree: ast.Module) -> set[int]:
    """The string constants that stand alone as statements (docstrings): words about the code, never values."""
    return {
        id(node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant) and isinstance(node.value.value, str)
    }


def _error(rule: str, message: str, node: ast.AST) -> CriticFinding:
    return CriticFinding(rule=rule, severity="error", message=message, line=getattr(node, "lineno", None))
