#!/usr/bin/env python3
"""Makes the Keras optimizer references that OptimizerParityTest reads (testdata/training-step/optimizers/).

From the untrained model of the training-step reference (testdata/training-step/init.keras, made by
make_training_reference.py) and its first three batches of 32, for each optimizer below Python
Keras 3 takes one step, doubles the learning rate (as a callback would), takes two more, saves the
model with its optimizer state, then takes a fourth step on the first batch:

  NAME-after1.npy    every weight after the first step, flattened in get_weights() order
  NAME.keras         the model after the third step, compiled, with Keras' optimizer variables
  NAME-after4.npy    every weight after the fourth step
  optimizers.json    versions, each optimizer's class, config and initial learning rate, losses;
                     and under "defaults" the get_config() of each Keras optimizer made with no
                     arguments, which jeras' defaults must equal

jeras takes the same steps from init.keras, must land on the same weights and optimizer state,
must load NAME.keras with its optimizer state and continue to NAME-after4.npy.

    python scripts/make_optimizer_reference.py      (needs tensorflow and keras; about a minute)
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REF = os.path.join(ROOT, "testdata", "training-step")
OUT = os.path.join(REF, "optimizers")
BATCH = 32

# name: (Keras class, arguments). Decays and learning rates are chosen so that every term moves
# the weights by more than float32's rounding (Keras' AdamW default decay, 0.004 * 1e-3 a step,
# would not show).
OPTIMIZERS = {
    "adam": ("Adam", {}),
    "adamw": ("AdamW", {"weight_decay": 0.5}),
    "sgd": ("SGD", {}),
    "sgd-nesterov": ("SGD", {"learning_rate": 0.05, "momentum": 0.9, "nesterov": True}),
    "rmsprop": ("RMSprop", {}),
    "rmsprop-centered": ("RMSprop", {"momentum": 0.5, "centered": True}),
    "nadam": ("Nadam", {}),
    "adamax": ("Adamax", {}),
    "adagrad": ("Adagrad", {"learning_rate": 0.05}),
    "adadelta": ("Adadelta", {"learning_rate": 1.0}),
    "ftrl": ("Ftrl", {"learning_rate": 0.1, "l1_regularization_strength": 0.001,
                      "l2_regularization_strength": 0.01,
                      "l2_shrinkage_regularization_strength": 0.01, "beta": 0.1}),
    "lion": ("Lion", {"weight_decay": 0.5}),
}


def flat(model):
    return np.concatenate([w.ravel() for w in model.get_weights()]).astype(np.float32)


def main():
    os.makedirs(OUT, exist_ok=True)
    x = np.load(os.path.join(REF, "x.npy"))
    y = np.load(os.path.join(REF, "y.npy"))
    batches = [slice(i * BATCH, (i + 1) * BATCH) for i in (0, 1, 2, 0)]
    record = {"keras": keras.__version__, "tensorflow": tf.__version__, "numpy": np.__version__,
              "python": sys.version.split()[0], "batch": BATCH, "optimizers": {}}
    for name, (cls, kwargs) in OPTIMIZERS.items():
        keras.utils.set_random_seed(1)
        model = keras.saving.load_model(os.path.join(REF, "init.keras"))
        opt = getattr(keras.optimizers, cls)(**kwargs)
        lr = float(opt.learning_rate.numpy())
        model.compile(optimizer=opt, loss="sparse_categorical_crossentropy")
        losses = []
        for step, s in enumerate(batches):
            if step == 1:
                model.optimizer.learning_rate = 2 * lr
            losses.append(float(model.train_on_batch(x[s], y[s])))
            if step == 0:
                np.save(os.path.join(OUT, f"{name}-after1.npy"), flat(model))
            if step == 2:
                model.save(os.path.join(OUT, f"{name}.keras"))
        np.save(os.path.join(OUT, f"{name}-after4.npy"), flat(model))
        record["optimizers"][name] = {"class": cls, "config": kwargs, "learning_rate": lr,
                                      "slots": len(opt.variables) - 2, "losses": losses}
        print(f"{name}: losses {losses}")
    record["defaults"] = {}
    for cls in ["Adam", "AdamW", "SGD", "RMSprop", "Nadam", "Adamax", "Adagrad", "Adadelta", "Ftrl",
                "Lion"]:
        config = getattr(keras.optimizers, cls)().get_config()
        config.pop("name")
        record["defaults"][cls] = config
    with open(os.path.join(OUT, "optimizers.json"), "w") as f:
        json.dump(record, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
