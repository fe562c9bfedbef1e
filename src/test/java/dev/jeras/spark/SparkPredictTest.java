package dev.jeras.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.JerasException;
import dev.jeras.backend.EngineOptions;
import dev.jeras.backend.KernelPolicy;
import dev.jeras.data.FloatArray;
import dev.jeras.data.Images;
import dev.jeras.layers.Dense;
import dev.jeras.layers.Input;
import dev.jeras.layers.SymbolicTensor;
import dev.jeras.models.Model;
import dev.jeras.models.Predictor;
import dev.jeras.saving.ModelFiles;
import dev.jeras.testing.Fixtures;
import dev.jeras.testing.TestSpark;
import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import javax.imageio.ImageIO;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Scoring on the tests' embedded Spark ({@link TestSpark}: two task threads, a failed task tried
 * once more) against the same model's single-process predict.
 */
class SparkPredictTest {
  private static final Path MNIST_SAVEDMODEL =
      Path.of("testdata", "reference", "mnist-basic_savedmodel");
  private static final int ROWS = 2000;

  /** 2 partitions of 1,000 rows in 5 batches each: the batches single-process predict makes. */
  private static final int BATCH = 200;

  private static final PredictOptions FIXED =
      PredictOptions.defaults().withBatchSize(BATCH).withKernels(KernelPolicy.FIXED);

  @TempDir static Path dir;

  private static SparkSession spark;
  private static float[] pixels;
  private static Path parquet;
  private static float[] expected;

  @BeforeAll
  static void start() {
    spark = TestSpark.session();
    pixels = Fixtures.mnistSmall().train().x().data();
    List<Row> rows = new ArrayList<>();
    for (int i = 0; i < ROWS; i++) {
      rows.add(RowFactory.create((long) i, sample(i)));
    }
    StructType schema =
        new StructType()
            .add("id", DataTypes.LongType, false)
            .add("x", DataTypes.createArrayType(DataTypes.FloatType, false), false);
    parquet = dir.resolve("mnist.parquet");
    // A local list is split into contiguous halves: two files, ids 0-999 and 1000-1999.
    spark.createDataFrame(rows, schema).write().parquet(parquet.toString());
    expected = singleProcess(MNIST_SAVEDMODEL, pixels.clone(), ROWS, 28, 28, 1);
  }

  @AfterAll
  static void closeModels() {
    ExecutorModels.closeAll();
  }

  private static float[] sample(int i) {
    float[] s = new float[784];
    System.arraycopy(pixels, i * 784, s, 0, 784);
    return s;
  }

  /** Single-process predict with the options Spark's tasks use. */
  private static float[] singleProcess(Path model, float[] x, int n, long... sampleDims) {
    EngineOptions o =
        ExecutorModels.engineOptions(FIXED, model.toAbsolutePath(), 2, 1)
            .withKernels(KernelPolicy.FIXED);
    long[] shape = new long[sampleDims.length + 1];
    shape[0] = n;
    System.arraycopy(sampleDims, 0, shape, 1, sampleDims.length);
    try (Predictor p = ModelFiles.loadPredictor(model, o)) {
      return p.predict(FloatArray.of(x, shape), BATCH).data();
    }
  }

  private static Map<Long, Row> byId(List<Row> rows) {
    Map<Long, Row> m = new TreeMap<>();
    for (Row r : rows) {
      assertNull(m.put(r.getLong(r.fieldIndex("id")), r), "row id twice: " + r);
    }
    return m;
  }

  private static float[] prediction(Row r) {
    List<Float> p = r.getList(r.fieldIndex(JerasSpark.PREDICTION));
    float[] f = new float[p.size()];
    for (int i = 0; i < f.length; i++) {
      f[i] = p.get(i);
    }
    return f;
  }

  private static int argmax(float[] v, int from, int n) {
    int best = 0;
    for (int k = 1; k < n; k++) {
      if (v[from + k] > v[from + best]) {
        best = k;
      }
    }
    return best;
  }

  private static void assertMnistScores(Map<Long, Row> got) {
    assertEquals(ROWS, got.size());
    for (long id = 0; id < ROWS; id++) {
      Row r = got.get(id);
      assertNotNull(r, "row id=" + id + " is missing");
      float[] e = new float[10];
      System.arraycopy(expected, (int) id * 10, e, 0, 10);
      assertArrayEquals(e, prediction(r), "row id=" + id); // exact: bit-identical floats
      assertEquals(argmax(e, 0, 10), r.getInt(r.fieldIndex(JerasSpark.LABEL)), "row id=" + id);
    }
  }

  @Test
  void mnistParquet_scoresBitIdenticalToSingleProcessPredict() {
    Dataset<Row> df = spark.read().parquet(parquet.toString());
    Dataset<Row> scored =
        JerasSpark.predict(df, ModelSource.path(MNIST_SAVEDMODEL.toString()), FIXED);
    assertEquals(List.of("id", "x", "prediction", "label"), List.of(scored.schema().fieldNames()));
    assertEquals(2, df.rdd().getNumPartitions());
    assertMnistScores(byId(scored.drop("x").collectAsList()));
  }

  @Test
  void taskFailingMidPartition_isRetried_andEveryRowIsWrittenOnce() {
    Dataset<Row> scored =
        JerasSpark.predict(
            spark.read().parquet(parquet.toString()),
            ModelSource.path(MNIST_SAVEDMODEL.toString()),
            FIXED);
    // The first attempt of partition 0 dies after 300 scored rows (two batches in); Spark runs
    // the task again and the Parquet commit keeps only the successful attempt's file.
    MapPartitionsFunction<Row, Row> failOnce =
        rows -> {
          TaskContext t = TaskContext.get();
          List<Row> out = new ArrayList<>();
          while (rows.hasNext()) {
            out.add(rows.next());
            if (t.partitionId() == 0 && t.attemptNumber() == 0 && out.size() == 300) {
              throw new IllegalStateException("killed on purpose mid-partition");
            }
          }
          return out.iterator();
        };
    Path out = dir.resolve("retried.parquet");
    scored
        .drop("x")
        .mapPartitions(failOnce, Encoders.row(scored.drop("x").schema()))
        .write()
        .parquet(out.toString());
    assertMnistScores(byId(spark.read().parquet(out.toString()).collectAsList()));
  }

  private Dataset<Row> badRows() {
    float[] nan = sample(2);
    nan[17] = Float.NaN;
    List<Row> rows =
        List.of(
            RowFactory.create(0L, sample(0)),
            RowFactory.create(1L, new float[783]),
            RowFactory.create(2L, nan),
            RowFactory.create(3L, null),
            RowFactory.create(4L, sample(4)));
    StructType schema =
        new StructType()
            .add("id", DataTypes.LongType, false)
            .add("x", DataTypes.createArrayType(DataTypes.FloatType, false), true);
    return spark.createDataFrame(rows, schema).coalesce(1);
  }

  @Test
  void badRow_failsTheJob_withTheRowIdAndReason() {
    Dataset<Row> scored =
        JerasSpark.predict(badRows(), ModelSource.path(MNIST_SAVEDMODEL.toString()), FIXED);
    Exception e = assertThrows(Exception.class, scored::collectAsList);
    JerasException cause = rootJeras(e);
    assertNotNull(cause, "no JerasException in " + e);
    assertEquals(
        "row id=1: x: expected 784 values (a sample of shape (28, 28, 1)), got 783"
            + " (--on-bad-row skip writes it with a null prediction)",
        cause.getMessage());
  }

  @Test
  void badRows_skipped_haveNullPredictionsAndTheirErrors() {
    Dataset<Row> scored =
        JerasSpark.predict(
            badRows(),
            ModelSource.path(MNIST_SAVEDMODEL.toString()),
            FIXED.withOnBadRow(BadRowPolicy.SKIP));
    Map<Long, Row> got = byId(scored.collectAsList());
    assertEquals(5, got.size());
    float[] good = new float[784 * 2];
    System.arraycopy(sample(0), 0, good, 0, 784);
    System.arraycopy(sample(4), 0, good, 784, 784);
    float[] want = singleProcess(MNIST_SAVEDMODEL, good, 2, 28, 28, 1);
    assertArrayEquals(java.util.Arrays.copyOfRange(want, 0, 10), prediction(got.get(0L)));
    assertArrayEquals(java.util.Arrays.copyOfRange(want, 10, 20), prediction(got.get(4L)));
    assertNull(got.get(0L).getAs("error"));
    assertEquals(
        "row id=1: x: expected 784 values (a sample of shape (28, 28, 1)), got 783",
        got.get(1L).getAs("error"));
    assertEquals(
        "row id=2: x: value 17 is NaN (NaN and infinite inputs are refused)",
        got.get(2L).getAs("error"));
    assertEquals("row id=3: x is null", got.get(3L).getAs("error"));
    for (long id = 1; id <= 3; id++) {
      assertNull(got.get(id).getAs("prediction"), "row id=" + id);
      assertNull(got.get(id).getAs("label"), "row id=" + id);
    }
  }

  @Test
  void imageBytes_fromBinaryFile_scoreLikeTheDecodedPixels() throws Exception {
    Path images = Files.createDirectories(dir.resolve("images"));
    int n = 12;
    float[] raw = new float[n * 784];
    for (int i = 0; i < n; i++) {
      BufferedImage img = new BufferedImage(28, 28, BufferedImage.TYPE_BYTE_GRAY);
      for (int p = 0; p < 784; p++) {
        int v = Math.round(pixels[i * 784 + p] * 255);
        img.getRaster().setSample(p % 28, p / 28, 0, v);
        raw[i * 784 + p] = v * (1f / 255); // what decoding and scaling gives
      }
      ImageIO.write(img, "png", images.resolve(String.format("digit-%02d.png", i)).toFile());
    }
    Files.write(images.resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
    byte[] digit = Files.readAllBytes(images.resolve("digit-00.png"));
    Files.write(images.resolve("truncated.png"), java.util.Arrays.copyOf(digit, 40));
    byte[] bomb = java.util.Arrays.copyOf(digit, 33); // a PNG header declaring 46000x46000
    java.nio.ByteBuffer.wrap(bomb, 16, 8).putInt(46000).putInt(46000);
    Files.write(images.resolve("bomb.png"), bomb);
    // a 24-bit BMP for a grayscale model: converted as image folders convert it
    Path bmp = Path.of("testdata", "image-folder", "special", "bmp-24.bmp");
    Files.copy(bmp, images.resolve("colour.bmp"));
    Dataset<Row> df = spark.read().format("binaryFile").load(images.toString());
    Dataset<Row> scored =
        JerasSpark.predict(
            df,
            ModelSource.path(MNIST_SAVEDMODEL.toString()),
            FIXED.withOnBadRow(BadRowPolicy.SKIP));
    float[] want = singleProcess(MNIST_SAVEDMODEL, raw, n, 28, 28, 1);
    Map<String, Row> got = new TreeMap<>();
    for (Row r : scored.drop("content").collectAsList()) {
      got.put(Path.of(java.net.URI.create(r.getAs("path"))).getFileName().toString(), r);
    }
    assertEquals(n + 4, got.size());
    for (int i = 0; i < n; i++) {
      Row r = got.get(String.format("digit-%02d.png", i));
      // Spark splits the files into batches of its own: the same pixels, other batch boundaries
      // (the kernels' float rounding may differ in the last bit with the batch's size).
      Fixtures.assertClose(
          prediction(r), java.util.Arrays.copyOfRange(want, i * 10, i * 10 + 10), 1e-6, 1e-5);
      assertEquals(argmax(want, i * 10, 10), (int) r.getAs("label"), "image " + i);
    }
    float[] colour =
        singleProcess(MNIST_SAVEDMODEL, Images.load(bmp, 28, 28, 1, false).data(), 1, 28, 28, 1);
    Fixtures.assertClose(colour, prediction(got.get("colour.bmp")), 1e-6, 1e-5);
    assertNull(got.get("colour.bmp").getAs("error"));
    Map<String, String> bad =
        Map.of(
            "broken.png",
            "content: image expected a JPEG, PNG, GIF or BMP file, got content starting with",
            "truncated.png",
            "content: cannot decode the image: ",
            "bomb.png",
            "content: a PNG of 46000x46000 pixels (2,116,000,000) is above the limit of"
                + " 89,478,485 pixels");
    for (Map.Entry<String, String> b : bad.entrySet()) {
      Row r = got.get(b.getKey());
      assertNull(r.getAs("prediction"), b.getKey());
      String error = r.getAs("error");
      String row = "row path=" + r.getAs("path") + ": ";
      assertTrue(error.startsWith(row + b.getValue()), error);
    }
  }

  @Test
  void multiOutputModel_predictionHoldsEveryOutput_labelIsTheFirstsArgmax() {
    SymbolicTensor in = Input.shape(4);
    SymbolicTensor h = new Dense(8).activation("relu").apply(in);
    Path file = dir.resolve("two-heads.keras");
    try (Model m =
        new Model(
            List.of(in),
            List.of(new Dense(3).activation("softmax").apply(h), new Dense(2).apply(h)))) {
      m.seed(11);
      ModelFiles.save(m, file);
    }
    int n = 40;
    float[] x = new float[n * 4];
    List<Row> rows = new ArrayList<>();
    java.util.Random random = new java.util.Random(3);
    for (int i = 0; i < n; i++) {
      double[] v = new double[4];
      for (int k = 0; k < 4; k++) {
        v[k] = random.nextGaussian();
        x[i * 4 + k] = (float) v[k];
      }
      rows.add(RowFactory.create((long) i, v));
    }
    StructType schema =
        new StructType()
            .add("id", DataTypes.LongType, false)
            .add("features", DataTypes.createArrayType(DataTypes.DoubleType, false), false);
    Dataset<Row> df = spark.createDataFrame(rows, schema).repartition(2);
    Map<Long, Row> got =
        byId(
            JerasSpark.predict(df, ModelSource.path(file.toString()), FIXED.withBatchSize(7))
                .collectAsList());
    List<FloatArray> expected;
    try (Predictor p = ModelFiles.loadPredictor(file)) {
      expected = p.predict(List.of(FloatArray.of(x, n, 4)), n);
    }
    for (int i = 0; i < n; i++) {
      float[] p = prediction(got.get((long) i));
      assertEquals(5, p.length);
      float[] a = expected.get(0).data();
      float[] b = expected.get(1).data();
      Fixtures.assertClose(
          java.util.Arrays.copyOfRange(p, 0, 3),
          java.util.Arrays.copyOfRange(a, i * 3, i * 3 + 3),
          1e-6,
          1e-6);
      Fixtures.assertClose(
          java.util.Arrays.copyOfRange(p, 3, 5),
          java.util.Arrays.copyOfRange(b, i * 2, i * 2 + 2),
          1e-6,
          1e-6);
      assertEquals(argmax(a, i * 3, 3), got.get((long) i).getInt(3), "row " + i);
    }
  }

  @Test
  void sqlFunction_givesThePredictLabels() {
    JerasSpark.register(spark, "mnist", ModelSource.path(MNIST_SAVEDMODEL.toString()), FIXED);
    spark.read().parquet(parquet.toString()).where("id < 50").createOrReplaceTempView("digits");
    List<Row> rows = spark.sql("SELECT id, mnist(x).label AS label FROM digits").collectAsList();
    assertEquals(50, rows.size());
    Set<Long> seen = new HashSet<>();
    for (Row r : rows) {
      long id = r.getLong(0);
      assertTrue(seen.add(id));
      assertEquals(argmax(expected, (int) id * 10, 10), r.getInt(1), "row id=" + id);
    }
  }

  @Test
  void modelThatFailsToLoad_failsAtOnce_namingThePathAndCause() throws Exception {
    Path broken = dir.resolve("broken.keras");
    Files.writeString(broken, "not a zip");
    Dataset<Row> df = spark.read().parquet(parquet.toString());
    JerasException e =
        assertThrows(
            JerasException.class,
            () -> JerasSpark.predict(df, ModelSource.path(broken.toString()), FIXED));
    assertTrue(
        e.getMessage().startsWith(broken + ": the model cannot be loaded: "), e.getMessage());
    JerasException missing =
        assertThrows(
            JerasException.class,
            () -> JerasSpark.predict(df, ModelSource.path("no/such/model"), FIXED));
    assertEquals("no/such/model: no such file or directory", missing.getMessage());
  }

  @Test
  void engineThreads_divideTheExecutorsCoresAmongItsTasks() {
    Path savedModel = MNIST_SAVEDMODEL.toAbsolutePath();
    EngineOptions shared = ExecutorModels.engineOptions(FIXED, savedModel, 8, 2);
    assertEquals(2, shared.intraOpThreads()); // 4 concurrent tasks of 2 cores each
    assertEquals(4, shared.interOpThreads());
    Path keras = Path.of("testdata", "reference", "mnist-basic.keras").toAbsolutePath();
    EngineOptions serial = ExecutorModels.engineOptions(FIXED, keras, 8, 2);
    assertEquals(8, serial.intraOpThreads()); // one call at a time may use every core
    EngineOptions pinned = ExecutorModels.engineOptions(FIXED.withThreadsPerTask(3), keras, 8, 2);
    assertEquals(3, pinned.intraOpThreads());
  }

  private static JerasException rootJeras(Throwable t) {
    JerasException found = null;
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (c instanceof JerasException j) {
        found = j;
      }
    }
    return found;
  }
}
