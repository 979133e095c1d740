"""The one way this package runs a child process: argv, timeout, process-group kill, env, rlimits.

Every tool we start (git and its hooks, mypy and its daemon, black's worker) gets the same
treatment: an argv list (never a shell), a new session so the whole group can be killed,
a wall-clock timeout after which it is, and optionally a memory ceiling (``RLIMIT_AS``)
so one hostile cell cannot grow the machine's memory without bound.

Two shapes: :func:`run_process` for one-shot commands, :class:`Worker` for a long-lived
child that answers JSON lines (black), started on demand, stopped when idle, and killed
and restarted when a request runs past its timeout.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import re
import select
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections import deque
from collections.abc import Callable, Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

from .errors import ToolError

try:
    import resource
except ImportError:  # pragma: no cover - Windows: no rlimits
    resource = None  # type: ignore[assignment]


@dataclass(frozen=True)
class ProcessResult:
    argv: tuple[str, ...]
    returncode: int
    stdout: bytes
    stderr: bytes

    @property
    def out(self) -> str:
        return self.stdout.decode("utf-8", errors="replace")

    @property
    def err(self) -> str:
        return self.stderr.decode("utf-8", errors="replace")


class ProcessTimeout(ToolError):
    """A process ran past its timeout and was killed; carries what it printed so far."""

    def __init__(self, message: str, output: str = "") -> None:
        super().__init__(message)
        self.output = output


def limit_memory(memory_bytes: int | None) -> Callable[[], None] | None:
    """A ``preexec_fn`` that caps the child's address space (inherited by its own children)."""
    if memory_bytes is None or resource is None:
        return None
    limit = int(memory_bytes)

    def apply() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (limit, limit))

    return apply


#: what a child's stderr says when an allocation failed under its ``RLIMIT_AS``: Python's
#: ``MemoryError`` (a traceback's last line, or a fatal error), or a C library's own words
_OUT_OF_MEMORY = re.compile(r"^(?:\w+\.)*MemoryError\b|Cannot allocate memory|std::bad_alloc|out of memory", re.M)
#: the longest part of a child's last stderr line that goes into a one-line message
_REASON_CHARS = 200


#: how much of a log's end :func:`read_tail` reads: its last lines, not the megabytes a chatty child wrote before
_TAIL_BYTES = 4096


def read_tail(path: Path, size: int = _TAIL_BYTES) -> str:
    """The text of the last ``size`` bytes of a log (its last whole lines when it is longer): what
    :func:`last_line` needs, without reading a kernel's or tool's whole stderr. Raises OSError."""
    with path.open("rb") as f:
        start = max(0, f.seek(0, os.SEEK_END) - size)
        f.seek(start)
        data = f.read(size)
    if start and b"\n" in data:
        data = data[data.index(b"\n") + 1 :]  # the first line is cut: not a line the log wrote
    return data.decode("utf-8", errors="replace")


def last_line(text: str, *, limit: int = _REASON_CHARS, skip: Callable[[str], bool] | None = None) -> str:
    """The last non-blank line of a child's stderr or log, stripped and cut to ``limit`` characters
    ("" if none): how a tool says why it stopped, without its traceback. ``skip``: lines that are
    noise for this tool (a warning every start prints)."""
    for line in reversed(text.splitlines()):
        line = line.strip()
        if line and (skip is None or not skip(line)):
            return line[:limit]
    return ""


@dataclass(frozen=True)
class ChildExit:
    """How a child ended without answering, as the middle of one sentence (``text``), and which
    kind of end it was, so each caller adds its own advice (what to do)."""

    kind: Literal["memory", "signal", "exit"]
    text: str


def child_exit(returncode: int, err: str) -> ChildExit:
    """What ended a child that gave no answer, from its exit status and its stderr (or its tail).

    Memory only when it was memory: a ``MemoryError`` (or a C allocation failure) under the
    address-space cap, or SIGKILL (the kernel's OOM killer; our own timeouts and cancels are
    reported before this). Anything else (a broken install whose import fails, a crash on
    another signal) says what the child reported, the last line of its stderr only (never a
    traceback), so the real fix is not hidden behind advice about memory.
    """
    if returncode == -signal.SIGKILL or _OUT_OF_MEMORY.search(err):
        return ChildExit("memory", "ran out of memory")
    if returncode < 0:
        try:
            name = signal.Signals(-returncode).name
        except ValueError:
            name = f"signal {-returncode}"
        return ChildExit("signal", f"was stopped by {name}")
    reason = last_line(err) or "no message"
    return ChildExit("exit", f"failed (exit {returncode}: {reason})")


def run_process(
    argv: Sequence[str],
    *,
    cwd: Path,
    env: Mapping[str, str],
    input: bytes | None = None,
    timeout: float,
    merge_stderr: bool = False,
    what: str | None = None,
    memory_bytes: int | None = None,
    grace: float | None = None,
) -> ProcessResult:
    """Run ``argv`` (no shell) and kill its whole process group when ``timeout`` expires.

    A new session is used so a hook's children (a linter started by the hook)
    die with it instead of keeping our pipes open forever. Cancelling the thread's
    :class:`CancelScope` kills the group too (``grace``: SIGTERM first, for a child
    that stops processes of its own, then SIGKILL that many seconds later).
    """
    label = what or Path(argv[0]).name
    _refuse_if_cancelled(label)
    proc = start_process(
        argv,
        cwd=cwd,
        env=env,
        stdin=subprocess.PIPE if input is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT if merge_stderr else subprocess.PIPE,
        memory_bytes=memory_bytes,
        what=label,
    )

    def stop() -> None:
        if grace is None:
            kill_group(proc)
        else:
            terminate_group(proc, grace)

    try:
        with stopped_on_cancel(stop):
            stdout, stderr = proc.communicate(input=input, timeout=timeout)
    except subprocess.TimeoutExpired:
        stop()
        try:
            stdout, stderr = proc.communicate(timeout=5 + (grace or 0))
        except subprocess.TimeoutExpired:
            stdout, stderr = b"", b""
        partial = (stdout or b"").decode("utf-8", errors="replace")
        raise ProcessTimeout(
            f"{label} did not finish within {timeout:g} s and was stopped; retry, or look at what it waits for.",
            partial,
        ) from None
    _refuse_if_cancelled(label, ran=True)  # killed by a cancel: what it printed is no answer
    return ProcessResult(tuple(argv), proc.returncode, stdout or b"", stderr or b"")


def program_problem(program: str, search_path: str | None = None) -> str | None:
    """Why ``program`` (a path, or a name looked up on PATH) cannot be started, as the end of a
    sentence, or ``None`` when it can: what :func:`start_process` would fail on, said before starting.

    ``search_path``: the PATH the program will be started with, when not ours (a kernelspec's ``env``)."""
    if os.sep not in program:
        return None if shutil.which(program, path=search_path) else "is not on PATH"
    if not os.path.isfile(program):
        return "does not exist"
    return None if os.access(program, os.X_OK) else "is not executable"


def start_process(
    argv: Sequence[str],
    *,
    cwd: Path | None,
    env: Mapping[str, str] | None,
    stdin: int | IO[Any] | None,
    stdout: int | IO[Any] | None,
    stderr: int | IO[Any] | None,
    memory_bytes: int | None = None,
    what: str | None = None,
) -> subprocess.Popen[bytes]:
    """Start ``argv`` (no shell) in a session of its own, so its whole group can be killed.

    ``cwd`` and ``env`` ``None`` inherit ours. A program that cannot start is a one-line :class:`ToolError`.
    """
    label = what or Path(argv[0]).name
    try:
        return subprocess.Popen(  # noqa: S603 - argv list, no shell
            list(argv),
            cwd=str(cwd) if cwd is not None else None,
            env=dict(env) if env is not None else None,
            stdin=stdin,
            stdout=stdout,
            stderr=stderr,
            start_new_session=True,
            preexec_fn=limit_memory(memory_bytes),  # noqa: PLW1509 - setrlimit only, no locks taken
        )
    except FileNotFoundError:
        raise ToolError(f"Cannot run {label}: '{argv[0]}' was not found; install it or fix PATH.") from None
    except PermissionError:
        raise ToolError(f"Cannot run {label}: '{argv[0]}' is not executable.") from None
    except OSError as exc:
        raise ToolError(f"Cannot run {label} ({argv[0]}): {exc.strerror or exc}.") from None


def kill_group(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL the child's whole process group (it was started in a session of its own)."""
    kill_group_id(proc.pid)
    with contextlib.suppress(ProcessLookupError):
        proc.kill()


def kill_group_id(pgid: int | None) -> None:
    """SIGKILL a process group by its id (a kernel that leads its own session); gone already is fine."""
    if pgid is None or pgid <= 0:
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, signal.SIGKILL)


#: ``prctl`` option: orphaned descendants are re-parented to this process instead of init (Linux).
_PR_SET_CHILD_SUBREAPER = 36


def become_subreaper() -> bool:
    """Adopt our descendants when their parent dies (Linux ``PR_SET_CHILD_SUBREAPER``).

    A process a notebook starts in a session of its own (``start_new_session=True``, a server, a
    daemon) escapes its kernel's process-group kill and, once the kernel is gone, would run on under
    init; adopted, :func:`kill_descendants` still finds it. False where the system has no such call.
    """
    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        return bool(libc.prctl(_PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0)
    except (OSError, AttributeError):
        return False


def _parents() -> dict[int, int]:
    """pid -> parent pid of every process ``/proc`` shows (empty where there is no ``/proc``)."""
    found: dict[int, int] = {}
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if entry.name.isdigit():
                with contextlib.suppress(OSError, ValueError, IndexError):
                    stat = Path(entry.path, "stat").read_text(encoding="utf-8", errors="replace")
                    found[int(entry.name)] = int(stat.rsplit(")", 1)[1].split()[1])
    return found


def _children() -> set[int]:
    """Our direct children, adopted orphans included: ``/proc/self/task/*/children`` (each thread's),
    else the whole ``/proc`` scanned (a kernel without ``CONFIG_PROC_CHILDREN``)."""
    found: set[int] = set()
    try:
        for task in os.scandir("/proc/self/task"):
            found.update(int(pid) for pid in Path(task.path, "children").read_text().split())
    except (OSError, ValueError):
        me = os.getpid()
        return {pid for pid, parent in _parents().items() if parent == me}
    return found


def reap_exited_children(keep: Collection[int]) -> int:
    """Reap our children that exited, except ``keep``; how many were reaped.

    A subreaper (:func:`become_subreaper`) adopts every orphan below it, and each one that exits stays a
    zombie, holding its pid, until its parent reaps it: a cell that leaves thousands of short processes
    behind would reach the pids limit before the run ends. ``keep`` are the children a ``Popen`` owns
    (the kernel, which jupyter_client waits for): reaping one would steal its exit status.
    """
    reaped = 0
    for pid in _children() - set(keep):
        with contextlib.suppress(ChildProcessError):
            done, _ = os.waitpid(pid, os.WNOHANG)
            reaped += bool(done)
    return reaped


def kill_descendants() -> None:
    """SIGKILL every process below this one (adopted orphans included) and reap our direct children."""
    parents = _parents()
    below: set[int] = set()
    frontier = {os.getpid()}
    while frontier:
        frontier = {pid for pid, parent in parents.items() if parent in frontier} - below
        below |= frontier
    for pid in below:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)
    for pid in below:
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, 0)


class Cancelled(ToolError):
    """The work was cancelled on purpose (a newer request replaced it); its processes were killed."""


class CancelScope:
    """The processes working for one request, so a newer request can stop them (see :func:`cancellable`).

    Each running process registers how to stop it; :meth:`cancel` stops them all, and any process the
    request would start afterwards is refused (:class:`Cancelled`). ``cancel`` only sends signals, so
    it may be called from the server's event loop.
    """

    def __init__(self, parent: CancelScope | None = None) -> None:
        self._lock = threading.Lock()
        self._stoppers: dict[int, Callable[[], None]] = {}
        self._ids = itertools.count()
        self.parent = parent
        #: the :func:`stopped_after` blocks running in this scope
        self._graces: set[_GraceScope] = set()
        self.cancelled = False
        #: cancelled with ``at_once``: no :func:`stopped_after` grace either
        self.at_once = False

    def cancel(self, *, at_once: bool = False) -> None:
        """Stop the processes; ``at_once`` also those a :func:`stopped_after` block would let finish
        (a check child that exits now: whatever it leaves running would be orphaned), also after a
        first cancel that let them run on."""
        with self._lock:
            self.cancelled = True
            self.at_once = self.at_once or at_once
            stoppers, self._stoppers = list(self._stoppers.values()), {}
            graces = list(self._graces)
        for stop in stoppers:
            stop()
        for grace in graces:
            grace.cancel_later()

    @property
    def refusing(self) -> bool:
        """Whether a process the request would start now is refused: it or an enclosing scope was cancelled."""
        return self.cancelled or (self.parent is not None and self.parent.refusing)

    def _add(self, stop: Callable[[], None]) -> int | None:
        with self._lock:
            if not self.cancelled:
                key = next(self._ids)
                self._stoppers[key] = stop
                return key
        stop()  # cancelled while it was starting
        return None

    def _remove(self, key: int | None) -> None:
        if key is not None:
            with self._lock:
                self._stoppers.pop(key, None)

    def _adopt(self, grace: _GraceScope) -> None:
        with self._lock:
            self._graces.add(grace)
            cancelled = self.cancelled
        if cancelled:  # cancelled before the block began: its grace counts from now
            grace.cancel_later()

    def _disown(self, grace: _GraceScope) -> None:
        with self._lock:
            self._graces.discard(grace)


_scopes = threading.local()


@contextlib.contextmanager
def cancellable(scope: CancelScope) -> Iterator[None]:
    """Processes started by this thread inside the block are stopped by ``scope.cancel()``."""
    previous = getattr(_scopes, "current", None)
    _scopes.current = scope
    try:
        yield
    finally:
        _scopes.current = previous


def current_scope() -> CancelScope | None:
    scope = getattr(_scopes, "current", None)
    return scope if isinstance(scope, CancelScope) else None


@contextlib.contextmanager
def stopped_on_cancel(stop: Callable[[], None]) -> Iterator[None]:
    """While the block runs, cancelling this thread's scope calls ``stop`` (signals only: no waiting)."""
    scope = current_scope()
    key = scope._add(stop) if scope is not None else None
    try:
        yield
    finally:
        if scope is not None:
            scope._remove(key)


def request_cancelled() -> bool:
    """Whether this thread works for a request a newer one replaced (its processes are being stopped)."""
    scope = current_scope()
    return scope is not None and scope.refusing


def _refuse_if_cancelled(label: str, *, ran: bool = False) -> None:
    """Cancelled before ``label`` started (``refusing``), or while it ran (its process was killed)."""
    scope = current_scope()
    if scope is not None and (scope.cancelled if ran else scope.refusing):
        raise Cancelled(f"{label} was {'stopped' if ran else 'not started'}: a newer request replaced this one.")


class _GraceScope(CancelScope):
    """The scope of a :func:`stopped_after` block: cancelled only once the block has run its grace."""

    def __init__(self, parent: CancelScope, grace: float, also: Callable[[], None] | None) -> None:
        super().__init__(parent)
        self._started = time.monotonic()
        self._grace = grace
        self._also = also
        self._guard = threading.Lock()
        self._timer: threading.Timer | None = None
        self._closed = False

    def cancel_later(self) -> None:
        """The enclosing scope was cancelled: stop now if the block ran its grace, else when it has."""
        assert self.parent is not None
        delay = 0.0 if self.parent.at_once else self._grace - (time.monotonic() - self._started)
        if delay <= 0:
            self._stop_now()
            return
        with self._guard:
            if not self._closed and self._timer is None:
                self._timer = threading.Timer(delay, self._stop_now)
                self._timer.daemon = True
                self._timer.start()

    def _stop_now(self) -> None:
        with self._guard:  # never after the block ended: the work stopped would be another request's
            if self._closed or self.cancelled:
                return
            self.cancel()
            if self._also is not None:
                self._also()

    def close(self) -> None:
        with self._guard:
            self._closed = True
            if self._timer is not None:
                self._timer.cancel()


@contextlib.contextmanager
def stopped_after(grace: float, also: Callable[[], None] | None = None) -> Iterator[None]:
    """A cancel of this thread's scope stops the block's processes (and calls ``also``: signals only)
    only once the block has run ``grace`` seconds; until then the block runs on.

    For work whose stop costs more than its end: a request to the warm mypy daemon killed on every
    save would make the next check start cold (slower, so more likely to be cancelled in turn). Work
    that is nearly done finishes (whoever cancelled drops its result); stuck work is still stopped.
    A process the block would start after the cancel is refused as before.
    """
    outer = current_scope()
    if outer is None:
        yield
        return
    inner = _GraceScope(outer, grace, also)
    outer._adopt(inner)
    try:
        with cancellable(inner):
            yield
    finally:
        inner.close()
        outer._disown(inner)


def terminate_group(proc: subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM to the child's group (it stops its own children), SIGKILL ``grace`` seconds later."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGTERM)

    def kill_if_alive() -> None:
        if proc.poll() is None:
            kill_group(proc)

    timer = threading.Timer(grace, kill_if_alive)
    timer.daemon = True
    timer.start()


class StderrTail:
    """The last few KiB a child wrote to stderr, read by a thread of its own as it is written.

    A long-lived child (a worker) may write to stderr at any time: a pipe nobody read would
    fill and block it, and a file would grow without bound. This keeps only the end, which is
    all that says why the child died (its traceback's last line).
    """

    #: how many bytes of the end are kept
    KEEP = 4096

    def __init__(self, stream: IO[bytes], name: str) -> None:
        self._chunks: deque[bytes] = deque()
        self._size = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._drain, args=(stream,), name=name, daemon=True)
        self._thread.start()

    def _drain(self, stream: IO[bytes]) -> None:
        with contextlib.suppress(OSError, ValueError), stream:
            fd = stream.fileno()
            while chunk := os.read(fd, 1 << 14):
                self._keep(chunk)

    def _keep(self, chunk: bytes) -> None:
        with self._lock:
            self._chunks.append(chunk)
            self._size += len(chunk)
            while self._size - len(self._chunks[0]) >= self.KEEP:
                self._size -= len(self._chunks.popleft())

    def text(self, wait: float = 0.0) -> str:
        """The kept end, once the child closed its stderr (at most ``wait`` seconds later: a
        grandchild of its own may hold the pipe open)."""
        self._thread.join(wait)
        with self._lock:
            data = b"".join(self._chunks)
        return data[-self.KEEP :].decode("utf-8", errors="replace")


class WorkerFailed(ToolError):
    """The worker died, ran out of memory or timed out; it is restarted on the next call."""


#: what to do after each kind of end of a worker (see :func:`child_exit`); it restarts by itself
_WORKER_ADVICE = {
    "memory": "it is restarted on the next request; give it smaller input, or raise its memory limit.",
    "signal": "it is restarted on the next request; look at the server's log if it happens again.",
    "exit": "check the server's installation of jupyter-prod; it is restarted on the next request.",
}


class Worker:
    """A child process that answers one JSON line per JSON line, started on demand.

    Calls are serialised (one request at a time). A call that runs past its timeout
    kills the worker's process group; a worker that dies (memory ceiling reached,
    crash) is reported by the call and started afresh by the next one. The child
    exits by itself after ``idle_timeout`` seconds without a request, and when our
    end of its stdin closes (this process died).
    """

    def __init__(
        self,
        argv: Sequence[str],
        *,
        what: str,
        env: Mapping[str, str] | None = None,
        memory_bytes: int | None = None,
    ) -> None:
        self.argv = list(argv)
        self.what = what
        self.env = dict(env) if env is not None else None
        self.memory_bytes = memory_bytes
        self._proc: subprocess.Popen[bytes] | None = None
        #: the end of the running child's stderr: why it died, when it does
        self._stderr: StderrTail | None = None
        self._lock = threading.Lock()
        #: how many children were started (tests watch it)
        self.starts = 0

    @property
    def pid(self) -> int | None:
        proc = self._proc
        return proc.pid if proc is not None and proc.poll() is None else None

    def _start(self) -> subprocess.Popen[bytes]:
        proc = self._proc
        if proc is not None and proc.poll() is None:
            return proc
        try:
            proc = start_process(
                self.argv,
                cwd=None,
                env=self.env,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                memory_bytes=self.memory_bytes,
                what=self.what,
            )
        except ToolError as exc:
            raise WorkerFailed(exc.message) from None
        assert proc.stderr is not None
        self._proc = proc
        self._stderr = StderrTail(proc.stderr, f"{self.what} stderr")
        self.starts += 1
        # reaped as soon as it exits (its idle timeout): no zombie waits for the next call to be collected
        threading.Thread(target=proc.wait, name=f"{self.what} reaper", daemon=True).start()
        return proc

    def call(self, request: dict[str, Any], timeout: float) -> dict[str, Any]:
        """Send one request, wait at most ``timeout`` seconds for its answer."""
        _refuse_if_cancelled(self.what)
        with self._lock:
            proc = self._start()
            assert proc.stdin is not None and proc.stdout is not None
            try:
                proc.stdin.write(json.dumps(request).encode("utf-8") + b"\n")
                proc.stdin.flush()
            except OSError:
                raise self._died(proc) from None
            with stopped_on_cancel(lambda: kill_group(proc)):
                try:
                    line = self._read_line(proc, timeout)
                except WorkerFailed:
                    _refuse_if_cancelled(self.what, ran=True)  # killed by a cancel, not by its own fault
                    raise
            try:
                answer = json.loads(line)
            except ValueError:
                self._stop_locked()
                raise WorkerFailed(f"{self.what} answered something unreadable; it was restarted.") from None
            if not isinstance(answer, dict):
                self._stop_locked()
                raise WorkerFailed(f"{self.what} answered something unreadable; it was restarted.")
            return answer

    def _read_line(self, proc: subprocess.Popen[bytes], timeout: float) -> bytes:
        assert proc.stdout is not None
        fd = proc.stdout.fileno()
        deadline = time.monotonic() + timeout
        chunks: list[bytes] = []
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self._stop_locked()
                raise ProcessTimeout(f"{self.what} did not finish within {timeout:g} s and was stopped.")
            ready, _, _ = select.select([fd], [], [], left)
            if not ready:
                continue
            chunk = os.read(fd, 1 << 16)
            if not chunk:
                raise self._died(proc)
            chunks.append(chunk)
            if chunk.endswith(b"\n"):
                return b"".join(chunks)

    def _died(self, proc: subprocess.Popen[bytes]) -> WorkerFailed:
        """The child ended without answering: stop what is left of it, and say in one line why."""
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
        err = self._stderr.text(wait=1.0) if self._stderr is not None else ""
        code = proc.returncode
        self._stop_locked()
        if code is None:  # it closed its pipes but lived on
            return WorkerFailed(f"{self.what} stopped answering and was stopped; it is restarted on the next request.")
        ended = child_exit(code, err)
        return WorkerFailed(f"{self.what} {ended.text}; {_WORKER_ADVICE[ended.kind]}")

    def _stop_locked(self) -> None:
        proc, self._proc = self._proc, None
        self._stderr = None  # its thread ends, and closes the pipe, when the killed child's group is gone
        if proc is None:
            return
        kill_group(proc)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=5)
        for stream in (proc.stdin, proc.stdout):
            with contextlib.suppress(OSError):
                if stream is not None:
                    stream.close()

    def stop(self) -> None:
        with self._lock:
            self._stop_locked()


def serve_json_lines(handle: Callable[[dict[str, Any]], dict[str, Any]], idle_timeout: float) -> None:
    """The child's side of :class:`Worker`: answer requests on stdin until idle or orphaned."""
    stdin = sys.stdin.buffer
    stdout = sys.stdout.buffer
    while True:
        ready, _, _ = select.select([stdin], [], [], idle_timeout)
        if not ready:
            return  # idle: the parent starts a new worker when it needs one
        line = stdin.readline()
        if not line:
            return  # the parent is gone
        try:
            request = json.loads(line)
            answer = handle(request) if isinstance(request, dict) else {"error": "not a JSON object"}
        except MemoryError:
            answer = {"error": "MemoryError"}
        except Exception as exc:  # noqa: BLE001 - the worker answers every request
            answer = {"error": f"{type(exc).__name__}: {exc}"[:300]}
        stdout.write(json.dumps(answer).encode("utf-8") + b"\n")
        stdout.flush()


# -- daemons die with the process that started them ----------------------------------------------

#: the environment variable naming the process a daemon started through :func:`dmypy_main` watches
PARENT_PID_ENV = "JUPYTER_PROD_PARENT_PID"


def _watch_parent(pid: int, poll: float = 1.0, before_exit: Callable[[], None] | None = None) -> None:
    """End this process as soon as ``pid`` is gone (a SIGKILLed server leaves no daemon behind)."""
    while True:
        time.sleep(poll)
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            if before_exit is not None:
                before_exit()
            os._exit(0)
        except PermissionError:
            pass  # alive, another user's: keep watching


def _start_watchdog(pid: int, before_exit: Callable[[], None] | None = None) -> None:
    threading.Thread(
        target=_watch_parent, args=(pid, 1.0, before_exit), name="parent-watchdog", daemon=True
    ).start()


def die_with_parent(before_exit: Callable[[], None] | None = None) -> None:
    """End this process (after ``before_exit``, e.g. stopping its own tools) once its parent is gone.

    For a server's one-shot children: a server killed mid-request must not leave them working until
    their timeout.
    """
    parent = os.getppid()
    if parent > 1:
        _start_watchdog(parent, before_exit)


def dmypy_main(args: list[str]) -> None:
    """mypy's daemon client, whose daemon watches the process named in :data:`PARENT_PID_ENV`.

    ``dmypy`` starts its daemon by forking itself (twice, to detach); a thread does not
    survive a fork, so the watchdog is started in every forked child by an at-fork hook.
    The daemon's parent is init by then, so a parent-death signal could not work: the
    watchdog polls the server's pid instead.
    """
    parent = int(os.environ.get(PARENT_PID_ENV, "0") or 0)
    if parent > 1:
        os.register_at_fork(after_in_child=lambda: _start_watchdog(parent))
    from mypy.dmypy.client import main

    main(args)


if __name__ == "__main__" and sys.argv[1:2] == ["--dmypy"]:  # ``python -m jupyter_prod_ext.procs --dmypy ...``
    dmypy_main(sys.argv[2:])
