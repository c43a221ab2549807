/*
** test_ops_shape.c -- reshape, flatten, transpose, permute, slice, concat:
** values by hand, int32 passthrough, gradients, shape errors.
*/
#include "opcheck.h"
#include "tap.h"

#define grad_ok(c, h) opcheck_grad_ok(c, h, NULL)
#define run_vals opcheck_run_vals
#define shape_err(c, msg) opcheck_shape_err(c, msg, LN_ESHAPE)

static const float m23[6] = {1, 2, 3, 4, 5, 6};

/* output shape of c equals nd/dim */
static int shape_is (const opcheck_case *c, int nd, const int *dim) {
  opcheck_run r;
  int ok = opcheck_setup(c, &r, 1u) == 0 && r.out.ndim == nd
    && memcmp(r.out.dim, dim, (size_t)nd * sizeof(int)) == 0;
  opcheck_free(&r);
  return ok;
}

/* int32 values through a one-input op keep their bits and dtype */
static void int_ok (const char *op, const char *attrs, int nd, const int *dim,
                    const int *x, const int *want, size_t n) {
  opcheck_case c = {op, 1, {{nd, {0}, 1, x, 0}}, attrs, 0, 0, 0, 0, 0};
  opcheck_run r;
  size_t i;
  int ok;
  memcpy(c.in[0].dim, dim, (size_t)nd * sizeof(int));
  ok = opcheck_setup(&c, &r, 1u) == 0 && r.out.dtype == LN_I32
    && ln_numel(&r.out) == n;
  if (ok) {
    opcheck_forward(&r, 0);
    for (i = 0; i < n; i++) if (LN_XI(&r.out)[i] != want[i]) ok = 0;
  }
  opcheck_free(&r);
  tap_ok(ok, "%s %s: int32 values pass through", op, attrs ? attrs : "");
}

static void test_reshape (void) {
  opcheck_case c = {"reshape", 1, {{2, {2, 3}, 0, NULL, 0}}, "shape=3:2", 0, 0, 0, 0, 0};
  const float *xs[1] = {m23};
  tap_ok(run_vals(&c, xs, m23, 6, m23, (const float *const[]){m23})
         && shape_is(&c, 2, (const int[]){3, 2}), "reshape 2x3 -> 3x2");
  c.attrs = "shape=-1:2";
  tap_ok(shape_is(&c, 2, (const int[]){3, 2}), "reshape -1x2 infers 3");
  grad_ok(&c, 1e-2);
  c.attrs = "shape=-1";
  tap_ok(shape_is(&c, 1, (const int[]){6}), "reshape -1 flattens");
  c.attrs = "shape=1:-1:1:3";
  tap_ok(shape_is(&c, 4, (const int[]){1, 2, 1, 3}), "reshape 1x-1x1x3");
  c.in[0].dim[0] = 5;                     /* a new batch size: -1 follows */
  c.attrs = "shape=-1:3";
  tap_ok(shape_is(&c, 2, (const int[]){5, 3}), "reshape -1x3 of 5x3 (batch changed)");
  {
    const int x[6] = {7, -8, 9, 10, 2147483647, -2147483647 - 1};
    int_ok("reshape", "shape=3:-1", 2, (const int[]){2, 3}, x, x, 6);
    int_ok("flatten", NULL, 3, (const int[]){1, 2, 3}, x, x, 6);
  }
  c.in[0].dim[0] = 2;
  c.attrs = "shape=4:2";
  shape_err(&c, "reshape: cannot reshape 2x3 into 4x2");
  c.attrs = "shape=-1:-1";
  shape_err(&c, "reshape: cannot reshape 2x3 into -1x-1");
  c.attrs = "shape=-1:4";
  shape_err(&c, "reshape: cannot reshape 2x3 into -1x4");
}

static void test_flatten (void) {
  opcheck_case c = {"flatten", 1, {{3, {2, 3, 4}, 0, NULL, 0}}, NULL, 0, 0, 0, 0, 0};
  tap_ok(shape_is(&c, 2, (const int[]){2, 12}), "flatten 2x3x4 -> 2x12");
  grad_ok(&c, 1e-2);
  c.attrs = "start_dim=0";
  tap_ok(shape_is(&c, 1, (const int[]){24}), "flatten start_dim=0 -> 24");
  c.attrs = "start_dim=0,end_dim=-2";
  tap_ok(shape_is(&c, 2, (const int[]){6, 4}), "flatten 0..-2 -> 6x4");
  c.attrs = "start_dim=1,end_dim=1";
  tap_ok(shape_is(&c, 3, (const int[]){2, 3, 4}), "flatten of one dim: unchanged");
  c.attrs = "start_dim=3";
  shape_err(&c, "flatten: dim 3 out of range for shape 2x3x4");
  c.attrs = "start_dim=2,end_dim=1";
  shape_err(&c, "flatten: start_dim 2 comes after end_dim 1");
}

static void test_transpose (void) {
  opcheck_case c = {"transpose", 1, {{2, {2, 3}, 0, NULL, 0}}, NULL, 0, 0, 0, 0, 0};
  const float *xs[1] = {m23};
  const float t[6] = {1, 4, 2, 5, 3, 6};
  tap_ok(run_vals(&c, xs, t, 6, t, (const float *const[]){m23})
         && shape_is(&c, 2, (const int[]){3, 2}),
         "transpose [[1,2,3],[4,5,6]] = [[1,4],[2,5],[3,6]]; gradient back");
  c.in[0].ndim = 3;
  c.in[0].dim[0] = 2; c.in[0].dim[1] = 3; c.in[0].dim[2] = 4;
  c.attrs = "dim0=0,dim1=2";
  tap_ok(shape_is(&c, 3, (const int[]){4, 3, 2}), "transpose dims 0, 2 of 2x3x4");
  grad_ok(&c, 1e-2);
  c.attrs = "dim0=-1,dim1=-2";
  grad_ok(&c, 1e-2);
  {
    const int x[6] = {1, 2, 3, 4, 5, 6}, w[6] = {1, 4, 2, 5, 3, 6};
    int_ok("transpose", NULL, 2, (const int[]){2, 3}, x, w, 6);
  }
  c.attrs = "dim0=0,dim1=3";
  shape_err(&c, "transpose: dim 3 out of range for shape 2x3x4");
}

static void test_permute (void) {
  opcheck_case c = {"permute", 1, {{3, {2, 3, 4}, 0, NULL, 0}}, "perm=2:0:1", 0, 0, 0, 0, 0};
  opcheck_run r;
  int ok = opcheck_setup(&c, &r, 2u) == 0 && r.out.dim[0] == 4
    && r.out.dim[1] == 2 && r.out.dim[2] == 3, i, j, k;
  if (ok) {
    opcheck_forward(&r, 0);
    for (i = 0; i < 2; i++) for (j = 0; j < 3; j++) for (k = 0; k < 4; k++)
      if (r.out.x[(k * 2 + i) * 3 + j] != r.in[0].x[(i * 3 + j) * 4 + k]) ok = 0;
  }
  opcheck_free(&r);
  tap_ok(ok, "permute 2:0:1 of 2x3x4: y[k][i][j] = x[i][j][k]");
  grad_ok(&c, 1e-2);
  c.attrs = "perm=-1:-3:1";
  grad_ok(&c, 1e-2);
  c.attrs = "perm=0:1:2";
  grad_ok(&c, 1e-2);
  {
    const int x[6] = {1, 2, 3, 4, 5, 6}, w[6] = {1, 4, 2, 5, 3, 6};
    int_ok("permute", "perm=1:0", 2, (const int[]){2, 3}, x, w, 6);
  }
  c.attrs = "perm=0:1";
  shape_err(&c, "permute: [0x1] is not a permutation of the dims of shape 2x3x4");
  c.attrs = "perm=0:1:1";
  shape_err(&c, "is not a permutation");
  c.attrs = "perm=0:1:3";
  shape_err(&c, "is not a permutation");
}

static void test_slice (void) {
  static const float ten[10] = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  opcheck_case c = {"slice", 1, {{1, {10}, 0, NULL, 0}}, "start=-3", 0, 0, 0, 0, 0};
  const float *xs[1] = {ten};
  tap_ok(run_vals(&c, xs, (const float[]){7, 8, 9}, 3, NULL, NULL), "slice [-3:] = 7 8 9");
  c.attrs = "start=1,stop=8,step=3";
  tap_ok(run_vals(&c, xs, (const float[]){1, 4, 7}, 3, (const float[]){1, 2, 3},
                  (const float *const[]){(const float[]){0, 1, 0, 0, 2, 0, 0, 3, 0, 0}}),
         "slice [1:8:3] = 1 4 7; gradient scattered");
  c.attrs = "start=-100,stop=-8";
  tap_ok(run_vals(&c, xs, (const float[]){0, 1}, 2, NULL, NULL), "slice [-100:-8] clamps");
  c.attrs = "start=5,stop=100,step=4";
  tap_ok(run_vals(&c, xs, (const float[]){5, 9}, 2, NULL, NULL), "slice [5:100:4]");
  c.attrs = "start=7,stop=3";
  tap_ok(shape_is(&c, 1, (const int[]){0}), "slice [7:3] is empty");
  c.in[0].ndim = 3;
  c.in[0].dim[0] = 3; c.in[0].dim[1] = 5; c.in[0].dim[2] = 2;
  c.attrs = "axis=1,start=1,stop=-1";
  tap_ok(shape_is(&c, 3, (const int[]){3, 3, 2}), "slice axis 1 [1:-1] of 3x5x2");
  grad_ok(&c, 1e-2);
  c.attrs = "axis=-1,start=1";
  grad_ok(&c, 1e-2);
  c.attrs = "axis=0,step=2";
  grad_ok(&c, 1e-2);
  {
    const int x[6] = {1, 2, 3, 4, 5, 6}, w[2] = {2, 5};
    int_ok("slice", "axis=1,start=1,stop=2", 2, (const int[]){2, 3}, x, w, 2);
  }
  c.attrs = "axis=3";
  shape_err(&c, "slice: axis 3 out of range for shape 3x5x2");
  c.attrs = "step=0";
  shape_err(&c, "slice: step must be >= 1");
}

static void test_concat (void) {
  opcheck_case c = {"concat", 2, {{2, {2, 3}, 0, NULL, 0}, {2, {2, 2}, 0, NULL, 0}},
                    "axis=1", 0, 0, 0, 0, 0};
  const float b[4] = {7, 8, 9, 10}, *xs[2] = {m23, b};
  const float w[10] = {1, 2, 3, 7, 8, 4, 5, 6, 9, 10};
  const float g[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  const float ga[6] = {1, 2, 3, 6, 7, 8}, gb[4] = {4, 5, 9, 10};
  tap_ok(run_vals(&c, xs, w, 10, g, (const float *const[]){ga, gb}),
         "concat axis 1 of 2x3 and 2x2; gradient split back");
  grad_ok(&c, 1e-2);
  c.attrs = "axis=-1";
  grad_ok(&c, 1e-2);
  {
    opcheck_case c3 = {"concat", 3, {{3, {1, 2, 3}, 0, NULL, 0},
                                     {3, {4, 2, 3}, 0, NULL, 0},
                                     {3, {2, 2, 3}, 0, NULL, 0}}, NULL, 0, 0, 0, 0, 0};
    tap_ok(shape_is(&c3, 3, (const int[]){7, 2, 3}), "concat axis 0 of three");
    grad_ok(&c3, 1e-2);
    c3.n_in = 1;
    grad_ok(&c3, 1e-2);
  }
  {
    const int x[4] = {1, 2, 3, 4};
    opcheck_case ci = {"concat", 2, {{1, {4}, 1, x, 0}, {1, {2}, 1, x, 0}}, NULL, 0, 0, 0, 0, 0};
    opcheck_run r;
    int ok = opcheck_setup(&ci, &r, 1u) == 0 && r.out.dtype == LN_I32
      && r.out.dim[0] == 6;
    if (ok) {
      opcheck_forward(&r, 0);
      ok = LN_XI(&r.out)[3] == 4 && LN_XI(&r.out)[4] == 1 && LN_XI(&r.out)[5] == 2;
    }
    opcheck_free(&r);
    tap_ok(ok, "concat of int32 inputs stays int32");
    ci.in[1].i32 = 0;
    shape_err(&ci, "concat: input 2 is float32, input 1 int32");
  }
  c.attrs = "axis=0";
  shape_err(&c, "concat: shapes 2x3 and 2x2 do not fit along axis 0");
  c.attrs = "axis=2";
  shape_err(&c, "concat: axis 2 out of range for shape 2x3");
  c.in[1].ndim = 3;
  c.attrs = "axis=1";
  shape_err(&c, "concat: shapes 2x3 and 2x2x0 do not fit");
}

int main (void) {
  test_reshape();
  test_flatten();
  test_transpose();
  test_permute();
  test_slice();
  test_concat();
  return tap_done();
}
