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

/* validate() of c's op on values 'v' fails with a message holding 'msg' */
static inline void opvals_validate_err (const opcheck_case *c, const float *const *v,
                                        const char *msg) {
  opcheck_run r;
  int k, rc = -1;
  if (opcheck_setup(c, &r, 1u) == 0) {
    for (k = 0; k < c->n_in; k++)
      if (v[k]) memcpy(r.in[k].x, v[k], ln_numel(&r.in[k]) * sizeof(float));
    rc = ln_node_desc(&r.out)->validate(&r.out);
  }
  tap_ok(rc != LN_OK && strstr(ln_errmsg(), msg) != NULL,
         "%s value error: '%s' (got '%s')", c->op, msg, ln_errmsg());
  opcheck_free(&r);
}

/* forward and backward of c's op (gy = a fixed ramp) with 'threads' threads;
** returns the output and every input gradient, concatenated (malloc'ed) */
static inline float *opvals_run_threads (const opcheck_case *c, int threads, size_t *len) {
  opcheck_run r;
  size_t i, n = 0, cap;
  float *all;
  int k;
  ln_set_threads(threads);
  if (opcheck_setup(c, &r, 5u)) { opcheck_free(&r); return NULL; }
  cap = ln_numel(&r.out);
  for (k = 0; k < c->n_in; k++) cap += ln_numel(&r.in[k]);
  all = malloc(cap * sizeof(float));
  opcheck_forward(&r, c->training);
  for (i = 0; i < ln_numel(&r.out); i++) r.out.g[i] = (float)((i % 7) - 3) / 3;
  opcheck_backward(&r, c->training);
  memcpy(all, r.out.x, ln_numel(&r.out) * sizeof(float));
  n = ln_numel(&r.out);
  for (k = 0; k < c->n_in; k++) {
    memcpy(all + n, r.in[k].g, ln_numel(&r.in[k]) * sizeof(float));
    n += ln_numel(&r.in[k]);
  }
  opcheck_free(&r);
  *len = n;
  return all;
}

/* c's op gives the same values and gradients with 1 and 2 threads (inputs
** above LN_PAR_MIN: the parallel paths run) */
static inline void opvals_same_threads (const opcheck_case *c) {
  int before = ln_get_threads();
  size_t n1 = 0, n2 = 0;
  float *a = opvals_run_threads(c, 1, &n1), *b = opvals_run_threads(c, 2, &n2);
  tap_ok(a && b && n1 == n2 && memcmp(a, b, n1 * sizeof(float)) == 0,
         "%s: same values and gradients with 1 and 2 threads", c->op);
  free(a);
  free(b);
  ln_set_threads(before);
}

#endif
