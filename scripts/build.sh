#!/usr/bin/env bash
# Shared by run.sh and test.sh: installs missing Debian packages, then configures (first
# time only) and builds the project in <repo>/build, Release, with every core.
# Incremental: a second run only rebuilds what changed. Works from any directory.
# TINYDET_BUILD_DIR=<dir> builds elsewhere (run.sh and test.sh honour it too).
set -euo pipefail

REPO_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${TINYDET_BUILD_DIR:-$REPO_DIR/build}"

bash "$REPO_DIR/scripts/install-deps.sh"

# Configure when there is no finished configuration (first run, or one that failed).
if [ ! -f "$BUILD_DIR/CMakeCache.txt" ] ||
   { [ ! -f "$BUILD_DIR/Makefile" ] && [ ! -f "$BUILD_DIR/build.ninja" ]; }; then
  cmake -S "$REPO_DIR" -B "$BUILD_DIR" -DCMAKE_BUILD_TYPE=Release
fi
cmake --build "$BUILD_DIR" -j"$(nproc)"
