"""``jupyter-prod status NOTEBOOK``: where the notebook and its modules stand in git."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..gitops.status import repo_status

EXIT_OK = 0


def add_parser(sub: Any) -> None:
    p = sub.add_parser("status", help="git state of a notebook and its modules, and its recent commits")
    p.add_argument("notebook", metavar="NOTEBOOK")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    status = repo_status(Path(args.notebook).resolve(), display_root=Path.cwd())
    if args.format == "json":
        sys.stdout.write(json.dumps(status, indent=2, ensure_ascii=False) + "\n")
        return EXIT_OK
    out = sys.stdout
    if status["repo"] is None:
        out.write(f"{args.notebook}: not in a git repository (jupyter-prod commit --init creates one)\n")
        return EXIT_OK
    if status["detached"]:
        where = f"detached HEAD at {(status['head'] or '')[:7]}"
    else:
        where = f"on branch {status['branch']}" + ("" if status["head"] else " (no commits yet)")
    out.write(f"repository {status['repo']}, {where}\n")
    if status["operation"]:
        out.write(f"a {status['operation']} is in progress\n")
    for f in status["files"]:
        renamed = f" (renamed from {', '.join(f['renamed_from'])})" if f.get("renamed_from") else ""
        out.write(f"  {f['state']:<10} {f['path']}{renamed}\n")
    if status["log"]:
        out.write("recent commits of the notebook:\n")
        for c in status["log"]:
            out.write(f"  {c['short']} {c['date'][:10]} {c['author']}: {c['subject']}\n")
    return EXIT_OK
