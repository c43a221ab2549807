/*
** dnnl_shapes.c -- which library for which product: OpenBLAS sgemm (through
** ln_gemm, the core the engine picks) against oneDNN matmul in float32 and
** in bf16 (through ln_mm, as the engine's kernels call it), on the shape
** classes of the models here, run side by side: each round times every
** variant once, in turn, and the best round of each is kept, so load from
** other processes falls on all of them alike. Then, for the bf16 weights:
** one conversion to plain bf16 shared by the forward and the backward
** product, against reorders into the blocked layouts oneDNN prefers for
** each (the weights change every step, so the reorder runs every step).
**   usage: dnnl_shapes [threads] [rounds]
** Built by bench/run.sh --shapes (or by hand):
**   cc -O2 -Isrc bench/dnnl_shapes.c build/libluanet.a -ldnnl -fopenmp -lpng -lz -ldl -lm
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <dnnl.h>
#include "ln_internal.h"

static double now (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static void *buf (size_t bytes) {
  float *p = aligned_alloc(64, (bytes + 63) / 64 * 64);
  size_t i;
  if (p == NULL) { fprintf(stderr, "dnnl_shapes: out of memory\n"); exit(1); }
  for (i = 0; i < bytes / 4; i++) p[i] = (float)((i * 7919) % 1000) / 1000.0f - 0.5f;
  return p;
}

typedef struct shape { const char *what; int m, n, k, ta, tb; } shape;

static const shape shapes[] = {
  {"tiny 8^3", 8, 8, 8, 0, 0},
  {"tiny 16^3", 16, 16, 16, 0, 1},
  {"small 32^3", 32, 32, 32, 0, 1},
  {"small 64^3", 64, 64, 64, 0, 1},
  {"mlp fwd 784->1024", 128, 1024, 784, 0, 1},
  {"mlp fwd 1024->1024", 128, 1024, 1024, 0, 1},
  {"mlp fwd 1024->10", 128, 10, 1024, 0, 1},
  {"mlp dX 1024->1024", 128, 1024, 1024, 0, 0},
  {"mlp dX 10->1024", 128, 1024, 10, 0, 0},
  {"mlp dW 1024x784", 1024, 784, 128, 1, 0},
  {"mlp dW 1024x1024", 1024, 1024, 128, 1, 0},
  {"mlp dW 10x1024", 10, 1024, 128, 1, 0},
  {"batch 1 784->1024", 1, 1024, 784, 0, 1},
  {"batch 16 784->1024", 16, 1024, 784, 0, 1},
  {"batch 1000 784->1024", 1000, 1024, 784, 0, 1},
  {"cnn fc 3136->1024", 128, 1024, 3136, 0, 1},
  {"cnn dW 1024x3136", 1024, 3136, 128, 1, 0},
};

/* the best of 'rounds' rounds of 'reps' calls of each variant, in turn */
static void time_shape (const shape *s, int rounds) {
  size_t ab = (size_t)s->m * s->k, bb = (size_t)s->k * s->n, cb = (size_t)s->m * s->n;
  float *a = buf(ab * 4), *b = buf(bb * 4), *c = buf(cb * 4);
  void *a16 = buf(ab * 2), *b16 = buf(bb * 2), *work;
  ln_mm *f32 = NULL, *h16 = NULL;
  ln_mmdesc d = {s->m, s->n, s->k, 1, s->ta, s->tb, 0, 0, 0, 0};
  double best[3] = {1e30, 1e30, 1e30}, flop = 2.0 * s->m * s->n * s->k;
  int r, i, v, reps = flop > 1e8 ? 5 : flop > 1e6 ? 50 : 2000;
  size_t wsz;
  ln_mm_new(&d, &f32);
  d.bf16 = 1;
  ln_mm_new(&d, &h16);
  wsz = ln_mm_work(f32) > ln_mm_work(h16) ? ln_mm_work(f32) : ln_mm_work(h16);
  work = buf(wsz + 64);
  for (r = 0; r < rounds + 1; r++)   /* round 0 warms up */
    for (v = 0; v < 3; v++) {
      double t0 = now(), dt;
      if (v == 1 && !f32) continue;
      if (v == 2 && !h16) continue;
      for (i = 0; i < reps; i++) {
        if (v == 0)
          ln_gemm(s->ta, s->tb, s->m, s->n, s->k, 1, a, s->ta ? s->m : s->k, b,
                  s->tb ? s->k : s->n, 0, c, s->n);
        else if (v == 1) ln_mm_run(f32, a, b, NULL, c, work);
        else ln_mm_run(h16, a16, b16, NULL, c, work);
      }
      dt = (now() - t0) / reps;
      if (r > 0 && dt < best[v]) best[v] = dt;
    }
  printf("%-22s %5d %5d %5d  %9.4f %9.4f %6.2fx %9.4f %6.2fx  %s\n", s->what, s->m,
         s->n, s->k, best[0] * 1e3, f32 ? best[1] * 1e3 : 0, f32 ? best[0] / best[1] : 0,
         h16 ? best[2] * 1e3 : 0, h16 ? best[1] / best[2] : 0, ln_mm_impl(f32));
  printf("RESULT shape %s_ms_blas_dnnl_bf16 %.4f %.4f %.4f gflops %.1f\n", s->what[0] ? s->what : "?",
         best[0] * 1e3, best[1] * 1e3, best[2] * 1e3, flop / best[1] * 1e-9);
  ln_mm_free(f32);
  ln_mm_free(h16);
  free(a); free(b); free(c); free(a16); free(b16); free(work);
}

/* {====== bf16 weights: plain copy vs oneDNN's blocked layouts ====== */

#define CK(x) do { if ((x) != dnnl_success) { fprintf(stderr, "dnnl_shapes: %s failed\n", #x); exit(1); } } while (0)

typedef struct prim { dnnl_primitive_t p; dnnl_memory_t m[4]; int n, arg[4]; } prim;

static void prun (dnnl_stream_t st, prim *p) {
  dnnl_exec_arg_t a[4];
  int i;
  for (i = 0; i < p->n; i++) { a[i].arg = p->arg[i]; a[i].memory = p->m[i]; }
  CK(dnnl_primitive_execute(p->p, st, p->n, a));
}

/* a bf16 matmul x[M,K] W^T or g[M,N] W with W f32 [N, K] converted each
** step: 'blocked' reorders W into the layout the primitive asks for */
static void layout_case (dnnl_engine_t eng, dnnl_stream_t st, int M, int N, int K,
                         int rounds) {
  dnnl_memory_desc_t xm, wm_f, wm_t, wany_t, wany, wplain_t, wplain, ym, gm, dxm;
  dnnl_dims_t xd = {M, K}, wtd = {K, N}, wd = {N, K}, yd = {M, N}, dxd = {M, K};
  dnnl_dims_t ws_t = {1, K}, ws = {K, 1};
  dnnl_matmul_desc_t md;
  dnnl_primitive_desc_t pd;
  prim fwd_plain, bwd_plain, fwd_blk, bwd_blk, ro_f, ro_b;
  void *x = buf((size_t)M * K * 2), *g = buf((size_t)M * N * 2), *y = buf((size_t)M * N * 4);
  void *dx = buf((size_t)M * K * 4), *w = buf((size_t)N * K * 4);
  void *w16 = buf((size_t)N * K * 2), *wf = NULL, *wb = NULL;
  double best[2] = {1e30, 1e30};
  int r, v, i, reps = 10;
  CK(dnnl_memory_desc_init_by_tag(&xm, 2, xd, dnnl_bf16, dnnl_ab));
  CK(dnnl_memory_desc_init_by_tag(&gm, 2, yd, dnnl_bf16, dnnl_ab));
  CK(dnnl_memory_desc_init_by_tag(&ym, 2, yd, dnnl_f32, dnnl_ab));
  CK(dnnl_memory_desc_init_by_tag(&dxm, 2, dxd, dnnl_f32, dnnl_ab));
  CK(dnnl_memory_desc_init_by_strides(&wm_f, 2, wtd, dnnl_f32, ws_t));   /* W^T view of f32 W */
  CK(dnnl_memory_desc_init_by_strides(&wm_t, 2, wd, dnnl_f32, ws));      /* W itself, [N, K] */
  CK(dnnl_memory_desc_init_by_strides(&wplain_t, 2, wtd, dnnl_bf16, ws_t));
  CK(dnnl_memory_desc_init_by_strides(&wplain, 2, wd, dnnl_bf16, ws));
  CK(dnnl_memory_desc_init_by_tag(&wany_t, 2, wtd, dnnl_bf16, dnnl_format_tag_any));
  CK(dnnl_memory_desc_init_by_tag(&wany, 2, wd, dnnl_bf16, dnnl_format_tag_any));
  /* plain: y = x W^T and dx = g W on one bf16 copy */
  CK(dnnl_matmul_desc_init(&md, &xm, &wplain_t, NULL, &ym));
  CK(dnnl_primitive_desc_create(&pd, &md, NULL, eng, NULL));
  CK(dnnl_primitive_create(&fwd_plain.p, pd));
  dnnl_primitive_desc_destroy(pd);
  CK(dnnl_matmul_desc_init(&md, &gm, &wplain, NULL, &dxm));
  CK(dnnl_primitive_desc_create(&pd, &md, NULL, eng, NULL));
  CK(dnnl_primitive_create(&bwd_plain.p, pd));
  dnnl_primitive_desc_destroy(pd);
  fwd_plain.n = bwd_plain.n = fwd_blk.n = bwd_blk.n = 3;
  fwd_plain.arg[0] = bwd_plain.arg[0] = fwd_blk.arg[0] = bwd_blk.arg[0] = DNNL_ARG_SRC;
  fwd_plain.arg[1] = bwd_plain.arg[1] = fwd_blk.arg[1] = bwd_blk.arg[1] = DNNL_ARG_WEIGHTS;
  fwd_plain.arg[2] = bwd_plain.arg[2] = fwd_blk.arg[2] = bwd_blk.arg[2] = DNNL_ARG_DST;
  CK(dnnl_memory_create(&fwd_plain.m[0], &xm, eng, x));
  CK(dnnl_memory_create(&fwd_plain.m[1], &wplain_t, eng, w16));
  CK(dnnl_memory_create(&fwd_plain.m[2], &ym, eng, y));
  CK(dnnl_memory_create(&bwd_plain.m[0], &gm, eng, g));
  CK(dnnl_memory_create(&bwd_plain.m[1], &wplain, eng, w16));
  CK(dnnl_memory_create(&bwd_plain.m[2], &dxm, eng, dx));
  /* blocked: each product with the layout it asks for, reordered from W */
  {
    const dnnl_memory_desc_t *q;
    dnnl_primitive_desc_t rpd;
    CK(dnnl_matmul_desc_init(&md, &xm, &wany_t, NULL, &ym));
    CK(dnnl_primitive_desc_create(&pd, &md, NULL, eng, NULL));
    CK(dnnl_primitive_create(&fwd_blk.p, pd));
    q = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    wf = buf(dnnl_memory_desc_get_size(q));   /* padded: may exceed N K */
    CK(dnnl_memory_create(&fwd_blk.m[0], &xm, eng, x));
    CK(dnnl_memory_create(&fwd_blk.m[1], q, eng, wf));
    CK(dnnl_memory_create(&fwd_blk.m[2], &ym, eng, y));
    CK(dnnl_reorder_primitive_desc_create(&rpd, &wm_f, eng, q, eng, NULL));
    CK(dnnl_primitive_create(&ro_f.p, rpd));
    dnnl_primitive_desc_destroy(rpd);
    dnnl_primitive_desc_destroy(pd);
    ro_f.n = 2; ro_f.arg[0] = DNNL_ARG_FROM; ro_f.arg[1] = DNNL_ARG_TO;
    CK(dnnl_memory_create(&ro_f.m[0], &wm_f, eng, w));
    ro_f.m[1] = fwd_blk.m[1];
    CK(dnnl_matmul_desc_init(&md, &gm, &wany, NULL, &dxm));
    CK(dnnl_primitive_desc_create(&pd, &md, NULL, eng, NULL));
    CK(dnnl_primitive_create(&bwd_blk.p, pd));
    q = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    wb = buf(dnnl_memory_desc_get_size(q));
    CK(dnnl_memory_create(&bwd_blk.m[0], &gm, eng, g));
    CK(dnnl_memory_create(&bwd_blk.m[1], q, eng, wb));
    CK(dnnl_memory_create(&bwd_blk.m[2], &dxm, eng, dx));
    CK(dnnl_reorder_primitive_desc_create(&rpd, &wm_t, eng, q, eng, NULL));
    CK(dnnl_primitive_create(&ro_b.p, rpd));
    dnnl_primitive_desc_destroy(rpd);
    dnnl_primitive_desc_destroy(pd);
    ro_b.n = 2; ro_b.arg[0] = DNNL_ARG_FROM; ro_b.arg[1] = DNNL_ARG_TO;
    CK(dnnl_memory_create(&ro_b.m[0], &wm_t, eng, w));
    ro_b.m[1] = bwd_blk.m[1];
  }
  for (r = 0; r < rounds + 1; r++)
    for (v = 0; v < 2; v++) {
      double t0 = now(), dt;
      for (i = 0; i < reps; i++) {
        if (v == 0) {
          ln_f32_to_bf16(w, w16, (size_t)N * K);
          prun(st, &fwd_plain);
          prun(st, &bwd_plain);
        } else {
          prun(st, &ro_f);
          prun(st, &fwd_blk);
          prun(st, &ro_b);
          prun(st, &bwd_blk);
        }
      }
      dt = (now() - t0) / reps;
      if (r > 0 && dt < best[v]) best[v] = dt;
    }
  printf("%-34s %9.4f %9.4f   blocked/plain = %.2f\n", "", best[0] * 1e3, best[1] * 1e3,
         best[1] / best[0]);
  printf("RESULT layout %dx%dx%d_plain_blocked_ms %.4f %.4f\n", M, N, K, best[0] * 1e3, best[1] * 1e3);
  free(x); free(g); free(y); free(dx); free(w); free(w16); free(wf); free(wb);
}

/* }====== */

int main (int argc, char **argv) {
  int threads = argc > 1 ? atoi(argv[1]) : 1, rounds = argc > 2 ? atoi(argv[2]) : 5;
  size_t i;
  dnnl_engine_t eng;
  dnnl_stream_t st;
  if (threads < 1 || rounds < 1) {
    fprintf(stderr, "usage: dnnl_shapes [threads] [rounds]\n");
    return 2;
  }
  ln_init_runtime();
  ln_set_threads(threads);
  printf("# %d threads; OpenBLAS core %s; %s, %s; best of %d side-by-side rounds\n",
         ln_get_threads(), ln_blas_core(), ln_dnnl_info(), ln_dnnl_isa_info(), rounds);
  printf("%-22s %5s %5s %5s  %9s %9s %7s %9s %7s  %s\n", "shape class", "m", "n", "k",
         "BLAS ms", "dnnl ms", "dnnl/x", "bf16 ms", "bf16/x", "oneDNN kernel");
  for (i = 0; i < sizeof(shapes) / sizeof(shapes[0]); i++) time_shape(&shapes[i], rounds);
  printf("\nbf16 weights, per step: convert W once to plain bf16 for both products, or\n"
         "reorder W into each product's blocked layout (forward x W^T, backward dy W)\n");
  printf("%-34s %9s %9s\n", "W [N, K], batch M", "plain ms", "blocked ms");
  CK(dnnl_engine_create(&eng, dnnl_cpu, 0));
  CK(dnnl_stream_create(&st, eng, dnnl_stream_default_flags));
  printf("M=128 N=1024 K=784");
  layout_case(eng, st, 128, 1024, 784, rounds);
  printf("M=128 N=1024 K=1024");
  layout_case(eng, st, 128, 1024, 1024, rounds);
  printf("M=128 N=1024 K=3136");
  layout_case(eng, st, 128, 1024, 3136, rounds);
  return 0;
}
