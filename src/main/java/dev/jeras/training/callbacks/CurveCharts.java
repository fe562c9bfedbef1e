package dev.jeras.training.callbacks;

import dev.jeras.JerasException;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import javax.imageio.ImageIO;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.XYStyler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * Draws the curves of {@link PlotCurves} with XChart. Kept apart so that no AWT or XChart class
 * loads before {@link PlotCurves} has set {@code java.awt.headless} and checked that XChart is on
 * the class path.
 */
final class CurveCharts {
  private static final Color TRAIN = new Color(31, 119, 180);
  private static final Color VALIDATION = new Color(255, 127, 14);

  private CurveCharts() {}

  /** Renders one panel per metric, side by side, into {@code width x height} pixels of PNG. */
  static void writePng(
      List<Map<String, Double>> epochs,
      List<String> metrics,
      String title,
      int width,
      int height,
      OutputStream out)
      throws IOException {
    List<String> drawn = new ArrayList<>();
    for (String m : metrics) {
      if (!points(epochs, m).isEmpty() || !points(epochs, "val_" + m).isEmpty()) {
        drawn.add(m);
      }
    }
    if (drawn.isEmpty()) {
      TreeSet<String> keys = new TreeSet<>();
      epochs.forEach(e -> keys.addAll(e.keySet()));
      throw new JerasException(
          "nothing to plot: no finite values of " + metrics + " in the logs (keys: " + keys + ")");
    }
    BufferedImage image = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = image.createGraphics();
    try {
      g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, width, height);
      int n = drawn.size();
      for (int i = 0; i < n; i++) {
        int x0 = i * width / n;
        int x1 = (i + 1) * width / n;
        XYChart chart = chart(epochs, drawn.get(i), title, x1 - x0, height);
        Graphics2D panel = (Graphics2D) g.create(x0, 0, x1 - x0, height);
        try {
          chart.paint(panel, x1 - x0, height);
        } finally {
          panel.dispose();
        }
      }
    } finally {
      g.dispose();
    }
    if (!ImageIO.write(image, "png", out)) {
      throw new IOException("no PNG writer in this Java runtime");
    }
  }

  private static XYChart chart(
      List<Map<String, Double>> epochs, String metric, String title, int width, int height) {
    XYChart chart =
        new XYChartBuilder()
            .width(width)
            .height(height)
            .title(title == null || title.isBlank() ? metric : title + ": " + metric)
            .xAxisTitle("epoch")
            .yAxisTitle(metric)
            .build();
    Styler.LegendPosition legend =
        metric.contains("loss") ? Styler.LegendPosition.InsideNE : Styler.LegendPosition.InsideSE;
    XYStyler st = chart.getStyler();
    st.setLegendPosition(legend);
    st.setChartBackgroundColor(Color.WHITE);
    st.setPlotBackgroundColor(Color.WHITE);
    st.setPlotGridLinesColor(new Color(225, 225, 225));
    st.setChartTitleBoxVisible(false);
    st.setLegendBorderColor(new Color(200, 200, 200));
    st.setMarkerSize(6);
    st.setXAxisDecimalPattern("0.#");
    addSeries(chart, "train", points(epochs, metric), TRAIN);
    addSeries(chart, "validation", points(epochs, "val_" + metric), VALIDATION);
    return chart;
  }

  private static void addSeries(XYChart chart, String name, List<double[]> pts, Color color) {
    if (pts.isEmpty()) {
      return;
    }
    double[] x = new double[pts.size()];
    double[] y = new double[pts.size()];
    for (int i = 0; i < x.length; i++) {
      x[i] = pts.get(i)[0];
      y[i] = pts.get(i)[1];
    }
    XYSeries s = chart.addSeries(name, x, y);
    s.setLineColor(color);
    s.setMarkerColor(color);
    s.setMarker(SeriesMarkers.CIRCLE);
    s.setLineStyle(new BasicStroke(2f));
  }

  /** The finite values of a key as (epoch from 1, value) pairs. */
  private static List<double[]> points(List<Map<String, Double>> epochs, String key) {
    List<double[]> pts = new ArrayList<>();
    for (int i = 0; i < epochs.size(); i++) {
      Double v = epochs.get(i).get(key);
      if (v != null && Double.isFinite(v)) {
        pts.add(new double[] {i + 1, v});
      }
    }
    return pts;
  }
}
