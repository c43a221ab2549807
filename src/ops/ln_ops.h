/*
** ln_ops.h -- what the op families of src/ops share, written once: the
** checks of their inputs (float32, labels or ids in range, a reduction
** attribute), the reduction enum, fixed-block sums (results that do not
** depend on the thread count), numerically stable scalar functions, SELU's
** constants, and the macros that write the kernels of a unary map.
** Only the files of src/ops include it; ln_ops.c holds the functions.
*/
#ifndef ln_ops_h
#define ln_ops_h

#include <math.h>
#include <stdint.h>
#include "ln_internal.h"
#include "ln_vmath.h"

/* parallel loop over 'len' elements (a local named 'len' must exist) */
#define LN_PFOR _Pragma("omp parallel for schedule(static) if (len > LN_PAR_MIN)")

/* {====== Input checks ====== */

/* the op's name, for messages */
static inline const char *ln_opname (const ln_node *n) {
  return ln_node_desc(n)->name;
}

/*
** LN_OK if input k is float32, else LN_EARG with "<op>: <what> (input
** k+1) must be float32, got int32" ("<op>: input k+1 must ..." when 'what'
** is NULL).
*/
int ln_need_f32 (const ln_node *n, int k, const char *what);

/* ln_need_f32 for every input of n */
int ln_need_f32_all (const ln_node *n);

/* input 0 float32; the output takes its shape (the shape of a unary map) */
int ln_shape_unary (ln_node *n);

/* the output takes the shape of input 0, as float32 */
int ln_shape_like_x (ln_node *n);

/*
** Every value of the int32 input k must lie in [0, C) (or equal *ignore
** when ignore is not NULL); else LN_EARG with "<op>: <what> <v> out of
** range [0, C)" ('what': "label", "id").
*/
int ln_check_index (const ln_node *n, int k, int C, const char *what,
                    const int32_t *ignore);

/* attribute 'a' is a reduction in [LN_RED_MEAN, max]; else LN_EARG */
int ln_check_reduction (const ln_node *n, int a, int max);

/* input k is a float32 parameter with exactly one element; else an error
** naming it ('what') and its shape */
int ln_check_scalar (const ln_node *n, int k, const char *what);

/* }====== */

/* {====== Reductions and sums ====== */

/* the 'reduction' attribute of losses and regularisers (kl_div also takes
** batchmean) */
enum { LN_RED_MEAN = 0, LN_RED_SUM, LN_RED_NONE, LN_RED_BATCHMEAN };

/* elementwise sums run over blocks of this many elements, the block sums
** then added in order: the result does not depend on the thread count */
#define LN_SUM_BLOCK 4096

static inline size_t ln_n_blocks (size_t len) {
  return (len + LN_SUM_BLOCK - 1) / LN_SUM_BLOCK;
}

/* sum of t[0..len) over fixed blocks; 'part' holds ln_n_blocks(len) doubles */
double ln_block_sum (const float *t, size_t len, double *part);

/*
** A workspace of 'len' floats (a temporary the size of the input) followed
** by the block partials of ln_block_sum over it: ln_sum_work is its size,
** ln_work_tail(c, len) the partials' place.
*/
size_t ln_sum_work (size_t len);
void *ln_work_tail (ln_ctx *c, size_t len);

/* product of dims [0, upto) of a node */
size_t ln_lead (const ln_node *n, int upto);

/* dst += src, elementwise */
void ln_add_to (float *dst, const float *src, size_t len);

/* }====== */

/* {====== Stable scalar functions ====== */

/* sigmoid without overflow: exp of a non-positive number only */
static inline float ln_sigmoidf (float z) {
  float e = expf(-fabsf(z)), r = 1.0f / (1.0f + e);
  return z >= 0.0f ? r : e * r;
}

static inline double ln_sigmoid (double z) {
  double e = exp(-fabs(z)), r = 1.0 / (1.0 + e);
  return z >= 0 ? r : e * r;
}

/* sigmoid'(z) = s (1 - s) = e / (1 + e)^2 with e = exp(-|z|): no
** cancellation in 1 - s, 0 (not NaN) at +-inf */
static inline float ln_sigmoidf_d (float z) {
  float e = expf(-fabsf(z)), r = 1.0f / (1.0f + e);
  return e * r * r;
}

/* sign(v): -1, 0 or 1 */
static inline float ln_signf (float v) {
  return v > 0.0f ? 1.0f : v < 0.0f ? -1.0f : 0.0f;
}

/* SELU's constants, those of the fixed point mean 0, variance 1
** (Klambauer et al. 2017, arXiv:1706.02515; OPS.md) */
#define LN_SELU_LAMBDA 1.0507009873554804934193349852946
#define LN_SELU_ALPHA  1.6732632423543772848170429916717
#define LN_P_SNN "Klambauer, Unterthiner, Mayr, Hochreiter 2017, " \
  "Self-Normalizing Neural Networks, arXiv:1706.02515"

/* }====== */

/* {====== Unary maps ====== */

/*
** LN_UNARY_MAP(op, F): op_map, y = F(v) with v = x[i], as a map (the plan
** may run it inside a chain of maps); a0, a1 are the first two attributes.
** LN_UNARY_FWD adds op_forward.
*/
#define LN_UNARY_MAP(op, F) \
  LN_VEC static void op##_map (const ln_node *n, const float *const *in, float *y, \
                               long len) { \
    const float *x = in[0]; \
    const float a0 = (float)n->attr[0], a1 = (float)n->attr[1]; \
    long i; \
    (void)a0; (void)a1; \
    _Pragma("omp simd") \
    for (i = 0; i < len; i++) { const float v = x[i]; y[i] = (F); } \
  }

#define LN_UNARY_FWD(op, F) \
  LN_UNARY_MAP(op, F) \
  static void op##_forward (ln_node *n, ln_ctx *c) { (void)c; ln_map_forward(n); }

/*
** LN_UNARY_RANGE(op, T, D): op_bwd_range, dL/dx = D over [i0, i1) with
** g = dL/dy[i] and, as the tag T says, v = x[i] (XV), o = y[i] (YV) or
** neither (NV). Where the plan makes the node the first writer of dL/dx
** (n->assign, ops with LN_F_ASSIGN) it is overwritten, else added to.
** LN_UNARY_BIN, _BOUT, _BNONE add op_backward. Write selects rather than
** products where dy/dx is 0 or +-1 (they vectorise).
*/
#define LN_UNARY_RANGE(op, T, D) \
  LN_VEC static void op##_bwd_range (ln_node *n, long i0, long i1) { \
    const float *gy = n->g; \
    float *gx = n->in[0]->g; \
    const float a0 = (float)n->attr[0], a1 = (float)n->attr[1]; \
    long i; \
    LN_UNARY_DECL_##T \
    (void)a0; (void)a1; \
    if (n->assign & 1u) { \
      _Pragma("omp simd") \
      for (i = i0; i < i1; i++) { \
        LN_UNARY_VAL_##T const float g = gy[i]; gx[i] = (D); } \
    } else { \
      _Pragma("omp simd") \
      for (i = i0; i < i1; i++) { \
        LN_UNARY_VAL_##T const float g = gy[i]; gx[i] += (D); } } \
  }

#define LN_UNARY_BWD(op, T, D) \
  LN_UNARY_RANGE(op, T, D) \
  static void op##_backward (ln_node *n, ln_ctx *c) { \
    (void)c; \
    if (n->in[0]->g != NULL) ln_par_range(n, (long)ln_numel(n), op##_bwd_range); \
  }

/* the tags: XV, YV, NV (not macros, so that they reach the ## intact) */
#define LN_UNARY_DECL_XV const float *x = n->in[0]->x;
#define LN_UNARY_DECL_YV const float *y = n->x;
#define LN_UNARY_DECL_NV
#define LN_UNARY_VAL_XV const float v = x[i];
#define LN_UNARY_VAL_YV const float o = y[i];
#define LN_UNARY_VAL_NV

#define LN_UNARY_BIN(op, D) LN_UNARY_BWD(op, XV, D)
#define LN_UNARY_BOUT(op, D) LN_UNARY_BWD(op, YV, D)
#define LN_UNARY_BNONE(op, D) LN_UNARY_BWD(op, NV, D)

/* }====== */

#endif
