"""Renderers of ``check`` output: text for people, github annotations, SARIF 2.1.0."""

from __future__ import annotations

import json

from ..types import CheckOutputDict, FindingDict


def _where(f: FindingDict) -> str:
    if f["cell"] is None:
        return ""
    return f"cell {f['cell']}" + (f", line {f['line']}" if f["line"] else "")


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
            lines.append(f"  {f['severity']:<7} {f['check']:<24} {where + ': ' if where else ''}{f['message']}")
    return "\n".join(lines) + ("\n" if lines else "")


def render(fmt: str, out: CheckOutputDict) -> str:
    if fmt == "text":
        return render_text(out)
    raise ValueError(f"unknown format {fmt}")


__all__ = ["render", "render_text", "json"]
