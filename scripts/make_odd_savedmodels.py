#!/usr/bin/env python3
"""Makes small TensorFlow SavedModels with unusual signatures (testdata/odd-savedmodels/).

Each takes a float32 input `x` of shape (None, 28, 28, 1), the MNIST image shape, so that the
command line can feed it testdata/reference/mnist-basic_x.npy or the mnist-small test split, and
returns one float32 output `y` from a tf.function exported as serving_default (no variables):

  scalar/          y = tf.reduce_sum(x)                      rank 0: one number for the whole batch
  per-sample-1d/   y = tf.reduce_sum(x, axis=[1, 2, 3])      (batch,)
  per-sample-3d/   y = x[..., 0] * 2                          (batch, 28, 28)
  batch-sum/       y = tf.reduce_sum(x, axis=0)[..., 0]      (28, 28): the batch summed away
  asserts/         y = x * 2 after tf.debugging.assert_less_equal(x, 1.0): pixels above 1 fail
                   at run time with TensorFlow's InvalidArgumentError
  versions.json    TensorFlow, NumPy and Python versions

    ~/.cache/jeras/pyvenv/bin/python scripts/make_odd_savedmodels.py    (needs tensorflow; seconds)
"""
import json
import os
import shutil
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "testdata", "odd-savedmodels")
SPEC = tf.TensorSpec([None, 28, 28, 1], tf.float32, name="x")


def asserts(x):
    with tf.control_dependencies(
        [tf.debugging.assert_less_equal(x, 1.0, message="pixels must be in [0, 1]")]
    ):
        return x * 2


MODELS = {
    "scalar": lambda x: tf.reduce_sum(x),
    "per-sample-1d": lambda x: tf.reduce_sum(x, axis=[1, 2, 3]),
    "per-sample-3d": lambda x: x[..., 0] * 2,
    "batch-sum": lambda x: tf.reduce_sum(x, axis=0)[..., 0],
    "asserts": asserts,
}


def signature_of(body):
    def serve(x):
        return {"y": body(x)}

    return serve


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    for name, body in MODELS.items():
        module = tf.Module()
        module.serve = tf.function(signature_of(body), input_signature=[SPEC])
        tf.saved_model.save(
            module, os.path.join(OUT, name), signatures={"serving_default": module.serve}
        )
        loaded = tf.saved_model.load(os.path.join(OUT, name)).signatures["serving_default"]
        y = loaded(x=tf.zeros([3, 28, 28, 1]))["y"]
        print(f"{name}: output shape for a batch of 3: {y.shape}")
    with open(os.path.join(OUT, "versions.json"), "w") as f:
        json.dump(
            {"tensorflow": tf.__version__, "numpy": np.__version__,
             "python": sys.version.split()[0]},
            f, indent=2,
        )
        f.write("\n")


if __name__ == "__main__":
    main()
