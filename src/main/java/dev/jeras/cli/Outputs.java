package dev.jeras.cli;

import dev.jeras.JerasException;
import dev.jeras.saving.AtomicFiles;
import dev.jeras.saving.ModelFiles;
import dev.jeras.saving.SavedModels;
import dev.jeras.training.DirectoryLock;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A command's output paths, checked together before it loads data or trains, so that a run is never
 * thrown away at its end for a path it could not write. What may be replaced:
 *
 * <ul>
 *   <li>a file target ({@code --save m.keras}, {@code --plot}, {@code --csv-log}, {@code
 *       --metrics-out}, {@code --output}): an existing file is replaced; a directory never is;
 *   <li>a SavedModel target ({@code --export-savedmodel DIR}, or a model path without a file
 *       extension): a missing or empty directory is written; an existing SavedModel is replaced
 *       only with {@code --overwrite}; anything else (a file, a TF Serving base path holding
 *       versions) is never replaced, and the message suggests a new numbered subdirectory;
 *   <li>a directory written into ({@code --log-dir}, {@code --checkpoint-dir}): files are added,
 *       nothing else is removed; a checkpoint directory another live run holds is refused.
 * </ul>
 *
 * Every target must be writable: the nearest existing directory on its path accepts a new file.
 * Errors name the option and the path.
 */
final class Outputs {
  private enum Kind {
    FILE,
    SAVED_MODEL,
    INTO_DIRECTORY,
    CHECKPOINTS
  }

  private record Target(String option, Path path, Kind kind) {}

  private final boolean overwrite;
  private final List<Target> targets = new ArrayList<>();

  /**
   * @param overwrite whether {@code --overwrite} was given (an existing SavedModel may be replaced)
   */
  Outputs(boolean overwrite) {
    this.overwrite = overwrite;
  }

  /** A file written whole (replaced if it exists). */
  Outputs file(String option, Path path) {
    if (path != null) {
      targets.add(new Target(option, path, Kind.FILE));
    }
    return this;
  }

  /** A SavedModel directory. */
  Outputs savedModel(String option, Path path) {
    if (path != null) {
      targets.add(new Target(option, path, Kind.SAVED_MODEL));
    }
    return this;
  }

  /**
   * A model in the format its path names ({@link ModelFiles#save}): a file, a model JSON with its
   * weights file beside it, or a SavedModel directory.
   */
  Outputs model(String option, Path path) {
    if (path == null) {
      return this;
    }
    try {
      ModelFiles.checkSavePath(path);
    } catch (JerasException e) {
      throw new JerasException(option + " " + e.getMessage(), e);
    }
    if (ModelFiles.savesSavedModel(path)) {
      return savedModel(option, path);
    }
    file(option, path);
    Path weights = ModelFiles.weightsBeside(path);
    return weights == null ? this : file(option, weights);
  }

  /** A directory that files are added to ({@code --log-dir}). */
  Outputs directory(String option, Path path) {
    if (path != null) {
      targets.add(new Target(option, path, Kind.INTO_DIRECTORY));
    }
    return this;
  }

  /** A checkpoint directory: written into, and locked by the run. */
  Outputs checkpoints(String option, Path path) {
    if (path != null) {
      targets.add(new Target(option, path, Kind.CHECKPOINTS));
    }
    return this;
  }

  /**
   * Checks every target.
   *
   * @throws JerasException naming the option, the path and what is wrong
   */
  void check() {
    Map<Path, Target> seen = new LinkedHashMap<>();
    for (Target t : targets) {
      Target other = seen.putIfAbsent(t.path().toAbsolutePath().normalize(), t);
      if (other != null && !other.option().equals(t.option())) {
        throw new JerasException(
            other.option()
                + " and "
                + t.option()
                + " name the same path, "
                + t.path()
                + ": one would replace the other");
      }
      try {
        check(t);
      } catch (JerasException e) {
        throw new JerasException(t.option() + " " + e.getMessage(), e);
      }
    }
  }

  private void check(Target t) {
    Path abs = t.path().toAbsolutePath().normalize();
    switch (t.kind()) {
      case FILE -> {
        if (Files.isDirectory(abs)) {
          throw new JerasException(
              abs
                  + ": is a directory, expected a file (jeras never replaces a directory with a"
                  + " file); name a file inside it or elsewhere");
        }
        AtomicFiles.checkWritable(abs, false);
      }
      case SAVED_MODEL -> {
        SavedModels.checkReplaceable(abs);
        if (ModelFiles.isSavedModel(abs) && !overwrite) {
          throw new JerasException(
              abs
                  + ": already holds a SavedModel; give --overwrite to replace it (once the new"
                  + " one is complete), or name a new directory");
        }
        AtomicFiles.checkWritable(abs, false);
      }
      case INTO_DIRECTORY -> AtomicFiles.checkWritable(abs, true);
      case CHECKPOINTS -> {
        AtomicFiles.checkWritable(abs, true);
        DirectoryLock.checkFree(abs);
      }
      default -> throw new IllegalStateException("unknown target kind " + t.kind());
    }
  }
}
