package dev.jeras.layers;

import dev.jeras.backend.Backend;
import dev.jeras.internal.Naming;
import org.tensorflow.Operand;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * The context a layer call sees inside a nested model, or in a call fixed to one mode: everything
 * comes from the enclosing context, except that weights are looked up under the nested model's name
 * ({@code base/Conv1/kernel}) and that the mode may be fixed ({@code training=False}).
 */
final class ScopedContext implements CallContext {
  private final CallContext parent;
  private final Layer owner;
  private final boolean training;

  /**
   * @param parent the enclosing context
   * @param owner the nested model whose layers are called, or null for a mode change only
   * @param training the mode
   */
  ScopedContext(CallContext parent, Layer owner, boolean training) {
    this.parent = parent;
    this.owner = owner;
    this.training = training;
  }

  @Override
  public Ops tf() {
    return parent.tf();
  }

  @Override
  public boolean training() {
    return training;
  }

  @Override
  public Backend backend() {
    return parent.backend();
  }

  @Override
  public Operand<TFloat32> weight(Layer layer, String weightName) {
    return owner == null
        ? parent.weight(layer, weightName)
        : parent.weight(owner, Naming.variable(layer.name(), weightName));
  }

  @Override
  public void addUpdate(Op update) {
    parent.addUpdate(update);
  }

  @Override
  public void addLoss(String key, Operand<TFloat32> loss) {
    // keys are unique within the model that owns the layer: prefix the nested model's name
    parent.addLoss(owner == null ? key : owner.name() + "/" + key, loss);
  }

  @Override
  public void recordLogits(Operand<TFloat32> probabilities, Operand<TFloat32> logits) {
    parent.recordLogits(probabilities, logits);
  }

  @Override
  public Operand<TInt64> randomSeed(Layer layer) {
    if (owner == null) {
      return parent.randomSeed(layer);
    }
    // the nested model's seed, moved by the inner layer's name: each inner layer draws its own
    Ops tf = parent.tf();
    long offset = 1_000_003L * layer.name().hashCode();
    return tf.math.add(parent.randomSeed(owner), tf.constant(new long[] {offset, 0L}));
  }
}
