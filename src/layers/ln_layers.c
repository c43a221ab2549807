/*
** ln_layers.c -- layers for C users (luanet/layers.h): linear, conv2d,
** normalisations, activations by name, and the MLP and CNN of graphs/.
** Built on the public graph API only; parameters get the names, shapes,
** initialisers and creation order of the Lua layers (lua/luanet/nn/), so
** a seed gives the same weights from either side.
*/
#include <math.h>
#include <stdio.h>
#include <string.h>
#include "luanet.h"

/* {====== Helpers: node shapes, names, ops with named attributes ====== */

/* the shape of node 'id' of g; the one place that reads a node */
static int node_shape (const char *fn, ln_graph *g, int id, int *ndim,
                       int *dim) {
  ln_node *n = g ? ln_graph_node(g, id) : NULL;
  *ndim = 0;   /* set on every path: callers read it only after LN_OK */
  if (g == NULL) return ln_seterr(LN_EARG, "%s: graph is NULL", fn);
  if (n == NULL)
    return ln_seterr(LN_EARG, "%s: x (%d) is not a node of this graph "
                     "(%d nodes)", fn, id, ln_graph_size(g));
  if (ln_node_dtype(n) != LN_F32)
    return ln_seterr(LN_EARG, "%s: x must be float32", fn);
  *ndim = ln_node_ndim(n);
  memcpy(dim, ln_node_dims(n), sizeof(int) * (size_t)*ndim);
  return LN_OK;
}

/* "B" for the batch dim when the node is batched, as the Lua side shows */
static const char *shape_str (ln_graph *g, int id, char *buf, size_t sz) {
  ln_node *n = ln_graph_node(g, id);
  ln_shape_str(ln_node_ndim(n), ln_node_dims(n), buf, sz);
  if (ln_node_batched(n) && ln_node_ndim(n) > 0 && sz > 2) {   /* "2x4" -> "Bx4" */
    char *x = strchr(buf, 'x');
    size_t rest = x ? strlen(x) + 1 : 1;
    if (x == NULL) x = buf + strlen(buf);
    memmove(buf + 1, x, rest);
    buf[0] = 'B';
  }
  return buf;
}

/*
** the layer's name into buf: 'name', or "<prefix><k>" for the first k
** whose "<prefix><k>.weight" is not in the graph (Lua's g:unique counts
** the same way over layers built in order)
*/
static int layer_name (const char *fn, ln_graph *g, const char *name,
                       const char *prefix, char *buf, size_t sz) {
  char probe[LN_NAME_MAX + 16];
  int k;
  if (name != NULL) {
    /* room for the longest suffix, ".running_mean" */
    if (strlen(name) + strlen(".running_mean") >= LN_NAME_MAX || name[0] == 0)
      return ln_seterr(LN_EARG, "%s: name '%s' is empty or too long (names "
                       "with their suffix must fit %d bytes)", fn, name,
                       LN_NAME_MAX);
    snprintf(buf, sz, "%s", name);
    return LN_OK;
  }
  for (k = 1;; k++) {
    snprintf(probe, sizeof(probe), "%s%d.weight", prefix, k);
    if (ln_graph_find(g, probe) < 0) break;
  }
  snprintf(buf, sz, "%s%d", prefix, k);
  return LN_OK;
}

/* "<layer>.<key>" */
static const char *pname (char *buf, size_t sz, const char *layer,
                          const char *key) {
  snprintf(buf, sz, "%s.%s", layer, key);
  return buf;
}

/* a parameter "<layer>.<key>" of shape dim[0..ndim) */
static int param (ln_graph *g, const char *layer, const char *key, int ndim,
                  const int *dim, ln_init how, double a, int *out) {
  char buf[LN_NAME_MAX + 16];
  return ln_graph_param(g, pname(buf, sizeof(buf), layer, key), ndim, dim,
                        how, a, out);
}

static int buffer (ln_graph *g, const char *layer, const char *key, int n,
                   double value, int *out) {
  char buf[LN_NAME_MAX + 16];
  return ln_graph_buffer(g, pname(buf, sizeof(buf), layer, key), 1, &n,
                         value, out);
}

/*
** op 'opname' on in[0..n_in) with attributes names[k] = vals[k] for k <
** n_attr (the rest at their defaults); an error keeps the op's message,
** prefixed by the layer function 'fn'
*/
static int apply (const char *fn, ln_graph *g, const char *opname, int n_in,
                  const int *in, int n_attr, const char *const *names,
                  const double *vals, int *out) {
  double attr[LN_MAX_ATTRS];
  char msg[256];
  int op = ln_op_find(opname), k, rc;
  if (op < 0)
    return ln_seterr(LN_EARG, "%s: this build has no op '%s'", fn, opname);
  ln_op_attr_defaults(op, attr);
  for (k = 0; k < n_attr; k++) {
    int i = ln_op_attr_index(op, names[k]);
    if (i < 0)
      return ln_seterr(LN_EARG, "%s: op '%s' has no attribute '%s'", fn,
                       opname, names[k]);
    attr[i] = vals[k];
  }
  if ((rc = ln_graph_op(g, op, n_in, in, attr, 0, NULL, out)) != LN_OK) {
    snprintf(msg, sizeof(msg), "%s", ln_errmsg());
    return ln_seterr(rc, "%s: %s", fn, msg);
  }
  return LN_OK;
}

#define TRY(call) do { int rc_ = (call); if (rc_ != LN_OK) return rc_; } while (0)

static int check_out (const char *fn, const int *out) {
  if (out == NULL) return ln_seterr(LN_EARG, "%s: out is NULL", fn);
  return LN_OK;
}

/* }====== */

/* {====== Linear and Conv2d ====== */

int ln_layer_linear (ln_graph *g, const char *name, int x, int n_out, int bias,
                     int *out) {
  static const char fn[] = "ln_layer_linear";
  char layer[LN_NAME_MAX];
  int ndim, dim[LN_MAX_DIMS], n_in, in[3];
  TRY(check_out(fn, out));
  TRY(node_shape(fn, g, x, &ndim, dim));
  if (ndim < 1)
    return ln_seterr(LN_ESHAPE, "%s: x must have a feature dim, got a scalar", fn);
  if (n_out <= 0)
    return ln_seterr(LN_EARG, "%s: n_out must be positive, got %d", fn, n_out);
  n_in = dim[ndim - 1];
  TRY(layer_name(fn, g, name, "linear", layer, sizeof(layer)));
  in[0] = x;
  TRY(param(g, layer, "weight", 2, (int[]){n_out, n_in},
            LN_INIT_TORCH_DEFAULT, 0, &in[1]));
  if (bias)
    TRY(param(g, layer, "bias", 1, &n_out, LN_INIT_UNIFORM,
              1 / sqrt((double)n_in), &in[2]));
  return apply(fn, g, "linear", bias ? 3 : 2, in, 0, NULL, NULL, out);
}

void ln_conv2d_defaults (ln_conv2d_conf *c) {
  c->stride = 1;
  c->padding = 0;
  c->dilation = 1;
  c->groups = 1;
  c->bias = 1;
}

/* the conv2d options must make sense, and the output not be empty, before
** any parameter is added (the graph stays unchanged on an error) */
static int check_conv (const char *fn, const ln_conv2d_conf *c,
                       const int *dim, int c_out, int kernel) {
  int c_in = dim[1], k;
  if (c_out <= 0 || kernel <= 0)
    return ln_seterr(LN_EARG, "%s: c_out and kernel must be positive, got "
                     "%d and %d", fn, c_out, kernel);
  if (c->stride <= 0 || c->dilation <= 0 || c->padding < 0 || c->groups <= 0)
    return ln_seterr(LN_EARG, "%s: conf wants stride, dilation, groups > 0 "
                     "and padding >= 0, got %d, %d, %d and %d", fn, c->stride,
                     c->dilation, c->groups, c->padding);
  if (c_in % c->groups != 0 || c_out % c->groups != 0)
    return ln_seterr(LN_EARG, "%s: channels %d -> %d not divisible by groups "
                     "%d", fn, c_in, c_out, c->groups);
  for (k = 2; k < 4; k++)
    if (dim[k] + 2 * c->padding - c->dilation * (kernel - 1) - 1 < 0)
      return ln_seterr(LN_ESHAPE, "%s: kernel %d (dilation %d) does not fit "
                       "the input %dx%d padded by %d", fn, kernel, c->dilation,
                       dim[2], dim[3], c->padding);
  return LN_OK;
}

int ln_layer_conv2d (ln_graph *g, const char *name, int x, int c_out,
                     int kernel, const ln_conv2d_conf *conf, int *out) {
  static const char fn[] = "ln_layer_conv2d";
  static const char *const names[] = {"stride", "padding", "dilation", "groups"};
  ln_conv2d_conf c;
  char layer[LN_NAME_MAX], buf[64];
  int ndim, dim[LN_MAX_DIMS], c_in, fan_in, in[3];
  double vals[4];
  TRY(check_out(fn, out));
  TRY(node_shape(fn, g, x, &ndim, dim));
  if (ndim != 4)
    return ln_seterr(LN_ESHAPE, "%s: x must be [N, C, H, W], got %s", fn,
                     shape_str(g, x, buf, sizeof(buf)));
  if (conf) c = *conf;
  else ln_conv2d_defaults(&c);
  c_in = dim[1];
  TRY(check_conv(fn, &c, dim, c_out, kernel));
  TRY(layer_name(fn, g, name, "conv", layer, sizeof(layer)));
  in[0] = x;
  TRY(param(g, layer, "weight", 4, (int[]){c_out, c_in / c.groups, kernel, kernel},
            LN_INIT_TORCH_DEFAULT, 0, &in[1]));
  fan_in = c_in / c.groups * kernel * kernel;
  if (c.bias)
    TRY(param(g, layer, "bias", 1, &c_out, LN_INIT_UNIFORM,
              1 / sqrt((double)fan_in), &in[2]));
  vals[0] = c.stride;
  vals[1] = c.padding;
  vals[2] = c.dilation;
  vals[3] = c.groups;
  return apply(fn, g, "conv2d", c.bias ? 3 : 2, in, 4, names, vals, out);
}

/* }====== */

/* {====== Normalisations ====== */

/* eps > 0 into the attribute list, else the op's default stays */
static int with_eps (double eps, const char **names, double *vals, int k) {
  if (eps <= 0) return k;
  names[k] = "eps";
  vals[k] = eps;
  return k + 1;
}

/* x [N, C, ...] with at least 'min_dims' dims: C into *c, the rank into
** *ndim */
static int channels (const char *fn, ln_graph *g, int x, int min_dims, int *c,
                     int *ndim) {
  int dim[LN_MAX_DIMS];
  char buf[64];
  TRY(node_shape(fn, g, x, ndim, dim));
  if (*ndim < min_dims)
    return ln_seterr(LN_ESHAPE, "%s: x must be [N, C%s], got %s", fn,
                     min_dims > 2 ? ", *" : ", ...", shape_str(g, x, buf, sizeof(buf)));
  *c = dim[1];
  return LN_OK;
}

int ln_layer_batch_norm (ln_graph *g, const char *name, int x, double eps,
                         double momentum, int *out) {
  static const char fn[] = "ln_layer_batch_norm";
  char layer[LN_NAME_MAX];
  const char *names[2];
  double vals[2];
  int c, ndim, in[5], k = 0;
  TRY(check_out(fn, out));
  TRY(channels(fn, g, x, 2, &c, &ndim));
  if (ndim == 3 || ndim > 4)
    return ln_seterr(LN_ESHAPE, "%s: x must be [N, C] or [N, C, H, W], got %s",
                     fn, shape_str(g, x, layer, sizeof(layer)));
  if (momentum > 1)
    return ln_seterr(LN_EARG, "%s: momentum must be at most 1 (<= 0: the "
                     "default 0.1), got %g", fn, momentum);
  TRY(layer_name(fn, g, name, "bn", layer, sizeof(layer)));
  in[0] = x;
  TRY(param(g, layer, "weight", 1, &c, LN_INIT_ONES, 0, &in[1]));
  TRY(param(g, layer, "bias", 1, &c, LN_INIT_ZEROS, 0, &in[2]));
  TRY(buffer(g, layer, "running_mean", c, 0, &in[3]));
  TRY(buffer(g, layer, "running_var", c, 1, &in[4]));
  k = with_eps(eps, names, vals, k);
  if (momentum > 0) {
    names[k] = "momentum";
    vals[k++] = momentum;
  }
  return apply(fn, g, "batch_norm", 5, in, k, names, vals, out);
}

/* layer_norm and rms_norm: over the last 'dims' dims of x, the parameters
** shaped as those dims */
static int last_dims_norm (const char *fn, const char *op, const char *prefix,
                           int shift, ln_graph *g, const char *name, int x,
                           int dims, double eps, int *out) {
  char layer[LN_NAME_MAX], buf[64];
  const char *names[2] = {"dims"};
  double vals[2];
  int ndim, dim[LN_MAX_DIMS], in[3], k;
  TRY(check_out(fn, out));
  TRY(node_shape(fn, g, x, &ndim, dim));
  if (dims < 1 || dims > ndim)
    return ln_seterr(LN_EARG, "%s: dims must be in [1, %d] for x %s, got %d",
                     fn, ndim, shape_str(g, x, buf, sizeof(buf)), dims);
  TRY(layer_name(fn, g, name, prefix, layer, sizeof(layer)));
  in[0] = x;
  TRY(param(g, layer, "weight", dims, dim + ndim - dims, LN_INIT_ONES, 0, &in[1]));
  if (shift)
    TRY(param(g, layer, "bias", dims, dim + ndim - dims, LN_INIT_ZEROS, 0, &in[2]));
  vals[0] = dims;
  k = with_eps(eps, names, vals, 1);
  return apply(fn, g, op, shift ? 3 : 2, in, k, names, vals, out);
}

int ln_layer_layer_norm (ln_graph *g, const char *name, int x, int dims,
                         double eps, int *out) {
  return last_dims_norm("ln_layer_layer_norm", "layer_norm", "layernorm", 1,
                        g, name, x, dims, eps, out);
}

int ln_layer_rms_norm (ln_graph *g, const char *name, int x, int dims,
                       double eps, int *out) {
  return last_dims_norm("ln_layer_rms_norm", "rms_norm", "rmsnorm", 0, g,
                        name, x, dims, eps, out);
}

/* group_norm and instance_norm: per channel gamma and beta over x [N, C, *] */
static int channel_norm (const char *fn, const char *op, const char *prefix,
                         ln_graph *g, const char *name, int x, int groups,
                         double eps, int *out) {
  char layer[LN_NAME_MAX];
  const char *names[2];
  double vals[2];
  int c, ndim, in[3], k = 0;
  TRY(check_out(fn, out));
  TRY(channels(fn, g, x, 3, &c, &ndim));
  if (groups >= 0 && (groups == 0 || c % groups != 0))
    return ln_seterr(LN_EARG, "%s: groups must be positive and divide the %d "
                     "channels, got %d", fn, c, groups);
  TRY(layer_name(fn, g, name, prefix, layer, sizeof(layer)));
  in[0] = x;
  TRY(param(g, layer, "weight", 1, &c, LN_INIT_ONES, 0, &in[1]));
  TRY(param(g, layer, "bias", 1, &c, LN_INIT_ZEROS, 0, &in[2]));
  if (groups > 0) {
    names[k] = "groups";
    vals[k++] = groups;
  }
  k = with_eps(eps, names, vals, k);
  return apply(fn, g, op, 3, in, k, names, vals, out);
}

int ln_layer_group_norm (ln_graph *g, const char *name, int x, int groups,
                         double eps, int *out) {
  return channel_norm("ln_layer_group_norm", "group_norm", "groupnorm", g,
                      name, x, groups, eps, out);
}

int ln_layer_instance_norm (ln_graph *g, const char *name, int x, double eps,
                            int *out) {
  return channel_norm("ln_layer_instance_norm", "instance_norm",
                      "instancenorm", g, name, x, -1, eps, out);
}

/* }====== */

/* {====== Activations ====== */

int ln_layer_act (ln_graph *g, const char *act, int x, int *out) {
  static const char fn[] = "ln_layer_act";
  char msg[256];
  int ndim, dim[LN_MAX_DIMS], ondim, odim[LN_MAX_DIMS], op, y;
  TRY(check_out(fn, out));
  TRY(node_shape(fn, g, x, &ndim, dim));
  if (act == NULL || act[0] == 0 || strcmp(act, "none") == 0) {
    *out = x;
    return LN_OK;
  }
  if ((op = ln_op_find(act)) <= 0)
    return ln_seterr(LN_EARG, "%s: unknown activation '%s' (an op name: relu, "
                     "gelu, tanh, ...)", fn, act);
  if (ln_graph_op(g, op, 1, &x, NULL, 0, NULL, &y) != LN_OK) {
    snprintf(msg, sizeof(msg), "%s", ln_errmsg());
    return ln_seterr(LN_EARG, "%s: '%s' is no activation: %s", fn, act, msg);
  }
  /* an activation keeps the shape; a reduction or reshape is refused (its
  ** node stays in the graph, unused: compile leaves it out) */
  TRY(node_shape(fn, g, y, &ondim, odim));
  if (ondim != ndim || memcmp(dim, odim, sizeof(int) * (size_t)ndim) != 0)
    return ln_seterr(LN_EARG, "%s: '%s' is no activation: it changes the "
                     "shape", fn, act);
  *out = y;
  return LN_OK;
}

/* }====== */

/* {====== Models: graphs/mlp.lua and graphs/cnn.lua ====== */

/* x, or a new input "x" of shape [B, dim...] when x < 0 */
static int input_or (ln_graph *g, int x, int ndim, const int *dim, int *id) {
  int d[LN_MAX_DIMS], k;
  if (x >= 0) {
    *id = x;
    return LN_OK;
  }
  d[0] = LN_BATCH;
  for (k = 0; k < ndim; k++) d[k + 1] = dim[k];
  return ln_graph_input(g, "x", LN_F32, ndim + 1, d, id);
}

static int dropout (const char *fn, ln_graph *g, double p, int *h) {
  static const char *const names[] = {"p"};
  if (p <= 0) return LN_OK;
  return apply(fn, g, "dropout", 1, h, 1, names, &p, h);
}

int ln_mlp (ln_graph *g, int x, int n_sizes, const int *sizes,
            const char *act, double p, int *out) {
  static const char fn[] = "ln_mlp";
  char buf[64];
  int ndim, dim[LN_MAX_DIMS], h, k;
  TRY(check_out(fn, out));
  if (g == NULL) return ln_seterr(LN_EARG, "%s: graph is NULL", fn);
  if (sizes == NULL || n_sizes < 2)
    return ln_seterr(LN_EARG, "%s: sizes must list at least 2 sizes (inputs, "
                     "outputs), got %d", fn, sizes ? n_sizes : 0);
  for (k = 0; k < n_sizes; k++)
    if (sizes[k] <= 0)
      return ln_seterr(LN_EARG, "%s: sizes[%d] must be positive, got %d", fn,
                       k, sizes[k]);
  if (p < 0 || p >= 1)
    return ln_seterr(LN_EARG, "%s: dropout must be in [0, 1), got %g", fn, p);
  if (act == NULL) act = "relu";
  else if (ln_op_find(act) <= 0 && strcmp(act, "none") != 0 && act[0] != 0)
    return ln_seterr(LN_EARG, "%s: unknown activation '%s'", fn, act);
  if (x >= 0) {
    TRY(node_shape(fn, g, x, &ndim, dim));
    if (ndim < 1 || dim[ndim - 1] != sizes[0])
      return ln_seterr(LN_ESHAPE, "%s: x %s does not end in sizes[0] = %d",
                       fn, shape_str(g, x, buf, sizeof(buf)), sizes[0]);
  }
  TRY(input_or(g, x, 1, sizes, &h));
  for (k = 1; k < n_sizes; k++) {
    TRY(ln_layer_linear(g, NULL, h, sizes[k], 1, &h));
    if (k < n_sizes - 1) {
      TRY(ln_layer_act(g, act, h, &h));
      TRY(dropout(fn, g, p, &h));
    }
  }
  *out = h;
  return LN_OK;
}

void ln_cnn_defaults (ln_cnn_conf *c) {
  c->channels = 1;
  c->size = 28;
  c->hidden = 1024;
  c->classes = 10;
  c->dropout = 0;
}

static int check_cnn (const char *fn, const ln_cnn_conf *c) {
  if (c->channels <= 0 || c->hidden <= 0 || c->classes <= 0)
    return ln_seterr(LN_EARG, "%s: channels, hidden and classes must be "
                     "positive, got %d, %d and %d", fn, c->channels, c->hidden,
                     c->classes);
  if (c->size < 4 || c->size % 4 != 0)
    return ln_seterr(LN_EARG, "%s: size must be a positive multiple of 4 "
                     "(two 2x2 poolings), got %d", fn, c->size);
  if (c->dropout < 0 || c->dropout >= 1)
    return ln_seterr(LN_EARG, "%s: dropout must be in [0, 1), got %g", fn,
                     c->dropout);
  return LN_OK;
}

/* conv 5x5 pad 2 - relu - max_pool 2 */
static int conv_block (const char *fn, ln_graph *g, int c_out, int *h) {
  ln_conv2d_conf cc;
  ln_conv2d_defaults(&cc);
  cc.padding = 2;
  TRY(ln_layer_conv2d(g, NULL, *h, c_out, 5, &cc, h));
  TRY(ln_layer_act(g, "relu", *h, h));
  return apply(fn, g, "max_pool2d", 1, h, 0, NULL, NULL, h);
}

int ln_cnn (ln_graph *g, int x, const ln_cnn_conf *conf, int *out) {
  static const char fn[] = "ln_cnn";
  ln_cnn_conf c;
  char buf[64];
  int ndim, dim[LN_MAX_DIMS], h;
  TRY(check_out(fn, out));
  if (g == NULL) return ln_seterr(LN_EARG, "%s: graph is NULL", fn);
  if (conf) c = *conf;
  else ln_cnn_defaults(&c);
  TRY(check_cnn(fn, &c));
  if (x >= 0) {
    TRY(node_shape(fn, g, x, &ndim, dim));
    if (ndim != 4 || dim[1] != c.channels || dim[2] != c.size || dim[3] != c.size)
      return ln_seterr(LN_ESHAPE, "%s: x must be [B, %d, %d, %d], got %s", fn,
                       c.channels, c.size, c.size, shape_str(g, x, buf, sizeof(buf)));
  }
  TRY(input_or(g, x, 3, (int[]){c.channels, c.size, c.size}, &h));
  TRY(conv_block(fn, g, 32, &h));
  TRY(conv_block(fn, g, 64, &h));
  TRY(apply(fn, g, "flatten", 1, &h, 0, NULL, NULL, &h));
  TRY(ln_layer_linear(g, NULL, h, c.hidden, 1, &h));
  TRY(ln_layer_act(g, "relu", h, &h));
  TRY(dropout(fn, g, c.dropout, &h));
  return ln_layer_linear(g, NULL, h, c.classes, 1, out);
}

/* }====== */
