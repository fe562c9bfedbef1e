package dev.jeras.applications;

import dev.jeras.JerasException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Locale;

/**
 * The arguments every Keras application takes ({@code keras.applications.X(include_top, weights,
 * input_shape, pooling, classes, classifier_activation)}), plus MobileNetV2's {@code alpha}. The
 * defaults are Keras': the full classifier for 1,000 classes with a softmax, the application's own
 * input size, no weights (freshly initialized, as {@code weights=None}).
 *
 * <pre>{@code
 * Model base = Applications.mobileNetV2(
 *     new ApplicationOptions().inputShape(160, 160, 3).includeTop(false).alpha(0.35)
 *         .weights(Path.of("mobilenet_v2_notop.h5")));
 * }</pre>
 */
public final class ApplicationOptions {
  private int[] inputShape;
  private boolean includeTop = true;
  private String pooling;
  private int classes = 1000;
  private String classifierActivation = "softmax";
  private Path weights;
  private double alpha = 1.0;
  private String name;

  /**
   * @param height image height
   * @param width image width
   * @param channels colour channels (3 for every application with Keras' weights)
   * @return this
   */
  public ApplicationOptions inputShape(int height, int width, int channels) {
    if (height <= 0 || width <= 0 || channels <= 0) {
      throw new JerasException(
          "input shape: expected positive (height, width, channels), got ("
              + height
              + ", "
              + width
              + ", "
              + channels
              + ")");
    }
    this.inputShape = new int[] {height, width, channels};
    return this;
  }

  /**
   * @param includeTop whether the classifier (pooling + dense layers) is part of the model
   * @return this
   */
  public ApplicationOptions includeTop(boolean includeTop) {
    this.includeTop = includeTop;
    return this;
  }

  /**
   * @param pooling without the top: {@code null} (a 4-D feature map), {@code "avg"} or {@code
   *     "max"} (global pooling to one vector per image)
   * @return this
   */
  public ApplicationOptions pooling(String pooling) {
    if (pooling != null && !pooling.equals("avg") && !pooling.equals("max")) {
      throw new JerasException("pooling: expected none, 'avg' or 'max', got '" + pooling + "'");
    }
    this.pooling = pooling;
    return this;
  }

  /**
   * @param classes the number of classes of the top
   * @return this
   */
  public ApplicationOptions classes(int classes) {
    if (classes <= 0) {
      throw new JerasException("classes: expected a positive number, got " + classes);
    }
    this.classes = classes;
    return this;
  }

  /**
   * @param activation the top's activation ({@code "softmax"}, or {@code null}/{@code "linear"} for
   *     logits)
   * @return this
   */
  public ApplicationOptions classifierActivation(String activation) {
    this.classifierActivation = activation == null ? "linear" : activation;
    return this;
  }

  /**
   * @param weights a Keras weights file of this architecture loaded after the model is built
   *     ({@code .weights.h5}, {@code .keras}, or a legacy Keras 2 {@code .h5} such as the files
   *     Keras applications publish), or null for fresh weights
   * @return this
   */
  public ApplicationOptions weights(Path weights) {
    this.weights = weights;
    return this;
  }

  /**
   * @param alpha MobileNetV2's width multiplier (Keras' 0.35, 0.5, 0.75, 1.0, 1.3, 1.4 have
   *     published weights; any positive value builds); other applications take only 1.0
   * @return this
   */
  public ApplicationOptions alpha(double alpha) {
    if (!(alpha > 0)) {
      throw new JerasException("alpha: expected a positive width multiplier, got " + alpha);
    }
    this.alpha = alpha;
    return this;
  }

  /**
   * @param name the model's name (default: Keras' name for the application)
   * @return this
   */
  public ApplicationOptions name(String name) {
    this.name = name;
    return this;
  }

  /**
   * @param defaultHeight the application's default image height (and width)
   * @param minSize the smallest height and width the application accepts
   * @param application the application's name, for messages
   * @return the input shape to build with: the one given (checked), else the default
   */
  public int[] inputShape(int defaultHeight, int minSize, String application) {
    if (inputShape == null) {
      return new int[] {defaultHeight, defaultHeight, 3};
    }
    if (inputShape[0] < minSize || inputShape[1] < minSize) {
      throw new JerasException(
          application
              + ": input shape "
              + Arrays.toString(inputShape)
              + ": height and width must be at least "
              + minSize);
    }
    return inputShape.clone();
  }

  /**
   * @return whether the classifier is included
   */
  public boolean includeTop() {
    return includeTop;
  }

  /**
   * @return the global pooling without the top, or null
   */
  public String pooling() {
    return pooling;
  }

  /**
   * @return the number of classes
   */
  public int classes() {
    return classes;
  }

  /**
   * @return the top's activation
   */
  public String classifierActivation() {
    return classifierActivation;
  }

  /**
   * @return the weights file, or null
   */
  public Path weights() {
    return weights;
  }

  /**
   * @return MobileNetV2's width multiplier
   */
  public double alpha() {
    return alpha;
  }

  /**
   * @param defaultName the application's Keras model name
   * @return the model name to use
   */
  public String modelName(String defaultName) {
    return name == null ? defaultName : name;
  }

  /**
   * Fails when an application that has no width multiplier is given one.
   *
   * @param application the application's name, for the message
   */
  public void requireNoAlpha(String application) {
    if (alpha != 1.0) {
      throw new JerasException(
          application
              + ": alpha "
              + alpha
              + " is MobileNetV2's option; "
              + application
              + " takes none");
    }
  }

  @Override
  public String toString() {
    return String.format(
        Locale.ROOT,
        "ApplicationOptions[inputShape=%s, includeTop=%s, pooling=%s, classes=%d,"
            + " classifierActivation=%s, alpha=%s, weights=%s]",
        inputShape == null ? "default" : Arrays.toString(inputShape),
        includeTop,
        pooling,
        classes,
        classifierActivation,
        alpha,
        weights);
  }
}
