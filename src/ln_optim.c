/*
** ln_optim.c -- optimizers as C kernels: SGD (momentum, Nesterov, weight
** decay), Adam, AdamW, RMSprop, each one pass per parameter, with the
** update rules of PyTorch's torch.optim so results can be compared.
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ln_internal.h"

const char *const ln_opt_names[] = {"sgd", "adam", "adamw", "rmsprop", NULL};

struct ln_optim {
  ln_optkind kind;
  ln_optconf conf;
  long t;                 /* steps taken */
  int n_params;
  ln_node **params;       /* trainable parameters of the model */
  int n_state;            /* state tensors per parameter */
  ln_tensor **state;      /* state[k * n_state + s] */
};

static const int n_states[LN_OPT_COUNT] = {1, 2, 2, 2};   /* ORDER OPT */

void ln_optconf_defaults (ln_optkind kind, ln_optconf *c) {
  memset(c, 0, sizeof(*c));
  c->lr = kind == LN_OPT_SGD ? 0.01 : 1e-3;
  c->beta1 = 0.9;
  c->beta2 = 0.999;
  c->alpha = 0.99;
  c->eps = kind == LN_OPT_RMSPROP ? 1e-8 : 1e-8;
  if (kind == LN_OPT_ADAMW) c->weight_decay = 0.01;
}

void ln_optim_free (ln_optim *o) {
  int i;
  if (o == NULL) return;
  for (i = 0; i < o->n_params * o->n_state; i++) ln_tensor_free(o->state[i]);
  free(o->state);
  free(o->params);
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
  ln_node *ps[1024];
  int ids[1024], n = ln_model_params(m, ids, 1024), k;
  double norm;
  if (n > 1024) n = 1024;
  for (k = 0; k < n; k++) ps[k] = ln_graph_node(g, ids[k]);
  norm = sqrt(grad_sumsq(ps, n));
  if (max > 0 && norm > max) scale_grads(ps, n, (float)(max / (norm + 1e-6)));
  return norm;
}

static void sgd (ln_optim *o, float *p, const float *g, float *buf, long len) {
  const ln_optconf *c = &o->conf;
  float lr = (float)c->lr, wd = (float)c->weight_decay, mu = (float)c->momentum;
  float damp = (float)(1 - c->dampening);
  int first = o->t == 0, nest = c->nesterov;
  long i;
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (i = 0; i < len; i++) {
    float d = g[i] + wd * p[i];
    if (mu != 0) {
      buf[i] = first ? d : mu * buf[i] + damp * d;
      d = nest ? d + mu * buf[i] : buf[i];
    }
    p[i] -= lr * d;
  }
}

static void adam (ln_optim *o, float *p, const float *g, float *m1, float *m2,
                  long len, int decoupled) {
  const ln_optconf *c = &o->conf;
  double t = (double)(o->t + 1);
  float b1 = (float)c->beta1, b2 = (float)c->beta2, eps = (float)c->eps;
  float wd = (float)c->weight_decay, lr = (float)c->lr;
  float step = (float)(c->lr / (1 - pow(c->beta1, t)));
  float rbc2 = (float)(1 / sqrt(1 - pow(c->beta2, t)));
  long i;
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (i = 0; i < len; i++) {
    float d = g[i];
    if (decoupled) p[i] -= lr * wd * p[i];
    else d += wd * p[i];
    m1[i] = b1 * m1[i] + (1 - b1) * d;
    m2[i] = b2 * m2[i] + (1 - b2) * d * d;
    p[i] -= step * m1[i] / (sqrtf(m2[i]) * rbc2 + eps);
  }
}

static void rmsprop (ln_optim *o, float *p, const float *g, float *sq,
                     float *buf, long len) {
  const ln_optconf *c = &o->conf;
  float a = (float)c->alpha, eps = (float)c->eps, wd = (float)c->weight_decay;
  float lr = (float)c->lr, mu = (float)c->momentum;
  long i;
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (i = 0; i < len; i++) {
    float d = g[i] + wd * p[i], avg;
    sq[i] = a * sq[i] + (1 - a) * d * d;
    avg = sqrtf(sq[i]) + eps;
    if (mu > 0) { buf[i] = mu * buf[i] + d / avg; p[i] -= lr * buf[i]; }
    else p[i] -= lr * d / avg;
  }
}

int ln_optim_step (ln_optim *o, double *gnorm) {
  int k, ns = o->n_state;
  double norm = -1;
  if (o->conf.clip_norm > 0 || gnorm) {
    norm = sqrt(grad_sumsq(o->params, o->n_params));
    if (o->conf.clip_norm > 0 && norm > o->conf.clip_norm)
      scale_grads(o->params, o->n_params, (float)(o->conf.clip_norm / (norm + 1e-6)));
  }
  if (gnorm) *gnorm = norm;
  for (k = 0; k < o->n_params; k++) {
    ln_node *pn = o->params[k];
    float *p = pn->store->data, *g = pn->grad->data;
    float *s0 = o->state[k * ns]->data, *s1 = ns > 1 ? o->state[k * ns + 1]->data : NULL;
    long len = (long)pn->store->n;
    switch (o->kind) {
      case LN_OPT_SGD: sgd(o, p, g, s0, len); break;
      case LN_OPT_ADAM: adam(o, p, g, s0, s1, len, 0); break;
      case LN_OPT_ADAMW: adam(o, p, g, s0, s1, len, 1); break;
      case LN_OPT_RMSPROP: rmsprop(o, p, g, s0, s1, len); break;
      default: break;
    }
  }
  o->t++;
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
