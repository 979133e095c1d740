#!/usr/bin/env bash
# Build the JupyterLab extension into jupyter_prod_ext/labextension.
# Idempotent: installs the locked node dependencies, then `jlpm build:prod`.
set -euo pipefail
cd "$(dirname "$0")/.."

# jlpm (JupyterLab's yarn) and jupyter-builder come from the Python environment.
VENV="${VENV:-.venv}"
if [ -x "$VENV/bin/jlpm" ]; then
  export PATH="$PWD/$VENV/bin:$PATH"
fi
if ! command -v jlpm >/dev/null 2>&1; then
  echo "build-frontend: jlpm not found; install jupyterlab (pip install -e '.[dev]')" >&2
  exit 2
fi

# shellcheck source=scripts/yarn-env.sh
source scripts/yarn-env.sh

if [ -s yarn.lock ]; then
  jlpm install --immutable
else
  jlpm install
fi
jlpm build:prod

test -f jupyter_prod_ext/labextension/static/style.js
test -f jupyter_prod_ext/labextension/package.json
echo "build-frontend: jupyter_prod_ext/labextension is built"
