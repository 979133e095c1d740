#!/usr/bin/env bash
# Set up a development environment in .venv: Python packages, the frontend build,
# and the extension installed (editable) into JupyterLab. Idempotent and quick when
# nothing changed. Used by demo.sh, test.sh and .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=${JUPYTER_PROD_VENV:-$ROOT/.venv}

node_version=$( (command -v node >/dev/null 2>&1 && node --version) 2>/dev/null || true)
node_major=${node_version#v}
node_major=${node_major%%.*}
if ! [ "${node_major:-0}" -ge 18 ] 2>/dev/null; then
  echo "setup: Node.js 18+ is needed to build the JupyterLab extension (found ${node_version:-none}); install it (e.g. 'apt-get install nodejs npm')." >&2
  exit 2
fi

# the checkout holds what setup makes (node_modules, the built frontend, and .venv by default)
if [ ! -w "$ROOT" ] || { [ -e "$ROOT/jupyter_prod_ext" ] && [ ! -w "$ROOT/jupyter_prod_ext" ]; }; then
  echo "setup: cannot write in $ROOT (setup builds there); clone the repository where you can write, or give yourself write access" >&2
  exit 2
fi

bash scripts/make-venv.sh "$VENV"
PY="$VENV/bin/python"
export PATH="$VENV/bin:$PATH"

stamp="$VENV/.jupyter-prod-setup"
want=$(cat pyproject.toml package.json yarn.lock 2>/dev/null | sha256sum | cut -c1-16)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ]; then
  echo "setup: installing Python packages"
  "$PY" -m pip install -q --upgrade pip
  # build requirements first, so the editable install can run without isolation
  "$PY" -m pip install -q "hatchling>=1.5" "editables" "hatch-nodejs-version>=0.3.2" "hatch-jupyter-builder>=0.10" "jupyter-builder>=1.2,<2" "jupyterlab>=4.6,<5"
  bash scripts/build-frontend.sh
  # pip copies the editable wheel's labextension into $VENV/share, where the develop step below
  # links to the checkout's build: through that link pip rewrote the built frontend in place, so
  # after a change to pyproject.toml or package.json the next run rebuilt it (and test.sh stopped
  # on "rebuilt an unchanged frontend"). The link goes first; the develop step makes it again.
  link="$VENV/share/jupyter/labextensions/jupyter-prod-ext"
  [ ! -L "$link" ] || rm "$link"
  "$PY" -m pip install -q --no-build-isolation -e ".[dev,test,bench]"
  echo "$want" > "$stamp"
else
  bash scripts/build-frontend.sh
fi

# the development copy of the frontend is what JupyterLab loads (each step only when not done yet:
# both start a Python that imports JupyterLab)
if [ "$(readlink "$VENV/share/jupyter/labextensions/jupyter-prod-ext" 2>/dev/null)" != "$ROOT/jupyter_prod_ext/labextension" ]; then
  # jupyter-builder's develop (JupyterLab's `labextension develop` says it is deprecated for it); its
  # "Installing ... Symlinking ..." shown only when it fails
  out=$("$VENV/bin/jupyter-builder" develop --overwrite . 2>&1) || { echo "$out" >&2; exit 1; }
fi
if ! grep -qs '"jupyter_prod_ext": true' "$VENV/etc/jupyter/jupyter_server_config.d/jupyter_prod_ext.json"; then
  "$VENV/bin/jupyter" server extension enable --sys-prefix jupyter_prod_ext >/dev/null
fi
echo "setup: ready ($("$PY" -c 'import jupyter_prod_ext; print(jupyter_prod_ext.__version__)'))"
