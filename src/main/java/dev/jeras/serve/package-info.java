/**
 * A model server that answers TensorFlow Serving's REST API ({@link dev.jeras.serve.ModelServer}):
 * predict in the row and columnar JSON formats, model status and metadata, version directories
 * polled and hot-swapped without dropping a request, version policies and labels, server-side
 * batching, Prometheus metrics and health endpoints, bounded request sizes and queues, and a
 * draining shutdown. Configuration comes from TensorFlow Serving's flags and text-format config
 * files ({@link dev.jeras.serve.ServerOptions}, {@link dev.jeras.serve.TextProto}). Runs on the
 * JDK's own HTTP server; the command line starts it as {@code jeras serve}. The library packages do
 * not import this one.
 */
package dev.jeras.serve;
