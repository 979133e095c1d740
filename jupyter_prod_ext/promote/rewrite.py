"""Notebook edits after a promotion: promoted code out, one import in.

The edits are computed on the notebook's own source (magics elsewhere in a cell
survive) and verified by analysing the rewritten notebook again: every name a
remaining cell read before must still be defined before it afterwards. Edit
order is part of the contract: replacements first, then deletions from the last
cell to the first, so each edit's ``cell`` index is valid when it is applied.
"""

from __future__ import annotations

import ast
import copy
import difflib
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from ..analysis import Resolution, Stmt, analyse, formula_calls
from ..notebook import cell_number, notebook_from_dict
from .select import Program
from .textedit import call_keyword_edits
from .types import EditDict, MetadataEdit, Problem, Reason

_BAD = ("undefined", "deleted", "later", "star")


@dataclass
class Rewrite:
    edits: list[EditDict] = field(default_factory=list)
    #: cell index -> new source (None: deleted)
    sources: dict[int, str | None] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)
    diff: str = ""


def _drop_lines(source: str, ranges: list[tuple[int, int]]) -> str:
    """``source`` without the given 1-based line ranges; blank runs are tidied only where code left."""
    lines = source.split("\n")
    drop: set[int] = set()
    for first, last in ranges:
        drop.update(range(first, last + 1))
    kept: list[str] = []
    seam = False
    for i, ln in enumerate(lines, start=1):
        if i in drop:
            seam = True
            continue
        if seam and not ln.strip() and (not kept or not kept[-1].strip()):
            continue  # no blank lines piling up where a definition was
        if ln.strip():
            seam = False
        kept.append(ln)
    while kept and not kept[0].strip():
        kept.pop(0)
    while kept and not kept[-1].strip():
        kept.pop()
    return "\n".join(kept)


def _is_future(node: ast.stmt | None) -> bool:
    return isinstance(node, ast.ImportFrom) and node.module == "__future__"


_FUTURE_LINE = re.compile(r"from\s+__future__\s+import\b")


def _with_import(source: str | None, import_line: str) -> str:
    """``import_line`` at the top of a cell, after its ``from __future__`` imports, which must come first:
    an import above them makes the cell a SyntaxError when it runs (``ast.parse`` does not notice)."""
    if not source:
        return import_line
    lines = source.split("\n")
    after = 0
    for i, line in enumerate(lines):
        text = line.strip()
        if _FUTURE_LINE.match(text):
            after = i + 1
        elif text and not text.startswith("#"):
            break
    return "\n".join([*lines[:after], import_line, *lines[after:]])


def _import_only(prog: Program, cell: int) -> bool:
    """A cell of imports (IPython magic lines such as ``%matplotlib inline`` allowed next to them)."""
    magic_lines = {m.line for m in prog.units[cell].magics}
    stmts = [s for s in prog.du.stmts_of_cell(cell) if s.node is not None and s.line not in magic_lines]
    return bool(stmts) and all(isinstance(s.node, (ast.Import, ast.ImportFrom)) for s in stmts)


def _reads(stmt: Stmt) -> set[str]:
    """The names ``stmt`` reads: as Python, and from its model formulas (``"y ~ np.log(x)"``, read by patsy)."""
    return set(stmt.free_names()) | formula_calls(stmt.node)


def plan_rewrite(
    prog: Program,
    removed: list[Stmt],
    removable_imports: list[Stmt],
    import_line: str,
    *,
    call: tuple[int, str] | None = None,
    selected_cells: list[int],
    call_params: dict[str, list[str]] | None = None,
) -> Rewrite:
    """New cell sources: ``removed`` statements out, ``import_line`` in, the ``call`` (cell, source) placed."""
    removed_ids = {id(s) for s in removed}
    remaining = [s for s in prog.du.stmts if id(s) not in removed_ids]
    # an import of a promoted cell stays when code left in the notebook uses one of its names, and when
    # nothing uses them: it is there for what importing does (``import geopandas.accessors`` registers
    # pandas' ``.geo``; a public notebook lost it), or it is the user's to remove, not ours
    for imp in removable_imports:
        if _is_future(imp.node):
            continue  # binds no name the cells read, yet changes how every later cell compiles
        names = set(imp.bound_names())
        users = [s for s in remaining if s is not imp and names & _reads(s)]
        if not users and any(names & _reads(s) for s in removed):
            removed_ids.add(id(imp))
    ranges: dict[int, list[tuple[int, int]]] = {}
    for s in prog.du.stmts:
        if id(s) in removed_ids:
            ranges.setdefault(s.cell, []).append((prog.stmt_first_line(s), s.end_line))
    edited = pass_call_keywords(prog, remaining, call_params or {})
    for cell in edited:
        ranges.setdefault(cell, [])
    sources: dict[int, str | None] = {}
    for cell, rngs in ranges.items():
        new = _drop_lines(edited.get(cell, prog.nb.cells[cell].source), rngs)
        # a cell left with nothing but comments about the code that moved goes too
        sources[cell] = (
            new if any(ln.strip() and not ln.lstrip().startswith("#") for ln in new.split("\n")) else None
        )
    if call is not None:
        cell, text = call
        # a selected cell nothing was taken from (its imports stay: later cells read them) keeps its
        # source, with the call after it
        kept = sources[cell] if cell in ranges else prog.nb.cells[cell].source
        sources[cell] = f"{kept}\n{text}" if kept else text
    first_promoted = min([*ranges.keys(), *([call[0]] if call else [])], default=None)
    if import_line:
        target = next(
            (
                c.index
                for c in prog.nb.code_cells
                if (first_promoted is None or c.index < first_promoted)
                and _import_only(prog, c.index)
                and sources.get(c.index, c.source) is not None
            ),
            None,
        )
        if target is not None:
            base = sources.get(target, prog.nb.cells[target].source)
            sources[target] = (str(base).rstrip("\n") + "\n" + import_line) if base else import_line
        elif first_promoted is not None:
            sources[first_promoted] = _with_import(sources.get(first_promoted), import_line)
    rw = Rewrite(sources=sources)
    for cell in sorted(c for c, s in sources.items() if s is not None):
        src = sources[cell]
        assert src is not None
        if src != prog.nb.cells[cell].source:
            rw.edits.append(
                {"op": "replace", "cell": cell, "cell_id": prog.nb.cells[cell].cell_id, "source": src}
            )
    for cell in sorted((c for c, s in sources.items() if s is None), reverse=True):
        rw.edits.append({"op": "delete", "cell": cell, "cell_id": prog.nb.cells[cell].cell_id})
    rw.diff = notebook_diff(prog, sources)
    return rw


def pass_call_keywords(prog: Program, remaining: list[Stmt], takes: dict[str, list[str]]) -> dict[int, str]:
    """Cells whose calls of a function that gained parameters now pass them (``f(x, df=df)``).

    Inserted inside the call's line, never as a new line: the cells' line numbers stay valid."""
    if not takes:
        return {}
    inserts: dict[int, list[tuple[int, int, str]]] = {}
    for stmt in remaining:
        if stmt.node is not None:
            for e in call_keyword_edits(stmt.node, prog.units[stmt.cell].python, takes):
                inserts.setdefault(stmt.cell, []).append((*e.start, e.text))
    out: dict[int, str] = {}
    for cell, items in inserts.items():
        original = prog.nb.cells[cell].source.split("\n")
        lines = list(original)
        python = prog.units[cell].python.split("\n")
        for line, col, text in sorted(items, reverse=True):
            if line - 1 >= len(original) or original[line - 1] != python[line - 1]:
                continue  # a line IPython rewrote: offsets do not match the source
            raw = lines[line - 1].encode("utf-8")
            if raw[col : col + 1] != b")" and raw[col - 1 : col] != b",":
                continue
            lines[line - 1] = (raw[:col] + text.encode("utf-8") + raw[col:]).decode("utf-8")
        out[cell] = "\n".join(lines)
    return out


def notebook_diff(prog: Program, sources: dict[int, str | None]) -> str:
    chunks: list[str] = []
    for cell in sorted(sources):
        old = prog.nb.cells[cell].source
        new = sources[cell] or ""
        if old == new and sources[cell] is not None:
            continue
        label = f"cell {cell_number(cell)}" + (f" ({prog.nb.cells[cell].cell_id})" if prog.nb.cells[cell].cell_id else "")
        chunks.extend(
            difflib.unified_diff(
                _lines(old),
                _lines(new),
                f"a/{label}",
                "/dev/null" if sources[cell] is None else f"b/{label}",
            )
        )
    return "".join(chunks)


def _lines(text: str) -> list[str]:
    return [ln + "\n" for ln in text.split("\n")] if text else []


def apply_edits(raw: dict[str, Any], edits: list[EditDict]) -> dict[str, Any]:
    """The notebook JSON with ``edits`` applied (a copy); replaced code cells lose stale outputs."""
    data = copy.deepcopy(raw)
    cells: list[dict[str, Any]] = data["cells"]
    for edit in edits:
        if edit["op"] == "replace":
            cell = cells[edit["cell"]]
            old = cell.get("source")
            new = edit["source"]
            cell["source"] = new.splitlines(keepends=True) if isinstance(old, list) else new
            if cell.get("cell_type") == "code":
                cell["outputs"] = []
                cell["execution_count"] = None
        elif edit["op"] == "delete":
            del cells[edit["cell"]]
        elif edit["op"] == "insert":
            cells.insert(
                edit["cell"],
                {
                    "cell_type": "code",
                    "metadata": {},
                    "source": edit["source"],
                    "outputs": [],
                    "execution_count": None,
                },
            )
        elif edit["op"] == "metadata":
            meta_edit: MetadataEdit = edit
            data.setdefault("metadata", {}).update(copy.deepcopy(meta_edit["metadata"]))
    return data


def verify(
    prog: Program, raw: dict[str, Any], edits: list[EditDict], path: str, removed: Sequence[Stmt] = ()
) -> list[Problem]:
    """Problems if the rewritten notebook gains an undefined name, or reads another definition where it
    read a promoted one (``removed``) (re-runs the analysis).

    A name a cell could not resolve before (the user's own undefined name) is not ours to report;
    any other unresolved use afterwards, in a statement or a function body, is.
    """
    bad_before: set[tuple[int, str]] = {
        (r.stmt.cell, r.event.name) for r in prog.du.resolutions if r.status in _BAD
    }
    new_raw = apply_edits(raw, edits)
    # map new cell positions back to original indexes
    order = list(range(len(raw["cells"])))
    for edit in edits:
        if edit["op"] == "delete":
            del order[edit["cell"]]
    nb2 = notebook_from_dict(json.loads(json.dumps(new_raw)), path)
    problems: list[Problem] = []
    for unit in nb2.units():
        if unit.syntax_error is not None and prog.units.get(order[unit.cell.index]) is not None:
            old_unit = prog.units[order[unit.cell.index]]
            if old_unit.syntax_error is None:
                problems.append(
                    Problem(
                        Reason.NOTEBOOK_INVALID,
                        f"Rewriting cell {cell_number(order[unit.cell.index])} would leave invalid Python ({unit.syntax_error[1]}); "
                        "promote without rewriting the notebook and edit it yourself.",
                    )
                )
    resolutions = analyse(nb2).resolutions
    problems += _shadowed(prog, resolutions, order, {id(s) for s in removed})
    seen: set[tuple[int, str]] = set()
    for r in resolutions:
        if r.status not in _BAD:
            continue
        cell = order[r.stmt.cell]
        key = (cell, r.event.name)
        if key not in bad_before and key not in seen:
            seen.add(key)
            problems.append(
                Problem(
                    Reason.NOTEBOOK_LOSES_NAME,
                    f"After the rewrite, cell {cell_number(cell)} would use `{r.event.name}` before anything defines it; "
                    "promote the cell that defines it too, or promote without rewriting the notebook.",
                )
            )
    return problems


def _shadowed(prog: Program, after: list[Resolution], order: list[int], removed: set[int]) -> list[Problem]:
    """Uses that read a promoted definition and, once rewritten, would read one the notebook keeps.

    The import goes to one cell (the first promoted, or an imports cell above it); a name defined
    twice, its later definition promoted, has the earlier one after that import, so the cells that
    read the promoted one would silently get the other (a public notebook's ``inc``, defined in two
    cells, promoted with ``double``: the rewritten notebook printed 2 where it had printed 101).
    """
    wanted: set[tuple[int, str]] = set()
    before: set[tuple[int, str, int]] = set()  # (cell, name, cell of the definition read) kept ones
    for r in prog.du.resolutions:
        if r.status != "ok" or r.source is None or id(r.stmt) in removed:
            continue
        if id(r.source) in removed:
            wanted.add((r.stmt.cell, r.event.name))
        else:
            before.add((r.stmt.cell, r.event.name, r.source.cell))
    problems: list[Problem] = []
    for r in after:
        if r.status != "ok" or r.source is None or r.source.node is None:
            continue
        cell, name, source = order[r.stmt.cell], r.event.name, order[r.source.cell]
        if (cell, name) in wanted and (cell, name, source) not in before and _kept(prog, source, r.source, removed):
            wanted.discard((cell, name))
            problems.append(
                Problem(
                    Reason.NAME_CONFLICT,
                    f"After the rewrite, cell {cell_number(cell)} would read `{name}` from cell {cell_number(source)}, which defines it "
                    "too and stays in the notebook, instead of the promoted one; rename one of the two definitions "
                    "(or delete the one you no longer use), then promote again.",
                )
            )
    return problems


def _kept(prog: Program, cell: int, stmt: Stmt, removed: set[int]) -> bool:
    """``stmt`` (of the rewritten notebook) is one of cell ``cell``'s own that stays, not one the rewrite
    wrote (the call of a cells-turned-function, an import): those read the promoted code as intended."""
    dump = ast.dump(stmt.node) if stmt.node is not None else None
    return any(
        s.node is not None and id(s) not in removed and ast.dump(s.node) == dump for s in prog.du.stmts_of_cell(cell)
    )
