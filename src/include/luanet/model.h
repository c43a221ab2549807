/*
** luanet/model.h -- compiled models: compile a graph, feed, run forward and
** backward, read values and gradients; precision and profiling.
*/
#ifndef LUANET_MODEL_H
#define LUANET_MODEL_H

#include "graph.h"

typedef struct ln_model ln_model;

/*
** Compile graph 'g' for batches up to 'max_batch': order, prune what
** neither 'loss' (-1 = none) nor 'outputs' need, derive the backward pass
** for nodes that lead to trainable parameters, fuse what it can, and plan
** one arena. On success the model takes ownership of 'g'.
*/
int ln_model_compile (ln_graph *g, int max_batch, int loss, int n_out,
                      const int *outputs, ln_model **out);
/* the same with LN_COMPILE_* flags */
int ln_model_compile_ex (ln_graph *g, int max_batch, int loss, int n_out,
                         const int *outputs, unsigned flags, ln_model **out);
#define LN_COMPILE_NOFUSE 1u   /* run every node on its own: no relu folded
                               ** into a product, no elementwise chains */
/* elementwise chains the plan fused, and nodes whose value lives only in
** a chain's block buffers (no memory of their own) */
void ln_model_chains (const ln_model *m, int *chains, int *nodes, int *elided);
void ln_model_free (ln_model *m);                   /* NULL-safe, frees g */
ln_graph *ln_model_graph (ln_model *m);
int ln_model_loss (const ln_model *m);              /* node id or -1 */
int ln_model_n_outputs (const ln_model *m);
int ln_model_output (const ln_model *m, int k);     /* node id */
/* copy tensor 't' into input 'name'; its leading dim sets the batch */
int ln_model_feed (ln_model *m, const char *name, const ln_tensor *t);
int ln_model_forward (ln_model *m, int training);
/* backward from the loss (dL/dloss = 1); zeroes parameter gradients first */
int ln_model_backward (ln_model *m);
int ln_model_batch (const ln_model *m);             /* run-time batch */
int ln_model_max_batch (const ln_model *m);         /* compiled maximum */
/* value / gradient of node 'id' as a view (valid until the next run);
** NULL (message set) when there is none */
ln_tensor *ln_model_value (ln_model *m, int id);
/* Parameter and constant values change through the library: optimizer
** steps, loading, the Lua tensor methods. After writing them yourself
** (through ln_model_value's view or node->store), call this before the
** next run: models keep converted copies of their weights (bf16) and
** convert them again only when told the values may have changed. */
void ln_params_changed (void);
ln_tensor *ln_model_gradval (ln_model *m, int id);
/* planned arena bytes and the naive sum (one buffer per value/grad) */
void ln_model_memory (const ln_model *m, size_t *planned, size_t *naive);
/* trainable parameter node ids, in graph order */
int ln_model_params (const ln_model *m, int *ids, int max);
/* per-node timing: on = 1 starts (and zeroes) accumulating seconds spent
** in each node's forward and backward kernels; 0 stops it */
int ln_model_profile (ln_model *m, int on);
void ln_model_times (const ln_model *m, int id, double *fwd, double *bwd);
/* nodes in execution order (for printing) */
int ln_model_order (const ln_model *m, int *ids, int max);

/* Precision of the matrix products (matmul, linear, conv2d): LN_FP32, the
** default, or LN_BF16 (mixed precision: their inputs rounded to bfloat16,
** products accumulated and returned in float32; parameters, gradients,
** optimizer state and every other op stay float32). Prepares the kernels
** again; may be called between runs. */
typedef enum ln_precision { LN_FP32 = 0, LN_BF16 = 1 } ln_precision;
int ln_model_set_precision (ln_model *m, ln_precision p);
ln_precision ln_model_precision (const ln_model *m);
/* the kernel each product node uses now, e.g. "oneDNN brg:avx512_core_bf16",
** "OpenBLAS" (static string valid until the next call; "" for others) */
const char *ln_model_kernel (ln_model *m, int id);

#endif
