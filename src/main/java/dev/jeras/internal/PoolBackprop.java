package dev.jeras.internal;

import java.util.ArrayList;
import java.util.List;
import org.tensorflow.GraphOperation;
import org.tensorflow.Operand;
import org.tensorflow.Output;
import org.tensorflow.TensorFlow;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.IdentityN;
import org.tensorflow.op.core.Stack;
import org.tensorflow.op.core.Unstack;
import org.tensorflow.types.TFloat32;

/**
 * A faster gradient for max pooling with windows that do not overlap (strides equal to the pool
 * size, Keras' default) on TensorFlow's own (Eigen) CPU kernels.
 *
 * <p>TensorFlow differentiates {@code MaxPool} with {@code MaxPoolGrad}, whose CPU kernel pools the
 * input again, element by element, to find each window's first maximum. For the MNIST model's two
 * pools (batch 64) that is 6.5 ms of a 25 ms training step, eight times the forward pool. When
 * windows do not overlap the same gradient takes a few whole-tensor ops: the input, cut to whole
 * windows, is split (by reshapes and two {@code Unpack}s, no transpose) into one (n * h' * w', c)
 * slice per window position; walking the positions in row-major order, each takes the output
 * gradient where it equals the pooled value and passes on what is left. That is exactly
 * TensorFlow's rule (the first maximum in row-major order gets the gradient, ties included), so the
 * results are the same bits; see {@code PoolGradientTest}.
 *
 * <p>The training graph pools with TensorFlow's {@code MaxPool} on {@code StopGradient(x)} and
 * passes the result through an {@code IdentityN} together with {@code x}; jeras registers the
 * gradient of {@code IdentityN} (TensorFlow has none), which for these ops is the pool gradient
 * into {@code x} and for any other {@code IdentityN} the identity. Other pool shapes, inference and
 * exported graphs keep plain {@code MaxPool}. Used on the CPU without oneDNN and without a GPU when
 * {@link OneDnn}'s kernels (whose pool and gradient are faster still) are off.
 */
public final class PoolBackprop {
  /** System property choosing the gradient: {@code auto} (default), {@code tensorflow}. */
  public static final String PROPERTY = "jeras.poolGradient";

  /** Most window positions this gradient handles (it builds about four ops per position). */
  static final int MAX_WINDOW = 16;

  private static final OwnGradients.Registration REGISTRATION =
      new OwnGradients.Registration(
          "max-pool gradient",
          () -> TensorFlow.registerCustomGradient("IdentityN", PoolBackprop::gradient));

  /** Static sizes of a pool: input height, width, channels; window height, width. */
  private record Geometry(long h, long w, long c, long kh, long kw) {}

  /** The geometry of each carrier op. */
  private static final OwnGradients.Notes<Geometry> GEOMETRY = new OwnGradients.Notes<>();

  private PoolBackprop() {}

  /**
   * @return whether training graphs should pool with this gradient: on the CPU without oneDNN,
   *     unless {@value #PROPERTY}{@code =tensorflow}; registers it on first use
   */
  public static boolean enabled() {
    return OwnGradients.wanted(PROPERTY) && register();
  }

  /**
   * Registers the gradient of TensorFlow's {@code IdentityN} op with TensorFlow, once per JVM.
   *
   * @return whether it is registered (false where TensorFlow Java cannot register gradients)
   */
  public static boolean register() {
    return REGISTRATION.done();
  }

  /**
   * The training graph's max pooling: oneDNN's pool and gradient where {@link OneDnn#enabled}, else
   * with this gradient where it is {@link #enabled} and the windows do not overlap, else
   * TensorFlow's {@code MaxPool} and its gradient.
   *
   * @param tf the op factory
   * @param x the NHWC input
   * @param pool window height and width
   * @param strides stride height and width
   * @param padding SAME or VALID
   * @return the pooled output
   */
  public static Operand<TFloat32> trainingMaxPool(
      Ops tf, Operand<TFloat32> x, int[] pool, int[] strides, String padding) {
    if (x.shape().numDimensions() == 4 && OneDnn.enabled()) {
      return OneDnn.maxPool(tf, x, pool, strides, padding);
    }
    return enabled()
        ? maxPoolOwnGradient(tf, x, pool, strides, padding)
        : maxPool(tf, x, pool, strides, padding);
  }

  /**
   * Max pooling whose gradient is this class's where the windows do not overlap and the input's
   * height, width and channels are known, else TensorFlow's {@code MaxPool}.
   *
   * @param tf the op factory
   * @param x the NHWC input
   * @param pool window height and width
   * @param strides stride height and width
   * @param padding SAME or VALID
   * @return the pooled output
   */
  public static Operand<TFloat32> maxPoolOwnGradient(
      Ops tf, Operand<TFloat32> x, int[] pool, int[] strides, String padding) {
    long[] in = x.shape().asArray();
    boolean applies =
        in.length == 4
            && in[1] > 0
            && in[2] > 0
            && in[3] > 0
            && pool[0] == strides[0]
            && pool[1] == strides[1]
            && (long) pool[0] * pool[1] >= 2
            && (long) pool[0] * pool[1] <= MAX_WINDOW
            && (padding.equals("VALID") || in[1] % pool[0] == 0 && in[2] % pool[1] == 0)
            && in[1] >= pool[0]
            && in[2] >= pool[1];
    if (!applies || !register()) {
      return maxPool(tf, x, pool, strides, padding);
    }
    Operand<TFloat32> y = maxPool(tf, tf.stopGradient(x), pool, strides, padding);
    IdentityN carrier = tf.identityN(List.of(y, x));
    GEOMETRY.put(carrier.op(), new Geometry(in[1], in[2], in[3], pool[0], pool[1]));
    @SuppressWarnings("unchecked")
    Operand<TFloat32> out = (Operand<TFloat32>) (Operand<?>) carrier.output().get(0);
    return out;
  }

  private static Operand<TFloat32> maxPool(
      Ops tf, Operand<TFloat32> x, int[] pool, int[] strides, String padding) {
    return tf.nn.maxPool(
        x,
        tf.constant(new int[] {1, pool[0], pool[1], 1}),
        tf.constant(new int[] {1, strides[0], strides[1], 1}),
        padding);
  }

  /** Gradient of {@code IdentityN}: the pool gradient for carriers, else the identity. */
  private static List<Operand<?>> gradient(Ops tf, GraphOperation op, List<Output<?>> grads) {
    Geometry g = GEOMETRY.get(op);
    if (g != null) { // only output 0 of a carrier is used, so its gradient is there
      @SuppressWarnings("unchecked")
      Operand<TFloat32> x = (Operand<TFloat32>) op.input(1);
      @SuppressWarnings("unchecked")
      Operand<TFloat32> y = (Operand<TFloat32>) op.input(0);
      @SuppressWarnings("unchecked")
      Operand<TFloat32> dy = (Operand<TFloat32>) grads.get(0);
      // dy also flows into MaxPool(StopGradient(x)) and stops there: TensorFlow never runs it
      return List.of(dy, poolGradient(tf, x, y, dy, g));
    }
    List<Operand<?>> out = new ArrayList<>(op.numInputs());
    for (int i = 0; i < op.numInputs(); i++) {
      Output<?> dy = i < grads.size() ? grads.get(i) : null;
      out.add(dy != null ? dy : tf.zerosLike(op.input(i)));
    }
    return out;
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
