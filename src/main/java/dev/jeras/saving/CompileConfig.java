package dev.jeras.saving;

import dev.jeras.models.Model;
import dev.jeras.training.Loss;
import dev.jeras.training.Metric;
import dev.jeras.training.Optimizer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keras' {@code compile_config} (optimizer, loss, metrics) both ways, so a model saved by Python
 * Keras arrives compiled in Java and vice versa. What jeras cannot express (a custom loss, a
 * learning-rate schedule) leaves the model uncompiled with a warning rather than compiled wrongly.
 */
final class CompileConfig {
  private static final Logger LOG = LoggerFactory.getLogger(CompileConfig.class);

  private CompileConfig() {}

  /**
   * @return Keras' compile_config for a compiled model
   */
  static Map<String, Object> toMap(Model trainer) {
    Map<String, Object> opt = new LinkedHashMap<>();
    opt.put("module", "keras.optimizers");
    opt.put("class_name", trainer.optimizer().kerasClassName());
    opt.put("config", trainer.optimizer().getConfig());
    opt.put("registered_name", null);
    Map<String, Object> c = new LinkedHashMap<>();
    c.put("optimizer", opt);
    List<Object> losses = trainer.losses().stream().map(CompileConfig::lossConfig).toList();
    c.put("loss", losses.stream().distinct().count() == 1 ? losses.get(0) : losses);
    c.put("loss_weights", null);
    c.put("metrics", trainer.metrics().stream().map(Metric::kerasName).toList());
    c.put("weighted_metrics", null);
    c.put("run_eagerly", false);
    c.put("steps_per_execution", 1);
    c.put("jit_compile", false);
    return c;
  }

  /**
   * Compiles the model as the config says, when jeras supports every part of it.
   *
   * @return whether the model was compiled
   */
  static boolean apply(Model model, Object compileConfig, String source) {
    if (!(compileConfig instanceof Map<?, ?> c) || c.isEmpty()) {
      return false;
    }
    try {
      Optimizer optimizer = optimizer(c.get("optimizer"));
      List<Loss> losses = new ArrayList<>();
      Object loss = c.get("loss");
      if (loss instanceof String || loss instanceof Map<?, ?>) {
        losses.add(loss(loss));
      } else if (loss instanceof List<?> l) {
        for (Object o : l) {
          losses.add(loss(o));
        }
      } else {
        throw new IllegalArgumentException("loss " + loss);
      }
      List<Metric> metrics = new ArrayList<>();
      if (c.get("metrics") instanceof List<?> ms) {
        for (Object m : ms) {
          if (m instanceof String s) {
            metrics.add(Metric.of(s));
          } else if (m instanceof List<?> perOutput && perOutput.size() == 1) {
            metrics.add(Metric.of(String.valueOf(perOutput.get(0))));
          } else if (m != null) {
            throw new IllegalArgumentException("metric " + m);
          }
        }
      }
      model.compile(optimizer, losses, metrics.stream().distinct().toList());
      return true;
    } catch (IllegalArgumentException | ClassCastException e) {
      LOG.warn(
          "{}: the model is left uncompiled: its compile_config uses what jeras does not"
              + " support ({}); compile it in Java before training",
          source,
          e.getMessage());
      return false;
    }
  }

  /**
   * @return a loss's name, or Keras' object for a cross-entropy from logits
   */
  private static Object lossConfig(Loss loss) {
    if (!(loss instanceof Loss.CrossEntropy ce) || !ce.fromLogits()) {
      return loss.kerasName();
    }
    Map<String, Object> config = new LinkedHashMap<>();
    config.put("name", loss.kerasName());
    config.put("reduction", "sum_over_batch_size");
    config.put("from_logits", true);
    Map<String, Object> o = new LinkedHashMap<>();
    o.put("module", "keras.losses");
    o.put("class_name", ce.sparse() ? "SparseCategoricalCrossentropy" : "CategoricalCrossentropy");
    o.put("config", config);
    o.put("registered_name", null);
    return o;
  }

  /**
   * A loss by name, or as Keras' object ({@code SparseCategoricalCrossentropy(from_logits=True)}):
   * a setting jeras does not compute (another reduction, label smoothing, an ignored class) is
   * refused.
   */
  private static Loss loss(Object o) {
    if (o instanceof String s) {
      return Loss.of(s);
    }
    if (!(o instanceof Map<?, ?> m) || !(m.get("class_name") instanceof String cls)) {
      throw new IllegalArgumentException("loss " + o);
    }
    Map<?, ?> cfg = m.get("config") instanceof Map<?, ?> x ? x : Map.of();
    Object reduction = cfg.get("reduction");
    if (reduction != null && !"sum_over_batch_size".equals(reduction)) {
      throw new IllegalArgumentException(cls + " with reduction=" + reduction);
    }
    if (cfg.get("ignore_class") != null) {
      throw new IllegalArgumentException(cls + " with ignore_class=" + cfg.get("ignore_class"));
    }
    if (num(cfg, "label_smoothing", 0) != 0) {
      throw new IllegalArgumentException(
          cls + " with label_smoothing=" + cfg.get("label_smoothing"));
    }
    if (num(cfg, "axis", -1) != -1) {
      throw new IllegalArgumentException(cls + " with axis=" + cfg.get("axis"));
    }
    Loss base = Loss.of(cls);
    if (!Boolean.TRUE.equals(cfg.get("from_logits"))) {
      return base;
    }
    if (base instanceof Loss.CrossEntropy ce) {
      return new Loss.CrossEntropy(ce.sparse(), true);
    }
    throw new IllegalArgumentException(cls + " with from_logits=True");
  }

  private static Optimizer optimizer(Object o) {
    if (o instanceof String s) {
      return Optimizer.of(s, null);
    }
    if (!(o instanceof Map<?, ?> m) || !(m.get("class_name") instanceof String cls)) {
      throw new IllegalArgumentException("optimizer " + o);
    }
    Map<?, ?> cfg = m.get("config") instanceof Map<?, ?> x ? x : Map.of();
    Object rate = cfg.get("learning_rate");
    if (rate != null && !(rate instanceof Number)) {
      throw new IllegalArgumentException("learning-rate schedule " + rate);
    }
    String name = cls.toLowerCase(Locale.ROOT);
    boolean decays = name.equals("adamw") || name.equals("lion");
    for (String unsupported :
        List.of(
            "weight_decay",
            "clipnorm",
            "global_clipnorm",
            "clipvalue",
            "loss_scale_factor",
            "gradient_accumulation_steps")) {
      if (cfg.get(unsupported) != null && !(decays && unsupported.equals("weight_decay"))) {
        throw new IllegalArgumentException(
            cls + " with " + unsupported + "=" + cfg.get(unsupported));
      }
    }
    if (Boolean.TRUE.equals(cfg.get("use_ema")) || Boolean.TRUE.equals(cfg.get("amsgrad"))) {
      throw new IllegalArgumentException(cls + " with EMA or AMSGrad");
    }
    double lr = num(cfg, "learning_rate", name.equals("sgd") ? 0.01 : 1e-3);
    return switch (name) {
      case "adam" ->
          new Optimizer.Adam(
              lr, num(cfg, "beta_1", 0.9), num(cfg, "beta_2", 0.999), num(cfg, "epsilon", 1e-7));
      case "adamw" ->
          new Optimizer.AdamW(
              lr,
              num(cfg, "weight_decay", 0.004),
              num(cfg, "beta_1", 0.9),
              num(cfg, "beta_2", 0.999),
              num(cfg, "epsilon", 1e-7));
      case "sgd" ->
          new Optimizer.Sgd(lr, num(cfg, "momentum", 0), Boolean.TRUE.equals(cfg.get("nesterov")));
      case "rmsprop" ->
          new Optimizer.RmsProp(
              lr,
              num(cfg, "rho", 0.9),
              num(cfg, "momentum", 0),
              num(cfg, "epsilon", 1e-7),
              Boolean.TRUE.equals(cfg.get("centered")));
      case "nadam" ->
          new Optimizer.Nadam(
              lr, num(cfg, "beta_1", 0.9), num(cfg, "beta_2", 0.999), num(cfg, "epsilon", 1e-7));
      case "adamax" ->
          new Optimizer.Adamax(
              lr, num(cfg, "beta_1", 0.9), num(cfg, "beta_2", 0.999), num(cfg, "epsilon", 1e-7));
      case "adagrad" ->
          new Optimizer.Adagrad(
              lr, num(cfg, "initial_accumulator_value", 0.1), num(cfg, "epsilon", 1e-7));
      case "adadelta" ->
          new Optimizer.Adadelta(lr, num(cfg, "rho", 0.95), num(cfg, "epsilon", 1e-7));
      case "ftrl" ->
          new Optimizer.Ftrl(
              lr,
              num(cfg, "learning_rate_power", -0.5),
              num(cfg, "initial_accumulator_value", 0.1),
              num(cfg, "l1_regularization_strength", 0),
              num(cfg, "l2_regularization_strength", 0),
              num(cfg, "l2_shrinkage_regularization_strength", 0),
              num(cfg, "beta", 0));
      case "lion" ->
          new Optimizer.Lion(
              lr, num(cfg, "beta_1", 0.9), num(cfg, "beta_2", 0.99), num(cfg, "weight_decay", 0));
      default -> throw new IllegalArgumentException("optimizer " + cls);
    };
  }

  private static double num(Map<?, ?> cfg, String key, double dflt) {
    return cfg.get(key) instanceof Number n ? n.doubleValue() : dflt;
  }
}
