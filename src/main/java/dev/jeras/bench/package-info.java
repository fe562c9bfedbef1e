/**
 * Benchmark programs, each a {@code main} that prints one JSON object: {@link
 * dev.jeras.bench.FloorMnist} (the MNIST CNN in a minimal hand-written TensorFlow Java loop, the
 * floor that jeras' own overhead is measured against), {@link dev.jeras.bench.InferenceBench}
 * (SavedModel throughput and batch-1 latency), {@link dev.jeras.bench.MatmulFlops} (the machine's
 * float32 FLOP/s) and {@link dev.jeras.bench.ModelFlops} (a model's FLOPs per sample). {@code
 * scripts/bench} runs them; nothing in the library imports this package.
 */
package dev.jeras.bench;
