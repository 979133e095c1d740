"""``POST /jupyter-prod/check``: the readiness report of the editor's current notebook."""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..checks.api import check_path
from ..checks.registry import CHECKS
from ..delta import DeltaStore, notebook_from_delta
from ..errors import InputError
from .base import ProdHandler, json_errors

#: what delta requests sent, for every user of this server (bounded: see DeltaStore)
DELTA_STORE = DeltaStore()


def _str_list(value: object, key: str) -> list[str] | None:
    if value is None:
        return None
    if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
        raise InputError(f"'{key}' must be a list of check ids.")
    return list(value)


def fast_only(checks: object) -> object:
    """A read-only user's selection: slow checks (black, mypy, git) run tools on the server, so none.

    Unknown ids are kept, so the answer still says they are unknown.
    """
    if checks == "all":
        return "fast"
    if isinstance(checks, list):
        return [c for c in checks if c not in CHECKS or not CHECKS[c].slow]
    return checks


class CheckHandler(ProdHandler):
    @web.authenticated
    @authorized(action="read")
    @json_errors
    async def post(self) -> None:
        body = self.json_body()
        if "delta" in body and "notebook" not in body:
            # the cells' sources come from the store: the file itself need not exist (a new notebook)
            notebook, missing = await self.in_thread(notebook_from_delta, body["delta"], DELTA_STORE)
            if missing:
                self.finish_json({"missing": missing})
                return
            body = dict(body, notebook=notebook)
        rel, path, content = self.notebook_target(body)
        checks = body.get("checks", "fast")
        if isinstance(checks, list):
            checks = _str_list(checks, "checks")
        if not self.may("write"):
            checks = fast_only(checks)
        report = await self.in_thread(
            check_path,
            path,
            display=rel,
            server_root=self.root_dir,
            checks=checks,
            content=content,
            select=_str_list(body.get("select"), "select"),
            ignore=_str_list(body.get("ignore"), "ignore"),
            typecheck_settings=self.typecheck_settings,
        )
        self.finish_json(report)
