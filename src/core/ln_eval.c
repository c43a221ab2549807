/*
** ln_eval.c -- running one node: the step every run of a node goes
** through (the plan's loop, eager ops, ln_op_eval, the C op tests), and
** the setup of a node that lives outside any graph.
*/
#include <stdlib.h>
#include <string.h>
#include "ln_internal.h"

#define ALIGN 64

static size_t align_up (size_t s) { return (s + ALIGN - 1) / ALIGN * ALIGN; }

/* forward cannot fail: int32 inputs (labels, ids) are checked first */
int ln_node_forward (ln_node *n, ln_ctx *c) {
  const ln_opdesc *d = ln_op_desc(n->op);
  int rc;
  if (d->validate && (rc = d->validate(n)) != LN_OK) return rc;
  d->forward(n, c);
  return LN_OK;
}

void ln_node_backward (ln_node *n, ln_ctx *c) {
  ln_op_desc(n->op)->backward(n, c);
}

/* {====== A node outside any graph ====== */

static int check_arity (const ln_opdesc *d, int n_in) {
  if (n_in >= d->min_in && n_in <= d->max_in) return LN_OK;
  if (d->min_in == d->max_in)
    return ln_seterr(LN_EARG, "%s: expects %d tensor input%s, got %d", d->name,
                     d->min_in, d->min_in == 1 ? "" : "s", n_in);
  return ln_seterr(LN_EARG, "%s: expects %d to %d tensor inputs, got %d",
                   d->name, d->min_in, d->max_in, n_in);
}

/* the kernels a compiled model would use (ln_prep_nodes, as the plan
** prepares its nodes), and the workspace they need */
static int prepare (ln_single *s, unsigned flags, size_t *work) {
  int rc;
  s->n->kern = NULL;
  s->n->kern_name = NULL;
  if (ln_op_desc(s->n->op)->prepare == NULL || (flags & LN_SINGLE_PORTABLE)) return LN_OK;
  if ((s->prep = ln_prep_new((flags & LN_SINGLE_BF16) != 0)) == NULL) return LN_ENOMEM;
  if ((rc = ln_prep_nodes(s->prep, &s->n, 1)) != LN_OK) return rc;
  if (s->prep->work > *work) *work = s->prep->work;
  return LN_OK;
}

int ln_single_begin (ln_single *s, ln_node *n, unsigned flags) {
  const ln_opdesc *d = ln_op_desc(n->op);
  size_t saved = 0, work = 0, gbytes, total;
  int rc;
  memset(s, 0, sizeof(*s));
  s->n = n;
  if (d == NULL || n->op == 0) return ln_seterr(LN_EARG, "eval: unknown op #%d", n->op);
  if ((rc = check_arity(d, n->n_in)) != LN_OK || (rc = d->shape(n)) != LN_OK) return rc;
  if ((s->y = ln_tensor_new(n->dtype, n->ndim, n->dim)) == NULL) return LN_ENOMEM;
  n->x = s->y->data;
  if (d->scratch) d->scratch(n, &saved, &work);
  if ((rc = prepare(s, flags, &work)) != LN_OK) { ln_single_end(s); return rc; }
  gbytes = (flags & LN_SINGLE_GRAD) ? align_up(ln_numel(n) * sizeof(float) + 1) : 0;
  total = gbytes + align_up(saved + 1) + align_up(work + 1);
  if ((s->mem = aligned_alloc(ALIGN, total)) == NULL) {
    ln_single_end(s);
    return ln_seterr(LN_ENOMEM, "%s: out of memory (%zu bytes)", d->name, total);
  }
  memset(s->mem, 0, total);
  n->g = gbytes ? (float *)s->mem : NULL;
  n->saved = (char *)s->mem + gbytes;
  s->ctx.work = (float *)(void *)((char *)s->mem + gbytes + align_up(saved + 1));
  s->ctx.work_size = work;
  s->ctx.batch = n->ndim ? n->dim[0] : 1;
  return LN_OK;
}

int ln_single_forward (ln_single *s, int training) {
  s->ctx.training = training;
  return ln_node_forward(s->n, &s->ctx);
}

void ln_single_backward (ln_single *s, int training) {
  s->ctx.training = training;
  ln_node_backward(s->n, &s->ctx);
}

ln_tensor *ln_single_take (ln_single *s) {
  ln_tensor *y = s->y;
  s->y = NULL;
  return y;
}

void ln_single_end (ln_single *s) {
  if (s->n) {
    s->n->x = s->n->g = NULL;
    s->n->saved = s->n->kern = NULL;
    s->n->kern_name = NULL;
  }
  ln_tensor_free(s->y);
  ln_prep_free(s->prep);
  free(s->mem);
  memset(s, 0, sizeof(*s));
}

/* }====== */

/* {====== Eager ops (public) ====== */

int ln_op_eval (int op, int n_in, const ln_tensor *const *in,
                const double *attr, int n_list, const int *list,
                int training, ln_tensor **out) {
  const ln_opdesc *d = ln_op_desc(op);
  ln_node node, inputs[LN_MAX_IN];
  ln_single s;
  int k, rc;
  *out = NULL;
  if (d == NULL || op == 0) return ln_seterr(LN_EARG, "eval: unknown op #%d", op);
  if (n_in < 0 || n_in > LN_MAX_IN) return check_arity(d, n_in);
  if (n_list < 0 || n_list > LN_MAX_DIMS)
    return ln_seterr(LN_EARG, "%s: list attribute longer than %d", d->name, LN_MAX_DIMS);
  memset(&node, 0, sizeof(node));
  memset(inputs, 0, sizeof(inputs));
  node.op = op;
  node.n_in = n_in;
  for (k = 0; k < n_in; k++) {
    if (in[k] == NULL) return ln_seterr(LN_EARG, "%s: input %d is NULL", d->name, k + 1);
    inputs[k].leaf = LN_LEAF_INPUT;
    ln_set_shape(&inputs[k], in[k]->dtype, in[k]->ndim, in[k]->dim);
    inputs[k].x = in[k]->data;
    node.in[k] = &inputs[k];
  }
  if (attr) memcpy(node.attr, attr, sizeof(node.attr));
  else ln_op_attr_defaults(op, node.attr);
  node.n_list = n_list;
  for (k = 0; k < n_list; k++) node.list[k] = list[k];
  if ((rc = ln_single_begin(&s, &node, 0)) != LN_OK) return rc;
  if ((rc = ln_single_forward(&s, training)) == LN_OK) *out = ln_single_take(&s);
  ln_single_end(&s);
  return rc;
}

/* }====== */
