package dev.jeras.applications;

import dev.jeras.layers.Activation;
import dev.jeras.layers.Add;
import dev.jeras.layers.BatchNormalization;
import dev.jeras.layers.Conv2D;
import dev.jeras.layers.Dense;
import dev.jeras.layers.DepthwiseConv2D;
import dev.jeras.layers.Dropout;
import dev.jeras.layers.GlobalAveragePooling2D;
import dev.jeras.layers.GlobalMaxPooling2D;
import dev.jeras.layers.Initializer;
import dev.jeras.layers.Input;
import dev.jeras.layers.Multiply;
import dev.jeras.layers.Normalization;
import dev.jeras.layers.Rescaling;
import dev.jeras.layers.Reshape;
import dev.jeras.layers.SymbolicTensor;
import dev.jeras.models.Model;

/**
 * Keras' EfficientNetB0 ({@code keras.applications.EfficientNetB0}), layer for layer with Keras'
 * names: the preprocessing inside the model ({@code rescaling} by 1/255, then {@code normalization}
 * per channel whose mean, variance and count are weights, identity until a weights file sets them),
 * the stem ({@code stem_conv_pad}, a stride-2 3x3 {@code stem_conv}, {@code stem_bn}, {@code
 * stem_activation}), 16 MBConv blocks in 7 stages ({@code block1a_} to {@code block7a_}: 1x1
 * expansion, depthwise convolution, squeeze-and-excitation with a quarter of the block's input
 * channels, 1x1 projection, and where input and output match a drop-connect {@code Dropout} with
 * noise shape (None, 1, 1, 1) whose rate grows from 0 towards 0.2 over the blocks, then an {@code
 * Add}), {@code top_conv} to 1280 channels, {@code top_bn}, {@code top_activation}, then the top
 * ({@code avg_pool}, {@code top_dropout} 0.2, {@code predictions}) or the pooling ({@code avg_pool}
 * or {@code max_pool}). Activations are swish (Keras writes silu); BatchNormalization has Keras'
 * defaults on axis 3.
 *
 * <p>Keras arguments mirrored: {@code input_shape} (default 224x224x3, at least 32x32), {@code
 * include_top}, {@code pooling}, {@code classes}, {@code classifier_activation}, {@code name}
 * (default {@code efficientnetb0}). Initializers are Keras': convolutions VarianceScaling(2.0,
 * fan_out, truncated_normal), the classifier VarianceScaling(1/3, fan_out, uniform). Inputs are
 * pixels in [0, 255]. The widths and depths go through Keras' {@code round_filters} and {@code
 * round_repeats} (identities for B0, whose coefficients are 1). As Keras with {@code weights=None}
 * or a weights path: Keras' {@code weights="imagenet"} model has one more {@code Rescaling} after
 * {@code normalization}, not built here.
 */
final class EfficientNetB0 {
  private static final Initializer CONV_INIT =
      new Initializer.VarianceScaling("VarianceScaling", 2.0, "fan_out", "truncated_normal");
  private static final Initializer DENSE_INIT =
      new Initializer.VarianceScaling("VarianceScaling", 1.0 / 3.0, "fan_out", "uniform");
  private static final String ACTIVATION = "swish";
  private static final int DEPTH_DIVISOR = 8;
  private static final double DROP_CONNECT_RATE = 0.2;
  private static final double SE_RATIO = 0.25;

  /** One stage of blocks, Keras' {@code DEFAULT_BLOCKS_ARGS} (all with id_skip and se 0.25). */
  private record Stage(
      int kernel, int repeats, int filtersIn, int filtersOut, int expandRatio, int strides) {}

  private static final Stage[] STAGES = {
    new Stage(3, 1, 32, 16, 1, 1),
    new Stage(3, 2, 16, 24, 6, 2),
    new Stage(5, 2, 24, 40, 6, 2),
    new Stage(3, 3, 40, 80, 6, 2),
    new Stage(5, 3, 80, 112, 6, 1),
    new Stage(5, 4, 112, 192, 6, 2),
    new Stage(3, 1, 192, 320, 6, 1),
  };

  private EfficientNetB0() {}

  static Model build(ApplicationOptions options) {
    options.requireNoAlpha("EfficientNetB0");
    return efficientNet(options, 1.0, 1.0, 224, 0.2, "efficientnetb0");
  }

  /** Keras' {@code EfficientNet(...)} for one set of scaling coefficients. */
  private static Model efficientNet(
      ApplicationOptions options,
      double width,
      double depth,
      int defaultSize,
      double dropoutRate,
      String defaultName) {
    int[] shape = options.inputShape(defaultSize, 32, defaultName);
    SymbolicTensor in = Input.shape(shape[0], shape[1], shape[2]);

    SymbolicTensor x = new Rescaling(1.0 / 255.0).apply(in);
    x = new Normalization().axis(3).apply(x);
    x = ImageNetPadding.before(x, 3).named("stem_conv_pad").apply(x);
    x =
        new Conv2D(roundFilters(32, width), 3)
            .strides(2, 2)
            .padding("valid")
            .useBias(false)
            .kernelInitializer(CONV_INIT)
            .named("stem_conv")
            .apply(x);
    x = batchNorm("stem_bn", x);
    x = new Activation(ACTIVATION).named("stem_activation").apply(x);

    int blocks = 0;
    for (Stage s : STAGES) {
      blocks += roundRepeats(s.repeats(), depth);
    }
    int b = 0;
    for (int i = 0; i < STAGES.length; i++) {
      Stage s = STAGES[i];
      int filtersIn = roundFilters(s.filtersIn(), width);
      int filtersOut = roundFilters(s.filtersOut(), width);
      int repeats = roundRepeats(s.repeats(), depth);
      for (int j = 0; j < repeats; j++) {
        String name = "block" + (i + 1) + (char) ('a' + j) + "_";
        x =
            block(
                x,
                name,
                DROP_CONNECT_RATE * b / blocks,
                j == 0 ? filtersIn : filtersOut,
                filtersOut,
                s.kernel(),
                j == 0 ? s.strides() : 1,
                s.expandRatio());
        b++;
      }
    }

    x =
        new Conv2D(roundFilters(1280, width), 1)
            .padding("same")
            .useBias(false)
            .kernelInitializer(CONV_INIT)
            .named("top_conv")
            .apply(x);
    x = batchNorm("top_bn", x);
    x = new Activation(ACTIVATION).named("top_activation").apply(x);

    if (options.includeTop()) {
      x = new GlobalAveragePooling2D().named("avg_pool").apply(x);
      if (dropoutRate > 0) {
        x = new Dropout(dropoutRate).named("top_dropout").apply(x);
      }
      x =
          new Dense(options.classes())
              .activation(options.classifierActivation())
              .kernelInitializer(DENSE_INIT)
              .named("predictions")
              .apply(x);
    } else if ("avg".equals(options.pooling())) {
      x = new GlobalAveragePooling2D().named("avg_pool").apply(x);
    } else if ("max".equals(options.pooling())) {
      x = new GlobalMaxPooling2D().named("max_pool").apply(x);
    }
    return new Model(in, x).named(options.modelName(defaultName));
  }

  /** One MBConv block: expansion, depthwise convolution, squeeze-and-excitation, projection. */
  private static SymbolicTensor block(
      SymbolicTensor in,
      String name,
      double dropRate,
      int filtersIn,
      int filtersOut,
      int kernel,
      int strides,
      int expandRatio) {
    int filters = filtersIn * expandRatio;
    SymbolicTensor x = in;
    if (expandRatio != 1) {
      x = conv1x1(filters, name + "expand_conv", x);
      x = batchNorm(name + "expand_bn", x);
      x = new Activation(ACTIVATION).named(name + "expand_activation").apply(x);
    }
    if (strides == 2) {
      x = ImageNetPadding.before(x, kernel).named(name + "dwconv_pad").apply(x);
    }
    x =
        new DepthwiseConv2D(kernel)
            .strides(strides, strides)
            .padding(strides == 2 ? "valid" : "same")
            .useBias(false)
            .kernelInitializer(CONV_INIT)
            .named(name + "dwconv")
            .apply(x);
    x = batchNorm(name + "bn", x);
    x = new Activation(ACTIVATION).named(name + "activation").apply(x);

    int filtersSe = Math.max(1, (int) (filtersIn * SE_RATIO));
    SymbolicTensor se = new GlobalAveragePooling2D().named(name + "se_squeeze").apply(x);
    se = new Reshape(1, 1, filters).named(name + "se_reshape").apply(se);
    se =
        new Conv2D(filtersSe, 1)
            .padding("same")
            .activation(ACTIVATION)
            .kernelInitializer(CONV_INIT)
            .named(name + "se_reduce")
            .apply(se);
    se =
        new Conv2D(filters, 1)
            .padding("same")
            .activation("sigmoid")
            .kernelInitializer(CONV_INIT)
            .named(name + "se_expand")
            .apply(se);
    x = new Multiply().named(name + "se_excite").apply(x, se);

    x = conv1x1(filtersOut, name + "project_conv", x);
    x = batchNorm(name + "project_bn", x);
    if (strides == 1 && filtersIn == filtersOut) {
      if (dropRate > 0) {
        x = new Dropout(dropRate).noiseShape(null, 1, 1, 1).named(name + "drop").apply(x);
      }
      x = new Add().named(name + "add").apply(x, in);
    }
    return x;
  }

  private static SymbolicTensor conv1x1(int filters, String name, SymbolicTensor x) {
    return new Conv2D(filters, 1)
        .padding("same")
        .useBias(false)
        .kernelInitializer(CONV_INIT)
        .named(name)
        .apply(x);
  }

  private static SymbolicTensor batchNorm(String name, SymbolicTensor x) {
    return new BatchNormalization().axis(3).named(name).apply(x);
  }

  /** Keras' {@code round_filters}: filters times the width, to a multiple of 8 within 10%. */
  static int roundFilters(int filters, double width) {
    double scaled = filters * width;
    int rounded =
        Math.max(
            DEPTH_DIVISOR, (int) (scaled + DEPTH_DIVISOR / 2.0) / DEPTH_DIVISOR * DEPTH_DIVISOR);
    return rounded < 0.9 * scaled ? rounded + DEPTH_DIVISOR : rounded;
  }

  /** Keras' {@code round_repeats}: repeats times the depth, rounded up. */
  static int roundRepeats(int repeats, double depth) {
    return (int) Math.ceil(depth * repeats);
  }
}
