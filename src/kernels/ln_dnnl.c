/*
** ln_dnnl.c -- oneDNN (Debian's libdnnl 2.6, its C API) behind two small
** kernel objects: a matrix product (ln_mm) and a 2-D convolution with its
** two gradients (ln_conv).
**
** Objects are made when a plan is prepared (compile, or the first run at a
** new batch size), never inside forward or backward: making one JIT-
** compiles code. Each holds its primitives and memory objects created with
** no data; a run points them at the current buffers (setting a handle
** allocates nothing) and executes. Scratchpads are the caller's: every
** primitive is made in user-scratchpad mode, the object reports how many
** bytes of workspace it needs, and the engine's work memory is passed in.
** oneDNN runs on the OpenMP runtime (libgomp) the engine uses, so
** ln_set_threads() sizes it too; a primitive sizes its partition of the
** work for the thread count it was made with, hence the plan remakes them
** when the count changes.
*/
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dnnl.h>
#include "ln_internal.h"

#define ALIGN 64

static dnnl_engine_t engine;
static dnnl_stream_t stream;
static int dnnl_up;
static long n_created, n_failed;
static int policy;            /* KERNELS_*, from LUANET_KERNELS */
enum { KERNELS_AUTO, KERNELS_ONEDNN, KERNELS_OPENBLAS };
static char version[64] = "oneDNN not available";
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void start (void) {
  const dnnl_version_t *v = dnnl_version();
  const char *k = getenv("LUANET_KERNELS");
  if (k && strcmp(k, "onednn") == 0) policy = KERNELS_ONEDNN;
  else if (k && strcmp(k, "openblas") == 0) policy = KERNELS_OPENBLAS;
  if (dnnl_engine_create(&engine, dnnl_cpu, 0) != dnnl_success) return;
  if (dnnl_stream_create(&stream, engine, dnnl_stream_default_flags) != dnnl_success) {
    dnnl_engine_destroy(engine);
    return;
  }
  snprintf(version, sizeof(version), "oneDNN %d.%d.%d", v->major, v->minor, v->patch);
  dnnl_up = 1;
}

/* at exit, or when the Lua module that holds the engine is unloaded (its
** statics go with it; without this the engine would leak) */
__attribute__((destructor)) static void stop (void) {
  if (!dnnl_up) return;
  dnnl_stream_destroy(stream);
  dnnl_engine_destroy(engine);
  dnnl_up = 0;
}

int ln_dnnl_available (void) {
  pthread_once(&once, start);
  return dnnl_up && policy != KERNELS_OPENBLAS;
}

const char *ln_dnnl_version (void) { ln_dnnl_available(); return version; }

/* the instruction set oneDNN's JIT targets here (ONEDNN_MAX_CPU_ISA caps it) */
const char *ln_dnnl_isa (void) {
  pthread_once(&once, start);
  if (!dnnl_up) return "none";
  switch (dnnl_get_effective_cpu_isa()) {
    case dnnl_cpu_isa_avx512_core_amx: return "AMX (avx512_core_amx)";
    case dnnl_cpu_isa_avx512_core_bf16: return "AVX-512 with BF16 (avx512_core_bf16)";
    case dnnl_cpu_isa_avx512_core_vnni: return "AVX-512 (avx512_core_vnni)";
    case dnnl_cpu_isa_avx512_core: return "AVX-512 (avx512_core)";
    case dnnl_cpu_isa_avx512_mic: case dnnl_cpu_isa_avx512_mic_4ops:
      return "AVX-512 (avx512_mic)";
    case dnnl_cpu_isa_avx2_vnni: return "AVX2 (avx2_vnni)";
    case dnnl_cpu_isa_avx2: return "AVX2 (avx2)";
    case dnnl_cpu_isa_avx: return "AVX (avx)";
    case dnnl_cpu_isa_sse41: return "SSE4.1 (sse41)";
    default: return "baseline";
  }
}

/* can oneDNN run bf16 products here (AVX-512 or better)? */
int ln_dnnl_has_bf16 (void) {
  dnnl_cpu_isa_t isa;
  if (!ln_dnnl_available()) return 0;
  isa = dnnl_get_effective_cpu_isa();
  return (isa & dnnl_cpu_isa_avx512_core) == dnnl_cpu_isa_avx512_core;
}

long ln_dnnl_created (void) { return __atomic_load_n(&n_created, __ATOMIC_RELAXED); }
long ln_dnnl_failed (void) { return __atomic_load_n(&n_failed, __ATOMIC_RELAXED); }

static size_t align (size_t s) { return (s + ALIGN - 1) / ALIGN * ALIGN; }

/* a primitive from a primitive descriptor (counted: the specs check that
** runs make none) */
static int make_prim (dnnl_primitive_t *p, const_dnnl_primitive_desc_t pd) {
  if (dnnl_primitive_create(p, pd) != dnnl_success) { *p = NULL; return 0; }
  __atomic_fetch_add(&n_created, 1, __ATOMIC_RELAXED);
  return 1;
}

static void run_prim (dnnl_primitive_t p, int n, const dnnl_exec_arg_t *args) {
  if (dnnl_primitive_execute(p, stream, n, args) != dnnl_success)
    __atomic_fetch_add(&n_failed, 1, __ATOMIC_RELAXED);
}

static dnnl_primitive_attr_t new_attr (void) {
  dnnl_primitive_attr_t a;
  if (dnnl_primitive_attr_create(&a) != dnnl_success) return NULL;
  dnnl_primitive_attr_set_scratchpad_mode(a, dnnl_scratchpad_mode_user);
  return a;
}

/* post-ops: 'acc' adds to what the destination holds; 'relu' clamps */
static int set_post (dnnl_primitive_attr_t a, int acc, int relu) {
  dnnl_post_ops_t po;
  int ok;
  if (!acc && !relu) return 1;
  if (dnnl_post_ops_create(&po) != dnnl_success) return 0;
  ok = (!acc || dnnl_post_ops_append_sum(po, 1.0f) == dnnl_success) &&
       (!relu || dnnl_post_ops_append_eltwise(po, 1.0f, dnnl_eltwise_relu, 0, 0)
                 == dnnl_success) &&
       dnnl_primitive_attr_set_post_ops(a, po) == dnnl_success;
  dnnl_post_ops_destroy(po);
  return ok;
}

static dnnl_memory_t new_mem (const dnnl_memory_desc_t *md) {
  dnnl_memory_t m;
  if (dnnl_memory_create(&m, md, engine, DNNL_MEMORY_NONE) != dnnl_success) return NULL;
  return m;
}

static size_t pd_scratch (const_dnnl_primitive_desc_t pd) {
  const dnnl_memory_desc_t *md = dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
  return md ? dnnl_memory_desc_get_size(md) : 0;
}

static const char *pd_impl (const_dnnl_primitive_desc_t pd) {
  const char *s = NULL;
  if (dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &s) != dnnl_success) return "?";
  return s ? s : "?";
}

/* {====== Programs: primitives run in order over bound buffers ====== */

/*
** A program is a few primitives (a convolution and the reorders around
** it) whose arguments are slots; at each run a slot's memory object gets
** its data from one of the caller's pointers or from the workspace at a
** fixed offset. The primitives' scratchpads share one region of the
** workspace, at 'sp_off', after the program's own buffers.
*/
enum { MAX_STEP = 8, MAX_SLOT = 24, MAX_ARG = 6 };

typedef struct step {
  dnnl_primitive_t prim;
  int n;
  int arg[MAX_ARG], slot[MAX_ARG];
} step;

typedef struct prog {
  int n_step, n_slot;
  step st[MAX_STEP];
  dnnl_memory_t mem[MAX_SLOT];
  int user[MAX_SLOT];        /* index into the run's pointers, or -1 */
  size_t off[MAX_SLOT];      /* offset in the workspace when user < 0 */
  size_t sp_off, scratch;    /* scratchpad region: offset, largest need */
} prog;

static void prog_free (prog *p) {
  int i;
  for (i = 0; i < p->n_step; i++) if (p->st[i].prim) dnnl_primitive_destroy(p->st[i].prim);
  for (i = 0; i < p->n_slot; i++) if (p->mem[i]) dnnl_memory_destroy(p->mem[i]);
  memset(p, 0, sizeof(*p));
}

/* a slot for 'md' bound to user pointer 'user' (>= 0) or to the workspace
** at 'off'; -1 when out of room */
static int prog_slot (prog *p, const dnnl_memory_desc_t *md, int user, size_t off) {
  int k = p->n_slot;
  if (k == MAX_SLOT || (p->mem[k] = new_mem(md)) == NULL) return -1;
  p->user[k] = user;
  p->off[k] = off;
  p->n_slot++;
  return k;
}

/* a workspace buffer of 'md' at *top (advanced) */
static int work_slot (prog *p, const dnnl_memory_desc_t *md, size_t *top) {
  int k = prog_slot(p, md, -1, *top);
  *top += align(dnnl_memory_desc_get_size(md));
  return k;
}

/* append a primitive from 'pd' with (argument, slot) pairs, and its
** scratchpad in the shared region */
static int prog_step (prog *p, const_dnnl_primitive_desc_t pd, int n,
                      const int *arg, const int *slot) {
  step *s = &p->st[p->n_step];
  size_t sp = pd_scratch(pd);
  int i;
  if (p->n_step == MAX_STEP || n + 1 > MAX_ARG) return 0;
  for (i = 0; i < n; i++) if (slot[i] < 0) return 0;
  memcpy(s->arg, arg, (size_t)n * sizeof(int));
  memcpy(s->slot, slot, (size_t)n * sizeof(int));
  if (sp) {
    s->arg[n] = DNNL_ARG_SCRATCHPAD;
    s->slot[n] = prog_slot(p, dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0),
                           -1, p->sp_off);
    if (s->slot[n++] < 0) return 0;
    if (sp > p->scratch) p->scratch = sp;
  }
  if (!make_prim(&s->prim, pd)) return 0;
  s->n = n;
  p->n_step++;
  return 1;
}

static size_t prog_work (const prog *p) { return align(p->sp_off + p->scratch); }

static void prog_run (prog *p, void *const *ptr, char *work) {
  dnnl_exec_arg_t a[MAX_ARG];
  int i, j;
  for (i = 0; i < p->n_slot; i++)
    dnnl_memory_set_data_handle(p->mem[i], p->user[i] >= 0 ? ptr[p->user[i]]
                                                           : work + p->off[i]);
  for (i = 0; i < p->n_step; i++) {
    step *s = &p->st[i];
    for (j = 0; j < s->n; j++) {
      a[j].arg = s->arg[j];
      a[j].memory = p->mem[s->slot[j]];
    }
    run_prim(s->prim, s->n, a);
  }
}

/* }====== */

/* {====== Matrix products ====== */

struct ln_mm {
  prog p;
  char impl[48];
};

enum { MM_A, MM_B, MM_BIAS, MM_C };

/* strided descriptor of a (batched) matrix stored rows x cols, seen
** transposed when 't' */
static int mat_md (dnnl_memory_desc_t *md, int batch, int rows, int cols,
                   int t, dnnl_data_type_t dt) {
  dnnl_dims_t d, s;
  int nd = batch > 1 ? 3 : 2, o = nd - 2;
  if (nd == 3) { d[0] = batch; s[0] = (dnnl_dim_t)rows * cols; }
  d[o] = t ? cols : rows;
  d[o + 1] = t ? rows : cols;
  s[o] = t ? 1 : cols;
  s[o + 1] = t ? cols : 1;
  return dnnl_memory_desc_init_by_strides(md, nd, d, dt, s) == dnnl_success;
}

int ln_mm_new (const ln_mmdesc *d, ln_mm **out) {
  dnnl_memory_desc_t am, bm, cm, biasm;
  dnnl_matmul_desc_t md;
  dnnl_primitive_desc_t pd = NULL;
  dnnl_primitive_attr_t attr = NULL;
  dnnl_data_type_t dt = d->bf16 ? dnnl_bf16 : dnnl_f32;
  int batch = d->batch > 1 ? d->batch : 1, nd = batch > 1 ? 3 : 2, ok;
  ln_mm *m;
  *out = NULL;
  if (!ln_dnnl_available() || d->m < 1 || d->n < 1 || d->k < 1) return LN_EARG;
  if (d->bf16 && !ln_dnnl_has_bf16()) return LN_EARG;
  if ((m = calloc(1, sizeof(*m))) == NULL) return ln_seterr(LN_ENOMEM, "kernels: out of memory");
  ok = mat_md(&am, batch, d->ta ? d->k : d->m, d->ta ? d->m : d->k, d->ta, dt) &&
       mat_md(&bm, batch, d->tb ? d->n : d->k, d->tb ? d->k : d->n, d->tb, dt) &&
       mat_md(&cm, batch, d->m, d->n, 0, dnnl_f32);
  if (ok && d->bias) {
    dnnl_dims_t bd = {1, 1, 1};
    bd[nd - 1] = d->n;
    ok = dnnl_memory_desc_init_by_tag(&biasm, nd, bd, dnnl_f32,
                                      nd == 3 ? dnnl_abc : dnnl_ab) == dnnl_success;
  }
  ok = ok && (attr = new_attr()) != NULL && set_post(attr, d->acc, d->relu) &&
       dnnl_matmul_desc_init(&md, &am, &bm, d->bias ? &biasm : NULL, &cm) == dnnl_success &&
       dnnl_primitive_desc_create(&pd, &md, attr, engine, NULL) == dnnl_success;
  if (ok) {
    int arg[4] = {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST, DNNL_ARG_BIAS};
    int slot[4], n = 3;
    snprintf(m->impl, sizeof(m->impl), "%s", pd_impl(pd));
    slot[0] = prog_slot(&m->p, &am, MM_A, 0);
    slot[1] = prog_slot(&m->p, &bm, MM_B, 0);
    slot[2] = prog_slot(&m->p, &cm, MM_C, 0);
    if (d->bias) slot[n++] = prog_slot(&m->p, &biasm, MM_BIAS, 0);
    ok = prog_step(&m->p, pd, n, arg, slot);
  }
  if (pd) dnnl_primitive_desc_destroy(pd);
  if (attr) dnnl_primitive_attr_destroy(attr);
  if (!ok) { ln_mm_free(m); return LN_EARG; }
  *out = m;
  return LN_OK;
}

size_t ln_mm_work (const ln_mm *m) { return m ? prog_work(&m->p) : 0; }
const char *ln_mm_impl (const ln_mm *m) { return m ? m->impl : "none"; }

void ln_mm_run (ln_mm *m, const void *a, const void *b, const float *bias,
                float *c, void *work) {
  void *ptr[4];
  ptr[MM_A] = (void *)(uintptr_t)a;
  ptr[MM_B] = (void *)(uintptr_t)b;
  ptr[MM_BIAS] = (void *)(uintptr_t)bias;
  ptr[MM_C] = c;
  prog_run(&m->p, ptr, work);
}

void ln_mm_free (ln_mm *m) {
  if (m == NULL) return;
  prog_free(&m->p);
  free(m);
}

/* }====== */

/* {====== Convolutions ====== */

/*
** The user's tensors are plain NCHW / OIHW float32. oneDNN's fast
** convolutions want blocked layouts (nChw16c, ...) and, in bf16, bf16
** inputs: a program reorders (and converts) into workspace buffers, runs,
** and reorders back, adding (a 'sum' post-op) where a gradient
** accumulates. Where oneDNN's layout is the user's, the user's buffer
** serves as is.
*/
struct ln_conv {
  prog fwd, bwd;
  size_t db_off;     /* workspace offset of a bias gradient added by hand */
  int O, add_db;
  char impl[3][48];
};

enum { CV_X, CV_W, CV_B, CV_Y, CV_DY, CV_DX, CV_DW, CV_DB };

typedef struct cmds {   /* the user's descriptors and the 'any' ones */
  dnnl_memory_desc_t x, w, b, y;
  dnnl_memory_desc_t xa, wa, ya, dya, dxa, dwa;
} cmds;

static int conv_mds (const ln_convdesc *d, cmds *c) {
  dnnl_data_type_t dt = d->bf16 ? dnnl_bf16 : dnnl_f32;
  dnnl_dims_t xd = {d->N, d->C, d->H, d->W}, yd = {d->N, d->O, d->OH, d->OW};
  dnnl_dims_t bd = {d->O}, wd = {d->O, d->C, d->kh, d->kw};
  dnnl_dims_t gwd = {d->G, d->O / d->G, d->C / d->G, d->kh, d->kw};
  int wn = d->G > 1 ? 5 : 4;
  dnnl_dim_t *w = d->G > 1 ? gwd : wd;
  dnnl_format_tag_t any = dnnl_format_tag_any;
  return dnnl_memory_desc_init_by_tag(&c->x, 4, xd, dnnl_f32, dnnl_nchw) == dnnl_success &&
    dnnl_memory_desc_init_by_tag(&c->y, 4, yd, dnnl_f32, dnnl_nchw) == dnnl_success &&
    dnnl_memory_desc_init_by_tag(&c->b, 1, bd, dnnl_f32, dnnl_a) == dnnl_success &&
    dnnl_memory_desc_init_by_tag(&c->w, wn, w, dnnl_f32,
                                 d->G > 1 ? dnnl_goihw : dnnl_oihw) == dnnl_success &&
    dnnl_memory_desc_init_by_tag(&c->xa, 4, xd, dt, any) == dnnl_success &&
    dnnl_memory_desc_init_by_tag(&c->dxa, 4, xd, dnnl_f32, any) == dnnl_success &&
    dnnl_memory_desc_init_by_tag(&c->ya, 4, yd, dnnl_f32, any) == dnnl_success &&
    dnnl_memory_desc_init_by_tag(&c->dya, 4, yd, dt, any) == dnnl_success &&
    dnnl_memory_desc_init_by_tag(&c->wa, wn, w, dt, any) == dnnl_success &&
    dnnl_memory_desc_init_by_tag(&c->dwa, wn, w, dnnl_f32, any) == dnnl_success;
}

/* reorders waiting to be appended: before the main step or after it */
typedef struct moves { int n; int from[6], to[6], acc[6]; } moves;

/*
** A user tensor as an argument of descriptor 'want': the user's slot when
** the layouts agree and nothing is added, else a workspace buffer (at
** *top, advanced) with a reorder from the user's ('out' = 0) or to it.
*/
static int bind (prog *p, const dnnl_memory_desc_t *user_md, int user,
                 const dnnl_memory_desc_t *want, size_t *top, int out, int acc,
                 moves *mv) {
  int u, b;
  if (want == NULL) return -1;
  if (dnnl_memory_desc_equal(user_md, want) && !acc) return prog_slot(p, user_md, user, 0);
  if ((u = prog_slot(p, user_md, user, 0)) < 0 || (b = work_slot(p, want, top)) < 0 ||
      mv->n == 6)
    return -1;
  mv->from[mv->n] = out ? b : u;
  mv->to[mv->n] = out ? u : b;
  mv->acc[mv->n++] = acc;
  return b;
}

/* append the reorders of 'mv' */
static int moves_flush (prog *p, const moves *mv) {
  int i, ok = 1;
  for (i = 0; ok && i < mv->n; i++) {
    const dnnl_memory_desc_t *a, *b;
    dnnl_primitive_desc_t pd = NULL;
    dnnl_primitive_attr_t attr = NULL;
    int arg[2] = {DNNL_ARG_FROM, DNNL_ARG_TO}, slot[2];
    slot[0] = mv->from[i];
    slot[1] = mv->to[i];
    dnnl_memory_get_memory_desc(p->mem[slot[0]], &a);
    dnnl_memory_get_memory_desc(p->mem[slot[1]], &b);
    ok = (attr = new_attr()) != NULL && set_post(attr, mv->acc[i], 0) &&
         dnnl_reorder_primitive_desc_create(&pd, a, engine, b, engine, attr) == dnnl_success &&
         prog_step(p, pd, 2, arg, slot);
    if (pd) dnnl_primitive_desc_destroy(pd);
    if (attr) dnnl_primitive_attr_destroy(attr);
  }
  return ok;
}

static const dnnl_memory_desc_t *qmd (const_dnnl_primitive_desc_t pd, dnnl_query_t q) {
  return dnnl_primitive_desc_query_md(pd, q, 0);
}

static int conv_fwd_prog (ln_conv *cv, const ln_convdesc *d, const cmds *c,
                          const_dnnl_primitive_desc_t pd) {
  int arg[4] = {DNNL_ARG_SRC, DNNL_ARG_WEIGHTS, DNNL_ARG_DST, DNNL_ARG_BIAS};
  int slot[4], n = 3;
  size_t top = 0;
  moves pre = {0}, post = {0};
  prog *p = &cv->fwd;
  slot[0] = bind(p, &c->x, CV_X, qmd(pd, dnnl_query_src_md), &top, 0, 0, &pre);
  slot[1] = bind(p, &c->w, CV_W, qmd(pd, dnnl_query_weights_md), &top, 0, 0, &pre);
  slot[2] = bind(p, &c->y, CV_Y, qmd(pd, dnnl_query_dst_md), &top, 1, 0, &post);
  if (d->bias) slot[n++] = prog_slot(p, &c->b, CV_B, 0);
  p->sp_off = top;
  return moves_flush(p, &pre) && prog_step(p, pd, n, arg, slot) && moves_flush(p, &post);
}

static int conv_bwd_prog (ln_conv *cv, const ln_convdesc *d, const cmds *c,
                          const_dnnl_primitive_desc_t dpd,
                          const_dnnl_primitive_desc_t wpd) {
  int da[3] = {DNNL_ARG_DIFF_DST, DNNL_ARG_WEIGHTS, DNNL_ARG_DIFF_SRC}, ds[3];
  int wa[4] = {DNNL_ARG_SRC, DNNL_ARG_DIFF_DST, DNNL_ARG_DIFF_WEIGHTS, DNNL_ARG_DIFF_BIAS};
  int ws[4], nw = 3, ok = 1;
  size_t top = 0;
  moves pre = {0}, post = {0};
  prog *p = &cv->bwd;
  if (dpd) {
    ds[0] = bind(p, &c->y, CV_DY, qmd(dpd, dnnl_query_diff_dst_md), &top, 0, 0, &pre);
    ds[1] = bind(p, &c->w, CV_W, qmd(dpd, dnnl_query_weights_md), &top, 0, 0, &pre);
    ds[2] = bind(p, &c->x, CV_DX, qmd(dpd, dnnl_query_diff_src_md), &top, 1, d->acc_dx, &post);
  }
  if (wpd) {
    const dnnl_memory_desc_t *want = qmd(wpd, dnnl_query_diff_dst_md), *have = NULL;
    if (dpd && ds[0] >= 0) dnnl_memory_get_memory_desc(p->mem[ds[0]], &have);
    ws[1] = have && dnnl_memory_desc_equal(have, want) ? ds[0]
          : bind(p, &c->y, CV_DY, want, &top, 0, 0, &pre);
    ws[0] = bind(p, &c->x, CV_X, qmd(wpd, dnnl_query_src_md), &top, 0, 0, &pre);
    ws[2] = d->need_dw
      ? bind(p, &c->w, CV_DW, qmd(wpd, dnnl_query_diff_weights_md), &top, 1, d->acc_dw, &post)
      : work_slot(p, qmd(wpd, dnnl_query_diff_weights_md), &top);
    if (d->bias) {
      cv->add_db = d->need_db && d->acc_db;
      if (d->need_db && !d->acc_db) ws[nw++] = prog_slot(p, &c->b, CV_DB, 0);
      else {
        cv->db_off = top;   /* bias gradient: added by hand, or dropped */
        ws[nw++] = work_slot(p, &c->b, &top);
      }
    }
  }
  p->sp_off = top;
  ok = moves_flush(p, &pre);
  if (ok && dpd) ok = prog_step(p, dpd, 3, da, ds);
  if (ok && wpd) ok = prog_step(p, wpd, nw, wa, ws);
  return ok && moves_flush(p, &post);
}

static int conv_build (ln_conv *cv, const ln_convdesc *d) {
  cmds c;
  dnnl_convolution_desc_t fd, bdd, bwd;
  dnnl_primitive_desc_t fpd = NULL, dpd = NULL, wpd = NULL;
  dnnl_primitive_attr_t fattr = NULL, battr = NULL;
  dnnl_dims_t st = {d->sh, d->sw}, dil = {d->dh - 1, d->dw - 1};
  dnnl_dims_t pad = {d->ph, d->pw};
  int ok = conv_mds(d, &c) && (fattr = new_attr()) != NULL &&
    set_post(fattr, 0, d->relu) && (battr = new_attr()) != NULL &&
    dnnl_dilated_convolution_forward_desc_init(&fd, dnnl_forward_training,
      dnnl_convolution_direct, &c.xa, &c.wa, d->bias ? &c.b : NULL, &c.ya,
      st, dil, pad, pad) == dnnl_success &&
    dnnl_primitive_desc_create(&fpd, &fd, fattr, engine, NULL) == dnnl_success;
  if (ok && d->need_dx)
    ok = dnnl_dilated_convolution_backward_data_desc_init(&bdd, dnnl_convolution_direct,
           &c.dxa, &c.wa, &c.dya, st, dil, pad, pad) == dnnl_success &&
         dnnl_primitive_desc_create(&dpd, &bdd, battr, engine, fpd) == dnnl_success;
  if (ok && (d->need_dw || d->need_db))
    ok = dnnl_dilated_convolution_backward_weights_desc_init(&bwd, dnnl_convolution_direct,
           &c.xa, &c.dwa, d->bias ? &c.b : NULL, &c.dya, st, dil, pad, pad) == dnnl_success &&
         dnnl_primitive_desc_create(&wpd, &bwd, battr, engine, fpd) == dnnl_success;
  if (ok) {
    snprintf(cv->impl[0], sizeof(cv->impl[0]), "%s", pd_impl(fpd));
    if (dpd) snprintf(cv->impl[1], sizeof(cv->impl[1]), "%s", pd_impl(dpd));
    if (wpd) snprintf(cv->impl[2], sizeof(cv->impl[2]), "%s", pd_impl(wpd));
    ok = conv_fwd_prog(cv, d, &c, fpd) && (!(dpd || wpd) || conv_bwd_prog(cv, d, &c, dpd, wpd));
  }
  if (fpd) dnnl_primitive_desc_destroy(fpd);
  if (dpd) dnnl_primitive_desc_destroy(dpd);
  if (wpd) dnnl_primitive_desc_destroy(wpd);
  if (fattr) dnnl_primitive_attr_destroy(fattr);
  if (battr) dnnl_primitive_attr_destroy(battr);
  return ok;
}

int ln_conv_new (const ln_convdesc *d, ln_conv **out) {
  ln_conv *cv;
  *out = NULL;
  if (!ln_dnnl_available()) return LN_EARG;
  if (d->bf16 && !ln_dnnl_has_bf16()) return LN_EARG;
  if ((cv = calloc(1, sizeof(*cv))) == NULL) return ln_seterr(LN_ENOMEM, "kernels: out of memory");
  cv->O = d->O;
  if (!conv_build(cv, d)) { ln_conv_free(cv); return LN_EARG; }
  *out = cv;
  return LN_OK;
}

size_t ln_conv_work (const ln_conv *cv) {
  size_t f = prog_work(&cv->fwd), b = prog_work(&cv->bwd);
  return f > b ? f : b;
}

const char *ln_conv_impl (const ln_conv *cv, int k) {
  return k >= 0 && k < 3 && cv->impl[k][0] ? cv->impl[k] : "none";
}

void ln_conv_forward (ln_conv *cv, const float *x, const float *w,
                      const float *b, float *y, void *work) {
  void *ptr[8] = {0};
  ptr[CV_X] = (void *)(uintptr_t)x;
  ptr[CV_W] = (void *)(uintptr_t)w;
  ptr[CV_B] = (void *)(uintptr_t)b;
  ptr[CV_Y] = y;
  prog_run(&cv->fwd, ptr, work);
}

void ln_conv_backward (ln_conv *cv, const float *x, const float *w,
                       const float *dy, float *dx, float *dw, float *db,
                       void *work) {
  void *ptr[8] = {0};
  ptr[CV_X] = (void *)(uintptr_t)x;
  ptr[CV_W] = (void *)(uintptr_t)w;
  ptr[CV_DY] = (void *)(uintptr_t)dy;
  ptr[CV_DX] = dx;
  ptr[CV_DW] = dw;
  ptr[CV_DB] = db;
  prog_run(&cv->bwd, ptr, work);
  if (cv->add_db) {
    const float *part = (const float *)(void *)((char *)work + cv->db_off);
    int o;
    for (o = 0; o < cv->O; o++) db[o] += part[o];
  }
}

void ln_conv_free (ln_conv *cv) {
  if (cv == NULL) return;
  prog_free(&cv->fwd);
  prog_free(&cv->bwd);
  free(cv);
}

/* }====== */

/* {====== Which library ====== */

/* does oneDNN run AVX-512 (or better) kernels here? */
static int avx512 (void) {
  dnnl_cpu_isa_t isa = dnnl_get_effective_cpu_isa();
  return (isa & dnnl_cpu_isa_avx512_core) == dnnl_cpu_isa_avx512_core;
}

/*
** OpenBLAS or oneDNN for a float32 product of this shape. Measured with
** bench/dnnl_shapes.c (bench/README.md has the tables):
**   - with AVX-512, oneDNN's brgemm kernels beat Debian's OpenBLAS 0.3.21
**     on every shape class of the models here (about 2x at 128x1024x1024,
**     more where one dimension is small, as the 10-class layer), but on
**     tiny products (m n k < 32768, e.g. 16^3) its per-call overhead (a
**     few microseconds: argument binding, thread dispatch) costs more than
**     it saves;
**   - below AVX-512 (ONEDNN_MAX_CPU_ISA=AVX2) oneDNN's matmul is its
**     'gemm:jit', no faster than OpenBLAS (0.5x to 1.1x) and it allocates
**     its packing buffers at every call: OpenBLAS.
** LUANET_KERNELS=onednn takes oneDNN for every product it can run (the
** AVX2 spec uses it to check oneDNN's AVX2 kernels), =openblas never.
*/
int ln_dnnl_prefer (long m, long n, long k) {
  if (!ln_dnnl_available()) return 0;
  return policy == KERNELS_ONEDNN || (avx512() && m * n * k >= 32768);
}

/* the same for convolutions: oneDNN's AVX-512 kernels (3x the im2col
** path's speed on the CNN's second layer); below AVX-512 its jit:avx2
** weight gradient is slower than im2col + OpenBLAS */
int ln_dnnl_prefer_conv (void) {
  if (!ln_dnnl_available()) return 0;
  return policy == KERNELS_ONEDNN || avx512();
}

const char *ln_dnnl_policy (void) {
  ln_dnnl_available();
  return policy == KERNELS_ONEDNN ? "onednn" : policy == KERNELS_OPENBLAS ? "openblas" : "auto";
}

const char *ln_dnnl_info (void) { return ln_dnnl_version(); }
const char *ln_dnnl_isa_info (void) { return ln_dnnl_isa(); }

/* }====== */
