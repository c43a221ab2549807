/*
** luanet.h -- the public header of the luanet engine: one include for the
** whole API, whose parts live in luanet/ (one header per concern).
**
** A worked example (an MLP trained one step from C):
**
**   ln_graph *g;  int x, y, w1, b1, h, w2, b2, logits, loss;
**   ln_graph_new(&g);
**   int xd[2] = {LN_BATCH, 784}, yd[1] = {LN_BATCH};
**   ln_graph_input(g, "x", LN_F32, 2, xd, &x);
**   ln_graph_input(g, "y", LN_I32, 1, yd, &y);
**   int wd[2] = {512, 784}, bd[1] = {512};
**   ln_graph_param(g, "w1", 2, wd, LN_INIT_KAIMING_UNIFORM, 0, &w1);
**   ...
**   ln_graph_opn(g, "linear", 3, (int[]){x, w1, b1}, NULL, &h);
**   ln_graph_opn(g, "relu", 1, &h, NULL, &h);
**   ...
**   ln_model *m;
**   ln_model_compile(g, 128, loss, 1, &logits, &m);   (g now owned by m)
**   ln_model_feed(m, "x", xt);  ln_model_feed(m, "y", yt);
**   ln_model_forward(m, 1);  ln_model_backward(m);
**   ln_optim_step(opt);
**
** Opaque handles: ln_graph, ln_node, ln_model, ln_optim, ln_ctx (read
** through accessors); ln_tensor is plain data.
**
** Every fallible function returns LN_OK (0) or a negative LN_E* code and
** leaves a message readable with ln_errmsg() (per thread). Nothing a user
** can trigger aborts or exits.
*/
#ifndef LUANET_H
#define LUANET_H

#include "luanet/base.h"     /* limits, status codes, errors, dtypes */
#include "luanet/tensor.h"   /* tensors, .npy */
#include "luanet/random.h"   /* the random generator, initialisers */
#include "luanet/graph.h"    /* graphs, nodes, the op table */
#include "luanet/op.h"       /* custom ops (ln_op_register), eager ops */
#include "luanet/model.h"    /* compiled models */
#include "luanet/optim.h"    /* optimizers */
#include "luanet/io.h"       /* model files */
#include "luanet/data.h"     /* IDX and PNG files */
#include "luanet/detect.h"   /* boxes, NMS, Soft-NMS */
#include "luanet/config.h"   /* threads, kernel libraries */

#include "luanet/layers.h"   /* layers and model builders (ln_layer_*, ln_mlp, ln_cnn) */

#endif
