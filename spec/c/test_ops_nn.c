/*
** test_ops_nn.c -- matmul, linear, embedding, softmax, log_softmax,
** cross_entropy, mse, dropout: values by hand, gradients, errors.
*/
#include "opcheck.h"
#include "tap.h"

#define IN(nd, ...) {.ndim = nd, .dim = {__VA_ARGS__}}
#define IIN(nd, v, ...) {.ndim = nd, .dim = {__VA_ARGS__}, .i32 = 1, .ivals = v}

#define near opcheck_near
#define grad_ok opcheck_grad_ok
#define shape_err(c, sub) opcheck_shape_err(c, sub, 0)

/* run forward with input values 'v[k]' (NULL: keep); 0 on success */
static int run_values (const opcheck_case *c, opcheck_run *r,
                       const float *const *v, int training) {
  int k;
  if (opcheck_setup(c, r, 1u)) return -1;
  for (k = 0; k < c->n_in; k++)
    if (v && v[k]) memcpy(r->in[k].x, v[k], ln_numel(&r->in[k]) * sizeof(float));
  opcheck_forward(r, training);
  return 0;
}

/* output equals 'want' (len values) within 'tol' */
static void values_ok (const opcheck_case *c, const float *const *v,
                       const float *want, size_t len, double tol,
                       const char *what) {
  opcheck_run r;
  size_t i;
  int ok = run_values(c, &r, v, c->training) == 0 && ln_numel(&r.out) == len;
  for (i = 0; ok && i < len; i++) {
    ok = near(r.out.x[i], want[i], tol);
    if (!ok)
      fprintf(stderr, "  %s: [%zu] = %g, want %g\n", what, i, r.out.x[i], want[i]);
  }
  tap_ok(ok, "%s", what);
  opcheck_free(&r);
}

/* the gradients of both inputs of a product, from zero ('+=') or over
** junk where the plan makes this node their first writer ('=', n->assign) */
static int mm_grads (const opcheck_case *c, unsigned assign, float *ga, float *gb) {
  opcheck_case k = *c;
  opcheck_run r;
  size_t i, la, lb;
  unsigned s = 99u;
  k.assign = assign;
  if (opcheck_setup(&k, &r, 5u)) { opcheck_free(&r); return 0; }
  la = ln_numel(&r.in[0]);
  lb = ln_numel(&r.in[1]);
  for (i = 0; i < la; i++) r.in[0].g[i] = assign ? 7.0f : 0;
  for (i = 0; i < lb; i++) r.in[1].g[i] = assign ? -3.0f : 0;
  opcheck_forward(&r, 1);
  for (i = 0; i < ln_numel(&r.out); i++) r.out.g[i] = (float)opcheck_uniform(&s, -1, 1);
  opcheck_backward(&r, 1);
  memcpy(ga, r.in[0].g, la * sizeof(float));
  memcpy(gb, r.in[1].g, lb * sizeof(float));
  opcheck_free(&r);
  return 1;
}

static void mm_assign_ok (const opcheck_case *c, const char *what) {
  float a0[256] = {0}, b0[256] = {0}, a1[256] = {0}, b1[256] = {0};
  int ok = mm_grads(c, 0, a0, b0) && mm_grads(c, 3u, a1, b1);
  tap_ok(ok && memcmp(a0, a1, sizeof(a0)) == 0 && memcmp(b0, b1, sizeof(b0)) == 0,
         "%s: '=' gradients over junk equal '+=' from zero", what);
}

static void test_matmul (void) {
  opcheck_case c1 = {.op = "matmul", .n_in = 2,
                     .in = {IN(3, 2, 3, 4), IN(3, 2, 4, 5)}};
  opcheck_case c2 = {.op = "matmul", .n_in = 2,
                     .in = {IN(3, 2, 3, 4), IN(2, 4, 5)}};
  opcheck_case c3 = {.op = "matmul", .n_in = 2,
                     .in = {IN(2, 2, 2), IN(2, 2, 2)}};
  opcheck_case e1 = {.op = "matmul", .n_in = 2,
                     .in = {IN(2, 2, 3), IN(2, 4, 5)}};
  opcheck_case e2 = {.op = "matmul", .n_in = 2,
                     .in = {IN(3, 2, 3, 4), IN(3, 3, 4, 5)}};
  opcheck_case e3 = {.op = "matmul", .n_in = 2, .in = {IN(0), IN(3, 2, 3, 5)}};
  opcheck_case e4 = {.op = "matmul", .n_in = 2, .in = {IN(4, 2, 1, 3, 4), IN(4, 3, 5, 4, 6)}};
  /* torch.matmul's broadcasting: 1-D operands, batch dims from the right */
  opcheck_case b1 = {.op = "matmul", .n_in = 2, .in = {IN(4, 2, 1, 3, 4), IN(3, 5, 4, 6)}};
  opcheck_case b2 = {.op = "matmul", .n_in = 2, .in = {IN(2, 3, 4), IN(3, 2, 4, 5)}};
  opcheck_case b3 = {.op = "matmul", .n_in = 2, .in = {IN(1, 4), IN(3, 3, 4, 2)}};
  opcheck_case b4 = {.op = "matmul", .n_in = 2, .in = {IN(3, 3, 2, 4), IN(1, 4)}};
  opcheck_case b5 = {.op = "matmul", .n_in = 2, .in = {IN(1, 4), IN(1, 4)}};
  opcheck_case b6 = {.op = "matmul", .n_in = 2, .in = {IN(4, 1, 4, 2, 3), IN(4, 3, 1, 3, 2)}};
  opcheck_case v1 = {.op = "matmul", .n_in = 2, .in = {IN(1, 2), IN(3, 2, 2, 2)}};
  opcheck_case v2 = {.op = "matmul", .n_in = 2, .in = {IN(3, 2, 1, 2), IN(3, 1, 2, 1)}};
  float a[] = {1, 2, 3, 4}, b[] = {5, 6, 7, 8}, want[] = {19, 22, 43, 50};
  const float *v[] = {a, b};
  /* [2] x [2, 2, 2]: the row (1, 2) times each matrix -> [2, 2] */
  float va[] = {1, 2}, vb[] = {1, 2, 3, 4, 5, 6, 7, 8}, vwant[] = {7, 10, 19, 22};
  const float *pv1[] = {va, vb};
  /* [2, 1, 2] x [1, 2, 1] -> [2, 1, 1]: each row of a times the column */
  float wa[] = {1, 2, 3, 4}, wb[] = {5, 6}, wwant[] = {17, 39};
  const float *pv2[] = {wa, wb};
  grad_ok(&c1, 1e-2, "matmul batched");
  grad_ok(&c2, 1e-2, "matmul shared 2-D b");
  grad_ok(&b1, 1e-2, "matmul 2x1x3x4 @ 5x4x6 (batch dims broadcast)");
  grad_ok(&b2, 1e-2, "matmul 3x4 @ 2x4x5 (shared a)");
  grad_ok(&b3, 1e-2, "matmul 4 @ 3x4x2 (1-D a)");
  grad_ok(&b4, 1e-2, "matmul 3x2x4 @ 4 (1-D b)");
  grad_ok(&b5, 1e-2, "matmul 4 @ 4 (dot)");
  grad_ok(&b6, 1e-2, "matmul 1x4x2x3 @ 3x1x3x2 (both broadcast)");
  values_ok(&c3, v, want, 4, 1e-6, "matmul 2x2 by hand");
  mm_assign_ok(&b1, "matmul 2x1x3x4 @ 5x4x6");
  mm_assign_ok(&b6, "matmul 1x4x2x3 @ 3x1x3x2");
  values_ok(&v1, pv1, vwant, 4, 1e-6, "matmul 2 @ 2x2x2 by hand");
  values_ok(&v2, pv2, wwant, 2, 1e-6, "matmul 2x1x2 @ 2x1 by hand");
  shape_err(&e1, "do not fit");
  shape_err(&e2, "batch dims");
  shape_err(&e3, "matmul: inputs scalar and 2x3x5 need at least 1 dim");
  shape_err(&e4, "matmul: batch dims of 2x1x3x4 and 3x5x4x6 do not broadcast "
            "(batch dim 1 of the result: 2 vs 3)");
}

static void test_linear (void) {
  opcheck_case c1 = {.op = "linear", .n_in = 3,
                     .in = {IN(3, 2, 3, 4), IN(2, 5, 4), IN(1, 5)}};
  opcheck_case c2 = {.op = "linear", .n_in = 2,
                     .in = {IN(2, 3, 4), IN(2, 2, 4)}};
  opcheck_case c3 = {.op = "linear", .n_in = 3,
                     .in = {IN(1, 2), IN(2, 3, 2), IN(1, 3)}};
  opcheck_case e1 = {.op = "linear", .n_in = 2,
                     .in = {IN(2, 3, 4), IN(2, 2, 3)}};
  opcheck_case e2 = {.op = "linear", .n_in = 3,
                     .in = {IN(2, 3, 4), IN(2, 2, 4), IN(1, 3)}};
  float x[] = {1, 2}, w[] = {1, 0, 0, 1, 1, 1}, b[] = {0.5f, 0, -1};
  float want[] = {1.5f, 2, 2};
  const float *v[] = {x, w, b};
  grad_ok(&c1, 1e-2, "linear with bias");
  grad_ok(&c2, 1e-2, "linear without bias");
  values_ok(&c3, v, want, 3, 1e-6, "linear by hand");
  shape_err(&e1, "linear: input 3x4 and weight 2x3 do not fit");
  shape_err(&e2, "bias 3 does not fit");
}

static void test_embedding (void) {
  static const int ids[] = {1, 3, 1, 0, 2, 1}, bad[] = {0, 12, 3};
  opcheck_case c = {.op = "embedding", .n_in = 2,
                    .in = {IIN(2, ids, 2, 3), IN(2, 4, 3)}};
  opcheck_case cb = {.op = "embedding", .n_in = 2,
                     .in = {IIN(1, bad, 3), IN(2, 10, 2)}};
  opcheck_case e1 = {.op = "embedding", .n_in = 2,
                     .in = {IIN(1, bad, 3), IN(1, 10)}};
  opcheck_run r;
  int ok, i, j;
  grad_ok(&c, 1e-2, "embedding (repeated ids)");
  ok = run_values(&c, &r, NULL, 0) == 0 && r.out.ndim == 3 && r.out.dim[2] == 3;
  for (i = 0; ok && i < 6; i++)
    for (j = 0; j < 3; j++)
      ok = ok && r.out.x[i * 3 + j] == r.in[1].x[ids[i] * 3 + j];
  ok = ok && ln_node_desc(&r.out)->validate(&r.out) == LN_OK;
  tap_ok(ok, "embedding copies rows, shape ids.shape + [D]");
  opcheck_free(&r);
  ok = opcheck_setup(&cb, &r, 1u) == 0 &&
       ln_node_desc(&r.out)->validate(&r.out) == LN_EARG;
  tap_ok(ok && strstr(ln_errmsg(), "embedding: id 12 out of range [0, 10)"),
         "embedding validate: '%s'", ln_errmsg());
  opcheck_free(&r);
  shape_err(&e1, "[V, D]");
}

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
  grad_ok(&c1, 1e-3, "softmax last axis");
  grad_ok(&c2, 1e-3, "softmax middle axis");
  grad_ok(&c3, 1e-3, "log_softmax last axis");
  grad_ok(&c4, 1e-3, "log_softmax axis 0");
  values_ok(&v1, p1, w1, 2, 1e-6, "softmax([0, ln 3]) = [0.25, 0.75]");
  values_ok(&v1, p2, w2, 2, 0, "softmax([1e4, -1e4]) = [1, 0]");
  values_ok(&v3, p3, w3, 4, 1e-6, "softmax along axis 0");
  values_ok(&v4, p4, w4, 3, 1e-6, "log_softmax at +-1e4 exact and finite");
  shape_err(&e1, "axis 2 out of range");
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
  grad_ok(&g1, 1e-3, "cross_entropy mean");
  grad_ok(&g2, 1e-3, "cross_entropy mean, label smoothing 0.1");
  grad_ok(&g3, 1e-3, "cross_entropy sum, label smoothing 0.1");
  grad_ok(&g4, 1e-3, "cross_entropy none, label smoothing 0.1");
  values_ok(&v0, pb, zero, 1, 0, "cross_entropy([1e4, -1e4], 0) = 0");
  values_ok(&v1, pb, sum, 1, 0, "cross_entropy([1e4, -1e4], 1) = 2e4, finite");
  values_ok(&vn, pb2, two, 2, 0, "cross_entropy none: [0, 2e4]");
  values_ok(&vm, pb2, mean, 1, 0, "cross_entropy mean: 1e4");
  values_ok(&vs, pb2, sum, 1, 0, "cross_entropy sum: 2e4");
  values_ok(&vls, p3, ls, 1, 1e-6, "cross_entropy label smoothing 0.2 by hand");
  ok = run_values(&v0, &r, NULL, 0) == 0 && r.out.ndim == 0;
  tap_ok(ok, "cross_entropy mean is a scalar");
  opcheck_free(&r);
  ok = opcheck_setup(&bad, &r, 1u) == 0 &&
       ln_node_desc(&r.out)->validate(&r.out) == LN_EARG;
  tap_ok(ok && strstr(ln_errmsg(), "cross_entropy: label 10 out of range [0, 10)"),
         "cross_entropy validate: '%s'", ln_errmsg());
  opcheck_free(&r);
  shape_err(&e1, "cross_entropy: logits 4x10 and labels 5 do not match");
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
  grad_ok(&g1, 1e-2, "mse mean");
  grad_ok(&g2, 1e-2, "mse sum");
  grad_ok(&g3, 1e-2, "mse none");
  values_ok(&v1, v, w1, 1, 1e-6, "mse mean by hand");
  values_ok(&v2, v, w2, 1, 1e-6, "mse sum by hand");
  values_ok(&v3, v, w3, 2, 1e-6, "mse none by hand");
  shape_err(&e1, "mse: shapes 3x4 and 4x3 differ");
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
  grad_ok(&g1, 1e-2, "dropout training");
  grad_ok(&g2, 1e-2, "dropout eval");
  ok = run_values(&g2, &r, NULL, 0) == 0;
  for (i = 0; ok && i < 20; i++) ok = r.out.x[i] == r.in[0].x[i];
  tap_ok(ok, "dropout at eval is the identity");
  opcheck_free(&r);
  ln_seed(5);
  ok = run_values(&big, &r, NULL, 1) == 0;
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
  shape_err(&e1, "dropout: p 1 must be in [0, 1)");
}

int main (void) {
  test_matmul();
  test_linear();
  test_embedding();
  test_softmax();
  test_cross_entropy();
  test_mse();
  test_dropout();
  printf("1..%d\n", tap_count);
  return tap_done();
}
