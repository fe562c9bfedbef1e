#!/usr/bin/env python3
"""ONNX Runtime serving the jeras-trained model: the inference peer of scripts/bench.

Two steps, each its own process so that the timed one loads ONNX Runtime and nothing else:

  export  reads a .keras file written by `scripts/jeras train ... --save FILE.keras` (the model's
          config.json and model.weights.h5, read with zipfile, json and h5py: no TensorFlow),
          writes the same model as an ONNX graph built with the onnx package's helpers, and with
          --check-savedmodel (and --check-keras) checks that ONNX Runtime predicts what the
          SavedModel jeras exported from the same training run (and Keras loading the .keras)
          predicts on the MNIST test images: max |difference| of the softmax outputs <= --tolerance
          (default 1e-4), else exit 1. Prints one JSON object (the differences).
  time    times an .onnx file exactly as scripts/bench_inference.py times Python TensorFlow:
          batch-256 throughput over the 10,000 test images (one untimed pass, then PASSES timed
          passes, the median counts) and batch-1 latency (p50, p99 over CALLS calls after 200
          untimed ones); ONNX Runtime's default session options with intra-op threads = --threads
          (default: os.cpu_count()). Prints one JSON object with bench_inference.py's fields.

Why the .keras file: it is Keras' documented format (layer order and settings in config.json,
weights under layers/<key>/vars/<i> in model.weights.h5), so the weights are read by name and
shape without TensorFlow; the SavedModel's variables need TensorFlow and jeras' variable names.

The graph keeps Keras' NHWC input, (N, 28, 28, 1) for MNIST: Transpose to NCHW, then Conv
(kernels transposed from Keras' HWIO to OIHW), Relu, MaxPool, ..., and before Flatten a Transpose
back to NHWC so that the flattened features come in Keras' order and the Dense kernel is used as
stored (Gemm), then Softmax. Layers supported: InputLayer, Conv2D, MaxPooling2D,
BatchNormalization, Flatten, Dense with linear, relu or softmax activations.

    python scripts/ort_inference.py export MODEL.keras MODEL.onnx --check-savedmodel SM_DIR
    python scripts/ort_inference.py time MODEL.onnx [calls] [data_dir|-] [passes] [--threads T]
"""
import argparse
import json
import os
import re
import sys
import time
import zipfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
from keras_reference import load_idx  # noqa: E402 (numpy only; no TensorFlow)

# Opset 17 with IR version 8 (the pair onnx 1.12 wrote): the onnx package's newest IR version
# can be ahead of what the installed ONNX Runtime loads
OPSET = 17
IR_VERSION = 8


def fail(msg):
    sys.stderr.write(f"ort_inference.py: error: {msg}\n")
    raise SystemExit(1)


def test_images(data, input_shape, where):
    """The MNIST test images (N, 28, 28, 1), for a model whose input takes them."""
    if list(input_shape[1:]) != [28, 28, 1]:
        fail(f"{where}: checks and timings run on the MNIST test images, so the model's input"
             f" must be (batch, 28, 28, 1); it is {list(input_shape)}")
    data = data if data and data != "-" else os.environ.get(
        "JERAS_DATA", os.path.expanduser("~/.jeras/datasets"))
    d = os.path.join(data, "mnist")
    x, _ = load_idx(d if os.path.isdir(d) else data, "t10k")
    return x


def snake(name):
    """Keras' snake case of a class name (Conv2D -> conv2d, MaxPooling2D -> max_pooling2d)."""
    s = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z])([A-Z])", r"\1_\2", s).lower()


def read_keras(path):
    """The layer configs and each layer's weights, in order, from a .keras file."""
    import h5py
    try:
        with zipfile.ZipFile(path) as z:
            config = json.loads(z.read("config.json"))
            weights_bytes = z.read("model.weights.h5")
    except (OSError, KeyError, zipfile.BadZipFile, json.JSONDecodeError) as e:
        fail(f"{path}: expected a .keras file (a zip with config.json and model.weights.h5): {e}")
    if config.get("class_name") != "Sequential":
        fail(f"{path}: expected a Sequential model, got {config.get('class_name')}")
    import io
    layers = []
    seen = {}
    with h5py.File(io.BytesIO(weights_bytes), "r") as h5:
        for layer in config["config"]["layers"]:
            cls = layer["class_name"]
            base = snake(cls)
            n = seen.get(base, 0)
            seen[base] = n + 1
            key = base if n == 0 else f"{base}_{n}"
            group = h5.get(f"layers/{key}/vars")
            ws = [] if group is None else [np.asarray(group[str(i)], dtype=np.float32)
                                           for i in range(len(group))]
            layers.append((cls, layer["config"], ws))
    return config, layers


def to_onnx(path, out):
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    _, layers = read_keras(path)
    nodes, inits = [], []
    counter = [0]

    def name(prefix):
        counter[0] += 1
        return f"{prefix}_{counter[0]}"

    def const(prefix, array):
        n = name(prefix)
        inits.append(numpy_helper.from_array(np.ascontiguousarray(array, dtype=np.float32), n))
        return n

    def node(op, inputs, **attrs):
        o = name(op.lower())
        nodes.append(helper.make_node(op, inputs, [o], **attrs))
        return o

    def activation(x, act, where):
        if act in (None, "linear"):
            return x
        if act == "relu":
            return node("Relu", [x])
        if act == "softmax":
            return node("Softmax", [x], axis=-1)
        fail(f"{path}: layer {where}: activation {act} not supported (linear, relu, softmax)")

    if not layers or layers[0][0] != "InputLayer":
        fail(f"{path}: expected an InputLayer first")
    shape = layers[0][1].get("batch_shape") or layers[0][1].get("batch_input_shape")
    if not shape or len(shape) != 4:
        fail(f"{path}: expected an image input (batch, height, width, channels), got {shape}")
    inp = helper.make_tensor_value_info("input", TensorProto.FLOAT, ["N", *shape[1:]])
    x = node("Transpose", ["input"], perm=[0, 3, 1, 2])  # NHWC to NCHW
    rank = 4
    for cls, cfg, ws in layers[1:]:
        where = f"{cfg.get('name')} ({cls})"
        if cls == "Conv2D":
            if cfg.get("data_format", "channels_last") != "channels_last" or \
                    list(cfg.get("dilation_rate", [1, 1])) != [1, 1] or cfg.get("groups", 1) != 1:
                fail(f"{path}: layer {where}: only channels_last, dilation 1, groups 1")
            inputs = [x, const("kernel", ws[0].transpose(3, 2, 0, 1))]  # HWIO to OIHW
            if cfg.get("use_bias", True):
                inputs.append(const("bias", ws[1]))
            pad = {"valid": "VALID", "same": "SAME_UPPER"}[cfg["padding"]]
            x = node("Conv", inputs, kernel_shape=list(cfg["kernel_size"]),
                     strides=list(cfg["strides"]), auto_pad=pad)
            x = activation(x, cfg.get("activation"), where)
        elif cls == "MaxPooling2D":
            strides = cfg.get("strides") or cfg["pool_size"]
            pad = {"valid": "VALID", "same": "SAME_UPPER"}[cfg["padding"]]
            x = node("MaxPool", [x], kernel_shape=list(cfg["pool_size"]), strides=list(strides),
                     auto_pad=pad)
        elif cls == "BatchNormalization":
            axis = cfg.get("axis", -1)
            axis = axis[0] if isinstance(axis, list) and len(axis) == 1 else axis
            if axis not in (-1, rank - 1):
                fail(f"{path}: layer {where}: only the channel axis (-1) is supported")
            i = 0
            gamma = ws[i] if cfg.get("scale", True) else None
            i += cfg.get("scale", True)
            beta = ws[i] if cfg.get("center", True) else None
            i += cfg.get("center", True)
            mean, var = ws[i], ws[i + 1]
            gamma = np.ones_like(mean) if gamma is None else gamma
            beta = np.zeros_like(mean) if beta is None else beta
            x = node("BatchNormalization", [x, const("gamma", gamma), const("beta", beta),
                                            const("mean", mean), const("var", var)],
                     epsilon=float(cfg.get("epsilon", 1e-3)))
        elif cls == "Flatten":
            if rank == 4:
                x = node("Transpose", [x], perm=[0, 2, 3, 1])  # back to NHWC: Keras' order
            x = node("Flatten", [x], axis=1)
            rank = 2
        elif cls == "Dense":
            if rank != 2:
                fail(f"{path}: layer {where}: Dense on rank {rank} input is not supported")
            inputs = [x, const("kernel", ws[0])]
            if cfg.get("use_bias", True):
                inputs.append(const("bias", ws[1]))
            x = node("Gemm", inputs)
            x = activation(x, cfg.get("activation"), where)
        elif cls == "Dropout":
            continue  # identity at inference
        else:
            fail(f"{path}: layer {where} not supported (Conv2D, MaxPooling2D, BatchNormalization,"
                 " Flatten, Dense, Dropout)")
    nodes[-1].output[0] = "output_0"
    outp = helper.make_tensor_value_info("output_0", TensorProto.FLOAT, ["N", None])
    graph = helper.make_graph(nodes, "jeras_model", [inp], [outp], initializer=inits)
    model = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              producer_name="jeras scripts/ort_inference.py",
                              ir_version=IR_VERSION)
    onnx.checker.check_model(model)
    tmp = out + ".tmp"
    onnx.save(model, tmp)
    os.replace(tmp, out)


def session(path, threads):
    import onnxruntime as ort
    so = ort.SessionOptions()  # defaults (graph optimizations: all), but the thread count
    so.intra_op_num_threads = threads
    sess = ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])
    return sess, sess.get_inputs()[0].name


def export(args):
    to_onnx(args.keras, args.onnx)
    result = {"onnx": args.onnx, "source": args.keras, "opset": OPSET}
    if args.check_savedmodel or args.check_keras:
        sess, key = session(args.onnx, os.cpu_count())
        x = test_images(args.data_dir, sess.get_inputs()[0].shape, args.onnx)
        got = np.concatenate([sess.run(None, {key: x[i:i + 256]})[0]
                              for i in range(0, len(x), 256)])
        result["images"] = len(x)
        refs = {}
        if args.check_savedmodel:
            import tensorflow as tf
            fn = tf.saved_model.load(args.check_savedmodel).signatures["serving_default"]
            (k,) = fn.structured_input_signature[1].keys()
            refs["savedmodel"] = np.concatenate(
                [fn(**{k: tf.constant(x[i:i + 256])})["output_0"].numpy()
                 for i in range(0, len(x), 256)])
        if args.check_keras:
            import keras
            m = keras.saving.load_model(args.keras, compile=False)
            refs["keras"] = m.predict(x, batch_size=256, verbose=0)
        bad = []
        for who, ref in refs.items():
            diff = float(np.max(np.abs(ref - got)))
            result[f"max_abs_diff_{who}"] = diff
            result[f"argmax_agreement_{who}"] = float(np.mean(ref.argmax(1) == got.argmax(1)))
            if not diff <= args.tolerance:
                bad.append(f"{who}: max |diff| {diff:.3g} > {args.tolerance:g}")
        print(json.dumps(result))
        if bad:
            fail(f"{args.onnx}: ONNX Runtime's predictions differ from " + "; ".join(bad))
    else:
        print(json.dumps(result))


def time_it(args):
    import onnxruntime as ort
    threads = args.threads or os.cpu_count()
    sess, key = session(args.onnx, threads)
    x = test_images(args.data_dir, sess.get_inputs()[0].shape, args.onnx)
    calls, passes = args.calls, args.passes

    def predict(batch):
        return sess.run(None, {key: batch})[0]

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
                      "batch1_p99_ms": ms[int(calls * 0.99)], "batch1_calls": calls,
                      "intra_op_threads": threads, "onnxruntime": ort.__version__}))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    e = sub.add_parser("export", help="write the .keras model as ONNX, optionally check it")
    e.add_argument("keras", help="a .keras file written by jeras (or Keras)")
    e.add_argument("onnx", help="the .onnx file to write")
    e.add_argument("--check-savedmodel", metavar="DIR",
                   help="compare with this SavedModel's serving_default (needs tensorflow)")
    e.add_argument("--check-keras", action="store_true",
                   help="compare with Keras loading the .keras file (needs keras)")
    e.add_argument("--data-dir", default="-", help="MNIST data directory (default: jeras')")
    e.add_argument("--tolerance", type=float, default=1e-4)
    t = sub.add_parser("time", help="time an .onnx file as bench_inference.py times TensorFlow")
    t.add_argument("onnx")
    t.add_argument("calls", nargs="?", type=int, default=2000)
    t.add_argument("data_dir", nargs="?", default="-")
    t.add_argument("passes", nargs="?", type=int, default=5)
    t.add_argument("--threads", type=int, default=None,
                   help="intra-op threads (default: os.cpu_count())")
    args = ap.parse_args()
    if args.cmd == "export":
        export(args)
    else:
        time_it(args)


if __name__ == "__main__":
    main()
