package dev.jeras.layers;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * Applies an activation function element-wise: {@code y = activation(x)}. Same shape in and out; no
 * weights.
 *
 * <pre>{@code
 * new Activation("relu")
 * new Activation(Activations.SOFTMAX)
 * }</pre>
 */
public final class Activation extends Layer {
  private final Activations activation;

  /**
   * @param activation the function
   */
  public Activation(Activations activation) {
    this.activation = activation;
  }

  /**
   * @param activation the function's Keras name
   */
  public Activation(String activation) {
    this(Activations.of(activation));
  }

  /**
   * @return the function
   */
  public Activations activation() {
    return activation;
  }

  @Override
  public String className() {
    return "Activation";
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    return single(inputShapes);
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    return Check.activate(ctx, activation, inputs.get(0));
  }

  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> c = super.getConfig();
    c.put("activation", activation.kerasName());
    return c;
  }

  /**
   * @param c a Keras Activation config
   * @return the layer it describes
   */
  public static Activation fromConfig(LayerConfig c) {
    Activation l = new Activation(c.getActivation("activation"));
    c.finish();
    return l;
  }

  @Override
  public Activation named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public Activation trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}
