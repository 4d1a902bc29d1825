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
set +e
"$TINYDET" run "$SUITE" "$@"
status=$?
set -e
if [ $status -eq 0 ]; then
  echo
  echo "run.sh: suite '$SUITE' done; results, plots and report are in $REPO_DIR/results/"
  exit 0
fi
echo "run.sh: \`tinydet run $SUITE\` failed (exit code $status); \`tinydet run $SUITE --resume\` continues it" >&2
exit $status
