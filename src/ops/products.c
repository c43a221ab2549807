/*
** products.c -- products of a tensor with a weight: matmul, linear (both
** through oneDNN where the plan prepared it, else OpenBLAS), and embedding
** (a row lookup: the product of one-hot ids with the table).
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ln_ops.h"

/* {====== prepared products: oneDNN, bf16 ====== */

/*
** matmul and linear run their products through oneDNN where the plan
** prepared it (n->kern), else through ln_gemm (OpenBLAS): eager calls, C
** tests that do not prepare, shapes where OpenBLAS is faster. In bf16 mode
** the inputs of each product are converted to bf16 in the workspace (the
** weight into a copy kept per parameter, from forward to backward) and
** oneDNN accumulates in float32; where oneDNN has no bf16 kernels (before
** AVX-512, or ONEDNN_MAX_CPU_ISA=AVX2) the inputs are rounded to bf16 and
** kept as float32, so every machine computes with the same inputs.
*/
enum { MODE_F32, MODE_BF16, MODE_EMU };

typedef struct mmk {
  char desc[80];               /* the kernel, for ln_model_kernel */
  int mode;
  ln_mm *fwd, *da, *db;        /* oneDNN products, NULL: OpenBLAS */
  void *wcopy;                 /* linear in bf16: the weight, converted,
                               ** after a header (weight_in) */
  size_t aoff, boff, goff;     /* workspace: converted a (x), b, dy */
  size_t spoff, work;          /* oneDNN scratchpad; total bytes */
} mmk;

static void mmk_drop (mmk *k) {
  ln_mm_free(k->fwd); ln_mm_free(k->da); ln_mm_free(k->db);
  k->fwd = k->da = k->db = NULL;
}

static void mmk_free (void *p) {
  mmk_drop(p);
  free(p);
}

static size_t al64 (size_t s) { return (s + 63) / 64 * 64; }
static size_t esize (int mode) { return mode == MODE_BF16 ? 2 : mode == MODE_EMU ? 4 : 0; }

/* what the products of a node read: converted copies in bf16 modes */
static const void *conv_in (int mode, const float *x, void *dst, size_t len) {
  if (mode == MODE_BF16) ln_f32_to_bf16(x, dst, len);
  else if (mode == MODE_EMU) ln_f32_round_bf16(x, dst, len);
  else return x;
  return dst;
}

static char *wk (ln_ctx *c, size_t off) { return (char *)c->work + off; }

/*
** The weight of a linear node as its products read it: in bf16 modes a
** copy, shared by the nodes that read that weight, whose header holds the
** parameter generation it was converted at (ln_params_gen). A parameter's
** or constant's copy is converted again only when that generation has
** moved (an optimizer step, a write from Lua, ln_params_changed), so
** inference converts each weight once; other weights (op outputs, buffers
** that ops update) are converted at every run.
*/
#define WHEAD 64

static const void *weight_in (const mmk *k, const ln_node *w, size_t len) {
  unsigned long *gen = k->wcopy, now;
  void *copy = (char *)k->wcopy + WHEAD;
  if (k->mode == MODE_F32) return w->x;
  now = ln_params_gen();
  if (*gen == now && (w->leaf == LN_LEAF_PARAM || w->leaf == LN_LEAF_CONST)) return copy;
  conv_in(k->mode, w->x, copy, len);
  *gen = now;
  return copy;
}

/* make the oneDNN products of 'k' (forward, gradient of input 0, of input
** 1; m = 0: not wanted); false when one is not available here */
static int mmk_make (mmk *k, const ln_mmdesc *d, int *rc) {
  ln_mm **dst[3];
  int i;
  dst[0] = &k->fwd; dst[1] = &k->da; dst[2] = &k->db;
  for (i = 0; i < 3; i++) {
    int r;
    if (d[i].m == 0) continue;
    if ((r = ln_mm_new(&d[i], dst[i])) != LN_OK) {
      if (r == LN_ENOMEM) *rc = r;
      return 0;
    }
  }
  return 1;
}

static int prefer (const ln_mmdesc *d) {
  return ln_dnnl_prefer(d->m, d->n, (long)d->k * d->batch);
}

/*
** A prepared kernel for the products d[0..2], with workspace for the
** converted inputs: a_len, b_len (0: b is the weight copy) and g_len
** elements. oneDNN takes the products when ln_dnnl_prefer says so or in
** bf16 (OpenBLAS has no bf16); d[0].m = 0: no oneDNN product (bf16 mode
** then rounds the inputs and OpenBLAS computes in float32).
*/
static int mmk_prepare (ln_node *n, ln_prep *p, ln_mmdesc *d, const int *key,
                        int nkey, size_t a_len, size_t b_len, size_t g_len) {
  mmk *k = ln_prep_find(p, n, key, nkey);
  int rc = LN_OK, i;
  if (k == NULL) {
    size_t sp = 0, es;
    if ((k = ln_calloc(1, sizeof(*k))) == NULL) return LN_ENOMEM;
    k->mode = !p->bf16 ? MODE_F32 : ln_dnnl_has_bf16() && d[0].m ? MODE_BF16 : MODE_EMU;
    for (i = 0; i < 3; i++) d[i].bf16 = k->mode == MODE_BF16;
    if (d[0].m && (k->mode == MODE_BF16 || prefer(&d[0])) && !mmk_make(k, d, &rc)) {
      mmk_drop(k);
      if (rc == LN_OK && k->mode == MODE_BF16) {   /* no bf16 kernel here */
        k->mode = MODE_EMU;
        for (i = 0; i < 3; i++) d[i].bf16 = 0;
        if (prefer(&d[0]) && !mmk_make(k, d, &rc)) mmk_drop(k);
      }
      if (rc != LN_OK) { mmk_free(k); return rc; }
    }
    es = esize(k->mode);
    k->aoff = 0;
    k->boff = al64(a_len * es);
    k->goff = k->boff + al64(b_len * es);
    k->spoff = k->goff + al64(g_len * es);
    if (ln_mm_work(k->fwd) > sp) sp = ln_mm_work(k->fwd);
    if (ln_mm_work(k->da) > sp) sp = ln_mm_work(k->da);
    if (ln_mm_work(k->db) > sp) sp = ln_mm_work(k->db);
    k->work = k->spoff + sp;
    snprintf(k->desc, sizeof(k->desc), "%s%s%s", k->fwd ? "oneDNN " : "OpenBLAS",
             k->fwd ? ln_mm_impl(k->fwd) : "",
             k->mode == MODE_EMU ? " (bf16 inputs, float32 products)" : "");
    if ((rc = ln_prep_keep(p, n, key, nkey, k, mmk_free)) != LN_OK) return rc;
  }
  ln_prep_need(p, k->work);
  ln_set_kern(n, k, k->desc);
  return LN_OK;
}

/* y = max(y, 0): the epilogue when the product could not fuse it */
static void relu_rows (float *y, size_t len) {
  size_t i;
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (i = 0; i < len; i++) y[i] = y[i] > 0 ? y[i] : 0;
}

/* }====== */

/* {====== matmul ====== */

/*
** matmul follows torch.matmul: a 1-D a is a row [1, K] and a 1-D b a
** column [K, 1] (that dim is dropped from the result); the dims before the
** last two are batch dims, broadcast against each other (aligned from the
** right, a dim of 1 repeats). Three ways to run the products:
**   MM_FOLD  b has no batch dims: a's rows are folded into one product
**            (one matrix of batch * M rows), the fastest;
**   MM_SAME  the same batch dims on both sides: nb products side by side
**            (oneDNN's batched matmul or a loop of gemm);
**   MM_BCAST any other broadcast: one gemm per output matrix, reading the
**            matrices of a and b its batch index maps to (offsets with
**            stride 0 along broadcast dims); the gradients add up the
**            products of every output matrix that read a given matrix.
*/
enum { MM_FOLD, MM_SAME, MM_BCAST };

typedef struct mmgeom {
  int kind, nb, M, K, N;     /* nb products of M x K by K x N */
  int nbd;                   /* batch dims of the result */
  int bd[LN_MAX_DIMS];       /* their sizes */
  size_t sa[LN_MAX_DIMS], sb[LN_MAX_DIMS];   /* strides in matrices of a, b;
                                             ** 0 along broadcast dims */
} mmgeom;

/* batch dims of an input: all but the last two (none for 1-D, 2-D) */
static int batch_dims (const ln_node *x) { return x->ndim > 2 ? x->ndim - 2 : 0; }

/* the batch dims of a and b broadcast into g (bd, sa, sb, nbd); where
** they do not broadcast, the dim of the result (0-based) and the two sizes
** in *da, *db; else -1 */
static int mm_batch (const ln_node *a, const ln_node *b, mmgeom *g, int *da,
                     int *db) {
  int na = batch_dims(a), nb = batch_dims(b), i;
  size_t stra = 1, strb = 1;
  g->nbd = na > nb ? na : nb;
  for (i = g->nbd - 1; i >= 0; i--) {      /* right to left: strides grow */
    int ia = i - (g->nbd - na), ib = i - (g->nbd - nb);
    *da = ia >= 0 ? a->dim[ia] : 1;
    *db = ib >= 0 ? b->dim[ib] : 1;
    if (*da != *db && *da != 1 && *db != 1) return i;
    g->bd[i] = *da == 1 ? *db : *da;
    g->sa[i] = *da == 1 ? 0 : stra;
    g->sb[i] = *db == 1 ? 0 : strb;
    stra *= (size_t)*da;
    strb *= (size_t)*db;
  }
  return -1;
}

/* the products of node n; in shape, the checks too (LN_OK or an error) */
static int mm_geom (const ln_node *n, mmgeom *g) {
  const ln_node *a = n->in[0], *b = n->in[1];
  int kb, i, same, bad, da, db;
  if (a->ndim < 1 || b->ndim < 1)
    return ln_seterr(LN_ESHAPE, "matmul: inputs %s and %s need at least 1 dim",
                     ln_node_shape(a), ln_node_shape(b));
  g->M = a->ndim == 1 ? 1 : a->dim[a->ndim - 2];
  g->K = a->dim[a->ndim - 1];
  kb = b->ndim == 1 ? b->dim[0] : b->dim[b->ndim - 2];
  g->N = b->ndim == 1 ? 1 : b->dim[b->ndim - 1];
  if (g->K != kb)
    return ln_seterr(LN_ESHAPE, "matmul: shapes %s and %s do not fit (%d vs %d)",
                     ln_node_shape(a), ln_node_shape(b), g->K, kb);
  if ((bad = mm_batch(a, b, g, &da, &db)) >= 0)
    return ln_seterr(LN_ESHAPE, "matmul: batch dims of %s and %s do not "
                     "broadcast (batch dim %d of the result: %d vs %d)",
                     ln_node_shape(a), ln_node_shape(b), bad + 1, da, db);
  g->nb = 1;
  for (i = 0; i < g->nbd; i++) g->nb *= g->bd[i];
  same = batch_dims(a) == batch_dims(b);
  for (i = 0; same && i < batch_dims(a); i++) same = a->dim[i] == b->dim[i];
  if (batch_dims(b) == 0) {                /* b shared: fold a's rows */
    g->kind = MM_FOLD;
    g->M *= g->nb;
    g->nb = 1;
  } else g->kind = same ? MM_SAME : MM_BCAST;
  return LN_OK;
}

static int matmul_shape (ln_node *n) {
  const ln_node *a = n->in[0], *b = n->in[1];
  int rc, nd, dim[LN_MAX_DIMS];
  mmgeom g;
  if ((rc = ln_need_f32(n, 0, NULL)) || (rc = ln_need_f32(n, 1, NULL)))
    return rc;
  if ((rc = mm_geom(n, &g)) != LN_OK) return rc;
  memcpy(dim, g.bd, sizeof(int) * (size_t)g.nbd);
  nd = g.nbd;
  if (a->ndim > 1) dim[nd++] = a->dim[a->ndim - 2];
  if (b->ndim > 1) dim[nd++] = b->dim[b->ndim - 1];
  ln_set_shape(n, LN_F32, nd, dim);
  return LN_OK;
}

/* offsets (in matrices) of a and b for product t of a broadcast */
static void bcast_at (const mmgeom *g, size_t t, size_t *ia, size_t *ib) {
  int i;
  *ia = *ib = 0;
  for (i = g->nbd - 1; i >= 0; i--) {
    size_t k = t % (size_t)g->bd[i];
    t /= (size_t)g->bd[i];
    *ia += k * g->sa[i];
    *ib += k * g->sb[i];
  }
}

static int matmul_prepare (ln_node *n, ln_prep *p) {
  mmgeom g;
  const ln_node *a = n->in[0], *b = n->in[1];
  int relu = n->fuse == LN_FUSE_RELU;
  int key[11], bcast;
  ln_mmdesc d[3];
  mm_geom(n, &g);
  bcast = g.kind == MM_BCAST;
  key[0] = g.nb; key[1] = g.M; key[2] = g.K; key[3] = g.N; key[4] = relu;
  key[5] = (int)n->assign; key[6] = p->bf16; key[7] = ln_get_threads();
  key[8] = a->g != NULL; key[9] = b->g != NULL; key[10] = g.kind;
  n->kern = NULL;
  if (g.M == 0 || g.N == 0 || g.K == 0 || g.nb == 0) return LN_OK;
  if (bcast && !p->bf16) return LN_OK;     /* gemm per product, float32 */
  memset(d, 0, sizeof(d));
  if (!bcast) {                            /* broadcasts: no oneDNN product */
    d[0] = (ln_mmdesc){g.M, g.N, g.K, g.nb, 0, 0, 0, 0, relu, 0};
    if (a->g) d[1] = (ln_mmdesc){g.M, g.K, g.N, g.nb, 0, 1, 0, 0, 0, !(n->assign & 1u)};
    if (b->g) d[2] = (ln_mmdesc){g.K, g.N, g.M, g.nb, 1, 0, 0, 0, 0, !(n->assign & 2u)};
  }
  return mmk_prepare(n, p, d, key, 11, ln_numel(a), ln_numel(b), ln_numel(n));
}

static void matmul_forward (ln_node *n, ln_ctx *c) {
  const ln_node *a = n->in[0], *b = n->in[1];
  mmgeom g;
  mmk *k = n->kern;
  const float *pa = a->x, *pb = b->x;
  size_t t;
  mm_geom(n, &g);
  if (k) {
    pa = conv_in(k->mode, a->x, wk(c, k->aoff), ln_numel(a));
    pb = conv_in(k->mode, b->x, wk(c, k->boff), ln_numel(b));
    if (k->fwd) { ln_mm_run(k->fwd, pa, pb, NULL, n->x, wk(c, k->spoff)); return; }
  }
  for (t = 0; t < (size_t)g.nb; t++) {
    size_t ia = t, ib = t;
    if (g.kind == MM_BCAST) bcast_at(&g, t, &ia, &ib);
    ln_gemm(0, 0, g.M, g.N, g.K, 1, pa + ia * g.M * g.K, g.K,
            pb + ib * g.K * g.N, g.N, 0, n->x + t * g.M * g.N, g.N);
  }
  if (n->fuse == LN_FUSE_RELU) relu_rows(n->x, ln_numel(n));
}

/* da (+)= g b^T, db (+)= a^T g, per product; where a broadcast reads a
** matrix of a or b in several products, their terms add up (the matrix
** is cleared first where this node writes the gradient first) */
static void matmul_backward (ln_node *n, ln_ctx *c) {
  ln_node *a = n->in[0], *b = n->in[1];
  mmgeom g;
  mmk *k = n->kern;
  const float *pa = a->x, *pb = b->x, *pg = n->g;
  float ba = (n->assign & 1u) ? 0 : 1, bb = (n->assign & 2u) ? 0 : 1;
  size_t t;
  mm_geom(n, &g);
  if (k) {
    pg = conv_in(k->mode, n->g, wk(c, k->goff), ln_numel(n));
    if (a->g) pb = conv_in(k->mode, b->x, wk(c, k->boff), ln_numel(b));
    if (b->g) pa = conv_in(k->mode, a->x, wk(c, k->aoff), ln_numel(a));
    if (k->fwd) {
      if (a->g) ln_mm_run(k->da, pg, pb, NULL, a->g, wk(c, k->spoff));
      if (b->g) ln_mm_run(k->db, pa, pg, NULL, b->g, wk(c, k->spoff));
      return;
    }
  }
  if (g.kind == MM_BCAST) {
    if (a->g && ba == 0) memset(a->g, 0, ln_numel(a) * sizeof(float));
    if (b->g && bb == 0) memset(b->g, 0, ln_numel(b) * sizeof(float));
    ba = bb = 1;
  }
  for (t = 0; t < (size_t)g.nb; t++) {
    const float *gt = pg + t * g.M * g.N;
    size_t ia = t, ib = t;
    if (g.kind == MM_BCAST) bcast_at(&g, t, &ia, &ib);
    if (a->g)
      ln_gemm(0, 1, g.M, g.K, g.N, 1, gt, g.N, pb + ib * g.K * g.N, g.N, ba,
              a->g + ia * g.M * g.K, g.K);
    if (b->g)
      ln_gemm(1, 0, g.K, g.N, g.M, 1, pa + ia * g.M * g.K, g.K, gt, g.N, bb,
              b->g + ib * g.K * g.N, g.N);
  }
}

/* }====== */

/* {====== linear ====== */

static int linear_shape (ln_node *n) {
  const ln_node *x = n->in[0], *w = n->in[1];
  int k, rc, dim[LN_MAX_DIMS];
  for (k = 0; k < n->n_in; k++)
    if ((rc = ln_need_f32(n, k, NULL))) return rc;
  if (x->ndim < 1 || w->ndim != 2 || x->dim[x->ndim - 1] != w->dim[1])
    return ln_seterr(LN_ESHAPE, "linear: input %s and weight %s do not fit "
                     "(weight must be [out, in])", ln_node_shape(x),
                     ln_node_shape(w));
  if (n->n_in == 3 && (n->in[2]->ndim != 1 || n->in[2]->dim[0] != w->dim[0]))
    return ln_seterr(LN_ESHAPE, "linear: bias %s does not fit weight %s",
                     ln_node_shape(n->in[2]), ln_node_shape(w));
  memcpy(dim, x->dim, sizeof(dim));
  dim[x->ndim - 1] = w->dim[0];
  ln_set_shape(n, LN_F32, x->ndim, dim);
  return LN_OK;
}

/*
** Forward y = x W^T + b (relu'ed when fused): m = rows, n = out, k = in,
** W read transposed; dx = dy W; dW = dy^T x. The bias goes into the
** product (oneDNN) or is copied into y first (beta = 1, OpenBLAS).
*/
static int linear_prepare (ln_node *n, ln_prep *p) {
  const ln_node *x = n->in[0], *w = n->in[1];
  int in = w->dim[1], out = w->dim[0], rows = (int)ln_lead(x, x->ndim - 1);
  int relu = n->fuse == LN_FUSE_RELU, bias = n->n_in == 3, rc;
  int key[10] = {rows, in, out, bias, relu, (int)n->assign, p->bf16,
                 ln_get_threads(), x->g != NULL, w->g != NULL};
  ln_mmdesc d[3];
  mmk *k;
  if (rows == 0 || in == 0 || out == 0) return LN_OK;
  memset(d, 0, sizeof(d));
  d[0] = (ln_mmdesc){rows, out, in, 1, 0, 1, 0, bias, relu, 0};
  if (x->g) d[1] = (ln_mmdesc){rows, in, out, 1, 0, 0, 0, 0, 0, !(n->assign & 1u)};
  if (w->g) d[2] = (ln_mmdesc){out, in, rows, 1, 1, 0, 0, 0, 0, !(n->assign & 2u)};
  if ((rc = mmk_prepare(n, p, d, key, 10, (size_t)rows * in, 0,
                        (size_t)rows * out)) != LN_OK)
    return rc;
  k = n->kern;
  if (k->mode != MODE_F32 &&
      (k->wcopy = ln_prep_buffer(p, w, WHEAD + (size_t)in * out * esize(k->mode))) == NULL)
    return LN_ENOMEM;
  return LN_OK;
}

static void linear_forward (ln_node *n, ln_ctx *c) {
  const ln_node *x = n->in[0], *w = n->in[1];
  int in = w->dim[1], out = w->dim[0];
  size_t r, rows = ln_lead(x, x->ndim - 1);
  const float *bias = n->n_in == 3 ? n->in[2]->x : NULL, *px = x->x, *pw = w->x;
  mmk *k = n->kern;
  if (k) {
    px = conv_in(k->mode, x->x, wk(c, k->aoff), rows * in);
    pw = weight_in(k, w, (size_t)in * out);
    if (k->fwd) { ln_mm_run(k->fwd, px, pw, bias, n->x, wk(c, k->spoff)); return; }
  }
  if (bias) {
    #pragma omp parallel for schedule(static) if (rows * out > LN_PAR_MIN)
    for (r = 0; r < rows; r++) memcpy(n->x + r * out, bias, out * sizeof(float));
  }
  ln_gemm(0, 1, (int)rows, out, in, 1, px, in, pw, in, bias ? 1 : 0, n->x, out);
  if (n->fuse == LN_FUSE_RELU) relu_rows(n->x, rows * out);
}

static void linear_backward (ln_node *n, ln_ctx *c) {
  ln_node *x = n->in[0], *w = n->in[1];
  int in = w->dim[1], out = w->dim[0];
  size_t rows = ln_lead(x, x->ndim - 1);
  const float *px = x->x, *pw = w->x, *pg = n->g;
  mmk *k = n->kern;
  if (k) {
    pg = conv_in(k->mode, n->g, wk(c, k->goff), rows * out);
    if (k->mode != MODE_F32) pw = (void *)((char *)k->wcopy + WHEAD);   /* forward's copy */
    if (w->g) px = conv_in(k->mode, x->x, wk(c, k->aoff), rows * in);
  }
  /* '=' where the plan says this is the gradient's first writer */
  if (k && k->fwd) {
    if (x->g) ln_mm_run(k->da, pg, pw, NULL, x->g, wk(c, k->spoff));
    if (w->g) ln_mm_run(k->db, pg, px, NULL, w->g, wk(c, k->spoff));
  } else {
    if (x->g) ln_gemm(0, 0, (int)rows, in, out, 1, pg, out, pw, in,
                      (n->assign & 1u) ? 0 : 1, x->g, in);
    if (w->g) ln_gemm(1, 0, out, in, (int)rows, 1, pg, out, px, in,
                      (n->assign & 2u) ? 0 : 1, w->g, in);
  }
  if (n->n_in == 3 && n->in[2]->g)   /* from the float32 gradient */
    ln_col_sums(n->g, (long)rows, out, NULL, 1, 1.0, !(n->assign & 4u), n->in[2]->g, NULL);
}

/* }====== */

/* {====== embedding ====== */

static int embedding_shape (ln_node *n) {
  const ln_node *ids = n->in[0], *w = n->in[1];
  int dim[LN_MAX_DIMS];
  if (ids->dtype != LN_I32)
    return ln_seterr(LN_EARG, "embedding: ids (input 1) must be int32");
  if (w->dtype != LN_F32 || w->ndim != 2)
    return ln_seterr(LN_ESHAPE, "embedding: weight %s must be a float [V, D] "
                     "matrix", ln_node_shape(w));
  if (ids->ndim + 1 > LN_MAX_DIMS)
    return ln_seterr(LN_ESHAPE, "embedding: ids %s have too many dims",
                     ln_node_shape(ids));
  memcpy(dim, ids->dim, sizeof(int) * (size_t)ids->ndim);
  dim[ids->ndim] = w->dim[1];
  ln_set_shape(n, LN_F32, ids->ndim + 1, dim);
  return LN_OK;
}

static int embedding_validate (const ln_node *n) {
  return ln_check_index(n, 0, n->in[1]->dim[0], "id", NULL);
}

static void embedding_forward (ln_node *n, ln_ctx *c) {
  const int32_t *id = LN_XI(n->in[0]);
  size_t i, len = ln_numel(n->in[0]), D = (size_t)n->in[1]->dim[1];
  (void)c;
  #pragma omp parallel for schedule(static) if (len * D > LN_PAR_MIN)
  for (i = 0; i < len; i++)
    memcpy(n->x + i * D, n->in[1]->x + (size_t)id[i] * D, D * sizeof(float));
}

/* scatter-add by column blocks: each thread owns some columns of every
** row, and visits the ids in order, so sums are deterministic */
static void embedding_backward (ln_node *n, ln_ctx *c) {
  const int32_t *id = LN_XI(n->in[0]);
  float *gw = n->in[1]->g;
  size_t len = ln_numel(n->in[0]);
  int D = n->in[1]->dim[1], blk, nblk = (D + 63) / 64;
  (void)c;
  if (gw == NULL) return;
  #pragma omp parallel for schedule(static) if (len * D > LN_PAR_MIN)
  for (blk = 0; blk < nblk; blk++) {
    int j0 = blk * 64, j1 = j0 + 64 < D ? j0 + 64 : D, j;
    size_t i;
    for (i = 0; i < len; i++) {
      float *dst = gw + (size_t)id[i] * D;
      const float *src = n->g + i * D;
      for (j = j0; j < j1; j++) dst[j] += src[j];
    }
  }
}

/* }====== */

const ln_opdesc ln_ops_products[] = {
  {.name = "matmul", .min_in = 2, .max_in = 2, .attrs = "",
   .shape = matmul_shape, .prepare = matmul_prepare, .forward = matmul_forward,
   .backward = matmul_backward, .flags = LN_F_SAVE_IN | LN_F_ASSIGN | LN_F_FUSE_RELU,
   .doc = "a [..., M, K] x b [..., K, N] -> [..., M, N], batch dims broadcast, "
          "1-D a or b a row or column (torch.matmul)"},
  {.name = "linear", .min_in = 2, .max_in = 3, .attrs = "",
   .shape = linear_shape, .prepare = linear_prepare, .forward = linear_forward,
   .backward = linear_backward, .flags = LN_F_SAVE_IN | LN_F_ASSIGN | LN_F_FUSE_RELU,
   .doc = "y = x W^T + b; x [..., in], W [out, in], b [out] optional"},
  {.name = "embedding", .min_in = 2, .max_in = 2, .attrs = "",
   .shape = embedding_shape, .forward = embedding_forward,
   .backward = embedding_backward, .validate = embedding_validate,
   .flags = LN_F_SAVE_IN,
   .doc = "y[..., :] = weight[ids[...], :]; ids int32, weight [V, D]"},
  {0}
};
