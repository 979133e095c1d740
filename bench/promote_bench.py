"""Benchmark: promote one function from a 100-cell notebook, end to end.

Slice, module text, black, mypy (the server's warm dmypy backend), atomic writes
of the module and the rewritten notebook. The function is edited a little before
every run so mypy really re-checks. One warm-up run, then ``--repeat`` runs;
prints the median and the target (1.5 s).

    .venv/bin/python bench/promote_bench.py [--repeat 7] [--backend daemon|mypy]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from jupyter_prod_ext.promote import PromoteOptions, promote  # noqa: E402
from jupyter_prod_ext.typecheck import TypecheckSettings, shutdown_workers  # noqa: E402

TARGET_SECONDS = 1.5


def notebook(variant: int) -> dict[str, object]:
    cells: list[str] = [
        "import math\nimport json\nimport os\nfrom collections import Counter, defaultdict\nimport numpy as np",
        "SCALE = 2.5\nOFFSET = 10\nLABELS = ('low', 'mid', 'high')\nBINS = [SCALE * i for i in range(3)]",
    ]
    for i in range(30):
        cells.append(f"def helper_{i}(x: float) -> float:\n    return x * SCALE + {i} + OFFSET")
        cells.append(f"value_{i} = helper_{i}({i})\nprint(value_{i})")
        cells.append(f"items_{i} = [helper_{i}(v) for v in range({i % 7 + 1})]\nlen(items_{i})")
    cells.append(
        "def bucket(x: float) -> str:\n    for label, edge in zip(LABELS, BINS):\n        if x <= edge:\n"
        "            return label\n    return LABELS[-1]"
    )
    cells.append(
        "def summarize(values: list[float]) -> dict[str, int]:\n"
        f'    """Counts per bucket (variant {variant})."""\n'
        "    counts = Counter(bucket(helper_3(v) / math.e) for v in values)\n"
        f"    return {{k: c + {variant % 3} for k, c in counts.items()}}"
    )
    while len(cells) < 99:
        n = len(cells)
        cells.append(f"summary_{n} = summarize([{n}, {n + 1}])\nsummary_{n}")
    cells.append("print(json.dumps(summarize([1.0, 2.0])), os.sep, np.pi, defaultdict)")
    return {
        "cells": [
            {
                "cell_type": "code",
                "id": f"c{i}",
                "metadata": {},
                "source": s,
                "outputs": [],
                "execution_count": None,
            }
            for i, s in enumerate(cells)
        ],
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "nbformat": 4,
        "nbformat_minor": 5,
    }


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--backend", choices=["daemon", "mypy"], default="daemon")
    args = parser.parse_args()
    settings = TypecheckSettings(backend=args.backend)
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "proj"
        root.mkdir()
        subprocess.run(["git", "init", "-q", str(root)], check=True, timeout=30)
        (root / "pyproject.toml").write_text(
            '[project]\nname = "bench"\nversion = "0"\n[tool.black]\nline-length = 100\n'
            "[tool.mypy]\nignore_missing_imports = true\n",
            encoding="utf-8",
        )
        nb_path = root / "analysis.ipynb"
        module = root / "src" / "bench_pkg" / "stats.py"
        times: list[float] = []
        try:
            for run in range(args.repeat + 1):
                nb_path.write_text(json.dumps(notebook(run), indent=1) + "\n", encoding="utf-8")
                module.unlink(missing_ok=True)
                started = time.perf_counter()
                result = promote(
                    nb_path,
                    PromoteOptions(to="src/bench_pkg/stats.py", names=["summarize"]),
                    project_root=root,
                    write_notebook=True,
                    typecheck_settings=settings,
                )
                elapsed = time.perf_counter() - started
                if not result["ok"] or not result["typecheck"]["ran"]:
                    print(json.dumps(result, indent=1)[:3000])
                    return 1
                if run:  # the first run warms black, mypy and the daemon
                    times.append(elapsed)
                print(f"run {run}: {elapsed:.3f} s{' (warm-up)' if not run else ''}")
        finally:
            shutdown_workers()
    median = statistics.median(times)
    verdict = "OK" if median <= TARGET_SECONDS else "SLOW"
    print(f"promote one function from a 100-cell notebook ({args.backend}): median {median:.3f} s over "
          f"{len(times)} warm runs, target {TARGET_SECONDS} s: {verdict}")  # fmt: skip
    return 0 if median <= TARGET_SECONDS else 1


if __name__ == "__main__":
    raise SystemExit(main())
