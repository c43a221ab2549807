/*
** ln_node.c -- the accessors of the opaque node and context (luanet/graph.h,
** luanet/op.h): what applications, the Lua binding and custom ops read.
*/
#include "ln_internal.h"

int ln_node_id (const ln_node *n) { return n->id; }
int ln_node_op (const ln_node *n) { return n->op; }
ln_leaf ln_node_leaf (const ln_node *n) { return n->leaf; }
const char *ln_node_name (const ln_node *n) { return n->name; }
ln_dtype ln_node_dtype (const ln_node *n) { return n->dtype; }
int ln_node_ndim (const ln_node *n) { return n->ndim; }
const int *ln_node_dims (const ln_node *n) { return n->dim; }
size_t ln_node_numel (const ln_node *n) { return ln_numel(n); }
int ln_node_batched (const ln_node *n) { return n->batched; }
int ln_node_n_in (const ln_node *n) { return n->n_in; }

ln_node *ln_node_in (const ln_node *n, int k) {
  return (k >= 0 && k < n->n_in) ? n->in[k] : NULL;
}

double ln_node_attr (const ln_node *n, int k) {
  return (k >= 0 && k < LN_MAX_ATTRS) ? n->attr[k] : 0;
}

const int *ln_node_list (const ln_node *n, int *len) {
  if (len) *len = n->n_list;
  return n->list;
}

ln_tensor *ln_node_store (ln_node *n) { return n->store; }
float *ln_node_value (ln_node *n) { return n->x; }
int32_t *ln_node_ivalue (ln_node *n) { return LN_XI(n); }
float *ln_node_grad (ln_node *n) { return n->g; }

int ln_node_set_shape (ln_node *n, ln_dtype dt, int ndim, const int *dim) {
  const char *op = ln_op_name(n->op);
  int i;
  if (ndim < 0 || ndim > LN_MAX_DIMS)
    return ln_seterr(LN_ESHAPE, "%s: output rank %d out of range 0..%d",
                     op ? op : "?", ndim, LN_MAX_DIMS);
  for (i = 0; i < ndim; i++)
    if (dim[i] < 0)
      return ln_seterr(LN_ESHAPE, "%s: output dimension %d is negative (%d)",
                       op ? op : "?", i + 1, dim[i]);
  ln_set_shape(n, dt, ndim, dim);
  return LN_OK;
}

int ln_ctx_training (const ln_ctx *c) { return c->training; }
int ln_ctx_batch (const ln_ctx *c) { return c->batch; }
