"""A manager-based cart-pole config in the shape of isaaclab_tasks/manager_based/classic/cartpole/
cartpole_env_cfg.py: observation, reward and termination terms built from ``mdp`` functions."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from tests.tasks.adapters.fake_isaaclab.managers import ObservationTermCfg as ObsTerm
from tests.tasks.adapters.fake_isaaclab.managers import RewardTermCfg as RewTerm
from tests.tasks.adapters.fake_isaaclab.managers import TerminationTermCfg as DoneTerm
from tests.tasks.adapters.fake_isaaclab.sim import InteractiveSceneCfg, SimulationCfg


def joint_pos_rel(env) -> torch.Tensor:
    return env.robot.data.joint_pos - env.robot.data.default_joint_pos


def joint_vel_rel(env) -> torch.Tensor:
    return env.robot.data.joint_vel - env.robot.data.default_joint_vel


def is_alive(env) -> torch.Tensor:
    return (~env.termination_manager.terminated).float()


def joint_pos_target_l2(env, target: float) -> torch.Tensor:
    return torch.square(env.robot.data.joint_pos[:, 1] - target)


def time_out(env) -> torch.Tensor:
    return env.episode_length_buf >= env.max_episode_length


def joint_pos_out_of_manual_limit(env, bounds: tuple[float, float]) -> torch.Tensor:
    position = env.robot.data.joint_pos[:, 0]
    return (position < bounds[0]) | (position > bounds[1])


def pole_fell(env) -> torch.Tensor:
    return env.robot.data.joint_pos[:, 1].abs() > math.pi / 2


@dataclass
class ObservationsCfg:
    """Observation specifications for the MDP."""

    @dataclass
    class PolicyCfg:
        """Observations for policy group."""

        joint_pos_rel: ObsTerm = field(default_factory=lambda: ObsTerm(func=joint_pos_rel))
        joint_vel_rel: ObsTerm = field(default_factory=lambda: ObsTerm(func=joint_vel_rel))

    policy: PolicyCfg = field(default_factory=PolicyCfg)


@dataclass
class RewardsCfg:
    """Reward terms for the MDP."""

    alive: RewTerm = field(default_factory=lambda: RewTerm(func=is_alive, weight=1.0))
    pole_pos: RewTerm = field(
        default_factory=lambda: RewTerm(func=joint_pos_target_l2, weight=-1.0, params={"target": 0.0})
    )


@dataclass
class TerminationsCfg:
    """Termination terms for the MDP."""

    time_out: DoneTerm = field(default_factory=lambda: DoneTerm(func=time_out, time_out=True))
    cart_out_of_bounds: DoneTerm = field(
        default_factory=lambda: DoneTerm(func=joint_pos_out_of_manual_limit, params={"bounds": (-3.0, 3.0)})
    )
    pole_fell: DoneTerm = field(default_factory=lambda: DoneTerm(func=pole_fell))


@dataclass
class CartpoleEnvCfg:
    scene: InteractiveSceneCfg = field(default_factory=lambda: InteractiveSceneCfg(num_envs=4096))
    sim: SimulationCfg = field(default_factory=lambda: SimulationCfg(dt=1 / 120))
    observations: ObservationsCfg = field(default_factory=ObservationsCfg)
    rewards: RewardsCfg = field(default_factory=RewardsCfg)
    terminations: TerminationsCfg = field(default_factory=TerminationsCfg)
    decimation: int = 2
    episode_length_s: float = 5.0
    action_scale: float = 10.0
    seed: int | None = None
