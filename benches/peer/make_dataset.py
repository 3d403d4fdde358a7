#!/usr/bin/env python3
"""Makes an EMNIST-like benchmark dataset from the fixture glyphs: an IDX image/label pair.

N images of 28x28, uint8, light ink on a dark background (as MNIST and EMNIST), labels
0..61 in EMNIST byclass order (0-9, A-Z, a-z), balanced and shuffled. Each image is one of
the 744 glyphs of fixtures/glyphs/ (32x32, dark on light, 3 fonts), downscaled to 28x28
(cv2.INTER_AREA), inverted, shifted by a random whole number of pixels (-2..2 each way, the
uncovered edge dark), its ink scaled by a random contrast in 0.8..1 and given a little
Gaussian noise (sigma 2 grey levels, clipped), so that no two images are the same. Seeded:
the same N and seed give the same bytes.

Writes, into OUT (default target/bench-data/N):
    images-idx3-ubyte   magic 0x00000803, big-endian N, 28, 28, then the pixels
    labels-idx1-ubyte   magic 0x00000801, big-endian N, then one byte per image
    mapping.txt         EMNIST's mapping format: "index ascii_code" per line

The IDX files are written with NumPy by hand, in chunks, so the full EMNIST-byclass-sized
set (N = 814255, 638 MB of pixels) needs little memory:

    target/venv-albu2/bin/python benches/peer/make_dataset.py 814255
"""

import argparse
import os
import sys
import time

import cv2
import numpy as np

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
GLYPHS = os.path.join(ROOT, "fixtures", "glyphs")
SIZE = 28
SHIFT = 2
CHUNK = 65536
CLASSES = [chr(c) for c in range(ord("0"), ord("9") + 1)] + \
          [chr(c) for c in range(ord("A"), ord("Z") + 1)] + \
          [chr(c) for c in range(ord("a"), ord("z") + 1)]


def folder_label(name):
    """The label a fixture folder stands for: `U+0041_A` is `A`, `a` is `a`."""
    if name.startswith("U+"):
        return chr(int(name[2:].split("_")[0], 16))
    return name


def load_sources():
    """Per class (EMNIST byclass order), the fixture glyphs at 28x28, light on dark."""
    by_label = {}
    for name in sorted(os.listdir(GLYPHS)):
        folder = os.path.join(GLYPHS, name)
        if not os.path.isdir(folder):
            continue
        glyphs = []
        for file in sorted(os.listdir(folder)):
            if not file.endswith(".png"):
                continue
            image = cv2.imread(os.path.join(folder, file), cv2.IMREAD_GRAYSCALE)
            assert image is not None, file
            small = cv2.resize(image, (SIZE, SIZE), interpolation=cv2.INTER_AREA)
            glyphs.append(255 - small)
        by_label[folder_label(name)] = np.stack(glyphs)
    missing = [c for c in CLASSES if c not in by_label]
    assert not missing, f"fixtures/glyphs lacks {missing}"
    return [by_label[c] for c in CLASSES]


def shifted_table(sources):
    """Every source glyph at every whole-pixel shift: [glyphs, shifts, 28, 28], and the class
    of each glyph."""
    glyphs = np.concatenate(sources)
    classes = np.concatenate([np.full(len(s), i, dtype=np.uint8) for i, s in enumerate(sources)])
    offsets = range(-SHIFT, SHIFT + 1)
    padded = np.pad(glyphs, ((0, 0), (SHIFT, SHIFT), (SHIFT, SHIFT)))
    table = np.stack([
        padded[:, SHIFT - dy:SHIFT - dy + SIZE, SHIFT - dx:SHIFT - dx + SIZE]
        for dy in offsets for dx in offsets
    ], axis=1)
    return table, classes


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("n", type=int, nargs="?", default=20000, help="number of images (default 20000)")
    parser.add_argument("--out", help="output folder (default target/bench-data/N)")
    parser.add_argument("--seed", type=int, default=5, help="random seed (default 5)")
    args = parser.parse_args()
    if args.n < len(CLASSES):
        parser.error(f"n must be at least {len(CLASSES)} (one image per class)")
    out = args.out or os.path.join(ROOT, "target", "bench-data", str(args.n))
    os.makedirs(out, exist_ok=True)
    start = time.perf_counter()

    rng = np.random.default_rng(args.seed)
    sources = load_sources()
    table, source_class = shifted_table(sources)
    first = np.concatenate([[0], np.cumsum([len(s) for s in sources])])
    counts = np.array([len(s) for s in sources])

    # Balanced labels, shuffled.
    labels = rng.permutation(np.arange(args.n) % len(CLASSES)).astype(np.uint8)

    images_path = os.path.join(out, "images-idx3-ubyte")
    labels_path = os.path.join(out, "labels-idx1-ubyte")
    with open(images_path + ".part", "wb") as f:
        f.write(bytes.fromhex("00000803"))
        f.write(np.array([args.n, SIZE, SIZE], dtype=">u4").tobytes())
        for lo in range(0, args.n, CHUNK):
            chunk = labels[lo:lo + CHUNK].astype(np.int64)
            m = len(chunk)
            glyph = first[chunk] + rng.integers(0, counts[chunk])
            assert np.array_equal(source_class[glyph], chunk)
            shift = rng.integers(0, table.shape[1], size=m)
            contrast = rng.uniform(0.8, 1.0, size=(m, 1, 1)).astype(np.float32)
            noise = rng.normal(0.0, 2.0, size=(m, SIZE, SIZE)).astype(np.float32)
            pixels = table[glyph, shift].astype(np.float32) * contrast + noise
            f.write(np.clip(np.rint(pixels), 0, 255).astype(np.uint8).tobytes())
    with open(labels_path + ".part", "wb") as f:
        f.write(bytes.fromhex("00000801"))
        f.write(np.array([args.n], dtype=">u4").tobytes())
        f.write(labels.tobytes())
    os.replace(images_path + ".part", images_path)
    os.replace(labels_path + ".part", labels_path)
    with open(os.path.join(out, "mapping.txt"), "w") as f:
        f.writelines(f"{i} {ord(c)}\n" for i, c in enumerate(CLASSES))

    # Read the headers back.
    with open(images_path, "rb") as f:
        header = np.frombuffer(f.read(16), dtype=">u4")
    assert header.tolist() == [0x803, args.n, SIZE, SIZE], header
    assert os.path.getsize(images_path) == 16 + args.n * SIZE * SIZE
    assert os.path.getsize(labels_path) == 8 + args.n
    print(f"{out}: {args.n} images of {SIZE}x{SIZE} in {len(CLASSES)} classes from "
          f"{len(source_class)} fixture glyphs, seed {args.seed}, "
          f"{time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    sys.exit(main())
