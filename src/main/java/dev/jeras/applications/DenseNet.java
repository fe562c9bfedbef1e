package dev.jeras.applications;

import dev.jeras.layers.Activation;
import dev.jeras.layers.AveragePooling2D;
import dev.jeras.layers.BatchNormalization;
import dev.jeras.layers.Concatenate;
import dev.jeras.layers.Conv2D;
import dev.jeras.layers.Input;
import dev.jeras.layers.MaxPooling2D;
import dev.jeras.layers.SymbolicTensor;
import dev.jeras.layers.ZeroPadding2D;
import dev.jeras.models.Model;

/**
 * Keras' DenseNet family ({@code keras.applications.densenet.DenseNet121/169/201}): a 7x7 stem with
 * max pooling {@code pool1}, four dense blocks {@code conv2..conv5} whose blocks each add 32
 * channels (batch norm, relu, 1x1 conv to 128, batch norm, relu, 3x3 conv to 32, concatenated to
 * the block's input), transitions {@code pool2..pool4} halving channels and size between them, and
 * a final batch norm {@code bn} and {@code relu}. Convolutions have no bias; batch normalization
 * uses epsilon 1.001e-5. The members differ only in how many blocks each dense block has.
 */
final class DenseNet {
  private static final double EPSILON = 1.001e-5;

  /** Batch normalization's and concatenation's axis as Keras writes it for NHWC: the channels. */
  private static final int CHANNEL_AXIS = 3;

  private static final int GROWTH_RATE = 32;
  private static final double REDUCTION = 0.5;

  private DenseNet() {}

  /**
   * @param options the application options
   * @return Keras' DenseNet169: 6, 12, 32 and 32 blocks, 14,307,880 parameters with the default top
   */
  static Model denseNet169(ApplicationOptions options) {
    return build(options, "DenseNet169", "densenet169", 6, 12, 32, 32);
  }

  /**
   * @param options the application options
   * @return Keras' DenseNet201: 6, 12, 48 and 32 blocks, 20,242,984 parameters with the default top
   */
  static Model denseNet201(ApplicationOptions options) {
    return build(options, "DenseNet201", "densenet201", 6, 12, 48, 32);
  }

  /**
   * @param options the application options
   * @param application the Keras application name, for messages
   * @param modelName Keras' default model name
   * @param blocks the number of blocks of dense blocks conv2, conv3, conv4 and conv5
   * @return the model
   */
  static Model build(
      ApplicationOptions options, String application, String modelName, int... blocks) {
    options.requireNoAlpha(application);
    int[] shape = options.inputShape(224, 32, application);
    SymbolicTensor input = Input.shape(shape[0], shape[1], shape[2]);

    // Keras leaves the stem's two paddings unnamed: zero_padding2d and zero_padding2d_1
    SymbolicTensor x = new ZeroPadding2D(3).apply(input);
    x = new Conv2D(64, 7).strides(2, 2).useBias(false).named("conv1_conv").apply(x);
    x = batchNorm("conv1_bn", x);
    x = new Activation("relu").named("conv1_relu").apply(x);
    x = new ZeroPadding2D(1).apply(x);
    x = new MaxPooling2D(3, 3).strides(2, 2).named("pool1").apply(x);

    for (int stage = 0; stage < blocks.length; stage++) {
      String name = "conv" + (stage + 2);
      for (int b = 1; b <= blocks[stage]; b++) {
        x = convBlock(x, name + "_block" + b);
      }
      if (stage < blocks.length - 1) {
        x = transition(x, "pool" + (stage + 2));
      }
    }
    x = batchNorm("bn", x);
    x = new Activation("relu").named("relu").apply(x);

    SymbolicTensor out = ClassifierHead.pooledTop(x, options);
    return new Model(input, out).named(options.modelName(modelName));
  }

  /** One block of a dense block: 32 new channels appended to its input. */
  private static SymbolicTensor convBlock(SymbolicTensor in, String name) {
    SymbolicTensor x = batchNorm(name + "_0_bn", in);
    x = new Activation("relu").named(name + "_0_relu").apply(x);
    x = new Conv2D(4 * GROWTH_RATE, 1).useBias(false).named(name + "_1_conv").apply(x);
    x = batchNorm(name + "_1_bn", x);
    x = new Activation("relu").named(name + "_1_relu").apply(x);
    x = new Conv2D(GROWTH_RATE, 3).padding("same").useBias(false).named(name + "_2_conv").apply(x);
    return new Concatenate(CHANNEL_AXIS).named(name + "_concat").apply(in, x);
  }

  /** A transition: 1x1 convolution to half the channels, then 2x2 average pooling. */
  private static SymbolicTensor transition(SymbolicTensor in, String name) {
    int channels = (int) (in.shape().dim(CHANNEL_AXIS) * REDUCTION);
    SymbolicTensor x = batchNorm(name + "_bn", in);
    x = new Activation("relu").named(name + "_relu").apply(x);
    x = new Conv2D(channels, 1).useBias(false).named(name + "_conv").apply(x);
    return new AveragePooling2D(2, 2).strides(2, 2).named(name + "_pool").apply(x);
  }

  private static SymbolicTensor batchNorm(String name, SymbolicTensor x) {
    return new BatchNormalization().axis(CHANNEL_AXIS).epsilon(EPSILON).named(name).apply(x);
  }
}
