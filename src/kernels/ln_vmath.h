/*
** ln_vmath.h -- vectorised libm for the elementwise kernels.
**
** glibc's libmvec (2.35 and later: every function below) has SSE, AVX2 and
** AVX-512 versions of expf, logf, tanhf, erfcf... (within 4 ulp, special
** cases handled). Declaring the scalar functions 'simd' lets GCC call
** them from vectorised loops; math.h does so only under -ffast-math,
** which would also drop NaN and infinity semantics the kernels need.
** LN_VEC compiles a kernel for AVX-512, AVX2 and the baseline, picked at
** load time by the CPU (Valgrind, which lacks AVX-512, gets AVX2).
** Elsewhere both are no-ops and the loops call the scalar functions.
*/
#ifndef LN_VMATH_H
#define LN_VMATH_H

#include <math.h>

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && \
    defined(__GLIBC__) && __GLIBC_PREREQ(2, 35) && !defined(LN_NO_VMATH)
#define LN_SIMD_FN __attribute__((simd("notinbranch")))
LN_SIMD_FN float expf (float);
LN_SIMD_FN float expm1f (float);
LN_SIMD_FN float logf (float);
LN_SIMD_FN float log1pf (float);
LN_SIMD_FN float tanhf (float);
LN_SIMD_FN float erff (float);
LN_SIMD_FN float erfcf (float);
LN_SIMD_FN float sinf (float);
LN_SIMD_FN float cosf (float);
LN_SIMD_FN float powf (float, float);
#define LN_VEC __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define LN_VEC
#endif

/* fmaxf and fminf for a bound b that is not NaN (a NaN x gives b, as
** theirs do): GCC calls libm for fmaxf and fminf, which stops a loop from
** vectorising; a select vectorises */
static inline float ln_fmaxf (float x, float b) { return x > b ? x : b; }
static inline float ln_fminf (float x, float b) { return x < b ? x : b; }

#endif
