"""Shared fixtures: a real jupyter_server with our extension, requiring auth."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

import pytest

from .gitutil import isolated_git_home, new_repo
from .installed import PACKAGE_DIR
from .wire_answers import checked_fetch

pytest_plugins = ("pytest_jupyter.jupyter_server",)

#: Real notebooks from other projects, kept in the repository so a clone alone runs the suite
#: (sources and licences: tests/data/README.md).
CORPUS = Path(__file__).resolve().parent / "data" / "corpus"


def pytest_report_header() -> str:
    return f"jupyter_prod_ext under test: {PACKAGE_DIR}"


def pytest_sessionstart(session: pytest.Session) -> None:
    """scripts/test.sh sets JUPYTER_PROD_TEST_INSTALLED: then a checkout on sys.path must not shadow the wheel."""
    if os.environ.get("JUPYTER_PROD_TEST_INSTALLED") and not PACKAGE_DIR.is_relative_to(Path(sys.prefix).resolve()):
        raise pytest.UsageError(f"testing {PACKAGE_DIR}, not the wheel installed in {sys.prefix}")


@pytest.fixture
def jp_server_config(jp_server_config):  # type: ignore[no-untyped-def]
    return {
        "ServerApp": {
            "jpserver_extensions": {"jupyter_prod_ext": True},
            "allow_unauthenticated_access": False,
        }
    }


@pytest.fixture
def jp_fetch(jp_fetch):  # type: ignore[no-untyped-def]
    """pytest-jupyter's, checking every answer of our routes against the wire contract (wire_answers.py)."""
    return checked_fetch(jp_fetch)


@pytest.fixture
def corpus_dir() -> Path:
    return CORPUS


@pytest.fixture
def copy_corpus(tmp_path: Path, corpus_dir: Path) -> Path:
    """A writable copy of the corpus (the original is read-only data)."""
    dest = tmp_path / "corpus"
    shutil.copytree(corpus_dir, dest)
    return dest


@pytest.fixture
def git_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Git with a HOME of the test's own (:func:`gitutil.isolated_git_home`); a module of git tests asks
    it for every test: ``pytestmark = pytest.mark.usefixtures("git_home")``."""
    return isolated_git_home(tmp_path, monkeypatch)


@pytest.fixture
def repo(git_home: Path, tmp_path: Path) -> Path:
    """``tmp_path/repo``, a new repository with nothing committed yet (``main`` unborn); a module whose
    tests want another one defines its own ``repo``."""
    return new_repo(tmp_path)


@pytest.fixture(autouse=True, scope="session")
def _stop_type_checkers():  # type: ignore[no-untyped-def]
    """mypy daemons started by any test end with the session, not 30 minutes later."""
    yield
    from jupyter_prod_ext import typecheck

    typecheck.shutdown_workers()
