/*
** reduce.c -- reductions over a set of axes: sum, mean, max, var.
** Parallel over output elements, each summed in a fixed order (double
** accumulators): results do not depend on the thread count.
*/
#include <math.h>
#include <string.h>
#include "ln_ops.h"

#define ATTR_KEEPDIM 1
#define ATTR_CORRECTION 2
#define NCHUNK 64          /* fixed split of one long contiguous sum */

/* {====== Axes and views ====== */

/*
** Mark the reduced axes of the input in 'mask' from n->list (all axes
** when empty); LN_ESHAPE with a message on a bad or repeated axis.
*/
static int red_mask (const ln_node *n, int *mask) {
  const ln_node *in = n->in[0];
  const char *op = ln_node_desc(n)->name;
  int i, nd = in->ndim;
  for (i = 0; i < nd; i++) mask[i] = n->n_list == 0;
  for (i = 0; i < n->n_list; i++) {
    int a = ln_axis(n->list[i], nd);
    if (a < 0)
      return ln_seterr(LN_ESHAPE, "%s: axis %d out of range for shape %s", op,
                       n->list[i], ln_node_shape(in));
    if (mask[a])
      return ln_seterr(LN_ESHAPE, "%s: axis %d repeated for shape %s", op,
                       n->list[i], ln_node_shape(in));
    mask[a] = 1;
  }
  return LN_OK;
}

static int shape_reduce (ln_node *n) {
  const ln_node *in = n->in[0];
  int mask[LN_MAX_DIMS], dim[LN_MAX_DIMS], i, nd = 0, rc;
  int keep = n->attr[ATTR_KEEPDIM] != 0;
  if ((rc = ln_need_f32(n, 0, NULL)) != LN_OK) return rc;
  if ((rc = red_mask(n, mask)) != LN_OK) return rc;
  for (i = 0; i < in->ndim; i++) {
    if (!mask[i]) dim[nd++] = in->dim[i];
    else if (keep) dim[nd++] = 1;
  }
  ln_set_shape(n, LN_F32, nd, dim);
  return LN_OK;
}

/* the input as kept dims (one per output element) and reduced dims, with
** their strides in the input; size-1 dims dropped, neighbours merged */
typedef struct rview {
  int nk, nr;
  long kd[LN_MAX_DIMS], ks[LN_MAX_DIMS];
  long rd[LN_MAX_DIMS], rs[LN_MAX_DIMS];
  long nout, nred;
} rview;

static void rview_init (rview *v, const ln_node *n) {
  const ln_node *in = n->in[0];
  int mask[LN_MAX_DIMS], d, prev = -1;
  long st[LN_MAX_DIMS], acc = 1;
  red_mask(n, mask);                     /* validated by shape() */
  for (d = in->ndim - 1; d >= 0; d--) { st[d] = acc; acc *= in->dim[d]; }
  v->nk = v->nr = 0;
  v->nout = v->nred = 1;
  for (d = 0; d < in->ndim; d++) {
    long dd = in->dim[d];
    if (dd == 1) continue;
    if (mask[d]) {
      v->nred *= dd;
      if (prev == 1) { v->rd[v->nr - 1] *= dd; v->rs[v->nr - 1] = st[d]; }
      else { v->rd[v->nr] = dd; v->rs[v->nr++] = st[d]; }
    } else {
      v->nout *= dd;
      if (prev == 0) { v->kd[v->nk - 1] *= dd; v->ks[v->nk - 1] = st[d]; }
      else { v->kd[v->nk] = dd; v->ks[v->nk++] = st[d]; }
    }
    prev = mask[d];
  }
}

/* input offset of output element o */
static inline long rview_base (const rview *v, long o) {
  long base = 0;
  int d;
  for (d = v->nk - 1; d >= 0; d--) {
    base += (o % v->kd[d]) * v->ks[d];
    o /= v->kd[d];
  }
  return base;
}

/* the reduced elements of one output are a contiguous block */
static inline int rview_contig (const rview *v) {
  return v->nr == 0 || (v->nr == 1 && v->rs[0] == 1);
}

/* RED_FOR(v, base, off, body): 'body' for each reduced element at input
** offset 'off', in increasing offset order */
#define RED_FOR(v, base, OFF, ...) do { \
    long c_[LN_MAX_DIMS] = {0}, p_ = (base), j_; \
    const long in_ = (v)->nr ? (v)->rd[(v)->nr - 1] : 1; \
    const long is_ = (v)->nr ? (v)->rs[(v)->nr - 1] : 0; \
    int d_; \
    for (;;) { \
      for (j_ = 0; j_ < in_; j_++) { const long OFF = p_ + j_ * is_; __VA_ARGS__ } \
      for (d_ = (v)->nr - 2; d_ >= 0; d_--) { \
        p_ += (v)->rs[d_]; \
        if (++c_[d_] < (v)->rd[d_]) break; \
        p_ -= (v)->rs[d_] * (v)->rd[d_]; \
        c_[d_] = 0; \
      } \
      if (d_ < 0) break; \
    } \
  } while (0)

/* sum of (x - m)^p, p = 1 or 2, over the reduced elements at 'base' */
static double red_sum (const rview *v, const float *x, long base, double m,
                       int p) {
  double s = 0;
  if (v->nred == 0) return 0;
  if (p == 1) RED_FOR(v, base, off, s += x[off];);
  else RED_FOR(v, base, off, double e = x[off] - m; s += e * e;);
  return s;
}

/* the same for one contiguous block of 'len' at x, in NCHUNK fixed
** pieces summed in parallel, then in order */
static double block_sum (const float *x, long len, double m, int p) {
  double part[NCHUNK], s = 0;
  long q, piece = (len + NCHUNK - 1) / NCHUNK;
  #pragma omp parallel for schedule(static)
  for (q = 0; q < NCHUNK; q++) {
    long lo = q * piece, hi = lo + piece < len ? lo + piece : len;
    part[q] = hi <= lo ? 0 : p == 1 ? ln_row_sum(x + lo, hi - lo)
                                    : ln_row_sqdev_sum(x + lo, m, hi - lo);
  }
  for (q = 0; q < NCHUNK; q++) s += part[q];
  return s;
}

/* a long reduction to few outputs is split inside each output */
static inline int split_inner (const rview *v) {
  return v->nout < 8 && v->nred > LN_PAR_MIN && rview_contig(v);
}

static double sum_at (const rview *v, const float *x, long o, double m,
                      int p) {
  long base = rview_base(v, o);
  if (split_inner(v)) return block_sum(x + base, v->nred, m, p);
  return red_sum(v, x, base, m, p);
}

/* reduced dims all before kept ones: a [rows, cols] matrix reduced over
** its rows; summed by column blocks, each column in row order */
static inline int col_case (const rview *v) {
  return v->nk == 1 && v->nr == 1 && v->ks[0] == 1 && v->rs[0] == v->kd[0];
}

/* column j of the rows x cols matrix x: s = sum over rows of (x - m[j])^p;
** s * scale into y[j] (float) or, when y is NULL, into d[j] (double) */
static void col_reduce (const float *x, long rows, long cols, const double *m,
                        int p, double scale, float *y, double *d) {
  ln_col_sums(x, rows, cols, m, p, scale, 0, y, y ? NULL : d);
}

/* }====== */

/* {====== Kernels ====== */

/* sum, or mean when 'mean' is set, of the reduced elements of each output */
static void sum_mean (ln_node *n, int mean) {
  const float *x = n->in[0]->x;
  rview v;
  long o;
  rview_init(&v, n);
  if (col_case(&v)) {
    col_reduce(x, v.rd[0], v.kd[0], NULL, 1, mean ? 1.0 / (double)v.nred : 1.0,
               n->x, NULL);
    return;
  }
  #pragma omp parallel for schedule(static) \
    if (!split_inner(&v) && v.nout * v.nred > LN_PAR_MIN)
  for (o = 0; o < v.nout; o++) {
    double s = sum_at(&v, x, o, 0, 1);
    n->x[o] = (float)(mean ? s / (double)v.nred : s);
  }
}

static void sum_forward (ln_node *n, ln_ctx *c) { (void)c; sum_mean(n, 0); }
static void mean_forward (ln_node *n, ln_ctx *c) { (void)c; sum_mean(n, 1); }

/* saved: the mean of each output's elements (double) */
static void var_scratch (const ln_node *n, size_t *saved, size_t *work) {
  *saved = ln_numel(n) * sizeof(double);
  *work = 0;
}

static void var_forward (ln_node *n, ln_ctx *c) {
  const float *x = n->in[0]->x;
  double *mean = n->saved, den;
  rview v;
  long o;
  (void)c;
  rview_init(&v, n);
  den = (double)v.nred - n->attr[ATTR_CORRECTION];
  if (col_case(&v)) {
    col_reduce(x, v.rd[0], v.kd[0], NULL, 1, 1.0 / (double)v.nred, NULL, mean);
    col_reduce(x, v.rd[0], v.kd[0], mean, 2, 1.0 / den, n->x, NULL);
    return;
  }
  #pragma omp parallel for schedule(static) \
    if (!split_inner(&v) && v.nout * v.nred > LN_PAR_MIN)
  for (o = 0; o < v.nout; o++) {
    double m = sum_at(&v, x, o, 0, 1) / (double)v.nred;
    mean[o] = m;
    n->x[o] = (float)(sum_at(&v, x, o, m, 2) / den);
  }
}

/* saved: the input offset of each output's (first) maximum */
static void max_scratch (const ln_node *n, size_t *saved, size_t *work) {
  *saved = ln_numel(n) * sizeof(long);
  *work = 0;
}

static void max_forward (ln_node *n, ln_ctx *c) {
  const float *x = n->in[0]->x;
  long *arg = n->saved, o;
  rview v;
  (void)c;
  rview_init(&v, n);
  #pragma omp parallel for schedule(static) if (v.nout * v.nred > LN_PAR_MIN)
  for (o = 0; o < v.nout; o++) {
    long base = rview_base(&v, o), best = base;
    if (v.nred == 0) { arg[o] = -1; n->x[o] = -INFINITY; continue; }
    RED_FOR(&v, base, off, if (x[off] > x[best]) best = off;);
    arg[o] = best;
    n->x[o] = x[best];
  }
}

/*
** The input in row-major order as 'nd' dims (size-1 dims dropped, dims of
** the same kind merged) with the output's stride along each, 0 on reduced
** dims: backward walks the input in order and finds each output.
*/
typedef struct sview {
  int nd;
  long dim[LN_MAX_DIMS], os[LN_MAX_DIMS];
  long len;
} sview;

static void sview_init (sview *v, const ln_node *n) {
  const ln_node *in = n->in[0];
  int mask[LN_MAX_DIMS], d, prev = -1;
  long acc = 1, os[LN_MAX_DIMS];
  red_mask(n, mask);                     /* validated by shape() */
  for (d = in->ndim - 1; d >= 0; d--) {
    os[d] = mask[d] ? 0 : acc;
    if (!mask[d]) acc *= in->dim[d];
  }
  v->nd = 0;
  v->len = (long)ln_numel(in);
  for (d = 0; d < in->ndim; d++) {
    if (in->dim[d] == 1) continue;
    if (prev == mask[d]) {
      v->dim[v->nd - 1] *= in->dim[d];
      v->os[v->nd - 1] = os[d];
    } else {
      v->dim[v->nd] = in->dim[d];
      v->os[v->nd++] = os[d];
    }
    prev = mask[d];
  }
  if (v->nd == 0) { v->nd = 1; v->dim[0] = 1; v->os[0] = 0; }
}

/* gx[i0 + j] += scale * gy[o] * (x - mean[o])^p, o = o0 + j * os */
static inline void spread_run (float *gx, const float *x, const float *gy,
                               const double *mean, float scale, int p,
                               long i0, long o0, long cnt, long os) {
  long j;
  if (p) {
    for (j = 0; j < cnt; j++) {
      long o = o0 + j * os;
      gx[i0 + j] += scale * gy[o] * (x[i0 + j] - (float)mean[o]);
    }
  } else if (os == 0) {
    float g = scale * gy[o0];
    for (j = 0; j < cnt; j++) gx[i0 + j] += g;
  } else {
    for (j = 0; j < cnt; j++) gx[i0 + j] += scale * gy[o0 + j * os];
  }
}

/*
** gx += scale * gy * (x - mean)^p, gy and mean broadcast over the reduced
** dims: p = 0 (sum: scale 1, mean: 1/N) or 1 (var: 2/(N - correction)).
** Each input element is written once: no races.
*/
static void spread (ln_node *n, int kind) {
  const float *x = n->in[0]->x, *gy = n->g;
  const double *mean = n->saved;
  float *gx = n->in[0]->g;
  long nred = (long)ln_numel(n) ? (long)(ln_numel(n->in[0]) / ln_numel(n)) : 0;
  long r, rows, in, ol, len;
  float scale;
  int p = kind == 2;
  sview s;
  if (gx == NULL || nred == 0) return;
  sview_init(&s, n);
  scale = (float)(kind == 0 ? 1.0 : kind == 1 ? 1.0 / (double)nred
                  : 2.0 / ((double)nred - n->attr[ATTR_CORRECTION]));
  len = s.len;
  in = s.dim[s.nd - 1];
  ol = s.os[s.nd - 1];
  rows = len / in;
  if (rows == 1) {                         /* one run: split it */
    long piece = (in + NCHUNK - 1) / NCHUNK, q;
    #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
    for (q = 0; q < NCHUNK; q++) {
      long lo = q * piece, hi = lo + piece < in ? lo + piece : in;
      if (lo < hi)
        spread_run(gx, x, gy, mean, scale, p, lo, lo * ol, hi - lo, ol);
    }
    return;
  }
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (r = 0; r < rows; r++) {
    long o0 = 0, q = r;
    int d;
    for (d = s.nd - 2; d >= 0; d--) { o0 += (q % s.dim[d]) * s.os[d]; q /= s.dim[d]; }
    spread_run(gx, x, gy, mean, scale, p, r * in, o0, in, ol);
  }
}

static void sum_backward (ln_node *n, ln_ctx *c) { (void)c; spread(n, 0); }
static void mean_backward (ln_node *n, ln_ctx *c) { (void)c; spread(n, 1); }
static void var_backward (ln_node *n, ln_ctx *c) { (void)c; spread(n, 2); }

static void max_backward (ln_node *n, ln_ctx *c) {
  const long *arg = n->saved;
  const float *gy = n->g;
  float *gx = n->in[0]->g;
  long o, len = (long)ln_numel(n);
  (void)c;
  if (gx == NULL) return;
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (o = 0; o < len; o++)        /* distinct inputs: no races */
    if (arg[o] >= 0) gx[arg[o]] += gy[o];
}

/* }====== */

#define RED(op, at, sc, fl, d) \
  {.name = #op, .min_in = 1, .max_in = 1, .attrs = at, .shape = shape_reduce, \
   .scratch = sc, .forward = op##_forward, .backward = op##_backward, \
   .flags = (fl), .doc = d}

const ln_opdesc ln_ops_reduce[] = {
  RED(sum, "@#axes=[],@keepdim=0", NULL, 0, "y = sum of x over axes (all: [])"),
  RED(mean, "@#axes=[],@keepdim=0", NULL, 0, "y = mean of x over axes"),
  RED(max, "@#axes=[],@keepdim=0", max_scratch, 0,
      "y = max of x over axes; gradient to the first maximum"),
  RED(var, "@#axes=[],@keepdim=0,@correction=1", var_scratch, LN_F_SAVE_IN,
      "y = sum((x - mean)^2) / (N - correction) over axes"),
  {.name = NULL}
};
