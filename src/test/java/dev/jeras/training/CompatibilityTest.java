package dev.jeras.training;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jeras.backend.EngineOptions;
import dev.jeras.backend.KernelPolicy;
import dev.jeras.data.Dataset;
import dev.jeras.layers.BatchNormalization;
import dev.jeras.layers.Conv2D;
import dev.jeras.layers.Dense;
import dev.jeras.layers.Flatten;
import dev.jeras.layers.Input;
import dev.jeras.layers.MaxPooling2D;
import dev.jeras.models.Model;
import dev.jeras.models.Sequential;
import dev.jeras.saving.ModelFiles;
import dev.jeras.saving.Npy;
import dev.jeras.testing.Fixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Files written by an older jeras (testdata/compat, made by scripts/make_compat_fixtures with the
 * commit named in testdata/compat/COMMIT): its training checkpoints resume, and its .keras files
 * load with their optimizer state and continue, to the weights that jeras reached from them.
 */
class CompatibilityTest {
  private static final Path DIR = Fixtures.testdata().resolve("compat");
  private static final EngineOptions TENSORFLOW_KERNELS =
      EngineOptions.defaults().withKernels(KernelPolicy.TENSORFLOW);

  @TempDir Path tmp;

  /** The model of scripts/compat/MakeCompatFixtures.java. */
  private static Sequential model(Optimizer o) {
    Sequential m =
        new Sequential(
            Input.shape(28, 28, 1),
            new MaxPooling2D(4, 4),
            new Conv2D(4, 3).activation("relu"),
            new BatchNormalization(),
            new Flatten(),
            new Dense(10).activation("softmax"));
    m.seed(5);
    m.engineOptions(TENSORFLOW_KERNELS);
    m.compile(o, Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
    return m;
  }

  private static Optimizer optimizer(String name) {
    return switch (name) {
      case "adam" -> Optimizer.adam();
      case "sgd" -> Optimizer.sgd(0.05, 0.9, true);
      default -> Optimizer.rmsprop();
    };
  }

  private static FitOptions options(int epochs) {
    return new FitOptions().epochs(epochs).batchSize(50).seed(3).progress(null);
  }

  private static Dataset train() {
    return Fixtures.mnistSmall().train().limit(300);
  }

  @ParameterizedTest
  @ValueSource(strings = {"adam", "sgd", "rmsprop"})
  void oldCheckpoint_resumes_toTheOldRunsWeights(String name) throws IOException {
    Path dir = tmp.resolve("ckpt");
    copyTree(DIR.resolve(name + "-checkpoint"), dir);
    Dataset train = train();
    try (Model m = model(optimizer(name))) {
      m.fit(train.x(), train.y(), options(3).checkpointDir(dir).resume(true));
      assertEquals(18, m.optimizerState().iterations(), "12 steps restored, 6 taken");
      Fixtures.assertClose(
          Fixtures.flatten(m.getWeights()),
          Npy.readFloats(DIR.resolve(name + "-resumed.npy")).data(),
          1e-5,
          1e-4);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"adam", "sgd", "rmsprop"})
  void oldKerasFile_loadsAndContinues_toTheOldRunsWeights(String name) {
    Dataset train = train();
    try (Model m = ModelFiles.load(DIR.resolve(name + ".keras"))) {
      m.engineOptions(TENSORFLOW_KERNELS);
      // the jeras of that day wrote no RMSprop state: that one starts afresh
      assertEquals(name.equals("rmsprop") ? 0 : 12, m.optimizerState().iterations());
      m.fit(train.x(), train.y(), options(1));
      Fixtures.assertClose(
          Fixtures.flatten(m.getWeights()),
          Npy.readFloats(DIR.resolve(name + "-keras-continued.npy")).data(),
          1e-5,
          1e-4);
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Files.copy(p, to.resolve(from.relativize(p).toString()));
      }
    }
  }
}
