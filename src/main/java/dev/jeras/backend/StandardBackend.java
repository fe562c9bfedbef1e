package dev.jeras.backend;

import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * TensorFlow's standard ops, as Keras' TensorFlow backend builds them: the reference, what exported
 * graphs and GPUs run, and what the CPU engine starts from before its rewrite. {@link #prepare}
 * leaves the graph as it is.
 */
public class StandardBackend implements Backend {
  /** The one instance (the class has no state). */
  public static final StandardBackend INSTANCE = new StandardBackend();

  /** For subclasses that prepare graphs differently. */
  protected StandardBackend() {}

  @Override
  public String name() {
    return "tensorflow";
  }

  @Override
  public Operand<TFloat32> conv2d(
      Ops tf,
      Operand<TFloat32> x,
      Operand<TFloat32> kernel,
      int[] strides,
      String padding,
      int[] dilations) {
    return tf.nn.conv2d(
        x,
        kernel,
        List.of(1L, (long) strides[0], (long) strides[1], 1L),
        padding,
        Conv2d.dataFormat("NHWC"),
        Conv2d.dilations(List.of(1L, (long) dilations[0], (long) dilations[1], 1L)));
  }

  @Override
  public Operand<TFloat32> biasAdd(Ops tf, Operand<TFloat32> x, Operand<TFloat32> bias) {
    return tf.nn.biasAdd(x, bias);
  }

  @Override
  public Operand<TFloat32> matmul(Ops tf, Operand<TFloat32> a, Operand<TFloat32> b) {
    return tf.linalg.matMul(a, b);
  }

  @Override
  public Operand<TFloat32> maxPool(
      Ops tf, Operand<TFloat32> x, int[] pool, int[] strides, String padding) {
    return tf.nn.maxPool(
        x,
        tf.constant(new int[] {1, pool[0], pool[1], 1}),
        tf.constant(new int[] {1, strides[0], strides[1], 1}),
        padding);
  }

  @Override
  public Operand<TFloat32> avgPool(
      Ops tf, Operand<TFloat32> x, int[] pool, int[] strides, String padding) {
    return tf.nn.avgPool(
        x,
        List.of(1L, (long) pool[0], (long) pool[1], 1L),
        List.of(1L, (long) strides[0], (long) strides[1], 1L),
        padding);
  }

  @Override
  public BatchNormOutput batchNorm(
      Ops tf,
      Operand<TFloat32> x,
      Operand<TFloat32> gamma,
      Operand<TFloat32> beta,
      Operand<TFloat32> mean,
      Operand<TFloat32> variance,
      float epsilon,
      boolean training) {
    if (!training) {
      return new BatchNormOutput(
          tf.nn
              .fusedBatchNorm(
                  x,
                  gamma,
                  beta,
                  mean,
                  variance,
                  FusedBatchNorm.epsilon(epsilon),
                  FusedBatchNorm.dataFormat("NHWC"),
                  FusedBatchNorm.isTraining(false))
              .y(),
          null,
          null);
    }
    Operand<TFloat32> empty = tf.constant(new float[0]);
    FusedBatchNorm<TFloat32, TFloat32> bn =
        tf.nn.fusedBatchNorm(
            x,
            gamma,
            beta,
            empty,
            empty,
            FusedBatchNorm.epsilon(epsilon),
            FusedBatchNorm.dataFormat("NHWC"),
            FusedBatchNorm.isTraining(true));
    // FusedBatchNormV3 reports the unbiased variance; Keras averages the biased one.
    long channels = x.shape().get(3);
    Operand<TFloat32> n =
        tf.dtypes.cast(
            tf.math.div(tf.size(x, TInt64.class), tf.constant(channels)), TFloat32.class);
    Operand<TFloat32> biased =
        tf.math.mul(bn.batchVariance(), tf.math.div(tf.math.sub(n, tf.constant(1f)), n));
    return new BatchNormOutput(bn.y(), bn.batchMean(), biased);
  }

  @Override
  public Operand<TFloat32> relu(Ops tf, Operand<TFloat32> x) {
    return tf.nn.relu(x);
  }

  @Override
  public Operand<TFloat32> sigmoid(Ops tf, Operand<TFloat32> x) {
    return tf.math.sigmoid(x);
  }

  @Override
  public Operand<TFloat32> tanh(Ops tf, Operand<TFloat32> x) {
    return tf.math.tanh(x);
  }

  @Override
  public Operand<TFloat32> softmax(Ops tf, Operand<TFloat32> x) {
    return tf.nn.softmax(x);
  }

  @Override
  public Operand<TFloat32> elu(Ops tf, Operand<TFloat32> x) {
    return tf.nn.elu(x);
  }

  @Override
  public Operand<TFloat32> selu(Ops tf, Operand<TFloat32> x) {
    return tf.nn.selu(x);
  }

  @Override
  public Operand<TFloat32> softplus(Ops tf, Operand<TFloat32> x) {
    return tf.math.softplus(x);
  }

  @Override
  public RewriteResult prepare(GraphPlan plan) {
    return RewriteResult.unchanged(plan.graph());
  }
}
