"""Build the wheel and check it carries everything `pip install` needs.

The wheel must hold the prebuilt labextension and the server-config file, so
that `pip install jupyter_prod_ext-*.whl` alone enables both, with no Node.js.
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
NEEDED = [
    "data/share/jupyter/labextensions/jupyter-prod-ext/package.json",
    "data/share/jupyter/labextensions/jupyter-prod-ext/install.json",
    "data/share/jupyter/labextensions/jupyter-prod-ext/static/style.js",
    "data/share/jupyter/labextensions/jupyter-prod-ext/schemas/jupyter-prod-ext/plugin.json",
    "data/etc/jupyter/jupyter_server_config.d/jupyter_prod_ext.json",
]

with tempfile.TemporaryDirectory() as out:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", out, str(ROOT)],
        check=True,
        timeout=900,
    )
    wheels = list(Path(out).glob("jupyter_prod_ext-*.whl"))
    if len(wheels) != 1:
        sys.exit(f"check_wheel: expected one wheel, got {wheels}")
    names = zipfile.ZipFile(wheels[0]).namelist()
    missing = [n for n in NEEDED if not any(name.endswith(n) for name in names)]
    if "jupyter_prod_ext/__init__.py" not in names:
        missing.append("jupyter_prod_ext/__init__.py")
    if any("/node_modules/" in n or n.startswith("tests/") for n in names):
        sys.exit("check_wheel: the wheel carries node_modules or tests")
    if missing:
        sys.exit("check_wheel: the wheel lacks " + ", ".join(missing))
    print(f"check_wheel: {wheels[0].name} carries the labextension and the server config ({len(names)} files)")
