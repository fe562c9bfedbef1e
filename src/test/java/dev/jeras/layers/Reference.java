package dev.jeras.layers;

/**
 * Pure-Java reference implementations of the layers' math, written as naive loops in double
 * precision, independent of TensorFlow. Arrays are row-major; images are NHWC; a conv kernel is
 * (kh, kw, in, out); a Dense kernel is (in, units).
 *
 * <p>TensorFlow's 'same' padding: out = ceil(in / stride), pad_total = max((out - 1) * stride + k -
 * in, 0), pad_before = pad_total / 2 (the extra pad goes at the end, bottom-right).
 */
final class Reference {
  private Reference() {}

  /**
   * @return the output length along one axis
   */
  static int outLength(int in, int k, int stride, boolean same) {
    return same ? (in + stride - 1) / stride : (in - k) / stride + 1;
  }

  /**
   * @return the padding before the first element (top or left) along one axis
   */
  static int padBefore(int in, int k, int stride, boolean same) {
    if (!same) {
      return 0;
    }
    int out = outLength(in, k, stride, true);
    int total = Math.max((out - 1) * stride + k - in, 0);
    return total / 2;
  }

  /**
   * 2D convolution (cross-correlation, as TensorFlow), NHWC.
   *
   * @param x input (n, h, w, c)
   * @param kernel (kh, kw, c, f)
   * @param bias (f), or null
   * @return (n, oh, ow, f)
   */
  static double[] conv2d(
      float[] x,
      int n,
      int h,
      int w,
      int c,
      float[] kernel,
      int kh,
      int kw,
      int f,
      float[] bias,
      int sh,
      int sw,
      boolean same) {
    int oh = outLength(h, kh, sh, same);
    int ow = outLength(w, kw, sw, same);
    int pt = padBefore(h, kh, sh, same);
    int pl = padBefore(w, kw, sw, same);
    double[] y = new double[n * oh * ow * f];
    for (int b = 0; b < n; b++) {
      for (int i = 0; i < oh; i++) {
        for (int j = 0; j < ow; j++) {
          for (int o = 0; o < f; o++) {
            double s = bias == null ? 0 : bias[o];
            for (int di = 0; di < kh; di++) {
              int r = i * sh + di - pt;
              if (r < 0 || r >= h) {
                continue;
              }
              for (int dj = 0; dj < kw; dj++) {
                int col = j * sw + dj - pl;
                if (col < 0 || col >= w) {
                  continue;
                }
                for (int ch = 0; ch < c; ch++) {
                  s +=
                      (double) x[((b * h + r) * w + col) * c + ch]
                          * kernel[((di * kw + dj) * c + ch) * f + o];
                }
              }
            }
            y[((b * oh + i) * ow + j) * f + o] = s;
          }
        }
      }
    }
    return y;
  }

  /**
   * Max (max = true) or average pooling, NHWC. With 'same' padding the padded positions are left
   * out: the max and the mean are over the in-bounds elements only.
   *
   * @return (n, oh, ow, c)
   */
  static double[] pool(
      float[] x,
      int n,
      int h,
      int w,
      int c,
      int ph,
      int pw,
      int sh,
      int sw,
      boolean same,
      boolean max) {
    int oh = outLength(h, ph, sh, same);
    int ow = outLength(w, pw, sw, same);
    int pt = padBefore(h, ph, sh, same);
    int pl = padBefore(w, pw, sw, same);
    double[] y = new double[n * oh * ow * c];
    for (int b = 0; b < n; b++) {
      for (int i = 0; i < oh; i++) {
        for (int j = 0; j < ow; j++) {
          for (int ch = 0; ch < c; ch++) {
            double acc = max ? Double.NEGATIVE_INFINITY : 0;
            int count = 0;
            for (int di = 0; di < ph; di++) {
              int r = i * sh + di - pt;
              for (int dj = 0; dj < pw; dj++) {
                int col = j * sw + dj - pl;
                if (r < 0 || r >= h || col < 0 || col >= w) {
                  continue;
                }
                double v = x[((b * h + r) * w + col) * c + ch];
                acc = max ? Math.max(acc, v) : acc + v;
                count++;
              }
            }
            y[((b * oh + i) * ow + j) * c + ch] = max ? acc : acc / count;
          }
        }
      }
    }
    return y;
  }

  /**
   * @return the mean of each channel over height and width, (n, c)
   */
  static double[] globalAveragePool(float[] x, int n, int h, int w, int c) {
    double[] y = new double[n * c];
    for (int b = 0; b < n; b++) {
      for (int ch = 0; ch < c; ch++) {
        double s = 0;
        for (int p = 0; p < h * w; p++) {
          s += x[(b * h * w + p) * c + ch];
        }
        y[b * c + ch] = s / (h * w);
      }
    }
    return y;
  }

  /**
   * @param x (rows, in)
   * @param kernel (in, units)
   * @param bias (units) or null
   * @return x . kernel + bias, (rows, units)
   */
  static double[] dense(float[] x, int rows, int in, float[] kernel, int units, float[] bias) {
    double[] y = new double[rows * units];
    for (int r = 0; r < rows; r++) {
      for (int u = 0; u < units; u++) {
        double s = bias == null ? 0 : bias[u];
        for (int k = 0; k < in; k++) {
          s += (double) x[r * in + k] * kernel[k * units + u];
        }
        y[r * units + u] = s;
      }
    }
    return y;
  }

  /** As {@link #dense(float[], int, int, float[], int, float[])} without bias, in double. */
  static double[] dense(double[] x, int rows, int in, double[] kernel, int units) {
    double[] y = new double[rows * units];
    for (int r = 0; r < rows; r++) {
      for (int u = 0; u < units; u++) {
        double s = 0;
        for (int k = 0; k < in; k++) {
          s += x[r * in + k] * kernel[k * units + u];
        }
        y[r * units + u] = s;
      }
    }
    return y;
  }

  /**
   * @return softmax over consecutive rows of {@code width} values
   */
  static double[] softmax(double[] x, int width) {
    double[] y = new double[x.length];
    for (int r = 0; r < x.length / width; r++) {
      double max = Double.NEGATIVE_INFINITY;
      for (int k = 0; k < width; k++) {
        max = Math.max(max, x[r * width + k]);
      }
      double sum = 0;
      for (int k = 0; k < width; k++) {
        y[r * width + k] = Math.exp(x[r * width + k] - max);
        sum += y[r * width + k];
      }
      for (int k = 0; k < width; k++) {
        y[r * width + k] /= sum;
      }
    }
    return y;
  }

  /** SELU's alpha (Klambauer et al., as Keras and TensorFlow). */
  static final double SELU_ALPHA = 1.6732632423543772848170429916717;

  /** SELU's scale. */
  static final double SELU_SCALE = 1.0507009873554804934193349852946;

  /**
   * @param name a Keras activation name
   * @param x pre-activations, rows of {@code width} values (width matters for softmax only)
   * @return the activation applied, from its textbook formula
   */
  static double[] activation(String name, double[] x, int width) {
    if (name.equals("softmax")) {
      return softmax(x, width);
    }
    if (name.equals("log_softmax")) {
      double[] p = softmax(x, width);
      for (int i = 0; i < p.length; i++) {
        p[i] = Math.log(p[i]);
      }
      return p;
    }
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      double v = x[i];
      y[i] =
          switch (name) {
            case "linear" -> v;
            case "relu" -> Math.max(v, 0);
            case "sigmoid" -> 1 / (1 + Math.exp(-v));
            case "tanh" -> Math.tanh(v);
            case "elu" -> v > 0 ? v : Math.exp(v) - 1;
            case "selu" -> SELU_SCALE * (v > 0 ? v : SELU_ALPHA * (Math.exp(v) - 1));
            case "softplus" -> Math.log1p(Math.exp(v));
            case "relu6" -> Math.min(Math.max(v, 0), 6);
            case "leaky_relu" -> v >= 0 ? v : 0.2 * v;
            case "silu" -> v / (1 + Math.exp(-v));
            case "gelu" -> 0.5 * v * (1 + erf(v / Math.sqrt(2)));
            case "gelu_approximate" ->
                0.5 * v * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (v + 0.044715 * v * v * v)));
            case "hard_sigmoid" -> Math.max(0, Math.min(1, v / 6 + 0.5));
            case "hard_silu" -> v * Math.max(0, Math.min(1, v / 6 + 0.5));
            case "mish" -> v * Math.tanh(Math.log1p(Math.exp(v)));
            case "exponential" -> Math.exp(v);
            case "softsign" -> v / (Math.abs(v) + 1);
            default -> throw new IllegalArgumentException("no reference for " + name);
          };
    }
    return y;
  }

  /**
   * The error function: its Taylor series for |x| &lt;= 4 (about 1e-9 accurate there), the
   * asymptotic series of erfc beyond (where erfc &lt; 2e-8).
   */
  static double erf(double x) {
    double a = Math.abs(x);
    if (a > 4) {
      double z = 1 / (2 * a * a);
      double erfc = Math.exp(-a * a) / (a * Math.sqrt(Math.PI)) * (1 - z + 3 * z * z);
      return Math.signum(x) * (1 - erfc);
    }
    double term = x;
    double sum = x;
    for (int n = 1; n < 200; n++) {
      term *= -x * x / n;
      sum += term / (2 * n + 1);
    }
    return 2 / Math.sqrt(Math.PI) * sum;
  }

  /**
   * Per-channel mean and biased variance (divide by N = all positions but the channel axis).
   *
   * @param x values whose last axis has {@code c} channels
   * @return {mean[c], variance[c]}
   */
  static double[][] channelMoments(float[] x, int c) {
    return channelMoments(LayerHarness.toDouble(x), c);
  }

  /** As {@link #channelMoments(float[], int)}, in double throughout. */
  static double[][] channelMoments(double[] x, int c) {
    int count = x.length / c;
    double[] mean = new double[c];
    double[] var = new double[c];
    for (int i = 0; i < x.length; i++) {
      mean[i % c] += x[i];
    }
    for (int ch = 0; ch < c; ch++) {
      mean[ch] /= count;
    }
    for (int i = 0; i < x.length; i++) {
      double d = x[i] - mean[i % c];
      var[i % c] += d * d;
    }
    for (int ch = 0; ch < c; ch++) {
      var[ch] /= count;
    }
    return new double[][] {mean, var};
  }

  /**
   * Batch normalization over the last axis: gamma * (x - mean) / sqrt(var + eps) + beta.
   *
   * @return the normalised values, same layout as x
   */
  static double[] batchNorm(
      float[] x, int c, double[] gamma, double[] beta, double[] mean, double[] var, double eps) {
    return batchNorm(LayerHarness.toDouble(x), c, gamma, beta, mean, var, eps);
  }

  /** As {@link #batchNorm(float[], int, double[], double[], double[], double[], double)}. */
  static double[] batchNorm(
      double[] x, int c, double[] gamma, double[] beta, double[] mean, double[] var, double eps) {
    double[] y = new double[x.length];
    for (int i = 0; i < x.length; i++) {
      int ch = i % c;
      y[i] = gamma[ch] * (x[i] - mean[ch]) / Math.sqrt(var[ch] + eps) + beta[ch];
    }
    return y;
  }

  /**
   * Training-mode batch normalization: normalises with the batch's own mean and biased variance.
   */
  static double[] batchNormTraining(double[] x, int c, double[] gamma, double[] beta, double eps) {
    double[][] m = channelMoments(x, c);
    return batchNorm(x, c, gamma, beta, m[0], m[1], eps);
  }

  /**
   * @return the mean of (y - t)^2 over all elements (Keras' mean_squared_error, any rank)
   */
  static double meanSquaredError(double[] y, float[] t) {
    double s = 0;
    for (int i = 0; i < y.length; i++) {
      double d = y[i] - t[i];
      s += d * d;
    }
    return s / y.length;
  }

  /**
   * @return the element-wise sum
   */
  static double[] add(float[]... xs) {
    double[] y = new double[xs[0].length];
    for (float[] x : xs) {
      for (int i = 0; i < y.length; i++) {
        y[i] += x[i];
      }
    }
    return y;
  }

  /**
   * Concatenation of row-major arrays along an axis: each input is seen as (outer, inner_i), where
   * outer is the product of the dimensions before the axis and inner_i the rest.
   *
   * @param outer the product of the dimensions before the axis (the same for every input)
   * @param xs the inputs
   * @return the joined values
   */
  static double[] concat(int outer, float[]... xs) {
    int total = 0;
    for (float[] x : xs) {
      total += x.length;
    }
    double[] y = new double[total];
    int k = 0;
    for (int o = 0; o < outer; o++) {
      for (float[] x : xs) {
        int inner = x.length / outer;
        for (int i = 0; i < inner; i++) {
          y[k++] = x[o * inner + i];
        }
      }
    }
    return y;
  }
}
