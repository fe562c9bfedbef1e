package dev.jeras.bench;

import dev.jeras.layers.Conv2D;
import dev.jeras.layers.Dense;
import dev.jeras.layers.Layer;
import dev.jeras.layers.Node;
import dev.jeras.layers.TensorShape;
import dev.jeras.models.Builtins;
import dev.jeras.models.Model;
import java.util.Locale;

/**
 * Multiply-add FLOPs of a model per sample: Conv2D (2 * h' * w' * filters * kh * kw * channels) and
 * Dense (2 * in * units) in the forward pass; a training step costs about three forward passes
 * (forward, gradient of the inputs, gradient of the weights).
 *
 * <pre>
 * java -cp target/jeras.jar:target/lib/* dev.jeras.bench.ModelFlops mnist-basic
 * </pre>
 */
public final class ModelFlops {
  private ModelFlops() {}

  /**
   * @param model a model
   * @return forward FLOPs per sample
   */
  public static double forwardPerSample(Model model) {
    double flops = 0;
    for (Layer l : model.network().layers()) {
      for (Node n : l.nodes()) {
        TensorShape out = n.output().shape();
        if (l instanceof Conv2D && !n.inputs().isEmpty()) {
          long kernel = l.weights().get(0).size(); // kh * kw * channels * filters
          flops += 2.0 * out.dim(1) * out.dim(2) * kernel;
        } else if (l instanceof Dense d && !n.inputs().isEmpty()) {
          long in = n.inputs().get(0).shape().dim(-1);
          long rows = out.sampleSize() / d.units();
          flops += 2.0 * in * d.units() * rows;
        }
      }
    }
    return flops;
  }

  /**
   * @param args built-in model names
   */
  public static void main(String[] args) {
    StringBuilder b = new StringBuilder("{");
    for (int i = 0; i < args.length; i++) {
      try (Model m = Builtins.create(args[i])) {
        double f = forwardPerSample(m);
        b.append(i == 0 ? "" : ", ")
            .append(
                String.format(
                    Locale.ROOT,
                    "\"%s\": {\"forward_flops_per_sample\": %.0f, \"train_flops_per_sample\":"
                        + " %.0f}",
                    args[i],
                    f,
                    3 * f));
      }
    }
    System.out.println(b.append('}'));
  }
}
