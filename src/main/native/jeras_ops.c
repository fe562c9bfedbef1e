/*
 * jeras' own TensorFlow kernels, registered through TensorFlow's C kernel API when jeras loads
 * this library (dev.jeras.internal.NativeOps). Only the stable C API is used, declared below.
 *
 * JerasConvMaxPool: a stride-1 2-D convolution of a float NHWC batch, plus a bias, optionally a
 * ReLU, then a max pool, in one pass. Each pooled value is computed from the input directly, so
 * the convolution's full-size output (for MNIST's first layer at batch 256, 22 MB) is never
 * written or read back. Worth it where the convolution is short (few input channels): there the
 * separate ops are bound by that memory traffic, not by arithmetic.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* ---- the parts of TensorFlow's C API this file uses (tensorflow/c/{kernels,ops,tf_*}.h) ---- */
typedef struct TF_Status TF_Status;
typedef struct TF_Tensor TF_Tensor;
typedef struct TF_KernelBuilder TF_KernelBuilder;
typedef struct TF_OpKernelConstruction TF_OpKernelConstruction;
typedef struct TF_OpKernelContext TF_OpKernelContext;
typedef struct TF_OpDefinitionBuilder TF_OpDefinitionBuilder;
typedef struct TF_ShapeInferenceContext TF_ShapeInferenceContext;
typedef unsigned char TF_Bool;
enum { TF_OK = 0, TF_INVALID_ARGUMENT = 3, TF_RESOURCE_EXHAUSTED = 8, TF_INTERNAL = 13 };
enum { TF_FLOAT = 1 };

extern TF_Status* TF_NewStatus(void);
extern void TF_DeleteStatus(TF_Status*);
extern int TF_GetCode(const TF_Status*);
extern const char* TF_Message(const TF_Status*);
extern void TF_SetStatus(TF_Status*, int code, const char* msg);
extern int TF_TensorType(const TF_Tensor*);
extern int TF_NumDims(const TF_Tensor*);
extern int64_t TF_Dim(const TF_Tensor*, int dim_index);
extern void* TF_TensorData(const TF_Tensor*);
extern void TF_DeleteTensor(TF_Tensor*);
extern TF_KernelBuilder* TF_NewKernelBuilder(const char* op_name, const char* device_name,
    void* (*create_func)(TF_OpKernelConstruction*),
    void (*compute_func)(void*, TF_OpKernelContext*), void (*delete_func)(void*));
extern void TF_RegisterKernelBuilder(const char* kernel_name, TF_KernelBuilder*, TF_Status*);
extern void TF_OpKernelConstruction_Failure(TF_OpKernelConstruction*, TF_Status*);
extern void TF_OpKernelConstruction_GetAttrBool(TF_OpKernelConstruction*, const char* name,
    TF_Bool* val, TF_Status*);
extern void TF_OpKernelConstruction_GetAttrInt32List(TF_OpKernelConstruction*, const char* name,
    int32_t* vals, int max_vals, TF_Status*);
extern void TF_GetInput(TF_OpKernelContext*, int i, TF_Tensor** tensor, TF_Status*);
extern TF_Tensor* TF_AllocateOutput(TF_OpKernelContext*, int index, int dtype,
    const int64_t* dims, int num_dims, size_t len, TF_Status*);
extern void TF_OpKernelContext_Failure(TF_OpKernelContext*, TF_Status*);
extern TF_OpDefinitionBuilder* TF_NewOpDefinitionBuilder(const char* op_name);
extern void TF_OpDefinitionBuilderAddInput(TF_OpDefinitionBuilder*, const char* spec);
extern void TF_OpDefinitionBuilderAddOutput(TF_OpDefinitionBuilder*, const char* spec);
extern void TF_OpDefinitionBuilderAddAttr(TF_OpDefinitionBuilder*, const char* spec);
extern void TF_OpDefinitionBuilderSetShapeInferenceFunction(TF_OpDefinitionBuilder*,
    void (*fn)(TF_ShapeInferenceContext*, TF_Status*));
extern void TF_RegisterOpDefinition(TF_OpDefinitionBuilder*, TF_Status*);
extern void TF_ShapeInferenceContextSetUnknownShape(TF_ShapeInferenceContext*, TF_Status*);

/* ---- geometry ---- */

/* TensorFlow's rule: SAME gives ceil(in / stride) outputs, padded evenly, the odd pixel after. */
static int64_t out_size(int64_t in, int64_t k, int64_t stride, int same, int64_t* pad_before) {
  if (same) {
    int64_t out = (in + stride - 1) / stride;
    int64_t total = (out - 1) * stride + k - in;
    *pad_before = total > 0 ? total / 2 : 0;
    return out;
  }
  *pad_before = 0;
  return in < k ? 0 : (in - k) / stride + 1;
}

typedef struct {
  int conv_same, pool_same, relu;
  int32_t ksize[2], strides[2];
} Attrs;

typedef struct {
  const float *x, *w, *b;            /* x padded: every tap of every convolution pixel is inside */
  float* y;
  int64_t n, h, wd, c, f;            /* x is [n, h, wd, c]; the filter [kh, kw, c, f] */
  int64_t ch, cw;                    /* convolution output */
  int64_t ph, pw, ppt, ppl;          /* pooled output, pool's top/left padding */
  int64_t pk[2], ps[2];
  int relu;
  const int64_t* taps;               /* per filter tap (ky, kx, ci), its offset in x from a */
  int64_t ntaps;                     /* convolution pixel's first input value */
  int64_t row_begin, row_end;        /* rows of the pooled output (image * ph + row) */
} Job;

/* The kernel, once for CPUs with AVX2 and FMA and once for any x86-64 (conv_max_pool.inc). */
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define KERNEL(name) name##_avx2
#include "conv_max_pool.inc"
#undef KERNEL
#pragma GCC pop_options
#define KERNEL(name) name##_baseline
#include "conv_max_pool.inc"
#undef KERNEL

/* AVX2 + FMA where the CPU has them, unless JERAS_NATIVE_ISA=baseline (to test the other copy). */
static int use_avx2;
static pthread_once_t isa_once = PTHREAD_ONCE_INIT;

static void choose_isa(void) {
  const char* isa = getenv("JERAS_NATIVE_ISA");
  __builtin_cpu_init();
  use_avx2 = !(isa != NULL && strcmp(isa, "baseline") == 0) && __builtin_cpu_supports("avx2")
      && __builtin_cpu_supports("fma");
}

static void run_rows(const Job* j) {
  pthread_once(&isa_once, choose_isa);
  if (use_avx2) {
    run_rows_avx2(j);
  } else {
    run_rows_baseline(j);
  }
}

static void* run_thread(void* arg) {
  run_rows((Job*) arg);
  return NULL;
}

/* CPUs this process may run on. */
static int usable_cpus(void) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) {
    int n = CPU_COUNT(&set);
    if (n > 0) return n;
  }
  long n = sysconf(_SC_NPROCESSORS_ONLN);
  return n > 0 ? (int) n : 1;
}

/* Below this many multiply-adds a call runs in one thread (a thread start costs ~20-50 us). */
#define PARALLEL_MIN_MACS (4L << 20)
#define MAX_THREADS 64

/* ---- the kernel ---- */

static void* create(TF_OpKernelConstruction* ctx) {
  Attrs* a = calloc(1, sizeof(Attrs));
  TF_Status* s = TF_NewStatus();
  TF_Bool conv_same = 0, pool_same = 0, relu = 0;
  if (a == NULL) {
    TF_SetStatus(s, TF_RESOURCE_EXHAUSTED, "JerasConvMaxPool: out of memory");
  } else {
    TF_OpKernelConstruction_GetAttrBool(ctx, "conv_same", &conv_same, s);
    if (TF_GetCode(s) == TF_OK) TF_OpKernelConstruction_GetAttrBool(ctx, "pool_same", &pool_same, s);
    if (TF_GetCode(s) == TF_OK) TF_OpKernelConstruction_GetAttrBool(ctx, "relu", &relu, s);
    if (TF_GetCode(s) == TF_OK) TF_OpKernelConstruction_GetAttrInt32List(ctx, "ksize", a->ksize, 2, s);
    if (TF_GetCode(s) == TF_OK) TF_OpKernelConstruction_GetAttrInt32List(ctx, "strides", a->strides, 2, s);
    if (TF_GetCode(s) == TF_OK && (a->ksize[0] < 1 || a->ksize[1] < 1 || a->strides[0] < 1
        || a->strides[1] < 1)) {
      TF_SetStatus(s, TF_INVALID_ARGUMENT,
          "JerasConvMaxPool: ksize and strides must be 2 positive numbers");
    }
  }
  if (TF_GetCode(s) != TF_OK) {
    TF_OpKernelConstruction_Failure(ctx, s);
    free(a);
    a = NULL;
  } else {
    a->conv_same = conv_same != 0;
    a->pool_same = pool_same != 0;
    a->relu = relu != 0;
  }
  TF_DeleteStatus(s);
  return a;
}

static void destroy(void* kernel) { free(kernel); }

static void fail(TF_OpKernelContext* ctx, TF_Status* s, const char* msg) {
  TF_SetStatus(s, TF_INVALID_ARGUMENT, msg);
  TF_OpKernelContext_Failure(ctx, s);
}

/* The input with the convolution's SAME padding as zeros, or NULL where out of memory. */
static float* pad_input(const float* x, int64_t n, int64_t h, int64_t w, int64_t c, int64_t hp,
    int64_t wp, int64_t top, int64_t left) {
  float* p = calloc((size_t) (n * hp * wp * c), sizeof(float));
  if (p == NULL) return NULL;
  for (int64_t i = 0; i < n; i++) {
    for (int64_t y = 0; y < h; y++) {
      memcpy(p + ((i * hp + y + top) * wp + left) * c, x + (i * h + y) * w * c,
          (size_t) (w * c) * sizeof(float));
    }
  }
  return p;
}

static void compute(void* kernel, TF_OpKernelContext* ctx) {
  const Attrs* a = kernel;
  TF_Status* s = TF_NewStatus();
  TF_Tensor *x = NULL, *w = NULL, *b = NULL, *y = NULL;
  float* padded = NULL;
  int64_t* taps = NULL;
  char msg[320];
  TF_GetInput(ctx, 0, &x, s);
  if (TF_GetCode(s) == TF_OK) TF_GetInput(ctx, 1, &w, s);
  if (TF_GetCode(s) == TF_OK) TF_GetInput(ctx, 2, &b, s);
  if (TF_GetCode(s) != TF_OK) {
    TF_OpKernelContext_Failure(ctx, s);
    goto done;
  }
  if (TF_NumDims(x) != 4 || TF_NumDims(w) != 4 || TF_NumDims(b) != 1) {
    snprintf(msg, sizeof(msg), "JerasConvMaxPool: expected an input of rank 4, a filter of rank"
        " 4 and a bias of rank 1; got ranks %d, %d and %d", TF_NumDims(x), TF_NumDims(w),
        TF_NumDims(b));
    fail(ctx, s, msg);
    goto done;
  }
  int64_t n = TF_Dim(x, 0), h = TF_Dim(x, 1), wd = TF_Dim(x, 2), c = TF_Dim(x, 3);
  int64_t kh = TF_Dim(w, 0), kw = TF_Dim(w, 1), f = TF_Dim(w, 3);
  if (TF_Dim(w, 2) != c || TF_Dim(b, 0) != f || kh < 1 || kw < 1) {
    snprintf(msg, sizeof(msg), "JerasConvMaxPool: expected a filter [kh, kw, %lld, f] and a"
        " bias [f] for an input of %lld channels; got a filter [%lld, %lld, %lld, %lld] and a"
        " bias [%lld]", (long long) c, (long long) c, (long long) kh, (long long) kw,
        (long long) TF_Dim(w, 2), (long long) f, (long long) TF_Dim(b, 0));
    fail(ctx, s, msg);
    goto done;
  }
  Job job;
  memset(&job, 0, sizeof(job));
  int64_t top, left;
  job.n = n; job.c = c; job.f = f;
  job.pk[0] = a->ksize[0]; job.pk[1] = a->ksize[1];
  job.ps[0] = a->strides[0]; job.ps[1] = a->strides[1];
  job.relu = a->relu;
  job.ch = out_size(h, kh, 1, a->conv_same, &top);
  job.cw = out_size(wd, kw, 1, a->conv_same, &left);
  job.ph = out_size(job.ch, job.pk[0], job.ps[0], a->pool_same, &job.ppt);
  job.pw = out_size(job.cw, job.pk[1], job.ps[1], a->pool_same, &job.ppl);
  if (job.ch < 1 || job.cw < 1 || job.ph < 1 || job.pw < 1) {
    snprintf(msg, sizeof(msg), "JerasConvMaxPool: an input of %lld x %lld is too small for a"
        " %lld x %lld convolution (%s) and a %lld x %lld pool (%s)", (long long) h,
        (long long) wd, (long long) kh, (long long) kw, a->conv_same ? "SAME" : "VALID",
        (long long) job.pk[0], (long long) job.pk[1], a->pool_same ? "SAME" : "VALID");
    fail(ctx, s, msg);
    goto done;
  }
  int64_t dims[4] = {n, job.ph, job.pw, f};
  size_t bytes = (size_t) (n * job.ph * job.pw * f) * sizeof(float);
  y = TF_AllocateOutput(ctx, 0, TF_FLOAT, dims, 4, bytes, s);
  if (TF_GetCode(s) != TF_OK) {
    TF_OpKernelContext_Failure(ctx, s);
    goto done;
  }
  if (bytes == 0) goto done;
  /* the convolution as VALID over its padded input */
  job.h = job.ch + kh - 1;
  job.wd = job.cw + kw - 1;
  job.x = TF_TensorData(x);
  if (job.h != h || job.wd != wd) {
    job.x = padded = pad_input(TF_TensorData(x), n, h, wd, c, job.h, job.wd, top, left);
  }
  job.ntaps = kh * kw * c;
  taps = malloc((size_t) job.ntaps * sizeof(int64_t));
  if (job.x == NULL || taps == NULL) {
    TF_SetStatus(s, TF_RESOURCE_EXHAUSTED, "JerasConvMaxPool: out of memory");
    TF_OpKernelContext_Failure(ctx, s);
    goto done;
  }
  for (int64_t t = 0; t < job.ntaps; t++) {
    taps[t] = (t / (kw * c) * job.wd + t / c % kw) * c + t % c;
  }
  job.taps = taps;
  job.w = TF_TensorData(w);
  job.b = TF_TensorData(b);
  job.y = TF_TensorData(y);
  int64_t rows = n * job.ph;
  double macs = (double) rows * job.pw * job.pk[0] * job.pk[1] * job.ntaps * f;
  int threads = macs < PARALLEL_MIN_MACS ? 1 : usable_cpus();
  if (threads > rows) threads = (int) rows;
  if (threads > MAX_THREADS) threads = MAX_THREADS;
  Job parts[MAX_THREADS];
  pthread_t ids[MAX_THREADS];
  int started[MAX_THREADS];
  for (int t = 0; t < threads; t++) {
    parts[t] = job;
    parts[t].row_begin = rows * t / threads;
    parts[t].row_end = rows * (t + 1) / threads;
    started[t] = t > 0 && pthread_create(&ids[t], NULL, run_thread, &parts[t]) == 0;
  }
  for (int t = 1; t < threads; t++) {
    if (!started[t]) run_rows(&parts[t]); /* no thread to be had: this one does the part */
  }
  run_rows(&parts[0]);
  for (int t = 1; t < threads; t++) {
    if (started[t]) pthread_join(ids[t], NULL);
  }
done:
  free(taps);
  free(padded);
  if (x) TF_DeleteTensor(x);
  if (w) TF_DeleteTensor(w);
  if (b) TF_DeleteTensor(b);
  if (y) TF_DeleteTensor(y);
  TF_DeleteStatus(s);
}

static void unknown_shape(TF_ShapeInferenceContext* ctx, TF_Status* s) {
  TF_ShapeInferenceContextSetUnknownShape(ctx, s);
}

/* Registers the op and its CPU kernel when TensorFlow loads this library. */
__attribute__((constructor)) static void register_ops(void) {
  TF_Status* s = TF_NewStatus();
  TF_OpDefinitionBuilder* op = TF_NewOpDefinitionBuilder("JerasConvMaxPool");
  TF_OpDefinitionBuilderAddInput(op, "input: float");
  TF_OpDefinitionBuilderAddInput(op, "filter: float");
  TF_OpDefinitionBuilderAddInput(op, "bias: float");
  TF_OpDefinitionBuilderAddOutput(op, "output: float");
  TF_OpDefinitionBuilderAddAttr(op, "conv_same: bool");
  TF_OpDefinitionBuilderAddAttr(op, "relu: bool");
  TF_OpDefinitionBuilderAddAttr(op, "ksize: list(int) >= 2");
  TF_OpDefinitionBuilderAddAttr(op, "strides: list(int) >= 2");
  TF_OpDefinitionBuilderAddAttr(op, "pool_same: bool");
  TF_OpDefinitionBuilderSetShapeInferenceFunction(op, unknown_shape);
  TF_RegisterOpDefinition(op, s);
  if (TF_GetCode(s) == TF_OK) {
    TF_KernelBuilder* k = TF_NewKernelBuilder("JerasConvMaxPool", "CPU", create, compute, destroy);
    TF_RegisterKernelBuilder("JerasConvMaxPool", k, s);
  }
  /* on failure the op is missing from what TensorFlow reports loaded, which NativeOps checks */
  TF_DeleteStatus(s);
}
