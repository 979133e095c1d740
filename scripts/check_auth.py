"""Fail if any route of the extension answers without authentication.

With unauthenticated access disallowed, jupyter_server warns about every
handler method that lacks an authentication decorator; this turns such a
warning into a failure (the extension template's CI check).
"""

import sys
import warnings

from jupyter_server.serverapp import ServerApp
from jupyter_server.utils import JupyterServerAuthWarning

app = ServerApp(
    allow_unauthenticated_access=False,
    jpserver_extensions={"jupyter_prod_ext": True},
    reraise_server_extension_failures=True,
)
with warnings.catch_warnings(record=True) as records:
    warnings.simplefilter("always")
    app.initialize(argv=[], find_extensions=False, new_httpserver=False)

problems = [str(r.message) for r in records if issubclass(r.category, JupyterServerAuthWarning)]
routes = [
    pattern
    for rules in app.web_app.default_router.rules
    for spec in getattr(rules.target, "rules", [])
    for pattern in [getattr(getattr(spec, "matcher", None), "regex", None)]
    if pattern is not None and "jupyter-prod" in pattern.pattern
]
if not routes:
    sys.exit("check_auth: no jupyter-prod route is registered: the extension did not load.")
if problems:
    sys.exit("\n".join(problems) + "\n\nEvery verb needs @web.authenticated (then @authorized).")
print(f"check_auth: all {len(routes)} jupyter-prod routes require authentication.")
