"""The readiness score, 0-100.

    score = round(100 * prod over checks c of  w(sev_c) ** min(n_c, 3))

with w(error) = 0.80, w(warning) = 0.93, w(info) = 0.99, where n_c is the
number of (unwaived) findings of check c. Why this shape: every finding costs
something, an error costs about three warnings, the score never goes negative,
and one noisy check (a hundred ``large-output`` findings) cannot drown the
others, because a check counts at most three times. Waived findings cost
nothing. A notebook with no findings scores 100. A tie (x.5) rounds up, as the
panel's ``Math.round`` does (src/reports.ts scores a merged report itself); both
are tested on the cases of tests/data/score_cases.json.
"""

from __future__ import annotations

import math
from collections import Counter

from ..types import FindingDict, Severity

WEIGHTS: dict[Severity, float] = {"error": 0.80, "warning": 0.93, "info": 0.99}
PER_CHECK_CAP = 3


def score(findings: list[FindingDict]) -> int:
    counts: Counter[tuple[str, Severity]] = Counter((f["check"], f["severity"]) for f in findings)
    value = 100.0
    for (_, sev), n in counts.items():
        value *= WEIGHTS[sev] ** min(n, PER_CHECK_CAP)
    return max(0, min(100, round_half_up(value)))


def round_half_up(value: float) -> int:
    """``value`` to the nearest integer, a tie up: JavaScript's ``Math.round``, which the panel's score uses.

    Python's ``round`` takes a tie to the even integer (82.5 to 82, where the panel said 83). ``value - whole``
    is exact for a float, so this is the exact rounding, not ``floor(value + 0.5)``'s (63.49999999999999 + 0.5
    is 64.0 in floats).
    """
    whole = math.floor(value)
    return whole + (value - whole >= 0.5)
