package dev.jeras.backend.cpu;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.TensorFlow;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Stack;
import org.tensorflow.op.core.Unstack;
import org.tensorflow.types.TFloat32;

/**
 * jeras' gradient for max pools whose windows do not overlap (strides equal to the pool size,
 * Keras' default), in whole-tensor ops instead of TensorFlow's {@code MaxPoolGrad}, which pools the
 * input again element by element to find each window's first maximum.
 *
 * <p>The input, cut to whole windows, is split by reshapes and two {@code Unpack}s into one (n * h'
 * * w', c) slice per window position; walking the positions in row-major order, each takes the
 * output gradient where it equals the pooled value and passes on what is left. That is exactly
 * TensorFlow's rule (the first maximum in row-major order gets the gradient, ties included), so the
 * results are the same bits.
 *
 * <p>The rewrite gives such a pool the form {@code IdentityN(MaxPool(StopGradient(x)), x)}, the
 * pool's geometry in the IdentityN's {@value #GEOMETRY} attribute; jeras registers the gradient of
 * {@code IdentityN} (TensorFlow has none): for these nodes the pool gradient into {@code x}, for
 * any other the identity.
 */
final class PoolGradients {
  /** Node attribute: (h, w, c, kh, kw) of the pool. */
  static final String GEOMETRY = "_jeras_pool";

  /** Most window positions this gradient handles (it builds about four ops per position). */
  static final int MAX_WINDOW = 16;

  private static final Registration REGISTRATION =
      new Registration(
          "max-pool gradient",
          () -> TensorFlow.registerCustomGradient("IdentityN", PoolGradients::gradient));

  private record Geometry(long h, long w, long c, long kh, long kw) {}

  private PoolGradients() {}

  /**
   * @return whether the gradient is registered (once per JVM)
   */
  static boolean register() {
    return REGISTRATION.done();
  }

  /**
   * Whether this gradient applies to a pool: windows that tile the input without overlap and at
   * most {@value #MAX_WINDOW} positions, known sizes.
   */
  static boolean fits(long h, long w, long c, long[] pool, long[] strides, String padding) {
    return h > 0
        && w > 0
        && c > 0
        && pool[0] == strides[0]
        && pool[1] == strides[1]
        && pool[0] * pool[1] >= 2
        && pool[0] * pool[1] <= MAX_WINDOW
        && (padding.equals("VALID") || h % pool[0] == 0 && w % pool[1] == 0)
        && h >= pool[0]
        && w >= pool[1];
  }

  /**
   * Gradient of {@code IdentityN}: the pool gradient for pool carriers, the dense products for
   * dense carriers ({@link DenseRule}), else the identity.
   */
  private static List<Operand<?>> gradient(Ops tf, GraphOperation op, List<Output<?>> grads) {
    if (DenseRule.carrier(op)) {
      return DenseRule.gradient(tf, op, grads);
    }
    long[] g = geometry(op);
    if (g != null) { // only output 0 of a carrier is used, so its gradient is there
      Operand<TFloat32> x = input(op, 1);
      Operand<TFloat32> y = input(op, 0);
      @SuppressWarnings("unchecked")
      Operand<TFloat32> dy = (Operand<TFloat32>) grads.get(0);
      // dy also flows into MaxPool(StopGradient(x)) and stops there: TensorFlow never runs it
      return List.of(dy, poolGradient(tf, x, y, dy, new Geometry(g[0], g[1], g[2], g[3], g[4])));
    }
    List<Operand<?>> out = new ArrayList<>(op.numInputs());
    for (int i = 0; i < op.numInputs(); i++) {
      Output<?> dy = i < grads.size() ? grads.get(i) : null;
      out.add(dy != null ? dy : tf.zerosLike(op.input(i)));
    }
    return out;
  }

  @SuppressWarnings("unchecked")
  private static Operand<TFloat32> input(GraphOperation op, int i) {
    return (Operand<TFloat32>) op.input(i);
  }

  private static long[] geometry(GraphOperation op) {
    try {
      return op.attributes().getAttrIntList(GEOMETRY);
    } catch (RuntimeException e) {
      return null; // an IdentityN the rewrite did not make
    }
  }

  /**
   * The input gradient of a non-overlapping max pool: each window's output gradient goes to the
   * window's first maximum in row-major order (TensorFlow's {@code MaxPoolGrad} rule).
   */
  private static Operand<TFloat32> poolGradient(
      Ops tf, Operand<TFloat32> x, Operand<TFloat32> y, Operand<TFloat32> dy, Geometry g) {
    long oh = g.h() / g.kh();
    long ow = g.w() / g.kw();
    long ch = oh * g.kh();
    long cw = ow * g.kw();
    Operand<TFloat32> whole = x;
    if (ch != g.h() || cw != g.w()) { // VALID drops the rows and columns past the last window
      whole =
          tf.slice(
              x, tf.constant(new long[] {0, 0, 0, 0}), tf.constant(new long[] {-1, ch, cw, -1}));
    }
    // (n * oh, kh, ow * kw * c): one slice per window row, then per window column
    long rowLen = ow * g.kw() * g.c();
    Unstack<TFloat32> rows =
        tf.unstack(
            tf.reshape(whole, tf.constant(new long[] {-1, g.kh(), rowLen})),
            g.kh(),
            Unstack.axis(1L));
    List<Operand<TFloat32>> pieces = new ArrayList<>();
    for (Output<TFloat32> row : rows.output()) {
      Unstack<TFloat32> cols =
          tf.unstack(
              tf.reshape(row, tf.constant(new long[] {-1, g.kw(), g.c()})),
              g.kw(),
              Unstack.axis(1L));
      pieces.addAll(cols.output());
    }
    Operand<TFloat32> max = tf.reshape(y, tf.constant(new long[] {-1, g.c()}));
    Operand<TFloat32> rest = tf.reshape(dy, tf.constant(new long[] {-1, g.c()}));
    List<Operand<TFloat32>> parts = new ArrayList<>(pieces.size());
    for (int i = 0; i < pieces.size() - 1; i++) {
      // mulNoNan gives +0 where the mask is 0 (mul would give -0 for a negative gradient)
      Operand<TFloat32> taken =
          tf.math.mulNoNan(rest, tf.dtypes.cast(tf.math.equal(pieces.get(i), max), TFloat32.class));
      parts.add(taken);
      rest = tf.math.sub(rest, taken); // exact: rest - rest = 0, rest - 0 = rest
    }
    parts.add(rest); // no earlier position held the maximum, so the last one does
    List<Operand<TFloat32>> rowGrads = new ArrayList<>();
    for (int r = 0; r < g.kh(); r++) {
      Operand<TFloat32> row =
          tf.stack(parts.subList((int) (r * g.kw()), (int) ((r + 1) * g.kw())), Stack.axis(1L));
      rowGrads.add(tf.reshape(row, tf.constant(new long[] {-1, rowLen})));
    }
    Operand<TFloat32> dx =
        tf.reshape(tf.stack(rowGrads, Stack.axis(1L)), tf.constant(new long[] {-1, ch, cw, g.c()}));
    if (ch != g.h() || cw != g.w()) {
      dx =
          tf.pad(
              dx,
              tf.constant(new long[][] {{0, 0}, {0, g.h() - ch}, {0, g.w() - cw}, {0, 0}}),
              tf.constant(0f));
    }
    return dx;
  }
}
