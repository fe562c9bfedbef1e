package dev.jeras.backend.cpu;

import dev.jeras.backend.KernelSite;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.NodeDef;

/**
 * A training graph's max pool with a faster gradient: oneDNN's pool, which keeps each maximum's
 * position for oneDNN's gradient ({@code onednn}), or, where the windows tile the input, jeras'
 * whole-tensor gradient ({@code own}, {@link PoolGradients}). {@code tensorflow} leaves
 * TensorFlow's {@code MaxPoolGrad}. Inference pools are left alone.
 */
final class MaxPoolRule extends Rule<MaxPoolRule.Pool> {
  /** A differentiated pool. */
  record Pool(MaxPoolMatch pool) implements Rule.Match {
    @Override
    public KernelSite site() {
      return KernelSite.TRAIN_POOL;
    }

    @Override
    public String key() {
      return "x=" + pool.h() + "x" + pool.w() + "x" + pool.c() + " " + pool.key();
    }

    @Override
    public List<NodeDef> nodes() {
      return List.of(pool.node());
    }
  }

  @Override
  Pool match(NodeGraph g, NodeDef anchor) {
    if (!g.differentiated(anchor)) {
      return null;
    }
    MaxPoolMatch p = MaxPoolMatch.match(g, anchor);
    return p == null ? null : new Pool(p);
  }

  @Override
  List<String> candidates(Pool m, CpuEnvironment env) {
    List<String> l = new ArrayList<>(List.of("tensorflow"));
    if (env.oneDnnTraining()) {
      l.add("onednn");
    }
    MaxPoolMatch p = m.pool();
    if (env.ownPool()
        && PoolGradients.fits(p.h(), p.w(), p.c(), p.ksize(), p.strides(), p.padding())) {
      l.add("own");
    }
    return l;
  }

  @Override
  Replacement replace(NodeGraph g, Pool m, String kernel, CpuEnvironment env) {
    MaxPoolMatch p = m.pool();
    NodeDef pool = p.node();
    String name = pool.getName();
    String x = pool.getInput(0);
    List<String> control = Nodes.controlInputs(pool);
    if (kernel.equals("onednn")) {
      return new Replacement(List.of(name), List.of(oneDnn(p)));
    }
    // own: IdentityN(MaxPool(StopGradient(x)), x), the gradient registered for IdentityN
    NodeDef stop =
        NodeDef.newBuilder()
            .setName(name + "/stop")
            .setOp("StopGradient")
            .addInput(x)
            .putAttr("T", Nodes.floatType())
            .build();
    NodeDef.Builder inner =
        NodeDef.newBuilder()
            .setName(name + "/inner")
            .setOp("MaxPool")
            .addInput(stop.getName())
            .putAttr("T", Nodes.floatType())
            .putAttr("ksize", Nodes.ints(p.ksize4()))
            .putAttr("strides", Nodes.ints(p.strides4()))
            .putAttr("padding", Nodes.string(p.padding()))
            .putAttr("data_format", Nodes.string("NHWC"));
    control.forEach(inner::addInput);
    NodeDef carrier =
        NodeDef.newBuilder()
            .setName(name)
            .setOp("IdentityN")
            .addInput(inner.getName())
            .addInput(x)
            .putAttr(
                "T",
                AttrValue.newBuilder()
                    .setList(
                        AttrValue.ListValue.newBuilder()
                            .addType(DataType.DT_FLOAT)
                            .addType(DataType.DT_FLOAT))
                    .build())
            .putAttr(
                PoolGradients.GEOMETRY, Nodes.ints(p.h(), p.w(), p.c(), p.ksize()[0], p.ksize()[1]))
            .build();
    return new Replacement(List.of(name), List.of(stop, inner.build(), carrier));
  }

  /** The pool on oneDNN's kernel, keeping its name and control inputs. */
  static NodeDef oneDnn(MaxPoolMatch p) {
    NodeDef pool = p.node();
    NodeDef.Builder b =
        OneDnnKernels.maxPool(
            pool.getName(), pool.getInput(0), p.ksize4(), p.strides4(), p.padding())
            .toBuilder();
    b.addAllInput(Nodes.controlInputs(pool));
    return b.build();
  }

  @Override
  Sample sample(Pool m, int batch) {
    return Samples.maxPool(m.pool(), batch);
  }
}
