package dev.jeras.training;

import dev.jeras.internal.VariableStore;
import java.util.List;
import java.util.Optional;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;
import org.tensorflow.types.family.TType;

/**
 * What jeras hands the tensorflow-framework optimizers it drives ({@link FrameworkOptimizers}), in
 * the graph the session runs: its learning-rate variable, its step counter, and the slot variables
 * the training graph's first stage created under Keras' names ({@code optimizer/<weight
 * path>/<slot>}), which checkpoints, {@code .keras} files and graph rebuilds carry; plus Keras'
 * weight decay.
 */
final class OptimizerVariables {
  private final VariableStore store;
  private final Operand<TFloat32> learningRate;
  private final Operand<TInt64> iterations;
  private final float weightDecay;

  OptimizerVariables(
      VariableStore store,
      Operand<TFloat32> learningRate,
      Operand<TInt64> iterations,
      double weightDecay) {
    this.store = store;
    this.learningRate = learningRate;
    this.iterations = iterations;
    this.weightDecay = (float) weightDecay;
  }

  /**
   * @return the name of a weight's slot variable
   */
  static String slotName(String weightPath, String slot) {
    return "optimizer/" + weightPath + "/" + slot;
  }

  /**
   * @return the name of an optimizer-wide variable (Nadam's momentum-schedule product)
   */
  static String globalName(String name) {
    return "optimizer/" + name;
  }

  /**
   * Checks that the first stage created this slot for the weight.
   *
   * @throws IllegalStateException when it did not (the optimizer and its slot list disagree)
   */
  void require(Output<?> weight, String slot) {
    String name = slotName(weight.op().name(), slot);
    if (!store.contains(name)) {
      throw new IllegalStateException("the training graph has no optimizer slot " + name);
    }
  }

  /**
   * @return the weight's slot variable, empty when it has none
   */
  <T extends TType> Optional<Variable<T>> slot(Output<T> weight, String slot) {
    String name = slotName(weight.op().name(), slot);
    return store.contains(name)
        ? Optional.of(new Variable<>(store.variable(name).op()))
        : Optional.empty();
  }

  /**
   * @return an optimizer-wide variable
   */
  Variable<TFloat32> global(String name) {
    return new Variable<>(store.variable(globalName(name)).op());
  }

  /**
   * @return the learning-rate variable (callbacks assign it between steps)
   */
  Operand<TFloat32> learningRate() {
    return learningRate;
  }

  /**
   * @return Keras' {@code local_step}: the 1-based number of the step being taken, as a float
   */
  Operand<TFloat32> localStep(Ops tf) {
    return tf.dtypes.cast(tf.math.add(iterations, tf.constant(1L)), TFloat32.class);
  }

  /**
   * Keras' weight decay, w -= w * weight_decay * lr, before the optimizer's own update of w.
   *
   * @param deps the op factory the update is built with
   * @param weight the weight
   * @return {@code deps}, or, with a decay, an op factory whose ops run after it
   */
  Ops decayFirst(Ops deps, Operand<TFloat32> weight) {
    if (weightDecay == 0) {
      return deps;
    }
    Op decay =
        deps.assignSub(
            weight, deps.math.mul(deps.math.mul(weight, deps.constant(weightDecay)), learningRate));
    return deps.withControlDependencies(List.of(decay));
  }

  /**
   * The framework's {@code finish} without its own step variables: one op that runs every update.
   */
  static Op group(Ops tf, List<Op> updates, String name) {
    return tf.withName(name).withControlDependencies(updates).noOp();
  }
}
