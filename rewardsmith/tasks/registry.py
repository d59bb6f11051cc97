"""Find a task by registry name, or load a user's task from ``path/to/file.py:ClassName``."""

from __future__ import annotations

import contextlib
import importlib
import importlib.util
import inspect
import signal
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import torch
from pydantic import ValidationError

from rewardsmith.tasks.protocol import Task
from rewardsmith.tasks.spec import TaskSpec, common_state_variables

_BUILTIN: dict[str, str] = {
    "cartpole": "rewardsmith.tasks.builtin.cartpole:CartPole",
    "pendulum": "rewardsmith.tasks.builtin.pendulum:Pendulum",
    "mountain_car": "rewardsmith.tasks.builtin.mountain_car:MountainCar",
    "acrobot": "rewardsmith.tasks.builtin.acrobot:Acrobot",
    "point_reach": "rewardsmith.tasks.builtin.point_reach:PointReach",
    "hopper": "rewardsmith.tasks.builtin.mujoco.hopper:Hopper",
    "hopper_jump": "rewardsmith.tasks.builtin.mujoco.hopper:HopperJump",
    "half_cheetah": "rewardsmith.tasks.builtin.mujoco.half_cheetah:HalfCheetah",
    "half_cheetah_backward": "rewardsmith.tasks.builtin.mujoco.half_cheetah:HalfCheetahBackward",
    "ant": "rewardsmith.tasks.builtin.mujoco.ant:Ant",
    "ant_stand_front": "rewardsmith.tasks.builtin.mujoco.ant:AntStandFront",
}
#: Seconds a task file may take to import; a file that loops at import would otherwise hang every command.
IMPORT_TIME_LIMIT_S = 30.0
_REGISTERED: dict[str, type[Task]] = {}


class TaskLoadError(ValueError):
    """A task could not be found or does not keep the task contract. The message is one line."""


def register(task_class: type[Task]) -> type[Task]:
    """Make a task class available by its spec name; usable as a class decorator."""
    check_task_class(task_class, origin=task_class.__qualname__)
    _REGISTERED[task_class.spec.name] = task_class
    return task_class


def task_names() -> list[str]:
    """Names of the built-in and registered tasks, sorted."""
    return sorted({*_BUILTIN, *_REGISTERED})


def names_a_task(ref: str) -> bool:
    """Whether ``ref`` is a control task's name or a task file's reference (which may still fail to load)."""
    return ref in _REGISTERED or ref in _BUILTIN or _is_file_ref(ref)


def _is_file_ref(ref: str) -> bool:
    return ":" in ref and ref.split(":", 1)[0].endswith(".py")


def load_task(ref: str) -> type[Task]:
    """Resolve a task reference to its class.

    Args:
        ref: A registry name (``"cartpole"``) or ``"path/to/file.py:ClassName"``.

    Raises:
        TaskLoadError: The name is unknown, the file or class is missing, or the class breaks the
            task contract.
    """
    if ref in _REGISTERED:
        return _REGISTERED[ref]
    if ref in _BUILTIN:
        module_name, class_name = _BUILTIN[ref].split(":")
        return getattr(importlib.import_module(module_name), class_name)
    if _is_file_ref(ref):
        return _load_from_file(ref)
    raise TaskLoadError(f"unknown task '{ref}': use one of {', '.join(task_names())}, or path/to/file.py:ClassName")


def _load_from_file(ref: str) -> type[Task]:
    path_text, class_name = ref.rsplit(":", 1)
    path = Path(path_text).expanduser().resolve()
    if not path.is_file():
        raise TaskLoadError(f"task file not found: {path_text} (give path/to/file.py:ClassName)")
    module_name = f"rewardsmith_user_task_{abs(hash(path))}"
    spec = importlib.util.spec_from_file_location(module_name, path)
    if spec is None or spec.loader is None:
        raise TaskLoadError(f"cannot import {path_text} as a Python module")
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module
    try:
        with _time_limit(IMPORT_TIME_LIMIT_S, f"importing {path_text} took more than {IMPORT_TIME_LIMIT_S:g} s"):
            spec.loader.exec_module(module)
    except TaskLoadError:
        raise
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"])
        raise TaskLoadError(f"{path_text}: invalid TaskSpec at '{where}': {first['msg']}") from None
    except Exception as error:
        first_line = str(error).splitlines()[0] if str(error) else ""
        raise TaskLoadError(f"{path_text} failed to import: {type(error).__name__}: {first_line}") from None
    task_class = getattr(module, class_name, None)
    if task_class is None:
        available = sorted(
            name
            for name, value in vars(module).items()
            if inspect.isclass(value) and issubclass(value, Task) and not inspect.isabstract(value)
        )
        hint = f"; task classes there: {', '.join(available)}" if available else ""
        raise TaskLoadError(f"{path_text} has no class '{class_name}'{hint}")
    check_task_class(task_class, origin=ref)
    if not task_class.one_per_process:
        check_task_runs(task_class, origin=ref)
    return task_class


@contextlib.contextmanager
def _time_limit(seconds: float, what: str) -> Iterator[None]:
    """Raise :class:`TaskLoadError` when the block runs longer than ``seconds`` (main thread only: it
    uses SIGALRM, which only that thread receives; elsewhere the block runs without a limit)."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum: int, frame: object) -> None:
        raise TaskLoadError(f"{what}; does the file loop, or wait, at import? Move that work out of import")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def check_task_class(task_class: object, origin: str) -> None:
    """Raise :class:`TaskLoadError` unless ``task_class`` keeps the task contract."""
    if not (inspect.isclass(task_class) and issubclass(task_class, Task)):
        raise TaskLoadError(f"{origin} is not a subclass of rewardsmith.tasks.Task (BatchedTask or an adapter)")
    spec = getattr(task_class, "spec", None)
    if not isinstance(spec, TaskSpec):
        raise TaskLoadError(f"{origin} has no class attribute 'spec' of type TaskSpec")
    missing = sorted(getattr(task_class, "__abstractmethods__", ()))
    if missing:
        raise TaskLoadError(f"{origin} does not implement {', '.join(missing)}")
    declared = set(spec.state_variable_names)
    common = {v.name for v in common_state_variables(spec.action_space)}
    if not common <= declared:
        raise TaskLoadError(
            f"{origin} spec must include common_state_variables(action_space) "
            f"(missing {', '.join(sorted(common - declared))})"
        )


def check_task_runs(task_class: type[Task], origin: str) -> None:
    """Step two environments of ``task_class`` once and raise :class:`TaskLoadError` on any breach."""
    spec = task_class.spec
    try:
        task = task_class(num_envs=2, device="cpu", seed=0)
        observation = task.reset()
        if tuple(observation.shape) != (2, spec.observation.size):
            raise TaskLoadError(
                f"{origin}: observe() returned shape {tuple(observation.shape)}, "
                f"spec says (num_envs, {spec.observation.size})"
            )
        action = torch.zeros((2, *task.action_shape), dtype=torch.float32)
        output = task.step(action)
        missing = sorted(set(spec.state_variable_names) - set(output.state))
        if missing:
            raise TaskLoadError(f"{origin}: step() state lacks declared variables {missing}")
        if output.terminated.shape != (2,) or output.terminated.dtype != torch.bool:
            raise TaskLoadError(f"{origin}: terminal() must return a bool tensor of shape (num_envs,)")
    except TaskLoadError:
        raise
    except Exception as error:
        message = str(error).splitlines()[0] if str(error) else ""
        raise TaskLoadError(f"{origin} fails a smoke step: {type(error).__name__}: {message}") from None
