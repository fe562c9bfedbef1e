package dev.jeras.layers;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * What the convolution layers share: filters, kernel size, strides, padding, dilation rate,
 * activation, bias, initializers and regularizers, with Keras' names and defaults, the output
 * shape, and the common part of their Keras config. A subclass says what its kernel looks like and
 * wires its convolution through the backend.
 *
 * @param <T> the layer's own type, returned by the fluent setters
 */
public abstract class BaseConv<T extends BaseConv<T>> extends Layer {
  /** Output channels. */
  protected final int filters;

  /** (kh, kw). */
  protected final int[] kernelSize;

  /** (sh, sw), default (1, 1). */
  protected int[] strides = {1, 1};

  /** Default valid. */
  protected Padding padding = Padding.VALID;

  /** (dh, dw), default (1, 1). */
  protected int[] dilationRate = {1, 1};

  /** Default linear. */
  protected Activations activation = Activations.LINEAR;

  /** Default true. */
  protected boolean useBias = true;

  /** Default glorot_uniform. */
  protected Initializer kernelInitializer = Initializer.glorotUniform();

  /** Default zeros. */
  protected Initializer biasInitializer = Initializer.zeros();

  /** Default none (null). */
  protected Regularizer kernelRegularizer;

  /** Default none (null). */
  protected Regularizer biasRegularizer;

  /**
   * @param filters output channels
   * @param kernelHeight kernel height
   * @param kernelWidth kernel width
   */
  protected BaseConv(int filters, int kernelHeight, int kernelWidth) {
    this.filters = Check.positive("filters", filters);
    this.kernelSize = Check.positivePair("kernel_size", kernelHeight, kernelWidth);
  }

  @SuppressWarnings("unchecked")
  private T self() {
    return (T) this;
  }

  /**
   * @return this layer, with strides (sh, sw) (default (1, 1))
   */
  public T strides(int height, int width) {
    checkMutable();
    strides = Check.positivePair("strides", height, width);
    return self();
  }

  /**
   * @return this layer, with that padding (default valid)
   */
  public T padding(Padding padding) {
    checkMutable();
    this.padding = padding;
    return self();
  }

  /**
   * @return this layer, with the padding named "valid" or "same"
   */
  public T padding(String padding) {
    return padding(Padding.of(padding));
  }

  /**
   * @return this layer, with that dilation rate (default (1, 1))
   */
  public T dilationRate(int height, int width) {
    checkMutable();
    dilationRate = Check.positivePair("dilation_rate", height, width);
    return self();
  }

  /**
   * @return this layer, with that activation (default linear)
   */
  public T activation(Activations activation) {
    checkMutable();
    this.activation = activation;
    return self();
  }

  /**
   * @return this layer, with the activation of that Keras name
   */
  public T activation(String activation) {
    return activation(Activations.of(activation));
  }

  /**
   * @return this layer, with or without a bias (default with)
   */
  public T useBias(boolean useBias) {
    checkMutable();
    this.useBias = useBias;
    return self();
  }

  /**
   * @return this layer, with that kernel initializer (default glorot_uniform)
   */
  public T kernelInitializer(Initializer init) {
    checkMutable();
    kernelInitializer = init;
    return self();
  }

  /**
   * @return this layer, with that bias initializer (default zeros)
   */
  public T biasInitializer(Initializer init) {
    checkMutable();
    biasInitializer = init;
    return self();
  }

  /**
   * @return this layer, with that kernel penalty added to the loss (default none; null for none)
   */
  public T kernelRegularizer(Regularizer regularizer) {
    checkMutable();
    kernelRegularizer = regularizer;
    return self();
  }

  /**
   * @return this layer, with that bias penalty added to the loss (default none; null for none)
   */
  public T biasRegularizer(Regularizer regularizer) {
    checkMutable();
    biasRegularizer = regularizer;
    return self();
  }

  /**
   * @return the name of the weight {@code kernel_regularizer} applies to ({@code kernel})
   */
  protected String regularizedKernel() {
    return "kernel";
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
  public T named(String name) {
    super.named(name);
    return self();
  }

  @Override
  public T trainable(boolean trainable) {
    super.trainable(trainable);
    return self();
  }

  /**
   * @param in the input shape (batch, h, w, c)
   * @return the output's channels
   */
  protected long outputChannels(TensorShape in) {
    return filters;
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    TensorShape in = checkedInput(inputShapes);
    int kh = (kernelSize[0] - 1) * dilationRate[0] + 1;
    int kw = (kernelSize[1] - 1) * dilationRate[1] + 1;
    long h = padding.outputLength(in.dim(1), kh, strides[0]);
    long w = padding.outputLength(in.dim(2), kw, strides[1]);
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
    return TensorShape.of(in.dim(0), h, w, outputChannels(in));
  }

  /**
   * The checks every convolution makes of its input: one input of rank 4 with known channels, and
   * strides with dilation only where the layer allows it.
   *
   * @param inputShapes the input shapes
   * @return the single input shape
   */
  protected final TensorShape checkedInput(List<TensorShape> inputShapes) {
    TensorShape in = single(inputShapes);
    requireRank(in, 4, "(batch, height, width, channels)");
    if (in.dim(3) < 0) {
      throw new IllegalArgumentException(
          describe() + ": the channel dimension must be known, got " + in);
    }
    if ((dilationRate[0] > 1 || dilationRate[1] > 1)
        && (strides[0] > 1 || strides[1] > 1)
        && !allowsStridesWithDilation()) {
      throw new IllegalArgumentException(
          describe() + ": strides > 1 cannot be combined with dilation_rate > 1 (as in Keras)");
    }
    return in;
  }

  /**
   * @return whether strides and dilation rates above 1 may be combined (Keras refuses it for Conv2D
   *     and Conv2DTranspose, and allows it for the depthwise convolutions)
   */
  protected boolean allowsStridesWithDilation() {
    return false;
  }

  /** A convolution of the backend with the shape of {@code Backend.conv2d}. */
  @FunctionalInterface
  protected interface Convolution {
    /**
     * @return the convolution of x with the kernel
     */
    Operand<TFloat32> apply(
        Ops tf,
        Operand<TFloat32> x,
        Operand<TFloat32> kernel,
        int[] strides,
        String padding,
        int[] dilations);
  }

  /**
   * @param ctx the call context
   * @param x the input
   * @param kernel the kernel weight's name
   * @param op the backend's convolution
   * @return x convolved with that kernel at this layer's strides, padding and dilation rate
   */
  protected final Operand<TFloat32> convolve(
      CallContext ctx, Operand<TFloat32> x, String kernel, Convolution op) {
    return op.apply(ctx.tf(), x, ctx.weight(this, kernel), strides, padding.tfName(), dilationRate);
  }

  /**
   * @param name the kernel weight's name
   * @param shape its shape
   * @return a trainable kernel with this layer's kernel initializer
   */
  protected final WeightSpec kernelSpec(String name, long... shape) {
    return new WeightSpec(name, shape, kernelInitializer, true);
  }

  /**
   * @param biasSize the bias's length
   * @param kernels the layer's kernels
   * @return the kernels, then the bias where the layer has one
   */
  protected final List<WeightSpec> withBias(long biasSize, WeightSpec... kernels) {
    List<WeightSpec> w = new ArrayList<>(List.of(kernels));
    if (useBias) {
      w.add(new WeightSpec("bias", new long[] {biasSize}, biasInitializer, true));
    }
    return List.copyOf(w);
  }

  /**
   * @param config a config
   * @param after the key to insert after
   * @param key the new key
   * @param value its value
   * @return the config with the new entry right after {@code after} (Keras' order)
   */
  protected static Map<String, Object> insertAfter(
      Map<String, Object> config, String after, String key, Object value) {
    Map<String, Object> out = new LinkedHashMap<>();
    config.forEach(
        (k, v) -> {
          out.put(k, v);
          if (k.equals(after)) {
            out.put(key, value);
          }
        });
    return out;
  }

  /**
   * Adds the bias (where the layer has one), the weight penalties to the loss, and applies the
   * activation.
   *
   * @param ctx the call context
   * @param y the convolution's output
   * @return the layer's output
   */
  protected final Operand<TFloat32> finish(CallContext ctx, Operand<TFloat32> y) {
    Ops tf = ctx.tf();
    Operand<TFloat32> out = useBias ? ctx.backend().biasAdd(tf, y, ctx.weight(this, "bias")) : y;
    Regularizer.addPenalty(ctx, this, regularizedKernel(), kernelRegularizer);
    if (useBias) {
      Regularizer.addPenalty(ctx, this, "bias", biasRegularizer);
    }
    return Check.activate(ctx, activation, out);
  }

  /** The options every convolution's Keras config has, in Keras' order (name first). */
  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> c = super.getConfig();
    c.put("filters", filters);
    c.put("kernel_size", List.of(kernelSize[0], kernelSize[1]));
    c.put("strides", List.of(strides[0], strides[1]));
    c.put("padding", padding.kerasName());
    c.put("data_format", "channels_last");
    c.put("dilation_rate", List.of(dilationRate[0], dilationRate[1]));
    c.put("activation", activation.kerasName());
    c.put("use_bias", useBias);
    c.put("kernel_initializer", kernelInitializer);
    c.put("bias_initializer", biasInitializer);
    c.put("kernel_regularizer", kernelRegularizer);
    c.put("bias_regularizer", biasRegularizer);
    c.put("activity_regularizer", null);
    c.put("kernel_constraint", null);
    c.put("bias_constraint", null);
    return c;
  }

  /**
   * Reads the options every convolution has from a Keras config into a layer.
   *
   * @param c the config
   * @param layer the layer made from its filters and kernel size
   * @param <L> its type
   * @return the layer
   */
  protected static <L extends BaseConv<L>> L readCommon(LayerConfig c, L layer) {
    return readCommon(c, layer, "kernel");
  }

  /**
   * As {@link #readCommon(LayerConfig, BaseConv)}, for a layer whose kernel options have another
   * prefix ({@code depthwise_initializer}, {@code depthwise_regularizer}, ...).
   *
   * @param c the config
   * @param layer the layer
   * @param kernel the prefix of the kernel's options: {@code kernel} or {@code depthwise}
   * @param <L> its type
   * @return the layer
   */
  protected static <L extends BaseConv<L>> L readCommon(LayerConfig c, L layer, String kernel) {
    int[] s = c.getPair("strides", new int[] {1, 1});
    layer.strides(s[0], s[1]);
    layer.padding(c.getPadding("padding"));
    int[] d = c.getPair("dilation_rate", new int[] {1, 1});
    layer.dilationRate(d[0], d[1]);
    layer.activation(c.getActivation("activation"));
    layer.useBias(c.getBoolean("use_bias", true));
    layer.kernelInitializer(c.getInitializer(kernel + "_initializer", Initializer.glorotUniform()));
    layer.biasInitializer(c.getInitializer("bias_initializer", Initializer.zeros()));
    layer.kernelRegularizer(c.getRegularizer(kernel + "_regularizer"));
    layer.biasRegularizer(c.getRegularizer("bias_regularizer"));
    c.requireValue("data_format", "channels_last");
    c.requireNull("activity_regularizer", kernel + "_constraint", "bias_constraint");
    return layer;
  }

  /**
   * @param c a Keras config
   * @return its kernel size, or an error naming the option
   */
  protected static int[] kernelSizeOf(LayerConfig c) {
    int[] k = c.getPair("kernel_size", null);
    if (k == null) {
      throw c.unsupported("kernel_size", null, "an integer or a pair");
    }
    return k;
  }
}
