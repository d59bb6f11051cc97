"""Verifier code for text tasks, in a contract shaped like TRL's reward functions, loaded as a plain module.

The entry point::

    def compute_reward(prompts, completions, answers, **columns) -> tuple[list[float], dict[str, list[float]]]

receives the batch's prompts, completions and reference answers (``None`` where a task has none), each a
list of ``N``, and any column of the task (``facts``, ``format``, ``max_chars``, ...) by name, as TRL passes
dataset columns. It returns one finite reward per completion, and its named components (each ``N`` finite
numbers), which travel like the control contract's components.

A reward that declares a ``judge`` parameter after ``answers`` is given a judge:
``judge(question, choices, prompt, answer) -> float``, the rank of an LLM judge's verdict among
``choices`` (worst first) scaled to [0, 1] (:class:`~rewardsmith.text.judge.LLMJudge`). A job binds the
embedded model unless told another; every verdict is recorded, so training can set the judge's verdicts
beside the trusted checker's.

The code is parsed, its entry point checked, written to ``text_reward_<sha256[:12]>.py`` and imported
from there: never ``exec``'d from a string (see :mod:`rewardsmith.rewards.loader`, whose parsing it shares).
"""

from __future__ import annotations

import ast
import hashlib
import importlib.util
import math
import sys
from collections.abc import Callable, Mapping, Sequence
from numbers import Real
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, Field

from rewardsmith.rewards.errors import (
    BadSignatureError,
    NoFunctionError,
    NonFiniteError,
    RewardRuntimeError,
    WrongReturnTypeError,
    WrongShapeError,
)
from rewardsmith.rewards.extract import extract_code
from rewardsmith.rewards.loader import ENTRY_POINT, _describe_exception, _entry_point, _parse, _where

if TYPE_CHECKING:
    from rewardsmith.text.judge import LLMJudge

#: The positional parameters every text reward takes first, in this order.
TEXT_REWARD_PARAMETERS: tuple[str, ...] = ("prompts", "completions", "answers")
#: The parameter through which a reward asks for an LLM judge.
JUDGE_PARAMETER = "judge"
_SIGNATURE = "def compute_reward(prompts, completions, answers, **columns)"


class TextRewardOutput(BaseModel):
    """What a text reward returned, checked: one finite reward per completion, and its components."""

    rewards: list[float] = Field(description="One reward per completion, in order.")
    components: dict[str, list[float]] = Field(default_factory=dict, description="Named terms, one value each.")


class TextReward:
    """A loaded text reward: call it on a batch and get a checked :class:`TextRewardOutput`.

    ``judge`` is passed to the code as its ``judge`` parameter where it declares one (None where none was given).
    """

    def __init__(
        self,
        function: Callable[..., Any],
        *,
        source: str,
        path: Path,
        sha256: str,
        asks_for_judge: bool = False,
        judge: LLMJudge | None = None,
    ) -> None:
        self.function = function
        self.source = source
        self.path = path
        self.sha256 = sha256
        self.asks_for_judge = asks_for_judge
        self.judge = judge if asks_for_judge else None

    def __call__(
        self,
        prompts: Sequence[str],
        completions: Sequence[str],
        answers: Sequence[str | None],
        columns: Mapping[str, Sequence[Any]] | None = None,
    ) -> TextRewardOutput:
        """Score ``completions``; ``columns`` are passed by name, each as long as the batch.

        Raises:
            RewardContractError: The code raised, or returned something that breaks the contract.
        """
        count = len(completions)
        if len(prompts) != count or len(answers) != count:
            raise ValueError(f"{len(prompts)} prompts, {count} completions and {len(answers)} answers; give one each")
        keywords = {k: list(v) for k, v in (columns or {}).items()}
        if self.asks_for_judge:
            keywords[JUDGE_PARAMETER] = self.judge.score if self.judge is not None else None
        try:
            returned = self.function(list(prompts), list(completions), list(answers), **keywords)
        except Exception as error:
            raise RewardRuntimeError(
                f"compute_reward raised {_describe_exception(error)}{_where(error, self.path)}"
            ) from None
        return check_text_output(returned, count)


def load_text_reward(text: str, workdir: Path, judge: LLMJudge | None = None) -> TextReward:
    """Load text reward code (a model's response or a file's text) as a module in ``workdir``, with ``judge``
    for its ``judge`` parameter where it declares one.

    Raises:
        RewardContractError: No code, a syntax error, no or several ``compute_reward``, a signature that
            breaks the contract, or an import that fails.
    """
    code, entry = _checked(text)
    sha256 = hashlib.sha256(code.encode()).hexdigest()
    workdir.mkdir(parents=True, exist_ok=True)
    path = workdir / f"text_reward_{sha256[:12]}.py"
    path.write_text(code)
    function = _import(path, sha256)
    return TextReward(
        function, source=code, path=path, sha256=sha256, asks_for_judge=declares_judge(entry), judge=judge
    )


def asks_for_judge(text: str) -> bool:
    """Whether the verifier code in ``text`` declares a ``judge`` parameter; nothing is run.

    Raises:
        RewardContractError: As :func:`checked_text_reward_code`.
    """
    return declares_judge(_checked(text)[1])


def declares_judge(entry: ast.FunctionDef) -> bool:
    """Whether a ``compute_reward`` definition takes the ``judge`` parameter, by position or keyword."""
    arguments = entry.args
    return JUDGE_PARAMETER in {argument.arg for argument in (*arguments.args, *arguments.kwonlyargs)}


def checked_text_reward_code(text: str) -> str:
    """The code in ``text``, once it parses and its ``compute_reward`` keeps the contract's signature.

    Nothing is imported or run, so a host may call it on untrusted code before sending it to a sandbox.

    Raises:
        RewardContractError: No code, a syntax error, no or several ``compute_reward``, or a bad signature.
    """
    return _checked(text)[0]


def _checked(text: str) -> tuple[str, ast.FunctionDef]:
    """The code in ``text`` and its ``compute_reward``, parsed once, the signature checked."""
    code = extract_code(text)
    entry = _entry_point(_parse(code))
    _check_signature(entry)
    return code, entry


def check_text_output(returned: object, count: int) -> TextRewardOutput:
    """``returned`` as a :class:`TextRewardOutput`, when it keeps the contract for a batch of ``count``.

    Raises:
        WrongReturnTypeError, WrongShapeError, NonFiniteError: It does not.
    """
    if not (isinstance(returned, tuple) and len(returned) == 2 and isinstance(returned[1], dict)):
        raise WrongReturnTypeError(
            f"compute_reward returned {type(returned).__name__}; return (rewards, components): a list of one "
            "float per completion and a dict of named lists."
        )
    rewards = _numbers("rewards", returned[0], count)
    components = {}
    for name, values in returned[1].items():
        if not isinstance(name, str):
            raise WrongReturnTypeError(f"component name {name!r} is not a string; name each component.")
        components[name] = _numbers(f"component '{name}'", values, count)
    return TextRewardOutput(rewards=rewards, components=components)


def _numbers(what: str, values: object, count: int) -> list[float]:
    if isinstance(values, str | bytes | Mapping) or not isinstance(values, Sequence):
        raise WrongReturnTypeError(f"{what} is a {type(values).__name__}; return a list of {count} floats.")
    if len(values) != count:
        raise WrongShapeError(f"{what} has {len(values)} values for {count} completions; return one per completion.")
    numbers = []
    for index, value in enumerate(values):
        # bool is a Real, but True as a reward is a bug: it hides which number was meant.
        if isinstance(value, bool) or not isinstance(value, Real):
            raise WrongReturnTypeError(f"{what}[{index}] is a {type(value).__name__}; every value must be a float.")
        if not math.isfinite(float(value)):
            raise NonFiniteError(f"{what}[{index}] is {value}; every value must be finite.")
        numbers.append(float(value))
    return numbers


def _check_signature(node: ast.FunctionDef) -> None:
    arguments = node.args
    if arguments.vararg is not None or arguments.posonlyargs:
        raise BadSignatureError(f"compute_reward must be {_SIGNATURE}; drop *args and '/'.")
    names = tuple(argument.arg for argument in arguments.args)
    if names[:3] != TEXT_REWARD_PARAMETERS:
        raise BadSignatureError(
            f"compute_reward takes ({', '.join(names)}); its first parameters must be prompts, completions, "
            f"answers: {_SIGNATURE}."
        )


def _import(path: Path, sha256: str) -> Callable[..., Any]:
    module_name = f"rewardsmith_text_reward_{sha256[:12]}"
    module_spec = importlib.util.spec_from_file_location(module_name, path)
    if module_spec is None or module_spec.loader is None:  # pragma: no cover - a .py path always has one
        raise RewardRuntimeError(f"The reward file {path.name} cannot be imported.")
    module = importlib.util.module_from_spec(module_spec)
    sys.modules[module_name] = module
    try:
        module_spec.loader.exec_module(module)
    except Exception as error:
        raise RewardRuntimeError(
            f"Importing the code raised {_describe_exception(error)}{_where(error, path)}"
        ) from None
    finally:
        sys.modules.pop(module_name, None)
    function = getattr(module, ENTRY_POINT, None)
    if not callable(function):
        raise NoFunctionError("After import, compute_reward is not a function; keep a single def compute_reward.")
    return function
