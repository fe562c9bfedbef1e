package dev.jeras.spark;

import dev.jeras.JerasException;
import dev.jeras.data.FloatArray;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.MapPartitionsFunction;
import org.apache.spark.sql.Row;
import org.apache.spark.sql.RowFactory;

/**
 * Scores one partition: reads up to a batch of rows, runs the executor's shared model on the rows
 * that could be read, and passes each row on with its prediction and label (and, when bad rows are
 * skipped, its error). Rows go out in the order they came, a batch at a time, so a partition's
 * memory is one batch whatever its size.
 */
final class PartitionScorer implements MapPartitionsFunction<Row, Row> {
  private static final long serialVersionUID = 1L;

  private final ModelSource source;
  private final PredictOptions options;
  private final InputReader reader;
  private final int inputIndex;
  private final int idIndex;
  private final String idName;
  private final int executorCores;
  private final int taskCpus;

  PartitionScorer(
      ModelSource source,
      PredictOptions options,
      InputReader reader,
      int inputIndex,
      int idIndex,
      String idName,
      int executorCores,
      int taskCpus) {
    this.source = source;
    this.options = options;
    this.reader = reader;
    this.inputIndex = inputIndex;
    this.idIndex = idIndex;
    this.idName = idName;
    this.executorCores = executorCores;
    this.taskCpus = taskCpus;
  }

  @Override
  public Iterator<Row> call(Iterator<Row> rows) {
    Path path = source.resolve();
    ExecutorModels.Loaded model =
        ExecutorModels.get(
            source, path, ExecutorModels.engineOptions(options, path, executorCores, taskCpus));
    ImageBytes decoder = reader.image() == null ? null : ExecutorModels.decoder(reader.image());
    TaskContext task = TaskContext.get();
    int partition = task == null ? -1 : task.partitionId();
    return new Iterator<>() {
      private final ArrayDeque<Row> ready = new ArrayDeque<>();
      private long seen;

      @Override
      public boolean hasNext() {
        if (ready.isEmpty() && rows.hasNext()) {
          scoreBatch(rows, model, decoder, ready, partition, seen);
          seen += ready.size();
        }
        return !ready.isEmpty();
      }

      @Override
      public Row next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        return ready.poll();
      }
    };
  }

  private void scoreBatch(
      Iterator<Row> rows,
      ExecutorModels.Loaded model,
      ImageBytes decoder,
      ArrayDeque<Row> out,
      int partition,
      long seen) {
    int n = options.batchSize();
    int size = reader.sampleSize();
    Row[] batch = new Row[n];
    String[] errors = new String[n];
    int[] slot = new int[n];
    float[] data = new float[Math.multiplyExact(n, size)];
    int count = 0;
    int good = 0;
    while (count < n && rows.hasNext()) {
      Row row = rows.next();
      String error = reader.read(row.get(inputIndex), data, good * size, decoder);
      if (error != null) {
        String message = describe(row, partition, seen + count) + ": " + error;
        if (options.onBadRow() == BadRowPolicy.FAIL) {
          throw new JerasException(
              message + " (--on-bad-row skip writes it with a null prediction)");
        }
        errors[count] = message;
        slot[count] = -1;
      } else {
        slot[count] = good++;
      }
      batch[count++] = row;
    }
    List<FloatArray> outputs = List.of();
    if (good > 0) {
      long[] dims = reader.sampleDims();
      long[] shape = new long[dims.length + 1];
      shape[0] = good;
      System.arraycopy(dims, 0, shape, 1, dims.length);
      float[] x = good == n ? data : Arrays.copyOf(data, good * size);
      outputs = model.predict(FloatArray.of(x, shape));
    }
    boolean withError = options.onBadRow() == BadRowPolicy.SKIP;
    for (int i = 0; i < count; i++) {
      Row row = batch[i];
      int width = row.size();
      Object[] values = new Object[width + (withError ? 3 : 2)];
      for (int c = 0; c < width; c++) {
        values[c] = row.get(c);
      }
      if (slot[i] >= 0) {
        float[] prediction = Predictions.row(outputs, slot[i]);
        values[width] = prediction;
        values[width + 1] = Predictions.label(outputs.get(0), slot[i]);
      }
      if (withError) {
        values[width + 2] = errors[i];
      }
      out.add(RowFactory.create(values));
    }
  }

  private String describe(Row row, int partition, long index) {
    if (idIndex >= 0) {
      return "row " + idName + "=" + row.get(idIndex);
    }
    return "row " + index + " of partition " + partition;
  }
}
