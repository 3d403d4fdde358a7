#!/usr/bin/env python3
"""Writes the dataset-format fixtures in fixtures/formats/ from the PNG digits in
fixtures/digits/, each with the writer its ecosystem uses: pandas' to_csv for the pixel CSV
(Kaggle's Digit Recognizer layout), NumPy's np.savez and np.savez_compressed for the archives
(Keras' mnist.npz, KMNIST's one-array files, float images in 0..1) and np.save for the
.npy pair; and GNT files, CASIA-HWDB's format, written by write_gnt() below following its
published layout, the digits labelled by the Chinese numerals 零 to 九 in GB2312; and Parquet
shards written by Hugging Face's datasets library (Dataset.to_parquet: PNG bytes in an image
column, a ClassLabel label column, the class names in the file's metadata). Every file holds
the 199 digits in the order a folder scan reads them (by label, then file name), inverted to
light ink on dark as those datasets store them, so that a scan of each gives the report of
the folder. Broken files go in bad/.

Run from the repository root:

    bash scripts/formats/setup.sh
    target/venv-albu2/bin/python scripts/formats/make_fixtures.py

See fixtures/formats/README.md for what each file is.
"""

import os
import shutil
import struct

import cv2
import datasets
import numpy as np
import pandas as pd
from PIL import Image

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SOURCE = os.path.join(ROOT, "fixtures", "digits")
OUT = os.path.join(ROOT, "fixtures", "formats")


def load_digits():
    """The PNG digits, by label and then file name, inverted to light ink on dark."""
    images, labels = [], []
    for label in sorted(d for d in os.listdir(SOURCE) if os.path.isdir(os.path.join(SOURCE, d))):
        folder = os.path.join(SOURCE, label)
        for name in sorted(os.listdir(folder)):
            image = cv2.imread(os.path.join(folder, name), cv2.IMREAD_GRAYSCALE)
            images.append(255 - image)
            labels.append(int(label))
    return np.stack(images), np.array(labels, dtype=np.uint8)


NUMERALS = "零一二三四五六七八九"


def gnt_record(character, image):
    """One GNT record: its size (u32), the character's GB code (two bytes, high byte first),
    width and height (u16), then the bitmap row by row, ink dark on white. Little-endian."""
    code = character.encode("gb2312")
    assert len(code) == 2
    height, width = image.shape
    header = struct.pack("<I", 10 + width * height) + code + struct.pack("<HH", width, height)
    return header + image.astype(np.uint8).tobytes()


def write_gnt(path, records):
    with open(path, "wb") as out:
        for character, image in records:
            out.write(gnt_record(character, image))


def main():
    images, labels = load_digits()
    n, side, _ = images.shape
    if os.path.isdir(OUT):
        for entry in os.listdir(OUT):
            if entry != "README.md":
                path = os.path.join(OUT, entry)
                shutil.rmtree(path) if os.path.isdir(path) else os.remove(path)
    os.makedirs(os.path.join(OUT, "bad"), exist_ok=True)

    # Kaggle's Digit Recognizer: a header of label,pixel0..pixelN, one image per row.
    frame = pd.DataFrame(images.reshape(n, side * side), columns=[f"pixel{i}" for i in range(side * side)])
    frame.insert(0, "label", labels)
    frame.to_csv(os.path.join(OUT, "digits.csv"), index=False)

    # Keras' mnist.npz: both splits in one archive (the test split: every tenth digit).
    test = np.arange(0, n, 10)
    np.savez(os.path.join(OUT, "mnist.npz"), x_train=images, y_train=labels, x_test=images[test], y_test=labels[test])

    # KMNIST: one compressed archive per array, each holding arr_0.
    kmnist = os.path.join(OUT, "kmnist")
    os.makedirs(kmnist)
    np.savez_compressed(os.path.join(kmnist, "kmnist-train-imgs.npz"), images)
    np.savez_compressed(os.path.join(kmnist, "kmnist-train-labels.npz"), labels)
    np.savez_compressed(os.path.join(kmnist, "kmnist-test-imgs.npz"), images[test])
    np.savez_compressed(os.path.join(kmnist, "kmnist-test-labels.npz"), labels[test])

    # Float images in 0..1, as a model's input pipeline leaves them (compressed: mostly 0).
    np.savez_compressed(os.path.join(OUT, "floats.npz"), x_train=(images / 255.0).astype(np.float32), y_train=labels)

    # A pair of .npy files: images with a channel axis, int64 labels.
    pair = os.path.join(OUT, "npy")
    os.makedirs(pair)
    np.save(os.path.join(pair, "x_train.npy"), images[..., None])
    np.save(os.path.join(pair, "y_train.npy"), labels.astype(np.int64))

    # Each good archive read back, against the source.
    with np.load(os.path.join(OUT, "mnist.npz")) as archive:
        assert np.array_equal(archive["x_train"], images) and np.array_equal(archive["y_train"], labels)
    with np.load(os.path.join(kmnist, "kmnist-train-imgs.npz")) as archive:
        assert np.array_equal(archive["arr_0"], images)
    back = pd.read_csv(os.path.join(OUT, "digits.csv"))
    assert np.array_equal(back.iloc[:, 1:].to_numpy().reshape(n, side, side), images)
    # GNT: one file per writer, as CASIA ships them; each class's first digits by the first
    # writer, the rest by the second, so that the glyphs keep the folder's order.
    gnt = os.path.join(OUT, "gnt")
    os.makedirs(gnt)
    writers = ([], [])
    for digit in range(10):
        members = [i for i in range(n) if labels[i] == digit]
        half = len(members) // 2
        for k, i in enumerate(members):
            writers[k >= half].append((NUMERALS[digit], 255 - images[i]))
    write_gnt(os.path.join(gnt, "1001-c.gnt"), writers[0])
    write_gnt(os.path.join(gnt, "1002-c.gnt"), writers[1])

    # Hugging Face: a training split in two shards, and a test split in one.
    parquet = os.path.join(OUT, "parquet")
    os.makedirs(parquet)
    features = datasets.Features(
        {"image": datasets.Image(), "label": datasets.ClassLabel(names=[str(d) for d in range(10)])}
    )
    def hub(indices):
        return datasets.Dataset.from_dict(
            {"image": [Image.fromarray(images[i]) for i in indices], "label": [int(labels[i]) for i in indices]},
            features=features,
        )
    train = hub(range(n))
    for shard in range(2):
        part = train.shard(num_shards=2, index=shard, contiguous=True)
        part.to_parquet(os.path.join(parquet, f"train-0000{shard}-of-00002.parquet"))
    hub(test).to_parquet(os.path.join(parquet, "test-00000-of-00001.parquet"))

    bad = os.path.join(OUT, "bad")
    images, labels = images[:20], labels[:20]
    # An archive without its labels.
    np.savez(os.path.join(bad, "images-only.npz"), x_train=images)
    # Labels for fewer images than there are.
    np.savez(os.path.join(bad, "short-labels.npz"), x_train=images, y_train=labels[:-1])
    # A Parquet shard cut short, and one whose labels are strings with no class names.
    shard = os.path.join(parquet, "test-00000-of-00001.parquet")
    with open(shard, "rb") as source:
        data = source.read()
    with open(os.path.join(bad, "truncated.parquet"), "wb") as out:
        out.write(data[: len(data) // 2])
    datasets.Dataset.from_dict(
        {"picture": [Image.fromarray(images[i]) for i in range(20)], "digit": [int(labels[i]) for i in range(20)]},
        features=datasets.Features({"picture": datasets.Image(), "digit": datasets.Value("int64")}),
    ).to_parquet(os.path.join(bad, "other-columns.parquet"))
    # A GNT file cut short within its third record.
    record = len(gnt_record(NUMERALS[0], images[0]))
    write_gnt(os.path.join(bad, "truncated.gnt"), [(NUMERALS[0], 255 - images[0])] * 3)
    with open(os.path.join(bad, "truncated.gnt"), "rb") as source:
        data = source.read()
    with open(os.path.join(bad, "truncated.gnt"), "wb") as out:
        out.write(data[: 2 * record + record // 2])
    # An .npy cut short within its images.
    full = os.path.join(bad, "x_train.npy")
    np.save(full, images)
    with open(full, "rb") as source:
        data = source.read()
    with open(full, "wb") as out:
        out.write(data[: len(data) // 2])
    np.save(os.path.join(bad, "y_train.npy"), labels)

    print(f"wrote {n} digits of {side}×{side} into {OUT}")


if __name__ == "__main__":
    main()
