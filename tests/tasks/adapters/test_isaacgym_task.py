"""The Isaac Gym adapter against a fake ``VecTask`` that follows IsaacGymEnvs' own (see fake_isaacgym)."""

from __future__ import annotations

import ast
import importlib.metadata
import inspect
from pathlib import Path

import torch

from rewardsmith.rewards.loader import load_reward
from rewardsmith.tasks import render_context
from rewardsmith.tasks.adapters import reward_replaced
from tests.tasks.adapters.fake_isaacgym import cartpole
from tests.tasks.adapters.fake_isaacgym import gym as fake_gym
from tests.tasks.adapters.fake_isaacgym.cartpole_task import CARTPOLE_CONFIG, FakeCartpole
from tests.tasks.adapters.stepping import run_until_done

# eureka-research/Eureka at 9eee428, eureka/envs/isaac/cartpole_obs.py, byte for byte.
EUREKA_CARTPOLE_OBS = '''class Cartpole(VecTask):
    """Rest of the environment definition omitted."""
    def compute_observations(self, env_ids=None):
        if env_ids is None:
            env_ids = np.arange(self.num_envs)

        self.gym.refresh_dof_state_tensor(self.sim)

        self.obs_buf[env_ids, 0] = self.dof_pos[env_ids, 0].squeeze()
        self.obs_buf[env_ids, 1] = self.dof_vel[env_ids, 0].squeeze()
        self.obs_buf[env_ids, 2] = self.dof_pos[env_ids, 1].squeeze()
        self.obs_buf[env_ids, 3] = self.dof_vel[env_ids, 1].squeeze()

        return self.obs_buf
'''

# Eureka's output style: a fenced block, @torch.jit.script, typing's generics, no imports.
EUREKA_STYLE_RESPONSE = """Here is the reward:
```python
@torch.jit.script
def compute_reward(
    dof_pos: torch.Tensor, dof_vel: torch.Tensor, reset_dist: float
) -> Tuple[torch.Tensor, Dict[str, torch.Tensor]]:
    upright_temperature = 2.0
    upright = torch.exp(-upright_temperature * dof_pos[:, 1] ** 2)
    centred = 1.0 - torch.abs(dof_pos[:, 0]) / reset_dist
    still = -0.01 * torch.abs(dof_vel[:, 1])
    return upright + centred + still, {"upright": upright, "centred": centred, "still": still}
```
"""


def _gymapi_stub_methods() -> dict[str, ast.FunctionDef]:
    stub = next(path for path in importlib.metadata.files("isaacgym-stubs") or () if path.name == "gymapi.pyi")
    source = Path(str(stub.locate())).read_text()
    # The stub file as a whole does not parse (a method named `lambda`); class Gym on its own does.
    start = source.index("\nclass Gym:")
    end = source.index("\nclass ", start + 1)
    gym = ast.parse(source[start:end]).body[0]
    assert isinstance(gym, ast.ClassDef)
    return {node.name: node for node in gym.body if isinstance(node, ast.FunctionDef)}


def test_the_fake_gym_has_gymapis_signatures() -> None:
    stubs = _gymapi_stub_methods()
    fakes = {name: member for name, member in vars(fake_gym.Gym).items() if inspect.isfunction(member)}
    assert len(fakes) >= 9
    for name, method in fakes.items():
        assert name in stubs, name
        stub = stubs[name]
        assert len(inspect.signature(method).parameters) == len(stub.args.args), name
        returns = ast.unparse(stub.returns) if stub.returns else "None"
        if returns in ("bool", "None"):
            assert inspect.signature(method).return_annotation == returns, name


def test_context_is_eurekas_excerpt_of_the_task() -> None:
    assert FakeCartpole.designer_source() == EUREKA_CARTPOLE_OBS


def _body_lines(path: str, names: set[str]) -> set[str]:
    source = Path(path).read_text()
    lines = source.splitlines()
    return {
        lines[number - 1].strip()
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.FunctionDef) and node.name in names
        for number in range(node.body[0].lineno, (node.end_lineno or 0) + 1)
        if len(lines[number - 1].strip()) > 3 and not lines[number - 1].strip().startswith("#")
    }


def test_the_tasks_own_reward_never_reaches_the_designer() -> None:
    context = render_context(FakeCartpole)
    hidden = _body_lines(cartpole.__file__, {"compute_reward", "compute_cartpole_reward", "reset_idx"})
    assert len(hidden) > 15
    assert not [line for line in hidden if line in context]
    assert "compute_cartpole_reward" not in context
    assert "rew_buf" not in context


def test_eureka_style_reward_loads_and_binds_to_task_attributes(tmp_path: Path) -> None:
    reward = load_reward(EUREKA_STYLE_RESPONSE, FakeCartpole.spec, tmp_path)
    task = FakeCartpole(num_envs=8, seed=0)
    task.reset()
    output = task.step(torch.zeros(8, 1))
    checked = reward.call_checked(output.state)
    expected_upright = torch.exp(-2.0 * task.vec.dof_pos[:, 1] ** 2)
    assert reward.parameters == ("dof_pos", "dof_vel", "reset_dist")
    torch.testing.assert_close(checked.components["upright"], expected_upright)
    torch.testing.assert_close(output.state["reset_dist"], torch.full((8,), 3.0))
    assert checked.total.shape == (8,)


def test_reference_reward_equals_the_tasks_own_reward(tmp_path: Path) -> None:
    reference = load_reward(FakeCartpole.spec.reference_reward_code or "", FakeCartpole.spec, tmp_path)
    task = FakeCartpole(num_envs=16, seed=3)
    task.reset()
    for _ in range(40):
        output = task.step(torch.rand(16, 1) * 2 - 1)
        total, _ = reference(output.state)
        # The variant keeps the task's reward as gt_rew_buf; the reference is written from the state.
        torch.testing.assert_close(total, task.vec.gt_rew_buf, atol=1e-5, rtol=1e-5)


def test_variant_replaces_the_reward_and_keeps_reset_and_success() -> None:
    config = {**CARTPOLE_CONFIG, "env": {**CARTPOLE_CONFIG["env"], "numEnvs": 6}}
    arguments = {"rl_device": "cpu", "sim_device": "cpu", "graphics_device_id": -1, "headless": True}
    flags = {"virtual_screen_capture": False, "force_render": False}
    actions = [torch.full((6, 1), 1.0 if step % 30 < 15 else -1.0) for step in range(80)]

    def run(task_class: type) -> list[tuple[torch.Tensor, ...]]:
        # Resets draw from torch's global generator, so each run gets the same draws.
        torch.manual_seed(0)
        env = task_class(cfg={**config, "env": dict(config["env"])}, **arguments, **flags)
        steps = []
        for action in actions:
            obs, reward, reset, _ = env.step(action)
            kept = getattr(env, "gt_rew_buf", reward)
            steps.append((obs["obs"].clone(), reward.clone(), reset.clone(), env.progress_buf.clone(), kept.clone()))
        return steps

    original, variant = run(cartpole.Cartpole), run(reward_replaced(cartpole.Cartpole))
    assert sum(int(reset.sum()) for _, _, reset, _, _ in original) > 0
    for (obs, reward, reset, progress, _), (v_obs, v_reward, v_reset, v_progress, v_kept) in zip(
        original, variant, strict=True
    ):
        torch.testing.assert_close(v_obs, obs)
        torch.testing.assert_close(v_reset, reset)
        torch.testing.assert_close(v_progress, progress)
        torch.testing.assert_close(v_kept, reward)
        assert not v_reward.any()


def test_state_is_the_one_that_ended_the_episode_and_the_observation_the_next_ones() -> None:
    task = FakeCartpole(num_envs=4, seed=1)
    task.reset()
    output = run_until_done(task)
    done = output.done
    fell = (output.state["dof_pos"][:, 1].abs() > torch.pi / 2) | (output.state["dof_pos"][:, 0].abs() > 3.0)
    assert torch.equal(fell, done)
    assert output.terminated[done].all() and not output.truncated.any()
    torch.testing.assert_close(output.final_observation[:, [0, 2]], output.state["dof_pos"].clamp(-5, 5))
    # Same-step autoreset: the ended environments already observe their next episode's start.
    assert (output.observation[done][:, [0, 2]].abs() <= 0.1).all()
    assert torch.equal(output.observation[~done], output.final_observation[~done])
    assert (task.vec.progress_buf[done] == 0).all()


def test_fitness_is_the_tasks_success_metric_per_episode() -> None:
    task = FakeCartpole(num_envs=4, seed=2)
    task.reset()
    output = run_until_done(task)
    # Eureka's cartpole success (consecutive_successes) is the mean progress_buf of the ending episodes.
    assert torch.equal(output.episode_fitness[output.done], output.state["progress_buf"][output.done].float())
    assert torch.equal(output.episode_fitness[output.done], output.episode_length[output.done].float())
    assert output.episode_fitness[~output.done].isnan().all()
