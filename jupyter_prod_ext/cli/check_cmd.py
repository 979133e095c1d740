"""``jupyter-prod check PATH...``: readiness reports for CI and pre-commit.

Notebooks are checked in parallel (``--jobs``, default one process per core) and a
report is reused from the result cache when neither the notebook nor anything that
could change its findings changed (:mod:`jupyter_prod_ext.resultcache`).
"""

from __future__ import annotations

import argparse
import contextlib
import importlib
import json
import multiprocessing
import os
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any, Literal

from ..checks.api import check_path
from ..checks.registry import unknown_id_problem
from ..errors import NotPythonError, ProdError
from ..jupytext_io import discover_notebooks, is_text_notebook_path
from ..notebook import import_nbformat, read_notebook_bytes
from ..paths import cli_ceiling, find_git_top, project_root
from ..resultcache import DEFAULT_DIR, ResultCache, ensure_ignored
from ..typecheck import batch, typecheck_notebooks
from ..types import CheckOutputDict, FileErrorDict, ReportDict
from . import add_typecheck_options, report_formats, typecheck_settings

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2

#: what checking one file gave: a report, or the one-line error for the ``errors`` list ("not-python": the
#: notebook's language is not Python, an error only when the file was named rather than found in a folder)
Outcome = tuple[Literal["report"], ReportDict] | tuple[Literal["error", "not-python"], FileErrorDict]


def _csv(value: str) -> list[str]:
    return [x.strip() for x in value.split(",") if x.strip()]


def _check_ids(value: str) -> list[str]:
    """``--select``/``--ignore``: comma-separated ids or families, each one we know.

    A typo would select or ignore nothing, silently: ``--select unused-imports`` scored every notebook
    100 and a CI gate passed on what it was meant to stop. Refused like any other bad argument."""
    names = _csv(value)
    problem = unknown_id_problem(names)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return names


def _jobs(value: str) -> int:
    try:
        n = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a number of processes") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"'{value}': give at least 1 process")
    return n


def cores() -> int:
    """The cores this process may run on (a container's CPU set, not the host's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def add_parser(sub: Any) -> None:
    p = sub.add_parser("check", help="score notebooks and list their findings")
    p.add_argument("paths", nargs="+", metavar="PATH", help="notebooks (.ipynb, or jupytext .py/.md), or folders to search for them")
    p.add_argument("--format", choices=["text", "json", "github", "sarif"], default="text")
    p.add_argument("--fail-on", choices=["error", "warning", "never"], default="error")
    p.add_argument("--select", type=_check_ids, default=None, help="comma-separated check ids or families")
    p.add_argument("--ignore", type=_check_ids, default=None, help="comma-separated check ids or families")
    p.add_argument("--fast", action="store_true", help="skip the slow checks (black, mypy, git)")
    p.add_argument(
        "-j", "--jobs", type=_jobs, default=None, metavar="N",
        help="notebooks checked at once, one process each (default: the number of cores)",
    )  # fmt: skip
    p.add_argument("--no-cache", action="store_true", help="check every notebook again; do not read or write the cache")
    p.add_argument(
        "--cache-dir", type=Path, default=None, metavar="DIR",
        help=f"where reports of unchanged notebooks are kept (default: {DEFAULT_DIR} in the git top level of the "
        "current folder, else in the current folder)",
    )  # fmt: skip
    add_typecheck_options(p)
    p.set_defaults(func=run)


def expand(paths: list[str]) -> list[Path]:
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out.extend(discover_notebooks(p))
        else:
            out.append(p)
    return out


def _error(path: Path, exc: Exception) -> Outcome:
    if isinstance(exc, ProdError):
        error: FileErrorDict = {"path": str(path), "message": exc.message}
    else:  # a NUL byte in the name, a path too long for the OS, ...
        shown = str(path).encode("unicode_escape").decode("ascii")
        error = {"path": shown, "message": " ".join(f"{shown}: cannot read this path ({exc}).".split())}
    return ("error", error)


def check_one(path: Path, options: dict[str, Any], outside_git: Path | None = None) -> Outcome:
    """One notebook's report (runs in a worker process when there are several).

    ``outside_git``: where the search for its dependency files stops if it is in no git repository
    (``paths.cli_ceiling``)."""
    try:
        return (
            "report",
            check_path(
                path.resolve(),
                display=str(path),
                checks="fast" if options["fast"] else "all",
                select=options["select"],
                ignore=options["ignore"],
                typecheck_backend="mypy",  # one-shot: leave no daemon behind
                typecheck_settings=options["typecheck"],
                outside_git=outside_git,
            ),
        )
    except NotPythonError as exc:
        error: FileErrorDict = {"path": str(path), "message": exc.message}
        return ("not-python", error)
    except (ProdError, ValueError, OSError) as exc:
        return _error(path, exc)


_OLD_FORMAT = re.compile(rb'"nbformat"\s*:\s*[23]\b')


def _warm_imports(datas: list[bytes], paths: list[Path]) -> None:
    """Import before forking what every worker would otherwise import on its own.

    nbformat (with jsonschema) and jupytext take about half a second each to import, and only
    old (v2/v3) or text notebooks need them: paid once here instead of once per worker.
    """
    if any(_OLD_FORMAT.search(d, 0, 4096) or _OLD_FORMAT.search(d[-4096:]) for d in datas):
        import_nbformat()
    if any(is_text_notebook_path(p) for p in paths):
        with contextlib.suppress(ImportError):
            import_nbformat()
            importlib.import_module("jupytext")


def _options(args: argparse.Namespace) -> dict[str, Any]:
    return {"fast": args.fast, "select": args.select, "ignore": args.ignore, "typecheck": typecheck_settings(args)}


def _check_types_together(paths: list[Path], options: dict[str, Any], ceilings: list[Path]) -> None:
    """The notebooks' type checks in one mypy run before their reports are made, which take their
    answers from it (typecheck.batch: one mypy start-up per invocation, not one per notebook).

    What each notebook's type check would ask is collected by checking it for type errors alone (the
    reports of that pass are dropped; the notebook, its cells and project are read as the real
    check reads them). Skipped when ``--select`` leaves the type check out.
    """
    select = options["select"]
    if select is not None and not {"type-error", "quality"} & set(select):
        return
    with batch.collecting() as requests:
        for path, ceiling in zip(paths, ceilings, strict=True):
            with contextlib.suppress(ProdError, ValueError, OSError):
                check_path(
                    path.resolve(),
                    display=str(path),
                    checks=["type-error"],
                    ignore=options["ignore"],
                    typecheck_backend="mypy",
                    typecheck_settings=options["typecheck"],
                    outside_git=ceiling,
                )
    typecheck_notebooks(requests)


def _cache(args: argparse.Namespace, options: dict[str, Any]) -> ResultCache | None:
    if args.no_cache:
        return None
    folder = args.cache_dir
    if folder is None:
        cwd = Path.cwd()
        folder = (find_git_top(cwd) or cwd) / DEFAULT_DIR
    ensure_ignored(folder)
    return ResultCache(folder, options)


def _ceilings(paths: list[Path], args: argparse.Namespace) -> list[Path]:
    """Each notebook's bound for its dependency files outside git (``paths.cli_ceiling``): the current
    folder or a folder named on the command line that holds it, else the home folder."""
    folders = [Path(p) for p in args.paths if Path(p).is_dir()]
    out = []
    for path in paths:
        try:
            out.append(cli_ceiling(path, folders))
        except (ValueError, OSError):  # a NUL byte, a name too long: reading it reports that
            out.append(path.parent)
    return out


def _check_all(paths: list[Path], args: argparse.Namespace) -> list[Outcome]:
    """Cached reports first; the rest in a process pool, in the order of ``paths``."""
    options = _options(args)
    cache = _cache(args, options)
    ceilings = _ceilings(paths, args)
    outcomes: list[Outcome | None] = [None] * len(paths)
    todo: list[tuple[int, bytes, str | None]] = []
    for i, path in enumerate(paths):
        try:
            data = read_notebook_bytes(path, str(path))
            resolved = path.resolve()
            git_top = find_git_top(resolved)
            bound = git_top or ceilings[i]
            key = cache.key(resolved, str(path), data, project_root(resolved), git_top, bound) if cache else None
        except (ProdError, ValueError, OSError) as exc:
            outcomes[i] = _error(path, exc)
            continue
        hit = cache.get(key) if cache is not None and key is not None else None
        if hit is not None:
            outcomes[i] = ("report", hit)
        else:
            todo.append((i, data, key))
    if not options["fast"] and len(todo) >= 2:
        _check_types_together([paths[i] for i, _, _ in todo], options, [ceilings[i] for i, _, _ in todo])
    jobs = min(args.jobs or cores(), len(todo))
    if jobs <= 1:
        results = [check_one(paths[i], options, ceilings[i]) for i, _, _ in todo]
    else:
        _warm_imports([data for _, data, _ in todo], [paths[i] for i, _, _ in todo])
        # the first notebook here, before forking: every lazy import and first-use cost it pays
        # (IPython's transformers, the installed distributions, compiled patterns) is then
        # inherited by the workers instead of paid once in each
        first = check_one(paths[todo[0][0]], options, ceilings[todo[0][0]])
        todo_rest = todo[1:]
        # fork: workers start with the engine already imported (spawn would re-import it in each)
        method = "fork" if "fork" in multiprocessing.get_all_start_methods() else None
        with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context(method)) as pool:
            chunk = max(1, len(todo_rest) // (jobs * 8))
            rest = pool.map(
                check_one,
                [paths[i] for i, _, _ in todo_rest],
                [options] * len(todo_rest),
                [ceilings[i] for i, _, _ in todo_rest],
                chunksize=chunk,
            )
            results = [first, *rest]
    for (i, _, key), outcome in zip(todo, results, strict=True):
        outcomes[i] = outcome
        if cache is not None and key is not None and outcome[0] == "report":
            cache.put(key, outcome[1])
    return [o for o in outcomes if o is not None]


def run(args: argparse.Namespace) -> int:
    reports: list[ReportDict] = []
    errors: list[FileErrorDict] = []
    named = {Path(p) for p in args.paths if not Path(p).is_dir()}
    paths = expand(args.paths)
    for path, outcome in zip(paths, _check_all(paths, args), strict=True):
        if outcome[0] == "report":
            reports.append(outcome[1])
        elif outcome[0] == "not-python" and path not in named:
            # met while searching a folder: R and Julia notebooks may live beside Python ones, and
            # jupytext scripts beside .ipynb where jupytext is not installed
            message = outcome[1]["message"]
            # the note names the file first (a missing jupytext's message names it later)
            shown = message if message.startswith(str(path)) else f"{path}: {message}"
            sys.stderr.write(f"jupyter-prod: skipped {shown}\n")
        else:
            errors.append(outcome[1])
            sys.stderr.write(f"jupyter-prod: {outcome[1]['message']}\n")
    output: CheckOutputDict = {"version": 1, "notebooks": reports, "errors": errors}
    if args.format == "json":
        sys.stdout.write(json.dumps(output, indent=2) + "\n")
    else:
        sys.stdout.write(report_formats.render(args.format, output))
    if errors:
        return EXIT_USAGE
    levels = {"error": ("error",), "warning": ("error", "warning"), "never": ()}[args.fail_on]
    failing = any(f["severity"] in levels for r in reports for f in r["findings"])
    return EXIT_FAIL if failing else EXIT_OK
