package dev.jeras.spark;

import java.util.Locale;

/** What scoring does with a row it cannot score (wrong length, NaN, undecodable image). */
public enum BadRowPolicy {
  /** The job fails with the row's id and the reason (the default). */
  FAIL,
  /** The row is written with a null prediction and label and the reason in the error column. */
  SKIP;

  /**
   * @param name {@code fail} or {@code skip}
   * @return the policy
   * @throws IllegalArgumentException naming the allowed values
   */
  public static BadRowPolicy of(String name) {
    String v = name == null ? "" : name.strip().toUpperCase(Locale.ROOT);
    for (BadRowPolicy p : values()) {
      if (p.name().equals(v)) {
        return p;
      }
    }
    throw new IllegalArgumentException("on-bad-row must be fail or skip, got '" + name + "'");
  }
}
