#!/usr/bin/env bash
# Fuzzes every reader of input, SECONDS each (default 300), two targets at a time, after seeding
# each target's corpus from the fixtures. Crashes land in fuzz/artifacts/TARGET/; the corpora
# grow in fuzz/corpus/ (neither is committed). Needs cargo-fuzz and a nightly toolchain:
#   cargo install cargo-fuzz && rustup toolchain install nightly
set -euo pipefail
cd "$(dirname "$0")"
seconds=${1:-300}
root=..

seed() { mkdir -p "corpus/$1"; shift; for f in "$@"; do cp "$f" "corpus/$(basename "$(dirname "$f")")-$(basename "$f")" 2>/dev/null || true; done; }
mkdir -p corpus/spec corpus/pipeline_json corpus/pipeline_yaml corpus/idx corpus/manifest corpus/image
# Specs: every example the help gives, one per file.
"$root/target/release/augsafe" scan --help 2>/dev/null |
    grep -oE '^  [a-z0-9=:.,+x-]+(\.\.[0-9.-]+)?' | awk '{print $1}' |
    while read -r spec; do printf '%s' "$spec" > "corpus/spec/$(printf '%s' "$spec" | md5sum | cut -c1-12)"; done || true
for spec in rotate:-15..15 crop:0.6..0.9 'affine:rotate=-15..15,scale=0.9..1.1,translate=-0.05..0.05,shear=-5..5' \
    'dropout:holes=1..3,size=0.1..0.25,fill=0' 'p=0.5:hflip+rot90' 'elastic:alpha=1,sigma=50' 'crop:box=4,4,28,28'; do
    printf '%s' "$spec" > "corpus/spec/$(printf '%s' "$spec" | md5sum | cut -c1-12)"
done
find "$root/fixtures/pipelines" "$root/fixtures/hostile/pipelines" -name '*.json' -exec cp -t corpus/pipeline_json {} + 2>/dev/null || true
for f in $(find "$root/fixtures/pipelines" "$root/fixtures/hostile/pipelines" -name '*.json' -o -name '*.yaml'); do
    cp "$f" "corpus/pipeline_${f##*.}/$(echo "$f" | md5sum | cut -c1-12)"
done
for f in $(find "$root/fixtures/idx" -type f ! -name "*.md"); do cp "$f" "corpus/idx/$(basename "$f")"; done
for f in $(find "$root/fixtures" -type f \( -name '*.csv' -o -name '*mapping*' -o -path '*hostile/mappings/*' \)); do
    cp "$f" "corpus/manifest/$(echo "$f" | md5sum | cut -c1-12)"
done
printf 'path,label\n6/DejaVuSans_00.png,6\n9/DejaVuSans_00.png,9\n' > corpus/manifest/rows.csv
for f in $(find "$root/fixtures/digits" -name 'DejaVuSans_0[01].png'); do
    cp "$f" "corpus/image/$(echo "$f" | md5sum | cut -c1-12).png"
done
# Grey PNM and BMP of a small ring, so that those decoders start from a valid file.
python3 - corpus/image <<'PY'
import struct, sys
out = sys.argv[1]
side = 12
px = bytes(0 if 9 <= (x - 6) ** 2 + (y - 6) ** 2 <= 25 else 255 for y in range(side) for x in range(side))
open(f"{out}/ring.pgm", "wb").write(b"P5\n12 12\n255\n" + px)
rows = b"".join(px[y * side:(y + 1) * side] for y in reversed(range(side)))
palette = b"".join(bytes([v, v, v, 0]) for v in range(256))
offset = 14 + 40 + len(palette)
bmp = b"BM" + struct.pack("<IHHI", offset + len(rows), 0, 0, offset)
bmp += struct.pack("<IiiHHIIiiII", 40, side, side, 1, 8, 0, len(rows), 2835, 2835, 256, 0)
open(f"{out}/ring.bmp", "wb").write(bmp + palette + rows)
PY

cargo +nightly fuzz build -O -a
run() {
    local target=$1
    cargo +nightly fuzz run -O -a "$target" -- -max_total_time="$seconds" -timeout=10 \
        -rss_limit_mb=2048 -print_final_stats=1 > "run-$target.log" 2>&1 &&
        echo "$target: no crash in ${seconds} s ($(grep -m1 -oE 'stat::number_of_executed_units: *[0-9]+' "run-$target.log" | grep -oE '[0-9]+$') runs)" ||
        echo "$target: FOUND A CRASH, see fuzz/run-$target.log and fuzz/artifacts/$target/"
}
targets=(spec pipeline_json pipeline_yaml idx manifest image)
for ((i = 0; i < ${#targets[@]}; i += 2)); do
    run "${targets[i]}" &
    run "${targets[i + 1]}" &
    wait
done
