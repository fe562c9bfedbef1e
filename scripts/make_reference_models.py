#!/usr/bin/env python3
"""Makes the Keras reference files the Java comparison tests read (testdata/reference/).

For each reference model (mnist-basic on testdata/mnist-small, cifar10-bn and cifar10-functional
on testdata/cifar10-small) it trains one brief epoch in Python Keras 3 and writes:

  <name>.keras              the model (mnist-basic compiled, with Adam's state; the CIFAR models
                            uncompiled, to keep the files small); weights rounded to bfloat16
                            precision (stored as float32) so that git compresses them
  <name>_savedmodel/        Keras' model.export() (serving_default, input key keras_tensor)
  <name>_x.npy              8 test inputs
  <name>_y.npy              Keras' outputs for them (model.predict)
  mnist-basic_legacy.h5     the MNIST model in the legacy .h5 format (model.save("x.h5"))
  reference.json            Keras, TensorFlow, NumPy and Python versions, seed, shapes

    python scripts/make_reference_models.py         (needs tensorflow and keras; ~1 minute)
"""
import json
import os
import shutil
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras_reference import build, load_cifar, load_idx  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "testdata", "reference")
SEED = 1234


def to_bfloat16_precision(w):
    """Rounds float32 values to the nearest bfloat16 (8-bit mantissa), kept as float32."""
    bits = np.ascontiguousarray(w, dtype=np.float32).view(np.uint32)
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) & 0xFFFF0000
    return rounded.astype(np.uint32).view(np.float32).reshape(w.shape)


def data(name):
    if name == "mnist-basic":
        d = os.path.join(ROOT, "testdata", "mnist-small")
        return load_idx(d, "train"), load_idx(d, "t10k")
    return load_cifar(os.path.join(ROOT, "testdata", "cifar10-small"))


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    record = {"keras": keras.__version__, "tensorflow": tf.__version__,
              "numpy": np.__version__, "python": sys.version.split()[0], "seed": SEED,
              "models": {}}
    for name in ("mnist-basic", "cifar10-bn", "cifar10-functional"):
        keras.backend.clear_session()
        keras.utils.set_random_seed(SEED)
        (x_train, y_train), (x_test, _) = data(name)
        model = build(name)
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy",
                      metrics=["accuracy"])
        model.fit(x_train, y_train, epochs=1, batch_size=64, verbose=0)
        # Weights rounded to bfloat16 precision (still stored as float32): the two low bytes of
        # every value are zero, so git compresses the 2-million-parameter CIFAR files well.
        weights = [to_bfloat16_precision(w) for w in model.get_weights()]
        if name != "mnist-basic":
            model = build(name)  # uncompiled: no optimizer state in the files
        model.set_weights(weights)
        x = x_test[:8]
        y = model.predict(x, verbose=0)
        np.save(os.path.join(OUT, f"{name}_x.npy"), x.astype(np.float32))
        np.save(os.path.join(OUT, f"{name}_y.npy"), y.astype(np.float32))
        model.export(os.path.join(OUT, f"{name}_savedmodel"), verbose=False)
        model.save(os.path.join(OUT, f"{name}.keras"))
        if name == "mnist-basic":
            model.save(os.path.join(OUT, f"{name}_legacy.h5"))
        record["models"][name] = {"params": int(model.count_params()),
                                  "input": list(x.shape), "output": list(y.shape)}
        print(f"{name}: {model.count_params()} parameters, outputs {y.shape}")
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(record, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()
