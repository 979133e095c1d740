"""The entry points the CLI, the server and other features (commit gate) call."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from ..config import ProjectConfig, load_config
from ..errors import ConfigError, NotPythonError
from ..jupytext_io import (
    TEXT_NOTEBOOK_IGNORED,
    is_text_notebook_path,
    read_text_notebook,
    text_notebook_from_bytes,
    with_file_lines,
)
from ..notebook import UNKNOWN_LANGUAGE, Notebook, load_notebook, notebook_from_dict, notebook_from_text
from ..paths import project_ceiling
from ..typecheck import TypecheckSettings
from ..types import ReportDict
from .base import Context, Settings
from .engine import Selection, gc_paused, run_checks
from .registry import unknown_id_problem


def settings_for(
    folder: Path | None,
    ceiling: Path | None = None,
    *,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
) -> Settings:
    """Project config (``[tool.jupyter-prod]``) overlaid with the caller's select/ignore."""
    st = Settings()
    if folder is not None:
        cfg = load_config(folder, ceiling)
        _known_ids_only(cfg)
        st.select = frozenset(cfg.select) if cfg.select is not None else None
        st.ignore = frozenset(cfg.ignore)
        st.severity = dict(cfg.severity)
        if cfg.max_cell_lines is not None:
            st.max_cell_lines = cfg.max_cell_lines
        if cfg.max_notebook_cells is not None:
            st.max_notebook_cells = cfg.max_notebook_cells
        st.extra = dict(cfg.prod)
        st.config = cfg
    if select:
        st.select = frozenset(select)
    if ignore:
        st.ignore = st.ignore | frozenset(ignore)
    return st


def _known_ids_only(cfg: ProjectConfig) -> None:
    """Refuse ``[tool.jupyter-prod]`` naming a check that does not exist, as the CLI's ``--select`` does.

    A typo selects or hides nothing, silently: ``select = ["dataflw"]`` ran no check, every notebook
    scored 100 and the CI gate passed. One line, naming the file, the key and the closest id."""
    for key, names in (("select", cfg.select or ()), ("ignore", cfg.ignore), ("severity", tuple(cfg.severity))):
        problem = unknown_id_problem(names)
        if problem:
            where = cfg.pyproject.name if cfg.pyproject is not None else "pyproject.toml"
            raise ConfigError(f"{where} [tool.jupyter-prod] {key}: {problem}: fix it")


def check_notebook(
    nb: Notebook,
    *,
    file: Path | None = None,
    server_root: Path | None = None,
    checks: Selection | str = "fast",
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    typecheck_backend: Literal["daemon", "mypy"] | None = None,
    typecheck_settings: TypecheckSettings | None = None,
    session: str | None = None,
    outside_git: Path | None = None,
) -> ReportDict:
    """Run the checks on ``nb``.

    ``typecheck_settings``: which mypy and how long (the server's or CLI's own settings);
    ``typecheck_backend``, when given, overrides its backend (default: the settings', else daemon).
    ``session``: a key for this notebook (the server's: its path) under which what this check
    found is kept, so that the next check of the notebook re-checks only what an edit changed
    (``checks/incremental.py``); the report is the same either way.
    ``outside_git``: without a server root, the highest folder dependency files are looked for in when
    the notebook is in no git repository (the CLI's ``paths.cli_ceiling``; None: no bound).
    """
    if not nb.is_python:
        counts = nb.mostly_not_python() if nb.language == UNKNOWN_LANGUAGE else None
        said = f"its language is '{nb.language}'" if counts is None else (
            f"its metadata names no language, and {counts[0]} of its {counts[1]} code cells are not Python"
        )
        raise NotPythonError(f"{nb.path}: not a Python notebook ({said}); jupyter-prod checks Python notebooks only.")
    ceiling = project_ceiling(file, server_root) if file is not None else server_root
    project = file.resolve().parent if ceiling is None and file is not None else ceiling
    if ceiling is None and outside_git is not None:
        ceiling = outside_git.resolve()  # bounds the dependency files only: the project stays the folder
    folder = file.parent if file is not None else project
    # the CLI's [tool.jupyter-prod] is bounded as its dependency files are (and as `run` reads it)
    settings = settings_for(folder, server_root or ceiling, select=select, ignore=ignore)
    settings.typecheck_backend = typecheck_backend or (typecheck_settings.backend if typecheck_settings else "daemon")
    settings.typecheck = typecheck_settings
    with gc_paused():
        cached = nb._units is not None
        try:
            ctx = Context(nb=nb, settings=settings, file=file, project_root=project, ceiling=ceiling)
            return run_checks(ctx, checks, session=session)
        finally:
            if not cached:
                # Leave the notebook as we found it: its parsed cells (and the analysis that points into
                # them) are freed here, by reference counting, before the collector is switched back on.
                nb._units = None


def check_path(
    path: Path,
    *,
    display: str | None = None,
    server_root: Path | None = None,
    checks: Selection | str = "fast",
    content: dict[str, Any] | None = None,
    data: bytes | None = None,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    typecheck_backend: Literal["daemon", "mypy"] | None = None,
    typecheck_settings: TypecheckSettings | None = None,
    session: str | None = None,
    outside_git: Path | None = None,
) -> ReportDict:
    """Check the file at ``path`` (or ``content``, the editor's unsaved version of it).

    ``data``: the file's bytes, already read by the caller (the commit gate checks
    exactly the bytes it commits, so the file is not read again here).
    """
    name = display or str(path)
    text_nb = None
    if content is None and is_text_notebook_path(path):
        text_nb = read_text_notebook(path, name) if data is None else text_notebook_from_bytes(data, path.suffix, name)
    if text_nb is not None:
        nb = text_nb.notebook
        # a text notebook keeps no outputs or execution counts: "never executed" would always fire
        ignore = [*(ignore or []), *TEXT_NOTEBOOK_IGNORED]
    else:
        if content is not None:
            nb = notebook_from_dict(content, name)
        else:
            nb = notebook_from_text(data, name) if data is not None else load_notebook(path, name)
    report = check_notebook(
        nb,
        file=path,
        server_root=server_root,
        checks=checks,
        select=select,
        ignore=ignore,
        typecheck_backend=typecheck_backend,
        typecheck_settings=typecheck_settings,
        session=session,
        outside_git=outside_git,
    )
    return with_file_lines(report, text_nb) if text_nb is not None else report
