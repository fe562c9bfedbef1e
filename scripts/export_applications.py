#!/usr/bin/env python3
"""Writes Keras applications as SavedModels for scripts/bench's applications section.

Each application is built by Keras 3 with weights=None (the architecture with random weights,
nothing downloaded) at its default input size, seeded, and exported with model.export(DIR): a
SavedModel whose serving_default signature both jeras (scripts/jeras bench-predict) and Python
TensorFlow (scripts/bench_inference.py steady) call. Prints one JSON line: per application its
directory, input shape, parameter count and the versions used.

    python scripts/export_applications.py OUT_DIR [--apps MobileNetV2,ResNet50]
"""
import argparse
import json
import os
import sys

# Building and exporting runs no convolution, but TensorFlow's oneDNN kernels abort with SIGFPE on
# some models on AVX-512 EPYC CPUs (scripts/check_applications.py): keep them out of this step.
os.environ.setdefault("TF_ENABLE_ONEDNN_OPTS", "0")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

SEED = 20
APPS = ("MobileNetV2", "ResNet50")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("out")
    ap.add_argument("--apps", default=",".join(APPS), help="comma-separated (default: %(default)s)")
    args = ap.parse_args()
    import keras
    import numpy as np
    import tensorflow as tf

    tf.get_logger().setLevel("ERROR")
    record = {"keras": keras.__version__, "tensorflow": tf.__version__, "numpy": np.__version__,
              "python": sys.version.split()[0], "seed": SEED, "apps": {}}
    for name in [a for a in args.apps.split(",") if a]:
        if not hasattr(keras.applications, name):
            raise SystemExit(f"unknown Keras application {name}")
        keras.backend.clear_session()
        keras.utils.set_random_seed(SEED)
        model = getattr(keras.applications, name)(weights=None)
        path = os.path.join(args.out, name.lower() + "-savedmodel")
        model.export(path, verbose=False)
        record["apps"][name] = {"savedmodel": path, "input_shape": list(model.input_shape[1:]),
                                "params": int(model.count_params())}
    print(json.dumps(record))


if __name__ == "__main__":
    main()
