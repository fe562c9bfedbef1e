package dev.jeras.training.callbacks;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.JerasException;
import dev.jeras.models.Model;
import dev.jeras.training.FitOptions;
import dev.jeras.training.History;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PlotCurvesTest {
  private static final byte[] PNG_MAGIC = {(byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n'};

  private static BufferedImage readPng(Path png) throws IOException {
    assertTrue(Files.size(png) > 0, png + " is empty");
    byte[] head = new byte[8];
    System.arraycopy(Files.readAllBytes(png), 0, head, 0, 8);
    assertArrayEquals(PNG_MAGIC, head, "PNG signature");
    BufferedImage img = ImageIO.read(png.toFile());
    assertNotNull(img, "ImageIO cannot read " + png);
    return img;
  }

  private static long tempFiles(Path dir) throws IOException {
    try (Stream<Path> s = Files.list(dir)) {
      return s.filter(p -> p.getFileName().toString().endsWith(".tmp")).count();
    }
  }

  @Test
  void fitWithCallback_writesPngOfConfiguredSize(@TempDir Path dir) throws IOException {
    Path png = dir.resolve("out/curves.png");
    try (Model m = TensorBoardTest.tinyModel()) {
      m.fit(
          TensorBoardTest.x(),
          TensorBoardTest.y(),
          new FitOptions()
              .epochs(3)
              .batchSize(4)
              .validationSplit(0.25)
              .progress(null)
              .callbacks(new PlotCurves(png).size(900, 400).title(m.name())));
    }
    BufferedImage img = readPng(png);
    assertEquals(900, img.getWidth());
    assertEquals(400, img.getHeight());
    assertEquals(0, tempFiles(png.getParent()));
    assertEquals("true", System.getProperty("java.awt.headless"));
  }

  @Test
  void staticPlot_ofHistory_usesDefaultSize(@TempDir Path dir) throws IOException {
    History h;
    try (Model m = TensorBoardTest.tinyModel()) {
      h =
          m.fit(
              TensorBoardTest.x(), TensorBoardTest.y(), new FitOptions().epochs(2).progress(null));
    }
    Path png = PlotCurves.plot(h, dir.resolve("h.png"));
    BufferedImage img = readPng(png);
    assertEquals(PlotCurves.DEFAULT_WIDTH, img.getWidth());
    assertEquals(PlotCurves.DEFAULT_HEIGHT, img.getHeight());
  }

  @Test
  void everyEpoch_rewritesAfterEachEpoch_andOddWidthIsKept(@TempDir Path dir) throws IOException {
    Path png = dir.resolve("live.png");
    PlotCurves p = new PlotCurves(png).everyEpoch(true).size(601, 301);
    p.onTrainBegin(null);
    p.onEpochEnd(
        0, Map.of("loss", 1.0, "accuracy", 0.3, "val_loss", 1.1, "val_accuracy", 0.25), null);
    assertEquals(601, readPng(png).getWidth());
    p.onEpochEnd(
        1, Map.of("loss", 0.8, "accuracy", 0.5, "val_loss", 0.9, "val_accuracy", 0.5), null);
    assertEquals(301, readPng(png).getHeight());
    assertEquals(0, tempFiles(dir));
  }

  @Test
  void lossOnly_andNonFiniteValues_plotOnePanel(@TempDir Path dir) throws IOException {
    Path png =
        new PlotCurves(dir.resolve("l.png"))
            .size(400, 300)
            .write(List.of(Map.of("loss", 2.0), Map.of("loss", Double.NaN), Map.of("loss", 1.0)));
    assertEquals(400, readPng(png).getWidth());
    if (Files.getFileStore(png).supportsFileAttributeView("posix")) {
      // published like every jeras output: readable by other accounts
      assertEquals(
          "rw-r--r--",
          java.nio.file.attribute.PosixFilePermissions.toString(
              Files.getPosixFilePermissions(png)));
    }
  }

  @Test
  void noEpochs_throwsJerasExceptionNamingFile(@TempDir Path dir) {
    Path png = dir.resolve("empty.png");
    JerasException e =
        assertThrows(JerasException.class, () -> new PlotCurves(png).write(List.of()));
    assertTrue(e.getMessage().contains(png.toString()), e.getMessage());
  }

  @Test
  void unknownMetric_throwsJerasExceptionListingKeys(@TempDir Path dir) {
    JerasException e =
        assertThrows(
            JerasException.class,
            () ->
                new PlotCurves(dir.resolve("x.png"))
                    .metrics("auc")
                    .write(List.of(Map.of("loss", 1.0))));
    assertTrue(e.getMessage().contains("[auc]") && e.getMessage().contains("loss"), e.getMessage());
  }

  @Test
  void unwritableDirectory_throwsJerasExceptionNamingFile(@TempDir Path dir) throws IOException {
    Path blocker = Files.writeString(dir.resolve("blocker"), "x");
    Path png = blocker.resolve("c.png");
    JerasException e =
        assertThrows(
            JerasException.class, () -> new PlotCurves(png).write(List.of(Map.of("loss", 1.0))));
    assertTrue(e.getMessage().contains(png.toString()), e.getMessage());
  }

  @Test
  void badSize_isRejected() {
    assertThrows(
        IllegalArgumentException.class, () -> new PlotCurves(Path.of("a.png")).size(0, 10));
  }

  @Test
  void xchartMissing_errorNamesTheDependencyToAdd() {
    JerasException e =
        assertThrows(
            JerasException.class, () -> PlotCurves.requireClass("org.knowm.xchart.NoSuchChart"));
    assertTrue(e.getMessage().contains("org.knowm.xchart:xchart:"), e.getMessage());
    assertTrue(e.getMessage().contains("org.knowm.xchart.NoSuchChart"), e.getMessage());
  }

  @Test
  void xchartCoordinates_matchTheVersionInPom() throws IOException {
    String pom = Files.readString(Path.of("pom.xml"));
    String version = PlotCurves.XCHART.substring(PlotCurves.XCHART.lastIndexOf(':') + 1);
    assertTrue(
        pom.contains("<xchart.version>" + version + "</xchart.version>"),
        "pom.xml's xchart.version differs from PlotCurves.XCHART " + PlotCurves.XCHART);
  }
}
