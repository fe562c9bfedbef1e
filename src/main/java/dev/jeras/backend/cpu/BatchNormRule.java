package dev.jeras.backend.cpu;

import dev.jeras.backend.KernelSite;
import java.util.List;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.NodeDef;

/**
 * A batch normalization of images ({@code FusedBatchNormV3}, float, NHWC, rank 4) on oneDNN's
 * kernel ({@code onednn}): the same op, inputs, outputs and attributes under oneDNN's name and
 * kernel label; in training with oneDNN's gradient. An inference-mode normalization inside a
 * training pass (a frozen layer) is left to TensorFlow, whose gradient covers it.
 */
final class BatchNormRule extends Rule<BatchNormRule.BatchNorm> {
  /** A normalization, its input's (h, w, c) and its mode. */
  record BatchNorm(NodeDef node, long[] shape, boolean training) implements Rule.Match {
    @Override
    public KernelSite site() {
      return training ? KernelSite.TRAIN_BATCH_NORM : KernelSite.BATCH_NORM;
    }

    @Override
    public String key() {
      return "x=" + shape[0] + "x" + shape[1] + "x" + shape[2];
    }

    @Override
    public List<NodeDef> nodes() {
      return List.of(node);
    }
  }

  @Override
  BatchNorm match(NodeGraph g, NodeDef n) {
    AttrValue training = n.getAttrOrDefault("is_training", null);
    AttrValue u = n.getAttrOrDefault("U", null);
    if (!n.getOp().equals("FusedBatchNormV3")
        || training == null
        || !Nodes.floatNhwc(n)
        || (u != null && u.getType() != DataType.DT_FLOAT)
        || training.getB() != g.differentiated(n)) {
      return null;
    }
    Shape x = g.shape(n.getInput(0));
    if (x.numDimensions() != 4 || x.get(1) < 1 || x.get(2) < 1 || x.get(3) < 1) {
      return null;
    }
    return new BatchNorm(n, new long[] {x.get(1), x.get(2), x.get(3)}, training.getB());
  }

  @Override
  List<String> candidates(BatchNorm m, CpuEnvironment env) {
    return (m.training() ? env.oneDnnTraining() : env.oneDnn())
        ? List.of("tensorflow", "onednn")
        : List.of("tensorflow");
  }

  @Override
  Replacement replace(NodeGraph g, BatchNorm m, String kernel, CpuEnvironment env) {
    NodeDef n = m.node();
    return new Replacement(
        List.of(n.getName()), List.of(OneDnnKernels.retype(n, "_MklNative" + n.getOp()).build()));
  }

  @Override
  Sample sample(BatchNorm m, int batch) {
    float eps = m.node().getAttrOrThrow("epsilon").getF();
    return Samples.batchNorm(m.shape(), eps, m.training(), batch);
  }
}
