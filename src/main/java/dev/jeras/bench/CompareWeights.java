package dev.jeras.bench;

import dev.jeras.data.FloatArray;
import dev.jeras.models.Model;
import dev.jeras.saving.ModelFiles;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;

/**
 * Prints the largest absolute difference between the weights of two saved models of the same
 * architecture (used by scripts/check_resume.sh).
 *
 * <pre>
 * java -cp target/jeras.jar:target/lib/* dev.jeras.bench.CompareWeights a.keras b.keras
 * </pre>
 */
public final class CompareWeights {
  private CompareWeights() {}

  /**
   * @param args two model files
   */
  public static void main(String[] args) {
    try (Model a = ModelFiles.load(Path.of(args[0]));
        Model b = ModelFiles.load(Path.of(args[1]))) {
      List<FloatArray> wa = a.getWeights();
      List<FloatArray> wb = b.getWeights();
      double max = 0;
      long n = 0;
      for (int i = 0; i < wa.size(); i++) {
        float[] x = wa.get(i).data();
        float[] y = wb.get(i).data();
        for (int j = 0; j < x.length; j++) {
          max = Math.max(max, Math.abs((double) x[j] - y[j]));
        }
        n += x.length;
      }
      System.out.printf(Locale.ROOT, "%d weights compared, max |a - b| = %.3e%n", n, max);
    }
  }
}
