"""mypy on a notebook, in a warm worker outside the server process.

Why a separate process: ``mypy.api.run`` swaps the process-wide ``sys.stdout``,
which would garble a Jupyter server's logs and any concurrent request. Why warm:
a cold mypy run takes seconds; the readiness checks run on every save.

The notebook's code cells (already turned into plain Python by ``notebook.py``,
same line count as the cell) become generated modules kept in a per-project cache
folder outside the user's repository (``$XDG_CACHE_HOME/jupyter_prod/<hash of the
project root>/``), together with mypy's own cache: by default one module per cell,
chained by imports (:mod:`.cells`, so a one-cell edit re-checks little), or one
*virtual module* for the whole notebook (``layout="module"``). Every message is
mapped back to ``(cell, line in cell)``.

Two backends, both subprocesses with argv lists and timeouts:

* ``daemon`` (default): ``dmypy run`` against one mypy daemon per project. The
  daemon keeps the whole program in memory and re-checks only what changed; it
  restarts itself when the project's mypy configuration changes and exits after
  ``daemon_idle_timeout`` seconds without requests (and when this process exits).
* ``mypy``: ``python -m mypy`` with its incremental cache; no background process,
  which suits the one-shot CLI.

Staleness: mypy and dmypy both trust a file whose size and *whole-second* mtime
are unchanged. A same-size edit written within the same second would not be
re-checked, so every content change of a generated module moves its mtime to a
later whole second than the previous one (see :func:`write_if_changed`), each
module on its own.

The package: :mod:`.settings` (what a check is told and answers), :mod:`.virtual` (the notebook as
one module), :mod:`.cells` (the notebook as a chain of cell modules), :mod:`.daemon` (running mypy:
cache, lock, daemon, one-shot), :mod:`.output` (mapping its messages back to cells), :mod:`.batch` (the
CLI's notebooks answered by one mypy run, :func:`typecheck_notebooks`); the entry points are here, one
pipeline of named steps (:func:`_run_plan`).
"""

from __future__ import annotations

import ast
import hashlib
import json
import os
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..atomic import atomic_write_text
from ..config import ProjectConfig
from ..errors import ProdError
from ..lru import LockedLRU
from ..mypy_config import mypy_path_dirs
from ..notebook import PARSE_ERRORS, parse_python
from . import batch
from .cells import MODULE_PREFIX, CellChain, ChainModule, build_cell_chain
from .daemon import (
    _BUSY,
    MypyRun,
    Rewritten,
    _Busy,
    _cache_path,
    _cache_problem,
    _Missing,
    _prepare_cache,
    _project_lock,
    _run_mypy,
    _Timeout,
    _Unresponsive,
    loaded_files,
)
from .daemon import UNRESPONSIVE_RETRY_SECONDS as UNRESPONSIVE_RETRY_SECONDS
from .daemon import cache_dir_for as cache_dir_for
from .daemon import cache_root as cache_root
from .daemon import shutdown_workers as shutdown_workers
from .output import LineMap, _failure_reason, _Mapper, _parse, _Raw, cells_mapper, file_mapper
from .output import without_paths as without_paths
from .settings import DEFAULT_CANCEL_GRACE as DEFAULT_CANCEL_GRACE
from .settings import DEFAULT_TIMEOUT as DEFAULT_TIMEOUT
from .settings import IGNORED_CODES as IGNORED_CODES
from .settings import IPYTHON_GLOBALS as IPYTHON_GLOBALS
from .settings import Backend as Backend
from .settings import Layout as Layout
from .settings import TypeCheckResult as TypeCheckResult
from .settings import TypecheckSettings as TypecheckSettings
from .settings import TypeErrorItem as TypeErrorItem
from .settings import VirtualModule as VirtualModule
from .virtual import build_virtual_module as build_virtual_module
from .virtual import write_if_changed as write_if_changed

#: findings of the modules the daemon was made to read whole again, by module file (daemon.MypyRun.whole)
Whole = Mapping[Path, list[TypeErrorItem]]


def _same(items: list[TypeErrorItem], _whole: Whole) -> list[TypeErrorItem]:
    return items


@dataclass
class _Plan:
    """One type check: the files mypy checks, how they are written, how its messages are read."""

    targets: list[Path]
    mapper: _Mapper
    #: writes the generated files (under the project's lock), answers those it rewrote; nothing for a
    #: file of the project
    write: Callable[[], Rewritten] = Rewritten
    skipped_cells: list[int] = field(default_factory=list)
    #: the findings once mypy ran, amended (the cell layout keeps dmypy's whole-module findings)
    after: Callable[[list[TypeErrorItem], Whole], list[TypeErrorItem]] = _same


def _mypy_run(
    plan: _Plan, rewritten: Rewritten, root: Path, config: ProjectConfig, settings: TypecheckSettings, cache: Path
) -> MypyRun | str:
    """mypy on the plan's targets, or why it could not run (one line)."""
    timeout = config.typecheck_timeout or settings.timeout
    try:
        return _run_mypy(plan.targets, root, config, settings, cache, rewritten)
    except _Missing as exc:
        return f"The type check could not run: mypy is not available ({exc})."
    except _Timeout:
        return f"The type check could not run: mypy took longer than {timeout:g} s and was stopped."
    except _Unresponsive as exc:
        return (
            f"The type check could not run: mypy did not answer within {exc.waited:g} s last time; "
            f"it is tried again in {max(exc.retry_in, 1):.0f} s or with a longer typecheck-timeout."
        )


def _check(
    plan: _Plan, rewritten: Rewritten, root: Path, config: ProjectConfig, settings: TypecheckSettings, cache: Path
) -> tuple[bool, list[TypeErrorItem], str | None]:
    """Run mypy on the plan's targets and map its messages; a tool problem is a one-line message."""
    if not plan.targets:  # every cell left out (syntax errors): nothing for mypy to read
        return True, [], None
    run = _mypy_run(plan, rewritten, root, config, settings, cache)
    if isinstance(run, str):
        return False, [], run
    raws = _parse(run.out)
    if run.rc not in (0, 1) and not raws:
        return False, [], "The type check could not run: " + _failure_reason(run.rc, run.out, run.err)
    if run.rc == 1 and not raws:
        # e.g. "No module named mypy": exit 1 without a single message
        return False, [], "The type check could not run: " + _failure_reason(run.rc, run.out, run.err)
    items = [item for raw in raws if raw.code not in IGNORED_CODES for item in plan.mapper(raw)]
    whole = {path: [item for raw in _parse(out) for item in plan.mapper(raw)] for path, out in run.whole}
    return True, plan.after(items, whole), None


def _run_plan(
    plan_for: Callable[[Path], _Plan], project_root: Path, config: ProjectConfig, settings: TypecheckSettings
) -> TypeCheckResult:
    """The pipeline every check goes through: locate the cache, plan, lock, write, check, answer."""
    started = time.monotonic()
    project_root = Path(project_root).resolve()
    cache_dir = _cache_path(project_root, settings)
    timeout = config.typecheck_timeout or settings.timeout
    skipped: list[int] = []
    try:
        _prepare_cache(cache_dir, project_root)
        plan = plan_for(cache_dir)
        skipped = plan.skipped_cells
        with _project_lock(cache_dir, timeout):
            rewritten = plan.write()
            ran, items, message = _check(plan, rewritten, project_root, config, settings, cache_dir)
    except _Busy:
        ran, items, message = False, [], _BUSY
    except OSError as exc:
        ran, items, message = False, [], _cache_problem(cache_dir, exc)
    shown = without_paths(message, project_root) if message and settings.hide_paths else message
    return TypeCheckResult(ran, items, shown, skipped, time.monotonic() - started)


def _module_plan(cells: Sequence[tuple[int, str]], cache_dir: Path, digest: str, project_root: Path) -> _Plan:
    """The whole notebook as one virtual module."""
    module = build_virtual_module(cells)
    target = (cache_dir / f"jupyter_prod_nb_{digest}.py").resolve()
    return _Plan(
        [target],
        cells_mapper({target: module.line_map}, project_root),
        lambda: Rewritten([target] if write_if_changed(target, module.text, durable=False) else []),
        module.skipped_cells,
    )


#: a generated cell module no longer in the notebook is deleted once its mtime is this old, so a later
#: module of the same name always gets a later mtime than anything mypy cached for the old one
_STALE_SECONDS = 2.0


def _holds(path: Path, text: str) -> bool:
    """Whether the module file holds ``text``, or the same with one more trailing blank line
    (:func:`_write_again`)."""
    try:
        return path.read_text(encoding="utf-8") in (text, text + "\n")
    except (OSError, UnicodeDecodeError):
        return False


def _write_again(path: Path, text: str) -> None:
    """The module with one trailing blank line more or less than the file holds: the same code and line
    map in other bytes, which the mypy daemon reads whole again (daemon.Rewritten)."""
    try:
        again = text if path.read_text(encoding="utf-8") != text else text + "\n"
    except (OSError, UnicodeDecodeError):
        again = text
    write_if_changed(path, again, durable=False)


def _write_modules(folder: Path, texts: dict[Path, str]) -> list[Path]:
    """Write the chain's modules that changed (each on its own mtime rule), drop stale ones, answer the
    ones written."""
    folder.mkdir(exist_ok=True)
    written = [path for path, text in texts.items() if not _holds(path, text)]
    for path in written:
        write_if_changed(path, texts[path], durable=False)
    horizon = time.time() - _STALE_SECONDS
    with os.scandir(folder) as entries:
        stale = [
            Path(e.path)
            for e in entries
            if e.name.endswith(".py") and Path(e.path) not in texts and e.stat().st_mtime < horizon
        ]
    for path in stale:
        path.unlink(missing_ok=True)
    return written


#: codes mypy computes only when it reads a module whole. dmypy's fine-grained update re-checks the
#: top level of every module that had errors last time (and of modules whose names changed) without
#: that pass (mypy/server/update.py ``reprocess_nodes``), which drops these findings from an unchanged
#: cell's module. They depend on the module's own text, so they are remembered per module text. Of
#: several modules rewritten at once (a moved, inserted or deleted cell changes several headers) one
#: update keeps them for one module only: each is then read whole again alone (daemon._whole_passes).
#: Whether a ``# type: ignore`` is used depends on other cells: such a module's key covers the modules
#: it imports from (:func:`_whole_keys`), so an edit of one of them reads it whole again too.
WHOLE_MODULE_CODES = frozenset({"used-before-def", "possibly-undefined", "unused-ignore", "ignore-without-code"})
#: in a notebook's module folder: module name -> [hash of its text, its whole-module findings]; a file,
#: not memory, because a large notebook is checked in a one-shot child process (checks/isolated.py)
WHOLE_MODULE_FILE = "whole-module-findings.json"
_Kept = list[list[object]]


def _read_kept(path: Path) -> dict[str, tuple[str, _Kept]]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return {str(k): (str(v[0]), list(v[1])) for k, v in data.items()}
    except (OSError, ValueError, TypeError, AttributeError, IndexError, KeyError):
        return {}


def _kept_item(row: list[object], where: tuple[int, int]) -> TypeErrorItem | None:
    """A remembered finding at its module line's current cell and line (None if the row is damaged)."""
    if len(row) != 6:
        return None
    line, column, severity, code, message, hint = row
    return TypeErrorItem(
        where[0],
        where[1],
        column if isinstance(column, int) else None,
        str(severity),
        str(code),
        str(message),
        str(hint) if hint else None,
        line if isinstance(line, int) else None,
    )


def _whole_rows(items: Sequence[TypeErrorItem], module_of: Mapping[int, str]) -> dict[str, _Kept]:
    """The whole-module findings among ``items``, as rows by module name."""
    found: dict[str, _Kept] = {}
    for item in items:
        if item.code in WHOLE_MODULE_CODES and item.cell is not None:
            row: list[object] = [item.module_line, item.column, item.severity, item.code, item.message, item.hint]
            found.setdefault(module_of.get(item.cell, ""), []).append(row)
    return found


def _whole_key(module: ChainModule) -> str:
    """What a module's whole-module findings depend on: its text, without the names of the modules its
    header imports from unless it has a ``# type: ignore`` (whether one is used depends on their types).

    So a moved, inserted or deleted cell that only changes where later cells import a name from (the
    usual case) leaves their findings known: they need no whole-module pass (daemon._whole_passes).
    used-before-def and possibly-undefined follow from the module's own statements alone.
    """
    text = module.text
    if "ignore" not in text:
        lines = text.split("\n")
        for i, where in enumerate(module.line_map):
            if where is None and lines[i].startswith(f"from {MODULE_PREFIX}"):
                lines[i] = "from _ import " + lines[i].split(" import ", 1)[1]
        text = "\n".join(lines)
    return _digest(text)


def _digest(text: str) -> str:
    """The sha1 of a module's text (or of several joined): the keys of its remembered findings."""
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()


def _imports_from(module: ChainModule) -> list[str]:
    """The cell modules whose names the module's header imports."""
    lines = module.text.split("\n")
    return [
        lines[i].split()[1]
        for i, where in enumerate(module.line_map[: len(lines)])
        if where is None and lines[i].startswith(f"from {MODULE_PREFIX}")
    ]


class _WithoutBodies(ast.NodeTransformer):
    def visit_FunctionDef(self, node: ast.FunctionDef) -> ast.FunctionDef:
        node.body = [ast.Expr(ast.Constant(Ellipsis))]
        return node

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> ast.AsyncFunctionDef:
        node.body = [ast.Expr(ast.Constant(Ellipsis))]
        return node


#: digest of a module's text -> digest of its interface (:func:`_interface`)
_interfaces: LockedLRU[str, str] = LockedLRU()


def _interface(text: str) -> str:
    """A digest of what other modules see of a module: its text without function bodies (signatures,
    decorators, type comments, module and class level statements kept), so that editing a function's
    body, or only the layout, changes no dependent's key. mypy types a function by its signature alone.
    """

    def compute() -> str:
        try:
            tree = _WithoutBodies().visit(parse_python(text, type_comments=True))
            shown = ast.unparse(tree)
        except PARSE_ERRORS:
            shown = text
        return _digest(shown)

    return _interfaces.get_or_compute(_digest(text), compute, 4096)


def _whole_keys(modules: Sequence[ChainModule]) -> dict[str, str]:
    """Each module's :func:`_whole_key`; for a module with a ``# type: ignore``, also the texts of the
    modules it imports from, directly or through others.

    Whether its ignore is used (unused-ignore, ignore-without-code) depends on the types of the names
    it imports: an edit of the cell defining ``f`` decides whether ``x: int = f()  # type: ignore``
    still ignores an error, though that module's text is unchanged. With the key changed it is read
    whole again (daemon._whole_passes); an edit no such module depends on changes no other key, nor
    does an edit of a function body (:func:`_interface`). Each is one ``dmypy recheck``; when those are
    measured to cost more than a fresh daemon's build, a fresh daemon reads them all (daemon._Costs).
    """
    keys = {m.name: _whole_key(m) for m in modules}
    by_name = {m.name: m for m in modules}
    imports: dict[str, list[str]] = {}
    for module in modules:
        if "ignore" not in module.text:
            continue
        seen: set[str] = set()
        todo = [module.name]
        while todo:
            name = todo.pop()
            if name not in imports:
                imports[name] = _imports_from(by_name[name])
            todo += [d for d in imports[name] if d in by_name and d not in seen and d != module.name]
            seen.update(imports[name])
        texts = [_interface(by_name[d].text) for d in sorted(seen) if d in by_name and d != module.name]
        keys[module.name] = _digest("\0".join([keys[module.name], *texts]))
    return keys


def _keep_whole_module_findings(
    folder: Path, modules: Sequence[ChainModule], keys: Mapping[str, str], items: list[TypeErrorItem], whole: Whole
) -> list[TypeErrorItem]:
    """Whole-module findings of a module whose :func:`_whole_key` did not change come from when it last
    did; those of a module the daemon read whole again alone (``whole``) from that pass."""
    module_of = {w[0]: m.name for m in modules for w in m.line_map if w is not None}
    found = _whole_rows(items, module_of)
    passes = {path.stem: _whole_rows(found_again, module_of).get(path.stem, []) for path, found_again in whole.items()}
    before = _read_kept(folder / WHOLE_MODULE_FILE)
    now: dict[str, tuple[str, _Kept]] = {}
    for m in modules:
        digest = keys[m.name]
        kept_before = before.get(m.name)
        if m.name in passes:
            now[m.name] = (digest, passes[m.name])
        elif kept_before and kept_before[0] == digest:
            now[m.name] = kept_before
        else:
            now[m.name] = (digest, found.get(m.name, []))
    atomic_write_text(folder / WHOLE_MODULE_FILE, json.dumps(now), durable=False)
    kept = [i for i in items if i.code not in WHOLE_MODULE_CODES or i.cell is None]
    for module in modules:
        for row in now[module.name][1]:
            line = row[0] if row and isinstance(row[0], int) else 0
            where = module.line_map[line - 1] if 0 < line <= len(module.line_map) else None
            again = _kept_item(row, where) if where is not None else None
            if again is not None:
                kept.append(again)
    return kept


def _cells_plan(
    cells: Sequence[tuple[int, str]],
    cell_ids: Sequence[str | None] | None,
    cache_dir: Path,
    digest: str,
    project_root: Path,
    backend: Backend,
) -> _Plan:
    """One module per cell (or short run of cells), chained by imports: see :mod:`.cells`."""
    folder = (cache_dir / f"nb_{digest}").resolve()
    chain = build_cell_chain(cells, f"{MODULE_PREFIX}{digest[:10]}_", cell_ids)
    texts = {folder / f"{m.name}.py": m.text for m in chain.modules}
    line_maps: dict[Path, LineMap] = {folder / f"{m.name}.py": m.line_map for m in chain.modules}
    keys = _whole_keys(chain.modules) if backend == "daemon" else {}

    def write() -> Rewritten:
        written = _write_modules(folder, texts)
        known = _read_kept(folder / WHOLE_MODULE_FILE) if backend == "daemon" and written else {}
        # a module not rewritten whose key changed: one with an ignore, after an edit of a module it reads
        unknown = [
            path
            for path in texts
            if (path in written or path.stem in known) and known.get(path.stem, ("",))[0] != keys.get(path.stem)
        ]
        return Rewritten(written, unknown, lambda path: _write_again(path, texts[path]))

    return _Plan(
        list(texts),
        cells_mapper(line_maps, project_root),
        write,
        chain.skipped_cells,
        lambda items, whole: _with_early_reads(
            _keep_whole_module_findings(folder, chain.modules, keys, items, whole) if backend == "daemon" else items,
            chain,
        ),
    )


def _with_early_reads(items: list[TypeErrorItem], chain: CellChain) -> list[TypeErrorItem]:
    """The "used before definition" errors one module would have where the chain imports from a later cell."""
    early = [
        TypeErrorItem(cell, line, col + 1, "error", "used-before-def", f'Name "{name}" is used before definition')
        for cell, line, col, name in chain.early_reads
    ]
    return items + early


def typecheck_cells(
    cells: Sequence[tuple[int, str]],
    project_root: Path,
    config: ProjectConfig,
    *,
    name: str = "notebook",
    settings: TypecheckSettings | None = None,
    cell_ids: Sequence[str | None] | None = None,
) -> TypeCheckResult:
    """Type-check a notebook's code cells, given as ``(cell index, python source)``.

    ``name`` identifies the notebook inside the project (its relative path), so
    two notebooks keep two sets of modules; ``cell_ids`` (the cells' ids, same order)
    keep a cell's module name when cells move. Never raises for tool problems:
    ``ran=False`` with a one-line ``message`` instead. The answer of a run over several notebooks
    (:func:`typecheck_notebooks`) is taken when there is one for exactly this request.
    """
    settings = settings or TypecheckSettings()
    root = Path(project_root).resolve()
    request = batch.Request(tuple(cells), root, config, name, settings, None if cell_ids is None else tuple(cell_ids))
    answer = batch.take(request)
    if answer is not None:
        return answer
    if batch.collect(request):
        return batch.COLLECTED
    return _run_plan(lambda cache_dir: _request_plan(request, cache_dir), root, config, settings)


def _request_plan(request: batch.Request, cache_dir: Path) -> _Plan:
    """The plan of one notebook's check, in the layout its settings name."""
    digest = hashlib.sha256(request.name.encode("utf-8")).hexdigest()[:16]
    root, settings = request.project_root, request.settings
    if settings.layout == "module":
        return _module_plan(request.cells, cache_dir, digest, root)
    return _cells_plan(request.cells, request.cell_ids, cache_dir, digest, root, settings.backend)


#: most notebooks, and most cells, one joint mypy run checks (its memory grows with them)
BATCH_NOTEBOOKS, BATCH_CELLS = 50, 2000
#: most times one notebook's timeout a joint run waits (for the project lock, for mypy): a joint run that
#: times out leaves each notebook to be checked alone, so 50 notebooks' time spent on it first is waste
JOINT_TIMEOUT_SCALE = 4


def typecheck_notebooks(requests: Sequence[batch.Request]) -> None:
    """Check the notebooks of ``requests`` with one-shot mypy runs over several notebooks' modules at
    once (those of one project, configuration and settings; :func:`_batches`), and keep each
    notebook's answer for its own check to take (:mod:`.batch`).

    Why: each one-shot mypy pays its start-up and cache load, most of a small notebook's check. The
    notebooks' modules have names of their own (a digest of the notebook's name) and import nothing
    of each other, so mypy's messages about one notebook's modules are what it says checking them
    alone. Not kept (the notebook's check runs mypy alone): any run where mypy stopped short (a
    blocking error such as a syntax error in a module they import, a timeout, a crash), and the
    answer of a notebook that imports the project's own modules when mypy spoke of a file that is no
    notebook's (an error in a project module: checked alone, a notebook's answer carries those of the
    modules it reaches, which only mypy knows; :func:`_imports_project`).
    """
    groups: dict[tuple[str, str, TypecheckSettings], list[batch.Request]] = {}
    for request in requests:
        if request.settings.backend == "mypy":  # the daemon keeps one file set of its own
            key = (str(request.project_root), repr(request.config), request.settings)
            groups.setdefault(key, []).append(request)
    for group in groups.values():
        for part in _batches(group):
            if len(part) >= 2:
                _check_together(part)


def _batches(group: Sequence[batch.Request]) -> list[list[batch.Request]]:
    """The group in runs of at most :data:`BATCH_NOTEBOOKS` notebooks and :data:`BATCH_CELLS` cells."""
    parts: list[list[batch.Request]] = [[]]
    cells = 0
    for request in group:
        if parts[-1] and (len(parts[-1]) >= BATCH_NOTEBOOKS or cells + len(request.cells) > BATCH_CELLS):
            parts.append([])
            cells = 0
        parts[-1].append(request)
        cells += len(request.cells)
    return parts


def _check_together(group: Sequence[batch.Request]) -> None:
    """One mypy run over the group's notebooks; each answer kept when mypy ran to its end."""
    started = time.monotonic()
    first = group[0]
    root, config, settings = first.project_root, first.config, first.settings
    cache_dir = _cache_path(root, settings)
    scale = min(len(group), JOINT_TIMEOUT_SCALE)
    timeout = (config.typecheck_timeout or settings.timeout) * scale
    try:
        _prepare_cache(cache_dir, root)
        plans = [_request_plan(request, cache_dir) for request in group]
        with _project_lock(cache_dir, timeout):
            for plan in plans:
                plan.write()
            targets = [target for plan in plans for target in plan.targets]
            run = _run_mypy(targets, root, config, settings, cache_dir, scale=scale) if targets else None
    except (_Busy, OSError, _Missing, _Timeout, _Unresponsive, ProdError, RecursionError, MemoryError, ValueError):
        return  # each notebook's own check meets the problem again and says it (checks/quality.type_error)
    raws = _parse(run.out) if run is not None else []
    if run is not None and (run.rc not in (0, 1) or (run.rc == 1 and not raws)):
        return
    by_file = _by_file(raws, root)
    ours = set(targets)
    elsewhere = any(path not in ours and any(r.code not in IGNORED_CODES for r in rs) for path, rs in by_file.items())
    names = _project_names(root, config) if elsewhere else frozenset()
    for request, plan in zip(group, plans, strict=True):
        if elsewhere and _imports_project(request, names):
            continue  # its own check runs mypy alone: that run's messages about modules are exactly its own
        own = [raw for target in plan.targets for raw in by_file.get(target, []) if raw.code not in IGNORED_CODES]
        items = plan.after([item for raw in own for item in plan.mapper(raw)], {}) if plan.targets else []
        batch.keep(request, TypeCheckResult(True, items, None, plan.skipped_cells, time.monotonic() - started))


def _project_names(root: Path, config: ProjectConfig) -> frozenset[str]:
    """The top-level names mypy may find among the project's own files: ``X`` of each ``X.py``, ``X.pyi``
    and folder ``X`` (a package, or a namespace one) in the folders it searches first (the project,
    ``src/``, ``MYPYPATH``, the configuration's ``mypy_path``: ``daemon._env``)."""
    # a relative MYPYPATH entry is relative to mypy's working folder, the project root
    dirs = [root, root / "src", *(root / p for p in os.environ.get("MYPYPATH", "").split(os.pathsep) if p)]
    if config.mypy_config_file is not None:
        dirs += mypy_path_dirs(config.mypy_config_file, root)
    names: set[str] = set()
    for folder in dirs:
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue
        for entry in entries:
            stem, dot, suffix = entry.name.partition(".")
            if suffix in ("py", "pyi") or (not dot and entry.is_dir()):
                names.add(stem)
    return frozenset(names)


def _imports_project(request: batch.Request, names: frozenset[str]) -> bool:
    """Whether the notebook's cells import one of the project's modules (``names``), or relatively:
    mypy then follows it into the project's files and may report on them. A notebook importing none
    reaches no project file (what a module reached imports, it imports the same way)."""
    for _, source in request.cells:
        try:
            tree = parse_python(source)
        except PARSE_ERRORS:
            return True
        for node in ast.walk(tree):
            if isinstance(node, ast.Import) and any(a.name.partition(".")[0] in names for a in node.names):
                return True
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").partition(".")[0] in names):
                return True
    return False


def _by_file(raws: Sequence[_Raw], root: Path) -> dict[Path, list[_Raw]]:
    """mypy's messages by the resolved path of the file they are about (it prints the paths it was given)."""
    found: dict[Path, list[_Raw]] = {}
    for raw in raws:
        path = Path(raw.file)
        try:
            path = path if path.is_absolute() else (root / path).resolve()
        except OSError:
            continue
        found.setdefault(path, []).append(raw)
    return found


#: name prefix of the generated module a promotion preview checks (promote.mypy_check), one per target
PROMOTE_PREFIX = "jupyter_prod_promote_"


def _beside(cache_dir: Path, target: Path, settings: TypecheckSettings) -> list[Path]:
    """The files the warm daemon has loaded (a notebook's cell modules), which a check of ``target``
    keeps so that it is an incremental update, not a fresh daemon's cold build (daemon.loaded_files).

    Not another preview's module (previews of several targets would pile up), not ``target`` itself.
    """
    if settings.backend != "daemon":
        return []
    return [p for p in loaded_files(cache_dir) if p != target and not p.name.startswith(PROMOTE_PREFIX)]


def _only_target(mapper: _Mapper, beside: Sequence[Path], blocked: list[str]) -> _Mapper:
    """Messages about the files checked beside the target are not its answer: dropped. A syntax error
    among them is noted in ``blocked``: mypy stops there, perhaps before it checked the target."""
    skip = {str(path) for path in beside}

    def mapper_beside(raw: _Raw) -> list[TypeErrorItem]:
        if raw.file not in skip and str(Path(raw.file).resolve()) not in skip:
            return mapper(raw)
        if raw.code == "syntax":
            blocked.append(raw.file)
        return []

    return mapper_beside


def check_module_file(
    path: Path,
    project_root: Path,
    config: ProjectConfig,
    *,
    settings: TypecheckSettings | None = None,
) -> TypeCheckResult:
    """Type-check one ``.py`` file of the project (promotion's generated module).

    Messages about ``path`` have ``cell=None``, ``line`` = ``module_line`` and
    ``file`` = its path relative to the project root. On the daemon backend it is checked beside the
    files the daemon has loaded (:func:`_beside`), whose messages are dropped.
    """
    settings = settings or TypecheckSettings()
    root = Path(project_root).resolve()
    target = Path(path).resolve()

    blocked: list[str] = []

    def plan(cache_dir: Path) -> _Plan:
        beside = _beside(cache_dir, target, settings)
        return _Plan([target, *beside], _only_target(file_mapper(target, root), beside, blocked))

    result = _run_plan(plan, root, config, settings)
    if blocked:  # never an answer mypy may not have reached: the target alone (a fresh daemon)
        result = _run_plan(lambda _cache: _Plan([target], file_mapper(target, root)), root, config, settings)
    return result
