/*
** test_custom_op.c -- ops registered by the application (ln_op_register,
** luanet/op.h), through the public header only: the op table lists them,
** bad definitions are refused with messages naming the op, eager calls
** and compiled models run them, gradients agree with closed forms and
** central differences, registration is thread-safe, models using them
** are saved by name and refused (naming the op) by a process without them,
** and the Lua binding linked into the same program sees them.
**
** ./test_custom_op --load PATH   (what the test runs in a child process)
*/
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "lua.h"
#include "lauxlib.h"
#include "lualib.h"
#include "luanet.h"
#include "tap.h"

/* the binding, linked into this test (the Makefile's rule for it) */
int luaopen_luanet_core (lua_State *L);

/* {====== cube_k: y = k x^3 ====== */

static int cube_shape (ln_node *n) {
  ln_node *x = ln_node_in(n, 0);
  if (ln_node_dtype(x) != LN_F32)
    return ln_seterr(LN_ESHAPE, "cube_k: x must be float32");
  return ln_node_set_shape(n, LN_F32, ln_node_ndim(x), ln_node_dims(x));
}

/* what the last forward was told about the run (ln_ctx accessors) */
static int seen_training = -1, seen_batch = -1;

static void cube_forward (ln_node *n, ln_ctx *c) {
  const float *x = ln_node_value(ln_node_in(n, 0));
  float *y = ln_node_value(n);
  double k = ln_node_attr(n, 0);
  size_t i, len = ln_node_numel(n);
  seen_training = ln_ctx_training(c);
  seen_batch = ln_ctx_batch(c);
  for (i = 0; i < len; i++) y[i] = (float)(k * x[i] * x[i] * x[i]);
}

static void cube_backward (ln_node *n, ln_ctx *c) {
  ln_node *xn = ln_node_in(n, 0);
  const float *x = ln_node_value(xn), *dy = ln_node_grad(n);
  float *gx = ln_node_grad(xn);
  double k = ln_node_attr(n, 0);
  size_t i, len = ln_node_numel(n);
  (void)c;
  if (gx == NULL) return;
  for (i = 0; i < len; i++) gx[i] += (float)(3 * k * x[i] * x[i] * dy[i]);
}

static const ln_opdef cube_def = {
  .name = "cube_k", .min_in = 1, .max_in = 1, .attrs = "k=1",
  .shape = cube_shape, .forward = cube_forward, .backward = cube_backward,
  .doc = "y = k x^3"
};

/* }====== */

/* registering 'def' fails with LN_EARG and a message holding 'msg' */
static void refused (const ln_opdef *def, const char *msg, const char *what) {
  int rc = ln_op_register(def, NULL);
  tap_ok(rc == LN_EARG && strstr(ln_errmsg(), msg) != NULL &&
         strstr(ln_errmsg(), "ln_op_register") != NULL,
         "register refuses %s: '%s' (got '%s')", what, msg, ln_errmsg());
}

static void test_register (void) {
  ln_opdef d = cube_def;
  ln_opinfo info;
  int op = -1, n0 = ln_op_count();
  tap_ok(ln_op_find("cube_k") < 0, "cube_k is not in the op table before");
  int rc = ln_op_register(&cube_def, &op);
  tap_ok(rc == LN_OK && op == n0 && ln_op_count() == n0 + 1,
         "register cube_k: op #%d, the next entry (count %d)", op, ln_op_count());
  tap_ok(ln_op_find("cube_k") == op && strcmp(ln_op_name(op), "cube_k") == 0,
         "ln_op_find / ln_op_name see it");
  tap_ok(ln_op_info(op, &info) == LN_OK && info.custom && info.has_grad &&
         info.min_in == 1 && info.max_in == 1 && strcmp(info.attrs, "k=1") == 0 &&
         strcmp(info.doc, "y = k x^3") == 0, "ln_op_info describes it");
  tap_ok(ln_op_info(ln_op_find("relu"), &info) == LN_OK && !info.custom,
         "built-in ops are not marked custom");
  tap_ok(ln_op_attr_index(op, "k") == 0, "its attribute spec is parsed");

  refused(&cube_def, "op 'cube_k' is already in the op table", "a duplicate");
  d.name = "relu";
  refused(&d, "op 'relu' is already in the op table", "a built-in's name");
  d = cube_def; d.name = "bad1"; d.min_in = 0;
  refused(&d, "op 'bad1': arity must satisfy 1 <= min_in <= max_in <= 6", "min_in 0");
  d.min_in = 2; d.max_in = 1;
  refused(&d, "op 'bad1': arity", "min_in > max_in");
  d.min_in = 1; d.max_in = 7;
  refused(&d, "op 'bad1': arity", "max_in 7");
  d = cube_def; d.name = "bad2"; d.forward = NULL;
  refused(&d, "op 'bad2': shape and forward are required", "no forward");
  d = cube_def; d.name = "9lives";
  refused(&d, "op '9lives': the name must be", "a name starting with a digit");
  d.name = "two words";
  refused(&d, "the name must be", "a name with a space");
  d.name = NULL;
  refused(&d, "op '(null)'", "no name");
  d = cube_def; d.name = "bad3"; d.attrs = "a,b,c,d,e,f,g,h,i,j,k,l,m";
  refused(&d, "op 'bad3': more than 12", "13 attributes");
  tap_ok(ln_op_register(NULL, NULL) == LN_EARG, "register refuses NULL");
  tap_ok(ln_op_find("bad1") < 0 && ln_op_find("bad3") < 0 && ln_op_count() == n0 + 1,
         "refused ops are not in the table");
}

/* ln_op_eval runs it on tensors, attributes included */
static void test_eager (void) {
  int op = ln_op_find("cube_k"), i, ok = 1;
  ln_tensor *x = ln_tensor_new(LN_F32, 2, (int[]){2, 3}), *y = NULL, *xi;
  double attr[LN_MAX_ATTRS] = {-0.5};
  const ln_tensor *in[2];
  for (i = 0; i < 6; i++) ((float *)x->data)[i] = (float)(i - 2.5) / 2;
  in[0] = in[1] = x;
  tap_ok(ln_op_eval(op, 1, in, attr, 0, NULL, 0, &y) == LN_OK && y &&
         y->ndim == 2 && y->dim[0] == 2 && y->dim[1] == 3, "eager cube_k: shape 2x3");
  for (i = 0; y && i < 6; i++) {
    double v = ((float *)x->data)[i];
    if (fabs(((float *)y->data)[i] - (-0.5 * v * v * v)) > 1e-6) ok = 0;
  }
  tap_ok(y && ok, "eager cube_k k=-0.5: y = -0.5 x^3");
  tap_ok(seen_training == 0 && seen_batch == 2, "forward sees inference mode, batch 2 (%d, %d)",
         seen_training, seen_batch);
  ln_tensor_free(y);
  y = NULL;
  tap_ok(ln_op_eval(op, 1, in, attr, 0, NULL, 1, &y) == LN_OK && seen_training == 1,
         "forward sees training mode when asked");
  ln_tensor_free(y);
  tap_ok(ln_op_eval(op, 2, in, NULL, 0, NULL, 0, &y) == LN_EARG && y == NULL &&
         strstr(ln_errmsg(), "cube_k: expects 1 tensor input, got 2"),
         "eager arity error names the op (%s)", ln_errmsg());
  xi = ln_tensor_new(LN_I32, 1, (int[]){3});
  in[0] = xi;
  tap_ok(ln_op_eval(op, 1, in, NULL, 0, NULL, 0, &y) == LN_ESHAPE &&
         strstr(ln_errmsg(), "cube_k: x must be float32"),
         "the op's own shape error comes through (%s)", ln_errmsg());
  in[0] = x;
  tap_ok(ln_op_eval(ln_op_find("relu"), 1, in, NULL, 0, NULL, 0, &y) == LN_OK &&
         ((float *)y->data)[0] == 0 && ((float *)y->data)[5] == 1.25f,
         "eager built-in relu through the same function");
  ln_tensor_free(y);
  ln_tensor_free(xi);
  ln_tensor_free(x);
}

/* L = sum(cube_k(X; k) * W) [+ the same again through a second use of X] */
static ln_model *grad_model (int twice, int *X, int *loss) {
  ln_graph *g;
  ln_model *m;
  ln_tensor *w = ln_tensor_new(LN_F32, 2, (int[]){4, 3});
  double attr[LN_MAX_ATTRS] = {0.75};
  int W, y, y2, p, op = ln_op_find("cube_k"), i;
  for (i = 0; i < 12; i++) ((float *)w->data)[i] = (float)((i * 7 % 11) - 5) / 5;
  ln_seed(3);
  if (ln_graph_new(&g) || ln_graph_param(g, "X", 2, (int[]){4, 3}, LN_INIT_UNIFORM, 1.5, X) ||
      ln_graph_const(g, "W", w, &W) ||
      ln_graph_op(g, op, 1, X, attr, 0, NULL, &y))
    return NULL;
  if (twice && (ln_graph_op(g, op, 1, X, attr, 0, NULL, &y2) ||
                ln_graph_opn(g, "add", 2, (int[]){y, y2}, NULL, &y)))
    return NULL;
  if (ln_graph_opn(g, "mul", 2, (int[]){y, W}, NULL, &p) ||
      ln_graph_opn(g, "sum", 1, &p, NULL, loss) ||
      ln_model_compile(g, 1, *loss, 0, NULL, &m))
    return NULL;
  ln_tensor_free(w);
  return m;
}

static double loss_at (ln_model *m, int loss) {
  ln_tensor *v;
  double s;
  ln_params_changed();
  if (ln_model_forward(m, 1) != LN_OK || (v = ln_model_value(m, loss)) == NULL) return NAN;
  s = ((float *)v->data)[0];
  ln_tensor_free(v);
  return s;
}

static void test_gradient (void) {
  int X, loss, twice;
  for (twice = 0; twice <= 1; twice++) {
    ln_model *m = grad_model(twice, &X, &loss);
    ln_tensor *x, *gx;
    double worst_cf = 0, worst_fd = 0;
    size_t i;
    if (!tap_ok(m != NULL, "compile a model through cube_k%s%s%s", twice ? " used twice" : "",
                m ? "" : ": ", m ? "" : ln_errmsg()))
      continue;
    x = ln_node_store(ln_graph_node(ln_model_graph(m), X));
    loss_at(m, loss);
    ln_model_backward(m);
    gx = ln_model_gradval(m, X);
    for (i = 0; i < x->n; i++) {
      float *xv = (float *)x->data, keep = xv[i];
      double wi = (double)((float)((int)(i * 7 % 11) - 5) / 5);
      double cf = (1 + twice) * 3 * 0.75 * keep * keep * wi, lp, lm, num;
      double ana = ((float *)gx->data)[i];
      worst_cf = fmax(worst_cf, fabs(ana - cf) / fmax(fabs(cf), 1e-2));
      xv[i] = keep + 1e-2f; lp = loss_at(m, loss);
      xv[i] = keep - 1e-2f; lm = loss_at(m, loss);
      xv[i] = keep;
      num = (lp - lm) / (double)((keep + 1e-2f) - (keep - 1e-2f));
      worst_fd = fmax(worst_fd, fabs(ana - num) / fmax(fabs(num), 1e-2));
    }
    tap_ok(worst_cf < 1e-5, "cube_k%s gradient = %s3 k x^2 w (max rel err %.2g)",
           twice ? " used twice" : "", twice ? "2 * " : "", worst_cf);
    tap_ok(worst_fd < 1e-2, "cube_k%s gradient agrees with central differences "
           "(max rel err %.2g)", twice ? " used twice" : "", worst_fd);
    ln_tensor_free(gx);
    ln_params_changed();
    ln_model_free(m);
  }
}

/* {====== Files ====== */

/* in a child: load 'path' without registering anything; 0 when refused
** with a message naming the op */
static int load_only (const char *path) {
  ln_model *m;
  if (ln_model_load(path, &m, NULL) == LN_OK) { ln_model_free(m); return 1; }
  printf("# child: %s\n", ln_errmsg());
  return strstr(ln_errmsg(), "unknown op 'cube_k'") ? 0 : 2;
}

static void test_files (const char *self) {
  char path[] = "/tmp/ln_custom_op_XXXXXX";
  int X, loss, fd = mkstemp(path), st = -1;
  ln_model *m = grad_model(0, &X, &loss), *m2 = NULL;
  double l1, l2;
  pid_t pid;
  if (fd >= 0) close(fd);
  tap_ok(m && ln_model_save(m, NULL, path) == LN_OK, "save a model using cube_k");
  st = ln_model_load(path, &m2, NULL);
  tap_ok(st == LN_OK, "load it where cube_k is registered (%s)", st ? ln_errmsg() : "ok");
  l1 = m ? loss_at(m, loss) : 0;
  l2 = m2 ? loss_at(m2, ln_model_loss(m2)) : 1;
  tap_ok(l1 == l2, "the loaded model computes the same loss (%g, %g)", l1, l2);
  fflush(NULL);
  if ((pid = fork()) == 0) {
    /* argv[0] first: under Valgrind /proc/self/exe is Valgrind itself */
    execl(self, self, "--load", path, (char *)NULL);
    execl("/proc/self/exe", self, "--load", path, (char *)NULL);
    _exit(127);
  }
  if (pid > 0) waitpid(pid, &st, 0);
  tap_ok(pid > 0 && WIFEXITED(st) && WEXITSTATUS(st) == 0,
         "a process without cube_k refuses the model, naming the op (status %d)",
         WIFEXITED(st) ? WEXITSTATUS(st) : -1);
  unlink(path);
  ln_model_free(m2);
  ln_model_free(m);
}

/* }====== */

/* {====== The Lua binding ====== */

/* luanet.core in this process lists the op, describes it, runs it eager
** and in a graph */
static const char *const lua_check =
  "local core = require 'luanet.core'\n"
  "local listed = false\n"
  "for _, n in ipairs(core.ops()) do listed = listed or n == 'cube_k' end\n"
  "assert(listed, 'core.ops() lacks cube_k')\n"
  "local info = core.op_info('cube_k')\n"
  "assert(info.doc == 'y = k x^3' and info.attrs == 'k=1' and info.has_grad, 'op_info')\n"
  "local y = core.eager('cube_k', core.from_table({1, -2, 3}), {k = 2})\n"
  "assert(y:get(1) == 2 and y:get(2) == -16 and y:get(3) == 54, 'eager values')\n"
  "local g = core.graph()\n"
  "local x = g:input('x', {'B', 2})\n"
  "local c = g:op('cube_k', x, {k = 0.5})\n"
  "assert(g:node(c).op == 'cube_k', 'g:node')\n"
  "local m = core.compile(g, nil, {c}, 4)\n"
  "m:feed('x', core.from_table({{2, 4}}))\n"
  "m:forward(false)\n"
  "local v = m:value(c)\n"
  "assert(v:get(1, 1) == 4 and v:get(1, 2) == 32, 'graph values')\n"
  "return true\n";

static void test_lua (void) {
  lua_State *L = luaL_newstate();
  int ok;
  luaL_openlibs(L);
  luaL_requiref(L, "luanet.core", luaopen_luanet_core, 0);
  lua_pop(L, 1);
  ok = luaL_dostring(L, lua_check) == LUA_OK;
  tap_ok(ok, "the Lua binding lists, describes and runs cube_k (eager and in a graph)%s%s",
         ok ? "" : ": ", ok ? "" : lua_tostring(L, -1));
  lua_close(L);
}

/* }====== */

/* {====== Threads and limits ====== */

#define NTHREADS 8

static int results[NTHREADS][2];

/* each thread registers an op of its own and races for "shared_op" */
static void *reg_thread (void *arg) {
  int t = (int)(intptr_t)arg;
  char name[32];
  ln_opdef d = cube_def;
  snprintf(name, sizeof(name), "thread_op_%d", t);
  d.name = name;
  results[t][0] = ln_op_register(&d, NULL) == LN_OK ? ln_op_find(name) : -1;
  d.name = "shared_op";
  results[t][1] = ln_op_register(&d, NULL);
  return NULL;
}

static void test_threads (void) {
  pthread_t th[NTHREADS];
  int t, u, wins = 0, distinct = 1, n0 = ln_op_count();
  for (t = 0; t < NTHREADS; t++) pthread_create(&th[t], NULL, reg_thread, (void *)(intptr_t)t);
  for (t = 0; t < NTHREADS; t++) pthread_join(th[t], NULL);
  for (t = 0; t < NTHREADS; t++) {
    wins += results[t][1] == LN_OK;
    for (u = 0; u < t; u++) if (results[t][0] == results[u][0]) distinct = 0;
    if (results[t][0] < n0) distinct = 0;
  }
  tap_ok(distinct && ln_op_count() == n0 + NTHREADS + 1,
         "%d threads registering at once: each op gets its own entry", NTHREADS);
  tap_ok(wins == 1, "one name raced for by %d threads is registered once (%d)", NTHREADS, wins);
}

static void test_full (void) {
  ln_opdef d = cube_def;
  char name[32];
  int i, rc = LN_OK, free_slots = LN_MAX_OPS - ln_op_count();
  for (i = 0; i <= free_slots && rc == LN_OK; i++) {
    snprintf(name, sizeof(name), "filler_%d", i);
    d.name = name;
    rc = ln_op_register(&d, NULL);
  }
  tap_ok(rc == LN_EARG && i == free_slots + 1 && ln_op_count() == LN_MAX_OPS &&
         strstr(ln_errmsg(), "the op table is full (256 ops)") &&
         strstr(ln_errmsg(), name),
         "the %d-th op is refused: '%s'", LN_MAX_OPS + 1, ln_errmsg());
}

/* }====== */

int main (int argc, char **argv) {
  if (argc > 2 && strcmp(argv[1], "--load") == 0) return load_only(argv[2]);
  test_register();
  test_eager();
  test_gradient();
  test_files(argv[0]);
  test_lua();
  test_threads();
  test_full();
  printf("1..%d\n", tap_count);
  return tap_done();
}
