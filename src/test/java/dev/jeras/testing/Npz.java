package dev.jeras.testing;

import dev.jeras.data.FloatArray;
import dev.jeras.data.IntArray;
import dev.jeras.data.NumericArray;
import dev.jeras.saving.Npy;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;

/** Reads NumPy {@code .npz} archives (what the golden scripts write) for tests. */
public final class Npz {
  private final Map<String, NumericArray> arrays;
  private final Path file;

  private Npz(Path file, Map<String, NumericArray> arrays) {
    this.file = file;
    this.arrays = arrays;
  }

  /**
   * @param file an .npz written by {@code numpy.savez} or {@code savez_compressed}
   * @return its arrays by name (without the {@code .npy} suffix)
   */
  public static Npz read(Path file) {
    Map<String, NumericArray> out = new LinkedHashMap<>();
    try (ZipFile zip = new ZipFile(file.toFile())) {
      Enumeration<? extends ZipEntry> entries = zip.entries();
      while (entries.hasMoreElements()) {
        ZipEntry e = entries.nextElement();
        String name = e.getName().replaceFirst("\\.npy$", "");
        byte[] bytes = zip.getInputStream(e).readAllBytes();
        out.put(name, Npy.parse(bytes, file + ":" + e.getName()));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return new Npz(file, out);
  }

  /**
   * @return whether the archive holds that array
   */
  public boolean has(String name) {
    return arrays.containsKey(name);
  }

  /**
   * @return the float array of that name (integers are converted)
   */
  public FloatArray floats(String name) {
    NumericArray a = arrays.get(name);
    if (a == null) {
      throw new AssertionError(file + " has no array " + name + "; it has " + arrays.keySet());
    }
    if (a instanceof FloatArray f) {
      return f;
    }
    int[] v = ((IntArray) a).data();
    float[] f = new float[v.length];
    for (int i = 0; i < v.length; i++) {
      f[i] = v[i];
    }
    return FloatArray.of(f, a.shape());
  }
}
