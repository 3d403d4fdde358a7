#!/usr/bin/env bash
# Renders the HTML report of the glyph fixtures and takes the screenshot the README shows
# (docs/report.png), with Debian's chromium (apt-get install chromium). Run from anywhere:
#   bash docs/screenshot.sh
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo run --quiet --release -- scan fixtures/digits -t rotate:180 -t hflip -t vflip \
    -t rotate:-10..10 -t crop:right=0.5 --examples 3 --quiet --html target/report.html
chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --window-size=1100,1400 --user-data-dir="$work/profile" \
    --screenshot="$work/report.png" "file://$PWD/target/report.html" 2>/dev/null
cp "$work/report.png" docs/report.png
echo "wrote docs/report.png"
