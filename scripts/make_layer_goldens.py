#!/usr/bin/env python3
"""Keras goldens for the layers and activations of issue 20, part 1.

Writes, under testdata/layers/ (all made with Keras 3, TensorFlow backend, oneDNN off so a rerun
on another CPU gives the same numbers):

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

    ~/.cache/jeras/pyvenv/bin/python scripts/make_layer_goldens.py
"""
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ["TF_ENABLE_ONEDNN_OPTS"] = "0"

import numpy as np  # noqa: E402

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
OUT = os.path.join(ROOT, "testdata", "layers")
SEED = 20


def main():
    import keras
    import tensorflow as tf
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


if __name__ == "__main__":
    sys.exit(main())
