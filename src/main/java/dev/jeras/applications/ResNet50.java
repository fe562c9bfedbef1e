package dev.jeras.applications;

import dev.jeras.models.Model;

/**
 * Keras' ResNet50 ({@code keras.applications.ResNet50}): the ResNet v1 of {@link ResNet} with 3, 4,
 * 6 and 3 bottleneck blocks, 25,636,712 parameters with the 1,000-class top at 224x224. Mirrors
 * Keras' {@code input_shape} (default (224, 224, 3), at least 32x32), {@code include_top}, {@code
 * pooling}, {@code classes} and {@code classifier_activation}; the model is named {@code resnet50}.
 */
final class ResNet50 {
  private ResNet50() {}

  static Model build(ApplicationOptions options) {
    return ResNet.build(options, "ResNet50", "resnet50", 3, 4, 6, 3);
  }
}
