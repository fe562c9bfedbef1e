package dev.jeras.backend;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/** Parsing shared by the option enums: one value set, one message. */
final class Options {
  private Options() {}

  static <E extends Enum<E>> E parseEnum(Class<E> type, String what, String value) {
    String v = value == null ? "" : value.strip().toUpperCase(Locale.ROOT);
    for (E e : type.getEnumConstants()) {
      if (e.name().equals(v)) {
        return e;
      }
    }
    throw new IllegalArgumentException(
        what
            + " must be one of "
            + Arrays.stream(type.getEnumConstants())
                .map(e -> e.name().toLowerCase(Locale.ROOT))
                .collect(Collectors.joining(", "))
            + ", got '"
            + value
            + "'");
  }
}
