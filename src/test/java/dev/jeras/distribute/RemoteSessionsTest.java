package dev.jeras.distribute;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.internal.c_api.TF_Session;

/**
 * The two TensorFlow Java members {@link RemoteSessions} reaches by reflection exist with the
 * shapes it needs, so an upgrade that moves them fails here instead of in a cluster's first run.
 */
class RemoteSessionsTest {
  @Test
  void tensorFlowJava_hasTheGraphRefAndTheSessionWrappingConstructor() throws Exception {
    assertTrue(
        AutoCloseable.class.isAssignableFrom(Graph.class.getDeclaredMethod("ref").getReturnType()),
        "Graph.ref() returns a closeable reference");
    assertDoesNotThrow(() -> Session.class.getDeclaredConstructor(Graph.class, TF_Session.class));
    try (Graph g = new Graph()) {
      Object ref =
          assertDoesNotThrow(
              () -> {
                var m = Graph.class.getDeclaredMethod("ref");
                m.setAccessible(true);
                return m.invoke(g);
              });
      var handle = ref.getClass().getDeclaredMethod("nativeHandle");
      handle.setAccessible(true);
      assertNotNull(handle.invoke(ref), "the reference gives the graph's handle");
      ((AutoCloseable) ref).close();
    }
  }
}
