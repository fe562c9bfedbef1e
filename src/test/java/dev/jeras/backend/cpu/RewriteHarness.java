package dev.jeras.backend.cpu;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;

import dev.jeras.backend.Backend;
import dev.jeras.backend.EngineOptions;
import dev.jeras.backend.KernelPolicy;
import dev.jeras.backend.KernelSite;
import dev.jeras.backend.NativeIsa;
import dev.jeras.backend.RewriteResult;
import dev.jeras.internal.Tensors;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;
import org.tensorflow.types.TFloat32;

/**
 * Runs a small graph of TensorFlow's standard ops twice: as built, and as the CPU engine prepares
 * it with one kernel pinned; returns both outputs and, for training graphs, both gradients of
 * {@code sum(out * dy)} with respect to the differentiable inputs (dy fixed and random).
 */
final class RewriteHarness {
  private RewriteHarness() {}

  /** Builds the graph's output from its named inputs. */
  interface Build {
    Operand<TFloat32> apply(Ops tf, Map<String, Operand<TFloat32>> in);
  }

  /**
   * A fed input.
   *
   * @param name its placeholder's name
   * @param shape its full shape
   * @param values its values
   * @param differentiable whether the gradient with respect to it is compared
   */
  record Input(String name, long[] shape, float[] values, boolean differentiable) {}

  /**
   * Both runs.
   *
   * @param rewrite what the CPU engine changed
   * @param yRef the standard graph's output
   * @param y the prepared graph's output
   * @param gRef the standard graph's gradients, one per differentiable input
   * @param g the prepared graph's gradients
   */
  record Run(RewriteResult rewrite, float[] yRef, float[] y, List<float[]> gRef, List<float[]> g) {
    long count(KernelSite site, String kernel) {
      return rewrite.count(site, kernel);
    }
  }

  /** Options that keep TensorFlow's ops everywhere but the pinned site, no cache file. */
  static EngineOptions pinned(KernelSite site, String kernel, NativeIsa isa) {
    return EngineOptions.builtIn()
        .withKernels(KernelPolicy.TENSORFLOW)
        .withKernelCache(null)
        .withNativeIsa(isa)
        .withKernel(site, kernel);
  }

  static float[] gaussian(Random rng, int n) {
    float[] v = new float[n];
    for (int i = 0; i < n; i++) {
      v[i] = (float) rng.nextGaussian();
    }
    return v;
  }

  static Input input(String name, Random rng, boolean differentiable, long... shape) {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return new Input(name, shape, gaussian(rng, (int) n), differentiable);
  }

  static Run run(List<Input> inputs, Build build, boolean training, EngineOptions options) {
    GraphDef def;
    Set<String> all = new HashSet<>();
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Map<String, Operand<TFloat32>> in = new LinkedHashMap<>();
      for (Input i : inputs) {
        in.put(
            i.name(),
            tf.withName(i.name())
                .placeholder(TFloat32.class, Placeholder.shape(Shape.of(i.shape()))));
      }
      tf.withName("out").identity(build.apply(tf, in));
      def = g.toGraphDef();
      for (NodeDef n : def.getNodeList()) {
        all.add(n.getName());
      }
    }
    Set<String> fetched = new HashSet<>();
    inputs.forEach(i -> fetched.add(i.name()));
    fetched.add("out");
    RewriteResult r =
        new CpuBackend(options)
            .prepare(new Backend.GraphPlan(def, fetched, training ? all : Set.of(), 0));
    Outputs ref = evaluate(def, inputs, training, null);
    Outputs got = evaluate(r.graph(), inputs, training, ref.shape);
    assertArrayEquals(ref.shape, got.shape, "output shape");
    return new Run(r, ref.y, got.y, ref.g, got.g);
  }

  private record Outputs(long[] shape, float[] y, List<float[]> g) {}

  /** Runs a graph; {@code dyShape} is the output's shape where the graph's static one is not. */
  private static Outputs evaluate(
      GraphDef def, List<Input> inputs, boolean training, long[] dyShape) {
    List<Tensor> feeds = new ArrayList<>();
    try (Graph g = new Graph()) {
      g.importGraphDef(def);
      Ops tf = Ops.create(g);
      Output<?> out = g.operation("out").output(0);
      long[] shape = dyShape != null ? dyShape : out.shape().asArray();
      List<Output<?>> fetch = new ArrayList<>(List.of(out));
      Placeholder<TFloat32> dy = null;
      if (training) {
        dy = tf.withName("dy").placeholder(TFloat32.class, Placeholder.shape(Shape.of(shape)));
        List<Output<?>> wrt = new ArrayList<>();
        for (Input i : inputs) {
          if (i.differentiable()) {
            wrt.add(g.operation(i.name()).output(0));
          }
        }
        fetch.addAll(
            List.of(
                g.addGradients(
                    "grad",
                    new Output<?>[] {out},
                    wrt.toArray(Output<?>[]::new),
                    new Output<?>[] {dy.asOutput()})));
      }
      try (Session s = new Session(g)) {
        Session.Runner r = s.runner();
        for (Input i : inputs) {
          Tensor t = Tensors.floats(i.values(), 0, i.shape());
          feeds.add(t);
          r.feed(i.name(), t);
        }
        if (dy != null) {
          long n = 1;
          for (long d : shape) {
            n *= d;
          }
          Tensor t = Tensors.floats(gaussian(new Random(99), (int) n), 0, shape);
          feeds.add(t);
          r.feed(dy, (TFloat32) t);
        }
        fetch.forEach(r::fetch);
        try (Result res = r.run()) {
          List<float[]> grads = new ArrayList<>();
          for (int k = 1; k < fetch.size(); k++) {
            grads.add(Tensors.toFloats(res.get(k)));
          }
          return new Outputs(res.get(0).shape().asArray(), Tensors.toFloats(res.get(0)), grads);
        }
      }
    } finally {
      feeds.forEach(Tensor::close);
    }
  }
}
