package dev.jeras.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jeras.data.FloatArray;
import dev.jeras.models.Predictor;
import dev.jeras.saving.ModelFiles;
import dev.jeras.testing.TestSpark;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.StructType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code jeras spark-predict} on the tests' embedded Spark (the command uses the session the JVM
 * already runs): a Parquet table, an image folder, bad rows, a model that does not load.
 */
class SparkPredictCommandTest {
  private static final String MODEL = "testdata/reference/mnist-basic_savedmodel";
  private static final Path TABLE = Path.of("testdata", "spark", "mnist-64.parquet");

  @TempDir static Path dir;

  private static SparkSession spark;

  @BeforeAll
  static void start() {
    spark = TestSpark.session();
  }

  private record Run(int rc, String out, String err) {}

  private static Run run(String... args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    PrintStream oldOut = System.out;
    PrintStream oldErr = System.err;
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    int rc;
    try {
      String[] all = new String[args.length + 1];
      all[0] = "spark-predict";
      System.arraycopy(args, 0, all, 1, args.length);
      rc = Main.execute(all);
    } finally {
      System.setOut(oldOut);
      System.setErr(oldErr);
    }
    return new Run(rc, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  /** The command's error line (the tests' logging writes jeras' INFO lines to stderr too). */
  private static String errorLine(Run r) {
    return r.err().lines().filter(l -> l.startsWith("jeras:")).findFirst().orElse(r.err());
  }

  @Test
  void parquetTable_writesEveryIdWithThePredictionOfSingleProcessPredict() {
    Path out = dir.resolve("table-out.parquet");
    Run r =
        run(
            "--model",
            MODEL,
            "--input",
            TABLE.toString(),
            "--output",
            out.toString(),
            "--kernels",
            "fixed",
            "--batch-size",
            "16");
    assertEquals(0, r.rc(), r.err());
    assertTrue(r.out().startsWith("spark-predict: 64 rows (0 skipped) from "), r.out());
    List<Row> rows = spark.read().parquet(out.toString()).collectAsList();
    assertEquals(
        List.of("id", "prediction", "label"),
        List.of(spark.read().parquet(out.toString()).schema().fieldNames()));
    List<Row> input = spark.read().parquet(TABLE.toString()).orderBy("id").collectAsList();
    float[] x = new float[64 * 784];
    for (int i = 0; i < 64; i++) {
      List<Float> v = input.get(i).getList(1);
      for (int k = 0; k < 784; k++) {
        x[i * 784 + k] = v.get(k);
      }
    }
    float[] expected;
    try (Predictor p = ModelFiles.loadPredictor(Path.of(MODEL))) {
      expected = p.predict(FloatArray.of(x, 64, 28, 28, 1), 64).data();
    }
    Map<Long, Row> byId = new TreeMap<>();
    rows.forEach(row -> byId.put(row.getLong(0), row));
    assertEquals(64, byId.size());
    for (long id = 0; id < 64; id++) {
      List<Float> p = byId.get(id).getList(1);
      for (int k = 0; k < 10; k++) {
        float e = expected[(int) id * 10 + k];
        assertEquals(e, p.get(k), 1e-5 + 1e-4 * Math.abs(e), "row id=" + id + " output " + k);
      }
    }
  }

  @Test
  void imageFolder_writesOneRowPerImageKeyedByPath() throws Exception {
    Path images = Files.createDirectories(dir.resolve("images/sub"));
    for (String name :
        List.of(
            "mnist-t10k-0-label7.png", "cifar-train-0-airplane.png", "cifar-train-2-truck.png")) {
      Files.copy(Path.of("testdata", "images", name), images.resolve(name));
    }
    Files.writeString(images.resolve("notes.txt"), "not an image: ignored");
    Path out = dir.resolve("images-out.parquet");
    Run r =
        run(
            "--model",
            MODEL,
            "--input",
            dir.resolve("images").toString(),
            "--output",
            out.toString(),
            "--kernels",
            "fixed");
    assertEquals(0, r.rc(), r.err());
    assertTrue(r.out().startsWith("spark-predict: 3 rows (0 skipped)"), r.out());
    Map<String, Integer> labels = new TreeMap<>();
    for (Row row : spark.read().parquet(out.toString()).collectAsList()) {
      String path = row.getString(0);
      labels.put(path.substring(path.lastIndexOf('/') + 1), row.getInt(2));
    }
    assertEquals(3, labels.size(), labels.toString());
    assertEquals(7, labels.get("mnist-t10k-0-label7.png"));
  }

  private static Path badTable() {
    Path table = dir.resolve("bad.parquet");
    if (!Files.exists(table)) {
      List<Row> rows = new ArrayList<>();
      for (long id = 0; id < 6; id++) {
        rows.add(RowFactory.create(id, new double[id == 4 ? 700 : 784]));
      }
      StructType schema =
          new StructType()
              .add("id", DataTypes.LongType, false)
              .add("pixels", DataTypes.createArrayType(DataTypes.DoubleType, false), false);
      spark.createDataFrame(rows, schema).coalesce(1).write().parquet(table.toString());
    }
    return table;
  }

  @Test
  void badRow_failsWithItsIdOnOneLine_andLeavesNoOutput() {
    Path out = dir.resolve("bad-out.parquet");
    Run r =
        run(
            "--model",
            MODEL,
            "--input",
            badTable().toString(),
            "--output",
            out.toString(),
            "--kernels",
            "fixed");
    assertEquals(1, r.rc(), r.out());
    assertEquals(
        "jeras: error: row id=4: pixels: expected 784 values (a sample of shape (28, 28, 1)),"
            + " got 700 (--on-bad-row skip writes it with a null prediction)",
        errorLine(r));
    assertFalse(Files.exists(out), "partial output left at " + out);
  }

  @Test
  void badRow_skipped_isWrittenWithItsError() {
    Path out = dir.resolve("skip-out.parquet");
    Run r =
        run(
            "--model",
            MODEL,
            "--input",
            badTable().toString(),
            "--output",
            out.toString(),
            "--kernels",
            "fixed",
            "--on-bad-row",
            "skip");
    assertEquals(0, r.rc(), r.err());
    assertTrue(r.out().startsWith("spark-predict: 6 rows (1 skipped)"), r.out());
    List<Row> bad = spark.read().parquet(out.toString()).where("error IS NOT NULL").collectAsList();
    assertEquals(1, bad.size());
    assertEquals(4L, bad.get(0).getLong(0));
    assertTrue(bad.get(0).isNullAt(1) && bad.get(0).isNullAt(2), bad.get(0).toString());
  }

  @Test
  void modelThatDoesNotLoad_failsWithThePathAndCause() throws Exception {
    Path broken = dir.resolve("broken.keras");
    Files.writeString(broken, "not a zip");
    Path out = dir.resolve("broken-out.parquet");
    Run r =
        run("--model", broken.toString(), "--input", TABLE.toString(), "--output", out.toString());
    assertEquals(1, r.rc());
    assertTrue(
        errorLine(r).startsWith("jeras: error: " + broken + ": the model cannot be loaded: "),
        r.err());
    assertFalse(Files.exists(out));
  }

  @Test
  void existingOutput_isRefused() throws Exception {
    Path out = Files.createDirectories(dir.resolve("exists.parquet"));
    Run r = run("--model", MODEL, "--input", TABLE.toString(), "--output", out.toString());
    assertEquals(1, r.rc());
    assertTrue(errorLine(r).startsWith("jeras: error: " + out + ": the output exists"), r.err());
  }
}
