"""Project configuration: discovery, black options, mypy config file, [tool.jupyter-prod] validation."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from black.mode import TargetVersion

from jupyter_prod_ext.config import find_pyproject, load_config
from jupyter_prod_ext.errors import ConfigError


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_nearest_pyproject_is_found_from_a_subfolder(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.black]\nline-length = 100\n")
    sub = tmp_path / "notebooks" / "deep"
    sub.mkdir(parents=True)
    config = load_config(sub / "analysis.ipynb")
    assert config.root == tmp_path.resolve()
    assert config.pyproject == (tmp_path / "pyproject.toml").resolve()
    assert config.black.line_length == 100
    assert not config.black.is_ipynb


def test_search_stops_at_the_ceiling(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.black]\nline-length = 100\n")
    server_root = tmp_path / "served"
    sub = server_root / "nb"
    sub.mkdir(parents=True)
    assert find_pyproject(sub, server_root) is None
    config = load_config(sub, server_root)
    assert config.pyproject is None
    assert config.root == sub.resolve()
    assert config.black.line_length == 88
    assert config.mypy_config_file is None
    assert dict(config.prod) == {}


def test_black_table_maps_to_mode(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        "[tool.black]\n"
        "line-length = 72\n"
        'target-version = ["py310", "py311"]\n'
        "skip-string-normalization = true\n"
        "skip_magic_trailing_comma = true\n"
        "preview = true\n",
    )
    mode = load_config(tmp_path).black
    assert mode.line_length == 72
    assert mode.target_versions == {TargetVersion.PY310, TargetVersion.PY311}
    assert mode.string_normalization is False
    assert mode.magic_trailing_comma is False
    assert mode.preview is True


@pytest.mark.parametrize(
    ("table", "key"),
    [
        ('[tool.black]\nline-length = "long"\n', "line-length"),
        ('[tool.black]\ntarget-version = ["py2"]\n', "target-version"),
        ('[tool.black]\npreview = "yes"\n', "preview"),
        ('[tool.jupyter-prod]\nselect = "hidden-state"\n', "select"),
        ("[tool.jupyter-prod]\nignore = [1, 2]\n", "ignore"),
        ('[tool.jupyter-prod]\nseverity = { hidden-state = "fatal" }\n', "severity.hidden-state"),
        ('[tool.jupyter-prod]\nseverity = ["error"]\n', "severity"),
        ("[tool.jupyter-prod]\nmax-cell-lines = 0\n", "max-cell-lines"),
        ("[tool.jupyter-prod]\nmax-notebook-cells = true\n", "max-notebook-cells"),
        ('[tool.jupyter-prod]\ntypecheck-timeout = "1m"\n', "typecheck-timeout"),
        ("[tool]\njupyter-prod = 3\n", "[tool.jupyter-prod]"),
    ],
)
def test_wrong_types_name_the_file_and_key(tmp_path: Path, table: str, key: str) -> None:
    pyproject = write(tmp_path / "pyproject.toml", table)
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path)
    message = info.value.message
    assert str(pyproject.resolve()) in message
    assert key in message
    assert "\n" not in message


def test_invalid_toml_is_a_config_error(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.black\nline-length = 3\n")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(tmp_path)


def test_prod_table_is_kept_with_unknown_keys(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        "[tool.jupyter-prod]\n"
        'select = ["hidden-state", "type-error"]\n'
        'ignore = ["long-cell"]\n'
        'severity = { type-error = "warning" }\n'
        "max-cell-lines = 40\n"
        "max-notebook-cells = 80\n"
        'future-key = "kept"\n',
    )
    config = load_config(tmp_path)
    assert config.select == ("hidden-state", "type-error")
    assert config.ignore == ("long-cell",)
    assert dict(config.severity) == {"type-error": "warning"}
    assert config.max_cell_lines == 40
    assert config.max_notebook_cells == 80
    assert config.prod["future-key"] == "kept"


def test_mypy_config_file_discovery(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", "[tool.black]\n")
    assert load_config(tmp_path).mypy_config_file is None
    write(tmp_path / "setup.cfg", "[flake8]\nmax-line-length = 1\n")
    assert load_config(tmp_path).mypy_config_file is None
    write(tmp_path / "setup.cfg", "[mypy]\nstrict = True\n")
    assert load_config(tmp_path).mypy_config_file == tmp_path.resolve() / "setup.cfg"
    write(tmp_path / "pyproject.toml", "[tool.mypy]\nstrict = true\n")
    assert load_config(tmp_path).mypy_config_file == tmp_path.resolve() / "pyproject.toml"
    # mypy's own precedence: mypy.ini beats pyproject.toml
    write(tmp_path / "mypy.ini", "[mypy]\nstrict = True\n")
    assert load_config(tmp_path).mypy_config_file == tmp_path.resolve() / "mypy.ini"


def test_parsed_config_is_cached_until_the_file_changes(tmp_path: Path) -> None:
    pyproject = write(tmp_path / "pyproject.toml", "[tool.jupyter-prod]\nmax-cell-lines = 40\n")
    first = load_config(tmp_path)
    again = load_config(tmp_path / "sub.ipynb")
    assert again.prod is first.prod  # same parsed object: no second parse
    stat = pyproject.stat()
    write(pyproject, "[tool.jupyter-prod]\nmax-cell-lines = 50\n")  # same size
    os.utime(pyproject, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    changed = load_config(tmp_path)
    assert changed.prod is not first.prod
    assert changed.max_cell_lines == 50


def test_a_relative_mypy_path_is_the_project_roots_wherever_we_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """mypy reads a relative ``mypy_path`` from its working folder, the project root where we run it; the
    server (started above the project) looked in its own folder instead."""
    from jupyter_prod_ext.mypy_config import mypy_path_dirs

    project = tmp_path / "project"
    (project / "stubs").mkdir(parents=True)
    (project / "mypy.ini").write_text("[mypy]\nmypy_path = stubs\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    assert mypy_path_dirs(project / "mypy.ini", project) == [(project / "stubs").resolve()]
