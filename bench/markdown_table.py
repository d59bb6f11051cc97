"""Write a marked table into a Markdown file, keeping the rows of tasks that were not re-run."""

from __future__ import annotations

from pathlib import Path


def write_table(path: Path, start: str, end: str, preamble: list[str], header: list[str], rows: list[str]) -> str:
    """Replace the block between ``start`` and ``end`` in ``path``; rows are keyed by their first cell.

    Rows already in the file whose first cell (the task) is not among ``rows`` are kept, so that one
    task can be measured again without re-running the others.
    """
    merged = merge_rows(path, start, end, rows)
    block = "\n".join([start, *preamble, "", *header, *sorted(merged, key=_key), end])
    text = path.read_text()
    before, rest = text.split(start, 1)
    path.write_text(before + block + rest.split(end, 1)[1])
    return block


def merge_rows(path: Path, start: str, end: str, rows: list[str], key_cells: int = 1) -> list[str]:
    """The table rows between ``start`` and ``end`` in ``path`` with ``rows`` in place of those of the same key
    (the first ``key_cells`` cells), new ones last; none where the block is absent."""
    text = path.read_text() if path.exists() else ""
    old_block = text.split(start, 1)[1].split(end, 1)[0] if start in text and end in text else ""
    merged = {
        _key(row, key_cells): row
        for row in old_block.splitlines()
        if row.startswith("| ") and not row.startswith("| task")
    }
    merged.update({_key(row, key_cells): row for row in rows})
    return list(merged.values())


def _key(row: str, cells: int = 1) -> str:
    return "|".join(cell.strip() for cell in row.strip("|").split("|")[:cells])


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
