"""Every job kind is registered whole: a job model, an output model and a noun, under one name."""

from __future__ import annotations

from typing import get_args

from rewardsmith.sandbox import JobKind, JobOutput, JobSpec
from rewardsmith.sandbox.outputs import OUTPUT_NOUNS


def _kinds(union: object) -> list[str]:
    members = get_args(get_args(union)[0])
    return sorted(member.model_fields["kind"].default for member in members)


def test_jobs_outputs_and_nouns_name_the_same_kinds() -> None:
    kinds = sorted(get_args(JobKind))
    assert _kinds(JobSpec) == kinds
    assert _kinds(JobOutput) == kinds
    assert sorted(OUTPUT_NOUNS) == kinds
    assert {"text_verify", "text_train"} <= set(kinds)
