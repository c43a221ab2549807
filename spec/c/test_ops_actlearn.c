/*
** test_ops_actlearn.c -- the activations with learnable parameters of
** src/ops/actlearn.c: gradients by central differences, values by hand,
** value checks (validate), shape errors, thread independence.
*/
#include "opcheck.h"
#include "opvals.h"
#include "tap.h"

#define IN(nd, ...) {.ndim = nd, .dim = {__VA_ARGS__}}
#define NOGRAD(nd, ...) {.ndim = nd, .dim = {__VA_ARGS__}, .nograd = 1}

#define near opcheck_near
#define grad_ok opcheck_grad_ok
#define shape_err(c, sub) opcheck_shape_err(c, sub, 0)
#define vals opcheck_run_vals
#define validate_err opvals_validate_err

static float sg (float v) { return 1.0f / (1.0f + expf(-v)); }

static void test_poly (void) {
  opcheck_case g1 = {.op = "poly_relu", .n_in = 3, .lo = 0.1, .hi = 1.5,
                     .in = {IN(2, 3, 4), IN(1, 3), IN(1, 1)}};
  opcheck_case g2 = {.op = "poly_norm", .n_in = 3,
                     .in = {IN(3, 2, 2, 5), IN(1, 3), IN(1, 1)}};
  opcheck_case v1 = {.op = "poly_relu", .n_in = 3,
                     .in = {IN(1, 3), IN(1, 3), IN(1, 1)}};
  opcheck_case v2 = {.op = "poly_norm", .n_in = 3,
                     .in = {IN(2, 1, 2), IN(1, 1), IN(1, 1)}};
  opcheck_case e1 = {.op = "poly_relu", .n_in = 3,
                     .in = {IN(2, 2, 3), IN(2, 3, 1), IN(1, 1)}};
  opcheck_case e2 = {.op = "poly_norm", .n_in = 3,
                     .in = {IN(2, 2, 3), IN(1, 3), IN(1, 2)}};
  float x[] = {-1, 0.5f, 2}, w[] = {1, 2, 3}, b[] = {0.5f};
  float want[] = {0.5f, 0.5f + 0.5f + 0.5f + 0.375f, 0.5f + 2 + 8 + 24};
  float gy[] = {1, 1, 1};
  float gx[] = {0, 1 + 2 * 2 * 0.5f + 3 * 3 * 0.25f, 45};
  float gw[] = {2.5f, 4.25f, 8.125f}, gb[] = {3};
  const float *v[] = {x, w, b}, *gw_[] = {gx, gw, gb};
  float x2[] = {3, 4}, w2[] = {1}, b2[] = {0}, k = 1 / sqrtf(12.5f + 1e-6f);
  float want2[] = {3 * k, 4 * k};
  const float *v2_[] = {x2, w2, b2};
  grad_ok(&g1, 1e-3, "poly_relu (x > 0)");
  grad_ok(&g2, 1e-3, "poly_norm [2, 2, 5]");
  tap_ok(vals(&v1, v, want, 3, gy, gw_), "poly_relu values and gradients by hand");
  tap_ok(vals(&v2, v2_, want2, 2, NULL, NULL), "poly_norm [3, 4] / sqrt(12.5)");
  shape_err(&e1, "poly_relu: weight 3x1 must be a non-empty vector");
  shape_err(&e2, "poly_norm: bias 2 must have one element");
}

static void test_thresholds (void) {
  opcheck_case g1 = {.op = "clipped_relu", .n_in = 2, .lo = 0.05, .hi = 1,
                     .in = {IN(2, 4, 3), IN(1, 3)}};
  opcheck_case v1 = {.op = "clipped_relu", .n_in = 2,
                     .in = {IN(2, 2, 3), IN(1, 3)}};
  opcheck_case v3 = {.op = "tau_gate", .n_in = 3, .in = {IN(2, 1, 3), IN(1, 1), IN(1, 1)}};
  opcheck_case g3 = {.op = "tau_gate", .n_in = 3, .attrs = "mode=sigmoid,temperature=0.5",
                     .in = {IN(2, 3, 4), IN(1, 4), IN(1, 4)}};
  opcheck_case e1 = {.op = "clipped_relu", .n_in = 2, .in = {IN(2, 2, 3), IN(1, 2)}};
  opcheck_case e3 = {.op = "tau_gate", .n_in = 3, .in = {IN(2, 2, 3), IN(1, 3), IN(2, 3, 3)}};
  float x[] = {-1, 0.5f, 3, 2, 0.2f, -0.1f}, T[] = {1, 1, 2};
  float want[] = {0, 0.5f, 2, 1, 0.2f, 0}, gy[] = {1, 1, 1, 1, 1, 1};
  float gx[] = {0, 1, 0, 0, 1, 0}, gT[] = {1, 0, 1};
  const float *v[] = {x, T}, *gw[] = {gx, gT};
  float tx[] = {1, 0.2f, -3}, tt[] = {0.5f}, tg[] = {2}, twant[] = {1, 0, 0};
  float tgy[] = {1, 1, 1}, tgx[] = {2, 0, 0}, tgt[] = {-2}, tgg[] = {0.5f};
  const float *tv[] = {tx, tt, tg}, *tgw[] = {tgx, tgt, tgg};
  grad_ok(&g1, 1e-3, "clipped_relu neuron-wise");
  tap_ok(vals(&v1, v, want, 6, gy, gw), "clipped_relu values, dx and dT by hand");
  tap_ok(vals(&v3, tv, twant, 3, tgy, tgw), "tau_gate relu: g relu(x - tau) and its gradients");
  grad_ok(&g3, 1e-3, "tau_gate sigmoid");
  shape_err(&e1, "clipped_relu: threshold 2 does not fit input 2x3");
  shape_err(&e3, "tau_gate: gain 3x3 does not fit input 2x3");
}

/* dice: training statistics, running statistics, gradients */
static void test_dice (void) {
  opcheck_case c = {.op = "dice", .n_in = 4,
                    .in = {IN(2, 3, 1), IN(1, 1), IN(1, 1), IN(1, 1)}};
  opcheck_case t1 = {.op = "dice", .n_in = 4, .training = 1,
                     .in = {IN(3, 4, 3, 2), IN(1, 3), NOGRAD(1, 3), NOGRAD(1, 3)}};
  opcheck_case t2 = {.op = "dice", .n_in = 4, .lo = 0.3, .hi = 1.4,
                     .in = {IN(2, 4, 3), IN(1, 3), NOGRAD(1, 3), NOGRAD(1, 3)}};
  opcheck_case e1 = {.op = "dice", .n_in = 4,
                     .in = {IN(2, 2, 3), IN(1, 3), IN(1, 2), IN(1, 3)}};
  opcheck_run r;
  float x[] = {1, 2, 3}, z = 1 / sqrtf(2.0f / 3 + 1e-8f);
  int i, ok = opcheck_setup(&c, &r, 1u) == 0;
  if (ok) {
    memcpy(r.in[0].x, x, sizeof(x));
    r.in[1].x[0] = 0.5f; r.in[2].x[0] = 0; r.in[3].x[0] = 1;
    opcheck_forward(&r, 1);
    for (i = 0; i < 3; i++) {
      float p = sg((x[i] - 2) * z);
      ok = ok && near(r.out.x[i], x[i] * (0.5f + 0.5f * p), 1e-5);
    }
  }
  tap_ok(ok && near(r.in[2].x[0], 0.2, 1e-6) && near(r.in[3].x[0], 1, 1e-6),
         "dice training: batch statistics, running mean 0.2 and var 1");
  if (ok) {
    opcheck_forward(&r, 0);
    for (i = 0; i < 3; i++) {
      float p = sg((x[i] - 0.2f) / sqrtf(1 + 1e-8f));
      ok = ok && near(r.out.x[i], x[i] * (0.5f + 0.5f * p), 1e-5);
    }
  }
  tap_ok(ok && near(r.in[2].x[0], 0.2, 1e-6), "dice eval uses the running statistics");
  opcheck_free(&r);
  grad_ok(&t1, 1e-3, "dice training [N, C, L]");
  grad_ok(&t2, 1e-3, "dice eval [N, C]");
  shape_err(&e1, "dice: running_mean 2 does not fit input 2x3 (3 channels)");
}

static void test_ash (void) {
  opcheck_case g1 = {.op = "ash", .n_in = 3, .in = {IN(2, 3, 5), IN(1, 1), IN(1, 1)}};
  opcheck_case g2 = {.op = "ash", .n_in = 2, .attrs = "k=0.3", .in = {IN(3, 2, 2, 3), IN(1, 1)}};
  opcheck_case v1 = {.op = "ash", .n_in = 2, .attrs = "k=0.5", .in = {IN(2, 1, 4), IN(1, 1)}};
  opcheck_case e1 = {.op = "ash", .n_in = 2, .attrs = "k=0", .in = {IN(2, 1, 4), IN(1, 1)}};
  opcheck_case e2 = {.op = "ash", .n_in = 2, .in = {IN(1, 4), IN(1, 1)}};
  float x[] = {1, 2, 3, 4}, a[] = {1};
  float want[] = {sg(-1.5f), 2 * sg(-0.5f), 3 * sg(0.5f), 4 * sg(1.5f)};
  const float *v[] = {x, a};
  grad_ok(&g1, 1e-3, "ash with learnable a and z");
  grad_ok(&g2, 1e-3, "ash with z = Phi^-1(0.7)");
  tap_ok(vals(&v1, v, want, 4, NULL, NULL), "ash k = 0.5: x sigmoid(x - mean)");
  shape_err(&e1, "ash: k 0 must be in (0, 1)");
  shape_err(&e2, "ash: input 4 must be [N, ...]");
}

/* forward and backward of the straight-through / surrogate ops by hand */
static void test_rbf (void) {
  opcheck_case g1 = {.op = "rbf", .n_in = 3, .lo = 0.3, .hi = 1.5,
                     .in = {IN(2, 3, 4), IN(1, 4), IN(1, 4)}};
  opcheck_case g2 = {.op = "rbf_kernel", .n_in = 3, .lo = 0.3, .hi = 1.5,
                     .in = {IN(3, 2, 2, 3), IN(2, 4, 3), IN(1, 4)}};
  opcheck_case v1 = {.op = "rbf_kernel", .n_in = 3, .in = {IN(2, 2, 2), IN(2, 2, 2), IN(1, 2)}};
  opcheck_case e1 = {.op = "rbf_kernel", .n_in = 3, .in = {IN(2, 2, 3), IN(2, 4, 2), IN(1, 4)}};
  opcheck_case e3 = {.op = "rbf", .n_in = 3, .in = {IN(1, 3), IN(1, 1), IN(1, 1)}};
  float kx[] = {0, 0, 3, 4}, kc[] = {0, 0, 3, 4}, ks[] = {1, 5};
  float kwant[] = {1, expf(-0.5f), expf(-12.5f), 1};
  const float *kv[] = {kx, kc, ks};
  float zero_s[] = {0}, some_x[] = {1, 2, 3}, some_c[] = {0};
  const float *bad2[] = {some_x, some_c, zero_s};
  grad_ok(&g1, 1e-3, "rbf per unit");
  grad_ok(&g2, 1e-3, "rbf_kernel [2, 2, 3] x [4, 3]");
  tap_ok(vals(&v1, kv, kwant, 4, NULL, NULL), "rbf_kernel distances by hand");
  shape_err(&e1, "rbf_kernel: input 2x3 and centres 4x2 do not fit");
  validate_err(&e3, bad2, "rbf: width 0 at index 1");
}

static void test_series (void) {
  opcheck_case g1 = {.op = "series_informed", .n_in = 3,
                     .in = {IN(2, 3, 4), IN(1, 4), IN(1, 4)}};
  opcheck_case e2 = {.op = "series_informed", .n_in = 3, .in = {IN(1, 3), IN(1, 2), IN(1, 3)}};
  grad_ok(&g1, 1e-3, "series_informed n = 4");
  shape_err(&e2, "series_informed: a 2 and b 3 must have the same length");
}

/* one neuron of UltraLIF in double, for the value check */
static void lif_ref (const float *x, int T, double eps, double th, double beta,
                     float *out) {
  double v = 0;
  int t;
  for (t = 0; t < T; t++) {
    double a = v + log(beta), m = a > x[t] ? a : x[t];
    double u = m + eps * log(exp((a - m) / eps) + exp((x[t] - m) / eps));
    double s = 1 / (1 + exp(-(u - th) / eps));
    out[t] = (float)s;
    v = u * (1 - s);
  }
}

static void test_lif (void) {
  opcheck_case g1 = {.op = "soft_threshold_lif", .n_in = 2, .lo = 0.3, .hi = 1.8,
                     .in = {IN(3, 2, 5, 3), IN(1, 1)}};
  opcheck_case g2 = {.op = "soft_threshold_lif", .n_in = 2, .lo = 0.3, .hi = 1.8,
                     .attrs = "theta=0.7,beta=0.8", .in = {IN(4, 2, 3, 2, 2), IN(2, 2, 2)}};
  opcheck_case v1 = {.op = "soft_threshold_lif", .n_in = 2, .in = {IN(3, 1, 4, 1), IN(1, 1)}};
  opcheck_case e1 = {.op = "soft_threshold_lif", .n_in = 2, .in = {IN(2, 2, 3), IN(1, 1)}};
  opcheck_case e2 = {.op = "soft_threshold_lif", .n_in = 2, .in = {IN(3, 2, 3, 4), IN(1, 3)}};
  float x[] = {0.5f, 2, 2, -1}, e[] = {1}, want[4], bad[] = {-0.5f};
  const float *v[] = {x, e}, *badv[] = {x, bad};
  lif_ref(x, 4, 1, 1, 0.9, want);
  grad_ok(&g1, 1e-3, "soft_threshold_lif shared eps");
  grad_ok(&g2, 1e-3, "soft_threshold_lif eps per neuron");
  tap_ok(vals(&v1, v, want, 4, NULL, NULL), "soft_threshold_lif follows the UltraLIF recurrence");
  shape_err(&e1, "soft_threshold_lif: input 2x3 must be [B, T, features...]");
  shape_err(&e2, "soft_threshold_lif: eps 3 does not fit input 2x3x4");
  validate_err(&v1, badv, "soft_threshold_lif: eps must be positive, got -0.5");
}

/* results do not depend on the thread count (inputs above LN_PAR_MIN) */
static void test_threads (void) {
  opcheck_case cs[] = {
    {.op = "poly_relu", .n_in = 3, .in = {IN(2, 64, 1024), IN(1, 3), IN(1, 1)}},
    {.op = "clipped_relu", .n_in = 2, .in = {IN(2, 64, 1024), IN(1, 1024)}},
    {.op = "dice", .n_in = 4, .training = 1,
     .in = {IN(3, 64, 8, 128), IN(1, 8), NOGRAD(1, 8), NOGRAD(1, 8)}},
    {.op = "ash", .n_in = 3, .in = {IN(2, 64, 1024), IN(1, 1), IN(1, 1)}},
    {.op = "series_informed", .n_in = 3, .in = {IN(2, 64, 1024), IN(1, 4), IN(1, 4)}},
    {.op = "rbf", .n_in = 3, .lo = 0.3, .hi = 1.5, .in = {IN(2, 64, 1024), IN(1, 1), IN(1, 1)}},
    {.op = "soft_threshold_lif", .n_in = 2, .lo = 0.3, .hi = 1.5,
     .in = {IN(3, 8, 16, 512), IN(1, 1)}},
  };
  int i;
  for (i = 0; i < (int)(sizeof(cs) / sizeof(cs[0])); i++) opvals_same_threads(&cs[i]);
}

/* prelu and swish: a weight per channel (dim 2) or one shared */
static void test_prelu_swish (void) {
  {
    /* prelu over 2 x 2 x 2: channel slopes 0.5 and 0.25 */
    opcheck_case c = {.op = "prelu", .n_in = 2, .in = {IN(3, 2, 2, 2), IN(1, 2)}};
    const float x[8] = {-1, 2, 3, -4, -0.5f, 1, -2, -2}, w[2] = {0.5f, 0.25f};
    const float y[8] = {-0.5f, 2, 3, -1, -0.25f, 1, -0.5f, -0.5f};
    const float ones[8] = {1, 1, 1, 1, 1, 1, 1, 1};
    const float gx[8] = {0.5f, 1, 1, 0.25f, 0.5f, 1, 0.25f, 0.25f};
    const float gw[2] = {-1.5f, -8};
    const float *xs[2] = {x, w}, *gs[2] = {gx, gw};
    tap_ok(opcheck_run_vals(&c, xs, y, 8, ones, gs),
           "prelu: slopes per channel (dim 2), dw sums x <= 0 over the rest");
  }
  {
    opcheck_case c = {.op = "prelu", .n_in = 2, .in = {IN(3, 3, 4, 5), IN(1, 4)},
                      .lo = -2, .hi = 2};
    opcheck_grad_ok(&c, 1e-3, "prelu [3, 4, 5] with 4 slopes");
    c.in[1].dim[0] = 1;
    opcheck_grad_ok(&c, 1e-3, "prelu with one shared slope");
    c.op = "swish";
    opcheck_grad_ok(&c, 1e-3, "swish with one shared beta");
    c.in[1].dim[0] = 4;
    opcheck_grad_ok(&c, 1e-3, "swish [3, 4, 5] with 4 betas");
  }
  {
    opcheck_case c = {.op = "swish", .n_in = 2, .in = {IN(1, 7), IN(1, 1)}};
    opcheck_grad_ok(&c, 1e-3, "swish on a 1-D input (no channel dim)");
  }
  {
    opcheck_case p1 = {.op = "prelu", .n_in = 2, .in = {IN(2, 2, 3), IN(1, 5)}};
    opcheck_case p2 = {.op = "swish", .n_in = 2, .in = {IN(1, 4), IN(1, 4)}};
    opcheck_shape_err(&p1, "prelu: weight 5 does not fit input 2x3", LN_ESHAPE);
    opcheck_shape_err(&p2, "swish: weight 4 does not fit input 4", LN_ESHAPE);
  }
}

int main (void) {
  test_poly();
  test_thresholds();
  test_dice();
  test_ash();
  test_rbf();
  test_series();
  test_lif();
  test_threads();
  test_prelu_swish();
  printf("1..%d\n", tap_count);
  return tap_done();
}
