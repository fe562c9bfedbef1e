package dev.jeras.layers;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;

/**
 * A fully connected layer: {@code y = activation(x . kernel + bias)}, applied to the last axis.
 *
 * <p>Options, with Keras' defaults: {@code units} (required), {@code activation} linear, {@code
 * use_bias} true, {@code kernel_initializer} glorot_uniform, {@code bias_initializer} zeros, {@code
 * kernel_regularizer} and {@code bias_regularizer} none (see {@link Regularizer}).
 *
 * <p>Input (batch, ..., in); output (batch, ..., units). Weights: kernel (in, units), bias (units).
 *
 * <pre>{@code
 * new Dense(10).activation("softmax")
 * new Dense(512).activation(Activations.RELU).kernelInitializer(Initializer.heNormal())
 * }</pre>
 */
public final class Dense extends Layer {
  private final int units;
  private Activations activation = Activations.LINEAR;
  private boolean useBias = true;
  private Initializer kernelInitializer = Initializer.glorotUniform();
  private Initializer biasInitializer = Initializer.zeros();
  private Regularizer kernelRegularizer;
  private Regularizer biasRegularizer;

  /**
   * @param units the output size
   */
  public Dense(int units) {
    this.units = Check.positive("units", units);
  }

  /**
   * @return this layer, with that activation (default linear)
   */
  public Dense activation(Activations activation) {
    checkMutable();
    this.activation = activation;
    return this;
  }

  /**
   * @return this layer, with the activation of that Keras name
   */
  public Dense activation(String activation) {
    return activation(Activations.of(activation));
  }

  /**
   * @return this layer, with or without a bias (default with)
   */
  public Dense useBias(boolean useBias) {
    checkMutable();
    this.useBias = useBias;
    return this;
  }

  /**
   * @return this layer, with that kernel initializer (default glorot_uniform)
   */
  public Dense kernelInitializer(Initializer init) {
    checkMutable();
    kernelInitializer = init;
    return this;
  }

  /**
   * @return this layer, with that bias initializer (default zeros)
   */
  public Dense biasInitializer(Initializer init) {
    checkMutable();
    biasInitializer = init;
    return this;
  }

  /**
   * @return this layer, with that kernel penalty added to the loss (default none; null for none)
   */
  public Dense kernelRegularizer(Regularizer regularizer) {
    checkMutable();
    kernelRegularizer = regularizer;
    return this;
  }

  /**
   * @return this layer, with that bias penalty added to the loss (default none; null for none)
   */
  public Dense biasRegularizer(Regularizer regularizer) {
    checkMutable();
    biasRegularizer = regularizer;
    return this;
  }

  /**
   * @return the output size
   */
  public int units() {
    return units;
  }

  /**
   * @return the activation
   */
  public Activations activation() {
    return activation;
  }

  @Override
  public String className() {
    return "Dense";
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    TensorShape in = single(inputShapes);
    if (in.rank() < 2) {
      throw new IllegalArgumentException(
          describe() + ": expected input of rank >= 2 (batch, ..., features), got " + in);
    }
    if (in.dim(-1) < 0) {
      throw new IllegalArgumentException(
          describe() + ": the last dimension of the input must be known, got " + in);
    }
    long[] d = in.dims();
    d[d.length - 1] = units;
    return TensorShape.of(d);
  }

  @Override
  public List<WeightSpec> weightSpecs(List<TensorShape> inputShapes) {
    long in = inputShapes.get(0).dim(-1);
    WeightSpec kernel = new WeightSpec("kernel", new long[] {in, units}, kernelInitializer, true);
    return useBias
        ? List.of(kernel, new WeightSpec("bias", new long[] {units}, biasInitializer, true))
        : List.of(kernel);
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    Ops tf = ctx.tf();
    Operand<TFloat32> x = inputs.get(0);
    long[] dims = x.shape().asArray();
    boolean flat = dims.length == 2;
    if (!flat) {
      x = tf.reshape(x, tf.constant(new long[] {-1, dims[dims.length - 1]}));
    }
    Operand<TFloat32> y = ctx.backend().matmul(tf, x, ctx.weight(this, "kernel"));
    if (useBias) {
      y = ctx.backend().biasAdd(tf, y, ctx.weight(this, "bias"));
    }
    Regularizer.addPenalty(ctx, this, "kernel", kernelRegularizer);
    if (useBias) {
      Regularizer.addPenalty(ctx, this, "bias", biasRegularizer);
    }
    if (!flat) {
      long[] out = dims.clone();
      out[0] = -1;
      out[out.length - 1] = units;
      for (int i = 1; i < out.length - 1; i++) {
        if (out[i] < 0) {
          throw new IllegalArgumentException(describe() + ": inner dimensions must be known");
        }
      }
      y = tf.reshape(y, tf.constant(out));
    }
    return Check.activate(ctx, activation, y);
  }

  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> c = super.getConfig();
    c.put("units", units);
    c.put("activation", activation.kerasName());
    c.put("use_bias", useBias);
    c.put("kernel_initializer", kernelInitializer);
    c.put("bias_initializer", biasInitializer);
    c.put("kernel_regularizer", kernelRegularizer);
    c.put("bias_regularizer", biasRegularizer);
    c.put("kernel_constraint", null);
    c.put("bias_constraint", null);
    c.put("quantization_config", null);
    return c;
  }

  /**
   * @param c a Keras Dense config
   * @return the layer it describes
   */
  public static Dense fromConfig(LayerConfig c) {
    Dense l = new Dense(c.getInt("units"));
    l.activation(c.getActivation("activation"));
    l.useBias(c.getBoolean("use_bias", true));
    l.kernelInitializer(c.getInitializer("kernel_initializer", Initializer.glorotUniform()));
    l.biasInitializer(c.getInitializer("bias_initializer", Initializer.zeros()));
    l.kernelRegularizer(c.getRegularizer("kernel_regularizer"));
    l.biasRegularizer(c.getRegularizer("bias_regularizer"));
    c.requireNull(
        "activity_regularizer", "kernel_constraint", "bias_constraint", "quantization_config");
    c.requireValue("lora_rank", 0);
    c.ignore("lora_alpha");
    c.finish();
    return l;
  }

  @Override
  public Dense named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public Dense trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}
