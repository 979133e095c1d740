"""What a type check is told and what it answers: settings, result shapes, the virtual module's shape.

Plain data, so the CLI, the server settings and the checks import it without the process machinery.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Backend = Literal["daemon", "mypy"]
#: how a notebook is laid out for mypy: one module per cell (or short run of cells, see
#: :mod:`.cells`; a one-cell edit re-checks little) or one module for the whole notebook
Layout = Literal["cells", "module"]

DEFAULT_TIMEOUT = 60.0
DEFAULT_CANCEL_GRACE = 10.0
#: mypy codes that are not problems in a notebook (IPython runs top-level ``await``).
IGNORED_CODES = frozenset({"top-level-await"})
#: Names IPython provides in every kernel; declared for mypy unless a cell binds them itself.
IPYTHON_GLOBALS = ("get_ipython", "display")
_PRELUDE_ANY = "_jupyter_prod_Any"


@dataclass(frozen=True)
class TypecheckSettings:
    """How mypy is run. Comes from the server's or CLI's own settings, never from the project.

    (A project file must not choose which executable the server runs.)
    """

    backend: Backend = "daemon"
    layout: Layout = "cells"
    #: argv prefix of mypy; default ``[sys.executable, "-m", "mypy"]``
    mypy_command: tuple[str, ...] | None = None
    #: argv prefix of the daemon client; default mypy.dmypy through ``procs.dmypy_main`` (its daemon dies with us)
    dmypy_command: tuple[str, ...] | None = None
    #: seconds for one mypy call; ``[tool.jupyter-prod] typecheck-timeout`` overrides it
    timeout: float = DEFAULT_TIMEOUT
    #: parent of the per-project cache folders; default ``$XDG_CACHE_HOME/jupyter_prod``
    cache_root: Path | None = None
    #: the daemon exits after this many idle seconds
    daemon_idle_timeout: int = 1800
    #: seconds a cancelled check's daemon run may go on before the daemon is killed (it is warm for the
    #: next check; see daemon._run_mypy)
    cancel_grace: float = DEFAULT_CANCEL_GRACE
    #: talk to a running daemon over its socket instead of starting a ``dmypy`` client process
    daemon_ipc: bool = True
    #: take the project's mypy configuration whole (plugins, python_executable: code the project
    #: chooses); otherwise only its checking options (see :mod:`.mypy_config`)
    trust_project_config: bool = False
    #: mypy plugins and the Python whose packages mypy sees: the operator's choice, never the project's
    plugins: tuple[str, ...] = ()
    python_executable: str | None = None
    #: address-space ceiling of mypy and its daemon (``RLIMIT_AS``), None for none
    memory_mib: int | None = 4096
    #: messages name no absolute path (the server: an answer must not reveal where its files and tools
    #: are); the CLI shows them, they help its user
    hide_paths: bool = False

    @property
    def memory_bytes(self) -> int | None:
        return self.memory_mib * 1024 * 1024 if self.memory_mib else None

    def mypy_argv(self) -> list[str]:
        return list(self.mypy_command or (sys.executable, "-m", "mypy"))

    def dmypy_argv(self) -> list[str]:
        """The daemon client; by default through :func:`procs.dmypy_main`, whose daemon dies with us."""
        return list(self.dmypy_command or (sys.executable, "-m", "jupyter_prod_ext.procs", "--dmypy"))


@dataclass(frozen=True)
class TypeErrorItem:
    """One mypy message. ``cell`` is None for messages about another file (see ``file``)."""

    cell: int | None
    #: 1-based line in the cell (notebook) or in ``file``
    line: int
    #: 1-based column, None when mypy gave none
    column: int | None
    #: "error" or "note"
    severity: str
    code: str | None
    message: str
    hint: str | None = None
    #: line in the virtual module / checked module
    module_line: int | None = None
    #: for messages about other files: the path, relative to the project root when inside it
    file: str | None = None


@dataclass(frozen=True)
class TypeCheckResult:
    #: False when mypy could not run (missing, crashed, timed out); ``message`` says why
    ran: bool
    errors: list[TypeErrorItem] = field(default_factory=list)
    message: str | None = None
    #: cells left out because they are not valid Python (the syntax check reports them)
    skipped_cells: list[int] = field(default_factory=list)
    seconds: float = 0.0


@dataclass(frozen=True)
class VirtualModule:
    text: str
    #: index = module line - 1 -> (cell index, 1-based line in cell), None for prelude lines
    line_map: list[tuple[int, int] | None]
    skipped_cells: list[int]
