"""A learning curve of GRPO on a built-in text task, on the CPU: held-out fitness against the untrained policy's.

The policy is the embedded SmolLM2-135M, trained by TRL's ``GRPOTrainer`` in this process with the task's
reference reward; held-out fitness is the trusted checker on greedy completions of held-out prompts. The
default is the summary task with 16-token completions and one prompt (four completions) a step: the
untrained model spends its first tokens on "The summary is:" and mentions some of the three facts, so
the reward is dense and there is room to learn to name all three early. (On arithmetic and formatting
every sampled completion scores 0 at the start, so GRPO's group advantages are all zero and nothing is
learnt.)

Usage::

    python bench/text_learning_curve.py [--task summary] [--steps 14] [--eval-every 7] [--json curve.json]
"""

from __future__ import annotations

import argparse
import platform
import sys
import tempfile
import time
from pathlib import Path

from markdown_table import write_section

from rewardsmith.text.contract import load_text_reward
from rewardsmith.text.training import TextTaskRef, TextTrainConfig, TextTrainingResult, train_text

BENCHMARKS = Path(__file__).resolve().parent.parent / "BENCHMARKS.md"
START, END = "<!-- text_learning_curve:start -->", "<!-- text_learning_curve:end -->"


def section(result: TextTrainingResult, total_s: float, threads: int, command: str) -> list[str]:
    config = result.config
    first, last = result.curve[0], result.curve[-1]
    best = max(point.held_out_fitness for point in result.curve)
    verdict = (
        f"rose from {first.held_out_fitness:.3f} to {last.held_out_fitness:.3f}"
        if last.held_out_fitness > first.held_out_fitness
        else f"did not rise: {first.held_out_fitness:.3f} untrained, {last.held_out_fitness:.3f} at the end "
        f"(best {best:.3f})"
    )
    lines = [
        f"GRPO (TRL `GRPOTrainer`) on the `{result.task.name}` text task with its reference reward, policy "
        f"{result.model}, on the CPU ({threads} torch threads, 2 cores shared with other work), in the process. "
        f"Held-out fitness is the task's trusted checker on greedy completions of the first {config.held_out} "
        f"held-out prompts; step 0 is the untrained policy. Held-out fitness {verdict}.",
        "",
        f"Settings: {config.steps} steps, {config.batch_size} completions a step ({config.generations} per prompt), "
        f"{config.max_completion_tokens} tokens at most, learning rate {config.learning_rate:g}, temperature "
        f"{config.temperature:g}, beta {config.beta:g}, seed {config.seed}; {result.task.train_size} training "
        f"prompts. Model load {result.load_time_s:.0f} s; training and evaluation {result.wall_time_s:.0f} s "
        f"({result.seconds_per_step:.1f} s a step, evaluations included); {total_s:.0f} s in all.",
        "",
        "| step | wall (s) | held-out fitness | held-out reward | train reward (since last) | held-out chars | "
        "train chars | repeated 3-grams (train) | in form, not correct (held-out) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for point in result.curve:
        train_reward = "–" if point.train_reward is None else f"{point.train_reward:.3f}"
        train_chars = "–" if point.train is None else f"{point.train.mean_chars:.0f}"
        repeated = "–" if point.train is None else f"{point.train.repeated_ngram_share:.3f}"
        form = point.held_out.format_without_correct
        lines.append(
            f"| {point.step} | {point.wall_time_s:.0f} | {point.held_out_fitness:.3f} | {point.held_out_reward:.3f} "
            f"| {train_reward} | {point.held_out.mean_chars:.0f} | {train_chars} | {repeated} | "
            f"{'n/a' if form is None else f'{form:.3f}'} |"
        )
    lines += [
        "",
        f"A held-out completion at step 0: `{first.samples[0]!r}`; at step {last.step}: `{last.samples[0]!r}`.",
        "",
        f"Command: `{command}` ({platform.python_version()}, run once).",
    ]
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--task", default="summary")
    parser.add_argument("--steps", type=int, default=14)
    parser.add_argument("--batch-size", type=int, default=4)
    parser.add_argument("--generations", type=int, default=4)
    parser.add_argument("--tokens", type=int, default=16)
    parser.add_argument("--learning-rate", type=float, default=1e-4)
    parser.add_argument("--eval-every", type=int, default=7)
    parser.add_argument("--held-out", type=int, default=16)
    parser.add_argument("--train-size", type=int, default=64)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--json", type=Path, default=None, help="Also write the whole result here.")
    parser.add_argument("--no-write", action="store_true", help="Print the section; leave BENCHMARKS.md alone.")
    args = parser.parse_args()

    import torch

    torch.set_num_threads(args.threads)
    started = time.monotonic()
    task_ref = TextTaskRef(name=args.task, train_size=args.train_size, held_out_size=args.held_out)
    config = TextTrainConfig(
        steps=args.steps,
        batch_size=args.batch_size,
        generations=args.generations,
        max_completion_tokens=args.tokens,
        learning_rate=args.learning_rate,
        eval_every=args.eval_every,
        held_out=args.held_out,
    )
    task = task_ref.load()
    if task.reference_reward_code is None:
        sys.exit(f"text task '{args.task}' has no reference reward")
    with tempfile.TemporaryDirectory(prefix="text-curve-") as scratch:
        reward = load_text_reward(task.reference_reward_code, Path(scratch) / "reward")

        def progress(done: int, total: int) -> None:
            print(f"step {done}/{total} at {time.monotonic() - started:.0f} s", flush=True)

        result = train_text(task_ref, reward, config, out_dir=Path(scratch), progress=progress)
    total_s = time.monotonic() - started
    if args.json is not None:
        args.json.write_text(result.model_dump_json(indent=2))
    command = "python bench/text_learning_curve.py " + " ".join(sys.argv[1:])
    lines = section(result, total_s, args.threads, command.strip())
    print("\n".join(lines))
    if not args.no_write:
        write_section(BENCHMARKS, START, END, lines)


if __name__ == "__main__":
    main()
