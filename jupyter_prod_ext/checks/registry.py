"""The registry of checks: stable ids, family, default severity, fast or slow."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..types import Severity
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
