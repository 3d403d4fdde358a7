#!/usr/bin/env bash
# Large alphabets: N common Chinese characters (GB2312 level 1, in code order) rendered from
# two fonts of Debian's packages, 3 jittered samples each, then the default scan's verdicts
# that matter for handwritten Chinese (small turns are safe; the half turn and the mirror are
# not, for asymmetric characters) and the time the scan takes.
#
#   bash benches/cjk/run.sh [N] [PX]            # development fonts: AR PL UKai, WenQuanYi Micro Hei
#   bash benches/cjk/run.sh --holdout [N] [PX]  # fonts kept out of development: AR PL UMing, Noto Sans CJK
#   bash benches/cjk/run.sh --default [...]     # time the default scan (every transformation) instead
#
# Defaults: N = 3000, PX = 48. Sets are written under target/cjk/ and kept for the next run.
set -euo pipefail
cd "$(dirname "$0")/../.."

fonts=(/usr/share/fonts/truetype/arphic/ukai.ttc /usr/share/fonts/truetype/wqy/wqy-microhei.ttc)
packages="fonts-arphic-ukai fonts-wqy-microhei"
name=dev
specs=(-t rotate:-10..10 -t rotate:-5..5 -t rotate:180 -t hflip)
if [[ ${1:-} == --default ]]; then
  specs=()
  shift
fi
if [[ ${1:-} == --holdout ]]; then
  fonts=(/usr/share/fonts/truetype/arphic/uming.ttc /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc)
  packages="fonts-arphic-uming fonts-noto-cjk"
  name=holdout
  shift
fi
n=${1:-3000}
px=${2:-48}
[[ $n =~ ^[1-9][0-9]*$ && $n -le 3755 ]] || { echo "run.sh: N must be 1..3755, not '$n'" >&2; exit 1; }
[[ $px =~ ^[1-9][0-9]*$ ]] || { echo "run.sh: PX must be a whole number, not '$px'" >&2; exit 1; }
args=()
for font in "${fonts[@]}"; do
  [[ -f $font ]] || { echo "run.sh: $font is missing: apt-get install $packages" >&2; exit 1; }
  args+=(--font "$font")
done

bin=target/release/augsafe
cargo build --release --quiet
out=target/cjk/$name-$n-$px
if [[ ! -d $out ]]; then
  chars=$(python3 -c "
import sys
chars = []
for hi in range(0xB0, 0xD8):  # level 1: the 3,755 most common characters
    for lo in range(0xA1, 0xFF):
        try:
            chars.append(bytes([hi, lo]).decode('gb2312'))
        except UnicodeDecodeError:
            pass
print(''.join(chars[:$n]))")
  "$bin" render "${args[@]}" --chars "$chars" --size "$px" --samples 3 --seed 1 --out "$out"
fi
start=$(date +%s.%N)
"$bin" scan "$out" "${specs[@]}" --quiet --json "$out.json"
seconds=$(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN {printf "%.1f", b - a}')
python3 - "$out.json" "$seconds" <<'PY'
import json, sys
report = json.load(open(sys.argv[1]))
c = report["classifier"]
print(f"{report['dataset']['images']} images, {len(report['dataset']['classes'])} classes: "
      f"scanned in {sys.argv[2]} s; canonical {c['canonical']['size']} px, {c['templates']} "
      f"templates, baseline accuracy {100 * c['baseline_accuracy']:.2f}%")
for t in report["transforms"]:
    classes = t["classes"]
    safe = sum(x["verdict"] == "safe" for x in classes)
    print(f"  {t['spec']:<15} {t['verdict']:<8} safe for {safe:>5} of {len(classes)} classes "
          f"({100 * safe / max(len(classes), 1):.1f}%), loss rate {100 * t['loss_rate']:.2f}%")
PY
