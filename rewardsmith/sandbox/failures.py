"""Failure messages for the designer: what happened to the job, and what to change in the reward.

The runner and the host both describe failures, the runner from exceptions it caught and the host
from how the process ended; the wording lives here so every backend tells the designer the same thing.
"""

from __future__ import annotations

import signal

from rewardsmith.sandbox.schema import Failure, SandboxLimits

_VECTORISE = (
    "Compute the reward with vectorised torch operations over all envs at once: no unbounded loops and no "
    "Python loops over envs."
)
_TEXT_ADVICE = (
    "A text reward scores a batch of strings: keep it to string work, with no model calls or unbounded loops."
)
_NO_EXIT = "Reward code must return (total, components) and never end the process (sys.exit, os._exit, os.abort)."
_SIGNALS: dict[int, str] = {
    signal.SIGSEGV: "a segmentation fault",
    signal.SIGABRT: "an abort",
    signal.SIGBUS: "a bus error",
    signal.SIGFPE: "a fatal arithmetic error",
    signal.SIGILL: "an illegal instruction",
}


def signal_name(number: int) -> str:
    """The name of a signal, e.g. ``"SIGABRT"``; ``"signal N"`` for one Python does not know."""
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


def timeout(kind: str, limit_s: float, *, where: str = "", cpu: bool = False, step: int | None = None) -> Failure:
    """The job ran past its time limit and was stopped.

    Args:
        kind: The job's kind (``"verify"``, ``"train"``, ``"text_verify"``, ...).
        limit_s: The limit that was hit, seconds.
        where: The reward line it was stopped at, e.g. ``"\\n  line 3 | while True: pass"``, if known.
        cpu: The CPU-time limit was hit, not the wall-clock one.
        step: Training step reached, if known.
    """
    verifying = kind in ("verify", "text_verify")
    text = kind in ("text_verify", "text_train")
    advice = _TEXT_ADVICE if text else _VECTORISE
    what = "Verification" if verifying else "Training"
    clock = "CPU-time" if cpu else "wall-clock"
    message = f"{what} did not finish within its {limit_s:g} s {clock} limit and was stopped"
    reached = f" at step {step}" if step is not None else ""
    if where:
        message += f" inside compute_reward at{where}\n{advice}"
    elif verifying:
        message += f". compute_reward may loop forever or be far too slow. {advice}"
    elif text:
        message += (
            f"{reached}. Each GRPO step samples and trains the policy on the CPU: ask for fewer steps, shorter "
            "completions or a longer job time limit, or make compute_reward faster."
        )
    else:
        message += (
            f"{reached}. compute_reward may be too slow (it runs on every step of every env), or the run may "
            f"need fewer steps. {advice}"
        )
    return Failure(kind="timeout", message=message, step=step)


def out_of_memory(
    limits: SandboxLimits, detail: str = "", *, in_reward: bool = True, step: int | None = None
) -> Failure:
    """The job tried to use more memory than its limit.

    Args:
        limits: The job's limits, for the number quoted.
        detail: What failed to allocate, and the reward line, when known.
        in_reward: The allocation was in reward code (not training itself).
        step: Training step reached, if known.
    """
    limit = f"{limits.memory_mb} MiB" if limits.memory_mb is not None else "the machine's memory"
    if in_reward:
        return Failure(
            kind="out_of_memory",
            message=f"compute_reward tried to allocate more memory than the sandbox allows ({limit}){detail}\n"
            "Keep every intermediate tensor about the size of the state ([num_envs] per term); never "
            "allocate by a constant or data-dependent size.",
            step=step,
        )
    return Failure(
        kind="out_of_memory",
        message=f"The job ran out of memory ({limit}) outside the reward code{detail}. Train with fewer envs or "
        "rollouts, or raise the sandbox's memory limit.",
        step=step,
    )


def killed_by_signal(number: int, limits: SandboxLimits) -> Failure:
    """The job's main process died from a signal the host did not send."""
    name = signal_name(number)
    if number == signal.SIGKILL:
        # Nothing in the job sends itself SIGKILL; the kernel's OOM killer does.
        return out_of_memory(limits, detail=", and was killed by SIGKILL (the system's out-of-memory killer)")
    if number == signal.SIGXCPU:
        return Failure(kind="timeout", message=f"The job used up its CPU-time limit and was killed by {name}.")
    cause = _SIGNALS.get(number, f"{name}")
    return Failure(
        kind="crashed",
        message=f"The job crashed with {name} ({cause}) before it could report. {_NO_EXIT} Use only torch, math "
        "and plain Python; no ctypes, signals or native calls.",
    )


def exited(code: int) -> Failure:
    """The job's main process exited with a code, without a result the runner wrote."""
    return Failure(
        kind="crashed", message=f"The job process exited with code {code} before it reported a result. {_NO_EXIT}"
    )


def invalid_result(reason: str) -> Failure:
    """The result file cannot be trusted; ``reason`` must not quote the file's content."""
    return Failure(
        kind="invalid_result",
        message=f"The job's result could not be used: {reason}. Reward code must not write files, and must not "
        "end the process itself.",
    )


def result_too_large(size: int, limit: int) -> Failure:
    """The runner's own result is over the size the host reads; reward output decides its size."""
    return Failure(
        kind="invalid_result",
        message=f"The job's result was {size} bytes, over the {limit}-byte limit. Return fewer reward components, "
        "with short names.",
    )


def sandbox_error(detail: str) -> Failure:
    """The job could not run, for a reason that is not the reward's fault."""
    return Failure(kind="sandbox_error", message=f"The sandbox could not run the job: {detail}")
