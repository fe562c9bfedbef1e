#!/usr/bin/env python3
"""Writes CIFAR-10 binary batches out as a folder of JPEG files, one subfolder per class.

    OUT/train/<class>/<record>.jpg   from data_batch_1..5.bin[.gz]
    OUT/test/<class>/<record>.jpg    from test_batch.bin[.gz]

<record> is the record's index in its split, zero-padded to five digits, so that the files of a
class sort in record order. Classes: airplane, automobile, bird, cat, deer, dog, frog, horse,
ship, truck. JPEGs are written by Pillow (baseline, 4:2:0 subsampling, --quality), which is
deterministic for a given Pillow/libjpeg build.

The committed fixture (testdata/image-folder/cifar10-small, 30 training and 10 test images a
class) and the benchmark folder (all 10,000 + 10,000 images of the shared subset) are made by:

    python scripts/make_image_folder.py --src /work/shared/datasets/cifar10-jpeg-subset \\
        --out testdata/image-folder/cifar10-small --train-per-class 30 --test-per-class 10
    python scripts/make_image_folder.py --src /work/shared/datasets/cifar10-jpeg-subset \\
        --out ~/.jeras/datasets/cifar10-folder

--copies K writes each training image K times (copy k as <record>-<k>.jpg, mirrored when k is
odd, shifted k pixels to the right otherwise): --copies 5 makes the 50,000-image training folder
of the memory check (scripts/bench-images --big).

Needs numpy and Pillow (the project's Python venv has both).
"""
import argparse
import gzip
import os
import sys

import numpy as np
from PIL import Image

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship",
           "truck"]
RECORD = 3073


def find_batches(src):
    for cand in (os.path.join(src, "cifar-10-batches-bin"),
                 os.path.join(src, "cifar10", "cifar-10-batches-bin"), src):
        if os.path.isdir(cand) and any(n.startswith("test_batch") for n in os.listdir(cand)):
            return cand
    raise SystemExit(f"{src}: no cifar-10-batches-bin/ with test_batch.bin[.gz]")


def read(path):
    for p in (path, path + ".gz"):
        if os.path.exists(p):
            with open(p, "rb") as f:
                head = f.read(2)
            opener = gzip.open if head == b"\x1f\x8b" else open
            with opener(p, "rb") as f:
                raw = np.frombuffer(f.read(), dtype=np.uint8)
            if raw.size % RECORD:
                raise SystemExit(f"{p}: length {raw.size} is not a multiple of {RECORD}")
            raw = raw.reshape(-1, RECORD)
            return raw[:, 0], raw[:, 1:].reshape(-1, 3, 32, 32).transpose(0, 2, 3, 1)
    return None


def write(labels, images, out, per_class, quality, copies=1):
    counts = [0] * len(CLASSES)
    for c in CLASSES:
        os.makedirs(os.path.join(out, c), exist_ok=True)
    for i, (label, img) in enumerate(zip(labels, images)):
        if per_class is not None and counts[label] >= per_class:
            continue
        for k in range(copies):
            counts[label] += 1
            if k == 0:
                pixels, name = img, f"{i:05d}.jpg"
            else:
                pixels = img[:, ::-1] if k % 2 else np.roll(img, k, axis=1)
                name = f"{i:05d}-{k}.jpg"
            Image.fromarray(np.ascontiguousarray(pixels), "RGB").save(
                os.path.join(out, CLASSES[label], name), "JPEG", quality=quality)
    return counts


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--src", required=True, help="folder with cifar-10-batches-bin/")
    ap.add_argument("--out", required=True)
    ap.add_argument("--train-per-class", type=int, default=None, help="default: all")
    ap.add_argument("--test-per-class", type=int, default=None, help="default: all")
    ap.add_argument("--quality", type=int, default=90)
    ap.add_argument("--copies", type=int, default=1, help="write each training image K times")
    args = ap.parse_args()
    batches = find_batches(args.src)
    train = [read(os.path.join(batches, f"data_batch_{i}.bin")) for i in range(1, 6)]
    train = [b for b in train if b is not None]
    if not train:
        raise SystemExit(f"{batches}: no data_batch_1..5.bin[.gz]")
    labels = np.concatenate([b[0] for b in train])
    images = np.concatenate([b[1] for b in train])
    out = os.path.expanduser(args.out)
    n = write(labels, images, os.path.join(out, "train"), args.train_per_class, args.quality,
              args.copies)
    test_labels, test_images = read(os.path.join(batches, "test_batch.bin"))
    m = write(test_labels, test_images, os.path.join(out, "test"), args.test_per_class,
              args.quality)
    print(f"{out}: train {sum(n)} images {n}, test {sum(m)} images {m}", file=sys.stderr)


if __name__ == "__main__":
    main()
