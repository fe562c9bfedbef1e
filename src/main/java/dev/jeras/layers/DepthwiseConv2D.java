package dev.jeras.layers;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * Depthwise 2D convolution over NHWC images: each input channel is convolved with its own {@code
 * depth_multiplier} filters, {@code y = activation(depthwise_conv2d(x, kernel) + bias)}; output
 * channel {@code c * depth_multiplier + m} comes from input channel c and filter m.
 *
 * <p>Options, with Keras' defaults: {@code kernel_size} (required), {@code depth_multiplier} 1,
 * {@code strides} (1, 1), {@code padding} "valid", {@code dilation_rate} (1, 1) (strides and
 * dilation may be combined, as in Keras), {@code activation} linear, {@code use_bias} true, {@code
 * depthwise_initializer} glorot_uniform ({@link #kernelInitializer}), {@code bias_initializer}
 * zeros, {@code depthwise_regularizer} ({@link #kernelRegularizer}) and {@code bias_regularizer}
 * none.
 *
 * <p>Input (batch, height, width, channels); output (batch, new_height, new_width, channels *
 * depth_multiplier). Weights: kernel (kh, kw, channels, depth_multiplier), bias (channels *
 * depth_multiplier).
 *
 * <pre>{@code
 * new DepthwiseConv2D(3).padding("same")            // MobileNet's 3x3 depthwise step
 * new DepthwiseConv2D(3, 3).depthMultiplier(2).strides(2, 2)
 * }</pre>
 */
public final class DepthwiseConv2D extends BaseConv<DepthwiseConv2D> {
  private int depthMultiplier = 1;

  /**
   * @param kernelSize square kernel side
   */
  public DepthwiseConv2D(int kernelSize) {
    this(kernelSize, kernelSize);
  }

  /**
   * @param kernelHeight kernel height
   * @param kernelWidth kernel width
   */
  public DepthwiseConv2D(int kernelHeight, int kernelWidth) {
    super(1, kernelHeight, kernelWidth);
  }

  /**
   * @param depthMultiplier the filters per input channel (default 1)
   * @return this layer
   */
  public DepthwiseConv2D depthMultiplier(int depthMultiplier) {
    checkMutable();
    this.depthMultiplier = Check.positive("depth_multiplier", depthMultiplier);
    return this;
  }

  /**
   * @return the filters per input channel
   */
  public int depthMultiplier() {
    return depthMultiplier;
  }

  @Override
  public String className() {
    return "DepthwiseConv2D";
  }

  @Override
  protected boolean allowsStridesWithDilation() {
    return true;
  }

  @Override
  protected long outputChannels(TensorShape in) {
    return in.dim(3) * depthMultiplier;
  }

  @Override
  public List<WeightSpec> weightSpecs(List<TensorShape> inputShapes) {
    long channels = inputShapes.get(0).dim(3);
    return withBias(
        channels * depthMultiplier,
        kernelSpec("kernel", kernelSize[0], kernelSize[1], channels, depthMultiplier));
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    return finish(ctx, convolve(ctx, inputs.get(0), "kernel", ctx.backend()::depthwiseConv2d));
  }

  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> out = new LinkedHashMap<>();
    super.getConfig()
        .forEach(
            (k, v) -> {
              if (k.equals("filters")) {
                out.put("depth_multiplier", depthMultiplier);
              } else {
                out.put(renamed(k, "depthwise"), v);
              }
            });
    return out;
  }

  /**
   * @param key a key of BaseConv's config
   * @param prefix the kernel's prefix in this layer's config
   * @return {@code kernel_initializer} as {@code <prefix>_initializer} (also regularizer and
   *     constraint), other keys unchanged
   */
  static String renamed(String key, String prefix) {
    return switch (key) {
      case "kernel_initializer", "kernel_regularizer", "kernel_constraint" ->
          prefix + key.substring("kernel".length());
      default -> key;
    };
  }

  /**
   * @param c a Keras DepthwiseConv2D config
   * @return the layer it describes
   */
  public static DepthwiseConv2D fromConfig(LayerConfig c) {
    int[] k = kernelSizeOf(c);
    DepthwiseConv2D l = new DepthwiseConv2D(k[0], k[1]);
    l.depthMultiplier(c.getInt("depth_multiplier", 1));
    readCommon(c, l, "depthwise");
    c.finish();
    return l;
  }
}
