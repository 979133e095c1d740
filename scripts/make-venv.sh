#!/usr/bin/env bash
# Make the virtual environment VENV with a supported CPython (scripts/find-python.sh), or check
# the one there, and see that it has pip. A setup interrupted while `python -m venv` ran ensurepip
# (Ctrl-C in the first seconds of a first run) leaves a python without pip: every later setup then
# failed on "No module named pip"; here it gets its pip and setup goes on.
#
#   bash scripts/make-venv.sh VENV
set -euo pipefail
[ $# -eq 1 ] && [ -n "$1" ] || { echo "usage: bash scripts/make-venv.sh VENV" >&2; exit 2; }
VENV=$1
cd "$(dirname "$0")/.."

if [ -x "$VENV/bin/python" ]; then
  bash scripts/find-python.sh "$VENV/bin/python" >/dev/null 2>&1 || {
    echo "setup: $VENV was made by a Python this project does not support ($("$VENV/bin/python" -V 2>&1 || true)); remove it (rm -rf '$VENV') and run again" >&2
    exit 2
  }
else
  base=$(bash scripts/find-python.sh)
  echo "setup: creating $VENV with $base ($("$base" -V 2>&1))"
  "$base" -m venv "$VENV"
fi
# ensurepip writes bin/pip last: a venv without it has no complete pip
if [ ! -x "$VENV/bin/pip" ]; then
  echo "setup: $VENV has no pip (an interrupted setup); installing it"
  "$VENV/bin/python" -m ensurepip --upgrade --default-pip >/dev/null
fi
