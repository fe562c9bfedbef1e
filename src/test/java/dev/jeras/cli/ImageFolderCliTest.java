package dev.jeras.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jeras.saving.KerasJson;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** train, evaluate and predict with --data-dir holding an image folder. */
class ImageFolderCliTest {
  private static final Path FIXTURE = Path.of("testdata", "image-folder", "cifar10-small");

  @TempDir Path tmp;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();
  private PrintStream oldOut;
  private PrintStream oldErr;

  @BeforeEach
  void capture() {
    oldOut = System.out;
    oldErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() {
    System.setOut(oldOut);
    System.setErr(oldErr);
  }

  private String stdout() {
    return out.toString(StandardCharsets.UTF_8);
  }

  private String stderr() {
    return err.toString(StandardCharsets.UTF_8);
  }

  /** A copy of two classes of the fixture (10 images each), to damage. */
  private Path smallFolder() throws IOException {
    Path dir = tmp.resolve("photos");
    for (String c : List.of("cat", "dog")) {
      Files.createDirectories(dir.resolve(c));
      try (Stream<Path> s = Files.list(FIXTURE.resolve("train").resolve(c))) {
        for (Path p : s.sorted().limit(10).toList()) {
          Files.copy(p, dir.resolve(c).resolve(p.getFileName()));
        }
      }
    }
    return dir;
  }

  private static String first(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.sorted().findFirst().orElseThrow().getFileName().toString();
    }
  }

  @Test
  void trainOnFolder_evaluatesOnTest_writesDataWaitToTheMetrics_thenEvaluateAndPredict()
      throws IOException {
    Path metrics = tmp.resolve("m.json");
    Path saved = tmp.resolve("model.keras");
    int rc =
        Main.execute(
            "train",
            "--model",
            "cifar10-bn",
            "--data-dir",
            FIXTURE.toString(),
            "--epochs",
            "1",
            "--seed",
            "4",
            "--validation-split",
            "0.2",
            "--no-export",
            "--verbose",
            "--save",
            saved.toString(),
            "--metrics-out",
            metrics.toString());
    assertEquals(0, rc, stderr());
    assertTrue(
        stdout().contains(": 240 training, 60 validation and 100 test images of 10 classes"),
        stdout());
    assertTrue(stdout().matches("(?s).*val_accuracy: [0-9.]+ - data wait: [0-9.]+%.*"), stdout());
    JsonNode m = KerasJson.MAPPER.readTree(metrics.toFile());
    double wait = m.get("data_wait_fraction").asDouble();
    assertTrue(wait > 0 && wait < 1, m.toString());
    assertTrue(m.get("epochs").get(0).has("data_wait_fraction"), m.toString());
    double testAccuracy = m.get("test").get("accuracy").asDouble();

    out.reset();
    assertEquals(
        0, Main.execute("evaluate", "--model", saved.toString(), "--data-dir", FIXTURE.toString()));
    assertTrue(
        stdout()
            .contains(
                "on cifar10-small test (100 samples): loss "
                    + String.format(
                        java.util.Locale.ROOT, "%.4f", m.get("test").get("loss").asDouble())
                    + " - accuracy "
                    + String.format(java.util.Locale.ROOT, "%.4f", testAccuracy)),
        stdout());

    Path csv = tmp.resolve("preds.csv");
    assertEquals(
        0,
        Main.execute(
            "predict",
            "--model",
            saved.toString(),
            "--data-dir",
            FIXTURE.resolve("test").toString(),
            "--output",
            csv.toString()));
    List<String> lines = Files.readAllLines(csv);
    assertEquals(101, lines.size());
    assertEquals("path,class,probability", lines.get(0));
    String[] row = lines.get(1).split(",");
    assertEquals(
        FIXTURE.resolve("test").resolve("airplane").resolve("00000.jpg").toString(), row[0]);
    assertTrue(
        List.of(
                "airplane",
                "automobile",
                "bird",
                "cat",
                "deer",
                "dog",
                "frog",
                "horse",
                "ship",
                "truck")
            .contains(row[1]),
        lines.get(1));
    double p = Double.parseDouble(row[2]);
    assertTrue(p > 0.1 && p <= 1, lines.get(1));
  }

  @Test
  void corruptImage_stopsTraining_namingTheFile_orIsSkippedWithOneWarning() throws IOException {
    Path dir = smallFolder();
    Path bad = dir.resolve("dog").resolve(first(dir.resolve("dog")));
    byte[] b = Files.readAllBytes(bad);
    Files.write(bad, Arrays.copyOf(b, b.length / 2));
    String[] args = {
      "train",
      "--model",
      "cifar10-bn",
      "--data-dir",
      dir.toString(),
      "--epochs",
      "1",
      "--no-export",
      "--seed",
      "1",
      "--batch-size",
      "8"
    };
    assertEquals(1, Main.execute(args));
    assertTrue(
        stderr().contains("jeras: error: " + bad + ": cannot decode the image: jpeg::Uncompress"),
        stderr());
    err.reset();
    out.reset();
    String[] skip = Arrays.copyOf(args, args.length + 2);
    skip[args.length] = "--on-bad-image";
    skip[args.length + 1] = "skip";
    assertEquals(0, Main.execute(skip), stderr());
    assertTrue(stdout().contains("Skipped 1 unreadable images"), stdout());
    assertTrue(stdout().contains("Test: none ("), stdout());
  }

  @Test
  void hugeDeclaredImage_isRefusedFromItsHeader() throws IOException {
    Path dir = smallFolder();
    byte[] png = new byte[33];
    byte[] head = {
      (byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'
    };
    System.arraycopy(head, 0, png, 0, head.length);
    java.nio.ByteBuffer.wrap(png, 16, 8).putInt(46000).putInt(46000);
    png[24] = 8;
    png[25] = 6;
    Path bomb = dir.resolve("cat").resolve("bomb.png");
    Files.write(bomb, png);
    int rc =
        Main.execute(
            "train",
            "--model",
            "cifar10-bn",
            "--data-dir",
            dir.toString(),
            "--epochs",
            "1",
            "--no-export",
            "--seed",
            "1");
    assertEquals(1, rc);
    assertTrue(
        stderr()
            .contains(
                "jeras: error: "
                    + bomb
                    + ": a PNG of 46000x46000 pixels (2,116,000,000) is above the limit of"
                    + " 89,478,485 pixels"),
        stderr());
  }

  @Test
  void imageSizeOrColourAgainstTheModel_isAnError() throws IOException {
    Path dir = smallFolder();
    assertEquals(
        1,
        Main.execute(
            "train",
            "--model",
            "cifar10-bn",
            "--data-dir",
            dir.toString(),
            "--image-size",
            "64,64",
            "--no-export"));
    assertTrue(stderr().contains("--image-size 64,64 does not fit the model"), stderr());
    err.reset();
    assertEquals(
        1,
        Main.execute(
            "train",
            "--model",
            "cifar10-bn",
            "--data-dir",
            dir.toString(),
            "--color-mode",
            "grayscale",
            "--no-export"));
    assertTrue(stderr().contains("--color-mode grayscale does not fit the model's 3"), stderr());
  }

  @Test
  void foldersWithoutImagesOrClasses_areReadAsImageFolders_andSayWhatIsMissing()
      throws IOException {
    Path none = tmp.resolve("none");
    Files.createDirectories(none.resolve("cat"));
    Files.createDirectories(none.resolve("dog"));
    Files.writeString(none.resolve("cat").resolve("readme.txt"), "to do");
    assertEquals(
        1,
        Main.execute(
            "train", "--model", "cifar10-bn", "--data-dir", none.toString(), "--no-export"));
    assertTrue(
        stderr().contains("jeras: error: " + none.resolve("cat") + ": class folder expected"),
        stderr());
    err.reset();
    Path flat = tmp.resolve("flat");
    Files.createDirectories(flat);
    Files.copy(FIXTURE.resolve("train").resolve("cat").resolve("00005.jpg"), flat.resolve("a.jpg"));
    assertEquals(
        1,
        Main.execute(
            "train", "--model", "cifar10-bn", "--data-dir", flat.toString(), "--no-export"));
    assertTrue(stderr().contains("got images but no class subfolder"), stderr());
  }
}
