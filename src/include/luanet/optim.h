/*
** luanet/optim.h -- optimizers over a model's trainable parameters, and
** gradient clipping and projection.
*/
#ifndef LUANET_OPTIM_H
#define LUANET_OPTIM_H

#include "model.h"

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

/* The fields of ln_optconf, named once: options by name in the binding,
** the configuration by name in model files, the list in the docs. */
typedef enum ln_optftype {
  LN_OPTF_NUMBER = 0,        /* a double */
  LN_OPTF_BOOL               /* an int, 0 or 1 */
} ln_optftype;
typedef struct ln_optfield {
  const char *name;          /* "lr", "beta1", ... */
  ln_optftype type;
  size_t offset;             /* offsetof(ln_optconf, the field) */
  unsigned kinds;            /* bit k set: optimizer kind k uses it */
  double def[LN_OPT_COUNT];  /* default per kind (ORDER OPT) */
  const char *doc;           /* one line */
} ln_optfield;
/* field k, 0-based; NULL past the last */
const ln_optfield *ln_optconf_field (int k);
int ln_optconf_find (const char *name);             /* index or -1 */
/* field k of 'c' as a number (a bool as 0 or 1), and set it */
double ln_optconf_get (const ln_optconf *c, int k);
void ln_optconf_set (ln_optconf *c, int k, double v);

typedef struct ln_optim ln_optim;
/* every field at its default for 'kind' (the table's def[kind]) */
void ln_optconf_defaults (ln_optkind kind, ln_optconf *c);
/* an optimizer over all trainable parameters of 'm' (state allocated now) */
int ln_optim_new (ln_model *m, ln_optkind kind, const ln_optconf *c,
                  ln_optim **out);
void ln_optim_free (ln_optim *o);
ln_optconf *ln_optim_conf (ln_optim *o);            /* to change lr etc. */
/* replace the configuration, checked as ln_optim_new checks it */
int ln_optim_set_conf (ln_optim *o, const ln_optconf *c);
/* copy the configuration, step count and state of 'src' into 'dst': the
** same kind over parameters of the same names and sizes (LN_EARG naming
** the first that differs otherwise; 'dst' unchanged) */
int ln_optim_copy (ln_optim *dst, const ln_optim *src);
ln_optkind ln_optim_kind (const ln_optim *o);
long ln_optim_steps (const ln_optim *o);
/* one update from the current gradients; returns the global gradient norm
** (before clipping) in '*gnorm' when not NULL */
int ln_optim_step (ln_optim *o, double *gnorm);
/* state tensors (per param: n_state of them), for checkpoints */
int ln_optim_n_state (const ln_optim *o);
ln_tensor *ln_optim_state (ln_optim *o, int param_k, int s);
void ln_optim_set_steps (ln_optim *o, long t);
/* global L2 norm of the gradients of params; scales them to 'max' if above
** (every parameter, however many); -1 and a message when out of memory */
double ln_clip_grad_norm (ln_model *m, double max);
/* ⊥Grad: project each parameter's gradient orthogonal to the parameter,
** g <- g - (g.w / w.w) w ('renorm': then back to the norm g had); call
** after backward, before ln_optim_step. Returns the largest |cos(g, w)|
** seen before the projection. */
double ln_orthograd (ln_model *m, int renorm);

#endif
