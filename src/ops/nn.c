/*
** nn.c -- neural-network ops: matmul, linear, embedding, softmax,
** log_softmax, cross_entropy, mse, dropout.
*/
#include <math.h>
#include <string.h>
#include "ln_internal.h"

enum { RED_MEAN = 0, RED_SUM, RED_NONE };

/* sums over fixed blocks, so results do not depend on the thread count */
#define SUM_BLOCK 4096

static size_t n_blocks (size_t len) { return (len + SUM_BLOCK - 1) / SUM_BLOCK; }

/* product of dims [0, upto) of a node */
static size_t lead (const ln_node *n, int upto) {
  size_t s = 1;
  int i;
  for (i = 0; i < upto; i++) s *= (size_t)n->dim[i];
  return s;
}

static int need_f32 (const char *op, const ln_node *n, int k) {
  if (n->in[k]->dtype != LN_F32)
    return ln_seterr(LN_EARG, "%s: input %d must be float32", op, k + 1);
  return LN_OK;
}

static void add_to (float *dst, const float *src, size_t len) {
  size_t i;
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (i = 0; i < len; i++) dst[i] += src[i];
}

/* {====== matmul ====== */

static int matmul_shape (ln_node *n) {
  const ln_node *a = n->in[0], *b = n->in[1];
  int i, rc, dim[LN_MAX_DIMS];
  if ((rc = need_f32("matmul", n, 0)) || (rc = need_f32("matmul", n, 1)))
    return rc;
  if (a->ndim < 2 || b->ndim < 2)
    return ln_seterr(LN_ESHAPE, "matmul: inputs %s and %s need at least 2 dims",
                     ln_node_shape(a), ln_node_shape(b));
  if (a->dim[a->ndim - 1] != b->dim[b->ndim - 2])
    return ln_seterr(LN_ESHAPE, "matmul: shapes %s and %s do not fit (%d vs %d)",
                     ln_node_shape(a), ln_node_shape(b), a->dim[a->ndim - 1],
                     b->dim[b->ndim - 2]);
  if (b->ndim != 2) {
    int ok = a->ndim == b->ndim;
    for (i = 0; ok && i < a->ndim - 2; i++) ok = a->dim[i] == b->dim[i];
    if (!ok)
      return ln_seterr(LN_ESHAPE, "matmul: batch dims of %s and %s differ "
                       "(b must match them or be 2-D)", ln_node_shape(a),
                       ln_node_shape(b));
  }
  memcpy(dim, a->dim, sizeof(dim));
  dim[a->ndim - 1] = b->dim[b->ndim - 1];
  ln_set_shape(n, LN_F32, a->ndim, dim);
  return LN_OK;
}

static void matmul_forward (ln_node *n, ln_ctx *c) {
  const ln_node *a = n->in[0], *b = n->in[1];
  int M = a->dim[a->ndim - 2], K = a->dim[a->ndim - 1], N = n->dim[n->ndim - 1];
  size_t t, nb = lead(a, a->ndim - 2);
  (void)c;
  if (b->ndim == 2) {
    ln_gemm(0, 0, (int)nb * M, N, K, 1, a->x, K, b->x, N, 0, n->x, N);
    return;
  }
  for (t = 0; t < nb; t++)
    ln_gemm(0, 0, M, N, K, 1, a->x + t * M * K, K, b->x + t * K * N, N, 0,
            n->x + t * M * N, N);
}

/* da += g b^T, db += a^T g (per batch, or folded when b is shared) */
static void matmul_backward (ln_node *n, ln_ctx *c) {
  ln_node *a = n->in[0], *b = n->in[1];
  int M = a->dim[a->ndim - 2], K = a->dim[a->ndim - 1], N = n->dim[n->ndim - 1];
  size_t t, nb = lead(a, a->ndim - 2);
  float ba = (n->assign & 1u) ? 0 : 1, bb = (n->assign & 2u) ? 0 : 1;
  (void)c;
  if (b->ndim == 2) {
    int rows = (int)nb * M;
    if (a->g) ln_gemm(0, 1, rows, K, N, 1, n->g, N, b->x, N, ba, a->g, K);
    if (b->g) ln_gemm(1, 0, K, N, rows, 1, a->x, K, n->g, N, bb, b->g, N);
    return;
  }
  for (t = 0; t < nb; t++) {
    const float *g = n->g + t * M * N;
    if (a->g)
      ln_gemm(0, 1, M, K, N, 1, g, N, b->x + t * K * N, N, ba, a->g + t * M * K, K);
    if (b->g)
      ln_gemm(1, 0, K, N, M, 1, a->x + t * M * K, K, g, N, bb, b->g + t * K * N, N);
  }
}

/* }====== */

/* {====== linear ====== */

static int linear_shape (ln_node *n) {
  const ln_node *x = n->in[0], *w = n->in[1];
  int k, rc, dim[LN_MAX_DIMS];
  for (k = 0; k < n->n_in; k++)
    if ((rc = need_f32("linear", n, k))) return rc;
  if (x->ndim < 1 || w->ndim != 2 || x->dim[x->ndim - 1] != w->dim[1])
    return ln_seterr(LN_ESHAPE, "linear: input %s and weight %s do not fit "
                     "(weight must be [out, in])", ln_node_shape(x),
                     ln_node_shape(w));
  if (n->n_in == 3 && (n->in[2]->ndim != 1 || n->in[2]->dim[0] != w->dim[0]))
    return ln_seterr(LN_ESHAPE, "linear: bias %s does not fit weight %s",
                     ln_node_shape(n->in[2]), ln_node_shape(w));
  memcpy(dim, x->dim, sizeof(dim));
  dim[x->ndim - 1] = w->dim[0];
  ln_set_shape(n, LN_F32, x->ndim, dim);
  return LN_OK;
}

static void linear_forward (ln_node *n, ln_ctx *c) {
  const ln_node *x = n->in[0], *w = n->in[1];
  int in = w->dim[1], out = w->dim[0];
  size_t r, rows = lead(x, x->ndim - 1);
  (void)c;
  if (n->n_in == 3) {
    const float *b = n->in[2]->x;
    #pragma omp parallel for schedule(static) if (rows * out > LN_PAR_MIN)
    for (r = 0; r < rows; r++) memcpy(n->x + r * out, b, out * sizeof(float));
  }
  ln_gemm(0, 1, (int)rows, out, in, 1, x->x, in, w->x, in,
          n->n_in == 3 ? 1 : 0, n->x, out);
}

static void linear_backward (ln_node *n, ln_ctx *c) {
  ln_node *x = n->in[0], *w = n->in[1];
  int in = w->dim[1], out = w->dim[0];
  size_t rows = lead(x, x->ndim - 1);
  (void)c;
  /* '=' where the plan says this is the gradient's first writer */
  if (x->g) ln_gemm(0, 0, (int)rows, in, out, 1, n->g, out, w->x, in,
                    (n->assign & 1u) ? 0 : 1, x->g, in);
  if (w->g) ln_gemm(1, 0, out, in, (int)rows, 1, n->g, out, x->x, in,
                    (n->assign & 2u) ? 0 : 1, w->g, in);
  if (n->n_in == 3 && n->in[2]->g) {
    float *db = n->in[2]->g;
    int j;
    #pragma omp parallel for schedule(static) if (rows * out > LN_PAR_MIN)
    for (j = 0; j < out; j++) {
      double s = 0;
      size_t r;
      for (r = 0; r < rows; r++) s += n->g[r * out + j];
      db[j] = (n->assign & 4u) ? (float)s : db[j] + (float)s;
    }
  }
}

/* }====== */

/* {====== embedding ====== */

static int embedding_shape (ln_node *n) {
  const ln_node *ids = n->in[0], *w = n->in[1];
  int dim[LN_MAX_DIMS];
  if (ids->dtype != LN_I32)
    return ln_seterr(LN_EARG, "embedding: ids (input 1) must be int32");
  if (w->dtype != LN_F32 || w->ndim != 2)
    return ln_seterr(LN_ESHAPE, "embedding: weight %s must be a float [V, D] "
                     "matrix", ln_node_shape(w));
  if (ids->ndim + 1 > LN_MAX_DIMS)
    return ln_seterr(LN_ESHAPE, "embedding: ids %s have too many dims",
                     ln_node_shape(ids));
  memcpy(dim, ids->dim, sizeof(int) * (size_t)ids->ndim);
  dim[ids->ndim] = w->dim[1];
  ln_set_shape(n, LN_F32, ids->ndim + 1, dim);
  return LN_OK;
}

static int embedding_validate (const ln_node *n) {
  const int32_t *id = LN_XI(n->in[0]);
  size_t i, len = ln_numel(n->in[0]);
  int V = n->in[1]->dim[0];
  for (i = 0; i < len; i++)
    if (id[i] < 0 || id[i] >= V)
      return ln_seterr(LN_EARG, "embedding: id %d out of range [0, %d)",
                       (int)id[i], V);
  return LN_OK;
}

static void embedding_forward (ln_node *n, ln_ctx *c) {
  const int32_t *id = LN_XI(n->in[0]);
  size_t i, len = ln_numel(n->in[0]), D = (size_t)n->in[1]->dim[1];
  (void)c;
  #pragma omp parallel for schedule(static) if (len * D > LN_PAR_MIN)
  for (i = 0; i < len; i++)
    memcpy(n->x + i * D, n->in[1]->x + (size_t)id[i] * D, D * sizeof(float));
}

/* scatter-add by column blocks: each thread owns some columns of every
** row, and visits the ids in order, so sums are deterministic */
static void embedding_backward (ln_node *n, ln_ctx *c) {
  const int32_t *id = LN_XI(n->in[0]);
  float *gw = n->in[1]->g;
  size_t len = ln_numel(n->in[0]);
  int D = n->in[1]->dim[1], blk, nblk = (D + 63) / 64;
  (void)c;
  if (gw == NULL) return;
  #pragma omp parallel for schedule(static) if (len * D > LN_PAR_MIN)
  for (blk = 0; blk < nblk; blk++) {
    int j0 = blk * 64, j1 = j0 + 64 < D ? j0 + 64 : D, j;
    size_t i;
    for (i = 0; i < len; i++) {
      float *dst = gw + (size_t)id[i] * D;
      const float *src = n->g + i * D;
      for (j = j0; j < j1; j++) dst[j] += src[j];
    }
  }
}

/* }====== */

/* {====== softmax, log_softmax ====== */

/* the value split as outer x len x inner around the axis */
typedef struct geom { size_t outer, inner; int len; } geom;

static geom axis_geom (const ln_node *n, int axis) {
  geom g;
  int i;
  g.outer = lead(n, axis);
  g.len = n->dim[axis];
  g.inner = 1;
  for (i = axis + 1; i < n->ndim; i++) g.inner *= (size_t)n->dim[i];
  return g;
}

static int softmax_shape (ln_node *n) {
  const ln_node *x = n->in[0];
  const char *op = ln_node_desc(n)->name;
  int rc;
  if ((rc = need_f32(op, n, 0))) return rc;
  if (ln_axis((int)n->attr[0], x->ndim) < 0)
    return ln_seterr(LN_ESHAPE, "%s: axis %d out of range for %s", op,
                     (int)n->attr[0], ln_node_shape(x));
  ln_set_shape(n, LN_F32, x->ndim, x->dim);
  return LN_OK;
}

/* softmax (or log-softmax) of every line along the axis, max subtracted */
static void softmax_run (ln_node *n, int logsm) {
  geom g = axis_geom(n, ln_axis((int)n->attr[0], n->ndim));
  size_t t, lines = g.outer * g.inner, st = g.inner;
  if (g.len == 0) return;
  #pragma omp parallel for schedule(static) if (lines * g.len > LN_PAR_MIN)
  for (t = 0; t < lines; t++) {
    size_t base = (t / g.inner) * g.len * g.inner + t % g.inner;
    const float *x = n->in[0]->x + base;
    float *y = n->x + base, mx = x[0];
    double s = 0;
    int k;
    for (k = 1; k < g.len; k++) if (x[k * st] > mx) mx = x[k * st];
    if (logsm) {
      float ls;
      for (k = 0; k < g.len; k++) s += exp((double)x[k * st] - mx);
      ls = (float)log(s);
      for (k = 0; k < g.len; k++) y[k * st] = (x[k * st] - mx) - ls;
    } else {
      float inv;
      for (k = 0; k < g.len; k++) s += (y[k * st] = expf(x[k * st] - mx));
      inv = (float)(1.0 / s);
      for (k = 0; k < g.len; k++) y[k * st] *= inv;
    }
  }
}

/* dx += y (g - sum(g y)) or, for log-softmax, dx += g - exp(y) sum(g) */
static void softmax_grad (ln_node *n, int logsm) {
  geom g = axis_geom(n, ln_axis((int)n->attr[0], n->ndim));
  size_t t, lines = g.outer * g.inner, st = g.inner;
  if (n->in[0]->g == NULL) return;
  #pragma omp parallel for schedule(static) if (lines * g.len > LN_PAR_MIN)
  for (t = 0; t < lines; t++) {
    size_t base = (t / g.inner) * g.len * g.inner + t % g.inner;
    const float *y = n->x + base, *dy = n->g + base;
    float *dx = n->in[0]->g + base;
    double s = 0;
    int k;
    for (k = 0; k < g.len; k++) s += logsm ? dy[k * st] : dy[k * st] * y[k * st];
    for (k = 0; k < g.len; k++)
      dx[k * st] += logsm ? dy[k * st] - expf(y[k * st]) * (float)s
                          : y[k * st] * (dy[k * st] - (float)s);
  }
}

static void softmax_forward (ln_node *n, ln_ctx *c) {
  (void)c;
  softmax_run(n, 0);
}

static void softmax_backward (ln_node *n, ln_ctx *c) {
  (void)c;
  softmax_grad(n, 0);
}

static void log_softmax_forward (ln_node *n, ln_ctx *c) {
  (void)c;
  softmax_run(n, 1);
}

static void log_softmax_backward (ln_node *n, ln_ctx *c) {
  (void)c;
  softmax_grad(n, 1);
}

/* }====== */

/* {====== cross_entropy ====== */

static int cross_entropy_shape (ln_node *n) {
  const ln_node *x = n->in[0], *y = n->in[1];
  int red = (int)n->attr[1];
  double eps = n->attr[0];
  if (x->dtype != LN_F32 || x->ndim != 2)
    return ln_seterr(LN_ESHAPE, "cross_entropy: logits %s must be float [N, C]",
                     ln_node_shape(x));
  if (y->dtype != LN_I32)
    return ln_seterr(LN_EARG, "cross_entropy: labels (input 2) must be int32");
  if (y->ndim != 1 || y->dim[0] != x->dim[0])
    return ln_seterr(LN_ESHAPE, "cross_entropy: logits %s and labels %s do not "
                     "match", ln_node_shape(x), ln_node_shape(y));
  if (!(eps >= 0 && eps <= 1))
    return ln_seterr(LN_EARG, "cross_entropy: label_smoothing %g must be in "
                     "[0, 1]", eps);
  if (red < RED_MEAN || red > RED_NONE)
    return ln_seterr(LN_EARG, "cross_entropy: bad reduction %d", red);
  ln_set_shape(n, LN_F32, red == RED_NONE ? 1 : 0, x->dim);
  return LN_OK;
}

static int cross_entropy_validate (const ln_node *n) {
  const int32_t *y = LN_XI(n->in[1]);
  int i, N = n->in[0]->dim[0], C = n->in[0]->dim[1];
  for (i = 0; i < N; i++)
    if (y[i] < 0 || y[i] >= C)
      return ln_seterr(LN_EARG, "cross_entropy: label %d out of range [0, %d)",
                       (int)y[i], C);
  return LN_OK;
}

/* saved: probabilities [N, C], then the labels [N]; work: N row losses */
static void cross_entropy_scratch (const ln_node *n, size_t *saved, size_t *work) {
  size_t N = (size_t)n->in[0]->dim[0], C = (size_t)n->in[0]->dim[1];
  *saved = (N * C + N) * sizeof(float);
  *work = N * sizeof(double);
}

static void cross_entropy_forward (ln_node *n, ln_ctx *c) {
  const float *x = n->in[0]->x;
  const int32_t *y = LN_XI(n->in[1]);
  int i, N = n->in[0]->dim[0], C = n->in[0]->dim[1], red = (int)n->attr[1];
  float *p = n->saved;
  int32_t *lab = (int32_t *)(void *)(p + (size_t)N * C);
  double eps = n->attr[0], *loss = (double *)(void *)c->work;
  #pragma omp parallel for schedule(static) if ((size_t)N * C > LN_PAR_MIN)
  for (i = 0; i < N; i++) {
    const float *xi = x + (size_t)i * C;
    float *pi = p + (size_t)i * C, mx = C ? xi[0] : 0;
    double s = 0, lse, sum_lp = 0;
    int k;
    for (k = 1; k < C; k++) if (xi[k] > mx) mx = xi[k];
    for (k = 0; k < C; k++) s += (pi[k] = expf(xi[k] - mx));
    for (k = 0; k < C; k++) pi[k] = (float)(pi[k] / s);
    lse = mx + log(s);
    for (k = 0; k < C; k++) sum_lp += xi[k] - lse;
    loss[i] = -(1 - eps) * (xi[y[i]] - lse) - (C ? eps / C * sum_lp : 0);
    lab[i] = y[i];
    if (red == RED_NONE) n->x[i] = (float)loss[i];
  }
  if (red != RED_NONE) {
    double s = 0;
    for (i = 0; i < N; i++) s += loss[i];
    n->x[0] = (float)(red == RED_MEAN ? (N ? s / N : 0) : s);
  }
}

/* dx[i, c] += g_i (p[i, c] - (1 - eps) [c == y_i] - eps / C) */
static void cross_entropy_backward (ln_node *n, ln_ctx *c) {
  float *dx = n->in[0]->g;
  const float *p = n->saved;
  int i, N = n->in[0]->dim[0], C = n->in[0]->dim[1], red = (int)n->attr[1];
  const int32_t *lab = (const int32_t *)(const void *)(p + (size_t)N * C);
  float eps = (float)n->attr[0], off = C ? eps / C : 0;
  (void)c;
  if (dx == NULL) return;
  #pragma omp parallel for schedule(static) if ((size_t)N * C > LN_PAR_MIN)
  for (i = 0; i < N; i++) {
    float g = red == RED_NONE ? n->g[i] : red == RED_SUM ? n->g[0] : n->g[0] / N;
    const float *pi = p + (size_t)i * C;
    float *di = dx + (size_t)i * C;
    int k;
    for (k = 0; k < C; k++) di[k] += g * (pi[k] - off);
    di[lab[i]] -= g * (1 - eps);
  }
}

/* }====== */

/* {====== mse ====== */

static int mse_shape (ln_node *n) {
  const ln_node *a = n->in[0], *b = n->in[1];
  int i, rc, red = (int)n->attr[0];
  if ((rc = need_f32("mse", n, 0)) || (rc = need_f32("mse", n, 1))) return rc;
  for (i = 0; i < a->ndim; i++) if (a->dim[i] != b->dim[i]) break;
  if (a->ndim != b->ndim || i < a->ndim)
    return ln_seterr(LN_ESHAPE, "mse: shapes %s and %s differ",
                     ln_node_shape(a), ln_node_shape(b));
  if (red < RED_MEAN || red > RED_NONE)
    return ln_seterr(LN_EARG, "mse: bad reduction %d", red);
  if (red == RED_NONE) ln_set_shape(n, LN_F32, a->ndim, a->dim);
  else ln_set_shape(n, LN_F32, 0, a->dim);
  return LN_OK;
}

static void mse_scratch (const ln_node *n, size_t *saved, size_t *work) {
  *saved = 0;
  *work = n_blocks(ln_numel(n->in[0])) * sizeof(double);
}

static void mse_forward (ln_node *n, ln_ctx *c) {
  const float *a = n->in[0]->x, *b = n->in[1]->x;
  size_t t, len = ln_numel(n->in[0]), nb = n_blocks(len);
  double *part = (double *)(void *)c->work, s = 0;
  int red = (int)n->attr[0];
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (t = 0; t < nb; t++) {
    size_t i, i1 = (t + 1) * SUM_BLOCK < len ? (t + 1) * SUM_BLOCK : len;
    double ps = 0;
    for (i = t * SUM_BLOCK; i < i1; i++) {
      float d = a[i] - b[i];
      if (red == RED_NONE) n->x[i] = d * d;
      else ps += (double)d * d;
    }
    part[t] = ps;
  }
  if (red == RED_NONE) return;
  for (t = 0; t < nb; t++) s += part[t];
  n->x[0] = (float)(red == RED_MEAN ? (len ? s / len : 0) : s);
}

static void mse_backward (ln_node *n, ln_ctx *c) {
  const float *a = n->in[0]->x, *b = n->in[1]->x;
  float *da = n->in[0]->g, *db = n->in[1]->g;
  size_t i, len = ln_numel(n->in[0]);
  int red = (int)n->attr[0];
  float k = red == RED_NONE ? 2.0f : 2.0f * n->g[0] / (red == RED_MEAN ? len : 1);
  (void)c;
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (i = 0; i < len; i++) {
    float d = (a[i] - b[i]) * (red == RED_NONE ? k * n->g[i] : k);
    if (da) da[i] += d;
    if (db) db[i] -= d;
  }
}

/* }====== */

/* {====== dropout ====== */

static int dropout_shape (ln_node *n) {
  double p = n->attr[0];
  int rc;
  if ((rc = need_f32("dropout", n, 0))) return rc;
  if (!(p >= 0 && p < 1))
    return ln_seterr(LN_EARG, "dropout: p %g must be in [0, 1)", p);
  ln_set_shape(n, LN_F32, n->in[0]->ndim, n->in[0]->dim);
  return LN_OK;
}

/* saved: the mask (0 or 1/(1-p) per element) */
static void dropout_scratch (const ln_node *n, size_t *saved, size_t *work) {
  *saved = ln_numel(n) * sizeof(float);
  *work = 0;
}

static void dropout_forward (ln_node *n, ln_ctx *c) {
  const float *x = n->in[0]->x;
  float *mask = n->saved, p = (float)n->attr[0], scale = 1.0f / (1.0f - p);
  size_t i, len = ln_numel(n);
  if (!c->training) {
    memcpy(n->x, x, len * sizeof(float));
    return;
  }
  for (i = 0; i < len; i++)   /* one stream, in element order */
    mask[i] = ln_rand_uniform() >= p ? scale : 0.0f;
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (i = 0; i < len; i++) n->x[i] = x[i] * mask[i];
}

static void dropout_backward (ln_node *n, ln_ctx *c) {
  float *dx = n->in[0]->g;
  const float *mask = n->saved;
  size_t i, len = ln_numel(n);
  if (dx == NULL) return;
  if (!c->training) { add_to(dx, n->g, len); return; }
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (i = 0; i < len; i++) dx[i] += n->g[i] * mask[i];
}

/* }====== */

const ln_opdesc ln_ops_nn[] = {
  {.name = "matmul", .min_in = 2, .max_in = 2, .attrs = "",
   .shape = matmul_shape, .forward = matmul_forward,
   .backward = matmul_backward, .flags = LN_F_SAVE_IN | LN_F_ASSIGN,
   .doc = "a [..., M, K] x b [..., K, N] (or b [K, N]) -> [..., M, N]"},
  {.name = "linear", .min_in = 2, .max_in = 3, .attrs = "",
   .shape = linear_shape, .forward = linear_forward,
   .backward = linear_backward, .flags = LN_F_SAVE_IN | LN_F_ASSIGN,
   .doc = "y = x W^T + b; x [..., in], W [out, in], b [out] optional"},
  {.name = "embedding", .min_in = 2, .max_in = 2, .attrs = "",
   .shape = embedding_shape, .forward = embedding_forward,
   .backward = embedding_backward, .validate = embedding_validate,
   .flags = LN_F_SAVE_IN,
   .doc = "y[..., :] = weight[ids[...], :]; ids int32, weight [V, D]"},
  {.name = "softmax", .min_in = 1, .max_in = 1, .attrs = "axis=-1",
   .shape = softmax_shape, .forward = softmax_forward,
   .backward = softmax_backward, .flags = LN_F_SAVE_OUT,
   .doc = "y = exp(x - max) / sum(exp(x - max)) along axis"},
  {.name = "log_softmax", .min_in = 1, .max_in = 1, .attrs = "axis=-1",
   .shape = softmax_shape, .forward = log_softmax_forward,
   .backward = log_softmax_backward, .flags = LN_F_SAVE_OUT,
   .doc = "y = x - max - log(sum(exp(x - max))) along axis"},
  {.name = "cross_entropy", .min_in = 2, .max_in = 2,
   .attrs = "label_smoothing=0,reduction=mean|sum|none",
   .shape = cross_entropy_shape, .scratch = cross_entropy_scratch,
   .forward = cross_entropy_forward, .backward = cross_entropy_backward,
   .validate = cross_entropy_validate, .flags = LN_F_NOGRAD_IN1,
   .doc = "-(1-e) logp[y] - e/C sum(logp); logits [N, C], labels [N] int32"},
  {.name = "mse", .min_in = 2, .max_in = 2, .attrs = "reduction=mean|sum|none",
   .shape = mse_shape, .scratch = mse_scratch, .forward = mse_forward,
   .backward = mse_backward, .flags = LN_F_SAVE_IN,
   .doc = "mean((a - b)^2)"},
  {.name = "dropout", .min_in = 1, .max_in = 1, .attrs = "p=0.5",
   .shape = dropout_shape, .scratch = dropout_scratch,
   .forward = dropout_forward, .backward = dropout_backward,
   .flags = LN_F_RANDOM,
   .doc = "training: y = x * mask / (1 - p), mask ~ Bernoulli(1 - p); else x"},
  {0}
};
