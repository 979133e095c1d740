"""Subprocess entry of a reproducibility run (``python -m jupyter_prod_ext.execution.worker``).

Why a subprocess: nbclient runs its own event loop and a kernel; a run that
hangs, or a server that must cancel it, then only needs to stop one process
tree, and the server's event loop and the user's kernels are never involved.

Protocol with :mod:`jupyter_prod_ext.execution.runner`:

* the notebook (nbformat v4 JSON) is read from ``--input``;
* progress is written to the original stdout, one JSON object a line:
  ``{"event": "started", "pid"}``, ``{"event": "kernel", "pid"}`` (launched),
  ``{"event": "cell", "cell"}`` (starts), ``{"event": "cell_done", "cell",
  "lines"}`` (finished, with its comparable output text from
  :func:`compare.visible_lines` if the cell was saved with outputs, else
  ``[]``) and a final ``{"event": "end", "status", ...}``
  where status is ``ok``, ``error``, ``timeout``, ``dead``, ``exit``, ``no-kernel``,
  ``stopped`` or ``crash`` (``dead`` and ``crash`` carry ``said``, the kernel's last
  line on stderr, which it writes to ``kernel.stderr`` in the private folder; ``exit``
  is a cell that called ``exit()``/``quit()``: its reply asks the kernel to shut down);
* a line ``stop`` on stdin, or stdin closing (the parent died), kills the
  kernel's process group, reaps the kernel and exits 3: nothing outlives the run;
  the worker adopts the processes the notebook starts in sessions of their own
  (``procs.become_subreaper``), reaps those that exit while the run goes on (never the
  kernel, which jupyter_client waits for) and kills the others at the end of any run;
* the folder of ``--input`` is the run's private folder: the kernel's connection
  file (it holds the kernel's key) is written there, so the runner's removal of the
  folder takes it whatever way the run ends; when stdin closes without ``stop`` (the
  parent was killed and cannot remove it), the worker removes the folder itself.

File descriptor 1 is pointed at ``/dev/null`` before the kernel starts, so a
kernel (or a C extension in it) writing to its stdout cannot corrupt the
progress stream; the kernel's stderr goes to ours, which the runner logs.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import shutil
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO, Any

from ..notebook import import_nbformat
from ..procs import (
    become_subreaper,
    kill_descendants,
    kill_group_id,
    last_line,
    read_tail,
    reap_exited_children,
)
from .compare import visible_lines

EXIT_STOPPED = 3


class _Progress:
    """Thread-safe writer of progress lines (the stopper thread writes too)."""

    def __init__(self, stream: IO[str]) -> None:
        self._stream = stream
        self._lock = threading.Lock()

    def emit(self, event: dict[str, Any]) -> None:
        line = json.dumps(event)
        with self._lock:
            with contextlib.suppress(OSError, ValueError):
                self._stream.write(line + "\n")
                self._stream.flush()


class _AskedExit(Exception):
    """A cell called ``exit()``/``quit()``: ipykernel stops its loop 0.1 s after the reply, so the cells
    sent within that moment still ran and the run was called reproduced (or the kernel died in a later
    cell, depending on timing). The run stops at the cell that asked."""


def _asks_exit(execute_reply: Any) -> bool:
    """Whether the reply carries IPython's ``ask_exit`` payload that shuts the kernel down (not
    ``exit(keep_kernel=True)``, which only closes a console)."""
    payload = ((execute_reply or {}).get("content") or {}).get("payload") or []
    return any(
        isinstance(p, dict) and p.get("source") == "ask_exit" and not p.get("keepkernel") for p in payload
    )


class _State:
    def __init__(self) -> None:
        self.cell: int | None = None
        self.kernel_pid: int | None = None
        self.error: dict[str, Any] | None = None


def _kill_and_reap(pid: int | None) -> None:
    """Kill the kernel's process group (it leads its own session) and reap it.

    Only while the kernel is still our unreaped child: once the kernel manager
    has reaped it, its pid may already belong to someone else.
    """
    if pid is None or pid <= 0:
        return
    try:
        done, _ = os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        return
    if done:
        return
    kill_group_id(pid)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        try:
            done, _ = os.waitpid(pid, os.WNOHANG)
        except ChildProcessError:  # reaped meanwhile by the kernel manager
            return
        if done:
            return
        time.sleep(0.02)


def _kernel_pid(client: Any, state: _State) -> int | None:
    km = getattr(client, "km", None)
    provisioner = getattr(km, "provisioner", None)
    pid = getattr(provisioner, "pid", None)
    return pid if isinstance(pid, int) else state.kernel_pid


def _watch_stdin(progress: _Progress, client_ref: list[Any], state: _State, private: Path) -> None:
    """Stop on request or when the parent goes away (stdin closes): then its private folder goes too."""
    orphaned = True
    for line in sys.stdin:
        if line.strip() == "stop":
            orphaned = False
            break
    pid = _kernel_pid(client_ref[0], state) if client_ref else state.kernel_pid
    _kill_and_reap(pid)
    kill_descendants()
    if orphaned:
        shutil.rmtree(private, ignore_errors=True)
    progress.emit({"event": "end", "status": "stopped", "cell": state.cell})
    os._exit(EXIT_STOPPED)


def _parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m jupyter_prod_ext.execution.worker")
    parser.add_argument("--input", required=True)
    parser.add_argument("--cwd", required=True)
    parser.add_argument("--kernel", required=True)
    parser.add_argument("--cell-timeout", type=float, required=True)
    parser.add_argument("--startup-timeout", type=float, default=60.0)
    parser.add_argument("--exact-outputs", action="store_true")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parse(argv)
    progress = _progress_on_stdout()
    become_subreaper()  # what the notebook starts in a session of its own ends with the run too
    progress.emit({"event": "started", "pid": os.getpid()})
    state = _State()
    client_ref: list[Any] = []
    private = Path(args.input).resolve().parent
    threading.Thread(target=_watch_stdin, args=(progress, client_ref, state, private), daemon=True).start()
    client = _notebook_client(args, state, progress)
    client_ref.append(client)
    threading.Thread(target=_announce_kernel, args=(client, state, progress), daemon=True).start()
    ended = threading.Event()
    threading.Thread(target=_reap_adopted, args=(state, ended), daemon=True).start()
    stderr = private / "kernel.stderr"
    with open(stderr, "wb") as kernel_stderr:
        end = _execute(client, state, args.kernel, kernel_stderr)
    ended.set()
    if end["status"] in ("crash", "dead"):
        end["said"] = _last_words(stderr)
    _kill_and_reap(state.kernel_pid if end["status"] != "ok" else None)
    kill_descendants()
    progress.emit({"event": "end", **end})
    return 0


def _progress_on_stdout() -> _Progress:
    """The progress stream on the original stdout; fd 1 itself goes to /dev/null (see the module docstring)."""
    progress = _Progress(os.fdopen(os.dup(1), "w", encoding="utf-8"))
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 1)
    os.close(devnull)
    sys.stdout = sys.stderr
    return progress


def _notebook_client(args: argparse.Namespace, state: _State, progress: _Progress) -> Any:
    """nbclient's client on the notebook, its cell hooks reporting progress and keeping the error."""
    nbformat = import_nbformat()
    from nbclient import NotebookClient
    from traitlets.config import Config

    def on_cell_execute(cell: Any, cell_index: int) -> None:
        state.cell = cell_index
        progress.emit({"event": "cell", "cell": cell_index})

    def on_cell_executed(cell: Any, cell_index: int, execute_reply: Any) -> None:
        # only cells saved with outputs are compared: the others' output never leaves the worker
        lines = visible_lines(cell.get("outputs", []), exact=args.exact_outputs) if cell_index in compared else []
        progress.emit({"event": "cell_done", "cell": cell_index, "lines": lines})
        if _asks_exit(execute_reply):
            raise _AskedExit()

    def on_cell_error(cell: Any, cell_index: int, execute_reply: Any) -> None:
        state.error = _error_of(cell_index, execute_reply)

    # the connection file in the run's private folder, not a mkstemp file in /tmp that a
    # stopped kernel (os._exit skips jupyter_client's cleanup) would leave behind with its key
    config = Config()
    config.KernelManager.connection_file = str(Path(args.input).resolve().parent / "kernel.json")
    nb = nbformat.read(args.input, as_version=4)
    compared = {i for i, cell in enumerate(nb.cells) if cell.get("outputs")}
    return NotebookClient(
        nb,
        config=config,
        kernel_name=args.kernel,
        timeout=args.cell_timeout,
        startup_timeout=int(args.startup_timeout),
        resources={"metadata": {"path": args.cwd}},
        allow_errors=False,
        shutdown_kernel="immediate",
        coalesce_streams=True,
        record_timing=False,
        on_cell_execute=on_cell_execute,
        on_cell_executed=on_cell_executed,
        on_cell_error=on_cell_error,
    )


def _error_of(cell_index: int, execute_reply: Any) -> dict[str, Any]:
    content = (execute_reply or {}).get("content", {})
    return {
        "cell": cell_index,
        "ename": str(content.get("ename", "")),
        "evalue": str(content.get("evalue", "")),
        "traceback": [str(t) for t in content.get("traceback", [])],
        "execution_count": content.get("execution_count"),
    }


def _announce_kernel(client: Any, state: _State, progress: _Progress) -> None:
    """Report the kernel's pid as soon as it is launched, not only once it is ready."""
    while state.kernel_pid is None:
        pid = _kernel_pid(client, state)
        if pid is not None:
            state.kernel_pid = pid
            progress.emit({"event": "kernel", "pid": pid})
            return
        time.sleep(0.05)


#: Seconds between two reapings of the orphans the run adopted and that exited.
_REAP_EVERY = 0.1


def _reap_adopted(state: _State, ended: threading.Event) -> None:
    """Reap, during the run, the adopted orphans that exited (a cell backgrounding thousands of short
    processes), never the kernel: jupyter_client waits for it. Only once its pid is known: before, the
    kernel is the one child there is, and a kernel dying at start is then reaped by jupyter_client."""
    while (kernel := state.kernel_pid) is None:
        if ended.wait(0.05):
            return
    while not ended.wait(_REAP_EVERY):
        reap_exited_children(keep={kernel})


def _last_words(stderr: Path, limit: int = 200) -> str:
    """The kernel's last line on stderr: why a kernel died at start (a kernelspec whose Python lacks
    ipykernel: ``No module named ipykernel_launcher``) is there, not in nbclient's exception."""
    with contextlib.suppress(OSError):
        text = read_tail(stderr)  # a kernel may have written megabytes before it died
        return last_line(text, limit=limit, skip=lambda ln: "running over TCP without encryption" in ln)
    return ""


def _execute(client: Any, state: _State, kernel: str, kernel_stderr: IO[bytes]) -> dict[str, Any]:
    """Run every cell; the ``end`` event's fields (status and where it stopped)."""
    from jupyter_client.kernelspec import NoSuchKernel
    from nbclient.exceptions import CellExecutionError, CellTimeoutError, DeadKernelError

    try:
        client.execute(stderr=kernel_stderr)  # passed on to the kernel's launch
        return {"status": "ok"}
    except CellTimeoutError:
        return {"status": "timeout", "cell": state.cell}
    except CellExecutionError:
        return {"status": "error", **(state.error or {"cell": state.cell})}
    except DeadKernelError:
        return {"status": "dead", "cell": state.cell}
    except _AskedExit:
        return {"status": "exit", "cell": state.cell}
    except NoSuchKernel:
        return {"status": "no-kernel", "kernel": kernel}
    except Exception as exc:  # report it as a finding; the traceback goes to the log
        logging.getLogger("jupyter_prod_ext.execution.worker").exception("reproducibility run crashed")
        return {"status": "crash", "cell": state.cell, "message": f"{type(exc).__name__}: {exc}"}


if __name__ == "__main__":
    raise SystemExit(main())
