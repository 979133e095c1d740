"""The promotion ledger: what was promoted where, to detect drift in both directions.

Design: the ledger lives in the *notebook's* metadata, never in the module.

* ``metadata.jupyter_prod.promoted``: one record per promoted definition
  (:class:`~jupyter_prod_ext.promote.types.LedgerRecord`): its name and kind,
  the module path and the notebook path (both relative to the project root),
  the source cell's id and index, the sha256 of the definition's source as it
  was promoted, and the sha256 of its text in the module as written.
* ``metadata.jupyter_prod.modules``: the module paths promoted into, relative
  to the project root; the commit feature stages these with the notebook.

Why the notebook and not a trailing comment in the module: the module stays
ordinary code that its owners can edit, lint and review without tool noise;
the notebook is the thing that *knows* it was the source; and the record
travels with the notebook through git. The consequence is deliberate: a
definition already in a module without a record in this notebook was not
promoted from it, so it is never replaced without ``force``.

Drift: ``cell-changed`` when the notebook still holds the definition and its
source hash differs from the record (promoting again updates the module);
``module-edited`` when the module's text of the definition no longer hashes to
the record (someone edited it by hand: never overwritten without ``force``;
the result carries the module's current text so it can be pulled back).
Hashes are taken of the text with trailing whitespace stripped.
"""

from __future__ import annotations

import copy
from typing import Any

from ..atomic import sha256_text
from ..notebook import PARSE_ERRORS, parse_python
from .module import find_nodes, text_of
from .types import DriftDict, LedgerRecord

META_KEY = "jupyter_prod"


def text_hash(text: str) -> str:
    return sha256_text("\n".join(ln.rstrip() for ln in text.replace("\r\n", "\n").rstrip().split("\n")))


def records(metadata: dict[str, Any]) -> list[LedgerRecord]:
    meta = metadata.get(META_KEY)
    if not isinstance(meta, dict):
        return []
    raw = meta.get("promoted")
    if not isinstance(raw, list):
        return []
    out: list[LedgerRecord] = []
    for r in raw:
        if isinstance(r, dict) and isinstance(r.get("name"), str) and isinstance(r.get("module"), str):
            out.append(
                LedgerRecord(
                    name=str(r["name"]),
                    kind=str(r.get("kind", "")),
                    module=str(r["module"]),
                    notebook=str(r.get("notebook", "")),
                    cell_id=r.get("cell_id") if isinstance(r.get("cell_id"), str) else None,
                    cell=int(r["cell"]) if isinstance(r.get("cell"), int) else -1,
                    source_sha256=str(r.get("source_sha256", "")),
                    module_sha256=str(r.get("module_sha256", "")),
                )
            )
    return out


def module_texts(module_text: str | None) -> dict[str, str]:
    """Current text of each top-level definition of the module, by name."""
    if not module_text:
        return {}
    try:
        tree = parse_python(module_text)
    except PARSE_ERRORS:
        return {}
    lines = module_text.replace("\r\n", "\n").split("\n")
    return {name: text_of(lines, node) for name, node in find_nodes(tree).items()}


def drift(
    recs: list[LedgerRecord],
    module_rel: str,
    module_text: str | None,
    notebook_sources: dict[str, str],
    promoting: set[str],
) -> tuple[list[DriftDict], set[str]]:
    """Drift entries for the module's records, and the names edited by hand in the module."""
    current = module_texts(module_text)
    out: list[DriftDict] = []
    edited: set[str] = set()
    for rec in recs:
        if rec["module"] != module_rel:
            continue
        name = rec["name"]
        text = current.get(name)
        if text is not None and rec["module_sha256"] and text_hash(text) != rec["module_sha256"]:
            edited.add(name)
            out.append(
                DriftDict(
                    name=name,
                    state="module-edited",
                    message=(
                        f"`{name}` was edited in {module_rel} since it was promoted; it is not overwritten "
                        "without force. Copy the module's version into the notebook to keep it."
                    ),
                    module_text=text,
                )
            )
        src = notebook_sources.get(name)
        if src is not None and rec["source_sha256"] and text_hash(src) != rec["source_sha256"]:
            verb = "this promotion updates the module" if name in promoting else "promote it again to update"
            out.append(
                DriftDict(
                    name=name,
                    state="cell-changed",
                    message=f"`{name}` changed in the notebook since it was promoted to {module_rel}; {verb}.",
                    module_text=text,
                )
            )
    return out, edited


def updated_metadata(
    metadata: dict[str, Any], new_records: list[LedgerRecord], module_rel: str
) -> dict[str, Any]:
    """The new ``metadata.jupyter_prod`` object (a copy; other keys of it are kept)."""
    meta = metadata.get(META_KEY)
    meta = copy.deepcopy(meta) if isinstance(meta, dict) else {}
    replaced = {(r["module"], r["name"]) for r in new_records}
    kept = [r for r in records(metadata) if (r["module"], r["name"]) not in replaced]
    meta["promoted"] = [dict(r) for r in kept + new_records]
    modules = meta.get("modules")
    mods = [m for m in modules if isinstance(m, str)] if isinstance(modules, list) else []
    if module_rel not in mods:
        mods.append(module_rel)
    meta["modules"] = sorted(mods)
    return meta
