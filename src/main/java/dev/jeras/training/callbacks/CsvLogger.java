package dev.jeras.training.callbacks;

import dev.jeras.JerasException;
import dev.jeras.internal.IoErrors;
import dev.jeras.training.Callback;
import dev.jeras.training.FitState;
import dev.jeras.training.History;
import java.io.BufferedWriter;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Streams epoch results to a CSV file, as Keras' {@code CSVLogger}: a header {@code epoch,<keys in
 * sorted order>} then one row per epoch, flushed as it is written.
 *
 * <p>Defaults: separator ",", append false (an existing file is replaced; with append, rows are
 * added and the header is written only to a new file).
 *
 * <pre>{@code
 * new CsvLogger(Path.of("training.csv"))
 * }</pre>
 */
public final class CsvLogger implements Callback {
  private final Path file;
  private final String separator;
  private final boolean append;
  private BufferedWriter out;
  private List<String> keys;

  /**
   * @param file the CSV file
   */
  public CsvLogger(Path file) {
    this(file, ",", false);
  }

  /**
   * @param file the CSV file
   * @param separator the field separator
   * @param append whether to add to an existing file
   */
  public CsvLogger(Path file, String separator, boolean append) {
    this.file = file;
    this.separator = separator;
    this.append = append;
  }

  @Override
  public void onTrainBegin(FitState state) {
    try {
      if (file.toAbsolutePath().getParent() != null) {
        Files.createDirectories(file.toAbsolutePath().getParent());
      }
      boolean existing = append && Files.exists(file) && Files.size(file) > 0;
      out =
          Files.newBufferedWriter(
              file,
              StandardOpenOption.CREATE,
              append ? StandardOpenOption.APPEND : StandardOpenOption.TRUNCATE_EXISTING,
              StandardOpenOption.WRITE);
      keys = existing ? header() : null;
    } catch (IOException e) {
      throw new JerasException(file + ": cannot open the CSV log: " + IoErrors.describe(e), e);
    }
  }

  private List<String> header() throws IOException {
    List<String> lines = Files.readAllLines(file);
    List<String> k =
        new ArrayList<>(List.of(lines.get(0).split(java.util.regex.Pattern.quote(separator))));
    k.remove(0);
    return k;
  }

  @Override
  public void onEpochEnd(int epoch, Map<String, Double> logs, FitState state) {
    try {
      if (keys == null) {
        keys = logs.keySet().stream().sorted().toList();
        out.write("epoch" + separator + String.join(separator, keys));
        out.newLine();
      }
      StringBuilder row = new StringBuilder(Integer.toString(epoch));
      for (String k : keys) {
        Double v = logs.get(k);
        row.append(separator).append(v == null ? "NA" : String.format(Locale.ROOT, "%s", v));
      }
      out.write(row.toString());
      out.newLine();
      out.flush();
    } catch (IOException e) {
      throw new JerasException(file + ": cannot write the CSV log: " + IoErrors.describe(e), e);
    }
  }

  @Override
  public void onTrainEnd(History history, FitState state) {
    try {
      if (out != null) {
        out.close();
      }
    } catch (IOException e) {
      throw new JerasException(file + ": cannot close the CSV log: " + IoErrors.describe(e), e);
    }
  }
}
