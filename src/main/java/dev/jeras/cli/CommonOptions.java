package dev.jeras.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jeras.data.DataDirectory;
import dev.jeras.saving.AtomicFiles;
import dev.jeras.saving.KerasJson;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/** Options and helpers shared by the commands. */
final class CommonOptions {
  private CommonOptions() {}

  /** {@code --data-dir DIR}. */
  static final class DataDir {
    @Option(names = "--data-dir", paramLabel = "DIR",
        description = "dataset directory (default: $JERAS_DATA, else ~/.jeras/datasets)")
    Path dataDir;

    /** @return the resolved data directory */
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

  /** Writes a JSON report atomically, pretty-printed. */
  static void writeJson(Path file, ObjectNode root) {
    AtomicFiles.writeFile(file, tmp -> Files.writeString(tmp,
        KerasJson.MAPPER.writeValueAsString(root) + "\n"));
  }
}
