package dev.jeras.layers;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Depthwise separable 2D convolution: a depthwise convolution (each input channel with its own
 * {@code depth_multiplier} filters, strides, padding and dilation applied here), then a 1x1
 * pointwise convolution mixing the channels into {@code filters} outputs, then bias and activation.
 *
 * <p>Options, with Keras' defaults: {@code filters} and {@code kernel_size} (required), {@code
 * depth_multiplier} 1, {@code strides} (1, 1), {@code padding} "valid", {@code dilation_rate} (1,
 * 1), {@code activation} linear, {@code use_bias} true, {@code depthwise_initializer} and {@code
 * pointwise_initializer} glorot_uniform, {@code bias_initializer} zeros, {@code
 * depthwise_regularizer}, {@code pointwise_regularizer} and {@code bias_regularizer} none.
 *
 * <p>Input (batch, height, width, channels); output (batch, new_height, new_width, filters).
 * Weights, in Keras' order: depthwise_kernel (kh, kw, channels, depth_multiplier), pointwise_kernel
 * (1, 1, channels * depth_multiplier, filters), bias (filters).
 *
 * <pre>{@code
 * new SeparableConv2D(64, 3).padding("same").activation("relu")
 * }</pre>
 */
public final class SeparableConv2D extends BaseConv<SeparableConv2D> {
  private int depthMultiplier = 1;
  private Initializer pointwiseInitializer = Initializer.glorotUniform();
  private Regularizer pointwiseRegularizer;

  /**
   * @param filters output channels
   * @param kernelSize square kernel side
   */
  public SeparableConv2D(int filters, int kernelSize) {
    this(filters, kernelSize, kernelSize);
  }

  /**
   * @param filters output channels
   * @param kernelHeight kernel height
   * @param kernelWidth kernel width
   */
  public SeparableConv2D(int filters, int kernelHeight, int kernelWidth) {
    super(filters, kernelHeight, kernelWidth);
  }

  /**
   * @param depthMultiplier the depthwise filters per input channel (default 1)
   * @return this layer
   */
  public SeparableConv2D depthMultiplier(int depthMultiplier) {
    checkMutable();
    this.depthMultiplier = Check.positive("depth_multiplier", depthMultiplier);
    return this;
  }

  /**
   * The depthwise kernel's initializer is {@link #kernelInitializer}.
   *
   * @param init the pointwise kernel's initializer (default glorot_uniform)
   * @return this layer
   */
  public SeparableConv2D pointwiseInitializer(Initializer init) {
    checkMutable();
    pointwiseInitializer = init;
    return this;
  }

  /**
   * The depthwise kernel's penalty is {@link #kernelRegularizer}.
   *
   * @param regularizer the pointwise kernel's penalty added to the loss (default none; null for
   *     none)
   * @return this layer
   */
  public SeparableConv2D pointwiseRegularizer(Regularizer regularizer) {
    checkMutable();
    pointwiseRegularizer = regularizer;
    return this;
  }

  @Override
  public String className() {
    return "SeparableConv2D";
  }

  @Override
  protected String regularizedKernel() {
    return "depthwise_kernel";
  }

  @Override
  protected boolean allowsStridesWithDilation() {
    return true;
  }

  @Override
  public List<WeightSpec> weightSpecs(List<TensorShape> inputShapes) {
    long channels = inputShapes.get(0).dim(3);
    WeightSpec depthwise =
        kernelSpec("depthwise_kernel", kernelSize[0], kernelSize[1], channels, depthMultiplier);
    WeightSpec pointwise =
        new WeightSpec(
            "pointwise_kernel",
            new long[] {1, 1, channels * depthMultiplier, filters},
            pointwiseInitializer,
            true);
    return withBias(filters, depthwise, pointwise);
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    Ops tf = ctx.tf();
    Operand<TFloat32> depthwise =
        convolve(ctx, inputs.get(0), "depthwise_kernel", ctx.backend()::depthwiseConv2d);
    Operand<TFloat32> y =
        ctx.backend()
            .conv2d(
                tf,
                depthwise,
                ctx.weight(this, "pointwise_kernel"),
                new int[] {1, 1},
                "VALID",
                new int[] {1, 1});
    Regularizer.addPenalty(ctx, this, "pointwise_kernel", pointwiseRegularizer);
    return finish(ctx, y);
  }

  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> out = new LinkedHashMap<>();
    super.getConfig()
        .forEach(
            (k, v) -> {
              switch (k) {
                case "filters" -> {
                  out.put("depth_multiplier", depthMultiplier);
                  out.put("filters", v);
                }
                case "kernel_initializer" -> {
                  out.put("depthwise_initializer", v);
                  out.put("pointwise_initializer", pointwiseInitializer);
                }
                case "kernel_regularizer" -> {
                  out.put("depthwise_regularizer", v);
                  out.put("pointwise_regularizer", pointwiseRegularizer);
                }
                case "kernel_constraint" -> {
                  out.put("depthwise_constraint", null);
                  out.put("pointwise_constraint", null);
                }
                default -> out.put(k, v);
              }
            });
    return out;
  }

  /**
   * @param c a Keras SeparableConv2D config
   * @return the layer it describes
   */
  public static SeparableConv2D fromConfig(LayerConfig c) {
    int[] k = kernelSizeOf(c);
    SeparableConv2D l = new SeparableConv2D(c.getInt("filters"), k[0], k[1]);
    l.depthMultiplier(c.getInt("depth_multiplier", 1));
    l.pointwiseInitializer(c.getInitializer("pointwise_initializer", Initializer.glorotUniform()));
    l.pointwiseRegularizer(c.getRegularizer("pointwise_regularizer"));
    c.requireNull("pointwise_constraint");
    readCommon(c, l, "depthwise");
    c.finish();
    return l;
  }
}
