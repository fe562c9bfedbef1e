package dev.jeras.serve;

import java.util.NavigableSet;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeSet;

/**
 * Which of the version directories on disk a model serves (TensorFlow Serving's {@code
 * ServableVersionPolicy}): the latest N (default 1), all of them, or specific version numbers.
 *
 * <pre>{@code
 * VersionPolicy.latest(1).select(new TreeSet<>(List.of(1L, 2L)))   // [2]
 * }</pre>
 *
 * @param kind latest, all or specific
 * @param count how many of the latest (for latest)
 * @param versions the version numbers (for specific)
 */
public record VersionPolicy(Kind kind, int count, Set<Long> versions) {
  /** The policy kinds. */
  public enum Kind {
    /** The {@code count} highest version numbers. */
    LATEST,
    /** Every version on disk. */
    ALL,
    /** The listed version numbers that exist on disk. */
    SPECIFIC
  }

  /** Validates and copies. */
  public VersionPolicy {
    if (kind == Kind.LATEST && count < 1) {
      throw new IllegalArgumentException(
          "model_version_policy latest num_versions must be at least 1, got " + count);
    }
    if (kind == Kind.SPECIFIC && (versions == null || versions.isEmpty())) {
      throw new IllegalArgumentException(
          "model_version_policy specific needs at least one versions entry");
    }
    versions = versions == null ? Set.of() : Set.copyOf(versions);
  }

  /**
   * @param n how many of the highest version numbers to serve
   * @return the policy
   */
  public static VersionPolicy latest(int n) {
    return new VersionPolicy(Kind.LATEST, n, Set.of());
  }

  /**
   * @return a policy that serves every version on disk
   */
  public static VersionPolicy all() {
    return new VersionPolicy(Kind.ALL, 0, Set.of());
  }

  /**
   * @param versions the version numbers to serve
   * @return the policy
   */
  public static VersionPolicy specific(Set<Long> versions) {
    return new VersionPolicy(Kind.SPECIFIC, 0, versions);
  }

  /**
   * @param onDisk the version numbers found under the base path
   * @return the ones to serve
   */
  public SortedSet<Long> select(NavigableSet<Long> onDisk) {
    TreeSet<Long> out = new TreeSet<>();
    switch (kind) {
      case LATEST -> {
        for (Long v : onDisk.descendingSet()) {
          if (out.size() == count) {
            break;
          }
          out.add(v);
        }
      }
      case ALL -> out.addAll(onDisk);
      case SPECIFIC -> {
        for (Long v : versions) {
          if (onDisk.contains(v)) {
            out.add(v);
          }
        }
      }
      default -> throw new IllegalStateException(kind.toString());
    }
    return out;
  }
}
