#!/usr/bin/env python3
"""Checks that Python reads the layer-zoo models jeras writes, and computes the same.

The models:

  lenet_softmax, unet_small, zoo_mix
              Keras-made models of testdata/layers/models/ (scripts/make_layer_goldens.py: a LeNet
              ending in a Softmax layer, a small U-Net, a mix of merges, reshapes and activations)
  zoo-model   the Keras-made functional model of testdata/layers (augmentation, Resizing,
              Rescaling, an adapted Normalization, a dilated Conv2D, BatchNormalization on axis 1,
              DepthwiseConv2D, GroupNormalization, SeparableConv2D, LayerNormalization,
              Conv2DTranspose, CenterCrop)
  augmented   dev.jeras.examples.Cifar10Augmented, built in Java (augmentation layers, its
              Normalization adapted in Java, DepthwiseConv2D, SeparableConv2D,
              LayerNormalization), trained one epoch on testdata/cifar10-small

The Keras-made ones are read by jeras and written back with `scripts/jeras convert` as .keras,
model JSON + .weights.h5 and a SavedModel; the Java-made one is saved the same ways. Each file is
loaded with keras.models.load_model, model_from_json + load_weights and tf.saved_model.load; the
predictions must match Keras' own predictions of the original file (Keras-made models) and
jeras' (zoo-model, augmented) within 1e-5. Prints max |diff| per model, format and reference;
exit code 0 when all match.

    ~/.cache/jeras/pyvenv/bin/python scripts/check_zoo_interop.py [--out DIR]
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
MODELS = os.path.join(LAYERS, "models")
KERAS_MODELS = ["lenet_softmax", "unet_small", "zoo_mix"]
TOL = 1e-5


def run(cmd):
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stdout + r.stderr)
        raise SystemExit(f"failed ({r.returncode}): {' '.join(cmd)}")


def convert_all(src, dst):
    """Writes src as dst.keras, dst.json (+ dst.weights.h5) and dst_savedmodel."""
    for suffix in (".keras", ".json", "_savedmodel"):
        run([JERAS, "convert", "--from", src, "--to", dst + suffix])
    return dst + ".keras", dst + ".json", dst + ".weights.h5", dst + "_savedmodel"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=None, help="where to write the files (default: a temp dir)")
    args = ap.parse_args()
    out = args.out or tempfile.mkdtemp(prefix="jeras-zoo-")
    os.makedirs(out, exist_ok=True)

    cases = []
    # Keras-made models: Keras -> jeras -> files, against Keras' predictions
    for name in KERAS_MODELS:
        files = convert_all(os.path.join(MODELS, name + ".keras"), os.path.join(out, name))
        cases.append((name, *files, os.path.join(MODELS, name + "_x.npy"),
                      {"keras": os.path.join(MODELS, name + "_y.npy")}))

    # zoo-model: Keras -> jeras -> files, against jeras' and Keras' predictions
    zoo = os.path.join(out, "zoo")
    files = convert_all(os.path.join(LAYERS, "zoo-model.keras"), zoo)
    run([JERAS, "predict", "--model", zoo + ".keras", "--input",
         os.path.join(LAYERS, "zoo-model_x.npy"), "--output", zoo + "_jeras.npy"])
    cases.append(("zoo-model", *files, os.path.join(LAYERS, "zoo-model_x.npy"),
                  {"jeras": zoo + "_jeras.npy", "keras": os.path.join(LAYERS, "zoo-model_y.npy")}))

    # augmented: built and trained in Java (scripts/jeras has built the jars)
    aug = os.path.join(out, "augmented")
    cp = os.pathsep.join([os.path.join(ROOT, "target", "jeras.jar"),
                          os.path.join(ROOT, "target", "jeras-cli.jar")]
                         + glob.glob(os.path.join(ROOT, "target", "lib", "*.jar")))
    run(["java", "-cp", cp, "dev.jeras.examples.Cifar10Augmented",
         os.path.join(ROOT, "testdata", "cifar10-small"), aug, "--epochs", "1", "--limit", "256"])
    cases.append(("augmented", os.path.join(aug, "cifar10_augmented.keras"),
                  os.path.join(aug, "cifar10_augmented.json"),
                  os.path.join(aug, "cifar10_augmented.weights.h5"),
                  os.path.join(aug, "savedmodel"),
                  os.path.join(aug, "x.npy"), {"jeras": os.path.join(aug, "y.npy")}))

    import numpy as np
    import keras
    import tensorflow as tf

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
        (y_sm,) = [t.numpy() for t in sig(**{input_key: tf.constant(x)}).values()]
        for ref_name, ref_path in refs.items():
            expected = np.load(ref_path)
            for how, y in (("keras.models.load_model", y_keras),
                           ("model_from_json + load_weights", y_json),
                           ("tf.saved_model.load", y_sm)):
                good = y.shape == expected.shape
                diff = float(np.abs(y - expected).max()) if good else float("inf")
                good &= diff <= TOL
                ok &= good
                rows.append((name, how, ref_name, diff, "ok" if good else "FAIL"))

    print(f"Python (keras {keras.__version__}, tensorflow {tf.__version__}) reading jeras' files"
          f" in {out}")
    print(f"{'model':<14} {'loaded with':<32} {'against':<7} {'max |diff|':>11}")
    for name, how, ref, diff, verdict in rows:
        print(f"{name:<14} {how:<32} {ref:<7} {diff:>11.3e}  {verdict}")
    print("OK" if ok else f"FAILED: some max |diff| > {TOL} or a shape differs")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
