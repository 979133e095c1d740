"""The delta protocol: a check request that carries only what the server has not seen.

On every keystroke the panel re-checks the whole notebook; sending the whole notebook
each time costs the browser a ``toJSON`` and the network and server a parse of every
cell. Instead the frontend sends, per cell, its id, type, metadata, execution count
and the :func:`~jupyter_prod_ext.notebook.source_hash` of its source, with the source
itself only for hashes the server has not acknowledged; outputs likewise, by a hash the
client chooses (the server never needs to recompute it). The server keeps what it was
sent in a bounded store (one per server process: on JupyterHub, one per user; a shared
server's users can read the same files anyway; sources are verified against their hash,
so an entry is always the text its hash names) and answers ``{"missing": [hash, ...]}`` when something was evicted; the client then sends
those again. docs/API.md describes the shapes.
"""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any

from .errors import InputError
from .lru import LockedLRU
from .notebook import source_hash

#: what the store keeps (sources and outputs)
STORE_ITEMS = 200_000
STORE_BYTES = 32 * 1024 * 1024
_HASH = re.compile(r"^[0-9a-f]{16,64}$")
_CELL_TYPES = frozenset({"code", "markdown", "raw"})
#: per-cell keys copied as they are into the notebook
_PLAIN_KEYS = ("id", "cell_type", "metadata", "execution_count", "attachments")


#: (kind, hash, value, size) sent in a request, stored once the request has been read
_Entry = tuple[str, str, Any, int]


def _blob_bytes(value: tuple[int, Any]) -> int:
    return 128 + value[0]


class DeltaStore:
    """Sources and outputs by hash; bounded by count and bytes like every cache here."""

    def __init__(self, max_items: int = STORE_ITEMS, max_bytes: int = STORE_BYTES) -> None:
        self._lru: LockedLRU[tuple[str, str], tuple[int, Any]] = LockedLRU(max_bytes=max_bytes, sizeof=_blob_bytes)
        self.max_items = max_items

    def __len__(self) -> int:
        return len(self._lru)

    def clear(self) -> None:
        self._lru.clear()

    def get(self, kind: str, key: str) -> Any | None:
        hit = self._lru.get((kind, key))
        return None if hit is None else hit[1]

    def put(self, kind: str, key: str, value: Any, size: int) -> None:
        self._lru.put((kind, key), (size, value), self.max_items)


def _hash_of(cell: dict[str, Any], key: str, where: str) -> str | None:
    value = cell.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not _HASH.match(value):
        raise InputError(f"{where}: '{key}' must be a lowercase hex hash.")
    return value


def _stored(cell: dict[str, Any], kind: str, key: str, store: DeltaStore) -> Any | None:
    """What the store holds under the cell's hash (a hit needs no validation: only valid hashes are stored)."""
    value = cell.get(key)
    return store.get(kind, value) if type(value) is str else None


def _source(cell: dict[str, Any], store: DeltaStore, where: str, missing: list[str], fresh: list[_Entry]) -> str | None:
    if "source" not in cell:
        hit = _stored(cell, "source", "source_hash", store)
        if isinstance(hit, str):
            return hit  # the common case on a keystroke: every cell but the edited one
    key = _hash_of(cell, "source_hash", where)
    if key is None:
        raise InputError(f"{where}: 'source_hash' is missing.")
    if "source" in cell:
        source = cell["source"]
        if not isinstance(source, str):
            raise InputError(f"{where}: 'source' must be a string.")
        if source_hash(source) != key:
            raise InputError(f"{where}: 'source_hash' is not the sha256 of 'source'; send the hash of the UTF-8 text.")
        fresh.append(("source", key, source, len(source)))
        return source
    known = store.get("source", key)
    if known is None:
        missing.append(key)
    return known if isinstance(known, str) else None


def _outputs(cell: dict[str, Any], store: DeltaStore, where: str, missing: list[str], fresh: list[_Entry]) -> list[Any]:
    if "outputs" not in cell:
        hit = _stored(cell, "outputs", "outputs_hash", store)
        if isinstance(hit, list):
            return hit
    key = _hash_of(cell, "outputs_hash", where)
    if "outputs" in cell:
        outputs = cell["outputs"]
        if not isinstance(outputs, list):
            raise InputError(f"{where}: 'outputs' must be a list.")
        if key is not None:
            fresh.append(("outputs", key, outputs, sum(len(str(o)) for o in outputs)))
        return outputs
    if key is None:
        return []
    known = store.get("outputs", key)
    if known is None:
        missing.append(key)
        return []
    assert isinstance(known, list)
    return known


def notebook_from_delta(delta: Any, store: DeltaStore) -> tuple[dict[str, Any] | None, list[str]]:
    """(the nbformat dict, []) or (None, the hashes the client must send again)."""
    if not isinstance(delta, dict) or not isinstance(delta.get("cells"), list):
        raise InputError("'delta' must be an object with a 'cells' list (see docs/API.md).")
    metadata = delta.get("metadata", {})
    if not isinstance(metadata, dict):
        raise InputError("'delta.metadata' must be an object.")
    cells: list[dict[str, Any]] = []
    missing: list[str] = []
    fresh: list[_Entry] = []
    for i, cell in enumerate(delta["cells"]):
        where = f"delta cell {i}"
        if not isinstance(cell, dict) or cell.get("cell_type") not in _CELL_TYPES:
            raise InputError(f"{where}: an object with 'cell_type' code, markdown or raw is expected.")
        out = {k: cell[k] for k in _PLAIN_KEYS if k in cell}
        out.setdefault("metadata", {})
        out["source"] = _source(cell, store, where, missing, fresh) or ""
        if cell["cell_type"] == "code":
            out["outputs"] = _outputs(cell, store, where, missing, fresh)
            out.setdefault("execution_count", None)
        cells.append(out)
    # stored only now: a request that sends what was missing must not evict, while it is read,
    # the entries it relies on
    for entry in fresh:
        store.put(*entry)
    if missing:
        return None, sorted(set(missing))
    nbformat, minor = delta.get("nbformat", 4), delta.get("nbformat_minor", 5)
    return {"nbformat": nbformat, "nbformat_minor": minor, "metadata": metadata, "cells": cells}, []


# ---------------------------------------------------------------------------
# The client side, in Python (the benchmark and the tests speak the protocol as src/delta.ts does)


def client_delta(nb: dict[str, Any], acknowledged: set[str]) -> dict[str, Any]:
    """The delta of an nbformat dict: sources and outputs only for hashes not in ``acknowledged``."""
    cells = []
    for cell in nb["cells"]:
        raw = cell.get("source", "")
        source = "".join(raw) if isinstance(raw, list) else raw
        out: dict[str, Any] = {"cell_type": cell["cell_type"], "metadata": cell.get("metadata", {})}
        if "id" in cell:
            out["id"] = cell["id"]
        out["source_hash"] = source_hash(source)
        if out["source_hash"] not in acknowledged:
            out["source"] = source
        if cell["cell_type"] == "code":
            out["execution_count"] = cell.get("execution_count")
            outputs = cell.get("outputs", [])
            if outputs:
                out["outputs_hash"] = hashlib.sha256(json.dumps(outputs, sort_keys=True).encode()).hexdigest()
                if out["outputs_hash"] not in acknowledged:
                    out["outputs"] = outputs
        cells.append(out)
    return {"nbformat": 4, "nbformat_minor": nb.get("nbformat_minor", 5), "metadata": nb["metadata"], "cells": cells}


def sent_hashes(delta: dict[str, Any]) -> set[str]:
    """What a delta carried: acknowledged by the server once it answers with a report."""
    cells = delta["cells"]
    return {c["source_hash"] for c in cells if "source" in c} | {c["outputs_hash"] for c in cells if "outputs" in c}
