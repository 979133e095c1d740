"""``GET /jupyter-prod/version``: lets the frontend detect a version mismatch."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from .. import __version__
from .base import ProdHandler, json_errors


class VersionHandler(ProdHandler):
    @web.authenticated
    @authorized(action="read")
    @json_errors
    async def get(self) -> None:
        self.finish_json({"version": __version__, "api": 1})
