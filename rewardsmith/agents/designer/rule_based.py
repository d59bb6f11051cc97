"""The rule-based designer: a template and mutation search over reward terms, weights and temperatures.

Round 1 writes the task's default genome (:func:`~rewardsmith.agents.designer.reward_terms.default_genome`),
its bounded twin (:func:`~rewardsmith.agents.designer.reward_terms.bounded_genome`, where a term admits a
transform) and seeded random variants of both. Later rounds recover the best candidate's genome from
its code and mutate it as the analyzer's findings and last round's gate rejections direct, then
perturb weights and temperatures at random, never against a direction a finding set. Every candidate
is real Python in the reward contract, one component per term, labelled ``designer="rule-based"``.

A term the analyzer calls hacked, or that a hacking probe of the gate exposes, is bounded before it is
cut (:func:`~rewardsmith.agents.designer.reward_terms.bound_term`): a bounded term keeps guiding the policy
while no longer paying for the exploit, which dropping it would not.
"""

from __future__ import annotations

import math
import random
from collections.abc import Sequence

from rewardsmith.agents.designer.reward_terms import (
    CONSTANT_KINDS,
    KERNELS,
    STATE_KINDS,
    SUCCESS_KINDS,
    TASK_KINDS,
    UNBOUNDED_KERNELS,
    RewardGenome,
    RewardTerm,
    best_value,
    bound_term,
    bounded_genome,
    default_genome,
    describe_transform,
    genome_from_code,
    render_reward,
    term_pool,
)
from rewardsmith.agents.types import Analysis, Candidate, CriticVerdict, DesignRequest, Draft, Finding, Rejection
from rewardsmith.gate.exploits import UNNAMED_EXPLOITS, Exploit
from rewardsmith.rewards.rubric import RubricCheckError, check_names
from rewardsmith.tasks.spec import TaskSpec

DESIGNER = "rule-based"
#: Multiplies a dominant term's weight at most (and at least 0.1): enough to let others matter.
MAX_DOMINANT_FACTOR = 0.5
FLAT_FACTOR = 2.0
VIOLATION_FACTOR = 1.5
HACKED_FACTOR = 0.25
#: Findings act in this order, and a term moved by one is left alone by the later ones, so that a
#: term the analyzer calls both hacked and flat is cut rather than raised.
_PRIORITY = (
    "reward_fitness_divergence",
    "anti_correlated_component",
    "dominant_component",
    "flat_component",
    "rubric_violation",
    "low_fitness",
)


class RuleBasedDesigner:
    """Writes reward candidates without an LLM, from the task spec and the analyzer's findings.

    Args:
        perturbation: Standard deviation of the log-normal factor applied to weights and
            temperatures of variants.
        structural_rate: Probability that a variant also adds or drops one term.
    """

    name = DESIGNER

    def __init__(self, perturbation: float = 0.3, structural_rate: float = 0.3) -> None:
        self.perturbation = perturbation
        self.structural_rate = structural_rate

    def design(self, request: DesignRequest) -> list[Draft]:
        """Write ``request.samples`` distinct drafts for one round.

        Args:
            request: The task, round, sample count, seed and (from round 2) the feedback on the best
                candidate so far and on last round's rejections.

        Returns:
            Exactly ``request.samples`` drafts, the same ones for the same request: the first is
            the default genome in round 1 (the second its bounded twin, where the task admits one)
            and the purely guided mutation later (perturbed only when the findings changed nothing).
            When nothing has trained yet, gate rejections still shape the default. They are distinct
            whenever the search finds enough new genomes, which its continuous perturbations all but
            guarantee.
        """
        task = request.task
        rng = random.Random(f"rewardsmith-designer/{request.seed}/{request.iteration}")
        feedback = request.feedback
        best = feedback.best if feedback else None
        rejected = feedback.rejected if feedback else []
        if best is None:
            designs = self._first_round(task, request.samples, rng, rejected)
            parent_id = None
        else:
            analysis = feedback.analysis if feedback else None
            designs = self._mutation_round(task, best, analysis, rejected, request.samples, rng)
            parent_id = best.id
        # The round has exactly `samples` drafts; a repeat is wasteful but only possible when the
        # search above found no new genome at all.
        if not designs and best is not None:
            designs = [(genome_from_code(best.code) or default_genome(task), f"A repeat of {best.id}.")]
        found = len(designs)
        while len(designs) < request.samples:
            designs.append(designs[len(designs) % found])
        return [
            Draft(
                code=render_reward(genome, task),
                rationale=f"{rationale} Terms: {describe_genome(genome)}.",
                designer=DESIGNER,
                parent_id=parent_id,
            )
            for genome, rationale in designs
        ]

    def repair(self, candidate: Candidate, verdict: CriticVerdict, request: DesignRequest) -> Draft | None:
        """None: templates render code the critic accepts, so there is nothing to repair by rule."""
        return None

    # ---- round 1 -------------------------------------------------------------------------------

    def _first_round(
        self, task: TaskSpec, samples: int, rng: random.Random, rejected: Sequence[Rejection]
    ) -> list[tuple[RewardGenome, str]]:
        default = default_genome(task)
        designs = [(default, "The task's default genome: its own terms, effort and time shaping.")]
        directions: dict[str, str] = {}
        if rejected:
            # Nothing trained last round, but the gate's verdicts still say what the default must not pay for.
            reacted, directions, notes = mutate_genome(default, None, task, rejected=rejected)
            if notes:
                default = reacted
                designs = [(default, f"The task's default genome, changed: {'; '.join(notes)}.")]
        bounded = bounded_genome(task, default)
        parents = [default]
        seen = {_key(default)}
        if samples > 1 and _key(bounded) not in seen:
            changed = [
                f"'{term.name}' {describe_transform(term, task)}"
                for term in bounded.terms
                if default.term(term.name) != term
            ]
            designs.append((bounded, f"The default genome with bounded transforms: {'; '.join(changed)}."))
            parents.append(bounded)
            seen.add(_key(bounded))
        pool = term_pool(task)
        for _ in range(50 * samples):
            if len(designs) >= samples:
                break
            parent = parents[rng.randrange(len(parents))]
            variant = self._variant(parent, pool, rng, directions=directions, structural=True, kernels=True)
            if _key(variant) not in seen:
                seen.add(_key(variant))
                which = "default" if parent is default else "bounded"
                designs.append((variant, f"A seeded random variant of the {which} genome."))
        return designs

    # ---- later rounds --------------------------------------------------------------------------

    def _mutation_round(
        self,
        task: TaskSpec,
        best: Candidate,
        analysis: Analysis | None,
        rejected: Sequence[Rejection],
        samples: int,
        rng: random.Random,
    ) -> list[tuple[RewardGenome, str]]:
        parent = genome_from_code(best.code)
        notes: list[str] = []
        if parent is None or parent.task != task.name:
            parent = default_genome(task)
            notes.append(f"{best.id} carries no rule-based genome, so the default genome stands in for it")
        guided, directions, edits = mutate_genome(parent, analysis, task, rejected=rejected)
        notes += edits
        summary = f"Mutation of {best.id}: {'; '.join(notes) if notes else 'no finding called for a change'}."
        designs: list[tuple[RewardGenome, str]] = []
        seen = {_key(parent)}
        if _key(guided) not in seen:
            designs.append((guided, summary))
            seen.add(_key(guided))
        pool = term_pool(task)
        for attempt in range(50 * samples):
            if len(designs) >= samples:
                break
            # Structure changes only now and then, so most variants stay close to the guided genome.
            structural = rng.random() < self.structural_rate or attempt >= 10 * samples
            variant = self._variant(guided, pool, rng, directions=directions, structural=structural, kernels=False)
            if _key(variant) not in seen:
                seen.add(_key(variant))
                designs.append((variant, summary[:-1] + ", then a random perturbation of weights and temperatures."))
        return designs

    # ---- variation -----------------------------------------------------------------------------

    def _variant(
        self,
        genome: RewardGenome,
        pool: list[RewardTerm],
        rng: random.Random,
        *,
        directions: dict[str, str],
        structural: bool,
        kernels: bool,
    ) -> RewardGenome:
        terms = [self._perturb(term, rng, directions.get(term.name), kernels=kernels) for term in genome.terms]
        if structural:
            terms = _restructure(terms, pool, rng, protected=set(directions))
        return RewardGenome(task=genome.task, terms=terms)

    def _perturb(self, term: RewardTerm, rng: random.Random, direction: str | None, *, kernels: bool) -> RewardTerm:
        step = rng.gauss(0.0, self.perturbation)
        # A term a finding moved keeps moving that way: perturbation may overshoot, never undo it.
        if direction == "up":
            step = abs(step)
        elif direction == "down":
            step = -abs(step)
        update: dict[str, object] = {"weight": term.weight * math.exp(step)}
        if term.temperature is not None:
            update["temperature"] = term.temperature * math.exp(rng.gauss(0.0, self.perturbation))
        if kernels and term.kind == "error" and rng.random() < 0.5:
            update["kernel"] = rng.choice(KERNELS)
            # Half the variants that pick an unbounded kernel squash it, so that round 1 also tries
            # the kernel's shape near the goal without its unbounded penalty far from it.
            if update["kernel"] in UNBOUNDED_KERNELS and term.transform is None and rng.random() < 0.5:
                update["transform"] = "squash"
        return RewardTerm.model_validate(term.model_dump() | update)


def mutate_genome(
    genome: RewardGenome,
    analysis: Analysis | None,
    task: TaskSpec,
    *,
    rejected: Sequence[Rejection] = (),
) -> tuple[RewardGenome, dict[str, str], list[str]]:
    """Apply the analyzer's findings and the gate's rejections to a genome, deterministically.

    - a component the analyzer calls hacked (any finding of severity 'hacking', or a kind that names
      an exploit: oscillation, loitering, an episode end) is bounded (:func:`bound_term`): progress
      and state terms with a previous twin become potential-based shaping, per-step bonuses are gated
      on the task's success outcome or clipped below; a term no transform helps is dropped (cut to a
      quarter instead when it is the last task term). A hacking finding that names no component
      bounds every term of the exploit its kind and message name;
    - a component that anti-correlates with fitness is dropped (or cut);
    - a component that dominates (share > 0.8) is scaled down towards a half share (×0.1 to ×0.5),
      and made potential-based, squashed or (an alive bonus) gated where it can be;
    - a component that stays flat is doubled (alive and time terms are flat by construction);
    - a violated rubric criterion raises the terms on the variables its check reads, or adds one;
    - low fitness adds the task's missing success and progress terms;
    - a candidate the gate rejected because a probe policy (idle, random, jitter, circling, early
      termination) outscored competent behaviour bounds the terms that probe exploits.

    Args:
        genome: The parent's genome.
        analysis: The analysis of the parent, if it has one.
        task: The task, for the pool of terms to add from and the outcome to gate on.
        rejected: Last round's rejections; the gate's reports among them say which probes the reward paid.

    Returns:
        The mutated genome; what happened to each changed term by name ('up', 'down', 'dropped',
        'added', 'bounded', or 'withheld' for a term random variants must not add); and one note per
        change for the rationale.
    """
    mutation = _Mutation(genome, term_pool(task), task)
    findings = sorted((finding for finding in (analysis.findings if analysis else []) if _acts_on(finding)), key=_rank)
    shares = {component.name: component.share for component in analysis.components} if analysis else {}
    checks = {result.criterion_id: result.check for result in analysis.rubric_results} if analysis else {}
    for finding in findings:
        name = finding.component
        movable = name is not None and mutation.movable(name)
        exploit = finding.severity == "hacking" or bool(finding.exploits)
        if finding.kind == "anti_correlated_component" and movable and name:
            mutation.drop_or_cut(name, "it anti-correlates with fitness")
        elif finding.kind == "reward_fitness_divergence" and finding.severity != "hacking":
            # A divergence the analyzer only warns about is a penalty being avoided, which is no reason to cut it.
            continue
        elif exploit and movable and name:
            why = "it rose while fitness did not" if finding.kind == "reward_fitness_divergence" else finding.kind
            mutation.bound_or_drop(name, why)
        elif exploit and name is None and finding.severity == "hacking":
            # A behaviour the reward is not seen paying for is no reason to bound every term that might.
            mutation.bound_exploits(finding.exploits or UNNAMED_EXPLOITS, finding.kind)
        elif finding.kind == "dominant_component" and movable and name:
            share = shares.get(name, 0.9)
            factor = min(MAX_DOMINANT_FACTOR, max(0.1, (1.0 - share) / max(share, 1e-9)))
            mutation.scale(name, factor, f"dominant, share {share:.2f}")
            # Clipping or gating a state term would change what it asks for; these only cap its reach.
            mutation.bound(name, "dominant", allow=("potential_shaping", "squash"), alive=True)
        elif finding.kind == "flat_component" and movable and name and mutation.terms[name].kind not in CONSTANT_KINDS:
            mutation.scale(name, FLAT_FACTOR, "flat across training")
        elif finding.kind == "rubric_violation":
            mutation.answer_violation(finding.criterion or "", checks.get(finding.criterion or "", ""))
        elif finding.kind == "low_fitness":
            mutation.add_missing(("success", "progress"), "fitness is low and the task offers it")
    for rejection in rejected:
        for meaning in rejection.gate.exploited() if rejection.gate is not None else []:
            why = f"the gate rejected {rejection.candidate_id} for {meaning.behaviour}"
            mutation.bound_exploits(meaning.exploits, why)
    return mutation.genome(), mutation.directions, mutation.notes


def _acts_on(finding: Finding) -> bool:
    return finding.kind in _PRIORITY or finding.severity == "hacking" or bool(finding.exploits)


def _rank(finding: Finding) -> tuple[int, int]:
    # Exploits act first: a term both hacked and flat must be bounded, not raised.
    exploit = finding.severity == "hacking" or bool(finding.exploits)
    kind = _PRIORITY.index(finding.kind) if finding.kind in _PRIORITY else len(_PRIORITY)
    return (0 if exploit else 1, kind)


class _Mutation:
    """A genome being edited by findings: its terms, and what each finding did to them."""

    def __init__(self, genome: RewardGenome, pool: list[RewardTerm], task: TaskSpec) -> None:
        self.parent = genome
        self.pool = pool
        self.task = task
        self.terms = {term.name: term for term in genome.terms}
        self.directions: dict[str, str] = {}
        self.notes: list[str] = []

    def movable(self, name: str) -> bool:
        return name in self.terms and name not in self.directions

    def scale(self, name: str, factor: float, why: str) -> None:
        term = self.terms[name]
        self.terms[name] = RewardTerm.model_validate(term.model_dump() | {"weight": term.weight * factor})
        self.directions[name] = "up" if factor > 1 else "down"
        self.notes.append(f"'{name}' weight ×{factor:.2g} ({why})")

    def bound(
        self, name: str, why: str, *, allow: tuple[str, ...] | None = None, alive: bool = False, note: bool = True
    ) -> str | None:
        """Give ``name`` a bounded transform (of the ``allow``ed ones, or any; a gate on alive if ``alive``).

        Returns:
            What the transform does, or None where none applies.
        """
        bounded = bound_term(self.terms[name], self.task)
        if bounded is None:
            return None
        term, how = bounded
        if allow is not None and term.transform not in allow and not (alive and term.kind == "alive"):
            return None
        self.terms[name] = term
        # A weight a finding moved keeps its direction; the transform itself is never undone by variants.
        self.directions.setdefault(name, "bounded")
        if note:
            self.notes.append(f"'{name}' {how} ({why})")
        return how

    def bound_or_drop(self, name: str, why: str) -> None:
        if self.bound(name, why) is None:
            self.drop_or_cut(name, why)

    def bound_exploits(self, exploits: Sequence[Exploit], why: str) -> None:
        """Bound the movable terms that pay for ``exploits``, and keep random variants from adding one.

        Idling is paid by an alive bonus, else by positive state bonuses; jitter, circling and an early
        end by terms that a potential can replace, since only a potential's sum, -phi(start), ignores
        both the path and where the episode ends; an early end also by a time penalty.
        """
        bounded: list[str] = []

        def bound(names: list[str], allow: tuple[str, ...] | None = None) -> None:
            for name in names:
                if self.movable(name) and (how := self.bound(name, why, allow=allow, note=False)) is not None:
                    bounded.append(f"'{name}' {how}")

        movable = [(name, term) for name, term in self.terms.items() if self.movable(name)]
        alive = [name for name, term in movable if term.kind == "alive"]
        bonuses = [name for name, term in movable if term.kind in STATE_KINDS and (best_value(term) or 0.0) > 0]
        if "per_step" in exploits:
            bound(alive)
            for name in alive:
                if self.movable(name):
                    self.drop_or_cut(name, why)
            if not alive:
                bound(bonuses)
        if "progress" in exploits or "ending" in exploits:
            bound([name for name, term in movable if term.kind in STATE_KINDS | {"progress"}], ("potential_shaping",))
        if "progress" in exploits and not bounded:
            # Nothing telescoping to bound: motion then pays through the per-step bonuses it sweeps through.
            bound(bonuses)
        if bounded:
            self.notes.append(f"{'; '.join(bounded)} ({why})")
        if "ending" in exploits:
            for name, term in movable:
                if term.kind == "time" and self.movable(name):
                    # A time penalty is exactly what makes ending an episode early pay.
                    self.scale(name, HACKED_FACTOR, why)
        withheld = {"per_step": "alive", "ending": "time"}
        for exploit in exploits:
            if exploit in withheld and withheld[exploit] not in self.terms:
                self.directions.setdefault(withheld[exploit], "withheld")

    def drop_or_cut(self, name: str, why: str) -> None:
        if any(term.kind in TASK_KINDS for other, term in self.terms.items() if other != name):
            del self.terms[name]
            self.directions[name] = "dropped"
            self.notes.append(f"dropped '{name}' ({why})")
        else:
            self.scale(name, HACKED_FACTOR, why)

    def add(self, term: RewardTerm, why: str) -> None:
        if term.name not in self.terms and term.name not in self.directions:
            self.terms[term.name] = term
            self.directions[term.name] = "added"
            self.notes.append(f"added '{term.name}' ({why})")

    def add_missing(self, kinds: tuple[str, ...], why: str) -> None:
        for term in self.pool:
            present = any(other.kind == term.kind and other.variable == term.variable for other in self.terms.values())
            if term.kind in kinds and not present:
                self.add(term, why)

    def answer_violation(self, criterion: str, check: str) -> None:
        why = f"rubric criterion '{criterion}' is violated"
        try:
            variables = check_names(check) if check else set()
        except RubricCheckError:
            return
        for variable in sorted(variables):
            reading = [name for name, term in self.terms.items() if term.variable == variable]
            for name in reading:
                if self.movable(name):
                    self.scale(name, VIOLATION_FACTOR, why)
            if not reading:
                addable = [term for term in self.pool if term.variable == variable and term.kind not in CONSTANT_KINDS]
                if addable:
                    self.add(addable[0], why)

    def genome(self) -> RewardGenome:
        kept = [term.name for term in self.parent.terms if term.name in self.terms]
        added = [name for name in self.terms if self.parent.term(name) is None]
        return RewardGenome(task=self.parent.task, terms=[self.terms[name] for name in [*kept, *added]])


def _restructure(
    terms: list[RewardTerm], pool: list[RewardTerm], rng: random.Random, *, protected: set[str]
) -> list[RewardTerm]:
    present = {term.name for term in terms}
    # Protected names include terms a finding dropped: a random addition must not bring them back.
    addable = [term for term in pool if term.name not in present and term.name not in protected]
    # The success bonus is the one term that states the task itself; variants keep it. Where a speed is
    # paid without bound, the effort penalty is all that bounds how hard the actuators are pushed for it,
    # and an alive bonus all that makes staying up worth more than one dive forward.
    rate = any(term.kind == "rate" for term in terms)
    droppable = [
        term
        for term in terms
        if term.name not in protected
        and term.kind not in SUCCESS_KINDS
        and not (rate and term.kind in ("effort", "alive"))
        and sum(other.kind in TASK_KINDS for other in terms if other.name != term.name) >= 1
    ]
    if addable and (not droppable or rng.random() < 0.5):
        return [*terms, rng.choice(addable)]
    if droppable:
        dropped = rng.choice(droppable)
        return [term for term in terms if term.name != dropped.name]
    return terms


def describe_genome(genome: RewardGenome) -> str:
    """One line per genome for rationales and reports: each term's kind, weight and temperature."""
    parts = []
    for term in genome.terms:
        detail = [term.kernel or term.kind, f"w={term.weight:g}"]
        if term.temperature is not None:
            detail.append(f"T={term.temperature:g}")
        if term.transform is not None:
            detail.append(term.transform)
        parts.append(f"{term.name} ({', '.join(detail)})")
    return ", ".join(parts)


def _key(genome: RewardGenome) -> str:
    return genome.model_dump_json()
