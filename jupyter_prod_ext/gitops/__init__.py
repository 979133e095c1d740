"""Git for notebooks: commit a notebook and its modules in one step, and report status.

Plain Python over the ``git`` executable (argv lists, no shell, a timeout on
every process); shared by the server routes and the CLI.
"""

from __future__ import annotations

from .commit import CommitResultDict, commit_notebook, init_repository, strip_notebook_text
from .gate import gate
from .status import StatusDict, repo_status

__all__ = [
    "CommitResultDict",
    "StatusDict",
    "commit_notebook",
    "gate",
    "init_repository",
    "repo_status",
    "strip_notebook_text",
]
