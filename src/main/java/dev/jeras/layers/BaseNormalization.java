package dev.jeras.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * What LayerNormalization and GroupNormalization share: Keras' {@code epsilon} (default 1e-3),
 * {@code center} (beta) and {@code scale} (gamma) options, gamma's and beta's initializers (ones,
 * zeros), their weights, and the config entries for them. A subclass says which axes it normalizes
 * over.
 *
 * @param <T> the layer's own type, returned by the fluent setters
 */
public abstract class BaseNormalization<T extends BaseNormalization<T>> extends Layer {
  /** Added to the variance, default 1e-3. */
  protected double epsilon = 1e-3;

  /** Whether there is a beta, default true. */
  protected boolean center = true;

  /** Whether there is a gamma, default true. */
  protected boolean scale = true;

  /** Default zeros. */
  protected Initializer betaInitializer = Initializer.zeros();

  /** Default ones. */
  protected Initializer gammaInitializer = Initializer.ones();

  /** Only the layers of this package extend it. */
  BaseNormalization() {}

  /**
   * @return this layer as its own type
   */
  @SuppressWarnings("unchecked")
  protected final T self() {
    return (T) this;
  }

  /**
   * @return this layer, with that epsilon (default 1e-3)
   */
  public T epsilon(double epsilon) {
    checkMutable();
    if (!(epsilon > 0)) {
      throw new IllegalArgumentException("epsilon must be positive, got " + epsilon);
    }
    this.epsilon = epsilon;
    return self();
  }

  /**
   * @return this layer, with or without beta (default with)
   */
  public T center(boolean center) {
    checkMutable();
    this.center = center;
    return self();
  }

  /**
   * @return this layer, with or without gamma (default with)
   */
  public T scale(boolean scale) {
    checkMutable();
    this.scale = scale;
    return self();
  }

  /**
   * @param beta beta's initializer (zeros)
   * @param gamma gamma's initializer (ones)
   * @return this layer
   */
  public T initializers(Initializer beta, Initializer gamma) {
    checkMutable();
    betaInitializer = beta;
    gammaInitializer = gamma;
    return self();
  }

  @Override
  public T named(String name) {
    super.named(name);
    return self();
  }

  @Override
  public T trainable(boolean trainable) {
    super.trainable(trainable);
    return self();
  }

  /**
   * @param shape gamma's and beta's shape
   * @param withGamma whether there is a gamma
   * @param withBeta whether there is a beta
   * @return the weights, gamma first, as Keras orders them
   */
  protected final List<WeightSpec> gammaBeta(long[] shape, boolean withGamma, boolean withBeta) {
    List<WeightSpec> w = new ArrayList<>(2);
    if (withGamma) {
      w.add(new WeightSpec("gamma", shape, gammaInitializer, true));
    }
    if (withBeta) {
      w.add(new WeightSpec("beta", shape, betaInitializer, true));
    }
    return w;
  }

  /**
   * @param ctx the call's context
   * @param name gamma or beta
   * @param present whether the layer has that weight
   * @param broadcast the shape to reshape it to
   * @return the weight reshaped to broadcast against the input, or null when absent
   */
  protected final Operand<TFloat32> weightAs(
      CallContext ctx, String name, boolean present, long[] broadcast) {
    Ops tf = ctx.tf();
    return present ? tf.reshape(ctx.weight(this, name), tf.constant(broadcast)) : null;
  }

  /**
   * Puts epsilon, center and scale into a config.
   *
   * @param c the config being written
   */
  protected final void putEpsilonCenterScale(Map<String, Object> c) {
    c.put("epsilon", epsilon);
    c.put("center", center);
    c.put("scale", scale);
  }

  /**
   * Puts the initializers and the (unsupported, null) regularizers and constraints into a config.
   *
   * @param c the config being written
   */
  protected final void putWeightOptions(Map<String, Object> c) {
    c.put("beta_initializer", betaInitializer);
    c.put("gamma_initializer", gammaInitializer);
    c.put("beta_regularizer", null);
    c.put("gamma_regularizer", null);
    c.put("beta_constraint", null);
    c.put("gamma_constraint", null);
  }

  /**
   * Reads epsilon, center and scale from a Keras config.
   *
   * @param c the config
   * @return this layer
   */
  final T readEpsilonCenterScale(LayerConfig c) {
    return epsilon(c.getDouble("epsilon", 1e-3))
        .center(c.getBoolean("center", true))
        .scale(c.getBoolean("scale", true));
  }

  /**
   * Reads the initializers, refuses regularizers and constraints, and checks that nothing is left
   * over in a Keras config.
   *
   * @param c the config, the layer's other options already read
   * @return this layer
   */
  final T finishConfig(LayerConfig c) {
    initializers(
        c.getInitializer("beta_initializer", Initializer.zeros()),
        c.getInitializer("gamma_initializer", Initializer.ones()));
    c.requireNull("beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint");
    c.finish();
    return self();
  }
}
