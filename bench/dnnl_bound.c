/*
** dnnl_bound.c -- the floor under a training step of the MLP 784-1024-1024-10
** at batch 128 with Adam, in float32 and in bf16, as a bare C loop: the
** step's 8 matrix products through oneDNN (the same primitives the engine
** makes, through ln_mm), in bf16 the float32 -> bf16 conversions of their
** inputs (each activation, weight and gradient converted once), and one
** fused Adam pass over all parameters held in one contiguous array:
**   forward   Y = X W^T                  3 layers
**   backward  dW = dY^T X                3 layers
**             dX = dY W                  2 layers (not the input layer's)
**   update    Adam over 1.86 M parameters (weights and biases), one pass
** No bias, no relu, no loss: what a step cannot do without. Prints RESULT
** lines (ms per step, the best of 'repeats' runs of 'steps' steps after
** 5 warm-up steps).
**   usage: dnnl_bound [threads] [steps] [repeats] [batch]
** Built by bench/run.sh:
**   cc -O2 -Isrc bench/dnnl_bound.c build/libluanet.a -ldnnl -fopenmp -lpng -lz -ldl -lm
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ln_internal.h"

enum { L = 3 };
static const int size[L + 1] = {784, 1024, 1024, 10};

static double now (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void *buf (size_t bytes) {
  float *p = aligned_alloc(64, (bytes + 63) / 64 * 64);
  size_t i;
  if (p == NULL) { fprintf(stderr, "dnnl_bound: out of memory\n"); exit(1); }
  for (i = 0; i < bytes / 4; i++) p[i] = (float)((i * 7919) % 1000) / 1000.0f - 0.5f;
  return p;
}

typedef struct net {
  int bf16, B;
  ln_mm *fwd[L], *dw[L], *dx[L];
  float *x[L + 1], *dy[L + 1];        /* activations, their gradients */
  float *params, *grads, *m1, *m2;    /* all parameters, one array each */
  float *w[L], *gw[L];                /* views into params / grads */
  uint16_t *xb[L + 1], *dyb[L + 1], *wb[L];   /* bf16 copies */
  long n_params;
  void *work;
  double t_fwd;
} net;

static void mk (ln_mm **m, int M, int N, int K, int ta, int tb, int bf16) {
  ln_mmdesc d = {M, N, K, 1, ta, tb, bf16, 0, 0, 0};
  if (ln_mm_new(&d, m) != LN_OK) {
    fprintf(stderr, "dnnl_bound: oneDNN cannot make a %dx%dx%d%s product here\n", M, N, K,
            bf16 ? " bf16" : "");
    exit(1);
  }
}

static void setup (net *n, int B, int bf16) {
  long off = 0;
  size_t wk = 0;
  int l;
  memset(n, 0, sizeof(*n));
  n->B = B;
  n->bf16 = bf16;
  for (l = 0; l < L; l++) n->n_params += (long)size[l + 1] * size[l] + size[l + 1];
  n->params = buf((size_t)n->n_params * 4);
  n->grads = buf((size_t)n->n_params * 4);
  n->m1 = buf((size_t)n->n_params * 4);
  n->m2 = buf((size_t)n->n_params * 4);
  memset(n->m1, 0, (size_t)n->n_params * 4);
  memset(n->m2, 0, (size_t)n->n_params * 4);
  for (l = 0; l < L; l++) {
    n->w[l] = n->params + off;
    n->gw[l] = n->grads + off;
    off += (long)size[l + 1] * size[l] + size[l + 1];
    mk(&n->fwd[l], B, size[l + 1], size[l], 0, 1, bf16);            /* X W^T */
    mk(&n->dw[l], size[l + 1], size[l], B, 1, 0, bf16);             /* dY^T X */
    if (l > 0) mk(&n->dx[l], B, size[l], size[l + 1], 0, 0, bf16);  /* dY W */
    if (ln_mm_work(n->fwd[l]) > wk) wk = ln_mm_work(n->fwd[l]);
    if (ln_mm_work(n->dw[l]) > wk) wk = ln_mm_work(n->dw[l]);
    if (n->dx[l] && ln_mm_work(n->dx[l]) > wk) wk = ln_mm_work(n->dx[l]);
    n->wb[l] = buf((size_t)size[l + 1] * size[l] * 2);
  }
  for (l = 0; l <= L; l++) {
    n->x[l] = buf((size_t)B * size[l] * 4);
    n->dy[l] = buf((size_t)B * size[l] * 4);
    n->xb[l] = buf((size_t)B * size[l] * 2);
    n->dyb[l] = buf((size_t)B * size[l] * 2);
  }
  n->work = buf(wk + 64);
}

/* Adam (PyTorch's rule, lr 1e-3), one pass over every parameter */
static void adam (net *n, long t) {
  const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
  const float step = (float)(1e-3 / (1 - pow(0.9, (double)t)));
  const float rbc2 = (float)(1 / sqrt(1 - pow(0.999, (double)t)));
  float *restrict p = n->params, *restrict g = n->grads, *restrict m1 = n->m1, *restrict m2 = n->m2;
  long i;
  #pragma omp parallel for simd schedule(static)
  for (i = 0; i < n->n_params; i++) {
    float d = g[i], a = b1 * m1[i] + (1 - b1) * d, b = b2 * m2[i] + (1 - b2) * d * d;
    m1[i] = a;
    m2[i] = b;
    p[i] -= step * a / (sqrtf(b) * rbc2 + eps);
  }
}

/* the inputs of a product: float32 as they are, or bf16 copies */
static const void *in (const net *n, const float *f, uint16_t *h, size_t len, int convert) {
  if (!n->bf16) return f;
  if (convert) ln_f32_to_bf16(f, h, len);
  return h;
}

static void step (net *n, long t) {
  int l, B = n->B;
  double t0 = now();
  for (l = 0; l < L; l++) {
    size_t xl = (size_t)B * size[l], wl = (size_t)size[l + 1] * size[l];
    const void *a = in(n, n->x[l], n->xb[l], xl, 1);
    const void *w = in(n, n->w[l], n->wb[l], wl, 1);
    ln_mm_run(n->fwd[l], a, w, NULL, n->x[l + 1], n->work);
  }
  n->t_fwd += now() - t0;
  for (l = L - 1; l >= 0; l--) {
    size_t gl = (size_t)B * size[l + 1];
    const void *g = in(n, n->dy[l + 1], n->dyb[l + 1], gl, 1);
    const void *a = in(n, n->x[l], n->xb[l], 0, 0);             /* converted forward */
    ln_mm_run(n->dw[l], g, a, NULL, n->gw[l], n->work);
    if (l > 0) ln_mm_run(n->dx[l], g, in(n, n->w[l], n->wb[l], 0, 0), NULL, n->dy[l], n->work);
  }
  adam(n, t);
}

int main (int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 2, steps = argc > 2 ? atoi(argv[2]) : 40;
  int repeats = argc > 3 ? atoi(argv[3]) : 3, B = argc > 4 ? atoi(argv[4]) : 128;
  int p, r, s, l;
  double w0 = now();
  if (threads < 1 || steps < 1 || repeats < 1 || B < 1) {
    fprintf(stderr, "usage: dnnl_bound [threads] [steps] [repeats] [batch]\n");
    return 2;
  }
  ln_init_runtime();
  ln_set_threads(threads);
  printf("# dnnl_bound: %d threads, %s, ISA %s, batch %d, 8 products + conversions + Adam\n",
         ln_get_threads(), ln_dnnl_info(), ln_dnnl_isa_info(), B);
  for (p = 0; p < 2; p++) {
    net n;
    double best = 1e30, best_f = 0, flop = 0;
    long t = 1;
    const char *pn = p ? "bf16" : "fp32";
    if (p && !ln_dnnl_has_bf16()) {
      printf("# no bf16 kernels in oneDNN here: no bf16 bound\n");
      break;
    }
    setup(&n, B, p);
    for (l = 0; l < L; l++) flop += 2.0 * B * size[l] * size[l + 1] * (l > 0 ? 3 : 2);
    for (s = 0; s < 5; s++) step(&n, t++);
    for (r = 0; r < repeats; r++) {
      double t0 = now(), dt;
      n.t_fwd = 0;
      for (s = 0; s < steps; s++) step(&n, t++);
      dt = (now() - t0) / steps;
      if (dt < best) { best = dt; best_f = n.t_fwd / steps; }
    }
    {   /* the Adam pass alone */
      double ta = 1e30;
      for (r = 0; r < repeats; r++) {
        double t0 = now();
        for (s = 0; s < steps; s++) adam(&n, t++);
        if ((now() - t0) / steps < ta) ta = (now() - t0) / steps;
      }
      printf("RESULT bound_%s adam_ms %.4f ms\n", pn, ta * 1000);
    }
    printf("RESULT bound_%s step_ms %.4f ms\n", pn, best * 1000);
    printf("RESULT bound_%s fwd_ms %.4f ms\n", pn, best_f * 1000);
    printf("RESULT bound_%s train %.1f img/s\n", pn, B / best);
    printf("RESULT bound_%s gflops %.2f GFLOP/s\n", pn, flop / best * 1e-9);
    printf("# %s: %s products, %.3f ms per step\n", pn, ln_mm_impl(n.fwd[1]), best * 1000);
  }
  printf("RESULT proc wall_s %.4f s\n", now() - w0);
  printf("RESULT proc cpu_s %.4f s\n", (double)clock() / CLOCKS_PER_SEC);
  return 0;
}
