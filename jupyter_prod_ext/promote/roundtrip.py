"""The way back: a promoted definition edited by hand in its module returns to the notebook cell it came from.

The notebook and the module are compared definition by definition through the ledger
(``metadata.jupyter_prod.promoted``). Only definitions the notebook still holds count (a cell
that became an import already reads the module). When both texts are the same there is nothing
to do; otherwise the ledger's hashes say which side moved: the module (``module-edited``: the
cell can be updated from the module) or the cell (``cell-changed``: promote it again).
"""

from __future__ import annotations

import ast
import copy
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import InputError, ProdError
from ..notebook import Notebook
from ..paths import resolve_under
from . import ledger
from .merge import read_existing
from .module import node_range
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
        out.append(CellDrift(name, rec["module"], state, cell, first, module_text, pulled, rec))
    return out


def pull_edits(nb: Notebook, root: Path, names: list[str]) -> tuple[dict[int, str], MetadataEdit]:
    """New cell sources that take each named definition back from its module, and the ledger that records
    them as in sync. Raises :class:`InputError` for a name that has nothing to pull."""
    drift = {d.name: d for d in cell_drift(nb, root)}
    sources: dict[int, str] = {}
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
        if d.cell in sources:
            # a second definition in the same cell: apply to the already pulled text
            raise InputError(
                f"`{name}` shares cell {d.cell} with another name being pulled; pull them one at a time."
            )
        sources[d.cell] = d.pulled_source
        text_hash = ledger.text_hash(d.module_text)
        updated.append({**d.record, "source_sha256": text_hash, "module_sha256": text_hash})
    return sources, _synced_ledger(nb, updated)


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
