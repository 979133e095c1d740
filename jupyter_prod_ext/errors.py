"""One exception type per failure family.

The engine raises these; the server maps each family to one HTTP status in
``server/base.py`` and the CLI maps them to exit codes in ``cli/main.py``.
Every message is a single line that says what is wrong and what to do, so it
can be shown as-is in a notification or on stderr.
"""

from __future__ import annotations


class ProdError(Exception):
    """Base of every error the engine reports to a user."""

    #: HTTP status the server answers with; the CLI exits 2 for these.
    status = 400
    kind = "error"

    def __init__(self, message: str) -> None:
        # Collapse to one line: users see this verbatim in a toast or on stderr.
        super().__init__(" ".join(str(message).split()))

    @property
    def message(self) -> str:
        return str(self.args[0]) if self.args else ""


class InputError(ProdError):
    """The request or the command line is malformed (bad JSON, wrong types)."""

    status = 400
    kind = "input"


class NotebookError(ProdError):
    """A notebook cannot be read: not JSON, invalid nbformat, not Python."""

    status = 422
    kind = "notebook"


class NotPythonError(NotebookError):
    """A notebook whose language is not Python: skipped with a note when a folder is searched."""

    @property
    def details(self) -> dict[str, str] | None:
        """The reason the panel reads: a note that the checks do not apply, not an error toast on every
        R or Julia notebook opened (``wire.NotPythonDetails``)."""
        return {"reason": "not-python"}


class PathError(ProdError):
    """A path leaves the allowed root, is hidden, or is not a valid target."""

    status = 403
    kind = "path"


class NotFoundError(ProdError):
    """A file or repository that the request names does not exist."""

    status = 404
    kind = "not-found"


class TooLargeError(ProdError):
    """A request body or notebook is over the configured limit."""

    status = 413
    kind = "too-large"


class ConflictError(ProdError):
    """Writing would lose someone's work (drift, hand edits, a held lock)."""

    status = 409
    kind = "conflict"


class RefusedError(ProdError):
    """An operation was refused on purpose (readiness gate, hook failure).

    ``details`` carries the structured reason (findings, hook output) so the UI
    can show it in full while ``message`` stays one line.
    """

    status = 409
    kind = "refused"

    def __init__(self, message: str, details: object | None = None) -> None:
        super().__init__(message)
        self.details = details


class GitError(ProdError):
    """git failed or the repository is in a state we cannot work in."""

    status = 409
    kind = "git"


class ToolError(ProdError):
    """An external tool (black, mypy, a kernel) is missing, crashed or timed out."""

    status = 503
    kind = "tool"


class ConfigError(ProdError):
    """``[tool.jupyter-prod]`` or another project config file is invalid."""

    status = 422
    kind = "config"
