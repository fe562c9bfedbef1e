package dev.jeras.applications;

import dev.jeras.layers.Conv2D;
import dev.jeras.layers.Dense;
import dev.jeras.layers.Flatten;
import dev.jeras.layers.Input;
import dev.jeras.layers.MaxPooling2D;
import dev.jeras.layers.SymbolicTensor;
import dev.jeras.models.Model;

/**
 * Keras' VGG16 ({@code keras.applications.VGG16}): five blocks of 3x3 "same" convolutions with relu
 * ({@code block1_conv1} ... {@code block5_conv3}: 2, 2, 3, 3 and 3 convolutions of 64, 128, 256,
 * 512 and 512 filters), each followed by 2x2 max pooling ({@code block1_pool} ...); the top
 * flattens ({@code flatten}) into two 4,096-unit relu layers {@code fc1}, {@code fc2} and the
 * classifier {@code predictions}: 138,357,544 parameters with the 1,000-class top at 224x224.
 * Without the top, pooling "avg" or "max" adds Keras' unnamed global pooling. Mirrors Keras' {@code
 * input_shape} (default (224, 224, 3), at least 32x32; the top's size follows the input's), {@code
 * include_top}, {@code pooling}, {@code classes} and {@code classifier_activation}; the model is
 * named {@code vgg16}.
 */
final class Vgg16 {
  private static final int[] CONVS = {2, 2, 3, 3, 3};
  private static final int[] FILTERS = {64, 128, 256, 512, 512};
  private static final int FC_UNITS = 4096;

  private Vgg16() {}

  static Model build(ApplicationOptions options) {
    options.requireNoAlpha("VGG16");
    int[] shape = options.inputShape(224, 32, "VGG16");
    SymbolicTensor input = Input.shape(shape[0], shape[1], shape[2]);

    SymbolicTensor x = input;
    for (int b = 0; b < CONVS.length; b++) {
      String block = "block" + (b + 1);
      for (int c = 1; c <= CONVS[b]; c++) {
        x =
            new Conv2D(FILTERS[b], 3)
                .padding("same")
                .activation("relu")
                .named(block + "_conv" + c)
                .apply(x);
      }
      x = new MaxPooling2D(2, 2).strides(2, 2).named(block + "_pool").apply(x);
    }

    SymbolicTensor out;
    if (options.includeTop()) {
      x = new Flatten().named("flatten").apply(x);
      x = new Dense(FC_UNITS).activation("relu").named("fc1").apply(x);
      x = new Dense(FC_UNITS).activation("relu").named("fc2").apply(x);
      out = ClassifierHead.classifier(x, options);
    } else {
      out = ClassifierHead.pooling(x, options, null, null);
    }
    return new Model(input, out).named(options.modelName("vgg16"));
  }
}
