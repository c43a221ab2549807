/*
** ln_graph.c -- building graphs: leaves, op nodes, shape inference.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ln_internal.h"

/* batch size given to "B" while a graph is built (compile sets the real
** maximum); 2 rather than 1 so that broadcasting cannot hide a mismatch */
#define BUILD_BATCH 2

int ln_graph_new (ln_graph **out) {
  ln_graph *g = ln_calloc(1, sizeof(*g));
  *out = g;
  if (g == NULL) return LN_ENOMEM;
  g->batch = BUILD_BATCH;
  return LN_OK;
}

static void node_free (ln_node *n) {
  if (n == NULL) return;
  ln_tensor_free(n->store);
  ln_tensor_free(n->grad);
  free(n);
}

void ln_graph_free (ln_graph *g) {
  int i;
  if (g == NULL) return;
  for (i = 0; i < g->n; i++) node_free(g->nodes[i]);
  free(g->nodes);
  free(g);
}

int ln_graph_size (const ln_graph *g) { return g->n; }
int ln_graph_batch (const ln_graph *g) { return g->batch; }

ln_node *ln_graph_node (ln_graph *g, int id) {
  return (id >= 0 && id < g->n) ? g->nodes[id] : NULL;
}

int ln_graph_find (const ln_graph *g, const char *name) {
  int i;
  if (name == NULL || *name == '\0') return -1;
  for (i = 0; i < g->n; i++)
    if (strcmp(g->nodes[i]->name, name) == 0) return i;
  return -1;
}

/* check a new node's name: fits and is unique (NULL or "" = unnamed) */
static int check_name (const ln_graph *g, const char *fn, const char *name) {
  if (name == NULL || *name == '\0') return LN_OK;
  if (strlen(name) >= LN_NAME_MAX)
    return ln_seterr(LN_EARG, "%s: name '%.20s...' longer than %d bytes", fn,
                     name, LN_NAME_MAX - 1);
  if (ln_graph_find(g, name) >= 0)
    return ln_seterr(LN_EARG, "%s: name '%s' is already used in this graph",
                     fn, name);
  return LN_OK;
}

/* append node 'n' (taking ownership); frees it on failure */
static int append (ln_graph *g, ln_node *n, int *out) {
  if (g->n == g->cap) {
    int cap = g->cap ? 2 * g->cap : 32;
    ln_node **p = realloc(g->nodes, (size_t)cap * sizeof(*p));
    if (p == NULL) {
      node_free(n);
      return ln_seterr(LN_ENOMEM, "graph: out of memory");
    }
    g->nodes = p;
    g->cap = cap;
  }
  n->id = g->n;
  g->nodes[g->n++] = n;
  if (out) *out = n->id;
  return LN_OK;
}

/* a leaf of kind 'kind' with shape 'dim' (dim[0] may be LN_BATCH) */
static int new_leaf (ln_graph *g, const char *fn, const char *name,
                     ln_leaf kind, ln_dtype dt, int ndim, const int *dim,
                     ln_node **out) {
  ln_node *n;
  int i, rc;
  *out = NULL;
  if ((rc = check_name(g, fn, name)) != LN_OK) return rc;
  if (ndim < 0 || ndim > LN_MAX_DIMS)
    return ln_seterr(LN_ESHAPE, "%s: rank %d out of range 0..%d", fn, ndim,
                     LN_MAX_DIMS);
  for (i = 0; i < ndim; i++)
    if (dim[i] <= 0 && !(i == 0 && dim[i] == LN_BATCH && kind == LN_LEAF_INPUT))
      return ln_seterr(LN_ESHAPE, "%s: dimension %d must be positive, got %d",
                       fn, i + 1, dim[i]);
  if ((n = ln_calloc(1, sizeof(*n))) == NULL) return LN_ENOMEM;
  n->leaf = kind;
  n->dtype = dt;
  n->ndim = ndim;
  for (i = 0; i < ndim; i++) n->dim[i] = dim[i];
  if (ndim > 0 && dim[0] == LN_BATCH) {
    n->batched = 1;
    n->dim[0] = g->batch;
  }
  if (name) snprintf(n->name, sizeof(n->name), "%s", name);
  *out = n;
  return LN_OK;
}

int ln_graph_input (ln_graph *g, const char *name, ln_dtype dt, int ndim,
                    const int *dim, int *out) {
  ln_node *n;
  int rc;
  if (name == NULL || *name == '\0')
    return ln_seterr(LN_EARG, "input: inputs need a name (they are fed by name)");
  if ((rc = new_leaf(g, "input", name, LN_LEAF_INPUT, dt, ndim, dim, &n)))
    return rc;
  return append(g, n, out);
}

/* a leaf that owns a persistent value */
static int stored_leaf (ln_graph *g, const char *fn, const char *name,
                        ln_leaf kind, ln_dtype dt, int ndim, const int *dim,
                        ln_node **out) {
  int rc = new_leaf(g, fn, name, kind, dt, ndim, dim, out);
  if (rc != LN_OK) return rc;
  if (((*out)->store = ln_tensor_new(dt, ndim, dim)) == NULL) {
    free(*out);
    return LN_ENOMEM;
  }
  (*out)->x = (*out)->store->data;
  return LN_OK;
}

int ln_graph_param (ln_graph *g, const char *name, int ndim, const int *dim,
                    ln_init how, double a, int *out) {
  ln_node *n;
  int rc;
  if ((int)how < 0 || how >= LN_INIT_COUNT)
    return ln_seterr(LN_EARG, "param: unknown initialiser %d", (int)how);
  if ((rc = stored_leaf(g, "param", name, LN_LEAF_PARAM, LN_F32, ndim, dim, &n)))
    return rc;
  if ((rc = ln_tensor_init(n->store, how, a)) != LN_OK) {
    node_free(n);
    return rc;
  }
  return append(g, n, out);
}

int ln_graph_buffer (ln_graph *g, const char *name, int ndim, const int *dim,
                     double value, int *out) {
  ln_node *n;
  int rc;
  if ((rc = stored_leaf(g, "buffer", name, LN_LEAF_BUFFER, LN_F32, ndim, dim, &n)))
    return rc;
  ln_tensor_init(n->store, LN_INIT_CONST, value);
  return append(g, n, out);
}

int ln_graph_const (ln_graph *g, const char *name, const ln_tensor *t, int *out) {
  ln_node *n;
  int rc;
  if ((rc = stored_leaf(g, "const", name, LN_LEAF_CONST, t->dtype, t->ndim,
                        t->dim, &n)))
    return rc;
  memcpy(n->store->data, t->data, t->n * 4);
  return append(g, n, out);
}

/* is dim[0] of op node 'n' the batch? (for messages and printing) */
static int batched_like_inputs (const ln_node *n) {
  int k;
  if (n->ndim == 0) return 0;
  for (k = 0; k < n->n_in; k++)
    if (n->in[k]->batched && n->in[k]->dim[0] == n->dim[0]) return 1;
  return 0;
}

int ln_graph_op (ln_graph *g, int op, int n_in, const int *in,
                 const double *attr, int n_list, const int *list, int *out) {
  const ln_opdesc *d = ln_op_desc(op);
  ln_node *n;
  int k, rc;
  if (d == NULL || op == 0)
    return ln_seterr(LN_EARG, "op: unknown op #%d", op);
  if (n_in < d->min_in || n_in > d->max_in) {
    if (d->min_in == d->max_in)
      return ln_seterr(LN_EARG, "%s: expects %d input%s, got %d", d->name,
                       d->min_in, d->min_in == 1 ? "" : "s", n_in);
    return ln_seterr(LN_EARG, "%s: expects %d to %d inputs, got %d", d->name,
                     d->min_in, d->max_in, n_in);
  }
  for (k = 0; k < n_in; k++)
    if (in[k] < 0 || in[k] >= g->n)
      return ln_seterr(LN_EARG, "%s: input %d is not a node of this graph",
                       d->name, k + 1);
  if (n_list < 0 || n_list > LN_MAX_DIMS)
    return ln_seterr(LN_EARG, "%s: list attribute longer than %d", d->name,
                     LN_MAX_DIMS);
  if ((n = ln_calloc(1, sizeof(*n))) == NULL) return LN_ENOMEM;
  n->op = op;
  n->n_in = n_in;
  for (k = 0; k < n_in; k++) n->in[k] = g->nodes[in[k]];
  if (attr) memcpy(n->attr, attr, sizeof(n->attr));
  else ln_op_attr_defaults(op, n->attr);
  n->n_list = n_list;
  for (k = 0; k < n_list; k++) n->list[k] = list[k];
  if ((rc = d->shape(n)) != LN_OK) {
    free(n);
    return rc;
  }
  n->batched = batched_like_inputs(n);
  return append(g, n, out);
}

int ln_graph_opn (ln_graph *g, const char *op, int n_in, const int *in,
                  const double *attr, int *out) {
  int k = ln_op_find(op);
  if (k < 0) return ln_seterr(LN_EARG, "op: unknown op '%s'", op);
  return ln_graph_op(g, k, n_in, in, attr, 0, NULL, out);
}

int ln_graph_set_name (ln_graph *g, int id, const char *name) {
  ln_node *n = ln_graph_node(g, id);
  int rc;
  if (n == NULL) return ln_seterr(LN_EARG, "set_name: no node #%d", id);
  if (strcmp(n->name, name) == 0) return LN_OK;
  if ((rc = check_name(g, "set_name", name)) != LN_OK) return rc;
  snprintf(n->name, sizeof(n->name), "%s", name);
  return LN_OK;
}

/*
** Re-infer every shape for batch size 'batch' (inputs marked batched take
** it as dim[0]). Used by compile and when the run-time batch changes;
** allocates nothing. On failure shapes are left for the old batch.
*/
int ln_graph_reshape (ln_graph *g, int batch) {
  int i, old = g->batch, rc = LN_OK;
  for (i = 0; i < g->n && rc == LN_OK; i++) {
    ln_node *n = g->nodes[i];
    if (n->leaf == LN_LEAF_INPUT && n->batched) n->dim[0] = batch;
    else if (n->leaf == LN_LEAF_NONE) rc = ln_op_desc(n->op)->shape(n);
  }
  if (rc != LN_OK && batch != old) {
    char msg[512];
    snprintf(msg, sizeof(msg), "%s", ln_errmsg());
    ln_graph_reshape(g, old);
    return ln_seterr(rc, "%s (batch %d)", msg, batch);
  }
  g->batch = batch;
  return rc;
}
