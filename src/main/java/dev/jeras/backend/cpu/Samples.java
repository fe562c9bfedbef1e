package dev.jeras.backend.cpu;

import dev.jeras.backend.StandardBackend;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.types.TFloat32;

/** Standalone graphs of one match, built as the layers build them, for timing kernels. */
final class Samples {
  private static final StandardBackend STANDARD = StandardBackend.INSTANCE;

  private Samples() {}

  /**
   * A convolution chain, optionally followed by a max pool.
   *
   * @param c the chain
   * @param pool the pool after it, or null
   * @param batch the batch size
   * @return the sample
   */
  static Rule.Sample conv(ConvChain c, MaxPoolMatch pool, int batch) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      ConvGradients.Geometry geo = c.geometry();
      Map<String, long[]> feeds = new LinkedHashMap<>();
      Operand<TFloat32> x = feed(tf, feeds, "x", batch, geo.h(), geo.w(), geo.c());
      Operand<TFloat32> k = feed(tf, feeds, "kernel", geo.kh(), geo.kw(), geo.c(), geo.f());
      Operand<TFloat32> y =
          STANDARD.conv2d(
              tf,
              x,
              k,
              new int[] {(int) (long) c.strides().get(1), (int) (long) c.strides().get(2)},
              c.padding(),
              new int[] {1, 1});
      List<String> wrt = new ArrayList<>(List.of("kernel"));
      if (c.bias() != null) {
        y = STANDARD.biasAdd(tf, y, feed(tf, feeds, "bias", geo.f()));
        wrt.add("bias");
      }
      if (c.relu() != null) {
        y = STANDARD.relu(tf, y);
      }
      if (pool != null) {
        y =
            STANDARD.maxPool(
                tf,
                y,
                new int[] {(int) pool.ksize()[0], (int) pool.ksize()[1]},
                new int[] {(int) pool.strides()[0], (int) pool.strides()[1]},
                pool.padding());
      }
      if (!c.inputIsFed()) {
        wrt.add("x");
      }
      return new Rule.Sample(g.toGraphDef(), feeds, y.op().name(), wrt);
    }
  }

  /**
   * A max pool alone.
   *
   * @param p the pool
   * @param batch the batch size
   * @return the sample
   */
  static Rule.Sample maxPool(MaxPoolMatch p, int batch) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Map<String, long[]> feeds = new LinkedHashMap<>();
      Operand<TFloat32> x = feed(tf, feeds, "x", batch, p.h(), p.w(), p.c());
      Operand<TFloat32> y =
          STANDARD.maxPool(
              tf,
              x,
              new int[] {(int) p.ksize()[0], (int) p.ksize()[1]},
              new int[] {(int) p.strides()[0], (int) p.strides()[1]},
              p.padding());
      return new Rule.Sample(g.toGraphDef(), feeds, y.op().name(), List.of("x"));
    }
  }

  /**
   * A batch normalization of images.
   *
   * @param shape (h, w, c)
   * @param epsilon its epsilon
   * @param training whether it uses the batch's statistics (and is differentiated)
   * @param batch the batch size
   * @return the sample
   */
  static Rule.Sample batchNorm(long[] shape, float epsilon, boolean training, int batch) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Map<String, long[]> feeds = new LinkedHashMap<>();
      Operand<TFloat32> x = feed(tf, feeds, "x", batch, shape[0], shape[1], shape[2]);
      Operand<TFloat32> gamma = feed(tf, feeds, "gamma", shape[2]);
      Operand<TFloat32> beta = feed(tf, feeds, "beta", shape[2]);
      Operand<TFloat32> mean =
          training ? tf.constant(new float[0]) : feed(tf, feeds, "mean", shape[2]);
      Operand<TFloat32> var =
          training ? tf.constant(new float[0]) : feed(tf, feeds, "variance", shape[2]);
      Operand<TFloat32> y =
          tf.nn
              .fusedBatchNorm(
                  x,
                  gamma,
                  beta,
                  mean,
                  var,
                  FusedBatchNorm.epsilon(epsilon),
                  FusedBatchNorm.dataFormat("NHWC"),
                  FusedBatchNorm.isTraining(training))
              .y();
      return new Rule.Sample(g.toGraphDef(), feeds, y.op().name(), List.of("x", "gamma", "beta"));
    }
  }

  /**
   * A training batch normalization of images and the max pool after it.
   *
   * @param m the match
   * @param batch the batch size
   * @return the sample
   */
  static Rule.Sample batchNormPool(BatchNormPoolRule.BatchNormPool m, int batch) {
    MaxPoolMatch p = m.pool();
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Map<String, long[]> feeds = new LinkedHashMap<>();
      Operand<TFloat32> x = feed(tf, feeds, "x", batch, p.h(), p.w(), p.c());
      Operand<TFloat32> y =
          STANDARD
              .batchNorm(
                  tf,
                  x,
                  feed(tf, feeds, "gamma", p.c()),
                  feed(tf, feeds, "beta", p.c()),
                  null,
                  null,
                  m.bn().getAttrOrThrow("epsilon").getF(),
                  true)
              .y();
      Operand<TFloat32> pooled =
          STANDARD.maxPool(
              tf,
              y,
              new int[] {(int) p.ksize()[0], (int) p.ksize()[1]},
              new int[] {(int) p.strides()[0], (int) p.strides()[1]},
              p.padding());
      return new Rule.Sample(
          g.toGraphDef(), feeds, pooled.op().name(), List.of("x", "gamma", "beta"));
    }
  }

  /**
   * A training dense layer's matrix product.
   *
   * @param k input features
   * @param n output features
   * @param batch the batch size
   * @return the sample
   */
  static Rule.Sample dense(long k, long n, int batch) {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Map<String, long[]> feeds = new LinkedHashMap<>();
      Operand<TFloat32> y =
          STANDARD.matmul(tf, feed(tf, feeds, "x", batch, k), feed(tf, feeds, "w", k, n));
      return new Rule.Sample(g.toGraphDef(), feeds, y.op().name(), List.of("x", "w"));
    }
  }

  private static Operand<TFloat32> feed(
      Ops tf, Map<String, long[]> feeds, String name, long... shape) {
    feeds.put(name, shape);
    return tf.withName(name).placeholder(TFloat32.class, Placeholder.shape(Shape.of(shape)));
  }
}
