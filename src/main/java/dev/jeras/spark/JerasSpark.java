package dev.jeras.spark;

import dev.jeras.JerasException;
import dev.jeras.layers.TensorShape;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.sql.Dataset;
import org.apache.spark.sql.Encoders;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.SparkSession;
import org.apache.spark.sql.types.ArrayType;
import org.apache.spark.sql.types.BinaryType;
import org.apache.spark.sql.types.DataType;
import org.apache.spark.sql.types.DataTypes;
import org.apache.spark.sql.types.DoubleType;
import org.apache.spark.sql.types.FloatType;
import org.apache.spark.sql.types.Metadata;
import org.apache.spark.sql.types.MetadataBuilder;
import org.apache.spark.sql.types.StructField;
import org.apache.spark.sql.types.StructType;

/**
 * Batch inference on Spark with any model jeras loads (SavedModel, {@code .keras}, legacy {@code
 * .h5}, model JSON with weights).
 *
 * <p>{@link #predict} adds two columns to a DataFrame: {@code prediction} (array of float: the
 * model's outputs for the row, every output in order when there are several) and {@code label}
 * (int: the first output's argmax, or 0/1 for a single unit). The input column is an array of float
 * or double, reshaped to the model's input, or encoded images as Spark's {@code binaryFile} source
 * reads them ({@code content}), decoded and resized as Keras' image folders are. Each executor JVM
 * loads the model once (the driver checks first that it loads, so a bad model fails the job at
 * once), its tasks share it, and rows go through it in batches. Bad rows fail the job with the
 * row's id and the reason, or with {@link BadRowPolicy#SKIP} keep a null prediction and the reason
 * in an {@code error} column.
 *
 * <pre>{@code
 * Dataset<Row> scored = JerasSpark.predict(
 *     spark.read().parquet("digits.parquet"), ModelSource.path("models/mnist/1"),
 *     PredictOptions.defaults().withInputCol("pixels"));
 * }</pre>
 *
 * <p>Spark is not a dependency of jeras: add {@code spark-sql_2.13} (4.0) to a project that uses
 * this class, or run it where Spark is (spark-submit).
 */
public final class JerasSpark {
  /** The column of the model's outputs. */
  public static final String PREDICTION = "prediction";

  /** The column of the predicted class. */
  public static final String LABEL = "label";

  /** The column of a skipped row's reason (with {@link BadRowPolicy#SKIP} only). */
  public static final String ERROR = "error";

  private static final Pattern LOCAL = Pattern.compile("local(?:\\[(\\*|\\d+)(?:,\\s*\\d+)?])?");
  private static final Pattern LOCAL_CLUSTER =
      Pattern.compile("local-cluster\\[\\s*\\d+\\s*,\\s*(\\d+)\\s*,.*]");

  private JerasSpark() {}

  /**
   * Scores every row of a DataFrame.
   *
   * @param df the rows: an input column (array of numbers, or image bytes) and any others, kept
   * @param model where executors find the model
   * @param options columns, batch size, image size and scale, bad-row policy
   * @return the rows with {@code prediction} and {@code label} (and {@code error} when skipping)
   * @throws JerasException at once when the model cannot be loaded (naming it and the cause), the
   *     input column is missing or of the wrong type, or the model's input does not fit it
   */
  public static Dataset<Row> predict(Dataset<Row> df, ModelSource model, PredictOptions options) {
    StructType schema = df.schema();
    int input = inputIndex(schema, options.inputCol());
    StructField inputField = schema.fields()[input];
    boolean images = inputField.dataType() instanceof BinaryType;
    int id = idIndex(schema, options.idCol());
    int[] cores = cores(df.sparkSession().sparkContext());
    Path path = model.resolve();
    ExecutorModels.Loaded loaded =
        ExecutorModels.get(
            model, path, ExecutorModels.engineOptions(options, path, cores[0], cores[1]));
    InputReader reader = reader(model, loaded, inputField.name(), images, options);
    List<String> clash = new ArrayList<>();
    for (String added : added(options)) {
      if (Arrays.asList(schema.fieldNames()).contains(added)) {
        clash.add(added);
      }
    }
    if (!clash.isEmpty()) {
      throw new JerasException(
          "the DataFrame already has column(s) "
              + clash
              + " that scoring adds; rename or drop them first");
    }
    StructType out =
        schema
            .add(
                new StructField(
                    PREDICTION,
                    DataTypes.createArrayType(DataTypes.FloatType, false),
                    true,
                    outputsMetadata(loaded)))
            .add(LABEL, DataTypes.IntegerType, true);
    if (options.onBadRow() == BadRowPolicy.SKIP) {
      out = out.add(ERROR, DataTypes.StringType, true);
    }
    PartitionScorer scorer =
        new PartitionScorer(
            model,
            options,
            reader,
            input,
            id,
            id >= 0 ? schema.fields()[id].name() : null,
            cores[0],
            cores[1]);
    return df.mapPartitions(scorer, Encoders.row(out));
  }

  /**
   * Registers the model as a SQL function of one argument (an array of numbers, or image bytes)
   * returning {@code struct<prediction: array<float>, label: int, error: string>}. It scores one
   * row per call: for large tables {@link #predict}, which batches rows, is faster.
   *
   * <pre>{@code
   * ModelSource model = ModelSource.path("models/mnist/1");
   * JerasSpark.register(spark, "mnist", model, PredictOptions.defaults());
   * spark.sql("SELECT id, mnist(pixels).label FROM digits");
   * }</pre>
   *
   * @param spark the session
   * @param name the function's name
   * @param model where executors find the model
   * @param options image size and scale, bad-row policy (columns and batch size do not apply)
   * @throws JerasException at once when the model cannot be loaded
   */
  public static void register(
      SparkSession spark, String name, ModelSource model, PredictOptions options) {
    int[] cores = cores(spark.sparkContext());
    Path path = model.resolve();
    ExecutorModels.Loaded loaded =
        ExecutorModels.get(
            model, path, ExecutorModels.engineOptions(options, path, cores[0], cores[1]));
    InputReader arrays = reader(model, loaded, "argument", false, options);
    InputReader images =
        imageLike(loaded) ? reader(model, loaded, "argument", true, options) : null;
    StructType result =
        new StructType()
            .add(
                PREDICTION,
                DataTypes.createArrayType(DataTypes.FloatType, false),
                true,
                outputsMetadata(loaded))
            .add(LABEL, DataTypes.IntegerType, true)
            .add(ERROR, DataTypes.StringType, true);
    spark
        .udf()
        .register(
            name,
            new SqlFunction(name, model, options, arrays, images, cores[0], cores[1]),
            result);
  }

  private static List<String> added(PredictOptions options) {
    return options.onBadRow() == BadRowPolicy.SKIP
        ? List.of(PREDICTION, LABEL, ERROR)
        : List.of(PREDICTION, LABEL);
  }

  private static Metadata outputsMetadata(ExecutorModels.Loaded loaded) {
    return new MetadataBuilder()
        .putStringArray("jeras.outputs", loaded.outputNames().toArray(new String[0]))
        .build();
  }

  private static int inputIndex(StructType schema, String name) {
    if (name != null) {
      int i = index(schema, name);
      if (i < 0) {
        throw new JerasException(
            "input column '" + name + "' is not in the DataFrame; its columns: " + columns(schema));
      }
      DataType t = schema.fields()[i].dataType();
      if (!(t instanceof BinaryType) && !numericArray(t)) {
        throw new JerasException(
            "input column '"
                + name
                + "' is "
                + t.simpleString()
                + "; expected array<float>, array<double> or binary (image bytes)");
      }
      return i;
    }
    int content = index(schema, "content");
    if (content >= 0 && schema.fields()[content].dataType() instanceof BinaryType) {
      return content;
    }
    int found = -1;
    for (int i = 0; i < schema.fields().length; i++) {
      if (numericArray(schema.fields()[i].dataType())) {
        if (found >= 0) {
          throw new JerasException(
              "several array columns could be the input ("
                  + schema.fields()[found].name()
                  + ", "
                  + schema.fields()[i].name()
                  + ", ...); name one (inputCol, --input-col)");
        }
        found = i;
      }
    }
    if (found < 0) {
      throw new JerasException(
          "no input column: expected an array<float>, array<double> or binary 'content' column;"
              + " the DataFrame has "
              + columns(schema));
    }
    return found;
  }

  private static int idIndex(StructType schema, String name) {
    if (name != null) {
      int i = index(schema, name);
      if (i < 0) {
        throw new JerasException(
            "id column '" + name + "' is not in the DataFrame; its columns: " + columns(schema));
      }
      return i;
    }
    int i = index(schema, "id");
    return i >= 0 ? i : index(schema, "path");
  }

  private static int index(StructType schema, String name) {
    return Arrays.asList(schema.fieldNames()).indexOf(name);
  }

  private static String columns(StructType schema) {
    List<String> cols = new ArrayList<>();
    for (StructField f : schema.fields()) {
      cols.add(f.name() + " " + f.dataType().simpleString());
    }
    return String.join(", ", cols);
  }

  private static boolean numericArray(DataType t) {
    return t instanceof ArrayType a
        && (a.elementType() instanceof FloatType || a.elementType() instanceof DoubleType);
  }

  private static boolean imageLike(ExecutorModels.Loaded m) {
    long[] d = m.inputShape().sampleDims();
    return d.length == 3 && (d[2] == 1 || d[2] == 3 || d[2] == 4);
  }

  /** Checks that the model takes what the column holds, and says how a value becomes a sample. */
  private static InputReader reader(
      ModelSource model,
      ExecutorModels.Loaded loaded,
      String column,
      boolean images,
      PredictOptions o) {
    if (loaded.inputNames().size() != 1) {
      throw new JerasException(
          model + ": the model has inputs " + loaded.inputNames() + "; Spark scoring feeds one");
    }
    TensorShape shape = loaded.inputShape();
    long[] dims = shape.sampleDims();
    if (!images) {
      for (long d : dims) {
        if (d < 0) {
          throw new JerasException(
              model
                  + ": the model's input "
                  + shape
                  + " has unknown sizes; arrays need fixed ones");
        }
      }
      return new InputReader(column, dims, null, o.allowNonFinite());
    }
    if (!imageLike(loaded)) {
      throw new JerasException(
          model
              + ": the model's input "
              + shape
              + " is no image (height, width, 1, 3 or 4 channels); '"
              + column
              + "' holds image bytes");
    }
    long h = dims[0];
    long w = dims[1];
    if (o.imageHeight() > 0) {
      if ((h > 0 && h != o.imageHeight()) || (w > 0 && w != o.imageWidth())) {
        throw new JerasException(
            model
                + ": the model takes "
                + h
                + "x"
                + w
                + " images; an image size of "
                + o.imageHeight()
                + "x"
                + o.imageWidth()
                + " does not fit it");
      }
      h = o.imageHeight();
      w = o.imageWidth();
    } else if (h < 0 || w < 0) {
      throw new JerasException(
          model + ": the model's input " + shape + " has no fixed image size; give one (H,W)");
    }
    int c = (int) dims[2];
    ImageBytes.Config config =
        new ImageBytes.Config((int) h, (int) w, c, o.scale(), o.maxImagePixels());
    return new InputReader(column, new long[] {h, w, c}, config, o.allowNonFinite());
  }

  /**
   * @return the executor's cores (0: not configured, the executor's machine decides) and the cores
   *     per task
   */
  static int[] cores(SparkContext sc) {
    SparkConf conf = sc.getConf();
    int taskCpus = conf.getInt("spark.task.cpus", 1);
    String master = sc.master();
    Matcher local = LOCAL.matcher(master);
    if (local.matches()) {
      String n = local.group(1);
      int threads =
          n == null
              ? 1
              : n.equals("*") ? Runtime.getRuntime().availableProcessors() : Integer.parseInt(n);
      return new int[] {threads, taskCpus};
    }
    Matcher cluster = LOCAL_CLUSTER.matcher(master);
    if (cluster.matches()) {
      return new int[] {Integer.parseInt(cluster.group(1)), taskCpus};
    }
    return new int[] {conf.getInt("spark.executor.cores", 0), taskCpus};
  }
}
