"""Concurrent requests on one repository over loopback, and a responsive event loop under a slow mypy.

* 50 requests at once (``asyncio.gather``): 25 promotes of different functions
  into the *same* module, interleaved with 25 commits of different notebooks.
  Afterwards every commit is in ``git log`` (and its file in HEAD's tree), the
  module parses and holds every promoted function, and no request failed on
  ``index.lock`` or anything else.
* While a type check is stuck in a slow mypy, fast checks answer in well
  under a second: blocking work runs off the event loop.
"""

from __future__ import annotations

import ast
import asyncio
import json
import time
from pathlib import Path
from typing import Any

import pytest

from jupyter_prod_ext.server.routes import ROUTES

from .gitutil import first_commit, git, server_git_identity  # noqa: F401 - autouse: the server's HOME knows who commits
from .hostile import call, count_case, fake_mypy, nb_dict

ROUTE_NAMES = {name for name, _ in ROUTES}
N_PROMOTE = 25
N_COMMIT = 25


@pytest.fixture
def repo(jp_root_dir: Path) -> Path:
    root = jp_root_dir
    sources = [f"def f{i}(x: int) -> int:\n    return x + {i}" for i in range(N_PROMOTE)]
    (root / "lib.ipynb").write_text(json.dumps(nb_dict("# Library", *sources)), "utf-8")
    for i in range(N_COMMIT):
        (root / f"c{i}.ipynb").write_text(json.dumps(nb_dict(f"# Note {i}\nvalue = {i}", "print(value)")), "utf-8")
    (root / "README.md").write_text("r\n", "utf-8")
    first_commit(root, "README.md", "lib.ipynb")
    return root


async def test_fifty_concurrent_promotes_and_commits(
    jp_fetch: Any, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if "promote" not in ROUTE_NAMES or "commit" not in ROUTE_NAMES:
        pytest.skip("promote/commit not routed yet")
    # mypy is not what is under test here: a stand-in answers at once (the lock still serialises it)
    fake_mypy(tmp_path, monkeypatch)
    requests = []
    for i in range(max(N_PROMOTE, N_COMMIT)):
        if i < N_PROMOTE:
            body = {"path": "lib.ipynb", "cells": [i + 1], "to": "src/pkg/mod.py", "rewrite": False}
            requests.append(("promote", i, call(jp_fetch, "promote", body=body, timeout=180)))
        if i < N_COMMIT:
            body = {"path": f"c{i}.ipynb", "paths": [f"c{i}.ipynb"], "message": f"commit {i}",
                    "allow_findings": True}
            requests.append(("commit", i, call(jp_fetch, "commit", body=body, timeout=180)))
    started = time.monotonic()
    answers = await asyncio.gather(*(coro for _, _, coro in requests))
    elapsed = time.monotonic() - started
    count_case("concurrent-requests")
    failures = [(kind, i, code, data) for (kind, i, _), (code, data) in zip(requests, answers, strict=False) if code != 200]
    assert not failures, failures[:5]
    assert not any("index.lock" in json.dumps(data) for _, data in answers)

    # every commit is in the history, its file in HEAD, on one linear branch
    log = git(repo, "log", "--format=%s").splitlines()
    assert sorted(s for s in log if s.startswith("commit ")) == sorted(f"commit {i}" for i in range(N_COMMIT))
    tree = set(git(repo, "ls-tree", "--name-only", "HEAD").split())
    assert {f"c{i}.ipynb" for i in range(N_COMMIT)} <= tree
    commits = {data["commit"] for (kind, _, _), (_, data) in zip(requests, answers, strict=False) if kind == "commit"}
    assert len(commits) == N_COMMIT
    assert len(git(repo, "rev-list", "HEAD").split()) == N_COMMIT + 1
    assert not (repo / ".git" / "index.lock").exists()
    git(repo, "fsck", "--no-progress")

    # the module: parses, and every promoted function is there exactly once (no lost write)
    module = (repo / "src" / "pkg" / "mod.py").read_text("utf-8")
    tree_ast = ast.parse(module)
    names = [n.name for n in tree_ast.body if isinstance(n, ast.FunctionDef)]
    assert sorted(names) == sorted(f"f{i}" for i in range(N_PROMOTE)), names
    leftovers = [p.name for p in (repo / "src" / "pkg").iterdir() if p.name.endswith(".tmp")]
    assert leftovers == []
    with capsys.disabled():
        print(f"\nconcurrency: {len(requests)} requests ({N_PROMOTE} promote + {N_COMMIT} commit) "
              f"in {elapsed:.1f} s; lost: 0")


async def test_concurrent_commits_of_the_same_notebook(jp_fetch: Any, repo: Path) -> None:
    """10 commits of one notebook at once: one wins with the change, the others say 'nothing to commit'
    (409) — never a broken index, never a lost commit."""
    (repo / "lib.ipynb").write_text(json.dumps(nb_dict("# Library", "def g() -> int:\n    return 1")), "utf-8")
    body = {"path": "lib.ipynb", "message": "same", "allow_findings": True}
    answers = await asyncio.gather(*(call(jp_fetch, "commit", body=body, timeout=120) for _ in range(10)))
    count_case("concurrent-requests")
    codes = sorted(code for code, _ in answers)
    assert codes.count(200) == 1, answers
    for code, data in answers:
        if code != 200:
            assert code == 409 and "Nothing to commit" in data["error"], data
    assert git(repo, "log", "-1", "--format=%s").strip() == "same"
    assert not (repo / ".git" / "index.lock").exists()


async def test_event_loop_stays_responsive_during_a_slow_type_check(
    jp_fetch: Any, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    fake_mypy(tmp_path, monkeypatch, 'case "$*" in *--help*) exit 0;; esac\nsleep 4\nexit 0\n')
    slow = asyncio.ensure_future(
        call(jp_fetch, "check", body={"path": "lib.ipynb", "checks": "all"}, timeout=120)
    )
    await asyncio.sleep(0.5)  # the slow check is now inside mypy
    latencies = []
    for _ in range(5):
        t0 = time.monotonic()
        code, data = await call(jp_fetch, "check", body={"path": f"c{len(latencies)}.ipynb", "checks": "fast"})
        latencies.append(time.monotonic() - t0)
        assert code == 200, data
        t0 = time.monotonic()
        code, _ = await call(jp_fetch, "version", method="GET")
        latencies.append(time.monotonic() - t0)
        assert code == 200
    assert not slow.done(), "the slow check finished before the fast ones were measured"
    code, data = await slow
    assert code == 200, data
    count_case("concurrent-requests")
    with capsys.disabled():
        print(f"\nfast requests during a 4 s mypy: max {max(latencies) * 1000:.0f} ms over {len(latencies)}")
    assert max(latencies) < 1.0, latencies
