/*
** act.c -- activation functions (OPS.md section 1) beyond relu, sigmoid
** and tanh (those are in elem.c): the leaky and clipped rectifiers, the
** exponential family (elu, celu, selu and SELU's alpha_dropout), the smooth
** gates (gelu, silu, swish, mish), softplus, logsigmoid, softsign and
** squared_relu; prelu and swish take their learnable parameter as a second
** input.
**
** Every kernel is written for extreme inputs: exp() only ever sees a
** non-positive argument where it could overflow, and 1 - s, 1 - tanh are
** formed without cancellation, so +-1e4 give finite, right values and
** gradients.
*/
#include "ln_vmath.h"
#include <string.h>
#include "ln_internal.h"

/* sums over fixed blocks, so results do not depend on the thread count */
#define SUM_BLOCK 4096

/* SELU's constants, those of the fixed point mean 0, variance 1
** (Klambauer et al. 2017, arXiv:1706.02515; OPS.md) */
#define SELU_LAMBDA 1.0507009873554804934193349852946
#define SELU_ALPHA  1.6732632423543772848170429916717

/* {====== Stable scalar helpers ====== */

/* sigmoid, exp of a non-positive number only (as elem.c) */
static inline float sigm (float z) {
  float e = expf(-fabsf(z)), r = 1.0f / (1.0f + e);
  return z >= 0.0f ? r : e * r;
}

/* sigmoid'(z) = s (1 - s) = e / (1 + e)^2 with e = exp(-|z|): no
** cancellation in 1 - s, 0 (not NaN) at +-inf */
static inline float sigm_d (float z) {
  float e = expf(-fabsf(z)), r = 1.0f / (1.0f + e);
  return e * r * r;
}

/* log(1 + exp(z)) = max(z, 0) + log1p(exp(-|z|)) */
static inline float softplus1 (float z) {
  return ln_fmaxf(z, 0.0f) + log1pf(expf(-fabsf(z)));
}

/*
** erfc(z) for z >= 0 as t exp(-z^2 + P(t)), t = 1 / (1 + z / 2), P of
** degree 9: the Chebyshev fit in Press et al., Numerical Recipes (2nd ed.,
** sec. 6.2, erfcc), relative error below 1.2e-7 for every z >= 0. One
** division and one exp, branch-free: it vectorises, at half the time of
** libmvec's erfcf here.
*/
static inline float erfc_pos (float z) {
  const float t = 1.0f / (1.0f + 0.5f * z);
  const float p = -1.26551223f + t * (1.00002368f + t * (0.37409196f +
    t * (0.09678418f + t * (-0.18628806f + t * (0.27886807f + t * (-1.13520398f +
    t * (1.48851587f + t * (-0.82215223f + t * 0.17087277f))))))));
  return t * expf(-z * z + p);
}

/* Phi(x) = erfc(-x / sqrt 2) / 2, from erfc of |x| / sqrt 2: the small
** side directly, 1 - it on the other; no cancellation in the left tail */
static inline float phi_cdf (float v) {
  const float h = 0.5f * erfc_pos(fabsf(v) * (float)M_SQRT1_2);
  return v >= 0.0f ? 1.0f - h : h;
}

/* gelu, erf form: x Phi(x) */
static inline float gelu_erf (float v) { return v * phi_cdf(v); }

/* d/dx x Phi(x) = Phi(x) + x phi(x) */
static inline float gelu_erf_d (float v) {
  const float inv_sqrt_2pi = 0.3989422804014327f;
  return phi_cdf(v) + v * inv_sqrt_2pi * expf(-0.5f * v * v);
}

/*
** gelu, tanh form (Hendrycks & Gimpel 2016, arXiv:1606.08415):
** 0.5 x (1 + tanh(u)), u = sqrt(2/pi) (x + 0.044715 x^3). Since
** 1 + tanh(u) = 2 sigmoid(2u), y = x sigmoid(2u): no cancellation for
** large negative x.
*/
#define GELU_K 0.7978845608028654f     /* sqrt(2 / pi) */
#define GELU_C 0.044715f
static inline float gelu_tanh (float v) {
  return v * sigm(2.0f * GELU_K * (v + GELU_C * v * v * v));
}

/* sigmoid(2u) + x 2 sigmoid'(2u) u'(x); the second term is 0 once
** sigmoid' underflows (u' may then be inf for |x| > 1e19) */
static inline float gelu_tanh_d (float v) {
  float z = 2.0f * GELU_K * (v + GELU_C * v * v * v), sd = sigm_d(z);
  float t = sd > 0.0f ? v * 2.0f * sd * GELU_K * (1.0f + 3.0f * GELU_C * v * v) : 0.0f;
  return sigm(z) + t;
}

/*
** mish: x tanh(softplus(x)). With e = exp(x), tanh(log(1 + e)) =
** e (e + 2) / (e (e + 2) + 2); for x > 0 the same divided by e^2, with
** e = exp(-x): (1 + 2e) / (1 + 2e + 2e^2). Both only take exp of a
** non-positive number, and give 1 - tanh exactly: 2 / (n + 2) and
** 2e^2 / (1 + 2e + 2e^2).
*/
static inline void mish_t (float v, float *t, float *one_minus_t) {
  if (v <= 0.0f) {
    float e = expf(v), n = e * (e + 2.0f);
    *t = n / (n + 2.0f);
    *one_minus_t = 2.0f / (n + 2.0f);
  } else {
    float e = expf(-v), d = 1.0f + 2.0f * e + 2.0f * e * e;
    *t = (1.0f + 2.0f * e) / d;
    *one_minus_t = 2.0f * e * e / d;
  }
}

static inline float mish (float v) {
  float t, omt;
  mish_t(v, &t, &omt);
  return v * t;
}

/* d/dx x tanh(sp(x)) = t + x (1 - t^2) sigmoid(x) */
static inline float mish_d (float v) {
  float t, omt;
  mish_t(v, &t, &omt);
  return t + v * (omt * (1.0f + t)) * sigm(v);
}

/* }====== */

/* {====== Shapes ====== */

static int want_f32 (const ln_node *n, int k, const char *what) {
  if (n->in[k]->dtype == LN_F32) return LN_OK;
  return ln_seterr(LN_EARG, "%s: %s (input %d) must be float32, got int32",
                   ln_node_desc(n)->name, what, k + 1);
}

static int shape_unary (ln_node *n) {
  int rc = want_f32(n, 0, "input");
  if (rc != LN_OK) return rc;
  ln_set_shape(n, LN_F32, n->in[0]->ndim, n->in[0]->dim);
  return LN_OK;
}

static int hardtanh_shape (ln_node *n) {
  if (!(n->attr[0] <= n->attr[1]))
    return ln_seterr(LN_EARG, "hardtanh: lo %g must not exceed hi %g",
                     n->attr[0], n->attr[1]);
  return shape_unary(n);
}

static int celu_shape (ln_node *n) {
  if (!(n->attr[0] > 0))
    return ln_seterr(LN_EARG, "celu: alpha %g must be positive", n->attr[0]);
  return shape_unary(n);
}

static int softplus_shape (ln_node *n) {
  if (!(n->attr[0] > 0))
    return ln_seterr(LN_EARG, "softplus: beta %g must be positive", n->attr[0]);
  return shape_unary(n);
}

static int alpha_dropout_shape (ln_node *n) {
  double p = n->attr[0];
  if (!(p >= 0 && p < 1))
    return ln_seterr(LN_EARG, "alpha_dropout: p %g must be in [0, 1)", p);
  return shape_unary(n);
}

/* }====== */

/* {====== Unary maps ====== */

/*
** ACT(op, F, D): y = F with v = x[i], as a map (the plan may run it inside
** a chain of maps); in backward, dL/dx += g * D with
** g = dL/dy[i]. a0, a1 are the first two attributes.
*/
#define ACT_KERNELS(op, F, D) \
  LN_VEC static void op##_map (const ln_node *n, const float *const *in, float *y, \
                        long len) { \
    const float *x = in[0]; \
    const float a0 = (float)n->attr[0], a1 = (float)n->attr[1]; \
    long i; \
    (void)a0; (void)a1; \
    _Pragma("omp simd") \
    for (i = 0; i < len; i++) { const float v = x[i]; y[i] = (F); } \
  } \
  LN_VEC static void op##_bwd_range (ln_node *n, long i0, long i1) { \
    const float *x = n->in[0]->x, *gy = n->g; \
    float *gx = n->in[0]->g; \
    const float a0 = (float)n->attr[0], a1 = (float)n->attr[1]; \
    long i; \
    (void)a0; (void)a1; \
    _Pragma("omp simd") \
    for (i = i0; i < i1; i++) { \
      const float v = x[i], g = gy[i]; \
      gx[i] += g * (D); \
    } \
  }

#define ACT(op, F, D) \
  ACT_KERNELS(op, F, D) \
  static void op##_forward (ln_node *n, ln_ctx *c) { (void)c; ln_map_forward(n); } \
  static void op##_backward (ln_node *n, ln_ctx *c) { \
    (void)c; \
    if (n->in[0]->g != NULL) ln_par_range(n, (long)ln_numel(n), op##_bwd_range); \
  }

#define LAM ((float)SELU_LAMBDA)
#define LAM_ALPHA ((float)(SELU_LAMBDA * SELU_ALPHA))

/* gradients at the kinks follow PyTorch: leaky_relu, prelu and elu take
** the left slope at 0, relu6 and hardtanh are flat at their bounds */
ACT(leaky_relu, v > 0.0f ? v : a0 * v, v > 0.0f ? 1.0f : a0)
ACT(relu6, ln_fminf(ln_fmaxf(v, 0.0f), 6.0f), (v > 0.0f && v < 6.0f) ? 1.0f : 0.0f)
ACT(hardtanh, ln_fminf(ln_fmaxf(v, a0), a1), (v > a0 && v < a1) ? 1.0f : 0.0f)
/* Clevert et al. 2015 (arXiv:1511.07289): alpha (e^x - 1) for
** x <= 0, derivative alpha e^x there (= y + alpha) */
ACT(elu, v > 0.0f ? v : a0 * expm1f(v), v > 0.0f ? 1.0f : a0 * expf(v))
/* Barron 2017 (arXiv:1704.07483): alpha (e^(x/alpha) - 1) for
** x <= 0, derivative e^(x/alpha) */
ACT(celu, v > 0.0f ? v : a0 * expm1f(v / a0), v > 0.0f ? 1.0f : expf(v / a0))
ACT(selu, v > 0.0f ? LAM * v : LAM_ALPHA * expm1f(v),
    v > 0.0f ? LAM : LAM_ALPHA * expf(v))
/* gelu's two forms as two kernels: one loop with both would compute both */
ACT_KERNELS(gelu_e, gelu_erf(v), gelu_erf_d(v))
ACT_KERNELS(gelu_t, gelu_tanh(v), gelu_tanh_d(v))
static void gelu_map (const ln_node *n, const float *const *in, float *y, long len) {
  if (n->attr[0] == 0) gelu_e_map(n, in, y, len);
  else gelu_t_map(n, in, y, len);
}
static void gelu_forward (ln_node *n, ln_ctx *c) { (void)c; ln_map_forward(n); }
static void gelu_backward (ln_node *n, ln_ctx *c) {
  (void)c;
  if (n->in[0]->g != NULL)
    ln_par_range(n, (long)ln_numel(n), n->attr[0] == 0 ? gelu_e_bwd_range : gelu_t_bwd_range);
}
/* silu' = s + x s (1 - s) = s (1 + x sigmoid(-x)) */
ACT(silu, v * sigm(v), sigm(v) * (1.0f + v * sigm(-v)))
ACT(mish, mish(v), mish_d(v))
/* PyTorch's softplus: linear where beta x > threshold */
ACT(softplus, a0 * v > a1 ? v : softplus1(a0 * v) / a0,
    a0 * v > a1 ? 1.0f : sigm(a0 * v))
/* log sigmoid(x) = -softplus(-x) = min(x, 0) - log1p(exp(-|x|)) */
ACT(logsigmoid, ln_fminf(v, 0.0f) - log1pf(expf(-fabsf(v))), sigm(-v))
ACT(softsign, v / (1.0f + fabsf(v)), 1.0f / ((1.0f + fabsf(v)) * (1.0f + fabsf(v))))
/* Primer (So et al. 2021, arXiv:2109.08668): relu(x)^2 */
ACT(squared_relu, v > 0.0f ? v * v : 0.0f, v > 0.0f ? 2.0f * v : 0.0f)

/* }====== */

/* {====== alpha_dropout ====== */

/*
** Klambauer et al. 2017 (arXiv:1706.02515), sec. "New Dropout Technique":
** a dropped unit is set to alpha' = -lambda alpha (SELU's negative
** saturation), then y = a (x d + alpha' (1 - d)) + b with keep
** probability q = 1 - p, a = (q + alpha'^2 q (1 - q))^(-1/2) and
** b = -a (1 - q) alpha', so an input of mean 0 and variance 1 keeps them.
*/
static void adrop_affine (double p, float *a, float *b, float *dropped) {
  double q = 1 - p, ap = -SELU_LAMBDA * SELU_ALPHA;
  double A = 1 / sqrt(q + ap * ap * q * (1 - q)), B = -A * (1 - q) * ap;
  *a = (float)A;
  *b = (float)B;
  *dropped = (float)(A * ap + B);   /* the value a dropped unit takes */
}

/* saved: the keep mask (1 or 0 per element) */
static void alpha_dropout_scratch (const ln_node *n, size_t *saved, size_t *work) {
  *saved = ln_numel(n) * sizeof(float);
  *work = 0;
}

static void alpha_dropout_forward (ln_node *n, ln_ctx *c) {
  const float *x = n->in[0]->x;
  float *mask = n->saved, p = (float)n->attr[0], a, b, dropped;
  size_t i, len = ln_numel(n);
  if (!c->training) {
    memcpy(n->x, x, len * sizeof(float));
    return;
  }
  adrop_affine(n->attr[0], &a, &b, &dropped);
  for (i = 0; i < len; i++)   /* one stream, in element order (as dropout) */
    mask[i] = ln_rand_uniform() >= p ? 1.0f : 0.0f;
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (i = 0; i < len; i++)
    n->x[i] = mask[i] != 0.0f ? a * x[i] + b : dropped;
}

static void alpha_dropout_backward (ln_node *n, ln_ctx *c) {
  float *dx = n->in[0]->g, a, b, dropped;
  const float *mask = n->saved;
  size_t i, len = ln_numel(n);
  if (dx == NULL) return;
  if (!c->training) {
    #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
    for (i = 0; i < len; i++) dx[i] += n->g[i];
    return;
  }
  adrop_affine(n->attr[0], &a, &b, &dropped);
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (i = 0; i < len; i++) dx[i] += n->g[i] * a * mask[i];
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
  g.nb = (g.inner + SUM_BLOCK - 1) / SUM_BLOCK;   /* blocks per row */
  return g;
}

/* weight: 1 element, or [C] with C = dim 1 of the input */
static int chan_shape (ln_node *n) {
  const char *op = ln_node_desc(n)->name;
  const ln_node *x = n->in[0], *w = n->in[1];
  int rc;
  if ((rc = want_f32(n, 0, "input")) || (rc = want_f32(n, 1, "weight")))
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
      size_t j0 = b * SUM_BLOCK, j1 = j0 + SUM_BLOCK < gm.inner ? j0 + SUM_BLOCK : gm.inner; \
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
** from sigm_d so that both are 0, not NaN, far out */
CHAN(swish, v * sigm(w * v), sigm(w * v) + (w * v) * sigm_d(w * v),
     v * (v * sigm_d(w * v)))

/* }====== */

#define UN(op, at, sh, d, pap) \
  {.name = #op, .min_in = 1, .max_in = 1, .attrs = at, .shape = sh, \
   .forward = op##_forward, .backward = op##_backward, .map = op##_map, \
   .flags = LN_F_SAVE_IN | LN_F_ELEMWISE, .doc = d, .paper = pap}
#define CH(op, d, pap) \
  {.name = #op, .min_in = 2, .max_in = 2, .attrs = "", .shape = chan_shape, \
   .scratch = chan_scratch, .forward = op##_forward, \
   .backward = op##_backward, .flags = LN_F_SAVE_IN, .doc = d, .paper = pap}

#define P_SNN "Klambauer, Unterthiner, Mayr, Hochreiter 2017, " \
  "Self-Normalizing Neural Networks, arXiv:1706.02515"

const ln_opdesc ln_ops_act[] = {
  UN(leaky_relu, "a=0.01", shape_unary, "y = x if x > 0 else a x",
     "Maas, Hannun, Ng 2013, Rectifier Nonlinearities Improve Neural "
     "Network Acoustic Models (ICML workshop)"),
  CH(prelu, "y = x if x > 0 else w_c x; w [C] (C = dim 2 of x) or one "
     "element; dw sums over the rest",
     "He, Zhang, Ren, Sun 2015, Delving Deep into Rectifiers, arXiv:1502.01852"),
  UN(relu6, "", shape_unary, "y = min(max(x, 0), 6)", NULL),
  UN(hardtanh, "lo=-1,hi=1", hardtanh_shape, "y = min(max(x, lo), hi)", NULL),
  UN(elu, "alpha=1", shape_unary, "y = x if x > 0 else alpha (exp(x) - 1)",
     "Clevert, Unterthiner, Hochreiter 2015, Fast and Accurate Deep Network "
     "Learning by Exponential Linear Units (ELUs), arXiv:1511.07289"),
  UN(celu, "alpha=1", celu_shape,
     "y = max(0, x) + min(0, alpha (exp(x / alpha) - 1)), alpha > 0",
     "Barron 2017, Continuously Differentiable Exponential Linear Units, "
     "arXiv:1704.07483"),
  UN(selu, "", shape_unary, "y = lambda (x if x > 0 else alpha (exp(x) - 1)), "
     "lambda = 1.0507009873554805, alpha = 1.6732632423543772", P_SNN),
  {.name = "alpha_dropout", .min_in = 1, .max_in = 1, .attrs = "p=0.5",
   .shape = alpha_dropout_shape, .scratch = alpha_dropout_scratch,
   .forward = alpha_dropout_forward, .backward = alpha_dropout_backward,
   .flags = LN_F_RANDOM,
   .doc = "training: y = a (x if kept else -lambda alpha) + b, kept with "
          "prob 1 - p, a = (q + a'^2 q p)^(-1/2), b = -a p a', q = 1 - p, "
          "a' = -lambda alpha; keeps mean 0, var 1; else x",
   .paper = P_SNN},
  UN(gelu, "approximate=none|tanh", shape_unary,
     "y = x Phi(x) (none); 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) "
     "(tanh)",
     "Hendrycks, Gimpel 2016, Gaussian Error Linear Units (GELUs), "
     "arXiv:1606.08415"),
  UN(silu, "", shape_unary, "y = x sigmoid(x)",
     "Elfwing, Uchibe, Doya 2017, Sigmoid-Weighted Linear Units for Neural "
     "Network Function Approximation in Reinforcement Learning, "
     "arXiv:1702.03118"),
  CH(swish, "y = x sigmoid(beta x); beta [C] (C = dim 2 of x) or one "
     "element, learnable",
     "Ramachandran, Zoph, Le 2017, Searching for Activation Functions, "
     "arXiv:1710.05941"),
  UN(mish, "", shape_unary, "y = x tanh(softplus(x))",
     "Misra 2019, Mish: A Self Regularized Non-Monotonic Activation "
     "Function, arXiv:1908.08681"),
  UN(softplus, "beta=1,threshold=20", softplus_shape,
     "y = log(1 + exp(beta x)) / beta, x where beta x > threshold", NULL),
  UN(logsigmoid, "", shape_unary, "y = log sigmoid(x) = -softplus(-x)", NULL),
  UN(softsign, "", shape_unary, "y = x / (1 + |x|)", NULL),
  UN(squared_relu, "", shape_unary, "y = max(0, x)^2",
     "So, Manke, Liu, Dai, Shazeer, Le 2021, Primer: Searching for "
     "Efficient Transformers for Language Modeling, arXiv:2109.08668"),
  {0}
};
