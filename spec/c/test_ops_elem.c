/*
** test_ops_elem.c -- the elementwise ops of src/ops/elem.c: values by
** hand, broadcasting, central-difference gradients, shape errors; eml,
** dropout, and alpha_dropout (gradients and its mean/variance statistics).
*/
#include "opcheck.h"
#include "opvals.h"
#include "tap.h"

#define TOL 1e-2
#define IN(nd, ...) {.ndim = nd, .dim = {__VA_ARGS__}}
#define grad_ok(c, h) opcheck_grad_ok(c, h, NULL)
#define run_vals opcheck_run_vals
#define shape_err(c, msg) opcheck_shape_err(c, msg, LN_ESHAPE)
/* a wrong dtype is a bad argument (LN_EARG), as luanet.h says */
#define dtype_err(c, msg) opcheck_shape_err(c, msg, LN_EARG)

static void test_unary_grads (void) {
  static const char *const plain[] = {
    "neg", "abs", "exp", "square", "relu", "sigmoid", "tanh", NULL
  };
  static const char *const pos[] = { "log", "sqrt", "rdiv_scalar", NULL };
  int i;
  for (i = 0; plain[i]; i++) {
    opcheck_case c = {plain[i], 1, {{2, {3, 4}, 0, NULL, 0}}, NULL, -2, 2, 0, 0, 0};
    grad_ok(&c, 1e-3);
  }
  for (i = 0; pos[i]; i++) {
    opcheck_case c = {pos[i], 1, {{2, {3, 4}, 0, NULL, 0}}, NULL, 0.5, 2, 0, 0, 0};
    grad_ok(&c, 1e-3);
  }
  {
    opcheck_case c = {"pow", 1, {{3, {2, 2, 3}, 0, NULL, 0}}, "p=3", 0.5, 2, 0, 0, 0};
    grad_ok(&c, 1e-3);
    c.attrs = "p=0.5";
    grad_ok(&c, 1e-3);
    c.attrs = "p=-1.5";
    grad_ok(&c, 1e-3);
    c.op = "rdiv_scalar"; c.attrs = "c=-3";
    grad_ok(&c, 1e-3);
    c.op = "clamp"; c.attrs = "min=0.8,max=1.7";
    grad_ok(&c, 1e-3);
    c.op = "add_scalar"; c.attrs = "c=2.5";
    grad_ok(&c, 1e-3);
    c.op = "mul_scalar"; c.attrs = "c=-4";
    grad_ok(&c, 1e-3);
    c.op = "clamp"; c.attrs = NULL;
    grad_ok(&c, 1e-3);
  }
  {
    opcheck_case c = {"tanh", 0, {{0}}, NULL, 0, 0, 0, 0, 0};   /* scalar input */
    c.n_in = 1;
    grad_ok(&c, 1e-3);
  }
}

/* the first writer of dL/dx (the plan's assign bit) overwrites junk with
** what '+=' adds to zero, bit for bit */
static void test_unary_assign (void) {
  static const char *const ops[] = {
    "neg", "abs", "exp", "log", "sqrt", "square", "relu", "sigmoid", "tanh",
    "pow", "clamp", "add_scalar", "mul_scalar", "rdiv_scalar", NULL
  };
  int i;
  for (i = 0; ops[i]; i++) {
    opcheck_case c = {.op = ops[i], .n_in = 1, .in = {{2, {37, 5}, 0, NULL, 0}}, .lo = 0.5, .hi = 2};
    float a[185], b[185];
    int ok = opcheck_grad_assign(c, 0, 0.0f, a, 185) && opcheck_grad_assign(c, 1u, 7.0f, b, 185);
    tap_ok(ok && memcmp(a, b, sizeof(a)) == 0,
           "%s: '=' gradient over junk equals '+=' from zero", ops[i]);
  }
}

static void test_unary_values (void) {
  opcheck_case c = {"sigmoid", 1, {{1, {5}, 0, NULL, 0}}, NULL, 0, 0, 0, 0, 0};
  const float x[5] = {1e4f, -1e4f, 0, 2, -100};
  const float *xs[1] = {x};
  const float ones[5] = {1, 1, 1, 1, 1};
  {
    const float want[5] = {1, 0, 0.5f, 0.880797078f, 3.72007598e-44f};
    const float g[5] = {0, 0, 0.25f, 0.104993585f, 0};
    const float *gs[1] = {g};
    tap_ok(run_vals(&c, xs, want, 5, ones, gs), "sigmoid(+-1e4) = 1, 0; finite");
  }
  {
    const float want[5] = {1, -1, 0, 0.96402758f, -1};
    c.op = "tanh";
    tap_ok(run_vals(&c, xs, want, 5, NULL, NULL), "tanh values");
  }
  {
    const float x2[5] = {-1, 0, 2, -0.5f, 3};
    const float *xs2[1] = {x2};
    const float want[5] = {0, 0, 2, 0, 3}, g[5] = {0, 0, 1, 0, 1};
    const float *gs[1] = {g};
    const float wabs[5] = {1, 0, 2, 0.5f, 3}, gabs[5] = {-1, 0, 1, -1, 1};
    const float *gsabs[1] = {gabs};
    const float wcl[5] = {-0.5f, 0, 1, -0.5f, 1}, gcl[5] = {0, 1, 0, 0, 0};
    const float *gscl[1] = {gcl};
    const float wsq[5] = {1, 0, 4, 0.25f, 9}, gsq[5] = {-2, 0, 4, -1, 6};
    const float *gssq[1] = {gsq};
    const float wneg[5] = {1, 0, -2, 0.5f, -3};
    const float wadd[5] = {0.5f, 1.5f, 3.5f, 1, 4.5f};
    const float wmul[5] = {3, 0, -6, 1.5f, -9}, gmul[5] = {-3, -3, -3, -3, -3};
    const float *gsmul[1] = {gmul};
    c.op = "relu";
    tap_ok(run_vals(&c, xs2, want, 5, ones, gs), "relu values, gradient 0 at 0");
    c.op = "abs";
    tap_ok(run_vals(&c, xs2, wabs, 5, ones, gsabs), "abs values, gradient sign(x)");
    c.op = "clamp"; c.attrs = "min=-0.5,max=1";
    tap_ok(run_vals(&c, xs2, wcl, 5, ones, gscl), "clamp values, gradient 0 at the bounds");
    c.op = "square"; c.attrs = NULL;
    tap_ok(run_vals(&c, xs2, wsq, 5, ones, gssq), "square values");
    c.op = "neg";
    tap_ok(run_vals(&c, xs2, wneg, 5, NULL, NULL), "neg values");
    c.op = "add_scalar"; c.attrs = "c=1.5";
    tap_ok(run_vals(&c, xs2, wadd, 5, NULL, NULL), "add_scalar values");
    c.op = "mul_scalar"; c.attrs = "c=-3";
    tap_ok(run_vals(&c, xs2, wmul, 5, ones, gsmul), "mul_scalar values");
  }
  {
    const float x3[4] = {1, 2, 4, 0.25f};
    const float *xs3[1] = {x3};
    const float wexp[4] = {2.71828183f, 7.3890561f, 54.59815f, 1.28402542f};
    const float wlog[4] = {0, 0.693147181f, 1.38629436f, -1.38629436f};
    const float glog[4] = {1, 0.5f, 0.25f, 4};
    const float *gslog[1] = {glog};
    const float wsqrt[4] = {1, 1.41421356f, 2, 0.5f}, gsqrt[4] = {0.5f, 0.353553391f, 0.25f, 1};
    const float *gssqrt[1] = {gsqrt};
    const float wpow[4] = {1, 8, 64, 0.015625f}, gpow[4] = {3, 12, 48, 0.1875f};
    const float *gspow[1] = {gpow};
    const float wrd[4] = {2, 1, 0.5f, 8}, grd[4] = {-2, -0.5f, -0.125f, -32};
    const float *gsrd[1] = {grd};
    const float one4[4] = {1, 1, 1, 1};
    c.in[0].dim[0] = 4;
    c.op = "exp"; c.attrs = NULL;
    tap_ok(run_vals(&c, xs3, wexp, 4, one4, (const float *const[]){wexp}),
           "exp values, gradient from the output");
    c.op = "log";
    tap_ok(run_vals(&c, xs3, wlog, 4, one4, gslog), "log values");
    c.op = "sqrt";
    tap_ok(run_vals(&c, xs3, wsqrt, 4, one4, gssqrt), "sqrt values");
    c.op = "pow"; c.attrs = "p=3";
    tap_ok(run_vals(&c, xs3, wpow, 4, one4, gspow), "pow p=3 values");
    c.op = "rdiv_scalar"; c.attrs = "c=2";
    tap_ok(run_vals(&c, xs3, wrd, 4, one4, gsrd), "rdiv_scalar c=2 values");
  }
}

static void test_binary (void) {
  static const char *const ops[] = {"add", "sub", "mul", "div", "maximum",
                                    "minimum", NULL};
  /* shape pairs: same, row, scalar (both sides), general, column, middle */
  static const opcheck_in pairs[][2] = {
    {{2, {2, 3}, 0, NULL, 0}, {2, {2, 3}, 0, NULL, 0}},
    {{2, {4, 5}, 0, NULL, 0}, {1, {5}, 0, NULL, 0}},
    {{1, {5}, 0, NULL, 0}, {2, {4, 5}, 0, NULL, 0}},
    {{2, {3, 4}, 0, NULL, 0}, {0, {0}, 0, NULL, 0}},
    {{0, {0}, 0, NULL, 0}, {2, {3, 4}, 0, NULL, 0}},
    {{2, {3, 4}, 0, NULL, 0}, {1, {1}, 0, NULL, 0}},
    {{3, {2, 1, 4}, 0, NULL, 0}, {2, {3, 1}, 0, NULL, 0}},
    {{2, {3, 4}, 0, NULL, 0}, {2, {3, 1}, 0, NULL, 0}},
    {{3, {2, 3, 4}, 0, NULL, 0}, {3, {2, 1, 4}, 0, NULL, 0}},
    {{4, {2, 1, 3, 1}, 0, NULL, 0}, {4, {1, 2, 1, 2}, 0, NULL, 0}},
  };
  int i, p;
  for (i = 0; ops[i]; i++)
    for (p = 0; p < (int)(sizeof(pairs) / sizeof(pairs[0])); p++) {
      opcheck_case c = {ops[i], 2, {pairs[p][0], pairs[p][1]}, NULL, 0.5, 2, 0, 0, 0};
      double err = opcheck_grad(&c, 1e-3);
      tap_ok(err >= 0 && err < TOL, "%s %s with %s gradient (rel. err %.2g)",
             ops[i], ln_shape_str(pairs[p][0].ndim, pairs[p][0].dim,
                                  (char[32]){0}, 32),
             ln_shape_str(pairs[p][1].ndim, pairs[p][1].dim, (char[32]){0}, 32),
             err);
    }
}

static void test_binary_values (void) {
  opcheck_case c = {"add", 2, {{2, {2, 3}, 0, NULL, 0}, {1, {3}, 0, NULL, 0}},
                    NULL, 0, 0, 0, 0, 0};
  const float a[6] = {1, 2, 3, 4, 5, 6}, b[3] = {10, 20, 30};
  const float *xs[2] = {a, b};
  const float ones[6] = {1, 1, 1, 1, 1, 1}, two[3] = {2, 2, 2};
  {
    const float want[6] = {11, 22, 33, 14, 25, 36};
    const float *gs[2] = {ones, two};
    tap_ok(run_vals(&c, xs, want, 6, ones, gs), "add [2,3] + [3]: values, b's gradient summed");
  }
  {
    const float want[6] = {-9, -18, -27, -6, -15, -24}, mtwo[3] = {-2, -2, -2};
    const float *gs[2] = {ones, mtwo};
    c.op = "sub";
    tap_ok(run_vals(&c, xs, want, 6, ones, gs), "sub [2,3] - [3]");
  }
  {
    const float want[6] = {10, 40, 90, 40, 100, 180}, gb[3] = {5, 7, 9};
    const float ga[6] = {10, 20, 30, 10, 20, 30};
    const float *gs[2] = {ga, gb};
    c.op = "mul";
    tap_ok(run_vals(&c, xs, want, 6, ones, gs), "mul [2,3] * [3]");
  }
  {
    const float want[6] = {0.1f, 0.1f, 0.1f, 0.4f, 0.25f, 0.2f};
    const float ga[6] = {0.1f, 0.05f, 1 / 30.f, 0.1f, 0.05f, 1 / 30.f};
    const float gb[3] = {-0.05f, -7 / 400.f, -9 / 900.f};
    const float *gs[2] = {ga, gb};
    c.op = "div";
    tap_ok(run_vals(&c, xs, want, 6, ones, gs), "div [2,3] / [3]");
  }
  {
    const float a2[3] = {1, 2, 5}, b2[3] = {1, 3, 4};
    const float *xs2[2] = {a2, b2};
    const float wmax[3] = {1, 3, 5}, gamax[3] = {1, 0, 1}, gbmax[3] = {0, 1, 0};
    const float wmin[3] = {1, 2, 4}, gamin[3] = {1, 1, 0}, gbmin[3] = {0, 0, 1};
    const float *gsmax[2] = {gamax, gbmax}, *gsmin[2] = {gamin, gbmin};
    c.in[0].ndim = 1;
    c.in[0].dim[0] = 3;
    c.op = "maximum";
    tap_ok(run_vals(&c, xs2, wmax, 3, ones, gsmax), "maximum: ties give the gradient to a");
    c.op = "minimum";
    tap_ok(run_vals(&c, xs2, wmin, 3, ones, gsmin), "minimum: ties give the gradient to a");
  }
}

/* mul(x, x): both inputs are one node, gradients add up to 2x */
static void test_same_node (void) {
  opcheck_case c = {"mul", 2, {{1, {4}, 0, NULL, 0}, {1, {4}, 0, NULL, 0}},
                    NULL, 0, 0, 0, 0, 0};
  opcheck_run r;
  int ok = opcheck_setup(&c, &r, 3u) == 0, i;
  if (ok) {
    r.out.in[1] = r.out.in[0];
    opcheck_forward(&r, 0);
    for (i = 0; i < 4; i++) r.out.g[i] = 1;
    opcheck_backward(&r, 0);
    for (i = 0; i < 4; i++) {
      float x = r.in[0].x[i];
      ok = ok && fabsf(r.out.x[i] - x * x) < 1e-6f
        && fabsf(r.in[0].g[i] - 2 * x) < 1e-6f;
    }
  }
  tap_ok(ok, "mul(x, x): gradient 2x through one node");
  opcheck_free(&r);
}

/* large inputs take the parallel paths: compare with plain loops */
static void test_large (void) {
  static const opcheck_in shapes[][2] = {
    {{2, {300, 200}, 0, NULL, 0}, {1, {200}, 0, NULL, 0}},
    {{2, {300, 200}, 0, NULL, 0}, {2, {300, 200}, 0, NULL, 0}},
    {{2, {300, 200}, 0, NULL, 0}, {2, {300, 1}, 0, NULL, 0}},
    {{1, {1}, 0, NULL, 0}, {3, {30, 40, 50}, 0, NULL, 0}},
  };
  int s;
  for (s = 0; s < 4; s++) {
    opcheck_case c = {"mul", 2, {shapes[s][0], shapes[s][1]}, NULL, 0, 0, 0, 0, 0};
    opcheck_run r;
    int ok = opcheck_setup(&c, &r, 5u) == 0;
    size_t i, len = ln_numel(&r.out), na = ln_numel(&r.in[0]);
    size_t nb = ln_numel(&r.in[1]);
    double *ga = calloc(na, sizeof(double)), *gb = calloc(nb, sizeof(double));
    if (ok) {
      opcheck_forward(&r, 0);
      for (i = 0; i < len; i++) r.out.g[i] = (float)((i % 7) - 3);
      opcheck_backward(&r, 0);
      for (i = 0; i < len; i++) {       /* index of broadcast operands */
        size_t ia = na == len ? i : na == 1 ? 0 : s == 2 ? i / 200 : i % na;
        size_t ib = nb == len ? i : nb == 1 ? 0 : s == 2 ? i / 200 : i % nb;
        float y = r.in[0].x[ia] * r.in[1].x[ib];
        if (r.out.x[i] != y) ok = 0;
        ga[ia] += (double)r.out.g[i] * r.in[1].x[ib];
        gb[ib] += (double)r.out.g[i] * r.in[0].x[ia];
      }
      for (i = 0; i < na; i++) if (fabs(r.in[0].g[i] - ga[i]) > 1e-5 * (1 + fabs(ga[i]))) ok = 0;
      for (i = 0; i < nb; i++) if (fabs(r.in[1].g[i] - gb[i]) > 1e-5 * (1 + fabs(gb[i]))) ok = 0;
    }
    tap_ok(ok, "mul large case %d: values and reduced gradients", s);
    free(ga);
    free(gb);
    opcheck_free(&r);
  }
}

static void test_errors (void) {
  opcheck_case c = {"add", 2, {{2, {2, 3}, 0, NULL, 0}, {1, {4}, 0, NULL, 0}},
                    NULL, 0, 0, 0, 0, 0};
  shape_err(&c, "add: shapes 2x3 and 4 do not broadcast");
  c.op = "maximum";
  c.in[1].ndim = 2; c.in[1].dim[0] = 3; c.in[1].dim[1] = 3;
  shape_err(&c, "maximum: shapes 2x3 and 3x3 do not broadcast");
  c.op = "mul";
  c.in[1].ndim = 1; c.in[1].dim[0] = 3; c.in[1].i32 = 1;
  dtype_err(&c, "mul: input 2 must be float32, got int32");
  c.op = "relu";
  c.n_in = 1;
  c.in[0].i32 = 1;
  dtype_err(&c, "relu: input 1 must be float32, got int32");
  c.op = "pow";
  dtype_err(&c, "pow: input 1 must be float32, got int32");
}

static void test_dropout (void) {
  opcheck_case g1 = {.op = "dropout", .n_in = 1,
                     .in = {IN(2, 4, 5)},
                     .attrs = "p=0.3", .lo = 0, .hi = 0, .training = 1};
  opcheck_case g2 = {.op = "dropout", .n_in = 1,
                     .in = {IN(2, 4, 5)},
                     .attrs = "p=0.3", .lo = 0, .hi = 0, .training = 0};
  opcheck_case big = {.op = "dropout", .n_in = 1,
                      .in = {IN(1, 20000)},
                      .attrs = "p=0.25", .lo = 1, .hi = 2, .training = 1};
  opcheck_case e1 = {.op = "dropout", .n_in = 1,
                     .in = {IN(1, 4)},
                     .attrs = "p=1"};
  opcheck_run r;
  size_t i, zeros = 0, bad = 0;
  float *first;
  int ok;
  opcheck_grad_ok(&g1, 1e-2, "dropout training");
  opcheck_grad_ok(&g2, 1e-2, "dropout eval");
  ok = opvals_run(&g2, &r, NULL, 0) == 0;
  for (i = 0; ok && i < 20; i++) ok = r.out.x[i] == r.in[0].x[i];
  tap_ok(ok, "dropout at eval is the identity");
  opcheck_free(&r);
  ln_seed(5);
  ok = opvals_run(&big, &r, NULL, 1) == 0;
  first = malloc(20000 * sizeof(float));
  for (i = 0; ok && i < 20000; i++) {
    first[i] = r.out.x[i];
    if (r.out.x[i] == 0) zeros++;
    else if (fabsf(r.out.x[i] - r.in[0].x[i] / 0.75f) > 1e-6f) bad++;
  }
  tap_ok(ok && bad == 0 && zeros > 4600 && zeros < 5400,
         "dropout p=0.25 drops %zu of 20000, scales the rest by 1/(1-p)", zeros);
  ln_seed(5);
  opcheck_forward(&r, 1);
  tap_ok(memcmp(first, r.out.x, 20000 * sizeof(float)) == 0,
         "dropout repeats with the same seed");
  free(first);
  opcheck_free(&r);
  opcheck_shape_err(&e1, "dropout: p 1 must be in [0, 1)", 0);
}

static void test_eml (void) {
  opcheck_case g3 = {.op = "eml", .n_in = 2, .lo = 0.3, .hi = 1.5,
                     .in = {IN(2, 2, 3), IN(2, 2, 3)}};
  opcheck_case v2 = {.op = "eml", .n_in = 2, .in = {IN(1, 3), IN(1, 3)}};
  opcheck_case e2 = {.op = "eml", .n_in = 2, .in = {IN(1, 3), IN(1, 2)}};
  float ex[] = {0, 1, 2}, ey[] = {1, 2.718281828f, 4}, ewant[3], eg[] = {1, 1, 1};
  float egx[3], egy[3];
  const float *ev[] = {ex, ey}, *egw[] = {egx, egy};
  float bad_y[] = {1, 0, 2};
  const float *bad1[] = {ex, bad_y};
  int i;
  for (i = 0; i < 3; i++) {
    ewant[i] = expf(ex[i]) - logf(ey[i]);
    egx[i] = expf(ex[i]);
    egy[i] = -1 / ey[i];
  }
  opcheck_grad_ok(&g3, 1e-3, "eml");
  tap_ok(opcheck_run_vals(&v2, ev, ewant, 3, eg, egw), "eml values, dx = e^x, dy = -1/y");
  opcheck_shape_err(&e2, "eml: x 3 and y 2 must have the same shape", 0);
  opvals_validate_err(&v2, bad1, "eml: y (input 2) must be > 0, got 0 at index 2");
}

/* mean 0 and variance 1 kept for standard normal inputs */
static void test_alpha_dropout_stats (void) {
  enum { N = 200000 };
  opcheck_case c = {.op = "alpha_dropout", .n_in = 1, .in = {IN(1, N)}, .attrs = "p=0.2"};
  opcheck_run r;
  int ok = opcheck_setup(&c, &r, 1u) == 0;
  double m0 = 0, v0 = 0, m = 0, v = 0;
  size_t i;
  if (ok) {
    ln_seed(3);
    for (i = 0; i < N; i++) r.in[0].x[i] = (float)ln_rand_normal();
    opcheck_forward(&r, 1);
    for (i = 0; i < N; i++) { m0 += r.in[0].x[i]; m += r.out.x[i]; }
    m0 /= N; m /= N;
    for (i = 0; i < N; i++) {
      v0 += (r.in[0].x[i] - m0) * (r.in[0].x[i] - m0);
      v += (r.out.x[i] - m) * (r.out.x[i] - m);
    }
    v0 /= N; v /= N;
  }
  tap_ok(ok && fabs(m - m0) < 0.01 && fabs(v - v0) < 0.025,
         "alpha_dropout p=0.2 keeps mean and variance: %.4f %.4f (input %.4f %.4f)",
         m, v, m0, v0);
  opcheck_free(&r);
}

static void test_alpha_dropout (void) {
  opcheck_case d = {.op = "alpha_dropout", .n_in = 1, .in = {IN(1, 2)}, .attrs = "p=1"};
  {
    opcheck_case c = {.op = "alpha_dropout", .n_in = 1, .in = {IN(2, 6, 5)},
                      .attrs = "p=0.3", .training = 1};
    opcheck_grad_ok(&c, 1e-3, "alpha_dropout training (fixed mask)");
    c.training = 0;
    opcheck_grad_ok(&c, 1e-3, "alpha_dropout eval");
  }
  opcheck_shape_err(&d, "alpha_dropout: p 1 must be in [0, 1)", LN_EARG);
  test_alpha_dropout_stats();
}

int main (void) {
  test_unary_assign();
  test_unary_grads();
  test_unary_values();
  test_binary();
  test_binary_values();
  test_same_node();
  test_large();
  test_errors();
  test_dropout();
  test_eml();
  test_alpha_dropout();
  return tap_done();
}
