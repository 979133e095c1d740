#!/usr/bin/env bash
# Make DIR the demo's scratch project, or keep it: demo/ copied there and committed once, in a
# git repository of its own. A DIR that is already one (a second run of demo.sh) is left as the
# user changed it; a DIR holding anything else is refused (one line, exit 2), never overwritten.
#
# With PYTHON (demo.sh gives the demo's .venv/bin/python), the copy's notebooks carry the metadata
# that Python's kernel writes when it starts (scripts/demo_kernel_metadata.py): the Python version
# is the user's, and any other value showed the notebook as changed as soon as it opened.
#
#   bash scripts/demo-copy.sh DIR [PYTHON]
set -euo pipefail
{ [ $# -eq 1 ] || [ $# -eq 2 ]; } && [ -n "$1" ] || { echo "usage: bash scripts/demo-copy.sh DIR [PYTHON]" >&2; exit 2; }
PYTHON=${2:-}
case $PYTHON in */*) case $PYTHON in /*) ;; *) PYTHON=$PWD/$PYTHON ;; esac ;; esac  # a path: from where it was given
case $1 in /*) WORK=$1 ;; *) WORK=$PWD/$1 ;; esac  # relative to where it was called from
cd "$(dirname "$0")/.."

if [ -d "$WORK/.git" ]; then
  echo "demo: reopening your copy in $WORK (delete it to start from demo/ again)"
  exit 0
fi
if [ -e "$WORK" ] && { [ ! -d "$WORK" ] || [ -n "$(ls -A "$WORK")" ]; }; then
  echo "demo: $WORK is not empty and not a demo copy; set DEMO_DIR to a new or empty folder" >&2
  exit 2
fi

if ! command -v git >/dev/null 2>&1; then
  echo "demo: git is needed (the demo is a git repository, for Commit); install it (e.g. 'apt-get install git')" >&2
  exit 2
fi

# built beside DIR and moved into place whole: an interrupted run leaves no half-made copy to reopen
parent=$(dirname "$WORK")
mkdir -p "$parent"
draft=$(mktemp -d "$parent/.demo-draft.XXXXXX")
trap 'rm -rf "$draft"' EXIT
cp -R demo/. "$draft/"
if [ -n "$PYTHON" ]; then
  "$PYTHON" scripts/demo_kernel_metadata.py "$draft"/*.ipynb
fi
(
  cd "$draft"
  git init -q
  # the demo's own identity only where git has none, so Commit works on a new machine
  git config user.name >/dev/null 2>&1 || git config user.name "Demo User"
  git config user.email >/dev/null 2>&1 || git config user.email "demo@example.com"
  git add -A
  git commit -q -m "Demo project: exploration notebook"
)
[ ! -d "$WORK" ] || rmdir "$WORK"
mv "$draft" "$WORK"
trap - EXIT
echo "demo: project copied to $WORK (a git repository of its own; your checkout's files are untouched)"
