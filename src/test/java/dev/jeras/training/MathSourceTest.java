package dev.jeras.training;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jeras.backend.StandardBackend;
import dev.jeras.internal.Tensors;
import dev.jeras.layers.Initializer;
import dev.jeras.layers.Regularizer;
import dev.jeras.testing.Fixtures;
import java.io.IOException;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Operand;
import org.tensorflow.Result;
import org.tensorflow.Session;
import org.tensorflow.framework.activations.Activation;
import org.tensorflow.framework.activations.Exponential;
import org.tensorflow.framework.activations.GELU;
import org.tensorflow.framework.activations.HardSigmoid;
import org.tensorflow.framework.activations.ReLU;
import org.tensorflow.framework.activations.Softsign;
import org.tensorflow.framework.activations.Swish;
import org.tensorflow.framework.constraints.Constraint;
import org.tensorflow.framework.constraints.MaxNorm;
import org.tensorflow.framework.constraints.MinMaxNorm;
import org.tensorflow.framework.constraints.NonNeg;
import org.tensorflow.framework.constraints.UnitNorm;
import org.tensorflow.framework.initializers.Glorot;
import org.tensorflow.framework.initializers.VarianceScaling;
import org.tensorflow.framework.losses.Losses;
import org.tensorflow.op.Ops;
import org.tensorflow.types.TFloat32;
import org.tensorflow.types.TInt32;

/**
 * Where each piece of math comes from, pinned against Keras 3 (testdata/math/reference.json, made
 * by scripts/make_math_reference.py): jeras' losses and metrics (tensorflow-framework's categorical
 * cross-entropy, mean squared error and accuracies; jeras' own binary cross-entropy), the standard
 * backend's activations (TensorFlow's ops as Keras' TensorFlow backend calls them; the framework's
 * Swish, GELU, ReLU and ELU where Keras composes ops), jeras' weight penalties (the framework's
 * L1L2), the framework classes jeras could take as they are (constraints), and the framework
 * classes jeras does not use because their numbers are not Keras' (binary cross-entropy,
 * HardSigmoid, the uniform VarianceScaling initializers). Tolerance: 1e-6 absolute plus 1e-5
 * relative, single float32 ops.
 */
class MathSourceTest {
  private static final double ATOL = 1e-6;
  private static final double RTOL = 1e-5;
  private static JsonNode ref;

  @BeforeAll
  static void read() throws IOException {
    ref =
        new ObjectMapper()
            .readTree(Fixtures.testdata().resolve("math").resolve("reference.json").toFile());
  }

  private static float[] floats(JsonNode array) {
    float[] v = new float[array.size()];
    for (int i = 0; i < v.length; i++) {
      v[i] = (float) array.get(i).asDouble();
    }
    return v;
  }

  private static float[] golden(String group, String name) {
    return floats(ref.get(group).get(name));
  }

  private static Operand<TFloat32> input(Ops tf, String name, long... shape) {
    return tf.constant(
        org.tensorflow.ndarray.Shape.of(shape),
        org.tensorflow.ndarray.buffer.DataBuffers.of(floats(ref.get("inputs").get(name))));
  }

  private static Operand<TFloat32> x(Ops tf) {
    return input(tf, "x", 4, 5);
  }

  private static Operand<TInt32> labels(Ops tf) {
    int[] l = new int[4];
    for (int i = 0; i < 4; i++) {
      l[i] = ref.get("inputs").get("labels").get(i).asInt();
    }
    return tf.constant(l);
  }

  private static Operand<TFloat32> oneHot(Ops tf) {
    return tf.oneHot(labels(tf), tf.constant(5), tf.constant(1f), tf.constant(0f));
  }

  /** Builds one value in a fresh graph and runs it. */
  private static float[] run(Function<Ops, Operand<TFloat32>> build) {
    try (Graph g = new Graph();
        Session s = new Session(g)) {
      Operand<TFloat32> out = build.apply(Ops.create(g));
      try (Result r = s.runner().fetch(out).run()) {
        return Tensors.toFloats(r.get(0));
      }
    }
  }

  private static void assertKeras(String group, String name, float[] actual) {
    Fixtures.assertClose(actual, golden(group, name), ATOL, RTOL);
  }

  private static double maxRelDiff(float[] a, float[] b) {
    double m = 0;
    for (int i = 0; i < a.length; i++) {
      m = Math.max(m, Math.abs(a[i] - b[i]) / (ATOL + RTOL * Math.abs(b[i])));
    }
    return m;
  }

  @Test
  void losses_areKeras() {
    assertKeras(
        "losses",
        "sparse_categorical_crossentropy_probs",
        run(
            tf ->
                Loss.sparseCategoricalCrossentropy()
                    .perSample(tf, labels(tf), tf.nn.softmax(x(tf)), null)));
    assertKeras(
        "losses",
        "sparse_categorical_crossentropy_logits",
        run(tf -> Loss.sparseCategoricalCrossentropy(true).perSample(tf, labels(tf), x(tf), null)));
    assertKeras(
        "losses",
        "categorical_crossentropy_probs",
        run(
            tf ->
                Loss.categoricalCrossentropy()
                    .perSample(tf, oneHot(tf), tf.nn.softmax(x(tf)), null)));
    assertKeras(
        "losses",
        "categorical_crossentropy_saturated",
        run(
            tf ->
                Loss.categoricalCrossentropy()
                    .perSample(tf, oneHot(tf), input(tf, "saturated", 4, 5), null)));
    assertKeras(
        "losses",
        "categorical_crossentropy_logits",
        run(tf -> Loss.categoricalCrossentropy(true).perSample(tf, oneHot(tf), x(tf), null)));
    // a softmax output: jeras takes the logits behind it, as Keras does
    assertKeras(
        "losses",
        "categorical_crossentropy_logits",
        run(
            tf -> {
              Operand<TFloat32> z = x(tf);
              return Loss.categoricalCrossentropy().perSample(tf, oneHot(tf), tf.nn.softmax(z), z);
            }));
    assertKeras(
        "losses",
        "mean_squared_error",
        run(tf -> Loss.meanSquaredError().perSample(tf, input(tf, "target", 4, 5), x(tf), null)));
    assertKeras(
        "losses",
        "binary_crossentropy_saturated",
        run(
            tf ->
                Loss.binaryCrossentropy()
                    .perSample(tf, input(tf, "binary", 4, 5), input(tf, "saturated", 4, 5), null)));
  }

  @Test
  void frameworkBinaryCrossentropy_isNotKeras3s_soJerasKeepsItsOwn() {
    float[] framework =
        run(
            tf ->
                Losses.binaryCrossentropy(
                    tf, input(tf, "binary", 4, 5), input(tf, "saturated", 4, 5), false, 0f));
    double off = maxRelDiff(framework, golden("losses", "binary_crossentropy_saturated"));
    assertTrue(off > 100, "the framework's epsilon inside the logarithms moves it by " + off);
  }

  @Test
  void metrics_areKeras() {
    assertKeras(
        "metrics",
        "sparse_categorical_accuracy",
        run(tf -> Metric.SPARSE_CATEGORICAL_ACCURACY.perSample(tf, labels(tf), x(tf))));
    assertKeras(
        "metrics",
        "categorical_accuracy",
        run(tf -> Metric.CATEGORICAL_ACCURACY.perSample(tf, oneHot(tf), x(tf))));
    // Keras' function is element-wise and its metric the mean of all elements; jeras reports the
    // mean of each sample's row, whose mean over the batch is the same
    float[] elements = golden("metrics", "binary_accuracy");
    float[] rows = new float[4];
    for (int i = 0; i < elements.length; i++) {
      rows[i / 5] += elements[i] / 5;
    }
    Fixtures.assertClose(
        run(
            tf ->
                Metric.BINARY_ACCURACY.perSample(
                    tf, input(tf, "binary", 4, 5), input(tf, "saturated", 4, 5))),
        rows,
        ATOL,
        RTOL);
  }

  @Test
  void standardBackendActivations_areKeras() {
    StandardBackend b = StandardBackend.INSTANCE;
    assertKeras("activations", "relu", run(tf -> b.relu(tf, x(tf))));
    assertKeras("activations", "sigmoid", run(tf -> b.sigmoid(tf, x(tf))));
    assertKeras("activations", "tanh", run(tf -> b.tanh(tf, x(tf))));
    assertKeras("activations", "softmax", run(tf -> b.softmax(tf, x(tf))));
    assertKeras(
        "activations", "softmax_rank4", run(tf -> b.softmax(tf, input(tf, "x4", 2, 2, 2, 3))));
    assertKeras("activations", "elu", run(tf -> b.elu(tf, x(tf))));
    assertKeras("activations", "selu", run(tf -> b.selu(tf, x(tf))));
    assertKeras("activations", "softplus", run(tf -> b.softplus(tf, x(tf))));
    assertKeras("activations", "softsign", run(tf -> b.softsign(tf, x(tf))));
    assertKeras("activations", "exponential", run(tf -> b.exponential(tf, x(tf))));
    assertKeras("activations", "hard_sigmoid", run(tf -> b.hardSigmoid(tf, x(tf))));
    assertKeras("activations", "gelu_exact", run(tf -> b.gelu(tf, x(tf), false)));
    // the framework's Swish, GELU(approximate), ReLU(alpha, max, threshold) and ELU(alpha)
    assertKeras("activations", "swish", run(tf -> b.silu(tf, x(tf))));
    assertKeras("activations", "gelu_tanh", run(tf -> b.gelu(tf, x(tf), true)));
    assertKeras("activations", "relu6", run(tf -> b.relu(tf, x(tf), 0f, 6f, 0f)));
    assertKeras("activations", "relu", run(tf -> b.relu(tf, x(tf), 0f, null, 0f)));
    assertKeras("activations", "leaky_relu_0.3", run(tf -> b.relu(tf, x(tf), 0.3f, null, 0f)));
    assertKeras("activations", "elu", run(tf -> b.elu(tf, x(tf), 1f)));
  }

  private static float[] framework(Activation a) {
    return run(tf -> a.call(tf, x(tf)));
  }

  @Test
  void frameworkActivations_areKeras() {
    assertKeras("activations", "softsign", framework(new Softsign()));
    assertKeras("activations", "swish", framework(new Swish()));
    assertKeras("activations", "gelu_exact", framework(new GELU(false)));
    assertKeras("activations", "gelu_tanh", framework(new GELU(true)));
    assertKeras("activations", "exponential", framework(new Exponential()));
    assertKeras("activations", "relu6", framework(new ReLU(0f, 6f, 0f)));
    assertKeras("activations", "leaky_relu_0.3", framework(new ReLU(0.3f, Float.NaN, 0f)));
  }

  @Test
  void frameworkHardSigmoid_isKeras2s_notKeras3s() {
    // 1.1.0: clip(0.2 x + 0.5, 0, 1); Keras 3: relu6(x + 3) / 6
    double off = maxRelDiff(framework(new HardSigmoid()), golden("activations", "hard_sigmoid"));
    assertTrue(off > 100, "differs from Keras 3 by " + off);
  }

  private static float penalty(Regularizer r) {
    return run(tf -> r.penalty(tf, input(tf, "w", 3, 4)))[0];
  }

  @Test
  void regularizers_areTheFrameworksAndKeras() {
    JsonNode k = ref.get("regularizers");
    double l1 = k.get("l1_0.01").asDouble();
    double l2 = k.get("l2_0.01").asDouble();
    double l1l2 = k.get("l1l2_0.01_0.02").asDouble();
    assertEquals(l1, penalty(Regularizer.l1(0.01)), 1e-5 * l1);
    assertEquals(l2, penalty(Regularizer.l2(0.01)), 1e-5 * l2);
    assertEquals(l1l2, penalty(Regularizer.l1l2(0.01, 0.02)), 1e-5 * l1l2);
    assertEquals(0f, penalty(Regularizer.l1l2(0, 0)));
  }

  private static float[] constrained(Constraint c) {
    return run(tf -> c.call(tf, input(tf, "w", 3, 4)));
  }

  @Test
  void frameworkConstraints_areKeras() {
    assertKeras("constraints", "max_norm_1.5_axis0", constrained(new MaxNorm(1.5, 0)));
    assertKeras(
        "constraints",
        "min_max_norm_0.5_1.0_rate0.7_axis0",
        constrained(new MinMaxNorm(0.5, 1.0, 0.7, 0)));
    assertKeras("constraints", "non_neg", constrained(new NonNeg()));
    assertKeras("constraints", "unit_norm_axis0", constrained(new UnitNorm(0)));
  }

  @Test
  void frameworkGlorotUniform_drawsOnlyPositives_soJerasKeepsItsInitializers() {
    long[] shape = {64, 32};
    double limit = Math.sqrt(6.0 / (64 + 32));
    float[] framework =
        run(
            tf ->
                new Glorot<TFloat32>(VarianceScaling.Distribution.UNIFORM, 7L)
                    .call(tf, tf.constant(shape), TFloat32.class));
    float[] jeras = Initializer.glorotUniform().generate(shape, new java.util.SplittableRandom(7));
    double fMin = Double.MAX_VALUE;
    double jMin = Double.MAX_VALUE;
    double jMax = -Double.MAX_VALUE;
    for (int i = 0; i < jeras.length; i++) {
      fMin = Math.min(fMin, framework[i]);
      jMin = Math.min(jMin, jeras[i]);
      jMax = Math.max(jMax, jeras[i]);
    }
    assertTrue(fMin >= 0, "1.1.0's VarianceScaling uniform draws from [0, limit): min " + fMin);
    assertTrue(jMin < -0.9 * limit && jMax > 0.9 * limit && -jMin <= limit && jMax <= limit);
  }
}
