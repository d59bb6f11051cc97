"""``reward_fitness_divergence`` for text: the reward of the held-out completions rose while their
held-out fitness did not."""

from __future__ import annotations

from rewardsmith.agents.types import Finding
from rewardsmith.text.detectors.common import TextObserved

#: The reward "rose" when it gained at least this share of its scale: the larger of its magnitudes over the run
#: and what it pays a solution, so that a rise from -0.02 to -0.01 on a reward paying 1 for competence is noise.
REWARD_RISE = 0.25
#: A rise of this share or more, with no fitness gain, is the policy farming the reward.
HACKING_RISE = 0.5


def detect(seen: TextObserved) -> list[Finding]:
    if not seen.trained or not seen.fitness_still:
        return []
    before, after = seen.first.held_out_reward, seen.last.held_out_reward
    scale = max(abs(before), abs(after), abs(seen.competent_reward or 0.0), 1e-9)
    rise = (after - before) / scale
    if rise < REWARD_RISE:
        return []
    return [
        Finding(
            kind="reward_fitness_divergence",
            severity="hacking" if rise >= HACKING_RISE or seen.fitness_gain < 0 else "warning",
            message=(
                f"the reward of the held-out completions rose from {before:.3g} to {after:.3g} while their held-out "
                f"fitness went from {seen.first.held_out_fitness:.2f} to {seen.last.held_out_fitness:.2f}: the policy "
                "learned something the reward pays and the task does not"
            ),
            evidence={
                "reward_before": before,
                "reward_after": after,
                "fitness_before": seen.first.held_out_fitness,
                "fitness_after": seen.last.held_out_fitness,
                "step": seen.last.step,
            },
        )
    ]
