package dev.jeras.spark;

import dev.jeras.JerasException;
import dev.jeras.internal.Tensors;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.image.DecodeImage;
import org.tensorflow.op.image.ResizeBilinear;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TString;
import org.tensorflow.types.TUint8;

/**
 * Turns encoded image bytes (JPEG, PNG, BMP, GIF's first frame) into a model input with
 * TensorFlow's own ops, as Keras' {@code image_dataset_from_directory} does: decoded to the model's
 * channels, resized bilinearly (half-pixel centers, no antialiasing), then multiplied by the scale.
 * One graph per configuration and JVM, shared by the tasks (a session runs concurrent calls); owns
 * native memory: {@link ExecutorModels} closes it.
 */
final class ImageBytes implements AutoCloseable {
  /** Ops run in the task's own thread. */
  private static final RunOptions CALLER_THREAD =
      RunOptions.newBuilder().setInterOpThreadPool(-1).build();

  /**
   * What every image becomes.
   *
   * @param height the output height
   * @param width the output width
   * @param channels 1, 3 or 4
   * @param scale the factor pixels (0..255) are multiplied by
   * @param maxPixels the largest width x height accepted
   */
  record Config(int height, int width, int channels, float scale, long maxPixels)
      implements java.io.Serializable {}

  private final Config config;
  private final Graph graph;
  private final Session session;
  private final Placeholder<TString> input;
  private final Operand<TFloat32> output;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private boolean closed;

  ImageBytes(Config config) {
    this.config = config;
    this.graph = new Graph();
    try {
      Ops tf = Ops.create(graph);
      input = tf.placeholder(TString.class, Placeholder.shape(Shape.scalar()));
      Operand<TUint8> decoded =
          tf.image.decodeImage(
              input,
              TUint8.class,
              DecodeImage.channels((long) config.channels()),
              DecodeImage.expandAnimations(false));
      Operand<TFloat32> batch =
          tf.expandDims(tf.dtypes.cast(decoded, TFloat32.class), tf.constant(0));
      Operand<TFloat32> resized =
          tf.image.resizeBilinear(
              batch,
              tf.constant(new int[] {config.height(), config.width()}),
              ResizeBilinear.halfPixelCenters(true));
      output = tf.math.mul(resized, tf.constant(config.scale()));
      session = new Session(graph);
    } catch (RuntimeException e) {
      graph.close();
      throw e;
    }
  }

  /**
   * @return the configuration
   */
  Config config() {
    return config;
  }

  /**
   * Decodes one image into {@code dst}.
   *
   * @param encoded the file's bytes
   * @param dst receives height x width x channels values
   * @param offset where in {@code dst}
   * @throws JerasException saying why the bytes are no image this decoder takes
   */
  void decode(byte[] encoded, float[] dst, int offset) {
    lock.readLock().lock();
    try {
      if (closed) {
        throw new JerasException("the image decoder was closed (the JVM is exiting)");
      }
      try (TString in = TString.tensorOfBytes(NdArrays.scalarOfObject(encoded));
          Result r =
              session.runner().feed(input, in).fetch(output).setOptions(CALLER_THREAD).run()) {
        Tensors.readFloats(r.get(0), dst, offset);
      } catch (RuntimeException e) {
        throw new JerasException(
            "cannot decode the image: " + ExecutorModels.firstLine(e.getMessage()), e);
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (!closed) {
        closed = true;
        session.close();
        graph.close();
      }
    } finally {
      lock.writeLock().unlock();
    }
  }
}
