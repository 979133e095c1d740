"""The registry of checks: stable ids, family, default severity, fast or slow."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..types import Severity
from ..wire import CommitGate
from .base import Context, Finding

CheckFn = Callable[[Context], Iterable[Finding]]


@dataclass(frozen=True)
class CheckSpec:
    id: str
    family: str
    severity: Severity
    description: str
    fn: CheckFn
    #: slow checks (black, mypy, git) run on save or on demand, not on every keystroke
    slow: bool = False
    #: reads cell outputs: a delta request without such a check may leave outputs out (src/delta.ts)
    outputs: bool = False


CHECKS: dict[str, CheckSpec] = {}

FAMILIES = ("execution", "dataflow", "structure", "portability", "security", "hygiene", "quality", "vcs")

#: the check whose findings no user choice lets into a commit
SECRET_CHECK = "secret"


def commit_gate(check: str, severity: str) -> CommitGate | None:
    """How a finding stops a commit: the gate's one rule, read by ``gitops.gate`` and sent to the UI.

    A secret always blocks (a leaked key in git history outlives any later fix, so "allow findings"
    cannot let it through); any other error blocks unless the user allows findings; the rest never do.
    Each finding of a report carries the answer (``commit_gate``), so the panel shows what the server
    will decide instead of deriving it again.
    """
    if check == SECRET_CHECK:
        return "always"
    if severity == "error":
        return "unless-allowed"
    return None


def check(
    id: str, family: str, severity: Severity, description: str, *, slow: bool = False, outputs: bool = False
) -> Callable[[CheckFn], CheckFn]:
    """Register a check function under a stable, public id."""
    if family not in FAMILIES:
        raise ValueError(f"unknown family {family}")

    def deco(fn: CheckFn) -> CheckFn:
        if id in CHECKS:
            raise ValueError(f"check id {id} registered twice")
        CHECKS[id] = CheckSpec(id, family, severity, description, fn, slow, outputs)
        return fn

    return deco
