/*
** kan.c -- KAN and learnable-activation layers. A KAN layer maps
** x [..., n_in] to y [..., n_out] with a learnable 1-D function on every
** edge, y_j = sum_i phi_ij(x_i); the variants differ in the basis of phi.
** The coefficients are op inputs (graph parameters).
**
** Where the structure allows, the basis is expanded once into
** Phi [rows, n_in * K] (kept for backward) and contracted with the
** coefficients [n_out, n_in * K] by one sgemm; backward is two more
** (dPhi = dY W, dW = dY^T Phi) and an elementwise pass for dx.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "ln_ops.h"

/* largest basis per input a kernel keeps on its stack */
#define MAX_COLS 256
/* rows per block of the fixed-block reductions (thread-count independent) */
#define ROW_BLOCK 64

/* {====== shared helpers ====== */

/* x [..., n_in]: at least one dim and one feature */
static int check_x (const ln_node *n, const char *op) {
  const ln_node *x = n->in[0];
  if (x->ndim < 1 || x->dim[x->ndim - 1] < 1)
    return ln_seterr(LN_ESHAPE, "%s: input %s must be [..., n_in] with n_in >= 1",
                     op, ln_node_shape(x));
  return LN_OK;
}

static int n_in_of (const ln_node *n) { return n->in[0]->dim[n->in[0]->ndim - 1]; }

static size_t rows_of (const ln_node *n) {
  return ln_numel(n->in[0]) / (size_t)n_in_of(n);
}

/* the output: x's shape with the last dim n_out */
static void set_out (ln_node *n, int n_out) {
  const ln_node *x = n->in[0];
  int dim[LN_MAX_DIMS];
  memcpy(dim, x->dim, sizeof(dim));
  dim[x->ndim - 1] = n_out;
  ln_set_shape(n, LN_F32, x->ndim, dim);
}

/* optional bias input k: [n_out] */
static int check_bias (const ln_node *n, int k, int n_out, const char *op) {
  if (n->n_in > k && (n->in[k]->ndim != 1 || n->in[k]->dim[0] != n_out))
    return ln_seterr(LN_ESHAPE, "%s: bias %s does not fit %d outputs", op,
                     ln_node_shape(n->in[k]), n_out);
  return LN_OK;
}

/* y [rows, n_out] = phi [rows, cols] W^T (W [n_out, cols]) + bias */
static void contract (ln_node *n, const float *phi, const float *W, int cols,
                      int n_out, size_t rows, const float *bias) {
  if (bias) {
    size_t r;
    #pragma omp parallel for schedule(static) if (rows * n_out > LN_PAR_MIN)
    for (r = 0; r < rows; r++) memcpy(n->x + r * n_out, bias, n_out * sizeof(float));
  }
  ln_gemm(0, 1, (int)rows, n_out, cols, 1, phi, cols, W, cols, bias ? 1 : 0,
          n->x, n_out);
}

/* db[j] += sum over rows of dy[r, j] (one thread per column: deterministic) */
static void bias_grad (const float *dy, size_t rows, int n_out, float *db) {
  int j;
  if (db == NULL) return;
  #pragma omp parallel for schedule(static) if (rows * n_out > LN_PAR_MIN)
  for (j = 0; j < n_out; j++) {
    double s = 0;
    size_t r;
    for (r = 0; r < rows; r++) s += dy[r * n_out + j];
    db[j] += (float)s;
  }
}

/* column sums of a [rows, cols] double matrix into out (+=) */
static void col_sums (const double *part, size_t rows, int cols, float *out) {
  int j;
  if (out == NULL) return;
  #pragma omp parallel for schedule(static) if (rows * cols > LN_PAR_MIN)
  for (j = 0; j < cols; j++) {
    double s = 0;
    size_t r;
    for (r = 0; r < rows; r++) s += part[r * cols + j];
    out[j] += (float)s;
  }
}

/* silu(z) = z sigma(z) and its derivative sigma(z) (1 + z (1 - sigma(z))) */
static float silu (float z, float *d) {
  float s = ln_sigmoidf(z);
  if (d) *d = s * (1 + z * (1 - s));
  return z * s;
}

/* }====== */

/* {====== bases ====== */

enum { B_SPLINE = 0, B_CHEB, B_RBF, B_FOURIER, B_TRU };

/* one basis of one input: the functions it expands x into */
typedef struct basis {
  int kind, cols;       /* B_*, functions per input */
  int grid, order;      /* B-spline: G intervals, degree k */
  float lo, hi, h;      /* range; B-spline and RBF spacing */
  int deg;              /* Chebyshev degree, truncated-power degree */
  int knots;            /* truncated powers: interior knots */
} basis;

/*
** Uniform B-splines of degree k on G intervals of [lo, hi], the knots
** extended by k on each side as pykan does (extend_grid): t_m = lo +
** (m - k) h, m = 0..G+2k, h = (hi - lo) / G, giving G + k bases B_m with
** support [t_m, t_{m+k+1}); zero outside [t_0, t_{G+2k}). Source: Liu et
** al. 2024 (arXiv:2404.19756) and pykan's spline.py (B_batch, extend_grid),
** read, not copied. The Cox-de Boor recursion runs on the k+1 bases that
** are nonzero in x's interval j (local coordinate f in [0, 1)):
**   N_d[r] = ((f + d - r) N_{d-1}[r-1] + (r + 1 - f) N_{d-1}[r]) / d,
** N_d[r] being B_{j-d+r} of degree d; and B'_{m} = (B_m^{k-1} -
** B_{m+1}^{k-1}) / h on uniform knots. Returns the index of the first
** nonzero basis (j - k), or OUTSIDE when x is outside the knots.
*/
#define OUTSIDE (-1000000)
static int spline_local (const basis *b, float x, float *N, float *D) {
  int k = b->order, d, r, j, n_int = b->grid + 2 * k;
  double u = ((double)x - ((double)b->lo - (double)k * b->h)) / b->h;
  float f;
  if (!(u >= 0) || u >= n_int) return OUTSIDE;
  j = (int)u;
  f = (float)(u - j);
  N[0] = 1;
  for (d = 1; d <= k; d++) {
    float prev = 0;
    if (d == k && D) memcpy(D, N, (size_t)d * sizeof(float));
    for (r = 0; r <= d; r++) {
      float old = r < d ? N[r] : 0;
      N[r] = ((f + (float)(d - r)) * prev + ((float)(r + 1) - f) * old) / (float)d;
      prev = old;
    }
  }
  return j - k;
}

static void spline_eval (const basis *b, float x, float *phi) {
  float N[16];
  int r, m0 = spline_local(b, x, N, NULL), K = b->grid + b->order;
  memset(phi, 0, (size_t)K * sizeof(float));
  if (m0 == OUTSIDE) return;
  for (r = 0; r <= b->order; r++)
    if (m0 + r >= 0 && m0 + r < K) phi[m0 + r] = N[r];
}

/* sum_m g[m] B'_m(x) */
static double spline_dot (const basis *b, float x, const float *g) {
  float N[16], D[16];
  int r, k = b->order, m0 = spline_local(b, x, N, D), K = b->grid + k;
  double s = 0;
  if (m0 == OUTSIDE) return 0;
  for (r = 0; r <= k; r++) {
    int m = m0 + r;
    float lo = r > 0 ? D[r - 1] : 0, hi = r < k ? D[r] : 0;
    if (m >= 0 && m < K) s += (double)g[m] * (lo - hi);
  }
  return s / b->h;
}

/*
** Chebyshev polynomials T_0..T_deg of tanh(x) (ChebyKAN's normalisation,
** S-KAN's polynomial candidate); dT_n/dx = n U_{n-1}(t) (1 - t^2).
*/
static void cheb_eval (const basis *b, float x, float *phi, const float *g, double *dot) {
  double t = tanhf(x), T0 = 1, T1 = t, U0 = 1, U1 = 2 * t, s = 0;
  int n;
  for (n = 0; n <= b->deg; n++) {
    double T = n == 0 ? 1 : n == 1 ? t : 2 * t * T1 - T0;
    if (phi) phi[n] = (float)T;
    if (g && n > 0) {
      double U = n == 1 ? 1 : n == 2 ? 2 * t : 2 * t * U1 - U0;
      s += g[n] * n * U;
      if (n >= 3) { U0 = U1; U1 = U; }
    }
    if (n >= 2) { T0 = T1; T1 = T; }
  }
  if (dot) *dot = s * (1 - t * t);
}

/* Gaussian bumps exp(-((x - c_m) / h)^2) at C centres spread over [lo, hi]
** with h their spacing (FastKAN's RBF basis, S-KAN's RBF candidate) */
static void rbf_eval (const basis *b, float x, float *phi, const float *g, double *dot) {
  int m, C = b->cols;
  double s = 0;
  float inv = 1 / b->h;
  for (m = 0; m < C; m++) {
    float z = (x - (b->lo + (float)m * b->h)) * inv, e = expf(-z * z);
    if (phi) phi[m] = e;
    if (g) s += (double)g[m] * e * (-2 * z * inv);
  }
  if (dot) *dot = s;
}

/* cos(k x), k = 1..F, then sin(k x); angles by rotation in double */
static void fourier_eval (const basis *b, float x, float *phi, const float *g, double *dot) {
  int k, F = b->cols / 2;
  double c1 = cos((double)x), s1 = sin((double)x), c = c1, s = s1, acc = 0;
  for (k = 1; k <= F; k++) {
    double cn;
    if (phi) { phi[k - 1] = (float)c; phi[F + k - 1] = (float)s; }
    if (g) acc += -k * s * g[k - 1] + k * c * g[F + k - 1];
    cn = c * c1 - s * s1;
    s = s * c1 + c * s1;
    c = cn;
  }
  if (dot) *dot = acc;
}

/*
** TruKAN: 1, x, ..., x^p, then (x - t_j)_+^p at J interior knots
** t_j = lo + j (hi - lo) / (J + 1), j = 1..J (fixed, shared knots).
** Source: Bayeh et al. 2026 (arXiv:2602.03879) and the authors' trukan
** package (truncated_power_basis: polynomial block then truncated
** powers; knots linspace(lo, hi, J + 2)[1:-1]), read, not copied.
*/
static void tru_eval (const basis *b, float x, float *phi, const float *g, double *dot) {
  int d, j, p = b->deg;
  double xv = x, pw = 1, q = 1, s = 0, step = ((double)b->hi - b->lo) / (b->knots + 1);
  for (d = 0; d <= p; d++) {
    if (phi) phi[d] = (float)pw;
    if (g && d > 0) { s += g[d] * d * q; q *= xv; }   /* d x^(d-1) */
    pw *= xv;
  }
  for (j = 0; j < b->knots; j++) {
    double u = xv - (b->lo + (j + 1) * step), v = u > 0 ? u : 0;
    q = 1;
    for (d = 1; d < p; d++) q *= v;          /* v^(p-1) */
    if (phi) phi[p + 1 + j] = (float)(q * v);
    if (g && v > 0) s += g[p + 1 + j] * p * q;
  }
  if (dot) *dot = s;
}

/* all functions of basis b at x into phi[0..cols) */
static void basis_eval (const basis *b, float x, float *phi) {
  switch (b->kind) {
    case B_SPLINE: spline_eval(b, x, phi); break;
    case B_CHEB: cheb_eval(b, x, phi, NULL, NULL); break;
    case B_RBF: rbf_eval(b, x, phi, NULL, NULL); break;
    case B_FOURIER: fourier_eval(b, x, phi, NULL, NULL); break;
    default: tru_eval(b, x, phi, NULL, NULL); break;
  }
}

/* sum_m g[m] phi_m'(x) */
static double basis_dot (const basis *b, float x, const float *g) {
  double s = 0;
  switch (b->kind) {
    case B_SPLINE: return spline_dot(b, x, g);
    case B_CHEB: cheb_eval(b, x, NULL, g, &s); break;
    case B_RBF: rbf_eval(b, x, NULL, g, &s); break;
    case B_FOURIER: fourier_eval(b, x, NULL, g, &s); break;
    default: tru_eval(b, x, NULL, g, &s); break;
  }
  return s;
}

static basis spline_basis (int grid, int order, double lo, double hi) {
  basis b;
  memset(&b, 0, sizeof(b));
  b.kind = B_SPLINE; b.grid = grid; b.order = order;
  b.lo = (float)lo; b.hi = (float)hi; b.h = (float)((hi - lo) / grid);
  b.cols = grid + order;
  return b;
}

/*
** A basis set: up to 4 bases side by side per input (S-KAN), and an
** optional silu column first (the residual b(x) of kan_bspline).
*/
typedef struct bset {
  int n, silu, cols;      /* bases, silu column?, columns per input */
  basis b[4];
  int off[4];             /* column of each basis within an input */
} bset;

static void bset_add (bset *s, basis b) {
  s->off[s->n] = s->cols;
  s->b[s->n++] = b;
  s->cols += b.cols;
}

/* Phi [rows * n_in, cols] of the set at every x */
static void expand (const bset *s, const float *x, size_t len, float *phi) {
  size_t t;
  #pragma omp parallel for schedule(static) if (len * s->cols > LN_PAR_MIN)
  for (t = 0; t < len; t++) {
    float *p = phi + t * s->cols;
    int q;
    if (s->silu) p[0] = silu(x[t], NULL);
    for (q = 0; q < s->n; q++) basis_eval(&s->b[q], x[t], p + s->off[q]);
  }
}

/* dx[t] += sum_m dphi[t, m] phi_m'(x[t]) */
static void expand_grad (const bset *s, const float *x, size_t len,
                         const float *dphi, float *dx) {
  size_t t;
  #pragma omp parallel for schedule(static) if (len * s->cols > LN_PAR_MIN)
  for (t = 0; t < len; t++) {
    const float *g = dphi + t * s->cols;
    double acc = 0;
    int q;
    if (s->silu) { float d; silu(x[t], &d); acc += (double)g[0] * d; }
    for (q = 0; q < s->n; q++) acc += basis_dot(&s->b[q], x[t], g + s->off[q]);
    dx[t] += (float)acc;
  }
}

/* }====== */

/* {====== basis KANs: the shared forward and backward ====== */

/*
** Phi = expand(x) into saved, y = Phi W^T + bias. W is [n_out, n_in *
** cols]: the coefficients themselves or an effective matrix in work.
*/
static void basis_forward (ln_node *n, const bset *s, const float *W, int bias_k) {
  int n_in = n_in_of(n), n_out = n->dim[n->ndim - 1];
  size_t rows = rows_of(n);
  expand(s, n->in[0]->x, rows * n_in, n->saved);
  contract(n, n->saved, W, n_in * s->cols, n_out, rows,
           n->n_in > bias_k ? n->in[bias_k]->x : NULL);
}

/*
** dx += expand'(x) (dY W) using 'dphi' as room; dW = dY^T Phi into 'dW'
** ('beta' 1 accumulates into a parameter gradient, 0 overwrites room in
** work); db += column sums of dY.
*/
static void basis_backward (ln_node *n, const bset *s, const float *W,
                            float *dphi, float *dW, float beta, int bias_k) {
  const ln_node *x = n->in[0];
  int n_in = n_in_of(n), n_out = n->dim[n->ndim - 1], C = n_in * s->cols;
  size_t rows = rows_of(n);
  if (x->g) {
    ln_gemm(0, 0, (int)rows, C, n_out, 1, n->g, n_out, W, C, 0, dphi, C);
    expand_grad(s, x->x, rows * n_in, dphi, x->g);
  }
  if (dW) ln_gemm(1, 0, n_out, C, (int)rows, 1, n->g, n_out, n->saved, C, beta, dW, C);
  if (n->n_in > bias_k) bias_grad(n->g, rows, n_out, n->in[bias_k]->g);
}

/* saved: Phi; work: the effective W (when built), dPhi, dW (when in work) */
static void basis_scratch (const ln_node *n, int cols, int built_w, int dw_in_work,
                           size_t *saved, size_t *work) {
  size_t rows = rows_of(n), C = (size_t)n_in_of(n) * cols;
  size_t wsz = (size_t)n->dim[n->ndim - 1] * C;
  *saved = rows * C * sizeof(float);
  *work = ((built_w ? wsz : 0) + rows * C + (dw_in_work ? wsz : 0)) * sizeof(float);
}

/* coef [n_out, n_in, K] for x [..., n_in]; n_out from coef */
static int check_coef (const ln_node *n, int k, int K, const char *op, const char *how) {
  const ln_node *c = n->in[k];
  int n_in = n_in_of(n);
  if (c->ndim != 3 || c->dim[1] != n_in || c->dim[2] != K || c->dim[0] < 1)
    return ln_seterr(LN_ESHAPE, "%s: coef %s does not fit input %s and %s (want "
                     "[n_out, %d, %d])", op, ln_node_shape(c),
                     ln_node_shape(n->in[0]), how, n_in, K);
  if (K > MAX_COLS)
    return ln_seterr(LN_EARG, "%s: %d basis functions per input, at most %d",
                     op, K, MAX_COLS);
  return LN_OK;
}

/* [n_out, n_in] per-edge scale k */
static int check_edge (const ln_node *n, int k, const char *op, const char *what) {
  const ln_node *c = n->in[1], *w = n->in[k];
  if (w->ndim != 2 || w->dim[0] != c->dim[0] || w->dim[1] != c->dim[1])
    return ln_seterr(LN_ESHAPE, "%s: %s %s does not fit coef %s (want [%d, %d])",
                     op, what, ln_node_shape(w), ln_node_shape(c), c->dim[0],
                     c->dim[1]);
  return LN_OK;
}

/* }====== */

/* {====== kan_bspline ====== */

/* attrs: grid, order, lo, hi */
static int grid_ok (const ln_node *n, const char *op, int *grid, int *order) {
  double g = n->attr[0], k = n->attr[1];
  if (!(g >= 1 && g <= 1000 && g == floor(g)) || !(k >= 1 && k <= 10 && k == floor(k)))
    return ln_seterr(LN_EARG, "%s: grid %g must be an integer >= 1 and order %g "
                     "an integer in 1..10", op, g, k);
  if (!(n->attr[3] > n->attr[2]))
    return ln_seterr(LN_EARG, "%s: range [%g, %g] is empty", op, n->attr[2],
                     n->attr[3]);
  *grid = (int)g;
  *order = (int)k;
  return LN_OK;
}

static bset bspline_set (const ln_node *n) {
  bset s;
  memset(&s, 0, sizeof(s));
  s.silu = 1;
  s.cols = 1;
  bset_add(&s, spline_basis((int)n->attr[0], (int)n->attr[1], n->attr[2], n->attr[3]));
  return s;
}

static int kan_bspline_shape (ln_node *n) {
  static const char *op = "kan_bspline";
  int rc, grid = 0, order = 0;
  char how[64];
  if ((rc = ln_need_f32_all(n)) || (rc = check_x(n, op)) ||
      (rc = grid_ok(n, op, &grid, &order)))
    return rc;
  snprintf(how, sizeof(how), "grid %d, order %d", grid, order);
  if ((rc = check_coef(n, 1, grid + order, op, how)) ||
      (rc = check_edge(n, 2, op, "w_base")) || (rc = check_edge(n, 3, op, "w_spline")) ||
      (rc = check_bias(n, 4, n->in[1]->dim[0], op)))
    return rc;
  set_out(n, n->in[1]->dim[0]);
  return LN_OK;
}

static void kan_bspline_scratch (const ln_node *n, size_t *saved, size_t *work) {
  basis_scratch(n, n->in[1]->dim[2] + 1, 1, 1, saved, work);
}

/* W'[j, i, 0] = w_b[j, i], W'[j, i, 1 + m] = w_s[j, i] c[j, i, m] */
static void bspline_weights (const ln_node *n, float *W) {
  const float *c = n->in[1]->x, *wb = n->in[2]->x, *ws = n->in[3]->x;
  int K = n->in[1]->dim[2];
  size_t e, edges = (size_t)n->in[1]->dim[0] * n->in[1]->dim[1];
  #pragma omp parallel for schedule(static) if (edges * K > LN_PAR_MIN)
  for (e = 0; e < edges; e++) {
    float *w = W + e * (K + 1);
    int m;
    w[0] = wb[e];
    for (m = 0; m < K; m++) w[1 + m] = ws[e] * c[e * K + m];
  }
}

/*
** phi_ij(x) = w_b silu(x) + w_s sum_m c_m B_m(x) (Liu et al. 2024; pykan
** KANLayer.forward: scale_base * base_fun(x) + scale_sp * spline(x)).
** The silu column joins the B-spline columns, so one sgemm does both.
*/
static void kan_bspline_forward (ln_node *n, ln_ctx *c) {
  bset s = bspline_set(n);
  bspline_weights(n, c->work);
  basis_forward(n, &s, c->work, 4);
}

static void kan_bspline_backward (ln_node *n, ln_ctx *c) {
  bset s = bspline_set(n);
  ln_node *cf = n->in[1], *wb = n->in[2], *ws = n->in[3];
  int K = cf->dim[2];
  size_t e, edges = (size_t)cf->dim[0] * cf->dim[1], wsz = edges * (K + 1);
  float *W = c->work, *dW = W + wsz, *dphi = dW + wsz;
  int params = cf->g || wb->g || ws->g;
  if (n->in[0]->g) bspline_weights(n, W);
  basis_backward(n, &s, W, dphi, params ? dW : NULL, 0, 4);
  if (!params) return;
  #pragma omp parallel for schedule(static) if (edges * K > LN_PAR_MIN)
  for (e = 0; e < edges; e++) {
    const float *d = dW + e * (K + 1), *cc = cf->x + e * K;
    double sw = 0;
    int m;
    if (wb->g) wb->g[e] += d[0];
    for (m = 0; m < K; m++) {
      sw += (double)cc[m] * d[1 + m];
      if (cf->g) cf->g[e * K + m] += ws->x[e] * d[1 + m];
    }
    if (ws->g) ws->g[e] += (float)sw;
  }
}

/* }====== */

/* {====== fourier_kan, tru_kan ====== */

static int fourier_kan_shape (ln_node *n) {
  static const char *op = "fourier_kan";
  const ln_node *c = n->in[1];
  int rc;
  if ((rc = ln_need_f32_all(n)) || (rc = check_x(n, op))) return rc;
  if (c->ndim != 3 || c->dim[2] < 2 || c->dim[2] % 2)
    return ln_seterr(LN_ESHAPE, "fourier_kan: coef %s must be [n_out, n_in, 2F] "
                     "(F cosine then F sine coefficients)", ln_node_shape(c));
  if ((rc = check_coef(n, 1, c->dim[2], op, "F frequencies")) ||
      (rc = check_bias(n, 2, c->dim[0], op)))
    return rc;
  set_out(n, c->dim[0]);
  return LN_OK;
}

static bset fourier_set (const ln_node *n) {
  bset s;
  basis b;
  memset(&s, 0, sizeof(s));
  memset(&b, 0, sizeof(b));
  b.kind = B_FOURIER;
  b.cols = n->in[1]->dim[2];
  bset_add(&s, b);
  return s;
}

/* coefficients are the contraction's matrix: dW goes straight to coef.g */
static void direct_scratch (const ln_node *n, size_t *saved, size_t *work) {
  basis_scratch(n, n->in[1]->dim[2], 0, 0, saved, work);
}

/*
** phi_ij(x) = sum_{k=1..F} a_ijk cos(k x) + b_ijk sin(k x) (the FourierKAN
** layer of GistNoesis' FourierKAN; OPS.md section 2).
*/
static void fourier_kan_forward (ln_node *n, ln_ctx *c) {
  bset s = fourier_set(n);
  (void)c;
  basis_forward(n, &s, n->in[1]->x, 2);
}

static void fourier_kan_backward (ln_node *n, ln_ctx *c) {
  bset s = fourier_set(n);
  basis_backward(n, &s, n->in[1]->x, c->work, n->in[1]->g, 1, 2);
}

/* attrs: degree, lo, hi; knots J from coef: K = degree + 1 + J */
static int tru_kan_shape (ln_node *n) {
  static const char *op = "tru_kan";
  const ln_node *c = n->in[1];
  double p = n->attr[0];
  int rc;
  if ((rc = ln_need_f32_all(n)) || (rc = check_x(n, op))) return rc;
  if (!(p >= 1 && p <= 10 && p == floor(p)) || !(n->attr[2] > n->attr[1]))
    return ln_seterr(LN_EARG, "tru_kan: degree %g must be an integer in 1..10 and "
                     "range [%g, %g] not empty", p, n->attr[1], n->attr[2]);
  if (c->ndim != 3 || c->dim[2] < (int)p + 1)
    return ln_seterr(LN_ESHAPE, "tru_kan: coef %s must be [n_out, n_in, %d + J] "
                     "(degree %d polynomial, J knots)", ln_node_shape(c), (int)p + 1,
                     (int)p);
  if ((rc = check_coef(n, 1, c->dim[2], op, "the knots")) ||
      (rc = check_bias(n, 2, c->dim[0], op)))
    return rc;
  set_out(n, c->dim[0]);
  return LN_OK;
}

static bset tru_set (const ln_node *n) {
  bset s;
  basis b;
  memset(&s, 0, sizeof(s));
  memset(&b, 0, sizeof(b));
  b.kind = B_TRU;
  b.deg = (int)n->attr[0];
  b.lo = (float)n->attr[1];
  b.hi = (float)n->attr[2];
  b.cols = n->in[1]->dim[2];
  b.knots = b.cols - b.deg - 1;
  bset_add(&s, b);
  return s;
}

/* phi_ij(x) = sum_d a_d x^d + sum_j c_j (x - t_j)_+^p (TruKAN) */
static void tru_kan_forward (ln_node *n, ln_ctx *c) {
  bset s = tru_set(n);
  (void)c;
  basis_forward(n, &s, n->in[1]->x, 2);
}

static void tru_kan_backward (ln_node *n, ln_ctx *c) {
  bset s = tru_set(n);
  basis_backward(n, &s, n->in[1]->x, c->work, n->in[1]->g, 1, 2);
}

/* }====== */

/* {====== s_kan ====== */

#define S_BASES 4

/* attrs: grid, order, lo, hi, degree, centers, freq */
static int s_set (const ln_node *n, bset *s) {
  int grid = 0, order = 0, deg = (int)n->attr[4], C = (int)n->attr[5], F = (int)n->attr[6];
  basis b;
  int rc = grid_ok(n, "s_kan", &grid, &order);
  if (rc) return rc;
  if (n->attr[4] != deg || deg < 1 || deg > 64 || n->attr[5] != C || C < 2 ||
      C > 64 || n->attr[6] != F || F < 1 || F > 64)
    return ln_seterr(LN_EARG, "s_kan: degree %g, centers %g and freq %g must be "
                     "integers (degree, freq in 1..64, centers in 2..64)",
                     n->attr[4], n->attr[5], n->attr[6]);
  memset(s, 0, sizeof(*s));
  bset_add(s, spline_basis(grid, order, n->attr[2], n->attr[3]));
  memset(&b, 0, sizeof(b));
  b.kind = B_CHEB; b.deg = deg; b.cols = deg + 1;
  bset_add(s, b);
  memset(&b, 0, sizeof(b));
  b.kind = B_RBF; b.cols = C; b.lo = (float)n->attr[2]; b.hi = (float)n->attr[3];
  b.h = (float)((n->attr[3] - n->attr[2]) / (C - 1));
  bset_add(s, b);
  memset(&b, 0, sizeof(b));
  b.kind = B_FOURIER; b.cols = 2 * F;
  bset_add(s, b);
  return LN_OK;
}

static int s_kan_shape (ln_node *n) {
  static const char *op = "s_kan";
  const ln_node *th = n->in[2];
  bset s;
  int rc;
  char how[96];
  if ((rc = ln_need_f32_all(n)) || (rc = check_x(n, op)) || (rc = s_set(n, &s))) return rc;
  snprintf(how, sizeof(how), "bases of %d + %d + %d + %d functions", s.b[0].cols,
           s.b[1].cols, s.b[2].cols, s.b[3].cols);
  if ((rc = check_coef(n, 1, s.cols, op, how))) return rc;
  if (th->ndim != 2 || th->dim[0] != n->in[1]->dim[0] || th->dim[1] != S_BASES)
    return ln_seterr(LN_ESHAPE, "s_kan: theta %s does not fit coef %s (want [%d, %d]: "
                     "one selector logit per output node and basis)",
                     ln_node_shape(th), ln_node_shape(n->in[1]), n->in[1]->dim[0],
                     S_BASES);
  if ((rc = check_bias(n, 3, n->in[1]->dim[0], op))) return rc;
  set_out(n, n->in[1]->dim[0]);
  return LN_OK;
}

static void s_kan_scratch (const ln_node *n, size_t *saved, size_t *work) {
  basis_scratch(n, n->in[1]->dim[2], 1, 1, saved, work);
  *work += (size_t)n->in[1]->dim[0] * S_BASES * sizeof(float);
}

/* softmax of each node's selector logits into p [n_out, S] */
static void s_probs (const ln_node *n, float *p) {
  const float *th = n->in[2]->x;
  int j, q, n_out = n->in[2]->dim[0];
  for (j = 0; j < n_out; j++) {
    const float *t = th + j * S_BASES;
    float mx = t[0];
    double sum = 0;
    for (q = 1; q < S_BASES; q++) if (t[q] > mx) mx = t[q];
    for (q = 0; q < S_BASES; q++) sum += (p[j * S_BASES + q] = expf(t[q] - mx));
    for (q = 0; q < S_BASES; q++) p[j * S_BASES + q] = (float)(p[j * S_BASES + q] / sum);
  }
}

/* W'[j, i, block q] = p[j, q] c[j, i, block q] */
static void s_weights (const ln_node *n, const bset *s, const float *p, float *W) {
  const float *c = n->in[1]->x;
  int K = s->cols, n_in = n->in[1]->dim[1];
  size_t e, edges = (size_t)n->in[1]->dim[0] * n_in;
  #pragma omp parallel for schedule(static) if (edges * K > LN_PAR_MIN)
  for (e = 0; e < edges; e++) {
    const float *pj = p + (e / n_in) * S_BASES;
    int q, m;
    for (q = 0; q < s->n; q++)
      for (m = s->off[q]; m < s->off[q] + s->b[q].cols; m++)
        W[e * K + m] = pj[q] * c[e * K + m];
  }
}

/*
** y_j = sum_q softmax(theta_j)_q sum_i phi^q_ij(x_i) over four candidate
** bases q (B-spline, Chebyshev of tanh, Gaussian RBF, Fourier): S-KAN's
** selectable activation space with a learnable selector per output node
** (Yang et al. 2024, arXiv:2408.08338; the candidate set and the softmax
** selector follow OPS.md, the paper's text beyond its abstract was not
** reachable). The Lua layer's select() keeps the argmax basis per node.
*/
static void s_kan_forward (ln_node *n, ln_ctx *c) {
  bset s;
  size_t wsz = (size_t)n->in[1]->dim[0] * n->in[1]->dim[1] * n->in[1]->dim[2];
  float *W = c->work, *p = W + 2 * wsz + rows_of(n) * n_in_of(n) * n->in[1]->dim[2];
  s_set(n, &s);
  s_probs(n, p);
  s_weights(n, &s, p, W);
  basis_forward(n, &s, W, 3);
}

static void s_kan_backward (ln_node *n, ln_ctx *c) {
  ln_node *cf = n->in[1], *th = n->in[2];
  bset s;
  int K = cf->dim[2], n_in = cf->dim[1], n_out = cf->dim[0], j;
  size_t wsz = (size_t)n_out * n_in * K;
  float *W = c->work, *dW = W + wsz, *dphi = dW + wsz;
  float *p = dphi + rows_of(n) * n_in * K;
  s_set(n, &s);
  s_probs(n, p);
  if (n->in[0]->g) s_weights(n, &s, p, W);
  basis_backward(n, &s, W, dphi, (cf->g || th->g) ? dW : NULL, 0, 3);
  if (!cf->g && !th->g) return;
  #pragma omp parallel for schedule(static) if (wsz > LN_PAR_MIN)
  for (j = 0; j < n_out; j++) {
    double dp[S_BASES] = {0}, dot = 0;
    const float *pj = p + j * S_BASES;
    int i, q, m;
    for (i = 0; i < n_in; i++) {
      size_t e = (size_t)j * n_in + i;
      for (q = 0; q < s.n; q++)
        for (m = s.off[q]; m < s.off[q] + s.b[q].cols; m++) {
          float d = dW[e * K + m];
          dp[q] += (double)cf->x[e * K + m] * d;
          if (cf->g) cf->g[e * K + m] += pj[q] * d;
        }
    }
    if (th->g) {   /* softmax: dtheta_q = p_q (dp_q - sum p dp) */
      for (q = 0; q < S_BASES; q++) dot += pj[q] * dp[q];
      for (q = 0; q < S_BASES; q++)
        th->g[j * S_BASES + q] += (float)(pj[q] * (dp[q] - dot));
    }
  }
}

/* }====== */

/* {====== relu_kan ====== */

static int relu_kan_shape (ln_node *n) {
  static const char *op = "relu_kan";
  const ln_node *c = n->in[1], *ph = n->in[2];
  int rc;
  if ((rc = ln_need_f32_all(n)) || (rc = check_x(n, op))) return rc;
  if (c->ndim != 3)
    return ln_seterr(LN_ESHAPE, "relu_kan: coef %s must be [n_out, n_in, K]",
                     ln_node_shape(c));
  if ((rc = check_coef(n, 1, c->dim[2], op, "K bases"))) return rc;
  if (ph->ndim != 3 || ph->dim[0] != 2 || ph->dim[1] != c->dim[1] ||
      ph->dim[2] != c->dim[2])
    return ln_seterr(LN_ESHAPE, "relu_kan: phase %s does not fit coef %s (want [2, "
                     "%d, %d]: interval starts, then ends)", ln_node_shape(ph),
                     ln_node_shape(c), c->dim[1], c->dim[2]);
  if ((rc = check_bias(n, 3, c->dim[0], op))) return rc;
  set_out(n, c->dim[0]);
  return LN_OK;
}

static void relu_kan_scratch (const ln_node *n, size_t *saved, size_t *work) {
  size_t len = rows_of(n) * n_in_of(n) * n->in[1]->dim[2] * sizeof(float);
  *saved = len;
  *work = len;
}

/*
** R_k(x) = 16 (relu(e_k - x) relu(x - s_k))^2 / (e_k - s_k)^4, a bump on
** [s_k, e_k] peaking at 1, with trainable phases s, e per input (Qiu et
** al. 2024, arXiv:2406.02075, the basis R_i of their eq.; we normalise by
** the current e - s as the paper writes it, where the authors' code fixes
** the factor from G and k: (4 G^2 / (k + 1)^2)^2). phi_ij = sum_k c_ijk R_ik.
*/
static void relu_kan_forward (ln_node *n, ln_ctx *c) {
  const ln_node *cf = n->in[1];
  const float *x = n->in[0]->x, *lo = n->in[2]->x;
  int n_in = n_in_of(n), K = cf->dim[2], n_out = cf->dim[0];
  size_t t, rows = rows_of(n), len = rows * n_in;
  const float *hi = lo + (size_t)n_in * K;
  float *phi = n->saved;
  (void)c;
  #pragma omp parallel for schedule(static) if (len * K > LN_PAR_MIN)
  for (t = 0; t < len; t++) {
    int i = (int)(t % n_in), k;
    for (k = 0; k < K; k++) {
      float a = x[t] - lo[i * K + k], b = hi[i * K + k] - x[t], w = a + b;
      float p = (a > 0 && b > 0) ? a * b / (w * w) : 0;
      phi[t * K + k] = 16 * p * p;
    }
  }
  contract(n, phi, cf->x, n_in * K, n_out, rows, n->n_in > 3 ? n->in[3]->x : NULL);
}

/*
** With a = x - s, b = e - x, w = e - s, R = 16 a^2 b^2 / w^4 (a, b > 0):
** dR/dx = 32 a b (b - a) / w^4, dR/ds = -32 a b^2 / w^4 + 64 a^2 b^2 / w^5,
** dR/de = 32 a^2 b / w^4 - 64 a^2 b^2 / w^5.
*/
static void relu_kan_backward (ln_node *n, ln_ctx *c) {
  ln_node *x = n->in[0], *cf = n->in[1], *ph = n->in[2];
  int n_in = n_in_of(n), K = cf->dim[2], n_out = cf->dim[0], C = n_in * K, i;
  size_t rows = rows_of(n);
  float *dphi = c->work;
  const float *lo = ph->x, *hi = ph->x + (size_t)C;
  if (cf->g)
    ln_gemm(1, 0, n_out, C, (int)rows, 1, n->g, n_out, n->saved, C, 1, cf->g, C);
  if (n->n_in > 3) bias_grad(n->g, rows, n_out, n->in[3]->g);
  if (!x->g && !ph->g) return;
  ln_gemm(0, 0, (int)rows, C, n_out, 1, n->g, n_out, cf->x, C, 0, dphi, C);
  #pragma omp parallel for schedule(static) if (rows * C > LN_PAR_MIN)
  for (i = 0; i < n_in; i++) {
    int k;
    for (k = 0; k < K; k++) {
      double ds = 0, de = 0;
      size_t q;
      for (q = 0; q < rows; q++) {
        size_t t = q * n_in + i;
        double a = x->x[t] - lo[i * K + k], b = hi[i * K + k] - x->x[t];
        if (a > 0 && b > 0) {
          double w = a + b, w4 = w * w * w * w, g = dphi[t * K + k];
          double r2 = 64 * a * a * b * b / (w4 * w);
          if (x->g) x->g[t] += (float)(g * 32 * a * b * (b - a) / w4);
          ds += g * (-32 * a * b * b / w4 + r2);
          de += g * (32 * a * a * b / w4 - r2);
        }
      }
      if (ph->g) {
        ph->g[i * K + k] += (float)ds;
        ph->g[C + i * K + k] += (float)de;
      }
    }
  }
}

/* }====== */

/* {====== rational_kan ====== */

#define MAX_DEG 16

static int rational_kan_shape (ln_node *n) {
  static const char *op = "rational_kan";
  const ln_node *a = n->in[1], *b = n->in[2], *w = n->in[3];
  int rc, n_in;
  if ((rc = ln_need_f32_all(n)) || (rc = check_x(n, op))) return rc;
  n_in = n_in_of(n);
  if (a->ndim != 2 || a->dim[1] < 1 || a->dim[1] > MAX_DEG || n_in % a->dim[0])
    return ln_seterr(LN_ESHAPE, "rational_kan: numerator %s must be [groups, m + 1] "
                     "(m < %d) with groups dividing the %d inputs of %s",
                     ln_node_shape(a), MAX_DEG, n_in, ln_node_shape(n->in[0]));
  if (b->ndim != 2 || b->dim[0] != a->dim[0] || b->dim[1] < 1 || b->dim[1] > MAX_DEG)
    return ln_seterr(LN_ESHAPE, "rational_kan: denominator %s does not fit numerator "
                     "%s (want [%d, n], 1 <= n <= %d)", ln_node_shape(b),
                     ln_node_shape(a), a->dim[0], MAX_DEG);
  if (w->ndim != 2 || w->dim[1] != n_in)
    return ln_seterr(LN_ESHAPE, "rational_kan: weight %s does not fit input %s "
                     "(want [n_out, %d])", ln_node_shape(w), ln_node_shape(n->in[0]),
                     n_in);
  if ((rc = check_bias(n, 4, w->dim[0], op))) return rc;
  set_out(n, w->dim[0]);
  return LN_OK;
}

/* saved: F(x); work: the group partial sums (doubles), then dF */
static void rational_kan_scratch (const ln_node *n, size_t *saved, size_t *work) {
  size_t rows = rows_of(n), len = rows * n_in_of(n);
  size_t nb = (rows + ROW_BLOCK - 1) / ROW_BLOCK;
  size_t terms = (size_t)n->in[1]->dim[0] * (n->in[1]->dim[1] + n->in[2]->dim[1]);
  *saved = len * sizeof(float);
  *work = nb * terms * sizeof(double) + len * sizeof(float);
}

/* P, S = b_1 x + ... + b_n x^n and their derivatives at x (in double) */
typedef struct ratv { double P, dP, S, dS; } ratv;

static ratv rational_at (const float *a, int na, const float *b, int nb, double x) {
  ratv v = {0, 0, 0, 0};
  double pw = 1, dpw = 0;   /* x^k and k x^(k-1) */
  int k;
  for (k = 0; k < na || k <= nb; k++) {
    if (k < na) { v.P += a[k] * pw; v.dP += a[k] * dpw; }
    if (k >= 1 && k <= nb) { v.S += b[k - 1] * pw; v.dS += b[k - 1] * dpw; }
    dpw = (k + 1) * pw;
    pw *= x;
  }
  return v;
}

/*
** Group-rational KAN (KAT, Yang & Wang 2024, arXiv:2409.10594):
** F_g(x) = (a_0 + a_1 x + ... + a_m x^m) / (1 + |b_1 x + ... + b_n x^n|),
** coefficients shared by the channels of a group (channel i is in group
** i / (n_in / groups)); y = F(x) W^T + bias, a GR-KAN layer (KAT's KAN
** block applies the rational, then the linear map). This is the paper's
** form, which its fit.py also fits; the authors' CUDA kernel
** (rational_kat_cu) evaluates 1 + sum_k |b_k| |x|^k instead and shares
** the numerator across groups -- we follow the paper. Evaluated in
** double, so |x| up to ~1e30 stays finite.
*/
static void rational_kan_forward (ln_node *n, ln_ctx *c) {
  const ln_node *a = n->in[1], *b = n->in[2];
  const float *x = n->in[0]->x;
  int n_in = n_in_of(n), per = n_in / a->dim[0], na = a->dim[1], nb = b->dim[1];
  size_t t, rows = rows_of(n), len = rows * n_in;
  float *F = n->saved;
  (void)c;
  #pragma omp parallel for schedule(static) if (len * (na + nb) > LN_PAR_MIN)
  for (t = 0; t < len; t++) {
    int g = (int)(t % n_in) / per;
    ratv v = rational_at(a->x + g * na, na, b->x + g * nb, nb, x[t]);
    F[t] = (float)(v.P / (1 + fabs(v.S)));
  }
  contract(n, F, n->in[3]->x, n_in, n->in[3]->dim[0], rows,
           n->n_in > 4 ? n->in[4]->x : NULL);
}

static void rational_kan_backward (ln_node *n, ln_ctx *c) {
  ln_node *x = n->in[0], *a = n->in[1], *b = n->in[2], *w = n->in[3];
  int n_in = n_in_of(n), G = a->dim[0], per = n_in / G, na = a->dim[1], nb = b->dim[1];
  int n_out = w->dim[0], terms = na + nb;
  size_t rows = rows_of(n), blk, nblk = (rows + ROW_BLOCK - 1) / ROW_BLOCK;
  double *part = (double *)(void *)c->work;
  float *dF = (float *)(void *)(part + nblk * G * terms);
  if (w->g)
    ln_gemm(1, 0, n_out, n_in, (int)rows, 1, n->g, n_out, n->saved, n_in, 1, w->g, n_in);
  if (n->n_in > 4) bias_grad(n->g, rows, n_out, n->in[4]->g);
  if (!x->g && !a->g && !b->g) return;
  ln_gemm(0, 0, (int)rows, n_in, n_out, 1, n->g, n_out, w->x, n_in, 0, dF, n_in);
  #pragma omp parallel for schedule(static) if (rows * n_in * terms > LN_PAR_MIN)
  for (blk = 0; blk < nblk; blk++) {
    double *p = part + blk * G * terms;
    size_t q, q1 = (blk + 1) * ROW_BLOCK < rows ? (blk + 1) * ROW_BLOCK : rows;
    memset(p, 0, (size_t)G * terms * sizeof(double));
    for (q = blk * ROW_BLOCK; q < q1; q++) {
      int i, k;
      for (i = 0; i < n_in; i++) {
        size_t t = q * n_in + i;
        int g = i / per;
        double xv = x->x[t], d = dF[t], pw = 1;
        ratv v = rational_at(a->x + g * na, na, b->x + g * nb, nb, xv);
        double Q = 1 + fabs(v.S), sg = v.S > 0 ? 1 : v.S < 0 ? -1 : 0;
        if (x->g) x->g[t] += (float)(d * (v.dP * Q - v.P * sg * v.dS) / (Q * Q));
        for (k = 0; k < na || k <= nb; k++) {
          if (k < na) p[g * terms + k] += d * pw / Q;
          if (k >= 1 && k <= nb) p[g * terms + na + k - 1] -= d * v.P / (Q * Q) * sg * pw;
          pw *= xv;
        }
      }
    }
  }
  {   /* blocks summed in a fixed order: same sums for any thread count */
    int g, k;
    for (g = 0; g < G; g++)
      for (k = 0; k < terms; k++) {
        double sum = 0;
        for (blk = 0; blk < nblk; blk++) sum += part[(blk * G + g) * terms + k];
        if (k < na) { if (a->g) a->g[g * na + k] += (float)sum; }
        else if (b->g) b->g[g * nb + k - na] += (float)sum;
      }
  }
}

/* }====== */

/* {====== af_kan ====== */

enum { A_SILU = 0, A_RELU, A_GELU, A_TANH, A_SIGMOID, A_SOFTPLUS, A_ELU, A_SELU,
       A_LEAKY };
enum { F_QUAD1 = 0, F_QUAD2, F_SUM, F_PROD, F_SUMPROD, F_CUBIC1, F_CUBIC2 };

#define SELU_L 1.0507009873554804934193349852946
#define SELU_A 1.6732632423543772848170429916717

/* activation 'kind' at u, its derivative into *d */
static float act_fn (int kind, float u, float *d) {
  double v = u, y, dy;
  switch (kind) {
    case A_SILU: return silu(u, d);
    case A_RELU: y = v > 0 ? v : 0; dy = v > 0; break;
    case A_GELU: {
      double cdf = 0.5 * (1 + erf(v / sqrt(2.0)));
      y = v * cdf;
      dy = cdf + v * exp(-0.5 * v * v) / sqrt(2 * M_PI);
      break;
    }
    case A_TANH: y = tanh(v); dy = 1 - y * y; break;
    case A_SIGMOID: y = ln_sigmoidf(u); dy = y * (1 - y); break;
    case A_SOFTPLUS: y = (v > 0 ? v : 0) + log1p(exp(-fabs(v))); dy = ln_sigmoidf(u); break;
    case A_ELU: y = v > 0 ? v : expm1(v); dy = v > 0 ? 1 : exp(v); break;
    case A_SELU:
      y = SELU_L * (v > 0 ? v : SELU_A * expm1(v));
      dy = SELU_L * (v > 0 ? 1 : SELU_A * exp(v));
      break;
    default: y = v > 0 ? v : 0.01 * v; dy = v > 0 ? 1 : 0.01; break;
  }
  if (d) *d = (float)dy;
  return (float)y;
}

/* the function type combining a1 = act(x - s) and a2 = act(e - x), with
** its partials f1 = dA/da1, f2 = dA/da2 */
static float af_func (int kind, float a1, float a2, float *f1, float *f2) {
  float p = a1 * a2;
  switch (kind) {
    case F_QUAD1: *f1 = 2 * p * a2; *f2 = 2 * p * a1; return p * p;
    case F_QUAD2: *f1 = a2 + 2 * a1; *f2 = a1 + 2 * a2; return p + a1 * a1 + a2 * a2;
    case F_SUM: *f1 = 1; *f2 = 1; return a1 + a2;
    case F_PROD: *f1 = a2; *f2 = a1; return p;
    case F_SUMPROD: *f1 = 1 + a2; *f2 = 1 + a1; return a1 + a2 + p;
    case F_CUBIC1: {
      float s = a1 + a2, q = a1 * a1 + a2 * a2;
      *f1 = q + 2 * a1 * s; *f2 = q + 2 * a2 * s;
      return s * q;
    }
    default: *f1 = 3 * p * p * a2; *f2 = 3 * p * p * a1; return p * p * p;
  }
}

/* saved: a header, then the arrays below (each rows * n_in unless said) */
typedef struct afhead { double m, D; size_t imin, imax; } afhead;
typedef struct afsaved {
  afhead *h;
  float *A;        /* [rows, n_in, K] basis values, normalised */
  float *al, *s, *l, *xh, *zn, *H;
  float *rstd;     /* [rows] */
} afsaved;

typedef struct afdim { size_t rows; int n_in, K, n_out, norm; } afdim;

static afdim af_dim (const ln_node *n) {
  afdim d;
  d.rows = rows_of(n);
  d.n_in = n_in_of(n);
  d.K = n->in[1]->dim[1];
  d.n_out = n->in[3]->dim[0];
  d.norm = n->n_in > 4;
  return d;
}

static afsaved af_saved (const ln_node *n, const afdim *d) {
  afsaved s;
  size_t len = d->rows * d->n_in;
  s.h = n->saved;
  s.A = (float *)(void *)(s.h + 1);
  s.al = s.A + len * d->K;
  s.s = s.al + len; s.l = s.s + len; s.xh = s.l + len; s.zn = s.xh + len;
  s.H = s.zn + len; s.rstd = s.H + len;
  return s;
}

static int af_kan_shape (ln_node *n) {
  static const char *op = "af_kan";
  const ln_node *ph = n->in[1], *at = n->in[2], *w = n->in[3];
  int rc, n_in, K;
  if ((rc = ln_need_f32_all(n)) || (rc = check_x(n, op))) return rc;
  n_in = n_in_of(n);
  if (ph->ndim != 2 || ph->dim[0] != 2 || ph->dim[1] < 1)
    return ln_seterr(LN_ESHAPE, "af_kan: phase %s must be [2, K] (interval starts, "
                     "then ends)", ln_node_shape(ph));
  K = ph->dim[1];
  if (at->ndim != 1 || at->dim[0] != K + 2)
    return ln_seterr(LN_ESHAPE, "af_kan: attn %s does not fit phase %s (want [%d]: "
                     "%d weights, bias, temperature)", ln_node_shape(at),
                     ln_node_shape(ph), K + 2, K);
  if (w->ndim != 2 || w->dim[1] != n_in)
    return ln_seterr(LN_ESHAPE, "af_kan: weight %s does not fit input %s (want "
                     "[n_out, %d])", ln_node_shape(w), ln_node_shape(n->in[0]), n_in);
  if (n->n_in > 4 && (n->in[4]->ndim != 2 || n->in[4]->dim[0] != 2 ||
                      n->in[4]->dim[1] != n_in))
    return ln_seterr(LN_ESHAPE, "af_kan: norm %s does not fit input %s (want [2, %d]: "
                     "layer-norm gain, then bias)", ln_node_shape(n->in[4]),
                     ln_node_shape(n->in[0]), n_in);
  if (!(n->attr[3] > 0))
    return ln_seterr(LN_EARG, "af_kan: eps %g must be positive", n->attr[3]);
  set_out(n, w->dim[0]);
  return LN_OK;
}

/* per-row minimum and maximum of the basis values, with their places */
typedef struct mm { float lo, hi; size_t ilo, ihi; } mm;

static void af_kan_scratch (const ln_node *n, size_t *saved, size_t *work) {
  afdim d = af_dim(n);
  size_t len = d.rows * d.n_in, fw, bw;
  *saved = sizeof(afhead) + (len * d.K + 6 * len + d.rows) * sizeof(float);
  fw = d.rows * sizeof(mm);
  bw = d.rows * (3 * (size_t)d.K + 4) * sizeof(double) + 3 * len * sizeof(float);
  *work = fw > bw ? fw : bw;
}

/*
** AF-KAN (Ta & Tran 2025, arXiv:2503.06112; form read from the authors'
** All-KAN repository, models/af_kan.py, defaults: SiLU, quad1,
** global attention, layer norm, func_norm): per input i and basis j,
**   A_ij = func(act(x_i - s_j), act(e_j - x_i))  (quad1: (a1 a2)^2),
** min-max normalised over the whole batch (their L2-then-min-max: the L2
** scale cancels), Ah = (A - min) / (max - min);
**   l_i = sum_j g_j Ah_ij + g_b,  alpha = softmax_i(l / max(T, 1)),
**   z_i = alpha_i sum_j Ah_ij,   zn = LayerNorm(z) (optional),
**   y = act(zn) W^T.
** Phases s, e [K] are shared by the inputs and trainable, as in the code.
** The normalisation couples the samples of a batch, as in the paper.
*/
static void af_kan_forward (ln_node *n, ln_ctx *c) {
  afdim d = af_dim(n);
  afsaved s = af_saved(n, &d);
  const float *x = n->in[0]->x, *lo = n->in[1]->x, *hi = lo + d.K;
  const float *gw = n->in[2]->x, *nm = d.norm ? n->in[4]->x : NULL;
  int act = (int)n->attr[0], fn = (int)n->attr[1], normalize = n->attr[2] != 0;
  float gb = gw[d.K], T = gw[d.K + 1] > 1 ? gw[d.K + 1] : 1, eps = (float)n->attr[3];
  mm *rm = (mm *)(void *)c->work;
  size_t r, len = d.rows * d.n_in;
  #pragma omp parallel for schedule(static) if (len * d.K > LN_PAR_MIN)
  for (r = 0; r < d.rows; r++) {
    size_t t, t0 = r * d.n_in * d.K, t1 = t0 + (size_t)d.n_in * d.K;
    mm m = {INFINITY, -INFINITY, t0, t0};
    for (t = t0; t < t1; t++) {
      int j = (int)(t % d.K);
      float xv = x[t / d.K], f1, f2;
      float v = af_func(fn, act_fn(act, xv - lo[j], NULL), act_fn(act, hi[j] - xv, NULL),
                        &f1, &f2);
      s.A[t] = v;
      if (v < m.lo) { m.lo = v; m.ilo = t; }
      if (v > m.hi) { m.hi = v; m.ihi = t; }
    }
    rm[r] = m;
  }
  s.h->m = 0; s.h->D = 1; s.h->imin = s.h->imax = 0;
  if (normalize && d.rows > 0) {   /* rows in order: the first extreme wins */
    mm all = rm[0];
    for (r = 1; r < d.rows; r++) {
      if (rm[r].lo < all.lo) { all.lo = rm[r].lo; all.ilo = rm[r].ilo; }
      if (rm[r].hi > all.hi) { all.hi = rm[r].hi; all.ihi = rm[r].ihi; }
    }
    s.h->m = all.lo;
    s.h->D = (double)all.hi - all.lo > 1e-12 ? (double)all.hi - all.lo : 1e-12;
    s.h->imin = all.ilo;
    s.h->imax = all.ihi;
  }
  #pragma omp parallel for schedule(static) if (len * d.K > LN_PAR_MIN)
  for (r = 0; r < d.rows; r++) {
    size_t b = r * d.n_in;
    double mx = -INFINITY, sum = 0, mean = 0, var = 0;
    int i, j;
    for (i = 0; i < d.n_in; i++) {
      float *A = s.A + (b + i) * d.K;
      double sa = 0, la = gb;
      for (j = 0; j < d.K; j++) {
        if (normalize) A[j] = (float)((A[j] - s.h->m) / s.h->D);
        sa += A[j];
        la += (double)gw[j] * A[j];
      }
      s.s[b + i] = (float)sa;
      s.l[b + i] = (float)la;
      if (la / T > mx) mx = la / T;
    }
    for (i = 0; i < d.n_in; i++) sum += (s.al[b + i] = expf((float)(s.l[b + i] / T - mx)));
    for (i = 0; i < d.n_in; i++) {
      s.al[b + i] = (float)(s.al[b + i] / sum);
      s.zn[b + i] = s.al[b + i] * s.s[b + i];        /* z, normalised below */
      mean += s.zn[b + i];
    }
    s.rstd[r] = 1;
    if (nm) {
      mean /= d.n_in;
      for (i = 0; i < d.n_in; i++) var += (s.zn[b + i] - mean) * (s.zn[b + i] - mean);
      s.rstd[r] = (float)(1 / sqrt(var / d.n_in + eps));
      for (i = 0; i < d.n_in; i++) {
        s.xh[b + i] = (float)((s.zn[b + i] - mean) * s.rstd[r]);
        s.zn[b + i] = s.xh[b + i] * nm[i] + nm[d.n_in + i];
      }
    }
    for (i = 0; i < d.n_in; i++) s.H[b + i] = act_fn(act, s.zn[b + i], NULL);
  }
  contract(n, s.H, n->in[3]->x, d.n_in, d.n_out, d.rows, NULL);
}

static void af_kan_backward (ln_node *n, ln_ctx *c) {
  afdim d = af_dim(n);
  afsaved s = af_saved(n, &d);
  ln_node *x = n->in[0], *ph = n->in[1], *at = n->in[2], *w = n->in[3];
  ln_node *nm = d.norm ? n->in[4] : NULL;
  const float *lo = ph->x, *hi = lo + d.K, *gw = at->x;
  int act = (int)n->attr[0], fn = (int)n->attr[1], normalize = n->attr[2] != 0;
  int K = d.K, PW = K + 4;   /* per row: K + 1 attention terms, gm, gM, dT */
  float T = gw[K + 1] > 1 ? gw[K + 1] : 1;
  size_t r, len = d.rows * d.n_in;
  double *pw = (double *)(void *)c->work, *pp = pw + d.rows * PW, gm = 0, gM = 0;
  float *dH = (float *)(void *)(pp + d.rows * 2 * K), *ds = dH + len, *dl = ds + len;
  double D = s.h->D;
  if (w->g)
    ln_gemm(1, 0, d.n_out, d.n_in, (int)d.rows, 1, n->g, d.n_out, s.H, d.n_in, 1, w->g,
            d.n_in);
  if (!x->g && !ph->g && !at->g && !(nm && nm->g)) return;
  ln_gemm(0, 0, (int)d.rows, d.n_in, d.n_out, 1, n->g, d.n_out, w->x, d.n_in, 0, dH,
          d.n_in);
  /* pass 1, per row: back through act, layer norm, attention, sums */
  #pragma omp parallel for schedule(static) if (len * K > LN_PAR_MIN)
  for (r = 0; r < d.rows; r++) {
    size_t b = r * d.n_in;
    double m1 = 0, m2 = 0, dot = 0, *p = pw + r * PW;
    int i, j;
    for (i = 0; i < d.n_in; i++) {
      float da;
      act_fn(act, s.zn[b + i], &da);
      dH[b + i] *= da;                                   /* dzn */
      if (nm) { m1 += dH[b + i] * nm->x[i]; m2 += dH[b + i] * nm->x[i] * s.xh[b + i]; }
    }
    m1 /= d.n_in;
    m2 /= d.n_in;
    for (i = 0; i < d.n_in; i++) {
      float dz = nm ? s.rstd[r] * (float)(dH[b + i] * nm->x[i] - m1 - s.xh[b + i] * m2)
                    : dH[b + i];
      ds[b + i] = dz * s.al[b + i];
      dl[b + i] = dz * s.s[b + i];                       /* d alpha, for now */
      dot += (double)s.al[b + i] * dl[b + i];
    }
    for (j = 0; j < PW; j++) p[j] = 0;
    for (i = 0; i < d.n_in; i++) {
      const float *A = s.A + (b + i) * K;
      dl[b + i] = (float)(s.al[b + i] * (dl[b + i] - dot) / T);   /* dl */
      p[K] += dl[b + i];
      p[K + 3] -= (double)dl[b + i] * s.l[b + i] / T;
      for (j = 0; j < K; j++) {
        double dA = ds[b + i] + (double)dl[b + i] * gw[j];
        p[j] += (double)dl[b + i] * A[j];
        if (normalize) { p[K + 1] += dA * (A[j] - 1) / D; p[K + 2] -= dA * A[j] / D; }
      }
    }
  }
  for (r = 0; r < d.rows; r++) { gm += pw[r * PW + K + 1]; gM += pw[r * PW + K + 2]; }
  if (at->g) {
    double dT = 0;
    int i;
    for (i = 0; i <= K; i++) {
      double sum = 0;
      for (r = 0; r < d.rows; r++) sum += pw[r * PW + i];
      at->g[i] += (float)sum;
    }
    for (r = 0; r < d.rows; r++) dT += pw[r * PW + K + 3];
    if (gw[K + 1] >= 1) at->g[K + 1] += (float)dT;
  }
  if (nm && nm->g) {
    int i;
    #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
    for (i = 0; i < d.n_in; i++) {
      double sg = 0, sb = 0;
      size_t q;
      for (q = 0; q < d.rows; q++) {
        sg += (double)dH[q * d.n_in + i] * s.xh[q * d.n_in + i];
        sb += dH[q * d.n_in + i];
      }
      nm->g[i] += (float)sg;
      nm->g[d.n_in + i] += (float)sb;
    }
  }
  if (!x->g && !ph->g) return;
  /* pass 2, per row: back through the normalisation and the basis */
  #pragma omp parallel for schedule(static) if (len * K > LN_PAR_MIN)
  for (r = 0; r < d.rows; r++) {
    double *p = pp + r * 2 * K;
    int i, j;
    for (j = 0; j < 2 * K; j++) p[j] = 0;
    for (i = 0; i < d.n_in; i++) {
      size_t q = r * d.n_in + i;
      float xv = x->x[q];
      double dx = 0;
      for (j = 0; j < K; j++) {
        size_t t = q * K + j;
        double dA = ds[q] + (double)dl[q] * gw[j];
        float d1, d2, f1, f2, a1 = act_fn(act, xv - lo[j], &d1), a2 = act_fn(act, hi[j] - xv, &d2);
        if (normalize) {
          dA /= D;
          if (t == s.h->imin) dA += gm;
          if (t == s.h->imax) dA += gM;
        }
        af_func(fn, a1, a2, &f1, &f2);
        dx += dA * ((double)f1 * d1 - (double)f2 * d2);
        p[j] -= dA * f1 * d1;
        p[K + j] += dA * f2 * d2;
      }
      if (x->g) x->g[q] += (float)dx;
    }
  }
  col_sums(pp, d.rows, 2 * K, ph->g);
}

/* }====== */

/* {====== quadratic ====== */

static int quadratic_shape (ln_node *n) {
  static const char *op = "quadratic";
  const ln_node *w = n->in[1];
  int rc, n_in;
  if ((rc = ln_need_f32_all(n)) || (rc = check_x(n, op))) return rc;
  n_in = n_in_of(n);
  if (w->ndim != 3 || w->dim[0] != 3 || w->dim[2] != n_in)
    return ln_seterr(LN_ESHAPE, "quadratic: weight %s does not fit input %s (want "
                     "[3, n_out, %d]: W_a, W_b, W_c)", ln_node_shape(w),
                     ln_node_shape(n->in[0]), n_in);
  if (n->n_in > 2 && (n->in[2]->ndim != 2 || n->in[2]->dim[0] != 3 ||
                      n->in[2]->dim[1] != w->dim[1]))
    return ln_seterr(LN_ESHAPE, "quadratic: bias %s does not fit weight %s (want "
                     "[3, %d]: b_a, b_b, b_c)", ln_node_shape(n->in[2]),
                     ln_node_shape(w), w->dim[1]);
  set_out(n, w->dim[1]);
  return LN_OK;
}

/* saved: za, zb; work: x * x, then (backward) dza, dzb */
static void quadratic_scratch (const ln_node *n, size_t *saved, size_t *work) {
  size_t rows = rows_of(n), out = (size_t)n->in[1]->dim[1];
  *saved = 2 * rows * out * sizeof(float);
  *work = (rows * n_in_of(n) + 2 * rows * out) * sizeof(float);
}

/* z = x W^T + b for one of the three maps */
static void quad_map (const ln_node *n, int q, const float *x, float *z, size_t rows) {
  int n_in = n_in_of(n), out = n->in[1]->dim[1];
  const float *W = n->in[1]->x + (size_t)q * out * n_in;
  if (n->n_in > 2) {
    size_t r;
    const float *b = n->in[2]->x + (size_t)q * out;
    #pragma omp parallel for schedule(static) if (rows * out > LN_PAR_MIN)
    for (r = 0; r < rows; r++) memcpy(z + r * out, b, out * sizeof(float));
  }
  ln_gemm(0, 1, (int)rows, out, n_in, 1, x, n_in, W, n_in, n->n_in > 2 ? 1 : 0, z, out);
}

/*
** The quadratic (second-order) neuron of Fan, Cong & Wang 2018
** (arXiv:1704.08362): y = (W_a x + b_a) * (W_b x + b_b) + W_c (x * x) + b_c,
** elementwise product, one such neuron per output.
*/
static void quadratic_forward (ln_node *n, ln_ctx *c) {
  const float *x = n->in[0]->x;
  int n_in = n_in_of(n), out = n->in[1]->dim[1];
  size_t t, rows = rows_of(n), len = rows * n_in, lo = rows * out;
  float *za = n->saved, *zb = za + lo, *x2 = c->work;
  quad_map(n, 0, x, za, rows);
  quad_map(n, 1, x, zb, rows);
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (t = 0; t < len; t++) x2[t] = x[t] * x[t];
  quad_map(n, 2, x2, n->x, rows);
  #pragma omp parallel for schedule(static) if (lo > LN_PAR_MIN)
  for (t = 0; t < lo; t++) n->x[t] += za[t] * zb[t];
}

static void quadratic_backward (ln_node *n, ln_ctx *c) {
  ln_node *x = n->in[0], *w = n->in[1], *b = n->n_in > 2 ? n->in[2] : NULL;
  int n_in = n_in_of(n), out = w->dim[1];
  size_t t, rows = rows_of(n), len = rows * n_in, lo = rows * out, wq = (size_t)out * n_in;
  const float *za = n->saved, *zb = za + lo;
  float *x2 = c->work, *dza = x2 + len, *dzb = dza + lo;
  #pragma omp parallel for schedule(static) if (lo > LN_PAR_MIN)
  for (t = 0; t < lo; t++) { dza[t] = n->g[t] * zb[t]; dzb[t] = n->g[t] * za[t]; }
  if (x->g) {   /* dx += dza W_a + dzb W_b + 2 x (dy W_c) */
    ln_gemm(0, 0, (int)rows, n_in, out, 1, n->g, out, w->x + 2 * wq, n_in, 0, x2, n_in);
    #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
    for (t = 0; t < len; t++) x->g[t] += 2 * x->x[t] * x2[t];
    ln_gemm(0, 0, (int)rows, n_in, out, 1, dza, out, w->x, n_in, 1, x->g, n_in);
    ln_gemm(0, 0, (int)rows, n_in, out, 1, dzb, out, w->x + wq, n_in, 1, x->g, n_in);
  }
  if (w->g) {
    #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
    for (t = 0; t < len; t++) x2[t] = x->x[t] * x->x[t];
    ln_gemm(1, 0, out, n_in, (int)rows, 1, dza, out, x->x, n_in, 1, w->g, n_in);
    ln_gemm(1, 0, out, n_in, (int)rows, 1, dzb, out, x->x, n_in, 1, w->g + wq, n_in);
    ln_gemm(1, 0, out, n_in, (int)rows, 1, n->g, out, x2, n_in, 1, w->g + 2 * wq, n_in);
  }
  if (b && b->g) {
    bias_grad(dza, rows, out, b->g);
    bias_grad(dzb, rows, out, b->g + out);
    bias_grad(n->g, rows, out, b->g + 2 * out);
  }
}

/* }====== */

/* {====== cosnet ====== */

static int cosnet_shape (ln_node *n) {
  static const char *what[] = {"", "omega1", "phi1", "M", "omega2", "phi2"};
  const ln_node *z = n->in[0];
  int rc, k, r;
  if ((rc = ln_need_f32_all(n)) || (rc = check_x(n, "cosnet"))) return rc;
  r = n_in_of(n);
  for (k = 1; k < 6; k++) {
    const ln_node *p = n->in[k];
    int ok = k == 3 ? (p->ndim == 2 && p->dim[0] == r && p->dim[1] == r)
                    : (p->ndim == 1 && p->dim[0] == r);
    if (!ok)
      return ln_seterr(LN_ESHAPE, "cosnet: %s %s does not fit input %s (want %s%d%s)",
                       what[k], ln_node_shape(p), ln_node_shape(z),
                       k == 3 ? "[" : "[", r, k == 3 ? ", same]" : "]");
  }
  set_out(n, r);
  return LN_OK;
}

/* saved: h = cos(w1 z + p1) and u = h M; work: two [rows, r] buffers */
static void cosnet_scratch (const ln_node *n, size_t *saved, size_t *work) {
  *saved = 2 * ln_numel(n->in[0]) * sizeof(float);
  *work = 2 * ln_numel(n->in[0]) * sizeof(float);
}

/*
** CosNet, the learnable nonlinearity of NOBLE's low-rank branch
** (arXiv:2603.06492): y = cos(w2 * (cos(w1 * z + p1) M) + p2) on the
** bottleneck z [..., r], frequencies w and phases p per unit, M [r, r]
** mixing the units between the two cosines (form as in OPS.md and the
** paper's abstract; its initialisation lives in the Lua layer).
*/
static void cosnet_forward (ln_node *n, ln_ctx *c) {
  const float *z = n->in[0]->x, *w1 = n->in[1]->x, *p1 = n->in[2]->x;
  const float *w2 = n->in[4]->x, *p2 = n->in[5]->x;
  int r = n_in_of(n);
  size_t t, rows = rows_of(n), len = rows * r;
  float *h = n->saved, *u = h + len;
  (void)c;
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (t = 0; t < len; t++) h[t] = cosf(w1[t % r] * z[t] + p1[t % r]);
  ln_gemm(0, 0, (int)rows, r, r, 1, h, r, n->in[3]->x, r, 0, u, r);
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (t = 0; t < len; t++) n->x[t] = cosf(w2[t % r] * u[t] + p2[t % r]);
}

/* g = dy * -sin(w v + p) in place; dw += sum g v, dp += sum g per unit */
static void cos_back (float *g, const float *v, const float *w, const float *p,
                      float *dw, float *dp, size_t rows, int r) {
  size_t t, len = rows * r;
  int j;
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (t = 0; t < len; t++) g[t] *= -sinf(w[t % r] * v[t] + p[t % r]);
  if (!dw && !dp) return;
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (j = 0; j < r; j++) {
    double sw = 0, sp = 0;
    size_t q;
    for (q = 0; q < rows; q++) { sw += (double)g[q * r + j] * v[q * r + j]; sp += g[q * r + j]; }
    if (dw) dw[j] += (float)sw;
    if (dp) dp[j] += (float)sp;
  }
}

static void cosnet_backward (ln_node *n, ln_ctx *c) {
  ln_node *z = n->in[0], *M = n->in[3];
  int r = n_in_of(n);
  size_t t, rows = rows_of(n), len = rows * r;
  const float *h = n->saved, *u = h + len, *w1 = n->in[1]->x, *w2 = n->in[4]->x;
  float *du = c->work, *dh = du + len;
  memcpy(du, n->g, len * sizeof(float));
  cos_back(du, u, w2, n->in[5]->x, n->in[4]->g, n->in[5]->g, rows, r);
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (t = 0; t < len; t++) du[t] *= w2[t % r];
  if (M->g) ln_gemm(1, 0, r, r, (int)rows, 1, h, r, du, r, 1, M->g, r);
  if (!z->g && !n->in[1]->g && !n->in[2]->g) return;
  ln_gemm(0, 1, (int)rows, r, r, 1, du, r, M->x, r, 0, dh, r);
  cos_back(dh, z->x, w1, n->in[2]->x, n->in[1]->g, n->in[2]->g, rows, r);
  if (z->g) {
    #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
    for (t = 0; t < len; t++) z->g[t] += dh[t] * w1[t % r];
  }
}

/* }====== */

const ln_opdesc ln_ops_kan[] = {
  {.name = "kan_bspline", .min_in = 4, .max_in = 5,
   .attrs = "grid=5,order=3,lo=-1,hi=1",
   .shape = kan_bspline_shape, .scratch = kan_bspline_scratch,
   .forward = kan_bspline_forward, .backward = kan_bspline_backward,
   .flags = LN_F_SAVE_IN,
   .doc = "y_j = sum_i w_b[j,i] silu(x_i) + w_s[j,i] sum_m coef[j,i,m] B_m(x_i) + bias_j; "
          "x [..., n_in], coef [n_out, n_in, grid + order], w_b, w_s [n_out, n_in], "
          "B_m cubic (order) B-splines on grid intervals of [lo, hi], knots extended",
   .paper = "Liu et al. 2024, KAN: Kolmogorov-Arnold Networks, arXiv:2404.19756"},
  {.name = "relu_kan", .min_in = 3, .max_in = 4, .attrs = "",
   .shape = relu_kan_shape, .scratch = relu_kan_scratch,
   .forward = relu_kan_forward, .backward = relu_kan_backward,
   .flags = LN_F_SAVE_IN,
   .doc = "y_j = sum_i sum_k coef[j,i,k] 16 (relu(e_ik - x_i) relu(x_i - s_ik))^2 / "
          "(e_ik - s_ik)^4 + bias_j; phase [2, n_in, K] holds s then e (trainable)",
   .paper = "Qiu et al. 2024, ReLU-KAN: New Kolmogorov-Arnold Networks that Only Need "
            "Matrix Addition, Dot Multiplication, and ReLU, arXiv:2406.02075"},
  {.name = "af_kan", .min_in = 4, .max_in = 5,
   .attrs = "act=silu|relu|gelu|tanh|sigmoid|softplus|elu|selu|leaky_relu,"
            "func=quad1|quad2|sum|prod|sum_prod|cubic1|cubic2,normalize=1,eps=1e-5",
   .shape = af_kan_shape, .scratch = af_kan_scratch,
   .forward = af_kan_forward, .backward = af_kan_backward,
   .flags = LN_F_SAVE_IN,
   .doc = "A_ij = func(act(x_i - s_j), act(e_j - x_i)) min-max normalised over the batch; "
          "alpha = softmax_i((g . A_i + g_b) / max(T, 1)); z_i = alpha_i sum_j A_ij; "
          "y = act(LayerNorm(z)) W^T; phase [2, K], attn [K + 2] = (g, g_b, T), "
          "W [n_out, n_in], norm [2, n_in] optional (no norm when absent)",
   .paper = "Ta & Tran 2025, AF-KAN: Activation Function-Based Kolmogorov-Arnold Networks "
            "for Efficient Representation Learning, arXiv:2503.06112"},
  {.name = "fourier_kan", .min_in = 2, .max_in = 3, .attrs = "",
   .shape = fourier_kan_shape, .scratch = direct_scratch,
   .forward = fourier_kan_forward, .backward = fourier_kan_backward,
   .flags = LN_F_SAVE_IN,
   .doc = "y_j = sum_i sum_{k=1..F} coef[j,i,k] cos(k x_i) + coef[j,i,F+k] sin(k x_i) + bias_j; "
          "coef [n_out, n_in, 2F]"},
  {.name = "tru_kan", .min_in = 2, .max_in = 3, .attrs = "degree=3,lo=-1,hi=1",
   .shape = tru_kan_shape, .scratch = direct_scratch,
   .forward = tru_kan_forward, .backward = tru_kan_backward,
   .flags = LN_F_SAVE_IN,
   .doc = "y_j = sum_i (sum_{d=0..p} coef[j,i,d] x_i^d + sum_{t=1..J} coef[j,i,p+t] "
          "(x_i - k_t)_+^p) + bias_j; coef [n_out, n_in, p + 1 + J], knots k_t uniform "
          "inside (lo, hi)",
   .paper = "Bayeh, Sadaoui & Mouhoub 2026, TruKAN: Towards More Efficient "
            "Kolmogorov-Arnold Networks Using Truncated Power Functions, arXiv:2602.03879"},
  {.name = "rational_kan", .min_in = 4, .max_in = 5, .attrs = "",
   .shape = rational_kan_shape, .scratch = rational_kan_scratch,
   .forward = rational_kan_forward, .backward = rational_kan_backward,
   .flags = LN_F_SAVE_IN,
   .doc = "y = F(x) W^T + bias, F_g(x) = (a_0 + ... + a_m x^m) / (1 + |b_1 x + ... + "
          "b_n x^n|) shared per group of channels; a [groups, m + 1], b [groups, n], "
          "W [n_out, n_in]",
   .paper = "Yang & Wang 2024, Kolmogorov-Arnold Transformer, arXiv:2409.10594"},
  {.name = "s_kan", .min_in = 3, .max_in = 4,
   .attrs = "grid=5,order=3,lo=-1,hi=1,degree=4,centers=8,freq=4",
   .shape = s_kan_shape, .scratch = s_kan_scratch,
   .forward = s_kan_forward, .backward = s_kan_backward,
   .flags = LN_F_SAVE_IN,
   .doc = "y_j = sum_q softmax(theta_j)_q sum_i sum_m coef[j,i,m] phi^q_m(x_i) + bias_j "
          "over 4 bases q: B-spline (grid + order), Chebyshev T_0..T_degree of "
          "tanh x, Gaussian RBF (centers), Fourier (2 freq); theta [n_out, 4]",
   .paper = "Yang et al. 2024, Activation Space Selectable Kolmogorov-Arnold Networks, "
            "arXiv:2408.08338"},
  {.name = "quadratic", .min_in = 2, .max_in = 3, .attrs = "",
   .shape = quadratic_shape, .scratch = quadratic_scratch,
   .forward = quadratic_forward, .backward = quadratic_backward,
   .flags = LN_F_SAVE_IN,
   .doc = "y = (x W_a^T + b_a) * (x W_b^T + b_b) + (x * x) W_c^T + b_c; W [3, n_out, n_in], "
          "b [3, n_out]",
   .paper = "Fan, Cong & Wang 2018, A New Type of Neurons for Machine Learning, "
            "arXiv:1704.08362"},
  {.name = "cosnet", .min_in = 6, .max_in = 6, .attrs = "",
   .shape = cosnet_shape, .scratch = cosnet_scratch,
   .forward = cosnet_forward, .backward = cosnet_backward,
   .flags = LN_F_SAVE_IN,
   .doc = "y = cos(w2 * (cos(w1 * z + p1) M) + p2); z [..., r], w1, p1, w2, p2 [r], M [r, r]",
   .paper = "Smith 2026, NOBLE: Accelerating Transformers with Nonlinear Low-Rank "
            "Branches, arXiv:2603.06492"},
  {0}
};
