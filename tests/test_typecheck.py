"""mypy on notebooks through the typecheck package: real mypy, real daemon, real files."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from jupyter_prod_ext import typecheck
from jupyter_prod_ext.config import load_config
from jupyter_prod_ext.promote.mypy_check import check_module
from jupyter_prod_ext.typecheck import (
    TypecheckSettings,
    batch,
    build_virtual_module,
    check_module_file,
    typecheck_cells,
    write_if_changed,
)

BACKENDS = ("daemon", "mypy")
#: also the daemon through its own client process (the path used to start and restart it)
ALL_PATHS = ("daemon", "daemon-client", "mypy")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    root = tmp_path / "project"
    root.mkdir()
    (root / "pyproject.toml").write_text("[tool.black]\nline-length = 100\n", encoding="utf-8")
    return root


@pytest.fixture
def cache_root(tmp_path: Path) -> Iterator[Path]:
    path = tmp_path / "cache"
    yield path
    typecheck.shutdown_workers()


def settings_for(backend: str, cache_root: Path, **kwargs: object) -> TypecheckSettings:
    if backend == "daemon-client":
        kwargs["daemon_ipc"] = False
        backend = "daemon"
    return TypecheckSettings(backend=backend, cache_root=cache_root, daemon_idle_timeout=120, **kwargs)  # type: ignore[arg-type]


CLEAN = [
    (0, "import os\nfrom pathlib import Path"),
    (2, "def area(w: float, h: float) -> float:\n    return w * h"),
    (3, "here = Path(os.getcwd())\nsize = area(2.0, 3.0)"),
    (5, "get_ipython().run_line_magic('matplotlib', 'inline')\ndisplay(size)"),
]


@pytest.mark.parametrize("backend", BACKENDS)
def test_error_free_notebook_has_no_errors(project: Path, cache_root: Path, backend: str) -> None:
    result = typecheck_cells(CLEAN, project, load_config(project), settings=settings_for(backend, cache_root))
    assert result.ran, result.message
    assert result.errors == []
    assert result.message is None


@pytest.mark.parametrize("backend", ALL_PATHS)
def test_error_maps_back_to_cell_and_line(project: Path, cache_root: Path, backend: str) -> None:
    cells = [*CLEAN[:2], (3, "here = Path(os.getcwd())\nsize: str = area(2.0, 3.0)"), CLEAN[3]]
    settings = settings_for(backend, cache_root)
    clean = typecheck_cells(CLEAN, project, load_config(project), settings=settings)  # cold, then warm
    assert clean.ran and clean.errors == []
    result = typecheck_cells(cells, project, load_config(project), settings=settings)
    assert result.ran, result.message
    assert len(result.errors) == 1
    err = result.errors[0]
    assert (err.cell, err.line, err.column) == (3, 2, 13)
    assert err.severity == "error"
    assert err.code == "assignment"
    assert "float" in err.message and "str" in err.message
    assert err.file is None


@pytest.mark.parametrize("backend", ALL_PATHS)
def test_same_size_edit_in_the_same_second_is_rechecked(
    project: Path, cache_root: Path, backend: str
) -> None:
    config = load_config(project)
    settings = settings_for(backend, cache_root)
    good = [(0, "x: int = 1")]
    bad = [(0, "x: str = 1")]  # same size as `good`
    assert len(good[0][1]) == len(bad[0][1])
    typecheck_cells([(0, "warm: int = 0")], project, config, settings=settings)  # worker warm
    for _attempt in range(10):
        # start right after a second boundary so both writes share one wall-clock second
        time.sleep(1.02 - (time.time() % 1.0))
        second = int(time.time())
        first = typecheck_cells(good, project, config, settings=settings)
        # the virtual module is written first thing in the call: same second as the first write?
        same_second = int(time.time()) == second
        after = typecheck_cells(bad, project, config, settings=settings)
        if same_second:
            break
    else:
        pytest.skip("could not start two type checks within one second on this machine")
    assert first.ran and first.errors == []
    assert after.ran, after.message
    assert [(e.cell, e.line, e.code) for e in after.errors] == [(0, 1, "assignment")]


def test_mypy_itself_trusts_same_size_same_mtime(tmp_path: Path) -> None:
    """Why write_if_changed moves the mtime: without it mypy serves a stale result."""
    module = tmp_path / "m.py"
    cache = tmp_path / ".mypy_cache"
    argv = [sys.executable, "-m", "mypy", "--cache-dir", str(cache), "--no-error-summary", str(module)]
    module.write_text("x: int = 1\n", encoding="utf-8")
    stamp = int(time.time())
    os.utime(module, (stamp, stamp))
    assert subprocess.run(argv, capture_output=True, text=True, timeout=120).returncode == 0
    module.write_text("x: str = 1\n", encoding="utf-8")
    os.utime(module, (stamp + 0.5, stamp + 0.5))  # same whole second, same size
    stale = subprocess.run(argv, capture_output=True, text=True, timeout=120)
    assert stale.returncode == 0, "mypy now notices same-second edits; the mtime bump could go"


def test_write_if_changed_moves_mtime_to_a_later_second(tmp_path: Path) -> None:
    path = tmp_path / "m.py"
    assert write_if_changed(path, "a = 1\n")
    first = int(path.stat().st_mtime)
    assert not write_if_changed(path, "a = 1\n")
    assert int(path.stat().st_mtime) == first
    assert write_if_changed(path, "a = 2\n")
    assert int(path.stat().st_mtime) >= first + 1


@pytest.mark.parametrize("backend", ALL_PATHS)
def test_project_mypy_config_is_honoured(project: Path, cache_root: Path, backend: str) -> None:
    cells = [(0, "def double(a):\n    return a * 2"), (1, "n = double(2)")]
    loose = typecheck_cells(cells, project, load_config(project), settings=settings_for(backend, cache_root))
    assert loose.ran and loose.errors == []
    (project / "pyproject.toml").write_text("[tool.mypy]\ndisallow_untyped_defs = true\n", encoding="utf-8")
    config = load_config(project)
    assert config.mypy_config_file == project.resolve() / "pyproject.toml"
    strict = typecheck_cells(cells, project, config, settings=settings_for(backend, cache_root))
    assert strict.ran, strict.message
    assert [(e.cell, e.line, e.code) for e in strict.errors] == [(0, 1, "no-untyped-def")]


@pytest.mark.parametrize("backend", BACKENDS)
def test_project_packages_resolve_and_their_errors_name_the_file(
    project: Path, cache_root: Path, backend: str
) -> None:
    pkg = project / "src" / "tools"
    pkg.mkdir(parents=True)
    (pkg / "__init__.py").write_text("", encoding="utf-8")
    (pkg / "maths.py").write_text(
        "def add(a: int, b: int) -> int:\n    return a + b\n\n\nbroken: int = 'x'\n", encoding="utf-8"
    )
    (project / "helpers.py").write_text("def greet(name: str) -> str:\n    return name\n", encoding="utf-8")
    cells = [
        (0, "from tools.maths import add\nfrom helpers import greet"),
        (1, "total: str = add(1, 2)\ngreet(3)"),
    ]
    result = typecheck_cells(cells, project, load_config(project), settings=settings_for(backend, cache_root))
    assert result.ran, result.message
    in_cells = sorted((e.cell, e.line, e.code) for e in result.errors if e.cell is not None)
    assert in_cells == [(1, 1, "assignment"), (1, 2, "arg-type")]
    elsewhere = [(e.file, e.line, e.code) for e in result.errors if e.cell is None]
    assert elsewhere == [("src/tools/maths.py", 5, "assignment")]


def test_check_module_file_reports_module_lines(project: Path, cache_root: Path) -> None:
    module = project / "src" / "pkg" / "mod.py"
    module.parent.mkdir(parents=True)
    (module.parent / "__init__.py").write_text("", encoding="utf-8")
    module.write_text("import os\n\n\ndef where() -> int:\n    return os.getcwd()\n", encoding="utf-8")
    result = check_module_file(
        module, project, load_config(project), settings=settings_for("daemon", cache_root)
    )
    assert result.ran, result.message
    assert [(e.cell, e.line, e.module_line, e.file, e.code) for e in result.errors] == [
        (None, 5, 5, "src/pkg/mod.py", "return-value")
    ]


@pytest.mark.parametrize("backend", BACKENDS)
def test_missing_mypy_is_reported_not_raised(project: Path, cache_root: Path, backend: str) -> None:
    settings = settings_for(
        backend, cache_root, mypy_command=("/nonexistent/mypy",), dmypy_command=("/nonexistent/dmypy",)
    )
    result = typecheck_cells(CLEAN, project, load_config(project), settings=settings)
    assert not result.ran
    assert result.errors == []
    assert result.message is not None and "could not run" in result.message
    assert "/nonexistent/" in result.message and "\n" not in result.message


def test_python_without_mypy_is_reported(project: Path, cache_root: Path) -> None:
    # a real interpreter that has no mypy module (exit 1, no messages)
    settings = settings_for(
        "mypy", cache_root, mypy_command=(sys.executable, "-I", "-m", "no_such_mypy_module")
    )
    result = typecheck_cells(CLEAN, project, load_config(project), settings=settings)
    assert not result.ran
    assert result.message is not None and "no_such_mypy_module" in result.message


HEAVY = "import asyncio\nimport unittest\nimport http.server\nimport email.mime.multipart\nimport logging.handlers"


@pytest.mark.parametrize("backend", ALL_PATHS)
def test_timeout_is_reported_not_raised(project: Path, cache_root: Path, backend: str) -> None:
    config = load_config(project)
    if backend != "mypy":
        warm = typecheck_cells(CLEAN, project, config, settings=settings_for(backend, cache_root))
        assert warm.ran
    started = time.monotonic()
    # new imports make even the warm daemon load and check many modules: far over 20 ms
    result = typecheck_cells(
        [(0, HEAVY), (1, "value: int = 3")],
        project,
        config,
        settings=settings_for(backend, cache_root, timeout=0.02),
    )
    assert time.monotonic() - started < 20
    assert not result.ran, result
    assert result.message is not None and "longer than 0.02 s" in result.message
    # and the next normal call works again
    again = typecheck_cells(CLEAN, project, config, settings=settings_for(backend, cache_root))
    assert again.ran and again.errors == []


def test_hung_tool_is_killed_on_timeout(project: Path, cache_root: Path) -> None:
    hang = (sys.executable, "-c", "import sys, time\nif '--help' in sys.argv: sys.exit(0)\ntime.sleep(60)")
    settings = settings_for("mypy", cache_root, mypy_command=hang, timeout=1.0)
    started = time.monotonic()
    result = typecheck_cells(CLEAN, project, load_config(project), settings=settings)
    assert time.monotonic() - started < 10
    assert not result.ran and result.message is not None and "longer than 1 s" in result.message


def test_a_joint_check_of_many_notebooks_waits_a_few_timeouts_not_one_each(project: Path, cache_root: Path) -> None:
    """The CLI's joint mypy run over 10 notebooks waited 10 notebooks' timeouts for a hung mypy before each
    notebook was checked alone anyway; it waits at most JOINT_TIMEOUT_SCALE (4) of them and keeps no answer."""
    hang = (sys.executable, "-c", "import sys, time\nif '--help' in sys.argv: sys.exit(0)\ntime.sleep(60)")
    settings = settings_for("mypy", cache_root, mypy_command=hang, timeout=0.5)
    config = load_config(project)
    requests = [
        batch.Request(((0, f"v{n}: int = {n}"),), project, config, f"nb{n}.ipynb", settings, None) for n in range(10)
    ]
    started = time.monotonic()
    typecheck.typecheck_notebooks(requests)
    waited = time.monotonic() - started
    assert 1.9 < waited < 3.9, waited  # 4 x 0.5 s, not 10 x 0.5 s
    assert [batch.take(r) for r in requests] == [None] * 10


def test_concurrent_requests_on_one_project_are_serialised(project: Path, cache_root: Path) -> None:
    config = load_config(project)
    settings = settings_for("daemon", cache_root)
    results: list[typecheck.TypeCheckResult] = []

    def work(n: int) -> None:
        results.append(
            typecheck_cells([(0, f"v: int = {n}")], project, config, name="nb.ipynb", settings=settings)
        )

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(results) == 4 and all(r.ran and r.errors == [] for r in results)


def test_cache_lives_outside_the_project(project: Path, cache_root: Path) -> None:
    typecheck_cells(CLEAN, project, load_config(project), settings=settings_for("mypy", cache_root))
    assert sorted(p.name for p in project.iterdir()) == ["pyproject.toml"]
    folder = typecheck.cache_dir_for(project, settings_for("mypy", cache_root))
    assert folder.parent == cache_root
    assert (folder / ".mypy_cache").is_dir()


def test_default_cache_root_follows_xdg(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert typecheck.cache_root() == tmp_path / "xdg" / "jupyter_prod"


def test_virtual_module_line_map_and_skipped_cells() -> None:
    module = build_virtual_module([(1, "a = 1\nb = 2"), (4, "c = ("), (6, "await thing()\n")])
    assert module.skipped_cells == [4]
    body = [m for m in module.line_map if m is not None]
    assert body == [(1, 1), (1, 2), (4, 1), (6, 1), (6, 2)]
    lines = module.text.split("\n")
    first_body = module.line_map.index((1, 1))
    assert lines[first_body] == "a = 1"
    assert lines[module.line_map.index((4, 1))] == ""
    # IPython's globals are declared unless a cell binds them
    assert "get_ipython" in module.text
    bound = build_virtual_module(
        [(0, "from IPython.display import display\nfrom IPython import get_ipython")]
    )
    assert bound.line_map[0] == (0, 1)


def test_syntax_error_cell_does_not_stop_the_check(project: Path, cache_root: Path) -> None:
    cells = [(0, "x = ("), (1, "y: int = 'no'"), (2, "import asyncio\nawait asyncio.sleep(0)")]
    result = typecheck_cells(cells, project, load_config(project), settings=settings_for("mypy", cache_root))
    assert result.ran, result.message
    assert result.skipped_cells == [0]
    assert [(e.cell, e.line, e.code) for e in result.errors] == [(1, 1, "assignment")]


def test_unwritable_cache_is_reported_not_raised(project: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("", encoding="utf-8")
    settings = settings_for("mypy", blocker / "cache")
    result = typecheck_cells(CLEAN, project, load_config(project), settings=settings)
    assert not result.ran
    assert result.message is not None and "cache folder" in result.message


def _daemon_pid(cache_root: Path) -> int:
    (status,) = cache_root.glob("*/dmypy.json")
    pid = json.loads(status.read_text(encoding="utf-8"))["pid"]
    assert isinstance(pid, int)
    return pid


def test_promotion_preview_reuses_the_notebooks_warm_daemon(project: Path, cache_root: Path) -> None:
    # Run alone, a preview's module was another file set for the daemon: a fresh daemon, a cold build of
    # every library it imports (IPython: 5 s), and the next readiness check cold again. Checked beside the
    # notebook's loaded modules, both are incremental updates of one daemon.
    settings = settings_for("daemon", cache_root)
    config = load_config(project)
    cells = [(0, "import json"), (1, "bad: int = json.dumps(1)")]
    first = typecheck_cells(cells, project, config, name="nb.ipynb", settings=settings)
    assert [(e.cell, e.code) for e in first.errors] == [(1, "assignment")]
    pid = _daemon_pid(cache_root)
    module = 'import json\n\n\ndef load(text: str) -> int:\n    return json.dumps(text)\n'
    lmap: list[tuple[int, int] | None] = [(0, 1), None, None, (1, 1), (1, 2)]
    for target in ("pkg/a.py", "pkg/b.py", "pkg/a.py"):
        answer, ours = check_module(module, target, project, config, lmap, settings)
        assert answer["ran"], answer["message"]
        assert [(e["module_line"], e["cell"]) for e in answer["errors"]] == [(5, 1)], answer["errors"]
        assert ours == []
        assert _daemon_pid(cache_root) == pid, f"the daemon was restarted for the preview of {target}"
    again = typecheck_cells(cells, project, config, name="nb.ipynb", settings=settings)
    assert [(e.cell, e.code) for e in again.errors] == [(1, "assignment")]
    assert not any(e.file for e in again.errors), again.errors
    assert _daemon_pid(cache_root) == pid, "the daemon was restarted for the readiness check after the previews"


def test_a_syntax_error_beside_the_preview_checks_it_alone(project: Path, cache_root: Path) -> None:
    """mypy stops at a file it cannot parse: a preview checked beside such a module is checked again alone,
    never answered "no errors" unchecked (a cell module is damaged on disk to make one)."""
    settings = settings_for("daemon", cache_root)
    config = load_config(project)
    first = typecheck_cells([(0, "a = 1"), (1, "b = a + 1")], project, config, name="nb.ipynb", settings=settings)
    assert first.ran and first.errors == []
    (module,) = [p for p in cache_root.glob("*/nb_*/*.py") if "b = a + 1" in p.read_text(encoding="utf-8")]
    module.write_text("b = (\n", encoding="utf-8")
    answer, _ = check_module("def load() -> int:\n    return 'x'\n", "pkg/a.py", project, config, [None, None], settings)
    assert answer["ran"], answer["message"]
    assert [(e["module_line"], e["message"]) for e in answer["errors"]] == [
        (2, 'Incompatible return value type (got "str", expected "int")  [return-value]')
    ]
