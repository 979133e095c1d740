"""Security: credentials in cell sources and in saved text outputs.

Every message masks the value (first four characters, an ellipsis and the length):
a report is shown in CI logs and pull requests, it must not leak what it found.
Image outputs (base64) are never scanned: they are not text and match by chance.

How a value is judged, as detect-secrets and gitleaks do: a known provider format (AWS, GitHub,
GitLab, Slack, OpenAI, Hugging Face, the AI services of cookbooks such as Pinecone, LangSmith, Tavily,
Groq or LlamaCloud, SendGrid, webhook signing secrets, private key blocks, JWTs, ``Bearer`` tokens,
passwords in URLs and connection strings) is a secret wherever it appears; any other value needs a name
that says it is one (``password = "…"``, ``api_key: '…'``, ``%env API_KEY=…``) and must itself look like one (not a
placeholder, path, sentence, UUID or image data; random-looking enough for the looser names).
A name says so by one of its words (``api_key``, ``apiKey``, ``SIGNING_SECRET``), not by letters
inside a word (``AssignmentId`` holds "sig", ``design`` too), and not when it names something
about a secret that is no secret (``key_id``, ``token_type``, ``auth_url``), a key of a data
structure (``sort_key``, ``primary_key``) or a pagination cursor (``NextToken``). So the random-
looking ids of printed records (an MTurk ``AssignmentId``, a ``HITId``), UUIDs, hashes and git
SHAs are not flagged, while a random value under a secret's name still is.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterator

from ..notebook import text_fact
from .base import Context, Finding
from .registry import check

#: ``sk-`` and a UUID, alone: the element id scikit-learn's HTML repr of an estimator gives its ``<style>`` and
#: ``<div>`` (``#sk-9c2bbf5d-93db-4d45-986c-fcb5e871f8f2``, in every saved output of a fitted pipeline), not a key
_SK_UUID = r"[0-9a-f]{8}-(?:[0-9a-f]{4}-){3}[0-9a-f]{12}(?![A-Za-z0-9_-])"
#: fixed-format tokens: (kind, pattern). Each needs a literal prefix, so a search is cheap.
_TOKENS = re.compile(
    r"(?P<aws>(?<![A-Z0-9])(?:AKIA|ASIA)[A-Z0-9]{16}(?![A-Z0-9]))"
    r"|(?P<github>(?<![A-Za-z0-9_])(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{40,}))"
    r"|(?P<slack>(?<![A-Za-z0-9])xox[bapors]-[A-Za-z0-9-]{10,})"
    r"|(?P<google>(?<![A-Za-z0-9_])AIza[0-9A-Za-z_-]{35})"
    r"|(?P<stripe>(?<![A-Za-z0-9])[rs]k_live_[0-9A-Za-z]{20,})"
    r"|(?P<openai>(?<![A-Za-z0-9_-])sk-(?!" + _SK_UUID + r")(?:proj-|ant-|svcacct-)?[A-Za-z0-9_-]{32,})"
    r"|(?P<pkey>-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY(?: BLOCK)?-----)"
    r"|(?P<jwt>(?<![A-Za-z0-9_-])eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,})"
    r"|(?P<awssecret>(?i:aws_?secret_?(?:access_?)?key)['\"]?\]?(?:\s*[:=]\s*|\s+)['\"]?(?P<awsval>[A-Za-z0-9/+]{40})(?![A-Za-z0-9/+=]))"
    r"|(?P<url>\b[a-zA-Z][a-zA-Z0-9+.-]{1,20}://[^\s:/@'\"<>]{1,64}:(?P<urlpass>[^\s@/'\"<>]{3,128})@[\w.-]+)"
)
#: cheap first pass: one of the literal prefixes above occurs (``in`` on a str is far faster than a regex
#: alternation; this runs on every cell and output on every keystroke)
_TOKEN_PREFIXES = (
    "AKIA", "ASIA", "ghp_", "gho_", "ghu_", "ghs_", "ghr_", "github_pat_", "xox", "AIza", "k_live_", "sk-",
    "PRIVATE KEY", "eyJ", "://",
)  # fmt: skip
#: the prefixes of the values of ``_MORE_TOKENS``, then of the words before the others' values
_MORE_VALUE_PREFIXES = ("glpat-", "gldt-", "glrt-", "glptt-", "gloas-", "hf_")
_MORE_PREFIXES = (*_MORE_VALUE_PREFIXES, "earer", "EARER", "word", "WORD", "wd", "WD", "Wd")
#: the formats found since, in a second pattern tried only where its own prefixes occur: one alternation
#: tried at every position of a long output costs per alternative (a 2 MB base64 text: +50 %)
_MORE_TOKENS = re.compile(
    r"(?P<gitlab>\bgl(?:pat|dt|rt|ptt|oas)-[0-9A-Za-z_-]{20,})"
    r"|(?P<huggingface>\bhf_[A-Za-z]{34,})"
    r"|(?P<bearer>\b(?:Bearer|bearer|BEARER)\s+(?P<bearerval>[A-Za-z0-9._~+/-]{20,}=*))"
    r"|(?P<connstr>[;&'\"]\s*(?i:password|pwd)\s*=\s*(?P<connval>[^;&'\"\s{}$%<>()\[\]]{4,128})(?=\s*(?:[;&'\"]|$)))"
)

#: the API keys of the LLM and vector-search services of AI cookbooks, and webhook signing secrets, in a third
#: pattern tried only where one of its prefixes occurs; each must look random after its prefix
#: (:func:`_random_after_prefix`): ``llx-...``, ``gsk_xxxx…`` and ``tvly-YOUR_API_KEY`` are placeholders
_SERVICE_PREFIXES = ("pcsk_", "lsv2_", "tvly-", "gsk_", "pplx-", "xai-", "llx-", "r8_", "SG.", "whsec_")
_SERVICE_TOKENS = re.compile(
    r"(?P<pinecone>\bpcsk_[A-Za-z0-9_]{40,})"
    r"|(?P<langsmith>\blsv2_(?:pt|sk)_[0-9a-f]{32}_[0-9a-f]{10}\b)"
    r"|(?P<tavily>\btvly-(?:dev-|prod-)?[A-Za-z0-9]{24,})"
    r"|(?P<groq>\bgsk_[A-Za-z0-9]{48,})"
    r"|(?P<perplexity>\bpplx-[A-Za-z0-9]{40,})"
    r"|(?P<xai>\bxai-[A-Za-z0-9]{60,})"
    r"|(?P<llamacloud>\bllx-[A-Za-z0-9]{40,})"
    r"|(?P<replicate>\br8_[A-Za-z0-9]{35,})"
    r"|(?P<sendgrid>\bSG\.[A-Za-z0-9_-]{22}\.[A-Za-z0-9_-]{43}\b)"
    r"|(?P<webhook>\bwhsec_[A-Za-z0-9+/]{24,}=*)"
)

_TOKEN_PREFIX = re.compile(
    "|".join(re.escape(p) for p in (*_TOKEN_PREFIXES, *_MORE_VALUE_PREFIXES, *_SERVICE_PREFIXES)) + "|(?i:aws_?secret)"
)
_AWS_SECRET = re.compile("(?i:aws_?secret)")
#: a value a strong name holds that starts like one of the older formats but is not one is left to its
#: format (``ghp_your_token``); the service prefixes are not here: ``password = "gsk_iK2ZWeqhFWCE"`` is a
#: password whatever its first letters (their formats are skipped where they matched, by offset)
_FORMAT_LOOKALIKE = re.compile(
    "|".join(re.escape(p) for p in (*_TOKEN_PREFIXES, *_MORE_VALUE_PREFIXES)) + "|(?i:aws_?secret)"
)


def token_matches(text: str) -> Iterator[re.Match[str]]:
    """Every match of a fixed format in ``text``, each pattern tried only where one of its prefixes occurs."""
    if _may_hold_token(text):
        yield from _TOKENS.finditer(text)
    if _holds_one_of(text, _MORE_HEADS):
        yield from _MORE_TOKENS.finditer(text)
    if _holds_one_of(text, _SERVICE_HEADS):
        yield from _SERVICE_TOKENS.finditer(text)


def _may_hold_token(text: str) -> bool:
    """``_TOKEN_PREFIX.search(text)`` as a yes/no, in a third of its time (every cell and output, cold).

    ``in`` per literal prefix; the case-insensitive ``aws_?secret`` only where the text has
    ``ecret`` in some case (no other character folds to one of those letters).
    """
    return _holds_one_of(text, _TOKEN_HEADS) or ("ecret" in text.lower() and _AWS_SECRET.search(text) is not None)


def _holds_one_of(text: str, heads: tuple[tuple[str, str, tuple[str, ...]], ...]) -> bool:
    """Whether one of the prefixes :func:`_heads` grouped occurs in ``text``: ``in`` per prefix, the time of
    reading the text once per prefix, except that those sharing their first two letters (``ghp_``, ``gho_``, …;
    ``glpat-``, ``gldt-``, …) are looked for only where those two letters occur, each pair read once.

    Each group is tried only where its guard, one character every prefix of the group holds, occurs: a
    one-character ``in`` is a ``memchr``, many times faster than looking for a prefix, and most texts lack
    the guard (``K``, ``J``, ``-``, ``/``), so the answer is the same for a fraction of the reading.
    """
    for guard, head, group in heads:
        if guard in text and head in text and (len(group) == 1 or any(p in text for p in group)):
            return True
    return False


#: characters from the commonest in code, prose and printed numbers on: a group's guard is the one of its
#: characters latest here (any character not here is rarer still)
_BY_FREQUENCY = " etaonisrlhdc_u\npmf.g()y,=b'\"w0:1v2k-x/3456789ETAOINSRHLDCUMFPGWYBVKXJQZ"


def _guard(group: list[str]) -> str:
    """The character every prefix of the group holds that is rarest by :data:`_BY_FREQUENCY`."""
    shared = set(group[0]).intersection(*group[1:])
    return max(sorted(shared), key=lambda c: _BY_FREQUENCY.find(c) if c in _BY_FREQUENCY else len(_BY_FREQUENCY))


def _heads(prefixes: tuple[str, ...]) -> tuple[tuple[str, str, tuple[str, ...]], ...]:
    """``prefixes`` by their first two letters, a group of one as the prefix itself (read once, not twice),
    each with its :func:`_guard`."""
    groups: dict[str, list[str]] = {}
    for p in prefixes:
        groups.setdefault(p[:2], []).append(p)
    return tuple((_guard(g), g[0] if len(g) == 1 else head, tuple(g)) for head, g in groups.items())


_TOKEN_HEADS, _MORE_HEADS, _SERVICE_HEADS = _heads(_TOKEN_PREFIXES), _heads(_MORE_PREFIXES), _heads(_SERVICE_PREFIXES)


_SECRET_HINTS = re.compile("pass|secret|token|key|cred|pwd|auth|sig")
_KINDS = {
    "aws": "an AWS access key id",
    "awssecret": "an AWS secret access key",
    "github": "a GitHub token",
    "slack": "a Slack token",
    "google": "a Google API key",
    "stripe": "a Stripe live key",
    "openai": "an API secret key (sk-…)",
    "pkey": "a private key",
    "jwt": "a JSON Web Token",
    "url": "a password in a URL",
    "gitlab": "a GitLab token",
    "huggingface": "a Hugging Face token",
    "bearer": "a bearer token",
    "connstr": "a password in a connection string",
    "pinecone": "a Pinecone API key",
    "langsmith": "a LangSmith API key",
    "tavily": "a Tavily API key",
    "groq": "a Groq API key",
    "perplexity": "a Perplexity API key",
    "xai": "an xAI API key",
    "llamacloud": "a LlamaCloud API key",
    "replicate": "a Replicate API token",
    "sendgrid": "a SendGrid API key",
    "webhook": "a webhook signing secret",
}
_SERVICE_KINDS = frozenset(_SERVICE_TOKENS.groupindex)

_SECRET_WORD = r"(?:password|passwd|pass_?phrase|secret|secret_?key|secret_?access_?key|token|api_?key|apikey|access_?key|auth_?token|private_?key|client_?secret|credentials?)"
#: ``password = "…"``, ``API_KEY="…"``, ``{"token": "…"}``, ``token: "…"``, ``--password "…"``
#: The key starts where a run of name characters starts (the lookbehind): a match found inside a run is also
#: found from its start, and without it every position of a long run (a base64 image in markdown) would scan
#: the rest of the run, quadratic in its length.
_ASSIGN = re.compile(
    r"(?<![A-Za-z0-9_.-])(?P<key>[A-Za-z0-9_.-]*?" + _SECRET_WORD + r"\d*)['\"]?\]?\s*[:=]\s*[rRbBuU]?(?P<q>['\"])"
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
#: what every match of both patterns above holds: ``=`` or ``:``, then a quote. Most code with a word
#: like ``key`` has none (``sort(key=len)``), and this finds that far faster than they do (0.3 ms against
#: 7 ms for the 152 such cells of a generated 1000-cell notebook)
_QUOTED_VALUE = re.compile(r"[:=]\s*[rRbBuU]?['\"]")
#: an environment variable set without quotes (quoted values are assignments): ``%env PINECONE_API_KEY=…``,
#: ``%set_env KEY …``, ``!export KEY=…`` (``export`` in a ``%%bash`` cell)
_ENV_SET = re.compile(
    r"^[ \t]*(?:%env|%set_env|!?[ \t]*export)[ \t]+(?P<key>[A-Za-z_]\w*)(?:[ \t]*=[ \t]*|[ \t]+)(?P<val>[^\s'\"]{6,200})[ \t]*$",
    re.MULTILINE,
)
#: a ``KEY=…`` line of the ``.env`` file a ``%%writefile .env`` cell writes
_DOTENV_LINE = re.compile(r"^[ \t]*(?:export[ \t]+)?(?P<key>[A-Za-z_]\w*)[ \t]*=[ \t]*(?P<val>[^\s'\"]{6,200})[ \t]*$", re.MULTILINE)
_WRITES_DOTENV = re.compile(r"\A\s*%%(?:writefile|file)(?:[ \t]+-a)?[ \t]+\S*\.env[ \t]*$", re.MULTILINE)
#: what an ``_ENV_SET`` line starts with
_ENV_WORDS = ("%env", "%set_env", "export")
_PLACEHOLDER = re.compile(
    r"^(?:x+|\*+|\.+|-+|#+|_+|0+|<.*>|\{.*\}|\[.*\]|\(.*\)|.*(?:example|placeholder|changeme|change_me|change-me|"
    r"your[_ -]?|my[_ -]?(?:password|token|key|secret|api)|dummy|redacted|fixme|todo|replace|insert|enter[_ -]|"
    r"_here|-here| here|sample|fake|xxxx|\.\.\.|\*\*\*).*|"
    r"password\d*|passw0rd|secret|token|none|null|test|testing|default|string|value|undefined|admin|root|hunter2|"
    r"abc123|123456\d*|qwerty|letmein)$",
    re.IGNORECASE,
)
#: an environment or template lookup written as a string: ``$API_KEY`` (``$$API_KEY``, escaped for Cloud Build),
#: ``${KEY}``, ``%KEY%``, ``{{ secrets.X }}``, ``%(password)s``, ``env:KEY``; or the name of a variable
#: (``OPENAI_API_KEY``) rather than its value
_LOOKUP = re.compile(
    r"^(?:\$\$?[A-Za-z_]\w*|.*\$\{[A-Za-z_]\w*\}.*|.*%(?:\(\w+\))?[sd].*|%[A-Za-z_]\w*%|.*\{\{.*\}\}.*|.*\{[\w.\[\]'\"]*\}.*|"
    r"(?:env|secret|vault|keyring|op|ssm)://?.*|env:\w+|[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+)$"
)
#: a file name or a path: an extension a file has, or path separators between name-like parts
_FILE = re.compile(
    r"^[\w .@~:+-]*\.(?:json|pem|key|p12|pfx|crt|cer|der|jks|keystore|ppk|pub|gpg|asc|txt|csv|tsv|ya?ml|toml|ini|"
    r"cfg|conf|env|xml|html?|md|py|ipynb|pkl|pickle|joblib|h5|hdf5|pt|pth|ckpt|onnx|bin|model|db|sqlite3?|log|"
    r"zip|gz|tgz|tar|bz2|xz|npy|npz|parquet|feather|png|jpe?g|gif|svg|pdf|json\.enc|enc|secret|token)$",
    re.IGNORECASE,
)
_PATH = re.compile(r"^(?:[A-Za-z]:)?(?:~|\.{1,2})?[\\/]?(?:[\w .@+-]+[\\/])+[\w .@+-]*$")
#: words joined by ``_``, ``-``, ``.`` or spaces, each lower case or capitalised: ``validation_matched``.
#: Each repeated group starts with a separator or a capital, so a run of lower case splits one way only
#: (``(?:[_.\- ]?[A-Z]?[a-z]+)*``, the same words, tried every split of the run: 2**n steps, minutes for a
#: 30-letter value followed by a digit)
_WORDS = re.compile(r"^[A-Za-z][a-z]*(?:(?:[_.\- ][A-Z]?|[A-Z])[a-z]+)*$")
#: the words of a name: ``AssignmentId`` is assignment, id; ``SIGNING_SECRET`` signing, secret; ``apiKey`` api, key
_NAME_WORDS = re.compile(r"[A-Z]+(?![a-z])|[A-Z]?[a-z]+|\d+")
#: a word that makes a name a secret's (for the looser entropy rule: the assignment rule's name ends in one)
_SECRET_NAME_WORDS = frozenset(
    {"key", "keys", "token", "tokens", "secret", "secrets", "auth", "cred", "creds", "credential", "credentials",
     "pwd", "passwd", "password", "passphrase", "sig", "signing", "signature", "apikey", "bearer"}
)  # fmt: skip
#: ``apitoken``, ``accesskey``: one lower-case word ending in a secret's
_SECRET_WORD_ENDS = ("token", "secret", "password", "passwd", "apikey", "accesskey", "authkey", "secretkey", "privatekey")
#: the last word of a name about a secret that is not the secret: ``key_id``, ``token_type``, ``auth_url``
_ABOUT_WORDS = frozenset(
    {"id", "ids", "name", "names", "type", "types", "url", "uri", "path", "file", "filename", "dir", "field",
     "column", "col", "len", "length", "size", "count", "index", "idx", "prefix", "suffix", "hash", "digest",
     "sha", "md5", "version", "format", "expires", "expiry", "ttl", "region", "label", "title", "header", "env"}
)  # fmt: skip
#: a word that makes the key or token just after it data: a data structure's key (``sort_key``,
#: ``primary_key``) or a pagination cursor (``NextToken``, ``continuation_token``)
_DATA_WORDS = frozenset(
    {"sort", "primary", "foreign", "partition", "cache", "dict", "group", "join", "row", "map", "lookup",
     "object", "unique", "composite", "range", "idempotency", "next", "prev", "previous", "page",
     "continuation", "pagination", "cursor", "sync", "marker", "resume"}
)  # fmt: skip
#: the last words a data word turns into data: ``cache_key`` is, ``CACHE_SECRET`` and ``MAP_API_KEY`` are not
_DATA_KEY_WORDS = frozenset({"key", "keys", "token", "tokens"})


def names_data_key(words: list[str]) -> bool:
    """Whether lower-case name words end in a data word then a key or token (``sort_key``, ``NextToken``).

    Only the word just before the last counts: a data word elsewhere (``PAGE_ACCESS_TOKEN``,
    ``NEXT_PUBLIC_API_KEY``) says nothing about what the credential at the end is.
    """
    return len(words) >= 2 and words[-1] in _DATA_KEY_WORDS and words[-2] in _DATA_WORDS


def names_a_secret(name: str, *, ends_in_secret_word: bool = False) -> bool:
    """Whether a name says its value is a credential, by its words (``apiKey``, ``DB_PASSWORD``).

    Letters inside a word do not count (``AssignmentId`` holds "sig", ``design`` too, ``monkey``
    "key"); neither does a name about a secret (``key_id``, ``token_type``), a data structure's key
    (``sort_key``) or a pagination cursor (``NextToken``). ``ends_in_secret_word``: the caller's pattern
    already ended the name with a secret's word (``password``, ``api_key``): only the exceptions apply.
    """
    words = [w.lower() for w in _NAME_WORDS.findall(name)]
    if not words or words[-1] in _ABOUT_WORDS or names_data_key(words):
        return False
    return ends_in_secret_word or any(w in _SECRET_NAME_WORDS or w.endswith(_SECRET_WORD_ENDS) for w in words)


#: base64 of an image (PNG, JPEG, GIF, WebP, SVG) in a JSON field or a variable: data, not a credential
_IMAGE_BASE64 = ("iVBORw0KGgo", "/9j/", "R0lGOD", "UklGR", "PHN2Zy")
_HEX = re.compile(r"^[0-9a-fA-F]+$")
_UUID = re.compile(r"^[0-9a-fA-F]{8}-(?:[0-9a-fA-F]{4}-){3}[0-9a-fA-F]{12}$")
_CLASSES = (re.compile("[a-z]"), re.compile("[A-Z]"), re.compile("[0-9]"), re.compile(r"[^A-Za-z0-9]"))


def character_classes(value: str) -> int:
    """How many of lower case, upper case, digits and other characters (not spaces) ``value`` uses."""
    return sum(1 for c in _CLASSES if c.search(value.replace(" ", "")))


def is_path_or_file(value: str) -> bool:
    """``key.json``, ``/etc/ssl/server.key``, ``./creds/``, ``C:\\keys\\a.pem``, ``https://host/x``: a place, not a secret.

    Path separators alone do not make a path: an AWS secret key has slashes too, so a value
    with slashes but no extension is a path when it starts like one or its parts are words.
    """
    v = value.strip()
    if _FILE.match(v):
        return True
    if v.startswith(("http://", "https://", "s3://", "gs://", "file:", "hdfs://", "abfs://")) and "@" not in v:
        return True
    if not _PATH.match(v):
        return False
    if v.startswith(("/", "./", "../", "~", "\\")) or (len(v) > 2 and v[1] == ":"):
        return True
    return all(_word_like(p) for p in re.split(r"[\\/]", v))


def _word_like(part: str) -> bool:
    """A name a person wrote (``kernel``, ``l1``, ``.ATTRIBUTES``, ``VARIABLE_VALUE``), not a random run."""
    return len(part) <= 4 or character_classes(part) == 1 or any(c in part for c in "_-. ") or bool(_WORDS.match(part))


#: the short pieces a name is made of besides its words (``ToDOM``, ``Edge2``)
_SHORT_PIECE = re.compile(r"[A-Z]{2,5}|\d{1,2}|(?i:to|of|in|on|by|at|is|as|or)")


def _word_piece(piece: str) -> bool:
    return (len(piece) >= 3 and piece[1:].islower() and any(c in "aeiouy" for c in piece.lower())) or bool(
        _SHORT_PIECE.fullmatch(piece)
    )


def _private_name(value: str) -> bool:
    """A private method or attribute name (``_getDistanceToBezierEdge2``, ``_XconvertCanvasToDOM``), as the
    minified JavaScript of a widget's HTML output lists them (``{key:"_getColor",value:function…}``): a leading
    underscore, then nine tenths of it words. A random key starts so once in 64 times, and is words far less."""
    core = value.lstrip("_")
    if core == value or not core.isalnum():
        return False
    pieces = _NAME_WORDS.findall(core)
    if len(pieces) < 2 or "".join(pieces) != core:
        return False
    return sum(len(p) for p in pieces if _word_piece(p)) >= 0.9 * len(core)


def is_placeholder(value: str) -> bool:
    """Empty, ``CHANGE_ME``, ``your-key-here``, ``<token>``, ``xxx``, ``...``, ``$API_KEY``: not a value yet."""
    v = value.strip().strip("'\"")
    return not v or len(set(v)) < 4 or bool(_PLACEHOLDER.match(v) or _LOOKUP.match(v))


def looks_like_credential(value: str) -> bool:
    """Could ``value`` itself be a secret? Judged by the value alone, whatever name it was given.

    A known token format (AWS, GitHub, Slack, Google, Stripe, private key, JWT, a URL with a
    password) always is. Otherwise a placeholder, an environment lookup, a path or file name,
    a sentence, a UUID and a short or plain word are not; what is left must be long enough
    and varied enough to be a password someone chose (two classes of characters, or a long
    random-looking string).
    """
    v = value.strip()
    if _TOKEN_PREFIX.search(v) and any(_token_value(m)[1] for m in token_matches(v)):
        return True
    if "://" in v:
        return False  # a URL's only secret is a password in it, which the formats above judged
    if len(v) < 6 or is_placeholder(v) or is_path_or_file(v) or _UUID.match(v) or v.startswith(_IMAGE_BASE64):
        return False
    if " " in v and len(v.split()) > 2:
        return False  # a sentence: a prompt, a label, a description
    if _WORDS.match(v) or _private_name(v):
        return False  # words: an identifier, a split name, a label (``validation_mismatched``, ``_drawDashedLine``)
    classes = character_classes(v)
    if classes == 1:
        return len(v) >= 16 and entropy(v) >= 3.5  # one kind of character: a word unless long and random
    return len(v) >= 8 or classes >= 3


def _token_value(m: re.Match[str]) -> tuple[str, str]:
    """(kind, value) of a fixed-format match; value empty when the format matched a non-secret."""
    kind = m.lastgroup or "url"
    if kind in ("urlpass", "awsval"):
        kind = "url" if kind == "urlpass" else "awssecret"
    if kind == "url":
        value = m.group("urlpass")
        ok = not is_placeholder(value) and len(value) >= 4 and not value.startswith(("{", "$", "%", "<", "*"))
        return kind, value if ok else ""
    if kind == "awssecret":
        value = m.group("awsval")
        return kind, value if character_classes(value) >= 3 else ""
    if kind in ("bearer", "bearerval"):
        return _bearer_value(m.group("bearerval"))
    if kind in ("connstr", "connval"):
        value = m.group("connval")
        return "connstr", "" if is_placeholder(value) else value
    value = m.group(0)
    if kind == "aws" and "EXAMPLE" in value:
        return kind, ""
    if kind in _SERVICE_KINDS:
        return kind, value if _random_after_prefix(value) else ""
    return kind, value


def _random_after_prefix(value: str) -> bool:
    """Whether a service key looks random after its prefix (``gsk_``, ``lsv2_pt_``): two kinds of characters
    and varied, not ``llx-XXXX…`` nor a placeholder (``tvly-your-key-here`` never matches the format)."""
    rest = value[len(next(p for p in _SERVICE_PREFIXES if value.startswith(p))) :]
    return character_classes(rest) >= 2 and entropy(rest) >= 3.5 and not is_placeholder(rest)


_JWT = re.compile(r"eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}$")


def _bearer_value(value: str) -> tuple[str, str]:
    """``Authorization: Bearer …``: counts when the value looks random (a JWT is found as one already)."""
    if _JWT.match(value):
        return "jwt", ""
    plain = is_placeholder(value) or bool(_WORDS.match(value)) or character_classes(value) < 2
    return "bearer", "" if plain or entropy(value) < 3.5 else value


_TEXT_MIMES = ("text/plain", "text/html", "text/markdown", "text/latex", "application/json", "application/javascript")


def mask(value: str) -> str:
    """What a report may show of a secret: at most its first four characters (a fifth of it) and its length."""
    shown = min(4, len(value) // 5)
    return f"{value[:shown]}…({len(value)} chars)"


def entropy(value: str) -> float:
    n = len(value)
    return -sum(c / n * math.log2(c / n) for c in Counter(value).values()) if n else 0.0


#: an image embedded in markdown (``![x](data:image/png;base64,…)``), often megabytes
#: or in a script of an HTML output (matplotlib's animations: lines of 76 characters ending in a backslash)
_DATA_URI = re.compile(r"data:[\w.+-]+/[\w.+-]+;base64,(?:[A-Za-z0-9+/=]|\\\n){64,}")


def _blank_data_uris(text: str) -> str:
    """``text`` with embedded base64 images blanked, offsets kept: like image outputs, they are not text."""
    if "base64," not in text:
        return text
    return _DATA_URI.sub(lambda m: " " * (m.end() - m.start()), text)


def scan_text(text: str, *, assignments: bool = True) -> Iterator[tuple[int, str, str]]:
    """(offset, kind, value) of every secret in ``text``."""
    text = _blank_data_uris(text)
    seen: set[int] = set()  # where a value already reported starts: one finding per value
    for m in token_matches(text):
        kind, value = _token_value(m)
        if value:
            seen.add(m.start())
            yield m.start(), kind, value
    if not assignments or not _may_assign(text):
        return
    if not _SECRET_HINTS.search(text.lower()):
        return
    if any(w in text for w in _ENV_WORDS) or "%%" in text:
        yield from _unquoted_settings(text, seen)
    if not _QUOTED_VALUE.search(text):
        return
    for m in _ASSIGN.finditer(text):
        value = m.group("val")
        if not names_a_secret(m.group("key"), ends_in_secret_word=True):
            continue
        if m.start("val") not in seen and looks_like_credential(value) and not _FORMAT_LOOKALIKE.match(value):
            seen.add(m.start("val"))
            yield m.start(), f"assign:{m.group('key')}", value
    for m in _LOOSE.finditer(text):
        value = m.group("val")
        if m.start("val") in seen or _HEX.match(value) or not names_a_secret(m.group("key")):
            continue  # hex strings are hashes and ids far more often than keys
        if not looks_like_credential(value):
            continue
        if character_classes(value) >= 2 and entropy(value) >= 3.5:
            yield m.start(), f"entropy:{m.group('key')}", value


def _may_assign(text: str) -> bool:
    """Whether the assignment rules below could find anything in ``text``: a necessary condition read with
    one-character ``in`` (``memchr``), so most outputs and markdown skip the ``_SECRET_HINTS`` scan.

    Every ``_ASSIGN``/``_LOOSE`` match holds what ``_QUOTED_VALUE`` looks for (``=`` or ``:``, then a quote);
    every ``_unquoted_settings`` text holds one of ``_ENV_WORDS`` or ``%%``: ``%``, or ``export``.
    """
    return (("=" in text or ":" in text) and ("'" in text or '"' in text)) or "%" in text or "export" in text


def _unquoted_settings(text: str, seen: set[int]) -> Iterator[tuple[int, str, str]]:
    """Credentials set as environment variables without quotes (``%env MISTRAL_API_KEY=…``, a ``.env`` file's
    line a cell writes): the name must say it is one, the value look like one, as for an assignment."""
    pattern = _DOTENV_LINE if _WRITES_DOTENV.match(text) else _ENV_SET
    for m in pattern.finditer(text):
        value = m.group("val")
        if m.start("val") in seen or not names_a_secret(m.group("key")) or _FORMAT_LOOKALIKE.match(value):
            continue
        if looks_like_credential(value):
            seen.add(m.start("val"))
            yield m.start(), f"assign:{m.group('key')}", value


def mask_secrets(text: str) -> str:
    """``text`` with every secret :func:`scan_text` finds in it replaced by its :func:`mask`.

    For messages that quote what the user wrote (a magic line, a shell command): the line
    can be shown, the credential in it cannot.
    """
    out = text
    for value in sorted({v for _, _, v in scan_text(text)}, key=len, reverse=True):
        out = out.replace(value, mask(value))
    return out


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
    "from an environment variable or a secrets manager (os.environ['NAME'], getpass.getpass()). "
    "Not a secret? Waive it: # prod: ignore[secret] on its line."
)


@check(
    "secret",
    "security",
    "error",
    "A credential (key, token, password) appears in a cell or its outputs.",
    outputs=True,
    scope="cell",
)
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
