"""Pull reward code out of a raw LLM response.

The only parsing is Markdown fence detection (CommonMark's rules for ````` and ``~~~`` fences, opening
fences may be indented). There is deliberately no cascade of fallback patterns: a response whose code
cannot be found this way gets a :class:`NoCodeError` that tells the model how to format its answer.
"""

from __future__ import annotations

import ast
import re
import textwrap
from dataclasses import dataclass

from rewardsmith.rewards.errors import NoCodeError

_OPEN_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
_DEFINES_REWARD = re.compile(r"^[ \t]*(?:async[ \t]+)?def[ \t]+compute_reward\b", re.MULTILINE)
_PYTHON_INFO = frozenset({"", "python", "python3", "py", "py3"})
_FORMAT_HINT = "Reply with the complete reward code in one ```python block that defines compute_reward(...)."


@dataclass(frozen=True, slots=True)
class _Block:
    language: str
    code: str


def extract_code(text: str) -> str:
    """Return the reward code contained in an LLM response.

    Fenced blocks (```python, ```py, ```, ~~~, indented fences) are found first. Among several, the
    last one that defines ``compute_reward`` wins, because models tend to show a draft or a helper
    before the final version; if none defines it, the last Python (or untagged) block is returned so
    that the loader can report the missing function precisely. A response without any fence is taken
    as bare code when it parses as Python with at least one statement, or mentions
    ``def compute_reward``.

    Args:
        text: The raw response, prose and all. Windows and old-Mac line endings are accepted.

    Returns:
        The code, dedented, with ``\\n`` line endings and no surrounding blank lines.

    Raises:
        NoCodeError: The response holds only prose, only non-Python blocks, or an empty block.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff")
    blocks = _fenced_blocks(text)
    if blocks:
        return _choose(blocks)
    if _looks_like_code(text):
        return _tidy(text)
    raise NoCodeError(f"The response contains no Python code, only prose. {_FORMAT_HINT}")


def _fenced_blocks(text: str) -> list[_Block]:
    blocks: list[_Block] = []
    lines = text.split("\n")
    index = 0
    while index < len(lines):
        opening = _OPEN_FENCE.match(lines[index])
        # CommonMark: a backtick fence's info string may not contain backticks (that is inline code).
        if opening is None or (opening["fence"][0] == "`" and "`" in opening["info"]):
            index += 1
            continue
        fence, indent = opening["fence"], len(opening["indent"])
        closing = re.compile(rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$")
        body: list[str] = []
        index += 1
        # An unclosed fence runs to the end of the text, as in CommonMark; a response cut off by the
        # token limit then yields its (truncated) code, and the loader reports where it breaks.
        while index < len(lines) and not closing.match(lines[index]):
            body.append(_remove_indent(lines[index], indent))
            index += 1
        index += 1
        info = opening["info"].strip()
        language = info.split()[0].lower() if info else ""
        blocks.append(_Block(language=language, code=_tidy("\n".join(body))))
    return blocks


def _remove_indent(line: str, width: int) -> str:
    # Content of an indented fence loses up to the fence's own indentation, never more.
    stripped = 0
    while stripped < width and stripped < len(line) and line[stripped] in " \t":
        stripped += 1
    return line[stripped:]


def _choose(blocks: list[_Block]) -> str:
    # A stray fence (e.g. a closing ``` repeated at the end) opens an empty block; it is no answer.
    filled = [block for block in blocks if block.code.strip()]
    if not filled:
        raise NoCodeError(f"The response's code block is empty. {_FORMAT_HINT}")
    defining = [block for block in filled if _DEFINES_REWARD.search(block.code)]
    if defining:
        chosen = defining[-1]
    else:
        python = [block for block in filled if block.language in _PYTHON_INFO]
        if not python:
            languages = ", ".join(sorted({block.language for block in filled}))
            raise NoCodeError(f"The response has code blocks only in other languages ({languages}). {_FORMAT_HINT}")
        chosen = python[-1]
    return chosen.code


def _looks_like_code(text: str) -> bool:
    if _DEFINES_REWARD.search(text):
        return True
    try:
        tree = ast.parse(textwrap.dedent(text))
    except (SyntaxError, ValueError):
        return False
    # A lone expression ("yes", "OK") parses too; real code has at least one statement.
    return any(not isinstance(node, ast.Expr) for node in tree.body)


def _tidy(code: str) -> str:
    lines = textwrap.dedent(code).split("\n")
    while lines and not lines[0].strip():
        lines.pop(0)
    while lines and not lines[-1].strip():
        lines.pop()
    return "\n".join(line.rstrip() for line in lines) + "\n" if lines else ""
