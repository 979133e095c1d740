"""Warm re-check after a one-cell edit: typecheck.py (both backends) vs ``dmypy run`` on a .py file.

Usage: python bench/typecheck_bench.py [--sizes 10 100 1000] [--runs 7]

For each notebook size the same generated code is checked four ways, after a
warm-up run, editing one cell (the middle one) before every timed run:

* ``ours/daemon``  typecheck.typecheck_cells with the dmypy backend (the server default)
* ``ours/daemon-client`` the same through a ``dmypy run`` client process (no socket shortcut)
* ``ours/mypy``    typecheck.typecheck_cells with plain ``python -m mypy`` + incremental cache
* ``dmypy run``    the reference: ``dmypy run -- <same flags> nb.py`` on the concatenated code
* ``mypy (incr)``  plain ``python -m mypy`` on that file, for context

Prints medians (and min/max) in seconds.
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

from jupyter_prod_ext import typecheck
from jupyter_prod_ext.config import load_config
from jupyter_prod_ext.typecheck import TypecheckSettings, typecheck_cells, write_if_changed


def make_cells(n: int) -> list[tuple[int, str]]:
    cells: list[tuple[int, str]] = []
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


def edit(cells: list[tuple[int, str]], k: int) -> list[tuple[int, str]]:
    mid = len(cells) // 2
    out = list(cells)
    out[mid] = (mid, cells[mid][1] + f"\nedit_marker = {k}")
    return out


def timed(fn: Callable[[], object]) -> float:
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def bench_size(n: int, runs: int, base: Path) -> dict[str, list[float]]:
    project = base / f"project{n}"
    project.mkdir()
    (project / "pyproject.toml").write_text("[tool.mypy]\nwarn_unused_ignores = true\n", encoding="utf-8")
    config = load_config(project)
    cells = make_cells(n)
    results: dict[str, list[float]] = {}

    variants = {
        "ours/daemon": TypecheckSettings(backend="daemon", cache_root=base / "cache-daemon", timeout=600),
        "ours/daemon-client": TypecheckSettings(
            backend="daemon", daemon_ipc=False, cache_root=base / "cache-daemon-client", timeout=600
        ),
        "ours/mypy": TypecheckSettings(backend="mypy", cache_root=base / "cache-mypy", timeout=600),
    }
    for label, settings in variants.items():
        first = typecheck_cells(cells, project, config, settings=settings)
        assert first.ran and not first.errors, (first.message, first.errors[:3])
        times = []
        for k in range(runs):
            edited = edit(cells, k)
            t0 = time.perf_counter()
            res = typecheck_cells(edited, project, config, settings=settings)
            times.append(time.perf_counter() - t0)
            assert res.ran and not res.errors, res.message
        results[label] = times

    # the reference: the same code as one .py file
    ref = base / f"ref{n}"
    ref.mkdir()
    module = ref / "nb.py"
    flags = typecheck._flags(ref, config, json_output=True)
    env = dict(os.environ)
    dmypy = [sys.executable, "-m", "mypy.dmypy", "--status-file", str(ref / "dmypy.json")]
    run_argv = [*dmypy, "run", "--timeout", "600", "--", *flags, str(module)]
    write_if_changed(module, typecheck.build_virtual_module(cells).text)
    subprocess.run(run_argv, cwd=project, env=env, capture_output=True, timeout=600, check=False)
    times = []
    for k in range(runs):
        write_if_changed(module, typecheck.build_virtual_module(edit(cells, k)).text)
        times.append(
            timed(
                lambda: subprocess.run(
                    run_argv, cwd=project, env=env, capture_output=True, timeout=600, check=False
                )
            )
        )
    results["dmypy run"] = times
    subprocess.run([*dmypy, "stop"], capture_output=True, timeout=60, check=False)

    mypy_argv = [
        sys.executable,
        "-m",
        "mypy",
        *typecheck._flags(ref / "plain", config, json_output=True),
        str(module),
    ]
    subprocess.run(mypy_argv, cwd=project, capture_output=True, timeout=600, check=False)
    times = []
    for k in range(runs):
        write_if_changed(module, typecheck.build_virtual_module(edit(cells, k + 100)).text)
        times.append(
            timed(
                lambda: subprocess.run(mypy_argv, cwd=project, capture_output=True, timeout=600, check=False)
            )
        )
    results["mypy (incr)"] = times
    return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10, 100, 1000])
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    if args.runs < 5:
        parser.error("--runs must be at least 5 (medians of >= 5 runs)")
    table: dict[int, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="jp-typecheck-bench-") as tmp:
        try:
            for n in args.sizes:
                print(f"... {n} cells", file=sys.stderr, flush=True)
                table[n] = bench_size(n, args.runs, Path(tmp))
        finally:
            typecheck.shutdown_workers()
    columns = ["ours/daemon", "ours/daemon-client", "ours/mypy", "dmypy run", "mypy (incr)"]
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"warm re-check after a one-cell edit, median of {args.runs} runs in s (min-max); "
        f"{os.cpu_count()} CPUs, load average {load:.1f}"
    )
    print(f"{'cells':>6} " + " ".join(f"{c:>20}" for c in columns))
    for n, row in table.items():
        cells = []
        for c in columns:
            ts = row[c]
            cells.append(f"{statistics.median(ts):.3f} ({min(ts):.2f}-{max(ts):.2f})")
        print(f"{n:>6} " + " ".join(f"{c:>20}" for c in cells))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
