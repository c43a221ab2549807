/*
** act.c -- fixed activation functions (no learnable parameter; those are
** in actlearn.c), one place for all: the rectifiers (relu, leaky_relu,
** relu6, hardtanh, squared_relu, fatrelu), the squashing maps (sigmoid,
** tanh, softsign, logsigmoid), the exponential family (elu, celu, selu),
** the smooth gates (gelu, silu, mish), softplus; softmax, log_softmax and stablemax;
** maps whose backward is a surrogate (biper, the straight-through
** estimators, spike); kwta.
**
** softmax and log_softmax are here, not with the normalisations: like
** every op in this file they are a fixed map of their input with no
** statistics kept and no affine parameters (PyTorch lists them among the
** non-linear activations), and they are a classifier's output activation.
**
** Every kernel is written for extreme inputs: exp() only ever sees a
** non-positive argument where it could overflow, and 1 - s, 1 - tanh are
** formed without cancellation, so +-1e4 give finite, right values and
** gradients.
*/
#include <string.h>
#include "ln_ops.h"

/* {====== Stable scalar helpers ====== */

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
  return v * ln_sigmoidf(2.0f * GELU_K * (v + GELU_C * v * v * v));
}

/* sigmoid(2u) + x 2 sigmoid'(2u) u'(x); the second term is 0 once
** sigmoid' underflows (u' may then be inf for |x| > 1e19) */
static inline float gelu_tanh_d (float v) {
  float z = 2.0f * GELU_K * (v + GELU_C * v * v * v), sd = ln_sigmoidf_d(z);
  float t = sd > 0.0f ? v * 2.0f * sd * GELU_K * (1.0f + 3.0f * GELU_C * v * v) : 0.0f;
  return ln_sigmoidf(z) + t;
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
  return t + v * (omt * (1.0f + t)) * ln_sigmoidf(v);
}

/* }====== */

/* {====== Shapes ====== */

static int hardtanh_shape (ln_node *n) {
  if (!(n->attr[0] <= n->attr[1]))
    return ln_seterr(LN_EARG, "hardtanh: lo %g must not exceed hi %g",
                     n->attr[0], n->attr[1]);
  return ln_shape_unary(n);
}

static int celu_shape (ln_node *n) {
  if (!(n->attr[0] > 0))
    return ln_seterr(LN_EARG, "celu: alpha %g must be positive", n->attr[0]);
  return ln_shape_unary(n);
}

static int softplus_shape (ln_node *n) {
  if (!(n->attr[0] > 0))
    return ln_seterr(LN_EARG, "softplus: beta %g must be positive", n->attr[0]);
  return ln_shape_unary(n);
}

/* }====== */

/* {====== Unary maps ====== */

/* relu, sigmoid and tanh take their gradient from the saved output and may
** be the first writer of dL/dx (LN_F_ASSIGN, see ln_ops.h) */
LN_UNARY_FWD(relu, v > 0.0f ? v : 0.0f)
LN_UNARY_BOUT(relu, o > 0.0f ? g : 0.0f)
LN_UNARY_FWD(sigmoid, ln_sigmoidf(v))
LN_UNARY_BOUT(sigmoid, g * (o * (1.0f - o)))
LN_UNARY_FWD(tanh, tanhf(v))
LN_UNARY_BOUT(tanh, g * (1.0f - o * o))

/*
** ACT(op, F, D): y = F with v = x[i], as a map (the plan may run it inside
** a chain of maps); in backward, dL/dx += g * D with g = dL/dy[i]. a0, a1
** are the first two attributes. The kernels are ln_ops.h's.
*/
#define ACT(op, F, D) LN_UNARY_FWD(op, F) LN_UNARY_BIN(op, g * (D))

#define LAM ((float)LN_SELU_LAMBDA)
#define LAM_ALPHA ((float)(LN_SELU_LAMBDA * LN_SELU_ALPHA))

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
LN_UNARY_MAP(gelu_e, gelu_erf(v))
LN_UNARY_RANGE(gelu_e, XV, g * gelu_erf_d(v))
LN_UNARY_MAP(gelu_t, gelu_tanh(v))
LN_UNARY_RANGE(gelu_t, XV, g * gelu_tanh_d(v))
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
ACT(silu, v * ln_sigmoidf(v), ln_sigmoidf(v) * (1.0f + v * ln_sigmoidf(-v)))
ACT(mish, mish(v), mish_d(v))
/* PyTorch's softplus: linear where beta x > threshold */
ACT(softplus, a0 * v > a1 ? v : softplus1(a0 * v) / a0,
    a0 * v > a1 ? 1.0f : ln_sigmoidf(a0 * v))
/* log sigmoid(x) = -softplus(-x) = min(x, 0) - log1p(exp(-|x|)) */
ACT(logsigmoid, ln_fminf(v, 0.0f) - log1pf(expf(-fabsf(v))), ln_sigmoidf(-v))
ACT(softsign, v / (1.0f + fabsf(v)), 1.0f / ((1.0f + fabsf(v)) * (1.0f + fabsf(v))))
/* Primer (So et al. 2021, arXiv:2109.08668): relu(x)^2 */
ACT(squared_relu, v > 0.0f ? v * v : 0.0f, v > 0.0f ? 2.0f * v : 0.0f)

/* }====== */

/* {====== softmax, log_softmax ====== */

/* the value split as outer x len x inner around the axis */
typedef struct geom { size_t outer, inner; int len; } geom;

static geom axis_geom (const ln_node *n, int axis) {
  geom g;
  int i;
  g.outer = ln_lead(n, axis);
  g.len = n->dim[axis];
  g.inner = 1;
  for (i = axis + 1; i < n->ndim; i++) g.inner *= (size_t)n->dim[i];
  return g;
}

static int softmax_shape (ln_node *n) {
  const ln_node *x = n->in[0];
  const char *op = ln_node_desc(n)->name;
  int rc;
  if ((rc = ln_need_f32(n, 0, NULL))) return rc;
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
    if (st == 1) {   /* contiguous lines: the vectorised rows */
      mx = ln_row_max(x, g.len);
      s = ln_row_exp_sum(x, mx, logsm ? NULL : y, g.len);
      if (logsm) {
        float ls = (float)log(s);
        for (k = 0; k < g.len; k++) y[k] = (x[k] - mx) - ls;
      } else {
        ln_row_scale(y, (float)(1.0 / s), g.len);
      }
      continue;
    }
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
    if (logsm && st == 1) { ln_row_logsm_grad(y, dy, (float)s, dx, g.len); continue; }
    for (k = 0; k < g.len; k++)
      dx[k * st] += logsm ? dy[k * st] - expf(y[k * st]) * (float)s
                          : y[k * st] * (dy[k * st] - (float)s);
  }
}

/*
** StableMax: Prieto, Barsbey, Mediano, Birdal 2025, "Grokking at the Edge
** of Numerical Stability" (arXiv:2501.04697). Softmax with exp replaced by
** s(x) = x + 1 (x >= 0), 1 / (1 - x) (x < 0): y_i = s(x_i) / sum_j s(x_j)
** along the axis. s is positive and grows linearly, so nothing overflows
** and no max is subtracted; sums in double, as the authors' float64 code.
** Backward: dx_k += s'(x_k) / S (g_k - sum_i g_i y_i).
*/
static double stablemax_s (double v) { return v >= 0 ? v + 1 : 1 / (1 - v); }
static double stablemax_ds (double v) { return v >= 0 ? 1 : 1 / ((1 - v) * (1 - v)); }

static void stablemax_forward (ln_node *n, ln_ctx *c) {
  geom g = axis_geom(n, ln_axis((int)n->attr[0], n->ndim));
  size_t t, lines = g.outer * g.inner, st = g.inner;
  (void)c;
  #pragma omp parallel for schedule(static) if (lines * g.len > LN_PAR_MIN)
  for (t = 0; t < lines; t++) {
    size_t base = (t / g.inner) * g.len * g.inner + t % g.inner;
    const float *x = n->in[0]->x + base;
    float *y = n->x + base;
    double s = 0;
    int k;
    for (k = 0; k < g.len; k++) s += stablemax_s(x[k * st]);
    for (k = 0; k < g.len; k++) y[k * st] = (float)(stablemax_s(x[k * st]) / s);
  }
}

static void stablemax_backward (ln_node *n, ln_ctx *c) {
  geom g = axis_geom(n, ln_axis((int)n->attr[0], n->ndim));
  size_t t, lines = g.outer * g.inner, st = g.inner;
  (void)c;
  if (n->in[0]->g == NULL) return;
  #pragma omp parallel for schedule(static) if (lines * g.len > LN_PAR_MIN)
  for (t = 0; t < lines; t++) {
    size_t base = (t / g.inner) * g.len * g.inner + t % g.inner;
    const float *x = n->in[0]->x + base, *y = n->x + base, *dy = n->g + base;
    float *dx = n->in[0]->g + base;
    double s = 0, gy = 0;
    int k;
    for (k = 0; k < g.len; k++) {
      s += stablemax_s(x[k * st]);
      gy += (double)dy[k * st] * y[k * st];
    }
    for (k = 0; k < g.len; k++)
      dx[k * st] += (float)(stablemax_ds(x[k * st]) / s * (dy[k * st] - gy));
  }
}

static void softmax_forward (ln_node *n, ln_ctx *c) { (void)c; softmax_run(n, 0); }
static void softmax_backward (ln_node *n, ln_ctx *c) { (void)c; softmax_grad(n, 0); }
static void log_softmax_forward (ln_node *n, ln_ctx *c) { (void)c; softmax_run(n, 1); }
static void log_softmax_backward (ln_node *n, ln_ctx *c) { (void)c; softmax_grad(n, 1); }

/* }====== */

/* {====== fatrelu ====== */

/*
** FATReLU: Song et al. 2024, "ProSparse: Introducing and Enhancing
** Intrinsic Activation Sparsity within Large Language Models",
** arXiv:2402.13516: y = x if x >= T else 0 (T >= 0); gradient 1 where kept.
*/
static int fatrelu_shape (ln_node *n) {
  if (!(n->attr[0] >= 0))
    return ln_seterr(LN_EARG, "fatrelu: threshold %g must be >= 0", n->attr[0]);
  return ln_shape_unary(n);
}

static void fatrelu_forward (ln_node *n, ln_ctx *c) {
  const float *x = n->in[0]->x;
  const float T = (float)n->attr[0];
  long i, len = (long)ln_numel(n);
  (void)c;
  #pragma omp parallel for simd schedule(static) if (parallel: len > LN_PAR_MIN)
  for (i = 0; i < len; i++) n->x[i] = (x[i] >= T && x[i] > 0.0f) ? x[i] : 0.0f;
}

static void fatrelu_backward (ln_node *n, ln_ctx *c) {
  const float *x = n->in[0]->x;
  const float T = (float)n->attr[0];
  float *dx = n->in[0]->g;
  long i, len = (long)ln_numel(n);
  (void)c;
  if (dx == NULL) return;
  #pragma omp parallel for simd schedule(static) if (parallel: len > LN_PAR_MIN)
  for (i = 0; i < len; i++) dx[i] += (x[i] >= T && x[i] > 0.0f) ? n->g[i] : 0.0f;
}

/* }====== */

/* {====== biper, straight-through estimators, spike ====== */

/*
** Elementwise maps whose backward is a surrogate, not the derivative of
** the forward: SURR(op, F, D) with v = x[i], g = dL/dy[i], a0, a1, a2 the
** first attributes.
*/
#define SURR(op, F, D) \
  static void op##_forward (ln_node *n, ln_ctx *c) { \
    const float *x = n->in[0]->x; \
    const float a0 = (float)n->attr[0], a1 = (float)n->attr[1]; \
    const int a2 = (int)n->attr[2]; \
    long i, len = (long)ln_numel(n); \
    (void)c; (void)a0; (void)a1; (void)a2; \
    _Pragma("omp parallel for schedule(static) if (len > LN_PAR_MIN)") \
    for (i = 0; i < len; i++) { const float v = x[i]; n->x[i] = (F); } \
  } \
  static void op##_backward (ln_node *n, ln_ctx *c) { \
    const float *x = n->in[0]->x; \
    const float a0 = (float)n->attr[0], a1 = (float)n->attr[1]; \
    const int a2 = (int)n->attr[2]; \
    float *dx = n->in[0]->g; \
    long i, len = (long)ln_numel(n); \
    (void)c; (void)a0; (void)a1; (void)a2; \
    if (dx == NULL) return; \
    _Pragma("omp parallel for schedule(static) if (len > LN_PAR_MIN)") \
    for (i = 0; i < len; i++) { \
      const float v = x[i], g = n->g[i]; \
      (void)v; dx[i] += (D); } \
  }

static inline float signf (float v) {
  return v > 0.0f ? 1.0f : v < 0.0f ? -1.0f : 0.0f;
}

/* straight-through gate: 1, or 1[|x| <= 1] when clipping */
static inline float ste (float v, float clip) {
  return (clip == 0.0f || fabsf(v) <= 1.0f) ? 1.0f : 0.0f;
}

/* surrogate derivative of H(x - theta): beta sigma'(beta (x - theta)) with
** sigma the fast sigmoid u / (1 + |u|) (mode 0) or the logistic (mode 1) */
static inline float spike_grad (float v, float th, float beta, int mode) {
  float u = beta * (v - th);
  if (mode == 0) { float d = 1.0f + fabsf(u); return beta / (d * d); }
  { float s = ln_sigmoidf(u); return beta * s * (1.0f - s); }
}

/*
** Vargas et al. 2024, "BiPer: Binary Neural Networks using a Periodic
** Function" (CVPR), arXiv:2404.01278: forward the square wave
** sign(sin(omega x)), backward the sine of the same period, d/dx sin(omega
** x) = omega cos(omega x). sin in double: right for large |omega x|.
*/
SURR(biper, signf((float)sin((double)a0 * v)),
     g * a0 * (float)cos((double)a0 * v))
/* Bengio, Leonard, Courville 2013, "Estimating or Propagating Gradients
** Through Stochastic Neurons for Conditional Computation", arXiv:1308.3432:
** straight-through estimators; 'clip' cancels the gradient where |x| > 1 */
SURR(sign_ste, signf(v), g * ste(v, a0))
SURR(round_ste, nearbyintf(v), g * ste(v, a0))
SURR(step_ste, v > 0.0f ? 1.0f : 0.0f, g * ste(v, a0))
/* Neftci, Mostafa, Zenke 2019, "Surrogate Gradient Learning in Spiking
** Neural Networks", arXiv:1901.09948 (SuperSpike's fast sigmoid, Zenke &
** Ganguli 2018): forward H(x - theta) (H(0) = 0), backward the derivative
** of sigma(beta (x - theta)) */
SURR(spike, v > a0 ? 1.0f : 0.0f, g * spike_grad(v, a0, a1, a2))

static int spike_shape (ln_node *n) {
  if (!(n->attr[1] > 0))
    return ln_seterr(LN_EARG, "spike: beta %g must be positive", n->attr[1]);
  return ln_shape_unary(n);
}

/* }====== */

/* {====== kwta ====== */

/*
** k-winners-take-all: Ahmad & Scheinkman 2019, "How Can We Be So Dense?
** The Benefits of Using Highly Sparse Representations", arXiv:1903.11257
** (and the active-dendrites networks of Iyer et al. 2022). Per sample (all
** dims but the first), keep the k largest values, zero the rest; ties go
** to the lower index; gradient only through the winners. k = attribute k,
** or round(frac D) when k = 0.
*/
static int kwta_k (const ln_node *n, size_t D) {
  if (n->attr[0] > 0) return (int)n->attr[0];
  return (int)floor(n->attr[1] * (double)D + 0.5);
}

static int kwta_shape (ln_node *n) {
  const ln_node *x = n->in[0];
  size_t D;
  int rc = ln_need_f32(n, 0, NULL), k;
  if (rc != LN_OK) return rc;
  if (x->ndim < 2)
    return ln_seterr(LN_ESHAPE, "kwta: input %s must be [N, ...] with features "
                     "per sample", ln_node_shape(x));
  D = ln_numel(x) / (x->dim[0] ? (size_t)x->dim[0] : 1);
  if (n->attr[0] < 0 || n->attr[1] < 0 || n->attr[1] > 1)
    return ln_seterr(LN_EARG, "kwta: k %g must be >= 0 and frac %g in [0, 1]",
                     n->attr[0], n->attr[1]);
  k = kwta_k(n, D);
  if (k < 1 || (size_t)k > D)
    return ln_seterr(LN_EARG, "kwta: k = %d winners out of %zu features per "
                     "sample of input %s (give k or frac)", k, D,
                     ln_node_shape(x));
  return ln_shape_like_x(n);
}

/* saved: the winner mask; work: one copy of a sample per sample */
static void kwta_scratch (const ln_node *n, size_t *saved, size_t *work) {
  *saved = ln_numel(n);
  *work = ln_numel(n) * sizeof(float);
}

/* the k-th largest (k >= 1) of a[0..len), by quickselect; reorders a */
static float kth_largest (float *a, long len, long k) {
  long lo = 0, hi = len - 1, want = k - 1;
  while (lo < hi) {
    float p0 = a[lo], p1 = a[(lo + hi) / 2], p2 = a[hi], piv, t;
    long i = lo, j = hi;
    piv = p0 > p1 ? (p1 > p2 ? p1 : (p0 > p2 ? p2 : p0))
                  : (p0 > p2 ? p0 : (p1 > p2 ? p2 : p1));
    while (i <= j) {               /* descending: larger to the left */
      while (a[i] > piv) i++;
      while (a[j] < piv) j--;
      if (i <= j) { t = a[i]; a[i] = a[j]; a[j] = t; i++; j--; }
    }
    if (want <= j) hi = j;
    else if (want >= i) lo = i;
    else return a[want];
  }
  return a[want];
}

static void kwta_forward (ln_node *n, ln_ctx *c) {
  const float *x = n->in[0]->x;
  unsigned char *mask = n->saved;
  size_t N = (size_t)n->in[0]->dim[0], D = N ? ln_numel(n) / N : 0, s;
  long k = kwta_k(n, D);
  #pragma omp parallel for schedule(static) if (ln_numel(n) > LN_PAR_MIN)
  for (s = 0; s < N; s++) {
    const float *xs = x + s * D;
    float *tmp = c->work + s * D, kth;
    long j, above = 0, ties;
    memcpy(tmp, xs, D * sizeof(float));
    kth = kth_largest(tmp, (long)D, k);
    for (j = 0; j < (long)D; j++) above += xs[j] > kth;
    ties = k - above;
    for (j = 0; j < (long)D; j++) {
      int win = xs[j] > kth || (xs[j] == kth && ties-- > 0);
      mask[s * D + j] = (unsigned char)win;
      n->x[s * D + j] = win ? xs[j] : 0.0f;
    }
  }
}

static void kwta_backward (ln_node *n, ln_ctx *c) {
  const unsigned char *mask = n->saved;
  float *dx = n->in[0]->g;
  long i, len = (long)ln_numel(n);
  (void)c;
  if (dx == NULL) return;
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (i = 0; i < len; i++) if (mask[i]) dx[i] += n->g[i];
}

/* }====== */

#define SI LN_F_SAVE_IN
#define SO LN_F_SAVE_OUT
#define EW LN_F_ELEMWISE
#define MAP(op, at, fl, d) \
  {.name = #op, .min_in = 1, .max_in = 1, .attrs = at, .shape = ln_shape_unary, \
   .forward = op##_forward, .backward = op##_backward, .map = op##_map, \
   .flags = (fl) | EW | LN_F_ASSIGN, \
   .doc = d}
#define UN(op, at, sh, d, pap) \
  {.name = #op, .min_in = 1, .max_in = 1, .attrs = at, .shape = sh, \
   .forward = op##_forward, .backward = op##_backward, .map = op##_map, \
   .flags = LN_F_SAVE_IN | LN_F_ELEMWISE, .doc = d, .paper = pap}

#define P_STE "Bengio, Leonard, Courville 2013, Estimating or Propagating " \
  "Gradients Through Stochastic Neurons for Conditional Computation, " \
  "arXiv:1308.3432"

const ln_opdesc ln_ops_act[] = {
  MAP(relu, "", LN_F_SAVE_OUT, "y = max(0, x)"),
  MAP(sigmoid, "", LN_F_SAVE_OUT, "y = 1 / (1 + exp(-x))"),
  MAP(tanh, "", LN_F_SAVE_OUT, "y = tanh(x)"),
  UN(leaky_relu, "@a=0.01", ln_shape_unary, "y = x if x > 0 else a x",
     "Maas, Hannun, Ng 2013, Rectifier Nonlinearities Improve Neural "
     "Network Acoustic Models (ICML workshop)"),
  UN(relu6, "", ln_shape_unary, "y = min(max(x, 0), 6)", NULL),
  UN(hardtanh, "@lo=-1,@hi=1", hardtanh_shape, "y = min(max(x, lo), hi)", NULL),
  UN(elu, "@alpha=1", ln_shape_unary, "y = x if x > 0 else alpha (exp(x) - 1)",
     "Clevert, Unterthiner, Hochreiter 2015, Fast and Accurate Deep Network "
     "Learning by Exponential Linear Units (ELUs), arXiv:1511.07289"),
  UN(celu, "@alpha=1", celu_shape,
     "y = max(0, x) + min(0, alpha (exp(x / alpha) - 1)), alpha > 0",
     "Barron 2017, Continuously Differentiable Exponential Linear Units, "
     "arXiv:1704.07483"),
  UN(selu, "", ln_shape_unary, "y = lambda (x if x > 0 else alpha (exp(x) - 1)), "
     "lambda = 1.0507009873554805, alpha = 1.6732632423543772", LN_P_SNN),
  UN(gelu, "@approximate=none|tanh", ln_shape_unary,
     "y = x Phi(x) (none); 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) "
     "(tanh)",
     "Hendrycks, Gimpel 2016, Gaussian Error Linear Units (GELUs), "
     "arXiv:1606.08415"),
  UN(silu, "", ln_shape_unary, "y = x sigmoid(x)",
     "Elfwing, Uchibe, Doya 2017, Sigmoid-Weighted Linear Units for Neural "
     "Network Function Approximation in Reinforcement Learning, "
     "arXiv:1702.03118"),
  UN(mish, "", ln_shape_unary, "y = x tanh(softplus(x))",
     "Misra 2019, Mish: A Self Regularized Non-Monotonic Activation "
     "Function, arXiv:1908.08681"),
  UN(softplus, "@beta=1,@threshold=20", softplus_shape,
     "y = log(1 + exp(beta x)) / beta, x where beta x > threshold", NULL),
  UN(logsigmoid, "", ln_shape_unary, "y = log sigmoid(x) = -softplus(-x)", NULL),
  UN(softsign, "", ln_shape_unary, "y = x / (1 + |x|)", NULL),
  UN(squared_relu, "", ln_shape_unary, "y = max(0, x)^2",
     "So, Manke, Liu, Dai, Shazeer, Le 2021, Primer: Searching for "
     "Efficient Transformers for Language Modeling, arXiv:2109.08668"),
  {.name = "softmax", .min_in = 1, .max_in = 1, .attrs = "@#axis=-1",
   .shape = softmax_shape, .forward = softmax_forward,
   .backward = softmax_backward, .flags = LN_F_SAVE_OUT,
   .doc = "y = exp(x - max) / sum(exp(x - max)) along axis"},
  {.name = "log_softmax", .min_in = 1, .max_in = 1, .attrs = "@#axis=-1",
   .shape = softmax_shape, .forward = log_softmax_forward,
   .backward = log_softmax_backward, .flags = LN_F_SAVE_OUT,
   .doc = "y = x - max - log(sum(exp(x - max))) along axis"},
  {.name = "stablemax", .min_in = 1, .max_in = 1, .attrs = "@#axis=-1",
   .shape = softmax_shape, .forward = stablemax_forward,
   .backward = stablemax_backward, .flags = LN_F_SAVE_IN | LN_F_SAVE_OUT,
   .doc = "y = s(x) / sum(s(x)) along axis, s(x) = x + 1 (x >= 0), "
          "1 / (1 - x) (x < 0)",
   .paper = "Prieto, Barsbey, Mediano, Birdal 2025, Grokking at the Edge of "
            "Numerical Stability, arXiv:2501.04697"},
  {.name = "fatrelu", .min_in = 1, .max_in = 1, .attrs = "threshold=0",
   .shape = fatrelu_shape, .forward = fatrelu_forward,
   .backward = fatrelu_backward, .flags = SI | EW,
   .doc = "y = x if x >= threshold else 0 (threshold >= 0)",
   .paper = "Song et al. 2024, ProSparse: Introducing and Enhancing Intrinsic "
            "Activation Sparsity within Large Language Models, arXiv:2402.13516"},
  {.name = "biper", .min_in = 1, .max_in = 1, .attrs = "omega=1",
   .shape = ln_shape_unary, .forward = biper_forward, .backward = biper_backward,
   .flags = SI | EW,
   .doc = "y = sign(sin(omega x)); backward omega cos(omega x)",
   .paper = "Vargas et al. 2024, BiPer: Binary Neural Networks using a "
            "Periodic Function, arXiv:2404.01278"},
  {.name = "sign_ste", .min_in = 1, .max_in = 1, .attrs = "clip=0",
   .shape = ln_shape_unary, .forward = sign_ste_forward,
   .backward = sign_ste_backward, .flags = SI | EW,
   .doc = "y = sign(x); backward identity (clip: times 1[|x| <= 1])",
   .paper = P_STE},
  {.name = "round_ste", .min_in = 1, .max_in = 1, .attrs = "clip=0",
   .shape = ln_shape_unary, .forward = round_ste_forward,
   .backward = round_ste_backward, .flags = SI | EW,
   .doc = "y = round(x) (half to even); backward identity (clip: times "
          "1[|x| <= 1])",
   .paper = P_STE},
  {.name = "step_ste", .min_in = 1, .max_in = 1, .attrs = "clip=0",
   .shape = ln_shape_unary, .forward = step_ste_forward,
   .backward = step_ste_backward, .flags = SI | EW,
   .doc = "y = 1[x > 0]; backward identity (clip: times 1[|x| <= 1])",
   .paper = P_STE},
  {.name = "spike", .min_in = 1, .max_in = 1,
   .attrs = "theta=1,beta=5,surrogate=fast_sigmoid|sigmoid",
   .shape = spike_shape, .forward = spike_forward, .backward = spike_backward,
   .flags = SI | EW,
   .doc = "y = H(x - theta); backward beta sigma'(beta (x - theta)), sigma the "
          "fast sigmoid u/(1+|u|) or the logistic",
   .paper = "Neftci, Mostafa, Zenke 2019, Surrogate Gradient Learning in "
            "Spiking Neural Networks, arXiv:1901.09948"},
  {.name = "kwta", .min_in = 1, .max_in = 1, .attrs = "k=0,frac=0",
   .shape = kwta_shape, .scratch = kwta_scratch, .forward = kwta_forward,
   .backward = kwta_backward, .flags = 0,
   .doc = "per sample keep the k largest (k, or round(frac D)), zero the rest; "
          "ties to the lower index; gradient through winners",
   .paper = "Ahmad & Scheinkman 2019, How Can We Be So Dense? The Benefits of "
            "Using Highly Sparse Representations, arXiv:1903.11257"},
  {0}
};
