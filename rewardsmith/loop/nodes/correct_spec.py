"""correct_spec: the Specification Self-Corrector writes spec v(n+1) when the round showed exploits."""

from __future__ import annotations

from typing import Literal

from langgraph.types import Command

from rewardsmith.agents.types import Analysis
from rewardsmith.loop.context import LoopContext
from rewardsmith.loop.record import ANALYSIS
from rewardsmith.loop.state import LoopState
from rewardsmith.rewards.rubric import Rubric

#: Candidates one spec correction answers at most, so a round of many exploits cannot bloat the spec.
MAX_CORRECTION_SOURCES = 3


def correct_spec(ctx: LoopContext, state: LoopState) -> Command[Literal["design"]]:
    iteration, version = state["iteration"], state["rubric_version"]
    record = ctx.record
    new_version = version
    if record.path(f"specs/v{version + 1}.json").exists():
        new_version = version + 1
    elif revised := corrected_spec(ctx, iteration, version, state["history"][-1]["round_best_id"]):
        rubric, answered = revised
        record.save_rubric(rubric)
        new_version = rubric.version
        record.event(
            "spec_corrected",
            version=new_version,
            candidate=answered[0],
            candidates=answered,
            reason=rubric.reason,
            diff=rubric.diff,
        )
        ctx.reporter.note(f"spec v{new_version}: {rubric.reason}")
    return Command(update={"iteration": iteration + 1, "rubric_version": new_version}, goto="design")


def correction_sources(ctx: LoopContext, iteration: int, round_best_id: str | None) -> list[tuple[str, Analysis]]:
    """What a spec correction answers: each candidate of the round that a hack probe caught at the
    gate or whose training showed hacking, then the round's best when it violated the rubric."""
    record = ctx.record
    sources: list[tuple[str, Analysis]] = []
    for status in record.statuses():
        if status.iteration != iteration:
            continue
        gate_analysis = ctx.family.gate_analysis(ctx, status)
        if gate_analysis is not None:
            sources.append((status.id, gate_analysis))
        elif status.stage == "trained" and status.hacking_suspected:
            analysis = record.read(status.id, ANALYSIS)
            assert analysis is not None
            sources.append((status.id, analysis))
    answered = {candidate_id for candidate_id, _ in sources}
    if round_best_id is not None and round_best_id not in answered:
        analysis = record.read(round_best_id, ANALYSIS)
        if analysis is not None and _calls_for_correction(analysis):
            sources.append((round_best_id, analysis))
    return sources[:MAX_CORRECTION_SOURCES]


def _calls_for_correction(analysis: Analysis) -> bool:
    violated = any(result.passed is False for result in analysis.rubric_results)
    return analysis.hacking_suspected or violated


def corrected_spec(
    ctx: LoopContext, iteration: int, version: int, round_best_id: str | None
) -> tuple[Rubric, list[str]] | None:
    """One new version answering every source, or None when no correction changed the spec."""
    # Each correction builds on the last, and their reasons and diffs are joined, so the designer sees
    # one spec naming every exploit of the round.
    current = ctx.record.rubric(version)
    reasons: list[str] = []
    diff: list[str] = []
    answered: list[str] = []
    for candidate_id, analysis in correction_sources(ctx, iteration, round_best_id):
        revised = ctx.family.correct_spec(ctx, current, analysis, ctx.record.candidate(candidate_id))
        if revised is None:
            continue
        current = revised
        reasons.append(revised.reason.rstrip("."))
        diff.extend(revised.diff)
        answered.append(candidate_id)
    if not answered:
        return None
    combined = current.model_copy(
        update={"version": version + 1, "parent_version": version, "reason": "; ".join(reasons) + ".", "diff": diff}
    )
    return combined, answered
