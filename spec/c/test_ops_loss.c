/*
** test_ops_loss.c -- the losses of src/ops/loss.c: values by hand,
** extreme logits, gradients (central differences, on given values where
** the loss has kinks), errors.
*/
#include "opcheck.h"
#include "opvals.h"
#include "fdcheck.h"
#include "tap.h"

#define IN(nd, ...) {.ndim = nd, .dim = {__VA_ARGS__}}
#define IIN(nd, v, ...) {.ndim = nd, .dim = {__VA_ARGS__}, .i32 = 1, .ivals = v}

#define near opcheck_near
#define grad_ok opcheck_grad_ok
#define shape_err(c, sub) opcheck_shape_err(c, sub, 0)
#define vals_ok(c, x, want, what) \
  tap_ok(opcheck_run_vals(c, x, want, sizeof(want) / sizeof(want[0]), NULL, NULL), "%s", what)

static double softplus (double z) { return (z > 0 ? z : 0) + log1p(exp(-fabs(z))); }

static void test_values (void) {
  static const int y2[] = {2, 0}, y1[] = {1}, y0[] = {0}, y3[] = {3}, y01[] = {0, 1};
  static const int yign[] = {2, -100};
  opcheck_case nll = {.op = "nll", .n_in = 2, .attrs = "reduction=none",
                      .in = {IN(2, 2, 3), IIN(1, y2, 2)}};
  opcheck_case nlli = {.op = "nll", .n_in = 2, .in = {IN(2, 2, 3), IIN(1, yign, 2)}};
  float lp[] = {-1, -2, -3, -4, -5, -6}, wnll[] = {3, 4}, wnlli[] = {3};
  const float *vnll[] = {lp, NULL};
  opcheck_case bce = {.op = "bce_with_logits", .n_in = 2, .attrs = "reduction=none",
                      .in = {IN(1, 6), IN(1, 6)}};
  float bx[] = {1e4f, 1e4f, -1e4f, -1e4f, 80, 0}, bt[] = {0, 1, 0, 1, 0, 0.3f};
  float wbce[] = {1e4f, 0, 0, 1e4f, 80, (float)log(2.0)};
  const float *vbce[] = {bx, bt};
  opcheck_case sl1 = {.op = "smooth_l1", .n_in = 2, .attrs = "reduction=none",
                      .in = {IN(1, 3), IN(1, 3)}};
  float sa[] = {0.5f, 2, -3}, sb[] = {0, 0, 0}, wsl1[] = {0.125f, 1.5f, 2.5f};
  const float *vsl1[] = {sa, sb};
  opcheck_case kl = {.op = "kl_div", .n_in = 2, .attrs = "reduction=batchmean",
                     .in = {IN(2, 1, 2), IN(2, 1, 2)}};
  float klq[] = {(float)log(0.5), (float)log(0.5)}, klp[] = {0.25f, 0.75f};
  float wkl[] = {(float)(0.25 * log(0.5) + 0.75 * log(1.5))};
  const float *vkl[] = {klq, klp};
  opcheck_case z = {.op = "z_loss", .n_in = 2, .attrs = "reduction=none",
                    .in = {IN(2, 2, 3), IIN(1, y2, 2)}};
  float zx[] = {1, 2, 3, 1e4f, -1e4f, 0};
  float wz[] = {(float)softplus(2 - 1 / sqrt(2.0 / 3)),
                (float)softplus(2 - 1.224744871391589)};   /* [1e4, -1e4, 0]: z = [1.22, -1.22, 0] */
  const float *vz[] = {zx, NULL};
  opcheck_case svm = {.op = "l2_svm", .n_in = 2, .in = {IN(2, 1, 3), IIN(1, y2, 1)}};
  float svx[] = {1, 2, 3}, wsvm[] = {13};
  const float *vsvm[] = {svx, NULL};
  opcheck_case mm = {.op = "multi_margin", .n_in = 2, .in = {IN(2, 1, 4), IIN(1, y3, 1)}};
  float mmx[] = {0.1f, 0.2f, 0.4f, 0.8f}, wmm[] = {0.325f};
  const float *vmm[] = {mmx, NULL};
  opcheck_case fo = {.op = "focal", .n_in = 2, .attrs = "reduction=none",
                     .in = {IN(2, 2, 2), IIN(1, y01, 2)}};
  float fox[] = {0, 0, 1e4f, -1e4f}, wfo[] = {(float)(-0.25 * 0.25 * log(0.5)), 5000};
  const float *vfo[] = {fox, NULL};
  opcheck_case sm = {.op = "stablemax_ce", .n_in = 2, .in = {IN(2, 1, 3), IIN(1, y1, 1)}};
  float smx[] = {0, 1, -1}, wsm[] = {(float)log(1.75)};
  const float *vsm[] = {smx, NULL};
  opcheck_case si = {.op = "soft_infonce", .n_in = 2, .attrs = "reduction=none,tau=1",
                     .in = {IN(2, 2, 2), IN(2, 2, 2)}};
  float sis[] = {1, 0, 0, 1}, siw[] = {5, 2, 0, 7};
  float wsi[] = {(float)log(1 + 2 * exp(-1.0)), 0};
  const float *vsi[] = {sis, siw};
  opcheck_case sie = {.op = "soft_infonce", .n_in = 1, .attrs = "reduction=none",
                      .in = {IN(2, 2, 2)}};
  float sies[] = {1e4f, -1e4f, 1e4f, -1e4f}, wsie[] = {0, 4e5f};
  const float *vsie[] = {sies};
  opcheck_case rz = {.op = "router_z_loss", .n_in = 1, .in = {IN(2, 1, 2)}};
  float rzx[] = {0, 0}, wrz[] = {(float)(log(2.0) * log(2.0))};
  const float *vrz[] = {rzx};
  opcheck_case lb = {.op = "load_balance", .n_in = 1, .in = {IN(2, 2, 2)}};
  float lbx[] = {2, 0, 2, 0}, wlb[] = {(float)(2 / (1 + exp(-2.0)))};
  const float *vlb[] = {lbx};
  opcheck_case sf = {.op = "sigmoid_focal", .n_in = 2, .attrs = "reduction=none",
                     .in = {IN(1, 3), IN(1, 3)}};
  float sfx[] = {0, 1e4f, -1e4f}, sft[] = {1, 0, 0};
  float wsf[] = {(float)(0.25 * log(2.0) * 0.25), 0.75f * 1e4f, 0};
  const float *vsf[] = {sfx, sft};
  (void)y0;
  vals_ok(&nll, vnll, wnll, "nll picks -x[i, y_i]");
  vals_ok(&nlli, vnll, wnlli, "nll leaves ignore_index out of the mean");
  vals_ok(&bce, vbce, wbce, "bce_with_logits at +-1e4, 80 and 0");
  vals_ok(&sl1, vsl1, wsl1, "smooth_l1 (beta 1) of [0.5, 2, -3]");
  vals_ok(&kl, vkl, wkl, "kl_div of log-probabilities, batchmean");
  vals_ok(&z, vz, wz, "z_loss by hand, and at +-1e4");
  vals_ok(&svm, vsvm, wsvm, "l2_svm squared hinge of [1, 2, 3], label 2");
  vals_ok(&mm, vmm, wmm, "multi_margin: PyTorch's documented example (0.325)");
  vals_ok(&fo, vfo, wfo, "focal by hand and at +-1e4");
  vals_ok(&sm, vsm, wsm, "stablemax_ce of [0, 1, -1], label 1: log 1.75");
  vals_ok(&si, vsi, wsi, "soft_infonce with weighted negatives, tau 1");
  vals_ok(&sie, vsie, wsie, "soft_infonce at +-1e4, tau 0.05");
  vals_ok(&rz, vrz, wrz, "router_z_loss of [0, 0]: (log 2)^2");
  vals_ok(&lb, vlb, wlb, "load_balance of two tokens sent to expert 1");
  vals_ok(&sf, vsf, wsf, "sigmoid_focal by hand and at +-1e4");
}

/* z_loss: shifting and scaling the logits leaves it unchanged */
static void test_z_invariance (void) {
  static const int y[] = {3, 0, 4};
  opcheck_case c = {.op = "z_loss", .n_in = 2, .attrs = "reduction=none",
                    .in = {IN(2, 3, 5), IIN(1, y, 3)}};
  opcheck_run r;
  float base[3], keep[15];
  int ok = opcheck_setup(&c, &r, 9u) == 0, i, t;
  const float sc[] = {3, 1e-3f, 1e3f}, sh[] = {7, -5e-3f, 1e3f};
  if (ok) {
    opcheck_forward(&r, 0);
    memcpy(base, r.out.x, sizeof(base));
    memcpy(keep, r.in[0].x, sizeof(keep));
  }
  for (t = 0; ok && t < 3; t++) {
    for (i = 0; i < 15; i++) r.in[0].x[i] = keep[i] * sc[t] + sh[t];
    opcheck_forward(&r, 0);
    for (i = 0; i < 3; i++) ok = ok && near(r.out.x[i], base[i], 1e-5);
  }
  tap_ok(ok, "z_loss is invariant to o -> s o + t (s = 3, 1e-3, 1e3)");
  opcheck_free(&r);
}

static void test_grads (void) {
  static const int y4[] = {0, 4, 2, 2}, yi[] = {1, -100, 3, 0};
  opcheck_case rnd[] = {
    {.op = "nll", .n_in = 2, .in = {IN(2, 4, 5), IIN(1, y4, 4)}},
    {.op = "nll", .n_in = 2, .attrs = "reduction=sum", .in = {IN(2, 4, 5), IIN(1, yi, 4)}},
    {.op = "bce_with_logits", .n_in = 2, .in = {IN(2, 3, 4), IN(2, 3, 4)}},
    {.op = "kl_div", .n_in = 2, .attrs = "reduction=none,log_target=1",
     .in = {IN(2, 3, 4), IN(2, 3, 4)}},
    {.op = "kl_div", .n_in = 2, .attrs = "reduction=batchmean", .lo = 0.1, .hi = 1,
     .in = {IN(2, 3, 4), IN(2, 3, 4)}},
    {.op = "sigmoid_focal", .n_in = 2, .lo = 0.05, .hi = 0.95, .in = {IN(2, 3, 4), IN(2, 3, 4)}},
    {.op = "sigmoid_focal", .n_in = 2, .attrs = "alpha=0.6,gamma=1.5",
     .in = {IN(2, 3, 4), IN(2, 3, 4)}},
    {.op = "z_loss", .n_in = 2, .in = {IN(2, 4, 5), IIN(1, y4, 4)}},
    {.op = "z_loss", .n_in = 2, .attrs = "a=0.5,b=1,reduction=sum",
     .in = {IN(2, 4, 5), IIN(1, y4, 4)}},
    {.op = "focal", .n_in = 2, .in = {IN(2, 4, 5), IIN(1, y4, 4)}},
    {.op = "focal", .n_in = 2, .attrs = "gamma=0.5,alpha=1,reduction=none",
     .in = {IN(2, 4, 5), IIN(1, y4, 4)}},
    {.op = "router_z_loss", .n_in = 1, .in = {IN(3, 2, 3, 4)}},
    {.op = "soft_infonce", .n_in = 2, .attrs = "tau=0.5,reduction=none", .lo = 0.2, .hi = 1.5,
     .in = {IN(2, 4, 4), IN(2, 4, 4)}},
  };
  /* values away from kinks: 20 spread logits, |x| >= 0.1 */
  float sp[20], away[20], l1a[12], l1b[12];
  const float *vsp[] = {sp, NULL}, *vaway[] = {away, NULL}, *vl1[] = {l1a, l1b};
  const float *vlb[] = {sp};
  opcheck_case svm = {.op = "l2_svm", .n_in = 2, .in = {IN(2, 4, 5), IIN(1, y4, 4)}};
  opcheck_case mm1 = {.op = "multi_margin", .n_in = 2, .in = {IN(2, 4, 5), IIN(1, y4, 4)}};
  opcheck_case mm2 = {.op = "multi_margin", .n_in = 2, .attrs = "p=2,margin=0.7",
                      .in = {IN(2, 4, 5), IIN(1, y4, 4)}};
  opcheck_case sm = {.op = "stablemax_ce", .n_in = 2, .in = {IN(2, 4, 5), IIN(1, y4, 4)}};
  opcheck_case l1 = {.op = "l1", .n_in = 2, .in = {IN(2, 3, 4), IN(2, 3, 4)}};
  opcheck_case sl1 = {.op = "smooth_l1", .n_in = 2, .attrs = "beta=0.5",
                      .in = {IN(2, 3, 4), IN(2, 3, 4)}};
  opcheck_case lb = {.op = "load_balance", .n_in = 1, .in = {IN(2, 5, 4)}};
  opcheck_case lb2 = {.op = "load_balance", .n_in = 1, .attrs = "k=2", .in = {IN(2, 5, 4)}};
  size_t k;
  int i;
  for (i = 0; i < 20; i++) {
    sp[i] = (float)(-1.6 + 3.2 * (((i * 7) % 20) + 0.5) / 20);
    away[i] = sp[i] + (sp[i] >= 0 ? 0.1f : -0.1f);
  }
  for (i = 0; i < 12; i++) {
    l1a[i] = (float)(-1 + 2.0 * (((i * 5) % 12) + 0.5) / 12);
    l1b[i] = l1a[i] + ((i % 2) ? 0.3f : -0.45f) * (1 + i % 3);
  }
  for (k = 0; k < sizeof(rnd) / sizeof(rnd[0]); k++) grad_ok(&rnd[k], 1e-2, NULL);
  fdcheck_ok(&svm, vsp, 1e-2, "l2_svm");
  fdcheck_ok(&mm1, vsp, 1e-2, "multi_margin p = 1");
  fdcheck_ok(&mm2, vsp, 1e-2, "multi_margin p = 2, margin 0.7");
  fdcheck_ok(&sm, vaway, 1e-2, "stablemax_ce");
  fdcheck_ok(&l1, vl1, 1e-2, "l1");
  fdcheck_ok(&sl1, vl1, 1e-2, "smooth_l1 beta 0.5");
  fdcheck_ok(&lb, vlb, 1e-2, "load_balance top-1");
  fdcheck_ok(&lb2, vlb, 1e-2, "load_balance top-2");
}

static void test_errors (void) {
  static const int y2[] = {1, 2}, y3[] = {1, 2, 3};
  opcheck_case e[] = {
    {.op = "nll", .n_in = 2, .in = {IN(1, 5), IIN(1, y2, 2)}},
    {.op = "z_loss", .n_in = 2, .in = {IN(2, 2, 5), IIN(1, y3, 3)}},
    {.op = "l2_svm", .n_in = 2, .in = {IN(2, 2, 5), IN(1, 2)}},
    {.op = "bce_with_logits", .n_in = 2, .in = {IN(2, 2, 3), IN(2, 3, 2)}},
    {.op = "multi_margin", .n_in = 2, .attrs = "p=3", .in = {IN(2, 2, 3), IIN(1, y2, 2)}},
    {.op = "z_loss", .n_in = 2, .attrs = "a=-1", .in = {IN(2, 2, 3), IIN(1, y2, 2)}},
    {.op = "soft_infonce", .n_in = 1, .in = {IN(2, 2, 3)}},
    {.op = "soft_infonce", .n_in = 2, .in = {IN(2, 3, 3), IN(2, 3, 2)}},
    {.op = "load_balance", .n_in = 1, .attrs = "k=4", .in = {IN(2, 4, 3)}},
    {.op = "smooth_l1", .n_in = 2, .attrs = "beta=-1", .in = {IN(1, 3), IN(1, 3)}},
    {.op = "focal", .n_in = 2, .attrs = "gamma=-1", .in = {IN(2, 2, 3), IIN(1, y2, 2)}},
  };
  static const char *const msg[] = {
    "nll: log-probabilities 5 must be float32 [N, C]",
    "z_loss: logits 2x5 and labels 3 do not match (want labels [2])",
    "l2_svm: labels (input 2) must be int32",
    "bce_with_logits: input 2x3 and target 3x2 differ",
    "multi_margin: p must be 1 or 2, got 3",
    "z_loss: a -1 must be positive",
    "soft_infonce: similarity 2x3 must be a float32 square matrix [N, N]",
    "soft_infonce: weights 3x2 do not fit similarity 3x3",
    "load_balance: k 4 out of range [1, 3] for router logits 4x3",
    "smooth_l1: beta -1 must be >= 0",
    "focal: gamma -1 must be >= 0",
  };
  size_t k;
  for (k = 0; k < sizeof(e) / sizeof(e[0]); k++) shape_err(&e[k], msg[k]);
}

/* validate() rejects bad labels and negative weights before forward runs */
static void test_validate (void) {
  static const int bad[] = {0, 3}, ign[] = {0, -7};
  opcheck_case c1 = {.op = "z_loss", .n_in = 2, .in = {IN(2, 2, 3), IIN(1, bad, 2)}};
  opcheck_case c2 = {.op = "nll", .n_in = 2, .attrs = "ignore_index=-7",
                     .in = {IN(2, 2, 3), IIN(1, ign, 2)}};
  opcheck_case c3 = {.op = "soft_infonce", .n_in = 2, .in = {IN(2, 2, 2), IN(2, 2, 2)}};
  opcheck_run r;
  int rc;
  rc = opcheck_setup(&c1, &r, 1u) == 0 ? ln_node_desc(&r.out)->validate(&r.out) : 0;
  tap_ok(rc == LN_EARG && strstr(ln_errmsg(), "z_loss: label 3 out of range [0, 3)"),
         "z_loss validate: %s", ln_errmsg());
  opcheck_free(&r);
  rc = opcheck_setup(&c2, &r, 1u) == 0 ? ln_node_desc(&r.out)->validate(&r.out) : -1;
  tap_ok(rc == LN_OK, "nll validate accepts ignore_index -7");
  opcheck_free(&r);
  rc = 0;
  if (opcheck_setup(&c3, &r, 1u) == 0) {
    r.in[1].x[1] = -0.5f;
    rc = ln_node_desc(&r.out)->validate(&r.out);
  }
  tap_ok(rc == LN_EARG && strstr(ln_errmsg(), "soft_infonce: weight [1, 2] = -0.5"),
         "soft_infonce validate: %s", ln_errmsg());
  opcheck_free(&r);
}

static void test_cross_entropy (void) {
  static const int y4[] = {0, 3, 4, 1}, y0[] = {0}, y1[] = {1}, y01[] = {0, 1};
  static const int y10[] = {1, 10, 2, 0, 0};   /* 5: also the mismatch case */
  opcheck_case g1 = {.op = "cross_entropy", .n_in = 2,
                     .in = {IN(2, 4, 5), IIN(1, y4, 4)}};
  opcheck_case g2 = {.op = "cross_entropy", .n_in = 2,
                     .in = {IN(2, 4, 5), IIN(1, y4, 4)},
                     .attrs = "label_smoothing=0.1"};
  opcheck_case g3 = {.op = "cross_entropy", .n_in = 2,
                     .in = {IN(2, 4, 5), IIN(1, y4, 4)},
                     .attrs = "label_smoothing=0.1,reduction=sum"};
  opcheck_case g4 = {.op = "cross_entropy", .n_in = 2,
                     .in = {IN(2, 4, 5), IIN(1, y4, 4)},
                     .attrs = "label_smoothing=0.1,reduction=none"};
  opcheck_case v0 = {.op = "cross_entropy", .n_in = 2,
                     .in = {IN(2, 1, 2), IIN(1, y0, 1)}};
  opcheck_case v1 = {.op = "cross_entropy", .n_in = 2,
                     .in = {IN(2, 1, 2), IIN(1, y1, 1)}};
  opcheck_case vn = {.op = "cross_entropy", .n_in = 2,
                     .in = {IN(2, 2, 2), IIN(1, y01, 2)},
                     .attrs = "reduction=none"};
  opcheck_case vm = {.op = "cross_entropy", .n_in = 2,
                     .in = {IN(2, 2, 2), IIN(1, y01, 2)}};
  opcheck_case vs = {.op = "cross_entropy", .n_in = 2,
                     .in = {IN(2, 2, 2), IIN(1, y01, 2)},
                     .attrs = "reduction=sum"};
  opcheck_case vls = {.op = "cross_entropy", .n_in = 2,
                      .in = {IN(2, 1, 2), IIN(1, y1, 1)},
                      .attrs = "label_smoothing=0.2"};
  opcheck_case bad = {.op = "cross_entropy", .n_in = 2,
                      .in = {IN(2, 4, 10), IIN(1, y10, 4)}};
  opcheck_case e1 = {.op = "cross_entropy", .n_in = 2,
                     .in = {IN(2, 4, 10), IIN(1, y10, 5)}};
  float big[] = {1e4f, -1e4f}, big2[] = {1e4f, -1e4f, 1e4f, -1e4f};
  float x3[] = {0, (float)log(3.0)}, zero[] = {0}, two[] = {0, 2e4f};
  float mean[] = {1e4f}, sum[] = {2e4f};
  float ls[] = {(float)(-0.8 * log(0.75) - 0.1 * (log(0.25) + log(0.75)))};
  const float *pb[] = {big, NULL}, *pb2[] = {big2, NULL};
  const float *p3[] = {x3, NULL};
  opcheck_run r;
  int ok;
  opcheck_grad_ok(&g1, 1e-3, "cross_entropy mean");
  opcheck_grad_ok(&g2, 1e-3, "cross_entropy mean, label smoothing 0.1");
  opcheck_grad_ok(&g3, 1e-3, "cross_entropy sum, label smoothing 0.1");
  opcheck_grad_ok(&g4, 1e-3, "cross_entropy none, label smoothing 0.1");
  opvals_ok(&v0, pb, zero, 1, 0, "cross_entropy([1e4, -1e4], 0) = 0");
  opvals_ok(&v1, pb, sum, 1, 0, "cross_entropy([1e4, -1e4], 1) = 2e4, finite");
  opvals_ok(&vn, pb2, two, 2, 0, "cross_entropy none: [0, 2e4]");
  opvals_ok(&vm, pb2, mean, 1, 0, "cross_entropy mean: 1e4");
  opvals_ok(&vs, pb2, sum, 1, 0, "cross_entropy sum: 2e4");
  opvals_ok(&vls, p3, ls, 1, 1e-6, "cross_entropy label smoothing 0.2 by hand");
  ok = opvals_run(&v0, &r, NULL, 0) == 0 && r.out.ndim == 0;
  tap_ok(ok, "cross_entropy mean is a scalar");
  opcheck_free(&r);
  ok = opcheck_setup(&bad, &r, 1u) == 0 &&
       ln_node_desc(&r.out)->validate(&r.out) == LN_EARG;
  tap_ok(ok && strstr(ln_errmsg(), "cross_entropy: label 10 out of range [0, 10)"),
         "cross_entropy validate: '%s'", ln_errmsg());
  opcheck_free(&r);
  opcheck_shape_err(&e1, "cross_entropy: logits 4x10 and labels 5 do not match", 0);
}


static void test_mse (void) {
  opcheck_case g1 = {.op = "mse", .n_in = 2, .in = {IN(2, 3, 4), IN(2, 3, 4)}};
  opcheck_case g2 = {.op = "mse", .n_in = 2,
                     .in = {IN(2, 3, 4), IN(2, 3, 4)},
                     .attrs = "reduction=sum"};
  opcheck_case g3 = {.op = "mse", .n_in = 2,
                     .in = {IN(2, 3, 4), IN(2, 3, 4)},
                     .attrs = "reduction=none"};
  opcheck_case v1 = {.op = "mse", .n_in = 2, .in = {IN(1, 2), IN(1, 2)}};
  opcheck_case v2 = {.op = "mse", .n_in = 2,
                     .in = {IN(1, 2), IN(1, 2)},
                     .attrs = "reduction=sum"};
  opcheck_case v3 = {.op = "mse", .n_in = 2,
                     .in = {IN(1, 2), IN(1, 2)},
                     .attrs = "reduction=none"};
  opcheck_case e1 = {.op = "mse", .n_in = 2, .in = {IN(2, 3, 4), IN(2, 4, 3)}};
  float a[] = {1, 2}, b[] = {0, 0}, w1[] = {2.5f}, w2[] = {5}, w3[] = {1, 4};
  const float *v[] = {a, b};
  opcheck_grad_ok(&g1, 1e-2, "mse mean");
  opcheck_grad_ok(&g2, 1e-2, "mse sum");
  opcheck_grad_ok(&g3, 1e-2, "mse none");
  opvals_ok(&v1, v, w1, 1, 1e-6, "mse mean by hand");
  opvals_ok(&v2, v, w2, 1, 1e-6, "mse sum by hand");
  opvals_ok(&v3, v, w3, 2, 1e-6, "mse none by hand");
  opcheck_shape_err(&e1, "mse: shapes 3x4 and 4x3 differ", 0);
}


static void test_activation_l1 (void) {
  opcheck_case g3 = {.op = "activation_l1", .n_in = 2, .lo = 0.05, .hi = 1,
                     .in = {IN(2, 3, 4), IN(1, 1)}};
  opcheck_case g4 = {.op = "activation_l1", .n_in = 1, .lo = 0.05, .hi = 1,
                     .attrs = "reduction=none,lambda=3", .in = {IN(2, 3, 4)}};
  opcheck_case v2 = {.op = "activation_l1", .n_in = 1, .attrs = "lambda=0.5",
                     .in = {IN(1, 4)}};
  opcheck_case e3 = {.op = "activation_l1", .n_in = 2, .in = {IN(1, 4), IN(1, 2)}};
  float a[] = {-1, 2, 0, -3}, aw[] = {0.75f}, ag[] = {1}, agx[] = {-0.125f, 0.125f, 0, -0.125f};
  const float *av[] = {a}, *agw[] = {agx};
  opcheck_grad_ok(&g3, 1e-3, "activation_l1 with a scale input");
  opcheck_grad_ok(&g4, 1e-3, "activation_l1 reduction none");
  tap_ok(opcheck_run_vals(&v2, av, aw, 1, ag, agw), "activation_l1: 0.5 mean|a|, da = 0.5 sign(a) / 4");
  opcheck_shape_err(&e3, "activation_l1: scale 2 must have one element", 0);
  opcheck_case t = {.op = "activation_l1", .n_in = 2, .in = {IN(2, 64, 1024), IN(1, 1)}};
  opvals_same_threads(&t);
}

int main (void) {
  test_values();
  test_z_invariance();
  test_grads();
  test_errors();
  test_validate();
  test_cross_entropy();
  test_mse();
  test_activation_l1();
  printf("1..%d\n", tap_count);
  return tap_done();
}
