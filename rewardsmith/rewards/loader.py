"""Load candidate reward code as a plain Python module and bind it to a task's state by name.

Loading follows the contract step by step: extract the code from the response, parse it, drop
``torch.jit.script`` decorators, find the single top-level ``compute_reward``, check that each
parameter names a state variable, write the code to ``reward_<sha256[:12]>.py`` and import that
file. Code is never ``exec``'d from a string: TorchScript, tracebacks and ``inspect`` all need a
real file, and the file is what a run record keeps.

Eureka-style responses load unchanged. Eureka pasted the code into an environment file that already
imported ``torch`` and ``typing``, so its responses often omit those imports; the module namespace is
therefore pre-seeded with :data:`PRELUDE` (the code's own imports still take precedence).
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import math
import operator
import sys
import traceback
import typing
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import torch

from rewardsmith.rewards.contract import RewardOutput, check_output, check_unchanged, input_versions, unknown_parameter
from rewardsmith.rewards.errors import (
    BadSignatureError,
    NoFunctionError,
    RewardRuntimeError,
    RewardSyntaxError,
    UnknownStateVariableError,
)
from rewardsmith.rewards.extract import extract_code
from rewardsmith.tasks.spec import TaskSpec

ENTRY_POINT = "compute_reward"

#: Names every reward module starts with, as if the code had imported them itself.
PRELUDE: dict[str, object] = {
    "torch": torch,
    "math": math,
    "Tensor": torch.Tensor,
    "Tuple": typing.Tuple,  # noqa: UP006 - Eureka's responses annotate with typing's generics.
    "Dict": typing.Dict,  # noqa: UP006
    "List": typing.List,  # noqa: UP006
    "Optional": typing.Optional,
}

_JIT_DECORATORS = frozenset({"torch.jit.script", "jit.script", "script"})
_MAX_EXCEPTION_CHARS = 300
_RESEND = "Resend the complete code in one ```python block."

State = Mapping[str, torch.Tensor]


class RewardFunction:
    """A loaded reward function, bound to state variables by parameter name.

    Calling it is the training hot path and checks nothing; use :meth:`call_checked` or
    :func:`~rewardsmith.rewards.contract.check_output` every few steps instead.

    Attributes:
        source: The code written to :attr:`path` (the candidate's code with jit decorators blanked
            out, so its line numbers are the candidate's own).
        path: The module file the function was imported from.
        sha256: Hex SHA-256 of :attr:`source`.
        parameters: ``compute_reward``'s parameter names, in order; all are state variables.
    """

    __slots__ = ("_bind", "function", "parameters", "path", "sha256", "source")

    def __init__(
        self,
        function: Callable[..., Any],
        *,
        source: str,
        path: Path,
        sha256: str,
        parameters: tuple[str, ...],
    ) -> None:
        self.function = function
        self.source = source
        self.path = path
        self.sha256 = sha256
        self.parameters = parameters
        getter = operator.itemgetter(*parameters)
        # itemgetter returns a bare value, not a 1-tuple, for a single name.
        self._bind: Callable[[State], tuple[torch.Tensor, ...]] = (
            getter if len(parameters) > 1 else (lambda state: (getter(state),))
        )

    def __call__(self, state: State) -> tuple[torch.Tensor, dict[str, torch.Tensor]]:
        """Call ``compute_reward`` with the state variables it names; no checks."""
        return self.function(*self._bind(state))

    def __repr__(self) -> str:
        return f"RewardFunction(compute_reward({', '.join(self.parameters)}), path='{self.path}')"

    def inputs(self, state: State) -> dict[str, torch.Tensor]:
        """The tensors this function is called with, by parameter name."""
        return {name: state[name] for name in self.parameters}

    def call_checked(self, state: State) -> RewardOutput:
        """Call the function and check its output and its inputs against the contract.

        Args:
            state: The task state, ``[num_envs, ...]`` tensors on one device.

        Returns:
            The checked output.

        Raises:
            RewardContractError: Any contract violation, an exception inside the code included
                (as :class:`RewardRuntimeError`).
        """
        inputs = self.inputs(state)
        versions = input_versions(inputs)
        try:
            output = self(state)
        except (Exception, SystemExit) as error:
            raise self.runtime_error(error, inputs) from error
        check_unchanged(inputs, versions)
        first = next(iter(inputs.values()))
        return check_output(output, num_envs=first.shape[0], device=first.device, inputs=inputs)

    def runtime_error(self, error: BaseException, inputs: State | None = None) -> RewardRuntimeError:
        """Describe an exception raised while calling this function, for the LLM that wrote it.

        Args:
            error: The exception, with its traceback.
            inputs: The tensors the call received; their shapes and dtypes are quoted.

        Returns:
            An error naming the exception, and the line of reward code it came from.
        """
        message = f"compute_reward raised {_describe_exception(error)}{_where(error, self.path)}"
        if inputs:
            shapes = ", ".join(f"{name} {_dtype_name(t.dtype)}{list(t.shape)}" for name, t in inputs.items())
            message += f"\nIt was called with: {shapes}."
        return RewardRuntimeError(message + _exception_hint(error))


def load_reward(text: str, spec: TaskSpec, workdir: Path) -> RewardFunction:
    """Load a candidate reward from a raw LLM response.

    Args:
        text: The response: prose and a fenced code block, or bare code.
        spec: The task whose state variables the parameters must name.
        workdir: Where the module file is written; created if missing.

    Returns:
        The loaded function.

    Raises:
        NoCodeError: The response has no code.
        RewardSyntaxError: The code does not parse or compile.
        NoFunctionError: There is no single top-level ``def compute_reward``.
        BadSignatureError: Its parameters cannot be bound by name.
        UnknownStateVariableError: A parameter is not a state variable of ``spec``.
        RewardRuntimeError: Importing the module raised.
    """
    code = extract_code(text)
    tree = _parse(code)
    source = _strip_jit_decorators(code, tree)
    function_node = _entry_point(tree)
    parameters = _parameters(function_node, spec)

    sha256 = hashlib.sha256(source.encode()).hexdigest()
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"reward_{sha256[:12]}.py"
    path.write_text(source)
    function = _import(path, sha256)
    return RewardFunction(function, source=source, path=path, sha256=sha256, parameters=parameters)


def _parse(code: str) -> ast.Module:
    lines = code.split("\n")
    try:
        tree = ast.parse(code)
        # Some errors ('return' outside a function, misplaced nonlocal) only surface at compile time.
        compile(code, "<reward>", "exec", dont_inherit=True)
    except SyntaxError as error:
        line_number = error.lineno or 1
        offending = lines[line_number - 1] if 0 < line_number <= len(lines) else (error.text or "")
        raise RewardSyntaxError(
            f"{type(error).__name__} at line {line_number}: {error.msg}\n"
            f"  {line_number} | {offending.rstrip()}\n{_RESEND}"
        ) from None
    except ValueError as error:  # e.g. a NUL byte in the code
        raise RewardSyntaxError(f"The code cannot be parsed: {error}. {_RESEND}") from None
    return tree


def _strip_jit_decorators(code: str, tree: ast.Module) -> str:
    # Blank the decorator lines rather than unparse the tree, so comments and line numbers survive
    # and every later message points at the candidate's own lines.
    lines = code.split("\n")
    for node in ast.walk(tree):
        if not isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        kept = []
        for decorator in node.decorator_list:
            if _dotted_name(decorator) in _JIT_DECORATORS:
                for index in range(decorator.lineno - 1, (decorator.end_lineno or decorator.lineno)):
                    lines[index] = ""
            else:
                kept.append(decorator)
        node.decorator_list = kept
    return "\n".join(lines)


def _dotted_name(node: ast.expr) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return f"{_dotted_name(node.value)}.{node.attr}"
    return ""


def _entry_point(tree: ast.Module) -> ast.FunctionDef:
    top_level = [
        node
        for node in tree.body
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == ENTRY_POINT
    ]
    if len(top_level) > 1:
        lines = ", ".join(str(node.lineno) for node in top_level)
        raise NoFunctionError(
            f"compute_reward is defined {len(top_level)} times (lines {lines}); keep exactly one definition."
        )
    if not top_level:
        nested = [
            node
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name == ENTRY_POINT
        ]
        if nested:
            raise NoFunctionError(
                f"compute_reward is defined at line {nested[0].lineno} inside another block (a class, "
                "function or if); define it at the top level of the module, not indented."
            )
        defined = [node.name for node in tree.body if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)]
        found = f" (found: {', '.join(defined)})" if defined else ""
        raise NoFunctionError(
            f"The code defines no function named compute_reward{found}. The entry point must be "
            "def compute_reward(<state variable names>) -> tuple[Tensor, dict[str, Tensor]]."
        )
    node = top_level[0]
    if isinstance(node, ast.AsyncFunctionDef):
        raise BadSignatureError("compute_reward is declared 'async def'; make it a plain 'def'.")
    return node


def _parameters(node: ast.FunctionDef, spec: TaskSpec) -> tuple[str, ...]:
    arguments = node.args
    example = f"e.g. def compute_reward({', '.join(spec.state_variable_names[:2])})"
    star = (
        f"*{arguments.vararg.arg}"
        if arguments.vararg is not None
        else f"**{arguments.kwarg.arg}"
        if arguments.kwarg is not None
        else None
    )
    if star is not None:
        raise BadSignatureError(
            f"compute_reward takes {star}, which cannot be bound: parameters bind to state variables by "
            f"name. Declare each state variable you use as a named parameter, {example}."
        )
    if arguments.kwonlyargs:
        names = ", ".join(argument.arg for argument in arguments.kwonlyargs)
        raise BadSignatureError(
            f"compute_reward has keyword-only parameters ({names}); remove the bare '*' and list every "
            f"state variable as a plain parameter, {example}."
        )
    parameters = tuple(argument.arg for argument in (*arguments.posonlyargs, *arguments.args))
    if not parameters:
        raise BadSignatureError(
            "compute_reward takes no parameters, so it cannot see the state. Take the state variables you "
            f"need as parameters, {example}."
        )
    unknown = unknown_parameter(parameters, spec)
    if unknown is not None:
        raise UnknownStateVariableError(unknown)
    return parameters


def _import(path: Path, sha256: str) -> Callable[..., Any]:
    module_name = f"rewardsmith_reward_{sha256[:12]}"
    module_spec = importlib.util.spec_from_file_location(module_name, path)
    if module_spec is None or module_spec.loader is None:  # pragma: no cover - a .py path always has one
        raise RewardRuntimeError(f"The reward file {path.name} cannot be imported.")
    module = importlib.util.module_from_spec(module_spec)
    module.__dict__.update(PRELUDE)
    # Registered for the duration of the import, like any module: dataclasses and typing look it up.
    sys.modules[module_name] = module
    try:
        module_spec.loader.exec_module(module)
    except (Exception, SystemExit) as error:
        raise RewardRuntimeError(
            f"Importing the code raised {_describe_exception(error)}{_where(error, path)}"
            f"{_exception_hint(error)}\nOnly torch, math, the Python standard library and "
            "rewardsmith.rewards.transforms can be imported."
        ) from None
    finally:
        sys.modules.pop(module_name, None)
    function = getattr(module, ENTRY_POINT, None)
    if not callable(function):
        raise NoFunctionError(
            "After import, compute_reward is not a function (it was reassigned at the top level); "
            "keep a single def compute_reward."
        )
    return function


def _describe_exception(error: BaseException) -> str:
    text = str(error).strip().split("\n")[0]
    if len(text) > _MAX_EXCEPTION_CHARS:
        text = text[: _MAX_EXCEPTION_CHARS - 1] + "…"
    return f"{type(error).__name__}: {text}" if text else type(error).__name__


def _where(error: BaseException, path: Path) -> str:
    # The innermost frame in the reward file is the candidate's line that failed, even when the
    # exception itself was raised deep inside torch.
    frames = [frame for frame in traceback.extract_tb(error.__traceback__) if frame.filename == str(path)]
    if not frames:
        return "."
    frame = frames[-1]
    inside = f" (in {frame.name})" if frame.name not in (ENTRY_POINT, "<module>") else ""
    return f"\n  line {frame.lineno}{inside} | {(frame.line or '').strip()}"


def _exception_hint(error: BaseException) -> str:
    if isinstance(error, NameError):
        return (
            "\nDefine or import every name in the same code block as compute_reward; only that block is "
            "loaded, and reward code cannot read environment attributes (self.*)."
        )
    return ""


def _dtype_name(dtype: torch.dtype) -> str:
    return str(dtype).removeprefix("torch.")
