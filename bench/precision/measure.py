"""Precision of ``jupyter-prod check --fast`` on real public notebooks, from hand labels (issue 17).

    python bench/precision/measure.py ROOT [--labels bench/precision/LABELS.json] [--json OUT]

ROOT holds a copy of the labelled notebooks as ``<owner>+<name>/<path in the repository>``, taken
at the commits that LABELS.json lists (the notebooks are not kept in this repository). The script
checks every notebook under ROOT once, compares the findings with the labels and prints, per check,
how many labelled findings are still reported and how many of those are right; then the labels that
flipped (a wrong one reported again, a right one lost) and any error nobody labelled.
Exit 1 when a wrong error is reported or warnings fall under 90% right.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))

from tests.labels import compare, markdown_table, report_keys  # noqa: E402


def run_check(root: Path) -> dict[str, object]:
    cmd = [sys.executable, "-m", "jupyter_prod_ext", "check", "--fast", "--format", "json", "--no-cache",
           "--fail-on", "never", str(root)]  # fmt: skip
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=1800, check=False, cwd=REPO)
    if done.returncode not in (0, 2):  # 2: some file could not be read; its error is in the output
        sys.exit(f"jupyter-prod check failed ({done.returncode}): {done.stderr.strip()[-500:]}")
    output: dict[str, object] = json.loads(done.stdout)
    return output


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("root", type=Path)
    ap.add_argument("--labels", type=Path, default=Path(__file__).with_name("LABELS.json"))
    ap.add_argument("--json", type=Path, default=None, help="also write the check output here")
    args = ap.parse_args()
    labels = json.loads(args.labels.read_text(encoding="utf-8"))["labels"]
    output = run_check(args.root)
    if args.json:
        args.json.write_text(json.dumps(output), encoding="utf-8")
    found = report_keys(output, args.root)
    cmp = compare(found, [{**lb, "file": f"{lb['folder']}/{lb['file']}"} for lb in labels])
    print(f"{len(output['notebooks'])} notebooks checked, {len(output['errors'])} unreadable")  # type: ignore[arg-type]
    print(markdown_table(cmp))
    for lb in cmp.wrong_reported:
        print(f"WRONG REPORTED {lb['file']} cell {lb['cell']} line {lb['line']} {lb['check']}: {lb['reason']}")
    for lb in cmp.right_missing:
        print(f"RIGHT MISSING  {lb['file']} cell {lb['cell']} line {lb['line']} {lb['check']}: {lb['reason']}")
    for key in cmp.unlabelled_errors:
        print(f"UNLABELLED ERROR {key}")
    warnings = cmp.totals("warning")
    wrong_errors = cmp.totals("error").reported_wrong
    return 1 if wrong_errors or (warnings.precision or 0) < 0.9 or cmp.unlabelled_errors else 0


if __name__ == "__main__":
    sys.exit(main())
