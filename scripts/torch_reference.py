#!/usr/bin/env python3
"""The benchmark's two models trained by PyTorch (CPU, eager) on the same files jeras reads.

A peer of scripts/keras_reference.py for scripts/bench: the same data (MNIST IDX files, CIFAR-10
binary batches, read by keras_reference's loaders and scaled to [0, 1]), the same architectures
layer for layer (model-defs/mnist-basic.json, model-defs/cifar10-bn.json), the same batch size,
Adam with Keras' defaults (learning rate 1e-3, betas 0.9 / 0.999, epsilon 1e-7), Keras'
initializers (Glorot-uniform kernels, zero biases; BatchNormalization momentum 0.99 and epsilon
1e-3, which PyTorch spells momentum=0.01, eps=1e-3), a fresh shuffle every epoch, the last partial
batch kept, and the same JSON metrics (epoch seconds, first step, test and training accuracy).

Images are NCHW here, PyTorch's layout. Flatten therefore orders the features channel-first where
Keras orders them channel-last: for a model trained from scratch that is only a fixed permutation
of the Dense kernel's input rows, whose Glorot-uniform initial values are independent and
identically distributed, so training is the same. Softmax followed by sparse categorical
cross-entropy is computed as PyTorch does it, cross-entropy on the logits (the same function).

Threads: torch.set_num_threads(--threads, default every CPU the OS reports); the count used is
printed and recorded. Unseeded runs draw a seed from the OS (PyTorch's own default seed is fixed,
so every unseeded run would otherwise start from the same weights), recorded in the metrics.

    python scripts/torch_reference.py --model mnist-basic --epochs 3 --batch-size 64 \
        --data-dir ~/.jeras/datasets --metrics-out torch-mnist.json
"""
import argparse
import json
import os
import random
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import numpy as np  # noqa: E402
from keras_reference import load_cifar, load_idx  # noqa: E402 (numpy only; no TensorFlow)


def build(name):
    from torch import nn

    def conv(cin, cout, padding):
        return nn.Conv2d(cin, cout, 3, padding=padding)

    def bn2d(c):
        return nn.BatchNorm2d(c, eps=1e-3, momentum=0.01)

    if name == "mnist-basic":
        layers = [conv(1, 32, 0), nn.ReLU(), nn.MaxPool2d(2),
                  conv(32, 64, 0), nn.ReLU(), nn.MaxPool2d(2),
                  nn.Flatten(), nn.Linear(5 * 5 * 64, 10)]
    elif name == "cifar10-bn":
        layers = []
        cin = 3
        for filters in (32, 64):
            layers += [conv(cin, filters, 1), nn.ReLU(), bn2d(filters),
                       conv(filters, filters, 1), nn.ReLU(), bn2d(filters),
                       nn.MaxPool2d(2)]
            cin = filters
        layers += [nn.Flatten(), nn.Linear(8 * 8 * 64, 512), nn.ReLU(),
                   nn.BatchNorm1d(512, eps=1e-3, momentum=0.01), nn.Linear(512, 10)]
    else:
        raise SystemExit(f"torch_reference.py: error: unknown model {name}"
                         " (expected mnist-basic or cifar10-bn)")
    model = nn.Sequential(*layers)
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            # Keras' glorot_uniform: fan_in = kh*kw*in, fan_out = kh*kw*out, as xavier_uniform_
            # computes them for PyTorch's (out, in, kh, kw) and (out, in) layouts
            nn.init.xavier_uniform_(m.weight)
            nn.init.zeros_(m.bias)
    return model  # BatchNorm: gamma 1, beta 0, moving mean 0, moving variance 1, as Keras'


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", default="mnist-basic", choices=("mnist-basic", "cifar10-bn"))
    ap.add_argument("--data-dir", default=os.environ.get(
        "JERAS_DATA", os.path.expanduser("~/.jeras/datasets")),
        help="MNIST: <dir>/mnist/ or <dir> with the IDX files; CIFAR-10: <dir> with"
             " cifar-10-batches-bin/ (as keras_reference.py)")
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--limit", type=int, default=None, help="train on the first N samples only")
    ap.add_argument("--test-limit", type=int, default=None,
                    help="evaluate on N evenly spaced test samples only (short checks)")
    ap.add_argument("--threads", type=int, default=None,
                    help="torch.set_num_threads (default: os.cpu_count())")
    ap.add_argument("--channels-last", action="store_true",
                    help="keep images and activations in PyTorch's channels_last memory format"
                         " (default: contiguous NCHW, PyTorch's default)")
    ap.add_argument("--seed", type=int, default=None, help="default: drawn from the OS")
    ap.add_argument("--metrics-out", default=None)
    args = ap.parse_args()

    if args.model == "cifar10-bn":
        (x_train, y_train), (x_test, y_test) = load_cifar(args.data_dir)
    else:
        d = os.path.join(args.data_dir, "mnist")
        d = d if os.path.isdir(d) else args.data_dir
        x_train, y_train = load_idx(d, "train")
        x_test, y_test = load_idx(d, "t10k")
    if args.limit:
        x_train, y_train = x_train[:args.limit], y_train[:args.limit]
    if args.test_limit:  # evenly spaced: a test file may be sorted by class
        pick = np.linspace(0, len(x_test) - 1, min(args.test_limit, len(x_test))).astype(int)
        x_test, y_test = x_test[pick], y_test[pick]

    import torch
    from torch import nn
    threads = args.threads or os.cpu_count()
    torch.set_num_threads(threads)
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(2 ** 31)
    torch.manual_seed(seed)
    print(f"PyTorch {torch.__version__}: {torch.get_num_threads()} intra-op threads"
          f" (os.cpu_count() {os.cpu_count()}), seed {seed}", flush=True)

    # NHWC (as the loaders give it) to NCHW, once
    xt = torch.from_numpy(np.ascontiguousarray(x_train.transpose(0, 3, 1, 2)))
    yt = torch.from_numpy(y_train.astype(np.int64))
    xv = torch.from_numpy(np.ascontiguousarray(x_test.transpose(0, 3, 1, 2)))
    yv = torch.from_numpy(y_test.astype(np.int64))

    model = build(args.model)
    if args.channels_last:
        model = model.to(memory_format=torch.channels_last)
        xt = xt.contiguous(memory_format=torch.channels_last)
        xv = xv.contiguous(memory_format=torch.channels_last)
    opt = torch.optim.Adam(model.parameters(), lr=1e-3, betas=(0.9, 0.999), eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    n = len(xt)
    bs = args.batch_size
    epochs = []
    first_step_unix_ms = None
    start = time.perf_counter()
    for epoch in range(args.epochs):
        t0 = time.perf_counter()
        model.train()
        order = torch.randperm(n)
        loss_sum = torch.zeros((), dtype=torch.float64)
        correct = torch.zeros((), dtype=torch.int64)
        for i in range(0, n, bs):
            idx = order[i:i + bs]
            xb, yb = xt[idx], yt[idx]
            opt.zero_grad(set_to_none=True)
            logits = model(xb)
            loss = loss_fn(logits, yb)
            loss.backward()
            opt.step()
            with torch.no_grad():  # the epoch's running metrics, as Keras' fit reports them
                loss_sum += loss.detach().double() * len(idx)
                correct += (logits.argmax(1) == yb).sum()
            if first_step_unix_ms is None:
                first_step_unix_ms = int(time.time() * 1000)
        seconds = time.perf_counter() - t0
        epochs.append({"epoch": epoch + 1, "loss": float(loss_sum) / n,
                       "accuracy": int(correct) / n, "seconds": seconds})
        print(f"Epoch {epoch + 1}/{args.epochs} - {seconds:.1f}s - loss: {epochs[-1]['loss']:.4f}"
              f" - accuracy: {epochs[-1]['accuracy']:.4f}", flush=True)
    train_seconds = time.perf_counter() - start

    model.eval()
    loss_sum, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(xv), 256):
            logits = model(xv[i:i + 256])
            loss_sum += float(loss_fn(logits, yv[i:i + 256])) * len(logits)
            correct += int((logits.argmax(1) == yv[i:i + 256]).sum())
    loss, acc = loss_sum / len(xv), correct / len(xv)
    print(f"Test loss: {loss:.4f} - test accuracy: {acc:.4f}")
    print(f"Training time: {train_seconds:.1f} s ({train_seconds / args.epochs:.1f} s/epoch)")
    if args.metrics_out:
        out = {
            # as Keras counts them: weights plus BatchNormalization's moving mean and variance
            "params": {"total": sum(p.numel() for p in model.parameters())
                       + sum(b.numel() for name, b in model.named_buffers()
                             if name.endswith(("running_mean", "running_var")))},
            "epochs": epochs,
            "test": {"loss": loss, "accuracy": acc},
            "train_seconds": train_seconds,
            "first_step_unix_ms": first_step_unix_ms,
            "threads": torch.get_num_threads(),
            "memory_format": "channels_last" if args.channels_last else "contiguous",
            "seed": seed,
            "versions": {"torch": torch.__version__, "numpy": np.__version__,
                         "python": sys.version.split()[0]},
        }
        with open(args.metrics_out, "w") as f:
            json.dump(out, f, indent=2)


if __name__ == "__main__":
    main()
