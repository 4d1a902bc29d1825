#!/usr/bin/env bash
# Builds tinydet-bench and runs the default suite (`tinydet run quick`), which writes
# results/<run>/ (results JSON, plots, report). Usage: scripts/run.sh [SUITE [run options]]
# Works from any directory; installs missing Debian packages first (needs root or sudo).
set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${TINYDET_BUILD_DIR:-$REPO_DIR/build}"
bash "$REPO_DIR/scripts/build.sh"

TINYDET="$BUILD_DIR/bin/tinydet"
SUITE="${1:-quick}"
[ $# -gt 0 ] && shift

echo
"$TINYDET" --version
echo
"$TINYDET" list
echo

# Results go below the repository whatever the current directory is.
cd "$REPO_DIR"
# stderr is shown as it comes and kept, to tell "not built yet" from a real failure.
errfile="$(mktemp)"
trap 'rm -f "$errfile"' EXIT
set +e
{ "$TINYDET" run "$SUITE" "$@" 2>&1 1>&3 3>&- | tee "$errfile" >&2 3>&-; } 3>&1
status=${PIPESTATUS[0]}
set -e
if [ $status -eq 0 ]; then
  echo
  echo "run.sh: suite '$SUITE' done; results, plots and report are in $REPO_DIR/results/"
  exit 0
fi

# `run` says "not built yet" while the suite machinery is missing: that is not a failure
# of this script, whose job is to build and run what exists.
if [ $status -eq 1 ] && grep -q "not built yet" "$errfile"; then
  echo
  echo "run.sh: the suite runner is not built yet, so no benchmark ran."
  echo "run.sh: what works now: \`tinydet --version\` and \`tinydet list\` (above)."
  echo "run.sh: once it exists, results will go to $REPO_DIR/results/<run>/"
  echo "        (results.json, plots/, report.md and report.html)."
  exit 0
fi
echo "run.sh: \`tinydet run $SUITE\` failed (exit code $status)" >&2
exit $status
