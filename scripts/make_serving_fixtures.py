#!/usr/bin/env python3
"""Makes the SavedModels and goldens the model-server tests read (testdata/serving/).

  half_plus_three/123/   y = 0.5 * x + 3 on a rank-1 float input x (shape (-1,)): the model of
                         TensorFlow Serving's REST documentation, so that its example request
                         {"instances": [1.0, 2.0, 5.0]} answers [3.5, 4.0, 5.5]
  two_io/1/, two_io/2/   two named inputs a (-1, 3) and b (-1, 2), two outputs
                         scaled = a * w (-1, 3) and total = sum(a) + sum(b) + c (-1, 1), with w and c
                         variables (version 1: w = [1, 2, 3], c = 0; version 2: w = [10, 20, 30],
                         c = 100, so a test can tell the versions apart); a second signature
                         only_a (input a, output doubled = 2 * a)
  <model>.saved_model_cli.txt
                         what `saved_model_cli show --all --dir <version dir>` prints for
                         half_plus_three/123, two_io/1 and ../reference/mnist-basic_savedmodel (the
                         tests compare the server's metadata with it)
  versions.json          TensorFlow, NumPy and Python versions

    ~/.cache/jeras/pyvenv/bin/python scripts/make_serving_fixtures.py    (needs tensorflow)

Deterministic: no randomness; the variables hold the constants above.
"""
import json
import os
import shutil
import subprocess
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "testdata", "serving")


class HalfPlusThree(tf.Module):
    def __init__(self):
        super().__init__()
        self.a = tf.Variable(0.5, dtype=tf.float32, name="a")
        self.b = tf.Variable(3.0, dtype=tf.float32, name="b")

    @tf.function(input_signature=[tf.TensorSpec([None], tf.float32, name="x")])
    def serve(self, x):
        return {"y": self.a * x + self.b}


class TwoInOut(tf.Module):
    def __init__(self, w, c):
        super().__init__()
        self.w = tf.Variable(np.array(w, dtype=np.float32), name="w")
        self.c = tf.Variable(float(c), dtype=tf.float32, name="c")

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32, name="a"),
                                  tf.TensorSpec([None, 2], tf.float32, name="b")])
    def serve(self, a, b):
        total = tf.reduce_sum(a, axis=1, keepdims=True) + tf.reduce_sum(b, axis=1, keepdims=True)
        return {"scaled": a * self.w, "total": total + self.c}

    @tf.function(input_signature=[tf.TensorSpec([None, 3], tf.float32, name="a")])
    def only_a(self, a):
        return {"doubled": 2.0 * a}


def save(module, path, signatures):
    tf.saved_model.save(module, path, signatures=signatures)


def saved_model_cli(version_dir, out_name):
    cli = os.path.join(os.path.dirname(sys.executable), "saved_model_cli")
    # PYTHONHASHSEED: the op list is printed as a Python set; fixed so that reruns print the same
    env = dict(os.environ, PYTHONHASHSEED="0")
    text = subprocess.run([cli, "show", "--all", "--dir", version_dir], check=True,
                          capture_output=True, text=True, env=env).stdout
    with open(os.path.join(OUT, out_name), "w") as f:
        f.write(text)


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    m = HalfPlusThree()
    save(m, os.path.join(OUT, "half_plus_three", "123"), {"serving_default": m.serve})
    for version, w, c in ((1, [1, 2, 3], 0), (2, [10, 20, 30], 100)):
        t = TwoInOut(w, c)
        save(t, os.path.join(OUT, "two_io", str(version)),
             {"serving_default": t.serve, "only_a": t.only_a})
    saved_model_cli(os.path.join(OUT, "half_plus_three", "123"),
                    "half_plus_three.saved_model_cli.txt")
    saved_model_cli(os.path.join(OUT, "two_io", "1"), "two_io.saved_model_cli.txt")
    saved_model_cli(os.path.join(ROOT, "testdata", "reference", "mnist-basic_savedmodel"),
                    "mnist-basic.saved_model_cli.txt")
    with open(os.path.join(OUT, "versions.json"), "w") as f:
        json.dump({"tensorflow": tf.__version__, "numpy": np.__version__,
                   "python": sys.version.split()[0]}, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
