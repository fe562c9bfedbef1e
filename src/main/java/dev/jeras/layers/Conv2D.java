package dev.jeras.layers;

import dev.jeras.internal.ConvBackprop;
import dev.jeras.internal.OneDnn;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.op.nn.Conv2d;
import org.tensorflow.types.TFloat32;

/**
 * 2D convolution over NHWC images: {@code y = activation(conv2d(x, kernel) + bias)}.
 *
 * <p>Options, with Keras' defaults: {@code filters} (required), {@code kernel_size} (required),
 * {@code strides} (1, 1), {@code padding} "valid", {@code activation} linear, {@code use_bias}
 * true, {@code kernel_initializer} glorot_uniform, {@code bias_initializer} zeros.
 *
 * <p>Input (batch, height, width, channels); output (batch, new_height, new_width, filters).
 * Weights: kernel (kh, kw, channels, filters), bias (filters).
 *
 * <p>Inference and exported graphs use TensorFlow's {@code Conv2D}. The training graph, on the CPU
 * without oneDNN turned on, builds the convolution with its bias and ReLU as one fused op
 * differentiated by {@link ConvBackprop}: oneDNN's kernels for the forward pass of layers with few
 * input channels and for both gradients ({@link dev.jeras.internal.OneDnn}), else TensorFlow's
 * fused kernel and stride-1 gradients as forward convolutions where those measured faster than
 * TensorFlow's backprop kernels. {@code -Djeras.oneDnnKernels=off} and {@code
 * -Djeras.convGradient=tensorflow} keep TensorFlow's.
 *
 * <pre>{@code
 * new Conv2D(32, 3).activation("relu")                 // 3x3 kernel
 * new Conv2D(64, 3, 3).padding(Padding.SAME).strides(2, 2)
 * }</pre>
 */
public final class Conv2D extends Layer {
  private final int filters;
  private final int[] kernelSize;
  private int[] strides = {1, 1};
  private Padding padding = Padding.VALID;
  private Activations activation = Activations.LINEAR;
  private boolean useBias = true;
  private Initializer kernelInitializer = Initializer.glorotUniform();
  private Initializer biasInitializer = Initializer.zeros();

  /**
   * @param filters number of output channels
   * @param kernelSize square kernel side
   */
  public Conv2D(int filters, int kernelSize) {
    this(filters, kernelSize, kernelSize);
  }

  /**
   * @param filters number of output channels
   * @param kernelHeight kernel height
   * @param kernelWidth kernel width
   */
  public Conv2D(int filters, int kernelHeight, int kernelWidth) {
    this.filters = Check.positive("filters", filters);
    this.kernelSize = Check.positivePair("kernel_size", kernelHeight, kernelWidth);
  }

  /**
   * @return this layer, with strides (sh, sw) (default (1, 1))
   */
  public Conv2D strides(int height, int width) {
    checkMutable();
    strides = Check.positivePair("strides", height, width);
    return this;
  }

  /**
   * @return this layer, with that padding (default valid)
   */
  public Conv2D padding(Padding padding) {
    checkMutable();
    this.padding = padding;
    return this;
  }

  /**
   * @return this layer, with the padding named "valid" or "same"
   */
  public Conv2D padding(String padding) {
    return padding(Padding.of(padding));
  }

  /**
   * @return this layer, with that activation (default linear)
   */
  public Conv2D activation(Activations activation) {
    checkMutable();
    this.activation = activation;
    return this;
  }

  /**
   * @return this layer, with the activation of that Keras name
   */
  public Conv2D activation(String activation) {
    return activation(Activations.of(activation));
  }

  /**
   * @return this layer, with or without a bias (default with)
   */
  public Conv2D useBias(boolean useBias) {
    checkMutable();
    this.useBias = useBias;
    return this;
  }

  /**
   * @return this layer, with that kernel initializer (default glorot_uniform)
   */
  public Conv2D kernelInitializer(Initializer init) {
    checkMutable();
    kernelInitializer = init;
    return this;
  }

  /**
   * @return this layer, with that bias initializer (default zeros)
   */
  public Conv2D biasInitializer(Initializer init) {
    checkMutable();
    biasInitializer = init;
    return this;
  }

  /**
   * @return the number of filters
   */
  public int filters() {
    return filters;
  }

  /**
   * @return the activation
   */
  public Activations activation() {
    return activation;
  }

  @Override
  public String className() {
    return "Conv2D";
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    TensorShape in = single(inputShapes);
    requireRank(in, 4, "(batch, height, width, channels)");
    long h = padding.outputLength(in.dim(1), kernelSize[0], strides[0]);
    long w = padding.outputLength(in.dim(2), kernelSize[1], strides[1]);
    if ((in.dim(1) >= 0 && h <= 0) || (in.dim(2) >= 0 && w <= 0)) {
      throw new IllegalArgumentException(
          describe()
              + ": kernel "
              + kernelSize[0]
              + "x"
              + kernelSize[1]
              + " with padding '"
              + padding.kerasName()
              + "' and strides ("
              + strides[0]
              + ", "
              + strides[1]
              + ") does not fit input "
              + in
              + ": the output would have "
              + Math.min(h, w)
              + " rows or columns");
    }
    if (in.dim(3) < 0) {
      throw new IllegalArgumentException(
          describe() + ": the channel dimension must be known, got " + in);
    }
    return TensorShape.of(in.dim(0), h, w, filters);
  }

  @Override
  public List<WeightSpec> weightSpecs(List<TensorShape> inputShapes) {
    long channels = inputShapes.get(0).dim(3);
    WeightSpec kernel =
        new WeightSpec(
            "kernel",
            new long[] {kernelSize[0], kernelSize[1], channels, filters},
            kernelInitializer,
            true);
    return useBias
        ? List.of(kernel, new WeightSpec("bias", new long[] {filters}, biasInitializer, true))
        : List.of(kernel);
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    Ops tf = ctx.tf();
    List<Long> stride = List.of(1L, (long) strides[0], (long) strides[1], 1L);
    Operand<TFloat32> kernel = ctx.weight(this, "kernel");
    Operand<TFloat32> bias = useBias ? ctx.weight(this, "bias") : null;
    if (ctx.training()) {
      boolean relu = activation == Activations.RELU;
      Operand<TFloat32> y =
          ConvBackprop.trainingConv2d(
              tf, inputs.get(0), kernel, bias, relu, stride, padding.tfName());
      return relu ? y : Check.activate(ctx, activation, y);
    }
    if (useBias && !ctx.forExport()) {
      boolean relu = activation == Activations.RELU;
      Operand<TFloat32> y =
          OneDnn.inferenceConv2d(tf, inputs.get(0), kernel, bias, relu, stride, padding.tfName());
      if (y != null) {
        return relu ? y : Check.activate(ctx, activation, y);
      }
    }
    Operand<TFloat32> y =
        tf.nn.conv2d(inputs.get(0), kernel, stride, padding.tfName(), Conv2d.dataFormat("NHWC"));
    if (useBias) {
      y = tf.nn.biasAdd(y, bias);
    }
    return Check.activate(ctx, activation, y);
  }

  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> c = super.getConfig();
    c.put("filters", filters);
    c.put("kernel_size", List.of(kernelSize[0], kernelSize[1]));
    c.put("strides", List.of(strides[0], strides[1]));
    c.put("padding", padding.kerasName());
    c.put("data_format", "channels_last");
    c.put("dilation_rate", List.of(1, 1));
    c.put("groups", 1);
    c.put("activation", activation.kerasName());
    c.put("use_bias", useBias);
    c.put("kernel_initializer", kernelInitializer);
    c.put("bias_initializer", biasInitializer);
    c.put("kernel_regularizer", null);
    c.put("bias_regularizer", null);
    c.put("activity_regularizer", null);
    c.put("kernel_constraint", null);
    c.put("bias_constraint", null);
    return c;
  }

  /**
   * @param c a Keras Conv2D config
   * @return the layer it describes
   */
  public static Conv2D fromConfig(LayerConfig c) {
    int[] k = c.getPair("kernel_size", null);
    if (k == null) {
      throw c.unsupported("kernel_size", null, "an integer or a pair");
    }
    Conv2D l = new Conv2D(c.getInt("filters"), k[0], k[1]);
    int[] s = c.getPair("strides", new int[] {1, 1});
    l.strides(s[0], s[1]);
    l.padding(c.getPadding("padding"));
    l.activation(c.getActivation("activation"));
    l.useBias(c.getBoolean("use_bias", true));
    l.kernelInitializer(c.getInitializer("kernel_initializer", Initializer.glorotUniform()));
    l.biasInitializer(c.getInitializer("bias_initializer", Initializer.zeros()));
    c.requireValue("data_format", "channels_last");
    c.requireValue("dilation_rate", List.of(1, 1));
    c.requireValue("groups", 1);
    c.requireNull(
        "kernel_regularizer",
        "bias_regularizer",
        "activity_regularizer",
        "kernel_constraint",
        "bias_constraint");
    c.finish();
    return l;
  }

  @Override
  public Conv2D named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public Conv2D trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}
