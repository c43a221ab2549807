/*
** ln_prep.c -- prepared kernels: the objects ops make in their 'prepare'
** callback (oneDNN primitives, bf16 copies of parameters), kept by node and
** key so that a shape seen before finds them again, and freed together.
*/
#include <stdlib.h>
#include <string.h>
#include "ln_internal.h"

#define MAX_KEY 12

typedef struct ln_kobj {
  const ln_node *node;
  int nkey, key[MAX_KEY];
  void *obj;
  void (*fr) (void *);
  struct ln_kobj *next;
} ln_kobj;

ln_prep *ln_prep_new (int bf16) {
  ln_prep *p = ln_calloc(1, sizeof(*p));
  if (p) p->bf16 = bf16;
  return p;
}

void ln_prep_free (ln_prep *p) {
  ln_kobj *o, *next;
  if (p == NULL) return;
  for (o = p->objs; o; o = next) {
    next = o->next;
    if (o->fr) o->fr(o->obj);
    free(o);
  }
  free(p);
}

void *ln_prep_find (ln_prep *p, const ln_node *n, const int *key, int nkey) {
  ln_kobj *o;
  for (o = p->objs; o; o = o->next)
    if (o->node == n && o->nkey == nkey &&
        memcmp(o->key, key, (size_t)nkey * sizeof(int)) == 0)
      return o->obj;
  return NULL;
}

int ln_prep_keep (ln_prep *p, const ln_node *n, const int *key, int nkey,
                  void *obj, void (*fr) (void *)) {
  ln_kobj *o = nkey <= MAX_KEY ? ln_calloc(1, sizeof(*o)) : NULL;
  if (o == NULL) {
    if (fr) fr(obj);
    return nkey <= MAX_KEY ? LN_ENOMEM : ln_seterr(LN_EARG, "prepare: key too long");
  }
  o->node = n;
  o->nkey = nkey;
  memcpy(o->key, key, (size_t)nkey * sizeof(int));
  o->obj = obj;
  o->fr = fr;
  o->next = p->objs;
  p->objs = o;
  p->n_objs++;
  return LN_OK;
}

void *ln_prep_buffer (ln_prep *p, const ln_node *n, size_t bytes) {
  int key[3] = {-1, (int)(bytes >> 31), (int)(bytes & 0x7fffffff)};
  void *b = ln_prep_find(p, n, key, 3);
  if (b) return b;
  if ((b = ln_calloc(1, bytes ? bytes : 1)) == NULL) return NULL;
  return ln_prep_keep(p, n, key, 3, b, free) == LN_OK ? b : NULL;
}

void ln_prep_need (ln_prep *p, size_t work) {
  if (work > p->work) p->work = work;
}

int ln_prep_nodes (ln_prep *p, ln_node **nodes, int n) {
  int i, rc;
  for (i = 0; i < n; i++) {
    const ln_opdesc *d = ln_node_desc(nodes[i]);
    nodes[i]->kern = NULL;
    nodes[i]->kern_name = NULL;
    if (d->prepare && (rc = d->prepare(nodes[i], p)) != LN_OK) return rc;
  }
  return LN_OK;
}
