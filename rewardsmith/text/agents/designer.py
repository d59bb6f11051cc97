"""The rule-based text designer: verifier code built from a text task's structure, without an LLM.

It reads the request only: the examples' answer forms, reference answers and columns (what
:mod:`rewardsmith.text.agents.shape` makes of them) and the length limit. Its best guess pays the right
content after the required form (numbers as numbers, lists as lists, text without case or spacing), or the
share of listed facts where no answer exists; a little for the form with content of the right kind, one answer
only; nothing positive past the length or word limit; and it penalises the approach to the limit, repeated
lines and n-grams, copying the prompt, and pays checked steps only through Clip. A policy whose completions
seldom show the form is paid more for it, and one that runs past the limit is penalised harder near it. The
other drafts of a round are seeded variants of its weights and bounds. In round 1 of a task of facts to
mention and no answers (a summary), the last draft is a rubric of machine checks instead
(:mod:`rewardsmith.text.agents.rubric_draft`).

From round 2 the best candidate's genome (its first line) is mutated: every probe the gate saw win on last
round's rejections and every hacking finding of the best candidate's analysis closes what it exploited
(:mod:`rewardsmith.text.agents.mutation`), before any variant is drawn.
"""

from __future__ import annotations

import math
import random
from typing import Any

from rewardsmith.agents.types import Candidate, CriticVerdict, Draft, Finding
from rewardsmith.gate.exploits import TextProbeName
from rewardsmith.text.agents.genome import TextGenome, default_genome, describe_genome, genome_from_code
from rewardsmith.text.agents.mutation import react
from rewardsmith.text.agents.protocols import TextDesignRequest
from rewardsmith.text.agents.render import render_text_reward, term_at_line
from rewardsmith.text.agents.rubric_draft import describe_rubric, rubric_code, shape_rubric
from rewardsmith.text.agents.shape import TaskShape, task_shape

DESIGNER = "rule-based-text"
#: Standard deviation of the log-normal factor on a variant's weights.
PERTURBATION = 0.3
#: Draws per variant before the search settles for a repeat.
_TRIES = 50
#: What dropping each term a critic objects to sets; the content term cannot be dropped.
_DROPS: dict[str, dict[str, Any]] = {
    "partial": {"partial": 0.0},
    "format": {"format": 0.0},
    "steps": {"steps": "off"},
    "length": {"overlong": 0.0},
    "repetition": {"repetition": 0.0},
    "copy": {"copy_penalty": 0.0},
    "base": {"base": 0.0},
    "relevance": {"relevance": 0.0},
}
_PAYS = ("partial", "format", "step_weight")
_COSTS = ("overlong", "repetition", "copy_penalty")


class RuleBasedTextDesigner:
    """Writes text reward candidates without an LLM, from the task's examples, the gate and the analyzer."""

    name = DESIGNER

    def design(self, request: TextDesignRequest) -> list[Draft]:
        """Exactly ``request.samples`` drafts, the same for the same request; the first is the guided genome.

        Without examples there is no structure to build terms from: every draft then carries ``failure_kind``
        'no_examples', which the loop rejects at design."""
        if not request.examples:
            failure = "the request shows no example prompts, so no answer form can be read; give the designer a few"
            return [
                Draft(designer=DESIGNER, failure_kind="no_examples", failure=failure) for _ in range(request.samples)
            ]
        shape = task_shape(request.examples, request.max_chars)
        feedback = request.feedback
        best = feedback.best if feedback else None
        parent = genome_from_code(best.code) if best is not None else None
        notes = []
        if parent is None:
            parent = default_genome(shape, request.policy_completions)
            if best is not None:
                notes.append(f"{best.id} carries no text genome, so the default stands in for it")
        probes: list[TextProbeName] = [p for r in (feedback.rejected if feedback else []) for p in r.text_probes]
        findings: list[Finding] = feedback.analysis.findings if feedback and feedback.analysis else []
        guided, edits = react(parent, probes, findings)
        notes += edits
        origin = f"The genome of {best.id}" if best is not None else "The default genome for this task's structure"
        # The best candidate's own genome, unchanged, is a reward already trained: GRPO on the same seed would
        # only repeat its run, so a round with nothing to answer is all variants of it.
        retrained = best is not None and guided == parent and not notes
        designs = [] if retrained else [(guided, f"{origin}{', changed: ' + '; '.join(notes) if notes else ''}.")]
        # Round 1 of a task a rubric fits ends with the rubric, beside the code it is compared with.
        rubric = shape_rubric(shape, request.examples) if best is None and request.samples >= 2 else None
        code_drafts = request.samples - (rubric is not None)
        rng = random.Random(f"{DESIGNER}/{request.seed}/{request.iteration}")
        seen = {guided}
        while len(designs) < code_drafts:
            variant = self._variant(guided, shape, rng, seen)
            seen.add(variant)
            designs.append((variant, f"A seeded variant of the first draft's weights and bounds, seed {request.seed}."))
        drafts = [
            Draft(
                code=render_text_reward(genome, shape),
                rationale=f"{why} Terms: {describe_genome(genome, shape)}.",
                designer=DESIGNER,
                parent_id=best.id if best is not None else None,
            )
            for genome, why in designs
        ]
        if rubric is not None:
            why = "A rubric of machine checks, for a task of facts to mention rather than an answer to parse"
            drafts.append(
                Draft(
                    code=rubric_code(rubric),
                    rationale=f"{why}. Criteria: {describe_rubric(rubric)}.",
                    designer=DESIGNER,
                )
            )
        return drafts

    def repair(self, candidate: Candidate, verdict: CriticVerdict, request: TextDesignRequest) -> Draft | None:
        """The candidate's genome without the terms the critic's errors are in, or rendered afresh where its code
        was changed; None when it carries no genome, or the errors are in its content term or outside any term."""
        genome = genome_from_code(candidate.code)
        if genome is None or not request.examples:
            return None
        shape = task_shape(request.examples, request.max_chars)
        named = {
            term_at_line(candidate.code, finding.line)
            for finding in verdict.findings
            if finding.severity == "error" and finding.line is not None
        }
        dropped = sorted(name for name in named if name in _DROPS)
        update = {key: value for name in dropped for key, value in _DROPS[name].items()}
        repaired = TextGenome.model_validate({**genome.model_dump(), **update})
        code = render_text_reward(repaired, shape)
        if repaired == genome and code == candidate.code:
            return None
        why = f"dropped the {', '.join(dropped)} term(s) the critic objected to" if dropped else "rendered afresh"
        return Draft(
            code=code,
            rationale=f"{candidate.id}, {why}. Terms: {describe_genome(repaired, shape)}.",
            designer=DESIGNER,
            parent_id=candidate.id,
        )

    def _variant(self, genome: TextGenome, shape: TaskShape, rng: random.Random, seen: set[TextGenome]) -> TextGenome:
        """A new genome near ``genome``: weights scaled log-normally, bounds moved within what keeps them bounds.

        Penalties only grow and content keeps most of the pay, so that a variant closes at least what its
        parent closes."""
        variant = genome
        for _ in range(_TRIES):
            update: dict[str, Any] = {
                "correct": genome.correct * math.exp(rng.gauss(0, PERTURBATION / 2)),
                **{name: getattr(genome, name) * math.exp(rng.gauss(0, PERTURBATION)) for name in _PAYS},
                **{name: getattr(genome, name) * math.exp(abs(rng.gauss(0, PERTURBATION))) for name in _COSTS},
                "ngram": rng.choice((2, 3, 4)),
                "overlong_start": min(genome.overlong_start, rng.uniform(0.7, 0.9)),
                "copy_threshold": min(genome.copy_threshold, rng.uniform(0.3, 0.6)),
            }
            if genome.steps in ("clip", "delta"):
                update["steps"] = rng.choice(("clip", "delta"))
            # Content stays the larger pay: format and partial credit together stay under half of it.
            side = update["format"] + update["partial"]
            if 0 < update["correct"] / 2 < side:
                update["format"] *= update["correct"] / 2 / side
                update["partial"] *= update["correct"] / 2 / side
            update = {key: round(value, 4) if isinstance(value, float) else value for key, value in update.items()}
            variant = TextGenome.model_validate({**genome.model_dump(), **update})
            if variant not in seen:
                return variant
        return variant
