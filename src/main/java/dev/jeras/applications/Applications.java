package dev.jeras.applications;

import dev.jeras.JerasException;
import dev.jeras.models.Model;
import dev.jeras.saving.ModelFiles;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;

/**
 * Keras applications in Java: the architectures of {@code keras.applications}, layer for layer and
 * with Keras' layer names, so a weights file written by Keras for the same architecture and options
 * loads into them ({@link ApplicationOptions#weights}), and a model built here saves to files Keras
 * reads as its own application.
 *
 * <pre>{@code
 * try (Model model = Applications.resNet50(new ApplicationOptions()
 *     .includeTop(false).pooling("avg").weights(Path.of("resnet50_notop.h5")))) {
 *   float[][] features = ...;
 * }
 * }</pre>
 */
public final class Applications {
  private static final Map<String, Function<ApplicationOptions, Model>> BUILDERS =
      new LinkedHashMap<>();

  static {
    BUILDERS.put("MobileNetV2", MobileNetV2::build);
    BUILDERS.put("ResNet50", ResNet50::build);
    BUILDERS.put("EfficientNetB0", EfficientNetB0::build);
    BUILDERS.put("DenseNet121", DenseNet121::build);
    BUILDERS.put("VGG16", Vgg16::build);
    BUILDERS.put("ResNet101", ResNet::resNet101);
    BUILDERS.put("ResNet152", ResNet::resNet152);
    BUILDERS.put("DenseNet169", DenseNet::denseNet169);
    BUILDERS.put("DenseNet201", DenseNet::denseNet201);
  }

  private Applications() {}

  /**
   * @return the applications' names, as Keras spells them
   */
  public static List<String> names() {
    return List.copyOf(BUILDERS.keySet());
  }

  /**
   * @param name an application's name (as Keras spells it; case does not matter)
   * @return whether {@link #create} builds it
   */
  public static boolean exists(String name) {
    return canonical(name) != null;
  }

  /**
   * Builds an application by name, and loads its weights if the options name a file.
   *
   * @param name an application's name, as Keras spells it (case does not matter)
   * @param options its options
   * @return the model (close it)
   */
  public static Model create(String name, ApplicationOptions options) {
    String key = canonical(name);
    if (key == null) {
      throw new JerasException("unknown application '" + name + "'; applications: " + names());
    }
    return withWeights(BUILDERS.get(key).apply(options), options);
  }

  /**
   * @param options the options (alpha for the width)
   * @return Keras' MobileNetV2
   */
  public static Model mobileNetV2(ApplicationOptions options) {
    return create("MobileNetV2", options);
  }

  /**
   * @param options the options
   * @return Keras' ResNet50
   */
  public static Model resNet50(ApplicationOptions options) {
    return create("ResNet50", options);
  }

  /**
   * @param options the options
   * @return Keras' EfficientNetB0
   */
  public static Model efficientNetB0(ApplicationOptions options) {
    return create("EfficientNetB0", options);
  }

  /**
   * @param options the options
   * @return Keras' DenseNet121
   */
  public static Model denseNet121(ApplicationOptions options) {
    return create("DenseNet121", options);
  }

  /**
   * @param options the options
   * @return Keras' VGG16
   */
  public static Model vgg16(ApplicationOptions options) {
    return create("VGG16", options);
  }

  private static String canonical(String name) {
    for (String k : BUILDERS.keySet()) {
      if (k.toLowerCase(Locale.ROOT).equals(name.toLowerCase(Locale.ROOT))) {
        return k;
      }
    }
    return null;
  }

  private static Model withWeights(Model model, ApplicationOptions options) {
    if (options.weights() == null) {
      return model;
    }
    try {
      ModelFiles.loadWeights(model, options.weights());
      return model;
    } catch (RuntimeException e) {
      model.close();
      throw e;
    }
  }
}
