"""Security: credentials in cell sources and in saved text outputs.

Every message masks the value (first four characters, an ellipsis and the length):
a report is shown in CI logs and pull requests, it must not leak what it found.
Image outputs (base64) are never scanned: they are not text and match by chance.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator

from ..notebook import text_fact
from .base import Context, Finding
from .registry import check

#: fixed-format tokens: (kind, pattern). Each needs a literal prefix, so a search is cheap.
_TOKENS = re.compile(
    r"(?P<aws>(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9]))"
    r"|(?P<github>(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,}))"
    r"|(?P<slack>(?<![A-Za-z0-9])xox[bapors]-[A-Za-z0-9-]{10,})"
    r"|(?P<google>(?<![A-Za-z0-9_])AIza[0-9A-Za-z_-]{35})"
    r"|(?P<stripe>(?<![A-Za-z0-9])[rs]k_live_[0-9A-Za-z]{20,})"
    r"|(?P<openai>(?<![A-Za-z0-9_-])sk-(?:proj-|ant-|svcacct-)?[A-Za-z0-9_-]{32,})"
    r"|(?P<pkey>-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)"
    r"|(?P<jwt>(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})"
    r"|(?P<url>\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}://[^\s:/@'\"<>]{1,64}:(?P<urlpass>[^\s@/'\"<>]{3,128})@[\w.-]+)"
)
#: cheap first pass: one of the literal prefixes above occurs (``in`` on a str is far faster than a regex
#: alternation; this runs on every cell and output on every keystroke)
_TOKEN_PREFIXES = (
    "AKIA", "ASIA", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xox", "AIza", "k_live_", "sk-",
    "PRIVATE KEY", "eyJ", "://",
)  # fmt: skip
_TOKEN_PREFIX = re.compile("|".join(re.escape(p) for p in _TOKEN_PREFIXES))
_SECRET_HINTS = re.compile("pass|secret|token|key|cred|pwd|auth|sig")
_KINDS = {
    "aws": "an AWS access key id",
    "github": "a GitHub token",
    "slack": "a Slack token",
    "google": "a Google API key",
    "stripe": "a Stripe live key",
    "openai": "an API secret key (sk-…)",
    "pkey": "a private key",
    "jwt": "a JSON Web Token",
    "url": "a password in a URL",
}

_SECRET_WORD = r"(?:password|passwd|pass_?phrase|secret|secret_?key|secret_?access_?key|token|api_?key|apikey|access_?key|auth_?token|private_?key|client_?secret|credentials?)"
#: ``password = "…"``, ``API_KEY="…"``, ``{"token": "…"}``, ``token: "…"``, ``--password "…"``
_ASSIGN = re.compile(
    r"(?P<key>[A-Za-z0-9_.-]*?" + _SECRET_WORD + r"\d*)['\"]?\]?\s*[:=]\s*[rRbBuU]?(?P<q>['\"])"
    r"(?P<val>[^'\"\n\\]{6,200})(?P=q)",
    re.IGNORECASE,
)
#: looser names for the entropy rule: anything that sounds like a key
_LOOSE = re.compile(
    r"(?<![A-Za-z0-9_])(?P<key>[A-Za-z0-9_]*?(?:key|token|secret|auth|cred|pwd|sig)[A-Za-z0-9_]*)['\"]?\]?\s*[:=]\s*"
    r"(?P<q>['\"])"
    r"(?P<val>[A-Za-z0-9+/=_\-.]{20,200})(?P=q)",
    re.IGNORECASE,
)
_PLACEHOLDER = re.compile(
    r"^(?:x+|\*+|\.+|-+|#+|<.*>|\{.*\}|\[.*\]|\$\{?\w+\}?|%\(?\w*\)?s|.*(?:example|placeholder|changeme|change_me|"
    r"your[_ -]|my[_ -]?(?:password|token|key|secret)|dummy|redacted|fixme|todo|replace|insert|enter[_ -]).*|"
    r"password|secret|token|none|null|test|testing|default|string|value|undefined|admin|hunter2)$",
    re.IGNORECASE,
)
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_TEXT_MIMES = ("text/plain", "text/html", "text/markdown", "text/latex", "application/json", "application/javascript")


def mask(value: str) -> str:
    return f"{value[:4]}…({len(value)} chars)"


def entropy(value: str) -> float:
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values()) if n else 0.0


def _looks_real(value: str) -> bool:
    v = value.strip()
    if len(v) < 6 or _PLACEHOLDER.match(v) or len(set(v)) < 4:
        return False
    if v.startswith(("http://", "https://", "/", "./", "~")) and "@" not in v:
        return False  # a URL or a path (of a key file, say), not the secret itself
    if " " in v and len(v.split()) > 3:
        return False  # a sentence: a prompt or a label
    return not _UUID.match(v)


def scan_text(text: str, *, assignments: bool = True) -> Iterator[tuple[int, str, str]]:
    """(offset, kind, value) of every secret in ``text``."""
    if _TOKEN_PREFIX.search(text):
        for m in _TOKENS.finditer(text):
            kind = m.lastgroup or "url"
            if kind == "urlpass":
                kind = "url"
            value = m.group("urlpass") if kind == "url" else m.group(0)
            if kind == "url" and (not _looks_real(value) or value.startswith(("{", "$", "%", "<", "*"))):
                continue
            if kind == "aws" and "EXAMPLE" in value:
                continue
            yield m.start(), kind, value
    if not assignments:
        return
    if not _SECRET_HINTS.search(text.lower()):
        return
    seen: set[int] = set()
    for m in _ASSIGN.finditer(text):
        value = m.group("val")
        if _looks_real(value) and not _TOKEN_PREFIX.match(value):
            seen.add(m.start("val"))
            yield m.start(), f"assign:{m.group('key')}", value
    for m in _LOOSE.finditer(text):
        value = m.group("val")
        if m.start("val") in seen or not _looks_real(value) or _HEX.match(value):
            continue  # hex strings are hashes and ids far more often than keys
        classes = sum(bool(re.search(p, value)) for p in (r"[a-z]", r"[A-Z]", r"[0-9]"))
        if classes >= 2 and entropy(value) >= 3.5:
            yield m.start(), f"entropy:{m.group('key')}", value


def _scan(text: str) -> list[tuple[int, str, str]]:
    return list(scan_text(text))


def scanned(text: str) -> list[tuple[int, str, str]]:
    """:func:`scan_text` once per distinct text (a keystroke changes one cell; the others were scanned)."""
    return text_fact("secrets", text, _scan)


def _describe(kind: str) -> str:
    if kind.startswith("assign:"):
        return f"a hard-coded credential in '{kind[7:]}'"
    if kind.startswith("entropy:"):
        return f"a random-looking secret in '{kind[8:]}'"
    return _KINDS.get(kind, "a secret")


def _output_texts(outputs: tuple[dict[str, object], ...]) -> Iterator[str]:
    for out in outputs:
        otype = out.get("output_type")
        if otype == "stream":
            text = out.get("text")
            yield "".join(text) if isinstance(text, list) else str(text or "")
        elif otype in ("execute_result", "display_data"):
            data = out.get("data")
            if isinstance(data, dict):
                for mime in _TEXT_MIMES:
                    value = data.get(mime)
                    if isinstance(value, list):
                        yield "".join(str(x) for x in value)
                    elif isinstance(value, str):
                        yield value
        elif otype == "error":
            tb = out.get("traceback")
            yield str(out.get("evalue") or "") + ("\n".join(str(x) for x in tb) if isinstance(tb, list) else "")


_HINT = (
    "Remove it from the notebook and its outputs, rotate it (it may already be in history), and read it at run time "
    "from an environment variable or a secrets manager (os.environ['NAME'], getpass.getpass())."
)


@check("secret", "security", "error", "A credential (key, token, password) appears in a cell or its outputs.")
def secret(ctx: Context) -> Iterator[Finding]:
    for cell in ctx.nb.cells:
        src = cell.source
        if cell.cell_type in ("code", "markdown", "raw"):
            for offset, kind, value in scanned(src):
                yield ctx.finding(
                    "secret",
                    "error",
                    cell.index,
                    src.count("\n", 0, offset) + 1,
                    f"This cell contains {_describe(kind)}: {mask(value)}.",
                    _HINT,
                )
        reported: set[str] = set()
        for text in _output_texts(cell.outputs):
            for _, kind, value in scanned(text):
                if value in reported:
                    continue
                reported.add(value)
                yield ctx.finding(
                    "secret",
                    "error",
                    cell.index,
                    None,
                    f"The cell's output contains {_describe(kind)}: {mask(value)}.",
                    "Clear the output. " + _HINT,
                )
