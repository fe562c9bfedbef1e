package dev.jeras.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The command line on a full disk and on a read-only one, for real: a child JVM runs in a private
 * mount namespace ({@code unshare -rm}: user and mount namespaces, so root is not needed and the
 * mounts vanish with the process) where a 64 KiB tmpfs stands for a full disk and a read-only tmpfs
 * for a path without write permission. Each failure must be one {@code jeras: error:} line naming
 * the path and the operating system's reason, leave the old files as they were and no temporary
 * files behind; a read-only target must be refused before training.
 */
class FullDiskTest {
  private static final String[] TRAIN = {
    "train", "--data-dir", "testdata/mnist-small", "--epochs", "1", "--limit", "64", "--seed", "1"
  };
  private static final Path OLD_SAVED_MODEL = Path.of("testdata/odd-savedmodels/scalar");
  private static final String KERAS = "testdata/reference/mnist-basic.keras";

  @TempDir Path tmp;

  private record Run(int rc, String out, String err) {
    String errorLine() {
      return CliRun.errorLine(err);
    }
  }

  @Test
  void fullAndReadOnlyFileSystems_oneLineErrorsNamingPathAndCause_oldFilesKept() throws Exception {
    Path full = tmp.resolve("full");
    Path ro = tmp.resolve("ro");
    Files.createDirectories(full);
    Files.createDirectories(ro);
    List<String> commands = new ArrayList<>();
    addCommand(commands, TRAIN, "--export-savedmodel", ro.resolve("sm").toString());
    addCommand(commands, TRAIN, "--no-export", "--checkpoint-dir", ro.resolve("ckpt").toString());
    addCommand(commands, TRAIN, "--export-savedmodel", full.resolve("sm").toString());
    addCommand(commands, TRAIN, "--no-export", "--checkpoint-dir", full.resolve("ckpt").toString());
    addCommand(commands, "convert", "--from", KERAS, "--to", full.resolve("m.keras").toString());
    addCommand(
        commands,
        "convert",
        "--from",
        KERAS,
        "--to",
        full.resolve("sm-old").toString(),
        "--overwrite");
    addCommand(
        commands, "convert", "--from", KERAS, "--to", full.resolve("w.weights.h5").toString());

    String output = runInNamespace(full, ro, commands);
    List<Run> runs = parse(output);
    assertEquals(7, runs.size(), output);

    String readOnly = ": cannot write in " + ro.toAbsolutePath() + ": Read-only file system";
    assertEquals(
        "jeras: error: --export-savedmodel " + ro.resolve("sm").toAbsolutePath() + readOnly,
        runs.get(0).errorLine(),
        output);
    assertEquals("", runs.get(0).out(), "refused before the model or data loaded");
    assertEquals(
        "jeras: error: --checkpoint-dir " + ro.resolve("ckpt").toAbsolutePath() + readOnly,
        runs.get(1).errorLine(),
        output);
    assertEquals("", runs.get(1).out());

    String noSpace = ": cannot write: No space left on device";
    assertTrue(runs.get(2).out().contains("Epoch 1/1"), output);
    assertEquals(
        "jeras: error: " + full.resolve("sm").toAbsolutePath() + noSpace,
        runs.get(2).errorLine(),
        output);
    assertEquals(
        "jeras: error: "
            + full.resolve("ckpt").toAbsolutePath()
            + ": cannot write checkpoint ckpt-000001-000000: No space left on device",
        runs.get(3).errorLine(),
        output);
    assertEquals(
        "jeras: error: " + full.resolve("m.keras").toAbsolutePath() + noSpace,
        runs.get(4).errorLine(),
        output);
    assertEquals(
        "jeras: error: " + full.resolve("sm-old").toAbsolutePath() + noSpace,
        runs.get(5).errorLine(),
        output);
    assertEquals(
        "jeras: error: " + full.resolve("w.weights.h5").toAbsolutePath() + noSpace,
        runs.get(6).errorLine(),
        output);
    for (Run r : runs) {
      assertEquals(1, r.rc(), output);
      assertEquals(1, CliRun.errorLines(r.err()), "one error line:\n" + output);
      assertTrue(r.err().contains("(run with --verbose for details)"), output);
      assertFalse(r.err().contains("unexpected"), output);
    }

    // what the full disk holds afterwards: the old files, unchanged, and nothing else
    TreeSet<String> expected = new TreeSet<>(List.of(".", "./ckpt", "./m.keras", "./old.txt"));
    try (Stream<Path> s = Files.walk(OLD_SAVED_MODEL)) {
      s.forEach(p -> expected.add("./" + Path.of("sm-old").resolve(OLD_SAVED_MODEL.relativize(p))));
    }
    expected.remove("./sm-old/");
    assertEquals(String.join("\n", expected), section(output, "listing").strip(), output);
    assertEquals("old-model", section(output, "m.keras").strip());
    assertEquals("same", section(output, "sm-old").strip(), "the old SavedModel is unchanged");
  }

  private static void addCommand(List<String> commands, String[] head, String... tail) {
    if (!commands.isEmpty()) {
      commands.add("::");
    }
    commands.addAll(List.of(head));
    commands.addAll(List.of(tail));
  }

  private static void addCommand(List<String> commands, String... args) {
    addCommand(commands, new String[0], args);
  }

  /** Mounts the two file systems, runs {@link CliScript}, then lists what the full one holds. */
  private String runInNamespace(Path full, Path ro, List<String> commands) throws Exception {
    String script =
        String.join(
            "\n",
            "set -e",
            "mount -t tmpfs -o size=64k tmpfs \"$FULL\"",
            "mount -t tmpfs -o ro,size=64k tmpfs \"$RO\"",
            "echo old > \"$FULL/old.txt\"",
            "printf old-model > \"$FULL/m.keras\"",
            "cp -r testdata/odd-savedmodels/scalar \"$FULL/sm-old\"",
            "echo '=== mounted'",
            "set +e",
            "\"$JAVA\" -Xmx2g -cp \"$CP\" dev.jeras.cli.CliScript \"$@\"",
            "echo '=== listing'",
            "(cd \"$FULL\" && find . | LC_ALL=C sort)",
            "echo '=== m.keras'",
            "cat \"$FULL/m.keras\"; echo",
            "echo '=== sm-old'",
            "cmp -s testdata/odd-savedmodels/scalar/saved_model.pb \"$FULL/sm-old/saved_model.pb\""
                + " && echo same",
            "echo '=== done'");
    List<String> cmd = new ArrayList<>(List.of("unshare", "-rm", "sh", "-c", script, "sh"));
    cmd.addAll(commands);
    ProcessBuilder pb = new ProcessBuilder(cmd).redirectErrorStream(true);
    Map<String, String> env = pb.environment();
    env.put("FULL", full.toAbsolutePath().toString());
    env.put("RO", ro.toAbsolutePath().toString());
    env.put(
        "JAVA",
        ProcessHandle.current()
            .info()
            .command()
            .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    env.put(
        "CP",
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    env.put("TF_CPP_MIN_LOG_LEVEL", "2");
    Process p;
    try {
      p = pb.start();
    } catch (IOException e) {
      return fail(cannotMount(e.toString()));
    }
    Path log = tmp.resolve("child.log");
    Thread drain =
        new Thread(
            () -> {
              try {
                Files.copy(p.getInputStream(), log);
              } catch (IOException e) {
                // the process output is checked below
              }
            });
    drain.start();
    if (!p.waitFor(300, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      drain.join(10_000);
      fail("the child JVM did not finish in 300 s:\n" + read(log));
    }
    drain.join(10_000);
    String output = read(log);
    if (!output.contains("=== mounted")) {
      fail(cannotMount(output));
    }
    if (!output.contains("=== done")) {
      fail("the child shell did not finish (exit " + p.exitValue() + "):\n" + output);
    }
    return output;
  }

  private static String cannotMount(String why) {
    return "this test mounts two small tmpfs file systems in a private mount namespace"
        + " (unshare -rm: user and mount namespaces, from util-linux) and could not: "
        + why
        + "\nRun it as root or where unprivileged user namespaces are allowed"
        + " (sysctl kernel.unprivileged_userns_clone=1, user.max_user_namespaces > 0).";
  }

  private static String read(Path p) throws IOException {
    return Files.exists(p) ? Files.readString(p, StandardCharsets.UTF_8) : "";
  }

  private static List<Run> parse(String output) {
    Pattern run =
        Pattern.compile(
            "=== command [^\\n]*\\n=== rc (\\d+)\\n=== stdout\\n(.*?)=== stderr\\n(.*?)=== end",
            Pattern.DOTALL);
    Matcher m = run.matcher(output);
    List<Run> runs = new ArrayList<>();
    while (m.find()) {
      runs.add(new Run(Integer.parseInt(m.group(1)), m.group(2).strip(), m.group(3).strip()));
    }
    return runs;
  }

  private static String section(String output, String name) {
    int from = output.indexOf("=== " + name + "\n");
    if (from < 0) {
      return "";
    }
    from += name.length() + 5;
    int to = output.indexOf("=== ", from);
    return output.substring(from, to < 0 ? output.length() : to);
  }
}
