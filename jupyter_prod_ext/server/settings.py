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
from dataclasses import dataclass
from typing import Any

from traitlets import Bool, Enum, Float, List, Unicode
from traitlets.config import Configurable

from ..typecheck import DEFAULT_TIMEOUT, TypecheckSettings

#: key of :class:`ServerSettings` in tornado's ``web_app.settings``
SETTINGS_KEY = "jupyter_prod"


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
    typecheck_timeout = Float(
        DEFAULT_TIMEOUT,
        min=0.1,
        help="Seconds one mypy call may take; a project's [tool.jupyter-prod] typecheck-timeout overrides it.",
    ).tag(config=True)
    max_body_mib = Float(
        None,
        allow_none=True,
        min=0.001,
        help="Largest request body in MiB (default: 64).",
    ).tag(config=True)
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

    typecheck: TypecheckSettings = dataclasses.field(default_factory=TypecheckSettings)
    #: None: ``server.base.MAX_BODY_BYTES``
    max_body_bytes: int | None = None


def settings_from_config(config: Any) -> ServerSettings:
    """Read ``c.JupyterProd`` from a traitlets ``Config`` (``server_app.config``)."""
    conf = JupyterProdConfig(config=config)
    typecheck = TypecheckSettings(
        backend="mypy" if conf.typecheck_backend == "mypy" else "daemon",
        mypy_command=tuple(conf.mypy_command) or None,
        dmypy_command=tuple(conf.dmypy_command) or None,
        timeout=float(conf.typecheck_timeout),
        trust_project_config=bool(conf.trust_project_config),
        plugins=tuple(conf.mypy_plugins),
        python_executable=conf.mypy_python_executable or None,
    )
    mib = conf.max_body_mib
    return ServerSettings(typecheck, None if mib is None else int(float(mib) * 1024 * 1024))


def server_settings(settings: dict[str, Any]) -> ServerSettings:
    """The :class:`ServerSettings` in tornado's settings (the defaults when the extension set none)."""
    found = settings.get(SETTINGS_KEY)
    return found if isinstance(found, ServerSettings) else ServerSettings()
