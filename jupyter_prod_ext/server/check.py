"""``POST /jupyter-prod/check``: the readiness report of the editor's current notebook."""

from __future__ import annotations

import functools
from pathlib import Path
from typing import Any, cast

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..checks.api import check_notebook, check_path
from ..checks.isolated import check_path_isolated
from ..checks.registry import CHECKS, unknown_ids
from ..delta import DeltaNotebooks, DeltaStore, HeldCells, HeldReports, notebook_from_delta
from ..wire import CheckRequest
from .base import ProdHandler, json_errors

#: what delta requests sent, for every user of this server (bounded: see DeltaStore)
DELTA_STORE = DeltaStore()
#: the last notebook each editor's delta built (bounded: see DeltaNotebooks)
DELTA_NOTEBOOKS = DeltaNotebooks()
#: the last reports answered for each editor's notebook: the bases of findings deltas (bounded: see HeldReports)
HELD_REPORTS = HeldReports()
#: the cells lists of each editor's last delta requests: the bases of cells ranges (bounded: see HeldCells)
HELD_CELLS = HeldCells()


def fast_only(checks: object) -> object:
    """A read-only user's selection: slow checks (black, mypy, git) run tools on the server, so none.

    Unknown ids are kept, so the answer still says they are unknown.
    """
    if checks == "all":
        return "fast"
    if isinstance(checks, list):
        return [c for c in checks if c not in CHECKS or not CHECKS[c].slow]
    return checks


def unknown_names(body: CheckRequest) -> list[str]:
    """The names of the request's select/ignore (the panel's settings) that no check or family has.

    A mistyped id there selects or hides nothing, silently; the answer names it so the panel can say so.
    """
    return unknown_ids([*(body.get("select") or []), *(body.get("ignore") or [])])


def _naming_unknown(answer: dict[str, Any], unknown: list[str]) -> dict[str, Any]:
    """A report's (or findings delta's) answer naming the request's unknown check ids, when there are some."""
    if unknown and "summary" in answer:
        answer["summary"] = {**answer["summary"], "unknown_checks": unknown}
    return answer


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


def _check_delta(delta: object, path: Path, base: str | None, **kwargs: Any) -> dict[str, Any]:
    """A delta request's notebook rebuilt (from the previous request's where its cells did not change)
    and checked in one go, one thread hop (a keystroke's request), answered as a delta against the
    report ``base`` where the server holds it; or ``{"missing": [...]}`` when the store lacks some of
    its sources or outputs."""
    display = kwargs.pop("display")
    nb, missing = DELTA_NOTEBOOKS.notebook(kwargs["session"], delta, DELTA_STORE, display)
    if nb is None:
        return {"missing": missing}
    return dict(HELD_REPORTS.answer(kwargs["session"], check_notebook(nb, file=path, **kwargs), base))


def _with_cells(answer: dict[str, Any], rel: str, cells: list[Any]) -> dict[str, Any]:
    """A delta request's answer naming its cells list, now held: the next request's ``cells_base``."""
    answer["cells_id"] = HELD_CELLS.hold(rel, cells)
    return answer


class CheckHandler(ProdHandler):
    @web.authenticated
    @authorized(action="read")
    @json_errors
    async def post(self) -> None:
        body = self.json_body(CheckRequest)
        unknown = unknown_names(body)
        checks: object = body.get("checks", "fast")
        if not self.may("write"):
            checks = fast_only(checks)
        cells: list[Any] | None = None  # a delta request's cells, held once answered
        if "delta" in body and "notebook" not in body:
            # the cells' sources come from the store: the file itself need not exist (a new notebook)
            rel = body["path"]
            path = self.resolve(rel, what="notebook path", must_exist=False)
            expanded = HELD_CELLS.expand(rel, body["delta"])
            if expanded is None:
                self.finish_json({"missing_cells_base": True})
                return
            body = cast(CheckRequest, {**body, "delta": expanded[0]})
            cells = expanded[1]
            if not has_slow(checks) and not self._big(body, path):
                options = self._options(body, rel, checks)
                answer = await self.in_thread(_check_delta, body["delta"], path, body.get("findings_base"), **options)
                self.finish_json(_with_cells(_naming_unknown(answer, unknown), rel, cells))
                return
            notebook, missing = await self.in_thread(notebook_from_delta, body["delta"], DELTA_STORE)
            if notebook is None:
                self.finish_json(_with_cells({"missing": missing}, rel, cells))
                return
            body = CheckRequest(**body, notebook=notebook)
        rel, path, content = self.notebook_target(body)
        run = functools.partial(self.in_slow_lane, path) if has_slow(checks) else self.in_thread
        options = self._options(body, rel, checks)
        if self._big(body, path):
            options.pop("session")  # a one-shot child process: nothing of it stays in the server
            isolated = functools.partial(check_path_isolated, memory_mib=self.prod_settings.isolated_memory_mib)
            report = await run(isolated, path, content=content, **options)
        else:
            report = await run(check_path, path, content=content, **options)
        if content is not None:
            # the editor's notebook: its report is held, the base of the next answer's delta
            answer = _naming_unknown(dict(HELD_REPORTS.answer(rel, report, body.get("findings_base"))), unknown)
            self.finish_json(answer if cells is None else _with_cells(answer, rel, cells))
            return
        self.finish_json(_naming_unknown(dict(report), unknown))

    def _big(self, body: CheckRequest, path: Path) -> bool:
        """Whether the notebook is checked in a child process (see checks.isolated).

        The editor's notebook (sent whole or as a delta) counts by its cells: the analysis's memory
        grows with them, while the file's size is mostly outputs (an image-heavy notebook stays in the
        server, with its keystroke session). A notebook read from disk counts by its file's size.
        """
        st = self.prod_settings
        if len(self.request.body or b"") > st.isolate_bytes:
            return True
        sent = body.get("notebook", body.get("delta"))
        if isinstance(sent, dict):
            cells = sent.get("cells")
            return isinstance(cells, list) and len(cells) > st.isolate_cells
        return _size(path) > st.isolate_bytes

    def _options(self, body: CheckRequest, rel: str, checks: object) -> dict[str, Any]:
        """check_path's keyword arguments for this request; the editor's notebook (content sent) gets a
        session, so the next keystroke's check re-checks only what changed."""
        return {
            "display": rel,
            "server_root": self.root_dir,
            "checks": checks,
            "select": body.get("select"),
            "ignore": body.get("ignore"),
            "typecheck_settings": self.typecheck_settings,
            "session": rel if "notebook" in body or "delta" in body else None,
        }
