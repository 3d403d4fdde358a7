#!/usr/bin/env bash
# Times the model judge against the template judge on the same scans (release build with the
# `onnx` feature, default transformation set, every core) and prints, per judge, the median
# wall time and the samples judged per second.
#
#   bash benches/model/run.sh [RUNS]     # default 5 runs each
#
# Sets (written under target/bench-model/, kept for the next run):
#   printed   0-9 from the three DejaVu fonts the fixture model was trained on, 300 jittered
#             samples per digit and font (9,000 glyphs): the model reads nearly all of them,
#             so both judges judge about the same samples
#   mnist5k   the 5,000 MNIST digits of benches/handwriting (when target/handwriting/mnist5k
#             is there: bash benches/handwriting/run.sh makes it)
# Judges: the templates; fixtures/models/digits-mlp.onnx (784-64-10); a LeNet-5-sized CNN
# with random weights written by benches/model/cnn.py (speed only: it reads digits at chance,
# so it judges about a tenth of the glyphs).
# Columns: the judge's clean accuracy, the transformed samples it judged (drawn only on the
# glyphs it reads correctly), the median wall time (loading included), samples judged per
# second, and images read per second (the clean glyphs, read once each, and the samples).
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-5}
out=target/bench-model
bin=target/release/augsafe
fonts=/usr/share/fonts/truetype/dejavu
cargo build --release --features onnx --quiet
mkdir -p "$out"
bash scripts/model/setup.sh >/dev/null
[[ -f $out/lenet.onnx ]] || target/venv-model/bin/python benches/model/cnn.py "$out/lenet.onnx"
if [[ ! -d $out/printed ]]; then
  "$bin" render --font "$fonts/DejaVuSans.ttf" --font "$fonts/DejaVuSerif.ttf" \
    --font "$fonts/DejaVuSansMono.ttf" --chars 0-9 --size 32 --samples 300 --seed 3 \
    --out "$out/printed"
fi
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo), $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"

sets=("$out/printed")
[[ -d target/handwriting/mnist5k ]] && sets+=(target/handwriting/mnist5k)
judges=(template fixtures/models/digits-mlp.onnx "$out/lenet.onnx")
printf '%-28s %-34s %9s %8s %8s %10s %10s\n' set judge accuracy samples median samples/s read/s
for set in "${sets[@]}"; do
  for judge in "${judges[@]}"; do
    times=()
    for _ in $(seq "$runs"); do
      start=$(date +%s.%N)
      "$bin" scan "$set" --quiet --judge "$judge" --json "$out/report.json"
      end=$(date +%s.%N)
      times+=("$(awk -v a="$start" -v b="$end" 'BEGIN {print b - a}')")
    done
    median=$(printf '%s\n' "${times[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
    read -r accuracy samples images < <(python3 -c '
import json, sys
r = json.load(open(sys.argv[1]))
rows = r["transforms"] + ([r["control"]] if r.get("control") else [])
print(round(r["classifier"]["baseline_accuracy"] * 100, 1), sum(t["samples"] for t in rows),
      r["dataset"]["images"])
' "$out/report.json")
    awk -v s="$set" -v j="$judge" -v a="$accuracy" -v n="$samples" -v g="$images" -v m="$median" 'BEGIN {
      printf "%-28s %-34s %8s%% %8d %7.2fs %10.0f %10.0f\n", s, j, a, n, m, n / m, (n + g) / m }'
  done
done
