package dev.jeras.layers;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * Flips each image of a training batch with probability 1/2; the identity at inference (evaluate,
 * predict, exported models). As in Keras, {@code horizontal_and_vertical} draws one coin per image
 * and flips that image both ways (a half turn) or not at all.
 *
 * <p>Options, with Keras' defaults: {@code mode} "horizontal_and_vertical" (also "horizontal",
 * "vertical"). The draws are stateless, from the model seed, the layer and the training step (a
 * seeded run repeats); Keras' own {@code seed} option is kept in the config but not used. Same
 * shape in and out (batch, h, w, c); no weights.
 *
 * <pre>{@code
 * new RandomFlip("horizontal")
 * }</pre>
 */
public final class RandomFlip extends ImageAugmentation<RandomFlip> {
  private static final List<String> MODES =
      List.of("horizontal", "vertical", "horizontal_and_vertical");

  private final String mode;

  /** Flips both ways (Keras' default mode). */
  public RandomFlip() {
    this("horizontal_and_vertical");
  }

  /**
   * @param mode horizontal, vertical or horizontal_and_vertical
   */
  public RandomFlip(String mode) {
    this.mode = ImageLayers.oneOf(mode, MODES, "mode");
  }

  @Override
  public String className() {
    return "RandomFlip";
  }

  @Override
  protected Operand<TFloat32> augment(CallContext ctx, Operand<TFloat32> x) {
    Ops tf = ctx.tf();
    Operand<TFloat32> u = drawPerImage(ctx, x, 1, 1, 1);
    var flip = tf.math.lessEqual(u, tf.constant(0.5f));
    Operand<TFloat32> y = x;
    if (!mode.equals("vertical")) {
      y = tf.select(flip, tf.reverse(y, tf.constant(new int[] {2})), y);
    }
    if (!mode.equals("horizontal")) {
      y = tf.select(flip, tf.reverse(y, tf.constant(new int[] {1})), y);
    }
    return y;
  }

  @Override
  public Map<String, Object> getConfig() {
    return config("seed", seed(), "mode", mode);
  }

  /**
   * @param c a Keras RandomFlip config
   * @return the layer it describes
   */
  public static RandomFlip fromConfig(LayerConfig c) {
    String mode = c.getString("mode", "horizontal_and_vertical");
    if (!MODES.contains(mode)) {
      throw c.unsupported("mode", mode, String.join(", ", MODES));
    }
    RandomFlip l = new RandomFlip(mode);
    return l.finishConfig(c);
  }
}
