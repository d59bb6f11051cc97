"""A simulator task's class, cut down the way Eureka shows it to its LLM.

Eureka's ``prune_env_isaac.py`` keeps the class header, replaces the body with the docstring "Rest of
the environment definition omitted.", keeps the observation methods and the module-level helpers they
call, and drops comments (but ``# type:`` lines, which TorchScript reads) and docstrings. Eureka cut
lines by their text; here the syntax tree picks what is kept, so the reward code, the reset code and
everything else in the file cannot come along by accident.
"""

from __future__ import annotations

import ast
import inspect

OMITTED = '    """Rest of the environment definition omitted."""'


def class_excerpt(cls: type, methods: tuple[str, ...], helpers: tuple[str, ...] = ()) -> str:
    """Render ``cls`` as its header, the "omitted" docstring, ``methods`` and the module's ``helpers``.

    Args:
        cls: The environment class; its module's source is read.
        methods: Methods written in ``cls``'s own body to show, in source order; names it does not
            define are skipped (Eureka lists several observation method names per task).
        helpers: Module-level functions to show after the class (their decorators dropped).

    Raises:
        ValueError: ``cls``'s body defines none of ``methods``.
    """
    source = inspect.getsource(inspect.getmodule(cls))  # type: ignore[arg-type]
    lines = source.splitlines()
    tree = ast.parse(source)
    classes = {node.name: node for node in tree.body if isinstance(node, ast.ClassDef)}
    functions = {node.name: node for node in tree.body if isinstance(node, ast.FunctionDef)}
    node = classes[cls.__name__]
    bases = ", ".join(ast.unparse(base) for base in node.bases)
    kept = [
        _function_lines(lines, item) for item in node.body if isinstance(item, ast.FunctionDef) and item.name in methods
    ]
    if not kept:
        raise ValueError(f"{cls.__name__} defines none of {', '.join(methods)} in its own body")
    body = "\n".join([f"class {cls.__name__}({bases}):", OMITTED, *("\n".join(method) for method in kept)])
    shown = [body, *("\n".join(_function_lines(lines, functions[name])) for name in helpers if name in functions)]
    return "\n\n".join(shown) + "\n"


def _function_lines(lines: list[str], node: ast.FunctionDef) -> list[str]:
    # From the `def` line, so decorators (@torch.jit.script) stay out, as in Eureka's excerpts.
    docstring = _docstring_lines(node)
    kept = []
    for number in range(node.lineno, (node.end_lineno or node.lineno) + 1):
        text = lines[number - 1]
        stripped = text.strip()
        if number in docstring or (stripped.startswith("#") and not stripped.startswith("# type:")):
            continue
        kept.append(text.rstrip())
    while kept and not kept[-1]:
        kept.pop()
    return kept


def _docstring_lines(node: ast.FunctionDef) -> set[int]:
    first = node.body[0]
    if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
        return set(range(first.lineno, (first.end_lineno or first.lineno) + 1))
    return set()
