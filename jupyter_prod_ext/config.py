"""Project configuration: the nearest ``pyproject.toml`` and what it says about us.

The readiness checks, formatting and the type check must agree with the tools the
project already runs in CI, so black's options come from ``[tool.black]``, mypy's
from the project's own mypy config, and our switches from ``[tool.jupyter-prod]``.
Parsing happens on every check request, hence the cache keyed by
``(path, mtime_ns, size)``: an edited file is re-read, an unchanged one never is.
"""

from __future__ import annotations

import configparser
import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from black.mode import Mode

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from .errors import ConfigError
from .lru import LockedLRU
from .types import SEVERITIES, Severity

PYPROJECT = "pyproject.toml"
PROD_TABLE = "jupyter-prod"

#: ``[tool.jupyter-prod]`` keys we know, with a checker each; other keys are kept as-is.
_LIST_OF_STR_KEYS = ("select", "ignore")
_POSITIVE_INT_KEYS = ("max-cell-lines", "max-notebook-cells")
_POSITIVE_NUMBER_KEYS = ("typecheck-timeout",)
_BOOL_KEYS = ("exact-outputs",)

_CACHE_MAX = 256
#: Longest wall-clock timeout any tool gets, whatever a file or a setting asks (one hour).
MAX_TIMEOUT = 3600.0


def clamp_timeout(seconds: float) -> float:
    """A positive timeout no longer than :data:`MAX_TIMEOUT` (``1e9`` would overflow ``poll``)."""
    return min(max(seconds, 0.001), MAX_TIMEOUT)
_cache: LockedLRU[tuple[str, int, int], _Parsed] = LockedLRU()


@dataclass(frozen=True)
class _Parsed:
    black: Mode | None
    has_tool_mypy: bool
    prod: Mapping[str, Any] = field(hash=False, compare=False)
    requires_python: str | None = None


@dataclass(frozen=True)
class ProjectConfig:
    """What the project's configuration files say, resolved for one folder."""

    #: folder of the ``pyproject.toml`` found, else the folder the search started from
    root: Path
    #: the ``pyproject.toml`` found, or None
    pyproject: Path | None
    #: ``[tool.black]`` as a black mode (``is_ipynb=False``; formatting derives the notebook variant);
    #: None without options: black's defaults, see :attr:`black`
    black_mode: Mode | None
    #: the file mypy should read (``--config-file``), or None when the project has no mypy config
    mypy_config_file: Path | None
    #: the raw ``[tool.jupyter-prod]`` table, validated for the keys we know
    prod: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}), hash=False, compare=False)
    #: ``[project] requires-python`` as written (a PEP 440 specifier), or None
    requires_python: str | None = None

    @property
    def black(self) -> Mode:
        """The black mode formatting uses: the project's options, else black's defaults."""
        if self.black_mode is not None:
            return self.black_mode
        from black.mode import Mode

        return Mode()

    @property
    def oldest_python(self) -> tuple[int, int] | None:
        """The oldest Python 3 the project supports: black's ``target-version``, else ``requires-python``.

        black infers its targets from ``requires-python`` when ``target-version`` is not set, so
        generated code follows the same rule. None when neither says.
        """
        if self.black_mode is not None and self.black_mode.target_versions:
            return min((3, t.value) for t in self.black_mode.target_versions)
        return oldest_python(self.requires_python) if self.requires_python else None

    @property
    def select(self) -> tuple[str, ...] | None:
        value = self.prod.get("select")
        return tuple(value) if value is not None else None

    @property
    def ignore(self) -> tuple[str, ...]:
        return tuple(self.prod.get("ignore", ()))

    @property
    def severity(self) -> Mapping[str, Severity]:
        value: Mapping[str, Severity] = self.prod.get("severity", {})
        return value

    @property
    def max_cell_lines(self) -> int | None:
        value = self.prod.get("max-cell-lines")
        return int(value) if value is not None else None

    @property
    def max_notebook_cells(self) -> int | None:
        value = self.prod.get("max-notebook-cells")
        return int(value) if value is not None else None

    @property
    def typecheck_timeout(self) -> float | None:
        """Seconds, clamped to :data:`MAX_TIMEOUT` (a bigger number overflows the OS's timers)."""
        value = self.prod.get("typecheck-timeout")
        return clamp_timeout(float(value)) if value is not None else None


    @property
    def exact_outputs(self) -> bool:
        """Clean Run compares outputs without the allowances for other library versions (see
        :mod:`execution.compare`): for a project whose pinned environment must reproduce every digit."""
        return bool(self.prod.get("exact-outputs", False))


def find_pyproject(start: Path, ceiling: Path | None = None) -> Path | None:
    """The nearest ``pyproject.toml`` at or above ``start``; never above ``ceiling`` (inclusive)."""
    here = Path(start).expanduser().resolve()
    if not here.is_dir():
        here = here.parent
    stop = Path(ceiling).expanduser().resolve() if ceiling is not None else None
    while True:
        candidate = here / PYPROJECT
        if candidate.is_file():
            return candidate
        if stop is not None and here == stop:
            return None
        if here.parent == here:
            return None
        here = here.parent


def load_config(start: Path | str, ceiling: Path | str | None = None) -> ProjectConfig:
    """The configuration that applies to ``start`` (a folder or a file in it).

    Raises :class:`ConfigError` when the ``pyproject.toml`` found is not valid
    TOML or one of our keys has the wrong type.
    """
    start_path = Path(start).expanduser().resolve()
    start_dir = start_path if start_path.is_dir() else start_path.parent
    pyproject = find_pyproject(start_dir, Path(ceiling) if ceiling is not None else None)
    if pyproject is None:
        return ProjectConfig(
            root=start_dir,
            pyproject=None,
            black_mode=None,
            mypy_config_file=_mypy_config_in(start_dir, None),
        )
    parsed = _parse_cached(pyproject, _shown(pyproject, Path(ceiling) if ceiling is not None else None))
    root = pyproject.parent
    return ProjectConfig(
        root=root,
        pyproject=pyproject,
        black_mode=parsed.black,
        mypy_config_file=_mypy_config_in(root, pyproject if parsed.has_tool_mypy else None),
        prod=parsed.prod,
        requires_python=parsed.requires_python,
    )


def oldest_python(specifier: str) -> tuple[int, int] | None:
    """The oldest ``3.x`` a ``requires-python`` specifier allows, or None (unparsable, or none allowed).

    A malformed specifier is pip's to report, not ours: it only means we do not know.
    """
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    try:
        spec = SpecifierSet(specifier)
    except InvalidSpecifier:
        return None
    for minor in range(0, 30):
        # a minor version is allowed when some release of it is (``>=3.8.1`` allows 3.8)
        if any(spec.contains(f"3.{minor}.{micro}", prereleases=True) for micro in (0, 99)):
            return (3, minor)
    return None


def _shown(pyproject: Path, ceiling: Path | None) -> str:
    """The file as error messages name it: relative to ``ceiling`` (the server or project root).

    A server answer must not reveal where the server's root is on its disk.
    """
    if ceiling is not None:
        try:
            return pyproject.relative_to(ceiling.expanduser().resolve()).as_posix()
        except ValueError:
            pass
    return str(pyproject)


def clear_cache() -> None:
    _cache.clear()


def _parse_cached(pyproject: Path, shown: str) -> _Parsed:
    try:
        st = pyproject.stat()
    except OSError as exc:
        raise ConfigError(f"Cannot read {shown}: {exc.strerror or exc}.") from None
    key = (str(pyproject), st.st_mtime_ns, st.st_size)
    return _cache.get_or_compute(key, lambda: _parse(pyproject, shown), _CACHE_MAX)


def _parse(pyproject: Path, shown: str) -> _Parsed:
    """``shown``: how messages name the file (relative to the server or project root when inside it)."""
    try:
        data = tomllib.loads(pyproject.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"Cannot read {shown}: {exc.strerror or exc}.") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{shown} is not UTF-8 text; save it as UTF-8.") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{shown} is not valid TOML ({exc}); fix the file.") from None
    tool = data.get("tool", {})
    if not isinstance(tool, dict):
        raise ConfigError(f"{shown}: [tool] must be a table.")
    black_table = _table(tool, "black", shown)
    prod_table = _table(tool, PROD_TABLE, shown)
    return _Parsed(
        requires_python=_requires_python(data),
        black=_black_mode(black_table, shown),
        has_tool_mypy=isinstance(tool.get("mypy"), dict),
        prod=MappingProxyType(_validate_prod(prod_table, shown)),
    )


def _requires_python(data: dict[str, Any]) -> str | None:
    project = data.get("project")
    value = project.get("requires-python") if isinstance(project, dict) else None
    return value if isinstance(value, str) else None


def _table(tool: dict[str, Any], name: str, pyproject: str) -> dict[str, Any]:
    value = tool.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"{pyproject}: [tool.{name}] must be a table.")
    return value


def _norm(key: str) -> str:
    # black itself accepts both spellings (click option names).
    return key.replace("_", "-")


def _black_mode(table: dict[str, Any], pyproject: str) -> Mode | None:
    """The ``[tool.black]`` options as a black mode, validated; None when there are none.

    black is imported only then (or on first use of :attr:`ProjectConfig.black`): about 0.1 s of
    start-up that ``jupyter-prod check --fast`` and every worker it starts would otherwise pay.
    """
    if not table:
        return None
    from black.const import DEFAULT_LINE_LENGTH
    from black.mode import Mode, TargetVersion

    opts = {_norm(k): v for k, v in table.items()}

    def flag(name: str) -> bool:
        value = opts.get(name, False)
        if not isinstance(value, bool):
            raise ConfigError(f"{pyproject}: [tool.black] {name} must be true or false.")
        return value

    line_length = opts.get("line-length", DEFAULT_LINE_LENGTH)
    if isinstance(line_length, bool) or not isinstance(line_length, int) or line_length <= 0:
        raise ConfigError(f"{pyproject}: [tool.black] line-length must be a positive integer.")
    targets_raw = opts.get("target-version", [])
    if isinstance(targets_raw, str):
        targets_raw = [targets_raw]
    if not isinstance(targets_raw, list) or not all(isinstance(t, str) for t in targets_raw):
        raise ConfigError(f"{pyproject}: [tool.black] target-version must be a list of strings like 'py311'.")
    targets: set[TargetVersion] = set()
    for name in targets_raw:
        try:
            targets.add(TargetVersion[name.upper()])
        except KeyError:
            raise ConfigError(
                f"{pyproject}: [tool.black] target-version '{name}' is not a version black knows (e.g. 'py311')."
            ) from None
    magics = opts.get("python-cell-magics", [])
    if not isinstance(magics, list) or not all(isinstance(m, str) for m in magics):
        raise ConfigError(f"{pyproject}: [tool.black] python-cell-magics must be a list of strings.")
    return Mode(
        target_versions=targets,
        line_length=line_length,
        string_normalization=not flag("skip-string-normalization"),
        magic_trailing_comma=not flag("skip-magic-trailing-comma"),
        preview=flag("preview"),
        python_cell_magics=set(magics),
    )


def _validate_prod(table: dict[str, Any], pyproject: str) -> dict[str, Any]:
    where = f"{pyproject}: [tool.{PROD_TABLE}]"
    out = dict(table)
    for key in _LIST_OF_STR_KEYS:
        if key in table:
            value = table[key]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise ConfigError(f"{where} {key} must be a list of check ids (strings).")
            out[key] = tuple(value)
    if "severity" in table:
        sev = table["severity"]
        if not isinstance(sev, dict):
            raise ConfigError(f'{where} severity must be a table of check-id = "error"|"warning"|"info".')
        for check_id, level in sev.items():
            if level not in SEVERITIES:
                raise ConfigError(
                    f"{where} severity.{check_id} is {level!r}; use one of {', '.join(SEVERITIES)}."
                )
        out["severity"] = MappingProxyType(dict(sev))
    for key in _POSITIVE_INT_KEYS:
        if key in table:
            value = table[key]
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ConfigError(f"{where} {key} must be a positive integer, not {value!r}.")
    for key in _BOOL_KEYS:
        if key in table and not isinstance(table[key], bool):
            raise ConfigError(f"{where} {key} must be true or false, not {table[key]!r}.")
    for key in _POSITIVE_NUMBER_KEYS:
        if key in table:
            value = table[key]
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < float("inf"):
                raise ConfigError(f"{where} {key} must be a positive number of seconds, not {value!r}.")
    return out


def _mypy_config_in(root: Path, pyproject_with_mypy: Path | None) -> Path | None:
    """The file mypy itself would pick in ``root``, in mypy's own order of precedence."""
    for name in ("mypy.ini", ".mypy.ini"):
        candidate = root / name
        if candidate.is_file():
            return candidate
    if pyproject_with_mypy is not None:
        return pyproject_with_mypy
    setup_cfg = root / "setup.cfg"
    if setup_cfg.is_file():
        parser = configparser.RawConfigParser()
        try:
            parser.read(setup_cfg, encoding="utf-8")
        except (configparser.Error, UnicodeDecodeError, OSError):
            return None
        if parser.has_section("mypy"):
            return setup_cfg
    return None
