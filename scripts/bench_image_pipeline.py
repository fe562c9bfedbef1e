#!/usr/bin/env python3
"""Throughput of Keras' image pipeline alone: image_dataset_from_directory (its defaults: shuffled,
bilinear resize, batched, prefetch(AUTOTUNE)) over a folder of class subfolders, every batch
materialised, no model behind it. TensorFlow's inter- and intra-op pools and tf.data's private pool
get THREADS threads, as jeras' pipeline gets THREADS decoding threads
(dev.jeras.bench.ImagePipelineBench, timed the same way: one untimed pass, then PASSES timed).

    python scripts/bench_image_pipeline.py DIR THREADS [PASSES] [BATCH] [H,W]

Prints one JSON object: images per pass, each timed pass's seconds and images per second.
"""
import json
import os
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import tensorflow as tf  # noqa: E402


def main():
    folder, threads = sys.argv[1], int(sys.argv[2])
    passes = int(sys.argv[3]) if len(sys.argv) > 3 else 5
    batch = int(sys.argv[4]) if len(sys.argv) > 4 else 64
    size = tuple(int(v) for v in (sys.argv[5] if len(sys.argv) > 5 else "32,32").split(","))
    tf.config.threading.set_inter_op_parallelism_threads(threads)
    tf.config.threading.set_intra_op_parallelism_threads(threads)
    import keras
    ds = keras.utils.image_dataset_from_directory(folder, image_size=size, batch_size=batch,
                                                  seed=1, verbose=False)
    options = tf.data.Options()
    options.threading.private_threadpool_size = threads
    ds = ds.with_options(options)
    seconds, images = [], 0
    for p in range(passes + 1):
        start = time.perf_counter()
        n = 0
        for x, _ in ds:
            n += int(x.shape[0])
        if p > 0:
            seconds.append(time.perf_counter() - start)
        images = n
    print(json.dumps({"images": images, "threads": threads,
                      "pass_seconds": [round(s, 4) for s in seconds],
                      "images_per_s": [round(images / s, 1) for s in seconds]}))


if __name__ == "__main__":
    main()
