"""Budgets for every request, and Jupyter stays responsive (issue 14), against real servers in subprocesses.

Figures (time, the server's peak resident memory) are printed for the closing note;
HOSTILE_FULL=1 runs the full-size load (50 queued slow checks) instead of the suite's smaller one.
"""

from __future__ import annotations

import json
import logging
import os
import random
import shutil
import signal
import string
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from jupyter_prod_ext import formatting
from jupyter_prod_ext.checks.base import Context, Finding
from jupyter_prod_ext.checks.registry import CheckSpec, run_spec
from jupyter_prod_ext.errors import ToolError
from jupyter_prod_ext.notebook import notebook_from_dict
from jupyter_prod_ext.procs import (
    Cancelled,
    CancelScope,
    ProcessTimeout,
    Worker,
    WorkerFailed,
    cancellable,
    run_process,
    stopped_after,
)

from .hostile import daemon_pids, nb_dict, slow_mypy_server_config
from .live_server import LiveServer, alive, command, descendants, live_server

FULL = os.environ.get("HOSTILE_FULL") == "1"
MIB = 1024


def _children(pid: int) -> list[int]:
    out = subprocess.run(["ps", "-o", "pid=", "--ppid", str(pid)], capture_output=True, text=True, timeout=10).stdout
    return [int(x) for x in out.split()]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    base = tmp_path_factory.mktemp("budgets")
    root = base / "root"
    root.mkdir()
    with live_server(root, base / "home", "--JupyterProd.black_timeout=3") as srv:
        yield srv


def _settle(server: LiveServer) -> int:
    """The server's resident memory once it is idle (KiB)."""
    time.sleep(0.5)
    return server.rss_kib()


class _PeakSampler:
    """The peak memory of the server and its children while a request runs (sampled every 20 ms)."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.peak = 0
        #: whether a check ran in a child process (checks.isolated) meanwhile
        self.isolated = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._sample, daemon=True)

    def _sample(self) -> None:
        while not self._stop.is_set():
            self.peak = max(self.peak, self.server.tree_pss_kib())
            self.isolated = self.isolated or any(
                "jupyter_prod_ext.checks.isolated" in command(pid) for pid in descendants(self.server.proc.pid)
            )
            self._stop.wait(0.02)

    def __enter__(self) -> _PeakSampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=10)


def test_a_5_mb_line_is_answered_quickly_and_in_bounded_memory(server: LiveServer) -> None:
    src = "s = [" + ",".join(["1"] * 2_500_000) + "]"
    (server.root / "line.ipynb").write_text(json.dumps(nb_dict(src, "print(len(s))")), encoding="utf-8")
    server.post("check", {"path": "line.ipynb", "checks": "fast"})  # warm up imports
    idle = _settle(server)
    idle_tree = server.tree_pss_kib()
    peak_before = server.rss_kib("VmHWM")
    for checks in ("fast", "all"):
        with _PeakSampler(server) as sampler:
            status, body, seconds = server.post("check", {"path": "line.ipynb", "checks": checks}, timeout=120)
        assert status == 200, body
        ids = {f["check"] for f in body["findings"]}
        assert "cell-too-large" in ids, body["findings"]
        peak = server.rss_kib("VmHWM")
        print(f"5 MB line, checks={checks}: {seconds:.2f} s, server peak RSS +{(peak - idle) / MIB:.0f} MiB "
              f"(idle {idle / MIB:.0f} MiB), with its children +{(sampler.peak - idle_tree) / MIB:.0f} MiB")  # fmt: skip
        assert seconds < 10
        assert sampler.peak - idle_tree < 500 * MIB
    started = time.monotonic()
    status, body, seconds = server.post(
        "promote", {"path": "line.ipynb", "cells": [0], "to": "pkg/m.py", "dry_run": True}, timeout=120
    )
    print(f"5 MB line, promote dry run: {seconds:.2f} s, answer {status}")
    assert "too large to promote" in json.dumps(body), body
    assert time.monotonic() - started < 10
    assert server.rss_kib("VmHWM") - max(idle, peak_before) < 500 * MIB
    after = _settle(server)
    print(f"5 MB line: RSS after {after / MIB:.0f} MiB (idle before {idle / MIB:.0f} MiB)")
    assert after - idle < 30 * MIB


def test_embedded_images_and_long_runs_of_name_characters_are_answered_quickly(server: LiveServer) -> None:
    """Found on public notebooks: a 2 MB base64 plot in markdown took the secret scan 26 s, quadratic in the
    longest run of name characters; a 200 KB run of them did not finish in minutes."""
    rng = random.Random(1)
    b64 = "".join(rng.choice(string.ascii_letters + string.digits + "+/") for _ in range(2_000_000))
    run_ = "".join(rng.choice(string.ascii_letters + string.digits + "._-") for _ in range(200_000))
    frames = "\\\n".join(b64[i : i + 76] for i in range(0, 1_000_000, 76))
    data = nb_dict("anim")
    data["cells"][0]["outputs"] = [
        {"output_type": "display_data", "metadata": {},
         "data": {"text/html": f'<script>frames[0] = "data:image/png;base64,{frames}";</script>'}},
    ]  # fmt: skip
    data["cells"] += [
        {"cell_type": "markdown", "id": "img", "metadata": {}, "source": f"![plot](data:image/png;base64,{b64})"},
        {"cell_type": "markdown", "id": "run", "metadata": {}, "source": run_},
    ]
    (server.root / "images.ipynb").write_text(json.dumps(data), encoding="utf-8")
    status, body, seconds = server.post("check", {"path": "images.ipynb", "checks": "fast"}, timeout=300)
    print(f"2 MB base64 image, 1 MB animation, 200 KB run: fast checks {seconds:.2f} s")
    assert status == 200, body
    assert seconds < 10


def test_50000_cells_are_answered_within_bounds_and_memory_returns_to_idle(server: LiveServer) -> None:
    """Checked in a one-shot child (above ``isolate_notebook_mib``): the server's memory comes back.

    In the server itself the same check left +165 to +295 MiB behind: freed small objects keep
    pymalloc's arenas partly used, which ``malloc_trim`` cannot give back (see checks/isolated.py).
    """
    nb = nb_dict(*[f"x{i} = {i}\nprint(x{i})" for i in range(50_000)])
    (server.root / "many.ipynb").write_text(json.dumps(nb), encoding="utf-8")
    idle = _settle(server)
    idle_tree = server.tree_pss_kib()
    for _ in range(3 if FULL else 2):
        with _PeakSampler(server) as sampler:
            status, body, seconds = server.post("check", {"path": "many.ipynb", "checks": "all"}, timeout=300)
        assert status == 200, body
        messages = [f["message"] for f in body["findings"] if f["check"] in ("type-error", "not-black-formatted")]
        assert any("too large to type-check" in m for m in messages), messages
        assert any("too large to format" in m for m in messages), messages
        after = _settle(server)
        added = sampler.peak - idle_tree
        print(f"50,000 cells, checks=all: {seconds:.2f} s, peak added memory (server and its children, PSS) "
              f"+{added / MIB:.0f} MiB, server RSS idle before {idle / MIB:.0f} MiB, after {after / MIB:.0f} MiB "
              f"({(after - idle) / MIB:+.0f} MiB)")  # fmt: skip
        assert seconds < (10 if FULL else 30)  # the figure is measured on a quiet machine; CI shares its cores
        assert added < 500 * MIB
        assert after - idle < 30 * MIB, "the server kept memory after the check"


def test_the_editors_notebook_counts_by_its_cells_not_its_outputs(server: LiveServer) -> None:
    """An image-heavy notebook (3 MB of outputs, two cells) sent by the editor stays in the server, with
    its keystroke session; one with 2,500 cells is checked in a child process."""
    heavy = nb_dict("import base64", "x = 1")
    heavy["cells"][1]["outputs"] = [
        {"output_type": "display_data", "metadata": {}, "data": {"image/png": "iVBORw0KGgo" * 300_000}}
    ]
    (server.root / "heavy.ipynb").write_text(json.dumps(heavy), encoding="utf-8")
    small_body = {"path": "heavy.ipynb", "checks": "fast", "notebook": nb_dict("import base64", "x = 1")}
    many = nb_dict(*[f"v{i} = {i}" for i in range(2_500)])
    for body, expected in ((small_body, False), ({"path": "many.ipynb", "checks": "fast", "notebook": many}, True)):
        with _PeakSampler(server) as sampler:
            status, answer, seconds = server.post("check", body, timeout=120)
        assert status == 200, answer
        print(f"{body['path']} sent by the editor: {seconds:.2f} s, in a child process: {sampler.isolated}")
        assert sampler.isolated is expected


def test_a_large_notebook_checked_in_a_child_answers_the_same_one_line_errors(server: LiveServer) -> None:
    """The child's engine errors come back as the server's own: status, kind, one line, no server path."""
    (server.root / "broken.ipynb").write_text('{"cells": [' + "1," * 1_500_000, encoding="utf-8")
    status, body, _ = server.post("check", {"path": "broken.ipynb", "checks": "all"}, timeout=120)
    assert status == 422 and body["kind"] == "notebook", body
    assert "\n" not in body["error"] and "broken.ipynb" in body["error"], body
    assert str(server.root) not in json.dumps(body), body


def test_black_is_stopped_at_its_timeout_in_its_own_process(server: LiveServer) -> None:
    """A 90 KB line takes black about 25 s: the worker is killed at 3 s, the answer says so."""
    src = "s = [" + ",".join(["1"] * 45_000) + "]"
    (server.root / "slowblack.ipynb").write_text(json.dumps(nb_dict(src)), encoding="utf-8")
    status, body, seconds = server.post(
        "check", {"path": "slowblack.ipynb", "checks": ["not-black-formatted"]}, timeout=60
    )
    assert status == 200, body
    messages = [f["message"] for f in body["findings"]]
    print(f"black past its timeout: answered in {seconds:.1f} s: {messages}")
    assert any("did not finish within 3 s" in m for m in messages), messages
    assert seconds < 15
    # the worker is gone with its group; the server itself never ran black
    time.sleep(0.5)
    workers = [p for p in _children(server.proc.pid) if "formatting" in Path(f"/proc/{p}/cmdline").read_text()]
    assert workers == []
    status, body, _ = server.post("format", {"path": "slowblack.ipynb", "notebook": nb_dict("x=1")})
    assert status == 200 and body["cells"][0]["source"] == "x = 1", body  # a new worker answers


# --- Jupyter stays responsive -------------------------------------------------------------------


SLOW_MYPY = """#!/bin/sh
for a in "$@"; do [ "$a" = "--help" ] && { echo "usage: mypy --output"; exit 0; }; done
sleep {seconds}
exit 0
"""


@contextmanager
def _slow_server(tmp_path: Path, seconds: float) -> Iterator[LiveServer]:
    root = tmp_path / "root"
    root.mkdir()
    fake = tmp_path / "slow-mypy.sh"
    fake.write_text(SLOW_MYPY.replace("{seconds}", str(seconds)), encoding="utf-8")
    fake.chmod(0o755)
    args = ("--JupyterProd.typecheck_backend=mypy", f"--JupyterProd.mypy_command={fake}")
    with live_server(root, tmp_path / "home", *args) as srv:
        yield srv


def test_contents_api_stays_fast_while_slow_checks_queue(tmp_path: Path) -> None:
    n_slow = 50 if FULL else 16
    with _slow_server(tmp_path, 2.0) as srv:
        for i in range(n_slow):
            (srv.root / f"nb{i}.ipynb").write_text(json.dumps(nb_dict(f"x = {i}")), encoding="utf-8")
        results: list[int] = []

        def slow(i: int) -> None:
            results.append(srv.post("check", {"path": f"nb{i}.ipynb", "checks": ["type-error"]}, timeout=600)[0])

        threads = [threading.Thread(target=slow, args=(i,)) for i in range(n_slow)]
        for t in threads:
            t.start()
        time.sleep(1.0)
        latencies = []
        deadline = time.monotonic() + (30 if FULL else 8)
        while time.monotonic() < deadline and len(latencies) < 400:
            status, _, seconds = srv.request("GET", "/api/contents/nb0.ipynb?content=1", timeout=60)
            assert status == 200
            latencies.append(seconds)
            time.sleep(0.02)
        for t in threads:
            t.join(timeout=600)
        latencies.sort()
        p99 = latencies[int(len(latencies) * 0.99) - 1]
        print(f"GET /api/contents p99 {p99 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms over "
              f"{len(latencies)} requests while {n_slow} slow checks (2 s each) queued; answers {sorted(set(results))}")  # fmt: skip
        assert sorted(set(results)) == [200]
        assert p99 < (0.2 if FULL else 0.5)


def test_a_newer_check_of_the_same_notebook_replaces_a_waiting_one(tmp_path: Path) -> None:
    with _slow_server(tmp_path, 2.0) as srv:
        (srv.root / "a.ipynb").write_text(json.dumps(nb_dict("x = 1")), encoding="utf-8")
        (srv.root / "b.ipynb").write_text(json.dumps(nb_dict("y = 1")), encoding="utf-8")
        answers: dict[str, tuple[int, object]] = {}

        def check(name: str, path: str) -> None:
            status, body, _ = srv.post("check", {"path": path, "checks": ["type-error"]}, timeout=120)
            answers[name] = (status, body)

        first = threading.Thread(target=check, args=("running", "b.ipynb"))
        first.start()
        time.sleep(0.5)  # b's check holds the project's lane
        older = threading.Thread(target=check, args=("older", "a.ipynb"))
        older.start()
        time.sleep(0.3)
        newer = threading.Thread(target=check, args=("newer", "a.ipynb"))
        newer.start()
        for t in (first, older, newer):
            t.join(timeout=120)
        assert answers["running"][0] == 200 and answers["newer"][0] == 200, answers
        status, body = answers["older"]
        assert status == 409 and "newer check" in body["error"], body  # type: ignore[index]


def _pids(path: Path) -> list[int]:
    return [int(x) for x in path.read_text(encoding="utf-8").split()] if path.exists() else []


def _replace_a_running_check(
    srv: LiveServer, pids: Path, tools: Path, *, plugin_sleeps_after: float | None = None
) -> tuple[tuple[int, Any, float], tuple[int, Any, float], list[int]]:
    """An older type check of a.ipynb, replaced by a newer one once mypy has loaded the slow plugin.

    ``plugin_sleeps_after``: the plugin's sleep from then on (None: the newer check's mypy is quick).
    Returns the older and newer answers and the pids of the mypy that loaded the plugin first.
    """
    answers: dict[str, tuple[int, Any, float]] = {}

    def older() -> None:
        answers["older"] = srv.post("check", {"path": "a.ipynb", "checks": ["type-error"]}, timeout=200)

    thread = threading.Thread(target=older)
    thread.start()
    deadline = time.monotonic() + 60
    while not _pids(pids) and time.monotonic() < deadline:
        time.sleep(0.05)
    first = _pids(pids)
    assert first, "mypy never loaded the plugin"
    if plugin_sleeps_after is None:
        (tools / "plugin-sleeps").unlink()
    else:
        (tools / "plugin-sleeps").write_text(str(plugin_sleeps_after), encoding="utf-8")
    newer = srv.post("check", {"path": "a.ipynb", "checks": ["type-error"]}, timeout=200)
    thread.join(timeout=200)
    old_status, old_body, _ = answers["older"]
    assert old_status == 409 and old_body["kind"] == "conflict", old_body
    assert old_body["details"] == {"reason": "superseded", "stage": "running"}, old_body
    assert "while it ran" in old_body["error"] and "\n" not in old_body["error"]
    status, body, _ = newer
    assert status == 200 and any("Incompatible types" in f["message"] for f in body["findings"]), body
    return answers["older"], newer, first


def _one_notebook(tmp_path: Path) -> Path:
    root = tmp_path / "root"
    root.mkdir()
    (root / "a.ipynb").write_text(json.dumps(nb_dict("y: int = 'a'")), encoding="utf-8")
    return root


@pytest.mark.parametrize("isolate_mib", [2.0, 0.0], ids=["in-the-server", "in-a-child-process"])
def test_a_newer_check_stops_the_running_one_and_its_mypy(tmp_path: Path, isolate_mib: float) -> None:
    """The older check's mypy daemon sleeps 120 s in a plugin: stuck past the grace (1 s here), it is
    killed and the newer check answers.

    Also when the check runs in a child process (a large notebook, here every notebook): the child
    stops its own mypy when it is told to stop.
    """
    root = _one_notebook(tmp_path)
    home, tools = tmp_path / "home", tmp_path / "tools"
    pids = slow_mypy_server_config(
        tools, home, 120, typecheck_timeout=300.0, isolate_notebook_mib=isolate_mib, typecheck_cancel_grace=1.0
    )
    with live_server(root, home) as srv:
        sent = time.monotonic()
        _, (_, _, seconds), sleeping = _replace_a_running_check(srv, pids, tools)
        print(f"a newer check replaced a running one stuck in mypy: the newer answered in {seconds:.1f} s; "
              f"the sleeping mypy {sleeping} gone: {not any(alive(p) for p in sleeping)}")  # fmt: skip
        assert time.monotonic() - sent < 60  # not the 120 s the older mypy would have slept
        assert not any(alive(p) for p in sleeping), sleeping


@pytest.mark.parametrize("isolate_mib", [2.0, 0.0], ids=["in-the-server", "in-a-child-process"])
def test_a_newer_check_within_the_grace_keeps_the_warm_mypy_daemon(tmp_path: Path, isolate_mib: float) -> None:
    """A save while the daemon works (here its cold start: the plugin, loaded on every run, takes 1 s): the older run is within
    the grace (default 10 s), so the daemon finishes it (its answer dropped) and the newer check runs on
    the same daemon; two quick checks of the edited notebook after that keep it too.

    Killing it instead would make every check after a save start cold (the plugin would load again).
    Also when the check runs in a child process: told to stop, the child lets the daemon's run finish.
    """
    root = _one_notebook(tmp_path)
    home, tools = tmp_path / "home", tmp_path / "tools"
    pids = slow_mypy_server_config(tools, home, 1.0, typecheck_timeout=60.0, isolate_notebook_mib=isolate_mib)
    with live_server(root, home) as srv:
        _, (_, _, seconds), first = _replace_a_running_check(srv, pids, tools, plugin_sleeps_after=0.3)
        (root / "a.ipynb").write_text(json.dumps(nb_dict("y: int = 'a'", "z: str = 1")), encoding="utf-8")
        answers: list[int] = []
        quick = [threading.Thread(target=lambda: answers.append(srv.post("check", {"path": "a.ipynb", "checks": ["type-error"]})[0])) for _ in range(2)]  # fmt: skip
        for t in quick:
            t.start()
            time.sleep(0.05)
        for t in quick:
            t.join(timeout=60)
        loaded = _pids(pids)
        print(f"a newer check within the grace: answered in {seconds:.1f} s; mypy daemons that loaded the "
              f"plugin (once a run) {loaded}; quick checks after {answers}")  # fmt: skip
        assert len(first) == 1 and set(loaded) == set(first) and alive(first[0]), loaded  # one daemon, never restarted
        assert daemon_pids(home) == first
        assert sorted(answers) in ([200, 200], [200, 409]), answers


def _slow_git(folder: Path) -> Path:
    """A ``git`` first on PATH that runs the real git, after 30 s of sleep while ``folder/git-sleeps`` exists
    (noting its pid in ``folder/git-pids`` first): a read-only git query that is still running when a newer
    check arrives. Returns its folder."""
    real = shutil.which("git")
    assert real is not None
    folder.mkdir(parents=True, exist_ok=True)
    wrapper = folder / "git"
    wrapper.write_text(
        f"#!/bin/sh\nif [ -e '{folder}/git-sleeps' ]; then echo $$ >> '{folder}/git-pids'; sleep 30; fi\n"
        f'exec \'{real}\' "$@"\n',
        encoding="utf-8",
    )
    wrapper.chmod(0o755)
    return folder


@pytest.mark.parametrize("isolate_mib", [2.0, 0.0], ids=["in-the-server", "in-a-child-process"])
def test_a_cancelled_git_check_is_no_crash(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, isolate_mib: float) -> None:
    """The older check's git (the vcs checks) is stopped at once by a newer check: the server's log has no
    traceback and no 'check ... crashed', and no answer has a 'could not run' finding."""
    root = _one_notebook(tmp_path)
    config = tmp_path / "home" / ".jupyter"
    config.mkdir(parents=True)
    (config / "jupyter_server_config.py").write_text(f"c.JupyterProd.isolate_notebook_mib = {isolate_mib}\n")
    subprocess.run(["git", "init", "-q"], cwd=root, check=True, timeout=30)
    tools = _slow_git(tmp_path / "bin")
    monkeypatch.setenv("PATH", f"{tools}{os.pathsep}{os.environ['PATH']}")
    vcs = {"path": "a.ipynb", "checks": ["not-in-git", "uncommitted-changes"]}
    with live_server(root, tmp_path / "home") as srv:
        (tools / "git-sleeps").touch()
        answers: dict[str, tuple[int, Any, float]] = {}
        older = threading.Thread(target=lambda: answers.setdefault("older", srv.post("check", vcs, timeout=60)))
        older.start()
        deadline = time.monotonic() + 30
        while not _pids(tools / "git-pids") and time.monotonic() < deadline:
            time.sleep(0.05)
        sleeping = _pids(tools / "git-pids")
        assert sleeping, "the older check never ran git"
        (tools / "git-sleeps").unlink()
        status, body, seconds = srv.post("check", vcs, timeout=60)
        older.join(timeout=60)
        log = srv.log.read_text(encoding="utf-8", errors="replace")
    old_status, old_body, _ = answers["older"]
    assert old_status == 409 and old_body["details"] == {"reason": "superseded", "stage": "running"}, old_body
    assert status == 200 and [f["check"] for f in body["findings"]] == ["not-in-git"], body  # untracked
    assert "could not run" not in json.dumps(body), body
    assert seconds < 10 and not any(alive(p) for p in sleeping), (seconds, sleeping)  # its git stopped at once
    assert "Traceback" not in log and "crashed" not in log, log[-3000:]


def test_whatever_a_cancelled_check_raises_is_no_crash(caplog: pytest.LogCaptureFixture) -> None:
    """A check whose tools were stopped may fail in its own way (a parse of their cut-off output): while its
    request is cancelled that is no crash; the same failure otherwise is one (logged, an info finding)."""

    def cut_off(ctx: Context) -> Iterator[Finding]:
        json.loads(_sleep(0.01) and "{")  # what a killed tool's partial output gives
        yield from ()

    spec = CheckSpec("cut-off", "vcs", "info", "a check whose tool was cut off", cut_off, slow=True)
    ctx = Context(nb=notebook_from_dict(nb_dict("x = 1")))
    scope = CancelScope()
    scope.cancel()
    with caplog.at_level(logging.ERROR), cancellable(scope):
        assert run_spec(spec, ctx) == []
    assert caplog.records == []
    with caplog.at_level(logging.ERROR):
        found = run_spec(spec, ctx)
    assert [f.check for f in found] == ["cut-off"] and "could not run" in found[0].message
    assert any("cut-off crashed" in r.getMessage() and r.exc_info for r in caplog.records)


# --- the worker mechanism itself, with real processes ------------------------------------------


def test_a_cancelled_black_call_is_stopped_at_once_and_not_remembered() -> None:
    """A 90 KB line keeps black busy for about 25 s: cancelling the request kills the worker at once,
    and nothing is remembered for that source (a remembered failure would be shown to the next check)."""
    src = "s = [" + ",".join(["1"] * 45_000) + "]"
    scope = CancelScope()
    raised: list[BaseException] = []

    def run() -> None:
        with cancellable(scope):
            try:
                formatting.format_cells([(0, src)])
            except Cancelled as exc:
                raised.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    deadline = time.monotonic() + 30
    while formatting.black_worker().pid is None and time.monotonic() < deadline:
        time.sleep(0.05)
    worker = formatting.black_worker().pid
    assert worker is not None
    time.sleep(0.5)
    started = time.monotonic()
    scope.cancel()
    thread.join(timeout=20)
    print(f"cancelled black: stopped in {time.monotonic() - started:.2f} s")
    assert raised and "newer request" in str(raised[0]), raised
    assert time.monotonic() - started < 5
    time.sleep(0.2)
    assert not alive(worker)
    with cancellable(scope), pytest.raises(Cancelled):  # not answered from a remembered failure
        formatting.format_cells([(0, src)])


def _sleep(seconds: float) -> subprocess.CompletedProcess[bytes] | str:
    """A real ``sleep`` through the package's runner: its result, or the Cancelled message."""
    try:
        res = run_process(["sleep", str(seconds)], cwd=Path.cwd(), env=dict(os.environ), timeout=30)
    except Cancelled as exc:
        return exc.message
    return subprocess.CompletedProcess(res.argv, res.returncode)


def _cancel_within(grace: float, seconds: float, *, at_once: bool = False) -> tuple[object, float, list[str]]:
    """``sleep seconds`` in a stopped_after(grace) block, its scope cancelled 0.1 s in; what it gave, when
    it ended (after the cancel), and whether ``also`` was called."""
    scope, also, out = CancelScope(), [], {}

    def work() -> None:
        with cancellable(scope), stopped_after(grace, lambda: also.append("also")):
            out["result"] = _sleep(seconds)

    thread = threading.Thread(target=work)
    thread.start()
    time.sleep(0.1)
    cancelled = time.monotonic()
    scope.cancel()
    if at_once:  # a second cancel that lets nothing finish (a check child about to exit)
        time.sleep(0.2)
        scope.cancel(at_once=True)
    thread.join(timeout=30)
    return out["result"], time.monotonic() - cancelled, also


def test_a_grace_lets_short_work_finish_and_stops_stuck_work_when_it_ends() -> None:
    """stopped_after: a cancel stops the block's processes only once the block has run its grace."""
    result, ended, also = _cancel_within(1.0, 0.3)
    assert isinstance(result, subprocess.CompletedProcess) and result.returncode == 0, result
    time.sleep(1.2 - ended)  # past the grace: no stop once the block ended (it would hit other work)
    assert ended < 0.9 and also == [], (ended, also)
    result, ended, also = _cancel_within(0.8, 20)
    assert isinstance(result, str) and "newer request" in result, result
    assert 0.5 < ended < 3 and also == ["also"], (ended, also)  # stopped at 0.8 s from its start
    result, ended, also = _cancel_within(20, 20, at_once=True)
    assert isinstance(result, str) and ended < 2 and also == ["also"], (result, ended, also)
    scope = CancelScope()
    scope.cancel(at_once=True)
    with cancellable(scope), stopped_after(20, lambda: also.append("at once")):
        pass
    assert also[-1] == "at once"  # begun after a cancel that lets nothing finish
    scope = CancelScope()
    scope.cancel()
    with cancellable(scope), stopped_after(20):  # a process the block would start after the cancel
        assert isinstance(_sleep(5), str)


def test_worker_memory_ceiling_timeout_and_idle_exit(tmp_path: Path) -> None:
    script = tmp_path / "w.py"
    repo = str(Path(__file__).resolve().parent.parent)
    script.write_text(
        "import sys\n"
        f"sys.path.insert(0, {repo!r})\n"
        "from jupyter_prod_ext.procs import serve_json_lines\n"
        "def handle(req):\n"
        "    if req.get('eat'):\n"
        "        b = bytearray(req['eat'] * 1024 * 1024)\n"
        "        return {'ate': len(b)}\n"
        "    if req.get('sleep'):\n"
        "        import time; time.sleep(req['sleep'])\n"
        "    return {'echo': req.get('x')}\n"
        "serve_json_lines(handle, float(sys.argv[1]))\n",
        encoding="utf-8",
    )
    worker = Worker([sys.executable, str(script), "1.0"], what="the test worker", memory_bytes=400 * 1024 * 1024)
    try:
        assert worker.call({"x": 1}, timeout=20) == {"echo": 1}
        pid = worker.pid
        assert pid is not None
        # past the memory ceiling: Python's MemoryError answers, the worker lives on
        assert worker.call({"eat": 1000}, timeout=20) == {"error": "MemoryError"}
        assert worker.call({"x": 2}, timeout=20) == {"echo": 2} and worker.pid == pid
        # past the timeout: killed with its group, restarted by the next call
        with pytest.raises(ProcessTimeout):
            worker.call({"sleep": 30}, timeout=0.5)
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
        assert worker.call({"x": 3}, timeout=20) == {"echo": 3} and worker.starts == 2
        # idle: the child exits by itself; the next call starts another
        idle_pid = worker.pid
        assert idle_pid is not None
        time.sleep(2.0)
        assert worker.pid is None or worker.call({"x": 4}, timeout=20) == {"echo": 4}
        assert worker.call({"x": 5}, timeout=20) == {"echo": 5} and worker.starts == 3
        # killed from outside: the call says so (a WorkerFailed, a ToolError: 503 if it reached a route)
        victim = worker.pid
        assert victim is not None
        os.kill(victim, signal.SIGKILL)
        time.sleep(0.2)
        try:
            worker.call({"x": 6}, timeout=20)
        except WorkerFailed as exc:
            assert isinstance(exc, ToolError)
    finally:
        worker.stop()
