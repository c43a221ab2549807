/*
** conv.c -- 2-D convolution and pooling on NCHW tensors: conv2d (im2col
** and gemm, one image per thread), max_pool2d, avg_pool2d.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ln_ops.h"

#ifdef _OPENMP
#define THREAD_ID() omp_get_thread_num()
#define MAX_THREADS() omp_get_max_threads()
#else
#define THREAD_ID() 0
#define MAX_THREADS() 1
#endif

/* geometry of a convolution or pooling window over an NCHW input */
typedef struct cgeom {
  int N, C, H, W;        /* input */
  int O, OH, OW;         /* output channels and size */
  int kh, kw;            /* window */
  int sh, sw, ph, pw;    /* stride, padding (per axis: height, width) */
  int dh, dw;            /* dilation */
  int G;                 /* groups */
} cgeom;

/* attribute values the geometry can use: whole numbers >= lo (and not
** so large that int arithmetic on them overflows) */
static int whole (double v, double lo) {
  return v >= lo && v <= 1 << 20 && v == floor(v);
}

/* pair attribute k ("stride=1:2": one number, or height and width) on
** both axes whole numbers >= lo; else an error naming the op, the
** attribute and the input's shape */
static int check_pair (const ln_node *n, int k, double lo, const char *what) {
  double h = n->attr[k], w = ln_attr_second(n, k);
  const char *op = ln_node_desc(n)->name;
  if (whole(h, lo) && whole(w, lo)) return LN_OK;
  return ln_seterr(LN_EARG, "%s: %s must be whole numbers >= %g, got %gx%g "
                   "(input %s)", op, what, lo, h, w, ln_node_shape(n->in[0]));
}

/* pair attribute k as ints, height and width */
static void pair_of (const ln_node *n, int k, int *h, int *w) {
  *h = (int)n->attr[k];
  *w = (int)ln_attr_second(n, k);
}

/* output length of one spatial dim; < 1 when the window does not fit */
static int out_len (int in, int k, int s, int p, int d) {
  int span = in + 2 * p - d * (k - 1) - 1;
  return span < 0 ? 0 : span / s + 1;
}

/* ow range [*o0, *o1) whose input column ow*s + off lies in [0, W) */
static void valid_range (int off, int s, int W, int OW, int *o0, int *o1) {
  int a = off >= 0 ? 0 : (-off + s - 1) / s;
  int b = W - 1 - off >= 0 ? (W - 1 - off) / s + 1 : 0;
  if (b > OW) b = OW;
  if (a > b) a = b;
  *o0 = a;
  *o1 = b;
}

/* {====== conv2d ====== */

/* conv2d's attribute slots (spec "stride=1:2,padding=0:2,dilation=1:2,groups=1") */
enum { CA_STRIDE, CA_PADDING, CA_DILATION, CA_GROUPS };


static void conv_geom (const ln_node *n, cgeom *g) {
  const ln_node *x = n->in[0], *w = n->in[1];
  g->N = x->dim[0]; g->C = x->dim[1]; g->H = x->dim[2]; g->W = x->dim[3];
  g->O = w->dim[0]; g->kh = w->dim[2]; g->kw = w->dim[3];
  pair_of(n, CA_STRIDE, &g->sh, &g->sw);
  pair_of(n, CA_PADDING, &g->ph, &g->pw);
  pair_of(n, CA_DILATION, &g->dh, &g->dw);
  g->G = (int)n->attr[CA_GROUPS];
  g->OH = out_len(g->H, g->kh, g->sh, g->ph, g->dh);
  g->OW = out_len(g->W, g->kw, g->sw, g->pw, g->dw);
}

static int conv2d_check_attrs (const ln_node *n) {
  int rc;
  if ((rc = check_pair(n, CA_STRIDE, 1, "stride")) != LN_OK ||
      (rc = check_pair(n, CA_PADDING, 0, "padding")) != LN_OK ||
      (rc = check_pair(n, CA_DILATION, 1, "dilation")) != LN_OK)
    return rc;
  if (!whole(n->attr[CA_GROUPS], 1))
    return ln_seterr(LN_EARG, "conv2d: groups must be a whole number >= 1, "
                     "got %g (input %s)", n->attr[CA_GROUPS],
                     ln_node_shape(n->in[0]));
  return LN_OK;
}

static int conv2d_shape (ln_node *n) {
  const ln_node *x = n->in[0], *w = n->in[1];
  int dim[4], rc;
  cgeom g;
  if ((rc = ln_need_f32_all(n)) != LN_OK) return rc;
  if (x->ndim != 4 || w->ndim != 4)
    return ln_seterr(LN_ESHAPE, "conv2d: input %s and weight %s must be 4-D "
                     "(NCHW and OIHW)", ln_node_shape(x), ln_node_shape(w));
  if ((rc = conv2d_check_attrs(n)) != LN_OK) return rc;
  conv_geom(n, &g);
  if (g.C % g.G != 0)
    return ln_seterr(LN_ESHAPE, "conv2d: input %s has %d channels, not "
                     "divisible by groups %d", ln_node_shape(x), g.C, g.G);
  if (w->dim[1] * g.G != g.C)
    return ln_seterr(LN_ESHAPE, "conv2d: input %s has %d channels, weight %s "
                     "expects %d (groups %d)", ln_node_shape(x), g.C,
                     ln_node_shape(w), w->dim[1] * g.G, g.G);
  if (g.O % g.G != 0)
    return ln_seterr(LN_ESHAPE, "conv2d: %d output channels do not divide "
                     "into %d groups", g.O, g.G);
  if (n->n_in == 3 && (n->in[2]->ndim != 1 || n->in[2]->dim[0] != g.O))
    return ln_seterr(LN_ESHAPE, "conv2d: bias %s does not fit weight %s",
                     ln_node_shape(n->in[2]), ln_node_shape(w));
  if (g.OH < 1 || g.OW < 1)
    return ln_seterr(LN_ESHAPE, "conv2d: output size %dx%d < 1: kernel %dx%d "
                     "(dilation %dx%d: it spans %dx%d) is larger than the padded "
                     "input %dx%d (input %s, weight %s, padding %dx%d)",
                     g.OH, g.OW, g.kh, g.kw, g.dh, g.dw, g.dh * (g.kh - 1) + 1,
                     g.dw * (g.kw - 1) + 1, g.H + 2 * g.ph, g.W + 2 * g.pw,
                     ln_node_shape(x), ln_node_shape(w), g.ph, g.pw);
  dim[0] = g.N; dim[1] = g.O; dim[2] = g.OH; dim[3] = g.OW;
  ln_set_shape(n, LN_F32, 4, dim);
  return LN_OK;
}

/* the input is its own column matrix (1x1 kernel, stride 1, no padding) */
static int is_pointwise (const cgeom *g) {
  return g->kh == 1 && g->kw == 1 && g->sh == 1 && g->sw == 1 &&
         g->ph == 0 && g->pw == 0;
}

static size_t col_size (const cgeom *g) {
  return is_pointwise(g) ? 0 : (size_t)g->C * g->kh * g->kw * g->OH * g->OW;
}

static size_t wt_size (const cgeom *g) {
  return (size_t)g->O * (g->C / g->G) * g->kh * g->kw;
}

/* floats of workspace one thread uses: a column matrix, a dW partial */
static size_t per_thread (const cgeom *g) { return col_size(g) + wt_size(g); }

static void conv2d_scratch (const ln_node *n, size_t *saved, size_t *work) {
  cgeom g;
  int t = MAX_THREADS();
  conv_geom(n, &g);
  if (t > g.N) t = g.N > 0 ? g.N : 1;
  *saved = 0;
  *work = (size_t)t * per_thread(&g) * sizeof(float);
}

/* threads that fit the workspace (it was sized for the thread count of
** compile time; the count may have changed since) */
static int fit_threads (const cgeom *g, const ln_ctx *c) {
  size_t per = per_thread(g) * sizeof(float);
  size_t fit = per ? c->work_size / per : (size_t)MAX_THREADS();
  int t = MAX_THREADS();
  if ((size_t)t > fit) t = (int)fit;
  if (t > g->N) t = g->N;
  return t < 1 ? 1 : t;
}

/* one image [C, H, W] to columns [C*kh*kw, OH*OW] */
static void im2col (const cgeom *g, const float *x, float *col) {
  int c, ki, kj, oh, ow, OHW = g->OH * g->OW;
  for (c = 0; c < g->C; c++)
    for (ki = 0; ki < g->kh; ki++)
      for (kj = 0; kj < g->kw; kj++) {
        float *row = col + (((size_t)c * g->kh + ki) * g->kw + kj) * OHW;
        int off = kj * g->dw - g->pw, o0, o1;
        valid_range(off, g->sw, g->W, g->OW, &o0, &o1);
        for (oh = 0; oh < g->OH; oh++) {
          int ih = oh * g->sh - g->ph + ki * g->dh;
          float *r = row + (size_t)oh * g->OW;
          const float *xr;
          if (ih < 0 || ih >= g->H) {
            memset(r, 0, (size_t)g->OW * sizeof(float));
            continue;
          }
          xr = x + ((size_t)c * g->H + ih) * g->W;
          for (ow = 0; ow < o0; ow++) r[ow] = 0;
          if (g->sw == 1)
            memcpy(r + o0, xr + o0 + off, (size_t)(o1 - o0) * sizeof(float));
          else for (ow = o0; ow < o1; ow++) r[ow] = xr[ow * g->sw + off];
          for (ow = o1; ow < g->OW; ow++) r[ow] = 0;
        }
      }
}

static void add_row (float *restrict dst, const float *restrict src, int len) {
  int i;
  for (i = 0; i < len; i++) dst[i] += src[i];
}

/* columns back onto one image, added: dx [C, H, W] += col2im(col) */
static void col2im (const cgeom *g, const float *col, float *dx) {
  int c, ki, kj, oh, ow, OHW = g->OH * g->OW;
  for (c = 0; c < g->C; c++)
    for (ki = 0; ki < g->kh; ki++)
      for (kj = 0; kj < g->kw; kj++) {
        const float *row = col + (((size_t)c * g->kh + ki) * g->kw + kj) * OHW;
        int off = kj * g->dw - g->pw, o0, o1;
        valid_range(off, g->sw, g->W, g->OW, &o0, &o1);
        for (oh = 0; oh < g->OH; oh++) {
          int ih = oh * g->sh - g->ph + ki * g->dh;
          const float *r = row + (size_t)oh * g->OW;
          float *xr;
          if (ih < 0 || ih >= g->H) continue;
          xr = dx + ((size_t)c * g->H + ih) * g->W;
          if (g->sw == 1) add_row(xr + o0 + off, r + o0, o1 - o0);
          else for (ow = o0; ow < o1; ow++) xr[ow * g->sw + off] += r[ow];
        }
      }
}

/* {====== prepared convolutions: oneDNN, bf16 ====== */

/*
** conv2d runs on oneDNN where the plan prepared it (n->kern): blocked
** layouts and JIT kernels, reorders from and to NCHW in the workspace
** (ln_dnnl.c); bf16 mode converts x, w and dy to bf16 in those reorders.
** Else the im2col path below (eager calls, tests that do not prepare,
** shapes oneDNN declines). Where oneDNN has no bf16 kernels, bf16 mode
** rounds x, w and dy to bf16 in the workspace and computes in float32.
*/
enum { MODE_F32, MODE_BF16, MODE_EMU };

typedef struct convk {
  char desc[80];        /* the kernel, for ln_model_kernel */
  int mode;
  ln_conv *cv;          /* NULL: im2col and OpenBLAS */
  size_t xoff, woff, goff, eoff;   /* workspace: rounded x, w, dy; kernel */
} convk;

static void convk_free (void *p) {
  convk *k = p;
  ln_conv_free(k->cv);
  free(k);
}

static size_t al64 (size_t s) { return (s + 63) / 64 * 64; }

/* workspace of the kernel itself: oneDNN's buffers, or im2col's */
static size_t kernel_work (const ln_node *n, const convk *k) {
  size_t sv = 0, wk = 0;
  if (k->cv) return ln_conv_work(k->cv);
  conv2d_scratch(n, &sv, &wk);
  return wk;
}

static int conv2d_prepare (ln_node *n, ln_prep *p) {
  const ln_node *x = n->in[0], *w = n->in[1];
  cgeom g;
  convk *k;
  int bias = n->n_in == 3, need_db = bias && n->in[2]->g != NULL, rc;
  int key[12];
  conv_geom(n, &g);
  key[0] = g.N; key[1] = g.C; key[2] = g.H; key[3] = g.W; key[4] = g.O;
  key[5] = n->fuse; key[6] = (int)n->assign; key[7] = p->bf16;
  key[8] = ln_get_threads(); key[9] = x->g != NULL; key[10] = w->g != NULL;
  key[11] = need_db;
  if (g.N == 0) return LN_OK;
  if ((k = ln_prep_find(p, n, key, 12)) == NULL) {
    ln_convdesc d;
    size_t xl = ln_numel(x), wl = ln_numel(w), gl = ln_numel(n);
    if ((k = ln_calloc(1, sizeof(*k))) == NULL) return LN_ENOMEM;
    k->mode = !p->bf16 ? MODE_F32 : ln_dnnl_has_bf16() ? MODE_BF16 : MODE_EMU;
    d = (ln_convdesc){g.N, g.C, g.H, g.W, g.O, g.OH, g.OW, g.kh, g.kw, g.sh, g.sw,
                      g.ph, g.pw, g.dh, g.dw, g.G, bias, n->fuse == LN_FUSE_RELU,
                      k->mode == MODE_BF16,
                      x->g != NULL, w->g != NULL, need_db,
                      !(n->assign & 1u), !(n->assign & 2u), !(n->assign & 4u)};
    if ((k->mode == MODE_BF16 || ln_dnnl_prefer_conv()) &&
        (rc = ln_conv_new(&d, &k->cv)) == LN_ENOMEM) { free(k); return rc; }
    if (k->cv == NULL && k->mode == MODE_BF16) {   /* declined: float32 */
      k->mode = MODE_EMU;
      d.bf16 = 0;
      if (ln_dnnl_prefer_conv() && (rc = ln_conv_new(&d, &k->cv)) == LN_ENOMEM) {
        free(k);
        return rc;
      }
    }
    k->xoff = 0;
    k->woff = k->mode == MODE_EMU ? al64(xl * 4) : 0;
    k->goff = k->mode == MODE_EMU ? k->woff + al64(wl * 4) : 0;
    k->eoff = k->mode == MODE_EMU ? k->goff + al64(gl * 4) : 0;
    snprintf(k->desc, sizeof(k->desc), "%s%s%s", k->cv ? "oneDNN " : "im2col + OpenBLAS",
             k->cv ? ln_conv_impl(k->cv, 0) : "",
             k->mode == MODE_EMU ? " (bf16 inputs, float32 products)" : "");
    if ((rc = ln_prep_keep(p, n, key, 12, k, convk_free)) != LN_OK) return rc;
  }
  ln_prep_need(p, k->eoff + kernel_work(n, k));
  ln_set_kern(n, k, k->desc);
  return LN_OK;
}

/* }====== */

/* {====== conv2d: im2col path ====== */

static void conv2d_im2col_forward (ln_node *n, ln_ctx *c, const float *px,
                                   const float *pw) {
  cgeom g;
  int i, T;
  conv_geom(n, &g);
  T = fit_threads(&g, c);
  #pragma omp parallel for schedule(static) num_threads(T)
  for (i = 0; i < g.N; i++) {
    int Cg = g.C / g.G, Og = g.O / g.G, K = Cg * g.kh * g.kw;
    int OHW = g.OH * g.OW, gr, o;
    const float *x = px + (size_t)i * g.C * g.H * g.W;
    float *y = n->x + (size_t)i * g.O * OHW;
    float *col = c->work + (size_t)THREAD_ID() * per_thread(&g);
    const float *src = is_pointwise(&g) ? x : col;
    if (!is_pointwise(&g)) im2col(&g, x, col);
    if (n->n_in == 3)
      for (o = 0; o < g.O; o++) {
        float b = n->in[2]->x[o], *yo = y + (size_t)o * OHW;
        int j;
        for (j = 0; j < OHW; j++) yo[j] = b;
      }
    for (gr = 0; gr < g.G; gr++)
      ln_gemm(0, 0, Og, OHW, K, 1, pw + (size_t)gr * Og * K, K,
              src + (size_t)gr * K * OHW, OHW, n->n_in == 3 ? 1 : 0,
              y + (size_t)gr * Og * OHW, OHW);
    if (n->fuse == LN_FUSE_RELU) {   /* the epilogue, while y is in cache */
      size_t j, len = (size_t)g.O * OHW;
      for (j = 0; j < len; j++) y[j] = y[j] > 0 ? y[j] : 0;
    }
  }
}

/* db[o] (+)= sum of dy over images and positions */
static void conv2d_bias_grad (ln_node *n, const cgeom *g) {
  float *db = n->in[2]->g;
  int o, OHW = g->OH * g->OW, assign = (n->assign & 4u) != 0;
  size_t len = (size_t)g->N * g->O * OHW;
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (o = 0; o < g->O; o++) {
    double s = 0;
    int i, j;
    for (i = 0; i < g->N; i++) {
      const float *dy = n->g + ((size_t)i * g->O + o) * OHW;
      #pragma omp simd reduction(+:s)
      for (j = 0; j < OHW; j++) s += dy[j];
    }
    db[o] = assign ? (float)s : db[o] + (float)s;
  }
}

/*
** Each thread takes a fixed run of images: dW partial += dy col^T in its
** own slice of the workspace, dx[i] += col2im(W^T dy); the partials are
** then added in thread order (deterministic for a given thread count).
** Where the plan lets this node write a gradient first (n->assign), it is
** overwritten instead.
*/
static void conv2d_im2col_backward (ln_node *n, ln_ctx *c, const float *px,
                                    const float *pw, const float *pg) {
  ln_node *x = n->in[0], *w = n->in[1];
  cgeom g;
  int T, assign_x = (n->assign & 1u) != 0, assign_w = (n->assign & 2u) != 0;
  size_t j, wsz;
  conv_geom(n, &g);
  wsz = wt_size(&g);
  T = fit_threads(&g, c);
  if (x->g == NULL && w->g == NULL) return;
  #pragma omp parallel num_threads(T)
  {
    int Cg = g.C / g.G, Og = g.O / g.G, K = Cg * g.kh * g.kw;
    int OHW = g.OH * g.OW, i, i0, i1, gr, tid = THREAD_ID(), nt = 1;
    float *col = c->work + (size_t)tid * per_thread(&g);
    float *dw = col + col_size(&g);
#ifdef _OPENMP
    nt = omp_get_num_threads();
#endif
    i0 = (int)((long)g.N * tid / nt);
    i1 = (int)((long)g.N * (tid + 1) / nt);
    if (w->g) memset(dw, 0, wsz * sizeof(float));
    for (i = i0; i < i1; i++) {
      const float *xi = px + (size_t)i * g.C * g.H * g.W;
      const float *dy = pg + (size_t)i * g.O * OHW;
      const float *cx = is_pointwise(&g) ? xi : col;
      if (w->g) {
        if (!is_pointwise(&g)) im2col(&g, xi, col);
        for (gr = 0; gr < g.G; gr++)
          ln_gemm(0, 1, Og, K, OHW, 1, dy + (size_t)gr * Og * OHW, OHW,
                  cx + (size_t)gr * K * OHW, OHW, 1, dw + (size_t)gr * Og * K, K);
      }
      if (x->g) {
        float *dx = x->g + (size_t)i * g.C * g.H * g.W;
        if (assign_x) memset(dx, 0, (size_t)g.C * g.H * g.W * sizeof(float));
        for (gr = 0; gr < g.G; gr++)
          ln_gemm(1, 0, K, OHW, Og, 1, pw + (size_t)gr * Og * K, K,
                  dy + (size_t)gr * Og * OHW, OHW, is_pointwise(&g) ? 1 : 0,
                  (is_pointwise(&g) ? dx : col) + (size_t)gr * K * OHW, OHW);
        if (!is_pointwise(&g)) col2im(&g, col, dx);
      }
    }
  }
  if (w->g == NULL) return;
  #pragma omp parallel for schedule(static) if (wsz * T > LN_PAR_MIN)
  for (j = 0; j < wsz; j++) {
    const float *part = c->work + col_size(&g) + j;
    float s = 0;
    int t;
    for (t = 0; t < T; t++) s += part[(size_t)t * per_thread(&g)];
    w->g[j] = assign_w ? s : w->g[j] + s;
  }
}

/* rounded copies of the inputs (bf16 without bf16 kernels), and the
** workspace left for the kernel after them */
static const float *emu_in (const convk *k, ln_ctx *c, const float *x,
                            size_t off, size_t len) {
  float *dst;
  if (k == NULL || k->mode != MODE_EMU) return x;
  dst = (float *)(void *)((char *)c->work + off);
  ln_f32_round_bf16(x, dst, len);
  return dst;
}

static ln_ctx sub_ctx (const convk *k, const ln_ctx *c) {
  ln_ctx s = *c;
  if (k) {
    s.work = (float *)(void *)((char *)c->work + k->eoff);
    s.work_size = c->work_size > k->eoff ? c->work_size - k->eoff : 0;
  }
  return s;
}

static void conv2d_forward (ln_node *n, ln_ctx *c) {
  convk *k = n->kern;
  const float *px = emu_in(k, c, n->in[0]->x, k ? k->xoff : 0, ln_numel(n->in[0]));
  const float *pw = emu_in(k, c, n->in[1]->x, k ? k->woff : 0, ln_numel(n->in[1]));
  ln_ctx s = sub_ctx(k, c);
  if (k && k->cv)
    ln_conv_forward(k->cv, px, pw, n->n_in == 3 ? n->in[2]->x : NULL, n->x, s.work);
  else conv2d_im2col_forward(n, &s, px, pw);
}

static void conv2d_backward (ln_node *n, ln_ctx *c) {
  ln_node *x = n->in[0], *w = n->in[1];
  convk *k = n->kern;
  const float *px = x->x, *pw = w->x, *pg = n->g;
  ln_ctx s = sub_ctx(k, c);
  cgeom g;
  if (x->g == NULL && w->g == NULL && (n->n_in < 3 || n->in[2]->g == NULL)) return;
  pg = emu_in(k, c, n->g, k ? k->goff : 0, ln_numel(n));
  if (w->g) px = emu_in(k, c, x->x, k ? k->xoff : 0, ln_numel(x));
  if (x->g) pw = emu_in(k, c, w->x, k ? k->woff : 0, ln_numel(w));
  if (k && k->cv) {
    ln_conv_backward(k->cv, px, pw, pg, x->g, w->g,
                     n->n_in == 3 ? n->in[2]->g : NULL, s.work);
    return;
  }
  conv_geom(n, &g);
  if (n->n_in == 3 && n->in[2]->g) conv2d_bias_grad(n, &g);   /* float32 dy */
  conv2d_im2col_backward(n, &s, px, pw, pg);
}

/* }====== */

/* {====== max_pool2d, avg_pool2d ====== */

/* the pools' attribute slots (spec "@kernel=2:2,@stride=0:2,@padding=0:2") */
enum { PA_KERNEL, PA_STRIDE, PA_PADDING };

/* kernel, stride (0 = kernel, per axis), padding from the attributes */
static void pool_geom (const ln_node *n, cgeom *g) {
  const ln_node *x = n->in[0];
  g->N = x->dim[0]; g->C = g->O = x->dim[1]; g->H = x->dim[2]; g->W = x->dim[3];
  pair_of(n, PA_KERNEL, &g->kh, &g->kw);
  pair_of(n, PA_STRIDE, &g->sh, &g->sw);
  pair_of(n, PA_PADDING, &g->ph, &g->pw);
  if (g->sh == 0) g->sh = g->kh;
  if (g->sw == 0) g->sw = g->kw;
  g->dh = g->dw = 1;
  g->G = 1;
  g->OH = out_len(g->H, g->kh, g->sh, g->ph, 1);
  g->OW = out_len(g->W, g->kw, g->sw, g->pw, 1);
}

static int pool_check_attrs (const ln_node *n) {
  int rc;
  if ((rc = check_pair(n, PA_KERNEL, 1, "kernel")) != LN_OK ||
      (rc = check_pair(n, PA_STRIDE, 0, "stride (0: the kernel)")) != LN_OK ||
      (rc = check_pair(n, PA_PADDING, 0, "padding")) != LN_OK)
    return rc;
  return LN_OK;
}

static int pool_shape (ln_node *n) {
  const ln_node *x = n->in[0];
  const char *op = ln_node_desc(n)->name;
  int dim[4], rc;
  cgeom g;
  if (x->dtype != LN_F32 || x->ndim != 4)
    return ln_seterr(LN_ESHAPE, "%s: input %s must be float NCHW", op,
                     ln_node_shape(x));
  if ((rc = pool_check_attrs(n)) != LN_OK) return rc;
  pool_geom(n, &g);
  if (g.ph > g.kh / 2 || g.pw > g.kw / 2)
    return ln_seterr(LN_EARG, "%s: padding %dx%d must be at most half the "
                     "kernel %dx%d (input %s)", op, g.ph, g.pw, g.kh, g.kw,
                     ln_node_shape(x));
  if (g.OH < 1 || g.OW < 1)
    return ln_seterr(LN_ESHAPE, "%s: output size %dx%d < 1: kernel %dx%d is "
                     "larger than the padded input %dx%d (input %s, stride "
                     "%dx%d, padding %dx%d)", op, g.OH, g.OW, g.kh, g.kw,
                     g.H + 2 * g.ph, g.W + 2 * g.pw, ln_node_shape(x), g.sh,
                     g.sw, g.ph, g.pw);
  dim[0] = g.N; dim[1] = g.C; dim[2] = g.OH; dim[3] = g.OW;
  ln_set_shape(n, LN_F32, 4, dim);
  return LN_OK;
}

/* enough work to go parallel? */
static int big_pool (const ln_node *n, const cgeom *g) {
  return ln_numel(n) * g->kh * g->kw > LN_PAR_MIN;
}

/* saved: the argmax of each output within its input plane (int32) */
static void max_pool_scratch (const ln_node *n, size_t *saved, size_t *work) {
  *saved = ln_numel(n) * sizeof(int32_t);
  *work = 0;
}

/* window of output (oh, ow) clipped to the input: rows [*h0, *h1), ... */
static void window (const cgeom *g, int oh, int ow, int *h0, int *h1,
                    int *w0, int *w1) {
  int hs = oh * g->sh - g->ph, ws = ow * g->sw - g->pw;
  *h0 = hs < 0 ? 0 : hs;
  *h1 = hs + g->kh < g->H ? hs + g->kh : g->H;
  *w0 = ws < 0 ? 0 : ws;
  *w1 = ws + g->kw < g->W ? ws + g->kw : g->W;
}

/* max over one plane's windows, first maximum wins (branch-free) */
static void max_plane (const cgeom *g, const float *x, float *y, int32_t *a) {
  int oh, ow, ih, iw, h0, h1, w0, w1;
  for (oh = 0; oh < g->OH; oh++)
    for (ow = 0; ow < g->OW; ow++) {
      float mx;
      int best;
      window(g, oh, ow, &h0, &h1, &w0, &w1);
      best = h0 * g->W + w0;
      mx = x[best];
      for (ih = h0; ih < h1; ih++)
        for (iw = w0; iw < w1; iw++) {
          float v = x[ih * g->W + iw];
          int gt = v > mx;
          mx = gt ? v : mx;
          best = gt ? ih * g->W + iw : best;
        }
      y[oh * g->OW + ow] = mx;
      a[oh * g->OW + ow] = best;
    }
}

/* the same for 2x2 windows, stride 2, no padding (every window inside
** the plane): the CNN's pooling, without per-window bounds; the same scan
** order and comparisons, so the same values and argmax. Written as selects
** so that the row loop vectorises: GCC if-converts the float compares only
** when it may assume they do not trap (the engine never reads the
** floating-point exception flags) */
__attribute__((optimize("no-trapping-math")))
static void max_plane_2x2 (const cgeom *g, const float *x, float *y, int32_t *a) {
  int oh, ow, W = g->W, OW = g->OW;
  for (oh = 0; oh < g->OH; oh++) {
    const float *restrict r0 = x + (size_t)2 * oh * W, *restrict r1 = r0 + W;
    float *restrict yr = y + (size_t)oh * OW;
    int32_t *restrict ar = a + (size_t)oh * OW;
    int base = 2 * oh * W;
    for (ow = 0; ow < OW; ow++) {
      float p = r0[2 * ow], q = r0[2 * ow + 1], r = r1[2 * ow], s = r1[2 * ow + 1];
      float m1 = q > p ? q : p, m2 = r > m1 ? r : m1;
      int32_t i1 = q > p ? 1 : 0, i2 = r > m1 ? W : i1;
      yr[ow] = s > m2 ? s : m2;
      ar[ow] = base + 2 * ow + (s > m2 ? W + 1 : i2);
    }
  }
}

/* the CNN's pooling: 2x2 windows, stride 2, no padding */
static int is_2x2 (const cgeom *g) {
  return g->kh == 2 && g->kw == 2 && g->sh == 2 && g->sw == 2 &&
         g->ph == 0 && g->pw == 0;
}

static void max_pool_forward (ln_node *n, ln_ctx *c) {
  cgeom g;
  size_t pl, planes;
  (void)c;
  pool_geom(n, &g);
  planes = (size_t)g.N * g.C;
  #pragma omp parallel for schedule(static) if (big_pool(n, &g))
  for (pl = 0; pl < planes; pl++)
    (is_2x2(&g) ? max_plane_2x2 : max_plane)
      (&g, n->in[0]->x + pl * g.H * g.W, n->x + pl * g.OH * g.OW,
       (int32_t *)n->saved + pl * g.OH * g.OW);
}

/* the pools' backward zero each plane of dx themselves, while it is in
** cache, where the plan makes them its first writer (n->assign) */
static void max_pool_backward (ln_node *n, ln_ctx *c) {
  cgeom g;
  size_t pl, planes;
  const int32_t *arg = n->saved;
  (void)c;
  if (n->in[0]->g == NULL) return;
  pool_geom(n, &g);
  planes = (size_t)g.N * g.C;
  #pragma omp parallel for schedule(static) if (ln_numel(n) > LN_PAR_MIN)
  for (pl = 0; pl < planes; pl++) {
    float *dx = n->in[0]->g + pl * g.H * g.W;
    const float *dy = n->g + pl * g.OH * g.OW;
    const int32_t *a = arg + pl * g.OH * g.OW;
    int j;
    if (n->assign & 1u) memset(dx, 0, (size_t)g.H * g.W * sizeof(float));
    for (j = 0; j < g.OH * g.OW; j++) dx[a[j]] += dy[j];
  }
}

/* mean over the window, padding counted (PyTorch's count_include_pad) */
static void avg_pool_forward (ln_node *n, ln_ctx *c) {
  cgeom g;
  size_t pl, planes;
  (void)c;
  pool_geom(n, &g);
  planes = (size_t)g.N * g.C;
  #pragma omp parallel for schedule(static) if (big_pool(n, &g))
  for (pl = 0; pl < planes; pl++) {
    const float *x = n->in[0]->x + pl * g.H * g.W;
    float *y = n->x + pl * g.OH * g.OW, inv = 1.0f / (float)(g.kh * g.kw);
    int oh, ow, ih, iw;
    for (oh = 0; oh < g.OH; oh++)
      for (ow = 0; ow < g.OW; ow++) {
        int h0, h1, w0, w1;
        float s = 0;
        window(&g, oh, ow, &h0, &h1, &w0, &w1);
        for (ih = h0; ih < h1; ih++)
          for (iw = w0; iw < w1; iw++) s += x[ih * g.W + iw];
        y[oh * g.OW + ow] = s * inv;
      }
  }
}

static void avg_pool_backward (ln_node *n, ln_ctx *c) {
  cgeom g;
  size_t pl, planes;
  (void)c;
  if (n->in[0]->g == NULL) return;
  pool_geom(n, &g);
  planes = (size_t)g.N * g.C;
  #pragma omp parallel for schedule(static) if (big_pool(n, &g))
  for (pl = 0; pl < planes; pl++) {
    float *dx = n->in[0]->g + pl * g.H * g.W;
    const float *dy = n->g + pl * g.OH * g.OW;
    float inv = 1.0f / (float)(g.kh * g.kw);
    int oh, ow, ih, iw;
    if (n->assign & 1u) memset(dx, 0, (size_t)g.H * g.W * sizeof(float));
    for (oh = 0; oh < g.OH; oh++)
      for (ow = 0; ow < g.OW; ow++) {
        int h0, h1, w0, w1;
        float v = dy[oh * g.OW + ow] * inv;
        window(&g, oh, ow, &h0, &h1, &w0, &w1);
        for (ih = h0; ih < h1; ih++)
          for (iw = w0; iw < w1; iw++) dx[ih * g.W + iw] += v;
      }
  }
}

/* }====== */

const ln_opdesc ln_ops_conv[] = {
  {.name = "conv2d", .min_in = 2, .max_in = 3,
   .attrs = "stride=1:2,padding=0:2,dilation=1:2,groups=1",
   .shape = conv2d_shape, .scratch = conv2d_scratch,
   .prepare = conv2d_prepare, .forward = conv2d_forward,
   .backward = conv2d_backward,
   .flags = LN_F_SAVE_IN | LN_F_ASSIGN | LN_F_FUSE_RELU,
   .doc = "y[n, o] = b[o] + sum_c w[o, c] * x[n, c] (2-D cross-correlation; "
          "groups = channels: depthwise)"},
  {.name = "max_pool2d", .min_in = 1, .max_in = 1,
   .attrs = "@kernel=2:2,@stride=0:2,@padding=0:2",
   .shape = pool_shape, .scratch = max_pool_scratch,
   .forward = max_pool_forward, .backward = max_pool_backward,
   .flags = LN_F_ASSIGN,
   .doc = "y = max over each kh x kw window (stride 0 = kernel)"},
  {.name = "avg_pool2d", .min_in = 1, .max_in = 1,
   .attrs = "@kernel=2:2,@stride=0:2,@padding=0:2",
   .shape = pool_shape, .forward = avg_pool_forward,
   .backward = avg_pool_backward, .flags = LN_F_ASSIGN,
   .doc = "y = mean over each kh x kw window, padding counted"},
  {0}
};
