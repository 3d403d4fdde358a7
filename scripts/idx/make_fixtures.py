#!/usr/bin/env python3
"""Writes the IDX fixtures in fixtures/idx/ from the PNG digits in fixtures/digits/.

The IDX files are written by idx2numpy (https://pypi.org/project/idx2numpy/), a writer
independent of augsafe, and every good file is read back with it and compared with the
source pixels. Only the deliberately broken files in bad/ are cut by hand from idx2numpy's
output (or, for the wrong magic, are a PNG file).

Run from the repository root, in the virtualenv scripts/idx/setup.sh makes:

    bash scripts/idx/setup.sh
    target/venv-albu2/bin/python scripts/idx/make_fixtures.py

The output is byte-for-byte reproducible (gzip members carry no time stamp or file name).
See fixtures/idx/README.md for what each file is.
"""

import gzip
import io
import os
import shutil
import sys

import cv2
import idx2numpy
import numpy as np

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SOURCE = os.path.join(ROOT, "fixtures", "digits")
OUT = os.path.join(ROOT, "fixtures", "idx")

IMAGES = "digits-images-idx3-ubyte"
LABELS = "digits-labels-idx1-ubyte"


def load_digits():
    """The PNG digits, sorted by label and then file name, inverted to light ink on dark."""
    labels = sorted(
        d for d in os.listdir(SOURCE) if os.path.isdir(os.path.join(SOURCE, d))
    )
    assert labels == [str(i) for i in range(10)], labels
    images, targets, names = [], [], []
    for index, label in enumerate(labels):
        folder = os.path.join(SOURCE, label)
        for name in sorted(n for n in os.listdir(folder) if n.endswith(".png")):
            path = os.path.join(folder, name)
            image = cv2.imread(path, cv2.IMREAD_UNCHANGED)
            assert image is not None and image.dtype == np.uint8 and image.shape == (32, 32), (
                path,
                None if image is None else (image.dtype, image.shape),
            )
            images.append(255 - image)  # dark on light -> light on dark, as MNIST
            targets.append(index)
            names.append(f"{label}/{name}")
    return np.stack(images), np.array(targets, dtype=np.uint8), labels, names


def idx_bytes(array):
    return idx2numpy.convert_to_string(np.ascontiguousarray(array))


def gzip_bytes(data):
    # mtime=0 and no file name: the same input always gives the same bytes.
    return gzip.compress(data, compresslevel=9, mtime=0)


def write(relative, data):
    path = os.path.join(OUT, relative)
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    return path


def read_back(relative):
    path = os.path.join(OUT, relative)
    if path.endswith(".gz"):
        with gzip.open(path, "rb") as f:
            return idx2numpy.convert_from_file(f)
    return idx2numpy.convert_from_file(path)


def expect_rejected(relative):
    """idx2numpy must refuse a broken file, as augsafe must."""
    try:
        read_back(relative)
    except (idx2numpy.FormatError, ValueError) as error:
        return f"rejected by idx2numpy: {error}"
    raise AssertionError(f"{relative}: idx2numpy read a file that should be broken")


def main():
    images, targets, labels, names = load_digits()
    n = len(images)
    print(f"{SOURCE}: {n} digits in {len(labels)} classes")

    if os.path.isdir(OUT):
        # Keep README.md, rewrite every data file.
        for entry in os.listdir(OUT):
            path = os.path.join(OUT, entry)
            if os.path.isdir(path):
                shutil.rmtree(path)
            elif entry != "README.md":
                os.remove(path)

    image_bytes = idx_bytes(images)
    label_bytes = idx_bytes(targets)

    # The MNIST layout, uncompressed, and gzipped as MNIST and EMNIST are distributed.
    write(IMAGES, image_bytes)
    write(LABELS, label_bytes)
    write(f"gz/{IMAGES}.gz", gzip_bytes(image_bytes))
    write(f"gz/{LABELS}.gz", gzip_bytes(label_bytes))

    # Label names: EMNIST's mapping format ("index ascii_code") and a plain list.
    write("digits-mapping.txt", "".join(f"{i} {ord(l)}\n" for i, l in enumerate(labels)).encode())
    write("digits-labels.txt", "".join(f"{l}\n" for l in labels).encode())
    # A plain list whose names differ from the indices, so that a test can tell that the
    # list was applied rather than the numeric labels printed.
    words = ["zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine"]
    write("digits-names.txt", "".join(f"{w}\n" for w in words).encode())

    # EMNIST's orientation: each image stored transposed (row y of the file is column y of
    # the upright glyph). Gzipped, as EMNIST ships, to keep the folder small.
    transposed = np.ascontiguousarray(images.transpose(0, 2, 1))
    write(f"transposed/{IMAGES}.gz", gzip_bytes(idx_bytes(transposed)))
    write(f"transposed/{LABELS}.gz", gzip_bytes(label_bytes))

    # Element type 0x0D: big-endian float32, ink level / 255 (0..1), gzipped. Four bytes a
    # pixel, so only every 6th image to keep the folder small: image i here is image 6i of the
    # uint8 file, the unjittered sample (_00) of each font, 3 per digit, 30 in all.
    subset = slice(None, None, 6)
    assert all(name.endswith("_00.png") for name in names[subset])
    floats = (images[subset].astype(np.float32) / np.float32(255.0)).astype(np.float32)
    float_bytes = idx_bytes(floats)
    assert float_bytes[:4] == b"\x00\x00\x0d\x03", float_bytes[:4]
    write(f"float32/{IMAGES}.gz", gzip_bytes(float_bytes))
    write(f"float32/{LABELS}.gz", gzip_bytes(idx_bytes(targets[subset])))

    # Broken files.
    header = 16  # magic + 3 sizes
    # The header promises all n images; the pixel data stops in the middle of the 6th image.
    cut = header + 5 * 32 * 32 + 32 * 16 + 7
    write(f"bad/truncated-images-idx3-ubyte", image_bytes[:cut])
    # A PNG file under an IDX name: the first two bytes of the magic are not zero.
    # (0x00000903 would not do: 0x09 is a valid IDX element type, signed bytes.)
    with open(os.path.join(SOURCE, "6", "DejaVuSans_00.png"), "rb") as f:
        write("bad/wrong-magic-images-idx3-ubyte", f.read())
    # A valid images header with an element type code IDX does not define (0x07).
    bad_type = bytearray(image_bytes[: header + 2 * 32 * 32])
    bad_type[2] = 0x07
    bad_type[4:8] = (2).to_bytes(4, "big")
    write("bad/bad-type-images-idx3-ubyte", bytes(bad_type))
    # A well-formed labels file whose count (header and data agree) is one short of the images.
    short = n - 1
    write("bad/short-labels-idx1-ubyte", idx_bytes(targets[:short]))
    write("bad/empty-idx3-ubyte", b"")
    write("bad/truncated-header-idx3-ubyte", image_bytes[:6])

    # Read every good file back with idx2numpy and compare it with the source.
    print("read back with idx2numpy:")

    def check(relative, expected):
        got = read_back(relative)
        assert got.dtype.newbyteorder("=") == expected.dtype.newbyteorder("=") or (
            got.dtype.kind == expected.dtype.kind and got.dtype.itemsize == expected.dtype.itemsize
        ), (relative, got.dtype, expected.dtype)
        assert got.shape == expected.shape, (relative, got.shape, expected.shape)
        assert np.array_equal(got, expected), relative
        print(f"  {relative}: {got.dtype.str} {got.shape} ok")
        return got

    check(IMAGES, images)
    check(LABELS, targets)
    check(f"gz/{IMAGES}.gz", images)
    check(f"gz/{LABELS}.gz", targets)
    upright = check(f"transposed/{IMAGES}.gz", transposed).transpose(0, 2, 1)
    assert np.array_equal(upright, images)
    check(f"transposed/{LABELS}.gz", targets)
    got = check(f"float32/{IMAGES}.gz", floats)
    assert got.dtype == np.dtype(">f4") and got.min() >= 0.0 and got.max() <= 1.0
    assert np.array_equal(np.rint(got * 255).astype(np.uint8), images[subset])
    check(f"float32/{LABELS}.gz", targets[subset])
    short_labels = check("bad/short-labels-idx1-ubyte", targets[:short])
    assert len(short_labels) < n

    # Independent of idx2numpy: the raw headers are what the MNIST layout says.
    with open(os.path.join(OUT, IMAGES), "rb") as f:
        raw = f.read(16)
    assert raw == bytes.fromhex("00000803") + n.to_bytes(4, "big") + (32).to_bytes(4, "big") * 2
    with open(os.path.join(OUT, LABELS), "rb") as f:
        raw = f.read(8)
    assert raw == bytes.fromhex("00000801") + n.to_bytes(4, "big")
    # The ink really is light on dark: the border is dark, the brightest pixels are ink.
    border = np.concatenate([images[:, 0], images[:, -1], images[:, :, 0], images[:, :, -1]], axis=1)
    assert np.median(border) < 16 and images.max() > 200

    print("broken files:")
    for relative in [
        "bad/truncated-images-idx3-ubyte",
        "bad/wrong-magic-images-idx3-ubyte",
        "bad/bad-type-images-idx3-ubyte",
        "bad/empty-idx3-ubyte",
        "bad/truncated-header-idx3-ubyte",
    ]:
        print(f"  {relative}: {expect_rejected(relative)}")
    print(f"  bad/short-labels-idx1-ubyte: {short} labels for {n} images")

    total = 0
    print("sizes:")
    for folder, _, files in sorted(os.walk(OUT)):
        for name in sorted(files):
            path = os.path.join(folder, name)
            size = os.path.getsize(path)
            total += size
            print(f"  {os.path.relpath(path, OUT)}: {size} bytes")
    print(f"  total: {total} bytes")
    assert total < 260_000, total
    first = {label: names[targets.tolist().index(i)] for i, label in enumerate(labels)}
    print(f"order: sorted by label, then file name; first of class 6 is image "
          f"{targets.tolist().index(6)} ({first['6']})")


if __name__ == "__main__":
    sys.exit(main())
