package dev.jeras.spark;

import dev.jeras.JerasException;
import dev.jeras.data.FloatArray;
import java.nio.file.Path;
import java.util.List;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;
import org.apache.spark.sql.api.java.UDF1;

/**
 * The SQL face of a model: one value (an array of numbers, or image bytes) in, a struct of
 * prediction, label and error out. Scores one row per call, on the executor's shared model.
 */
final class SqlFunction implements UDF1<Object, Row> {
  private static final long serialVersionUID = 1L;

  private final String name;
  private final ModelSource source;
  private final PredictOptions options;
  private final InputReader arrays;
  private final InputReader images;
  private final int executorCores;
  private final int taskCpus;

  SqlFunction(
      String name,
      ModelSource source,
      PredictOptions options,
      InputReader arrays,
      InputReader images,
      int executorCores,
      int taskCpus) {
    this.name = name;
    this.source = source;
    this.options = options;
    this.arrays = arrays;
    this.images = images;
    this.executorCores = executorCores;
    this.taskCpus = taskCpus;
  }

  @Override
  public Row call(Object value) {
    boolean image = value instanceof byte[];
    InputReader reader = image ? images : arrays;
    String error;
    float[] x = null;
    if (reader == null) {
      error = "the model's input " + arrays.shape() + " is no image; got image bytes";
    } else {
      x = new float[reader.sampleSize()];
      ImageBytes decoder = image ? ExecutorModels.decoder(reader.image()) : null;
      error = reader.read(value, x, 0, decoder);
    }
    if (error != null) {
      if (options.onBadRow() == BadRowPolicy.FAIL) {
        throw new JerasException(name + "(): " + error);
      }
      return RowFactory.create(null, null, error);
    }
    Path path = source.resolve();
    ExecutorModels.Loaded model =
        ExecutorModels.get(
            source, path, ExecutorModels.engineOptions(options, path, executorCores, taskCpus));
    long[] dims = reader.sampleDims();
    long[] shape = new long[dims.length + 1];
    shape[0] = 1;
    System.arraycopy(dims, 0, shape, 1, dims.length);
    List<FloatArray> outputs = model.predict(FloatArray.of(x, shape));
    return RowFactory.create(
        Predictions.row(outputs, 0), Predictions.label(outputs.get(0), 0), null);
  }
}
