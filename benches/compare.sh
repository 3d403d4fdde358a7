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
#
# Environment:
#   PEER_LIMIT    images the peer processes (default 4000; its throughput is per image, so a
#                 subset is enough; 0 for all N)
#   PEER_WORKERS  peer processes (default: the number of cores, as augsafe uses every core)
#   PEER_BATCH    images per NumPy batch in the peer (default 256; 64 to 1024 are within 10%)
#   SEED          augsafe's --seed and the peer's (default 42)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

n=${1:-20000}
peer_limit=${PEER_LIMIT:-4000}
peer_workers=${PEER_WORKERS:-$(nproc)}
peer_batch=${PEER_BATCH:-256}
seed=${SEED:-42}
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

echo "== augsafe scan ($n images)"
templates=$work/templates.npy
rm -f "$templates" "${templates%.npy}.labels.txt"
augsafe_cmd=("$bin" scan --idx-images "$images" --idx-labels "$labels" --seed "$seed"
             --quiet --json /dev/null --save-templates "$templates")
echo "${augsafe_cmd[*]}"
if [[ -x /usr/bin/time ]]; then
  /usr/bin/time -f '%e %M' -o "$work/augsafe.time" "${augsafe_cmd[@]}"
  read -r augsafe_wall augsafe_rss_kib <"$work/augsafe.time"
else
  start=$(date +%s.%N)
  "${augsafe_cmd[@]}"
  augsafe_wall=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {print b - a}')
  augsafe_rss_kib=
fi
for f in "$templates" "${templates%.npy}.labels.txt"; do
  [[ -s $f ]] || { echo "compare.sh: augsafe wrote no $f" >&2; exit 1; }
done

echo "== peer (Python: Albumentations + NumPy)"
limit_args=()
[[ $peer_limit != 0 ]] && limit_args=(--limit "$peer_limit")
"$py" benches/peer/peer.py --images "$images" --labels "$labels" --mapping "$data/mapping.txt" \
  --templates "$templates" "${limit_args[@]}" --workers "$peer_workers" --batch-size "$peer_batch" \
  --seed "$seed" --json "$work/peer.json"

echo "== result"
"$py" - "$n" "$augsafe_wall" "${augsafe_rss_kib:-}" "$work/peer.json" <<'PY'
import json, sys
n, wall, rss, peer_json = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3], sys.argv[4]
peer = json.load(open(peer_json))
ours = n / wall
rss_text = f", peak RSS {int(rss) / 1024:.0f} MiB" if rss else ""
print(f"augsafe: {n} images in {wall:.2f} s wall{rss_text}: {ours:,.0f} images/s "
      f"(all of it: loading, templates, leave-one-out baseline, 12 transformations)")
print(f"peer:    {peer['images']} images in {peer['seconds']:.2f} s wall: "
      f"{peer['images_per_second']:,.0f} images/s, {peer['transformed_glyphs_per_second']:,.0f} "
      f"transformed glyphs/s ({peer['workers']} processes, batches of {peer['batch_size']}; "
      f"templates given)")
print(f"ratio:   augsafe / peer = {ours / peer['images_per_second']:.1f}x")
PY
