"""Training throughput, measured side by side in one run; writes its section of BENCHMARKS.md.

Three comparisons, each a ratio of medians over interleaved repeats (the machine is shared):

1. rewardsmith's training path (reward bound by name, every component logged per episode,
   deterministic checkpoint evaluations) against plain skrl (its stock ``SequentialTrainer`` on the
   same batched env, reward computed inside the env) with the same networks and PPO settings;
2. rewardsmith on the built-in cartpole against stable-baselines3 PPO on gymnasium CartPole-v1;
3. raw env-steps/s of every built-in task at 4096 envs under random actions.

Run: ``.venv/bin/python bench/train_throughput.py [--repeats N] [--steps S]``.
"""

from __future__ import annotations

import argparse
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import gymnasium
import torch
from markdown_table import write_section
from skrl.agents.torch.ppo import PPO
from skrl.envs.wrappers.torch import Wrapper
from skrl.trainers.torch import SequentialTrainer

from rewardsmith.rewards import load_reward
from rewardsmith.tasks import BatchedTask, load_task, task_names
from rewardsmith.training import TrainConfig, train
from rewardsmith.training.ppo import make_agent
from rewardsmith.training.spaces import action_space, observation_space

# The reward plain skrl's env computes (+1 per step), as a reward file: the comparison is then only
# of the training paths.
ALIVE_REWARD = """
import torch

def compute_reward(episode_step: torch.Tensor) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
    alive = torch.ones_like(episode_step, dtype=torch.float32)
    return alive, {"alive": alive}
"""

BENCHMARKS = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"
START, END = "<!-- train_throughput:start -->", "<!-- train_throughput:end -->"


class PlainSkrlEnv(Wrapper):
    """The smallest skrl wrapper of a batched task, with the reward (+1 per step) inside the env."""

    def __init__(self, task: BatchedTask) -> None:
        super().__init__(task)
        self._observation_space = observation_space(task.spec)
        self._action_space = action_space(task.spec)

    @property
    def observation_space(self) -> gymnasium.Space:
        return self._observation_space

    @property
    def action_space(self) -> gymnasium.Space:
        return self._action_space

    def reset(self) -> tuple[torch.Tensor, dict[str, Any]]:
        return self._env.reset(), {}

    def step(self, actions: torch.Tensor) -> tuple[torch.Tensor, ...]:
        output = self._env.step(actions)
        reward = torch.ones(self._env.num_envs, 1, device=self._env.device)
        return output.observation, reward, output.terminated.unsqueeze(-1), output.truncated.unsqueeze(-1), {}

    def state(self) -> None:
        return None

    def render(self, *args: Any, **kwargs: Any) -> None:
        return None

    def close(self) -> None:
        return None


def run_plain_skrl(config: TrainConfig) -> float:
    task_class = load_task("cartpole")
    config = config.with_hints(task_class.spec.ppo)
    torch.manual_seed(config.seed)
    env = PlainSkrlEnv(task_class(num_envs=config.num_envs, seed=config.seed))
    timesteps = config.steps // config.num_envs
    agent: PPO = make_agent(task_class, config, torch.device("cpu"), updates=timesteps // config.rollouts)
    trainer = SequentialTrainer(
        env=env,
        agents=agent,
        cfg={"timesteps": timesteps, "headless": True, "disable_progressbar": True, "close_environment_at_exit": False},
    )
    start = time.perf_counter()
    trainer.train()
    return timesteps * config.num_envs / (time.perf_counter() - start)


def run_rewardsmith(config: TrainConfig, reward_name: str) -> tuple[float, float]:
    """Env-steps/s of ``train()``: end to end, and with the checkpoint evaluations' time left out."""
    task_class = load_task("cartpole")
    spec = task_class.spec
    code = ALIVE_REWARD if reward_name == "alive" else spec.reference_reward_code
    with tempfile.TemporaryDirectory() as tmp:
        reward = load_reward(code, spec, workdir=Path(tmp))
        start = time.perf_counter()
        result = train(task_class, reward, config, out_dir=Path(tmp) / "run")
        wall = time.perf_counter() - start
        return result.steps / wall, result.steps / (wall - result.eval_time_s)


def run_sb3(steps: int, num_envs: int) -> float:
    from stable_baselines3 import PPO as SB3PPO
    from stable_baselines3.common.env_util import make_vec_env

    env = make_vec_env("CartPole-v1", n_envs=num_envs, seed=0)
    model = SB3PPO("MlpPolicy", env, device="cpu", seed=0, verbose=0)
    start = time.perf_counter()
    model.learn(total_timesteps=steps)
    return steps / (time.perf_counter() - start)


def raw_env_steps_per_second(name: str, num_envs: int = 4096, steps: int = 200) -> float:
    task_class = load_task(name)
    task = task_class(num_envs=num_envs, seed=0)
    task.reset()
    space = task_class.spec.action_space
    generator = torch.Generator().manual_seed(0)
    if space.kind == "box":
        actions = [
            torch.rand((num_envs, *space.shape), generator=generator) * (space.high - space.low) + space.low
            for _ in range(8)
        ]
    else:
        actions = [torch.randint(0, space.n, (num_envs,), generator=generator) for _ in range(8)]
    start = time.perf_counter()
    for i in range(steps):
        task.step(actions[i % 8])
    return num_envs * steps / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5, help="Interleaved repeats of each training run.")
    parser.add_argument("--steps", type=int, default=200_000, help="Env steps per training run (cartpole's budget).")
    parser.add_argument("--sb3-steps", type=int, default=32_768, help="Env steps per stable-baselines3 run.")
    args = parser.parse_args()

    config = TrainConfig(steps=args.steps, seed=0, device="cpu")
    samples: dict[str, list[float]] = {key: [] for key in ("plain", "ours", "ours_loop", "ours_reference", "sb3")}
    for repeat in range(args.repeats):
        samples["plain"].append(run_plain_skrl(config))
        end_to_end, loop_only = run_rewardsmith(config, "alive")
        samples["ours"].append(end_to_end)
        samples["ours_loop"].append(loop_only)
        samples["ours_reference"].append(run_rewardsmith(config, "reference")[0])
        samples["sb3"].append(run_sb3(args.sb3_steps, num_envs=8))
        print(f"repeat {repeat + 1}/{args.repeats}: " + ", ".join(f"{k} {v[-1]:,.0f}" for k, v in samples.items()))
    median = {key: statistics.median(values) for key, values in samples.items()}
    raw = {name: statistics.median(raw_env_steps_per_second(name) for _ in range(3)) for name in task_names()}

    hints = load_task("cartpole").spec.ppo
    lines = [
        "## Training throughput (`bench/train_throughput.py`)",
        "",
        f"Measured {time.strftime('%Y-%m-%d')} on {platform.processor() or platform.machine()}, "
        f"{torch.get_num_threads()} torch threads, CPU only; medians of {args.repeats} interleaved repeats. "
        f"Cartpole PPO: {hints.num_envs} envs, {hints.rollouts} rollouts, {hints.learning_epochs} epochs × "
        f"{hints.mini_batches} mini-batches, {args.steps:,} env steps per run.",
        "",
        "| comparison | env-steps/s | ratio |",
        "|---|---|---|",
        f"| plain skrl `SequentialTrainer`, reward inside the env | {median['plain']:,.0f} | 1.00 |",
        f"| rewardsmith training loop (reward bound by name, components logged), evaluations left out | "
        f"{median['ours_loop']:,.0f} | **{median['ours_loop'] / median['plain']:.2f}×** of plain skrl |",
        f"| rewardsmith `train()` end to end, with its {config.checkpoints} checkpoint evaluations | "
        f"{median['ours']:,.0f} | {median['ours'] / median['plain']:.2f}× of plain skrl |",
        f"| the same with the 4-component reference reward | {median['ours_reference']:,.0f} | "
        f"{median['ours_reference'] / median['plain']:.2f}× of plain skrl |",
        f"| stable-baselines3 PPO, gymnasium CartPole-v1, 8 envs, defaults ({args.sb3_steps:,} steps) | "
        f"{median['sb3']:,.0f} | rewardsmith end to end is **{median['ours'] / median['sb3']:.1f}×** faster |",
        "",
        "All rewardsmith rows use plain skrl's +1-per-step reward, loaded from a reward file, except the "
        "reference row. Each checkpoint evaluation runs 32 deterministic episodes to their end (500 steps "
        "each once cartpole is solved) and records two of them whole; plain skrl evaluates nothing.",
        "",
        "Raw env-steps/s at 4096 envs, random actions, no policy (median of 3):",
        "",
        "| task | env-steps/s |",
        "|---|---|",
        *(f"| {name} | {value / 1e6:.2f} M |" for name, value in raw.items()),
    ]
    print(write_section(BENCHMARKS, START, END, lines))


if __name__ == "__main__":
    main()
