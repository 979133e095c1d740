"""Promote notebook code into a module of the user's package (``POST promote``, ``jupyter-prod promote``)."""

from __future__ import annotations

from .api import PromoteOptions, options_from_body, promote

__all__ = ["PromoteOptions", "options_from_body", "promote"]
