#!/usr/bin/env python3
"""Transfer learning across Python and jeras: Keras' guide recipe fine-tuned by the jeras CLI.

1. Python Keras builds the model of Keras' transfer-learning guide, on 32x32 CIFAR-10 images:
   augmentation (RandomFlip, RandomRotation), Rescaling(1/127.5, offset -1), a frozen
   MobileNetV2 base (alpha 0.35, include_top=False, weights=None with random BatchNormalization
   statistics: nothing is downloaded) called with training=False, GlobalAveragePooling2D,
   Dropout(0.2), Dense(10, softmax); compiled with Adam(1e-3) and sparse categorical
   cross-entropy; saved as OUT/transfer.keras.
2. scripts/jeras train --model OUT/transfer.keras --data-dir DIR --epochs 1 --save OUT/tuned.keras
   (the model's own optimizer, loss and trainable flags).
3. scripts/jeras predict on DIR/test's first images (--input x.npy) and Python Keras'
   load_model(OUT/tuned.keras).predict on the same: max |diff|; the frozen base's weights and
   BatchNormalization statistics must be bit-identical to step 1's, the head's must have moved.

DIR: --data-dir, default ~/.jeras/datasets/cifar10-folder (scripts/make_image_folder.py), else the
committed testdata/image-folder/cifar10-small. Exit code 0 when all holds (max |diff| <= 1e-5).
A random base's features barely differ between images, so accuracy stays near chance (Keras
itself gets the same from this model): what is checked is the files, the frozen base and the
predictions, not learning.

    ~/.cache/jeras/pyvenv/bin/python scripts/check_transfer_learning.py [--data-dir DIR] [--out OUT]
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JERAS = os.path.join(ROOT, "scripts", "jeras")
SEED = 20
TOL = 1e-5
CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
           "truck"]


def load_images(np, split, per_class):
    from PIL import Image

    files = []
    for c in CLASSES:
        folder = os.path.join(split, c)
        files += [os.path.join(folder, f) for f in sorted(os.listdir(folder))[:per_class]]
    x = np.stack([np.asarray(Image.open(f).convert("RGB"), dtype="float32") for f in files])
    return x, np.repeat(np.arange(10), per_class)


def build(keras, np):
    keras.utils.set_random_seed(SEED)
    augmentation = keras.Sequential(
        [keras.layers.RandomFlip("horizontal"), keras.layers.RandomRotation(0.1)],
        name="augmentation")
    base = keras.applications.MobileNetV2(input_shape=(32, 32, 3), alpha=0.35,
                                          include_top=False, weights=None)
    rng = np.random.default_rng(SEED)
    for layer in base.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            for v in layer.weights:
                lo, hi = {"gamma": (0.8, 1.2), "beta": (-0.1, 0.1), "moving_mean": (-0.1, 0.1),
                          "moving_variance": (0.8, 1.2)}[v.path.split("/")[-1]]
                v.assign(rng.uniform(lo, hi, v.shape).astype("float32"))
    base.trainable = False
    inputs = keras.Input((32, 32, 3), name="image")
    x = augmentation(inputs)
    x = keras.layers.Rescaling(1 / 127.5, offset=-1, name="rescaling")(x)
    x = base(x, training=False)
    x = keras.layers.GlobalAveragePooling2D(name="pool")(x)
    x = keras.layers.Dropout(0.2, name="dropout")(x)
    outputs = keras.layers.Dense(10, activation="softmax", name="head")(x)
    model = keras.Model(inputs, outputs, name="transfer")
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def base_and_head(keras, model):
    """The nested base's weights (BatchNormalization statistics included) and the head kernel."""
    base = next(layer for layer in model.layers if isinstance(layer, keras.Model))
    return [v.numpy() for v in base.weights], model.get_layer("head").kernel.numpy()


def run(*args):
    print("$ scripts/jeras " + " ".join(args), flush=True)
    r = subprocess.run([JERAS, *args], text=True)
    if r.returncode != 0:
        raise SystemExit(f"jeras {args[0]} failed with exit code {r.returncode}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_dir = os.path.expanduser("~/.jeras/datasets/cifar10-folder")
    if not os.path.isdir(default_dir):
        default_dir = os.path.join(ROOT, "testdata", "image-folder", "cifar10-small")
    ap.add_argument("--data-dir", default=default_dir)
    ap.add_argument("--out", default=None, help="where to write the files (default: a temp dir)")
    ap.add_argument("--images", type=int, default=256, help="test images compared (default 256)")
    args = ap.parse_args()
    out = args.out or tempfile.mkdtemp(prefix="jeras-transfer-")
    os.makedirs(out, exist_ok=True)

    import keras
    import numpy as np
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")  # no retracing notices: each model predicts once

    print(f"keras {keras.__version__}, tensorflow {tf.__version__}, seed {SEED}; data"
          f" {args.data_dir}; files in {out}", flush=True)
    model = build(keras, np)
    src = os.path.join(out, "transfer.keras")
    model.save(src)
    base_before, head_before = base_and_head(keras, model)
    params = model.count_params()
    trainable = sum(int(np.prod(v.shape)) for v in model.trainable_weights)
    print(f"Python: {src}: {params:,} parameters, {trainable:,} trainable", flush=True)

    tuned = os.path.join(out, "tuned.keras")
    run("train", "--model", src, "--data-dir", args.data_dir, "--epochs", "1", "--seed",
        str(SEED), "--no-export", "--save", tuned, "--overwrite")

    x, labels = load_images(np, os.path.join(args.data_dir, "test"), args.images // 10)
    np.save(os.path.join(out, "x.npy"), x)
    run("predict", "--model", tuned, "--input", os.path.join(out, "x.npy"), "--output",
        os.path.join(out, "jeras.npy"))
    by_jeras = np.load(os.path.join(out, "jeras.npy"))

    keras.backend.clear_session()
    loaded = keras.models.load_model(tuned)
    by_keras = loaded.predict(x, verbose=0)
    diff = float(np.max(np.abs(by_keras - by_jeras)))
    base_after, head_after = base_and_head(keras, loaded)
    frozen_same = len(base_before) == len(base_after) and all(
        np.array_equal(a, b) for a, b in zip(base_before, base_after))
    head_moved = not np.array_equal(head_before, head_after)
    same_classes = int(np.sum(np.argmax(by_keras, 1) == np.argmax(by_jeras, 1)))
    accuracy = float(np.mean(np.argmax(by_keras, 1) == labels))
    print(f"Python reads {tuned}: {len(x)} test images, max |keras - jeras| {diff:.2e}, same"
          f" class {same_classes}/{len(x)}, accuracy {accuracy:.3f}; frozen base bit-identical:"
          f" {frozen_same}; head trained: {head_moved}; optimizer iterations"
          f" {int(loaded.optimizer.iterations.numpy())}")
    ok = diff <= TOL and frozen_same and head_moved
    print("OK" if ok else "FAILED")
    if not args.out:
        shutil.rmtree(out, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
