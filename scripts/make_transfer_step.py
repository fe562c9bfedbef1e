#!/usr/bin/env python3
"""Makes the Keras transfer-learning step that TransferStepTest reads (testdata/transfer-step/).

The model is the shape of the Keras transfer-learning guide, on 32x32 images: input (32, 32, 3) ->
Rescaling(1/127.5, offset=-1) -> keras.applications.MobileNetV2(alpha=0.35, include_top=False,
weights=None) nested as one layer, frozen (base.trainable = False) and called with training=False
-> GlobalAveragePooling2D -> Dropout -> Dense(10) logits; compiled with Adam(learning_rate=1e-3)
and SparseCategoricalCrossentropy(from_logits=True). The base's BatchNormalization gamma, beta,
moving means and variances are drawn at random (fixed seed) so that a normalization run in the
wrong mode, or moving statistics that move, show in the outputs and the weights.

Left out of the guide's model, so that both sides compute the same step:
- the random augmentation layers (RandomFlip, RandomRotation): each side draws its own random
  numbers, so their outputs cannot agree;
- dropout's effect: the layer is kept (the file has the guide's layer sequence) with rate 0.
  During train_on_batch Keras draws the dropout mask from its own seed generator, which jeras'
  TensorFlow graph cannot reproduce, and a different mask gives a different loss and head
  gradient. At rate 0 both sides pass the features through unchanged, in training as in
  inference, which is what the comparison needs; dropout's masks are tested elsewhere.

Writes

  before.keras    the compiled model before the step (no optimizer state yet)
  x.npy, y.npy    one batch: 8 images (uniform in [0, 255), float32) and labels (int32, 0..9)
  after.npz       every weight after exactly one model.train_on_batch(x, y), keyed by the
                  variable's path (Conv1/kernel, bn_Conv1/moving_mean, ..., dense/kernel)
  step.json       versions, seed, the loss train_on_batch returned, every weight's path, shape
                  and trainable flag in model.weights order

    ~/.cache/jeras/pyvenv/bin/python scripts/make_transfer_step.py      (seconds)
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "testdata", "transfer-step")
SEED = 2026
BATCH = 8
DROPOUT = 0.0


def randomize_batchnorm(base, rng):
    """gamma, beta, moving mean and variance away from 1, 0, 0, 1."""
    for layer in base.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            gamma, beta, mean, var = layer.get_weights()
            layer.set_weights([rng.uniform(0.5, 1.5, gamma.shape).astype("float32"),
                               rng.uniform(-0.2, 0.2, beta.shape).astype("float32"),
                               rng.uniform(-0.2, 0.2, mean.shape).astype("float32"),
                               rng.uniform(0.5, 1.5, var.shape).astype("float32")])


def build(rng):
    base = keras.applications.MobileNetV2(alpha=0.35, input_shape=(32, 32, 3),
                                          include_top=False, weights=None)
    randomize_batchnorm(base, rng)
    base.trainable = False
    inputs = keras.Input((32, 32, 3))
    x = keras.layers.Rescaling(1 / 127.5, offset=-1)(inputs)
    x = base(x, training=False)
    x = keras.layers.GlobalAveragePooling2D()(x)
    x = keras.layers.Dropout(DROPOUT)(x)
    outputs = keras.layers.Dense(10)(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=1e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    return model


def main():
    os.makedirs(OUT, exist_ok=True)
    keras.utils.set_random_seed(SEED)
    rng = np.random.default_rng(SEED)
    model = build(rng)
    model.save(os.path.join(OUT, "before.keras"))
    x = rng.uniform(0, 255, (BATCH, 32, 32, 3)).astype(np.float32)
    y = rng.integers(0, 10, BATCH).astype(np.int32)
    np.save(os.path.join(OUT, "x.npy"), x)
    np.save(os.path.join(OUT, "y.npy"), y)
    before = {v.path: np.array(v.numpy()) for v in model.weights}
    loss = float(model.train_on_batch(x, y))
    after = {v.path: np.array(v.numpy()) for v in model.weights}
    assert len(after) == len(model.weights), "variable paths are not unique"
    trainable = {v.path for v in model.trainable_weights}
    moved = sorted(p for p in after if not np.array_equal(before[p], after[p]))
    # the step must train the head and nothing else
    assert set(moved) == trainable == {"dense/kernel", "dense/bias"}, moved
    np.savez(os.path.join(OUT, "after.npz"), **after)
    record = {"keras": keras.__version__, "tensorflow": tf.__version__, "numpy": np.__version__,
              "python": sys.version.split()[0], "seed": SEED, "batch": BATCH,
              "dropout_rate": DROPOUT, "loss": loss,
              "weights": [{"path": v.path, "shape": list(v.shape),
                           "trainable": v.path in trainable} for v in model.weights]}
    with open(os.path.join(OUT, "step.json"), "w") as f:
        json.dump(record, f, indent=2)
        f.write("\n")
    print(f"loss {loss}; {model.count_params()} parameters, {len(model.weights)} weights,"
          f" moved by the step: {moved}")


if __name__ == "__main__":
    main()
