"""Which jupyter_prod_ext the suite tests, and how a child process imports that same one.

`scripts/test.sh` runs the suite against the built wheel installed in a fresh venv per Python
version, from a copy of the repository without the package, so nothing here may assume the
package sits beside `tests/`: in development it is the checkout, in those runs site-packages.
"""

from __future__ import annotations

import os
from pathlib import Path

import jupyter_prod_ext

#: the package directory the tests import (``.../jupyter_prod_ext``)
PACKAGE_DIR = Path(jupyter_prod_ext.__file__).resolve().parent


def child_env(**extra: str) -> dict[str, str]:
    """Environment for a child Python that must import the package under test, not another copy."""
    return {**os.environ, "PYTHONPATH": str(PACKAGE_DIR.parent), **extra}
