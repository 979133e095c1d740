"""Hand labels of findings (right or wrong) against a fresh report: what precision each check has.

One mechanism for the labelled sets of issue 17: ``tests/data/LABELS.json`` (notebooks in this
repository, checked by ``tests/test_precision.py``) and ``bench/precision/LABELS.json`` (public
notebooks kept outside it, measured by ``bench/precision/measure.py``). A label names a finding by
file, cell, line and check id, not by message, so rewording a message keeps its label; a label whose
verdict was about the wording carries ``message`` (a part of the text it judged) and applies to that text only.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

#: (file relative to the labelled folder, cell, line, check id)
Key = tuple[str, "int | None", "int | None", str]


def label_key(label: dict[str, Any]) -> Key:
    return (str(label["file"]), label["cell"], label["line"], str(label["check"]))


def report_keys(output: dict[str, Any], root: Path) -> dict[Key, tuple[str, str]]:
    """Every finding of a ``check --format json`` output, keyed like the labels: (severity, message)."""
    found: dict[Key, tuple[str, str]] = {}
    for report in output["notebooks"]:
        rel = Path(report["path"]).resolve().relative_to(root.resolve()).as_posix()
        for f in report["findings"]:
            found[(rel, f["cell"], f["line"], f["check"])] = (f["severity"], f["message"])
    return found


@dataclass
class CheckRow:
    """One check at one severity: labelled findings still reported, and how many of them are right."""

    check: str
    severity: str
    reported_right: int = 0
    reported_wrong: int = 0

    @property
    def precision(self) -> float | None:
        total = self.reported_right + self.reported_wrong
        return self.reported_right / total if total else None


@dataclass
class Comparison:
    rows: dict[tuple[str, str], CheckRow] = field(default_factory=dict)
    #: labelled wrong and still reported: a false positive came back
    wrong_reported: list[dict[str, Any]] = field(default_factory=list)
    #: labelled right and no longer reported: a true finding was lost
    right_missing: list[dict[str, Any]] = field(default_factory=list)
    #: error-severity findings nobody labelled (every error must be)
    unlabelled_errors: list[Key] = field(default_factory=list)

    def totals(self, severity: str) -> CheckRow:
        row = CheckRow("all", severity)
        for r in self.rows.values():
            if r.severity == severity:
                row.reported_right += r.reported_right
                row.reported_wrong += r.reported_wrong
        return row


def compare(found: dict[Key, tuple[str, str]], labels: list[dict[str, Any]]) -> Comparison:
    """Labels against a report (keyed by :func:`report_keys`)."""
    cmp = Comparison()
    labelled: set[Key] = set()
    for label in labels:
        key = label_key(label)
        labelled.add(key)
        hit = found.get(key)
        if hit is None or str(label.get("message", "")) not in hit[1]:
            if label["verdict"] == "right":
                cmp.right_missing.append(label)
            continue
        severity = hit[0]
        row = cmp.rows.setdefault((key[3], severity), CheckRow(key[3], severity))
        if label["verdict"] == "right":
            row.reported_right += 1
        else:
            row.reported_wrong += 1
            cmp.wrong_reported.append(label)
    cmp.unlabelled_errors = sorted((k for k, v in found.items() if v[0] == "error" and k not in labelled), key=str)
    return cmp


def markdown_table(cmp: Comparison) -> str:
    """Per check: labelled findings still reported, right, wrong, precision."""
    lines = ["| check | severity | labelled, reported | right | wrong | precision |", "| --- | --- | ---: | ---: | ---: | ---: |"]
    by_sev: dict[str, list[CheckRow]] = defaultdict(list)
    for row in cmp.rows.values():
        by_sev[row.severity].append(row)
    for severity in ("error", "warning", "info"):
        rows = sorted(by_sev.get(severity, []), key=lambda r: r.check) + [cmp.totals(severity)]
        for r in rows:
            total = r.reported_right + r.reported_wrong
            if not total:
                continue
            shown = f"{r.precision:.0%}" if r.precision is not None else "-"
            name = "**all**" if r.check == "all" else f"`{r.check}`"
            lines.append(f"| {name} | {severity} | {total} | {r.reported_right} | {r.reported_wrong} | {shown} |")
    return "\n".join(lines) + "\n"
