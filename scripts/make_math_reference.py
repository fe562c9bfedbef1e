#!/usr/bin/env python3
"""Makes the Keras goldens that MathSourceTest reads (testdata/math/reference.json).

Small fixed inputs (seeded) and what Keras 3 computes from them: per-sample losses and metrics as
jeras reports them (Keras' functions, no reduction over the batch), activations, regularizer
penalties and constraints. MathSourceTest checks jeras' losses, metrics and activations, and the
tensorflow-framework classes jeras or its layers use (or decided not to use), against them.

    python scripts/make_math_reference.py        (needs tensorflow and keras; seconds)
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import activations, constraints, losses, metrics, regularizers  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "testdata", "math")
SEED = 27


def f32(a):
    return np.asarray(a, dtype=np.float32)


def values(t):
    return [float(v) for v in np.asarray(t, dtype=np.float32).ravel()]


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(SEED)
    x = f32(rng.uniform(-3, 3, size=(4, 5)))
    x4 = f32(rng.uniform(-3, 3, size=(2, 2, 2, 3)))
    labels = np.array([0, 3, 4, 3], dtype=np.int32)
    onehot = f32(np.eye(5)[labels])
    probs = f32(activations.softmax(x))
    # probabilities at and beyond the clipping bounds, where formulas with and without an
    # epsilon inside the logarithm part
    saturated = f32([[0.0, 1.0, 1e-9, 0.5, 0.999999], [0.2, 0.8, 1e-8, 1 - 1e-8, 0.3],
                     [1e-6, 0.05, 0.95, 0.6, 0.4], [0.7, 0.1, 0.9, 0.0, 1.0]])
    binary = f32(rng.integers(0, 2, size=(4, 5)))
    target = f32(rng.uniform(-2, 2, size=(4, 5)))
    w = f32(rng.uniform(-2, 2, size=(3, 4)))
    ref = {
        "keras": keras.__version__, "tensorflow": tf.__version__, "numpy": np.__version__,
        "python": sys.version.split()[0], "seed": SEED,
        "inputs": {"x": values(x), "x4": values(x4), "labels": labels.tolist(),
                   "binary": values(binary), "saturated": values(saturated),
                   "target": values(target), "w": values(w)},
        "losses": {
            "sparse_categorical_crossentropy_probs":
                values(losses.sparse_categorical_crossentropy(labels, probs)),
            "sparse_categorical_crossentropy_logits":
                values(losses.sparse_categorical_crossentropy(labels, x, from_logits=True)),
            "categorical_crossentropy_probs":
                values(losses.categorical_crossentropy(onehot, probs)),
            "categorical_crossentropy_saturated":
                values(losses.categorical_crossentropy(onehot, saturated)),
            "categorical_crossentropy_logits":
                values(losses.categorical_crossentropy(onehot, x, from_logits=True)),
            "binary_crossentropy_saturated": values(losses.binary_crossentropy(binary, saturated)),
            "mean_squared_error": values(losses.mean_squared_error(target, x)),
        },
        "metrics": {
            "sparse_categorical_accuracy": values(metrics.sparse_categorical_accuracy(labels, x)),
            "categorical_accuracy": values(metrics.categorical_accuracy(onehot, x)),
            "binary_accuracy": values(metrics.binary_accuracy(binary, saturated)),
        },
        "activations": {
            "relu": values(activations.relu(x)),
            "sigmoid": values(activations.sigmoid(x)),
            "tanh": values(activations.tanh(x)),
            "softmax": values(activations.softmax(x)),
            "softmax_rank4": values(activations.softmax(x4)),
            "elu": values(activations.elu(x)),
            "selu": values(activations.selu(x)),
            "softplus": values(activations.softplus(x)),
            "softsign": values(activations.softsign(x)),
            "swish": values(activations.swish(x)),
            "gelu_exact": values(activations.gelu(x, approximate=False)),
            "gelu_tanh": values(activations.gelu(x, approximate=True)),
            "hard_sigmoid": values(activations.hard_sigmoid(x)),
            "exponential": values(activations.exponential(x)),
            "relu6": values(activations.relu6(x)),
            "leaky_relu_0.3": values(activations.leaky_relu(x, negative_slope=0.3)),
        },
        "regularizers": {
            "l1_0.01": float(regularizers.L1(0.01)(w)),
            "l2_0.01": float(regularizers.L2(0.01)(w)),
            "l1l2_0.01_0.02": float(regularizers.L1L2(l1=0.01, l2=0.02)(w)),
        },
        "constraints": {
            "max_norm_1.5_axis0": values(constraints.MaxNorm(1.5, axis=0)(w)),
            "min_max_norm_0.5_1.0_rate0.7_axis0":
                values(constraints.MinMaxNorm(0.5, 1.0, rate=0.7, axis=0)(w)),
            "non_neg": values(constraints.NonNeg()(w)),
            "unit_norm_axis0": values(constraints.UnitNorm(axis=0)(w)),
        },
    }
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(ref, f, indent=1)
        f.write("\n")
    print("written", os.path.join(OUT, "reference.json"))


if __name__ == "__main__":
    main()
