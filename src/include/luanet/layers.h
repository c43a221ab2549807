/*
** luanet/layers.h -- layers for C users: each call appends a layer's
** parameters and ops to a graph and returns the output node, as the Lua
** layers of luanet.nn do (same parameter names, shapes, initialisers and
** creation order, so the same seed gives the same weights from C and Lua).
**
**   int h, logits;
**   ln_graph_input(g, "x", LN_F32, 2, (int[]){LN_BATCH, 784}, &x);
**   ln_layer_linear(g, NULL, x, 512, 1, &h);        // "linear1.weight", ...
**   ln_layer_act(g, "relu", h, &h);
**   ln_layer_linear(g, NULL, h, 10, 1, &logits);
** or the whole model at once:
**   ln_mlp(g, x, 4, (int[]){784, 1024, 1024, 10}, NULL, 0, &logits);
**
** 'name' is the layer's name, its parameters "<name>.weight", ...; NULL
** takes "<prefix><k>" with the first k whose "<prefix><k>.weight" is not in
** the graph yet (prefix: linear, conv, bn, layernorm, rmsnorm, groupnorm,
** instancenorm), the names the Lua layers give. Every function returns
** LN_OK or an error code with ln_errmsg() naming the function, the argument
** and the shapes; arguments are checked before anything is added (but for
** an 'act' of ln_mlp that names an op which is no activation: that is
** found where it is first applied).
*/
#ifndef LUANET_LAYERS_H
#define LUANET_LAYERS_H

/*
** nn.Linear: y = x W^T + b on x [..., n_in]; W [n_out, n_in] and b [n_out]
** both U(-1/sqrt(n_in), 1/sqrt(n_in)) (PyTorch's default); bias 0: no b
*/
int ln_layer_linear (ln_graph *g, const char *name, int x, int n_out, int bias,
                     int *out);

/* nn.Conv2d's options; ln_conv2d_defaults: stride 1, padding 0,
** dilation 1, groups 1, bias 1 */
typedef struct ln_conv2d_conf {
  int stride, padding, dilation, groups;
  int bias;                      /* 0: no bias */
} ln_conv2d_conf;
void ln_conv2d_defaults (ln_conv2d_conf *c);

/*
** nn.Conv2d on x [N, C_in, H, W]: W [c_out, C_in / groups, kernel, kernel]
** and b [c_out], both U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = C_in /
** groups * kernel^2; conf NULL = the defaults
*/
int ln_layer_conv2d (ln_graph *g, const char *name, int x, int c_out,
                     int kernel, const ln_conv2d_conf *conf, int *out);

/*
** Normalisations with a learnable scale ".weight" (ones) and shift ".bias"
** (zeros); eps <= 0 takes the op's default. batch_norm over x [N, C] or
** [N, C, H, W] keeps buffers ".running_mean" (0) and ".running_var" (1),
** updated with 'momentum' (<= 0: the default 0.1); layer_norm and rms_norm
** (no shift) normalise the last 'dims' dims; group_norm splits the C
** channels of x [N, C, *] into 'groups' (which must divide C);
** instance_norm normalises each sample and channel of x [N, C, *].
*/
int ln_layer_batch_norm (ln_graph *g, const char *name, int x, double eps,
                         double momentum, int *out);
int ln_layer_layer_norm (ln_graph *g, const char *name, int x, int dims,
                         double eps, int *out);
int ln_layer_rms_norm (ln_graph *g, const char *name, int x, int dims,
                       double eps, int *out);
int ln_layer_group_norm (ln_graph *g, const char *name, int x, int groups,
                         double eps, int *out);
int ln_layer_instance_norm (ln_graph *g, const char *name, int x, double eps,
                            int *out);

/*
** An activation by op name ("relu", "gelu", "tanh", "leaky_relu", ...: any
** op of one input with the input's shape, at its default attributes);
** NULL, "" or "none": *out = x
*/
int ln_layer_act (ln_graph *g, const char *act, int x, int *out);

/*
** graphs/mlp.lua: Linear(sizes[0] -> sizes[1]), act, ..., Linear(...,
** sizes[n_sizes - 1]) (the logits, no activation), named linear1, linear2,
** ...; act NULL = "relu"; dropout p > 0 after each hidden activation.
** x < 0 adds the input "x" [B, sizes[0]].
*/
int ln_mlp (ln_graph *g, int x, int n_sizes, const int *sizes,
            const char *act, double dropout, int *out);

/* graphs/cnn.lua's options; ln_cnn_defaults: 1 channel, 28x28, hidden
** 1024, 10 classes, no dropout */
typedef struct ln_cnn_conf {
  int channels, size;            /* input [B, channels, size, size] */
  int hidden, classes;
  double dropout;                /* after the hidden layer, 0: none */
} ln_cnn_conf;
void ln_cnn_defaults (ln_cnn_conf *c);

/*
** graphs/cnn.lua: conv 5x5 32 pad 2 - relu - max_pool 2 - conv 5x5 64 pad
** 2 - relu - max_pool 2 - flatten - linear hidden - relu [- dropout] -
** linear classes (conv1, conv2, linear1, linear2); size must be a multiple
** of 4. x < 0 adds the input "x"; conf NULL = the defaults.
*/
int ln_cnn (ln_graph *g, int x, const ln_cnn_conf *conf, int *out);

#endif
