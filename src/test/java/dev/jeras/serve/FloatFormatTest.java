package dev.jeras.serve;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class FloatFormatTest {
  @Test
  void shortFloats_printSixDigitsOrFewer() {
    assertEquals("3.5", FloatFormat.format(3.5f));
    assertEquals("0.2", FloatFormat.format(0.2f));
    assertEquals("0.1", FloatFormat.format(0.1f));
    assertEquals("-2.25", FloatFormat.format(-2.25f));
  }

  @Test
  void wholeNumbers_getPointZero_unlessInExponentForm() {
    assertEquals("4.0", FloatFormat.format(4f));
    assertEquals("0.0", FloatFormat.format(0f));
    assertEquals("-0.0", FloatFormat.format(-0f));
    assertEquals("123456.0", FloatFormat.format(123456f));
    assertEquals("9e+06", FloatFormat.format(9_000_000f));
    assertEquals("3e-05", FloatFormat.format(0.00003f));
  }

  @Test
  void floatsNeedingMoreDigits_printNineSignificantDigits() {
    assertEquals("0.123456791", FloatFormat.format(0.123456789f));
    assertEquals("16777216.0", FloatFormat.format(16777216f));
    assertEquals("1.00000012", FloatFormat.format(Math.nextUp(1f)));
    assertEquals("1.17549435e-38", FloatFormat.format(Float.MIN_NORMAL));
  }

  @Test
  void everyPrintedValue_readsBackAsTheSameFloat() {
    java.util.Random r = new java.util.Random(7);
    for (int i = 0; i < 20_000; i++) {
      float f = Float.intBitsToFloat(r.nextInt());
      if (Float.isFinite(f)) {
        assertEquals(f, Float.parseFloat(FloatFormat.format(f)), FloatFormat.format(f));
      }
    }
  }

  @Test
  void nonFinite_printAsJavaScriptTokens() {
    assertEquals("NaN", FloatFormat.format(Float.NaN));
    assertEquals("Infinity", FloatFormat.format(Float.POSITIVE_INFINITY));
    assertEquals("-Infinity", FloatFormat.format(Float.NEGATIVE_INFINITY));
  }

  @Test
  void general_matchesCPrintfG() {
    assertEquals("104.976", FloatFormat.general(104.976, 6));
    assertEquals("1e+100", FloatFormat.general(1e100, 6));
    assertEquals("0.0001", FloatFormat.general(0.0001, 6));
    assertEquals("1e-05", FloatFormat.general(0.00001, 6));
    assertEquals("100000", FloatFormat.general(100000, 6));
    assertEquals("1e+06", FloatFormat.general(999999.5, 6));
  }
}
