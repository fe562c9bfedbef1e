package dev.jeras.backend.cpu;

import static org.tensorflow.internal.c_api.global.tensorflow.TF_AllocateTensor;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_CloseSession;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeleteBuffer;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeleteGraph;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeleteImportGraphDefOptions;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeleteSession;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeleteSessionOptions;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeleteStatus;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_DeleteTensor;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_Dim;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_FLOAT;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_GetCode;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_GraphImportGraphDef;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_GraphOperationByName;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_Message;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_NewBufferFromString;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_NewGraph;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_NewImportGraphDefOptions;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_NewSession;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_NewSessionOptions;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_NewStatus;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_NumDims;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_OK;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_SessionRun;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_SetConfig;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_TensorData;
import static org.tensorflow.internal.c_api.global.tensorflow.TF_TensorType;

import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import org.bytedeco.javacpp.BytePointer;
import org.bytedeco.javacpp.FloatPointer;
import org.bytedeco.javacpp.PointerPointer;
import org.tensorflow.internal.c_api.TF_Buffer;
import org.tensorflow.internal.c_api.TF_Graph;
import org.tensorflow.internal.c_api.TF_ImportGraphDefOptions;
import org.tensorflow.internal.c_api.TF_Operation;
import org.tensorflow.internal.c_api.TF_Output;
import org.tensorflow.internal.c_api.TF_Session;
import org.tensorflow.internal.c_api.TF_SessionOptions;
import org.tensorflow.internal.c_api.TF_Status;
import org.tensorflow.internal.c_api.TF_Tensor;
import org.tensorflow.proto.ConfigProto;
import org.tensorflow.proto.GraphDef;
import org.tensorflow.proto.RunOptions;

/**
 * A float-in, float-out session over a fixed set of inputs and outputs, held directly through
 * TensorFlow's C API: the inference path for a model that is called again and again (a server
 * answering single images, a predict loop). Everything a call needs that does not depend on the
 * data is made once: the graph, the session, the resolved input and output endpoints and the
 * serialized run options; each calling thread keeps its own input tensors (one per input, reused
 * while the batch shape stays the same) and argument arrays. A call copies the inputs into those
 * tensors, runs, and copies each output into a Java array; no TensorFlow Java runner, result or
 * tensor object is made per call.
 *
 * <p>Thread-safe: concurrent calls run concurrently; {@link #close} waits for the running ones.
 */
final class NativeSession implements AutoCloseable {
  private final TF_Graph graph;
  private final TF_Session session;
  private final TF_Output inputs;
  private final TF_Output outputs;
  private final int inputCount;
  private final int outputCount;
  private final TF_Buffer runOptions;
  private final BytePointer runOptionsBytes;
  private final ConcurrentLinkedDeque<CallState> idle = new ConcurrentLinkedDeque<>();
  private final ReentrantReadWriteLock lock = new ReentrantReadWriteLock();
  private boolean closed;

  /** The per-thread part of a call: argument arrays, status and reusable input tensors. */
  private final class CallState {
    final PointerPointer<TF_Tensor> in = new PointerPointer<>(inputCount);
    final PointerPointer<TF_Tensor> out = new PointerPointer<>(outputCount);
    final TF_Status status = TF_NewStatus();
    final TF_Tensor[] tensors = new TF_Tensor[inputCount];
    final long[][] shapes = new long[inputCount][];

    /** The input tensor for this shape: the last one if its shape is the same, else a new one. */
    TF_Tensor tensor(int i, long[] shape, long count) {
      if (tensors[i] == null || !Arrays.equals(shapes[i], shape)) {
        if (tensors[i] != null) {
          TF_DeleteTensor(tensors[i]);
        }
        tensors[i] = TF_AllocateTensor(TF_FLOAT, shape, shape.length, count * Float.BYTES);
        if (tensors[i] == null || tensors[i].isNull()) {
          tensors[i] = null;
          throw new IllegalStateException("TensorFlow could not allocate an input tensor");
        }
        shapes[i] = shape.clone();
        in.put(i, tensors[i]);
      }
      return tensors[i];
    }

    void free() {
      for (TF_Tensor t : tensors) {
        if (t != null) {
          TF_DeleteTensor(t);
        }
      }
      TF_DeleteStatus(status);
      in.close();
      out.close();
    }
  }

  private NativeSession(
      TF_Graph graph,
      TF_Session session,
      TF_Output inputs,
      int inputCount,
      TF_Output outputs,
      int outputCount) {
    this.graph = graph;
    this.session = session;
    this.inputs = inputs;
    this.inputCount = inputCount;
    this.outputs = outputs;
    this.outputCount = outputCount;
    // the ops run in the calling thread: no hand-off to the inter-op pool per call
    byte[] options = RunOptions.newBuilder().setInterOpThreadPool(-1).build().toByteArray();
    this.runOptionsBytes = new BytePointer(options);
    this.runOptions = TF_NewBufferFromString(runOptionsBytes, options.length);
  }

  /**
   * @param def the graph (every op registered in this process)
   * @param config the session's configuration
   * @param feeds the input tensors ({@code node:index}), all float
   * @param fetches the output tensors ({@code node:index}), all float
   * @return the session
   * @throws IllegalArgumentException where TensorFlow refuses the graph or an endpoint is missing
   */
  static NativeSession create(
      GraphDef def, ConfigProto config, List<String> feeds, List<String> fetches) {
    TF_Graph graph = TF_NewGraph();
    TF_Status status = TF_NewStatus();
    TF_Session session = null;
    TF_Output in = null;
    TF_Output out = null;
    try {
      byte[] bytes = def.toByteArray();
      try (BytePointer data = new BytePointer(bytes)) {
        TF_Buffer buffer = TF_NewBufferFromString(data, bytes.length);
        TF_ImportGraphDefOptions options = TF_NewImportGraphDefOptions();
        TF_GraphImportGraphDef(graph, buffer, options, status);
        TF_DeleteImportGraphDefOptions(options);
        TF_DeleteBuffer(buffer);
      }
      check(status, "import the graph");
      byte[] cfg = config.toByteArray();
      TF_SessionOptions sessionOptions = TF_NewSessionOptions();
      try (BytePointer c = new BytePointer(cfg)) {
        TF_SetConfig(sessionOptions, c, cfg.length, status);
        if (TF_GetCode(status) == TF_OK) {
          session = TF_NewSession(graph, sessionOptions, status);
        }
      } finally {
        TF_DeleteSessionOptions(sessionOptions);
      }
      check(status, "open a session");
      in = endpoints(graph, feeds);
      out = endpoints(graph, fetches);
      NativeSession s = new NativeSession(graph, session, in, feeds.size(), out, fetches.size());
      session = null;
      graph = null;
      in = null;
      out = null;
      return s;
    } finally {
      TF_DeleteStatus(status);
      if (session != null) {
        TF_Status st = TF_NewStatus();
        TF_CloseSession(session, st);
        TF_DeleteSession(session, st);
        TF_DeleteStatus(st);
      }
      if (graph != null) {
        TF_DeleteGraph(graph);
      }
      if (in != null) {
        in.close();
      }
      if (out != null) {
        out.close();
      }
    }
  }

  private static TF_Output endpoints(TF_Graph graph, List<String> names) {
    TF_Output o = new TF_Output(names.size());
    for (int i = 0; i < names.size(); i++) {
      String name = names.get(i);
      TF_Operation op = TF_GraphOperationByName(graph, Nodes.nodeName(name));
      if (op == null || op.isNull()) {
        o.close();
        throw new IllegalArgumentException("the graph has no tensor " + name);
      }
      o.position(i).oper(op).index(Nodes.outputIndex(name));
    }
    return o.position(0);
  }

  private static void check(TF_Status status, String what) {
    if (TF_GetCode(status) != TF_OK) {
      throw new IllegalArgumentException(
          "TensorFlow could not " + what + ": " + TF_Message(status).getString());
    }
  }

  /**
   * Runs the graph once.
   *
   * @param data each input's values
   * @param offsets where each input's values start in its array
   * @param shapes each input's shape (the number of values read is its product)
   * @return every output's values and shape
   * @throws IllegalArgumentException where TensorFlow fails the run (its message)
   */
  CpuInferenceGraph.Outputs run(float[][] data, int[] offsets, long[][] shapes) {
    lock.readLock().lock();
    try {
      if (closed) {
        throw new IllegalStateException("the session is closed");
      }
      CallState s = idle.pollFirst();
      if (s == null) {
        s = new CallState();
      }
      try {
        return run(s, data, offsets, shapes);
      } finally {
        idle.addFirst(s);
      }
    } finally {
      lock.readLock().unlock();
    }
  }

  private CpuInferenceGraph.Outputs run(
      CallState s, float[][] data, int[] offsets, long[][] shapes) {
    for (int i = 0; i < inputCount; i++) {
      long count = 1;
      for (long d : shapes[i]) {
        count *= d;
      }
      TF_Tensor t = s.tensor(i, shapes[i], count);
      new FloatPointer(TF_TensorData(t)).put(data[i], offsets[i], Math.toIntExact(count));
    }
    TF_SessionRun(
        session,
        runOptions,
        inputs,
        s.in,
        inputCount,
        outputs,
        s.out,
        outputCount,
        null,
        0,
        null,
        s.status);
    if (TF_GetCode(s.status) != TF_OK) {
      throw new IllegalArgumentException(TF_Message(s.status).getString());
    }
    float[][] values = new float[outputCount][];
    long[][] outShapes = new long[outputCount][];
    RuntimeException failure = null;
    for (int o = 0; o < outputCount; o++) {
      TF_Tensor t = s.out.get(TF_Tensor.class, o);
      if (failure == null) {
        try {
          if (TF_TensorType(t) != TF_FLOAT) {
            throw new IllegalArgumentException("output " + o + " is not float32");
          }
          long[] shape = new long[TF_NumDims(t)];
          long count = 1;
          for (int d = 0; d < shape.length; d++) {
            shape[d] = TF_Dim(t, d);
            count *= shape[d];
          }
          float[] v = new float[Math.toIntExact(count)];
          new FloatPointer(TF_TensorData(t)).get(v, 0, v.length);
          values[o] = v;
          outShapes[o] = shape;
        } catch (RuntimeException e) {
          failure = e;
        }
      }
      TF_DeleteTensor(t);
    }
    if (failure != null) {
      throw failure;
    }
    return new CpuInferenceGraph.Outputs(values, outShapes);
  }

  @Override
  public void close() {
    lock.writeLock().lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
      for (CallState s; (s = idle.pollFirst()) != null; ) {
        s.free();
      }
      TF_Status st = TF_NewStatus();
      TF_CloseSession(session, st);
      TF_DeleteSession(session, st);
      TF_DeleteStatus(st);
      TF_DeleteGraph(graph);
      TF_DeleteBuffer(runOptions);
      runOptionsBytes.close();
      inputs.close();
      outputs.close();
    } finally {
      lock.writeLock().unlock();
    }
  }
}
