"""``POST /jupyter-prod/check``: the readiness report of the editor's current notebook."""

from __future__ import annotations

import functools
from pathlib import Path

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..checks.api import check_path
from ..checks.isolated import check_path_isolated
from ..checks.registry import CHECKS
from ..delta import DeltaStore, notebook_from_delta
from ..wire import CheckRequest
from .base import ProdHandler, json_errors

#: what delta requests sent, for every user of this server (bounded: see DeltaStore)
DELTA_STORE = DeltaStore()


def fast_only(checks: object) -> object:
    """A read-only user's selection: slow checks (black, mypy, git) run tools on the server, so none.

    Unknown ids are kept, so the answer still says they are unknown.
    """
    if checks == "all":
        return "fast"
    if isinstance(checks, list):
        return [c for c in checks if c not in CHECKS or not CHECKS[c].slow]
    return checks


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except OSError:
        return 0


def has_slow(checks: object) -> bool:
    """Whether the selection runs a tool (black, mypy, git): such requests wait in the project's lane."""
    if checks == "all":
        return True
    return isinstance(checks, list) and any(c in CHECKS and CHECKS[c].slow for c in checks)


class CheckHandler(ProdHandler):
    @web.authenticated
    @authorized(action="read")
    @json_errors
    async def post(self) -> None:
        body = self.json_body(CheckRequest)
        if "delta" in body and "notebook" not in body:
            # the cells' sources come from the store: the file itself need not exist (a new notebook)
            notebook, missing = await self.in_thread(notebook_from_delta, body["delta"], DELTA_STORE)
            if notebook is None:
                self.finish_json({"missing": missing})
                return
            body = CheckRequest(**body, notebook=notebook)
        rel, path, content = self.notebook_target(body)
        checks: object = body.get("checks", "fast")
        if not self.may("write"):
            checks = fast_only(checks)
        run = functools.partial(self.in_slow_lane, path) if has_slow(checks) else self.in_thread
        # the file's size stands for the notebook's when the request sends it (as a delta, or whole)
        big = max(len(self.request.body or b""), _size(path)) > self.prod_settings.isolate_bytes
        isolated = functools.partial(check_path_isolated, memory_mib=self.prod_settings.isolated_memory_mib)
        report = await run(
            isolated if big else check_path,
            path,
            display=rel,
            server_root=self.root_dir,
            checks=checks,
            content=content,
            select=body.get("select"),
            ignore=body.get("ignore"),
            typecheck_settings=self.typecheck_settings,
            # the editor's notebook: the next keystroke's check re-checks only what changed
            session=str(path) if content is not None else None,
        )
        self.finish_json(report)
