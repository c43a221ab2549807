/*
** ln_vmath.c -- vectorised row kernels of softmax-like ops (softmax,
** log_softmax, cross_entropy): max, exp, sum and scale of a contiguous row,
** with libmvec's exp (ln_vmath.h). Sums run in double across SIMD lanes,
** a fixed order for a given CPU.
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
