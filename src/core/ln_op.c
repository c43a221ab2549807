/*
** ln_op.c -- the op table: the families of src/ops/ joined into one index,
** and parsing of each op's attribute spec ("stride=1,pad=0,shape=[]").
**
** The spec is the single source of op metadata (the Lua front end and
** docs/ops.md derive from it): comma-separated items
**     [markers]name[=default]
** default: a number; "a|b|c" an enum (first is the default, stored as its
** index); "[]" the list attribute (n->list); "[B]" a list in which "B"
** from Lua stands for the batch dimension (-1 to the engine: inferred).
** Markers, before the name, in any order:
**   @  a positional argument: from Lua it may follow the tensor inputs,
**      the @ attributes in the order they appear in the spec
**   #  an axis (dimension): 1-based from Lua, 0-based in the engine;
**      negatives count from the end (-1 the last); on a list, each entry
**   ^  a start index: 1-based and inclusive from Lua (0-based here)
**   $  a stop index: 1-based and inclusive from Lua (0-based exclusive
**      here); negatives count from the end, -1 the last element
** From Lua, every list attribute also takes a single integer (a list of
** one). Defaults are engine values. E.g. the reductions'
** "@#axes=[],@keepdim=0": x:sum(2, true) sums over axis 1 (0-based).
*/
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>
#include "ln_internal.h"

#define MAX_OPS 256

static const ln_opdesc leaf = {
  .name = "leaf", .attrs = "", .doc = "an input, parameter, buffer or constant"
};

/* ORDER FAMILY: a new family file adds one line here */
static const ln_opdesc *const families[] = {
  ln_ops_elem, ln_ops_reduce, ln_ops_shape, ln_ops_products, ln_ops_conv,
  ln_ops_norm,
  ln_ops_actlearn,
  ln_ops_loss,
  ln_ops_act,
  ln_ops_kan,
  NULL
};

/* parsed attribute spec of one op */
typedef struct attrspec {
  int n;                               /* number of attributes */
  char name[LN_MAX_ATTRS][24];         /* their names */
  double def[LN_MAX_ATTRS];            /* defaults (enum: 0) */
  int is_list[LN_MAX_ATTRS];           /* "[]" attribute */
  char enums[LN_MAX_ATTRS][64];        /* "a|b|c" or "" */
  int pos[LN_MAX_ATTRS];               /* '@': 1-based position, else 0 */
  char mark[LN_MAX_ATTRS];             /* '#', '^', '$' or 0 */
  int batch[LN_MAX_ATTRS];             /* "[B]": the list may hold "B" */
} attrspec;

static const ln_opdesc *table[MAX_OPS];
static attrspec specs[MAX_OPS];
static int n_table;
static pthread_once_t once = PTHREAD_ONCE_INIT;

/* the markers in front of item 'tok' of a spec: fills attribute k's
** position and mark; returns the name after them */
static char *parse_marks (char *tok, attrspec *sp, int k, int *n_pos) {
  for (;; tok++) {
    if (*tok == '@') sp->pos[k] = ++*n_pos;
    else if (*tok == '#' || *tok == '^' || *tok == '$') sp->mark[k] = *tok;
    else return tok;
  }
}

static void parse_spec (const char *s, attrspec *sp) {
  char buf[512], *tok, *save = NULL;
  int n_pos = 0;
  memset(sp, 0, sizeof(*sp));
  if (s == NULL || *s == '\0') return;
  snprintf(buf, sizeof(buf), "%s", s);
  for (tok = strtok_r(buf, ",", &save); tok && sp->n < LN_MAX_ATTRS;
       tok = strtok_r(NULL, ",", &save)) {
    int k = sp->n++;
    char *name = parse_marks(tok, sp, k, &n_pos), *eq = strchr(name, '=');
    if (eq) *eq = '\0';
    snprintf(sp->name[k], sizeof(sp->name[k]), "%s", name);
    if (eq == NULL) continue;
    eq++;
    if (strcmp(eq, "[]") == 0 || strcmp(eq, "[B]") == 0) {
      sp->is_list[k] = 1;
      sp->batch[k] = eq[1] == 'B';
    } else if (strchr(eq, '|') || ((*eq < '0' || *eq > '9') && *eq != '-'
                                   && *eq != '.'))
      snprintf(sp->enums[k], sizeof(sp->enums[k]), "%s", eq);
    else sp->def[k] = strtod(eq, NULL);
  }
}

static void build (void) {
  int f;
  table[n_table++] = &leaf;
  for (f = 0; families[f]; f++) {
    const ln_opdesc *d;
    for (d = families[f]; d->name; d++)
      if (n_table < MAX_OPS) table[n_table++] = d;
  }
  for (f = 0; f < n_table; f++) parse_spec(table[f]->attrs, &specs[f]);
}

static void ensure (void) { pthread_once(&once, build); }

const ln_opdesc *ln_op_desc (int op) {
  ensure();
  return (op >= 0 && op < n_table) ? table[op] : NULL;
}

int ln_op_count (void) { ensure(); return n_table; }

int ln_op_find (const char *name) {
  int i;
  ensure();
  for (i = 1; i < n_table; i++)
    if (strcmp(table[i]->name, name) == 0) return i;
  return -1;
}

const ln_opdesc *ln_node_desc (const ln_node *n) { return ln_op_desc(n->op); }

int ln_op_attr_names (int op, const char **names, int max) {
  int i;
  if (ln_op_desc(op) == NULL) return 0;
  for (i = 0; i < specs[op].n && i < max; i++) names[i] = specs[op].name[i];
  return specs[op].n;
}

int ln_op_attr_index (int op, const char *name) {
  int i;
  if (ln_op_desc(op) == NULL) return -1;
  for (i = 0; i < specs[op].n; i++)
    if (strcmp(specs[op].name[i], name) == 0) return i;
  return -1;
}

int ln_op_attr_is_list (int op, int k) {
  if (ln_op_desc(op) == NULL || k < 0 || k >= specs[op].n) return 0;
  return specs[op].is_list[k];
}

/* the parsed spec of op when it has an attribute k, else NULL */
static const attrspec *attr_spec (int op, int k) {
  if (ln_op_desc(op) == NULL || k < 0 || k >= specs[op].n) return NULL;
  return &specs[op];
}

int ln_op_attr_positional (int op, int k) {
  const attrspec *sp = attr_spec(op, k);
  return sp ? sp->pos[k] : 0;
}

int ln_op_attr_is_axis (int op, int k) {
  const attrspec *sp = attr_spec(op, k);
  return sp ? sp->mark[k] == '#' : 0;
}

int ln_op_attr_is_start (int op, int k) {
  const attrspec *sp = attr_spec(op, k);
  return sp ? sp->mark[k] == '^' : 0;
}

int ln_op_attr_is_stop (int op, int k) {
  const attrspec *sp = attr_spec(op, k);
  return sp ? sp->mark[k] == '$' : 0;
}

int ln_op_attr_takes_batch (int op, int k) {
  const attrspec *sp = attr_spec(op, k);
  return sp ? sp->batch[k] : 0;
}

/* index of 'val' in "a|b|c", or -1 */
int ln_op_attr_enum (int op, int k, const char *val) {
  const char *p;
  int idx = 0;
  size_t len = strlen(val);
  if (ln_op_desc(op) == NULL || k < 0 || k >= specs[op].n) return -1;
  p = specs[op].enums[k];
  if (*p == '\0') return -1;
  for (;;) {
    const char *bar = strchr(p, '|');
    size_t l = bar ? (size_t)(bar - p) : strlen(p);
    if (l == len && strncmp(p, val, len) == 0) return idx;
    if (bar == NULL) return -1;
    p = bar + 1;
    idx++;
  }
}

const char *ln_op_attr_enum_name (int op, int k, int idx) {
  static _Thread_local char buf[64];
  const char *p;
  if (ln_op_desc(op) == NULL || k < 0 || k >= specs[op].n) return NULL;
  p = specs[op].enums[k];
  if (*p == '\0') return NULL;
  while (idx-- > 0) {
    p = strchr(p, '|');
    if (p == NULL) return NULL;
    p++;
  }
  snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(p, "|"), p);
  return buf;
}

void ln_op_attr_defaults (int op, double *attr) {
  int i;
  for (i = 0; i < LN_MAX_ATTRS; i++) attr[i] = 0;
  if (ln_op_desc(op) == NULL) return;
  for (i = 0; i < specs[op].n; i++) attr[i] = specs[op].def[i];
}

/* {====== Elementwise maps ====== */

int ln_same_numel (const ln_node *n) {
  int k;
  for (k = 0; k < n->n_in; k++)
    if (ln_numel(n->in[k]) != ln_numel(n)) return 0;
  return 1;
}

/* this thread's share [*i0, *i1) of [0, len): whole cache lines (16
** floats) each, in thread order */
static void thread_range (long len, long *i0, long *i1) {
#ifdef _OPENMP
  long nt = omp_get_num_threads(), t = omp_get_thread_num();
  long per = ((len + nt - 1) / nt + 15) / 16 * 16;
  *i0 = t * per < len ? t * per : len;
  *i1 = *i0 + per < len ? *i0 + per : len;
#else
  *i0 = 0;
  *i1 = len;
#endif
}

void ln_map_forward (ln_node *n) {
  const ln_opdesc *d = ln_node_desc(n);
  long len = (long)ln_numel(n);
#pragma omp parallel if (len > LN_PAR_MIN)
  {
    const float *in[LN_MAX_IN];
    long i0, i1;
    int k;
    thread_range(len, &i0, &i1);
    for (k = 0; k < n->n_in; k++) in[k] = n->in[k]->x + i0;
    if (i1 > i0) d->map(n, in, n->x + i0, i1 - i0);
  }
}

void ln_par_range (ln_node *n, long len, void (*fn) (ln_node *, long, long)) {
#pragma omp parallel if (len > LN_PAR_MIN)
  {
    long i0, i1;
    thread_range(len, &i0, &i1);
    if (i1 > i0) fn(n, i0, i1);
  }
}

/* }====== */

