"""Renderers of ``check`` output: text for people, github annotations, SARIF 2.1.0."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import quote

from .. import __version__
from ..notebook import cell_number
from ..types import CheckOutputDict, FindingDict


def _where(f: FindingDict) -> str:
    if f["cell"] is None:
        return ""
    return f"cell {cell_number(f['cell'])}" + (f", line {f['line']}" if f["line"] else "")


def _file_line(f: FindingDict) -> int:
    """The line CI points at: the file's own line for a text notebook (jupytext), else 1.

    An ``.ipynb`` line cannot address a cell, so there the cell goes in the message only.
    """
    return f.get("file_line") or 1


def render_text(out: CheckOutputDict) -> str:
    lines: list[str] = []
    for r in out["notebooks"]:
        s = r["summary"]
        lines.append(
            f"{r['path']}: score {r['score']}/100 — {s['errors']} error(s), {s['warnings']} warning(s), "
            f"{s['infos']} info, {s['waived']} waived"
        )
        for f in r["findings"]:
            where = _where(f)
            if "file_line" in f:
                where += f" ({r['path']}:{f['file_line']})"
            lines.append(f"  {f['severity']:<7} {f['check']:<24} {where + ': ' if where else ''}{f['message']}")
    return "\n".join(lines) + ("\n" if lines else "")


_GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _gh_escape(text: str, *, prop: bool = False) -> str:
    """GitHub workflow-command escaping (``%``, CR, LF; plus ``:`` and ``,`` in properties)."""
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    if prop:
        text = text.replace(":", "%3A").replace(",", "%2C")
    return text


def _uri(path: str, *, sarif: bool = False) -> str:
    """A relative, ``/``-separated path for CI (relative to the working directory when inside it).

    SARIF needs a URI: a path outside the working directory becomes ``file://...``.
    """
    p = Path(path)
    if p.is_absolute():
        try:
            p = p.relative_to(Path.cwd())
        except ValueError:
            return p.as_uri() if sarif else p.as_posix()
    return quote(p.as_posix()) if sarif else p.as_posix()


def render_github(out: CheckOutputDict) -> str:
    """GitHub Actions annotations; the cell goes in the message, the line is the file's (see ``_file_line``)."""
    lines: list[str] = []
    for r in out["notebooks"]:
        file = _gh_escape(_uri(r["path"]), prop=True)
        for f in r["findings"]:
            where = _where(f)
            message = f"{where}: {f['message']}" if where else f["message"]
            if f["hint"]:
                message += f" ({f['hint']})"
            lines.append(
                f"::{_GITHUB_LEVEL[f['severity']]} file={file},line={_file_line(f)},title={_gh_escape(f['check'], prop=True)}"
                f"::{_gh_escape(message)}"
            )
    for e in out["errors"]:
        lines.append(f"::error file={_gh_escape(_uri(e['path']), prop=True)},title=unreadable::{_gh_escape(e['message'])}")
    return "\n".join(lines) + ("\n" if lines else "")


def sarif(out: CheckOutputDict) -> dict[str, Any]:
    """SARIF 2.1.0 for code scanning; rules are every check that ran, results carry cell positions."""
    from ..checks import CHECKS

    used: dict[str, None] = {}
    for r in out["notebooks"]:
        for cid in r["summary"]["checks_run"]:
            used.setdefault(cid)
        for f in r["findings"]:
            used.setdefault(f["check"])
    rule_ids = list(used)
    rules: list[dict[str, Any]] = []
    for cid in rule_ids:
        spec = CHECKS.get(cid)
        rules.append(
            {
                "id": cid,
                "name": cid,
                "shortDescription": {"text": spec.description if spec else cid},
                "defaultConfiguration": {"level": _SARIF_LEVEL[spec.severity] if spec else "warning"},
                "properties": {"family": spec.family if spec else "", "slow": bool(spec and spec.slow)},
            }
        )
    index = {cid: i for i, cid in enumerate(rule_ids)}
    results: list[dict[str, Any]] = []
    for r in out["notebooks"]:
        uri = _uri(r["path"], sarif=True)
        for f in r["findings"]:
            where = _where(f)
            text = f"{where}: {f['message']}" if where else f["message"]
            results.append(
                {
                    "ruleId": f["check"],
                    "ruleIndex": index[f["check"]],
                    "level": _SARIF_LEVEL[f["severity"]],
                    "message": {"text": text + (f" {f['hint']}" if f["hint"] else "")},
                    "locations": [
                        {"physicalLocation": {"artifactLocation": {"uri": uri}, "region": {"startLine": _file_line(f)}}}
                    ],
                    "properties": {"cell": f["cell"], "cell_id": f["cell_id"], "line": f["line"]},
                }
            )
    notifications = [
        {"level": "error", "message": {"text": e["message"]}, "locations": [
            {"physicalLocation": {"artifactLocation": {"uri": _uri(e["path"], sarif=True)}}}
        ]}
        for e in out["errors"]
    ]  # fmt: skip
    run: dict[str, Any] = {
        "tool": {
            "driver": {
                "name": "jupyter-prod",
                "version": __version__,
                "rules": rules,
            }
        },
        "results": results,
        "invocations": [
            {"executionSuccessful": not out["errors"], "toolExecutionNotifications": notifications}
        ],
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render(fmt: str, out: CheckOutputDict) -> str:
    if fmt == "text":
        return render_text(out)
    if fmt == "github":
        return render_github(out)
    if fmt == "sarif":
        return json.dumps(sarif(out), indent=2) + "\n"
    raise ValueError(f"unknown format {fmt}")


__all__ = ["render", "render_github", "render_text", "sarif"]
