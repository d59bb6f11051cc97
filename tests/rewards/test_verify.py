"""verify_reward: the summary of a good reward, and the failures only calling it on real states reveals."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from rewardsmith.rewards import RewardFunction, VerifyResult, check_output, load_reward, verify_reward
from rewardsmith.rewards.errors import NonFiniteError, WrongDeviceError, WrongReturnTypeError
from rewardsmith.tasks import BatchedTask, StateVariable
from tests.rewards import responses as r

Load = Callable[[str], RewardFunction]


def _fn(signature: str, *body: str) -> str:
    lines = "\n".join(f"    {line}" for line in body)
    return f"import torch\n\ndef compute_reward({signature}):\n{lines}\n"


def _verify(
    reward: RewardFunction,
    task: type[BatchedTask],
    *,
    steps: int = 30,
    seed: int = 0,
    max_ms_per_call: float = 5.0,
) -> VerifyResult:
    return verify_reward(reward, task, num_envs=64, steps=steps, seed=seed, max_ms_per_call=max_ms_per_call)


def test_reference_reward_passes_with_a_full_summary(load: Load, cartpole: type[BatchedTask]) -> None:
    result = verify_reward(load(cartpole.spec.reference_reward_code), cartpole, num_envs=64, steps=100)
    assert result.ok, result.error
    assert result.error is None
    assert result.components == ("alive", "upright", "centred", "calm")
    assert result.calls == 100
    assert result.states_sampled == 6400
    # Random play topples the pole within ~20 steps, so terminal states are well represented.
    assert result.terminal_states > 100
    upright = result.component_stats["upright"]
    assert 0.0 <= upright.min < upright.mean < upright.max <= 0.5
    assert upright.std > 0
    assert result.total_stats is not None
    assert result.total_stats.mean == pytest.approx(
        sum(stats.mean for stats in result.component_stats.values()), rel=1e-6
    )
    assert result.ms_per_call is not None and 0 < result.ms_per_call < result.max_ms_per_call
    assert result.warnings == (
        "Component 'alive' was constant (1) on all 6400 states from random play. Fine for an alive bonus or "
        "a rare success bonus; a shaping term that never varies gives no signal.",
    )


def test_result_is_deterministic_in_the_seed(load: Load, cartpole: type[BatchedTask]) -> None:
    reward = load(r.EUREKA)
    first, second = _verify(reward, cartpole, seed=3), _verify(reward, cartpole, seed=3)
    assert first.component_stats == second.component_stats
    assert first.terminal_states == second.terminal_states


def test_result_round_trips_through_json(load: Load, cartpole: type[BatchedTask]) -> None:
    result = _verify(load(r.EUREKA), cartpole)
    assert VerifyResult.model_validate_json(result.model_dump_json()) == result
    failed = _verify(load(_fn("pole_angle", "return pole_angle.abs()")), cartpole)
    assert VerifyResult.model_validate_json(failed.model_dump_json()) == failed


def test_a_failure_reports_how_far_it_got(load: Load, cartpole: type[BatchedTask]) -> None:
    result = _verify(load(_fn("pole_angle", "return pole_angle.abs()")), cartpole)
    assert not result.ok
    assert result.error is not None and result.error.kind == "wrong_return_type"
    assert result.calls == 1
    assert result.component_stats == {}
    assert result.total_stats is None


def test_large_magnitudes_are_warned_about(load: Load, cartpole: type[BatchedTask]) -> None:
    reward = load(_fn("pole_angle", "big = 1e5 * pole_angle.abs()", "return big, {'big': big}"))
    result = _verify(reward, cartpole)
    assert result.ok
    assert any("Component 'big' reaches" in warning and "rescale" in warning for warning in result.warnings)


def test_no_components_is_warned_about(load: Load, cartpole: type[BatchedTask]) -> None:
    result = _verify(load(_fn("pole_angle", "return -pole_angle.abs(), {}")), cartpole)
    assert result.ok
    assert result.components == ()
    assert any("No components" in warning for warning in result.warnings)


@pytest.mark.parametrize(
    ("body", "kind", "fragments"),
    [
        (("r = -pole_angle.abs()", "return r, [r]"), "wrong_return_type", ("components) is a list", "dict")),
        (("r = -pole_angle.abs()", "return r, {'r': 1.0}"), "wrong_return_type", ("'r' is a float",)),
        (("r = -pole_angle.abs()", "return (r, {'r': r}, r)"), "wrong_return_type", ("tuple of 3 items",)),
        (("return pole_angle.abs().sum(), {}",), "wrong_shape", ("shape []", "scalar")),
        (("r = (pole_angle.abs() < 0.1)", "return r, {'r': r}"), "wrong_dtype", ("torch.bool",)),
        (
            ("inv = 1.0 / (cart_position - cart_position)", "return inv, {'inv': inv}"),
            "non_finite",
            ("Component 'inv'", "64 of 64 envs", "inf in 64"),
        ),
        (
            ("scale = 1.0 / (len([pole_angle]) - 1)", "return scale * pole_angle, {}"),
            "runtime_error",
            ("ZeroDivisionError: float division by zero", "line 4 | scale = 1.0 / (len([pole_angle]) - 1)"),
        ),
        (
            ("r = pole_angle + torch.zeros(3)", "return r, {}"),
            "runtime_error",
            ("RuntimeError: The size of tensor a (64) must match", "line 4 |", "pole_angle float32[64]"),
        ),
        (
            ("return shaped(pole_angle), {}",),
            "runtime_error",
            ("NameError: name 'shaped' is not defined", "same code block"),
        ),
        (
            (
                "extra = {'late': pole_angle} if bool(episode_step.max() > 2) else {}",
                "return pole_angle + 1, extra",
            ),
            "wrong_return_type",
            ("component names changed", "same components on every call"),
        ),
        (("pole_angle[0] = 0.0", "return pole_angle.clone(), {}"), "mutates_state", ("'pole_angle'",)),
    ],
    ids=[
        "tuple-with-list",
        "component-float",
        "three-items",
        "scalar",
        "bool",
        "inf",
        "zero-division",
        "torch-shape-mismatch",
        "undefined-helper",
        "changing-components",
        "indexed-assignment",
    ],
)
def test_failures_found_by_calling(
    body: tuple[str, ...], kind: str, fragments: tuple[str, ...], load: Load, cartpole: type[BatchedTask]
) -> None:
    reward = load(_fn("pole_angle, cart_position, episode_step", *body))
    result = _verify(reward, cartpole)
    assert result.error is not None, result
    assert result.error.kind == kind, result.error.message
    for fragment in fragments:
        assert fragment in result.error.message, result.error.message


def test_runtime_error_in_a_helper_names_the_helper(load: Load, cartpole: type[BatchedTask]) -> None:
    code = (
        "import torch\n\ndef shaped(angle):\n    return angle / {}['scale']\n\n"
        "def compute_reward(pole_angle):\n    return shaped(pole_angle), {}\n"
    )
    result = _verify(load(code), cartpole)
    assert result.error is not None
    assert "line 4 (in shaped) | return angle / {}['scale']" in result.error.message


def test_too_slow_stops_early(load: Load, cartpole: type[BatchedTask]) -> None:
    body = (
        "r = torch.zeros_like(pole_angle)",
        "for i in range(r.shape[0]):",
        "    r[i] = pole_angle[i] ** 2",
        "return r, {}",
    )
    result = _verify(load(_fn("pole_angle", *body)), cartpole, steps=100, max_ms_per_call=0.02)
    assert result.error is not None and result.error.kind == "too_slow"
    assert result.calls == 5
    assert result.ms_per_call is not None and result.ms_per_call > 0.02


def test_a_parameter_the_task_lacks_is_caught_before_calling(cartpole: type[BatchedTask], tmp_path: Path) -> None:
    extra = StateVariable(name="pole_tip_height", unit="m", description="Height of the pole tip.")
    other_spec = cartpole.spec.model_copy(update={"state_variables": (*cartpole.spec.state_variables, extra)})
    reward = load_reward(_fn("pole_tip_height", "return pole_tip_height, {}"), other_spec, tmp_path)
    result = _verify(reward, cartpole)
    assert result.error is not None and result.error.kind == "unknown_state_variable"
    assert result.calls == 0


def test_check_output_accepts_a_good_output_and_names_the_bad_component() -> None:
    total = torch.zeros(4)
    checked = check_output((total, {"a": total}), num_envs=4, device="cpu")
    assert checked.total is total
    bad = torch.tensor([0.0, float("nan"), float("inf"), 1.0])
    with pytest.raises(NonFiniteError, match=r"'b' is non-finite for 2 of 4 envs \(NaN in 1, inf in 1"):
        check_output((total + bad, {"a": total, "b": bad}), num_envs=4, device="cpu")
    with pytest.raises(WrongDeviceError, match="device 'meta'"):
        check_output((total.to("meta"), {}), num_envs=4, device="cpu")
    with pytest.raises(WrongReturnTypeError, match="Component key 1"):
        check_output((total, {1: total}), num_envs=4, device="cpu")


def test_check_output_quotes_vector_inputs_briefly() -> None:
    bad = torch.tensor([float("nan"), 0.0])
    inputs = {"joint_positions": torch.arange(20.0).reshape(2, 10), "episode_step": torch.tensor([7, 8])}
    with pytest.raises(NonFiniteError) as caught:
        check_output((bad, {}), num_envs=2, device="cpu", inputs=inputs)
    assert "joint_positions=[0, 1, 2, 3, 4, 5, …], episode_step=7" in caught.value.message
