"""The gate inside the design loop: a hackable seed reward is caught before training, and the spec names it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from rewardsmith import design
from rewardsmith.agents import RuleBasedAnalyzer, RuleBasedDesigner
from rewardsmith.agents.protocols import Agents
from rewardsmith.agents.types import Analysis, Candidate, DesignRequest, Draft
from rewardsmith.api import SeedRewardError
from rewardsmith.gate.evidence import PoolEvidence
from rewardsmith.loop.record import POOL_LABELS, VERIFY, RunRecord
from rewardsmith.sandbox import VerifyOutput
from tests.loop.test_design_loop import SMALL

HACK_SET = Path(__file__).resolve().parents[2] / "bench" / "hack_set"
#: Every step costs more in effort than the shaping pays, so ending the episode at once is best.
EARLY_TERMINATION_HACK = HACK_SET / "cartpole_effort_hack.py"


class RecordingAnalyzer(RuleBasedAnalyzer):
    """The rule-based analyzer, keeping the pool evidence it was given for each candidate."""

    def __init__(self) -> None:
        self.pools: dict[str, PoolEvidence | None] = {}

    def analyze(self, candidate: Candidate, *args: Any, pool: PoolEvidence | None = None, **kwargs: Any) -> Analysis:
        self.pools[candidate.id] = pool
        return super().analyze(candidate, *args, pool=pool, **kwargs)


class RecordingDesigner(RuleBasedDesigner):
    """The offline designer, keeping every request it was given."""

    def __init__(self) -> None:
        super().__init__()
        self.requests: list[DesignRequest] = []

    def design(self, request: DesignRequest) -> list[Draft]:
        self.requests.append(request)
        return super().design(request)


ANALYZER = RecordingAnalyzer()


@pytest.fixture(scope="module")
def seeded_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[RunRecord, RecordingDesigner]:
    designer = RecordingDesigner()
    ANALYZER.pools.clear()
    result = design(
        "cartpole",
        agents=Agents(designer=designer, analyzer=ANALYZER),
        out=tmp_path_factory.mktemp("runs"),
        iterations=2,
        samples=2,
        seed_reward=EARLY_TERMINATION_HACK,
        # No final retraining: nothing here reads it, and the offline loop tests cover it.
        **{**SMALL, "gate_pool": True, "final_seeds": 0},
    )
    return RunRecord.open(result.run_dir), designer


def test_the_hackable_seed_is_rejected_at_the_gate_and_never_trained(
    seeded_run: tuple[RunRecord, RecordingDesigner],
) -> None:
    record, _ = seeded_run
    seed = record.candidate("i01-c00")
    assert seed.designer == "seed" and seed.code == EARLY_TERMINATION_HACK.read_text()
    status = record.status("i01-c00")
    assert (status.stage, status.stopped_at, status.reason_kind) == ("rejected", "gate", "gate_probe")
    assert "probe 'early_termination'" in (status.reason or "")
    assert not record.exists("candidates/i01-c00/train.json")
    gate = json.loads(record.path("candidates/i01-c00/gate.json").read_text())
    outcome = next(p for p in gate["report"]["probes"] if p["probe"] == "early_termination")
    assert outcome["outscored"] and outcome["probe_return"] >= outcome["competent_return"]


def test_the_spec_is_corrected_to_name_the_exploit_with_a_check(
    seeded_run: tuple[RunRecord, RecordingDesigner],
) -> None:
    record, _ = seeded_run
    revised = record.rubric(2)
    exploit = next(c for c in revised.criteria if c.id == "no_exploit_early_termination_exploit")
    assert "ending episodes early" in exploit.text and "i01-c00" in exploit.text
    assert exploit.check is not None and exploit.check.startswith("length > 250")
    assert any("no_exploit_early_termination_exploit" in line for line in revised.diff)
    events = [json.loads(line) for line in record.path("events.jsonl").read_text().splitlines()]
    corrected = [e for e in events if e["event"] == "spec_corrected"]
    assert corrected and corrected[0]["candidate"] == "i01-c00"


def test_the_designer_gets_the_gates_evidence_and_the_new_spec(seeded_run: tuple[RunRecord, RecordingDesigner]) -> None:
    _, designer = seeded_run
    second = [r for r in designer.requests if r.iteration == 2]
    assert second and all(r.rubric.version == 2 for r in second)
    feedback = second[0].feedback
    assert feedback is not None
    reasons = {rejection.candidate_id: rejection.evidence() for rejection in feedback.rejected}
    assert "probe 'early_termination'" in reasons["i01-c00"]
    (stopped,) = [rejection for rejection in feedback.rejected if rejection.candidate_id == "i01-c00"]
    assert stopped.gate is not None and "early_termination" in [o.probe for o in stopped.gate.probes if o.outscored]
    assert "pool v" in reasons["i01-c00"]  # the pool's measures, not just the verdict


def test_the_pool_is_built_once_and_grows_with_each_trained_policy(
    seeded_run: tuple[RunRecord, RecordingDesigner],
) -> None:
    record, _ = seeded_run
    events = [json.loads(line) for line in record.path("events.jsonl").read_text().splitlines()]
    built = [e for e in events if e["event"] == "pool_built"]
    assert len(built) == 1 and "early_termination" in built[0]["probes"]
    trained = [s.id for s in record.statuses() if s.stage == "trained"]
    grown = [e["candidate"] for e in events if e["event"] == "pool_grown"]
    assert trained and sorted(grown) == sorted(trained)
    pool = json.loads(record.path("pool/pool.json").read_text())
    assert {t["source"].split("#")[0] for t in pool["trajectories"] if t["kind"] == "trained"} == {
        f"trained/{c}" for c in trained
    }
    # The rubric's checks ran in the sandbox, on the confirming job's episodes.
    analysis = json.loads(record.path(f"candidates/{trained[0]}/analysis.json").read_text())
    confirmation = json.loads(record.path(f"candidates/{trained[0]}/train.json").read_text())["confirmation"]
    assert analysis["rubric_results"] == confirmation["rubric_results"] and confirmation["rubric_results"]


def test_the_analyzer_judges_each_trained_policy_against_the_pool_it_was_gated_on(
    seeded_run: tuple[RunRecord, RecordingDesigner],
) -> None:
    record, _ = seeded_run
    trained = [s.id for s in record.statuses() if s.stage == "trained"]
    assert trained and sorted(ANALYZER.pools) == sorted(trained)
    reference = record.pool_reference()
    assert reference is not None and reference.checkpoints
    for candidate_id in trained:
        pool = ANALYZER.pools[candidate_id]
        assert pool is not None and pool.competent and pool.random_fitness is not None
        # Typed all the way: the candidate's own returns on the pool it was gated on, and the reference curve.
        labels = record.read(candidate_id, POOL_LABELS)
        verified = record.read(candidate_id, VERIFY)
        assert labels is not None and verified is not None
        scores = verified.output_of(VerifyOutput)
        assert scores is not None and scores.pool_scores is not None
        by_source = dict(zip((t.source for t in labels.trajectories), scores.pool_scores.returns, strict=True))
        assert all(e.designed_return == by_source[e.source] for e in pool.competent)
        assert pool.reference is not None and pool.reference.fitness == [c.eval_fitness for c in reference.checkpoints]


def test_without_the_pool_the_seed_is_trained(tmp_path: Path) -> None:
    options = {**SMALL, "gate_pool": False, "final_seeds": 0}
    result = design("cartpole", out=tmp_path, iterations=1, samples=1, seed_reward=EARLY_TERMINATION_HACK, **options)
    record = RunRecord.open(result.run_dir)
    assert record.status("i01-c00").stage == "trained"
    assert not record.exists("pool/pool.json")


def test_an_unreadable_seed_reward_is_a_clear_error_and_leaves_no_run(tmp_path: Path) -> None:
    with pytest.raises(SeedRewardError, match=r"--seed-reward '.*missing\.py'"):
        design("cartpole", out=tmp_path, seed_reward=tmp_path / "missing.py", **SMALL)
    assert not any(tmp_path.iterdir())
