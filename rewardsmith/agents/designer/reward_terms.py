"""The reward terms the rule-based designer composes, the genome that records them, and their code.

A :class:`RewardGenome` is a list of :class:`RewardTerm`; each term reads one or two state variables
and becomes one named component of the reward. :func:`render_reward` writes the genome as plain
Python in the reward contract, with the genome itself as one JSON comment line at the top
(:data:`GENOME_MARKER`), so that a later round, or a run resumed from disk, recovers it from the
candidate's code alone with :func:`genome_from_code`.

Scales come from the task spec: a range quoted in a variable's description (``in [-1.2, 0.6]``,
``clipped to [-8, 8]``, ``[-pi, pi)``) where there is one, else a typical magnitude for its unit.

A term may carry one bounded transform from :mod:`rewardsmith.rewards.transforms`
(:func:`bound_term` picks it): potential-based shaping for terms whose variable has a
``previous_<x>`` twin, ``delta`` for progress, ``gated`` on the task's success outcome for per-step
bonuses, ``clip_below`` for a bonus that has no outcome to wait for, ``squash`` for unbounded kernels.
"""

from __future__ import annotations

import ast
import keyword
import math
import re
from typing import Literal

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator

import rewardsmith.rewards.transforms as transforms_module
from rewardsmith.agents.designer.structure import directed, tilt_and_spin, tracking_pairs
from rewardsmith.tasks.spec import BoxSpace, DiscreteSpace, Obstacle, StateVariable, TaskSpec

#: Starts the comment line that carries a candidate's genome as JSON.
GENOME_MARKER = "# rewardsmith-genome: "

Kernel = Literal["linear", "square", "exp", "tanh"]
TermKind = Literal[
    "error",
    "height",
    "bounded",
    "success",
    "failure",
    "progress",
    "effort",
    "alive",
    "time",
    "reached",
    "closing",
    "heading",
    "along",
    "rate",
    "clearance",
]
ProgressSense = Literal["toward_zero", "decrease", "increase"]
#: The bounded transforms a term may wear, named as :mod:`rewardsmith.rewards.transforms` names them.
Transform = Literal["delta", "potential_shaping", "gated", "clip_below", "squash"]

#: Kernels turn a non-negative error e into a reward: penalties (linear, square) or bonuses (exp, tanh).
KERNELS: tuple[Kernel, ...] = ("linear", "square", "exp", "tanh")
#: Terms that are constant per step by construction: a flat episode sum says nothing about them.
CONSTANT_KINDS: frozenset[TermKind] = frozenset({"alive", "time"})
#: Terms that reward the task itself rather than shape effort or time.
TASK_KINDS: frozenset[TermKind] = frozenset(
    {
        "error",
        "height",
        "bounded",
        "success",
        "failure",
        "progress",
        "reached",
        "closing",
        "heading",
        "along",
        "rate",
        "clearance",
    }
)
#: Terms that pay once the task is done; random variants keep them.
SUCCESS_KINDS: frozenset[TermKind] = frozenset({"success", "reached"})
#: Terms that read the state itself each step, and so can be a potential over it.
STATE_KINDS: frozenset[TermKind] = frozenset({"error", "height", "bounded"})
#: Error kernels that grow without bound with the error (the bonuses exp and tanh stay within [0, w]).
UNBOUNDED_KERNELS: frozenset[Kernel] = frozenset({"linear", "square"})

WEIGHT_RANGE = (1e-3, 100.0)
TEMPERATURE_RANGE = (1e-3, 1e3)
_SIGNIFICANT_DIGITS = 4
#: Typical magnitudes where a description quotes no range: what a balance error, a speed, a
#: distance usually is in these units. Checks and kernels built on them are deliberately loose.
_UNIT_SCALES = {"rad": 0.2, "rad/s": 1.0, "m": 1.0, "m/s": 1.0, "m/step": 0.05, "s": 1.0, "N": 1.0}
_RANGE = re.compile(r"\[\s*([^\[\],]+?)\s*,\s*([^\[\],]+?)\s*[\])]")
_ENDS_EPISODE = re.compile(r"\bends the episode\b", re.IGNORECASE)
#: A flag whose description says the episode ends when it turns false: the state the policy must stay in.
_SURVIVAL = re.compile(r"\bepisode ends when (?:this|it) (?:turns|becomes|is) false\b", re.IGNORECASE)
_SHAPE_SOURCE = "episode_step"
#: The helper a genome's code defines when a distance goes around an obstacle.
_PATH_AROUND = "path_around"
#: Names the rendered code itself uses.
_RESERVED = frozenset({"total", "components", "torch", _PATH_AROUND})
#: How far a path around an obstacle keeps from its surface, and where a clearance penalty starts to bite,
#: as a share of its radius: contact ends the episode, so the way round should not graze it.
CLEARANCE_MARGIN = 1 / 6


class RewardTerm(BaseModel):
    """One reward term: which variables it reads, how it shapes them, and its weight."""

    name: str = Field(description="Component name and local variable name in the code; an identifier.")
    kind: TermKind = Field(description="What the term rewards; see render_term for each kind's formula.")
    variable: str = Field(description="The state variable the term reads (episode_step for alive/time).")
    previous: str | None = Field(
        default=None, description="The previous_<x> variable of a progress term or of a potential_shaping term."
    )
    other: str | None = Field(
        default=None,
        description="The target the variable should reach: an error, progress or reached term then reads the "
        "distance between the two, closing and heading terms the direction from one to the other.",
    )
    via: str | None = Field(
        default=None, description="The velocity of a closing term, the heading angle of a heading term."
    )
    direction: tuple[float, ...] | None = Field(
        default=None, description="The unit direction an along or rate term rewards the variable's growth in."
    )
    around: Obstacle | None = Field(
        default=None,
        description="A disc the variable must go around: an error, progress or reached term then reads the "
        "length of the shortest path to the target past it (the straight line where that clears it), a "
        "clearance term the distance to its surface.",
    )
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
    transform: Transform | None = Field(
        default=None, description="A bounded transform wrapped around the term; see render_term."
    )
    gate: str | None = Field(default=None, description="The variable whose outcome a gated term waits for.")
    gate_threshold: float | None = Field(
        default=None,
        description="The outcome a gated term needs (>=): 1 for a flag, a value for a 'high' variable, minus the "
        "largest magnitude allowed for a 'zero'/'low' variable.",
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
            "reached": ("other", "temperature"),
            "closing": ("other", "via", "temperature"),
            "heading": ("other", "via"),
            "along": ("direction", "temperature"),
            "rate": ("temperature",),
            "clearance": ("around", "temperature"),
        }.get(self.kind, ())
        missing = [field for field in needs if getattr(self, field) is None]
        if missing:
            raise ValueError(f"a {self.kind} term needs {', '.join(missing)}")
        if self.kind == "height" and not (self.low is not None and self.high is not None and self.low < self.high):
            raise ValueError("a height term needs low < high")
        if self.transform == "delta" and self.kind != "progress":
            raise ValueError("delta applies to progress terms only")
        if self.transform == "potential_shaping" and (
            self.kind not in STATE_KINDS | {"progress"} or self.previous is None
        ):
            raise ValueError("potential_shaping needs a state or progress term with its previous variable")
        if self.transform == "gated" and (self.gate is None or self.gate_threshold is None):
            raise ValueError("a gated term needs gate and gate_threshold")
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
    terms += structural_terms(task)
    if has_idle_action(task):
        bound = action_bound(task)
        terms.append(RewardTerm(name="effort", kind="effort", variable="action", weight=0.05, temperature=bound))
    terms.append(RewardTerm(name="alive", kind="alive", variable=_SHAPE_SOURCE, weight=1.0))
    terms.append(RewardTerm(name="time", kind="time", variable=_SHAPE_SOURCE, weight=0.1))
    return terms


def structural_terms(task: TaskSpec) -> list[RewardTerm]:
    """The terms the state's structure offers (:mod:`~rewardsmith.agents.designer.structure`).

    Per pair of a variable and its target: the distance between them (a linear penalty, as a user's own
    reward would write it), progress along that distance where the variable has a ``previous_<x>`` twin,
    the velocity toward the target and the heading to it where the state has them, and a bonus within
    the reach radius the task quotes (a tenth of the variable's scale without one). Where the variable
    must go around an obstacle, the distance and progress measure the shortest path past the first one
    (grown by :data:`CLEARANCE_MARGIN`), and no term pays for moving or facing straight at the target;
    each obstacle adds a penalty within that margin of its surface. Per directed variable: its growth
    along the direction, linear for a rate with no quoted range (see :func:`_desired_term`), else
    tanh-bounded. Small penalties on tilt and spin.
    """
    terms: list[RewardTerm] = []
    for pair in tracking_pairs(task):
        variable = task.state_variable(pair.variable)
        scale, _ = typical_scale(variable)
        base = pair.variable.removesuffix("_position").removesuffix("_pos") or pair.variable
        around = _grown(pair.obstacles[0]) if pair.obstacles else None
        terms.append(
            RewardTerm(
                name=f"{base}_distance",
                kind="error",
                variable=pair.variable,
                other=pair.target,
                around=around,
                kernel="linear",
                weight=1.0,
                temperature=scale,
            )
        )
        previous = _previous_of(task, pair.variable)
        if previous is not None:
            terms.append(
                RewardTerm(
                    name=f"{base}_approach",
                    kind="progress",
                    variable=pair.variable,
                    other=pair.target,
                    around=around,
                    previous=previous,
                    sense="decrease",
                    weight=1.0,
                    temperature=0.1 * scale,
                )
            )
        # Straight at the target is into the obstacle where there is one.
        if pair.velocity is not None and around is None:
            speed, _ = typical_scale(task.state_variable(pair.velocity))
            terms.append(
                RewardTerm(
                    name=f"{base}_closing",
                    kind="closing",
                    variable=pair.variable,
                    other=pair.target,
                    via=pair.velocity,
                    weight=0.25,
                    temperature=speed,
                )
            )
        if pair.heading is not None and around is None:
            terms.append(
                RewardTerm(
                    name=f"{base}_heading",
                    kind="heading",
                    variable=pair.variable,
                    other=pair.target,
                    via=pair.heading,
                    weight=0.1,
                )
            )
        terms.append(
            RewardTerm(
                name=f"{base}_reached",
                kind="reached",
                variable=pair.variable,
                other=pair.target,
                weight=1.0,
                temperature=pair.radius or 0.1 * scale,
            )
        )
    for variable in task.state_variables:
        for index, obstacle in enumerate(variable.avoid):
            terms.append(
                RewardTerm(
                    name=f"{variable.name}_clearance{index + 1 if index else ''}",
                    kind="clearance",
                    variable=variable.name,
                    around=obstacle,
                    weight=0.5,
                    temperature=CLEARANCE_MARGIN * obstacle.radius,
                )
            )
    for variable in directed(task):
        direction = variable.direction or ()
        if variable.desired == "high" and variable.shape == () and direction[0] > 0:
            continue  # its desired term already pays for growth along +1
        norm = math.sqrt(sum(x * x for x in direction))
        rate = "/" in variable.unit and value_range(variable) is None
        terms.append(
            RewardTerm(
                name=f"{variable.name}_along",
                kind="rate" if rate else "along",
                variable=variable.name,
                direction=tuple(x / norm for x in direction),
                weight=1.0,
                temperature=typical_scale(variable)[0],
            )
        )
    for variable in tilt_and_spin(task):
        scale, inferred = typical_scale(variable)
        terms.append(
            RewardTerm(
                name=f"{variable.name}_penalty",
                kind="error",
                variable=variable.name,
                kernel="square",
                # A power of two: squashed, the term stays within its weight exactly in float32 too.
                weight=0.0625,
                temperature=0.25 * scale if inferred else scale,
            )
        )
    return terms


def default_genome(task: TaskSpec) -> RewardGenome:
    """The sensible default: the task's own terms, effort, and at most one time-related term.

    - An alive bonus where survival is the task (no goal flag, nothing to raise), and wherever a flag
      ends the episode when it turns false (a hopper's health): a speed paid per step would otherwise be
      worth more as one dive forward than as a gait that stays up.
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
    # A target to reach or a direction to move in is the task, as a goal flag or a rising variable is.
    structured = bool(tracking_pairs(task) or directed(task))
    survival = bool(survival_flags(task))
    wanted = {"alive": (not goal and not rises and not structured) or survival, "time": goal and not failure}
    if goal and failure and progress:
        wanted |= {"error": False, "height": False, "bounded": False}
    structural = structural_terms(task)
    own = {term.name for term in structural}
    # Where the spec already names its errors, the structural terms only widen the pool variants draw from,
    # except the way around an obstacle, which no named error measures: its progress (its distance where the
    # variable has no previous twin) and the clearance penalty join, and progress on a low scalar of the
    # mover's unit, which measures the straight line through the obstacle, leaves.
    described = any(variable.desired in ("zero", "low", "high", "true") for variable in task.state_variables)
    detour = _detour_terms(structural) if described else []
    straight = {variable.unit for term in detour for variable in (task.state_variable(term.variable),)}
    terms = [
        term
        for term in pool
        if wanted.get(term.kind, True)
        and not (described and term.name in own and term not in detour)
        and not (term.kind == "progress" and term.other is None and _low_scalar_in(task, term.variable, straight))
    ]
    return RewardGenome(task=task.name, terms=terms)


def _detour_terms(structural: list[RewardTerm]) -> list[RewardTerm]:
    """The terms that measure the way around an obstacle: per mover, its progress (else its distance), and clearance."""
    detours = [term for term in structural if term.around is not None and term.kind in ("progress", "error")]
    progress = {term.variable for term in detours if term.kind == "progress"}
    kept = [term for term in detours if term.kind == "progress" or term.variable not in progress]
    return kept + [term for term in structural if term.kind == "clearance"]


def _low_scalar_in(task: TaskSpec, name: str, units: set[str]) -> bool:
    variable = task.state_variable(name)
    return variable.shape == () and variable.desired == "low" and variable.unit in units


def _grown(obstacle: Obstacle) -> Obstacle:
    return Obstacle(centre=obstacle.centre, radius=round_significant(obstacle.radius * (1 + CLEARANCE_MARGIN)))


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
        if "/" in variable.unit:
            # A rate with no quoted bound (a speed) is paid linearly: summed over an episode it is the distance
            # covered, where a tanh stops paying at its temperature however much faster the policy could go.
            return RewardTerm(
                name=f"{variable.name}_rate", kind="rate", variable=variable.name, weight=1.0, temperature=scale
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


# ---- bounded transforms -------------------------------------------------------------------------


class Gate(BaseModel):
    """The outcome a gated term waits for: ``outcome(variable) >= threshold``."""

    variable: str
    threshold: float
    terminal: bool = Field(description="Reaching the outcome ends the episode, so a gate on it pays once at most.")


def success_gate(task: TaskSpec) -> Gate | None:
    """The task's own success outcome, for gating per-step bonuses on; None where the spec names none.

    A goal flag where there is one (the bonus then pays only on reaching the goal); else a 'high'
    variable past three quarters of its range (half its typical scale without one); else a 'zero'/'low'
    position within half its kernel temperature, an angle before any other, since it is the balance
    a task of that kind is about while positions may drift.
    """
    flags = [v for v in task.state_variables if v.desired == "true" and v.dtype == "bool"]
    if flags:
        return Gate(variable=flags[0].name, threshold=1.0, terminal=bool(_ENDS_EPISODE.search(flags[0].description)))
    for variable in task.state_variables:
        if variable.desired == "high":
            bounds = value_range(variable)
            if bounds is not None:
                threshold = bounds[0] + 0.75 * (bounds[1] - bounds[0])
            else:
                threshold = 0.5 * typical_scale(variable)[0]
            return Gate(variable=variable.name, threshold=round_significant(threshold), terminal=False)
    positions = [v for v in task.state_variables if v.desired in ("zero", "low") and "/" not in v.unit]
    positions.sort(key=lambda variable: variable.unit != "rad")
    if positions:
        scale, inferred = typical_scale(positions[0])
        tolerance = 0.5 * (0.25 * scale if inferred else scale)
        return Gate(variable=positions[0].name, threshold=-round_significant(tolerance), terminal=False)
    return None


def survival_flags(task: TaskSpec) -> list[str]:
    """The flags whose description says the episode ends when they turn false: the state to stay in."""
    return [v.name for v in task.state_variables if v.dtype == "bool" and _SURVIVAL.search(v.description)]


def terminal_flags(task: TaskSpec) -> list[str]:
    """The flags whose description says they end the episode: true terminations, not time limits."""
    return [v.name for v in task.state_variables if v.dtype == "bool" and _ENDS_EPISODE.search(v.description)]


def best_value(term: RewardTerm) -> float | None:
    """The largest value the untransformed term takes in one step; None where only the dynamics bound it."""
    if term.kind in ("progress", "closing", "rate"):
        return None
    if term.kind in ("alive", "success", "reached", "heading"):
        return term.weight
    if term.kind in ("time", "failure", "effort", "clearance"):
        return 0.0 if term.kind != "time" else -term.weight
    if term.kind == "error" and term.kernel in UNBOUNDED_KERNELS:
        return 0.0
    return 0.0 if term.shortfall else term.weight


def bound_term(term: RewardTerm, task: TaskSpec) -> tuple[RewardTerm, str] | None:
    """``term`` with a transform that bounds what a policy can farm from it, and why; None if none helps.

    - a progress term, or a state term whose variable has a ``previous_<x>`` twin, becomes potential-based
      shaping: its return is -phi(start) however the policy oscillates, loiters or ends the episode;
    - an unbounded error kernel (linear, square) is squashed into [-w, w];
    - an alive bonus, or a positive state bonus, is gated on the task's success outcome, so surviving
      alone pays nothing; a bonus on the gate's own variable, or under a gate that ends the episode,
      is cut below its best value instead, so no step pays a positive reward. An alive bonus on a task
      that ends when a state is lost (see :func:`survival_flags`) stays as it is: staying up is the task.

    A term already potential-based has nothing stronger to become; the caller cuts or drops it.
    """
    if term.transform == "potential_shaping":
        return None
    previous = term.previous if term.kind == "progress" else _previous_of(task, term.variable)
    if term.kind == "progress" or (term.kind in STATE_KINDS and previous is not None):
        bounded = _with(term, {"transform": "potential_shaping", "previous": previous})
    elif term.transform is not None:
        return None
    elif term.kind == "error" and term.kernel in UNBOUNDED_KERNELS:
        bounded = _with(term, {"transform": "squash"})
    elif term.kind == "alive" and survival_flags(task):
        # Where losing a state ends the episode, staying in it is part of the task (Gymnasium pays a hopper's
        # health every step): gated on forward speed, a policy that falls before it moves learns nothing.
        return None
    else:
        best = best_value(term)
        if term.kind not in STATE_KINDS | {"alive"} or best is None or best <= 0:
            return None
        gate = success_gate(task)
        if gate is not None and (term.kind == "alive" or (gate.variable != term.variable and not gate.terminal)):
            bounded = _with(term, {"transform": "gated", "gate": gate.variable, "gate_threshold": gate.threshold})
        elif term.kind == "alive":
            return None
        else:
            bounded = _with(term, {"transform": "clip_below"})
    return bounded, describe_transform(bounded, task)


def describe_transform(term: RewardTerm, task: TaskSpec) -> str:
    """What a term's transform does, with the guarantee it buys, for rationales."""
    if term.transform == "potential_shaping":
        return "as potential-based shaping: its discounted sum is -phi(start) whatever path the policy takes"
    if term.transform == "delta":
        return "through delta: its rewards telescope to the net progress"
    if term.transform == "gated":
        gate = describe_gate(term.gate or "", term.gate_threshold or 0.0, task)
        return f"gated on {gate}: idling short of it earns nothing"
    if term.transform == "clip_below":
        return f"clipped below {best_value(term) or 0.0:g}: no step pays a positive reward"
    if term.transform == "squash":
        return f"squashed into [-{term.weight:g}, {term.weight:g}]"
    return "untransformed"


def bounded_genome(task: TaskSpec, genome: RewardGenome | None = None) -> RewardGenome:
    """``genome`` (the default genome if None) with transforms that keep its intent but bound what can be farmed.

    Progress terms go through ``delta`` (their telescoping made explicit), state terms with a
    ``previous_<x>`` twin become potential-based shaping, rate errors and an alive bonus are gated on
    the task's success outcome (a rate matters once the goal region is reached; survival alone should
    not pay), and unbounded kernels are squashed. Terms that have a transform keep it; the genome is
    unchanged where no term admits one.
    """
    gate = success_gate(task)
    terms = []
    for term in (genome or default_genome(task)).terms:
        rate = term.kind == "error" and "/" in task.state_variable(term.variable).unit
        if term.transform is not None:
            terms.append(term)
            continue
        if term.kind == "progress":
            term = _with(term, {"transform": "delta"})
        elif rate and gate is not None and not gate.terminal and gate.variable != term.variable:
            term = _with(term, {"transform": "gated", "gate": gate.variable, "gate_threshold": gate.threshold})
        elif (
            term.kind == "alive"
            or term.kernel in UNBOUNDED_KERNELS
            or (term.kind in STATE_KINDS and _previous_of(task, term.variable) is not None)
        ):
            bounded = bound_term(term, task)
            term = bounded[0] if bounded is not None else term
        terms.append(term)
    return RewardGenome(task=genome.task if genome else task.name, terms=terms)


def describe_gate(variable: str, threshold: float, task: TaskSpec) -> str:
    """The gate as a reader would write it, e.g. ``|pole_angle| <= 0.1`` or ``reached_goal``."""
    desired = task.state_variable(variable).desired
    if desired == "true":
        return variable
    if desired in ("zero", "low"):
        return f"|{variable}| <= {-threshold:g}"
    return f"{variable} >= {threshold:g}"


def _previous_of(task: TaskSpec, variable: str) -> str | None:
    previous = f"previous_{variable}"
    return previous if previous in task.state_variable_names else None


def _with(term: RewardTerm, update: dict[str, object]) -> RewardTerm:
    return RewardTerm.model_validate(term.model_dump() | update)


# ---- code ---------------------------------------------------------------------------------------


def render_reward(genome: RewardGenome, task: TaskSpec) -> str:
    """Write ``genome`` as reward-contract Python: one component per term, the genome on line 1.

    Raises:
        ValueError: A term reads a variable the task does not have.
    """
    used = {name for term in genome.terms for name in term_reads(term, task)}
    unknown = sorted(used - set(task.state_variable_names))
    if unknown:
        raise ValueError(f"the genome reads {unknown}, which task '{task.name}' does not have")
    parameters = [name for name in task.state_variable_names if name in used]
    transforms = sorted({term.transform for term in genome.terms if term.transform})
    # A term named like a state variable would shadow it; its local variable gets a suffix instead.
    taken = set(task.state_variable_names) | set(transforms)
    local = {term.name: f"{term.name}_term" if term.name in taken else term.name for term in genome.terms}
    imports = [f"from {transforms_module.__name__} import {', '.join(transforms)}"] if transforms else []
    detours = any(term.around is not None and term.kind != "clearance" for term in genome.terms)
    lines = [
        f"{GENOME_MARKER}{genome.model_dump_json(exclude_defaults=True)}",
        "import torch",
        *imports,
        "",
        "",
        *(_PATH_AROUND_SOURCE if detours else []),
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


def term_reads(term: RewardTerm, task: TaskSpec) -> list[str]:
    """The state variables the code of ``term`` reads."""
    names = [term.variable, term.previous, term.gate, term.other, term.via]
    if term.other is not None and term.previous is not None:
        names.append(_other_at(term, task, term.previous))
    if term.transform == "potential_shaping":
        names += terminal_flags(task)
    return [name for name in names if name]


def render_term(term: RewardTerm, task: TaskSpec) -> str:
    """The Python expression of one term, ``[num_envs]`` floating."""
    if term.transform == "potential_shaping":
        now, before = _potential(term, task, term.variable), _potential(term, task, term.previous or "")
        gamma = _literal(task.ppo.discount_factor)
        # A terminal state's potential must be 0 for the shaping to leave the optimal policy alone.
        done = " | ".join(
            f"{flag}.any(dim=-1)" if task.state_variable(flag).shape != () else flag for flag in terminal_flags(task)
        )
        return f"potential_shaping({now}, {before}, {gamma}{f', {done}' if done else ''})"
    if term.transform == "delta":
        before, after = _progress_value(term, task, term.previous or ""), _progress_value(term, task, term.variable)
        if term.sense == "increase":
            # delta rewards a decrease; the negation turns a rise into one.
            before, after = f"-{before}", f"-{after}"
        return f"{_literal(term.weight)} * delta({after}, {before}) / {_literal(term.temperature or 1.0)}"
    value = _render_value(term, task, term.variable)
    if term.transform == "gated":
        outcome = _outcome(task, term.gate or "")
        return f"gated({value}, {outcome}, {_literal(term.gate_threshold or 0.0)})"
    if term.transform == "clip_below":
        return f"clip_below({value}, {_literal(best_value(term) or 0.0)})"
    if term.transform == "squash":
        return f"squash({value}, {_literal(term.weight)})"
    return value


def _render_value(term: RewardTerm, task: TaskSpec, x: str) -> str:
    """The untransformed term on variable ``x`` (its own, or its previous twin for a potential)."""
    vector = task.state_variable(term.variable).shape != ()
    w, t = _literal(term.weight), _literal(term.temperature or 1.0)
    # A shortfall subtracts the bonus's best value (1), leaving the same shaping at or below zero.
    best = " - 1.0" if term.shortfall else ""
    if term.kind == "error":
        if term.other is not None:
            error = _distance(task, x, _other_at(term, task, x), term.around)
        else:
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
        before, after = _progress_value(term, task, term.previous or ""), _progress_value(term, task, x)
        change = f"({after} - {before})" if term.sense == "increase" else f"({before} - {after})"
        return f"{w} * {change} / {t}"
    if term.kind == "reached":
        return f"{w} * ({_distance(task, x, term.other or '', term.around)} < {t}).float()"
    if term.kind == "closing":
        offset = f"({term.other} - {x})"
        if vector:
            norm = f"torch.linalg.vector_norm({offset}, dim=-1).clamp(min=1e-6)"
            return f"{w} * ({term.via} * {offset}).sum(dim=-1) / {norm} / {t}"
        return f"{w} * {term.via} * torch.sign({offset}) / {t}"
    if term.kind == "heading":
        offset = f"({term.other} - {x})"
        return f"{w} * torch.cos({term.via} - torch.atan2({offset}[..., 1], {offset}[..., 0]))"
    if term.kind == "along":
        return f"{w} * (torch.tanh(({_projection(term, x, vector)}) / {t}){best})"
    if term.kind == "rate":
        return f"{w} * ({_projection(term, x, vector)}) / {t}"
    if term.kind == "clearance":
        obstacle = term.around or Obstacle(centre=(0.0, 0.0), radius=1.0)
        centre = ", ".join(_literal(value) for value in obstacle.centre)
        surface = f"(torch.linalg.vector_norm({x} - {x}.new_tensor([{centre}]), dim=-1) - {_literal(obstacle.radius)})"
        return f"-{w} * (({t} - {surface}) / {t}).clamp(0.0, 1.0)"
    if term.kind == "effort":
        squared = f"({x} / {t}) ** 2"
        return f"-{w} * ({squared}).sum(dim=-1)" if vector else f"-{w} * {squared}"
    sign = "-" if term.kind == "time" else ""
    return f"{sign}{w} * torch.ones_like({x}, dtype=torch.float32)"


#: The code of the path-around helper: the shortest path from a position to a goal past a disc (a ball),
#: tangent, arc, tangent, where the straight segment would cut it; as the reference of point_reach measures.
_PATH_AROUND_SOURCE = [
    f"def {_PATH_AROUND}(",
    "    position: torch.Tensor, goal: torch.Tensor, centre: list[float], radius: float",
    ") -> torch.Tensor:",
    '    """Length of the shortest path from position to goal that goes around the ball at centre."""',
    "    p, g = position - position.new_tensor(centre), goal - goal.new_tensor(centre)",
    "    p_norm, g_norm = torch.linalg.vector_norm(p, dim=-1), torch.linalg.vector_norm(g, dim=-1)",
    "    dot = (p * g).sum(dim=-1)",
    "    angle = torch.atan2((p_norm**2 * g_norm**2 - dot**2).clamp(min=0.0).sqrt(), dot)",
    "    a, b = p_norm.clamp(min=radius), g_norm.clamp(min=radius)",
    "    tangent_angles = torch.acos((radius / a).clamp(max=1.0)) + torch.acos((radius / b).clamp(max=1.0))",
    "    tangents = (a**2 - radius**2).clamp(min=0.0).sqrt() + (b**2 - radius**2).clamp(min=0.0).sqrt()",
    "    around = tangents + radius * (angle - tangent_angles)",
    "    straight = torch.linalg.vector_norm(goal - position, dim=-1)",
    "    return torch.where(angle > tangent_angles, around, straight)",
    "",
    "",
]


def _projection(term: RewardTerm, x: str, vector: bool) -> str:
    """The variable's component along the term's direction (+1 for a scalar without one)."""
    direction = term.direction or (1.0,)
    if vector:
        return " + ".join(f"{_literal(d)} * {x}[..., {i}]" for i, d in enumerate(direction) if d)
    return f"{_literal(direction[0])} * {x}"


def _progress_value(term: RewardTerm, task: TaskSpec, x: str) -> str:
    """The quantity a progress term tracks, read off ``x``: a distance to a target, a norm, a magnitude or x."""
    if term.other is not None:
        return _distance(task, x, _other_at(term, task, x), term.around)
    if task.state_variable(term.variable).shape != ():
        return f"torch.linalg.vector_norm({x}, dim=-1)"
    return f"{x}.abs()" if term.sense == "toward_zero" else x


def _distance(task: TaskSpec, x: str, other: str, around: Obstacle | None = None) -> str:
    """The distance between ``x`` and ``other`` (same shape): a norm for vectors, a magnitude for scalars, the
    shortest path past ``around`` where the term goes around an obstacle."""
    if around is not None:
        centre = ", ".join(_literal(value) for value in around.centre)
        return f"{_PATH_AROUND}({x}, {other}, [{centre}], {_literal(around.radius)})"
    if task.state_variable(other).shape != ():
        return f"torch.linalg.vector_norm({other} - {x}, dim=-1)"
    return f"({other} - {x}).abs()"


def _other_at(term: RewardTerm, task: TaskSpec, x: str) -> str:
    """The target as it was when ``x`` was: its previous twin where ``x`` is the variable's, if it has one."""
    other = term.other or ""
    if x != term.variable:
        return _previous_of(task, other) or other
    return other


def _potential(term: RewardTerm, task: TaskSpec, x: str) -> str:
    """The potential of a potential_shaping term on ``x``: the state term's value, or signed progress."""
    if term.kind != "progress":
        return _render_value(term, task, x)
    value = _progress_value(term, task, x)
    # Progress is a potential that rises as the value moves the desired way.
    sign = "" if term.sense == "increase" else "-"
    return f"{sign}{_literal(term.weight)} * {value} / {_literal(term.temperature or 1.0)}"


def _outcome(task: TaskSpec, variable: str) -> str:
    """The gate's outcome on ``variable``, oriented so that reaching it means ``>= threshold``."""
    spec = task.state_variable(variable)
    vector = spec.shape != ()
    if spec.desired == "true":
        return f"{variable}.any(dim=-1).float()" if vector else f"{variable}.float()"
    if spec.desired in ("zero", "low"):
        return f"-torch.linalg.vector_norm({variable}, dim=-1)" if vector else f"-{variable}.abs()"
    return f"{variable}.mean(dim=-1)" if vector else variable


def genome_from_code(code: str) -> RewardGenome | None:
    """Recover the genome a rule-based candidate carries; None for code without a valid one."""
    for line in code.split("\n"):
        if line.startswith(GENOME_MARKER):
            try:
                return RewardGenome.model_validate_json(line.removeprefix(GENOME_MARKER))
            except ValidationError:
                return None
    return None


def _literal(value: float) -> str:
    # repr gives the shortest text that reads back as the same float, so code and genome agree.
    return repr(float(value))
