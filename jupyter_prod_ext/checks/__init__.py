"""Readiness checks: one module per family, a registry, the report and its score.

Importing this package registers every check (the family modules are
imported below for their side effect on the registry).
"""

from __future__ import annotations

from . import (  # noqa: F401
    dataflow,
    execution,
    hygiene,
    portability,
    promotion,
    quality,
    randomness,
    secrets,
    structure,
    vcs,
)
from .base import Context, Finding
from .registry import CHECKS, CheckSpec, check

__all__ = ["CHECKS", "CheckSpec", "Context", "Finding", "check"]
