/*
** ln_io.c -- model files: graph + parameters (+ optimizer state), with a
** version, a crc32 (zlib) over everything, written atomically.
**
** Layout (little-endian): "LUANET\0\1", u32 version, u32 n_nodes,
** i32 max_batch, i32 loss, u32 n_out, i32 outputs[], u8 precision
** (version 2 on; version 1 files load as fp32); per node: u8 leaf,
** u8 dtype, u8 batched, u8 ndim, i32 dim[], str name, str op, u8 n_in,
** i32 in[], f64 attr[LN_MAX_ATTRS], u8 n_list, i32 list[], stored values
** (params, buffers, consts); u8 has_optim [u32 kind, f64 conf[10],
** i64 steps, u32 n_state, state values]; u32 crc32 of all before it.
*/
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include "ln_internal.h"

#define MAGIC "LUANET\0\1"
#define VERSION 2u

/* {====== Writing into a growing buffer ====== */

typedef struct wbuf { unsigned char *p; size_t n, cap; int oom; } wbuf;

static void put (wbuf *b, const void *src, size_t len) {
  if (b->oom) return;
  if (b->n + len > b->cap) {
    size_t cap = b->cap ? b->cap : 4096;
    unsigned char *q;
    while (cap < b->n + len) cap *= 2;
    if ((q = realloc(b->p, cap)) == NULL) { b->oom = 1; return; }
    b->p = q;
    b->cap = cap;
  }
  memcpy(b->p + b->n, src, len);
  b->n += len;
}

static void put_u8 (wbuf *b, unsigned v) { unsigned char c = (unsigned char)v; put(b, &c, 1); }
static void put_i32 (wbuf *b, int32_t v) { put(b, &v, 4); }
static void put_str (wbuf *b, const char *s) {
  uint16_t l = (uint16_t)strlen(s);
  put(b, &l, 2);
  put(b, s, l);
}

static void put_node (wbuf *b, const ln_node *n) {
  int k;
  put_u8(b, (unsigned)n->leaf);
  put_u8(b, (unsigned)n->dtype);
  put_u8(b, (unsigned)n->batched);
  put_u8(b, (unsigned)n->ndim);
  for (k = 0; k < n->ndim; k++) put_i32(b, n->dim[k]);
  put_str(b, n->name);
  put_str(b, ln_op_desc(n->op)->name);
  put_u8(b, (unsigned)n->n_in);
  for (k = 0; k < n->n_in; k++) put_i32(b, n->in[k]->id);
  put(b, n->attr, sizeof(n->attr));
  put_u8(b, (unsigned)n->n_list);
  for (k = 0; k < n->n_list; k++) put_i32(b, n->list[k]);
  if (n->store) put(b, n->store->data, n->store->n * 4);
}

static void put_optim (wbuf *b, const ln_optim *o) {
  ln_optim *oo = (ln_optim *)o;   /* state getters are not const */
  const ln_optconf *c = ln_optim_conf(oo);
  double conf[10] = {c->lr, c->momentum, c->dampening, c->nesterov,
                     c->weight_decay, c->beta1, c->beta2, c->alpha, c->eps,
                     c->clip_norm};
  int64_t t = ln_optim_steps(o);
  int k, s, ns = ln_optim_n_state(o);
  put_u8(b, 1);
  put_i32(b, (int32_t)ln_optim_kind(o));
  put(b, conf, sizeof(conf));
  put(b, &t, 8);
  put_i32(b, ns);
  for (k = 0; ln_optim_state(oo, k, 0); k++)
    for (s = 0; s < ns; s++) {
      ln_tensor *st = ln_optim_state(oo, k, s);
      put(b, st->data, st->n * 4);
    }
}

/* write 'len' bytes to 'path' atomically: temp file, fsync, rename */
static int write_atomic (const char *path, const void *data, size_t len) {
  char tmp[4096];
  const char *p = data;
  int fd;
  if (snprintf(tmp, sizeof(tmp), "%s.tmp", path) >= (int)sizeof(tmp))
    return ln_seterr(LN_EIO, "save: path too long");
  if ((fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644)) < 0)
    return ln_seterr(LN_EIO, "save: %s: %s", tmp, strerror(errno));
  while (len > 0) {
    ssize_t w = write(fd, p, len);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) {
      int e = errno;
      close(fd);
      unlink(tmp);
      return ln_seterr(LN_EIO, "save: %s: %s", tmp, strerror(e));
    }
    p += w;
    len -= (size_t)w;
  }
  if (fsync(fd) != 0 || close(fd) != 0) {
    int e = errno;
    unlink(tmp);
    return ln_seterr(LN_EIO, "save: %s: %s", tmp, strerror(e));
  }
  if (rename(tmp, path) != 0) {
    int e = errno;
    unlink(tmp);
    return ln_seterr(LN_EIO, "save: %s: %s", path, strerror(e));
  }
  return LN_OK;
}

int ln_model_save (ln_model *m, const ln_optim *o, const char *path) {
  ln_graph *g = ln_model_graph(m);
  wbuf b = {0};
  uint32_t v = VERSION, nn = (uint32_t)g->n, crc;
  int k, rc;
  put(&b, MAGIC, 8);
  put(&b, &v, 4);
  put(&b, &nn, 4);
  put_i32(&b, ln_model_max_batch(m));
  put_i32(&b, ln_model_loss(m));
  put_i32(&b, ln_model_n_outputs(m));
  for (k = 0; k < ln_model_n_outputs(m); k++) put_i32(&b, ln_model_output(m, k));
  put_u8(&b, (unsigned)ln_model_precision(m));
  for (k = 0; k < g->n; k++) put_node(&b, g->nodes[k]);
  if (o) put_optim(&b, o);
  else put_u8(&b, 0);
  if (b.oom) { free(b.p); return ln_seterr(LN_ENOMEM, "save: out of memory"); }
  crc = (uint32_t)crc32(0L, b.p, (uInt)b.n);
  put(&b, &crc, 4);
  rc = b.oom ? ln_seterr(LN_ENOMEM, "save: out of memory")
             : write_atomic(path, b.p, b.n);
  free(b.p);
  return rc;
}

/* }====== */

/* {====== Reading with bounds checks ====== */

typedef struct rbuf { const unsigned char *p; size_t n, pos; int bad; } rbuf;

static const void *get (rbuf *r, size_t len) {
  const void *q;
  if (r->bad || r->n - r->pos < len) { r->bad = 1; return NULL; }
  q = r->p + r->pos;
  r->pos += len;
  return q;
}

static unsigned get_u8 (rbuf *r) { const unsigned char *q = get(r, 1); return q ? *q : 0; }
static int32_t get_i32 (rbuf *r) {
  const void *q = get(r, 4);
  int32_t v = 0;
  if (q) memcpy(&v, q, 4);
  return v;
}
static void get_str (rbuf *r, char *dst, size_t cap) {
  const void *q = get(r, 2);
  uint16_t l = 0;
  const char *s;
  if (q) memcpy(&l, q, 2);
  s = get(r, l);
  if (s == NULL || l >= cap) { r->bad = 1; dst[0] = '\0'; return; }
  memcpy(dst, s, l);
  dst[l] = '\0';
}

static int corrupt (const char *path, const char *what) {
  return ln_seterr(LN_EFORMAT, "load: %s: corrupt model file (%s)", path, what);
}

/* rebuild node by node through the public building calls */
static int read_node (rbuf *r, ln_graph *g, const char *path) {
  char name[LN_NAME_MAX], op[64];
  int leaf = (int)get_u8(r), dt = (int)get_u8(r), batched = (int)get_u8(r);
  int ndim = (int)get_u8(r), dim[LN_MAX_DIMS], in[LN_MAX_IN], list[LN_MAX_DIMS];
  int k, n_in, n_list, id, rc, opi;
  double attr[LN_MAX_ATTRS];
  if (ndim > LN_MAX_DIMS || leaf > LN_LEAF_CONST || dt > LN_I32) return corrupt(path, "node header");
  for (k = 0; k < ndim; k++) dim[k] = get_i32(r);
  get_str(r, name, sizeof(name));
  get_str(r, op, sizeof(op));
  n_in = (int)get_u8(r);
  if (n_in > LN_MAX_IN) return corrupt(path, "inputs");
  for (k = 0; k < n_in; k++) in[k] = get_i32(r);
  { const void *q = get(r, sizeof(attr)); if (q) memcpy(attr, q, sizeof(attr)); }
  n_list = (int)get_u8(r);
  if (n_list > LN_MAX_DIMS) return corrupt(path, "list");
  for (k = 0; k < n_list; k++) list[k] = get_i32(r);
  if (r->bad) return corrupt(path, "truncated");
  if (batched && ndim > 0) dim[0] = LN_BATCH;
  switch (leaf) {
    case LN_LEAF_INPUT: rc = ln_graph_input(g, name, (ln_dtype)dt, ndim, dim, &id); break;
    case LN_LEAF_PARAM: rc = ln_graph_param(g, name, ndim, dim, LN_INIT_ZEROS, 0, &id); break;
    case LN_LEAF_BUFFER: rc = ln_graph_buffer(g, name, ndim, dim, 0, &id); break;
    case LN_LEAF_CONST: {
      ln_tensor *t = ln_tensor_new((ln_dtype)dt, ndim, dim);
      if (t == NULL) return LN_ENOMEM;
      rc = ln_graph_const(g, name, t, &id);
      ln_tensor_free(t);
      break;
    }
    default:
      if ((opi = ln_op_find(op)) < 0)
        return ln_seterr(LN_EFORMAT, "load: %s: unknown op '%s'", path, op);
      rc = ln_graph_op(g, opi, n_in, in, attr, n_list, list, &id);
      if (rc == LN_OK && *name) rc = ln_graph_set_name(g, id, name);
  }
  if (rc != LN_OK) return rc;
  if (g->nodes[id]->store) {
    ln_tensor *t = g->nodes[id]->store;
    const void *q = get(r, t->n * 4);
    if (q == NULL) return corrupt(path, "truncated values");
    memcpy(t->data, q, t->n * 4);
  }
  return LN_OK;
}

static int read_optim (rbuf *r, ln_model *m, ln_optim **opt, const char *path) {
  ln_optconf c;
  double conf[10];
  int64_t t = 0;
  int kind, ns, k, s, rc;
  const void *q;
  ln_optim *o;
  kind = get_i32(r);
  if ((q = get(r, sizeof(conf))) != NULL) memcpy(conf, q, sizeof(conf));
  if ((q = get(r, 8)) != NULL) memcpy(&t, q, 8);
  ns = get_i32(r);
  if (r->bad || kind < 0 || kind >= LN_OPT_COUNT) return corrupt(path, "optimizer");
  ln_optconf_defaults((ln_optkind)kind, &c);
  c.lr = conf[0]; c.momentum = conf[1]; c.dampening = conf[2];
  c.nesterov = (int)conf[3]; c.weight_decay = conf[4]; c.beta1 = conf[5];
  c.beta2 = conf[6]; c.alpha = conf[7]; c.eps = conf[8]; c.clip_norm = conf[9];
  if ((rc = ln_optim_new(m, (ln_optkind)kind, &c, &o)) != LN_OK) return rc;
  if (ns != ln_optim_n_state(o)) { ln_optim_free(o); return corrupt(path, "optimizer state"); }
  for (k = 0; ln_optim_state(o, k, 0); k++)
    for (s = 0; s < ns; s++) {
      ln_tensor *st = ln_optim_state(o, k, s);
      if ((q = get(r, st->n * 4)) == NULL) { ln_optim_free(o); return corrupt(path, "truncated"); }
      memcpy(st->data, q, st->n * 4);
    }
  ln_optim_set_steps(o, (long)t);
  *opt = o;
  return LN_OK;
}

static int read_file (const char *path, unsigned char **data, size_t *len) {
  FILE *f = fopen(path, "rb");
  long sz;
  *data = NULL;
  if (f == NULL) return ln_seterr(LN_EIO, "load: %s: %s", path, strerror(errno));
  if (fseek(f, 0, SEEK_END) != 0 || (sz = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    return ln_seterr(LN_EIO, "load: %s: cannot seek", path);
  }
  if ((*data = ln_malloc((size_t)sz + 1)) == NULL) { fclose(f); return LN_ENOMEM; }
  if (fread(*data, 1, (size_t)sz, f) != (size_t)sz) {
    fclose(f); free(*data); *data = NULL;
    return ln_seterr(LN_EIO, "load: %s: read failed", path);
  }
  fclose(f);
  *len = (size_t)sz;
  return LN_OK;
}

static int parse (rbuf *r, const char *path, ln_model **out, ln_optim **opt) {
  ln_graph *g;
  int32_t nn, maxb, loss, nout, outs[64];
  int k, rc;
  unsigned prec = LN_FP32;
  uint32_t v;
  memcpy(&v, r->p + 8, 4);
  if (v < 1 || v > VERSION)
    return ln_seterr(LN_EFORMAT, "load: %s: file version %u, this luanet reads 1 to %u",
                     path, v, VERSION);
  r->pos = 12;
  nn = get_i32(r); maxb = get_i32(r); loss = get_i32(r); nout = get_i32(r);
  if (r->bad || nn < 0 || nout < 0 || nout > 64) return corrupt(path, "header");
  for (k = 0; k < nout; k++) outs[k] = get_i32(r);
  if (v >= 2) prec = get_u8(r);
  if (r->bad || prec > LN_BF16) return corrupt(path, "precision");
  if ((rc = ln_graph_new(&g)) != LN_OK) return rc;
  for (k = 0; k < nn && rc == LN_OK; k++) rc = read_node(r, g, path);
  if (rc == LN_OK) rc = ln_model_compile(g, maxb, loss, nout, outs, out);
  if (rc != LN_OK) { ln_graph_free(g); return rc; }
  if (prec != LN_FP32) rc = ln_model_set_precision(*out, (ln_precision)prec);
  if (rc == LN_OK && get_u8(r) == 1 && opt) rc = read_optim(r, *out, opt, path);
  if (rc != LN_OK) { ln_model_free(*out); *out = NULL; }
  return rc;
}

int ln_model_load (const char *path, ln_model **out, ln_optim **opt) {
  unsigned char *data;
  size_t len = 0;
  uint32_t crc;
  rbuf r;
  int rc;
  *out = NULL;
  if (opt) *opt = NULL;
  if ((rc = read_file(path, &data, &len)) != LN_OK) return rc;
  if (len < 16 || memcmp(data, MAGIC, 8) != 0) {
    free(data);
    return ln_seterr(LN_EFORMAT, "load: %s: not a luanet model file", path);
  }
  memcpy(&crc, data + len - 4, 4);
  if (crc != (uint32_t)crc32(0L, data, (uInt)(len - 4))) {
    free(data);
    return ln_seterr(LN_EFORMAT, "load: %s: checksum mismatch (file truncated or "
                     "corrupted)", path);
  }
  r.p = data; r.n = len - 4; r.pos = 0; r.bad = 0;
  rc = parse(&r, path, out, opt);
  free(data);
  return rc;
}

/* }====== */
