"""Running mypy: the per-project cache folder and lock, the warm ``dmypy`` daemon (with its private IPC)
and the one-shot ``mypy`` backend, both subprocesses with argv lists and timeouts.
"""

from __future__ import annotations

import atexit
import contextlib
import hashlib
import json
import os
import signal
import threading
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

from ..config import ProjectConfig
from ..errors import ToolError
from ..locks import LockTimeout, exclusive
from ..mypy_config import effective_config
from ..procs import PARENT_PID_ENV, ProcessTimeout, kill_group_id, run_process, stopped_after
from .output import _has_messages
from .settings import TypecheckSettings


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


class _Busy(Exception):
    pass


_BUSY = "The type check could not run: another type check of this project is still busy."


@contextlib.contextmanager
def _project_lock(cache_dir: Path, timeout: float) -> Iterator[None]:
    """One mypy at a time per project cache, across threads and processes."""
    try:
        with exclusive(f"typecheck:{cache_dir}", cache_dir / "lock", timeout):
            yield
    except LockTimeout:
        raise _Busy from None


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
    # the daemon watches this process (see procs.dmypy_main); a check in a child process
    # (checks.isolated) names the server instead, which outlives it
    env.setdefault(PARENT_PID_ENV, str(os.getpid()))
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


def _stop_daemon_now(status_file: Path) -> None:
    """SIGKILL the daemon named in ``status_file`` (signals only: safe from the server's event loop).

    A cancelled check past its grace must stop the daemon's work, not only its client: the daemon answers
    one request at a time, so the newer check would otherwise wait for the stuck one. The next
    ``dmypy run`` finds the daemon dead and starts another.
    """
    try:
        pid = json.loads(status_file.read_text(encoding="utf-8"))["pid"]
    except (OSError, ValueError, KeyError, TypeError):
        return
    if isinstance(pid, int) and pid > 1:
        kill_group_id(pid)  # the daemon leads a session of its own (dmypy daemonizes)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(pid, signal.SIGKILL)


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
    targets: Sequence[Path], project_root: Path, config: ProjectConfig, settings: TypecheckSettings, cache_dir: Path
) -> tuple[int, str, str]:
    """mypy on ``targets``. A cancelled check (a newer one replaced it) stops a one-shot mypy at once;
    the warm daemon's run is stopped (the daemon killed) only once it has run ``settings.cancel_grace``
    seconds.

    Killing the daemon on every save would make the next check start cold, slower, and so more likely to
    be cancelled in turn. A run within its grace finishes (the lane drops its answer) and the newer check
    re-checks incrementally on the same daemon; a stuck one (a pathological plugin) is still stopped.
    """
    if settings.backend == "mypy":
        return _run_backend(targets, project_root, config, settings, cache_dir)
    with stopped_after(settings.cancel_grace, lambda: _stop_daemon_now(cache_dir / "dmypy.json")):
        return _run_backend(targets, project_root, config, settings, cache_dir)


def _many_new_files(status: Path, files: Sequence[str]) -> bool:
    """Whether a fresh daemon checks ``files`` sooner than the running one would.

    dmypy adds or drops modules one update at a time, each paying for the whole graph: another
    notebook's thousand cell modules took 50 s that way, a fresh daemon's first build 10 s. So a
    change of more than a tenth of the files (at least 32) starts afresh; an inserted cell does not.
    The files the daemon checked last are kept next to its status file (a large notebook is checked
    in a one-shot child process, see checks/isolated.py).
    """
    record = status.with_name("dmypy.files")
    try:
        before: frozenset[str] | None = frozenset(json.loads(record.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        before = None
    now = frozenset(files)
    if before != now:
        record.write_text(json.dumps(sorted(now)), encoding="utf-8")
    return before is not None and len(before ^ now) > max(32, len(now) // 10)


def _run_backend(
    targets: Sequence[Path], project_root: Path, config: ProjectConfig, settings: TypecheckSettings, cache_dir: Path
) -> tuple[int, str, str]:
    env = _env(project_root)
    files = [str(t) for t in targets]
    timeout = config.typecheck_timeout or settings.timeout
    flags = _flags(cache_dir, config, _supports_json(settings, env, project_root, timeout), settings, project_root)
    if settings.backend == "mypy":
        return _run(
            [*settings.mypy_argv(), *flags, *files],
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
    elif _many_new_files(status, files):
        _kill_daemon(status, argv, project_root, env)
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
        *files,
    ]
    with _daemons_guard:
        _daemons[str(status)] = (argv, project_root, env)
    if settings.daemon_ipc and previous == key:
        try:
            fast = _ipc_run(status, [*flags, *files], timeout)
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
