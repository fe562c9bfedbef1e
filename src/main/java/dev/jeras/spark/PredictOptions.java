package dev.jeras.spark;

import dev.jeras.backend.KernelPolicy;
import java.io.Serializable;
import java.util.function.Consumer;

/**
 * How {@link JerasSpark#predict} reads rows and runs the model. Immutable: each {@code with...}
 * returns a copy.
 *
 * <pre>{@code
 * PredictOptions o = PredictOptions.defaults().withInputCol("pixels").withBatchSize(128);
 * }</pre>
 *
 * @param inputCol the column fed to the model: array of float or double (reshaped to the model's
 *     input), or binary (encoded images, as Spark's {@code binaryFile} source gives in {@code
 *     content}); null picks {@code content} when there is a binary one, else the only array column
 * @param idCol the column that names a row in errors; null picks {@code id}, else {@code path},
 *     when there is one
 * @param batchSize rows per model call (default 256)
 * @param imageHeight images are resized to this height; 0 takes the model's input height
 * @param imageWidth images are resized to this width; 0 takes the model's input width
 * @param scale decoded pixels (0..255) are multiplied by this (default 1/255)
 * @param onBadRow fail the job, or write the row with a null prediction and its error
 * @param allowNonFinite whether NaN and infinite input values are fed as they are (default false:
 *     such a row is bad)
 * @param kernels the CPU engine's kernel policy on the executors; null takes the executor's default
 *     ({@code -Djeras.kernels}, else tuned)
 * @param threadsPerTask TensorFlow threads per model call; 0 divides the executor's cores among its
 *     concurrent tasks
 * @param maxImagePixels images declaring more pixels are bad rows, refused before decoding
 */
public record PredictOptions(
    String inputCol,
    String idCol,
    int batchSize,
    int imageHeight,
    int imageWidth,
    float scale,
    BadRowPolicy onBadRow,
    boolean allowNonFinite,
    KernelPolicy kernels,
    int threadsPerTask,
    long maxImagePixels)
    implements Serializable {

  /** The largest image accepted by default: image folders' (Pillow's decompression-bomb limit). */
  public static final long DEFAULT_MAX_IMAGE_PIXELS =
      dev.jeras.data.ImageFolderOptions.DEFAULT_MAX_IMAGE_PIXELS;

  /** Checks the values. */
  public PredictOptions {
    if (batchSize <= 0) {
      throw new IllegalArgumentException("batch size must be positive, got " + batchSize);
    }
    if (imageHeight < 0 || imageWidth < 0 || (imageHeight == 0) != (imageWidth == 0)) {
      throw new IllegalArgumentException(
          "image size must be two positive numbers (or both 0 for the model's), got "
              + imageHeight
              + ","
              + imageWidth);
    }
    if (!Float.isFinite(scale) || scale <= 0) {
      throw new IllegalArgumentException("scale must be a positive number, got " + scale);
    }
    if (onBadRow == null) {
      throw new IllegalArgumentException("on-bad-row must be fail or skip");
    }
    if (threadsPerTask < 0) {
      throw new IllegalArgumentException(
          "threads per task must be 0 (automatic) or positive, got " + threadsPerTask);
    }
    if (maxImagePixels <= 0) {
      throw new IllegalArgumentException(
          "the image pixel limit must be positive, got " + maxImagePixels);
    }
  }

  /**
   * @return the defaults: columns picked from the schema, batches of 256, the model's image size,
   *     pixels scaled by 1/255, bad rows fail the job
   */
  public static PredictOptions defaults() {
    return new PredictOptions(
        null,
        null,
        256,
        0,
        0,
        1f / 255,
        BadRowPolicy.FAIL,
        false,
        null,
        0,
        DEFAULT_MAX_IMAGE_PIXELS);
  }

  /**
   * @param col the input column
   * @return a copy
   */
  public PredictOptions withInputCol(String col) {
    return copy(c -> c.inputCol = col);
  }

  /**
   * @param col the id column
   * @return a copy
   */
  public PredictOptions withIdCol(String col) {
    return copy(c -> c.idCol = col);
  }

  /**
   * @param n rows per model call
   * @return a copy
   */
  public PredictOptions withBatchSize(int n) {
    return copy(c -> c.batchSize = n);
  }

  /**
   * @param height the height images are resized to (0: the model's)
   * @param width the width images are resized to (0: the model's)
   * @return a copy
   */
  public PredictOptions withImageSize(int height, int width) {
    return copy(
        c -> {
          c.imageHeight = height;
          c.imageWidth = width;
        });
  }

  /**
   * @param f the factor decoded pixels are multiplied by
   * @return a copy
   */
  public PredictOptions withScale(float f) {
    return copy(c -> c.scale = f);
  }

  /**
   * @param policy what a bad row does
   * @return a copy
   */
  public PredictOptions withOnBadRow(BadRowPolicy policy) {
    return copy(c -> c.onBadRow = policy);
  }

  /**
   * @param allow whether NaN and infinite inputs are fed as they are
   * @return a copy
   */
  public PredictOptions withAllowNonFinite(boolean allow) {
    return copy(c -> c.allowNonFinite = allow);
  }

  /**
   * @param policy the CPU engine's kernel policy on the executors (null: their default)
   * @return a copy
   */
  public PredictOptions withKernels(KernelPolicy policy) {
    return copy(c -> c.kernels = policy);
  }

  /**
   * @param n TensorFlow threads per model call (0: automatic)
   * @return a copy
   */
  public PredictOptions withThreadsPerTask(int n) {
    return copy(c -> c.threadsPerTask = n);
  }

  /**
   * @param n the largest width x height accepted
   * @return a copy
   */
  public PredictOptions withMaxImagePixels(long n) {
    return copy(c -> c.maxImagePixels = n);
  }

  /** A copy with {@code change} applied, checked again by the constructor. */
  private PredictOptions copy(Consumer<Copy> change) {
    Copy c = new Copy(this);
    change.accept(c);
    return c.build();
  }

  /** The values of a copy while a {@code with...} method changes some of them. */
  private static final class Copy {
    private String inputCol;
    private String idCol;
    private int batchSize;
    private int imageHeight;
    private int imageWidth;
    private float scale;
    private BadRowPolicy onBadRow;
    private boolean allowNonFinite;
    private KernelPolicy kernels;
    private int threadsPerTask;
    private long maxImagePixels;

    Copy(PredictOptions o) {
      inputCol = o.inputCol;
      idCol = o.idCol;
      batchSize = o.batchSize;
      imageHeight = o.imageHeight;
      imageWidth = o.imageWidth;
      scale = o.scale;
      onBadRow = o.onBadRow;
      allowNonFinite = o.allowNonFinite;
      kernels = o.kernels;
      threadsPerTask = o.threadsPerTask;
      maxImagePixels = o.maxImagePixels;
    }

    PredictOptions build() {
      return new PredictOptions(
          inputCol,
          idCol,
          batchSize,
          imageHeight,
          imageWidth,
          scale,
          onBadRow,
          allowNonFinite,
          kernels,
          threadsPerTask,
          maxImagePixels);
    }
  }
}
