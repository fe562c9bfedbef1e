#!/usr/bin/env python3
"""Checks that Python Keras reads the layer-zoo models jeras writes, with Keras' predictions.

For each Keras-made model of testdata/layers/models/ (scripts/make_layer_goldens.py: a LeNet
ending in a Softmax layer, a small U-Net, a mix of merges, reshapes and activations) it runs

  scripts/jeras convert --from NAME.keras --to OUT/NAME.keras
  scripts/jeras convert --from NAME.keras --to OUT/NAME.json        (+ NAME.weights.h5)
  scripts/jeras convert --from NAME.keras --to OUT/NAME_savedmodel

then loads each in Python (keras.models.load_model; model_from_json + load_weights;
tf.saved_model.load(...).signatures["serving_default"]) and compares its predictions on the
committed inputs with Keras' own predictions of the original file. Prints max |diff| per model
and format; exit code 0 when every one is <= 1e-5, else 1.

    ~/.cache/jeras/pyvenv/bin/python scripts/check_zoo_interop.py [--out DIR]
"""
import argparse
import os
import subprocess
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JERAS = os.path.join(ROOT, "scripts", "jeras")
MODELS = os.path.join(ROOT, "testdata", "layers", "models")
NAMES = ["lenet_softmax", "unet_small", "zoo_mix"]
TOL = 1e-5


def convert(src, dst):
    r = subprocess.run([JERAS, "convert", "--from", src, "--to", dst], capture_output=True,
                       text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stdout + r.stderr)
        raise SystemExit(f"jeras convert failed ({r.returncode}): {src} -> {dst}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=None, help="where to write the exports (default: a temp dir)")
    args = ap.parse_args()
    out = args.out or tempfile.mkdtemp(prefix="jeras-zoo-")
    os.makedirs(out, exist_ok=True)

    import keras
    import numpy as np
    import tensorflow as tf

    worst = 0.0
    print(f"keras {keras.__version__}, tensorflow {tf.__version__}; exports in {out}")
    for name in NAMES:
        src = os.path.join(MODELS, name + ".keras")
        x = np.load(os.path.join(MODELS, name + "_x.npy"))
        y = np.load(os.path.join(MODELS, name + "_y.npy"))
        keras_file = os.path.join(out, name + ".keras")
        json_file = os.path.join(out, name + ".json")
        saved = os.path.join(out, name + "_savedmodel")
        convert(src, keras_file)
        convert(src, json_file)
        convert(src, saved)

        results = {}
        results[".keras"] = keras.models.load_model(keras_file).predict(x, verbose=0)
        with open(json_file) as f:
            m = keras.models.model_from_json(f.read())
        m.load_weights(os.path.join(out, name + ".weights.h5"))
        results["json + weights"] = m.predict(x, verbose=0)
        fn = tf.saved_model.load(saved).signatures["serving_default"]
        outputs = fn(**{fn.structured_input_signature[1].popitem()[0]: tf.constant(x)})
        results["SavedModel"] = next(iter(outputs.values())).numpy()
        for fmt, got in results.items():
            diff = float(np.max(np.abs(got - y)))
            worst = max(worst, diff)
            print(f"{name:14s} jeras -> {fmt:15s} -> Python: max |diff| {diff:.2e}")
    print("OK" if worst <= TOL else f"FAILED: max |diff| {worst:.2e} > {TOL}")
    return 0 if worst <= TOL else 1


if __name__ == "__main__":
    sys.exit(main())
