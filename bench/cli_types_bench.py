"""``jupyter-prod check --select type-error`` over a folder of notebooks: cold, second run, mypy cache only.

Usage: python bench/cli_types_bench.py [--notebooks 20] [--cells 20] [--jobs N]

A project (a ``pyproject.toml`` with ``[tool.mypy]``) with ``--notebooks`` notebooks of bench/generate.py
(``--cells`` code cells each, one seed per notebook), checked by the CLI in a subprocess as CI runs it:

* ``cold``: empty type-check cache (``XDG_CACHE_HOME``) and empty result cache;
* ``second``: the same command again (reports of unchanged notebooks from the result cache);
* ``no-cache``: ``--no-cache`` (every notebook checked again) with mypy's cache warm;
* ``one edit``: one notebook edited (one cell gains a line): the result cache misses that one only.

Prints each run's seconds and checks that every run's JSON output is the cold run's (the edit's aside).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import generate  # noqa: E402


def make_project(base: Path, notebooks: int, cells: int) -> Path:
    project = base / "project"
    (project / "nbs").mkdir(parents=True)
    (project / "pyproject.toml").write_text("[tool.mypy]\nwarn_unused_ignores = true\n", encoding="utf-8")
    for i in range(notebooks):
        nb = generate.generate(cells, seed=7 + i)
        (project / "nbs" / f"nb{i:02d}.ipynb").write_text(json.dumps(nb, indent=1), encoding="utf-8")
    return project


def run(project: Path, base: Path, jobs: int | None, *extra: str) -> tuple[float, dict[str, object]]:
    env = {**os.environ, "XDG_CACHE_HOME": str(base / "xdg")}
    argv = [sys.executable, "-m", "jupyter_prod_ext", "check", "nbs", "--select", "type-error", "--format", "json"]
    argv += ["--cache-dir", str(base / "results"), *(["--jobs", str(jobs)] if jobs else []), *extra]
    t0 = time.perf_counter()
    done = subprocess.run(argv, cwd=project, env=env, capture_output=True, text=True, timeout=600, check=False)
    seconds = time.perf_counter() - t0
    if done.returncode not in (0, 1):
        raise SystemExit(f"exit {done.returncode}: {done.stderr[-2000:]}")
    return seconds, json.loads(done.stdout)


def findings(output: dict[str, object]) -> list[object]:
    notebooks = output["notebooks"]
    assert isinstance(notebooks, list)
    return [(r["path"], sorted(json.dumps(f, sort_keys=True) for f in r["findings"])) for r in notebooks]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--notebooks", type=int, default=20)
    parser.add_argument("--cells", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=None)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="jp-cli-types-") as tmp:
        base = Path(tmp)
        project = make_project(base, args.notebooks, args.cells)
        cold, reference = run(project, base, args.jobs)
        second, again = run(project, base, args.jobs)
        no_cache, rechecked = run(project, base, args.jobs, "--no-cache")
        edited = project / "nbs" / "nb00.ipynb"
        nb = json.loads(edited.read_text(encoding="utf-8"))
        code = next(c for c in nb["cells"] if c["cell_type"] == "code")
        code["source"] = "".join(code["source"]) + "\nbench_edit: int = 'x'"
        edited.write_text(json.dumps(nb, indent=1), encoding="utf-8")
        one_edit, after_edit = run(project, base, args.jobs)
    assert findings(again) == findings(reference) == findings(rechecked), "a later run answered differently"
    assert findings(after_edit)[1:] == findings(reference)[1:], "the edit changed another notebook's answer"
    count = sum(len(r["findings"]) for r in reference["notebooks"])  # type: ignore[union-attr]
    print(
        f"jupyter-prod check --select type-error: {args.notebooks} notebooks x {args.cells} cells, "
        f"jobs {args.jobs or 'default'}, {count} findings, {os.cpu_count()} CPUs, load {load:.1f} -> {os.getloadavg()[0]:.1f}"
    )
    print(f"cold {cold:.2f} s, second {second:.2f} s, --no-cache (mypy cache warm) {no_cache:.2f} s, one edit {one_edit:.2f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
