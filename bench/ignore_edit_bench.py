"""A signature edit read by N ``# type: ignore`` cells: warm re-check time and whether the daemon restarted.

Usage: python bench/ignore_edit_bench.py [--counts 10 20 40] [--runs 5] [--filler 30]

The notebook: a cell ``def f() -> str``, N cells ``x_i: int = f()  # type: ignore[assignment]`` and
``--filler`` ordinary cells of bench/generate.py's kind (imports, functions, data code), so a fresh
daemon pays what a real notebook's cold build pays. After a warm-up, each round flips f's return type
(``str`` <-> ``int``): every ignore switches between used and unused, so each of the N cells must be
read whole again (typecheck._whole_keys). Each round's answer is compared with a from-scratch check
(one module, a fresh cache) and the daemon's pid is read before and after. Prints per N the median
(min-max) in seconds and how many rounds restarted the daemon.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate  # noqa: E402

from jupyter_prod_ext import typecheck  # noqa: E402
from jupyter_prod_ext.config import load_config  # noqa: E402
from jupyter_prod_ext.notebook import notebook_from_dict  # noqa: E402
from jupyter_prod_ext.typecheck import TypecheckSettings, typecheck_cells  # noqa: E402

Cells = list[tuple[int, str]]


def notebook_cells(n: int, filler: int, returns: str) -> Cells:
    value = "''" if returns == "str" else "0"
    sources = [f"def f() -> {returns}:\n    return {value}"]
    sources += [f"x{i}: int = f()  # type: ignore[assignment]" for i in range(n)]
    nb = notebook_from_dict(generate.generate(filler)) if filler else None
    extra = [u.python for u in nb.units() if u.syntax_error is None and not u.too_large] if nb else []
    return list(enumerate(sources + extra))


def daemon_pid(cache: Path) -> int | None:
    for status in cache.glob("*/dmypy.json"):
        pid = json.loads(status.read_text(encoding="utf-8")).get("pid")
        return pid if isinstance(pid, int) else None
    return None


def bench(n: int, runs: int, filler: int, base: Path) -> tuple[list[float], int]:
    project = base / f"project{n}"
    project.mkdir()
    (project / "pyproject.toml").write_text("[tool.mypy]\nwarn_unused_ignores = true\n", encoding="utf-8")
    config = load_config(project)
    cache = base / f"cache{n}"
    settings = TypecheckSettings(cache_root=cache, timeout=600)
    ids: list[str | None] = [f"c{i}" for i in range(n + 1 + 3 * filler)]

    def check(returns: str) -> list[object]:
        cells = notebook_cells(n, filler, returns)
        res = typecheck_cells(cells, project, config, settings=settings, cell_ids=ids[: len(cells)])
        assert res.ran, res.message
        return sorted(repr((e.cell, e.line, e.code, e.message)) for e in res.errors)

    def reference(returns: str) -> list[object]:
        cells = notebook_cells(n, filler, returns)
        scratch = TypecheckSettings(backend="mypy", layout="module", cache_root=Path(tempfile.mkdtemp(dir=base)))
        res = typecheck_cells(cells, project, config, settings=scratch)
        assert res.ran, res.message
        return sorted(repr((e.cell, e.line, e.code, e.message)) for e in res.errors)

    expected = {r: reference(r) for r in ("str", "int")}
    check("str")  # warm-up: the daemon's cold build
    times, restarts = [], 0
    for k in range(runs):
        returns = "int" if k % 2 == 0 else "str"
        pid = daemon_pid(cache)
        t0 = time.perf_counter()
        found = check(returns)
        times.append(time.perf_counter() - t0)
        restarts += daemon_pid(cache) != pid
        assert found == expected[returns], f"N={n} round {k}: differs from a from-scratch check"
    return times, restarts


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--counts", type=int, nargs="+", default=[10, 20, 40])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--filler", type=int, default=30, help="generated cells beside the ignore cells")
    args = parser.parse_args()
    load = os.getloadavg()[0]
    rows = []
    with tempfile.TemporaryDirectory(prefix="jp-ignore-bench-") as tmp:
        try:
            for n in args.counts:
                rows.append((n, *bench(n, args.runs, args.filler, Path(tmp))))
        finally:
            typecheck.shutdown_workers()
    print(
        f"signature edit read by N ignore cells (+{args.filler} generated cells), {args.runs} rounds, "
        f"{os.cpu_count()} CPUs, load {load:.1f} -> {os.getloadavg()[0]:.1f}"
    )
    print(f"{'N':>4} {'median s':>9} {'min-max':>12} {'restarts':>9}")
    for n, times, restarts in rows:
        print(f"{n:>4} {statistics.median(times):>9.3f} {min(times):>5.2f}-{max(times):<6.2f} {restarts:>5}/{len(times)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
