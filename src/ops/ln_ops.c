/*
** ln_ops.c -- the helpers the op families share (ln_ops.h): input checks,
** fixed-block sums.
*/
#include "ln_ops.h"

int ln_need_f32 (const ln_node *n, int k, const char *what) {
  if (n->in[k]->dtype == LN_F32) return LN_OK;
  if (what == NULL)
    return ln_seterr(LN_EARG, "%s: input %d must be float32, got int32",
                     ln_opname(n), k + 1);
  return ln_seterr(LN_EARG, "%s: %s (input %d) must be float32, got int32",
                   ln_opname(n), what, k + 1);
}

int ln_need_f32_all (const ln_node *n) {
  int k, rc;
  for (k = 0; k < n->n_in; k++)
    if ((rc = ln_need_f32(n, k, NULL)) != LN_OK) return rc;
  return LN_OK;
}

int ln_shape_like_x (ln_node *n) {
  ln_set_shape(n, LN_F32, n->in[0]->ndim, n->in[0]->dim);
  return LN_OK;
}

int ln_shape_unary (ln_node *n) {
  int rc = ln_need_f32(n, 0, NULL);
  return rc != LN_OK ? rc : ln_shape_like_x(n);
}

int ln_check_index (const ln_node *n, int k, int C, const char *what,
                    const int32_t *ignore) {
  const int32_t *y = LN_XI(n->in[k]);
  size_t i, len = ln_numel(n->in[k]);
  for (i = 0; i < len; i++) {
    if ((y[i] >= 0 && y[i] < C) || (ignore && y[i] == *ignore)) continue;
    if (ignore)
      return ln_seterr(LN_EARG, "%s: %s %d out of range [0, %d) (and not "
                       "ignore_index %d)", ln_opname(n), what, (int)y[i], C,
                       (int)*ignore);
    return ln_seterr(LN_EARG, "%s: %s %d out of range [0, %d)", ln_opname(n),
                     what, (int)y[i], C);
  }
  return LN_OK;
}

int ln_check_reduction (const ln_node *n, int a, int max) {
  int red = (int)n->attr[a];
  if (red < LN_RED_MEAN || red > max)
    return ln_seterr(LN_EARG, "%s: bad reduction %d", ln_opname(n), red);
  return LN_OK;
}

int ln_check_scalar (const ln_node *n, int k, const char *what) {
  int rc = ln_need_f32(n, k, what);
  if (rc != LN_OK) return rc;
  if (ln_numel(n->in[k]) != 1)
    return ln_seterr(LN_ESHAPE, "%s: %s %s must have one element", ln_opname(n),
                     what, ln_node_shape(n->in[k]));
  return LN_OK;
}

size_t ln_sum_work (size_t len) {
  return len * sizeof(float) + (ln_n_blocks(len) + 1) * sizeof(double);
}

void *ln_work_tail (ln_ctx *c, size_t len) {
  size_t off = (len * sizeof(float) + 7) / 8 * 8;
  return (char *)c->work + off;
}

double ln_block_sum (const float *t, size_t len, double *part) {
  size_t b, nb = ln_n_blocks(len);
  double s = 0;
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (b = 0; b < nb; b++) {
    size_t i, i1 = (b + 1) * LN_SUM_BLOCK < len ? (b + 1) * LN_SUM_BLOCK : len;
    double ps = 0;
    for (i = b * LN_SUM_BLOCK; i < i1; i++) ps += t[i];
    part[b] = ps;
  }
  for (b = 0; b < nb; b++) s += part[b];
  return s;
}

size_t ln_lead (const ln_node *n, int upto) {
  size_t s = 1;
  int i;
  for (i = 0; i < upto; i++) s *= (size_t)n->dim[i];
  return s;
}

void ln_add_to (float *dst, const float *src, size_t len) {
  size_t i;
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (i = 0; i < len; i++) dst[i] += src[i];
}
