#!/bin/sh
# Builds jeras' own TensorFlow kernels (jeras_ops.c) into the class path, where
# dev.jeras.internal.NativeOps finds and loads them, and the helper that keeps TensorFlow's
# start-up lines quiet (jeras_tflog.c, loaded by dev.jeras.internal.TensorFlowLogging). Run by
# Maven (exec-maven-plugin) as
#   build.sh <classes dir> <dir holding TensorFlow's unpacked native jar>
# Linux x86-64 only; elsewhere, or without a C compiler, jeras runs TensorFlow's ops instead and
# this says so. A compiler error fails the build.
set -eu
classes=$1
tf=$2
src=$(dirname "$0")
out="$classes/dev/jeras/native/linux-x86_64"
lib="$out/libjeras_ops.so"
if [ "$(uname -s)" != Linux ] || [ "$(uname -m)" != x86_64 ]; then
  echo "[jeras] native kernels: built for Linux x86-64 only; this is $(uname -s) $(uname -m)" >&2
  exit 0
fi
cc=${CC:-cc}
if ! command -v "$cc" >/dev/null 2>&1; then
  echo "[jeras] WARNING: no C compiler ($cc): jeras' fused convolution + max-pool kernel is not" \
    "built; inference runs TensorFlow's ops (slower). Install gcc and rebuild." >&2
  exit 0
fi
mkdir -p "$out"
tflog="$out/libjeras_tflog.so"
if [ ! -f "$tflog" ] || [ "$src/jeras_tflog.c" -nt "$tflog" ] || [ "$0" -nt "$tflog" ]; then
  "$cc" -std=gnu11 -O2 -fPIC -shared -Wall -Wextra -Werror \
    -o "$tflog.tmp" "$src/jeras_tflog.c" -Wl,-z,defs
  mv "$tflog.tmp" "$tflog"
  echo "[jeras] native log helper: built $tflog"
fi
framework=$(find "$tf" -name libtensorflow_framework.so.2 2>/dev/null | head -n 1)
if [ -z "$framework" ]; then
  echo "[jeras] native kernels: no libtensorflow_framework.so.2 under $tf" >&2
  exit 1
fi
if [ -f "$lib" ] && [ "$lib" -nt "$src/jeras_ops.c" ] && [ "$lib" -nt "$src/conv_max_pool.inc" ] \
    && [ "$lib" -nt "$src/batch_norm_pool.inc" ] \
    && [ "$lib" -nt "$0" ]; then
  exit 0
fi
# -Wno-psabi: the baseline copy of the kernel passes 8-float vectors without AVX, on purpose.
"$cc" -std=gnu11 -O3 -fPIC -shared -Wall -Wextra -Wno-psabi -Werror \
  -o "$lib.tmp" "$src/jeras_ops.c" \
  -L"$(dirname "$framework")" -l:libtensorflow_framework.so.2 -lpthread -lm -Wl,-z,defs
mv "$lib.tmp" "$lib"
echo "[jeras] native kernels: built $lib"
