/*
** ln_vmath.c -- vectorised row kernels of softmax-like ops (softmax,
** log_softmax, cross_entropy): max, exp, sum and scale of a contiguous row,
** with libmvec's exp (ln_vmath.h); and column sums of a matrix (bias
** gradients, broadcast gradients, reductions over leading dims). Sums run
** in double, across SIMD lanes in a fixed order for a given CPU.
*/
#include "ln_internal.h"
#include "ln_vmath.h"

LN_VEC float ln_row_max (const float *x, long n) {
  float mx = n ? x[0] : 0.0f;
  long k;
#pragma omp simd reduction(max : mx)
  for (k = 1; k < n; k++) mx = x[k] > mx ? x[k] : mx;
  return mx;
}

LN_VEC double ln_row_exp_sum (const float *x, float shift, float *out, long n) {
  double s = 0;
  long k;
  if (out) {
#pragma omp simd reduction(+ : s)
    for (k = 0; k < n; k++) { float e = expf(x[k] - shift); out[k] = e; s += e; }
  } else {
#pragma omp simd reduction(+ : s)
    for (k = 0; k < n; k++) s += expf(x[k] - shift);
  }
  return s;
}

LN_VEC double ln_row_sum (const float *x, long n) {
  double s = 0;
  long k;
#pragma omp simd reduction(+ : s)
  for (k = 0; k < n; k++) s += x[k];
  return s;
}

LN_VEC double ln_row_sqdev_sum (const float *x, double m, long n) {
  double s = 0;
  long k;
#pragma omp simd reduction(+ : s)
  for (k = 0; k < n; k++) { double e = x[k] - m; s += e * e; }
  return s;
}

LN_VEC void ln_row_scale (float *x, float a, long n) {
  long k;
#pragma omp simd
  for (k = 0; k < n; k++) x[k] *= a;
}

LN_VEC void ln_row_logsm_grad (const float *y, const float *dy, float s, float *dx, long n) {
  long k;
#pragma omp simd
  for (k = 0; k < n; k++) dx[k] += dy[k] - expf(y[k]) * s;
}

/* column sums in blocks of LN_COL_BLK columns, each column in row order */
LN_VEC static void col_block (const float *x, long rows, long cols, long w,
                              const double *m, int p, double *acc) {
  long r, j;
  for (j = 0; j < w; j++) acc[j] = 0;
  for (r = 0; r < rows; r++) {
    const float *row = x + r * cols;
    if (p == 1) {
#pragma omp simd
      for (j = 0; j < w; j++) acc[j] += row[j];
    } else {
#pragma omp simd
      for (j = 0; j < w; j++) { double e = row[j] - m[j]; acc[j] += e * e; }
    }
  }
}

void ln_col_sums (const float *x, long rows, long cols, const double *m, int p,
                  double scale, int add, float *y, double *d) {
  long b, nb = (cols + LN_COL_BLK - 1) / LN_COL_BLK;
#pragma omp parallel for schedule(static) if (rows * cols > LN_PAR_MIN)
  for (b = 0; b < nb; b++) {
    double acc[LN_COL_BLK];
    long j, j0 = b * LN_COL_BLK, w = cols - j0 < LN_COL_BLK ? cols - j0 : LN_COL_BLK;
    col_block(x + j0, rows, cols, w, m ? m + j0 : NULL, p, acc);
    for (j = 0; j < w; j++) {
      double s = acc[j] * scale;
      if (d) d[j0 + j] = s;
      else y[j0 + j] = add ? y[j0 + j] + (float)s : (float)s;
    }
  }
}
