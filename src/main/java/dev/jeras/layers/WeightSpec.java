package dev.jeras.layers;

/**
 * A weight a layer declares when it is built: its name within the layer ({@code kernel}), shape,
 * initial values and whether the optimizer trains it.
 *
 * @param name the name within the layer, e.g. {@code kernel}, {@code moving_mean}
 * @param shape the weight's shape
 * @param initializer its initial values
 * @param trainable whether gradients update it (false for BatchNormalization's moving statistics)
 */
public record WeightSpec(String name, long[] shape, Initializer initializer, boolean trainable) {
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
