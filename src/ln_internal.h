/*
** ln_internal.h -- shared by the engine's files and the op families; not
** installed. Kernels include this only.
*/
#ifndef LN_INTERNAL_H
#define LN_INTERNAL_H

#include <stdint.h>
#include <stddef.h>
#include "luanet.h"

#ifdef _OPENMP
#include <omp.h>
#endif

/* elementwise loops go parallel above this many elements */
#define LN_PAR_MIN 32768

struct ln_graph {
  ln_node **nodes;   /* nodes[0..n-1], each malloc'ed */
  int n, cap;        /* count and capacity */
  int batch;         /* size given to LN_BATCH dims in shapes now */
};

/* op families: each file of src/ops/ exports one table ending in {NULL} */
extern const ln_opdesc ln_ops_elem[];
extern const ln_opdesc ln_ops_reduce[];
extern const ln_opdesc ln_ops_shape[];
extern const ln_opdesc ln_ops_nn[];
extern const ln_opdesc ln_ops_conv[];
extern const ln_opdesc ln_ops_norm[];
extern const ln_opdesc ln_ops_actlearn[];
extern const ln_opdesc ln_ops_loss[];
extern const ln_opdesc ln_ops_act[];
extern const ln_opdesc ln_ops_kan[];

/* numel of a node's current shape */
static inline size_t ln_numel (const ln_node *n) {
  size_t s = 1;
  int i;
  for (i = 0; i < n->ndim; i++) s *= (size_t)n->dim[i];
  return s;
}

#define LN_XI(n)  ((int32_t *)(void *)(n)->x)   /* int32 value of a node */

/* shape string of a node, for messages: uses a rotating static buffer
** per thread, so up to 4 may appear in one message */
const char *ln_node_shape (const ln_node *n);
/* normalise a possibly negative axis against 'ndim'; -1 if out of range */
int ln_axis (int axis, int ndim);
/* shape of 'a' op 'b' with numpy broadcasting into 'out'; LN_ESHAPE with
** message "<op>: ..." when they do not broadcast */
int ln_broadcast_shape (const char *op, const ln_node *a, const ln_node *b,
                        int *ndim, int *dim);
/* copy a shape into a node */
void ln_set_shape (ln_node *n, ln_dtype dt, int ndim, const int *dim);
/* the op index of a node's op descriptor */
const ln_opdesc *ln_node_desc (const ln_node *n);

/* re-infer all shapes for a batch size (ln_graph.c) */
int ln_graph_reshape (ln_graph *g, int batch);

/* BLAS loading (ln_blas.c) */
int ln_blas_load (void);

/* memory with a failure message */
void *ln_malloc (size_t sz);
void *ln_calloc (size_t n, size_t sz);

#endif
