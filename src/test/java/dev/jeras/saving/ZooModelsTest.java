package dev.jeras.saving;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.data.FloatArray;
import dev.jeras.layers.Activation;
import dev.jeras.layers.Conv2D;
import dev.jeras.layers.Input;
import dev.jeras.layers.Layer;
import dev.jeras.layers.Softmax;
import dev.jeras.layers.SymbolicTensor;
import dev.jeras.models.Model;
import dev.jeras.testing.Fixtures;
import dev.jeras.training.FitOptions;
import dev.jeras.training.History;
import dev.jeras.training.Loss;
import dev.jeras.training.Optimizer;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Keras-made models that use the layers of issue 20 (part 1) together
 * (scripts/make_layer_goldens.py: a LeNet ending in a Softmax layer, a small U-Net with LeakyReLU,
 * PReLU, UpSampling2D, Cropping2D and Concatenate, a mix of merges, reshapes and activations):
 * loaded from .keras they predict Keras' outputs; written back by jeras (.keras, JSON + weights,
 * SavedModel) they predict the same; they train.
 */
class ZooModelsTest {
  static final Path DIR = Path.of("testdata", "layers", "models");
  static final double ATOL = 1e-5;

  @TempDir Path tmp;

  static FloatArray x(String name) {
    return Npy.readFloats(Fixtures.testdata().resolve("layers/models/" + name + "_x.npy"));
  }

  static FloatArray y(String name) {
    return Npy.readFloats(DIR.resolve(name + "_y.npy"));
  }

  @ParameterizedTest
  @ValueSource(strings = {"lenet_softmax", "unet_small", "zoo_mix"})
  void kerasFile_importedInJava_predictsKerasOutputs(String name) {
    try (Model m = KerasFile.load(DIR.resolve(name + ".keras"))) {
      FloatArray got = m.predict(x(name), 4);
      assertEquals(Arrays.toString(y(name).shape()), Arrays.toString(got.shape()), name);
      double diff = Fixtures.maxAbsDiff(got.data(), y(name).data());
      System.out.printf("zoo model %-14s .keras -> jeras max|diff| %.2e%n", name, diff);
      assertTrue(diff <= ATOL, name + ": max |java - keras| = " + diff);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"lenet_softmax", "unet_small", "zoo_mix"})
  void writtenByJeras_kerasJsonAndSavedModel_predictKerasOutputs(String name) {
    try (Model m = KerasFile.load(DIR.resolve(name + ".keras"))) {
      Path keras = tmp.resolve(name + ".keras");
      Path json = tmp.resolve(name + ".json");
      Path saved = tmp.resolve(name + "_savedmodel");
      ModelFiles.save(m, keras);
      ModelFiles.save(m, json);
      SavedModels.export(m, saved);
      for (Path p : List.of(keras, json)) {
        try (Model back = ModelFiles.load(p)) {
          assertEquals(layerConfigs(m), layerConfigs(back), p + ": layer configs");
          double diff = Fixtures.maxAbsDiff(back.predict(x(name), 4).data(), y(name).data());
          assertTrue(diff <= ATOL, p + ": max |java - keras| = " + diff);
        }
      }
      try (LoadedSavedModel sm = LoadedSavedModel.load(saved)) {
        double diff =
            Fixtures.maxAbsDiff(sm.predict(List.of(x(name)), 4).get(0).data(), y(name).data());
        System.out.printf("zoo model %-14s jeras SavedModel max|diff| %.2e%n", name, diff);
        assertTrue(diff <= ATOL, name + " SavedModel: max |java - keras| = " + diff);
      }
    }
  }

  @org.junit.jupiter.api.Test
  void weightsFile_modelEndingInLayersWithoutWeights_readsBack() {
    // jHDF appends its version string after the last dataset: a group written after it broke
    SymbolicTensor in = Input.shape(6, 6, 3);
    SymbolicTensor x = new Conv2D(4, 3).useBias(false).apply(in);
    x = new Softmax().apply(new Activation("relu").apply(x));
    Path file = tmp.resolve("w.weights.h5");
    try (Model m = new Model(in, x)) {
      m.seed(5);
      WeightsH5.write(m, file);
      SymbolicTensor in2 = Input.shape(6, 6, 3);
      SymbolicTensor y = new Conv2D(4, 3).useBias(false).apply(in2);
      y = new Softmax().apply(new Activation("relu").apply(y));
      try (Model back = new Model(in2, y)) {
        back.seed(6);
        ModelFiles.loadWeights(back, file);
        assertTrue(Arrays.equals(m.getWeights().get(0).data(), back.getWeights().get(0).data()));
      }
    }
  }

  private static List<Object> layerConfigs(Model m) {
    return m.layers().stream().map(l -> (Object) (l.className() + l.getConfig())).toList();
  }

  @ParameterizedTest
  @ValueSource(strings = {"lenet_softmax", "unet_small", "zoo_mix"})
  void summary_namesEveryLayerClass(String name) {
    try (Model m = KerasFile.load(DIR.resolve(name + ".keras"))) {
      String s = m.summary();
      for (Layer l : m.layers()) {
        // long names are cut to the column, as Keras does: compare the start
        String cls = "(" + l.className().substring(0, Math.min(12, l.className().length()));
        assertTrue(s.contains(cls), name + " summary lacks " + l.className() + ":\n" + s);
      }
      assertTrue(s.contains(String.format("%,d", m.countParams())), s);
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"lenet_softmax", "unet_small", "zoo_mix"})
  void loadedModel_trainsOneEpoch_everyWeightMoves(String name) {
    try (Model m = KerasFile.load(DIR.resolve(name + ".keras"))) {
      FloatArray x = x(name);
      FloatArray target = y(name);
      float[] t = target.data().clone();
      Random rng = new Random(7);
      for (int i = 0; i < t.length; i++) {
        t[i] += (float) (0.1 * rng.nextGaussian());
      }
      m.seed(3);
      m.compile(Optimizer.adam(1e-2), Loss.meanSquaredError());
      List<FloatArray> before = m.getWeights();
      History h =
          m.fit(
              x,
              FloatArray.of(t, target.shape()),
              new FitOptions().epochs(2).batchSize(2).shuffle(false).progress(null));
      assertEquals(List.of(), m.weightsWithoutGradient(), name);
      List<Double> losses = h.get("loss");
      assertTrue(losses.stream().allMatch(Double::isFinite), name + " losses " + losses);
      List<FloatArray> after = m.getWeights();
      for (int i = 0; i < before.size(); i++) {
        assertFalse(
            Arrays.equals(before.get(i).data(), after.get(i).data()),
            name + ": weight " + m.network().weights().get(i).path() + " did not move");
      }
    }
  }
}
