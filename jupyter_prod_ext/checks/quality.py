"""Code quality with the project's own tools: black's formatting and mypy's types (slow checks)."""

from __future__ import annotations

import ast
import dataclasses
from collections.abc import Iterator
from pathlib import Path, PurePosixPath

from ..analysis import import_binds
from ..config import ProjectConfig, load_config
from ..errors import ProdError
from ..typecheck import TypecheckSettings, TypeErrorItem, typecheck_cells
from .base import Context, Finding
from .registry import check


def _config(ctx: Context) -> ProjectConfig | None:
    if ctx.settings.config is not None:
        return ctx.settings.config
    folder = ctx.file.parent if ctx.file is not None else ctx.project_root
    if folder is None:
        return None
    try:
        return load_config(folder, ctx.project_root)
    except ProdError:
        return None


@check(
    "not-black-formatted",
    "quality",
    "warning",
    "A code cell is not formatted the way black (with the project's [tool.black]) would format it.",
    slow=True,
)
def not_black_formatted(ctx: Context) -> Iterator[Finding]:
    from ..formatting import format_cells  # black: imported when a formatting check runs, not at start-up

    cfg = _config(ctx)
    cells = [
        (u.cell.index, u.cell.source)
        for u in ctx.units
        if u.syntax_error is None and not u.foreign and not u.too_large and u.cell.source.strip()
    ]
    if _over_budget(cells):
        yield _too_large_for(ctx, "format", cells)
        return
    for res in format_cells(cells, cfg.black if cfg is not None else None):
        if res.error is not None and res.error.startswith(_BUDGET_REASONS):
            yield ctx.finding(
                "not-black-formatted",
                "info",
                res.cell,
                None,
                f"The cell was not checked with black: {res.error}.",
                "Split the cell, or load large data from a file at run time.",
            )
        if res.error is not None or not res.changed:
            continue  # a cell black cannot parse is invalid-syntax's business
        yield ctx.finding(
            "not-black-formatted",
            "warning",
            res.cell,
            None,
            "The cell is not formatted with black.",
            "Apply the fix (black, with the project's settings).",
            fix={"description": "Format with black", "cells": {str(res.cell): res.source}},
        )


#: Code cells of one notebook, in characters, beyond which black and mypy do not run on it
#: (the server operator's ``c.JupyterProd.max_notebook_code_kib`` replaces it at start-up).
SLOW_NOTEBOOK_CHARS = 1_000_000
#: ... and code cells (``c.JupyterProd.max_notebook_code_cells``)
SLOW_NOTEBOOK_CELLS = 2_000
#: black's errors that are about the budget, not about the cell's code
_BUDGET_REASONS = ("too large to format", "black did not finish", "black could not run")


def _over_budget(cells: list[tuple[int, str]]) -> bool:
    return len(cells) > SLOW_NOTEBOOK_CELLS or sum(len(source) for _, source in cells) > SLOW_NOTEBOOK_CHARS


def _too_large_for(ctx: Context, what: str, cells: list[tuple[int, str]]) -> Finding:
    total = sum(len(source) for _, source in cells)
    return ctx.finding(
        "not-black-formatted" if what == "format" else "type-error",
        "info",
        None,
        None,
        f"The notebook's code is too large to {what} ({total:,} characters in {len(cells):,} cells; the limits "
        f"are {SLOW_NOTEBOOK_CHARS:,} characters and {SLOW_NOTEBOOK_CELLS:,} cells); it was not checked.",
        "Move code into modules (Promote to Module), or split the notebook.",
    )


def _could_not_run(ctx: Context, why: str) -> Finding:
    return ctx.finding(
        "type-error",
        "warning",
        None,
        None,
        why if why.startswith("The type check") else f"The type check could not run: {why}",
        "Make sure mypy is installed in the server's environment and the project's mypy config is valid.",
    )


def _typecheck_settings(ctx: Context) -> TypecheckSettings:
    base = ctx.settings.typecheck or TypecheckSettings()
    backend = ctx.settings.typecheck_backend
    return base if base.backend == backend else dataclasses.replace(base, backend=backend)


@check(
    "type-error",
    "quality",
    "warning",
    "mypy (with the project's configuration) reports an error in a code cell (errors in a project module "
    "the notebook imports: one info line).",
    slow=True,
)
def type_error(ctx: Context) -> Iterator[Finding]:
    root = ctx.project_root or (ctx.file.parent if ctx.file is not None else None)
    cfg = _config(ctx)
    if root is None or cfg is None:
        yield _could_not_run(ctx, "the notebook has no project folder to run mypy in.")
        return
    units = [u for u in ctx.units if u.syntax_error is None and not u.too_large]
    cells = [(u.cell.index, u.python) for u in units]
    if not cells:
        return
    if _over_budget(cells):
        yield _too_large_for(ctx, "type-check", cells)
        return
    name = ctx.nb.path
    if ctx.file is not None:
        try:
            name = ctx.file.resolve().relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            name = str(ctx.file)
    try:
        result = typecheck_cells(
            cells, root, cfg, name=name, settings=_typecheck_settings(ctx), cell_ids=[u.cell.cell_id for u in units]
        )
    except (OSError, ProdError, RecursionError, MemoryError, ValueError) as exc:  # unwritable cache, deep cells
        yield _could_not_run(ctx, f"{type(exc).__name__}: {exc}")
        return
    if not result.ran:
        yield _could_not_run(ctx, result.message or "mypy did not run.")
        return
    for item in result.errors:
        if item.cell is None or item.severity != "error" or _ipython_runs_it(ctx, item):
            continue
        code = f" [{item.code}]" if item.code else ""
        yield ctx.finding(
            "type-error",
            "warning",
            item.cell,
            item.line,
            f"{item.message}{code}",
            item.hint or "Fix the types, or add `# type: ignore[code]` with a reason.",
        )
    yield from _imported_module_errors(ctx, result.errors)


def _imported_module_errors(ctx: Context, items: list[TypeErrorItem]) -> Iterator[Finding]:
    """One info finding per project module the notebook imports (directly or through another) that mypy
    reports errors in, on the cell line importing it (the notebook, when only another module does).

    The module's errors are no cell's, yet the cells are checked against its types, and a notebook is
    where its user looks: silently dropped, ``h(n: int) -> int: return 'x'`` showed nowhere. One line per
    module, not each error again in every notebook; ``mypy <file>`` lists them all. A file outside the
    project (shown by an absolute path) is not the user's to fix."""
    by_file: dict[str, list[TypeErrorItem]] = {}
    for item in items:
        shown = item.file
        if item.cell is None and item.severity == "error" and shown and not Path(shown).is_absolute():
            if not shown.startswith(".."):
                by_file.setdefault(shown, []).append(item)
    for shown, errors in by_file.items():
        first = errors[0]
        what = f"line {first.line}: {first.message}" + (f" [{first.code}]" if first.code else "")
        count = "an error" if len(errors) == 1 else f"{len(errors)} errors"
        cell, line = _import_site(ctx, shown)
        yield ctx.finding(
            "type-error",
            "info",
            cell,
            line,
            f"mypy reports {count} in {shown}, which this notebook imports"
            + (f": {what}." if len(errors) == 1 else f"; the first, {what}."),
            f"Fix {shown} (`mypy {shown}` lists every error): the cells are type-checked against it as it is.",
        )


def _import_site(ctx: Context, shown: str) -> tuple[int | None, int | None]:
    """The first cell line importing the module of the project file ``shown`` (``pkg/mod.py``: ``import
    pkg.mod``, ``from pkg.mod import h``, ``from pkg import mod``; under ``src/`` or another search folder
    too), else one importing from its package (``from pkg.helper import twice``, which imports it); (None,
    None), the notebook, when no import names either."""
    parts = PurePosixPath(shown).with_suffix("").parts
    if parts and parts[-1] == "__init__":
        parts = parts[:-1]
    names = {".".join(parts[i:]) for i in range(len(parts))}
    tops = {name.partition(".")[0] for name in names}
    imports = [(unit.cell.index, line, module) for unit in ctx.units for line, _, module in import_binds(unit) if module]
    site = next((i for i in imports if any(i[2] == n or i[2].startswith(n + ".") for n in names)), None)
    site = site or next((i for i in imports if i[2].partition(".")[0] in tops), None)
    return (site[0], site[1]) if site is not None else (None, None)


#: mypy's errors for ``async with`` / ``async for`` (statement or comprehension) outside a coroutine
_ASYNC_OUTSIDE = frozenset({'"async with" outside async function', '"async for" outside async function'})
_NOT_TOP_LEVEL = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def _ipython_runs_it(ctx: Context, item: TypeErrorItem) -> bool:
    """mypy's "async with/for outside async function" on a cell's top level, which IPython runs.

    IPython runs a cell's top-level ``async with`` and ``async for`` as it runs a top-level ``await``
    (autoawait; that one's mypy code, ``top-level-await``, the type check ignores); mypy reports them
    as syntax errors with no code of their own (a public notebook got one per line of a nested
    ``async with``). Inside a ``def`` or a class body Python refuses them, so there they stay.
    """
    if item.code != "syntax" or item.message not in _ASYNC_OUTSIDE:
        return False
    tree = next((u.tree for u in ctx.units if u.cell.index == item.cell), None)
    if tree is None:
        return False
    return not any(
        isinstance(node, _NOT_TOP_LEVEL) and node.lineno <= item.line <= (node.end_lineno or node.lineno)
        for node in ast.walk(tree)
    )
