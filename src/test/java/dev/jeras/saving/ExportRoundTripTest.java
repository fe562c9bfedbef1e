package dev.jeras.saving;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.data.Dataset;
import dev.jeras.data.FloatArray;
import dev.jeras.models.Builtins;
import dev.jeras.models.Model;
import dev.jeras.models.Predictor;
import dev.jeras.testing.Fixtures;
import dev.jeras.training.FitOptions;
import dev.jeras.training.Loss;
import dev.jeras.training.Metric;
import dev.jeras.training.Optimizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A jeras-trained model's exports reload in Java with identical predictions. */
class ExportRoundTripTest {
  @TempDir Path tmp;

  @Test
  void trainedBnModel_keras_json_savedModel_allReloadIdentical() {
    Dataset train =
        dev.jeras.data.Datasets.load("cifar10", Fixtures.testdata().resolve("cifar10-small"))
            .train();
    FloatArray x = train.x().slice(0, 16);
    try (Model m = Builtins.create("cifar10-functional")) {
      m.seed(5);
      m.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
      m.fit(
          train.x().slice(0, 64),
          train.y().slice(0, 64),
          new FitOptions().epochs(1).batchSize(32).progress(null));
      float[] expected = m.predict(x, 16).data();
      List<FloatArray> weights = m.getWeights();

      Path keras = tmp.resolve("m.keras");
      Path json = tmp.resolve("m.json");
      Path sm = tmp.resolve("m_savedmodel");
      ModelFiles.save(m, keras);
      ModelFiles.save(m, json);
      ModelFiles.save(m, sm);
      assertTrue(Files.isRegularFile(tmp.resolve("m.weights.h5")));

      for (Path p : List.of(keras, json, sm)) {
        try (Model back = ModelFiles.load(p)) {
          assertArrayEquals(expected, back.predict(x, 16).data(), "predictions from " + p);
          assertArrayEquals(
              Fixtures.flatten(weights), Fixtures.flatten(back.getWeights()), "weights from " + p);
        }
      }
      try (Predictor p = ModelFiles.loadPredictor(sm)) {
        assertEquals(List.of("input_layer"), p.inputNames());
        assertEquals(List.of("output_0"), p.outputNames());
        // on the CPU with oneDNN off this runs a copy of the graph with the weights as constants
        // (CpuInferenceGraph), which TensorFlow's optimizer may arrange differently: an ulp apart
        Fixtures.assertClose(p.predict(x, 16).data(), expected, 1e-6, 1e-6);
      }
      try (Model back = KerasFile.load(keras)) {
        assertTrue(back.isCompiled(), "compile_config travels in .keras");
        assertEquals(m.optimizerState().iterations(), back.optimizerState().iterations());
        var a = m.optimizerState();
        var b = back.optimizerState();
        assertEquals(a.slots().size(), b.slots().size());
        assertArrayEquals(Fixtures.flatten(a.slots()), Fixtures.flatten(b.slots()));
      }
    }
  }
}
