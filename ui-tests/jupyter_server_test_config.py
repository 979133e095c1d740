"""Server configuration for the galata integration tests.

Never use this configuration in production: it disables authentication and
exposes JupyterLab's JavaScript objects through the global window variable.
"""

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # type: ignore[name-defined]  # noqa: F821

c.ServerApp.ip = "127.0.0.1"  # type: ignore[name-defined]  # noqa: F821
c.ServerApp.allow_root = True  # type: ignore[name-defined]  # noqa: F821
# c.ServerApp.log_level = "DEBUG"
