package dev.jeras.internal;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.data.FloatArray;
import dev.jeras.layers.Dense;
import dev.jeras.layers.Input;
import dev.jeras.models.Sequential;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * TensorFlow's C++ start-up lines, seen as a user's program sees them: a fresh JVM (TensorFlow
 * reads its level once per process) builds and runs a model through jeras, and its stderr is read.
 */
class TensorFlowLoggingTest {
  /** Lines TensorFlow 2.18 writes on the first model run where nothing hides them. */
  private static final List<String> START_UP =
      List.of(
          "absl::InitializeLog()",
          "mlir_graph_optimization_pass",
          "oneDNN custom operations",
          "cpu_feature_guard");

  /** A user's program: one jeras model run. */
  public static final class Child {
    private Child() {}

    public static void main(String[] args) {
      try (Sequential model = new Sequential(Input.shape(4), new Dense(2))) {
        FloatArray y = model.predict(FloatArray.zeros(3, 4));
        System.out.println("predicted " + y.shape()[0]);
      }
    }
  }

  private static String runChild(Path dir, Map<String, String> env, String... jvmOptions)
      throws IOException, InterruptedException {
    List<String> command = new ArrayList<>();
    command.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    command.addAll(List.of(jvmOptions));
    command.addAll(List.of("-cp", System.getProperty("java.class.path"), Child.class.getName()));
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().remove(TensorFlowLogging.ENV); // surefire sets it for the test JVM
    pb.environment().remove("TF_ENABLE_ONEDNN_OPTS");
    pb.environment().putAll(env);
    Path out = dir.resolve("out.txt");
    Path err = dir.resolve("err.txt");
    pb.redirectOutput(out.toFile()).redirectError(err.toFile());
    Process p = pb.start();
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "the child JVM did not finish in 120 s");
    String stdout = Files.readString(out, StandardCharsets.UTF_8);
    String stderr = Files.readString(err, StandardCharsets.UTF_8);
    assertEquals(0, p.exitValue(), "child failed: " + stdout + stderr);
    assertEquals("predicted 3\n", stdout, "stdout: " + stdout + "\nstderr: " + stderr);
    return stderr;
  }

  @Test
  void userProgram_noLevelSet_showsNoTensorFlowStartUpLine(@TempDir Path dir) throws Exception {
    String stderr = runChild(dir, Map.of());
    for (String line : START_UP) {
      assertFalse(stderr.contains(line), "'" + line + "' reached stderr:\n" + stderr);
    }
  }

  @Test
  void userProgram_tfCppMinLogLevel0_showsMlirAndAbslLines(@TempDir Path dir) throws Exception {
    String stderr = runChild(dir, Map.of(TensorFlowLogging.ENV, "0"));
    assertTrue(stderr.contains("mlir_graph_optimization_pass"), stderr);
    assertTrue(stderr.contains("absl::InitializeLog()"), stderr);
  }

  @Test
  void userProgram_property0_showsMlirLine(@TempDir Path dir) throws Exception {
    String stderr = runChild(dir, Map.of(), "-D" + TensorFlowLogging.PROPERTY + "=0");
    assertTrue(stderr.contains("mlir_graph_optimization_pass"), stderr);
  }

  @Test
  void userProgram_tfCppMinLogLevel2_hidesMlirLineTooAsTheCliSetsIt(@TempDir Path dir)
      throws Exception {
    String stderr = runChild(dir, Map.of(TensorFlowLogging.ENV, "2"));
    for (String line : START_UP) {
      assertFalse(stderr.contains(line), "'" + line + "' reached stderr:\n" + stderr);
    }
  }
}
