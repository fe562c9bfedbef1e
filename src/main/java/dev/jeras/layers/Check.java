package dev.jeras.layers;

import org.tensorflow.Operand;
import org.tensorflow.types.TFloat32;

/** Argument checks and small wiring helpers shared by the layers. */
final class Check {
  private Check() {}

  static int positive(String option, int value) {
    if (value <= 0) {
      throw new IllegalArgumentException(option + " must be positive, got " + value);
    }
    return value;
  }

  static int[] positivePair(String option, int a, int b) {
    if (a <= 0 || b <= 0) {
      throw new IllegalArgumentException(option + " must be positive, got (" + a + ", " + b + ")");
    }
    return new int[] {a, b};
  }

  /** Checks {top, bottom, left, right} amounts (padding, cropping): each &gt;= 0. */
  static int[] sides(String option, int top, int bottom, int left, int right) {
    if (top < 0 || bottom < 0 || left < 0 || right < 0) {
      throw new IllegalArgumentException(
          option
              + " must be >= 0, got (("
              + top
              + ", "
              + bottom
              + "), ("
              + left
              + ", "
              + right
              + "))");
    }
    return new int[] {top, bottom, left, right};
  }

  static double rate(String option, double value) {
    if (!(value >= 0 && value < 1)) {
      throw new IllegalArgumentException(option + " must be in [0, 1), got " + value);
    }
    return value;
  }

  /** Applies an activation, recording the logits when it is softmax. */
  static Operand<TFloat32> activate(CallContext ctx, Activations activation, Operand<TFloat32> x) {
    Operand<TFloat32> y = activation.apply(ctx.backend(), ctx.tf(), x);
    if (activation == Activations.SOFTMAX) {
      ctx.recordLogits(y, x);
    }
    return y;
  }
}
