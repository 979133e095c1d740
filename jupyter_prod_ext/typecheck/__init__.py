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

The package: :mod:`.settings` (what a check is told and answers), :mod:`.virtual` (the notebook as
one module), :mod:`.daemon` (running mypy: cache, lock, daemon, one-shot), :mod:`.output` (mapping its
messages back to cells); the entry points are here.
"""

from __future__ import annotations

import hashlib
import time
from collections.abc import Sequence
from pathlib import Path

from ..config import ProjectConfig
from .daemon import (
    _BUSY,
    _Busy,
    _cache_path,
    _cache_problem,
    _Missing,
    _prepare_cache,
    _project_lock,
    _run_mypy,
    _Timeout,
    _Unresponsive,
)
from .daemon import UNRESPONSIVE_RETRY_SECONDS as UNRESPONSIVE_RETRY_SECONDS
from .daemon import cache_dir_for as cache_dir_for
from .daemon import cache_root as cache_root
from .daemon import shutdown_workers as shutdown_workers
from .output import _display_path, _failure_reason, _Mapper, _parse, _Raw, _same_file
from .output import without_paths as without_paths
from .settings import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT
from .settings import IGNORED_CODES as IGNORED_CODES
from .settings import IPYTHON_GLOBALS as IPYTHON_GLOBALS
from .settings import Backend as Backend
from .settings import TypeCheckResult as TypeCheckResult
from .settings import TypecheckSettings as TypecheckSettings
from .settings import TypeErrorItem as TypeErrorItem
from .settings import VirtualModule as VirtualModule
from .virtual import build_virtual_module as build_virtual_module
from .virtual import write_if_changed as write_if_changed


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

