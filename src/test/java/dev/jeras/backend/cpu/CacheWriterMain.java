package dev.jeras.backend.cpu;

import java.nio.file.Path;
import java.util.Map;

/** A separate process writing kernel choices into a shared cache file (for KernelChoiceTest). */
public final class CacheWriterMain {
  private CacheWriterMain() {}

  /**
   * @param args the cache file, this writer's id, how many choices
   */
  public static void main(String[] args) {
    KernelCache c = KernelCache.unshared(Path.of(args[0]));
    for (int i = 0; i < Integer.parseInt(args[2]); i++) {
      c.put(
          "process" + args[1] + " key" + i, new KernelCache.Entry("onednn", Map.of("onednn", 1.0)));
    }
  }
}
