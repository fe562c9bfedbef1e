package dev.jeras.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the command line does with output paths: never replaces a directory that is not a
 * SavedModel, replaces a SavedModel only with --overwrite, and refuses an unwritable path before
 * the model is built or the data loaded.
 */
class CliOutputsTest {
  private static final Path SMALL_SAVED_MODEL = Path.of("testdata/odd-savedmodels/scalar");
  private static final String[] TRAIN = {
    "train", "--data-dir", "testdata/mnist-small", "--epochs", "1", "--limit", "64", "--seed", "1"
  };

  @TempDir Path tmp;

  @Test
  void exportIntoServingBasePath_isRefusedBeforeTraining_andKeepsEveryVersion() throws Exception {
    Path base = tmp.resolve("m");
    copyTree(SMALL_SAVED_MODEL, base.resolve("1"));
    copyTree(SMALL_SAVED_MODEL, base.resolve("2"));
    Files.writeString(base.resolve("precious.txt"), "keep");
    List<String> before = listing(base);

    CliRun r = CliRun.of(concat(TRAIN, "--export-savedmodel", base.toString()));

    assertEquals(1, r.rc(), r.toString());
    assertEquals(
        "jeras: error: --export-savedmodel "
            + base.toAbsolutePath()
            + ": exists and is not a SavedModel (it holds 1/, 2/, precious.txt); jeras replaces"
            + " only a SavedModel directory. Write to a new directory instead, such as "
            + base.toAbsolutePath().resolve("3")
            + " (a numbered version, as TF Serving expects in a model base path)",
        r.errorLine());
    assertEquals("", r.out(), "refused before the model was built or the data loaded");
    assertEquals(before, listing(base));
    assertEquals("keep", Files.readString(base.resolve("precious.txt")));
  }

  @Test
  void exportOntoSavedModel_needsOverwrite_thenReplacesIt() throws Exception {
    Path sm = tmp.resolve("sm");
    copyTree(SMALL_SAVED_MODEL, sm);
    byte[] old = Files.readAllBytes(sm.resolve("saved_model.pb"));

    CliRun refused = CliRun.of(concat(TRAIN, "--export-savedmodel", sm.toString()));
    assertEquals(1, refused.rc(), refused.toString());
    assertEquals(
        "jeras: error: --export-savedmodel "
            + sm.toAbsolutePath()
            + ": already holds a SavedModel; give --overwrite to replace it (once the new one is"
            + " complete), or name a new directory",
        refused.errorLine());
    assertEquals("", refused.out());
    assertTrue(Arrays.equals(old, Files.readAllBytes(sm.resolve("saved_model.pb"))));

    CliRun replaced = CliRun.of(concat(TRAIN, "--export-savedmodel", sm.toString(), "--overwrite"));
    assertEquals(0, replaced.rc(), replaced.toString());
    assertTrue(Files.isRegularFile(sm.resolve("assets.extra/keras_model.json")), "jeras' export");
    assertFalse(Arrays.equals(old, Files.readAllBytes(sm.resolve("saved_model.pb"))));
  }

  @ParameterizedTest
  @ValueSource(
      strings = {
        "--save=m.keras",
        "--save-best=best.keras",
        "--plot=curves.png",
        "--csv-log=log.csv",
        "--metrics-out=metrics.json",
        "--save=model.json",
        "--save=plain-dir",
        "--save-best=plain-dir"
      })
  void directoryWhereTheOptionWrites_isNeverReplaced(String option) throws Exception {
    String name = option.substring(0, option.indexOf('='));
    Path target = tmp.resolve(option.substring(option.indexOf('=') + 1));
    Files.createDirectories(target.resolve("sub"));
    Files.writeString(target.resolve("precious.txt"), "keep");

    CliRun r = CliRun.of(concat(TRAIN, "--no-export", name, target.toString()));

    assertEquals(1, r.rc(), r.toString());
    String prefix = "jeras: error: " + name + " " + target.toAbsolutePath() + ": ";
    assertTrue(r.errorLine().startsWith(prefix), r.errorLine());
    assertTrue(
        r.errorLine().contains("jeras never replaces a directory with a file")
            || r.errorLine().contains("exists and is not a SavedModel (it holds precious.txt,"),
        r.errorLine());
    assertEquals("", r.out());
    assertEquals("keep", Files.readString(target.resolve("precious.txt")));
  }

  @Test
  void convertToServingBasePath_isRefused_andToSavedModel_needsOverwrite() throws Exception {
    Path base = tmp.resolve("serving");
    copyTree(SMALL_SAVED_MODEL, base.resolve("7"));
    String from = "testdata/reference/mnist-basic.keras";

    CliRun r = CliRun.of("convert", "--from", from, "--to", base.toString());
    assertEquals(1, r.rc(), r.toString());
    assertTrue(
        r.errorLine()
            .startsWith(
                "jeras: error: --to "
                    + base.toAbsolutePath()
                    + ": exists and is not a SavedModel (it holds 7/)"),
        r.errorLine());
    assertTrue(r.errorLine().contains("such as " + base.toAbsolutePath().resolve("8")));

    Path version = base.resolve("7");
    CliRun noOverwrite = CliRun.of("convert", "--from", from, "--to", version.toString());
    assertEquals(1, noOverwrite.rc(), noOverwrite.toString());
    assertTrue(noOverwrite.errorLine().contains("give --overwrite"), noOverwrite.errorLine());
    assertFalse(Files.exists(version.resolve("assets.extra")));

    CliRun ok = CliRun.of("convert", "--from", from, "--to", version.toString(), "--overwrite");
    assertEquals(0, ok.rc(), ok.toString());
    assertTrue(Files.isRegularFile(version.resolve("assets.extra/keras_model.json")));

    Path fresh = base.resolve("8");
    assertEquals(0, CliRun.of("convert", "--from", from, "--to", fresh.toString()).rc());
    assertTrue(Files.isRegularFile(fresh.resolve("saved_model.pb")));
  }

  /** Each output option, given a path under a regular file: refused before anything loads. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "--export-savedmodel",
        "--save",
        "--save-best",
        "--metrics-out",
        "--csv-log",
        "--plot",
        "--log-dir",
        "--checkpoint-dir"
      })
  void unwritableOutput_isRefusedBeforeTheModelOrDataLoad_namingOptionAndPath(String option)
      throws Exception {
    Path file = tmp.resolve("a-file");
    Files.writeString(file, "not a directory");
    Path target = file.resolve("out").resolve("target.keras");
    List<String> args = new ArrayList<>(List.of(TRAIN));
    if (!option.equals("--export-savedmodel")) {
      args.add("--no-export");
    }
    args.addAll(List.of(option, target.toString()));

    CliRun r = CliRun.of(args.toArray(String[]::new));

    assertEquals(1, r.rc(), r.toString());
    assertEquals(
        "jeras: error: "
            + option
            + " "
            + target.toAbsolutePath()
            + ": cannot be created: "
            + file.toAbsolutePath()
            + " is not a directory",
        r.errorLine());
    assertEquals("", r.out(), "nothing built, loaded or trained");
  }

  @Test
  void twoOptionsNamingOneFile_areRefused() {
    Path same = tmp.resolve("same.csv");
    CliRun r =
        CliRun.of(
            concat(TRAIN, "--no-export", "--csv-log", same.toString(), "--plot", same.toString()));
    assertEquals(1, r.rc(), r.toString());
    assertEquals(
        "jeras: error: --csv-log and --plot name the same path, "
            + same
            + ": one would replace the other",
        r.errorLine());
  }

  @Test
  void predictOutputOntoADirectory_isRefusedBeforeTheModelLoads() throws Exception {
    Path dir = tmp.resolve("out.npy");
    Files.createDirectories(dir);
    CliRun r =
        CliRun.of(
            "predict",
            "--model",
            "testdata/reference/mnist-basic.keras",
            "--input",
            "testdata/reference/mnist-basic_x.npy",
            "--output",
            dir.toString());
    assertEquals(1, r.rc(), r.toString());
    assertTrue(
        r.errorLine()
            .startsWith(
                "jeras: error: --output "
                    + dir.toAbsolutePath()
                    + ": is a directory, expected a file"),
        r.errorLine());
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Path q = to.resolve(from.relativize(p).toString());
        if (Files.isDirectory(p)) {
          Files.createDirectories(q);
        } else {
          Files.copy(p, q);
        }
      }
    }
  }

  static List<String> listing(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.map(p -> dir.relativize(p).toString()).sorted().toList();
    }
  }

  static String[] concat(String[] a, String... b) {
    String[] r = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, r, a.length, b.length);
    return r;
  }
}
