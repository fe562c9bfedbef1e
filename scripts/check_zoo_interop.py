#!/usr/bin/env python3
"""Checks that Python reads the layer-zoo models jeras writes, and computes the same.

Two models:

  zoo-model   the Keras-made functional model of testdata/layers (augmentation, Resizing,
              Rescaling, an adapted Normalization, a dilated Conv2D, BatchNormalization on axis 1,
              DepthwiseConv2D, GroupNormalization, SeparableConv2D, LayerNormalization,
              Conv2DTranspose, CenterCrop), read by jeras and written back with
              `scripts/jeras convert` as .keras, model JSON + .weights.h5 and a SavedModel
  augmented   dev.jeras.examples.Cifar10Augmented, built in Java (augmentation layers, its
              Normalization adapted in Java, DepthwiseConv2D, SeparableConv2D,
              LayerNormalization), trained one epoch on testdata/cifar10-small, saved the same ways

Each file is loaded with keras.models.load_model, model_from_json + load_weights and
tf.saved_model.load; the predictions must match jeras' (and for zoo-model Keras' own) within 1e-5.
Exit code 0 when all do.

    python scripts/check_zoo_interop.py [--out DIR]      (needs tensorflow and keras)
"""
import argparse
import glob
import os
import subprocess
import sys
import tempfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JERAS = os.path.join(ROOT, "scripts", "jeras")
LAYERS = os.path.join(ROOT, "testdata", "layers")
TOL = 1e-5


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stdout + r.stderr)
        raise SystemExit(f"failed ({r.returncode}): {' '.join(cmd)}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=None, help="where to write the files (default: a temp dir)")
    args = ap.parse_args()
    out = args.out or tempfile.mkdtemp(prefix="jeras-zoo-")
    os.makedirs(out, exist_ok=True)

    # zoo-model: Keras -> jeras -> files
    zoo = os.path.join(out, "zoo")
    for suffix in (".keras", ".json", "_savedmodel"):
        run([JERAS, "convert", "--from", os.path.join(LAYERS, "zoo-model.keras"),
             "--to", zoo + suffix])
    run([JERAS, "predict", "--model", zoo + ".keras", "--input",
         os.path.join(LAYERS, "zoo-model_x.npy"), "--output", zoo + "_jeras.npy"])

    # augmented: built and trained in Java (scripts/jeras has built the jars)
    aug = os.path.join(out, "augmented")
    cp = os.pathsep.join([os.path.join(ROOT, "target", "jeras.jar"),
                          os.path.join(ROOT, "target", "jeras-cli.jar")]
                         + glob.glob(os.path.join(ROOT, "target", "lib", "*.jar")))
    run(["java", "-cp", cp, "dev.jeras.examples.Cifar10Augmented",
         os.path.join(ROOT, "testdata", "cifar10-small"), aug, "--epochs", "1", "--limit", "256"])

    import numpy as np
    import keras
    import tensorflow as tf

    cases = [
        ("zoo-model", zoo + ".keras", zoo + ".json", zoo + ".weights.h5", zoo + "_savedmodel",
         os.path.join(LAYERS, "zoo-model_x.npy"),
         {"jeras": zoo + "_jeras.npy", "keras": os.path.join(LAYERS, "zoo-model_y.npy")}),
        ("augmented", os.path.join(aug, "cifar10_augmented.keras"),
         os.path.join(aug, "cifar10_augmented.json"),
         os.path.join(aug, "cifar10_augmented.weights.h5"), os.path.join(aug, "savedmodel"),
         os.path.join(aug, "x.npy"), {"jeras": os.path.join(aug, "y.npy")}),
    ]
    rows = []
    ok = True
    for name, keras_file, json_file, weights, savedmodel, x_path, refs in cases:
        x = np.load(x_path)
        model = keras.models.load_model(keras_file)
        y_keras = model.predict(x, verbose=0)
        with open(json_file) as f:
            rebuilt = keras.models.model_from_json(f.read())
        rebuilt.load_weights(weights)
        y_json = rebuilt.predict(x, verbose=0)
        sig = tf.saved_model.load(savedmodel).signatures["serving_default"]
        (input_key,) = sig.structured_input_signature[1].keys()
        y_sm = sig(**{input_key: tf.constant(x)})["output_0"].numpy()
        for ref_name, ref_path in refs.items():
            expected = np.load(ref_path)
            for how, y in (("keras.models.load_model", y_keras),
                           ("model_from_json + load_weights", y_json),
                           ("tf.saved_model.load", y_sm)):
                diff = float(np.abs(y - expected).max())
                good = diff <= TOL and y.shape == expected.shape
                ok &= good
                rows.append((name, how, ref_name, diff, "ok" if good else "FAIL"))

    print(f"Python (keras {keras.__version__}, tensorflow {tf.__version__}) reading jeras' files"
          f" in {out}")
    print(f"{'model':<11} {'loaded with':<32} {'against':<7} {'max |diff|':>11}")
    for name, how, ref, diff, verdict in rows:
        print(f"{name:<11} {how:<32} {ref:<7} {diff:>11.3e}  {verdict}")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
