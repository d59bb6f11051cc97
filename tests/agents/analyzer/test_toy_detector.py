"""A new detector is its own module plus one registration line, and the analyzer then runs it."""

from __future__ import annotations

import pytest

from rewardsmith.agents import RuleBasedAnalyzer
from rewardsmith.agents.analyzer import detectors
from tests.agents.analyzer import toy_detector
from tests.agents.conftest import TrainedRun


def test_a_registered_toy_detector_runs_in_the_analyzer(
    cartpole_run: TrainedRun, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(detectors, "DETECTORS", [*detectors.DETECTORS])
    detectors.DETECTORS.append(toy_detector.detect)  # the one registration line

    analysis = RuleBasedAnalyzer().analyze(
        cartpole_run.candidate,
        cartpole_run.result,
        cartpole_run.run_dir,
        cartpole_run.rubric,
    )
    (finding,) = [f for f in analysis.findings if f.message.startswith("toy detector")]
    assert finding.evidence["limit"] == toy_detector.LIMIT and finding.evidence["mean_length"] < toy_detector.LIMIT
    assert "toy detector" in analysis.reflection and "limit=10000" in analysis.reflection


def test_without_the_registration_line_it_does_not_run(cartpole_run: TrainedRun) -> None:
    analysis = RuleBasedAnalyzer().analyze(
        cartpole_run.candidate,
        cartpole_run.result,
        cartpole_run.run_dir,
        cartpole_run.rubric,
    )
    assert not [f for f in analysis.findings if f.message.startswith("toy detector")]
