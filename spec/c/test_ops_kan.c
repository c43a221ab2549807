/*
** test_ops_kan.c -- the KAN family: values derived by hand (forward and
** gradients), central-difference gradients of every op and input, shape
** errors, extreme inputs, and results independent of the thread count.
*/
#include "opcheck.h"
#include "tap.h"

#define IN(nd, ...) {.ndim = nd, .dim = {__VA_ARGS__}}

#define near opcheck_near
#define grad_ok opcheck_grad_ok
#define shape_err(c, sub) opcheck_shape_err(c, sub, LN_ESHAPE)

/* {====== helpers ====== */

/* opcheck_grad with the inputs' values set by 'init' after setup (ordered
** phases, values away from kinks) */
static double grad_init (const opcheck_case *c, void (*init) (opcheck_run *), double h) {
  opcheck_run r;
  size_t i, len;
  float *w;
  double worst = 0;
  int k;
  if (opcheck_setup(c, &r, 4242u)) { opcheck_free(&r); return -1; }
  init(&r);
  len = ln_numel(&r.out);
  w = malloc((len + 1) * sizeof(float));
  { unsigned s = 99u; for (i = 0; i < len; i++) w[i] = (float)opcheck_uniform(&s, -1, 1); }
  opcheck_forward(&r, 1);
  memcpy(r.out.g, w, len * sizeof(float));
  opcheck_backward(&r, 1);
  for (k = 0; k < c->n_in; k++) {
    ln_node *n = &r.in[k];
    size_t j;
    for (j = 0; j < ln_numel(n); j++) {
      float keep = n->x[j];
      double lp, lm, num, den;
      n->x[j] = (float)(keep + h); opcheck_forward(&r, 1); lp = opcheck_loss(&r, w);
      n->x[j] = (float)(keep - h); opcheck_forward(&r, 1); lm = opcheck_loss(&r, w);
      n->x[j] = keep;
      num = (lp - lm) / (2 * h);
      den = fmax(fmax(fabs(num), fabs(n->g[j])), 1e-2);
      if (fabs(num - n->g[j]) / den > worst) worst = fabs(num - n->g[j]) / den;
    }
  }
  free(w);
  opcheck_free(&r);
  return worst;
}

static void set (float *dst, const float *src, int n) { memcpy(dst, src, n * sizeof(float)); }

/* }====== */

/* {====== values by hand ====== */

static void test_bspline_values (void) {
  /* grid 5 on [-1, 1]: knot -0.2 carries B_2, B_3, B_4 = 1/6, 2/3, 1/6 */
  opcheck_case c = {.op = "kan_bspline", .n_in = 4,
                    .in = {IN(2, 1, 1), IN(3, 1, 1, 8), IN(2, 1, 1), IN(2, 1, 1)}};
  float x[] = {-0.2f}, cf[8] = {0, 0, 1, 10, 100, 0, 0, 0}, wb[] = {0}, ws[] = {1};
  float want[] = {1.0f / 6 + 20.0f / 3 + 100.0f / 6};
  const float *v[] = {x, cf, wb, ws};
  /* d/dx of sum c_m B_m at a knot: (B_2' + 10 B_3' + 100 B_4') = (-1/2 + 0 + 100/2) / h */
  float gy[] = {1}, gx[] = {(-0.5f + 50.0f) / 0.4f};
  const float *gw[] = {gx, NULL, NULL, NULL};
  tap_ok(opcheck_run_vals(&c, v, want, 1, gy, gw),
         "kan_bspline: 1/6 + 10 * 2/3 + 100 * 1/6 at a knot, and its slope");
}

static void test_other_values (void) {
  opcheck_case rk = {.op = "relu_kan", .n_in = 3,
                     .in = {IN(2, 2, 1), IN(3, 1, 1, 1), IN(3, 2, 1, 1)}};
  float rx[] = {0.5f, 0.25f}, rc[] = {1}, rph[] = {0, 1}, rw[] = {1, 0.5625f};
  /* w = e - s = 1, p = ab: dR/dx = 32 p (b - a): 0 at the centre, 3 at 0.25;
  ** dR/ds = -32 p b + 64 p^2: 0 and -4.5 + 2.25; dR/de = 32 p a - 64 p^2: 0 and
  ** 1.5 - 2.25 (summed over the two points, gy = 1) */
  float rgy[] = {1, 1}, rgx[] = {0, 3}, rgph[] = {-2.25f, -0.75f};
  const float *rv[] = {rx, rc, rph}, *rg[] = {rgx, NULL, rgph};
  opcheck_case qd = {.op = "quadratic", .n_in = 3, .in = {IN(2, 1, 1), IN(3, 3, 1, 1), IN(2, 3, 1)}};
  float qx[] = {3}, qw[] = {2, 1, 0.5f}, qb[] = {1, -1, 0.25f}, qwant[] = {18.75f};
  /* dy/dx = 2 (x - 1) + (2x + 1) + 2 * 0.5 x = 14; dW = (za' ...) */
  float qgy[] = {1}, qgx[] = {14}, qgw[] = {3 * 2, 3 * 7, 9}, qgb[] = {2, 7, 1};
  const float *qv[] = {qx, qw, qb}, *qg[] = {qgx, qgw, qgb};
  opcheck_case rat = {.op = "rational_kan", .n_in = 4,
                      .in = {IN(2, 2, 2), IN(2, 2, 2), IN(2, 2, 1), IN(2, 2, 2)}};
  float ax[] = {2, 3, -2, 3}, aa[] = {1, 1, 0, 1}, ab[] = {1, 0}, aw[] = {1, 0, 0, 1};
  float awant[] = {1, 3, -1.0f / 3, 3};
  const float *av[] = {ax, aa, ab, aw};
  opcheck_case cn = {.op = "cosnet", .n_in = 6,
                     .in = {IN(2, 1, 2), IN(1, 2), IN(1, 2), IN(2, 2, 2), IN(1, 2), IN(1, 2)}};
  float cz[] = {0, 0.5f}, one[] = {1, 1}, zero[] = {0, 0}, eye[] = {1, 0, 0, 1};
  float cwant[] = {(float)cos(1.0), (float)cos(cos(0.5))};
  /* dy/dz = -sin(cos z) * -sin(z) */
  float cgy[] = {1, 1}, cgz[] = {0, (float)(sin(cos(0.5)) * sin(0.5))};
  const float *cv[] = {cz, one, zero, eye, one, zero}, *cg[] = {cgz, NULL, NULL, NULL, NULL, NULL};
  opcheck_case af = {.op = "af_kan", .n_in = 4,
                     .in = {IN(2, 2, 1), IN(2, 2, 1), IN(1, 3), IN(2, 1, 1)}};
  float fx[] = {0, 0.5f}, fph[] = {0, 1}, fat[] = {0.3f, 0.1f, 1}, fw[] = {2};
  float fwant[] = {0, 2 * 0.7310585786f};
  const float *fv[] = {fx, fph, fat, fw};
  tap_ok(opcheck_run_vals(&rk, rv, rw, 2, rgy, rg),
         "relu_kan: 16 (ab)^2 / (e - s)^4 = 1 and 0.5625, slopes by hand");
  tap_ok(opcheck_run_vals(&qd, qv, qwant, 1, qgy, qg),
         "quadratic: (2*3 + 1)(3 - 1) + 0.5*9 + 0.25 = 18.75, gradients by hand");
  tap_ok(opcheck_run_vals(&rat, av, awant, 4, NULL, NULL),
         "rational_kan: (1 + x) / (1 + |x|) in group 1, x in group 2");
  tap_ok(opcheck_run_vals(&cn, cv, cwant, 2, cgy, cg), "cosnet: cos(cos z) and its slope");
  tap_ok(opcheck_run_vals(&af, fv, fwant, 2, NULL, NULL),
         "af_kan: batch min-max gives silu(0), silu(1) for one input");
}

/* ±1e4: finite and right */
static void test_extremes (void) {
  opcheck_case bs = {.op = "kan_bspline", .n_in = 4,
                     .in = {IN(2, 2, 1), IN(3, 1, 1, 8), IN(2, 1, 1), IN(2, 1, 1)}};
  float bx[] = {1e4f, -1e4f}, bc[8] = {1, 1, 1, 1, 1, 1, 1, 1}, b1[] = {1};
  float bwant[] = {1e4f, 0};
  const float *bv[] = {bx, bc, b1, b1};
  opcheck_case rat = {.op = "rational_kan", .n_in = 4,
                      .in = {IN(2, 2, 1), IN(2, 1, 6), IN(2, 1, 4), IN(2, 1, 1)}};
  float ra[] = {0, 0, 0, 0, 0, 1}, rb[] = {0, 0, 0, 1}, rwant[] = {1e4f, -1e4f};
  const float *rv[] = {bx, ra, rb, b1};
  opcheck_case tk = {.op = "tru_kan", .n_in = 2, .in = {IN(2, 2, 1), IN(3, 1, 1, 5)}};
  float tc[] = {1, 2, 0, 0, 1}, twant[] = {1 + 2e4f + 1e12f, 1 - 2e4f};
  const float *tv[] = {bx, tc};
  tap_ok(opcheck_run_vals(&bs, bv, bwant, 2, NULL, NULL), "kan_bspline at +-1e4: silu, no spline");
  tap_ok(opcheck_run_vals(&rat, rv, rwant, 2, NULL, NULL), "rational_kan at +-1e4: x^5 / (1 + x^4)");
  tap_ok(opcheck_run_vals(&tk, tv, twant, 2, NULL, NULL), "tru_kan at +-1e4");
}

/* }====== */

/* {====== gradients ====== */

static void init_relu (opcheck_run *r) {   /* ordered intervals, grid 5 order 3 */
  int i, k, n_in = r->in[2].dim[1], K = r->in[2].dim[2];
  for (i = 0; i < n_in; i++)
    for (k = 0; k < K; k++) {
      r->in[2].x[i * K + k] = -1 + (k - 3) * 0.4f + 0.01f * i;
      r->in[2].x[(n_in + i) * K + k] = -1 + (k - 3) * 0.4f + 1.6f - 0.01f * i;
    }
}

static void init_af (opcheck_run *r) {     /* extremes apart; phases ordered; T > 1 */
  static const float x[] = {-0.9f, 0.35f, 0.8f, 0.1f, -0.45f, 0.6f, -0.2f, 0.95f, -0.7f};
  int k, K = r->in[1].dim[1];
  set(r->in[0].x, x, 9);
  for (k = 0; k < K; k++) {
    r->in[1].x[k] = -1 + (k - 3) * 0.4f;
    r->in[1].x[K + k] = -1 + (k - 3) * 0.4f + 1.6f;
  }
  r->in[2].x[K + 1] = 1.7f;
  if (r->out.n_in > 4) { r->in[4].x[0] = 1.1f; r->in[4].x[1] = 0.9f; r->in[4].x[2] = 1.2f; }
}

static void test_grads (void) {
  opcheck_case cases[] = {
    {.op = "kan_bspline", .n_in = 5,
     .in = {IN(2, 3, 2), IN(3, 2, 2, 8), IN(2, 2, 2), IN(2, 2, 2), IN(1, 2)}, .lo = -1.8, .hi = 1.8},
    {.op = "kan_bspline", .n_in = 4, .attrs = "grid=3,order=2,lo=-0.5,hi=2",
     .in = {IN(3, 2, 2, 2), IN(3, 3, 2, 5), IN(2, 3, 2), IN(2, 3, 2)}},
    {.op = "fourier_kan", .n_in = 3, .in = {IN(2, 3, 2), IN(3, 2, 2, 8), IN(1, 2)}, .lo = -2, .hi = 2},
    {.op = "tru_kan", .n_in = 3, .attrs = "degree=2",
     .in = {IN(2, 3, 2), IN(3, 2, 2, 6), IN(1, 2)}},
    {.op = "s_kan", .n_in = 4, .attrs = "grid=3,order=2,degree=3,centers=4,freq=2",
     .in = {IN(2, 3, 2), IN(3, 2, 2, 17), IN(2, 2, 4), IN(1, 2)}},
    /* positive x and denominators: b_1 x + ... never crosses 0 (the kink) */
    {.op = "rational_kan", .n_in = 5,
     .in = {IN(2, 3, 4), IN(2, 2, 6), IN(2, 2, 4), IN(2, 3, 4), IN(1, 3)}, .lo = 0.2, .hi = 1.5},
    {.op = "quadratic", .n_in = 3, .in = {IN(3, 2, 2, 3), IN(3, 3, 2, 3), IN(2, 3, 2)}},
    {.op = "cosnet", .n_in = 6, .in = {IN(2, 3, 3), IN(1, 3), IN(1, 3), IN(2, 3, 3), IN(1, 3),
                                       IN(1, 3)}, .lo = -1.5, .hi = 1.5},
  };
  opcheck_case rk = {.op = "relu_kan", .n_in = 4,
                     .in = {IN(2, 3, 2), IN(3, 2, 2, 8), IN(3, 2, 2, 8), IN(1, 2)}};
  opcheck_case af1 = {.op = "af_kan", .n_in = 5,
                      .in = {IN(2, 3, 3), IN(2, 2, 8), IN(1, 10), IN(2, 2, 3), IN(2, 2, 3)}};
  opcheck_case af2 = {.op = "af_kan", .n_in = 4, .attrs = "act=gelu,func=quad2,normalize=0",
                      .in = {IN(2, 3, 3), IN(2, 2, 8), IN(1, 10), IN(2, 2, 3)}};
  size_t k;
  double e;
  for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) grad_ok(&cases[k], 1e-2, NULL);
  e = grad_init(&rk, init_relu, 1e-3);   /* 1e-2 leaves 5% truncation error */
  tap_ok(e >= 0 && e < 1e-2, "relu_kan gradient, phases included (rel. err %.2g)", e);
  e = grad_init(&af1, init_af, 1e-2);
  tap_ok(e >= 0 && e < 1e-2, "af_kan gradient with batch min-max and layer norm (rel. err %.2g)", e);
  e = grad_init(&af2, init_af, 1e-2);
  tap_ok(e >= 0 && e < 1e-2, "af_kan gradient, gelu/quad2, no normalisation (rel. err %.2g)", e);
}

/* }====== */

/* {====== errors ====== */

static void test_errors (void) {
  opcheck_case c1 = {.op = "kan_bspline", .n_in = 4,
                     .in = {IN(2, 4, 3), IN(3, 2, 3, 7), IN(2, 2, 3), IN(2, 2, 3)}};
  opcheck_case c2 = {.op = "fourier_kan", .n_in = 2, .in = {IN(2, 4, 3), IN(3, 2, 3, 5)}};
  opcheck_case c3 = {.op = "s_kan", .n_in = 3, .in = {IN(2, 4, 1), IN(3, 2, 1, 29), IN(2, 3, 4)}};
  opcheck_case c4 = {.op = "rational_kan", .n_in = 4,
                     .in = {IN(2, 4, 6), IN(2, 2, 6), IN(2, 2, 4), IN(2, 2, 5)}};
  opcheck_case c5 = {.op = "af_kan", .n_in = 4,
                     .in = {IN(2, 4, 6), IN(2, 3, 8), IN(1, 10), IN(2, 2, 6)}};
  opcheck_case c6 = {.op = "cosnet", .n_in = 6,
                     .in = {IN(2, 4, 3), IN(1, 2), IN(1, 3), IN(2, 3, 3), IN(1, 3), IN(1, 3)}};
  opcheck_case c7 = {.op = "relu_kan", .n_in = 3,
                     .in = {IN(2, 4, 3), IN(3, 2, 3, 8), IN(3, 2, 3, 7)}};
  opcheck_case c8 = {.op = "quadratic", .n_in = 3,
                     .in = {IN(2, 4, 3), IN(3, 3, 2, 3), IN(2, 3, 3)}};
  opcheck_case c9 = {.op = "kan_bspline", .n_in = 4, .attrs = "order=11",
                     .in = {IN(2, 4, 3), IN(3, 2, 3, 16), IN(2, 2, 3), IN(2, 2, 3)}};
  shape_err(&c1, "kan_bspline: coef 2x3x7 does not fit input 4x3 and grid 5, order 3 "
                 "(want [n_out, 3, 8])");
  shape_err(&c2, "fourier_kan: coef 2x3x5 must be [n_out, n_in, 2F]");
  shape_err(&c3, "s_kan: theta 3x4 does not fit coef 2x1x29 (want [2, 4]");
  shape_err(&c4, "rational_kan: weight 2x5 does not fit input 4x6 (want [n_out, 6])");
  shape_err(&c5, "af_kan: phase 3x8 must be [2, K]");
  shape_err(&c6, "cosnet: omega1 2 does not fit input 4x3");
  shape_err(&c7, "relu_kan: phase 2x3x7 does not fit coef 2x3x8 (want [2, 3, 8]");
  shape_err(&c8, "quadratic: bias 3x3 does not fit weight 3x2x3 (want [3, 2]");
  opcheck_shape_err(&c9, "kan_bspline: grid 5 must be an integer >= 1 and order 11", LN_EARG);
}

/* }====== */

/* {====== thread count ====== */

/* forward and backward with 'threads' threads: y and every input gradient */
static float *run_threads (const opcheck_case *c, void (*init) (opcheck_run *), int threads,
                           size_t *len) {
  opcheck_run r;
  size_t i, n = 0, at = 0;
  float *out;
  int k;
  ln_set_threads(threads);
  if (opcheck_setup(c, &r, 7u)) { opcheck_free(&r); return NULL; }
  if (init) init(&r);
  n = ln_numel(&r.out);
  for (k = 0; k < c->n_in; k++) n += ln_numel(&r.in[k]);
  out = malloc(n * sizeof(float));
  opcheck_forward(&r, 1);
  for (i = 0; i < ln_numel(&r.out); i++) r.out.g[i] = (float)((i % 7) - 3) / 7;
  opcheck_backward(&r, 1);
  memcpy(out, r.out.x, ln_numel(&r.out) * sizeof(float));
  at = ln_numel(&r.out);
  for (k = 0; k < c->n_in; k++) {
    memcpy(out + at, r.in[k].g, ln_numel(&r.in[k]) * sizeof(float));
    at += ln_numel(&r.in[k]);
  }
  opcheck_free(&r);
  *len = n;
  return out;
}

static void init_af_big (opcheck_run *r) {
  int k, K = r->in[1].dim[1];
  for (k = 0; k < K; k++) {
    r->in[1].x[k] = -1 + (k - 3) * 0.4f;
    r->in[1].x[K + k] = -1 + (k - 3) * 0.4f + 1.6f;
  }
  r->in[2].x[K + 1] = 3;
}

static void test_threads (void) {
  opcheck_case cases[] = {
    {.op = "kan_bspline", .n_in = 5,
     .in = {IN(2, 600, 16), IN(3, 8, 16, 8), IN(2, 8, 16), IN(2, 8, 16), IN(1, 8)}, .lo = -1.5, .hi = 1.5},
    {.op = "s_kan", .n_in = 4, .in = {IN(2, 300, 16), IN(3, 8, 16, 29), IN(2, 8, 4), IN(1, 8)}},
    {.op = "rational_kan", .n_in = 5,
     .in = {IN(2, 700, 64), IN(2, 8, 6), IN(2, 8, 4), IN(2, 8, 64), IN(1, 8)}, .lo = -2, .hi = 2},
    {.op = "relu_kan", .n_in = 4,
     .in = {IN(2, 600, 16), IN(3, 8, 16, 8), IN(3, 2, 16, 8), IN(1, 8)}},
    {.op = "af_kan", .n_in = 5,
     .in = {IN(2, 300, 32), IN(2, 2, 8), IN(1, 10), IN(2, 8, 32), IN(2, 2, 32)}},
    {.op = "cosnet", .n_in = 6, .in = {IN(2, 3000, 16), IN(1, 16), IN(1, 16), IN(2, 16, 16),
                                       IN(1, 16), IN(1, 16)}},
    {.op = "quadratic", .n_in = 3, .in = {IN(2, 2000, 24), IN(3, 3, 8, 24), IN(2, 3, 8)}},
  };
  size_t k;
  int keep = ln_get_threads();
  for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) {
    void (*init) (opcheck_run *) = strcmp(cases[k].op, "relu_kan") == 0 ? init_relu
                                 : strcmp(cases[k].op, "af_kan") == 0 ? init_af_big : NULL;
    size_t n1 = 0, n2 = 0;
    float *a = run_threads(&cases[k], init, 1, &n1), *b = run_threads(&cases[k], init, 2, &n2);
    size_t i;
    double worst = 0, scale = 1;
    int ok = a && b && n1 == n2;
    for (i = 0; ok && i < n1; i++) scale = fmax(scale, fabs((double)a[i]));
    for (i = 0; ok && i < n1; i++) {
      double d = fabs((double)a[i] - b[i]) / scale;
      if (!(d <= worst)) worst = d;
    }
    /* the kernels' own sums run in a fixed order; OpenBLAS's sgemm may
    ** split its sums by thread, so allow float rounding, not races */
    tap_ok(ok && worst < 1e-5, "%s: forward and backward agree with 1 and 2 threads "
           "(max diff %.2g of the largest value)", cases[k].op, worst);
    free(a);
    free(b);
  }
  ln_set_threads(keep);
}

/* }====== */

int main (void) {
  ln_init_runtime();
  test_bspline_values();
  test_other_values();
  test_extremes();
  test_grads();
  test_errors();
  test_threads();
  printf("1..%d\n", tap_count);
  return tap_done();
}
