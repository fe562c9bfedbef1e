package dev.jeras.backend;

import java.util.Set;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.types.TFloat32;

/**
 * The one seam between the Keras face and what runs: layers express their math through these
 * methods (reached from their call context), never by picking kernels. Every backend builds the
 * same standard TensorFlow graph from them; a backend may then {@link #prepare} that graph for its
 * hardware before a session runs it (the CPU engine rewrites it with the kernels it measured
 * fastest). Exported graphs and GPUs use {@link StandardBackend}, which leaves the graph as built.
 */
public interface Backend {
  /**
   * @return a short name for logs ({@code tensorflow}, {@code cpu})
   */
  String name();

  /**
   * A 2D convolution over NHWC input, no bias.
   *
   * @param tf the op factory
   * @param x input (batch, h, w, c)
   * @param kernel (kh, kw, c, filters)
   * @param strides (sh, sw)
   * @param padding SAME or VALID
   * @param dilations (dh, dw)
   * @return (batch, h', w', filters)
   */
  Operand<TFloat32> conv2d(
      Ops tf,
      Operand<TFloat32> x,
      Operand<TFloat32> kernel,
      int[] strides,
      String padding,
      int[] dilations);

  /**
   * @param tf the op factory
   * @param x a tensor whose last axis has the bias' length
   * @param bias the bias vector
   * @return x + bias, broadcast over the last axis
   */
  Operand<TFloat32> biasAdd(Ops tf, Operand<TFloat32> x, Operand<TFloat32> bias);

  /**
   * @param tf the op factory
   * @param a (m, k)
   * @param b (k, n)
   * @return the (m, n) product
   */
  Operand<TFloat32> matmul(Ops tf, Operand<TFloat32> a, Operand<TFloat32> b);

  /**
   * @param tf the op factory
   * @param x NHWC input
   * @param pool (ph, pw)
   * @param strides (sh, sw)
   * @param padding SAME or VALID
   * @return each window's maximum
   */
  Operand<TFloat32> maxPool(Ops tf, Operand<TFloat32> x, int[] pool, int[] strides, String padding);

  /**
   * @param tf the op factory
   * @param x NHWC input
   * @param pool (ph, pw)
   * @param strides (sh, sw)
   * @param padding SAME or VALID (SAME averages the window's valid part)
   * @return each window's mean
   */
  Operand<TFloat32> avgPool(Ops tf, Operand<TFloat32> x, int[] pool, int[] strides, String padding);

  /**
   * What {@link #batchNorm} gives.
   *
   * @param y the normalized output
   * @param batchMean the batch's mean (training), else null
   * @param batchVariance the batch's variance, biased as Keras averages it (training), else null
   */
  record BatchNormOutput(
      Operand<TFloat32> y, Operand<TFloat32> batchMean, Operand<TFloat32> batchVariance) {}

  /**
   * Batch normalization over the last axis of a rank-4 NHWC input: {@code gamma * (x - mean) /
   * sqrt(variance + epsilon) + beta}, with the batch's statistics in training, else the given ones.
   *
   * @param tf the op factory
   * @param x (n, h, w, c)
   * @param gamma (c)
   * @param beta (c)
   * @param mean (c) the moving mean (ignored in training)
   * @param variance (c) the moving variance (ignored in training)
   * @param epsilon added to the variance
   * @param training whether to use the batch's statistics
   * @return the output and, in training, the batch statistics
   */
  BatchNormOutput batchNorm(
      Ops tf,
      Operand<TFloat32> x,
      Operand<TFloat32> gamma,
      Operand<TFloat32> beta,
      Operand<TFloat32> mean,
      Operand<TFloat32> variance,
      float epsilon,
      boolean training);

  /**
   * @return max(x, 0)
   */
  Operand<TFloat32> relu(Ops tf, Operand<TFloat32> x);

  /**
   * @return 1 / (1 + exp(-x))
   */
  Operand<TFloat32> sigmoid(Ops tf, Operand<TFloat32> x);

  /**
   * @return tanh(x)
   */
  Operand<TFloat32> tanh(Ops tf, Operand<TFloat32> x);

  /**
   * @return exp(x_i) / sum_j exp(x_j) over the last axis
   */
  Operand<TFloat32> softmax(Ops tf, Operand<TFloat32> x);

  /**
   * @return x for x &gt; 0, exp(x) - 1 otherwise
   */
  Operand<TFloat32> elu(Ops tf, Operand<TFloat32> x);

  /**
   * @return scale * elu(x) with SELU's alpha and scale
   */
  Operand<TFloat32> selu(Ops tf, Operand<TFloat32> x);

  /**
   * @return log(1 + exp(x))
   */
  Operand<TFloat32> softplus(Ops tf, Operand<TFloat32> x);

  /**
   * @return min(max(x, 0), 6)
   */
  Operand<TFloat32> relu6(Ops tf, Operand<TFloat32> x);

  /**
   * Keras' general rectifier: {@code max_value} if x &gt;= max_value, x if threshold &lt;= x &lt;
   * max_value, {@code negative_slope * (x - threshold)} otherwise.
   *
   * @param tf the op factory
   * @param x the input
   * @param negativeSlope the slope below the threshold
   * @param maxValue the saturation value, or null for none
   * @param threshold the threshold
   * @return the activated tensor
   */
  Operand<TFloat32> relu(
      Ops tf, Operand<TFloat32> x, float negativeSlope, Float maxValue, float threshold);

  /**
   * @return x for x &gt;= 0, negativeSlope * x otherwise
   */
  Operand<TFloat32> leakyRelu(Ops tf, Operand<TFloat32> x, float negativeSlope);

  /**
   * @return x for x &gt; 0, alpha * (exp(x) - 1) otherwise
   */
  Operand<TFloat32> elu(Ops tf, Operand<TFloat32> x, float alpha);

  /**
   * @param alpha the learned slopes, broadcast against x's sample axes
   * @return relu(x) - alpha * relu(-x)
   */
  Operand<TFloat32> prelu(Ops tf, Operand<TFloat32> x, Operand<TFloat32> alpha);

  /**
   * @return x * sigmoid(x) (Keras' silu, also named swish)
   */
  Operand<TFloat32> silu(Ops tf, Operand<TFloat32> x);

  /**
   * @param approximate false: 0.5 * x * erfc(-x / sqrt(2)); true: the tanh approximation 0.5 * x *
   *     (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3)))
   * @return the Gaussian error linear unit
   */
  Operand<TFloat32> gelu(Ops tf, Operand<TFloat32> x, boolean approximate);

  /**
   * @return relu6(x + 3) / 6
   */
  Operand<TFloat32> hardSigmoid(Ops tf, Operand<TFloat32> x);

  /**
   * @return x * hard_sigmoid(x) (Keras' hard_silu, also named hard_swish)
   */
  Operand<TFloat32> hardSilu(Ops tf, Operand<TFloat32> x);

  /**
   * @return x * tanh(softplus(x))
   */
  Operand<TFloat32> mish(Ops tf, Operand<TFloat32> x);

  /**
   * @return exp(x)
   */
  Operand<TFloat32> exponential(Ops tf, Operand<TFloat32> x);

  /**
   * @return x / (|x| + 1)
   */
  Operand<TFloat32> softsign(Ops tf, Operand<TFloat32> x);

  /**
   * @return x_i - log(sum_j exp(x_j)) over the last axis
   */
  Operand<TFloat32> logSoftmax(Ops tf, Operand<TFloat32> x);

  /**
   * Softmax over some axes: exp(x) / sum(exp(x)) over all of them together.
   *
   * @param tf the op factory
   * @param x the input
   * @param axes the axes (non-negative, distinct, not the batch)
   * @return the normalized tensor
   */
  Operand<TFloat32> softmax(Ops tf, Operand<TFloat32> x, int[] axes);

  /**
   * A depthwise 2D convolution over NHWC input, no bias: each input channel is convolved with its
   * own {@code depth_multiplier} filters, as Keras' DepthwiseConv2D. Dilation gives the same result
   * as TensorFlow's dilated depthwise convolution, strides included.
   *
   * @param tf the op factory
   * @param x input (batch, h, w, c)
   * @param kernel (kh, kw, c, depth_multiplier)
   * @param strides (sh, sw)
   * @param padding SAME or VALID
   * @param dilations (dh, dw)
   * @return (batch, h', w', c * depth_multiplier)
   */
  Operand<TFloat32> depthwiseConv2d(
      Ops tf,
      Operand<TFloat32> x,
      Operand<TFloat32> kernel,
      int[] strides,
      String padding,
      int[] dilations);

  /**
   * A transposed 2D convolution over NHWC input, no bias (the gradient of a convolution with
   * respect to its input, as Keras' Conv2DTranspose builds it).
   *
   * @param tf the op factory
   * @param x input (batch, h, w, c)
   * @param kernel (kh, kw, filters, c)
   * @param outputSize the output's (h', w'), as Keras computes it from padding and output_padding
   * @param strides (sh, sw)
   * @param padding SAME or VALID
   * @param dilations (dh, dw)
   * @return (batch, h', w', filters)
   */
  Operand<TFloat32> conv2dTranspose(
      Ops tf,
      Operand<TFloat32> x,
      Operand<TFloat32> kernel,
      long[] outputSize,
      int[] strides,
      String padding,
      int[] dilations);

  /**
   * What {@link #moments} gives, both with the reduced axes kept (of length 1).
   *
   * @param mean the mean over the axes
   * @param variance the biased variance over the axes
   */
  record Moments(Operand<TFloat32> mean, Operand<TFloat32> variance) {}

  /**
   * The mean and (biased) variance over some axes, as {@code tf.nn.moments} computes them.
   *
   * @param tf the op factory
   * @param x the input
   * @param axes the axes to reduce, each in [0, rank)
   * @return mean and variance, reduced axes kept
   */
  Moments moments(Ops tf, Operand<TFloat32> x, int[] axes);

  /**
   * {@code gamma * (x - mean) / sqrt(variance + epsilon) + beta}, everything broadcast to x (as
   * {@code tf.nn.batch_normalization} computes it).
   *
   * @param tf the op factory
   * @param x the input
   * @param mean broadcastable to x
   * @param variance broadcastable to x
   * @param gamma broadcastable to x, or null for none
   * @param beta broadcastable to x, or null for none
   * @param epsilon added to the variance
   * @return the normalized input
   */
  Operand<TFloat32> normalize(
      Ops tf,
      Operand<TFloat32> x,
      Operand<TFloat32> mean,
      Operand<TFloat32> variance,
      Operand<TFloat32> gamma,
      Operand<TFloat32> beta,
      float epsilon);

  /**
   * Batch normalization over any one axis of an input of any rank (as {@link #batchNorm(Ops,
   * Operand, Operand, Operand, Operand, Operand, float, boolean)} for the last axis).
   *
   * @param tf the op factory
   * @param x the input, rank 2 or more
   * @param axis the feature axis, in [1, rank)
   * @param gamma (c)
   * @param beta (c)
   * @param mean (c) the moving mean (ignored in training)
   * @param variance (c) the moving variance (ignored in training)
   * @param epsilon added to the variance
   * @param training whether to use the batch's statistics
   * @return the output and, in training, the batch statistics, each (c)
   */
  BatchNormOutput batchNorm(
      Ops tf,
      Operand<TFloat32> x,
      int axis,
      Operand<TFloat32> gamma,
      Operand<TFloat32> beta,
      Operand<TFloat32> mean,
      Operand<TFloat32> variance,
      float epsilon,
      boolean training);

  /**
   * Resizes NHWC images as {@code tf.image.resize} does (half-pixel centres).
   *
   * @param tf the op factory
   * @param x (batch, h, w, c)
   * @param height the new height
   * @param width the new width
   * @param interpolation bilinear, nearest, bicubic, area, lanczos3, lanczos5, gaussian or
   *     mitchellcubic
   * @param antialias whether to filter when downsampling (bilinear, bicubic and the kernels)
   * @return (batch, height, width, c)
   */
  Operand<TFloat32> resize(
      Ops tf, Operand<TFloat32> x, int height, int width, String interpolation, boolean antialias);

  /**
   * Applies one projective transform per image (TensorFlow's {@code ImageProjectiveTransformV3}):
   * the output pixel (x, y) samples the input at ((a0 x + a1 y + a2) / k, (b0 x + b1 y + b2) / k),
   * k = c0 x + c1 y + 1.
   *
   * @param tf the op factory
   * @param x (batch, h, w, c)
   * @param transforms (batch, 8): a0, a1, a2, b0, b1, b2, c0, c1
   * @param interpolation NEAREST or BILINEAR
   * @param fillMode REFLECT, WRAP, CONSTANT or NEAREST
   * @param fillValue the value outside the image with CONSTANT
   * @return (batch, h, w, c)
   */
  Operand<TFloat32> affineTransform(
      Ops tf,
      Operand<TFloat32> x,
      Operand<TFloat32> transforms,
      String interpolation,
      String fillMode,
      float fillValue);

  /**
   * What a graph is built for, for {@link #prepare}.
   *
   * @param graph the graph as built from the layers' math
   * @param fetched nodes fetched or fed by name: never removed or renamed
   * @param differentiated nodes of a training forward pass (gradients will be taken through them)
   * @param trainingBatch the training batch size (for measuring kernels), 0 where unknown
   */
  record GraphPlan(
      GraphDef graph, Set<String> fetched, Set<String> differentiated, int trainingBatch) {}

  /**
   * Readies a built graph for this backend before a session runs it: the same computation, with
   * kernels of this backend's choice. Nodes named in the plan's {@code fetched} keep their names
   * and outputs.
   *
   * @param plan the graph and what it is for
   * @return the graph to run and what was changed
   */
  RewriteResult prepare(GraphPlan plan);
}
