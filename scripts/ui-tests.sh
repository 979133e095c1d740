#!/usr/bin/env bash
# Galata (Playwright) end-to-end tests of the JupyterLab extension in Debian's chromium.
# Needs the package installed in the environment (pip install -e .) and the
# frontend built (scripts/build-frontend.sh, run here when the build is missing).
# Extra arguments go to `playwright test` (e.g. a test file or -g PATTERN).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT="$PWD"

VENV="${VENV:-.venv}"
if [ -x "$VENV/bin/jlpm" ]; then
  export PATH="$ROOT/$VENV/bin:$PATH"
fi

CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$CHROMIUM" ]; then
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "ui-tests: installing Debian's chromium"
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  fi
fi
if [ ! -x "$CHROMIUM" ]; then
  echo "ui-tests: no chromium at $CHROMIUM (apt-get install chromium, or set CHROMIUM_PATH)" >&2
  exit 2
fi
export CHROMIUM_PATH="$CHROMIUM"

if [ ! -f jupyter_prod_ext/labextension/static/style.js ]; then
  bash scripts/build-frontend.sh
fi
if ! jupyter labextension list 2>&1 | grep -q "jupyter-prod-ext.*enabled.*OK"; then
  echo "ui-tests: the labextension jupyter-prod-ext is not installed; run: pip install -e ." >&2
  exit 2
fi

# shellcheck source=scripts/yarn-env.sh
source scripts/yarn-env.sh

cd ui-tests
if [ -s yarn.lock ]; then
  jlpm install --immutable
else
  jlpm install
fi

# CI: never reuse a server someone left on port 8888; one worker; list reporter.
export CI="${CI:-true}"
mkdir -p "$ROOT/docs/screenshots"
jlpm playwright test "$@"
