package dev.jeras.backend.cpu;

import dev.jeras.backend.KernelSite;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.proto.NodeDef;

/**
 * Convolution + bias [+ ReLU] + max pool as jeras' one native kernel, which never writes the
 * full-size convolution output ({@link NativeKernels}): where the convolution has stride 1 (and,
 * when training, a short patch), and the pool's windows do not overlap. In training graphs the
 * kernel's form records each maximum's position for its own gradient. Candidates: {@code split}
 * (leave the ops, for the other rules), {@code native} and, on AVX-512 CPUs, {@code native_avx2}.
 */
final class ConvPoolRule extends Rule<ConvPoolRule.ConvPool> {
  /** A chain with a bias, the pool after it, and whether it is differentiated. */
  record ConvPool(ConvChain chain, MaxPoolMatch pool, boolean training) implements Rule.Match {
    @Override
    public KernelSite site() {
      return training ? KernelSite.TRAIN_CONV_POOL : KernelSite.CONV_POOL;
    }

    @Override
    public String key() {
      return chain.key() + " " + pool.key();
    }

    @Override
    public List<NodeDef> nodes() {
      List<NodeDef> l = new ArrayList<>(chain.nodes());
      l.add(pool.node());
      return l;
    }
  }

  @Override
  ConvPool match(NodeGraph g, NodeDef anchor) {
    ConvChain c = ConvChain.match(g, anchor);
    if (c == null || c.bias() == null || !Nodes.ones(c.strides())) {
      return null;
    }
    NodeDef next = g.soleConsumer(c.last());
    if (next == null || !Nodes.nodeName(next.getInput(0)).equals(c.last().getName())) {
      return null;
    }
    MaxPoolMatch pool = MaxPoolMatch.match(g, next);
    return pool == null ? null : new ConvPool(c, pool, g.differentiated(anchor));
  }

  @Override
  List<String> candidates(ConvPool m, CpuEnvironment env) {
    ConvGradients.Geometry geo = m.chain().geometry();
    long[] k = m.pool().ksize();
    long[] s = m.pool().strides();
    boolean fits =
        NativeKernels.convolutionFits(geo.kh(), geo.kw(), geo.c(), geo.f(), m.training())
            && NativeKernels.poolFits(k[0], k[1], s[0], s[1], m.pool().padding())
            && (m.training()
                ? env.nativeTraining() && k[0] * k[1] <= NativeKernels.MAX_TRAINING_WINDOW
                : env.nativeRuns());
    if (!fits) {
      return List.of("split");
    }
    List<String> l = new ArrayList<>(List.of("split"));
    l.addAll(NativeKernels.candidates(env));
    return l;
  }

  @Override
  Replacement replace(NodeGraph g, ConvPool m, String kernel, CpuEnvironment env) {
    ConvChain c = m.chain();
    NodeDef pool = m.pool().node();
    List<String> removed = new ArrayList<>(c.names());
    removed.add(pool.getName());
    return new Replacement(
        removed,
        NativeKernels.replacement(
            c,
            pool.getName(),
            kernel,
            m.training(),
            m.pool().ksize(),
            m.pool().strides(),
            m.pool().padding().equals("SAME"),
            m.pool().pooled(),
            env,
            pool));
  }

  @Override
  Sample sample(ConvPool m, int batch) {
    return Samples.conv(m.chain(), m.pool(), batch);
  }
}
