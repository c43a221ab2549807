/*
** opcheck.h -- run one op's kernels on hand-made nodes, outside any graph:
** value checks and central-difference gradient checks for spec/c tests.
**
**   opcheck_case c = {"mul", 2, {{2, {3, 4}}, {1, {4}}}};
**   double err = opcheck_grad(&c, NULL, 0, NULL, 1e-3);  (max rel. error)
**
** Inputs are filled with uniform values in [lo, hi] (default [-1, 1]);
** int32 inputs (labels, ids) are given explicitly in 'ivals'.
*/
#ifndef OPCHECK_H
#define OPCHECK_H

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ln_internal.h"

typedef struct opcheck_in {
  int ndim;
  int dim[LN_MAX_DIMS];
  int i32;              /* int32 input: values from 'ivals' */
  const int *ivals;
  int nograd;           /* do not check this input's gradient */
} opcheck_in;

typedef struct opcheck_case {
  const char *op;
  int n_in;
  opcheck_in in[LN_MAX_IN];
  const char *attrs;    /* "name=value,..." overriding defaults, or NULL */
  double lo, hi;        /* input range (both 0: [-1, 1]) */
  int training;         /* ctx->training */
  int fuse;             /* node's fuse (LN_FUSE_RELU), as a plan sets it */
  unsigned assign;      /* node's assign bits, as a plan sets them */
} opcheck_case;

typedef struct opcheck_run {
  ln_node in[LN_MAX_IN];
  ln_node out;
  ln_single s;          /* the engine's setup of 'out' (ln_eval.c) */
} opcheck_run;

/* how ops with a 'prepare' callback run: prepared as in a compiled model
** (oneDNN; default), in bf16 mode, or unprepared (the portable path) */
enum { OPCHECK_PREPARED, OPCHECK_BF16, OPCHECK_PORTABLE };
static int opcheck_mode = OPCHECK_PREPARED;

/* set attributes from "a=1,b=2" (enum names allowed) */
static int opcheck_attrs (ln_node *n, const char *s) {
  char buf[256], *tok, *save = NULL;
  ln_op_attr_defaults(n->op, n->attr);
  n->n_list = 0;
  if (s == NULL) return 0;
  snprintf(buf, sizeof(buf), "%s", s);
  for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
    char *eq = strchr(tok, '=');
    int k;
    if (!eq) return -1;
    *eq++ = '\0';
    k = ln_op_attr_index(n->op, tok);
    if (k < 0) { fprintf(stderr, "opcheck: no attr %s\n", tok); return -1; }
    if (ln_op_attr_is_list(n->op, k)) {    /* list: "1:2:3" */
      char *p = eq;
      while (*p && n->n_list < LN_MAX_DIMS) {
        n->list[n->n_list++] = (int)strtol(p, &p, 10);
        if (*p == ':') p++;
      }
    } else if (ln_op_attr_enum(n->op, k, eq) >= 0) {
      n->attr[k] = ln_op_attr_enum(n->op, k, eq);
    } else {                               /* pair: "2" or "2:3" */
      char *end;
      double h = strtod(eq, &end);
      ln_op_attr_set_pair(n->op, n->attr, k, h, *end == ':' ? strtod(end + 1, NULL) : h);
    }
  }
  return 0;
}

static double opcheck_uniform (unsigned *s, double lo, double hi) {
  *s = *s * 1103515245u + 12345u;
  return lo + (hi - lo) * ((*s >> 8) & 0xffffff) / 16777216.0;
}

/* build the input nodes, then let the engine ready the op node as it
** readies any node run on its own (ln_single_begin: shape, scratch,
** kernels, value, gradient, workspace); 0 on success */
static int opcheck_setup (const opcheck_case *c, opcheck_run *r, unsigned seed) {
  static const unsigned mode_flags[] = {0, LN_SINGLE_BF16, LN_SINGLE_PORTABLE};
  int k;
  size_t i;
  double lo = c->lo, hi = c->hi;
  if (lo == 0 && hi == 0) { lo = -1; hi = 1; }
  memset(r, 0, sizeof(*r));
  r->out.op = ln_op_find(c->op);
  if (r->out.op < 0) { fprintf(stderr, "opcheck: unknown op %s\n", c->op); return -1; }
  if (opcheck_attrs(&r->out, c->attrs)) return -1;
  r->out.n_in = c->n_in;
  for (k = 0; k < c->n_in; k++) {
    ln_node *n = &r->in[k];
    size_t len;
    n->leaf = LN_LEAF_INPUT;
    n->dtype = c->in[k].i32 ? LN_I32 : LN_F32;
    n->ndim = c->in[k].ndim;
    memcpy(n->dim, c->in[k].dim, sizeof(n->dim));
    len = ln_numel(n);
    n->x = calloc(len ? len : 1, sizeof(float));
    if (!c->in[k].i32) n->g = calloc(len ? len : 1, sizeof(float));
    for (i = 0; i < len; i++) {
      if (c->in[k].i32) LN_XI(n)[i] = c->in[k].ivals[i];
      else n->x[i] = (float)opcheck_uniform(&seed, lo, hi);
    }
    r->out.in[k] = n;
  }
  r->out.fuse = c->fuse;       /* as a plan sets them, before prepare */
  r->out.assign = c->assign;
  if (ln_single_begin(&r->s, &r->out, LN_SINGLE_GRAD | mode_flags[opcheck_mode]) != LN_OK) {
    fprintf(stderr, "opcheck: %s: %s\n", c->op, ln_errmsg());
    return -2;
  }
  return 0;
}

static void opcheck_free (opcheck_run *r) {
  int k;
  for (k = 0; k < r->out.n_in; k++) { free(r->in[k].x); free(r->in[k].g); }
  ln_single_end(&r->s);
}

/* forward cannot fail once validated: a failed validate is reported */
static void opcheck_forward (opcheck_run *r, int training) {
  if (ln_single_forward(&r->s, training) != LN_OK)
    fprintf(stderr, "opcheck: forward: %s\n", ln_errmsg());
}

static void opcheck_backward (opcheck_run *r, int training) {
  ln_single_backward(&r->s, training);
}

/* L = sum(w * y) with fixed weights w; returns L in double */
static double opcheck_loss (opcheck_run *r, const float *w) {
  size_t i, len = ln_numel(&r->out);
  double s = 0;
  for (i = 0; i < len; i++) s += (double)w[i] * r->out.x[i];
  return s;
}

/*
** Max relative error between the analytic gradient and central differences
** (step 'h'), over all float inputs not marked nograd; -1 on setup failure.
** Random ops (dropout) are checked with the same seed each evaluation:
** they reseed through ln_seed(seed) before each forward.
*/
static double opcheck_grad (const opcheck_case *c, double h) {
  opcheck_run r;
  size_t i, len;
  float *w;
  double worst = 0;
  int k;
  if (opcheck_setup(c, &r, 12345u)) { opcheck_free(&r); return -1; }
  len = ln_numel(&r.out);
  w = malloc((len + 1) * sizeof(float));
  { unsigned s = 777u; for (i = 0; i < len; i++) w[i] = (float)opcheck_uniform(&s, -1, 1); }
  ln_seed(99);
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
      n->x[j] = (float)(keep + h); ln_seed(99); opcheck_forward(&r, c->training);
      lp = opcheck_loss(&r, w);
      n->x[j] = (float)(keep - h); ln_seed(99); opcheck_forward(&r, c->training);
      lm = opcheck_loss(&r, w);
      n->x[j] = keep;
      num = (lp - lm) / (2 * h);
      den = fabs(num) > fabs(ana) ? fabs(num) : fabs(ana);
      if (den < 1e-2) den = 1e-2;   /* near-zero gradients: absolute error */
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

/* {====== TAP checks shared by the op tests (need tap.h) ====== */
#include "tap.h"

static inline int opcheck_near (double a, double b, double tol) {
  return isfinite(a) && fabs(a - b) <= tol * (1 + fabs(b));
}

/* the op's gradient agrees with central differences (step 'h') */
static inline void opcheck_grad_ok (const opcheck_case *c, double h, const char *what) {
  double e = opcheck_grad(c, h);
  if (what)
    tap_ok(e >= 0 && e < 1e-2, "%s: gradient (max rel err %.2g)", what, e);
  else
    tap_ok(e >= 0 && e < 1e-2, "%s %s gradient (%d inputs, rel. err %.2g)",
           c->op, c->attrs ? c->attrs : "", c->n_in, e);
}

/* shape() of c's op must fail, with 'code' (0: any) and a message holding
** 'msg'; the inputs get shapes only, so no values are read */
static inline void opcheck_shape_err (const opcheck_case *c, const char *msg, int code) {
  ln_node in[LN_MAX_IN], out;
  int k, rc;
  memset(in, 0, sizeof(in));
  memset(&out, 0, sizeof(out));
  out.op = ln_op_find(c->op);
  opcheck_attrs(&out, c->attrs);
  out.n_in = c->n_in;
  for (k = 0; k < c->n_in; k++) {
    in[k].dtype = c->in[k].i32 ? LN_I32 : LN_F32;
    in[k].ndim = c->in[k].ndim;
    memcpy(in[k].dim, c->in[k].dim, sizeof(in[k].dim));
    out.in[k] = &in[k];
  }
  rc = ln_node_desc(&out)->shape(&out);
  tap_ok(rc != LN_OK && (code == 0 || rc == code) && strstr(ln_errmsg(), msg) != NULL,
         "%s shape error: '%s' (got '%s')", c->op, msg, ln_errmsg());
}

/*
** Run c's op forward on the values 'x[k]' (NULL: keep random ones) and,
** when 'gy' is given, backward from it. Checks the output against 'want'
** and, when 'gwant[k]' is given, input k's gradient. 1 when all match.
*/
static inline int opcheck_run_vals (const opcheck_case *c, const float *const *x,
                     const float *want, size_t nwant, const float *gy,
                     const float *const *gwant) {
  opcheck_run r;
  size_t i;
  int k, ok = opcheck_setup(c, &r, 1u) == 0 && ln_numel(&r.out) == nwant;
  if (ok) {
    for (k = 0; k < c->n_in; k++)
      if (x && x[k]) memcpy(r.in[k].x, x[k], ln_numel(&r.in[k]) * sizeof(float));
    opcheck_forward(&r, 0);
    for (i = 0; i < nwant; i++)
      if (!(fabsf(r.out.x[i] - want[i]) <= 1e-5f * (1 + fabsf(want[i])))) {
        fprintf(stderr, "  %s: y[%zu] = %g, want %g\n", c->op, i, r.out.x[i], want[i]);
        ok = 0;
      }
  }
  if (ok && gy) {
    memcpy(r.out.g, gy, nwant * sizeof(float));
    opcheck_backward(&r, 0);
    for (k = 0; k < c->n_in; k++)
      for (i = 0; gwant && gwant[k] && i < ln_numel(&r.in[k]); i++)
        if (fabsf(r.in[k].g[i] - gwant[k][i]) > 1e-5f * (1 + fabsf(gwant[k][i]))) {
          fprintf(stderr, "  %s: g%d[%zu] = %g, want %g\n", c->op, k, i,
                  r.in[k].g[i], gwant[k][i]);
          ok = 0;
        }
  }
  opcheck_free(&r);
  return ok;
}

/* dL/dx of single-input case 'c' (at most 'max' elements) after a
** training backward from input gradients starting at 'g0', with the plan's
** assign bit 'assign' on the node: the first-writer tests compare '='
** over junk with '+=' from zero. 0 when it could not run. */
static inline int opcheck_grad_assign (opcheck_case c, unsigned assign, float g0, float *gx, size_t max) {
  opcheck_run r;
  size_t i, len;
  unsigned s = 99u;
  c.assign = assign;
  if (opcheck_setup(&c, &r, 5u) || ln_numel(&r.in[0]) > max) { opcheck_free(&r); return 0; }
  len = ln_numel(&r.in[0]);
  for (i = 0; i < len; i++) r.in[0].g[i] = g0;
  opcheck_forward(&r, 1);
  for (i = 0; i < ln_numel(&r.out); i++) r.out.g[i] = (float)opcheck_uniform(&s, -1, 1);
  opcheck_backward(&r, 1);
  memcpy(gx, r.in[0].g, len * sizeof(float));
  opcheck_free(&r);
  return 1;
}

/* }====== */

#endif
