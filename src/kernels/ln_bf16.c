/*
** ln_bf16.c -- float32 <-> bfloat16 conversion passes for mixed precision.
**
** bf16 is the top half of an IEEE float32: 8 exponent bits, 7 mantissa
** bits. Rounding is to nearest, ties to even; NaNs stay NaN (made quiet);
** denormal inputs become a signed zero -- what the AVX512-BF16 instruction
** VCVTNEPS2BF16 does (Intel SDM, "VCVTNEPS2BF16": DAZ and FTZ forced), so
** the vector path and the portable one give the same bits.
*/
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include "ln_internal.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(LN_NO_AVX512BF16)
#include <immintrin.h>
#define HAVE_X86 1
#else
#define HAVE_X86 0
#endif

/* rows of this many elements per OpenMP task: long enough to vectorise */
#define CHUNK 4096

static int use_avx512bf16;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* ONEDNN_MAX_CPU_ISA (oneDNN's cap, e.g. AVX2 to test the paths of older
** machines) caps the engine's own vector code too */
static int isa_capped (void) {
  const char *cap = getenv("ONEDNN_MAX_CPU_ISA");
  if (cap == NULL || *cap == '\0') return 0;
  return strncasecmp(cap, "ALL", 3) != 0 && strncasecmp(cap, "AVX512_CORE_BF16", 16) != 0 &&
         strncasecmp(cap, "AVX512_CORE_AMX", 15) != 0;
}

static void detect (void) {
#if HAVE_X86
  __builtin_cpu_init();
  use_avx512bf16 = __builtin_cpu_supports("avx512bf16") &&
                   __builtin_cpu_supports("avx512bw") &&
                   __builtin_cpu_supports("avx512vl") && !isa_capped();
#endif
}

const char *ln_bf16_path (void) {
  pthread_once(&once, detect);
  return use_avx512bf16 ? "AVX512-BF16" : "portable C";
}

/* one value, round to nearest even (branch-free, so loops vectorise) */
static inline uint16_t to_bf16 (float f) {
  uint32_t u, r, nan, den;
  memcpy(&u, &f, sizeof(u));
  r = (u + 0x7fffu + ((u >> 16) & 1u)) >> 16;
  nan = (u & 0x7fffffffu) > 0x7f800000u;
  den = (u & 0x7f800000u) == 0;
  r = nan ? ((u >> 16) | 0x40u) : r;
  r = den ? ((u >> 16) & 0x8000u) : r;
  return (uint16_t)r;
}

static inline float from_bf16 (uint16_t h) {
  uint32_t u = (uint32_t)h << 16;
  float f;
  memcpy(&f, &u, sizeof(f));
  return f;
}

static void to_bf16_c (const float *restrict x, uint16_t *restrict y, size_t n) {
  size_t i;
  for (i = 0; i < n; i++) y[i] = to_bf16(x[i]);
}

#if HAVE_X86
__attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
static void to_bf16_avx512 (const float *x, uint16_t *y, size_t n) {
  size_t i = 0;
  for (; i + 32 <= n; i += 32) {
    __m512bh h = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(x + i + 16),
                                     _mm512_loadu_ps(x + i));
    _mm512_storeu_si512((void *)(y + i), (__m512i)h);
  }
  for (; i < n; i += 16) {
    __mmask16 k = n - i >= 16 ? (__mmask16)0xffff
                              : (__mmask16)((1u << (n - i)) - 1u);
    __m256bh h = _mm512_cvtneps_pbh(_mm512_maskz_loadu_ps(k, x + i));
    _mm256_mask_storeu_epi16((void *)(y + i), k, (__m256i)h);
  }
}
#endif

static void to_bf16_run (const float *x, uint16_t *y, size_t n) {
#if HAVE_X86
  if (use_avx512bf16) { to_bf16_avx512(x, y, n); return; }
#endif
  to_bf16_c(x, y, n);
}

void ln_f32_to_bf16 (const float *x, uint16_t *y, size_t n) {
  size_t t, nt = (n + CHUNK - 1) / CHUNK;
  pthread_once(&once, detect);
  #pragma omp parallel for schedule(static) if (n > LN_PAR_MIN)
  for (t = 0; t < nt; t++) {
    size_t i0 = t * CHUNK, len = n - i0 < CHUNK ? n - i0 : CHUNK;
    to_bf16_run(x + i0, y + i0, len);
  }
}

void ln_bf16_to_f32 (const uint16_t *x, float *y, size_t n) {
  size_t i;
  #pragma omp parallel for schedule(static) if (n > LN_PAR_MIN)
  for (i = 0; i < n; i++) y[i] = from_bf16(x[i]);
}

/* y = x rounded to bf16, kept as float32: the products of a machine
** without bf16 kernels see the same inputs as those of one with them */
void ln_f32_round_bf16 (const float *x, float *y, size_t n) {
  size_t i;
  #pragma omp parallel for schedule(static) if (n > LN_PAR_MIN)
  for (i = 0; i < n; i++) y[i] = from_bf16(to_bf16(x[i]));
}
