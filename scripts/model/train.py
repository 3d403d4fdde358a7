#!/usr/bin/env python3
"""Trains the fixture model fixtures/models/digits-mlp.onnx on the PNG digits in fixtures/digits/,
and writes the small models the error tests feed augsafe (rgb-input.onnx, eleven-outputs.onnx).

A user's own recogniser, as augsafe's model judge meets it: an ONNX graph taking N x 1 x 28 x 28
floats, ink bright on dark scaled to 0..1 (as MNIST models do), and giving N x 10 logits for the
classes 0-9 in the dataset's order. It is a multilayer perceptron (784 -> 64 -> 10, ReLU),
trained with Adam on the 180 fixture digits, each drawn 40 times with the small jitter any
training run uses (a shift of up to 2 pixels, a turn of up to 8 degrees, a scale of 0.9 to 1.1):
enough to read a digit turned a little, never taught to read one turned upside down.

Run from the repository root:

    bash scripts/model/setup.sh
    target/venv-model/bin/python scripts/model/train.py

The output is reproducible (one seeded generator, float64 training, weights stored as float32).
"""

import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from PIL import Image

ROOT = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
SOURCE = os.path.join(ROOT, "fixtures", "digits")
OUT = os.path.join(ROOT, "fixtures", "models", "digits-mlp.onnx")
SIDE = 28
HIDDEN = 64
COPIES = 40
EPOCHS = 30


def load():
    """The fixture digits as 28 x 28 grey images, ink bright on dark, and their labels."""
    images, labels = [], []
    for label in sorted(os.listdir(SOURCE)):
        folder = os.path.join(SOURCE, label)
        for name in sorted(os.listdir(folder)):
            image = Image.open(os.path.join(folder, name)).convert("L")
            images.append(Image.eval(image, lambda v: 255 - v))
            labels.append(int(label))
    return images, np.array(labels)


def jitter(image, rng):
    """The image turned, scaled and shifted a little, about its centre."""
    angle = np.deg2rad(rng.uniform(-8, 8))
    scale = rng.uniform(0.9, 1.1)
    dx, dy = rng.uniform(-2, 2, size=2)
    cx, cy = image.width / 2, image.height / 2
    cos, sin = np.cos(angle) / scale, np.sin(angle) / scale
    # PIL maps each output pixel back to its source: the inverse of the move.
    a, b = cos, sin
    d, e = -sin, cos
    c = cx - a * (cx + dx) - b * (cy + dy)
    f = cy - d * (cx + dx) - e * (cy + dy)
    return image.transform(image.size, Image.AFFINE, (a, b, c, d, e, f), resample=Image.BILINEAR)


def features(image):
    """The model's input for one image: resized to 28 x 28, scaled to 0..1."""
    return np.asarray(image.resize((SIDE, SIDE), Image.BILINEAR), dtype=np.float64).ravel() / 255.0


def train(x, y, rng):
    """Adam on softmax cross-entropy; returns the two layers' weights and biases."""
    w1 = rng.normal(0, np.sqrt(2 / x.shape[1]), (x.shape[1], HIDDEN))
    b1 = np.zeros(HIDDEN)
    w2 = rng.normal(0, np.sqrt(2 / HIDDEN), (HIDDEN, 10))
    b2 = np.zeros(10)
    params = [w1, b1, w2, b2]
    moments = [(np.zeros_like(p), np.zeros_like(p)) for p in params]
    step = 0
    for epoch in range(EPOCHS):
        order = rng.permutation(len(x))
        for start in range(0, len(x), 64):
            batch = order[start:start + 64]
            xb, yb = x[batch], y[batch]
            hidden = np.maximum(xb @ w1 + b1, 0)
            logits = hidden @ w2 + b2
            p = np.exp(logits - logits.max(axis=1, keepdims=True))
            p /= p.sum(axis=1, keepdims=True)
            p[np.arange(len(yb)), yb] -= 1
            dlogits = p / len(yb)
            dhidden = (dlogits @ w2.T) * (hidden > 0)
            grads = [xb.T @ dhidden, dhidden.sum(0), hidden.T @ dlogits, dlogits.sum(0)]
            step += 1
            for param, grad, (m, v) in zip(params, grads, moments):
                m *= 0.9
                m += 0.1 * grad
                v *= 0.999
                v += 0.001 * grad * grad
                param -= 1e-3 * (m / (1 - 0.9**step)) / (np.sqrt(v / (1 - 0.999**step)) + 1e-8)
    return params


def predict(params, x):
    w1, b1, w2, b2 = params
    return (np.maximum(x @ w1 + b1, 0) @ w2 + b2).argmax(axis=1)


def linear_model(path, input_shape, outputs, rng):
    """A model of one layer with random weights: only its shapes matter to the tests."""
    inputs = int(np.prod(input_shape))
    w = rng.normal(0, 0.01, (inputs, outputs)).astype(np.float32)
    b = np.zeros(outputs, dtype=np.float32)
    graph = helper.make_graph(
        [helper.make_node("Flatten", ["image"], ["flat"], axis=1),
         helper.make_node("Gemm", ["flat", "w", "b"], ["logits"])],
        "augsafe-fixture-shapes",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", *input_shape])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", outputs])],
        [numpy_helper.from_array(w, "w"), numpy_helper.from_array(b, "b")],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="augsafe scripts/model/train.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, path)


def save(params):
    w1, b1, w2, b2 = (p.astype(np.float32) for p in params)
    nodes = [
        helper.make_node("Flatten", ["image"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", "w1", "b1"], ["hidden_in"]),
        helper.make_node("Relu", ["hidden_in"], ["hidden"]),
        helper.make_node("Gemm", ["hidden", "w2", "b2"], ["logits"]),
    ]
    graph = helper.make_graph(
        nodes,
        "augsafe-fixture-digits",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 1, SIDE, SIDE])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])],
        [numpy_helper.from_array(a, n) for a, n in ((w1, "w1"), (b1, "b1"), (w2, "w2"), (b2, "b2"))],
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)],
                              producer_name="augsafe scripts/model/train.py")
    model.ir_version = 8
    onnx.checker.check_model(model)
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    onnx.save(model, OUT)


def main():
    rng = np.random.default_rng(0)
    images, labels = load()
    x = np.stack([features(jitter(im, rng)) for im in images for _ in range(COPIES)])
    y = np.repeat(labels, COPIES)
    params = train(x, y, rng)
    clean = np.stack([features(im) for im in images])
    turned = np.stack([features(im.rotate(180)) for im in images])
    print(f"clean accuracy {np.mean(predict(params, clean) == labels):.3f}", file=sys.stderr)
    upside = predict(params, turned)
    for digit in (6, 9):
        read = np.bincount(upside[labels == digit], minlength=10)
        print(f"{digit} turned 180 degrees read as {dict((i, int(c)) for i, c in enumerate(read) if c)}",
              file=sys.stderr)
    save(params)
    print(f"wrote {os.path.relpath(OUT, ROOT)} ({os.path.getsize(OUT)} bytes)", file=sys.stderr)
    # Three colour channels, which augsafe cannot feed; eleven outputs for ten classes.
    folder = os.path.dirname(OUT)
    linear_model(os.path.join(folder, "rgb-input.onnx"), [3, 8, 8], 10, rng)
    linear_model(os.path.join(folder, "eleven-outputs.onnx"), [1, 28, 28], 11, rng)


if __name__ == "__main__":
    main()
