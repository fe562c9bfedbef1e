package dev.jeras.internal;

import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.OperationBuilder;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.TensorFlow;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TNumber;

/**
 * oneDNN's CPU kernels, picked op by op for the training graph while TensorFlow keeps oneDNN off.
 *
 * <p>On CPUs without AVX-512 VNNI, AVX-VNNI or AMX TensorFlow leaves oneDNN off, and turning it on
 * for the whole process ({@code TF_ENABLE_ONEDNN_OPTS=1}) changed where CIFAR training ended (see
 * docs/performance.md). TensorFlow's CPU build holds oneDNN's kernels all the same, registered as
 * the "native format" ops {@code _MklNative*} under the kernel label {@code MklNameChangeOp} that
 * its graph rewrite gives them. jeras builds some of those ops itself, with that label, where they
 * measured faster than TensorFlow's own (Eigen) kernels and jeras' gradients, batch 64, 2 cores
 * with AVX2:
 *
 * <ul>
 *   <li>max pooling with its workspace, and its gradient: forward and gradient 2.7-3.0 ms against
 *       5.6-6.6 (jeras' gradient) and 7.9-8.6 (TensorFlow's) for the MNIST model's two pools; the
 *       same bits as TensorFlow's {@code MaxPoolGrad} where windows do not overlap, ties included
 *       ({@code OneDnnTest});
 *   <li>batch normalization in training, forward and gradient: 5.6-5.8 against 10.5-11.1 ms at (64,
 *       32, 32, 32), 2.5-3.5 against 3.7-3.8 ms at (64, 16, 16, 64) (rank-4 inputs only; the dense
 *       layer's (64, 512) was no faster);
 *   <li>the convolution's forward pass with bias and ReLU where an image patch is short (channels x
 *       kernel height x width up to 32): 1.1-2.3 against 2.5-5.9 ms for MNIST's first layer,
 *       2.6-3.6 against 4.6-7.1 for CIFAR's; no faster for longer patches;
 *   <li>the convolution's input and kernel gradients: e.g. 32 -&gt; 32 channels at 32x32, input
 *       gradient 11.0-12.1 ms against 17.8-26.4 (TensorFlow) and 11.8-17.7 (jeras'), kernel
 *       gradient 14.9-22.9 against 26.5-36.0 and 21.5-27.0. Alone, VALID convolutions on small
 *       images (MNIST's 13x13 second layer) ran faster on TensorFlow's kernels, yet the whole MNIST
 *       step was faster with oneDNN's there too (13.0-18.3 against 16.6-18.3 ms), so all layers use
 *       them.
 * </ul>
 *
 * <p>Results agree with TensorFlow's kernels to float rounding (relative 1e-6 to 1e-5). Used on the
 * CPU without oneDNN turned on and without a GPU, where TensorFlow Java's library holds these
 * kernels (checked once per JVM by running one); {@value #PROPERTY}{@code =off} keeps TensorFlow's.
 * Exported graphs never contain these ops: jeras' own inference graphs use oneDNN's forward
 * convolution for short patches ({@link #inferenceConv2d}) and its batch normalization ({@link
 * #inferenceBatchNorm}), as do the CPU copies of loaded SavedModels ({@link CpuInferenceGraph}).
 */
public final class OneDnn {
  private static final Logger LOG = LoggerFactory.getLogger(OneDnn.class);

  /** System property choosing the kernels: {@code auto} (default), {@code off}. */
  public static final String PROPERTY = "jeras.oneDnnKernels";

  /** The kernel label TensorFlow registers oneDNN's native-format kernels under. */
  static final String LABEL = "MklNameChangeOp";

  /** Patches (channels x kernel height x width) up to this length run oneDNN's forward pass. */
  static final long SHORT_PATCH = 32;

  /** Whether this TensorFlow runs oneDNN's native-format kernels (a smoke run, once per JVM). */
  private static final OwnGradients.Registration KERNELS =
      new OwnGradients.Registration("oneDNN kernels", OneDnn::runs);

  private static final OwnGradients.Registration REGISTRATION =
      new OwnGradients.Registration(
          "oneDNN kernel gradients",
          () ->
              KERNELS.done()
                  && TensorFlow.registerCustomGradient("_MklNativeMaxPool", OneDnn::maxPoolGradient)
                  && TensorFlow.registerCustomGradient(
                      "_MklNativeFusedBatchNormV3", OneDnn::batchNormGradient)
                  && ConvBackprop.register()
                  && TensorFlow.registerCustomGradient(
                      "_MklNativeFusedConv2D", ConvBackprop::fusedGradient));

  private OneDnn() {}

  /**
   * @return whether training graphs should use oneDNN's kernels where they are faster: on the CPU
   *     without oneDNN turned on and without a GPU, where TensorFlow holds them, unless {@value
   *     #PROPERTY}{@code =off}; registers their gradients on first use
   */
  public static boolean enabled() {
    return OwnGradients.wanted(PROPERTY, "off") && register();
  }

  /**
   * Checks once per JVM that this TensorFlow runs oneDNN's kernels and registers their gradients.
   *
   * @return whether they can be used
   */
  static boolean register() {
    return REGISTRATION.done();
  }

  /**
   * @return whether inference graphs should use oneDNN's kernels where they are faster: the gate of
   *     {@link #enabled} without registering gradients (nothing differentiates them)
   */
  static boolean inferenceEnabled() {
    return OwnGradients.wanted(PROPERTY, "off") && KERNELS.done();
  }

  /** Whether this TensorFlow runs oneDNN's native-format convolution kernel. */
  private static boolean runs() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> x = tf.fill(tf.constant(new long[] {1, 3, 3, 1}), tf.constant(1f));
      Operand<TFloat32> k = tf.fill(tf.constant(new long[] {3, 3, 1, 1}), tf.constant(0.5f));
      Operand<TFloat32> y =
          out(
              fusedConv2dOp(
                  tf, x, k, tf.constant(new float[] {1f}), true, new long[] {1, 1, 1, 1}, "VALID"),
              0);
      try (Session s = new Session(g);
          Result r = s.runner().fetch(y).run()) {
        float v = ((TFloat32) r.get(0)).getFloat(0, 0, 0, 0);
        if (v != 5.5f) {
          LOG.debug("oneDNN's convolution gave {} for 5.5: training keeps TensorFlow's", v);
          return false;
        }
        return true;
      }
    } catch (RuntimeException e) {
      LOG.debug(
          "oneDNN's kernels are not available: training keeps TensorFlow's ({})", e.getMessage());
      return false;
    }
  }

  /**
   * The inference graph's convolution + bias [+ ReLU] on oneDNN's kernel where the patch is short
   * and oneDNN's kernels are wanted (as {@link #enabled}, without registering gradients: nothing
   * differentiates an inference graph); never for a graph that is exported.
   *
   * @param tf the op factory
   * @param x the NHWC input
   * @param kernel the (kh, kw, in, out) kernel
   * @param bias the (out) bias
   * @param relu whether a ReLU follows
   * @param strides NHWC strides
   * @param padding SAME or VALID
   * @return the result, or null where TensorFlow's ops should be built
   */
  public static Operand<TFloat32> inferenceConv2d(
      Ops tf,
      Operand<TFloat32> x,
      Operand<TFloat32> kernel,
      Operand<TFloat32> bias,
      boolean relu,
      List<Long> strides,
      String padding) {
    org.tensorflow.ndarray.Shape k = kernel.shape();
    if (k.numDimensions() != 4
        || k.hasUnknownDimension()
        || !forward(k.get(2), k.get(0), k.get(1))
        || !inferenceEnabled()) {
      return null;
    }
    long[] s = strides.stream().mapToLong(Long::longValue).toArray();
    return out(fusedConv2dOp(tf, x, kernel, bias, relu, s, padding), 0);
  }

  /**
   * The inference graph's batch normalization of a rank-4 input with the moving statistics, on
   * oneDNN's kernel where oneDNN's kernels are wanted (2x TensorFlow's for CIFAR's layers); never
   * for a graph that is exported.
   *
   * @param tf the op factory
   * @param x the NHWC input
   * @param gamma the scale
   * @param beta the offset
   * @param mean the moving mean
   * @param variance the moving variance
   * @param epsilon added to the variance
   * @return the result, or null where TensorFlow's op should be built
   */
  public static Operand<TFloat32> inferenceBatchNorm(
      Ops tf,
      Operand<TFloat32> x,
      Operand<TFloat32> gamma,
      Operand<TFloat32> beta,
      Operand<TFloat32> mean,
      Operand<TFloat32> variance,
      float epsilon) {
    if (x.shape().numDimensions() != 4 || !inferenceEnabled()) {
      return null;
    }
    return out(fusedBatchNorm(tf, x, gamma, beta, mean, variance, epsilon, false), 0);
  }

  /** oneDNN's {@code FusedBatchNormV3} on NHWC input, in training or inference mode. */
  private static GraphOperation fusedBatchNorm(
      Ops tf,
      Operand<TFloat32> x,
      Operand<TFloat32> gamma,
      Operand<TFloat32> beta,
      Operand<TFloat32> mean,
      Operand<TFloat32> variance,
      float epsilon,
      boolean training) {
    return (GraphOperation)
        label(
                tf.scope()
                    .opBuilder("_MklNativeFusedBatchNormV3", "FusedBatchNormV3")
                    .addInput(x.asOutput())
                    .addInput(gamma.asOutput())
                    .addInput(beta.asOutput())
                    .addInput(mean.asOutput())
                    .addInput(variance.asOutput())
                    .setAttr("epsilon", epsilon)
                    .setAttr("data_format", "NHWC")
                    .setAttr("is_training", training))
            .build();
  }

  /** Whether oneDNN runs the forward convolution of a layer (with a bias) of this shape. */
  static boolean forward(long c, long kh, long kw) {
    return c > 0 && kh > 0 && kw > 0 && c * kh * kw <= SHORT_PATCH;
  }

  /**
   * oneDNN's convolution with bias and optional ReLU ({@code _MklNativeFusedConv2D}); its gradient
   * is {@link ConvBackprop}'s.
   *
   * @param tf the op factory
   * @param x the NHWC input
   * @param kernel the (kh, kw, in, out) kernel
   * @param bias the (out) bias
   * @param relu whether a ReLU follows
   * @param strides NHWC strides
   * @param padding SAME or VALID
   * @return the operation (output 0 is the result)
   */
  static GraphOperation fusedConv2dOp(
      Ops tf,
      Operand<TFloat32> x,
      Operand<TFloat32> kernel,
      Operand<TFloat32> bias,
      boolean relu,
      long[] strides,
      String padding) {
    return (GraphOperation)
        label(
                ConvBackprop.fusedConv2d(
                    tf, "_MklNativeFusedConv2D", x, kernel, bias, relu, strides, padding))
            .build();
  }

  /** oneDNN's convolution input gradient ({@code _MklNativeConv2DBackpropInput}). */
  static <T extends TNumber> Operand<T> conv2dBackpropInput(
      Ops tf,
      Operand<?> inputSizes,
      Operand<T> kernel,
      Operand<T> dy,
      long[] strides,
      String padding) {
    return backprop(tf, "Conv2DBackpropInput", inputSizes, kernel, dy, strides, padding);
  }

  /** oneDNN's convolution kernel gradient ({@code _MklNativeConv2DBackpropFilter}). */
  static <T extends TNumber> Operand<T> conv2dBackpropFilter(
      Ops tf, Operand<T> x, Operand<?> kernelSizes, Operand<T> dy, long[] strides, String padding) {
    return backprop(tf, "Conv2DBackpropFilter", x, kernelSizes, dy, strides, padding);
  }

  /** oneDNN's {@code _MklNative<name>} for a convolution backprop op of TensorFlow's inputs. */
  private static <T extends TNumber> Operand<T> backprop(
      Ops tf,
      String name,
      Operand<?> a,
      Operand<?> b,
      Operand<T> dy,
      long[] strides,
      String padding) {
    return out(
        label(
                tf.scope()
                    .opBuilder("_MklNative" + name, name)
                    .addInput(a.asOutput())
                    .addInput(b.asOutput())
                    .addInput(dy.asOutput())
                    .setAttr("strides", strides)
                    .setAttr("padding", padding)
                    .setAttr("data_format", "NHWC"))
            .build(),
        0);
  }

  /**
   * oneDNN's max pooling, keeping the position of each window's maximum for its gradient.
   *
   * @param tf the op factory
   * @param x the NHWC input
   * @param pool window height and width
   * @param strides stride height and width
   * @param padding SAME or VALID
   * @return the pooled output
   */
  public static Operand<TFloat32> maxPool(
      Ops tf, Operand<TFloat32> x, int[] pool, int[] strides, String padding) {
    return out(
        poolAttrs(
                label(tf.scope().opBuilder("_MklNativeMaxPool", "MaxPool").addInput(x.asOutput())),
                pool,
                strides,
                padding)
            .build(),
        0);
  }

  private static OperationBuilder poolAttrs(
      OperationBuilder b, int[] pool, int[] strides, String padding) {
    return poolAttrs(
        b, new long[] {1, pool[0], pool[1], 1}, new long[] {1, strides[0], strides[1], 1}, padding);
  }

  private static OperationBuilder poolAttrs(
      OperationBuilder b, long[] ksize, long[] strides, String padding) {
    return b.setAttr("ksize", ksize)
        .setAttr("strides", strides)
        .setAttr("padding", padding)
        .setAttr("data_format", "NHWC")
        .setAttr("workspace_enabled", true);
  }

  /** Gradient of {@code _MklNativeMaxPool}: oneDNN's, from the workspace. */
  private static List<Operand<?>> maxPoolGradient(
      Ops tf, GraphOperation op, List<Output<?>> grads) {
    var attrs = op.attributes();
    GraphOperation g =
        (GraphOperation)
            poolAttrs(
                    label(
                        tf.scope()
                            .opBuilder("_MklNativeMaxPoolGrad", "MaxPoolGrad")
                            .addInput(op.input(0))
                            .addInput(op.output(0))
                            .addInput(grads.get(0))
                            .addInput(op.output(1))),
                    attrs.getAttrIntList("ksize"),
                    attrs.getAttrIntList("strides"),
                    attrs.getAttrString("padding"))
                .build();
    return List.of(g.output(0));
  }

  /** What {@link #batchNorm} gives: the normalized output, the batch mean and variance. */
  public record BatchNorm(
      Operand<TFloat32> y, Operand<TFloat32> mean, Operand<TFloat32> variance) {}

  /**
   * oneDNN's batch normalization in training (statistics of the batch), rank-4 NHWC input.
   *
   * @param tf the op factory
   * @param x the NHWC input
   * @param gamma the (c) scale
   * @param beta the (c) offset
   * @param epsilon added to the variance
   * @return the output, the batch mean and the batch variance (unbiased, as TensorFlow's {@code
   *     FusedBatchNormV3} reports it)
   */
  public static BatchNorm batchNorm(
      Ops tf, Operand<TFloat32> x, Operand<TFloat32> gamma, Operand<TFloat32> beta, float epsilon) {
    Operand<TFloat32> empty = tf.constant(new float[0]);
    GraphOperation op = fusedBatchNorm(tf, x, gamma, beta, empty, empty, epsilon, true);
    return new BatchNorm(out(op, 0), out(op, 1), out(op, 2));
  }

  /** Gradient of {@code _MklNativeFusedBatchNormV3} in training: oneDNN's. */
  private static List<Operand<?>> batchNormGradient(
      Ops tf, GraphOperation op, List<Output<?>> grads) {
    var attrs = op.attributes();
    if (!attrs.getAttrBool("is_training")) {
      throw new UnsupportedOperationException(
          "the gradient of _MklNativeFusedBatchNormV3 is defined here for training only");
    }
    GraphOperation g =
        (GraphOperation)
            label(
                    tf.scope()
                        .opBuilder("_MklNativeFusedBatchNormGradV3", "FusedBatchNormGradV3")
                        .addInput(grads.get(0))
                        .addInput(op.input(0))
                        .addInput(op.input(1))
                        .addInput(op.output(3))
                        .addInput(op.output(4))
                        .addInput(op.output(5))
                        .setAttr("epsilon", attrs.getAttrFloat("epsilon"))
                        .setAttr("data_format", attrs.getAttrString("data_format"))
                        .setAttr("is_training", true))
                .build();
    // the mean and variance inputs are empty in training: no gradient flows into them
    return List.of(
        g.output(0),
        g.output(1),
        g.output(2),
        tf.zerosLike(op.input(3)),
        tf.zerosLike(op.input(4)));
  }

  private static OperationBuilder label(OperationBuilder b) {
    return b.setAttr("_kernel", LABEL);
  }

  @SuppressWarnings("unchecked")
  private static <T extends TNumber> Operand<T> out(org.tensorflow.Operation op, int i) {
    return (Operand<T>) (Operand<?>) op.output(i);
  }
}
