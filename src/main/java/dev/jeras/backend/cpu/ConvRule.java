package dev.jeras.backend.cpu;

import dev.jeras.backend.KernelSite;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.NodeDef;

/**
 * A convolution + bias [+ ReLU] as one fused node: oneDNN's ({@code onednn}, with oneDNN's backprop
 * kernels in training), or, in training, TensorFlow's fused kernel differentiated by jeras' own
 * gradient forms ({@code own}; a bias-free convolution becomes TensorFlow's generic {@code Conv}
 * for the same gradient); jeras' native kernel ({@code native}, {@code native_avx2}: its
 * convolution + max pool op with a 1x1 pool, whose training form records the ReLU's mask for its
 * gradients). {@code tensorflow} leaves the ops.
 */
final class ConvRule extends Rule<ConvRule.Conv> {
  /** A chain and whether it is differentiated. */
  record Conv(ConvChain chain, boolean training) implements Rule.Match {
    @Override
    public KernelSite site() {
      return training ? KernelSite.TRAIN_CONV : KernelSite.CONV;
    }

    @Override
    public String key() {
      return chain.key();
    }

    @Override
    public List<NodeDef> nodes() {
      return chain.nodes();
    }
  }

  @Override
  Conv match(NodeGraph g, NodeDef anchor) {
    ConvChain c = ConvChain.match(g, anchor);
    return c == null ? null : new Conv(c, g.differentiated(anchor));
  }

  @Override
  List<String> candidates(Conv m, CpuEnvironment env) {
    List<String> l = new ArrayList<>(List.of("tensorflow"));
    boolean bias = m.chain().bias() != null;
    if (bias && (m.training() ? env.oneDnnTraining() : env.oneDnn())) {
      l.add("onednn");
    }
    if (m.training() && env.ownConv()) {
      l.add("own");
    }
    ConvGradients.Geometry geo = m.chain().geometry();
    if (bias
        && (m.training() ? env.nativeTraining() : env.nativeRuns())
        && Nodes.ones(m.chain().strides())
        && geo.known()
        && NativeKernels.convolutionFits(geo.kh(), geo.kw(), geo.c(), geo.f(), m.training())) {
      l.addAll(NativeKernels.candidates(env)); // its convolution + pool op with no pool
    }
    return l;
  }

  @Override
  Replacement replace(NodeGraph g, Conv m, String kernel, CpuEnvironment env) {
    ConvChain c = m.chain();
    NodeDef conv = c.conv();
    if (c.bias() == null) { // "own" only: TensorFlow's generic Conv, differentiated by jeras
      NodeDef.Builder b =
          NodeDef.newBuilder()
              .setName(conv.getName())
              .setOp("Conv")
              .addAllInput(conv.getInputList())
              .putAttr("T", Nodes.floatType())
              .putAttr("strides", conv.getAttrOrThrow("strides"))
              .putAttr("padding", conv.getAttrOrThrow("padding"))
              .putAttr("data_format", Nodes.string("CHANNELS_LAST"))
              .putAttr("dilations", Nodes.ints(1, 1, 1, 1))
              .putAttr("batch_dims", AttrValue.newBuilder().setI(1).build())
              .putAttr("groups", AttrValue.newBuilder().setI(1).build())
              .putAttr(ConvGradients.GEOMETRY, Nodes.ints(c.geometry().toArray()));
      return new Replacement(List.of(conv.getName()), List.of(b.build()));
    }
    if (kernel.startsWith("native")) {
      ConvGradients.Geometry geo = c.geometry();
      boolean same = c.padding().equals("SAME");
      long[] out = {
        same ? geo.h() : geo.h() - geo.kh() + 1, same ? geo.w() : geo.w() - geo.kw() + 1
      };
      long[] one = {1, 1};
      return new Replacement(
          c.names(),
          NativeKernels.replacement(
              c, c.last().getName(), kernel, m.training(), one, one, false, out, env));
    }
    boolean oneDnn = kernel.equals("onednn");
    NodeDef.Builder b =
        NodeDef.newBuilder()
            .setName(c.last().getName())
            .setOp(oneDnn ? "_MklNativeFusedConv2D" : "_FusedConv2D")
            .addInput(conv.getInput(0))
            .addInput(conv.getInput(1))
            .addInput(c.bias().getInput(1))
            .putAttr("T", Nodes.floatType())
            .putAttr(
                "TArgs",
                AttrValue.newBuilder()
                    .setList(AttrValue.ListValue.newBuilder().addType(DataType.DT_FLOAT))
                    .build())
            .putAttr("num_args", AttrValue.newBuilder().setI(1).build())
            .putAttr("strides", conv.getAttrOrThrow("strides"))
            .putAttr("padding", conv.getAttrOrThrow("padding"))
            .putAttr("data_format", Nodes.string("NHWC"))
            .putAttr("dilations", Nodes.ints(1, 1, 1, 1))
            .putAttr(
                "fused_ops",
                c.relu() != null ? Nodes.strings("BiasAdd", "Relu") : Nodes.strings("BiasAdd"))
            .putAttr(ConvGradients.GEOMETRY, Nodes.ints(c.geometry().toArray()));
    if (oneDnn) {
      b.putAttr("_kernel", Nodes.string(OneDnnKernels.LABEL));
    }
    c.controlInputs().forEach(b::addInput);
    return new Replacement(c.names(), List.of(b.build()));
  }

  @Override
  Sample sample(Conv m, int batch) {
    return Samples.conv(m.chain(), null, batch);
  }
}
