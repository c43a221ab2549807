/*
** sgemm_bound.c -- the floor under the MLP's dense layers: the 8 matrix
** products of one training step of 784-1024-1024-10 at batch 128, bare,
** through the same ln_gemm (OpenBLAS) the engine uses. Prints ms per step.
**   usage: sgemm_bound [threads] [steps]
*/
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "luanet.h"

static double now (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static float *buf (size_t n) {
  float *p = malloc(n * sizeof(float));
  size_t i;
  if (p == NULL) { fprintf(stderr, "sgemm_bound: out of memory\n"); exit(1); }
  for (i = 0; i < n; i++) p[i] = (float)((i * 7919) % 1000) / 1000.0f - 0.5f;
  return p;
}

int main (int argc, char **argv) {
  enum { B = 128, L = 3 };
  const int size[L + 1] = {784, 1024, 1024, 10};
  float *x[L + 1], *w[L], *dw[L], *dx[L + 1];
  int threads = argc > 1 ? atoi(argv[1]) : 2, steps = argc > 2 ? atoi(argv[2]) : 50;
  int s, l;
  double t0, dt;
  ln_set_threads(threads);
  for (l = 0; l <= L; l++) { x[l] = buf((size_t)B * size[l]); dx[l] = buf((size_t)B * size[l]); }
  for (l = 0; l < L; l++) { w[l] = buf((size_t)size[l + 1] * size[l]); dw[l] = buf((size_t)size[l + 1] * size[l]); }
  for (s = -5, t0 = 0; s < steps; s++) {
    if (s == 0) t0 = now();
    for (l = 0; l < L; l++)       /* y = x W^T */
      ln_gemm(0, 1, B, size[l + 1], size[l], 1, x[l], size[l], w[l], size[l], 0, x[l + 1], size[l + 1]);
    for (l = L - 1; l >= 0; l--) {
      /* dW = dY^T X;  dX = dY W (not for the input layer) */
      ln_gemm(1, 0, size[l + 1], size[l], B, 1, dx[l + 1], size[l + 1], x[l], size[l], 0, dw[l], size[l]);
      if (l > 0)
        ln_gemm(0, 0, B, size[l], size[l + 1], 1, dx[l + 1], size[l + 1], w[l], size[l], 0, dx[l], size[l]);
    }
  }
  dt = (now() - t0) / steps;
  printf("RESULT bound mlp_gemms_ms %.4f\n", dt * 1000);
  printf("# %d threads, OpenBLAS core %s, %.1f GFLOP/s\n", threads, ln_blas_core(),
         2.0 * B * (784.0 * 1024 * 3 + 1024.0 * 1024 * 3 + 1024.0 * 10 * 3 - 784.0 * 1024) / dt * 1e-9);
  for (l = 0; l <= L; l++) { free(x[l]); free(dx[l]); }
  for (l = 0; l < L; l++) { free(w[l]); free(dw[l]); }
  return 0;
}
