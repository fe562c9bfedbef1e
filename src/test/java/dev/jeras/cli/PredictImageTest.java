package dev.jeras.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.data.Datasets;
import dev.jeras.data.FloatArray;
import dev.jeras.data.Images;
import dev.jeras.testing.Fixtures;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class PredictImageTest {
  private static final Path IMAGES = Path.of("testdata", "images");

  @Test
  void mnistPng_decodesToTheExactFixturePixels() {
    FloatArray x = Images.load(IMAGES.resolve("mnist-t10k-0-label7.png"), 28, 28, 1, false);
    FloatArray fixture =
        Datasets.loadIdxDirectory(
                Fixtures.testdata().resolve("mnist-small"), "mnist", Datasets.classNames("mnist"))
            .test()
            .x()
            .slice(0, 1);
    Fixtures.assertClose(x.data(), fixture.data(), 1e-6, 0);
  }

  @Test
  void paperScan_resizedAndInverted_staysCloseToTheOriginal() {
    FloatArray x = Images.load(IMAGES.resolve("mnist-t10k-0-label7-paper.png"), 28, 28, 1, true);
    FloatArray original = Images.load(IMAGES.resolve("mnist-t10k-0-label7.png"), 28, 28, 1, false);
    double mean = 0;
    for (int i = 0; i < 784; i++) {
      mean += Math.abs(x.data()[i] - original.data()[i]);
    }
    assertTrue(mean / 784 < 0.05, "mean abs difference " + mean / 784);
  }

  @Test
  void predictImage_withTheKerasMnistModel_printsTopClasses() {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    PrintStream old = System.out;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    int rc;
    try {
      rc =
          Main.execute(
              "predict",
              "--model",
              "testdata/reference/mnist-basic.keras",
              "--image",
              IMAGES.resolve("mnist-t10k-0-label7.png").toString(),
              "--top-k",
              "2");
    } finally {
      System.setOut(old);
    }
    assertEquals(0, rc);
    String line = out.toString(StandardCharsets.UTF_8).trim();
    assertTrue(line.startsWith("testdata/images/mnist-t10k-0-label7.png:  7 0."), line);
    assertEquals(2, line.split("  ").length - 1, "two classes: " + line);
  }

  @Test
  void rgbImage_hasThreeChannelsInOrder() {
    FloatArray x = Images.load(IMAGES.resolve("cifar-train-0-airplane.png"), 32, 32, 3, false);
    FloatArray fixture =
        Datasets.load("cifar10", Fixtures.testdata().resolve("cifar10-small"))
            .train()
            .x()
            .slice(0, 1);
    Fixtures.assertClose(x.data(), fixture.data(), 1e-6, 0);
  }
}
