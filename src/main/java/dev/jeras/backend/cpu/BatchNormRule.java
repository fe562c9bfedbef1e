package dev.jeras.backend.cpu;

import dev.jeras.backend.ExportBackend;
import dev.jeras.backend.KernelSite;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.NodeDef;

/**
 * A batch normalization of images ({@code FusedBatchNormV3}, float, NHWC, rank 4) on oneDNN's
 * kernel ({@code onednn}): the same op, inputs, outputs and attributes under oneDNN's name and
 * kernel label; in training with oneDNN's gradient. An inference-mode normalization can also become
 * its affine map in TensorFlow's element-wise ops ({@code affine}: x k + (offset - mean k), k =
 * scale / sqrt(variance + epsilon)): where TensorFlow turns oneDNN on, its inference-mode kernel
 * took 20 ms for CIFAR-10's 64 x 32 x 32 x 32 against 1.1 ms for those ops. That candidate also
 * serves an inference-mode normalization inside a training pass (a frozen layer; TensorFlow's ops
 * carry their own gradients), and is offered only where no convolution feeds the normalization,
 * which TensorFlow's optimizer may fuse with it.
 */
final class BatchNormRule extends Rule<BatchNormRule.BatchNorm> {

  /**
   * A normalization, its input's (h, w, c), its mode, whether it is differentiated, and whether the
   * affine form may replace it (inference mode, no convolution before it, only its output 0 read).
   */
  record BatchNorm(
      NodeDef node, long[] shape, boolean training, boolean differentiated, boolean affineFits)
      implements Rule.Match {
    @Override
    public KernelSite site() {
      return training ? KernelSite.TRAIN_BATCH_NORM : KernelSite.BATCH_NORM;
    }

    @Override
    public String key() {
      return "x="
          + shape[0]
          + "x"
          + shape[1]
          + "x"
          + shape[2]
          + (differentiated && !training ? " frozen" : "");
    }

    @Override
    public List<NodeDef> nodes() {
      return List.of(node);
    }
  }

  /**
   * @return the {@code is_training} attribute of a float NHWC {@code FusedBatchNormV3}, else null
   */
  static AttrValue mode(NodeDef n) {
    AttrValue u = n.getAttrOrDefault("U", null);
    return n.getOp().equals("FusedBatchNormV3")
            && Nodes.floatNhwc(n)
            && (u == null || u.getType() == DataType.DT_FLOAT)
        ? n.getAttrOrDefault("is_training", null)
        : null;
  }

  /** The normalization on oneDNN's kernel: the same op, inputs and attributes. */
  static NodeDef oneDnn(NodeDef n) {
    return OneDnnKernels.retype(n, "_MklNative" + n.getOp()).build();
  }

  @Override
  BatchNorm match(NodeGraph g, NodeDef n) {
    AttrValue training = mode(n);
    if (training == null || (training.getB() && !g.differentiated(n))) {
      return null;
    }
    Shape x = g.shape(n.getInput(0));
    if (x.numDimensions() != 4 || x.get(1) < 1 || x.get(2) < 1 || x.get(3) < 1) {
      return null;
    }
    NodeDef producer = g.producer(n.getInput(0));
    boolean affine =
        !training.getB()
            && g.onlyFirstOutputRead(n)
            && (producer == null || !ExportBackend.CONVOLUTIONS.contains(producer.getOp()));
    return new BatchNorm(
        n, new long[] {x.get(1), x.get(2), x.get(3)}, training.getB(), g.differentiated(n), affine);
  }

  @Override
  List<String> candidates(BatchNorm m, CpuEnvironment env) {
    List<String> l = new ArrayList<>(List.of("tensorflow"));
    if (m.training() ? env.oneDnnTraining() : env.oneDnn() && !m.differentiated()) {
      l.add("onednn");
    }
    if (m.affineFits()) {
      l.add("affine");
    }
    return l;
  }

  @Override
  Replacement replace(NodeGraph g, BatchNorm m, String kernel, CpuEnvironment env) {
    NodeDef n = m.node();
    if (kernel.equals("onednn")) {
      return new Replacement(List.of(n.getName()), List.of(oneDnn(n)));
    }
    // affine: y = x k + (offset - mean k), k = scale rsqrt(variance + epsilon)
    String name = n.getName();
    NodeDef eps = Nodes.floatConstant(name + "/epsilon", n.getAttrOrThrow("epsilon").getF());
    NodeDef varEps = binary(name + "/variance_eps", "AddV2", n.getInput(4), eps.getName());
    NodeDef rsqrt =
        NodeDef.newBuilder()
            .setName(name + "/rsqrt")
            .setOp("Rsqrt")
            .addInput(varEps.getName())
            .putAttr("T", Nodes.floatType())
            .build();
    NodeDef k = binary(name + "/k", "Mul", n.getInput(1), rsqrt.getName());
    NodeDef meanK = binary(name + "/mean_k", "Mul", n.getInput(3), k.getName());
    NodeDef shift = binary(name + "/shift", "Sub", n.getInput(2), meanK.getName());
    NodeDef xk = binary(name + "/x_k", "Mul", n.getInput(0), k.getName());
    NodeDef.Builder y = binary(name, "AddV2", xk.getName(), shift.getName()).toBuilder();
    y.addAllInput(Nodes.controlInputs(n));
    return new Replacement(
        List.of(name), List.of(eps, varEps, rsqrt, k, meanK, shift, xk, y.build()));
  }

  private static NodeDef binary(String name, String op, String a, String b) {
    return NodeDef.newBuilder()
        .setName(name)
        .setOp(op)
        .addInput(a)
        .addInput(b)
        .putAttr("T", Nodes.floatType())
        .build();
  }

  @Override
  Sample sample(BatchNorm m, int batch) {
    float eps = m.node().getAttrOrThrow("epsilon").getF();
    return Samples.batchNorm(m.shape(), eps, m.training(), batch);
  }
}
