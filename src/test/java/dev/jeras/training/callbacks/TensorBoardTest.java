package dev.jeras.training.callbacks;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.JerasException;
import dev.jeras.data.FloatArray;
import dev.jeras.data.IntArray;
import dev.jeras.layers.Dense;
import dev.jeras.layers.Input;
import dev.jeras.layers.SymbolicTensor;
import dev.jeras.models.Model;
import dev.jeras.training.FitOptions;
import dev.jeras.training.History;
import dev.jeras.training.Loss;
import dev.jeras.training.Metric;
import dev.jeras.training.Optimizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.tensorflow.proto.Event;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.Summary;

class TensorBoardTest {
  private static final int N = 8;

  static Model tinyModel() {
    SymbolicTensor in = Input.shape(4);
    Model m = new Model(in, new Dense(3).activation("softmax").apply(in));
    m.seed(7);
    m.compile(Optimizer.adam(), Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
    return m;
  }

  static FloatArray x() {
    Random r = new Random(3);
    float[] d = new float[N * 4];
    for (int i = 0; i < d.length; i++) {
      d[i] = (float) r.nextGaussian();
    }
    return FloatArray.of(d, N, 4);
  }

  static IntArray y() {
    int[] l = new int[N];
    for (int i = 0; i < N; i++) {
      l[i] = i % 3;
    }
    return IntArray.of(l);
  }

  /** tag -> (step -> value) of the scalar events of one file. */
  private static Map<String, Map<Long, Float>> scalars(List<Event> events) {
    Map<String, Map<Long, Float>> out = new TreeMap<>();
    for (Event e : events) {
      if (e.hasSummary()) {
        for (Summary.Value v : e.getSummary().getValueList()) {
          assertEquals(Summary.Value.ValueCase.SIMPLE_VALUE, v.getValueCase(), v.getTag());
          Float old =
              out.computeIfAbsent(v.getTag(), t -> new TreeMap<>())
                  .put(e.getStep(), v.getSimpleValue());
          assertNull(old, "duplicate " + v.getTag() + " at step " + e.getStep());
        }
      }
    }
    return out;
  }

  private static void assertSeries(List<Double> expected, Map<Long, Float> actual, String what) {
    assertEquals(List.of(0L, 1L, 2L), new ArrayList<>(actual.keySet()), what + " steps");
    for (int i = 0; i < expected.size(); i++) {
      assertEquals(
          (float) expected.get(i).doubleValue(), actual.get((long) i), 0f, what + " at " + i);
    }
  }

  @Test
  void fitThreeEpochs_withValidation_writesKerasLayoutWithHistoryValuesAndGraph(@TempDir Path dir)
      throws IOException {
    History h;
    int graphNodes;
    TensorBoard tb;
    try (Model m = tinyModel()) {
      tb = new TensorBoard(dir, m::graphDef);
      h =
          m.fit(
              x(),
              y(),
              new FitOptions()
                  .epochs(3)
                  .batchSize(4)
                  .validationSplit(0.25)
                  .progress(null)
                  .callbacks(tb));
      graphNodes = m.graphDef().getNodeCount();
    }
    Path trainFile = EventFileReader.onlyFile(dir.resolve("train"));
    Path valFile = EventFileReader.onlyFile(dir.resolve("validation"));
    assertEquals(trainFile, tb.trainFile());
    assertEquals(valFile, tb.validationFile());
    long pid = ProcessHandle.current().pid();
    for (Path f : List.of(trainFile, valFile)) {
      String name = f.getFileName().toString();
      assertTrue(
          name.matches("events\\.out\\.tfevents\\.\\d{10}\\.[A-Za-z0-9._-]+\\." + pid + "\\.v2"),
          name);
    }

    List<Event> train = EventFileReader.read(trainFile);
    assertEquals("brain.Event:2", train.get(0).getFileVersion());
    assertTrue(train.get(0).getWallTime() > 1.6e9, "wall time in seconds since the epoch");
    List<Event> graphs = train.stream().filter(e -> !e.getGraphDef().isEmpty()).toList();
    assertEquals(1, graphs.size(), "graph written once");
    GraphDef g = GraphDef.parseFrom(graphs.get(0).getGraphDef());
    assertEquals(graphNodes, g.getNodeCount());
    assertTrue(
        g.getNodeList().stream().anyMatch(n -> n.getName().startsWith("dense")), "dense nodes");

    Map<String, Map<Long, Float>> ts = scalars(train);
    assertEquals(
        List.of("epoch_accuracy", "epoch_learning_rate", "epoch_loss"),
        new ArrayList<>(ts.keySet()));
    assertSeries(h.get("loss"), ts.get("epoch_loss"), "train loss");
    assertSeries(h.get("accuracy"), ts.get("epoch_accuracy"), "train accuracy");
    assertSeries(List.of(0.001, 0.001, 0.001), ts.get("epoch_learning_rate"), "learning rate");

    List<Event> val = EventFileReader.read(valFile);
    assertEquals("brain.Event:2", val.get(0).getFileVersion());
    assertTrue(val.stream().allMatch(e -> e.getGraphDef().isEmpty()), "no graph in validation");
    Map<String, Map<Long, Float>> vs = scalars(val);
    assertEquals(List.of("epoch_accuracy", "epoch_loss"), new ArrayList<>(vs.keySet()));
    assertSeries(h.get("val_loss"), vs.get("epoch_loss"), "validation loss");
    assertSeries(h.get("val_accuracy"), vs.get("epoch_accuracy"), "validation accuracy");
  }

  @Test
  void fitWithoutValidation_writesNoValidationRun(@TempDir Path dir) throws IOException {
    TensorBoard tb = new TensorBoard(dir);
    try (Model m = tinyModel()) {
      m.fit(x(), y(), new FitOptions().epochs(1).progress(null).callbacks(tb));
    }
    assertFalse(Files.exists(dir.resolve("validation")));
    assertNull(tb.validationFile());
    List<Event> train = EventFileReader.read(EventFileReader.onlyFile(dir.resolve("train")));
    assertTrue(train.stream().allMatch(e -> e.getGraphDef().isEmpty()), "no graph asked for");
    assertEquals(3, scalars(train).size());
  }

  @Test
  void updateFreqOne_logsRunningBatchMeansAtGlobalSteps(@TempDir Path dir) throws IOException {
    TensorBoard tb = new TensorBoard(dir).updateFreq(1);
    try (Model m = tinyModel()) {
      m.fit(x(), y(), new FitOptions().epochs(2).batchSize(4).progress(null).callbacks(tb));
    }
    Map<String, Map<Long, Float>> ts =
        scalars(EventFileReader.read(EventFileReader.onlyFile(dir.resolve("train"))));
    assertEquals(List.of(1L, 2L, 3L, 4L), new ArrayList<>(ts.get("batch_loss").keySet()));
    assertEquals(List.of(1L, 2L, 3L, 4L), new ArrayList<>(ts.get("batch_accuracy").keySet()));
    assertEquals(
        ts.get("epoch_loss").get(0L),
        ts.get("batch_loss").get(2L),
        "epoch 0 mean = last running mean");
  }

  @Test
  void maskedCrc32c_matchesTensorFlowRecordWriter() {
    // values from tensorboard.summary.writer.record_writer.masked_crc32c
    assertEquals(0xa282ead8, EventFileWriter.maskedCrc32c(new byte[0]));
    assertEquals(0xc78ab0e5, EventFileWriter.maskedCrc32c("123456789".getBytes()));
    assertEquals(0x3971f937, EventFileWriter.maskedCrc32c(new byte[] {9, 0, 0, 0, 0, 0, 0, 0}));
  }

  @Test
  void twoWritersSameSecondSameDir_getDistinctFiles(@TempDir Path dir) throws IOException {
    try (EventFileWriter a = EventFileWriter.create(dir);
        EventFileWriter b = EventFileWriter.create(dir)) {
      assertNotEquals(a.file(), b.file());
      a.scalar("x", 0, 1.5);
    }
    assertEquals(2, Files.list(dir).count());
  }

  @Test
  void logDirIsAFile_throwsJerasExceptionNamingIt(@TempDir Path dir) throws IOException {
    Path file = Files.writeString(dir.resolve("not-a-dir"), "x");
    TensorBoard tb = new TensorBoard(file);
    JerasException e = assertThrows(JerasException.class, () -> tb.onTrainBegin(null));
    assertTrue(e.getMessage().contains(file.toString()), e.getMessage());
  }

  @Test
  void writeAfterClose_throwsJerasExceptionNamingFile(@TempDir Path dir) {
    EventFileWriter w = EventFileWriter.create(dir);
    w.close();
    w.close();
    JerasException e = assertThrows(JerasException.class, () -> w.scalar("x", 0, 1));
    assertTrue(e.getMessage().contains(w.file().toString()), e.getMessage());
  }
}
