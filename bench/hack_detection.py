"""Reward-hacking detection on the planted set (``bench/hack_set``), trained for real.

For every seed, each task's reference reward is trained once; its recorded episodes, random play and
the hack probes make that task's trajectory pool. Then every hackable and clean reward of the set,
and each reference, goes through the gate (scored on the pool, no training) *and* is trained and
analysed by the rule-based analyzer, so that both layers are measured on every reward:

- the analyzer alone (given the pool's evidence, as the loop gives it): how many of the hacks that
  training really exploited it flags, and its false alarms on the clean and reference rewards;
- the gate alone: its rejections of the hacks planted for a probe, of every hack, and of the clean and
  reference rewards (see ``hack_report.py``).

``--loops`` adds the cost side: offline design loops on each task of the set with the gate and with
``--no-gate-pool``, counting the RL runs the gate saved. ``--seeded-loops`` starts an offline design
loop from each hackable reward (``--seed-reward``) and reports the spec version that names the
exploit and the final reward's fitness against the clean twin's. Usage::

    python bench/hack_detection.py [--seeds 0 1] [--loops] [--seeded-loops] [--out /tmp/hack-bench]
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from hack_report import Verdict, detection_lines
from hack_set.train_set import HackEntry, Which, load_set, reward_code, train_entry
from markdown_table import write_section
from pydantic import BaseModel

import rewardsmith
from rewardsmith.agents import RuleBasedAnalyzer, RuleBasedSpecWriter
from rewardsmith.agents.types import Candidate
from rewardsmith.gate.evidence import pool_evidence
from rewardsmith.gate.policy import gate_candidate
from rewardsmith.gate.pool import load_pool, score_pool
from rewardsmith.gate.pool_builder import build_pool, reference_sources
from rewardsmith.loop.jobs import POOL_REFERENCE_EPISODES
from rewardsmith.loop.record import RunRecord
from rewardsmith.rewards import load_reward, verify_reward
from rewardsmith.sandbox.artefacts import checkpoint_episodes
from rewardsmith.tasks import load_task
from rewardsmith.training import TrainingResult

BENCHMARKS = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"
START, END = "<!-- hack_detection:start -->", "<!-- hack_detection:end -->"
LOOP_START, LOOP_END = "<!-- gate_savings:start -->", "<!-- gate_savings:end -->"
SEEDED_START, SEEDED_END = "<!-- seeded_loops:start -->", "<!-- seeded_loops:end -->"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--out", type=Path, default=Path(tempfile.gettempdir()) / "rewardsmith-hack-bench")
    parser.add_argument("--loops", action="store_true", help="Also run design loops with and without the gate.")
    parser.add_argument("--loop-iterations", type=int, default=2)
    parser.add_argument("--loop-samples", type=int, default=4)
    parser.add_argument("--seeded-loops", action="store_true", help="Design loops started from each hack.")
    parser.add_argument("--final-seeds", type=int, default=1, help="Final retraining seeds of the seeded loops.")
    parser.add_argument("--loop-tasks", nargs="+", default=None, help="Tasks of --loops (default: the set's).")
    parser.add_argument("--skip-detection", action="store_true", help="Only the loops.")
    parser.add_argument(
        "--report",
        type=Path,
        nargs="+",
        help="Write the detection section from saved verdicts files (one per seed run) instead of measuring.",
    )
    args = parser.parse_args()
    entries = load_set()
    if args.report:
        verdicts = [Verdict.model_validate(v) for path in args.report for v in json.loads(path.read_text())]
        seeds = sorted({v.seed for v in verdicts})
        notes = [f"- `{entry.name}`: {entry.note}" for entry in entries if entry.note]
        print(write_section(BENCHMARKS, START, END, [*detection_lines(verdicts, seeds), "", *notes]))
    elif not args.skip_detection:
        verdicts = [v for seed in args.seeds for v in _seed_verdicts(entries, seed, args.out / f"seed{seed}")]
        # One file per set of seeds, so that seeds measured in separate processes can be reported together.
        saved = args.out / f"verdicts-{'-'.join(map(str, args.seeds))}.json"
        saved.write_text(json.dumps([v.model_dump() for v in verdicts], indent=1))
        notes = [f"- `{entry.name}`: {entry.note}" for entry in entries if entry.note]
        print(write_section(BENCHMARKS, START, END, [*detection_lines(verdicts, args.seeds), "", *notes]))
    if args.seeded_loops:
        seeded = [_seeded_row(entry, args) for entry in entries]
        print(write_section(BENCHMARKS, SEEDED_START, SEEDED_END, _seeded_lines(seeded, args)))
    if args.loops:
        tasks = args.loop_tasks or sorted({entry.task for entry in entries})
        rows = [_loop_row(task, args, gate) for task in tasks for gate in (True, False)]
        print(write_section(BENCHMARKS, LOOP_START, LOOP_END, _loop_lines(rows, args)))


def _seed_verdicts(entries: list[HackEntry], seed: int, root: Path) -> list[Verdict]:
    verdicts = []
    references: dict[str, Verdict] = {}
    for entry in entries:
        task_class = load_task(entry.task)
        pool_dir = root / entry.task / "pool"
        reference_dir = root / entry.task / "reference"
        reference = _trained(entry, "reference", seed, reference_dir, POOL_REFERENCE_EPISODES)
        if not (pool_dir / "pool.json").exists():
            build_pool(
                task_class,
                entry.task,
                reference_sources(checkpoint_episodes(reference, reference_dir)),
                pool_dir,
                seed=seed,
            )
        if entry.task not in references:
            references[entry.task] = _verdict(entry, "reference", seed, pool_dir, reference_dir, reference, reference)
            verdicts.append(references[entry.task])
        for which in ("hack", "clean"):
            out_dir = root / entry.name / which
            shared = _shared_run(entries, entry, which, root)
            if shared is not None and not (out_dir / "result.json").exists():
                # The same reward file on the same seed: trained once, as train_set shares a reference.
                shutil.copytree(shared, out_dir, dirs_exist_ok=True)
            result = _trained(entry, which, seed, out_dir, 2)
            verdicts.append(_verdict(entry, which, seed, pool_dir, out_dir, result, reference))
        for verdict in verdicts[-2:]:
            print(
                f"seed {seed} {verdict.name:22s} {verdict.which:9s} gate {'pass' if verdict.gate_passed else 'REJECT'} "
                f"findings {verdict.hacking_findings} fitness {verdict.fitness:.3g}",
                flush=True,
            )
    return verdicts


def _shared_run(entries: list[HackEntry], entry: HackEntry, which: Which, root: Path) -> Path | None:
    """Another entry's finished run of the same clean reward file on this seed, if there is one."""
    if which != "clean":
        return None
    for other in entries:
        run_dir = root / other.name / "clean"
        if other.name != entry.name and other.clean_file == entry.clean_file and (run_dir / "result.json").exists():
            return run_dir
    return None


def _trained(entry: HackEntry, which: Which, seed: int, out_dir: Path, record: int) -> TrainingResult:
    saved = out_dir / "result.json"
    if saved.exists():
        return TrainingResult.model_validate_json(saved.read_text())
    return train_entry(entry, which, seed, out_dir, record_episodes=record)


def _verdict(
    entry: HackEntry,
    which: Which,
    seed: int,
    pool_dir: Path,
    out_dir: Path,
    result: TrainingResult,
    reference: TrainingResult,
) -> Verdict:
    task_class = load_task(entry.task)
    spec = task_class.spec
    code = reward_code(entry, which)
    with tempfile.TemporaryDirectory() as scratch:
        reward = load_reward(code, spec, Path(scratch))
        pool, arrays = load_pool(pool_dir)
        # The loop's own gate: verification's statistics (the constant-reward check), then the pool.
        verified = verify_reward(reward, task_class)
        scores = score_pool(reward, task_class, arrays, "cpu")
        gate = gate_candidate(verified, scores, pool, spec)
    candidate = Candidate(id=f"{entry.name}-{which}", iteration=1, code=code, designer="planted")
    rubric = RuleBasedSpecWriter().initial(spec)
    # The analyzer gets what the loop's analyze node gives it: the pool this reward was gated on, its
    # returns there, and the reference run that seeded the pool.
    evidence = pool_evidence(pool, scores, reference)
    analysis = RuleBasedAnalyzer().analyze(candidate, result, out_dir, rubric, task=spec, pool=evidence)
    name = entry.name if which != "reference" else f"{entry.task} (reference)"
    return Verdict(
        name=name,
        task=entry.task,
        family=entry.family if which != "reference" else None,
        which=which,
        seed=seed,
        probe=entry.probe if which == "hack" else None,
        gate_passed=gate.passed,
        gate_reason=gate.report.reasons[0] if gate.report is not None and gate.report.reasons else gate.reason or "",
        hacking_findings=sorted({f.kind for f in analysis.findings if f.severity == "hacking"}),
        fitness=result.fitness,
        final_fitness=result.final_fitness,
        solved=result.fitness >= spec.fitness.solved_threshold,
        fitness_span=spec.fitness.high - spec.fitness.low,
    )


class LoopRow(BaseModel):
    task: str
    gate: bool
    designed: int
    rejected_at_gate: int
    trained: int
    train_seconds: float
    best_fitness: float | None
    wall_s: float


def _loop_row(task: str, args: argparse.Namespace, gate: bool) -> LoopRow:
    started = time.perf_counter()
    result = rewardsmith.design(
        task,
        iterations=args.loop_iterations,
        samples=args.loop_samples,
        seed=0,
        final_seeds=1,
        gate_pool=gate,
        out=args.out / "loops" / ("gate" if gate else "no-gate"),
    )
    statuses = RunRecord.open(result.run_dir).statuses()
    return LoopRow(
        task=task,
        gate=gate,
        designed=len(statuses),
        rejected_at_gate=sum(s.stopped_at == "gate" for s in statuses),
        trained=sum(s.stage in ("trained", "failed") for s in statuses),
        train_seconds=sum(s.train_time_s or 0.0 for s in statuses),
        best_fitness=result.fitness,
        wall_s=time.perf_counter() - started,
    )


def _loop_lines(rows: list[LoopRow], args: argparse.Namespace) -> list[str]:
    lines = [
        "## RL runs saved by the gate (`bench/hack_detection.py --loops`)",
        "",
        f"Offline design loops, {args.loop_iterations} rounds × {args.loop_samples} candidates, seed 0, the same "
        "loop run with the gate's pool (`--gate-pool`, the default) and without it (`--no-gate-pool`), side by "
        "side. The pool's own reference training is counted in the gated loop's wall time.",
        "",
        "| task | gate | designed | rejected at the gate | trained | training s | best fitness | loop wall s |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        best = "n/a" if row.best_fitness is None else f"{row.best_fitness:.3g}"
        lines.append(
            f"| {row.task} | {'on' if row.gate else 'off'} | {row.designed} | {row.rejected_at_gate} | {row.trained} "
            f"| {row.train_seconds:.0f} | {best} | {row.wall_s:.0f} |"
        )
    saved = [off.trained - on.trained for on, off in zip(rows[::2], rows[1::2], strict=True)]
    lines.append("")
    median = statistics.median(saved) if saved else 0
    lines.append(f"RL runs saved per loop by the gate (median over tasks): {median:g}.")
    return lines


class SeededRow(BaseModel):
    name: str
    task: str
    seed_stage: str
    exploit_versions: list[str]
    exploit_criteria: list[str]
    best_id: str | None
    fitness: float | None
    clean_fitness: float
    solved_threshold: float


def _seeded_row(entry: HackEntry, args: argparse.Namespace) -> SeededRow:
    set_dir = Path(__file__).resolve().parent / "hack_set"
    result = rewardsmith.design(
        entry.task,
        iterations=args.loop_iterations,
        samples=args.loop_samples,
        steps=entry.steps,
        seed=0,
        final_seeds=args.final_seeds,
        seed_reward=set_dir / entry.hackable_file,
        out=args.out / "seeded" / entry.name,
    )
    record = RunRecord.open(result.run_dir)
    versions = sorted(int(path.stem[1:]) for path in record.path("specs").glob("v*.json"))
    named = []
    criteria: list[str] = []
    for version in versions[1:]:
        new = [c.id for c in record.rubric(version).criteria if c.id.startswith("no_exploit_")]
        if new:
            named.append(f"v{version}")
            criteria.extend(c for c in new if c not in criteria)
    clean = [
        TrainingResult.model_validate_json(path.read_text()).fitness
        for path in args.out.glob(f"seed*/{entry.name}/clean/result.json")
    ]
    clean_fitness = (
        statistics.mean(clean)
        if clean
        else _trained(entry, "clean", 0, args.out / "seed0" / entry.name / "clean", 2).fitness
    )
    status = record.status("i01-c00")
    return SeededRow(
        name=entry.name,
        task=entry.task,
        seed_stage=f"{status.stage} at {status.stopped_at}" if status.stopped_at else status.stage,
        exploit_versions=named,
        exploit_criteria=criteria,
        best_id=result.best_candidate_id,
        fitness=result.fitness,
        clean_fitness=clean_fitness,
        solved_threshold=load_task(entry.task).spec.fitness.solved_threshold,
    )


def _seeded_lines(rows: list[SeededRow], args: argparse.Namespace) -> list[str]:
    lines = [
        "## Design loops started from a hackable reward (`bench/hack_detection.py --seeded-loops`)",
        "",
        f"Offline agents, `--seed-reward <hack>`, {args.loop_iterations} rounds × {args.loop_samples} candidates, "
        f"the set's step budgets, seed 0; the final fitness is the best reward retrained on {args.final_seeds} new "
        "seed(s) (mean), "
        "against the clean twin's trained fitness (mean over the detection seeds).",
        "",
        "| set-up | the seed reward | spec versions naming the exploit | criteria added | best | final fitness "
        "| clean reward's fitness | at least the clean's |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for row in rows:
        fitness = "n/a" if row.fitness is None else f"{row.fitness:.3g}"
        at_least = "yes" if row.fitness is not None and row.fitness >= row.clean_fitness - 1e-9 else "**no**"
        lines.append(
            f"| {row.name} | {row.seed_stage} | {', '.join(row.exploit_versions) or 'none'} "
            f"| {', '.join(row.exploit_criteria) or ''} | {row.best_id} | {fitness} | {row.clean_fitness:.3g} "
            f"| {at_least} |"
        )
    return lines


if __name__ == "__main__":
    main()
