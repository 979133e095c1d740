"""Speed of the fast checks against the floor of reading a notebook at all.

    .venv/bin/python bench/checks_bench.py [--cells 1000] [--repeat 7] [--profile]

(a) floor: ``json.loads`` of the file plus ``ast.parse`` of every code cell;
(b) the fast checks: ``check_notebook`` from the same JSON dict (model, translation,
def-use analysis, every fast check, waivers, score). Both are timed in one warm
process (CPU time), alternately, best of ``--repeat``. Target: (b) <= 3 x (a).
"""

from __future__ import annotations

import argparse
import ast
import base64
import cProfile
import json
import pstats
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from jupyter_prod_ext.checks.api import check_notebook  # noqa: E402
from jupyter_prod_ext.notebook import notebook_from_dict  # noqa: E402

PNG = base64.b64encode(bytes(range(256)) * 40).decode()


def _cell(i: int) -> tuple[str, list[dict[str, Any]]]:
    kind = i % 10
    if kind == 0:
        return f"import os\nimport json\nimport numpy as np\nfrom pathlib import Path as P{i}", []
    if kind == 1:
        return (
            f"def transform_{i}(rows, factor={i}):\n"
            f'    """Scale the rows."""\n'
            f"    out = []\n"
            f"    for r in rows:\n"
            f"        if r is None:\n"
            f"            continue\n"
            f"        out.append({{k: v * factor for k, v in r.items()}})\n"
            f"    return out",
            [],
        )
    if kind == 2:
        return (
            f"class Model{i}:\n"
            f"    def __init__(self, n: int) -> None:\n"
            f"        self.n = n\n"
            f"        self.weights = [0.0] * n\n\n"
            f"    def fit(self, xs):\n"
            f"        total = sum(xs) / max(len(xs), 1)\n"
            f"        self.weights = [total for _ in range(self.n)]\n"
            f"        return self",
            [],
        )
    if kind == 3:
        return (
            f"data_{i} = [{{'a': j, 'b': j * 2}} for j in range(100)]\n"
            f"rows_{i} = transform_{i - 2}(data_{i})\n"
            f"model_{i} = Model{i - 1}(3).fit([r['a'] for r in rows_{i}])\n"
            f"print(len(rows_{i}), model_{i}.weights)",
            [{"output_type": "stream", "name": "stdout", "text": ["100 [49.5, 49.5, 49.5]\n"]}],
        )
    if kind == 4:
        return (
            f"%matplotlib inline\n!ls -la\nfiles_{i} = !ls\n%time total_{i} = sum(range(1000))",
            [],
        )
    if kind == 5:
        return (
            f"summary_{i} = {{\n"
            f"    'count': len(data_{i - 2}),\n"
            f"    'path': str(P{i - 5}('data') / 'out.json'),\n"
            f"    'ok': all(r['a'] >= 0 for r in data_{i - 2}),\n"
            f"}}\nsummary_{i}",
            [
                {
                    "output_type": "execute_result",
                    "execution_count": i,
                    "metadata": {},
                    "data": {"text/plain": ["{'count': 100, 'path': 'data/out.json', 'ok': True}"]},
                }
            ],
        )
    if kind == 6:
        return (
            f"for k in range(3):\n    if k % 2:\n        print(k, json.dumps(summary_{i - 1}))\n"
            f"result_{i} = np.mean([1, 2, 3])",
            [
                {
                    "output_type": "display_data",
                    "metadata": {},
                    "data": {"image/png": PNG, "text/plain": ["<Figure size 640x480 with 1 Axes>"]},
                }
            ],
        )
    if kind == 7:
        return (
            f"config_{i} = dict(name='run{i}', retries=3, timeout=2.5)\n"
            f"with open(os.devnull, 'w') as fh_{i}:\n    fh_{i}.write(str(config_{i}))",
            [],
        )
    if kind == 8:
        return (
            f"async def fetch_{i}(n):\n    return [x async for x in agen(n)] if n else []\n\n"
            f"lam_{i} = lambda x, y=2: (x + y) * {i}\nvalues_{i} = sorted(map(lam_{i}, range(10)), reverse=True)",
            [],
        )
    return (
        f"# Step {i}: totals\ntotal_{i} = 0\nfor v in values_{i - 1}:\n    total_{i} += v\n"
        f"assert total_{i} > 0, 'empty'\ntotal_{i}",
        [{"output_type": "execute_result", "execution_count": i, "metadata": {}, "data": {"text/plain": ["42"]}}],
    )


def make_notebook(n: int) -> dict[str, Any]:
    cells: list[dict[str, Any]] = [
        {"cell_type": "markdown", "id": "title", "metadata": {}, "source": "# Benchmark notebook"}
    ]
    for i in range(n):
        src, outputs = _cell(i)
        cells.append(
            {
                "cell_type": "code",
                "id": f"c{i}",
                "metadata": {},
                "execution_count": i + 1,
                "source": src.splitlines(keepends=True),
                "outputs": outputs,
            }
        )
    return {
        "nbformat": 4,
        "nbformat_minor": 5,
        "metadata": {
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"},
        },
        "cells": cells,
    }


def floor(text: str) -> None:
    data = json.loads(text)
    for cell in data["cells"]:
        if cell["cell_type"] == "code":
            src = "".join(cell["source"])
            try:
                ast.parse(src)
            except SyntaxError:
                pass


def floor_kept(text: str) -> None:
    """The floor, keeping every tree until the end as any analysis must (for reference)."""
    data = json.loads(text)
    trees = []
    for cell in data["cells"]:
        if cell["cell_type"] == "code":
            try:
                trees.append(ast.parse("".join(cell["source"])))
            except SyntaxError:
                pass
    del trees


def fast_checks(text: str) -> dict[str, Any]:
    data = json.loads(text)
    nb = notebook_from_dict(data, "bench.ipynb")
    return dict(check_notebook(nb, checks="fast"))


def timed(fn: Any, arg: str) -> float:
    t0 = time.process_time()  # CPU time of this process: other load on the machine does not count
    fn(arg)
    return time.process_time() - t0


def best_of(text: str, repeat: int) -> tuple[float, float, float]:
    """Best of ``repeat`` for each, measured alternately so that all see the same machine state."""
    a, k, b = [], [], []
    for _ in range(repeat):
        a.append(timed(floor, text))
        k.append(timed(floor_kept, text))
        b.append(timed(fast_checks, text))
    return min(a), min(k), min(b)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--cells", type=int, default=1000)
    ap.add_argument("--repeat", type=int, default=15)
    ap.add_argument("--profile", action="store_true")
    args = ap.parse_args()
    text = json.dumps(make_notebook(args.cells))
    report = fast_checks(text)  # warm-up (imports, regex compilation, caches)
    floor(text)
    a, k, b = best_of(text, args.repeat)
    print(f"notebook: {args.cells} code cells, {len(text) / 1024:.0f} KB, {len(report['findings'])} findings")
    print(f"(a)  floor  json.loads + ast.parse        : {a * 1000:8.1f} ms")
    print(f"(a') same, keeping the trees alive        : {k * 1000:8.1f} ms  (reference)")
    print(f"(b)  fast checks (check_notebook)         : {b * 1000:8.1f} ms")
    print(f"ratio b/a: {b / a:.2f}  (target <= 3.00);  b/a': {b / k:.2f}")
    if args.profile:
        prof = cProfile.Profile()
        prof.enable()
        fast_checks(text)
        prof.disable()
        pstats.Stats(prof).sort_stats("cumulative").print_stats(35)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
