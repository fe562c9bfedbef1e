package dev.jeras.data;

/**
 * Converts unsigned byte pixels to floats in [0, 1] (value / 255, as float32 division gives it).
 */
final class Pixels {
  /** {@code UNIT[b] == b / 255f}: one table lookup per pixel instead of a division. */
  static final float[] UNIT = new float[256];

  static {
    for (int i = 0; i < 256; i++) {
      UNIT[i] = i / 255f;
    }
  }

  private Pixels() {}

  /**
   * @return {@code (b & 0xFF) / 255f} for each byte, in the same order
   */
  static float[] toUnitFloats(byte[] bytes) {
    float[] lut = UNIT;
    float[] out = new float[bytes.length];
    for (int i = 0; i < bytes.length; i++) {
      out[i] = lut[bytes[i] & 0xFF];
    }
    return out;
  }
}
