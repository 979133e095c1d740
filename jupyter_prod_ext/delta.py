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

import dataclasses
import hashlib
import itertools
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, Literal, TypeVar, cast

from .errors import InputError, NotebookError
from .lru import LockedLRU
from .notebook import Notebook, notebook_from_dict, source_hash
from .wire import FindingDict, FindingsDeltaItem, ReportDeltaDict, ReportDict

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

    def get_many(self, keys: list[tuple[str, str]]) -> dict[tuple[str, str], Any]:
        """``get`` of many (kind, hash) at once (one lock); only the hits."""
        return {k: v[1] for k, v in self._lru.get_many(keys).items()}

    def put(self, kind: str, key: str, value: Any, size: int) -> None:
        self._lru.put((kind, key), (size, value), self.max_items)


def _hash_of(cell: dict[str, Any], key: str, i: int) -> str | None:
    value = cell.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not _HASH.match(value):
        raise InputError(f"{_where(i)}: '{key}' must be a lowercase hex hash.")
    return value


def _where(i: int) -> str:
    return f"delta cell {i}"


class _Known:
    """What the store holds for the hashes a delta references without their content, read under one lock.

    A hit needs no validation: only valid hashes are ever stored.
    """

    def __init__(self, cells: list[Any], store: DeltaStore) -> None:
        wanted: list[tuple[str, str]] = []
        for cell in cells:
            if type(cell) is dict:
                for kind, key in (("source", "source_hash"), ("outputs", "outputs_hash")):
                    value = cell.get(key)
                    if type(value) is str and kind not in cell:
                        wanted.append((kind, value))
        self.hits = store.get_many(wanted)

    def get(self, cell: dict[str, Any], kind: str, key: str) -> Any | None:
        value = cell.get(key)
        return self.hits.get((kind, value)) if type(value) is str else None


def _source(cell: dict[str, Any], known: _Known, i: int, missing: list[str], fresh: list[_Entry]) -> str | None:
    if "source" not in cell:
        hit = known.get(cell, "source", "source_hash")
        if isinstance(hit, str):
            return hit  # the common case on a keystroke: every cell but the edited one
    key = _hash_of(cell, "source_hash", i)
    if key is None:
        raise InputError(f"{_where(i)}: 'source_hash' is missing.")
    if "source" in cell:
        source = cell["source"]
        if not isinstance(source, str):
            raise InputError(f"{_where(i)}: 'source' must be a string.")
        if source_hash(source) != key:
            raise InputError(
                f"{_where(i)}: 'source_hash' is not the sha256 of 'source'; send the hash of the UTF-8 text."
            )
        fresh.append(("source", key, source, len(source)))
        return source
    missing.append(key)
    return None


def _outputs(cell: dict[str, Any], known: _Known, i: int, missing: list[str], fresh: list[_Entry]) -> list[Any]:
    if "outputs" not in cell:
        hit = known.get(cell, "outputs", "outputs_hash")
        if isinstance(hit, list):
            return hit
    key = _hash_of(cell, "outputs_hash", i)
    if "outputs" in cell:
        outputs = cell["outputs"]
        if not isinstance(outputs, list):
            raise InputError(f"{_where(i)}: 'outputs' must be a list.")
        if key is not None:
            fresh.append(("outputs", key, outputs, sum(len(str(o)) for o in outputs)))
        return outputs
    if key is not None:
        missing.append(key)
    return []


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
    known = _Known(delta["cells"], store)
    for i, cell in enumerate(delta["cells"]):
        if isinstance(cell, list):
            raise InputError(f"{_where(i)}: a [start, stop] range needs the delta's 'cells_base' (see docs/API.md).")
        if not isinstance(cell, dict) or cell.get("cell_type") not in _CELL_TYPES:
            raise InputError(f"{_where(i)}: an object with 'cell_type' code, markdown or raw is expected.")
        out = {k: cell[k] for k in _PLAIN_KEYS if k in cell}
        out.setdefault("metadata", {})
        out["source"] = _source(cell, known, i, missing, fresh) or ""
        if cell["cell_type"] == "code":
            out["outputs"] = _outputs(cell, known, i, missing, fresh)
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
# The editor's notebook from one keystroke to the next


@dataclass
class _Previous:
    """The last delta of a notebook (as sent) and the notebook built from it."""

    cells: list[Any]
    head: tuple[Any, Any, Any]
    notebook: Notebook


class DeltaNotebooks:
    """A delta's notebook built from the previous one of the same notebook, where its cells did not change.

    A keystroke's delta differs from the previous one in a cell or two; comparing the sent cells
    (a C-level ``==`` each) finds them, and only they go through :func:`notebook_from_delta` and
    :func:`~jupyter_prod_ext.notebook.notebook_from_dict`: the others keep their :class:`Cell`, whose
    source is the very string the session's checks saw (``checks/incremental.py`` then compares
    by identity). Anything else (another length or top level, an id changed, an error in a changed
    cell, which is then reported with its own index) builds the whole notebook as before.
    """

    def __init__(self, max_items: int = 16) -> None:
        self._lru: LockedLRU[str, _Previous] = LockedLRU()
        self.max_items = max_items

    def clear(self) -> None:
        self._lru.clear()

    def notebook(self, key: str, delta: Any, store: DeltaStore, path: str) -> tuple[Notebook | None, list[str]]:
        """(the notebook, []) or (None, the hashes the client must send again)."""
        prev = self._lru.get(key)
        again = _from_previous(prev, delta, store, path) if prev is not None else None
        if again is not None and prev is not None:
            built, changed = again
            sent = list(prev.cells)  # the unchanged cells are equal to those sent before
            for i in changed:
                sent[i] = _by_hash(delta["cells"][i])
        else:
            content, missing = notebook_from_delta(delta, store)
            if content is None:
                return None, missing
            built = notebook_from_dict(content, path)
            sent = [_by_hash(c) for c in delta["cells"]]
        self._lru.put(key, _Previous(sent, _head(delta), built), self.max_items)
        return built, []


def _by_hash(cell: Any) -> Any:
    """The cell as sent, its source and outputs by their hashes alone (whether their text came along or not)."""
    if type(cell) is dict and ("source" in cell or "outputs" in cell):
        drop = {k for k, h in (("source", "source_hash"), ("outputs", "outputs_hash")) if k in cell and h in cell}
        if drop:
            return {k: v for k, v in cell.items() if k not in drop}
    return cell


def _same(new: Any, old: Any) -> bool:
    """Whether a sent cell is the one sent before (a source sent again must still match its hash)."""
    shown = _by_hash(new)
    if shown is new:
        return bool(new == old)
    source = new.get("source")
    return bool(shown == old) and (source is None or (isinstance(source, str) and source_hash(source) == new["source_hash"]))


def _head(delta: dict[str, Any]) -> tuple[Any, Any, Any]:
    return delta.get("metadata", {}), delta.get("nbformat", 4), delta.get("nbformat_minor", 5)


def _from_previous(prev: _Previous, delta: Any, store: DeltaStore, path: str) -> tuple[Notebook, list[int]] | None:
    """The notebook of ``delta`` built from ``prev``'s, and the indexes of the cells that changed."""
    if not isinstance(delta, dict) or not isinstance(delta.get("cells"), list):
        return None  # notebook_from_delta says what is wrong
    cells = delta["cells"]
    if len(cells) != len(prev.cells) or _head(delta) != prev.head:
        return None
    # a C-level ``!=`` first: a cell sent as before (no source: its hash acknowledged) is equal
    pairs = zip(cells, prev.cells, strict=True)
    # (a cell of a ``[start, stop]`` range of the held cells list is the very object held before)
    changed = [i for i, (new, old) in enumerate(pairs) if new is not old and new != old and not _same(new, old)]
    if not changed:
        return dataclasses.replace(prev.notebook, path=path, _units=None, _code=None), changed
    if any(not isinstance(cells[i], dict) or cells[i].get("id") != prev.cells[i].get("id") for i in changed):
        return None  # ids are unique across the notebook: the whole notebook decides
    sub = {**delta, "cells": [cells[i] for i in changed]}
    try:
        content, _ = notebook_from_delta(sub, store)
        if content is None:
            return None  # the whole request answers which hashes are missing
        fresh = notebook_from_dict(content, path).cells
    except (InputError, NotebookError):
        return None  # said again by the whole request, with the cell's own index
    out = list(prev.notebook.cells)
    for i, cell in zip(changed, fresh, strict=True):
        # the id as the whole notebook gave it (a repeated id is kept on its first cell only)
        out[i] = dataclasses.replace(cell, index=i, cell_id=prev.notebook.cells[i].cell_id)
    return dataclasses.replace(prev.notebook, path=path, cells=out, _units=None, _code=None), changed


# ---------------------------------------------------------------------------
# The answer as a delta: the findings against the report the client holds
#
# A keystroke changes a cell's findings, or none; the full answer (at 1000 cells about 1,000
# findings, 320 KB of JSON) was built, encoded, sent, parsed and rendered on each one.

#: reports kept per notebook: the last, and the one before it (the base of a request sent before the
#: last answer arrived: two checks in flight, e.g. a keystroke's and a save's)
REPORTS_KEPT = 2
#: notebooks whose reports are kept, and about how much memory they hold (a finding's dict is mostly
#: shared with the notebook's session in checks/incremental.py)
HELD_NOTEBOOKS = 16
HELD_BYTES = 32 * 1024 * 1024
_FINDING_BYTES = 512


@dataclass(frozen=True)
class _Held:
    report_id: str
    findings: list[FindingDict]
    waived: list[FindingDict]


def _held_bytes(held: tuple[_Held, ...]) -> int:
    return sum(256 + _FINDING_BYTES * (len(h.findings) + len(h.waived)) for h in held)


def _key(f: FindingDict) -> tuple[Any, ...]:
    return (f["check"], f["cell"], f["cell_id"], f["line"], f["message"])


def findings_delta(base: list[FindingDict], new: list[FindingDict]) -> list[FindingsDeltaItem]:
    """``new`` as ranges of ``base`` (``[start, stop]``) and the findings not in it, in order.

    Both lists are sorted, and a keystroke changes the findings of a cell or two: a finding is most
    often the base's next one, usually the very dict (the session keeps each finding's JSON), else
    equal to it (a check that ran again). Only past a change is it looked up, by a cheap key, then
    ``==``; no finding is encoded to compare it.
    """
    by_key: dict[tuple[Any, ...], list[int]] | None = None
    out: list[FindingsDeltaItem] = []
    nxt = 0  # the base position after the last one kept
    for f in new:
        if nxt < len(base) and (base[nxt] is f or base[nxt] == f):
            i: int | None = nxt
        else:
            if by_key is None:
                by_key = {}
                for j, b in enumerate(base):
                    by_key.setdefault(_key(b), []).append(j)
            i = _take_equal(by_key.get(_key(f)), base, f)
        if i is None:
            out.append(f)
            continue
        nxt = i + 1
        last = out[-1] if out else None
        if type(last) is list and last[1] == i:
            last[1] = i + 1
        else:
            out.append([i, i + 1])
    return out


def _take_equal(candidates: list[int] | None, base: list[FindingDict], f: FindingDict) -> int | None:
    """The first base position of a finding equal to ``f`` (then not offered again), or None."""
    if not candidates:
        return None
    for n, j in enumerate(candidates):
        if base[j] == f:
            del candidates[n]
            return j
    return None


def apply_findings_delta(base: list[FindingDict], delta: list[Any]) -> list[FindingDict]:
    """The list a delta describes (the client's side, as src/delta.ts does it); InputError on a bad range."""
    out: list[FindingDict] = []
    for item in delta:
        if isinstance(item, list):
            start, stop = item
            if not 0 <= start < stop <= len(base):
                raise InputError(f"findings delta range {item} is outside the base report's {len(base)} findings.")
            out.extend(base[start:stop])
        else:
            out.append(item)
    return out


_T = TypeVar("_T")

#: what a held thing's id names: a report (``report_id``) or a request's cells list (``cells_id``)
_IdKind = Literal["report", "cells"]
#: an id: this process's prefix (an id from before a restart never matches), the kind's tag (so a
#: report id never names a cells list) and the kind's counter
_ID_PREFIX = secrets.token_hex(4)
_ID_TAGS: dict[_IdKind, str] = {"report": "", "cells": "c"}
_ID_COUNTERS = {kind: itertools.count(1) for kind in _ID_TAGS}


def _new_id(kind: _IdKind) -> str:
    """A new id of ``kind``, never given before by this process: the name a client sends back."""
    return f"{_ID_PREFIX}-{_ID_TAGS[kind]}{next(_ID_COUNTERS[kind])}"


class _LastPerNotebook(Generic[_T]):
    """The last few things (newest first) of each editor's notebook, bounded by notebooks and estimated bytes."""

    def __init__(self, sizeof: Callable[[tuple[_T, ...]], int], max_items: int, max_bytes: int) -> None:
        self._lru: LockedLRU[str, tuple[_T, ...]] = LockedLRU(max_bytes=max_bytes, sizeof=sizeof)
        self.max_items = max_items

    def __len__(self) -> int:
        return len(self._lru)

    def clear(self) -> None:
        self._lru.clear()

    def _kept(self, key: str) -> tuple[_T, ...]:
        return self._lru.get(key) or ()

    def _keep(self, key: str, item: _T, before: tuple[_T, ...], count: int) -> None:
        self._lru.put(key, (item, *before)[:count], self.max_items)


class HeldReports(_LastPerNotebook[_Held]):
    """The last reports answered for each editor's notebook, so that the next answer can be a delta."""

    def __init__(self, max_items: int = HELD_NOTEBOOKS, max_bytes: int = HELD_BYTES) -> None:
        super().__init__(_held_bytes, max_items, max_bytes)

    def answer(self, key: str, report: ReportDict, base: str | None) -> ReportDict | ReportDeltaDict:
        """``report`` with its new id, kept under ``key``: as a delta against ``base`` when that is held."""
        held = self._kept(key)
        report_id = _new_id("report")
        self._keep(key, _Held(report_id, report["findings"], report["waived"]), held, REPORTS_KEPT)
        old = next((h for h in held if h.report_id == base), None) if base else None
        if old is None:
            return cast(ReportDict, {**report, "report_id": report_id})
        return {
            "path": report["path"],
            "score": report["score"],
            "summary": report["summary"],
            "report_id": report_id,
            "findings_base": old.report_id,
            "findings_delta": findings_delta(old.findings, report["findings"]),
            "waived_delta": findings_delta(old.waived, report["waived"]),
        }


# ---------------------------------------------------------------------------
# The request's cells as ranges of a cells list the server holds
#
# A keystroke's delta lists every cell (id, type, metadata, hashes): ~228 KB of JSON at 1000 cells,
# built and encoded by the browser and parsed here on every keystroke. The server holds the cells
# list of its last answered delta requests per notebook, by id; the next request sends
# ``[start, stop]`` for runs of cells unchanged since one of them.

#: cells lists kept per notebook (as for reports: the last, and the one before, for two requests in flight)
CELLS_KEPT = 2
_CELL_BYTES = 256


@dataclass(frozen=True)
class _HeldCells:
    cells_id: str
    cells: list[Any]


def _cells_bytes(held: tuple[_HeldCells, ...]) -> int:
    return sum(256 + _CELL_BYTES * len(h.cells) for h in held)


class HeldCells(_LastPerNotebook[_HeldCells]):
    """The cells lists (sources and outputs by hash alone) of each notebook's last delta requests."""

    def __init__(self, max_items: int = HELD_NOTEBOOKS, max_bytes: int = HELD_BYTES) -> None:
        super().__init__(_cells_bytes, max_items, max_bytes)

    def expand(self, key: str, delta: Any) -> tuple[Any, list[Any]] | None:
        """(the delta with every cell, its cells as held), or None when its ``cells_base`` is not held.

        A delta without ``cells_base`` is returned as it is (its errors are said where it is read).
        """
        if not isinstance(delta, dict) or not isinstance(delta.get("cells"), list):
            return delta, []
        if "cells_base" not in delta:
            return delta, [_by_hash(c) for c in delta["cells"]]
        base_id = delta["cells_base"]
        if not isinstance(base_id, str):
            raise InputError("'delta.cells_base' must be a string: an answer's 'cells_id'.")
        base = next((h.cells for h in self._kept(key) if h.cells_id == base_id), None)
        if base is None:
            return None
        cells: list[Any] = []
        held: list[Any] = []
        for i, item in enumerate(delta["cells"]):
            if type(item) is list:
                start, stop = _cells_range(item, i, len(base))
                cells.extend(base[start:stop])
                held.extend(base[start:stop])
            else:
                cells.append(item)
                held.append(_by_hash(item))
        return {k: v for k, v in delta.items() if k != "cells_base"} | {"cells": cells}, held

    def hold(self, key: str, cells: list[Any]) -> str:
        """Keep ``cells`` (as :meth:`expand` gave them) for ``key``; the id the next request names."""
        cells_id = _new_id("cells")
        self._keep(key, _HeldCells(cells_id, cells), self._kept(key), CELLS_KEPT)
        return cells_id


def _cells_range(item: list[Any], i: int, size: int) -> tuple[int, int]:
    """A ``[start, stop]`` item's bounds; InputError unless it is inside the base's ``size`` cells."""
    ok = len(item) == 2 and all(type(v) is int for v in item)
    if not ok or not 0 <= item[0] < item[1] <= size:
        raise InputError(
            f"{_where(i)}: the range {json.dumps(item)} is not [start, stop] inside the {size} cells of "
            "'cells_base'; send ranges of that cells list, or every cell without 'cells_base'."
        )
    return item[0], item[1]


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


def held_cells(delta: dict[str, Any]) -> list[dict[str, Any]]:
    """A delta's cells as the server holds them once it answers (sources and outputs by hash alone)."""
    return [cast(dict[str, Any], _by_hash(c)) for c in delta["cells"]]


def ranged_delta(delta: dict[str, Any], cells_id: str, base: list[dict[str, Any]]) -> dict[str, Any]:
    """``delta`` against the held cells list ``base`` (named ``cells_id``): each run of cells equal to
    consecutive cells of ``base``, and sending no source or outputs, becomes ``[start, stop]``."""
    by_id: dict[Any, int] = {}
    for j, b in enumerate(base):
        by_id.setdefault(b.get("id"), j)
    items: list[Any] = []
    nxt = 0
    for cell in delta["cells"]:
        j = nxt if nxt < len(base) and base[nxt] == cell else by_id.get(cell.get("id"), -1)
        if j < 0 or "source" in cell or "outputs" in cell or base[j] != cell:
            items.append(cell)
            continue
        last = items[-1] if items else None
        if type(last) is list and last[1] == j:
            last[1] = j + 1
        else:
            items.append([j, j + 1])
        nxt = j + 1
    return {**delta, "cells_base": cells_id, "cells": items}
