"""``POST /jupyter-prod/promote``: move notebook code into a module of the project.

The server writes the module (and tests) only; the notebook changes come back
as ``notebook_edits`` that the frontend applies as one undoable step.
"""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..errors import InputError
from ..paths import project_root
from ..promote import options_from_body, promote
from .base import ProdHandler, body_str, json_errors


class PromoteHandler(ProdHandler):
    @web.authenticated
    @authorized(action="write")
    @json_errors
    async def post(self) -> None:
        body = self.json_body()
        rel = body_str(body, "path")
        path = self.resolve(rel, what="notebook path")
        options = options_from_body(body)
        content = body.get("notebook")
        if content is not None and not isinstance(content, dict):
            raise InputError("'notebook' must be the notebook's JSON object.")
        if content is None and not path.is_file():
            self.resolve(rel, what="notebook path", must_exist=True)
        # project root: the git top level at or below the server root, else the server root; the engine
        # confines the target module to it (a PathError, 403, otherwise)
        root = project_root(path, self.root_dir)
        result = await self.in_thread(
            promote,
            path,
            options,
            project_root=root,
            content=content,
            allow_hidden=self.allow_hidden,
            typecheck_settings=self.typecheck_settings,
        )
        self.finish_json(result)
