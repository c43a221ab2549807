/*
** test_ops_conv.c -- conv2d, max_pool2d, avg_pool2d: values by hand and
** against a direct convolution, gradients, errors.
*/
#include "opvals.h"

#define IN(nd, ...) {.ndim = nd, .dim = {__VA_ARGS__}}

#define near opcheck_near
#define grad_ok opcheck_grad_ok
#define shape_err(c, sub) opcheck_shape_err(c, sub, 0)

#define values_ok opvals_ok

/* stride, padding, dilation per axis (height, width) and groups */
typedef struct axes { int sh, sw, ph, pw, dh, dw, G; } axes;
#define SAME(s, p, d, G) ((axes){s, s, p, p, d, d, G})

/* direct convolution of the run's inputs; max abs difference to out */
static double direct_diff (const opcheck_run *r, axes a_) {
  const ln_node *x = &r->in[0], *w = &r->in[1], *y = &r->out;
  int N = x->dim[0], C = x->dim[1], H = x->dim[2], W = x->dim[3];
  int O = w->dim[0], Cg = w->dim[1], kh = w->dim[2], kw = w->dim[3];
  int OH = y->dim[2], OW = y->dim[3], n, o, i, j, c, a, b, G = a_.G;
  double worst = 0;
  (void)C;
  for (n = 0; n < N; n++)
    for (o = 0; o < O; o++)
      for (i = 0; i < OH; i++)
        for (j = 0; j < OW; j++) {
          double sum = r->out.n_in == 3 ? r->in[2].x[o] : 0;
          int g = o / (O / G);
          for (c = 0; c < Cg; c++)
            for (a = 0; a < kh; a++)
              for (b = 0; b < kw; b++) {
                int ih = i * a_.sh - a_.ph + a * a_.dh;
                int iw = j * a_.sw - a_.pw + b * a_.dw;
                if (ih < 0 || ih >= H || iw < 0 || iw >= W) continue;
                sum += (double)x->x[((n * C + g * Cg + c) * H + ih) * W + iw] *
                       w->x[((o * Cg + c) * kh + a) * kw + b];
              }
          sum -= y->x[((n * O + o) * OH + i) * OW + j];
          if (fabs(sum) > worst) worst = fabs(sum);
        }
  return worst;
}

static void direct_ok (const opcheck_case *c, axes a, const char *what) {
  opcheck_run r;
  double diff = -1;
  if (opcheck_setup(c, &r, 7u) == 0) {
    opcheck_forward(&r, 0);
    diff = direct_diff(&r, a);
  }
  tap_ok(diff >= 0 && diff < 1e-4, "%s matches a direct convolution (%.2g)",
         what, diff);
  opcheck_free(&r);
}

/* workspace sized for one thread, run with more: still right */
static void more_threads_ok (const opcheck_case *c) {
  opcheck_run r;
  double diff = -1;
  int keep = ln_get_threads();
  ln_set_threads(1);
  if (opcheck_setup(c, &r, 7u) == 0) {
    ln_set_threads(4);
    opcheck_forward(&r, 0);
    opcheck_backward(&r, 0);
    diff = direct_diff(&r, SAME(1, 2, 1, 1));
  }
  ln_set_threads(keep);
  tap_ok(diff >= 0 && diff < 1e-4, "conv2d with more threads than its "
         "workspace was sized for (%.2g)", diff);
  opcheck_free(&r);
}

static void test_conv2d (void) {
  opcheck_case g1 = {.op = "conv2d", .n_in = 3,
                     .in = {IN(4, 2, 4, 7, 7), IN(4, 6, 2, 3, 3), IN(1, 6)},
                     .attrs = "stride=2,padding=1,dilation=2,groups=2"};
  opcheck_case g2 = {.op = "conv2d", .n_in = 2,
                     .in = {IN(4, 2, 4, 7, 7), IN(4, 6, 2, 3, 3)},
                     .attrs = "stride=2,padding=1,dilation=2,groups=2"};
  opcheck_case g3 = {.op = "conv2d", .n_in = 3,
                     .in = {IN(4, 3, 2, 6, 5), IN(4, 3, 2, 5, 5), IN(1, 3)},
                     .attrs = "padding=2"};
  opcheck_case g4 = {.op = "conv2d", .n_in = 2,
                     .in = {IN(4, 2, 3, 5, 4), IN(4, 4, 3, 2, 3)}};
  opcheck_case g5 = {.op = "conv2d", .n_in = 3,
                     .in = {IN(4, 3, 4, 3, 3), IN(4, 2, 4, 1, 1), IN(1, 2)}};
  opcheck_case v1 = {.op = "conv2d", .n_in = 2,
                     .in = {IN(4, 1, 1, 3, 3), IN(4, 1, 1, 3, 3)},
                     .attrs = "padding=1"};
  opcheck_case v2 = {.op = "conv2d", .n_in = 2,
                     .in = {IN(4, 1, 1, 3, 3), IN(4, 1, 1, 3, 3)},
                     .attrs = "padding=1,stride=2"};
  opcheck_case v3 = {.op = "conv2d", .n_in = 3,
                     .in = {IN(4, 1, 1, 3, 3), IN(4, 1, 1, 2, 2), IN(1, 1)}};
  opcheck_case d1 = {.op = "conv2d", .n_in = 3,
                     .in = {IN(4, 5, 4, 9, 8), IN(4, 6, 2, 3, 2), IN(1, 6)},
                     .attrs = "stride=2,padding=2,dilation=2,groups=2"};
  opcheck_case e1 = {.op = "conv2d", .n_in = 2,
                     .in = {IN(4, 8, 3, 5, 5), IN(4, 4, 2, 3, 3)}};
  opcheck_case e2 = {.op = "conv2d", .n_in = 2,
                     .in = {IN(4, 1, 1, 2, 2), IN(4, 1, 1, 3, 3)}};
  opcheck_case e3 = {.op = "conv2d", .n_in = 3,
                     .in = {IN(4, 1, 1, 4, 4), IN(4, 2, 1, 3, 3), IN(1, 3)}};
  opcheck_case e4 = {.op = "conv2d", .n_in = 2,
                     .in = {IN(3, 1, 4, 4), IN(4, 2, 1, 3, 3)}};
  float x[] = {1, 2, 3, 4, 5, 6, 7, 8, 9}, ones[] = {1, 1, 1, 1, 1, 1, 1, 1, 1};
  float w[] = {1, 2, 3, 4}, b[] = {1};
  float want1[] = {12, 21, 16, 27, 45, 33, 24, 39, 28}, want2[] = {12, 16, 24, 28};
  float want3[] = {38, 48, 68, 78};
  const float *p1[] = {x, ones}, *p3[] = {x, w, b};
  grad_ok(&g1, 1e-2, "conv2d stride 2, padding 1, dilation 2, groups 2, bias");
  grad_ok(&g2, 1e-2, "conv2d stride 2, padding 1, dilation 2, groups 2, no bias");
  grad_ok(&g3, 1e-2, "conv2d 5x5 padding 2, bias");
  grad_ok(&g4, 1e-2, "conv2d 2x3 kernel, no padding, no bias");
  grad_ok(&g5, 1e-2, "conv2d 1x1, bias");
  values_ok(&v1, p1, want1, 9, 1e-6, "conv2d 3x3 ones kernel, padding 1, by hand");
  values_ok(&v2, p1, want2, 4, 1e-6, "conv2d 3x3 ones kernel, padding 1, stride 2");
  values_ok(&v3, p3, want3, 4, 1e-6, "conv2d 2x2 kernel with bias by hand");
  direct_ok(&d1, SAME(2, 2, 2, 2), "conv2d strided dilated grouped");
  direct_ok(&g3, SAME(1, 2, 1, 1), "conv2d 5x5 padding 2");
  more_threads_ok(&g3);
  shape_err(&e1, "conv2d: input 8x3x5x5 has 3 channels, weight 4x2x3x3 "
            "expects 2 (groups 1)");
  shape_err(&e2, "conv2d: output size");
  shape_err(&e3, "conv2d: bias 3 does not fit");
  shape_err(&e4, "must be 4-D");
}

/* a relu fused into the convolution (the plan's epilogue) gives
** max(conv, 0) of the same inputs, bias included */
static void fused_relu_ok (const opcheck_case *c, const char *what) {
  opcheck_case f = *c;
  opcheck_run a, b;
  size_t i;
  int ok;
  f.fuse = LN_FUSE_RELU;
  ok = opcheck_setup(c, &a, 5u) == 0 && opcheck_setup(&f, &b, 5u) == 0;
  if (ok) {
    opcheck_forward(&a, 0);
    opcheck_forward(&b, 0);
    for (i = 0; i < ln_numel(&a.out); i++)
      ok &= b.out.x[i] == (a.out.x[i] > 0 ? a.out.x[i] : 0);
  }
  tap_ok(ok, "%s with a fused relu", what);
  opcheck_free(&a);
  opcheck_free(&b);
}

/* per-axis stride, padding, dilation and groups (depthwise included), on
** the kernel path of the current opcheck mode */
static void conv2d_axes (const char *path) {
  opcheck_case a1 = {.op = "conv2d", .n_in = 3,
                     .in = {IN(4, 2, 4, 7, 6), IN(4, 4, 2, 3, 2), IN(1, 4)},
                     .attrs = "stride=2:1,padding=1:0,dilation=1:2,groups=2"};
  opcheck_case a2 = {.op = "conv2d", .n_in = 2,
                     .in = {IN(4, 1, 3, 6, 7), IN(4, 2, 3, 1, 3)},
                     .attrs = "stride=1:2,padding=0:1,dilation=2:1"};
  opcheck_case dw1 = {.op = "conv2d", .n_in = 3,
                      .in = {IN(4, 2, 3, 5, 5), IN(4, 3, 1, 3, 3), IN(1, 3)},
                      .attrs = "padding=1,groups=3"};
  opcheck_case dw2 = {.op = "conv2d", .n_in = 2,
                      .in = {IN(4, 1, 2, 7, 6), IN(4, 4, 1, 5, 3)},
                      .attrs = "stride=2,padding=2:1,groups=2"};
  opcheck_case dw3 = {.op = "conv2d", .n_in = 3,
                      .in = {IN(4, 2, 16, 9, 8), IN(4, 16, 1, 3, 3), IN(1, 16)},
                      .attrs = "stride=2:1,padding=1,dilation=1:2,groups=16"};
  char what[160];
#define NAMED(s) (snprintf(what, sizeof(what), "%s (%s)", s, path), what)
  grad_ok(&a1, 1e-2, NAMED("conv2d stride 2:1, padding 1:0, dilation 1:2, groups 2, bias"));
  grad_ok(&a2, 1e-2, NAMED("conv2d 1x3 kernel, stride 1:2, padding 0:1, dilation 2:1"));
  grad_ok(&dw1, 1e-2, NAMED("conv2d depthwise 3x3, padding 1, bias"));
  grad_ok(&dw2, 1e-2, NAMED("conv2d depthwise x2 channels, stride 2, padding 2:1"));
  grad_ok(&dw3, 1e-2, NAMED("conv2d depthwise 16 channels, stride 2:1, dilation 1:2, bias"));
  direct_ok(&a1, (axes){2, 1, 1, 0, 1, 2, 2}, NAMED("conv2d per-axis grouped"));
  direct_ok(&a2, (axes){1, 2, 0, 1, 2, 1, 1}, NAMED("conv2d 1x3 per-axis"));
  direct_ok(&dw2, (axes){2, 2, 2, 1, 1, 1, 2}, NAMED("conv2d depthwise x2"));
  direct_ok(&dw3, (axes){2, 1, 1, 1, 1, 2, 16}, NAMED("conv2d depthwise 16"));
  fused_relu_ok(&a1, NAMED("conv2d per-axis grouped, bias"));
  fused_relu_ok(&dw3, NAMED("conv2d depthwise 16, bias"));
#undef NAMED
}

/* the C side of pair attributes: the second value's slot after every
** attribute, set and read through the API; an array filled one value per
** attribute (C code and model files from before pairs) means the same
** value on both axes */
static void attr_pairs_ok (void) {
  int op = ln_op_find("conv2d"), pool = ln_op_find("max_pool2d");
  int ks = ln_op_attr_index(op, "stride"), kg = ln_op_attr_index(op, "groups");
  int kk = ln_op_attr_index(pool, "kernel");
  double attr[LN_MAX_ATTRS] = {2, 0, 1, 1}, h, w;
  ln_node x, wt, y;
  tap_ok(ks == 0 && kg == 3 && ln_op_attr_pair(op, ks) == 4 &&
         ln_op_attr_pair(op, ln_op_attr_index(op, "dilation")) == 6 &&
         ln_op_attr_pair(op, kg) == -1 && ln_op_attr_pair(pool, kk) == 3,
         "pair attributes: first value in the attribute's slot, second after "
         "all attributes, groups single");
  ln_op_attr_get_pair(op, attr, ks, &h, &w);
  tap_ok(h == 2 && w == 2, "a one-value-per-attribute array: stride 2 on both axes");
  memset(&x, 0, sizeof(x)); memset(&wt, 0, sizeof(wt)); memset(&y, 0, sizeof(y));
  x.dtype = wt.dtype = LN_F32;
  x.ndim = wt.ndim = 4;
  x.dim[0] = 1; x.dim[1] = 1; x.dim[2] = 7; x.dim[3] = 9;
  wt.dim[0] = 1; wt.dim[1] = 1; wt.dim[2] = 3; wt.dim[3] = 3;
  y.op = op; y.n_in = 2; y.in[0] = &x; y.in[1] = &wt;
  memcpy(y.attr, attr, sizeof(attr));
  tap_ok(ln_node_desc(&y)->shape(&y) == LN_OK && y.dim[2] == 3 && y.dim[3] == 4,
         "conv2d from a one-value-per-attribute array: 7x9 -> 3x4 (stride 2x2)");
  ln_op_attr_set_pair(op, y.attr, ks, 1, 3);
  ln_op_attr_get_pair(op, y.attr, ks, &h, &w);
  tap_ok(h == 1 && w == 3 && ln_node_desc(&y)->shape(&y) == LN_OK &&
         y.dim[2] == 5 && y.dim[3] == 3, "ln_op_attr_set_pair: stride 1x3 -> 5x3");
  tap_ok(ln_op_attr_set_pair(op, y.attr, kg, 2, 3) == LN_EARG &&
         ln_op_attr_set_pair(op, y.attr, kg, 2, 2) == LN_OK,
         "ln_op_attr_set_pair refuses two values for a single attribute");
}

static void test_conv2d_axes (void) {
  opcheck_case e1 = {.op = "conv2d", .n_in = 2,
                     .in = {IN(4, 1, 4, 5, 5), IN(4, 4, 2, 3, 3)},
                     .attrs = "stride=1:0,groups=2"};
  opcheck_case e2 = {.op = "conv2d", .n_in = 2,
                     .in = {IN(4, 1, 4, 5, 5), IN(4, 4, 2, 3, 3)},
                     .attrs = "stride=1.5,groups=2"};
  opcheck_case e3 = {.op = "conv2d", .n_in = 2,
                     .in = {IN(4, 1, 4, 5, 5), IN(4, 3, 1, 3, 3)},
                     .attrs = "groups=3"};
  opcheck_case e4 = {.op = "conv2d", .n_in = 2,
                     .in = {IN(4, 1, 4, 5, 5), IN(4, 4, 2, 3, 3)},
                     .attrs = "padding=0:-1,groups=2"};
  opcheck_case e5 = {.op = "conv2d", .n_in = 2,
                     .in = {IN(4, 1, 4, 5, 2), IN(4, 4, 2, 3, 3)},
                     .attrs = "padding=1:0,groups=2"};
  opcheck_case e6 = {.op = "conv2d", .n_in = 2,
                     .in = {IN(4, 1, 4, 5, 5), IN(4, 4, 2, 3, 3)},
                     .attrs = "groups=0"};
  int keep = opcheck_mode;
  attr_pairs_ok();
  opcheck_mode = OPCHECK_PREPARED;
  conv2d_axes(ln_dnnl_prefer_conv() ? "oneDNN" : "prepared: im2col");
  opcheck_mode = OPCHECK_PORTABLE;
  conv2d_axes("im2col");
  opcheck_mode = keep;
  shape_err(&e1, "conv2d: stride must be whole numbers >= 1, got 1x0 (input 1x4x5x5)");
  shape_err(&e2, "conv2d: stride must be whole numbers >= 1, got 1.5x1.5");
  shape_err(&e3, "conv2d: input 1x4x5x5 has 4 channels, not divisible by groups 3");
  shape_err(&e4, "conv2d: padding must be whole numbers >= 0, got 0x-1");
  shape_err(&e5, "conv2d: output size 5x0 < 1: kernel 3x3 (dilation 1x1: it spans "
            "3x3) is larger than the padded input 7x2");
  shape_err(&e6, "conv2d: groups must be a whole number >= 1, got 0");
}

/* ties and an odd width (the 2x2 path, whose last column is dropped): the
** first maximum of each window in row-major order takes the gradient */
static void max_pool_ties_ok (void) {
  opcheck_case c = {.op = "max_pool2d", .n_in = 1, .in = {IN(4, 1, 1, 4, 5)}};
  opcheck_run r;
  float x[20] = {1, 1, 2, 3, 9,
                 1, 0, 3, 2, 9,
                 0, 5, 7, 7, 9,
                 5, 5, 7, 7, 9};
  float want_g[20] = {1, 0, 0, 1, 0,
                      0, 0, 0, 0, 0,
                      0, 1, 1, 0, 0,
                      0, 0, 0, 0, 0};
  int ok = opcheck_setup(&c, &r, 1u) == 0, i;
  if (ok) {
    memcpy(r.in[0].x, x, sizeof(x));
    memset(r.in[0].g, 0, sizeof(x));
    opcheck_forward(&r, 1);
    for (i = 0; i < 4; i++) r.out.g[i] = 1;
    opcheck_backward(&r, 1);
    ok = r.out.x[0] == 1 && r.out.x[1] == 3 && r.out.x[2] == 5 && r.out.x[3] == 7;
    for (i = 0; i < 20; i++) ok &= r.in[0].g[i] == want_g[i];
  }
  opcheck_free(&r);
  tap_ok(ok, "max_pool2d 2x2 with ties and an odd width: first maximum wins");
}

/* the 2x2 path over rows long enough for its vector loop (37 columns: a
** vector body and a scalar tail), values with many ties and some NaNs,
** against the plain scan in row-major order: the same maxima (NaN where a
** window starts with one) and the same argmax (the gradient's position) */
static void max_pool_wide_ok (void) {
  opcheck_case c = {.op = "max_pool2d", .n_in = 1, .in = {IN(4, 2, 3, 6, 37)}};
  opcheck_run r;
  int ok = opcheck_setup(&c, &r, 1u) == 0, pl, oh, ow, bad = 0;
  size_t i, len = 2 * 3 * 6 * 37;
  unsigned s = 4242u;
  if (ok) {
    for (i = 0; i < len; i++) {
      double u = opcheck_uniform(&s, 0, 1);
      r.in[0].x[i] = u < 0.03 ? NAN : (float)(int)(u * 4);   /* 0..3: ties */
    }
    memset(r.in[0].g, 0, len * sizeof(float));
    opcheck_forward(&r, 1);
    for (i = 0; i < ln_numel(&r.out); i++) r.out.g[i] = 1;
    opcheck_backward(&r, 1);
    for (pl = 0; pl < 6; pl++)
      for (oh = 0; oh < 3; oh++)
        for (ow = 0; ow < 18; ow++) {
          const float *x = r.in[0].x + pl * 6 * 37;
          int at[4] = {2 * oh * 37 + 2 * ow, 2 * oh * 37 + 2 * ow + 1,
                       (2 * oh + 1) * 37 + 2 * ow, (2 * oh + 1) * 37 + 2 * ow + 1};
          int k, best = at[0];
          float m = x[best], y = r.out.x[(pl * 3 + oh) * 18 + ow];
          for (k = 1; k < 4; k++) if (x[at[k]] > m) { m = x[at[k]]; best = at[k]; }
          if (!(y == m || (isnan(y) && isnan(m)))) bad++;
          if (r.in[0].g[pl * 6 * 37 + best] != 1) bad++;
        }
  }
  opcheck_free(&r);
  tap_ok(ok && bad == 0, "max_pool2d 2x2 over wide rows with ties and NaNs: "
         "the plain scan's maxima and argmax (%d wrong)", bad);
}

/* the first writer of dL/dx (the plan's assign bit) overwrites junk with
** what '+=' adds to zero, bit for bit (odd sizes: rows and columns no
** window covers get 0) */
static void pool_assign_ok (void) {
  static const opcheck_case cases[] = {
    {.op = "max_pool2d", .n_in = 1, .in = {IN(4, 2, 3, 7, 9)}},
    {.op = "max_pool2d", .n_in = 1, .in = {IN(4, 2, 3, 7, 9)}, .attrs = "kernel=3,stride=2,padding=1"},
    {.op = "avg_pool2d", .n_in = 1, .in = {IN(4, 2, 3, 7, 9)}},
    {.op = "avg_pool2d", .n_in = 1, .in = {IN(4, 2, 3, 7, 9)}, .attrs = "kernel=3,stride=2,padding=1"},
  };
  size_t i;
  for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
    float a[378], b[378];
    int ok = opcheck_grad_assign(cases[i], 0, 0.0f, a, 378) &&
             opcheck_grad_assign(cases[i], 1u, 7.0f, b, 378);
    tap_ok(ok && memcmp(a, b, sizeof(a)) == 0, "%s %s: '=' gradient over junk "
           "equals '+=' from zero", cases[i].op, cases[i].attrs ? cases[i].attrs : "2x2");
  }
}

static void test_pools (void) {
  opcheck_case g1 = {.op = "max_pool2d", .n_in = 1, .in = {IN(4, 2, 3, 6, 6)}};
  opcheck_case g2 = {.op = "max_pool2d", .n_in = 1, .in = {IN(4, 2, 2, 7, 6)},
                     .attrs = "kernel=3,stride=2,padding=1"};
  opcheck_case g3 = {.op = "avg_pool2d", .n_in = 1, .in = {IN(4, 2, 3, 6, 6)}};
  opcheck_case g4 = {.op = "avg_pool2d", .n_in = 1, .in = {IN(4, 2, 2, 7, 6)},
                     .attrs = "kernel=3,stride=2,padding=1"};
  opcheck_case v1 = {.op = "max_pool2d", .n_in = 1, .in = {IN(4, 1, 1, 4, 4)}};
  opcheck_case v2 = {.op = "avg_pool2d", .n_in = 1, .in = {IN(4, 1, 1, 4, 4)}};
  opcheck_case v3 = {.op = "max_pool2d", .n_in = 1, .in = {IN(4, 1, 1, 4, 4)},
                     .attrs = "kernel=3,stride=1,padding=1"};
  opcheck_case v4 = {.op = "avg_pool2d", .n_in = 1, .in = {IN(4, 1, 1, 2, 2)},
                     .attrs = "kernel=2,stride=1,padding=1"};
  opcheck_case e1 = {.op = "max_pool2d", .n_in = 1, .in = {IN(4, 1, 1, 4, 4)},
                     .attrs = "kernel=5"};
  opcheck_case e2 = {.op = "avg_pool2d", .n_in = 1, .in = {IN(4, 1, 1, 4, 4)},
                     .attrs = "kernel=2,padding=2"};
  float x[] = {1, 2, 5, 3, 4, 0, 1, 8, 9, 7, 2, 2, 3, 6, 4, 1};
  float wmax[] = {4, 8, 9, 4}, wavg[] = {1.75f, 4.25f, 6.25f, 2.25f};
  float wmax3[] = {4, 5, 8, 8, 9, 9, 8, 8, 9, 9, 8, 8, 9, 9, 7, 4};
  float x4[] = {1, 2, 3, 4};
  float wavg4[] = {0.25f, 0.75f, 0.5f, 1, 2.5f, 1.5f, 0.75f, 1.75f, 1};
  const float *p[] = {x}, *p4[] = {x4};
  grad_ok(&g1, 1e-3, "max_pool2d 2x2");
  grad_ok(&g2, 1e-3, "max_pool2d kernel 3, stride 2, padding 1");
  grad_ok(&g3, 1e-2, "avg_pool2d 2x2");
  grad_ok(&g4, 1e-2, "avg_pool2d kernel 3, stride 2, padding 1");
  values_ok(&v1, p, wmax, 4, 0, "max_pool2d of a 4x4 by hand");
  values_ok(&v2, p, wavg, 4, 1e-6, "avg_pool2d of a 4x4 by hand");
  values_ok(&v3, p, wmax3, 16, 0, "max_pool2d 3x3 stride 1 padding 1 by hand");
  values_ok(&v4, p4, wavg4, 9, 1e-6, "avg_pool2d counts padding");
  shape_err(&e1, "max_pool2d: output size");
  shape_err(&e2, "at most half the kernel");
  max_pool_ties_ok();
  max_pool_wide_ok();
  pool_assign_ok();
}

/* kernel, stride and padding per axis */
static void test_pools_axes (void) {
  opcheck_case g1 = {.op = "max_pool2d", .n_in = 1, .in = {IN(4, 2, 2, 5, 7)},
                     .attrs = "kernel=2:3,stride=1:2,padding=1:1"};
  opcheck_case g2 = {.op = "max_pool2d", .n_in = 1, .in = {IN(4, 1, 2, 7, 6)},
                     .attrs = "kernel=3:2,padding=1:0"};
  opcheck_case g3 = {.op = "avg_pool2d", .n_in = 1, .in = {IN(4, 2, 2, 5, 7)},
                     .attrs = "kernel=2:3,stride=2:1,padding=1:1"};
  opcheck_case g4 = {.op = "avg_pool2d", .n_in = 1, .in = {IN(4, 1, 2, 8, 9)},
                     .attrs = "kernel=3,stride=1:2"};
  opcheck_case v1 = {.op = "max_pool2d", .n_in = 1, .in = {IN(4, 1, 1, 4, 4)},
                     .attrs = "kernel=2:1,stride=2:1"};
  opcheck_case v2 = {.op = "avg_pool2d", .n_in = 1, .in = {IN(4, 1, 1, 4, 4)},
                     .attrs = "kernel=1:2,stride=1:2,padding=0:1"};
  opcheck_case e1 = {.op = "max_pool2d", .n_in = 1, .in = {IN(4, 1, 1, 4, 4)},
                     .attrs = "kernel=0:2"};
  opcheck_case e2 = {.op = "avg_pool2d", .n_in = 1, .in = {IN(4, 1, 1, 4, 4)},
                     .attrs = "kernel=2:3,padding=0:2"};
  opcheck_case e3 = {.op = "max_pool2d", .n_in = 1, .in = {IN(4, 1, 1, 4, 4)},
                     .attrs = "kernel=2:5"};
  opcheck_case e4 = {.op = "avg_pool2d", .n_in = 1, .in = {IN(4, 1, 1, 4, 4)},
                     .attrs = "kernel=2,stride=-1:2"};
  static const opcheck_case assign[] = {
    {.op = "max_pool2d", .n_in = 1, .in = {IN(4, 2, 3, 7, 9)}, .attrs = "kernel=3:2,stride=2:1,padding=1:0"},
    {.op = "avg_pool2d", .n_in = 1, .in = {IN(4, 2, 3, 7, 9)}, .attrs = "kernel=2:3,stride=1:2,padding=1:1"},
  };
  float x[] = {1, 2, 5, 3, 4, 0, 1, 8, 9, 7, 2, 2, 3, 6, 4, 1};
  float wmax[] = {4, 2, 5, 8, 9, 7, 4, 2};
  float wavg[] = {0.5f, 3.5f, 1.5f, 2, 0.5f, 4, 4.5f, 4.5f, 1, 1.5f, 5, 0.5f};
  const float *p[] = {x};
  size_t i;
  grad_ok(&g1, 1e-3, "max_pool2d kernel 2:3, stride 1:2, padding 1:1");
  grad_ok(&g2, 1e-3, "max_pool2d kernel 3:2 (stride = kernel), padding 1:0");
  grad_ok(&g3, 1e-2, "avg_pool2d kernel 2:3, stride 2:1, padding 1:1");
  grad_ok(&g4, 1e-2, "avg_pool2d kernel 3, stride 1:2");
  values_ok(&v1, p, wmax, 8, 0, "max_pool2d kernel 2:1, stride 2:1 by hand");
  values_ok(&v2, p, wavg, 12, 1e-6, "avg_pool2d kernel 1:2, stride 1:2, padding 0:1 by hand");
  shape_err(&e1, "max_pool2d: kernel must be whole numbers >= 1, got 0x2");
  shape_err(&e2, "avg_pool2d: padding 0x2 must be at most half the kernel 2x3");
  shape_err(&e3, "max_pool2d: output size 2x0 < 1: kernel 2x5 is larger than the "
            "padded input 4x4");
  shape_err(&e4, "avg_pool2d: stride (0: the kernel) must be whole numbers >= 0, got -1x2");
  for (i = 0; i < sizeof(assign) / sizeof(assign[0]); i++) {
    float a[378], b[378];
    int ok = opcheck_grad_assign(assign[i], 0, 0.0f, a, 378) &&
             opcheck_grad_assign(assign[i], 1u, 7.0f, b, 378);
    tap_ok(ok && memcmp(a, b, sizeof(a)) == 0, "%s %s: '=' gradient over junk "
           "equals '+=' from zero", assign[i].op, assign[i].attrs);
  }
}

int main (void) {
  test_conv2d();
  test_conv2d_axes();
  test_pools();
  test_pools_axes();
  printf("1..%d\n", tap_count);
  return tap_done();
}
