/*
** ln_blas.c -- the matrix-product kernel interface, and OpenBLAS loading.
**
** Debian's OpenBLAS 0.3.21 predates recent Xeons and may fall back to its
** slow "Prescott" kernels. It reads OPENBLAS_CORETYPE once, when it
** initialises, so the engine does not link it: ln_blas_load() picks a core
** from cpuid, sets the variable (unless the user set it), dlopen()s the
** library, checks a small sgemm against plain C, and falls back to the
** library's own choice when that check fails.
*/
#include <cpuid.h>
#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ln_internal.h"

#ifndef LN_OPENBLAS_DIR
#define LN_OPENBLAS_DIR "/usr/lib/x86_64-linux-gnu/openblas-openmp/"
#endif

enum { ROW_MAJOR = 101, NO_TRANS = 111, TRANS = 112 };
typedef void (*sgemm_fn) (int, int, int, int, int, int, float, const float *,
                          int, const float *, int, float, float *, int);

static sgemm_fn sgemm;
static void (*set_threads) (int);
static char *(*get_corename) (void);
static void *handle;
static char core[64] = "none";
static char info[256] = "not loaded";
static int n_threads;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* plain C reference: used to verify the library, and if none loads */
static void ref_gemm (int ta, int tb, int m, int n, int k, float alpha,
                      const float *a, int lda, const float *b, int ldb,
                      float beta, float *c, int ldc) {
  int i, j, p;
  for (i = 0; i < m; i++)
    for (j = 0; j < n; j++) {
      double s = 0;
      for (p = 0; p < k; p++)
        s += (double)(ta ? a[p * lda + i] : a[i * lda + p]) *
             (tb ? b[j * ldb + p] : b[p * ldb + j]);
      c[i * ldc + j] = (float)(alpha * s + (beta == 0 ? 0 : beta * c[i * ldc + j]));
    }
}

/* the OpenBLAS core for this CPU, or NULL to let OpenBLAS decide */
static const char *pick_core (void) {
  unsigned a, b, c, d, a1 = 0, b1, c1, d1;
  int avx512, bf16, avx2;
  if (!__get_cpuid_count(7, 0, &a, &b, &c, &d)) return NULL;
  avx2 = (b >> 5) & 1;
  avx512 = ((b >> 16) & 1) && ((b >> 17) & 1) && ((b >> 30) & 1) && ((b >> 31) & 1);
  if (a >= 1) __get_cpuid_count(7, 1, &a1, &b1, &c1, &d1);
  bf16 = (a1 >> 5) & 1;
  if (avx512) return bf16 ? "Cooperlake" : "SkylakeX";
  if (avx2) return "Haswell";
  return NULL;
}

/* does the loaded sgemm agree with the reference on awkward shapes? */
static int verify (void) {
  enum { M = 37, N = 29, K = 41 };
  static float a[M * K], b[K * N], c1[M * N], c2[M * N];
  int i, ta;
  for (i = 0; i < M * K; i++) a[i] = (float)((i * 7 % 13) - 6) / 7.0f;
  for (i = 0; i < K * N; i++) b[i] = (float)((i * 5 % 11) - 5) / 5.0f;
  for (ta = 0; ta < 2; ta++) {
    int lda = ta ? M : K;
    sgemm(ROW_MAJOR, ta ? TRANS : NO_TRANS, NO_TRANS, M, N, K, 1.0f, a, lda,
          b, N, 0.0f, c1, N);
    ref_gemm(ta, 0, M, N, K, 1.0f, a, lda, b, N, 0.0f, c2, N);
    for (i = 0; i < M * N; i++)
      if (!(fabsf(c1[i] - c2[i]) <= 1e-4f * (1 + fabsf(c2[i])))) return 0;
  }
  return 1;
}

static int open_lib (void) {
  handle = dlopen(LN_OPENBLAS_DIR "/libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
  if (handle == NULL) handle = dlopen("libopenblas.so.0", RTLD_NOW | RTLD_LOCAL);
  if (handle == NULL) return 0;
  *(void **)&sgemm = dlsym(handle, "cblas_sgemm");
  *(void **)&set_threads = dlsym(handle, "openblas_set_num_threads");
  *(void **)&get_corename = dlsym(handle, "openblas_get_corename");
  if (sgemm == NULL) { dlclose(handle); handle = NULL; return 0; }
  return 1;
}

static void load (void) {
  const char *user = getenv("OPENBLAS_CORETYPE"), *want = NULL;
  if (user == NULL && (want = pick_core()) != NULL)
    setenv("OPENBLAS_CORETYPE", want, 1);
  if (!open_lib()) {
    if (want) unsetenv("OPENBLAS_CORETYPE");
    snprintf(info, sizeof(info), "OpenBLAS not found; plain C gemm");
    return;
  }
  if (!verify() && want) {   /* our pick is wrong here: let OpenBLAS choose */
    dlclose(handle);
    unsetenv("OPENBLAS_CORETYPE");
    if (!open_lib() || !verify()) {
      sgemm = NULL;
      snprintf(info, sizeof(info), "OpenBLAS failed its check; plain C gemm");
      return;
    }
    snprintf(info, sizeof(info), "%s failed the sgemm check; OpenBLAS's own pick", want);
    want = NULL;
  } else if (user)
    snprintf(info, sizeof(info), "OPENBLAS_CORETYPE=%s set by the user", user);
  else if (want)
    snprintf(info, sizeof(info), "chosen from cpuid, sgemm verified");
  else snprintf(info, sizeof(info), "OpenBLAS's own pick");
  if (want) unsetenv("OPENBLAS_CORETYPE");   /* do not leak into children */
  snprintf(core, sizeof(core), "%s", get_corename ? get_corename() : "unknown");
  if (set_threads && n_threads > 0) set_threads(n_threads);
}

int ln_blas_load (void) {
  pthread_once(&once, load);
  return LN_OK;
}

int ln_init_runtime (void) { return ln_blas_load(); }

const char *ln_blas_core (void) { ln_blas_load(); return core; }
const char *ln_blas_info (void) { ln_blas_load(); return info; }

void ln_set_threads (int n) {
  if (n < 1) n = 1;
  n_threads = n;
#ifdef _OPENMP
  omp_set_num_threads(n);
#endif
  ln_blas_load();
  if (set_threads) set_threads(n);
}

int ln_get_threads (void) {
#ifdef _OPENMP
  return omp_get_max_threads();
#else
  return 1;
#endif
}

void ln_gemm (int transa, int transb, int m, int n, int k, float alpha,
              const float *a, int lda, const float *b, int ldb,
              float beta, float *c, int ldc) {
  if (m == 0 || n == 0) return;
  ln_blas_load();
  if (k == 0) {   /* BLAS leaves C untouched when alpha*A*B is empty */
    int i, j;
    for (i = 0; i < m; i++)
      for (j = 0; j < n; j++) c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j];
    return;
  }
  if (sgemm)
    sgemm(ROW_MAJOR, transa ? TRANS : NO_TRANS, transb ? TRANS : NO_TRANS,
          m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
  else ref_gemm(transa, transb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
