/*
** test_layers.c -- the C layer helpers (luanet/layers.h): shapes, names and
** parameter counts of ln_mlp and ln_cnn; ln_mlp bit for bit against the
** same MLP built by hand with the graph API (the Lua layers' recipe);
** norm layers checked against their closed forms; bad arguments; and a
** short training run whose loss falls. Tiny shapes: runs under valgrind.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "luanet.h"
#include "tap.h"

#define B 4

/* {====== Helpers ====== */

/* the shape of node 'id' (the one place that reads a node) */
static int shape_of (ln_graph *g, int id, int *dim) {
  ln_node *n = ln_graph_node(g, id);
  if (n == NULL) return -1;
  memcpy(dim, ln_node_dims(n), sizeof(int) * (size_t)ln_node_ndim(n));
  return ln_node_ndim(n);
}

/* does node 'name' exist with shape want[0..nd)? */
static int has_shape (ln_graph *g, const char *name, int nd, const int *want) {
  int dim[LN_MAX_DIMS], id = ln_graph_find(g, name);
  return id >= 0 && shape_of(g, id, dim) == nd &&
         memcmp(dim, want, sizeof(int) * (size_t)nd) == 0;
}

/* number of trainable values of a compiled model */
static long n_params (ln_model *m) {
  int ids[64], n = ln_model_params(m, ids, 64), k, d, dim[LN_MAX_DIMS];
  long total = 0;
  for (k = 0; k < n && k < 64; k++) {
    int nd = shape_of(ln_model_graph(m), ids[k], dim);
    long c = 1;
    for (d = 0; d < nd; d++) c *= dim[d];
    total += c;
  }
  return total;
}

/* a tensor [rows, cols] of deterministic values in [-1, 1) */
static ln_tensor *data (int rows, int cols, int salt) {
  ln_tensor *t = ln_tensor_new(LN_F32, 2, (int[]){rows, cols});
  float *v = t->data;
  int i;
  for (i = 0; i < rows * cols; i++) v[i] = (float)(((i * 37 + salt * 11) % 23) / 11.5 - 1);
  return t;
}

/* ln_errmsg() contains 'want' */
static int err_has (const char *want) {
  if (strstr(ln_errmsg(), want)) return 1;
  fprintf(stderr, "# message: %s\n# wanted:  %s\n", ln_errmsg(), want);
  return 0;
}

/* }====== */

/* {====== Shapes, names, parameter counts ====== */

static void test_mlp_shapes (void) {
  ln_graph *g;
  ln_model *m;
  int sizes[] = {6, 8, 5, 3}, out, dim[LN_MAX_DIMS];
  ln_graph_new(&g);
  tap_ok(ln_mlp(g, -1, 4, sizes, NULL, 0, &out) == LN_OK, "ln_mlp builds 6-8-5-3");
  tap_ok(ln_graph_find(g, "x") == 0 && shape_of(g, out, dim) == 2 && dim[1] == 3,
         "ln_mlp: input 'x' first, logits [B, 3]");
  tap_ok(has_shape(g, "linear1.weight", 2, (int[]){8, 6}) &&
         has_shape(g, "linear1.bias", 1, (int[]){8}) &&
         has_shape(g, "linear2.weight", 2, (int[]){5, 8}) &&
         has_shape(g, "linear3.weight", 2, (int[]){3, 5}) &&
         has_shape(g, "linear3.bias", 1, (int[]){3}),
         "ln_mlp: parameters linear1..3 named and shaped as graphs/mlp.lua's");
  ln_model_compile(g, B, -1, 1, &out, &m);
  tap_ok(n_params(m) == 6 * 8 + 8 + 8 * 5 + 5 + 5 * 3 + 3,
         "ln_mlp: %ld parameters (6*8+8 + 8*5+5 + 5*3+3 = 119)", n_params(m));
  ln_model_free(m);
}

static void test_cnn_shapes (void) {
  ln_graph *g;
  ln_model *m;
  ln_cnn_conf c;
  int out, dim[LN_MAX_DIMS];
  ln_cnn_defaults(&c);
  tap_ok(c.channels == 1 && c.size == 28 && c.hidden == 1024 && c.classes == 10 &&
         c.dropout == 0, "ln_cnn_defaults: graphs/cnn.lua's (1x28x28, 1024, 10)");
  c.size = 8;
  c.hidden = 16;
  c.classes = 4;
  ln_graph_new(&g);
  tap_ok(ln_cnn(g, -1, &c, &out) == LN_OK, "ln_cnn builds on 1x8x8");
  tap_ok(has_shape(g, "conv1.weight", 4, (int[]){32, 1, 5, 5}) &&
         has_shape(g, "conv1.bias", 1, (int[]){32}) &&
         has_shape(g, "conv2.weight", 4, (int[]){64, 32, 5, 5}) &&
         has_shape(g, "linear1.weight", 2, (int[]){16, 64 * 2 * 2}) &&
         has_shape(g, "linear2.weight", 2, (int[]){4, 16}) &&
         shape_of(g, out, dim) == 2 && dim[1] == 4,
         "ln_cnn: conv1, conv2, linear1, linear2 as graphs/cnn.lua; logits [B, 4]");
  ln_model_compile(g, 2, -1, 1, &out, &m);
  tap_ok(n_params(m) == 32 * 25 + 32 + 64 * 32 * 25 + 64 + 16 * 256 + 16 + 4 * 16 + 4,
         "ln_cnn: %ld parameters", n_params(m));
  ln_model_free(m);
}

static void test_names (void) {
  ln_graph *g;
  ln_conv2d_conf c;
  int x, h, y;
  ln_graph_new(&g);
  ln_graph_input(g, "x", LN_F32, 4, (int[]){LN_BATCH, 4, 6, 6}, &x);
  ln_conv2d_defaults(&c);
  c.groups = 2;
  c.bias = 0;
  c.stride = 2;
  tap_ok(ln_layer_conv2d(g, NULL, x, 6, 3, &c, &h) == LN_OK &&
         has_shape(g, "conv1.weight", 4, (int[]){6, 2, 3, 3}) &&
         ln_graph_find(g, "conv1.bias") < 0,
         "ln_layer_conv2d: groups 2 -> weight [6, 2, 3, 3], no bias");
  tap_ok(ln_layer_batch_norm(g, NULL, h, 0, 0, &h) == LN_OK &&
         has_shape(g, "bn1.weight", 1, (int[]){6}) &&
         has_shape(g, "bn1.running_mean", 1, (int[]){6}) &&
         has_shape(g, "bn1.running_var", 1, (int[]){6}),
         "ln_layer_batch_norm: bn1.weight, .bias, .running_mean, .running_var [6]");
  tap_ok(ln_layer_group_norm(g, NULL, h, 3, 0, &h) == LN_OK &&
         has_shape(g, "groupnorm1.bias", 1, (int[]){6}) &&
         ln_layer_instance_norm(g, NULL, h, 1e-3, &h) == LN_OK &&
         has_shape(g, "instancenorm1.weight", 1, (int[]){6}),
         "ln_layer_group_norm, ln_layer_instance_norm: per-channel parameters");
  tap_ok(ln_layer_layer_norm(g, NULL, h, 2, 0, &h) == LN_OK &&
         has_shape(g, "layernorm1.weight", 2, (int[]){2, 2}) &&
         ln_layer_rms_norm(g, "rms", h, 1, 1e-5, &h) == LN_OK &&
         has_shape(g, "rms.weight", 1, (int[]){2}) && ln_graph_find(g, "rms.bias") < 0,
         "ln_layer_layer_norm / rms_norm: parameters over the last dims, names given");
  tap_ok(ln_layer_linear(g, NULL, h, 3, 1, &y) == LN_OK &&
         ln_layer_linear(g, NULL, y, 3, 0, &y) == LN_OK &&
         ln_layer_linear(g, "head", y, 2, 1, &y) == LN_OK &&
         has_shape(g, "linear1.weight", 2, (int[]){3, 2}) &&
         has_shape(g, "linear2.weight", 2, (int[]){3, 3}) &&
         ln_graph_find(g, "linear2.bias") < 0 &&
         has_shape(g, "head.bias", 1, (int[]){2}),
         "ln_layer_linear: linear1, linear2 in order, 'head' when named");
  tap_ok(ln_layer_act(g, "gelu", y, &h) == LN_OK && h != y &&
         ln_layer_act(g, "none", y, &h) == LN_OK && h == y &&
         ln_layer_act(g, NULL, y, &h) == LN_OK && h == y,
         "ln_layer_act: an op by name; NULL and \"none\" keep x");
  ln_graph_free(g);
}

/* }====== */

/* {====== ln_mlp against the hand-built graph, bit for bit ====== */

/* the MLP as graphs/mlp.lua's nn.Linear makes it, from the graph API */
static int hand_mlp (ln_graph *g, const int *sizes, int n) {
  int x, h, k, w, b, xd[2] = {LN_BATCH, sizes[0]};
  char name[LN_NAME_MAX];
  ln_graph_input(g, "x", LN_F32, 2, xd, &x);
  h = x;
  for (k = 1; k < n; k++) {
    snprintf(name, sizeof(name), "linear%d.weight", k);
    ln_graph_param(g, name, 2, (int[]){sizes[k], sizes[k - 1]},
                   LN_INIT_TORCH_DEFAULT, 0, &w);
    snprintf(name, sizeof(name), "linear%d.bias", k);
    ln_graph_param(g, name, 1, &sizes[k], LN_INIT_UNIFORM,
                   1 / sqrt((double)sizes[k - 1]), &b);
    ln_graph_opn(g, "linear", 3, (int[]){h, w, b}, NULL, &h);
    if (k < n - 1) ln_graph_opn(g, "relu", 1, &h, NULL, &h);
  }
  return h;
}

/* the bytes of node 'name' (or of node 'id' when name is NULL) equal? */
static int same_value (ln_model *a, ln_model *b, const char *name, int ia, int ib) {
  ln_tensor *ta, *tb;
  int eq;
  if (name) {
    ia = ln_graph_find(ln_model_graph(a), name);
    ib = ln_graph_find(ln_model_graph(b), name);
  }
  ta = ln_model_value(a, ia);
  tb = ln_model_value(b, ib);
  eq = ta && tb && ta->n == tb->n && ta->n > 0 &&
       memcmp(ta->data, tb->data, ta->n * sizeof(float)) == 0;
  ln_tensor_free(ta);
  ln_tensor_free(tb);
  return eq;
}

static void test_mlp_bits (void) {
  int sizes[] = {7, 9, 4}, oa, ob;
  ln_graph *ga, *gb;
  ln_model *ma, *mb;
  ln_tensor *x = data(B, 7, 1);
  ln_seed(42);
  ln_graph_new(&ga);
  ln_mlp(ga, -1, 3, sizes, "relu", 0, &oa);
  ln_seed(42);
  ln_graph_new(&gb);
  ob = hand_mlp(gb, sizes, 3);
  ln_model_compile(ga, B, -1, 1, &oa, &ma);
  ln_model_compile(gb, B, -1, 1, &ob, &mb);
  tap_ok(same_value(ma, mb, "linear1.weight", 0, 0) && same_value(ma, mb, "linear1.bias", 0, 0) &&
         same_value(ma, mb, "linear2.weight", 0, 0) && same_value(ma, mb, "linear2.bias", 0, 0),
         "ln_mlp: same seed, the same initial parameters as the hand-built graph, bit for bit");
  ln_model_feed(ma, "x", x);
  ln_model_feed(mb, "x", x);
  ln_model_forward(ma, 0);
  ln_model_forward(mb, 0);
  tap_ok(same_value(ma, mb, NULL, oa, ob), "ln_mlp: the same forward output, bit for bit");
  ln_model_free(ma);
  ln_model_free(mb);
  ln_tensor_free(x);
}

/*
** The values graphs/mlp.lua gives with ln.seed(9), sizes {3, 2, 2}
** (linear1.weight, .bias, linear2.weight, .bias, printed by Lua as %a):
** C and Lua build the same model from the same seed.
*/
static void test_mlp_lua (void) {
  static const float want[14] = {
    -0x1.261374p-1f, -0x1.25d7ap-2f, -0x1.b294ep-2f, 0x1.132418p-2f, 0x1.f14e2ap-2f,
    0x1.20fdfcp-2f, 0x1.b077fap-3f, 0x1.2e3282p-8f, -0x1.fba9cp-2f, -0x1.0b84e6p-4f,
    0x1.6d0c38p-2f, 0x1.62336cp-1f, -0x1.db9ff2p-2f, 0x1.794096p-2f};
  static const char *const names[4] = {"linear1.weight", "linear1.bias",
                                       "linear2.weight", "linear2.bias"};
  ln_graph *g;
  ln_model *m;
  int out, k, at = 0, same = 1;
  ln_seed(9);
  ln_graph_new(&g);
  ln_mlp(g, -1, 3, (int[]){3, 2, 2}, NULL, 0, &out);
  ln_model_compile(g, 1, -1, 1, &out, &m);
  for (k = 0; k < 4; k++) {
    ln_tensor *t = ln_model_value(m, ln_graph_find(ln_model_graph(m), names[k]));
    size_t i;
    for (i = 0; t && i < t->n && at < 14; i++) same &= ((float *)t->data)[i] == want[at++];
    ln_tensor_free(t);
  }
  tap_ok(same && at == 14, "ln_mlp: ln_seed(9) gives graphs/mlp.lua's weights under ln.seed(9)");
  ln_model_free(m);
}

/* }====== */

/* {====== Norm layers against their closed forms ====== */

static void test_norm_values (void) {
  ln_graph *g;
  ln_model *m;
  ln_tensor *x = data(B, 6, 3), *y;
  int xi, ln_out, bn_out, outs[2], i, j, ok_ln = 1, ok_bn = 1;
  ln_graph_new(&g);
  ln_graph_input(g, "x", LN_F32, 2, (int[]){LN_BATCH, 6}, &xi);
  ln_layer_layer_norm(g, NULL, xi, 1, 1e-5, &ln_out);
  ln_layer_batch_norm(g, NULL, xi, 1e-5, 0.1, &bn_out);
  outs[0] = ln_out;
  outs[1] = bn_out;
  ln_model_compile(g, B, -1, 2, outs, &m);
  ln_model_feed(m, "x", x);
  ln_model_forward(m, 1);
  /* layer_norm with gamma 1, beta 0: each row (x - mean) / sqrt(var + eps) */
  y = ln_model_value(m, ln_out);
  for (i = 0; i < B; i++) {
    const float *r = (const float *)x->data + i * 6;
    double mu = 0, var = 0;
    for (j = 0; j < 6; j++) mu += r[j] / 6.0;
    for (j = 0; j < 6; j++) var += (r[j] - mu) * (r[j] - mu) / 6.0;
    for (j = 0; j < 6; j++)
      if (fabs(((float *)y->data)[i * 6 + j] - (r[j] - mu) / sqrt(var + 1e-5)) > 1e-4) ok_ln = 0;
  }
  ln_tensor_free(y);
  /* batch_norm in training: each column (x - mean) / sqrt(var + eps) */
  y = ln_model_value(m, bn_out);
  for (j = 0; j < 6; j++) {
    double mu = 0, var = 0;
    for (i = 0; i < B; i++) mu += ((float *)x->data)[i * 6 + j] / (double)B;
    for (i = 0; i < B; i++) {
      double d = ((float *)x->data)[i * 6 + j] - mu;
      var += d * d / B;
    }
    for (i = 0; i < B; i++)
      if (fabs(((float *)y->data)[i * 6 + j] -
               (((float *)x->data)[i * 6 + j] - mu) / sqrt(var + 1e-5)) > 1e-4) ok_bn = 0;
  }
  ln_tensor_free(y);
  tap_ok(ok_ln, "ln_layer_layer_norm: rows normalised (closed form, gamma 1, beta 0)");
  tap_ok(ok_bn, "ln_layer_batch_norm: columns normalised in training (closed form)");
  ln_model_free(m);
  ln_tensor_free(x);
}

/* }====== */

/* {====== Bad arguments ====== */

/* call 'expr' expecting failure with a message holding 'want', the graph
** unchanged */
#define BAD(g, expr, want, what) do { \
    int n0_ = ln_graph_size(g), rc_ = (expr); \
    tap_ok(rc_ != LN_OK && err_has(want) && ln_graph_size(g) == n0_, "%s", what); \
  } while (0)

static void test_bad_args (void) {
  ln_graph *g;
  ln_cnn_conf c;
  ln_conv2d_conf cc;
  int x, x3, x4, h, y;
  ln_graph_new(&g);
  ln_graph_input(g, "x", LN_F32, 2, (int[]){LN_BATCH, 4}, &x);
  ln_graph_input(g, "img", LN_F32, 4, (int[]){LN_BATCH, 2, 8, 8}, &x4);
  ln_graph_input(g, "ids", LN_I32, 1, (int[]){LN_BATCH}, &y);
  BAD(g, ln_layer_linear(g, NULL, x, 0, 1, &h), "ln_layer_linear: n_out must be positive, got 0",
      "ln_layer_linear: n_out 0 refused, named");
  BAD(g, ln_layer_linear(g, NULL, 99, 3, 1, &h), "ln_layer_linear: x (99) is not a node",
      "ln_layer_linear: a node id out of range refused");
  BAD(g, ln_layer_linear(g, NULL, y, 3, 1, &h), "ln_layer_linear: x must be float32",
      "ln_layer_linear: an int32 input refused");
  BAD(g, ln_layer_linear(g, NULL, x, 3, 1, NULL), "ln_layer_linear: out is NULL",
      "ln_layer_linear: out NULL refused");
  BAD(g, ln_layer_linear(NULL, NULL, x, 3, 1, &h), "ln_layer_linear: graph is NULL",
      "ln_layer_linear: graph NULL refused");
  BAD(g, ln_layer_linear(g, "", x, 3, 1, &h), "ln_layer_linear: name '' is empty",
      "ln_layer_linear: an empty name refused");
  BAD(g, ln_layer_conv2d(g, NULL, x, 8, 3, NULL, &h), "ln_layer_conv2d: x must be [N, C, H, W], got Bx4",
      "ln_layer_conv2d: a 2-D input refused with its shape");
  ln_conv2d_defaults(&cc);
  cc.groups = 3;
  BAD(g, ln_layer_conv2d(g, NULL, x4, 6, 3, &cc, &h), "channels 2 -> 6 not divisible by groups 3",
      "ln_layer_conv2d: groups that do not divide the channels refused");
  ln_conv2d_defaults(&cc);
  cc.stride = 0;
  BAD(g, ln_layer_conv2d(g, NULL, x4, 6, 3, &cc, &h), "ln_layer_conv2d: conf wants stride",
      "ln_layer_conv2d: stride 0 refused");
  BAD(g, ln_layer_conv2d(g, NULL, x4, 6, 11, NULL, &h), "ln_layer_conv2d: kernel 11 (dilation 1) does not fit the input 8x8 padded by 0",
      "ln_layer_conv2d: a kernel larger than the padded input refused, graph unchanged");
  BAD(g, ln_layer_batch_norm(g, NULL, y, 0, 0, &h), "ln_layer_batch_norm: x must be float32",
      "ln_layer_batch_norm: int32 input refused");
  BAD(g, ln_layer_batch_norm(g, NULL, x4, 0, 1.5, &h), "ln_layer_batch_norm: momentum must be at most 1",
      "ln_layer_batch_norm: momentum 1.5 refused");
  ln_graph_input(g, "seq", LN_F32, 3, (int[]){LN_BATCH, 3, 5}, &x3);
  BAD(g, ln_layer_batch_norm(g, NULL, x3, 0, 0, &h), "ln_layer_batch_norm: x must be [N, C] or [N, C, H, W], got Bx3x5",
      "ln_layer_batch_norm: a 3-D input refused before its parameters are added");
  BAD(g, ln_layer_layer_norm(g, NULL, x, 3, 0, &h), "ln_layer_layer_norm: dims must be in [1, 2]",
      "ln_layer_layer_norm: dims beyond the input's rank refused");
  BAD(g, ln_layer_group_norm(g, NULL, x4, 3, 0, &h), "ln_layer_group_norm: groups must be positive and divide the 2",
      "ln_layer_group_norm: groups not dividing the channels refused");
  BAD(g, ln_layer_instance_norm(g, NULL, x, 0, &h), "ln_layer_instance_norm: x must be [N, C, *]",
      "ln_layer_instance_norm: a 2-D input refused");
  BAD(g, ln_layer_act(g, "nonesuch", x, &h), "ln_layer_act: unknown activation 'nonesuch'",
      "ln_layer_act: an unknown name refused");
  tap_ok(ln_layer_act(g, "matmul", x, &h) != LN_OK && err_has("ln_layer_act: 'matmul' is no activation"),
         "ln_layer_act: an op of two inputs refused");
  tap_ok(ln_layer_act(g, "flatten", x4, &h) != LN_OK && err_has("'flatten' is no activation: it changes the shape"),
         "ln_layer_act: an op that changes the shape refused");
  BAD(g, ln_mlp(g, -1, 1, (int[]){4}, NULL, 0, &h), "ln_mlp: sizes must list at least 2",
      "ln_mlp: one size refused");
  BAD(g, ln_mlp(g, -1, 3, (int[]){4, -2, 3}, NULL, 0, &h), "ln_mlp: sizes[1] must be positive, got -2",
      "ln_mlp: a negative size refused, by index");
  BAD(g, ln_mlp(g, x, 2, (int[]){5, 3}, NULL, 0, &h), "ln_mlp: x Bx4 does not end in sizes[0] = 5",
      "ln_mlp: an input that does not fit sizes[0] refused");
  BAD(g, ln_mlp(g, x, 2, (int[]){4, 3}, NULL, 1.5, &h), "ln_mlp: dropout must be in [0, 1), got 1.5",
      "ln_mlp: dropout 1.5 refused");
  BAD(g, ln_mlp(g, x, 2, (int[]){4, 3}, "nonesuch", 0, &h), "ln_mlp: unknown activation 'nonesuch'",
      "ln_mlp: an unknown activation refused before anything is built");
  ln_cnn_defaults(&c);
  c.size = 30;
  BAD(g, ln_cnn(g, -1, &c, &h), "ln_cnn: size must be a positive multiple of 4",
      "ln_cnn: size 30 refused");
  ln_cnn_defaults(&c);
  BAD(g, ln_cnn(g, x4, &c, &h), "ln_cnn: x must be [B, 1, 28, 28], got Bx2x8x8",
      "ln_cnn: an input of another shape refused");
  ln_graph_free(g);
}

/* }====== */

/* {====== Training ====== */

/* 3 classes of 2-D points around three centres; labels i % 3 */
static void blobs (ln_tensor *x, ln_tensor *y, int n) {
  static const float cx[3] = {-1, 1, 0}, cy[3] = {-1, -1, 1};
  float *xv = x->data;
  int32_t *yv = y->data, i;
  for (i = 0; i < n; i++) {
    int c = i % 3;
    xv[2 * i] = cx[c] + 0.3f * (float)(((i * 7) % 11) / 11.0 - 0.5);
    xv[2 * i + 1] = cy[c] + 0.3f * (float)(((i * 5) % 13) / 13.0 - 0.5);
    yv[i] = c;
  }
}

static void test_training (void) {
  ln_graph *g;
  ln_model *m;
  ln_optim *o;
  ln_optconf conf;
  ln_tensor *x = ln_tensor_new(LN_F32, 2, (int[]){12, 2});
  ln_tensor *y = ln_tensor_new(LN_I32, 1, (int[]){12}), *l;
  int sizes[] = {2, 16, 3}, logits, yi, loss, step;
  float first = 0, last = 0;
  blobs(x, y, 12);
  ln_seed(3);
  ln_graph_new(&g);
  ln_mlp(g, -1, 3, sizes, "tanh", 0, &logits);
  ln_graph_input(g, "y", LN_I32, 1, (int[]){LN_BATCH}, &yi);
  ln_graph_opn(g, "cross_entropy", 2, (int[]){logits, yi}, NULL, &loss);
  ln_model_compile(g, 12, loss, 1, &logits, &m);
  ln_optconf_defaults(LN_OPT_ADAM, &conf);
  conf.lr = 0.05;
  ln_optim_new(m, LN_OPT_ADAM, &conf, &o);
  for (step = 0; step < 40; step++) {
    ln_model_feed(m, "x", x);
    ln_model_feed(m, "y", y);
    ln_model_forward(m, 1);
    l = ln_model_value(m, loss);
    if (step == 0) first = *(float *)l->data;
    last = *(float *)l->data;
    ln_tensor_free(l);
    ln_model_backward(m);
    ln_optim_step(o, NULL);
  }
  tap_ok(first > 0.5f && last < 0.1f * first,
         "ln_mlp trains: cross-entropy %.4f -> %.4f in 40 Adam steps", first, last);
  ln_optim_free(o);
  ln_model_free(m);
  ln_tensor_free(x);
  ln_tensor_free(y);
}

/* }====== */

int main (void) {
  if (ln_init_runtime() != LN_OK) {
    printf("not ok - runtime: %s\n", ln_errmsg());
    return 1;
  }
  test_mlp_shapes();
  test_cnn_shapes();
  test_names();
  test_mlp_bits();
  test_mlp_lua();
  test_norm_values();
  test_bad_args();
  test_training();
  return tap_done();
}
