"""The batch file: what it accepts, and one line naming the field for everything it does not."""

from __future__ import annotations

from pathlib import Path

import pytest

from rewardsmith.batches import BatchFileError, load_batch, parse_batch, read_batch_dir
from tests.cli.test_app import assert_one_line_error, rewardsmith

GOOD = {"tasks": ["cartpole", "point_reach"], "seeds": [0, 3], "design": {"iterations": 1, "llm": "offline"}}


def test_a_batch_names_one_run_per_task_and_seed() -> None:
    spec = parse_batch(GOOD)
    assert spec.run_keys() == [
        ("cartpole-s0", "cartpole", 0),
        ("cartpole-s3", "cartpole", 3),
        ("point_reach-s0", "point_reach", 0),
        ("point_reach-s3", "point_reach", 3),
    ]
    config = spec.run_config("cartpole", 3, Path("out"))
    assert (config.seed, config.iterations, config.llm, config.out) == (3, 1, "offline", Path("out"))


def test_a_task_file_is_read_relative_to_the_batch_file(tmp_path: Path) -> None:
    (tmp_path / "tasks").mkdir()
    example = Path(__file__).parents[2] / "examples" / "inverted_double_pendulum.py"
    (tmp_path / "tasks" / "mine.py").write_text(example.read_text())
    (tmp_path / "batch.yaml").write_text("tasks: [tasks/mine.py:InvertedDoublePendulum, cartpole]\n")
    spec = load_batch(tmp_path / "batch.yaml")
    assert spec.tasks == [f"{(tmp_path / 'tasks' / 'mine.py').resolve()}:InvertedDoublePendulum", "cartpole"]


@pytest.mark.parametrize(
    ("change", "fragments"),
    [
        ({"tasks": []}, ["tasks:", "at least 1"]),
        ({"tasks": ["no_such_task"]}, ["tasks:", "unknown task 'no_such_task'"]),
        ({"tasks": ["cartpole", "cartpole"]}, ["named twice"]),
        ({"seeds": [1, 1]}, ["seeds:", "distinct"]),
        ({"design": {"iterations": 0}}, ["design.iterations:", "greater than or equal to 1"]),
        ({"design": {"seed": 4}}, ["design: seed is set by the batch per run"]),
        ({"design": {"review": True}}, ["design.review: a batch has no reviewer"]),
        ({"design": {"llm": "nonsense"}}, ["design.llm:", "unknown provider"]),
        ({"design": {"sandbox": "vm"}}, ["design.sandbox:", "unknown sandbox backend 'vm'"]),
        ({"executor": "k8s"}, ["executor:", "'local' or 'ray'"]),
        ({"parallel": 0}, ["parallel:"]),
        ({"gpus": 1}, ["gpus: unknown field", "gpus_per_job"]),
    ],
)
def test_each_bad_field_is_one_line_naming_it(change: dict, fragments: list[str]) -> None:
    with pytest.raises(BatchFileError) as raised:
        parse_batch(GOOD | change, "b.yaml")
    message = str(raised.value)
    assert "\n" not in message and message.startswith("b.yaml: ")
    for fragment in fragments:
        assert fragment in message


def test_a_file_that_is_not_a_batch(tmp_path: Path) -> None:
    for text, fragment in (("tasks: [cartpole\n", "not valid YAML at line"), ("- cartpole\n", "expected a mapping")):
        path = tmp_path / "batch.yaml"
        path.write_text(text)
        with pytest.raises(BatchFileError, match=fragment):
            load_batch(path)
    with pytest.raises(BatchFileError, match="cannot read the batch file"):
        load_batch(tmp_path / "missing.yaml")
    with pytest.raises(BatchFileError, match="is not a batch directory"):
        read_batch_dir(tmp_path)


def test_the_command_refuses_bad_input_in_one_line_and_makes_nothing(tmp_path: Path) -> None:
    (tmp_path / "bad.yaml").write_text(f"tasks: [cartpole]\nseeds: [0]\nout: {tmp_path / 'out'}\nexecutor: k8s\n")
    assert_one_line_error(rewardsmith("batch", str(tmp_path / "bad.yaml")), "executor:", "'local' or 'ray'")
    assert_one_line_error(rewardsmith("batch", str(tmp_path / "bad.yaml"), "--executor", "slurm"), "--executor 'slurm'")
    assert not (tmp_path / "out").exists()


# ---- text tasks beside control tasks: through the loop's family seam --------------------------------

MIXED = GOOD | {"tasks": ["arithmetic", "cartpole"]}


def test_a_batch_takes_text_tasks_beside_control_tasks() -> None:
    spec = parse_batch(MIXED)
    assert [key for key, _, _ in spec.run_keys()] == ["arithmetic-s0", "arithmetic-s3", "cartpole-s0", "cartpole-s3"]
    config = spec.run_config("arithmetic", 3, Path("out"))
    assert (config.task, config.seed, config.iterations) == ("arithmetic", 3, 1)


def test_an_unknown_task_names_both_families_tasks() -> None:
    with pytest.raises(BatchFileError) as raised:
        parse_batch(MIXED | {"tasks": ["arithmetic", "no_such_task"]}, "b.yaml")
    message = str(raised.value)
    assert "\n" not in message and message.startswith("b.yaml: tasks: unknown task 'no_such_task'")
    assert "a control task (" in message and "cartpole" in message
    assert "a text task (" in message and "arithmetic" in message and "summary" in message


SERVED_JUDGE = "openai-compatible:judge@http://127.0.0.1:9"


@pytest.mark.parametrize(
    ("change", "fragments"),
    [
        # The text family's own refusals, each naming the field of the batch file at fault and the task.
        ({"design": {"device": "cuda"}}, ["b.yaml: design.device (task 'arithmetic'):", "train on the CPU"]),
        (
            {"tasks": ["arithmetic"], "design": {"judge_llm": SERVED_JUDGE, "sandbox": "docker"}},
            ["b.yaml: design.judge_llm, design.sandbox (task 'arithmetic'):", "out of reach of --sandbox docker"],
        ),
        # Two refused settings: the line is about the one the family names first, and names its field alone.
        (
            {"tasks": ["arithmetic"], "design": {"device": "cuda", "judge_llm": "offline"}},
            ["b.yaml: design.judge_llm (task 'arithmetic'):", "names no model"],
        ),
        # A judge grades text rewards: the control task of the batch refuses one.
        ({"design": {"judge_llm": "local"}}, ["b.yaml: design.judge_llm (task 'cartpole'):", "control task"]),
        # One number of steps would be env steps for one task and GRPO steps for the other.
        (
            {"design": {"steps": 5000}},
            ["b.yaml: design.steps: the tasks count steps differently (arithmetic: GRPO steps, "],
        ),
        # Text training is CPU-only: a GPU asked for every job would sit idle under it.
        ({"gpus_per_job": 1}, ["b.yaml: gpus_per_job: arithmetic (text) trains on the CPU only", "gpus_per_job: 0"]),
        (
            {"tasks": ["sorting", "cartpole", "arithmetic"], "gpus_per_job": 0.5},
            ["b.yaml: gpus_per_job: sorting (text), arithmetic (text) train on the CPU only"],
        ),
    ],
)
def test_a_text_tasks_refusals_are_one_line_naming_the_field_at_load_time(change: dict, fragments: list[str]) -> None:
    with pytest.raises(BatchFileError) as raised:
        parse_batch(MIXED | change, "b.yaml")
    message = str(raised.value)
    assert "\n" not in message and message.startswith("b.yaml: ")
    for fragment in fragments:
        assert fragment in message, message


def test_what_a_text_task_refuses_a_control_task_takes() -> None:
    spec = parse_batch(GOOD | {"design": {"device": "cuda", "critic_llm": "local"}, "gpus_per_job": 1})
    assert spec.gpus_per_job == 1 and spec.run_config("cartpole", 0, Path()).device == "cuda"
    assert parse_batch(MIXED | {"design": {"device": "cpu", "llm": "local"}}).design["device"] == "cpu"
    assert parse_batch(GOOD | {"tasks": ["sorting", "arithmetic"], "design": {"steps": 5}}).design["steps"] == 5
