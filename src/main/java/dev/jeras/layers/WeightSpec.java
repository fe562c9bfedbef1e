package dev.jeras.layers;

/**
 * A weight a layer declares when it is built: its name within the layer ({@code kernel}), shape,
 * initial values and whether the optimizer trains it.
 *
 * @param name the name within the layer, e.g. {@code kernel}, {@code moving_mean}
 * @param shape the weight's shape
 * @param initializer its initial values
 * @param trainable whether gradients update it (false for BatchNormalization's moving statistics)
 * @param integer whether Keras keeps it as an integer (Normalization's {@code count}): jeras holds
 *     it as a float and writes it to Keras files as int64
 */
public record WeightSpec(
    String name, long[] shape, Initializer initializer, boolean trainable, boolean integer) {
  /**
   * A float weight.
   *
   * @param name the name within the layer
   * @param shape the weight's shape
   * @param initializer its initial values
   * @param trainable whether gradients update it
   */
  public WeightSpec(String name, long[] shape, Initializer initializer, boolean trainable) {
    this(name, shape, initializer, trainable, false);
  }

  /**
   * @return the number of scalars in the weight
   */
  public long size() {
    long n = 1;
    for (long d : shape) {
      n *= d;
    }
    return n;
  }
}
