"""A gate rejection as an analysis: the exploit a hack probe exposed, in the findings' language.

When a probe (standing still, jittering, circling, ending the episode) scores like a competent policy,
the exploit is known before any training, and the spec corrector can name it just as it names one
the analyzer found after training. This module turns the gate's report into that analysis, with the
evidence the corrector's checks read.
"""

from __future__ import annotations

from rewardsmith.agents.types import Analysis, EvidenceValue, Finding
from rewardsmith.gate.exploits import PROBE_MEANINGS, probe_name
from rewardsmith.gate.judge import GateReport, ProbeOutcome
from rewardsmith.rewards.rubric import DEFAULT_GOAL_FLAG
from rewardsmith.tasks.spec import TaskSpec

GATE_ANALYZER = "gate"


def analysis_from_gate(candidate_id: str, report: GateReport, spec: TaskSpec) -> Analysis:
    """The analysis a spec corrector reads for a candidate the gate's probes caught."""
    findings = [_finding(outcome, spec) for outcome in report.probes if outcome.outscored]
    return Analysis(
        candidate_id=candidate_id,
        fitness=float("nan"),
        components=[],
        total_fitness_correlation=report.rank_correlation,
        best_episode=None,
        worst_episode=None,
        findings=findings,
        hacking_suspected=bool(findings),
        reflection=report.evidence(),
        analyzer=GATE_ANALYZER,
    )


def _finding(outcome: ProbeOutcome, spec: TaskSpec) -> Finding:
    meaning = PROBE_MEANINGS[probe_name(outcome.probe)]
    kind = meaning.finding
    evidence: dict[str, EvidenceValue] = {
        "probe": outcome.probe,
        "source": outcome.source,
        "probe_return": outcome.probe_return,
        "competent_return": outcome.competent_return,
        "probe_fitness": outcome.fitness,
    }
    if kind == "early_termination_exploit":
        # What the corrector's early-termination check needs: how short is too short, and the goal flag.
        flag = spec.goal_flag() or DEFAULT_GOAL_FLAG
        has_flag = any(v.name == flag for v in spec.state_variables)
        evidence |= {"early_limit": spec.episode_length // 2, "goal_flag": flag if has_flag else "none"}
    return Finding(
        kind=kind,
        severity="hacking",
        message=f"Before any training, the gate's '{outcome.probe}' probe, a policy that does not do the task "
        f"(fitness {outcome.fitness:.3g}), scored {outcome.probe_return:.4g} under this reward, at or above the "
        f"{outcome.competent_return:.4g} of a competent policy: PPO would learn {kind.replace('_', ' ')} instead "
        "of the task",
        evidence=evidence,
        exploits=meaning.exploits,
    )
