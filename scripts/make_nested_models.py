#!/usr/bin/env python3
"""Makes the nested-model fixtures the Java tests read (testdata/nested/).

Keras saves every transfer-learning model as a model inside a model. These fixtures hold such
models, made with Keras 3 from fixed seeds, with random BatchNormalization statistics so that
inference mode is visible in the outputs:

  nested.keras           a functional model calling a frozen functional base with
                         training=False and a trainable Sequential branch (Conv2D +
                         BatchNormalization), merged with Add, with two outputs (out1, dense)
  nested.json            the same model's JSON (model.to_json())
  nested.weights.h5      its weights (model.save_weights)
  nested_legacy.h5       the same model in the legacy .h5 format (model.save("x.h5"))
  seq_in_seq.keras       a Sequential holding a Sequential (Conv2D, BatchNormalization) and a Dense
  transfer_cifar.keras   a small transfer-learning model for CIFAR-10 inputs (32, 32, 3): a frozen
                         functional base (conv_a, bn_a, conv_b, bn_b) called with training=False,
                         global average pooling, dropout and a softmax head; compiled with Adam
                         and sparse categorical cross-entropy (the command-line tests train it)
  <model>_x.npy          4 inputs of the model's input shape, uniform in [-1, 1]
  <model>_y.npz          Keras' outputs for them (model.predict), by output name
  nested.json, fixtures.json  (the latter: Keras, TensorFlow, NumPy and Python versions, seed,
                         output names)

    python scripts/make_nested_models.py          (needs tensorflow and keras; ~20 s)
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "testdata", "nested")
SEED = 20


def randomize_batchnorm(model, rng):
    """Moving statistics away from 0 and 1, so that a wrong mode shows in the outputs."""
    for layer in model.layers:
        if isinstance(layer, keras.Model):
            randomize_batchnorm(layer, rng)
        elif isinstance(layer, keras.layers.BatchNormalization):
            gamma, beta, mean, var = layer.get_weights()
            layer.set_weights([rng.uniform(0.5, 1.5, gamma.shape).astype("float32"),
                               rng.uniform(-0.5, 0.5, beta.shape).astype("float32"),
                               rng.uniform(-0.5, 0.5, mean.shape).astype("float32"),
                               rng.uniform(0.5, 2.0, var.shape).astype("float32")])


def nested():
    inner_in = keras.Input((8, 8, 3))
    x = keras.layers.Conv2D(4, 3, name="fc1")(inner_in)
    x = keras.layers.BatchNormalization(name="fbn")(x)
    x = keras.layers.Conv2D(4, 1)(x)
    base = keras.Model(inner_in, x, name="fbase")
    base.trainable = False
    branch = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(4, 3, name="c1"),
                               keras.layers.BatchNormalization(name="bn")], name="seqbase")
    img = keras.Input((8, 8, 3), name="img")
    a = base(img, training=False)
    b = branch(img)
    y = keras.layers.Add()([a, b])
    y = keras.layers.GlobalAveragePooling2D()(y)
    out1 = keras.layers.Dense(2, name="out1")(y)
    out2 = keras.layers.Dense(3, activation="softmax")(y)
    return keras.Model(img, [out1, out2], name="outer")


def seq_in_seq():
    inner = keras.Sequential([keras.Input((8, 8, 3)), keras.layers.Conv2D(5, 3),
                              keras.layers.BatchNormalization()], name="inner")
    return keras.Sequential([keras.Input((8, 8, 3)), inner, keras.layers.Flatten(),
                             keras.layers.Dense(3)], name="outer_seq")


def transfer_cifar():
    inner = keras.Input((32, 32, 3))
    x = keras.layers.Conv2D(8, 3, strides=2, name="conv_a")(inner)
    x = keras.layers.BatchNormalization(name="bn_a")(x)
    x = keras.layers.Activation("relu", name="relu_a")(x)
    x = keras.layers.Conv2D(16, 3, strides=2, name="conv_b")(x)
    x = keras.layers.BatchNormalization(name="bn_b")(x)
    x = keras.layers.Activation("relu", name="relu_b")(x)
    base = keras.Model(inner, x, name="small_base")
    base.trainable = False
    img = keras.Input((32, 32, 3), name="image")
    y = base(img, training=False)
    y = keras.layers.GlobalAveragePooling2D()(y)
    y = keras.layers.Dropout(0.2)(y)
    out = keras.layers.Dense(10, activation="softmax", name="head")(y)
    model = keras.Model(img, out, name="transfer_cifar")
    model.compile(optimizer=keras.optimizers.Adam(1e-3),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    return model


def main():
    os.makedirs(OUT, exist_ok=True)
    rng = np.random.default_rng(SEED)
    record = {"keras": keras.__version__, "tensorflow": tf.__version__,
              "numpy": np.__version__, "python": sys.version.split()[0], "seed": SEED,
              "models": {}}
    for name, make in (("nested", nested), ("seq_in_seq", seq_in_seq),
                       ("transfer_cifar", transfer_cifar)):
        keras.backend.clear_session()
        keras.utils.set_random_seed(SEED)
        model = make()
        randomize_batchnorm(model, rng)
        shape = model.inputs[0].shape[1:]
        x = rng.uniform(-1, 1, (4, *shape)).astype("float32")
        ys = model.predict(x, verbose=0)
        ys = ys if isinstance(ys, list) else [ys]
        names = list(getattr(model, "output_names", None) or [model.layers[-1].name])
        model.save(os.path.join(OUT, name + ".keras"))
        np.save(os.path.join(OUT, name + "_x.npy"), x)
        np.savez(os.path.join(OUT, name + "_y.npz"), **dict(zip(names, ys)))
        if name == "nested":
            with open(os.path.join(OUT, name + ".json"), "w") as f:
                f.write(model.to_json())
            model.save_weights(os.path.join(OUT, name + ".weights.h5"))
            model.save(os.path.join(OUT, name + "_legacy.h5"))
        record["models"][name] = {"outputs": names,
                                  "params": int(model.count_params()),
                                  "trainable_params": int(sum(
                                      np.prod(w.shape) for w in model.trainable_weights))}
    with open(os.path.join(OUT, "fixtures.json"), "w") as f:
        json.dump(record, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
