"""A long-lived worker that dies says how, in one line: memory only when it was memory.

Each case runs a real worker process (a small script that answers JSON lines like ours, or
black's own worker with a broken ``black`` first on its path) that ends differently: a failed
import (a broken install), a ``MemoryError`` under its address-space cap, a signal, an exit
after a flood of stderr (which must neither block the worker nor grow without bound).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

from jupyter_prod_ext import formatting
from jupyter_prod_ext.errors import ToolError
from jupyter_prod_ext.execution.worker import _last_words
from jupyter_prod_ext.procs import StderrTail, Worker, WorkerFailed, read_tail

#: the worker's loop: answers ``ping``; ``die`` runs the case's way of dying
LOOP = (
    "import json, sys\n"
    "for line in sys.stdin:\n"
    "    if json.loads(line).get('die'):\n"
    "        die()\n"
    "    print(json.dumps({'pong': 1}), flush=True)\n"
)
BROKEN_IMPORT = "import jupyter_prod_missing_dependency\n"
OUT_OF_MEMORY = "def die():\n    bytearray(8 * 1024 ** 3)\n"
#: no core file: a signal's default action would write one, slowly
SEGFAULT = (
    "import os, resource, signal\n"
    "resource.setrlimit(resource.RLIMIT_CORE, (0, 0))\n"
    "def die():\n    os.kill(os.getpid(), signal.SIGSEGV)\n"
)
#: 1 MiB of stderr per request (a pipe holds 64 KiB: unread, it would block the worker), then a long last line
CHATTY = (
    "import sys\n"
    "def die():\n"
    "    sys.stderr.write('warning: noise\\n' * 70000)\n"
    "    sys.stderr.write('RuntimeError: ' + 'x' * 500 + '\\n')\n"
    "    sys.exit(3)\n"
)


def _failure(tmp_path: Path, script: str, *, ping_first: bool = True) -> str:
    """Run ``script`` as a worker under a 400 MiB cap, make it die; the one-line message it gives."""
    path = tmp_path / "worker.py"
    path.write_text(script, "utf-8")
    worker = Worker([sys.executable, str(path)], what="the test worker", memory_bytes=400 * 1024 * 1024)
    try:
        if ping_first:
            assert worker.call({"ping": 1}, timeout=20) == {"pong": 1}
        with pytest.raises(WorkerFailed) as caught:
            worker.call({"die": 1}, timeout=20)
        assert worker.pid is None
    finally:
        worker.stop()
    message = caught.value.message
    assert isinstance(caught.value, ToolError) and caught.value.status == 503
    assert "\n" not in message and "Traceback" not in message, message
    return message


def test_broken_install_says_the_import_error_not_memory(tmp_path: Path) -> None:
    message = _failure(tmp_path, BROKEN_IMPORT + LOOP, ping_first=False)
    assert "memory" not in message, message
    assert "exit 1: ModuleNotFoundError: No module named 'jupyter_prod_missing_dependency'" in message
    assert "installation" in message and "restarted on the next request" in message


def test_memory_error_under_the_cap_is_out_of_memory(tmp_path: Path) -> None:
    message = _failure(tmp_path, OUT_OF_MEMORY + LOOP)
    assert message.startswith("the test worker ran out of memory;"), message
    assert "raise its memory limit" in message


def test_signal_names_itself_not_memory(tmp_path: Path) -> None:
    message = _failure(tmp_path, SEGFAULT + LOOP)
    assert "memory" not in message, message
    assert "was stopped by SIGSEGV" in message and "server's log" in message


def test_chatty_worker_does_not_block_and_says_its_last_line_cut(tmp_path: Path) -> None:
    message = _failure(tmp_path, CHATTY + LOOP)
    assert "memory" not in message and "noise" not in message, message
    assert f"exit 3: RuntimeError: {'x' * 186})" in message  # the line's first 200 characters


def test_stderr_tail_keeps_only_the_end(tmp_path: Path) -> None:
    read, write = os.pipe()
    tail = StderrTail(os.fdopen(read, "rb"), "test tail")
    with os.fdopen(write, "wb") as out:
        for i in range(2000):
            out.write(f"line {i:05d}\n".encode())
    text = tail.text(wait=10)
    assert text.endswith("line 01999\n") and len(text) == StderrTail.KEEP


def test_a_logs_last_line_is_read_from_its_end_only(tmp_path: Path) -> None:
    """A kernel's stderr of megabytes was read whole for its last line: only the last 4 KiB are, from
    the first whole line there; a short log is read whole."""
    log = tmp_path / "kernel.stderr"
    log.write_bytes(b"".join(f"warning {i:07d}\n".encode() for i in range(200_000)) + "No module named ü\n".encode())
    text = read_tail(log)
    assert text.startswith("warning ") and text.endswith("No module named ü\n") and len(text.encode()) <= 4096
    assert _last_words(log) == "No module named ü"
    log.write_text("one\ntwo\n", encoding="utf-8")
    assert read_tail(log) == "one\ntwo\n"
    assert _last_words(tmp_path / "missing") == ""


def test_black_worker_of_a_broken_install_says_what_failed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """black's own worker, with a ``black`` whose import fails first on its path: the cell is left
    unformatted, with the import's error, not "ran out of memory"."""
    broken = tmp_path / "broken" / "black"
    broken.mkdir(parents=True)
    (broken / "__init__.py").write_text(BROKEN_IMPORT, "utf-8")
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join([str(broken.parent), os.environ.get("PYTHONPATH", "")]))
    formatting.stop_worker()
    try:
        [res] = formatting.format_cells([(0, "y=2  # broken install")], None)
    finally:
        formatting.stop_worker()
    assert not res.changed and res.error is not None
    assert "black could not run: black failed (exit 1: ModuleNotFoundError" in res.error, res.error
    assert "memory" not in res.error
