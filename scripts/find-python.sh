#!/usr/bin/env bash
# Print the Python that setup.sh makes .venv with: CPython 3.10 to 3.13 that can make a virtual
# environment. Without arguments: $JUPYTER_PROD_PYTHON if set, else python3, else the newest
# python3.1X on PATH (so a machine whose python3 is too old or too new still works when it has
# a supported one beside it). With PYTHON: that one only. When none fits: one line saying what
# is needed, exit 2.
set -euo pipefail

# problem PY: why PY cannot make the venv (one line), or nothing when it can (Python 2 safe)
problem() {
  "$1" - <<'PY' 2>/dev/null || echo "$1 does not run"
import sys
version = "%d.%d" % tuple(sys.version_info[:2])
impl = getattr(sys, "implementation", None)
name = impl.name if impl else "python"
if name != "cpython" or not ((3, 10) <= tuple(sys.version_info[:2]) <= (3, 13)):
    print("%s is %s %s, not CPython 3.10 to 3.13" % (sys.executable, name, version))
else:
    import importlib.util
    if importlib.util.find_spec("ensurepip") is None or importlib.util.find_spec("venv") is None:
        print("%s (%s) cannot make a virtual environment: install python%s-venv" % (sys.executable, version, version))
PY
}

candidates=()
if [ $# -gt 0 ]; then
  candidates=("$1")
elif [ -n "${JUPYTER_PROD_PYTHON:-}" ]; then
  candidates=("$JUPYTER_PROD_PYTHON")
else
  for name in python3 python3.13 python3.12 python3.11 python3.10; do
    py=$(command -v "$name" 2>/dev/null) && candidates+=("$py")
  done
fi
first=""
for py in "${candidates[@]}"; do
  why=$(problem "$py")
  if [ -z "$why" ]; then
    echo "$py"
    exit 0
  fi
  [ -n "$first" ] || first=$why
done
echo "setup: needs CPython 3.10 to 3.13 with venv (${first:-no python3 on PATH}); install one, or set JUPYTER_PROD_PYTHON to its path" >&2
exit 2
