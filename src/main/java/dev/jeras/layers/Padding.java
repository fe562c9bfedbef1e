package dev.jeras.layers;

/**
 * Convolution and pooling padding, as in Keras: {@code valid} (no padding, the output shrinks) or
 * {@code same} (zero padding so that the output is ceil(input / stride)).
 */
public enum Padding {
  /** No padding: output = floor((input - window) / stride) + 1. */
  VALID,
  /** Zero padding: output = ceil(input / stride). */
  SAME;

  /**
   * @return the Keras config value, {@code "valid"} or {@code "same"}
   */
  public String kerasName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /**
   * @return the TensorFlow op attribute, {@code "VALID"} or {@code "SAME"}
   */
  public String tfName() {
    return name();
  }

  /**
   * @param name "valid" or "same" (any case)
   * @return the padding
   */
  public static Padding of(String name) {
    for (Padding p : values()) {
      if (p.kerasName().equalsIgnoreCase(name)) {
        return p;
      }
    }
    throw new IllegalArgumentException("padding must be 'valid' or 'same', got '" + name + "'");
  }

  /**
   * Output length along one spatial axis.
   *
   * @param input input length (-1 if unknown)
   * @param window kernel or pool length
   * @param stride the stride
   * @return the output length (-1 if the input is unknown)
   */
  public long outputLength(long input, int window, int stride) {
    if (input < 0) {
      return -1;
    }
    return this == SAME ? (input + stride - 1) / stride : Math.floorDiv(input - window, stride) + 1;
  }
}
