/*
** test_ops_norm.c -- batch_norm: values by hand, running statistics,
** gradients in training and eval, errors.
*/
#include "opcheck.h"
#include "tap.h"

#define IN(nd, ...) {.ndim = nd, .dim = {__VA_ARGS__}}
#define NOGRAD(nd, ...) {.ndim = nd, .dim = {__VA_ARGS__}, .nograd = 1}

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
  opcheck_case s1 = {.op = "batch_norm", .n_in = 5,
                     .in = {IN(2, 2, 3), IN(1, 4), IN(1, 3), IN(1, 3), IN(1, 3)}};
  opcheck_case s2 = {.op = "batch_norm", .n_in = 5,
                     .in = {IN(3, 2, 3, 4), IN(1, 3), IN(1, 3), IN(1, 3),
                            IN(1, 3)}};
  test_by_hand();
  test_nchw();
  grad_ok(&t1, 1e-2, "batch_norm training [N, C]");
  grad_ok(&t2, 1e-2, "batch_norm training [N, C, H, W]");
  grad_ok(&e1, 1e-2, "batch_norm eval [N, C]");
  grad_ok(&e2, 1e-2, "batch_norm eval [N, C, H, W]");
  shape_err(&s1, "batch_norm: gamma 4 does not fit input 2x3");
  shape_err(&s2, "batch_norm: input 2x3x4 must be [N, C] or [N, C, H, W]");
  printf("1..%d\n", tap_count);
  return tap_done();
}
