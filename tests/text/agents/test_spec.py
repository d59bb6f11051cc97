"""Rubric v1 for each built-in text task, and its correction: a criterion per exploit, named from the finding's
kind and evidence, heavier when seen again, and no new version when nothing was hacked."""

from __future__ import annotations

from pathlib import Path

import pytest

from rewardsmith.agents.types import Analysis, Candidate, Finding
from rewardsmith.rewards.rubric import Rubric
from rewardsmith.text.agents.analyzer import analysis_from_text_gate
from rewardsmith.text.agents.spec import MAX_WEIGHT, TIGHTEN_FACTOR, RuleBasedTextSpecCorrector, RuleBasedTextSpecWriter
from rewardsmith.text.contract import load_text_reward
from rewardsmith.text.gate import TextGateResult, TextProbeScore, text_gate
from rewardsmith.text.registry import load_text_task, text_task_names

WRITER = RuleBasedTextSpecWriter()
CORRECTOR = RuleBasedTextSpecCorrector()
CANDIDATE = Candidate(code="", designer="test", id="i02-c01", iteration=2)
V1_IDS = ["task", "correct_content", "required_form", "within_length", "no_padding"]


def analysis(*findings: Finding) -> Analysis:
    return Analysis(
        candidate_id=CANDIDATE.id,
        fitness=0.2,
        components=[],
        total_fitness_correlation=None,
        best_episode=None,
        worst_episode=None,
        findings=list(findings),
        hacking_suspected=any(f.severity == "hacking" for f in findings),
        reflection="",
        analyzer="rule-based",
    )


REPETITION = Finding(
    kind="repetition",
    severity="hacking",
    message="ignored by the corrector",
    evidence={"repeated_share_before": 0.05, "repeated_share_after": 0.62, "fitness_before": 0.2, "fitness_after": 0.2},
)


@pytest.mark.parametrize("name", text_task_names())
def test_v1_states_content_form_length_and_no_padding(name: str) -> None:
    task = load_text_task(name, train_size=8, held_out_size=4)
    rubric = WRITER.initial(task)
    assert (rubric.version, rubric.parent_version, rubric.author) == (1, None, "rule-based")
    assert [c.id for c in rubric.criteria] == V1_IDS
    assert all(c.check is None for c in rubric.criteria)
    by_id = {c.id: c for c in rubric.criteria}
    assert by_id["task"].text == task.description
    assert f"at most {task.max_chars} characters" in by_id["within_length"].text
    for form in {example.form for example in task.train}:
        assert f"`{form}`" in by_id["required_form"].text
    has_answers = task.train[0].answer is not None
    assert ("`answers`" in by_id["correct_content"].text) == has_answers
    assert max(rubric.criteria, key=lambda c: c.weight).id == "correct_content"


def test_formatting_v1_names_both_forms_and_summary_its_columns() -> None:
    formatting = WRITER.initial(load_text_task("formatting", train_size=16, held_out_size=4))
    assert "the form its prompt requires, one of `<answer>{answer}</answer>`, `{" in formatting.criteria[2].text
    summary = WRITER.initial(load_text_task("summary", train_size=4, held_out_size=4))
    assert "`facts`" in summary.criteria[1].text and "`max_words`" in summary.criteria[3].text


def test_a_repetition_finding_adds_a_criterion_named_after_it_and_a_second_sighting_weighs_more() -> None:
    v1 = WRITER.initial(load_text_task("arithmetic", train_size=4, held_out_size=4))
    v2 = CORRECTOR.correct(v1, analysis(REPETITION), CANDIDATE)
    assert v2 is not None
    assert (v2.version, v2.parent_version) == (2, 1)
    added = v2.criteria[-1]
    assert added.id == "no_exploit_repetition" and added.check is None
    assert added.weight == max(c.weight for c in v1.criteria)
    assert "repeated steps and phrases" in added.text and "repeated_share_after=0.62" in added.text
    assert "ignored by the corrector" not in added.text
    assert v2.diff == [
        f"added no_exploit_repetition (weight {added.weight:g}): names repeated steps and phrases, paid in i02-c01"
    ]
    assert "i02-c01" in v2.reason and "(repetition)" in v2.reason
    # The same exploit in a later candidate: the criterion gains weight, no second one appears.
    later = CANDIDATE.model_copy(update={"id": "i03-c02"})
    v3 = CORRECTOR.correct(v2, analysis(REPETITION, REPETITION), later)
    assert v3 is not None and v3.version == 3 and len(v3.criteria) == len(v2.criteria)
    assert v3.criteria[-1].weight == min(MAX_WEIGHT, added.weight * TIGHTEN_FACTOR)
    assert "Seen again in i03-c02" in v3.criteria[-1].text and len(v3.diff) == 1


def test_a_gate_rejection_becomes_one_criterion_per_winning_probe() -> None:
    def score(probe: str, fitness: float, reward: float, wins: bool) -> TextProbeScore:
        return TextProbeScore(probe=probe, fitness=fitness, median_reward=reward, counts=True, wins=wins)  # type: ignore[arg-type]

    gate = TextGateResult(
        passed=False,
        correct_median_reward=1.0,
        correct_fitness=1.0,
        probes=[
            score("padded", 0.0, 1.1, True),
            score("many_guesses", 0.0, 1.0, True),
            score("empty", 0.0, 0.0, False),
        ],
        winners=["padded", "many_guesses"],
        winner="padded",
        reason="probe 'padded' was paid",
    )
    gate_analysis = analysis_from_text_gate("i01-c03", gate)
    assert [f.kind for f in gate_analysis.findings] == ["length_growth", "guessing"]
    assert gate_analysis.hacking_suspected and gate_analysis.analyzer == "gate"
    assert gate_analysis.findings[0].evidence == {
        "probe": "padded",
        "probe_reward": 1.1,
        "correct_reward": 1.0,
        "probe_fitness": 0.0,
        "correct_fitness": 1.0,
    }
    v1 = WRITER.initial(load_text_task("counting", train_size=4, held_out_size=4))
    v2 = CORRECTOR.correct(v1, gate_analysis, CANDIDATE)
    assert v2 is not None
    assert [c.id for c in v2.criteria] == [*V1_IDS, "no_exploit_length_growth", "no_exploit_guessing"]
    padded = v2.criteria[-2].text
    assert "padding past the length limit" in padded and "'padded' probe" in padded and "probe_reward=1.1" in padded
    assert "a single final answer" in v2.criteria[-1].text


@pytest.mark.parametrize(
    ("reward", "exploits"),
    [("steps_hack", ["no_exploit_repetition", "no_exploit_length_growth"]), ("steps_clean", [])],
)
def test_the_gates_verdict_on_a_planted_step_reward_and_its_clean_twin(
    reward: str, exploits: list[str], tmp_path: Path
) -> None:
    """The summed process reward pays a repeated step (and padding); through Delta it pays neither."""
    task = load_text_task("arithmetic", train_size=16, held_out_size=4)
    code = (Path(__file__).parents[3] / "bench" / "text_hack_set" / f"{reward}.py").read_text()
    gate = text_gate(task, load_text_reward(code, tmp_path))
    v1 = WRITER.initial(task)
    v2 = CORRECTOR.correct(v1, analysis_from_text_gate("i01-c01", gate), CANDIDATE)
    added = [] if v2 is None else [c.id for c in v2.criteria[len(v1.criteria) :]]
    assert added == exploits


def test_nothing_to_correct_without_hacking() -> None:
    v1 = WRITER.initial(load_text_task("sorting", train_size=4, held_out_size=4))
    warning = REPETITION.model_copy(update={"severity": "warning"})
    assert CORRECTOR.correct(v1, analysis(), CANDIDATE) is None
    assert CORRECTOR.correct(v1, analysis(warning), CANDIDATE) is None
    assert isinstance(CORRECTOR.correct(v1, analysis(warning, REPETITION), CANDIDATE), Rubric)
