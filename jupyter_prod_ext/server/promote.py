"""``POST /jupyter-prod/promote``: move notebook code into a module of the project.

The server writes the module (and tests) only; the notebook changes come back
as ``notebook_edits`` that the frontend applies as one undoable step.
"""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..paths import project_root
from ..promote import PromoteOptions, promote
from ..wire import PromoteRequest
from .base import ProdHandler, json_errors


def options_from_body(body: PromoteRequest) -> PromoteOptions:
    """The engine's options from a checked ``POST promote`` body (meaning is checked by ``validate``)."""
    opts = PromoteOptions(
        to=body["to"],
        cells=list(body.get("cells", [])),
        names=list(body.get("names", [])),
        as_function=body.get("as_function") or None,
        dry_run=body.get("dry_run", False),
        rewrite=body.get("rewrite", True),
        tests=body.get("tests", False),
        force=body.get("force", False),
        unmoved=dict(body.get("unmoved", {})),
        expect=body.get("expect"),
    )
    opts.validate()
    return opts


class PromoteHandler(ProdHandler):
    @web.authenticated
    @authorized(action="write")
    @json_errors
    async def post(self) -> None:
        body = self.json_body(PromoteRequest)
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
