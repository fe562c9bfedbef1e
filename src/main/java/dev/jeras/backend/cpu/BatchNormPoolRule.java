package dev.jeras.backend.cpu;

import dev.jeras.backend.KernelSite;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.tensorflow.proto.AttrValue;
import org.tensorflow.proto.NodeDef;

/**
 * A training batch normalization of images ({@code FusedBatchNormV3}) whose output only a max pool
 * reads (VGG-style blocks: convolution, normalization, pool). {@code native} is jeras' one-pass
 * kernel ({@link NativeKernels#BATCH_NORM_POOL}): it pools the normalized values as it computes
 * them, and its gradient reads only the pooled gradient and x, so neither the full-size normalized
 * tensor nor its gradient is written. {@code onednn} runs both ops on oneDNN's kernels (what the
 * single-op rules would pick); {@code tensorflow} leaves them, for those rules.
 */
final class BatchNormPoolRule extends Rule<BatchNormPoolRule.BatchNormPool> {
  /** A training normalization and the pool reading it. */
  record BatchNormPool(NodeDef bn, MaxPoolMatch pool) implements Rule.Match {
    @Override
    public KernelSite site() {
      return KernelSite.TRAIN_BATCH_NORM_POOL;
    }

    @Override
    public String key() {
      return "x=" + pool.h() + "x" + pool.w() + "x" + pool.c() + " " + pool.key();
    }

    @Override
    public List<NodeDef> nodes() {
      return List.of(bn, pool.node());
    }
  }

  @Override
  BatchNormPool match(NodeGraph g, NodeDef n) {
    AttrValue training = BatchNormRule.mode(n);
    if (training == null || !training.getB() || !g.differentiated(n)) {
      return null;
    }
    NodeDef next = g.soleConsumerOfFirst(n);
    if (next == null
        || !g.differentiated(next)
        || !Nodes.nodeName(next.getInput(0)).equals(n.getName())
        || Nodes.outputIndex(next.getInput(0)) != 0) {
      return null;
    }
    MaxPoolMatch pool = MaxPoolMatch.match(g, next);
    return pool == null ? null : new BatchNormPool(n, pool);
  }

  @Override
  List<String> candidates(BatchNormPool m, CpuEnvironment env) {
    List<String> l = new ArrayList<>(List.of("tensorflow"));
    if (env.oneDnnTraining()) {
      l.add("onednn");
    }
    long[] k = m.pool().ksize();
    if (env.nativeTraining() && k[0] * k[1] <= NativeKernels.MAX_TRAINING_WINDOW) {
      l.add("native");
    }
    return l;
  }

  @Override
  Replacement replace(NodeGraph g, BatchNormPool m, String kernel, CpuEnvironment env) {
    NodeDef bn = m.bn();
    MaxPoolMatch p = m.pool();
    NodeDef pool = p.node();
    List<String> removed = List.of(bn.getName(), pool.getName());
    List<String> control =
        Stream.concat(bn.getInputList().stream(), pool.getInputList().stream())
            .filter(i -> i.startsWith("^"))
            .distinct()
            .toList();
    if (kernel.equals("onednn")) { // what the single-op rules make of each
      return new Replacement(removed, List.of(BatchNormRule.oneDnn(bn), MaxPoolRule.oneDnn(p)));
    }
    // the fused op keeps the normalization's name: its outputs 1 and 2 are the batch statistics
    NodeDef.Builder fused =
        NativeKernels.batchNormPool(bn.getName(), bn, p, env.isa(), env.options().intraOpThreads());
    control.forEach(fused::addInput);
    long[] out = p.pooled();
    List<NodeDef> added = new ArrayList<>(List.of(fused.build()));
    added.addAll(Nodes.reshape(pool.getName(), bn.getName(), -1, out[0], out[1], p.c()));
    return new Replacement(removed, added);
  }

  @Override
  Sample sample(BatchNormPool m, int batch) {
    return Samples.batchNormPool(m, batch);
  }
}
