#!/usr/bin/env bash
# Set up if needed, copy the demo project to a scratch git repository, and open
# JupyterLab on it at http://127.0.0.1:${PORT:-8888}/lab.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
bash scripts/setup.sh
VENV=${JUPYTER_PROD_VENV:-$ROOT/.venv}

WORK=${DEMO_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/jupyter-prod-demo.XXXXXX")}
mkdir -p "$WORK"
cp -R demo/. "$WORK/"
(
  cd "$WORK"
  if [ ! -d .git ]; then
    git init -q
    git config user.name >/dev/null 2>&1 || git config user.name "Demo User"
    git config user.email >/dev/null 2>&1 || git config user.email "demo@example.com"
    git add -A
    git commit -q -m "Demo project: exploration notebook"
  fi
)
echo "demo: project copied to $WORK (a git repository; your checkout is untouched)"

args=(--ip 127.0.0.1 --port "${PORT:-8888}" --ServerApp.root_dir="$WORK")
[ "$(id -u)" = 0 ] && args+=(--allow-root)
[ -n "${DEMO_NO_BROWSER:-}" ] && args+=(--no-browser)
cd "$WORK"
exec "$VENV/bin/jupyter" lab "${args[@]}" "$@" churn_analysis.ipynb
