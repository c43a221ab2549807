/*
** test_op_spec.c -- the attribute spec markers of the op table (see
** src/core/ln_op.c): positional order, axes, start/stop indices, lists
** taking "B"; names and defaults read past the markers.
*/
#include <string.h>
#include "luanet.h"
#include "tap.h"

static int attr_of (const char *op, const char *name, int *k) {
  int o = ln_op_find(op);
  *k = o < 0 ? -1 : ln_op_attr_index(o, name);
  return o;
}

/* attribute 'name' of 'op': its position and marks */
typedef struct mark_case {
  const char *op, *name;
  int pos, axis, start, stop, batch;
} mark_case;

static const mark_case marks[] = {
  {"sum", "axes", 1, 1, 0, 0, 0},       {"sum", "keepdim", 2, 0, 0, 0, 0},
  {"var", "correction", 3, 0, 0, 0, 0}, {"slice", "axis", 1, 1, 0, 0, 0},
  {"slice", "start", 2, 0, 1, 0, 0},    {"slice", "stop", 3, 0, 0, 1, 0},
  {"slice", "step", 4, 0, 0, 0, 0},     {"reshape", "shape", 1, 0, 0, 0, 1},
  {"transpose", "dim1", 2, 1, 0, 0, 0}, {"softmax", "axis", 1, 1, 0, 0, 0},
  {"clamp", "max", 2, 0, 0, 0, 0},      {"conv2d", "stride", 0, 0, 0, 0, 0},
  {"layer_norm", "eps", 0, 0, 0, 0, 0},
};

static void marks_ok (const mark_case *c) {
  int k, o = attr_of(c->op, c->name, &k);
  tap_ok(o >= 0 && k >= 0 && ln_op_attr_positional(o, k) == c->pos
         && ln_op_attr_is_axis(o, k) == c->axis
         && ln_op_attr_is_start(o, k) == c->start
         && ln_op_attr_is_stop(o, k) == c->stop
         && ln_op_attr_takes_batch(o, k) == c->batch,
         "%s.%s: position %d, axis %d, start %d, stop %d, batch %d", c->op,
         c->name, c->pos, c->axis, c->start, c->stop, c->batch);
}

static void default_ok (const char *op, const char *name, double want) {
  double def[LN_MAX_ATTRS];
  int k, o = attr_of(op, name, &k);
  ln_op_attr_defaults(o, def);
  tap_ok(k >= 0 && def[k] == want, "%s.%s defaults to %g", op, name, want);
}

/* every op: bare names, positions 1..n without gaps, "B" only on lists */
static void table_ok (void) {
  int o, bad = 0;
  for (o = 1; o < ln_op_count(); o++) {
    const char *names[LN_MAX_ATTRS];
    int n = ln_op_attr_names(o, names, LN_MAX_ATTRS), k, seen = 0, top = 0;
    for (k = 0; k < n; k++) {
      int p = ln_op_attr_positional(o, k);
      if (strpbrk(names[k], "@#^$=") != NULL) bad++;
      if (ln_op_attr_takes_batch(o, k) && !ln_op_attr_is_list(o, k)) bad++;
      if (p) { seen++; if (p > top) top = p; }
    }
    if (top != seen) bad++;
  }
  tap_ok(bad == 0, "every op: names without markers, positions 1..n");
}

int main (void) {
  size_t i;
  int k;
  for (i = 0; i < sizeof(marks) / sizeof(marks[0]); i++) marks_ok(&marks[i]);
  tap_ok(ln_op_attr_is_list(ln_op_find("reshape"), 0), "reshape.shape is a list");
  default_ok("softmax", "axis", -1);
  default_ok("slice", "stop", 2147483647);
  default_ok("flatten", "start_dim", 1);
  default_ok("clamp", "min", -3.4e38);
  k = ln_op_attr_index(ln_op_find("gelu"), "approximate");
  tap_ok(ln_op_attr_enum(ln_op_find("gelu"), k, "tanh") == 1, "gelu.approximate: an enum behind '@'");
  tap_ok(ln_op_attr_positional(ln_op_find("sum"), 7) == 0
         && ln_op_attr_is_axis(-1, 0) == 0 && ln_op_attr_is_stop(9999, 0) == 0,
         "out of range: no marks");
  table_ok();
  return tap_done();
}
