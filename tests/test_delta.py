"""The delta protocol of POST check: only unseen sources travel, findings stay the same.

The hash definition is shared with the frontend through tests/data/source_hashes.json
(src/__tests__/delta.spec.ts checks the TypeScript side against the same file).
"""

from __future__ import annotations

import copy
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import pytest

from jupyter_prod_ext.checks import CHECKS
from jupyter_prod_ext.delta import (
    CELLS_KEPT,
    REPORTS_KEPT,
    DeltaStore,
    HeldCells,
    HeldReports,
    _new_id,
    apply_findings_delta,
    client_delta,
    findings_delta,
    held_cells,
    notebook_from_delta,
    ranged_delta,
    sent_hashes,
)
from jupyter_prod_ext.errors import InputError
from jupyter_prod_ext.notebook import source_hash
from jupyter_prod_ext.server.check import DELTA_NOTEBOOKS, DELTA_STORE, HELD_CELLS, HELD_REPORTS

from .nbutil import make_nb, write_nb
from .test_check_handler import post

HASHES = Path(__file__).parent / "data" / "source_hashes.json"


def test_source_hash_is_the_shared_definition() -> None:
    data = json.loads(HASHES.read_text(encoding="utf-8"))
    assert data["samples"]
    for sample in data["samples"]:
        assert source_hash(sample["source"]) == sample["hash"]
        assert sample["hash"] == hashlib.sha256(sample["source"].encode("utf-8", "surrogatepass")).hexdigest()


def test_delta_rebuilds_the_notebook_and_asks_for_what_it_lacks() -> None:
    nb = make_nb("import os", "print(os.getcwd())", markdown_title="T")
    nb["cells"][1]["outputs"] = [{"output_type": "stream", "name": "stdout", "text": "/tmp\n"}]
    store = DeltaStore()
    first = client_delta(nb, set())
    rebuilt, missing = notebook_from_delta(first, store)
    assert missing == [] and rebuilt is not None
    assert [c["source"] for c in rebuilt["cells"]] == ["".join(c["source"]) for c in nb["cells"]]
    second = client_delta(nb, sent_hashes(first))
    assert not any("source" in c or "outputs" in c for c in second["cells"])
    again, missing = notebook_from_delta(second, store)
    assert again == rebuilt
    store.clear()
    _, lost = notebook_from_delta(second, store)
    assert set(lost) == sent_hashes(first)


@pytest.mark.parametrize(
    ("mutate", "message"),
    [
        (lambda d: d.update(cells="x"), "'cells' list"),
        (lambda d: d["cells"][0].update(source_hash="XYZ"), "lowercase hex"),
        (lambda d: d["cells"][0].update(source="changed"), "not the sha256"),
        (lambda d: d["cells"][0].pop("source_hash"), "'source_hash' is missing"),
        (lambda d: d["cells"][0].update(cell_type="sql"), "'cell_type'"),
    ],
)
def test_bad_deltas_are_one_line_input_errors(mutate: Any, message: str) -> None:
    delta = client_delta(make_nb("x = 1"), set())
    mutate(delta)
    with pytest.raises(InputError, match=message):
        notebook_from_delta(delta, DeltaStore())


async def test_route_answers_delta_requests_like_full_ones(jp_fetch: Any, jp_root_dir: Path) -> None:
    nb = make_nb("import os", "x = 1", "print(y)", markdown_title="Delta")
    write_nb(jp_root_dir / "d.ipynb", nb)
    DELTA_STORE.clear()
    DELTA_NOTEBOOKS.clear()
    code, full = await post(jp_fetch, {"path": "d.ipynb", "notebook": nb})
    assert code == 200
    first = client_delta(nb, set())
    code, answer = await post(jp_fetch, {"path": "d.ipynb", "delta": first})
    assert code == 200 and _unnamed(answer) == _unnamed(full) and answer["cells_id"]
    edited = copy.deepcopy(nb)
    edited["cells"][3]["source"] = "print(x)"
    delta = client_delta(edited, sent_hashes(first))
    assert [c.get("source") for c in delta["cells"] if "source" in c] == ["print(x)"]
    code, answer = await post(jp_fetch, {"path": "d.ipynb", "delta": delta})
    assert code == 200
    code, expected = await post(jp_fetch, {"path": "d.ipynb", "notebook": edited})
    assert _unnamed(answer) == _unnamed(expected)
    DELTA_STORE.clear()  # the store evicted: the editor's last notebook is still known, its cells unchanged
    code, answer = await post(jp_fetch, {"path": "d.ipynb", "delta": delta})
    assert code == 200 and _unnamed(answer) == _unnamed(expected)
    DELTA_NOTEBOOKS.clear()  # both evicted: the server names what it lacks, the client sends it again
    code, answer = await post(jp_fetch, {"path": "d.ipynb", "delta": delta})
    assert code == 200 and set(answer) == {"missing", "cells_id"}
    referenced = {c["source_hash"] for c in delta["cells"]} | {c["outputs_hash"] for c in delta["cells"] if "outputs_hash" in c}
    assert set(answer["missing"]) == referenced - sent_hashes(delta)
    code, answer = await post(jp_fetch, {"path": "d.ipynb", "delta": client_delta(edited, set())})
    assert code == 200 and _unnamed(answer) == _unnamed(expected)
    code, error = await post(jp_fetch, {"path": "../x.ipynb", "delta": client_delta(edited, set())})
    assert code == 403, error


def _unnamed(report: dict[str, Any]) -> dict[str, Any]:
    """A report without its ids: two answers of one notebook are equal but for them."""
    return {k: v for k, v in report.items() if k not in ("report_id", "cells_id")}


def _applied(base: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    """The full report a findings delta describes (as the panel rebuilds it)."""
    assert answer["findings_base"] == base["report_id"]
    rest = {k: v for k, v in answer.items() if k not in ("findings_base", "findings_delta", "waived_delta")}
    return {
        **rest,
        "findings": apply_findings_delta(base["findings"], answer["findings_delta"]),
        "waived": apply_findings_delta(base["waived"], answer["waived_delta"]),
    }


async def test_route_answers_a_keystroke_with_a_findings_delta(jp_fetch: Any, jp_root_dir: Path) -> None:
    """A one-cell edit of a 300-cell notebook answers a few hundred bytes; the report rebuilt is the full one."""
    sources = [f"import os as m{i}\nv{i} = {i}\nprint(v{i}, undefined_{i})" for i in range(300)]
    nb = make_nb(*sources, markdown_title="Many")
    nb["cells"][5]["metadata"] = {"jupyter_prod": {"ignore": ["unused-import"]}}  # a waived finding too
    DELTA_STORE.clear()
    DELTA_NOTEBOOKS.clear()
    HELD_REPORTS.clear()
    first = client_delta(nb, set())
    code, base = await post(jp_fetch, {"path": "many.ipynb", "delta": first})
    assert code == 200 and len(base["findings"]) > 600 and base["waived"], base.get("error")
    edited = copy.deepcopy(nb)
    edited["cells"][151]["source"] = "import os as m150\nv150 = 1\nprint(m150, v150)"  # 2 findings go
    delta = client_delta(edited, sent_hashes(first))
    body = {"path": "many.ipynb", "delta": delta, "findings_base": base["report_id"]}
    response = await jp_fetch("jupyter-prod", "check", method="POST", body=json.dumps(body))
    assert len(response.body) < 1000 + len(json.dumps(base["summary"])), response.body[:300]
    answer = json.loads(response.body)
    assert "findings" not in answer and answer["report_id"] != base["report_id"]
    code, expected = await post(jp_fetch, {"path": "many.ipynb", "notebook": edited})
    assert _unnamed(_applied(base, answer)) == _unnamed(expected)
    assert len(expected["findings"]) == len(base["findings"]) - 2
    # a base the server does not hold (unknown, another notebook's, dropped twice since): the full report
    for stale in ("nope", expected["report_id"] + "x", base["report_id"]):
        code, full = await post(jp_fetch, {"path": "many.ipynb", "delta": delta, "findings_base": stale})
        assert code == 200 and _unnamed(full) == _unnamed(expected) and "findings_delta" not in full
    code, other = await post(jp_fetch, {"path": "other.ipynb", "delta": delta, "findings_base": full["report_id"]})
    assert code == 200 and "findings" in other
    # the whole notebook sent (no delta) is answered as a delta too; the file on disk has no report id
    code, again = await post(jp_fetch, {"path": "many.ipynb", "notebook": edited, "findings_base": full["report_id"]})
    assert code == 200 and again["findings_delta"] == [[0, len(expected["findings"])]]
    write_nb(jp_root_dir / "many.ipynb", edited)
    code, disk = await post(jp_fetch, {"path": "many.ipynb", "findings_base": again["report_id"]})
    assert code == 200 and "report_id" not in disk and _unnamed(disk) == _unnamed(expected)


def test_findings_delta_keeps_ranges_and_sends_the_rest() -> None:
    def f(cell: int, message: str = "m") -> dict[str, Any]:
        return {"check": "c", "severity": "info", "cell": cell, "cell_id": None, "line": 1, "message": message, "hint": "", "fix": None}

    base = [f(0), f(1), f(1), f(2), f(3)]
    new = [copy.deepcopy(x) for x in base[:3]] + [f(2, "changed"), base[4]]
    delta = findings_delta(base, new)  # type: ignore[arg-type]
    assert delta == [[0, 3], f(2, "changed"), [4, 5]]
    assert apply_findings_delta(base, delta) == new  # type: ignore[arg-type]
    assert findings_delta(base, []) == [] and findings_delta([], base) == base  # type: ignore[arg-type]
    twice = [copy.deepcopy(base[1]), copy.deepcopy(base[1])]  # equal findings: each base position once
    assert findings_delta(base, twice) == [[1, 3]]  # type: ignore[arg-type]
    for bad in ([[3, 9]], [[2, 2]], [[-1, 1]]):
        with pytest.raises(InputError, match="outside the base report"):
            apply_findings_delta(base, bad)  # type: ignore[arg-type]


def test_held_reports_are_bounded() -> None:
    """One notebook keeps its last REPORTS_KEPT reports; the store keeps at most max_items notebooks."""
    held = HeldReports(max_items=2)
    report: Any = {"path": "p", "score": 100, "findings": [], "waived": [], "summary": {}}
    ids = [held.answer("a", report, None)["report_id"] for _ in range(REPORTS_KEPT + 1)]
    assert "findings_delta" in held.answer("a", report, ids[-REPORTS_KEPT])
    assert "findings" in held.answer("a", report, ids[0])  # older than the kept ones
    held.answer("b", report, None)
    last_a = held.answer("a", report, None)["report_id"]
    held.answer("c", report, None)  # evicts b, the least recently used
    assert len(held) == 2
    assert "findings_delta" in held.answer("a", report, last_a)
    small = HeldReports(max_bytes=10_000)
    many: Any = {**report, "findings": [{}] * 100}
    small.answer("x", many, None)
    small.answer("y", many, None)
    assert len(small) == 1  # bounded by estimated bytes too


def test_frontend_knows_which_checks_read_outputs() -> None:
    """src/delta.ts leaves outputs out of a request whose checks do not read them: the same list."""
    text = (Path(__file__).parent.parent / "src" / "delta.ts").read_text(encoding="utf-8")
    block = re.search(r"OUTPUT_CHECKS: ReadonlyArray<string> = \[(.*?)\]", text, re.S)
    assert block is not None
    assert set(re.findall(r"'([a-z-]+)'", block.group(1))) == {s.id for s in CHECKS.values() if s.outputs}


async def test_route_reads_cells_as_ranges_of_the_held_cells_list(jp_fetch: Any, jp_root_dir: Path) -> None:
    """A one-cell edit of 300 cells sends 3 items; an unknown base asks for every cell; a bad range is a 400."""
    nb = make_nb(*(f"v{i} = {i}\nprint(v{i}, w{i})" for i in range(300)), markdown_title="Ranges")
    for store in (DELTA_STORE, DELTA_NOTEBOOKS, HELD_REPORTS, HELD_CELLS):
        store.clear()
    first = client_delta(nb, set())
    code, base = await post(jp_fetch, {"path": "r.ipynb", "delta": first})
    assert code == 200 and isinstance(base["cells_id"], str)
    edited = copy.deepcopy(nb)
    edited["cells"][150]["source"] = "v149 = 0\nprint(v149)"
    delta = ranged_delta(client_delta(edited, sent_hashes(first)), base["cells_id"], held_cells(first))
    assert delta["cells"][0] == [0, 150] and delta["cells"][2] == [151, 301] and len(delta["cells"]) == 3
    assert delta["cells"][1]["source"] == "v149 = 0\nprint(v149)"
    response = await jp_fetch("jupyter-prod", "check", method="POST", body=json.dumps({"path": "r.ipynb", "delta": delta}))
    assert len(response.body) > 10 * len(json.dumps(delta))  # the request is now the small side
    answer = json.loads(response.body)
    code, expected = await post(jp_fetch, {"path": "r.ipynb", "notebook": edited})
    assert _unnamed(answer) == _unnamed(expected) and answer["cells_id"] != base["cells_id"]
    # the base of two requests before is still held; the server's cells, sent in full, equal the ranges'
    again = ranged_delta(client_delta(edited, sent_hashes(first) | sent_hashes(delta)), base["cells_id"], held_cells(first))
    code, answer = await post(jp_fetch, {"path": "r.ipynb", "delta": again})
    assert code == 200 and _unnamed(answer) == _unnamed(expected)
    # an id not held (never given, evicted, another notebook's, a restarted server's): send every cell
    for unknown_path, unknown in (("r.ipynb", "nope"), ("r.ipynb", base["cells_id"]), ("s.ipynb", answer["cells_id"])):
        code, asked = await post(jp_fetch, {"path": unknown_path, "delta": {**again, "cells_base": unknown}})
        assert code == 200 and asked == {"missing_cells_base": True}
    for bad in ([[0, 302]], [[5, 5]], [[-1, 3]], [[0, True]], [[0, 1, 2]]):
        code, error = await post(jp_fetch, {"path": "r.ipynb", "delta": {**again, "cells_base": answer["cells_id"], "cells": bad}})
        assert code == 400 and error["kind"] == "input" and "inside the 301 cells of 'cells_base'" in error["error"], error
    code, error = await post(jp_fetch, {"path": "r.ipynb", "delta": {**again, "cells_base": 3}})
    assert code == 400 and "'delta.cells_base' must be a string" in error["error"]
    code, error = await post(jp_fetch, {"path": "r.ipynb", "delta": {**again, "cells": [[0, 1]], "cells_base": None}})
    assert code == 400
    plain = {k: v for k, v in again.items() if k != "cells_base"}
    code, error = await post(jp_fetch, {"path": "r.ipynb", "delta": plain})
    assert code == 400 and "a [start, stop] range needs the delta's 'cells_base'" in error["error"], error


async def test_only_delta_requests_hold_cells(jp_fetch: Any, jp_root_dir: Path) -> None:
    """A check of the file on disk (no session) or of a whole notebook sent (older clients) holds no cells list:
    only a delta request's answer names one (``cells_id``), the base of the next request's ranges."""
    nb = make_nb("import os", "print(os.getcwd())", markdown_title="Held")
    write_nb(jp_root_dir / "h.ipynb", nb)
    for store in (DELTA_STORE, DELTA_NOTEBOOKS, HELD_REPORTS, HELD_CELLS):
        store.clear()
    code, disk = await post(jp_fetch, {"path": "h.ipynb"})
    assert code == 200 and "cells_id" not in disk and "report_id" not in disk
    code, whole = await post(jp_fetch, {"path": "h.ipynb", "notebook": nb})
    assert code == 200 and "cells_id" not in whole and "report_id" in whole
    assert len(HELD_CELLS) == 0
    code, answer = await post(jp_fetch, {"path": "h.ipynb", "delta": client_delta(nb, set())})
    assert code == 200 and isinstance(answer["cells_id"], str) and len(HELD_CELLS) == 1


def test_held_cells_are_bounded() -> None:
    """A notebook keeps its last CELLS_KEPT cells lists; the store keeps at most max_items notebooks and bytes."""
    held = HeldCells(max_items=2)
    delta = client_delta(make_nb("x = 1", "y = 2"), set())
    ids = [held.hold("a", held_cells(delta)) for _ in range(CELLS_KEPT + 1)]
    assert len(set(ids)) == len(ids)
    expanded = held.expand("a", {**delta, "cells_base": ids[-CELLS_KEPT], "cells": [[0, 2]]})
    assert expanded is not None and expanded[0]["cells"] == held_cells(delta) and "cells_base" not in expanded[0]
    assert held.expand("a", {**delta, "cells_base": ids[0], "cells": [[0, 1]]}) is None  # older than the kept ones
    held.hold("b", [])
    last_a = held.hold("a", held_cells(delta))
    held.hold("c", [])  # evicts b, the least recently used
    assert len(held) == 2 and held.expand("a", {"cells_base": last_a, "cells": []}) is not None
    small = HeldCells(max_bytes=10_000)
    small.hold("x", [{}] * 30)
    small.hold("y", [{}] * 30)
    assert len(small) == 1  # bounded by estimated bytes too


def test_report_and_cells_ids_come_from_one_minter() -> None:
    """Both kinds of id are delta._new_id's: this process's prefix, the kind's tag, the kind's own counter."""
    report: Any = {"path": "p", "score": 100, "findings": [], "waived": [], "summary": {}}
    reports, cells = HeldReports(), HeldCells()
    report_ids = [reports.answer("a", report, None)["report_id"] for _ in range(3)] + [_new_id("report")]
    cells_ids = [cells.hold("a", []) for _ in range(3)] + [_new_id("cells")]
    prefix = report_ids[0].split("-")[0]
    assert re.fullmatch(r"[0-9a-f]{8}", prefix)
    assert all(re.fullmatch(rf"{prefix}-[0-9]+", i) for i in report_ids), report_ids
    assert all(re.fullmatch(rf"{prefix}-c[0-9]+", i) for i in cells_ids), cells_ids
    for ids in (report_ids, cells_ids):
        counts = [int(i.rsplit("-", 1)[1].lstrip("c")) for i in ids]
        assert counts == list(range(counts[0], counts[0] + 4))  # one counter per kind, shared by its store
    assert len(set(report_ids) | set(cells_ids)) == 8


async def test_slow_checks_read_ranges_too(jp_fetch: Any, jp_root_dir: Path) -> None:
    """A request that runs a tool (black) takes the whole-notebook path: ranges, cells_id and missing alike."""
    nb = make_nb("x=1", "y = 2", "print(x,y)")
    for store in (DELTA_STORE, DELTA_NOTEBOOKS, HELD_REPORTS, HELD_CELLS):
        store.clear()
    checks = ["not-black-formatted", "undefined-name"]
    first = client_delta(nb, set())
    code, base = await post(jp_fetch, {"path": "slow.ipynb", "delta": first, "checks": checks})
    assert code == 200 and base["cells_id"], base
    edited = copy.deepcopy(nb)
    edited["cells"][1]["source"] = "y = z"
    delta = ranged_delta(client_delta(edited, sent_hashes(first)), base["cells_id"], held_cells(first))
    assert len(delta["cells"]) == 3
    code, answer = await post(jp_fetch, {"path": "slow.ipynb", "delta": delta, "checks": checks})
    code, expected = await post(jp_fetch, {"path": "slow.ipynb", "notebook": edited, "checks": checks})
    assert code == 200 and _unnamed(answer) == _unnamed(expected)
    assert {f["check"] for f in answer["findings"]} == {"not-black-formatted", "undefined-name"}
    DELTA_STORE.clear()
    unchanged = {**delta, "cells_base": answer["cells_id"], "cells": [[0, 3]]}  # every cell as the server holds it
    code, asked = await post(jp_fetch, {"path": "slow.ipynb", "delta": unchanged, "checks": checks})
    assert code == 200 and set(asked) == {"missing", "cells_id"} and len(asked["missing"]) == 3, asked
