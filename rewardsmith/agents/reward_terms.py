"""The reward terms the rule-based designer composes, the genome that records them, and their code.

A :class:`RewardGenome` is a list of :class:`RewardTerm`; each term reads one or two state variables
and becomes one named component of the reward. :func:`render_reward` writes the genome as plain
Python in the reward contract, with the genome itself as one JSON comment line at the top
(:data:`GENOME_MARKER`), so that a later round, or a run resumed from disk, recovers it from the
candidate's code alone with :func:`genome_from_code`.

Scales come from the task spec: a range quoted in a variable's description (``in [-1.2, 0.6]``,
``clipped to [-8, 8]``, ``[-pi, pi)``) where there is one, else a typical magnitude for its unit.
"""

from __future__ import annotations

import ast
import keyword
import math
import re
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

from rewardsmith.rewards.errors import RewardContractError
from rewardsmith.rewards.extract import extract_code
from rewardsmith.tasks.spec import BoxSpace, DiscreteSpace, StateVariable, TaskSpec

#: Starts the comment line that carries a candidate's genome as JSON.
GENOME_MARKER = "# rewardsmith-genome: "

Kernel = Literal["linear", "square", "exp", "tanh"]
TermKind = Literal["error", "height", "bounded", "success", "failure", "progress", "effort", "alive", "time"]
ProgressSense = Literal["toward_zero", "decrease", "increase"]

#: Kernels turn a non-negative error e into a reward: penalties (linear, square) or bonuses (exp, tanh).
KERNELS: tuple[Kernel, ...] = ("linear", "square", "exp", "tanh")
#: Terms that are constant per step by construction: a flat episode sum says nothing about them.
CONSTANT_KINDS: frozenset[TermKind] = frozenset({"alive", "time"})
#: Terms that reward the task itself rather than shape effort or time.
TASK_KINDS: frozenset[TermKind] = frozenset({"error", "height", "bounded", "success", "failure", "progress"})

WEIGHT_RANGE = (1e-3, 100.0)
TEMPERATURE_RANGE = (1e-3, 1e3)
_SIGNIFICANT_DIGITS = 4
#: Typical magnitudes where a description quotes no range: what a balance error, a speed, a
#: distance usually is in these units. Checks and kernels built on them are deliberately loose.
_UNIT_SCALES = {"rad": 0.2, "rad/s": 1.0, "m": 1.0, "m/s": 1.0, "m/step": 0.05, "s": 1.0, "N": 1.0}
_RANGE = re.compile(r"\[\s*([^\[\],]+?)\s*,\s*([^\[\],]+?)\s*[\])]")
_SHAPE_SOURCE = "episode_step"
#: Names the rendered code itself uses.
_RESERVED = frozenset({"total", "components", "torch"})


class RewardTerm(BaseModel):
    """One reward term: which variables it reads, how it shapes them, and its weight."""

    name: str = Field(description="Component name and local variable name in the code; an identifier.")
    kind: TermKind = Field(description="What the term rewards; see render_term for each kind's formula.")
    variable: str = Field(description="The state variable the term reads (episode_step for alive/time).")
    previous: str | None = Field(default=None, description="The previous_<x> variable of a progress term.")
    kernel: Kernel | None = Field(default=None, description="How an error term maps |x| to reward.")
    sense: ProgressSense | None = Field(default=None, description="Which change a progress term rewards.")
    weight: float = Field(gt=0, description="Multiplies the term; the sign comes from the kind.")
    temperature: float | None = Field(default=None, gt=0, description="Scale of the variable inside the term.")
    low: float | None = Field(default=None, description="Lower end of a height term's normalisation range.")
    high: float | None = Field(default=None, description="Upper end of a height term's normalisation range.")
    shortfall: bool = Field(
        default=False,
        description="Render a bonus as its shortfall from the best value (<= 0), so that a goal which ends the "
        "episode never forfeits reward still to be collected.",
    )

    @field_validator("name")
    @classmethod
    def _identifier(cls, name: str) -> str:
        if not name.isidentifier() or keyword.iskeyword(name) or name in _RESERVED or name.startswith("_"):
            raise ValueError(f"term name {name!r} cannot be a local variable of the reward code")
        return name

    @field_validator("weight")
    @classmethod
    def _round_weight(cls, weight: float) -> float:
        return round_significant(min(max(weight, WEIGHT_RANGE[0]), WEIGHT_RANGE[1]))

    @field_validator("temperature")
    @classmethod
    def _round_temperature(cls, temperature: float | None) -> float | None:
        if temperature is None:
            return None
        return round_significant(min(max(temperature, TEMPERATURE_RANGE[0]), TEMPERATURE_RANGE[1]))

    @model_validator(mode="after")
    def _complete(self) -> RewardTerm:
        needs = {
            "error": ("kernel", "temperature"),
            "bounded": ("temperature",),
            "height": ("low", "high"),
            "progress": ("previous", "sense", "temperature"),
            "effort": ("temperature",),
        }.get(self.kind, ())
        missing = [field for field in needs if getattr(self, field) is None]
        if missing:
            raise ValueError(f"a {self.kind} term needs {', '.join(missing)}")
        if self.kind == "height" and not (self.low is not None and self.high is not None and self.low < self.high):
            raise ValueError("a height term needs low < high")
        return self


class RewardGenome(BaseModel):
    """A rule-based candidate's recipe: its task and its terms, in component order."""

    task: str = Field(description="Name of the task the genome was built for.")
    terms: list[RewardTerm] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique_names(self) -> RewardGenome:
        names = [term.name for term in self.terms]
        if len(set(names)) != len(names):
            raise ValueError(f"duplicate term names in {names}")
        return self

    def term(self, name: str) -> RewardTerm | None:
        """The term whose component is called ``name``, if any."""
        return next((term for term in self.terms if term.name == name), None)


def round_significant(value: float, digits: int = _SIGNIFICANT_DIGITS) -> float:
    """``value`` rounded to ``digits`` significant digits, so genome and code show the same number."""
    if value == 0 or not math.isfinite(value):
        return value
    return round(value, digits - 1 - math.floor(math.log10(abs(value))))


# ---- scales read off the task spec --------------------------------------------------------------


def value_range(variable: StateVariable) -> tuple[float, float] | None:
    """The ``[low, high]`` range quoted in a variable's description, e.g. ``in [-pi, pi)``; None if none."""
    for match in _RANGE.finditer(variable.description):
        low, high = _number(match.group(1)), _number(match.group(2))
        if low is not None and high is not None and low < high:
            return low, high
    return None


def typical_scale(variable: StateVariable) -> tuple[float, bool]:
    """A magnitude for ``variable`` and whether it was read off a quoted range (else a unit default)."""
    bounds = value_range(variable)
    if bounds is not None:
        return max(abs(bounds[0]), abs(bounds[1])), True
    return _UNIT_SCALES.get(variable.unit, 1.0), False


def action_bound(task: TaskSpec) -> float:
    """The largest action magnitude the task applies."""
    space = task.action_space
    if isinstance(space, BoxSpace):
        return max(abs(space.low), abs(space.high))
    return max(abs(value) for value in space.values)


def has_idle_action(task: TaskSpec) -> bool:
    """Whether doing nothing is an action, so that effort can vary (not for cartpole's ±10 N pushes)."""
    space = task.action_space
    return isinstance(space, BoxSpace) or (isinstance(space, DiscreteSpace) and 0.0 in space.values)


def _number(text: str) -> float | None:
    # The ranges quoted in descriptions are small arithmetic over numbers and pi, e.g. '-4*pi'.
    try:
        tree = ast.parse(text.strip().replace("π", "pi"), mode="eval")
    except SyntaxError:
        return None

    def value(node: ast.expr) -> float:
        if isinstance(node, ast.Constant) and isinstance(node.value, int | float):
            return float(node.value)
        if isinstance(node, ast.Name) and node.id == "pi":
            return math.pi
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
            inner = value(node.operand)
            return -inner if isinstance(node.op, ast.USub) else inner
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult | ast.Div):
            left, right = value(node.left), value(node.right)
            return left * right if isinstance(node.op, ast.Mult) else left / right
        raise ValueError(ast.unparse(node))

    try:
        return value(tree.body)
    except (ValueError, ZeroDivisionError):
        return None


# ---- the pool of terms a task allows ------------------------------------------------------------


def term_pool(task: TaskSpec) -> list[RewardTerm]:
    """Every term the designer may use on ``task``, with default weights and temperatures.

    One term per variable with a ``desired`` direction (an error kernel for 'zero'/'low', a
    normalised height or a tanh bonus for 'high', a bonus for a 'true' flag, a penalty for a 'false'
    flag), a progress term per ``previous_<x>`` pair whose ``x`` has a direction, an effort penalty
    where the action can be idle, and an alive bonus and a time penalty.
    """
    terms: list[RewardTerm] = []
    names = set(task.state_variable_names)
    # Where reaching a goal ends the episode, a positive per-step bonus pays the policy to linger
    # short of the goal; the same shaping as a shortfall (<= 0) pays it to finish.
    shortfall = _has_goal(task)
    for variable in task.state_variables:
        term = _desired_term(variable, shortfall=shortfall)
        if term is not None:
            terms.append(term)
    for variable in task.state_variables:
        current = variable.name.removeprefix("previous_")
        if variable.name.startswith("previous_") and current in names:
            term = _progress_term(task.state_variable(current), variable.name)
            if term is not None:
                terms.append(term)
    if has_idle_action(task):
        bound = action_bound(task)
        terms.append(RewardTerm(name="effort", kind="effort", variable="action", weight=0.05, temperature=bound))
    terms.append(RewardTerm(name="alive", kind="alive", variable=_SHAPE_SOURCE, weight=1.0))
    terms.append(RewardTerm(name="time", kind="time", variable=_SHAPE_SOURCE, weight=0.1))
    return terms


def default_genome(task: TaskSpec) -> RewardGenome:
    """The sensible default: the task's own terms, effort, and at most one time-related term.

    - An alive bonus where survival is the task (no goal flag, nothing to raise).
    - A time penalty where a goal ends the episode and no failure does, so that lingering costs
      and there is no crash to escape it by.
    - Where both a goal and a failure end the episode, per-step shortfalls would pay for an early
      crash and per-step bonuses for lingering; progress terms (which telescope) replace them.
    """
    pool = term_pool(task)
    goal = _has_goal(task)
    failure = any(variable.desired == "false" for variable in task.state_variables)
    rises = any(variable.desired == "high" for variable in task.state_variables)
    progress = any(term.kind == "progress" for term in pool)
    wanted = {"alive": not goal and not rises, "time": goal and not failure}
    if goal and failure and progress:
        wanted |= {"error": False, "height": False, "bounded": False}
    terms = [term for term in pool if wanted.get(term.kind, True)]
    return RewardGenome(task=task.name, terms=terms)


def _has_goal(task: TaskSpec) -> bool:
    return any(variable.desired == "true" for variable in task.state_variables)


def _desired_term(variable: StateVariable, *, shortfall: bool) -> RewardTerm | None:
    scale, inferred = typical_scale(variable)
    # A quoted range spans the whole state space; a quarter of it is where the reward should bite.
    temperature = 0.25 * scale if inferred else scale
    if variable.desired in ("zero", "low"):
        # Rates are secondary to the positions and angles they change.
        weight = 0.25 if "/" in variable.unit else 1.0
        return RewardTerm(
            name=f"{variable.name}_error",
            kind="error",
            variable=variable.name,
            kernel="exp",
            weight=weight,
            temperature=temperature,
            shortfall=shortfall,
        )
    if variable.desired == "high":
        suffix = "shortfall" if shortfall else "bonus"
        bounds = value_range(variable)
        if bounds is not None:
            return RewardTerm(
                name=f"{variable.name}_{suffix}",
                kind="height",
                variable=variable.name,
                weight=1.0,
                low=bounds[0],
                high=bounds[1],
                shortfall=shortfall,
            )
        return RewardTerm(
            name=f"{variable.name}_{suffix}",
            kind="bounded",
            variable=variable.name,
            weight=0.5,
            temperature=temperature,
            shortfall=shortfall,
        )
    if variable.desired == "true":
        return RewardTerm(name=f"{variable.name}_bonus", kind="success", variable=variable.name, weight=10.0)
    if variable.desired == "false":
        return RewardTerm(name=f"{variable.name}_penalty", kind="failure", variable=variable.name, weight=10.0)
    return None


def _progress_term(current: StateVariable, previous: str) -> RewardTerm | None:
    sense: ProgressSense | None = {"zero": "toward_zero", "low": "decrease", "high": "increase"}.get(
        current.desired or ""
    )
    if sense is None:
        return None
    scale, _ = typical_scale(current)
    # The sum over an episode telescopes to the net change over the temperature: a tenth of the
    # scale makes crossing the whole range worth about as much as the success bonus.
    return RewardTerm(
        name=f"{current.name}_progress",
        kind="progress",
        variable=current.name,
        previous=previous,
        sense=sense,
        weight=1.0,
        temperature=0.1 * scale,
    )


# ---- code ---------------------------------------------------------------------------------------


def render_reward(genome: RewardGenome, task: TaskSpec) -> str:
    """Write ``genome`` as reward-contract Python: one component per term, the genome on line 1.

    Raises:
        ValueError: A term reads a variable the task does not have.
    """
    used = {name for term in genome.terms for name in (term.variable, term.previous) if name}
    unknown = sorted(used - set(task.state_variable_names))
    if unknown:
        raise ValueError(f"the genome reads {unknown}, which task '{task.name}' does not have")
    parameters = [name for name in task.state_variable_names if name in used]
    # A term named like a state variable would shadow it; its local variable gets a suffix instead.
    taken = set(task.state_variable_names)
    local = {term.name: f"{term.name}_term" if term.name in taken else term.name for term in genome.terms}
    lines = [
        f"{GENOME_MARKER}{genome.model_dump_json(exclude_defaults=True)}",
        "import torch",
        "",
        "",
        "def compute_reward(",
        *(f"    {name}: torch.Tensor," for name in parameters),
        ") -> tuple[torch.Tensor, dict[str, torch.Tensor]]:",
        '    """Rule-based reward: one named component per term of the genome on the first line."""',
        *(f"    {local[term.name]} = {render_term(term, task)}" for term in genome.terms),
        f"    total = {' + '.join(local.values())}",
        "    components = {",
        *(f'        "{name}": {variable},' for name, variable in local.items()),
        "    }",
        "    return total, components",
        "",
    ]
    return "\n".join(lines)


def render_term(term: RewardTerm, task: TaskSpec) -> str:
    """The Python expression of one term, ``[num_envs]`` floating."""
    vector = task.state_variable(term.variable).shape != ()
    x, w, t = term.variable, _literal(term.weight), _literal(term.temperature or 1.0)
    # A shortfall subtracts the bonus's best value (1), leaving the same shaping at or below zero.
    best = " - 1.0" if term.shortfall else ""
    if term.kind == "error":
        error = f"torch.linalg.vector_norm({x}, dim=-1)" if vector else f"{x}.abs()"
        return {
            "linear": f"-{w} * {error} / {t}",
            "square": f"-{w} * ({error} / {t}) ** 2",
            "exp": f"{w} * (torch.exp(-{error} / {t}){best})",
            "tanh": f"-{w} * torch.tanh({error} / {t})"
            if term.shortfall
            else f"{w} * (1.0 - torch.tanh({error} / {t}))",
        }[term.kernel or "exp"]
    if term.kind == "height":
        low = term.low or 0.0
        span = _literal(round_significant((term.high or 1.0) - low))
        value = f"{x}.mean(dim=-1)" if vector else x
        shifted = f"{value} + {_literal(-low)}" if low < 0 else f"{value} - {_literal(low)}"
        return f"{w} * ((({shifted}) / {span}).clamp(0.0, 1.0){best})"
    if term.kind == "bounded":
        value = f"{x}.mean(dim=-1)" if vector else x
        return f"{w} * (torch.tanh({value} / {t}){best})"
    if term.kind in ("success", "failure"):
        flag = f"{x}.any(dim=-1)" if vector else x
        return f"{'-' if term.kind == 'failure' else ''}{w} * {flag}.float()"
    if term.kind == "progress":
        before, after = term.previous, x
        if vector or term.sense == "toward_zero":
            norm = "torch.linalg.vector_norm({}, dim=-1)" if vector else "{}.abs()"
            before, after = norm.format(before), norm.format(after)
        change = f"({after} - {before})" if term.sense == "increase" else f"({before} - {after})"
        return f"{w} * {change} / {t}"
    if term.kind == "effort":
        squared = f"({x} / {t}) ** 2"
        return f"-{w} * ({squared}).sum(dim=-1)" if vector else f"-{w} * {squared}"
    sign = "-" if term.kind == "time" else ""
    return f"{sign}{w} * torch.ones_like({x}, dtype=torch.float32)"


def genome_from_code(code: str) -> RewardGenome | None:
    """Recover the genome a rule-based candidate carries; None for code without a valid one."""
    try:
        source = extract_code(code)
    except RewardContractError:
        return None
    for line in source.split("\n"):
        if line.startswith(GENOME_MARKER):
            try:
                return RewardGenome.model_validate_json(line.removeprefix(GENOME_MARKER))
            except ValidationError:
                return None
    return None


def _literal(value: float) -> str:
    # repr gives the shortest text that reads back as the same float, so code and genome agree.
    return repr(float(value))
