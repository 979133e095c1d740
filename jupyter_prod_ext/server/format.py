"""``POST /jupyter-prod/format``: black's version of the editor's code cells.

Nothing is written here: the answer carries the new sources and the frontend
puts them into the editor, so undo and the document model stay in charge.
"""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..formatting import format_notebook
from ..wire import FormatRequest
from .base import ProdHandler, json_errors


class FormatHandler(ProdHandler):
    @web.authenticated
    @authorized(action="write")
    @json_errors
    async def post(self) -> None:
        body = self.json_body(FormatRequest)
        rel, path, content = self.notebook_target(body)
        answer = await self.in_slow_lane(
            path,
            format_notebook,
            path,
            display=rel,
            server_root=self.root_dir,
            content=content,
            cells=body.get("cells"),
        )
        self.finish_json(answer)
