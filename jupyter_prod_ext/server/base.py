"""Base handler: authentication, JSON in and out, one error mapping.

Every route subclasses :class:`ProdHandler`. Request bodies are read and checked
against the wire contract (``wire.py``) in one place, :meth:`ProdHandler.json_body`,
so a malformed body is always the same one-line 400. Engine errors (``errors.py``)
become a JSON body ``{"error", "kind", "details"}`` with the family's status;
anything else becomes a 500 with a one-line message (and a logged traceback),
never an HTML page with a stack trace.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any, TypeVar, cast

from jupyter_server.base.handlers import APIHandler
from tornado import web

from ..errors import InputError, ProdError, TooLargeError
from ..notebook import human_size
from ..paths import project_root as find_project_root
from ..paths import resolve_under
from ..typecheck import TypecheckSettings
from ..wire import CheckRequest, FormatRequest, PromoteRequest, RunRequest, validate
from .lanes import Lanes, lanes_of
from .settings import ServerSettings, server_settings

#: Largest request body we parse (a notebook with images can be big, but not this big).
#: Read at request time, so tests can lower it; ``c.JupyterProd.max_body_mib`` replaces it
#: (see ``server/settings.py``). Bodies above tornado's own
#: ``ServerApp.max_body_size`` (512 MiB by default) are cut off by tornado before we see them.
MAX_BODY_BYTES = 64 * 1024 * 1024

T = TypeVar("T")
Body = TypeVar("Body")
Handler = TypeVar("Handler", bound=Callable[..., Awaitable[None]])


def json_errors(method: Handler) -> Handler:
    """Turn engine errors into JSON answers; innermost decorator on each verb."""

    @functools.wraps(method)
    async def wrapper(self: ProdHandler, *args: Any, **kwargs: Any) -> None:
        try:
            await method(self, *args, **kwargs)
        except ProdError as exc:
            message = redact_root(exc.message, self.root_dir)
            self.finish_error(exc.status, message, exc.kind, getattr(exc, "details", None))
        except web.HTTPError:
            raise
        except Exception as exc:  # noqa: BLE001 - last resort: a 500 with one line, never a traceback page
            self.log.exception("jupyter-prod: unexpected error in %s", self.request.path)
            message = redact_root(" ".join(f"{type(exc).__name__}: {exc}".split()), self.root_dir)[:500]
            self.finish_error(500, f"Internal error in jupyter-prod ({message}); see the server log.", "internal", None)

    return wrapper  # type: ignore[return-value]


def redact_root(message: str, root: Path) -> str:
    """``message`` with the server root's absolute path taken out.

    The engine names paths relative to the root where it is told the root (``display``,
    ``display_root``); this is the net for the messages that still carry an absolute path
    (git's working folder, a lock file): a client must not learn where the server's files are.
    """
    for prefix in dict.fromkeys((str(root), os.path.realpath(root))):
        if len(prefix) <= 1:  # a server rooted at "/" has nothing to hide this way
            continue
        escaped = re.escape(prefix)
        message = re.sub(escaped + re.escape(os.sep) + r"(?=[^\s'\":;,)\]])", "", message)
        message = re.sub(escaped + r"(?![\w.-])", "the server root", message)
    return message


#: the request bodies that name a notebook (``path``, the editor's ``notebook``)
NotebookBody = CheckRequest | FormatRequest | PromoteRequest | RunRequest


class ProdHandler(APIHandler):
    """Shared plumbing of our routes."""

    auth_resource = "jupyter_prod"

    @property
    def root_dir(self) -> Path:
        root = getattr(self.contents_manager, "root_dir", None) or self.settings.get("server_root_dir", ".")
        return Path(str(root)).expanduser().resolve()

    @property
    def prod_settings(self) -> ServerSettings:
        """``c.JupyterProd.*`` as read when the extension loaded."""
        return server_settings(self.settings)

    @property
    def typecheck_settings(self) -> TypecheckSettings:
        return self.prod_settings.typecheck

    @property
    def allow_hidden(self) -> bool:
        return bool(getattr(self.contents_manager, "allow_hidden", False))

    def may(self, action: str) -> bool:
        """Whether the server's authorizer lets the current user do ``action`` on our resource.

        For decisions inside a route (a read-only user gets the fast checks only), where
        ``@authorized`` on the verb has already let the request in.
        """
        return bool(self.authorizer.is_authorized(self, self.current_user, action, self.auth_resource))

    def finish_error(self, status: int, message: str, kind: str, details: object | None) -> None:
        self.set_status(status)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"error": message, "kind": kind, "details": details}))

    def write_error(self, status_code: int, **kwargs: Any) -> None:
        """JSON for tornado-level errors too (403 from auth, 405, ...)."""
        exc_info = kwargs.get("exc_info")
        message = self._reason
        if exc_info is not None and isinstance(exc_info[1], web.HTTPError) and exc_info[1].log_message:
            message = str(exc_info[1].log_message)
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps({"error": message, "kind": "http", "details": None}))

    def json_body(self, shape: type[Body]) -> Body:
        """The request body as the wire contract's ``shape`` (a request TypedDict of ``wire.py``).

        Too large is a 413, not JSON or not an object a 400, a key of the wrong type a 400 naming it:
        each one line, before any file is looked up.
        """
        data = self._parsed_body()
        validate(data, shape)
        return cast(Body, data)

    def _parsed_body(self) -> dict[str, Any]:
        body = self.request.body or b""
        # read at call time (not bound at import) so a test or a deployment can lower it
        configured = self.prod_settings.max_body_bytes
        limit = configured if configured is not None else MAX_BODY_BYTES
        if len(body) > limit:
            raise TooLargeError(f"The request body is {human_size(len(body))}; the limit is {human_size(limit)}.")
        if not body.strip():
            return {}
        try:
            data = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InputError(f"The request body is not valid JSON ({exc}).") from None
        except RecursionError:
            raise InputError("The request body is JSON nested too deeply to read; send a flatter document.") from None
        if not isinstance(data, dict):
            raise InputError("The request body must be a JSON object.")
        return data

    def get_query_argument(self, name: str, *args: Any, **kwargs: Any) -> Any:
        """tornado's, but refusing control characters instead of turning them into spaces.

        tornado replaces ``\\x00``-``\\x1f`` with a space, so ``?path=nb%00.ipynb`` would
        silently become ``nb .ipynb``; a path with a NUL byte is refused everywhere else.
        """
        for raw in self.request.query_arguments.get(name, []):
            if any(b < 0x20 or b == 0x7F for b in raw):
                raise InputError(f"The query argument '{name}' contains a control character.")
        return super().get_query_argument(name, *args, **kwargs)

    def resolve(self, rel: object, *, what: str = "path", must_exist: bool = False) -> Path:
        if not isinstance(rel, str):
            raise InputError(f"'{what}' must be a string path relative to the server root.")
        return resolve_under(self.root_dir, rel, must_exist=must_exist, allow_hidden=self.allow_hidden, what=what)

    def notebook_target(self, body: NotebookBody) -> tuple[str, Path, dict[str, Any] | None]:
        """``path`` and the optional ``notebook`` (the editor's unsaved content) of a checked body.

        The path is confined to the root; without content the file must exist.
        """
        rel = body["path"]
        content = body.get("notebook")
        path = self.resolve(rel, what="notebook path", must_exist=content is None)
        return rel, path, content

    @property
    def lanes(self) -> Lanes:
        st = self.prod_settings
        return lanes_of(self.settings, st.slow_per_project, st.slow_queue)

    async def in_thread(self, fn: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run blocking engine work off the event loop, on our threads (never Jupyter's pool)."""
        return await self.lanes.fast(fn, *args, **kwargs)

    async def in_slow_lane(
        self, notebook: Path, fn: Callable[..., T], *args: Any, replaceable: bool = True, **kwargs: Any
    ) -> T:
        """Run black/mypy work in the notebook's project lane (bounded; see :mod:`.lanes`).

        ``replaceable``: a newer request of the same route for the same notebook replaces this one,
        waiting or running (a format does not replace a check).
        """
        project = str(find_project_root(notebook, self.root_dir))
        key = f"{self.request.path} {notebook}" if replaceable else None
        return await self.lanes.slow(project, key, fn, *args, **kwargs)

    def finish_json(self, payload: object) -> None:
        self.set_header("Content-Type", "application/json")
        self.finish(json.dumps(payload))

