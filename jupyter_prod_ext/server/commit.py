"""``POST /jupyter-prod/commit`` and ``GET /jupyter-prod/status?path=[&renamed_from=...]``: notebooks into git.

Thin: paths are confined to the server root here, the readiness report is
computed by the checks engine, everything else is ``gitops``.
"""

from __future__ import annotations

from pathlib import Path

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..checks.api import check_path
from ..errors import InputError
from ..gitops.commit import CommitResultDict, commit_notebook
from ..gitops.status import StatusDict, repo_status
from ..types import ReportDict
from ..wire import CommitRequest
from .base import ProdHandler, json_errors


class CommitHandler(ProdHandler):
    @web.authenticated
    @authorized(action="write")
    @json_errors
    async def post(self) -> None:
        body = self.json_body(CommitRequest)
        rel = body["path"]
        notebook = self.resolve(rel, what="notebook path", must_exist=True)
        raw_paths = body.get("paths")
        paths = None if raw_paths is None else [self.resolve(p, what="path", must_exist=True) for p in raw_paths]
        renamed_from = [self.resolve(p, what="earlier path") for p in body.get("renamed_from", [])]
        root = self.root_dir
        result: CommitResultDict = await self.in_thread(
            _gate_and_commit,
            notebook,
            rel,
            root,
            body["message"],
            paths,
            renamed_from,
            body.get("code_only", True),
            body.get("allow_findings", False),
            body.get("init", False),
        )
        self.finish_json(result)


def _gate_and_commit(
    notebook: Path,
    rel: str,
    root: Path,
    message: str,
    paths: list[Path] | None,
    renamed_from: list[Path],
    code_only: bool,
    allow_findings: bool,
    init: bool,
) -> CommitResultDict:
    """One thread hop for both; the gate checks the very bytes the commit read (and commits)."""

    def gate_check(path: Path, data: bytes) -> ReportDict:
        return check_path(path, display=rel, server_root=root, checks="fast", data=data)

    return commit_notebook(
        notebook,
        message,
        paths=paths,
        renamed_from=renamed_from,
        code_only=code_only,
        gate_check=gate_check,
        allow_findings=allow_findings,
        init=init,
        init_root=root,  # promoted modules are recorded relative to the server root when there is no repo
        confine_to=root,
        display_root=root,
    )


class StatusHandler(ProdHandler):
    @web.authenticated
    @authorized(action="read")
    @json_errors
    async def get(self) -> None:
        rel = self.get_query_argument("path", None)
        if rel is None:
            raise InputError("Give the notebook as ?path=<path relative to the server root>.")
        notebook = self.resolve(rel, what="notebook path", must_exist=True)
        renamed_from = [self.resolve(p, what="earlier path") for p in self.get_query_arguments("renamed_from")]
        root = self.root_dir
        result: StatusDict = await self.in_thread(
            repo_status, notebook, renamed_from=renamed_from, confine_to=root, display_root=root
        )
        self.finish_json(result)
