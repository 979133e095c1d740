"""Injected faults: git hooks, a held index.lock, bad targets, mypy missing/crashing/hanging, SIGKILL mid-write.

Each fault must end in a clear answer (a 4xx/503 JSON error, or a finding that
says what could not run and why) and lose nothing: HEAD only moves on success,
files on disk keep their content, no process is left behind.

Why no ``chmod 0o555`` read-only folder: the suite runs as root, and root
writes through permission bits. The write faults that do stop root are used
instead: the target module path is an existing folder, and a folder on the way
to it is a regular file.
"""

from __future__ import annotations

import json
import random
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

import pytest

from jupyter_prod_ext.checks.api import check_notebook
from jupyter_prod_ext.errors import RefusedError
from jupyter_prod_ext.notebook import notebook_from_dict
from jupyter_prod_ext.server.routes import ROUTES
from jupyter_prod_ext.typecheck import TypecheckSettings

from .gitutil import first_commit, git, head_commit, server_git_identity  # noqa: F401 - autouse: the server's HOME knows who commits
from .hostile import assert_answer, assert_refused, call, count_case, fake_mypy, nb_dict, use_mypy
from .installed import child_env

ROUTE_NAMES = {name for name, _ in ROUTES}
FAULTS: list[str] = []


def fault(name: str) -> None:
    FAULTS.append(name)
    count_case("fault")


@pytest.fixture
def repo(jp_root_dir: Path) -> Path:
    root = jp_root_dir
    (root / "nb.ipynb").write_text(json.dumps(nb_dict("# Title\nx = 1", "print(x)")), "utf-8")
    first_commit(root)
    (root / "nb.ipynb").write_text(json.dumps(nb_dict("# Title\nx = 2", "print(x)")), "utf-8")
    return root


def _hook(repo: Path, name: str, body: str) -> Path:
    hook = repo / ".git" / "hooks" / name
    hook.write_text("#!/bin/sh\n" + textwrap.dedent(body), encoding="utf-8")
    hook.chmod(0o755)
    return hook


COMMIT = {"path": "nb.ipynb", "message": "change x", "allow_findings": True}


# --- git ------------------------------------------------------------------------------------------


async def test_failing_hook_refuses_and_loses_nothing(jp_fetch: Any, repo: Path) -> None:
    fault("hook-fails")
    _hook(repo, "pre-commit", 'echo "lint: 3 problems" >&2\nexit 1\n')
    head, disk = head_commit(repo), (repo / "nb.ipynb").read_bytes()
    code, data = await call(jp_fetch, "commit", body=COMMIT)
    data = assert_refused(code, data, expect=(409,))
    assert data["kind"] == "refused" and data["details"]["reason"] == "hook", data
    assert "lint: 3 problems" in data["details"]["output"]
    assert head_commit(repo) == head
    assert (repo / "nb.ipynb").read_bytes() == disk
    assert not (repo / ".git" / "index.lock").exists()


async def test_hook_that_rewrites_files_refuses(jp_fetch: Any, repo: Path) -> None:
    fault("hook-rewrites")
    _hook(repo, "pre-commit", "printf ' ' >> nb.ipynb\nexit 0\n")
    head = head_commit(repo)
    before = (repo / "nb.ipynb").read_bytes()
    code, data = await call(jp_fetch, "commit", body=COMMIT)
    data = assert_refused(code, data, expect=(409,))
    assert data["details"]["reason"] == "hook-modified" and "nb.ipynb" in data["details"]["modified"], data
    assert head_commit(repo) == head
    # the hook's change is on disk for the user to review; the user's own content is all still there
    assert (repo / "nb.ipynb").read_bytes() == before + b" "


def test_hanging_hook_is_stopped_with_its_children(repo: Path) -> None:
    """A hook that never ends is killed (its whole process group) after the hook timeout."""
    from jupyter_prod_ext.gitops.commit import commit_notebook

    fault("hook-hangs")
    pidfile = repo / "hook.pid"
    _hook(repo, "pre-commit", f"sleep 300 &\necho $! > {pidfile}\nwait\n")
    head = head_commit(repo)
    started = time.monotonic()
    with pytest.raises(RefusedError) as exc:
        commit_notebook(repo / "nb.ipynb", "x", hook_timeout=1.0, gate_report=None)
    assert time.monotonic() - started < 15
    assert "did not finish within 1 s" in exc.value.message
    assert head_commit(repo) == head
    pid = int(pidfile.read_text())
    assert _dead(pid), "the hook's child outlived the hook"


def _dead(pid: int, wait: float = 5.0) -> bool:
    """Gone, or a zombie (killed; whoever inherited it has not reaped it yet)."""
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


def _hold_index_lock(repo: Path, seconds: float) -> subprocess.Popen[bytes]:
    """Another process takes index.lock the way git does (O_CREAT|O_EXCL) and keeps it."""
    code = (
        "import os, sys, time\n"
        f"fd = os.open({str(repo / '.git' / 'index.lock')!r}, os.O_CREAT | os.O_EXCL | os.O_WRONLY)\n"
        "print('held', flush=True)\n"
        f"time.sleep({seconds})\n"
        f"os.unlink({str(repo / '.git' / 'index.lock')!r})\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline().strip() == b"held"
    return proc


async def test_index_lock_held_by_another_process(jp_fetch: Any, repo: Path) -> None:
    fault("index-lock-held")
    head = head_commit(repo)
    holder = _hold_index_lock(repo, 30)
    try:
        started = time.monotonic()
        code, data = await call(jp_fetch, "commit", body=COMMIT)
        waited = time.monotonic() - started
        data = assert_refused(code, data, expect=(409,))
        assert "index.lock" in data["error"] and data["kind"] == "conflict", data
        assert 3 < waited < 20, waited
        assert head_commit(repo) == head
        assert (repo / ".git" / "index.lock").exists(), "someone else's lock must not be deleted"
    finally:
        holder.kill()
        holder.wait(timeout=10)
    (repo / ".git" / "index.lock").unlink(missing_ok=True)
    code, data = await call(jp_fetch, "commit", body=COMMIT)
    assert code == 200, data
    assert head_commit(repo) == data["commit"]


async def test_index_lock_released_while_waiting(jp_fetch: Any, repo: Path) -> None:
    fault("index-lock-brief")
    holder = _hold_index_lock(repo, 1.5)
    try:
        code, data = await call(jp_fetch, "commit", body=COMMIT)
    finally:
        holder.wait(timeout=30)
    assert code == 200, data
    assert git(repo, "log", "-1", "--format=%s").strip() == "change x"


# --- write targets ------------------------------------------------------------------------------


PROMOTE = {"path": "nb.ipynb", "cells": [0], "to": "src/pkg/mod.py", "rewrite": False}


@pytest.fixture
def promote_project(repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    if "promote" not in ROUTE_NAMES:
        pytest.skip("promote is not routed yet")
    (repo / "nb.ipynb").write_text(json.dumps(nb_dict("def f(x: int) -> int:\n    return x + 1")), "utf-8")
    fake_mypy(tmp_path, monkeypatch)
    return repo


async def test_target_module_is_a_folder(jp_fetch: Any, promote_project: Path) -> None:
    fault("target-is-folder")
    (promote_project / "src" / "pkg" / "mod.py").mkdir(parents=True)
    code, data = await call(jp_fetch, "promote", body=PROMOTE)
    assert_refused(code, data)
    assert (promote_project / "src" / "pkg" / "mod.py").is_dir()


async def test_a_file_where_a_folder_is_needed(jp_fetch: Any, promote_project: Path) -> None:
    fault("file-where-folder-needed")
    (promote_project / "src").mkdir()
    (promote_project / "src" / "pkg").write_text("I am a file\n", "utf-8")
    code, data = await call(jp_fetch, "promote", body=PROMOTE)
    assert_refused(code, data)
    assert (promote_project / "src" / "pkg").read_text("utf-8") == "I am a file\n"
    leftovers = [p.name for p in (promote_project / "src").iterdir()]
    assert leftovers == ["pkg"], leftovers


async def test_a_file_where_the_tests_folder_is_needed(jp_fetch: Any, promote_project: Path) -> None:
    fault("tests-folder-is-file")
    (promote_project / "tests").write_text("not a folder\n", "utf-8")
    code, data = await call(jp_fetch, "promote", body={**PROMOTE, "tests": True})
    assert_answer(code, data)
    assert (promote_project / "tests").read_text("utf-8") == "not a folder\n"
    if code == 200:
        # the module may be written; then the answer must say the tests were not
        assert data["tests_path"] is None or data["problems"] or data["warnings"], data


# --- mypy -----------------------------------------------------------------------------------------


def _fake_mypy(tmp_path: Path, kind: str) -> list[str]:
    if kind == "missing":
        return [str(tmp_path / "no-such-mypy")]
    script = tmp_path / f"mypy-{kind}"
    if kind == "crash":
        body = 'echo "Traceback (most recent call last):" >&2\necho "RuntimeError: mypy exploded" >&2\nexit 2\n'
    elif kind == "hang":
        # answers the `--help` feature probe, hangs on the real run
        body = 'case "$*" in *--help*) echo "--output FORMAT"; exit 0;; esac\nsleep 300\n'
    elif kind == "hang-all":
        body = "sleep 300\n"
    else:
        raise ValueError(kind)
    script.write_text("#!/bin/sh\n" + body, "utf-8")
    script.chmod(0o755)
    return [str(script)]


SEEDED = nb_dict("import os\nAPI_KEY = 'sk-live-0123456789abcdef0123456789abcdef'", "print(undefined_name)",
                 "x: int = 'not an int'")


@pytest.mark.parametrize("kind,expect", [
    ("missing", "mypy is not available"),
    ("crash", "mypy exploded"),
    ("hang", "took longer than 2 s"),
])
@pytest.mark.parametrize("backend", ["mypy", "daemon"])
def test_mypy_faults_leave_the_other_checks_answering(
    kind: str, expect: str, backend: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fault(f"mypy-{kind}-{backend}")
    argv = _fake_mypy(tmp_path, kind)
    use_mypy(monkeypatch, argv)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    project = tmp_path / "proj"
    project.mkdir()
    (project / "pyproject.toml").write_text("[tool.jupyter-prod]\ntypecheck-timeout = 2\n", "utf-8")
    nb = notebook_from_dict(SEEDED, "nb.ipynb")
    started = time.monotonic()
    report = check_notebook(nb, file=project / "nb.ipynb", server_root=project, checks="all",
                            typecheck_backend=backend)  # type: ignore[arg-type]
    elapsed = time.monotonic() - started
    checks = {f["check"] for f in report["findings"]}
    assert {"secret", "undefined-name"} <= checks, checks  # the other checks still answered
    tc = [f for f in report["findings"] if f["check"] == "type-error"]
    assert len(tc) == 1 and "could not run" in tc[0]["message"] and expect in tc[0]["message"], tc
    assert "\n" not in tc[0]["message"]
    assert elapsed < 15, f"a {kind} mypy held the check for {elapsed:.1f} s"


def test_a_mypy_that_hangs_on_everything_is_bounded_by_the_project_timeout(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jupyter_prod_ext.config import load_config
    from jupyter_prod_ext.typecheck import typecheck_cells

    fault("mypy-hang-probe")
    argv = _fake_mypy(tmp_path, "hang-all")
    project = tmp_path / "proj"
    project.mkdir()
    (project / "pyproject.toml").write_text("[tool.jupyter-prod]\ntypecheck-timeout = 1\n", "utf-8")
    settings = TypecheckSettings(backend="mypy", mypy_command=tuple(argv), timeout=6, cache_root=tmp_path / "c")
    started = time.monotonic()
    result = typecheck_cells([(0, "x = 1")], project, load_config(project), settings=settings)
    elapsed = time.monotonic() - started
    assert not result.ran and "longer than 1 s" in (result.message or "")
    assert elapsed < 4, f"the project says 1 s; the check took {elapsed:.1f} s"
    # the timed-out probe is remembered: the next check answers at once
    started = time.monotonic()
    again = typecheck_cells([(0, "x = 2")], project, load_config(project), settings=settings)
    assert not again.ran and "did not answer within 1 s" in (again.message or ""), again.message
    assert "\n" not in (again.message or "")
    assert time.monotonic() - started < 1, "a remembered hang must not be waited for again"


async def test_mypy_missing_over_http_and_in_promote(
    jp_fetch: Any, repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fault("mypy-missing-http")
    argv = _fake_mypy(tmp_path, "missing")
    use_mypy(monkeypatch, argv)
    (repo / "nb.ipynb").write_text(json.dumps(SEEDED), "utf-8")
    code, data = await call(jp_fetch, "check", body={"path": "nb.ipynb", "checks": "all"})
    assert code == 200, data
    tc = [f for f in data["findings"] if f["check"] == "type-error"]
    assert tc and "mypy is not available" in tc[0]["message"]
    if "promote" in ROUTE_NAMES:
        (repo / "nb.ipynb").write_text(json.dumps(nb_dict("def f(x: int) -> int:\n    return x + 1")), "utf-8")
        code, data = await call(jp_fetch, "promote", body=PROMOTE)
        assert code == 200, data
        assert data["typecheck"]["ran"] is False and "not available" in data["typecheck"]["message"], data
        assert (repo / "src" / "pkg" / "mod.py").is_file()


# --- SIGKILL in the middle of a module write -------------------------------------------------------

WRITER = r"""
import sys
from pathlib import Path
from jupyter_prod_ext.atomic import atomic_write_text
target = Path(sys.argv[1])
a, b = sys.argv[2], sys.argv[3]
old = "A" * int(a)
new = "B" * int(b)
print("ready", flush=True)
i = 0
while True:
    atomic_write_text(target, new if i % 2 == 0 else old)
    i += 1
"""


def test_sigkill_during_atomic_writes_leaves_old_or_new(tmp_path: Path) -> None:
    """A writer loops over two big versions of a module; it is SIGKILLed at random moments.

    Afterwards the file is exactly one version or the other. Temp files may remain after a kill
    (``.mod.py.<random>.tmp`` next to the target, hidden by the leading dot): documented, and cleaned
    up by nothing but the user; the test checks they are hidden and that a later write succeeds.
    """
    rng = random.Random(1234)
    target = tmp_path / "pkg" / "mod.py"
    target.parent.mkdir()
    size_a, size_b = 3_000_000, 5_000_000
    target.write_text("A" * size_a, "utf-8")
    kills = 0
    env = child_env()
    for _ in range(12):
        proc = subprocess.Popen([sys.executable, "-c", WRITER, str(target), str(size_a), str(size_b)],
                                stdout=subprocess.PIPE, env=env)
        assert proc.stdout is not None and proc.stdout.readline().strip() == b"ready"
        time.sleep(rng.uniform(0.0, 0.25))
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=10)
        kills += 1
        text = target.read_text("utf-8")
        assert text in ("A" * size_a, "B" * size_b), f"a mix after kill {kills}: {len(text)} chars"
    leftovers = [p.name for p in target.parent.iterdir() if p.name != "mod.py"]
    fault(f"sigkill-x{kills}-leftover-tmp-{len(leftovers)}")
    assert all(name.startswith(".mod.py.") and name.endswith(".tmp") for name in leftovers), leftovers
    from jupyter_prod_ext.atomic import atomic_write_text

    atomic_write_text(target, "final\n")
    assert target.read_text("utf-8") == "final\n"


def test_atomic_write_refuses_unwritable_targets_in_one_line(tmp_path: Path) -> None:
    """The engine-level guarantee behind the promote faults: a PathError (403), nothing created."""
    from jupyter_prod_ext.atomic import atomic_write_text
    from jupyter_prod_ext.errors import PathError

    fault("atomic-unwritable")
    tmp_path = tmp_path / "work"
    tmp_path.mkdir()
    (tmp_path / "src").mkdir()
    (tmp_path / "src" / "pkg").write_text("file\n", "utf-8")
    (tmp_path / "folder.py").mkdir()
    for target, expect in [
        (tmp_path / "src" / "pkg" / "mod.py", "'pkg' is a file"),
        (tmp_path / "src" / "pkg" / "sub" / "mod.py", "'pkg' is a file"),
        (tmp_path / "folder.py", "is a folder"),
    ]:
        with pytest.raises(PathError) as exc:
            atomic_write_text(target, "x = 1\n")
        assert expect in exc.value.message and str(tmp_path) not in exc.value.message, exc.value.message
    assert (tmp_path / "src" / "pkg").read_text("utf-8") == "file\n"
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["folder.py", "pkg", "src"]


def test_zz_faults_listed(capsys: pytest.CaptureFixture[str]) -> None:
    with capsys.disabled():
        print(f"\nfaults injected: {len(FAULTS)} ({', '.join(FAULTS)})")
