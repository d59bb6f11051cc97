"""``rewardsmith report``: make a finished run's report.html (and TensorBoard files) again from its record."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from rewardsmith.cli.common import fail, print_path
from rewardsmith.loop.families import open_family
from rewardsmith.loop.record import RunFileError, RunNotFoundError, RunRecord
from rewardsmith.loop.report import ReportError
from rewardsmith.tasks import TaskLoadError


def report_command(run: Annotated[Path, typer.Argument(help="A run directory, runs/<run-id>.")]) -> None:
    """Write RUN/report.html: the summary, every candidate and its lineage, the best reward, the spec
    versions, the gate's and detectors' findings and the best and worst episodes; self-contained."""
    try:
        record = RunRecord.open(run)
        family = open_family(record.config_record().config.task)
        path = family.html_report(record)
    except TaskLoadError as error:
        raise fail(f"{error}; the report needs the run's task: restore the file it names") from None
    except (RunNotFoundError, RunFileError, ReportError) as error:
        raise fail(str(error)) from None
    print_path("report", path)
    print_path("tensorboard", record.path("tensorboard"))
