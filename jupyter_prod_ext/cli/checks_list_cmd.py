"""``jupyter-prod checks``: the registered checks with their stable ids."""

from __future__ import annotations

import argparse
import json
import sys
from typing import Any

from ..checks import CHECKS
from ..checks.registry import FAMILIES


def add_parser(sub: Any) -> None:
    p = sub.add_parser("checks", help="list the readiness checks (id, family, severity, fast/slow)")
    p.add_argument("--format", choices=["text", "json"], default="text")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    specs = sorted(CHECKS.values(), key=lambda s: (FAMILIES.index(s.family), s.id))
    if args.format == "json":
        rows = [
            {
                "id": s.id,
                "family": s.family,
                "severity": s.severity,
                "speed": "slow" if s.slow else "fast",
                "description": s.description,
            }
            for s in specs
        ]
        sys.stdout.write(json.dumps(rows, indent=2) + "\n")
        return 0
    width = max(len(s.id) for s in specs)
    for s in specs:
        sys.stdout.write(
            f"{s.id:<{width}}  {s.family:<11}  {s.severity:<7}  {'slow' if s.slow else 'fast'}  {s.description}\n"
        )
    return 0
