"""Every reward the project writes passes the default-deny critic: references, the offline designer's
candidates, the planted hack set and the response-style fixtures. A name missing from the allowed API
shows up here before a run refuses a reward the project wrote itself."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rewardsmith.agents import Candidate, CriticVerdict, Draft, RuleBasedDesigner, StaticCritic
from rewardsmith.agents.designer.reward_terms import bounded_genome, render_reward
from rewardsmith.rewards.extract import NoCodeError, extract_code
from rewardsmith.tasks import load_task
from rewardsmith.tasks.spec import TaskSpec
from tests.agents.helpers import BUILTIN_TASKS, design_request, designed
from tests.rewards import responses

HACK_SET = Path(__file__).parents[3] / "bench" / "hack_set"
#: Response fixtures written to be refused by another rule than the API's (they test the loader's errors).
_REFUSED_ON_PURPOSE = {"PROSE_ONLY", "SYNTAX_ERROR", "TWO_DEFINITIONS_IN_ONE_BLOCK", "STAR_ARGS"}
#: How many designer samples per task: enough for every term kind of the genome pool to appear.
_SAMPLES = 12


def review(code: str, task: TaskSpec) -> CriticVerdict:
    return StaticCritic().review(Candidate(id="r", iteration=0, code=code, designer="test"), task)


def errors(verdict: CriticVerdict) -> list[str]:
    return [f"{f.rule}: {f.message}" for f in verdict.findings if f.severity == "error"]


@pytest.mark.parametrize("name", BUILTIN_TASKS)
def test_the_references_and_sparse_rewards_pass(name: str) -> None:
    spec = load_task(name).spec
    for code in filter(None, (spec.reference_reward_code, spec.sparse_reward_code)):
        assert not errors(review(code, spec))


@pytest.mark.parametrize("name", BUILTIN_TASKS)
def test_the_offline_designers_candidates_pass(name: str) -> None:
    task = load_task(name)
    codes = [candidate.code for candidate in designed(RuleBasedDesigner(), design_request(task, samples=_SAMPLES))]
    # The transforms the designer writes once the gate or the analyzer found an exploit.
    codes.append(render_reward(bounded_genome(task.spec), task.spec))
    for code in codes:
        assert not errors(review(code, task.spec)), code


def _hack_set() -> list[tuple[str, str]]:
    entries = json.loads((HACK_SET / "set.json").read_text())
    return [(entry["task"], entry[key]) for entry in entries for key in ("hackable_file", "clean_file")]


@pytest.mark.parametrize(("task", "file"), _hack_set())
def test_the_planted_hack_set_passes(task: str, file: str) -> None:
    spec = load_task(task).spec
    assert not errors(review((HACK_SET / file).read_text(), spec))


def _response_fixtures() -> list[str]:
    names = [name for name, value in vars(responses).items() if name.isupper() and isinstance(value, str)]
    return sorted(set(names) - _REFUSED_ON_PURPOSE)


@pytest.mark.parametrize("name", _response_fixtures())
def test_the_response_style_fixtures_pass(name: str) -> None:
    answer = getattr(responses, name)
    try:
        extract_code(answer)
    except NoCodeError:
        pytest.fail(f"{name} holds no code; list it as refused on purpose if that is its point")
    draft = Draft.from_answer(answer, designer="test")
    assert not errors(review(draft.code, load_task("cartpole").spec))
