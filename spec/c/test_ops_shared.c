/*
** test_ops_shared.c -- the helpers the op families share (src/ops/ln_ops.h,
** ln_ops.c): the float32, index and reduction checks and their messages,
** the fixed-block sums, and, through the op table, that every op refuses
** int32 inputs it cannot take with a message that names it.
*/
#include "opcheck.h"
#include "tap.h"
#include "../../src/ops/ln_ops.h"

/* a node of op 'name' with n inputs in[] (dims 'dim', dtype 'dt') */
static void node (ln_node *out, ln_node *in, const char *name, int n, int dt,
                  int nd, const int *dim) {
  int k;
  memset(out, 0, sizeof(*out));
  memset(in, 0, sizeof(ln_node) * LN_MAX_IN);
  out->op = ln_op_find(name);
  ln_op_attr_defaults(out->op, out->attr);
  out->n_in = n;
  for (k = 0; k < n; k++) {
    in[k].dtype = dt;
    in[k].ndim = nd;
    memcpy(in[k].dim, dim, sizeof(int) * (size_t)nd);
    out->in[k] = &in[k];
  }
}

static int has (const char *msg) { return strstr(ln_errmsg(), msg) != NULL; }

static void test_need_f32 (void) {
  ln_node out, in[LN_MAX_IN];
  int dim[2] = {2, 3};
  node(&out, in, "add", 2, LN_F32, 2, dim);
  tap_ok(ln_need_f32(&out, 1, NULL) == LN_OK && ln_need_f32_all(&out) == LN_OK,
         "ln_need_f32: float32 inputs pass");
  in[1].dtype = LN_I32;
  tap_ok(ln_need_f32(&out, 1, NULL) == LN_EARG &&
         has("add: input 2 must be float32, got int32"),
         "ln_need_f32 names the op and the input: '%s'", ln_errmsg());
  tap_ok(ln_need_f32(&out, 1, "target") == LN_EARG &&
         has("add: target (input 2) must be float32, got int32"),
         "ln_need_f32 names the argument when it has a name: '%s'", ln_errmsg());
  tap_ok(ln_need_f32_all(&out) == LN_EARG && has("add: input 2 must"),
         "ln_need_f32_all stops at the first int32 input");
}

static void test_check_index (void) {
  ln_node out, in[LN_MAX_IN];
  int dim[1] = {4};
  int32_t ids[4] = {0, 2, -100, 1}, ignore = -100;
  node(&out, in, "nll", 2, LN_I32, 1, dim);
  in[1].x = (float *)(void *)ids;
  tap_ok(ln_check_index(&out, 1, 3, "label", &ignore) == LN_OK,
         "ln_check_index: values in [0, C) or equal to ignore_index pass");
  tap_ok(ln_check_index(&out, 1, 3, "label", NULL) == LN_EARG &&
         has("nll: label -100 out of range [0, 3)"),
         "ln_check_index without ignore_index: '%s'", ln_errmsg());
  ids[3] = 3;
  tap_ok(ln_check_index(&out, 1, 3, "id", &ignore) == LN_EARG &&
         has("nll: id 3 out of range [0, 3) (and not ignore_index -100)"),
         "ln_check_index names the value and ignore_index: '%s'", ln_errmsg());
}

static void test_check_reduction (void) {
  ln_node out, in[LN_MAX_IN];
  int dim[1] = {4};
  node(&out, in, "kl_div", 2, LN_F32, 1, dim);
  out.attr[0] = LN_RED_BATCHMEAN;
  tap_ok(ln_check_reduction(&out, 0, LN_RED_BATCHMEAN) == LN_OK,
         "ln_check_reduction: batchmean where allowed");
  tap_ok(ln_check_reduction(&out, 0, LN_RED_NONE) == LN_EARG &&
         has("kl_div: bad reduction 3"), "ln_check_reduction: '%s'", ln_errmsg());
}

/* the block sums: in block order, the same with 1 and 2 threads */
static void test_block_sum (void) {
  enum { N = 3 * LN_SUM_BLOCK + 123 };
  float *t = malloc(N * sizeof(float));
  double part[8], want = 0, blk = 0, s1, s2;
  int i, before = ln_get_threads();
  tap_ok(ln_n_blocks(0) == 0 && ln_n_blocks(1) == 1 &&
         ln_n_blocks(LN_SUM_BLOCK) == 1 && ln_n_blocks(LN_SUM_BLOCK + 1) == 2,
         "ln_n_blocks rounds up");
  for (i = 0; i < N; i++) t[i] = (float)((i * 37) % 101) / 7.0f - 6.5f;
  for (i = 0; i < N; i++) {           /* each block in order, then the blocks */
    blk += t[i];
    if ((i + 1) % LN_SUM_BLOCK == 0 || i == N - 1) { want += blk; blk = 0; }
  }
  ln_set_threads(1);
  s1 = ln_block_sum(t, N, part);
  ln_set_threads(2);
  s2 = ln_block_sum(t, N, part);
  ln_set_threads(before);
  tap_ok(s1 == want && s2 == want, "ln_block_sum: block by block, in order, "
         "whatever the thread count (%.17g %.17g %.17g)", s1, s2, want);
  tap_ok(ln_block_sum(t, 0, part) == 0, "ln_block_sum of nothing is 0");
  free(t);
}

/* the ops of shape.c move 4-byte words: they take int32 as it is */
static int moves_elements (const char *op) {
  static const char *const movers[] = {"reshape", "flatten", "transpose",
                                       "permute", "slice", "concat", NULL};
  int i;
  for (i = 0; movers[i]; i++) if (strcmp(op, movers[i]) == 0) return 1;
  return 0;
}

/* every op: int32 inputs are refused with a message naming the op, or
** taken by an op that only moves elements (no silent arithmetic on int32) */
static void test_every_op_int32 (void) {
  int op, dim[2] = {2, 3};
  for (op = 1; op < ln_op_count(); op++) {
    const ln_opdesc *d = ln_op_desc(op);
    ln_node out, in[LN_MAX_IN];
    char want[64];
    int rc;
    node(&out, in, d->name, d->min_in, LN_I32, 2, dim);
    rc = d->shape(&out);
    snprintf(want, sizeof(want), "%s: ", d->name);
    tap_ok(rc == LN_OK ? moves_elements(d->name)
                       : strncmp(ln_errmsg(), want, strlen(want)) == 0,
           "%s with int32 inputs: %s", d->name, rc == LN_OK ? "taken" : ln_errmsg());
  }
}

int main (void) {
  test_need_f32();
  test_check_index();
  test_check_reduction();
  test_block_sum();
  test_every_op_int32();
  printf("1..%d\n", tap_count);
  return tap_done();
}
