/*
** norm.c -- normalisation ops: batch_norm over [N, C] or [N, C, H, W];
** layer_norm and rms_norm over the last dims; group_norm and
** instance_norm over [N, C, *]; the EvoNorm layers evonorm_b0 (batch) and
** evonorm_s0 (sample); film, a per-sample affine map.
**
** Statistics are summed in double, in a fixed order per row or channel,
** so results do not depend on the thread count.
*/
#include <string.h>
#include "ln_ops.h"

/* [N, C, *] as channels, positions per channel and samples */
ln_chgeom ln_ch_geom (const ln_node *x) {
  ln_chgeom g;
  int i;
  g.N = (size_t)x->dim[0];
  g.C = x->dim[1];
  g.hw = 1;
  for (i = 2; i < x->ndim; i++) g.hw *= (size_t)x->dim[i];
  return g;
}

static int batch_norm_shape (ln_node *n) {
  static const char *const what[] = {"input", "gamma", "beta", "running_mean",
                                      "running_var"};
  const ln_node *x = n->in[0];
  int k, rc;
  for (k = 0; k < 5; k++)
    if ((rc = ln_need_f32(n, k, what[k])) != LN_OK) return rc;
  if (x->ndim != 2 && x->ndim != 4)
    return ln_seterr(LN_ESHAPE, "batch_norm: input %s must be [N, C] or "
                     "[N, C, H, W]", ln_node_shape(x));
  for (k = 1; k < 5; k++)
    if (n->in[k]->ndim != 1 || n->in[k]->dim[0] != x->dim[1])
      return ln_seterr(LN_ESHAPE, "batch_norm: %s %s does not fit input %s "
                       "(%d channels)", what[k], ln_node_shape(n->in[k]),
                       ln_node_shape(x), x->dim[1]);
  if (!(n->attr[1] > 0) || !(n->attr[0] >= 0 && n->attr[0] <= 1))
    return ln_seterr(LN_EARG, "batch_norm: momentum %g must be in [0, 1] and "
                     "eps %g positive", n->attr[0], n->attr[1]);
  if (!(n->attr[2] >= 0 && n->attr[2] <= 1 << 20) || n->attr[2] != (int)n->attr[2])
    return ln_seterr(LN_EARG, "batch_norm: ghost must be a whole number >= 0 "
                     "(0: the whole batch), got %g", n->attr[2]);
  ln_set_shape(n, LN_F32, x->ndim, x->dim);
  return LN_OK;
}

/*
** Ghost batches (Hoffer et al. 2017): with ghost = S > 0, training
** normalises each run of S samples by its own statistics, as each worker
** of data-parallel training does with its share of the batch (the last
** run may be shorter). 0: one run, the whole batch.
*/
static size_t bn_ghost (const ln_node *n, size_t N) {
  size_t S = (size_t)n->attr[2];
  return S > 0 && S < N ? S : (N > 0 ? N : 1);
}

/* saved: the mean and inverse std used per (run, channel) */
static void batch_norm_scratch (const ln_node *n, size_t *saved, size_t *work) {
  size_t N = (size_t)n->in[0]->dim[0], S = bn_ghost(n, N);
  *saved = 2 * (size_t)n->in[0]->dim[1] * ((N + S - 1) / S) * sizeof(float);
  *work = 0;
}

/* mean and biased variance of channel 'ch' over samples i0..i1-1 (two passes) */
void ln_channel_stats (const float *x, const ln_chgeom *g, int ch, size_t i0,
                       size_t i1, double *mean, double *var) {
  size_t i, j, cnt = (i1 - i0) * g->hw;
  double s = 0, ss = 0;
  for (i = i0; i < i1; i++) {
    const float *p = x + (i * g->C + ch) * g->hw;
    #pragma omp simd reduction(+:s)
    for (j = 0; j < g->hw; j++) s += p[j];
  }
  *mean = cnt ? s / cnt : 0;
  for (i = i0; i < i1; i++) {
    const float *p = x + (i * g->C + ch) * g->hw;
    double m = *mean;
    #pragma omp simd reduction(+:ss)
    for (j = 0; j < g->hw; j++) ss += (p[j] - m) * (p[j] - m);
  }
  *var = cnt ? ss / cnt : 0;
}

/*
** Training: normalise each run by its statistics and move the running
** ones (in[3], in[4]) towards their mean over the runs, the variance
** unbiased; eval: use the running statistics (one run).
*/
static void batch_norm_forward (ln_node *n, ln_ctx *c) {
  ln_chgeom g = ln_ch_geom(n->in[0]);
  const float *x = n->in[0]->x, *gam = n->in[1]->x, *bet = n->in[2]->x;
  float *rm = n->in[3]->x, *rv = n->in[4]->x, *mu = n->saved;
  size_t S = c->training ? bn_ghost(n, g.N) : g.N, V = (g.N + S - 1) / S;
  float *istd = mu + (size_t)g.C * V;
  double mom = n->attr[0], eps = n->attr[1];
  int ch;
  #pragma omp parallel for schedule(static) if (ln_numel(n) > LN_PAR_MIN)
  for (ch = 0; ch < g.C; ch++) {
    double mean = rm[ch], var = rv[ch], smean = 0, svar = 0;
    size_t i, j, v;
    for (v = 0; v < V; v++) {
      size_t i0 = v * S, i1 = i0 + S < g.N ? i0 + S : g.N, cnt = (i1 - i0) * g.hw;
      size_t at = v * (size_t)g.C + (size_t)ch;
      float a, b;
      if (c->training) {
        ln_channel_stats(x, &g, ch, i0, i1, &mean, &var);
        smean += mean;
        svar += cnt > 1 ? var * cnt / (cnt - 1) : var;
      }
      mu[at] = (float)mean;
      istd[at] = (float)(1 / sqrt(var + eps));
      a = istd[at] * gam[ch];
      b = bet[ch] - mu[at] * a;
      for (i = i0; i < i1; i++) {
        const float *p = x + (i * g.C + ch) * g.hw;
        float *y = n->x + (i * g.C + ch) * g.hw;
        for (j = 0; j < g.hw; j++) y[j] = p[j] * a + b;
      }
    }
    if (c->training) {
      rm[ch] = (float)((1 - mom) * rm[ch] + mom * smean / V);
      rv[ch] = (float)((1 - mom) * rv[ch] + mom * svar / V);
    }
  }
}

/*
** Per run, with xh = (x - mean) istd: dbeta = sum dy, dgamma = sum dy xh
** (summed over the runs); training dx = gamma istd / m (m dy - dbeta -
** xh dgamma) with the run's sums and size m, eval dx = gamma istd dy.
*/
static void batch_norm_backward (ln_node *n, ln_ctx *c) {
  ln_chgeom g = ln_ch_geom(n->in[0]);
  const float *x = n->in[0]->x, *gam = n->in[1]->x, *mu = n->saved;
  float *dx = n->in[0]->g, *dgam = n->in[1]->g, *dbet = n->in[2]->g;
  size_t S = c->training ? bn_ghost(n, g.N) : g.N, V = (g.N + S - 1) / S;
  const float *istd = mu + (size_t)g.C * V;
  int ch;
  #pragma omp parallel for schedule(static) if (ln_numel(n) > LN_PAR_MIN)
  for (ch = 0; ch < g.C; ch++) {
    size_t i, j, v;
    for (v = 0; v < V; v++) {
      size_t i0 = v * S, i1 = i0 + S < g.N ? i0 + S : g.N, cnt = (i1 - i0) * g.hw;
      size_t at = v * (size_t)g.C + (size_t)ch;
      float m = mu[at], is = istd[at], k = gam[ch] * is;
      double sdy = 0, sdyx = 0;
      for (i = i0; i < i1; i++) {
        size_t o = (i * g.C + ch) * g.hw;
        const float *p = x + o, *dy = n->g + o;
        #pragma omp simd reduction(+:sdy, sdyx)
        for (j = 0; j < g.hw; j++) {
          sdy += dy[j];
          sdyx += dy[j] * (p[j] - m);
        }
      }
      sdyx *= is;
      if (dgam) dgam[ch] += (float)sdyx;
      if (dbet) dbet[ch] += (float)sdy;
      if (dx == NULL) continue;
      for (i = i0; i < i1; i++) {
        size_t o = (i * g.C + ch) * g.hw;
        const float *p = x + o, *dy = n->g + o;
        float *d = dx + o;
        if (c->training) {
          float mdy = (float)(sdy / cnt), mdyx = (float)(sdyx / cnt);
          for (j = 0; j < g.hw; j++) d[j] += k * (dy[j] - mdy - (p[j] - m) * is * mdyx);
        } else
          for (j = 0; j < g.hw; j++) d[j] += k * dy[j];
      }
    }
  }
}

/* {====== Row normalisations: layer_norm, rms_norm, group_norm, instance_norm ====== */

/*
** The input seen as 'rows' rows of 'len' elements, each normalised on its
** own. Row r uses affine group r % G; element q * hw + h of the row uses
** affine entry (r % G) * cpg + q. layer_norm and rms_norm: G = 1,
** cpg = len, hw = 1; group_norm on [N, C, *]: G groups of cpg = C / G
** channels of hw positions each; instance_norm: G = C, cpg = 1.
*/
typedef struct rgeom { size_t rows, len, cpg, hw; int G; } rgeom;

/* rows per block of the partial sums of the parameter gradients */
#define ROW_BLOCK 64

static const char *const affine_what[] = {"input", "gamma", "beta"};

/* the number of groups: 'want' when positive; 0 (auto): the largest
** divisor of C not above 32, the rule of EvoNorm's reference code */
static int groups_of (int C, double want) {
  int g = (int)want;
  if (g > 0) return g;
  for (g = C < 32 ? C : 32; g > 1; g--)
    if (C % g == 0) break;
  return g < 1 ? 1 : g;
}

/* inputs 1.. (gamma, beta) must be float32 shaped as x's dims
** [from, from + cnt) */
static int check_affine (const ln_node *n, const char *op, int from, int cnt) {
  const ln_node *x = n->in[0];
  int k, i;
  for (k = 1; k < n->n_in; k++) {
    const ln_node *p = n->in[k];
    int ok = p->dtype == LN_F32 && p->ndim == cnt;
    for (i = 0; ok && i < cnt; i++) ok = p->dim[i] == x->dim[from + i];
    if (!ok) {
      char want[96];
      return ln_seterr(LN_ESHAPE, "%s: %s %s does not fit input %s (want "
                       "float32 %s)", op, affine_what[k], ln_node_shape(p),
                       ln_node_shape(x),
                       ln_shape_str(cnt, x->dim + from, want, sizeof(want)));
    }
  }
  return LN_OK;
}

/* layer_norm and rms_norm: attrs dims (trailing dims normalised), eps */
static int last_dims_shape (ln_node *n) {
  const char *op = ln_node_desc(n)->name;
  const ln_node *x = n->in[0];
  int dims = (int)n->attr[0], rc;
  if ((rc = ln_need_f32(n, 0, NULL)) != LN_OK) return rc;
  if (dims < 1 || dims > x->ndim)
    return ln_seterr(LN_ESHAPE, "%s: dims %d out of range for input %s "
                     "(1..%d trailing dims)", op, dims, ln_node_shape(x),
                     x->ndim);
  if (!(n->attr[1] > 0))
    return ln_seterr(LN_EARG, "%s: eps %g must be positive", op, n->attr[1]);
  if ((rc = check_affine(n, op, x->ndim - dims, dims)) != LN_OK) return rc;
  ln_set_shape(n, LN_F32, x->ndim, x->dim);
  return LN_OK;
}

static rgeom geom_last (const ln_node *n) {
  const ln_node *x = n->in[0];
  int i, dims = (int)n->attr[0];
  rgeom g;
  g.len = 1;
  for (i = x->ndim - dims; i < x->ndim; i++) g.len *= (size_t)x->dim[i];
  g.rows = g.len ? ln_numel(x) / g.len : 0;
  g.G = 1;
  g.cpg = g.len;
  g.hw = 1;
  return g;
}

/* [N, C, *] in G groups */
static rgeom geom_groups (const ln_node *x, int G) {
  rgeom g;
  int i;
  g.hw = 1;
  for (i = 2; i < x->ndim; i++) g.hw *= (size_t)x->dim[i];
  g.G = G;
  g.cpg = (size_t)(x->dim[1] / G);
  g.rows = (size_t)x->dim[0] * (size_t)G;
  g.len = g.cpg * g.hw;
  return g;
}

/* saved: mean and inverse std per row; work: the partial sums of the
** parameter gradients (two per affine entry and block of rows) */
static void rows_scratch (const rgeom *g, size_t *saved, size_t *work) {
  *saved = 2 * g->rows * sizeof(float);
  *work = 2 * (size_t)g->G * g->cpg * ((g->rows + ROW_BLOCK - 1) / ROW_BLOCK) * sizeof(double);
}

/*
** y = (x - mean) istd gamma + beta per row, with 'rms' no centring
** (mean 0, istd from the mean square). Two passes in double per row.
*/
static void rows_forward (ln_node *n, const rgeom *g, double eps, int rms) {
  const float *x = n->in[0]->x;
  const float *gam = n->n_in > 1 ? n->in[1]->x : NULL;
  const float *bet = n->n_in > 2 ? n->in[2]->x : NULL;
  float *mu = n->saved, *istd = mu + g->rows;
  size_t r;
  #pragma omp parallel for schedule(static) if (ln_numel(n) > LN_PAR_MIN)
  for (r = 0; r < g->rows; r++) {
    const float *p = x + r * g->len;
    float *y = n->x + r * g->len, mf, is;
    size_t j, q, h, a0 = (r % (size_t)g->G) * g->cpg;
    double s = 0, ss = 0, m;
    if (!rms)
      for (j = 0; j < g->len; j++) s += p[j];
    m = (rms || g->len == 0) ? 0 : s / (double)g->len;
    for (j = 0; j < g->len; j++) ss += (p[j] - m) * (p[j] - m);
    mf = (float)m;
    is = (float)(1 / sqrt((g->len ? ss / (double)g->len : 0) + eps));
    mu[r] = mf;
    istd[r] = is;
    for (q = 0; q < g->cpg; q++) {
      float k = gam ? gam[a0 + q] * is : is, b = bet ? bet[a0 + q] : 0;
      const float *pq = p + q * g->hw;
      float *yq = y + q * g->hw;
      for (h = 0; h < g->hw; h++) yq[h] = (pq[h] - mf) * k + b;
    }
  }
}

static size_t n_row_blocks (const rgeom *g) { return (g->rows + ROW_BLOCK - 1) / ROW_BLOCK; }

/*
** With u = dy gamma and xh = (x - mean) istd: dx = istd (u - mean(u) -
** xh mean(u xh)) (rms: without the mean(u) term); dgamma = sum dy xh and
** dbeta = sum dy over the rows and positions of each affine entry: per
** block of ROW_BLOCK rows into 'work' (rows read in order, contiguously),
** then the blocks added up in order, so the sums do not depend on the
** thread count.
*/
static void rows_backward (ln_node *n, const rgeom *g, int rms, ln_ctx *c) {
  const float *x = n->in[0]->x, *dy = n->g;
  const float *gam = n->n_in > 1 ? n->in[1]->x : NULL;
  const float *mu = n->saved, *istd = mu + g->rows;
  float *dx = n->in[0]->g;
  float *dgam = n->n_in > 1 ? n->in[1]->g : NULL;
  float *dbet = n->n_in > 2 ? n->in[2]->g : NULL;
  double *part = (double *)(void *)c->work;
  size_t r, a, blk, A = (size_t)g->G * g->cpg, nb = n_row_blocks(g);
  if (dx) {
    #pragma omp parallel for schedule(static) if (ln_numel(n) > LN_PAR_MIN)
    for (r = 0; r < g->rows; r++) {
      size_t q, h, at = r * g->len, a0 = (r % (size_t)g->G) * g->cpg;
      float m = mu[r], is = istd[r], k1, k2;
      double s1 = 0, s2 = 0;
      for (q = 0; q < g->cpg; q++) {
        float ga = gam ? gam[a0 + q] : 1;
        const float *p = x + at + q * g->hw, *d = dy + at + q * g->hw;
        for (h = 0; h < g->hw; h++) {
          float u = d[h] * ga;
          s1 += u;
          s2 += u * ((p[h] - m) * is);
        }
      }
      k1 = (rms || g->len == 0) ? 0 : (float)(s1 / (double)g->len);
      k2 = g->len ? (float)(s2 / (double)g->len) : 0;
      for (q = 0; q < g->cpg; q++) {
        float ga = gam ? gam[a0 + q] : 1;
        const float *p = x + at + q * g->hw, *d = dy + at + q * g->hw;
        float *o = dx + at + q * g->hw;
        for (h = 0; h < g->hw; h++)
          o[h] += is * (d[h] * ga - k1 - (p[h] - m) * is * k2);
      }
    }
  }
  if (dgam == NULL && dbet == NULL) return;
  #pragma omp parallel for schedule(static) if (ln_numel(n) > LN_PAR_MIN)
  for (blk = 0; blk < nb; blk++) {
    double *pg = part + blk * 2 * A, *pb = pg + A;
    size_t rr, r1 = (blk + 1) * ROW_BLOCK < g->rows ? (blk + 1) * ROW_BLOCK : g->rows;
    memset(pg, 0, 2 * A * sizeof(double));
    for (rr = blk * ROW_BLOCK; rr < r1; rr++) {
      size_t q, h, a0 = (rr % (size_t)g->G) * g->cpg;
      float m = mu[rr], is = istd[rr];
      for (q = 0; q < g->cpg; q++) {
        const float *p = x + rr * g->len + q * g->hw;
        const float *d = dy + rr * g->len + q * g->hw;
        double sg = 0, sb = 0;
        for (h = 0; h < g->hw; h++) {
          sg += d[h] * ((p[h] - m) * is);
          sb += d[h];
        }
        pg[a0 + q] += sg;
        pb[a0 + q] += sb;
      }
    }
  }
  #pragma omp parallel for schedule(static) if (A * nb > LN_PAR_MIN)
  for (a = 0; a < A; a++) {
    double sg = 0, sb = 0;
    for (blk = 0; blk < nb; blk++) {
      sg += part[blk * 2 * A + a];
      sb += part[blk * 2 * A + A + a];
    }
    if (dgam) dgam[a] += (float)sg;
    if (dbet) dbet[a] += (float)sb;
  }
}

static void last_dims_scratch (const ln_node *n, size_t *saved, size_t *work) {
  rgeom g = geom_last(n);
  rows_scratch(&g, saved, work);
}

static void layer_norm_forward (ln_node *n, ln_ctx *c) {
  rgeom g = geom_last(n);
  (void)c;
  rows_forward(n, &g, n->attr[1], 0);
}

static void layer_norm_backward (ln_node *n, ln_ctx *c) {
  rgeom g = geom_last(n);
  rows_backward(n, &g, 0, c);
}

static void rms_norm_forward (ln_node *n, ln_ctx *c) {
  rgeom g = geom_last(n);
  (void)c;
  rows_forward(n, &g, n->attr[1], 1);
}

static void rms_norm_backward (ln_node *n, ln_ctx *c) {
  rgeom g = geom_last(n);
  rows_backward(n, &g, 1, c);
}

/* input 1 [N, C, *] float32, with at least 'min_nd' dims */
static int check_nc (const ln_node *n, int min_nd) {
  const ln_node *x = n->in[0];
  const char *op = ln_opname(n);
  int rc = ln_need_f32(n, 0, NULL);
  if (rc != LN_OK) return rc;
  if (x->ndim < min_nd)
    return ln_seterr(LN_ESHAPE, "%s: input %s must be [N, C%s]", op,
                     ln_node_shape(x), min_nd > 2 ? ", H, W] or [N, C, *" : ", *");
  return LN_OK;
}

/* group_norm: attrs groups (0: auto), eps */
static int group_norm_shape (ln_node *n) {
  const ln_node *x = n->in[0];
  int rc, G;
  if ((rc = check_nc(n, 2)) != LN_OK) return rc;
  G = groups_of(x->dim[1], n->attr[0]);
  if (n->attr[0] < 0 || x->dim[1] % G != 0)
    return ln_seterr(LN_ESHAPE, "group_norm: %g groups do not divide the %d "
                     "channels of input %s", n->attr[0], x->dim[1],
                     ln_node_shape(x));
  if (!(n->attr[1] > 0))
    return ln_seterr(LN_EARG, "group_norm: eps %g must be positive", n->attr[1]);
  if ((rc = check_affine(n, "group_norm", 1, 1)) != LN_OK) return rc;
  ln_set_shape(n, LN_F32, x->ndim, x->dim);
  return LN_OK;
}

static rgeom geom_gn (const ln_node *n) {
  return geom_groups(n->in[0], groups_of(n->in[0]->dim[1], n->attr[0]));
}

static void group_norm_scratch (const ln_node *n, size_t *saved, size_t *work) {
  rgeom g = geom_gn(n);
  rows_scratch(&g, saved, work);
}

static void group_norm_forward (ln_node *n, ln_ctx *c) {
  rgeom g = geom_gn(n);
  (void)c;
  rows_forward(n, &g, n->attr[1], 0);
}

static void group_norm_backward (ln_node *n, ln_ctx *c) {
  rgeom g = geom_gn(n);
  rows_backward(n, &g, 0, c);
}

/* instance_norm: attr eps; statistics per sample and channel */
static int instance_norm_shape (ln_node *n) {
  const ln_node *x = n->in[0];
  int rc;
  if ((rc = check_nc(n, 3)) != LN_OK) return rc;
  if (!(n->attr[0] > 0))
    return ln_seterr(LN_EARG, "instance_norm: eps %g must be positive",
                     n->attr[0]);
  if ((rc = check_affine(n, "instance_norm", 1, 1)) != LN_OK) return rc;
  ln_set_shape(n, LN_F32, x->ndim, x->dim);
  return LN_OK;
}

static void instance_norm_scratch (const ln_node *n, size_t *saved, size_t *work) {
  rgeom g = geom_groups(n->in[0], n->in[0]->dim[1]);
  rows_scratch(&g, saved, work);
}

static void instance_norm_forward (ln_node *n, ln_ctx *c) {
  rgeom g = geom_groups(n->in[0], n->in[0]->dim[1]);
  (void)c;
  rows_forward(n, &g, n->attr[0], 0);
}

static void instance_norm_backward (ln_node *n, ln_ctx *c) {
  rgeom g = geom_groups(n->in[0], n->in[0]->dim[1]);
  rows_backward(n, &g, 0, c);
}

/* }====== */

/* {====== EvoNorm-B0 and EvoNorm-S0 ====== */

/*
** Liu, Brock, Simonyan, Le 2020, Evolving Normalization-Activation Layers
** (arXiv:2004.02967), checked against the authors' reference code
** (tensorflow/tpu, models/official/resnet/resnet_model.py, evonorm()):
**   B0: y = x / max(sqrt(var_b + eps), v1 x + sqrt(var_i + eps)) gamma + beta
**       var_b over (N, H, W), var_i over (H, W), both biased; training
**       moves running_var towards var_b (biased, as the reference's
**       moving_variance, decay 0.9 = momentum 0.1), eval uses it.
**   S0: y = x sigmoid(v1 x) / sqrt(var_g + eps) gamma + beta, var_g over
**       (C/G, H, W) per sample; G = 32, or the largest divisor of C below.
*/

/* inputs 1.. are per-channel vectors named 'what[k]' */
static int check_channels (const ln_node *n, const char *op,
                           const char *const *what) {
  const ln_node *x = n->in[0];
  int k;
  for (k = 1; k < n->n_in; k++)
    if (n->in[k]->dtype != LN_F32 || n->in[k]->ndim != 1 ||
        n->in[k]->dim[0] != x->dim[1])
      return ln_seterr(LN_ESHAPE, "%s: %s %s does not fit input %s (want "
                       "float32 [%d])", op, what[k], ln_node_shape(n->in[k]),
                       ln_node_shape(x), x->dim[1]);
  return LN_OK;
}

static int evonorm_b0_shape (ln_node *n) {
  static const char *const what[] = {"input", "gamma", "beta", "v1",
                                      "running_var"};
  const ln_node *x = n->in[0];
  int rc;
  if ((rc = check_nc(n, 3)) != LN_OK) return rc;
  if ((rc = check_channels(n, "evonorm_b0", what)) != LN_OK) return rc;
  if (!(n->attr[1] > 0) || !(n->attr[0] >= 0 && n->attr[0] <= 1))
    return ln_seterr(LN_EARG, "evonorm_b0: momentum %g must be in [0, 1] and "
                     "eps %g positive", n->attr[0], n->attr[1]);
  ln_set_shape(n, LN_F32, x->ndim, x->dim);
  return LN_OK;
}

/* saved: batch mean and std per channel, instance mean and std per
** (sample, channel) */
static void evonorm_b0_scratch (const ln_node *n, size_t *saved, size_t *work) {
  ln_chgeom g = ln_ch_geom(n->in[0]);
  *saved = (2 * (size_t)g.C + 2 * g.N * (size_t)g.C) * sizeof(float);
  *work = 0;
}

/* the B0 denominator; 'b > a' picks the instance branch (forward and
** backward call this one function, so they agree on the branch) */
static float b0_den (float x, float v, float s, float a, int *inst) {
  float b = v * x + s;
  *inst = b > a;
  return *inst ? b : a;
}

static void evonorm_b0_forward (ln_node *n, ln_ctx *c) {
  ln_chgeom g = ln_ch_geom(n->in[0]);
  const float *x = n->in[0]->x, *gam = n->in[1]->x, *bet = n->in[2]->x;
  const float *v1 = n->in[3]->x;
  float *rv = n->in[4]->x, *bmu = n->saved, *bstd = bmu + g.C;
  float *imu = bstd + g.C, *istd = imu + g.N * (size_t)g.C;
  double mom = n->attr[0], eps = n->attr[1];
  int ch;
  #pragma omp parallel for schedule(static) if (ln_numel(n) > LN_PAR_MIN)
  for (ch = 0; ch < g.C; ch++) {
    double mean = 0, var;
    float a, v = v1[ch];
    size_t i, j;
    if (c->training) {
      ln_channel_stats(x, &g, ch, 0, g.N, &mean, &var);
      rv[ch] = (float)((1 - mom) * rv[ch] + mom * var);
    } else var = rv[ch];
    bmu[ch] = (float)mean;
    bstd[ch] = a = (float)sqrt(var + eps);
    for (i = 0; i < g.N; i++) {
      size_t at = (i * g.C + ch) * g.hw, nc = i * g.C + ch;
      const float *p = x + at;
      float *y = n->x + at, s;
      double sm = 0, ss = 0, m;
      for (j = 0; j < g.hw; j++) sm += p[j];
      m = g.hw ? sm / (double)g.hw : 0;
      for (j = 0; j < g.hw; j++) ss += (p[j] - m) * (p[j] - m);
      s = (float)sqrt((g.hw ? ss / (double)g.hw : 0) + eps);
      imu[nc] = (float)m;
      istd[nc] = s;
      for (j = 0; j < g.hw; j++) {
        int inst;
        y[j] = p[j] / b0_den(p[j], v, s, a, &inst) * gam[ch] + bet[ch];
      }
    }
  }
}

/*
** With u = dy gamma, d the denominator and q = -u x / d^2 (dL/dd): where
** the batch branch wins, q flows to a = sqrt(var_b + eps) (training
** only), da/dx = (x - mean_b) / (a N H W); where the instance branch
** wins, q flows to v1 (times x), to x directly (times v1) and to
** s = sqrt(var_i + eps), ds/dx = (x - mean_i) / (s H W).
*/
static void evonorm_b0_backward (ln_node *n, ln_ctx *c) {
  ln_chgeom g = ln_ch_geom(n->in[0]);
  const float *x = n->in[0]->x, *gam = n->in[1]->x, *v1 = n->in[3]->x;
  const float *bmu = n->saved, *bstd = bmu + g.C, *imu = bstd + g.C;
  const float *istd = imu + g.N * (size_t)g.C;
  float *dx = n->in[0]->g, *dgam = n->in[1]->g, *dbet = n->in[2]->g;
  float *dv1 = n->in[3]->g;
  int ch;
  #pragma omp parallel for schedule(static) if (ln_numel(n) > LN_PAR_MIN)
  for (ch = 0; ch < g.C; ch++) {
    float v = v1[ch], ga = gam[ch], a = bstd[ch];
    double qa = 0, sv = 0, sg = 0, sb = 0;
    size_t i, j;
    for (i = 0; i < g.N; i++) {
      size_t at = (i * g.C + ch) * g.hw, nc = i * g.C + ch;
      const float *p = x + at, *dy = n->g + at;
      float *o = dx ? dx + at : NULL, s = istd[nc];
      double qs = 0;
      for (j = 0; j < g.hw; j++) {
        int inst;
        float d = b0_den(p[j], v, s, a, &inst), u = dy[j] * ga;
        float q = -u * (p[j] / d) / d;
        sg += dy[j] * (p[j] / d);
        sb += dy[j];
        if (inst) {
          qs += q;
          sv += q * p[j];
          if (o) o[j] += u / d + q * v;
        } else {
          qa += q;
          if (o) o[j] += u / d;
        }
      }
      if (o && qs != 0 && g.hw) {
        float k = (float)(qs / (s * (double)g.hw)), m = imu[nc];
        for (j = 0; j < g.hw; j++) o[j] += k * (p[j] - m);
      }
    }
    if (dx && c->training && qa != 0) {
      float k = (float)(qa / (a * (double)(g.N * g.hw))), m = bmu[ch];
      for (i = 0; i < g.N; i++) {
        size_t at = (i * g.C + ch) * g.hw;
        for (j = 0; j < g.hw; j++) dx[at + j] += k * (x[at + j] - m);
      }
    }
    if (dgam) dgam[ch] += (float)sg;
    if (dbet) dbet[ch] += (float)sb;
    if (dv1) dv1[ch] += (float)sv;
  }
}

static int evonorm_s0_shape (ln_node *n) {
  static const char *const what[] = {"input", "gamma", "beta", "v1"};
  const ln_node *x = n->in[0];
  int rc, G;
  if ((rc = check_nc(n, 2)) != LN_OK) return rc;
  if ((rc = check_channels(n, "evonorm_s0", what)) != LN_OK) return rc;
  G = groups_of(x->dim[1], n->attr[0]);
  if (n->attr[0] < 0 || x->dim[1] % G != 0)
    return ln_seterr(LN_ESHAPE, "evonorm_s0: %g groups do not divide the %d "
                     "channels of input %s", n->attr[0], x->dim[1],
                     ln_node_shape(x));
  if (!(n->attr[1] > 0))
    return ln_seterr(LN_EARG, "evonorm_s0: eps %g must be positive", n->attr[1]);
  ln_set_shape(n, LN_F32, x->ndim, x->dim);
  return LN_OK;
}

/* saved: mean and std per (sample, group); work: the sigmoids of
** backward, then three parameter sums per (sample, channel) */
static void evonorm_s0_scratch (const ln_node *n, size_t *saved, size_t *work) {
  rgeom g = geom_gn(n);
  rows_scratch(&g, saved, work);
  *work = (ln_numel(n) * sizeof(float) + 7) / 8 * 8 +
          3 * (size_t)n->in[0]->dim[0] * (size_t)n->in[0]->dim[1] * sizeof(double);
}

static void evonorm_s0_forward (ln_node *n, ln_ctx *c) {
  rgeom g = geom_gn(n);
  const float *x = n->in[0]->x, *gam = n->in[1]->x, *bet = n->in[2]->x;
  const float *v1 = n->in[3]->x;
  float *mu = n->saved, *sd = mu + g.rows;
  double eps = n->attr[1];
  size_t r;
  (void)c;
  #pragma omp parallel for schedule(static) if (ln_numel(n) > LN_PAR_MIN)
  for (r = 0; r < g.rows; r++) {
    const float *p = x + r * g.len;
    float *y = n->x + r * g.len, s;
    size_t j, q, h, c0 = (r % (size_t)g.G) * g.cpg;
    double sm = 0, ss = 0, m;
    for (j = 0; j < g.len; j++) sm += p[j];
    m = g.len ? sm / (double)g.len : 0;
    for (j = 0; j < g.len; j++) ss += (p[j] - m) * (p[j] - m);
    s = (float)sqrt((g.len ? ss / (double)g.len : 0) + eps);
    mu[r] = (float)m;
    sd[r] = s;
    for (q = 0; q < g.cpg; q++) {
      float v = v1[c0 + q], k = gam[c0 + q] / s, b = bet[c0 + q];
      const float *pq = p + q * g.hw;
      float *yq = y + q * g.hw;
      for (h = 0; h < g.hw; h++) yq[h] = pq[h] * ln_sigmoidf(v * pq[h]) * k + b;
    }
  }
}

/*
** num = x sigmoid(v1 x), y = num / s gamma + beta. Per (sample, group):
** with u = dy gamma, dL/ds = -sum u num / s^2 and ds/dx = (x - mean) /
** (s M), M the group size; dnum/dx = sig + v1 x sig (1 - sig),
** dnum/dv1 = x^2 sig (1 - sig). One pass per row keeps the sigmoids in
** work and the parameter sums per (sample, channel), added up per channel
** afterwards in sample order.
*/
static void evonorm_s0_backward (ln_node *n, ln_ctx *c) {
  rgeom g = geom_gn(n);
  const float *x = n->in[0]->x, *gam = n->in[1]->x, *v1 = n->in[3]->x;
  const float *mu = n->saved, *sd = mu + g.rows;
  float *dx = n->in[0]->g, *dgam = n->in[1]->g, *dbet = n->in[2]->g;
  float *dv1 = n->in[3]->g, *sig = c->work;
  size_t r, N = (size_t)n->in[0]->dim[0], C = (size_t)n->in[0]->dim[1];
  double *part = (double *)(void *)((char *)c->work + (ln_numel(n) * sizeof(float) + 7) / 8 * 8);
  int ch;
  #pragma omp parallel for schedule(static) if (ln_numel(n) > LN_PAR_MIN)
  for (r = 0; r < g.rows; r++) {
    size_t at = r * g.len, q, h, c0 = (r % (size_t)g.G) * g.cpg;
    size_t pc = (r / (size_t)g.G) * C + c0;   /* (sample, first channel) */
    float s = sd[r], m = mu[r], k;
    double gs = 0;
    for (q = 0; q < g.cpg; q++) {
      float v = v1[c0 + q], ga = gam[c0 + q];
      const float *p = x + at + q * g.hw, *dy = n->g + at + q * g.hw;
      float *sg = sig + at + q * g.hw;
      double pg = 0, pb = 0, pv = 0;
      for (h = 0; h < g.hw; h++) {
        float e = ln_sigmoidf(v * p[h]);
        sg[h] = e;
        gs += dy[h] * ga * (p[h] * e);
        pg += dy[h] * (p[h] * e);
        pb += dy[h];
        pv += dy[h] * p[h] * p[h] * e * (1 - e);
      }
      part[3 * (pc + q)] = pg / s;
      part[3 * (pc + q) + 1] = pb;
      part[3 * (pc + q) + 2] = pv * ga / s;
    }
    if (dx == NULL) continue;
    k = g.len ? (float)(-gs / ((double)s * s * s * (double)g.len)) : 0;
    for (q = 0; q < g.cpg; q++) {
      float v = v1[c0 + q], gs_ = gam[c0 + q] / s;
      const float *p = x + at + q * g.hw, *dy = n->g + at + q * g.hw;
      const float *sg = sig + at + q * g.hw;
      float *o = dx + at + q * g.hw;
      for (h = 0; h < g.hw; h++)
        o[h] += dy[h] * gs_ * (sg[h] + v * p[h] * sg[h] * (1 - sg[h])) + k * (p[h] - m);
    }
  }
  for (ch = 0; ch < (int)C; ch++) {
    double sg = 0, sb = 0, sv = 0;
    size_t i;
    for (i = 0; i < N; i++) {
      const double *pp = part + 3 * (i * C + (size_t)ch);
      sg += pp[0];
      sb += pp[1];
      sv += pp[2];
    }
    if (dgam) dgam[ch] += (float)sg;
    if (dbet) dbet[ch] += (float)sb;
    if (dv1) dv1[ch] += (float)sv;
  }
}

/* }====== */

/* {====== film ====== */

/*
** Perez et al. 2017, FiLM (arXiv:1709.07871): y[n, c, ...] = gamma[n, c]
** x[n, c, ...] + beta[n, c]; gamma and beta come from a conditioning
** input (e.g. a linear map of z), one pair per sample and channel.
*/
static int film_shape (ln_node *n) {
  const ln_node *x = n->in[0];
  int k, rc;
  if ((rc = check_nc(n, 2)) != LN_OK) return rc;
  for (k = 1; k < n->n_in; k++) {
    const ln_node *p = n->in[k];
    if (p->dtype != LN_F32 || p->ndim != 2 || p->dim[0] != x->dim[0] ||
        p->dim[1] != x->dim[1])
      return ln_seterr(LN_ESHAPE, "film: %s %s does not fit input %s (want "
                       "float32 [N, C] = [%d, %d])", affine_what[k],
                       ln_node_shape(p), ln_node_shape(x), x->dim[0],
                       x->dim[1]);
  }
  ln_set_shape(n, LN_F32, x->ndim, x->dim);
  return LN_OK;
}

static void film_forward (ln_node *n, ln_ctx *c) {
  ln_chgeom g = ln_ch_geom(n->in[0]);
  const float *x = n->in[0]->x, *gam = n->in[1]->x;
  const float *bet = n->n_in > 2 ? n->in[2]->x : NULL;
  size_t i, nc = g.N * (size_t)g.C;
  (void)c;
  #pragma omp parallel for schedule(static) if (ln_numel(n) > LN_PAR_MIN)
  for (i = 0; i < nc; i++) {
    const float *p = x + i * g.hw;
    float *y = n->x + i * g.hw, k = gam[i], b = bet ? bet[i] : 0;
    size_t j;
    for (j = 0; j < g.hw; j++) y[j] = k * p[j] + b;
  }
}

static void film_backward (ln_node *n, ln_ctx *c) {
  ln_chgeom g = ln_ch_geom(n->in[0]);
  const float *x = n->in[0]->x, *gam = n->in[1]->x;
  float *dx = n->in[0]->g, *dgam = n->in[1]->g;
  float *dbet = n->n_in > 2 ? n->in[2]->g : NULL;
  size_t i, nc = g.N * (size_t)g.C;
  (void)c;
  #pragma omp parallel for schedule(static) if (ln_numel(n) > LN_PAR_MIN)
  for (i = 0; i < nc; i++) {
    const float *p = x + i * g.hw, *dy = n->g + i * g.hw;
    double sg = 0, sb = 0;
    size_t j;
    if (dx)
      for (j = 0; j < g.hw; j++) dx[i * g.hw + j] += dy[j] * gam[i];
    for (j = 0; j < g.hw; j++) {
      sg += dy[j] * p[j];
      sb += dy[j];
    }
    if (dgam) dgam[i] += (float)sg;
    if (dbet) dbet[i] += (float)sb;
  }
}

/* }====== */

const ln_opdesc ln_ops_norm[] = {
  {.name = "batch_norm", .min_in = 5, .max_in = 5,
   .attrs = "momentum=0.1,eps=1e-5,ghost=0",
   .shape = batch_norm_shape, .scratch = batch_norm_scratch,
   .forward = batch_norm_forward, .backward = batch_norm_backward,
   .flags = LN_F_SAVE_IN,
   .doc = "y = (x - mean) / sqrt(var + eps) * gamma + beta, per channel; "
          "ghost = S > 0: statistics per run of S samples in training"},
  {.name = "layer_norm", .min_in = 1, .max_in = 3, .attrs = "dims=1,eps=1e-5",
   .shape = last_dims_shape, .scratch = last_dims_scratch,
   .forward = layer_norm_forward, .backward = layer_norm_backward,
   .flags = LN_F_SAVE_IN,
   .doc = "y = (x - mean) / sqrt(var + eps) * gamma + beta over the last "
          "'dims' dims (biased var); gamma, beta optional, shaped as those dims",
   .paper = "Ba, Kiros, Hinton 2016, Layer Normalization, arXiv:1607.06450"},
  {.name = "rms_norm", .min_in = 1, .max_in = 2, .attrs = "dims=1,eps=1e-6",
   .shape = last_dims_shape, .scratch = last_dims_scratch,
   .forward = rms_norm_forward, .backward = rms_norm_backward,
   .flags = LN_F_SAVE_IN,
   .doc = "y = x / sqrt(mean(x^2) + eps) * gamma over the last 'dims' dims; "
          "gamma optional",
   .paper = "Zhang, Sennrich 2019, Root Mean Square Layer Normalization, "
            "arXiv:1910.07467"},
  {.name = "group_norm", .min_in = 1, .max_in = 3, .attrs = "groups=0,eps=1e-5",
   .shape = group_norm_shape, .scratch = group_norm_scratch,
   .forward = group_norm_forward, .backward = group_norm_backward,
   .flags = LN_F_SAVE_IN,
   .doc = "x [N, C, *]: (x - mean) / sqrt(var + eps) over (C/G, *) per "
          "sample, * gamma[c] + beta[c] (optional); groups 0: 32 or the "
          "largest divisor of C below",
   .paper = "Wu, He 2018, Group Normalization, arXiv:1803.08494"},
  {.name = "instance_norm", .min_in = 1, .max_in = 3, .attrs = "eps=1e-5",
   .shape = instance_norm_shape, .scratch = instance_norm_scratch,
   .forward = instance_norm_forward, .backward = instance_norm_backward,
   .flags = LN_F_SAVE_IN,
   .doc = "x [N, C, *]: (x - mean) / sqrt(var + eps) over * per sample and "
          "channel, * gamma[c] + beta[c] (optional); no running statistics",
   .paper = "Ulyanov, Vedaldi, Lempitsky 2016, Instance Normalization: The "
            "Missing Ingredient for Fast Stylization, arXiv:1607.08022"},
  {.name = "evonorm_b0", .min_in = 5, .max_in = 5,
   .attrs = "momentum=0.1,eps=1e-5",
   .shape = evonorm_b0_shape, .scratch = evonorm_b0_scratch,
   .forward = evonorm_b0_forward, .backward = evonorm_b0_backward,
   .flags = LN_F_SAVE_IN,
   .doc = "inputs x [N, C, *], gamma, beta, v1, running_var [C]: y = x / "
          "max(sqrt(var_NHW + eps), v1 x + sqrt(var_HW + eps)) * gamma + beta; "
          "eval uses running_var for var_NHW",
   .paper = "Liu, Brock, Simonyan, Le 2020, Evolving Normalization-Activation "
            "Layers, arXiv:2004.02967"},
  {.name = "evonorm_s0", .min_in = 4, .max_in = 4, .attrs = "groups=0,eps=1e-5",
   .shape = evonorm_s0_shape, .scratch = evonorm_s0_scratch,
   .forward = evonorm_s0_forward, .backward = evonorm_s0_backward,
   .flags = LN_F_SAVE_IN,
   .doc = "inputs x [N, C, *], gamma, beta, v1 [C]: y = x sigmoid(v1 x) / "
          "sqrt(var_group + eps) * gamma + beta, var over (C/G, *) per sample",
   .paper = "Liu, Brock, Simonyan, Le 2020, Evolving Normalization-Activation "
            "Layers, arXiv:2004.02967"},
  {.name = "film", .min_in = 2, .max_in = 3, .attrs = "",
   .shape = film_shape, .forward = film_forward, .backward = film_backward,
   .flags = LN_F_SAVE_IN,
   .doc = "x [N, C, *], gamma [N, C], beta [N, C] (optional): y = gamma * x "
          "+ beta, broadcast over *",
   .paper = "Perez, Strub, de Vries, Dumoulin, Courville 2017, FiLM: Visual "
            "Reasoning with a General Conditioning Layer, arXiv:1709.07871"},
  {0}
};
