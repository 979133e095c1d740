"""The server's own settings (``c.JupyterProd.*`` in a Jupyter server config file).

Which mypy runs and for how long is the server operator's choice, never the
project's (a project file must not choose the executable the server runs), so it
lives in the jupyter_server config: ``jupyter_server_config.py``::

    c.JupyterProd.mypy_command = ["/opt/tools/bin/python", "-m", "mypy"]
    c.JupyterProd.dmypy_command = ["/opt/tools/bin/python", "-m", "mypy.dmypy"]
    c.JupyterProd.typecheck_timeout = 20
    c.JupyterProd.max_body_mib = 32

or ``--JupyterProd.typecheck_timeout=20`` on the command line. The handlers read
the resulting :class:`ServerSettings` from ``web_app.settings["jupyter_prod"]``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from traitlets import Bool, Enum, Float, Int, List, Unicode
from traitlets.config import Configurable

from .. import formatting, notebook
from ..checks import quality
from ..config import clamp_timeout
from ..typecheck import DEFAULT_CANCEL_GRACE, DEFAULT_TIMEOUT, TypecheckSettings

#: key of :class:`ServerSettings` in tornado's ``web_app.settings``
SETTINGS_KEY = "jupyter_prod"


def _limit(trait: Callable[..., Any], minimum: float, help: str) -> Any:
    """An optional operator limit: unset (None) keeps the engine's default; below ``minimum`` is refused.

    One declaration for every limit, so each is validated the same way (traitlets refuses a value of the
    wrong type or under the minimum when the extension loads, and the extension then runs on defaults).
    """
    return trait(None, allow_none=True, min=minimum, help=help).tag(config=True)


def _number(trait: Callable[..., Any], default: float, minimum: float, help: str) -> Any:
    """A setting with a default, validated like :func:`_limit`."""
    return trait(default, min=minimum, help=help).tag(config=True)


class JupyterProd(Configurable):
    """``c.JupyterProd.*``: how the readiness checks and promotion run mypy, and request limits.

    traitlets names the config section after the class, hence the short class name.
    """

    mypy_command = List(
        Unicode(),
        default_value=[],
        help="argv prefix that runs mypy (default: the server's Python, -m mypy).",
    ).tag(config=True)
    dmypy_command = List(
        Unicode(),
        default_value=[],
        help="argv prefix of mypy's daemon client (default: the server's Python, -m mypy.dmypy).",
    ).tag(config=True)
    typecheck_backend = Enum(
        ["daemon", "mypy"],
        default_value="daemon",
        help="'daemon': a warm mypy daemon per project; 'mypy': one mypy process per check.",
    ).tag(config=True)
    typecheck_timeout = _number(
        Float,
        DEFAULT_TIMEOUT,
        0.1,
        "Seconds one mypy call may take; a project's [tool.jupyter-prod] typecheck-timeout overrides it.",
    )
    typecheck_cancel_grace = _number(
        Float,
        DEFAULT_CANCEL_GRACE,
        0.0,
        "Seconds the mypy daemon's run for a check replaced by a newer one may go on before the daemon is "
        "killed: a shorter run finishes (its answer is dropped) and the daemon stays warm for the newer check; "
        "a longer one is taken as stuck. 0 kills it at once.",
    )
    max_body_mib = _limit(Float, 0.001, "Largest request body in MiB (default: 64).")
    max_cell_kib = _limit(
        Float,
        1,
        "Largest code cell (KiB) that is analysed, formatted, type-checked or promoted; a larger one gets "
        "the cell-too-large finding instead (default: about 195 KiB).",
    )
    max_black_cell_kib = _limit(Float, 1, "Largest cell (KiB) black formats (default: about 98 KiB).")
    max_notebook_code_kib = _limit(
        Float, 1, "Largest total of code (KiB) in one notebook that black and mypy run on (default: about 977 KiB)."
    )
    max_notebook_code_cells = _limit(
        Int, 1, "Most code cells in one notebook that black and mypy run on (default: 2000)."
    )
    worker_memory_mib = _limit(
        Int,
        64,
        "Address-space ceiling (MiB) of black's worker and of mypy (default: 2048 for black, 4096 for mypy).",
    )
    isolate_notebook_mib = _number(
        Float,
        2.0,
        0.0,
        "Notebook files (and requests) larger than this are checked in a one-shot child "
        "process, so the server's memory returns to its idle level afterwards (freed small objects otherwise "
        "stay with the server); 0 checks every notebook that way.",
    )
    isolate_notebook_cells = _number(
        Int,
        2000,
        1,
        "The editor's notebook (sent with the request) is checked in a one-shot child process when it has "
        "more cells than this (its analysis's memory grows with them), or its request is larger than "
        "isolate_notebook_mib.",
    )
    black_timeout = _number(Float, 30.0, 0.1, "Seconds black may take on one request's cells.")
    worker_idle_timeout = _number(Float, 300.0, 1, "Seconds without work after which black's worker process exits.")
    slow_checks_per_project = _number(
        Int, 1, 1, "Slow checks (black, mypy, git) of one project that run at once; the others queue."
    )
    slow_queue = _number(
        Int, 64, 1, "Slow check requests that may wait at once; beyond that a request is answered 503."
    )
    trust_project_config = Bool(
        False,
        help="Run mypy with each project's own configuration as it is, plugins and python_executable included. "
        "RISK: a repository's pyproject.toml or mypy.ini then makes this server run code the repository chooses "
        "(a plugin is imported, an executable is started) on every check, for anyone allowed to read. Off: only "
        "checking options (strictness, ignores, per-module overrides, mypy_path inside the project) are taken.",
    ).tag(config=True)
    mypy_plugins = List(
        Unicode(),
        default_value=[],
        help="mypy plugins (module names or absolute paths) for every check; projects cannot add any unless "
        "trust_project_config is on.",
    ).tag(config=True)
    mypy_python_executable = Unicode(
        None,
        allow_none=True,
        help="The Python whose installed packages mypy resolves imports against (default: mypy's own).",
    ).tag(config=True)


JupyterProdConfig = JupyterProd


@dataclass(frozen=True)
class ServerSettings:
    """What the handlers need from the server config: plain values, no traitlets."""

    typecheck: TypecheckSettings = dataclasses.field(default_factory=lambda: TypecheckSettings(hide_paths=True))
    #: None: ``server.base.MAX_BODY_BYTES``
    max_body_bytes: int | None = None
    #: slow checks of one project running at once, and requests allowed to wait
    slow_per_project: int = 1
    slow_queue: int = 64
    #: notebooks larger than this (bytes) are checked in a child process (see checks.isolated)
    isolate_bytes: int = 2 * 1024 * 1024
    #: ... and the editor's notebooks with more cells than this
    isolate_cells: int = 2000
    #: that child's address-space ceiling in MiB (None: checks.isolated's default)
    isolated_memory_mib: int | None = None


def settings_from_config(config: Any) -> ServerSettings:
    """Read ``c.JupyterProd`` from a traitlets ``Config`` (``server_app.config``)."""
    conf = JupyterProdConfig(config=config)
    typecheck = TypecheckSettings(
        backend="mypy" if conf.typecheck_backend == "mypy" else "daemon",
        mypy_command=tuple(conf.mypy_command) or None,
        dmypy_command=tuple(conf.dmypy_command) or None,
        timeout=clamp_timeout(float(conf.typecheck_timeout)),
        cancel_grace=clamp_timeout(float(conf.typecheck_cancel_grace)),
        trust_project_config=bool(conf.trust_project_config),
        plugins=tuple(conf.mypy_plugins),
        python_executable=conf.mypy_python_executable or None,
        hide_paths=True,
    )
    if conf.worker_memory_mib is not None:
        typecheck = dataclasses.replace(typecheck, memory_mib=max(int(conf.worker_memory_mib), 1024))
    return ServerSettings(
        typecheck,
        _scaled(conf, "max_body_mib", 1024 * 1024, None),
        slow_per_project=int(conf.slow_checks_per_project),
        slow_queue=int(conf.slow_queue),
        isolate_bytes=int(float(conf.isolate_notebook_mib) * 1024 * 1024),
        isolate_cells=int(conf.isolate_notebook_cells),
        isolated_memory_mib=None if conf.worker_memory_mib is None else max(int(conf.worker_memory_mib), 1024),
    )


@dataclass(frozen=True)
class _ProcessLimit:
    """A ``c.JupyterProd`` limit that replaces an engine module's constant: the setting, its unit, the target."""

    setting: str
    #: KiB settings become characters (1024); counts stay as they are (1)
    scale: int
    module: ModuleType
    attribute: str


#: The engine's process-wide limits the operator may set; an unset one keeps the module's default.
PROCESS_LIMITS = (
    _ProcessLimit("max_cell_kib", 1024, notebook, "MAX_ANALYSED_CELL_CHARS"),
    _ProcessLimit("max_notebook_code_kib", 1024, quality, "SLOW_NOTEBOOK_CHARS"),
    _ProcessLimit("max_notebook_code_cells", 1, quality, "SLOW_NOTEBOOK_CELLS"),
)


def _scaled(conf: JupyterProd, setting: str, scale: int, default: int | None) -> int | None:
    """An optional setting in the engine's unit, or ``default`` when the operator left it unset."""
    value = getattr(conf, setting)
    return default if value is None else int(float(value) * scale)


def apply_budgets(config: Any) -> None:
    """Set the engine's process-wide work budgets from ``c.JupyterProd`` (once, at start-up).

    They are process-wide on purpose: the limits protect the server process, whichever request asks.
    """
    conf = JupyterProdConfig(config=config)
    for limit in PROCESS_LIMITS:
        value = _scaled(conf, limit.setting, limit.scale, None)
        if value is not None:
            setattr(limit.module, limit.attribute, value)
    current = formatting.BUDGET
    budget = formatting.FormatBudget(
        cell_chars=_scaled(conf, "max_black_cell_kib", 1024, None) or current.cell_chars,
        timeout=clamp_timeout(float(conf.black_timeout)),
        memory_mib=_scaled(conf, "worker_memory_mib", 1, None) or current.memory_mib,
        idle_seconds=clamp_timeout(float(conf.worker_idle_timeout)),
    )
    formatting.set_budget(budget)


def server_settings(settings: dict[str, Any]) -> ServerSettings:
    """The :class:`ServerSettings` in tornado's settings (the defaults when the extension set none)."""
    found = settings.get(SETTINGS_KEY)
    return found if isinstance(found, ServerSettings) else ServerSettings()
