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
    List<String> losses = trainer.losses().stream().map(Loss::kerasName).distinct().toList();
    c.put(
        "loss",
        losses.size() == 1
            ? losses.get(0)
            : trainer.losses().stream().map(Loss::kerasName).toList());
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
      if (loss instanceof String s) {
        losses.add(Loss.of(s));
      } else if (loss instanceof List<?> l) {
        for (Object o : l) {
          losses.add(Loss.of(String.valueOf(o)));
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

  private static Optimizer optimizer(Object o) {
    if (o instanceof String s) {
      return Optimizer.of(s, null);
    }
    if (!(o instanceof Map<?, ?> m) || !(m.get("class_name") instanceof String cls)) {
      throw new IllegalArgumentException("optimizer " + o);
    }
    Map<?, ?> cfg = m.get("config") instanceof Map<?, ?> x ? x : Map.of();
    Object lr = cfg.get("learning_rate");
    if (lr != null && !(lr instanceof Number)) {
      throw new IllegalArgumentException("learning-rate schedule " + lr);
    }
    for (String unsupported :
        List.of(
            "weight_decay",
            "clipnorm",
            "global_clipnorm",
            "clipvalue",
            "loss_scale_factor",
            "gradient_accumulation_steps")) {
      if (cfg.get(unsupported) != null) {
        throw new IllegalArgumentException(
            cls + " with " + unsupported + "=" + cfg.get(unsupported));
      }
    }
    if (Boolean.TRUE.equals(cfg.get("use_ema"))
        || Boolean.TRUE.equals(cfg.get("amsgrad"))
        || Boolean.TRUE.equals(cfg.get("centered"))) {
      throw new IllegalArgumentException(cls + " with EMA, AMSGrad or centered");
    }
    return switch (cls.toLowerCase(Locale.ROOT)) {
      case "adam" ->
          new Optimizer.Adam(
              num(cfg, "learning_rate", 1e-3),
              num(cfg, "beta_1", 0.9),
              num(cfg, "beta_2", 0.999),
              num(cfg, "epsilon", 1e-7));
      case "sgd" ->
          new Optimizer.Sgd(
              num(cfg, "learning_rate", 0.01),
              num(cfg, "momentum", 0),
              Boolean.TRUE.equals(cfg.get("nesterov")));
      case "rmsprop" ->
          new Optimizer.RmsProp(
              num(cfg, "learning_rate", 1e-3),
              num(cfg, "rho", 0.9),
              num(cfg, "momentum", 0),
              num(cfg, "epsilon", 1e-7));
      default -> throw new IllegalArgumentException("optimizer " + cls);
    };
  }

  private static double num(Map<?, ?> cfg, String key, double dflt) {
    return cfg.get(key) instanceof Number n ? n.doubleValue() : dflt;
  }
}
