/*
** luanet/graph.h -- graphs, their nodes (opaque: read through accessors)
** and the op table (every op by index and name, with its attribute spec).
*/
#ifndef LUANET_GRAPH_H
#define LUANET_GRAPH_H

#include "random.h"

typedef struct ln_graph ln_graph;
typedef struct ln_node ln_node;

typedef enum ln_leaf {
  LN_LEAF_NONE = 0,  /* an op node */
  LN_LEAF_INPUT,     /* fed at run time */
  LN_LEAF_PARAM,     /* trainable, persistent */
  LN_LEAF_BUFFER,    /* persistent, not trained (running statistics) */
  LN_LEAF_CONST      /* fixed value */
} ln_leaf;

/* {====== The op table ====== */

/* what the op table says about one op */
typedef struct ln_opinfo {
  const char *name;          /* as seen from Lua */
  int min_in, max_in;        /* arity range */
  /* attributes "name=default,...": a number, "a|b|c" (enum, first is the
  ** default, stored as its index) or "[]" (the list attribute) */
  const char *attrs;
  const char *doc;           /* one line: formula ("" when none) */
  const char *paper;         /* "Authors year, title, arXiv:id" or "" */
  int has_grad;              /* the op has a backward */
  int custom;                /* registered with ln_op_register */
} ln_opinfo;

/* entries of the op table: 0 is the leaf, 1..ln_op_count()-1 the ops
** (the families of src/ops/, then ops registered by the application) */
int ln_op_count (void);
int ln_op_find (const char *name);       /* index or -1 */
/* fill '*info' for op 'op'; LN_EARG when out of range */
int ln_op_info (int op, ln_opinfo *info);
const char *ln_op_name (int op);         /* NULL when out of range */
/* attribute names of op 'op' (static), the index of the list attribute
** or -1, and the default values */
int ln_op_attr_names (int op, const char **names, int max);
int ln_op_attr_index (int op, const char *name);   /* -1 if none */
int ln_op_attr_is_list (int op, int k);
/* parse enum value 'val' of attribute k; returns its index or -1 */
int ln_op_attr_enum (int op, int k, const char *val);
const char *ln_op_attr_enum_name (int op, int k, int idx);
void ln_op_attr_defaults (int op, double *attr);
/* Pair attributes ("stride=1:2" in the spec: height and width). attr[k]
** holds the first value, as for any attribute; the second is stored in
** slot ln_op_attr_pair(op, k) (-1: k is not a pair) as its difference to
** the first, so 0 there (arrays filled one value per attribute, files
** from before pairs) means the same on both axes. Set and read both
** through these: set_pair returns LN_EARG if k is not a pair and h != w. */
int ln_op_attr_pair (int op, int k);
/* markers of attribute k: its position among the positional arguments
** (1..) or 0; an axis ('#'); a start ('^') or stop ('$') index; a list
** that takes "B" ("[B]"); see ln_op.c */
int ln_op_attr_positional (int op, int k);
int ln_op_attr_is_axis (int op, int k);
int ln_op_attr_is_start (int op, int k);
int ln_op_attr_is_stop (int op, int k);
int ln_op_attr_takes_batch (int op, int k);
int ln_op_attr_set_pair (int op, double *attr, int k, double h, double w);
void ln_op_attr_get_pair (int op, const double *attr, int k, double *h,
                          double *w);

/* }====== */

/* {====== Graphs ====== */

int ln_graph_new (ln_graph **out);
void ln_graph_free (ln_graph *g);                    /* NULL-safe */
int ln_graph_size (const ln_graph *g);               /* number of nodes */
ln_node *ln_graph_node (ln_graph *g, int id);        /* NULL if out of range */
int ln_graph_find (const ln_graph *g, const char *name);  /* id or -1 */
/* Leaves. 'dim' may hold LN_BATCH as dim[0] (inputs only). */
int ln_graph_input (ln_graph *g, const char *name, ln_dtype dt,
                    int ndim, const int *dim, int *out);
int ln_graph_param (ln_graph *g, const char *name, int ndim, const int *dim,
                    ln_init how, double a, int *out);
int ln_graph_buffer (ln_graph *g, const char *name, int ndim, const int *dim,
                     double value, int *out);
/* a constant: copies 't' */
int ln_graph_const (ln_graph *g, const char *name, const ln_tensor *t,
                    int *out);
/*
** Append an op node. 'attr' holds LN_MAX_ATTRS values in the op's attr
** order (NULL = defaults); 'list' holds 'n_list' ints for the list attr.
** Shape inference runs now: on failure the graph is unchanged.
*/
int ln_graph_op (ln_graph *g, int op, int n_in, const int *in,
                 const double *attr, int n_list, const int *list, int *out);
/* same, op by name, default attributes */
int ln_graph_opn (ln_graph *g, const char *op, int n_in, const int *in,
                  const double *attr, int *out);
int ln_graph_set_name (ln_graph *g, int id, const char *name);
/* current batch size of the graph's shapes (the compiled maximum after
** compile) */
int ln_graph_batch (const ln_graph *g);

/* }====== */

/* {====== Nodes ====== */

int ln_node_id (const ln_node *n);          /* index in its graph, 0-based */
int ln_node_op (const ln_node *n);          /* index in the op table (0: leaf) */
ln_leaf ln_node_leaf (const ln_node *n);
const char *ln_node_name (const ln_node *n);  /* "" when unnamed */
ln_dtype ln_node_dtype (const ln_node *n);
int ln_node_ndim (const ln_node *n);
/* the current shape (ndim entries; the batch dim at the current batch) */
const int *ln_node_dims (const ln_node *n);
size_t ln_node_numel (const ln_node *n);
int ln_node_batched (const ln_node *n);     /* dim[0] is the batch */
int ln_node_n_in (const ln_node *n);
ln_node *ln_node_in (const ln_node *n, int k);   /* NULL if out of range */
/* numeric attribute k (by the op's attr spec), and the list attribute */
double ln_node_attr (const ln_node *n, int k);
const int *ln_node_list (const ln_node *n, int *len);
/* the persistent value of a parameter, buffer or constant (NULL for
** inputs and op nodes); writing it: see ln_params_changed */
ln_tensor *ln_node_store (ln_node *n);

/* }====== */

#endif
