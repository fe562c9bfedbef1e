package dev.jeras.layers;

import static dev.jeras.layers.LayerHarness.assertClose;
import static dev.jeras.layers.LayerHarness.assertShape;
import static dev.jeras.layers.LayerHarness.toDouble;

import dev.jeras.data.FloatArray;
import dev.jeras.models.Model;
import dev.jeras.training.FitOptions;
import dev.jeras.training.Loss;
import dev.jeras.training.Optimizer;
import java.util.List;
import java.util.Random;
import java.util.function.ToDoubleFunction;
import org.junit.jupiter.api.Test;

/**
 * BatchNormalization against a pure-Java reference: inference with the moving statistics,
 * training-mode forward with the batch's mean and biased variance, Keras' moving-average update
 * (momentum 0.99 and 0.9) after one training step, and a numeric-vs-analytic gradient check in
 * training mode.
 */
class BatchNormalizationTest {
  private static final double ATOL = 1e-5;
  private static final double KERAS_EPSILON = 1e-3;

  /** gamma, beta, moving_mean, moving_variance (variance positive), random per channel. */
  private static FloatArray[] randomStats(Random rng, int c) {
    return new FloatArray[] {
      LayerHarness.randomIn(rng, 0.5, 1.5, c),
      LayerHarness.randomIn(rng, -1, 1, c),
      LayerHarness.randomIn(rng, -1, 1, c),
      LayerHarness.randomIn(rng, 0.5, 2.0, c)
    };
  }

  /** Inputs with a different offset and spread per channel, so per-channel statistics matter. */
  private static FloatArray channelSkewed(Random rng, int c, long... shape) {
    float[] v = LayerHarness.uniform(rng, LayerHarness.size(shape), -1, 1);
    for (int i = 0; i < v.length; i++) {
      int ch = i % c;
      v[i] = v[i] * (1 + ch) + 0.5f * ch - 1;
    }
    return FloatArray.of(v, shape);
  }

  // (a) inference ------------------------------------------------------------------------------

  private static void checkInference(long seed, double epsilon, long... shape) {
    Random rng = new Random(seed);
    int c = (int) shape[shape.length - 1];
    FloatArray x = channelSkewed(rng, c, shape);
    FloatArray[] w = randomStats(rng, c);
    BatchNormalization bn = new BatchNormalization();
    if (epsilon != KERAS_EPSILON) {
      bn.epsilon(epsilon);
    }
    FloatArray y = LayerHarness.predict(bn, x, w);
    assertShape(y, shape);
    double[] expected =
        Reference.batchNorm(
            x.data(),
            c,
            toDouble(w[0].data()),
            toDouble(w[1].data()),
            toDouble(w[2].data()),
            toDouble(w[3].data()),
            epsilon);
    assertClose(expected, y, ATOL, 0, "inference BN " + java.util.Arrays.toString(shape));
  }

  @Test
  void inference_rank4_usesMovingStatistics() {
    checkInference(81, KERAS_EPSILON, 2, 3, 4, 5);
  }

  @Test
  void inference_rank2_usesMovingStatistics() {
    checkInference(82, KERAS_EPSILON, 7, 6);
  }

  @Test
  void inference_customEpsilon_isHonoured() {
    // a small variance makes epsilon visible: sqrt(0.01 + 0.1) vs sqrt(0.01 + 0.001)
    Random rng = new Random(83);
    FloatArray x = LayerHarness.random(rng, 4, 3);
    FloatArray[] w = {
      FloatArray.of(new float[] {1, 1, 1}, 3), FloatArray.of(new float[3], 3),
      FloatArray.of(new float[3], 3), FloatArray.of(new float[] {0.01f, 0.02f, 0.05f}, 3)
    };
    FloatArray y = LayerHarness.predict(new BatchNormalization().epsilon(0.1), x, w);
    double[] expected =
        Reference.batchNorm(
            x.data(),
            3,
            new double[] {1, 1, 1},
            new double[3],
            new double[3],
            toDouble(w[3].data()),
            0.1);
    assertClose(expected, y, ATOL, 0, "epsilon 0.1");
  }

  @Test
  void inference_defaultWeights_divideBySqrtOnePlusEpsilon() {
    // gamma 1, beta 0, moving mean 0, moving variance 1: y = x / sqrt(1 + 1e-3)
    Random rng = new Random(84);
    FloatArray x = LayerHarness.random(rng, 3, 2, 2, 4);
    FloatArray y = LayerHarness.predict(new BatchNormalization(), x);
    double[] expected = toDouble(x.data());
    for (int i = 0; i < expected.length; i++) {
      expected[i] /= Math.sqrt(1 + KERAS_EPSILON);
    }
    assertClose(expected, y, ATOL, 0, "default BN at inference");
  }

  // (b) training-mode forward ------------------------------------------------------------------

  private static void checkTrainingForward(long seed, long... shape) {
    Random rng = new Random(seed);
    int c = (int) shape[shape.length - 1];
    FloatArray x = channelSkewed(rng, c, shape);
    FloatArray[] w = randomStats(rng, c);
    BatchNormalization bn = new BatchNormalization();
    try (Model m = LayerHarness.model(bn, LayerHarness.sampleShape(x))) {
      m.setWeights(List.of(w));
      FloatArray y = m.predictTrainingMode(List.of(x), x.count()).get(0);
      assertShape(y, shape);
      double[] expected =
          Reference.batchNormTraining(
              toDouble(x.data()), c, toDouble(w[0].data()), toDouble(w[1].data()), KERAS_EPSILON);
      assertClose(
          expected,
          y,
          ATOL,
          0,
          "training BN (batch mean, biased variance) " + java.util.Arrays.toString(shape));
      // the training-mode forward alone leaves the moving statistics alone
      List<FloatArray> after = m.getWeights();
      assertClose(toDouble(w[2].data()), after.get(2), 0, 0, "moving_mean after forward");
      assertClose(toDouble(w[3].data()), after.get(3), 0, 0, "moving_variance after forward");
    }
  }

  @Test
  void trainingForward_rank4_normalisesWithBatchMeanAndBiasedVariance() {
    // N = 4 * 3 * 3 = 36 per channel; the unbiased variance would be off by 36/35
    checkTrainingForward(91, 4, 3, 3, 5);
  }

  @Test
  void trainingForward_rank2_normalisesWithBatchMeanAndBiasedVariance() {
    // N = 6: the unbiased variance would be off by 6/5
    checkTrainingForward(92, 6, 4);
  }

  // (c) moving-average update ------------------------------------------------------------------

  private static void checkMovingAverageUpdate(long seed, Double momentum, long... shape) {
    Random rng = new Random(seed);
    int c = (int) shape[shape.length - 1];
    FloatArray x = channelSkewed(rng, c, shape);
    FloatArray target = LayerHarness.random(rng, shape);
    FloatArray[] w = randomStats(rng, c);
    BatchNormalization bn = new BatchNormalization();
    if (momentum != null) {
      bn.momentum(momentum);
    }
    double mom = momentum == null ? 0.99 : momentum;
    try (Model m = LayerHarness.model(bn, LayerHarness.sampleShape(x))) {
      m.setWeights(List.of(w));
      m.compile(Optimizer.sgd(1e-6), Loss.meanSquaredError());
      m.fit(
          x, target, new FitOptions().epochs(1).batchSize(x.count()).shuffle(false).progress(null));
      List<FloatArray> after = m.getWeights();
      double[][] batch = Reference.channelMoments(x.data(), c);
      double[] mm = toDouble(w[2].data());
      double[] mv = toDouble(w[3].data());
      for (int ch = 0; ch < c; ch++) {
        mm[ch] = mom * mm[ch] + (1 - mom) * batch[0][ch];
        mv[ch] = mom * mv[ch] + (1 - mom) * batch[1][ch];
      }
      assertClose(mm, after.get(2), ATOL, 0, "moving_mean, momentum " + mom);
      assertClose(
          mv, after.get(3), ATOL, 0, "moving_variance (biased batch variance), momentum " + mom);
    }
  }

  @Test
  void oneTrainingStep_rank4_defaultMomentum_movesStatisticsOnePercentTowardsBatch() {
    checkMovingAverageUpdate(101, null, 6, 3, 3, 4);
  }

  @Test
  void oneTrainingStep_rank4_momentum09_movesStatisticsTenPercentTowardsBatch() {
    checkMovingAverageUpdate(102, 0.9, 6, 3, 3, 4);
  }

  @Test
  void oneTrainingStep_rank2_momentum09_usesBiasedBatchVariance() {
    // N = 5: an unbiased variance would put moving_variance off by 0.1 * var / 4
    checkMovingAverageUpdate(103, 0.9, 5, 3);
  }

  // (d) gradient check ---------------------------------------------------------------------------

  /** Central differences of a function of one array, in double. */
  private static double[] numericGradient(double[] p, ToDoubleFunction<double[]> loss) {
    double h = 1e-5;
    double[] g = new double[p.length];
    for (int i = 0; i < p.length; i++) {
      double[] plus = p.clone();
      double[] minus = p.clone();
      plus[i] += h;
      minus[i] -= h;
      g[i] = (loss.applyAsDouble(plus) - loss.applyAsDouble(minus)) / (2 * h);
    }
    return g;
  }

  /**
   * One plain-SGD step with learning rate lr on Keras' mean squared error, on the whole batch:
   * returns -(w_after - w_before) / lr for every weight, which is dL/dw at the starting point.
   */
  private static List<double[]> analyticGradients(
      Model m, List<FloatArray> weights, FloatArray x, FloatArray target, double lr) {
    m.setWeights(weights);
    m.compile(Optimizer.sgd(lr), Loss.meanSquaredError());
    m.fit(x, target, new FitOptions().epochs(1).batchSize(x.count()).shuffle(false).progress(null));
    List<FloatArray> after = m.getWeights();
    List<double[]> grads = new java.util.ArrayList<>();
    for (int k = 0; k < weights.size(); k++) {
      float[] before = weights.get(k).data();
      double[] g = new double[before.length];
      for (int i = 0; i < g.length; i++) {
        g[i] = -((double) after.get(k).data()[i] - before[i]) / lr;
      }
      grads.add(g);
    }
    return grads;
  }

  private static void checkGammaBetaGradient(long seed, long... shape) {
    Random rng = new Random(seed);
    int c = (int) shape[shape.length - 1];
    FloatArray x = channelSkewed(rng, c, shape);
    FloatArray target = LayerHarness.random(rng, shape);
    FloatArray[] w = randomStats(rng, c);
    double[] gamma = toDouble(w[0].data());
    double[] beta = toDouble(w[1].data());
    double[] xd = toDouble(x.data());
    double[] numGamma =
        numericGradient(
            gamma,
            g ->
                Reference.meanSquaredError(
                    Reference.batchNormTraining(xd, c, g, beta, KERAS_EPSILON), target.data()));
    double[] numBeta =
        numericGradient(
            beta,
            b ->
                Reference.meanSquaredError(
                    Reference.batchNormTraining(xd, c, gamma, b, KERAS_EPSILON), target.data()));
    try (Model m = LayerHarness.model(new BatchNormalization(), LayerHarness.sampleShape(x))) {
      List<double[]> g = analyticGradients(m, List.of(w), x, target, 1.0);
      String where = " of mean((BN(x) - t)^2), shape " + java.util.Arrays.toString(shape);
      assertClose(numGamma, g.get(0), 1e-5, 1e-3, "dL/dgamma" + where);
      assertClose(numBeta, g.get(1), 1e-5, 1e-3, "dL/dbeta" + where);
    }
  }

  @Test
  void gradient_rank2_gammaAndBeta_sgdStepMatchesNumericGradient() {
    checkGammaBetaGradient(111, 6, 3);
  }

  @Test
  void gradient_rank4_gammaAndBeta_sgdStepMatchesNumericGradient() {
    // batch 6, 2x2, 3 channels; Keras' MSE is the mean over every element (mean over the last
    // axis, then "sum_over_batch_size" over batch * h * w). If this fails by a factor of exactly
    // h * w = 4 while the rank-2 check passes, BN's gradient is right and the training loss is not
    // reduced over the spatial axes.
    checkGammaBetaGradient(112, 6, 2, 2, 3);
  }

  @Test
  void gradient_throughBatchStatistics_denseKernelBeforeBn_matchesNumericGradient() {
    // L = mse(BN_train(x . K), t): dL/dK flows through BN's input gradient, including the terms
    // from the batch mean and variance; treating them as constants would give another value.
    Random rng = new Random(113);
    int n = 8;
    int in = 4;
    int c = 3;
    FloatArray x = LayerHarness.random(rng, n, in);
    FloatArray target = LayerHarness.random(rng, n, c);
    FloatArray kernel = LayerHarness.random(rng, in, c);
    FloatArray[] w = randomStats(rng, c);
    double[] gamma = toDouble(w[0].data());
    double[] beta = toDouble(w[1].data());
    double[] xd = toDouble(x.data());
    double[] numKernel =
        numericGradient(
            toDouble(kernel.data()),
            k ->
                Reference.meanSquaredError(
                    Reference.batchNormTraining(
                        Reference.dense(xd, n, in, k, c), c, gamma, beta, KERAS_EPSILON),
                    target.data()));
    SymbolicTensor input = Input.shape(in);
    SymbolicTensor out = new BatchNormalization().apply(new Dense(c).useBias(false).apply(input));
    try (Model m = new Model(input, out)) {
      m.seed(LayerHarness.SEED);
      List<double[]> g =
          analyticGradients(m, List.of(kernel, w[0], w[1], w[2], w[3]), x, target, 1.0);
      assertClose(numKernel, g.get(0), 1e-5, 1e-3, "dL/dkernel through training-mode BN");
    }
  }
}
