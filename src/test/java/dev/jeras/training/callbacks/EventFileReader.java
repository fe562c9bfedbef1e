package dev.jeras.training.callbacks;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.tensorflow.proto.Event;

/** Reads TFRecord event files back in tests, checking both CRCs of every record. */
final class EventFileReader {
  private EventFileReader() {}

  /**
   * @return the events of one file, in order
   */
  static List<Event> read(Path file) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(Files.readAllBytes(file)).order(ByteOrder.LITTLE_ENDIAN);
    List<Event> events = new ArrayList<>();
    while (b.hasRemaining()) {
      if (b.remaining() < 12) {
        throw new IOException(file + ": truncated record header at byte " + b.position());
      }
      byte[] header = new byte[8];
      b.get(header);
      int headerCrc = b.getInt();
      if (headerCrc != EventFileWriter.maskedCrc32c(header)) {
        throw new IOException(file + ": bad length CRC at byte " + (b.position() - 12));
      }
      long length = ByteBuffer.wrap(header).order(ByteOrder.LITTLE_ENDIAN).getLong();
      if (length < 0 || length > b.remaining() - 4) {
        throw new IOException(file + ": record length " + length + " past the end");
      }
      byte[] payload = new byte[(int) length];
      b.get(payload);
      if (b.getInt() != EventFileWriter.maskedCrc32c(payload)) {
        throw new IOException(file + ": bad payload CRC");
      }
      events.add(Event.parseFrom(payload));
    }
    return events;
  }

  /**
   * @return the single event file in a run directory
   */
  static Path onlyFile(Path runDir) throws IOException {
    try (Stream<Path> s = Files.list(runDir)) {
      List<Path> files =
          s.filter(p -> p.getFileName().toString().startsWith("events.out.tfevents.")).toList();
      if (files.size() != 1) {
        throw new IOException(runDir + ": expected one event file, found " + files);
      }
      return files.get(0);
    }
  }
}
