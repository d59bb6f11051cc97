"""Command-line options made from a pydantic model's fields, so each default and help text is written
once, in the model (``DesignConfig``, ``TrainConfig``), and the CLI cannot drift from the API."""

from __future__ import annotations

import inspect
import types
import typing
from collections.abc import Callable, Iterable
from typing import Annotated, Any, Literal, TypeVar

import typer
from pydantic import BaseModel

CommandT = TypeVar("CommandT", bound=Callable[..., Any])


def option_name(field: str) -> str:
    """The flag of a model field: ``final_seeds`` is ``--final-seeds``."""
    return "--" + field.replace("_", "-")


def model_options(
    model: type[BaseModel], *, only: Iterable[str] | None = None, exclude: Iterable[str] = ()
) -> list[inspect.Parameter]:
    """One keyword parameter per field of ``model`` (or of ``only``), with the field's default and its
    description as help; booleans become ``--name/--no-name`` switches."""
    chosen = set(only) if only is not None else None
    skipped = set(exclude)
    parameters = []
    for name, field in model.model_fields.items():
        if name in skipped or (chosen is not None and name not in chosen):
            continue
        flag = option_name(name)
        annotation = _command_line_type(field.annotation)
        declaration = f"{flag}/--no-{flag[2:]}" if annotation is bool else flag
        option = typer.Option(declaration, help=field.description or "")
        parameters.append(
            inspect.Parameter(
                name,
                inspect.Parameter.KEYWORD_ONLY,
                default=field.get_default(call_default_factory=True),
                annotation=Annotated[annotation, option],
            )
        )
    return parameters


def with_model_options(
    model: type[BaseModel], *, only: Iterable[str] | None = None, exclude: Iterable[str] = ()
) -> Callable[[CommandT], CommandT]:
    """Give a command taking ``**options`` one option per field of ``model``; it receives them by name."""

    def give(command: CommandT) -> CommandT:
        # Evaluated annotations: with postponed evaluation they are strings, which typer would not read.
        signature = inspect.signature(command, eval_str=True)
        own = [p for p in signature.parameters.values() if p.kind is not inspect.Parameter.VAR_KEYWORD]
        command.__signature__ = signature.replace(  # type: ignore[attr-defined]
            parameters=[*own, *model_options(model, only=only, exclude=exclude)]
        )
        return command

    return give


def _command_line_type(annotation: Any) -> Any:
    """A type click can parse: a ``Literal`` of strings becomes ``str`` (the model validates the value),
    and ``X | None`` stays optional."""
    origin = typing.get_origin(annotation)
    if origin is Literal:
        return str
    if origin in (typing.Union, types.UnionType):
        members = [_command_line_type(member) for member in typing.get_args(annotation) if member is not type(None)]
        optional = type(None) in typing.get_args(annotation)
        (member,) = members
        return member | None if optional else member
    return annotation
