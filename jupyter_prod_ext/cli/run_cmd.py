"""``jupyter-prod run NOTEBOOK...``: restart and run all in a clean kernel, outputs compared.

Exit 0 when every notebook reproduced, 1 when one failed, timed out or
changed its outputs, 2 on usage or input errors (including a kernel that is
not installed, or whose kernelspec's program does not exist). ``--format json`` prints the same shape as ``check``.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..config import load_config
from ..errors import ProdError
from ..execution.compare import NORMALIZERS, check_normalize
from ..execution.runner import (
    DEFAULT_CELL_TIMEOUT,
    DEFAULT_TIMEOUT,
    MAX_TIMEOUT,
    RunProgress,
    RunReport,
    run_file,
)
from ..notebook import cell_number
from ..paths import cli_ceiling, project_ceiling
from ..types import FileErrorDict

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def _seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{text}' is not a number of seconds") from None
    if not 0 < value <= MAX_TIMEOUT:
        raise argparse.ArgumentTypeError(f"must be between 0 and {int(MAX_TIMEOUT)} seconds")
    return value


def _normalize(text: str) -> frozenset[str]:
    names = [x.strip() for x in text.split(",") if x.strip() and x.strip() != "none"]
    try:
        return check_normalize(names)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def _kernel_name(text: str) -> str:
    """An empty ``--kernel`` (a variable that was not set) once ran the notebook's own kernel silently."""
    if not text.strip():
        raise argparse.ArgumentTypeError(
            "the kernel name is empty: name an installed kernel (jupyter kernelspec list), or leave --kernel "
            "out to run the notebook's own"
        )
    return text


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "run",
        help="restart and run all in a clean kernel, compare outputs",
        description="Run a copy of each notebook top to bottom in a fresh kernel of its kernelspec, in "
        "the notebook's folder, and compare the outputs with the saved ones. The notebook is not modified.",
    )
    p.add_argument("notebooks", nargs="+", metavar="NOTEBOOK")
    p.add_argument(
        "--timeout", type=_seconds, default=DEFAULT_TIMEOUT, help="overall seconds (default %(default)g)"
    )
    p.add_argument(
        "--cell-timeout",
        type=_seconds,
        default=DEFAULT_CELL_TIMEOUT,
        help="seconds per cell (default %(default)g)",
    )
    p.add_argument(
        "--normalize",
        type=_normalize,
        default=frozenset(NORMALIZERS),
        metavar="LIST",
        help=f"volatile output to ignore, comma-separated among {', '.join(NORMALIZERS)}, or 'none' "
        "(default: all)",
    )
    p.add_argument(
        "--kernel",
        type=_kernel_name,
        metavar="NAME",
        help="run in this installed kernel instead of the notebook's own (one saved elsewhere may name a "
        "kernel not installed here; see jupyter kernelspec list)",
    )
    p.add_argument(
        "--exact-outputs",
        action="store_true",
        help="compare outputs as they are, without the allowances for other library versions (floats equal "
        "to 9 significant digits, NumPy 2 scalar reprs, figure sizes, IPython's line wrapping); also "
        "exact-outputs = true in [tool.jupyter-prod]",
    )
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=run)


def _render(report: RunReport) -> str:
    info = report["run"]
    verdict = "reproduced" if info["reproduced"] else "NOT reproduced"
    lines = [
        f"{report['path']}: {verdict} — score {report['score']}/100, {info['cells_run']}/{info['total']} cells "
        f"in {info['seconds']:.1f} s, {len(info['changed'])} changed"
    ]
    for f in report["findings"]:
        where = (
            "" if f["cell"] is None else f"cell {cell_number(f['cell'])}" + (f", line {f['line']}" if f["line"] else "")
        )
        first, *rest = f["message"].split("\n")
        lines.append(f"  {f['severity']:<7} {f['check']:<14} {where + ': ' if where else ''}{first}")
        lines.extend(f"      {line}" for line in rest)
        lines.append(f"      hint: {f['hint']}")
    return "\n".join(lines) + "\n"


def _progress_printer(name: str) -> Any:
    """Progress on stderr when it is a terminal (CI logs stay clean)."""
    if not sys.stderr.isatty():
        return None

    def show(p: RunProgress) -> None:
        if p["state"] == "running" and p["cell"] is not None:
            sys.stderr.write(f"\r{name}: cell {cell_number(p['cell'])} ({p['cells_run']}/{p['total']} done)   ")
        elif p["state"] != "running":
            sys.stderr.write("\r\033[K")
        sys.stderr.flush()

    return show


def _naming(path: Path, message: str) -> str:
    """The error line names the notebook (a missing kernel's message does not; several may be run)."""
    return message if str(path) in message else f"{path}: {message}"


def _config_ceiling(path: Path) -> Path:
    """The highest folder the notebook's ``pyproject.toml`` is looked for in, as ``check`` bounds its project
    files: the git top level, else ``paths.cli_ceiling`` (a ``pyproject.toml`` in ``/`` or above the folder
    the user works in is not this notebook's project)."""
    return project_ceiling(path) or cli_ceiling(path)


def run(args: argparse.Namespace) -> int:
    reports: list[RunReport] = []
    errors: list[FileErrorDict] = []
    for raw in args.notebooks:
        path = Path(raw)
        try:
            exact = args.exact_outputs or load_config(path.resolve().parent, _config_ceiling(path)).exact_outputs
            report = run_file(
                path,
                timeout=args.timeout,
                cell_timeout=args.cell_timeout,
                display_path=str(path),
                normalize=args.normalize,
                on_progress=_progress_printer(str(path)),
                kernel=args.kernel,
                exact_outputs=exact,
            )
        except ProdError as exc:
            errors.append({"path": str(path), "message": exc.message})
            sys.stderr.write(f"jupyter-prod: {_naming(path, exc.message)}\n")
            continue
        reports.append(report)
        if args.format == "text":
            sys.stdout.write(_render(report))
            sys.stdout.flush()
    if args.format == "json":
        sys.stdout.write(json.dumps({"version": 1, "notebooks": reports, "errors": errors}, indent=2) + "\n")
    if errors:
        return EXIT_USAGE
    return EXIT_OK if all(r["run"]["reproduced"] for r in reports) else EXIT_FAIL
