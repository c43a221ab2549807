/*
** fdcheck.h -- central-difference gradient checks on given input values
** (opcheck.h draws them at random): for ops with kinks (max, hinge,
** margins, top-k) whose inputs must stay away from the switch points.
*/
#ifndef FDCHECK_H
#define FDCHECK_H

#include "opcheck.h"

/*
** Max relative error between c's analytic gradients and central
** differences (step 'h'), with input k set to 'vals[k]' (NULL: random);
** -1 on setup failure.
*/
static double fdcheck_grad (const opcheck_case *c, const float *const *vals, double h) {
  opcheck_run r;
  size_t i, len;
  float *w;
  double worst = 0;
  int k;
  if (opcheck_setup(c, &r, 4242u)) { opcheck_free(&r); return -1; }
  for (k = 0; k < c->n_in; k++)
    if (vals && vals[k] && !c->in[k].i32)
      memcpy(r.in[k].x, vals[k], ln_numel(&r.in[k]) * sizeof(float));
  len = ln_numel(&r.out);
  w = malloc((len + 1) * sizeof(float));
  { unsigned s = 99u; for (i = 0; i < len; i++) w[i] = (float)opcheck_uniform(&s, -1, 1); }
  opcheck_forward(&r, c->training);
  memcpy(r.out.g, w, len * sizeof(float));
  opcheck_backward(&r, c->training);
  for (k = 0; k < c->n_in; k++) {
    ln_node *n = &r.in[k];
    size_t j, m = ln_numel(n);
    if (c->in[k].i32 || c->in[k].nograd) continue;
    for (j = 0; j < m; j++) {
      float keep = n->x[j];
      double lp, lm, num, ana = n->g[j], den;
      n->x[j] = (float)(keep + h); opcheck_forward(&r, c->training);
      lp = opcheck_loss(&r, w);
      n->x[j] = (float)(keep - h); opcheck_forward(&r, c->training);
      lm = opcheck_loss(&r, w);
      n->x[j] = keep;
      num = (lp - lm) / (2 * h);
      den = fabs(num) > fabs(ana) ? fabs(num) : fabs(ana);
      if (den < 1e-2) den = 1e-2;
      if (fabs(num - ana) / den > worst) {
        worst = fabs(num - ana) / den;
        if (worst > 1e-2)
          fprintf(stderr, "  %s: input %d elem %zu analytic %g numeric %g\n",
                  c->op, k, j, ana, num);
      }
    }
  }
  free(w);
  opcheck_free(&r);
  return worst;
}

static inline void fdcheck_ok (const opcheck_case *c, const float *const *vals,
                               double h, const char *what) {
  double e = fdcheck_grad(c, vals, h);
  tap_ok(e >= 0 && e < 1e-2, "%s: gradient on given values (max rel err %.2g)", what, e);
}

#endif
