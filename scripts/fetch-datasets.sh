#!/usr/bin/env bash
# Downloads COCO 2017 val (5,000 images + instances annotations, ~1 GB) into a data
# directory, laid out as the `coco-val2017` catalogue entry expects:
#   <data-dir>/coco2017/val2017/*.jpg
#   <data-dir>/coco2017/annotations/instances_val2017.json
# Then: tinydet dataset stats coco-val2017 --data-dir <data-dir>
#
# Usage: scripts/fetch-datasets.sh [--data-dir DIR] [--check]
#   --data-dir DIR  target (default: $TINYDET_DATA_DIR, else ../shared/datasets beside the repo)
#   --check         only test that the download server is reachable, download nothing
#
# Needs curl (or wget) and unzip. Without internet it stops with a clear message and
# exit code 3, leaving nothing half-written behind.
set -euo pipefail

COCO_IMAGES_URL="http://images.cocodataset.org/zips/val2017.zip"
COCO_ANNOTATIONS_URL="http://images.cocodataset.org/annotations/annotations_trainval2017.zip"
PROBE_URL="http://images.cocodataset.org/annotations/"

script_dir="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo_dir="$(dirname "$script_dir")"
data_dir="${TINYDET_DATA_DIR:-$(dirname "$repo_dir")/shared/datasets}"
check_only=0

while [[ $# -gt 0 ]]; do
  case "$1" in
    --data-dir) data_dir="${2:?--data-dir needs a folder}"; shift 2 ;;
    --check) check_only=1; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    *) echo "fetch-datasets: unknown argument '$1' (see --help)" >&2; exit 2 ;;
  esac
done

die() { echo "fetch-datasets: $1" >&2; exit "${2:-1}"; }

if command -v curl >/dev/null 2>&1; then
  probe() { curl -fsS -o /dev/null --connect-timeout 5 --max-time 10 -I "$1"; }
  fetch() { curl -fL --connect-timeout 10 --retry 3 -o "$2" "$1"; }
elif command -v wget >/dev/null 2>&1; then
  probe() { wget -q --spider --timeout=10 --tries=1 "$1"; }
  fetch() { wget --timeout=30 --tries=3 -O "$2" "$1"; }
else
  die "neither curl nor wget is installed" 1
fi
command -v unzip >/dev/null 2>&1 || [[ $check_only -eq 1 ]] || die "unzip is not installed" 1

if ! probe "$PROBE_URL" 2>/dev/null; then
  die "cannot reach images.cocodataset.org (no internet connection?).
  Nothing was downloaded. On a machine with internet, run this script there, or fetch by hand:
    $COCO_IMAGES_URL
    $COCO_ANNOTATIONS_URL
  and unzip both into $data_dir/coco2017/ (giving val2017/ and annotations/)." 3
fi
if [[ $check_only -eq 1 ]]; then
  echo "fetch-datasets: images.cocodataset.org is reachable"
  exit 0
fi

target="$data_dir/coco2017"
if [[ -f "$target/annotations/instances_val2017.json" && -d "$target/val2017" ]] &&
   [[ $(find "$target/val2017" -name '*.jpg' | wc -l) -eq 5000 ]]; then
  echo "fetch-datasets: COCO 2017 val already present in $target"
  exit 0
fi

mkdir -p "$target" || die "cannot create $target"
tmp="$(mktemp -d "$target/.download.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
echo "fetch-datasets: downloading COCO 2017 val annotations and images into $target"
fetch "$COCO_ANNOTATIONS_URL" "$tmp/annotations.zip" || die "download failed: $COCO_ANNOTATIONS_URL"
fetch "$COCO_IMAGES_URL" "$tmp/val2017.zip" || die "download failed: $COCO_IMAGES_URL"
unzip -q -o "$tmp/annotations.zip" 'annotations/instances_val2017.json' -d "$tmp" ||
  die "cannot unzip the annotations"
unzip -q -o "$tmp/val2017.zip" -d "$tmp" || die "cannot unzip the images"
mkdir -p "$target/annotations"
mv "$tmp/annotations/instances_val2017.json" "$target/annotations/"
rm -rf "$target/val2017"
mv "$tmp/val2017" "$target/val2017"
echo "fetch-datasets: done. Try: tinydet dataset stats coco-val2017 --data-dir $data_dir"
