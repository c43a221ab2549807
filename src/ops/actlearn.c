/*
** actlearn.c -- activations with learnable parameters, taken as extra op
** inputs (graph parameters): prelu and swish (one per channel or shared),
** poly_relu, poly_norm (PolyCom), clipped_relu (ProAct), dice (DIN), ash
** (Adaptive SwisH), rbf and rbf_kernel, tau_gate (Dopamine),
** series_informed (PanGu-pi), soft_threshold_lif (UltraLIF). The fixed
** activations are in act.c.
**
** Sums into parameter gradients run over fixed blocks (or fixed rows) and
** are then added in order, so results do not depend on the thread count.
*/
#include <string.h>
#include "ln_ops.h"

#define CBLK 256
#define PI_D 3.14159265358979323846

/* {====== Shared helpers ====== */

/*
** A parameter 'p' fits input 'x' when it has one element (shared by all:
** "layer-wise") or its shape is a suffix of x's shape (one value per
** position of those trailing dims: "neuron-wise" for [N, features]).
** Element i of x then uses p[i % numel(p)].
*/
static int fits_suffix (const ln_node *x, const ln_node *p) {
  int i;
  if (ln_numel(p) == 1) return 1;
  if (p->ndim > x->ndim || p->ndim == 0) return 0;
  for (i = 0; i < p->ndim; i++)
    if (p->dim[i] != x->dim[x->ndim - p->ndim + i]) return 0;
  return 1;
}

static int check_param (const ln_node *n, int k, const char *what) {
  int rc = ln_need_f32(n, k, what);
  if (rc != LN_OK) return rc;
  if (!fits_suffix(n->in[0], n->in[k]))
    return ln_seterr(LN_ESHAPE, "%s: %s %s does not fit input %s (one value, "
                     "or one per position of the trailing dims)", ln_opname(n),
                     what, ln_node_shape(n->in[k]), ln_node_shape(n->in[0]));
  return LN_OK;
}

/* a 1-D parameter of 'len' elements ([n] vectors of coefficients) */
static int check_vector (const ln_node *n, int k, const char *what) {
  int rc = ln_need_f32(n, k, what);
  if (rc != LN_OK) return rc;
  if (n->in[k]->ndim != 1 || n->in[k]->dim[0] < 1)
    return ln_seterr(LN_ESHAPE, "%s: %s %s must be a non-empty vector",
                     ln_opname(n), what, ln_node_shape(n->in[k]));
  return LN_OK;
}

/*
** dst[j] += sum over rows r of t[r * P + j], for t of 'len' elements and
** a parameter of P elements (P == 1: a scalar sum). Column blocks in
** parallel, rows in order: deterministic.
*/
static void suffix_sum (const float *t, size_t len, size_t P, float *dst,
                        void *work_tail) {
  size_t rows = P ? len / P : 0, b;
  if (P == 1) {
    dst[0] += (float)ln_block_sum(t, len, work_tail);
    return;
  }
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (b = 0; b < P; b += CBLK) {
    double acc[CBLK];
    size_t r, j, w = P - b < CBLK ? P - b : CBLK;
    for (j = 0; j < w; j++) acc[j] = 0;
    for (r = 0; r < rows; r++)
      for (j = 0; j < w; j++) acc[j] += t[r * P + b + j];
    for (j = 0; j < w; j++) dst[b + j] += (float)acc[j];
  }
}


/* }====== */

/* {====== prelu and swish: a per-channel (or shared) parameter ====== */

/*
** x seen as N x C x inner: N = dim 0, C = dim 1 (the channel, as PyTorch's
** prelu), inner = the product of the rest; a shared parameter (one
** element) uses C = 1. Inputs with fewer than 2 dims have no channel dim.
*/
typedef struct cgeom { size_t rows, inner, nb; int C; } cgeom;

static cgeom chan_geom (const ln_node *n) {
  const ln_node *x = n->in[0];
  cgeom g;
  size_t len = ln_numel(x);
  g.C = ln_numel(n->in[1]) == 1 ? 1 : x->dim[1];
  g.inner = len;
  if (x->ndim >= 2 && len > 0)
    g.inner = len / ((size_t)x->dim[0] * (size_t)x->dim[1]);
  g.rows = g.inner ? len / g.inner : 0;   /* N x dim 1 (one row: ndim < 2) */
  g.nb = (g.inner + LN_SUM_BLOCK - 1) / LN_SUM_BLOCK;   /* blocks per row */
  return g;
}

/* weight: 1 element, or [C] with C = dim 1 of the input */
static int chan_shape (ln_node *n) {
  const char *op = ln_node_desc(n)->name;
  const ln_node *x = n->in[0], *w = n->in[1];
  int rc;
  if ((rc = ln_need_f32(n, 0, "input")) || (rc = ln_need_f32(n, 1, "weight")))
    return rc;
  if (ln_numel(w) != 1 &&
      (w->ndim != 1 || x->ndim < 2 || w->dim[0] != x->dim[1]))
    return ln_seterr(LN_ESHAPE, "%s: weight %s does not fit input %s (one "
                     "element, or one per channel: dim 2 of the input)", op,
                     ln_node_shape(w), ln_node_shape(x));
  ln_set_shape(n, LN_F32, x->ndim, x->dim);
  return LN_OK;
}

/* work: one partial sum per block of each row, for the weight gradient */
static void chan_scratch (const ln_node *n, size_t *saved, size_t *work) {
  cgeom g = chan_geom(n);
  *saved = 0;
  *work = g.rows * g.nb * sizeof(double);
}

/* the value as segments of one weight each: a row of 'inner' elements and
** weight W[r % C]; or, for [N, C] (inner 1, C > 1), a row of C elements,
** element c with weight W[c] (per_el) */
typedef struct cseg { long n, len; int per_el; } cseg;

static cseg chan_segs (const cgeom *g) {
  cseg s;
  s.per_el = g->inner == 1 && g->C > 1;
  s.len = s.per_el ? g->C : (long)g->inner;
  s.n = s.per_el ? (long)g->rows / g->C : (long)g->rows;
  return s;
}

/* dw[c] += sum over the N rows of pe[r * C + c], in row order */
static void chan_col_sums (const double *pe, long N, int C, float *gw) {
  int c;
  #pragma omp parallel for schedule(static) if ((size_t)N * C > LN_PAR_MIN)
  for (c = 0; c < C; c++) {
    double s = 0;
    long r;
    for (r = 0; r < N; r++) s += pe[r * C + c];
    gw[c] += (float)s;
  }
}

/*
** CHAN(op, F, DX, DW): y = F of v = x[i] and w = the element's weight;
** dx += g DX, dw[c] += sum over its elements of g DW. The segment kernels
** are vectorised (LN_VEC); the weight sums go through fixed blocks (one
** partial per block of a row, added in order; per element for [N, C]), so
** they do not depend on the thread count.
*/
#define CHAN(op, F, DX, DW) \
  /* one segment: weights wv[j] (per element) or the one weight ws */ \
  LN_VEC static void op##_fwd_seg (const float *x, float *y, const float *wv, \
                                   float ws, long len) { \
    long j; \
    if (wv) { \
      _Pragma("omp simd") \
      for (j = 0; j < len; j++) { const float v = x[j], w = wv[j]; y[j] = (F); } \
    } else { \
      const float w = ws; \
      _Pragma("omp simd") \
      for (j = 0; j < len; j++) { const float v = x[j]; y[j] = (F); } \
    } \
  } \
  /* gx += g DX (gx != NULL); when pe != NULL, g DW per element into pe \
  ** (wv) or summed and returned (ws) */ \
  LN_VEC static double op##_bwd_seg (const float *x, const float *gy, float *gx, \
                                     const float *wv, float ws, double *pe, \
                                     long len) { \
    double s = 0; \
    long j; \
    if (wv) { \
      if (gx) { \
        _Pragma("omp simd") \
        for (j = 0; j < len; j++) { \
          const float v = x[j], w = wv[j], g = gy[j]; (void)w; gx[j] += g * (DX); } \
      } \
      if (pe) { \
        _Pragma("omp simd") \
        for (j = 0; j < len; j++) { \
          const float v = x[j], w = wv[j], g = gy[j]; (void)w; pe[j] = (double)(g * (DW)); } \
      } \
    } else { \
      const float w = ws; \
      (void)w; \
      if (gx) { \
        _Pragma("omp simd") \
        for (j = 0; j < len; j++) { const float v = x[j], g = gy[j]; gx[j] += g * (DX); } \
      } \
      if (pe) { \
        _Pragma("omp simd reduction(+ : s)") \
        for (j = 0; j < len; j++) { \
          const float v = x[j], g = gy[j]; s += (double)(g * (DW)); } \
      } \
    } \
    return s; \
  } \
  static void op##_forward (ln_node *n, ln_ctx *c) { \
    const float *x = n->in[0]->x, *W = n->in[1]->x; \
    cgeom gm = chan_geom(n); \
    cseg sg = chan_segs(&gm); \
    long r, len = (long)ln_numel(n); \
    (void)c; \
    _Pragma("omp parallel for schedule(static) if (len > LN_PAR_MIN)") \
    for (r = 0; r < sg.n; r++) \
      op##_fwd_seg(x + r * sg.len, n->x + r * sg.len, sg.per_el ? W : NULL, \
                   sg.per_el ? 0.0f : W[r % gm.C], sg.len); \
  } \
  static void op##_backward (ln_node *n, ln_ctx *c) { \
    const float *x = n->in[0]->x, *W = n->in[1]->x, *gy = n->g; \
    float *gx = n->in[0]->g, *gw = n->in[1]->g; \
    double *part = (double *)(void *)c->work; \
    cgeom gm = chan_geom(n); \
    cseg sg = chan_segs(&gm); \
    long t, len = (long)ln_numel(n), nt = (long)(gm.rows * gm.nb); \
    if (sg.per_el) { \
      _Pragma("omp parallel for schedule(static) if (len > LN_PAR_MIN)") \
      for (t = 0; t < sg.n; t++) { \
        size_t at = (size_t)t * (size_t)sg.len; \
        op##_bwd_seg(x + at, gy + at, gx ? gx + at : NULL, W, 0.0f, \
                     gw ? part + at : NULL, sg.len); \
      } \
      if (gw) chan_col_sums(part, sg.n, gm.C, gw); \
      return; \
    } \
    _Pragma("omp parallel for schedule(static) if (len > LN_PAR_MIN)") \
    for (t = 0; t < nt; t++) { \
      size_t r = (size_t)t / gm.nb, b = (size_t)t % gm.nb; \
      size_t j0 = b * LN_SUM_BLOCK, j1 = j0 + LN_SUM_BLOCK < gm.inner ? j0 + LN_SUM_BLOCK : gm.inner; \
      size_t at = r * gm.inner + j0; \
      part[t] = op##_bwd_seg(x + at, gy + at, gx ? gx + at : NULL, NULL, \
                             W[r % gm.C], gw ? part : NULL, (long)(j1 - j0)); \
    } \
    if (gw) { \
      size_t r, b; \
      for (r = 0; r < gm.rows; r++) { \
        double s = 0; \
        for (b = 0; b < gm.nb; b++) s += part[r * gm.nb + b]; \
        gw[r % gm.C] += (float)s; \
      } \
    } \
  }

/* He et al. 2015 (arXiv:1502.01852): y = x (x > 0), w x
** otherwise; dy/dw = x where x <= 0 */
CHAN(prelu, v > 0.0f ? v : w * v, v > 0.0f ? 1.0f : w, v > 0.0f ? 0.0f : v)
/* Ramachandran et al. 2017 (arXiv:1710.05941): y = x sigmoid(beta x);
** dy/dx = s + beta x s (1 - s), dy/dbeta = x^2 s (1 - s), with s (1 - s)
** from ln_sigmoidf_d so that both are 0, not NaN, far out */
CHAN(swish, v * ln_sigmoidf(w * v), ln_sigmoidf(w * v) + (w * v) * ln_sigmoidf_d(w * v),
     v * (v * ln_sigmoidf_d(w * v)))

/* }====== */

/* {====== poly_relu, poly_norm (PolyCom) ====== */

/*
** Zhuo et al. 2024, "Polynomial Composition Activations", arXiv:2411.03884,
** and its public code (github.com/BryceZhuo/PolyCom): PolyReLU(x) =
** sum_{i=1..r} w_i relu(x)^i + b, PolyNorm(x) = sum_i w_i norm(x^i) + b with
** norm(u) = u / sqrt(mean_lastdim(u^2) + eps), eps = 1e-6; r = 3, w_i = 1/r,
** b = 0. Here w[i-1] multiplies the i-th power (the paper's a_i); the
** public code stores the same weights highest power first.
*/
static int poly_shape (ln_node *n) {
  int rc;
  if ((rc = ln_need_f32(n, 0, "input")) || (rc = check_vector(n, 1, "weight")) ||
      (rc = ln_check_scalar(n, 2, "bias")))
    return rc;
  if (n->in[1]->dim[0] > 16)
    return ln_seterr(LN_ESHAPE, "%s: weight %s: at most 16 powers", ln_opname(n),
                     ln_node_shape(n->in[1]));
  if (strcmp(ln_opname(n), "poly_norm") == 0) {
    if (n->in[0]->ndim < 1)
      return ln_seterr(LN_ESHAPE, "poly_norm: input %s needs a last dim to "
                       "normalise over", ln_node_shape(n->in[0]));
    if (!(n->attr[0] > 0))
      return ln_seterr(LN_EARG, "poly_norm: eps %g must be positive", n->attr[0]);
  }
  return ln_shape_like_x(n);
}

/* work: block partials of r + 1 sums */
static void poly_relu_scratch (const ln_node *n, size_t *saved, size_t *work) {
  *saved = 0;
  *work = ln_n_blocks(ln_numel(n)) * (size_t)(n->in[1]->dim[0] + 1) * sizeof(double);
}

static void poly_relu_forward (ln_node *n, ln_ctx *c) {
  const float *x = n->in[0]->x, *w = n->in[1]->x;
  float b = n->in[2]->x[0];
  long i, len = (long)ln_numel(n);
  int r = n->in[1]->dim[0];
  (void)c;
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (i = 0; i < len; i++) {
    float v = x[i] > 0.0f ? x[i] : 0.0f, p = v, s = b;
    int k;
    for (k = 0; k < r; k++) { s += w[k] * p; p *= v; }
    n->x[i] = s;
  }
}

/* dx = g sum_i i w_i relu^(i-1) (x > 0); dw_i = sum g relu^i; db = sum g */
static void poly_relu_backward (ln_node *n, ln_ctx *c) {
  const float *x = n->in[0]->x, *w = n->in[1]->x, *gy = n->g;
  float *dx = n->in[0]->g, *dw = n->in[1]->g, *db = n->in[2]->g;
  size_t len = ln_numel(n), nb = ln_n_blocks(len), blk;
  int r = n->in[1]->dim[0], k, R = r + 1;
  double *part = (double *)(void *)c->work;
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (blk = 0; blk < nb; blk++) {
    size_t i, i1 = (blk + 1) * LN_SUM_BLOCK < len ? (blk + 1) * LN_SUM_BLOCK : len;
    double acc[17];
    int j;
    for (j = 0; j < R; j++) acc[j] = 0;
    for (i = blk * LN_SUM_BLOCK; i < i1; i++) {
      float v = x[i] > 0.0f ? x[i] : 0.0f, g = gy[i], p = 1.0f, d = 0.0f;
      for (j = 0; j < r; j++) {
        d += (float)(j + 1) * w[j] * p;    /* p = v^j here */
        p *= v;
        acc[j] += (double)g * p;           /* p = v^(j+1) */
      }
      acc[r] += g;
      if (dx && x[i] > 0.0f) dx[i] += g * d;
    }
    for (j = 0; j < R; j++) part[blk * R + j] = acc[j];
  }
  for (k = 0; k < R; k++) {
    double s = 0;
    for (blk = 0; blk < nb; blk++) s += part[blk * R + k];
    if (k < r && dw) dw[k] += (float)s;
    if (k == r && db) db[0] += (float)s;
  }
}

/* saved: 1/sqrt(mean(u_i^2) + eps) per row and power; work: row partials */
static void poly_norm_scratch (const ln_node *n, size_t *saved, size_t *work) {
  size_t D = (size_t)n->in[0]->dim[n->in[0]->ndim - 1];
  size_t rows = D ? ln_numel(n) / D : 0, r = (size_t)n->in[1]->dim[0];
  *saved = rows * r * sizeof(double);
  *work = rows * (r + 1) * sizeof(double);
}

static inline double ipow (double v, int i) {
  double p = 1;
  while (i-- > 0) p *= v;
  return p;
}

static void poly_norm_forward (ln_node *n, ln_ctx *c) {
  const float *x = n->in[0]->x, *w = n->in[1]->x;
  int D = n->in[0]->dim[n->in[0]->ndim - 1], r = n->in[1]->dim[0];
  size_t rows = D ? ln_numel(n) / (size_t)D : 0, t;
  double *inv = n->saved, eps = n->attr[0];
  float b = n->in[2]->x[0];
  (void)c;
  #pragma omp parallel for schedule(static) if (ln_numel(n) > LN_PAR_MIN)
  for (t = 0; t < rows; t++) {
    const float *xr = x + t * D;
    float *yr = n->x + t * D;
    int i, j;
    for (j = 0; j < D; j++) yr[j] = b;
    for (i = 1; i <= r; i++) {
      double ss = 0, k;
      for (j = 0; j < D; j++) { double u = ipow(xr[j], i); ss += u * u; }
      k = 1.0 / sqrt(ss / D + eps);
      inv[t * r + i - 1] = k;
      for (j = 0; j < D; j++) yr[j] += (float)(w[i - 1] * ipow(xr[j], i) * k);
    }
  }
}

/*
** Per row and power i, with u = x^i, k = 1/sqrt(mean(u^2) + eps), n = u k
** and gn = g w_i: dw_i += sum g n; du_j = k gn_j - k^3 u_j mean(gn u);
** dx_j += du_j i x_j^(i-1); db += sum g.
*/
static void poly_norm_backward (ln_node *n, ln_ctx *c) {
  const float *x = n->in[0]->x, *w = n->in[1]->x, *gy = n->g;
  float *dx = n->in[0]->g, *dw = n->in[1]->g, *db = n->in[2]->g;
  int D = n->in[0]->dim[n->in[0]->ndim - 1], r = n->in[1]->dim[0], i;
  size_t rows = D ? ln_numel(n) / (size_t)D : 0, t;
  const double *inv = n->saved;
  double *part = (double *)(void *)c->work;
  #pragma omp parallel for schedule(static) if (ln_numel(n) > LN_PAR_MIN)
  for (t = 0; t < rows; t++) {
    const float *xr = x + t * D, *gr = gy + t * D;
    float *dr = dx ? dx + t * D : NULL;
    double sg = 0;
    int p, j;
    for (j = 0; j < D; j++) sg += gr[j];
    part[t * (r + 1) + r] = sg;
    for (p = 1; p <= r; p++) {
      double k = inv[t * r + p - 1], sgn = 0, sgu = 0;
      for (j = 0; j < D; j++) {
        double u = ipow(xr[j], p);
        sgn += gr[j] * u * k;
        sgu += gr[j] * w[p - 1] * u;
      }
      part[t * (r + 1) + p - 1] = sgn;
      if (dr == NULL) continue;
      sgu /= D;
      for (j = 0; j < D; j++) {
        double u = ipow(xr[j], p);
        double du = k * gr[j] * w[p - 1] - k * k * k * u * sgu;
        dr[j] += (float)(du * p * ipow(xr[j], p - 1));
      }
    }
  }
  for (i = 0; i <= r; i++) {
    double s = 0;
    for (t = 0; t < rows; t++) s += part[t * (r + 1) + i];
    if (i < r && dw) dw[i] += (float)s;
    if (i == r && db) db[0] += (float)s;
  }
}

/* }====== */

/* {====== clipped_relu ====== */

/*
** Mousavi et al. 2024, "ProAct: Progressive Training for Hybrid Clipped
** Activation Function to Enhance Resilience of DNNs", arXiv:2406.06313:
** y = min(max(0, x), T) with T learnable, one per neuron or one per layer;
** dy/dT = 1 where relu(x) > T. (The paper's hybrid is layer-wise in every
** layer but the last, which is neuron-wise; its public code,
** github.com/hamidmousavi0/reliable-relu-toolbox, initialises T from the
** maximum activation on training data.)
*/
static int clipped_relu_shape (ln_node *n) {
  int rc;
  if ((rc = ln_need_f32(n, 0, "input")) || (rc = check_param(n, 1, "threshold")))
    return rc;
  return ln_shape_like_x(n);
}

static void clipped_relu_scratch (const ln_node *n, size_t *saved, size_t *work) {
  *saved = 0;
  *work = ln_sum_work(ln_numel(n));
}

static void clipped_relu_forward (ln_node *n, ln_ctx *c) {
  const float *x = n->in[0]->x, *T = n->in[1]->x;
  long i, len = (long)ln_numel(n), P = (long)ln_numel(n->in[1]);
  (void)c;
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (i = 0; i < len; i++) {
    float r = x[i] > 0.0f ? x[i] : 0.0f, t = T[i % P];
    n->x[i] = r > t ? t : r;
  }
}

static void clipped_relu_backward (ln_node *n, ln_ctx *c) {
  const float *x = n->in[0]->x, *T = n->in[1]->x, *gy = n->g;
  float *dx = n->in[0]->g, *dT = n->in[1]->g, *t = c->work;
  long i, len = (long)ln_numel(n), P = (long)ln_numel(n->in[1]);
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (i = 0; i < len; i++) {
    float r = x[i] > 0.0f ? x[i] : 0.0f, th = T[i % P];
    int above = r > th;
    if (dx && !above && x[i] > 0.0f) dx[i] += gy[i];
    if (dT) t[i] = above ? gy[i] : 0.0f;
  }
  if (dT) suffix_sum(t, (size_t)len, (size_t)P, dT, ln_work_tail(c, (size_t)len));
}

/* }====== */

/* {====== dice (Deep Interest Network) ====== */

/*
** Zhou et al. 2018, "Deep Interest Network for Click-Through Rate
** Prediction", arXiv:1706.06978: y = p x + (1 - p) alpha x with
** p = sigmoid((x - E[x]) / sqrt(Var[x] + eps)), eps = 1e-8, alpha per
** channel. E, Var per channel (dim 1, over every other dim): batch
** statistics in training, moving the running ones (in[2], in[3]) as
** batch_norm does (momentum, unbiased running variance); running
** statistics at eval.
*/
static int dice_shape (ln_node *n) {
  static const char *const what[] = {"input", "alpha", "running_mean",
                                      "running_var"};
  const ln_node *x = n->in[0];
  int k, rc;
  for (k = 0; k < 4; k++)
    if ((rc = ln_need_f32(n, k, what[k])) != LN_OK) return rc;
  if (x->ndim < 2)
    return ln_seterr(LN_ESHAPE, "dice: input %s must be [N, C, ...]",
                     ln_node_shape(x));
  for (k = 1; k < 4; k++)
    if (n->in[k]->ndim != 1 || n->in[k]->dim[0] != x->dim[1])
      return ln_seterr(LN_ESHAPE, "dice: %s %s does not fit input %s (%d "
                       "channels)", what[k], ln_node_shape(n->in[k]),
                       ln_node_shape(x), x->dim[1]);
  if (!(n->attr[1] > 0) || !(n->attr[0] >= 0 && n->attr[0] <= 1))
    return ln_seterr(LN_EARG, "dice: momentum %g must be in [0, 1] and eps %g "
                     "positive", n->attr[0], n->attr[1]);
  return ln_shape_like_x(n);
}

/* saved: mean and 1/std used per channel */
static void dice_scratch (const ln_node *n, size_t *saved, size_t *work) {
  *saved = 2 * (size_t)n->in[0]->dim[1] * sizeof(float);
  *work = 0;
}

static void dice_forward (ln_node *n, ln_ctx *c) {
  ln_chgeom g = ln_ch_geom(n->in[0]);
  const float *x = n->in[0]->x, *al = n->in[1]->x;
  float *rm = n->in[2]->x, *rv = n->in[3]->x, *mu = n->saved, *istd = mu + g.C;
  double mom = n->attr[0], eps = n->attr[1];
  size_t cnt = g.N * g.hw;
  int ch;
  #pragma omp parallel for schedule(static) if (ln_numel(n) > LN_PAR_MIN)
  for (ch = 0; ch < g.C; ch++) {
    double mean, var;
    size_t i, j;
    if (c->training) {
      ln_channel_stats(x, &g, ch, 0, g.N, &mean, &var);
      rm[ch] = (float)((1 - mom) * rm[ch] + mom * mean);
      rv[ch] = (float)((1 - mom) * rv[ch] +
                       mom * (cnt > 1 ? var * cnt / (cnt - 1) : var));
    } else {
      mean = rm[ch];
      var = rv[ch];
    }
    mu[ch] = (float)mean;
    istd[ch] = (float)(1 / sqrt(var + eps));
    for (i = 0; i < g.N; i++)
      for (j = 0; j < g.hw; j++) {
        size_t at = (i * g.C + ch) * g.hw + j;
        float p = ln_sigmoidf((x[at] - mu[ch]) * istd[ch]);
        n->x[at] = x[at] * (al[ch] + (1.0f - al[ch]) * p);
      }
  }
}

/*
** With z = (x - mean) istd, p = sigmoid(z): dalpha = sum g x (1 - p);
** directly dx = g (alpha + (1 - alpha) p); through z, h = g x (1 - alpha)
** p (1 - p) and, in training, dx += istd / m (m h - sum h - z sum h z)
** (batch_norm's rule), at eval dx += istd h.
*/
static void dice_backward (ln_node *n, ln_ctx *c) {
  ln_chgeom g = ln_ch_geom(n->in[0]);
  const float *x = n->in[0]->x, *al = n->in[1]->x, *mu = n->saved;
  const float *istd = mu + g.C;
  float *dx = n->in[0]->g, *dal = n->in[1]->g;
  size_t m = g.N * g.hw;
  int ch;
  #pragma omp parallel for schedule(static) if (ln_numel(n) > LN_PAR_MIN)
  for (ch = 0; ch < g.C; ch++) {
    double sh = 0, shz = 0, sa = 0;
    size_t i, j;
    for (i = 0; i < g.N; i++)
      for (j = 0; j < g.hw; j++) {
        size_t at = (i * g.C + ch) * g.hw + j;
        float z = (x[at] - mu[ch]) * istd[ch], p = ln_sigmoidf(z), gy = n->g[at];
        double h = (double)gy * x[at] * (1.0f - al[ch]) * p * (1.0f - p);
        sh += h;
        shz += h * z;
        sa += (double)gy * x[at] * (1.0f - p);
      }
    if (dal) dal[ch] += (float)sa;
    if (dx == NULL) continue;
    for (i = 0; i < g.N; i++)
      for (j = 0; j < g.hw; j++) {
        size_t at = (i * g.C + ch) * g.hw + j;
        float z = (x[at] - mu[ch]) * istd[ch], p = ln_sigmoidf(z), gy = n->g[at];
        double h = (double)gy * x[at] * (1.0f - al[ch]) * p * (1.0f - p), d;
        d = gy * (al[ch] + (1.0f - al[ch]) * p);
        if (c->training) d += istd[ch] * (h - sh / m - z * shz / m);
        else d += istd[ch] * h;
        dx[at] += (float)d;
      }
  }
}

/* }====== */

/* {====== ash (Adaptive SwisH) ====== */

/* Acklam's rational function for the tails of the normal quantile */
static double tail (const double *c, const double *d, double q) {
  return (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) /
         ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1);
}

/* the standard normal quantile: Acklam's rational approximation, then one
** Halley step on erfc (error near 1e-15) */
static double probit (double p) {
  static const double a[] = {-3.969683028665376e+01, 2.209460984245205e+02,
    -2.759285104469687e+02, 1.383577518672690e+02, -3.066479806614716e+01,
    2.506628277459239e+00};
  static const double b[] = {-5.447609879822406e+01, 1.615858368580409e+02,
    -1.556989798598866e+02, 6.680131188771972e+01, -1.328068155288572e+01};
  static const double cc[] = {-7.784894002430293e-03, -3.223964580411365e-01,
    -2.400758277161838e+00, -2.549732539343734e+00, 4.374664141464968e+00,
    2.938163982698783e+00};
  static const double d[] = {7.784695709041462e-03, 3.224671290700398e-01,
    2.445134137142996e+00, 3.754408661907416e+00};
  double q, r, x, e, u;
  if (p < 0.02425) {
    q = sqrt(-2 * log(p));
    x = tail(cc, d, q);
  } else if (p > 1 - 0.02425) {
    q = sqrt(-2 * log(1 - p));
    x = -tail(cc, d, q);
  } else {
    q = p - 0.5;
    r = q * q;
    x = (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5])
        * q / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1);
  }
  e = 0.5 * erfc(-x / sqrt(2.0)) - p;
  u = e * sqrt(2 * PI_D) * exp(x * x / 2);
  return x - u / (1 + x * u / 2);
}

/*
** Lee et al. 2022, "Stochastic Adaptive Activation Function" (NeurIPS),
** arXiv:2210.11672: ASH(x) = x sigmoid(a (x - mu_X - z_k sigma_X)), the
** smooth form of x H(x - mu_X - z_k sigma_X), which keeps the top k
** fraction of normally distributed inputs; z_k = Phi^-1(1 - k). The
** paper trains both a and z_k: z is an optional third input (from the
** attribute k when absent). mu_X, sigma_X: mean and (biased) std of each
** sample's inputs (all dims but the first); eps guards sigma_X at 0.
*/
static int ash_shape (ln_node *n) {
  int rc;
  if ((rc = ln_need_f32(n, 0, "input")) || (rc = ln_check_scalar(n, 1, "a")))
    return rc;
  if (n->n_in == 3 && (rc = ln_check_scalar(n, 2, "z")) != LN_OK) return rc;
  if (n->in[0]->ndim < 2)
    return ln_seterr(LN_ESHAPE, "ash: input %s must be [N, ...] with features "
                     "per sample", ln_node_shape(n->in[0]));
  if (!(n->attr[0] > 0 && n->attr[0] < 1) || !(n->attr[1] > 0))
    return ln_seterr(LN_EARG, "ash: k %g must be in (0, 1) and eps %g positive",
                     n->attr[0], n->attr[1]);
  return ln_shape_like_x(n);
}

/* saved: mean and std per sample; work: 2 partial sums per sample */
static void ash_scratch (const ln_node *n, size_t *saved, size_t *work) {
  size_t N = (size_t)n->in[0]->dim[0];
  *saved = 2 * N * sizeof(float);
  *work = 2 * N * sizeof(double);
}

static float ash_z (const ln_node *n) {
  return n->n_in == 3 ? n->in[2]->x[0] : (float)probit(1 - n->attr[0]);
}

static void ash_forward (ln_node *n, ln_ctx *c) {
  const float *x = n->in[0]->x;
  float a = n->in[1]->x[0], z = ash_z(n), *st = n->saved;
  size_t N = (size_t)n->in[0]->dim[0], D = N ? ln_numel(n) / N : 0, s;
  double eps = n->attr[1];
  (void)c;
  #pragma omp parallel for schedule(static) if (ln_numel(n) > LN_PAR_MIN)
  for (s = 0; s < N; s++) {
    const float *xs = x + s * D;
    float *ys = n->x + s * D, mu, sd, th;
    double sum = 0, ss = 0;
    size_t j;
    for (j = 0; j < D; j++) sum += xs[j];
    sum /= D ? D : 1;
    for (j = 0; j < D; j++) ss += (xs[j] - sum) * (xs[j] - sum);
    mu = (float)sum;
    sd = (float)sqrt(ss / (D ? D : 1) + eps);
    st[2 * s] = mu;
    st[2 * s + 1] = sd;
    th = mu + z * sd;
    for (j = 0; j < D; j++) ys[j] = xs[j] * ln_sigmoidf(a * (xs[j] - th));
  }
}

/*
** u_j = a (x_j - mu - z s), sig_j = sigmoid(u_j), c_j = g_j x_j sig_j
** (1 - sig_j): da = sum c_j (x_j - mu - z s), dz = -a s sum c_j; with
** h_j = a c_j: dx_l = g_l sig_l + h_l - sum h / D - z sum h (x_l - mu) /
** (D s).
*/
static void ash_backward (ln_node *n, ln_ctx *c) {
  const float *x = n->in[0]->x, *st = n->saved;
  float a = n->in[1]->x[0], z = ash_z(n), *dx = n->in[0]->g;
  float *da = n->in[1]->g, *dz = n->n_in == 3 ? n->in[2]->g : NULL;
  size_t N = (size_t)n->in[0]->dim[0], D = N ? ln_numel(n) / N : 0, s;
  double *part = (double *)(void *)c->work, sa = 0, sz = 0;
  #pragma omp parallel for schedule(static) if (ln_numel(n) > LN_PAR_MIN)
  for (s = 0; s < N; s++) {
    const float *xs = x + s * D, *gs = n->g + s * D;
    float mu = st[2 * s], sd = st[2 * s + 1], th = mu + z * sd;
    double sc = 0, scd = 0, sh = 0;
    size_t j;
    for (j = 0; j < D; j++) {
      float sg = ln_sigmoidf(a * (xs[j] - th));
      double cj = (double)gs[j] * xs[j] * sg * (1.0f - sg);
      sc += cj;
      scd += cj * (xs[j] - th);
      sh += a * cj;
    }
    part[2 * s] = scd;
    part[2 * s + 1] = -a * sd * sc;
    if (dx == NULL) continue;
    for (j = 0; j < D; j++) {
      float sg = ln_sigmoidf(a * (xs[j] - th));
      double h = a * (double)gs[j] * xs[j] * sg * (1.0f - sg);
      dx[s * D + j] += (float)(gs[j] * sg + h - sh / D -
                               z * sh * (xs[j] - mu) / ((double)D * sd));
    }
  }
  for (s = 0; s < N; s++) { sa += part[2 * s]; sz += part[2 * s + 1]; }
  if (da) da[0] += (float)sa;
  if (dz) dz[0] += (float)sz;
}

/* }====== */

/* {====== rbf, rbf_kernel ====== */

/* widths must be nonzero (checked on values, before each forward) */
static int widths_ok (const ln_node *n, int k) {
  const float *s = n->in[k]->x;
  size_t i, len = ln_numel(n->in[k]);
  for (i = 0; i < len; i++)
    if (!(s[i] != 0.0f) || !isfinite(s[i]))
      return ln_seterr(LN_EARG, "%s: width %g at index %zu (widths must be "
                       "finite and nonzero)", ln_opname(n), s[i], i + 1);
  return LN_OK;
}

static int rbf_validate (const ln_node *n) { return widths_ok(n, 2); }

/*
** Gaussian radial basis unit (Broomhead & Lowe 1988): y = exp(-(x - c)^2 /
** (2 sigma^2)), c and sigma one per unit (a suffix of x's shape) or shared.
** dx = -y (x - c) / sigma^2, dc = -dx, dsigma = y (x - c)^2 / sigma^3.
*/
static int rbf_shape (ln_node *n) {
  int rc;
  if ((rc = ln_need_f32(n, 0, "input")) || (rc = check_param(n, 1, "centre")) ||
      (rc = check_param(n, 2, "width")))
    return rc;
  return ln_shape_like_x(n);
}

static void rbf_scratch (const ln_node *n, size_t *saved, size_t *work) {
  *saved = 0;
  *work = ln_sum_work(ln_numel(n));
}

static void rbf_forward (ln_node *n, ln_ctx *c) {
  const float *x = n->in[0]->x, *cc = n->in[1]->x, *sg = n->in[2]->x;
  long i, len = (long)ln_numel(n), Pc = (long)ln_numel(n->in[1]);
  long Ps = (long)ln_numel(n->in[2]);
  (void)c;
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (i = 0; i < len; i++) {
    double d = (double)x[i] - cc[i % Pc], s = sg[i % Ps];
    n->x[i] = (float)exp(-d * d / (2 * s * s));
  }
}

static void rbf_backward (ln_node *n, ln_ctx *c) {
  const float *x = n->in[0]->x, *cc = n->in[1]->x, *sg = n->in[2]->x;
  float *dx = n->in[0]->g, *dc = n->in[1]->g, *ds = n->in[2]->g, *t = c->work;
  long i, len = (long)ln_numel(n), Pc = (long)ln_numel(n->in[1]);
  long Ps = (long)ln_numel(n->in[2]);
  void *tail = ln_work_tail(c, (size_t)len);
  if (dx || dc) {
    #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
    for (i = 0; i < len; i++) {
      double d = (double)x[i] - cc[i % Pc], s = sg[i % Ps];
      float v = (float)(-n->g[i] * n->x[i] * d / (s * s));
      if (dx) dx[i] += v;
      if (dc) t[i] = -v;
    }
    if (dc) suffix_sum(t, (size_t)len, (size_t)Pc, dc, tail);
  }
  if (ds) {
    #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
    for (i = 0; i < len; i++) {
      double d = (double)x[i] - cc[i % Pc], s = sg[i % Ps];
      t[i] = (float)(n->g[i] * n->x[i] * d * d / (s * s * s));
    }
    suffix_sum(t, (size_t)len, (size_t)Ps, ds, tail);
  }
}

/*
** The RBF layer's kernel: x [..., D], centres [K, D], widths [K] ->
** y [..., K], y_k = exp(-|x - c_k|^2 / (2 sigma_k^2)). Distances summed
** directly (no |x|^2 - 2 x.c + |c|^2 cancellation).
*/
static int rbf_kernel_shape (ln_node *n) {
  const ln_node *x = n->in[0], *cc = n->in[1], *s = n->in[2];
  int rc, dim[LN_MAX_DIMS];
  if ((rc = ln_need_f32(n, 0, "input")) || (rc = ln_need_f32(n, 1, "centres")) ||
      (rc = ln_need_f32(n, 2, "widths")))
    return rc;
  if (x->ndim < 1 || cc->ndim != 2 || cc->dim[1] != x->dim[x->ndim - 1])
    return ln_seterr(LN_ESHAPE, "rbf_kernel: input %s and centres %s do not "
                     "fit (centres must be [K, D], D the input's last dim)",
                     ln_node_shape(x), ln_node_shape(cc));
  if (s->ndim != 1 || s->dim[0] != cc->dim[0])
    return ln_seterr(LN_ESHAPE, "rbf_kernel: widths %s must be [K] for centres "
                     "%s", ln_node_shape(s), ln_node_shape(cc));
  memcpy(dim, x->dim, sizeof(dim));
  dim[x->ndim - 1] = cc->dim[0];
  ln_set_shape(n, LN_F32, x->ndim, dim);
  return LN_OK;
}

static int rbf_kernel_validate (const ln_node *n) { return widths_ok(n, 2); }

static void rbf_kernel_forward (ln_node *n, ln_ctx *c) {
  const float *x = n->in[0]->x, *cc = n->in[1]->x, *sg = n->in[2]->x;
  int K = n->in[1]->dim[0], D = n->in[1]->dim[1];
  size_t rows = K ? ln_numel(n) / (size_t)K : 0, r;
  (void)c;
  #pragma omp parallel for schedule(static) if (ln_numel(n) * D > LN_PAR_MIN)
  for (r = 0; r < rows; r++) {
    int k, j;
    for (k = 0; k < K; k++) {
      double d2 = 0, s = sg[k];
      for (j = 0; j < D; j++) {
        double d = (double)x[r * D + j] - cc[(size_t)k * D + j];
        d2 += d * d;
      }
      n->x[r * K + k] = (float)exp(-d2 / (2 * s * s));
    }
  }
}

/* e_rk = g_rk y_rk / sigma_k^2: dx_rj = -sum_k e_rk (x_rj - c_kj),
** dc_kj = sum_r e_rk (x_rj - c_kj), dsigma_k = sum_r e_rk |x_r - c_k|^2 /
** sigma_k */
static void rbf_kernel_backward (ln_node *n, ln_ctx *c) {
  const float *x = n->in[0]->x, *cc = n->in[1]->x, *sg = n->in[2]->x;
  float *dx = n->in[0]->g, *dc = n->in[1]->g, *ds = n->in[2]->g;
  int K = n->in[1]->dim[0], D = n->in[1]->dim[1], k;
  size_t rows = K ? ln_numel(n) / (size_t)K : 0, r;
  (void)c;
  if (dx) {
    #pragma omp parallel for schedule(static) if (ln_numel(n) * D > LN_PAR_MIN)
    for (r = 0; r < rows; r++) {
      int kk, j;
      for (kk = 0; kk < K; kk++) {
        double s = sg[kk], e = n->g[r * K + kk] * n->x[r * K + kk] / (s * s);
        for (j = 0; j < D; j++)
          dx[r * D + j] -= (float)(e * ((double)x[r * D + j] -
                                       cc[(size_t)kk * D + j]));
      }
    }
  }
  if (dc == NULL && ds == NULL) return;
  #pragma omp parallel for schedule(static) if (ln_numel(n) * D > LN_PAR_MIN)
  for (k = 0; k < K; k++) {   /* one centre per thread, rows in order */
    double s = sg[k], sd = 0;
    size_t rr;
    int j;
    for (rr = 0; rr < rows; rr++) {
      double e = n->g[rr * K + k] * n->x[rr * K + k] / (s * s), d2 = 0;
      for (j = 0; j < D; j++) {
        double d = (double)x[rr * D + j] - cc[(size_t)k * D + j];
        d2 += d * d;
        if (dc) dc[(size_t)k * D + j] += (float)(e * d);
      }
      sd += e * d2 / s;
    }
    if (ds) ds[k] += (float)sd;
  }
}

/* }====== */

/* {====== tau_gate (Dopamine) ====== */

/*
** Ghasemlou 2026, "Dopamine: Brain Modes, Not Brains", arXiv:2602.11726:
** activation-space fine-tuning of frozen features with learnable per-neuron
** thresholds tau (init 0) and gains g (init 1). The abstract describes a
** smooth gate in training, hardened at inference; the exact gate could not
** be read from the paper, so three forms are offered:
**   relu:    y = g relu(x - tau)                   (the catalog's form)
**   sigmoid: y = g x sigmoid((x - tau) / temperature)   (smooth gate)
**   hard:    y = g x 1[x > tau]                     (hardened; no dtau)
*/
enum { GATE_RELU = 0, GATE_SIGMOID, GATE_HARD };

static int tau_gate_shape (ln_node *n) {
  int rc;
  if ((rc = ln_need_f32(n, 0, "input")) || (rc = check_param(n, 1, "tau")) ||
      (rc = check_param(n, 2, "gain")))
    return rc;
  if (!(n->attr[1] > 0))
    return ln_seterr(LN_EARG, "tau_gate: temperature %g must be positive",
                     n->attr[1]);
  return ln_shape_like_x(n);
}

static void tau_gate_scratch (const ln_node *n, size_t *saved, size_t *work) {
  *saved = 0;
  *work = ln_sum_work(ln_numel(n));
}

/* the gate's value 'y / g' and its partials in x and tau */
static inline void gate_eval (int mode, float x, float tau, float temp,
                              float *f, float *fx, float *ft) {
  if (mode == GATE_RELU) {
    int on = x > tau;
    *f = on ? x - tau : 0.0f;
    *fx = on ? 1.0f : 0.0f;
    *ft = -*fx;
  } else if (mode == GATE_SIGMOID) {
    float s = ln_sigmoidf((x - tau) / temp), ds = s * (1.0f - s) / temp;
    *f = x * s;
    *fx = s + x * ds;
    *ft = -x * ds;
  } else {
    *f = x > tau ? x : 0.0f;
    *fx = x > tau ? 1.0f : 0.0f;
    *ft = 0.0f;
  }
}

static void tau_gate_forward (ln_node *n, ln_ctx *c) {
  const float *x = n->in[0]->x, *tau = n->in[1]->x, *gn = n->in[2]->x;
  long i, len = (long)ln_numel(n), Pt = (long)ln_numel(n->in[1]);
  long Pg = (long)ln_numel(n->in[2]);
  int mode = (int)n->attr[0];
  float temp = (float)n->attr[1];
  (void)c;
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (i = 0; i < len; i++) {
    float f, fx, ft;
    gate_eval(mode, x[i], tau[i % Pt], temp, &f, &fx, &ft);
    n->x[i] = gn[i % Pg] * f;
  }
}

static void tau_gate_backward (ln_node *n, ln_ctx *c) {
  const float *x = n->in[0]->x, *tau = n->in[1]->x, *gn = n->in[2]->x;
  float *dx = n->in[0]->g, *dt = n->in[1]->g, *dg = n->in[2]->g, *t = c->work;
  long i, len = (long)ln_numel(n), Pt = (long)ln_numel(n->in[1]);
  long Pg = (long)ln_numel(n->in[2]);
  int mode = (int)n->attr[0], pass;
  float temp = (float)n->attr[1];
  void *tail = ln_work_tail(c, (size_t)len);
  for (pass = 0; pass < 2; pass++) {   /* dx and dtau, then dgain */
    if (pass == 0 && !dx && !dt) continue;
    if (pass == 1 && !dg) continue;
    #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
    for (i = 0; i < len; i++) {
      float f, fx, ft, g = n->g[i];
      gate_eval(mode, x[i], tau[i % Pt], temp, &f, &fx, &ft);
      if (pass == 1) { t[i] = g * f; continue; }
      if (dx) dx[i] += g * gn[i % Pg] * fx;
      if (dt) t[i] = g * gn[i % Pg] * ft;
    }
    if (pass == 0 && dt) suffix_sum(t, (size_t)len, (size_t)Pt, dt, tail);
    if (pass == 1) suffix_sum(t, (size_t)len, (size_t)Pg, dg, tail);
  }
}

/* }====== */

/* {====== series_informed (PanGu-pi) ====== */

static inline double gelu_d (double v) { return 0.5 * v * erfc(-v / sqrt(2.0)); }

/* GELU'(v) = Phi(v) + v phi(v) */
static inline double gelu_grad (double v) {
  return 0.5 * erfc(-v / sqrt(2.0)) + v * exp(-0.5 * v * v) / sqrt(2 * PI_D);
}

/*
** Wang et al. 2023, "PanGu-pi: Enhancing Language Model Architectures via
** Nonlinearity Compensation", arXiv:2312.17276: the series informed
** activation sum_{i=1..n} a_i sigma(x + b_i) with learnable scalars a, b
** and sigma = GELU (erf form). n is the length of a and b.
*/
static int series_shape (ln_node *n) {
  int rc;
  if ((rc = ln_need_f32(n, 0, "input")) || (rc = check_vector(n, 1, "a")) ||
      (rc = check_vector(n, 2, "b")))
    return rc;
  if (n->in[1]->dim[0] != n->in[2]->dim[0] || n->in[1]->dim[0] > 16)
    return ln_seterr(LN_ESHAPE, "series_informed: a %s and b %s must have the "
                     "same length, at most 16", ln_node_shape(n->in[1]),
                     ln_node_shape(n->in[2]));
  return ln_shape_like_x(n);
}

static void series_scratch (const ln_node *n, size_t *saved, size_t *work) {
  *saved = 0;
  *work = ln_n_blocks(ln_numel(n)) * 2 * (size_t)n->in[1]->dim[0] * sizeof(double);
}

static void series_forward (ln_node *n, ln_ctx *c) {
  const float *x = n->in[0]->x, *a = n->in[1]->x, *b = n->in[2]->x;
  long i, len = (long)ln_numel(n);
  int m = n->in[1]->dim[0];
  (void)c;
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (i = 0; i < len; i++) {
    double s = 0;
    int k;
    for (k = 0; k < m; k++) s += a[k] * gelu_d((double)x[i] + b[k]);
    n->x[i] = (float)s;
  }
}

/* dx = sum a_k GELU'(x + b_k); da_k = sum g GELU(x + b_k); db_k = sum g
** a_k GELU'(x + b_k) */
static void series_backward (ln_node *n, ln_ctx *c) {
  const float *x = n->in[0]->x, *a = n->in[1]->x, *b = n->in[2]->x;
  float *dx = n->in[0]->g, *da = n->in[1]->g, *db = n->in[2]->g;
  size_t len = ln_numel(n), nb = ln_n_blocks(len), blk;
  int m = n->in[1]->dim[0], k;
  double *part = (double *)(void *)c->work;
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (blk = 0; blk < nb; blk++) {
    size_t i, i1 = (blk + 1) * LN_SUM_BLOCK < len ? (blk + 1) * LN_SUM_BLOCK : len;
    double acc[32];
    int j;
    for (j = 0; j < 2 * m; j++) acc[j] = 0;
    for (i = blk * LN_SUM_BLOCK; i < i1; i++) {
      double g = n->g[i], d = 0;
      for (j = 0; j < m; j++) {
        double v = (double)x[i] + b[j], gg = gelu_grad(v);
        d += a[j] * gg;
        acc[j] += g * gelu_d(v);
        acc[m + j] += g * a[j] * gg;
      }
      if (dx) dx[i] += (float)(g * d);
    }
    for (j = 0; j < 2 * m; j++) part[blk * 2 * m + j] = acc[j];
  }
  for (k = 0; k < 2 * m; k++) {
    double s = 0;
    for (blk = 0; blk < nb; blk++) s += part[blk * 2 * m + k];
    if (k < m && da) da[k] += (float)s;
    if (k >= m && db) db[k - m] += (float)s;
  }
}

/* }====== */

/* {====== soft_threshold_lif (UltraLIF) ====== */

/*
** Minoza 2026, "UltraLIF: Fully Differentiable Spiking Neural Networks via
** Ultradiscretization and Max-Plus Algebra", arXiv:2602.11206, following
** its public code (github.com/JomaMinoza/UltraLIF, the temporal UltraLIF
** neuron). Over time t of x [B, T, ...] per neuron, v_0 = 0:
**   u_t = eps log(exp((v_{t-1} + log beta) / eps) + exp(x_t / eps))
**         (the max-plus relaxation of max(v + log beta, x); eps -> 0: max)
**   s_t = sigmoid((u_t - theta) / eps)      (-> H(u_t - theta) as eps -> 0)
**   v_t = u_t (1 - s_t)                     (soft reset)
** and the output is s_t. This differs from the catalog's first guess
** (v_t = beta v_{t-1} + x_t - theta s_{t-1}, s = eps softplus((v - theta) /
** eps)). eps is learnable (one, or one per neuron) and must be positive;
** the paper's layer keeps it as exp(log eps) clamped to [0.1, 20].
*/
static int lif_shape (ln_node *n) {
  const ln_node *x = n->in[0], *e = n->in[1];
  size_t F;
  int rc;
  if ((rc = ln_need_f32(n, 0, "input")) || (rc = ln_need_f32(n, 1, "eps"))) return rc;
  if (x->ndim < 3)
    return ln_seterr(LN_ESHAPE, "soft_threshold_lif: input %s must be [B, T, "
                     "features...] (time is dim 2)", ln_node_shape(x));
  F = (size_t)x->dim[0] * (size_t)x->dim[1];
  F = F > 0 ? ln_numel(x) / F : 0;
  if (ln_numel(e) != 1 && ln_numel(e) != F)
    return ln_seterr(LN_ESHAPE, "soft_threshold_lif: eps %s does not fit input "
                     "%s (one value, or one per neuron: %zu)", ln_node_shape(e),
                     ln_node_shape(x), F);
  if (!(n->attr[1] > 0 && n->attr[1] <= 1))
    return ln_seterr(LN_EARG, "soft_threshold_lif: beta %g must be in (0, 1]",
                     n->attr[1]);
  return ln_shape_like_x(n);
}

static int lif_validate (const ln_node *n) {
  const float *e = n->in[1]->x;
  size_t i, len = ln_numel(n->in[1]);
  for (i = 0; i < len; i++)
    if (!(e[i] > 0) || !isfinite(e[i]))
      return ln_seterr(LN_EARG, "soft_threshold_lif: eps must be positive, got "
                       "%g at index %zu", e[i], i + 1);
  return LN_OK;
}

/* saved: u_t per element; work: one eps partial per chain (B x F) */
static void lif_scratch (const ln_node *n, size_t *saved, size_t *work) {
  size_t T = (size_t)n->in[0]->dim[1];
  *saved = ln_numel(n) * sizeof(float);
  *work = (T ? ln_numel(n) / T : 0) * sizeof(double);
}

typedef struct lgeom { size_t B, T, F; } lgeom;

static lgeom lif_geom (const ln_node *n) {
  lgeom g;
  g.B = (size_t)n->in[0]->dim[0];
  g.T = (size_t)n->in[0]->dim[1];
  g.F = (g.B > 0 && g.T > 0) ? ln_numel(n) / (g.B * g.T) : 0;
  return g;
}

/* soft max of a and b at temperature e, and the weight of a */
static inline double lse2 (double a, double b, double e, double *pa) {
  double m = a > b ? a : b, ea = exp((a - m) / e), eb = exp((b - m) / e);
  *pa = ea / (ea + eb);
  return m + e * log(ea + eb);
}

static void lif_forward (ln_node *n, ln_ctx *c) {
  lgeom g = lif_geom(n);
  const float *x = n->in[0]->x, *ep = n->in[1]->x;
  float *U = n->saved;
  size_t P = ln_numel(n->in[1]), chains = g.B * g.F, ch;
  double th = n->attr[0], lb = log(n->attr[1]);
  (void)c;
  #pragma omp parallel for schedule(static) if (ln_numel(n) > LN_PAR_MIN)
  for (ch = 0; ch < chains; ch++) {
    size_t b = ch / g.F, f = ch % g.F, t;
    double e = ep[P == 1 ? 0 : f], v = 0, pa;
    for (t = 0; t < g.T; t++) {
      size_t at = (b * g.T + t) * g.F + f;
      double u = lse2(v + lb, x[at], e, &pa), s = ln_sigmoid((u - th) / e);
      U[at] = (float)u;
      n->x[at] = (float)s;
      v = u * (1 - s);
    }
  }
}

/*
** Backward through time per chain, gv = dL/dv_t from later steps:
** du = gs s(1-s)/e + gv (1 - s - u s(1-s)/e); through u = lse(a, x):
** dx = du (1 - p), gv_{t-1} = du p (p the weight of a); eps collects
** gs ds/de + gv (-u ds/de) + du (u - p a - (1-p) x)/e, ds/de = -s(1-s)(u -
** theta)/e^2.
*/
static void lif_backward (ln_node *n, ln_ctx *c) {
  lgeom g = lif_geom(n);
  const float *x = n->in[0]->x, *ep = n->in[1]->x, *U = n->saved, *S = n->x;
  float *dx = n->in[0]->g, *de = n->in[1]->g;
  size_t P = ln_numel(n->in[1]), chains = g.B * g.F, ch;
  double th = n->attr[0], lb = log(n->attr[1]), *part = (double *)(void *)c->work;
  #pragma omp parallel for schedule(static) if (ln_numel(n) > LN_PAR_MIN)
  for (ch = 0; ch < chains; ch++) {
    size_t b = ch / g.F, f = ch % g.F, t;
    double e = ep[P == 1 ? 0 : f], gv = 0, acc = 0;
    for (t = g.T; t-- > 0;) {
      size_t at = (b * g.T + t) * g.F + f, prev = at - g.F;
      double u = U[at], s = S[at], gs = n->g[at], sd = s * (1 - s);
      double a = (t > 0 ? (double)U[prev] * (1 - S[prev]) : 0) + lb, pa;
      double ds_du = sd / e, ds_de = -sd * (u - th) / (e * e), du;
      du = gs * ds_du + gv * (1 - s - u * ds_du);
      acc += gs * ds_de - gv * u * ds_de;
      (void)lse2(a, x[at], e, &pa);
      acc += du * (u - pa * a - (1 - pa) * x[at]) / e;
      if (dx) dx[at] += (float)(du * (1 - pa));
      gv = du * pa;
    }
    part[ch] = acc;
  }
  if (de == NULL) return;
  if (P == 1) {
    double s = 0;
    for (ch = 0; ch < chains; ch++) s += part[ch];
    de[0] += (float)s;
  } else {
    size_t f, b;
    for (f = 0; f < g.F; f++) {
      double s = 0;
      for (b = 0; b < g.B; b++) s += part[b * g.F + f];
      de[f] += (float)s;
    }
  }
}

/* }====== */

#define SI LN_F_SAVE_IN
#define SO LN_F_SAVE_OUT
#define EW LN_F_ELEMWISE

#define CH(op, d, pap) \
  {.name = #op, .min_in = 2, .max_in = 2, .attrs = "", .shape = chan_shape, \
   .scratch = chan_scratch, .forward = op##_forward, \
   .backward = op##_backward, .flags = LN_F_SAVE_IN, .doc = d, .paper = pap}

const ln_opdesc ln_ops_actlearn[] = {
  CH(prelu, "y = x if x > 0 else w_c x; w [C] (C = dim 2 of x) or one "
     "element; dw sums over the rest",
     "He, Zhang, Ren, Sun 2015, Delving Deep into Rectifiers, arXiv:1502.01852"),
  CH(swish, "y = x sigmoid(beta x); beta [C] (C = dim 2 of x) or one "
     "element, learnable",
     "Ramachandran, Zoph, Le 2017, Searching for Activation Functions, "
     "arXiv:1710.05941"),
  {.name = "poly_relu", .min_in = 3, .max_in = 3, .attrs = "",
   .shape = poly_shape, .scratch = poly_relu_scratch,
   .forward = poly_relu_forward, .backward = poly_relu_backward, .flags = SI,
   .doc = "y = sum_i w[i] relu(x)^i + b; w [r] (init 1/r), b [1] (init 0)",
   .paper = "Zhuo et al. 2024, Polynomial Composition Activations: Unleashing "
            "the Dynamics of Large Language Models, arXiv:2411.03884"},
  {.name = "poly_norm", .min_in = 3, .max_in = 3, .attrs = "eps=1e-6",
   .shape = poly_shape, .scratch = poly_norm_scratch,
   .forward = poly_norm_forward, .backward = poly_norm_backward, .flags = SI,
   .doc = "y = sum_i w[i] norm(x^i) + b, norm(u) = u / sqrt(mean_lastdim(u^2) "
          "+ eps)",
   .paper = "Zhuo et al. 2024, Polynomial Composition Activations: Unleashing "
            "the Dynamics of Large Language Models, arXiv:2411.03884"},
  {.name = "clipped_relu", .min_in = 2, .max_in = 2, .attrs = "",
   .shape = clipped_relu_shape, .scratch = clipped_relu_scratch,
   .forward = clipped_relu_forward, .backward = clipped_relu_backward,
   .flags = SI,
   .doc = "y = min(max(0, x), T); T learnable, one per neuron (trailing dims) "
          "or one per layer; dy/dT = 1 where relu(x) > T",
   .paper = "Mousavi et al. 2024, ProAct: Progressive Training for Hybrid "
            "Clipped Activation Function to Enhance Resilience of DNNs, "
            "arXiv:2406.06313"},
  {.name = "dice", .min_in = 4, .max_in = 4, .attrs = "momentum=0.1,eps=1e-8",
   .shape = dice_shape, .scratch = dice_scratch, .forward = dice_forward,
   .backward = dice_backward, .flags = SI,
   .doc = "y = p x + (1 - p) alpha x, p = sigmoid((x - E[x]) / sqrt(Var[x] + "
          "eps)) per channel; batch stats in training, running at eval",
   .paper = "Zhou et al. 2018, Deep Interest Network for Click-Through Rate "
            "Prediction, arXiv:1706.06978"},
  {.name = "ash", .min_in = 2, .max_in = 3, .attrs = "k=0.1,eps=1e-8",
   .shape = ash_shape, .scratch = ash_scratch, .forward = ash_forward,
   .backward = ash_backward, .flags = SI,
   .doc = "y = x sigmoid(a (x - mu - z s)), mu, s per sample; z input or "
          "Phi^-1(1 - k)",
   .paper = "Lee et al. 2022, Stochastic Adaptive Activation Function, "
            "arXiv:2210.11672"},
  {.name = "rbf", .min_in = 3, .max_in = 3, .attrs = "",
   .shape = rbf_shape, .scratch = rbf_scratch, .forward = rbf_forward,
   .backward = rbf_backward, .validate = rbf_validate, .flags = SI | SO,
   .doc = "y = exp(-(x - c)^2 / (2 sigma^2)); c, sigma per unit (trailing "
          "dims) or shared"},
  {.name = "rbf_kernel", .min_in = 3, .max_in = 3, .attrs = "",
   .shape = rbf_kernel_shape, .forward = rbf_kernel_forward,
   .backward = rbf_kernel_backward, .validate = rbf_kernel_validate,
   .flags = SI | SO,
   .doc = "y[..., k] = exp(-|x - c_k|^2 / (2 sigma_k^2)); x [..., D], centres "
          "[K, D], widths [K]"},
  {.name = "tau_gate", .min_in = 3, .max_in = 3,
   .attrs = "mode=relu|sigmoid|hard,temperature=0.1",
   .shape = tau_gate_shape, .scratch = tau_gate_scratch,
   .forward = tau_gate_forward, .backward = tau_gate_backward, .flags = SI,
   .doc = "y = g relu(x - tau) (relu), g x sigmoid((x - tau)/temperature) "
          "(sigmoid), g x 1[x > tau] (hard); tau, g per neuron",
   .paper = "Ghasemlou 2026, Dopamine: Brain Modes, Not Brains, "
            "arXiv:2602.11726"},
  {.name = "series_informed", .min_in = 3, .max_in = 3, .attrs = "",
   .shape = series_shape, .scratch = series_scratch,
   .forward = series_forward, .backward = series_backward, .flags = SI,
   .doc = "y = sum_i a[i] gelu(x + b[i]) (erf GELU); a, b [n]",
   .paper = "Wang et al. 2023, PanGu-pi: Enhancing Language Model "
            "Architectures via Nonlinearity Compensation, arXiv:2312.17276"},
  {.name = "soft_threshold_lif", .min_in = 2, .max_in = 2,
   .attrs = "theta=1,beta=0.9",
   .shape = lif_shape, .scratch = lif_scratch, .forward = lif_forward,
   .backward = lif_backward, .validate = lif_validate, .flags = SI | SO,
   .doc = "x [B, T, ...]: u = eps lse((v + log beta)/eps, x/eps), s = "
          "sigmoid((u - theta)/eps), v = u (1 - s); y = s",
   .paper = "Minoza 2026, UltraLIF: Fully Differentiable Spiking Neural "
            "Networks via Ultradiscretization and Max-Plus Algebra, "
            "arXiv:2602.11206"},
  {0}
};
