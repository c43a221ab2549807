/*
** test_model.c -- compiled models through the C API: memory plan, training
** a small MLP, smaller run-time batches, no allocation in the training step,
** save/load round trips and failures, feed and compile errors, determinism
** and dropout. Tiny shapes: it runs under valgrind in seconds.
*/
#define _GNU_SOURCE 1   /* dladdr */
#include <dlfcn.h>
#include <malloc.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include "ln_internal.h"   /* ln_dnnl_created: primitives made so far */
#include "tap.h"

#define NIN 6
#define NHID 8
#define NCLS 3
#define BATCH 4
#define NDATA 12

/*
** Allocation counting: the C library lets a program replace malloc and
** friends; these forward to glibc's own allocator (so memory from either
** side may be freed by the other, and valgrind still sees every call) and
** count calls while 'counting' is set, by caller: libgomp allocates a team
** for every parallel region, even one that runs on one thread (a transient
** malloc/free pair inside the OpenMP runtime, not the engine's memory);
** oneDNN 2.6's dnnl_primitive_execute builds its argument map and
** execution context on the heap at every call (C++: operator new, so the
** caller is libstdc++, which nothing else in the process uses). Those two
** runtimes' transient pairs are counted apart; the engine's are the rest.
*/
#ifdef __SANITIZE_ADDRESS__
#define COUNT_ALLOCS 0   /* ASan owns malloc; the valgrind and plain runs count */
#else
#define COUNT_ALLOCS 1
extern void *__libc_malloc (size_t n);
extern void *__libc_calloc (size_t n, size_t sz);
extern void *__libc_realloc (void *p, size_t n);
extern void *__libc_memalign (size_t al, size_t n);
extern void __libc_free (void *p);

static int counting;
static long n_calls, n_gomp, n_dnnl;   /* from elsewhere, libgomp, oneDNN */
static void *gomp_live[64];    /* blocks libgomp got while counting */

static int from_lib (void *caller, const char *lib) {
  Dl_info info;
  return dladdr(caller, &info) && info.dli_fname &&
         strstr(info.dli_fname, lib) != NULL;
}

static int from_gomp (void *caller) { return from_lib(caller, "libgomp"); }

static int from_dnnl (void *caller) {
  return from_lib(caller, "libdnnl") || from_lib(caller, "libstdc++");
}

/* an allocation that returned 'p' (kept, if libgomp's, for its free) */
static void *count (void *caller, void *p) {
  int k;
  if (!__atomic_load_n(&counting, __ATOMIC_RELAXED)) return p;
  if (from_dnnl(caller)) { __atomic_fetch_add(&n_dnnl, 1, __ATOMIC_RELAXED); return p; }
  if (!from_gomp(caller)) { __atomic_fetch_add(&n_calls, 1, __ATOMIC_RELAXED); return p; }
  __atomic_fetch_add(&n_gomp, 1, __ATOMIC_RELAXED);
  for (k = 0; k < 64; k++)
    if (__atomic_compare_exchange_n(&gomp_live[k], &(void *){NULL}, p, 0,
                                    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) break;
  return p;
}

/* a free: libgomp frees its team by a tail call, so match the block */
static void count_free (void *caller, void *p) {
  int k;
  if (p == NULL || !__atomic_load_n(&counting, __ATOMIC_RELAXED)) return;
  if (from_dnnl(caller)) { __atomic_fetch_add(&n_dnnl, 1, __ATOMIC_RELAXED); return; }
  for (k = 0; k < 64; k++)
    if (__atomic_compare_exchange_n(&gomp_live[k], &(void *){p}, NULL, 0,
                                    __ATOMIC_SEQ_CST, __ATOMIC_SEQ_CST)) {
      __atomic_fetch_add(&n_gomp, 1, __ATOMIC_RELAXED);
      return;
    }
  __atomic_fetch_add(&n_calls, 1, __ATOMIC_RELAXED);
}

#define RA __builtin_return_address(0)

void *malloc (size_t n) { return count(RA, __libc_malloc(n)); }
void *calloc (size_t n, size_t sz) { return count(RA, __libc_calloc(n, sz)); }
void *realloc (void *p, size_t n) { count_free(RA, p); return count(RA, __libc_realloc(p, n)); }
void free (void *p) { count_free(RA, p); __libc_free(p); }
void *aligned_alloc (size_t al, size_t n) { return count(RA, __libc_memalign(al, n)); }
void *memalign (size_t al, size_t n) { return count(RA, __libc_memalign(al, n)); }
int posix_memalign (void **p, size_t al, size_t n) {
  void *q;
  if (al < sizeof(void *) || (al & (al - 1)) != 0) return 22;   /* EINVAL */
  if ((q = count(RA, __libc_memalign(al, n))) == NULL) return 12;   /* ENOMEM */
  *p = q;
  return 0;
}
#endif

/* {====== Helpers ====== */

typedef struct net { ln_graph *g; int x, y, logits, loss; } net;

static char tmpdir[64];

static const char *tmp (const char *name) {
  static char buf[4][160];
  static int k;
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmpdir, name);
  return buf[k];
}

/* *h = tanh(h sigmoid(h)) */
static int add_chain (ln_graph *g, int *h) {
  int s, p, rc;
  if ((rc = ln_graph_opn(g, "sigmoid", 1, h, NULL, &s)) ||
      (rc = ln_graph_opn(g, "mul", 2, (int[]){*h, s}, NULL, &p)))
    return rc;
  return ln_graph_opn(g, "tanh", 1, &p, NULL, h);
}

/* what build() puts after the hidden layer's relu */
#define WITH_DROPOUT 1   /* dropout, p = 0.5 */
#define WITH_CHAIN   2   /* tanh(h sigmoid(h)): a chain of 3 elementwise ops */

/* the MLP NIN-NHID-NCLS (ReLU, then 'extra') + loss */
static int build (net *nt, int extra) {
  int xd[2] = {LN_BATCH, NIN}, yd[1] = {LN_BATCH};
  int w1d[2] = {NHID, NIN}, b1d[1] = {NHID}, w2d[2] = {NCLS, NHID}, b2d[1] = {NCLS};
  int w1, b1, w2, b2, h, rc;
  ln_graph *g;
  if ((rc = ln_graph_new(&g)) != LN_OK) return rc;
  nt->g = g;
  if ((rc = ln_graph_input(g, "x", LN_F32, 2, xd, &nt->x)) ||
      (rc = ln_graph_input(g, "y", LN_I32, 1, yd, &nt->y)) ||
      (rc = ln_graph_param(g, "linear1.weight", 2, w1d, LN_INIT_TORCH_DEFAULT, 0, &w1)) ||
      (rc = ln_graph_param(g, "linear1.bias", 1, b1d, LN_INIT_UNIFORM, 1 / sqrt(NIN), &b1)) ||
      (rc = ln_graph_param(g, "linear2.weight", 2, w2d, LN_INIT_TORCH_DEFAULT, 0, &w2)) ||
      (rc = ln_graph_param(g, "linear2.bias", 1, b2d, LN_INIT_UNIFORM, 1 / sqrt(NHID), &b2)) ||
      (rc = ln_graph_opn(g, "linear", 3, (int[]){nt->x, w1, b1}, NULL, &h)) ||
      (rc = ln_graph_opn(g, "relu", 1, &h, NULL, &h)) ||
      ((extra & WITH_DROPOUT) && (rc = ln_graph_opn(g, "dropout", 1, &h, NULL, &h))) ||
      ((extra & WITH_CHAIN) && (rc = add_chain(g, &h))) ||
      (rc = ln_graph_opn(g, "linear", 3, (int[]){h, w2, b2}, NULL, &nt->logits)) ||
      (rc = ln_graph_set_name(g, nt->logits, "logits")) ||
      (rc = ln_graph_opn(g, "cross_entropy", 2, (int[]){nt->logits, nt->y},
                         NULL, &nt->loss))) {
    ln_graph_free(g);
    nt->g = NULL;
  }
  return rc;
}

/* build and compile for BATCH; NULL (and a failed check) on error */
static ln_model *make_model (net *nt, int extra) {
  ln_model *m = NULL;
  int rc = build(nt, extra);
  if (rc == LN_OK) {
    rc = ln_model_compile(nt->g, BATCH, nt->loss, 1, &nt->logits, &m);
    if (rc != LN_OK) ln_graph_free(nt->g);
  }
  if (rc != LN_OK) tap_ok(0, "build and compile the MLP (%s)", ln_errmsg());
  return m;
}

/* a separable data set: class c lights features 2c and 2c+1, plus noise */
static float data_x[NDATA][NIN];
static int32_t data_y[NDATA];

static void make_data (void) {
  int i, j;
  for (i = 0; i < NDATA; i++) {
    int c = i % NCLS;
    data_y[i] = c;
    for (j = 0; j < NIN; j++)
      data_x[i][j] = (j / 2 == c ? 1.0f : 0.0f) + 0.1f * (float)((i * 7 + j * 3) % 5 - 2);
  }
}

/* feed rows [first, first+b) of the data set */
static int feed (ln_model *m, int first, int b) {
  ln_tensor *x = ln_tensor_view(LN_F32, 2, (int[]){b, NIN}, data_x[first]);
  ln_tensor *y = ln_tensor_view(LN_I32, 1, (int[]){b}, &data_y[first]);
  int rc = LN_ENOMEM;
  if (x && y && (rc = ln_model_feed(m, "x", x)) == LN_OK)
    rc = ln_model_feed(m, "y", y);
  ln_tensor_free(x);
  ln_tensor_free(y);
  return rc;
}

/* one training step on batch 'k' (cycling over the data); loss in *loss */
static int step (ln_model *m, ln_optim *o, const net *nt, int k, float *loss) {
  int rc, first = (k % (NDATA / BATCH)) * BATCH;
  ln_tensor *l;
  if ((rc = feed(m, first, BATCH)) || (rc = ln_model_forward(m, 1)) ||
      (rc = ln_model_backward(m)) || (rc = ln_optim_step(o, NULL)))
    return rc;
  if (loss) {
    if ((l = ln_model_value(m, nt->loss)) == NULL) return LN_EARG;
    *loss = *(float *)l->data;
    ln_tensor_free(l);
  }
  return LN_OK;
}

static ln_optim *adam (ln_model *m) {
  ln_optconf c;
  ln_optim *o = NULL;
  ln_optconf_defaults(LN_OPT_ADAM, &c);
  c.lr = 1e-2;
  if (ln_optim_new(m, LN_OPT_ADAM, &c, &o) != LN_OK)
    tap_ok(0, "adam (%s)", ln_errmsg());
  return o;
}

/* forward rows [first, first+b) in mode 'training'; copy logits to 'out' */
static int logits_of (ln_model *m, const net *nt, int first, int b, int training,
                      float *out) {
  ln_tensor *t;
  int rc;
  if ((rc = feed(m, first, b)) || (rc = ln_model_forward(m, training))) return rc;
  if ((t = ln_model_value(m, nt->logits)) == NULL) return LN_EARG;
  rc = t->n == (size_t)b * NCLS ? LN_OK : LN_ESHAPE;
  if (rc == LN_OK) memcpy(out, t->data, t->n * sizeof(float));
  ln_tensor_free(t);
  return rc;
}

static int near (const float *a, const float *b, int n, float tol) {
  int i;
  for (i = 0; i < n; i++)
    if (!(fabsf(a[i] - b[i]) <= tol * (1 + fabsf(b[i])))) return 0;
  return 1;
}

/* ": message" after a failure, "" after success (for check lines) */
static const char *why (int rc) {
  static char buf[600];
  if (rc == LN_OK) return "";
  snprintf(buf, sizeof(buf), ": %s", ln_errmsg());
  return buf;
}

static int contains (const char *s, const char *sub) { return strstr(s, sub) != NULL; }

static long file_size (const char *path) {
  struct stat st;
  return stat(path, &st) == 0 ? (long)st.st_size : -1;
}

/* the whole file into a malloc'ed buffer (size in *n); NULL on failure */
static unsigned char *slurp (const char *path, size_t *n) {
  FILE *f = fopen(path, "rb");
  long sz = file_size(path);
  unsigned char *p;
  if (f == NULL || sz < 0 || (p = malloc((size_t)sz + 1)) == NULL) {
    if (f) fclose(f);
    return NULL;
  }
  *n = fread(p, 1, (size_t)sz, f);
  fclose(f);
  return p;
}

static int write_file (const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  if (f == NULL) return 0;
  if (fwrite(p, 1, n, f) != n) { fclose(f); return 0; }
  return fclose(f) == 0;
}

/* }====== */

/* {====== Tests ====== */

/* compile, plan, train; then the smaller batch, allocation, files */
/* no allocation inside feed/forward/backward/step, after a warm-up; the
** tensors fed are made before counting */
static void count_allocs (ln_model *m, ln_optim *o, const net *nt, const char *what) {
#if !COUNT_ALLOCS
  (void)m; (void)o; (void)nt;
  tap_ok(1, "allocation counting (%s) # SKIP under AddressSanitizer", what);
#else
  struct mallinfo2 a, b;
  long calls[4] = {0, 0, 0, 0}, gomp = 0;
  int k, phase, rc;
  ln_tensor *x = ln_tensor_view(LN_F32, 2, (int[]){BATCH, NIN}, data_x[0]);
  ln_tensor *y = ln_tensor_view(LN_I32, 1, (int[]){BATCH}, data_y);
  ln_set_threads(1);
  rc = step(m, o, nt, 0, NULL);
  a = mallinfo2();
  for (k = 0; k < 5 && rc == LN_OK && x && y; k++)
    for (phase = 0; phase < 4 && rc == LN_OK; phase++) {
      __atomic_store_n(&n_calls, 0, __ATOMIC_SEQ_CST);
      __atomic_store_n(&n_gomp, 0, __ATOMIC_SEQ_CST);
      __atomic_store_n(&counting, 1, __ATOMIC_SEQ_CST);
      switch (phase) {
      case 0:
        if ((rc = ln_model_feed(m, "x", x)) == LN_OK) rc = ln_model_feed(m, "y", y);
        break;
      case 1: rc = ln_model_forward(m, 1); break;
      case 2: rc = ln_model_backward(m); break;
      default: rc = ln_optim_step(o, NULL); break;
      }
      __atomic_store_n(&counting, 0, __ATOMIC_SEQ_CST);
      calls[phase] += __atomic_load_n(&n_calls, __ATOMIC_SEQ_CST);
      gomp += __atomic_load_n(&n_gomp, __ATOMIC_SEQ_CST);
    }
  b = mallinfo2();
  tap_ok(rc == LN_OK && x && y, "counted steps run (%s)", what);
  tap_ok(calls[0] + calls[1] + calls[2] + calls[3] == 0,
         "no malloc/calloc/realloc/free in 5 training steps of %s (feed %ld, "
         "forward %ld, backward %ld, step %ld calls)", what, calls[0], calls[1],
         calls[2], calls[3]);
  printf("# libgomp's own parallel-region teams: %ld malloc/free calls\n", gomp);
  tap_ok(a.arena == b.arena && a.uordblks == b.uordblks && a.hblkhd == b.hblkhd,
         "mallinfo2 unchanged by 5 training steps (arena %zu/%zu, in use "
         "%zu/%zu, mmap %zu/%zu)", a.arena, b.arena, a.uordblks, b.uordblks,
         a.hblkhd, b.hblkhd);
  ln_tensor_free(x);
  ln_tensor_free(y);
#endif
}

static void test_train (void) {
  net nt;
  ln_model *m;
  ln_optim *o;
  size_t planned = 0, naive = 0;
  float first = 0, last = 0, l, l4[BATCH * NCLS], l2[2 * NCLS];
  int k, rc = LN_OK;
  ln_seed(42);
  if ((m = make_model(&nt, 0)) == NULL) return;
  ln_model_memory(m, &planned, &naive);
  tap_ok(planned > 0 && planned <= naive, "memory: planned %zu <= naive %zu bytes",
         planned, naive);
  if ((o = adam(m)) == NULL) { ln_model_free(m); return; }

  /* 200 Adam steps; the loss of the last round over the data set */
  for (k = 0; k < 200 && rc == LN_OK; k++) {
    rc = step(m, o, &nt, k, &l);
    if (k < NDATA / BATCH) first += l / (NDATA / BATCH);
    if (k >= 200 - NDATA / BATCH) last += l / (NDATA / BATCH);
  }
  tap_ok(rc == LN_OK, "200 training steps run%s", why(rc));
  tap_ok(ln_optim_steps(o) == 200, "the optimizer counted 200 steps");
  /* measured (seed 42): 1.194 -> 0.0037 */
  tap_ok(last < 0.05f && last < first / 2, "loss falls: %.4f -> %.6f", first, last);

  /* a batch of 2 on a model compiled for 4 */
  rc = logits_of(m, &nt, 0, BATCH, 0, l4);
  tap_ok(rc == LN_OK, "eval forward, batch %d", BATCH);
  rc = logits_of(m, &nt, 0, 2, 0, l2);
  tap_ok(rc == LN_OK && ln_model_batch(m) == 2, "eval forward, batch 2%s", why(rc));
  tap_ok(near(l2, l4, 2 * NCLS, 1e-5f), "batch 2 gives the first rows of batch %d",
         BATCH);
  {
    int correct = 0, i, j;
    for (i = 0; i < BATCH; i++) {
      int best = 0;
      for (j = 1; j < NCLS; j++) if (l4[i * NCLS + j] > l4[i * NCLS + best]) best = j;
      correct += best == data_y[i];
    }
    tap_ok(correct == BATCH, "the trained model classifies its batch (%d/%d)",
           correct, BATCH);
  }

  count_allocs(m, o, &nt, "the MLP");

  /* save (after a smaller batch ran), load: the same logits, bit for bit */
  {
    const char *path = tmp("m.lnt");
    ln_model *m2 = NULL;
    float r4[BATCH * NCLS];
    net n2 = nt;
    rc = logits_of(m, &nt, 0, BATCH, 0, l4);
    if (rc == LN_OK) rc = logits_of(m, &nt, 0, 2, 0, l2);
    if (rc == LN_OK) rc = ln_model_save(m, NULL, path);
    tap_ok(rc == LN_OK, "save%s", why(rc));
    rc = ln_model_load(path, &m2, NULL);
    tap_ok(rc == LN_OK, "load%s", why(rc));
    if (m2) {
      n2.logits = ln_graph_find(ln_model_graph(m2), "logits");
      tap_ok(n2.logits == ln_model_output(m2, 0) && n2.logits == nt.logits,
             "the loaded model keeps its names and outputs");
      tap_ok(ln_graph_batch(ln_model_graph(m2)) == BATCH,
             "the loaded model keeps its max batch %d (got %d)", BATCH,
             ln_graph_batch(ln_model_graph(m2)));
      rc = logits_of(m2, &n2, 0, 2, 0, r4);
      tap_ok(rc == LN_OK && memcmp(r4, l2, sizeof(l2)) == 0,
             "the loaded model gives identical logits, batch 2");
      rc = logits_of(m2, &n2, 0, BATCH, 0, r4);
      tap_ok(rc == LN_OK && memcmp(r4, l4, sizeof(l4)) == 0,
             "the loaded model gives identical logits, batch %d%s", BATCH, why(rc));
      ln_model_free(m2);
    }
  }

  /* a truncated file, a missing file */
  {
    size_t n = 0;
    unsigned char *p = slurp(tmp("m.lnt"), &n);
    ln_model *m2 = (ln_model *)1;
    tap_ok(p != NULL && write_file(tmp("half.lnt"), p, n / 2), "write half a file");
    rc = ln_model_load(tmp("half.lnt"), &m2, NULL);
    tap_ok(rc == LN_EFORMAT && m2 == NULL && contains(ln_errmsg(), "checksum mismatch"),
           "truncated file: LN_EFORMAT, '%s'", ln_errmsg());
    rc = ln_model_load(tmp("missing.lnt"), &m2, NULL);
    tap_ok(rc == LN_EIO && m2 == NULL, "missing file: LN_EIO, '%s'", ln_errmsg());
    free(p);
  }

  /* the precision is saved; a version 1 file (no precision byte) loads as
  ** fp32; a bad precision byte under a valid checksum is refused */
  {
    size_t n = 0, at = 8 + 4 * 5 + 4 * 1;   /* header up to outputs[1] */
    unsigned char *p = slurp(tmp("m.lnt"), &n), *q = p ? malloc(n) : NULL;
    ln_model *m2 = NULL;
    float a[BATCH * NCLS], b2[BATCH * NCLS];
    uint32_t v1 = 1, crc;
    net n2 = nt;
    rc = ln_model_set_precision(m, LN_BF16);
    if (rc == LN_OK) rc = logits_of(m, &nt, 0, BATCH, 0, a);
    if (rc == LN_OK) rc = ln_model_save(m, NULL, tmp("bf.lnt"));
    if (rc == LN_OK) rc = ln_model_load(tmp("bf.lnt"), &m2, NULL);
    tap_ok(rc == LN_OK && ln_model_precision(m2) == LN_BF16, "a bf16 model loads as bf16%s", why(rc));
    if (m2) {
      rc = logits_of(m2, &n2, 0, BATCH, 0, b2);
      tap_ok(rc == LN_OK && memcmp(a, b2, sizeof(a)) == 0, "and gives identical logits");
      ln_model_free(m2);
      m2 = NULL;
    }
    ln_model_set_precision(m, LN_FP32);
    tap_ok(p && q && ln_model_n_outputs(m) == 1 && p[at] == LN_FP32, "m.lnt: one output, precision byte fp32");
    if (p && q) {   /* drop the precision byte, say version 1, checksum again */
      memcpy(q, p, at);
      memcpy(q + at, p + at + 1, n - at - 1);
      memcpy(q + 8, &v1, 4);
      crc = (uint32_t)crc32(0L, q, (uInt)(n - 5));
      memcpy(q + n - 5, &crc, 4);
      write_file(tmp("v1.lnt"), q, n - 1);
      rc = ln_model_load(tmp("v1.lnt"), &m2, NULL);
      tap_ok(rc == LN_OK && ln_model_precision(m2) == LN_FP32, "a version 1 file loads as fp32%s", why(rc));
      if (m2) {
        rc = logits_of(m2, &n2, 0, BATCH, 0, b2);
        tap_ok(rc == LN_OK && memcmp(l4, b2, sizeof(l4)) == 0, "and gives the saved model's logits");
        ln_model_free(m2);
        m2 = NULL;
      }
      p[at] = 7;
      crc = (uint32_t)crc32(0L, p, (uInt)(n - 4));
      memcpy(p + n - 4, &crc, 4);
      write_file(tmp("p7.lnt"), p, n);
      rc = ln_model_load(tmp("p7.lnt"), &m2, NULL);
      tap_ok(rc == LN_EFORMAT && m2 == NULL && contains(ln_errmsg(), "(precision)"),
             "precision byte 7: LN_EFORMAT, '%s'", ln_errmsg());
    }
    free(p);
    free(q);
  }

  /* a failed save leaves the previous file as it was */
  {
    size_t n0 = 0, n1 = 0;
    unsigned char *before = slurp(tmp("m.lnt"), &n0), *after;
    ln_optim_step(o, NULL);   /* change the params: a save would differ */
    tap_ok(mkdir(tmp("m.lnt.tmp"), 0755) == 0, "make m.lnt.tmp a directory");
    rc = ln_model_save(m, NULL, tmp("m.lnt"));
    tap_ok(rc == LN_EIO, "save over a directory: LN_EIO, '%s'", ln_errmsg());
    after = slurp(tmp("m.lnt"), &n1);
    tap_ok(before && after && n0 == n1 && memcmp(before, after, n0) == 0,
           "the previous file is byte-identical (%zu bytes)", n1);
    rmdir(tmp("m.lnt.tmp"));
    free(before);
    free(after);
  }

  /* feeding a wrong shape */
  {
    float buf[BATCH * 5] = {0};
    ln_tensor *x = ln_tensor_view(LN_F32, 2, (int[]){BATCH, 5}, buf);
    rc = ln_model_feed(m, "x", x);
    tap_ok(rc == LN_ESHAPE && contains(ln_errmsg(), "'x'"),
           "wrong shape: LN_ESHAPE naming the input, '%s'", ln_errmsg());
    ln_tensor_free(x);
    x = ln_tensor_view(LN_F32, 2, (int[]){BATCH + 1, NIN}, buf);
    rc = ln_model_feed(m, "x", x);
    tap_ok(rc == LN_ESHAPE && contains(ln_errmsg(), "'x'"),
           "batch above the compiled maximum: LN_ESHAPE, '%s'", ln_errmsg());
    ln_tensor_free(x);
  }
  ln_optim_free(o);
  ln_model_free(m);
  unlink(tmp("m.lnt"));
  unlink(tmp("half.lnt"));
}

/* forward before feeding; a loss that is not a scalar */
static void test_errors (void) {
  net nt;
  ln_model *m;
  int rc;
  ln_seed(1);
  if ((m = make_model(&nt, 0)) == NULL) return;
  rc = ln_model_forward(m, 0);
  tap_ok(rc != LN_OK && contains(ln_errmsg(), "'x'"),
         "forward without feeding names the input: '%s'", ln_errmsg());
  {
    ln_tensor *x = ln_tensor_view(LN_F32, 2, (int[]){BATCH, NIN}, data_x[0]);
    ln_model_feed(m, "x", x);
    ln_tensor_free(x);
  }
  rc = ln_model_forward(m, 1);
  tap_ok(rc != LN_OK && contains(ln_errmsg(), "'y'"),
         "forward with 'y' unfed names it: '%s'", ln_errmsg());
  rc = ln_model_backward(m);
  tap_ok(rc == LN_ESTATE, "backward before a forward: LN_ESTATE, '%s'", ln_errmsg());
  ln_model_free(m);

  if (build(&nt, 0) == LN_OK) {
    m = (ln_model *)1;
    rc = ln_model_compile(nt.g, BATCH, nt.logits, 1, &nt.logits, &m);
    tap_ok(rc != LN_OK && m == NULL && contains(ln_errmsg(), "loss must be a scalar"),
           "a non-scalar loss does not compile: '%s'", ln_errmsg());
    ln_graph_free(nt.g);   /* still ours: compile failed */
  } else tap_ok(0, "build (%s)", ln_errmsg());
}

/* the loss sequence of 20 steps from seed 'seed' */
static int run_seq (uint64_t seed, float *loss) {
  net nt;
  ln_model *m;
  ln_optim *o;
  int k, rc = LN_OK;
  ln_seed(seed);
  if ((m = make_model(&nt, WITH_DROPOUT)) == NULL) return LN_EARG;
  if ((o = adam(m)) == NULL) { ln_model_free(m); return LN_EARG; }
  for (k = 0; k < 20 && rc == LN_OK; k++) rc = step(m, o, &nt, k, &loss[k]);
  ln_optim_free(o);
  ln_model_free(m);
  return rc;
}

static void test_determinism (void) {
  float a[20], b[20], c[20];
  int ra = run_seq(7, a), rb = run_seq(7, b), rc = run_seq(8, c);
  tap_ok(ra == LN_OK && rb == LN_OK && rc == LN_OK, "three 20-step runs");
  tap_ok(memcmp(a, b, sizeof(a)) == 0, "same seed: bit-identical losses "
         "(%.6f ... %.6f)", a[0], a[19]);
  tap_ok(memcmp(a, c, sizeof(a)) != 0, "another seed: other losses");
}

static void test_dropout (void) {
  net nt;
  ln_model *m;
  float t1[BATCH * NCLS], t2[BATCH * NCLS], t3[BATCH * NCLS];
  float e1[BATCH * NCLS], e2[BATCH * NCLS];
  int rc = LN_OK;
  ln_seed(3);
  if ((m = make_model(&nt, WITH_DROPOUT)) == NULL) return;
  ln_seed(100);
  rc |= logits_of(m, &nt, 0, BATCH, 1, t1);
  ln_seed(200);
  rc |= logits_of(m, &nt, 0, BATCH, 1, t2);
  ln_seed(100);
  rc |= logits_of(m, &nt, 0, BATCH, 1, t3);
  ln_seed(100);
  rc |= logits_of(m, &nt, 0, BATCH, 0, e1);
  ln_seed(200);
  rc |= logits_of(m, &nt, 0, BATCH, 0, e2);
  tap_ok(rc == LN_OK, "dropout model runs");
  tap_ok(memcmp(t1, t2, sizeof(t1)) != 0, "training: two seeds, two outputs");
  tap_ok(memcmp(t1, t3, sizeof(t1)) == 0, "training: the same seed, the same output");
  tap_ok(memcmp(e1, e2, sizeof(e1)) == 0, "eval: the same output whatever the seed");
  tap_ok(memcmp(e1, t1, sizeof(e1)) != 0, "eval differs from training");
  ln_model_free(m);
}

/* {====== Prepared kernels: made outside the steps ====== */

/*
** A model big enough for oneDNN (with AVX-512; OpenBLAS otherwise): an MLP
** KIN-KHID-KCLS and a small CNN, in float32 and bf16. After one warm-up
** step at the compiled batch and one at a smaller one, steps at either
** batch create no oneDNN primitive and allocate nothing: the kernels were
** prepared at compile and at the first run of each batch size.
*/
#define KIN 64
#define KHID 128
#define KCLS 10
#define KB 32

static int build_big (ln_graph **out, int cnn, int *x, int *y, int *loss) {
  ln_graph *g;
  int h, w1, b1, w2, b2, rc, cw, cb;
  int yd[1] = {LN_BATCH};
  if ((rc = ln_graph_new(&g)) != LN_OK) return rc;
  *out = g;
  if (cnn) {
    int xd[4] = {LN_BATCH, 1, 8, 8}, cwd[4] = {4, 1, 3, 3}, cbd[1] = {4};
    double conv_attr[LN_MAX_ATTRS] = {1, 1, 1, 1}, pool_attr[LN_MAX_ATTRS] = {2, 0, 0};
    int flat[2] = {LN_BATCH, 64};
    rc = ln_graph_input(g, "x", LN_F32, 4, xd, x);
    if (!rc) rc = ln_graph_param(g, "conv.weight", 4, cwd, LN_INIT_KAIMING_UNIFORM, 0, &cw);
    if (!rc) rc = ln_graph_param(g, "conv.bias", 1, cbd, LN_INIT_ZEROS, 0, &cb);
    if (!rc) rc = ln_graph_op(g, ln_op_find("conv2d"), 3, (int[]){*x, cw, cb}, conv_attr, 0, NULL, &h);
    if (!rc) rc = ln_graph_opn(g, "relu", 1, &h, NULL, &h);
    if (!rc) rc = ln_graph_op(g, ln_op_find("max_pool2d"), 1, &h, pool_attr, 0, NULL, &h);
    if (!rc) rc = ln_graph_op(g, ln_op_find("reshape"), 1, &h, NULL, 2, flat, &h);
  } else {
    int xd[2] = {LN_BATCH, KIN};
    rc = ln_graph_input(g, "x", LN_F32, 2, xd, x);
    h = *x;
  }
  if (!rc) rc = ln_graph_input(g, "y", LN_I32, 1, yd, y);
  if (!rc) rc = ln_graph_param(g, "l1.weight", 2, (int[]){KHID, KIN}, LN_INIT_TORCH_DEFAULT, 0, &w1);
  if (!rc) rc = ln_graph_param(g, "l1.bias", 1, (int[]){KHID}, LN_INIT_ZEROS, 0, &b1);
  if (!rc) rc = ln_graph_param(g, "l2.weight", 2, (int[]){KCLS, KHID}, LN_INIT_TORCH_DEFAULT, 0, &w2);
  if (!rc) rc = ln_graph_param(g, "l2.bias", 1, (int[]){KCLS}, LN_INIT_ZEROS, 0, &b2);
  if (!rc) rc = ln_graph_opn(g, "linear", 3, (int[]){h, w1, b1}, NULL, &h);
  if (!rc) rc = ln_graph_opn(g, "relu", 1, &h, NULL, &h);
  if (!rc) rc = ln_graph_opn(g, "linear", 3, (int[]){h, w2, b2}, NULL, &h);
  if (!rc) rc = ln_graph_opn(g, "cross_entropy", 2, (int[]){h, *y}, NULL, loss);
  if (rc) { ln_graph_free(g); *out = NULL; }
  return rc;
}

static void test_prepared (int cnn, ln_precision prec) {
  const char *what = cnn ? "CNN" : "MLP", *pn = prec == LN_BF16 ? "bf16" : "fp32";
  ln_graph *g = NULL;
  ln_model *m = NULL;
  ln_optim *o = NULL;
  ln_optconf conf;
  int x, y, loss, rc, k, b, i, ids[64], n_ids;
  int xd[4] = {KB, 1, 8, 8}, xf[2] = {KB, KIN};
  ln_tensor *xt = ln_tensor_new(LN_F32, cnn ? 4 : 2, cnn ? xd : xf);
  ln_tensor *yt = ln_tensor_new(LN_I32, 1, (int[]){KB});
  ln_tensor *xs = NULL, *ys = NULL;
  long made, calls = 0, dnnl = 0;
#if COUNT_ALLOCS
  struct mallinfo2 ma, mb;
#endif
  char kern[200] = "";
  rc = xt && yt ? build_big(&g, cnn, &x, &y, &loss) : LN_ENOMEM;
  if (rc == LN_OK && (rc = ln_model_compile(g, KB, loss, 0, NULL, &m)) != LN_OK) ln_graph_free(g);
  if (rc == LN_OK) rc = ln_model_set_precision(m, prec);
  ln_optconf_defaults(LN_OPT_ADAM, &conf);
  if (rc == LN_OK) rc = ln_optim_new(m, LN_OPT_ADAM, &conf, &o);
  if (rc == LN_OK) {
    for (i = 0; i < (int)xt->n; i++) ((float *)xt->data)[i] = (float)((i * 37) % 17) / 17.0f;
    for (i = 0; i < KB; i++) ((int32_t *)yt->data)[i] = i % KCLS;
    xs = ln_tensor_view(LN_F32, xt->ndim, (int[]){KB / 2, xt->dim[1], xt->dim[2], xt->dim[3]}, xt->data);
    ys = ln_tensor_view(LN_I32, 1, (int[]){KB / 2}, yt->data);
    n_ids = ln_model_order(m, ids, 64);
    for (i = 0; i < n_ids && i < 64; i++)
      if (*ln_model_kernel(m, ids[i]))
        snprintf(kern + strlen(kern), sizeof(kern) - strlen(kern), "%s%s",
                 *kern ? "; " : "", ln_model_kernel(m, ids[i]));
  }
  /* warm up: each batch size twice, so that state libgomp and oneDNN make
  ** lazily on a first use (per thread) is in place before the heap is
  ** measured; the steady-state steps are what must not grow the heap */
  for (k = 0; k < 4 && rc == LN_OK; k++)
    if ((b = k % 2, rc = ln_model_feed(m, "x", b ? xs : xt)) == LN_OK &&
        (rc = ln_model_feed(m, "y", b ? ys : yt)) == LN_OK &&
        (rc = ln_model_forward(m, 1)) == LN_OK && (rc = ln_model_backward(m)) == LN_OK)
      rc = ln_optim_step(o, NULL);
  made = ln_dnnl_created();
#if COUNT_ALLOCS
  ma = mallinfo2();
#endif
  for (k = 0; k < 6 && rc == LN_OK; k++) {
    b = k % 2;
#if COUNT_ALLOCS
    __atomic_store_n(&n_calls, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&n_dnnl, 0, __ATOMIC_SEQ_CST);
    __atomic_store_n(&counting, 1, __ATOMIC_SEQ_CST);
#endif
    if ((rc = ln_model_feed(m, "x", b ? xs : xt)) == LN_OK &&
        (rc = ln_model_feed(m, "y", b ? ys : yt)) == LN_OK &&
        (rc = ln_model_forward(m, 1)) == LN_OK && (rc = ln_model_backward(m)) == LN_OK)
      rc = ln_optim_step(o, NULL);
#if COUNT_ALLOCS
    __atomic_store_n(&counting, 0, __ATOMIC_SEQ_CST);
    calls += __atomic_load_n(&n_calls, __ATOMIC_SEQ_CST);
    dnnl += __atomic_load_n(&n_dnnl, __ATOMIC_SEQ_CST);
#endif
  }
  tap_ok(rc == LN_OK, "%s %s: 6 steps at batches %d and %d%s", what, pn, KB, KB / 2, why(rc));
  printf("# %s %s kernels: %s\n", what, pn, kern);
  tap_ok(ln_dnnl_created() == made, "%s %s: no oneDNN primitive made by the steps "
         "(%ld made before, by compile and the first run of each batch)", what, pn, made);
#if COUNT_ALLOCS
  mb = mallinfo2();
  tap_ok(calls == 0, "%s %s: the engine allocates nothing in the steps (%ld calls; "
         "oneDNN's execution bookkeeping: %ld transient calls)", what, pn, calls, dnnl);
  tap_ok(ma.uordblks == mb.uordblks && ma.hblkhd == mb.hblkhd,
         "%s %s: heap in use unchanged by the steps (%zu/%zu, mmap %zu/%zu)", what, pn,
         ma.uordblks, mb.uordblks, ma.hblkhd, mb.hblkhd);
#else
  tap_ok(1, "%s %s allocation counting # SKIP under AddressSanitizer", what, pn);
  tap_ok(1, "%s %s heap check # SKIP under AddressSanitizer", what, pn);
#endif
  ln_tensor_free(xs); ln_tensor_free(ys); ln_tensor_free(xt); ln_tensor_free(yt);
  ln_optim_free(o);
  ln_model_free(m);
}

/*
** A bf16 model keeps its weights converted between runs: after a write
** through a parameter's pointer and ln_params_changed(), it computes what
** a fresh model given the same weights computes.
*/
static int bf16_with_w1 (float scale, int write_after, float *out) {
  net nt;
  ln_model *m;
  ln_tensor *w;
  float first[BATCH * NCLS];
  size_t i;
  int rc;
  ln_seed(11);
  if ((m = make_model(&nt, 0)) == NULL) return LN_EARG;
  rc = ln_model_set_precision(m, LN_BF16);
  if (rc == LN_OK && write_after) rc = logits_of(m, &nt, 0, BATCH, 0, first);
  w = ln_model_value(m, ln_graph_find(nt.g, "linear1.weight"));
  if (rc == LN_OK && w == NULL) rc = LN_EARG;
  if (rc == LN_OK) {
    for (i = 0; i < w->n; i++) ((float *)w->data)[i] *= scale;
    ln_params_changed();
    rc = logits_of(m, &nt, 0, BATCH, 0, out);
  }
  if (rc == LN_OK && write_after && near(first, out, BATCH * NCLS, 0))
    rc = ln_seterr(LN_ESTATE, "the logits did not change");
  ln_tensor_free(w);
  ln_model_free(m);
  return rc;
}

/* a chain of elementwise ops runs in one pass over blocks, allocating nothing */
static void test_chain (void) {
  net nt;
  ln_model *m;
  ln_optim *o;
  int chains = 0, nodes = 0, elided = 0;
  ln_seed(42);
  if ((m = make_model(&nt, WITH_CHAIN)) == NULL) return;
  ln_model_chains(m, &chains, &nodes, &elided);
  tap_ok(chains == 1 && nodes == 3, "one chain of 3 ops (%d, %d; %d in cache only)",
         chains, nodes, elided);
  if ((o = adam(m)) != NULL) count_allocs(m, o, &nt, "the MLP with a chain");
  ln_optim_free(o);
  ln_model_free(m);
}

static void test_params_changed (void) {
  float a[BATCH * NCLS], b[BATCH * NCLS];
  int rc = bf16_with_w1(-0.5f, 1, a);
  if (rc == LN_OK) rc = bf16_with_w1(-0.5f, 0, b);
  tap_ok(rc == LN_OK && near(a, b, BATCH * NCLS, 0), "bf16: a weight written through "
         "its pointer, then ln_params_changed(): the logits change, to a fresh "
         "model's%s", why(rc));
}

/* }====== */

/* {====== The optimizer's fields, clipping, exact restore ====== */

/* the table names every field of ln_optconf once, at its offset, with
** PyTorch's defaults */
static void test_optconf (void) {
  ln_optconf c, d;
  const ln_optfield *f;
  int k, n = 0, ok = 1;
  double *dp[] = {&c.lr, &c.momentum, &c.dampening, &c.weight_decay, &c.beta1,
                  &c.beta2, &c.alpha, &c.eps, &c.clip_norm};
  const char *dn[] = {"lr", "momentum", "dampening", "weight_decay", "beta1",
                      "beta2", "alpha", "eps", "clip_norm"};
  memset(&c, 0, sizeof(c));
  for (k = 0; k < 9; k++) {   /* set by name, read the struct directly */
    int i = ln_optconf_find(dn[k]);
    if (i < 0 || ln_optconf_field(i)->type != LN_OPTF_NUMBER) { ok = 0; continue; }
    ln_optconf_set(&c, i, k + 0.5);
    ok &= *dp[k] == k + 0.5 && ln_optconf_get(&c, i) == k + 0.5;
  }
  k = ln_optconf_find("nesterov");
  ok &= k >= 0 && ln_optconf_field(k)->type == LN_OPTF_BOOL;
  if (k >= 0) { ln_optconf_set(&c, k, 1); ok &= c.nesterov == 1 && ln_optconf_get(&c, k) == 1; }
  while (ln_optconf_field(n)) n++;
  tap_ok(ok && n == 10 && ln_optconf_find("lr2") < 0 && ln_optconf_field(-1) == NULL,
         "optconf: 10 fields, each set and read by name at its own offset");
  ln_optconf_defaults(LN_OPT_ADAM, &d);
  ok = d.lr == 1e-3 && d.beta1 == 0.9 && d.beta2 == 0.999 && d.eps == 1e-8 && d.weight_decay == 0;
  ln_optconf_defaults(LN_OPT_ADAMW, &d);
  ok &= d.weight_decay == 0.01 && d.eps == 1e-8;
  ln_optconf_defaults(LN_OPT_RMSPROP, &d);
  ok &= d.alpha == 0.99 && d.eps == 1e-8 && d.momentum == 0;
  ln_optconf_defaults(LN_OPT_SGD, &d);
  ok &= d.lr == 0.01 && d.momentum == 0 && d.nesterov == 0 && d.clip_norm == 0;
  tap_ok(ok, "optconf defaults: Adam/AdamW/RMSprop eps 1e-8 (PyTorch's), AdamW decay 0.01, "
         "RMSprop alpha 0.99");
  f = ln_optconf_field(ln_optconf_find("nesterov"));
  tap_ok(f && f->kinds == (1u << LN_OPT_SGD) &&
         ln_optconf_field(ln_optconf_find("eps"))->kinds ==
         ((1u << LN_OPT_ADAM) | (1u << LN_OPT_ADAMW) | (1u << LN_OPT_RMSPROP)),
         "optconf: nesterov is SGD's, eps Adam's, AdamW's and RMSprop's");
}

/* NP parameters of one element each, loss = their sum: every gradient 1 */
#define NP 1100
static void test_clip_many (void) {
  ln_graph *g;
  ln_model *m = NULL;
  int ids[NP], k, h, loss, rc = ln_graph_new(&g), ok = 1;
  double norm;
  char name[32];
  for (k = 0; k < NP && rc == LN_OK; k++) {
    snprintf(name, sizeof(name), "p%d", k);
    rc = ln_graph_param(g, name, 1, (int[]){1}, LN_INIT_ONES, 0, &ids[k]);
  }
  h = ids[0];
  for (k = 1; k < NP && rc == LN_OK; k++) rc = ln_graph_opn(g, "add", 2, (int[]){h, ids[k]}, NULL, &h);
  if (rc == LN_OK) rc = ln_graph_opn(g, "sum", 1, &h, NULL, &loss);
  if (rc == LN_OK) rc = ln_model_compile(g, 1, loss, 0, NULL, &m);
  else ln_graph_free(g);
  if (rc == LN_OK) rc = ln_model_forward(m, 1);
  if (rc == LN_OK) rc = ln_model_backward(m);
  tap_ok(rc == LN_OK && ln_model_params(m, NULL, 0) == NP, "a model of %d parameter tensors "
         "runs backward%s", NP, why(rc));
  if (rc != LN_OK) { ln_model_free(m); return; }
  norm = ln_clip_grad_norm(m, 1.0);
  tap_ok(fabs(norm - sqrt((double)NP)) < 1e-9, "clip_grad_norm counts all %d: norm %.6f = "
         "sqrt(%d)", NP, norm, NP);
  for (k = 0; k < NP; k++) {
    ln_tensor *gr = ln_model_gradval(m, ids[k]);
    ok &= gr && fabsf(*(float *)gr->data - (float)(1 / (sqrt((double)NP) + 1e-6))) < 1e-7f;
    ln_tensor_free(gr);
  }
  tap_ok(ok, "and scales every gradient to 1/sqrt(%d), the last ones too", NP);
  norm = ln_clip_grad_norm(m, 0);
  tap_ok(fabs(norm - 1) < 1e-5, "the clipped norm is 1 (%.7f)", norm);
  ln_model_free(m);
}

/* the training position a C loop keeps: its step and the generator */
typedef struct cpos { int step; uint64_t rng[LN_RNG_WORDS]; } cpos;

/* a dropout MLP with Adam at 'seed'; NULL on failure */
static ln_model *dropout_mlp (net *nt, uint64_t seed, ln_optim **o) {
  ln_model *m;
  ln_seed(seed);
  if ((m = make_model(nt, WITH_DROPOUT)) == NULL) return NULL;
  if ((*o = adam(m)) == NULL) { ln_model_free(m); return NULL; }
  return m;
}

static int params_equal (ln_model *a, ln_model *b) {
  int ia[16], ib[16], n = ln_model_params(a, ia, 16), k, ok = n == ln_model_params(b, ib, 16);
  for (k = 0; ok && k < n; k++) {
    ln_tensor *ta = ln_model_value(a, ia[k]), *tb = ln_model_value(b, ib[k]);
    ok = ta && tb && ta->n == tb->n && memcmp(ta->data, tb->data, ta->n * 4) == 0;
    ln_tensor_free(ta);
    ln_tensor_free(tb);
  }
  return ok;
}

/* 10 steps, or 5, a checkpoint, a fresh model and optimizer (another
** seed) restored from it, 5 more: the same bits, dropout included */
static void test_restore (void) {
  net na, nb, nc;
  ln_model *a, *b = NULL, *c = NULL;
  ln_optim *oa, *ob = NULL, *oc = NULL, *os = NULL;
  ln_optconf sc;
  cpos pos, *back = NULL;
  void *extra = NULL;
  size_t n_extra = 0, n = 0;
  float la[10], lb[10];
  unsigned char *file;
  int k, rc = LN_OK;
  if ((a = dropout_mlp(&na, 5, &oa)) == NULL) return;
  for (k = 0; k < 10 && rc == LN_OK; k++) rc = step(a, oa, &na, k, &la[k]);
  if ((b = dropout_mlp(&nb, 5, &ob)) == NULL) rc = LN_EARG;
  for (k = 0; k < 5 && rc == LN_OK; k++) rc = step(b, ob, &nb, k, &lb[k]);
  memset(&pos, 0, sizeof(pos));   /* the padding too: it is written to the file */
  pos.step = 5;
  ln_rng_get(pos.rng);
  if (rc == LN_OK) rc = ln_model_save_ex(b, ob, &pos, sizeof(pos), tmp("ck.lnt"));
  tap_ok(rc == LN_OK, "10 steps; 5 steps and a checkpoint with the loop's position%s", why(rc));
  ln_optim_free(ob); ln_model_free(b); b = NULL;
  if (rc == LN_OK && (b = dropout_mlp(&nb, 99, &ob)) == NULL) rc = LN_EARG;
  if (rc == LN_OK) rc = ln_model_restore(b, ob, tmp("ck.lnt"), &extra, &n_extra);
  back = extra;
  tap_ok(rc == LN_OK && n_extra == sizeof(pos) && back->step == 5 && ln_optim_steps(ob) == 5 &&
         ln_optim_conf(ob)->lr == 1e-2, "restore: the position back, 5 steps, lr%s", why(rc));
  if (rc == LN_OK) rc = ln_rng_set(back->rng);
  for (k = 5; k < 10 && rc == LN_OK; k++) rc = step(b, ob, &nb, k, &lb[k]);
  tap_ok(rc == LN_OK && memcmp(la, lb, sizeof(la)) == 0 && params_equal(a, b),
         "5 + 5 steps through a checkpoint: the losses and parameters of 10, bit for bit%s", why(rc));

  /* refused restores leave the model and optimizer as they were */
  if ((c = dropout_mlp(&nc, 7, &oc)) == NULL) rc = LN_EARG;
  file = rc == LN_OK ? slurp(tmp("ck.lnt"), &n) : NULL;
  if (file) {
    write_file(tmp("ck-half.lnt"), file, n - 9);
    rc = ln_model_restore(c, oc, tmp("ck-half.lnt"), NULL, NULL);
    tap_ok(rc == LN_EFORMAT && contains(ln_errmsg(), "checksum mismatch") &&
           ln_optim_steps(oc) == 0 && !params_equal(c, b),
           "a truncated checkpoint: LN_EFORMAT, nothing changed, '%s'", ln_errmsg());
  }
  ln_optconf_defaults(LN_OPT_SGD, &sc);
  if (c && ln_optim_new(c, LN_OPT_SGD, &sc, &os) == LN_OK) {
    rc = ln_model_restore(c, os, tmp("ck.lnt"), NULL, NULL);
    tap_ok(rc == LN_EARG && contains(ln_errmsg(), "holds adam state, the optimizer is sgd") &&
           !params_equal(c, b), "into SGD: LN_EARG, the parameters unchanged, '%s'", ln_errmsg());
    ln_model *saved = NULL;
    rc = ln_model_restore(c, NULL, tmp("ck.lnt"), NULL, NULL);
    if (rc == LN_OK) rc = ln_model_load(tmp("ck.lnt"), &saved, NULL);
    tap_ok(rc == LN_OK && params_equal(c, saved) && ln_optim_steps(oc) == 0,
           "without an optimizer: the values only%s", why(rc));
    ln_model_free(saved);
  }
  {   /* another graph */
    ln_graph *g;
    ln_model *big = NULL;
    int x, y, loss;
    rc = build_big(&g, 0, &x, &y, &loss);
    if (rc == LN_OK && (rc = ln_model_compile(g, 8, loss, 0, NULL, &big)) != LN_OK) ln_graph_free(g);
    if (rc == LN_OK) {
      rc = ln_model_restore(big, NULL, tmp("ck.lnt"), NULL, NULL);
      tap_ok(rc != LN_OK && contains(ln_errmsg(), "restore:") && contains(ln_errmsg(), "l1.weight"),
             "another graph: refused, naming the parameter, '%s'", ln_errmsg());
    }
    ln_model_free(big);
  }
  free(file);
  free(extra);
  ln_optim_free(os); ln_optim_free(oc); ln_model_free(c);
  ln_optim_free(ob); ln_model_free(b);
  ln_optim_free(oa); ln_model_free(a);
  unlink(tmp("ck.lnt"));
  unlink(tmp("ck-half.lnt"));
}

/* version 3 keeps the configuration by name: a field missing from a file
** takes its default, an unknown name is refused */
static void test_conf_by_name (void) {
  net nt;
  ln_model *m, *m2 = NULL;
  ln_optim *o, *o2 = NULL;
  unsigned char *p;
  size_t n = 0, i, at = 0;
  uint32_t crc;
  int rc;
  ln_seed(1);
  if ((m = make_model(&nt, 0)) == NULL) return;
  if ((o = adam(m)) == NULL) { ln_model_free(m); return; }
  ln_optim_conf(o)->eps = 1e-3;
  ln_optim_conf(o)->beta2 = 0.95;
  rc = ln_model_save(m, o, tmp("byname.lnt"));
  if (rc == LN_OK) rc = ln_model_load(tmp("byname.lnt"), &m2, &o2);
  tap_ok(rc == LN_OK && o2 && ln_optim_conf(o2)->eps == 1e-3 && ln_optim_conf(o2)->beta2 == 0.95 &&
         ln_optim_conf(o2)->lr == 1e-2, "the configuration round-trips by name%s", why(rc));
  ln_optim_free(o2); ln_model_free(m2); o2 = NULL; m2 = NULL;
  p = slurp(tmp("byname.lnt"), &n);
  for (i = 0; p && i + 5 < n; i++)   /* u16 length 3, "eps" */
    if (p[i] == 3 && p[i + 1] == 0 && memcmp(p + i + 2, "eps", 3) == 0) { at = i; break; }
  tap_ok(at > 0, "the file names 'eps'");
  if (at > 0) {
    p[at + 4] = 'z';   /* "epz": a field this luanet does not know */
    crc = (uint32_t)crc32(0L, p, (uInt)(n - 4));
    memcpy(p + n - 4, &crc, 4);
    write_file(tmp("epz.lnt"), p, n);
    rc = ln_model_load(tmp("epz.lnt"), &m2, &o2);
    tap_ok(rc == LN_EFORMAT && m2 == NULL && contains(ln_errmsg(), "unknown optimizer option 'epz'"),
           "an unknown field: LN_EFORMAT, '%s'", ln_errmsg());
    /* drop the pair (2 + 3 + 8 bytes) and count one field less */
    {
      unsigned char *q = malloc(n);
      if (q) {
        size_t lo = 0;
        /* the count byte precedes the first pair, "lr" */
        for (i = 0; i + 4 < n; i++)
          if (p[i] == 2 && p[i + 1] == 0 && memcmp(p + i + 2, "lr", 2) == 0) { lo = i - 1; break; }
        memcpy(q, p, at);
        memcpy(q + at, p + at + 13, n - at - 13);
        q[lo] = (unsigned char)(q[lo] - 1);
        crc = (uint32_t)crc32(0L, q, (uInt)(n - 13 - 4));
        memcpy(q + n - 13 - 4, &crc, 4);
        write_file(tmp("noeps.lnt"), q, n - 13);
        rc = ln_model_load(tmp("noeps.lnt"), &m2, &o2);
        tap_ok(rc == LN_OK && o2 && lo > 0 && p[lo] == 10 && ln_optim_conf(o2)->eps == 1e-8 &&
               ln_optim_conf(o2)->beta2 == 0.95,
               "a file without 'eps': Adam's default 1e-8, the other fields as saved%s", why(rc));
        free(q);
      }
    }
  }
  free(p);
  ln_optim_free(o2); ln_model_free(m2);
  ln_optim_free(o); ln_model_free(m);
  unlink(tmp("byname.lnt")); unlink(tmp("epz.lnt")); unlink(tmp("noeps.lnt"));
}

/* }====== */

int main (void) {
  snprintf(tmpdir, sizeof(tmpdir), "/tmp/ln_test_model.XXXXXX");
  if (mkdtemp(tmpdir) == NULL) { perror("mkdtemp"); return 2; }
  ln_set_threads(1);   /* tiny shapes; and OpenMP creates no threads lazily */
  make_data();
  test_train();
  test_errors();
  test_determinism();
  test_dropout();
  test_chain();
  test_params_changed();
  test_optconf();
  test_clip_many();
  test_restore();
  test_conf_by_name();
  test_prepared(0, LN_FP32);
  test_prepared(0, LN_BF16);
  test_prepared(1, LN_FP32);
  test_prepared(1, LN_BF16);
  rmdir(tmpdir);
  printf("1..%d\n", tap_count);
  return tap_done();
}
