"""``rewardsmith bench``: reward sources side by side, each trained on the same seeds and budget."""

from rewardsmith.bench.config import METHODS, BenchConfig, BenchMethod
from rewardsmith.bench.results import BenchCell, BenchResult
from rewardsmith.bench.run import BENCH_JSON, BenchRunError, run_bench
from rewardsmith.bench.table import CHART, TABLE, chart, markdown_table

__all__ = [
    "BENCH_JSON",
    "CHART",
    "METHODS",
    "TABLE",
    "BenchCell",
    "BenchConfig",
    "BenchMethod",
    "BenchResult",
    "BenchRunError",
    "chart",
    "markdown_table",
    "run_bench",
]
