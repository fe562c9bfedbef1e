package dev.jeras.cli;

import dev.jeras.models.Model;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

/** {@code jeras summary --model NAME|FILE.json}: prints the Keras-style summary table. */
@Command(
    name = "summary",
    mixinStandardHelpOptions = true,
    description = "Print a model's layers, output shapes and parameter counts.")
final class SummaryCommand implements Callable<Integer> {
  @Mixin ModelOptions model;

  @picocli.CommandLine.Mixin CommonOptions.Verbose verbose;

  @Override
  public Integer call() {
    verbose.apply();
    try (Model m = model.create()) {
      System.out.print(m.summary());
    }
    return 0;
  }
}
