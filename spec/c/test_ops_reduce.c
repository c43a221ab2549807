/*
** test_ops_reduce.c -- sum, mean, max, var: values by hand, axes (negative,
** several, all), keepdim, gradients, shape errors, long parallel sums.
*/
#include "opcheck.h"
#include "tap.h"

#define grad_ok(c, h) opcheck_grad_ok(c, h, NULL)
#define run_vals opcheck_run_vals
#define shape_err(c, msg) opcheck_shape_err(c, msg, LN_ESHAPE)
/* a wrong dtype is a bad argument (LN_EARG), as luanet.h says */
#define dtype_err(c, msg) opcheck_shape_err(c, msg, LN_EARG)

static const float m23[6] = {1, 2, 3, 4, 5, 6};

/* [[1,2,3],[4,5,6]] reduced by 'op' with 'attrs': 'nd' dims and values */
static void val23 (const char *op, const char *attrs, int nd, const float *want,
                   size_t n, const char *what) {
  opcheck_case c = {op, 1, {{2, {2, 3}, 0, NULL, 0}}, attrs, 0, 0, 0, 0, 0};
  const float *xs[1] = {m23};
  opcheck_run r;
  int ok = run_vals(&c, xs, want, n, NULL, NULL);
  if (opcheck_setup(&c, &r, 1u) != 0 || r.out.ndim != nd) ok = 0;
  opcheck_free(&r);
  tap_ok(ok, "%s %s: %s", op, attrs ? attrs : "(all)", what);
}

static void test_values (void) {
  {
    const float w[1] = {21};
    val23("sum", NULL, 0, w, 1, "21, a scalar");
  }
  {
    const float w[2] = {6, 15}, w3[3] = {5, 7, 9};
    val23("sum", "axes=1", 1, w, 2, "[6, 15]");
    val23("sum", "axes=-2", 1, w3, 3, "[5, 7, 9]");
    val23("sum", "axes=-1,keepdim=1", 2, w, 2, "[[6], [15]]");
    val23("sum", "keepdim=1", 2, (const float[]){21}, 1, "[[21]]");
    val23("sum", "axes=0:1", 0, (const float[]){21}, 1, "both axes listed");
  }
  {
    const float w[3] = {2.5f, 3.5f, 4.5f}, w1[2] = {2, 5};
    val23("mean", "axes=0", 1, w, 3, "[2.5, 3.5, 4.5]");
    val23("mean", "axes=1", 1, w1, 2, "[2, 5]");
    val23("mean", NULL, 0, (const float[]){3.5f}, 1, "3.5");
  }
  {
    const float w[2] = {3, 6}, w0[3] = {4, 5, 6};
    val23("max", "axes=1", 1, w, 2, "[3, 6]");
    val23("max", "axes=0,keepdim=1", 2, w0, 3, "[[4, 5, 6]]");
    val23("max", NULL, 0, (const float[]){6}, 1, "6");
  }
  {
    const float w[3] = {4.5f, 4.5f, 4.5f}, w1[2] = {1, 1};
    val23("var", "axes=0", 1, w, 3, "[4.5, 4.5, 4.5]");
    val23("var", "axes=1,correction=0", 1, (const float[]){2 / 3.f, 2 / 3.f},
          2, "biased [2/3, 2/3]");
    val23("var", "axes=1", 1, w1, 2, "[1, 1]");
  }
  {
    opcheck_case c = {"var", 1, {{1, {4}, 0, NULL, 0}}, NULL, 0, 0, 0, 0, 0};
    const float x[4] = {1, 2, 3, 4}, *xs[1] = {x};
    const float one[1] = {1};
    const float g[4] = {-1, -1 / 3.f, 1 / 3.f, 1}, *gs[1] = {g};
    const float g0[4] = {-0.75f, -0.25f, 0.25f, 0.75f}, *gs0[1] = {g0};
    tap_ok(run_vals(&c, xs, (const float[]){1.6666667f}, 1, one, gs),
           "var [1,2,3,4] = 1.6666667 (unbiased), gradient 2(x-m)/3");
    c.attrs = "correction=0";
    tap_ok(run_vals(&c, xs, (const float[]){1.25f}, 1, one, gs0),
           "var [1,2,3,4] correction=0 = 1.25");
  }
  {
    opcheck_case c = {"max", 1, {{2, {2, 3}, 0, NULL, 0}}, "axes=1", 0, 0, 0, 0, 0};
    const float x[6] = {1, 3, 3, 7, 7, 2}, *xs[1] = {x};
    const float g[6] = {0, 2, 0, -1, 0, 0}, *gs[1] = {g};
    tap_ok(run_vals(&c, xs, (const float[]){3, 7}, 2, (const float[]){2, -1}, gs),
           "max: ties give the gradient to the first maximum");
  }
  {
    opcheck_case c = {"mean", 1, {{2, {2, 3}, 0, NULL, 0}}, "axes=0", 0, 0, 0, 0, 0};
    const float g[6] = {0.5f, 1, 1.5f, 0.5f, 1, 1.5f}, *gs[1] = {g};
    const float *xs[1] = {m23};
    tap_ok(run_vals(&c, xs, (const float[]){2.5f, 3.5f, 4.5f}, 3,
                    (const float[]){1, 2, 3}, gs), "mean backward spreads g / N");
    c.op = "sum";
    c.attrs = "axes=1";
    tap_ok(run_vals(&c, xs, (const float[]){6, 15}, 2, (const float[]){1, 2},
                    (const float *const[]){(const float[]){1, 1, 1, 2, 2, 2}}),
           "sum backward copies g");
  }
}

static void test_grads (void) {
  static const char *const ops[] = {"sum", "mean", "max", "var", NULL};
  static const char *const attrs[] = {
    NULL, "axes=1", "axes=0:2", "axes=-1,keepdim=1", "axes=-3:-2",
    "axes=2:0,keepdim=1", "keepdim=1", "axes=1:2"
  };
  int i, a;
  for (i = 0; ops[i]; i++)
    for (a = 0; a < 8; a++) {
      opcheck_case c = {ops[i], 1, {{3, {2, 3, 4}, 0, NULL, 0}}, attrs[a], -2, 2, 0, 0, 0};
      grad_ok(&c, 1e-3);
    }
  {
    opcheck_case c = {"var", 1, {{4, {2, 1, 3, 2}, 0, NULL, 0}}, "axes=0:2,correction=0", -2, 2, 0, 0, 0};
    grad_ok(&c, 1e-3);
    c.op = "max";
    c.attrs = "axes=-1:1";
    grad_ok(&c, 1e-3);
    c.op = "sum";
    c.in[0].ndim = 0;            /* a scalar input */
    c.attrs = NULL;
    grad_ok(&c, 1e-3);
  }
}

/* long reductions (parallel paths) against plain double loops */
static void test_large (void) {
  static const struct { const char *op, *attrs; int nd, d0, d1; } cases[] = {
    {"sum", NULL, 1, 100003, 1}, {"mean", NULL, 1, 100003, 1},
    {"var", NULL, 1, 100003, 1}, {"max", NULL, 1, 100003, 1},
    {"sum", "axes=0", 2, 300, 200}, {"var", "axes=1", 2, 300, 200},
    {"mean", "axes=1", 2, 2, 60000},
  };
  int k;
  for (k = 0; k < 7; k++) {
    opcheck_case c = {cases[k].op, 1, {{cases[k].nd, {cases[k].d0, cases[k].d1}, 0, NULL, 0}},
                      cases[k].attrs, -1, 3, 0, 0, 0};
    opcheck_run r;
    int ok = opcheck_setup(&c, &r, 9u) == 0, ax = c.attrs ? c.attrs[5] - '0' : -1;
    long nout = (long)ln_numel(&r.out), o, j, d0 = cases[k].d0, d1 = cases[k].d1;
    long nred = (long)ln_numel(&r.in[0]) / (nout ? nout : 1);
    if (ok) opcheck_forward(&r, 0);
    for (o = 0; ok && o < nout; o++) {
      double s = 0, s2 = 0, mx = -1e30, want;
      for (j = 0; j < nred; j++) {      /* element j of output o */
        long at = ax < 0 ? j : ax == 0 ? j * d1 + o : o * d1 + j;
        s += r.in[0].x[at];
        if (r.in[0].x[at] > mx) mx = r.in[0].x[at];
      }
      for (j = 0; j < nred; j++) {
        long at = ax < 0 ? j : ax == 0 ? j * d1 + o : o * d1 + j;
        s2 += (r.in[0].x[at] - s / nred) * (r.in[0].x[at] - s / nred);
      }
      (void)d0;
      want = c.op[0] == 's' ? s : c.op[0] == 'm' && c.op[1] == 'e' ? s / nred
        : c.op[0] == 'v' ? s2 / (nred - 1) : mx;
      if (fabs(r.out.x[o] - want) > 1e-5 * (1 + fabs(want))) {
        fprintf(stderr, "  %s: y[%ld] = %g, want %g\n", c.op, o, r.out.x[o], want);
        ok = 0;
      }
    }
    tap_ok(ok, "%s %s over %ldx%ld: matches a plain double loop", c.op,
           c.attrs ? c.attrs : "(all)", d0, d1);
    opcheck_free(&r);
  }
}

/* the same result with 1 and 4 threads (fixed summation order) */
static void test_deterministic (void) {
  opcheck_case c = {"sum", 1, {{1, {200000}, 0, NULL, 0}}, NULL, -1, 1, 0, 0, 0};
  opcheck_run r;
  float y1 = 0, y4 = 1;
  if (opcheck_setup(&c, &r, 4u) == 0) {
#ifdef _OPENMP
    omp_set_num_threads(1);
#endif
    opcheck_forward(&r, 0);
    y1 = r.out.x[0];
#ifdef _OPENMP
    omp_set_num_threads(4);
#endif
    opcheck_forward(&r, 0);
    y4 = r.out.x[0];
  }
  opcheck_free(&r);
  tap_ok(memcmp(&y1, &y4, sizeof(float)) == 0, "sum: same bits with 1 and 4 threads");
}

static void test_errors (void) {
  opcheck_case c = {"sum", 1, {{2, {2, 3}, 0, NULL, 0}}, "axes=3", 0, 0, 0, 0, 0};
  shape_err(&c, "sum: axis 3 out of range for shape 2x3");
  c.attrs = "axes=-3";
  shape_err(&c, "sum: axis -3 out of range for shape 2x3");
  c.op = "mean";
  c.attrs = "axes=1:-1";
  shape_err(&c, "mean: axis -1 repeated");
  c.op = "var";
  c.attrs = "axes=0:2";
  shape_err(&c, "var: axis 2 out of range for shape 2x3");
  c.op = "max";
  c.attrs = NULL;
  c.in[0].i32 = 1;
  dtype_err(&c, "max: input 1 must be float32, got int32");
}

int main (void) {
  test_values();
  test_grads();
  test_large();
  test_deterministic();
  test_errors();
  return tap_done();
}
