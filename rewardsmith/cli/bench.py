"""``rewardsmith bench``: train each method's reward on each task with several seeds; write the table and chart."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from pydantic import ValidationError

from rewardsmith.bench import (
    CHART,
    TABLE,
    BenchConfig,
    BenchResult,
    BenchRunError,
    chart,
    markdown_table,
    run_bench,
)
from rewardsmith.bench.run import BENCH_JSON, write_whole
from rewardsmith.cli.common import check_writable, console, fail, print_path, validation_message
from rewardsmith.cli.design import RUN_ERRORS
from rewardsmith.cli.interrupts import stops_cleanly
from rewardsmith.cli.options import with_model_options
from rewardsmith.sandbox import choose_backend
from rewardsmith.tasks import load_task, task_names


@with_model_options(BenchConfig, exclude=("tasks", "methods"))
def bench_command(
    tasks: Annotated[
        str, typer.Option(help="Comma-separated tasks; default: every built-in task that has a reference reward.")
    ] = "",
    methods: Annotated[str, typer.Option(help=BenchConfig.model_fields["methods"].description or "")] = ",".join(
        BenchConfig.model_fields["methods"].default
    ),
    **options: Any,
) -> None:
    """Compare reward sources side by side: every method's reward trained on every task with the same seeds
    and steps. Writes bench.json, bench.md (the table) and bench.svg (the chart); run it again to resume."""
    try:
        config = BenchConfig(tasks=_listed(tasks) or _with_reference(task_names()), methods=_listed(methods), **options)
        for task in config.tasks:
            if load_task(task).spec.reference_reward_code is None and "reference" in config.methods:
                raise BenchRunError(
                    f"task '{task}' has no reference reward: leave it out of --tasks, or 'reference' out of --methods"
                )
        check_writable(config.out)
        choose_backend(config.sandbox)
    except ValidationError as error:
        raise fail(validation_message(error)) from None
    except (ValueError, *RUN_ERRORS) as error:
        raise fail(str(error)) from None
    console.print(
        f"bench: {', '.join(config.methods)} on {', '.join(config.tasks)}, {config.seeds} seeds each", soft_wrap=True
    )
    with stops_cleanly():
        try:
            result = run_bench(config, say=lambda text: console.print(text, soft_wrap=True, highlight=False))
        except (BenchRunError, *RUN_ERRORS) as error:
            raise fail(str(error)) from None
    print_path("results", config.out / BENCH_JSON)
    print_path("table", write_outputs(result))
    print_path("chart", config.out / CHART)


def write_outputs(result: BenchResult) -> Any:
    """bench.md and bench.svg beside bench.json; return the table's path."""
    out = result.config.out
    table = markdown_table(result)
    console.print(table, soft_wrap=True, highlight=False, markup=False)
    write_whole(out / CHART, chart(result).svg)
    write_whole(out / TABLE, table)
    return out / TABLE


def _listed(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _with_reference(names: list[str]) -> list[str]:
    # A variant without a reference has no normalised score, which is the point of the comparison.
    return [name for name in names if load_task(name).spec.reference_reward_code is not None]
