"""The mypy configuration a check runs with, built from the project's, never taken whole.

Why: a project's mypy configuration can make mypy run code (``plugins``, a
``python_executable`` that mypy starts) and write files anywhere (``*_report``,
``junit_xml``, ``cache_dir``). The server checks notebooks on every save, on a
route a read-only user may call, so a repository someone cloned must not get to
run code in the server's name without the operator's consent. So:

* ``trust=False`` (the server's default): only an allow-list of *checking*
  options is taken from the project (strictness, ``disallow_*``, ``warn_*``,
  ``ignore_missing_imports``, error codes, per-module overrides of those, and
  ``mypy_path`` entries that stay inside the project). Plugins and the Python
  executable come from the server's own settings only.
* ``trust=True`` (``c.JupyterProd.trust_project_config``, and the CLI, which a
  user runs on their own project): the project's configuration as it is, except
  report and cache locations: a notebook check writes no reports anywhere.

The result is an INI file in the check's private cache folder, passed with
``--config-file``; relative paths in it are resolved against the project first.
"""

from __future__ import annotations

import configparser
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - Python 3.10
    import tomli as tomllib

from .atomic import atomic_write_text

#: Checking options taken from an untrusted project (global section and per-module sections).
CHECKING_OPTIONS = frozenset(
    {
        "python_version", "platform", "always_true", "always_false",
        "ignore_missing_imports", "follow_imports", "follow_imports_for_stubs", "namespace_packages",
        "explicit_package_bases", "no_site_packages", "no_silence_site_packages", "follow_untyped_imports",
        "disallow_any_unimported", "disallow_any_expr", "disallow_any_decorated", "disallow_any_explicit",
        "disallow_any_generics", "disallow_subclassing_any", "disallow_untyped_calls", "untyped_calls_exclude",
        "disallow_untyped_defs", "disallow_incomplete_defs", "check_untyped_defs", "disallow_untyped_decorators",
        "implicit_optional", "strict_optional", "warn_redundant_casts", "warn_unused_ignores", "warn_no_return",
        "warn_return_any", "warn_unreachable", "ignore_errors", "allow_untyped_globals",
        "allow_redefinition", "allow_redefinition_new", "local_partial_types", "disable_error_code",
        "enable_error_code", "extra_checks", "implicit_reexport", "strict_concatenate", "strict_equality",
        "strict_bytes", "strict", "warn_incomplete_stub", "scripts_are_modules", "enable_incomplete_feature",
        "disable_bytearray_promotion", "disable_memoryview_promotion", "mypy_path",
    }
)  # fmt: skip
#: Options that write files (reports, caches) or change what the output looks like (we parse it):
#: dropped even from a trusted configuration.
NEVER_TAKEN = frozenset(
    {
        "cache_dir", "sqlite_cache", "incremental", "cache_fine_grained", "skip_cache_mtime_checks",
        "junit_xml", "junit_format", "html_report", "xslt_html_report", "xml_report", "txt_report",
        "xslt_txt_report", "linecount_report", "linecoverage_report", "memory_xml_report", "cobertura_xml_report",
        "lineprecision_report", "any_exprs_report", "pretty", "color_output", "error_summary", "show_error_context",
        "show_column_numbers", "show_error_end", "show_error_codes", "hide_error_codes", "show_absolute_path",
        "show_error_code_links", "show_traceback", "raise_exceptions", "pdb", "verbosity", "files", "exclude",
        "output", "warn_unused_configs",
    }
)  # fmt: skip
#: Path-list options whose entries must stay inside the project when the project is not trusted.
_PATH_OPTIONS = ("mypy_path",)
#: Paths of a trusted configuration that are read against the config file's folder (mypy's own
#: working folder is not always the project's).
_RELATIVE_TO_CONFIG = ("custom_typeshed_dir", "python_executable")


@dataclass(frozen=True)
class MypyConfig:
    """A mypy configuration read into plain values: the global section and per-module sections."""

    options: dict[str, object]
    #: (module patterns, options) in file order
    modules: list[tuple[tuple[str, ...], dict[str, object]]]


def read_mypy_config(path: Path) -> MypyConfig:
    """The mypy options of ``path`` (``mypy.ini``/``setup.cfg``/``pyproject.toml``); empty when unreadable."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return MypyConfig({}, [])
    if path.suffix == ".toml":
        return _from_toml(text)
    return _from_ini(text)


def _from_toml(text: str) -> MypyConfig:
    try:
        table = tomllib.loads(text).get("tool", {}).get("mypy", {})
    except (tomllib.TOMLDecodeError, AttributeError):
        return MypyConfig({}, [])
    if not isinstance(table, dict):
        return MypyConfig({}, [])
    options = {k: v for k, v in table.items() if k != "overrides"}
    modules: list[tuple[tuple[str, ...], dict[str, object]]] = []
    overrides = table.get("overrides", [])
    for entry in overrides if isinstance(overrides, list) else []:
        if not isinstance(entry, dict):
            continue
        names = entry.get("module")
        patterns = (names,) if isinstance(names, str) else tuple(n for n in names or () if isinstance(n, str))
        if patterns:
            modules.append((patterns, {k: v for k, v in entry.items() if k != "module"}))
    return MypyConfig(options, modules)


def _from_ini(text: str) -> MypyConfig:
    parser = configparser.RawConfigParser()
    try:
        parser.read_string(text)
    except configparser.Error:
        return MypyConfig({}, [])
    options: dict[str, object] = dict(parser.items("mypy")) if parser.has_section("mypy") else {}
    modules: list[tuple[tuple[str, ...], dict[str, object]]] = []
    for section in parser.sections():
        if section.startswith("mypy-"):
            patterns = tuple(p.strip() for p in section[5:].split(",") if p.strip())
            modules.append((patterns, dict(parser.items(section))))
    return MypyConfig(options, modules)


def _keep(options: Mapping[str, object], trust: bool, project_root: Path, config_dir: Path) -> dict[str, object]:
    out: dict[str, object] = {}
    for raw_key, value in options.items():
        key = raw_key.replace("-", "_")
        if key in NEVER_TAKEN or (not trust and key not in CHECKING_OPTIONS):
            continue
        if key in _PATH_OPTIONS:
            value = _paths(value, trust, project_root, config_dir)
            if not value:
                continue
        elif key == "plugins":  # (trusted only) the file moved to our cache folder
            value = [_from_config_dir(v, config_dir) for v in _items(value)]
        elif key in _RELATIVE_TO_CONFIG:
            value = _from_config_dir(str(value), config_dir)
        out[key] = value
    return out


def _items(value: object, separators: str = ",") -> list[str]:
    """A list option's entries: TOML gives a list, INI a string with ``separators``."""
    if isinstance(value, list):
        return [str(v).strip() for v in value if str(v).strip()]
    text = str(value)
    for sep in separators[1:]:
        text = text.replace(sep, separators[0])
    return [v.strip() for v in text.split(separators[0]) if v.strip()]


def _from_config_dir(item: str, config_dir: Path) -> str:
    """A plugin given as a file (``evil.py``, ``tools/p.py:entry``) made absolute; a module name as is."""
    path, colon, entry = item.partition(":")
    if path.endswith(".py") or "/" in path:
        return str((config_dir / path).resolve()) + colon + entry
    return item


def _paths(value: object, trust: bool, project_root: Path, config_dir: Path) -> list[str]:
    """Entries of a path list, absolute; outside the project they are dropped unless trusted."""
    items = _items(value, ",:")
    root = Path(os.path.realpath(project_root))
    out: list[str] = []
    for item in items:
        text = str(item).strip().replace("$MYPY_CONFIG_FILE_DIR", str(config_dir))
        if not text:
            continue
        # relative to mypy's working folder, the project root (where the daemon and the CLI run it)
        path = Path(os.path.realpath(root / (os.path.expanduser(text) if trust else text)))
        if trust or path == root or root in path.parents:
            out.append(str(path))
    return out


def _ini_value(value: object) -> str:
    if isinstance(value, bool):
        return "True" if value else "False"
    text = ",".join(str(v) for v in value) if isinstance(value, (list, tuple)) else str(value)
    return text.replace("\n", " ").replace("\r", " ")


def _section(name: str, options: Mapping[str, object]) -> Iterable[str]:
    yield f"[{name}]"
    for key, value in options.items():
        yield f"{key} = {_ini_value(value)}"
    yield ""


def effective_config(
    project_config: Path | None,
    project_root: Path,
    out_dir: Path,
    *,
    trust: bool,
    plugins: tuple[str, ...] = (),
    python_executable: str | None = None,
) -> Path:
    """Write the configuration a check runs with into ``out_dir``; return its path.

    ``plugins`` and ``python_executable`` are the server's (or CLI's) own settings;
    a trusted project's own values win over them only when the settings give none.
    """
    read = read_mypy_config(project_config) if project_config is not None else MypyConfig({}, [])
    config_dir = project_config.parent if project_config is not None else project_root
    options = _keep(read.options, trust, project_root, config_dir)
    if plugins:
        options["plugins"] = list(plugins)
    if python_executable:
        options["python_executable"] = python_executable
    lines = list(_section("mypy", options))
    for patterns, module_options in read.modules:
        kept = _keep(module_options, trust, project_root, config_dir)
        kept.pop("mypy_path", None)  # global only
        if kept and all(_is_module_pattern(p) for p in patterns):
            lines.extend(_section("mypy-" + ",".join(patterns), kept))
    target = out_dir / "mypy-effective.ini"
    text = "\n".join(lines) + "\n"
    try:
        if target.read_text(encoding="utf-8") == text:
            return target
    except OSError:
        pass
    atomic_write_text(target, text)
    return target


def mypy_path_dirs(project_config: Path, project_root: Path) -> list[Path]:
    """The folders of the configuration's ``mypy_path``, absolute (all of them: a superset of what a
    check takes, for whoever asks which folders mypy may find the project's modules in)."""
    value = read_mypy_config(project_config).options.get("mypy_path")
    return [Path(p) for p in _paths(value, True, project_root, project_config.parent)] if value else []


def _is_module_pattern(pattern: str) -> bool:
    """A dotted module name with ``*`` parts: nothing that could break out of an INI section header."""
    return bool(pattern) and all(part == "*" or part.replace("_", "a").isalnum() for part in pattern.split("."))
