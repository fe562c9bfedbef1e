package dev.jeras.applications;

import dev.jeras.layers.Add;
import dev.jeras.layers.BatchNormalization;
import dev.jeras.layers.Conv2D;
import dev.jeras.layers.Dense;
import dev.jeras.layers.DepthwiseConv2D;
import dev.jeras.layers.GlobalAveragePooling2D;
import dev.jeras.layers.GlobalMaxPooling2D;
import dev.jeras.layers.Input;
import dev.jeras.layers.ReLU;
import dev.jeras.layers.SymbolicTensor;
import dev.jeras.models.Model;
import java.math.BigDecimal;
import java.math.RoundingMode;

/**
 * Keras' MobileNetV2 ({@code keras.applications.MobileNetV2}), layer for layer with Keras' names: a
 * stride-2 3x3 convolution ({@code Conv1}, {@code bn_Conv1}, {@code Conv1_relu}), 17 inverted
 * residual blocks ({@code expanded_conv_*}, then {@code block_1_*} to {@code block_16_*}: 1x1
 * expansion, 3x3 depthwise convolution, 1x1 linear projection, a residual {@code Add} where the
 * shape allows), a 1x1 convolution to 1280 channels ({@code Conv_1}, {@code Conv_1_bn}, {@code
 * out_relu}), then the top ({@code global_average_pooling2d}, {@code predictions}) or the pooling.
 * Every ReLU is capped at 6; BatchNormalization uses momentum 0.999 and epsilon 1e-3.
 *
 * <p>Keras arguments mirrored: {@code input_shape} (default 224x224x3, at least 32x32), {@code
 * alpha} (the width multiplier: every layer's filters scaled and rounded to a multiple of 8 as
 * Keras' {@code _make_divisible}; the last convolution widens only for alpha above 1), {@code
 * include_top}, {@code pooling}, {@code classes}, {@code classifier_activation}, {@code name}
 * (default {@code mobilenetv2_<alpha, 2 decimals>_<rows>}). Kernels are glorot_uniform as in Keras.
 * Inputs are expected in [-1, 1] (Keras' {@code mobilenet_v2.preprocess_input}: x / 127.5 - 1).
 */
final class MobileNetV2 {
  private static final double BN_MOMENTUM = 0.999;
  private static final double BN_EPSILON = 1e-3;

  /** The inverted residual blocks after the first one: (filters, stride). */
  private static final int[][] BLOCKS = {
    {24, 2}, {24, 1}, {32, 2}, {32, 1}, {32, 1}, {64, 2}, {64, 1}, {64, 1}, {64, 1}, {96, 1},
    {96, 1}, {96, 1}, {160, 2}, {160, 1}, {160, 1}, {320, 1}
  };

  private MobileNetV2() {}

  static Model build(ApplicationOptions options) {
    double alpha = options.alpha();
    int[] shape = options.inputShape(224, 32, "MobileNetV2");
    SymbolicTensor in = Input.shape(shape[0], shape[1], shape[2]);

    SymbolicTensor x =
        new Conv2D(makeDivisible(32 * alpha), 3)
            .strides(2, 2)
            .padding("same")
            .useBias(false)
            .named("Conv1")
            .apply(in);
    x = batchNorm("bn_Conv1", x);
    x = relu6("Conv1_relu", x);

    x = invertedResidual(x, 16, alpha, 1, 1, 0);
    for (int i = 0; i < BLOCKS.length; i++) {
      x = invertedResidual(x, BLOCKS[i][0], alpha, BLOCKS[i][1], 6, i + 1);
    }

    int lastFilters = alpha > 1.0 ? makeDivisible(1280 * alpha) : 1280;
    x = new Conv2D(lastFilters, 1).useBias(false).named("Conv_1").apply(x);
    x = batchNorm("Conv_1_bn", x);
    x = relu6("out_relu", x);

    if (options.includeTop()) {
      x = new GlobalAveragePooling2D().apply(x);
      x =
          new Dense(options.classes())
              .activation(options.classifierActivation())
              .named("predictions")
              .apply(x);
    } else if ("avg".equals(options.pooling())) {
      x = new GlobalAveragePooling2D().apply(x);
    } else if ("max".equals(options.pooling())) {
      x = new GlobalMaxPooling2D().apply(x);
    }
    return new Model(in, x).named(options.modelName(defaultName(alpha, shape[0])));
  }

  /**
   * One inverted residual block: expand (except block 0), depthwise 3x3 (stride 2 after Keras'
   * asymmetric zero padding), project to {@code filters * alpha} rounded, add the input back when
   * the shapes match.
   */
  private static SymbolicTensor invertedResidual(
      SymbolicTensor in, int filters, double alpha, int stride, int expansion, int blockId) {
    long inChannels = in.shape().dim(3);
    int pointwise = makeDivisible((int) (filters * alpha));
    String prefix = "block_" + blockId + "_";
    SymbolicTensor x = in;
    if (blockId > 0) {
      x =
          new Conv2D(Math.toIntExact(expansion * inChannels), 1)
              .padding("same")
              .useBias(false)
              .named(prefix + "expand")
              .apply(x);
      x = batchNorm(prefix + "expand_BN", x);
      x = relu6(prefix + "expand_relu", x);
    } else {
      prefix = "expanded_conv_";
    }
    if (stride == 2) {
      x = ImageNetPadding.before(x, 3).named(prefix + "pad").apply(x);
    }
    x =
        new DepthwiseConv2D(3)
            .strides(stride, stride)
            .padding(stride == 1 ? "same" : "valid")
            .useBias(false)
            .named(prefix + "depthwise")
            .apply(x);
    x = batchNorm(prefix + "depthwise_BN", x);
    x = relu6(prefix + "depthwise_relu", x);
    x = new Conv2D(pointwise, 1).padding("same").useBias(false).named(prefix + "project").apply(x);
    x = batchNorm(prefix + "project_BN", x);
    if (inChannels == pointwise && stride == 1) {
      return new Add().named(prefix + "add").apply(in, x);
    }
    return x;
  }

  private static SymbolicTensor batchNorm(String name, SymbolicTensor x) {
    return new BatchNormalization().epsilon(BN_EPSILON).momentum(BN_MOMENTUM).named(name).apply(x);
  }

  private static SymbolicTensor relu6(String name, SymbolicTensor x) {
    return new ReLU().maxValue(6.0).named(name).apply(x);
  }

  /**
   * Keras' {@code _make_divisible(v, 8)}: the nearest multiple of 8 (at least 8), one step up if
   * rounding lost more than 10%.
   */
  static int makeDivisible(double v) {
    int rounded = Math.max(8, (int) (v + 4) / 8 * 8);
    return rounded < 0.9 * v ? rounded + 8 : rounded;
  }

  /** Keras' default name, {@code mobilenetv2_1.00_224}: alpha rounded as Python's {@code 0.2f}. */
  static String defaultName(double alpha, int rows) {
    BigDecimal a = new BigDecimal(alpha).setScale(2, RoundingMode.HALF_EVEN);
    return "mobilenetv2_" + a.toPlainString() + "_" + rows;
  }
}
