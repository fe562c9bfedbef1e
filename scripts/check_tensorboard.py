#!/usr/bin/env python3
"""Reads a TensorBoard log directory and prints, per run, each scalar tag with its steps and values,
and whether a graph is present. Exits 1 when no scalar is found (2 on a bad argument).

Used to prove that jeras' TensorBoard callback (dev.jeras.training.callbacks.TensorBoard) writes
files TensorBoard reads. It reads with TensorBoard's own EventAccumulator when the `tensorboard`
package is importable, else with TensorFlow (tf.compat.v1.train.summary_iterator). Scalars may be
TF1-style `simple_value`s (what jeras writes) or TF2 tensors with the "scalars" plugin (what Keras
writes), so the same script reads a Keras log directory for comparison.

    /work/pyref/bin/python scripts/check_tensorboard.py /tmp/logs            # EventAccumulator
    /work/pyref/bin/python scripts/check_tensorboard.py --reader tf /tmp/logs
"""

import argparse
import glob
import os
import sys

EVENT_GLOB = "*tfevents*"


def run_dirs(logdir):
    """Every directory under logdir (itself included) that holds event files, as (run name, path)."""
    runs = []
    for root, _dirs, files in os.walk(logdir):
        if any("tfevents" in f for f in files):
            name = os.path.relpath(root, logdir)
            runs.append(("." if name == "." else name, root))
    return sorted(runs)


def read_with_tensorboard(path):
    from tensorboard.backend.event_processing import event_accumulator as ea
    from tensorboard.util import tensor_util

    acc = ea.EventAccumulator(path, size_guidance={ea.SCALARS: 0, ea.TENSORS: 0, ea.GRAPH: 1})
    acc.Reload()
    tags = acc.Tags()
    scalars = {}
    for tag in tags.get(ea.SCALARS, []):
        scalars[tag] = [(e.step, float(e.value)) for e in acc.Scalars(tag)]
    for tag in tags.get(ea.TENSORS, []):  # TF2 summaries (Keras' tf.summary.scalar)
        if acc.SummaryMetadata(tag).plugin_data.plugin_name == "scalars":
            scalars[tag] = [
                (e.step, float(tensor_util.make_ndarray(e.tensor_proto))) for e in acc.Tensors(tag)
            ]
    graph = bool(tags.get(ea.GRAPH))
    nodes = len(acc.Graph().node) if graph else 0
    return scalars, graph, nodes, "tensorboard %s EventAccumulator" % _tb_version()


def _tb_version():
    try:
        from tensorboard import version

        return version.VERSION
    except Exception:  # noqa: BLE001 - only for the label
        return "?"


def read_with_tensorflow(path):
    import tensorflow as tf

    scalars, graph, nodes = {}, False, 0
    for f in sorted(glob.glob(os.path.join(path, EVENT_GLOB))):
        for event in tf.compat.v1.train.summary_iterator(f):
            if event.graph_def:
                graph = True
                g = tf.compat.v1.GraphDef()
                g.ParseFromString(event.graph_def)
                nodes = len(g.node)
            for v in event.summary.value:
                kind = v.WhichOneof("value")
                if kind == "simple_value":
                    value = float(v.simple_value)
                elif kind == "tensor" and v.metadata.plugin_data.plugin_name == "scalars":
                    value = float(tf.make_ndarray(v.tensor))
                else:
                    continue
                scalars.setdefault(v.tag, []).append((event.step, value))
    return scalars, graph, nodes, "tensorflow %s summary_iterator" % tf.__version__


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("logdir", help="the log directory (holding train/ and validation/)")
    p.add_argument(
        "--reader",
        choices=["auto", "tensorboard", "tf"],
        default="auto",
        help="auto: tensorboard's EventAccumulator when importable, else TensorFlow",
    )
    args = p.parse_args()
    if not os.path.isdir(args.logdir):
        print("not a directory: %s" % args.logdir, file=sys.stderr)
        return 2

    reader = read_with_tensorflow
    if args.reader in ("auto", "tensorboard"):
        try:
            import tensorboard.backend.event_processing.event_accumulator  # noqa: F401

            reader = read_with_tensorboard
        except ImportError:
            if args.reader == "tensorboard":
                print("the tensorboard package is not installed", file=sys.stderr)
                return 2

    runs = run_dirs(args.logdir)
    if not runs:
        print("no event files under %s" % args.logdir, file=sys.stderr)
        return 1
    total = 0
    for name, path in runs:
        scalars, graph, nodes, label = reader(path)
        files = sorted(os.path.basename(f) for f in glob.glob(os.path.join(path, EVENT_GLOB)))
        print("run %s (%s; read with %s)" % (name, ", ".join(files), label))
        print("  graph: %s" % ("present, %d nodes" % nodes if graph else "absent"))
        for tag in sorted(scalars):
            points = sorted(scalars[tag])
            steps = [s for s, _ in points]
            values = ", ".join("%.6g" % v for _, v in points)
            print("  %-24s steps %s values [%s]" % (tag, steps, values))
            total += len(points)
        if not scalars:
            print("  (no scalars)")
    if total == 0:
        print("no scalars found under %s" % args.logdir, file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
