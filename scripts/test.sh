#!/usr/bin/env bash
# Builds tinydet-bench and runs every test: scripts/test.sh [extra ctest arguments]
# e.g. scripts/test.sh -R PluginLoader. Works from any directory; installs missing Debian
# packages first (needs root or sudo).
set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${TINYDET_BUILD_DIR:-$REPO_DIR/build}"
bash "$REPO_DIR/scripts/build.sh"

ctest --test-dir "$BUILD_DIR" --output-on-failure -j2 "$@"
