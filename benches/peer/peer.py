#!/usr/bin/env python3
"""The peer of augsafe's end-to-end benchmark: the same job, in Python, as a user would write it.

For every image of an IDX pair (uint8, light ink on dark, any HxW):
  1. classify the original against the templates (the baseline);
  2. if it is recognised, apply each transformation of augsafe's default set with
     Albumentations, image by image:
       rotate:-10..10 (5 draws)            A.Rotate(limit=(-10, 10)), constant border = background
       rotate:90, rotate:180, rotate:270   A.Rotate(limit=(a, a)), the same border
       hflip, vflip                        A.HorizontalFlip(p=1), A.VerticalFlip(p=1)
       crop:0.7..0.9 (5 draws)             A.RandomCrop of round(side * f), f uniform in 0.7..0.9
       crop:left/right/top/bottom=0.5      A.Crop of that half
       crop:center=0.7                     A.CenterCrop of round(side * 0.7)
  3. normalise every glyph (original or transformed) as augsafe does, in NumPy, batched:
     ink = max(0, pixel - background) / 255 (background: the median of the outermost ring),
     the frame resized to 32x32 (triangle filter, as augsafe's resize), the centre of ink moved
     to (15.5, 15.5) with bilinear sub-pixel resampling, a Gaussian blur of sigma 1 (7 taps,
     zero beyond the frame), each row shifted so the ink's main axis stands upright (shear
     cov(x, y) / (var(y) - sigma^2), at most 1, none when that variance is below 2; linear
     interpolation), minus the mean, divided by the norm;
  4. normalised cross-correlation against the templates (one matrix product,
     features @ templates.T, then the maximum per class), and augsafe's verdict per glyph:
     changed when another class beats the own by more than the margin (0.03), uncertain when
     the two are within it or no ink is left.

Images are processed in batches (--batch-size): Albumentations works image by image, NumPy
on the whole batch. --workers processes (default: one per core) each take a contiguous share
of the images, every process single-threaded (BLAS too), as augsafe uses every core.

Templates: a .npy file of shape [T, 1024], float32 (what `augsafe scan --save-templates
PATH.npy` writes), and beside it PATH.labels.txt, the class of each template, one per line,
as augsafe names the classes (the IDX label index, or its name from --mapping). For testing
without augsafe: --random-templates K (K random unit vectors per class) or --mean-templates
(one template per class: the mean of its normalised originals).

Not done here, unlike augsafe: building the templates (they are given), the leave-one-out
baseline (the original is scored against all templates) and discounting baseline confusions.
So the peer does a little less work than augsafe.

    target/venv-albu2/bin/python benches/peer/peer.py \\
        --images DIR/images-idx3-ubyte --labels DIR/labels-idx1-ubyte \\
        --templates T.npy [--limit 2000] [--batch-size 256] [--workers 2] [--json out.json]
"""

import os

# One thread per process: the parallelism is --workers processes. Set before NumPy loads.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ[_var] = "1"
os.environ.setdefault("NO_ALBUMENTATIONS_UPDATE", "1")

import argparse  # noqa: E402
import gzip  # noqa: E402
import json  # noqa: E402
import multiprocessing  # noqa: E402
import platform  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
import warnings  # noqa: E402

import numpy as np  # noqa: E402
import cv2  # noqa: E402

warnings.simplefilter("ignore")
import albumentations as A  # noqa: E402

cv2.setNumThreads(1)

SIZE = 32
CENTRE = (SIZE - 1) / 2.0
BLUR_SIGMA = 1.0
MIN_INK = 0.5
MARGIN = 0.03
DRAWS = 5

# augsafe's default set, in its order: (spec, draws).
SPECS = [
    ("rotate:-10..10", DRAWS),
    ("rotate:90", 1),
    ("rotate:180", 1),
    ("rotate:270", 1),
    ("hflip", 1),
    ("vflip", 1),
    ("crop:0.7..0.9", DRAWS),
    ("crop:left=0.5", 1),
    ("crop:right=0.5", 1),
    ("crop:top=0.5", 1),
    ("crop:bottom=0.5", 1),
    ("crop:center=0.7", 1),
]

IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


# ---------------------------------------------------------------------------------------------
# Input


def read_idx(path):
    """An IDX file as an array (memory-mapped when uncompressed), gzipped or not."""
    with open(path, "rb") as f:
        gzipped = f.read(2) == b"\x1f\x8b"
    opener = gzip.open if gzipped else open
    with opener(path, "rb") as f:
        magic = f.read(4)
        if len(magic) < 4 or magic[0] != 0 or magic[1] != 0 or magic[2] not in IDX_TYPES:
            sys.exit(f"{path}: not an IDX file (magic {magic.hex()})")
        dims = magic[3]
        shape = tuple(int(v) for v in np.frombuffer(f.read(4 * dims), dtype=">u4"))
        dtype = np.dtype(IDX_TYPES[magic[2]])
        offset = 4 + 4 * dims
        if gzipped:
            data = np.frombuffer(f.read(), dtype=dtype)
            if data.size != int(np.prod(shape)):
                sys.exit(f"{path}: {data.size} values, the header promises {int(np.prod(shape))}")
            return data.reshape(shape)
    expected = offset + int(np.prod(shape)) * dtype.itemsize
    if os.path.getsize(path) != expected:
        sys.exit(f"{path}: {os.path.getsize(path)} bytes, the header promises {expected}")
    return np.memmap(path, dtype=dtype, mode="r", offset=offset, shape=shape)


def read_names(path):
    """Label names from EMNIST's mapping format ("index ascii_code") or a plain list."""
    lines = [line.strip() for line in open(path, encoding="utf-8") if line.strip()]
    pairs = [line.split() for line in lines]
    if all(len(p) == 2 and p[0].isdigit() and p[1].isdigit() for p in pairs):
        names = {}
        for index, code in pairs:
            names[int(index)] = chr(int(code))
        return [names[i] for i in range(max(names) + 1)]
    return lines


def load_templates(path, labels_path, namings):
    """Templates and the class index of each. `namings`: candidate lists of class names (the
    label indices as numbers, then the names from --mapping); the first that names every
    template class is used, so the templates work whether augsafe was given the mapping or not."""
    templates = np.load(path).astype(np.float32)
    if templates.ndim != 2 or templates.shape[1] != SIZE * SIZE:
        sys.exit(f"{path}: templates of shape {templates.shape}, expected [T, {SIZE * SIZE}]")
    if not os.path.exists(labels_path):
        sys.exit(f"{labels_path}: missing (the class of each template, one per line)")
    labels = [line.rstrip("\r\n") for line in open(labels_path, encoding="utf-8")]
    while labels and labels[-1] == "":
        labels.pop()
    if len(labels) != len(templates):
        sys.exit(f"{labels_path}: {len(labels)} labels for {len(templates)} templates")
    for class_names in namings:
        index = {name: i for i, name in enumerate(class_names)}
        if all(label in index for label in labels):
            return templates, np.array([index[label] for label in labels]), class_names
    unknown = sorted(set(labels) - set(namings[0]))
    sys.exit(f"{labels_path}: template classes {unknown[:5]} are not classes of the dataset "
             f"({', '.join(namings[-1][:5])}, ...); give --mapping as augsafe was given")


def random_templates(per_class, classes, seed):
    rng = np.random.default_rng(seed)
    templates = rng.standard_normal((per_class * classes, SIZE * SIZE)).astype(np.float32)
    templates -= templates.mean(axis=1, keepdims=True)
    templates /= np.linalg.norm(templates, axis=1, keepdims=True)
    return templates, np.repeat(np.arange(classes), per_class)


# ---------------------------------------------------------------------------------------------
# Normalisation, vectorised over a stack of same-sized images


def triangle_matrix(n_in, n_out=SIZE):
    """The [n_out, n_in] resampling matrix of a triangle (linear) filter, widened when
    shrinking, normalised per output pixel: the filter augsafe's resize uses."""
    ratio = n_in / n_out
    scale = max(ratio, 1.0)
    support = scale
    m = np.zeros((n_out, n_in), dtype=np.float64)
    for out in range(n_out):
        centre = (out + 0.5) * ratio
        left = int(min(max(np.floor(centre - support), 0), n_in - 1))
        right = int(min(max(np.ceil(centre + support), left + 1), n_in))
        j = np.arange(left, right)
        w = np.maximum(0.0, 1.0 - np.abs((j - (centre - 0.5)) / scale))
        if w.sum() > 0:
            m[out, left:right] = w / w.sum()
    return m.astype(np.float32)


def blur_matrix():
    """[32, 32] Gaussian blur as augsafe's: sigma 1, 7 taps (radius 3) summing to 1, nothing
    beyond the frame (zero)."""
    radius = 3
    taps = np.exp(-0.5 * (np.arange(-radius, radius + 1) / BLUR_SIGMA) ** 2)
    taps /= taps.sum()
    m = np.zeros((SIZE, SIZE), dtype=np.float64)
    for y in range(SIZE):
        for k, t in zip(range(-radius, radius + 1), taps):
            if 0 <= y + k < SIZE:
                m[y, y + k] += t
    return m.astype(np.float32)


BLUR = blur_matrix()
_RESIZE = {}
_AXIS = np.arange(SIZE, dtype=np.float32)


def resize_matrix(n):
    if n not in _RESIZE:
        _RESIZE[n] = triangle_matrix(n)
    return _RESIZE[n]


def shift_matrices(d):
    """[n, 32, 32] bilinear resampling matrices: output pixel y reads input position y + d."""
    n = len(d)
    src = _AXIS[None, :] + d[:, None].astype(np.float32)
    j0 = np.floor(src)
    f = src - j0
    j0 = j0.astype(np.int64)
    m = np.zeros((n, SIZE, SIZE), dtype=np.float32)
    rows = np.broadcast_to(np.arange(n)[:, None], (n, SIZE))
    cols = np.broadcast_to(np.arange(SIZE)[None, :], (n, SIZE))
    for j, w in ((j0, 1.0 - f), (j0 + 1, f)):
        inside = (j >= 0) & (j < SIZE)
        m[rows, cols, np.clip(j, 0, SIZE - 1)] += np.where(inside, w, 0.0)
    return m


def border_median(images):
    """Per image, the median of the outermost ring of pixels (augsafe's background)."""
    ring = np.concatenate(
        [images[:, 0, :], images[:, -1, :], images[:, 1:-1, 0], images[:, 1:-1, -1]], axis=1
    )
    # augsafe's median is the lower one: the first level where half the ring is reached.
    ring = np.sort(ring, axis=1)
    return ring[:, (ring.shape[1] - 1) // 2].astype(np.float32)


def deslant(canonical):
    """[n, 32, 32] centred, blurred glyphs sheared along their rows so that the main axis of
    their ink is vertical, as augsafe deslants."""
    axis = np.arange(SIZE, dtype=np.float64)
    mass = canonical.sum(axis=(1, 2), dtype=np.float64)
    safe_mass = np.where(mass > 0, mass, 1.0)
    rows, cols = canonical.sum(axis=2, dtype=np.float64), canonical.sum(axis=1, dtype=np.float64)
    dy = axis[None, :] - (rows @ axis / safe_mass)[:, None]
    dx = axis[None, :] - (cols @ axis / safe_mass)[:, None]
    row_variance = (rows * dy**2).sum(axis=1) / safe_mass - 1.0
    covariance = np.einsum("nyx,ny,nx->n", canonical, dy, dx) / safe_mass
    shear = np.where(row_variance >= 2.0,
                     np.clip(covariance / np.where(row_variance > 0, row_variance, 1.0), -1, 1),
                     0.0)
    offset = shear[:, None] * dy
    whole = np.floor(offset)
    fraction = (offset - whole).astype(np.float32)[:, :, None]
    source = (axis[None, None, :] + whole[:, :, None]).astype(np.int64)

    def at(index):
        inside = (index >= 0) & (index < SIZE)
        values = np.take_along_axis(canonical, np.clip(index, 0, SIZE - 1), axis=2)
        return np.where(inside, values, 0.0).astype(np.float32)

    return at(source) * (1 - fraction) + at(source + 1) * fraction


def normalise(stack, background):
    """[n, h, w] uint8 light-on-dark glyphs -> ([n, 1024] zero-mean unit features, has_ink)."""
    n, h, w = stack.shape
    ink = np.maximum(stack.astype(np.float32) - background[:, None, None], 0.0) * (1.0 / 255.0)
    if (h, w) != (SIZE, SIZE):
        ink = resize_matrix(h) @ ink @ resize_matrix(w).T
    mass = ink.sum(axis=(1, 2))
    has_ink = mass >= MIN_INK
    safe_mass = np.where(has_ink, mass, 1.0)
    dy = np.where(has_ink, ink.sum(axis=2) @ _AXIS / safe_mass - CENTRE, 0.0)
    dx = np.where(has_ink, ink.sum(axis=1) @ _AXIS / safe_mass - CENTRE, 0.0)
    # Shift, then blur, as one pair of matrix products per glyph.
    rows = BLUR @ shift_matrices(dy)
    cols = BLUR @ shift_matrices(dx)
    canonical = deslant(rows @ ink @ cols.transpose(0, 2, 1))
    features = canonical.reshape(n, SIZE * SIZE)
    features -= features.mean(axis=1, keepdims=True)
    norm = np.linalg.norm(features, axis=1, keepdims=True)
    features /= np.where(norm > 0, norm, 1.0)
    return features, has_ink


class Classifier:
    def __init__(self, templates, template_class, classes):
        order = np.argsort(template_class, kind="stable")
        self.templates_t = np.ascontiguousarray(templates[order].T)
        sorted_class = template_class[order]
        self.present, self.starts = np.unique(sorted_class, return_index=True)
        self.classes = classes

    def scores(self, features):
        """[n, classes]: per class, the best correlation with its templates (-inf if none)."""
        ncc = features @ self.templates_t
        best = np.maximum.reduceat(ncc, self.starts, axis=1)
        out = np.full((len(features), self.classes), -np.inf, dtype=np.float32)
        out[:, self.present] = best
        return out


def judge(scores, labels, has_ink):
    """Per glyph: 0 kept, 1 changed, 2 uncertain; and the best other class."""
    own = scores[np.arange(len(labels)), labels]
    others = scores.copy()
    others[np.arange(len(labels)), labels] = -np.inf
    to = others.argmax(axis=1)
    best = others[np.arange(len(labels)), to]
    outcome = np.where(best > own + MARGIN, 1, np.where(best >= own - MARGIN, 2, 0))
    outcome[~has_ink] = 2
    return outcome, to


# ---------------------------------------------------------------------------------------------
# Transformations: Albumentations, image by image


def kept(length, fraction):
    return int(min(max(np.floor(length * fraction + 0.5), 1), length))


class Transforms:
    """Albumentations transforms for augsafe's default set, one instance per
    (spec, background, size) and kept, as a user would build them once."""

    def __init__(self, seed):
        self.cache = {}
        self.seed = seed
        self.rng = np.random.default_rng(seed)

    def _get(self, key, make):
        t = self.cache.get(key)
        if t is None:
            t = make()
            t.set_random_seed(self.seed + len(self.cache))
            self.cache[key] = t
        return t

    def rotate(self, lo, hi, fill):
        return self._get(("rotate", lo, hi, fill), lambda: A.Rotate(
            limit=(lo, hi), interpolation=cv2.INTER_LINEAR, border_mode=cv2.BORDER_CONSTANT,
            fill=fill, p=1.0))

    def apply_all(self, image, background):
        """The glyphs of every spec and draw for one image, with the index of their spec."""
        h, w = image.shape
        fill = float(background)
        out = []
        t = self.rotate(-10, 10, fill)
        for _ in range(DRAWS):
            out.append((0, t(image=image)["image"]))
        for s, angle in ((1, 90), (2, 180), (3, 270)):
            out.append((s, self.rotate(angle, angle, fill)(image=image)["image"]))
        out.append((4, self._get(("hflip",), lambda: A.HorizontalFlip(p=1.0))(image=image)["image"]))
        out.append((5, self._get(("vflip",), lambda: A.VerticalFlip(p=1.0))(image=image)["image"]))
        for f in self.rng.uniform(0.7, 0.9, size=DRAWS):
            ch, cw = kept(h, f), kept(w, f)
            crop = self._get(("random-crop", ch, cw), lambda: A.RandomCrop(height=ch, width=cw, p=1.0))
            out.append((6, crop(image=image)["image"]))
        cw, ch = kept(w, 0.5), kept(h, 0.5)
        boxes = ((7, 0, 0, cw, h), (8, w - cw, 0, w, h), (9, 0, 0, w, ch), (10, 0, h - ch, w, h))
        for s, x0, y0, x1, y1 in boxes:
            crop = self._get(("crop", x0, y0, x1, y1),
                             lambda: A.Crop(x_min=x0, y_min=y0, x_max=x1, y_max=y1, p=1.0))
            out.append((s, crop(image=image)["image"]))
        ch, cw = kept(h, 0.7), kept(w, 0.7)
        centre = self._get(("center", ch, cw), lambda: A.CenterCrop(height=ch, width=cw, p=1.0))
        out.append((11, centre(image=image)["image"]))
        return out


# ---------------------------------------------------------------------------------------------
# The job


def run_range(job):
    """Processes images [lo, hi) in batches; returns tallies and timings."""
    (images_path, labels_path, lo, hi, batch_size, classifier, seed, everything) = job
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    transforms = Transforms(seed + lo)
    nspecs = len(SPECS)
    tally = np.zeros((nspecs, 3), dtype=np.int64)  # kept, changed, uncertain
    pairs = np.zeros((nspecs, classifier.classes, classifier.classes), dtype=np.int64)
    baseline_correct = 0
    transformed = 0
    t_albu = t_norm = t_class = 0.0
    for start in range(lo, hi, batch_size):
        stop = min(start + batch_size, hi)
        batch = np.ascontiguousarray(images[start:stop])
        y = np.asarray(labels[start:stop]).astype(np.int64)
        if batch.dtype != np.uint8:
            batch = np.clip(np.rint(batch.astype(np.float32) * 255.0), 0, 255).astype(np.uint8)
        t0 = time.perf_counter()
        background = border_median(batch)
        features, has_ink = normalise(batch, background)
        t1 = time.perf_counter()
        scores = classifier.scores(features)
        correct = has_ink & (scores.argmax(axis=1) == y)
        baseline_correct += int(correct.sum())
        t2 = time.perf_counter()
        t_norm += t1 - t0
        t_class += t2 - t1

        # Albumentations, image by image.
        glyphs, owner, spec = [], [], []
        for i in np.flatnonzero(correct | everything):
            for s, glyph in transforms.apply_all(batch[i], background[i]):
                glyphs.append(glyph)
                owner.append(i)
                spec.append(s)
        t3 = time.perf_counter()
        t_albu += t3 - t2
        if not glyphs:
            continue
        owner = np.array(owner)
        spec = np.array(spec)
        transformed += len(glyphs)

        # NumPy, per group of glyphs of the same size.
        shapes = {}
        for k, g in enumerate(glyphs):
            shapes.setdefault(g.shape, []).append(k)
        features = np.empty((len(glyphs), SIZE * SIZE), dtype=np.float32)
        has_ink = np.empty(len(glyphs), dtype=bool)
        for members in shapes.values():
            members = np.array(members)
            stack = np.stack([glyphs[k] for k in members])
            features[members], has_ink[members] = normalise(stack, background[owner[members]])
        t4 = time.perf_counter()
        scores = classifier.scores(features)
        outcome, to = judge(scores, y[owner], has_ink)
        np.add.at(tally, (spec, outcome), 1)
        changed = outcome == 1
        np.add.at(pairs, (spec[changed], y[owner][changed], to[changed]), 1)
        t5 = time.perf_counter()
        t_norm += t4 - t3
        t_class += t5 - t4
    return {
        "images": hi - lo,
        "baseline_correct": baseline_correct,
        "transformed": transformed,
        "tally": tally,
        "pairs": pairs,
        "seconds": {"albumentations": t_albu, "normalise": t_norm, "classify": t_class},
    }


def main():
    parser = argparse.ArgumentParser(
        description="augsafe's job in Python (Albumentations + NumPy), for a speed comparison.")
    parser.add_argument("--images", required=True, help="IDX images file (uint8, light on dark)")
    parser.add_argument("--labels", required=True, help="IDX labels file")
    parser.add_argument("--mapping", help="label names: EMNIST mapping or plain list (as given to augsafe)")
    templates = parser.add_mutually_exclusive_group(required=True)
    templates.add_argument("--templates", help="templates .npy [T, 1024] float32, with PATH.labels.txt beside it")
    templates.add_argument("--random-templates", type=int, metavar="K",
                           help="K random unit vectors per class instead (for testing)")
    templates.add_argument("--mean-templates", action="store_true",
                           help="one template per class, the mean of its normalised originals (for testing)")
    parser.add_argument("--template-labels", help="default: the .npy path with .labels.txt for .npy")
    parser.add_argument("--limit", type=int, help="only the first N images")
    parser.add_argument("--batch-size", type=int, default=256,
                        help="images per NumPy batch (default 256; 64 to 1024 are within 10%% of each other on the 2-core machine)")
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1,
                        help="processes (default: one per core)")
    parser.add_argument("--seed", type=int, default=42)
    parser.add_argument("--all", action="store_true",
                        help="transform every image, not only those the baseline recognises")
    parser.add_argument("--json", help="write the measurements to this file")
    parser.add_argument("--quiet", action="store_true", help="no per-transformation table")
    args = parser.parse_args()

    t_load = time.perf_counter()
    images = read_idx(args.images)
    labels = read_idx(args.labels)
    if images.ndim != 3:
        sys.exit(f"{args.images}: {images.ndim} dimensions, expected 3 (images, rows, columns)")
    if len(labels) != len(images):
        sys.exit(f"{len(images)} images but {len(labels)} labels")
    n = len(images) if args.limit is None else min(args.limit, len(images))
    classes = int(np.max(labels)) + 1
    numeric = [str(i) for i in range(classes)]
    names = numeric
    if args.mapping:
        mapped = read_names(args.mapping)
        if len(mapped) < classes:
            sys.exit(f"{args.mapping}: {len(mapped)} names for labels 0..{classes - 1}")
        names = mapped[:classes]
    if args.templates:
        labels_path = args.template_labels or (
            args.templates[:-4] if args.templates.endswith(".npy") else args.templates) + ".labels.txt"
        templates, template_class, _ = load_templates(
            args.templates, labels_path, [numeric, names] if args.mapping else [numeric])
    elif args.random_templates:
        templates, template_class = random_templates(args.random_templates, classes, args.seed)
    else:
        sample = np.ascontiguousarray(images[:n]).astype(np.uint8)
        features, _ = normalise(sample, border_median(sample))
        y = np.asarray(labels[:n]).astype(np.int64)
        present = np.unique(y)
        templates = np.stack([features[y == c].mean(axis=0) for c in present])
        templates -= templates.mean(axis=1, keepdims=True)
        templates /= np.linalg.norm(templates, axis=1, keepdims=True)
        template_class = present
    classifier = Classifier(templates.astype(np.float32), template_class, classes)
    t_load = time.perf_counter() - t_load

    workers = max(1, min(args.workers, n))
    bounds = np.linspace(0, n, workers + 1).astype(int)
    jobs = [(args.images, args.labels, int(lo), int(hi), args.batch_size, classifier, args.seed, args.all)
            for lo, hi in zip(bounds[:-1], bounds[1:])]
    start = time.perf_counter()
    if workers == 1:
        results = [run_range(jobs[0])]
    else:
        with multiprocessing.get_context("fork").Pool(workers) as pool:
            results = pool.map(run_range, jobs)
    wall = time.perf_counter() - start

    tally = sum(r["tally"] for r in results)
    pairs = sum(r["pairs"] for r in results)
    transformed = sum(r["transformed"] for r in results)
    correct = sum(r["baseline_correct"] for r in results)
    phases = {k: sum(r["seconds"][k] for r in results) for k in results[0]["seconds"]}
    summary = {
        "peer": "python",
        "python": platform.python_version(),
        "albumentations": A.__version__,
        "numpy": np.__version__,
        "opencv": cv2.__version__,
        "images": n,
        "classes": classes,
        "templates": int(len(templates)),
        "batch_size": args.batch_size,
        "workers": workers,
        "baseline_correct": correct,
        "transformed_glyphs": transformed,
        "seconds": wall,
        "setup_seconds": t_load,
        "images_per_second": n / wall,
        "transformed_glyphs_per_second": transformed / wall,
        "glyphs_per_second": (transformed + n) / wall,
        "cpu_seconds_by_phase": phases,
        "change_rate": {name: float(tally[s, 1] / max(tally[s].sum(), 1)) for s, (name, _) in enumerate(SPECS)},
    }
    print(f"peer: Python {summary['python']}, albumentations {summary['albumentations']}, "
          f"numpy {summary['numpy']}, opencv {summary['opencv']}; {workers} worker(s), "
          f"batches of {args.batch_size}, {len(templates)} templates in {classes} classes")
    print(f"peer: {n} images, baseline recognised {correct} ({100 * correct / max(n, 1):.1f}%), "
          f"{transformed} transformed glyphs in {wall:.2f} s")
    busy = sum(phases.values())
    print("peer: CPU time " + ", ".join(
        f"{k} {v:.2f} s ({100 * v / max(busy, 1e-9):.0f}%)" for k, v in phases.items()))
    if not args.quiet:
        print(f"{'TRANSFORMATION':<17}{'CHANGED':>8}{'UNCERTAIN':>10}  TOP CHANGE")
        for s, (name, _) in enumerate(SPECS):
            total = max(tally[s].sum(), 1)
            flat = pairs[s].argmax()
            a, b = divmod(int(flat), classes)
            top = f"{names[a]}→{names[b]} {pairs[s, a, b]}" if pairs[s, a, b] else ""
            print(f"{name:<17}{100 * tally[s, 1] / total:>7.1f}%{100 * tally[s, 2] / total:>9.1f}%  {top}")
    print(f"peer: {summary['images_per_second']:.0f} images/s, "
          f"{summary['transformed_glyphs_per_second']:.0f} transformed glyphs/s")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(summary, f, indent=2)
            f.write("\n")


if __name__ == "__main__":
    main()
