"""JSON shapes shared by the engine, the CLI's ``--format json`` and the REST API.

Mirrored one to one by ``src/api.ts``: change both together, and never rename
a key once it has shipped (they are public contracts).
"""

from __future__ import annotations

from typing import Literal

# typing's own NotRequired is 3.11+; typing_extensions' TypedDict understands it on 3.10 too
from typing_extensions import NotRequired, TypedDict

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[Severity, ...] = ("error", "warning", "info")


class Fix(TypedDict):
    """An exact edit that resolves a finding: new source for whole cells."""

    description: str
    #: cell index -> full new source of that cell
    cells: dict[str, str]


class FindingDict(TypedDict):
    check: str
    severity: Severity
    cell: int | None
    cell_id: str | None
    line: int | None
    message: str
    hint: str
    #: only present when the fix is exact (e.g. black's output for a cell)
    fix: Fix | None
    #: the check's family (execution, dataflow, ...): how the panel groups findings
    family: NotRequired[str]
    #: the line in the file, for a notebook kept as text (jupytext ``.py``/``.md``): where CI annotations point
    file_line: NotRequired[int]


class ReportSummary(TypedDict):
    errors: int
    warnings: int
    infos: int
    waived: int
    code_cells: int
    checks_run: list[str]


class ReportDict(TypedDict):
    path: str
    score: int
    findings: list[FindingDict]
    waived: list[FindingDict]
    summary: ReportSummary


class FileErrorDict(TypedDict):
    path: str
    message: str


class CheckOutputDict(TypedDict):
    version: int
    notebooks: list[ReportDict]
    errors: list[FileErrorDict]


class ErrorBody(TypedDict):
    """Body of every non-2xx answer of our routes."""

    error: str
    kind: str
    details: object | None
