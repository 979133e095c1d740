#!/usr/bin/env bash
# Set up if needed, copy the demo project to a scratch git repository (.demo/, gitignored, or
# DEMO_DIR; scripts/demo-copy.sh), and open JupyterLab on it at http://127.0.0.1:${PORT:-8888}/lab.
# A second run reopens the same copy with the user's changes; delete it to start over.
set -euo pipefail
WORK=${DEMO_DIR:-}
case $WORK in "" | /*) ;; *) WORK=$PWD/$WORK ;; esac  # a relative DEMO_DIR is where it was given
cd "$(dirname "$0")/.."
ROOT=$PWD
WORK=${WORK:-$ROOT/.demo}
bash scripts/setup.sh
VENV=${JUPYTER_PROD_VENV:-$ROOT/.venv}
# Jupyter keeps its runtime files (server info, kernel connection files) under $HOME: say so in
# one line when it cannot write there, rather than let jupyter lab stop on a traceback
runtime=$("$VENV/bin/jupyter" --runtime-dir)
if ! mkdir -p "$runtime" 2>/dev/null || [ ! -w "$runtime" ]; then
  echo "demo: Jupyter cannot write its runtime folder $runtime; make HOME writable or set JUPYTER_RUNTIME_DIR and JUPYTER_DATA_DIR to writable folders" >&2
  exit 2
fi

bash scripts/demo-copy.sh "$WORK" "$VENV/bin/python"

args=(--ip 127.0.0.1 --port "${PORT:-8888}" --ServerApp.root_dir="$WORK")
if [ "$(id -u)" = 0 ]; then args+=(--allow-root); fi
if [ -n "${DEMO_NO_BROWSER:-}" ]; then args+=(--no-browser); fi
# the notebook to open, unless the user renamed or deleted it in their copy
if [ -f "$WORK/churn_analysis.ipynb" ]; then
  args+=(churn_analysis.ipynb)
  # without a browser the user opens the printed address: make it the notebook's, not the Launcher's
  if [ -n "${DEMO_NO_BROWSER:-}" ]; then args+=(--LabApp.default_url=/lab/tree/churn_analysis.ipynb); fi
fi
cd "$WORK"
exec "$VENV/bin/jupyter" lab "${args[@]}" "$@"
