"""The virtual module: a notebook's code cells as one Python file for mypy, with a map back to cells.

Why one file: mypy checks cells against each other (a name defined in cell 2, used in cell 5) only when
it sees them together. Its mtime moves to a later whole second on every change (mypy trusts size and
whole-second mtime).
"""

from __future__ import annotations

import ast
import os
import time
from collections.abc import Sequence
from pathlib import Path

from ..atomic import atomic_write_text
from ..notebook import PARSE_ERRORS, parse_python
from .settings import _PRELUDE_ANY, IPYTHON_GLOBALS, VirtualModule


def _cell_lines(source: str) -> list[str]:
    # Same convention as notebook.py: a cell of n "\n"-separated pieces has n lines.
    return source.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _parse_cell(source: str) -> ast.Module | None:
    """The cell's tree, or None when it is not Python mypy could read (too deep counts too)."""
    try:
        return parse_python(source, top_level_await=True)
    except PARSE_ERRORS:
        return None


def _bound_names(source: str | ast.Module) -> set[str]:
    """Names a cell binds at module level (so the prelude does not redeclare them)."""
    tree = _parse_cell(source) if isinstance(source, str) else source
    if tree is None:
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def build_virtual_module(cells: Sequence[tuple[int, str]]) -> VirtualModule:
    """Concatenate ``(cell index, python source)`` into one module with a line map."""
    body: list[str] = []
    line_map: list[tuple[int, int] | None] = []
    skipped: list[int] = []
    bound: set[str] = set()
    for index, source in cells:
        lines = _cell_lines(source)
        tree = _parse_cell(source)
        if tree is not None:
            bound |= _bound_names(tree)
            body.extend(lines)
        else:
            # Keep the lines (blank) so positions stay stable; the syntax check owns this cell.
            skipped.append(index)
            body.extend("" for _ in lines)
        line_map.extend((index, n) for n in range(1, len(lines) + 1))
    missing = [name for name in IPYTHON_GLOBALS if name not in bound]
    prelude: list[str] = []
    if missing:
        prelude.append(f"from typing import Any as {_PRELUDE_ANY}")
        prelude.extend(f"{name}: {_PRELUDE_ANY}" for name in missing)
    text = "\n".join(prelude + body) + "\n"
    prelude_map: list[tuple[int, int] | None] = [None] * len(prelude)
    return VirtualModule(text, prelude_map + line_map, skipped)


def write_if_changed(path: Path, text: str, *, durable: bool = True) -> bool:
    """Write ``text`` unless the file already holds it; return whether it was written.

    A rewrite always lands on a later whole-second mtime than the previous one,
    because mypy's cache and dmypy's watcher compare ``int(mtime)`` and size only.
    ``durable=False`` for generated modules (see :func:`atomic_write_text`).
    """
    try:
        previous = path.stat()
        if path.read_text(encoding="utf-8") == text:
            return False
        floor = int(previous.st_mtime) + 1
    except (OSError, UnicodeDecodeError):
        floor = 0
    atomic_write_text(path, text, durable=durable)
    stamp = max(int(time.time()), floor)
    os.utime(path, (stamp, stamp))
    return True
