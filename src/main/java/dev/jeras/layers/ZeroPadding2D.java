package dev.jeras.layers;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * Adds rows and columns of zeros around NHWC images.
 *
 * <p>Option, with Keras' default: {@code padding} (1, 1): one number for all four sides, (height,
 * width) for both sides of each, or ((top, bottom), (left, right)).
 *
 * <p>Input (batch, h, w, c); output (batch, top + h + bottom, left + w + right, c). No weights.
 *
 * <pre>{@code
 * new ZeroPadding2D()              // one on every side
 * new ZeroPadding2D(3)             // ResNet50's stem
 * new ZeroPadding2D(0, 1, 0, 1)    // MobileNet's asymmetric ((0, 1), (0, 1))
 * }</pre>
 */
public final class ZeroPadding2D extends Layer {
  private final int[] sides;

  /** One row or column of zeros on each side. */
  public ZeroPadding2D() {
    this(1);
  }

  /**
   * @param padding zeros on every side
   */
  public ZeroPadding2D(int padding) {
    this(padding, padding);
  }

  /**
   * @param height rows of zeros above and below
   * @param width columns of zeros left and right
   */
  public ZeroPadding2D(int height, int width) {
    this(height, height, width, width);
  }

  /**
   * @param top rows above
   * @param bottom rows below
   * @param left columns on the left
   * @param right columns on the right
   */
  public ZeroPadding2D(int top, int bottom, int left, int right) {
    sides = Check.sides("padding", top, bottom, left, right);
  }

  @Override
  public String className() {
    return "ZeroPadding2D";
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    TensorShape in = single(inputShapes);
    requireRank(in, 4, "(batch, height, width, channels)");
    return TensorShape.of(
        in.dim(0),
        in.dim(1) < 0 ? -1 : in.dim(1) + sides[0] + sides[1],
        in.dim(2) < 0 ? -1 : in.dim(2) + sides[2] + sides[3],
        in.dim(3));
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    int[][] paddings = {{0, 0}, {sides[0], sides[1]}, {sides[2], sides[3]}, {0, 0}};
    return ctx.tf().pad(inputs.get(0), ctx.tf().constant(paddings), ctx.tf().constant(0f));
  }

  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> c = super.getConfig();
    c.put("padding", List.of(List.of(sides[0], sides[1]), List.of(sides[2], sides[3])));
    c.put("data_format", "channels_last");
    return c;
  }

  /**
   * @param c a Keras ZeroPadding2D config
   * @return the layer it describes
   */
  public static ZeroPadding2D fromConfig(LayerConfig c) {
    int[] s = c.getSides("padding", new int[] {1, 1, 1, 1});
    c.requireValue("data_format", "channels_last");
    c.finish();
    return new ZeroPadding2D(s[0], s[1], s[2], s[3]);
  }

  @Override
  public ZeroPadding2D named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public ZeroPadding2D trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}
