package dev.jeras.training.callbacks;

import dev.jeras.models.Model;
import dev.jeras.saving.ModelFiles;
import dev.jeras.training.Callback;
import dev.jeras.training.FitState;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Saves the model after each epoch, as Keras' {@code ModelCheckpoint}: to a {@code .keras} file, a
 * {@code .weights.h5} file or a SavedModel directory (by the path's form), atomically. The path may
 * name the epoch and logs: {@code model-{epoch:02d}-{val_loss:.3f}.keras}.
 *
 * <p>Defaults: monitor {@code val_loss}, save_best_only false, mode auto. With save_best_only the
 * file is written only when the monitored value improves.
 *
 * <pre>{@code
 * new ModelCheckpoint(model, Path.of("best.keras")).saveBestOnly(true)
 * }</pre>
 */
public final class ModelCheckpoint implements Callback {
  private static final Logger LOG = LoggerFactory.getLogger(ModelCheckpoint.class);
  private static final Pattern FIELD = Pattern.compile("\\{(\\w+)(?::([^}]*))?}");

  private final Model model;
  private final String pattern;
  private Monitor monitor = new Monitor("val_loss", "auto");
  private boolean saveBestOnly;
  private double best = Double.NaN;

  /**
   * @param model the model being trained
   * @param path where to save (may contain {epoch} and {log_key} fields)
   */
  public ModelCheckpoint(Model model, Path path) {
    this.model = model;
    this.pattern = path.toString();
  }

  /**
   * @return this, monitoring that log key (mode auto)
   */
  public ModelCheckpoint monitor(String key, String mode) {
    this.monitor = new Monitor(key, mode);
    return this;
  }

  /**
   * @return this, saving only when the monitored value improves (default false)
   */
  public ModelCheckpoint saveBestOnly(boolean only) {
    this.saveBestOnly = only;
    return this;
  }

  @Override
  public void onTrainBegin(FitState state) {
    best = monitor.worst();
  }

  @Override
  public void onEpochEnd(int epoch, Map<String, Double> logs, FitState state) {
    if (saveBestOnly) {
      Double current = monitor.read(logs, "ModelCheckpoint");
      if (current == null || !monitor.improves(current, best, 0)) {
        return;
      }
      LOG.info("ModelCheckpoint: {} improved from {} to {}", monitor.name(), best, current);
      best = current;
    }
    Path target = Path.of(format(pattern, epoch + 1, logs));
    ModelFiles.save(model, target);
  }

  /** Fills {epoch}, {epoch:02d}, {val_loss:.4f}-style fields (Python format spec subset). */
  static String format(String pattern, int epoch, Map<String, Double> logs) {
    Matcher m = FIELD.matcher(pattern);
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      String key = m.group(1);
      String spec = m.group(2) == null ? "" : m.group(2);
      Object value = key.equals("epoch") ? (Object) epoch : logs.get(key);
      String text;
      if (value == null) {
        text = m.group();
      } else if (spec.isEmpty()) {
        text = String.valueOf(value);
      } else {
        String javaSpec = "%" + spec.replace("d", value instanceof Integer ? "d" : ".0f");
        text = String.format(Locale.ROOT, javaSpec, value);
      }
      m.appendReplacement(out, Matcher.quoteReplacement(text));
    }
    m.appendTail(out);
    return out.toString();
  }
}
