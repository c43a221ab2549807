/*
** test_ops_norm.c -- batch_norm, layer_norm, rms_norm, group_norm,
** instance_norm, evonorm_b0, evonorm_s0, film: values by hand, running
** statistics, gradients in training and eval, errors.
*/
#include "opcheck.h"
#include "fdcheck.h"
#include "tap.h"

#define IN(nd, ...) {.ndim = nd, .dim = {__VA_ARGS__}}
#define NOGRAD(nd, ...) {.ndim = nd, .dim = {__VA_ARGS__}, .nograd = 1}
#define vals_ok(c, x, want, what) \
  tap_ok(opcheck_run_vals(c, x, want, sizeof(want) / sizeof(want[0]), NULL, NULL), "%s", what)

#define near opcheck_near
#define grad_ok opcheck_grad_ok
#define shape_err(c, sub) opcheck_shape_err(c, sub, 0)

/* all 'len' values of 'got' near 'want' */
static int all_near (const float *got, const float *want, int len, double tol) {
  int i;
  for (i = 0; i < len; i++)
    if (!near(got[i], want[i], tol)) {
      fprintf(stderr, "  [%d] = %g, want %g\n", i, got[i], want[i]);
      return 0;
    }
  return 1;
}

/* batch_norm of [1, 2, 3] (one channel): values and running statistics */
static void test_by_hand (void) {
  opcheck_case c = {.op = "batch_norm", .n_in = 5,
                    .in = {IN(2, 3, 1), IN(1, 1), IN(1, 1), IN(1, 1), IN(1, 1)}};
  float x[] = {1, 2, 3}, want[] = {-1.2247357f, 0, 1.2247357f};
  float want_eval[3], rm, rv;
  opcheck_run r;
  int i, ok = opcheck_setup(&c, &r, 1u) == 0;
  if (ok) {
    memcpy(r.in[0].x, x, sizeof(x));
    r.in[1].x[0] = 1; r.in[2].x[0] = 0; r.in[3].x[0] = 0; r.in[4].x[0] = 1;
    opcheck_forward(&r, 1);
  }
  tap_ok(ok && all_near(r.out.x, want, 3, 1e-5),
         "batch_norm training of [1, 2, 3] = [-1.2247, 0, 1.2247]");
  rm = r.in[3].x[0]; rv = r.in[4].x[0];
  tap_ok(ok && near(rm, 0.2, 1e-6) && near(rv, 1.0, 1e-6),
         "running mean 0.2 and var 1 (unbiased var 1, momentum 0.1): %g %g",
         rm, rv);
  if (ok) {
    r.in[1].x[0] = 2; r.in[2].x[0] = 0.5f;
    for (i = 0; i < 3; i++)
      want_eval[i] = (float)((x[i] - 0.2) / sqrt(1 + 1e-5) * 2 + 0.5);
    opcheck_forward(&r, 0);
  }
  tap_ok(ok && all_near(r.out.x, want_eval, 3, 1e-5) && r.in[3].x[0] == rm &&
         r.in[4].x[0] == rv, "batch_norm eval uses running stats, leaves them");
  opcheck_free(&r);
}

/* NCHW: every channel normalised over N, H, W; gamma, beta applied */
static void test_nchw (void) {
  opcheck_case c = {.op = "batch_norm", .n_in = 5, .attrs = "momentum=0.5",
                    .in = {IN(4, 3, 2, 2, 2), IN(1, 2), IN(1, 2), IN(1, 2),
                           IN(1, 2)}};
  opcheck_run r;
  float rm0[2] = {0, 0};
  int ok = opcheck_setup(&c, &r, 3u) == 0, ch, n, j;
  if (ok) {
    rm0[0] = r.in[3].x[0]; rm0[1] = r.in[3].x[1];
    opcheck_forward(&r, 1);
  }
  for (ch = 0; ok && ch < 2; ch++) {
    double s = 0, ss = 0, m, v;
    float g = r.in[1].x[ch], b = r.in[2].x[ch];
    for (n = 0; n < 3; n++)
      for (j = 0; j < 4; j++) s += r.in[0].x[(n * 2 + ch) * 4 + j];
    m = s / 12;
    for (n = 0; n < 3; n++)
      for (j = 0; j < 4; j++) {
        double d = r.in[0].x[(n * 2 + ch) * 4 + j] - m;
        ss += d * d;
      }
    v = ss / 12;
    for (n = 0; n < 3; n++)
      for (j = 0; j < 4; j++) {
        int k = (n * 2 + ch) * 4 + j;
        ok = ok && near(r.out.x[k], (r.in[0].x[k] - m) / sqrt(v + 1e-5) * g + b,
                        1e-4);
      }
    ok = ok && near(r.in[3].x[ch], 0.5 * rm0[ch] + 0.5 * m, 1e-5);
  }
  tap_ok(ok, "batch_norm NCHW per-channel statistics");
  opcheck_free(&r);
}

/* ghost = 2 over 5 samples: runs {0, 1}, {2, 3}, {4}, each normalised by
** its own statistics; the running ones move towards the runs' mean */
static void test_ghost (void) {
  opcheck_case c = {.op = "batch_norm", .n_in = 5, .attrs = "momentum=1,ghost=2",
                    .in = {IN(4, 5, 2, 1, 3), IN(1, 2), IN(1, 2), IN(1, 2), IN(1, 2)}};
  opcheck_run r;
  int ok = opcheck_setup(&c, &r, 5u) == 0, ch, v, i, j;
  if (ok) opcheck_forward(&r, 1);
  for (ch = 0; ok && ch < 2; ch++) {
    double smean = 0, svar = 0;
    for (v = 0; v < 3; v++) {
      int i0 = 2 * v, i1 = i0 + 2 < 5 ? i0 + 2 : 5, cnt = (i1 - i0) * 3;
      double s = 0, ss = 0, m, var;
      for (i = i0; i < i1; i++)
        for (j = 0; j < 3; j++) s += r.in[0].x[(i * 2 + ch) * 3 + j];
      m = s / cnt;
      for (i = i0; i < i1; i++)
        for (j = 0; j < 3; j++) ss += pow(r.in[0].x[(i * 2 + ch) * 3 + j] - m, 2);
      var = ss / cnt;
      smean += m;
      svar += var * cnt / (cnt - 1);
      for (i = i0; i < i1; i++)
        for (j = 0; j < 3; j++) {
          int k = (i * 2 + ch) * 3 + j;
          ok = ok && near(r.out.x[k], (r.in[0].x[k] - m) / sqrt(var + 1e-5) *
                          r.in[1].x[ch] + r.in[2].x[ch], 1e-4);
        }
    }
    ok = ok && near(r.in[3].x[ch], smean / 3, 1e-5) && near(r.in[4].x[ch], svar / 3, 1e-5);
  }
  tap_ok(ok, "batch_norm ghost=2: statistics per run of 2 samples, running ones their mean");
  opcheck_free(&r);
}

/* layer_norm, rms_norm: values by hand (eval = training for these) */
static void test_layer_rms (void) {
  opcheck_case ln1 = {.op = "layer_norm", .n_in = 3, .in = {IN(2, 2, 3), IN(1, 3), IN(1, 3)}};
  opcheck_case ln2 = {.op = "layer_norm", .n_in = 1, .attrs = "dims=2", .in = {IN(3, 2, 2, 2)}};
  opcheck_case rm1 = {.op = "rms_norm", .n_in = 2, .in = {IN(2, 1, 2), IN(1, 2)}};
  float x[] = {1, 2, 3, 1e4f, 1e4f + 1, 1e4f + 2}, g[] = {2, 1, -1}, b[] = {0.5f, 0, 1};
  float s = (float)sqrt(2.0 / 3 + 1e-5), want[6];
  float x2[] = {1, 2, 3, 4, 0, 0, 0, 8}, want2[8];
  float x3[] = {3, 4}, g3[] = {2, -1}, r = (float)sqrt(12.5 + 1e-6);
  float want3[] = {6 / r, -4 / r};
  const float *v1[] = {x, g, b}, *v2[] = {x2}, *v3[] = {x3, g3};
  int i;
  for (i = 0; i < 6; i++) want[i] = (float)((i % 3) - 1) / s * g[i % 3] + b[i % 3];
  for (i = 0; i < 4; i++) {
    want2[i] = (float)((x2[i] - 2.5) / sqrt(1.25 + 1e-5));
    want2[4 + i] = (float)((x2[4 + i] - 2) / sqrt(12 + 1e-5));
  }
  vals_ok(&ln1, v1, want, "layer_norm of [1, 2, 3] and 1e4 + [0, 1, 2], gamma, beta");
  vals_ok(&ln2, v2, want2, "layer_norm over the last 2 dims");
  vals_ok(&rm1, v3, want3, "rms_norm of [3, 4] with gamma [2, -1]");
}

/* group_norm with one group; instance_norm of a constant gives beta */
static void test_group_instance (void) {
  opcheck_case gn = {.op = "group_norm", .n_in = 1, .attrs = "groups=1", .in = {IN(3, 1, 2, 2)}};
  opcheck_case in = {.op = "instance_norm", .n_in = 3,
                     .in = {IN(3, 1, 2, 3), IN(1, 2), IN(1, 2)}};
  float x[] = {1, 3, 5, 7}, s = (float)sqrt(5 + 1e-5);
  float want[] = {-3 / s, -1 / s, 1 / s, 3 / s};
  float xc[] = {1e4f, 1e4f, 1e4f, 2, 2, 2}, g[] = {1, 1}, b[] = {0.5f, -1};
  float wantc[] = {0.5f, 0.5f, 0.5f, -1, -1, -1};
  const float *v[] = {x}, *vc[] = {xc, g, b};
  vals_ok(&gn, v, want, "group_norm with one group over (C, H, W)");
  vals_ok(&in, vc, wantc, "instance_norm of a constant gives beta");
}

/* evonorm_b0: both branches by hand; training statistics and running_var */
static void test_evonorm_b0 (void) {
  opcheck_case c = {.op = "evonorm_b0", .n_in = 5,
                    .in = {IN(3, 1, 1, 2), IN(1, 1), IN(1, 1), IN(1, 1), IN(1, 1)}};
  opcheck_case t = {.op = "evonorm_b0", .n_in = 5,
                    .in = {IN(3, 2, 1, 2), IN(1, 1), IN(1, 1), IN(1, 1), IN(1, 1)}};
  float x[] = {1, 3}, one[] = {1}, zero[] = {0}, rv4[] = {4}, rvq[] = {0.25f};
  float a = (float)sqrt(4 + 1e-5), s = (float)sqrt(1 + 1e-5);
  float wb[] = {1 / a, 3 / a}, wi[] = {1 / (1 + s), 3 / (3 + s)};
  const float *vb[] = {x, one, zero, zero, rv4}, *vi[] = {x, one, zero, one, rvq};
  float xt[] = {1, 3, 5, 7}, ab = (float)sqrt(5 + 1e-5);
  opcheck_run r;
  int ok;
  vals_ok(&c, vb, wb, "evonorm_b0 eval: batch branch x / sqrt(running_var + eps)");
  vals_ok(&c, vi, wi, "evonorm_b0 eval: instance branch x / (v1 x + instance std)");
  ok = opcheck_setup(&t, &r, 1u) == 0;
  if (ok) {
    memcpy(r.in[0].x, xt, sizeof(xt));
    r.in[1].x[0] = 1; r.in[2].x[0] = 0; r.in[3].x[0] = 0; r.in[4].x[0] = 1;
    opcheck_forward(&r, 1);
    ok = near(r.out.x[0], 1 / ab, 1e-6) && near(r.out.x[3], 7 / ab, 1e-6) &&
         near(r.in[4].x[0], 0.9 + 0.1 * 5, 1e-6);
  }
  tap_ok(ok, "evonorm_b0 training: batch variance 5, running_var 0.9 + 0.1 * 5");
  opcheck_free(&r);
}

/* evonorm_s0 by hand and batch independence; film by hand */
static void test_s0_film (void) {
  opcheck_case c = {.op = "evonorm_s0", .n_in = 4,
                    .in = {IN(3, 1, 1, 2), IN(1, 1), IN(1, 1), IN(1, 1)}};
  opcheck_case b4 = {.op = "evonorm_s0", .n_in = 4, .attrs = "groups=2",
                     .in = {IN(4, 4, 4, 2, 2), IN(1, 4), IN(1, 4), IN(1, 4)}};
  opcheck_case b1 = {.op = "evonorm_s0", .n_in = 4, .attrs = "groups=2",
                     .in = {IN(4, 1, 4, 2, 2), IN(1, 4), IN(1, 4), IN(1, 4)}};
  opcheck_case f = {.op = "film", .n_in = 3, .in = {IN(3, 2, 1, 2), IN(2, 2, 1), IN(2, 2, 1)}};
  float x[] = {1, -1}, one[] = {1}, zero[] = {0}, s = (float)sqrt(1 + 1e-5);
  float want[] = {(float)(1 / (1 + exp(-1.0))) / s, (float)(-1 / (1 + exp(1.0))) / s};
  const float *v[] = {x, one, zero, one};
  float fx[] = {1, 2, 3, 4}, fg[] = {2, -1}, fb[] = {0.5f, 1}, fw[] = {2.5f, 4.5f, -2, -3};
  const float *fv[] = {fx, fg, fb};
  opcheck_run r4, r1;
  int ok, i, k;
  vals_ok(&c, v, want, "evonorm_s0 of [1, -1]: x sigmoid(x) / std");
  vals_ok(&f, fv, fw, "film: gamma x + beta per sample and channel");
  ok = opcheck_setup(&b4, &r4, 5u) == 0 && opcheck_setup(&b1, &r1, 5u) == 0;
  if (ok) {
    opcheck_forward(&r4, 1);
    for (k = 1; k < 4; k++) memcpy(r1.in[k].x, r4.in[k].x, 4 * sizeof(float));
    memcpy(r1.in[0].x, r4.in[0].x + 2 * 16, 16 * sizeof(float));   /* sample 3 */
    opcheck_forward(&r1, 1);
    for (i = 0; i < 16; i++) ok = ok && near(r1.out.x[i], r4.out.x[2 * 16 + i], 1e-6);
  }
  tap_ok(ok, "evonorm_s0 is batch independent (sample 3 alone = in a batch of 4)");
  opcheck_free(&r4);
  opcheck_free(&r1);
}

static void test_new_grads (void) {
  /* evonorm_b0 inputs away from the max() switch (see spec/cases/norm.lua) */
  static const float b0x[] = {0.9f, 0.85f, -0.2f, 0.7f, 0.6f, -0.8f, -0.7f, -0.65f,
    0.85f, 0.95f, -0.55f, 0.9f, 0.65f, -0.8f, 0.7f, -0.65f, -0.2f, -0.5f, 0.55f,
    -0.15f, 0.5f, 0.5f, 0.25f, 0.75f};
  static const float b0g[] = {1.2f, 0.8f}, b0v[] = {1.5f, -0.7f}, b0rv[] = {0.3f, 0.5f};
  const float *b0vals[] = {b0x, b0g, NULL, b0v, b0rv};
  opcheck_case cases[] = {
    {.op = "layer_norm", .n_in = 3, .in = {IN(2, 3, 4), IN(1, 4), IN(1, 4)}},
    {.op = "layer_norm", .n_in = 2, .attrs = "dims=2", .in = {IN(3, 2, 3, 4), IN(2, 3, 4)}},
    {.op = "rms_norm", .n_in = 2, .in = {IN(2, 3, 5), IN(1, 5)}},
    {.op = "group_norm", .n_in = 3, .attrs = "groups=2",
     .in = {IN(4, 2, 4, 3, 3), IN(1, 4), IN(1, 4)}},
    {.op = "instance_norm", .n_in = 3, .in = {IN(4, 2, 3, 2, 2), IN(1, 3), IN(1, 3)}},
    {.op = "evonorm_s0", .n_in = 4, .attrs = "groups=2",
     .in = {IN(4, 2, 4, 2, 2), IN(1, 4), IN(1, 4), IN(1, 4)}},
    {.op = "film", .n_in = 3, .in = {IN(4, 2, 3, 2, 2), IN(2, 2, 3), IN(2, 2, 3)}},
  };
  opcheck_case b0t = {.op = "evonorm_b0", .n_in = 5, .training = 1,
                      .in = {IN(4, 3, 2, 2, 2), IN(1, 2), IN(1, 2), IN(1, 2), NOGRAD(1, 2)}};
  opcheck_case b0e = {.op = "evonorm_b0", .n_in = 5,
                      .in = {IN(4, 3, 2, 2, 2), IN(1, 2), IN(1, 2), IN(1, 2), NOGRAD(1, 2)}};
  size_t k;
  for (k = 0; k < sizeof(cases) / sizeof(cases[0]); k++) grad_ok(&cases[k], 1e-2, NULL);
  fdcheck_ok(&b0t, b0vals, 1e-2, "evonorm_b0 training, both branches");
  fdcheck_ok(&b0e, b0vals, 1e-2, "evonorm_b0 eval, both branches");
}

static void test_new_errors (void) {
  opcheck_case e[] = {
    {.op = "layer_norm", .n_in = 2, .in = {IN(2, 2, 3), IN(1, 4)}},
    {.op = "layer_norm", .n_in = 1, .attrs = "dims=3", .in = {IN(2, 2, 3)}},
    {.op = "group_norm", .n_in = 1, .attrs = "groups=4", .in = {IN(3, 2, 6, 3)}},
    {.op = "instance_norm", .n_in = 1, .in = {IN(2, 2, 3)}},
    {.op = "evonorm_b0", .n_in = 5, .in = {IN(4, 2, 4, 3, 3), IN(1, 4), IN(1, 4), IN(1, 3), IN(1, 4)}},
    {.op = "evonorm_s0", .n_in = 4, .attrs = "groups=4", .in = {IN(3, 2, 6, 3), IN(1, 6), IN(1, 6), IN(1, 6)}},
    {.op = "film", .n_in = 2, .in = {IN(3, 2, 3, 4), IN(2, 3, 2)}},
  };
  static const char *const msg[] = {
    "layer_norm: gamma 4 does not fit input 2x3 (want float32 3)",
    "layer_norm: dims 3 out of range for input 2x3",
    "group_norm: 4 groups do not divide the 6 channels of input 2x6x3",
    "instance_norm: input 2x3 must be [N, C, H, W] or [N, C, *]",
    "evonorm_b0: v1 3 does not fit input 2x4x3x3 (want float32 [4])",
    "evonorm_s0: 4 groups do not divide the 6 channels of input 2x6x3",
    "film: gamma 3x2 does not fit input 2x3x4 (want float32 [N, C] = [2, 3])",
  };
  size_t k;
  for (k = 0; k < sizeof(e) / sizeof(e[0]); k++) shape_err(&e[k], msg[k]);
}

int main (void) {
  opcheck_case t1 = {.op = "batch_norm", .n_in = 5, .training = 1,
                     .in = {IN(2, 4, 3), IN(1, 3), IN(1, 3), NOGRAD(1, 3),
                            NOGRAD(1, 3)}};
  opcheck_case t2 = {.op = "batch_norm", .n_in = 5, .training = 1,
                     .in = {IN(4, 3, 2, 2, 3), IN(1, 2), IN(1, 2), NOGRAD(1, 2),
                            NOGRAD(1, 2)}};
  opcheck_case e1 = {.op = "batch_norm", .n_in = 5, .lo = 0.2, .hi = 1.5,
                     .in = {IN(2, 4, 3), IN(1, 3), IN(1, 3), NOGRAD(1, 3),
                            NOGRAD(1, 3)}};
  opcheck_case e2 = {.op = "batch_norm", .n_in = 5, .lo = 0.2, .hi = 1.5,
                     .in = {IN(4, 2, 3, 2, 2), IN(1, 3), IN(1, 3), NOGRAD(1, 3),
                            NOGRAD(1, 3)}};
  opcheck_case g1 = {.op = "batch_norm", .n_in = 5, .training = 1, .attrs = "ghost=2",
                     .in = {IN(4, 5, 2, 2, 2), IN(1, 2), IN(1, 2), NOGRAD(1, 2),
                            NOGRAD(1, 2)}};
  opcheck_case s1 = {.op = "batch_norm", .n_in = 5,
                     .in = {IN(2, 2, 3), IN(1, 4), IN(1, 3), IN(1, 3), IN(1, 3)}};
  opcheck_case s3 = {.op = "batch_norm", .n_in = 5, .attrs = "ghost=1.5",
                     .in = {IN(2, 2, 3), IN(1, 3), IN(1, 3), IN(1, 3), IN(1, 3)}};
  opcheck_case s2 = {.op = "batch_norm", .n_in = 5,
                     .in = {IN(3, 2, 3, 4), IN(1, 3), IN(1, 3), IN(1, 3),
                            IN(1, 3)}};
  test_by_hand();
  test_nchw();
  grad_ok(&t1, 1e-2, "batch_norm training [N, C]");
  grad_ok(&t2, 1e-2, "batch_norm training [N, C, H, W]");
  grad_ok(&e1, 1e-2, "batch_norm eval [N, C]");
  grad_ok(&e2, 1e-2, "batch_norm eval [N, C, H, W]");
  test_ghost();
  grad_ok(&g1, 1e-2, "batch_norm training, ghost 2 over 5 samples");
  shape_err(&s1, "batch_norm: gamma 4 does not fit input 2x3");
  shape_err(&s2, "batch_norm: input 2x3x4 must be [N, C] or [N, C, H, W]");
  shape_err(&s3, "batch_norm: ghost must be a whole number >= 0 (0: the whole batch), got 1.5");
  test_layer_rms();
  test_group_instance();
  test_evonorm_b0();
  test_s0_film();
  test_new_grads();
  test_new_errors();
  printf("1..%d\n", tap_count);
  return tap_done();
}
