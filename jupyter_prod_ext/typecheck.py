"""mypy on a notebook, in a warm worker outside the server process.

Why a separate process: ``mypy.api.run`` swaps the process-wide ``sys.stdout``,
which would garble a Jupyter server's logs and any concurrent request. Why warm:
a cold mypy run takes seconds; the readiness checks run on every save.

The notebook's code cells (already turned into plain Python by ``notebook.py``,
same line count as the cell) are concatenated into one *virtual module* kept in
a per-project cache folder outside the user's repository
(``$XDG_CACHE_HOME/jupyter_prod/<hash of the project root>/``), together with
mypy's own cache. Every message is mapped back to ``(cell, line in cell)``.

Two backends, both subprocesses with argv lists and timeouts:

* ``daemon`` (default): ``dmypy run`` against one mypy daemon per project. The
  daemon keeps the whole program in memory and re-checks only what changed; it
  restarts itself when the project's mypy configuration changes and exits after
  ``daemon_idle_timeout`` seconds without requests (and when this process exits).
* ``mypy``: ``python -m mypy`` with its incremental cache; no background process,
  which suits the one-shot CLI.

Staleness: mypy and dmypy both trust a file whose size and *whole-second* mtime
are unchanged. A same-size edit written within the same second would not be
re-checked, so every content change of the virtual module moves its mtime to a
later whole second than the previous one (see :func:`write_if_changed`).
"""

from __future__ import annotations

import ast
import atexit
import contextlib
import dataclasses
import hashlib
import json
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from .atomic import atomic_write_text
from .config import ProjectConfig
from .errors import ToolError
from .mypy_config import effective_config
from .notebook import PARSE_ERRORS, parse_python
from .procs import PARENT_PID_ENV, ProcessTimeout, run_process

try:  # POSIX: also serialise against other processes (CLI next to the server)
    import fcntl
except ImportError:  # pragma: no cover - Windows: the in-process lock only
    fcntl = None  # type: ignore[assignment]

Backend = Literal["daemon", "mypy"]

DEFAULT_TIMEOUT = 60.0
#: mypy codes that are not problems in a notebook (IPython runs top-level ``await``).
IGNORED_CODES = frozenset({"top-level-await"})
#: Names IPython provides in every kernel; declared for mypy unless a cell binds them itself.
IPYTHON_GLOBALS = ("get_ipython", "display")
_PRELUDE_ANY = "_jupyter_prod_Any"


@dataclass(frozen=True)
class TypecheckSettings:
    """How mypy is run. Comes from the server's or CLI's own settings, never from the project.

    (A project file must not choose which executable the server runs.)
    """

    backend: Backend = "daemon"
    #: argv prefix of mypy; default ``[sys.executable, "-m", "mypy"]``
    mypy_command: tuple[str, ...] | None = None
    #: argv prefix of the daemon client; default mypy.dmypy through ``procs.dmypy_main`` (its daemon dies with us)
    dmypy_command: tuple[str, ...] | None = None
    #: seconds for one mypy call; ``[tool.jupyter-prod] typecheck-timeout`` overrides it
    timeout: float = DEFAULT_TIMEOUT
    #: parent of the per-project cache folders; default ``$XDG_CACHE_HOME/jupyter_prod``
    cache_root: Path | None = None
    #: the daemon exits after this many idle seconds
    daemon_idle_timeout: int = 1800
    #: talk to a running daemon over its socket instead of starting a ``dmypy`` client process
    daemon_ipc: bool = True
    #: take the project's mypy configuration whole (plugins, python_executable: code the project
    #: chooses); otherwise only its checking options (see :mod:`.mypy_config`)
    trust_project_config: bool = False
    #: mypy plugins and the Python whose packages mypy sees: the operator's choice, never the project's
    plugins: tuple[str, ...] = ()
    python_executable: str | None = None
    #: address-space ceiling of mypy and its daemon (``RLIMIT_AS``), None for none
    memory_mib: int | None = 4096
    #: messages name no absolute path (the server: an answer must not reveal where its files and tools
    #: are); the CLI shows them, they help its user
    hide_paths: bool = False

    @property
    def memory_bytes(self) -> int | None:
        return self.memory_mib * 1024 * 1024 if self.memory_mib else None

    def mypy_argv(self) -> list[str]:
        return list(self.mypy_command or (sys.executable, "-m", "mypy"))

    def dmypy_argv(self) -> list[str]:
        """The daemon client; by default through :func:`procs.dmypy_main`, whose daemon dies with us."""
        return list(self.dmypy_command or (sys.executable, "-m", "jupyter_prod_ext.procs", "--dmypy"))


@dataclass(frozen=True)
class TypeErrorItem:
    """One mypy message. ``cell`` is None for messages about another file (see ``file``)."""

    cell: int | None
    #: 1-based line in the cell (notebook) or in ``file``
    line: int
    #: 1-based column, None when mypy gave none
    column: int | None
    #: "error" or "note"
    severity: str
    code: str | None
    message: str
    hint: str | None = None
    #: line in the virtual module / checked module
    module_line: int | None = None
    #: for messages about other files: the path, relative to the project root when inside it
    file: str | None = None


@dataclass(frozen=True)
class TypeCheckResult:
    #: False when mypy could not run (missing, crashed, timed out); ``message`` says why
    ran: bool
    errors: list[TypeErrorItem] = field(default_factory=list)
    message: str | None = None
    #: cells left out because they are not valid Python (the syntax check reports them)
    skipped_cells: list[int] = field(default_factory=list)
    seconds: float = 0.0


@dataclass(frozen=True)
class VirtualModule:
    text: str
    #: index = module line - 1 -> (cell index, 1-based line in cell), None for prelude lines
    line_map: list[tuple[int, int] | None]
    skipped_cells: list[int]


# -- virtual module -----------------------------------------------------------------------------


def _cell_lines(source: str) -> list[str]:
    # Same convention as notebook.py: a cell of n "\n"-separated pieces has n lines.
    return source.replace("\r\n", "\n").replace("\r", "\n").split("\n")


def _parse_cell(source: str) -> ast.Module | None:
    """The cell's tree, or None when it is not Python mypy could read (too deep counts too)."""
    try:
        return parse_python(source, top_level_await=True)
    except PARSE_ERRORS:
        return None


def _bound_names(source: str | ast.Module) -> set[str]:
    """Names a cell binds at module level (so the prelude does not redeclare them)."""
    tree = _parse_cell(source) if isinstance(source, str) else source
    if tree is None:
        return set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            names.add(node.id)
    return names


def build_virtual_module(cells: Sequence[tuple[int, str]]) -> VirtualModule:
    """Concatenate ``(cell index, python source)`` into one module with a line map."""
    body: list[str] = []
    line_map: list[tuple[int, int] | None] = []
    skipped: list[int] = []
    bound: set[str] = set()
    for index, source in cells:
        lines = _cell_lines(source)
        tree = _parse_cell(source)
        if tree is not None:
            bound |= _bound_names(tree)
            body.extend(lines)
        else:
            # Keep the lines (blank) so positions stay stable; the syntax check owns this cell.
            skipped.append(index)
            body.extend("" for _ in lines)
        line_map.extend((index, n) for n in range(1, len(lines) + 1))
    missing = [name for name in IPYTHON_GLOBALS if name not in bound]
    prelude: list[str] = []
    if missing:
        prelude.append(f"from typing import Any as {_PRELUDE_ANY}")
        prelude.extend(f"{name}: {_PRELUDE_ANY}" for name in missing)
    text = "\n".join(prelude + body) + "\n"
    prelude_map: list[tuple[int, int] | None] = [None] * len(prelude)
    return VirtualModule(text, prelude_map + line_map, skipped)


def write_if_changed(path: Path, text: str) -> bool:
    """Write ``text`` unless the file already holds it; return whether it was written.

    A rewrite always lands on a later whole-second mtime than the previous one,
    because mypy's cache and dmypy's watcher compare ``int(mtime)`` and size only.
    """
    try:
        previous = path.stat()
        if path.read_text(encoding="utf-8") == text:
            return False
        floor = int(previous.st_mtime) + 1
    except (OSError, UnicodeDecodeError):
        floor = 0
    atomic_write_text(path, text)
    stamp = max(int(time.time()), floor)
    os.utime(path, (stamp, stamp))
    return True


# -- cache folder, locks, workers ---------------------------------------------------------------


def cache_root(settings: TypecheckSettings | None = None) -> Path:
    if settings is not None and settings.cache_root is not None:
        return Path(settings.cache_root)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "jupyter_prod"


def cache_dir_for(project_root: Path, settings: TypecheckSettings | None = None) -> Path:
    """The project's private cache folder (outside the repository, so it never shows in git)."""
    path = _cache_path(project_root, settings)
    _prepare_cache(path, project_root)
    return path


def _cache_path(project_root: Path, settings: TypecheckSettings | None) -> Path:
    key = hashlib.sha256(str(Path(project_root).resolve()).encode("utf-8")).hexdigest()[:16]
    return cache_root(settings) / key


def _prepare_cache(path: Path, project_root: Path) -> None:
    path.mkdir(parents=True, exist_ok=True)
    marker = path / "project.txt"
    if not marker.exists():
        marker.write_text(str(Path(project_root).resolve()) + "\n", encoding="utf-8")


def _cache_problem(cache_dir: Path, exc: OSError) -> str:
    return (
        f"The type check could not run: its cache folder {cache_dir} is not writable "
        f"({exc.strerror or exc}); set XDG_CACHE_HOME to a writable folder."
    )


_locks: dict[str, threading.Lock] = {}
_locks_guard = threading.Lock()


class _Busy(Exception):
    pass


_BUSY = "The type check could not run: another type check of this project is still busy."


@contextlib.contextmanager
def _project_lock(cache_dir: Path, timeout: float) -> Iterator[None]:
    """One mypy at a time per project cache, across threads and processes."""
    with _locks_guard:
        lock = _locks.setdefault(str(cache_dir), threading.Lock())
    if not lock.acquire(timeout=timeout):
        raise _Busy
    try:
        if fcntl is None:  # pragma: no cover
            yield
            return
        with open(cache_dir / "lock", "a+b") as fh:
            deadline = time.monotonic() + timeout
            while True:
                try:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise _Busy from None
                    time.sleep(0.05)
            try:
                yield
            finally:
                fcntl.flock(fh.fileno(), fcntl.LOCK_UN)
    finally:
        lock.release()


class _Timeout(Exception):
    pass


class _Missing(Exception):
    pass


def _run(
    argv: list[str], *, cwd: Path, env: dict[str, str], timeout: float, memory_bytes: int | None = None
) -> tuple[int, str, str]:
    """Run argv through the package's one process runner (group killed on timeout, memory capped)."""
    try:
        res = run_process(argv, cwd=cwd, env=env, timeout=timeout, what="mypy", memory_bytes=memory_bytes)
    except ProcessTimeout:
        raise _Timeout from None
    except ToolError as exc:
        raise _Missing(f"{argv[0]}: {exc.message}") from None
    return res.returncode, res.out, res.err


_json_support: dict[tuple[str, ...], bool] = {}
#: mypy commands whose ``--help`` did not answer: argv -> (time.monotonic() then, seconds waited)
_unresponsive: dict[tuple[str, ...], tuple[float, float]] = {}
_json_guard = threading.Lock()
#: How long a mypy command that did not answer its ``--help`` probe is not tried again.
UNRESPONSIVE_RETRY_SECONDS = 300.0


class _Unresponsive(Exception):
    """The command's probe timed out recently: fail fast instead of waiting for it again."""

    def __init__(self, waited: float, retry_in: float) -> None:
        super().__init__(waited, retry_in)
        self.waited = waited
        self.retry_in = retry_in


def _supports_json(settings: TypecheckSettings, env: dict[str, str], cwd: Path, timeout: float) -> bool:
    """Whether this mypy has ``--output json`` (checked once per mypy command).

    The probe is bounded by the check's own ``timeout`` (the project's typecheck-timeout
    when it sets one). A probe that timed out is remembered for
    :data:`UNRESPONSIVE_RETRY_SECONDS`: a hung mypy costs one timeout, then the next
    checks answer at once (``_Unresponsive``) instead of waiting again on every save. A
    longer timeout than the one that failed probes again. Raises ``_Timeout`` like :func:`_run`.
    """
    argv = settings.mypy_argv()
    key = tuple(argv)
    with _json_guard:
        if key in _json_support:
            return _json_support[key]
        failed = _unresponsive.get(key)
        if failed is not None:
            when, waited = failed
            age = time.monotonic() - when
            if age < UNRESPONSIVE_RETRY_SECONDS and timeout <= waited:
                raise _Unresponsive(waited, UNRESPONSIVE_RETRY_SECONDS - age)
    probe_timeout = min(timeout, 30.0)
    try:
        rc, out, _ = _run([*argv, "--help"], cwd=cwd, env=env, timeout=probe_timeout)
    except _Timeout:
        with _json_guard:
            _unresponsive[key] = (time.monotonic(), probe_timeout)
        raise
    except _Missing:
        return False  # the run itself says so (the daemon backend may not need this command)
    supported = rc == 0 and "--output" in out
    with _json_guard:
        _json_support[key] = supported
        _unresponsive.pop(key, None)
    return supported


def _env(project_root: Path) -> dict[str, str]:
    env = dict(os.environ)
    parts = [str(project_root)]
    if (project_root / "src").is_dir():
        parts.append(str(project_root / "src"))
    if env.get("MYPYPATH"):
        parts.append(env["MYPYPATH"])
    env["MYPYPATH"] = os.pathsep.join(parts)
    env.pop("PYTHONSTARTUP", None)
    env[PARENT_PID_ENV] = str(os.getpid())  # the daemon watches this process (see procs.dmypy_main)
    return env


def _flags(
    cache_dir: Path, config: ProjectConfig, json_output: bool, settings: TypecheckSettings, project_root: Path
) -> list[str]:
    """mypy's command line; ``--config-file`` always, so mypy never picks up a project file by itself."""
    effective = effective_config(
        config.mypy_config_file,
        project_root,
        cache_dir,
        trust=settings.trust_project_config,
        plugins=settings.plugins,
        python_executable=settings.python_executable,
    )
    flags = [
        "--show-column-numbers",
        "--show-error-codes",
        "--no-error-summary",
        "--hide-error-context",
        "--show-absolute-path",
        "--no-pretty",
        "--no-color-output",
        "--cache-dir",
        str(cache_dir / ".mypy_cache"),
    ]
    if json_output:
        flags[:0] = ["--output", "json"]
    return [*flags, "--config-file", str(effective)]


#: daemons this process started: status file -> (dmypy argv, cwd, env); killed at exit
_daemons: dict[str, tuple[list[str], Path, dict[str, str]]] = {}
_daemons_guard = threading.Lock()


def _daemon_key(argv: list[str], cwd: Path, env: dict[str, str]) -> str:
    # What `dmypy run` cannot notice by itself: which mypy, which cwd, which MYPYPATH.
    return json.dumps([argv, str(cwd), env.get("MYPYPATH", "")])


def _kill_daemon(status_file: Path, argv: list[str], cwd: Path, env: dict[str, str]) -> None:
    if status_file.exists():
        with contextlib.suppress(_Missing, _Timeout):
            _run([*argv, "--status-file", str(status_file), "kill"], cwd=cwd, env=env, timeout=15)
        with contextlib.suppress(OSError):
            status_file.unlink()
    with _daemons_guard:
        _daemons.pop(str(status_file), None)


def shutdown_workers() -> None:
    """Stop every mypy daemon this process started (tests, server shutdown, exit)."""
    with _daemons_guard:
        items = list(_daemons.items())
    for status, (argv, cwd, env) in items:
        _kill_daemon(Path(status), argv, cwd, env)


atexit.register(shutdown_workers)


def _ipc_run(status_file: Path, args: list[str], timeout: float) -> tuple[int, str, str] | None:
    """``dmypy run`` without the client process: the same request over the daemon's socket.

    Saves a Python start-up per check. Returns None whenever the client
    process should handle it instead: no daemon yet, a restart is needed (options,
    plugins or mypy version changed), or this mypy's IPC helpers are not importable.
    Never used for ``mypy.api``: nothing here touches this process's stdout.
    """
    if not status_file.is_file():
        return None
    try:
        from mypy.dmypy_util import receive, send
        from mypy.ipc import IPCClient, IPCException
        from mypy.version import __version__ as mypy_version
    except ImportError:
        return None
    try:
        data = json.loads(status_file.read_text(encoding="utf-8"))
        name = data["connection_name"]
        pid = data["pid"]
        if not isinstance(name, str) or not isinstance(pid, int):
            return None
        os.kill(pid, 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    request = {
        "command": "run",
        "version": mypy_version,
        "args": args,
        "export_types": False,
        "is_tty": False,
        "terminal_width": 80,
    }
    response: dict[str, object] = {}
    try:
        with IPCClient(name, timeout) as client:
            send(client, request)
            final = False
            while not final:
                response = receive(client)
                final = bool(response.pop("final", False))
    except TimeoutError:
        raise _Timeout from None
    except (OSError, IPCException):
        return None
    if "restart" in response or "error" in response:
        return None
    out, err, status = response.get("out"), response.get("err"), response.get("status")
    if not isinstance(out, str) or not isinstance(err, str) or not isinstance(status, int):
        return None
    return status, out, err


def _run_mypy(
    target: Path, project_root: Path, config: ProjectConfig, settings: TypecheckSettings, cache_dir: Path
) -> tuple[int, str, str]:
    env = _env(project_root)
    timeout = config.typecheck_timeout or settings.timeout
    flags = _flags(cache_dir, config, _supports_json(settings, env, project_root, timeout), settings, project_root)
    if settings.backend == "mypy":
        return _run(
            [*settings.mypy_argv(), *flags, str(target)],
            cwd=project_root,
            env=env,
            timeout=timeout,
            memory_bytes=settings.memory_bytes,
        )
    argv = settings.dmypy_argv()
    status = cache_dir / "dmypy.json"
    sidecar = cache_dir / "dmypy.key"
    key = _daemon_key(argv, project_root, env)
    try:
        previous = sidecar.read_text(encoding="utf-8")
    except OSError:
        previous = None
    if previous != key:
        _kill_daemon(status, argv, project_root, env)
        sidecar.write_text(key, encoding="utf-8")
    run_argv = [
        *argv,
        "--status-file",
        str(status),
        "run",
        "--timeout",
        str(settings.daemon_idle_timeout),
        "--log-file",
        str(cache_dir / "dmypy.log"),
        "--",
        *flags,
        str(target),
    ]
    with _daemons_guard:
        _daemons[str(status)] = (argv, project_root, env)
    if settings.daemon_ipc and previous == key:
        try:
            fast = _ipc_run(status, [*flags, str(target)], timeout)
        except _Timeout:
            _kill_daemon(status, argv, project_root, env)
            raise
        if fast is not None:
            return fast
    try:
        rc, out, err = _run(run_argv, cwd=project_root, env=env, timeout=timeout, memory_bytes=settings.memory_bytes)
    except _Timeout:
        # The daemon may still be busy with the request: start afresh next time.
        _kill_daemon(status, argv, project_root, env)
        raise
    if rc not in (0, 1) and not _has_messages(out):
        # Crashed or unreachable daemon: one restart, then give up.
        _kill_daemon(status, argv, project_root, env)
        with _daemons_guard:
            _daemons[str(status)] = (argv, project_root, env)
        try:
            rc, out, err = _run(run_argv, cwd=project_root, env=env, timeout=timeout, memory_bytes=settings.memory_bytes)
        except _Timeout:
            _kill_daemon(status, argv, project_root, env)
            raise
    return rc, out, err


# -- output parsing -----------------------------------------------------------------------------

_TEXT_RE = re.compile(
    r"^(?P<file>.+?):(?P<line>\d+):(?:(?P<col>\d+):)? (?P<sev>error|note|warning): "
    r"(?P<msg>.*?)(?:  \[(?P<code>[a-z0-9-]+)\])?$"
)


@dataclass(frozen=True)
class _Raw:
    file: str
    line: int
    column: int | None
    severity: str
    code: str | None
    message: str
    hint: str | None


def _parse_line(line: str) -> _Raw | None:
    line = line.rstrip("\r")
    if line.startswith("{"):
        try:
            data = json.loads(line)
        except ValueError:
            return None
        if not isinstance(data, dict) or "file" not in data or "line" not in data:
            return None
        column = data.get("column")
        return _Raw(
            file=str(data["file"]),
            line=max(int(data["line"]), 1),
            # mypy's JSON columns are 0-based; ours are 1-based like the text output
            column=int(column) + 1 if isinstance(column, int) and column >= 0 else None,
            severity=str(data.get("severity") or "error"),
            code=data.get("code") or None,
            message=str(data.get("message", "")),
            hint=data.get("hint") or None,
        )
    match = _TEXT_RE.match(line)
    if match is None:
        return None
    return _Raw(
        file=match["file"],
        line=max(int(match["line"]), 1),
        column=int(match["col"]) if match["col"] else None,
        severity=match["sev"],
        code=match["code"],
        message=match["msg"],
        hint=None,
    )


_Mapper = Callable[[_Raw], list[TypeErrorItem]]


def _has_messages(out: str) -> bool:
    return any(_parse_line(line) is not None for line in out.splitlines())


def _parse(out: str) -> list[_Raw]:
    raws: list[_Raw] = []
    for line in out.splitlines():
        raw = _parse_line(line)
        if raw is None:
            continue
        if raw.severity == "note" and raws and raws[-1].line == raw.line and raws[-1].file == raw.file:
            # Text output: a note right after its error is the error's hint.
            if raws[-1].severity == "error" and raws[-1].hint is None and not line.startswith("{"):
                raws[-1] = dataclasses.replace(raws[-1], hint=raw.message)
                continue
        raws.append(raw)
    return raws


def _failure_reason(rc: int, out: str, err: str) -> str:
    lines = [ln.strip() for ln in (err + "\n" + out).splitlines() if ln.strip()]
    interesting = [ln for ln in lines if not ln.startswith(("Daemon started", "Restarting", "Traceback"))]
    detail = (interesting[-1] if interesting else f"exit status {rc}")[:300]
    return f"mypy failed (exit status {rc}): {detail}"


def _abs(file: str, project_root: Path) -> Path:
    # mypy runs with cwd = project root: a relative path in its output is relative to that.
    path = Path(file)
    return (path if path.is_absolute() else project_root / path).resolve()


def _same_file(file: str, target: Path, project_root: Path) -> bool:
    try:
        return _abs(file, project_root) == target.resolve()
    except OSError:
        return False


def _display_path(file: str, project_root: Path) -> str:
    """Relative to the project inside it; outside it (a stub in site-packages) the file name only."""
    path = _abs(file, project_root)
    try:
        return path.relative_to(project_root.resolve()).as_posix()
    except ValueError:
        return path.name


#: an absolute POSIX path in a tool's message (group 1: its last component)
_ABS_PATH = re.compile(r"(?<![\w.~/])/(?:[^\s'\":,()\[\]/]+/)+([^\s'\":,()\[\]/]*)")


def without_paths(text: str, project_root: Path) -> str:
    """``text`` without absolute paths: relative inside the project, the file name elsewhere.

    mypy's messages name its executable, its cache and the checked files by absolute path; an
    answer of the server must not reveal where its files (or its tools) are.
    """
    for root in dict.fromkeys((str(project_root), str(Path(project_root).resolve()))):
        if len(root) > 1:
            text = text.replace(root + "/", "")
    return _ABS_PATH.sub(lambda m: m.group(1) or "/", text)


# -- public entry points --------------------------------------------------------------------------


def _check(
    target: Path,
    project_root: Path,
    config: ProjectConfig,
    settings: TypecheckSettings,
    cache_dir: Path,
    mapper: _Mapper,
) -> tuple[bool, list[TypeErrorItem], str | None]:
    timeout = config.typecheck_timeout or settings.timeout
    try:
        rc, out, err = _run_mypy(target, project_root, config, settings, cache_dir)
    except _Missing as exc:
        return False, [], f"The type check could not run: mypy is not available ({exc})."
    except _Timeout:
        return (
            False,
            [],
            f"The type check could not run: mypy took longer than {timeout:g} s and was stopped.",
        )
    except _Unresponsive as exc:
        return (
            False,
            [],
            f"The type check could not run: mypy did not answer within {exc.waited:g} s last time; "
            f"it is tried again in {max(exc.retry_in, 1):.0f} s or with a longer typecheck-timeout.",
        )
    raws = _parse(out)
    if rc not in (0, 1) and not raws:
        return False, [], "The type check could not run: " + _failure_reason(rc, out, err)
    if rc == 1 and not raws:
        # e.g. "No module named mypy": exit 1 without a single message
        return False, [], "The type check could not run: " + _failure_reason(rc, out, err)
    items = [item for raw in raws if raw.code not in IGNORED_CODES for item in mapper(raw)]
    return True, items, None


def typecheck_cells(
    cells: Sequence[tuple[int, str]],
    project_root: Path,
    config: ProjectConfig,
    *,
    name: str = "notebook",
    settings: TypecheckSettings | None = None,
) -> TypeCheckResult:
    """Type-check a notebook's code cells, given as ``(cell index, python source)``.

    ``name`` identifies the notebook inside the project (its relative path), so
    two notebooks keep two virtual modules. Never raises for tool problems:
    ``ran=False`` with a one-line ``message`` instead.
    """
    settings = settings or TypecheckSettings()
    started = time.monotonic()
    project_root = Path(project_root).resolve()
    cache_dir = _cache_path(project_root, settings)
    module = build_virtual_module(cells)
    digest = hashlib.sha256(name.encode("utf-8")).hexdigest()[:16]
    target = cache_dir / f"jupyter_prod_nb_{digest}.py"

    def mapper(raw: _Raw) -> list[TypeErrorItem]:
        if _same_file(raw.file, target, project_root):
            if raw.line > len(module.line_map):
                return []
            where = module.line_map[raw.line - 1]
            if where is None:  # our prelude
                return []
            cell, line = where
            return [
                TypeErrorItem(cell, line, raw.column, raw.severity, raw.code, raw.message, raw.hint, raw.line)
            ]
        return [
            TypeErrorItem(
                None,
                raw.line,
                raw.column,
                raw.severity,
                raw.code,
                raw.message,
                raw.hint,
                None,
                _display_path(raw.file, project_root),
            )
        ]

    timeout = config.typecheck_timeout or settings.timeout
    try:
        _prepare_cache(cache_dir, project_root)
        with _project_lock(cache_dir, timeout):
            write_if_changed(target, module.text)
            ran, items, message = _check(target, project_root, config, settings, cache_dir, mapper)
    except _Busy:
        ran, items, message = False, [], _BUSY
    except OSError as exc:
        ran, items, message = False, [], _cache_problem(cache_dir, exc)
    shown = without_paths(message, project_root) if message and settings.hide_paths else message
    return TypeCheckResult(ran, items, shown, module.skipped_cells, time.monotonic() - started)


def check_module_file(
    path: Path,
    project_root: Path,
    config: ProjectConfig,
    *,
    settings: TypecheckSettings | None = None,
) -> TypeCheckResult:
    """Type-check one ``.py`` file of the project (promotion's generated module).

    Messages about ``path`` have ``cell=None``, ``line`` = ``module_line`` and
    ``file`` = its path relative to the project root.
    """
    settings = settings or TypecheckSettings()
    started = time.monotonic()
    project_root = Path(project_root).resolve()
    target = Path(path).resolve()
    cache_dir = _cache_path(project_root, settings)

    def mapper(raw: _Raw) -> list[TypeErrorItem]:
        own = _same_file(raw.file, target, project_root)
        return [
            TypeErrorItem(
                None,
                raw.line,
                raw.column,
                raw.severity,
                raw.code,
                raw.message,
                raw.hint,
                raw.line if own else None,
                _display_path(raw.file, project_root),
            )
        ]

    timeout = config.typecheck_timeout or settings.timeout
    try:
        _prepare_cache(cache_dir, project_root)
        with _project_lock(cache_dir, timeout):
            ran, items, message = _check(target, project_root, config, settings, cache_dir, mapper)
    except _Busy:
        ran, items, message = False, [], _BUSY
    except OSError as exc:
        ran, items, message = False, [], _cache_problem(cache_dir, exc)
    shown = without_paths(message, project_root) if message and settings.hide_paths else message
    return TypeCheckResult(ran, items, shown, [], time.monotonic() - started)
