package dev.jeras.layers;

import dev.jeras.internal.NativeOps;
import dev.jeras.internal.PoolBackprop;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/**
 * Max pooling over NHWC images: each output value is the maximum of a pool window.
 *
 * <p>Options, with Keras' defaults: {@code pool_size} (2, 2), {@code strides} the pool size, {@code
 * padding} "valid". Input (batch, h, w, c); output (batch, h', w', c). No weights.
 *
 * <p>In training on the CPU without oneDNN turned on, pools run oneDNN's kernel, which keeps the
 * position of each maximum for its gradient ({@link dev.jeras.internal.OneDnn}; the same values as
 * TensorFlow's {@code MaxPoolGrad}, 2-3x faster); with {@code -Djeras.oneDnnKernels=off}, pools
 * whose windows do not overlap are differentiated by {@link PoolBackprop} (the same values too);
 * {@code -Djeras.poolGradient=tensorflow} keeps TensorFlow's gradient for those.
 *
 * <pre>{@code
 * new MaxPooling2D()            // 2x2, stride 2
 * new MaxPooling2D(3, 3).strides(2, 2).padding(Padding.SAME)
 * }</pre>
 */
public final class MaxPooling2D extends Pooling2D {
  /** A 2x2 pool with stride 2. */
  public MaxPooling2D() {
    super(2, 2);
  }

  /**
   * @param height pool height
   * @param width pool width
   */
  public MaxPooling2D(int height, int width) {
    super(height, width);
  }

  /**
   * @return this layer, with strides (default: the pool size)
   */
  public MaxPooling2D strides(int height, int width) {
    setStrides(height, width);
    return this;
  }

  /**
   * @return this layer, with that padding (default valid)
   */
  public MaxPooling2D padding(Padding padding) {
    setPadding(padding);
    return this;
  }

  /**
   * @return this layer, with padding "valid" or "same"
   */
  public MaxPooling2D padding(String padding) {
    return padding(Padding.of(padding));
  }

  @Override
  public String className() {
    return "MaxPooling2D";
  }

  @Override
  public Operand<TFloat32> call(CallContext ctx, List<Operand<TFloat32>> inputs) {
    org.tensorflow.op.Ops tf = ctx.tf();
    int[] s = effectiveStrides();
    if (ctx.training()) {
      Operand<TFloat32> fused =
          NativeOps.trainingConvMaxPool(tf, inputs.get(0), poolSize, s, padding.tfName());
      return fused != null
          ? fused
          : PoolBackprop.trainingMaxPool(tf, inputs.get(0), poolSize, s, padding.tfName());
    }
    if (!ctx.forExport()) {
      Operand<TFloat32> fused =
          NativeOps.inferenceConvMaxPool(tf, inputs.get(0), poolSize, s, padding.tfName());
      if (fused != null) {
        return fused;
      }
    }
    return tf.nn.maxPool(
        inputs.get(0),
        tf.constant(new int[] {1, poolSize[0], poolSize[1], 1}),
        tf.constant(new int[] {1, s[0], s[1], 1}),
        padding.tfName());
  }

  /**
   * @param c a Keras MaxPooling2D config
   * @return the layer it describes
   */
  public static MaxPooling2D fromConfig(LayerConfig c) {
    int[] p = c.getPair("pool_size", new int[] {2, 2});
    MaxPooling2D l = new MaxPooling2D(p[0], p[1]);
    int[] s = c.getPair("strides", null);
    if (s != null) {
      l.strides(s[0], s[1]);
    }
    l.padding(c.getPadding("padding"));
    c.requireValue("data_format", "channels_last");
    c.finish();
    return l;
  }

  @Override
  public MaxPooling2D named(String name) {
    super.named(name);
    return this;
  }

  @Override
  public MaxPooling2D trainable(boolean trainable) {
    super.trainable(trainable);
    return this;
  }
}
