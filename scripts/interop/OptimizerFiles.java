import dev.jeras.data.FloatArray;
import dev.jeras.data.IntArray;
import dev.jeras.models.Model;
import dev.jeras.saving.ModelFiles;
import dev.jeras.saving.Npy;
import dev.jeras.training.FitOptions;
import dev.jeras.training.Loss;
import dev.jeras.training.Optimizer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * For scripts/check_optimizer_interop.py: with each jeras optimizer, trains the training-step
 * reference's untrained model three steps, saves it as NAME.keras (with its optimizer state), then
 * takes a fourth step on the first batch and writes every weight to NAME-after4.npy.
 *
 * <pre>
 *   java -cp 'target/jeras.jar:target/lib/*' scripts/interop/OptimizerFiles.java OUT testdata/training-step
 * </pre>
 */
public class OptimizerFiles {
  public static void main(String[] args) throws Exception {
    Path out = Path.of(args[0]);
    Path ref = Path.of(args[1]);
    Files.createDirectories(out);
    FloatArray x = Npy.readFloats(ref.resolve("x.npy"));
    IntArray y = (IntArray) Npy.read(ref.resolve("y.npy"));
    Map<String, Optimizer> optimizers = new LinkedHashMap<>();
    for (String name : Optimizer.NAMES) {
      optimizers.put(name, Optimizer.of(name, null));
    }
    optimizers.put("sgd-nesterov", Optimizer.sgd(0.05, 0.9, true));
    optimizers.put("rmsprop-centered", new Optimizer.RmsProp(1e-3, 0.9, 0.5, 1e-7, true));
    optimizers.put("adamw", new Optimizer.AdamW(1e-3, 0.5, 0.9, 0.999, 1e-7));
    optimizers.put("lion", new Optimizer.Lion(1e-3, 0.9, 0.99, 0.5));
    FitOptions inOrder = new FitOptions().epochs(1).batchSize(32).shuffle(false).progress(null);
    for (Map.Entry<String, Optimizer> e : optimizers.entrySet()) {
      try (Model m = ModelFiles.load(ref.resolve("init.keras"))) {
        m.compile(e.getValue(), List.of(Loss.sparseCategoricalCrossentropy()), List.of());
        m.fit(x.slice(0, 96), y.slice(0, 96), inOrder);
        ModelFiles.save(m, out.resolve(e.getKey() + ".keras"));
        m.fit(x.slice(0, 32), y.slice(0, 32), inOrder);
        List<FloatArray> w = m.getWeights();
        int n = w.stream().mapToInt(a -> a.data().length).sum();
        float[] flat = new float[n];
        int o = 0;
        for (FloatArray a : w) {
          System.arraycopy(a.data(), 0, flat, o, a.data().length);
          o += a.data().length;
        }
        Npy.write(out.resolve(e.getKey() + "-after4.npy"), FloatArray.of(flat, n));
      }
    }
  }
}
