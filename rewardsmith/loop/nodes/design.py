"""design: the round's candidates, written by the family's designer in one call (the seed reward first, in
round 1, when the run has one)."""

from __future__ import annotations

from rewardsmith.agents.types import Candidate, Draft
from rewardsmith.loop.context import LoopContext
from rewardsmith.loop.record import candidate_id
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
    drafts = ctx.family.design(ctx, iteration, version)
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
