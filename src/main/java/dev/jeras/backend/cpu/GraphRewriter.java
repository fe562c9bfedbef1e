package dev.jeras.backend.cpu;

import dev.jeras.backend.Backend.GraphPlan;
import dev.jeras.backend.RewriteResult;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.tensorflow.proto.NodeDef;

/**
 * The CPU engine's one rewrite pass: each rule in turn, over the graph's nodes in order, asks the
 * kernel choice which of its candidates computes each match, and replaces the match's nodes where
 * that is not the first (leaving ops as they are). Nodes a rule replaced are out of reach of the
 * later rules, so a fusion wins over the single-op rules it covers.
 */
final class GraphRewriter {
  private static final Logger LOG = LoggerFactory.getLogger(GraphRewriter.class);

  /** The rules, fusions first. */
  static final List<Rule<?>> RULES =
      List.of(
          new ConvPoolRule(),
          new ConvRule(),
          new BatchNormPoolRule(),
          new MaxPoolRule(),
          new BatchNormRule(),
          new DenseRule());

  /** Batch size kernels are timed at for inference graphs. */
  static final int INFERENCE_BATCH = 64;

  /** Picks a kernel for a match. */
  interface Chooser {
    /**
     * @param rule the rule
     * @param m its match
     * @param candidates the kernels that can compute it (at least one)
     * @param batch the batch size to time at; 0 where it is not known yet
     * @return one of the candidates
     */
    <I extends Rule.Match> String choose(Rule<I> rule, I m, List<String> candidates, int batch);
  }

  private GraphRewriter() {}

  /**
   * @param plan the graph and what it is for
   * @param rules the rules to apply, in order
   * @param env what this process runs
   * @param chooser picks each match's kernel
   * @return the rewritten graph, or the graph as it was where TensorFlow cannot import it
   */
  static RewriteResult rewrite(
      GraphPlan plan, List<Rule<?>> rules, CpuEnvironment env, Chooser chooser) {
    NodeGraph g;
    try {
      g = new NodeGraph(plan.graph(), plan.fetched(), plan.differentiated());
    } catch (RuntimeException e) {
      LOG.debug("graph not rewritten: TensorFlow cannot import it ({})", e.getMessage());
      return RewriteResult.unchanged(plan.graph());
    }
    try (g) {
      List<Rule.Replacement> replacements = new ArrayList<>();
      List<RewriteResult.Applied> applied = new ArrayList<>();
      for (Rule<?> rule : rules) {
        apply(g, rule, plan, env, chooser, replacements, applied);
      }
      return replacements.isEmpty()
          ? RewriteResult.unchanged(plan.graph())
          : new RewriteResult(g.apply(replacements), applied);
    }
  }

  private static <I extends Rule.Match> void apply(
      NodeGraph g,
      Rule<I> rule,
      GraphPlan plan,
      CpuEnvironment env,
      Chooser chooser,
      List<Rule.Replacement> replacements,
      List<RewriteResult.Applied> applied) {
    for (NodeDef n : g.nodes()) {
      if (g.claimed(n)) {
        continue;
      }
      I m = rule.match(g, n);
      if (m == null || m.nodes().stream().anyMatch(g::claimed)) {
        continue;
      }
      List<String> candidates = rule.candidates(m, env);
      boolean training = m.site().name().startsWith("TRAIN_");
      int batch = training && plan.trainingBatch() > 0 ? plan.trainingBatch() : INFERENCE_BATCH;
      String kernel =
          candidates.size() == 1 ? candidates.get(0) : chooser.choose(rule, m, candidates, batch);
      if (kernel.equals(candidates.get(0))) {
        continue;
      }
      Rule.Replacement r = rule.replace(g, m, kernel, env);
      g.claim(r.removed());
      replacements.add(r);
      String last = r.added().get(r.added().size() - 1).getName();
      applied.add(new RewriteResult.Applied(m.site(), kernel, last, r.removed().size()));
    }
  }
}
