/*
** luanet/tensor.h -- dense tensors, the data exchanged with the engine.
**
** ln_tensor is a plain data struct on purpose (as DLPack's DLTensor): every
** function that takes or returns data speaks it, users fill and read
** 'data' directly, and it has no invariant beyond n = product of dim[] that
** accessors would protect. Graphs, nodes and models are opaque.
*/
#ifndef LUANET_TENSOR_H
#define LUANET_TENSOR_H

#include "base.h"

typedef struct ln_tensor {
  ln_dtype dtype;            /* LN_F32 or LN_I32 */
  int ndim;                  /* 0..LN_MAX_DIMS (0 = scalar) */
  int dim[LN_MAX_DIMS];      /* shape, row-major */
  size_t n;                  /* number of elements */
  void *data;                /* n elements of dtype, contiguous */
  int owns;                  /* 1 if 'data' is freed with the tensor */
} ln_tensor;

/* New zero-filled tensor; NULL on failure (message set). */
ln_tensor *ln_tensor_new (ln_dtype dt, int ndim, const int *dim);
/* A tensor viewing 'data' (not owned). */
ln_tensor *ln_tensor_view (ln_dtype dt, int ndim, const int *dim, void *data);
void ln_tensor_free (ln_tensor *t);                 /* NULL-safe */
/* number of elements of a shape; 0 and message on overflow/bad dims */
size_t ln_shape_numel (int ndim, const int *dim);
/* "2x3x4" into buf (for messages) */
const char *ln_shape_str (int ndim, const int *dim, char *buf, size_t sz);
/* .npy (v1.0, '<f4' or '<i4', C order) */
int ln_npy_save (const char *path, const ln_tensor *t);
int ln_npy_load (const char *path, ln_tensor **out);

#endif
