package dev.jeras.layers;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * 2D convolution over NHWC images: {@code y = activation(conv2d(x, kernel) + bias)}.
 *
 * <p>Options, with Keras' defaults: {@code filters} (required), {@code kernel_size} (required),
 * {@code strides} (1, 1), {@code padding} "valid", {@code dilation_rate} (1, 1), {@code activation}
 * linear, {@code use_bias} true, {@code kernel_initializer} glorot_uniform, {@code
 * bias_initializer} zeros.
 *
 * <p>Input (batch, height, width, channels); output (batch, new_height, new_width, filters).
 * Weights: kernel (kh, kw, channels, filters), bias (filters).
 *
 * <pre>{@code
 * new Conv2D(32, 3).activation("relu")                 // 3x3 kernel
 * new Conv2D(64, 3, 3).padding(Padding.SAME).strides(2, 2)
 * }</pre>
 */
public final class Conv2D extends BaseConv<Conv2D> {
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
    super(filters, kernelHeight, kernelWidth);
  }

  @Override
  public String className() {
    return "Conv2D";
  }

  @Override
  public List<WeightSpec> weightSpecs(List<TensorShape> inputShapes) {
    long channels = inputShapes.get(0).dim(3);
    return withBias(filters, kernelSpec("kernel", kernelSize[0], kernelSize[1], channels, filters));
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    return finish(ctx, convolve(ctx, inputs.get(0), "kernel", ctx.backend()::conv2d));
  }

  @Override
  public Map<String, Object> getConfig() {
    return insertAfter(super.getConfig(), "dilation_rate", "groups", 1);
  }

  /**
   * @param c a Keras Conv2D config
   * @return the layer it describes
   */
  public static Conv2D fromConfig(LayerConfig c) {
    int[] k = kernelSizeOf(c);
    Conv2D l = readCommon(c, new Conv2D(c.getInt("filters"), k[0], k[1]));
    c.requireValue("groups", 1);
    c.finish();
    return l;
  }
}
