"""The way back: a promoted definition edited by hand in its module returns to the notebook cell it came from.

The notebook and the module are compared definition by definition through the ledger
(``metadata.jupyter_prod.promoted``). Only definitions the notebook still holds count (a cell
that became an import already reads the module). When both texts are the same there is nothing
to do; otherwise the ledger's hashes say which side moved: the module (``module-edited``: the
cell can be updated from the module) or the cell (``cell-changed``: promote it again).

A function that gained required keyword-only parameters in the module would break the notebook's
own calls of it: those calls pass the notebook's values of the same names (``f(x, scale=scale)``),
checked by analysing the updated notebook again; when a call cannot (no such name before it), the
update is refused with the reason instead.
"""

from __future__ import annotations

import ast
import copy
import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..analysis import analyse
from ..errors import InputError, ProdError
from ..notebook import PARSE_ERRORS, Notebook, cell_number, parse_python
from ..paths import resolve_under
from . import ledger
from .merge import read_existing
from .module import node_range
from .rewrite import pass_call_keywords
from .select import Program
from .types import DriftState, LedgerRecord, MetadataEdit

_DEFINITIONS = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Assign, ast.AnnAssign)


@dataclass(frozen=True)
class CellDrift:
    name: str
    module: str
    state: DriftState
    cell: int
    #: first line of the definition in the cell (decorators included), 1-based
    line: int
    #: the definition's text in the module now
    module_text: str
    #: the cell's source with the definition replaced by ``module_text``
    pulled_source: str
    record: LedgerRecord
    #: last line of the definition in the cell
    end_line: int = 0
    #: required keyword-only parameters the module's version has and the cell's does not
    gained: tuple[str, ...] = ()


def _names(node: ast.stmt) -> list[str]:
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return [node.name]
    targets = (
        node.targets
        if isinstance(node, ast.Assign)
        else [node.target] if isinstance(node, ast.AnnAssign) else []
    )
    return [t.id for t in targets if isinstance(t, ast.Name)]


def _definitions(nb: Notebook) -> dict[str, tuple[int, ast.stmt]]:
    """The last top-level definition of each name: (cell index, node)."""
    out: dict[str, tuple[int, ast.stmt]] = {}
    for unit in nb.units():
        if unit.tree is None:
            continue
        for node in unit.tree.body:
            if isinstance(node, _DEFINITIONS):
                for name in _names(node):
                    out[name] = (unit.cell.index, node)
    return out


def _module_texts(root: Path, rel: str, cache: dict[str, dict[str, str]]) -> dict[str, str]:
    if rel not in cache:
        try:
            path = resolve_under(root, rel, what="module")
            cache[rel] = ledger.module_texts(read_existing(path))
        except (ProdError, OSError, ValueError):
            cache[rel] = {}
    return cache[rel]


def cell_drift(nb: Notebook, root: Path) -> list[CellDrift]:
    """Promoted definitions whose text in the notebook and in the module differ."""
    recs = ledger.records(nb.metadata)
    if not recs:
        return []
    defs = _definitions(nb)
    modules: dict[str, dict[str, str]] = {}
    out: list[CellDrift] = []
    for rec in recs:
        name = rec["name"]
        found = defs.get(name)
        if found is None:
            continue
        module_text = _module_texts(root, rec["module"], modules).get(name)
        if module_text is None:
            continue
        cell, node = found
        first, last = node_range(node)
        lines = nb.cells[cell].source.split("\n")
        cell_text = "\n".join(lines[first - 1 : last]).rstrip()
        if ledger.text_hash(cell_text) == ledger.text_hash(module_text):
            continue
        if rec["module_sha256"] and ledger.text_hash(module_text) != rec["module_sha256"]:
            state: DriftState = "module-edited"
        elif rec["source_sha256"] and ledger.text_hash(cell_text) != rec["source_sha256"]:
            state = "cell-changed"
        else:
            continue  # both as promoted (black reflowed the module's copy): in sync
        pulled = "\n".join(lines[: first - 1] + module_text.split("\n") + lines[last:])
        gained = _gained_keywords(node, module_text)
        out.append(CellDrift(name, rec["module"], state, cell, first, module_text, pulled, rec, last, gained))
    return out


def _required_keywords(node: ast.AST | None) -> list[str]:
    if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
        return []
    return [a.arg for a, default in zip(node.args.kwonlyargs, node.args.kw_defaults, strict=True) if default is None]


def _gained_keywords(cell_node: ast.stmt, module_text: str) -> tuple[str, ...]:
    """Keyword-only parameters without a default in the module's version that the cell's lacks."""
    try:
        tree = parse_python(module_text)
    except PARSE_ERRORS:
        return ()
    had = set(_required_keywords(cell_node))
    return tuple(p for p in _required_keywords(tree.body[0] if tree.body else None) if p not in had)


def pulled_sources(nb: Notebook, drifts: list[CellDrift]) -> dict[int, str]:
    """New cell sources that take each drifted definition back from its module; the notebook's calls of
    a function that gained required keyword-only parameters pass the notebook's values of those names.

    Raises :class:`InputError` (one line) when a call cannot be kept valid that way."""
    takes = {d.name: list(d.gained) for d in drifts if d.gained}
    sources: dict[int, str] = {}
    if takes:
        prog = Program.build(nb, analyse(nb))
        pulled = {(d.cell, d.name) for d in drifts}
        remaining = [
            s for s in prog.du.stmts if not (s.kind == "def" and any((s.cell, n) in pulled for n in s.bound_names()))
        ]
        sources = pass_call_keywords(prog, remaining, takes)
    for d in drifts:
        lines = sources.get(d.cell, nb.cells[d.cell].source).split("\n")
        sources[d.cell] = "\n".join(lines[: d.line - 1] + d.module_text.split("\n") + lines[d.end_line :])
    if takes:
        _check_calls(nb, sources, drifts)
    return sources


def _check_calls(nb: Notebook, sources: dict[int, str], drifts: list[CellDrift]) -> None:
    """Every call of a pulled function passes its new keywords, and each value it passes is defined there."""
    after = dataclasses.replace(
        nb, cells=[dataclasses.replace(c, source=sources.get(c.index, c.source)) for c in nb.cells], _units=None
    )
    gained = {d.name: d for d in drifts if d.gained}
    pulled = {(d.cell, d.name) for d in drifts}
    for unit in after.units():
        for stmt in unit.tree.body if unit.tree is not None else []:
            if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)) and (unit.cell.index, stmt.name) in pulled:
                continue  # the module's own text: its calls are the module's
            for node in ast.walk(stmt):
                if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in gained:
                    _check_call(node, gained[node.func.id], unit.cell.index)
    bad = ("undefined", "deleted", "later", "star")
    before = {(r.stmt.cell, r.event.name) for r in analyse(nb).resolutions if r.status in bad}
    names = {p: d for d in gained.values() for p in d.gained}
    for r in analyse(after).resolutions:
        owner = names.get(r.event.name)
        if owner is not None and r.status in bad and (r.stmt.cell, r.event.name) not in before:
            raise InputError(
                f"`{owner.name}` in {owner.module} now needs the keyword-only `{r.event.name}`, and cell {cell_number(r.stmt.cell)} "
                f"calls it with no `{r.event.name}` defined before; define it or pass a value there, then update "
                "the cell from the module again."
            )


def _check_call(call: ast.Call, d: CellDrift, cell: int) -> None:
    """A call the update could not give the new keywords (a line IPython rewrote) is refused."""
    given = {k.arg for k in call.keywords}
    missing = [p for p in d.gained if p not in given and None not in given]
    if missing:
        raise InputError(
            f"`{d.name}` in {d.module} now needs {_keywords(missing)} and cell {cell_number(cell)} calls it in a line "
            "that cannot be updated; pass it there, then update the cell from the module again."
        )


def _keywords(names: list[str]) -> str:
    listed = ", ".join(f"`{n}`" for n in names)
    return f"the keyword-only {listed}" if len(names) == 1 else f"the keyword-only parameters {listed}"


def pull_edits(nb: Notebook, root: Path, names: list[str]) -> tuple[dict[int, str], MetadataEdit]:
    """New cell sources that take each named definition back from its module, and the ledger that records
    them as in sync. Raises :class:`InputError` for a name that has nothing to pull."""
    drift = {d.name: d for d in cell_drift(nb, root)}
    cells: set[int] = set()
    updated: list[LedgerRecord] = []
    for name in names:
        d = drift.get(name)
        if d is None:
            known = [r["name"] for r in ledger.records(nb.metadata)]
            if name not in known:
                raise InputError(f"`{name}` was not promoted from this notebook; nothing to pull.")
            raise InputError(
                f"`{name}` is the same in the notebook and its module (or no cell holds it); nothing to pull."
            )
        if d.cell in cells:
            # a second definition in the same cell: apply to the already pulled text
            raise InputError(
                f"`{name}` shares cell {cell_number(d.cell)} with another name being pulled; pull them one at a time."
            )
        cells.add(d.cell)
        text_hash = ledger.text_hash(d.module_text)
        updated.append({**d.record, "source_sha256": text_hash, "module_sha256": text_hash})
    return pulled_sources(nb, [drift[n] for n in names]), _synced_ledger(nb, updated)


def _synced_ledger(nb: Notebook, updated: list[LedgerRecord]) -> MetadataEdit:
    """``metadata.jupyter_prod`` with the pulled records' hashes replaced (everything else kept)."""
    meta = nb.metadata.get(ledger.META_KEY)
    out: dict[str, Any] = copy.deepcopy(meta) if isinstance(meta, dict) else {}
    by_key = {(r["module"], r["name"]): r for r in updated}
    out["promoted"] = [dict(by_key.get((r["module"], r["name"]), r)) for r in ledger.records(nb.metadata)]
    return {"op": "metadata", "metadata": {ledger.META_KEY: out}}


def pull(
    notebook_path: Path, names: list[str], *, project_root: Path, dry_run: bool = False
) -> dict[str, Any]:
    """``jupyter-prod promote NOTEBOOK --pull NAME``: the cells take the named definitions back from their
    modules, the ledger records them as in sync, and the notebook is written (unless ``dry_run``)."""
    from ..atomic import atomic_write_text, sha256_text
    from ..notebook import notebook_from_text, read_notebook_bytes
    from ..paths import shown_path
    from .rewrite import apply_edits
    from .types import EditDict

    root = Path(project_root).resolve()
    nb_path = Path(notebook_path).resolve()
    nb_rel = shown_path(root, nb_path)
    data = read_notebook_bytes(nb_path, nb_rel)
    nb = notebook_from_text(data, nb_rel)
    text = data.decode("utf-8")
    raw = json.loads(text.lstrip("\ufeff"))
    if raw.get("nbformat") != 4:
        raise InputError(
            f"{nb_rel} is nbformat {raw.get('nbformat')}; open and save it in Jupyter to upgrade it first."
        )
    drift = {d.name: d for d in cell_drift(nb, root)}
    sources, meta = pull_edits(nb, root, names)
    edits: list[EditDict] = [
        {"op": "replace", "cell": cell, "cell_id": nb.cells[cell].cell_id, "source": source}
        for cell, source in sorted(sources.items())
    ]
    edits.append(meta)
    written: list[str] = []
    if not dry_run:
        new_text = json.dumps(apply_edits(raw, edits), indent=1, ensure_ascii=False) + "\n"
        atomic_write_text(nb_path, new_text, expected_sha256=sha256_text(text))
        written.append(nb_rel)
    return {
        "ok": True,
        "dry_run": dry_run,
        "pulled": [{"name": n, "module": drift[n].module, "cell": drift[n].cell} for n in names],
        "notebook_edits": edits,
        "written": written,
    }
