"""The readiness gate in front of a commit.

The caller computes the report (the checks engine already moved per-cell
waivers to ``waived``); this only decides, by the one rule
:func:`~jupyter_prod_ext.checks.registry.commit_gate` (each finding of a report also
carries its answer as ``commit_gate``, which the panel shows). Secrets always
block: a leaked key in git history outlives any later fix, so ``allow_findings``
cannot override them, and every committed file is scanned for them
(:func:`gate_files`), not only the notebook. Other error-severity findings block
unless the user allows them.
"""

from __future__ import annotations

import re

from ..checks.registry import SECRET_CHECK, commit_gate
from ..checks.secrets import mask, scan_text
from ..errors import RefusedError
from ..notebook import cell_numbers
from ..types import FindingDict, ReportDict
from ..wire import CommitGate, CommitRefusalDetails, CommitRefusalReason


def refusal_details(
    reason: CommitRefusalReason,
    *,
    findings: list[FindingDict] | None = None,
    output: str = "",
    modified: list[str] | None = None,
) -> CommitRefusalDetails:
    """The ``details`` of every commit refusal: always the same keys, so the UI needs no guessing."""
    return {"reason": reason, "findings": list(findings or []), "output": output, "modified": list(modified or [])}


def _gated(findings: list[FindingDict], how: CommitGate) -> list[FindingDict]:
    return [f for f in findings if commit_gate(f["check"], f["severity"]) == how]


def _cells(findings: list[FindingDict]) -> str:
    cells = sorted({c for f in findings if (c := f.get("cell")) is not None})
    if not cells:
        return ""
    shown = cell_numbers(cells[:8]) + (", ..." if len(cells) > 8 else "")
    return f" (cell{'s' if len(cells) > 1 else ''} {shown})"


def _them(n: int) -> str:
    """The pronoun for ``n`` findings in a refusal: one finding is "it", the user reads "fix it"."""
    return "them" if n > 1 else "it"


def gate(report: ReportDict | None, allow_findings: bool) -> None:
    """Raise :class:`RefusedError` when ``report`` must stop the commit; ``None`` means no gate."""
    if report is None:
        return
    findings = list(report.get("findings", []))
    name = report.get("path", "the notebook")
    secrets = _gated(findings, "always")
    if secrets:
        n = len(secrets)
        raise RefusedError(
            f"Commit refused: {n} possible secret{'s' if n > 1 else ''} in {name}{_cells(secrets)}; "
            f"remove {_them(n)}, or waive a false positive (Waive in the panel, or # prod: ignore[secret] on its "
            "line) and commit again.",
            refusal_details("secrets", findings=secrets),
        )
    errors = _gated(findings, "unless-allowed")
    if errors and not allow_findings:
        n = len(errors)
        raise RefusedError(
            f"Commit refused: {n} error finding{'s' if n > 1 else ''} in {name}{_cells(errors)}; "
            f"fix {_them(n)}, or commit anyway ('Commit anyway' in the panel, --allow-findings on the command line).",
            refusal_details("findings", findings=errors),
        )


#: ``# prod: ignore[secret]`` (or a bare ``# prod: ignore``) on a line of a committed file waives it there,
#: like the inline waiver in a cell
_LINE_WAIVER = re.compile(r"#\s*prod:\s*ignore(?:\[[^\]]*\bsecret\b[^\]]*\]|(?!\[))")


def file_secret_findings(rel: str, content: bytes) -> list[FindingDict]:
    """Possible secrets in one committed file other than the gated notebook (values masked)."""
    text = content.decode("utf-8", errors="replace")
    lines = text.split("\n")
    found: list[FindingDict] = []
    for offset, kind, value in scan_text(text):
        line = text.count("\n", 0, offset) + 1
        if _LINE_WAIVER.search(lines[line - 1]):
            continue
        found.append(
            {
                "check": SECRET_CHECK,
                "severity": "error",
                "cell": None,
                "cell_id": None,
                "line": line,
                "message": f"{rel}, line {line}: possible secret ({kind.split(':')[0]}): {mask(value)}.",
                "hint": "Remove it and read it at run time (os.environ); waive a false positive with "
                "# prod: ignore[secret] on its line.",
                "fix": None,
                "commit_gate": "always",
            }
        )
    return found


def gate_files(files: list[tuple[str, bytes]]) -> None:
    """Refuse the commit when a file to commit (``(path, bytes)``) holds a possible secret."""
    secrets = [f for rel, content in files for f in file_secret_findings(rel, content)]
    if secrets:
        names = sorted({f["message"].split(",", 1)[0] for f in secrets})
        n = len(secrets)
        raise RefusedError(
            f"Commit refused: {n} possible secret{'s' if n > 1 else ''} in {', '.join(names)}; "
            "remove them (or waive a false positive with # prod: ignore[secret] on its line) and commit again.",
            refusal_details("secrets", findings=secrets),
        )
