"""``POST /jupyter-prod/format``: black's version of the editor's code cells.

Nothing is written here: the answer carries the new sources and the frontend
puts them into the editor, so undo and the document model stay in charge.
"""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..errors import InputError
from ..formatting import format_notebook
from .base import ProdHandler, json_errors


def _cells(value: object) -> list[int] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(x, int) and not isinstance(x, bool) for x in value):
        raise InputError("'cells' must be a list of cell indices (integers).")
    return list(value)


class FormatHandler(ProdHandler):
    @web.authenticated
    @authorized(action="write")
    @json_errors
    async def post(self) -> None:
        body = self.json_body()
        rel, path, content = self.notebook_target(body)
        answer = await self.in_slow_lane(
            path,
            format_notebook,
            path,
            display=rel,
            server_root=self.root_dir,
            content=content,
            cells=_cells(body.get("cells")),
        )
        self.finish_json(answer)
