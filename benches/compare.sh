#!/usr/bin/env bash
# augsafe against a peer doing the same job in Python (Albumentations for the transformations,
# NumPy for the same normalisation and normalised cross-correlation against the same
# templates), on the same dataset, side by side. Run from anywhere:
#
#   bash benches/compare.sh              # 20,000 images of 28x28 in 62 classes
#   bash benches/compare.sh 814255       # the full EMNIST-byclass size (638 MB of pixels)
#
# Steps: sets up (or reuses) target/venv-albu2 with scripts/albumentations/setup.sh --current
# (albumentations, numpy, opencv: all peer.py needs); builds augsafe in release; makes the
# dataset with benches/peer/make_dataset.py into target/bench-data/N (kept for the next run);
# times `augsafe scan --idx-images ... --idx-labels ... --save-templates T.npy` on all N images
# with /usr/bin/time (wall clock, peak RSS); runs benches/peer/peer.py with those templates on
# the first PEER_LIMIT images; prints both throughputs in images per second and their ratio.
# Each side runs RUNS times, the two taking turns, and the ratio is of the medians (both vary by
# a few per cent from run to run on a shared machine).
#
# Environment:
#   PEER_LIMIT    images the peer processes (default 4000; its throughput is per image, so a
#                 subset is enough; 0 for all N)
#   PEER_WORKERS  peer processes (default: the number of cores, as augsafe uses every core)
#   PEER_BATCH    images per NumPy batch in the peer (default 256; 64 to 1024 are within 10%)
#   SEED          augsafe's --seed and the peer's (default 42)
#   RUNS          runs of each side (default 3; the medians are compared)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

n=${1:-20000}
peer_limit=${PEER_LIMIT:-4000}
peer_workers=${PEER_WORKERS:-$(nproc)}
peer_batch=${PEER_BATCH:-256}
seed=${SEED:-42}
runs=${RUNS:-3}
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "compare.sh: RUNS must be a whole number >= 1, not '$runs'" >&2; exit 1; }
py=target/venv-albu2/bin/python
bin=target/release/augsafe
data=target/bench-data/$n
work=target/bench-compare/$n
mkdir -p "$work"

echo "== setup"
bash scripts/albumentations/setup.sh --current
cargo build --release --quiet
help=$("$bin" scan --help)
for flag in --idx-images --idx-labels --save-templates; do
  if ! grep -q -- "$flag" <<<"$help"; then
    echo "compare.sh: this augsafe has no '$flag' option on 'augsafe scan' (IDX input and" \
         "--save-templates come with issue 5); build a version that has them and run again." >&2
    exit 1
  fi
done
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2/1048576}' /proc/meminfo)," \
     "$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')," \
     "load average $(cut -d' ' -f1-3 /proc/loadavg) (both sides share the cores: run it on a quiet machine)"

echo "== dataset"
images=$data/images-idx3-ubyte
labels=$data/labels-idx1-ubyte
if [[ -f $images && -f $labels && $(stat -c %s "$images") == $((16 + n * 784)) ]]; then
  echo "$data: reused ($n images of 28x28)"
else
  "$py" benches/peer/make_dataset.py "$n" --out "$data"
fi

templates=$work/templates.npy
# The peer runs no control transformation (the judge's noise row), so augsafe runs none either.
augsafe_cmd=("$bin" scan --idx-images "$images" --idx-labels "$labels" --seed "$seed"
             --quiet --json /dev/null --save-templates "$templates" --control none)
limit_args=()
[[ $peer_limit != 0 ]] && limit_args=(--limit "$peer_limit")
rm -f "$work"/augsafe.*.time "$work"/peer.*.json
for run in $(seq 1 "$runs"); do
  echo "== augsafe scan ($n images), run $run of $runs"
  rm -f "$templates" "${templates%.npy}.labels.txt"
  echo "${augsafe_cmd[*]}"
  if [[ -x /usr/bin/time ]]; then
    /usr/bin/time -f '%e %M' -o "$work/augsafe.$run.time" "${augsafe_cmd[@]}"
  else
    start=$(date +%s.%N)
    "${augsafe_cmd[@]}"
    echo "$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {print b - a}') 0" >"$work/augsafe.$run.time"
  fi
  for f in "$templates" "${templates%.npy}.labels.txt"; do
    [[ -s $f ]] || { echo "compare.sh: augsafe wrote no $f" >&2; exit 1; }
  done

  echo "== peer (Python: Albumentations + NumPy), run $run of $runs"
  "$py" benches/peer/peer.py --images "$images" --labels "$labels" --mapping "$data/mapping.txt" \
    --templates "$templates" "${limit_args[@]}" --workers "$peer_workers" --batch-size "$peer_batch" \
    --seed "$seed" --json "$work/peer.$run.json" $([[ $run -gt 1 ]] && echo --quiet)
done

echo "== result"
"$py" - "$n" "$work" "$runs" <<'PY'
import json, statistics, sys
n, work, runs = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
ours = []
for run in range(1, runs + 1):
    wall, rss = open(f"{work}/augsafe.{run}.time").read().split()[:2]
    ours.append((float(wall), int(rss)))
peers = [json.load(open(f"{work}/peer.{run}.json")) for run in range(1, runs + 1)]
walls = [w for w, _ in ours]
wall = statistics.median(walls)
rss = max(r for _, r in ours)
peer_rates = [p["images_per_second"] for p in peers]
peer_rate = statistics.median(peer_rates)
peer = peers[peer_rates.index(sorted(peer_rates)[(len(peer_rates) - 1) // 2])]
rss_text = f", peak RSS {rss / 1024:.0f} MiB" if rss else ""
listing = lambda values, fmt: ", ".join(fmt.format(v) for v in values)
print(f"augsafe: {n} images in {wall:.2f} s wall (median of {runs}: {listing(walls, '{:.2f}')}){rss_text}: "
      f"{n / wall:,.0f} images/s (all of it: loading, templates, leave-one-out baseline, 12 transformations)")
print(f"peer:    {peer['images']} images: {peer_rate:,.0f} images/s (median of {runs}: "
      f"{listing(peer_rates, '{:,.0f}')}), {peer['transformed_glyphs_per_second']:,.0f} transformed glyphs/s "
      f"({peer['workers']} processes, batches of {peer['batch_size']}; templates given)")
print(f"ratio:   augsafe / peer = {n / wall / peer_rate:.1f}x (medians)")
PY
