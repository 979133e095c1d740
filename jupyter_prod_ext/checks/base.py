"""The types a check works with: its input (:class:`Context`) and output (:class:`Finding`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from ..analysis import DefUse, analyse
from ..config import ProjectConfig
from ..notebook import Cell, CodeUnit, Notebook
from ..typecheck import TypecheckSettings
from ..types import FindingDict, Fix, Severity


@dataclass
class Finding:
    check: str
    severity: Severity
    cell: int | None
    line: int | None
    message: str
    hint: str = ""
    cell_id: str | None = None
    fix: Fix | None = None
    #: the name a dataflow finding is about (not sent): the incremental checks replace a name's findings
    subject: str | None = None
    #: the report's dict of this finding once built, and whether it was active (a session's findings
    #: come back in the next report unchanged: their dicts are not built again)
    wire: tuple[bool, FindingDict] | None = field(default=None, repr=False, compare=False)

    def to_dict(self) -> FindingDict:
        return {
            "check": self.check,
            "severity": self.severity,
            "cell": self.cell,
            "cell_id": self.cell_id,
            "line": self.line,
            "message": self.message,
            "hint": self.hint,
            "fix": self.fix,
        }


@dataclass
class Settings:
    """Effective settings of one run: project config merged with CLI/panel choices."""

    select: frozenset[str] | None = None
    ignore: frozenset[str] = frozenset()
    severity: dict[str, Severity] = field(default_factory=dict)
    max_cell_lines: int = 60
    max_notebook_cells: int = 150
    #: the raw ``[tool.jupyter-prod]`` table for checks with their own keys
    extra: dict[str, Any] = field(default_factory=dict)
    #: the project configuration found (black mode, mypy config), when there is a folder to look in
    config: ProjectConfig | None = None
    #: how the type check runs mypy: a warm daemon (server) or one-shot mypy (CLI, pre-commit)
    typecheck_backend: Literal["daemon", "mypy"] = "daemon"
    #: which mypy and its timeout (server config, CLI options); None: the defaults
    typecheck: TypecheckSettings | None = None

    def extra_int(self, key: str, default: int) -> int:
        """A positive integer from ``[tool.jupyter-prod]`` (``large-output-kb`` ...), else ``default``."""
        value = self.extra.get(key)
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            return default
        return value


@dataclass
class Context:
    """Everything a check may look at; expensive parts computed once, on demand."""

    nb: Notebook
    settings: Settings = field(default_factory=Settings)
    #: the notebook file on disk, when there is one (VCS and dependency checks need it)
    file: Path | None = None
    #: the project root (git top level or server root), for config and dependency files
    project_root: Path | None = None
    #: the highest folder dependency files are looked for in (``paths.project_ceiling``): the git top
    #: level, else the server root; None: no bound (the CLI outside a repository)
    ceiling: Path | None = None

    @cached_property
    def units(self) -> list[CodeUnit]:
        return self.nb.units()

    @cached_property
    def defuse(self) -> DefUse:
        """The lean analysis: no check reads a use of a builtin or one satisfied in its own cell."""
        return analyse(self.nb, lean=True)

    def cell(self, index: int) -> Cell:
        return self.nb.cells[index]

    def finding(
        self,
        check: str,
        severity: Severity,
        cell: int | None,
        line: int | None,
        message: str,
        hint: str = "",
        fix: Fix | None = None,
        *,
        subject: str | None = None,
    ) -> Finding:
        cell_id = self.nb.cells[cell].cell_id if cell is not None and 0 <= cell < len(self.nb.cells) else None
        return Finding(check, severity, cell, line, message, hint, cell_id, fix, subject)
