"""``jupyter-prod check PATH...``: readiness reports for CI and pre-commit."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..checks.api import check_path
from ..errors import ProdError
from ..jupytext_io import discover_notebooks
from ..types import CheckOutputDict, FileErrorDict, ReportDict
from . import add_typecheck_options, report_formats, typecheck_settings

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def _csv(value: str) -> list[str]:
    return [x.strip() for x in value.split(",") if x.strip()]


def add_parser(sub: Any) -> None:
    p = sub.add_parser("check", help="score notebooks and list their findings")
    p.add_argument("paths", nargs="+", metavar="PATH", help="notebooks (.ipynb, or jupytext .py/.md), or folders to search for them")
    p.add_argument("--format", choices=["text", "json", "github", "sarif"], default="text")
    p.add_argument("--fail-on", choices=["error", "warning", "never"], default="error")
    p.add_argument("--select", type=_csv, default=None, help="comma-separated check ids or families")
    p.add_argument("--ignore", type=_csv, default=None, help="comma-separated check ids or families")
    p.add_argument("--fast", action="store_true", help="skip the slow checks (black, mypy, git)")
    add_typecheck_options(p)
    p.set_defaults(func=run)


def expand(paths: list[str]) -> list[Path]:
    out: list[Path] = []
    for raw in paths:
        p = Path(raw)
        if p.is_dir():
            out.extend(discover_notebooks(p))
        else:
            out.append(p)
    return out


def run(args: argparse.Namespace) -> int:
    reports: list[ReportDict] = []
    errors: list[FileErrorDict] = []
    for path in expand(args.paths):
        try:
            reports.append(
                check_path(
                    path.resolve(),
                    display=str(path),
                    checks="fast" if args.fast else "all",
                    select=args.select,
                    ignore=args.ignore,
                    typecheck_backend="mypy",  # one-shot: leave no daemon behind
                    typecheck_settings=typecheck_settings(args),
                )
            )
        except ProdError as exc:
            errors.append({"path": str(path), "message": exc.message})
            sys.stderr.write(f"jupyter-prod: {exc.message}\n")
        except (ValueError, OSError) as exc:  # a NUL byte in the name, a path too long for the OS, ...
            shown = str(path).encode("unicode_escape").decode("ascii")
            message = " ".join(f"{shown}: cannot read this path ({exc}).".split())
            errors.append({"path": shown, "message": message})
            sys.stderr.write(f"jupyter-prod: {message}\n")
    output: CheckOutputDict = {"version": 1, "notebooks": reports, "errors": errors}
    if args.format == "json":
        sys.stdout.write(json.dumps(output, indent=2) + "\n")
    else:
        sys.stdout.write(report_formats.render(args.format, output))
    if errors:
        return EXIT_USAGE
    levels = {"error": ("error",), "warning": ("error", "warning"), "never": ()}[args.fail_on]
    failing = any(f["severity"] in levels for r in reports for f in r["findings"])
    return EXIT_FAIL if failing else EXIT_OK
