#!/usr/bin/env python3
"""Checks that Python reads what jeras writes, and computes the same.

For each reference model it runs the jeras command line (scripts/jeras) to train briefly on the
committed fixtures and write a .keras file, a SavedModel and a model JSON with .weights.h5, and to
predict on the reference inputs. Then it loads each export in Python and compares:

  tf.saved_model.load(dir).signatures["serving_default"]
  keras.models.load_model(file.keras)
  keras.models.model_from_json(json) + load_weights(.weights.h5)

with jeras' own predictions. Exit code 0 when every max |python - jeras| <= 1e-5, else 1.

    python scripts/check_python_interop.py [--out DIR]    (needs tensorflow and keras)
"""
import argparse
import os
import subprocess
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JERAS = os.path.join(ROOT, "scripts", "jeras")
REF = os.path.join(ROOT, "testdata", "reference")
TOL = 1e-5
MODELS = {"mnist-basic": "mnist-small", "cifar10-bn": "cifar10-small",
          "cifar10-functional": "cifar10-small"}


def jeras(*args):
    cmd = [JERAS, *args]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stdout + r.stderr)
        raise SystemExit(f"jeras failed ({r.returncode}): {' '.join(cmd)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=None, help="where to write the exports (default: a temp dir)")
    args = ap.parse_args()
    out = args.out or tempfile.mkdtemp(prefix="jeras-interop-")
    os.makedirs(out, exist_ok=True)

    import numpy as np
    import keras
    import tensorflow as tf

    rows = []
    ok = True
    for name, fixture in MODELS.items():
        base = os.path.join(out, name)
        jeras("train", "--model", name, "--data-dir", os.path.join(ROOT, "testdata", fixture),
              "--epochs", "1", "--limit", "256", "--seed", "7", "--save", base + ".keras",
              "--export-savedmodel", base + "_savedmodel")
        jeras("convert", "--from", base + ".keras", "--to", base + ".json")
        x_path = os.path.join(REF, name + "_x.npy")
        jeras("predict", "--model", base + ".keras", "--input", x_path,
              "--output", base + "_jeras.npy")
        x = np.load(x_path)
        expected = np.load(base + "_jeras.npy")

        sig = tf.saved_model.load(base + "_savedmodel").signatures["serving_default"]
        (input_key,) = sig.structured_input_signature[1].keys()
        y_sm = sig(**{input_key: tf.constant(x)})["output_0"].numpy()

        model = keras.models.load_model(base + ".keras")
        y_keras = model.predict(x, verbose=0)

        with open(base + ".json") as f:
            rebuilt = keras.models.model_from_json(f.read())
        rebuilt.load_weights(base + ".weights.h5")
        y_json = rebuilt.predict(x, verbose=0)

        for how, y in (("tf.saved_model.load", y_sm), ("keras.models.load_model", y_keras),
                       ("model_from_json + load_weights", y_json)):
            diff = float(np.abs(y - expected).max())
            good = diff <= TOL and y.shape == expected.shape
            ok &= good
            rows.append((name, how, diff, "ok" if good else "FAIL"))

    print(f"Python (keras {keras.__version__}, tensorflow {tf.__version__}) reading jeras exports"
          f" in {out}")
    print(f"{'model':<20} {'loaded with':<32} {'max |python - jeras|':>22}")
    for name, how, diff, verdict in rows:
        print(f"{name:<20} {how:<32} {diff:>22.3e}  {verdict}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
