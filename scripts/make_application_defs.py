#!/usr/bin/env python3
"""Makes the Keras application architectures the Java builders are checked against.

For each configuration below, keras.applications.<Name>(weights=None, ...) is built and its
architecture written as testdata/applications/<id>.json (model.to_json(), indented), with
<id>.options.json holding the options (the Java test builds the same with
dev.jeras.applications.Applications) and the parameter counts. No weights are written: the
end-to-end check with weights is scripts/check_applications.py --builders.

    ~/.cache/jeras/pyvenv/bin/python scripts/make_application_defs.py
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"

import keras  # noqa: E402
import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "testdata", "applications")

# id: (application, keyword arguments). Default sizes with the top, and a small headless variant
# with pooling for each, so both branches of every builder are pinned.
CONFIGS = {
    "mobilenetv2": ("MobileNetV2", {}),
    "mobilenetv2_a035_96_avg": (
        "MobileNetV2", {"alpha": 0.35, "input_shape": (96, 96, 3), "include_top": False,
                        "pooling": "avg"}),
    "mobilenetv2_a130_128_top10": (
        "MobileNetV2", {"alpha": 1.3, "input_shape": (128, 128, 3), "classes": 10,
                        "classifier_activation": None}),
    "mobilenetv2_a075_97x120_max": (
        "MobileNetV2", {"alpha": 0.75, "input_shape": (97, 120, 3), "include_top": False,
                        "pooling": "max"}),
    "resnet50": ("ResNet50", {}),
    "resnet50_64_max": (
        "ResNet50", {"input_shape": (64, 64, 3), "include_top": False, "pooling": "max"}),
    "resnet50_75x90_top7": (
        "ResNet50", {"input_shape": (75, 90, 3), "classes": 7, "classifier_activation": None}),
    "resnet101": ("ResNet101", {}),
    "resnet152": ("ResNet152", {}),
    "efficientnetb0": ("EfficientNetB0", {}),
    "efficientnetb0_64_none": (
        "EfficientNetB0", {"input_shape": (64, 64, 3), "include_top": False}),
    "efficientnetb0_75x90_top7": (
        "EfficientNetB0", {"input_shape": (75, 90, 3), "classes": 7,
                           "classifier_activation": None}),
    "efficientnetb0_64_max": (
        "EfficientNetB0", {"input_shape": (64, 64, 3), "include_top": False, "pooling": "max"}),
    "densenet121": ("DenseNet121", {}),
    "densenet121_64_avg": (
        "DenseNet121", {"input_shape": (64, 64, 3), "include_top": False, "pooling": "avg"}),
    "densenet121_97x120_max": (
        "DenseNet121", {"input_shape": (97, 120, 3), "include_top": False, "pooling": "max"}),
    "densenet169": ("DenseNet169", {}),
    "densenet201": ("DenseNet201", {}),
    "vgg16": ("VGG16", {}),
    "vgg16_48_top5": (
        "VGG16", {"input_shape": (48, 48, 3), "classes": 5, "classifier_activation": None}),
    "vgg16_32_avg": ("VGG16", {"input_shape": (32, 32, 3), "include_top": False,
                               "pooling": "avg"}),
    "vgg16_33x47_max": ("VGG16", {"input_shape": (33, 47, 3), "include_top": False,
                                  "pooling": "max"}),
}


def main():
    os.makedirs(OUT, exist_ok=True)
    only = set(sys.argv[1:])
    for cid, (app, kwargs) in CONFIGS.items():
        if only and cid not in only:
            continue
        # A fresh naming state per configuration: the auto-named layers (rescaling,
        # global_average_pooling2d, the input) get the names a new process gives them, which is
        # what the Java builders write, instead of counters from the configurations before.
        keras.backend.clear_session()
        model = getattr(keras.applications, app)(weights=None, **kwargs)
        with open(os.path.join(OUT, cid + ".json"), "w") as f:
            json.dump(json.loads(model.to_json()), f, sort_keys=True)
            f.write("\n")
        trainable = int(sum(np.prod(w.shape) for w in model.trainable_weights))
        total = int(sum(np.prod(w.shape) for w in model.weights))
        opts = {k: (list(v) if isinstance(v, tuple) else v) for k, v in kwargs.items()}
        meta = {
            "application": app,
            "options": opts,
            "total_params": total,
            "trainable_params": trainable,
            "layers": len(model.layers),
            "keras": keras.__version__,
        }
        with open(os.path.join(OUT, cid + ".options.json"), "w") as f:
            json.dump(meta, f, indent=1, sort_keys=True)
            f.write("\n")
        print(cid, app, total, "params", len(model.layers), "layers")


if __name__ == "__main__":
    main()
