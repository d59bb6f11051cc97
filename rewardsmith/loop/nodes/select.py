"""select: the best candidate by task fitness, and where the run goes next; review: a person's word
between rounds, when the run asks for one."""

from __future__ import annotations

from typing import Literal

from langgraph.types import Command, interrupt

from rewardsmith.loop.context import LoopContext
from rewardsmith.loop.feedback import human_feedback_path, reviewed_path
from rewardsmith.loop.nodes.correct_spec import correction_sources
from rewardsmith.loop.results import IterationRecord
from rewardsmith.loop.state import LoopState, NextStep


def select(ctx: LoopContext, state: LoopState) -> Command[Literal["design", "correct_spec", "final_eval", "review"]]:
    iteration = state["iteration"]
    config, record = ctx.config, ctx.record
    statuses = record.statuses()
    trained = [s for s in statuses if s.stage == "trained" and s.fitness is not None]
    this_round = [s for s in statuses if s.iteration == iteration]
    round_trained = [s for s in this_round if s.stage == "trained" and s.fitness is not None]
    best = max(trained, key=lambda s: s.fitness or float("-inf"), default=None)
    round_best = max(round_trained, key=lambda s: s.fitness or float("-inf"), default=None)
    target = config.target_fitness
    reached = best is not None and target is not None and (best.fitness or float("-inf")) >= target
    hacking = bool(correction_sources(ctx, iteration, round_best.id if round_best else None))
    budget = ctx.agents.budget
    spent = budget is not None and budget.exhausted
    if spent and iteration < config.iterations and not reached:
        assert budget is not None
        record.event("budget_exhausted", iteration=iteration, spent=budget.spent, budget=budget.limit)
        ctx.reporter.note(f"the token budget is spent ({budget.spent} of {budget.limit}); final evaluation")
    next_node: NextStep
    if iteration >= config.iterations or reached or spent:
        next_node = "final_eval"
    elif hacking:
        next_node = "correct_spec"
    else:
        next_node = "design"
    summary = IterationRecord(
        iteration=iteration,
        rubric_version=state["rubric_version"],
        designed=len(this_round),
        rejected=sum(s.stage == "rejected" for s in this_round),
        trained=len(round_trained),
        solved=sum((s.fitness or 0.0) >= ctx.family.facts.solved_threshold for s in round_trained),
        best_id=best.id if best else None,
        best_fitness=best.fitness if best else None,
        round_best_id=round_best.id if round_best else None,
        round_best_fitness=round_best.fitness if round_best else None,
        next=next_node,
    )
    record.event("selected", **summary.model_dump())
    update = {"history": [summary.model_dump()], "best_id": summary.best_id, "best_fitness": summary.best_fitness}
    if config.review and next_node != "final_eval":
        return Command(update={**update, "after_review": next_node}, goto="review")
    if next_node == "design":
        update["iteration"] = iteration + 1
    return Command(update=update, goto=next_node)


def review(ctx: LoopContext, state: LoopState) -> Command[Literal["design", "correct_spec"]]:
    # interrupt() re-runs this whole node on resume: nothing before it may write or report.
    iteration = state["iteration"]
    last = state["history"][-1]
    if ctx.record.exists(reviewed_path(iteration)):
        # A run replayed from its record (see rewardsmith.api) does not ask a question answered before.
        return _after_review(state)
    answer = interrupt(
        {
            "iteration": iteration,
            "next": state.get("after_review") or "design",
            "best_id": last.get("best_id"),
            "best_fitness": last.get("best_fitness"),
            "summary": f"round {iteration}: {last['designed']} designed, {last['rejected']} rejected, "
            f"{last['trained']} trained; best so far {last.get('best_id') or 'none'}",
        }
    )
    text = answer.strip() if isinstance(answer, str) else ""
    if text:
        ctx.record.write_text(human_feedback_path(iteration + 1), text)
    ctx.record.write_text(reviewed_path(iteration), "")
    ctx.record.event("human_feedback", iteration=iteration, given=bool(text), chars=len(text))
    return _after_review(state)


def _after_review(state: LoopState) -> Command[Literal["design", "correct_spec"]]:
    if state.get("after_review") == "correct_spec":
        return Command(update={"after_review": None}, goto="correct_spec")
    return Command(update={"iteration": state["iteration"] + 1, "after_review": None}, goto="design")
