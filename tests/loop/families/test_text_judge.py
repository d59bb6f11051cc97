"""Which judge a text run's jobs may use: the embedded model in any sandbox, a served one only unisolated."""

from __future__ import annotations

from pathlib import Path

import pytest

from rewardsmith.config import DesignConfig
from rewardsmith.loop.families import open_family
from rewardsmith.loop.families.base import FamilyConfigError
from tests.cli.test_app import assert_one_line_error, rewardsmith

SERVED = "openai-compatible:judge@http://127.0.0.1:9"


def test_the_embedded_judge_runs_in_any_sandbox_and_a_served_one_only_unisolated() -> None:
    family = open_family("summary")
    for judge, sandbox in ((None, "docker"), ("local", "docker"), ("local", "bwrap"), (SERVED, "none")):
        family.check(DesignConfig(task="summary", judge_llm=judge, sandbox=sandbox))
    with pytest.raises(FamilyConfigError, match=r"out of reach of --sandbox docker, whose jobs have no network"):
        family.check(DesignConfig(task="summary", judge_llm=SERVED, sandbox="docker"))
    with pytest.raises(FamilyConfigError, match="names no model"):
        family.check(DesignConfig(task="summary", judge_llm="offline", sandbox="docker"))


def test_a_judge_for_a_control_task_or_out_of_reach_is_a_one_line_error(tmp_path: Path) -> None:
    with pytest.raises(FamilyConfigError, match="cartpole is a control task: drop --judge-llm"):
        open_family("cartpole").check(DesignConfig(task="cartpole", judge_llm="local"))
    result = rewardsmith("design", "summary", "--judge-llm", SERVED, "--sandbox", "docker", "--out", str(tmp_path))
    assert_one_line_error(result, "--judge-llm", "--sandbox none")
