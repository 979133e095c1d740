"""The ``jupyter-prod`` command line: one module a subcommand (and options they share)."""

from __future__ import annotations

import argparse
from typing import Any

from ..config import clamp_timeout
from ..typecheck import DEFAULT_TIMEOUT, TypecheckSettings


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a number of seconds") from None
    if not seconds > 0 or seconds == float("inf"):
        raise argparse.ArgumentTypeError(f"'{value}': give a positive number of seconds")
    return clamp_timeout(seconds)


def add_typecheck_options(parser: Any) -> None:
    """``--mypy-timeout`` for the subcommands that run mypy."""
    parser.add_argument(
        "--mypy-timeout",
        type=_seconds,
        default=DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"seconds one mypy call may take, unless the project sets typecheck-timeout (default {DEFAULT_TIMEOUT:g})",
    )


def typecheck_settings(args: argparse.Namespace) -> TypecheckSettings:
    """One-shot mypy (no daemon left behind by a CLI run) with the command line's timeout."""
    # the user runs the CLI on their own project: its mypy configuration applies whole (reports aside)
    return TypecheckSettings(
        backend="mypy", timeout=float(getattr(args, "mypy_timeout", DEFAULT_TIMEOUT)), trust_project_config=True
    )
