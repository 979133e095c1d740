#!/usr/bin/env bash
# Build the JupyterLab extension into jupyter_prod_ext/labextension.
# Idempotent: installs the locked node dependencies, then `jlpm build:prod`.
set -euo pipefail
cd "$(dirname "$0")/.."

# jlpm (JupyterLab's yarn) and jupyter-builder come from the Python environment.
VENV="${VENV:-${JUPYTER_PROD_VENV:-.venv}}"
case $VENV in /*) ;; *) VENV=$PWD/$VENV ;; esac
if [ -x "$VENV/bin/jlpm" ]; then
  export PATH="$VENV/bin:$PATH"
fi
if ! command -v jlpm >/dev/null 2>&1; then
  echo "build-frontend: jlpm not found; install jupyterlab (pip install -e '.[dev]')" >&2
  exit 2
fi

# what the build reads (sources, locked dependencies, node and the builder's version) and what it
# wrote: when neither changed since the last build, it is skipped (a second demo.sh starts in
# seconds, not after a 20 s rebuild); a build made another way (`jlpm build`) changes the output
# listing and is redone. Listings sort in byte order (LC_ALL=C): a locale with another collation
# (en_US.UTF-8 vs the C of a cron job or CI) made another stamp and a needless rebuild
OUT=jupyter_prod_ext/labextension
STAMP=node_modules/.jupyter-prod-build
inputs_sum() {
  {
    node --version
    ls -d "$VENV"/lib/python*/site-packages/jupyter_builder-*.dist-info 2>/dev/null || true
    find src style schema -type f -not -path 'src/__tests__/*' -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
    sha256sum package.json yarn.lock tsconfig.json .yarnrc.yml
  } | sha256sum | cut -c1-16
}
output_sum() {
  find "$OUT" -type f -printf '%P %s %T@\n' 2>/dev/null | LC_ALL=C sort | sha256sum | cut -c1-16
}
inputs=$(inputs_sum)
if [ -f "$OUT/static/style.js" ] && [ -f "$OUT/package.json" ] && [ -f "$STAMP" ] \
  && [ "$(cat "$STAMP")" = "$inputs $(output_sum)" ]; then
  echo "build-frontend: $OUT is up to date"
  exit 0
fi

# shellcheck source=scripts/yarn-env.sh
source scripts/yarn-env.sh

# yarn names every package it fetches (YN0013) and every peer mismatch upstream (YN0002): on a first
# run that is thousands of lines burying the ones that matter; the rest of its output is kept
quiet_yarn() { "$@" | { grep -v -E '(YN0013|YN0002):' || true; }; }
if [ -s yarn.lock ]; then
  quiet_yarn jlpm install --immutable
else
  quiet_yarn jlpm install
fi
jlpm build:prod

test -f "$OUT/static/style.js"
test -f "$OUT/package.json"
echo "$inputs $(output_sum)" > "$STAMP"
echo "build-frontend: jupyter_prod_ext/labextension is built"
