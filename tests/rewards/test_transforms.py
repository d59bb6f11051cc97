"""Bounded reward transforms: each one's promised property, its argument checks, and its use from reward code."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from rewardsmith.agents import Candidate, CriticVerdict, StaticCritic
from rewardsmith.rewards import (
    REWARD_TRANSFORMS,
    clip_below,
    delta,
    describe_transforms,
    gated,
    load_reward,
    potential_shaping,
    squash,
)
from rewardsmith.tasks import BatchedTask


def _generator(seed: int = 0) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


# ---- clip_below -------------------------------------------------------------------------------------


def test_clip_below_is_never_positive_and_equals_min_of_shifted_reward() -> None:
    reward = 10 * torch.randn(4096, generator=_generator(), dtype=torch.float64)
    for eta in (-3.0, 0.0, 0.5, 7):
        clipped = clip_below(reward, eta)
        assert (clipped <= 0).all()
        assert torch.equal(clipped, torch.minimum(reward - eta, torch.zeros_like(reward)))


def test_clip_below_bounds_every_episode_return_by_zero() -> None:
    # Episodes of any length, rewards of any sign and size, with and without discounting.
    generator = _generator(1)
    for length in (1, 10, 1000):
        rewards = 100 * torch.randn(length, 64, generator=generator)
        clipped = clip_below(rewards, eta=-50.0)
        for gamma in (1.0, 0.99):
            discounts = gamma ** torch.arange(length, dtype=torch.float32)
            assert ((discounts[:, None] * clipped).sum(dim=0) <= 0).all()


# ---- delta --------------------------------------------------------------------------------------------


def test_delta_telescopes_to_first_minus_last_value() -> None:
    values = torch.randn(501, 16, generator=_generator(2), dtype=torch.float64)
    rewards = delta(values[1:], values[:-1])
    torch.testing.assert_close(rewards.sum(dim=0), values[0] - values[-1])


def test_delta_pays_an_oscillating_trajectory_only_its_net_progress() -> None:
    # A distance that goes from 1.0 to 0.5 and back 200 times, then ends at 0.8: net progress 0.2.
    swing = torch.tensor([1.0, 0.5], dtype=torch.float64).repeat(200)
    distance = torch.cat((swing, torch.tensor([1.0, 0.8], dtype=torch.float64)))
    rewards = delta(distance[1:], distance[:-1])
    torch.testing.assert_close(rewards.sum(), torch.tensor(0.2, dtype=torch.float64))
    # A reward for every step closer, the hackable alternative, grows with the number of swings.
    per_step_progress = (distance[:-1] - distance[1:]).clamp(min=0).sum()
    assert per_step_progress > 100 * rewards.sum()


# ---- potential_shaping: policy invariance on an MDP solved exactly -------------------------------------

NUM_STATES, NUM_ACTIONS = 6, 3
TERMINAL = torch.tensor([False, False, False, False, True, True])


def _random_mdp(seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Transitions P[s, a, s'] and rewards R[s, a, s'] of a random MDP whose last two states are absorbing.

    Every transition ends the episode with probability at least 0.25, so every policy terminates and
    the MDP is well posed even undiscounted.
    """
    generator = _generator(seed)
    mass = torch.rand(NUM_STATES, NUM_ACTIONS, NUM_STATES, generator=generator, dtype=torch.float64)
    to_terminal = TERMINAL.to(torch.float64) / TERMINAL.sum()
    transitions = 0.75 * mass / mass.sum(dim=-1, keepdim=True) + 0.25 * to_terminal
    rewards = torch.randn(NUM_STATES, NUM_ACTIONS, NUM_STATES, generator=generator, dtype=torch.float64)
    return transitions, rewards


def _solve(transitions: torch.Tensor, rewards: torch.Tensor, gamma: float) -> torch.Tensor:
    """Optimal action values Q[s, a] by policy iteration with exact (linear-solve) policy evaluation.

    Terminal states are worth 0; their rows of Q are returned but never acted in.
    """
    live = ~TERMINAL
    policy = torch.zeros(NUM_STATES, dtype=torch.int64)
    expected_reward = (transitions * rewards).sum(dim=-1)  # [s, a]
    for _ in range(100):
        rows = torch.arange(NUM_STATES)
        transitions_pi = transitions[rows, policy][live][:, live]
        reward_pi = expected_reward[rows, policy][live]
        system = torch.eye(int(live.sum()), dtype=torch.float64) - gamma * transitions_pi
        values = torch.zeros(NUM_STATES, dtype=torch.float64)
        values[live] = torch.linalg.solve(system, reward_pi)
        q = expected_reward + gamma * transitions @ values
        best = q.argmax(dim=-1)
        # Keep the current action unless another is strictly better, so the iteration cannot cycle on ties.
        improved = q.gather(1, best[:, None]).squeeze(1) > q.gather(1, policy[:, None]).squeeze(1) + 1e-12
        if not improved[live].any():
            return q
        policy = torch.where(improved, best, policy)
    raise AssertionError("policy iteration did not converge")


def _optimal_policy(q: torch.Tensor) -> torch.Tensor:
    live_q = q[~TERMINAL]
    top = live_q.topk(2, dim=-1).values
    # The comparison of policies means something only without near-ties.
    assert (top[:, 0] - top[:, 1]).min() > 1e-6
    return live_q.argmax(dim=-1)


def _shaping(potential: torch.Tensor, gamma: float) -> torch.Tensor:
    """The potential-based term for every (s, a, s'), computed by the transform on flat batches."""
    shape = (NUM_STATES, NUM_ACTIONS, NUM_STATES)
    phi_now = potential[:, None, None].expand(shape)
    phi_next = potential[None, None, :].expand(shape)
    done = TERMINAL[None, None, :].expand(shape)
    return potential_shaping(phi_next.reshape(-1), phi_now.reshape(-1), gamma, done.reshape(-1)).reshape(shape)


@pytest.mark.parametrize("gamma", [0.9, 1.0])
def test_potential_shaping_leaves_the_optimal_policy_unchanged(gamma: float) -> None:
    transitions, rewards = _random_mdp(seed=3)
    q = _solve(transitions, rewards, gamma)
    policy = _optimal_policy(q)
    generator = _generator(4)
    for _ in range(5):
        # Large potentials, non-zero on the terminal states too: done must zero them.
        potential = 5 * torch.randn(NUM_STATES, generator=generator, dtype=torch.float64)
        shaped_q = _solve(transitions, rewards + _shaping(potential, gamma), gamma)
        assert torch.equal(_optimal_policy(shaped_q), policy)
        live = ~TERMINAL
        torch.testing.assert_close(shaped_q[live], q[live] - potential[live, None])


@pytest.mark.parametrize("gamma", [0.9, 1.0])
def test_a_non_potential_term_of_the_same_magnitude_changes_the_optimal_policy(gamma: float) -> None:
    transitions, rewards = _random_mdp(seed=3)
    q = _solve(transitions, rewards, gamma)
    policy = _optimal_policy(q)
    potential = 5 * torch.randn(NUM_STATES, generator=_generator(4), dtype=torch.float64)
    magnitude = _shaping(potential, gamma).abs().max()
    # A bonus for each state's worst action: depends on the action, so it is no potential difference.
    worst = q.argmin(dim=-1)
    bonus = torch.zeros_like(rewards)
    bonus[torch.arange(NUM_STATES), worst] = magnitude
    bonus[TERMINAL] = 0.0
    assert not torch.equal(_optimal_policy(_solve(transitions, rewards + bonus, gamma)), policy)


def test_potential_shaping_zeroes_the_next_potential_at_terminal_transitions() -> None:
    phi_next = torch.tensor([2.0, 2.0])
    phi_now = torch.tensor([1.0, 1.0])
    shaped = potential_shaping(phi_next, phi_now, 0.5, done=torch.tensor([False, True]))
    assert shaped.tolist() == [0.0, -1.0]
    assert potential_shaping(phi_next, phi_now, 0.5).tolist() == [0.0, 0.0]


# ---- gated ---------------------------------------------------------------------------------------------


def test_gated_is_zero_below_the_threshold_and_the_dense_term_from_it() -> None:
    generator = _generator(5)
    dense = torch.randn(1000, generator=generator)
    outcome = torch.rand(1000, generator=generator)
    outcome[:3] = 0.7  # exactly at the threshold counts
    result = gated(dense, outcome, 0.7)
    assert (result[outcome < 0.7] == 0).all()
    assert torch.equal(result[outcome >= 0.7], dense[outcome >= 0.7])
    # A non-finite dense value below the threshold stays out too.
    assert gated(torch.tensor([float("nan")]), torch.tensor([0.0]), 1.0).tolist() == [0.0]
    # A bool outcome gates on True.
    assert gated(torch.tensor([1.0, 2.0]), torch.tensor([False, True]), 1).tolist() == [0.0, 2.0]


def test_a_policy_idling_below_the_threshold_collects_nothing_from_the_dense_term() -> None:
    # 1000 steps of a large dense reward while the outcome hovers just under the threshold.
    generator = _generator(6)
    dense = 10 + torch.rand(1000, 32, generator=generator)
    outcome = 0.9 * torch.rand(1000, 32, generator=generator)
    assert gated(dense, outcome, 0.9).sum() == 0


# ---- squash ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("scale", [0.1, 1.0, 25.0])
def test_squash_is_bounded_monotone_and_near_identity(scale: float) -> None:
    extremes = torch.tensor([-1e30, -1e6, 1e6, 1e30, float("inf"), -float("inf")])
    assert (squash(extremes, scale).abs() <= scale).all()
    moderate = torch.linspace(-5 * scale, 5 * scale, 1001, dtype=torch.float64)
    assert (squash(moderate, scale).abs() < scale).all()

    ordered = torch.linspace(-100 * scale, 100 * scale, 100_001)
    assert (squash(ordered, scale).diff() >= 0).all()
    assert (squash(moderate, scale).diff() > 0).all()

    small = torch.linspace(-0.1 * scale, 0.1 * scale, 1001, dtype=torch.float64)
    error = (squash(small, scale) - small).abs()
    assert (error <= small.abs() ** 3 / (3 * scale**2) + 1e-15).all()
    assert error.max() < 1e-2 * 0.1 * scale  # under 1% of the largest input


# ---- common behaviour and argument checks ----------------------------------------------------------------

# Each transform called on [n] floating tensors, the way reward code would.
CALLS: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "clip_below": lambda a, b: clip_below(a, 0.5),
    "delta": lambda a, b: delta(a, b),
    "potential_shaping": lambda a, b: potential_shaping(a, b, 0.99, a > 0),
    "gated": lambda a, b: gated(a, b, 0.0),
    "squash": lambda a, b: squash(a, 2.0),
}

DEVICES = ["cpu", pytest.param("cuda", marks=pytest.mark.skipif(not torch.cuda.is_available(), reason="no GPU"))]


def test_calls_cover_every_transform() -> None:
    assert set(CALLS) == set(REWARD_TRANSFORMS)


@pytest.mark.parametrize("name", sorted(CALLS))
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64, torch.bfloat16])
@pytest.mark.parametrize("device", DEVICES)
def test_transforms_keep_shape_dtype_and_device(name: str, dtype: torch.dtype, device: str) -> None:
    generator = _generator(7)
    first = torch.randn(8, generator=generator).to(device=device, dtype=dtype)
    second = torch.randn(8, generator=generator).to(device=device, dtype=torch.float32)
    result = CALLS[name](first, second)
    assert result.shape == (8,)
    assert result.dtype == dtype
    assert result.device == first.device


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda x: potential_shaping(x, x, 0.0), "gamma"),
        (lambda x: potential_shaping(x, x, 1.5), "gamma"),
        (lambda x: potential_shaping(x, x, float("nan")), "gamma"),
        (lambda x: potential_shaping(x, x, 0.9, done=x), "done"),
        (lambda x: potential_shaping(x, x, 0.9, done=torch.zeros(3, dtype=torch.bool)), "shape"),
        (lambda x: squash(x, 0.0), "scale"),
        (lambda x: squash(x, -1.0), "scale"),
        (lambda x: squash(x, float("inf")), "scale"),
        (lambda x: squash(x.long(), 1.0), "floating"),
        (lambda x: clip_below(x, float("nan")), "eta"),
        (lambda x: clip_below(x, torch.tensor(0.0)), "eta"),
        (lambda x: clip_below([1.0, 2.0], 0.0), "floating"),
        (lambda x: delta(x, x[:, None]), "shape"),
        (lambda x: delta(x.int(), x), "floating"),
        (lambda x: gated(x, x, float("inf")), "threshold"),
        (lambda x: gated(x, x, True), "threshold"),
        (lambda x: gated(x, x.to(torch.complex64), 0.0), "outcome"),
    ],
)
def test_bad_arguments_raise_a_clear_value_error(call: Callable[[torch.Tensor], object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        call(torch.ones(4))


def test_describe_transforms_lists_every_transform_with_its_guarantee() -> None:
    text = describe_transforms()
    assert "from rewardsmith.rewards.transforms import" in text
    for name in REWARD_TRANSFORMS:
        line = next(line for line in text.splitlines() if line.startswith(f"- {name}("))
        assert "Guarantee" in line


# ---- from reward code: the critic allows the import, and the loaded reward runs ---------------------------

USES_TRANSFORMS = """
import torch
import rewardsmith.rewards.transforms
import rewardsmith.rewards.transforms as T
from rewardsmith.rewards import transforms
from rewardsmith.rewards.transforms import clip_below, gated, squash


def compute_reward(pole_angle, cart_position, cart_velocity):
    upright = torch.cos(pole_angle)
    centred = gated(1.0 - cart_position.abs() / 2.4, upright, 0.9)
    calm = clip_below(-cart_velocity.abs(), eta=-1.0)
    shaped = T.potential_shaping(upright, upright, 1.0) + transforms.delta(upright, upright)
    total = rewardsmith.rewards.transforms.squash(upright + centred + calm + shaped, 2.0)
    return squash(total, 2.0), {"upright": upright, "centred": centred, "calm": calm, "shaped": shaped}
"""


def _review(code: str, cartpole: type[BatchedTask]) -> CriticVerdict:
    return StaticCritic().review(Candidate(id="t", iteration=1, code=code, designer="test"), cartpole.spec)


def test_the_critic_allows_importing_and_using_the_transforms(cartpole: type[BatchedTask]) -> None:
    verdict = _review(USES_TRANSFORMS, cartpole)
    assert verdict.passed, verdict.findings
    assert not [finding for finding in verdict.findings if finding.rule == "forbidden_import"]
    assert verdict.findings == []


@pytest.mark.parametrize(
    ("line", "rule"),
    [
        ("import rewardsmith", "forbidden_import"),
        ("import rewardsmith.sandbox.docker", "forbidden_import"),
        ("from rewardsmith.rewards import load_reward", "forbidden_import"),
        ("from rewardsmith.rewards.transforms import torch", "forbidden_import"),
        ("from rewardsmith.rewards.transforms import *", "forbidden_import"),
        ("import rewardsmith.rewards.transforms as T\nw = T.torch.load('w.pt')", "forbidden_api"),
        ("import rewardsmith.rewards.transforms\nrewardsmith.api.run(None)", "forbidden_api"),
        ("from rewardsmith.rewards import transforms as t\nm = getattr(t, 'torch')", "forbidden_api"),
    ],
)
def test_the_critic_refuses_the_rest_of_rewardsmith(line: str, rule: str, cartpole: type[BatchedTask]) -> None:
    code = f"{line}\n\ndef compute_reward(pole_angle):\n    return pole_angle * 0, {{}}\n"
    verdict = _review(code, cartpole)
    assert not verdict.passed
    assert rule in {finding.rule for finding in verdict.findings}, verdict.findings


def test_a_reward_using_the_transforms_loads_and_runs_on_cartpole(cartpole: type[BatchedTask], tmp_path: Path) -> None:
    task = cartpole(num_envs=8, seed=0)
    task.reset()
    state = task.step(torch.ones(8, dtype=torch.int64)).state
    checked = load_reward(USES_TRANSFORMS, cartpole.spec, tmp_path).call_checked(state)
    assert checked.total.shape == (8,)
    assert (checked.total.abs() <= 2.0).all()
    assert (checked.components["calm"] <= 0).all()
    assert (checked.components["shaped"] == 0).all()
