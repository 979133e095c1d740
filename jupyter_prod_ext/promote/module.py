"""Module text: docstring, grouped imports, ``__all__``, definitions in notebook order.

Line provenance is kept the whole way: before black every module line knows the
(cell, line) it came from; black may reflow lines, so afterwards each top-level
definition is found again by name and its lines are mapped by offset inside
the definition (exact when black did not reflow it, approximate otherwise).
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from ..notebook import parse_python
from .slice import ImportNeed, is_plain_import

if TYPE_CHECKING:
    from black.mode import Mode

LineMap = list[tuple[int, int] | None]


@dataclass
class Block:
    """One top-level definition written to the module."""

    names: list[str]
    kind: str
    text: str
    line_map: LineMap
    cell: int
    cell_id: str | None
    selected: bool
    #: sha256 of the notebook source the block came from (drift detection)
    source_sha256: str = ""
    #: the formatted text, filled in after black
    formatted: str = ""

    @property
    def name(self) -> str:
        return self.names[-1] if self.kind in ("function", "class") else self.names[0]


@dataclass
class ModuleText:
    text: str
    line_map: LineMap = field(default_factory=list)


def local_packages(root: Path) -> set[str]:
    """Top-level import names the project itself provides (first-party imports)."""
    out: set[str] = set()
    for base in (root, root / "src"):
        if not base.is_dir():
            continue
        try:
            entries = list(base.iterdir())
        except OSError:
            continue
        for entry in entries:
            if entry.is_dir() and (entry / "__init__.py").is_file():
                out.add(entry.name)
            elif entry.suffix == ".py" and entry.stem.isidentifier():
                out.add(entry.stem)
    return out


def _section(module: str, local: set[str]) -> int:
    if module.startswith("."):
        return 3
    top = module.split(".")[0]
    if top == "__future__":
        return 0
    if top in sys.stdlib_module_names:
        return 1
    if top in local:
        return 3
    return 2


def _name_key(name: str) -> tuple[int, str]:
    # isort/ruff "order by type": CONSTANTS, Classes, functions
    if name.isupper() and len(name) > 1:
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


def import_lines(needs: Iterable[ImportNeed], local: set[str]) -> list[str]:
    """Deduplicated, grouped (future, stdlib, third-party, local) and sorted import lines."""
    plain: dict[int, set[str]] = {}
    froms: dict[int, dict[str, set[str]]] = {}
    #: whole ``from`` lines of their own: a formula-only name's, marked for linters
    marked: dict[int, set[str]] = {}
    seen: set[str] = set()
    for need in needs:
        sec = _section(need.module, local)
        if need.side_effect:
            # its own line, even beside an import binding the same name; noqa tells ruff, and our own
            # verification (which reads the same marker), that nothing is meant to read it
            if need.name is None:
                plain.setdefault(sec, set()).add(f"{need.module}  # noqa: F401")
            else:  # ``from sklearn.experimental import enable_iterative_imputer``: the name may be a submodule
                marked.setdefault(sec, set()).add(f"from {need.module} import {need.name}  # noqa: F401")
            continue
        # ``import a`` and ``import a.b`` bind one name to one package; each is a line, as in the notebook
        key = need.module if is_plain_import(need) else need.bound
        if key in seen:
            continue
        seen.add(key)
        noqa = "  # noqa: F401" if need.formula_only else ""  # read from a string by patsy, not by Python
        if need.name is None:
            text = need.module + (f" as {need.asname}" if need.asname else "")
            plain.setdefault(sec, set()).add(text + noqa)
        elif noqa:
            text = need.name + (f" as {need.asname}" if need.asname else "")
            marked.setdefault(sec, set()).add(f"from {need.module} import {text}{noqa}")
        else:
            text = need.name + (f" as {need.asname}" if need.asname else "")
            froms.setdefault(sec, {}).setdefault(need.module, set()).add(text)
    out: list[str] = []
    for sec in range(4):
        group = [f"import {t}" for t in sorted(plain.get(sec, ()), key=lambda t: t.lower())]
        for mod in sorted(froms.get(sec, {}), key=lambda m: m.lower()):
            names = sorted(froms[sec][mod], key=_name_key)
            group.append(f"from {mod} import {', '.join(names)}")
        group.extend(sorted(marked.get(sec, ()), key=str.lower))
        if group:
            if out:
                out.append("")
            out.extend(group)
    return out


def all_line(names: Iterable[str]) -> str:
    items = ", ".join(f'"{n}"' for n in names)
    return f"__all__ = [{items}]"


def docstring_safe(text: str) -> str:
    """Text that can sit inside a triple-quoted docstring unchanged (a file name may hold anything)."""
    return text.replace("\\", "\\\\").replace('"', '\\"')


def build_module(docstring: str, imports: list[str], exported: list[str], blocks: list[Block]) -> ModuleText:
    lines: list[str] = [f'"""{docstring_safe(docstring)}"""', ""]
    lmap: LineMap = [None, None]
    if imports:
        lines.extend(imports)
        lmap.extend([None] * len(imports))
        lines.extend(["", ""])
        lmap.extend([None, None])
    if exported:
        lines.extend([all_line(exported), "", ""])
        lmap.extend([None, None, None])
    previous: Block | None = None
    for block in blocks:
        if previous is not None and previous.kind == block.kind == "constant" and lines[-2:] == ["", ""]:
            lines[-2:] = []  # consecutive constants stay together
            lmap[-2:] = []
        previous = block
        block_lines = block.text.split("\n")
        lines.extend(block_lines)
        lmap.extend(block.line_map[: len(block_lines)])
        lmap.extend([None] * (len(block_lines) - len(block.line_map)))
        lines.extend(["", ""])
        lmap.extend([None, None])
    while lines and not lines[-1]:
        lines.pop()
        lmap.pop()
    return ModuleText("\n".join(lines) + "\n", lmap)


def node_range(node: ast.stmt) -> tuple[int, int]:
    """1-based first and last line of a top-level node, decorators included."""
    first = node.lineno
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        for d in node.decorator_list:
            first = min(first, d.lineno)
    return first, node.end_lineno or node.lineno


def node_names(node: ast.stmt) -> list[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    targets: list[ast.expr] = []
    if isinstance(node, ast.Assign):
        targets = list(node.targets)
    elif isinstance(node, (ast.AnnAssign, ast.AugAssign)):
        targets = [node.target]
    out: list[str] = []
    for t in targets:
        out.extend(n.id for n in ast.walk(t) if isinstance(n, ast.Name))
    return out


def find_nodes(tree: ast.Module) -> dict[str, ast.stmt]:
    """Top-level definitions by bound name (the last one wins, as at runtime)."""
    out: dict[str, ast.stmt] = {}
    for node in tree.body:
        for name in node_names(node):
            out[name] = node
    return out


def text_of(lines: list[str], node: ast.stmt) -> str:
    first, last = node_range(node)
    return "\n".join(lines[first - 1 : last]).rstrip()


def format_text(text: str, mode: Mode) -> tuple[str, str | None]:
    from ..formatting import format_module_text  # black: imported by a promotion, not at start-up

    result = format_module_text(text, mode)
    return result.source, result.error


def attach_formatted(text: str, blocks: list[Block]) -> LineMap:
    """Fill ``block.formatted`` from formatted module text and map its lines back to cells.

    Raises one of ``notebook.PARSE_ERRORS`` when ``text`` does not parse.
    """
    tree = parse_python(text)
    lines = text.split("\n")
    lmap: LineMap = [None] * len(lines)
    nodes = find_nodes(tree)
    for block in blocks:
        node = nodes.get(block.names[-1] if block.kind in ("function", "class") else block.names[0])
        if node is None:
            continue
        first, last = node_range(node)
        block.formatted = text_of(lines, node)
        for ln in range(first, last + 1):
            offset = min(ln - first, len(block.line_map) - 1)
            if offset >= 0:
                lmap[ln - 1] = block.line_map[offset]
    return lmap


def map_block_lines(lmap: LineMap, start: int, block: Block) -> None:
    """Map a spliced block (first line ``start``, 1-based) into ``lmap`` in place."""
    n = len(block.formatted.split("\n"))
    for i in range(n):
        idx = start - 1 + i
        if 0 <= idx < len(lmap) and block.line_map:
            lmap[idx] = block.line_map[min(i, len(block.line_map) - 1)]
