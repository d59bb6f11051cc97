"""An IsaacGymEnvs ``VecTask`` as a rewardsmith task, the way Eureka uses one.

A user writes one class: :attr:`IsaacGymTask.vec_task` (``"isaacgymenvs.tasks.cartpole:Cartpole"``),
the task's config (IsaacGymEnvs' ``cfg/task/<Task>.yaml`` as a dict), a spec
(:func:`~rewardsmith.tasks.adapters.simulator.simulator_spec`) whose state variables name task
attributes (``dof_pos``, ``root_states``), and the attribute that holds the task's success metric.

- Context: the class header, "Rest of the environment definition omitted." and the observation
  method, as in Eureka's ``envs/isaac/<task>_obs.py``; the task's own ``compute_reward`` never shows.
- Binding: a reward's parameters are task attributes by name, as Eureka calls
  ``compute_reward(self.dof_pos, self.dof_vel, ...)``; here they are read after each step.
- Variant: :func:`reward_replaced` subclasses the task so that its ``compute_reward`` keeps the reset
  and success code and moves the task's own reward to ``gt_rew_buf``, Eureka's name for the
  ground-truth reward it logs but does not train on; ``rew_buf`` stays zero, because the designed
  reward is computed by the trainer from the state.
- Fitness: the success attribute (``successes``, ``consecutive_successes``, ``progress_buf``) read at each
  step and folded over the episode (:data:`~rewardsmith.tasks.adapters.simulator.FitnessFold`).

IsaacGymEnvs resets lazily: an environment flagged in ``reset_buf`` is reset at the start of the next
step. The adapter resets it at once with the ``VecTask``'s own ``reset_done()`` and recomputes the
observations, so that the contract's same-step autoreset holds and the state read before it is the
one that ended the episode.
"""

from __future__ import annotations

import copy
import operator
from collections.abc import Mapping
from typing import Any, ClassVar

import torch

from rewardsmith.tasks.adapters.attributes import read_attributes
from rewardsmith.tasks.adapters.excerpt import class_excerpt
from rewardsmith.tasks.adapters.lazy import resolve_class
from rewardsmith.tasks.adapters.simulator import SimulatorTask, Transition

INSTALL_HINT = (
    "install Isaac Gym Preview 4 (python/ in NVIDIA's tarball, pip install -e .) and IsaacGymEnvs on a GPU "
    "worker, and import isaacgym before torch"
)
#: Observation methods Eureka keeps in its excerpts (``prune_env_isaac.py``), in the order it lists them.
OBSERVATION_METHODS = ("compute_observations", "_update_states", "compute_full_state")


def reward_replaced(vec_task_class: type) -> type:
    """A subclass of ``vec_task_class`` whose reward is replaced and whose reset and success code are kept.

    IsaacGymEnvs computes reward, resets and success in one ``compute_reward`` (Eureka's
    ``prune_env_isaac.py`` splits it into ``compute_success`` by rewriting its text). The subclass runs
    that method unchanged, so ``reset_buf`` and the success buffers are the task's own, then moves the
    task's reward to ``gt_rew_buf`` and logs its mean as ``extras['gt_reward']``, as Eureka does.
    """

    def compute_reward(self: Any, *args: Any) -> None:
        vec_task_class.compute_reward(self, *args)
        self.gt_rew_buf = self.rew_buf.clone()
        self.rew_buf.zero_()
        self.extras["gt_reward"] = self.gt_rew_buf.mean()

    return type(f"{vec_task_class.__name__}RewardReplaced", (vec_task_class,), {"compute_reward": compute_reward})


class IsaacGymTask(SimulatorTask):
    """A batch of one IsaacGymEnvs task, its reward replaced by the designed one.

    Subclasses set :attr:`vec_task`, :attr:`task_config`, :attr:`spec` and :attr:`success_attribute`.
    """

    one_per_process = True

    vec_task: ClassVar[str]
    """``"module:Class"`` of the ``VecTask`` subclass; imported when a task is made, never at import."""
    task_config: ClassVar[Mapping[str, Any]]
    """The task's config as IsaacGymEnvs' hydra gives it (``env``, ``sim``, ``physics_engine``, ...)."""
    success_attribute: ClassVar[str]
    """The task attribute (or dotted path) holding its success metric, per environment or one value for
    the batch (which then counts for every environment)."""
    state_paths: ClassVar[Mapping[str, str]] = {}
    """Attribute path per state variable where it is not the variable's own name."""
    observation_methods: ClassVar[tuple[str, ...]] = OBSERVATION_METHODS
    observation_helpers: ClassVar[tuple[str, ...]] = ()
    """Module-level functions the observation method calls (``compute_ant_observations``), shown too."""

    def open_simulator(self) -> None:
        variant = reward_replaced(self.vec_task_class())
        config = copy.deepcopy(dict(self.task_config))
        config["env"]["numEnvs"] = self.num_envs
        config["sim"]["use_gpu_pipeline"] = self.device.type == "cuda"
        self.vec = variant(
            cfg=config,
            rl_device=str(self.device),
            sim_device=str(self.device),
            graphics_device_id=-1,
            headless=True,
            virtual_screen_capture=False,
            force_render=False,
        )

    @classmethod
    def vec_task_class(cls) -> type:
        return resolve_class(cls.vec_task, INSTALL_HINT)

    @classmethod
    def designer_source(cls) -> str:
        """The ``VecTask`` cut down as Eureka shows it: header, "omitted", observation code; never its reward."""
        return class_excerpt(cls.vec_task_class(), cls.observation_methods, cls.observation_helpers)

    def simulator_reset(self, seed: int | None) -> torch.Tensor:
        if seed is not None:
            # IsaacGymEnvs tasks draw their initial states from torch's global generator (its set_seed).
            torch.manual_seed(seed)
        self.vec.reset_idx(torch.arange(self.num_envs, device=self.vec.device))
        self.vec.compute_observations()
        return self._observation()

    def simulator_step(self, action: torch.Tensor) -> Transition:
        _, _, reset, extras = self.vec.step(action)
        state = read_attributes(self.vec, self._own, self.state_paths, self.num_envs, self.state_dtype, self.device)
        success = self._success()
        final_observation = self._observation()
        done = reset.to(self.device) != 0
        truncated = extras["time_outs"].to(self.device).bool() & done
        if bool(done.any()):
            self.vec.reset_done()
            self.vec.compute_observations()
        return Transition(
            observation=self._observation(),
            final_observation=final_observation,
            state=state,
            terminated=done & ~truncated,
            truncated=truncated,
            success=success,
        )

    def _observation(self) -> torch.Tensor:
        observation = torch.clamp(self.vec.obs_buf, -self.vec.clip_obs, self.vec.clip_obs)
        return observation.to(device=self.device, dtype=torch.float32, copy=True)

    def _success(self) -> torch.Tensor:
        value = operator.attrgetter(self.success_attribute)(self.vec)
        tensor = torch.as_tensor(value, device=self.device, dtype=torch.float32).reshape(-1)
        # A batch-level metric (Eureka's consecutive_successes is one running value) counts for every env.
        return tensor.expand(self.num_envs).clone() if tensor.numel() == 1 else tensor.clone()
