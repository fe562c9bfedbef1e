package dev.jeras.applications;

import dev.jeras.models.Model;

/**
 * Keras' DenseNet121 ({@code keras.applications.DenseNet121}): the {@link DenseNet} with dense
 * blocks of 6, 12, 24 and 16 blocks, 8,062,504 parameters with the 1,000-class top at 224x224.
 * Mirrors Keras' {@code input_shape} (default (224, 224, 3), at least 32x32), {@code include_top},
 * {@code pooling}, {@code classes} and {@code classifier_activation}; the model is named {@code
 * densenet121}.
 */
final class DenseNet121 {
  private DenseNet121() {}

  static Model build(ApplicationOptions options) {
    return DenseNet.build(options, "DenseNet121", "densenet121", 6, 12, 24, 16);
  }
}
