/*
** ln_optim.c -- optimizers as C kernels: SGD (momentum, Nesterov, weight
** decay), Adam, AdamW, RMSprop, with the update rules of PyTorch's
** torch.optim so results can be compared.
**
** A step is one pass over all parameters: the parameters' elements are cut
** into fixed blocks (made once, with the optimizer), one parallel loop
** runs over every block of every parameter, and each element is read and
** written once -- the update, and the gradient's sum of squares for the
** norm the step reports. The norm is the blocks' partial sums added in
** block order: the same bits whatever the thread count. Clipping needs the
** norm before the update: a norm pass first, then the update pass scales
** the gradient as it reads it.
**
** The configuration's fields are named once, in 'fields' below: the
** binding, the model file and the docs read that table.
*/
#include <math.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include "ln_internal.h"
#include "ln_vmath.h"

const char *const ln_opt_names[] = {"sgd", "adam", "adamw", "rmsprop", NULL};

#define BLOCK 8192   /* elements per block of the step's loop */

typedef struct oblock { int k; long start, len; } oblock;

struct ln_optim {
  ln_optkind kind;
  ln_optconf conf;
  long t;                 /* steps taken */
  int n_params;
  ln_node **params;       /* trainable parameters of the model */
  int n_state;            /* state tensors per parameter */
  ln_tensor **state;      /* state[k * n_state + s] */
  long n_blocks;          /* the step's work: blocks of parameters */
  oblock *blocks;
  double *part;           /* per block: gradient sum of squares */
};

static const int n_states[LN_OPT_COUNT] = {1, 2, 2, 2};   /* ORDER OPT */

/* {====== The configuration's fields, named once ======
** The binding (options by name), the model file (stored by name) and the
** docs read this table; a new hyperparameter is one row here and one
** field of ln_optconf. Defaults are PyTorch's torch.optim ones, except
** lr, which PyTorch's SGD requires and whose RMSprop default is 1e-2. */

#define KS   (1u << LN_OPT_SGD)
#define KA   (1u << LN_OPT_ADAM)
#define KW   (1u << LN_OPT_ADAMW)
#define KR   (1u << LN_OPT_RMSPROP)
#define KALL (KS | KA | KW | KR)
#define F(f) offsetof(ln_optconf, f)

static const ln_optfield fields[] = {
  /* name, type, offset, used by, defaults {sgd, adam, adamw, rmsprop}, doc */
  {"lr", LN_OPTF_NUMBER, F(lr), KALL, {0.01, 1e-3, 1e-3, 1e-3}, "learning rate"},
  {"momentum", LN_OPTF_NUMBER, F(momentum), KS | KR, {0, 0, 0, 0}, "momentum factor"},
  {"dampening", LN_OPTF_NUMBER, F(dampening), KS, {0, 0, 0, 0},
   "momentum buffer takes (1 - dampening) of the gradient"},
  {"nesterov", LN_OPTF_BOOL, F(nesterov), KS, {0, 0, 0, 0},
   "Nesterov momentum (needs momentum > 0, dampening 0)"},
  {"weight_decay", LN_OPTF_NUMBER, F(weight_decay), KALL, {0, 0, 0.01, 0},
   "L2 penalty added to the gradient; AdamW: decoupled, p -= lr * wd * p"},
  {"beta1", LN_OPTF_NUMBER, F(beta1), KA | KW, {0.9, 0.9, 0.9, 0.9},
   "decay of the first moment (betas[1])"},
  {"beta2", LN_OPTF_NUMBER, F(beta2), KA | KW, {0.999, 0.999, 0.999, 0.999},
   "decay of the second moment (betas[2])"},
  {"alpha", LN_OPTF_NUMBER, F(alpha), KR, {0.99, 0.99, 0.99, 0.99},
   "smoothing of the squared-gradient average"},
  {"eps", LN_OPTF_NUMBER, F(eps), KA | KW | KR, {1e-8, 1e-8, 1e-8, 1e-8},
   "added to the denominator"},
  {"clip_norm", LN_OPTF_NUMBER, F(clip_norm), KALL, {0, 0, 0, 0},
   "> 0: scale the gradients to this global L2 norm first"},
};

#undef F
#undef KALL
#undef KS
#undef KA
#undef KW
#undef KR

#define N_FIELDS ((int)(sizeof(fields) / sizeof(fields[0])))

const ln_optfield *ln_optconf_field (int k) {
  return k >= 0 && k < N_FIELDS ? &fields[k] : NULL;
}

int ln_optconf_find (const char *name) {
  int k;
  for (k = 0; k < N_FIELDS; k++) if (strcmp(fields[k].name, name) == 0) return k;
  return -1;
}

double ln_optconf_get (const ln_optconf *c, int k) {
  const char *p = (const char *)c + fields[k].offset;
  if (fields[k].type == LN_OPTF_BOOL) return *(const int *)(const void *)p;
  return *(const double *)(const void *)p;
}

void ln_optconf_set (ln_optconf *c, int k, double v) {
  char *p = (char *)c + fields[k].offset;
  if (fields[k].type == LN_OPTF_BOOL) *(int *)(void *)p = v != 0;
  else *(double *)(void *)p = v;
}

void ln_optconf_defaults (ln_optkind kind, ln_optconf *c) {
  int k;
  memset(c, 0, sizeof(*c));
  if ((int)kind < 0 || kind >= LN_OPT_COUNT) return;
  for (k = 0; k < N_FIELDS; k++) ln_optconf_set(c, k, fields[k].def[kind]);
}

/* }====== */

void ln_optim_free (ln_optim *o) {
  int i;
  if (o == NULL) return;
  for (i = 0; i < o->n_params * o->n_state; i++) ln_tensor_free(o->state[i]);
  free(o->state);
  free(o->params);
  free(o->blocks);
  free(o->part);
  free(o);
}

static int check_conf (const ln_optconf *c) {
  if (!(c->lr >= 0)) return ln_seterr(LN_EARG, "optim: lr must be >= 0, got %g", c->lr);
  if (!(c->momentum >= 0)) return ln_seterr(LN_EARG, "optim: momentum must be >= 0, got %g", c->momentum);
  if (!(c->weight_decay >= 0)) return ln_seterr(LN_EARG, "optim: weight_decay must be >= 0, got %g", c->weight_decay);
  if (!(c->beta1 >= 0 && c->beta1 < 1) || !(c->beta2 >= 0 && c->beta2 < 1))
    return ln_seterr(LN_EARG, "optim: betas must be in [0, 1), got %g, %g", c->beta1, c->beta2);
  if (!(c->eps >= 0)) return ln_seterr(LN_EARG, "optim: eps must be >= 0, got %g", c->eps);
  if (c->nesterov && (c->momentum <= 0 || c->dampening != 0))
    return ln_seterr(LN_EARG, "optim: nesterov needs momentum > 0 and dampening 0");
  return LN_OK;
}

/* cut every parameter into blocks of BLOCK elements (the last shorter) */
static int make_blocks (ln_optim *o) {
  long nb = 0, b = 0, j;
  int k;
  for (k = 0; k < o->n_params; k++) nb += ((long)o->params[k]->store->n + BLOCK - 1) / BLOCK;
  o->blocks = ln_calloc((size_t)nb + 1, sizeof(oblock));
  o->part = ln_calloc((size_t)nb + 1, sizeof(double));
  if (!o->blocks || !o->part) return LN_ENOMEM;
  for (k = 0; k < o->n_params; k++) {
    long len = (long)o->params[k]->store->n;
    for (j = 0; j < len; j += BLOCK) {
      o->blocks[b].k = k;
      o->blocks[b].start = j;
      o->blocks[b++].len = len - j < BLOCK ? len - j : BLOCK;
    }
  }
  o->n_blocks = nb;
  return LN_OK;
}

int ln_optim_new (ln_model *m, ln_optkind kind, const ln_optconf *c,
                  ln_optim **out) {
  ln_optim *o;
  int i, s, n, rc;
  ln_graph *g = ln_model_graph(m);
  *out = NULL;
  if ((int)kind < 0 || kind >= LN_OPT_COUNT)
    return ln_seterr(LN_EARG, "optim: unknown optimizer %d", (int)kind);
  if ((rc = check_conf(c)) != LN_OK) return rc;
  if ((o = ln_calloc(1, sizeof(*o))) == NULL) return LN_ENOMEM;
  o->kind = kind;
  o->conf = *c;
  o->n_state = n_states[kind];
  n = ln_model_params(m, NULL, 0);
  o->params = ln_calloc((size_t)n + 1, sizeof(ln_node *));
  o->state = ln_calloc((size_t)n * (size_t)o->n_state + 1, sizeof(ln_tensor *));
  if (!o->params || !o->state) { ln_optim_free(o); return LN_ENOMEM; }
  {
    int *ids = malloc(((size_t)n + 1) * sizeof(int));
    if (ids == NULL) { ln_optim_free(o); return ln_seterr(LN_ENOMEM, "optim: out of memory"); }
    ln_model_params(m, ids, n);
    for (i = 0; i < n; i++) o->params[i] = ln_graph_node(g, ids[i]);
    free(ids);
  }
  o->n_params = n;
  if ((rc = make_blocks(o)) != LN_OK) { ln_optim_free(o); return rc; }
  for (i = 0; i < n; i++)
    for (s = 0; s < o->n_state; s++) {
      ln_node *p = o->params[i];
      if ((o->state[i * o->n_state + s] = ln_tensor_new(LN_F32, p->ndim, p->dim)) == NULL) {
        ln_optim_free(o);
        return LN_ENOMEM;
      }
    }
  *out = o;
  return LN_OK;
}

ln_optconf *ln_optim_conf (ln_optim *o) { return &o->conf; }
ln_optkind ln_optim_kind (const ln_optim *o) { return o->kind; }
long ln_optim_steps (const ln_optim *o) { return o->t; }
void ln_optim_set_steps (ln_optim *o, long t) { o->t = t; }
int ln_optim_n_state (const ln_optim *o) { return o->n_state; }

int ln_optim_set_conf (ln_optim *o, const ln_optconf *c) {
  int rc = check_conf(c);
  if (rc == LN_OK) o->conf = *c;
  return rc;
}

/* the same parameters: as many, of the same names and sizes, in order */
static int same_params (const ln_optim *dst, const ln_optim *src) {
  int k;
  if (dst->n_params != src->n_params)
    return ln_seterr(LN_EARG, "optim: copy: %d parameters here, %d in the source",
                     dst->n_params, src->n_params);
  for (k = 0; k < dst->n_params; k++) {
    const ln_node *a = dst->params[k], *b = src->params[k];
    if (strcmp(a->name, b->name) != 0 || a->store->n != b->store->n)
      return ln_seterr(LN_EARG, "optim: copy: parameter %d is '%s' (%zu values) here, "
                       "'%s' (%zu values) in the source", k + 1, a->name, a->store->n,
                       b->name, b->store->n);
  }
  return LN_OK;
}

int ln_optim_copy (ln_optim *dst, const ln_optim *src) {
  int i, rc;
  if (dst->kind != src->kind)
    return ln_seterr(LN_EARG, "optim: copy: the source is %s, this optimizer %s",
                     ln_opt_names[src->kind], ln_opt_names[dst->kind]);
  if ((rc = same_params(dst, src)) != LN_OK) return rc;
  for (i = 0; i < dst->n_params * dst->n_state; i++)
    memcpy(dst->state[i]->data, src->state[i]->data, dst->state[i]->n * sizeof(float));
  dst->conf = src->conf;
  dst->t = src->t;
  return LN_OK;
}

ln_tensor *ln_optim_state (ln_optim *o, int k, int s) {
  if (k < 0 || k >= o->n_params || s < 0 || s >= o->n_state) return NULL;
  return o->state[k * o->n_state + s];
}

/* sum of squares of all gradients, in a fixed order (reproducible) */
static double grad_sumsq (ln_node **p, int n) {
  double s = 0;
  int k;
  for (k = 0; k < n; k++) {
    const float *g = p[k]->grad->data;
    size_t i, len = p[k]->grad->n;
    for (i = 0; i < len; i++) s += (double)g[i] * g[i];
  }
  return s;
}

static void scale_grads (ln_node **p, int n, float f) {
  int k;
  for (k = 0; k < n; k++) {
    float *g = p[k]->grad->data;
    size_t i, len = p[k]->grad->n;
    for (i = 0; i < len; i++) g[i] *= f;
  }
}

double ln_clip_grad_norm (ln_model *m, double max) {
  ln_graph *g = ln_model_graph(m);
  int n = ln_model_params(m, NULL, 0), k, *ids;
  ln_node **ps;
  double norm;
  if (n <= 0) return 0;
  ids = malloc((size_t)n * sizeof(int));
  ps = malloc((size_t)n * sizeof(ln_node *));
  if (ids == NULL || ps == NULL) {
    free(ids);
    free(ps);
    ln_seterr(LN_ENOMEM, "clip_grad_norm: out of memory for %d parameters", n);
    return -1;
  }
  ln_model_params(m, ids, n);
  for (k = 0; k < n; k++) ps[k] = ln_graph_node(g, ids[k]);
  free(ids);
  norm = sqrt(grad_sumsq(ps, n));
  if (max > 0 && norm > max) scale_grads(ps, n, (float)(max / (norm + 1e-6)));
  free(ps);
  return norm;
}

/* the constants of one step, computed once */
typedef struct ostep {
  float lr, wd, mu, damp, b1, b2, eps, alpha, step, rbc2, scale;
  int first, nest, decoupled, clip;   /* clip: scale != 1, written back */
} ostep;

/* {====== update kernels: one run of 'len' elements, gradient scaled by
** st->scale (clipping, written back), returns its sum of squares ====== */

LN_VEC static double sgd_run (const ostep *st, float *restrict p, float *restrict g,
                       float *restrict buf, long len) {
  double ss = 0;
  long i;
  for (i = 0; i < len; i++) {
    float gi = g[i] * st->scale, d;
    if (st->clip) g[i] = gi;
    ss += (double)gi * gi;
    d = gi + st->wd * p[i];
    if (st->mu != 0) {
      buf[i] = st->first ? d : st->mu * buf[i] + st->damp * d;
      d = st->nest ? d + st->mu * buf[i] : buf[i];
    }
    p[i] -= st->lr * d;
  }
  return ss;
}

LN_VEC static double adam_run (const ostep *st, float *restrict p, float *restrict g,
                        float *restrict m1, float *restrict m2, long len) {
  const float b1 = st->b1, b2 = st->b2, c1 = 1 - st->b1, c2 = 1 - st->b2;
  const float step = st->step, rbc2 = st->rbc2, eps = st->eps, scale = st->scale;
  const float wd = st->decoupled ? 0 : st->wd, dk = st->decoupled ? 1 - st->lr * st->wd : 1;
  float ss = 0;
  long i;
  if (st->clip)   /* the clipped gradient is what the step reports */
    for (i = 0; i < len; i++) g[i] *= scale;
  #pragma omp simd reduction(+:ss)
  for (i = 0; i < len; i++) {
    float d = g[i], pi = p[i] * dk, a, b;
    ss += d * d;
    d += wd * pi;
    a = b1 * m1[i] + c1 * d;
    b = b2 * m2[i] + c2 * d * d;
    m1[i] = a;
    m2[i] = b;
    p[i] = pi - step * a / (sqrtf(b) * rbc2 + eps);
  }
  return ss;
}

LN_VEC static double rmsprop_run (const ostep *st, float *restrict p, float *restrict g,
                           float *restrict sq, float *restrict buf, long len) {
  double ss = 0;
  long i;
  for (i = 0; i < len; i++) {
    float gi = g[i] * st->scale, d, avg;
    if (st->clip) g[i] = gi;
    ss += (double)gi * gi;
    d = gi + st->wd * p[i];
    sq[i] = st->alpha * sq[i] + (1 - st->alpha) * d * d;
    avg = sqrtf(sq[i]) + st->eps;
    if (st->mu > 0) { buf[i] = st->mu * buf[i] + d / avg; p[i] -= st->lr * buf[i]; }
    else p[i] -= st->lr * d / avg;
  }
  return ss;
}

/* }====== */

static ostep step_consts (const ln_optim *o, float scale) {
  const ln_optconf *c = &o->conf;
  double t = (double)(o->t + 1);
  ostep st;
  memset(&st, 0, sizeof(st));
  st.lr = (float)c->lr;
  st.wd = (float)c->weight_decay;
  st.mu = (float)c->momentum;
  st.damp = (float)(1 - c->dampening);
  st.first = o->t == 0;
  st.nest = c->nesterov;
  st.b1 = (float)c->beta1;
  st.b2 = (float)c->beta2;
  st.eps = (float)c->eps;
  st.alpha = (float)c->alpha;
  st.step = (float)(c->lr / (1 - pow(c->beta1, t)));
  st.rbc2 = (float)(1 / sqrt(1 - pow(c->beta2, t)));
  st.decoupled = o->kind == LN_OPT_ADAMW;
  st.scale = scale;
  st.clip = scale != 1;
  return st;
}

/* the blocks' partial sums, in block order */
static double sum_parts (const ln_optim *o) {
  double s = 0;
  long b;
  for (b = 0; b < o->n_blocks; b++) s += o->part[b];
  return s;
}

/* gradient sum of squares by blocks (for clipping, before the update) */
static double grad_sumsq_blocks (ln_optim *o) {
  long b;
  #pragma omp parallel for schedule(static) if (o->n_blocks > 4)
  for (b = 0; b < o->n_blocks; b++) {
    const oblock *bl = &o->blocks[b];
    const float *g = (const float *)o->params[bl->k]->grad->data + bl->start;
    double s = 0;
    long i;
    #pragma omp simd reduction(+:s)
    for (i = 0; i < bl->len; i++) s += (double)g[i] * g[i];
    o->part[b] = s;
  }
  return sum_parts(o);
}

int ln_optim_step (ln_optim *o, double *gnorm) {
  int ns = o->n_state;
  long b;
  double norm = 0;
  float scale = 1;
  ostep st;
  if (o->conf.clip_norm > 0) {
    norm = sqrt(grad_sumsq_blocks(o));
    if (norm > o->conf.clip_norm) scale = (float)(o->conf.clip_norm / (norm + 1e-6));
  }
  st = step_consts(o, scale);
  #pragma omp parallel for schedule(static) if (o->n_blocks > 4)
  for (b = 0; b < o->n_blocks; b++) {
    const oblock *bl = &o->blocks[b];
    ln_node *pn = o->params[bl->k];
    float *p = (float *)pn->store->data + bl->start;
    float *g = (float *)pn->grad->data + bl->start;
    float *s0 = (float *)o->state[bl->k * ns]->data + bl->start;
    float *s1 = ns > 1 ? (float *)o->state[bl->k * ns + 1]->data + bl->start : NULL;
    double ss = 0;
    switch (o->kind) {
      case LN_OPT_SGD: ss = sgd_run(&st, p, g, s0, bl->len); break;
      case LN_OPT_ADAM: case LN_OPT_ADAMW: ss = adam_run(&st, p, g, s0, s1, bl->len); break;
      case LN_OPT_RMSPROP: ss = rmsprop_run(&st, p, g, s0, s1, bl->len); break;
      default: break;
    }
    o->part[b] = ss;
  }
  if (o->conf.clip_norm <= 0) norm = sqrt(sum_parts(o));   /* this pass's */
  if (gnorm) *gnorm = norm;
  o->t++;
  ln_params_changed();
  return LN_OK;
}

/*
** ⊥Grad (Prieto, Barsbey, Mediano, Birdal 2025, "Grokking at the Edge of
** Numerical Stability", arXiv:2501.04697, section 5): per parameter tensor
** w with gradient g, g <- g - (g.w / w.w) w, removing the component along
** w (the naive loss minimisation direction that only scales the logits)
** before the optimizer's update. 'renorm' then rescales g to its norm
** before the projection, as the authors' orthograd.py does (the paper's
** equation has no rescaling). Tensors with w.w = 0 are left alone. Dots
** in double, in element order: reproducible.
*/
double ln_orthograd (ln_model *m, int renorm) {
  ln_graph *g = ln_model_graph(m);
  int k, n = ln_model_params(m, NULL, 0), *ids;
  double worst = 0;
  if (n <= 0 || (ids = malloc((size_t)n * sizeof(int))) == NULL) return 0;
  ln_model_params(m, ids, n);
  for (k = 0; k < n; k++) {
    ln_node *p = ln_graph_node(g, ids[k]);
    const float *w;
    float *gr, a;
    size_t i, len;
    double ww = 0, gw = 0, gg = 0, go = 0;
    if (p == NULL || p->grad == NULL || p->store == NULL) continue;
    w = p->store->data;
    gr = p->grad->data;
    len = p->store->n;
    for (i = 0; i < len; i++) {
      ww += (double)w[i] * w[i];
      gw += (double)gr[i] * w[i];
      gg += (double)gr[i] * gr[i];
    }
    if (!(ww > 0)) continue;
    if (gg > 0 && fabs(gw) / sqrt(ww * gg) > worst) worst = fabs(gw) / sqrt(ww * gg);
    a = (float)(gw / ww);
    for (i = 0; i < len; i++) gr[i] -= a * w[i];
    if (!renorm) continue;
    for (i = 0; i < len; i++) go += (double)gr[i] * gr[i];
    if (go > 0) {
      float s = (float)sqrt(gg / go);
      for (i = 0; i < len; i++) gr[i] *= s;
    }
  }
  free(ids);
  return worst;
}
