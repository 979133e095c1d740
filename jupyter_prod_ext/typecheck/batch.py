"""Several notebooks' type checks answered by one mypy run: the requests collected, the answers kept.

Why: the CLI (``jupyter-prod check`` in CI and pre-commit) runs the one-shot ``mypy`` backend, and each
``python -m mypy`` pays its start-up and the load of its cache (builtins, typing, ...) again: 0.4 s per
notebook of 20 cells with mypy's cache warm, on 2 cores (bench/cli_types_bench.py). So the CLI first *collects* what each notebook's type check would ask
(:func:`collecting`: :func:`typecheck_cells` records its request instead of running mypy), checks them
all in one mypy run (``typecheck.typecheck_notebooks``), and keeps each notebook's answer here; the
notebook's own check then takes it (:func:`take`) instead of running mypy. A request that differs in
anything (cells, ids, name, project, configuration, settings) finds no answer and runs mypy alone.
"""

from __future__ import annotations

import contextlib
import hashlib
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from ..config import ProjectConfig
from .settings import TypeCheckResult, TypecheckSettings


@dataclass(frozen=True)
class Request:
    """What one notebook's type check was asked (the arguments of ``typecheck_cells``)."""

    cells: tuple[tuple[int, str], ...]
    project_root: Path
    config: ProjectConfig
    name: str
    settings: TypecheckSettings
    cell_ids: tuple[str | None, ...] | None

    def key(self) -> str:
        text = repr((str(self.project_root), self.name, self.cells, self.cell_ids, self.settings, self.config))
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


#: what a collected request answers: nothing was checked (the collecting pass discards its report)
COLLECTED = TypeCheckResult(False, [], "The type check was collected to run with other notebooks.")

_guard = threading.Lock()
_collector: list[Request] | None = None
_answers: dict[str, TypeCheckResult] = {}


@contextlib.contextmanager
def collecting() -> Iterator[list[Request]]:
    """While open, :func:`collect` records every type check asked instead of letting it run."""
    global _collector
    requests: list[Request] = []
    with _guard:
        _collector = requests
    try:
        yield requests
    finally:
        with _guard:
            _collector = None


def collect(request: Request) -> bool:
    """Whether the request was recorded (a collecting pass is open), so mypy is not run for it now."""
    with _guard:
        if _collector is None:
            return False
        _collector.append(request)
        return True


def keep(request: Request, result: TypeCheckResult) -> None:
    with _guard:
        _answers[request.key()] = result


def take(request: Request) -> TypeCheckResult | None:
    """The answer the joint run gave this very request, once (None: none, run mypy)."""
    with _guard:
        if not _answers:
            return None
        return _answers.pop(request.key(), None)
