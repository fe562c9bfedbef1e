package dev.jeras.training;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.JerasException;
import dev.jeras.data.Batch;
import dev.jeras.data.BatchIterator;
import dev.jeras.data.Datasets;
import dev.jeras.data.FloatArray;
import dev.jeras.data.ImageFolder;
import dev.jeras.data.ImageFolderOptions;
import dev.jeras.data.IntArray;
import dev.jeras.internal.Tensors;
import dev.jeras.layers.Conv2D;
import dev.jeras.layers.Dense;
import dev.jeras.layers.Flatten;
import dev.jeras.layers.Input;
import dev.jeras.layers.MaxPooling2D;
import dev.jeras.layers.SymbolicTensor;
import dev.jeras.models.Model;
import dev.jeras.testing.Fixtures;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.tensorflow.types.TInt32;

/**
 * fit, evaluate and predict on an image folder: the same results as on the same pixels held in
 * arrays (same seed, same order), learning on the committed fixture, the data wait measured.
 */
class StreamingFitTest {
  private static final Path FIXTURE = Path.of("testdata", "image-folder", "cifar10-small");

  private static ImageFolderOptions options() {
    return new ImageFolderOptions().imageSize(32, 32).batchSize(16).scale(1 / 255.0).seed(3);
  }

  private static Model cnn(long seed) {
    SymbolicTensor in = Input.shape(32, 32, 3);
    SymbolicTensor x = new Conv2D(8, 3).activation("relu").apply(in);
    x = new MaxPooling2D().apply(x);
    x = new Flatten().apply(x);
    Model m = new Model(in, new Dense(10).activation("softmax").apply(x));
    m.seed(seed);
    m.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
    return m;
  }

  /** The whole subset as arrays, in its natural order. */
  private static FloatArray[] arrays(ImageFolder f, List<Integer> labels) {
    List<float[]> parts = new ArrayList<>();
    try (BatchIterator it = f.batches()) {
      for (Batch next = it.next(); next != null; next = it.next()) {
        try (Batch b = next) {
          parts.add(Tensors.toFloats(b.features()));
          int[] y = new int[b.size()];
          ((TInt32) b.targets()).asRawTensor().data().asInts().read(y);
          for (int v : y) {
            labels.add(v);
          }
        }
      }
    }
    float[] all = new float[f.size() * 32 * 32 * 3];
    int at = 0;
    for (float[] p : parts) {
      System.arraycopy(p, 0, all, at, p.length);
      at += p.length;
    }
    return new FloatArray[] {FloatArray.of(all, f.size(), 32, 32, 3)};
  }

  @Test
  void fitOnFolder_equalsFitOnTheSamePixelsAsArrays_sameSeedSameOrder() {
    ImageFolder.Split data = Datasets.imageFolder(FIXTURE, options());
    List<Integer> labels = new ArrayList<>();
    FloatArray x = arrays(data.train(), labels)[0];
    IntArray y = IntArray.of(labels.stream().mapToInt(Integer::intValue).toArray());
    FitOptions fit = new FitOptions().epochs(2).batchSize(16).seed(11).progress(null);
    try (Model streamed = cnn(7);
        Model inMemory = cnn(7)) {
      History hs = streamed.fit(data.train(), fit);
      History ha = inMemory.fit(x, y, fit);
      assertEquals(ha.get("loss"), hs.get("loss"));
      List<FloatArray> ws = streamed.getWeights();
      List<FloatArray> wa = inMemory.getWeights();
      for (int i = 0; i < ws.size(); i++) {
        assertArrayEquals(wa.get(i).data(), ws.get(i).data(), "weight " + i);
      }
      Map<String, Double> es = streamed.evaluate(data.test());
      List<Integer> testLabels = new ArrayList<>();
      FloatArray tx = arrays(data.test(), testLabels)[0];
      Map<String, Double> ea =
          streamed.evaluate(
              tx, IntArray.of(testLabels.stream().mapToInt(Integer::intValue).toArray()), 16);
      assertEquals(ea.get("loss"), es.get("loss"), 1e-6);
      assertEquals(ea.get("accuracy"), es.get("accuracy"), 1e-9);
      FloatArray ps = streamed.predict(data.test());
      FloatArray pa = streamed.predict(tx, 16);
      assertArrayEquals(pa.shape(), ps.shape());
      Fixtures.assertClose(ps.data(), pa.data(), 1e-6, 0);
    }
  }

  @Test
  void fitOnFolder_learns_reportsValidationAndDataWait() {
    ImageFolder.Split data =
        Datasets.imageFolder(FIXTURE.resolve("train"), options().validationSplit(0.2));
    try (Model m = cnn(1)) {
      List<Double> waits = new ArrayList<>();
      History h =
          m.fit(
              data.train(),
              new FitOptions()
                  .epochs(6)
                  .seed(2)
                  .validationData(data.validation())
                  .progress(null)
                  .callbacks(
                      new Callback() {
                        @Override
                        public void onEpochEnd(int e, Map<String, Double> logs, FitState s) {
                          waits.add(s.dataWaitFraction());
                        }
                      }));
      assertEquals(6, h.epochCount());
      assertTrue(h.keys().contains("val_loss"), h.keys()::toString);
      assertTrue(h.last("loss") < h.get("loss").get(0) * 0.8, "loss falls: " + h.get("loss"));
      assertEquals(waits, h.dataWaitFractions());
      for (double w : waits) {
        assertTrue(w > 0 && w < 1, "a fraction of the epoch: " + waits);
      }
      assertEquals(
          15 * 6, m.optimizerState().iterations(), "240 images in batches of 16, 6 epochs");
    }
  }

  @Test
  void mismatches_giveClearErrors() {
    ImageFolder.Split data = Datasets.imageFolder(FIXTURE, options().imageSize(28, 28));
    try (Model m = cnn(1)) {
      JerasException shape =
          assertThrows(JerasException.class, () -> m.fit(data.train(), new FitOptions()));
      assertTrue(
          shape
              .getMessage()
              .contains("expects (None, 32, 32, 3), got samples of shape (28, 28, 3)"),
          shape::getMessage);
      ImageFolder oneHot =
          Datasets.imageFolder(FIXTURE, options().labelMode("categorical")).train();
      JerasException labels =
          assertThrows(JerasException.class, () -> m.fit(oneHot, new FitOptions()));
      assertTrue(
          labels.getMessage().contains("expects class indices (label mode int)"),
          labels::getMessage);
      ImageFolder ok = Datasets.imageFolder(FIXTURE, options()).train();
      JerasException split =
          assertThrows(
              JerasException.class, () -> m.fit(ok, new FitOptions().validationSplit(0.1)));
      assertTrue(
          split.getMessage().contains("validation split works on arrays"), split::getMessage);
    }
  }
}
