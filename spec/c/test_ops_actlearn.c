/*
** test_ops_actlearn.c -- the paper activations of src/ops/actlearn.c:
** gradients by central differences (surrogates by hand for the
** straight-through ops), values by hand, value checks (validate) and
** shape errors.
*/
#include "opcheck.h"
#include "tap.h"

#define IN(nd, ...) {.ndim = nd, .dim = {__VA_ARGS__}}
#define NOGRAD(nd, ...) {.ndim = nd, .dim = {__VA_ARGS__}, .nograd = 1}

#define near opcheck_near
#define grad_ok opcheck_grad_ok
#define shape_err(c, sub) opcheck_shape_err(c, sub, 0)
#define vals opcheck_run_vals

static float sg (float v) { return 1.0f / (1.0f + expf(-v)); }

/* validate() of c's op on values 'v' fails with a message holding 'msg' */
static void validate_err (const opcheck_case *c, const float *const *v,
                          const char *msg) {
  opcheck_run r;
  int k, rc = -1;
  if (opcheck_setup(c, &r, 1u) == 0) {
    for (k = 0; k < c->n_in; k++)
      if (v[k]) memcpy(r.in[k].x, v[k], ln_numel(&r.in[k]) * sizeof(float));
    rc = ln_node_desc(&r.out)->validate(&r.out);
  }
  tap_ok(rc != LN_OK && strstr(ln_errmsg(), msg) != NULL,
         "%s value error: '%s' (got '%s')", c->op, msg, ln_errmsg());
  opcheck_free(&r);
}

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
  opcheck_case v2 = {.op = "fatrelu", .n_in = 1, .attrs = "threshold=0.5",
                     .in = {IN(1, 4)}};
  opcheck_case v3 = {.op = "tau_gate", .n_in = 3, .in = {IN(2, 1, 3), IN(1, 1), IN(1, 1)}};
  opcheck_case g3 = {.op = "tau_gate", .n_in = 3, .attrs = "mode=sigmoid,temperature=0.5",
                     .in = {IN(2, 3, 4), IN(1, 4), IN(1, 4)}};
  opcheck_case e1 = {.op = "clipped_relu", .n_in = 2, .in = {IN(2, 2, 3), IN(1, 2)}};
  opcheck_case e2 = {.op = "fatrelu", .n_in = 1, .attrs = "threshold=-1", .in = {IN(1, 2)}};
  opcheck_case e3 = {.op = "tau_gate", .n_in = 3, .in = {IN(2, 2, 3), IN(1, 3), IN(2, 3, 3)}};
  float x[] = {-1, 0.5f, 3, 2, 0.2f, -0.1f}, T[] = {1, 1, 2};
  float want[] = {0, 0.5f, 2, 1, 0.2f, 0}, gy[] = {1, 1, 1, 1, 1, 1};
  float gx[] = {0, 1, 0, 0, 1, 0}, gT[] = {1, 0, 1};
  const float *v[] = {x, T}, *gw[] = {gx, gT};
  float fx[] = {-1, 0.2f, 0.5f, 3}, fwant[] = {0, 0, 0.5f, 3}, fg[] = {1, 1, 1, 1};
  float fgx[] = {0, 0, 1, 1};
  const float *fv[] = {fx}, *fgw[] = {fgx};
  float tx[] = {1, 0.2f, -3}, tt[] = {0.5f}, tg[] = {2}, twant[] = {1, 0, 0};
  float tgy[] = {1, 1, 1}, tgx[] = {2, 0, 0}, tgt[] = {-2}, tgg[] = {0.5f};
  const float *tv[] = {tx, tt, tg}, *tgw[] = {tgx, tgt, tgg};
  grad_ok(&g1, 1e-3, "clipped_relu neuron-wise");
  tap_ok(vals(&v1, v, want, 6, gy, gw), "clipped_relu values, dx and dT by hand");
  tap_ok(vals(&v2, fv, fwant, 4, fg, fgw), "fatrelu keeps x >= 0.5, gradient 1 where kept");
  tap_ok(vals(&v3, tv, twant, 3, tgy, tgw), "tau_gate relu: g relu(x - tau) and its gradients");
  grad_ok(&g3, 1e-3, "tau_gate sigmoid");
  shape_err(&e1, "clipped_relu: threshold 2 does not fit input 2x3");
  shape_err(&e2, "fatrelu: threshold -1 must be >= 0");
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
  tap_ok(vals(&b1, v, bw, 4, g, bgw), "biper: sign(sin(2x)), backward 2 cos(2x)");
  tap_ok(vals(&s1, v, sw, 4, g, sgw), "sign_ste with clip: gradient 1[|x| <= 1]");
  tap_ok(vals(&r1, v, rw, 4, g, ogw), "round_ste: half to even, identity backward");
  tap_ok(vals(&t1, v, tw, 4, g, ogw), "step_ste: 1[x > 0], identity backward");
  tap_ok(vals(&p1, pv, pw, 4, g, pgw), "spike: H(x - 1), fast sigmoid surrogate (beta 5)");
  tap_ok(vals(&p2, pv, pw, 4, g, pgw2), "spike: sigmoid surrogate (beta 2)");
  shape_err(&e1, "spike: beta 0 must be positive");
}

static void test_rbf_eml (void) {
  opcheck_case g1 = {.op = "rbf", .n_in = 3, .lo = 0.3, .hi = 1.5,
                     .in = {IN(2, 3, 4), IN(1, 4), IN(1, 4)}};
  opcheck_case g2 = {.op = "rbf_kernel", .n_in = 3, .lo = 0.3, .hi = 1.5,
                     .in = {IN(3, 2, 2, 3), IN(2, 4, 3), IN(1, 4)}};
  opcheck_case g3 = {.op = "eml", .n_in = 2, .lo = 0.3, .hi = 1.5,
                     .in = {IN(2, 2, 3), IN(2, 2, 3)}};
  opcheck_case v1 = {.op = "rbf_kernel", .n_in = 3, .in = {IN(2, 2, 2), IN(2, 2, 2), IN(1, 2)}};
  opcheck_case v2 = {.op = "eml", .n_in = 2, .in = {IN(1, 3), IN(1, 3)}};
  opcheck_case e1 = {.op = "rbf_kernel", .n_in = 3, .in = {IN(2, 2, 3), IN(2, 4, 2), IN(1, 4)}};
  opcheck_case e2 = {.op = "eml", .n_in = 2, .in = {IN(1, 3), IN(1, 2)}};
  opcheck_case e3 = {.op = "rbf", .n_in = 3, .in = {IN(1, 3), IN(1, 1), IN(1, 1)}};
  float kx[] = {0, 0, 3, 4}, kc[] = {0, 0, 3, 4}, ks[] = {1, 5};
  float kwant[] = {1, expf(-0.5f), expf(-12.5f), 1};
  const float *kv[] = {kx, kc, ks};
  float ex[] = {0, 1, 2}, ey[] = {1, 2.718281828f, 4}, ewant[3], eg[] = {1, 1, 1};
  float egx[3], egy[3];
  const float *ev[] = {ex, ey}, *egw[] = {egx, egy};
  float bad_y[] = {1, 0, 2}, zero_s[] = {0}, some_x[] = {1, 2, 3}, some_c[] = {0};
  const float *bad1[] = {ex, bad_y}, *bad2[] = {some_x, some_c, zero_s};
  int i;
  for (i = 0; i < 3; i++) {
    ewant[i] = expf(ex[i]) - logf(ey[i]);
    egx[i] = expf(ex[i]);
    egy[i] = -1 / ey[i];
  }
  grad_ok(&g1, 1e-3, "rbf per unit");
  grad_ok(&g2, 1e-3, "rbf_kernel [2, 2, 3] x [4, 3]");
  grad_ok(&g3, 1e-3, "eml");
  tap_ok(vals(&v1, kv, kwant, 4, NULL, NULL), "rbf_kernel distances by hand");
  tap_ok(vals(&v2, ev, ewant, 3, eg, egw), "eml values, dx = e^x, dy = -1/y");
  shape_err(&e1, "rbf_kernel: input 2x3 and centres 4x2 do not fit");
  shape_err(&e2, "eml: x 3 and y 2 must have the same shape");
  validate_err(&v2, bad1, "eml: y (input 2) must be > 0, got 0 at index 2");
  validate_err(&e3, bad2, "rbf: width 0 at index 1");
}

static void test_series_kwta (void) {
  opcheck_case g1 = {.op = "series_informed", .n_in = 3,
                     .in = {IN(2, 3, 4), IN(1, 4), IN(1, 4)}};
  opcheck_case g2 = {.op = "kwta", .n_in = 1, .attrs = "k=3", .in = {IN(2, 3, 6)}};
  opcheck_case v1 = {.op = "kwta", .n_in = 1, .attrs = "frac=0.5", .in = {IN(2, 2, 4)}};
  opcheck_case e1 = {.op = "kwta", .n_in = 1, .attrs = "k=5", .in = {IN(2, 2, 4)}};
  opcheck_case e2 = {.op = "series_informed", .n_in = 3, .in = {IN(1, 3), IN(1, 2), IN(1, 3)}};
  float x[] = {1, 1, 1, 1, 0.5f, 2, 2, 1}, want[] = {1, 1, 0, 0, 0, 2, 2, 0};
  float g[] = {1, 1, 1, 1, 1, 1, 1, 1}, gx[] = {1, 1, 0, 0, 0, 1, 1, 0};
  const float *v[] = {x}, *gw[] = {gx};
  grad_ok(&g1, 1e-3, "series_informed n = 4");
  grad_ok(&g2, 1e-3, "kwta k = 3 of 6");
  tap_ok(vals(&v1, v, want, 8, g, gw), "kwta ties to the lower index, gradient through winners");
  shape_err(&e1, "kwta: k = 5 winners out of 4 features per sample of input 2x4");
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

static void test_lif_l1 (void) {
  opcheck_case g1 = {.op = "soft_threshold_lif", .n_in = 2, .lo = 0.3, .hi = 1.8,
                     .in = {IN(3, 2, 5, 3), IN(1, 1)}};
  opcheck_case g2 = {.op = "soft_threshold_lif", .n_in = 2, .lo = 0.3, .hi = 1.8,
                     .attrs = "theta=0.7,beta=0.8", .in = {IN(4, 2, 3, 2, 2), IN(2, 2, 2)}};
  opcheck_case v1 = {.op = "soft_threshold_lif", .n_in = 2, .in = {IN(3, 1, 4, 1), IN(1, 1)}};
  opcheck_case e1 = {.op = "soft_threshold_lif", .n_in = 2, .in = {IN(2, 2, 3), IN(1, 1)}};
  opcheck_case e2 = {.op = "soft_threshold_lif", .n_in = 2, .in = {IN(3, 2, 3, 4), IN(1, 3)}};
  opcheck_case g3 = {.op = "activation_l1", .n_in = 2, .lo = 0.05, .hi = 1,
                     .in = {IN(2, 3, 4), IN(1, 1)}};
  opcheck_case g4 = {.op = "activation_l1", .n_in = 1, .lo = 0.05, .hi = 1,
                     .attrs = "reduction=none,lambda=3", .in = {IN(2, 3, 4)}};
  opcheck_case v2 = {.op = "activation_l1", .n_in = 1, .attrs = "lambda=0.5",
                     .in = {IN(1, 4)}};
  opcheck_case e3 = {.op = "activation_l1", .n_in = 2, .in = {IN(1, 4), IN(1, 2)}};
  float x[] = {0.5f, 2, 2, -1}, e[] = {1}, want[4], bad[] = {-0.5f};
  const float *v[] = {x, e}, *badv[] = {x, bad};
  float a[] = {-1, 2, 0, -3}, aw[] = {0.75f}, ag[] = {1}, agx[] = {-0.125f, 0.125f, 0, -0.125f};
  const float *av[] = {a}, *agw[] = {agx};
  lif_ref(x, 4, 1, 1, 0.9, want);
  grad_ok(&g1, 1e-3, "soft_threshold_lif shared eps");
  grad_ok(&g2, 1e-3, "soft_threshold_lif eps per neuron");
  tap_ok(vals(&v1, v, want, 4, NULL, NULL), "soft_threshold_lif follows the UltraLIF recurrence");
  shape_err(&e1, "soft_threshold_lif: input 2x3 must be [B, T, features...]");
  shape_err(&e2, "soft_threshold_lif: eps 3 does not fit input 2x3x4");
  validate_err(&v1, badv, "soft_threshold_lif: eps must be positive, got -0.5");
  grad_ok(&g3, 1e-3, "activation_l1 with a scale input");
  grad_ok(&g4, 1e-3, "activation_l1 reduction none");
  tap_ok(vals(&v2, av, aw, 1, ag, agw), "activation_l1: 0.5 mean|a|, da = 0.5 sign(a) / 4");
  shape_err(&e3, "activation_l1: scale 2 must have one element");
}

/* forward and backward of c's op (gy = a fixed ramp) with 'threads' threads;
** returns the output and every input gradient, concatenated (malloc'ed) */
static float *run_threads (const opcheck_case *c, int threads, size_t *len) {
  opcheck_run r;
  size_t i, n = 0, cap;
  float *all;
  int k;
  ln_set_threads(threads);
  if (opcheck_setup(c, &r, 5u)) { opcheck_free(&r); return NULL; }
  cap = ln_numel(&r.out);
  for (k = 0; k < c->n_in; k++) cap += ln_numel(&r.in[k]);
  all = malloc(cap * sizeof(float));
  opcheck_forward(&r, c->training);
  for (i = 0; i < ln_numel(&r.out); i++) r.out.g[i] = (float)((i % 7) - 3) / 3;
  opcheck_backward(&r, c->training);
  memcpy(all, r.out.x, ln_numel(&r.out) * sizeof(float));
  n = ln_numel(&r.out);
  for (k = 0; k < c->n_in; k++) {
    memcpy(all + n, r.in[k].g, ln_numel(&r.in[k]) * sizeof(float));
    n += ln_numel(&r.in[k]);
  }
  opcheck_free(&r);
  *len = n;
  return all;
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
    {.op = "kwta", .n_in = 1, .attrs = "frac=0.1", .in = {IN(2, 64, 1024)}},
    {.op = "soft_threshold_lif", .n_in = 2, .lo = 0.3, .hi = 1.5,
     .in = {IN(3, 8, 16, 512), IN(1, 1)}},
    {.op = "activation_l1", .n_in = 2, .in = {IN(2, 64, 1024), IN(1, 1)}},
  };
  int i, before = ln_get_threads();
  for (i = 0; i < (int)(sizeof(cs) / sizeof(cs[0])); i++) {
    size_t n1 = 0, n2 = 0;
    float *a = run_threads(&cs[i], 1, &n1), *b = run_threads(&cs[i], 2, &n2);
    tap_ok(a && b && n1 == n2 && memcmp(a, b, n1 * sizeof(float)) == 0,
           "%s: same values and gradients with 1 and 2 threads", cs[i].op);
    free(a);
    free(b);
  }
  ln_set_threads(before);
}

int main (void) {
  test_poly();
  test_thresholds();
  test_dice();
  test_ash();
  test_surrogates();
  test_rbf_eml();
  test_series_kwta();
  test_lif_l1();
  test_threads();
  printf("1..%d\n", tap_count);
  return tap_done();
}
