"""The per-cell cache and the delta protocol never change a finding.

Random edit sequences; after every edit the report computed with the warm caches from a delta
request (what the server does on a keystroke: only unseen sources travel, evicted ones are sent
again when the server asks; unchanged cells as ranges of the cells list the server named last, all
cells again when it no longer holds it), and answered as a findings delta against the report the client holds
(sometimes an older one: an answer the client dropped), must equal the report computed from
scratch, with empty caches, from the whole notebook.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from jupyter_prod_ext.checks import incremental
from jupyter_prod_ext.checks.api import check_notebook
from jupyter_prod_ext.checks.incremental import last_run
from jupyter_prod_ext.delta import (
    DeltaNotebooks,
    DeltaStore,
    HeldCells,
    HeldReports,
    apply_findings_delta,
    client_delta,
    held_cells,
    ranged_delta,
    sent_hashes,
)
from jupyter_prod_ext.errors import InputError, NotebookError
from jupyter_prod_ext.notebook import fresh_caches, notebook_from_dict, source_hash, unit_cache

from .nbutil import make_nb

#: sources that exercise every per-cell fact: imports, definitions, uses across cells, randomness,
#: magics, syntax errors, secrets, waivers, paths, del, star imports, duplicates of each other
SOURCES = [
    "import numpy as np\nimport random",
    "from os import path",
    "from pathlib import *",
    "x = 1",
    "x = x + 1",
    "print(x)",
    "del x",
    "y = undefined_thing + 1",
    "def f(a):\n    return a + x\n",
    "f(2)",
    "class K:\n    def m(self):\n        return f(1)",
    "np.random.rand(3)",
    "random.seed(1)",
    "random.choice([1, 2])",
    "rng = np.random.default_rng()",
    "%matplotlib inline\nimport json",
    "!ls -la\nfiles = !ls",
    "%%bash\necho hi",
    "%%capture out\nprint(1)",
    "ls",
    "def broken(:\n    pass",
    "password = 'hunter42XYZ'",
    "token = 'ghp_" + "a" * 36 + "'",
    "data = open('/home/me/data.csv')  # prod: ignore[absolute-path]",
    "import os  # prod: ignore",
    "for i in range(3):\n    print(i)",
    "__all__ = ['f']",
    "",
    "import json",
    "result = json.dumps({'a': 1})",
    "len = 3",
    "print(len)",
    'if "late" in globals():\n    print(late)',
    "print(late)",
    "late = 2",
    "def g():\n    global z\n    z = 1",
    "np.random.seed(0)\nnp.random.rand(2)",
    "import numpy.random as npr\nnpr.rand(1)",
    "x = 1  # a comment",
    "x = 2",
    "for k in range(2):\n    if k:\n        print(path)\n    path = 'p'",
    "x = (1 +",
    "late = (",
    "@register_cell_magic\ndef backend(line, cell):\n    get_ipython().run_cell(cell)",
    "%%backend torch\nstep = 1",
    "%%cython\ndef fib(int n):\n    return n",
    "print(step, fib)",
    "def double_it(x):\n    return 2 * x",
    "fit = ols('y ~ double_it(x) + np.log(z)', data)",
    "if sys.version_info < (3, 0):\n    text = unicode(text)",
    "import xml.dom\nimport os.path",
    "import xml.etree",
    "print(xml.etree.ElementTree)",
    "xml = None",
    "print(Path)",
    "from pathlib import Path",
    "#|export\ndef exported_step():\n    return 1",
    "def exported_step():\n    return 1",
    "import xml as xm\nimport xml.sax",
    "print(xm.sax)",
    "try:\n    print(late)\nexcept NameError:\n    late = 0",
    "def shown(expr):\n    return eval(expr)",
    "shown('double_it(3)')",
    "print(eval('exported_step()'))",
]

#: outputs a cell may get (an error, a stream that leaks a token, none)
OUTPUTS = [
    [],
    [{"output_type": "error", "ename": "ValueError", "evalue": "bad", "traceback": []}],
    [{"output_type": "stream", "name": "stdout", "text": "ghp_" + "b" * 36 + "\n"}],
]


def _cell(kind: str, source: str) -> dict[str, Any]:
    if kind == "markdown":
        return {"cell_type": "markdown", "metadata": {}, "source": source}
    return {"cell_type": "code", "metadata": {}, "source": source, "outputs": [], "execution_count": None}


edits = st.one_of(
    st.tuples(st.just("insert"), st.integers(0, 50), st.sampled_from(["code", "markdown"]), st.sampled_from(SOURCES)),
    st.tuples(st.just("delete"), st.integers(0, 50)),
    st.tuples(st.just("move"), st.integers(0, 50), st.integers(0, 50)),
    st.tuples(st.just("retype"), st.integers(0, 50)),
    st.tuples(st.just("edit"), st.integers(0, 50), st.sampled_from(SOURCES)),
    st.tuples(st.just("append"), st.integers(0, 50), st.sampled_from(SOURCES)),
    st.tuples(st.just("outputs"), st.integers(0, 50), st.integers(0, len(OUTPUTS) - 1)),
    st.tuples(st.just("run"), st.integers(0, 50), st.one_of(st.none(), st.integers(1, 9))),
    st.tuples(st.just("waive"), st.integers(0, 50), st.sampled_from(["undefined-name", "secret", "unused-import"])),
)


def apply(nb: dict[str, Any], edit: tuple[Any, ...]) -> None:
    """One edit a person makes in the editor (indexes wrap around the current cells)."""
    cells = nb["cells"]
    op = edit[0]
    if op == "insert":
        cells.insert(edit[1] % (len(cells) + 1), _cell(edit[2], edit[3]))
        return
    if not cells:
        return
    i = edit[1] % len(cells)
    if op == "delete":
        del cells[i]
    elif op == "move":
        cells.insert(edit[2] % len(cells), cells.pop(i))
    elif op == "retype":
        old = cells[i]
        cells[i] = _cell("markdown" if old["cell_type"] == "code" else "code", old["source"])
    elif op == "edit":
        cells[i]["source"] = edit[2]
    elif op == "append":
        cells[i]["source"] = cells[i]["source"] + "\n" + edit[2]
    elif cells[i]["cell_type"] != "code":
        return
    elif op == "outputs":
        cells[i]["outputs"] = copy.deepcopy(OUTPUTS[edit[2]])
    elif op == "run":
        cells[i]["execution_count"] = edit[2]
    else:
        cells[i]["metadata"] = {"jupyter_prod": {"ignore": [edit[2]]}}


def report(data: dict[str, Any], session: str | None = None) -> dict[str, Any]:
    nb = notebook_from_dict(copy.deepcopy(data), "nb.ipynb")
    return dict(check_notebook(nb, checks="fast", session=session))


class Client:
    """The frontend's side of the delta protocol: what the server acknowledged, resend on ``missing``.

    The server's side as the check route runs it: the notebook built from the previous request's
    where cells did not change (``DeltaNotebooks``), checked under the notebook's session.
    """

    def __init__(self, store: DeltaStore) -> None:
        self.store = store
        self.known: set[str] = set()
        self.notebooks = DeltaNotebooks()
        self.held = HeldReports()
        #: the server's cells lists, and the one the client names next (id, its cells): only answered ones
        self.cells = HeldCells()
        self.cells_base: tuple[str, list[dict[str, Any]]] | None = None
        #: the last report the client applied (its base), and how many answers were deltas
        self.base: dict[str, Any] | None = None
        self.deltas = 0
        #: requests sent with cells ranges, and those the server asked to send again in full
        self.ranged = 0
        self.fallbacks = 0

    def report(self, nb: dict[str, Any], drop: bool = False) -> dict[str, Any]:
        """The report the client shows after this request; ``drop``: the answer is not kept as its base
        (overtaken by a newer one), so the next request names an older report and cells list."""
        full = self._checked(nb, drop)
        base = self.base["report_id"] if self.base is not None else None
        answer = json.loads(json.dumps(self.held.answer("nb.ipynb", full, base)))  # type: ignore[arg-type]
        if "findings_delta" in answer:
            assert self.base is not None and answer["findings_base"] == base
            self.deltas += 1
            answer["findings"] = apply_findings_delta(self.base["findings"], answer.pop("findings_delta"))
            answer["waived"] = apply_findings_delta(self.base["waived"], answer.pop("waived_delta"))
            del answer["findings_base"]
        assert answer["report_id"] != base
        if not drop:
            self.base = answer
        return {k: v for k, v in answer.items() if k != "report_id"}

    def _checked(self, nb: dict[str, Any], drop: bool) -> dict[str, Any]:
        built, missing, delta = self._sent(nb, drop)
        for fallback in (set(missing), self.known):  # the missing ones; if still short (a tiny store), all
            if not missing:
                break
            self.known -= fallback
            built, missing, delta = self._sent(nb, drop)
        assert not missing and built is not None
        self.known |= sent_hashes(delta)
        # the server's session: what the previous request found, reused where nothing it depends on changed
        return dict(check_notebook(built, checks="fast", session="nb.ipynb"))

    def _sent(self, nb: dict[str, Any], drop: bool) -> tuple[Any, list[str], dict[str, Any]]:
        """One request as the check route reads it: unchanged cells as ranges of the cells list named
        last, sent again in full when the server no longer holds that list."""
        delta = client_delta(nb, self.known)
        sent = ranged_delta(delta, *self.cells_base) if self.cells_base is not None else delta
        self.ranged += sent is not delta
        expanded = self.cells.expand("nb.ipynb", json.loads(json.dumps(sent)))
        if expanded is None:
            self.fallbacks += 1
            expanded = self.cells.expand("nb.ipynb", json.loads(json.dumps(delta)))
        assert expanded is not None and held_cells(expanded[0]) == held_cells(delta) == expanded[1]
        built, missing = self.notebooks.notebook("nb.ipynb", expanded[0], self.store, "nb.ipynb")
        cells_id = self.cells.hold("nb.ipynb", expanded[1])
        if not drop:  # an answer dropped: its cells id is never named
            self.cells_base = (cells_id, held_cells(delta))
        return built, missing, delta


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    start=st.lists(st.tuples(st.sampled_from(["code", "code", "markdown"]), st.sampled_from(SOURCES)), max_size=12),
    steps=st.lists(st.tuples(edits, st.booleans(), st.booleans(), st.booleans()), min_size=1, max_size=12),
)
def test_incremental_report_equals_from_scratch(
    start: list[tuple[str, str]], steps: list[tuple[tuple[Any, ...], bool, bool, bool]]
) -> None:
    nb = make_nb()
    nb["cells"] = [_cell(kind, src) for kind, src in start]
    client = Client(DeltaStore(max_items=8))  # small: evictions happen and are recovered from
    client.report(nb)  # warm the caches
    for edit, evict, drop, lose_cells in steps:
        apply(nb, edit)
        if evict:
            client.store.clear()
        if lose_cells:  # the server's cells lists evicted (or restarted): the next request is sent again
            client.cells.clear()
        incremental = client.report(nb, drop)
        with fresh_caches():
            scratch = report(nb)
        assert json.dumps(incremental, sort_keys=True) == json.dumps(scratch, sort_keys=True), edit
    assert client.deltas >= 1  # the first edit's answer is a delta against the warm-up's report
    assert client.ranged >= 1  # the first edit's request names the warm-up's cells list


def test_session_rechecks_only_what_an_edit_touches() -> None:
    """The property test above must exercise the incremental path: show which way each edit takes."""
    nb = make_nb("import os\nfrom json import dumps", "x = 1\nlimit = 10", "print(x, limit)", "def f():\n    return limit")
    key = "test-session.ipynb"
    report(nb, key)
    assert last_run(key) == ("full", frozenset())
    nb["cells"][1]["source"] = "x = 2\nlimit = 10  # a comment"  # same names on the same lines
    assert report(nb, key) == report(nb)
    assert last_run(key) == ("incremental", frozenset())
    nb["cells"][2]["source"] = "print(x, limit, y)"  # a new name: its cell's names are resolved again
    assert report(nb, key) == report(nb)
    assert last_run(key) == ("incremental", frozenset({"x", "limit", "y"}))
    nb["cells"].insert(1, {"cell_type": "code", "metadata": {}, "source": "y = 0", "outputs": [], "execution_count": None})
    assert report(nb, key) == report(nb)
    assert last_run(key) == ("full", frozenset())  # cells inserted, deleted or moved: everything again


def test_sessions_are_bounded_by_the_memory_their_units_hold() -> None:
    """A session keeps its cells' units alive: their estimated bytes count against the bound."""
    sessions = incremental._SESSIONS
    saved = sessions.max_bytes
    try:
        sessions.max_bytes = 1024 * 1024  # the small one fits; the large one's units alone do not
        report(make_nb(*(f"a{i} = {i}" for i in range(20))), "small.ipynb")
        assert last_run("small.ipynb") is not None
        report(make_nb(*(f"b{i} = '{'x' * 2000}'" for i in range(20))), "large.ipynb")
        assert last_run("small.ipynb") is None  # evicted to make room
        assert sessions.bytes <= sessions.max_bytes or len(sessions) == 1
    finally:
        sessions.max_bytes = saved
        incremental.clear_sessions()


def test_delta_notebook_of_an_edit_equals_the_whole_one() -> None:
    """Only the edited cells are rebuilt; a repeated id stays on its first cell, as the whole notebook has it."""
    nb = make_nb("x = 1", "print(x)", "y = 2")
    nb["cells"][2]["id"] = nb["cells"][0]["id"]  # invalid nbformat that real notebooks have
    store, notebooks = DeltaStore(), DeltaNotebooks()
    first = client_delta(nb, set())
    built, _ = notebooks.notebook("k", first, store, "nb.ipynb")
    assert built is not None
    nb["cells"][2]["source"] = "y = x"
    second = client_delta(nb, sent_hashes(first))
    again, missing = notebooks.notebook("k", second, store, "nb.ipynb")
    assert again is not None and not missing
    whole = notebook_from_dict(copy.deepcopy(nb), "nb.ipynb")
    assert again.cells == whole.cells and again.cells[2].cell_id is None
    assert again.cells[0] is built.cells[0]  # unchanged cells are not built again
    bad = client_delta(nb, sent_hashes(first) | sent_hashes(second))
    bad["cells"][1]["metadata"] = "not an object"
    with pytest.raises(NotebookError, match="cell 2: 'metadata' must be an object"):
        notebooks.notebook("k", bad, store, "nb.ipynb")
    lying = client_delta(nb, sent_hashes(first) | sent_hashes(second))
    lying["cells"][0]["source"] = "x = 99"  # sent again, but not the text its hash names
    with pytest.raises(InputError, match="delta cell 0: 'source_hash' is not the sha256"):
        notebooks.notebook("k", lying, store, "nb.ipynb")


def test_duplicate_cells_keep_their_own_findings() -> None:
    """Two cells with one source share a cache entry, yet each import is used or unused on its own."""
    nb = make_nb("import os", "import os", "os.getcwd()")
    findings = report(nb)["findings"]
    unused = [(f["cell"], f["check"]) for f in findings if f["check"] == "unused-import"]
    assert unused == [(0, "unused-import")]


def test_cache_is_bounded_by_count_and_bytes() -> None:
    cache = unit_cache()
    report(make_nb(*(f"v{i} = {i}" for i in range(50))))
    assert source_hash("v1 = 1") in cache
    assert cache.bytes <= cache.max_bytes if cache.max_bytes is not None else False
    with fresh_caches():
        small = unit_cache()
        small.max_bytes = 4096
        report(make_nb(*(f"w{i} = {i}" for i in range(50))))
        assert 0 < len(small) < 50
        assert small.bytes <= 4096


def test_an_edit_of_an_nbdev_export_directive_alone_rechecks_the_cells_definitions() -> None:
    """``#|export`` is a comment: the cell's names and lines stay the same when it becomes ``#|hide``, yet
    unused-definition then reports the function; the session re-resolves the cell's definitions."""
    nb = make_nb("#|export\ndef chunk(text):\n    return [text]", "print(1)")
    key = "test-nbdev.ipynb"
    report(nb, key)
    nb["cells"][0]["source"] = "#|hide\ndef chunk(text):\n    return [text]"
    after = report(nb, key)
    assert after == report(nb) and [f["check"] for f in after["findings"]].count("unused-definition") == 1
    assert last_run(key) == ("incremental", frozenset({"chunk"}))


def test_an_edit_that_makes_a_function_evaluate_its_strings_rechecks_the_names_they_read() -> None:
    """``show("square(2)")`` reads ``square`` once ``show`` runs ``eval`` on its argument: an edit of the helper
    alone (its cell binds and reads the same names but ``eval``) changes unused-definition of another cell."""
    nb = make_nb("def square(n):\n    return n * n", "def show(expr):\n    return str(expr)", "show('square(2)')")
    key = "test-eval.ipynb"
    before = report(nb, key)
    assert [f["check"] for f in before["findings"]].count("unused-definition") == 1
    nb["cells"][1]["source"] = "def show(expr):\n    return eval(expr)"
    after = report(nb, key)
    assert after == report(nb) and [f["check"] for f in after["findings"]].count("unused-definition") == 0
    nb["cells"][2]["source"] = "show('2 * 2')"
    again = report(nb, key)
    assert again == report(nb) and [f["check"] for f in again["findings"]].count("unused-definition") == 1
