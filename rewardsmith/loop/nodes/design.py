"""design: the round's candidates, written by the designer in one call (the seed reward first, in
round 1, when the run has one)."""

from __future__ import annotations

from rewardsmith.agents.context import designer_context
from rewardsmith.agents.designer.rule_based import DESIGNER
from rewardsmith.agents.types import Candidate, DesignRequest, Draft
from rewardsmith.gate.pool import POOL_MANIFEST
from rewardsmith.loop.context import LoopContext
from rewardsmith.loop.feedback import feedback_for
from rewardsmith.loop.ranking import rank_drafts, rankable
from rewardsmith.loop.record import candidate_id, round_prefix
from rewardsmith.loop.state import LoopState

#: Where a run keeps its copy of the seed reward (``--seed-reward``).
SEED_REWARD = "seed_reward.py"


def design(ctx: LoopContext, state: LoopState) -> dict:
    iteration, version = state["iteration"], state["rubric_version"]
    record = ctx.record
    ids = [candidate_id(iteration, index) for index in range(ctx.config.samples)]
    missing = [index for index, cid in enumerate(ids) if not record.has_candidate(cid)]
    ctx.reporter.round_started(iteration, ctx.config.iterations)
    if not missing:
        return {"designed": ids}
    if len(missing) == len(ids):
        record.event("round_started", iteration=iteration, rubric_version=version)
    drafts = _drafts(ctx, iteration, version)
    if iteration == 1 and ctx.config.seed_reward is not None:
        # The designer still wrote the whole round, so its other drafts are those of a run without a seed.
        drafts[0] = Draft.from_answer(
            record.path(SEED_REWARD).read_text(), designer="seed", rationale=f"the seed reward {ctx.config.seed_reward}"
        )
    for index in missing:
        candidate = Candidate.of(drafts[index], candidate_id=ids[index], iteration=iteration)
        record.save_candidate(candidate)
        record.event("candidate_designed", candidate=candidate.id, designer=candidate.designer)
        if candidate.failure_kind is not None:
            # The designer's model failed for this sample (a call error, a spent budget): the
            # candidate ends here with that reason, its siblings and the run go on.
            ctx.reject(candidate.id, "design", candidate.failure_kind, candidate.failure or candidate.failure_kind)
    return {"designed": ids}


def _drafts(ctx: LoopContext, iteration: int, version: int) -> list[Draft]:
    """The round's drafts: written directly, or (offline, with a pool) ranked on the pool from many more."""
    request = design_request(ctx, iteration, version)
    pool_dir = ctx.record.path("pool")
    ranking = (
        ctx.agents.designer.name == DESIGNER
        and ctx.config.rank > ctx.config.samples
        and ctx.config.gate_pool
        and (pool_dir / POOL_MANIFEST).exists()
    )
    if not ranking:
        return ctx.agents.designer.design(request)
    many = ctx.agents.designer.design(request.model_copy(update={"samples": ctx.config.rank}))
    if not rankable(many, ctx.task_class):
        return many[: ctx.config.samples]
    kept, record = rank_drafts(many, ctx.task_class, pool_dir, ctx.config.samples, iteration)
    # A resumed round ranks again, to the same drafts (the designer is seeded); it is recorded once.
    if not ctx.record.exists(ranking_path(iteration)):
        ctx.record.write_json(ranking_path(iteration), record)
        ctx.record.event(
            "ranked", iteration=iteration, ranked=record.ranked, kept=record.kept, evidence=record.evidence
        )
    return kept


def ranking_path(iteration: int) -> str:
    """Where the run record keeps round ``iteration``'s ranking on the pool."""
    return f"rankings/{round_prefix(iteration)}ranking.json"


def design_request(ctx: LoopContext, iteration: int, rubric_version: int) -> DesignRequest:
    """What the designer gets for round ``iteration``, under rubric ``rubric_version``."""
    return DesignRequest(
        task=ctx.spec,
        context=designer_context(ctx.task_class),
        rubric=ctx.record.rubric(rubric_version),
        iteration=iteration,
        samples=ctx.config.samples,
        seed=ctx.config.seed * 100_003 + iteration,
        feedback=feedback_for(ctx.record, iteration),
    )
