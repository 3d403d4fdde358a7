#!/usr/bin/env python3
"""Writes a LeNet-5-sized convolutional network as ONNX for timing the model judge: the cost of
judging with a model as users export them (convolutions, pooling, three dense layers), which the
fixture perceptron does not show. The weights are random (seeded): it measures speed only, and
reads digits no better than chance.

    target/venv-model/bin/python benches/model/cnn.py OUT.onnx

Input N x 1 x 28 x 28 (N symbolic), output N x 10 logits.
"""

import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper


def weights(rng, name, shape, fan_in):
    """He-initialised float32 weights."""
    values = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape).astype(np.float32)
    return numpy_helper.from_array(values, name)


def main():
    out = sys.argv[1]
    rng = np.random.default_rng(7)
    initializers = [
        weights(rng, "c1w", (6, 1, 5, 5), 25),
        numpy_helper.from_array(np.zeros(6, np.float32), "c1b"),
        weights(rng, "c2w", (16, 6, 5, 5), 150),
        numpy_helper.from_array(np.zeros(16, np.float32), "c2b"),
        weights(rng, "f1w", (400, 120), 400),
        numpy_helper.from_array(np.zeros(120, np.float32), "f1b"),
        weights(rng, "f2w", (120, 84), 120),
        numpy_helper.from_array(np.zeros(84, np.float32), "f2b"),
        weights(rng, "f3w", (84, 10), 84),
        numpy_helper.from_array(np.zeros(10, np.float32), "f3b"),
    ]
    nodes = [
        helper.make_node("Conv", ["image", "c1w", "c1b"], ["c1"], pads=[2, 2, 2, 2]),
        helper.make_node("Relu", ["c1"], ["r1"]),
        helper.make_node("MaxPool", ["r1"], ["p1"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Conv", ["p1", "c2w", "c2b"], ["c2"]),
        helper.make_node("Relu", ["c2"], ["r2"]),
        helper.make_node("MaxPool", ["r2"], ["p2"], kernel_shape=[2, 2], strides=[2, 2]),
        helper.make_node("Flatten", ["p2"], ["flat"], axis=1),
        helper.make_node("Gemm", ["flat", "f1w", "f1b"], ["d1"]),
        helper.make_node("Relu", ["d1"], ["h1"]),
        helper.make_node("Gemm", ["h1", "f2w", "f2b"], ["d2"]),
        helper.make_node("Relu", ["d2"], ["h2"]),
        helper.make_node("Gemm", ["h2", "f3w", "f3b"], ["logits"]),
    ]
    graph = helper.make_graph(
        nodes,
        "lenet",
        [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["N", 1, 28, 28])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["N", 10])],
        initializers,
    )
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    onnx.save(model, out)


if __name__ == "__main__":
    main()
