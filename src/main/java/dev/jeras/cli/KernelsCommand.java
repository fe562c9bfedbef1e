package dev.jeras.cli;

import dev.jeras.backend.EngineOptions;
import dev.jeras.backend.cpu.KernelChoices;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code jeras kernels [--clear]}: the kernel choices the CPU engine measured on this machine, or
 * clears them so that the next run measures again.
 */
@Command(
    name = "kernels",
    mixinStandardHelpOptions = true,
    description = "Show the kernels measured fastest on this machine (or --clear them).")
final class KernelsCommand implements Callable<Integer> {
  @Option(
      names = "--cache",
      paramLabel = "FILE",
      description =
          "the kernel-choice file (default: ~/.jeras/kernels.json, or -Djeras.kernelCache)")
  Path cache;

  @Option(names = "--clear", description = "delete the file: the next graph built measures again")
  boolean clear;

  @Override
  public Integer call() throws Exception {
    Path file = cache != null ? cache : EngineOptions.defaults().kernelCache();
    PrintStream out = System.out;
    if (file == null) {
      out.println("kernel choices are kept in memory only (-Djeras.kernelCache=none)");
      return 0;
    }
    if (clear) {
      out.println((KernelChoices.clear(file) ? "cleared " : "no file at ") + file);
      return 0;
    }
    Map<String, KernelChoices.Choice> choices = KernelChoices.read(file);
    out.println("machine: " + KernelChoices.machine());
    out.println("file:    " + file);
    if (choices.isEmpty()) {
      out.println("no kernel measured on this machine yet (train or predict once)");
      return 0;
    }
    choices.forEach(
        (key, c) -> {
          StringBuilder ms = new StringBuilder();
          c.millis()
              .forEach(
                  (k, v) ->
                      ms.append(ms.length() == 0 ? "" : ", ")
                          .append(k)
                          .append(String.format(Locale.ROOT, " %.3f ms", v)));
          out.printf(Locale.ROOT, "%-10s %s (%s)%n", c.kernel(), key, ms);
        });
    return 0;
  }
}
