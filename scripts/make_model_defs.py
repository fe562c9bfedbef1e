#!/usr/bin/env python3
"""Writes model-defs/*.json: the reference models as Keras 3 itself serialises them.

    python scripts/make_model_defs.py        (needs keras; writes model-defs/)

The models are built by scripts/keras_reference.py's build(), the tutorial's code.
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import keras  # noqa: E402
from keras_reference import build  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def main():
    out = os.path.join(ROOT, "model-defs")
    os.makedirs(out, exist_ok=True)
    for name in ("mnist-basic", "cifar10-bn", "cifar10-functional"):
        keras.backend.clear_session()  # fresh layer names: conv2d, conv2d_1, ...
        model = build(name)
        path = os.path.join(out, name + ".json")
        with open(path, "w") as f:
            f.write(json.dumps(json.loads(model.to_json()), indent=2) + "\n")
        print(f"{path}: {model.count_params()} parameters (keras {keras.__version__})")


if __name__ == "__main__":
    main()
