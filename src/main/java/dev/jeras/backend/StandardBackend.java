package dev.jeras.backend;

import java.util.Arrays;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.framework.activations.ELU;
import org.tensorflow.framework.activations.GELU;
import org.tensorflow.framework.activations.ReLU;
import org.tensorflow.framework.activations.Swish;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Max;
import org.tensorflow.op.core.ReduceSum;
import org.tensorflow.op.image.ImageProjectiveTransformV3;
import org.tensorflow.op.image.ResizeBicubic;
import org.tensorflow.op.image.ResizeBilinear;
import org.tensorflow.op.image.ResizeNearestNeighbor;
import org.tensorflow.op.image.ScaleAndTranslate;
import org.tensorflow.op.math.Mean;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.op.nn.FusedBatchNorm;
import org.tensorflow.op.nn.LeakyRelu;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
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
    if (dilations[0] > 1 || dilations[1] > 1) {
      // TensorFlow's C++ gradient of Conv2D ignores the dilations attribute (the input and kernel
      // gradients come out wrong): a dilated convolution is a plain one on the space-to-batch
      // view of the input, as tf.nn builds it, and that differentiates exactly
      return withSpaceToBatch(
          tf,
          x,
          kernel,
          padding,
          dilations,
          v -> tf.nn.conv2d(v, kernel, List.of(1L, 1L, 1L, 1L), "VALID"));
    }
    return tf.nn.conv2d(
        x,
        kernel,
        List.of(1L, (long) strides[0], (long) strides[1], 1L),
        padding,
        Conv2d.dataFormat("NHWC"));
  }

  /**
   * A stride-1 convolution dilated by (dh, dw), run as {@code op} (an undilated VALID convolution)
   * on the input rearranged into dh * dw interleaved sub-images, then put back: what TensorFlow's
   * {@code with_space_to_batch} builds, paddings and crops included.
   */
  private static Operand<TFloat32> withSpaceToBatch(
      Ops tf,
      Operand<TFloat32> x,
      Operand<TFloat32> kernel,
      String padding,
      int[] dilations,
      java.util.function.UnaryOperator<Operand<TFloat32>> op) {
    long[] in = x.shape().asArray();
    long[] k = kernel.shape().asArray();
    long[][] paddings = new long[2][2];
    long[][] crops = new long[2][2];
    for (int i = 0; i < 2; i++) {
      long d = dilations[i];
      long total = padding.equals("SAME") ? (k[i] - 1) * d : 0;
      long start = total / 2;
      long end = total - start;
      long extra = (d - (in[i + 1] + start + end) % d) % d;
      paddings[i] = new long[] {start, end + extra};
      crops[i] = new long[] {0, extra};
    }
    Operand<TInt64> block = tf.constant(new long[] {dilations[0], dilations[1]});
    Operand<TFloat32> batched = tf.spaceToBatchNd(x, block, tf.constant(paddings));
    return tf.batchToSpaceNd(op.apply(batched), block, tf.constant(crops));
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
  public Operand<TFloat32> depthwiseConv2d(
      Ops tf,
      Operand<TFloat32> x,
      Operand<TFloat32> kernel,
      int[] strides,
      String padding,
      int[] dilations) {
    // TensorFlow's CPU kernel (without oneDNN) refuses dilations: stride 1 runs on the
    // space-to-batch view (as tf.nn builds it), strided runs with a kernel with holes (the same)
    boolean dilated = dilations[0] > 1 || dilations[1] > 1;
    if (dilated && strides[0] == 1 && strides[1] == 1) {
      return withSpaceToBatch(
          tf,
          x,
          kernel,
          padding,
          dilations,
          v -> tf.nn.depthwiseConv2dNative(v, kernel, List.of(1L, 1L, 1L, 1L), "VALID"));
    }
    return tf.nn.depthwiseConv2dNative(
        x,
        dilateKernel(tf, kernel, dilations),
        List.of(1L, (long) strides[0], (long) strides[1], 1L),
        padding);
  }

  @Override
  public Operand<TFloat32> conv2dTranspose(
      Ops tf,
      Operand<TFloat32> x,
      Operand<TFloat32> kernel,
      long[] outputSize,
      int[] strides,
      String padding,
      int[] dilations) {
    long filters = kernel.shape().get(2);
    Operand<TInt32> batch =
        tf.slice(tf.shape(x), tf.constant(new int[] {0}), tf.constant(new int[] {1}));
    Operand<TInt32> sizes =
        tf.concat(
            List.of(
                batch,
                tf.constant(
                    new int[] {
                      Math.toIntExact(outputSize[0]),
                      Math.toIntExact(outputSize[1]),
                      Math.toIntExact(filters)
                    })),
            tf.constant(0));
    // as for depthwise: the CPU kernel without oneDNN refuses dilations, a dilated kernel does not
    return tf.nn.conv2dBackpropInput(
        sizes,
        dilateKernel(tf, kernel, dilations),
        x,
        List.of(1L, (long) strides[0], (long) strides[1], 1L),
        padding);
  }

  /**
   * @return the (kh, kw, a, b) kernel with (d - 1) zeros between its taps along each spatial axis:
   *     ((kh - 1) * dh + 1, (kw - 1) * dw + 1, a, b); the kernel itself where both rates are 1
   */
  static Operand<TFloat32> dilateKernel(Ops tf, Operand<TFloat32> kernel, int[] dilations) {
    int[] k = Arrays.stream(kernel.shape().asArray()).mapToInt(Math::toIntExact).toArray();
    Operand<TFloat32> out = kernel;
    int rows = k[0];
    if (dilations[0] > 1 && rows > 1) {
      int d = dilations[0];
      // (kh, 1, rest) padded to (kh, d, rest) with zeros after each tap, cut after the last one
      out = tf.reshape(out, tf.constant(new int[] {rows, 1, k[1] * k[2] * k[3]}));
      out = tf.pad(out, tf.constant(new int[][] {{0, 0}, {0, d - 1}, {0, 0}}), tf.constant(0f));
      out = tf.reshape(out, tf.constant(new int[] {rows * d, k[1], k[2], k[3]}));
      rows = (rows - 1) * d + 1;
      out =
          tf.slice(
              out, tf.constant(new int[] {0, 0, 0, 0}), tf.constant(new int[] {rows, -1, -1, -1}));
    }
    int cols = k[1];
    if (dilations[1] > 1 && cols > 1) {
      int d = dilations[1];
      out = tf.reshape(out, tf.constant(new int[] {rows, cols, 1, k[2] * k[3]}));
      out =
          tf.pad(
              out, tf.constant(new int[][] {{0, 0}, {0, 0}, {0, d - 1}, {0, 0}}), tf.constant(0f));
      out = tf.reshape(out, tf.constant(new int[] {rows, cols * d, k[2], k[3]}));
      out =
          tf.slice(
              out,
              tf.constant(new int[] {0, 0, 0, 0}),
              tf.constant(new int[] {-1, (cols - 1) * d + 1, -1, -1}));
    }
    return out;
  }

  @Override
  public Moments moments(Ops tf, Operand<TFloat32> x, int[] axes) {
    Operand<TInt32> reduce = tf.constant(axes);
    Operand<TFloat32> mean = tf.math.mean(x, reduce, Mean.keepDims(true));
    Operand<TFloat32> variance =
        tf.math.mean(
            tf.math.squaredDifference(x, tf.stopGradient(mean)), reduce, Mean.keepDims(true));
    return new Moments(mean, variance);
  }

  @Override
  public Operand<TFloat32> normalize(
      Ops tf,
      Operand<TFloat32> x,
      Operand<TFloat32> mean,
      Operand<TFloat32> variance,
      Operand<TFloat32> gamma,
      Operand<TFloat32> beta,
      float epsilon) {
    Operand<TFloat32> inv = tf.math.rsqrt(tf.math.add(variance, tf.constant(epsilon)));
    if (gamma != null) {
      inv = tf.math.mul(inv, gamma);
    }
    Operand<TFloat32> shift = tf.math.mul(mean, inv);
    shift = beta != null ? tf.math.sub(beta, shift) : tf.math.neg(shift);
    return tf.math.add(tf.math.mul(x, inv), shift);
  }

  @Override
  public BatchNormOutput batchNorm(
      Ops tf,
      Operand<TFloat32> x,
      int axis,
      Operand<TFloat32> gamma,
      Operand<TFloat32> beta,
      Operand<TFloat32> mean,
      Operand<TFloat32> variance,
      float epsilon,
      boolean training) {
    long[] dims = x.shape().asArray();
    int rank = dims.length;
    long channels = dims[axis];
    if (axis == rank - 1) {
      // the fused kernel (which the CPU engine's BatchNormRule may swap) on a (n, h, w, c) view
      if (rank == 4) {
        return batchNorm(tf, x, gamma, beta, mean, variance, epsilon, training);
      }
      Operand<TFloat32> x4 = tf.reshape(x, tf.constant(new long[] {-1, 1, 1, channels}));
      BatchNormOutput bn = batchNorm(tf, x4, gamma, beta, mean, variance, epsilon, training);
      return new BatchNormOutput(reshapeLike(tf, bn.y(), dims), bn.batchMean(), bn.batchVariance());
    }
    // another axis: plain ops, as Keras' TensorFlow backend builds them
    long[] broadcast = new long[rank];
    Arrays.fill(broadcast, 1);
    broadcast[axis] = channels;
    Operand<TInt64> shape = tf.constant(broadcast);
    Operand<TFloat32> g = tf.reshape(gamma, shape);
    Operand<TFloat32> b = tf.reshape(beta, shape);
    if (!training) {
      return new BatchNormOutput(
          normalize(tf, x, tf.reshape(mean, shape), tf.reshape(variance, shape), g, b, epsilon),
          null,
          null);
    }
    int[] reduce = new int[rank - 1];
    for (int i = 0, j = 0; i < rank; i++) {
      if (i != axis) {
        reduce[j++] = i;
      }
    }
    Moments m = moments(tf, x, reduce);
    Operand<TInt64> vector = tf.constant(new long[] {channels});
    return new BatchNormOutput(
        normalize(tf, x, m.mean(), m.variance(), g, b, epsilon),
        tf.reshape(m.mean(), vector),
        tf.reshape(m.variance(), vector));
  }

  /** Reshapes to dims, where at most the batch (dims[0]) is unknown, keeping the static shape. */
  private static Operand<TFloat32> reshapeLike(Ops tf, Operand<TFloat32> y, long[] dims) {
    long[] d = dims.clone();
    d[0] = -1;
    return tf.reshape(y, tf.constant(d));
  }

  @Override
  public Operand<TFloat32> relu6(Ops tf, Operand<TFloat32> x) {
    return tf.nn.relu6(x);
  }

  // Keras' relu with options: tensorflow-framework's ReLU builds it op for op as Keras' TensorFlow
  // backend does (NaN there means no maximum)
  @Override
  public Operand<TFloat32> relu(
      Ops tf, Operand<TFloat32> x, float negativeSlope, Float maxValue, float threshold) {
    float max = maxValue == null ? Float.NaN : maxValue;
    return new ReLU(negativeSlope, max, threshold).call(tf, x);
  }

  @Override
  public Operand<TFloat32> leakyRelu(Ops tf, Operand<TFloat32> x, float negativeSlope) {
    return tf.nn.leakyRelu(x, LeakyRelu.alpha(negativeSlope));
  }

  @Override
  public Operand<TFloat32> elu(Ops tf, Operand<TFloat32> x, float alpha) {
    return new ELU(alpha).call(tf, x);
  }

  @Override
  public Operand<TFloat32> prelu(Ops tf, Operand<TFloat32> x, Operand<TFloat32> alpha) {
    Operand<TFloat32> negative = tf.math.mul(tf.math.neg(alpha), tf.nn.relu(tf.math.neg(x)));
    return tf.math.add(tf.nn.relu(x), negative);
  }

  @Override
  public Operand<TFloat32> silu(Ops tf, Operand<TFloat32> x) {
    return new Swish().call(tf, x);
  }

  @Override
  public Operand<TFloat32> gelu(Ops tf, Operand<TFloat32> x, boolean approximate) {
    if (approximate) {
      return new GELU(true).call(tf, x);
    }
    Operand<TFloat32> half = tf.math.mul(tf.constant(0.5f), x);
    // jeras' own: the framework's exact GELU takes 1 + erf(x / sqrt(2)), which rounds to 0 below
    // about x = -4 where Keras' erfc does not.
    // Keras' exact form is 0.5 * x * erfc(-x / sqrt(2)). TensorFlow's C++ gradients lack Erfc, so
    // the gradient flows through 1 + erf(x / sqrt(2)), the same function, while the value stays
    // erfc's: (erfc - (1 + erf)) is a constant to the gradient and adds back to erfc exactly.
    Operand<TFloat32> c = tf.constant((float) Math.sqrt(0.5));
    Operand<TFloat32> erfc = tf.math.erfc(tf.math.mul(tf.math.neg(x), c));
    Operand<TFloat32> viaErf = tf.math.add(tf.constant(1f), tf.math.erf(tf.math.mul(x, c)));
    Operand<TFloat32> cdf = tf.math.add(tf.stopGradient(tf.math.sub(erfc, viaErf)), viaErf);
    return tf.math.mul(half, cdf);
  }

  @Override
  public Operand<TFloat32> hardSigmoid(Ops tf, Operand<TFloat32> x) {
    return tf.math.div(tf.nn.relu6(tf.math.add(x, tf.constant(3f))), tf.constant(6f));
  }

  @Override
  public Operand<TFloat32> hardSilu(Ops tf, Operand<TFloat32> x) {
    return tf.math.mul(x, hardSigmoid(tf, x));
  }

  @Override
  public Operand<TFloat32> mish(Ops tf, Operand<TFloat32> x) {
    return tf.math.mul(x, tanh(tf, softplus(tf, x)));
  }

  @Override
  public Operand<TFloat32> exponential(Ops tf, Operand<TFloat32> x) {
    return tf.math.exp(x);
  }

  @Override
  public Operand<TFloat32> softsign(Ops tf, Operand<TFloat32> x) {
    return tf.nn.softsign(x);
  }

  @Override
  public Operand<TFloat32> logSoftmax(Ops tf, Operand<TFloat32> x) {
    long[] dims = x.shape().asArray();
    if (dims.length <= 2) {
      return tf.nn.logSoftmax(x);
    }
    // TensorFlow's C++ gradient of LogSoftmax sums over axis 1: give it a matrix
    Operand<TFloat32> rows = tf.reshape(x, tf.constant(new long[] {-1, dims[dims.length - 1]}));
    return tf.reshape(tf.nn.logSoftmax(rows), tf.shape(x));
  }

  @Override
  public Operand<TFloat32> softmax(Ops tf, Operand<TFloat32> x, int[] axes) {
    int rank = x.shape().numDimensions();
    if (axes.length == 1) {
      int axis = axes[0];
      if (axis == rank - 1) {
        return tf.nn.softmax(x);
      }
      // as TensorFlow does for another axis: swap it with the last, normalize, swap back
      int[] perm = new int[rank];
      for (int i = 0; i < rank; i++) {
        perm[i] = i;
      }
      perm[axis] = rank - 1;
      perm[rank - 1] = axis;
      Operand<TInt32> p = tf.constant(perm);
      return tf.linalg.transpose(tf.nn.softmax(tf.linalg.transpose(x, p)), p);
    }
    // exp(x - logsumexp(x)) over the axes together, logsumexp as TensorFlow reduces it
    Operand<TInt32> a = tf.constant(axes);
    Operand<TFloat32> rawMax = tf.max(x, a, Max.keepDims(true));
    Operand<TFloat32> shift =
        tf.stopGradient(tf.select(tf.math.isFinite(rawMax), rawMax, tf.zerosLike(rawMax)));
    Operand<TFloat32> sum =
        tf.reduceSum(tf.math.exp(tf.math.sub(x, shift)), a, ReduceSum.keepDims(true));
    Operand<TFloat32> logSumExp = tf.math.add(tf.math.log(sum), shift);
    return tf.math.exp(tf.math.sub(x, logSumExp));
  }

  @Override
  public Operand<TFloat32> resize(
      Ops tf, Operand<TFloat32> x, int height, int width, String interpolation, boolean antialias) {
    Operand<TInt32> size = tf.constant(new int[] {height, width});
    return switch (interpolation) {
      case "bilinear" ->
          antialias
              ? scaleAndTranslate(tf, x, height, width, "triangle", true)
              : tf.image.resizeBilinear(x, size, ResizeBilinear.halfPixelCenters(true));
      case "nearest" ->
          tf.image.resizeNearestNeighbor(x, size, ResizeNearestNeighbor.halfPixelCenters(true));
      case "bicubic" ->
          antialias
              ? scaleAndTranslate(tf, x, height, width, "keyscubic", true)
              : tf.image.resizeBicubic(x, size, ResizeBicubic.halfPixelCenters(true));
      case "area" -> tf.image.resizeArea(x, size);
      case "lanczos3", "lanczos5", "gaussian", "mitchellcubic" ->
          scaleAndTranslate(tf, x, height, width, interpolation, antialias);
      default ->
          throw new IllegalArgumentException(
              "interpolation must be one of bilinear, nearest, bicubic, area, lanczos3,"
                  + " lanczos5, gaussian, mitchellcubic; got '"
                  + interpolation
                  + "'");
    };
  }

  private static Operand<TFloat32> scaleAndTranslate(
      Ops tf, Operand<TFloat32> x, int height, int width, String kernel, boolean antialias) {
    long[] dims = x.shape().asArray();
    return tf.image.scaleAndTranslate(
        x,
        tf.constant(new int[] {height, width}),
        tf.constant(new float[] {(float) height / dims[1], (float) width / dims[2]}),
        tf.constant(new float[] {0f, 0f}),
        ScaleAndTranslate.kernelType(kernel),
        ScaleAndTranslate.antialias(antialias));
  }

  @Override
  public Operand<TFloat32> affineTransform(
      Ops tf,
      Operand<TFloat32> x,
      Operand<TFloat32> transforms,
      String interpolation,
      String fillMode,
      float fillValue) {
    long[] dims = x.shape().asArray();
    Operand<TFloat32> y =
        tf.image.imageProjectiveTransformV3(
            x,
            transforms,
            tf.constant(new int[] {Math.toIntExact(dims[1]), Math.toIntExact(dims[2])}),
            tf.constant(fillValue),
            interpolation,
            ImageProjectiveTransformV3.fillMode(fillMode));
    return reshapeLike(tf, y, dims);
  }

  @Override
  public RewriteResult prepare(GraphPlan plan) {
    return RewriteResult.unchanged(plan.graph());
  }
}
