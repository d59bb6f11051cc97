"""The end of a run: best_reward.py, summary.json (the DesignResult) and report.html with plots."""

from __future__ import annotations

import base64
import html
import io
from collections.abc import Sequence
from typing import Any

import matplotlib

matplotlib.use("Agg")  # no display on servers and CI
import matplotlib.pyplot as plt

from rewardsmith.loop.record import TRAIN, RunRecord
from rewardsmith.loop.results import DesignResult, FinalEvaluation, IterationRecord, format_score
from rewardsmith.sandbox import TrainOutput
from rewardsmith.tasks import Task, TaskSpec


def design_result(record: RunRecord, evaluation: FinalEvaluation, history: Sequence[Any]) -> DesignResult:
    """Assemble the DesignResult of a finished run from its record."""
    config = record.config_record().config
    statuses = record.statuses()
    best_id = evaluation.best_id
    best_code = record.candidate(best_id).code if best_id else None
    best_status = record.status(best_id) if best_id else None
    return DesignResult(
        run_id=record.run_id,
        run_dir=record.dir,
        task=config.task,
        designer=config.designer_label,
        best_candidate_id=best_id,
        best_code=best_code,
        best_reward_path=record.path(record.BEST_REWARD) if best_code else None,
        training_fitness=best_status.fitness if best_status else None,
        fitness=evaluation.best.mean if evaluation.best else None,
        fitness_std=evaluation.best.std if evaluation.best else None,
        normalized_score=evaluation.normalized_score,
        reference_fitness=evaluation.reference.mean if evaluation.reference else None,
        sparse_fitness=evaluation.sparse.mean,
        candidates=len(statuses),
        trained=sum(s.stage == "trained" for s in statuses),
        rejected=sum(s.stage == "rejected" for s in statuses),
        history=[IterationRecord.model_validate(dict(h)) for h in history],
    )


def write_report(
    record: RunRecord, task_class: type[Task], evaluation: FinalEvaluation, history: Sequence[Any]
) -> DesignResult:
    """Write best_reward.py, summary.json and report.html; return the DesignResult."""
    result = design_result(record, evaluation, history)
    if result.best_code is not None:
        header = f"# rewardsmith run {record.run_id}: best reward ({result.best_candidate_id}), by {result.designer}\n"
        record.write_text(record.BEST_REWARD, header + result.best_code)
    record.write_json(record.SUMMARY, result)
    record.write_text("report.html", _html(record, task_class, result, evaluation))
    return result


def _html(record: RunRecord, task_class: type[Task], result: DesignResult, evaluation: FinalEvaluation) -> str:
    spec = task_class.spec
    statuses = record.statuses()
    rows = "".join(
        f"<tr><td>{s.id}</td><td>{s.stage}</td><td>{format_score(s.fitness)}</td>"
        f"<td>{html.escape(s.reason_kind or '')}</td><td>{html.escape((s.reason or '')[:300])}</td></tr>"
        for s in statuses
    )
    specs = "".join(
        f"<h3>v{r.version} ({html.escape(r.author)})</h3><p>{html.escape(r.reason)}</p>"
        f"<pre>{html.escape(r.render())}</pre>" + (f"<pre>{html.escape(chr(10).join(r.diff))}</pre>" if r.diff else "")
        for r in record.rubrics()
    )
    plots = [_fitness_by_candidate(statuses), _best_curves(record, result.best_candidate_id)]
    images = "".join(f'<img src="data:image/png;base64,{p}" style="max-width:48%">' for p in plots if p)
    code = html.escape(result.best_code or "(no candidate trained)")
    return f"""<!doctype html><html><head><meta charset="utf-8"><title>rewardsmith {record.run_id}</title>
<style>body{{font-family:sans-serif;margin:2em;max-width:1200px}}td,th{{padding:2px 8px;text-align:left;
vertical-align:top}}tr:nth-child(even){{background:#f4f4f4}}pre{{background:#f7f7f7;padding:8px}}</style></head><body>
<h1>rewardsmith: {html.escape(spec.name)}</h1>
<p>Run <code>{record.run_id}</code>, designed by <b>{result.designer}</b>. {result.candidates} candidates,
{result.trained} trained, {result.rejected} rejected.</p>
<h2>Result</h2>
{_result_table(spec, evaluation, result)}
{images}
<h2>Candidates</h2><table><tr><th>id</th><th>stage</th><th>fitness</th><th>reason</th><th>detail</th></tr>{rows}</table>
<h2>Best reward</h2><pre>{code}</pre>
<h2>Specification versions</h2>{specs}
</body></html>"""


def _result_table(spec: TaskSpec, evaluation: FinalEvaluation, result: DesignResult) -> str:
    if result.best_candidate_id is None:
        return "<p>No candidate was trained, so nothing was retrained on final seeds.</p>"
    if not evaluation.seeds:
        return (
            f"<p>Not retrained on final seeds (final_seeds 0). The best candidate's "
            f"{html.escape(spec.fitness.name)} in the loop: <b>{format_score(result.training_fitness)}</b>.</p>"
        )
    header = f"{html.escape(spec.fitness.name)} (mean ± std over seeds {evaluation.seeds})"
    score = format_score(result.normalized_score)
    return f"""<table><tr><th>reward</th><th>{header}</th></tr>
<tr><td>best ({result.best_candidate_id})</td><td>{_scores(evaluation.best)}</td></tr>
<tr><td>reference</td><td>{_scores(evaluation.reference)}</td></tr>
<tr><td>sparse</td><td>{_scores(evaluation.sparse)}</td></tr></table>
{_normalised(spec, score)}"""


def _normalised(spec: TaskSpec, score: str) -> str:
    if spec.reference_reward_code is None:
        return (
            f"<p>This task has no reference reward, so no normalised score is possible: judge the reward by its "
            f"{html.escape(spec.fitness.name)} (solved at {spec.fitness.solved_threshold:g}) and the recorded "
            f"episodes.</p>"
        )
    return f"<p>Normalised score: <b>{score}</b> (solved at {spec.fitness.solved_threshold:g}).</p>"


def _scores(scores: Any) -> str:
    if scores is None or scores.mean is None:
        return "-"
    failed = f" ({len(scores.failures)} failed)" if scores.failures else ""
    return f"{scores.mean:.3f} ± {scores.std:.3f}{failed}"


def _png(figure: Any) -> str:
    buffer = io.BytesIO()
    figure.tight_layout()
    figure.savefig(buffer, format="png", dpi=90)
    plt.close(figure)
    return base64.b64encode(buffer.getvalue()).decode()


def _fitness_by_candidate(statuses: Sequence[Any]) -> str | None:
    trained = [s for s in statuses if s.fitness is not None]
    if not trained:
        return None
    figure, axes = plt.subplots(figsize=(6, 3.5))
    axes.bar([s.id for s in trained], [s.fitness for s in trained], color="#4878a8")
    axes.set_ylabel("fitness (best checkpoint)")
    axes.set_title("trained candidates")
    axes.tick_params(axis="x", rotation=60, labelsize=7)
    return _png(figure)


def _best_curves(record: RunRecord, best_id: str | None) -> str | None:
    result = record.read(best_id, TRAIN) if best_id is not None else None
    trained = result.output_of(TrainOutput) if result is not None else None
    training = trained.training if trained is not None else None
    if training is None:
        return None
    steps = [c.step for c in training.checkpoints]
    figure, (left, right) = plt.subplots(1, 2, figsize=(8, 3.5))
    left.plot(steps, [c.eval_fitness for c in training.checkpoints], marker="o")
    left.set_title(f"{best_id}: eval fitness")
    left.set_xlabel("env steps")
    for name, stats in training.component_stats.items():
        right.plot(steps, [v if v is not None else float("nan") for v in stats.values], label=name)
    right.set_title("reward components (per-episode sum)")
    right.set_xlabel("env steps")
    right.legend(fontsize=7)
    return _png(figure)
