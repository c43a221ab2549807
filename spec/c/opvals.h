/*
** opvals.h -- value checks for the C op tests, on opcheck.h: run one op
** forward on given input values, and compare its output with values
** worked out by hand.
*/
#ifndef OPVALS_H
#define OPVALS_H

#include "opcheck.h"
#include "tap.h"

/* run forward with input values 'v[k]' (NULL: keep); 0 on success */
static inline int opvals_run (const opcheck_case *c, opcheck_run *r,
                              const float *const *v, int training) {
  int k;
  if (opcheck_setup(c, r, 1u)) return -1;
  for (k = 0; k < c->n_in; k++)
    if (v && v[k]) memcpy(r->in[k].x, v[k], ln_numel(&r->in[k]) * sizeof(float));
  opcheck_forward(r, training);
  return 0;
}

/* output equals 'want' (len values) within 'tol' */
static inline void opvals_ok (const opcheck_case *c, const float *const *v,
                              const float *want, size_t len, double tol,
                              const char *what) {
  opcheck_run r;
  size_t i;
  int ok = opvals_run(c, &r, v, c->training) == 0 && ln_numel(&r.out) == len;
  for (i = 0; ok && i < len; i++) {
    ok = opcheck_near(r.out.x[i], want[i], tol);
    if (!ok)
      fprintf(stderr, "  %s: [%zu] = %g, want %g\n", what, i, r.out.x[i], want[i]);
  }
  tap_ok(ok, "%s", what);
  opcheck_free(&r);
}

#endif
