/*
** ln_internal.h -- shared by the engine's files and the op families; not
** installed. Kernels include this only.
*/
#ifndef LN_INTERNAL_H
#define LN_INTERNAL_H

#include <stdint.h>
#include <stddef.h>
#include "luanet.h"

#ifdef _OPENMP
#include <omp.h>
#endif

/* elementwise loops go parallel above this many elements */
#define LN_PAR_MIN 32768

/* {====== Nodes, contexts and op descriptors (opaque in luanet.h) ====== */

struct ln_node {
  int id;                    /* index in the graph, 0-based */
  int op;                    /* index in the op table (ln_op_desc) */
  ln_leaf leaf;              /* leaf kind, LN_LEAF_NONE for op nodes */
  ln_dtype dtype;            /* of the value */
  int ndim;                  /* rank of the value */
  int dim[LN_MAX_DIMS];      /* current shape (batch dim at run size) */
  int batched;               /* inputs: dim[0] is the symbolic batch */
  int n_in;                  /* number of inputs */
  ln_node *in[LN_MAX_IN];    /* inputs */
  double attr[LN_MAX_ATTRS]; /* numeric attributes, by the op's attr spec */
  int n_list;                /* length of the op's list attribute */
  int list[LN_MAX_DIMS];     /* list attribute (shape, axes, perm) */
  char name[LN_NAME_MAX];    /* "" when unnamed */
  float *x;                  /* value (int32 values are stored here too) */
  float *g;                  /* gradient, NULL when none is needed */
  void *saved;               /* op's state kept from forward to backward */
  unsigned assign;           /* bit k: backward may overwrite in[k]->g
                             ** (it is the first writer; see LN_F_ASSIGN) */
  ln_tensor *store;          /* persistent value of params/buffers/consts */
  ln_tensor *grad;           /* persistent gradient of params */
  void *kern;                /* kernels prepared for the current shape
                             ** (op's 'prepare'), NULL: the portable path */
  const char *kern_name;     /* what 'kern' runs on ("oneDNN ..."), for
                             ** ln_model_kernel; NULL with no kern */
  int fuse;                  /* LN_FUSE_*: set by the plan */
};

/* fusion decided by the plan at compile time */
#define LN_FUSE_RELU    1    /* forward ends with y = max(y, 0) (the relu
                             ** that followed was folded into this node) */
#define LN_FUSED        2    /* a relu folded into its input's forward: not
                             ** run forward; its value is its input's */

/* Execution context handed to kernels. */
struct ln_ctx {
  int training;              /* 1 in training mode (dropout, batch norm) */
  int batch;                 /* run-time batch size */
  float *work;               /* shared temporary workspace */
  size_t work_size;          /* bytes in 'work' */
};

/* flags of an op descriptor */
#define LN_F_SAVE_IN    1u   /* backward reads the inputs' values */
#define LN_F_SAVE_OUT   2u   /* backward reads the node's own value */
#define LN_F_ELEMWISE   4u   /* y[i] depends on x[i] only */
#define LN_F_RANDOM     8u   /* draws random numbers in training */
#define LN_F_NOGRAD_IN1 16u  /* input 1 never gets a gradient (labels, ids) */
#define LN_F_ASSIGN     32u  /* backward writes every element of in[k]->g and
                             ** honours n->assign: '=' instead of '+=' there,
                             ** so the plan need not zero that gradient */
#define LN_F_FUSE_RELU  64u  /* forward honours n->fuse == LN_FUSE_RELU */

typedef struct ln_prep ln_prep;    /* kernels being prepared (below) */

/* an op: the families of src/ops/ and ln_op_register fill these */
typedef struct ln_opdesc {
  const char *name;          /* as seen from Lua */
  int min_in, max_in;        /* arity range */
  /* attributes "name=default,...": a number, "a|b|c" (enum, first is the
  ** default, stored as its index), "[]" (the list attribute) or "[B]" (a
  ** list that may hold "B", the batch dim, from Lua); a number then ":2"
  ** is a pair (height, width). Markers before a name say how Lua passes
  ** it: '@' positional argument (in spec order), '#' axis (1-based from
  ** Lua, 0-based here, negatives from the end), '^' / '$' 1-based
  ** inclusive start / stop index (see ln_op.c) */
  const char *attrs;
  /* set n->dtype, n->ndim, n->dim from inputs and attributes; on a bad
  ** fit return ln_seterr(LN_ESHAPE, "<op>: ...shapes...") */
  int (*shape) (ln_node *n);
  /* bytes kept from forward to backward (n->saved) and of temporary
  ** workspace (ctx->work), for the current shape; NULL = none */
  void (*scratch) (const ln_node *n, size_t *saved, size_t *work);
  void (*forward) (ln_node *n, ln_ctx *c);   /* n->x = f(in) */
  /* in[k]->g += dL/din[k] (skip when in[k]->g == NULL); NULL = no grad */
  void (*backward) (ln_node *n, ln_ctx *c);
  /* ready kernels for the node's current shape (oneDNN primitives), set
  ** them with ln_set_kern, report workspace via ln_prep_need; called by
  ** the plan (and ln_single_begin) outside forward/backward; NULL =
  ** nothing to prepare */
  int (*prepare) (ln_node *n, ln_prep *p);
  /* check values of int32 inputs (labels, ids) before forward, since
  ** forward cannot fail; NULL = nothing to check */
  int (*validate) (const ln_node *n);
  unsigned flags;            /* LN_F_* */
  const char *doc;           /* one line: formula */
  /* where the formula comes from: "Authors year, title, arXiv:id" (ops
  ** from papers; NULL for textbook ops); docs/ops.md shows it */
  const char *paper;
  /* elementwise ops: y[0..len) = f(in[0][0..len), in[1][0..len), ...)
  ** for inputs of the output's size, element i from elements i; forward
  ** of such a size runs it, and the plan runs chains of these ops block
  ** by block in one pass (see ln_plan.c); NULL = not fusable */
  void (*map) (const ln_node *n, const float *const *in, float *y, long len);
} ln_opdesc;

/* the op table's entry 'op' (0 = leaf), NULL when out of range */
const ln_opdesc *ln_op_desc (int op);

/* }====== */

struct ln_graph {
  ln_node **nodes;   /* nodes[0..n-1], each malloc'ed */
  int n, cap;        /* count and capacity */
  int batch;         /* size given to LN_BATCH dims in shapes now */
};

/* op families: each file of src/ops/ exports one table ending in {NULL} */
extern const ln_opdesc ln_ops_elem[];
extern const ln_opdesc ln_ops_reduce[];
extern const ln_opdesc ln_ops_shape[];
extern const ln_opdesc ln_ops_products[];
extern const ln_opdesc ln_ops_conv[];
extern const ln_opdesc ln_ops_norm[];
extern const ln_opdesc ln_ops_actlearn[];
extern const ln_opdesc ln_ops_loss[];
extern const ln_opdesc ln_ops_act[];
extern const ln_opdesc ln_ops_kan[];

/* numel of a node's current shape */
static inline size_t ln_numel (const ln_node *n) {
  size_t s = 1;
  int i;
  for (i = 0; i < n->ndim; i++) s *= (size_t)n->dim[i];
  return s;
}

#define LN_XI(n)  ((int32_t *)(void *)(n)->x)   /* int32 value of a node */

/* shape string of a node, for messages: uses a rotating static buffer
** per thread, so up to 4 may appear in one message */
const char *ln_node_shape (const ln_node *n);
/* normalise a possibly negative axis against 'ndim'; -1 if out of range */
int ln_axis (int axis, int ndim);
/* shape of 'a' op 'b' with numpy broadcasting into 'out'; LN_ESHAPE with
** message "<op>: ..." when they do not broadcast */
int ln_broadcast_shape (const char *op, const ln_node *a, const ln_node *b,
                        int *ndim, int *dim);
/* copy a shape into a node */
void ln_set_shape (ln_node *n, ln_dtype dt, int ndim, const int *dim);
/* a prepare callback's result: forward/backward run 'kern', described by
** 'name' (kept as long as kern; ln_model_kernel shows it) */
static inline void ln_set_kern (ln_node *n, void *kern, const char *name) {
  n->kern = kern;
  n->kern_name = kern ? name : NULL;
}
/* the op index of a node's op descriptor */
const ln_opdesc *ln_node_desc (const ln_node *n);
/* the second value of pair attribute k of a node */
double ln_attr_second (const ln_node *n, int k);

/* forward of a map op (ln_opdesc.map) whose inputs all have its size:
** the map over one contiguous range per thread (ln_op.c) */
void ln_map_forward (ln_node *n);
/* fn(n, i0, i1) over [0, len) in one contiguous range per thread (the
** backward of elementwise ops: fn can be an LN_VEC kernel) */
void ln_par_range (ln_node *n, long len, void (*fn) (ln_node *, long, long));
/* do all of n's inputs have its number of elements? */
int ln_same_numel (const ln_node *n);

/* re-infer all shapes for a batch size (ln_graph.c) */
int ln_graph_reshape (ln_graph *g, int batch);

/* BLAS loading (ln_blas.c) */
int ln_blas_load (void);

/* {====== Prepared kernels ======
**
** An op with a 'prepare' callback readies its kernels (oneDNN primitives,
** bf16 copies) for a node's current shape, outside forward and backward:
** the plan calls it at compile, at the first run of each new batch size,
** and when the thread count or the precision changes. It stores what
** forward/backward use in n->kern (NULL: the portable path) and keeps the
** objects in the prep, which owns them (freed with the model).
*/
struct ln_prep {
  int bf16;                  /* matrix products take bf16 inputs */
  size_t work;               /* out: the largest workspace a kernel needs */
  struct ln_kobj *objs;      /* prepared objects, newest first */
  long n_objs;
};

ln_prep *ln_prep_new (int bf16);
void ln_prep_free (ln_prep *p);
/* the object kept for node 'n' under key[0..nkey), or NULL */
void *ln_prep_find (ln_prep *p, const ln_node *n, const int *key, int nkey);
/* keep 'obj' for 'n' under the key; on failure frees it with 'fr' and
** returns LN_ENOMEM */
int ln_prep_keep (ln_prep *p, const ln_node *n, const int *key, int nkey,
                  void *obj, void (*fr) (void *));
/* a persistent zeroed buffer of 'bytes' for node 'n' (a parameter's bf16
** copy), shared by every node that asks for it; NULL when out of memory */
void *ln_prep_buffer (ln_prep *p, const ln_node *n, size_t bytes);
/* the generation of parameter values (ln_params_changed moves it) */
unsigned long ln_params_gen (void);
void ln_prep_need (ln_prep *p, size_t work);   /* p->work = max(.., work) */
/* run every prepare callback of a node list; LN_OK or an error */
int ln_prep_nodes (ln_prep *p, ln_node **nodes, int n);

/* }====== */

/* {====== One node at a time (ln_eval.c) ======
**
** The plan runs each of its nodes with ln_node_forward/ln_node_backward.
** A node outside any graph (eager ops, ln_op_eval, the C op tests) is
** first readied by ln_single_begin: shape, scratch sizes, kernels prepared
** as a compiled model prepares them, its value (and gradient), saved state
** and a 64-byte aligned workspace; then it runs through the same two.
*/
int ln_node_forward (ln_node *n, ln_ctx *c);   /* validate, then forward */
void ln_node_backward (ln_node *n, ln_ctx *c);

typedef struct ln_single {
  ln_node *n;                /* the node, its op, attributes, inputs set */
  ln_tensor *y;              /* its value (n->x points into it) */
  ln_prep *prep;             /* its prepared kernels, or NULL */
  void *mem;                 /* gradient, saved state, then the workspace */
  ln_ctx ctx;
} ln_single;
#define LN_SINGLE_GRAD     1u   /* give the node a gradient (for backward) */
#define LN_SINGLE_PORTABLE 2u   /* prepare nothing: the portable kernels */
#define LN_SINGLE_BF16     4u   /* prepare bf16 products */
/* ready 'n' (arity, shape, memory, kernels); on failure nothing is kept */
int ln_single_begin (ln_single *s, ln_node *n, unsigned flags);
int ln_single_forward (ln_single *s, int training);
void ln_single_backward (ln_single *s, int training);
ln_tensor *ln_single_take (ln_single *s);   /* the value, now the caller's */
void ln_single_end (ln_single *s);           /* NULL-safe after a failed begin */

/* }====== */

/* {====== Per-channel statistics (ops/norm.c; batch_norm, evonorm_b0, dice) ====== */

/* [N, C, *] seen as N samples of C channels of hw positions each */
typedef struct ln_chgeom { int C; size_t hw, N; } ln_chgeom;
ln_chgeom ln_ch_geom (const ln_node *x);
/* mean and biased variance of channel 'ch' over samples i0..i1-1, in double */
void ln_channel_stats (const float *x, const ln_chgeom *g, int ch, size_t i0,
                       size_t i1, double *mean, double *var);

/* }====== */

/* {====== Kernel library: oneDNN (ln_dnnl.c) and bf16 passes (ln_bf16.c) ====== */

int ln_dnnl_available (void);
const char *ln_dnnl_version (void);
const char *ln_dnnl_isa (void);            /* "AVX-512 with BF16 (...)" */
int ln_dnnl_has_bf16 (void);               /* oneDNN can run bf16 products */
long ln_dnnl_created (void);               /* primitives made so far */
long ln_dnnl_failed (void);                /* executions that failed */
/* should a product of this shape / a convolution go to oneDNN rather than
** OpenBLAS / im2col? (LUANET_KERNELS=auto|onednn|openblas) */
int ln_dnnl_prefer (long m, long n, long k);
int ln_dnnl_prefer_conv (void);

/* C[m, n] (=, or += when 'acc') op(A) op(B) (+ bias[n]) (relu'ed):
** A stored [m, k] ([k, m] when 'ta'), B [k, n] ([n, k] when 'tb'), C [m, n],
** 'batch' such products at strides m*k, k*n, m*n; A, B bf16 when 'bf16',
** C and bias float32 */
typedef struct ln_mmdesc {
  int m, n, k, batch, ta, tb, bf16, bias, relu, acc;
} ln_mmdesc;
typedef struct ln_mm ln_mm;
int ln_mm_new (const ln_mmdesc *d, ln_mm **out);   /* LN_EARG: not here */
size_t ln_mm_work (const ln_mm *m);                /* workspace bytes */
const char *ln_mm_impl (const ln_mm *m);           /* oneDNN's kernel name */
void ln_mm_run (ln_mm *m, const void *a, const void *b, const float *bias,
                float *c, void *work);
void ln_mm_free (ln_mm *m);

/* a 2-D convolution over NCHW float32 tensors, forward and gradients */
typedef struct ln_convdesc {
  int N, C, H, W, O, OH, OW, kh, kw;
  int sh, sw, ph, pw, dh, dw, G;         /* per axis: height, width; groups */
  int bias, relu, bf16;                  /* bias input; relu epilogue */
  int need_dx, need_dw, need_db;         /* gradients wanted */
  int acc_dx, acc_dw, acc_db;            /* added to (else overwritten) */
} ln_convdesc;
typedef struct ln_conv ln_conv;
int ln_conv_new (const ln_convdesc *d, ln_conv **out);
size_t ln_conv_work (const ln_conv *cv);
const char *ln_conv_impl (const ln_conv *cv, int k);   /* 0 fwd, 1 dx, 2 dw */
void ln_conv_forward (ln_conv *cv, const float *x, const float *w,
                      const float *b, float *y, void *work);
void ln_conv_backward (ln_conv *cv, const float *x, const float *w,
                       const float *dy, float *dx, float *dw, float *db,
                       void *work);
void ln_conv_free (ln_conv *cv);

/* float32 -> bf16 (round to nearest even), back, and rounding in place */
void ln_f32_to_bf16 (const float *x, uint16_t *y, size_t n);
void ln_bf16_to_f32 (const uint16_t *x, float *y, size_t n);
void ln_f32_round_bf16 (const float *x, float *y, size_t n);

/* }====== */

/* {====== Vectorised rows (ln_vmath.c) ====== */

float ln_row_max (const float *x, long n);             /* 0 when n = 0 */
/* sum of exp(x[k] - shift), each also stored in out[k] when out != NULL */
double ln_row_exp_sum (const float *x, float shift, float *out, long n);
double ln_row_sum (const float *x, long n);            /* in double */
double ln_row_sqdev_sum (const float *x, double m, long n);   /* sum (x - m)^2 */
void ln_row_scale (float *x, float a, long n);         /* x[k] *= a */
/* columns per block of the column sums (each block one task) */
#define LN_COL_BLK 64
/* for each column j of the rows x cols matrix x, s = scale * sum over rows
** of (x - m[j])^p (p 1: m unused; p 2); into d[j] (double) when d != NULL,
** else y[j] = s, or y[j] += s when 'add'. Columns in parallel blocks, each
** summed in row order: the same bits for any thread count */
void ln_col_sums (const float *x, long rows, long cols, const double *m, int p,
                  double scale, int add, float *y, double *d);
/* dx[k] += dy[k] - exp(y[k]) s: log_softmax's gradient */
void ln_row_logsm_grad (const float *y, const float *dy, float s, float *dx, long n);

/* }====== */

/* memory with a failure message */
void *ln_malloc (size_t sz);
void *ln_calloc (size_t n, size_t sz);

#endif
