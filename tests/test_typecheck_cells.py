"""One module per cell (typecheck.cells) finds what one module for the whole notebook finds.

Real mypy and a real daemon on both layouts, the findings compared after every step of an edit
sequence (edit, insert, delete, move), so the chain's headers, its stable module names and its
per-module mtime care are all exercised against the reference layout.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest

from jupyter_prod_ext import typecheck
from jupyter_prod_ext.config import load_config
from jupyter_prod_ext.notebook import load_notebook, notebook_from_dict
from jupyter_prod_ext.typecheck import TypecheckSettings, TypeErrorItem, typecheck_cells
from jupyter_prod_ext.typecheck.cells import build_cell_chain


@pytest.fixture
def places(tmp_path: Path) -> Iterator[tuple[Path, Path]]:
    """A project (with mypy settings a notebook user might have) and the type check's cache root."""
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text("[tool.mypy]\nwarn_unused_ignores = true\n", encoding="utf-8")
    yield project, tmp_path / "cache"
    typecheck.shutdown_workers()

DATA = Path(__file__).resolve().parent / "data"

#: cross-cell patterns: IPython magics, redefinitions (function, class, variable, loop variable,
#: repeated imports), partial types completed in a later cell, a function reading a later cell's
#: name, use before definition, star import, TypeVar and alias, global, walrus, top-level await,
#: narrowing by assignment and assert carried to the next cells
TRICKY = [
    "import json as js\nimport os.path\nfrom typing import List, TypeVar\nfrom dataclasses import dataclass",
    "%matplotlib inline\n!pip install requests\nfiles = !ls\n%time count = len(files)",
    "display(count)\nget_ipython().run_line_magic('load_ext', 'autoreload')",
    "def area(w: float, h: float) -> float:\n    return w * h\n\n\nclass Box:\n    size: int = 1",
    "total: str = area(2.0, 3.0)\nbox = Box()\nbox.size = 'big'",
    "def area(w: float) -> float:\n    return w\n\n\nclass Box:\n    pass",
    "x = 1\nfor i in range(3):\n    x += i",
    "x = 'now a string'\nfor i in 'ab':\n    pass",
    "import json as js\nfrom typing import List\nimport os\nos.path.join('a', 1)",
    "results = []",
    "results.append(1)\ncache = {}\nmodel = None",
    "cache['a'] = 2\nmodel = 5\nresults.append('s')",
    "def uses_later() -> int:\n    return later_value",
    "later_value = 'three'",
    "print(not_yet)\nnot_yet = 1",
    "from os.path import *\nbase = join('a', 'b')\nbad: int = basename('x')",
    "T = TypeVar('T')\nVec = List[float]\n\n\ndef first(items: List[T]) -> T:\n    return items[0]",
    "def norm(v: Vec) -> float:\n    return sum(v)\n\n\nn: int = first(['a'])\nnorm([1, 'b'])",
    "counter = 0\n\n\ndef bump() -> None:\n    global counter\n    counter += 1",
    "squares = [(k := j) * j for j in range(3)]\nk.bit_length()\nj",
    "import asyncio\nawait asyncio.sleep(0)",
    "@dataclass\nclass Point:\n    x: int\n    y: int\n\n\np = Point(1, 'two')",
    "p.z\nundefined_name + 1\njs.loads(3)\nreveal_type(p)",
    "try:\n    import tomllib as toml\nexcept ImportError:\n    toml = None",
    "data = toml.loads('a = 1')\nwith open('f') as fh:\n    text: int = fh.read()",
    "text.upper()\nfh.close()\ncounter.bit_length()",
    "opt: int | None = None\nenv = os.environ.get('HOME')",
    "opt = 5\nassert env is not None",
    "opt + 1\nenv.upper()\nopt = None",
    "opt + 2",
    "index = {s: ii + 1 for ii, s in enumerate('ab')}\nsizes = sum(len(q) for q in index if q)",
    "for ii in range(3):\n    q = str(ii)",
]


Cells = list[tuple[int, str]]


def _notebook_cells(sources: Sequence[str], ids: Sequence[str]) -> tuple[Cells, list[str | None]]:
    """The sources as a notebook's code cells, through the same IPython translation as the checks."""
    nb = notebook_from_dict(
        {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {},
            "cells": [
                {"cell_type": "code", "id": i, "metadata": {}, "source": s, "outputs": [], "execution_count": None}
                for i, s in zip(ids, sources, strict=True)
            ],
        }
    )
    units = [u for u in nb.units() if u.syntax_error is None]
    return [(u.cell.index, u.python) for u in units], [u.cell.cell_id for u in units]


def _key(e: TypeErrorItem) -> tuple[object, ...]:
    # mypy names the first definition differently: "on line N" in one module, "(possibly by an
    # import)" when it comes through a cell module's header; the finding is the same
    message = re.sub(r"already defined (on line \d+|\(possibly by an import\))", "already defined", e.message)
    return (e.cell, e.line, e.column, e.severity, e.code, message, e.hint, e.file)


def _findings(
    cells: Cells, ids: Sequence[str | None], project: Path, cache_root: Path, layout: str, backend: str = "daemon"
) -> list[tuple[object, ...]]:
    settings = TypecheckSettings(
        backend="daemon" if backend == "daemon-client" else backend,  # type: ignore[arg-type]
        layout=layout,  # type: ignore[arg-type]
        cache_root=cache_root / f"{layout}-{backend}",
        daemon_idle_timeout=120,
        daemon_ipc=backend != "daemon-client",  # the daemon through its own client process
    )
    result = typecheck_cells(cells, project, load_config(project), name="nb.ipynb", settings=settings, cell_ids=ids)
    assert result.ran, result.message
    return sorted(map(_key, result.errors), key=repr)


def test_cell_modules_find_what_one_module_finds(places: tuple[Path, Path]) -> None:
    project, cache_root = places
    cells, ids = _notebook_cells(TRICKY, [f"c{i}" for i in range(len(TRICKY))])
    reference = _findings(cells, ids, project, cache_root, "module")
    assert len(reference) >= 20  # the patterns do produce findings: the comparison means something
    codes = {f[4] for f in reference}
    assert {"no-redef", "assignment", "used-before-def", "name-defined", "return-value"} <= codes
    assert _findings(cells, ids, project, cache_root, "cells") == reference
    # the one-shot backend (the CLI's) reads the same chain
    assert _findings(cells, ids, project, cache_root, "cells", backend="mypy") == reference


def test_generated_module_names_never_show(places: tuple[Path, Path]) -> None:
    project, cache_root = places
    cells, ids = _notebook_cells(TRICKY, [f"c{i}" for i in range(len(TRICKY))])
    for layout in ("cells", "module"):
        found = _findings(cells, ids, project, cache_root, layout)
        revealed = [f for f in found if f[3] == "note" and "Revealed type" in str(f[5])]
        assert [f[5] for f in revealed] == ['Revealed type is "Point"'], layout
        assert not any("_jpnb_" in str(f[5]) or "jupyter_prod_nb_" in str(f[5]) for f in found)


def _edits() -> Iterator[tuple[str, list[str], list[str]]]:
    """An edit sequence over TRICKY: (what, sources, ids) after each step."""
    sources = list(TRICKY)
    ids = [f"c{i}" for i in range(len(sources))]
    yield "start", list(sources), list(ids)
    sources[13] = "later_value = 30"  # fixes the return-value error of an earlier cell
    yield "edit a name's type", list(sources), list(ids)
    sources[13] = "later_value = 3j"  # same size, likely the same second: the per-module mtime rule
    sources[6] = "x = 2\nfor i in range(3):\n    x += i"
    yield "same-size edits", list(sources), list(ids)
    del sources[3], ids[3]  # the first `area`/`Box`: later uses now meet the second definitions
    yield "delete a cell", list(sources), list(ids)
    sources.insert(1, "count: str = ''")
    ids.insert(1, "new")
    yield "insert a redefinition", list(sources), list(ids)
    moved, moved_id = sources.pop(12), ids.pop(12)  # `later_value = 3j` before the function reading it
    sources.insert(10, moved)
    ids.insert(10, moved_id)
    yield "move a cell", list(sources), list(ids)
    sources[0] = "import json as js\nimport os.path\nfrom typing import List, TypeVar"
    yield "remove an import later cells use", list(sources), list(ids)


@pytest.mark.parametrize("backend", ["daemon", "mypy"])
def test_edit_sequence_keeps_both_layouts_equal(places: tuple[Path, Path], backend: str) -> None:
    """The daemon's fine-grained updates and the one-shot mypy's incremental cache (the CLI's) alike."""
    project, cache_root = places
    previous = None
    for what, sources, ids in _edits():
        cells, cell_ids = _notebook_cells(sources, ids)
        reference = _findings(cells, cell_ids, project, cache_root, "module")
        assert _findings(cells, cell_ids, project, cache_root, "cells", backend) == reference, what
        assert reference != previous, f"{what}: the step changes nothing, it tests nothing"
        previous = reference


#: a cell each whose module has a finding only mypy's whole-module pass gives, all reading `a`
WHOLE_MODULE_CELLS = [
    "a = 1",
    "print(a)\nprint(u1)\nu1 = 1",
    "print(a)\nif a:\n    w = 1\nprint(w)",
    "b: int = a  # type: ignore[assignment]",
    "c: str = a  # type: ignore",
    "d = a",
]


def _structural_edits() -> Iterator[tuple[str, list[str], list[str]]]:
    """Each structural step rewrites the headers of several cells that have whole-module findings."""
    sources, ids = list(WHOLE_MODULE_CELLS), [f"w{i}" for i in range(len(WHOLE_MODULE_CELLS))]
    yield "start", list(sources), list(ids)
    sources.insert(1, "a = 2")
    ids.insert(1, "new")
    yield "insert a cell every later cell reads from", list(sources), list(ids)
    sources.insert(4, sources.pop(1))
    ids.insert(4, ids.pop(1))
    yield "move it between them", list(sources), list(ids)
    del sources[4], ids[4]
    yield "delete it", list(sources), list(ids)
    sources[-1] = "d = a + 1"
    yield "edit a cell elsewhere", list(sources), list(ids)


@pytest.mark.parametrize("backend", ["daemon", "daemon-client"])
def test_structural_changes_keep_whole_module_findings(places: tuple[Path, Path], backend: str) -> None:
    """dmypy's fine-grained update gives only the module it updates last its whole-module pass.

    An insert, a move and a delete rewrite the headers of several cells at once; each of their
    modules must still have its used-before-def, possibly-undefined, unused-ignore and
    ignore-without-code findings, then and after a later edit elsewhere (over the daemon's socket and
    through its client process alike).
    """
    project, cache_root = places
    (project / "pyproject.toml").write_text(
        "[tool.mypy]\nwarn_unused_ignores = true\n"
        "enable_error_code = ['possibly-undefined', 'ignore-without-code']\n",
        encoding="utf-8",
    )
    whole = {"used-before-def", "possibly-undefined", "unused-ignore", "ignore-without-code"}
    for what, sources, ids in _structural_edits():
        cells, cell_ids = _notebook_cells(sources, ids)
        reference = _findings(cells, cell_ids, project, cache_root, "module")
        assert {f[4] for f in reference} >= whole, what  # the comparison means something
        assert _findings(cells, cell_ids, project, cache_root, "cells", backend) == reference, what


def test_a_new_binding_many_cells_read_keeps_the_warm_daemon(places: tuple[Path, Path]) -> None:
    """An inserted cell that binds what 20 later cells read rewrites their 20 headers, but only where
    they import it from: their whole-module findings stay known, so no module is read whole again
    (so many passes may cost more than a fresh daemon: a cold build)."""
    project, cache_root = places
    sources = ["a = 1", *[f"print(u{i})\nu{i} = a + {i}" for i in range(20)]]
    ids = [f"r{i}" for i in range(len(sources))]
    pids = []
    for step in range(2):
        cells, cell_ids = _notebook_cells(sources, ids)
        reference = _findings(cells, cell_ids, project, cache_root, "module")
        assert len([f for f in reference if f[4] == "used-before-def"]) == 20
        assert _findings(cells, cell_ids, project, cache_root, "cells") == reference, step
        pids.append(_daemon_pid(cache_root / "cells-daemon"))
        sources.insert(1, "a = 2")
        ids.insert(1, "new")
    assert pids[0] == pids[1], "the daemon was restarted"


def test_real_notebooks_agree(places: tuple[Path, Path]) -> None:
    project, cache_root = places
    paths = [DATA / "real" / "patterns.ipynb", *sorted((DATA / "corpus" / "jupytext").glob("*.ipynb"))[:3]]
    for path in paths:
        nb = load_notebook(path)
        units = [u for u in nb.units() if u.syntax_error is None and not u.too_large]
        cells = [(u.cell.index, u.python) for u in units]
        ids = [u.cell.cell_id for u in units]
        if cells:
            reference = _findings(cells, ids, project, cache_root, "module")
            assert _findings(cells, ids, project, cache_root, "cells") == reference, path.name


def test_chain_names_follow_ids_not_positions() -> None:
    cells = [(0, "a = 1"), (1, "b = a + 1"), (2, "c = b + a")]
    chain = build_cell_chain(cells, "_jpnb_0123456789_", ["x", "y", "z"])
    moved = build_cell_chain([(0, "a = 1"), (1, "c = b + a"), (2, "b = a + 1")], "_jpnb_0123456789_", ["x", "z", "y"])
    assert {m.name for m in chain.modules} == {m.name for m in moved.modules}
    unchanged = {m.name: m.text for m in chain.modules}
    # the cell that binds `a` is untouched by the move: same module, same text, nothing to re-check
    assert moved.modules[0].text == unchanged[moved.modules[0].name]
    # a cell reads each name from the last cell that bound it before it, as the kernel would
    assert f"from {chain.modules[1].name} import b as b" in chain.modules[2].text
    assert f"from {chain.modules[0].name} import a as a" in chain.modules[2].text
    body = [m for m in chain.modules[2].line_map if m is not None]
    assert body == [(2, 1)]


def test_repeated_or_missing_ids_still_give_distinct_modules() -> None:
    cells = [(0, "a = 1"), (1, "b = 2"), (2, "c = 3"), (3, "a = 1")]
    chain = build_cell_chain(cells, "_jpnb_0_", ["same", "same", None, None])
    assert len({m.name for m in chain.modules}) == 4


def test_partial_type_shares_a_module_with_its_completion() -> None:
    chain = build_cell_chain([(0, "items = []"), (1, "items.append(1)"), (2, "n = len(items)")], "_jpnb_0_", None)
    assert [[c for c, _ in filter(None, m.line_map)] for m in chain.modules] == [[0, 1], [2]]


def test_unchanged_notebook_rewrites_nothing(places: tuple[Path, Path]) -> None:
    project, cache_root = places
    cells, ids = _notebook_cells(TRICKY[:6], [f"c{i}" for i in range(6)])
    settings = TypecheckSettings(backend="mypy", cache_root=cache_root)
    config = load_config(project)
    typecheck_cells(cells, project, config, name="nb.ipynb", settings=settings, cell_ids=ids)
    files = sorted((cache_root).glob("*/nb_*/*.py"))
    assert len(files) == 6
    stamps = [f.stat().st_mtime_ns for f in files]
    edited = [*cells[:5], (cells[5][0], cells[5][1] + "\nextra = 1")]
    typecheck_cells(edited, project, config, name="nb.ipynb", settings=settings, cell_ids=ids)
    rewritten = [f for f, before in zip(files, stamps, strict=True) if f.stat().st_mtime_ns != before]
    assert len(rewritten) == 1 and "extra = 1" in rewritten[0].read_text(encoding="utf-8")


def _daemon_pid(cache_root: Path) -> int:
    (status,) = cache_root.glob("*/dmypy.json")
    pid = json.loads(status.read_text(encoding="utf-8"))["pid"]
    assert isinstance(pid, int)
    return pid


def test_another_notebook_gets_a_fresh_daemon(places: tuple[Path, Path]) -> None:
    """Another notebook's modules would be added one update at a time: a fresh daemon builds them at once."""
    project, cache_root = places
    settings = TypecheckSettings(cache_root=cache_root, daemon_idle_timeout=120)
    config = load_config(project)
    first, ids = _notebook_cells(TRICKY, [f"c{i}" for i in range(len(TRICKY))])
    other = [(i, f"v{i}: int = {i}\nw{i}: str = v{i}") for i in range(40)]

    def check(cells: Cells, name: str, cell_ids: Sequence[str | None] | None) -> list[tuple[object, ...]]:
        result = typecheck_cells(cells, project, config, name=name, settings=settings, cell_ids=cell_ids)
        assert result.ran, result.message
        return sorted(map(_key, result.errors), key=repr)

    before = check(first, "a.ipynb", ids)
    pid = _daemon_pid(cache_root)
    check(first[:-1], "a.ipynb", ids[:-1])  # one cell fewer: the same daemon
    assert _daemon_pid(cache_root) == pid
    assert sorted((e[0], e[1]) for e in check(other, "b.ipynb", None)) == [(i, 2) for i in range(40)]
    assert _daemon_pid(cache_root) != pid
    assert check(first, "a.ipynb", ids) == before


def test_a_small_other_notebook_gets_a_fresh_daemon_too(places: tuple[Path, Path]) -> None:
    """A one-cell notebook checked after another: none of the warm daemon's modules is its own, and each
    module update would pay for the other notebook's graph (its imports'); a fresh daemon is sooner."""
    project, cache_root = places
    settings = TypecheckSettings(cache_root=cache_root, daemon_idle_timeout=120)
    config = load_config(project)
    first, ids = _notebook_cells(TRICKY[:6], [f"c{i}" for i in range(6)])

    def check(cells: Cells, name: str, cell_ids: Sequence[str | None] | None) -> list[tuple[object, ...]]:
        result = typecheck_cells(cells, project, config, name=name, settings=settings, cell_ids=cell_ids)
        assert result.ran, result.message
        return sorted(map(_key, result.errors), key=repr)

    check(first, "a.ipynb", ids)
    pid = _daemon_pid(cache_root)
    check([*first, (6, "extra: int = 1")], "a.ipynb", [*ids, "c6"])  # an added cell: the same daemon
    assert _daemon_pid(cache_root) == pid
    assert [(e[0], e[1]) for e in check([(0, 'label: int = "one"')], "b.ipynb", ["only"])] == [(0, 1)]
    assert _daemon_pid(cache_root) != pid


def _ignore_edits() -> Iterator[tuple[str, list[str], list[str], str]]:
    """Edits of a cell that a `# type: ignore` in another cell depends on (that cell itself unchanged):
    (what, sources, ids, the code of the two findings then)."""
    sources = [
        "def f() -> str:\n    return ''",
        "x: int = f()  # type: ignore[assignment]\ny: int = f()  # type: ignore",
        "z = 1",
    ]
    ids = ["def", "ignores", "other"]
    yield "start: both ignores used", list(sources), list(ids), "ignore-without-code"
    sources[0] = "def f() -> int:\n    return 0"
    yield "f returns int: both ignores unused", list(sources), list(ids), "unused-ignore"
    sources[2] = "z = 2"
    yield "an edit elsewhere", list(sources), list(ids), "unused-ignore"
    sources[0] = "def f() -> str:\n    return ''"
    yield "f returns str again: both used", list(sources), list(ids), "ignore-without-code"


@pytest.mark.parametrize("backend", ["daemon", "daemon-client"])
def test_unused_ignore_follows_an_edit_of_the_cell_it_depends_on(places: tuple[Path, Path], backend: str) -> None:
    """Whether a `# type: ignore` is used depends on other cells' types: after an edit of the cell
    defining `f`, the unchanged cell's unused-ignore and ignore-without-code findings are current."""
    project, cache_root = places
    (project / "pyproject.toml").write_text(
        "[tool.mypy]\nwarn_unused_ignores = true\nenable_error_code = ['ignore-without-code']\n", encoding="utf-8"
    )
    for what, sources, ids, code in _ignore_edits():
        cells, cell_ids = _notebook_cells(sources, ids)
        reference = _findings(cells, cell_ids, project, cache_root, "module")
        assert {f[4] for f in reference} == {code}, (what, reference)  # the comparison means something
        assert _findings(cells, cell_ids, project, cache_root, "cells", backend) == reference, what


def test_a_body_edit_read_by_many_ignores_keeps_the_warm_daemon(places: tuple[Path, Path]) -> None:
    """20 cells with a `# type: ignore` read `f`: an edit of its body cannot change whether they ignore
    anything, so none is read whole again (so many passes may cost more than a fresh daemon)."""
    project, cache_root = places
    sources = ["def f() -> str:\n    return ''", *[f"x{i}: int = f()  # type: ignore[assignment]" for i in range(20)]]
    ids = [f"i{i}" for i in range(len(sources))]
    pids = []
    for body in ("''", "'changed'", "'again'"):
        sources[0] = f"def f() -> str:\n    return {body}"
        cells, cell_ids = _notebook_cells(sources, ids)
        reference = _findings(cells, cell_ids, project, cache_root, "module")
        assert reference == [], body  # every ignore is used
        assert _findings(cells, cell_ids, project, cache_root, "cells") == reference, body
        pids.append(_daemon_pid(cache_root / "cells-daemon"))
    assert pids[0] == pids[1] == pids[2], "the daemon was restarted"
    sources[0] = "def f() -> int:\n    return 0"  # now every ignore is unused
    cells, cell_ids = _notebook_cells(sources, ids)
    reference = _findings(cells, cell_ids, project, cache_root, "module")
    assert [f[4] for f in reference] == ["unused-ignore"] * 20
    assert _findings(cells, cell_ids, project, cache_root, "cells") == reference


def _costs_file(cache_root: Path) -> Path:
    (status,) = cache_root.glob("*/dmypy.json")
    return status.with_name("dmypy.costs")


def test_a_signature_edit_read_by_many_ignores_takes_the_sooner_way(places: tuple[Path, Path]) -> None:
    """24 cells with a `# type: ignore` read `f`; each edit of its return type decides anew whether they
    ignore anything, so each must be read whole again: 24 `dmypy recheck`s on the warm daemon or one
    fresh daemon, whichever the measured costs (daemon._Costs) say is sooner. Either way the answer is
    a from-scratch check's (one-shot mypy, one module, an empty cache); the daemon's pid shows which
    way was taken."""
    project, cache_root = places
    sources = ["def f() -> str:\n    return ''", *[f"x{i}: int = f()  # type: ignore[assignment]" for i in range(24)]]
    ids = [f"i{i}" for i in range(len(sources))]
    scratch: dict[str, list[tuple[object, ...]]] = {}
    for returns, value in (("str", "''"), ("int", "0")):
        cells, _ = _notebook_cells([f"def f() -> {returns}:\n    return {value}", *sources[1:]], ids)
        scratch[returns] = _findings(cells, ids, project, cache_root / f"scratch-{returns}", "module", "mypy")
    assert scratch["str"] == [] and [f[4] for f in scratch["int"]] == ["unused-ignore"] * 24
    cells, _ = _notebook_cells(sources, ids)
    assert _findings(cells, ids, project, cache_root, "cells") == scratch["str"]  # the daemon's cold build
    daemon_root = cache_root / "cells-daemon"
    measured = json.loads(_costs_file(daemon_root).read_text(encoding="utf-8"))
    assert measured["build"] > 0 and measured["per_pass"] is None, measured
    # a fresh build measured as slow as a notebook importing a large library's (passes sooner), as quick
    # as a tiny notebook's (the passes are stopped after two), passes measured slower than a build
    ways = [({"build": 60.0, "per_pass": None}, True), ({"build": 0.001, "per_pass": None}, False)]
    ways.append(({"build": 0.5, "per_pass": 1.0}, False))
    for costs, kept in ways:
        for returns in ("int", "str"):
            _costs_file(daemon_root).write_text(json.dumps(costs), encoding="utf-8")
            pid = _daemon_pid(daemon_root)
            value = "''" if returns == "str" else "0"
            cells, _ = _notebook_cells([f"def f() -> {returns}:\n    return {value}", *sources[1:]], ids)
            assert _findings(cells, ids, project, cache_root, "cells") == scratch[returns], (costs, returns)
            assert (_daemon_pid(daemon_root) == pid) == kept, (costs, returns)
            after = json.loads(_costs_file(daemon_root).read_text(encoding="utf-8"))
            if kept:  # the passes' mean was measured
                assert after["per_pass"] > 0, after
            else:  # the fresh daemon's build was measured
                assert after["build"] != costs["build"], after
