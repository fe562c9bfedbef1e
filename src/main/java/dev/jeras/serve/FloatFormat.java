package dev.jeras.serve;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;

/**
 * Float32 values as TensorFlow Serving writes them in JSON: six significant digits (C's {@code %g})
 * when that reads back as the same float, else nine ({@code %.9g}, enough for any float32); {@code
 * .0} added to whole numbers without an exponent ({@code 4.0}, {@code 9e+06}); {@code NaN}, {@code
 * Infinity}, {@code -Infinity} for the non-finite values.
 *
 * <pre>{@code
 * FloatFormat.format(0.2f)          // "0.2"
 * FloatFormat.format(0.123456789f)  // "0.123456791"
 * }</pre>
 */
final class FloatFormat {
  private FloatFormat() {}

  /**
   * @param v a float
   * @return its JSON text
   */
  static String format(float v) {
    if (Float.isNaN(v)) {
      return "NaN";
    }
    if (Float.isInfinite(v)) {
      return v > 0 ? "Infinity" : "-Infinity";
    }
    String s = general(v, 6);
    if (Float.parseFloat(s) != v) {
      s = general(v, 9);
    }
    if (s.indexOf('.') < 0 && s.indexOf('e') < 0) {
      s += ".0";
    }
    return s;
  }

  /**
   * @return {@code v} as C's {@code printf("%.{precision}g")} writes it: the exact binary value
   *     rounded half-even to that many significant digits, fixed notation for decimal exponents
   *     from -4 to precision - 1, else d.ddde+XX; trailing zeros removed
   */
  static String general(double v, int precision) {
    String sign = (v < 0 || (v == 0 && 1 / v < 0)) ? "-" : "";
    if (v == 0) {
      return sign + "0";
    }
    BigDecimal r =
        new BigDecimal(Math.abs(v)).round(new MathContext(precision, RoundingMode.HALF_EVEN));
    int exponent = r.precision() - r.scale() - 1;
    if (exponent < -4 || exponent >= precision) {
      String digits = stripZeros(r.unscaledValue().toString());
      String mantissa =
          digits.length() == 1 ? digits : digits.charAt(0) + "." + digits.substring(1);
      int a = Math.abs(exponent);
      return sign + mantissa + "e" + (exponent < 0 ? "-" : "+") + (a < 10 ? "0" : "") + a;
    }
    String fixed =
        r.setScale(Math.max(0, precision - 1 - exponent), RoundingMode.UNNECESSARY).toPlainString();
    if (fixed.indexOf('.') >= 0) {
      fixed = stripZeros(fixed);
      if (fixed.endsWith(".")) {
        fixed = fixed.substring(0, fixed.length() - 1);
      }
    }
    return sign + fixed;
  }

  private static String stripZeros(String s) {
    int end = s.length();
    while (end > 1 && s.charAt(end - 1) == '0') {
      end--;
    }
    return s.substring(0, end);
  }
}
