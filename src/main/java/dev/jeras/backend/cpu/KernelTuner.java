package dev.jeras.backend.cpu;

import dev.jeras.backend.Backend.GraphPlan;
import dev.jeras.backend.Devices;
import dev.jeras.backend.RewriteResult;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Graph;
import org.tensorflow.Output;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.types.TFloat32;

/**
 * Times a match's candidate kernels on its real shapes: each candidate is the match's standalone
 * graph ({@link Rule#sample}) rewritten by the same rule with that kernel, run forward (inference)
 * or forward and backward (training) in a session configured as the model's. Candidates run in
 * turns (A B C A B C ...) so that the machine's drift falls on all of them; each one's median step
 * time is kept. A candidate that fails to build or run is left out.
 */
final class KernelTuner {
  private static final Logger LOG = LoggerFactory.getLogger(KernelTuner.class);

  /** Untimed turns first (graph optimization, first allocations). */
  static final int WARMUP = 2;

  /** At least this many timed turns. */
  static final int MIN_TURNS = 5;

  /** At most this many timed turns. */
  static final int MAX_TURNS = 25;

  /** After the minimum, turns go on while the candidates took less than this in all. */
  static final long BUDGET_NANOS = 300_000_000L;

  private KernelTuner() {}

  /**
   * @param rule the rule
   * @param m a match
   * @param candidates its candidates
   * @param batch the batch size
   * @param env what this process runs
   * @return each candidate that ran, with its median milliseconds per step
   */
  static <I extends Rule.Match> Map<String, Double> measure(
      Rule<I> rule, I m, List<String> candidates, int batch, CpuEnvironment env) {
    boolean training = m.site().name().startsWith("TRAIN_");
    Rule.Sample sample = rule.sample(m, batch);
    long[] outShape = outputShape(sample);
    List<Timed> timed = new ArrayList<>();
    try {
      for (String c : candidates) {
        try {
          timed.add(
              new Timed(c, rule, sample, outShape, c.equals(candidates.get(0)), training, env));
        } catch (RuntimeException e) {
          LOG.debug("kernel {} for {} {} not timed: {}", c, m.site().id(), m.key(), e.getMessage());
        }
      }
      for (int i = 0; i < WARMUP; i++) {
        turn(timed);
      }
      long spent = 0;
      for (int t = 0; t < MAX_TURNS && (t < MIN_TURNS || spent < BUDGET_NANOS); t++) {
        spent += turn(timed);
      }
      Map<String, Double> out = new LinkedHashMap<>();
      for (Timed t : timed) {
        if (!t.failed && !t.nanos.isEmpty()) {
          out.put(t.kernel, t.median() / 1e6);
        }
      }
      return out;
    } finally {
      timed.forEach(Timed::close);
    }
  }

  /** The sample's output shape as built (a rewrite may leave its batch dimension unknown). */
  private static long[] outputShape(Rule.Sample sample) {
    try (Graph g = new Graph()) {
      g.importGraphDef(sample.graph());
      return g.operation(sample.output()).output(0).shape().asArray();
    }
  }

  private static long turn(List<Timed> timed) {
    long spent = 0;
    for (Timed t : timed) {
      spent += t.runOnce();
    }
    return spent;
  }

  /** One candidate's graph and session, ready to run. */
  private static final class Timed implements AutoCloseable {
    final String kernel;
    final List<Long> nanos = new ArrayList<>();
    boolean failed;
    private final Graph graph = new Graph();
    private Session session;
    private final Map<Output<?>, Tensor> feeds = new LinkedHashMap<>();
    private final List<Output<?>> fetches = new ArrayList<>();

    <I extends Rule.Match> Timed(
        String kernel,
        Rule<I> rule,
        Rule.Sample sample,
        long[] outShape,
        boolean asBuilt,
        boolean training,
        CpuEnvironment env) {
      this.kernel = kernel;
      try {
        graph.importGraphDef(
            asBuilt ? sample.graph() : rewritten(rule, sample, kernel, training, env));
        for (Map.Entry<String, long[]> f : sample.feeds().entrySet()) {
          feeds.put(graph.operation(f.getKey()).output(0), values(f.getValue()));
        }
        Output<?> y = graph.operation(sample.output()).output(0);
        if (training) {
          Shape s = Shape.of(outShape);
          Output<TFloat32> dy =
              Ops.create(graph)
                  .withName("jeras_tune_dy")
                  .placeholder(TFloat32.class, Placeholder.shape(s))
                  .output();
          feeds.put(dy, values(s.asArray()));
          Output<?>[] wrt =
              sample.differentiable().stream()
                  .map(n -> graph.operation(n).output(0))
                  .toArray(Output<?>[]::new);
          fetches.addAll(
              Arrays.asList(
                  graph.addGradients(
                      "jeras_tune", new Output<?>[] {y}, wrt, new Output<?>[] {dy})));
        } else {
          fetches.add(y);
        }
        session = new Session(graph, Devices.configure(env.options()));
      } catch (RuntimeException e) {
        close();
        throw e;
      }
    }

    /** The sample rewritten by its rule with this kernel; fails where the rule did not apply. */
    private static <I extends Rule.Match> org.tensorflow.proto.GraphDef rewritten(
        Rule<I> rule, Rule.Sample sample, String kernel, boolean training, CpuEnvironment env) {
      Set<String> all = new HashSet<>();
      for (NodeDef n : sample.graph().getNodeList()) {
        all.add(n.getName());
      }
      Set<String> fetched = new HashSet<>(sample.feeds().keySet());
      fetched.add(sample.output());
      RewriteResult r =
          GraphRewriter.rewrite(
              new GraphPlan(sample.graph(), fetched, training ? all : Set.of(), 0),
              List.of(rule),
              env,
              new GraphRewriter.Chooser() {
                @Override
                public <J extends Rule.Match> String choose(
                    Rule<J> unused, J match, List<String> candidates, int batch) {
                  return candidates.contains(kernel) ? kernel : candidates.get(0);
                }
              });
      if (r.applied().isEmpty()) {
        throw new IllegalStateException("kernel " + kernel + " does not apply to the sample");
      }
      return r.graph();
    }

    /** Deterministic values in [0.25, 0.75), like activations and small weights. */
    private static Tensor values(long[] shape) {
      long n = 1;
      for (long d : shape) {
        n *= d;
      }
      float[] v = new float[Math.toIntExact(n)];
      for (int i = 0; i < v.length; i++) {
        v[i] = 0.5f + 0.25f * (float) Math.sin(0.37 * i);
      }
      return TFloat32.tensorOf(Shape.of(shape), DataBuffers.of(v, true, false));
    }

    /** Runs one step; returns its nanoseconds (0 once failed). */
    long runOnce() {
      if (failed) {
        return 0;
      }
      Session.Runner r = session.runner();
      feeds.forEach(r::feed);
      fetches.forEach(r::fetch);
      long start = System.nanoTime();
      try {
        r.run().close();
      } catch (RuntimeException e) {
        LOG.debug("kernel {} failed while timed: {}", kernel, e.getMessage());
        failed = true;
        return 0;
      }
      long t = System.nanoTime() - start;
      nanos.add(t);
      return t;
    }

    double median() {
      long[] s = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
      return s.length % 2 == 1 ? s[s.length / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2.0;
    }

    @Override
    public void close() {
      feeds.values().forEach(Tensor::close);
      if (session != null) {
        session.close();
      }
      graph.close();
    }
  }
}
