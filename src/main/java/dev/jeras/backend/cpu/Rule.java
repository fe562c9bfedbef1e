package dev.jeras.backend.cpu;

import dev.jeras.backend.KernelSite;
import java.util.List;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.NodeDef;

/**
 * One rewrite of the CPU engine: one pattern (its matcher), the kernels that can compute it, and
 * the nodes each kernel becomes. The first candidate keeps the graph as it is.
 *
 * @param <I> what a match found
 */
abstract class Rule<I extends Rule.Match> {
  /** What a rule's matcher found: the site, its shape key and the nodes it covers. */
  interface Match {
    /**
     * @return the kind of place
     */
    KernelSite site();

    /**
     * @return the shapes and options that decide which kernel is fastest, e.g. {@code x=28x28x1
     *     k=3x3x1x32 s=1x1 VALID bias relu}
     */
    String key();

    /**
     * @return the nodes the match covers
     */
    List<NodeDef> nodes();
  }

  /**
   * What a kernel makes of a match.
   *
   * @param removed the names of the nodes replaced
   * @param added the nodes replacing them; the last keeps the name of the last node replaced
   */
  record Replacement(List<String> removed, List<NodeDef> added) {}

  /**
   * A standalone graph of one match for timing kernels: placeholders feed it, {@code output} is its
   * result, and in training the gradients are taken with respect to {@code differentiable}.
   *
   * @param graph the graph, built with TensorFlow's standard ops as the layers build it
   * @param feeds placeholder name to shape (with the batch)
   * @param output the result's node name
   * @param differentiable placeholders the training step differentiates
   */
  record Sample(
      GraphDef graph,
      java.util.Map<String, long[]> feeds,
      String output,
      List<String> differentiable) {}

  /**
   * @param g the graph
   * @param anchor a node not yet taken
   * @return the match anchored there, or null
   */
  abstract I match(NodeGraph g, NodeDef anchor);

  /**
   * @param m a match
   * @param env what this process can run
   * @return the kernels that can compute it, the site's first candidate first
   */
  abstract List<String> candidates(I m, CpuEnvironment env);

  /**
   * @param g the graph
   * @param m a match
   * @param kernel one of its candidates other than the first
   * @param env what this process can run
   * @return the replacement
   */
  abstract Replacement replace(NodeGraph g, I m, String kernel, CpuEnvironment env);

  /**
   * @param m a match
   * @param batch the batch size to time
   * @return a standalone graph of the match
   */
  abstract Sample sample(I m, int batch);
}
