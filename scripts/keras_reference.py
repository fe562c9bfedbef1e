#!/usr/bin/env python3
"""The Keras tutorial's models trained by Python Keras 3 on the same files jeras reads.

Used to compare jeras with Keras side by side (accuracy, seconds per epoch). Reads MNIST /
Fashion-MNIST IDX files (raw or .gz) and CIFAR-10 binary batches (raw or .gz) from the same data
directory layout as jeras (<data-dir>/<dataset>/...), scales pixels to [0, 1], builds the model
exactly as the tutorial does, and trains with Adam, sparse categorical cross-entropy and accuracy.

    python scripts/keras_reference.py --model mnist-basic --epochs 5 --batch-size 64 \
        --data-dir ~/.jeras/datasets --metrics-out keras-mnist.json

With --image-folder DIR (DIR/train and DIR/test holding class subfolders of images), the data
comes as a Keras user's own images do: keras.utils.image_dataset_from_directory (32x32, batch
--batch-size, shuffled, prefetched), pixels scaled to [0, 1] in a parallel map.
"""
import argparse
import gzip
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np


def _open(path):
    for p in (path, path + ".gz"):
        if os.path.exists(p):
            with open(p, "rb") as f:
                head = f.read(2)
            return gzip.open(p, "rb") if head == b"\x1f\x8b" else open(p, "rb")
    raise FileNotFoundError(path + "[.gz]")


def load_idx(directory, prefix):
    with _open(os.path.join(directory, prefix + "-images-idx3-ubyte")) as f:
        data = f.read()
    n, rows, cols = np.frombuffer(data[4:16], dtype=">u4")
    x = np.frombuffer(data[16:], dtype=np.uint8).reshape(n, rows, cols, 1)
    with _open(os.path.join(directory, prefix + "-labels-idx1-ubyte")) as f:
        y = np.frombuffer(f.read()[8:], dtype=np.uint8)
    return x.astype("float32") / 255.0, y.astype("int32")


def load_cifar(directory):
    for cand in (os.path.join(directory, "cifar-10-batches-bin"),
                 os.path.join(directory, "cifar10", "cifar-10-batches-bin")):
        if os.path.isdir(cand):
            directory = cand
            break

    def read(name):
        with _open(os.path.join(directory, name)) as f:
            raw = np.frombuffer(f.read(), dtype=np.uint8).reshape(-1, 3073)
        x = raw[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
        return x.astype("float32") / 255.0, raw[:, 0].astype("int32")

    batches = [read(f"data_batch_{i}.bin") for i in range(1, 6)
               if any(os.path.exists(os.path.join(directory, f"data_batch_{i}.bin{s}"))
                      for s in ("", ".gz"))]
    x_train = np.concatenate([b[0] for b in batches])
    y_train = np.concatenate([b[1] for b in batches])
    x_test, y_test = read("test_batch.bin")
    return (x_train, y_train), (x_test, y_test)


def build(name):
    import keras
    from keras import layers
    if name == "mnist-basic":
        return keras.Sequential([
            keras.Input(shape=(28, 28, 1)),
            layers.Conv2D(32, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Conv2D(64, (3, 3), activation="relu"),
            layers.MaxPooling2D((2, 2)),
            layers.Flatten(),
            layers.Dense(10, activation="softmax"),
        ])
    blocks = []
    for filters in (32, 64):
        blocks += [layers.Conv2D(filters, (3, 3), padding="same", activation="relu"),
                   layers.BatchNormalization(),
                   layers.Conv2D(filters, (3, 3), padding="same", activation="relu"),
                   layers.BatchNormalization(),
                   layers.MaxPooling2D((2, 2))]
    head = [layers.Flatten(), layers.Dense(512, activation="relu"),
            layers.BatchNormalization(), layers.Dense(10, activation="softmax")]
    if name == "cifar10-bn":
        return keras.Sequential([keras.Input(shape=(32, 32, 3))] + blocks + head)
    if name == "cifar10-functional":
        inputs = keras.Input(shape=(32, 32, 3))
        x = inputs
        for layer in blocks + head:
            x = layer(x)
        return keras.Model(inputs, x)
    raise SystemExit(f"unknown model {name}")


class EpochTimer:
    """Wall-clock seconds per epoch, as a Keras callback."""

    def __init__(self):
        import keras

        class _Cb(keras.callbacks.Callback):
            def on_epoch_begin(cb, epoch, logs=None):
                cb.t = time.perf_counter()

            def on_epoch_end(cb, epoch, logs=None):
                self.seconds.append(time.perf_counter() - cb.t)

            def on_train_batch_end(cb, batch, logs=None):
                if self.first_step_unix_ms is None:
                    self.first_step_unix_ms = int(time.time() * 1000)

        self.seconds = []
        self.first_step_unix_ms = None
        self.callback = _Cb()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="mnist-basic")
    ap.add_argument("--dataset", default=None)
    ap.add_argument("--data-dir", default=os.environ.get(
        "JERAS_DATA", os.path.expanduser("~/.jeras/datasets")))
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--metrics-out", default=None)
    ap.add_argument("--image-folder", default=None,
                    help="train on DIR/train and test on DIR/test (class subfolders of images)")
    args = ap.parse_args()
    if args.image_folder:
        return folder_main(args)
    dataset = args.dataset or ("mnist" if args.model == "mnist-basic" else "cifar10")

    if dataset == "cifar10":
        (x_train, y_train), (x_test, y_test) = load_cifar(args.data_dir)
    else:
        d = os.path.join(args.data_dir, dataset)
        d = d if os.path.isdir(d) else args.data_dir
        x_train, y_train = load_idx(d, "train")
        x_test, y_test = load_idx(d, "t10k")
    if args.limit:
        x_train, y_train = x_train[:args.limit], y_train[:args.limit]

    import keras
    import tensorflow as tf
    model = build(args.model)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    timer = EpochTimer()
    start = time.perf_counter()
    hist = model.fit(x_train, y_train, epochs=args.epochs, batch_size=args.batch_size,
                     callbacks=[timer.callback], verbose=2)
    train_seconds = time.perf_counter() - start
    loss, acc = model.evaluate(x_test, y_test, batch_size=256, verbose=0)
    print(f"Test loss: {loss:.4f} - test accuracy: {acc:.4f}")
    print(f"Training time: {train_seconds:.1f} s ({train_seconds / args.epochs:.1f} s/epoch)")
    if args.metrics_out:
        out = {
            "params": {"total": int(model.count_params())},
            "epochs": [{"epoch": i + 1, "loss": float(hist.history["loss"][i]),
                        "accuracy": float(hist.history["accuracy"][i]),
                        "seconds": timer.seconds[i]} for i in range(args.epochs)],
            "test": {"loss": float(loss), "accuracy": float(acc)},
            "train_seconds": train_seconds,
            "first_step_unix_ms": timer.first_step_unix_ms,
            "versions": {"keras": keras.__version__, "tensorflow": tf.__version__,
                         "numpy": np.__version__, "python": sys.version.split()[0]},
        }
        with open(args.metrics_out, "w") as f:
            json.dump(out, f, indent=2)


def folder_main(args):
    """Trains and tests on an image folder through image_dataset_from_directory."""
    import keras
    import tensorflow as tf

    def load(sub, shuffle):
        ds = keras.utils.image_dataset_from_directory(
            os.path.join(args.image_folder, sub), image_size=(32, 32),
            batch_size=args.batch_size, shuffle=shuffle, verbose=False)
        return ds.map(lambda x, y: (x / 255.0, y), num_parallel_calls=tf.data.AUTOTUNE)

    train, test = load("train", True), load("test", False)
    model = build(args.model)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    timer = EpochTimer()
    start = time.perf_counter()
    hist = model.fit(train, epochs=args.epochs, callbacks=[timer.callback], verbose=2)
    train_seconds = time.perf_counter() - start
    loss, acc = model.evaluate(test, verbose=0)
    print(f"Test loss: {loss:.4f} - test accuracy: {acc:.4f}")
    print(f"Training time: {train_seconds:.1f} s ({train_seconds / args.epochs:.1f} s/epoch)")
    if args.metrics_out:
        out = {
            "params": {"total": int(model.count_params())},
            "epochs": [{"epoch": i + 1, "loss": float(hist.history["loss"][i]),
                        "accuracy": float(hist.history["accuracy"][i]),
                        "seconds": timer.seconds[i]} for i in range(args.epochs)],
            "test": {"loss": float(loss), "accuracy": float(acc)},
            "train_seconds": train_seconds,
            "first_step_unix_ms": timer.first_step_unix_ms,
            "versions": {"keras": keras.__version__, "tensorflow": tf.__version__,
                         "numpy": np.__version__, "python": sys.version.split()[0]},
        }
        with open(args.metrics_out, "w") as f:
            json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
