"""``jupyter-prod promote NOTEBOOK --to PATH``: move notebook code into a module of the project."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from ..errors import InputError, PathError
from ..notebook import cell_number
from ..paths import project_root
from ..promote import PromoteOptions, promote
from ..promote.roundtrip import pull
from ..promote.types import PromoteResultDict
from . import add_typecheck_options, typecheck_settings

EXIT_OK, EXIT_FAIL, EXIT_USAGE = 0, 1, 2


def _cells(value: str) -> list[int | str]:
    out: list[int | str] = []
    for part in value.split(","):
        part = part.strip()
        if part:
            out.append(int(part) if part.isdigit() else part)
    return out


def _names(value: str) -> list[str]:
    return [x.strip() for x in value.split(",") if x.strip()]


def _choice(value: str) -> tuple[str, str]:
    name, sep, choice = value.partition("=")
    if not sep or choice not in ("parameter", "move", "cancel"):
        raise argparse.ArgumentTypeError("use NAME=parameter, NAME=move or NAME=cancel")
    return name.strip(), choice


def add_parser(sub: Any) -> None:
    p = sub.add_parser("promote", help="move functions or cells of a notebook into a module of the project")
    p.add_argument("notebook", metavar="NOTEBOOK")
    sel = p.add_argument_group("selection (one or both)")
    sel.add_argument(
        "--cells", type=_cells, default=[], help="comma-separated cell indexes (0-based) or cell ids"
    )
    sel.add_argument(
        "--names", type=_names, default=[], help="comma-separated names of top-level definitions"
    )
    p.add_argument(
        "--to", metavar="PATH", help="module path relative to the project root (required but with --pull)"
    )
    p.add_argument(
        "--pull",
        type=_names,
        default=[],
        metavar="NAMES",
        help="comma-separated promoted definitions whose cells take back the module's version (hand edits)",
    )
    p.add_argument("--as-function", metavar="NAME", help="turn the selected cells into a function NAME")
    p.add_argument("--unmoved", type=_choice, action="append", default=[], metavar="NAME=CHOICE",
                   help="what to do with a data name the selection reads: parameter, move or cancel")  # fmt: skip
    p.add_argument("--dry-run", action="store_true", help="show what would change; write nothing")
    p.add_argument("--no-rewrite", action="store_true", help="leave the notebook's cells as they are")
    p.add_argument(
        "--tests", action="store_true", help="write regression tests from the notebook's shown results"
    )
    p.add_argument("--force", action="store_true", help="overwrite definitions edited by hand in the module")
    p.add_argument("--format", choices=["text", "json"], default="text")
    add_typecheck_options(p)
    p.set_defaults(func=run)


def render_text(result: PromoteResultDict) -> str:
    lines: list[str] = []
    if not result["ok"]:
        head = f"refused: nothing written; promoting into {result['module_path']} needs the changes below"
    else:
        head = f"ok: {'would promote' if result['dry_run'] else 'promoted'} into {result['module_path']}"
    lines.append(head)
    for item in result["slice"]:
        lines.append(f"  {item['kind']:<10} {item['name']:<24} cell {cell_number(item['cell']):<4} {item['reason']}")
    for u in result["unmoved"]:
        lines.append(
            f"  unmoved: {u['name']} (cell {cell_number(u['cell'])}): {u['reason']}  "
            f"--unmoved {u['name']}={'|'.join(c for c in u['choices'] if c != 'cancel')}"
        )
    for p in result["problems"]:
        lines.append(f"problem: {p}")
    for w in result["warnings"]:
        lines.append(f"warning: {w}")
    for d in result["drift"]:
        lines.append(f"drift ({d['state']}): {d['message']}")
    tc = result["typecheck"]
    lines.append(f"typecheck: {tc['message']}")
    for e in tc["errors"]:
        where = f" (cell {cell_number(e['cell'])}, line {e['cell_line']})" if e["cell"] is not None else ""
        lines.append(f"  {result['module_path']}:{e['module_line']}{where}: {e['message']}")
    if result["tests_path"]:
        lines.append(f"tests: {result['tests_path']}")
    if result["untested"]:
        lines.append(f"untested: {', '.join(result['untested'])}")
    if result["dry_run"]:
        if result["module_diff"]:
            lines.append(result["module_diff"].rstrip("\n"))
        if result["notebook_diff"]:
            lines.append(result["notebook_diff"].rstrip("\n"))
    for w in result["written"]:
        lines.append(f"wrote {w}")
    return "\n".join(lines) + "\n"


def run_pull(args: argparse.Namespace, nb_path: Path) -> int:
    """``--pull``: update the cells from the module (the way back of a promotion)."""
    if args.cells or args.names or args.to:
        raise InputError(
            "--pull takes no --cells, --names or --to: the notebook's ledger says where each name went."
        )
    result = pull(nb_path, args.pull, project_root=project_root(nb_path.resolve()), dry_run=args.dry_run)
    if args.format == "json":
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
        return EXIT_OK
    lines = [
        f"{'would pull' if args.dry_run else 'pulled'} {p['name']} from {p['module']} into cell {cell_number(p['cell'])}"
        for p in result["pulled"]
    ]
    lines += [f"wrote {w}" for w in result["written"]]
    sys.stdout.write("\n".join(lines) + "\n")
    return EXIT_OK


def run(args: argparse.Namespace) -> int:
    if args.pull:
        nb_path = Path(args.notebook)
        if not nb_path.is_file():
            from ..errors import NotFoundError

            raise NotFoundError(f"{args.notebook}: no such notebook.")
        return run_pull(args, nb_path)
    if not args.to:
        raise InputError("Give --to PATH, the module to promote into (relative to the project root).")
    if not args.cells and not args.names:
        raise InputError("Give --cells and/or --names to say what to promote.")
    nb_path = Path(args.notebook)
    if not nb_path.is_file():
        from ..errors import NotFoundError

        raise NotFoundError(f"{args.notebook}: no such notebook.")
    root = project_root(nb_path.resolve())
    to = args.to
    if Path(to).is_absolute():
        # convenience: an absolute path inside the project is the same module
        try:
            to = Path(to).resolve().relative_to(root).as_posix()
        except ValueError:
            raise PathError(f"The target module '{args.to}' is outside the project root {root}.") from None
    options = PromoteOptions(
        to=to,
        cells=args.cells,
        names=args.names,
        as_function=args.as_function,
        dry_run=args.dry_run,
        rewrite=not args.no_rewrite,
        tests=args.tests,
        force=args.force,
        unmoved=dict(args.unmoved),
    )
    result = promote(
        nb_path,
        options,
        project_root=root,
        write_notebook=True,
        typecheck_settings=typecheck_settings(args),
    )
    if args.format == "json":
        sys.stdout.write(json.dumps(result, indent=2) + "\n")
    else:
        sys.stdout.write(render_text(result))
    return EXIT_OK if result["ok"] else EXIT_FAIL
