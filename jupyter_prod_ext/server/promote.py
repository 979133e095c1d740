"""``POST /jupyter-prod/promote``: move notebook code into a module of the project.

The server writes the module (and tests) only; the notebook changes come back
as ``notebook_edits`` that the frontend applies as one undoable step.
"""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..paths import project_root
from ..promote import options_from_body, promote
from .base import ProdHandler, json_errors


class PromoteHandler(ProdHandler):
    @web.authenticated
    @authorized(action="write")
    @json_errors
    async def post(self) -> None:
        body = self.json_body()
        options = options_from_body(body)  # a malformed request is a 400 before any file lookup
        rel, path, content = self.notebook_target(body)
        # project root: the git top level at or below the server root, else the server root; the engine
        # confines the target module to it (a PathError, 403, otherwise)
        root = project_root(path, self.root_dir)
        result = await self.in_slow_lane(
            path,
            promote,
            path,
            options,
            project_root=root,
            content=content,
            allow_hidden=self.allow_hidden,
            typecheck_settings=self.typecheck_settings,
            replaceable=False,
        )
        self.finish_json(result)
