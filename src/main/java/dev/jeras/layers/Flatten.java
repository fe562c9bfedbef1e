package dev.jeras.layers;

import java.util.List;
import java.util.Map;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * Flattens each sample to one axis: (batch, d1, ..., dn) to (batch, d1 * ... * dn), in row-major
 * (channels-last) order, as Keras does. No weights.
 *
 * <pre>{@code
 * new Flatten()
 * }</pre>
 */
public final class Flatten extends Layer {
  @Override
  public String className() {
    return "Flatten";
  }

  @Override
  public TensorShape computeOutputShape(List<TensorShape> inputShapes) {
    TensorShape in = single(inputShapes);
    if (in.rank() < 2) {
      throw new IllegalArgumentException(
          describe() + ": expected input of rank >= 2 (batch, ...), got " + in);
    }
    long n = in.sampleSize();
    if (n < 0) {
      throw new IllegalArgumentException(
          describe() + ": every dimension after the batch must be known, got " + in);
    }
    return TensorShape.of(in.dim(0), n);
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    long[] dims = inputs.get(0).shape().asArray();
    long n = 1;
    for (int i = 1; i < dims.length; i++) {
      n *= dims[i];
    }
    return ctx.tf().reshape(inputs.get(0), ctx.tf().constant(new long[] {-1, n}));
  }

  @Override
  public Map<String, Object> getConfig() {
    Map<String, Object> c = super.getConfig();
    c.put("data_format", "channels_last");
    return c;
  }

  /**
   * @param c a Keras Flatten config
   * @return the layer it describes
   */
  public static Flatten fromConfig(LayerConfig c) {
    c.requireValue("data_format", "channels_last");
    c.finish();
    return new Flatten();
  }

  @Override
  public Flatten named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public Flatten trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}
