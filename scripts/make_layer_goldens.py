#!/usr/bin/env python3
"""Makes the Keras golden files of the layer-zoo tests (testdata/layers/), for both parts of
issue 20, with Keras 3 (TensorFlow backend); the output directory is replaced. Part 1 runs with
oneDNN off, so a rerun on another CPU gives the same numbers; part 2 with oneDNN at TensorFlow's
default (on), which its dilated Conv2DTranspose cases need.

Part 1 (activation layers, geometry, merges, regularizers; read by KerasLayerGoldenTest,
ZooLayersTest, ZooModelsTest and RegularizerTrainingTest):

  goldens.json   per case: the Keras model JSON of a one-layer model (Input -> layer, or the inputs
                 of a merge -> layer), the number of inputs, weights and trainable weights;
                 versions and the seed on top
  goldens.npz    per case NAME: NAME.x0.. (inputs), NAME.w0.. (every weight, get_weights order),
                 NAME.y (the output in inference mode), NAME.r (random upstream weights),
                 NAME.dx0.. and NAME.dw0.. (gradients of sum(y * r) with respect to the inputs and
                 the trainable weights)
  regularized.json / regularized.npz
                 one SGD step (learning rate 0.1) of a small model with L1, L2 and L1L2 weight
                 penalties: initial weights, the batch, evaluate's loss before the step, the loss
                 train_on_batch reports, the weights after
  models/NAME.keras, NAME_x.npy, NAME_y.npy
                 three Keras-made models that use the new layers together (a LeNet ending in a
                 Softmax layer, a small U-Net, a mix of merges and reshapes), saved untrained with
                 random weights, with inputs and Keras' predictions

Part 2 (convolutions, normalization, preprocessing and augmentation; read by
KerasGoldenLayerTest and ZooModelInteropTest). For each case, one Keras 3 layer with random
weights (numpy seed per case) on a small random input:

  <case>/case.json   the layer's class and Keras config (get_config()), whether the forward pass
                     runs in training mode, the weight names, versions and seed
  <case>/x.npy       the input
  <case>/w<i>.npy    the layer's weights in Keras' order (layer.weights)
  <case>/y.npy       Keras' output
  <case>/r.npy       for trainable layers: a random cotangent; the gradients of sum(y * r) with
  <case>/gx.npy      respect to the input (gx) and to each trainable weight (g<i>, i the weight's
  <case>/g<i>.npy    index in layer.weights)
  reference.json     the versions and every case's input and output shape

plus zoo-model.keras, a small functional model with several of part 2's layers (Normalization
adapted in Python, random BatchNormalization statistics), its inputs zoo-model_x.npy and Keras'
predictions zoo-model_y.npy. Random layers are written in training mode only with degenerate
ranges (factor (a, a)), whose output is deterministic; their random behaviour is tested in Java by
its properties.

    ~/.cache/jeras/pyvenv/bin/python scripts/make_layer_goldens.py [--out DIR]   (about a minute)
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "testdata", "layers")
SEED = 20
# oneDNN per part, each part in its own Python process (TensorFlow reads the setting once): part 1
# off, so a rerun on another CPU gives the same numbers; part 2 at TensorFlow's default (on),
# because without oneDNN TensorFlow's CPU kernels refuse the dilated Conv2DTranspose of its cases
ONEDNN = {"1": "0", "2": None}
np = keras = tf = L = None  # imported by run_part, after the part's oneDNN setting


# ---------------------------------------------------------------------------------------------
# Part 1: one-layer models in goldens.json / goldens.npz, the regularized step, three models
# ---------------------------------------------------------------------------------------------


def part1():
    from keras import layers, regularizers

    keras.utils.set_random_seed(SEED)
    rng = np.random.default_rng(SEED)

    def single(layer, shape):
        inp = keras.Input(shape)
        return keras.Model(inp, layer(inp)), [shape]

    def merge(layer, *shapes):
        ins = [keras.Input(s) for s in shapes]
        return keras.Model(ins, layer(ins)), list(shapes)

    act = (2, 3, 8)
    img = (5, 6, 3)
    cases = {}
    for name in ["relu6", "silu", "swish", "gelu", "hard_sigmoid", "hard_silu", "hard_swish",
                 "leaky_relu", "mish", "exponential", "softsign", "log_softmax"]:
        cases["activation_" + name] = single(layers.Activation(name), act) + (4.0,)
    cases.update({
        "dense_gelu_regularized": single(layers.Dense(
            4, activation="gelu", kernel_regularizer=regularizers.L2(0.01),
            bias_regularizer=regularizers.L1(0.02)), (3, 5)) + (2.0,),
        "conv2d_hard_swish_regularized": single(layers.Conv2D(
            3, 3, activation="hard_swish", kernel_regularizer=regularizers.L1L2(0.01, 0.02),
            bias_regularizer="l2"), img) + (2.0,),
        "dense_mish": single(layers.Dense(3, activation="mish"), (4,)) + (2.0,),
        "softmax_default": single(layers.Softmax(), (3, 4, 5)) + (3.0,),
        "softmax_axis1": single(layers.Softmax(axis=1), (3, 4, 5)) + (3.0,),
        "softmax_axes12": single(layers.Softmax(axis=[1, 2]), (3, 4, 5)) + (3.0,),
        "relu_default": single(layers.ReLU(), act) + (4.0,),
        "relu_max6": single(layers.ReLU(max_value=6.0), act) + (9.0,),
        "relu_all_options": single(layers.ReLU(max_value=2.5, negative_slope=0.1,
                                               threshold=0.5), act) + (4.0,),
        "relu_slope": single(layers.ReLU(negative_slope=0.2), act) + (4.0,),
        "relu_slope_max6": single(layers.ReLU(max_value=6.0, negative_slope=0.3), act) + (9.0,),
        "relu_threshold": single(layers.ReLU(threshold=1.0), act) + (4.0,),
        "leaky_relu_default": single(layers.LeakyReLU(), act) + (4.0,),
        "leaky_relu_01": single(layers.LeakyReLU(negative_slope=0.1), act) + (4.0,),
        "prelu": single(layers.PReLU(), img) + (2.0,),
        "prelu_shared": single(layers.PReLU(shared_axes=[1, 2]), img) + (2.0,),
        "elu_default": single(layers.ELU(), act) + (4.0,),
        "elu_alpha": single(layers.ELU(alpha=0.5), act) + (4.0,),
        "zero_padding_symmetric": single(layers.ZeroPadding2D(2), img) + (2.0,),
        "zero_padding_asymmetric": single(layers.ZeroPadding2D(((1, 2), (0, 3))), img) + (2.0,),
        "cropping_symmetric": single(layers.Cropping2D(1), img) + (2.0,),
        "cropping_asymmetric": single(layers.Cropping2D(((1, 0), (2, 1))), img) + (2.0,),
        "upsampling_nearest": single(layers.UpSampling2D((2, 3)), img) + (2.0,),
        "upsampling_bilinear": single(layers.UpSampling2D(interpolation="bilinear"), img) + (2.0,),
        "upsampling_bilinear_3x2": single(layers.UpSampling2D((3, 2), interpolation="bilinear"),
                                          img) + (2.0,),
        "reshape": single(layers.Reshape((6, -1)), img) + (2.0,),
        "permute": single(layers.Permute((3, 1, 2)), img) + (2.0,),
        "global_max_pooling": single(layers.GlobalMaxPooling2D(), img) + (2.0,),
        "global_max_pooling_keepdims": single(layers.GlobalMaxPooling2D(keepdims=True),
                                              img) + (2.0,),
        "global_average_pooling_keepdims": single(layers.GlobalAveragePooling2D(keepdims=True),
                                                  img) + (2.0,),
        "multiply": merge(layers.Multiply(), img, img, img) + (2.0,),
        "multiply_broadcast": merge(layers.Multiply(), img, (1, 1, 3)) + (2.0,),
        "subtract": merge(layers.Subtract(), img, img) + (2.0,),
        "average": merge(layers.Average(), img, img, img) + (2.0,),
        "maximum": merge(layers.Maximum(), img, img, img) + (2.0,),
        "minimum": merge(layers.Minimum(), img, img) + (2.0,),
        "spatial_dropout": single(layers.SpatialDropout2D(0.3), img) + (2.0,),
        "gaussian_noise": single(layers.GaussianNoise(0.2), img) + (2.0,),
        "gaussian_dropout": single(layers.GaussianDropout(0.3), img) + (2.0,),
        "dropout_noise_shape": single(layers.Dropout(0.3, noise_shape=(None, 1, 1, 3)),
                                      img) + (2.0,),
    })

    manifest = {"keras": keras.__version__, "tensorflow": tf.__version__, "numpy": np.__version__,
                "seed": SEED, "onednn": os.environ["TF_ENABLE_ONEDNN_OPTS"], "cases": {}}
    arrays = {}
    batch = 2
    for name, (model, shapes, scale) in cases.items():
        xs = [rng.uniform(-scale, scale, (batch, *s)).astype("float32") for s in shapes]
        weights = []
        for w in model.weights:
            lo, hi = (0.0, 0.5) if w.path.endswith("alpha") else (-0.5, 0.5)
            weights.append(rng.uniform(lo, hi, tuple(w.shape)).astype("float32"))
        model.set_weights(weights)
        inputs = [tf.constant(x) for x in xs]
        with tf.GradientTape() as tape:
            for t in inputs:
                tape.watch(t)
            y = model(inputs if len(inputs) > 1 else inputs[0], training=False)
            r = tf.constant(rng.uniform(-1, 1, y.shape).astype("float32"))
            loss = tf.reduce_sum(y * r)
        grads = tape.gradient(loss, inputs + list(model.trainable_weights))
        for i, x in enumerate(xs):
            arrays[f"{name}.x{i}"] = x
        for i, w in enumerate(weights):
            arrays[f"{name}.w{i}"] = w
        arrays[f"{name}.y"] = y.numpy()
        arrays[f"{name}.r"] = r.numpy()
        for i, g in enumerate(grads[:len(xs)]):
            arrays[f"{name}.dx{i}"] = g.numpy()
        for i, g in enumerate(grads[len(xs):]):
            arrays[f"{name}.dw{i}"] = g.numpy()
        manifest["cases"][name] = {"model": json.loads(model.to_json()), "inputs": len(xs),
                                   "weights": len(weights),
                                   "trainable": len(model.trainable_weights)}

    # gelu's tanh approximation has no name in Keras configs: its golden is the function itself
    x = rng.uniform(-4, 4, (batch, *act)).astype("float32")
    xt = tf.constant(x)
    with tf.GradientTape() as tape:
        tape.watch(xt)
        y = keras.activations.gelu(xt, approximate=True)
        r = tf.constant(rng.uniform(-1, 1, y.shape).astype("float32"))
        loss = tf.reduce_sum(y * r)
    arrays.update({"gelu_approximate.x0": x, "gelu_approximate.y": y.numpy(),
                   "gelu_approximate.r": r.numpy(),
                   "gelu_approximate.dx0": tape.gradient(loss, xt).numpy()})
    manifest["cases"]["gelu_approximate"] = {"model": None, "inputs": 1, "weights": 0,
                                             "trainable": 0}

    os.makedirs(OUT, exist_ok=True)
    np.savez_compressed(os.path.join(OUT, "goldens.npz"), **arrays)
    with open(os.path.join(OUT, "goldens.json"), "w") as f:
        cases = manifest.pop("cases")
        head = json.dumps(manifest)[:-1]
        lines = [f" {json.dumps(k)}: {json.dumps(v)}" for k, v in cases.items()]
        f.write(head + ', "cases": {\n' + ",\n".join(lines) + "\n}}\n")

    regularized_step(keras, tf, rng)
    models(keras, rng)
    print(f"wrote {len(cases)} layer cases, the regularized step and 3 models to {OUT}")


def regularized_step(keras, tf, rng):
    from keras import layers, regularizers
    inp = keras.Input((6, 6, 2))
    x = layers.Conv2D(3, 3, kernel_regularizer=regularizers.L2(0.05),
                      bias_regularizer=regularizers.L1(0.1))(inp)
    x = layers.PReLU(alpha_regularizer=regularizers.L1L2(0.01, 0.02))(x)
    x = layers.Flatten()(x)
    out = layers.Dense(3, activation="softmax", kernel_regularizer="l1",
                       bias_regularizer=regularizers.L1L2(l2=0.3))(x)
    model = keras.Model(inp, out)
    weights = [rng.uniform(-0.5, 0.5, tuple(w.shape)).astype("float32") for w in model.weights]
    model.set_weights(weights)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1),
                  loss="sparse_categorical_crossentropy")
    x = rng.uniform(0, 1, (8, 6, 6, 2)).astype("float32")
    y = rng.integers(0, 3, 8).astype("int32")
    eval_loss = float(model.evaluate(x, y, batch_size=8, verbose=0))
    penalty = float(sum(tf.reduce_sum(loss).numpy() for loss in model.losses))
    train_loss = float(model.train_on_batch(x, y))
    arrays = {"x": x, "y": y.astype("float32")}
    for i, w in enumerate(weights):
        arrays[f"w{i}"] = w
    for i, w in enumerate(model.get_weights()):
        arrays[f"after{i}"] = w
    np.savez_compressed(os.path.join(OUT, "regularized.npz"), **arrays)
    with open(os.path.join(OUT, "regularized.json"), "w") as f:
        json.dump({"model": json.loads(model.to_json()), "weights": len(weights),
                   "learning_rate": 0.1, "evaluate_loss": eval_loss, "penalty": penalty,
                   "train_on_batch_loss": train_loss}, f, indent=1)
        f.write("\n")


def models(keras, rng):
    from keras import layers, regularizers
    built = {}

    inp = keras.Input((16, 16, 1), name="image")
    x = layers.ZeroPadding2D(2)(inp)
    x = layers.Conv2D(4, 5, activation="relu6")(x)
    x = layers.AveragePooling2D(2)(x)
    x = layers.Conv2D(8, 3, activation="swish", kernel_regularizer="l2")(x)
    x = layers.MaxPooling2D(2)(x)
    x = layers.Flatten()(x)
    x = layers.Dense(16, activation="gelu")(x)
    x = layers.Dropout(0.2, noise_shape=(None, 16))(x)
    x = layers.Dense(10)(x)
    built["lenet_softmax"] = (keras.Model(inp, layers.Softmax()(x), name="lenet"), (16, 16, 1))

    inp = keras.Input((20, 20, 3))
    c1 = layers.LeakyReLU(negative_slope=0.1)(layers.Conv2D(8, 3)(inp))      # 18x18
    p1 = layers.MaxPooling2D(2)(c1)                                            # 9x9
    c2 = layers.PReLU(shared_axes=[1, 2])(layers.Conv2D(16, 3)(p1))           # 7x7
    c2 = layers.SpatialDropout2D(0.2)(c2)
    u1 = layers.UpSampling2D()(c2)                                            # 14x14
    skip = layers.Cropping2D(2)(c1)                                           # 14x14
    m = layers.Concatenate()([u1, skip])
    m = layers.ELU()(layers.Conv2D(8, 3, padding="same")(m))
    m = layers.GaussianNoise(0.1)(m)
    m = layers.UpSampling2D(interpolation="bilinear")(m)                      # 28x28
    m = layers.ZeroPadding2D(((0, 1), (1, 0)))(m)                             # 29x29
    out = layers.Conv2D(1, 1, activation="hard_sigmoid")(m)
    built["unet_small"] = (keras.Model(inp, out, name="unet"), (20, 20, 3))

    inp = keras.Input((8, 8, 4))
    f = layers.Conv2D(6, 3, padding="same", activation="mish")(inp)
    se = layers.GlobalAveragePooling2D()(f)
    se = layers.Dense(6, activation="hard_swish")(se)
    se = layers.Reshape((1, 1, 6))(se)
    scaled = layers.Multiply()([f, se])
    g = layers.GlobalMaxPooling2D(keepdims=True)(scaled)
    a = layers.ReLU(max_value=6.0)(scaled)
    b = layers.ReLU(negative_slope=0.1, threshold=0.2)(scaled)
    mixed = layers.Average()([a, b, layers.Subtract()([a, g])])
    mixed = layers.Maximum()([mixed, layers.Minimum()([a, b])])
    mixed = layers.GaussianDropout(0.2)(mixed)
    mixed = layers.Softmax(axis=[1, 2])(mixed)
    p = layers.Permute((3, 1, 2))(mixed)
    p = layers.Reshape((6, 64))(p)
    p = layers.Flatten()(p)
    d = layers.Dense(5, activation="softsign", kernel_regularizer=regularizers.L1L2(0.01, 0.01))(p)
    d = layers.Dense(4, activation="log_softmax")(d)
    built["zoo_mix"] = (keras.Model(inp, d, name="zoo_mix"), (8, 8, 4))

    out = os.path.join(OUT, "models")
    os.makedirs(out, exist_ok=True)
    for name, (model, shape) in built.items():
        model.set_weights([rng.uniform(-0.5, 0.5, tuple(w.shape)).astype("float32")
                           if not w.path.endswith("alpha")
                           else rng.uniform(0, 0.5, tuple(w.shape)).astype("float32")
                           for w in model.weights])
        x = rng.uniform(0, 1, (4, *shape)).astype("float32")
        y = model.predict(x, verbose=0)
        model.save(os.path.join(out, name + ".keras"))
        np.save(os.path.join(out, name + "_x.npy"), x)
        np.save(os.path.join(out, name + "_y.npy"), y)


# ---------------------------------------------------------------------------------------------
# Part 2: one directory per case, reference.json, zoo-model.keras
# ---------------------------------------------------------------------------------------------


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


def part2():
    record = {"keras": keras.__version__, "tensorflow": tf.__version__,
              "numpy": np.__version__, "python": sys.version.split()[0],
              "onednn": os.environ.get("TF_ENABLE_ONEDNN_OPTS", "default (on)"), "cases": {}}
    for i, (name, factory, shape, lo_hi, training, grads) in enumerate(cases()):
        write_case(name, factory, shape, lo_hi, training, grads, 1000 + i, record)
    record["zoo-model"] = zoo_model(2026)
    with open(os.path.join(OUT, "reference.json"), "w") as f:
        json.dump(record, f, indent=1)
        f.write("\n")
    print(f"wrote {len(record['cases'])} part-2 cases and zoo-model.keras to {OUT}")


def run_part(part):
    global np, keras, tf, L
    import numpy as np
    import keras
    import tensorflow as tf
    L = keras.layers
    part1() if part == "1" else part2()


def main():
    global OUT
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=OUT, help="the directory to replace (default: %(default)s)")
    ap.add_argument("--part", choices=sorted(ONEDNN), help=argparse.SUPPRESS)
    args = ap.parse_args()
    OUT = os.path.abspath(args.out)
    if args.part:
        run_part(args.part)
        return
    if os.path.isdir(OUT):
        shutil.rmtree(OUT)
    os.makedirs(OUT)
    for part, onednn in ONEDNN.items():
        env = dict(os.environ)
        env.pop("TF_ENABLE_ONEDNN_OPTS", None)
        if onednn is not None:
            env["TF_ENABLE_ONEDNN_OPTS"] = onednn
        subprocess.run([sys.executable, os.path.abspath(__file__), "--out", OUT, "--part", part],
                       env=env, check=True)


if __name__ == "__main__":
    main()
