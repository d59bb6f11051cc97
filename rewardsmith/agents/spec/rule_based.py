"""The rule-based spec writer and Specification Self-Corrector (SSC).

:class:`RuleBasedSpecWriter` writes rubric v1 from a task spec: the task's description as an
unchecked criterion, one weighted criterion per state variable with a ``desired`` direction (with a
machine check where one can be stated), and an effort criterion on ``action``. Thresholds come from
a range quoted in the variable's description where there is one, and are looser where only the
unit gives a scale (:func:`~rewardsmith.agents.designer.reward_terms.typical_scale`).

:class:`RuleBasedSpecCorrector` writes v(n+1) when an analysis reports hacking or a violated
criterion: it adds a criterion that names the exploit, or tightens the violated one, and records
the reason and a line of diff per change. A behavioural exploit found by
:mod:`~rewardsmith.agents.analyzer.detectors` (oscillation, loitering, ending episodes early, spinning) gets a
machine check of its own, written from the finding's evidence; any other exploit restates the most
important check it skipped.
"""

from __future__ import annotations

import math
import re

from rewardsmith.agents.designer.reward_terms import action_bound, has_idle_action, typical_scale, value_range
from rewardsmith.agents.types import Analysis, Candidate, EvidenceValue, Finding
from rewardsmith.rewards.rubric import Criterion, Rubric, parse_check
from rewardsmith.tasks.spec import BoxSpace, StateVariable, TaskSpec

SPEC_AUTHOR = "rule-based"
#: Violated criteria gain this factor of weight per correction, up to MAX_WEIGHT.
TIGHTEN_FACTOR = 1.5
MAX_WEIGHT = 10.0
#: An exploit criterion asks its check to hold in this many more of the episodes than its anchor.
EXPLOIT_PASS_STEP = 0.25
#: A check written from a finding demands this share of the exploit's measured value.
CHECK_MARGIN = 0.5
#: A spin check allows this many net turns of an angle per episode: a swing-up needs less than one.
ALLOWED_TURNS = 1.5


class RuleBasedSpecWriter:
    """Writes the first rubric of a task from its spec alone."""

    name = SPEC_AUTHOR

    def initial(self, task: TaskSpec) -> Rubric:
        """Write rubric v1 for ``task``.

        Args:
            task: The task spec; its description and the ``desired`` direction of its state variables.

        Returns:
            Version 1, whose every check parses against the task's state variables.
        """
        goal_flag = task.goal_flag()
        criteria = [Criterion(id="task", text=task.description, weight=2.0)]
        for variable in task.state_variables:
            criteria += _criteria_for(variable, task, goal_flag)
        criteria.append(_effort_criterion(task))
        for criterion in criteria:
            if criterion.check is not None:
                parse_check(criterion.check, task.state_variable_names)
        return Rubric(
            version=1,
            criteria=criteria,
            reason=f"Initial specification of '{task.name}', from its description and state variables.",
            author=self.name,
        )


def _criteria_for(variable: StateVariable, task: TaskSpec, goal_flag: str | None) -> list[Criterion]:
    name, desired = variable.name, variable.desired
    scale, inferred = typical_scale(variable)
    bounds = value_range(variable)
    what = f"{name} ({variable.unit}): {variable.description}"
    if desired == "zero":
        # Only a unit-default scale: the threshold is looser, since the scale itself is a guess.
        # Rates swing through large values on the way (a swing-up), so they get twice the room.
        rate = "/" in variable.unit
        threshold = scale * (0.25 if inferred else 0.5) * (2.0 if rate else 1.0)
        # Most steps, not the mean: a transient (the swing-up itself) must not fail a policy that holds.
        return [
            Criterion(
                id=f"{name}_near_zero",
                text=f"Keep {name} near zero for most of the episode. {what}",
                weight=0.5 if rate else 1.0,
                check=f"fraction(abs({name}) < {threshold:.3g}) > 0.5",
            )
        ]
    if desired == "low":
        return [
            Criterion(
                id=f"{name}_reduced",
                text=f"Bring {name} down: it should end well below where it started. {what}",
                weight=1.0,
                check=f"final({name}) < 0.25 * initial({name})",
            )
        ]
    if desired == "high":
        if bounds is None:
            # Without a range there is no level to demand; a hold task can still ask not to end lower
            # than it began, a goal task has no such promise (the way may lead downhill first).
            check = f"final({name}) >= initial({name})" if goal_flag is None else None
            return [Criterion(id=f"{name}_high", text=f"Keep {name} high. {what}", weight=0.5, check=check)]
        low, high = bounds
        level = low + 0.6 * (high - low)
        if goal_flag is not None:
            # Where a goal ends the episode, the variable matters on the way up, not on average.
            return [
                Criterion(
                    id=f"{name}_reaches_high",
                    text=f"Raise {name} towards its top during the episode. {what}",
                    weight=1.0,
                    check=f"max({name}) > {level:.3g}",
                )
            ]
        return [
            Criterion(
                id=f"{name}_high",
                text=f"Keep {name} high for most of the episode. {what}",
                weight=1.0,
                check=f"mean({name}) > {level:.3g}",
            )
        ]
    if desired == "true":
        criteria = [
            Criterion(
                id=f"{name}_achieved",
                text=f"End the episode with {name} set. {what}",
                weight=2.0,
                check=f"final({name})",
            )
        ]
        if name == goal_flag:
            criteria.append(
                Criterion(
                    id="reaches_goal_quickly",
                    text=f"Set {name} within the first half of the episode; sooner is better.",
                    weight=1.0,
                    check=f"time_to_goal < {0.5 * task.episode_length:g}",
                )
            )
        return criteria
    if desired == "false":
        return [
            Criterion(
                id=f"avoids_{name}",
                text=f"Never set {name}. {what}",
                weight=1.5,
                check=f"max({name}) < 0.5",
            )
        ]
    return []


def _effort_criterion(task: TaskSpec) -> Criterion:
    bound = action_bound(task)
    text = "Use no more effort than the task needs: no saturated, bang-bang actuation without cause."
    if not has_idle_action(task):
        # Every action has the same magnitude (e.g. cartpole's ±10 N), so effort cannot be measured.
        return Criterion(id="moderate_effort", text=text, weight=0.25)
    scale = "mean over the action's elements" if isinstance(task.action_space, BoxSpace) else "action magnitude"
    return Criterion(
        id="moderate_effort",
        text=f"{text} ({scale}, bound {bound:g})",
        weight=0.25,
        check=f"mean(abs(action)) < {0.9 * bound:.3g}",
    )


class RuleBasedSpecCorrector:
    """Revises a rubric after an analysis shows hacking or violated criteria."""

    name = SPEC_AUTHOR

    def correct(self, rubric: Rubric, analysis: Analysis, candidate: Candidate) -> Rubric | None:
        """Write v(n+1) when the analysis calls for it.

        Each hacking finding adds a criterion named after the exploit (``no_exploit_<component>``,
        or ``no_exploit_<kind>`` for a behaviour), whose check refuses the behaviour where the check
        language can state it (e.g. ``reversals(action) < 0.4 or mean(abs(diff(action))) < 0.3``
        for oscillation) and otherwise restates the most important check the exploit skipped,
        demanding it in more episodes; a second sighting of the same exploit tightens that
        criterion further. Each violated criterion gains weight and names the candidate that
        violated it.

        Args:
            rubric: The current version.
            analysis: The analysis of ``candidate``.
            candidate: The candidate whose training showed the problem.

        Returns:
            The next version with ``reason`` and ``diff``, or None when no finding is hacking or a
            rubric violation.
        """
        hacking = [finding for finding in analysis.findings if finding.severity == "hacking"]
        # A return that rose while fitness fell also decorrelates from it: one exploit, named once.
        if any(finding.kind == "reward_fitness_divergence" for finding in hacking):
            hacking = [finding for finding in hacking if finding.kind != "return_fitness_decorrelation"]
        violations = [
            finding for finding in analysis.findings if finding.kind == "rubric_violation" and finding.criterion
        ]
        revision = _Revision(rubric, analysis, candidate)
        for finding in hacking:
            revision.name_exploit(finding)
        for finding in violations:
            revision.tighten(finding)
        if not revision.diff:
            return None
        return Rubric(
            version=rubric.version + 1,
            criteria=list(revision.criteria.values()),
            parent_version=rubric.version,
            reason="; ".join(revision.reasons) + ".",
            diff=revision.diff,
            author=self.name,
        )


class _Revision:
    """The next rubric version while it is being written: its criteria, diff and reasons."""

    def __init__(self, rubric: Rubric, analysis: Analysis, candidate: Candidate) -> None:
        self.rubric = rubric
        self.analysis = analysis
        self.candidate = candidate
        self.criteria = {criterion.id: criterion for criterion in rubric.criteria}
        self.diff: list[str] = []
        self.reasons: list[str] = []
        # A criterion is changed at most once per version, however many findings point at it.
        self.touched: set[str] = set()

    def name_exploit(self, finding: Finding) -> None:
        exploit = finding.component or finding.kind
        identifier = f"no_exploit_{_slug(exploit)}"
        if identifier in self.touched:
            return
        self.touched.add(identifier)
        behaviour = exploit_check(finding)
        if finding.component:
            farmed = f"farming component '{exploit}'"
        elif behaviour is not None:
            farmed = behaviour[0]
        else:
            farmed = f"the exploit '{exploit}'"
        self.reasons.append(f"{self.candidate.id} hacked the reward by {farmed}: {finding.message.rstrip('.')}")
        evidence = f" Evidence: {finding.evidence_text()}." if finding.evidence else ""
        existing = self.criteria.get(identifier)
        if existing is not None:
            tightened = existing.model_copy(
                update={
                    "weight": min(MAX_WEIGHT, existing.weight * TIGHTEN_FACTOR),
                    "pass_fraction": min(1.0, existing.pass_fraction + EXPLOIT_PASS_STEP),
                    "text": f"{_first_statement(existing.text)} Seen again in {self.candidate.id}.{evidence}",
                }
            )
            self.criteria[identifier] = tightened
            self.diff.append(
                f"tightened {identifier}: weight {existing.weight:g} → {tightened.weight:g}, pass fraction "
                f"{existing.pass_fraction:.0%} → {tightened.pass_fraction:.0%} ({farmed} recurred in "
                f"{self.candidate.id})"
            )
            return
        anchor = None if behaviour is not None and behaviour[1] is not None else self._anchor()
        restated = f" Instead: {anchor.text}" if anchor is not None else ""
        if behaviour is not None and behaviour[1] is not None:
            check, pass_fraction = behaviour[1], 0.5 + EXPLOIT_PASS_STEP
        else:
            check = anchor.check if anchor is not None else None
            pass_fraction = (anchor.pass_fraction if anchor is not None else 0.5) + EXPLOIT_PASS_STEP
        criterion = Criterion(
            id=identifier,
            text=f"The return must come from doing the task, not from {farmed} (seen in {self.candidate.id}: "
            f"{finding.message.rstrip('.')}).{restated}{evidence}",
            weight=min(MAX_WEIGHT, max(c.weight for c in self.rubric.criteria)),
            check=check,
            pass_fraction=min(1.0, pass_fraction),
        )
        self.criteria[identifier] = criterion
        check = f", check `{criterion.check}` in ≥ {criterion.pass_fraction:.0%} of episodes" if criterion.check else ""
        self.diff.append(
            f"added {identifier} (weight {criterion.weight:g}{check}): names {farmed} found in {self.candidate.id}"
        )

    def _anchor(self) -> Criterion | None:
        """The most important checked criterion the exploit skipped: a failed one first, else any checked one."""
        failed = {result.criterion_id for result in self.analysis.rubric_results if result.passed is False}
        checked = [c for c in self.rubric.criteria if c.check is not None and not c.id.startswith("no_exploit_")]
        ranked = sorted(checked, key=lambda c: (c.id not in failed, -c.weight))
        return ranked[0] if ranked else None

    def tighten(self, finding: Finding) -> None:
        identifier = finding.criterion or ""
        current = self.criteria.get(identifier)
        if current is None or identifier in self.touched:
            return
        self.touched.add(identifier)
        self.reasons.append(f"{self.candidate.id} violated '{identifier}'")
        weight = min(MAX_WEIGHT, current.weight * TIGHTEN_FACTOR)
        result = next((r for r in self.analysis.rubric_results if r.criterion_id == identifier), None)
        value = f"{result.value:.3g}" if result is not None and result.value is not None else "n/a"
        # One violation note at a time, so repeated corrections do not grow the text without end.
        text = re.sub(r"\s*Violated by \S+ \(value [^)]*\)\.$", "", current.text)
        note = f"Violated by {self.candidate.id} (value {value})."
        self.criteria[identifier] = current.model_copy(update={"weight": weight, "text": f"{text} {note}"})
        change = f"weight {current.weight:g} → {weight:g}" if weight != current.weight else "weight at its cap"
        self.diff.append(f"tightened {identifier}: {change}; {finding.message}")


def exploit_check(finding: Finding) -> tuple[str, str | None] | None:
    """How a behavioural exploit is named in a criterion, and the check that refuses it.

    Args:
        finding: A finding of :mod:`~rewardsmith.agents.analyzer.detectors`, with ``key=value`` evidence.

    Returns:
        (phrase naming the exploit, check or None where the language cannot state it), or None for
        a finding that is not a behavioural exploit, or whose evidence lacks what the check needs.
    """
    values = finding.evidence
    variable = _name(values.get("variable"))
    if finding.kind == "oscillation" and variable:
        phrase = f"driving '{variable}' back and forth (oscillation)"
        reversals, step = _number(values.get("reversals")), _number(values.get("mean_step"))
        if reversals is None or step is None or reversals <= 0 or step <= 0:
            return phrase, None
        # Either it rarely turns back, or its steps are small: a hold's small corrections still pass.
        return (
            phrase,
            f"reversals({variable}) < {CHECK_MARGIN * reversals:.3g} or "
            f"mean(abs(diff({variable}))) < {CHECK_MARGIN * step:.3g}",
        )
    if finding.kind == "loitering" and variable:
        flag, near = _name(values.get("goal_flag")), _number(values.get("near"))
        phrase = f"hovering near the target of '{variable}' without finishing (loitering)"
        if not flag or near is None or near <= 0:
            return phrase, None
        return phrase, f"final({flag}) or fraction(abs({variable}) < {near:.3g}) < 0.5"
    if finding.kind == "early_termination_exploit":
        limit, flag = _number(values.get("early_limit")), _name(values.get("goal_flag"))
        phrase = "ending episodes early without success (early_termination_exploit)"
        if limit is None:
            return phrase, None
        succeeded = f" or final({flag})" if flag and flag != "none" else ""
        return phrase, f"length > {limit:g}{succeeded}"
    if finding.kind == "spinning" and variable:
        phrase = f"spinning '{variable}' through full turns (spinning)"
        # A wrapped angle's ends do not tell its winding, and the language has no unwrap.
        if values.get("wrapped") != 0:
            return phrase, None
        return phrase, f"abs(final({variable}) - initial({variable})) < {2 * math.pi * ALLOWED_TURNS:.3g}"
    return None


def _number(value: EvidenceValue) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return None
    return float(value)


def _name(value: EvidenceValue) -> str | None:
    return value if isinstance(value, str) and value else None


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "unknown"


def _first_statement(text: str) -> str:
    return text.split(" Seen again in ")[0].split(" Evidence: ")[0]
