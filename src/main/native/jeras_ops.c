/*
 * jeras' own TensorFlow kernels, registered through TensorFlow's C kernel API when jeras loads
 * this library (dev.jeras.internal.NativeOps). Only the stable C API is used, declared below.
 *
 * JerasConvMaxPool: a stride-1 2-D convolution of a float NHWC batch, plus a bias, optionally a
 * ReLU, then a max pool, in one pass. Each pooled value is computed from the input directly, so
 * the convolution's full-size output (for MNIST's first layer at batch 256, 22 MB) is never
 * written or read back. Short patches (few input channels) gain most from that; long ones (MNIST's
 * second layer, 288 values) go to register-blocked loops. A 1x1 pool of stride 1 makes the op a
 * plain convolution + bias [+ ReLU] (CIFAR-10's convolutions, followed by batch normalization).
 *
 * For training, JerasConvMaxPoolWithArgmax also writes, per pooled value, which window position
 * held the maximum (the first in row-major order, TensorFlow's rule), or NO_GRADIENT where the
 * ReLU passes nothing back; JerasConvMaxPoolBackpropFilter and JerasConvMaxPoolBackpropInput
 * send each pooled gradient to that convolution pixel and on to the filter, bias and input (for
 * long patches as matrix products over each image's dense convolution gradient).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
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
enum { TF_FLOAT = 1, TF_UINT8 = 4 };

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
extern void TF_OpKernelConstruction_GetAttrInt32(TF_OpKernelConstruction*, const char* name,
    int32_t* val, TF_Status*);
extern void TF_OpKernelConstruction_GetAttrFloat(TF_OpKernelConstruction*, const char* name,
    float* val, TF_Status*);
extern void TF_OpKernelConstruction_GetAttrString(TF_OpKernelConstruction*, const char* name,
    char* val, size_t max_length, TF_Status*);
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

/* The copies of the loops (conv_max_pool.inc) a kernel can run. */
enum { ISA_BASELINE = 0, ISA_AVX2 = 1, ISA_AVX512 = 2 };

typedef struct {
  const char* op;
  int isa;
  int threads; /* parts a call may be split into; 0: the CPUs this process may run on */
  int conv_same, pool_same, relu;
  int32_t ksize[2], strides[2];
  float epsilon;      /* batch normalization */
  pthread_mutex_t mu; /* guards the cached buffer */
  float* cached;      /* the last call's padded images, kept for the next (fresh memory faults) */
  size_t cached_size;
} Attrs;

/* An argmax byte: the ReLU passed nothing back (window positions are 0..254). */
#define NO_GRADIENT 255

typedef struct {
  const float *x, *w, *b;            /* x padded: every tap of every convolution pixel is inside */
  float* y;                          /* pooled output (forward) */
  uint8_t* am_out;                   /* argmax written (forward for training), or NULL */
  const uint8_t* am_in;              /* argmax read (gradients) */
  const float* g;                    /* pooled gradient (gradients) */
  float *dw, *db, *dx;               /* gradients: this part's filter and bias sums; input */
  int64_t n, h, wd, c, f;            /* x is [n, h, wd, c]; the filter [kh, kw, c, f] */
  int64_t kh, kw;
  int64_t ch, cw;                    /* convolution output */
  int64_t ph, pw, ppt, ppl;          /* pooled output, pool's top/left padding */
  int64_t pk[2], ps[2];
  int relu;
  int isa;                           /* which copy of the loops runs */
  int threads;                       /* parts a call may be split into; 0: all usable CPUs */
  const int64_t* taps;               /* per filter tap (ky, kx, ci), its offset in x from a */
  int64_t ntaps;                     /* convolution pixel's first input value */
  int64_t row_begin, row_end;        /* rows of the pooled output (image * ph + row) */
  int64_t top, left, xh, xw;         /* the convolution's padding; the unpadded height, width */
  const float* src;                  /* per-image padding: the unpadded images */
  float* pad_img;                    /* per-image padding: this part's padded image, or NULL */
  int64_t x_n0;                      /* the image x points at (x holds images x_n0..) */
  const float* wflip;                /* gather-form input gradient: the filter flipped, as
                                        [kh, kw, f, c]; NULL for the scatter form */
  const float* zeros;                /* gather form: c zeros (its bias) */
  float* padgrad;                    /* gather form: this part's padded gradient image */
  float* scratch;                    /* long-patch gradients: this part's dense gradient image */
  const float* wt;                   /* long-patch input gradient: the filter as [kh, kw, f, c] */
} Job;

/* Channels the batch normalization loops take at a time: one AVX-512 vector. */
#define BN_LANES 16

/* One part of a batch normalization + max pool call (batch_norm_pool.inc): whole images. */
typedef struct {
  const float* x;                   /* [n, h, w, c] */
  const float* center;              /* subtracted from x: a shift (sums), the batch mean */
  const float *a, *b;               /* per channel: (x - center) * a + b */
  const float* k1;                  /* gradient: the pooled gradient's coefficient */
  float* y;                         /* forward: pooled output */
  uint8_t* am;                      /* forward: each maximum's window position */
  const uint8_t* am_in;             /* gradient: the forward's positions */
  const float* g;                   /* gradient: the pooled gradient */
  float* dx;                        /* gradient: the input gradient */
  double* sums;                     /* this part's 2 c sums */
  const int64_t* taps;              /* per window position, its offset in x from the origin */
  int64_t n, h, w, c, ph, pw, pt, pl, kh, kw, sh, sw;
  int64_t begin, end;               /* images */
} BnJob;

/*
 * The rectangle [r[0], r[1]) x [r[2], r[3]) of convolution pixels that the pool windows cover, the
 * only ones a gradient reaches (MNIST's 11 x 11 output: 10 x 10 under a VALID 2x2 pool).
 */
static void covered(const Job* j, int64_t r[4]) {
  int64_t y0 = -j->ppt, x0 = -j->ppl;
  int64_t y1 = (j->ph - 1) * j->ps[0] - j->ppt + j->pk[0];
  int64_t x1 = (j->pw - 1) * j->ps[1] - j->ppl + j->pk[1];
  r[0] = y0 < 0 ? 0 : y0;
  r[1] = y1 > j->ch ? j->ch : y1;
  r[2] = x0 < 0 ? 0 : x0;
  r[3] = x1 > j->cw ? j->cw : x1;
}

/* Rows of the covered rectangle r per pass of the gradient loops: their gradient (at most 8 KB)
 * stays in L1. */
static int64_t chunk_rows(const Job* j, const int64_t r[4]) {
  int64_t rows = 2048 / ((r[3] - r[2]) * j->f);
  return rows < 1 ? 1 : rows;
}

/* Writes image n of j->src, padded, into dst: zeros around a copy. */
static void pad_image(const Job* j, int64_t n, float* dst) {
  int64_t ch = j->c, row = j->wd * ch;
  for (int64_t y = 0; y < j->h; y++) {
    float* d = dst + y * row;
    if (y < j->top || y >= j->top + j->xh) {
      memset(d, 0, (size_t) row * sizeof(float));
      continue;
    }
    memset(d, 0, (size_t) (j->left * ch) * sizeof(float));
    memcpy(d + j->left * ch, j->src + ((n * j->xh) + y - j->top) * j->xw * ch,
        (size_t) (j->xw * ch) * sizeof(float));
    memset(d + (j->left + j->xw) * ch, 0, (size_t) ((j->wd - j->left - j->xw) * ch) * sizeof(float));
  }
}

/*
 * The register-blocked inference loops (long_block in conv_max_pool.inc) take patches (kh * kw *
 * c) longer than LONG_PATCH, and 2x2 windows LONG_NW_WIDE at a time with AVX-512's 32 registers
 * (24 sums for 32 filters), LONG_NW_NARROW with AVX2's 16 (8 sums for 16 filters).
 */
#define LONG_PATCH 32

/* A 1x1 pool of stride 1: the op is a convolution + bias [+ ReLU], its argmax the ReLU's mask. */
#define PIXEL_POOL(j) ((j)->pk[0] == 1 && (j)->pk[1] == 1 && (j)->ps[0] == 1 && (j)->ps[1] == 1)
/*
 * Pool windows that tile the covered rectangle r (stride = window, no padding, r from the origin):
 * each covered convolution pixel lies in exactly one window.
 */
#define TILED_POOL(j, r)                                                                      \
  ((j)->ps[0] == (j)->pk[0] && (j)->ps[1] == (j)->pk[1] && (j)->ppt == 0 && (j)->ppl == 0     \
      && (r)[0] == 0 && (r)[2] == 0 && (r)[1] == (j)->ph * (j)->pk[0]                          \
      && (r)[3] == (j)->pw * (j)->pk[1])
#define LONG_NW_WIDE 3
#define LONG_NW_NARROW 1

/*
 * The loops (conv_max_pool.inc), once for CPUs with AVX-512 (16-lane vectors for 2x2 windows of
 * 32 channels, 32 vector registers elsewhere), once for AVX2 and FMA, once for any x86-64.
 */
#pragma GCC push_options
#pragma GCC target("avx512f,avx512vl,avx512bw,avx2,fma")
#define KERNEL(name) name##_avx512
#define WIDE16 1
#define LONG_FORM 1
#include "conv_max_pool.inc"
#include "batch_norm_pool.inc"
#undef LONG_FORM
#undef WIDE16
#undef KERNEL
#pragma GCC pop_options
#pragma GCC push_options
#pragma GCC target("avx2,fma")
#define KERNEL(name) name##_avx2
#define LONG_FORM 1
#include "conv_max_pool.inc"
#include "batch_norm_pool.inc"
#undef LONG_FORM
#undef KERNEL
#pragma GCC pop_options
#define KERNEL(name) name##_baseline
#define LONG_FORM 0 /* without AVX its registers hold too few sums: the taps loops are faster */
#include "conv_max_pool.inc"
#include "batch_norm_pool.inc"
#undef LONG_FORM
#undef KERNEL

static void forward_rows(Job* j) {
  if (j->isa == ISA_AVX512) run_rows_avx512(j);
  else if (j->isa == ISA_AVX2) run_rows_avx2(j);
  else run_rows_baseline(j);
}

/* This part's rows; with per-image padding, one image at a time, padded while it is in cache. */
static void forward_part(void* part) {
  Job* j = part;
  if (j->pad_img == NULL) {
    forward_rows(j);
    return;
  }
  for (int64_t n = j->row_begin / j->ph; n * j->ph < j->row_end; n++) {
    Job k = *j;
    pad_image(j, n, j->pad_img);
    k.x = j->pad_img;
    k.x_n0 = n;
    k.row_begin = n * j->ph > j->row_begin ? n * j->ph : j->row_begin;
    k.row_end = (n + 1) * j->ph < j->row_end ? (n + 1) * j->ph : j->row_end;
    forward_rows(&k);
  }
}

/*
 * Whether a gradient runs the long-patch loops: an AVX copy, a long patch or no pool (there the
 * short-patch loops' per-window work is all overhead), whole vectors of filters (and, for the
 * input gradient, of channels). Those loops take whole images per part and a scratch image each.
 */
static int long_gradient(const Job* j, int input) {
  return j->isa != ISA_BASELINE && (j->ntaps > LONG_PATCH || PIXEL_POOL(j)) && j->f % 8 == 0
      && (!input || j->c % 8 == 0);
}

static void filter_part(void* part) {
  Job* j = part;
  if (j->scratch != NULL && j->isa == ISA_AVX512) filter_long_avx512(j, j->dw, j->db);
  else if (j->scratch != NULL) filter_long_avx2(j, j->dw, j->db);
  else if (j->isa == ISA_AVX512) filter_rows_avx512(j, j->dw, j->db);
  else if (j->isa == ISA_AVX2) filter_rows_avx2(j, j->dw, j->db);
  else filter_rows_baseline(j, j->dw, j->db);
}

static void input_part(void* part) {
  Job* j = part;
  if (j->scratch != NULL && j->isa == ISA_AVX512) input_long_avx512(j, j->dx);
  else if (j->scratch != NULL) input_long_avx2(j, j->dx);
  else if (j->isa == ISA_AVX512) input_rows_avx512(j, j->dx);
  else if (j->isa == ISA_AVX2) input_rows_avx2(j, j->dx);
  else input_rows_baseline(j, j->dx);
}

/*
 * The copy an op's `isa` attribute asks for: "auto" takes the widest this CPU runs; a named copy
 * the CPU cannot run is an error (a test that asks for a copy must be sure it ran). Returns -1 and
 * fills msg on error.
 */
static int choose_isa(const char* op, const char* isa, char* msg, size_t len) {
  __builtin_cpu_init();
  int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
  int avx512 = avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512vl")
      && __builtin_cpu_supports("avx512bw");
  if (strcmp(isa, "auto") == 0) return avx512 ? ISA_AVX512 : avx2 ? ISA_AVX2 : ISA_BASELINE;
  if (strcmp(isa, "baseline") == 0) return ISA_BASELINE;
  if (strcmp(isa, "avx2") == 0) {
    if (avx2) return ISA_AVX2;
    snprintf(msg, len, "%s: isa 'avx2' asked for, but this CPU lacks AVX2 or FMA", op);
    return -1;
  }
  if (strcmp(isa, "avx512") == 0) {
    if (avx512) return ISA_AVX512;
    snprintf(msg, len, "%s: isa 'avx512' asked for, but this CPU lacks AVX512F/VL/BW", op);
    return -1;
  }
  snprintf(msg, len, "%s: isa must be auto, avx512, avx2 or baseline, got '%s'", op, isa);
  return -1;
}

/* CPUs this process may run on, asked again every 1024 calls (a system call each time). */
static int usable_cpus(void) {
  static int known, calls;
  if (__atomic_fetch_add(&calls, 1, __ATOMIC_RELAXED) % 1024 != 0) {
    int k = __atomic_load_n(&known, __ATOMIC_RELAXED);
    if (k > 0) return k;
  }
  int n = 0;
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof(set), &set) == 0) n = CPU_COUNT(&set);
  if (n <= 0) {
    long online = sysconf(_SC_NPROCESSORS_ONLN);
    n = online > 0 ? (int) online : 1;
  }
  __atomic_store_n(&known, n, __ATOMIC_RELAXED);
  return n;
}

/*
 * Below this many multiply-adds a call runs in one thread (handing work to a sleeping worker costs
 * ~10-50 us, to one still awake about a microsecond).
 * MNIST's second layer at batch 1 (1.8 M) is split: on a busy 2-core machine that served 3x the
 * batch-1 calls per second, with a far shorter tail, than one thread.
 */
#define PARALLEL_MIN_MACS (1L << 20)
#define MAX_THREADS 64

/* Parts for `units` (rows or images): one where the work is small, else the op's `threads` (0:
 * every usable CPU), at most one a unit and MAX_THREADS. */
static int split_count(int64_t units, int small, int threads) {
  int t = small ? 1 : threads > 0 ? threads : usable_cpus();
  if (t > units) t = (int) (units > 0 ? units : 1);
  return t > MAX_THREADS ? MAX_THREADS : t;
}

/* How many parts to split `units` (rows or images) into for this much work. */
static int parts_for(int64_t units, const Job* j) {
  double macs = (double) j->n * j->ph * j->pw * j->pk[0] * j->pk[1] * j->ntaps * j->f;
  return split_count(units, macs < PARALLEL_MIN_MACS, j->threads);
}

/*
 * A pool of worker threads, started once and kept, so that a call no longer starts a thread per
 * part. A call queues its parts 1.., runs part 0 itself, then runs queued parts (its own or
 * another call's) until its own are done: concurrent calls never wait on each other idly.
 *
 * An idle worker watches the queue for SPIN_NS before it sleeps, and a caller whose parts are all
 * taken watches them for as long before it sleeps: a wake-up through the kernel costs 10-50 us on a
 * virtual machine, more than a small call's whole part, while back-to-back calls (a model's layers,
 * a training step's ops) find the workers still awake. Nobody is woken who is not asleep.
 */
#define QUEUE 256
#define SPIN_NS 100000L

typedef struct {
  int remaining; /* this call's parts not yet finished: changed under pool_mu, watched without */
} Batch;

typedef struct {
  void* part;
  void (*fn)(void*);
  Batch* batch;
} Task;

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t work_cv = PTHREAD_COND_INITIALIZER;
static pthread_cond_t done_cv = PTHREAD_COND_INITIALIZER;
static Task queue[QUEUE];
static int q_head, q_count, workers; /* q_count: changed under pool_mu, watched without */
static int sleeping, waiting;        /* workers asleep on work_cv, callers on done_cv */

static Task pop_locked(void) {
  Task t = queue[q_head];
  q_head = (q_head + 1) % QUEUE;
  __atomic_store_n(&q_count, q_count - 1, __ATOMIC_RELAXED);
  return t;
}

/* Runs a task; pool_mu is held on entry and on return. */
static void run_task_locked(Task t) {
  pthread_mutex_unlock(&pool_mu);
  t.fn(t.part);
  pthread_mutex_lock(&pool_mu);
  __atomic_store_n(&t.batch->remaining, t.batch->remaining - 1, __ATOMIC_RELEASE);
  if (t.batch->remaining == 0 && waiting > 0) pthread_cond_broadcast(&done_cv);
}

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t) ts.tv_sec * 1000000000L + ts.tv_nsec;
}

/* Watches *v (without pool_mu) for up to SPIN_NS while it equals `value`; returns its last value. */
static int spin_while(const int* v, int value) {
  int64_t start = now_ns();
  for (int i = 1;; i++) {
    int now = __atomic_load_n(v, __ATOMIC_ACQUIRE);
    if (now != value) return now;
    __builtin_ia32_pause();
    if (i % 64 == 0 && now_ns() - start > SPIN_NS) return now;
  }
}

static void* worker(void* unused) {
  (void) unused;
  pthread_mutex_lock(&pool_mu);
  for (;;) {
    if (q_count == 0) {
      pthread_mutex_unlock(&pool_mu);
      spin_while(&q_count, 0);
      pthread_mutex_lock(&pool_mu);
    }
    while (q_count == 0) {
      sleeping++;
      pthread_cond_wait(&work_cv, &pool_mu);
      sleeping--;
    }
    run_task_locked(pop_locked());
  }
  return NULL;
}

/* Starts workers up to `wanted` (pool_mu held); returns how many there are. */
static int grow_locked(int wanted) {
  while (workers < wanted && workers < MAX_THREADS - 1) {
    pthread_t id;
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int ok = pthread_create(&id, &attr, worker, NULL) == 0;
    pthread_attr_destroy(&attr);
    if (!ok) break;
    workers++;
  }
  return workers;
}

/* Runs fn over parts[0..count) (each `size` bytes: a copy of the job with its own rows or images). */
static void run_parts(void* parts, size_t size, int count, void (*fn)(void*)) {
  Batch batch = {count};
  char* at = parts;
  int queued = 0;
  pthread_mutex_lock(&pool_mu);
  if (count > 1 && grow_locked(count - 1) > 0) {
    for (int t = 1; t < count && q_count < QUEUE; t++, queued++) {
      queue[(q_head + q_count) % QUEUE] = (Task) {at + t * size, fn, &batch};
      __atomic_store_n(&q_count, q_count + 1, __ATOMIC_RELEASE);
    }
    if (sleeping > 0) pthread_cond_broadcast(&work_cv);
  }
  pthread_mutex_unlock(&pool_mu);
  fn(at);
  for (int t = 1 + queued; t < count; t++) fn(at + t * size); /* no worker or a full queue */
  pthread_mutex_lock(&pool_mu);
  batch.remaining -= count - queued;
  while (batch.remaining > 0) {
    if (q_count > 0) {
      run_task_locked(pop_locked());
      continue;
    }
    int left = batch.remaining; /* the rest is running: watch it, sleep only if it stalls */
    pthread_mutex_unlock(&pool_mu);
    int seen = spin_while(&batch.remaining, left);
    pthread_mutex_lock(&pool_mu);
    if (seen == left && batch.remaining == left && q_count == 0) {
      waiting++;
      pthread_cond_wait(&done_cv, &pool_mu);
      waiting--;
    }
  }
  pthread_mutex_unlock(&pool_mu);
}

/* ---- the kernels ---- */

/* Reads the attributes every op has (pool window, strides, SAME, copy of the loops, threads). */
static void read_pool_attrs(TF_OpKernelConstruction* ctx, const char* op, Attrs* a,
    TF_Status* s) {
  TF_Bool pool_same = 0;
  char isa[16] = {0}, msg[160];
  int32_t threads = 0;
  TF_OpKernelConstruction_GetAttrBool(ctx, "pool_same", &pool_same, s);
  if (TF_GetCode(s) == TF_OK) TF_OpKernelConstruction_GetAttrInt32List(ctx, "ksize", a->ksize, 2, s);
  if (TF_GetCode(s) == TF_OK) TF_OpKernelConstruction_GetAttrInt32List(ctx, "strides", a->strides, 2, s);
  if (TF_GetCode(s) == TF_OK) TF_OpKernelConstruction_GetAttrString(ctx, "isa", isa, sizeof(isa) - 1, s);
  if (TF_GetCode(s) == TF_OK) TF_OpKernelConstruction_GetAttrInt32(ctx, "threads", &threads, s);
  a->threads = threads < 0 ? 0 : threads;
  a->pool_same = pool_same != 0;
  if (TF_GetCode(s) == TF_OK && (a->isa = choose_isa(op, isa, msg, sizeof(msg))) < 0) {
    TF_SetStatus(s, TF_INVALID_ARGUMENT, msg);
  }
  if (TF_GetCode(s) == TF_OK && (a->ksize[0] < 1 || a->ksize[1] < 1 || a->strides[0] < 1
      || a->strides[1] < 1)) {
    snprintf(msg, sizeof(msg), "%s: ksize and strides must be 2 positive numbers each", op);
    TF_SetStatus(s, TF_INVALID_ARGUMENT, msg);
  }
}

/* A kernel's attributes: the pool's, then the family's own (conv_same and relu, or epsilon). */
static void* create_kernel(TF_OpKernelConstruction* ctx, const char* op, int batch_norm) {
  Attrs* a = calloc(1, sizeof(Attrs));
  TF_Status* s = TF_NewStatus();
  if (a == NULL) {
    char msg[160];
    snprintf(msg, sizeof(msg), "%s: out of memory", op);
    TF_SetStatus(s, TF_RESOURCE_EXHAUSTED, msg);
  } else {
    read_pool_attrs(ctx, op, a, s);
    TF_Bool conv_same = 0, relu = 0;
    if (TF_GetCode(s) == TF_OK && batch_norm) {
      TF_OpKernelConstruction_GetAttrFloat(ctx, "epsilon", &a->epsilon, s);
    } else if (TF_GetCode(s) == TF_OK) {
      TF_OpKernelConstruction_GetAttrBool(ctx, "conv_same", &conv_same, s);
      if (TF_GetCode(s) == TF_OK) TF_OpKernelConstruction_GetAttrBool(ctx, "relu", &relu, s);
    }
    a->conv_same = conv_same != 0;
    a->relu = relu != 0;
  }
  if (TF_GetCode(s) != TF_OK) {
    TF_OpKernelConstruction_Failure(ctx, s);
    free(a);
    a = NULL;
  } else {
    pthread_mutex_init(&a->mu, NULL);
    a->op = op;
  }
  TF_DeleteStatus(s);
  return a;
}

static void* create(TF_OpKernelConstruction* ctx, const char* op) {
  return create_kernel(ctx, op, 0);
}

static void destroy(void* kernel) {
  Attrs* a = kernel;
  if (a != NULL) {
    free(a->cached);
    pthread_mutex_destroy(&a->mu);
  }
  free(a);
}

/* A buffer of at least `size` bytes: the kernel's cached one if free and large enough. */
static float* take_buffer(Attrs* a, size_t size) {
  float* p = NULL;
  pthread_mutex_lock(&a->mu);
  if (a->cached != NULL && a->cached_size >= size) {
    p = a->cached;
    a->cached = NULL;
  }
  pthread_mutex_unlock(&a->mu);
  return p != NULL ? p : malloc(size);
}

/* Keeps a buffer from take_buffer for the next call (the larger of two), frees the other. */
static void give_buffer(Attrs* a, float* p, size_t size) {
  if (p == NULL) return;
  pthread_mutex_lock(&a->mu);
  if (a->cached == NULL || a->cached_size < size) {
    float* old = a->cached;
    a->cached = p;
    a->cached_size = size;
    p = old;
  }
  pthread_mutex_unlock(&a->mu);
  free(p);
}

static void fail(TF_OpKernelContext* ctx, TF_Status* s, int code, const char* msg) {
  TF_SetStatus(s, code, msg);
  TF_OpKernelContext_Failure(ctx, s);
}

/* A call's tensors and buffers, released in one place. */
typedef struct {
  TF_Tensor* in[4];
  TF_Tensor* out[2];
  float* padded;
  int64_t* taps;
  Job* parts;
  float* sums;
  Attrs* a;       /* where the padded images' buffer came from and goes back to */
  size_t padded_size;
  float* scratch; /* long-patch gradients: a dense gradient image per part */
  float* wt;      /* long-patch input gradient: the transposed filter */
  float* pad_imgs; /* per-image padding: a padded image per part */
  float* zeros;    /* gather-form input gradient: its zero bias */
  float* padgrads; /* gather-form input gradient: a padded gradient image per part */
  TF_Status* s;
} Call;

static void release(Call* c) {
  for (int i = 0; i < 4; i++) if (c->in[i]) TF_DeleteTensor(c->in[i]);
  for (int i = 0; i < 2; i++) if (c->out[i]) TF_DeleteTensor(c->out[i]);
  if (c->a != NULL) give_buffer(c->a, c->padded, c->padded_size);
  else free(c->padded);
  free(c->taps);
  free(c->parts);
  free(c->sums);
  free(c->scratch);
  free(c->wt);
  free(c->pad_imgs);
  free(c->zeros);
  free(c->padgrads);
  TF_DeleteStatus(c->s);
}

/* Takes inputs 0..count) into in; on failure reports it and returns 0. */
static int get_inputs(TF_OpKernelContext* ctx, TF_Tensor** in, int count, TF_Status* s) {
  for (int i = 0; i < count; i++) {
    TF_GetInput(ctx, i, &in[i], s);
    if (TF_GetCode(s) != TF_OK) {
      TF_OpKernelContext_Failure(ctx, s);
      return 0;
    }
  }
  return 1;
}

/*
 * Reads the call's inputs (count of them; input 0 the images, input 1 the filter), checks the
 * images and filter against each other and fills job's geometry. On failure reports it and
 * returns 0. *top and *left receive the convolution's padding.
 */
static int plan(TF_OpKernelContext* ctx, const Attrs* a, Call* c, int count, Job* job,
    int64_t* top, int64_t* left) {
  char msg[400];
  if (!get_inputs(ctx, c->in, count, c->s)) return 0;
  TF_Tensor *x = c->in[0], *w = c->in[1];
  if (TF_NumDims(x) != 4 || TF_NumDims(w) != 4) {
    snprintf(msg, sizeof(msg), "%s: expected an input of rank 4 and a filter of rank 4; got"
        " ranks %d and %d", a->op, TF_NumDims(x), TF_NumDims(w));
    fail(ctx, c->s, TF_INVALID_ARGUMENT, msg);
    return 0;
  }
  memset(job, 0, sizeof(*job));
  job->n = TF_Dim(x, 0); job->c = TF_Dim(x, 3);
  job->kh = TF_Dim(w, 0); job->kw = TF_Dim(w, 1); job->f = TF_Dim(w, 3);
  int64_t h = TF_Dim(x, 1), wd = TF_Dim(x, 2);
  if (TF_Dim(w, 2) != job->c || job->kh < 1 || job->kw < 1 || job->f < 1) {
    snprintf(msg, sizeof(msg), "%s: expected a filter [kh, kw, %lld, f] for an input of %lld"
        " channels; got a filter [%lld, %lld, %lld, %lld]", a->op, (long long) job->c,
        (long long) job->c, (long long) job->kh, (long long) job->kw, (long long) TF_Dim(w, 2),
        (long long) job->f);
    fail(ctx, c->s, TF_INVALID_ARGUMENT, msg);
    return 0;
  }
  job->pk[0] = a->ksize[0]; job->pk[1] = a->ksize[1];
  job->ps[0] = a->strides[0]; job->ps[1] = a->strides[1];
  job->relu = a->relu;
  job->isa = a->isa;
  job->threads = a->threads;
  job->ch = out_size(h, job->kh, 1, a->conv_same, top);
  job->cw = out_size(wd, job->kw, 1, a->conv_same, left);
  job->ph = out_size(job->ch, job->pk[0], job->ps[0], a->pool_same, &job->ppt);
  job->pw = out_size(job->cw, job->pk[1], job->ps[1], a->pool_same, &job->ppl);
  if (job->ch < 1 || job->cw < 1 || job->ph < 1 || job->pw < 1) {
    snprintf(msg, sizeof(msg), "%s: an input of %lld x %lld is too small for a %lld x %lld"
        " convolution (%s) and a %lld x %lld pool (%s)", a->op, (long long) h, (long long) wd,
        (long long) job->kh, (long long) job->kw, a->conv_same ? "SAME" : "VALID",
        (long long) job->pk[0], (long long) job->pk[1], a->pool_same ? "SAME" : "VALID");
    fail(ctx, c->s, TF_INVALID_ARGUMENT, msg);
    return 0;
  }
  /* the convolution becomes VALID over its padded input */
  job->h = job->ch + job->kh - 1;
  job->wd = job->cw + job->kw - 1;
  job->ntaps = job->kh * job->kw * job->c;
  return 1;
}

/* Each filter tap's offset in the padded layout from a patch's first value; 0 if out of memory. */
static int make_taps(Call* c, Job* job) {
  c->taps = malloc((size_t) job->ntaps * sizeof(int64_t));
  if (c->taps == NULL) return 0;
  int64_t kw = job->kw, ch = job->c;
  for (int64_t t = 0; t < job->ntaps; t++) {
    c->taps[t] = (t / (kw * ch) * job->wd + t / ch % kw) * ch + t % ch;
  }
  job->taps = c->taps;
  return 1;
}

/*
 * The padded images (x itself where no padding) and the tap offsets; 0 where out of memory. The
 * padded buffer is the kernel's cached one where it can be (memory fresh from the system costs a
 * page fault per 4 KB), and every value of it is written here: zeros around a copy of x.
 */
static int prepare_input(TF_OpKernelContext* ctx, const Attrs* a, Call* c, Job* job,
    int64_t top, int64_t left, int per_image) {
  TF_Tensor* x = c->in[0];
  int64_t h = TF_Dim(x, 1), wd = TF_Dim(x, 2), ch = job->c;
  job->x = TF_TensorData(x);
  job->top = top;
  job->left = left;
  job->xh = h;
  job->xw = wd;
  if (job->h != h || job->wd != wd) {
    job->src = job->x; /* per image: each part pads its images (give_pad) */
    if (!per_image) {   /* the whole batch, padded here */
      c->a = (Attrs*) a; /* only its buffer cache changes, under its mutex */
      c->padded_size = (size_t) (job->n * job->h * job->wd * ch) * sizeof(float);
      c->padded = take_buffer(c->a, c->padded_size);
      for (int64_t i = 0; c->padded != NULL && i < job->n; i++) {
        pad_image(job, i, c->padded + i * job->h * job->wd * ch);
      }
      job->src = NULL;
      job->x = c->padded;
    }
  }
  if (job->x == NULL || !make_taps(c, job)) {
    char msg[160];
    snprintf(msg, sizeof(msg), "%s: out of memory", a->op);
    fail(ctx, c->s, TF_RESOURCE_EXHAUSTED, msg);
    return 0;
  }
  job->w = TF_TensorData(c->in[1]);
  return 1;
}

/* Splits units (rows, or images of ph rows each) into count parts; 0 where out of memory. */
static int split(Call* c, const Job* job, int count, int64_t units, int64_t rows_per_unit) {
  c->parts = malloc((size_t) count * sizeof(Job));
  if (c->parts == NULL) return 0;
  for (int t = 0; t < count; t++) {
    c->parts[t] = *job;
    c->parts[t].row_begin = units * t / count * rows_per_unit;
    c->parts[t].row_end = units * (t + 1) / count * rows_per_unit;
  }
  return 1;
}

/*
 * Gives each part a dense gradient image (the covered rectangle of convolution pixels x f
 * floats) for the long-patch loops; 0 where out of memory.
 */
static int give_scratch(Call* c, const Job* job, int count) {
  int64_t r[4];
  covered(job, r);
  size_t per = (size_t) ((r[1] - r[0]) * (r[3] - r[2]) * job->f);
  c->scratch = malloc((size_t) count * per * sizeof(float));
  if (c->scratch == NULL) return 0;
  for (int t = 0; t < count; t++) c->parts[t].scratch = c->scratch + t * per;
  return 1;
}

/* Where the parts pad images one at a time, a padded image buffer each; 0 where out of memory. */
static int give_pad(Call* c, const Job* job, int count) {
  if (job->src == NULL) return 1;
  size_t per = (size_t) (job->h * job->wd * job->c);
  c->pad_imgs = malloc((size_t) count * per * sizeof(float));
  if (c->pad_imgs == NULL) return 0;
  for (int t = 0; t < count; t++) c->parts[t].pad_img = c->pad_imgs + t * per;
  return 1;
}

/* The gather form's padded gradient image per part: the convolution output padded by kh - 1,
 * kw - 1 on every side, f floats a pixel; 0 where out of memory. */
static int give_padgrad(Call* c, const Job* job, int count) {
  size_t per = (size_t) ((job->ch + 2 * (job->kh - 1)) * (job->cw + 2 * (job->kw - 1)) * job->f);
  c->padgrads = malloc((size_t) count * per * sizeof(float));
  if (c->padgrads == NULL) return 0;
  for (int t = 0; t < count; t++) c->parts[t].padgrad = c->padgrads + t * per;
  return 1;
}

static void forward(TF_OpKernelContext* ctx, const Attrs* a, int with_argmax) {
  Call c = {0};
  c.s = TF_NewStatus();
  Job job;
  int64_t top, left;
  char msg[320];
  if (!plan(ctx, a, &c, 3, &job, &top, &left)) goto done;
  TF_Tensor* b = c.in[2];
  if (TF_NumDims(b) != 1 || TF_Dim(b, 0) != job.f) {
    snprintf(msg, sizeof(msg), "%s: expected a bias [%lld] for a filter of %lld outputs; got"
        " a bias of rank %d, first dimension %lld", a->op, (long long) job.f, (long long) job.f,
        TF_NumDims(b), (long long) (TF_NumDims(b) > 0 ? TF_Dim(b, 0) : -1));
    fail(ctx, c.s, TF_INVALID_ARGUMENT, msg);
    goto done;
  }
  if (with_argmax && job.pk[0] * job.pk[1] >= NO_GRADIENT) {
    snprintf(msg, sizeof(msg), "%s: a pool window holds at most %d positions; got %lld x %lld",
        a->op, NO_GRADIENT - 1, (long long) job.pk[0], (long long) job.pk[1]);
    fail(ctx, c.s, TF_INVALID_ARGUMENT, msg);
    goto done;
  }
  int64_t dims[4] = {job.n, job.ph, job.pw, job.f};
  size_t count = (size_t) (job.n * job.ph * job.pw * job.f);
  c.out[0] = TF_AllocateOutput(ctx, 0, TF_FLOAT, dims, 4, count * sizeof(float), c.s);
  if (TF_GetCode(c.s) == TF_OK && with_argmax) {
    c.out[1] = TF_AllocateOutput(ctx, 1, TF_UINT8, dims, 4, count, c.s);
  }
  if (TF_GetCode(c.s) != TF_OK) {
    TF_OpKernelContext_Failure(ctx, c.s);
    goto done;
  }
  if (count == 0) goto done;
  if (!prepare_input(ctx, a, &c, &job, top, left, 1)) goto done;
  job.b = TF_TensorData(b);
  job.y = TF_TensorData(c.out[0]);
  job.am_out = with_argmax ? TF_TensorData(c.out[1]) : NULL;
  int64_t rows = job.n * job.ph;
  int parts = parts_for(rows, &job);
  if (!split(&c, &job, parts, rows, 1) || !give_pad(&c, &job, parts)) {
    fail(ctx, c.s, TF_RESOURCE_EXHAUSTED, "out of memory");
    goto done;
  }
  run_parts(c.parts, sizeof(Job), parts, forward_part);
done:
  release(&c);
}

/* Checks that input `index` is [n, ph, pw, f], as the forward op's output was. */
static int check_pooled(TF_OpKernelContext* ctx, const Attrs* a, Call* c, const Job* job,
    int index, const char* name) {
  TF_Tensor* t = c->in[index];
  int64_t want[4] = {job->n, job->ph, job->pw, job->f};
  int ok = TF_NumDims(t) == 4;
  for (int i = 0; ok && i < 4; i++) ok = TF_Dim(t, i) == want[i];
  if (!ok) {
    char msg[320];
    snprintf(msg, sizeof(msg), "%s: expected %s of shape [%lld, %lld, %lld, %lld] (the pooled"
        " output's); got rank %d, [%lld, %lld, ...]", a->op, name, (long long) want[0],
        (long long) want[1], (long long) want[2], (long long) want[3], TF_NumDims(t),
        (long long) (TF_NumDims(t) > 0 ? TF_Dim(t, 0) : -1),
        (long long) (TF_NumDims(t) > 1 ? TF_Dim(t, 1) : -1));
    fail(ctx, c->s, TF_INVALID_ARGUMENT, msg);
  }
  return ok;
}

/* A gradient op's inputs (images, filter, argmax, pooled gradient), checked; 0 on failure. */
static int plan_backprop(TF_OpKernelContext* ctx, const Attrs* a, Call* c, Job* job,
    int64_t* top, int64_t* left) {
  return plan(ctx, a, c, 4, job, top, left) && check_pooled(ctx, a, c, job, 2, "argmax")
      && check_pooled(ctx, a, c, job, 3, "the gradient");
}

/* Inputs: images, filter, argmax, pooled gradient. Outputs: filter gradient, bias gradient. */
static void backprop_filter(TF_OpKernelContext* ctx, const Attrs* a) {
  Call c = {0};
  c.s = TF_NewStatus();
  Job job;
  int64_t top, left;
  if (!plan_backprop(ctx, a, &c, &job, &top, &left)) goto done;
  int64_t wdims[4] = {job.kh, job.kw, job.c, job.f};
  int64_t bdims[1] = {job.f};
  size_t wn = (size_t) (job.ntaps * job.f);
  c.out[0] = TF_AllocateOutput(ctx, 0, TF_FLOAT, wdims, 4, wn * sizeof(float), c.s);
  if (TF_GetCode(c.s) == TF_OK) {
    c.out[1] = TF_AllocateOutput(ctx, 1, TF_FLOAT, bdims, 1, (size_t) job.f * sizeof(float), c.s);
  }
  if (TF_GetCode(c.s) != TF_OK) {
    TF_OpKernelContext_Failure(ctx, c.s);
    goto done;
  }
  float* dw = TF_TensorData(c.out[0]);
  float* db = TF_TensorData(c.out[1]);
  memset(dw, 0, wn * sizeof(float));
  memset(db, 0, (size_t) job.f * sizeof(float));
  if (job.n == 0) goto done;
  int whole = long_gradient(&job, 0); /* the long form takes whole images, padded one by one */
  if (!prepare_input(ctx, a, &c, &job, top, left, whole)) goto done;
  job.am_in = TF_TensorData(c.in[2]);
  job.g = TF_TensorData(c.in[3]);
  int64_t units = whole ? job.n : job.n * job.ph;
  int parts = parts_for(units, &job);
  size_t per = wn + (size_t) job.f;
  c.sums = calloc((size_t) parts * per, sizeof(float));
  if (c.sums == NULL || !split(&c, &job, parts, units, whole ? job.ph : 1)
      || (whole && (!give_scratch(&c, &job, parts) || !give_pad(&c, &job, parts)))) {
    fail(ctx, c.s, TF_RESOURCE_EXHAUSTED, "out of memory");
    goto done;
  }
  for (int t = 0; t < parts; t++) {
    c.parts[t].dw = c.sums + t * per;
    c.parts[t].db = c.sums + t * per + wn;
  }
  run_parts(c.parts, sizeof(Job), parts, filter_part);
  for (int t = 0; t < parts; t++) { /* in part order: the same sums for the same split */
    for (size_t i = 0; i < wn; i++) dw[i] += c.parts[t].dw[i];
    for (int64_t i = 0; i < job.f; i++) db[i] += c.parts[t].db[i];
  }
done:
  release(&c);
}

/* Inputs: images (for their shape), filter, argmax, pooled gradient. Output: input gradient. */
static void backprop_input(TF_OpKernelContext* ctx, const Attrs* a) {
  Call c = {0};
  c.s = TF_NewStatus();
  Job job;
  int64_t top, left;
  if (!plan_backprop(ctx, a, &c, &job, &top, &left)) goto done;
  TF_Tensor* x = c.in[0];
  int64_t h = TF_Dim(x, 1), wd = TF_Dim(x, 2);
  int64_t dims[4] = {job.n, h, wd, job.c};
  size_t count = (size_t) (job.n * h * wd * job.c);
  c.out[0] = TF_AllocateOutput(ctx, 0, TF_FLOAT, dims, 4, count * sizeof(float), c.s);
  if (TF_GetCode(c.s) != TF_OK) {
    TF_OpKernelContext_Failure(ctx, c.s);
    goto done;
  }
  float* dx = TF_TensorData(c.out[0]);
  if (count == 0) goto done;
  /* the long-patch loops write into dx, leaving out the padding; the others into a padded copy */
  int whole = long_gradient(&job, 1);
  /*
   * The long-patch loops' two forms: scatter (each convolution pixel's gradient added into the
   * input pixels it read) or gather (each input pixel's gradient as a forward convolution of the
   * zero-padded convolution gradient with the flipped filter: written once, no read-modify-write).
   * Gather computes every input pixel, scatter every covered convolution pixel: gather where those
   * counts are close (SAME convolutions), scatter where the padding would add much (VALID).
   */
  int64_t r[4];
  covered(&job, r);
  int gather = whole && 4 * h * wd <= 5 * (r[1] - r[0]) * (r[3] - r[2]);
  if (!gather) memset(dx, 0, count * sizeof(float)); /* gather writes every value */
  int padded = (job.h != h || job.wd != wd) && !whole;
  job.top = top;
  job.left = left;
  job.xh = h;
  job.xw = wd;
  float* target = dx;
  if (padded) {
    c.padded = calloc((size_t) (job.n * job.h * job.wd * job.c), sizeof(float));
    if (c.padded == NULL) {
      fail(ctx, c.s, TF_RESOURCE_EXHAUSTED, "out of memory");
      goto done;
    }
    target = c.padded;
  }
  if (!make_taps(&c, &job)) { /* x itself is not read */
    fail(ctx, c.s, TF_RESOURCE_EXHAUSTED, "out of memory");
    goto done;
  }
  job.x = target; /* WINDOW's image pointer; input_rows writes through dx */
  job.w = TF_TensorData(c.in[1]);
  job.am_in = TF_TensorData(c.in[2]);
  job.g = TF_TensorData(c.in[3]);
  job.dx = target;
  int parts = parts_for(job.n, &job); /* whole images: no two parts write the same pixel */
  if (whole) { /* the filter as [kh, kw, f, c] (flipped for gather): one filter's c contiguous */
    c.wt = malloc((size_t) (job.ntaps * job.f) * sizeof(float));
    if (c.wt != NULL) {
      int64_t k2 = job.kh * job.kw;
      for (int64_t t = 0; t < k2; t++) {
        int64_t from = gather ? k2 - 1 - t : t; /* (a, b) takes (kh - 1 - a, kw - 1 - b) */
        for (int64_t ci = 0; ci < job.c; ci++) {
          for (int64_t f = 0; f < job.f; f++) {
            c.wt[(t * job.f + f) * job.c + ci] = job.w[(from * job.c + ci) * job.f + f];
          }
        }
      }
    }
    job.wt = gather ? NULL : c.wt;
    job.wflip = gather ? c.wt : NULL;
  }
  if (gather) c.zeros = calloc((size_t) job.c, sizeof(float));
  job.zeros = c.zeros;
  if (!split(&c, &job, parts, job.n, job.ph) || (whole && (c.wt == NULL
      || !give_scratch(&c, &job, parts))) || (gather && (c.zeros == NULL
      || !give_padgrad(&c, &job, parts)))) {
    fail(ctx, c.s, TF_RESOURCE_EXHAUSTED, "out of memory");
    goto done;
  }
  run_parts(c.parts, sizeof(Job), parts, input_part);
  if (padded) {
    for (int64_t i = 0; i < job.n; i++) {
      for (int64_t y = 0; y < h; y++) {
        memcpy(dx + (i * h + y) * wd * job.c,
            c.padded + ((i * job.h + y + top) * job.wd + left) * job.c,
            (size_t) (wd * job.c) * sizeof(float));
      }
    }
  }
done:
  release(&c);
}

/* ---- batch normalization (training) + max pool ----
 *
 * JerasBatchNormMaxPool normalizes x [n, h, w, c] with its batch's mean and variance, as
 * FusedBatchNormV3 does in training, and max-pools the result in the same pass: the full-size
 * normalized tensor is never written. It also gives the batch mean, the variance (unbiased, as
 * FusedBatchNormV3 reports it), 1 / sqrt(biased variance + epsilon) and each maximum's window
 * position. JerasBatchNormMaxPoolGrad takes the pooled gradient to the input, scale and offset
 * gradients: the pooled gradient reaches only the maxima, so its sums need only those pixels.
 */

/* Below this many values a call runs in one thread. */
#define BN_PARALLEL_MIN (1L << 16)

typedef struct {
  TF_Tensor* in[6];
  TF_Tensor* out[5];
  BnJob* parts;
  int count;      /* parts */
  double* sums;   /* 2 c a part, then 2 c for their totals */
  float* coef;    /* per channel: center, a, b, k1 */
  int64_t* taps;  /* 256: every argmax byte has an offset */
  TF_Status* s;
} BnCall;

static void bn_release(BnCall* c) {
  for (int i = 0; i < 6; i++) if (c->in[i]) TF_DeleteTensor(c->in[i]);
  for (int i = 0; i < 5; i++) if (c->out[i]) TF_DeleteTensor(c->out[i]);
  free(c->parts);
  free(c->sums);
  free(c->coef);
  free(c->taps);
  TF_DeleteStatus(c->s);
}

/* Runs the copy `isa` names of loop `name` over the call's parts, each a copy of job. */
#define BN_RUN(call, jb, isa, name)                                                             \
  do {                                                                                          \
    for (int t_ = 0; t_ < (call)->count; t_++) {                                                \
      (call)->parts[t_] = (jb);                                                                 \
      (call)->parts[t_].begin = (jb).n * t_ / (call)->count;                                    \
      (call)->parts[t_].end = (jb).n * (t_ + 1) / (call)->count;                                \
      (call)->parts[t_].sums = (call)->sums + t_ * 2 * (jb).c;                                  \
    }                                                                                           \
    run_parts((call)->parts, sizeof(BnJob), (call)->count, (isa) == ISA_AVX512                 \
        ? name##_avx512 : (isa) == ISA_AVX2 ? name##_avx2 : name##_baseline);                 \
  } while (0)

/* Per channel, the parts' two sums added in part order (the same order every call). */
static void bn_totals(const BnCall* c, int64_t ch, double* s1, double* s2) {
  for (int64_t k = 0; k < ch; k++) {
    s1[k] = s2[k] = 0;
    for (int t = 0; t < c->count; t++) {
      s1[k] += c->sums[t * 2 * ch + k];
      s2[k] += c->sums[t * 2 * ch + ch + k];
    }
  }
}

/*
 * Reads inputs 0..count) and checks x [n, h, w, c] and the per-channel inputs 1..vectors (named
 * by names); fills job's geometry, the window offsets, the parts and their sums. On failure
 * reports it and returns 0.
 */
static int bn_plan(TF_OpKernelContext* ctx, const Attrs* a, BnCall* c, int count, int vectors,
    const char* const* names, BnJob* job) {
  char msg[400];
  if (!get_inputs(ctx, c->in, count, c->s)) return 0;
  TF_Tensor* x = c->in[0];
  if (TF_NumDims(x) != 4) {
    snprintf(msg, sizeof(msg), "%s: expected x of rank 4 (NHWC); got rank %d", a->op,
        TF_NumDims(x));
    fail(ctx, c->s, TF_INVALID_ARGUMENT, msg);
    return 0;
  }
  memset(job, 0, sizeof(*job));
  job->n = TF_Dim(x, 0); job->h = TF_Dim(x, 1); job->w = TF_Dim(x, 2); job->c = TF_Dim(x, 3);
  for (int i = 1; i <= vectors; i++) {
    TF_Tensor* v = c->in[i];
    if (TF_NumDims(v) != 1 || TF_Dim(v, 0) != job->c) {
      snprintf(msg, sizeof(msg), "%s: expected %s of shape [%lld] for x of %lld channels; got"
          " rank %d, first dimension %lld", a->op, names[i], (long long) job->c,
          (long long) job->c, TF_NumDims(v), (long long) (TF_NumDims(v) > 0 ? TF_Dim(v, 0) : -1));
      fail(ctx, c->s, TF_INVALID_ARGUMENT, msg);
      return 0;
    }
  }
  job->kh = a->ksize[0]; job->kw = a->ksize[1]; job->sh = a->strides[0]; job->sw = a->strides[1];
  job->ph = out_size(job->h, job->kh, job->sh, a->pool_same, &job->pt);
  job->pw = out_size(job->w, job->kw, job->sw, a->pool_same, &job->pl);
  if (job->h < 1 || job->w < 1 || job->c < 1 || job->ph < 1 || job->pw < 1
      || job->kh * job->kw >= NO_GRADIENT) {
    snprintf(msg, sizeof(msg), "%s: x of %lld x %lld x %lld does not fit a %lld x %lld pool (%s)"
        " of at most %d positions", a->op, (long long) job->h, (long long) job->w,
        (long long) job->c, (long long) job->kh, (long long) job->kw,
        a->pool_same ? "SAME" : "VALID", NO_GRADIENT - 1);
    fail(ctx, c->s, TF_INVALID_ARGUMENT, msg);
    return 0;
  }
  int64_t values = job->n * job->h * job->w * job->c;
  c->count = split_count(job->n, values < BN_PARALLEL_MIN, a->threads);
  c->parts = malloc((size_t) c->count * sizeof(BnJob));
  c->sums = calloc((size_t) ((c->count + 1) * 2 * job->c), sizeof(double));
  c->coef = malloc((size_t) (4 * job->c) * sizeof(float));
  c->taps = calloc(256, sizeof(int64_t));
  if (c->parts == NULL || c->sums == NULL || c->coef == NULL || c->taps == NULL) {
    snprintf(msg, sizeof(msg), "%s: out of memory", a->op);
    fail(ctx, c->s, TF_RESOURCE_EXHAUSTED, msg);
    return 0;
  }
  for (int64_t p = 0; p < job->kh * job->kw; p++) {
    c->taps[p] = (p / job->kw * job->w + p % job->kw) * job->c;
  }
  job->taps = c->taps;
  job->x = TF_TensorData(x);
  return 1;
}

static void bn_forward(TF_OpKernelContext* ctx, const Attrs* a) {
  static const char* const names[] = {"x", "scale", "offset"};
  BnCall c = {0};
  c.s = TF_NewStatus();
  BnJob job;
  if (!bn_plan(ctx, a, &c, 3, 2, names, &job)) goto done;
  int64_t ch = job.c, pooled[4] = {job.n, job.ph, job.pw, ch}, vec[1] = {ch};
  size_t count = (size_t) (job.n * job.ph * job.pw * ch);
  c.out[0] = TF_AllocateOutput(ctx, 0, TF_FLOAT, pooled, 4, count * sizeof(float), c.s);
  for (int i = 1; i < 4 && TF_GetCode(c.s) == TF_OK; i++) {
    c.out[i] = TF_AllocateOutput(ctx, i, TF_FLOAT, vec, 1, (size_t) ch * sizeof(float), c.s);
  }
  if (TF_GetCode(c.s) == TF_OK) c.out[4] = TF_AllocateOutput(ctx, 4, TF_UINT8, pooled, 4, count, c.s);
  if (TF_GetCode(c.s) != TF_OK) {
    TF_OpKernelContext_Failure(ctx, c.s);
    goto done;
  }
  const float *scale = TF_TensorData(c.in[1]), *offset = TF_TensorData(c.in[2]);
  float *mean = TF_TensorData(c.out[1]), *var = TF_TensorData(c.out[2]);
  float* inv_std = TF_TensorData(c.out[3]);
  float *center = c.coef, *ka = c.coef + ch, *kb = c.coef + 2 * ch;
  double total = (double) (job.n * job.h * job.w);
  for (int64_t k = 0; k < ch; k++) center[k] = job.n > 0 ? job.x[k] : 0.f; /* a shift */
  job.center = center;
  if (job.n > 0) BN_RUN(&c, job, a->isa, bn_sums);
  double *s1 = c.sums + c.count * 2 * ch, *s2 = s1 + ch;
  bn_totals(&c, ch, s1, s2);
  for (int64_t k = 0; k < ch; k++) {
    double m = total > 0 ? s1[k] / total : 0, v = total > 0 ? s2[k] / total - m * m : 0;
    v = v > 0 ? v : 0;
    mean[k] = (float) (center[k] + m);
    var[k] = (float) (total > 1 ? v * total / (total - 1) : v);
    inv_std[k] = (float) (1 / sqrt(v + a->epsilon));
    ka[k] = scale[k] * inv_std[k];
    kb[k] = offset[k];
  }
  if (count == 0) goto done;
  job.center = mean;
  job.a = ka;
  job.b = kb;
  job.y = TF_TensorData(c.out[0]);
  job.am = TF_TensorData(c.out[4]);
  BN_RUN(&c, job, a->isa, bn_pool);
done:
  bn_release(&c);
}

static void bn_backward(TF_OpKernelContext* ctx, const Attrs* a) {
  static const char* const names[] = {"x", "scale", "batch_mean", "inv_std"};
  BnCall c = {0};
  c.s = TF_NewStatus();
  BnJob job;
  char msg[320];
  if (!bn_plan(ctx, a, &c, 6, 3, names, &job)) goto done;
  int64_t ch = job.c, want[4] = {job.n, job.ph, job.pw, ch};
  for (int i = 4; i < 6; i++) {
    TF_Tensor* t = c.in[i];
    int ok = TF_NumDims(t) == 4;
    for (int d = 0; ok && d < 4; d++) ok = TF_Dim(t, d) == want[d];
    if (!ok) {
      snprintf(msg, sizeof(msg), "%s: expected %s of shape [%lld, %lld, %lld, %lld] (the pooled"
          " output's); got rank %d", a->op, i == 4 ? "argmax" : "the gradient",
          (long long) want[0], (long long) want[1], (long long) want[2], (long long) want[3],
          TF_NumDims(t));
      fail(ctx, c.s, TF_INVALID_ARGUMENT, msg);
      goto done;
    }
  }
  int64_t dims[4] = {job.n, job.h, job.w, ch}, vec[1] = {ch};
  c.out[0] = TF_AllocateOutput(ctx, 0, TF_FLOAT, dims, 4,
      (size_t) (job.n * job.h * job.w * ch) * sizeof(float), c.s);
  for (int i = 1; i < 3 && TF_GetCode(c.s) == TF_OK; i++) {
    c.out[i] = TF_AllocateOutput(ctx, i, TF_FLOAT, vec, 1, (size_t) ch * sizeof(float), c.s);
  }
  if (TF_GetCode(c.s) != TF_OK) {
    TF_OpKernelContext_Failure(ctx, c.s);
    goto done;
  }
  const float *scale = TF_TensorData(c.in[1]), *inv_std = TF_TensorData(c.in[3]);
  float *dscale = TF_TensorData(c.out[1]), *doffset = TF_TensorData(c.out[2]);
  float *ka = c.coef + ch, *kb = c.coef + 2 * ch, *k1 = c.coef + 3 * ch;
  job.center = TF_TensorData(c.in[2]);
  job.am_in = TF_TensorData(c.in[4]);
  job.g = TF_TensorData(c.in[5]);
  if (job.n > 0) BN_RUN(&c, job, a->isa, bn_grad_sums);
  double *s1 = c.sums + c.count * 2 * ch, *s2 = s1 + ch;
  bn_totals(&c, ch, s1, s2);
  double total = (double) (job.n * job.h * job.w);
  for (int64_t k = 0; k < ch; k++) {
    doffset[k] = (float) s1[k];
    dscale[k] = (float) (s2[k] * inv_std[k]);
    k1[k] = scale[k] * inv_std[k];
    ka[k] = total > 0 ? (float) (-k1[k] * inv_std[k] * (double) dscale[k] / total) : 0.f;
    kb[k] = total > 0 ? (float) (-k1[k] * s1[k] / total) : 0.f;
  }
  if (job.n == 0) goto done;
  job.a = ka;
  job.b = kb;
  job.k1 = k1;
  job.dx = TF_TensorData(c.out[0]);
  BN_RUN(&c, job, a->isa, bn_pool_grad);
done:
  bn_release(&c);
}

#define OP_FORWARD "JerasConvMaxPool"
#define OP_ARGMAX "JerasConvMaxPoolWithArgmax"
#define OP_FILTER "JerasConvMaxPoolBackpropFilter"
#define OP_INPUT "JerasConvMaxPoolBackpropInput"
#define OP_BN_POOL "JerasBatchNormMaxPool"
#define OP_BN_POOL_GRAD "JerasBatchNormMaxPoolGrad"

static void* create_forward(TF_OpKernelConstruction* ctx) { return create(ctx, OP_FORWARD); }
static void* create_argmax(TF_OpKernelConstruction* ctx) { return create(ctx, OP_ARGMAX); }
static void* create_filter(TF_OpKernelConstruction* ctx) { return create(ctx, OP_FILTER); }
static void* create_input(TF_OpKernelConstruction* ctx) { return create(ctx, OP_INPUT); }
static void* create_bn_pool(TF_OpKernelConstruction* ctx) {
  return create_kernel(ctx, OP_BN_POOL, 1);
}
static void* create_bn_pool_grad(TF_OpKernelConstruction* ctx) {
  return create_kernel(ctx, OP_BN_POOL_GRAD, 1);
}
static void compute_forward(void* k, TF_OpKernelContext* ctx) { forward(ctx, k, 0); }
static void compute_argmax(void* k, TF_OpKernelContext* ctx) { forward(ctx, k, 1); }
static void compute_filter(void* k, TF_OpKernelContext* ctx) { backprop_filter(ctx, k); }
static void compute_input(void* k, TF_OpKernelContext* ctx) { backprop_input(ctx, k); }
static void compute_bn_pool(void* k, TF_OpKernelContext* ctx) { bn_forward(ctx, k); }
static void compute_bn_pool_grad(void* k, TF_OpKernelContext* ctx) { bn_backward(ctx, k); }

static void unknown_shape(TF_ShapeInferenceContext* ctx, TF_Status* s) {
  TF_ShapeInferenceContextSetUnknownShape(ctx, s);
}

/* Registers one op (inputs and outputs as TensorFlow's op specs) and its CPU kernel. */
static void register_op(const char* name, const char* const* inputs, const char* const* outputs,
    const char* const* attrs, void* (*create_fn)(TF_OpKernelConstruction*),
    void (*compute_fn)(void*, TF_OpKernelContext*)) {
  TF_Status* s = TF_NewStatus();
  TF_OpDefinitionBuilder* op = TF_NewOpDefinitionBuilder(name);
  for (; *inputs != NULL; inputs++) TF_OpDefinitionBuilderAddInput(op, *inputs);
  for (; *outputs != NULL; outputs++) TF_OpDefinitionBuilderAddOutput(op, *outputs);
  for (; *attrs != NULL; attrs++) TF_OpDefinitionBuilderAddAttr(op, *attrs);
  TF_OpDefinitionBuilderAddAttr(op, "ksize: list(int) >= 2");
  TF_OpDefinitionBuilderAddAttr(op, "strides: list(int) >= 2");
  TF_OpDefinitionBuilderAddAttr(op, "pool_same: bool");
  TF_OpDefinitionBuilderAddAttr(op, "isa: string = 'auto'");
  TF_OpDefinitionBuilderAddAttr(op, "threads: int = 0");
  TF_OpDefinitionBuilderSetShapeInferenceFunction(op, unknown_shape);
  TF_RegisterOpDefinition(op, s);
  if (TF_GetCode(s) == TF_OK) {
    TF_KernelBuilder* k = TF_NewKernelBuilder(name, "CPU", create_fn, compute_fn, destroy);
    TF_RegisterKernelBuilder(name, k, s);
  }
  /* on failure the op is missing from what TensorFlow reports loaded, which NativeOps checks */
  TF_DeleteStatus(s);
}

/* Registers the ops when TensorFlow loads this library. */
__attribute__((constructor)) static void register_ops(void) {
  static const char* const conv_in[] = {"input: float", "filter: float", "bias: float", NULL};
  static const char* const grad_in[] = {"input: float", "filter: float", "argmax: uint8",
      "grad: float", NULL};
  static const char* const y[] = {"output: float", NULL};
  static const char* const y_argmax[] = {"output: float", "argmax: uint8", NULL};
  static const char* const dw_db[] = {"filter_grad: float", "bias_grad: float", NULL};
  static const char* const dx[] = {"input_grad: float", NULL};
  static const char* const conv[] = {"conv_same: bool", "relu: bool", NULL};
  register_op(OP_FORWARD, conv_in, y, conv, create_forward, compute_forward);
  register_op(OP_ARGMAX, conv_in, y_argmax, conv, create_argmax, compute_argmax);
  register_op(OP_FILTER, grad_in, dw_db, conv, create_filter, compute_filter);
  register_op(OP_INPUT, grad_in, dx, conv, create_input, compute_input);
  static const char* const bn_in[] = {"x: float", "scale: float", "offset: float", NULL};
  static const char* const bn_out[] = {"output: float", "batch_mean: float",
      "batch_variance: float", "inv_std: float", "argmax: uint8", NULL};
  static const char* const bn_grad_in[] = {"x: float", "scale: float", "batch_mean: float",
      "inv_std: float", "argmax: uint8", "grad: float", NULL};
  static const char* const bn_grad_out[] = {"x_grad: float", "scale_grad: float",
      "offset_grad: float", NULL};
  static const char* const bn[] = {"epsilon: float", NULL};
  register_op(OP_BN_POOL, bn_in, bn_out, bn, create_bn_pool, compute_bn_pool);
  register_op(OP_BN_POOL_GRAD, bn_grad_in, bn_grad_out, bn, create_bn_pool_grad,
      compute_bn_pool_grad);
}
