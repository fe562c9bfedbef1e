package dev.jeras.applications;

import dev.jeras.layers.Dense;
import dev.jeras.layers.GlobalAveragePooling2D;
import dev.jeras.layers.GlobalMaxPooling2D;
import dev.jeras.layers.SymbolicTensor;

/**
 * The end of ResNet and DenseNet as Keras writes it: with the top, global average pooling {@code
 * avg_pool} and the dense classifier {@code predictions}; without it, the 4-D feature map or its
 * global pooling ({@code avg_pool} or {@code max_pool}).
 */
final class ClassifierHead {
  private ClassifierHead() {}

  /**
   * @param features the last feature map
   * @param options include_top, pooling, classes and classifier_activation
   * @return the model's output
   */
  static SymbolicTensor pooledTop(SymbolicTensor features, ApplicationOptions options) {
    if (options.includeTop()) {
      SymbolicTensor x = new GlobalAveragePooling2D().named("avg_pool").apply(features);
      return classifier(x, options);
    }
    return pooling(features, options, "avg_pool", "max_pool");
  }

  /**
   * @param features a feature map
   * @param options its pooling
   * @param avgName the average pooling's name (null: the automatic one)
   * @param maxName the max pooling's name (null: the automatic one)
   * @return the feature map, or its global pooling
   */
  static SymbolicTensor pooling(
      SymbolicTensor features, ApplicationOptions options, String avgName, String maxName) {
    if ("avg".equals(options.pooling())) {
      GlobalAveragePooling2D pool = new GlobalAveragePooling2D();
      return (avgName == null ? pool : pool.named(avgName)).apply(features);
    }
    if ("max".equals(options.pooling())) {
      GlobalMaxPooling2D pool = new GlobalMaxPooling2D();
      return (maxName == null ? pool : pool.named(maxName)).apply(features);
    }
    return features;
  }

  /**
   * @param x a feature vector per image
   * @param options classes and classifier_activation
   * @return Keras' {@code predictions} layer applied to it
   */
  static SymbolicTensor classifier(SymbolicTensor x, ApplicationOptions options) {
    return new Dense(options.classes())
        .activation(options.classifierActivation())
        .named("predictions")
        .apply(x);
  }
}
