"""PPO on a batched task with an injected reward, through skrl.

The task never sees the designed reward: this loop steps the task, calls the reward on the
post-transition state, and hands the result to skrl's PPO agent. It reads top to bottom like a
CleanRL script, in labelled phases:

1. set-up: task, networks, memory, agent;
2. rollout: act, step, reward, record the transition, accumulate per-episode statistics;
3. update: skrl's PPO update every ``rollouts`` steps (GAE, clipped surrogate, value loss);
4. checkpoint: about ten times a run, a deterministic evaluation of task fitness, with a few whole
   episodes saved for the trajectory analyzer.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import torch
from skrl.agents.torch.ppo import PPO, PPO_CFG
from skrl.memories.torch import RandomMemory
from skrl.resources.preprocessors.torch import RunningStandardScaler
from skrl.utils import set_seed

from rewardsmith.tasks.instances import make_task
from rewardsmith.tasks.protocol import Task
from rewardsmith.tasks.spec import BoxSpace
from rewardsmith.training.config import TrainConfig
from rewardsmith.training.evaluate import evaluate
from rewardsmith.training.models import CategoricalPolicy, GaussianPolicy, ValueNetwork
from rewardsmith.training.result import Checkpoint, ComponentStats, TrainingResult
from rewardsmith.training.rewards import RewardFn, TrainingError, call_reward
from rewardsmith.training.spaces import action_space, observation_space

ProgressFn = Callable[[int, int], None]
"""Called as ``progress(steps_done, steps_total)`` after every update."""

EVAL_SEED_OFFSET = 1_000_003
#: Key prefixes in a saved policy file (policy_best.pt).
POLICY_PREFIX = "policy."
NORMALISER_PREFIX = "observation_preprocessor."


def train(
    task_class: type[Task],
    reward: RewardFn,
    config: TrainConfig | None = None,
    out_dir: Path | None = None,
    reward_sha256: str | None = None,
    progress: ProgressFn | None = None,
) -> TrainingResult:
    """Train a PPO policy on ``task_class`` with ``reward`` and evaluate it at checkpoints.

    Args:
        task_class: The task to train on.
        reward: Maps a step's state dict to ``(total [N], {component: [N]})``.
        config: Run settings; unset fields take the task's PPO hints.
        out_dir: Where recorded episodes, the best policy and ``training.json`` go; nothing is
            written when ``None``.
        reward_sha256: Hash of the reward source, stored in the result for the record.
        progress: Optional callback after every PPO update.

    Returns:
        The curves, component statistics and fitness of the run.

    Raises:
        TrainingError: The reward raised, broke the contract, or returned non-finite values.
    """
    config = (config or TrainConfig()).with_hints(task_class.spec.ppo)
    spec = task_class.spec
    device = config.torch_device()
    dtype = torch.float64 if config.dtype == "float64" else torch.float32
    assert config.num_envs and config.rollouts and config.steps  # filled by with_hints
    num_envs, rollouts = config.num_envs, config.rollouts

    # ---- set-up ------------------------------------------------------------------------------
    set_seed(config.seed)
    task = make_task(task_class, num_envs=num_envs, device=device, seed=config.seed, dtype=dtype)
    # A simulator allowed one instance per process evaluates on its training batch, all of it, then restarts it.
    shared = task_class.one_per_process
    eval_task = (
        task if shared else task_class(num_envs=config.eval_episodes, device=device, seed=config.seed, dtype=dtype)
    )
    steps_per_update = num_envs * rollouts
    updates = config.planned_steps() // steps_per_update
    agent = make_agent(task_class, config, device, updates)
    discrete = not isinstance(spec.action_space, BoxSpace)
    checkpoint_after = sorted(
        {max(1, round(updates * (i + 1) / config.checkpoints)) for i in range(config.checkpoints)}
    )

    episode_sums: dict[str, torch.Tensor] = {}
    window = _EpisodeWindow(device)
    return_so_far = torch.zeros(num_envs, device=device)
    reward_checksum = torch.zeros((), device=device)
    checkpoints: list[Checkpoint] = []
    best_state: dict[str, torch.Tensor] | None = None
    best_fitness = -math.inf
    if out_dir is not None:
        out_dir.mkdir(parents=True, exist_ok=True)

    observation = task.reset()
    eval_time = 0.0
    start = time.perf_counter()
    step = 0
    total_steps = updates * rollouts
    for timestep in range(total_steps):
        # ---- rollout ---------------------------------------------------------------------
        with torch.no_grad():
            actions, _ = agent.act(observation, None, timestep=timestep, timesteps=total_steps)
            output = task.step(actions)
            total, components = call_reward(reward, output.state, num_envs, step)
            # One reduction per step; NaN and inf survive a sum, so checking it once per rollout suffices.
            reward_checksum += total.sum()
            agent.record_transition(
                observations=observation,
                states=None,
                actions=actions,
                rewards=total.unsqueeze(-1),
                # The pre-reset observation: skrl bootstraps truncated episodes and the rollout's
                # last step from the value of this observation.
                next_observations=output.final_observation,
                next_states=None,
                terminated=output.terminated.unsqueeze(-1),
                truncated=output.truncated.unsqueeze(-1),
                infos={},
                timestep=timestep,
                timesteps=total_steps,
            )
            return_so_far += total
            for name, value in components.items():
                reward_checksum += value.sum()
                if name in episode_sums:
                    episode_sums[name] += value
                else:
                    episode_sums[name] = value.clone()
            if task.any_done:
                window.add(output.done, return_so_far, output.episode_length, output.episode_fitness, episode_sums)
                return_so_far.masked_fill_(output.done, 0.0)
                for value in episode_sums.values():
                    value.masked_fill_(output.done, 0.0)
        observation = output.observation
        step += num_envs

        # ---- update ----------------------------------------------------------------------
        if (timestep + 1) % rollouts == 0 and not bool(torch.isfinite(reward_checksum)):
            raise TrainingError(
                "non_finite_reward",
                f"the reward returned NaN or inf before training step {step}; "
                "guard divisions, logs and exponentials so every state gives a finite reward",
                step=step,
            )
        agent.post_interaction(timestep=timestep, timesteps=total_steps)
        if (timestep + 1) % rollouts:
            continue
        update = (timestep + 1) // rollouts
        if progress is not None:
            progress(step, updates * steps_per_update)

        # ---- checkpoint ------------------------------------------------------------------
        if update not in checkpoint_after:
            continue
        index = len(checkpoints)
        episode_file = (
            f"episodes/checkpoint_{index:02d}.npz" if out_dir is not None and config.record_episodes else None
        )
        eval_start = time.perf_counter()
        evaluation = evaluate(
            eval_task,
            deterministic_policy(agent, discrete),
            reward,
            seed=config.seed + EVAL_SEED_OFFSET,
            record=config.record_episodes if episode_file else 0,
            record_path=out_dir / episode_file if out_dir is not None and episode_file else None,
        )
        eval_time += time.perf_counter() - eval_start
        if shared:
            # The evaluation ended every training episode; the next rollout starts fresh ones.
            task.reseed(config.seed + update)
            observation = task.reset()
            return_so_far.zero_()
            for value in episode_sums.values():
                value.zero_()
        checkpoints.append(
            window.checkpoint(
                index=index,
                step=step,
                wall_time_s=time.perf_counter() - start,
                eval_fitness=evaluation.fitness,
                eval_length=evaluation.episode_length,
                eval_return=evaluation.designed_return,
                eval_components={name: float(np.mean(sums)) for name, sums in evaluation.components.items()},
                episode_file=episode_file,
            )
        )
        if evaluation.mean_fitness > best_fitness:
            best_fitness = evaluation.mean_fitness
            best_state = policy_state(agent)

    wall = time.perf_counter() - start
    best = max(range(len(checkpoints)), key=lambda i: checkpoints[i].eval_fitness)
    policy_file = None
    if out_dir is not None and best_state is not None:
        policy_file = "policy_best.pt"
        torch.save(best_state, out_dir / policy_file)
    result = TrainingResult(
        task=spec.name,
        reward_sha256=reward_sha256,
        seed=config.seed,
        device=str(device),
        num_envs=num_envs,
        steps=step,
        wall_time_s=wall,
        env_steps_per_second=step / wall if wall > 0 else 0.0,
        eval_time_s=eval_time,
        checkpoints=checkpoints,
        component_stats=_component_stats(checkpoints),
        fitness=checkpoints[best].eval_fitness,
        final_fitness=checkpoints[-1].eval_fitness,
        best_checkpoint=best,
        solved=checkpoints[best].eval_fitness >= spec.fitness.solved_threshold,
        policy_file=policy_file,
    )
    if out_dir is not None:
        (out_dir / "training.json").write_text(result.model_dump_json(indent=2))
    return result


def make_agent(task_class: type[Task], config: TrainConfig, device: torch.device, updates: int) -> PPO:
    """skrl PPO with this project's networks and settings for ``task_class``; ``config`` must be resolved."""
    spec = task_class.spec
    obs_space, act_space = observation_space(spec), action_space(spec)
    hidden = config.hidden_sizes or (64, 64)
    if isinstance(spec.action_space, BoxSpace):
        policy = GaussianPolicy(obs_space, act_space, device, hidden, config.initial_log_std or 0.0)
    else:
        policy = CategoricalPolicy(obs_space, act_space, device, hidden)
    value = ValueNetwork(obs_space, act_space, device, hidden)
    memory = RandomMemory(memory_size=config.rollouts, num_envs=config.num_envs, device=device)
    cfg = PPO_CFG(
        rollouts=config.rollouts,
        learning_epochs=config.learning_epochs,
        mini_batches=config.mini_batches,
        discount_factor=config.discount_factor,
        gae_lambda=config.gae_lambda,
        learning_rate=config.learning_rate,
        # Linear annealing, as in CleanRL's PPO: at a fixed rate, long runs can undo a solved
        # policy late in training. skrl steps the scheduler once per update.
        learning_rate_scheduler=torch.optim.lr_scheduler.LinearLR if config.anneal_learning_rate else None,
        learning_rate_scheduler_kwargs={"start_factor": 1.0, "end_factor": 0.05, "total_iters": updates},
        entropy_loss_scale=config.entropy_loss_scale,
        grad_norm_clip=0.5,
        ratio_clip=0.2,
        value_clip=0.2,
        value_loss_scale=1.0,
        time_limit_bootstrap=True,
        observation_preprocessor=RunningStandardScaler,
        observation_preprocessor_kwargs={"size": obs_space, "device": device},
        value_preprocessor=RunningStandardScaler,
        value_preprocessor_kwargs={"size": 1, "device": device},
    )
    # skrl's own TensorBoard writer and checkpoint files are off: metrics travel as data here.
    cfg.experiment.write_interval = 0
    cfg.experiment.checkpoint_interval = 0
    agent = PPO(
        models={"policy": policy, "value": value},
        memory=memory,
        observation_space=obs_space,
        action_space=act_space,
        device=device,
        cfg=cfg,
    )
    agent.init()
    agent.enable_training_mode(True)
    return agent


def policy_state(agent: PPO) -> dict[str, torch.Tensor]:
    """What acting needs, as one flat dict of tensors: the policy network and the observation normaliser.

    The normaliser's running statistics change with training, so the network alone would act
    differently from the policy that was evaluated.
    """
    state = {f"{POLICY_PREFIX}{k}": v.detach().clone() for k, v in agent.policy.state_dict().items()}
    normalise = agent.checkpoint_modules.get("observation_preprocessor")
    if normalise is not None:
        state.update({f"{NORMALISER_PREFIX}{k}": v.detach().clone() for k, v in normalise.state_dict().items()})
    return state


def load_policy_state(agent: PPO, state: dict[str, torch.Tensor]) -> None:
    """Load what :func:`policy_state` saved into ``agent`` (made by :func:`make_agent` for the same task)."""
    agent.policy.load_state_dict({k[len(POLICY_PREFIX) :]: v for k, v in state.items() if k.startswith(POLICY_PREFIX)})
    normalise = agent.checkpoint_modules.get("observation_preprocessor")
    normaliser = {k[len(NORMALISER_PREFIX) :]: v for k, v in state.items() if k.startswith(NORMALISER_PREFIX)}
    if normalise is not None:
        normalise.load_state_dict(normaliser)


def deterministic_policy(agent: PPO, discrete: bool) -> Callable[[torch.Tensor], torch.Tensor]:
    # The network alone, behind the same observation normaliser as in training: skrl's act() would
    # also build a distribution and sample from it, which costs more than the network on small batches.
    normalise = agent.checkpoint_modules.get("observation_preprocessor")
    network = agent.policy

    def act(observation: torch.Tensor) -> torch.Tensor:
        inputs = {"observations": normalise(observation) if normalise is not None else observation}
        output, _ = network.compute(inputs, role="policy")
        return output.argmax(dim=-1) if discrete else output

    return act


class _EpisodeWindow:
    """Sums over training episodes that end between two checkpoints, kept on the device."""

    def __init__(self, device: torch.device) -> None:
        self.device = device
        self._reset()

    def _reset(self) -> None:
        zero = torch.zeros((), device=self.device)
        self.count = zero.clone()
        self.returns = zero.clone()
        self.lengths = zero.clone()
        self.fitness = zero.clone()
        self.components: dict[str, torch.Tensor] = {}

    def add(
        self,
        done: torch.Tensor,
        returns: torch.Tensor,
        lengths: torch.Tensor,
        fitness: torch.Tensor,
        components: dict[str, torch.Tensor],
    ) -> None:
        weight = done.to(torch.float32)
        self.count += weight.sum()
        self.returns += (returns * weight).sum()
        self.lengths += (lengths.to(torch.float32) * weight).sum()
        self.fitness += torch.nan_to_num(fitness, nan=0.0).mul(weight).sum()
        for name, value in components.items():
            self.components[name] = (
                self.components.get(name, torch.zeros((), device=self.device)) + (value * weight).sum()
            )

    def checkpoint(
        self,
        index: int,
        step: int,
        wall_time_s: float,
        eval_fitness: list[float],
        eval_length: list[int],
        eval_return: list[float],
        eval_components: dict[str, float],
        episode_file: str | None,
    ) -> Checkpoint:
        count = int(self.count)

        def mean(total: torch.Tensor) -> float | None:
            return float(total) / count if count else None

        record = Checkpoint(
            index=index,
            step=step,
            wall_time_s=wall_time_s,
            eval_fitness=float(np.mean(eval_fitness)),
            eval_fitness_std=float(np.std(eval_fitness)),
            eval_episode_length=float(np.mean(eval_length)),
            eval_return=float(np.mean(eval_return)),
            train_episodes=count,
            train_return=mean(self.returns),
            train_episode_length=mean(self.lengths),
            train_fitness=mean(self.fitness),
            components={name: float(total) / count for name, total in self.components.items()} if count else {},
            eval_components=eval_components,
            episode_file=episode_file,
        )
        self._reset()
        return record


def _component_stats(checkpoints: list[Checkpoint]) -> dict[str, ComponentStats]:
    names = sorted({name for checkpoint in checkpoints for name in checkpoint.components})
    stats = {}
    for name in names:
        values = [checkpoint.components.get(name) for checkpoint in checkpoints]
        present = [(i, v) for i, v in enumerate(values) if v is not None]
        xs = np.array([i for i, _ in present], dtype=float)
        ys = np.array([v for _, v in present], dtype=float)
        trend = float(np.polyfit(xs, ys, 1)[0]) if len(present) >= 2 else 0.0
        stats[name] = ComponentStats(
            values=values, max=float(ys.max()), mean=float(ys.mean()), min=float(ys.min()), trend=trend
        )
    return stats
