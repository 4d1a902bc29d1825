#!/usr/bin/env python3
"""Validates a tinydet results.json against docs/results.schema.json (JSON Schema 2020-12)
and checks what the schema cannot say: unique cell ids, and figures that must be present
for every successful cell. Usage: validate_results.py SCHEMA RESULTS [MIN_OK_CELLS]"""
import json
import sys

try:
    import jsonschema
except ImportError:
    sys.exit("validate_results: the Python module 'jsonschema' is missing "
             "(Debian package python3-jsonschema; scripts/install-deps.sh installs it)")


def main():
    schema_path, results_path = sys.argv[1], sys.argv[2]
    min_ok = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    with open(schema_path) as f:
        schema = json.load(f)
    with open(results_path) as f:
        results = json.load(f)
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(results), key=lambda e: list(e.path))
    for e in errors[:20]:
        print(f"{results_path}: at /{'/'.join(map(str, e.path))}: {e.message}", file=sys.stderr)
    if errors:
        sys.exit(f"{results_path}: {len(errors)} schema error(s)")
    ids = [c["id"] for c in results["cells"]]
    if len(ids) != len(set(ids)):
        sys.exit(f"{results_path}: duplicate cell ids")
    ok = [c for c in results["cells"] if c["status"] == "ok"]
    if len(ok) < min_ok:
        bad = [(c["id"], c.get("error")) for c in results["cells"] if c["status"] != "ok"]
        sys.exit(f"{results_path}: {len(ok)} ok cells, expected at least {min_ok}; failed: {bad}")
    for c in ok:
        if not (c["memory"]["arena_bytes"] > 0 and c["model"]["flash_bytes"] > 0):
            sys.exit(f"{results_path}: cell {c['id']} lacks arena or flash bytes")
    print(f"{results_path}: valid ({len(ok)} ok cells of {len(ids)})")


main()
