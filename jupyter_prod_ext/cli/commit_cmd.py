"""``jupyter-prod commit NOTEBOOK [PATH...] -m MESSAGE``: the notebook and its modules in one commit.

Exit 0 committed (the commit id is printed), 1 refused by the readiness gate
or a hook (the reason, and the hook's output verbatim), 2 usage or repository
error.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..checks.api import check_path
from ..errors import RefusedError
from ..gitops.commit import commit_notebook
from ..notebook import cell_number
from ..types import ReportDict

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def add_parser(sub: Any) -> None:
    p = sub.add_parser(
        "commit",
        help="commit a notebook and its modules to git, gated on readiness and secrets",
        description="Commit NOTEBOOK and the modules promoted from it (or NOTEBOOK and the PATHs given) "
        "in one commit; whatever else is staged stays staged.",
    )
    p.add_argument("notebook", metavar="NOTEBOOK")
    p.add_argument("paths", nargs="*", metavar="PATH", help="files to commit with the notebook (default: its promoted modules, with the __init__.py of new packages)")
    p.add_argument("-m", "--message", required=True, help="the commit message")
    group = p.add_mutually_exclusive_group()
    group.add_argument(
        "--code-only", dest="code_only", action="store_true", default=True,
        help="commit notebooks without outputs (the default); the files on disk keep them",
    )
    group.add_argument("--with-outputs", dest="code_only", action="store_false", help="commit notebooks as they are on disk")
    p.add_argument("--allow-findings", action="store_true", help="commit despite error findings (never despite secrets)")
    p.add_argument("--init", action="store_true", help="run git init in the notebook's folder if it is in no repository")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    notebook = Path(args.notebook).resolve()
    paths = [notebook, *(Path(p).resolve() for p in args.paths)] if args.paths else None

    def gate_check(path: Path, data: bytes) -> ReportDict:
        return check_path(path, display=args.notebook, checks="fast", data=data)

    try:
        result = commit_notebook(
            notebook,
            args.message,
            paths=paths,
            code_only=args.code_only,
            gate_check=gate_check,
            allow_findings=args.allow_findings,
            init=args.init,
            display_root=Path.cwd(),
        )
    except RefusedError as exc:
        details = exc.details if isinstance(exc.details, dict) else {}
        if args.format == "json":
            body = {"error": exc.message, "kind": exc.kind, "details": details}
            sys.stdout.write(json.dumps(body, indent=2, ensure_ascii=False) + "\n")
        else:
            sys.stderr.write(f"jupyter-prod: {exc.message}\n")
            for f in details.get("findings", []):
                where = f"cell {cell_number(f['cell'])}" if f.get("cell") is not None else "notebook"
                line = f", line {f['line']}" if f.get("line") is not None else ""
                sys.stderr.write(f"  {where}{line}: [{f['check']}] {f['message']}\n")
            output = details.get("output", "")
            if output:
                sys.stderr.write(output if output.endswith("\n") else output + "\n")
        return EXIT_FAIL
    if args.format == "json":
        sys.stdout.write(json.dumps(result, indent=2, ensure_ascii=False) + "\n")
    else:
        if result["hook_output"]:
            sys.stderr.write(result["hook_output"])
        sys.stdout.write(f"{result['commit']}\n")
        sys.stderr.write(f"{result['message']}\n")
    return EXIT_OK
