package dev.jeras.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.jeras.JerasException;
import dev.jeras.internal.Prefetcher;
import dev.jeras.internal.Tensors;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;
import org.tensorflow.types.TInt32;

/** Image folders: Keras' index and split, labels, bad files, the pixel limit, the pipeline. */
class ImageFolderTest {
  private static final Path FIXTURE = Path.of("testdata", "image-folder", "cifar10-small");
  private static final List<String> CIFAR =
      List.of(
          "airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck");

  @TempDir Path tmp;

  private static ImageFolderOptions small() {
    return new ImageFolderOptions().imageSize(32, 32).batchSize(16).shuffle(false);
  }

  /** Every batch of one pass: features as floats and labels. */
  private static List<float[]> pass(StreamingDataset d, int[] order, List<int[]> labels) {
    List<float[]> out = new ArrayList<>();
    try (BatchIterator it = d.batches(order, 0)) {
      for (Batch next = it.next(); next != null; next = it.next()) {
        try (Batch b = next) {
          out.add(Tensors.toFloats(b.features()));
          if (labels != null) {
            int[] y = new int[b.size()];
            ((TInt32) b.targets()).asRawTensor().data().asInts().read(y);
            labels.add(y);
          }
        }
      }
    }
    return out;
  }

  private void copyJpegs(Path to, int n) throws IOException {
    Files.createDirectories(to);
    List<Path> src;
    try (var s = Files.list(FIXTURE.resolve("train").resolve("cat"))) {
      src = s.sorted().toList();
    }
    for (int i = 0; i < n; i++) {
      Files.copy(src.get(i), to.resolve(String.format("%03d.jpg", i)));
    }
  }

  @Test
  void trainAndTestFolders_areSplits_classesInAlphanumericOrder() {
    ImageFolder.Split s = Datasets.imageFolder(FIXTURE, small());
    assertEquals(CIFAR, s.classNames());
    assertEquals(300, s.train().size());
    assertNotNull(s.test());
    assertEquals(100, s.test().size());
    assertNull(s.validation());
    int[] labels = s.train().labels();
    for (int i = 0; i < labels.length; i++) {
      Path f = s.train().files().get(i);
      assertEquals(CIFAR.get(labels[i]), f.getParent().getFileName().toString(), f.toString());
    }
    // unshuffled: class after class, files by name
    List<Path> sorted = new ArrayList<>(s.train().files());
    sorted.sort((a, b) -> a.toString().compareTo(b.toString()));
    assertEquals(sorted, s.train().files());
    assertArrayEquals(new long[] {32, 32, 3}, s.train().featureShape());
  }

  @Test
  void validationSplit_holdsOutTheFilesKerasHoldsOut() throws IOException {
    JsonNode splits = ImageDecodingTest.meta().get("splits");
    Path train = FIXTURE.resolve("train");
    for (String key :
        List.of("seed1337-shuffleTrue", "seed7-shuffleTrue", "seed1337-shuffleFalse")) {
      long seed = Long.parseLong(key.substring(4, key.indexOf('-')));
      boolean shuffle = key.endsWith("True");
      ImageFolder.Split s =
          Datasets.imageFolder(
              train, small().shuffle(shuffle).seed(seed).validationSplit(0.2).batchSize(32));
      for (String subset : List.of("training", "validation")) {
        List<String> expected = new ArrayList<>();
        splits.get(key).get(subset).forEach(n -> expected.add(n.asText()));
        ImageFolder f = subset.equals("training") ? s.train() : s.validation();
        List<String> got =
            f.files().stream().map(p -> train.relativize(p).toString().replace('\\', '/')).toList();
        assertEquals(expected, got, key + " " + subset);
      }
      assertEquals(240, s.train().size());
      assertTrue(s.train().shuffle() == shuffle);
      assertTrue(!s.validation().shuffle(), "validation keeps its order");
    }
  }

  @Test
  void labelModes_giveIndicesOneHotAndBinary() throws IOException {
    for (String c : List.of("cat", "dog")) {
      copyJpegs(tmp.resolve(c), 3);
    }
    ImageFolderOptions o = small().batchSize(6);
    ImageFolder ints = Datasets.imageFolder(tmp, o).train();
    List<int[]> labels = new ArrayList<>();
    pass(ints, null, labels);
    assertArrayEquals(new int[] {0, 0, 0, 1, 1, 1}, labels.get(0));
    assertTrue(ints.intTargets());
    ImageFolder cat =
        Datasets.imageFolder(tmp, small().batchSize(6).labelMode("categorical")).train();
    assertArrayEquals(new long[] {2}, cat.targetShape());
    try (BatchIterator it = cat.batches();
        Batch b = it.next()) {
      float[] y = Tensors.toFloats(b.targets());
      assertArrayEquals(new float[] {1, 0, 1, 0, 1, 0, 0, 1, 0, 1, 0, 1}, y);
    }
    ImageFolder bin = Datasets.imageFolder(tmp, small().batchSize(6).labelMode("binary")).train();
    try (BatchIterator it = bin.batches();
        Batch b = it.next()) {
      assertArrayEquals(new long[] {6, 1}, b.targets().shape().asArray());
      assertArrayEquals(new float[] {0, 0, 0, 1, 1, 1}, Tensors.toFloats(b.targets()));
    }
    copyJpegs(tmp.resolve("eel"), 1);
    JerasException e =
        assertThrows(
            JerasException.class, () -> Datasets.imageFolder(tmp, small().labelMode("binary")));
    assertTrue(e.getMessage().contains("exactly 2 classes, got 3"), e.getMessage());
  }

  @Test
  void nonImageFilesAndHiddenFolders_areIgnored_nestedFoldersIncluded() throws IOException {
    copyJpegs(tmp.resolve("a"), 2);
    copyJpegs(tmp.resolve("b").resolve("nested"), 2);
    Files.writeString(tmp.resolve("a").resolve("notes.txt"), "not an image");
    Files.writeString(tmp.resolve("a").resolve("Thumbs.db"), "x");
    copyJpegs(tmp.resolve(".hidden"), 1);
    Files.writeString(tmp.resolve("README.md"), "# my photos");
    ImageFolder.Split s = Datasets.imageFolder(tmp, small());
    assertEquals(List.of("a", "b"), s.classNames());
    assertEquals(4, s.train().size());
    assertTrue(s.train().files().get(2).toString().contains("nested"));
    assertTrue(ImageFolder.looksLikeImageFolder(tmp));
    assertTrue(!ImageFolder.looksLikeImageFolder(Path.of("testdata", "mnist-small")));
  }

  @Test
  void emptyClassFolder_singleClass_noImages_giveClearErrors() throws IOException {
    copyJpegs(tmp.resolve("cat"), 2);
    JerasException single =
        assertThrows(JerasException.class, () -> Datasets.imageFolder(tmp, small()));
    assertTrue(
        single.getMessage().contains("at least 2 class folders, got 1 (cat)"), single::getMessage);
    Files.createDirectories(tmp.resolve("dog"));
    Files.writeString(tmp.resolve("dog").resolve("readme.txt"), "to do");
    JerasException empty =
        assertThrows(JerasException.class, () -> Datasets.imageFolder(tmp, small()));
    assertTrue(
        empty
            .getMessage()
            .startsWith(tmp.resolve("dog") + ": class folder expected to hold images"),
        empty::getMessage);
    Path flat = tmp.resolve("flat");
    copyJpegs(flat, 2);
    JerasException noClasses =
        assertThrows(JerasException.class, () -> Datasets.imageFolder(flat, small()));
    assertTrue(
        noClasses.getMessage().contains("images but no class subfolder"), noClasses::getMessage);
    Path none = Files.createDirectories(tmp.resolve("none").resolve("x"));
    Files.createDirectories(tmp.resolve("none").resolve("y"));
    JerasException nothing =
        assertThrows(JerasException.class, () -> Datasets.imageFolder(none.getParent(), small()));
    assertTrue(nothing.getMessage().contains("expected to hold images"), nothing::getMessage);
    JerasException missing =
        assertThrows(
            JerasException.class, () -> Datasets.imageFolder(tmp.resolve("absent"), small()));
    assertTrue(missing.getMessage().contains("no such folder"), missing::getMessage);
  }

  @Test
  void corruptAndTruncatedFiles_stopThePass_namingTheFile() throws IOException {
    copyJpegs(tmp.resolve("a"), 5);
    copyJpegs(tmp.resolve("b"), 5);
    byte[] good = Files.readAllBytes(tmp.resolve("a").resolve("000.jpg"));
    Path truncated = tmp.resolve("a").resolve("001.jpg");
    Files.write(truncated, Arrays.copyOf(good, good.length / 2));
    ImageFolder f = Datasets.imageFolder(tmp, small().batchSize(4)).train();
    JerasException e = assertThrows(JerasException.class, () -> pass(f, null, null));
    assertTrue(e.getMessage().startsWith(truncated + ": cannot decode the image: "), e::getMessage);
    Files.writeString(truncated, "<html>not found</html>");
    JerasException text = assertThrows(JerasException.class, () -> pass(f, null, null));
    assertTrue(
        text.getMessage().startsWith(truncated + ": image expected a JPEG"), text::getMessage);
    Files.write(truncated, new byte[0]);
    JerasException empty = assertThrows(JerasException.class, () -> pass(f, null, null));
    assertTrue(empty.getMessage().contains("got 0 bytes"), empty::getMessage);
  }

  @Test
  void skipPolicy_leavesBadFilesOut_warnsOncePerFile_andCountsThem() throws IOException {
    copyJpegs(tmp.resolve("a"), 5);
    copyJpegs(tmp.resolve("b"), 5);
    byte[] good = Files.readAllBytes(tmp.resolve("a").resolve("000.jpg"));
    Files.write(tmp.resolve("a").resolve("001.jpg"), Arrays.copyOf(good, good.length / 2));
    Files.writeString(tmp.resolve("b").resolve("003.jpg"), "garbage");
    Logger logger = (Logger) LoggerFactory.getLogger(ImageFolder.class);
    ListAppender<ILoggingEvent> seen = new ListAppender<>();
    seen.start();
    logger.addAppender(seen);
    try {
      ImageFolder f = Datasets.imageFolder(tmp, small().batchSize(4).onBadImage("skip")).train();
      for (int epoch = 0; epoch < 2; epoch++) {
        List<int[]> labels = new ArrayList<>();
        List<float[]> x = pass(f, null, labels);
        int samples = labels.stream().mapToInt(l -> l.length).sum();
        assertEquals(8, samples, "10 files less the 2 bad ones");
        assertEquals(8 * 32 * 32 * 3, x.stream().mapToInt(a -> a.length).sum());
        assertArrayEquals(new int[] {0, 0, 0}, labels.get(0), "batch 0 lost 001.jpg");
      }
      assertEquals(2, f.skippedFiles().size());
      assertEquals(2, seen.list.size(), "one warning per file over two passes");
      List<String> warned = seen.list.stream().map(ILoggingEvent::getFormattedMessage).toList();
      assertTrue(
          warned.stream().anyMatch(m -> m.contains("001.jpg: cannot decode")), warned::toString);
      assertTrue(
          warned.stream().anyMatch(m -> m.contains("003.jpg: image expected")), warned::toString);
    } finally {
      logger.detachAppender(seen);
    }
  }

  @Test
  void pixelLimit_refusesHugeImagesFromTheHeader_namingFileAndSize() throws IOException {
    copyJpegs(tmp.resolve("a"), 2);
    copyJpegs(tmp.resolve("b"), 2);
    // a PNG declaring 46000 x 46000 pixels, with no pixel data at all
    byte[] png = new byte[33];
    byte[] head = {
      (byte) 0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n', 0, 0, 0, 13, 'I', 'H', 'D', 'R'
    };
    System.arraycopy(head, 0, png, 0, head.length);
    java.nio.ByteBuffer.wrap(png, 16, 8).putInt(46000).putInt(46000);
    png[24] = 8;
    png[25] = 2;
    Path bomb = tmp.resolve("a").resolve("bomb.png");
    Files.write(bomb, png);
    ImageFolder f = Datasets.imageFolder(tmp, small()).train();
    long start = System.nanoTime();
    JerasException e = assertThrows(JerasException.class, () -> pass(f, null, null));
    assertTrue(
        e.getMessage()
            .startsWith(
                bomb
                    + ": a PNG of 46000x46000 pixels (2,116,000,000) is above the limit of"
                    + " 89,478,485 pixels"),
        e::getMessage);
    assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(30));
    // and a lower limit refuses ordinary images
    ImageFolder strict = Datasets.imageFolder(tmp, small().maxImagePixels(1000)).train();
    JerasException s = assertThrows(JerasException.class, () -> pass(strict, null, null));
    assertTrue(s.getMessage().contains("JPEG of 32x32 pixels (1,024)"), s::getMessage);
  }

  @Test
  void sameOrder_givesTheSameBatches_whateverTheThreads() {
    ImageFolder one = Datasets.imageFolder(FIXTURE, small().threads(1)).train();
    ImageFolder three = Datasets.imageFolder(FIXTURE, small().threads(3).prefetch(5)).train();
    int[] order = new int[one.size()];
    for (int i = 0; i < order.length; i++) {
      order[i] = (i * 7919) % order.length; // 7919 is prime to 300: a permutation
    }
    List<int[]> l1 = new ArrayList<>();
    List<int[]> l3 = new ArrayList<>();
    List<float[]> a = pass(one, order, l1);
    List<float[]> b = pass(three, order, l3);
    assertEquals(a.size(), b.size());
    for (int i = 0; i < a.size(); i++) {
      assertArrayEquals(a.get(i), b.get(i), "batch " + i);
      assertArrayEquals(l1.get(i), l3.get(i), "labels of batch " + i);
    }
    assertEquals(19, a.size(), "300 images in batches of 16");
    // the order is honoured: batch 0's first image is sample order[0]
    assertEquals(one.labels()[order[0]], l1.get(0)[0]);
  }

  @Test
  void prefetcher_holdsAtMostItsDepth_ofResults() {
    AtomicInteger live = new AtomicInteger();
    AtomicInteger peak = new AtomicInteger();
    int depth = 3;
    try (Prefetcher<AutoCloseable> p =
        new Prefetcher<>(
            50,
            2,
            depth,
            i -> {
              peak.accumulateAndGet(live.incrementAndGet(), Math::max);
              return live::decrementAndGet;
            },
            "test")) {
      for (int i = 0; i < 50; i++) {
        AutoCloseable r = p.next();
        assertNotNull(r);
        try {
          Thread.sleep(1); // a slow consumer: producers run ahead as far as allowed
          r.close();
        } catch (Exception e) {
          throw new AssertionError(e);
        }
      }
      assertNull(p.next());
    }
    assertTrue(peak.get() <= depth + 1, "peak " + peak.get() + " results alive, depth " + depth);
    assertEquals(0, live.get());
  }

  @Test
  void streamingMoreThanTheHeap_inAChildJvmWith48Mb_succeeds() throws Exception {
    // 300 images at 128x128 RGB, copied into the heap batch by batch: 59 MB in all
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Process p =
        new ProcessBuilder(
                java,
                "-Xmx48m",
                "-cp",
                System.getProperty("java.class.path"),
                StreamThroughHeap.class.getName(),
                FIXTURE.resolve("train").toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes());
    assertTrue(p.waitFor(5, TimeUnit.MINUTES));
    assertEquals(0, p.exitValue(), out);
    assertTrue(out.contains("streamed 300 images, 58982400 bytes"), out);
  }

  /** The child JVM of the memory test. */
  static final class StreamThroughHeap {
    public static void main(String[] args) {
      ImageFolder f =
          Datasets.imageFolder(
                  Path.of(args[0]), new ImageFolderOptions().imageSize(128, 128).batchSize(32))
              .train();
      long bytes = 0;
      int n = 0;
      try (BatchIterator it = f.batches()) {
        for (Batch next = it.next(); next != null; next = it.next()) {
          try (Batch b = next) {
            float[] copy = b.featuresArray().data();
            bytes += 4L * copy.length;
            n += b.size();
          }
        }
      }
      System.out.println("streamed " + n + " images, " + bytes + " bytes");
    }
  }
}
