#!/usr/bin/env python3
"""Inputs for `scripts/jeras spark-predict`: Parquet tables, .npy arrays and PNG folders.

  --fixture      writes testdata/spark/mnist-64.parquet: the first 64 MNIST test digits of
                 testdata/mnist-small as rows (id int64, x list<float32> of 784 values in [0, 1],
                 label int64), in two row groups (the CLI test's input)
  --bad-rows F   writes the Parquet file F: the first 8 digits of testdata/mnist-small as rows
                 (id, x), of which id=2 has 700 values instead of 784, id=5 a NaN at pixel 300
                 and id=6 a null x (the bad-row runs in docs/spark.md)
  --out DIR      writes, for the benchmark (scripts/bench-spark), from the full test sets:
                   mnist.parquet, mnist.npy (N, 28, 28, 1), mnist-png/ (N grayscale PNGs)
                   cifar.parquet, cifar.npy (N, 32, 32, 3), cifar-png/ (N RGB PNGs)
                 MNIST from --mnist (the IDX files jeras fetched: ~/.jeras/datasets/mnist),
                 CIFAR-10 from --cifar (test_batch.bin or .bin.gz, CIFAR's binary format).

Pixels are the datasets' bytes divided by 255 (float32), as jeras' loaders give them. Versions go to
versions.json beside the outputs. No randomness. Needs numpy, pyarrow and pillow
(~/.cache/jeras/pyvenv).
"""
import argparse
import gzip
import json
import os
import sys

import numpy as np
import PIL
import pyarrow as pa
import pyarrow.parquet as pq
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def read(path):
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "rb") as f:
        return f.read()


def mnist(directory, count):
    def find(name):
        for candidate in (name, name + ".gz"):
            p = os.path.join(directory, candidate)
            if os.path.exists(p):
                return p
        sys.exit(f"no {name}[.gz] in {directory}")

    images = read(find("t10k-images-idx3-ubyte"))
    labels = read(find("t10k-labels-idx1-ubyte"))
    n = min(count, int.from_bytes(images[4:8], "big"))
    x = np.frombuffer(images, np.uint8, n * 784, 16).reshape(n, 28, 28, 1)
    y = np.frombuffer(labels, np.uint8, n, 8).astype(np.int64)
    return x, y


def cifar(path, count):
    raw = np.frombuffer(read(path), np.uint8).reshape(-1, 3073)[:count]
    y = raw[:, 0].astype(np.int64)
    x = raw[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)  # CHW planes -> HWC
    return np.ascontiguousarray(x), y


def table(x, y, row_groups):
    n = len(x)
    flat = (x.reshape(n, -1).astype(np.float32) / np.float32(255)).astype(np.float32)
    values = pa.array(flat.reshape(-1), pa.float32())
    offsets = pa.array(np.arange(0, flat.size + 1, flat.shape[1], dtype=np.int32))
    t = pa.table({
        "id": pa.array(np.arange(n, dtype=np.int64)),
        "x": pa.ListArray.from_arrays(offsets, values),
        "label": pa.array(y),
    })
    return t, flat.reshape(x.shape), max(1, -(-n // row_groups))


def write(out, name, x, y, row_groups):
    t, floats, group = table(x, y, row_groups)
    pq.write_table(t, os.path.join(out, name + ".parquet"), row_group_size=group)
    np.save(os.path.join(out, name + ".npy"), floats)
    folder = os.path.join(out, name + "-png")
    os.makedirs(folder, exist_ok=True)
    for i in range(len(x)):
        img = x[i, :, :, 0] if x.shape[3] == 1 else x[i]
        Image.fromarray(img).save(os.path.join(folder, f"{i:05d}-label{y[i]}.png"))


def bad_rows(path):
    x, _ = mnist(os.path.join(ROOT, "testdata", "mnist-small"), 8)
    rows = [list((x[i].reshape(-1) / np.float32(255)).astype(np.float32)) for i in range(8)]
    rows[2] = rows[2][:700]
    rows[5][300] = float("nan")
    rows[6] = None
    t = pa.table({"id": pa.array(np.arange(8, dtype=np.int64)),
                  "x": pa.array(rows, pa.list_(pa.float32()))})
    pq.write_table(t, path)


def versions(out, extra):
    info = {"python": sys.version.split()[0], "numpy": np.__version__, "pyarrow": pa.__version__,
            "pillow": PIL.__version__, "script": "scripts/make_spark_inputs.py"}
    info.update(extra)
    with open(os.path.join(out, "versions.json"), "w") as f:
        json.dump(info, f, indent=2)
        f.write("\n")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--fixture", action="store_true")
    ap.add_argument("--out")
    ap.add_argument("--mnist", default=os.path.expanduser("~/.jeras/datasets/mnist"))
    ap.add_argument("--cifar")
    ap.add_argument("--count", type=int, default=10000)
    ap.add_argument("--bad-rows")
    args = ap.parse_args()
    if args.bad_rows:
        bad_rows(args.bad_rows)
        return
    if args.fixture:
        out = os.path.join(ROOT, "testdata", "spark")
        os.makedirs(out, exist_ok=True)
        x, y = mnist(os.path.join(ROOT, "testdata", "mnist-small"), 64)
        t, _, _ = table(x, y, 2)
        pq.write_table(t, os.path.join(out, "mnist-64.parquet"), row_group_size=32)
        versions(out, {"rows": len(x), "source": "testdata/mnist-small (first 64 test digits)"})
        return
    if not args.out or not args.cifar:
        sys.exit("give --fixture, or --out DIR and --cifar test_batch.bin[.gz]")
    os.makedirs(args.out, exist_ok=True)
    x, y = mnist(args.mnist, args.count)
    write(args.out, "mnist", x, y, 4)
    x, y = cifar(args.cifar, args.count)
    write(args.out, "cifar", x, y, 4)
    versions(args.out, {"rows": args.count, "mnist": args.mnist, "cifar": args.cifar})


if __name__ == "__main__":
    main()
