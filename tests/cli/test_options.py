"""The design and train options are made from the configs' fields: every field has its flag, default
and help, written once in the model."""

from __future__ import annotations

import typer.main

from rewardsmith.cli import app
from rewardsmith.cli.options import option_name
from rewardsmith.config import DesignConfig
from rewardsmith.training import TrainConfig
from tests.cli.test_app import assert_one_line_error, rewardsmith


def _options(command: str) -> dict[str, object]:
    click_command = typer.main.get_command(app).commands[command]  # type: ignore[attr-defined]
    return {param.name: param for param in click_command.params}


def test_every_design_config_field_is_an_option_with_its_default_and_help() -> None:
    options = _options("design")
    for name, field in DesignConfig.model_fields.items():
        if name == "task":
            assert options["task"].help == field.description
            continue
        param = options[name]
        assert option_name(name) in param.opts, name
        assert param.default == field.get_default(call_default_factory=True), name
        assert param.help == field.description, name


def test_train_takes_its_options_from_train_config() -> None:
    options = _options("train")
    for name in ("steps", "seed", "device", "num_envs"):
        field = TrainConfig.model_fields[name]
        assert options[name].default == field.default and options[name].help == field.description


def test_an_option_the_cli_never_spelled_out_reaches_the_config(tmp_path) -> None:
    result = rewardsmith("design", "cartpole", "--job-timeout-s", "-5", "--out", str(tmp_path))
    assert_one_line_error(result, "--job-timeout-s")
    assert not any(tmp_path.iterdir())
