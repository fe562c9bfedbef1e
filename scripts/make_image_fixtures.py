#!/usr/bin/env python3
"""Writes testdata/images/: real test images as PNG files for `scripts/jeras predict --image`.

  mnist-t10k-0-label7.png     the first MNIST test digit (a 7), 28x28 grayscale, from
                              testdata/mnist-small (MNIST: Y. LeCun and C. Cortes, CC BY-SA 3.0)
  mnist-t10k-0-label7-paper.png  the same digit dark on white and 4x larger (like a scan)
  cifar-train-<i>-<class>.png CIFAR-10 training images (32x32 RGB) from testdata/cifar10-small

Python 3 standard library only (zlib PNG encoder).
"""
import gzip
import os
import struct
import zlib

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "testdata", "images")
CIFAR = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]


def png(path, width, height, rows, color):
    """rows: list of bytes, one per row (gray: width bytes; RGB: 3*width bytes)."""
    raw = b"".join(b"\x00" + r for r in rows)

    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2 if color else 0, 0, 0, 0)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9))
                + chunk(b"IEND", b""))


def main():
    os.makedirs(OUT, exist_ok=True)
    with gzip.open(os.path.join(ROOT, "testdata", "mnist-small", "t10k-images-idx3-ubyte.gz")) as f:
        img = f.read()[16:16 + 784]
    with gzip.open(os.path.join(ROOT, "testdata", "mnist-small", "t10k-labels-idx1-ubyte.gz")) as f:
        label = f.read()[8]
    rows = [img[r * 28:(r + 1) * 28] for r in range(28)]
    png(os.path.join(OUT, f"mnist-t10k-0-label{label}.png"), 28, 28, rows, False)
    big = []
    for r in range(28):
        row = bytes(255 - v for v in rows[r] for _ in range(4))
        big += [row] * 4
    png(os.path.join(OUT, f"mnist-t10k-0-label{label}-paper.png"), 112, 112, big, False)
    with gzip.open(os.path.join(ROOT, "testdata", "cifar10-small", "cifar-10-batches-bin",
                                "data_batch_1.bin.gz")) as f:
        data = f.read()
    for i in range(3):
        rec = data[i * 3073:(i + 1) * 3073]
        lab, r, g, b = rec[0], rec[1:1025], rec[1025:2049], rec[2049:3073]
        rows = [bytes(v for x in range(32) for v in (r[y * 32 + x], g[y * 32 + x], b[y * 32 + x]))
                for y in range(32)]
        png(os.path.join(OUT, f"cifar-train-{i}-{CIFAR[lab]}.png"), 32, 32, rows, True)
    print(sorted(os.listdir(OUT)))


if __name__ == "__main__":
    main()
