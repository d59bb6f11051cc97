"""``PickCube-v1`` in ManiSkill3's shape (mani_skill/envs/tasks/tabletop/pick_cube.py): a cube to bring to a
goal; ``evaluate`` gives ``is_obj_placed``, ``is_grasped`` and ``success``; ``_get_obs_extra`` the tool
centre point, the goal and, in state modes, the cube's pose. Points stand in for SAPIEN actors."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import gymnasium as gym
import torch

from tests.tasks.adapters.fake_maniskill.base_env import BaseEnv, TimeLimitWrapper

STEP_SIZE = 0.05  # m per unit action
GRASP_DISTANCE = 0.02  # m


@dataclass
class Pose:
    p: torch.Tensor


@dataclass
class Actor:
    pose: Pose


@dataclass
class Agent:
    tcp: Actor


class PickCubeEnv(BaseEnv):
    goal_thresh = 0.025
    cube_half_size = 0.02
    action_size = 3

    def _load_scene(self, options: dict) -> None:
        zeros = torch.zeros((self.num_envs, 3), device=self.device)
        self.agent = Agent(tcp=Actor(Pose(zeros.clone())))
        self.cube = Actor(Pose(zeros.clone()))
        self.goal_site = Actor(Pose(zeros.clone()))

    def _initialize_episode(self, env_idx: torch.Tensor, options: dict) -> None:
        b = len(env_idx)
        xyz = torch.zeros((b, 3), device=self.device)
        xyz[:, :2] = torch.rand((b, 2), device=self.device) * 0.2 - 0.1
        xyz[:, 2] = self.cube_half_size
        self.cube.pose.p[env_idx] = xyz
        goal = torch.rand((b, 3), device=self.device) * 0.2 - 0.1
        goal[:, 2] = torch.rand(b, device=self.device) * 0.3 + xyz[:, 2]
        self.goal_site.pose.p[env_idx] = goal
        self.agent.tcp.pose.p[env_idx] = torch.tensor([0.0, 0.0, 0.2], device=self.device)

    def _step_action(self, action: torch.Tensor) -> torch.Tensor:
        action = action.to(self.device).clamp(-1.0, 1.0)
        grasped = self.evaluate()["is_grasped"]
        self.agent.tcp.pose.p += STEP_SIZE * action
        self.cube.pose.p[grasped] = self.agent.tcp.pose.p[grasped]
        return action

    def _get_obs_agent(self) -> dict[str, torch.Tensor]:
        return dict(qpos=self.agent.tcp.pose.p)

    def evaluate(self) -> dict:
        is_obj_placed = torch.linalg.norm(self.goal_site.pose.p - self.cube.pose.p, axis=1) <= self.goal_thresh
        is_grasped = torch.linalg.norm(self.agent.tcp.pose.p - self.cube.pose.p, axis=1) <= GRASP_DISTANCE
        return {"success": is_obj_placed & is_grasped, "is_obj_placed": is_obj_placed, "is_grasped": is_grasped}

    def _get_obs_extra(self, info: dict) -> dict[str, torch.Tensor]:
        obs = dict(
            is_grasped=info["is_grasped"],
            tcp_pose=self.agent.tcp.pose.p,
            goal_pos=self.goal_site.pose.p,
        )
        if "state" in self.obs_mode:
            obs.update(
                obj_pose=self.cube.pose.p,
                tcp_to_obj_pos=self.cube.pose.p - self.agent.tcp.pose.p,
                obj_to_goal_pos=self.goal_site.pose.p - self.cube.pose.p,
            )
        return obs

    def compute_dense_reward(self, obs: Any, action: torch.Tensor, info: dict) -> torch.Tensor:
        tcp_to_obj_dist = torch.linalg.norm(self.cube.pose.p - self.agent.tcp.pose.p, axis=1)
        reaching_reward = 1 - torch.tanh(5 * tcp_to_obj_dist)
        reward = reaching_reward
        is_grasped = info["is_grasped"]
        reward += is_grasped
        obj_to_goal_dist = torch.linalg.norm(self.goal_site.pose.p - self.cube.pose.p, axis=1)
        place_reward = 1 - torch.tanh(5 * obj_to_goal_dist)
        reward += place_reward * is_grasped
        reward[info["success"]] = 5
        return reward


def make(**kwargs: Any) -> gym.Env:
    return TimeLimitWrapper(PickCubeEnv(**kwargs), max_episode_steps=50)


gym.register("FakePickCube-v1", entry_point=make, disable_env_checker=True)
