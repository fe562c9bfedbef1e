#!/usr/bin/env python3
"""Inference timing of a SavedModel from Python, the counterpart of dev.jeras.bench.InferenceBench:
batch-256 throughput over the MNIST test images and batch-1 latency (p50, p99), calling the
SavedModel's serving_default signature. Throughput is steady state, as on the Java side: one
untimed pass over all test images (every batch shape once), then PASSES timed passes, the median
counts.

    python scripts/bench_inference.py SAVEDMODEL_DIR [calls] [data_dir|-] [passes]
"""
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402
from keras_reference import load_idx  # noqa: E402


def main():
    sm = sys.argv[1]
    calls = int(sys.argv[2]) if len(sys.argv) > 2 else 2000
    data = sys.argv[3] if len(sys.argv) > 3 and sys.argv[3] != "-" else os.environ.get(
        "JERAS_DATA", os.path.expanduser("~/.jeras/datasets"))
    passes = int(sys.argv[4]) if len(sys.argv) > 4 else 5
    d = os.path.join(data, "mnist")
    x, _ = load_idx(d if os.path.isdir(d) else data, "t10k")
    fn = tf.saved_model.load(sm).signatures["serving_default"]
    (key,) = fn.structured_input_signature[1].keys()

    def predict(batch):
        return fn(**{key: tf.constant(batch)})["output_0"].numpy()

    def one_pass():
        out = [predict(x[i:i + 256]) for i in range(0, len(x), 256)]
        assert sum(len(o) for o in out) == len(x)

    one_pass()  # warm-up: every batch shape once
    pass_seconds = []
    for _ in range(passes):
        t0 = time.perf_counter()
        one_pass()
        pass_seconds.append(time.perf_counter() - t0)
    seconds = sorted(pass_seconds)[passes // 2]
    for i in range(200):
        predict(x[:1])
    ms = []
    for i in range(calls):
        xi = x[i % len(x):i % len(x) + 1]
        s = time.perf_counter()
        predict(xi)
        ms.append((time.perf_counter() - s) * 1000)
    ms.sort()
    print(json.dumps({"images": len(x), "batch256_seconds": seconds,
                      "batch256_images_per_s": len(x) / seconds,
                      "batch256_passes_images_per_s": [round(len(x) / s, 1) for s in pass_seconds],
                      "batch1_p50_ms": ms[calls // 2],
                      "batch1_p99_ms": ms[int(calls * 0.99)], "batch1_calls": calls}))


if __name__ == "__main__":
    main()
