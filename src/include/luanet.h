/*
** luanet.h -- the one public header of the luanet engine.
**
** A worked example (an MLP trained one step from C):
**
**   ln_graph *g;  int x, y, w1, b1, h, w2, b2, logits, loss;
**   ln_graph_new(&g);
**   int xd[2] = {LN_BATCH, 784}, yd[1] = {LN_BATCH};
**   ln_graph_input(g, "x", LN_F32, 2, xd, &x);
**   ln_graph_input(g, "y", LN_I32, 1, yd, &y);
**   int wd[2] = {512, 784}, bd[1] = {512};
**   ln_graph_param(g, "w1", 2, wd, LN_INIT_KAIMING_UNIFORM, 0, &w1);
**   ...
**   ln_graph_opn(g, "linear", 3, (int[]){x, w1, b1}, NULL, &h);
**   ln_graph_opn(g, "relu", 1, &h, NULL, &h);
**   ...
**   ln_model *m;
**   ln_model_compile(g, 128, loss, 1, &logits, &m);   (g now owned by m)
**   ln_model_feed(m, "x", xt);  ln_model_feed(m, "y", yt);
**   ln_model_forward(m, 1);  ln_model_backward(m);
**   ln_optim_step(opt);
**
** Every fallible function returns LN_OK (0) or a negative LN_E* code and
** leaves a message readable with ln_errmsg() (per thread). Nothing a user
** can trigger aborts or exits.
*/
#ifndef LUANET_H
#define LUANET_H

#include <stddef.h>
#include <stdint.h>

#define LN_VERSION      "0.1.0"
#define LN_MAX_DIMS     8      /* tensor rank limit */
#define LN_MAX_IN       6      /* op inputs limit (concat takes up to 6) */
#define LN_MAX_ATTRS    12     /* numeric attributes of one node */
#define LN_NAME_MAX     64     /* node names, including the NUL */
#define LN_BATCH        (-1)   /* the symbolic batch dimension "B" */

/* status codes */
#define LN_OK       0
#define LN_EARG     (-1)   /* bad argument (type, value, unknown name) */
#define LN_ESHAPE   (-2)   /* shapes do not fit */
#define LN_ENOMEM   (-3)   /* out of memory */
#define LN_EIO      (-4)   /* file system error */
#define LN_EFORMAT  (-5)   /* corrupt or foreign file */
#define LN_ESTATE   (-6)   /* call out of order (e.g. backward before forward) */

/* element types */
typedef enum ln_dtype { LN_F32 = 0, LN_I32 = 1 } ln_dtype;

/* last error message of this thread ("" when none) */
const char *ln_errmsg (void);
/* record an error; returns 'code' so callers can 'return ln_seterr(...)' */
int ln_seterr (int code, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 2, 3)))
#endif
  ;

/* {====== Tensors ====== */

typedef struct ln_tensor {
  ln_dtype dtype;            /* LN_F32 or LN_I32 */
  int ndim;                  /* 0..LN_MAX_DIMS (0 = scalar) */
  int dim[LN_MAX_DIMS];      /* shape, row-major */
  size_t n;                  /* number of elements */
  void *data;                /* n elements of dtype, contiguous */
  int owns;                  /* 1 if 'data' is freed with the tensor */
} ln_tensor;

/* New zero-filled tensor; NULL on failure (message set). */
ln_tensor *ln_tensor_new (ln_dtype dt, int ndim, const int *dim);
/* A tensor viewing 'data' (not owned). */
ln_tensor *ln_tensor_view (ln_dtype dt, int ndim, const int *dim, void *data);
void ln_tensor_free (ln_tensor *t);                 /* NULL-safe */
/* number of elements of a shape; 0 and message on overflow/bad dims */
size_t ln_shape_numel (int ndim, const int *dim);
/* "2x3x4" into buf (for messages) */
const char *ln_shape_str (int ndim, const int *dim, char *buf, size_t sz);
/* .npy (v1.0, '<f4' or '<i4', C order) */
int ln_npy_save (const char *path, const ln_tensor *t);
int ln_npy_load (const char *path, ln_tensor **out);

/* }====== */

/* {====== Random numbers ====== */

/* One generator (xoshiro256**) seeds everything: initialisers, dropout,
** batch shuffling. Same seed and thread count: same run, bit for bit. */
void ln_seed (uint64_t seed);
uint64_t ln_rand_u64 (void);
double ln_rand_uniform (void);          /* [0, 1) */
double ln_rand_normal (void);           /* N(0, 1) */

typedef enum ln_init {
  LN_INIT_ZEROS = 0, LN_INIT_ONES, LN_INIT_CONST,   /* CONST: value 'a' */
  LN_INIT_UNIFORM,          /* U(-a, a) */
  LN_INIT_NORMAL,           /* N(0, a^2) */
  LN_INIT_XAVIER_UNIFORM,   /* U(-s, s), s = sqrt(6 / (fan_in + fan_out)) */
  LN_INIT_XAVIER_NORMAL,    /* N(0, 2 / (fan_in + fan_out)) */
  LN_INIT_KAIMING_UNIFORM,  /* U(-s, s), s = sqrt(6 / fan_in) (relu gain) */
  LN_INIT_KAIMING_NORMAL,   /* N(0, 2 / fan_in) */
  LN_INIT_LECUN_NORMAL,     /* N(0, 1 / fan_in) (SELU) */
  LN_INIT_TORCH_DEFAULT,    /* U(-1/sqrt(fan_in), 1/sqrt(fan_in)) as nn.Linear */
  LN_INIT_COUNT
} ln_init;
extern const char *const ln_init_names[];   /* ORDER INIT */
/* fill 't' by rule 'how' ('a' as above); fan_in = numel/dim[0],
** fan_out = dim[0] * receptive field, as PyTorch computes them */
int ln_tensor_init (ln_tensor *t, ln_init how, double a);

/* }====== */

/* {====== Graphs and the op table ====== */

typedef struct ln_graph ln_graph;
typedef struct ln_node ln_node;
typedef struct ln_ctx ln_ctx;
typedef struct ln_prep ln_prep;    /* kernels being prepared (ln_internal.h) */

typedef enum ln_leaf {
  LN_LEAF_NONE = 0,  /* an op node */
  LN_LEAF_INPUT,     /* fed at run time */
  LN_LEAF_PARAM,     /* trainable, persistent */
  LN_LEAF_BUFFER,    /* persistent, not trained (running statistics) */
  LN_LEAF_CONST      /* fixed value */
} ln_leaf;

struct ln_node {
  int id;                    /* index in the graph, 0-based */
  int op;                    /* index in ln_ops[] */
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

typedef struct ln_opdesc {
  const char *name;          /* as seen from Lua */
  int min_in, max_in;        /* arity range */
  /* attributes "name=default,...": a number, "a|b|c" (enum, first is the
  ** default, stored as its index), "[]" (the list attribute) or "[B]" (a
  ** list that may hold "B", the batch dim, from Lua). Markers before a
  ** name say how Lua passes it: '@' positional argument (in spec order),
  ** '#' axis (1-based from Lua, 0-based here, negatives from the end),
  ** '^' / '$' 1-based inclusive start / stop index (see ln_op.c) */
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
  ** n->kern, report workspace via ln_prep_need; called by the plan
  ** outside forward/backward; NULL = nothing to prepare */
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

/* the op table: entry 'op' (0 = leaf, 1..ln_op_count()-1 = ops), NULL
** when out of range; ops live in src/ops/<family>.c tables */
const ln_opdesc *ln_op_desc (int op);
int ln_op_count (void);                  /* entries, leaf included */
int ln_op_find (const char *name);       /* index or -1 */
/* attribute names of op 'op' (NULL-terminated, static), the index of the
** list attribute or -1, and the default values */
int ln_op_attr_names (int op, const char **names, int max);
int ln_op_attr_index (int op, const char *name);   /* -1 if none */
int ln_op_attr_is_list (int op, int k);
/* parse enum value 'val' of attribute k; returns its index or -1 */
int ln_op_attr_enum (int op, int k, const char *val);
const char *ln_op_attr_enum_name (int op, int k, int idx);
void ln_op_attr_defaults (int op, double *attr);
/* markers of attribute k: its position among the positional arguments
** (1..) or 0; an axis ('#'); a start ('^') or stop ('$') index; a list
** that takes "B" ("[B]") */
int ln_op_attr_positional (int op, int k);
int ln_op_attr_is_axis (int op, int k);
int ln_op_attr_is_start (int op, int k);
int ln_op_attr_is_stop (int op, int k);
int ln_op_attr_takes_batch (int op, int k);

int ln_graph_new (ln_graph **out);
void ln_graph_free (ln_graph *g);                    /* NULL-safe */
int ln_graph_size (const ln_graph *g);               /* number of nodes */
ln_node *ln_graph_node (ln_graph *g, int id);        /* NULL if out of range */
int ln_graph_find (const ln_graph *g, const char *name);  /* id or -1 */
/* Leaves. 'dim' may hold LN_BATCH as dim[0] (inputs only). */
int ln_graph_input (ln_graph *g, const char *name, ln_dtype dt,
                    int ndim, const int *dim, int *out);
int ln_graph_param (ln_graph *g, const char *name, int ndim, const int *dim,
                    ln_init how, double a, int *out);
int ln_graph_buffer (ln_graph *g, const char *name, int ndim, const int *dim,
                     double value, int *out);
/* a constant: copies 't' */
int ln_graph_const (ln_graph *g, const char *name, const ln_tensor *t,
                    int *out);
/*
** Append an op node. 'attr' holds LN_MAX_ATTRS values in the op's attr
** order (NULL = defaults); 'list' holds 'n_list' ints for the list attr.
** Shape inference runs now: on failure the graph is unchanged.
*/
int ln_graph_op (ln_graph *g, int op, int n_in, const int *in,
                 const double *attr, int n_list, const int *list, int *out);
/* same, op by name, default attributes */
int ln_graph_opn (ln_graph *g, const char *op, int n_in, const int *in,
                  const double *attr, int *out);
int ln_graph_set_name (ln_graph *g, int id, const char *name);
/* current batch size of the graph's shapes (the compiled maximum after
** compile) */
int ln_graph_batch (const ln_graph *g);

/* }====== */

/* {====== Compiled models ====== */

typedef struct ln_model ln_model;

/*
** Compile graph 'g' for batches up to 'max_batch': order, prune what
** neither 'loss' (-1 = none) nor 'outputs' need, derive the backward pass
** for nodes that lead to trainable parameters, fuse what it can, and plan
** one arena. On success the model takes ownership of 'g'.
*/
int ln_model_compile (ln_graph *g, int max_batch, int loss, int n_out,
                      const int *outputs, ln_model **out);
/* the same with LN_COMPILE_* flags */
int ln_model_compile_ex (ln_graph *g, int max_batch, int loss, int n_out,
                         const int *outputs, unsigned flags, ln_model **out);
#define LN_COMPILE_NOFUSE 1u   /* run every node on its own: no relu folded
                               ** into a product, no elementwise chains */
/* elementwise chains the plan fused, and nodes whose value lives only in
** a chain's block buffers (no memory of their own) */
void ln_model_chains (const ln_model *m, int *chains, int *nodes, int *elided);
void ln_model_free (ln_model *m);                   /* NULL-safe, frees g */
ln_graph *ln_model_graph (ln_model *m);
int ln_model_loss (const ln_model *m);              /* node id or -1 */
int ln_model_n_outputs (const ln_model *m);
int ln_model_output (const ln_model *m, int k);     /* node id */
/* copy tensor 't' into input 'name'; its leading dim sets the batch */
int ln_model_feed (ln_model *m, const char *name, const ln_tensor *t);
int ln_model_forward (ln_model *m, int training);
/* backward from the loss (dL/dloss = 1); zeroes parameter gradients first */
int ln_model_backward (ln_model *m);
int ln_model_batch (const ln_model *m);             /* run-time batch */
int ln_model_max_batch (const ln_model *m);         /* compiled maximum */
/* value / gradient of node 'id' as a view (valid until the next run);
** NULL (message set) when there is none */
ln_tensor *ln_model_value (ln_model *m, int id);
/* Parameter and constant values change through the library: optimizer
** steps, loading, the Lua tensor methods. After writing them yourself
** (through ln_model_value's view or node->store), call this before the
** next run: models keep converted copies of their weights (bf16) and
** convert them again only when told the values may have changed. */
void ln_params_changed (void);
ln_tensor *ln_model_gradval (ln_model *m, int id);
/* planned arena bytes and the naive sum (one buffer per value/grad) */
void ln_model_memory (const ln_model *m, size_t *planned, size_t *naive);
/* trainable parameter node ids, in graph order */
int ln_model_params (const ln_model *m, int *ids, int max);
/* per-node timing: on = 1 starts (and zeroes) accumulating seconds spent
** in each node's forward and backward kernels; 0 stops it */
int ln_model_profile (ln_model *m, int on);
void ln_model_times (const ln_model *m, int id, double *fwd, double *bwd);
/* nodes in execution order (for printing) */
int ln_model_order (const ln_model *m, int *ids, int max);

/* Precision of the matrix products (matmul, linear, conv2d): LN_FP32, the
** default, or LN_BF16 (mixed precision: their inputs rounded to bfloat16,
** products accumulated and returned in float32; parameters, gradients,
** optimizer state and every other op stay float32). Prepares the kernels
** again; may be called between runs. */
typedef enum ln_precision { LN_FP32 = 0, LN_BF16 = 1 } ln_precision;
int ln_model_set_precision (ln_model *m, ln_precision p);
ln_precision ln_model_precision (const ln_model *m);
/* the kernel each product node uses now, e.g. "oneDNN brg:avx512_core_bf16",
** "OpenBLAS" (static string valid until the next call; "" for others) */
const char *ln_model_kernel (ln_model *m, int id);

/* }====== */

/* {====== Optimizers ====== */

typedef enum ln_optkind {
  LN_OPT_SGD = 0, LN_OPT_ADAM, LN_OPT_ADAMW, LN_OPT_RMSPROP, LN_OPT_COUNT
} ln_optkind;
extern const char *const ln_opt_names[];   /* ORDER OPT */

typedef struct ln_optconf {
  double lr;            /* learning rate */
  double momentum;      /* SGD momentum; RMSprop momentum */
  double dampening;     /* SGD */
  int nesterov;         /* SGD */
  double weight_decay;  /* L2 (SGD, Adam, RMSprop) or decoupled (AdamW) */
  double beta1, beta2;  /* Adam(W) */
  double alpha;         /* RMSprop smoothing */
  double eps;           /* Adam(W), RMSprop */
  double clip_norm;     /* > 0: clip gradients by global norm first */
} ln_optconf;

typedef struct ln_optim ln_optim;
void ln_optconf_defaults (ln_optkind kind, ln_optconf *c);
/* an optimizer over all trainable parameters of 'm' (state allocated now) */
int ln_optim_new (ln_model *m, ln_optkind kind, const ln_optconf *c,
                  ln_optim **out);
void ln_optim_free (ln_optim *o);
ln_optconf *ln_optim_conf (ln_optim *o);            /* to change lr etc. */
ln_optkind ln_optim_kind (const ln_optim *o);
long ln_optim_steps (const ln_optim *o);
/* one update from the current gradients; returns the global gradient norm
** (before clipping) in '*gnorm' when not NULL */
int ln_optim_step (ln_optim *o, double *gnorm);
/* state tensors (per param: n_state of them), for checkpoints */
int ln_optim_n_state (const ln_optim *o);
ln_tensor *ln_optim_state (ln_optim *o, int param_k, int s);
void ln_optim_set_steps (ln_optim *o, long t);
/* global L2 norm of the gradients of params; scales them to 'max' if above */
double ln_clip_grad_norm (ln_model *m, double max);
/* ⊥Grad: project each parameter's gradient orthogonal to the parameter,
** g <- g - (g.w / w.w) w ('renorm': then back to the norm g had); call
** after backward, before ln_optim_step. Returns the largest |cos(g, w)|
** seen before the projection. */
double ln_orthograd (ln_model *m, int renorm);

/* }====== */

/* {====== Files ====== */

/*
** Model file: magic "LUANET\0\1", version, graph (ops, attributes, shapes,
** names), max batch, loss and outputs, parameter and buffer values, and
** optionally the optimizer's state; crc32 of everything before it last.
** Written to 'path.tmp', fsync'ed, then renamed over 'path'.
*/
int ln_model_save (ln_model *m, const ln_optim *o, const char *path);
/* load and compile; '*opt' gets the optimizer saved with it (or NULL)
** when 'opt' is not NULL */
int ln_model_load (const char *path, ln_model **out, ln_optim **opt);

/* }====== */

/* {====== Data helpers ====== */

/* IDX file (optionally gzip'ed): ubyte images -> f32 scaled to [0, 1]
** (if 'scale') or raw, labels -> i32 */
int ln_idx_load (const char *path, int scale, ln_tensor **out);
/* PNG: 8-bit gray (C = 1), RGB (3) or RGBA (4); tensor C x H x W in [0,1] */
int ln_png_load (const char *path, ln_tensor **out);
int ln_png_save (const char *path, const ln_tensor *chw);

/* }====== */

/* {====== Detection: boxes, IoU, NMS and Soft-NMS (ln_detect.c) ====== */

/*
** Boxes are rows of 4 floats. Formats: xyxy (x1, y1, x2, y2), xywh (x1,
** y1, w, h) and cxcywh (centre x, centre y, w, h). The functions below take
** xyxy with x2 >= x1 and y2 >= y1. IoU convention: continuous coordinates
** (area = (x2 - x1)(y2 - y1)), or with 'pixel' the inclusive-pixel "+1"
** convention of the Soft-NMS reference code (area = (x2 - x1 + 1)(y2 - y1
** + 1)). IoU is 0 when the union is empty (two zero-area boxes). IoU,
** scores and thresholds are compared as float32 (as the Soft-NMS reference
** code does): an IoU equal to 'iou' is not above it, a score equal to
** 'score_threshold' is not below it.
**
** Selection order and ties: a higher score first; among equal scores the
** box with the lower index first. Results are indices into the input
** (0-based), in selection order; no input array is modified. Every
** function returns LN_OK, or LN_EARG / LN_ENOMEM with a message naming
** the function ('fn' when given, else its own name) and the argument.
*/
typedef enum ln_boxfmt {
  LN_BOX_XYXY = 0, LN_BOX_XYWH, LN_BOX_CXCYWH, LN_BOX_COUNT
} ln_boxfmt;
extern const char *const ln_boxfmt_names[];   /* ORDER BOXFMT, NULL-ended */

typedef enum ln_nms_method {
  LN_NMS_LINEAR = 0,   /* s *= 1 - IoU when IoU > iou */
  LN_NMS_GAUSSIAN,     /* s *= exp(-IoU^2 / sigma) */
  LN_NMS_HARD,         /* s = 0 when IoU > iou */
  LN_NMS_COUNT
} ln_nms_method;
extern const char *const ln_nms_method_names[];  /* ORDER NMS, NULL-ended */

typedef struct ln_nms_conf {
  ln_nms_method method;    /* Soft-NMS rule (hard NMS: ln_nms) */
  double iou;              /* N_t: overlap above which a rule acts */
  double sigma;            /* Gaussian width (> 0) */
  double score_threshold;  /* boxes scoring below it are discarded */
  int max_det;             /* stop after this many selections (<= 0: all) */
  int pixel;               /* 1: "+1" inclusive-pixel IoU */
} ln_nms_conf;

/* Soft-NMS defaults of the paper: linear, iou 0.3, sigma 0.5, threshold
** 0.001, no max_det, continuous IoU */
void ln_nms_defaults (ln_nms_conf *c);
/* convert 'n' boxes between formats ('out' may be 'in') */
int ln_box_convert (const float *in, float *out, int n, ln_boxfmt from,
                    ln_boxfmt to);
/* LN_EARG unless every xyxy box is finite with x2 >= x1 and y2 >= y1;
** the message reads "<fn>: <arg>[i] ..." (1-based row as Lua shows it) */
int ln_box_check (const char *fn, const char *arg, const float *boxes, int n);
void ln_box_area (const float *boxes, int n, int pixel, float *out);
/* out[i * nb + j] = IoU(a[i], b[j]) */
void ln_box_iou (const float *a, int na, const float *b, int nb, int pixel,
                 float *out);
/* Hard NMS: select the best remaining box, discard the remaining boxes
** whose IoU with it exceeds 'iou'; repeat. keep[] has room for n. */
int ln_nms (const float *boxes, const float *scores, int n, double iou,
            int pixel, int max_det, int32_t *keep, int *n_keep);
/* Soft-NMS (Bodla et al. 2017): select the best remaining box M, decay
** the scores of the remaining boxes by the rule of 'c', discard those now
** below c->score_threshold; repeat. Boxes whose input score is below the
** threshold are never selected; a selected box is never discarded. keep[]
** and kept[] (decayed scores at selection) have room for n. */
int ln_soft_nms (const float *boxes, const float *scores, int n,
                 const ln_nms_conf *c, int32_t *keep, float *kept,
                 int *n_keep);
/* class-aware versions: boxes of different 'classes' never suppress each
** other; results of all classes merged by score (descending, ties: lower
** index first); max_det bounds the merged list */
int ln_batched_nms (const float *boxes, const float *scores,
                    const int32_t *classes, int n, double iou, int pixel,
                    int max_det, int32_t *keep, int *n_keep);
int ln_batched_soft_nms (const float *boxes, const float *scores,
                         const int32_t *classes, int n, const ln_nms_conf *c,
                         int32_t *keep, float *kept, int *n_keep);

/* }====== */

/* {====== Configuration ====== */

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

/* Kernel interface: row-major C = alpha * op(A) op(B) + beta * C */
void ln_gemm (int transa, int transb, int m, int n, int k, float alpha,
              const float *a, int lda, const float *b, int ldb,
              float beta, float *c, int ldc);

/* }====== */

#endif
