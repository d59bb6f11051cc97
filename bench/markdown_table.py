"""Write a marked table into a Markdown file, keeping the rows of tasks that were not re-run."""

from __future__ import annotations

from pathlib import Path


def write_table(path: Path, start: str, end: str, preamble: list[str], header: list[str], rows: list[str]) -> str:
    """Replace the block between ``start`` and ``end`` in ``path``; rows are keyed by their first cell.

    Rows already in the file whose first cell (the task) is not among ``rows`` are kept, so that one
    task can be measured again without re-running the others.
    """
    text = path.read_text()
    before, rest = text.split(start, 1)
    old_block, after = rest.split(end, 1)

    def key(row: str) -> str:
        return row.strip("|").split("|")[0].strip()

    merged = {key(row): row for row in old_block.splitlines() if row.startswith("| ") and not row.startswith("| task")}
    merged.update({key(row): row for row in rows})
    block = "\n".join([start, *preamble, "", *header, *(merged[name] for name in sorted(merged)), end])
    path.write_text(before + block + after)
    return block


def write_section(path: Path, start: str, end: str, lines: list[str]) -> str:
    """Replace the block between ``start`` and ``end`` in ``path`` with ``lines`` (appended if absent)."""
    section = "\n".join([start, *lines, end])
    text = path.read_text() if path.exists() else "# Benchmarks\n\n"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        text = before + section + rest.split(end, 1)[1]
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text)
    return section
