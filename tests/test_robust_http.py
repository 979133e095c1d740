"""Fuzzed bodies, notebooks and queries through every route of a real server; size limits.

Every answer is 200 with JSON or a 4xx ``{"error", "kind", "details"}``: never a
500, never an HTML page, never a hung request. The bulk of the notebook fuzzing
runs in process (``test_robust_engine.py``); this file sends a smaller number
of cases through HTTP to prove the shell maps every outcome.
"""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st

from jupyter_prod_ext.notebook import notebook_from_dict
from jupyter_prod_ext.server.routes import ROUTES

from . import hostile
from .gitutil import first_commit, server_git_identity  # noqa: F401 - autouse: the server's HOME knows who commits
from .hostile import (
    assert_answer,
    assert_refused,
    call,
    count_case,
    draw_examples,
    fake_mypy,
    json_values,
    named_hostile_notebooks,
    nb_dict,
    notebook_dicts,
)

ROUTE_NAMES = {name for name, _ in ROUTES}
POST_ROUTES = [r for r in ("check", "format", "promote", "commit", "run") if r in ROUTE_NAMES]


@pytest.fixture
def fast_mypy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A stand-in mypy that answers 'no errors' at once: the fuzz is about our code, not mypy's speed."""
    return fake_mypy(tmp_path, monkeypatch)


@pytest.fixture
def project(jp_root_dir: Path) -> Path:
    """The server root: a git repository with a Python notebook, an R notebook, and a package."""
    root = jp_root_dir
    (root / "nb.ipynb").write_text(json.dumps(nb_dict("def f(x):\n    return x + 1", "y = f(1)")), "utf-8")
    (root / "r.ipynb").write_text(json.dumps(nb_dict("x <- 1", language="R")), "utf-8")
    (root / "src" / "pkg").mkdir(parents=True)
    (root / "src" / "pkg" / "__init__.py").write_text("", "utf-8")
    first_commit(root)
    return root


def _runnable(data: Any) -> bool:
    try:
        return notebook_from_dict(data).is_python
    except Exception:  # noqa: BLE001 - anything the model refuses is not runnable
        return False


# value strategies per field: a good value or any JSON value
_any = json_values
FIELDS: dict[str, dict[str, Any]] = {
    "check": {
        "path": st.sampled_from(["nb.ipynb", "r.ipynb", "missing.ipynb"]) | _any,
        "notebook": notebook_dicts() | _any,
        "checks": st.sampled_from(["fast", "all", ["secret"], ["nope"], []]) | _any,
        "select": st.sampled_from([["secret"], ["dataflow"]]) | _any,
        "ignore": st.sampled_from([["secret"], ["x"]]) | _any,
    },
    "format": {
        "path": st.sampled_from(["nb.ipynb", "r.ipynb"]) | _any,
        "notebook": notebook_dicts() | _any,
        "cells": st.lists(st.integers(-3, 10), max_size=3) | _any,
    },
    "promote": {
        "path": st.sampled_from(["nb.ipynb", "r.ipynb"]) | _any,
        "notebook": notebook_dicts() | _any,
        "cells": st.lists(st.integers(-2, 4) | st.sampled_from(["cell-0", "nope"]), max_size=3) | _any,
        "names": st.lists(st.sampled_from(["f", "y", "nope", "1x"]), max_size=2) | _any,
        "to": st.sampled_from(["src/pkg/fuzzmod.py", *hostile.BAD_MODULE_TARGETS]) | _any,
        "as_function": st.sampled_from(["run_all", "class", "1x"]) | _any,
        "dry_run": st.booleans() | _any,
        "rewrite": st.booleans() | _any,
        "tests": st.booleans() | _any,
        "force": st.booleans() | _any,
        "unmoved": st.dictionaries(st.sampled_from(["x", "y"]), st.sampled_from(["parameter", "move", "x"]))
        | _any,
    },
    "commit": {
        "path": st.sampled_from(["nb.ipynb", "r.ipynb"]) | _any,
        "paths": st.lists(st.sampled_from(["nb.ipynb", "src/pkg/__init__.py", "nope"]), max_size=2) | _any,
        "message": st.text(max_size=30) | _any,
        "code_only": st.booleans() | _any,
        "allow_findings": st.booleans() | _any,
        "init": st.booleans() | _any,
    },
    "run": {
        # the notebook on disk is R (no such kernel here): fuzzing never starts a kernel
        "path": st.sampled_from(["r.ipynb", "missing.ipynb"]) | _any,
        "notebook": notebook_dicts().filter(lambda d: not _runnable(d)) | _any,
        "timeout": st.sampled_from([1, 0, -1, 1e300, "10", True]) | _any,
        "cell_timeout": st.sampled_from([1, 0, -1, 1e300]) | _any,
        "normalize": st.sampled_from([["addresses"], ["nope"], []]) | _any,
    },
}

BODIES_PER_ROUTE = 40


def _bodies(route: str) -> st.SearchStrategy[Any]:
    fields = FIELDS[route]
    return st.one_of(
        st.fixed_dictionaries({}, optional=fields),
        st.fixed_dictionaries(
            {"path": fields["path"]}, optional={k: v for k, v in fields.items() if k != "path"}
        ),
        json_values,  # not even an object
    )


@pytest.mark.parametrize("route", POST_ROUTES)
async def test_fuzz_bodies(route: str, jp_fetch: Any, project: Path, fast_mypy: Path) -> None:
    world = hostile.OutsideWorld.install(project)
    for body in draw_examples(_bodies(route), BODIES_PER_ROUTE):
        count_case(f"http-body-{route}")
        code, data = await call(jp_fetch, route, body=body)
        assert_answer(code, data)
    world.assert_untouched()


async def test_fuzz_notebooks_over_http(jp_fetch: Any, project: Path, fast_mypy: Path) -> None:
    """Hostile notebooks as the editor's content, to check and format (the routes called per keystroke)."""
    for data in draw_examples(notebook_dicts(), 40):
        for route in ("check", "format"):
            count_case("http-notebook")
            code, answer = await call(jp_fetch, route, body={"path": "nb.ipynb", "notebook": data})
            assert_answer(code, answer)


@pytest.mark.parametrize(
    "name", ["truncated", "not-utf8", "r-kernel", "deep-0", "deep-3", "nbformat-2", "nbformat-4.99", "nul-in-json"]
)
async def test_hostile_files_on_disk_over_http(name: str, jp_fetch: Any, project: Path, fast_mypy: Path) -> None:
    raw = dict(named_hostile_notebooks())[name]
    (project / "h.ipynb").write_bytes(raw)
    for route in POST_ROUTES:
        if route == "run" and name not in ("truncated", "r-kernel", "deep-0"):
            continue  # each valid notebook costs a kernel start; three cover the run route
        count_case("http-named")
        body: dict[str, Any] = {"path": "h.ipynb"}
        if route == "promote":
            body.update(to="src/pkg/h.py", cells=[0], dry_run=True)
        if route == "commit":
            body.update(message="hostile", paths=["h.ipynb"])
        if route == "run":
            body.update(timeout=30, cell_timeout=10)
        code, data = await call(jp_fetch, route, body=body, timeout=120)
        assert_answer(code, data)
        if name in ("truncated", "not-utf8", "nul-in-json") and route != "commit":
            assert code == 422 and data["kind"] == "notebook", (route, data)
        if name == "r-kernel" and route in ("check", "format", "promote"):
            assert code == 422 and ("Python" in data["error"]), (route, data)


@pytest.mark.parametrize("route", ["status", "run"])
async def test_fuzz_query_strings(route: str, jp_fetch: Any, project: Path) -> None:
    if route not in ROUTE_NAMES:
        pytest.skip(f"{route} not routed yet")
    methods = ["GET", "DELETE"] if route == "run" else ["GET"]
    for text in draw_examples(st.text(max_size=40) | st.sampled_from(hostile.TRAVERSAL_PATHS), 40):
        for method in methods:
            count_case(f"http-query-{route}")
            code, data = await call(jp_fetch, route, method=method, params={"path": text})
            assert_answer(code, data)


@pytest.mark.parametrize("raw", [b"{", b"[]", b'"x"', b"null", b"\xff\xfe", b'{"path": "nb.ipynb"' + b" " * 10, b"1e999"])
async def test_broken_json_bodies(raw: bytes, jp_fetch: Any, project: Path) -> None:
    for route in POST_ROUTES:
        count_case("http-broken-json")
        code, data = await call(jp_fetch, route, raw=raw)
        assert_refused(code, data, expect=(400,))
        assert data["kind"] == "input"


# --- size limits ---------------------------------------------------------------------------------


async def test_oversized_body_is_413_and_server_stays_up(
    jp_fetch: Any, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import jupyter_prod_ext.server.base as base

    monkeypatch.setattr(base, "MAX_BODY_BYTES", 50_000)
    big = {"path": "nb.ipynb", "notebook": nb_dict("x = '" + "a" * 100_000 + "'"), "to": "src/pkg/m.py",
           "message": "m"}
    for route in POST_ROUTES:
        code, data = await call(jp_fetch, route, body=big)
        data = assert_refused(code, data, expect=(413,))
        assert data["kind"] == "too-large" and "limit" in data["error"] and "48.8 KiB" in data["error"], data
    code, data = await call(jp_fetch, "check", body={"path": "nb.ipynb"})
    assert code == 200, data


#: promote read the notebook with its own Path.read_text (no size limit, a FIFO blocked a thread forever, a
#: folder was a 500) until it moved to notebook.load_notebook: these two tests guard that for every route
ROUTE_PARAMS = list(POST_ROUTES)


@pytest.mark.parametrize("route", ROUTE_PARAMS)
async def test_oversized_notebook_on_disk_is_413(
    route: str, jp_fetch: Any, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import jupyter_prod_ext.notebook as notebook_mod

    (project / "big.ipynb").write_text(json.dumps(nb_dict("x = '" + "a" * 20_000 + "'")), "utf-8")
    monkeypatch.setattr(notebook_mod, "MAX_NOTEBOOK_BYTES", 10_000)
    body: dict[str, Any] = {"path": "big.ipynb", "to": "src/pkg/m.py", "cells": [0], "message": "m",
                            "paths": ["big.ipynb"], "dry_run": True}
    code, data = await call(jp_fetch, route, body=body)
    data = assert_refused(code, data)
    assert code == 413 and data["kind"] == "too-large", (route, code, data)
    assert "limit is 9.8 KiB" in data["error"]


def _release_fifo(fifo: Path) -> None:
    """Open the FIFO's other end so a reader stuck on it gets EOF (keeps a failing run from hanging)."""
    try:
        fd = os.open(fifo, os.O_WRONLY | os.O_NONBLOCK)
    except OSError:
        return  # nobody is reading it
    os.close(fd)


@pytest.mark.parametrize("route", ROUTE_PARAMS)
async def test_unreadable_and_special_files(route: str, jp_fetch: Any, project: Path, fast_mypy: Path) -> None:
    """A folder, a FIFO and a dangling symlink where a notebook (or a committed file) should be:
    a 4xx, and no thread left blocked on the FIFO."""
    (project / "folder.ipynb").mkdir()
    fifo = project / "fifo.ipynb"
    os.mkfifo(fifo)
    (project / "dangling.ipynb").symlink_to(project / "nowhere.ipynb")
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    failures = []
    try:
        for name in ("folder.ipynb", "fifo.ipynb", "dangling.ipynb"):
            count_case("http-special-file")
            body: dict[str, Any] = {"path": name, "to": "src/pkg/special.py", "cells": [0], "message": "m",
                                    "timeout": 20}
            code, data = await call(jp_fetch, route, body=body, timeout=10)
            if not (400 <= code < 500):
                failures.append((route, name, code, str(data)[:200]))
            _release_fifo(fifo)
        if route == "commit":
            for extra in ("fifo.ipynb", "folder.ipynb"):
                count_case("http-special-file")
                body = {"path": "nb.ipynb", "paths": ["nb.ipynb", extra], "message": "m", "allow_findings": True}
                code, data = await call(jp_fetch, "commit", body=body, timeout=10)
                if not (400 <= code < 500):
                    failures.append(("commit.paths", extra, code, str(data)[:200]))
                _release_fifo(fifo)
    finally:
        _release_fifo(fifo)
    assert not failures, failures


async def test_ten_thousand_cells_over_http(jp_fetch: Any, project: Path) -> None:
    """The editor's 10,000-cell notebook: the fast checks answer (in a thread), well within the timeout."""
    data = nb_dict(*[f"x{i} = {i}" for i in range(10_000)])
    count_case("http-named")
    code, answer = await call(jp_fetch, "check", body={"path": "nb.ipynb", "notebook": data}, timeout=60)
    assert code == 200, answer
    assert answer["summary"]["code_cells"] == 10_000
    code, answer = await call(jp_fetch, "format", body={"path": "nb.ipynb", "notebook": data,
                                                        "cells": list(range(100))}, timeout=60)
    assert code == 200 and len(answer["cells"]) == 100, answer
