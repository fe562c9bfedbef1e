package dev.jeras.spark;

import dev.jeras.JerasException;
import dev.jeras.data.ImageBytesDecoder;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * Turns encoded image bytes (JPEG, PNG, BMP, GIF's first frame) into a model input exactly as
 * jeras' image folders do ({@link ImageBytesDecoder}: Keras' {@code image_dataset_from_directory}
 * decoding, the pixel limit checked on the header before decoding). One per configuration and JVM,
 * shared by the tasks (calls run at once); {@link ExecutorModels} closes it when the JVM exits,
 * after the calls under way.
 */
final class ImageBytes implements AutoCloseable {
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
  private final ImageBytesDecoder decoder;
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private boolean closed;

  ImageBytes(Config config) {
    this.config = config;
    this.decoder =
        new ImageBytesDecoder(
            config.height(), config.width(), config.channels(), config.scale(), config.maxPixels());
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
   * @param name what an error names the image by (the column)
   * @param dst receives height x width x channels values
   * @param offset where in {@code dst}
   * @throws JerasException saying why the bytes are no image this decoder takes
   */
  void decode(byte[] encoded, String name, float[] dst, int offset) {
    lock.readLock().lock();
    try {
      if (closed) {
        throw new JerasException("the image decoder was closed (the JVM is exiting)");
      }
      decoder.decode(encoded, name, dst, offset);
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
        decoder.close();
      }
    } finally {
      lock.writeLock().unlock();
    }
  }
}
