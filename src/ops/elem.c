/*
** elem.c -- elementwise arithmetic: unary float maps (neg, abs, exp, log,
** sqrt, square, pow, clamp, the scalar ops), binary ops with numpy
** broadcasting (add, sub, mul, div, maximum, minimum), eml (exp(x) -
** log(y)), and the random masks dropout and alpha_dropout. The
** activation functions are in act.c and actlearn.c.
*/
#include <string.h>
#include "ln_ops.h"

/* {====== Unary maps ====== */

/* the kernels come from ln_ops.h: LN_UNARY_FWD writes the map, LN_UNARY_BIN
** (dy/dx from x), _BOUT (from y) and _BNONE the gradient */

LN_UNARY_FWD(neg, -v)
LN_UNARY_BNONE(neg, -g)
LN_UNARY_FWD(abs, fabsf(v))
LN_UNARY_BIN(abs, v > 0.0f ? g : v < 0.0f ? -g : 0.0f)
LN_UNARY_FWD(exp, expf(v))
LN_UNARY_BOUT(exp, g * o)
LN_UNARY_FWD(log, logf(v))
LN_UNARY_BIN(log, g / v)
LN_UNARY_FWD(sqrt, sqrtf(v))
LN_UNARY_BIN(sqrt, 0.5f * g / sqrtf(v))
LN_UNARY_FWD(square, v * v)
LN_UNARY_BIN(square, 2.0f * g * v)
LN_UNARY_FWD(pow, powf(v, a0))
LN_UNARY_BIN(pow, g * (a0 == 0.0f ? 0.0f : a0 * powf(v, a0 - 1.0f)))
LN_UNARY_FWD(clamp, ln_fminf(ln_fmaxf(v, a0), a1))
LN_UNARY_BIN(clamp, (v > a0 && v < a1) ? g : 0.0f)
LN_UNARY_FWD(add_scalar, v + a0)
LN_UNARY_BNONE(add_scalar, g)
LN_UNARY_FWD(mul_scalar, a0 * v)
LN_UNARY_BNONE(mul_scalar, g * a0)
LN_UNARY_FWD(rdiv_scalar, a0 / v)
LN_UNARY_BIN(rdiv_scalar, -a0 * g / (v * v))

/* }====== */

/* {====== Binary ops with broadcasting ====== */

/*
** The output as a row-major view of 'nd' dims (size-1 dims dropped,
** mergeable neighbours merged) with each operand's strides in it; a
** stride 0 marks a dim the operand is broadcast over.
*/
typedef struct bview {
  int nd;                          /* >= 1 */
  long dim[LN_MAX_DIMS];
  long s[2][LN_MAX_DIMS];          /* strides of a and b */
  long len;                        /* output numel */
} bview;

static void bview_init (bview *v, const ln_node *n) {
  long st[2][LN_MAX_DIMS];
  int k, d, nd = n->ndim;
  for (k = 0; k < 2; k++) {         /* operand strides aligned to n */
    const ln_node *in = n->in[k];
    long acc = 1;
    for (d = nd - 1; d >= 0; d--) {
      int id = d - (nd - in->ndim);
      int dd = id >= 0 ? in->dim[id] : 1;
      st[k][d] = dd == 1 ? 0 : acc;
      acc *= dd;
    }
  }
  v->nd = 0;
  v->len = (long)ln_numel(n);
  for (d = 0; d < nd; d++) {
    int m = v->nd - 1;
    long dd = n->dim[d];
    if (dd == 1) continue;
    if (m >= 0 && v->s[0][m] == st[0][d] * dd && v->s[1][m] == st[1][d] * dd) {
      v->dim[m] *= dd;                /* contiguous for both: merge */
      v->s[0][m] = st[0][d];
      v->s[1][m] = st[1][d];
    } else {
      v->dim[++m] = dd;
      v->s[0][m] = st[0][d];
      v->s[1][m] = st[1][d];
      v->nd++;
    }
  }
  if (v->nd == 0) {
    v->nd = 1;
    v->dim[0] = 1;
    v->s[0][0] = v->s[1][0] = 1;
  }
}

/* offsets of a and b at the start of row 'r' (all dims but the last) */
static inline void bview_row (const bview *v, long r, long *oa, long *ob) {
  long a = 0, b = 0;
  int d;
  for (d = v->nd - 2; d >= 0; d--) {
    long q = r % v->dim[d];
    r /= v->dim[d];
    a += q * v->s[0][d];
    b += q * v->s[1][d];
  }
  *oa = a;
  *ob = b;
}

/*
** BV_LOOP(v, body): run 'body' for every output index i with the operand
** indices ia, ib; contiguous loops for the common cases (same shapes, a
** scalar operand, an operand repeated along rows).
*/
#define BV_INNER(J0, N, A0, CA, B0, CB, ...) \
  for (j_ = 0; j_ < (N); j_++) { \
    const long i = (J0) + j_, ia = (A0) + (CA) * j_, ib = (B0) + (CB) * j_; \
    (void)i; (void)ia; (void)ib; \
    __VA_ARGS__ \
  }
#define BV_LOOP(v, ...) do { \
    const long len_ = (v)->len, in_ = (v)->dim[(v)->nd - 1]; \
    const long rows_ = len_ / (in_ ? in_ : 1); \
    const long ca_ = (v)->s[0][(v)->nd - 1], cb_ = (v)->s[1][(v)->nd - 1]; \
    long j_, r_; \
    if (rows_ == 1) { \
      if (ca_ && cb_) { \
        _Pragma("omp parallel for schedule(static) if (len_ > LN_PAR_MIN)") \
        BV_INNER(0, in_, 0, 1, 0, 1, __VA_ARGS__) \
      } else if (ca_) { \
        _Pragma("omp parallel for schedule(static) if (len_ > LN_PAR_MIN)") \
        BV_INNER(0, in_, 0, 1, 0, 0, __VA_ARGS__) \
      } else { \
        _Pragma("omp parallel for schedule(static) if (len_ > LN_PAR_MIN)") \
        BV_INNER(0, in_, 0, 0, 0, 1, __VA_ARGS__) \
      } \
    } else { \
      _Pragma("omp parallel for schedule(static) private(j_) if (len_ > LN_PAR_MIN)") \
      for (r_ = 0; r_ < rows_; r_++) { \
        long oa_, ob_; \
        bview_row((v), r_, &oa_, &ob_); \
        if (ca_ && cb_) { BV_INNER(r_ * in_, in_, oa_, 1, ob_, 1, __VA_ARGS__) } \
        else if (ca_) { BV_INNER(r_ * in_, in_, oa_, 1, ob_, 0, __VA_ARGS__) } \
        else { BV_INNER(r_ * in_, in_, oa_, 0, ob_, 1, __VA_ARGS__) } \
      } \
    } \
  } while (0)

/* sum over the reduced dims rd/rs (strides rs) starting at 'base' */
static double sum_over (const float *t, long base, int nr, const long *rd,
                        const long *rs) {
  long c[LN_MAX_DIMS] = {0}, j, in = nr ? rd[nr - 1] : 1;
  long is = nr ? rs[nr - 1] : 0;
  double s = 0;
  int d;
  for (;;) {
    if (is == 1) for (j = 0; j < in; j++) s += t[base + j];
    else for (j = 0; j < in; j++) s += t[base + j * is];
    for (d = nr - 2; d >= 0; d--) {
      base += rs[d];
      if (++c[d] < rd[d]) break;
      base -= rs[d] * rd[d];
      c[d] = 0;
    }
    if (d < 0) return s;
  }
}

/*
** g += t summed over the dims operand k is broadcast over: t has the
** output's shape, g operand k's. One thread per element of g, fixed order:
** deterministic.
*/
static void reduce_grad (const bview *v, int k, const float *t, float *g) {
  long os[LN_MAX_DIMS], kd[LN_MAX_DIMS], ks[LN_MAX_DIMS];
  long rd[LN_MAX_DIMS], rs[LN_MAX_DIMS], m = 1, j, len = v->len;
  int d, nk = 0, nr = 0;
  if (len == 0) return;                  /* nothing to add */
  os[v->nd - 1] = 1;
  for (d = v->nd - 2; d >= 0; d--) os[d] = os[d + 1] * v->dim[d + 1];
  for (d = 0; d < v->nd; d++) {
    if (v->s[k][d]) { kd[nk] = v->dim[d]; ks[nk++] = os[d]; m *= v->dim[d]; }
    else { rd[nr] = v->dim[d]; rs[nr++] = os[d]; }
  }
  if (nk == 1 && nr == 1 && ks[0] == 1 && rs[0] == kd[0]) {
    ln_col_sums(t, rd[0], kd[0], NULL, 1, 1.0, 1, g, NULL);   /* repeated along rows */
    return;
  }
  LN_PFOR
  for (j = 0; j < m; j++) {
    long base = 0, r = j;
    for (d = nk - 1; d >= 0; d--) { base += (r % kd[d]) * ks[d]; r /= kd[d]; }
    g[j] += (float)sum_over(t, base, nr, rd, rs);
  }
}

static int shape_binary (ln_node *n) {
  int nd, dim[LN_MAX_DIMS], rc;
  if ((rc = ln_need_f32(n, 0, NULL)) != LN_OK || (rc = ln_need_f32(n, 1, NULL)) != LN_OK)
    return rc;
  rc = ln_broadcast_shape(ln_node_desc(n)->name, n->in[0], n->in[1], &nd, dim);
  if (rc != LN_OK) return rc;
  ln_set_shape(n, LN_F32, nd, dim);
  return LN_OK;
}

/* a temporary output-sized buffer when an operand is broadcast */
static void scratch_binary (const ln_node *n, size_t *saved, size_t *work) {
  size_t len = ln_numel(n);
  *saved = 0;
  *work = (ln_numel(n->in[0]) != len || ln_numel(n->in[1]) != len)
    ? len * sizeof(float) : 0;
}

/*
** BINARY(op, F, DA, DB): y = F(x0, x1) with x0 = a[ia], x1 = b[ib]; DA, DB
** the partial derivatives. Operands of the output's size go through the
** map (which chains use). An operand as large as the output takes its
** gradient directly; a broadcast one through ctx->work and reduce_grad.
*/
/* operand k repeated along the rows of a [rows, cols] output, the other
** operand full (a bias, a per-feature scale): its gradient is a column
** sum, taken without a temporary */
static int col_operand (const bview *v, int k) {
  return v->nd == 2 && v->s[k][0] == 0 && v->s[k][1] == 1 &&
         v->s[1 - k][0] == v->dim[1] && v->s[1 - k][1] == 1;
}

/* acc[j] = sum over rows of column j0 + j of gy * (the partial) */
typedef void (*colgrad_fn) (const float *a, const float *b, const float *gy,
                            long rows, long cols, long j0, long w, double *acc);

/* g += the column sums, in ln_col_sums' blocks, each in row order (its
** bits over a temporary) */
static void col_grad (const bview *v, colgrad_fn fn, const float *a,
                      const float *b, const float *gy, float *g) {
  long rows = v->dim[0], cols = v->dim[1], blk, len = v->len;
  long nb = (cols + LN_COL_BLK - 1) / LN_COL_BLK;
  LN_PFOR
  for (blk = 0; blk < nb; blk++) {
    double acc[LN_COL_BLK];
    long j, j0 = blk * LN_COL_BLK, w = cols - j0 < LN_COL_BLK ? cols - j0 : LN_COL_BLK;
    fn(a, b, gy, rows, cols, j0, w, acc);
    for (j = 0; j < w; j++) g[j0 + j] += (float)acc[j];
  }
}

/* COLGRAD(op, k, D): the colgrad_fn of operand k (the broadcast one) */
#define COLGRAD(op, k, D) \
  LN_VEC static void op##_colgrad##k (const float *a, const float *b, const float *gy, \
                                      long rows, long cols, long j0, long w, \
                                      double *acc) { \
    long r, j; \
    for (j = 0; j < w; j++) acc[j] = 0; \
    for (r = 0; r < rows; r++) { \
      const long at = r * cols + j0; \
      _Pragma("omp simd") \
      for (j = 0; j < w; j++) { \
        const float x0 = k == 0 ? a[j0 + j] : a[at + j]; \
        const float x1 = k == 1 ? b[j0 + j] : b[at + j]; \
        (void)x0; (void)x1; \
        acc[j] += (double)(gy[at + j] * (D)); \
      } \
    } \
  }

#define BINARY_GRAD(op, k, D) \
  if (n->in[k]->g != NULL) { \
    float *g = n->in[k]->g; \
    if (ln_numel(n->in[k]) == (size_t)v.len) { \
      BV_LOOP(&v, const float x0 = a[ia]; const float x1 = b[ib]; \
              (void)x0; (void)x1; g[i] += gy[i] * (D);); \
    } else if (col_operand(&v, k)) { \
      col_grad(&v, op##_colgrad##k, a, b, gy, g); \
    } else { \
      float *t = c->work; \
      BV_LOOP(&v, const float x0 = a[ia]; const float x1 = b[ib]; \
              (void)x0; (void)x1; t[i] = gy[i] * (D);); \
      reduce_grad(&v, k, t, g); \
    } \
  }

/* the value of input k, or 'gy' where the input has none: add and sub do
** not keep their inputs (no LN_F_SAVE_IN), so a value only a fused chain
** read has no memory of its own (NULL). Their partials never read x0, x1;
** gy, output-sized, keeps those unused loads in bounds */
static const float *in_or (const ln_node *n, int k, const float *gy) {
  return n->in[k]->x != NULL ? n->in[k]->x : gy;
}

#define BINARY(op, F, DA, DB) \
  LN_VEC static void op##_map (const ln_node *n, const float *const *in, float *y, \
                        long len) { \
    const float *a = in[0], *b = in[1]; \
    long i; \
    (void)n; \
    _Pragma("omp simd") \
    for (i = 0; i < len; i++) { const float x0 = a[i]; const float x1 = b[i]; y[i] = (F); } \
  } \
  static void op##_forward (ln_node *n, ln_ctx *c) { \
    const float *a = n->in[0]->x, *b = n->in[1]->x; \
    float *y = n->x; \
    bview v; \
    (void)c; \
    if (ln_same_numel(n)) { ln_map_forward(n); return; } \
    bview_init(&v, n); \
    BV_LOOP(&v, const float x0 = a[ia]; const float x1 = b[ib]; y[i] = (F);); \
  } \
  COLGRAD(op, 0, DA) \
  COLGRAD(op, 1, DB) \
  static void op##_backward (ln_node *n, ln_ctx *c) { \
    const float *gy = n->g, *a = in_or(n, 0, gy), *b = in_or(n, 1, gy); \
    bview v; \
    bview_init(&v, n); \
    BINARY_GRAD(op, 0, DA) \
    BINARY_GRAD(op, 1, DB) \
  }

BINARY(add, x0 + x1, 1.0f, 1.0f)
BINARY(sub, x0 - x1, 1.0f, -1.0f)
BINARY(mul, x0 * x1, x1, x0)
BINARY(div, x0 / x1, 1.0f / x1, -x0 / (x1 * x1))
BINARY(maximum, x0 >= x1 ? x0 : x1, x0 >= x1 ? 1.0f : 0.0f,
       x0 >= x1 ? 0.0f : 1.0f)
BINARY(minimum, x0 <= x1 ? x0 : x1, x0 <= x1 ? 1.0f : 0.0f,
       x0 <= x1 ? 0.0f : 1.0f)

/* }====== */

/* {====== eml ====== */

/*
** Odrzywolek 2026, "All elementary functions from a single binary
** operator", arXiv:2603.21852: eml(x, y) = exp(x) - ln(y), y > 0 (checked
** on the values before each forward). dx = exp(x), dy = -1/y.
*/
static int eml_shape (ln_node *n) {
  const ln_node *a = n->in[0], *b = n->in[1];
  int i, rc;
  if ((rc = ln_need_f32(n, 0, "x")) || (rc = ln_need_f32(n, 1, "y"))) return rc;
  for (i = 0; i < a->ndim && a->ndim == b->ndim; i++)
    if (a->dim[i] != b->dim[i]) break;
  if (a->ndim != b->ndim || i < a->ndim)
    return ln_seterr(LN_ESHAPE, "eml: x %s and y %s must have the same shape",
                     ln_node_shape(a), ln_node_shape(b));
  return ln_shape_like_x(n);
}

static int eml_validate (const ln_node *n) {
  const float *y = n->in[1]->x;
  size_t i, len = ln_numel(n->in[1]);
  for (i = 0; i < len; i++)
    if (!(y[i] > 0))
      return ln_seterr(LN_EARG, "eml: y (input 2) must be > 0, got %g at index "
                       "%zu", y[i], i + 1);
  return LN_OK;
}

static void eml_forward (ln_node *n, ln_ctx *c) {
  const float *x = n->in[0]->x, *y = n->in[1]->x;
  long i, len = (long)ln_numel(n);
  (void)c;
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (i = 0; i < len; i++) n->x[i] = expf(x[i]) - logf(y[i]);
}

static void eml_backward (ln_node *n, ln_ctx *c) {
  const float *x = n->in[0]->x, *y = n->in[1]->x;
  float *dx = n->in[0]->g, *dy = n->in[1]->g;
  long i, len = (long)ln_numel(n);
  (void)c;
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (i = 0; i < len; i++) {
    if (dx) dx[i] += n->g[i] * expf(x[i]);
    if (dy) dy[i] -= n->g[i] / y[i];
  }
}

/* }====== */

/* {====== dropout ====== */

static int dropout_shape (ln_node *n) {
  double p = n->attr[0];
  if (!(p >= 0 && p < 1))
    return ln_seterr(LN_EARG, "dropout: p %g must be in [0, 1)", p);
  return ln_shape_unary(n);
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
  if (!c->training) { ln_add_to(dx, n->g, len); return; }
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (i = 0; i < len; i++) dx[i] += n->g[i] * mask[i];
}

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
  double q = 1 - p, ap = -LN_SELU_LAMBDA * LN_SELU_ALPHA;
  double A = 1 / sqrt(q + ap * ap * q * (1 - q)), B = -A * (1 - q) * ap;
  *a = (float)A;
  *b = (float)B;
  *dropped = (float)(A * ap + B);   /* the value a dropped unit takes */
}

static int alpha_dropout_shape (ln_node *n) {
  double p = n->attr[0];
  if (!(p >= 0 && p < 1))
    return ln_seterr(LN_EARG, "alpha_dropout: p %g must be in [0, 1)", p);
  return ln_shape_unary(n);
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

#define EW LN_F_ELEMWISE
#define UN(op, at, fl, d) \
  {.name = #op, .min_in = 1, .max_in = 1, .attrs = at, .shape = ln_shape_unary, \
   .forward = op##_forward, .backward = op##_backward, .map = op##_map, \
   .flags = (fl) | EW | LN_F_ASSIGN, \
   .doc = d}
#define BIN(op, fl, d) \
  {.name = #op, .min_in = 2, .max_in = 2, .attrs = "", .shape = shape_binary, \
   .scratch = scratch_binary, .forward = op##_forward, \
   .backward = op##_backward, .map = op##_map, .flags = (fl), .doc = d}

const ln_opdesc ln_ops_elem[] = {
  UN(neg, "", 0, "y = -x"),
  UN(abs, "", LN_F_SAVE_IN, "y = |x|"),
  UN(exp, "", LN_F_SAVE_OUT, "y = exp(x)"),
  UN(log, "", LN_F_SAVE_IN, "y = log(x)"),
  UN(sqrt, "", LN_F_SAVE_IN, "y = sqrt(x)"),
  UN(square, "", LN_F_SAVE_IN, "y = x^2"),
  UN(pow, "@p=2", LN_F_SAVE_IN, "y = x^p"),
  UN(clamp, "@min=-3.4e38,@max=3.4e38", LN_F_SAVE_IN,
     "y = min(max(x, min), max)"),
  UN(add_scalar, "@c=0", 0, "y = x + c"),
  UN(mul_scalar, "@c=1", 0, "y = c * x"),
  UN(rdiv_scalar, "@c=1", LN_F_SAVE_IN, "y = c / x"),
  BIN(add, 0, "y = a + b (broadcasting)"),
  BIN(sub, 0, "y = a - b (broadcasting)"),
  BIN(mul, LN_F_SAVE_IN, "y = a * b (broadcasting)"),
  BIN(div, LN_F_SAVE_IN, "y = a / b (broadcasting)"),
  BIN(maximum, LN_F_SAVE_IN, "y = max(a, b) (broadcasting; ties to a)"),
  BIN(minimum, LN_F_SAVE_IN, "y = min(a, b) (broadcasting; ties to a)"),
  {.name = "eml", .min_in = 2, .max_in = 2, .attrs = "",
   .shape = eml_shape, .forward = eml_forward, .backward = eml_backward,
   .validate = eml_validate, .flags = LN_F_SAVE_IN,
   .doc = "y = exp(x) - log(y); y > 0",
   .paper = "Odrzywolek 2026, All elementary functions from a single binary "
            "operator, arXiv:2603.21852"},
  {.name = "dropout", .min_in = 1, .max_in = 1, .attrs = "@p=0.5",
   .shape = dropout_shape, .scratch = dropout_scratch,
   .forward = dropout_forward, .backward = dropout_backward,
   .flags = LN_F_RANDOM,
   .doc = "training: y = x * mask / (1 - p), mask ~ Bernoulli(1 - p); else x"},
  {.name = "alpha_dropout", .min_in = 1, .max_in = 1, .attrs = "@p=0.5",
   .shape = alpha_dropout_shape, .scratch = alpha_dropout_scratch,
   .forward = alpha_dropout_forward, .backward = alpha_dropout_backward,
   .flags = LN_F_RANDOM,
   .doc = "training: y = a (x if kept else -lambda alpha) + b, kept with "
          "prob 1 - p, a = (q + a'^2 q p)^(-1/2), b = -a p a', q = 1 - p, "
          "a' = -lambda alpha; keeps mean 0, var 1; else x",
   .paper = LN_P_SNN},
  {.name = NULL}
};
