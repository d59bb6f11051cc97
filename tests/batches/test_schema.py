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
