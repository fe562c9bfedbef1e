package dev.jeras.layers;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Removes rows and columns at the borders of NHWC images (U-Net's skip connections).
 *
 * <p>Option, with Keras' default: {@code cropping} ((0, 0), (0, 0)): one number for all four sides,
 * (height, width) for both sides of each, or ((top, bottom), (left, right)). What is cropped along
 * an axis must be smaller than the input along it.
 *
 * <p>Input (batch, h, w, c); output (batch, h - top - bottom, w - left - right, c). No weights.
 *
 * <pre>{@code
 * new Cropping2D(2)
 * new Cropping2D(1, 0, 2, 1)       // ((1, 0), (2, 1))
 * }</pre>
 */
public final class Cropping2D extends Layer {
  private final int[] sides;

  /** Crops nothing (Keras' default). */
  public Cropping2D() {
    this(0);
  }

  /**
   * @param cropping rows or columns removed on every side
   */
  public Cropping2D(int cropping) {
    this(cropping, cropping);
  }

  /**
   * @param height rows removed at the top and at the bottom
   * @param width columns removed on the left and on the right
   */
  public Cropping2D(int height, int width) {
    this(height, height, width, width);
  }

  /**
   * @param top rows removed at the top
   * @param bottom rows removed at the bottom
   * @param left columns removed on the left
   * @param right columns removed on the right
   */
  public Cropping2D(int top, int bottom, int left, int right) {
    sides = Check.sides("cropping", top, bottom, left, right);
  }

  @Override
  public String className() {
    return "Cropping2D";
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    TensorShape in = single(inputShapes);
    requireRank(in, 4, "(batch, height, width, channels)");
    long h = in.dim(1);
    long w = in.dim(2);
    if ((h >= 0 && sides[0] + sides[1] >= h) || (w >= 0 && sides[2] + sides[3] >= w)) {
      throw new IllegalArgumentException(
          describe()
              + ": cropping (("
              + sides[0]
              + ", "
              + sides[1]
              + "), ("
              + sides[2]
              + ", "
              + sides[3]
              + ")) must leave at least one row and column of input "
              + in);
    }
    return TensorShape.of(
        in.dim(0),
        h < 0 ? -1 : h - sides[0] - sides[1],
        w < 0 ? -1 : w - sides[2] - sides[3],
        in.dim(3));
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    Ops tf = ctx.tf();
    Operand<TFloat32> x = inputs.get(0);
    long[] d = x.shape().asArray();
    int h = (int) d[1] - sides[0] - sides[1];
    int w = (int) d[2] - sides[2] - sides[3];
    return tf.slice(
        x,
        tf.constant(new int[] {0, sides[0], sides[2], 0}),
        tf.constant(new int[] {-1, h, w, -1}));
  }

  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> c = super.getConfig();
    c.put("cropping", List.of(List.of(sides[0], sides[1]), List.of(sides[2], sides[3])));
    c.put("data_format", "channels_last");
    return c;
  }

  /**
   * @param c a Keras Cropping2D config
   * @return the layer it describes
   */
  public static Cropping2D fromConfig(LayerConfig c) {
    int[] s = c.getSides("cropping", new int[] {0, 0, 0, 0});
    c.requireValue("data_format", "channels_last");
    c.finish();
    return new Cropping2D(s[0], s[1], s[2], s[3]);
  }

  @Override
  public Cropping2D named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public Cropping2D trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}
