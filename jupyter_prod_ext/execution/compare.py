"""Output comparison of a fresh run against the outputs saved in the notebook.

Only what a reader of the notebook sees is compared: stream text (stdout and
stderr, with the chunking of the messages erased), the ``text/plain`` of
``execute_result`` and ``display_data``, error lines, and the *presence and
mime type* of images (their bytes differ with library versions and fonts).
Rich representations that come with a ``text/plain`` twin (HTML tables,
widgets) are compared through that twin.

Normalisation erases content that is volatile by nature, so it never counts as
a reproducibility failure. Each rule has a name so callers can pick them:

``addresses``   memory addresses such as ``0x7f3a2c1d4e50``, and the forms of the repr of an
                object without one (``<m.Point at 0x7f...>``, ``<m.Point object at 0x7f...>``,
                ``<m.Point object>``), which differ with IPython and Python versions
``timestamps``  ISO dates and times, ``ctime()`` strings, ``HH:MM:SS`` clocks,
                epoch seconds between 2001 and 2033
``durations``   ``1.23 s``, ``12 ms``, ``Wall time: ...``, ``CPU times: ...``,
                ``%timeit`` lines (IPython 5's ``100 loops, best of 3: ...`` too, one wrapped after ``of 7 runs,``,
                and its 'slowest run took' remark), progress-bar rates (``5.2it/s``)

Random numbers are deliberately *not* normalised: output that changes because
randomness is unseeded is exactly what a reproducibility run must flag.

Always, whatever the rules chosen, one value shown differently by another version of a library is the
same output (:func:`same_value_text`): NumPy 2's ``np.float64(1.25)`` is NumPy 1's ``1.25`` (and a tuple of
them IPython wraps over lines is the one line it was), pandas 2's ``pandas.MultiIndex`` is
``pandas.core.indexes.multi.MultiIndex``, NumPy 2's ``shape=(2000,)`` of a summarised array is
not shown by NumPy 1, and the size in
matplotlib's ``<Figure size 640x480 with 1 Axes>`` is the environment's default (the image's bytes are not
compared either). Two lines that differ only in floating-point numbers equal to about 9 significant digits
(:func:`same_but_rounding`) are the same too: another BLAS or SciPy sums in another order, and the 16th digit
moves; an integer must be equal. With ``exact`` (``jupyter-prod run --exact-outputs``, ``exact-outputs =
true`` in ``[tool.jupyter-prod]``) none of these allowances is made: what the notebook displays (ANSI colours
and redrawn lines aside) is compared as it is, and only the named rules chosen apply. Even then, IPython's
``%%writefile`` saying ``Overwriting`` (the file was there before, as on every run again in its folder) is
its ``Writing``: the same file is written.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

NORMALIZERS: tuple[str, ...] = ("addresses", "timestamps", "durations")
DEFAULT_NORMALIZE: frozenset[str] = frozenset(NORMALIZERS)

_ANSI = re.compile(r"\x1b\[[0-9;?]*[ -/]*[@-~]")

_QUALIFIED = r"<(?:[A-Za-z_]\w*\.)*([A-Za-z_]\w*)"
_ADDRESS = [
    # the repr of an object without one says the same thing in a form that changes with IPython and Python
    # versions: <__main__.Point at 0x7f...> (IPython), <__main__.Point object at 0x7f...> (print),
    # <IPython.core.display.HTML object> (IPython 7+'s display objects), <HTML at 0x7f...>: all <Point object>.
    # The class's own name stays: <Point ...> and <Segment ...> still differ.
    (re.compile(_QUALIFIED + r"(?: object)? at 0x[0-9a-fA-F]+>"), r"<\1 object>"),
    (re.compile(_QUALIFIED + r" object>"), r"<\1 object>"),
    (re.compile(r"\b0x[0-9a-fA-F]{6,16}\b"), "0x<address>"),
]

_MONTHS = r"(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)[a-z]*"
_DAYS = r"(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)[a-z]*"
_TIMESTAMP = [
    # 2026-11-27T09:56:14.123456+00:00, 2026-11-27 09:56, Timestamp('2026-11-27 ...')
    (
        re.compile(
            r"\b\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2}|\s?[A-Z]{3,4}\b)?)?"
        ),
        "<datetime>",
    ),
    # Fri Nov 27 09:56:14 2026 (time.ctime, date)
    (
        re.compile(
            rf"\b{_DAYS},?\s+{_MONTHS}\s+\d{{1,2}}(?:,?\s+\d{{4}})?(?:\s+\d{{1,2}}:\d{{2}}:\d{{2}})?(?:\s+[A-Z]{{3,4}})?(?:\s+\d{{4}})?"
        ),
        "<datetime>",
    ),
    # 27 Nov 2026, Nov 27, 2026
    (re.compile(rf"\b\d{{1,2}}\s+{_MONTHS}\s+\d{{4}}\b|\b{_MONTHS}\s+\d{{1,2}},\s+\d{{4}}\b"), "<datetime>"),
    # 11/27/2026, 27/11/26
    (re.compile(r"\b\d{1,2}/\d{1,2}/\d{2,4}\b"), "<datetime>"),
    # datetime.datetime(2026, 11, 27, 9, 56, 14, 123456) (reprs)
    (re.compile(r"\b(datetime\.(?:datetime|date|time))\([\d, ]+(?:, tzinfo=[^)]*\)?)?\)"), r"\1(<datetime>)"),
    # 09:56:14.123 (clock times)
    (re.compile(r"\b\d{1,2}:\d{2}:\d{2}(?:[.,]\d+)?\b"), "<time>"),
    # 1795672574.123456 (time.time() between 2001 and 2033)
    (re.compile(r"\b1[0-9]{9}(?:\.\d+)?\b"), "<epoch>"),
]

_NUM = r"\d+(?:[.,]\d+)?(?:e[+-]?\d+)?"
_UNIT = r"(?:ns|µs|μs|us|ms|s|sec|secs|seconds?|min|mins|minutes?|h|hours?)"
_DURATION = [
    (re.compile(r"\b(Wall time|CPU times): .*$", re.MULTILINE), r"\1: <duration>"),
    (re.compile(r"^.*\bper loop \(mean ± std\. dev\. of .*$", re.MULTILINE), "<timeit>"),
    # IPython before 6: "100 loops, best of 3: 5.1 ms per loop", the same measure as the line above
    (re.compile(r"^.*\bloops?, best of \d+: .* per loop$", re.MULTILINE), "<timeit>"),
    (re.compile(rf"{_NUM}\s?(?:it/s|s/it)\b"), "<rate>"),
    # tqdm's [00:01<00:02, ...]
    (re.compile(r"\[\d+:\d{2}(?::\d{2})?<(?:\d+:\d{2}(?::\d{2})?|\?)"), "[<elapsed>"),
    (re.compile(rf"(?<![\w.]){_NUM}\s?{_UNIT}\b"), "<duration>"),
]

#: %timeit's line wrapped after "of 7 runs," (as books print it), and its caching remark: what varies
#: from run to run with the measure itself, dropped with the durations rule (:func:`_timeit_joined`)
_TIMEIT_TAIL = re.compile(r"^(?:\[stdout\] )?\s*[\d,]+ loops? each\)$")
_TIMEIT_WRAPPED = re.compile(r"\bper loop \(mean ± std\. dev\. of \d+ runs?,?$")
_TIMEIT_SLOWEST = re.compile(r"^(?:\[stdout\] )?The slowest run took [\d.]+ times longer than the fastest\.")

_RULES: dict[str, list[tuple[re.Pattern[str], str]]] = {
    "addresses": _ADDRESS,
    "timestamps": _TIMESTAMP,
    "durations": _DURATION,
}

_IMAGE_PREFIX = "image/"

#: Reprs of one value that differ between library versions: NumPy 2 wraps scalars in their type
#: (``np.float64(0.5)``, ``np.int64(3)``, ``np.True_``, ``np.str_('a')``) where NumPy 1 showed the bare value.
_VERSION_REPRS: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"\bnp\.(?:float|int|uint|complex)(?:8|16|32|64|128|256)?\(([^()]*)\)"), r"\1"),
    (re.compile(r"\bnp\.(True|False)_\b"), r"\1"),
    (re.compile(r"\bnp\.(?:str_|bytes_)\(((?:b?'[^']*'|b?\"[^\"]*\"))\)"), r"\1"),
    # pandas 2 names its public classes by their public path (type(df.index) is pandas.MultiIndex)
    (re.compile(r"\bpandas\.core(?:\.[a-z_]\w*)*\.([A-Z]\w*)"), r"pandas.\1"),
    # matplotlib's text twin of a figure names the size the environment's defaults give it
    (re.compile(r"<Figure size \d+(?:\.\d+)?x\d+(?:\.\d+)? with (\d+) Axes>"), r"<Figure with \1 Axes>"),
    # NumPy 2 names the shape of an array it shows summarised: array([[0, ..., 999]], shape=(1000, 1000))
    (re.compile(r"(?<=\]), shape=\(\d+(?:, \d+)*,?\)(?=[,)])"), ""),
]

#: NumPy 2 shows a record of a structured array with its dtype (``np.void(('Alice', 25, 55.0), dtype=[...])``,
#: a recarray's ``np.record(…)``, a view of some fields' ``dtype={'names': …}``) where NumPy 1 showed the tuple
_RECORD_CALL = re.compile(r"\bnp\.(?:void|record)\((?=\()")
#: Python 2's ``datetime.timedelta(6, 40171, 885211)``, which Python 3.7+ shows with keywords
_PY2_TIMEDELTA = re.compile(r"\bdatetime\.timedelta\((-?\d+)(?:, (-?\d+))?(?:, (-?\d+))?\)")


def _closing(text: str, start: int) -> int | None:
    """The index of the bracket closing the one at ``start`` (strings skipped), else None."""
    depth, quote, i = 0, "", start
    while i < len(text):
        c = text[i]
        if quote:
            if c == "\\":
                i += 1
            elif c == quote:
                quote = ""
        elif c in "'\"":
            quote = c
        elif c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return None


def _records_as_tuples(text: str) -> str:
    """Each ``np.void((…), dtype=…)``/``np.record((…), dtype=…)`` of ``text`` as NumPy 1 showed it: the tuple
    (NumPy 1.14's ``55.`` for NumPy 2's ``55.0`` is :func:`same_but_rounding`'s). Anything else (no dtype, an
    unclosed bracket) stays as it is."""
    out, at = [], 0
    for m in _RECORD_CALL.finditer(text):
        if m.start() < at:
            continue
        record_end = _closing(text, m.end())
        call_end = _closing(text, m.end() - 1)
        if record_end is None or call_end is None or not text.startswith(", dtype=", record_end + 1):
            continue
        out += [text[at : m.start()], text[m.end() : record_end + 1]]
        at = call_end + 1
    return "".join(out) + text[at:]


def _py3_timedelta(m: re.Match[str]) -> str:
    parts = [f"{k}={v}" for k, v in zip(("days", "seconds", "microseconds"), m.groups(), strict=True) if v and int(v)]
    return f"datetime.timedelta({', '.join(parts) or '0'})"

#: IPython's %%writefile says whether the file was there before the run (always, when the notebook is run
#: again in its folder): the same file is written, whatever the versions, so ``--exact-outputs`` keeps this
_WRITEFILE_SAID = re.compile(r"^(\[stdout\] )?Overwriting (\S.*)$", re.MULTILINE)

_CONTAINER_OPENERS = ("(", "[", "{")
#: NumPy before 1.14 put an array's dtype on a line of its own: ``array(['a', 'b'], \n      dtype='<U1')``
_DTYPE_WRAPPED = re.compile(r",\s*\n\s+dtype=")
_WRAPPED_AFTER_COMMA = re.compile(r",\n\s+")

#: A floating-point literal (a point or an exponent: integers are compared exactly).
_FLOAT = re.compile(r"([-+]?(?:\d+\.\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?\d+[eE][-+]?\d+)")

#: How close two printed floats must be to be the same result: 9 significant digits, far above what
#: another summation order moves (the last of 16 or 17 digits) and far below what a changed input moves.
FLOAT_RELATIVE_TOLERANCE = 1e-9


def check_normalize(names: Iterable[str]) -> frozenset[str]:
    """Validated set of rule names; raises ``ValueError`` naming the valid ones."""
    chosen = frozenset(names)
    unknown = sorted(chosen - set(NORMALIZERS))
    if unknown:
        raise ValueError(f"unknown normalisation {', '.join(unknown)}: choose among {', '.join(NORMALIZERS)}")
    return chosen


def normalize_text(text: str, normalize: Iterable[str] = DEFAULT_NORMALIZE, *, exact: bool = False) -> str:
    """``text`` with ANSI colours removed, %%writefile's 'Overwriting' said as 'Writing', the chosen volatile
    parts replaced (and, unless ``exact``, each value shown as every library version shows it)."""
    out = _WRITEFILE_SAID.sub(r"\1Writing \2", as_displayed(_ANSI.sub("", text)))
    out = out if exact else same_value_text(out)
    chosen = set(normalize)
    # Durations before timestamps: "Wall time: 1.2 s" must not become a clock first.
    for name in ("durations", "addresses", "timestamps"):
        if name in chosen:
            for pattern, repl in _RULES[name]:
                out = pattern.sub(repl, out)
    return out


def as_displayed(text: str) -> str:
    """``text`` as a terminal or the notebook shows it: CRLF line ends (``ls`` in IPython, Windows
    programs) are plain line ends, and a bare carriage return redraws its line (progress bars), so only
    what follows the last one stays visible."""
    lines = text.replace("\r\n", "\n").split("\n")
    return "\n".join(line.rstrip("\r").rsplit("\r", 1)[-1] for line in lines)


#: a line of a NumPy array's repr or str (``array([ 1.,  2.])``, ``[[ 0.  0.]``, ``       [ 3.,  4.]])``)
_ARRAY_LINE = re.compile(r"^(?:\[stdout\] )?\s*(?:array\()?\[")
#: NumPy before 1.14 kept a space for the sign after ``[`` and two after each comma, and put wide gaps
#: between the numbers of a str: ``array([ 0.25,  1.  ])`` is NumPy 1.14+'s ``array([0.25, 1.  ])``
_LEGACY_ARRAY_SPACES = [
    (re.compile(r"\[ +(?=[-+\d.]|nan|inf)"), "["),
    (re.compile(r", {2,}(?=[-+\d.]|nan|inf)"), ", "),
    (re.compile(r"(?<=[\d.]) {2,}(?=[-+\d])"), " "),
    # NumPy 1.14+ pads a whole float (``55. ``) where NumPy before showed ``55.0``: a record of a structured array
    (re.compile(r"(?<=\d)\. +(?=[),\]])"), ".0"),
]


def same_value_text(text: str) -> str:
    """``text`` with each value shown as every library version shows it (:data:`_VERSION_REPRS`, NumPy's
    records as tuples, Python 2's timedelta with keywords, and NumPy's arrays with the spacing of NumPy 1.14
    and later)."""
    for pattern, repl in _VERSION_REPRS:
        text = pattern.sub(repl, text)
    if "np.void(" in text or "np.record(" in text:
        text = _records_as_tuples(text)
    text = _PY2_TIMEDELTA.sub(_py3_timedelta, text)
    if _ARRAY_LINE.match(text):
        for pattern, repl in _LEGACY_ARRAY_SPACES:
            text = pattern.sub(repl, text)
    return text


def same_but_rounding(saved: str, fresh: str) -> bool:
    """Whether two lines differ only in floating-point numbers equal to :data:`FLOAT_RELATIVE_TOLERANCE`
    (``0.8156022529251691`` and ``0.8156022529251692``): same text around them, as many numbers."""
    old, new = _FLOAT.split(saved), _FLOAT.split(fresh)
    if len(old) != len(new) or old[0::2] != new[0::2]:
        return False
    pairs = zip(old[1::2], new[1::2], strict=True)
    return all(math.isclose(float(a), float(b), rel_tol=FLOAT_RELATIVE_TOLERANCE) for a, b in pairs)


def _one_line_container(text: str) -> str:
    """A tuple, list, set or dict shown on one line: IPython wraps one wider than 79 characters after its
    commas, so a container of NumPy 2 scalars (``(np.float64(0.70...), ...)``, wider than NumPy 1's bare
    values) came out on three lines where the saved output had one."""
    if text.startswith("array(") and "\n" in text:
        return _DTYPE_WRAPPED.sub(", dtype=", text)
    if not text.startswith(_CONTAINER_OPENERS) or "\n" not in text:
        return text
    return _WRAPPED_AFTER_COMMA.sub(", ", text)


def _text(value: object) -> str:
    if isinstance(value, list):
        return "".join(str(v) for v in value)
    return "" if value is None else str(value)


def visible_lines(outputs: Sequence[Mapping[str, Any]], *, exact: bool = False) -> list[str]:
    """The comparable text of a cell's outputs, one entry per line.

    Consecutive stream chunks are joined per stream (stdout, then stderr): how
    a kernel splits ``print`` output into messages, and how stdout and stderr
    interleave (two buffers flushed independently), is timing, not content.
    Displays flush the streams first, so their order relative to streams holds. Unless ``exact``, a
    container IPython wrapped over lines is the one line another version showed.
    """
    parts: list[str] = []
    streams: dict[str, list[str]] = {}

    def flush() -> None:
        for name in sorted(streams, key=lambda n: (n != "stdout", n)):
            text = as_displayed("".join(streams[name])).rstrip("\n")
            parts.extend(f"[{name}] {line}" for line in text.split("\n"))
        streams.clear()

    for out in outputs:
        kind = out.get("output_type")
        if kind == "stream":
            streams.setdefault(str(out.get("name", "stdout")), []).append(_text(out.get("text")))
            continue
        flush()
        if kind in ("execute_result", "display_data"):
            data = out.get("data") or {}
            if "text/plain" in data:
                plain = _text(data["text/plain"]).rstrip("\n")
                parts.extend((plain if exact else _one_line_container(plain)).split("\n"))
            parts.extend(f"<{mime}>" for mime in sorted(data) if str(mime).startswith(_IMAGE_PREFIX))
        elif kind == "error":
            parts.append(f"{out.get('ename', '')}: {out.get('evalue', '')}")
    flush()
    return _bounded(parts)


#: Characters of a cell's output that are compared: a training loop's log of megabytes travels from the
#: worker to the server and stays there until the report is built; the saved side is cut the same way.
MAX_COMPARED_CHARS = 1_000_000


def _bounded(parts: list[str], limit: int = MAX_COMPARED_CHARS) -> list[str]:
    """``parts`` up to ``limit`` characters, then one line saying where the output was cut."""
    total = 0
    for index, part in enumerate(parts):
        total += len(part) + 1
        if total > limit:
            return [*parts[:index], f"… output cut after {limit} characters"]
    return parts


def _timeit_joined(lines: Sequence[str]) -> list[str]:
    """``lines`` without what a %timeit measure adds beside its line: the tail of one wrapped after "of
    7 runs," (``    10 loops each)``, as a book prints it) and the remark that the slowest run took longer."""
    out: list[str] = []
    for line in lines:
        if _TIMEIT_SLOWEST.match(line) or (
            out and _TIMEIT_WRAPPED.search(out[-1]) and _TIMEIT_TAIL.match(line)
        ):
            continue
        out.append(line)
    return out


def diff_lines(
    recorded: Sequence[str],
    fresh: Sequence[str],
    normalize: Iterable[str] = DEFAULT_NORMALIZE,
    *,
    max_lines: int = 8,
    max_width: int = 100,
    exact: bool = False,
) -> list[str] | None:
    """A short ``-saved`` / ``+fresh`` diff of :func:`visible_lines`, or ``None`` when they match."""
    chosen = frozenset(normalize)
    if "durations" in chosen:
        recorded, fresh = _timeit_joined(recorded), _timeit_joined(fresh)
    old = [normalize_text(line, chosen, exact=exact) for line in recorded]
    new = [normalize_text(line, chosen, exact=exact) for line in fresh]
    # a line equal but for rounding is the saved one: only what really changed shows in the diff
    new = [
        old[i] if not exact and i < len(old) and line != old[i] and same_but_rounding(old[i], line) else line
        for i, line in enumerate(new)
    ]
    if old == new:
        return None
    lines = [
        line
        for line in difflib.unified_diff(old, new, lineterm="", n=0)
        if not line.startswith(("---", "+++", "@@"))
    ]
    short = [line if len(line) <= max_width else line[: max_width - 1] + "…" for line in lines[:max_lines]]
    if len(lines) > max_lines:
        short.append(f"… {len(lines) - max_lines} more changed lines")
    return short


def diff_outputs(
    recorded: Sequence[Mapping[str, Any]],
    fresh: Sequence[Mapping[str, Any]],
    normalize: Iterable[str] = DEFAULT_NORMALIZE,
    *,
    exact: bool = False,
) -> list[str] | None:
    """:func:`diff_lines` of two lists of nbformat outputs."""
    return diff_lines(
        visible_lines(recorded, exact=exact), visible_lines(fresh, exact=exact), normalize, exact=exact
    )
