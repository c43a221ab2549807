/*
** shape.c -- ops that move elements: reshape, flatten, transpose, permute,
** slice, concat. Values are copied as 4-byte words, so int32 inputs pass
** through with their dtype; gradients flow for float32 only.
*/
#include <stdio.h>
#include <string.h>
#include "ln_ops.h"

/* the input's gradient, NULL when none is wanted or it is int32 */
static float *in_grad (const ln_node *n, int k) {
  return n->in[k]->dtype == LN_F32 ? n->in[k]->g : NULL;
}

/* {====== Reshape and flatten: same elements, new shape ====== */

static void copy_forward (ln_node *n, ln_ctx *c) {
  (void)c;
  if (n->x != n->in[0]->x)
    memcpy(n->x, n->in[0]->x, ln_numel(n) * sizeof(float));
}

static void copy_backward (ln_node *n, ln_ctx *c) {
  float *gx = in_grad(n, 0);
  const float *gy = n->g;
  long i, len = (long)ln_numel(n);
  (void)c;
  if (gx == NULL) return;
  LN_PFOR
  for (i = 0; i < len; i++) gx[i] += gy[i];
}

/* "4x-1" for messages */
static const char *list_str (const int *l, int n, char *buf, size_t sz) {
  size_t len = 0;
  int i;
  if (n == 0) { snprintf(buf, sz, "scalar"); return buf; }
  buf[0] = '\0';
  for (i = 0; i < n && len < sz; i++)
    len += (size_t)snprintf(buf + len, sz - len, "%s%d", i ? "x" : "", l[i]);
  return buf;
}

/* target dims in n->list; one -1 is inferred from the input's numel */
static int shape_reshape (ln_node *n) {
  const ln_node *in = n->in[0];
  int dim[LN_MAX_DIMS], i, infer = -1;
  size_t known = 1, total = ln_numel(in);
  char buf[96];
  for (i = 0; i < n->n_list; i++) {
    dim[i] = n->list[i];
    if (dim[i] == -1 && infer < 0) infer = i;
    else if (dim[i] < 0) goto bad;
    else known *= (size_t)dim[i];
  }
  if (infer >= 0) {
    if (known == 0 || total % known != 0) goto bad;
    dim[infer] = (int)(total / known);
  } else if (known != total) goto bad;
  ln_set_shape(n, in->dtype, n->n_list, dim);
  return LN_OK;
bad:
  return ln_seterr(LN_ESHAPE, "reshape: cannot reshape %s into %s",
                   ln_node_shape(in), list_str(n->list, n->n_list, buf,
                                               sizeof(buf)));
}

static int shape_flatten (ln_node *n) {
  const ln_node *in = n->in[0];
  int dim[LN_MAX_DIMS], nd = 0, i;
  int s = ln_axis((int)n->attr[0], in->ndim), e = ln_axis((int)n->attr[1], in->ndim);
  if (in->ndim == 0) {                       /* torch: a scalar becomes [1] */
    dim[0] = 1;
    ln_set_shape(n, in->dtype, 1, dim);
    return LN_OK;
  }
  if (s < 0 || e < 0)
    return ln_seterr(LN_ESHAPE, "flatten: dim %d out of range for shape %s",
                     s < 0 ? (int)n->attr[0] : (int)n->attr[1],
                     ln_node_shape(in));
  if (s > e)
    return ln_seterr(LN_ESHAPE, "flatten: start_dim %d comes after end_dim %d",
                     (int)n->attr[0], (int)n->attr[1]);
  for (i = 0; i < s; i++) dim[nd++] = in->dim[i];
  dim[nd] = 1;
  for (i = s; i <= e; i++) dim[nd] *= in->dim[i];
  nd++;
  for (i = e + 1; i < in->ndim; i++) dim[nd++] = in->dim[i];
  ln_set_shape(n, in->dtype, nd, dim);
  return LN_OK;
}

/* }====== */

/* {====== Transpose and permute ====== */

/* the permutation of a transpose or permute node (validated by shape) */
static void get_perm (const ln_node *n, int *perm) {
  int i, nd = n->in[0]->ndim;
  if (strcmp(ln_node_desc(n)->name, "permute") == 0) {
    for (i = 0; i < nd; i++) perm[i] = ln_axis(n->list[i], nd);
  } else {
    int a = ln_axis((int)n->attr[0], nd), b = ln_axis((int)n->attr[1], nd);
    for (i = 0; i < nd; i++) perm[i] = i;
    perm[a] = b;
    perm[b] = a;
  }
}

static int shape_perm (ln_node *n, const int *perm) {
  const ln_node *in = n->in[0];
  int dim[LN_MAX_DIMS], i;
  for (i = 0; i < in->ndim; i++) dim[i] = in->dim[perm[i]];
  ln_set_shape(n, in->dtype, in->ndim, dim);
  return LN_OK;
}

static int shape_transpose (ln_node *n) {
  const ln_node *in = n->in[0];
  int k, perm[LN_MAX_DIMS];
  for (k = 0; k < 2; k++)
    if (ln_axis((int)n->attr[k], in->ndim) < 0)
      return ln_seterr(LN_ESHAPE, "transpose: dim %d out of range for shape %s",
                       (int)n->attr[k], ln_node_shape(in));
  get_perm(n, perm);
  return shape_perm(n, perm);
}

static int shape_permute (ln_node *n) {
  const ln_node *in = n->in[0];
  int seen[LN_MAX_DIMS] = {0}, perm[LN_MAX_DIMS], i;
  char buf[96];
  if (n->n_list != in->ndim) goto bad;
  for (i = 0; i < in->ndim; i++) {
    int a = ln_axis(n->list[i], in->ndim);
    if (a < 0 || seen[a]) goto bad;
    seen[a] = 1;
  }
  get_perm(n, perm);
  return shape_perm(n, perm);
bad:
  return ln_seterr(LN_ESHAPE, "permute: [%s] is not a permutation of the "
                   "dims of shape %s",
                   list_str(n->list, n->n_list, buf, sizeof(buf)),
                   ln_node_shape(in));
}

/*
** y = x with dims permuted (y dim k = x dim perm[k]), x of shape xd: row by
** row of y, gathering from x. 'acc': add floats instead of copying words.
*/
static void perm_apply (const float *x, const int *xd, int nd, const int *perm,
                        float *y, int acc) {
  long xs[LN_MAX_DIMS], yd[LN_MAX_DIMS], len = 1, r, rows, in, ls, s = 1;
  int d;
  for (d = nd - 1; d >= 0; d--) { xs[d] = s; s *= xd[d]; }
  for (d = 0; d < nd; d++) { yd[d] = xd[perm[d]]; len *= yd[d]; }
  if (nd == 0) {
    if (acc) y[0] += x[0]; else memcpy(y, x, sizeof(float));
    return;
  }
  in = yd[nd - 1];
  rows = in ? len / in : 0;
  ls = xs[perm[nd - 1]];
  LN_PFOR
  for (r = 0; r < rows; r++) {
    long j, off = 0, q = r;
    float *yr = y + r * in;
    for (d = nd - 2; d >= 0; d--) { off += (q % yd[d]) * xs[perm[d]]; q /= yd[d]; }
    if (acc) for (j = 0; j < in; j++) yr[j] += x[off + j * ls];
    else {
      const uint32_t *xw = (const uint32_t *)x + off;
      uint32_t *yw = (uint32_t *)yr;
      for (j = 0; j < in; j++) yw[j] = xw[j * ls];
    }
  }
}

static void perm_forward (ln_node *n, ln_ctx *c) {
  int perm[LN_MAX_DIMS];
  (void)c;
  get_perm(n, perm);
  perm_apply(n->in[0]->x, n->in[0]->dim, n->ndim, perm, n->x, 0);
}

/* the gradient goes through the inverse permutation, gathered likewise */
static void perm_backward (ln_node *n, ln_ctx *c) {
  float *gx = in_grad(n, 0);
  int perm[LN_MAX_DIMS], inv[LN_MAX_DIMS], d;
  (void)c;
  if (gx == NULL) return;
  get_perm(n, perm);
  for (d = 0; d < n->ndim; d++) inv[perm[d]] = d;
  perm_apply(n->g, n->dim, n->ndim, inv, gx, 1);
}

/* }====== */

/* {====== Slice ====== */

/* python-style range along the axis of the input's current shape */
static void slice_range (const ln_node *n, int ax, long *start, long *count) {
  long d = n->in[0]->dim[ax], step = (long)n->attr[3];
  double a = n->attr[1], b = n->attr[2];
  long s, e;
  if (a < 0) a += (double)d;
  if (b < 0) b += (double)d;
  s = a < 0 ? 0 : a > (double)d ? d : (long)a;
  e = b < 0 ? 0 : b > (double)d ? d : (long)b;
  *start = s;
  *count = e > s ? (e - s + step - 1) / step : 0;
}

static int shape_slice (ln_node *n) {
  const ln_node *in = n->in[0];
  int ax = ln_axis((int)n->attr[0], in->ndim), dim[LN_MAX_DIMS];
  long start, count;
  if (ax < 0)
    return ln_seterr(LN_ESHAPE, "slice: axis %d out of range for shape %s",
                     (int)n->attr[0], ln_node_shape(in));
  if (n->attr[3] < 1)
    return ln_seterr(LN_ESHAPE, "slice: step must be >= 1, got %g", n->attr[3]);
  slice_range(n, ax, &start, &count);
  memcpy(dim, in->dim, sizeof(dim));
  dim[ax] = (int)count;
  ln_set_shape(n, in->dtype, in->ndim, dim);
  return LN_OK;
}

/* the input viewed as [outer, d, inner] around the axis */
static void around (const ln_node *in, int ax, long *outer, long *inner) {
  int i;
  *outer = *inner = 1;
  for (i = 0; i < ax; i++) *outer *= in->dim[i];
  for (i = ax + 1; i < in->ndim; i++) *inner *= in->dim[i];
}

/* SLICE_LOOP: body with xo (input offset) and yo (output offset) of each
** run of 'inner' elements */
#define SLICE_LOOP(...) do { \
    const ln_node *in_ = n->in[0]; \
    int ax_ = ln_axis((int)n->attr[0], in_->ndim); \
    long start_, cnt_, outer_, inner, d_, step_ = (long)n->attr[3], q_; \
    long len = (long)ln_numel(n); \
    slice_range(n, ax_, &start_, &cnt_); \
    around(in_, ax_, &outer_, &inner); \
    d_ = in_->dim[ax_]; \
    LN_PFOR \
    for (q_ = 0; q_ < outer_ * cnt_; q_++) { \
      long o_ = q_ / cnt_, j_ = q_ % cnt_; \
      const long xo = (o_ * d_ + start_ + j_ * step_) * inner, yo = q_ * inner; \
      __VA_ARGS__ \
    } \
  } while (0)

static void slice_forward (ln_node *n, ln_ctx *c) {
  const float *x = n->in[0]->x;
  (void)c;
  SLICE_LOOP(memcpy(n->x + yo, x + xo, (size_t)inner * sizeof(float)););
}

static void slice_backward (ln_node *n, ln_ctx *c) {
  float *gx = in_grad(n, 0);
  const float *gy = n->g;
  (void)c;
  if (gx == NULL) return;
  SLICE_LOOP(long i; for (i = 0; i < inner; i++) gx[xo + i] += gy[yo + i];);
}

/* }====== */

/* {====== Concat ====== */

static int shape_concat (ln_node *n) {
  const ln_node *a = n->in[0];
  int ax = ln_axis((int)n->attr[0], a->ndim), dim[LN_MAX_DIMS], k, i;
  if (ax < 0)
    return ln_seterr(LN_ESHAPE, "concat: axis %d out of range for shape %s",
                     (int)n->attr[0], ln_node_shape(a));
  memcpy(dim, a->dim, sizeof(dim));
  for (k = 1; k < n->n_in; k++) {
    const ln_node *b = n->in[k];
    if (b->dtype != a->dtype)
      return ln_seterr(LN_ESHAPE, "concat: input %d is %s, input 1 %s", k + 1,
                       b->dtype == LN_I32 ? "int32" : "float32",
                       a->dtype == LN_I32 ? "int32" : "float32");
    for (i = 0; i < a->ndim; i++)
      if (b->ndim != a->ndim || (i != ax && b->dim[i] != a->dim[i]))
        return ln_seterr(LN_ESHAPE, "concat: shapes %s and %s do not fit "
                         "along axis %d", ln_node_shape(a), ln_node_shape(b),
                         (int)n->attr[0]);
    dim[ax] += b->dim[ax];
  }
  ln_set_shape(n, a->dtype, a->ndim, dim);
  return LN_OK;
}

/* CONCAT_LOOP: body with, for input k, its base pointer offset xo and the
** output offset yo of each run of 'run' elements */
#define CONCAT_LOOP(...) do { \
    int ax_ = ln_axis((int)n->attr[0], n->ndim), k; \
    long outer_, inner_, len = (long)ln_numel(n), off_ = 0, o_; \
    around(n, ax_, &outer_, &inner_); \
    for (k = 0; k < n->n_in; k++) { \
      const long run = n->in[k]->dim[ax_] * inner_, row_ = n->dim[ax_] * inner_; \
      LN_PFOR \
      for (o_ = 0; o_ < outer_; o_++) { \
        const long xo = o_ * run, yo = o_ * row_ + off_; \
        __VA_ARGS__ \
      } \
      off_ += run; \
    } \
  } while (0)

static void concat_forward (ln_node *n, ln_ctx *c) {
  (void)c;
  CONCAT_LOOP(memcpy(n->x + yo, n->in[k]->x + xo, (size_t)run * sizeof(float)););
}

static void concat_backward (ln_node *n, ln_ctx *c) {
  const float *gy = n->g;
  (void)c;
  CONCAT_LOOP(float *gx = in_grad(n, k); long i;
              if (gx) for (i = 0; i < run; i++) gx[xo + i] += gy[yo + i];);
}

/* }====== */

#define SH(nm, mx, at, sh, fw, bw, d) \
  {.name = nm, .min_in = 1, .max_in = mx, .attrs = at, .shape = sh, \
   .forward = fw, .backward = bw, .flags = 0, .doc = d}

const ln_opdesc ln_ops_shape[] = {
  SH("reshape", 1, "@shape=[B]", shape_reshape, copy_forward, copy_backward,
     "y = x with the listed shape (one -1 inferred)"),
  SH("flatten", 1, "@#start_dim=1,@#end_dim=-1", shape_flatten, copy_forward,
     copy_backward, "y = x with dims start_dim..end_dim merged"),
  SH("transpose", 1, "@#dim0=0,@#dim1=1", shape_transpose, perm_forward,
     perm_backward, "y = x with dims dim0 and dim1 swapped"),
  SH("permute", 1, "@#perm=[]", shape_permute, perm_forward, perm_backward,
     "y = x with dims reordered: y dim i = x dim perm[i]"),
  SH("slice", 1, "@#axis=0,@^start=0,@$stop=2147483647,@step=1", shape_slice,
     slice_forward, slice_backward, "y = x[start:stop:step] along axis"),
  SH("concat", LN_MAX_IN, "@#axis=0", shape_concat, concat_forward,
     concat_backward, "y = inputs joined along axis"),
  {.name = NULL}
};
