"""Server configuration for the galata integration tests.

Never use this configuration in production: it disables authentication and
exposes JupyterLab's JavaScript objects through the global window variable.

The server root is a fresh, real git repository (``JP_PROD_UI_ROOT``, set by
playwright.config.js, else a temporary folder) with its own identity in
``.git/config``; ``noident/`` is a second repository whose config sets
``user.useConfigOnly`` and no identity. The server's ``HOME`` is an empty
folder and the system git config is off, so no identity leaks in from the
machine: the missing-identity path is real.
"""

import asyncio
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, cast

from jupyter_server.services.contents.largefilemanager import AsyncLargeFileManager
from jupyterlab.galata import configure_jupyter_server
from tornado.web import HTTPError

configure_jupyter_server(c)  # type: ignore[name-defined]  # noqa: F821

HERE = Path(__file__).resolve().parent
ROOT = Path(os.environ.get("JP_PROD_UI_ROOT") or tempfile.mkdtemp(prefix="jp-prod-ui-"))
HOME = ROOT.parent / f"{ROOT.name}-home"

for folder in (ROOT, HOME):
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)

# the Python that runs the server (and its kernels), for the tests to run the same one (helpers.ts)
(ROOT.parent / f"{ROOT.name}.python").write_text(sys.executable, encoding="utf-8")

os.environ["HOME"] = str(HOME)
os.environ["XDG_CONFIG_HOME"] = str(HOME / ".config")
os.environ["GIT_CONFIG_NOSYSTEM"] = "1"
for name in (
    "GIT_AUTHOR_NAME",
    "GIT_AUTHOR_EMAIL",
    "GIT_COMMITTER_NAME",
    "GIT_COMMITTER_EMAIL",
    "EMAIL",
    "GIT_CONFIG_GLOBAL",
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
):
    os.environ.pop(name, None)


def git(*args: str, cwd: Path) -> None:
    subprocess.run(["git", *args], cwd=cwd, check=True, timeout=60, capture_output=True)


git("init", "-q", "-b", "main", cwd=ROOT)
git("config", "user.name", "Galata Tester", cwd=ROOT)
git("config", "user.email", "galata@example.invalid", cwd=ROOT)
git("config", "commit.gpgsign", "false", cwd=ROOT)
(ROOT / ".gitignore").write_text(".ipynb_checkpoints/\n__pycache__/\n.mypy_cache/\n", encoding="utf-8")
git("add", ".gitignore", cwd=ROOT)
git("commit", "-q", "-m", "Initial commit", cwd=ROOT)

# the test notebooks also in smoke/ (the base_url smoke test opens them there)
shutil.copytree(HERE / "notebooks", ROOT / "smoke")

NOIDENT = ROOT / "noident"
NOIDENT.mkdir()
git("init", "-q", "-b", "main", cwd=NOIDENT)
git("config", "user.useConfigOnly", "true", cwd=NOIDENT)
shutil.copy(HERE / "notebooks" / "commit.ipynb", NOIDENT / "identity.ipynb")

# a repository whose pre-commit hook fails with a multi-line report
HOOKED = ROOT / "hooked"
HOOKED.mkdir()
git("init", "-q", "-b", "main", cwd=HOOKED)
git("config", "user.name", "Galata Tester", cwd=HOOKED)
git("config", "user.email", "galata@example.invalid", cwd=HOOKED)
hook = HOOKED / ".git" / "hooks" / "pre-commit"
hook.write_text(
    "#!/bin/sh\n"
    "echo 'lint: checking notebooks'\n"
    "printf '  line with  two  spaces\\n\\ttabbed line\\n'\n"
    "echo 'lint: 1 problem found'\n"
    "exit 1\n",
    encoding="utf-8",
)
hook.chmod(0o755)
shutil.copy(HERE / "notebooks" / "commit.ipynb", HOOKED / "hooked.ipynb")


def refuse_marked_saves(model: object, path: str, contents_manager: object, **kwargs: object) -> None:
    """Refuse to save a file beside which a test put ``<name>.refuse-save``: a disk that refuses writes.

    The server runs as root, which file permissions do not stop; a pre-save hook's HTTPError is how
    the contents API itself rejects a save (the answer JupyterLab shows).
    """
    if (ROOT / f"{path.strip('/')}.refuse-save").exists():
        raise HTTPError(507, "No space left on the device: the file was not saved.")


class MarkedReadOnlyContents(AsyncLargeFileManager):  # type: ignore[misc]
    """Say a file is read-only when a test put ``.<name>.read-only`` beside it.

    The server runs as root, for whom file permissions do not make a file read-only; the contents
    model's ``writable`` is what JupyterLab reads (its ``canSave``). The marker is hidden, so the
    file browser lists the file alone.
    """

    def is_writable(self, path: str) -> bool:
        file = ROOT / path.strip("/")
        if (file.parent / f".{file.name}.read-only").exists():
            return False
        return bool(super().is_writable(path))

    async def save(self, model: dict[str, Any], path: str = "") -> dict[str, Any]:
        """Answer a save a second after writing a file beside which a test put ``<name>.slow-save``.

        A slow disk, a big notebook or a jupytext pair: the file on disk is new while JupyterLab
        still waits for the answer, so a second save started meanwhile finds it changed (the
        "File Changed" race a Ctrl+S right after Promote ran into).
        """
        saved = await super().save(model, path)
        if (ROOT / f"{path.strip('/')}.slow-save").exists():
            await asyncio.sleep(1.0)
        return cast("dict[str, Any]", saved)


c.ServerApp.contents_manager_class = MarkedReadOnlyContents  # type: ignore[name-defined]  # noqa: F821
c.ContentsManager.pre_save_hook = refuse_marked_saves  # type: ignore[name-defined]  # noqa: F821
c.ServerApp.root_dir = str(ROOT)  # type: ignore[name-defined]  # noqa: F821
c.ServerApp.ip = "127.0.0.1"  # type: ignore[name-defined]  # noqa: F821
c.ServerApp.allow_root = True  # type: ignore[name-defined]  # noqa: F821
if os.environ.get("JP_PROD_UI_PORT"):
    c.ServerApp.port = int(os.environ["JP_PROD_UI_PORT"])  # type: ignore[name-defined]  # noqa: F821
if os.environ.get("JP_PROD_UI_BASE_URL"):
    c.ServerApp.base_url = os.environ["JP_PROD_UI_BASE_URL"]  # type: ignore[name-defined]  # noqa: F821
# c.ServerApp.log_level = "DEBUG"
