/*
** luanet/op.h -- ops written by the application, and one op run on its
** own.
**
** An application adds an op without touching the engine: it describes
** the op in an ln_opdef (name, arity, attribute spec, shape, forward,
** backward) and registers it; the op then sits in the op table beside the
** built-in ones (ln_op_find, ln_graph_op, models, the Lua binding). A
** model that uses it is saved with the op's name; loading that model
** needs the op registered first (else the load fails naming the op).
**
** The callbacks get the opaque node and read it through the accessors of
** luanet/graph.h and the kernel accessors below:
**
**   shape:    set the output with ln_node_set_shape from the inputs'
**             shapes and the attributes; on a bad fit
**             return ln_seterr(LN_ESHAPE, "<op>: ...shapes...")
**   forward:  write ln_node_value(n) from the inputs' values
**   backward: for each input k whose ln_node_grad(in_k) is not NULL,
**             ADD dL/din_k, given dL/dy = ln_node_grad(n); the engine
**             zeroes gradients before the first writer
**   validate: (optional) check int32 input values before forward, which
**             cannot fail
**
** Values live in memory the engine plans: a callback keeps no pointer to
** it across calls. Forward and backward may run from several threads
** on different models at once, never on one node at once.
*/
#ifndef LUANET_OP_H
#define LUANET_OP_H

#include "graph.h"

/* what a kernel may ask about the run (training or inference) */
typedef struct ln_ctx ln_ctx;
int ln_ctx_training (const ln_ctx *c);      /* 1 in training mode */
int ln_ctx_batch (const ln_ctx *c);         /* run-time batch size */

/* {====== Kernel accessors ====== */

/* value of a node (float32; int32 nodes: ln_node_ivalue) and its gradient
** dL/dvalue (NULL when no gradient flows there) */
float *ln_node_value (ln_node *n);
int32_t *ln_node_ivalue (ln_node *n);
float *ln_node_grad (ln_node *n);
/* in a shape callback: the node's output type and shape */
int ln_node_set_shape (ln_node *n, ln_dtype dt, int ndim, const int *dim);

/* }====== */

/* {====== Registering ops ====== */

typedef struct ln_opdef {
  const char *name;          /* [A-Za-z_][A-Za-z0-9_]*, < 64 bytes, unique */
  int min_in, max_in;        /* 1 <= min_in <= max_in <= LN_MAX_IN */
  /* "name=default,...", as the built-in ops, markers included (@ positional,
  ** # axis, ...: src/core/ln_op.c); NULL: none */
  const char *attrs;
  int (*shape) (ln_node *n);                 /* required */
  void (*forward) (ln_node *n, ln_ctx *c);   /* required */
  void (*backward) (ln_node *n, ln_ctx *c);  /* NULL: no gradient */
  int (*validate) (const ln_node *n);        /* NULL: nothing to check */
  const char *doc;                           /* one line, or NULL */
} ln_opdef;

/* the most ops the table holds, built-in and registered */
#define LN_MAX_OPS 256

/*
** Add op 'def' to the op table (strings are copied); '*op' (when not
** NULL) gets its index. Thread-safe. LN_EARG, naming the op, for a
** missing name or callback, a bad name, a bad arity, a bad attribute
** spec, a name already in the table, or a full table. An op stays
** registered until the process ends.
*/
int ln_op_register (const ln_opdef *def, int *op);

/* }====== */

/* {====== One op on tensors (eager) ====== */

/*
** Run op 'op' forward on tensors 'in[0..n_in)' (attributes as in
** ln_graph_op: NULL = defaults), the kernels a compiled model uses; '*out'
** gets a new tensor owned by the caller. 'training' as in
** ln_model_forward. Errors: arity, shapes, bad int32 values (LN_EARG /
** LN_ESHAPE, message naming the op).
*/
int ln_op_eval (int op, int n_in, const ln_tensor *const *in,
                const double *attr, int n_list, const int *list,
                int training, ln_tensor **out);

/* }====== */

#endif
