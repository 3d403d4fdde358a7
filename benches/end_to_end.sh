#!/usr/bin/env bash
# Times `augsafe scan` end to end (release build, default transformation set) on the
# fixtures and prints the median of several runs. Usage: bash benches/end_to_end.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-11}
cargo build --release --quiet
bin=target/release/augsafe
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
for dir in fixtures/digits fixtures/glyphs; do
  images=$(find "$dir" -name '*.png' | wc -l)
  times=()
  for _ in $(seq "$runs"); do
    start=$(date +%s.%N)
    "$bin" scan "$dir" --quiet --json /dev/null
    end=$(date +%s.%N)
    times+=("$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')")
  done
  median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
  awk -v d="$dir" -v n="$images" -v m="$median" -v r="$runs" 'BEGIN {
    printf "%-16s %4d images, default set: median %.3f s over %d runs (%.0f images/s)\n", d, n, m, r, n / m }'
done
