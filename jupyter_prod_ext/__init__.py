"""jupyter_prod_ext: take a notebook to production from JupyterLab.

Only extension points live here; the engine is in the submodules.
"""

from __future__ import annotations

from typing import Any

try:
    from ._version import __version__
except ImportError:  # running from a source tree that was never built
    __version__ = "0.1.0"

__all__ = ["__version__"]


def _jupyter_labextension_paths() -> list[dict[str, str]]:
    return [{"src": "labextension", "dest": "jupyter-prod-ext"}]


def _jupyter_server_extension_points() -> list[dict[str, str]]:
    return [{"module": "jupyter_prod_ext"}]


def _load_jupyter_server_extension(server_app: Any) -> None:
    # Imported here so `import jupyter_prod_ext` (CLI, tests) never pulls tornado in.
    from traitlets import TraitError

    from .server.routes import setup_route_handlers
    from .server.settings import SETTINGS_KEY, ServerSettings, apply_budgets, settings_from_config

    try:
        settings = settings_from_config(server_app.config)
        apply_budgets(server_app.config)
    except TraitError as exc:
        # a mistyped value must not take the whole extension down: say so, run with the defaults
        server_app.log.error("jupyter_prod_ext: invalid c.JupyterProd setting, using the defaults: %s", exc)
        settings = ServerSettings()
    server_app.web_app.settings[SETTINGS_KEY] = settings
    setup_route_handlers(server_app.web_app)
    server_app.log.info("jupyter_prod_ext: routes registered under /jupyter-prod/")
