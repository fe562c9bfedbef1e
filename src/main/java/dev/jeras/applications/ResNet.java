package dev.jeras.applications;

import dev.jeras.layers.Activation;
import dev.jeras.layers.Add;
import dev.jeras.layers.BatchNormalization;
import dev.jeras.layers.Conv2D;
import dev.jeras.layers.Input;
import dev.jeras.layers.MaxPooling2D;
import dev.jeras.layers.SymbolicTensor;
import dev.jeras.layers.ZeroPadding2D;
import dev.jeras.models.Model;

/**
 * Keras' ResNet v1 family ({@code keras.applications.resnet.ResNet50/101/152}): a 7x7 stem with max
 * pooling, then four stages {@code conv2..conv5} of bottleneck blocks (1x1, 3x3, 1x1 convolutions
 * with biases, batch normalization with epsilon 1.001e-5, a projection shortcut in each stage's
 * first block), with Keras' layer names ({@code conv2_block1_0_conv}, {@code conv3_block2_add},
 * ...). The members differ only in how many blocks each stage has.
 */
final class ResNet {
  private static final double EPSILON = 1.001e-5;

  /** Batch normalization's axis as Keras writes it for NHWC images: the channels. */
  private static final int BN_AXIS = 3;

  /** A bottleneck block's output has this many times its inner channels. */
  private static final int EXPANSION = 4;

  private ResNet() {}

  /**
   * @param options the application options
   * @return Keras' ResNet101: 3, 4, 23 and 3 blocks, 44,707,176 parameters with the default top
   */
  static Model resNet101(ApplicationOptions options) {
    return build(options, "ResNet101", "resnet101", 3, 4, 23, 3);
  }

  /**
   * @param options the application options
   * @return Keras' ResNet152: 3, 8, 36 and 3 blocks, 60,419,944 parameters with the default top
   */
  static Model resNet152(ApplicationOptions options) {
    return build(options, "ResNet152", "resnet152", 3, 8, 36, 3);
  }

  /**
   * @param options the application options
   * @param application the Keras application name, for messages
   * @param modelName Keras' default model name
   * @param blocks the number of blocks of stages conv2, conv3, conv4 and conv5
   * @return the model
   */
  static Model build(
      ApplicationOptions options, String application, String modelName, int... blocks) {
    options.requireNoAlpha(application);
    int[] shape = options.inputShape(224, 32, application);
    SymbolicTensor input = Input.shape(shape[0], shape[1], shape[2]);

    SymbolicTensor x = new ZeroPadding2D(3).named("conv1_pad").apply(input);
    x = new Conv2D(64, 7).strides(2, 2).named("conv1_conv").apply(x);
    x = batchNorm("conv1_bn", x);
    x = new Activation("relu").named("conv1_relu").apply(x);
    x = new ZeroPadding2D(1).named("pool1_pad").apply(x);
    x = new MaxPooling2D(3, 3).strides(2, 2).named("pool1_pool").apply(x);

    int filters = 64;
    for (int stage = 0; stage < blocks.length; stage++) {
      String name = "conv" + (stage + 2);
      int stride = stage == 0 ? 1 : 2;
      x = block(x, filters, stride, true, name + "_block1");
      for (int b = 2; b <= blocks[stage]; b++) {
        x = block(x, filters, 1, false, name + "_block" + b);
      }
      filters *= 2;
    }

    SymbolicTensor out = ClassifierHead.pooledTop(x, options);
    return new Model(input, out).named(options.modelName(modelName));
  }

  /** A bottleneck block with 4 * filters output channels (Keras' residual_block_v1). */
  private static SymbolicTensor block(
      SymbolicTensor in, int filters, int stride, boolean projection, String name) {
    SymbolicTensor x =
        new Conv2D(filters, 1).strides(stride, stride).named(name + "_1_conv").apply(in);
    x = batchNorm(name + "_1_bn", x);
    x = new Activation("relu").named(name + "_1_relu").apply(x);
    x = new Conv2D(filters, 3).padding("same").named(name + "_2_conv").apply(x);
    x = batchNorm(name + "_2_bn", x);
    x = new Activation("relu").named(name + "_2_relu").apply(x);
    // Keras lists a model's layers by their distance from the output: the projection's conv and
    // batch norm sit level with the third conv and its batch norm, so they are applied in that
    // interleaved order and the layer order (which Keras' .weights.h5 keys follow) is Keras' own
    SymbolicTensor shortcut = in;
    if (projection) {
      shortcut =
          new Conv2D(EXPANSION * filters, 1)
              .strides(stride, stride)
              .named(name + "_0_conv")
              .apply(in);
    }
    x = new Conv2D(EXPANSION * filters, 1).named(name + "_3_conv").apply(x);
    if (projection) {
      shortcut = batchNorm(name + "_0_bn", shortcut);
    }
    x = batchNorm(name + "_3_bn", x);
    x = new Add().named(name + "_add").apply(shortcut, x);
    return new Activation("relu").named(name + "_out").apply(x);
  }

  private static SymbolicTensor batchNorm(String name, SymbolicTensor x) {
    return new BatchNormalization().axis(BN_AXIS).epsilon(EPSILON).named(name).apply(x);
  }
}
