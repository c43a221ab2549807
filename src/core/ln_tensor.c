/*
** ln_tensor.c -- dense tensors and .npy files.
*/
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ln_internal.h"

static ln_tensor *make (ln_dtype dt, int ndim, const int *dim) {
  ln_tensor *t;
  int i;
  if (ndim < 0 || ndim > LN_MAX_DIMS) {
    ln_seterr(LN_ESHAPE, "tensor: rank %d out of range 0..%d", ndim, LN_MAX_DIMS);
    return NULL;
  }
  for (i = 0; i < ndim; i++)
    if (dim[i] < 0) {
      ln_seterr(LN_ESHAPE, "tensor: dimension %d is negative (%d)", i + 1, dim[i]);
      return NULL;
    }
  if ((t = ln_calloc(1, sizeof(*t))) == NULL) return NULL;
  t->dtype = dt;
  t->ndim = ndim;
  for (i = 0; i < ndim; i++) t->dim[i] = dim[i];
  t->n = ln_shape_numel(ndim, dim);
  if (t->n == 0 && ndim > 0) {
    for (i = 0; i < ndim; i++) if (dim[i] == 0) break;
    if (i == ndim) { free(t); return NULL; }   /* overflow, message set */
  }
  return t;
}

ln_tensor *ln_tensor_new (ln_dtype dt, int ndim, const int *dim) {
  ln_tensor *t = make(dt, ndim, dim);
  if (t == NULL) return NULL;
  if ((t->data = ln_calloc(t->n ? t->n : 1, 4)) == NULL) { free(t); return NULL; }
  t->owns = 1;
  return t;
}

ln_tensor *ln_tensor_view (ln_dtype dt, int ndim, const int *dim, void *data) {
  ln_tensor *t = make(dt, ndim, dim);
  if (t) t->data = data;
  return t;
}

void ln_tensor_free (ln_tensor *t) {
  if (t == NULL) return;
  if (t->owns) free(t->data);
  free(t);
}

/* {====== .npy ====== */

int ln_npy_save (const char *path, const ln_tensor *t) {
  char hdr[256], shape[160];
  size_t len = 0, total;
  int i, n;
  FILE *f;
  shape[0] = '\0';
  for (i = 0; i < t->ndim; i++)
    len += (size_t)snprintf(shape + len, sizeof(shape) - len, "%d,%s", t->dim[i],
                            (i + 1 < t->ndim) ? " " : "");
  if (t->ndim > 1) shape[len - 1] = '\0';   /* (2, 3) not (2, 3,) */
  n = snprintf(hdr, sizeof(hdr),
               "{'descr': '<%s', 'fortran_order': False, 'shape': (%s), }",
               t->dtype == LN_F32 ? "f4" : "i4", shape);
  total = 10 + (size_t)n + 1;
  while (total % 64) { hdr[n++] = ' '; total++; }
  hdr[n++] = '\n';
  f = fopen(path, "wb");
  if (f == NULL) return ln_seterr(LN_EIO, "npy_save: %s: %s", path, strerror(errno));
  fwrite("\x93NUMPY\x01\x00", 1, 8, f);
  fputc(n & 0xff, f); fputc((n >> 8) & 0xff, f);
  fwrite(hdr, 1, (size_t)n, f);
  fwrite(t->data, 4, t->n, f);
  if (ferror(f) | fclose(f))
    return ln_seterr(LN_EIO, "npy_save: %s: write failed", path);
  return LN_OK;
}

int ln_npy_load (const char *path, ln_tensor **out) {
  unsigned char pre[10];
  char hdr[1024], *p;
  int dim[LN_MAX_DIMS], ndim = 0, hl;
  ln_dtype dt;
  ln_tensor *t;
  FILE *f = fopen(path, "rb");
  *out = NULL;
  if (f == NULL) return ln_seterr(LN_EIO, "npy_load: %s: %s", path, strerror(errno));
  if (fread(pre, 1, 10, f) != 10 || memcmp(pre, "\x93NUMPY", 6) != 0) {
    fclose(f);
    return ln_seterr(LN_EFORMAT, "npy_load: %s: not a .npy file", path);
  }
  hl = pre[8] | (pre[9] << 8);
  if (pre[6] != 1 || hl >= (int)sizeof(hdr) || fread(hdr, 1, (size_t)hl, f) != (size_t)hl) {
    fclose(f);
    return ln_seterr(LN_EFORMAT, "npy_load: %s: unsupported or truncated header", path);
  }
  hdr[hl] = '\0';
  if (strstr(hdr, "'<f4'")) dt = LN_F32;
  else if (strstr(hdr, "'<i4'")) dt = LN_I32;
  else { fclose(f); return ln_seterr(LN_EFORMAT, "npy_load: %s: dtype must be <f4 or <i4", path); }
  if (strstr(hdr, "'fortran_order': True")) {
    fclose(f);
    return ln_seterr(LN_EFORMAT, "npy_load: %s: fortran order not supported", path);
  }
  p = strstr(hdr, "'shape': (");
  if (p == NULL) { fclose(f); return ln_seterr(LN_EFORMAT, "npy_load: %s: no shape", path); }
  p += 10;
  while (*p && *p != ')') {
    char *end;
    long v = strtol(p, &end, 10);
    if (end == p) { p++; continue; }
    if (ndim == LN_MAX_DIMS || v < 0 || v > 0x7fffffff) {
      fclose(f);
      return ln_seterr(LN_EFORMAT, "npy_load: %s: bad shape", path);
    }
    dim[ndim++] = (int)v;
    p = end;
  }
  if ((t = ln_tensor_new(dt, ndim, dim)) == NULL) { fclose(f); return LN_ENOMEM; }
  if (fread(t->data, 4, t->n, f) != t->n) {
    fclose(f); ln_tensor_free(t);
    return ln_seterr(LN_EFORMAT, "npy_load: %s: truncated data", path);
  }
  fclose(f);
  *out = t;
  return LN_OK;
}

/* }====== */
