/*
** sgemm_bound.c -- the floor under the MLP's dense layers: the matrix
** products of one training step of 784-1024-1024-10 at batch 128, bare,
** through the same ln_gemm (the OpenBLAS that the engine loaded and set up,
** core and threads) that the linear nodes use:
**   forward   Y = X W^T                  3 layers
**   backward  dW = dY^T X                3 layers
**             dX = dY W                  2 layers (the input layer's dX is
**                                        not needed)
** 8 products, 1.22 GFLOP per step. Prints RESULT lines (ms per step, the
** best of 'repeats' runs of 'steps' steps after 5 warm-up steps).
**   usage: sgemm_bound [threads] [steps] [repeats] [batch]
** Built by bench/run.sh:
**   cc -O3 -Isrc bench/sgemm_bound.c build/libluanet.a -ldnnl -fopenmp -lpng -lz -ldl -lm
*/
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include "luanet.h"

enum { L = 3 };
static const int size[L + 1] = {784, 1024, 1024, 10};

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

/* one training step's dense-layer products; the seconds of the forward
** products are added to *tf */
static void step (int B, float **x, float **w, float **dw, float **dx, double *tf) {
  int l;
  double t0 = now();
  for (l = 0; l < L; l++)         /* Y = X W^T: B x out */
    ln_gemm(0, 1, B, size[l + 1], size[l], 1, x[l], size[l], w[l], size[l],
            0, x[l + 1], size[l + 1]);
  *tf += now() - t0;
  for (l = L - 1; l >= 0; l--) {
    /* dW = dY^T X: out x in */
    ln_gemm(1, 0, size[l + 1], size[l], B, 1, dx[l + 1], size[l + 1], x[l], size[l],
            0, dw[l], size[l]);
    if (l > 0)                    /* dX = dY W: B x in */
      ln_gemm(0, 0, B, size[l], size[l + 1], 1, dx[l + 1], size[l + 1], w[l], size[l],
              0, dx[l], size[l]);
  }
}

int main (int argc, char **argv) {
  float *x[L + 1], *w[L], *dw[L], *dx[L + 1];
  int threads = argc > 1 ? atoi(argv[1]) : 2, steps = argc > 2 ? atoi(argv[2]) : 40;
  int repeats = argc > 3 ? atoi(argv[3]) : 3, B = argc > 4 ? atoi(argv[4]) : 128;
  int s, r, l;
  double best = 1e30, best_f = 0, flop = 0, w0 = now(), tf = 0;
  if (threads < 1 || steps < 1 || repeats < 1 || B < 1) {
    fprintf(stderr, "usage: sgemm_bound [threads] [steps] [repeats] [batch]\n");
    return 2;
  }
  if (ln_init_runtime() != 0) {
    fprintf(stderr, "sgemm_bound: %s\n", ln_errmsg());
    return 1;
  }
  ln_set_threads(threads);
  for (l = 0; l <= L; l++) { x[l] = buf((size_t)B * size[l]); dx[l] = buf((size_t)B * size[l]); }
  for (l = 0; l < L; l++) {
    w[l] = buf((size_t)size[l + 1] * size[l]);
    dw[l] = buf((size_t)size[l + 1] * size[l]);
    flop += 2.0 * B * size[l] * size[l + 1] * (l > 0 ? 3 : 2);
  }
  for (s = 0; s < 5; s++) step(B, x, w, dw, dx, &tf);
  for (r = 0; r < repeats; r++) {
    double t0 = now(), dt;
    tf = 0;
    for (s = 0; s < steps; s++) step(B, x, w, dw, dx, &tf);
    dt = (now() - t0) / steps;
    if (dt < best) { best = dt; best_f = tf / steps; }
  }
  printf("# sgemm_bound: %d threads, OpenBLAS core %s, batch %d, 8 products, %.3f GFLOP per step\n",
         ln_get_threads(), ln_blas_core(), B, flop * 1e-9);
  printf("RESULT bound mlp_gemms_ms %.4f ms\n", best * 1000);
  printf("RESULT bound fwd_ms %.4f ms\n", best_f * 1000);
  printf("RESULT bound bwd_ms %.4f ms\n", (best - best_f) * 1000);
  printf("RESULT bound gflops %.2f GFLOP/s\n", flop / best * 1e-9);
  printf("RESULT proc wall_s %.4f s\n", now() - w0);
  printf("RESULT proc cpu_s %.4f s\n", (double)clock() / CLOCKS_PER_SEC);  /* whole process */
  for (l = 0; l <= L; l++) { free(x[l]); free(dx[l]); }
  for (l = 0; l < L; l++) { free(w[l]); free(dw[l]); }
  return 0;
}
