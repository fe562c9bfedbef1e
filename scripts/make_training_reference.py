#!/usr/bin/env python3
"""Makes the Keras training-step reference that TrainingParityTest reads (testdata/training-step/).

A small model with every layer kind of the CIFAR BatchNormalization CNN (Conv2D "same" + ReLU,
BatchNormalization of images, MaxPooling2D, Flatten, Dense + ReLU, BatchNormalization of vectors,
Dense + softmax), built with a fixed seed and saved untrained, then trained by Python Keras 3 for
three Adam steps (default settings, sparse categorical cross-entropy) on three fixed batches of 32.
jeras loads the same file, takes the same steps, and must land on the same weights: the Adam
update, the batch normalizations' moving averages (momentum, biased variance) and the loss'
gradient, compared value by value.

  init.keras         the untrained model (no optimizer)
  x.npy, y.npy       96 inputs (8x8x3, uniform in [0, 1]) and their labels (int32)
  after1.npy         every weight after the first step, flattened and concatenated in Keras'
  after3.npy         get_weights() order; the same after the third step
  reference.json     versions, seed, weight shapes, the three losses

    python scripts/make_training_reference.py        (needs tensorflow and keras; seconds)
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras import layers  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "testdata", "training-step")
SEED = 2027
BATCH = 32


def main():
    os.makedirs(OUT, exist_ok=True)
    keras.utils.set_random_seed(SEED)
    model = keras.Sequential([
        keras.Input(shape=(8, 8, 3)),
        layers.Conv2D(8, (3, 3), padding="same", activation="relu"),
        layers.BatchNormalization(),
        layers.Conv2D(8, (3, 3), padding="same", activation="relu"),
        layers.BatchNormalization(),
        layers.MaxPooling2D((2, 2)),
        layers.Flatten(),
        layers.Dense(16, activation="relu"),
        layers.BatchNormalization(),
        layers.Dense(10, activation="softmax"),
    ])
    model.save(os.path.join(OUT, "init.keras"))
    rng = np.random.default_rng(SEED)
    x = rng.uniform(0, 1, size=(3 * BATCH, 8, 8, 3)).astype(np.float32)
    y = rng.integers(0, 10, size=3 * BATCH).astype(np.int32)
    np.save(os.path.join(OUT, "x.npy"), x)
    np.save(os.path.join(OUT, "y.npy"), y)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    losses = []
    for step in range(3):
        s = slice(step * BATCH, (step + 1) * BATCH)
        losses.append(float(model.train_on_batch(x[s], y[s])))
        if step in (0, 2):
            flat = np.concatenate([w.ravel() for w in model.get_weights()]).astype(np.float32)
            np.save(os.path.join(OUT, f"after{step + 1}.npy"), flat)
    record = {"keras": keras.__version__, "tensorflow": tf.__version__, "numpy": np.__version__,
              "python": sys.version.split()[0], "seed": SEED, "batch": BATCH,
              "weights": [{"path": v.path, "shape": list(v.shape)} for v in model.weights],
              "losses": losses}
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(record, f, indent=2)
        f.write("\n")
    print(f"losses {losses}; {model.count_params()} parameters")


if __name__ == "__main__":
    main()
