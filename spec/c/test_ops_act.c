/*
** test_ops_act.c -- the activation family (src/ops/act.c): values by hand,
** values and gradients against the PyTorch fixtures (spec/fixtures/act,
** made by spec/support/make_act_ref.py), central-difference gradients,
** extreme inputs, shape errors; softmax and log_softmax, fatrelu, the
** surrogate-gradient ops (biper, the STEs, spike) and kwta. The fixtures
** hold prelu and swish too (PyTorch's activations); their other checks are
** in test_ops_actlearn.c.
*/
#include "opcheck.h"
#include "opvals.h"
#include "tap.h"

#define IN(nd, ...) {.ndim = nd, .dim = {__VA_ARGS__}}
#define LAMBDA 1.0507009873554804934193349852946
#define ALPHA 1.6732632423543772848170429916717

/* {====== values by hand ====== */

/* op on the 1-D input x[0..n) with attributes 'attrs': y and dy/dx
** (upstream gradient 1) must match */
static void by_hand (const char *op, const char *attrs, int n, const float *x,
                     const float *y, const float *dy, const char *what) {
  opcheck_case c = {.op = op, .n_in = 1, .in = {IN(1, n)}, .attrs = attrs};
  const float *xs[1] = {x}, *gs[1] = {dy};
  float ones[8] = {1, 1, 1, 1, 1, 1, 1, 1};
  tap_ok(opcheck_run_vals(&c, xs, y, (size_t)n, ones, gs), "%s", what);
}

static void test_by_hand (void) {
  const float em1 = (float)exp(-1.0);
  {
    const float x[4] = {-2, 0, 3, -0.5f}, y[4] = {-0.02f, 0, 3, -0.005f};
    const float d[4] = {0.01f, 0.01f, 1, 0.01f};
    by_hand("leaky_relu", NULL, 4, x, y, d, "leaky_relu: slope a = 0.01 at and below 0");
  }
  {
    const float x[4] = {-1, 0, 2.5f, 7}, y[4] = {0, 0, 2.5f, 6}, d[4] = {0, 0, 1, 0};
    by_hand("relu6", NULL, 4, x, y, d, "relu6: min(max(x, 0), 6), flat at the bounds");
  }
  {
    const float x[4] = {-3, -1.5f, 0.2f, 1}, y[4] = {-2, -1.5f, 0.2f, 0.5f};
    const float d[4] = {0, 1, 1, 0};
    by_hand("hardtanh", "lo=-2,hi=0.5", 4, x, y, d, "hardtanh lo=-2, hi=0.5");
  }
  {
    const float x[3] = {-1, 0, 2}, y[3] = {em1 - 1, 0, 2}, d[3] = {em1, 1, 1};
    by_hand("elu", NULL, 3, x, y, d, "elu: e^-1 - 1 at -1, slope y + alpha");
  }
  {
    const float x[2] = {-1, 1}, y[2] = {(float)(2 * (exp(-0.5) - 1)), 1};
    const float d[2] = {(float)exp(-0.5), 1};
    by_hand("celu", "alpha=2", 2, x, y, d, "celu alpha=2: 2 (e^-1/2 - 1) at -1");
  }
  {
    const float x[3] = {-1, 1, -1e4f};
    const float y[3] = {(float)(LAMBDA * ALPHA * (exp(-1) - 1)), (float)LAMBDA,
                        (float)(-LAMBDA * ALPHA)};
    const float d[3] = {(float)(LAMBDA * ALPHA * exp(-1)), (float)LAMBDA, 0};
    by_hand("selu", NULL, 3, x, y, d, "selu: lambda, -lambda alpha as x -> -inf");
  }
  {
    /* Phi(1) = 0.841344746, phi(1) = 0.241970725 */
    const float x[3] = {1, -1, 0}, y[3] = {0.841344746f, -0.158655254f, 0};
    const float d[3] = {1.083315471f, -0.083315471f, 0.5f};
    by_hand("gelu", NULL, 3, x, y, d, "gelu: x Phi(x), slope Phi + x phi");
  }
  {
    double u = sqrt(2 / M_PI) * 1.044715, t = tanh(u);
    const float x[2] = {1, 0}, y[2] = {(float)(0.5 * (1 + t)), 0};
    const float d[2] = {(float)(0.5 * (1 + t) + 0.5 * (1 - t * t) *
                                sqrt(2 / M_PI) * (1 + 3 * 0.044715)), 0.5f};
    by_hand("gelu", "approximate=tanh", 2, x, y, d, "gelu tanh form at 1 and 0");
  }
  {
    double s = 1 / (1 + exp(-1.0)), t = tanh(log(1 + exp(1.0)));
    const float x[2] = {1, 0}, y[2] = {(float)s, 0};
    const float d[2] = {(float)(s * (2 - s)), 0.5f};
    const float ym[2] = {(float)t, 0}, dm[2] = {(float)(t + (1 - t * t) * s), 0.6f};
    by_hand("silu", NULL, 2, x, y, d, "silu: sigmoid(1) at 1");
    by_hand("mish", NULL, 2, x, ym, dm, "mish: tanh(log(1 + e)) at 1, slope 0.6 at 0");
  }
  {
    const float x[3] = {0, 1, 30}, y[3] = {0.693147181f, 1.313261687f, 30};
    const float d[3] = {0.5f, 0.731058579f, 1};
    const float yl[3] = {-0.693147181f, -0.313261687f, -9.35762297e-14f};
    const float dl[3] = {0.5f, 0.268941421f, 9.35762297e-14f};
    by_hand("softplus", NULL, 3, x, y, d, "softplus: log 2 at 0, x past the threshold");
    by_hand("logsigmoid", NULL, 3, x, yl, dl, "logsigmoid: -log 2 at 0");
  }
  {
    const float x[2] = {3, -1}, y[2] = {0.75f, -0.5f}, d[2] = {1 / 16.f, 0.25f};
    const float ys[2] = {9, 0}, ds[2] = {6, 0};
    by_hand("softsign", NULL, 2, x, y, d, "softsign: x / (1 + |x|)");
    by_hand("squared_relu", NULL, 2, x, ys, ds, "squared_relu: relu(x)^2");
  }
}

/* }====== */

/* {====== PyTorch fixtures ====== */

static ln_tensor *fixture (const char *kind, const char *name) {
  char path[256];
  ln_tensor *t = NULL;
  snprintf(path, sizeof(path), "spec/fixtures/act/%s%s%s.npy", kind,
           name ? "_" : "", name ? name : "");
  if (ln_npy_load(path, &t) != LN_OK) return NULL;
  return t;
}

static int all_close (const float *got, const float *want, size_t n, double rtol,
                      double atol, const char *what) {
  size_t i;
  for (i = 0; i < n; i++)
    if (!(fabs((double)got[i] - want[i]) <= rtol * fabs((double)want[i]) + atol)) {
      fprintf(stderr, "  %s[%zu] = %.9g, want %.9g\n", what, i, got[i], want[i]);
      return 0;
    }
  return 1;
}

/* forward and backward of one fixture case on the fixture's x and gy */
static void against_torch (const char *name, const char *op, const char *attrs,
                           int has_w) {
  ln_tensor *x = fixture("x", NULL), *gy = fixture("gy", NULL);
  ln_tensor *y = fixture("y", name), *gx = fixture("gx", name);
  ln_tensor *w = has_w ? fixture("w", name) : NULL;
  ln_tensor *gw = has_w ? fixture("gw", name) : NULL;
  opcheck_case c = {.op = op, .n_in = has_w ? 2 : 1, .attrs = attrs};
  opcheck_run r;
  int ok = x && gy && y && gx && (!has_w || (w && gw));
  if (ok) {
    c.in[0].ndim = x->ndim;
    memcpy(c.in[0].dim, x->dim, sizeof(x->dim));
    if (has_w) { c.in[1].ndim = w->ndim; memcpy(c.in[1].dim, w->dim, sizeof(w->dim)); }
    ok = opcheck_setup(&c, &r, 1u) == 0;
    if (ok) {
      memcpy(r.in[0].x, x->data, x->n * sizeof(float));
      if (has_w) memcpy(r.in[1].x, w->data, w->n * sizeof(float));
      opcheck_forward(&r, 0);
      memcpy(r.out.g, gy->data, gy->n * sizeof(float));
      opcheck_backward(&r, 0);
      /* atol: PyTorch's float64 gelu loses the far left tail (1 + erf) */
      ok = all_close(r.out.x, y->data, y->n, 1e-5, 1e-7, name) &&
           all_close(r.in[0].g, gx->data, gx->n, 1e-4, 1e-6, "dx") &&
           (!has_w || all_close(r.in[1].g, gw->data, gw->n, 1e-4, 1e-5, "dw"));
    }
    opcheck_free(&r);
  }
  tap_ok(ok, "%s against PyTorch: forward 1e-5, gradients 1e-4", name);
  ln_tensor_free(x); ln_tensor_free(gy); ln_tensor_free(y); ln_tensor_free(gx);
  ln_tensor_free(w); ln_tensor_free(gw);
}

static void test_torch (void) {
  static const struct { const char *name, *op, *attrs; int w; } cases[] = {
    {"leaky_relu", "leaky_relu", NULL, 0}, {"leaky_relu_a0.2", "leaky_relu", "a=0.2", 0},
    {"prelu", "prelu", NULL, 1}, {"prelu_shared", "prelu", NULL, 1},
    {"relu6", "relu6", NULL, 0}, {"hardtanh", "hardtanh", NULL, 0},
    {"hardtanh_-2_3", "hardtanh", "lo=-2,hi=3", 0}, {"elu", "elu", NULL, 0},
    {"elu_alpha0.5", "elu", "alpha=0.5", 0}, {"celu", "celu", NULL, 0},
    {"celu_alpha2", "celu", "alpha=2", 0}, {"selu", "selu", NULL, 0},
    {"gelu", "gelu", NULL, 0}, {"gelu_tanh", "gelu", "approximate=tanh", 0},
    {"silu", "silu", NULL, 0}, {"swish", "swish", NULL, 1},
    {"swish_shared", "swish", NULL, 1}, {"mish", "mish", NULL, 0},
    {"softplus", "softplus", NULL, 0}, {"softplus_b2_t5", "softplus", "beta=2,threshold=5", 0},
    {"logsigmoid", "logsigmoid", NULL, 0}, {"softsign", "softsign", NULL, 0},
    {"squared_relu", "squared_relu", NULL, 0},
  };
  size_t i;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
    against_torch(cases[i].name, cases[i].op, cases[i].attrs, cases[i].w);
}

/* }====== */

/* {====== gradients, extremes, errors ====== */

static void test_grads (void) {
  static const struct { const char *op, *attrs; double lo, hi; } un[] = {
    {"leaky_relu", NULL, -2, 2}, {"leaky_relu", "a=-0.4", -2, 2},
    {"relu6", NULL, -2, 8}, {"hardtanh", "lo=-0.7,hi=1.2", -2, 2},
    {"elu", "alpha=0.6", -3, 2}, {"celu", "alpha=1.7", -3, 2}, {"selu", NULL, -3, 2},
    {"gelu", NULL, -3, 3}, {"gelu", "approximate=tanh", -3, 3}, {"silu", NULL, -4, 4},
    {"mish", NULL, -4, 4}, {"softplus", NULL, -4, 4},
    {"softplus", "beta=0.5,threshold=1", -4, 4}, {"logsigmoid", NULL, -4, 4},
    {"softsign", NULL, -3, 3}, {"squared_relu", NULL, -2, 2},
  };
  size_t i;
  for (i = 0; i < sizeof(un) / sizeof(un[0]); i++) {
    opcheck_case c = {.op = un[i].op, .n_in = 1, .in = {IN(3, 2, 3, 4)},
                      .attrs = un[i].attrs, .lo = un[i].lo, .hi = un[i].hi};
    opcheck_grad_ok(&c, 1e-3, NULL);
  }
}

/* every op finite at +-80, +-1e4, forward and backward */
static void test_extremes (void) {
  static const char *const ops[] = {
    "leaky_relu", "relu6", "hardtanh", "elu", "celu", "selu", "gelu", "silu",
    "mish", "softplus", "logsigmoid", "softsign", "squared_relu", NULL
  };
  const float x[4] = {-1e4f, -80, 80, 1e4f};
  int i, k;
  for (i = 0; ops[i]; i++) {
    int t;
    for (t = 0; t < (strcmp(ops[i], "gelu") == 0 ? 2 : 1); t++) {
      opcheck_case c = {.op = ops[i], .n_in = 1, .in = {IN(1, 4)},
                        .attrs = t ? "approximate=tanh" : NULL};
      opcheck_run r;
      int ok = opcheck_setup(&c, &r, 1u) == 0;
      if (ok) {
        memcpy(r.in[0].x, x, sizeof(x));
        opcheck_forward(&r, 0);
        for (k = 0; k < 4; k++) r.out.g[k] = 1;
        opcheck_backward(&r, 0);
        for (k = 0; k < 4; k++)
          ok = ok && isfinite(r.out.x[k]) && isfinite(r.in[0].g[k]);
      }
      opcheck_free(&r);
      tap_ok(ok, "%s%s finite at +-80, +-1e4 (values and gradients)", ops[i],
             t ? " (tanh)" : "");
    }
  }
}

static void test_errors (void) {
  opcheck_case h = {.op = "hardtanh", .n_in = 1, .in = {IN(1, 2)}, .attrs = "lo=1,hi=-1"};
  opcheck_case cl = {.op = "celu", .n_in = 1, .in = {IN(1, 2)}, .attrs = "alpha=0"};
  opcheck_case sp = {.op = "softplus", .n_in = 1, .in = {IN(1, 2)}, .attrs = "beta=-1"};
  opcheck_case i32 = {.op = "mish", .n_in = 1, .in = {{.ndim = 1, .dim = {2}, .i32 = 1}}};
  opcheck_shape_err(&h, "hardtanh: lo 1 must not exceed hi -1", LN_EARG);
  opcheck_shape_err(&cl, "celu: alpha 0 must be positive", LN_EARG);
  opcheck_shape_err(&sp, "softplus: beta -1 must be positive", LN_EARG);
  opcheck_shape_err(&i32, "mish: input 1 must be float32, got int32", LN_EARG);
}

/* }====== */

static void test_softmax (void) {
  opcheck_case c1 = {.op = "softmax", .n_in = 1, .in = {IN(2, 3, 4)}};
  opcheck_case c2 = {.op = "softmax", .n_in = 1,
                     .in = {IN(3, 2, 3, 4)},
                     .attrs = "axis=1"};
  opcheck_case c3 = {.op = "log_softmax", .n_in = 1, .in = {IN(2, 3, 4)}};
  opcheck_case c4 = {.op = "log_softmax", .n_in = 1,
                     .in = {IN(3, 2, 3, 2)},
                     .attrs = "axis=0"};
  opcheck_case v1 = {.op = "softmax", .n_in = 1, .in = {IN(1, 2)}};
  opcheck_case v3 = {.op = "softmax", .n_in = 1,
                     .in = {IN(2, 2, 2)},
                     .attrs = "axis=0"};
  opcheck_case v4 = {.op = "log_softmax", .n_in = 1, .in = {IN(1, 3)}};
  opcheck_case e1 = {.op = "softmax", .n_in = 1,
                     .in = {IN(2, 2, 2)},
                     .attrs = "axis=2"};
  float x1[] = {0, (float)log(3.0)}, w1[] = {0.25f, 0.75f};
  float x2[] = {1e4f, -1e4f}, w2[] = {1, 0};
  float x3[] = {0, 1e4f, (float)log(3.0), -1e4f}, w3[] = {0.25f, 1, 0.75f, 0};
  float x4[] = {1e4f, -1e4f, 1e4f};
  float w4[] = {(float)-log(2.0), (float)(-2e4 - log(2.0)), (float)-log(2.0)};
  const float *p1[] = {x1}, *p2[] = {x2}, *p3[] = {x3}, *p4[] = {x4};
  opcheck_grad_ok(&c1, 1e-3, "softmax last axis");
  opcheck_grad_ok(&c2, 1e-3, "softmax middle axis");
  opcheck_grad_ok(&c3, 1e-3, "log_softmax last axis");
  opcheck_grad_ok(&c4, 1e-3, "log_softmax axis 0");
  opvals_ok(&v1, p1, w1, 2, 1e-6, "softmax([0, ln 3]) = [0.25, 0.75]");
  opvals_ok(&v1, p2, w2, 2, 0, "softmax([1e4, -1e4]) = [1, 0]");
  opvals_ok(&v3, p3, w3, 4, 1e-6, "softmax along axis 0");
  opvals_ok(&v4, p4, w4, 3, 1e-6, "log_softmax at +-1e4 exact and finite");
  opcheck_shape_err(&e1, "axis 2 out of range", 0);
}


static void test_fatrelu (void) {
  opcheck_case v2 = {.op = "fatrelu", .n_in = 1, .attrs = "threshold=0.5",
                     .in = {IN(1, 4)}};
  opcheck_case e2 = {.op = "fatrelu", .n_in = 1, .attrs = "threshold=-1", .in = {IN(1, 2)}};
  float fx[] = {-1, 0.2f, 0.5f, 3}, fwant[] = {0, 0, 0.5f, 3}, fg[] = {1, 1, 1, 1};
  float fgx[] = {0, 0, 1, 1};
  const float *fv[] = {fx}, *fgw[] = {fgx};
  tap_ok(opcheck_run_vals(&v2, fv, fwant, 4, fg, fgw), "fatrelu keeps x >= 0.5, gradient 1 where kept");
  opcheck_shape_err(&e2, "fatrelu: threshold -1 must be >= 0", 0);
}

/* the maps whose backward is a surrogate: values and surrogate gradients
** by hand */
static float sg (float v) { return 1.0f / (1.0f + expf(-v)); }

static void test_surrogates (void) {
  opcheck_case b1 = {.op = "biper", .n_in = 1, .attrs = "omega=2", .in = {IN(1, 4)}};
  opcheck_case s1 = {.op = "sign_ste", .n_in = 1, .attrs = "clip=1", .in = {IN(1, 4)}};
  opcheck_case r1 = {.op = "round_ste", .n_in = 1, .in = {IN(1, 4)}};
  opcheck_case t1 = {.op = "step_ste", .n_in = 1, .in = {IN(1, 4)}};
  opcheck_case p1 = {.op = "spike", .n_in = 1, .in = {IN(1, 4)}};
  opcheck_case p2 = {.op = "spike", .n_in = 1, .attrs = "surrogate=sigmoid,beta=2",
                     .in = {IN(1, 4)}};
  opcheck_case e1 = {.op = "spike", .n_in = 1, .attrs = "beta=0", .in = {IN(1, 4)}};
  float x[] = {-2, -0.5f, 0.25f, 1.5f}, g[] = {1, 1, 1, 1};
  float bw[] = {1, -1, 1, 1}, bg[4];
  float sw[] = {-1, -1, 1, 1}, sgx[] = {0, 1, 1, 0};
  float rw[] = {-2, -0, 0, 2}, ones[] = {1, 1, 1, 1};
  float tw[] = {0, 0, 1, 1};
  float px[] = {0.5f, 1, 1.5f, 3}, pw[] = {0, 0, 1, 1};
  float pg[] = {5 / 12.25f, 5, 5 / 12.25f, 5 / 121.0f}, pg2[4];
  const float *v[] = {x}, *pv[] = {px};
  const float *bgw[] = {bg}, *sgw[] = {sgx}, *ogw[] = {ones}, *pgw[] = {pg}, *pgw2[] = {pg2};
  int i;
  for (i = 0; i < 4; i++) {
    float s = sg(2 * (px[i] - 1));
    bg[i] = 2 * cosf(2 * x[i]);
    pg2[i] = 2 * s * (1 - s);
  }
  bw[0] = sinf(-4) > 0 ? 1 : -1;      /* sign(sin(2 x)) */
  bw[1] = sinf(-1) > 0 ? 1 : -1;
  bw[2] = sinf(0.5f) > 0 ? 1 : -1;
  bw[3] = sinf(3) > 0 ? 1 : -1;
  tap_ok(opcheck_run_vals(&b1, v, bw, 4, g, bgw), "biper: sign(sin(2x)), backward 2 cos(2x)");
  tap_ok(opcheck_run_vals(&s1, v, sw, 4, g, sgw), "sign_ste with clip: gradient 1[|x| <= 1]");
  tap_ok(opcheck_run_vals(&r1, v, rw, 4, g, ogw), "round_ste: half to even, identity backward");
  tap_ok(opcheck_run_vals(&t1, v, tw, 4, g, ogw), "step_ste: 1[x > 0], identity backward");
  tap_ok(opcheck_run_vals(&p1, pv, pw, 4, g, pgw), "spike: H(x - 1), fast sigmoid surrogate (beta 5)");
  tap_ok(opcheck_run_vals(&p2, pv, pw, 4, g, pgw2), "spike: sigmoid surrogate (beta 2)");
  opcheck_shape_err(&e1, "spike: beta 0 must be positive", 0);
}

static void test_kwta (void) {
  opcheck_case g2 = {.op = "kwta", .n_in = 1, .attrs = "k=3", .in = {IN(2, 3, 6)}};
  opcheck_case v1 = {.op = "kwta", .n_in = 1, .attrs = "frac=0.5", .in = {IN(2, 2, 4)}};
  opcheck_case e1 = {.op = "kwta", .n_in = 1, .attrs = "k=5", .in = {IN(2, 2, 4)}};
  float x[] = {1, 1, 1, 1, 0.5f, 2, 2, 1}, want[] = {1, 1, 0, 0, 0, 2, 2, 0};
  float g[] = {1, 1, 1, 1, 1, 1, 1, 1}, gx[] = {1, 1, 0, 0, 0, 1, 1, 0};
  const float *v[] = {x}, *gw[] = {gx};
  opcheck_grad_ok(&g2, 1e-3, "kwta k = 3 of 6");
  tap_ok(opcheck_run_vals(&v1, v, want, 8, g, gw), "kwta ties to the lower index, gradient through winners");
  opcheck_shape_err(&e1, "kwta: k = 5 winners out of 4 features per sample of input 2x4", 0);
  opcheck_case t = {.op = "kwta", .n_in = 1, .attrs = "frac=0.1", .in = {IN(2, 64, 1024)}};
  opvals_same_threads(&t);
}

int main (void) {
  test_by_hand();
  test_torch();
  test_grads();
  test_extremes();
  test_errors();
  test_softmax();
  test_fatrelu();
  test_surrogates();
  test_kwta();
  printf("1..%d\n", tap_count);
  return tap_done();
}
