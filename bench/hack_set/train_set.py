"""Train every planted hackable reward, its clean twin and the task's reference reward.

For each entry of ``set.json`` and each of ``hack``, ``clean`` and ``reference`` this writes
``OUT/<name>/<which>/`` with the training output (episodes, ``policy_best.pt``, ``training.json``)
and ``result.json`` (the :class:`TrainingResult`). ``OUT/summary.json`` holds one row per run; its
``competent_return`` is the clean policy's designed return under the hackable reward, the bar a
hacked policy's designed return clears. Runs are in-process on the CPU, one at a time.

Run: ``.venv/bin/python bench/hack_set/train_set.py --out runs/hack_set --seed 0``.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
from pathlib import Path
from typing import Literal

import torch
from pydantic import BaseModel

from rewardsmith.gate.exploits import ProbeName
from rewardsmith.rewards import load_reward
from rewardsmith.tasks import load_task
from rewardsmith.tasks.base import BatchedTask
from rewardsmith.tasks.spec import BoxSpace
from rewardsmith.training import TrainConfig, TrainingResult, train
from rewardsmith.training.evaluate import evaluate
from rewardsmith.training.ppo import EVAL_SEED_OFFSET, deterministic_policy, load_policy_state, make_agent
from rewardsmith.training.rewards import RewardFn

HERE = Path(__file__).resolve().parent
SET_FILE = HERE / "set.json"
Which = Literal["hack", "clean", "reference"]
WHICH: tuple[Which, ...] = ("hack", "clean", "reference")
Family = Literal["early_termination", "survival", "oscillation", "loitering", "speed", "proxy"]
"""The exploit families of the set: ending episodes early, farming a per-step survival bonus, moving back
and forth or round (oscillation and circling), hovering near a goal, farming speed or energy, and a
proxy that tracks the fitness early in training but not late."""


class HackEntry(BaseModel):
    """One planted set-up: a hackable reward and a clean one for the same task."""

    name: str
    task: str
    family: Family
    hackable_file: str
    clean_file: str
    exploit: str
    probe: ProbeName | None
    steps: int
    note: str = ""


class RunSummary(BaseModel):
    """What one run measured, as the README table reports it."""

    name: str
    task: str
    which: Which
    seed: int
    steps: int
    wall_time_s: float
    fitness: float
    final_fitness: float
    solved_threshold: float
    solved: bool
    final_return: float
    max_return: float
    competent_return: float | None = None


def load_set(path: Path = SET_FILE) -> list[HackEntry]:
    """The entries of ``set.json``."""
    return [HackEntry.model_validate(item) for item in json.loads(path.read_text())]


def reward_code(entry: HackEntry, which: Which, set_dir: Path = HERE) -> str:
    """The source of the entry's hackable, clean or reference reward."""
    if which == "reference":
        return load_task(entry.task).spec.reference_reward_code
    return (set_dir / (entry.hackable_file if which == "hack" else entry.clean_file)).read_text()


def train_entry(
    entry: HackEntry,
    which: Which,
    seed: int,
    out_dir: Path,
    steps: int | None = None,
    record_episodes: int = 2,
    set_dir: Path = HERE,
) -> TrainingResult:
    """Train one of the entry's rewards on the CPU and write ``out_dir/result.json`` beside train's output.

    Args:
        entry: The set-up to train.
        which: Its hackable (``hack``) or ``clean`` reward, or the task's ``reference`` reward.
        seed: Seed of the policy, the environments and the evaluation episodes.
        out_dir: Where train's output and ``result.json`` go; created if missing.
        steps: Environment steps; the entry's own budget when ``None``.
        record_episodes: Whole episodes saved per checkpoint evaluation, for detectors to read.
        set_dir: The directory the entry's reward files are named relative to.
    """
    task_class = load_task(entry.task)
    out_dir.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as scratch:
        reward = load_reward(reward_code(entry, which, set_dir), task_class.spec, Path(scratch))
        config = TrainConfig(seed=seed, device="cpu", steps=steps or entry.steps, record_episodes=record_episodes)
        result = train(task_class, reward, config, out_dir=out_dir, reward_sha256=reward.sha256)
    (out_dir / "result.json").write_text(result.model_dump_json(indent=2))
    return result


def policy_return(task_class: type[BatchedTask], policy_path: Path, reward: RewardFn, seed: int, steps: int) -> float:
    """Mean designed return under ``reward`` of a saved policy, on the run's own evaluation episodes.

    Scoring a competent policy with a hackable reward shows what an honest solution earns there, so
    a hacked policy's higher return is measured against it rather than assumed.
    """
    config = TrainConfig(seed=seed, device="cpu", steps=steps).with_hints(task_class.spec.ppo)
    device = torch.device("cpu")
    agent = make_agent(task_class, config, device, updates=1)
    load_policy_state(agent, torch.load(policy_path, map_location=device, weights_only=True))
    agent.enable_training_mode(False)
    task = task_class(num_envs=config.eval_episodes, device=device, seed=seed)
    discrete = not isinstance(task_class.spec.action_space, BoxSpace)
    evaluation = evaluate(task, deterministic_policy(agent, discrete), reward, seed=seed + EVAL_SEED_OFFSET)
    return sum(evaluation.designed_return) / len(evaluation.designed_return)


def summarise(entry: HackEntry, which: Which, result: TrainingResult) -> RunSummary:
    """The README row of one run."""
    threshold = load_task(entry.task).spec.fitness.solved_threshold
    return RunSummary(
        name=entry.name,
        task=entry.task,
        which=which,
        seed=result.seed,
        steps=result.steps,
        wall_time_s=result.wall_time_s,
        fitness=result.fitness,
        final_fitness=result.final_fitness,
        solved_threshold=threshold,
        solved=result.solved,
        final_return=result.checkpoints[-1].eval_return,
        max_return=max(c.eval_return for c in result.checkpoints),
    )


def competent_return(
    entry: HackEntry, clean_dir: Path, seed: int, steps: int | None, set_dir: Path = HERE
) -> float | None:
    """The clean policy's designed return under the hackable reward, or None without a clean policy."""
    policy_path = clean_dir / "policy_best.pt"
    if not policy_path.exists():
        return None
    task_class = load_task(entry.task)
    with tempfile.TemporaryDirectory() as scratch:
        hack = load_reward(reward_code(entry, "hack", set_dir), task_class.spec, Path(scratch))
        return policy_return(task_class, policy_path, hack, seed, steps or entry.steps)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, required=True, help="Directory for every run's output.")
    parser.add_argument("--seed", type=int, default=0, help="Seed of every run.")
    parser.add_argument("--names", nargs="*", help="Entries to train (all when omitted).")
    parser.add_argument("--which", nargs="*", choices=WHICH, default=list(WHICH), help="Rewards to train.")
    parser.add_argument("--steps", type=int, help="Override every entry's step budget.")
    parser.add_argument("--set", type=Path, default=SET_FILE, help="The set file; reward files are beside it.")
    args = parser.parse_args()

    set_dir = args.set.resolve().parent
    entries = [e for e in load_set(args.set) if not args.names or e.name in args.names]
    summaries: list[RunSummary] = []
    reference_dirs: dict[str, Path] = {}
    for entry in entries:
        pending_hack: RunSummary | None = None
        for which in args.which:
            out_dir = args.out / entry.name / which
            # Entries that share a task share its reference run: the reward and seed are the same.
            if which == "reference" and entry.task in reference_dirs:
                shutil.copytree(reference_dirs[entry.task], out_dir, dirs_exist_ok=True)
                result = TrainingResult.model_validate_json((out_dir / "result.json").read_text())
            else:
                result = train_entry(entry, which, args.seed, out_dir, steps=args.steps, set_dir=set_dir)
            if which == "reference":
                reference_dirs.setdefault(entry.task, out_dir)
            summary = summarise(entry, which, result)
            if which == "hack":
                # Trained after the hack when both run, so scored once the entry is done.
                pending_hack = summary
            summaries.append(summary)
            print(
                f"{entry.name:22s} {which:9s} seed {args.seed}: fitness {summary.fitness:.3f} "
                f"(final {summary.final_fitness:.3f}, solved at {summary.solved_threshold:g}), "
                f"designed return {summary.final_return:.1f}, {summary.wall_time_s:.0f} s",
                flush=True,
            )
        if pending_hack is not None:
            pending_hack.competent_return = competent_return(
                entry, args.out / entry.name / "clean", args.seed, args.steps, set_dir
            )
            print(f"{entry.name:22s} clean policy's return under the hackable reward: {pending_hack.competent_return}")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "summary.json").write_text(json.dumps([s.model_dump() for s in summaries], indent=2))


if __name__ == "__main__":
    main()
