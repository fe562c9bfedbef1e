package dev.jeras.data;

import dev.jeras.JerasException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.ndarray.NdArrays;
import org.tensorflow.ndarray.Shape;
import org.tensorflow.op.Ops;
import org.tensorflow.op.core.Placeholder;
import org.tensorflow.op.image.DecodeImage;
import org.tensorflow.op.image.ResizeBicubic;
import org.tensorflow.op.image.ResizeBilinear;
import org.tensorflow.op.image.ResizeNearestNeighbor;
import org.tensorflow.proto.RunOptions;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;
import org.tensorflow.types.TString;
import org.tensorflow.types.TUint8;

/**
 * Decodes and resizes encoded images with TensorFlow's own ops, exactly as Keras' {@code
 * image_dataset_from_directory} does: {@code DecodeImage} (channels 1, 3 or 4, first frame of a
 * GIF, EXIF orientation ignored, alpha kept or dropped but never composited), then {@code
 * tf.image.resize} (bilinear with half-pixel centers and no antialiasing by default), or Keras'
 * centred crop ({@code crop_to_aspect_ratio}) or TensorFlow's {@code resize_with_pad} ({@code
 * pad_to_aspect_ratio}) first; then multiplied by the scale.
 *
 * <p>One graph holds an unrolled copy of that per image for each batch size asked for, so that a
 * whole batch decodes in one {@code Session.run}, in the calling thread: decoding runs in as many
 * threads as call {@link #decode} at once (the session is thread-safe). Owns a graph and a session:
 * close it.
 */
final class ImageDecoder implements AutoCloseable {
  /** Ops run in the caller's thread: parallelism comes from the decoding threads. */
  private static final RunOptions CALLER_THREAD =
      RunOptions.newBuilder().setInterOpThreadPool(-1).build();

  /**
   * What every decoded image becomes.
   *
   * @param height the output height
   * @param width the output width
   * @param channels 1 (grayscale), 3 (rgb) or 4 (rgba)
   * @param interpolation bilinear, nearest, bicubic or area
   * @param crop Keras' crop_to_aspect_ratio
   * @param pad Keras' pad_to_aspect_ratio
   * @param scale the factor pixels (0..255) are multiplied by
   */
  record Config(
      int height,
      int width,
      int channels,
      String interpolation,
      boolean crop,
      boolean pad,
      float scale) {}

  private record Unrolled(Placeholder<TString> input, Operand<TFloat32> output) {}

  /** Constants every unrolled image shares (one node each, not one per image). */
  private record Shared(
      Operand<TInt32> zero, Operand<TInt32> one, Operand<TInt32> minusOne, Operand<TInt32> size) {}

  private Shared constants;

  private final Config config;
  private final Graph graph;
  private final Session session;
  private final Map<Integer, Unrolled> bySize = new LinkedHashMap<>();
  private final Placeholder<TString> raw;
  private final Operand<TString> toGrey;
  private final Operand<TString> toRgba;
  private final byte[] stub;

  /**
   * @param config the output images
   * @param batchSizes the numbers of images {@link #decode} will be given at once
   */
  ImageDecoder(Config config, int... batchSizes) {
    this.config = config;
    this.graph = new Graph();
    try {
      Ops tf = Ops.create(graph);
      constants =
          new Shared(
              tf.constant(0),
              tf.constant(1),
              tf.constant(-1),
              tf.constant(new int[] {config.height(), config.width()}));
      for (int n : batchSizes) {
        if (n > 0 && !bySize.containsKey(n)) {
          bySize.put(n, unrolled(tf, n));
        }
      }
      raw = tf.withName("raw").placeholder(TString.class, Placeholder.shape(Shape.scalar()));
      Operand<TUint8> rgb =
          tf.image.decodeImage(
              raw, TUint8.class, DecodeImage.channels(3L), DecodeImage.expandAnimations(false));
      toGrey = tf.image.encodePng(grey(tf, rgb));
      Operand<TUint8> alpha =
          tf.fill(
              tf.concat(
                  List.of(
                      tf.slice(
                          tf.shape(rgb), tf.constant(new int[] {0}), tf.constant(new int[] {2})),
                      tf.constant(new int[] {1})),
                  tf.constant(0)),
              tf.constant((byte) 255));
      toRgba = tf.image.encodePng(tf.concat(List.of(rgb, alpha), tf.constant(-1)));
      Operand<TString> stubPng = tf.image.encodePng(tf.constant(new byte[][][] {{{(byte) 0}}}));
      session = new Session(graph);
      try (Result r = session.runner().fetch(stubPng).run()) {
        stub = ((TString) r.get(0)).asBytes().getObject();
      }
    } catch (RuntimeException e) {
      close();
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
   * @return a tiny valid PNG, decoded in place of images that are skipped
   */
  byte[] stub() {
    return stub.clone();
  }

  /**
   * Decodes a batch.
   *
   * @param encoded one encoded image per sample; their count must be one of the batch sizes given
   *     at construction
   * @return a result whose tensor 0 is the batch, float32 (n, height, width, channels); the caller
   *     closes it
   * @throws RuntimeException (TensorFlow's) when an image cannot be decoded
   */
  Result decode(byte[][] encoded) {
    Unrolled u = bySize.get(encoded.length);
    if (u == null) {
      throw new IllegalArgumentException(
          "no decoding graph for " + encoded.length + " images; built for " + bySize.keySet());
    }
    try (TString in = TString.tensorOfBytes(NdArrays.vectorOfObjects(encoded))) {
      return session.runner().feed(u.input(), in).fetch(u.output()).setOptions(CALLER_THREAD).run();
    }
  }

  /**
   * Reads an image file for {@link #decode}: refuses it when its header declares more than {@code
   * maxPixels} pixels (before any decoding), and converts what TensorFlow's decoders cannot give in
   * this decoder's channels ({@link #convert}).
   *
   * @param file the image file
   * @param maxPixels the largest width x height accepted
   * @return the bytes to decode
   * @throws JerasException naming the file when it cannot be read, is no supported image, is too
   *     large or cannot be decoded
   */
  byte[] prepare(Path file, long maxPixels) {
    byte[] bytes;
    try {
      bytes = Files.readAllBytes(file);
    } catch (IOException | OutOfMemoryError e) {
      throw new JerasException(file + ": cannot read the image: " + e, e);
    }
    return prepare(bytes, file, maxPixels);
  }

  /**
   * {@link #prepare(Path, long)} for an image already in memory.
   *
   * @param bytes the encoded image
   * @param file what messages name it by
   * @param maxPixels the largest width x height accepted
   * @return the bytes to decode
   * @throws JerasException naming {@code file} when it is no supported image, is too large or
   *     cannot be decoded
   */
  byte[] prepare(byte[] bytes, Path file, long maxPixels) {
    ImageHeader h = ImageHeader.read(bytes, file);
    if (h.width() <= 0 || h.height() <= 0) {
      throw new CorruptFileException(
          file, "image size", "at least 1x1 pixels", h.width() + "x" + h.height());
    }
    if (h.pixels() > maxPixels) {
      throw new JerasException(
          String.format(
              Locale.ROOT,
              "%s: a %s of %dx%d pixels (%,d) is above the limit of %,d pixels"
                  + " (maxImagePixels, --max-image-pixels); refused before decoding",
              file,
              h.format(),
              h.width(),
              h.height(),
              h.pixels(),
              maxPixels));
    }
    int c = config.channels();
    boolean convert =
        (c == 1
                && (h.format() == ImageHeader.Format.GIF
                    || h.format() == ImageHeader.Format.BMP
                    || (h.format() == ImageHeader.Format.JPEG && h.components() == 4)))
            || (c == 4
                && (h.format() == ImageHeader.Format.JPEG || h.format() == ImageHeader.Format.GIF));
    if (!convert) {
      return bytes;
    }
    try {
      return convert(bytes, c);
    } catch (RuntimeException e) {
      throw new JerasException(file + ": cannot decode the image: " + firstLine(e.getMessage()), e);
    }
  }

  /**
   * @return the first line of a TensorFlow error, without the node it names
   */
  static String firstLine(String s) {
    if (s == null) {
      return "unknown error";
    }
    String line = s.strip().lines().findFirst().orElse(s);
    int node = line.indexOf("[[");
    return node > 0 ? line.substring(0, node).strip() : line;
  }

  /**
   * Converts an image TensorFlow's decoders cannot give in the wanted channels (a GIF or BMP as
   * grayscale, a JPEG or GIF as rgba, a CMYK JPEG as grayscale) into a PNG they can: decoded as
   * RGB, then grey = floor(0.299 R + 0.587 G + 0.114 B + 0.5), or RGB with alpha 255.
   *
   * @param encoded the image
   * @param channels 1 or 4
   * @return a PNG of the converted pixels (lossless)
   */
  byte[] convert(byte[] encoded, int channels) {
    Operand<TString> out = channels == 1 ? toGrey : toRgba;
    try (TString in = TString.tensorOfBytes(NdArrays.scalarOfObject(encoded));
        Result r = session.runner().feed(raw, in).fetch(out).setOptions(CALLER_THREAD).run()) {
      return ((TString) r.get(0)).asBytes().getObject();
    }
  }

  private Unrolled unrolled(Ops tf, int n) {
    Placeholder<TString> in =
        tf.withName("encoded_" + n).placeholder(TString.class, Placeholder.shape(Shape.of(n)));
    List<Operand<TString>> parts = new ArrayList<>();
    if (n == 1) {
      parts.add(tf.reshape(in, tf.constant(new int[0])));
    } else {
      tf.unstack(in, (long) n).output().forEach(parts::add);
    }
    List<Operand<TFloat32>> images = new ArrayList<>();
    for (Operand<TString> p : parts) {
      images.add(image(tf, p));
    }
    Operand<TFloat32> batch = n == 1 ? images.get(0) : tf.concat(images, tf.constant(0));
    if (config.scale() != 1f) {
      batch = tf.math.mul(batch, tf.constant(config.scale()));
    }
    return new Unrolled(in, tf.withName("images_" + n).identity(batch));
  }

  /** One image: decoded, cropped or padded as asked, resized; shape (1, height, width, c). */
  private Operand<TFloat32> image(Ops tf, Operand<TString> bytes) {
    Operand<TUint8> img =
        tf.image.decodeImage(
            bytes,
            TUint8.class,
            DecodeImage.channels((long) config.channels()),
            DecodeImage.expandAnimations(false));
    Shared c = constants;
    Operand<TUint8> x = tf.expandDims(img, c.zero());
    if (!config.crop() && !config.pad()) {
      return resize(tf, x, c.size());
    }
    Operand<TInt32> shape = tf.shape(img);
    Operand<TInt32> h = tf.gather(shape, c.zero(), c.zero());
    Operand<TInt32> w = tf.gather(shape, c.one(), c.zero());
    int th = config.height();
    int tw = config.width();
    if (config.crop()) {
      // Keras' smart_resize (its TensorFlow branch): the largest centred window of the target's
      // aspect ratio, then the resize
      Operand<TInt32> ch = cropSide(tf, w, th, tw, h);
      Operand<TInt32> cw = cropSide(tf, h, tw, th, w);
      Operand<TInt32> hs = half(tf, tf.math.sub(h, ch));
      Operand<TInt32> ws = half(tf, tf.math.sub(w, cw));
      Operand<TInt32> begin = tf.stack(List.of(c.zero(), hs, ws, c.zero()));
      Operand<TInt32> size = tf.stack(List.of(c.one(), ch, cw, c.minusOne()));
      return resize(tf, tf.slice(x, begin, size), c.size());
    }
    // tf.image.resize_with_pad: resize to fit inside, then pad with zeros, centred
    Operand<TFloat32> fh = tf.dtypes.cast(h, TFloat32.class);
    Operand<TFloat32> fw = tf.dtypes.cast(w, TFloat32.class);
    Operand<TFloat32> ratio =
        tf.math.maximum(
            tf.math.realDiv(fw, tf.constant((float) tw)),
            tf.math.realDiv(fh, tf.constant((float) th)));
    Operand<TFloat32> rhf = tf.math.realDiv(fh, ratio);
    Operand<TFloat32> rwf = tf.math.realDiv(fw, ratio);
    Operand<TInt32> rh = tf.dtypes.cast(tf.math.floor(rhf), TInt32.class);
    Operand<TInt32> rw = tf.dtypes.cast(tf.math.floor(rwf), TInt32.class);
    Operand<TInt32> ph = padOffset(tf, th, rhf);
    Operand<TInt32> pw = padOffset(tf, tw, rwf);
    Operand<TFloat32> resized = resize(tf, x, tf.stack(List.of(rh, rw)));
    Operand<TInt32> paddings =
        tf.reshape(
            tf.stack(
                List.of(
                    tf.constant(0),
                    tf.constant(0),
                    ph,
                    tf.math.sub(tf.math.sub(tf.constant(th), ph), rh),
                    pw,
                    tf.math.sub(tf.math.sub(tf.constant(tw), pw), rw),
                    tf.constant(0),
                    tf.constant(0))),
            tf.constant(new int[] {4, 2}));
    return tf.pad(resized, paddings, tf.constant(0f));
  }

  /** min(max(int(float(other * target) / targetOther), 1), side), as Keras computes it. */
  private static Operand<TInt32> cropSide(
      Ops tf, Operand<TInt32> other, int target, int targetOther, Operand<TInt32> side) {
    Operand<TFloat32> f =
        tf.math.realDiv(
            tf.dtypes.cast(tf.math.mul(other, tf.constant(target)), TFloat32.class),
            tf.constant((float) targetOther));
    Operand<TInt32> crop = tf.math.minimum(side, tf.dtypes.cast(f, TInt32.class));
    return tf.math.maximum(crop, tf.constant(1));
  }

  /** int(float(v) / 2). */
  private static Operand<TInt32> half(Ops tf, Operand<TInt32> v) {
    return tf.dtypes.cast(
        tf.math.realDiv(tf.dtypes.cast(v, TFloat32.class), tf.constant(2f)), TInt32.class);
  }

  /** max(0, int(floor((target - resized) / 2))), as resize_with_pad computes it. */
  private static Operand<TInt32> padOffset(Ops tf, int target, Operand<TFloat32> resized) {
    Operand<TFloat32> p =
        tf.math.realDiv(tf.math.sub(tf.constant((float) target), resized), tf.constant(2f));
    return tf.math.maximum(tf.constant(0), tf.dtypes.cast(tf.math.floor(p), TInt32.class));
  }

  /** tf.image.resize (version 2, antialias off) with the configured interpolation. */
  private Operand<TFloat32> resize(Ops tf, Operand<TUint8> x, Operand<TInt32> size) {
    return switch (config.interpolation()) {
      case "nearest" ->
          tf.dtypes.cast(
              tf.image.resizeNearestNeighbor(x, size, ResizeNearestNeighbor.halfPixelCenters(true)),
              TFloat32.class);
      case "bicubic" -> tf.image.resizeBicubic(x, size, ResizeBicubic.halfPixelCenters(true));
      case "area" -> tf.image.resizeArea(x, size);
      default -> tf.image.resizeBilinear(x, size, ResizeBilinear.halfPixelCenters(true));
    };
  }

  /** floor(0.299 R + 0.587 G + 0.114 B + 0.5) as uint8, shape (h, w, 1). */
  private static Operand<TUint8> grey(Ops tf, Operand<TUint8> rgb) {
    Operand<TFloat32> f = tf.dtypes.cast(rgb, TFloat32.class);
    Operand<TFloat32> sum = null;
    float[] weights = {0.299f, 0.587f, 0.114f};
    for (int c = 0; c < 3; c++) {
      Operand<TFloat32> channel =
          tf.slice(f, tf.constant(new int[] {0, 0, c}), tf.constant(new int[] {-1, -1, 1}));
      Operand<TFloat32> term = tf.math.mul(channel, tf.constant(weights[c]));
      sum = sum == null ? term : tf.math.add(sum, term);
    }
    return tf.dtypes.cast(tf.math.floor(tf.math.add(sum, tf.constant(0.5f))), TUint8.class);
  }

  @Override
  public void close() {
    try {
      if (session != null) {
        session.close();
      }
    } finally {
      graph.close();
    }
  }
}
