/*
** luanet/config.h -- the runtime: threads, the kernel libraries in use
** (OpenBLAS, oneDNN) and the matrix product kernel.
*/
#ifndef LUANET_CONFIG_H
#define LUANET_CONFIG_H

#include "base.h"

int ln_init_runtime (void);          /* loads BLAS; idempotent */
void ln_set_threads (int n);         /* engine loops and BLAS */
int ln_get_threads (void);
const char *ln_blas_core (void);     /* OpenBLAS core in use */
const char *ln_blas_info (void);     /* how it was chosen */
/* oneDNN's version and the instruction set its kernels use here
** ("oneDNN 2.6.3", "AVX-512 with BF16 (avx512_core_bf16)", "AMX (...)",
** "AVX2 (avx2)"; ONEDNN_MAX_CPU_ISA lowers it) */
const char *ln_dnnl_info (void);
const char *ln_dnnl_isa_info (void);
/* the engine's own float32 -> bf16 conversion: "AVX512-BF16" or
** "portable C" */
const char *ln_bf16_path (void);
/* which library runs the matrix products and convolutions
** (LUANET_KERNELS=auto|onednn|openblas): "auto", "onednn", "openblas" */
const char *ln_dnnl_policy (void);

/* Kernel interface: row-major C = alpha * op(A) op(B) + beta * C */
void ln_gemm (int transa, int transb, int m, int n, int k, float alpha,
              const float *a, int lda, const float *b, int ldb,
              float beta, float *c, int ldc);

#endif
