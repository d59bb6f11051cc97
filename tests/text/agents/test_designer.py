"""The rule-based text designer against the real text contract and the real in-process text gate."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from rewardsmith.agents.types import (
    Analysis,
    Candidate,
    CriticFinding,
    CriticVerdict,
    Feedback,
    Finding,
    Rejection,
)
from rewardsmith.gate.exploits import TextProbeName
from rewardsmith.rewards.rubric import Criterion, Rubric
from rewardsmith.text.agents.critic import RuleBasedTextCritic
from rewardsmith.text.agents.designer import DESIGNER, RuleBasedTextDesigner
from rewardsmith.text.agents.genome import TextGenome, default_genome, genome_from_code
from rewardsmith.text.agents.protocols import TextDesigner, TextDesignRequest
from rewardsmith.text.agents.render import render_text_reward
from rewardsmith.text.agents.rubric_draft import RUBRIC_HEADER
from rewardsmith.text.agents.shape import task_shape
from rewardsmith.text.contract import TextReward, asks_for_judge, load_text_reward
from rewardsmith.text.gate import TextGateResult, text_gate
from rewardsmith.text.registry import load_text_task, text_task_names
from rewardsmith.text.steps import clip_steps, delta_steps
from rewardsmith.text.task import TextExample, TextTask
from rewardsmith.text.training import TextTaskRef

TASKS = text_task_names()
_RUBRIC = Rubric(version=1, criteria=[Criterion(id="solves", text="solves the prompt", weight=1.0)])


def _task(name: str) -> TextTask:
    return load_text_task(name, seed=0, train_size=16, held_out_size=2)


def _request(
    task: TextTask,
    *,
    samples: int = 1,
    seed: int = 0,
    feedback: Feedback | None = None,
    completions: tuple[str, ...] = (),
) -> TextDesignRequest:
    return TextDesignRequest(
        policy_completions=list(completions),
        task=TextTaskRef(name=task.name, train_size=16, held_out_size=2),
        description=task.description,
        max_chars=task.max_chars,
        examples=list(task.train[:4]),
        context=task.designer_context(),
        rubric=_RUBRIC,
        iteration=1 if feedback is None else 2,
        samples=samples,
        seed=seed,
        feedback=feedback,
    )


def _gate(task: TextTask, code: str, tmp_path: Path) -> TextGateResult:
    return text_gate(task, load_text_reward(code, tmp_path))


def _wrong(example: TextExample) -> str:
    """The example's solution with a wrong answer (or, without one, with its facts left out)."""
    if example.answer is None:
        text = example.solution
        for fact in example.info["facts"]:  # type: ignore[union-attr]
            text = re.sub(re.escape(str(fact)), "a place", text, flags=re.IGNORECASE)
        return text
    numbers = [int(n) for n in example.answer.split(",")]
    wrong = ", ".join(str(n) for n in reversed(numbers)) if len(numbers) > 1 else str(numbers[0] + 1)
    head, _, tail = example.solution.rpartition(example.answer)
    return head + wrong + tail


def _score(reward: TextReward, task: TextTask, completions: list[str], examples: list[TextExample]):
    return reward([e.prompt for e in examples], completions, [e.answer for e in examples], task.columns(examples))


@pytest.mark.parametrize("name", TASKS)
def test_every_draft_passes_the_gate_and_pays_right_above_wrong(name: str, tmp_path: Path) -> None:
    task = _task(name)
    designer: TextDesigner = RuleBasedTextDesigner()
    drafts = designer.design(_request(task, samples=4))
    assert len(drafts) == 4 and all(draft.designer == DESIGNER for draft in drafts)
    examples = list(task.train[:8])
    for index, draft in enumerate(drafts):
        result = _gate(task, draft.code, tmp_path)
        assert result.passed, f"draft {index}: {result.reason}"
        assert all(probe.median_reward < result.correct_median_reward for probe in result.probes if probe.counts)
        reward = load_text_reward(draft.code, tmp_path)
        wrong = [_wrong(example) for example in examples]
        assert task.fitnesses(wrong, examples) != [1.0] * len(examples)  # the wrong ones really are wrong
        right = _score(reward, task, [e.solution for e in examples], examples)
        paid = _score(reward, task, wrong, examples)
        for r, w, fitness in zip(right.rewards, paid.rewards, task.fitnesses(wrong, examples), strict=True):
            assert fitness == 1.0 or r > w
        rubric = draft.code.startswith(RUBRIC_HEADER)
        assert set(right.components) >= ({"facts", "within_limits"} if rubric else {"length", "repetition", "copy"})


def test_round_one_of_a_task_of_facts_ends_with_a_rubric_that_the_critic_passes() -> None:
    summary = _task("summary")
    *code, rubric = RuleBasedTextDesigner().design(_request(summary, samples=3))
    assert [draft.code.startswith(RUBRIC_HEADER) for draft in code] == [False, False]
    assert rubric.code.startswith(RUBRIC_HEADER) and "facts (75%)" in rubric.rationale
    # The rubric is carried as the verifier code generated from it, which needs no judge.
    assert not asks_for_judge(rubric.code)
    candidate = Candidate.of(rubric, candidate_id="i01-c03", iteration=1)
    assert RuleBasedTextCritic().review(candidate, summary).passed
    # A task graded by a parsed answer gets none, nor does a single draft, where the code comes first.
    arithmetic = RuleBasedTextDesigner().design(_request(_task("arithmetic"), samples=3))
    assert not any(draft.code.startswith(RUBRIC_HEADER) for draft in arithmetic)
    (alone,) = RuleBasedTextDesigner().design(_request(summary, samples=1))
    assert not alone.code.startswith(RUBRIC_HEADER)


def test_drafts_differ_and_repeat_for_a_seed() -> None:
    task = _task("arithmetic")
    designer = RuleBasedTextDesigner()
    first = [draft.code for draft in designer.design(_request(task, samples=5, seed=3))]
    again = [draft.code for draft in designer.design(_request(task, samples=5, seed=3))]
    other = [draft.code for draft in designer.design(_request(task, samples=5, seed=4))]
    assert first == again
    assert len(set(first)) == 5
    assert first[0] == other[0]  # the best guess does not depend on the seed; its variants do
    assert first[1:] != other[1:]
    assert genome_from_code(first[0]) == default_genome(task_shape(task.train[:4], task.max_chars))


def test_the_policy_s_completions_shape_the_first_guess(tmp_path: Path) -> None:
    task = _task("sorting")
    rambling = ("The numbers are many and I will think about them at length before I answer. " * 4,) * 3
    draft = RuleBasedTextDesigner().design(_request(task, completions=rambling))[0]
    genome = genome_from_code(draft.code)
    assert genome is not None and (genome.format, genome.overlong) == (0.2, 0.4)
    assert _gate(task, draft.code, tmp_path).passed
    in_form = tuple(example.solution for example in task.train[:3])
    genome = genome_from_code(RuleBasedTextDesigner().design(_request(task, completions=in_form))[0].code)
    assert genome is not None and (genome.format, genome.overlong) == (0.1, 0.2)


def test_the_shape_comes_from_the_examples() -> None:
    formatting = _task("formatting")
    shape = task_shape(formatting.train[:6], formatting.max_chars)
    assert shape.selector == "format" and shape.exact and set(shape.patterns) == {"tags", "json"}
    summary = _task("summary")
    shape = task_shape(summary.train[:4], summary.max_chars)
    assert (shape.answer_kind, shape.facts, shape.word_limit) == ("none", "facts", "max_words")
    arithmetic = _task("arithmetic")
    shape = task_shape(arithmetic.train[:4], arithmetic.max_chars)
    assert shape.checkable_steps and not shape.exact and shape.answer_kind == "number"
    assert task_shape(_task("sorting").train[:4], 200).answer_kind == "list"


#: For each probe: a task, and a weak genome (as a hand-written or careless reward would be) that pays it.
WEAK: dict[TextProbeName, tuple[str, dict[str, object]]] = {
    "padded": ("arithmetic", {"length_cap": False, "overlong": 0.0, "repetition": 0.0}),
    "repeated_step": ("arithmetic", {"steps": "sum", "step_weight": 1.0, "repetition": 0.0}),
    "format_only": ("sorting", {"correct": 0.0, "format": 1.0, "format_gate": "present"}),
    "many_guesses": ("counting", {"pick": "any", "single_answer": False, "repetition": 0.0}),
    "prompt_copy": ("summary", {"relevance": 1.0, "length_cap": False, "copy_penalty": 0.0, "repetition": 0.0}),
    "empty": ("arithmetic", {"correct": 0.0, "format": 0.0, "base": 1.0}),
    "refusal": ("summary", {"correct": 0.0, "base": 1.0}),
    "judge_injection": ("arithmetic", {"correct": 0.0, "format": 1.0, "guard_instructions": False}),
}


@pytest.mark.parametrize("probe", list(WEAK))
def test_a_probe_that_won_no_longer_wins(probe: TextProbeName, tmp_path: Path) -> None:
    name, weak = WEAK[probe]
    task = _task(name)
    shape = task_shape(task.train[:4], task.max_chars)
    genome = TextGenome.model_validate({**default_genome(shape).model_dump(), **weak})
    best = Candidate(code=render_text_reward(genome, shape), designer=DESIGNER, id="i01-c01", iteration=1)
    before = _gate(task, best.code, tmp_path)
    assert probe in before.winners, before.reason  # the weak reward really pays the probe
    rejection = Rejection(
        candidate_id="i01-c02", stage="gate", kind="probe_wins", reason=before.reason, text_probes=[probe]
    )
    feedback = Feedback(best=best, best_fitness=0.5, rejected=[rejection])
    drafts = RuleBasedTextDesigner().design(_request(task, samples=3, feedback=feedback))
    assert drafts[0].parent_id == "i01-c01" and f"probe '{probe}'" in drafts[0].rationale
    for draft in drafts:
        after = _gate(task, draft.code, tmp_path)
        assert probe not in after.winners, after.reason


def _analysis(*findings: Finding) -> Analysis:
    return Analysis(
        candidate_id="i01-c01",
        fitness=0.2,
        components=[],
        total_fitness_correlation=None,
        best_episode=None,
        worst_episode=None,
        findings=list(findings),
        hacking_suspected=True,
        reflection="",
        analyzer="rule-based",
    )


def test_a_repetition_finding_adds_the_repetition_penalty(tmp_path: Path) -> None:
    task = _task("counting")
    shape = task_shape(task.train[:4], task.max_chars)
    bare = default_genome(shape).model_copy(update={"repetition": 0.0})
    best = Candidate(code=render_text_reward(bare, shape), designer=DESIGNER, id="i01-c01", iteration=1)
    finding = Finding(kind="repetition", severity="hacking", message="repeated 3-grams rose from 0.1 to 0.6")
    feedback = Feedback(best=best, best_fitness=0.2, analysis=_analysis(finding))
    draft = RuleBasedTextDesigner().design(_request(task, feedback=feedback))[0]
    genome = genome_from_code(draft.code)
    assert genome is not None and genome.repetition > 0
    example = task.train[0]
    looped = "\n".join([example.solution] * 3)
    paid = _score(load_text_reward(draft.code, tmp_path), task, [example.solution, looped], [example] * 2)
    assert paid.components["repetition"][1] < paid.components["repetition"][0] == 0.0
    assert "repetition" not in _score(load_text_reward(best.code, tmp_path), task, [looped], [example]).components
    # A warning is not acted on: only what the analyzer calls hacking adds a term. With nothing to answer, the
    # best candidate's own reward is not written again (GRPO on it would repeat its run): the round is variants.
    warned = Feedback(best=best, analysis=_analysis(finding.model_copy(update={"severity": "warning"})))
    drafts = RuleBasedTextDesigner().design(_request(task, samples=3, feedback=warned))
    genomes = [genome_from_code(d.code) for d in drafts]
    assert all(g is not None and g.repetition == 0.0 and g != bare for g in genomes)
    assert len({d.code for d in drafts} | {best.code}) == 4


@pytest.mark.parametrize("mode", ["clip", "delta"])
def test_steps_are_paid_as_text_steps_clip_and_delta_define(mode: str, tmp_path: Path) -> None:
    task = _task("arithmetic")
    shape = task_shape(task.train[:4], task.max_chars)
    genome = default_genome(shape).model_copy(update={"steps": mode, "step_weight": 1.0})
    reward = load_text_reward(render_text_reward(genome, shape), tmp_path)
    example = task.train[0]
    completion = "2 + 3 = 5\n4 × 2 = 9\n10 − 4 = 6\nAnswer: 1"
    expected = clip_steps([1.0, 0.0, 1.0], 1.0) if mode == "clip" else delta_steps([1.0, 0.0, 1.0])
    assert _score(reward, task, [completion], [example]).components["steps"] == [pytest.approx(sum(expected))]


def test_repair_drops_the_term_the_critic_objects_to(tmp_path: Path) -> None:
    task = _task("arithmetic")
    request = _request(task)
    designer = RuleBasedTextDesigner()
    draft = designer.design(request)[0]
    candidate = Candidate.of(draft, candidate_id="i01-c01", iteration=1)
    line = next(i for i, text in enumerate(draft.code.splitlines(), 1) if text.startswith("def _term_copy"))
    finding = CriticFinding(rule="slow_loop", severity="error", message="too slow", line=line + 2)
    verdict = CriticVerdict(candidate_id="i01-c01", passed=False, findings=[finding], critic="rule-based")
    repaired = designer.repair(candidate, verdict, request)
    assert repaired is not None and "copy" in repaired.rationale and repaired.parent_id == "i01-c01"
    output = _score(load_text_reward(repaired.code, tmp_path), task, [task.train[0].solution], [task.train[0]])
    assert "copy" not in output.components and "correct" in output.components
    # Nothing to drop where the error is outside every term, or the code carries no genome.
    elsewhere = verdict.model_copy(update={"findings": [finding.model_copy(update={"line": 1})]})
    assert designer.repair(candidate, elsewhere, request) is None
    foreign = candidate.model_copy(update={"code": task.sparse_reward_code})
    assert designer.repair(foreign, elsewhere, request) is None


#: Completions a policy early in training writes, or a hostile one: nothing here may break the contract.
ODD = [
    "",
    "\n\n\n",
    "Ответ: 5 — Answer: ５",
    "Answer: 1e5",
    "Answer:\nAnswer:",
    "<answer></answer>",
    '{"answer": }',
    "{" * 3000,
    "<answer>" + " " * 3000 + "x",
    "1+1" * 2000 + " = 2",
    "2 × 3 = 6 " * 500,
    "Answer: 3,, 4",
    "7 / 0 = 1\nAnswer: 0",
]


@pytest.mark.parametrize("name", TASKS)
def test_odd_completions_keep_the_contract(name: str, tmp_path: Path) -> None:
    task = _task(name)
    examples = [task.train[index % len(task.train)] for index in range(len(ODD))]
    without_limit = {k: v for k, v in task.columns(examples).items() if k != "max_chars"}
    for draft in RuleBasedTextDesigner().design(_request(task, samples=2)):
        reward = load_text_reward(draft.code, tmp_path)
        prompts = [example.prompt for example in examples]
        # The contract's checks raise on a wrong shape or a non-finite value; answers may be missing.
        reward(prompts, ODD, [None] * len(ODD), without_limit)
        scored = _score(reward, task, ODD, examples)
        assert max(scored.rewards) < 1.0


def test_quoting_the_prompt_costs_nothing_copying_it_does(tmp_path: Path) -> None:
    task = _task("summary")
    reward = load_text_reward(RuleBasedTextDesigner().design(_request(task))[0].code, tmp_path)
    example = task.train[0]
    quoted = example.prompt.split("Notes: ")[1].split(". ")[0] + "."  # the notes' first sentence
    copied = _score(reward, task, [quoted, example.prompt], [example] * 2).components["copy"]
    assert copied[0] == 0.0 and copied[1] < 0.0


def test_a_best_candidate_without_a_genome_is_mutated_from_the_default(tmp_path: Path) -> None:
    task = _task("arithmetic")
    best = Candidate(code=task.sparse_reward_code, designer="gpt", id="i01-c04", iteration=1)
    rejections = [
        Rejection(candidate_id="i01-c02", stage="gate", kind="probe_wins", reason="", text_probes=["padded", "empty"]),
        Rejection(candidate_id="i01-c03", stage="gate", kind="probe_wins", reason="", text_probes=["many_guesses"]),
    ]
    growth = Finding(kind="length_growth", severity="hacking", message="completions grew from 120 to 390 chars")
    feedback = Feedback(best=best, rejected=rejections, analysis=_analysis(growth))
    draft = RuleBasedTextDesigner().design(_request(task, feedback=feedback))[0]
    assert "carries no text genome" in draft.rationale and draft.parent_id == "i01-c04"
    genome = genome_from_code(draft.code)
    default = default_genome(task_shape(task.train[:4], task.max_chars))
    assert genome is not None and genome.overlong > default.overlong and genome.overlong_start < 0.8
    assert _gate(task, draft.code, tmp_path).passed


def test_without_examples_every_draft_says_why_it_could_not_be_written() -> None:
    request = _request(_task("sorting"), samples=2).model_copy(update={"examples": []})
    drafts = RuleBasedTextDesigner().design(request)
    assert [draft.failure_kind for draft in drafts] == ["no_examples"] * 2
    assert all(draft.code == "" and "example" in (draft.failure or "") for draft in drafts)


#: A reward that pays a little of everything and bounds nothing: each text finding must tighten it.
LOOSE = {
    "format_gate": "present",
    "steps": "sum",
    "length_cap": False,
    "guard_instructions": False,
    "base": 0.2,
    "overlong": 0.1,
}
#: What each hacking finding of the text detectors must leave in the genome.
TIGHTENED: dict[str, Callable[[TextGenome], bool]] = {
    "reward_fitness_divergence": lambda g: g.format_gate == "correct" and g.base == 0 and g.length_cap,
    "length_growth": lambda g: g.length_cap and g.overlong > LOOSE["overlong"],  # type: ignore[operator]
    "format_without_correctness": lambda g: g.format_gate == "correct",
    "judge_checker_disagreement": lambda g: g.guard_instructions and g.format_gate == "correct",
    "repetition": lambda g: g.steps == "clip" and g.repetition > 0.3,
}


@pytest.mark.parametrize("kind", list(TIGHTENED))
def test_each_text_finding_tightens_what_it_names(kind: str) -> None:
    task = _task("arithmetic")
    shape = task_shape(task.train[:4], task.max_chars)
    loose = TextGenome.model_validate({**default_genome(shape).model_dump(), **LOOSE})
    best = Candidate(code=render_text_reward(loose, shape), designer=DESIGNER, id="i01-c01", iteration=1)
    finding = Finding(kind=kind, severity="hacking", message="seen in training")  # type: ignore[arg-type]
    draft = RuleBasedTextDesigner().design(_request(task, feedback=Feedback(best=best, analysis=_analysis(finding))))[0]
    genome = genome_from_code(draft.code)
    assert genome is not None and TIGHTENED[kind](genome) and f"finding '{kind}'" in draft.rationale
