"""The readiness check of a large notebook, in a one-shot child process.

Why a child: analysing a notebook of tens of thousands of cells allocates hundreds of MiB of
small Python objects (ASTs, the analysis that points into them). Freed, they leave pymalloc's
1 MiB arenas partly used: a long-lived object allocated meanwhile (a cache entry, an interned
name) keeps its whole arena. A server that did the work itself stayed +165 to +295 MiB above
its idle size afterwards, and ``malloc_trim`` gave none of it back (measured: 231 arenas held,
171 MiB of them unused pools). A child that exits gives everything back, at the price of a
Python start-up (about half a second) on notebooks where the analysis takes seconds anyway.

The child gets the server's process-wide budgets (cell and notebook limits, black's budget)
and its type-check settings on stdin, and answers the report, or the engine error, as JSON on
stdout. Run through :func:`procs.run_process`: memory-capped, group-killed at its timeout.
"""

from __future__ import annotations

import dataclasses
import json
import os
import signal
import sys
import threading
import time
from pathlib import Path
from typing import Any

from .. import formatting
from .. import notebook as nbmod
from ..errors import ProdError, ToolError
from ..procs import PARENT_PID_ENV, CancelScope, cancellable, child_exit, die_with_parent, run_process
from ..typecheck import TypecheckSettings
from ..types import ReportDict
from . import quality
from .api import check_path

#: the folder that holds the package: the child's working folder, so ``-m`` imports our package
#: and never a ``jupyter_prod_ext`` folder of whatever folder the server was started in
_PACKAGE_PARENT = Path(__file__).resolve().parent.parent.parent
#: seconds the analysis of one notebook may take in the child, on top of black's and mypy's own timeouts
ANALYSIS_SECONDS = 120.0
#: seconds the child has to stop its own tools (black, mypy) when it is cancelled or timed out
STOP_GRACE_SECONDS = 5.0
#: the child's address-space ceiling (``RLIMIT_AS``) unless the server sets one
DEFAULT_MEMORY_MIB = 4096


def _budgets() -> dict[str, Any]:
    """This process's work budgets (the server sets them at start-up), for the child to apply."""
    return {
        "max_cell_chars": nbmod.MAX_ANALYSED_CELL_CHARS,
        "slow_chars": quality.SLOW_NOTEBOOK_CHARS,
        "slow_cells": quality.SLOW_NOTEBOOK_CELLS,
        "format": dataclasses.asdict(formatting.BUDGET),
    }


def _apply_budgets(budgets: dict[str, Any]) -> None:
    nbmod.MAX_ANALYSED_CELL_CHARS = int(budgets["max_cell_chars"])
    quality.SLOW_NOTEBOOK_CHARS = int(budgets["slow_chars"])
    quality.SLOW_NOTEBOOK_CELLS = int(budgets["slow_cells"])
    formatting.set_budget(formatting.FormatBudget(**budgets["format"]))


def _settings_to_json(settings: TypecheckSettings | None) -> dict[str, Any] | None:
    if settings is None:
        return None
    data = dataclasses.asdict(settings)
    data["cache_root"] = None if settings.cache_root is None else str(settings.cache_root)
    return data


def _settings_from_json(data: dict[str, Any] | None) -> TypecheckSettings | None:
    if data is None:
        return None
    for key in ("mypy_command", "dmypy_command", "plugins"):
        if data.get(key) is not None:
            data[key] = tuple(data[key])
    if data.get("cache_root") is not None:
        data["cache_root"] = Path(data["cache_root"])
    return TypecheckSettings(**data)


def check_path_isolated(
    path: Path,
    *,
    display: str | None = None,
    server_root: Path | None = None,
    checks: object = "fast",
    content: dict[str, Any] | None = None,
    select: list[str] | None = None,
    ignore: list[str] | None = None,
    typecheck_settings: TypecheckSettings | None = None,
    memory_mib: int | None = None,
) -> ReportDict:
    """:func:`check_path` in a child process; the same report, or the same engine error."""
    request = {
        "path": str(path),
        "display": display,
        "server_root": None if server_root is None else str(server_root),
        "checks": checks,
        "content": content,
        "select": select,
        "ignore": ignore,
        "typecheck": _settings_to_json(typecheck_settings),
        "budgets": _budgets(),
    }
    tool_seconds = formatting.BUDGET.timeout + (typecheck_settings.timeout if typecheck_settings else 60.0)
    # mypy daemons the child starts watch this process, not the short-lived child (see procs.dmypy_main)
    env = {**os.environ, PARENT_PID_ENV: os.environ.get(PARENT_PID_ENV) or str(os.getpid())}
    result = run_process(
        [sys.executable, "-m", "jupyter_prod_ext.checks.isolated"],
        cwd=_PACKAGE_PARENT,
        env=env,
        input=json.dumps(request).encode("utf-8"),
        timeout=ANALYSIS_SECONDS + tool_seconds,
        what="the check of a large notebook",
        memory_bytes=(memory_mib or DEFAULT_MEMORY_MIB) * 1024 * 1024,
        grace=STOP_GRACE_SECONDS,
    )
    return _answer(result.returncode, result.out, result.err)


#: what to do after each kind of end of the child (see :func:`procs.child_exit`)
_ADVICE = {
    "memory": "split the notebook, or raise the server's limits.",
    "signal": "retry, and look at the server's log if it happens again.",
    "exit": "check the server's installation of jupyter-prod.",
}


def _answer(returncode: int, out: str, err: str = "") -> ReportDict:
    """The child's report, or its engine error raised again here."""
    try:
        answer = json.loads(out) if out.strip() else None
    except ValueError:
        answer = None
    if not isinstance(answer, dict):
        raise ToolError(f"The check of this large notebook {_child_failure(returncode, err)}")
    if "report" in answer:
        report: ReportDict = answer["report"]
        return report
    error = ProdError(str(answer.get("error", "The check failed.")))
    error.status = int(answer.get("status", 500))
    error.kind = str(answer.get("kind", "error"))
    if answer.get("details") is not None:
        error.details = answer["details"]  # type: ignore[attr-defined]
    raise error


def _child_failure(returncode: int, err: str) -> str:
    """What ended the child without an answer, and what to do, as the end of one sentence."""
    ended = child_exit(returncode, err)
    return f"{ended.text}; {_ADVICE[ended.kind]}"


def _serve(request: dict[str, Any]) -> dict[str, Any]:
    _apply_budgets(request["budgets"])
    try:
        report = check_path(
            Path(request["path"]),
            display=request["display"],
            server_root=None if request["server_root"] is None else Path(request["server_root"]),
            checks=request["checks"],
            content=request["content"],
            select=request["select"],
            ignore=request["ignore"],
            typecheck_settings=_settings_from_json(request["typecheck"]),
        )
    except ProdError as exc:
        return {"error": exc.message, "status": exc.status, "kind": exc.kind, "details": getattr(exc, "details", None)}
    return {"report": report}


def _stop(scope: CancelScope) -> None:
    """SIGTERM (the server cancelled this check, or it ran out of time): stop our tools, then ourselves.

    mypy and black run in sessions of their own, so killing this process's group would leave them.
    One-shot tools stop now; a run on the warm mypy daemon within its grace (procs.stopped_after) may
    finish, so the daemon stays warm: the check then ends and this process exits as usual (the server
    drops its answer). Otherwise everything is stopped at once, and this process exits, before the
    server's SIGKILL (:data:`STOP_GRACE_SECONDS`). A thread of its own: the signal may arrive while the
    main thread holds the scope's lock.
    """

    def stop() -> None:
        scope.cancel()
        time.sleep(max(STOP_GRACE_SECONDS - 1.0, 0.0))
        scope.cancel(at_once=True)
        os._exit(143)

    threading.Thread(target=stop, name="stop", daemon=True).start()


def main() -> None:
    """The child: one request on stdin, one answer on stdout, then exit.

    ``os._exit``: no interpreter teardown (it would only free memory the exit gives back anyway),
    and no exit hook stopping the mypy daemons the check used: they stay warm for the server's
    next check and die with the server.
    """
    scope = CancelScope()
    signal.signal(signal.SIGTERM, lambda *_: _stop(scope))
    die_with_parent(lambda: scope.cancel(at_once=True))  # a killed server's check stops with it
    with cancellable(scope):
        answer = _serve(json.loads(sys.stdin.buffer.read()))
    sys.stdout.write(json.dumps(answer))
    sys.stdout.flush()
    formatting.stop_worker()
    os._exit(0)


if __name__ == "__main__":
    main()
