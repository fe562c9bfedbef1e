package dev.jeras.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jeras.data.DataDirectory;
import dev.jeras.data.ImageFolder;
import dev.jeras.layers.TensorShape;
import dev.jeras.saving.AtomicFiles;
import dev.jeras.saving.KerasJson;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Set;
import java.util.stream.Stream;
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

    /**
     * Whether {@code --data-dir} names a folder of one's own images rather than the built-in
     * datasets' files: given explicitly, holding class folders of images (or {@code train/} with
     * them), or at least holding subfolders or images and nothing of a built-in dataset, so that
     * the image folder's own errors (an empty class folder, images without class folders) say what
     * is wrong.
     *
     * @return true to read {@code --data-dir} as an image folder
     */
    boolean isImageFolder() {
      if (dataDir == null || !Files.isDirectory(dataDir)) {
        return false;
      }
      if (ImageFolder.looksLikeImageFolder(dataDir)) {
        return true;
      }
      boolean subfolder = false;
      try (Stream<Path> entries = Files.list(dataDir)) {
        for (Path p : entries.toList()) {
          String n = p.getFileName().toString();
          if (BUILTIN_ENTRIES.contains(n) || n.startsWith("train-") || n.startsWith("t10k-")) {
            return false;
          }
          subfolder |= Files.isDirectory(p) && !n.startsWith(".");
          subfolder |= ImageFolder.isImageName(n) && Files.isRegularFile(p);
        }
      } catch (IOException e) {
        return false;
      }
      return subfolder;
    }
  }

  /** Files and folders of the built-in datasets in a data directory. */
  private static final Set<String> BUILTIN_ENTRIES =
      Set.of("mnist", "fashion-mnist", "cifar10", "cifar-10-batches-bin", "cifar-10-binary.tar.gz");

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
