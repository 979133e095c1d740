"""Shared hostile inputs for the robustness and security suites.

Three kinds of material:

* hypothesis strategies that generate notebooks, from valid nbformat 4.5 to
  every way of being wrong (broken JSON, wrong types, missing keys, old and
  future nbformat versions, CRLF, NUL bytes, unicode, non-Python kernels, cells
  that crash ``ast`` or black);
* named hand-written hostile cases (the ones a fuzzer is unlikely to reach:
  10,000 cells, 5000-deep parentheses, a 1 MB line);
* hostile paths, and :class:`OutsideWorld`, a folder outside the server root
  whose files are fingerprinted so a test can prove nothing there was read,
  written or created.

Also the *answer contracts*: :func:`assert_http_error`, :func:`assert_cli_error`
say what "a clear one-line refusal" means in each shell.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from hypothesis import strategies as st

# ---------------------------------------------------------------------------------------------
# Counting generated cases (the report asks for the figures)

#: test name -> number of generated examples that ran
CASE_COUNTS: dict[str, int] = {}


def count_case(name: str) -> None:
    CASE_COUNTS[name] = CASE_COUNTS.get(name, 0) + 1


def counts_line() -> str:
    total = sum(CASE_COUNTS.values())
    parts = ", ".join(f"{k}={v}" for k, v in sorted(CASE_COUNTS.items()))
    return f"generated cases: {total} ({parts})"


# ---------------------------------------------------------------------------------------------
# Cell sources

#: Python (and IPython) that parses, in all the shapes the engine treats specially.
PY_SNIPPETS = [
    "",
    "x = 1",
    "import os\nprint(os.getcwd())",
    "def f(a, b=2):\n    return a + b\n",
    "class C:\n    def m(self):\n        return 1\n",
    "y = f(1)\nprint(y)",
    "from math import *",
    "%matplotlib inline\nimport numpy as np",
    "%%time\nz = sum(range(10))",
    "%%bash\necho hi",
    "!ls -la",
    "files = !ls",
    "x = %timeit -o sum(range(3))",
    "len?",
    "async def g():\n    return 1\nawait g()",
    "lambda x: (yield)",
    "x: int = 'a'",
    "API_KEY = 'sk-1234567890abcdef1234567890abcdef'",
    "open('/etc/passwd').read()",
    "import random\nrandom.random()",
    "for i in range(3):\n    pass\nelse:\n    print(i)",
    "@decorator\ndef h():\n    ...",
    "global q\nq = 2",
    "del x",
    "with open('f') as fh, open('g') as gh:\n    pass",
    "try:\n    1/0\nexcept* ValueError:\n    pass",
    "match p:\n    case [x, y, *rest]:\n        pass\n    case {'k': v}:\n        pass",
    "x = 1\r\ny = 2\r\n",
    "\tif True:\n\t\tpass",
    "é = 'unicode name'\nπ = 3.14",
    "s = '\U0001f600 emoji'",
    "# just a comment",
    "\n\n\n",
    "__import__('os').system('echo pwned')",
]

#: Sources that crash or defeat parsers: ast, black, tokenize.
BROKEN_SNIPPETS = [
    "def f(:\n",
    "x = (",
    "x = )",
    "if True:\npass",
    "\x00",
    "a\x00b = 1",
    "\ud800",  # lone surrogate: cannot be encoded as UTF-8
    "'unterminated",
    '"""never closed',
    "x = 1 +",
    "  indented = 1",
    "return 5",
    "yield 5",
    "break",
    "f'{'",
    "0b102",
    "print 'py2'",
    "exec 'py2'",
    "\\",
    "\x0c\x0b",
    "\ufeffx = 1",
    "x = 1\x1a",
    "€ = 1",
    "%%",
    "%",
    "!",
    "?",
    "%%capture\n\x00",
]


def deep(n: int, kind: str = "paren") -> str:
    if kind == "paren":
        return "(" * n + ")" * n
    if kind == "list":
        return "x = " + "[" * n + "]" * n
    if kind == "binop":
        return "1" + "+1" * n
    if kind == "lambda":
        return "lambda: " * n + "0"
    if kind == "call":
        return "f" + "(" * n + ")" * n
    if kind == "indent":
        return "".join("    " * i + "if x:\n" for i in range(n)) + "    " * n + "pass"
    if kind == "unary":
        return "-" * n + "1"
    if kind == "attr":
        return "a" + ".b" * n
    raise ValueError(kind)


#: Sources that make CPython's parser raise RecursionError/MemoryError or black give up.
DEEP_SNIPPETS = [
    deep(5000, "paren"),
    deep(5000, "call"),
    deep(500, "list"),
    deep(50000, "binop"),
    deep(3000, "lambda"),
    deep(120, "indent"),
    deep(100000, "unary"),
    deep(20000, "attr"),
]


@st.composite
def _mutated_source(draw: st.DrawFn) -> str:
    base = draw(st.sampled_from(PY_SNIPPETS + BROKEN_SNIPPETS))
    op = draw(st.integers(0, 5))
    if op == 0 or not base:
        return base
    pos = draw(st.integers(0, len(base)))
    if op == 1:  # insert random characters
        return base[:pos] + draw(st.text(max_size=5)) + base[pos:]
    if op == 2:  # truncate
        return base[:pos]
    if op == 3:  # duplicate and join two snippets
        return base + "\n" + draw(st.sampled_from(PY_SNIPPETS + BROKEN_SNIPPETS))
    if op == 4:  # line ending swap
        return base.replace("\n", draw(st.sampled_from(["\r\n", "\r", "\u2028", "\x85", "\n\n"])))
    return base * draw(st.integers(2, 4))


cell_sources = st.one_of(
    st.sampled_from(PY_SNIPPETS),
    st.sampled_from(BROKEN_SNIPPETS),
    _mutated_source(),
    st.text(max_size=60),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=30),
    st.sampled_from(["(" * 200 + ")" * 200, "x = " + "[" * 100 + "]" * 100, "1" + "+1" * 2000, "x" * 5000]),
)

# ---------------------------------------------------------------------------------------------
# Notebooks

json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, allow_infinity=False),
    st.text(max_size=10),
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3),
    max_leaves=6,
)

KERNELS = [
    {"name": "python3", "display_name": "Python 3", "language": "python"},
    {"name": "ir", "display_name": "R", "language": "R"},
    {"name": "julia-1.10", "display_name": "Julia 1.10", "language": "julia"},
    {"name": "xpython", "display_name": "xeus-python", "language": "python"},
]


@st.composite
def _cell(draw: st.DrawFn, index: int, minor: int) -> dict[str, Any]:
    ctype = draw(st.sampled_from(["code", "code", "code", "markdown", "raw"]))
    src = draw(cell_sources)
    if draw(st.booleans()):
        source: Any = src.splitlines(keepends=True)
    else:
        source = src
    cell: dict[str, Any] = {"cell_type": ctype, "metadata": {}, "source": source}
    if minor >= 5:
        cell["id"] = f"c{index}"
    if ctype == "code":
        cell["execution_count"] = draw(st.one_of(st.none(), st.integers(0, 50)))
        cell["outputs"] = draw(
            st.lists(
                st.sampled_from(
                    [
                        {"output_type": "stream", "name": "stdout", "text": "hi\n"},
                        {"output_type": "execute_result", "data": {"text/plain": "1"}, "metadata": {},
                         "execution_count": 1},
                        {"output_type": "error", "ename": "E", "evalue": "v", "traceback": []},
                        {"output_type": "display_data", "data": {"image/png": "AAAA"}, "metadata": {}},
                    ]
                ),
                max_size=2,
            )
        )
    return cell


def _break(draw: st.DrawFn, obj: dict[str, Any]) -> None:
    """Delete a key or give it a value of the wrong type."""
    if not obj:
        return
    key = draw(st.sampled_from(sorted(obj)))
    if draw(st.booleans()):
        del obj[key]
    else:
        obj[key] = draw(json_values)


@st.composite
def notebook_dicts(draw: st.DrawFn, *, max_cells: int = 6) -> Any:
    """A notebook as parsed JSON: usually v4, sometimes old, future, broken or not a dict."""
    shape = draw(st.integers(0, 19))
    if shape == 0:
        return draw(json_values)  # not a notebook at all
    minor = draw(st.sampled_from([0, 1, 2, 3, 4, 5, 5, 5, 6, 99]))
    n = draw(st.integers(0, max_cells))
    cells = [draw(_cell(i, minor)) for i in range(n)]
    kernel = draw(st.sampled_from(KERNELS + [None]))
    metadata: dict[str, Any] = {}
    if kernel is not None:
        metadata["kernelspec"] = dict(kernel)
        metadata["language_info"] = {"name": kernel["language"]}
    nb: dict[str, Any] = {"nbformat": 4, "nbformat_minor": minor, "metadata": metadata, "cells": cells}
    if shape == 1:  # nbformat 3: worksheets
        nb = {
            "nbformat": 3,
            "nbformat_minor": 0,
            "metadata": {"name": "x"},
            "worksheets": [
                {"cells": [{"cell_type": "code", "input": c.get("source", ""), "language": "python",
                            "outputs": [], "prompt_number": 1} for c in cells]}
            ],
        }
    elif shape == 2:  # nbformat 2
        nb = {
            "nbformat": 2,
            "metadata": {"name": "x"},
            "worksheets": [{"cells": [{"cell_type": "code", "input": "x = 1", "language": "python",
                                       "outputs": []}]}],
        }
    elif shape == 3:
        nb["nbformat"] = draw(st.sampled_from([1, 5, 0, -1, "4", 4.0, None, True, 2**64]))
    for _ in range(draw(st.integers(0, 2)) if shape >= 4 else 0):
        target = draw(st.sampled_from(["top", "metadata", "cell", "kernelspec"]))
        if target == "top":
            _break(draw, nb)
        elif target == "metadata" and isinstance(nb.get("metadata"), dict):
            _break(draw, nb["metadata"])
        elif target == "kernelspec" and isinstance(nb.get("metadata"), dict) and isinstance(
            nb["metadata"].get("kernelspec"), dict
        ):
            _break(draw, nb["metadata"]["kernelspec"])
        elif target == "cell" and isinstance(nb.get("cells"), list) and nb["cells"]:
            cell = draw(st.sampled_from(nb["cells"]))
            if isinstance(cell, dict):
                _break(draw, cell)
    return nb


@st.composite
def notebook_texts(draw: st.DrawFn) -> bytes:
    """A notebook file's bytes: JSON of :func:`notebook_dicts`, then perhaps corrupted."""
    data = draw(notebook_dicts())
    try:
        text = json.dumps(data, indent=draw(st.sampled_from([None, 1])), ensure_ascii=draw(st.booleans()))
    except ValueError:
        text = "{}"
    raw = text.encode("utf-8", errors="surrogatepass")
    op = draw(st.integers(0, 7))
    if op == 1 and raw:  # truncated JSON
        raw = raw[: draw(st.integers(0, len(raw) - 1))]
    elif op == 2:  # CRLF line endings
        raw = raw.replace(b"\n", b"\r\n")
    elif op == 3 and raw:  # a NUL byte somewhere
        pos = draw(st.integers(0, len(raw)))
        raw = raw[:pos] + b"\x00" + raw[pos:]
    elif op == 4:  # not UTF-8
        raw = raw + b"\xff\xfe"
    elif op == 5:  # BOM
        raw = b"\xef\xbb\xbf" + raw
    elif op == 6 and raw:  # random byte flip
        pos = draw(st.integers(0, len(raw) - 1))
        raw = raw[:pos] + bytes([draw(st.integers(0, 255))]) + raw[pos + 1 :]
    return raw


def nb_dict(*sources: str, language: str = "python", minor: int = 5) -> dict[str, Any]:
    """A minimal valid v4 notebook with these code cells."""
    kernel = next((k for k in KERNELS if k["language"] == language), {"name": language, "display_name": language,
                                                                        "language": language})
    cells = []
    for i, src in enumerate(sources):
        cell: dict[str, Any] = {"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                                "source": src}
        if minor >= 5:
            cell["id"] = f"cell-{i}"
        cells.append(cell)
    return {
        "nbformat": 4,
        "nbformat_minor": minor,
        "metadata": {"kernelspec": dict(kernel), "language_info": {"name": kernel["language"]}},
        "cells": cells,
    }


def named_hostile_notebooks() -> Iterator[tuple[str, bytes]]:
    """Hand-written hostile notebook files, by name."""
    ok = nb_dict("x = 1")
    yield "empty-file", b""
    yield "whitespace", b"  \n\t "
    yield "json-null", b"null"
    yield "json-list", b"[]"
    yield "json-string", b'"notebook"'
    yield "truncated", json.dumps(ok).encode()[:-5]
    yield "not-utf8", b"\xff\xfe" + json.dumps(ok).encode("utf-16-le")
    yield "nul-in-json", json.dumps(ok).encode().replace(b'"cells"', b'"ce\x00lls"')
    yield "crlf", json.dumps(ok, indent=1).encode().replace(b"\n", b"\r\n")
    yield "deep-json", b"[" * 100000 + b"]" * 100000
    yield "deep-json-dict", b'{"a":' * 50000 + b"1" + b"}" * 50000
    yield "huge-int", b'{"nbformat": 4, "nbformat_minor": ' + b"9" * 5000 + b', "metadata": {}, "cells": []}'
    yield "nbformat-1", json.dumps({"nbformat": 1, "cells": []}).encode()
    yield "nbformat-5", json.dumps(dict(ok, nbformat=5)).encode()
    yield "nbformat-string", json.dumps(dict(ok, nbformat="4")).encode()
    yield "nbformat-2", json.dumps({"nbformat": 2, "metadata": {}, "worksheets": []}).encode()
    yield "nbformat-3-empty", json.dumps({"nbformat": 3, "nbformat_minor": 0}).encode()
    yield "nbformat-3-broken", json.dumps({"nbformat": 3, "worksheets": [{"cells": [7]}]}).encode()
    yield "nbformat-4.0", json.dumps(nb_dict("x = 1", minor=0)).encode()
    yield "nbformat-4.4", json.dumps(nb_dict("x = 1", minor=4)).encode()
    yield "nbformat-4.99", json.dumps(nb_dict("x = 1", minor=99)).encode()
    yield "r-kernel", json.dumps(nb_dict("x <- c(1, 2)\nprint(x)", language="R")).encode()
    yield "julia-kernel", json.dumps(nb_dict("x = [1 2; 3 4]\nprintln(x)", language="julia")).encode()
    yield "cells-dict", json.dumps(dict(ok, cells={"0": ok["cells"][0]})).encode()
    yield "cell-null", json.dumps(dict(ok, cells=[None])).encode()
    yield "source-int", json.dumps(dict(ok, cells=[dict(ok["cells"][0], source=5)])).encode()
    yield "source-list-mixed", json.dumps(dict(ok, cells=[dict(ok["cells"][0], source=["a", 1])])).encode()
    yield "metadata-list", json.dumps(dict(ok, metadata=[])).encode()
    yield "kernelspec-string", json.dumps(dict(ok, metadata={"kernelspec": "python3"})).encode()
    yield "dup-ids", json.dumps(nb_dict("x = 1", "y = 2") | {"cells": [ok["cells"][0], ok["cells"][0]]}).encode()
    yield "bad-id", json.dumps(dict(ok, cells=[dict(ok["cells"][0], id="../../x")])).encode()
    yield "exec-count-str", json.dumps(dict(ok, cells=[dict(ok["cells"][0], execution_count="1")])).encode()
    yield "outputs-str", json.dumps(dict(ok, cells=[dict(ok["cells"][0], outputs="x")])).encode()
    yield "nul-in-source", json.dumps(nb_dict("x = 1\x00")).encode()
    yield "surrogate-in-source", json.dumps(nb_dict("x = '\ud800'")).encode()
    yield "unicode", json.dumps(nb_dict("é = '日本語' # \U0001f600", "print(é)"), ensure_ascii=False).encode()
    yield "long-line", json.dumps(nb_dict("x = '" + "a" * 1_000_000 + "'")).encode()
    yield "long-line-code", json.dumps(nb_dict("x = " + " + ".join(["1"] * 20000))).encode()
    for i, src in enumerate(DEEP_SNIPPETS):
        yield f"deep-{i}", json.dumps(nb_dict(src)).encode()
    yield "broken-cells", json.dumps(nb_dict(*BROKEN_SNIPPETS)).encode()
    yield "ten-thousand-cells", json.dumps(nb_dict(*[f"x{i} = {i}" for i in range(10_000)])).encode()


# ---------------------------------------------------------------------------------------------
# Hostile paths


#: Relative paths that must be refused (403/4xx) by every route and path argument.
#: ``{outside}`` is replaced by the absolute path of the outside folder,
#: ``{outside_name}`` by its name relative to the root's parent.
TRAVERSAL_PATHS = [
    "..",
    "../",
    "../{outside_name}/victim.ipynb",
    "../../etc/passwd",
    "../" * 20 + "etc/passwd",
    "sub/../../{outside_name}/victim.ipynb",
    "./../{outside_name}/victim.ipynb",
    "{outside}/victim.ipynb",
    "/etc/passwd",
    "//etc/passwd",
    "C:\\Windows\\win.ini",
    "c:/x.ipynb",
    "..\\{outside_name}\\victim.ipynb",
    "sub\\..\\..\\{outside_name}\\victim.ipynb",
    "escape/victim.ipynb",  # symlink inside the root that points outside
    "escape/../escape/victim.ipynb",
    "escape_file.ipynb",  # symlink to a file outside
    "nb\x00.ipynb",
    "nb.ipynb\x00../../etc/passwd",
    ".secret/x.ipynb",  # hidden (the server does not serve hidden files)
    ".hidden.ipynb",
    "sub/.secret/x.ipynb",
    "peek/x.ipynb",  # a visible symlink to the hidden folder
    "",
    " ",
    "a" * 300 + ".ipynb",  # a name longer than NAME_MAX
    "/".join(["d"] * 3000),  # a path longer than PATH_MAX
]

#: Forms that are only hostile in a URL (query strings), where the server decodes them.
URL_ENCODED_PATHS = [
    "%2e%2e/{outside_name}/victim.ipynb",
    "%2e%2e%2f%2e%2e%2fetc%2fpasswd",
    "..%2f{outside_name}%2fvictim.ipynb",
    "%2fetc%2fpasswd",
    "..%5c{outside_name}%5cvictim.ipynb",
    "nb%00.ipynb",
    "%252e%252e/{outside_name}/victim.ipynb",  # double-encoded: a harmless literal name
    ".secret%2fx.ipynb",
]

#: Module targets for promote ``to``: refused, with one line.
BAD_MODULE_TARGETS = [
    "src/pkg/my-mod.py",
    "src/pkg/mod.txt",
    "../x.py",
    "src/1pkg/a.py",
    "src/pkg/class.py",
    "src/pkg/.py",
    "src/pkg/mod",
    "src/pkg/mod..py",
    "/tmp/x.py",
    "src/pkg/mod.py\x00.txt",
    "src/pk g/mod.py",
    "src/.hidden/mod.py",
    "",
    "src/pkg/" + "m" * 300 + ".py",
]

GOOD_MODULE_TARGETS = ["src/pkg/mod.py", "pkg/mod.py", "mod.py", "src/pkg/sub_pkg/_private.py"]


def expand_path(template: str, world: OutsideWorld) -> str:
    return template.replace("{outside_name}", world.name).replace("{outside}", str(world.dir))


@dataclass
class OutsideWorld:
    """A folder next to the server root, with a sentinel, a notebook and a git repository.

    :meth:`install` also plants the hostile fixtures inside the root: a
    symlink folder and a symlink file that lead here, a hidden folder with a
    notebook, and a visible symlink to that hidden folder. :meth:`assert_untouched`
    compares everything outside the root (and the hidden folder) with the
    fingerprint taken at install time.
    """

    root: Path
    dir: Path
    name: str = ""
    _prints: dict[str, tuple[bytes, int]] = field(default_factory=dict)

    @classmethod
    def install(cls, root: Path) -> OutsideWorld:
        root = root.resolve()
        outside = root.parent / f"outside-{root.name}"
        outside.mkdir(exist_ok=True)
        world = cls(root=root, dir=outside, name=outside.name)
        victim = nb_dict("SECRET = 'outside'\nprint(SECRET)")
        (outside / "victim.ipynb").write_text(json.dumps(victim), encoding="utf-8")
        (outside / "sentinel.txt").write_text("do not touch\n", encoding="utf-8")
        (outside / "pkg").mkdir(exist_ok=True)
        (outside / "pkg" / "mod.py").write_text("def keep() -> int:\n    return 1\n", encoding="utf-8")
        (root / "sub").mkdir(exist_ok=True)
        _symlink(root / "escape", outside)
        _symlink(root / "escape_file.ipynb", outside / "victim.ipynb")
        _symlink(root / "src_escape", outside / "pkg")
        secret = root / ".secret"
        secret.mkdir(exist_ok=True)
        (secret / "x.ipynb").write_text(json.dumps(victim), encoding="utf-8")
        (secret / "sentinel.txt").write_text("hidden\n", encoding="utf-8")
        (root / "sub" / ".secret").mkdir(exist_ok=True)
        (root / "sub" / ".secret" / "x.ipynb").write_text(json.dumps(victim), encoding="utf-8")
        (root / ".hidden.ipynb").write_text(json.dumps(victim), encoding="utf-8")
        _symlink(root / "peek", secret)
        world.snapshot()
        return world

    def _walk(self) -> Iterator[Path]:
        for base in (self.dir, self.root / ".secret", self.root / "sub" / ".secret"):
            for dirpath, dirnames, filenames in os.walk(base):
                for name in dirnames + filenames:
                    yield Path(dirpath) / name
        yield self.root / ".hidden.ipynb"
        # the parent of the root: nothing may appear next to it
        yield from self.root.parent.iterdir()

    def snapshot(self) -> None:
        self._prints = {}
        for p in self._walk():
            st = os.lstat(p)
            data = p.read_bytes() if p.is_file() and not p.is_symlink() else b""
            self._prints[str(p)] = (data, st.st_mtime_ns if not p.is_dir() else 0)

    def assert_untouched(self) -> None:
        now: dict[str, tuple[bytes, int]] = {}
        for p in self._walk():
            st = os.lstat(p)
            data = p.read_bytes() if p.is_file() and not p.is_symlink() else b""
            now[str(p)] = (data, st.st_mtime_ns if not p.is_dir() else 0)
        new = sorted(set(now) - set(self._prints))
        gone = sorted(set(self._prints) - set(now))
        changed = sorted(k for k in now.keys() & self._prints.keys() if now[k] != self._prints[k])
        assert not new and not gone and not changed, f"outside the root: new={new} gone={gone} changed={changed}"


def _symlink(link: Path, target: Path) -> None:
    if link.is_symlink() or link.exists():
        return
    link.symlink_to(target, target_is_directory=target.is_dir())


# ---------------------------------------------------------------------------------------------
# Answer contracts


def assert_error_body(body: bytes | str, status: int) -> dict[str, Any]:
    """A 4xx JSON error: ``{"error": one line, "kind", "details"}``; never a 500, never HTML."""
    assert 400 <= status < 500, f"expected a 4xx, got {status}: {body[:500]!r}"
    data = json.loads(body)
    assert isinstance(data, dict) and set(data) >= {"error", "kind", "details"}, data
    assert isinstance(data["error"], str) and data["error"].strip(), data
    assert "\n" not in data["error"], data["error"]
    assert "Traceback (most recent call last)" not in data["error"], data["error"]
    assert data["kind"] != "internal", data
    return data


def assert_one_line(message: str) -> None:
    assert message.strip(), "empty message"
    assert "\n" not in message.strip(), message
    assert "Traceback (most recent call last)" not in message, message


def assert_cli_error(code: int, stderr: str) -> str:
    """Exit 2 and exactly one ``jupyter-prod: ...`` line on stderr."""
    lines = [ln for ln in stderr.split("\n") if ln.strip()]  # not splitlines: \x1c-\x1e, \x85 are not ends
    assert code == 2, f"exit {code}, stderr={stderr[-2000:]!r}"
    assert "Traceback (most recent call last)" not in stderr, stderr[-3000:]
    assert len(lines) >= 1, stderr
    return lines[-1]



#: A mypy plugin that records the pid of the mypy that loads it and sleeps while ``plugin-sleeps`` (next to
#: it) names a number of seconds: a slow type check that is real mypy all the same.
SLOW_MYPY_PLUGIN = """\
import os
import time
from pathlib import Path

from mypy.plugin import Plugin

HERE = Path(__file__).resolve().parent


def plugin(version: str) -> type[Plugin]:
    with open(HERE / "plugin-pids", "a", encoding="utf-8") as out:
        out.write(f"{os.getpid()}\\n")
    gate = HERE / "plugin-sleeps"
    if gate.exists():
        time.sleep(float(gate.read_text(encoding="utf-8")))
    return Plugin
"""


def use_mypy(monkeypatch: pytest.MonkeyPatch, argv: list[str]) -> None:
    """Every check from now on runs ``argv`` as mypy and as dmypy: a stand-in, where the test is about our
    code (its faults, its load), not mypy's."""
    from jupyter_prod_ext.typecheck import TypecheckSettings

    monkeypatch.setattr(TypecheckSettings, "mypy_argv", lambda self: list(argv))
    monkeypatch.setattr(TypecheckSettings, "dmypy_argv", lambda self: list(argv))


def fake_mypy(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, body: str = "exit 0\n") -> Path:
    """A shell script running ``body`` (by default: no errors, at once) used as mypy (see :func:`use_mypy`)."""
    script = tmp_path / "fake-mypy"
    script.write_text("#!/bin/sh\n" + body, "utf-8")
    script.chmod(0o755)
    use_mypy(monkeypatch, [str(script)])
    return script


def slow_mypy_server_config(tools: Path, home: Path, seconds: float, **settings: object) -> Path:
    """The slow plugin in ``tools``, named in the server's own config (plugins come from there only).

    Returns the ``plugin-pids`` file. ``settings``: more ``c.JupyterProd`` values.
    """
    tools.mkdir(parents=True, exist_ok=True)
    plugin = tools / "slow_plugin.py"
    plugin.write_text(SLOW_MYPY_PLUGIN, encoding="utf-8")
    (tools / "plugin-sleeps").write_text(str(seconds), encoding="utf-8")
    config = home / ".jupyter"
    config.mkdir(parents=True, exist_ok=True)
    lines = [f"c.JupyterProd.mypy_plugins = [{str(plugin)!r}]"]
    lines += [f"c.JupyterProd.{key} = {value!r}" for key, value in settings.items()]
    (config / "jupyter_server_config.py").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return tools / "plugin-pids"


def mypy_processes(marker: Path) -> list[int]:
    """Living mypy/dmypy processes whose command line names ``marker`` (a test's own folder)."""
    import psutil

    found = []
    for proc in psutil.process_iter(["pid", "cmdline", "status"]):
        cmdline = " ".join(proc.info["cmdline"] or [])
        if "mypy" in cmdline and str(marker) in cmdline and proc.info["status"] != psutil.STATUS_ZOMBIE:
            found.append(int(proc.info["pid"]))
    return found


def daemon_pids(home: Path) -> list[int]:
    """The pids in the mypy daemons' status files under a test server's ``home`` cache."""
    pids = []
    for status in (home / ".cache" / "jupyter_prod").glob("*/dmypy.json"):
        try:
            pids.append(int(json.loads(status.read_text())["pid"]))
        except (OSError, ValueError, KeyError):
            continue
    return pids


def known_bug(owner: str, what: str) -> Any:
    """xfail(strict) for a bug reported to another module's owner: XPASS turns red once it is fixed,
    so the marker is removed and the test guards the fix from then on."""
    import pytest

    return pytest.mark.xfail(strict=True, reason=f"known bug, reported to {owner}: {what}")


# ---------------------------------------------------------------------------------------------
# HTTP


async def call(
    jp_fetch: Any,
    route: str,
    *,
    method: str = "POST",
    body: Any = None,
    params: dict[str, str] | None = None,
    raw: bytes | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 60,
) -> tuple[int, Any]:
    """One request to ``/jupyter-prod/<route>``; answers (status, parsed JSON), never raises on 4xx/5xx."""
    kwargs: dict[str, Any] = {"method": method, "raise_error": False, "request_timeout": timeout}
    if method in ("POST", "PUT", "PATCH"):
        kwargs["body"] = raw if raw is not None else json.dumps(body if body is not None else {})
    if headers:
        kwargs["headers"] = headers
    resp = await jp_fetch("jupyter-prod", route, params=params or {}, **kwargs)
    text = resp.body or b""
    try:
        data = json.loads(text) if text else None
    except ValueError:
        data = {"unparsed": text[:500].decode("utf-8", "replace")}
    return resp.code, data


def assert_refused(code: int, data: Any, *, expect: tuple[int, ...] | None = None) -> dict[str, Any]:
    """A 4xx with the JSON error contract (and optionally one of ``expect``)."""
    assert 400 <= code < 500, f"expected a 4xx, got {code}: {str(data)[:800]}"
    if expect is not None:
        assert code in expect, f"expected {expect}, got {code}: {str(data)[:800]}"
    assert isinstance(data, dict) and {"error", "kind", "details"} <= set(data), data
    assert_one_line(data["error"])
    return data


def assert_answer(code: int, data: Any) -> None:
    """200 with JSON, or a clean refusal: never a 500, never a non-JSON page, never a hang.

    A refusal is a 4xx, or the documented 503 ``kind: "tool"`` (a kernel, mypy or
    black that is not installed is a fact about the machine, not a bad request).
    """
    assert code != 599, "the request timed out: the server hung"
    if code == 503 and isinstance(data, dict) and data.get("kind") == "tool":
        assert_one_line(data["error"])
        return
    assert code < 500, f"server error {code}: {str(data)[:1500]}"
    if code >= 400:
        assert_refused(code, data)
    else:
        assert isinstance(data, dict), data


def draw_examples(strategy: Any, n: int) -> list[Any]:
    """``n`` deterministic examples of a strategy, for async tests (hypothesis cannot drive a coroutine)."""
    from hypothesis import HealthCheck, Phase, given, settings

    out: list[Any] = []

    @settings(
        max_examples=n,
        database=None,
        derandomize=True,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(x: Any) -> None:
        out.append(x)

    collect()
    return out
