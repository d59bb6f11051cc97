"""The specification of wanted behaviour: a versioned list of weighted criteria with machine checks.

A machine check is an expression in a small, safe language, evaluated on each recorded episode
(``episodes/checkpoint_NN.npz``) and counted as met when it holds in at least the criterion's
``pass_fraction`` of them. Checks are written by spec writers, LLMs included, so they are parsed
with :mod:`ast` against a whitelist and interpreted node by node; nothing is ever ``eval``'d.

The language:

- numbers (``0.05``, ``1e-3``, ``True``), arithmetic ``+ - * /``, and ``**`` with a number literal
  of magnitude at most :data:`MAX_EXPONENT` as exponent;
- comparisons (``<``, ``<=``, ``>``, ``>=``, ``==``, ``!=``, chains such as ``0 < x < 1``) and
  ``and``, ``or``, ``not``, all elementwise;
- names: the task's state variables (``action`` included) as arrays over the episode's valid steps
  (``[length, *shape]``), ``length`` (the episode's length in steps) and ``time_to_goal`` (the
  ``episode_step`` at which the goal flag, ``reached_goal`` by default, is first set; NaN when it
  never is, so that ``time_to_goal < 100`` fails for an episode that never arrives);
- functions of one argument: ``abs`` (elementwise), ``mean``, ``max``, ``min``, ``sum``, ``std``,
  ``count`` (how many elements are non-zero) and ``fraction`` (the share of them), which reduce
  over every element of the valid steps, ``final`` and ``initial``, which take the last or first
  valid step, ``diff``, the change from each step to the next (``[length - 1, *shape]``), and
  ``reversals``, the share of steps whose change reverses the direction of the element's last
  change (0 for a monotone or constant trace, near 1 for one that goes back and forth every step).

A check must reduce to one number per episode, e.g. ``mean(abs(pole_angle)) < 0.05``,
``final(reached_goal)``, ``fraction(abs(normalized_angle) < 0.2) > 0.5``, ``max(collided) < 0.5`` or
``reversals(action) < 0.5 or mean(abs(diff(action))) < 0.2``.
"""

from __future__ import annotations

import ast
import math
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

import numpy as np
from pydantic import BaseModel, Field, field_validator

#: The per-episode names every check may use besides the task's state variables.
SPECIAL_NAMES: tuple[str, ...] = ("length", "time_to_goal")
#: Checks are short statements of behaviour; a longer one is a mistake or an attack.
MAX_CHECK_CHARS = 400
#: Enough for any honest check, far too few for a tree built to exhaust the interpreter.
MAX_CHECK_NODES = 120
#: Powers of two or three are what checks use; a larger exponent only manufactures overflow.
MAX_EXPONENT = 8
#: The flag whose first step defines ``time_to_goal`` unless the caller names another.
DEFAULT_GOAL_FLAG = "reached_goal"

_Value = np.ndarray | float


def _reduce(function: Callable[[np.ndarray], np.floating]) -> Callable[[_Value], _Value]:
    def reduced(value: _Value) -> _Value:
        array = np.asarray(value, dtype=np.float64)
        return float(function(array)) if array.size else math.nan

    return reduced


def _step(index: int) -> Callable[[_Value], _Value]:
    def take(value: _Value) -> _Value:
        array = np.asarray(value, dtype=np.float64)
        if array.ndim == 0:
            return float(array)
        return array[index] if len(array) else math.nan

    return take


def _diff(value: _Value) -> _Value:
    array = np.asarray(value, dtype=np.float64)
    # A single number has no steps to difference; an empty array reduces to NaN downstream.
    return np.diff(array, axis=0) if array.ndim else np.empty(0)


def _reversals(value: _Value) -> _Value:
    array = np.asarray(value, dtype=np.float64)
    if array.ndim == 0 or array.size == 0:
        return math.nan
    if len(array) < 3:
        return 0.0
    signs = np.sign(np.diff(array, axis=0).reshape(len(array) - 1, -1))
    # A pause (a zero change) keeps the direction it interrupted, so that a two-valued signal
    # held for a few steps between switches still counts each switch as a turn.
    steps = np.arange(len(signs))[:, None]
    last_moved = np.maximum.accumulate(np.where(signs != 0, steps, 0), axis=0)
    direction = np.take_along_axis(signs, last_moved, axis=0)
    turned = (signs[1:] != 0) & (direction[:-1] != 0) & (signs[1:] != direction[:-1])
    return float(np.mean(turned))


#: Every function a check may call, by name.
CHECK_FUNCTIONS: dict[str, Callable[[_Value], _Value]] = {
    "abs": np.abs,
    "mean": _reduce(np.mean),
    "max": _reduce(np.max),
    "min": _reduce(np.min),
    "sum": _reduce(np.sum),
    "std": _reduce(np.std),
    "count": _reduce(np.count_nonzero),
    "fraction": _reduce(lambda array: np.mean(array != 0)),
    "final": _step(-1),
    "initial": _step(0),
    "diff": _diff,
    "reversals": _reversals,
}

_BINARY: dict[type[ast.operator], Callable[[_Value, _Value], _Value]] = {
    ast.Add: np.add,
    ast.Sub: np.subtract,
    ast.Mult: np.multiply,
    ast.Div: np.divide,
    ast.Pow: np.power,
}
_COMPARE: dict[type[ast.cmpop], Callable[[_Value, _Value], _Value]] = {
    ast.Lt: np.less,
    ast.LtE: np.less_equal,
    ast.Gt: np.greater,
    ast.GtE: np.greater_equal,
    ast.Eq: np.equal,
    ast.NotEq: np.not_equal,
}
_ALLOWED_NODES = (
    ast.Expression,
    ast.BoolOp,
    ast.And,
    ast.Or,
    ast.UnaryOp,
    ast.USub,
    ast.UAdd,
    ast.Not,
    ast.BinOp,
    ast.Compare,
    ast.Call,
    ast.Name,
    ast.Load,
    ast.Constant,
    *_BINARY,
    *_COMPARE,
)
_LANGUAGE = (
    "a check may use numbers, state variable names, length, time_to_goal, the functions "
    f"{', '.join(CHECK_FUNCTIONS)}, arithmetic (+ - * / **), comparisons and and/or/not"
)
_REJECTED: dict[type[ast.AST], str] = {
    ast.Attribute: "attribute access (x.y)",
    ast.Subscript: "subscripts (x[i])",
    ast.Lambda: "lambda expressions",
    ast.ListComp: "comprehensions",
    ast.SetComp: "comprehensions",
    ast.DictComp: "comprehensions",
    ast.GeneratorExp: "generator expressions",
    ast.IfExp: "conditional expressions (a if c else b)",
    ast.NamedExpr: "assignment expressions (:=)",
    ast.Starred: "starred arguments",
    ast.keyword: "keyword arguments",
    ast.JoinedStr: "strings",
    ast.List: "lists",
    ast.Tuple: "tuples",
    ast.Set: "sets",
    ast.Dict: "dicts",
}


class RubricCheckError(ValueError):
    """A machine check is not in the check language, or cannot be evaluated on the episodes given."""


class Criterion(BaseModel):
    """One thing the wanted behaviour does, with a machine check where one is possible."""

    id: str = Field(description="Stable id, e.g. 'upright', 'no_oscillation'.")
    text: str = Field(description="The criterion in words, as a designer reads it.")
    weight: float = Field(gt=0, description="Relative importance among the criteria.")
    check: str | None = Field(
        default=None,
        description="An expression over per-episode statistics, e.g. 'mean(abs(pole_angle)) < 0.05'; "
        "None where the criterion has no machine check.",
    )
    pass_fraction: float = Field(
        default=0.5, gt=0, le=1, description="Share of recorded episodes in which the check must hold."
    )

    @field_validator("check")
    @classmethod
    def _check_in_language(cls, check: str | None) -> str | None:
        # Names are checked against a task later; the structure can be refused at the boundary.
        if check is not None:
            parse_check(check)
        return check


class Rubric(BaseModel):
    """Spec version N: the criteria, and why they changed from version N-1."""

    version: int = Field(ge=1)
    criteria: list[Criterion]
    parent_version: int | None = Field(default=None, description="The version this one revises.")
    reason: str = Field(default="", description="Why this version was written.")
    diff: list[str] = Field(default_factory=list, description="Human-readable changes from the parent.")
    author: str = Field(default="rule-based", description="'rule-based' or the model's name.")

    def render(self) -> str:
        """The rubric as a designer reads it."""
        lines = [f"Specification v{self.version}:"]
        for criterion in self.criteria:
            check = (
                f"  [check: {criterion.check}, in ≥ {criterion.pass_fraction:.0%} of episodes]"
                if criterion.check
                else ""
            )
            lines.append(f"- ({criterion.weight:g}) {criterion.id}: {criterion.text}{check}")
        return "\n".join(lines)


class RubricCheckResult(BaseModel):
    """One rubric criterion's machine check on recorded episodes."""

    criterion_id: str
    check: str
    passed: bool | None = Field(description="None when the check could not be evaluated.")
    value: float | None = Field(default=None, description="The left-hand side's value, averaged over episodes.")
    pass_rate: float | None = Field(default=None, description="Share of episodes in which the check held.")
    episodes: int = Field(default=0, description="Episodes the check was evaluated on.")
    detail: str = ""


def parse_check(check: str, names: Iterable[str] | None = None) -> ast.Expression:
    """Parse a machine check and refuse anything outside the check language.

    Args:
        check: The expression, e.g. ``"mean(abs(pole_angle)) < 0.05"``.
        names: The state variable names it may use; ``None`` skips the name check (the structure
            is still checked). :data:`SPECIAL_NAMES` are always allowed.

    Returns:
        The expression's syntax tree.

    Raises:
        RubricCheckError: The check is too long, does not parse, or uses a construct, function or
            name outside the language. The message says which and what is allowed.
    """
    if not check.strip():
        raise RubricCheckError("the check is empty")
    if len(check) > MAX_CHECK_CHARS:
        raise RubricCheckError(f"the check has {len(check)} characters; keep it under {MAX_CHECK_CHARS}")
    try:
        tree = ast.parse(check.strip(), mode="eval")
    except SyntaxError as error:
        raise RubricCheckError(f"the check is not an expression ({error.msg}); {_LANGUAGE}") from None
    except (ValueError, RecursionError, MemoryError):
        raise RubricCheckError(f"the check cannot be parsed; {_LANGUAGE}") from None
    nodes = list(ast.walk(tree))
    if len(nodes) > MAX_CHECK_NODES:
        raise RubricCheckError(f"the check has {len(nodes)} syntax nodes; keep it under {MAX_CHECK_NODES}")
    allowed_names = None if names is None else {*names, *SPECIAL_NAMES}
    # Refuse foreign constructs before judging calls and names, so the message names the construct.
    for node in nodes:
        if not isinstance(node, _ALLOWED_NODES):
            what = _REJECTED.get(type(node), f"'{type(node).__name__}'")
            raise RubricCheckError(f"not allowed in a check: {what}; {_LANGUAGE}")
    called = {id(node.func) for node in nodes if isinstance(node, ast.Call)}
    for node in nodes:
        _check_node(node, allowed_names, is_callee=id(node) in called)
    return tree


def check_names(check: str) -> set[str]:
    """The names a check reads: state variables and any of :data:`SPECIAL_NAMES`, not functions.

    Raises:
        RubricCheckError: The check is outside the language.
    """
    tree = parse_check(check)
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id not in CHECK_FUNCTIONS}


def _check_node(node: ast.AST, names: set[str] | None, *, is_callee: bool) -> None:
    if isinstance(node, ast.Constant) and (
        isinstance(node.value, complex) or not isinstance(node.value, bool | int | float)
    ):
        raise RubricCheckError(f"the literal {node.value!r} is not a number; {_LANGUAGE}")
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in CHECK_FUNCTIONS:
            name = node.func.id if isinstance(node.func, ast.Name) else ast.unparse(node.func)
            raise RubricCheckError(f"unknown function '{name}'; {_LANGUAGE}")
        if node.keywords or len(node.args) != 1:
            raise RubricCheckError(f"{node.func.id}() takes exactly one positional argument")
    if isinstance(node, ast.Name) and not is_callee:
        if node.id in CHECK_FUNCTIONS:
            raise RubricCheckError(f"'{node.id}' is a function; call it on one argument, e.g. {node.id}(x)")
        if node.id.startswith("_") or (names is not None and node.id not in names):
            known = f" (known: {', '.join(sorted(names))})" if names is not None else ""
            raise RubricCheckError(f"unknown name '{node.id}'{known}; {_LANGUAGE}")
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow):
        exponent = _literal(node.right)
        if exponent is None or abs(exponent) > MAX_EXPONENT:
            raise RubricCheckError(
                f"the exponent of ** must be a number literal of magnitude at most {MAX_EXPONENT}, "
                f"not '{ast.unparse(node.right)}'"
            )


def _literal(node: ast.expr) -> float | None:
    """The number a literal (or a negated literal) stands for; None for anything else."""
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _literal(node.operand)
        return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
    if isinstance(node, ast.Constant) and isinstance(node.value, bool | int | float):
        return float(node.value)
    return None


def load_episodes(path: Path) -> dict[str, np.ndarray]:
    """Read a recorded-episodes file (``episodes/checkpoint_NN.npz``) into a dict of arrays."""
    with np.load(path) as data:
        return {key: data[key] for key in data.files}


def evaluate_check(
    check: str,
    episodes: Mapping[str, np.ndarray],
    *,
    criterion_id: str = "",
    pass_fraction: float = 0.5,
    goal_flag: str = DEFAULT_GOAL_FLAG,
) -> RubricCheckResult:
    """Evaluate a machine check on every episode of one recording.

    Args:
        check: The expression.
        episodes: Arrays as recorded by training: ``state/<name>`` ``[k, T, ...]`` (NaN after each
            episode's end) and ``length`` ``[k]``.
        criterion_id: Copied into the result.
        pass_fraction: Share of episodes in which the check must hold for it to pass.
        goal_flag: The state variable whose first set step is ``time_to_goal``.

    Returns:
        The result. ``passed`` is None, and ``detail`` says why, when the check is outside the
        language or names something the recording lacks; hostile checks never raise here.
    """
    return _result(check, [episodes], criterion_id=criterion_id, pass_fraction=pass_fraction, goal_flag=goal_flag)


def evaluate_rubric(
    rubric: Rubric, episode_files: list[Path], *, goal_flag: str = DEFAULT_GOAL_FLAG
) -> list[RubricCheckResult]:
    """Evaluate every criterion's check on the episodes of all the given recordings together.

    Args:
        rubric: The specification.
        episode_files: ``.npz`` recordings, e.g. the best checkpoint's.
        goal_flag: The state variable whose first set step is ``time_to_goal``.

    Returns:
        One result per criterion, in rubric order; criteria without a check get ``passed=None``.
    """
    recordings = [load_episodes(path) for path in episode_files]
    results = []
    for criterion in rubric.criteria:
        if criterion.check is None:
            results.append(
                RubricCheckResult(criterion_id=criterion.id, check="", passed=None, detail="no machine check")
            )
            continue
        results.append(
            _result(
                criterion.check,
                recordings,
                criterion_id=criterion.id,
                pass_fraction=criterion.pass_fraction,
                goal_flag=goal_flag,
            )
        )
    return results


def _result(
    check: str,
    recordings: list[Mapping[str, np.ndarray]],
    *,
    criterion_id: str,
    pass_fraction: float,
    goal_flag: str,
) -> RubricCheckResult:
    base = {"criterion_id": criterion_id, "check": check}
    try:
        tree = parse_check(check)
        holds: list[bool] = []
        sides: list[float] = []
        for episodes in recordings:
            for env in _episode_envs(tree, episodes, goal_flag):
                holding, side = _evaluate_episode(tree, env)
                holds.append(holding)
                sides.append(side)
    except RubricCheckError as error:
        return RubricCheckResult(**base, passed=None, detail=str(error))
    if not holds:
        return RubricCheckResult(**base, passed=None, detail="no recorded episodes")
    rate = float(np.mean(holds))
    finite = [side for side in sides if math.isfinite(side)]
    value = float(np.mean(finite)) if finite else None
    return RubricCheckResult(
        **base,
        passed=rate >= pass_fraction,
        value=value,
        pass_rate=rate,
        episodes=len(holds),
        detail=f"held in {sum(holds)} of {len(holds)} episodes (needs {pass_fraction:.0%})",
    )


def _episode_envs(
    tree: ast.Expression, episodes: Mapping[str, np.ndarray], goal_flag: str
) -> Iterable[dict[str, _Value]]:
    if "length" not in episodes:
        raise RubricCheckError("the recording has no 'length' array")
    used = {node.id for node in ast.walk(tree) if isinstance(node, ast.Name) and node.id not in CHECK_FUNCTIONS}
    variables = sorted(used - set(SPECIAL_NAMES))
    needed = [*variables, *([goal_flag] if "time_to_goal" in used else [])]
    missing = [name for name in needed if f"state/{name}" not in episodes]
    if missing:
        recorded = sorted(key.removeprefix("state/") for key in episodes if key.startswith("state/"))
        raise RubricCheckError(f"the recording has no state variable {missing[0]!r} (recorded: {', '.join(recorded)})")
    for index, length in enumerate(np.asarray(episodes["length"]).astype(int).tolist()):
        env: dict[str, _Value] = {name: _valid(episodes[f"state/{name}"][index], length) for name in variables}
        env["length"] = float(length)
        if "time_to_goal" in used:
            flag = _valid(episodes[f"state/{goal_flag}"][index], length)
            flat = flag.reshape(len(flag), -1).any(axis=1) if len(flag) else flag
            set_at = np.flatnonzero(flat)
            # episode_step counts from 1, so the first recorded step is step 1.
            env["time_to_goal"] = float(set_at[0] + 1) if len(set_at) else math.nan
        yield env


def _valid(trace: np.ndarray, length: int) -> np.ndarray:
    return np.asarray(trace[:length], dtype=np.float64)


def _evaluate_episode(tree: ast.Expression, env: Mapping[str, _Value]) -> tuple[bool, float]:
    with np.errstate(all="ignore"):
        whole = _scalar(_evaluate(tree.body, env), tree.body)
        side_node = _left_hand_side(tree.body)
        side = whole if side_node is tree.body else _scalar(_evaluate(side_node, env), side_node)
    return (not math.isnan(whole) and whole != 0.0), side


def _left_hand_side(node: ast.expr) -> ast.expr:
    # The quantity a comparison judges is its first operand that is not a number, so that
    # '0.05 > mean(x)' and 'mean(x) < 0.05' report the same value.
    if isinstance(node, ast.Compare):
        for operand in (node.left, *node.comparators):
            if _literal(operand) is None:
                return operand
    return node


def _scalar(value: _Value, node: ast.expr) -> float:
    array = np.asarray(value, dtype=np.float64)
    if array.size != 1:
        raise RubricCheckError(
            f"'{ast.unparse(node)}' gives {array.size} values per episode, not one; "
            "reduce it with mean(), max(), min(), sum(), final() or fraction()"
        )
    return float(array.reshape(()))


def _evaluate(node: ast.expr, env: Mapping[str, _Value]) -> _Value:
    # Only node types parse_check admitted reach this point.
    if isinstance(node, ast.Constant):
        return float(node.value)
    if isinstance(node, ast.Name):
        return env[node.id]
    if isinstance(node, ast.UnaryOp):
        operand = _evaluate(node.operand, env)
        if isinstance(node.op, ast.Not):
            return np.logical_not(operand).astype(np.float64)
        return np.negative(operand) if isinstance(node.op, ast.USub) else operand
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)](_evaluate(node.left, env), _evaluate(node.right, env))
    if isinstance(node, ast.BoolOp):
        combine = np.logical_and if isinstance(node.op, ast.And) else np.logical_or
        values = [_evaluate(value, env) for value in node.values]
        result = values[0]
        for value in values[1:]:
            result = combine(result, value)
        return np.asarray(result, dtype=np.float64)
    if isinstance(node, ast.Compare):
        left = _evaluate(node.left, env)
        result: _Value = 1.0
        for operator, comparator in zip(node.ops, node.comparators, strict=True):
            right = _evaluate(comparator, env)
            result = np.logical_and(result, _COMPARE[type(operator)](left, right))
            left = right
        return np.asarray(result, dtype=np.float64)
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return CHECK_FUNCTIONS[node.func.id](_evaluate(node.args[0], env))
    raise RubricCheckError(f"cannot evaluate '{ast.unparse(node)}'")  # pragma: no cover - parse_check refuses it
