"""``/jupyter-prod/run``: reproducibility runs (POST runs, GET progress, DELETE cancels).

POST answers when the run ends (it can take minutes: the panel shows GET's
progress meanwhile). The run happens in a worker thread that drives a
subprocess, so the event loop is never blocked; closing the request cancels
the run. A second POST for a notebook that is running answers 409 (see
``execution.registry``).
"""

from __future__ import annotations

from jupyter_server.auth.decorator import authorized
from tornado import web

from ..config import load_config
from ..errors import InputError
from ..execution.compare import DEFAULT_NORMALIZE, check_normalize
from ..execution.registry import REGISTRY, RunHandle, RunRegistry
from ..execution.runner import (
    DEFAULT_CELL_TIMEOUT,
    DEFAULT_TIMEOUT,
    check_kernel,
    check_timeouts,
    kernel_name_of,
    load_input,
    read_notebook,
)
from ..paths import relative_to_root
from ..wire import Normalization, RunRequest
from .base import ProdHandler, json_errors


def _seconds(value: float | None, default: float) -> float:
    return default if value is None else float(value)


def _normalize(value: list[Normalization] | None) -> frozenset[str]:
    if value is None:
        return DEFAULT_NORMALIZE
    try:
        return check_normalize(value)
    except ValueError as exc:
        raise InputError(str(exc)) from None


class RunHandler(ProdHandler):
    #: class attribute so tests (and a future config) can swap it
    registry: RunRegistry = REGISTRY
    _handle: RunHandle | None = None

    def _key_and_rel(self, rel: object, *, must_exist: bool) -> tuple[str, str]:
        path = self.resolve(rel, what="notebook path", must_exist=must_exist)
        return str(path), relative_to_root(self.root_dir, path)

    @web.authenticated
    @authorized(action="execute")
    @json_errors
    async def post(self) -> None:
        body = self.json_body(RunRequest)
        rel, path, content = self.notebook_target(body)
        timeout = _seconds(body.get("timeout"), DEFAULT_TIMEOUT)
        cell_timeout = _seconds(body.get("cell_timeout"), DEFAULT_CELL_TIMEOUT)
        check_timeouts(timeout, cell_timeout)
        normalize = _normalize(body.get("normalize"))
        display = relative_to_root(self.root_dir, path)
        if content is not None:
            model = await self.in_thread(load_input, content, display)
        else:
            model = await self.in_thread(read_notebook, path, display)
        await self.in_thread(check_kernel, kernel_name_of(model))
        config = await self.in_thread(load_config, path.parent, self.root_dir)

        handle = self.registry.claim(str(path))
        self._handle = handle
        try:
            report = await self.in_thread(
                self.registry.run,
                handle,
                model,
                cwd=path.parent,
                path=display,
                timeout=timeout,
                cell_timeout=cell_timeout,
                normalize=normalize,
                exact_outputs=config.exact_outputs,
            )
        finally:
            self._handle = None
        self.finish_json(report)

    def on_connection_close(self) -> None:
        """The browser went away: nobody will read the answer, stop the kernel."""
        if self._handle is not None:
            self._handle.cancel()
        super().on_connection_close()

    @web.authenticated
    @authorized(action="execute")
    @json_errors
    async def get(self) -> None:
        key, _ = self._key_and_rel(self.get_query_argument("path", ""), must_exist=False)
        self.finish_json(self.registry.progress(key))

    @web.authenticated
    @authorized(action="execute")
    @json_errors
    async def delete(self) -> None:
        key, _ = self._key_and_rel(self.get_query_argument("path", ""), must_exist=False)
        cancelled = self.registry.cancel(key)
        self.finish_json({"cancelled": cancelled, **self.registry.progress(key)})
