package dev.jeras.bench;

import dev.jeras.data.Batch;
import dev.jeras.data.BatchIterator;
import dev.jeras.data.Datasets;
import dev.jeras.data.ImageFolder;
import dev.jeras.data.ImageFolderOptions;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.SplittableRandom;

/**
 * Throughput of the image-folder pipeline alone: passes over a folder of class subfolders, each in
 * a new shuffled order as {@code fit} visits it, every batch decoded, resized and handed over (and
 * released) with no model behind it. One untimed pass first (it builds the decoding graph), then
 * {@code passes} timed ones. {@code scripts/bench_image_pipeline.py} times Keras' {@code
 * image_dataset_from_directory} with prefetching the same way.
 *
 * <pre>
 * java -cp target/jeras.jar:target/jeras-cli.jar:target/lib/* \
 *     dev.jeras.bench.ImagePipelineBench DIR threads [passes] [batch] [height,width]
 * </pre>
 *
 * <p>Prints one JSON object: images per pass, each timed pass's seconds and images per second.
 */
public final class ImagePipelineBench {
  private ImagePipelineBench() {}

  /**
   * @param args folder, decoding threads, timed passes (5), batch size (64), size (32,32)
   */
  public static void main(String[] args) {
    Path dir = Path.of(args[0]);
    int threads = Integer.parseInt(args[1]);
    int passes = args.length > 2 ? Integer.parseInt(args[2]) : 5;
    int batch = args.length > 3 ? Integer.parseInt(args[3]) : 64;
    String[] size = (args.length > 4 ? args[4] : "32,32").split(",");
    ImageFolderOptions o =
        new ImageFolderOptions()
            .imageSize(Integer.parseInt(size[0]), Integer.parseInt(size[1]))
            .batchSize(batch)
            .threads(threads)
            .seed(1);
    List<Double> seconds = new ArrayList<>();
    int images = 0;
    try (ImageFolder f = Datasets.imageFolder(dir, o).train()) {
      SplittableRandom rng = new SplittableRandom(7);
      for (int pass = 0; pass <= passes; pass++) {
        int[] order = permutation(f.size(), rng);
        long start = System.nanoTime();
        int n = 0;
        try (BatchIterator it = f.batches(order, 0)) {
          for (Batch next = it.next(); next != null; next = it.next()) {
            try (Batch b = next) {
              n += b.size();
            }
          }
        }
        if (pass > 0) {
          seconds.add((System.nanoTime() - start) / 1e9);
        }
        images = n;
      }
    }
    StringBuilder s = new StringBuilder("{\"images\": ").append(images);
    s.append(", \"threads\": ").append(threads).append(", \"pass_seconds\": [");
    StringBuilder ips = new StringBuilder();
    for (int i = 0; i < seconds.size(); i++) {
      s.append(i == 0 ? "" : ", ").append(String.format(Locale.ROOT, "%.4f", seconds.get(i)));
      ips.append(i == 0 ? "" : ", ")
          .append(String.format(Locale.ROOT, "%.1f", images / seconds.get(i)));
    }
    s.append("], \"images_per_s\": [").append(ips).append("]}");
    System.out.println(s);
  }

  private static int[] permutation(int n, SplittableRandom rng) {
    int[] p = new int[n];
    for (int i = 0; i < n; i++) {
      p[i] = i;
    }
    for (int i = n - 1; i > 0; i--) {
      int j = rng.nextInt(i + 1);
      int t = p[i];
      p[i] = p[j];
      p[j] = t;
    }
    return p;
  }
}
