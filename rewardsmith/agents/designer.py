"""The rule-based designer: a template and mutation search over reward terms, weights and temperatures.

Round 1 writes the task's default genome (:func:`~rewardsmith.agents.reward_terms.default_genome`)
and seeded random variants of it. Later rounds recover the best candidate's genome from its code
and mutate it as the analyzer's findings direct, then perturb weights and temperatures at random,
never against a direction a finding set. Every candidate is real Python in the reward contract,
one component per term, labelled ``designer="rule-based"``.
"""

from __future__ import annotations

import math
import random

from rewardsmith.agents.reward_terms import (
    CONSTANT_KINDS,
    KERNELS,
    TASK_KINDS,
    RewardGenome,
    RewardTerm,
    default_genome,
    genome_from_code,
    render_reward,
    term_pool,
)
from rewardsmith.agents.types import Analysis, Candidate, DesignRequest
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

    def design(self, request: DesignRequest) -> list[Candidate]:
        """Write ``request.samples`` distinct candidates for one round.

        Args:
            request: The task, round, sample count, seed and (from round 2) the feedback on the best
                candidate so far.

        Returns:
            Exactly ``request.samples`` candidates, the same ones for the same request: the first is
            the default genome in round 1 and the purely guided mutation later (perturbed only when
            the findings changed nothing). They are distinct whenever the search finds enough new
            genomes, which its continuous perturbations all but guarantee.
        """
        task = request.task
        rng = random.Random(f"rewardsmith-designer/{request.seed}/{request.iteration}")
        best = request.feedback.best if request.feedback else None
        if best is None:
            designs = self._first_round(task, request.samples, rng)
            parent_id = None
        else:
            analysis = request.feedback.analysis if request.feedback else None
            designs = self._mutation_round(task, best, analysis, request.samples, rng)
            parent_id = best.id
        # Callers index the list by sample number, so it always has exactly `samples` entries; a
        # repeat is wasteful but only possible when the search above found no new genome at all.
        if not designs and best is not None:
            designs = [(genome_from_code(best.code) or default_genome(task), f"A repeat of {best.id}.")]
        found = len(designs)
        while len(designs) < request.samples:
            designs.append(designs[len(designs) % found])
        return [
            Candidate(
                id=f"i{request.iteration:02d}-c{index:02d}",
                iteration=request.iteration,
                code=render_reward(genome, task),
                rationale=f"{rationale} Terms: {describe_genome(genome)}.",
                designer=DESIGNER,
                parent_id=parent_id,
            )
            for index, (genome, rationale) in enumerate(designs)
        ]

    # ---- round 1 -------------------------------------------------------------------------------

    def _first_round(self, task: TaskSpec, samples: int, rng: random.Random) -> list[tuple[RewardGenome, str]]:
        default = default_genome(task)
        designs = [(default, "The task's default genome: its own terms, effort and time shaping.")]
        pool = term_pool(task)
        seen = {_key(default)}
        for _ in range(50 * samples):
            if len(designs) >= samples:
                break
            variant = self._variant(default, pool, rng, directions={}, structural=True, kernels=True)
            if _key(variant) not in seen:
                seen.add(_key(variant))
                designs.append((variant, "A seeded random variant of the default genome."))
        return designs

    # ---- later rounds --------------------------------------------------------------------------

    def _mutation_round(
        self, task: TaskSpec, best: Candidate, analysis: Analysis | None, samples: int, rng: random.Random
    ) -> list[tuple[RewardGenome, str]]:
        parent = genome_from_code(best.code)
        notes: list[str] = []
        if parent is None or parent.task != task.name:
            parent = default_genome(task)
            notes.append(f"{best.id} carries no rule-based genome, so the default genome stands in for it")
        guided, directions, edits = mutate_genome(parent, analysis, task) if analysis is not None else (parent, {}, [])
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
        return RewardTerm.model_validate(term.model_dump() | update)


def mutate_genome(
    genome: RewardGenome, analysis: Analysis, task: TaskSpec
) -> tuple[RewardGenome, dict[str, str], list[str]]:
    """Apply the analyzer's findings to a genome, deterministically.

    - a component that dominates (share > 0.8) is scaled down towards a half share (×0.1 to ×0.5);
    - a component that stays flat is doubled (alive and time terms are flat by construction);
    - a component that anti-correlates with fitness, or drives a reward-fitness divergence the
      analyzer calls hacking, is dropped (cut to a quarter instead when it is the last task term);
    - a violated rubric criterion raises the terms on the variables its check reads, or adds one;
    - low fitness adds the task's missing success and progress terms.

    Args:
        genome: The parent's genome.
        analysis: The analysis of the parent.
        task: The task, for the pool of terms to add from.

    Returns:
        The mutated genome; what happened to each changed term by name ('up', 'down', 'dropped' or
        'added'); and one note per change for the rationale.
    """
    mutation = _Mutation(genome, term_pool(task))
    shares = {component.name: component.share for component in analysis.components}
    checks = {result.criterion_id: result.check for result in analysis.rubric_results}
    findings = sorted(
        (finding for finding in analysis.findings if finding.kind in _PRIORITY),
        key=lambda finding: _PRIORITY.index(finding.kind),
    )
    for finding in findings:
        name = finding.component
        movable = name is not None and mutation.movable(name)
        # A divergence the analyzer only warns about is a penalty being avoided, which is no reason to drop it.
        if finding.kind == "reward_fitness_divergence" and finding.severity == "hacking" and movable and name:
            mutation.drop_or_cut(name, "it rose while fitness did not")
        elif finding.kind == "anti_correlated_component" and movable and name:
            mutation.drop_or_cut(name, "it anti-correlates with fitness")
        elif finding.kind == "dominant_component" and movable and name:
            share = shares.get(name, 0.9)
            factor = min(MAX_DOMINANT_FACTOR, max(0.1, (1.0 - share) / max(share, 1e-9)))
            mutation.scale(name, factor, f"dominant, share {share:.2f}")
        elif finding.kind == "flat_component" and movable and name and mutation.terms[name].kind not in CONSTANT_KINDS:
            mutation.scale(name, FLAT_FACTOR, "flat across training")
        elif finding.kind == "rubric_violation":
            mutation.answer_violation(finding.criterion or "", checks.get(finding.criterion or "", ""))
        elif finding.kind == "low_fitness":
            mutation.add_missing(("success", "progress"), "fitness is low and the task offers it")
    return mutation.genome(), mutation.directions, mutation.notes


class _Mutation:
    """A genome being edited by findings: its terms, and what each finding did to them."""

    def __init__(self, genome: RewardGenome, pool: list[RewardTerm]) -> None:
        self.parent = genome
        self.pool = pool
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
    # The success bonus is the one term that states the task itself; variants keep it.
    droppable = [
        term
        for term in terms
        if term.name not in protected
        and term.kind != "success"
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
        parts.append(f"{term.name} ({', '.join(detail)})")
    return ", ".join(parts)


def _key(genome: RewardGenome) -> str:
    return genome.model_dump_json()
