#!/usr/bin/env python3
"""Writes the image-decoding fixtures and their Keras goldens under testdata/image-folder/.

  special/           one small image (19 rows x 29 columns) of each kind a decoder must get right:
                     baseline, progressive, grey, CMYK (Adobe marker) and EXIF-rotated JPEGs; 8-bit
                     RGB, 16-bit RGB and grey, grey, grey+alpha, palette (with transparency) and
                     RGBA PNGs (one fully transparent over coloured pixels); a still and an
                     animated GIF; 24-bit, 32-bit and 8-bit BMPs
  goldens/special-<mode>-<variant>.npy
                     float32 (files, height, width, channels): what Keras'
                     image_dataset_from_directory yields for each file of special/ that Keras
                     decodes in that color mode (the list is in goldens.json), before any scaling
  goldens/cifar10-small-train-<variant>.npy
                     the first 12 files (sorted) of cifar10-small/train, the same way
  goldens/goldens.json
                     versions, the file list of every golden, the (file, color mode) pairs Keras
                     refuses with TensorFlow's message, jeras' documented conversion for those
                     (decoded as RGB by TensorFlow, then converted: see below), and the training /
                     validation file lists Keras picks for cifar10-small/train with
                     validation_split=0.2 and seeds 1337 and 7 (and with shuffle=False)

Variants: same (the file's own size 19x29: the decoded pixels), resize (16, 20), crop (16, 20,
crop_to_aspect_ratio), pad (16, 20, pad_to_aspect_ratio), up (40, 33). Each golden comes from the
public API: a folder holding the one file, labels=None, shuffle=False, batch_size=None.

Conversions Keras refuses (TensorFlow's decoders cannot give them): grayscale from GIF, BMP and
CMYK JPEG, rgba from JPEG and GIF. jeras decodes those as RGB with TensorFlow and converts:
grey = floor(0.299 R + 0.587 G + 0.114 B + 0.5), rgba = RGB with alpha 255; then resizes as
usual. goldens/special-<mode>-<variant>-converted.npy holds that, computed here with TensorFlow.

    ~/.cache/jeras/pyvenv/bin/python scripts/make_image_goldens.py

Needs tensorflow, keras, numpy and Pillow. Deterministic for a given Pillow and TensorFlow.
"""
import io
import json
import os
import shutil
import struct
import sys
import tempfile
import zlib

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
from PIL import Image

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BASE = os.path.join(ROOT, "testdata", "image-folder")
SPECIAL = os.path.join(BASE, "special")
GOLDENS = os.path.join(BASE, "goldens")
H, W = 19, 29
VARIANTS = {
    "same": dict(image_size=(H, W)),
    "resize": dict(image_size=(16, 20)),
    "crop": dict(image_size=(16, 20), crop_to_aspect_ratio=True),
    "pad": dict(image_size=(16, 20), pad_to_aspect_ratio=True),
    "up": dict(image_size=(40, 33)),
}
MODES = {"rgb": ["same", "resize", "crop", "pad", "up"], "grayscale": ["same", "resize"],
         "rgba": ["same", "resize"]}


def picture(seed):
    """A smooth colour picture with some edges (JPEG-friendly), uint8 (H, W, 3)."""
    rng = np.random.default_rng(seed)
    y, x = np.mgrid[0:H, 0:W]
    img = np.stack([(x * 255 / (W - 1)), (y * 255 / (H - 1)), ((x + y) % 7) * 36], -1)
    img = img + rng.integers(-20, 21, img.shape)
    img[5:12, 8:20] = [250, 30, 60]
    return np.clip(img, 0, 255).astype(np.uint8)


def png_raw(path, width, height, bit_depth, color_type, rows):
    """A PNG written by hand (Pillow cannot write 16-bit RGB): rows are bytes, filter 0."""
    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)

    ihdr = struct.pack(">IIBBBBB", width, height, bit_depth, color_type, 0, 0, 0)
    raw = b"".join(b"\x00" + r for r in rows)
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(raw, 9))
                + chunk(b"IEND", b""))


def write_special():
    shutil.rmtree(SPECIAL, ignore_errors=True)
    os.makedirs(SPECIAL)
    rgb = picture(0)
    im = Image.fromarray(rgb, "RGB")
    p = lambda name: os.path.join(SPECIAL, name)
    im.save(p("jpeg-baseline.jpg"), quality=90)
    im.save(p("jpeg-progressive.jpg"), quality=85, progressive=True)
    im.convert("L").save(p("jpeg-grey.jpg"), quality=90)
    im.convert("CMYK").save(p("jpeg-cmyk.jpg"), quality=95)   # Pillow writes the Adobe marker
    exif = Image.Exif()
    exif[0x0112] = 6   # orientation: rotate 90 degrees clockwise to display
    im.save(p("jpeg-exif-rotated.jpg"), quality=90, exif=exif.tobytes())
    im.save(p("png-rgb.png"))
    rows16 = [b"".join(struct.pack(">HHH", *(min(65535, int(v) * 257 + (x * 7 + y) % 200) for v in rgb[y, x]))
                       for x in range(W)) for y in range(H)]
    png_raw(p("png-rgb16.png"), W, H, 16, 2, rows16)
    grey16 = [b"".join(struct.pack(">H", int(rgb[y, x, 0]) * 256 + int(rgb[y, x, 1]))
                       for x in range(W)) for y in range(H)]
    png_raw(p("png-grey16.png"), W, H, 16, 0, grey16)
    im.convert("L").save(p("png-grey.png"))
    la = Image.merge("LA", (im.convert("L"), Image.fromarray(rgb[:, :, 2])))
    la.save(p("png-grey-alpha.png"))
    pal = im.quantize(colors=16)
    pal.info["transparency"] = 3
    pal.save(p("png-palette.png"), transparency=3)
    alpha = np.full((H, W), 255, np.uint8)
    alpha[:, : W // 2] = 0   # left half fully transparent over coloured pixels
    alpha[2:6, 20:26] = 128
    Image.fromarray(np.dstack([rgb, alpha]), "RGBA").save(p("png-rgba.png"))
    Image.fromarray(np.dstack([rgb, np.zeros((H, W), np.uint8)]), "RGBA").save(
        p("png-rgba-transparent.png"))
    im.save(p("gif-still.gif"))
    second = Image.fromarray(255 - rgb, "RGB")
    im.save(p("gif-animated.gif"), save_all=True, append_images=[second], duration=100, loop=0)
    im.save(p("bmp-24.bmp"))
    Image.fromarray(np.dstack([rgb, alpha]), "RGBA").save(p("bmp-32.bmp"))
    im.convert("L").save(p("bmp-8.bmp"))
    return sorted(os.listdir(SPECIAL))


def keras_images(keras, path, mode, variant):
    """Keras' pixels for one file: its public API on a folder holding only that file."""
    with tempfile.TemporaryDirectory() as d:
        shutil.copy(path, d)
        ds = keras.utils.image_dataset_from_directory(
            d, labels=None, color_mode=mode, batch_size=None, shuffle=False, verbose=False,
            **VARIANTS[variant])
        return next(iter(ds)).numpy()


def converted(tf, path, mode, variant):
    """jeras' conversion where Keras refuses: TensorFlow decodes RGB, then grey or alpha 255."""
    rgb = tf.image.decode_image(tf.io.read_file(path), channels=3, expand_animations=False)
    f = tf.cast(rgb, tf.float32)
    if mode == "grayscale":
        grey = tf.floor(f[..., 0:1] * 0.299 + f[..., 1:2] * 0.587 + f[..., 2:3] * 0.114 + 0.5)
        img = tf.cast(grey, tf.uint8)
    else:
        img = tf.concat([rgb, tf.fill(tf.concat([tf.shape(rgb)[:2], [1]], 0),
                                      tf.constant(255, tf.uint8))], -1)
    # the same resize Keras applies (its code path, on the converted pixels)
    png = tf.io.encode_png(img)
    with tempfile.TemporaryDirectory() as d:
        name = os.path.join(d, "converted.png")
        tf.io.write_file(name, png)
        import keras
        return keras_images(keras, name, mode, variant)


def main():
    import keras
    import tensorflow as tf
    files = write_special()
    os.makedirs(GOLDENS, exist_ok=True)
    for old in os.listdir(GOLDENS):
        os.remove(os.path.join(GOLDENS, old))
    meta = {"tensorflow": tf.__version__, "keras": keras.__version__,
            "pillow": Image.__version__, "numpy": np.__version__, "special": {},
            "refused": {}, "converted": {}}
    for mode, variants in MODES.items():
        for variant in variants:
            ok, imgs, conv_files, conv = [], [], [], []
            for f in files:
                try:
                    imgs.append(keras_images(keras, os.path.join(SPECIAL, f), mode, variant))
                    ok.append(f)
                except Exception as e:   # Keras refuses this kind in this mode
                    msg = str(e).split(": ")[-1] if "ParallelMap" not in str(e) else \
                        str(e).split("ParallelMapV2: ")[1].splitlines()[0]
                    meta["refused"].setdefault(mode, {})[f] = msg
                    conv_files.append(f)
                    conv.append(converted(tf, os.path.join(SPECIAL, f), mode, variant))
            key = f"special-{mode}-{variant}"
            np.save(os.path.join(GOLDENS, key + ".npy"), np.stack(imgs).astype(np.float32))
            meta["special"][key] = ok
            if conv:
                np.save(os.path.join(GOLDENS, key + "-converted.npy"),
                        np.stack(conv).astype(np.float32))
                meta["converted"][key + "-converted"] = conv_files

    train = os.path.join(BASE, "cifar10-small", "train")
    for variant, size in (("same", (32, 32)), ("resize", (24, 40))):
        ds = keras.utils.image_dataset_from_directory(
            train, labels=None, image_size=size, batch_size=None, shuffle=False, verbose=False)
        x = np.stack([t.numpy() for t, _ in zip(ds, range(12))]).astype(np.float32)
        np.save(os.path.join(GOLDENS, f"cifar10-small-train-{variant}.npy"), x)
        meta[f"cifar10-small-train-{variant}"] = [os.path.relpath(p, train)
                                                   for p in ds.file_paths[:12]]
    splits = {}
    for seed, shuffle in ((1337, True), (7, True), (1337, False)):
        tr, va = keras.utils.image_dataset_from_directory(
            train, validation_split=0.2, subset="both", seed=seed, shuffle=shuffle,
            image_size=(32, 32), batch_size=32, verbose=False)
        splits[f"seed{seed}-shuffle{shuffle}"] = {
            "class_names": tr.class_names,
            "training": [os.path.relpath(p, train) for p in tr.file_paths],
            "validation": [os.path.relpath(p, train) for p in va.file_paths]}
    meta["splits"] = splits
    with open(os.path.join(GOLDENS, "goldens.json"), "w") as f:
        json.dump(meta, f, indent=1)
        f.write("\n")
    print(f"{len(files)} special files; goldens in {GOLDENS}; refused: "
          f"{ {m: sorted(v) for m, v in meta['refused'].items()} }", file=sys.stderr)


if __name__ == "__main__":
    main()
