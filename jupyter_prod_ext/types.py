"""JSON shapes shared by the engine, the CLI's ``--format json`` and the REST API.

They are defined once, in :mod:`jupyter_prod_ext.wire` (from which the JSON Schema and ``src/wire.ts`` are
generated); this module re-exports the ones the engine has always imported from here.
"""

from __future__ import annotations

from .wire import SEVERITIES as SEVERITIES
from .wire import CheckOutputDict as CheckOutputDict
from .wire import ErrorBody as ErrorBody
from .wire import FileErrorDict as FileErrorDict
from .wire import FindingDict as FindingDict
from .wire import Fix as Fix
from .wire import ReportDict as ReportDict
from .wire import ReportSummary as ReportSummary
from .wire import Severity as Severity
