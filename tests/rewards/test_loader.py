"""load_reward: from raw response to a callable bound to cartpole's state, and its load-time errors."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from rewardsmith.rewards import (
    BadSignatureError,
    NoCodeError,
    NoFunctionError,
    RewardContractError,
    RewardFunction,
    RewardRuntimeError,
    RewardSyntaxError,
    UnknownStateVariableError,
    load_reward,
)
from rewardsmith.tasks import BatchedTask
from tests.rewards import responses as r

Load = Callable[[str], RewardFunction]


def _state(task_class: type[BatchedTask], num_envs: int = 8) -> dict[str, torch.Tensor]:
    task = task_class(num_envs=num_envs, seed=0)
    task.reset()
    return task.step(torch.ones(num_envs, dtype=torch.int64)).state


def test_eureka_response_loads_unchanged_and_runs(load: Load, cartpole: type[BatchedTask], tmp_path: Path) -> None:
    reward = load(r.EUREKA)
    assert reward.parameters == ("pole_angle", "cart_position", "cart_velocity")
    assert "@torch.jit.script" not in reward.source
    assert reward.path == tmp_path / f"reward_{reward.sha256[:12]}.py"
    assert reward.path.read_text() == reward.source
    assert reward.sha256 == hashlib.sha256(reward.source.encode()).hexdigest()

    total, components = reward(_state(cartpole))
    assert total.shape == (8,)
    assert set(components) == {"angle_reward", "position_reward", "velocity_penalty"}


def test_jit_decorator_is_blanked_so_line_numbers_match_the_candidate(load: Load) -> None:
    reward = load(r.EUREKA)
    original = r.EUREKA.split("```python\n")[1].split("```")[0].split("\n")
    written = reward.source.split("\n")
    assert len(written) == len(original)
    decorator = original.index("@torch.jit.script")
    assert written[decorator] == ""
    assert [line for i, line in enumerate(written) if i != decorator] == [
        line for i, line in enumerate(original) if i != decorator
    ]


@pytest.mark.parametrize(
    "response",
    [
        r.EUREKA_NO_IMPORTS,
        r.BARE,
        r.TILDE,
        r.PY_FENCE,
        r.NO_LANGUAGE,
        r.TRAILING_PROSE,
        r.INDENTED_FENCE,
        r.WINDOWS_FENCED,
        r.TABS,
        r.HELPER_EXAMPLE_THEN_REAL,
        r.DRAFT_THEN_FINAL,
    ],
    ids=[
        "eureka-no-imports",
        "bare",
        "tilde",
        "py",
        "no-language",
        "trailing-prose",
        "indented-fence",
        "windows",
        "tabs",
        "helper",
        "draft-then-final",
    ],
)
def test_well_formed_responses_load_and_return_per_env_rewards(
    response: str, load: Load, cartpole: type[BatchedTask]
) -> None:
    total, components = load(response)(_state(cartpole))
    assert total.shape == (8,)
    assert all(value.shape == (8,) for value in components.values())


def test_jit_decorated_helper_is_stripped_too(load: Load, cartpole: type[BatchedTask]) -> None:
    response = (
        "```python\nimport torch\n\n@torch.jit.script\ndef upright(angle: torch.Tensor) -> torch.Tensor:\n"
        "    return torch.cos(angle)\n\nfrom torch import jit\n\n@jit.script\n"
        "def compute_reward(pole_angle: torch.Tensor):\n"
        "    u = upright(pole_angle)\n    return u, {'u': u}\n```"
    )
    reward = load(response)
    assert "script" not in reward.source.replace("from torch import jit", "")
    assert reward(_state(cartpole))[0].shape == (8,)


def test_other_decorators_are_kept(load: Load) -> None:
    response = "@torch.no_grad()\ndef compute_reward(pole_angle):\n    return pole_angle, {}\n"
    assert "@torch.no_grad()" in load(response).source


def test_parameters_bind_by_name_not_position(load: Load) -> None:
    reward = load("def compute_reward(episode_step, pole_angle):\n    return pole_angle, {'n': episode_step}")
    state = {"pole_angle": torch.tensor([0.1]), "episode_step": torch.tensor([3]), "action": torch.zeros(1)}
    total, components = reward(state)
    assert total.tolist() == pytest.approx([0.1])
    assert components["n"].tolist() == [3]


def test_positional_only_parameters_and_state_variable_defaults_bind(load: Load) -> None:
    reward = load("def compute_reward(pole_angle, /, cart_position=None):\n    return pole_angle, {}\n")
    assert reward.parameters == ("pole_angle", "cart_position")
    total, _ = reward({"pole_angle": torch.ones(2), "cart_position": torch.zeros(2)})
    assert total.tolist() == [1.0, 1.0]


def test_the_same_code_loads_to_the_same_file(load: Load) -> None:
    first, second = load(r.BARE), load(r.TILDE)
    assert first.path == second.path
    assert first.sha256 == second.sha256


def test_builtin_sparse_and_reference_rewards_load(cartpole: type[BatchedTask], tmp_path: Path) -> None:
    state = _state(cartpole)
    for code in (cartpole.spec.sparse_reward_code, cartpole.spec.reference_reward_code):
        total, _ = load_reward(code, cartpole.spec, tmp_path)(state)
        assert total.shape == (8,)


def test_call_checked_checks_inputs_and_output(load: Load, cartpole: type[BatchedTask]) -> None:
    checked = load(r.EUREKA).call_checked(_state(cartpole))
    assert checked.total.shape == (8,)
    with pytest.raises(RewardRuntimeError):
        load("def compute_reward(pole_angle):\n    return 1 / 0, {}\n").call_checked(_state(cartpole))


# ---------------------------------------------------------------------------------------------------
# Load-time errors.


def _error(load: Load, response: str) -> RewardContractError:
    with pytest.raises(RewardContractError) as caught:
        load(response)
    return caught.value


def test_prose_only_is_no_code(load: Load) -> None:
    assert isinstance(_error(load, r.PROSE_ONLY), NoCodeError)


def test_syntax_error_names_the_line_and_shows_it(load: Load) -> None:
    error = _error(load, r.SYNTAX_ERROR)
    assert isinstance(error, RewardSyntaxError)
    # The unclosed parenthesis opens on line 4; Python reports it there.
    assert "line 4" in error.message
    assert "upright = torch.cos(pole_angle" in error.message


def test_compile_time_errors_are_syntax_errors(load: Load) -> None:
    error = _error(load, "return 1\n\ndef compute_reward(pole_angle):\n    return pole_angle, {}\n")
    assert isinstance(error, RewardSyntaxError)
    assert "line 1" in error.message
    assert "'return' outside function" in error.message


def test_inconsistent_tabs_are_a_syntax_error(load: Load) -> None:
    code = "def compute_reward(pole_angle):\n\tx = pole_angle\n        return x, {}\n"
    error = _error(load, code)
    assert isinstance(error, RewardSyntaxError)
    assert "line 3" in error.message


def test_two_definitions_are_rejected_with_their_lines(load: Load) -> None:
    error = _error(load, r.TWO_DEFINITIONS_IN_ONE_BLOCK)
    assert isinstance(error, NoFunctionError)
    assert "lines 3, 6" in error.message
    assert "exactly one" in error.message


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        ("def reward(pole_angle):\n    return pole_angle, {}\n", "found: reward"),
        ("compute_reward = lambda pole_angle: (pole_angle, {})\n", "no function named compute_reward"),
        ("class R:\n    def compute_reward(self, pole_angle):\n        return pole_angle, {}\n", "top level"),
    ],
    ids=["other-name", "lambda", "method"],
)
def test_missing_entry_point_is_no_function(load: Load, code: str, fragment: str) -> None:
    error = _error(load, code)
    assert isinstance(error, NoFunctionError)
    assert fragment in error.message


@pytest.mark.parametrize(
    ("code", "fragment"),
    [
        (r.STAR_ARGS, "*args"),
        ("def compute_reward(pole_angle, **extra):\n    return pole_angle, {}\n", "**extra"),
        ("def compute_reward(*, pole_angle):\n    return pole_angle, {}\n", "keyword-only"),
        ("def compute_reward():\n    return 0, {}\n", "no parameters"),
        ("async def compute_reward(pole_angle):\n    return pole_angle, {}\n", "async"),
    ],
    ids=["varargs", "kwargs", "keyword-only", "no-parameters", "async"],
)
def test_unbindable_signatures_are_bad_signature(load: Load, code: str, fragment: str) -> None:
    error = _error(load, code)
    assert isinstance(error, BadSignatureError)
    assert fragment in error.message


def test_unknown_variable_is_named_with_valid_names_and_a_suggestion(load: Load, cartpole: type[BatchedTask]) -> None:
    error = _error(load, "def compute_reward(pole_angel, cart_position):\n    return cart_position, {}\n")
    assert isinstance(error, UnknownStateVariableError)
    assert "'pole_angel'" in error.message
    assert "Did you mean 'pole_angle'?" in error.message
    for name in cartpole.spec.state_variable_names:
        assert name in error.message


def test_an_exception_at_import_is_a_runtime_error_with_its_line(load: Load) -> None:
    error = _error(
        load,
        "import torch\nfrom isaacgym.torch_utils import quat_rotate\n\n"
        "def compute_reward(pole_angle):\n    return pole_angle, {}\n",
    )
    assert isinstance(error, RewardRuntimeError)
    assert "ModuleNotFoundError: No module named 'isaacgym'" in error.message
    assert "line 2 | from isaacgym.torch_utils import quat_rotate" in error.message
    assert "Traceback" not in error.message


def test_sys_exit_at_import_does_not_escape(load: Load) -> None:
    error = _error(load, "import sys\nsys.exit(3)\ndef compute_reward(pole_angle):\n    return 0, {}")
    assert isinstance(error, RewardRuntimeError)
    assert "SystemExit" in error.message
