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
  opcheck_case e3 = {.op = "matmul", .n_in = 2, .in = {IN(1, 3), IN(2, 3, 5)}};
  float a[] = {1, 2, 3, 4}, b[] = {5, 6, 7, 8}, want[] = {19, 22, 43, 50};
  const float *v[] = {a, b};
  grad_ok(&c1, 1e-2, "matmul batched");
  grad_ok(&c2, 1e-2, "matmul shared 2-D b");
  values_ok(&c3, v, want, 4, 1e-6, "matmul 2x2 by hand");
  shape_err(&e1, "do not fit");
  shape_err(&e2, "batch dims");
  shape_err(&e3, "at least 2 dims");
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
