package dev.jeras.layers;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * Transposed 2D convolution (sometimes called deconvolution): the gradient of a convolution with
 * respect to its input, used to upsample feature maps, {@code y = activation(conv_transpose(x,
 * kernel) + bias)}.
 *
 * <p>Output size along each spatial axis, as Keras computes it (k the dilated kernel size): with
 * {@code padding} "valid", {@code (in - 1) * stride + k + output_padding}, output_padding
 * defaulting to {@code max(k, stride) - k}; with "same", {@code in * stride} without
 * output_padding, else {@code (in - 1) * stride + k % 2 + output_padding}.
 *
 * <p>Options, with Keras' defaults: {@code filters} and {@code kernel_size} (required), {@code
 * strides} (1, 1), {@code padding} "valid", {@code output_padding} none (each value below its
 * stride), {@code dilation_rate} (1, 1) (not with strides above 1), {@code activation} linear,
 * {@code use_bias} true, {@code kernel_initializer} glorot_uniform, {@code bias_initializer} zeros.
 *
 * <p>Input (batch, height, width, channels); output (batch, new_height, new_width, filters).
 * Weights: kernel (kh, kw, filters, channels), bias (filters).
 *
 * <pre>{@code
 * new Conv2DTranspose(32, 2).strides(2, 2)             // U-Net's 2x upsampling
 * new Conv2DTranspose(16, 3).strides(2, 2).padding("same").outputPadding(1, 1)
 * }</pre>
 */
public final class Conv2DTranspose extends BaseConv<Conv2DTranspose> {
  private int[] outputPadding;

  /**
   * @param filters output channels
   * @param kernelSize square kernel side
   */
  public Conv2DTranspose(int filters, int kernelSize) {
    this(filters, kernelSize, kernelSize);
  }

  /**
   * @param filters output channels
   * @param kernelHeight kernel height
   * @param kernelWidth kernel width
   */
  public Conv2DTranspose(int filters, int kernelHeight, int kernelWidth) {
    super(filters, kernelHeight, kernelWidth);
  }

  /**
   * @param height extra rows at the bottom of the output, below the height stride
   * @param width extra columns at the right, below the width stride
   * @return this layer
   */
  public Conv2DTranspose outputPadding(int height, int width) {
    checkMutable();
    if (height < 0 || width < 0) {
      throw new IllegalArgumentException(
          "output_padding must be >= 0, got (" + height + ", " + width + ")");
    }
    outputPadding = new int[] {height, width};
    return this;
  }

  @Override
  public String className() {
    return "Conv2DTranspose";
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    TensorShape in = checkedInput(inputShapes);
    if (outputPadding != null) {
      for (int i = 0; i < 2; i++) {
        if (outputPadding[i] >= strides[i]) {
          throw new IllegalArgumentException(
              describe()
                  + ": output_padding ("
                  + outputPadding[0]
                  + ", "
                  + outputPadding[1]
                  + ") must be below strides ("
                  + strides[0]
                  + ", "
                  + strides[1]
                  + ") on each axis");
        }
      }
    }
    return TensorShape.of(in.dim(0), length(in.dim(1), 0), length(in.dim(2), 1), filters);
  }

  /** Keras' output length along spatial axis i. */
  private long length(long input, int i) {
    int k = (kernelSize[i] - 1) * dilationRate[i] + 1;
    int s = strides[i];
    if (padding == Padding.VALID) {
      int extra = outputPadding == null ? Math.max(k, s) - k : outputPadding[i];
      return (input - 1) * s + k + extra;
    }
    return outputPadding == null ? input * s : (input - 1) * s + k % 2 + outputPadding[i];
  }

  @Override
  public List<WeightSpec> weightSpecs(List<TensorShape> inputShapes) {
    long channels = inputShapes.get(0).dim(3);
    return withBias(filters, kernelSpec("kernel", kernelSize[0], kernelSize[1], filters, channels));
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    Operand<TFloat32> x = inputs.get(0);
    long[] dims = x.shape().asArray();
    Operand<TFloat32> y =
        ctx.backend()
            .conv2dTranspose(
                ctx.tf(),
                x,
                ctx.weight(this, "kernel"),
                new long[] {length(dims[1], 0), length(dims[2], 1)},
                strides,
                padding.tfName(),
                dilationRate);
    return finish(ctx, y);
  }

  @Override
  public Map<String, Object> getConfig() {
    return insertAfter(
        super.getConfig(),
        "padding",
        "output_padding",
        outputPadding == null ? null : List.of(outputPadding[0], outputPadding[1]));
  }

  /**
   * @param c a Keras Conv2DTranspose config
   * @return the layer it describes
   */
  public static Conv2DTranspose fromConfig(LayerConfig c) {
    int[] k = kernelSizeOf(c);
    Conv2DTranspose l = readCommon(c, new Conv2DTranspose(c.getInt("filters"), k[0], k[1]));
    if (c.has("output_padding")) {
      int[] p = c.getPair("output_padding", null);
      l.outputPadding(p[0], p[1]);
    } else {
      c.ignore("output_padding");
    }
    c.finish();
    return l;
  }
}
