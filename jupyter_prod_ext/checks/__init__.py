"""Readiness checks: one module per family, a registry, the report and its score.

Importing this package registers every check (the family modules are
imported below for their side effect on the registry).
"""

from __future__ import annotations

from . import execution, dataflow  # noqa: F401  (registration)
from .registry import CHECKS, CheckSpec, check
from .base import Context, Finding

__all__ = ["CHECKS", "CheckSpec", "Context", "Finding", "check"]
