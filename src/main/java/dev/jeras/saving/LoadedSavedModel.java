package dev.jeras.saving;

import com.google.protobuf.InvalidProtocolBufferException;
import dev.jeras.JerasException;
import dev.jeras.backend.Devices;
import dev.jeras.backend.EngineOptions;
import dev.jeras.backend.KernelPolicy;
import dev.jeras.backend.RewriteResult;
import dev.jeras.backend.cpu.CpuInferenceGraph;
import dev.jeras.data.FloatArray;
import dev.jeras.data.NumericArray;
import dev.jeras.internal.TensorFlowLogging;
import dev.jeras.internal.Tensors;
import dev.jeras.layers.TensorShape;
import dev.jeras.models.Predictor;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.GraphOperation;
import org.tensorflow.Result;
import org.tensorflow.SavedModelBundle;
import org.tensorflow.SessionFunction;
import org.tensorflow.Signature;
import org.tensorflow.Tensor;
import org.tensorflow.exceptions.TFUnimplementedException;
import org.tensorflow.exceptions.TensorFlowException;
import org.tensorflow.proto.DataType;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.SavedModel;

/**
 * Any TensorFlow SavedModel loaded for inference: Python Keras' {@code model.export()} (input key
 * {@code keras_tensor}), TensorFlow's own, or jeras'. The signature ({@code serving_default}, or
 * the only one) is discovered; its float inputs and outputs are fed and fetched by name.
 *
 * <pre>{@code
 * try (LoadedSavedModel m = LoadedSavedModel.load(Path.of("exported"))) {
 *   FloatArray probs = m.predict(x, 256);
 * }
 * }</pre>
 */
public final class LoadedSavedModel implements Predictor {
  private static final Logger LOG = LoggerFactory.getLogger(LoadedSavedModel.class);

  static {
    TensorFlowLogging.apply(); // before the first TensorFlow op: TF's start-up lines stay quiet
  }

  private final Path dir;
  private final SavedModelBundle bundle;
  private final SessionFunction function;
  private final List<String> inputNames;
  private final List<TensorShape> inputShapes;
  private final List<String> outputNames;
  private final List<TensorShape> outputShapes;
  private final List<String> inputTensors = new ArrayList<>();
  private final List<String> outputTensors = new ArrayList<>();
  private final CpuInferenceGraph cpu;

  private LoadedSavedModel(Path dir, SavedModelBundle bundle, String key, EngineOptions options) {
    this.dir = dir;
    this.bundle = bundle;
    this.function = bundle.function(key);
    Signature sig = function.signature();
    this.inputNames = sig.getInputs().keySet().stream().sorted().toList();
    this.outputNames = sig.getOutputs().keySet().stream().sorted().toList();
    this.inputShapes = new ArrayList<>();
    this.outputShapes = new ArrayList<>();
    for (String n : inputNames) {
      Signature.TensorDescription d = sig.getInputs().get(n);
      requireFloat(d, "input " + n);
      inputShapes.add(shape(d));
      inputTensors.add(d.name);
    }
    for (String n : outputNames) {
      Signature.TensorDescription d = sig.getOutputs().get(n);
      requireFloat(d, "output " + n);
      outputShapes.add(shape(d));
      outputTensors.add(d.name);
    }
    boolean cpuEngine =
        !Devices.usesGpu(options.device())
            && (options.kernels() != KernelPolicy.TENSORFLOW || !options.pinned().isEmpty());
    this.cpu =
        cpuEngine
            ? CpuInferenceGraph.build(
                bundle.graph(), bundle.session(), inputTensors, outputTensors, options)
            : null;
    if (cpu != null) {
      LOG.debug("{}: CPU engine: {}", dir, cpu.rewrite().summary());
    }
  }

  /**
   * @param dir a SavedModel directory (with {@code saved_model.pb})
   * @return the model, ready to predict
   */
  public static LoadedSavedModel load(Path dir) {
    return load(dir, EngineOptions.defaults());
  }

  /**
   * @param dir a SavedModel directory (with {@code saved_model.pb})
   * @param options the device, and how the CPU engine picks kernels for its inference copy
   * @return the model, ready to predict
   */
  public static LoadedSavedModel load(Path dir, EngineOptions options) {
    if (!Files.isDirectory(dir)) {
      throw new JerasException(dir + ": not a SavedModel directory (no such directory)");
    }
    if (!Files.isRegularFile(dir.resolve("saved_model.pb"))) {
      throw new JerasException(dir + ": not a SavedModel directory (no saved_model.pb)");
    }
    SavedModelBundle bundle;
    try {
      bundle =
          SavedModelBundle.loader(dir.toString())
              .withTags("serve")
              .withConfigProto(Devices.configure(options))
              .load();
    } catch (RuntimeException e) {
      throw new JerasException(
          dir + ": cannot load the SavedModel (tag 'serve'): " + diagnose(dir, e), e);
    }
    try {
      // TensorFlow loads a SavedModel whose variables/ files are missing without restoring its
      // variables; the first prediction would then fail deep inside the graph
      Path index = dir.resolve("variables").resolve("variables.index");
      if (!Files.isRegularFile(index) && hasVariables(bundle)) {
        throw new JerasException(
            dir
                + ": variables/variables.index expected (the graph has"
                + " variables to restore), got no such file: the SavedModel is incomplete");
      }
      Map<String, SessionFunction> fns = new LinkedHashMap<>();
      bundle.signatures().forEach(s -> fns.put(s.key(), null));
      String key =
          fns.containsKey(Signature.DEFAULT_KEY)
              ? Signature.DEFAULT_KEY
              : fns.size() == 1 ? fns.keySet().iterator().next() : null;
      if (key == null) {
        throw new JerasException(
            dir + ": no serving_default signature; signatures: " + fns.keySet());
      }
      return new LoadedSavedModel(dir, bundle, key, options);
    } catch (RuntimeException e) {
      bundle.close();
      throw e;
    }
  }

  /**
   * @return why TensorFlow refused the directory: TensorFlow's first line, or, when saved_model.pb
   *     does not even parse (TensorFlow then only says "Read less bytes than requested"), that
   */
  private static String diagnose(Path dir, RuntimeException e) {
    try (InputStream in = Files.newInputStream(dir.resolve("saved_model.pb"))) {
      SavedModel.parseFrom(in);
    } catch (InvalidProtocolBufferException p) {
      return "saved_model.pb expected a SavedModel protocol buffer, got a truncated or damaged"
          + " one ("
          + firstLine(p.getMessage())
          + ")";
    } catch (IOException | RuntimeException ignored) {
      // TensorFlow's own message is the better one
    }
    return firstLine(e.getMessage());
  }

  private static boolean hasVariables(SavedModelBundle bundle) {
    Iterator<GraphOperation> ops = bundle.graph().operations();
    while (ops.hasNext()) {
      String type = ops.next().type();
      if (type.equals("VarHandleOp") || type.equals("VariableV2")) {
        return true;
      }
    }
    return false;
  }

  private static String firstLine(String s) {
    if (s == null) {
      return "unknown error";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }

  private void requireFloat(Signature.TensorDescription d, String what) {
    if (d.dataType != DataType.DT_FLOAT) {
      throw new JerasException(
          dir
              + ": signature "
              + what
              + " has type "
              + d.dataType
              + "; jeras feeds and fetches float32 only");
    }
  }

  private static TensorShape shape(Signature.TensorDescription d) {
    long[] dims = d.shape.asArray();
    return dims == null ? TensorShape.of(-1) : TensorShape.of(dims);
  }

  /**
   * @return the directory it was loaded from
   */
  public Path directory() {
    return dir;
  }

  /**
   * @return the loaded bundle (graph and session), for advanced use
   */
  public SavedModelBundle bundle() {
    return bundle;
  }

  @Override
  public List<String> inputNames() {
    return inputNames;
  }

  @Override
  public List<TensorShape> inputShapes() {
    return List.copyOf(inputShapes);
  }

  @Override
  public List<String> outputNames() {
    return outputNames;
  }

  /**
   * @return the output shapes the signature declares, in {@link #outputNames()} order (-1 where
   *     unknown; an output of unknown rank reads as {@code (None,)}); rank 0 is one value for the
   *     whole batch
   */
  public List<TensorShape> outputShapes() {
    return List.copyOf(outputShapes);
  }

  @Override
  public List<FloatArray> predict(List<FloatArray> xs, int batchSize) {
    if (batchSize <= 0) {
      throw new JerasException("batch size must be positive, got " + batchSize);
    }
    if (xs.size() != inputNames.size()) {
      throw new JerasException(
          dir + ": the SavedModel has inputs " + inputNames + "; " + xs.size() + " array(s) given");
    }
    int n = xs.get(0).count();
    if (n == 0) {
      throw new JerasException("no samples to predict");
    }
    for (int i = 0; i < xs.size(); i++) {
      TensorShape expected = inputShapes.get(i);
      TensorShape got = TensorShape.of(xs.get(i).shape()).withBatch(-1);
      if (expected.rank() > 1 && !expected.isCompatibleWith(got)) {
        throw new JerasException(
            dir
                + ": input "
                + inputNames.get(i)
                + " expects "
                + expected
                + ", got data of shape "
                + NumericArray.format(xs.get(i).shape()));
      }
      if (xs.get(i).count() != n) {
        throw new JerasException("inputs disagree on the number of samples");
      }
    }
    int outs = outputNames.size();
    float[][] out = new float[outs][];
    long[][] outShapes = new long[outs][];
    for (int from = 0; from < n; from += batchSize) {
      int to = Math.min(n, from + batchSize);
      CpuInferenceGraph.Outputs r = runBatch(xs, from, to);
      for (int o = 0; o < outs; o++) {
        float[] v = r.values()[o];
        long[] s = r.shapes()[o];
        if (!perSample(o, s, to - from)) {
          // one value (or array) for the whole batch: it can be returned only when the whole
          // input ran as one batch, since such values of separate batches cannot be joined
          if (to - from != n) {
            throw notPerSample(o, s, to - from, n);
          }
          out[o] = v;
          outShapes[o] = s;
          continue;
        }
        long[] row = Arrays.copyOfRange(s, 1, s.length);
        if (out[o] == null) {
          outShapes[o] = s.clone();
          outShapes[o][0] = n;
          out[o] = to - from == n ? v : new float[Math.toIntExact((long) v.length / s[0] * n)];
        } else if (!Arrays.equals(row, Arrays.copyOfRange(outShapes[o], 1, s.length))) {
          throw new JerasException(
              dir
                  + ": output "
                  + outputNames.get(o)
                  + " has shape "
                  + NumericArray.format(s)
                  + " for samples "
                  + from
                  + " to "
                  + (to - 1)
                  + ", but "
                  + NumericArray.format(outShapes[o])
                  + " for the first batch: batches cannot be joined");
        }
        if (out[o] != v) {
          System.arraycopy(v, 0, out[o], Math.toIntExact(from * (v.length / s[0])), v.length);
        }
      }
    }
    List<FloatArray> result = new ArrayList<>();
    for (int o = 0; o < outs; o++) {
      result.add(
          outShapes[o].length == 0
              ? FloatArray.scalar(out[o][0])
              : FloatArray.of(out[o], outShapes[o]));
    }
    return result;
  }

  /**
   * @return the key of the signature {@link #predict} runs ({@code serving_default}, or the only
   *     one)
   */
  public String signatureKey() {
    return function.signature().key();
  }

  /**
   * Runs one batch through any signature of the SavedModel whose inputs and outputs are all
   * float32, on TensorFlow's kernels as loaded (for signatures other than {@link #signatureKey()};
   * {@link #predict} is the faster path for that one).
   *
   * @param key the signature key
   * @param inputs every input of the signature by key, batch dimension first
   * @return every output of the signature by key, in sorted key order
   */
  public Map<String, FloatArray> call(String key, Map<String, FloatArray> inputs) {
    SessionFunction f =
        bundle.functions().stream()
            .filter(fn -> fn.signature().key().equals(key))
            .findFirst()
            .orElseThrow(
                () -> new JerasException(dir + ": the SavedModel has no signature " + key));
    Signature sig = f.signature();
    if (!sig.getInputs().keySet().equals(inputs.keySet())) {
      throw new JerasException(
          dir
              + ": signature "
              + key
              + " has inputs "
              + new TreeMap<>(sig.getInputs()).keySet()
              + ", got "
              + new TreeMap<>(inputs).keySet());
    }
    sig.getInputs().forEach((n, d) -> requireFloat(d, key + " input " + n));
    sig.getOutputs().forEach((n, d) -> requireFloat(d, key + " output " + n));
    Map<String, Tensor> feeds = new LinkedHashMap<>();
    try {
      inputs.forEach((n, x) -> feeds.put(n, Tensors.floats(x.data(), 0, x.shape())));
      try (Result r = f.call(feeds)) {
        Map<String, FloatArray> out = new TreeMap<>();
        for (String n : sig.getOutputs().keySet()) {
          Tensor t =
              r.get(n)
                  .orElseThrow(
                      () -> new JerasException(dir + ": signature " + key + " returned no " + n));
          out.put(n, FloatArray.of(Tensors.toFloats(t), t.shape().asArray()));
        }
        return out;
      }
    } catch (TensorFlowException e) {
      throw new JerasException(
          dir + ": the SavedModel failed to run: " + firstLine(e.getMessage()), e);
    } finally {
      feeds.values().forEach(Tensor::close);
    }
  }

  /**
   * Whether an output holds one row per sample of the batch: its first dimension is the batch's
   * size, and the signature does not declare a fixed first dimension where the input's is open
   * (such an output only happens to match the batch).
   */
  private boolean perSample(int output, long[] shape, int batch) {
    if (shape.length == 0 || shape[0] != batch) {
      return false;
    }
    TensorShape declared = outputShapes.get(output);
    boolean fixedOutput = declared.rank() > 0 && declared.dim(0) >= 0;
    boolean openInput = inputShapes.get(0).rank() > 0 && inputShapes.get(0).dim(0) < 0;
    return !(fixedOutput && openInput);
  }

  private JerasException notPerSample(int output, long[] shape, int batch, int n) {
    return new JerasException(
        dir
            + ": output "
            + outputNames.get(output)
            + " has shape "
            + NumericArray.format(shape)
            + " for a batch of "
            + batch
            + " samples: one result for the whole batch, not one per sample, so the results of"
            + " several batches cannot be joined; predict all "
            + n
            + " samples in one batch (batch size "
            + n
            + " or more) to get it for the whole input");
  }

  /**
   * Runs samples [from, to) of the inputs as one batch (on the CPU copy where there is one); a
   * failure inside the graph is an error in this SavedModel.
   *
   * @return the outputs in signature order
   */
  private CpuInferenceGraph.Outputs runBatch(List<FloatArray> xs, int from, int to) {
    int k = xs.size();
    long[][] shapes = new long[k][];
    for (int i = 0; i < k; i++) {
      shapes[i] = xs.get(i).shape();
      shapes[i][0] = to - from;
    }
    try {
      if (cpu != null) {
        float[][] data = new float[k][];
        int[] offsets = new int[k];
        for (int i = 0; i < k; i++) {
          data[i] = xs.get(i).data();
          offsets[i] = from * xs.get(i).sampleSize();
        }
        return cpu.run(data, offsets, shapes);
      }
      Map<String, Tensor> feeds = new LinkedHashMap<>();
      try {
        for (int i = 0; i < k; i++) {
          feeds.put(
              inputNames.get(i),
              Tensors.floats(xs.get(i).data(), from * xs.get(i).sampleSize(), shapes[i]));
        }
        try (Result r = function.call(feeds)) {
          float[][] values = new float[outputNames.size()][];
          long[][] outShapes = new long[outputNames.size()][];
          for (int o = 0; o < values.length; o++) {
            Tensor t =
                r.get(outputNames.get(o))
                    .orElseThrow(
                        () -> new JerasException(dir + ": the SavedModel returned no output"));
            values[o] = Tensors.toFloats(t);
            outShapes[o] = t.shape().asArray();
          }
          return new CpuInferenceGraph.Outputs(values, outShapes);
        }
      } finally {
        feeds.values().forEach(Tensor::close);
      }
    } catch (TensorFlowException | TFUnimplementedException | IllegalArgumentException e) {
      // TensorFlow throws a failed assertion (tf.debugging.assert_*) as TFInvalidArgumentException,
      // an IllegalArgumentException, and an unsupported op as an UnsupportedOperationException;
      // the CPU copy reports TensorFlow's failures as IllegalArgumentException
      throw new JerasException(
          dir + ": the SavedModel failed to run: " + firstLine(e.getMessage()), e);
    }
  }

  /**
   * @return what the CPU engine changed in this process' copy of the graph (see {@link
   *     CpuInferenceGraph}); nothing where the graph runs as loaded
   */
  @Override
  public RewriteResult kernels() {
    return cpu == null ? RewriteResult.unchanged(GraphDef.getDefaultInstance()) : cpu.rewrite();
  }

  @Override
  public void close() {
    try {
      if (cpu != null) {
        cpu.close();
      }
    } finally {
      bundle.close();
    }
  }
}
