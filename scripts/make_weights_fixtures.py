#!/usr/bin/env python3
"""Makes the weight-file fixtures of every Keras kind (testdata/legacy-weights/).

One small functional CNN (Conv2D, BatchNormalization, ReLU, DepthwiseConv2D, BatchNormalization,
GlobalAveragePooling2D, Dense: the layers of the Keras applications, ~2 KB of weights), made with
Keras 3 from a fixed seed, with random BatchNormalization statistics, gamma and beta so that
inference mode shows in the outputs, written every way a Keras user has its weights:

  cnn.json                 the architecture (model.to_json()); no weights beside it
  cnn.weights.h5           Keras 3 weights (model.save_weights)
  cnn.keras                Keras 3 archive (its model.weights.h5 holds the weights)
  cnn_legacy_model.h5      legacy full-model file (model.save("x.h5"): model_weights/<layer>/...)
  cnn_legacy_weights.h5    legacy weights-only file, layer groups at the root with a layer_names
                           attribute, as the files Keras applications publish
                           (legacy_h5_format.save_weights_to_hdf5_group)
  cnn_renamed_weights.h5   the same weights from the same architecture whose layers carry other
                           names (Keras loads such a file by order)
  cnn_chunked_weights.h5   cnn_legacy_weights.h5 with its layer_names attribute split into
                           layer_names0, layer_names1, as Keras splits one past HDF5's 64 KB
                           header limit (save_attributes_to_hdf5_group)
  cnn_wrong_shape.h5       legacy weights-only file of the architecture with 5 filters in the
                           first Conv2D instead of 4
  cnn_x.npy, cnn_y.npy     2 inputs (8, 8, 3) uniform in [-1, 1], and Keras' outputs for them
  fixtures.json            Keras, TensorFlow, NumPy, h5py and Python versions, seed

    ~/.cache/jeras/pyvenv/bin/python scripts/make_weights_fixtures.py      (~10 s)
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import h5py  # noqa: E402
import numpy as np  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras.src.legacy.saving import legacy_h5_format  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "testdata", "legacy-weights")
SEED = 20


def cnn(prefix="", filters=4):
    inp = keras.Input((8, 8, 3), name=prefix + "input")
    x = keras.layers.Conv2D(filters, 3, padding="same", name=prefix + "conv")(inp)
    x = keras.layers.BatchNormalization(name=prefix + "conv_bn")(x)
    x = keras.layers.ReLU(name=prefix + "conv_relu")(x)
    x = keras.layers.DepthwiseConv2D(3, padding="same", use_bias=False, name=prefix + "dw")(x)
    x = keras.layers.BatchNormalization(name=prefix + "dw_bn")(x)
    x = keras.layers.GlobalAveragePooling2D(name=prefix + "pool")(x)
    out = keras.layers.Dense(3, name=prefix + "logits")(x)
    return keras.Model(inp, out, name=prefix + "cnn")


def randomize(model, rng):
    for layer in model.layers:
        if isinstance(layer, keras.layers.BatchNormalization):
            for v in layer.weights:
                name = v.path.split("/")[-1]
                lo, hi = {"gamma": (0.5, 1.5), "beta": (-0.5, 0.5), "moving_mean": (-0.5, 0.5),
                          "moving_variance": (0.5, 1.5)}[name]
                v.assign(rng.uniform(lo, hi, v.shape).astype("float32"))
        elif layer.weights:
            for v in layer.weights:
                v.assign(rng.uniform(-0.5, 0.5, v.shape).astype("float32"))


def legacy_weights(model, path):
    with h5py.File(path, "w") as f:
        legacy_h5_format.save_weights_to_hdf5_group(f, model)


def main():
    os.makedirs(OUT, exist_ok=True)
    keras.utils.set_random_seed(SEED)
    rng = np.random.default_rng(SEED)
    model = cnn()
    randomize(model, rng)
    with open(os.path.join(OUT, "cnn.json"), "w") as f:
        f.write(model.to_json())
    model.save_weights(os.path.join(OUT, "cnn.weights.h5"))
    model.save(os.path.join(OUT, "cnn.keras"))
    model.save(os.path.join(OUT, "cnn_legacy_model.h5"))
    legacy_weights(model, os.path.join(OUT, "cnn_legacy_weights.h5"))

    chunked = os.path.join(OUT, "cnn_chunked_weights.h5")
    legacy_weights(model, chunked)
    with h5py.File(chunked, "a") as f:
        names = f.attrs["layer_names"]
        del f.attrs["layer_names"]
        f.attrs["layer_names0"] = names[:4]
        f.attrs["layer_names1"] = names[4:]

    renamed = cnn(prefix="other_")
    renamed.set_weights(model.get_weights())
    legacy_weights(renamed, os.path.join(OUT, "cnn_renamed_weights.h5"))

    wrong = cnn(filters=5)
    legacy_weights(wrong, os.path.join(OUT, "cnn_wrong_shape.h5"))

    x = rng.uniform(-1, 1, (2, 8, 8, 3)).astype("float32")
    np.save(os.path.join(OUT, "cnn_x.npy"), x)
    np.save(os.path.join(OUT, "cnn_y.npy"), model.predict(x, verbose=0).astype("float32"))
    with open(os.path.join(OUT, "fixtures.json"), "w") as f:
        json.dump({"keras": keras.__version__, "tensorflow": tf.__version__,
                   "numpy": np.__version__, "h5py": h5py.__version__,
                   "python": sys.version.split()[0], "seed": SEED}, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
