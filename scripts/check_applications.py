#!/usr/bin/env python3
"""Keras applications both ways: Python Keras files read by jeras, jeras files read by Python.

For each application (keras.applications.<Name>(weights=None, classifier_activation=None): the
architecture with random weights, logits out), made with a fixed seed and random BatchNormalization
statistics, gamma and beta (so that inference mode shows in the outputs), it writes

  NAME.keras, NAME.json + NAME.weights.h5                      (Python Keras)
  x.npy: 2 images, uniform in [0, 255), through the application's own preprocess_input

then measures, against Keras' own prediction of x (model.predict):

  Keras -> jeras   scripts/jeras predict --model NAME.keras --input x.npy --output y.npy --kernels fixed
                   scripts/jeras predict --model NAME.json ...
  jeras -> Keras   scripts/jeras convert --from NAME.keras --to OUT/NAME.keras | .json | _savedmodel
                   read by keras.models.load_model, model_from_json + load_weights,
                   tf.saved_model.load(...).signatures["serving_default"]

Nothing is downloaded and nothing is committed: the files (up to 100 MB each) go to --out (default
a temporary folder, removed at the end). Prints a Markdown table of max |diff| (and the largest
|logit|, for scale); exit code 0 when every difference is at most 1e-4, 1 otherwise, 2 when an
application cannot be read (the jeras error is printed). TF_ENABLE_ONEDNN_OPTS=0 for Python's
side (its oneDNN kernels abort with SIGFPE on ResNet50 on AVX-512 EPYC CPUs); jeras runs with its
own defaults.

    ~/.cache/jeras/pyvenv/bin/python scripts/check_applications.py [--apps ResNet50,VGG16] [--keep]

With --builders it checks jeras' own application builders (dev.jeras.applications) instead: for
each configuration (MobileNetV2 at alpha 0.35 96x96 and at its defaults, ResNet50, EfficientNetB0,
DenseNet121, VGG16 at 64x64), with the top (classifier_activation=None) and without it
(include_top=False, the published "_notop" files), Keras writes the weights three ways

  NAME.weights.h5   Keras 3 weights            NAME.keras   Keras 3 archive
  NAME.h5           legacy weights-only file, layer groups at the root with layer_names, the
                    layout of the files Keras applications publish

and jeras builds the application by name and loads each file into it:

  scripts/jeras predict --model "APP:options" --weights FILE --input x.npy --output y.npy --kernels fixed

printing a Markdown table configuration x format of max |diff| against Keras' prediction (exit 0
when all are at most 1e-4). --apps picks configurations (MobileNetV2-0.35, MobileNetV2, ResNet50,
EfficientNetB0, DenseNet121, VGG16), --variants top,notop picks the variants; --jeras-model json
builds the model from Keras' model JSON (architecture only) instead of the builder, to check the
weights files where a builder is missing.

    ~/.cache/jeras/pyvenv/bin/python scripts/check_applications.py --builders --apps MobileNetV2-0.35
"""
import argparse
import os
import shutil
import subprocess
import sys
import tempfile
import time

os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
JERAS = os.path.join(ROOT, "scripts", "jeras")
SEED = 20
TOL = 1e-4
# name: (keras.applications module for preprocess_input, input size). Default sizes except VGG16,
# whose 224x224 top has 102M weights in fc1 alone (a 528 MB file): at 64x64 it keeps every layer.
APPS = {
    "ResNet50": ("resnet50", 224),
    "MobileNetV2": ("mobilenet_v2", 224),
    "VGG16": ("vgg16", 64),
    "EfficientNetB0": ("efficientnet", 224),
    "DenseNet121": ("densenet", 224),
    "InceptionV3": ("inception_v3", 299),
    "Xception": ("xception", 299),
}


def jeras_env():
    env = dict(os.environ)
    env.pop("TF_ENABLE_ONEDNN_OPTS", None)  # jeras' own choice, as a user runs it
    return env


def jeras(*args):
    r = subprocess.run([JERAS, *args], capture_output=True, text=True, env=jeras_env())
    if r.returncode != 0:
        return (r.stderr.strip().splitlines() or ["exit %d" % r.returncode])[-1]
    return None


def randomize_batchnorm(model, rng):
    import keras

    for layer in model._flatten_layers(include_self=False):
        if isinstance(layer, keras.layers.BatchNormalization):
            for v in layer.weights:
                name = v.path.split("/")[-1]
                lo, hi = {"gamma": (0.8, 1.2), "beta": (-0.1, 0.1), "moving_mean": (-0.1, 0.1),
                          "moving_variance": (0.8, 1.2)}[name]
                v.assign(rng.uniform(lo, hi, v.shape).astype("float32"))


# --builders: configuration: (application, preprocess module, Keras' keyword arguments, the same as
# jeras' --model options)
BUILDERS = {
    "MobileNetV2-0.35": ("MobileNetV2", "mobilenet_v2", {"alpha": 0.35, "input_shape": (96, 96, 3)}),
    "MobileNetV2": ("MobileNetV2", "mobilenet_v2", {}),
    "ResNet50": ("ResNet50", "resnet50", {}),
    "EfficientNetB0": ("EfficientNetB0", "efficientnet", {}),
    "DenseNet121": ("DenseNet121", "densenet", {}),
    "VGG16": ("VGG16", "vgg16", {"input_shape": (64, 64, 3)}),
}
FORMATS = ["weights.h5", "keras", "legacy h5"]


def jeras_options(kwargs):
    """Keras' keyword arguments as jeras' --model NAME:key=value,... options."""
    out = []
    for k, v in kwargs.items():
        if k == "input_shape":
            v = "x".join(str(d) for d in v)
        elif isinstance(v, bool):
            v = str(v).lower()
        elif v is None:
            v = "none" if k == "pooling" else "linear"
        out.append(f"{k}={v}")
    return ",".join(out)


def check_builders(args):
    names = [a for a in args.apps.split(",") if a] if args.apps else list(BUILDERS)
    for a in names:
        if a not in BUILDERS:
            raise SystemExit(f"unknown configuration {a}; known: {', '.join(BUILDERS)}")
    variants = [v for v in args.variants.split(",") if v]
    for v in variants:
        if v not in ("top", "notop"):
            raise SystemExit(f"unknown variant {v}; expected top and/or notop")
    out = args.out or tempfile.mkdtemp(prefix="jeras-builders-")
    os.makedirs(out, exist_ok=True)

    import importlib

    import h5py
    import keras
    import numpy as np
    import tensorflow as tf
    from keras.src.legacy.saving import legacy_h5_format

    tf.get_logger().setLevel("ERROR")
    print(f"keras {keras.__version__}, tensorflow {tf.__version__}, numpy {np.__version__},"
          f" seed {SEED}, jeras model from {args.jeras_model}; files in {out}", flush=True)
    rows = []
    status = 0
    for name in names:
        app, module, base = BUILDERS[name]
        for variant in variants:
            t0 = time.time()
            kwargs = dict(base)
            if variant == "top":
                kwargs["classifier_activation"] = None
            else:
                kwargs["include_top"] = False
                # Keras' headless default is any size, (None, None, 3); jeras builds its 224x224
                kwargs.setdefault("input_shape", (224, 224, 3))
            keras.backend.clear_session()
            keras.utils.set_random_seed(SEED)
            model = getattr(keras.applications, app)(weights=None, **kwargs)
            randomize_batchnorm(model, np.random.default_rng(SEED))
            shape = model.input_shape[1:]
            rng = np.random.default_rng(SEED)
            raw = rng.uniform(0, 255, (2, *shape)).astype("float32")
            pre = importlib.import_module("keras.applications." + module).preprocess_input
            x = np.asarray(pre(raw.copy())).astype("float32")
            y = model.predict(x, verbose=0)
            label = f"{name}{'' if variant == 'top' else '_notop'}"
            d = os.path.join(out, label)
            os.makedirs(os.path.join(d, "arch"), exist_ok=True)
            files = [os.path.join(d, label + ".weights.h5"), os.path.join(d, label + ".keras"),
                     os.path.join(d, label + ".h5")]
            model.save_weights(files[0])
            model.save(files[1])
            with h5py.File(files[2], "w") as f:
                legacy_h5_format.save_weights_to_hdf5_group(f, model)
            arch = os.path.join(d, "arch", "model.json")  # no weights beside it
            with open(arch, "w") as f:
                f.write(model.to_json())
            np.save(os.path.join(d, "x.npy"), x)
            del model
            spec = arch if args.jeras_model == "json" else app
            opts = jeras_options(kwargs)
            if args.jeras_model == "app" and opts:
                spec += ":" + opts
            cells = []
            for fmt, path in zip(FORMATS, files):
                pred = os.path.join(d, "jeras.npy")
                err = jeras("predict", "--model", spec, "--weights", path, "--input",
                            os.path.join(d, "x.npy"), "--output", pred, "--kernels", args.kernels)
                if err:
                    cells.append("fails")
                    print(f"{label} {fmt}: {err}", flush=True)
                else:
                    cells.append(float(np.max(np.abs(np.load(pred) - y))))
                    os.remove(pred)
            rows.append((label, "x".join(str(s) for s in shape), spec, float(np.max(np.abs(y))),
                         cells))
            if any(c == "fails" for c in cells):
                status = max(status, 2)
            elif max(cells) > TOL:
                status = max(status, 1)
            print(f"{label}: done in {time.time() - t0:.0f} s", flush=True)

    print()
    print("| configuration | input | jeras --model | max abs output | " + " | ".join(FORMATS)
          + " |")
    print("|---" * (4 + len(FORMATS)) + "|")
    for label, shape, spec, scale, cells in rows:
        shown = [c if isinstance(c, str) else f"{c:.1e}" for c in cells]
        spec = os.path.relpath(spec, out) if os.path.isabs(spec) else spec
        print(f"| {label} | {shape} | `{spec}` | {scale:.1f} | " + " | ".join(shown) + " |")
    print("OK" if status == 0 else "FAILED" if status == 1 else "FAILED: some files not read")
    if not args.keep and not args.out:
        shutil.rmtree(out, ignore_errors=True)
    return status


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--apps", default=None,
                    help="comma-separated, default: all (of --builders' configurations with it)")
    ap.add_argument("--builders", action="store_true",
                    help="check jeras' application builders with Keras' weights files")
    ap.add_argument("--variants", default="top,notop", help="--builders: top and/or notop")
    ap.add_argument("--jeras-model", choices=("app", "json"), default="app",
                    help="--builders: jeras builds the application (app, default) or reads"
                         " Keras' model JSON (json)")
    ap.add_argument("--out", default=None, help="where to write the files (default: a temp dir)")
    ap.add_argument("--keep", action="store_true", help="keep the files")
    ap.add_argument("--kernels", default="fixed",
                    help="jeras predict --kernels (default fixed: jeras' CPU kernels without the"
                         " minutes 'tuned' spends measuring each new shape at batch 64)")
    args = ap.parse_args()
    if args.builders:
        return check_builders(args)
    names = [a for a in (args.apps or ",".join(APPS)).split(",") if a]
    for a in names:
        if a not in APPS:
            raise SystemExit(f"unknown application {a}; known: {', '.join(APPS)}")
    out = args.out or tempfile.mkdtemp(prefix="jeras-apps-")
    os.makedirs(out, exist_ok=True)

    import importlib

    import keras
    import numpy as np
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")  # no retracing notices: each model predicts once

    print(f"keras {keras.__version__}, tensorflow {tf.__version__}, numpy {np.__version__},"
          f" seed {SEED}; files in {out}", flush=True)
    columns = [".keras -> jeras", "JSON + weights -> jeras", "jeras .keras -> Keras",
               "jeras JSON + weights -> Keras", "jeras SavedModel -> TF"]
    rows = []
    status = 0
    for name in names:
        module, size = APPS[name]
        t0 = time.time()
        keras.backend.clear_session()
        keras.utils.set_random_seed(SEED)
        model = getattr(keras.applications, name)(
            weights=None, input_shape=(size, size, 3), classifier_activation=None)
        randomize_batchnorm(model, np.random.default_rng(SEED))
        rng = np.random.default_rng(SEED)
        raw = rng.uniform(0, 255, (2, size, size, 3)).astype("float32")
        pre = importlib.import_module("keras.applications." + module).preprocess_input
        x = np.asarray(pre(raw.copy())).astype("float32")
        y = model.predict(x, verbose=0)
        d = os.path.join(out, name)
        os.makedirs(d, exist_ok=True)
        src = os.path.join(d, name + ".keras")
        model.save(src)
        with open(os.path.join(d, name + ".json"), "w") as f:
            f.write(model.to_json())
        model.save_weights(os.path.join(d, name + ".weights.h5"))
        np.save(os.path.join(d, "x.npy"), x)
        np.save(os.path.join(d, "keras.npy"), y)
        params = model.count_params()
        del model

        cells = []
        errors = []
        for col, path in ((0, src), (1, os.path.join(d, name + ".json"))):
            pred = os.path.join(d, f"jeras_{col}.npy")
            err = jeras("predict", "--model", path, "--input", os.path.join(d, "x.npy"),
                        "--output", pred, "--kernels", args.kernels)
            if err:
                cells.append("fails")
                errors.append(f"{columns[col]}: {err}")
            else:
                cells.append(float(np.max(np.abs(np.load(pred) - y))))
        exports = os.path.join(d, "jeras")
        os.makedirs(exports, exist_ok=True)
        targets = [os.path.join(exports, name + ".keras"), os.path.join(exports, name + ".json"),
                   os.path.join(exports, name + "_savedmodel")]
        for col, dst in enumerate(targets, start=2):
            err = jeras("convert", "--from", src, "--to", dst)
            if err:
                cells.append("fails")
                errors.append(f"{columns[col]}: {err}")
                continue
            if col == 2:
                got = keras.models.load_model(dst).predict(x, verbose=0)
            elif col == 3:
                with open(dst) as f:
                    m = keras.models.model_from_json(f.read())
                m.load_weights(os.path.join(exports, name + ".weights.h5"))
                got = m.predict(x, verbose=0)
            else:
                fn = tf.saved_model.load(dst).signatures["serving_default"]
                key = next(iter(fn.structured_input_signature[1]))
                got = next(iter(fn(**{key: tf.constant(x)}).values())).numpy()
            cells.append(float(np.max(np.abs(got - y))))
            keras.backend.clear_session()
        scale = float(np.max(np.abs(y)))
        rows.append((name, size, params, scale, cells, time.time() - t0))
        for e in errors:
            print(f"{name}: {e}", flush=True)
        if any(c == "fails" for c in cells):
            status = max(status, 2)
        elif max(cells) > TOL:
            status = max(status, 1)
        print(f"{name}: done in {time.time() - t0:.0f} s", flush=True)

    print()
    print("| application | input | parameters | max abs logit | " + " | ".join(columns) + " |")
    print("|---" * (4 + len(columns)) + "|")
    for name, size, params, scale, cells, _ in rows:
        shown = [c if isinstance(c, str) else f"{c:.1e}" for c in cells]
        print(f"| {name} | {size}x{size}x3 | {params:,} | {scale:.1f} | " + " | ".join(shown)
              + " |")
    print("OK" if status == 0 else "FAILED" if status == 1 else "FAILED: some files not read")
    if not args.keep and not args.out:
        shutil.rmtree(out, ignore_errors=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
