#!/usr/bin/env bash
# End-to-end tests of `tinydet run`, through the real binary and plugins:
#   tiny     - a tiny suite (all architectures, both executors and precisions, 1 epoch)
#              gives schema-valid JSON, non-empty PNG and SVG plots and a report;
#   resume   - a run killed with SIGKILL between cells, resumed, does not redo the
#              finished cells and ends with every cell done once;
#   badsuite - bad suite files fail before any work, naming the key.
# Usage: run_end_to_end.sh TINYDET SOURCE_DIR WORK_DIR {tiny|resume|badsuite}
set -euo pipefail
TINYDET="$1"; SRC="$2"; WORK="$3"; WHAT="$4"
HERE="$SRC/tests/suite/end_to_end"
SCHEMA="$SRC/docs/results.schema.json"
rm -rf "$WORK"; mkdir -p "$WORK"
export TINYDET_CACHE_DIR="$WORK/cache"   # cold caches: nothing from other runs
export OMP_WAIT_POLICY=PASSIVE
fail() { echo "FAIL: $*" >&2; exit 1; }

python_with_jsonschema() {
  for py in python3 /usr/bin/python3; do
    if command -v "$py" >/dev/null && "$py" -c "import jsonschema" 2>/dev/null; then echo "$py"; return; fi
  done
  fail "no python3 with the jsonschema module (install python3-jsonschema: scripts/install-deps.sh)"
}

case "$WHAT" in
tiny)
  PY="$(python_with_jsonschema)"
  "$TINYDET" run "$HERE/tiny_suite.json" --out "$WORK/run" > "$WORK/out.txt" 2> "$WORK/err.txt" ||
    { cat "$WORK/out.txt" "$WORK/err.txt"; fail "tinydet run exited with $?"; }
  "$PY" "$HERE/validate_results.py" "$SCHEMA" "$WORK/run/results.json" 16
  plots=0
  for png in "$WORK"/run/plots/*.png; do
    [ -s "$png" ] || fail "empty plot $png"
    # A real PNG, not an error page: the signature and a size no blank canvas has.
    head -c 8 "$png" | od -An -tx1 | tr -d ' \n' | grep -q '^89504e470d0a1a0a$' || fail "$png is not a PNG"
    svg="${png%.png}.svg"
    [ -s "$svg" ] && grep -q "<svg" "$svg" || fail "missing or empty $svg"
    plots=$((plots + 1))
  done
  [ "$plots" -ge 5 ] || fail "expected 5 plots, found $plots"
  [ -s "$WORK/run/report.md" ] && [ -s "$WORK/run/report.html" ] || fail "report missing"
  # Self-contained: the plots are inline SVG, one per plot.
  [ "$(grep -c "<svg" "$WORK/run/report.html")" -ge "$plots" ] || fail "report.html does not inline every plot"
  echo "tiny suite: ok ($plots plots)"
  ;;
resume)
  PY="$(python_with_jsonschema)"
  RESULTS="$WORK/run/results.json"
  count_cells() { [ -f "$RESULTS" ] && "$PY" -c "import json,sys; print(len(json.load(open(sys.argv[1]))['cells']))" "$RESULTS" || echo 0; }
  "$TINYDET" run "$HERE/resume_suite.json" --out "$WORK/run" --no-plot > "$WORK/first.txt" 2>&1 &
  pid=$!
  for _ in $(seq 1 3000); do  # up to 5 minutes
    [ "$(count_cells)" -ge 1 ] && break
    kill -0 $pid 2>/dev/null || break
    sleep 0.1
  done
  kill -9 $pid 2>/dev/null || fail "the run ended before it could be killed (cells too fast?)"
  wait $pid 2>/dev/null || true
  done_before="$(count_cells)"
  [ "$done_before" -ge 1 ] && [ "$done_before" -lt 4 ] || fail "expected 1-3 finished cells at the kill, found $done_before"
  cp "$RESULTS" "$WORK/killed.json"
  "$TINYDET" run "$HERE/resume_suite.json" --out "$WORK/run" --resume --no-plot --json > "$WORK/second.json" 2> "$WORK/second.err" ||
    { cat "$WORK/second.err"; fail "resume exited with an error"; }
  "$PY" - "$WORK/killed.json" "$RESULTS" "$WORK/second.json" "$done_before" <<'PYEOF'
import json, sys
killed, final, summary, n = (json.load(open(sys.argv[1])), json.load(open(sys.argv[2])),
                             json.load(open(sys.argv[3])), int(sys.argv[4]))
assert summary["skipped"] == n, f"resume skipped {summary['skipped']} cells, {n} were done"
assert summary["ran"] == 4 - n, f"resume ran {summary['ran']} cells, expected {4 - n}"
ids = [c["id"] for c in final["cells"]]
assert len(ids) == 4 and len(set(ids)) == 4, f"final cells {ids}"
by_id = {c["id"]: c for c in final["cells"]}
for c in killed["cells"]:  # finished cells are kept exactly as they were
    assert by_id[c["id"]] == c, f"cell {c['id']} changed on resume"
assert all(c["status"] == "ok" for c in final["cells"]), "a cell failed"
print(f"resume: ok ({n} cells kept, {4 - n} run)")
PYEOF
  "$PY" "$HERE/validate_results.py" "$SCHEMA" "$RESULTS" 4
  ;;
badsuite)
  expect_error() {  # expect_error NAME JSON PATTERN
    printf '%s\n' "$2" > "$WORK/$1.json"
    if "$TINYDET" run "$WORK/$1.json" --out "$WORK/$1-run" > "$WORK/$1.out" 2> "$WORK/$1.err"; then
      fail "$1: a bad suite was accepted"
    fi
    grep -q -- "$3" "$WORK/$1.err" || { cat "$WORK/$1.err"; fail "$1: the error does not name '$3'"; }
    grep -q "$1.json" "$WORK/$1.err" || { cat "$WORK/$1.err"; fail "$1: the error does not name the file"; }
    [ ! -e "$WORK/$1-run/results.json" ] || fail "$1: results were written before the error"
    [ ! -d "$WORK/cache" ] || fail "$1: work (a cache) started before the error"
  }
  base='"datasets": [{"spec": "synthetic:20@1"}], "executors": ["layer"], "precisions": ["int8"]'
  expect_error unknown_key "{\"name\": \"b\", $base, \"architectures\": [{\"name\": \"fomo\", \"resolutions\": [32]}], \"epochs\": 3}" "epochs"
  expect_error wrong_type "{\"name\": \"b\", $base, \"architectures\": [{\"name\": \"fomo\", \"resolutions\": \"32\"}]}" "resolutions"
  expect_error unknown_plugin "{\"name\": \"b\", $base, \"architectures\": [{\"name\": \"yolov99\", \"resolutions\": [32]}]}" "yolov99"
  expect_error bad_resolution "{\"name\": \"b\", $base, \"architectures\": [{\"name\": \"ssdlite_mobilenetv2\", \"resolutions\": [100]}]}" "100"
  expect_error unknown_executor "{\"name\": \"b\", \"datasets\": [{\"spec\": \"synthetic:20@1\"}], \"executors\": [\"gpu\"], \"precisions\": [\"int8\"], \"architectures\": [{\"name\": \"fomo\", \"resolutions\": [32]}]}" "gpu"
  echo "bad suites: ok"
  ;;
*) fail "unknown test '$WHAT'";;
esac
