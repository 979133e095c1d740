"""Entry point of ``jupyter-prod`` (also ``jupyter prod`` and ``python -m jupyter_prod_ext``).

Exit codes shared by every subcommand: 0 success, 1 the tool ran and found a
reason to fail (findings, a refusal), 2 usage or input error. Engine errors are
printed as one line on stderr, never as a traceback.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from ..errors import ProdError

#: subcommand name -> module under ``jupyter_prod_ext.cli`` with ``add_parser`` and ``run``.
SUBCOMMANDS: dict[str, str] = {
    "check": "check_cmd",
    "checks": "checks_list_cmd",
    "commit": "commit_cmd",
    "promote": "promote_cmd",
    "run": "run_cmd",
    "status": "status_cmd",
}

EXIT_OK = 0
EXIT_FAIL = 1
EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        sys.stderr.write(f"jupyter-prod: error: {message}\n")
        raise SystemExit(EXIT_USAGE)


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = _Parser(prog="jupyter-prod", description="Take Jupyter notebooks to production.")
    parser.add_argument("--version", action="version", version=f"jupyter-prod {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    sub.required = True
    for module_name in SUBCOMMANDS.values():
        module = importlib.import_module(f"{__package__}.{module_name}")
        module.add_parser(sub)
    return parser


def _tolerate_narrow_stdout() -> None:
    """Print what the terminal's encoding cannot show as ``\\u2014`` escapes, not a traceback.

    Under a C/POSIX or Latin-1 locale without Python's UTF-8 mode (``PYTHONUTF8=0``, an older
    distribution's ``LANG=en_US.ISO-8859-1``) stdout is ASCII or Latin-1, and every report has
    non-ASCII text: our own dashes and the notebook's names, cells and outputs.
    """
    reconfigure = getattr(sys.stdout, "reconfigure", None)
    if reconfigure is not None:
        reconfigure(errors="backslashreplace")


def main(argv: Sequence[str] | None = None) -> int:
    _tolerate_narrow_stdout()
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except ProdError as exc:
        sys.stderr.write(f"jupyter-prod: {exc.message}\n")
        return EXIT_USAGE
    except KeyboardInterrupt:
        sys.stderr.write("jupyter-prod: interrupted\n")
        return 130
    except BrokenPipeError:
        return EXIT_OK
