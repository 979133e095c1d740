"""Warm type re-check after a one-cell edit: the typecheck package (both layouts, both backends) vs ``dmypy run``.

Usage: python bench/typecheck_bench.py [--sizes 100 1000] [--runs 7] [--source generated|synthetic]

The code is that of a ``bench/generate.py`` notebook (the default; the edit is bench/run.py's: the
first typed function's ``factor: float = 1.0`` becomes ``= 2.0``, ``= 3.0``, ...) or a small synthetic
one (``--source synthetic``: the middle cell gains ``edit_marker = k``). After a warm-up of each,
every round applies the next edit and runs, in turn:

* ``ours/cells``   typecheck_cells with the dmypy backend, one module per cell (the server default)
* ``ours/module``  the same with the whole notebook as one module (``layout="module"``, the old way)
* ``ours/mypy``    typecheck_cells with plain ``python -m mypy`` + its incremental cache, one module per cell
* ``dmypy run``    the reference: ``dmypy run -- <same flags> nb.py`` on the whole notebook as one file,
  a client process as a user runs it
* ``mypy (incr)``  plain ``python -m mypy`` on that file, for context

Interleaving makes a change of the machine's load hit every column alike. Prints medians (min-max)
in seconds, the ratios ``dmypy run / ours`` and the load average.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate  # noqa: E402

from jupyter_prod_ext import typecheck  # noqa: E402
from jupyter_prod_ext.config import load_config  # noqa: E402
from jupyter_prod_ext.notebook import notebook_from_dict  # noqa: E402
from jupyter_prod_ext.typecheck import TypecheckSettings, typecheck_cells, write_if_changed  # noqa: E402

EDIT_FROM = "factor: float = 1.0"  # bench/run.py's edit
Cells = list[tuple[int, str]]


def synthetic_cells(n: int) -> Cells:
    cells: Cells = []
    for i in range(n):
        if i % 10 == 0:
            src = (
                "import json\nimport collections\nfrom pathlib import Path\n"
                "from dataclasses import dataclass\nfrom typing import Iterable"
            )
        elif i % 3 == 0:
            src = (
                f"@dataclass\nclass Row{i}:\n    name: str\n    value: float\n\n"
                f"    def scaled(self, k: float) -> float:\n        return self.value * k\n\n\n"
                f"rows_{i} = [Row{i}(str(j), j / 2) for j in range({i} % 7 + 1)]"
            )
        elif i % 3 == 1:
            src = (
                f"def summarise_{i}(values: Iterable[float]) -> dict[str, float]:\n"
                f"    data = list(values)\n    return {{'n': len(data), 'sum': sum(data)}}\n\n\n"
                f"stats_{i} = summarise_{i}([1.0, 2.0, {i}.0])\ncounts_{i} = collections.Counter('abc{i}')"
            )
        else:
            src = f"value_{i} = {i} * 2\ntext_{i} = json.dumps({{'v': value_{i}}})\npath_{i} = Path('x') / text_{i}"
        cells.append((i, src))
    return cells


def generated_cells(n: int) -> Cells:
    """The code cells of bench/generate.py's notebook, as the type-error check hands them to mypy."""
    nb = notebook_from_dict(generate.generate(n))
    return [(u.cell.index, u.python) for u in nb.units() if u.syntax_error is None and not u.too_large]


def edit(cells: Cells, k: int, source: str) -> Cells:
    out = list(cells)
    if source == "synthetic":
        mid = len(cells) // 2
        out[mid] = (cells[mid][0], cells[mid][1] + f"\nedit_marker = {k}")
        return out
    j = next(j for j, (_, src) in enumerate(cells) if EDIT_FROM in src)
    out[j] = (cells[j][0], cells[j][1].replace(EDIT_FROM, f"factor: float = {k % 8 + 2}.0", 1))
    return out


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def bench_size(n: int, runs: int, base: Path, source: str) -> tuple[dict[str, list[float]], dict[str, int]]:
    project = base / f"project{n}"
    project.mkdir()
    (project / "pyproject.toml").write_text("[tool.mypy]\nwarn_unused_ignores = true\n", encoding="utf-8")
    config = load_config(project)
    cells = generated_cells(n) if source == "generated" else synthetic_cells(n)
    ids = [f"cell-{index}" for index, _ in cells]
    variants = {
        "ours/cells": TypecheckSettings(backend="daemon", cache_root=base / "cache-cells", timeout=600),
        "ours/module": TypecheckSettings(
            backend="daemon", layout="module", cache_root=base / "cache-module", timeout=600
        ),
        "ours/mypy": TypecheckSettings(backend="mypy", cache_root=base / "cache-mypy", timeout=600),
    }
    errors: dict[str, int] = {}
    cold: dict[str, float] = {}

    def ours(label: str, k: int | None) -> Callable[[], object]:
        todo = cells if k is None else edit(cells, k, source)

        def run() -> None:
            res = typecheck_cells(todo, project, config, settings=variants[label], cell_ids=ids)
            assert res.ran, res.message
            errors[label] = len(res.errors)

        return run

    # the reference: the same code as one .py file, checked by a dmypy client process
    ref = base / f"ref{n}"
    ref.mkdir()
    module = ref / "nb.py"
    flags = typecheck.daemon._flags(ref, config, True, TypecheckSettings(), project)
    dmypy = [sys.executable, "-m", "mypy.dmypy", "--status-file", str(ref / "dmypy.json")]
    run_argv = [*dmypy, "run", "--timeout", "600", "--", *flags, str(module)]
    mypy_argv = [
        sys.executable,
        "-m",
        "mypy",
        *typecheck.daemon._flags(ref / "plain", config, True, TypecheckSettings(), project),
        str(ref / "plain.py"),
    ]

    def peer(argv: list[str], path: Path, k: int | None) -> Callable[[], object]:
        def run() -> None:
            write_if_changed(path, typecheck.build_virtual_module(cells if k is None else edit(cells, k, source)).text)
            subprocess.run(argv, cwd=project, capture_output=True, timeout=600, check=False)

        return run

    columns: dict[str, Callable[[int | None], Callable[[], object]]] = {
        **{label: (lambda k, label=label: ours(label, k)) for label in variants},
        "dmypy run": lambda k: peer(run_argv, module, k),
        "mypy (incr)": lambda k: peer(mypy_argv, ref / "plain.py", k),
    }
    results: dict[str, list[float]] = {c: [] for c in columns}
    try:
        for label, make in columns.items():
            cold[label] = timed(make(None))
        for k in range(runs):
            for label, make in columns.items():
                results[label].append(timed(make(k)))
    finally:
        subprocess.run([*dmypy, "stop"], capture_output=True, timeout=60, check=False)
    print(f"  {n} cells: cold " + ", ".join(f"{c} {s:.2f} s" for c, s in cold.items()), file=sys.stderr)
    return results, errors


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[100, 1000])
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--source", choices=("generated", "synthetic"), default="generated")
    args = parser.parse_args()
    if args.runs < 5:
        parser.error("--runs must be at least 5 (medians of >= 5 runs)")
    table: dict[int, dict[str, list[float]]] = {}
    load_start = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="jp-typecheck-bench-") as tmp:
        try:
            for n in args.sizes:
                print(f"... {n} cells", file=sys.stderr, flush=True)
                table[n], errors = bench_size(n, args.runs, Path(tmp), args.source)
                print(f"  {n} cells: errors found {errors}", file=sys.stderr)
        finally:
            typecheck.shutdown_workers()
    load_end = os.getloadavg()
    columns = ["ours/cells", "ours/module", "ours/mypy", "dmypy run", "mypy (incr)"]
    print(
        f"warm re-check after a one-cell edit ({args.source} notebook), median of {args.runs} runs in s "
        f"(min-max); {os.cpu_count()} CPUs, load average {load_start[0]:.1f} at start, {load_end[0]:.1f} at end"
    )
    print(f"{'cells':>6} " + " ".join(f"{c:>20}" for c in columns) + "   dmypy run / ours/cells")
    for n, row in table.items():
        shown = [f"{statistics.median(row[c]):.3f} ({min(row[c]):.2f}-{max(row[c]):.2f})" for c in columns]
        ratio = statistics.median(row["dmypy run"]) / statistics.median(row["ours/cells"])
        print(f"{n:>6} " + " ".join(f"{c:>20}" for c in shown) + f"   {ratio:.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
