"""Check the built wheel carries everything `pip install` needs.

The wheel must hold the prebuilt labextension and the server-config file, so
that `pip install jupyter_prod_ext-*.whl` alone enables both, with no Node.js.
"""

from __future__ import annotations

import sys
import zipfile
from pathlib import Path

NEEDED = [
    "data/share/jupyter/labextensions/jupyter-prod-ext/package.json",
    "data/share/jupyter/labextensions/jupyter-prod-ext/install.json",
    "data/share/jupyter/labextensions/jupyter-prod-ext/static/style.js",
    "data/share/jupyter/labextensions/jupyter-prod-ext/schemas/jupyter-prod-ext/plugin.json",
    "data/etc/jupyter/jupyter_server_config.d/jupyter_prod_ext.json",
]

if len(sys.argv) != 2 or not sys.argv[1].endswith(".whl"):
    sys.exit("usage: python scripts/check_wheel.py WHEEL (scripts/build-wheel.sh builds it)")
wheel = Path(sys.argv[1])
names = zipfile.ZipFile(wheel).namelist()
missing = [n for n in NEEDED if not any(name.endswith(n) for name in names)]
if "jupyter_prod_ext/__init__.py" not in names:
    missing.append("jupyter_prod_ext/__init__.py")
if any("/node_modules/" in n or n.startswith("tests/") for n in names):
    sys.exit("check_wheel: the wheel carries node_modules or tests")
if missing:
    sys.exit("check_wheel: the wheel lacks " + ", ".join(missing))
print(f"check_wheel: {wheel.name} carries the labextension and the server config ({len(names)} files)")
