/*
** norm.c -- normalisation ops: batch_norm over [N, C] or [N, C, H, W].
*/
#include <math.h>
#include <string.h>
#include "ln_internal.h"

/* channels, positions per channel in one sample, samples */
typedef struct bgeom { int C; size_t hw, N; } bgeom;

static bgeom bn_geom (const ln_node *n) {
  const ln_node *x = n->in[0];
  bgeom g;
  g.N = (size_t)x->dim[0];
  g.C = x->dim[1];
  g.hw = x->ndim == 4 ? (size_t)x->dim[2] * x->dim[3] : 1;
  return g;
}

static int batch_norm_shape (ln_node *n) {
  static const char *const what[] = {"input", "gamma", "beta", "running_mean",
                                      "running_var"};
  const ln_node *x = n->in[0];
  int k;
  for (k = 0; k < 5; k++)
    if (n->in[k]->dtype != LN_F32)
      return ln_seterr(LN_EARG, "batch_norm: %s must be float32", what[k]);
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
  ln_set_shape(n, LN_F32, x->ndim, x->dim);
  return LN_OK;
}

/* saved: the mean and inverse std used per channel */
static void batch_norm_scratch (const ln_node *n, size_t *saved, size_t *work) {
  *saved = 2 * (size_t)n->in[0]->dim[1] * sizeof(float);
  *work = 0;
}

/* batch mean and biased variance of channel 'ch' (two passes) */
static void channel_stats (const float *x, const bgeom *g, int ch,
                           double *mean, double *var) {
  size_t i, j, cnt = g->N * g->hw;
  double s = 0, ss = 0;
  for (i = 0; i < g->N; i++) {
    const float *p = x + (i * g->C + ch) * g->hw;
    #pragma omp simd reduction(+:s)
    for (j = 0; j < g->hw; j++) s += p[j];
  }
  *mean = cnt ? s / cnt : 0;
  for (i = 0; i < g->N; i++) {
    const float *p = x + (i * g->C + ch) * g->hw;
    double m = *mean;
    #pragma omp simd reduction(+:ss)
    for (j = 0; j < g->hw; j++) ss += (p[j] - m) * (p[j] - m);
  }
  *var = cnt ? ss / cnt : 0;
}

/*
** Training: normalise by batch statistics and move the running ones
** (in[3], in[4]) towards them, the variance unbiased; eval: use the
** running statistics.
*/
static void batch_norm_forward (ln_node *n, ln_ctx *c) {
  bgeom g = bn_geom(n);
  const float *x = n->in[0]->x, *gam = n->in[1]->x, *bet = n->in[2]->x;
  float *rm = n->in[3]->x, *rv = n->in[4]->x, *mu = n->saved, *istd = mu + g.C;
  double mom = n->attr[0], eps = n->attr[1];
  size_t cnt = g.N * g.hw;
  int ch;
  #pragma omp parallel for schedule(static) if (ln_numel(n) > LN_PAR_MIN)
  for (ch = 0; ch < g.C; ch++) {
    double mean, var;
    float a, b;
    size_t i, j;
    if (c->training) {
      channel_stats(x, &g, ch, &mean, &var);
      rm[ch] = (float)((1 - mom) * rm[ch] + mom * mean);
      rv[ch] = (float)((1 - mom) * rv[ch] +
                       mom * (cnt > 1 ? var * cnt / (cnt - 1) : var));
    } else {
      mean = rm[ch];
      var = rv[ch];
    }
    mu[ch] = (float)mean;
    istd[ch] = (float)(1 / sqrt(var + eps));
    a = istd[ch] * gam[ch];
    b = bet[ch] - mu[ch] * a;
    for (i = 0; i < g.N; i++) {
      const float *p = x + (i * g.C + ch) * g.hw;
      float *y = n->x + (i * g.C + ch) * g.hw;
      for (j = 0; j < g.hw; j++) y[j] = p[j] * a + b;
    }
  }
}

/*
** With xh = (x - mean) istd: dbeta = sum dy, dgamma = sum dy xh; training
** dx = gamma istd / m (m dy - dbeta - xh dgamma), eval dx = gamma istd dy.
*/
static void batch_norm_backward (ln_node *n, ln_ctx *c) {
  bgeom g = bn_geom(n);
  const float *x = n->in[0]->x, *gam = n->in[1]->x, *mu = n->saved;
  const float *istd = mu + g.C;
  float *dx = n->in[0]->g, *dgam = n->in[1]->g, *dbet = n->in[2]->g;
  size_t cnt = g.N * g.hw;
  int ch;
  #pragma omp parallel for schedule(static) if (ln_numel(n) > LN_PAR_MIN)
  for (ch = 0; ch < g.C; ch++) {
    double sdy = 0, sdyx = 0;
    size_t i, j;
    for (i = 0; i < g.N; i++) {
      size_t at = (i * g.C + ch) * g.hw;
      const float *p = x + at, *dy = n->g + at;
      float m = mu[ch];
      #pragma omp simd reduction(+:sdy, sdyx)
      for (j = 0; j < g.hw; j++) {
        sdy += dy[j];
        sdyx += dy[j] * (p[j] - m);
      }
    }
    sdyx *= istd[ch];
    if (dgam) dgam[ch] += (float)sdyx;
    if (dbet) dbet[ch] += (float)sdy;
    if (dx == NULL) continue;
    for (i = 0; i < g.N; i++) {
      size_t at = (i * g.C + ch) * g.hw;
      const float *p = x + at, *dy = n->g + at;
      float *d = dx + at, k = gam[ch] * istd[ch];
      if (c->training) {
        float mdy = (float)(sdy / cnt), mdyx = (float)(sdyx / cnt);
        for (j = 0; j < g.hw; j++)
          d[j] += k * (dy[j] - mdy - (p[j] - mu[ch]) * istd[ch] * mdyx);
      } else
        for (j = 0; j < g.hw; j++) d[j] += k * dy[j];
    }
  }
}

const ln_opdesc ln_ops_norm[] = {
  {.name = "batch_norm", .min_in = 5, .max_in = 5,
   .attrs = "momentum=0.1,eps=1e-5",
   .shape = batch_norm_shape, .scratch = batch_norm_scratch,
   .forward = batch_norm_forward, .backward = batch_norm_backward,
   .flags = LN_F_SAVE_IN,
   .doc = "y = (x - mean) / sqrt(var + eps) * gamma + beta, per channel"},
  {0}
};
