package dev.jeras.training.callbacks;

import dev.jeras.JerasException;
import dev.jeras.training.Callback;
import dev.jeras.training.FitState;
import dev.jeras.training.History;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * Plots the training curves to a PNG: one panel per metric side by side (by default {@code loss}
 * and {@code accuracy}), each with its training series and, when validating, its validation series
 * ({@code val_loss}, ...), against the epoch (from 1, as the progress lines count). Written at
 * train end, and after each epoch with {@link #everyEpoch(boolean)}, so the file can be watched.
 *
 * <p>Rendering is headless (XChart on Java2D): {@code java.awt.headless} is set to {@code true}, if
 * not set, when this class loads. XChart is an optional dependency of jeras: add {@value #XCHART}
 * to use this class (its constructor says so when it is missing, before any training). The PNG is
 * written atomically (a temporary file in the same directory, then a rename), so a reader never
 * sees half a file. A file that cannot be written throws {@link JerasException} naming it.
 *
 * <p>Parameters and defaults: {@code png} (required); {@link #size(int, int)} 1200 x 500 pixels for
 * the whole image; {@link #title(String)} the model's name shown in each panel's title (default
 * none); {@link #metrics(String...)} the panels (default every logged metric without a {@code val_}
 * prefix, {@code learning_rate} excepted); {@link #everyEpoch(boolean)} false.
 *
 * <pre>{@code
 * model.fit(x, y, new FitOptions().epochs(10).validationSplit(0.1)
 *     .callbacks(new PlotCurves(Path.of("curves.png")).title(model.name())));
 * PlotCurves.plot(history, Path.of("curves.png")); // or afterwards, from a History
 * }</pre>
 */
public final class PlotCurves implements Callback {
  static {
    if (System.getProperty("java.awt.headless") == null) {
      System.setProperty("java.awt.headless", "true");
    }
  }

  /**
   * The Maven coordinates of the XChart this class draws with (the version jeras is built with).
   */
  public static final String XCHART = "org.knowm.xchart:xchart:4.0.3";

  /** Default image width in pixels (all panels together). */
  public static final int DEFAULT_WIDTH = 1200;

  /** Default image height in pixels. */
  public static final int DEFAULT_HEIGHT = 500;

  private final Path png;
  private int width = DEFAULT_WIDTH;
  private int height = DEFAULT_HEIGHT;
  private String title;
  private List<String> metrics;
  private boolean everyEpoch;
  private final List<Map<String, Double>> seen = new ArrayList<>();

  /**
   * @param png the PNG file to write (its directory is created if needed)
   * @throws JerasException if XChart is not on the class path
   */
  public PlotCurves(Path png) {
    this.png = Objects.requireNonNull(png, "png");
    requireClass("org.knowm.xchart.XYChart");
  }

  /** Fails with the dependency to add where {@code className} (an XChart class) is missing. */
  static void requireClass(String className) {
    try {
      Class.forName(className, false, PlotCurves.class.getClassLoader());
    } catch (ClassNotFoundException e) {
      throw new JerasException(
          "PlotCurves draws with XChart, an optional dependency of jeras that is not on the class"
              + " path ("
              + className
              + " not found): add "
              + XCHART
              + " to your project's dependencies");
    }
  }

  /**
   * Plots a finished run with the defaults.
   *
   * @param history what {@code fit} returned
   * @param png the PNG file to write
   * @return the file written
   */
  public static Path plot(History history, Path png) {
    return new PlotCurves(png).write(history);
  }

  /**
   * @param width the whole image's width in pixels (default 1200), shared by the panels
   * @param height its height in pixels (default 500)
   * @return this
   */
  public PlotCurves size(int width, int height) {
    if (width <= 0 || height <= 0) {
      throw new IllegalArgumentException(
          "plot size must be positive, got " + width + " x " + height);
    }
    this.width = width;
    this.height = height;
    return this;
  }

  /**
   * @param modelName shown in each panel's title ({@code "mnist_cnn: loss"}); {@code null} for none
   * @return this
   */
  public PlotCurves title(String modelName) {
    this.title = modelName;
    return this;
  }

  /**
   * @param names the metrics to plot, one panel each ({@code "loss", "accuracy"}); none for the
   *     default (every logged metric)
   * @return this
   */
  public PlotCurves metrics(String... names) {
    this.metrics = names.length == 0 ? null : List.copyOf(Arrays.asList(names));
    return this;
  }

  /**
   * @param everyEpoch whether to rewrite the PNG after each epoch too (default false: at train end)
   * @return this
   */
  public PlotCurves everyEpoch(boolean everyEpoch) {
    this.everyEpoch = everyEpoch;
    return this;
  }

  /**
   * @return the PNG file
   */
  public Path path() {
    return png;
  }

  @Override
  public void onTrainBegin(FitState state) {
    seen.clear();
  }

  @Override
  public void onEpochEnd(int epoch, Map<String, Double> logs, FitState state) {
    seen.add(new LinkedHashMap<>(logs));
    if (everyEpoch) {
      write(seen);
    }
  }

  @Override
  public void onTrainEnd(History history, FitState state) {
    if (history.epochCount() > 0) {
      write(history);
    }
  }

  /**
   * Plots a run with this configuration.
   *
   * @param history what {@code fit} returned
   * @return the file written
   * @throws JerasException if the history has nothing to plot or the file cannot be written
   */
  public Path write(History history) {
    return write(history.epochs());
  }

  /**
   * Plots per-epoch logs with this configuration.
   *
   * @param epochs each epoch's logs, in order
   * @return the file written
   * @throws JerasException if there is nothing to plot or the file cannot be written
   */
  public Path write(List<Map<String, Double>> epochs) {
    List<String> panels = metrics != null ? metrics : defaultMetrics(epochs);
    if (epochs.isEmpty() || panels.isEmpty()) {
      throw new JerasException(
          "nothing to plot into " + png + ": " + epochs.size() + " epochs, metrics " + panels);
    }
    // written beside the target and moved into place (0644, like every other file jeras publishes)
    dev.jeras.saving.AtomicFiles.writeFile(
        png,
        tmp -> {
          try (OutputStream out = Files.newOutputStream(tmp)) {
            CurveCharts.writePng(epochs, panels, title, width, height, out);
          }
        });
    return png;
  }

  /** Every logged name without the {@code val_} prefix, {@code learning_rate} excepted. */
  static List<String> defaultMetrics(List<Map<String, Double>> epochs) {
    Set<String> names = new LinkedHashSet<>();
    for (Map<String, Double> e : epochs) {
      for (String k : e.keySet()) {
        String base = k.startsWith("val_") ? k.substring(4) : k;
        if (!base.equals("learning_rate")) {
          names.add(base);
        }
      }
    }
    return new ArrayList<>(names);
  }
}
