package dev.jeras.backend;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.tensorflow.proto.GraphDef;

/**
 * A graph after a backend's {@link Backend#prepare}: the graph to run and each change made.
 *
 * @param graph the rewritten graph
 * @param applied each replacement, in graph order
 */
public record RewriteResult(GraphDef graph, List<Applied> applied) {
  /**
   * One replacement.
   *
   * @param site the kind of place
   * @param kernel the kernel that now runs there
   * @param node the name of the node that now computes it (the last one replaced)
   * @param replaced how many nodes it replaced
   */
  public record Applied(KernelSite site, String kernel, String node, int replaced) {}

  /** Copies the list. */
  public RewriteResult {
    applied = List.copyOf(applied);
  }

  /**
   * @param graph a graph left as it was
   * @return a result with no change
   */
  public static RewriteResult unchanged(GraphDef graph) {
    return new RewriteResult(graph, List.of());
  }

  /**
   * @param site a kind of place
   * @param kernel a kernel
   * @return how many places of that kind now run that kernel
   */
  public long count(KernelSite site, String kernel) {
    return applied.stream().filter(a -> a.site() == site && a.kernel().equals(kernel)).count();
  }

  /**
   * @return "site=kernel xN, ..." for logs, sorted
   */
  public String summary() {
    Map<String, Integer> n = new TreeMap<>();
    for (Applied a : applied) {
      n.merge(a.site().id() + "=" + a.kernel(), 1, Integer::sum);
    }
    if (n.isEmpty()) {
      return "TensorFlow's kernels throughout";
    }
    StringBuilder s = new StringBuilder();
    n.forEach((k, v) -> s.append(s.length() == 0 ? "" : ", ").append(k).append(" x").append(v));
    return s.toString();
  }
}
