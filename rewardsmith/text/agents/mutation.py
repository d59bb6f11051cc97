"""How the rule-based text designer answers the gate and the analyzer: each probe that won, and each hacking
finding, closes what it exploited in the genome, by a typed edit (never by reading text back).

A probe names what the reward paid for (:data:`~rewardsmith.gate.exploits.TEXT_PROBE_MEANINGS`); a finding's
kind names what the trained policy did. Both map to one edit each here, and edits only ever tighten: a bound
switched on stays on, a penalty only grows, a pay for something other than content only falls.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from rewardsmith.agents.types import Finding
from rewardsmith.gate.exploits import FindingKind, TextProbeName
from rewardsmith.text.agents.genome import TextGenome
from rewardsmith.text.agents.spec import exploit_kind

#: Penalties a probe or finding raises are at least this, and grow by this factor when already there.
MIN_PENALTY = 0.3
GROWTH = 2.0
#: The pay for content a probe that won restores at least, so that competence is paid above nothing.
MIN_CONTENT = 1.0


def _grown(value: float, floor: float = MIN_PENALTY) -> float:
    return min(1.0, max(floor, value * GROWTH))


def _content_first(genome: TextGenome) -> dict[str, Any]:
    """Nothing is paid for a completion as such, and content is paid."""
    return {"base": 0.0, "relevance": 0.0, "correct": max(genome.correct, MIN_CONTENT)}


def _bounded_steps(genome: TextGenome) -> dict[str, Any]:
    return {"steps": "clip" if genome.steps == "sum" else genome.steps}


_Edit = Callable[[TextGenome], dict[str, Any]]

#: What each probe that won at the gate changes, and why, in the designer's words.
PROBE_EDITS: dict[TextProbeName, tuple[_Edit, str]] = {
    "padded": (
        lambda g: {"length_cap": True, "overlong": _grown(g.overlong), "repetition": max(g.repetition, MIN_PENALTY)},
        "a hard length cap and a larger overlong penalty",
    ),
    "repeated_step": (
        lambda g: {**_bounded_steps(g), "repetition": _grown(g.repetition)},
        "steps through Clip and a larger repetition penalty",
    ),
    "format_only": (
        lambda g: {"format_gate": "correct", "correct": max(g.correct, MIN_CONTENT)},
        "format paid only with correct content",
    ),
    "many_guesses": (
        lambda g: {"single_answer": True, "pick": "last"},
        "one answer only, the last one read",
    ),
    "prompt_copy": (
        lambda g: {
            "relevance": 0.0,
            "copy_penalty": _grown(g.copy_penalty),
            "copy_threshold": min(g.copy_threshold, 0.3),
            "length_cap": True,
        },
        "a penalty on overlap with the prompt and no pay for it",
    ),
    "empty": (_content_first, "no pay without content"),
    "refusal": (_content_first, "no pay without content"),
    "judge_injection": (
        lambda g: {"guard_instructions": True, "format_gate": "correct" if g.correct == 0 else g.format_gate},
        "nothing paid to a completion addressed to the grader",
    ),
}


def _against_divergence(genome: TextGenome) -> dict[str, Any]:
    """Reward rose without fitness: pay content, and little of anything else."""
    return {
        **_content_first(genome),
        **_bounded_steps(genome),
        "format_gate": "correct",
        "format": genome.format / 2,
        "partial": genome.partial / 2,
        "step_weight": genome.step_weight / 2,
        "single_answer": True,
        "pick": "last",
        "length_cap": True,
    }


#: What each hacking finding changes, and why.
FINDING_EDITS: dict[FindingKind, tuple[_Edit, str]] = {
    "reward_fitness_divergence": (_against_divergence, "content paid, the rest halved"),
    "return_beats_competence": (_against_divergence, "content paid, the rest halved"),
    "llm_suspected_hacking": (_against_divergence, "content paid, the rest halved"),
    "length_growth": (
        lambda g: {
            "length_cap": True,
            "overlong": _grown(g.overlong),
            "overlong_start": max(0.5, g.overlong_start - 0.1),
        },
        "a stronger overlong penalty that starts earlier",
    ),
    "repetition": (
        lambda g: {**_bounded_steps(g), "repetition": _grown(g.repetition)},
        "a larger repetition penalty",
    ),
    "format_without_correctness": (
        lambda g: {"format_gate": "correct", "format": g.format / 2},
        "format paid only with correct content",
    ),
    "judge_checker_disagreement": (
        lambda g: {"guard_instructions": True, "format_gate": "correct"},
        "nothing paid to text addressed to the grader, format only with correct content",
    ),
}


def _edited_kind(finding: Finding) -> FindingKind:
    """The kind whose edit answers ``finding``: the text exploit a model's flag names, where it has an edit."""
    kind = exploit_kind(finding)
    return kind if kind in FINDING_EDITS else finding.kind


def react(
    genome: TextGenome, probes: Iterable[TextProbeName] = (), findings: Iterable[Finding] = ()
) -> tuple[TextGenome, list[str]]:
    """``genome`` with every won probe and hacking finding answered, and a note for each change made.

    A probe or finding whose edit leaves the genome as it was makes no note.
    """
    notes: list[str] = []
    reasons: list[tuple[str, tuple[_Edit, str]]] = [(f"probe '{probe}'", PROBE_EDITS[probe]) for probe in probes]
    named = [_edited_kind(finding) for finding in findings if finding.severity == "hacking"]
    reasons += [(f"finding '{kind}'", FINDING_EDITS[kind]) for kind in named if kind in FINDING_EDITS]
    for source, (edit, why) in reasons:
        changed = genome.model_copy(update=edit(genome))
        changed = TextGenome.model_validate(changed.model_dump())
        if changed != genome:
            notes.append(f"{source}: {why}")
            genome = changed
    return genome, notes
