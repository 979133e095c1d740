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
from jupyter_prod_ext.delta import DeltaStore, client_delta, notebook_from_delta, sent_hashes
from jupyter_prod_ext.errors import InputError
from jupyter_prod_ext.notebook import source_hash
from jupyter_prod_ext.server.check import DELTA_NOTEBOOKS, DELTA_STORE

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
    assert code == 200 and answer == full
    edited = copy.deepcopy(nb)
    edited["cells"][3]["source"] = "print(x)"
    delta = client_delta(edited, sent_hashes(first))
    assert [c.get("source") for c in delta["cells"] if "source" in c] == ["print(x)"]
    code, answer = await post(jp_fetch, {"path": "d.ipynb", "delta": delta})
    assert code == 200
    code, expected = await post(jp_fetch, {"path": "d.ipynb", "notebook": edited})
    assert answer == expected
    DELTA_STORE.clear()  # the store evicted: the editor's last notebook is still known, its cells unchanged
    code, answer = await post(jp_fetch, {"path": "d.ipynb", "delta": delta})
    assert code == 200 and answer == expected
    DELTA_NOTEBOOKS.clear()  # both evicted: the server names what it lacks, the client sends it again
    code, answer = await post(jp_fetch, {"path": "d.ipynb", "delta": delta})
    assert code == 200 and set(answer) == {"missing"}
    referenced = {c["source_hash"] for c in delta["cells"]} | {c["outputs_hash"] for c in delta["cells"] if "outputs_hash" in c}
    assert set(answer["missing"]) == referenced - sent_hashes(delta)
    code, answer = await post(jp_fetch, {"path": "d.ipynb", "delta": client_delta(edited, set())})
    assert code == 200 and answer == expected
    code, error = await post(jp_fetch, {"path": "../x.ipynb", "delta": client_delta(edited, set())})
    assert code == 403, error


def test_frontend_knows_which_checks_read_outputs() -> None:
    """src/delta.ts leaves outputs out of a request whose checks do not read them: the same list."""
    text = (Path(__file__).parent.parent / "src" / "delta.ts").read_text(encoding="utf-8")
    block = re.search(r"OUTPUT_CHECKS: ReadonlyArray<string> = \[(.*?)\]", text, re.S)
    assert block is not None
    assert set(re.findall(r"'([a-z-]+)'", block.group(1))) == {s.id for s in CHECKS.values() if s.outputs}
