"""Code quality with the project's own tools: black's formatting and mypy's types (slow checks)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator
from pathlib import Path

from ..config import ProjectConfig, load_config
from ..errors import ProdError
from ..formatting import format_cells
from ..typecheck import TypecheckSettings, typecheck_cells
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
    cfg = _config(ctx)
    cells = [
        (u.cell.index, u.cell.source)
        for u in ctx.units
        if u.syntax_error is None and not u.foreign and u.cell.source.strip()
    ]
    for res in format_cells(cells, cfg.black if cfg is not None else None):
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
    "mypy (with the project's configuration) reports an error in a code cell.",
    slow=True,
)
def type_error(ctx: Context) -> Iterator[Finding]:
    root = ctx.project_root or (ctx.file.parent if ctx.file is not None else None)
    cfg = _config(ctx)
    if root is None or cfg is None:
        yield _could_not_run(ctx, "the notebook has no project folder to run mypy in.")
        return
    cells = [(u.cell.index, u.python) for u in ctx.units if u.syntax_error is None]
    if not cells:
        return
    name = ctx.nb.path
    if ctx.file is not None:
        try:
            name = ctx.file.resolve().relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            name = str(ctx.file)
    try:
        result = typecheck_cells(
            cells, root, cfg, name=name, settings=_typecheck_settings(ctx)
        )
    except (OSError, ProdError, RecursionError, MemoryError, ValueError) as exc:  # unwritable cache, deep cells
        yield _could_not_run(ctx, f"{type(exc).__name__}: {exc}")
        return
    if not result.ran:
        yield _could_not_run(ctx, result.message or "mypy did not run.")
        return
    for item in result.errors:
        if item.cell is None or item.severity != "error":
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
