#!/usr/bin/env bash
# CASIA-HWDB's scale in classes: 7,356 Chinese characters (GB2312 levels 1 and 2, 6,763, then
# the first GBK characters outside GB2312) rendered from five fonts of Debian's packages, 3
# jittered samples each (110,340 glyphs at 48 px), then the default scan, its time and memory
# peak, and the time projected to CASIA-HWDB's 3.9 million glyphs (linear in glyphs: the scan
# judges every glyph on its own against templates whose count the classes set).
#
#   bash benches/cjk/large.sh [SAMPLES]     # SAMPLES per character and font, default 3
#
# The set is written under target/cjk/ and kept for the next run.
set -euo pipefail
cd "$(dirname "$0")/../.."

fonts=(
  /usr/share/fonts/truetype/arphic/ukai.ttc
  /usr/share/fonts/truetype/arphic/uming.ttc
  /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
  /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc
  /usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc
)
packages="fonts-arphic-ukai fonts-arphic-uming fonts-wqy-microhei fonts-noto-cjk"
samples=${1:-3}
[[ $samples =~ ^[1-9][0-9]*$ ]] || { echo "large.sh: SAMPLES must be a whole number, not '$samples'" >&2; exit 1; }
args=()
for font in "${fonts[@]}"; do
  [[ -f $font ]] || { echo "large.sh: $font is missing: apt-get install $packages" >&2; exit 1; }
  args+=(--font "$font")
done
[[ -x /usr/bin/time ]] || { echo "large.sh: /usr/bin/time is missing: apt-get install time" >&2; exit 1; }

bin=target/release/augsafe
cargo build --release --quiet
out=target/cjk/large-7356-$samples
if [[ ! -d $out ]]; then
  chars=$(python3 -c "
chars = []
for hi in range(0xB0, 0xF8):  # GB2312 levels 1 and 2
    for lo in range(0xA1, 0xFF):
        try:
            chars.append(bytes([hi, lo]).decode('gb2312'))
        except UnicodeDecodeError:
            pass
seen = set(chars)
for hi in range(0x81, 0xFF):  # then GBK, in code order, up to 7,356 in all
    for lo in list(range(0x40, 0x7F)) + list(range(0x80, 0xFF)):
        if len(chars) == 7356:
            break
        try:
            c = bytes([hi, lo]).decode('gbk')
        except UnicodeDecodeError:
            continue
        if c not in seen and '\u4e00' <= c <= '\u9fff':
            chars.append(c)
            seen.add(c)
print(''.join(chars))")
  "$bin" render "${args[@]}" --chars "$chars" --size 48 --samples "$samples" --seed 1 --out "$out"
fi
log=$(mktemp)
/usr/bin/time -v "$bin" scan "$out" --quiet --json "$out.json" 2> "$log" || { cat "$log" >&2; exit 1; }
python3 - "$out.json" "$log" <<'PY'
import json, re, sys
report = json.load(open(sys.argv[1]))
log = open(sys.argv[2]).read()
wall = re.search(r"Elapsed \(wall clock\) time \(h:mm:ss or m:ss\): (\S+)", log).group(1)
seconds = sum(float(p) * 60 ** i for i, p in enumerate(reversed(wall.split(":"))))
peak = int(re.search(r"Maximum resident set size \(kbytes\): (\d+)", log).group(1)) / 1024
images = report["dataset"]["images"]
c = report["classifier"]
print(f"{images} images, {len(report['dataset']['classes'])} classes, {c['templates']} templates: "
      f"scanned in {seconds:.1f} s, memory peak {peak:.0f} MB")
print(f"projected to 3.9 million glyphs: {seconds * 3.9e6 / images / 60:.1f} minutes")
PY
rm -f "$log"
