package dev.jeras.backend.cpu;

import dev.jeras.backend.Backend;
import dev.jeras.backend.EngineOptions;
import dev.jeras.backend.RewriteResult;
import dev.jeras.backend.StandardBackend;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The tuned CPU engine: graphs are built with TensorFlow's standard ops, as every backend builds
 * them, then {@link #prepare} rewrites them with the kernels this CPU runs fastest: jeras' native
 * fused convolution + max pool, oneDNN's kernels op by op, jeras' own gradients ({@link
 * GraphRewriter}, one rule per pattern), each choice measured on the graph's real shapes the first
 * time and cached per machine ({@link KernelChoice}).
 */
public final class CpuBackend extends StandardBackend {
  private static final Logger LOG = LoggerFactory.getLogger(CpuBackend.class);

  private final EngineOptions options;

  /**
   * @param options the model's options (kernel policy, pinned kernels, native ISA, cache)
   */
  public CpuBackend(EngineOptions options) {
    this.options = options;
  }

  @Override
  public String name() {
    return "cpu";
  }

  @Override
  public RewriteResult prepare(Backend.GraphPlan plan) {
    CpuEnvironment env = CpuEnvironment.of(options, !plan.differentiated().isEmpty());
    RewriteResult r = GraphRewriter.rewrite(plan, GraphRewriter.RULES, env, new KernelChoice(env));
    LOG.debug("CPU engine: {}", r.summary());
    return r;
  }
}
