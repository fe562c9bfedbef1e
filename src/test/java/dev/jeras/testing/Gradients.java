package dev.jeras.testing;

import dev.jeras.backend.EngineOptions;
import dev.jeras.data.FloatArray;
import dev.jeras.internal.Tensors;
import dev.jeras.layers.Network;
import dev.jeras.training.Engine;
import java.util.ArrayList;
import java.util.List;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.Tensor;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.types.TFloat32;

/**
 * Gradients of {@code sum(output * r)} with respect to a model's inputs and trainable weights, in
 * the model's inference graph as exported (TensorFlow's standard ops): what the golden scripts
 * compute with {@code tf.GradientTape}.
 */
public final class Gradients {
  private Gradients() {}

  /**
   * @param network the model's topology (one output)
   * @param weights every weight, in Keras' order
   * @param xs one array per input
   * @param r the upstream weights, of the output's shape
   * @return the gradients: one per input, then one per trainable weight (in Keras' order)
   */
  public static List<FloatArray> of(
      Network network, List<FloatArray> weights, List<FloatArray> xs, FloatArray r) {
    try (Engine e = new Engine(network, 1L, EngineOptions.builtIn(), true)) {
      e.setWeights(weights);
      Ops tf = e.tf();
      Operand<TFloat32> rIn =
          tf.placeholder(TFloat32.class, Placeholder.shape(Shape.of(r.shape())));
      Operand<TFloat32> product = tf.math.mul(e.outputs().get(0), rIn);
      int rank = r.shape().length;
      int[] axes = new int[rank];
      for (int i = 0; i < rank; i++) {
        axes[i] = i;
      }
      Operand<TFloat32> loss = tf.reduceSum(product, tf.constant(axes));
      List<Output<?>> wrt = new ArrayList<>();
      List<long[]> shapes = new ArrayList<>();
      for (int i = 0; i < xs.size(); i++) {
        wrt.add(e.inputs().get(i).asOutput());
        shapes.add(xs.get(i).shape());
      }
      for (Network.LayerWeight w : network.weights()) {
        if (w.spec().trainable() && w.layer().trainable()) {
          wrt.add(e.store().floatVariable(w.path()).asOutput());
          shapes.add(w.spec().shape());
        }
      }
      Output<?>[] grads = e.graph().addGradients(loss.asOutput(), wrt.toArray(new Output<?>[0]));
      List<Tensor> feeds = new ArrayList<>();
      try {
        Session.Runner run = e.session().runner();
        for (int i = 0; i < xs.size(); i++) {
          Tensor t = Tensors.floats(xs.get(i).data(), 0, xs.get(i).shape());
          feeds.add(t);
          run.feed(e.inputs().get(i), t);
        }
        Tensor rt = Tensors.floats(r.data(), 0, r.shape());
        feeds.add(rt);
        run.feed(rIn, rt);
        for (Output<?> g : grads) {
          if (g == null) {
            throw new AssertionError("no gradient reaches one of the inputs or weights");
          }
          run.fetch(g);
        }
        List<FloatArray> out = new ArrayList<>();
        try (Result res = run.run()) {
          for (int i = 0; i < grads.length; i++) {
            out.add(FloatArray.of(Tensors.toFloats(res.get(i)), shapes.get(i)));
          }
        }
        return out;
      } finally {
        feeds.forEach(Tensor::close);
      }
    }
  }
}
