/*
** ln_op.c -- the op table: the families of src/ops/ joined into one index,
** then the ops an application registers (ln_op_register), and parsing of
** each op's attribute spec ("stride=1,pad=0,shape=[]").
**
** The spec is the single source of op metadata (the Lua front end and
** docs/ops.md derive from it): comma-separated items
**     [markers]name[=default]
** default: a number; "a|b|c" an enum (first is the default, stored as its
** index); "[]" the list attribute (n->list); "[B]" a list in which "B"
** from Lua stands for the batch dimension (-1 to the engine: inferred).
** A number followed by ":2" makes a pair (height, width; see pair_slots):
** from Lua a number (both) or {h, w}.
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

#define MAX_OPS LN_MAX_OPS

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
  int second[LN_MAX_ATTRS];            /* pair: slot of its second value
                                       ** (minus the first), else -1 */
  int pos[LN_MAX_ATTRS];               /* '@': 1-based position, else 0 */
  char mark[LN_MAX_ATTRS];             /* '#', '^', '$' or 0 */
  int batch[LN_MAX_ATTRS];             /* "[B]": the list may hold "B" */
} attrspec;

/* entries [0, n_table) are complete and never change: readers take
** n_table (acquire) without a lock; ln_op_register fills the next entry
** under 'reg' and then publishes it (release) */
static const ln_opdesc *table[MAX_OPS];
static attrspec specs[MAX_OPS];
static int n_table, n_builtin;
static pthread_once_t once = PTHREAD_ONCE_INIT;
static pthread_mutex_t reg = PTHREAD_MUTEX_INITIALIZER;

/*
** A pair attribute, "stride=1:2" (default 1, two values: height and width),
** keeps its first value in slot k like any attribute; its second value is
** stored after all the attributes (slot n, n + 1, ... in spec order) as
** the difference to the first. So an attribute array written for one
** value per attribute -- by C code from before pairs, or in a model file
** saved then -- holds 0 there and means the same value on both axes.
*/
static void pair_slots (attrspec *sp) {
  int k, top = sp->n;
  for (k = 0; k < sp->n; k++)
    if (sp->second[k] == 0) sp->second[k] = -1;
    else if (top < LN_MAX_ATTRS) sp->second[k] = top++;
    else sp->second[k] = -1;            /* no room: one value */
}

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
    char *pair;
    if (eq) *eq = '\0';
    snprintf(sp->name[k], sizeof(sp->name[k]), "%s", name);
    if (eq == NULL) continue;
    eq++;
    if ((pair = strstr(eq, ":2")) != NULL && pair[2] == '\0') {
      *pair = '\0';
      sp->second[k] = 1;                 /* a slot for it in pair_slots */
    }
    if (strcmp(eq, "[]") == 0 || strcmp(eq, "[B]") == 0) {
      sp->is_list[k] = 1;
      sp->batch[k] = eq[1] == 'B';
    } else if (strchr(eq, '|') || ((*eq < '0' || *eq > '9') && *eq != '-'
                                   && *eq != '.'))
      snprintf(sp->enums[k], sizeof(sp->enums[k]), "%s", eq);
    else sp->def[k] = strtod(eq, NULL);
  }
  pair_slots(sp);
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
  n_builtin = n_table;
}

/* the number of complete entries */
static int ensure (void) {
  pthread_once(&once, build);
  return __atomic_load_n(&n_table, __ATOMIC_ACQUIRE);
}

const ln_opdesc *ln_op_desc (int op) {
  return (op >= 0 && op < ensure()) ? table[op] : NULL;
}

int ln_op_count (void) { return ensure(); }

int ln_op_find (const char *name) {
  int i, n = ensure();
  for (i = 1; i < n && name; i++)
    if (strcmp(table[i]->name, name) == 0) return i;
  return -1;
}

const char *ln_op_name (int op) {
  const ln_opdesc *d = ln_op_desc(op);
  return d ? d->name : NULL;
}

int ln_op_info (int op, ln_opinfo *info) {
  const ln_opdesc *d = ln_op_desc(op);
  if (d == NULL) return ln_seterr(LN_EARG, "op_info: no op #%d", op);
  info->name = d->name;
  info->min_in = d->min_in;
  info->max_in = d->max_in;
  info->attrs = d->attrs ? d->attrs : "";
  info->doc = d->doc ? d->doc : "";
  info->paper = d->paper ? d->paper : "";
  info->has_grad = d->backward != NULL;
  info->custom = op >= n_builtin;
  return LN_OK;
}

/* {====== Ops from the application ====== */

static int valid_name (const char *s) {
  size_t i;
  if (s == NULL || !(*s == '_' || (*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z')))
    return 0;
  for (i = 1; s[i]; i++)
    if (!(s[i] == '_' || (s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= 'a' && s[i] <= 'z') ||
          (s[i] >= '0' && s[i] <= '9')))
      return 0;
  return i < LN_NAME_MAX;
}

/* what makes 'def' unusable, as a message; NULL when it is fine */
static const char *def_problem (const ln_opdef *def) {
  size_t i, n = 1;
  if (!valid_name(def->name))
    return "the name must be [A-Za-z_][A-Za-z0-9_]* and shorter than 64 bytes";
  if (def->shape == NULL || def->forward == NULL) return "shape and forward are required";
  if (def->min_in < 1 || def->max_in < def->min_in || def->max_in > LN_MAX_IN)
    return "arity must satisfy 1 <= min_in <= max_in <= 6 (LN_MAX_IN)";
  if (def->attrs == NULL) return NULL;
  for (i = 0; def->attrs[i]; i++) n += def->attrs[i] == ',';
  if (strlen(def->attrs) >= 500) return "the attribute spec is longer than 500 bytes";
  if (n > LN_MAX_ATTRS) return "more than 12 (LN_MAX_ATTRS) attributes";
  return NULL;
}

static char *copy_str (const char *s) {
  char *d = s ? ln_malloc(strlen(s) + 1) : NULL;
  if (d) strcpy(d, s);
  return d;
}

/* a descriptor of the engine's kind for 'def' (strings copied) */
static ln_opdesc *make_desc (const ln_opdef *def) {
  ln_opdesc *d = ln_calloc(1, sizeof(*d));
  if (d == NULL) return NULL;
  d->name = copy_str(def->name);
  d->attrs = copy_str(def->attrs ? def->attrs : "");
  d->doc = copy_str(def->doc ? def->doc : "");
  if (!d->name || !d->attrs || !d->doc) {
    free((char *)d->name); free((char *)d->attrs); free((char *)d->doc); free(d);
    return NULL;
  }
  d->min_in = def->min_in;
  d->max_in = def->max_in;
  d->shape = def->shape;
  d->forward = def->forward;
  d->backward = def->backward;
  d->validate = def->validate;
  /* the plan must keep the values a backward may read */
  d->flags = LN_F_SAVE_IN | LN_F_SAVE_OUT;
  return d;
}

int ln_op_register (const ln_opdef *def, int *op) {
  const char *why;
  ln_opdesc *d;
  int n, rc = LN_OK;
  if (def == NULL) return ln_seterr(LN_EARG, "ln_op_register: def is NULL");
  if ((why = def_problem(def)) != NULL)
    return ln_seterr(LN_EARG, "ln_op_register: op '%.64s': %s", def->name ? def->name : "(null)", why);
  ensure();
  pthread_mutex_lock(&reg);
  n = n_table;
  if (ln_op_find(def->name) >= 0)
    rc = ln_seterr(LN_EARG, "ln_op_register: op '%s' is already in the op table", def->name);
  else if (n >= MAX_OPS)
    rc = ln_seterr(LN_EARG, "ln_op_register: op '%s': the op table is full (%d ops)",
                   def->name, MAX_OPS);
  else if ((d = make_desc(def)) == NULL)
    rc = ln_seterr(LN_ENOMEM, "ln_op_register: op '%s': out of memory", def->name);
  else {
    table[n] = d;
    parse_spec(d->attrs, &specs[n]);
    __atomic_store_n(&n_table, n + 1, __ATOMIC_RELEASE);
    if (op) *op = n;
  }
  pthread_mutex_unlock(&reg);
  return rc;
}

/* }====== */

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

int ln_op_attr_pair (int op, int k) {
  if (ln_op_desc(op) == NULL || k < 0 || k >= specs[op].n) return -1;
  return specs[op].second[k];
}

int ln_op_attr_set_pair (int op, double *attr, int k, double h, double w) {
  int s = ln_op_attr_pair(op, k);
  if (k < 0 || k >= LN_MAX_ATTRS) return LN_EARG;
  attr[k] = h;
  if (s >= 0) attr[s] = w - h;
  return s >= 0 || w == h ? LN_OK : LN_EARG;
}

void ln_op_attr_get_pair (int op, const double *attr, int k, double *h,
                          double *w) {
  int s = ln_op_attr_pair(op, k);
  *h = k >= 0 && k < LN_MAX_ATTRS ? attr[k] : 0;
  *w = s >= 0 ? *h + attr[s] : *h;
}

double ln_attr_second (const ln_node *n, int k) {
  double h, w;
  ln_op_attr_get_pair(n->op, n->attr, k, &h, &w);
  return w;
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

