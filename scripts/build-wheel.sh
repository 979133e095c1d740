#!/usr/bin/env bash
# Build the wheel users get (`pip wheel`, no dependencies) into build/test-wheel/ and print its path.
# Needs the venv that setup.sh made (the build backend) and the built frontend, which the wheel
# carries prebuilt (hatch-jupyter-builder's skip-if-exists: no second frontend build here).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$PWD/build/test-wheel
rm -rf "$out"
mkdir -p "$out"
python -m pip wheel -q --no-deps --no-build-isolation -w "$out" . >&2
ls "$out"/jupyter_prod_ext-*.whl
