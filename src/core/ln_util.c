/*
** ln_util.c -- error messages, shape helpers, allocation with messages.
*/
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ln_internal.h"

static _Thread_local char errmsg[512];

const char *ln_errmsg (void) { return errmsg; }

int ln_seterr (int code, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(errmsg, sizeof(errmsg), fmt, ap);
  va_end(ap);
  return code;
}

void *ln_malloc (size_t sz) {
  void *p = malloc(sz ? sz : 1);
  if (p == NULL) ln_seterr(LN_ENOMEM, "out of memory (%zu bytes)", sz);
  return p;
}

void *ln_calloc (size_t n, size_t sz) {
  void *p = calloc(n ? n : 1, sz ? sz : 1);
  if (p == NULL) ln_seterr(LN_ENOMEM, "out of memory (%zu x %zu bytes)", n, sz);
  return p;
}

size_t ln_shape_numel (int ndim, const int *dim) {
  size_t s = 1;
  int i;
  for (i = 0; i < ndim; i++) {
    if (dim[i] < 0) { ln_seterr(LN_ESHAPE, "negative dimension %d", dim[i]); return 0; }
    if (dim[i] != 0 && s > SIZE_MAX / 4 / (size_t)dim[i]) {
      ln_seterr(LN_ESHAPE, "shape too large");
      return 0;
    }
    s *= (size_t)dim[i];
  }
  return s;
}

const char *ln_shape_str (int ndim, const int *dim, char *buf, size_t sz) {
  size_t len = 0;
  int i;
  if (ndim == 0) { snprintf(buf, sz, "scalar"); return buf; }
  buf[0] = '\0';
  for (i = 0; i < ndim && len < sz; i++) {
    int r;
    if (dim[i] == LN_BATCH) r = snprintf(buf + len, sz - len, "%sB", i ? "x" : "");
    else r = snprintf(buf + len, sz - len, "%s%d", i ? "x" : "", dim[i]);
    if (r < 0) break;
    len += (size_t)r;
  }
  return buf;
}

const char *ln_node_shape (const ln_node *n) {
  static _Thread_local char bufs[4][96];
  static _Thread_local int k;
  char *b = bufs[k++ & 3];
  int dim[LN_MAX_DIMS], i;
  for (i = 0; i < n->ndim; i++) dim[i] = n->dim[i];
  if (n->batched && n->ndim > 0) dim[0] = LN_BATCH;   /* show "B" */
  return ln_shape_str(n->ndim, dim, b, sizeof(bufs[0]));
}

int ln_axis (int axis, int ndim) {
  if (axis < 0) axis += ndim;
  return (axis >= 0 && axis < ndim) ? axis : -1;
}

int ln_broadcast_shape (const char *op, const ln_node *a, const ln_node *b,
                        int *ndim, int *dim) {
  int nd = a->ndim > b->ndim ? a->ndim : b->ndim, i;
  for (i = 0; i < nd; i++) {
    int ia = i - (nd - a->ndim), ib = i - (nd - b->ndim);
    int da = ia >= 0 ? a->dim[ia] : 1, db = ib >= 0 ? b->dim[ib] : 1;
    if (da != db && da != 1 && db != 1)
      return ln_seterr(LN_ESHAPE, "%s: shapes %s and %s do not broadcast",
                       op, ln_node_shape(a), ln_node_shape(b));
    dim[i] = da == 1 ? db : da;
  }
  *ndim = nd;
  return LN_OK;
}

void ln_set_shape (ln_node *n, ln_dtype dt, int ndim, const int *dim) {
  int i;
  n->dtype = dt;
  n->ndim = ndim;
  for (i = 0; i < ndim; i++) n->dim[i] = dim[i];
}

/*
** The generation of parameter values: moved by every write the library
** makes or sees to a parameter's or a constant's values (optimizer steps,
** the Lua tensor methods on views), and by ln_params_changed() for writes
** made through pointers. Kernels that keep converted copies of weights
** (bf16 products) convert again when it has moved since their copy.
*/
static unsigned long params_gen = 1;

void ln_params_changed (void) { __atomic_fetch_add(&params_gen, 1, __ATOMIC_RELAXED); }
unsigned long ln_params_gen (void) { return __atomic_load_n(&params_gen, __ATOMIC_RELAXED); }
