package dev.jeras.layers;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.internal.PoolBackprop;
import dev.jeras.internal.Tensors;
import dev.jeras.testing.Fixtures;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.tensorflow.Graph;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.IdentityN;
import org.tensorflow.types.TFloat32;

/**
 * The max-pool gradient jeras registers for training ({@link PoolBackprop}) against TensorFlow's
 * {@code MaxPool} gradient on the same inputs in one graph. The inputs are drawn from a few values
 * (a quarter of them zero), so most windows hold ties, at zero and above: the gradient must go to
 * the first maximum in row-major order, as TensorFlow's does, and the results must be the same
 * bits. Windows that overlap or do not tile a SAME-padded input take TensorFlow's own gradient.
 */
class PoolGradientTest {

  @BeforeAll
  static void register() {
    assertTrue(PoolBackprop.register(), "the IdentityN gradient registers on this platform");
  }

  @ParameterizedTest(name = "n{0} {1}x{2}x{3}, pool {4}x{5}, strides ({6}, {7}), {8}")
  @CsvSource({
    "3, 8, 8, 3, 2, 2, 2, 2, VALID, true",
    "2, 11, 11, 4, 2, 2, 2, 2, VALID, true",
    "2, 8, 8, 3, 2, 2, 2, 2, SAME, true",
    "2, 9, 7, 3, 3, 3, 3, 3, VALID, true",
    "2, 8, 6, 2, 2, 3, 2, 3, SAME, true",
    "3, 7, 6, 5, 3, 2, 3, 2, VALID, true",
    "1, 4, 4, 2, 4, 4, 4, 4, VALID, true",
    "2, 5, 9, 3, 1, 2, 1, 2, VALID, true",
    "2, 9, 9, 3, 2, 2, 2, 2, SAME, false",
    "2, 9, 9, 3, 3, 3, 2, 2, VALID, false",
    "2, 10, 10, 2, 5, 5, 5, 5, VALID, false",
  })
  void gradient_sameBitsAsTensorFlows(
      int n,
      int h,
      int w,
      int c,
      int ph,
      int pw,
      int sh,
      int sw,
      String padding,
      boolean jerasPath) {
    Random rng = new Random(7L * h + 3L * pw + c + sh);
    Fixtures.PoolRun run =
        Fixtures.maxPoolAgainstTensorFlow(
            rng,
            new int[] {n, h, w, c, ph, pw, sh, sw},
            padding,
            (tf, x) ->
                PoolBackprop.maxPoolOwnGradient(
                    tf, x, new int[] {ph, pw}, new int[] {sh, sw}, padding),
            mine ->
                assertEquals(
                    jerasPath, mine.op().type().equals("IdentityN"), "which gradient is built"));
    float[] gRef = run.gRef();
    float[] gMine = run.gMine();
    assertArrayEquals(run.yRef(), run.yMine(), "pooled output");
    assertEquals(run.inputs(), gMine.length, "gradient size");
    int nonzero = 0;
    for (int i = 0; i < gRef.length; i++) {
      assertEquals(
          Float.floatToIntBits(gRef[i]),
          Float.floatToIntBits(gMine[i]),
          "input gradient[" + i + "]: expected " + gRef[i] + ", got " + gMine[i]);
      nonzero += gRef[i] != 0 ? 1 : 0;
    }
    if (ph == sh && pw == sw) { // each window passes its gradient to exactly one element
      assertEquals(run.outputs(), nonzero, "elements that receive a gradient");
    }
  }

  @Test
  void otherIdentityN_getsTheIdentityGradient() {
    try (Graph g = new Graph()) {
      Ops tf = Ops.create(g);
      Operand<TFloat32> a = tf.constant(new float[] {1, 2, 3});
      Operand<TFloat32> b = tf.constant(new float[] {4, 5});
      IdentityN both = tf.identityN(List.of(a, b));
      @SuppressWarnings("unchecked")
      Operand<TFloat32> a2 = (Operand<TFloat32>) (Operand<?>) both.output().get(0);
      // only the first output is used: the second input's gradient is zero
      Operand<TFloat32> loss = sum(tf, tf.math.mul(a2, tf.constant(new float[] {0.5f, -1f, 2f})));
      Output<?>[] grads =
          g.addGradients(loss.asOutput(), new Output<?>[] {a.asOutput(), b.asOutput()});
      try (Session s = new Session(g);
          Result res = s.runner().fetch(grads[0]).fetch(grads[1]).run()) {
        assertArrayEquals(new float[] {0.5f, -1f, 2f}, Tensors.toFloats(res.get(0)));
        assertArrayEquals(new float[] {0f, 0f}, Tensors.toFloats(res.get(1)));
      }
      long carriers = 0;
      var it = g.operations();
      while (it.hasNext()) {
        GraphOperation op = it.next();
        carriers += op.type().equals("MaxPoolGradV2") || op.type().equals("MaxPoolGrad") ? 1 : 0;
      }
      assertEquals(0, carriers, "no pool gradient for a plain IdentityN");
    }
  }

  private static Operand<TFloat32> sum(Ops tf, Operand<TFloat32> v) {
    return tf.reduceSum(v, tf.range(tf.constant(0), tf.rank(v), tf.constant(1)));
  }
}
