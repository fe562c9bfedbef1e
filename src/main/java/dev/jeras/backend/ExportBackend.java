package dev.jeras.backend;

import java.util.Set;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * What exported SavedModels are built with: TensorFlow's standard ops, except that an
 * inference-mode batch normalization that no convolution feeds is written as its affine map in
 * element-wise ops (x k + (offset - mean k), k = scale / sqrt(variance + epsilon)), as Keras 3
 * exports it. Runtimes that turn oneDNN on (TensorFlow's default on CPUs with AVX-512 VNNI) run
 * {@code FusedBatchNormV3} in inference mode 15x slower than those ops; after a convolution the
 * fused op stays, since TensorFlow's optimizer folds it into the convolution.
 */
public final class ExportBackend extends StandardBackend {
  /** The one instance (the class has no state). */
  public static final ExportBackend INSTANCE = new ExportBackend();

  /** Ops whose output TensorFlow's optimizer may fold a following normalization into. */
  public static final Set<String> CONVOLUTIONS =
      Set.of("Conv2D", "DepthwiseConv2dNative", "_FusedConv2D", "BiasAdd");

  private ExportBackend() {}

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
    if (training || CONVOLUTIONS.contains(x.op().type())) {
      return super.batchNorm(tf, x, gamma, beta, mean, variance, epsilon, training);
    }
    Operand<TFloat32> k =
        tf.math.mul(gamma, tf.math.rsqrt(tf.math.add(variance, tf.constant(epsilon))));
    Operand<TFloat32> shift = tf.math.sub(beta, tf.math.mul(mean, k));
    return new BatchNormOutput(tf.math.add(tf.math.mul(x, k), shift), null, null);
  }
}
