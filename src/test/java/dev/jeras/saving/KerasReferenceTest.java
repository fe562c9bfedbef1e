package dev.jeras.saving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.backend.EngineOptions;
import dev.jeras.backend.KernelPolicy;
import dev.jeras.backend.KernelSite;
import dev.jeras.data.FloatArray;
import dev.jeras.data.IntArray;
import dev.jeras.models.Model;
import dev.jeras.testing.Fixtures;
import dev.jeras.training.FitOptions;
import dev.jeras.training.Optimizer;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Java against Python Keras: the reference models trained and saved by Keras 3.15.1
 * (scripts/make_reference_models.py, testdata/reference/) predict Keras' own outputs within 1e-5
 * absolute, whether imported from .keras or loaded as Keras-exported SavedModels.
 */
class KerasReferenceTest {
  static final Path REF = Path.of("testdata", "reference");
  static final double ATOL = 1e-5;

  static FloatArray x(String name) {
    return Npy.readFloats(REF.resolve(name + "_x.npy"));
  }

  static FloatArray y(String name) {
    return Npy.readFloats(REF.resolve(name + "_y.npy"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"mnist-basic", "cifar10-bn", "cifar10-functional"})
  void kerasFile_importedInJava_predictsKerasOutputs(String name) {
    try (Model m = KerasFile.load(REF.resolve(name + ".keras"))) {
      FloatArray got = m.predict(x(name), 8);
      assertEquals(List.of(8L, 10L), java.util.Arrays.stream(got.shape()).boxed().toList());
      double diff = Fixtures.maxAbsDiff(got.data(), y(name).data());
      assertTrue(diff <= ATOL, name + ": max |java - keras| = " + diff);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"mnist-basic", "cifar10-bn", "cifar10-functional"})
  void kerasSavedModel_loadedInJava_predictsKerasOutputs(String name) {
    EngineOptions pinned =
        EngineOptions.builtIn()
            .withKernels(KernelPolicy.TENSORFLOW)
            .withKernelCache(null)
            .withKernel(KernelSite.CONV_POOL, "native")
            .withKernel(KernelSite.CONV, "onednn");
    try (LoadedSavedModel m = LoadedSavedModel.load(REF.resolve(name + "_savedmodel"), pinned)) {
      assertEquals(1, m.inputNames().size());
      assertTrue(m.inputNames().get(0).startsWith("keras_tensor"), m.inputNames().toString());
      FloatArray got = m.predict(x(name), 3);
      double diff = Fixtures.maxAbsDiff(got.data(), y(name).data());
      assertTrue(diff <= ATOL, name + ": max |java - keras| = " + diff);
      // Keras' export calls functions; inlined into the CPU copy, MNIST's two convolutions run
      // with the max pool after each in jeras' fused kernel, and every other convolution on oneDNN
      boolean mnist = name.equals("mnist-basic");
      assertEquals(mnist ? 2 : 0, m.kernels().count(KernelSite.CONV_POOL, "native"), name);
      assertEquals(mnist ? 0 : 4, m.kernels().count(KernelSite.CONV, "onednn"), name);
    }
  }

  @Test
  void legacyH5_importedInJava_predictsKerasOutputs() {
    try (Model m = LegacyH5.load(REF.resolve("mnist-basic_legacy.h5"))) {
      double diff =
          Fixtures.maxAbsDiff(m.predict(x("mnist-basic"), 8).data(), y("mnist-basic").data());
      assertTrue(diff <= ATOL, "max |java - keras| = " + diff);
    }
  }

  @Test
  void compiledKerasFile_arrivesCompiledWithAdamState_andTrainsFurther() {
    try (Model m = KerasFile.load(REF.resolve("mnist-basic.keras"))) {
      assertTrue(m.isCompiled());
      Optimizer.Adam adam = (Optimizer.Adam) m.optimizer();
      assertEquals(1e-3, adam.learningRate(), 1e-9);
      assertEquals(1e-7, adam.epsilon(), 1e-12);
      assertEquals(32, m.optimizerState().iterations(), "Keras ran ceil(2000/64) = 32 steps");
      var data = Fixtures.mnistSmall();
      double before = m.evaluate(data.test().x(), data.test().y()).get("loss");
      m.fit(
          data.train().x(),
          data.train().y(),
          new FitOptions().epochs(1).batchSize(64).seed(1).progress(null));
      assertEquals(64, m.optimizerState().iterations());
      double after = m.evaluate(data.test().x(), data.test().y()).get("loss");
      assertTrue(after < before, "training continued: loss " + before + " -> " + after);
    }
  }

  @Test
  void pythonNpy_readsAsFloat32WithShape() {
    FloatArray x = x("cifar10-bn");
    assertEquals("(8, 32, 32, 3)", dev.jeras.data.NumericArray.format(x.shape()));
    assertTrue(x.data()[0] >= 0 && x.data()[0] <= 1);
    IntArray labels = IntArray.of(new int[] {1, 2});
    assertEquals(2, labels.count());
  }
}
