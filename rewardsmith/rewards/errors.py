"""Typed errors for reward code that breaks the reward contract.

Every error has a stable :data:`ErrorKind` that code can branch on, and a message written for the LLM
that produced the candidate: a few short lines saying what is wrong and what to do about it. The
messages go back to the Designer verbatim, so they name the offending line, variable or component
and never include a Python traceback.

:class:`RewardError` is the serialisable form that travels in results (e.g. ``VerifyResult.error``).
"""

from __future__ import annotations

from typing import ClassVar, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

ErrorKind = Literal[
    "no_code",
    "no_function",
    "syntax_error",
    "bad_signature",
    "unknown_state_variable",
    "runtime_error",
    "wrong_return_type",
    "wrong_shape",
    "wrong_dtype",
    "non_finite",
    "wrong_device",
    "too_slow",
    "mutates_state",
]

ERROR_KINDS: tuple[ErrorKind, ...] = get_args(ErrorKind)

#: Messages are quoted into prompts and size-capped result files; a runaway exception text must not
#: crowd out the rest of the feedback.
MAX_MESSAGE_CHARS = 1200


class RewardError(BaseModel):
    """A reward contract violation as data, for results and prompts."""

    model_config = ConfigDict(frozen=True)

    kind: ErrorKind = Field(description="Stable machine-readable category of the violation.")
    message: str = Field(max_length=MAX_MESSAGE_CHARS, description="What is wrong and what to do, written for the LLM.")


class RewardContractError(Exception):
    """Base class: a candidate reward breaks the reward contract.

    Args:
        message: What is wrong and what to do, in a few short lines. Longer text is cut.
    """

    kind: ClassVar[ErrorKind]

    def __init__(self, message: str) -> None:
        if len(message) > MAX_MESSAGE_CHARS:
            message = message[: MAX_MESSAGE_CHARS - 1] + "…"
        super().__init__(message)
        self.message = message

    def to_model(self) -> RewardError:
        """The serialisable form of this error."""
        return RewardError(kind=self.kind, message=self.message)


class NoCodeError(RewardContractError):
    """The response contains no Python code."""

    kind = "no_code"


class NoFunctionError(RewardContractError):
    """The code has no single top-level ``def compute_reward``."""

    kind = "no_function"


class RewardSyntaxError(RewardContractError):
    """The code does not parse or compile."""

    kind = "syntax_error"


class BadSignatureError(RewardContractError):
    """``compute_reward``'s parameters cannot be bound by name (``*args``, keyword-only, none, async)."""

    kind = "bad_signature"


class UnknownStateVariableError(RewardContractError):
    """A parameter of ``compute_reward`` names no state variable of the task."""

    kind = "unknown_state_variable"


class RewardRuntimeError(RewardContractError):
    """The code raised an exception, at import or when called."""

    kind = "runtime_error"


class WrongReturnTypeError(RewardContractError):
    """The function did not return ``(Tensor, dict[str, Tensor])``."""

    kind = "wrong_return_type"


class WrongShapeError(RewardContractError):
    """The total or a component is not of shape ``[num_envs]``."""

    kind = "wrong_shape"


class WrongDtypeError(RewardContractError):
    """The total or a component is not floating point."""

    kind = "wrong_dtype"


class NonFiniteError(RewardContractError):
    """The total or a component is NaN or infinite for some states."""

    kind = "non_finite"


class WrongDeviceError(RewardContractError):
    """The total or a component is not on the device of the state."""

    kind = "wrong_device"


class TooSlowError(RewardContractError):
    """The median time per call exceeds the limit."""

    kind = "too_slow"


class MutatesStateError(RewardContractError):
    """The function modified a state tensor in place, which would change the environment itself."""

    kind = "mutates_state"


ERROR_CLASSES: dict[ErrorKind, type[RewardContractError]] = {
    cls.kind: cls
    for cls in (
        NoCodeError,
        NoFunctionError,
        RewardSyntaxError,
        BadSignatureError,
        UnknownStateVariableError,
        RewardRuntimeError,
        WrongReturnTypeError,
        WrongShapeError,
        WrongDtypeError,
        NonFiniteError,
        WrongDeviceError,
        TooSlowError,
        MutatesStateError,
    )
}


def error_from_model(error: RewardError) -> RewardContractError:
    """Rebuild the typed exception from its serialised form, e.g. on the host after a sandbox run.

    Args:
        error: An error read back from a result.

    Returns:
        An instance of the subclass for ``error.kind``, carrying the same message.
    """
    return ERROR_CLASSES[error.kind](error.message)
