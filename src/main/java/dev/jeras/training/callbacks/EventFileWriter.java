package dev.jeras.training.callbacks;

import dev.jeras.JerasException;
import dev.jeras.internal.IoErrors;
import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Locale;
import java.util.zip.CRC32C;
import org.tensorflow.proto.Event;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.Summary;

/**
 * Writes one TensorBoard event file: TFRecords of serialized {@code tensorflow.Event} protos, the
 * first one carrying {@code file_version "brain.Event:2"}.
 *
 * <p>Each record is framed as TensorFlow frames it: the payload length (uint64, little-endian), the
 * masked CRC32C of those 8 bytes, the payload, the masked CRC32C of the payload; a masked CRC is
 * {@code ((crc >>> 15) | (crc << 17)) + 0xa282ead8}. Scalars are written as {@code
 * Summary.Value.simple_value} (float32), which TensorBoard's scalar dashboard and its {@code
 * EventAccumulator.Scalars} read directly. The file is named as TensorFlow's v2 writers name it:
 * {@code events.out.tfevents.<seconds>.<host>.<pid>.v2} (a counter goes before {@code .v2} when two
 * writers start in the same second in the same directory).
 *
 * <p>I/O failures throw {@link JerasException} naming the file. Each call is atomic (synchronized).
 *
 * <pre>{@code
 * try (EventFileWriter w = EventFileWriter.create(Path.of("logs/train"))) {
 *   w.scalar("epoch_loss", 0, 0.42);
 * }
 * }</pre>
 */
public final class EventFileWriter implements AutoCloseable {
  /** The version string of the first event, as TensorFlow 2 writes it. */
  public static final String FILE_VERSION = "brain.Event:2";

  private static final int MASK_DELTA = 0xa282ead8;
  private static final String HOST = hostName();

  private final Path file;
  private OutputStream out;

  private EventFileWriter(Path file, OutputStream out) {
    this.file = file;
    this.out = out;
  }

  /**
   * Creates the directory if needed and a new event file in it, and writes the file-version event.
   *
   * @param dir the run directory ({@code <logDir>/train}, {@code <logDir>/validation})
   * @return the open writer
   * @throws JerasException if the directory or file cannot be created
   */
  public static EventFileWriter create(Path dir) {
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new JerasException(
          "cannot create TensorBoard log directory " + dir + ": " + describe(e), e);
    }
    long seconds = System.currentTimeMillis() / 1000;
    long pid = ProcessHandle.current().pid();
    for (int n = 0; ; n++) {
      String name =
          n == 0
              ? String.format(Locale.ROOT, "events.out.tfevents.%010d.%s.%d.v2", seconds, HOST, pid)
              : String.format(
                  Locale.ROOT, "events.out.tfevents.%010d.%s.%d.%d.v2", seconds, HOST, pid, n);
      Path file = dir.resolve(name);
      OutputStream os;
      try {
        os = Files.newOutputStream(file, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE);
      } catch (FileAlreadyExistsException e) {
        continue;
      } catch (IOException e) {
        throw new JerasException(
            "cannot create TensorBoard event file " + file + ": " + describe(e), e);
      }
      EventFileWriter w = new EventFileWriter(file, new BufferedOutputStream(os, 1 << 16));
      w.write(Event.newBuilder().setWallTime(now()).setFileVersion(FILE_VERSION).build());
      w.flush();
      return w;
    }
  }

  /**
   * @return the event file being written
   */
  public Path file() {
    return file;
  }

  /**
   * Writes one scalar ({@code simple_value}, rounded to float32).
   *
   * @param tag its name ({@code epoch_loss})
   * @param step its step (the epoch, from 0, for epoch scalars)
   * @param value its value
   */
  public void scalar(String tag, long step, double value) {
    Summary summary =
        Summary.newBuilder()
            .addValue(Summary.Value.newBuilder().setTag(tag).setSimpleValue((float) value))
            .build();
    write(Event.newBuilder().setWallTime(now()).setStep(step).setSummary(summary).build());
  }

  /**
   * Writes a graph (the event's {@code graph_def} field), which TensorBoard's Graphs tab shows.
   *
   * @param graph the graph
   */
  public void graph(GraphDef graph) {
    write(
        Event.newBuilder().setWallTime(now()).setStep(0).setGraphDef(graph.toByteString()).build());
  }

  /**
   * Appends one event as a record.
   *
   * @param event the event
   * @throws JerasException if the file cannot be written, or is closed
   */
  public synchronized void write(Event event) {
    if (out == null) {
      throw new JerasException("TensorBoard event file " + file + " is already closed");
    }
    byte[] payload = event.toByteArray();
    byte[] header =
        ByteBuffer.allocate(8).order(ByteOrder.LITTLE_ENDIAN).putLong(payload.length).array();
    ByteBuffer frame =
        ByteBuffer.allocate(8 + 4 + payload.length + 4).order(ByteOrder.LITTLE_ENDIAN);
    frame.put(header).putInt(maskedCrc32c(header)).put(payload).putInt(maskedCrc32c(payload));
    try {
      out.write(frame.array());
    } catch (IOException e) {
      throw failure(e);
    }
  }

  /** Pushes buffered events to the file, so that a running TensorBoard sees them. */
  public synchronized void flush() {
    if (out == null) {
      return;
    }
    try {
      out.flush();
    } catch (IOException e) {
      throw failure(e);
    }
  }

  /** Flushes and closes the file; later calls do nothing. */
  @Override
  public synchronized void close() {
    if (out == null) {
      return;
    }
    OutputStream o = out;
    out = null;
    try {
      o.close();
    } catch (IOException e) {
      throw failure(e);
    }
  }

  /**
   * @param data bytes
   * @return their CRC32C, masked as TFRecord masks it
   */
  public static int maskedCrc32c(byte[] data) {
    CRC32C crc = new CRC32C();
    crc.update(data, 0, data.length);
    int c = (int) crc.getValue();
    return ((c >>> 15) | (c << 17)) + MASK_DELTA;
  }

  private JerasException failure(IOException e) {
    return new JerasException(
        "cannot write TensorBoard event file " + file + ": " + describe(e), e);
  }

  private static String describe(IOException e) {
    return IoErrors.describe(e);
  }

  private static double now() {
    return System.currentTimeMillis() / 1000.0;
  }

  /** The kernel's host name when the environment has it (no DNS look-up), else Java's. */
  private static String hostName() {
    String h = System.getenv("HOSTNAME");
    if (h == null || h.isBlank()) {
      h = System.getenv("COMPUTERNAME");
    }
    if (h == null || h.isBlank()) {
      try {
        h = InetAddress.getLocalHost().getHostName();
      } catch (IOException | RuntimeException e) {
        h = "localhost";
      }
    }
    return h.replaceAll("[^A-Za-z0-9._-]", "_");
  }
}
