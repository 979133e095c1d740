"""The route table: one line a route, each handler in its own module."""

from __future__ import annotations

from typing import Any

from jupyter_server.utils import url_path_join

from .check import CheckHandler
from .commit import CommitHandler, StatusHandler
from .format import FormatHandler
from .meta import VersionHandler
from .promote import PromoteHandler
from .run import RunHandler

NAMESPACE = "jupyter-prod"

ROUTES: list[tuple[str, type]] = [
    ("check", CheckHandler),
    ("commit", CommitHandler),
    ("format", FormatHandler),
    ("promote", PromoteHandler),
    ("run", RunHandler),
    ("status", StatusHandler),
    ("version", VersionHandler),
]


def setup_route_handlers(web_app: Any) -> None:
    base_url = web_app.settings["base_url"]
    handlers = [(url_path_join(base_url, NAMESPACE, name), handler) for name, handler in ROUTES]
    web_app.add_handlers(".*$", handlers)
