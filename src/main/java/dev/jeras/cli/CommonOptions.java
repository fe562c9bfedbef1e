package dev.jeras.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jeras.data.DataDirectory;
import dev.jeras.layers.TensorShape;
import dev.jeras.saving.AtomicFiles;
import dev.jeras.saving.KerasJson;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import picocli.CommandLine.Option;

/** Options and helpers shared by the commands. */
final class CommonOptions {
  private CommonOptions() {}

  /** {@code --data-dir DIR}. */
  static final class DataDir {
    @Option(
        names = "--data-dir",
        paramLabel = "DIR",
        description = "dataset directory (default: $JERAS_DATA, else ~/.jeras/datasets)")
    Path dataDir;

    /**
     * @return the resolved data directory
     */
    Path resolve() {
      return DataDirectory.resolve(dataDir);
    }
  }

  /** {@code --verbose}. */
  static final class Verbose {
    @Option(names = "--verbose", description = "debug logging and stack traces")
    boolean verbose;

    /** Applies the log level. */
    void apply() {
      Main.setVerbose(verbose);
    }
  }

  /**
   * The built-in dataset whose images fit a model's input: 28x28x1 is MNIST (Fashion-MNIST has the
   * same shape and is named with {@code --dataset}), 32x32x3 is CIFAR-10.
   *
   * @param input the model's first input shape, batch dimension first
   * @return mnist or cifar10
   * @throws IllegalArgumentException for any other input shape
   */
  static String datasetFor(TensorShape input) {
    long[] s = input.sampleDims();
    if (Arrays.equals(s, new long[] {28, 28, 1})) {
      return "mnist";
    }
    if (Arrays.equals(s, new long[] {32, 32, 3})) {
      return "cifar10";
    }
    throw new IllegalArgumentException(
        "the model's input "
            + input
            + " fits no built-in dataset"
            + " (mnist and fashion-mnist: 28x28x1, cifar10: 32x32x3); name one with --dataset");
  }

  /** Writes a JSON report atomically, pretty-printed. */
  static void writeJson(Path file, ObjectNode root) {
    AtomicFiles.writeFile(
        file, tmp -> Files.writeString(tmp, KerasJson.MAPPER.writeValueAsString(root) + "\n"));
  }
}
