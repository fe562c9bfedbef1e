package dev.jeras.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code jeras serve}'s command-line errors (the server itself is tested in dev.jeras.serve). */
class ServeCommandTest {
  @TempDir Path tmp;
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream oldErr;

  @BeforeEach
  void capture() {
    oldErr = System.err;
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    System.setErr(oldErr);
  }

  private String err() {
    return err.toString(StandardCharsets.UTF_8);
  }

  @Test
  void noModel_isAUsageError_exit2() {
    assertEquals(2, Main.execute("serve", "--rest_api_port=0"));
    assertTrue(err().contains("give --model_base_path DIR or --model_config_file FILE"), err());
  }

  @Test
  void grpcPortFlag_isRefusedAsUnknown_exit2() {
    assertEquals(2, Main.execute("serve", "--port=8500", "--model_base_path=x"));
    assertTrue(err().contains("Unknown option: '--port=8500'"), err());
  }

  @Test
  void missingBasePath_isOneLineError_exit1() {
    Path nope = tmp.resolve("nope");
    assertEquals(
        1,
        Main.execute("serve", "--rest_api_port=0", "--model_name=m", "--model_base_path=" + nope));
    assertTrue(
        err()
            .startsWith("jeras: error: model m: base path " + nope + ": no such file or directory"),
        err());
  }

  @Test
  void badConfigFile_namesTheFileAndLine_exit1() throws Exception {
    Path cfg = tmp.resolve("models.config");
    Files.writeString(
        cfg, "model_config_list {\n  config { name: 'a' base_path: '/a' oops: 1 }\n}\n");
    assertEquals(1, Main.execute("serve", "--model_config_file=" + cfg));
    assertTrue(
        err().startsWith("jeras: error: " + cfg + ":2: config field oops is not supported"), err());
  }

  @Test
  void batchingFlagsWithoutEnableBatching_isAUsageError_exit2() {
    assertEquals(
        2,
        Main.execute(
            "serve", "--model_base_path=testdata/serving/half_plus_three", "--max_batch_size=8"));
    assertTrue(err().contains("batching parameters given without --enable_batching"), err());
  }

  @Test
  void portInUse_isOneLineError_exit1() throws Exception {
    try (java.net.ServerSocket taken =
        new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      int port = taken.getLocalPort();
      assertEquals(
          1,
          Main.execute(
              "serve",
              "--rest_api_host=127.0.0.1",
              "--rest_api_port=" + port,
              "--model_base_path=testdata/serving/half_plus_three"));
      assertTrue(err().contains("jeras: error: cannot listen on 127.0.0.1:" + port + ": "), err());
    }
  }
}
