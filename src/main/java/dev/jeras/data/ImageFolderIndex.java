package dev.jeras.data;

import dev.jeras.JerasException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Lists the images of a folder as Keras' {@code index_directory} does: class folders are the
 * subfolders not starting with '.', in alphanumeric (code point) order; inside each, every file
 * whose name ends in .bmp, .gif, .jpeg, .jpg or .png (any case), folder by folder in the order of
 * their paths, files by name, subfolders included (symbolic links to folders only when asked).
 */
final class ImageFolderIndex {
  /** Keras' ALLOWLIST_FORMATS. */
  static final List<String> EXTENSIONS = List.of(".bmp", ".gif", ".jpeg", ".jpg", ".png");

  /** Python's string order: by code point (Java's compareTo orders UTF-16 units). */
  static final Comparator<String> ORDER =
      (a, b) -> {
        int i = 0;
        int j = 0;
        while (i < a.length() && j < b.length()) {
          int ca = a.codePointAt(i);
          int cb = b.codePointAt(j);
          if (ca != cb) {
            return Integer.compare(ca, cb);
          }
          i += Character.charCount(ca);
          j += Character.charCount(cb);
        }
        return Integer.compare(a.length() - i, b.length() - j);
      };

  private ImageFolderIndex() {}

  /**
   * The files and labels of one folder.
   *
   * @param files the image files, in Keras' order
   * @param labels each file's class index, or null without labels
   */
  record Listing(List<Path> files, int[] labels) {}

  /**
   * @return the class folders of {@code dir}: subfolders not starting with '.', sorted
   */
  static List<String> classFolders(Path dir) {
    List<String> names = new ArrayList<>();
    for (Path p : list(dir)) {
      String n = p.getFileName().toString();
      if (Files.isDirectory(p) && !n.startsWith(".")) {
        names.add(n);
      }
    }
    names.sort(ORDER);
    return names;
  }

  /**
   * Lists the images of each class folder, class after class.
   *
   * @param dir the folder holding the class folders
   * @param classes the class folder names, in label order
   * @param followLinks whether to enter symbolic links to folders inside class folders
   * @return the files and their labels
   * @throws JerasException naming a class folder that is missing or holds no image
   */
  static Listing labelled(Path dir, List<String> classes, boolean followLinks) {
    List<Path> files = new ArrayList<>();
    List<Integer> labels = new ArrayList<>();
    for (int c = 0; c < classes.size(); c++) {
      Path folder = dir.resolve(classes.get(c));
      if (!Files.isDirectory(folder)) {
        throw new JerasException(
            folder + ": expected the folder of class '" + classes.get(c) + "', got none");
      }
      List<Path> images = images(folder, followLinks);
      if (images.isEmpty()) {
        throw new JerasException(
            folder
                + ": class folder expected to hold images ("
                + String.join(", ", EXTENSIONS)
                + "), got none; remove the folder or add its images");
      }
      files.addAll(images);
      for (int i = 0; i < images.size(); i++) {
        labels.add(c);
      }
    }
    return new Listing(files, labels.stream().mapToInt(Integer::intValue).toArray());
  }

  /**
   * @return every image under {@code dir}, in Keras' order (os.walk sorted by folder path, files by
   *     name)
   */
  static List<Path> images(Path dir, boolean followLinks) {
    Map<String, List<String>> byFolder = new TreeMap<>(ORDER);
    walk(dir, "", followLinks, byFolder);
    List<Path> out = new ArrayList<>();
    for (Map.Entry<String, List<String>> e : byFolder.entrySet()) {
      Path folder = e.getKey().isEmpty() ? dir : dir.resolve(e.getKey());
      e.getValue().sort(ORDER);
      for (String name : e.getValue()) {
        out.add(folder.resolve(name));
      }
    }
    return out;
  }

  private static void walk(
      Path folder, String relative, boolean followLinks, Map<String, List<String>> byFolder) {
    List<String> names = new ArrayList<>();
    byFolder.put(relative, names);
    for (Path p : list(folder)) {
      String n = p.getFileName().toString();
      if (Files.isDirectory(p)) {
        if (followLinks || !Files.isSymbolicLink(p)) {
          walk(p, relative.isEmpty() ? n : relative + "/" + n, followLinks, byFolder);
        }
      } else if (isImageName(n)) {
        names.add(n);
      }
    }
  }

  /**
   * @return whether the name ends with one of Keras' image extensions, in any case
   */
  static boolean isImageName(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    for (String ext : EXTENSIONS) {
      if (lower.endsWith(ext)) {
        return true;
      }
    }
    return false;
  }

  /**
   * @return whether {@code dir} directly holds at least one image file
   */
  static boolean holdsImages(Path dir) {
    for (Path p : list(dir)) {
      if (isImageName(p.getFileName().toString()) && !Files.isDirectory(p)) {
        return true;
      }
    }
    return false;
  }

  private static List<Path> list(Path dir) {
    try (Stream<Path> s = Files.list(dir)) {
      return s.toList();
    } catch (IOException e) {
      throw new JerasException(dir + ": cannot list the folder: " + e, e);
    }
  }
}
