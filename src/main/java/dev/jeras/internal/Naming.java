package dev.jeras.internal;

import java.util.Set;
import java.util.regex.Pattern;

/**
 * The one place that decides names: Keras' snake case for layer prefixes ({@code MaxPooling2D} to
 * {@code max_pooling2d}), unique layer names within a model ({@code conv2d}, {@code conv2d_1}, ...)
 * and variable names ({@code conv2d/kernel}). Stable names make checkpoints, SavedModels and weight
 * import deterministic.
 */
public final class Naming {
  private static final Pattern CAMEL_1 = Pattern.compile("(.)([A-Z][a-z]+)");
  private static final Pattern CAMEL_2 = Pattern.compile("([a-z])([A-Z])");
  private static final Pattern VALID = Pattern.compile("[A-Za-z0-9_.\\-]+");

  private Naming() {}

  /**
   * @param className a class name such as {@code GlobalAveragePooling2D}
   * @return Keras' snake case, {@code global_average_pooling2d}
   */
  public static String snakeCase(String className) {
    String s = CAMEL_1.matcher(className).replaceAll("$1_$2");
    return CAMEL_2.matcher(s).replaceAll("$1_$2").toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * @param prefix the wanted name
   * @param used names already taken (the result is added)
   * @return {@code prefix} if free, else the first free {@code prefix_1}, {@code prefix_2}, ...
   */
  public static String unique(String prefix, Set<String> used) {
    String n = prefix;
    for (int i = 1; used.contains(n); i++) {
      n = prefix + "_" + i;
    }
    used.add(n);
    return n;
  }

  /**
   * @param layer a layer name
   * @param weight a weight name within the layer
   * @return the variable's name in the graph, {@code layer/weight}
   */
  public static String variable(String layer, String weight) {
    return layer + "/" + weight;
  }

  /**
   * @param name a proposed layer name
   * @return the name, if TensorFlow accepts it as an op name scope
   * @throws IllegalArgumentException otherwise
   */
  public static String checkName(String name) {
    if (name == null
        || !VALID.matcher(name).matches()
        || name.startsWith("_")
        || name.startsWith("-")
        || name.startsWith(".")) {
      throw new IllegalArgumentException(
          "invalid layer name '" + name + "': use letters, digits, '_', '.' or '-', not first '_'");
    }
    return name;
  }
}
