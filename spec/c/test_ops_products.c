/*
** test_ops_products.c -- the products of src/ops/products.c: matmul,
** linear, embedding: values by hand, gradients, errors.
*/
#include "opvals.h"

#define IN(nd, ...) {.ndim = nd, .dim = {__VA_ARGS__}}
#define IIN(nd, v, ...) {.ndim = nd, .dim = {__VA_ARGS__}, .i32 = 1, .ivals = v}

#define near opcheck_near
#define grad_ok opcheck_grad_ok
#define shape_err(c, sub) opcheck_shape_err(c, sub, 0)
#define run_values opvals_run
#define values_ok opvals_ok

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


int main (void) {
  test_matmul();
  test_linear();
  test_embedding();
  printf("1..%d\n", tap_count);
  return tap_done();
}
