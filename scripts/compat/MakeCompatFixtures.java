import dev.jeras.backend.EngineOptions;
import dev.jeras.backend.KernelPolicy;
import dev.jeras.data.Dataset;
import dev.jeras.data.Datasets;
import dev.jeras.data.FloatArray;
import dev.jeras.layers.BatchNormalization;
import dev.jeras.layers.Conv2D;
import dev.jeras.layers.Dense;
import dev.jeras.layers.Flatten;
import dev.jeras.layers.Input;
import dev.jeras.layers.MaxPooling2D;
import dev.jeras.models.Model;
import dev.jeras.models.Sequential;
import dev.jeras.saving.ModelFiles;
import dev.jeras.saving.Npy;
import dev.jeras.training.FitOptions;
import dev.jeras.training.Loss;
import dev.jeras.training.Metric;
import dev.jeras.training.Optimizer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * Writes testdata/compat/: what jeras wrote before its optimizers stood on tensorflow-framework
 * (a training checkpoint and a .keras file per optimizer), and where the jeras of that day went
 * from them, for CompatibilityTest. Run by scripts/make_compat_fixtures against an old build; uses
 * only API that both the old and the new jeras have.
 *
 * <p>Per optimizer NAME: NAME-checkpoint/ (after 2 epochs), NAME-resumed.npy (every weight after
 * resuming it for a third epoch), NAME.keras (saved after 2 epochs, with its optimizer state) and
 * NAME-keras-continued.npy (every weight after loading that file and fitting 1 more epoch).
 */
public class MakeCompatFixtures {
  static final int SAMPLES = 300;
  // TensorFlow's own kernels: the same numbers on every CPU, whatever the engine measured fastest
  static final EngineOptions TENSORFLOW_KERNELS =
      EngineOptions.defaults().withKernels(KernelPolicy.TENSORFLOW);

  static Sequential model(Optimizer o) {
    Sequential m =
        new Sequential(
            Input.shape(28, 28, 1),
            new MaxPooling2D(4, 4),
            new Conv2D(4, 3).activation("relu"),
            new BatchNormalization(),
            new Flatten(),
            new Dense(10).activation("softmax"));
    m.seed(5);
    m.engineOptions(TENSORFLOW_KERNELS);
    m.compile(o, Loss.sparseCategoricalCrossentropy(), Metric.ACCURACY);
    return m;
  }

  static FitOptions options(int epochs) {
    return new FitOptions().epochs(epochs).batchSize(50).seed(3).progress(null);
  }

  static FloatArray flat(List<FloatArray> ws) {
    int n = ws.stream().mapToInt(w -> w.data().length).sum();
    float[] out = new float[n];
    int o = 0;
    for (FloatArray w : ws) {
      System.arraycopy(w.data(), 0, out, o, w.data().length);
      o += w.data().length;
    }
    return FloatArray.of(out, n);
  }

  public static void main(String[] args) throws IOException {
    Path out = Path.of(args[0]);
    Path data = Path.of(args[1]);
    Files.createDirectories(out);
    Dataset train =
        Datasets.loadIdxDirectory(data, "mnist-small", Datasets.classNames("mnist"))
            .train()
            .limit(SAMPLES);
    record Case(String name, Optimizer optimizer) {}
    for (Case c :
        List.of(
            new Case("adam", Optimizer.adam()),
            new Case("sgd", Optimizer.sgd(0.05, 0.9, true)),
            new Case("rmsprop", Optimizer.rmsprop()))) {
      Path ckpt = out.resolve(c.name() + "-checkpoint");
      Path scratch = Files.createTempDirectory("compat-");
      try (Model m = model(c.optimizer())) {
        m.fit(train.x(), train.y(), options(2).checkpointDir(ckpt).keepCheckpoints(1));
        ModelFiles.save(m, out.resolve(c.name() + ".keras"));
      }
      copyTree(ckpt, scratch.resolve("ckpt"));
      try (Model m = model(c.optimizer())) {
        m.fit(train.x(), train.y(), options(3).checkpointDir(scratch.resolve("ckpt")).resume(true));
        Npy.write(out.resolve(c.name() + "-resumed.npy"), flat(m.getWeights()));
      }
      try (Model m = ModelFiles.load(out.resolve(c.name() + ".keras"))) {
        m.engineOptions(TENSORFLOW_KERNELS);
        m.fit(train.x(), train.y(), options(1));
        Npy.write(out.resolve(c.name() + "-keras-continued.npy"), flat(m.getWeights()));
      }
      deleteTree(scratch);
      System.out.println(c.name() + ": written");
    }
  }

  static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> s = Files.walk(from)) {
      for (Path p : s.toList()) {
        Files.copy(p, to.resolve(from.relativize(p).toString()));
      }
    }
  }

  static void deleteTree(Path p) throws IOException {
    try (Stream<Path> s = Files.walk(p)) {
      for (Path q : s.sorted(Comparator.reverseOrder()).toList()) {
        Files.delete(q);
      }
    }
  }
}
