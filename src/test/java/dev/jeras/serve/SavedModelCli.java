package dev.jeras.serve;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the signature part of what {@code saved_model_cli show --all} printed (the goldens in
 * testdata/serving) into {@code "<signature> <inputs|outputs> <key>" -> "<dtype> <shape> <tensor
 * name>"} and {@code "<signature> method" -> method name}.
 */
final class SavedModelCli {
  private static final Pattern SIGNATURE = Pattern.compile("^signature_def\\['(.*)'\\]:$");
  private static final Pattern TENSOR =
      Pattern.compile("^\\s+(inputs|outputs)\\['(.*)'\\] tensor_info:$");
  private static final Pattern FIELD = Pattern.compile("^\\s+(dtype|shape|name): ?(.*)$");
  private static final Pattern METHOD = Pattern.compile("^\\s+Method name is: ?(.*)$");

  private SavedModelCli() {}

  static Map<String, String> signatures(Path golden) throws IOException {
    Map<String, String> out = new TreeMap<>();
    String sig = null;
    String tensor = null;
    String dtype = null;
    String shape = null;
    for (String line : Files.readAllLines(golden)) {
      if (line.startsWith("The MetaGraph with tag set")) {
        break;
      }
      Matcher m;
      if ((m = SIGNATURE.matcher(line)).matches()) {
        sig = m.group(1);
      } else if ((m = TENSOR.matcher(line)).matches()) {
        tensor = sig + " " + m.group(1) + " " + m.group(2);
      } else if ((m = FIELD.matcher(line)).matches()) {
        switch (m.group(1)) {
          case "dtype" -> dtype = m.group(2);
          case "shape" -> shape = m.group(2);
          default -> out.put(tensor, dtype + " " + shape + " " + m.group(2));
        }
      } else if ((m = METHOD.matcher(line)).matches()) {
        out.put(sig + " method", m.group(1));
      }
    }
    if (out.isEmpty()) {
      throw new AssertionError(golden + ": no signature found");
    }
    return out;
  }
}
