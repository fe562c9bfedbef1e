#!/usr/bin/env python3
"""Checks that Python Keras reads the optimizer state jeras writes, for every jeras optimizer.

scripts/interop/OptimizerFiles.java (run here with the built jars, target/jeras.jar and
target/lib) trains the training-step reference's untrained model three steps with each optimizer,
saves it as NAME.keras and writes the weights after a fourth step (NAME-after4.npy). This script
loads each file with keras.saving.load_model and checks: the optimizer's class; that Keras took
every optimizer variable from the file (its values equal the file's optimizer/vars datasets, none
left at its initial value); the step count; and that one Keras step on the same batch lands on
jeras' fourth step (root mean square of the difference over that of the move, per weight, at most
5e-3, the tolerance of jeras' parity tests). Exit code 0 when all hold.

    mvn -B -q -o -DskipTests package
    python scripts/check_optimizer_interop.py [--out DIR]       (needs tensorflow, keras, h5py)
"""
import argparse
import io
import os
import subprocess
import sys
import tempfile
import zipfile

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
REF = os.path.join(ROOT, "testdata", "training-step")
TOL = 5e-3


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=None, help="where jeras writes its files (default: a temp dir)")
    args = ap.parse_args()
    out = args.out or tempfile.mkdtemp(prefix="jeras-optimizers-")
    cp = os.pathsep.join([os.path.join(ROOT, "target", "jeras.jar"),
                          os.path.join(ROOT, "target", "lib", "*")])
    r = subprocess.run(["java", "-cp", cp,
                        os.path.join(ROOT, "scripts", "interop", "OptimizerFiles.java"), out, REF],
                       capture_output=True, text=True)
    if r.returncode != 0:
        sys.stderr.write(r.stdout[-5000:] + r.stderr[-5000:])
        raise SystemExit(f"jeras failed ({r.returncode})")

    import h5py
    import numpy as np
    import keras

    x = np.load(os.path.join(REF, "x.npy"))
    y = np.load(os.path.join(REF, "y.npy"))
    names = sorted(f[:-6] for f in os.listdir(out) if f.endswith(".keras"))
    ok = True
    print(f"{'optimizer':18} {'class':9} {'vars':>4} {'step':>4} {'max rms ratio':>14}")
    for name in names:
        path = os.path.join(out, name + ".keras")
        with zipfile.ZipFile(path) as z, h5py.File(io.BytesIO(z.read("model.weights.h5"))) as h5:
            g = h5["optimizer/vars"]
            saved = [np.array(g[str(i)]) for i in range(len(g))]
        model = keras.saving.load_model(path)
        opt = model.optimizer
        loaded = [np.array(v.numpy()) for v in opt.variables]
        same = len(loaded) == len(saved) and all(
            a.shape == b.shape and np.array_equal(a.astype(np.float64), b.astype(np.float64))
            for a, b in zip(loaded, saved))
        steps = int(opt.iterations.numpy())
        before = model.get_weights()
        model.train_on_batch(x[:32], y[:32])
        after = model.get_weights()
        jeras = np.load(os.path.join(out, name + "-after4.npy"))
        worst, offset = 0.0, 0
        for w0, w1 in zip(before, after):
            n = w1.size
            j = jeras[offset:offset + n].reshape(w1.shape)
            offset += n
            move = np.sqrt(np.mean((w1.astype(np.float64) - w0) ** 2))
            if move > 0:
                worst = max(worst, np.sqrt(np.mean((j.astype(np.float64) - w1) ** 2)) / move)
        good = same and steps == 3 and worst <= TOL and offset == jeras.size
        ok &= good
        print(f"{name:18} {type(opt).__name__:9} {len(loaded):4} {steps:4} {worst:14.2e}"
              f"{'' if good else '  FAILED' + ('' if same else ' (variables differ from the file)')}")
    print("all optimizers: Keras loads jeras' state and continues as jeras does" if ok else "FAILED")
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
