/*
** ln_plan.c -- compiling a graph into a plan, and running it.
**
** Compile: shapes at the maximum batch; the nodes some output or the loss
** needs; the backward pass for the nodes that lead from parameters to the
** loss; and one arena where every value, gradient and saved state gets an
** offset, reusing memory whose lifetime has ended (greedy by size over
** lifetime intervals, as in TFLite's and ggml's planners). A relu that
** follows a matrix product alone is folded into the product's forward
** (LN_FUSE_RELU: oneDNN's post-op, or the engine's epilogue); the two
** nodes share one value. Runs of elementwise ops (those with a 'map') run
** as one chain, block by block: a block's intermediates stay in cache,
** and those nothing else reads never reach memory. Then the ops prepare
** their kernels (oneDNN primitives) for the shapes: at compile, at the
** first run of each new batch size, and when the thread count or precision
** changes; forward and backward allocate nothing and create nothing.
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "ln_internal.h"

#define ALIGN 64

/* floats per block of a chain: a block's inputs, intermediates and
** outputs stay in L1/L2 while every step of the chain runs over it */
#define CHAIN_BLOCK 2048

/* one planned buffer: [birth, death] in execution steps, closed */
typedef struct buf {
  size_t size, off;
  int birth, death;
  void **ptr;           /* where to store arena + off */
} buf;

struct ln_model {
  ln_graph *g;
  int max_batch;
  int loss;                /* node id or -1 */
  int n_out, *outputs;     /* requested outputs */
  int n_fwd; ln_node **fwd;        /* op nodes to run, in order */
  int n_bwd; ln_node **bwd;        /* nodes whose backward runs, in order */
  int *zero_first;         /* zero_list[zero_first[j]..zero_first[j+1]) */
  ln_node **zero_list;     /* gradients born at backward step j */
  int n_pzero;             /* parameter gradients to zero before backward */
  ln_node **pzero;
  int n_params; ln_node **params;
  char *arena; size_t arena_size;
  float *work; size_t work_size;   /* shared workspace (own allocation) */
  size_t plan_work;        /* what the ops' scratch callbacks asked for */
  ln_prep *prep;           /* prepared kernels (oneDNN), by node and shape */
  int prep_batch, prep_threads;    /* what the kernels were prepared for */
  ln_precision precision;
  size_t naive;            /* one buffer per value/gradient/saved state */
  size_t *cap;             /* planned bytes of each node's value */
  size_t *saved_cap;       /* planned bytes of each node's saved state */
  char *fed;               /* inputs fed since the last forward */
  int fed_batch;           /* batch of the fed inputs */
  int ran_forward;         /* a forward ran since the last feed */
  int can_backward;        /* a forward ran since the last backward */
  int training;            /* mode of the last forward */
  double *prof;            /* 2 per node: forward, backward seconds; or NULL */
  unsigned flags;          /* LN_COMPILE_* */
  int *chain;              /* per forward step: k >= 2 at the head of a chain
                           ** of k steps, -1 inside one, 0 elsewhere */
  int *slot;               /* per node: its block buffer in a chain (a value
                           ** nothing outside the chain reads), or -1 */
  int chain_slots;         /* block buffers the largest chain needs */
  int n_chains, n_chained, n_elided;
};

static size_t align (size_t s) { return (s + ALIGN - 1) / ALIGN * ALIGN; }

static size_t value_bytes (const ln_node *n) { return ln_numel(n) * 4; }

void ln_model_free (ln_model *m) {
  if (m == NULL) return;
  ln_graph_free(m->g);
  free(m->outputs); free(m->fwd); free(m->bwd);
  free(m->zero_first); free(m->zero_list); free(m->params); free(m->pzero);
  free(m->arena); free(m->cap); free(m->saved_cap); free(m->fed); free(m->prof);
  free(m->work); ln_prep_free(m->prep); free(m->chain); free(m->slot);
  free(m);
}

ln_graph *ln_model_graph (ln_model *m) { return m->g; }
int ln_model_loss (const ln_model *m) { return m->loss; }
int ln_model_n_outputs (const ln_model *m) { return m->n_out; }
int ln_model_output (const ln_model *m, int k) {
  return (k >= 0 && k < m->n_out) ? m->outputs[k] : -1;
}
int ln_model_batch (const ln_model *m) { return m->g->batch; }
int ln_model_max_batch (const ln_model *m) { return m->max_batch; }

void ln_model_memory (const ln_model *m, size_t *planned, size_t *naive) {
  *planned = m->arena_size + m->work_size;
  *naive = m->naive + m->work_size;
}

int ln_model_params (const ln_model *m, int *ids, int max) {
  int i;
  for (i = 0; i < m->n_params && i < max; i++) ids[i] = m->params[i]->id;
  return m->n_params;
}

int ln_model_order (const ln_model *m, int *ids, int max) {
  int i;
  for (i = 0; i < m->n_fwd && i < max; i++) ids[i] = m->fwd[i]->id;
  return m->n_fwd;
}

/* {====== Compile ====== */

/* the workspace: at least 'need' bytes, 64-byte aligned (oneDNN's
** scratchpads live in it); grows when a new shape needs more */
static int ensure_work (ln_model *m, size_t need) {
  void *w;
  need = align(need ? need : 1);
  if (m->work && need <= m->work_size) return LN_OK;
  if ((w = aligned_alloc(ALIGN, need)) == NULL)
    return ln_seterr(LN_ENOMEM, "run: out of memory (workspace of %zu bytes)", need);
  free(m->work);
  m->work = w;
  m->work_size = need;
  return LN_OK;
}

/* block buffers of the chains: the largest chain's, for each thread */
static size_t chain_work (const ln_model *m) {
  return (size_t)ln_get_threads() * (size_t)m->chain_slots * CHAIN_BLOCK * sizeof(float);
}

/* (re)prepare the kernels of every node for the current shapes, thread
** count and precision; outside forward/backward */
static int prepare (ln_model *m) {
  int rc;
  if (m->prep == NULL && (m->prep = ln_prep_new(0)) == NULL) return LN_ENOMEM;
  m->prep->bf16 = m->precision == LN_BF16;
  m->prep->work = 0;
  m->prep_batch = -1;
  if ((rc = ln_prep_nodes(m->prep, m->fwd, m->n_fwd)) != LN_OK) return rc;
  ln_prep_need(m->prep, m->plan_work);
  ln_prep_need(m->prep, chain_work(m));
  rc = ensure_work(m, m->prep->work);
  if (rc != LN_OK) return rc;
  m->prep_batch = m->g->batch;
  m->prep_threads = ln_get_threads();
  return LN_OK;
}

/* mark what the loss and outputs need; 'anc' marks ancestors of the loss */
static void mark_needed (ln_model *m, char *need, char *anc) {
  ln_graph *g = m->g;
  int i, k;
  if (m->loss >= 0) need[m->loss] = anc[m->loss] = 1;
  for (k = 0; k < m->n_out; k++) need[m->outputs[k]] = 1;
  for (i = g->n - 1; i >= 0; i--) {
    ln_node *n = g->nodes[i];
    for (k = 0; k < n->n_in; k++) {
      if (need[i]) need[n->in[k]->id] = 1;
      if (anc[i]) anc[n->in[k]->id] = 1;
    }
  }
}

/* which nodes carry a gradient: on a path from a parameter to the loss */
static int mark_grads (ln_model *m, const char *anc, char *hasg) {
  ln_graph *g = m->g;
  int i, k;
  for (i = 0; i < g->n; i++) {
    ln_node *n = g->nodes[i];
    if (!anc[i] || n->dtype != LN_F32) continue;
    if (n->leaf == LN_LEAF_PARAM) hasg[i] = 1;
    else if (n->leaf == LN_LEAF_NONE)
      for (k = 0; k < n->n_in; k++)
        if (hasg[n->in[k]->id]) hasg[i] = 1;
    if (hasg[i] && n->leaf == LN_LEAF_NONE && !ln_op_desc(n->op)->backward)
      return ln_seterr(LN_EARG, "compile: op '%s' (node #%d) has no gradient",
                       ln_op_desc(n->op)->name, i + 1);
  }
  return LN_OK;
}

/* lifetimes and offsets: greedy, largest first, lowest offset that fits */
static size_t place (buf *b, int nb) {
  int i, j, *ord = malloc((size_t)nb * sizeof(int));
  size_t top = 0;
  if (ord == NULL) return (size_t)-1;
  for (i = 0; i < nb; i++) ord[i] = i;
  for (i = 1; i < nb; i++) {   /* insertion sort by size, descending */
    int t = ord[i];
    for (j = i; j > 0 && b[ord[j - 1]].size < b[t].size; j--) ord[j] = ord[j - 1];
    ord[j] = t;
  }
  for (i = 0; i < nb; i++) {
    buf *p = &b[ord[i]];
    size_t off = 0;
    int moved = 1;
    while (moved) {   /* bump past every placed, overlapping buffer */
      moved = 0;
      for (j = 0; j < i; j++) {
        buf *q = &b[ord[j]];
        if (q->birth > p->death || p->birth > q->death) continue;
        if (off < q->off + q->size && q->off < off + p->size) {
          off = q->off + q->size;
          moved = 1;
        }
      }
    }
    p->off = off;
    if (off + p->size > top) top = off + p->size;
  }
  free(ord);
  return top;
}

/* the steps: forward node i at step i, backward step j at n_fwd + j */
typedef struct steps { int *fstep, *bstep; } steps;

/* the node whose buffer holds n's value: a fused relu's is its input's */
static ln_node *owner (ln_node *n) { return n->fuse == LN_FUSED ? n->in[0] : n; }

/* the buffer whose data pointer is 'ptr', or NULL */
static buf *find_buf (buf *b, int nb, void **ptr) {
  int i;
  for (i = 0; i < nb; i++) if (b[i].ptr == ptr) return &b[i];
  return NULL;
}

/*
** Fold a relu into the product before it (linear, matmul, conv2d: ops
** with LN_F_FUSE_RELU) when the relu is the product's only consumer and
** the product's own value is not asked for: the product's forward ends
** with the relu, the relu's forward does not run, and both nodes' values
** are one buffer. The relu's backward still runs: its mask y > 0 reads the
** shared value, which is the relu's output.
*/
static int plan_fusion (ln_model *m, const char *need) {
  ln_graph *g = m->g;
  int i, k, relu = ln_op_find("relu");
  int *users = ln_calloc((size_t)g->n + 1, sizeof(int));
  if (users == NULL) return LN_ENOMEM;
  for (i = 0; i < g->n; i++) {
    g->nodes[i]->fuse = 0;
    if (need[i])
      for (k = 0; k < g->nodes[i]->n_in; k++) users[g->nodes[i]->in[k]->id]++;
  }
  for (k = 0; k < m->n_out; k++) users[m->outputs[k]] += 2;
  if (m->loss >= 0) users[m->loss] += 2;
  for (i = 0; i < g->n && !(m->flags & LN_COMPILE_NOFUSE); i++) {
    ln_node *r = g->nodes[i], *p;
    if (!need[i] || r->op != relu || r->leaf != LN_LEAF_NONE) continue;
    p = r->in[0];
    if (p->leaf != LN_LEAF_NONE || users[p->id] != 1 || p->fuse ||
        !(ln_op_desc(p->op)->flags & LN_F_FUSE_RELU))
      continue;
    p->fuse = LN_FUSE_RELU;
    r->fuse = LN_FUSED;
  }
  free(users);
  return LN_OK;
}

/* {====== Elementwise chains ====== */

/* can node 'n' be a step of a chain: a map op, all its inputs the shape
** of its output (then element i comes from elements i) */
static int chainable (const ln_node *n) {
  const ln_opdesc *d = ln_op_desc(n->op);
  int k;
  if (n->leaf != LN_LEAF_NONE || d->map == NULL || n->fuse || n->dtype != LN_F32)
    return 0;
  for (k = 0; k < n->n_in; k++) {
    const ln_node *in = n->in[k];
    if (in->dtype != LN_F32 || in->batched != n->batched || in->ndim != n->ndim ||
        memcmp(in->dim, n->dim, (size_t)n->ndim * sizeof(int)) != 0)
      return 0;
  }
  return 1;
}

/* do a and b have one shape? */
static int same_shape (const ln_node *a, const ln_node *b) {
  return a->ndim == b->ndim && a->batched == b->batched &&
         memcmp(a->dim, b->dim, (size_t)a->ndim * sizeof(int)) == 0;
}

/* the last step of the chain at h that reads node 'id' (h - 1: none) */
static int last_reader (const ln_model *m, int h, int id) {
  int j, k, last = h - 1;
  for (j = h; j < h + m->chain[h]; j++)
    for (k = 0; k < m->fwd[j]->n_in; k++)
      if (m->fwd[j]->in[k]->id == id) last = j;
  return last;
}

/* block buffers for the values of the chain at h that 'keep' does not
** keep: a value takes the lowest buffer whose last reader has run */
static void chain_slots (ln_model *m, int h, const char *keep) {
  int j, s, used = 0, free_after[64];
  for (j = h; j < h + m->chain[h]; j++) {
    int id = m->fwd[j]->id;
    if (keep[id]) continue;
    for (s = 0; s < used && free_after[s] >= j; s++) {}
    if (s == used) {
      if (used == 64) continue;   /* keep it in memory */
      used++;
    }
    free_after[s] = last_reader(m, h, id);
    m->slot[id] = s;
    m->n_elided++;
  }
  if (used > m->chain_slots) m->chain_slots = used;
}

/*
** Chains: maximal runs of consecutive forward steps that are chainable
** and of one shape (at least two). A step's value gets a block buffer
** instead of memory of its own when only later steps of its chain read it:
** not an output or the loss, not read by its own backward (LN_F_SAVE_OUT)
** or by a consumer's (LN_F_SAVE_IN).
*/
static int plan_chains (ln_model *m, const char *need, const char *hasg) {
  ln_graph *g = m->g;
  int i, j, k, *grp = malloc(((size_t)g->n + 1) * sizeof(int));
  char *keep = ln_calloc((size_t)g->n + 1, 1);
  m->chain = ln_calloc((size_t)m->n_fwd + 1, sizeof(int));
  m->slot = malloc(((size_t)g->n + 1) * sizeof(int));
  if (!grp || !keep || !m->chain || !m->slot) { free(grp); free(keep); return LN_ENOMEM; }
  for (i = 0; i < g->n; i++) grp[i] = m->slot[i] = -1;
  for (i = 0; i < m->n_fwd && !(m->flags & LN_COMPILE_NOFUSE); i = j) {
    ln_node *h = m->fwd[i];
    for (j = i + 1; chainable(h) && j < m->n_fwd; j++)
      if (!chainable(m->fwd[j]) || !same_shape(m->fwd[j], h)) break;
    if (j - i < 2) continue;
    m->chain[i] = j - i;
    for (k = i; k < j; k++) {
      grp[m->fwd[k]->id] = i;
      if (k > i) m->chain[k] = -1;
    }
    m->n_chains++;
    m->n_chained += j - i;
  }
  for (i = 0; i < g->n; i++) {   /* values read outside their chain */
    ln_node *c = g->nodes[i];
    const ln_opdesc *d = ln_op_desc(c->op);
    if (!need[i] || c->leaf != LN_LEAF_NONE) continue;
    if (grp[i] >= 0 && hasg[i] && (d->flags & LN_F_SAVE_OUT)) keep[i] = 1;
    for (k = 0; k < c->n_in; k++) {
      int id = c->in[k]->id;
      if (grp[i] != grp[id] || (hasg[i] && (d->flags & LN_F_SAVE_IN))) keep[id] = 1;
    }
  }
  for (k = 0; k < m->n_out; k++) keep[m->outputs[k]] = 1;
  if (m->loss >= 0) keep[m->loss] = 1;
  for (i = 0; i < m->n_fwd; i++)
    if (m->chain[i] >= 2) chain_slots(m, i, keep);
  free(grp); free(keep);
  return LN_OK;
}

void ln_model_chains (const ln_model *m, int *chains, int *nodes, int *elided) {
  *chains = m->n_chains;
  *nodes = m->n_chained;
  *elided = m->n_elided;
}

/* a chain's steps run interleaved, block by block: every buffer one of
** them writes or reads lives through all of them */
static void chain_lifetimes (ln_model *m, buf *b, int nb) {
  int i, t, k;
  for (i = 0; i < m->n_fwd; i++) {
    int end = i + m->chain[i] - 1;
    for (t = i; t <= end; t++) {   /* chain[i] <= 0: none */
      ln_node *c = m->fwd[t];
      buf *o = find_buf(b, nb, (void **)&c->x);
      if (o && o->birth > i) o->birth = i;
      if (o && o->death < end) o->death = end;
      for (k = 0; k < c->n_in; k++)
        if ((o = find_buf(b, nb, (void **)&owner(c->in[k])->x)) && o->death < end)
          o->death = end;
    }
  }
}

/* }====== */

static int plan_memory (ln_model *m, const char *need, const char *hasg,
                        buf *b, int *nb, const steps *st) {
  ln_graph *g = m->g;
  int i, j, k, end = m->n_fwd + m->n_bwd + 1, n = 0;
  size_t top, work = 0;
  m->naive = 0;
  for (i = 0; i < g->n; i++) {
    ln_node *nd = g->nodes[i];
    const ln_opdesc *d = ln_op_desc(nd->op);
    int birth, death;
    if (!need[i] || (nd->leaf != LN_LEAF_INPUT && st->fstep[i] < 0)) continue;
    if (nd->leaf == LN_LEAF_INPUT) { birth = 0; death = end; }
    else {
      birth = death = st->fstep[i];
      if (st->bstep[i] >= 0 && (d->flags & LN_F_SAVE_OUT)) death = st->bstep[i];
    }
    if (m->slot[i] >= 0) {   /* lives in its chain's block buffers only */
      nd->x = NULL;
      m->naive += align(value_bytes(nd));
    } else if (nd->fuse == LN_FUSED) {   /* its input's buffer, kept as long */
      buf *o = find_buf(b, n, (void **)&owner(nd)->x);
      if (o && o->death < death) o->death = death;
      m->naive += align(value_bytes(nd));
    } else {
      m->cap[i] = align(value_bytes(nd));
      b[n++] = (buf){m->cap[i], 0, birth, death, (void **)&nd->x};
    }
    if (nd->leaf == LN_LEAF_NONE && d->scratch) {
      size_t sv = 0, wk = 0;
      d->scratch(nd, &sv, &wk);
      if (wk > work) work = wk;
      if (sv) {
        m->saved_cap[i] = align(sv);
        b[n++] = (buf){m->saved_cap[i], 0, birth,
                       st->bstep[i] >= 0 ? st->bstep[i] : birth, &nd->saved};
      }
    }
    if (hasg[i] && nd->leaf == LN_LEAF_NONE)   /* grads of op nodes */
      b[n++] = (buf){align(value_bytes(nd)), 0, end, st->bstep[i], (void **)&nd->g};
  }
  /* values read later: by consumers' forward or backward, and outputs */
  for (j = 0; j < m->n_fwd; j++) {
    ln_node *c = m->fwd[j];
    for (k = 0; k < c->n_in; k++) {
      int id = c->in[k]->id, t = st->fstep[c->id];
      if ((ln_op_desc(c->op)->flags & LN_F_SAVE_IN) && st->bstep[c->id] >= 0)
        t = st->bstep[c->id];
      for (i = 0; i < n; i++)
        if (b[i].ptr == (void **)&owner(g->nodes[id])->x && b[i].death < t) b[i].death = t;
    }
  }
  for (i = 0; i < n; i++) {
    for (k = 0; k < m->n_out; k++)
      if (b[i].ptr == (void **)&owner(g->nodes[m->outputs[k]])->x) b[i].death = end;
    if (m->loss >= 0 && b[i].ptr == (void **)&owner(g->nodes[m->loss])->x) b[i].death = end;
  }
  /* gradients are born at the first backward step that writes them */
  for (j = 0; j < m->n_bwd; j++) {
    ln_node *c = m->bwd[j];
    for (k = 0; k < c->n_in; k++)
      for (i = 0; i < n; i++)
        if (b[i].ptr == (void **)&c->in[k]->g && b[i].birth > m->n_fwd + j)
          b[i].birth = m->n_fwd + j;
  }
  for (i = 0; i < n; i++) {
    if (m->loss >= 0 && b[i].ptr == (void **)&g->nodes[m->loss]->g)
      b[i].birth = m->n_fwd;
    if (b[i].birth > b[i].death) b[i].birth = b[i].death;
    m->naive += b[i].size;
  }
  chain_lifetimes(m, b, n);
  *nb = n;
  if ((top = place(b, n)) == (size_t)-1) return ln_seterr(LN_ENOMEM, "compile: out of memory");
  m->arena_size = top;
  m->plan_work = align(work);
  if ((m->arena = ln_calloc(1, top + ALIGN)) == NULL) return LN_ENOMEM;
  for (i = 0; i < n; i++) *b[i].ptr = m->arena + b[i].off;
  for (i = 0; i < g->n; i++)
    if (g->nodes[i]->fuse == LN_FUSED && need[i]) g->nodes[i]->x = owner(g->nodes[i])->x;
  return LN_OK;
}

/*
** For each backward step, the gradients to zero before it runs. The first
** writer of a gradient that can assign (LN_F_ASSIGN) overwrites it instead,
** so it needs no zeroing; parameter gradients that still need it are
** zeroed at the start of backward.
*/
static int plan_zeroing (ln_model *m) {
  int j, k, n = 0, cap = 0;
  char *seen = ln_calloc((size_t)m->g->n + 1, 1);
  for (j = 0; j < m->n_bwd; j++) cap += m->bwd[j]->n_in;
  m->zero_first = ln_calloc((size_t)m->n_bwd + 1, sizeof(int));
  m->zero_list = ln_calloc((size_t)cap + 1, sizeof(ln_node *));
  m->pzero = ln_calloc((size_t)m->n_params + 1, sizeof(ln_node *));
  if (!seen || !m->zero_first || !m->zero_list || !m->pzero) { free(seen); return LN_ENOMEM; }
  if (m->loss >= 0) seen[m->loss] = 1;   /* seeded with 1 */
  for (j = 0; j < m->n_bwd; j++) {
    ln_node *c = m->bwd[j];
    int can = (ln_op_desc(c->op)->flags & LN_F_ASSIGN) != 0;
    m->zero_first[j] = n;
    c->assign = 0;
    for (k = 0; k < c->n_in; k++) {
      ln_node *in = c->in[k];
      if (in->g == NULL || seen[in->id]) continue;
      seen[in->id] = 1;
      if (can) c->assign |= 1u << k;
      else if (in->leaf == LN_LEAF_PARAM) m->pzero[m->n_pzero++] = in;
      else m->zero_list[n++] = in;
    }
  }
  m->zero_first[m->n_bwd] = n;
  free(seen);
  return LN_OK;
}

static int check_targets (ln_graph *g, int loss, int n_out, const int *outputs) {
  int k;
  if (loss >= g->n || loss < -1)
    return ln_seterr(LN_EARG, "compile: loss is not a node of this graph");
  if (loss >= 0 && ln_numel(g->nodes[loss]) != 1)
    return ln_seterr(LN_ESHAPE, "compile: loss must be a scalar, got shape %s",
                     ln_node_shape(g->nodes[loss]));
  if (loss >= 0 && g->nodes[loss]->dtype != LN_F32)
    return ln_seterr(LN_EARG, "compile: loss must be float32");
  for (k = 0; k < n_out; k++)
    if (outputs[k] < 0 || outputs[k] >= g->n)
      return ln_seterr(LN_EARG, "compile: output %d is not a node of this graph", k + 1);
  if (loss < 0 && n_out == 0)
    return ln_seterr(LN_EARG, "compile: nothing to compute (no loss, no outputs)");
  return LN_OK;
}

static int build_plan (ln_model *m, char *need, char *anc, char *hasg) {
  ln_graph *g = m->g;
  int i, rc, nb;
  steps st;
  buf *b;
  mark_needed(m, need, anc);
  if ((rc = mark_grads(m, anc, hasg)) != LN_OK) return rc;
  m->fwd = ln_calloc((size_t)g->n + 1, sizeof(ln_node *));
  m->bwd = ln_calloc((size_t)g->n + 1, sizeof(ln_node *));
  m->params = ln_calloc((size_t)g->n + 1, sizeof(ln_node *));
  m->cap = ln_calloc((size_t)g->n + 1, sizeof(size_t));
  m->saved_cap = ln_calloc((size_t)g->n + 1, sizeof(size_t));
  m->fed = ln_calloc((size_t)g->n + 1, 1);
  st.fstep = malloc(((size_t)g->n + 1) * sizeof(int));
  st.bstep = malloc(((size_t)g->n + 1) * sizeof(int));
  b = malloc(((size_t)g->n * 3 + 1) * sizeof(buf));
  if (!m->fwd || !m->bwd || !m->params || !m->cap || !m->saved_cap ||
      !m->fed || !st.fstep || !st.bstep || !b) {
    free(st.fstep); free(st.bstep); free(b);
    return ln_seterr(LN_ENOMEM, "compile: out of memory");
  }
  for (i = 0; i < g->n; i++) {
    ln_node *n = g->nodes[i];
    st.fstep[i] = st.bstep[i] = -1;
    n->g = NULL;
    if (n->leaf == LN_LEAF_PARAM) m->params[m->n_params++] = n;
    if (need[i] && n->leaf == LN_LEAF_NONE) {
      st.fstep[i] = m->n_fwd;
      m->fwd[m->n_fwd++] = n;
    }
  }
  for (i = m->n_fwd - 1; i >= 0; i--)
    if (hasg[m->fwd[i]->id]) {
      st.bstep[m->fwd[i]->id] = m->n_fwd + m->n_bwd;
      m->bwd[m->n_bwd++] = m->fwd[i];
    }
  for (i = 0; i < m->n_params; i++) {   /* persistent gradients */
    ln_node *p = m->params[i];
    if (p->grad == NULL &&
        (p->grad = ln_tensor_new(LN_F32, p->ndim, p->dim)) == NULL) break;
    if (hasg[p->id]) p->g = p->grad->data;
  }
  rc = i < m->n_params ? LN_ENOMEM : plan_fusion(m, need);
  if (rc == LN_OK) rc = plan_chains(m, need, hasg);
  if (rc == LN_OK) rc = plan_memory(m, need, hasg, b, &nb, &st);
  if (rc == LN_OK) rc = plan_zeroing(m);
  free(st.fstep); free(st.bstep); free(b);
  return rc;
}

int ln_model_compile (ln_graph *g, int max_batch, int loss, int n_out,
                      const int *outputs, ln_model **out) {
  return ln_model_compile_ex(g, max_batch, loss, n_out, outputs, 0, out);
}

int ln_model_compile_ex (ln_graph *g, int max_batch, int loss, int n_out,
                         const int *outputs, unsigned flags, ln_model **out) {
  ln_model *m;
  char *marks;
  int rc, k;
  *out = NULL;
  if (max_batch < 1)
    return ln_seterr(LN_EARG, "compile: batch must be >= 1, got %d", max_batch);
  if ((rc = ln_graph_reshape(g, max_batch)) != LN_OK) {
    char msg[512];
    snprintf(msg, sizeof(msg), "%s", ln_errmsg());
    return ln_seterr(rc, "compile: %s", msg);
  }
  if ((rc = check_targets(g, loss, n_out, outputs)) != LN_OK) return rc;
  if ((m = ln_calloc(1, sizeof(*m))) == NULL) return LN_ENOMEM;
  m->g = g;
  m->max_batch = max_batch;
  m->loss = loss;
  m->n_out = n_out;
  m->fed_batch = -1;
  m->flags = flags;
  if ((m->outputs = ln_calloc((size_t)n_out + 1, sizeof(int))) == NULL ||
      (marks = ln_calloc((size_t)g->n + 1, 3)) == NULL) {
    m->g = NULL; ln_model_free(m);
    return LN_ENOMEM;
  }
  for (k = 0; k < n_out; k++) m->outputs[k] = outputs[k];
  rc = build_plan(m, marks, marks + g->n + 1, marks + 2 * (g->n + 1));
  free(marks);
  ln_blas_load();
  if (rc == LN_OK) rc = prepare(m);
  if (rc != LN_OK) {
    char msg[512];
    snprintf(msg, sizeof(msg), "%s", ln_errmsg());
    m->g = NULL; ln_model_free(m);
    return rc == LN_ENOMEM ? ln_seterr(rc, "compile: out of memory") : ln_seterr(rc, "%s", msg);
  }
  *out = m;
  return LN_OK;
}

int ln_model_set_precision (ln_model *m, ln_precision p) {
  ln_precision old = m->precision;
  int rc;
  if (p != LN_FP32 && p != LN_BF16)
    return ln_seterr(LN_EARG, "precision: must be fp32 or bf16, got %d", (int)p);
  m->precision = p;
  if ((rc = prepare(m)) != LN_OK) { m->precision = old; prepare(m); }
  return rc;
}

ln_precision ln_model_precision (const ln_model *m) { return m->precision; }

const char *ln_model_kernel (ln_model *m, int id) {
  ln_node *n = ln_graph_node(m->g, id);
  return n && n->kern && n->kern_name ? n->kern_name : "";
}

/* }====== */

/* {====== Run ====== */

static double now (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

int ln_model_profile (ln_model *m, int on) {
  free(m->prof);
  m->prof = NULL;
  if (on && (m->prof = ln_calloc(2 * (size_t)m->g->n + 2, sizeof(double))) == NULL)
    return LN_ENOMEM;
  return LN_OK;
}

void ln_model_times (const ln_model *m, int id, double *fwd, double *bwd) {
  *fwd = *bwd = 0;
  if (m->prof && id >= 0 && id < m->g->n) {
    *fwd = m->prof[2 * id];
    *bwd = m->prof[2 * id + 1];
  }
}

/* run node 'n' forward (ln_node_forward), timed when profiling */
static int run_forward (ln_model *m, ln_node *n, ln_ctx *c) {
  double t0;
  int rc;
  if (m->prof == NULL) return ln_node_forward(n, c);
  t0 = now();
  rc = ln_node_forward(n, c);
  m->prof[2 * n->id] += now() - t0;
  return rc;
}

static void run_backward (ln_model *m, ln_node *n, ln_ctx *c) {
  double t0;
  if (m->prof == NULL) { ln_node_backward(n, c); return; }
  t0 = now();
  ln_node_backward(n, c);
  m->prof[2 * n->id + 1] += now() - t0;
}

/* the 'len' elements from 'o' of node n's value: its memory, or its block
** buffer among 'mine' */
static inline float *chain_at (const ln_model *m, const ln_node *n, float *mine, long o) {
  int s = m->slot[n->id];
  return s >= 0 ? mine + (size_t)s * CHAIN_BLOCK : n->x + o;
}

/* one block of a chain: every step over elements o..o+len-1 */
static void chain_block (const ln_model *m, int h, float *mine, long o, long len) {
  int j, k;
  for (j = h; j < h + m->chain[h]; j++) {
    const ln_node *n = m->fwd[j];
    const float *in[LN_MAX_IN];
    for (k = 0; k < n->n_in; k++) in[k] = chain_at(m, n->in[k], mine, o);
    ln_op_desc(n->op)->map(n, in, chain_at(m, n, mine, o), len);
  }
}

/* run the chain headed at forward step h, block by block, blocks across
** threads; profiling splits its time evenly among its steps */
static int run_chain (ln_model *m, int h) {
  int j, k, nt = ln_get_threads(), cnt = m->chain[h];
  long len = (long)ln_numel(m->fwd[h]), nblk = (len + CHAIN_BLOCK - 1) / CHAIN_BLOCK, b;
  float *work = m->work;
  double t0 = m->prof ? now() : 0;
  for (j = h; j < h + cnt; j++) {   /* values to check, as ln_node_forward */
    const ln_opdesc *d = ln_op_desc(m->fwd[j]->op);
    int rc;
    if (d->validate && (rc = d->validate(m->fwd[j])) != LN_OK) return rc;
  }
  for (j = h; j < h + cnt; j++)   /* shapes follow the batch; still one? */
    for (k = 0; k < m->fwd[j]->n_in; k++)
      if ((long)ln_numel(m->fwd[j]->in[k]) != len || (long)ln_numel(m->fwd[j]) != len)
        return ln_seterr(LN_ESHAPE, "forward: the elementwise chain at node #%d "
                         "changes shape with batch %d; compile with fuse = false",
                         m->fwd[h]->id + 1, m->g->batch);
  (void)nt;
#pragma omp parallel for schedule(static) num_threads(nt) if (len > LN_PAR_MIN)
  for (b = 0; b < nblk; b++) {
#ifdef _OPENMP
    float *mine = work + (size_t)omp_get_thread_num() * (size_t)m->chain_slots * CHAIN_BLOCK;
#else
    float *mine = work;
#endif
    long o = b * CHAIN_BLOCK;
    chain_block(m, h, mine, o, len - o < CHAIN_BLOCK ? len - o : CHAIN_BLOCK);
  }
  if (m->prof)
    for (j = h; j < h + cnt; j++) m->prof[2 * m->fwd[j]->id] += (now() - t0) / cnt;
  return LN_OK;
}

int ln_model_feed (ln_model *m, const char *name, const ln_tensor *t) {
  ln_graph *g = m->g;
  int id = ln_graph_find(g, name), i;
  ln_node *n;
  char sh[96];
  if (id < 0 || g->nodes[id]->leaf != LN_LEAF_INPUT)
    return ln_seterr(LN_EARG, "feed: the model has no input named '%s'", name);
  n = g->nodes[id];
  if (n->x == NULL)
    return LN_OK;   /* pruned: nothing needs this input */
  if (t->dtype != n->dtype)
    return ln_seterr(LN_EARG, "feed: input '%s' expects %s, got %s", name,
                     n->dtype == LN_F32 ? "float32" : "int32",
                     t->dtype == LN_F32 ? "float32" : "int32");
  for (i = n->batched; i < n->ndim; i++)
    if (t->ndim != n->ndim || t->dim[i] != n->dim[i]) break;
  if (t->ndim != n->ndim || i < n->ndim ||
      (n->batched && (t->dim[0] < 1 || t->dim[0] > m->max_batch))) {
    int d[LN_MAX_DIMS];
    memcpy(d, n->dim, sizeof(d));
    if (n->batched) d[0] = LN_BATCH;
    ln_shape_str(n->ndim, d, sh, sizeof(sh));
    return ln_seterr(LN_ESHAPE, "feed: input '%s' expects shape %s (B <= %d), got %s",
                     name, sh, m->max_batch, ln_shape_str(t->ndim, t->dim,
                     (char[96]){0}, 96));
  }
  if (m->ran_forward) {   /* a new round of feeds */
    memset(m->fed, 0, (size_t)g->n);
    m->ran_forward = 0;
    m->fed_batch = -1;
  }
  if (n->batched) {
    if (m->fed_batch >= 0 && t->dim[0] != m->fed_batch) {
      int k;
      for (k = 0; k < g->n; k++)
        if (m->fed[k] && g->nodes[k]->batched) break;
      return ln_seterr(LN_ESHAPE, "feed: input '%s' has batch %d but '%s' has %d",
                       name, t->dim[0], k < g->n ? g->nodes[k]->name : "?",
                       m->fed_batch);
    }
    m->fed_batch = t->dim[0];
  }
  memcpy(n->x, t->data, t->n * 4);
  m->fed[id] = 1;
  return LN_OK;
}

/* bring shapes to the fed batch; check they fit the plan */
static int set_batch (ln_model *m, int batch) {
  ln_graph *g = m->g;
  int i, rc;
  if (batch == g->batch) return LN_OK;
  if ((rc = ln_graph_reshape(g, batch)) != LN_OK) return rc;
  for (i = 0; i < g->n; i++)
    if (g->nodes[i]->x && m->cap[i] && value_bytes(g->nodes[i]) > m->cap[i]) {
      ln_graph_reshape(g, m->max_batch);
      return ln_seterr(LN_ESHAPE, "forward: node #%d grows with batch %d beyond "
                       "its plan", i + 1, batch);
    }
  return LN_OK;
}

static void make_ctx (ln_model *m, ln_ctx *c) {
  c->training = m->training;
  c->batch = m->g->batch;
  c->work = m->work;
  c->work_size = m->work_size;
}

int ln_model_forward (ln_model *m, int training) {
  ln_graph *g = m->g;
  ln_ctx c;
  int i, rc;
  for (i = 0; i < g->n; i++) {
    ln_node *n = g->nodes[i];
    if (n->leaf == LN_LEAF_INPUT && n->x && !m->fed[i] && !m->ran_forward)
      return ln_seterr(LN_EARG, "forward: input '%s' was not fed", n->name);
  }
  if (m->fed_batch > 0 && (rc = set_batch(m, m->fed_batch)) != LN_OK) return rc;
  if ((m->g->batch != m->prep_batch || ln_get_threads() != m->prep_threads) &&
      (rc = prepare(m)) != LN_OK)
    return rc;
  m->training = training;
  make_ctx(m, &c);
  for (i = 0; i < m->n_fwd; i++) {
    ln_node *n = m->fwd[i];
    /* run_chain validates its steps; a fused relu has nothing to check */
    if (m->chain[i] >= 2 && (rc = run_chain(m, i)) != LN_OK) return rc;
    if (n->fuse == LN_FUSED || m->chain[i]) continue;   /* done already */
    if ((rc = run_forward(m, n, &c)) != LN_OK) return rc;
  }
  m->ran_forward = 1;
  m->can_backward = 1;
  return LN_OK;
}

int ln_model_backward (ln_model *m) {
  ln_ctx c;
  int i, j;
  if (m->loss < 0)
    return ln_seterr(LN_ESTATE, "backward: the model was compiled without a loss");
  if (!m->can_backward)   /* backward reuses memory forward's state was in */
    return ln_seterr(LN_ESTATE, "backward: run forward first (each backward "
                     "needs its own forward)");
  m->can_backward = 0;
  for (i = 0; i < m->n_pzero; i++)
    memset(m->pzero[i]->g, 0, m->pzero[i]->grad->n * 4);
  make_ctx(m, &c);
  if (m->g->nodes[m->loss]->g) m->g->nodes[m->loss]->g[0] = 1.0f;
  for (j = 0; j < m->n_bwd; j++) {
    ln_node *n = m->bwd[j];
    for (i = m->zero_first[j]; i < m->zero_first[j + 1]; i++)
      memset(m->zero_list[i]->g, 0, value_bytes(m->zero_list[i]));
    run_backward(m, n, &c);
  }
  return LN_OK;
}

/* is node 'id' alive after a run (its value still in place)? */
static int readable (const ln_model *m, int id) {
  int k;
  ln_node *n = m->g->nodes[id];
  if (n->leaf != LN_LEAF_NONE) return n->x != NULL;
  if (id == m->loss) return 1;
  for (k = 0; k < m->n_out; k++) if (m->outputs[k] == id) return 1;
  return 0;
}

ln_tensor *ln_model_value (ln_model *m, int id) {
  ln_node *n = ln_graph_node(m->g, id);
  ln_tensor *t;
  if (n == NULL) { ln_seterr(LN_EARG, "value: no node #%d", id + 1); return NULL; }
  if (!readable(m, id)) {
    ln_seterr(LN_EARG, "value: node #%d%s%s%s is not an output of the model "
              "(its memory is reused); compile with it in outputs", id + 1,
              *n->name ? " ('" : "", n->name, *n->name ? "')" : "");
    return NULL;
  }
  t = ln_tensor_view(n->dtype, n->ndim, n->dim, n->x);
  return t;
}

ln_tensor *ln_model_gradval (ln_model *m, int id) {
  ln_node *n = ln_graph_node(m->g, id);
  if (n == NULL) { ln_seterr(LN_EARG, "grad: no node #%d", id + 1); return NULL; }
  if (n->leaf != LN_LEAF_PARAM) {
    ln_seterr(LN_EARG, "grad: node #%d is not a parameter (only parameters "
              "keep gradients)", id + 1);
    return NULL;
  }
  return ln_tensor_view(LN_F32, n->ndim, n->dim, n->grad->data);
}

/* }====== */
