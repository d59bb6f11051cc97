"""Every error kind, produced by a real candidate through load and verify, with a message an LLM can use."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

from rewardsmith.rewards import (
    ERROR_CLASSES,
    ERROR_KINDS,
    RewardContractError,
    RewardError,
    error_from_model,
    load_reward,
    verify_reward,
)
from rewardsmith.rewards.errors import MAX_MESSAGE_CHARS, ErrorKind, RewardRuntimeError
from rewardsmith.tasks import BatchedTask
from tests.rewards import responses as r


@dataclass(frozen=True)
class Case:
    response: str
    fragments: tuple[str, ...]
    max_ms_per_call: float = 5.0
    steps: int = 20
    extra: dict[str, object] = field(default_factory=dict)


def _fn(signature: str, *body: str) -> str:
    lines = "\n".join(f"    {line}" for line in body)
    return f"```python\nimport torch\n\ndef compute_reward({signature}):\n{lines}\n```\n"


CASES: dict[ErrorKind, Case] = {
    "no_code": Case(r.PROSE_ONLY, ("no Python code", "```python")),
    "no_function": Case("```python\ndef reward(x):\n    return x, {}\n```", ("found: reward",)),
    "syntax_error": Case(r.SYNTAX_ERROR, ("line 4", "upright = torch.cos(pole_angle")),
    "bad_signature": Case(r.STAR_ARGS, ("*args", "named parameter")),
    "unknown_state_variable": Case(
        _fn("pole_angle, pole_tip_height", "return pole_angle, {}"),
        ("'pole_tip_height'", "cart_position, cart_velocity, pole_angle, pole_angular_velocity, action"),
    ),
    "runtime_error": Case(
        _fn("pole_angle", "weights = {'angle': 1.0}", "upright = weights['up'] * pole_angle", "return 0, {}"),
        ("KeyError: 'up'", "line 5 | upright = weights['up'] * pole_angle", "pole_angle float32[64]"),
    ),
    "wrong_return_type": Case(_fn("pole_angle", "return -pole_angle.abs()"), ("bare tensor", "a tuple")),
    "wrong_shape": Case(
        _fn("pole_angle", "r = -pole_angle.abs().unsqueeze(-1)", "return r, {'r': r}"),
        ("shape [64, 1]", "expected [64]", ".squeeze(-1)"),
    ),
    "wrong_dtype": Case(
        _fn("pole_angle", "r = (pole_angle.abs() < 0.1).long()", "return r, {'r': r}"),
        ("torch.int64", ".float()"),
    ),
    "non_finite": Case(
        _fn("pole_angle, cart_position", "y = torch.log(pole_angle)", "return y, {'log': y}"),
        ("Component 'log'", "NaN in", "of 64 envs", "pole_angle=-", "cart_position=", "clamp"),
    ),
    "wrong_device": Case(
        _fn("pole_angle", "r = -pole_angle.abs()", "return r, {'r': r, 'off': r.to('meta')}"),
        ("Component 'off'", "device 'meta'", "state is on 'cpu'", "zeros_like"),
    ),
    "too_slow": Case(
        _fn(
            "pole_angle",
            "r = torch.zeros_like(pole_angle)",
            "for i in range(pole_angle.shape[0]):",
            "    r[i] = torch.cos(pole_angle[i]) - torch.abs(pole_angle[i]) * 0.5",
            "return r, {'r': r}",
        ),
        ("ms per call", "limit is 0.05 ms", "Vectorise", "Python loops"),
        max_ms_per_call=0.05,
    ),
    "mutates_state": Case(
        _fn("pole_angle", "pole_angle.mul_(0.0)", "return -pole_angle.abs(), {}"),
        ("'pole_angle'", "in place", "out-of-place"),
    ),
}


def judge(case: Case, task_class: type[BatchedTask], workdir: Path) -> RewardError:
    """Run a candidate through load and verify as the pipeline does, and return its error."""
    try:
        reward = load_reward(case.response, task_class.spec, workdir)
    except RewardContractError as error:
        return error.to_model()
    result = verify_reward(
        reward, task_class, num_envs=64, steps=case.steps, seed=0, max_ms_per_call=case.max_ms_per_call
    )
    assert not result.ok
    assert result.error is not None
    return result.error


def test_every_kind_has_a_case_and_a_class() -> None:
    assert set(CASES) == set(ERROR_KINDS)
    assert set(ERROR_CLASSES) == set(ERROR_KINDS)
    assert all(cls.kind == kind for kind, cls in ERROR_CLASSES.items())


@pytest.mark.parametrize("kind", ERROR_KINDS)
def test_each_kind_is_produced_by_a_real_candidate(
    kind: ErrorKind, cartpole: type[BatchedTask], tmp_path: Path
) -> None:
    case = CASES[kind]
    error = judge(case, cartpole, tmp_path)
    assert error.kind == kind, error.message
    for fragment in case.fragments:
        assert fragment in error.message, f"{fragment!r} missing from:\n{error.message}"
    # Messages go to an LLM: short, and never a raw traceback.
    assert len(error.message.splitlines()) <= 4
    assert "Traceback" not in error.message


def test_error_model_round_trips_through_json() -> None:
    original = RewardRuntimeError("compute_reward raised KeyError: 'x'")
    model = RewardError.model_validate_json(original.to_model().model_dump_json())
    rebuilt = error_from_model(model)
    assert type(rebuilt) is RewardRuntimeError
    assert rebuilt.message == original.message
    assert str(rebuilt) == original.message


def test_long_messages_are_cut_to_fit_results() -> None:
    error = RewardRuntimeError("x" * 10_000)
    assert len(error.message) == MAX_MESSAGE_CHARS
    assert error.to_model().message == error.message
