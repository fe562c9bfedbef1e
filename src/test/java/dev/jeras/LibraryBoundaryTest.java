package dev.jeras;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * The library jar (every compiled class outside the command line's packages) must run with SLF4J's
 * API as its only logging and without the command line's libraries, which are optional dependencies
 * a user's project does not get. The class files are read for references to them.
 */
class LibraryBoundaryTest {
  /** Packages that go into the cli jar, not the library (pom.xml, maven-jar-plugin). */
  private static final List<String> CLI_PACKAGES =
      List.of("dev/jeras/cli/", "dev/jeras/bench/", "dev/jeras/examples/", "dev/jeras/serve/");

  /** Class-name prefixes of what only the command line may use. */
  private static final List<String> CLI_ONLY =
      List.of(
          "dev/jeras/cli/",
          "dev/jeras/bench/",
          "dev/jeras/examples/",
          "dev/jeras/serve/",
          "picocli/",
          "me/tongfei/progressbar/",
          "org/jline/",
          "ch/qos/logback/");

  /** XChart is optional for the library too, behind PlotCurves' check: only this class draws. */
  private static final String XCHART = "org/knowm/xchart/";

  private static final String XCHART_USER = "dev/jeras/training/callbacks/CurveCharts";

  /** Spark (and its Scala) are optional too: only the Spark integration refers to them. */
  private static final List<String> SPARK =
      List.of("org/apache/spark/", "org/apache/hadoop/", "scala/");

  private static final String SPARK_USER = "dev/jeras/spark/";

  private static Path classesDir() throws URISyntaxException {
    return Path.of(
        JerasException.class.getProtectionDomain().getCodeSource().getLocation().toURI());
  }

  private static List<Path> libraryClasses(Path root) throws IOException {
    List<Path> classes = new ArrayList<>();
    try (Stream<Path> files = Files.walk(root)) {
      files
          .filter(p -> p.toString().endsWith(".class"))
          .filter(p -> CLI_PACKAGES.stream().noneMatch(relative(root, p)::startsWith))
          .forEach(classes::add);
    }
    return classes;
  }

  private static String relative(Path root, Path file) {
    return root.relativize(file).toString().replace('\\', '/');
  }

  @Test
  void libraryClasses_referenceNoCommandLineClassOrLibrary() throws Exception {
    Path root = classesDir();
    List<Path> classes = libraryClasses(root);
    assertTrue(classes.size() > 100, "library classes found under " + root + ": " + classes.size());
    List<String> offences = new ArrayList<>();
    for (Path c : classes) {
      // class names in the constant pool are UTF-8 in internal form (a/b/C)
      String bytes = new String(Files.readAllBytes(c), StandardCharsets.ISO_8859_1);
      String name = relative(root, c);
      for (String banned : CLI_ONLY) {
        if (bytes.contains(banned)) {
          offences.add(name + " -> " + banned);
        }
      }
      if (bytes.contains(XCHART) && !name.startsWith(XCHART_USER)) {
        offences.add(name + " -> " + XCHART);
      }
      for (String spark : SPARK) {
        if (bytes.contains(spark) && !name.startsWith(SPARK_USER)) {
          offences.add(name + " -> " + spark);
        }
      }
    }
    assertTrue(
        offences.isEmpty(), "library classes that need the command line's jars: " + offences);
  }
}
