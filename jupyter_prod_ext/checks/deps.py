"""What a project declares it depends on, and which distribution provides an import.

Read from the nearest folder at or above the notebook's that declares any (``declaring_folder``;
never above the git top level or the server root, as pip and uv find a project by its nearest
``pyproject.toml``): ``pyproject.toml`` (``[project]`` dependencies and
optional dependencies, ``[dependency-groups]``, Poetry's tables), ``requirements*.txt``
and ``environment.yml``/``.yaml``. Parsed results are cached by file stamps because
the fast checks run on every keystroke.
"""

from __future__ import annotations

import re
import shlex
import sys
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

#: modules a Jupyter kernel always has: a notebook needs them, its project need not declare them
RUNTIME_MODULES = frozenset({"IPython", "ipykernel", "__future__", "google.colab", "kaggle_secrets"})

def is_runtime(module: str) -> bool:
    """Whether ``module`` is (in) one the kernel provides: ``google.colab.auth`` is Colab's, not a ``google``
    distribution to declare."""
    return any(module == r or module.startswith(r + ".") for r in RUNTIME_MODULES)


#: import name -> distribution name, where they differ
IMPORT_TO_DIST: dict[str, str] = {
    "sklearn": "scikit-learn",
    "skimage": "scikit-image",
    "cv2": "opencv-python",
    "PIL": "pillow",
    "yaml": "pyyaml",
    "bs4": "beautifulsoup4",
    "dateutil": "python-dateutil",
    "dotenv": "python-dotenv",
    "attr": "attrs",
    "Crypto": "pycryptodome",
    "jwt": "pyjwt",
    "serial": "pyserial",
    "docx": "python-docx",
    "pptx": "python-pptx",
    "git": "gitpython",
    "OpenSSL": "pyopenssl",
    "MySQLdb": "mysqlclient",
    "zmq": "pyzmq",
    "fitz": "pymupdf",
    "umap": "umap-learn",
    "Bio": "biopython",
    "github": "pygithub",
    "kafka": "kafka-python",
    "faiss": "faiss-cpu",
    "mpl_toolkits": "matplotlib",
    "pylab": "matplotlib",
    "pkg_resources": "setuptools",
    "win32api": "pywin32",
    "slugify": "python-slugify",
    "magic": "python-magic",
    "osgeo": "gdal",
    "gi": "pygobject",
    "psycopg2": "psycopg2-binary",
    "tensorflow_hub": "tensorflow-hub",
    "jose": "python-jose",
    "multipart": "python-multipart",
    "lightning": "lightning",
    "ruamel": "ruamel.yaml",
    "vertexai": "google-cloud-aiplatform",
    "grpc": "grpcio",
    "tensorflow_serving": "tensorflow-serving-api",
}
#: every distribution that satisfies an import (conda names and variants included)
ALTERNATIVES: dict[str, tuple[str, ...]] = {
    "cv2": ("opencv-python", "opencv-python-headless", "opencv-contrib-python", "opencv-contrib-python-headless",
            "opencv", "py-opencv"),
    "torch": ("torch", "pytorch"),
    "psycopg2": ("psycopg2", "psycopg2-binary"),
    "faiss": ("faiss-cpu", "faiss-gpu", "faiss"),
    "tensorflow": ("tensorflow", "tensorflow-cpu", "tensorflow-gpu", "tensorflow-macos"),
    "PIL": ("pillow", "pil"),
    "sklearn": ("scikit-learn", "sklearn"),
    "yaml": ("pyyaml", "yaml"),
    "mpl_toolkits": ("matplotlib", "matplotlib-base", "basemap"),
    "pylab": ("matplotlib", "matplotlib-base"),
    "lightning": ("lightning", "pytorch-lightning"),
    "pytorch_lightning": ("pytorch-lightning", "lightning"),
    "vertexai": ("google-cloud-aiplatform", "vertexai"),
}  # fmt: skip

_REQ_NAME = re.compile(r"^\s*([A-Za-z0-9][A-Za-z0-9._-]*)")
_ENV_ITEM = re.compile(r"^\s*-\s*(?:[\w.-]+::)?([A-Za-z0-9][A-Za-z0-9._-]*)")


#: ``%pip install``, ``!python -m pip install``, ``!{sys.executable} -m pip install``, ``!conda install``: a
#: line that installs packages itself
INSTALL_LINE = re.compile(
    r"^[%!]*\s*(?:(?:python3?|\{sys\.executable\}|\$\{?\w+\}?)\s+-m\s+)?(pip3?|conda|mamba|micromamba|uv\s+pip)\s+install\b"
)
#: the install options whose value is the next word (``-r requirements.txt``, ``-c conda-forge``,
#: ``--trusted-host pypi.org``): pip's own (every option of ``pip install --help`` that takes a value, those of
#: older pips too), uv pip's and conda's
_VALUED_OPTIONS = frozenset(
    "-r --requirement -c --constraint -e --editable -i --index-url --extra-index-url -f --find-links -t --target "
    "--prefix --root --python --platform --python-version --implementation --abi --src --log --cache-dir "
    "--progress-bar --upgrade-strategy -C --config-settings --channel -n --name -p "
    "--trusted-host --no-binary --only-binary --proxy --timeout --default-timeout --retries --resume-retries "
    "--root-user-action --use-feature --use-deprecated --global-option --install-option --build-option --report "
    "--cert --client-cert --exists-action --keyring-provider --log-file --local-log --group --build-constraint "
    "--source-dir --source-directory --source --only-final --all-releases --refresh-package --pypi-url "
    "--uploaded-prior-to --requirements-from-script -b --build --index --file --override --index-strategy "
    "--resolution --prerelease --torch-backend".split()
)
#: the shell's operators that end a command (``pip install x && echo done``, ``| tail``) and its redirections,
#: which take the next word with them and leave the command going on (``pip install x > log y`` installs y)
_COMMAND_ENDS = ("&&", "||", ";", "|", "&", "(", ")", "#")
_REDIRECTIONS = (">", "<")


def installed_names(line: str) -> frozenset[str]:
    """The distributions an install line names, normalized (``%pip install -q "pandas>=2" torch`` -> pandas,
    torch). Files, URLs, variables (``{pkg}``, ``$PKG``) and option values name none."""
    m = INSTALL_LINE.match(line)
    if m is None:
        return frozenset()
    names: set[str] = set()
    skip = False
    for word in _command_words(line[m.end() :]):
        if skip or word.startswith("-"):
            skip = not skip and word in _VALUED_OPTIONS
            continue
        if (n := _vcs_name(word)) is not None or (
            not any(c in word for c in "{}$/\\") and not word.startswith(".") and (n := _req_name(word)) is not None
        ):
            names.add(normalize(n))
    return frozenset(names)


def _command_words(rest: str) -> list[str]:
    """The words of the install command, as the shell reads them: quotes kept together (``"pandas >= 2"`` is one
    word), up to the first operator that ends the command (``&&``, ``|``) or a comment; a redirection and its
    target (``2> /dev/null``, ``>=2`` of an unquoted ``pandas>=2``) are no words of it. Unbalanced quotes: the
    words split at white space."""
    lexer = shlex.shlex(rest, posix=True, punctuation_chars=True)
    lexer.whitespace_split = True
    lexer.commenters = ""
    words: list[str] = []
    try:
        for word in lexer:
            words.append(word)
    except ValueError:  # no closing quotation
        words = rest.split()
    command: list[str] = []
    redirected = False
    for word in words:
        if word.startswith(_COMMAND_ENDS):
            break
        if word.startswith(_REDIRECTIONS):
            if command and command[-1].isdigit():  # ``2> log``: the descriptor is no argument
                command.pop()
            redirected = all(c in "<>&|" for c in word)  # its target is the next word, else it is in this one
            continue
        if redirected:
            redirected = False
            continue
        command.append(word)
    return command


#: ``git+https://github.com/org/byaldi.git@branch``, ``…#egg=name``: a repository's name is its package's, mostly
_VCS = re.compile(r"^(?:[\w.-]+\s*@\s*)?(?:git|hg|svn|bzr)\+\S*?/([A-Za-z0-9][\w.-]*?)(?:\.git)?/?(?:@[^#]*)?(?:#.*)?$")
_EGG = re.compile(r"#egg=([A-Za-z0-9][\w.-]*)")


def _vcs_name(word: str) -> str | None:
    """The distribution a version-control install names: its ``#egg=`` or its repository's name."""
    if (m := _EGG.search(word)) is not None:
        return m.group(1)
    m = _VCS.match(word)
    return m.group(1) if m is not None else None


def normalize(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclass(frozen=True)
class Declared:
    names: frozenset[str]  # normalized distribution names
    sources: str  # "pyproject.toml and requirements.txt"
    files: tuple[str, ...] = ()  # ("pyproject.toml", "requirements.txt")


_lock = threading.Lock()
_cache: dict[str, tuple[tuple[tuple[str, int, int], ...], Declared | None]] = {}


def _files(root: Path) -> list[Path]:
    out = [root / "pyproject.toml"]
    try:
        out += sorted(p for p in root.glob("requirements*.txt") if p.is_file())
    except OSError:
        pass
    out += [root / "environment.yml", root / "environment.yaml"]
    return [p for p in out if p.is_file()]


def declared(root: Path) -> Declared | None:
    """The project's declared dependencies, or None when it has no declaration file."""
    files = _files(root)
    stamps = []
    for p in files:
        try:
            st = p.stat()
        except OSError:
            continue
        stamps.append((str(p), st.st_mtime_ns, st.st_size))
    key = str(root)
    with _lock:
        hit = _cache.get(key)
    if hit is not None and hit[0] == tuple(stamps):
        return hit[1]
    result = _parse_all(files)
    with _lock:
        _cache[key] = (tuple(stamps), result)
    return result


def _parse_all(files: list[Path]) -> Declared | None:
    names: set[str] = set()
    sources: list[str] = []
    for p in files:
        try:
            text = p.read_text(encoding="utf-8", errors="replace")
        except OSError:
            continue
        if p.name == "pyproject.toml":
            found = _from_pyproject(text)
            if found is None:
                continue  # a pyproject with only tool settings declares nothing
            names |= found
        elif p.suffix == ".txt":
            names |= _from_requirements(text)
        else:
            names |= _from_environment(text)
        sources.append(p.name)
    if not sources:
        return None
    return Declared(frozenset(normalize(n) for n in names), " and ".join(sources), tuple(sources))


def declaring_folder(start: Path, ceiling: Path | None) -> tuple[Path, Declared] | None:
    """The nearest folder at or above ``start`` that declares dependencies, and what it declares.

    Never above ``ceiling`` (inclusive; None: no bound), and only ``start`` itself when it is not
    under ``ceiling``. A few stats and one listing per folder (the fast checks run per keystroke).
    """
    here = start.resolve()
    stop = ceiling.resolve() if ceiling is not None else None
    if stop is not None and not here.is_relative_to(stop):
        stop = here
    while True:
        found = declared(here)
        if found is not None:
            return here, found
        if here == stop or here.parent == here:
            return None
        here = here.parent


def _req_name(spec: Any) -> str | None:
    if not isinstance(spec, str):
        return None
    m = _REQ_NAME.match(spec)
    return m.group(1) if m else None


def _from_pyproject(text: str) -> set[str] | None:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError:
        return None
    names: set[str] = set()
    found = False
    project = data.get("project")
    if isinstance(project, dict):
        found = True
        if isinstance(project.get("name"), str):
            names.add(project["name"])  # the project itself
        for spec in project.get("dependencies") or []:
            if (n := _req_name(spec)) is not None:
                names.add(n)
        optional = project.get("optional-dependencies")
        if isinstance(optional, dict):
            for specs in optional.values():
                for spec in specs if isinstance(specs, list) else []:
                    if (n := _req_name(spec)) is not None:
                        names.add(n)
    groups = data.get("dependency-groups")
    if isinstance(groups, dict):
        found = True
        for specs in groups.values():
            for spec in specs if isinstance(specs, list) else []:
                if (n := _req_name(spec)) is not None:
                    names.add(n)
    tool = data.get("tool")
    poetry = tool.get("poetry") if isinstance(tool, dict) else None
    if isinstance(poetry, dict):
        found = True
        if isinstance(poetry.get("name"), str):
            names.add(poetry["name"])
        tables = [poetry.get("dependencies"), poetry.get("dev-dependencies")]
        group = poetry.get("group")
        if isinstance(group, dict):
            tables += [g.get("dependencies") for g in group.values() if isinstance(g, dict)]
        for table in tables:
            if isinstance(table, dict):
                names.update(k for k in table if k != "python")
    return names if found else None


def _from_requirements(text: str) -> set[str]:
    names: set[str] = set()
    for line in text.splitlines():
        line = line.split("#", 1)[0].strip()
        if not line or line.startswith("-"):
            continue
        if "#egg=" in line or "egg=" in line:
            line = line.split("egg=", 1)[1]
        if (n := _req_name(line)) is not None:
            names.add(n)
    return names


def _from_environment(text: str) -> set[str]:
    names: set[str] = set()
    in_deps = False
    for line in text.splitlines():
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        if not line.startswith((" ", "\t", "-")):
            in_deps = line.startswith("dependencies")
            continue
        if in_deps and (m := _ENV_ITEM.match(line)) is not None and m.group(1) != "pip":
            names.add(m.group(1))
    return names


def is_local(module: str, root: Path, notebook_dir: Path | None) -> bool:
    """``module`` is importable from the project itself: a ``.py`` or a package in the root, ``src/``
    or the notebook's folder. A few stats per imported module, no directory listing (runs per keystroke)."""
    for folder in (root, root / "src", *([notebook_dir] if notebook_dir is not None else [])):
        if (folder / f"{module}.py").is_file():
            return True
        package = folder / module
        if package.is_dir():
            try:
                if (package / "__init__.py").is_file() or any(p.suffix == ".py" for p in package.iterdir()):
                    return True
            except OSError:
                continue
    return False


@lru_cache(maxsize=1)
def _installed() -> Mapping[str, list[str]]:
    from importlib.metadata import packages_distributions

    try:
        return packages_distributions()
    except Exception:  # noqa: BLE001 - broken metadata of one package must not break the check
        return {}


def candidates(module: str) -> set[str]:
    names = {normalize(module)}
    names.update(normalize(d) for d in ALTERNATIVES.get(module, ()))
    if module in IMPORT_TO_DIST:
        names.add(normalize(IMPORT_TO_DIST[module]))
    return names


def is_declared(module: str, decl: Declared) -> bool:
    if candidates(module) & decl.names:
        return True
    if module == "google":
        return any(n.startswith("google-") for n in decl.names)
    return any(normalize(d) in decl.names for d in _installed().get(module, ()))


def distribution_for(module: str) -> str:
    if module in IMPORT_TO_DIST:
        return IMPORT_TO_DIST[module]
    installed = _installed().get(module)
    return installed[0] if installed else module
