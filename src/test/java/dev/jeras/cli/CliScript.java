package dev.jeras.cli;

import java.util.ArrayList;
import java.util.List;

/**
 * Runs several command lines in one JVM, for tests that need a process of their own (a private
 * mount namespace): arguments separated by {@code ::}; prints each run's exit code, stdout and
 * stderr between markers that {@link FullDiskTest} parses.
 */
final class CliScript {
  private CliScript() {}

  public static void main(String[] args) {
    List<List<String>> commands = new ArrayList<>();
    commands.add(new ArrayList<>());
    for (String a : args) {
      if (a.equals("::")) {
        commands.add(new ArrayList<>());
      } else {
        commands.get(commands.size() - 1).add(a);
      }
    }
    for (List<String> c : commands) {
      CliRun r = CliRun.of(c.toArray(String[]::new));
      System.out.println("=== command " + String.join(" ", c));
      System.out.println("=== rc " + r.rc());
      System.out.println("=== stdout\n" + r.out());
      System.out.println("=== stderr\n" + r.err());
      System.out.println("=== end");
    }
  }
}
