package dev.jeras.cli;

import dev.jeras.JerasException;
import dev.jeras.backend.KernelPolicy;
import dev.jeras.spark.BadRowPolicy;
import dev.jeras.spark.JerasSpark;
import dev.jeras.spark.ModelSource;
import dev.jeras.spark.PredictOptions;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.sql.Column;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.functions;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.StructField;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.ParameterException;
import picocli.CommandLine.Spec;

/**
 * {@code jeras spark-predict --model PATH --input DATA --output OUT.parquet}: scores a Parquet
 * table (an array column and an id) or a folder of images with any model jeras loads, on Spark:
 * embedded ({@code --master local[*]}, the default) or on a cluster through {@code spark-submit}
 * (docs/spark.md).
 */
@Command(
    name = "spark-predict",
    mixinStandardHelpOptions = true,
    description =
        "Score a Parquet table or an image folder on Spark (embedded local[*], or spark-submit);"
            + " writes id (or path), prediction and label to Parquet.")
final class SparkPredictCommand implements Callable<Integer> {
  private static final Logger LOG = LoggerFactory.getLogger(SparkPredictCommand.class);

  /** Image files an image folder is read for (Hadoop glob, as Spark's binaryFile filter takes). */
  static final String IMAGE_GLOB = "*.{png,PNG,jpg,JPG,jpeg,JPEG,bmp,BMP,gif,GIF}";

  @Option(
      names = "--model",
      required = true,
      paramLabel = "PATH",
      description =
          "SavedModel directory, .keras, .h5 or model .json (+ .weights.h5) that every executor can"
              + " read, or sparkfiles:NAME for one shipped with spark-submit --files/--archives")
  String model;

  @Option(
      names = "--input",
      required = true,
      paramLabel = "DATA",
      description =
          "a Parquet file or directory (an array column and an id), or a directory or glob of"
              + " images (JPEG, PNG, BMP, GIF; subfolders included)")
  String input;

  @Option(
      names = "--output",
      required = true,
      paramLabel = "OUT.parquet",
      description = "the Parquet directory written (must not exist)")
  String output;

  @Option(
      names = "--input-col",
      paramLabel = "COL",
      description = "the array column (default: the only array column; images: content)")
  String inputCol;

  @Option(
      names = "--id-col",
      paramLabel = "COL",
      description = "the column written beside each prediction (default: id; images: path)")
  String idCol;

  @Option(
      names = "--master",
      paramLabel = "URL",
      description = "Spark master (default: spark-submit's, else local[*]: embedded, every core)")
  String master;

  @Option(names = "--batch-size", defaultValue = "256", description = "default: ${DEFAULT-VALUE}")
  int batchSize;

  @Option(
      names = "--image-size",
      paramLabel = "H,W",
      description = "resize images to this size (default: the model's input size)")
  String imageSize;

  @Option(
      names = "--scale",
      paramLabel = "F",
      description = "decoded pixels (0-255) are multiplied by F (default: 1/255)")
  Float scale;

  @Option(
      names = "--max-image-pixels",
      paramLabel = "N",
      defaultValue = "" + PredictOptions.DEFAULT_MAX_IMAGE_PIXELS,
      description =
          "an image whose header declares more than N pixels is a bad row, refused before"
              + " decoding (default: ${DEFAULT-VALUE})")
  long maxImagePixels;

  @Option(
      names = "--on-bad-row",
      paramLabel = "fail|skip",
      defaultValue = "fail",
      description =
          "a row that cannot be scored stops the job naming it (fail, the default), or is"
              + " written with a null prediction and its reason in an error column (skip)")
  String onBadRow;

  @Option(
      names = "--kernels",
      paramLabel = "tuned|fixed|tensorflow",
      description = "how the CPU engine picks kernels on the executors (default: tuned)")
  String kernels;

  @picocli.CommandLine.Mixin CommonOptions.Verbose verbose;

  @Spec CommandSpec spec;

  @Override
  public Integer call() {
    verbose.apply();
    if (verbose.verbose) {
      showSparkWarnings();
    }
    PredictOptions options = options();
    checkJvmOptions();
    String m = master != null ? master : System.getProperty("spark.master", "local[*]");
    SparkSession.Builder b = SparkSession.builder().appName("jeras spark-predict").master(m);
    if (m.startsWith("local")) {
      b.config("spark.ui.enabled", "false")
          .config("spark.driver.host", "127.0.0.1")
          .config("spark.driver.bindAddress", "127.0.0.1");
    }
    long start = System.nanoTime();
    // A session this JVM already runs (an application calling Main) is used and left running.
    boolean own = SparkSession.getDefaultSession().isEmpty();
    SparkSession spark = b.getOrCreate();
    double started = (System.nanoTime() - start) / 1e9;
    try {
      return run(spark, options, spark.sparkContext().master(), start, started);
    } finally {
      if (own) {
        spark.stop();
      }
    }
  }

  private int run(
      SparkSession spark, PredictOptions options, String m, long start, double started) {
    FileSystem fs;
    Path out = new Path(output);
    try {
      fs = out.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (fs.exists(out)) {
        throw new JerasException(output + ": the output exists; remove it or choose another");
      }
    } catch (IOException e) {
      throw new JerasException(output + ": cannot check the output: " + e.getMessage(), e);
    }
    boolean images = isImages(spark);
    Dataset<Row> df = read(spark, images);
    int parallelism = spark.sparkContext().defaultParallelism();
    if (!images && df.rdd().getNumPartitions() < parallelism) {
      // One Parquet file of one row group is one task: spread it over every core.
      LOG.info(
          "{}: {} partition(s) for {} cores; repartitioned",
          input,
          df.rdd().getNumPartitions(),
          parallelism);
      df = df.repartition(parallelism);
    }
    Dataset<Row> scored = JerasSpark.predict(df, ModelSource.parse(model), options);
    String key = keyColumn(scored, images);
    List<Column> cols = new ArrayList<>();
    if (key != null) {
      cols.add(functions.col(key));
    }
    cols.add(functions.col(JerasSpark.PREDICTION));
    cols.add(functions.col(JerasSpark.LABEL));
    if (options.onBadRow() == BadRowPolicy.SKIP) {
      cols.add(functions.col(JerasSpark.ERROR));
    }
    try {
      scored.select(cols.toArray(new Column[0])).write().parquet(output);
    } catch (Exception e) { // SparkException is checked in Java's eyes but never declared
      deleteQuietly(fs, out);
      throw jobError(e);
    }
    Dataset<Row> written = spark.read().parquet(output);
    long rows = written.count();
    long skipped =
        options.onBadRow() == BadRowPolicy.SKIP
            ? written.where(functions.col(JerasSpark.ERROR).isNotNull()).count()
            : 0;
    double seconds = (System.nanoTime() - start) / 1e9;
    System.out.printf(
        Locale.ROOT,
        "spark-predict: %,d rows (%,d skipped) from %s to %s in %.1f s (Spark start %.1f s),"
            + " %.0f rows/s (master %s, %d partitions)%n",
        rows,
        skipped,
        input,
        output,
        seconds,
        started,
        rows / seconds,
        m,
        df.rdd().getNumPartitions());
    return 0;
  }

  private PredictOptions options() {
    PredictOptions o;
    try {
      o =
          PredictOptions.defaults()
              .withInputCol(inputCol)
              .withIdCol(idCol)
              .withBatchSize(batchSize)
              .withOnBadRow(BadRowPolicy.of(onBadRow))
              .withMaxImagePixels(maxImagePixels);
      if (scale != null) {
        o = o.withScale(scale);
      }
      if (kernels != null) {
        o = o.withKernels(KernelPolicy.of(kernels));
      }
      if (imageSize != null) {
        int[] hw = ImageOptions.parseSize(imageSize);
        o = o.withImageSize(hw[0], hw[1]);
      }
    } catch (IllegalArgumentException e) {
      throw new ParameterException(spec.commandLine(), e.getMessage());
    }
    return o;
  }

  /** Spark on Java 17 needs JDK internals opened; say so instead of failing deep inside Spark. */
  private static void checkJvmOptions() {
    Module base = Object.class.getModule();
    if (!base.isOpen("sun.nio.ch", SparkPredictCommand.class.getModule())
        || !base.isOpen("java.nio", SparkPredictCommand.class.getModule())) {
      throw new JerasException(
          "Spark needs the JVM options --add-opens=java.base/sun.nio.ch=ALL-UNNAMED and the"
              + " others listed in docs/spark.md (scripts/jeras spark-predict adds them)");
    }
  }

  private boolean isImages(SparkSession spark) {
    if (input.endsWith(".parquet")) {
      return false;
    }
    if (input.matches(".*[*?\\[{].*")) {
      return true; // a glob of images
    }
    Path p = new Path(input);
    try {
      FileSystem fs = p.getFileSystem(spark.sparkContext().hadoopConfiguration());
      if (!fs.exists(p)) {
        throw new JerasException(input + ": no such file or directory");
      }
      FileStatus status = fs.getFileStatus(p);
      if (status.isFile()) {
        return !looksLikeParquet(status.getPath().getName());
      }
      for (FileStatus child : fs.listStatus(p)) {
        if (looksLikeParquet(child.getPath().getName())) {
          return false;
        }
      }
      return true;
    } catch (IOException e) {
      throw new JerasException(input + ": cannot list it: " + e.getMessage(), e);
    }
  }

  /** Under --verbose: Spark's warnings and failed tasks (logback.xml hides them otherwise). */
  private static void showSparkWarnings() {
    if (!LoggerFactory.getILoggerFactory().getClass().getName().startsWith("ch.qos.logback")) {
      return; // under spark-submit, Spark's own logging (log4j) decides
    }
    for (String name : List.of("org.apache.spark", "org.apache.hadoop")) {
      if (LoggerFactory.getLogger(name) instanceof ch.qos.logback.classic.Logger l) {
        l.setLevel(ch.qos.logback.classic.Level.WARN);
      }
    }
  }

  private static boolean looksLikeParquet(String name) {
    return name.endsWith(".parquet") || name.equals("_SUCCESS");
  }

  private Dataset<Row> read(SparkSession spark, boolean images) {
    try {
      if (!images) {
        return needed(spark.read().parquet(input));
      }
      // Files are packed into tasks by their size (not Spark's 4 MB cost per file opened), so a
      // folder of small images makes one task per core, each scoring full batches.
      spark.conf().set("spark.sql.files.openCostInBytes", "8192");
      var reader = spark.read().format("binaryFile");
      if (!input.matches(".*[*?\\[{].*")) {
        reader = reader.option("pathGlobFilter", IMAGE_GLOB).option("recursiveFileLookup", "true");
      }
      Dataset<Row> df = reader.load(input).select("path", "content");
      return df;
    } catch (RuntimeException e) {
      throw new JerasException(input + ": " + firstLine(e.getMessage()), e);
    }
  }

  /** The id and input columns only: the others are neither scored nor written. */
  private Dataset<Row> needed(Dataset<Row> df) {
    List<Column> keep = new ArrayList<>();
    for (StructField f : df.schema().fields()) {
      boolean key = idCol != null ? f.name().equals(idCol) : f.name().equals("id");
      boolean in =
          inputCol != null
              ? f.name().equals(inputCol)
              : f.dataType() instanceof ArrayType || f.dataType() instanceof BinaryType;
      if (key || in) {
        keep.add(functions.col(f.name()));
      }
    }
    return keep.isEmpty() ? df : df.select(keep.toArray(new Column[0]));
  }

  private String keyColumn(Dataset<Row> scored, boolean images) {
    List<String> names = List.of(scored.schema().fieldNames());
    if (idCol != null) {
      return idCol;
    }
    if (images) {
      return "path";
    }
    return names.contains("id") ? "id" : null;
  }

  private static void deleteQuietly(FileSystem fs, Path p) {
    try {
      fs.delete(p, true);
    } catch (IOException e) {
      LOG.warn("{}: could not remove the partial output: {}", p, e.getMessage());
    }
  }

  /**
   * The failed job's reason, on one line: a bad row's or model's own message where there is one.
   */
  static RuntimeException jobError(Exception e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof JerasException j) {
        return new JerasException(j.getMessage(), e);
      }
    }
    return new JerasException("the Spark job failed: " + firstLine(e.getMessage()), e);
  }

  private static String firstLine(String s) {
    return s == null ? "unknown error" : s.strip().lines().findFirst().orElse(s);
  }
}
