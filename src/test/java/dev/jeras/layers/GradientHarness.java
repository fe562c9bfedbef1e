package dev.jeras.layers;

import dev.jeras.backend.Backend;
import dev.jeras.backend.StandardBackend;
import dev.jeras.data.FloatArray;
import dev.jeras.internal.Tensors;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.ndarray.buffer.DataBuffers;
import org.tensorflow.op.Op;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.core.Variable;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt64;

/**
 * Differentiates one layer on its own: wires it with TensorFlow's standard ops in a fresh graph
 * (input as a placeholder, weights as variables, the batch dimension unknown as in a model) and
 * returns the gradients of {@code sum(y * r)} with respect to the input and to each trainable
 * weight, as Keras' {@code GradientTape} gives them for the goldens.
 */
final class GradientHarness {
  private GradientHarness() {}

  /**
   * What {@link #gradients} gives.
   *
   * @param y the layer's output
   * @param input the gradient with respect to the input
   * @param weights the gradient with respect to each trainable weight, by its index in the layer's
   *     weights
   */
  record Gradients(FloatArray y, FloatArray input, Map<Integer, FloatArray> weights) {}

  /**
   * @param layer a layer already called on an input of x's sample shape (built) and named
   * @param x the input
   * @param weights the layer's weights in Keras' order
   * @param r the cotangent, of the output's shape
   * @param training the mode of the forward pass
   * @return the output and the gradients
   */
  static Gradients gradients(
      Layer layer, FloatArray x, List<FloatArray> weights, FloatArray r, boolean training) {
    List<WeightSpec> specs = layer.weights();
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      Ops tf = Ops.create(g);
      long[] xShape = x.shape().clone();
      xShape[0] = -1;
      Placeholder<TFloat32> in =
          tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(xShape)));
      // weights as variables (a training pass may assign BatchNormalization's statistics)
      Map<String, Variable<TFloat32>> vars = new HashMap<>();
      for (int i = 0; i < specs.size(); i++) {
        WeightSpec w = specs.get(i);
        vars.put(w.name(), tf.variable(constant(tf, weights.get(i).reshape(w.shape()))));
      }
      CallContext ctx = new Context(tf, training, vars);
      Operand<TFloat32> y = layer.call(ctx, List.of(in));
      Operand<TFloat32> loss = tf.reduceSum(tf.math.mul(y, constant(tf, r)), allAxes(tf, r));
      List<Output<?>> wrt = new ArrayList<>();
      wrt.add(in.asOutput());
      List<Integer> trainable = new ArrayList<>();
      for (int i = 0; i < specs.size(); i++) {
        if (specs.get(i).trainable()) {
          trainable.add(i);
          wrt.add(vars.get(specs.get(i).name()).asOutput());
        }
      }
      Output<?>[] grads = g.addGradients(loss.asOutput(), wrt.toArray(new Output<?>[0]));
      List<Tensor> feeds = new ArrayList<>();
      try {
        s.initialize();
        Session.Runner run = s.runner();
        TFloat32 xt = tensor(x);
        feeds.add(xt);
        run.feed(in, xt);
        run.fetch(y);
        for (Output<?> o : grads) {
          run.fetch(o);
        }
        try (Result res = run.run()) {
          FloatArray out = read((TFloat32) res.get(0));
          FloatArray gx = read((TFloat32) res.get(1));
          Map<Integer, FloatArray> gw = new HashMap<>();
          for (int k = 0; k < trainable.size(); k++) {
            gw.put(trainable.get(k), read((TFloat32) res.get(k + 2)));
          }
          return new Gradients(out, gx, gw);
        }
      } finally {
        feeds.forEach(Tensor::close);
      }
    }
  }

  private static Operand<org.tensorflow.types.TInt32> allAxes(Ops tf, FloatArray r) {
    int[] axes = new int[r.shape().length];
    for (int i = 0; i < axes.length; i++) {
      axes[i] = i;
    }
    return tf.constant(axes);
  }

  private static Operand<TFloat32> constant(Ops tf, FloatArray a) {
    return tf.constant(Shape.of(a.shape()), DataBuffers.of(a.data(), true, false));
  }

  private static TFloat32 tensor(FloatArray a) {
    return Tensors.floats(a.data(), 0, a.shape());
  }

  private static FloatArray read(TFloat32 t) {
    return FloatArray.of(Tensors.toFloats(t), t.shape().asArray());
  }

  /** The call context of one standalone layer call. */
  private record Context(Ops tf, boolean training, Map<String, Variable<TFloat32>> vars)
      implements CallContext {
    @Override
    public Backend backend() {
      return StandardBackend.INSTANCE;
    }

    @Override
    public Operand<TFloat32> weight(Layer layer, String weightName) {
      return vars.get(weightName);
    }

    @Override
    public void addUpdate(Op update) {
      // no state: the harness runs one pass
    }

    @Override
    public void addLoss(String key, Operand<TFloat32> loss) {
      // the harness differentiates the output only (weight penalties are tested through models)
    }

    @Override
    public void recordLogits(Operand<TFloat32> probabilities, Operand<TFloat32> logits) {
      // no loss from logits here
    }

    @Override
    public Operand<TInt64> randomSeed(Layer layer) {
      return tf.constant(new long[] {1, 2});
    }
  }
}
