"""Promote notebook code into a module of the user's package (``POST promote``, ``jupyter-prod promote``)."""

from __future__ import annotations

from .api import PromoteOptions, promote

__all__ = ["PromoteOptions", "promote"]
