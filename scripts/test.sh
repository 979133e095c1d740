#!/usr/bin/env bash
# Set up if needed and run the whole suite: lint and types, pytest on every CPython 3.10-3.13
# the machine has (scripts/test-pythons.sh), jest, frontend lint, and the browser tests (galata
# in Debian's chromium). Exits non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
bash scripts/setup.sh
VENV=${JUPYTER_PROD_VENV:-$ROOT/.venv}
export PATH="$VENV/bin:$PATH"

step() { printf '\n==== %s ====\n' "$*"; }

step "extension enabled"
# setup.sh just built the frontend: a second build must see nothing changed (demo.sh's re-run relies on it)
bash scripts/build-frontend.sh | grep -q "is up to date" \
  || { echo "build-frontend rebuilt an unchanged frontend" >&2; exit 1; }
jupyter server extension list 2>&1 | grep -E "jupyter_prod_ext.*OK" >/dev/null \
  || { jupyter server extension list; echo "server extension not enabled/OK" >&2; exit 1; }
jupyter labextension list 2>&1 | grep -E "jupyter-prod-ext.*enabled.*OK" >/dev/null \
  || { jupyter labextension list; echo "labextension not enabled/OK" >&2; exit 1; }
python scripts/check_auth.py

step "ruff, mypy (strict) and the import contracts"
ruff check jupyter_prod_ext tests
mypy
lint-imports

step "wheel (built once: the suites below and tests/test_wheel.py install it)"
WHEEL=$(bash scripts/build-wheel.sh)
python scripts/check_wheel.py "$WHEEL"

step "pytest on each CPython 3.10-3.13 found (the wheel in a fresh venv per version)"
bash scripts/test-pythons.sh "$WHEEL"

step "jest"
jlpm test

step "frontend lint (stylelint, prettier --check, eslint, tsc of the galata specs)"
# eslint and tsc type-check the galata tests too: they need their node_modules
source scripts/yarn-env.sh
(cd ui-tests && jlpm install --immutable >/dev/null)
jlpm lint:check

step "browser tests (galata, chromium)"
bash scripts/ui-tests.sh
