#!/usr/bin/env bash
# Renders the HTML report of the digit fixtures and takes the screenshot the README shows
# (docs/report.png), with Debian's chromium (apt-get install chromium). Run from anywhere:
#   bash docs/screenshot.sh
# With `real`, the same for two real sets instead, as checked before a release: the 5,000
# MNIST digits and 3,000 CJK classes (docs/real-mnist5k.png, docs/real-cjk3000.png); the sets
# are made by benches/handwriting/run.sh and benches/cjk/run.sh.
#   bash docs/screenshot.sh real
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
shoot() { # html, png, height
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
      --disable-background-networking --disable-component-update --disable-sync \
      --hide-scrollbars --window-size="1280,$3" --user-data-dir="$work/profile" \
      --screenshot="$work/shot.png" "file://$PWD/$1" 2>/dev/null
  cp "$work/shot.png" "$2"
  echo "wrote $2"
}
if [[ ${1:-} == real ]]; then
  for set in target/handwriting/mnist5k target/cjk/dev-3000-48; do
    [[ -d $set ]] || { echo "screenshot.sh: $set is missing; make it with the benches/ scripts" >&2; exit 1; }
  done
  cargo run --quiet --release -- scan target/handwriting/mnist5k --quiet --html target/mnist5k.html
  shoot target/mnist5k.html docs/real-mnist5k.png 2400
  cargo run --quiet --release -- scan target/cjk/dev-3000-48 --quiet --html target/cjk3000.html
  shoot target/cjk3000.html docs/real-cjk3000.png 2400
  exit 0
fi
cargo run --quiet --release -- scan fixtures/digits -t rotate:180 -t hflip -t vflip \
    -t rotate:-10..10 -t crop:right=0.5 --examples 3 --quiet --html target/report.html
shoot target/report.html docs/report.png 1400
