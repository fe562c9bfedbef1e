#!/usr/bin/env python3
"""Makes the Keras golden files of the layer-zoo tests (testdata/layers/).

For each case, one Keras 3 layer with random weights (numpy seed per case) on a small random input:

  <case>/case.json   the layer's class and Keras config (get_config()), whether the forward pass
                     runs in training mode, the weight names, versions and seed
  <case>/x.npy       the input
  <case>/w<i>.npy    the layer's weights in Keras' order (layer.weights)
  <case>/y.npy       Keras' output
  <case>/r.npy       for trainable layers: a random cotangent; the gradients of sum(y * r) with
  <case>/gx.npy      respect to the input (gx) and to each trainable weight (g<i>, i the weight's
  <case>/g<i>.npy    index in layer.weights)

plus zoo-model.keras, a small functional model with several of the zoo's layers (Normalization
adapted in Python, random BatchNormalization statistics), its inputs zoo-model_x.npy and Keras'
predictions zoo-model_y.npy.

    ~/.cache/jeras/pyvenv/bin/python scripts/make_layer_goldens.py     (about 30 seconds)

Random layers are written in training mode only with degenerate ranges (factor (a, a)), whose
output is deterministic; their random behaviour is tested in Java by its properties.
"""
import json
import os
import shutil
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np  # noqa: E402
import keras  # noqa: E402
import tensorflow as tf  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "testdata", "layers")
L = keras.layers


def cases():
    """(name, layer factory, input shape, input range, training forward, gradients)."""
    img = (2, 7, 6, 3)
    return [
        # convolutions
        ("conv2d_dilated_same", lambda: L.Conv2D(4, 3, dilation_rate=2, padding="same"),
         (2, 9, 8, 3), (-1, 1), False, True),
        ("conv2d_dilated_valid", lambda: L.Conv2D(3, (3, 2), dilation_rate=(2, 3)),
         (2, 9, 10, 2), (-1, 1), False, True),
        ("depthwise_basic", lambda: L.DepthwiseConv2D(3), img, (-1, 1), False, True),
        ("depthwise_dm2_s2_same_relu",
         lambda: L.DepthwiseConv2D(3, depth_multiplier=2, strides=2, padding="same",
                                   activation="relu"), (2, 8, 7, 3), (-1, 1), False, True),
        ("depthwise_dilated_nobias",
         lambda: L.DepthwiseConv2D((3, 2), dilation_rate=2, use_bias=False), (2, 9, 8, 2),
         (-1, 1), False, True),
        ("depthwise_s2_dilated_same",
         lambda: L.DepthwiseConv2D(3, strides=2, dilation_rate=2, padding="same"),
         (2, 11, 10, 3), (-1, 1), False, True),
        ("separable_basic", lambda: L.SeparableConv2D(5, 3), img, (-1, 1), False, True),
        ("separable_dm2_s2_same_tanh",
         lambda: L.SeparableConv2D(4, 3, depth_multiplier=2, strides=2, padding="same",
                                   activation="tanh"), (2, 8, 7, 3), (-1, 1), False, True),
        ("separable_dilated_nobias",
         lambda: L.SeparableConv2D(4, 3, dilation_rate=2, use_bias=False), (2, 9, 8, 2),
         (-1, 1), False, True),
        ("conv_transpose_basic", lambda: L.Conv2DTranspose(4, 3), (2, 5, 4, 3), (-1, 1), False,
         True),
        ("conv_transpose_s2_same",
         lambda: L.Conv2DTranspose(4, 3, strides=2, padding="same"), (2, 5, 4, 3), (-1, 1),
         False, True),
        ("conv_transpose_s2_k2_relu",
         lambda: L.Conv2DTranspose(3, 2, strides=2, activation="relu"), (2, 4, 3, 5), (-1, 1),
         False, True),
        ("conv_transpose_outpad_valid",
         lambda: L.Conv2DTranspose(3, (3, 4), strides=(2, 3), output_padding=(1, 2)),
         (2, 4, 3, 2), (-1, 1), False, True),
        ("conv_transpose_outpad_same",
         lambda: L.Conv2DTranspose(3, 3, strides=2, padding="same", output_padding=0),
         (2, 4, 5, 2), (-1, 1), False, True),
        ("conv_transpose_dilated",
         lambda: L.Conv2DTranspose(3, 3, dilation_rate=2, use_bias=False), (2, 5, 4, 2),
         (-1, 1), False, True),
        ("conv_transpose_dilated_same",
         lambda: L.Conv2DTranspose(2, (2, 3), dilation_rate=(2, 1), padding="same"),
         (2, 5, 4, 2), (-1, 1), False, True),
        # normalization
        ("layernorm_last", lambda: L.LayerNormalization(), (4, 6), (-2, 2), False, True),
        ("layernorm_image", lambda: L.LayerNormalization(epsilon=1e-5), (2, 4, 5, 3), (-2, 2),
         False, True),
        ("layernorm_axes12", lambda: L.LayerNormalization(axis=[1, 2]), (2, 4, 5, 3), (-2, 2),
         False, True),
        ("layernorm_plain",
         lambda: L.LayerNormalization(axis=1, center=False, scale=False), (3, 5, 4), (-2, 2),
         False, False),
        ("layernorm_rms", lambda: L.LayerNormalization(rms_scaling=True), (3, 6), (-2, 2),
         False, True),
        ("groupnorm_image", lambda: L.GroupNormalization(groups=2), (2, 4, 3, 6), (-2, 2),
         False, True),
        ("groupnorm_instance", lambda: L.GroupNormalization(groups=-1, epsilon=1e-5),
         (2, 4, 3, 3), (-2, 2), False, True),
        ("groupnorm_axis1", lambda: L.GroupNormalization(groups=2, axis=1), (2, 4, 3, 5),
         (-2, 2), False, True),
        ("groupnorm_rank3_noscale",
         lambda: L.GroupNormalization(groups=3, scale=False), (2, 5, 6), (-2, 2), False, True),
        ("batchnorm_axis1_inference", lambda: L.BatchNormalization(axis=1), (2, 3, 4, 5),
         (-2, 2), False, True),
        ("batchnorm_axis1_training", lambda: L.BatchNormalization(axis=1), (4, 3, 4, 5),
         (-2, 2), True, True),
        ("batchnorm_rank3_last_training", lambda: L.BatchNormalization(epsilon=1e-5),
         (4, 5, 3), (-2, 2), True, True),
        ("batchnorm_rank3_axis1_inference", lambda: L.BatchNormalization(axis=1, scale=False),
         (3, 4, 5), (-2, 2), False, True),
        ("batchnorm_axis2_training_nocenter",
         lambda: L.BatchNormalization(axis=2, center=False), (4, 3, 4, 2), (-2, 2), True, True),
        # preprocessing
        ("rescaling", lambda: L.Rescaling(1.0 / 255), img, (0, 255), False, False),
        ("rescaling_offset", lambda: L.Rescaling(1.0 / 127.5, offset=-1.0), img, (0, 255),
         False, False),
        ("rescaling_per_channel", lambda: L.Rescaling([1.0, 2.0, 0.5], [0.5, 0.0, -0.5]), img,
         (-1, 1), False, False),
        ("normalization_given",
         lambda: L.Normalization(mean=[0.5, -1.0, 2.0], variance=[4.0, 0.25, 1.0]), img,
         (-2, 2), False, False),
        ("normalization_invert", lambda: L.Normalization(mean=2.0, variance=4.0, invert=True),
         img, (-2, 2), False, False),
        ("normalization_adapted", "adapt", img, (-2, 4), False, False),
        ("normalization_adapted_axis_none", "adapt_none", img, (-2, 4), False, False),
        ("normalization_adapted_axes_1_3", "adapt_13", (2, 4, 5, 3), (-2, 4), False, False),
        ("resizing_bilinear_up", lambda: L.Resizing(9, 11), img, (0, 1), False, False),
        ("resizing_bilinear_down", lambda: L.Resizing(4, 3), (2, 9, 8, 3), (0, 1), False, False),
        ("resizing_nearest", lambda: L.Resizing(5, 9, interpolation="nearest"), img, (0, 1),
         False, False),
        ("resizing_bicubic", lambda: L.Resizing(8, 5, interpolation="bicubic"), img, (0, 1),
         False, False),
        ("resizing_area", lambda: L.Resizing(3, 4, interpolation="area"), (2, 9, 8, 3), (0, 1),
         False, False),
        ("resizing_lanczos3", lambda: L.Resizing(5, 8, interpolation="lanczos3"), img, (0, 1),
         False, False),
        ("resizing_lanczos5", lambda: L.Resizing(4, 4, interpolation="lanczos5"), img, (0, 1),
         False, False),
        ("resizing_antialias", lambda: L.Resizing(3, 4, antialias=True), (2, 9, 8, 3), (0, 1),
         False, False),
        ("resizing_crop_to_aspect", lambda: L.Resizing(4, 4, crop_to_aspect_ratio=True),
         (2, 7, 10, 3), (0, 1), False, False),
        ("resizing_pad_to_aspect",
         lambda: L.Resizing(6, 6, pad_to_aspect_ratio=True, fill_value=0.5), (2, 5, 9, 3),
         (0, 1), False, False),
        ("center_crop", lambda: L.CenterCrop(4, 3), img, (0, 1), False, False),
        ("center_crop_smaller", lambda: L.CenterCrop(9, 4), img, (0, 1), False, False),
        ("random_crop_inference", "random_crop_inference", (2, 9, 8, 3), (0, 1), False, False),
        ("random_crop_training_narrow", lambda: L.RandomCrop(4, 4), (2, 8, 4, 3), (0, 1), True,
         False),
        ("random_crop_training_smaller", lambda: L.RandomCrop(5, 5), (2, 3, 6, 3), (0, 1), True,
         False),
        ("random_rotation_90_nearest",
         lambda: L.RandomRotation((0.25, 0.25), interpolation="nearest"), (2, 6, 6, 2), (0, 1),
         True, False),
        ("random_rotation_36_constant",
         lambda: L.RandomRotation((0.1, 0.1), fill_mode="constant", fill_value=0.3),
         (2, 7, 6, 2), (0, 1), True, False),
        ("random_rotation_m20_reflect", lambda: L.RandomRotation((-0.0556, -0.0556)),
         (2, 7, 6, 2), (0, 1), True, False),
        ("random_zoom_fixed",
         lambda: L.RandomZoom((0.5, 0.5), (-0.3, -0.3), fill_mode="nearest"), (2, 7, 6, 2),
         (0, 1), True, False),
        ("random_zoom_height_only", lambda: L.RandomZoom((-0.25, -0.25)), (2, 7, 6, 2), (0, 1),
         True, False),
        ("random_translation_fixed",
         lambda: L.RandomTranslation((0.2, 0.2), (-0.25, -0.25), fill_mode="wrap"),
         (2, 7, 6, 2), (0, 1), True, False),
        ("random_translation_constant",
         lambda: L.RandomTranslation((-0.3, -0.3), (0.4, 0.4), fill_mode="constant",
                                     fill_value=0.7, interpolation="nearest"),
         (2, 7, 6, 2), (0, 1), True, False),
        ("random_brightness_fixed",
         lambda: L.RandomBrightness((0.2, 0.2), value_range=(0, 1)), (2, 5, 4, 3), (0, 1), True,
         False),
        ("random_brightness_fixed_255", lambda: L.RandomBrightness((-0.1, -0.1)), (2, 5, 4, 3),
         (0, 255), True, False),
    ]


def random_weights(layer, rng):
    values = []
    for w in layer.weights:
        shape = tuple(w.shape)
        if "variance" in w.name:
            values.append(rng.uniform(0.5, 1.5, shape).astype(np.float32))
        elif w.name == "count":
            values.append(np.array(w.numpy()))
        else:
            values.append((rng.standard_normal(shape) * 0.5).astype(np.float32))
    layer.set_weights(values)
    return values


def write_case(name, factory, shape, lo_hi, training, grads, seed, record):
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    x = rng.uniform(lo_hi[0], lo_hi[1], shape).astype(np.float32)
    adapt_data = None
    if factory == "random_crop_inference":
        layer = L.RandomCrop(4, 6)
        # Keras 3.15 returns the input unchanged at inference, a shape that contradicts its own
        # compute_output_shape; jeras does what the layer's documentation says: the largest
        # window of the target aspect ratio, resized (as Resizing with crop_to_aspect_ratio).
        reference = L.Resizing(4, 6, crop_to_aspect_ratio=True)
        y = reference(x).numpy()
        layer.build(shape)
    elif isinstance(factory, str) and factory.startswith("adapt"):
        axis = {"adapt": -1, "adapt_none": None, "adapt_13": (1, 3)}[factory]
        layer = L.Normalization(axis=axis)
        adapt_data = rng.uniform(lo_hi[0], lo_hi[1], (16,) + shape[1:]).astype(np.float32)
        layer.adapt(adapt_data)
        y = layer(x).numpy()
    else:
        layer = factory()
        layer.build(shape)
        random_weights(layer, rng)
        y = None
    d = os.path.join(OUT, name)
    os.makedirs(d)
    if adapt_data is not None:
        np.save(os.path.join(d, "a.npy"), adapt_data)
    weights = [w.numpy() for w in layer.weights]
    for i, w in enumerate(weights):
        np.save(os.path.join(d, f"w{i}.npy"), w)
    xt = tf.constant(x)
    trainable = [i for i, w in enumerate(layer.weights) if w.trainable]
    if y is None:
        with tf.GradientTape() as tape:
            tape.watch(xt)
            yt = layer(xt, training=training)
            r = rng.standard_normal(tuple(yt.shape)).astype(np.float32)
            loss = tf.reduce_sum(yt * r)
        y = yt.numpy()
        if grads:
            g = tape.gradient(loss, [xt] + [layer.weights[i].value for i in trainable])
            np.save(os.path.join(d, "r.npy"), r)
            np.save(os.path.join(d, "gx.npy"), g[0].numpy())
            for i, gw in zip(trainable, g[1:]):
                np.save(os.path.join(d, f"g{i}.npy"), gw.numpy())
    np.save(os.path.join(d, "x.npy"), x)
    np.save(os.path.join(d, "y.npy"), y.astype(np.float32))
    info = {"class_name": type(layer).__name__, "config": layer.get_config(),
            "training": training, "gradients": bool(grads and trainable),
            "weights": [w.name for w in layer.weights], "seed": seed}
    with open(os.path.join(d, "case.json"), "w") as f:
        json.dump(info, f, indent=1)
        f.write("\n")
    record["cases"][name] = {"input": list(shape), "output": list(y.shape)}


def zoo_model(seed):
    """A small functional model with several zoo layers, for the .keras round trip."""
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    data = rng.uniform(0, 255, (32, 12, 10, 3)).astype(np.float32)
    norm = L.Normalization()
    norm.adapt(data / 255.0)
    inp = keras.Input((12, 10, 3), name="image")
    x = L.RandomFlip()(inp)
    x = L.RandomRotation(0.1)(x)
    x = L.RandomZoom(0.1)(x)
    x = L.RandomTranslation(0.1, 0.1)(x)
    x = L.RandomContrast(0.2)(x)
    x = L.RandomBrightness(0.1)(x)
    x = L.Resizing(10, 8)(x)
    x = L.Rescaling(1.0 / 255)(x)
    x = norm(x)
    x = L.Conv2D(6, 3, padding="same", dilation_rate=2)(x)
    x = L.BatchNormalization(axis=1)(x)
    x = L.DepthwiseConv2D(3, depth_multiplier=2, padding="same", activation="relu")(x)
    x = L.GroupNormalization(groups=3)(x)
    a = L.SeparableConv2D(8, 3, strides=2, padding="same")(x)
    a = L.LayerNormalization()(a)
    a = L.Conv2DTranspose(6, 2, strides=2)(a)
    x = L.Concatenate()([x, a])
    x = L.CenterCrop(8, 6)(x)
    x = L.BatchNormalization()(x)
    x = L.GlobalAveragePooling2D()(x)
    out = L.Dense(4, activation="softmax")(x)
    model = keras.Model(inp, out, name="zoo")
    for layer in model.layers:
        if isinstance(layer, L.BatchNormalization):
            mean, var = layer.moving_mean, layer.moving_variance
            mean.assign(rng.standard_normal(mean.shape).astype(np.float32) * 0.3)
            var.assign(rng.uniform(0.5, 1.5, var.shape).astype(np.float32))
    x = rng.uniform(0, 255, (6, 12, 10, 3)).astype(np.float32)
    y = model.predict(x, verbose=0)
    model.save(os.path.join(OUT, "zoo-model.keras"))
    np.save(os.path.join(OUT, "zoo-model_x.npy"), x)
    np.save(os.path.join(OUT, "zoo-model_y.npy"), y.astype(np.float32))
    return {"params": int(model.count_params()), "input": list(x.shape),
            "output": list(y.shape)}


def main():
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    record = {"keras": keras.__version__, "tensorflow": tf.__version__,
              "numpy": np.__version__, "python": sys.version.split()[0],
              "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default (on)"), "cases": {}}
    for i, (name, factory, shape, lo_hi, training, grads) in enumerate(cases()):
        write_case(name, factory, shape, lo_hi, training, grads, 1000 + i, record)
    record["zoo-model"] = zoo_model(2026)
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(record, f, indent=1)
        f.write("\n")
    print(f"{len(record['cases'])} cases and zoo-model.keras in {OUT}")


if __name__ == "__main__":
    main()
