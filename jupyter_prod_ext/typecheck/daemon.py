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
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import NamedTuple

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
    status = _status(status_file)
    if status is not None:
        kill_group_id(status[0])  # the daemon leads a session of its own (dmypy daemonizes)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.kill(status[0], signal.SIGKILL)


def shutdown_workers() -> None:
    """Stop every mypy daemon this process started (tests, server shutdown, exit)."""
    with _daemons_guard:
        items = list(_daemons.items())
    for status, (argv, cwd, env) in items:
        _kill_daemon(Path(status), argv, cwd, env)


atexit.register(shutdown_workers)


def _status(status_file: Path) -> tuple[int, str] | None:
    """The daemon's pid and IPC connection name from its status file, if it is still running."""
    try:
        data = json.loads(status_file.read_text(encoding="utf-8"))
        pid, name = data["pid"], data["connection_name"]
        if not isinstance(pid, int) or pid <= 1 or not isinstance(name, str):
            return None
        os.kill(pid, 0)
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return pid, name


def _ipc_request(status_file: Path, request: dict[str, object], timeout: float) -> tuple[int, str, str] | None:
    """A ``dmypy`` command without the client process: the same request over the daemon's socket.

    Saves a Python start-up per check. Returns None whenever the client
    process should handle it instead: no daemon yet, a restart is needed (options,
    plugins or mypy version changed), or this mypy's IPC helpers are not importable.
    Never used for ``mypy.api``: nothing here touches this process's stdout.
    """
    status = _status(status_file)
    if status is None:
        return None
    try:
        from mypy.dmypy_util import receive, send
        from mypy.ipc import IPCClient, IPCException
    except ImportError:
        return None
    response: dict[str, object] = {}
    try:
        with IPCClient(status[1], timeout) as client:
            send(client, {**request, "is_tty": False, "terminal_width": 80})
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
    out, err, code = response.get("out"), response.get("err"), response.get("status")
    if not isinstance(out, str) or not isinstance(err, str) or not isinstance(code, int):
        return None
    return code, out, err


def _ipc_run(status_file: Path, args: list[str], timeout: float) -> tuple[int, str, str] | None:
    """``dmypy run`` over the daemon's socket (see :func:`_ipc_request`)."""
    try:
        from mypy.version import __version__ as mypy_version
    except ImportError:
        return None
    request: dict[str, object] = {"command": "run", "version": mypy_version, "args": args, "export_types": False}
    return _ipc_request(status_file, request, timeout)


class MypyRun(NamedTuple):
    """What mypy answered; with the daemon, also each module it was made to read whole again."""

    rc: int
    out: str
    err: str
    #: (module file, dmypy's answer right after it re-read that module alone): see :func:`_whole_passes`
    whole: tuple[tuple[Path, str], ...] = ()


class Rewritten(NamedTuple):
    """The generated modules this check rewrote, and how to rewrite one again with the same code."""

    paths: Sequence[Path] = ()
    #: those of them whose whole-module findings are not known yet (the others' are remembered)
    passes: Sequence[Path] = ()
    #: writes the module again, different in bytes only (another trailing blank line), so dmypy re-reads it
    again: Callable[[Path], object] = lambda _path: None


#: seconds a fresh daemon's first run is assumed to take before one was measured (a notebook of 50 cells
#: importing the standard library on 2 cores: 1.4-1.8 s)
DEFAULT_BUILD_SECONDS = 1.5
#: whole-module passes measured in one check before their mean may stop them for a fresh daemon
_PASSES_BEFORE_ESTIMATE = 2


class _Costs:
    """What this project's daemon was measured to cost (``dmypy.costs`` beside its status file): a fresh
    daemon's first run (``build``: its start and cold build of the notebook and what it imports) and the
    mean of one whole-module pass (``per_pass``, None until one ran).

    Why: the modules a check must read whole again (:func:`_whole_passes`) cost one ``dmypy recheck``
    each, 10-25 ms on a warm daemon, while a fresh daemon reads every module whole in one build, 1.5 s
    for a small notebook and much more for one that imports a large library. Which is sooner depends on
    the notebook, so it is measured, not fixed (:meth:`restart_sooner`).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self.build, self.per_pass = DEFAULT_BUILD_SECONDS, None
        with contextlib.suppress(OSError, ValueError, TypeError, KeyError):
            data = json.loads(path.read_text(encoding="utf-8"))
            build, per_pass = data["build"], data["per_pass"]
            if isinstance(build, (int, float)) and build > 0:
                self.build = float(build)
            if isinstance(per_pass, (int, float)) and per_pass > 0:
                self.per_pass = float(per_pass)

    def restart_sooner(self, passes: int, per_pass: float | None = None) -> bool:
        """Whether a fresh daemon answers sooner than ``passes`` more whole-module passes would."""
        each = per_pass if per_pass is not None else self.per_pass
        return passes >= 2 and each is not None and passes * each > self.build

    def record(self, *, build: float | None = None, per_pass: float | None = None) -> None:
        self.build = build if build is not None else self.build
        self.per_pass = per_pass if per_pass is not None else self.per_pass
        with contextlib.suppress(OSError):
            self.path.write_text(json.dumps({"build": self.build, "per_pass": self.per_pass}), encoding="utf-8")


def _run_mypy(
    targets: Sequence[Path],
    project_root: Path,
    config: ProjectConfig,
    settings: TypecheckSettings,
    cache_dir: Path,
    rewritten: Rewritten | None = None,
    *,
    scale: int = 1,
) -> MypyRun:
    """mypy on ``targets`` (several notebooks' modules at once: ``scale`` times the timeout). A cancelled check (a newer one replaced it) stops a one-shot mypy at once;
    the warm daemon's run is stopped (the daemon killed) only once it has run ``settings.cancel_grace``
    seconds.

    Killing the daemon on every save would make the next check start cold, slower, and so more likely to
    be cancelled in turn. A run within its grace finishes (the lane drops its answer) and the newer check
    re-checks incrementally on the same daemon; a stuck one (a pathological plugin) is still stopped.
    """
    env = _env(project_root)
    timeout = (config.typecheck_timeout or settings.timeout) * scale
    json_output = _supports_json(settings, env, project_root, timeout)
    flags = _flags(cache_dir, config, json_output, settings, project_root)
    files = [str(t) for t in targets]
    if settings.backend == "mypy":
        argv = [*settings.mypy_argv(), *flags, *files]
        return MypyRun(*_run(argv, cwd=project_root, env=env, timeout=timeout, memory_bytes=settings.memory_bytes))
    daemon = _Daemon(settings.dmypy_argv(), cache_dir / "dmypy.json", project_root, env, timeout, settings)
    with stopped_after(settings.cancel_grace, lambda: _stop_daemon_now(daemon.status)):
        return _run_daemon(daemon, flags, files, rewritten or Rewritten())


def loaded_files(cache_dir: Path) -> list[Path]:
    """The files the project's running mypy daemon checked last (still on disk); none without a daemon.

    A check of one more file run beside them is an incremental update of the warm daemon; run alone, it
    would be a switch to another file set, which starts a fresh daemon (:func:`_many_new_files`): a cold
    build of every library the file imports (a promotion preview of a module importing IPython: 5 s).
    """
    status = cache_dir / "dmypy.json"
    if _status(status) is None:
        return []
    try:
        names = json.loads(status.with_name("dmypy.files").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    files = [Path(name) for name in names if isinstance(name, str)] if isinstance(names, list) else []
    return [path for path in files if path.is_file()]


def _file_set_change(status: Path, files: Sequence[str]) -> tuple[int, int] | None:
    """How many of ``files`` the daemon did not check last time, and how many it checked are gone.

    The files the daemon checked last are kept next to its status file (a large notebook is checked
    in a one-shot child process, see checks/isolated.py); None when there is no record.
    """
    record = status.with_name("dmypy.files")
    try:
        before: frozenset[str] | None = frozenset(json.loads(record.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        before = None
    now = frozenset(files)
    if before != now:
        record.write_text(json.dumps(sorted(now)), encoding="utf-8")
    return None if before is None else (len(now - before), len(before - now))


def _many_new_files(change: tuple[int, int] | None, files: Sequence[str]) -> bool:
    """Whether a fresh daemon checks ``files`` sooner than the running one would.

    dmypy adds or drops modules one update at a time, each paying for the whole graph: another
    notebook's thousand cell modules took 50 s that way, a fresh daemon's first build 10 s. So a
    change of more than a tenth of the files (at least 32) starts afresh; an inserted cell does not.
    So does a switch to another notebook (none of these files was checked last time), however small:
    each update pays for the graph the other notebook's imports left in the daemon (a one-cell
    notebook checked after five cells that import IPython: 7-17 s; on a fresh daemon 0.7 s).
    """
    if change is None:
        return False
    new, gone = change
    switched = gone > 0 and new == len(files)
    return switched or new + gone > max(32, len(files) // 10)


def _run_daemon(daemon: _Daemon, flags: list[str], files: list[str], rewritten: Rewritten) -> MypyRun:
    """``dmypy run`` on a daemon for these settings (restarted when it would be slower), then the
    whole-module passes a change of several modules at once needs (:func:`_whole_passes`), unless a
    fresh daemon, which reads every module whole, is measured to answer sooner (:class:`_Costs`)."""
    key = _daemon_key(daemon.argv, daemon.cwd, daemon.env)
    try:
        previous = daemon.sidecar.read_text(encoding="utf-8")
    except OSError:
        previous = None
    change = _file_set_change(daemon.status, files)
    rewritten = _passes_needed(rewritten, len(rewritten.paths) + (change[1] if change else 0))
    costs = _Costs(daemon.status.with_name("dmypy.costs"))
    if previous != key:
        daemon.kill()
        daemon.sidecar.write_text(key, encoding="utf-8")
    elif _many_new_files(change, files) or costs.restart_sooner(len(rewritten.passes)):
        daemon.kill()
    warm = previous == key and _status(daemon.status) is not None
    ran = _timed_run(daemon, flags, files, costs, ipc=previous == key, fresh=not warm)
    if not (warm and rewritten.passes):
        return ran
    whole = _whole_passes(daemon, rewritten, costs)
    if whole is None:  # the passes were measured slower than a fresh daemon: one reads every module whole
        daemon.kill()
        return _timed_run(daemon, flags, files, costs, ipc=False, fresh=True)
    return ran._replace(whole=whole)


def _timed_run(daemon: _Daemon, flags: list[str], files: list[str], costs: _Costs, *, ipc: bool, fresh: bool) -> MypyRun:
    """``dmypy run``; a fresh daemon's run is measured, the cost of the next restart (:class:`_Costs`)."""
    started = time.monotonic()
    ran = MypyRun(*daemon.run(flags, files, ipc=ipc))
    if fresh and ran.rc in (0, 1):
        costs.record(build=time.monotonic() - started)
    return ran


def _passes_needed(rewritten: Rewritten, changed: int) -> Rewritten:
    """The whole-module passes the update itself does not give: none when it changes one module only
    (it reads that one whole), except for modules it did not rewrite (a ``# type: ignore`` whose answer
    depends on the rewritten one: typecheck._whole_keys)."""
    if changed >= 2:
        return rewritten
    return rewritten._replace(passes=[path for path in rewritten.passes if path not in rewritten.paths])


def _whole_passes(daemon: _Daemon, rewritten: Rewritten, costs: _Costs) -> tuple[tuple[Path, str], ...] | None:
    """Each rewritten module whose findings are not known read whole again by the daemon, alone.

    Why: a fine-grained update (mypy/server/update.py ``FineGrainedBuildManager.update``) handles the
    changed modules one at a time, and ``update_module`` starts each with ``manager.errors.reset()``:
    the errors of the modules updated before it are dropped. At the end it re-checks every target that
    had errors (``previous_targets_with_errors``: module top levels and functions) through
    ``reprocess_nodes``, which runs the type checker's passes on those nodes only, never the
    whole-module passes ``update_module_isolated`` runs on a module it reads (used-before-def,
    possibly-undefined, unused-ignore, ignore-without-code). So of the modules one update changed only
    the last keeps those findings (and with imports followed, dmypy_server.py
    ``fine_grained_increment_follow_imports`` runs deletions as an update of their own after it, so
    none). The daemon reads again only a file whose size, mtime or hash changed, so each module is
    written again with another trailing blank line (the same code and line map) and re-checked alone:
    it is then the only module of its update.

    Each pass is timed: None (passes stopped) once the remaining ones, at the mean so far, would cost
    more than a fresh daemon's build (:meth:`_Costs.restart_sooner`).
    """
    passes = []
    started = time.monotonic()
    for done, path in enumerate(rewritten.passes):
        mean = (time.monotonic() - started) / done if done else None
        if done >= _PASSES_BEFORE_ESTIMATE and costs.restart_sooner(len(rewritten.passes) - done, mean):
            costs.record(per_pass=mean)
            return None
        rewritten.again(path)
        rc, out, _ = daemon.recheck()
        if rc in (0, 1):  # else that module keeps what the run found (the daemon restarts next time)
            passes.append((path, out))
    costs.record(per_pass=(time.monotonic() - started) / max(len(rewritten.passes), 1))
    return tuple(passes)


class _Daemon:
    """One project's mypy daemon: its client command, status file and environment."""

    def __init__(
        self, argv: list[str], status: Path, cwd: Path, env: dict[str, str], timeout: float, settings: TypecheckSettings
    ) -> None:
        self.argv, self.status, self.cwd, self.env, self.timeout = argv, status, cwd, env, timeout
        self.sidecar = status.with_name("dmypy.key")
        self.settings = settings

    def kill(self) -> None:
        _kill_daemon(self.status, self.argv, self.cwd, self.env)

    def _client(self, args: list[str]) -> tuple[int, str, str]:
        """The dmypy client process (starts the daemon when needed); a timed-out daemon is killed."""
        with _daemons_guard:
            _daemons[str(self.status)] = (self.argv, self.cwd, self.env)
        argv = [*self.argv, "--status-file", str(self.status), *args]
        try:
            return _run(argv, cwd=self.cwd, env=self.env, timeout=self.timeout, memory_bytes=self.settings.memory_bytes)
        except _Timeout:
            # The daemon may still be busy with the request: start afresh next time.
            self.kill()
            raise

    def _ipc(self, call: Callable[[], tuple[int, str, str] | None]) -> tuple[int, str, str] | None:
        if not self.settings.daemon_ipc:
            return None
        with _daemons_guard:
            _daemons[str(self.status)] = (self.argv, self.cwd, self.env)
        try:
            return call()
        except _Timeout:
            self.kill()
            raise

    def run(self, flags: list[str], files: list[str], *, ipc: bool) -> tuple[int, str, str]:
        """``dmypy run``: over the socket when the daemon runs with these settings, else the client;
        a crashed or unreachable daemon is restarted once."""
        fast = self._ipc(lambda: _ipc_run(self.status, [*flags, *files], self.timeout)) if ipc else None
        if fast is not None:
            return fast
        log = str(self.status.with_name("dmypy.log"))
        args = ["run", "--timeout", str(self.settings.daemon_idle_timeout), "--log-file", log, "--", *flags, *files]
        rc, out, err = self._client(args)
        if rc not in (0, 1) and not _has_messages(out):
            self.kill()
            rc, out, err = self._client(args)
        return rc, out, err

    def recheck(self) -> tuple[int, str, str]:
        """``dmypy recheck``: the files of the last run again, those whose size, mtime or hash changed
        read anew. Not ``--update FILE``: the daemon refuses it when it follows imports (mypy's default)."""
        request: dict[str, object] = {"command": "recheck", "export_types": False}
        fast = self._ipc(lambda: _ipc_request(self.status, request, self.timeout))
        return fast if fast is not None else self._client(["recheck"])
