package dev.jeras.training;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.framework.optimizers.AdaDelta;
import org.tensorflow.framework.optimizers.AdaGrad;
import org.tensorflow.framework.optimizers.Adam;
import org.tensorflow.framework.optimizers.Adamax;
import org.tensorflow.framework.optimizers.Ftrl;
import org.tensorflow.framework.optimizers.GradientDescent;
import org.tensorflow.framework.optimizers.Momentum;
import org.tensorflow.framework.optimizers.RMSProp;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Variable;
import org.tensorflow.op.train.ApplyMomentum;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.family.TType;

/**
 * jeras' optimizers as tensorflow-framework optimizers, driven through the framework's {@code
 * Optimizer.applyGradients} with jeras' own (gradient, trainable weight) pairs (never {@code
 * minimize}, which differentiates every variable of the graph). The framework runs the protocol:
 * slots per weight ({@code createSlots}/{@code createSlot}/{@code getSlot}), one update per weight
 * gated behind every gradient ({@code applyDense}), per-step terms ({@code prepare}), one op for
 * the whole step ({@code finish}).
 *
 * <p>Each class below extends the framework's class for its optimizer and adds what 1.1.0's classes
 * lack for Keras' semantics:
 *
 * <ul>
 *   <li>the learning rate is read from jeras' variable {@code optimizer/learning_rate} at each step
 *       (1.1.0 bakes it into the graph as a constant), so callbacks change it between steps;
 *   <li>the slots are jeras' variables, created in the training graph's first stage under Keras'
 *       names and initial values ({@code createSlot} binds them where 1.1.0 creates variables of
 *       its own, {@code getSlot} finds them), so checkpoints, {@code .keras} files and graph
 *       rebuilds carry them;
 *   <li>step-dependent terms (bias corrections, Nadam's schedule) come from jeras' step counter
 *       {@code optimizer/iterations}, as in Keras, where 1.1.0 keeps power variables of its own
 *       that Keras' saved state does not have;
 *   <li>Keras' hyper-parameters (epsilon 1e-7, Keras 3's SGD momentum, Adagrad's epsilon) and its
 *       weight decay (AdamW, Lion).
 * </ul>
 *
 * <p>Nadam and Lion extend the framework's {@code Optimizer} base: 1.1.0 has no Lion, and its Nadam
 * fixes the step of its momentum schedule and bias correction when the graph is built, so from the
 * second step its numbers leave Keras'.
 */
final class FrameworkOptimizers {
  /** The name of the update ops in the graph. */
  static final String NAME = "optimizer_update";

  private FrameworkOptimizers() {}

  /**
   * @param o the optimizer
   * @param graph the graph the session runs
   * @param vars jeras' learning rate, step counter and slots in that graph
   * @return the framework optimizer that applies {@code o}'s update there
   */
  static org.tensorflow.framework.optimizers.Optimizer create(
      Optimizer o, Graph graph, OptimizerVariables vars) {
    if (o instanceof Optimizer.Adam a) {
      return new KerasAdam(graph, vars, a.learningRate(), a.beta1(), a.beta2(), a.epsilon());
    } else if (o instanceof Optimizer.AdamW a) {
      return new KerasAdam(graph, vars, a.learningRate(), a.beta1(), a.beta2(), a.epsilon());
    } else if (o instanceof Optimizer.Sgd s) {
      return s.momentum() > 0
          ? new KerasMomentum(graph, vars, s.learningRate(), s.momentum(), s.nesterov())
          : new KerasGradientDescent(graph, vars, s.learningRate());
    } else if (o instanceof Optimizer.RmsProp r) {
      return new KerasRmsProp(graph, vars, r);
    } else if (o instanceof Optimizer.Nadam n) {
      return new KerasNadam(graph, vars, n);
    } else if (o instanceof Optimizer.Adamax a) {
      return new KerasAdamax(graph, vars, a);
    } else if (o instanceof Optimizer.Adagrad a) {
      return new KerasAdagrad(graph, vars, a);
    } else if (o instanceof Optimizer.Adadelta a) {
      return new KerasAdadelta(graph, vars, a);
    } else if (o instanceof Optimizer.Ftrl f) {
      return new KerasFtrl(graph, vars, f);
    } else if (o instanceof Optimizer.Lion l) {
      return new KerasLion(graph, vars, l);
    }
    throw new IllegalArgumentException("no framework optimizer for " + o);
  }

  /**
   * @return the optimizer-wide variables (beyond the learning rate and the step counter), after the
   *     slots in Keras' order
   */
  static List<String> globals(Optimizer o) {
    return o.scalarSlots();
  }

  /**
   * @return the starting value of a slot or optimizer-wide variable
   */
  static float initialValue(Optimizer o, String slot) {
    if (o instanceof Optimizer.Adagrad a && slot.equals("accumulator")) {
      return (float) a.initialAccumulatorValue();
    } else if (o instanceof Optimizer.Ftrl f && slot.equals("accumulator")) {
      return (float) f.initialAccumulatorValue();
    } else if (slot.equals(KerasNadam.U_PRODUCT)) {
      return 1f;
    }
    return 0f;
  }

  /**
   * The slot variables in the order of Keras' {@code optimizer.variables} (after iterations and the
   * learning rate): weight by weight with each weight's slots together, except RMSprop, which lists
   * all velocities, then all momentums, then all average gradients; RMSprop's momentum accumulators
   * only when momentum is positive (Keras has none otherwise).
   *
   * @param o the optimizer
   * @param weights the trained weights' paths, in order
   * @return variable names
   */
  static List<String> kerasOrder(Optimizer o, List<String> weights) {
    List<String> slots = new ArrayList<>(o.slotNames());
    List<String> out = new ArrayList<>();
    if (o instanceof Optimizer.RmsProp r) {
      if (r.momentum() == 0) {
        slots.remove("momentum");
      }
      for (String slot : slots) {
        for (String w : weights) {
          out.add(OptimizerVariables.slotName(w, slot));
        }
      }
    } else {
      for (String w : weights) {
        for (String slot : slots) {
          out.add(OptimizerVariables.slotName(w, slot));
        }
      }
    }
    for (String g : globals(o)) {
      out.add(OptimizerVariables.globalName(g));
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Output<TFloat32> floats(Output<? extends TType> o) {
    return (Output<TFloat32>) o;
  }

  private static Variable<TFloat32> slot(
      OptimizerVariables vars, Output<? extends TType> weight, String slot) {
    return vars.slot(floats(weight), slot).orElseThrow();
  }

  /** Keras' float32 arithmetic on a hyper-parameter: {@code 1 - b} with b rounded first. */
  private static float oneMinus(double b) {
    return 1f - (float) b;
  }

  /**
   * Keras' Adam (and AdamW, with the decay {@link OptimizerVariables} applies) on the framework's
   * Adam and TensorFlow's ApplyAdam kernel. Adds: the learning-rate variable; bias corrections b^t
   * from the step counter instead of 1.1.0's beta1_power/beta2_power variables (so it creates
   * neither them nor their updates in {@code finish}); slots {@code momentum}, {@code velocity}.
   */
  static final class KerasAdam extends Adam {
    private static final Map<String, String> SLOTS =
        Map.of(FIRST_MOMENT, "momentum", SECOND_MOMENT, "velocity");
    private final OptimizerVariables vars;
    private final float beta1;
    private final float beta2;
    private final float epsilon;
    private Operand<TFloat32> beta1Power;
    private Operand<TFloat32> beta2Power;

    KerasAdam(
        Graph g, OptimizerVariables vars, double lr, double beta1, double beta2, double epsilon) {
      super(g, NAME, (float) lr, (float) beta1, (float) beta2, (float) epsilon);
      this.vars = vars;
      this.beta1 = (float) beta1;
      this.beta2 = (float) beta2;
      this.epsilon = (float) epsilon;
    }

    @Override
    protected void createSlots(List<Output<? extends TType>> variables) {
      for (Output<? extends TType> v : variables) {
        createSlot(v, FIRST_MOMENT, null);
        createSlot(v, SECOND_MOMENT, null);
      }
    }

    @Override
    protected <T extends TType> void createSlot(
        Output<T> variable, String slotName, Operand<T> initializer) {
      vars.require(variable, SLOTS.get(slotName));
    }

    @Override
    public <T extends TType> Optional<Variable<T>> getSlot(Output<T> var, String slotName) {
      return vars.slot(var, SLOTS.get(slotName));
    }

    @Override
    protected Optional<Op> prepare(String scopeName) {
      Operand<TFloat32> step = vars.localStep(tf);
      beta1Power = tf.math.pow(tf.constant(beta1), step);
      beta2Power = tf.math.pow(tf.constant(beta2), step);
      return Optional.empty();
    }

    @Override
    protected <T extends TType> Op applyDense(Ops deps, Output<T> gradient, Output<T> variable) {
      Ops d = vars.decayFirst(deps, floats(variable));
      return d.train.applyAdam(
          floats(variable),
          slot(vars, variable, "momentum"),
          slot(vars, variable, "velocity"),
          beta1Power,
          beta2Power,
          vars.learningRate(),
          d.constant(beta1),
          d.constant(beta2),
          d.constant(epsilon),
          floats(gradient));
    }

    @Override
    protected Op finish(List<Op> updateOperations, String name) {
      return OptimizerVariables.group(tf, updateOperations, name);
    }
  }

  /**
   * Keras' Adamax on the framework's Adamax and TensorFlow's ApplyAdaMax kernel. Adds: the
   * learning-rate variable; b1^t from the step counter instead of 1.1.0's beta1_power variable;
   * slots {@code momentum}, {@code norm}.
   */
  static final class KerasAdamax extends Adamax {
    private static final Map<String, String> SLOTS =
        Map.of(FIRST_MOMENT, "momentum", SECOND_MOMENT, "norm");
    private final OptimizerVariables vars;
    private final Optimizer.Adamax o;
    private Operand<TFloat32> beta1Power;

    KerasAdamax(Graph g, OptimizerVariables vars, Optimizer.Adamax o) {
      super(
          g,
          NAME,
          (float) o.learningRate(),
          (float) o.beta1(),
          (float) o.beta2(),
          (float) o.epsilon());
      this.vars = vars;
      this.o = o;
    }

    @Override
    protected void createSlots(List<Output<? extends TType>> variables) {
      for (Output<? extends TType> v : variables) {
        createSlot(v, FIRST_MOMENT, null);
        createSlot(v, SECOND_MOMENT, null);
      }
    }

    @Override
    protected <T extends TType> void createSlot(
        Output<T> variable, String slotName, Operand<T> initializer) {
      vars.require(variable, SLOTS.get(slotName));
    }

    @Override
    public <T extends TType> Optional<Variable<T>> getSlot(Output<T> var, String slotName) {
      return vars.slot(var, SLOTS.get(slotName));
    }

    @Override
    protected Optional<Op> prepare(String scopeName) {
      beta1Power = tf.math.pow(tf.constant((float) o.beta1()), vars.localStep(tf));
      return Optional.empty();
    }

    @Override
    protected <T extends TType> Op applyDense(Ops deps, Output<T> gradient, Output<T> variable) {
      Ops d = vars.decayFirst(deps, floats(variable));
      return d.train.applyAdaMax(
          floats(variable),
          slot(vars, variable, "momentum"),
          slot(vars, variable, "norm"),
          beta1Power,
          vars.learningRate(),
          d.constant((float) o.beta1()),
          d.constant((float) o.beta2()),
          d.constant((float) o.epsilon()),
          floats(gradient));
    }

    @Override
    protected Op finish(List<Op> updateOperations, String name) {
      return OptimizerVariables.group(tf, updateOperations, name);
    }
  }

  /** Keras' SGD without momentum on the framework's GradientDescent. Adds: the learning rate. */
  static final class KerasGradientDescent extends GradientDescent {
    private final OptimizerVariables vars;

    KerasGradientDescent(Graph g, OptimizerVariables vars, double lr) {
      super(g, NAME, (float) lr);
      this.vars = vars;
    }

    @Override
    protected <T extends TType> Op applyDense(Ops deps, Output<T> gradient, Output<T> variable) {
      Ops d = vars.decayFirst(deps, floats(variable));
      return d.train.applyGradientDescent(floats(variable), vars.learningRate(), floats(gradient));
    }
  }

  /**
   * Keras 3's SGD with momentum on the framework's Momentum and TensorFlow's ApplyMomentum kernel.
   * Keras keeps m = momentum m - lr g and steps w += m (Nesterov: w += momentum m - lr g); the
   * kernel keeps a = momentum a + grad and steps w -= lr' a (Nesterov: w -= lr' grad + lr' momentum
   * a). Fed grad = -lr g and lr' = -1, its accumulator is Keras' m, value for value, and a
   * learning-rate change applies to new gradients only, as in Keras. Adds: that, the learning-rate
   * variable, the slot {@code momentum}.
   */
  static final class KerasMomentum extends Momentum {
    private final OptimizerVariables vars;
    private final float momentum;
    private final boolean nesterov;

    KerasMomentum(Graph g, OptimizerVariables vars, double lr, double momentum, boolean nesterov) {
      super(g, NAME, (float) lr, (float) momentum, nesterov);
      this.vars = vars;
      this.momentum = (float) momentum;
      this.nesterov = nesterov;
    }

    @Override
    protected <T extends TType> void createSlot(
        Output<T> variable, String slotName, Operand<T> initializer) {
      vars.require(variable, slotName);
    }

    @Override
    public <T extends TType> Optional<Variable<T>> getSlot(Output<T> var, String slotName) {
      return vars.slot(var, slotName);
    }

    @Override
    protected <T extends TType> Op applyDense(Ops deps, Output<T> gradient, Output<T> variable) {
      Ops d = vars.decayFirst(deps, floats(variable));
      return d.train.applyMomentum(
          floats(variable),
          slot(vars, variable, MOMENTUM),
          d.constant(-1f),
          d.math.neg(d.math.mul(floats(gradient), vars.learningRate())),
          d.constant(momentum),
          ApplyMomentum.useNesterov(nesterov));
    }
  }

  /**
   * Keras' RMSprop on the framework's RMSProp and TensorFlow's ApplyRMSProp and
   * ApplyCenteredRMSProp kernels. Adds: the learning-rate variable; slots {@code velocity}, {@code
   * momentum}, {@code average_gradient} starting at Keras' zeros (1.1.0 starts the mean square at
   * 1, as TensorFlow 1 did).
   */
  static final class KerasRmsProp extends RMSProp {
    private static final Map<String, String> SLOTS =
        Map.of(RMS, "velocity", MOMENTUM, "momentum", MG, "average_gradient");
    private final OptimizerVariables vars;
    private final Optimizer.RmsProp o;

    KerasRmsProp(Graph g, OptimizerVariables vars, Optimizer.RmsProp o) {
      super(
          g,
          NAME,
          (float) o.learningRate(),
          (float) o.rho(),
          (float) o.momentum(),
          (float) o.epsilon(),
          o.centered());
      this.vars = vars;
      this.o = o;
    }

    @Override
    protected <T extends TType> void createSlot(
        Output<T> variable, String slotName, Operand<T> initializer) {
      vars.require(variable, SLOTS.get(slotName));
    }

    @Override
    public <T extends TType> Optional<Variable<T>> getSlot(Output<T> var, String slotName) {
      return vars.slot(var, SLOTS.get(slotName));
    }

    @Override
    protected <T extends TType> Op applyDense(Ops deps, Output<T> gradient, Output<T> variable) {
      Ops d = vars.decayFirst(deps, floats(variable));
      Operand<TFloat32> rho = d.constant((float) o.rho());
      Operand<TFloat32> momentum = d.constant((float) o.momentum());
      Operand<TFloat32> epsilon = d.constant((float) o.epsilon());
      if (o.centered()) {
        return d.train.applyCenteredRmsProp(
            floats(variable),
            slot(vars, variable, "average_gradient"),
            slot(vars, variable, "velocity"),
            slot(vars, variable, "momentum"),
            vars.learningRate(),
            rho,
            momentum,
            epsilon,
            floats(gradient));
      }
      return d.train.applyRmsProp(
          floats(variable),
          slot(vars, variable, "velocity"),
          slot(vars, variable, "momentum"),
          vars.learningRate(),
          rho,
          momentum,
          epsilon,
          floats(gradient));
    }
  }

  /**
   * Keras' Adagrad on the framework's AdaGrad, with TensorFlow's ApplyAdagradV2 kernel: w -= lr g /
   * (sqrt(a) + eps), Keras' epsilon (1.1.0's ApplyAdagrad has none; Keras takes the root of a +
   * eps, which differs below float32's precision once a is Keras' 0.1 or more). Adds: that, the
   * learning-rate variable, the slot {@code accumulator} starting at Keras' 0.1.
   */
  static final class KerasAdagrad extends AdaGrad {
    private final OptimizerVariables vars;
    private final float epsilon;

    KerasAdagrad(Graph g, OptimizerVariables vars, Optimizer.Adagrad o) {
      super(g, NAME, (float) o.learningRate(), (float) o.initialAccumulatorValue());
      this.vars = vars;
      this.epsilon = (float) o.epsilon();
    }

    @Override
    protected <T extends TType> void createSlot(
        Output<T> variable, String slotName, Operand<T> initializer) {
      vars.require(variable, slotName);
    }

    @Override
    public <T extends TType> Optional<Variable<T>> getSlot(Output<T> var, String slotName) {
      return vars.slot(var, slotName);
    }

    @Override
    protected <T extends TType> Op applyDense(Ops deps, Output<T> gradient, Output<T> variable) {
      Ops d = vars.decayFirst(deps, floats(variable));
      return d.train.applyAdagradV2(
          floats(variable),
          slot(vars, variable, ACCUMULATOR),
          vars.learningRate(),
          d.constant(epsilon),
          floats(gradient));
    }
  }

  /**
   * Keras' Adadelta on the framework's AdaDelta and TensorFlow's ApplyAdadelta kernel. Adds: the
   * learning-rate variable; slots {@code accumulated_grad}, {@code accumulated_delta_var}.
   */
  static final class KerasAdadelta extends AdaDelta {
    private static final Map<String, String> SLOTS =
        Map.of(ACCUMULATOR, "accumulated_grad", ACCUMULATOR_UPDATE, "accumulated_delta_var");
    private final OptimizerVariables vars;
    private final Optimizer.Adadelta o;

    KerasAdadelta(Graph g, OptimizerVariables vars, Optimizer.Adadelta o) {
      super(g, NAME, (float) o.learningRate(), (float) o.rho(), (float) o.epsilon());
      this.vars = vars;
      this.o = o;
    }

    @Override
    protected <T extends TType> void createSlot(
        Output<T> variable, String slotName, Operand<T> initializer) {
      vars.require(variable, SLOTS.get(slotName));
    }

    @Override
    public <T extends TType> Optional<Variable<T>> getSlot(Output<T> var, String slotName) {
      return vars.slot(var, SLOTS.get(slotName));
    }

    @Override
    protected <T extends TType> Op applyDense(Ops deps, Output<T> gradient, Output<T> variable) {
      Ops d = vars.decayFirst(deps, floats(variable));
      return d.train.applyAdadelta(
          floats(variable),
          slot(vars, variable, "accumulated_grad"),
          slot(vars, variable, "accumulated_delta_var"),
          vars.learningRate(),
          d.constant((float) o.rho()),
          d.constant((float) o.epsilon()),
          floats(gradient));
    }
  }

  /**
   * Keras' FTRL on the framework's Ftrl and TensorFlow's ApplyFtrlV2 kernel. Adds: the
   * learning-rate variable; Keras' beta (the L2 strength becomes l2 + beta / (2 lr)); slots {@code
   * accumulator} (starting at Keras' 0.1), {@code linear}.
   */
  static final class KerasFtrl extends Ftrl {
    private static final Map<String, String> SLOTS =
        Map.of(ACCUMULATOR, "accumulator", LINEAR_ACCUMULATOR, "linear");
    private final OptimizerVariables vars;
    private final Optimizer.Ftrl o;

    KerasFtrl(Graph g, OptimizerVariables vars, Optimizer.Ftrl o) {
      super(
          g,
          NAME,
          (float) o.learningRate(),
          (float) o.learningRatePower(),
          (float) o.initialAccumulatorValue(),
          (float) o.l1(),
          (float) o.l2(),
          (float) o.l2Shrinkage());
      this.vars = vars;
      this.o = o;
    }

    @Override
    protected <T extends TType> void createSlot(
        Output<T> variable, String slotName, Operand<T> initializer) {
      vars.require(variable, SLOTS.get(slotName));
    }

    @Override
    public <T extends TType> Optional<Variable<T>> getSlot(Output<T> var, String slotName) {
      return vars.slot(var, SLOTS.get(slotName));
    }

    @Override
    protected <T extends TType> Op applyDense(Ops deps, Output<T> gradient, Output<T> variable) {
      Ops d = vars.decayFirst(deps, floats(variable));
      Operand<TFloat32> lr = vars.learningRate();
      Operand<TFloat32> l2 = d.constant((float) o.l2());
      if (o.beta() != 0) {
        l2 =
            d.math.add(
                l2, d.math.div(d.constant((float) o.beta()), d.math.mul(d.constant(2f), lr)));
      }
      return d.train.applyFtrl(
          floats(variable),
          slot(vars, variable, "accumulator"),
          slot(vars, variable, "linear"),
          floats(gradient),
          lr,
          d.constant((float) o.l1()),
          l2,
          d.constant((float) o.l2Shrinkage()),
          d.constant((float) o.learningRatePower()));
    }
  }

  /**
   * The shared part of the optimizers built here on the framework's bare Optimizer base (Nadam,
   * Lion): slots kept in {@link OptimizerVariables} under their Keras names, created for every
   * trained weight in the given order, and one grouped update op.
   */
  private abstract static class KerasOwnOptimizer
      extends org.tensorflow.framework.optimizers.Optimizer {
    final OptimizerVariables vars;
    private final List<String> slotNames;

    KerasOwnOptimizer(Graph g, OptimizerVariables vars, String... slotNames) {
      super(g, NAME);
      this.vars = vars;
      this.slotNames = List.of(slotNames);
    }

    @Override
    protected void createSlots(List<Output<? extends TType>> variables) {
      for (Output<? extends TType> v : variables) {
        for (String slotName : slotNames) {
          createSlot(v, slotName, null);
        }
      }
    }

    @Override
    protected <T extends TType> void createSlot(
        Output<T> variable, String slotName, Operand<T> initializer) {
      vars.require(variable, slotName);
    }

    @Override
    public <T extends TType> Optional<Variable<T>> getSlot(Output<T> var, String slotName) {
      return vars.slot(var, slotName);
    }

    @Override
    protected Op finish(List<Op> updateOperations, String name) {
      return OptimizerVariables.group(tf, updateOperations, name);
    }
  }

  /**
   * Keras' Nadam on the framework's Optimizer base (1.1.0's Nadam fixes the step of its schedule
   * when the graph is built). Per step ({@code prepare}): u_t = b1 (1 - 0.5 * 0.96^t), the product
   * of the u's so far kept in the optimizer-wide variable {@code optimizer/u_product}, b2^t; per
   * weight: m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2); w -= lr m_hat / (sqrt(v / (1 - b2^t)) +
   * eps) with m_hat = u_(t+1) m / (1 - u_product u_(t+1)) + (1 - u_t) g / (1 - u_product).
   */
  static final class KerasNadam extends KerasOwnOptimizer {
    static final String U_PRODUCT = "u_product";
    private final Optimizer.Nadam o;
    private Operand<TFloat32> uT;
    private Operand<TFloat32> uT1;
    private Operand<TFloat32> uProductT;
    private Operand<TFloat32> uProductT1;
    private Operand<TFloat32> beta2Power;

    KerasNadam(Graph g, OptimizerVariables vars, Optimizer.Nadam o) {
      super(g, vars, "momentum", "velocity");
      this.o = o;
    }

    @Override
    public String getOptimizerName() {
      return "Nadam";
    }

    private Operand<TFloat32> u(Operand<TFloat32> step) {
      // b1 * (1 - 0.5 * 0.96^step)
      return tf.math.mul(
          tf.constant((float) o.beta1()),
          tf.math.sub(
              tf.constant(1f),
              tf.math.mul(tf.constant(0.5f), tf.math.pow(tf.constant(0.96f), step))));
    }

    @Override
    protected Optional<Op> prepare(String scopeName) {
      Operand<TFloat32> step = vars.localStep(tf);
      uT = u(step);
      uT1 = u(tf.math.add(step, tf.constant(1f)));
      // Keras updates the product once a step, as (u_product * b1) * (1 - 0.5 * 0.96^t)
      Variable<TFloat32> product = vars.global(U_PRODUCT);
      uProductT =
          tf.assign(
              product,
              tf.math.mul(
                  tf.math.mul(product, tf.constant((float) o.beta1())),
                  tf.math.sub(
                      tf.constant(1f),
                      tf.math.mul(tf.constant(0.5f), tf.math.pow(tf.constant(0.96f), step)))));
      uProductT1 = tf.math.mul(uProductT, uT1);
      beta2Power = tf.math.pow(tf.constant((float) o.beta2()), step);
      return Optional.empty();
    }

    @Override
    protected <T extends TType> Op applyDense(Ops deps, Output<T> gradient, Output<T> variable) {
      Ops d = vars.decayFirst(deps, floats(variable));
      Output<TFloat32> g = floats(gradient);
      Operand<TFloat32> one = d.constant(1f);
      Variable<TFloat32> m = slot(vars, variable, "momentum");
      Variable<TFloat32> v = slot(vars, variable, "velocity");
      Operand<TFloat32> m1 =
          d.assignAdd(m, d.math.mul(d.math.sub(g, m), d.constant(oneMinus(o.beta1()))));
      Operand<TFloat32> v1 =
          d.assignAdd(
              v, d.math.mul(d.math.sub(d.math.square(g), v), d.constant(oneMinus(o.beta2()))));
      Operand<TFloat32> mHat =
          d.math.add(
              d.math.div(d.math.mul(uT1, m1), d.math.sub(one, uProductT1)),
              d.math.div(d.math.mul(d.math.sub(one, uT), g), d.math.sub(one, uProductT)));
      Operand<TFloat32> vHat = d.math.div(v1, d.math.sub(one, beta2Power));
      return d.assignSub(
          floats(variable),
          d.math.div(
              d.math.mul(mHat, vars.learningRate()),
              d.math.add(d.math.sqrt(vHat), d.constant((float) o.epsilon()))));
    }
  }

  /**
   * Keras' Lion on the framework's Optimizer base (1.1.0 has no Lion): w -= lr sign(b1 m + (1 - b1)
   * g), then m = b2 m + (1 - b2) g; slot {@code momentum}.
   */
  static final class KerasLion extends KerasOwnOptimizer {
    private final Optimizer.Lion o;

    KerasLion(Graph g, OptimizerVariables vars, Optimizer.Lion o) {
      super(g, vars, "momentum");
      this.o = o;
    }

    @Override
    public String getOptimizerName() {
      return "Lion";
    }

    @Override
    protected <T extends TType> Op applyDense(Ops deps, Output<T> gradient, Output<T> variable) {
      Ops d = vars.decayFirst(deps, floats(variable));
      Output<TFloat32> g = floats(gradient);
      Variable<TFloat32> m = slot(vars, variable, "momentum");
      Operand<TFloat32> c =
          d.math.add(
              d.math.mul(m, d.constant((float) o.beta1())),
              d.math.mul(g, d.constant(oneMinus(o.beta1()))));
      Op step = d.assignSub(floats(variable), d.math.mul(vars.learningRate(), d.math.sign(c)));
      // m changes only after the step read it
      Ops after = d.withControlDependencies(List.of(step));
      return after.assign(
          m,
          after.math.add(
              after.math.mul(m, after.constant((float) o.beta2())),
              after.math.mul(g, after.constant(oneMinus(o.beta2())))));
    }
  }
}
