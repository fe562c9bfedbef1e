package dev.jeras.models;

import dev.jeras.layers.InputLayer;
import dev.jeras.layers.Layer;
import dev.jeras.layers.Node;
import dev.jeras.layers.SymbolicTensor;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Renders {@code model.summary()} in Keras 3's table layout: layer name and type, output shape,
 * parameter count, and for functional models the inbound layers ("Connected to"); then total,
 * trainable and non-trainable parameter counts with their float32 size.
 */
final class Summary {
  private static final int[] SEQUENTIAL = {31, 22, 13};
  private static final int[] FUNCTIONAL = {19, 17, 10, 17};

  private Summary() {}

  static String of(Model model) {
    boolean functional = !(model instanceof Sequential);
    int[] widths = functional ? FUNCTIONAL : SEQUENTIAL;
    List<String> header = new ArrayList<>(List.of("Layer (type)", "Output Shape", "Param #"));
    if (functional) {
      header.add("Connected to");
    }
    StringBuilder b = new StringBuilder();
    b.append("Model: \"").append(model.name()).append("\"\n");
    b.append(rule('┏', '━', '┳', '┓', widths));
    b.append(
        row(
            List.of(
                List.of(header.get(0)),
                List.of(header.get(1)),
                List.of(header.get(2)),
                functional ? List.of(header.get(3)) : List.of()),
            widths,
            '┃'));
    b.append(rule('┡', '━', '╇', '┩', widths));
    List<Layer> layers = model.network().layers();
    List<Layer> shown = new ArrayList<>();
    for (Layer l : layers) {
      if (functional || !(l instanceof InputLayer)) {
        shown.add(l);
      }
    }
    for (int i = 0; i < shown.size(); i++) {
      Layer l = shown.get(i);
      List<List<String>> cells = new ArrayList<>();
      cells.add(nameCell(l, widths[0]));
      cells.add(wrapShape(outputShape(l), widths[1]));
      cells.add(List.of(String.format(Locale.ROOT, "%,d", l.countParams())));
      if (functional) {
        cells.add(connected(l, widths[3]));
      }
      b.append(row(cells, widths, '│'));
      b.append(
          i == shown.size() - 1
              ? rule('└', '─', '┴', '┘', widths)
              : rule('├', '─', '┼', '┤', widths));
    }
    long total = model.countParams();
    long trainable = model.countTrainableParams();
    b.append(" Total params: ").append(count(total)).append('\n');
    b.append(" Trainable params: ").append(count(trainable)).append('\n');
    b.append(" Non-trainable params: ").append(count(total - trainable)).append('\n');
    return b.toString();
  }

  private static String outputShape(Layer l) {
    List<Node> nodes = l.nodes();
    return nodes.isEmpty() ? "?" : nodes.get(0).output().shape().toString();
  }

  private static String count(long n) {
    return String.format(Locale.ROOT, "%,d (%s)", n, bytes(n * 4.0));
  }

  /** Keras' readable memory size: 1024-based units with two decimals. */
  static String bytes(double size) {
    String[] units = {"B", "KB", "MB", "GB", "TB"};
    for (String u : units) {
      if (size / 1024 < 1) {
        return String.format(Locale.ROOT, "%.2f %s", size, u);
      }
      size /= 1024;
    }
    return String.format(Locale.ROOT, "%.2f PB", size);
  }

  private static List<String> nameCell(Layer l, int width) {
    String full = l.name() + " (" + l.className() + ")";
    if (full.length() <= width) {
      return List.of(full);
    }
    return List.of(truncate(l.name(), width), truncate("(" + l.className() + ")", width));
  }

  private static List<String> connected(Layer l, int width) {
    List<String> parts = new ArrayList<>();
    for (Node n : l.nodes()) {
      for (SymbolicTensor t : n.inputs()) {
        parts.add(t.layer().name() + "[" + t.node().index() + "][0]");
      }
    }
    if (parts.isEmpty()) {
      return List.of("-");
    }
    List<String> lines = new ArrayList<>();
    for (int i = 0; i < parts.size(); i++) {
      lines.add(truncate(parts.get(i) + (i < parts.size() - 1 ? "," : ""), width));
    }
    return lines;
  }

  private static List<String> wrapShape(String shape, int width) {
    List<String> lines = new ArrayList<>();
    String[] pieces = shape.split(" ");
    StringBuilder cur = new StringBuilder();
    for (String p : pieces) {
      if (cur.length() > 0 && cur.length() + 1 + p.length() > width) {
        lines.add(cur.toString());
        cur.setLength(0);
      }
      if (cur.length() > 0) {
        cur.append(' ');
      }
      cur.append(p);
    }
    lines.add(truncate(cur.toString(), width));
    return lines;
  }

  private static String truncate(String s, int width) {
    return s.length() <= width ? s : s.substring(0, width - 1) + "…";
  }

  private static String rule(char left, char fill, char mid, char right, int[] widths) {
    StringBuilder b = new StringBuilder().append(left);
    for (int i = 0; i < widths.length; i++) {
      b.append(String.valueOf(fill).repeat(widths[i] + 2));
      b.append(i == widths.length - 1 ? right : mid);
    }
    return b.append('\n').toString();
  }

  private static String row(List<List<String>> cells, int[] widths, char sep) {
    int height = 1;
    for (List<String> c : cells) {
      height = Math.max(height, c.size());
    }
    StringBuilder b = new StringBuilder();
    for (int line = 0; line < height; line++) {
      b.append(sep);
      for (int i = 0; i < widths.length; i++) {
        List<String> c = i < cells.size() ? cells.get(i) : List.of();
        String text = line < c.size() ? c.get(line) : "";
        boolean right = i == 2;
        b.append(' ').append(right ? padLeft(text, widths[i]) : padRight(text, widths[i]));
        b.append(' ').append(sep);
      }
      b.append('\n');
    }
    return b.toString();
  }

  private static String padRight(String s, int w) {
    return s + " ".repeat(Math.max(0, w - s.length()));
  }

  private static String padLeft(String s, int w) {
    return " ".repeat(Math.max(0, w - s.length())) + s;
  }
}
