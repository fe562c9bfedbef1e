#!/usr/bin/env python3
"""One training step of jeras against the exact (float64) gradient that Keras computes.

Trains the CIFAR-10 BatchNormalization CNN for one SGD step (learning rate 1, one batch of 64
images, fixed seed) with TensorFlow's oneDNN kernels on, and off with jeras' convolution gradient
pinned (-Djeras.kernel.train_conv=own) and with TensorFlow's, plus a step of learning rate 1e-30 that saves the
starting weights; the gradient of each run is (start - after). Keras rebuilds the
same model in float64 from those starting weights and differentiates the same loss on the same
images. Prints, per weight, the relative error of each float32 gradient against the float64 one.

    python scripts/check_gradients.py [--data-dir DIR] [--seed 7]

DIR holds cifar-10-batches-bin/ (default: ../shared/datasets/cifar10-jpeg-subset).
"""
import argparse
import io
import json
import os
import subprocess
import sys
import tempfile
import zipfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import h5py  # noqa: E402
import numpy as np  # noqa: E402


def weights(path):
    """Layer weights of a .keras file, by their path in model.weights.h5."""
    with zipfile.ZipFile(path) as z:
        f = h5py.File(io.BytesIO(z.read("model.weights.h5")), "r")
        out = {}
        f.visititems(lambda n, o: out.__setitem__(n, o[()])
                     if isinstance(o, h5py.Dataset) and n.startswith("layers/") else None)
        return out


# (label, TF_ENABLE_ONEDNN_OPTS, jeras.kernel.train_conv)
VARIANTS = [("oneDNN on", "1", "tensorflow"), ("off, jeras", "0", "own"),
            ("off, TF grad", "0", "tensorflow")]


def jeras_step(out, lr, onednn, data_dir, seed, conv_gradient="tensorflow"):
    path = os.path.join(out, f"lr{lr}-onednn{onednn}-{conv_gradient}.keras")
    env = dict(os.environ, TF_ENABLE_ONEDNN_OPTS=onednn,
               JERAS_JAVA_OPTS=f"-Xmx8g -Djeras.kernel.train_conv={conv_gradient}")
    subprocess.run([os.path.join(ROOT, "scripts", "jeras"), "train", "--model", "cifar10-bn",
                    "--data-dir", data_dir, "--limit", "64", "--epochs", "1", "--batch-size", "64",
                    "--optimizer", "sgd", "--learning-rate", lr, "--seed", str(seed),
                    "--no-export", "--save", path],
                   check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return path


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data-dir", default=os.path.join(os.path.dirname(ROOT), "shared",
                                                       "datasets", "cifar10-jpeg-subset"))
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    out = tempfile.mkdtemp(prefix="jeras-grad-")
    start = weights(jeras_step(out, "1e-30", "0", args.data_dir, args.seed))
    after = {label: weights(jeras_step(out, "1", d, args.data_dir, args.seed, g))
             for label, d, g in VARIANTS}

    import keras
    import keras_reference
    import tensorflow as tf
    keras.config.set_floatx("float64")
    (x, y), _ = keras_reference.load_cifar(args.data_dir)
    x, y = tf.constant(x[:64].astype("float64")), tf.constant(y[:64])  # --limit 64: one batch
    with zipfile.ZipFile(os.path.join(out, "lr1e-30-onednn0-auto.keras")) as z:
        cfg = json.loads(z.read("config.json"))

    def to_f64(o):
        if isinstance(o, dict):
            if "dtype" in o:
                o["dtype"] = "float64"
            for v in o.values():
                to_f64(v)
        elif isinstance(o, list):
            for v in o:
                to_f64(v)
    to_f64(cfg)
    model = keras.models.model_from_json(json.dumps(cfg))
    name = {}
    for layer in model.layers:
        for i, v in enumerate(layer.weights):
            key = f"layers/{layer.name}/vars/{i}"
            v.assign(start[key].astype("float64"))
            name[id(v)] = key
    with tf.GradientTape() as tape:
        p = model(x, training=True)
        loss = tf.reduce_mean(keras.losses.sparse_categorical_crossentropy(y, p))
    grads = tape.gradient(loss, model.trainable_weights)
    print(f"{'weight':38s} {'|gradient|':>10s} "
          + " ".join(f"{label:>12s}" for label, _, _ in VARIANTS)
          + "  (relative error against float64)")
    worst = 0.0
    for v, g in zip(model.trainable_weights, grads):
        k, g = name[id(v)], g.numpy()
        n = np.linalg.norm(g)
        err = {label: np.linalg.norm((start[k] - after[label][k]).astype("float64") - g) / n
               for label, _, _ in VARIANTS}
        worst = max(worst, *err.values())
        print(f"{k:38s} {n:10.4e} " + " ".join(f"{err[label]:12.2e}" for label, _, _ in VARIANTS))
    print(f"largest relative error: {worst:.2e}")
    return 0 if worst < 0.05 else 1


if __name__ == "__main__":
    sys.exit(main())
