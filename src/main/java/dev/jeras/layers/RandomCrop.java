package dev.jeras.layers;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Crops a (height, width) window at a random place in training, the same place for every image of
 * the batch (as Keras); at inference, and in training when the input is not larger than the target
 * on both axes, it returns the largest centred window of the target aspect ratio resized to
 * (height, width), as Keras documents it. (Keras 3.15 itself returns its input unchanged at
 * inference, a shape that contradicts its own output shape; jeras follows the documentation, so a
 * model that predicts through it gets the declared shape.)
 *
 * <p>Options: {@code height}, {@code width} (required). Stateless draws from the model seed, the
 * layer and the step; Keras' {@code seed} is kept in the config, not used. Input (batch, h, w, c);
 * output (batch, height, width, c); no weights.
 *
 * <pre>{@code
 * new RandomCrop(224, 224)
 * }</pre>
 */
public final class RandomCrop extends ImageAugmentation<RandomCrop> {
  private final int height;
  private final int width;

  /**
   * @param height the window's height
   * @param width the window's width
   */
  public RandomCrop(int height, int width) {
    this.height = Check.positive("height", height);
    this.width = Check.positive("width", width);
  }

  @Override
  public String className() {
    return "RandomCrop";
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    return ImageLayers.resizedImages(this, inputShapes, height, width);
  }

  @Override
  protected Operand<TFloat32> inference(CallContext ctx, Operand<TFloat32> x) {
    return Resizing.resize(ctx, x, height, width, "bilinear", false, true, false, 0);
  }

  @Override
  protected Operand<TFloat32> augment(CallContext ctx, Operand<TFloat32> x) {
    long[] dims = x.shape().asArray();
    Ops tf = ctx.tf();
    if (dims[1] > height && dims[2] > width) {
      Operand<TFloat32> u = ImageLayers.uniform(ctx, this, tf.constant(new long[] {2}));
      Operand<TFloat32> room = tf.constant(new float[] {dims[1] - height + 1, dims[2] - width + 1});
      Operand<TInt32> start = tf.dtypes.cast(tf.math.mul(u, room), TInt32.class);
      Operand<TInt32> begin =
          tf.concat(
              List.of(tf.constant(new int[] {0}), start, tf.constant(new int[] {0})),
              tf.constant(0));
      Operand<TFloat32> y =
          tf.slice(x, begin, tf.constant(new int[] {-1, height, width, Math.toIntExact(dims[3])}));
      // the static shape for the layers after it (a reshape, which has a gradient; EnsureShape
      // has none in TensorFlow's C++ registry)
      return tf.reshape(y, tf.constant(new long[] {-1, height, width, dims[3]}));
    }
    // Keras' path for an input not larger on both axes: a target-size slice from the aspect
    // window's corner (cut at the edge), resized where it is not the target size
    long[] win = ImageLayers.aspectWindow(dims[1], dims[2], height, width);
    Operand<TFloat32> y = ImageLayers.crop(tf, x, win[2], win[3], height, width);
    long[] got = y.shape().asArray();
    if (got[1] == height && got[2] == width) {
      return y;
    }
    return ctx.backend().resize(tf, y, height, width, "bilinear", false);
  }

  @Override
  public Map<String, Object> getConfig() {
    return config("height", height, "width", width, "seed", seed());
  }

  /**
   * @param c a Keras RandomCrop config
   * @return the layer it describes
   */
  public static RandomCrop fromConfig(LayerConfig c) {
    RandomCrop l = new RandomCrop(c.getInt("height"), c.getInt("width"));
    return l.finishConfig(c);
  }
}
