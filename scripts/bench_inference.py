#!/usr/bin/env python3
"""Inference timing of a SavedModel from Python, the counterpart of dev.jeras.bench.InferenceBench:
batch-256 throughput over the MNIST test images and batch-1 latency (p50, p99), calling the
SavedModel's serving_default signature. Throughput is steady state, as on the Java side: one
untimed pass over all test images (every batch shape once), then PASSES timed passes, the median
counts.

    python scripts/bench_inference.py SAVEDMODEL_DIR [calls] [data_dir|-] [passes]

"steady" times any SavedModel on random inputs of its signature's shape (uniform in [0, 1)) the
way scripts/jeras bench-predict times it on the Java side: a warm-up of at least 20 calls (more,
up to 200, while under 2 seconds), then one batch per call for SECONDS (at least 10 calls);
images/s over the timed calls, p50 and p99 per call.

    python scripts/bench_inference.py steady SAVEDMODEL_DIR BATCH SECONDS
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


def steady(sm, batch_size, seconds):
    fn = tf.saved_model.load(sm).signatures["serving_default"]
    (key, spec), = fn.structured_input_signature[1].items()
    dims = spec.shape.as_list()[1:]
    if any(d is None for d in dims):
        raise SystemExit(f"{sm}: input {key} has shape {spec.shape}; every dimension but the batch"
                         " must be known")
    x = tf.constant(np.random.default_rng(1).uniform(0, 1, (batch_size, *dims)).astype("float32"))

    def predict():
        for v in fn(**{key: x}).values():
            v.numpy()

    warm_until = time.perf_counter() + 2
    warm = 0
    while warm < 20 or (time.perf_counter() < warm_until and warm < 200):
        predict()
        warm += 1
    calls = []
    start = time.perf_counter()
    now = start
    while now < start + seconds or len(calls) < 10:
        t0 = time.perf_counter()
        predict()
        now = time.perf_counter()
        calls.append(now - t0)
    total = now - start
    ms = sorted(c * 1000 for c in calls)
    print(json.dumps({"batch_size": batch_size, "calls": len(ms), "seconds": round(total, 3),
                      "images_per_second": round(len(ms) * batch_size / total, 1),
                      "p50_ms": ms[max(0, -(-len(ms) // 2) - 1)],
                      "p99_ms": ms[max(0, -(-len(ms) * 99 // 100) - 1)],
                      "warm_up_calls": warm,
                      "TF_ENABLE_ONEDNN_OPTS": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "unset")}))


def main():
    if sys.argv[1] == "steady":
        steady(sys.argv[2], int(sys.argv[3]), float(sys.argv[4]))
        return
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
