"""The package's layout: no import loop between its modules, nor between its subpackages."""

from __future__ import annotations

import ast
from pathlib import Path

import rewardsmith

PACKAGE = Path(rewardsmith.__file__).resolve().parent


def module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path, name: str, modules: set[str]) -> set[str]:
    """The rewardsmith modules ``path`` imports at module level (not under TYPE_CHECKING, not in functions).

    ``from package import module`` imports that module; ``from package import name`` imports the
    package's ``__init__``, where such names are re-exported.
    """
    found: set[str] = set()
    package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.startswith("rewardsmith")}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(
                    package.split(".")[: len(package.split(".")) - node.level + 1] + ([base] if base else [])
                )
            if base.startswith("rewardsmith"):
                for alias in node.names:
                    found.add(f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules else base)
    return found


def graph() -> dict[str, set[str]]:
    modules = {module_name(path): path for path in PACKAGE.rglob("*.py")}
    names = set(modules)
    return {name: {m for m in imports(path, name, names) if m in names and m != name} for name, path in modules.items()}


def cycles(edges: dict[str, set[str]]) -> list[list[str]]:
    found, state, stack = [], {}, []

    def visit(node: str) -> None:
        state[node] = "open"
        stack.append(node)
        for other in sorted(edges.get(node, ())):
            if state.get(other) == "open":
                found.append([*stack[stack.index(other) :], other])
            elif other not in state:
                visit(other)
        stack.pop()
        state[node] = "done"

    for node in sorted(edges):
        if node not in state:
            visit(node)
    return found


def test_no_module_imports_itself_through_others() -> None:
    loops = cycles(graph())
    assert loops == [], " ; ".join(" -> ".join(loop) for loop in loops)


def test_no_two_subpackages_import_each_other() -> None:
    # rewardsmith.X.Y -> rewardsmith.X; the top-level modules (api, config) count as their own unit.
    def unit(name: str) -> str:
        return ".".join(name.split(".")[:2])

    edges: dict[str, set[str]] = {}
    for name, targets in graph().items():
        edges.setdefault(unit(name), set()).update(unit(t) for t in targets if unit(t) != unit(name))
    loops = cycles(edges)
    assert loops == [], " ; ".join(" -> ".join(loop) for loop in loops)
