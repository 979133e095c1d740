"""Promotion over many real notebooks: every top-level function and class, with the choices the preview suggests.

    python bench/promote_corpus.py [FOLDER ...] [--results bench/promote_corpus.md]

FOLDER (default: tests/data) holds notebooks, searched recursively. Prints the measure as JSON and as a
markdown table: definitions attempted, complete modules, refusals by reason, broken modules (a module that
would not parse, has an undefined name or an unused import, or is not black-clean) and rewritten notebooks
that gained an undefined name. Targets (issue 12): 0 broken, 0 notebooks gaining an undefined name, at least
97% complete among the definitions the notebook's own code does not rule out. ``--results`` replaces the
row of FOLDER in the "Promotion over real notebooks" section of that file (``bench/promote_corpus.md``,
which ``bench/run.py`` appends to ``bench/RESULTS.md``; the same section is kept there). Exit 1 when a target is missed.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from tests.promote_measure import NOTEBOOK_CAUSED, Measure, measure  # noqa: E402

TARGET_COMPLETE = 0.97
SECTION = "## Promotion over real notebooks"


HEADER = [
    SECTION,
    "",
    "`python bench/promote_corpus.py FOLDER --results bench/promote_corpus.md`: every top-level function and class of",
    "every notebook under FOLDER promoted (dry run) with the choices the preview suggests. Complete: the module",
    "parses, has no undefined name and no unused import (pyflakes) and is black-clean, and the rewritten notebook",
    "gains no undefined name (pyflakes on its cells). Share: complete among the definitions that the notebook's",
    "own code does not rule out (magics, star imports, its own undefined names, `global`, a name defined twice).",
    "Targets: 0 broken, 0 notebooks gaining an undefined name, >= 97% complete. One row per run. The real",
    "notebooks are those of the precision measure (repositories, commits and licences in",
    "`bench/precision/RESULTS.md`), fetched as `<owner>+<name>/<path>`; `tests/data` is the vendored set the",
    "suite checks (`tests/test_promote_corpus.py`). Not counted as broken (listed in the JSON output): pyflakes",
    "reports on a line the notebook's author marked `# noqa`, names that occur only inside a string, and an",
    "undefined name pyflakes reports in the notebook itself too (the author's own bug, copied as written).",
    "",
    "| notebooks | readable | definitions | complete (after choices) | refused: notebook code | refused: other "
    "| share | broken | gained undefined | time |",
    "| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |",
]


def row(m: Measure, label: str, seconds: float) -> str:
    other = ", ".join(
        f"{reason} {n}"
        for reason, n in sorted(m.refused.items(), key=lambda kv: -kv[1])
        if reason not in NOTEBOOK_CAUSED
    )
    return (
        f"| {label} | {m.notebooks} | {m.attempted} | {m.complete} ({m.with_choices}) | {m.refused_by_notebook} "
        f"| {other or '-'} | {m.complete_share:.1%} | {len(m.broken_modules)} | {len(m.notebooks_gaining_undefined)} "
        f"| {seconds:.0f} s |"
    )


def replace_row(path: Path, label: str, line: str) -> None:
    """Keep the section's other rows; this folder's row is replaced (or added)."""
    old = path.read_text(encoding="utf-8") if path.exists() else ""
    start = old.find(SECTION)
    rows: list[str] = []
    before, after = old.rstrip("\n") + "\n\n", ""
    if start >= 0:
        end = old.find("\n## ", start + len(SECTION))
        before, after = old[:start], (old[end + 1 :] if end >= 0 else "")
        section = old[start : end if end >= 0 else len(old)]
        rows = [
            ln
            for ln in section.splitlines()
            if ln.startswith("| ") and not ln.startswith(("| notebooks", "| ---"))
        ]
    rows = [r for r in rows if not r.startswith(f"| {label} |")] + [line]
    text = "\n".join(HEADER + rows) + "\n"
    path.write_text(before + text + ("\n" + after if after else ""), encoding="utf-8")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("folders", nargs="*", type=Path, default=[REPO / "tests" / "data"])
    ap.add_argument("--results", type=Path, default=None, help="replace the section of this markdown file")
    args = ap.parse_args()
    paths = sorted(p for folder in args.folders for p in folder.rglob("*.ipynb"))
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as tmp:
        m = measure(paths, Path(tmp))
    seconds = time.perf_counter() - start
    label = " ".join(
        str(f.resolve().relative_to(REPO)) if f.resolve().is_relative_to(REPO) else f.name
        for f in args.folders
    )
    print(json.dumps(m.as_dict(), sort_keys=True, indent=1))
    line = row(m, label, seconds)
    print("\n".join(HEADER[-2:] + [line]))
    if args.results:
        replace_row(args.results, label, line)
    ok = not m.broken_modules and not m.notebooks_gaining_undefined and m.complete_share >= TARGET_COMPLETE
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
