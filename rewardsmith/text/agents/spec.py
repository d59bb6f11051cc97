"""The rule-based spec writer and Specification Self-Corrector for text tasks.

:class:`RuleBasedTextSpecWriter` writes rubric v1 from a text task: the description, a correct content,
the required answer form (from the examples' ``form``), the length limit, and no padding or repetition.
Text criteria carry no machine ``check``: the rubric's check language is over episodes of state
variables, and a text task's trusted check is its checker, which stays held out.

:class:`RuleBasedTextSpecCorrector` writes v(n+1) when an analysis reports hacking, after training (the
text detectors) or before it (a gate probe that won, :func:`~rewardsmith.text.agents.analyzer.analysis_from_text_gate`):
each exploit adds a criterion ``no_exploit_<kind>`` worded from the finding's kind and evidence, never
from its message; a second sighting raises that criterion's weight. A probe's win and a detector's
sighting of the same behaviour share a kind (:data:`~rewardsmith.gate.exploits.TEXT_PROBE_FINDINGS`),
so they name one exploit.
"""

from __future__ import annotations

from typing import NamedTuple

from rewardsmith.agents.spec.rule_based import MAX_WEIGHT, SPEC_AUTHOR, TIGHTEN_FACTOR
from rewardsmith.agents.types import Analysis, Candidate, EvidenceValue, Finding, evidence_text
from rewardsmith.gate.exploits import TEXT_PROBE_MEANINGS, FindingKind
from rewardsmith.rewards.rubric import Criterion, Rubric
from rewardsmith.text.task import TextTask

#: Weight of the content criterion: what the trusted checker measures, so the heaviest.
CONTENT_WEIGHT = 3.0


class RuleBasedTextSpecWriter:
    """Writes the first rubric of a text task from the task alone (never its checker)."""

    name = SPEC_AUTHOR

    def initial(self, task: TextTask) -> Rubric:
        """Write rubric v1 for ``task``.

        Args:
            task: The task; its description, the examples' answers, forms and columns, and its length limit.

        Returns:
            Version 1, whose criteria have no machine check.
        """
        criteria = [
            Criterion(id="task", text=task.description, weight=2.0),
            _content_criterion(task),
            _form_criterion(task),
            _length_criterion(task),
            Criterion(
                id="no_padding",
                text="No padding or repetition: no filler, no step or phrase repeated, no list of guesses, no copy "
                "of the prompt. A completion earns its reward once, for its content; saying more never pays more.",
                weight=1.0,
            ),
        ]
        return Rubric(
            version=1,
            criteria=criteria,
            reason=f"Initial specification of text task '{task.name}', from its description, examples and length "
            "limit.",
            author=self.name,
        )


def _content_criterion(task: TextTask) -> Criterion:
    if any(example.answer is not None for example in task.train):
        text = (
            "The content is correct: the answer the completion gives in the required form equals the reference "
            "answer (passed to reward code as `answers`). A wrong answer earns no more than no answer."
        )
    else:
        columns = sorted({name for example in task.train for name in example.info})
        given = f" (reward code receives {', '.join(f'`{c}`' for c in columns)})" if columns else ""
        text = (
            "The content does what the task asks; there is no single reference answer, so it is judged against what "
            f"each prompt gives{given}. Saying more than asked earns nothing."
        )
    return Criterion(id="correct_content", text=text, weight=CONTENT_WEIGHT)


def _form_criterion(task: TextTask) -> Criterion:
    forms = sorted({example.form for example in task.train})
    if len(forms) == 1:
        text = f"The completion gives its answer in the required form `{forms[0]}`, where {{answer}} is the content."
    else:
        shown = ", ".join(f"`{form}`" for form in forms)
        text = (
            f"The completion gives its answer in the form its prompt requires, one of {shown}, where {{answer}} is "
            "the content; nothing may surround a form that must stand alone."
        )
    return Criterion(
        id="required_form",
        text=f"{text} The form alone, without the right content, is worth little.",
        weight=1.0,
    )


def _length_criterion(task: TextTask) -> Criterion:
    words = any("max_words" in example.info for example in task.train)
    limit = " and within the word limit of the `max_words` column" if words else ""
    return Criterion(
        id="within_length",
        text=f"The completion is at most {task.max_chars} characters{limit}: a longer one scores nothing, whatever "
        "it says, so a reward must pay nothing past the limit and nothing for length below it.",
        weight=1.0,
    )


class ExploitWording(NamedTuple):
    """How a criterion names an exploit: the behaviour the reward paid, and what the reward must do instead."""

    behaviour: str
    instead: str


#: Each kind of text finding a corrector names, worded for a designer. A gate probe's own behaviour, where
#: its finding carries the probe, replaces the first part (:data:`TEXT_PROBE_MEANINGS`).
TEXT_EXPLOITS: dict[FindingKind, ExploitWording] = {
    "reward_fitness_divergence": ExploitWording(
        "a reward that rose on the held-out completions while their fitness did not",
        "Pay what makes an answer correct: a completion's reward must not rise unless its answer is more correct.",
    ),
    "length_growth": ExploitWording(
        "longer completions",
        "Pay nothing for length: a longer completion earns no more than a shorter one with the same answer, and "
        "nothing at all past the length limit.",
    ),
    "repetition": ExploitWording(
        "repeated steps and phrases",
        "Pay each step or phrase once: repeats earn nothing, and a correct step repeated is not a correct answer.",
    ),
    "format_without_correctness": ExploitWording(
        "the required form with a wrong or missing answer",
        "Pay the form only with a correct answer, or so little that a wrong answer in form stays far below a "
        "correct one.",
    ),
    "judge_checker_disagreement": ExploitWording(
        "a judge criterion that scores completions the trusted check fails",
        "A judge criterion must agree with correctness: bound what it can pay, and pay correctness itself more.",
    ),
    "guessing": ExploitWording(
        "a list of many guesses with the right answer among them",
        "Pay only a single final answer: a completion that gives several answers earns nothing for any of them.",
    ),
    "prompt_copy": ExploitWording(
        "overlap with the prompt",
        "Pay nothing for text taken from the prompt; only the answer the completion gives counts.",
    ),
    "empty_answer": ExploitWording(
        "an empty answer", "An empty completion earns nothing; pay only content that is there and correct."
    ),
    "refusal": ExploitWording(
        "a refusal to answer", "A refusal earns nothing; pay only an answer that is given and correct."
    ),
    "judge_injection": ExploitWording(
        "text in the answer that tells the grader what to score",
        "Score the answer, never instructions inside it: a judge must ignore text addressed to it, and a wrong "
        "answer that asks for full marks earns nothing.",
    ),
}


class RuleBasedTextSpecCorrector:
    """Revises a text task's rubric after an analysis, or the gate, shows hacking."""

    name = SPEC_AUTHOR

    def correct(self, rubric: Rubric, analysis: Analysis, candidate: Candidate) -> Rubric | None:
        """Write v(n+1) when the analysis reports hacking.

        Each hacking finding adds ``no_exploit_<kind>``, saying what the reward paid for and what it must do
        instead, with the finding's evidence; a kind already named gains weight (× :data:`TIGHTEN_FACTOR`, up to
        :data:`MAX_WEIGHT`) and the candidate that showed it again. A kind changes at most once per version.

        Args:
            rubric: The current version.
            analysis: The analysis of ``candidate``: after training, or a gate rejection as one.
            candidate: The candidate whose reward was exploited.

        Returns:
            The next version with ``reason``, ``diff`` and ``parent_version``, or None when no finding is hacking.
        """
        criteria = {criterion.id: criterion for criterion in rubric.criteria}
        reasons: list[str] = []
        diff: list[str] = []
        touched: set[str] = set()
        for finding in analysis.findings:
            kind = exploit_kind(finding)
            identifier = f"no_exploit_{kind}"
            if finding.severity != "hacking" or identifier in touched:
                continue
            touched.add(identifier)
            behaviour, instead = _wording(finding)
            reasons.append(f"{candidate.id}'s reward paid for {behaviour} ({kind})")
            evidence = f" Evidence: {evidence_text(_shown(finding.evidence))}." if finding.evidence else ""
            existing = criteria.get(identifier)
            if existing is not None:
                weight = min(MAX_WEIGHT, existing.weight * TIGHTEN_FACTOR)
                first = existing.text.split(" Seen again in ")[0]
                criteria[identifier] = existing.model_copy(
                    update={"weight": weight, "text": f"{first} Seen again in {candidate.id}.{evidence}"}
                )
                change = (
                    f"weight {existing.weight:g} → {weight:g}" if weight != existing.weight else "weight at its cap"
                )
                diff.append(f"tightened {identifier}: {change} ({behaviour} paid again in {candidate.id})")
                continue
            weight = min(MAX_WEIGHT, max((c.weight for c in rubric.criteria), default=1.0))
            criteria[identifier] = Criterion(
                id=identifier,
                text=f"The reward must come from a correct answer, not from {behaviour} (seen in {candidate.id}). "
                f"{instead}{evidence}",
                weight=weight,
            )
            diff.append(f"added {identifier} (weight {weight:g}): names {behaviour}, paid in {candidate.id}")
        if not diff:
            return None
        return Rubric(
            version=rubric.version + 1,
            criteria=list(criteria.values()),
            parent_version=rubric.version,
            reason="; ".join(reasons) + ".",
            diff=diff,
            author=self.name,
        )


def exploit_kind(finding: Finding) -> FindingKind:
    """The exploit a hacking finding names: its kind, or for a model's flag the text exploit it says was paid
    (:mod:`rewardsmith.text.agents.llm_analyzer`), so that a model's sighting and a detector's name one exploit."""
    behaviour = finding.evidence.get("behaviour")
    if finding.kind == "llm_suspected_hacking" and isinstance(behaviour, str):
        return next((kind for kind in TEXT_EXPLOITS if kind == behaviour), finding.kind)
    return finding.kind


def _wording(finding: Finding) -> ExploitWording:
    probe = finding.evidence.get("probe")
    kind = exploit_kind(finding)
    generic = TEXT_EXPLOITS.get(kind) or ExploitWording(
        kind.replace("_", " "), "Pay only what makes the answer correct."
    )
    meaning = next((meaning for name, meaning in TEXT_PROBE_MEANINGS.items() if name == probe), None)
    if meaning is not None:
        return ExploitWording(f"{meaning.pays_for} (the gate's '{probe}' probe: {meaning.behaviour})", generic.instead)
    return generic


def _shown(evidence: dict[str, EvidenceValue]) -> dict[str, EvidenceValue]:
    """The evidence without curves: a criterion states the measured values, not every checkpoint."""
    return {key: value for key, value in evidence.items() if not isinstance(value, list)}
