package dev.jeras.layers;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * Parametric rectifier: {@code y = x} for x &gt;= 0, {@code alpha * x} otherwise, with {@code
 * alpha} learned per position and channel (computed as Keras does: relu(x) - alpha * relu(-x)).
 *
 * <p>Options, with Keras' defaults: {@code alpha_initializer} zeros, {@code alpha_regularizer}
 * none, {@code shared_axes} none (axes, counted from 1 after the batch, along which one alpha is
 * shared; (1, 2) gives one alpha per channel of an image).
 *
 * <p>Input (batch, d1, ..., dk); same shape out. Weight: alpha (d1, ..., dk) with the shared axes
 * set to 1.
 *
 * <pre>{@code
 * new PReLU()
 * new PReLU().sharedAxes(1, 2)       // one slope per channel
 * }</pre>
 */
public final class PReLU extends Layer {
  private Initializer alphaInitializer = Initializer.zeros();
  private Regularizer alphaRegularizer;
  private List<Integer> sharedAxes;

  /**
   * @return this layer, sharing alpha along those axes (1 = the first after the batch)
   */
  public PReLU sharedAxes(int... axes) {
    checkMutable();
    List<Integer> l = new ArrayList<>();
    for (int a : axes) {
      if (a < 1) {
        throw new IllegalArgumentException(
            "shared_axes must count from 1 (the first axis after the batch), got " + a);
      }
      l.add(a);
    }
    sharedAxes = axes.length == 0 ? null : List.copyOf(l);
    return this;
  }

  /**
   * @return this layer, with that alpha initializer (default zeros)
   */
  public PReLU alphaInitializer(Initializer init) {
    checkMutable();
    alphaInitializer = init;
    return this;
  }

  /**
   * @return this layer, with that alpha penalty added to the loss (default none)
   */
  public PReLU alphaRegularizer(Regularizer regularizer) {
    checkMutable();
    alphaRegularizer = regularizer;
    return this;
  }

  @Override
  public String className() {
    return "PReLU";
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    TensorShape in = single(inputShapes);
    alphaShape(in);
    return in;
  }

  private long[] alphaShape(TensorShape in) {
    if (in.rank() < 2) {
      throw new IllegalArgumentException(
          describe() + ": expected input of rank >= 2 (batch, ...), got " + in);
    }
    long[] shape = in.sampleDims();
    if (sharedAxes != null) {
      for (int a : new TreeSet<>(sharedAxes)) {
        if (a > shape.length) {
          throw new IllegalArgumentException(
              describe() + ": shared_axes " + sharedAxes + " do not fit input " + in);
        }
        shape[a - 1] = 1;
      }
    }
    for (long d : shape) {
      if (d < 0) {
        throw new IllegalArgumentException(
            describe() + ": the dimensions alpha covers must be known, got " + in);
      }
    }
    return shape;
  }

  @Override
  public List<WeightSpec> weightSpecs(List<TensorShape> inputShapes) {
    return List.of(new WeightSpec("alpha", alphaShape(inputShapes.get(0)), alphaInitializer, true));
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    Regularizer.addPenalty(ctx, this, "alpha", alphaRegularizer);
    return ctx.backend().prelu(ctx.tf(), inputs.get(0), ctx.weight(this, "alpha"));
  }

  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> c = super.getConfig();
    c.put("alpha_initializer", alphaInitializer);
    c.put("alpha_regularizer", alphaRegularizer);
    c.put("alpha_constraint", null);
    c.put("shared_axes", sharedAxes);
    return c;
  }

  /**
   * @param c a Keras PReLU config
   * @return the layer it describes
   */
  public static PReLU fromConfig(LayerConfig c) {
    PReLU l = new PReLU();
    l.alphaInitializer(c.getInitializer("alpha_initializer", Initializer.zeros()));
    l.alphaRegularizer(c.getRegularizer("alpha_regularizer"));
    List<Integer> shared = c.getIntList("shared_axes");
    if (shared != null) {
      if (shared.contains(null)) {
        throw c.unsupported("shared_axes", shared, "a list of axes >= 1");
      }
      l.sharedAxes(shared.stream().mapToInt(Integer::intValue).toArray());
    }
    c.requireNull("alpha_constraint");
    c.finish();
    return l;
  }

  @Override
  public PReLU named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public PReLU trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}
