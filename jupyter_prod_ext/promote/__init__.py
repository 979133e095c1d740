"""Promote notebook code into a module of the user's package (``POST promote``, ``jupyter-prod promote``)."""

from __future__ import annotations

from .options import PromoteOptions
from .pipeline import promote

__all__ = ["PromoteOptions", "promote"]
