package dev.jeras.distribute;

import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetConfig;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetTarget;

import dev.jeras.JerasException;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.PointerScope;
import org.tensorflow.Graph;
import org.tensorflow.Session;
import org.tensorflow.internal.c_api.TF_Graph;
import org.tensorflow.internal.c_api.TF_Session;
import org.tensorflow.internal.c_api.TF_SessionOptions;
import org.tensorflow.internal.c_api.TF_Status;
import org.tensorflow.proto.ConfigProto;

/**
 * Sessions on a TensorFlow server's target ({@code grpc://host:port}).
 *
 * <p>TensorFlow Java 1.1.0's public {@link Session} constructors make local sessions only: they
 * never call {@code TF_SetTarget}. The C API it binds does take a target, so this class makes the
 * native session itself ({@code TF_NewSession} with options carrying the target and the
 * configuration) and hands it to {@code Session}'s package-private {@code Session(Graph,
 * TF_Session)} constructor, which TensorFlow Java uses for sessions it did not create (SavedModel
 * loading). Two reflective calls, both here: that constructor and {@code Graph.ref()}, whose
 * reference gives the graph's native handle and keeps the graph open while the session is made. The
 * {@code Session} returned is an ordinary one: runners, close, save and restore work as for a local
 * session. {@code RemoteSessionsTest} pins both reflective members, so a TensorFlow Java upgrade
 * that moves them fails a test instead of a training run.
 */
final class RemoteSessions {
  private static final Method GRAPH_REF;
  private static final Constructor<Session> WRAP;

  static {
    try {
      GRAPH_REF = Graph.class.getDeclaredMethod("ref");
      GRAPH_REF.setAccessible(true);
      WRAP = Session.class.getDeclaredConstructor(Graph.class, TF_Session.class);
      WRAP.setAccessible(true);
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new ExceptionInInitializerError(
          "this TensorFlow Java does not have the Session(Graph, TF_Session) constructor and"
              + " Graph.ref() jeras' distributed training needs (written for 1.1.0): "
              + e);
    }
  }

  private RemoteSessions() {}

  /**
   * Opens a session on a server's target.
   *
   * @param graph the graph it runs (kept open by the session until it is closed)
   * @param target the server's target, {@code grpc://host:port}
   * @param config the session configuration
   * @return the session; close it
   */
  static Session open(Graph graph, String target, ConfigProto config) {
    TF_Session handle;
    try (AutoCloseable ref = (AutoCloseable) GRAPH_REF.invoke(graph);
        PointerScope scope = new PointerScope()) {
      Method nativeHandle = ref.getClass().getDeclaredMethod("nativeHandle");
      nativeHandle.setAccessible(true);
      TF_Graph graphHandle = (TF_Graph) nativeHandle.invoke(ref);
      TF_Status status = TF_Status.newStatus();
      TF_SessionOptions options = TF_SessionOptions.newSessionOptions();
      TF_SetTarget(options, target);
      BytePointer bytes = new BytePointer(config.toByteArray());
      TF_SetConfig(options, bytes, bytes.capacity(), status);
      status.throwExceptionIfNotOK();
      handle = TF_Session.newSession(graphHandle, options, status);
      status.throwExceptionIfNotOK();
      handle.retainReference(); // outlives the scope: Session.close releases it
    } catch (InvocationTargetException e) {
      throw new JerasException("cannot open a session on " + target + ": " + e.getCause(), e);
    } catch (RuntimeException e) {
      throw new JerasException("cannot open a session on " + target + ": " + e.getMessage(), e);
    } catch (Exception e) {
      throw new IllegalStateException("cannot reach TensorFlow Java's graph handle: " + e, e);
    }
    try {
      return WRAP.newInstance(graph, handle);
    } catch (ReflectiveOperationException e) {
      handle.releaseReference();
      throw new IllegalStateException("cannot wrap the native session: " + e, e);
    }
  }
}
