/*
** custom_op.c -- an op of the application's own, added to the engine
** through the public API (luanet/op.h) without touching its sources:
**
**   learned_mish(x, a; scale):  y = scale * x * tanh(softplus(a * x))
**
** x [..., C], a [C] a learnable slope per feature (a = 1 is Mish). The
** program registers the op, checks its gradient against central
** differences, trains a small regression network through it on data it
** makes (the loss falls), saves the model and loads it back (same
** outputs), and then shows that a process that has not registered the op
** cannot load the model: the error names the op.
**
**   make examples && ./build/custom_op [--help] [model.lnt]
**   ./build/custom_op --load model.lnt    (load without registering)
**
** The last lines it prints are read by spec/custom_op_spec.lua.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>
#include "luanet.h"

#define OP_NAME "learned_mish"

static void die (const char *what) {
  fprintf(stderr, "custom_op: %s: %s\n", what, ln_errmsg());
  exit(1);
}

#define CHECK(what, call) do { if ((call) != LN_OK) die(what); } while (0)

/* {====== The op ====== */

static double softplus (double z) { return z > 30 ? z : log1p(exp(z)); }
static double sigmoid (double z) { return 1 / (1 + exp(-z)); }

/* x [..., C] float32 and a [C] float32; y has x's shape */
static int lm_shape (ln_node *n) {
  ln_node *x = ln_node_in(n, 0), *a = ln_node_in(n, 1);
  int nd = ln_node_ndim(x);
  char sx[96], sa[96];
  if (nd < 1 || ln_node_ndim(a) != 1 || ln_node_dims(a)[0] != ln_node_dims(x)[nd - 1] ||
      ln_node_dtype(x) != LN_F32 || ln_node_dtype(a) != LN_F32)
    return ln_seterr(LN_ESHAPE, OP_NAME ": x [..., C] and a [C] (float32) expected, got %s and %s",
                     ln_shape_str(nd, ln_node_dims(x), sx, sizeof(sx)),
                     ln_shape_str(ln_node_ndim(a), ln_node_dims(a), sa, sizeof(sa)));
  return ln_node_set_shape(n, LN_F32, nd, ln_node_dims(x));
}

static void lm_forward (ln_node *n, ln_ctx *c) {
  ln_node *x = ln_node_in(n, 0), *a = ln_node_in(n, 1);
  const float *xv = ln_node_value(x), *av = ln_node_value(a);
  float *y = ln_node_value(n);
  double scale = ln_node_attr(n, 0);
  size_t len = ln_node_numel(n), C = ln_node_numel(a), i;
  (void)c;
  for (i = 0; i < len; i++) {
    double xi = xv[i];
    y[i] = (float)(scale * xi * tanh(softplus(av[i % C] * xi)));
  }
}

/* with z = a x, t = tanh(softplus(z)): dt/dz = (1 - t^2) sigmoid(z), so
** dy/dx = scale (t + x a dt/dz) and dy/da = scale x^2 dt/dz; gradients
** are added to (the engine zeroes them before the first writer) */
static void lm_backward (ln_node *n, ln_ctx *c) {
  ln_node *x = ln_node_in(n, 0), *a = ln_node_in(n, 1);
  const float *xv = ln_node_value(x), *av = ln_node_value(a), *dy = ln_node_grad(n);
  float *gx = ln_node_grad(x), *ga = ln_node_grad(a);
  double scale = ln_node_attr(n, 0);
  size_t len = ln_node_numel(n), C = ln_node_numel(a), i;
  (void)c;
  for (i = 0; i < len; i++) {
    double xi = xv[i], ai = av[i % C], z = ai * xi, t = tanh(softplus(z));
    double dtdz = (1 - t * t) * sigmoid(z), g = scale * dy[i];
    if (gx) gx[i] += (float)(g * (t + xi * ai * dtdz));
    if (ga) ga[i % C] += (float)(g * xi * xi * dtdz);
  }
}

static int register_op (void) {
  ln_opdef def = {
    .name = OP_NAME, .min_in = 2, .max_in = 2, .attrs = "scale=1",
    .shape = lm_shape, .forward = lm_forward, .backward = lm_backward,
    .doc = "y = scale * x * tanh(softplus(a * x)); x [..., C], a [C] (Mish with a learned slope)"
  };
  int op;
  CHECK("register", ln_op_register(&def, &op));
  return op;
}

/* }====== */

/* the first value of node 'id' after a run */
static double scalar (ln_model *m, int id) {
  ln_tensor *v = ln_model_value(m, id);
  double s;
  if (v == NULL) die("value");
  s = ((float *)v->data)[0];
  ln_tensor_free(v);
  return s;
}

/* {====== Gradient check ====== */

/* L = sum(learned_mish(X, A; scale 1.5) * W) with X [3, 5] and A [5]
** parameters: backward's gradients against central differences of L */
static double grad_check (void) {
  ln_graph *g;
  ln_model *m;
  int X, A, W, y, p, loss, k, id[2];
  double worst = 0, attr[LN_MAX_ATTRS] = {1.5};
  ln_tensor *w = ln_tensor_new(LN_F32, 2, (int[]){3, 5});
  size_t i;
  for (i = 0; i < w->n; i++) ((float *)w->data)[i] = (float)(2 * ln_rand_uniform() - 1);
  CHECK("graph", ln_graph_new(&g));
  CHECK("param", ln_graph_param(g, "X", 2, (int[]){3, 5}, LN_INIT_UNIFORM, 2, &X));
  CHECK("param", ln_graph_param(g, "A", 1, (int[]){5}, LN_INIT_UNIFORM, 1.5, &A));
  CHECK("const", ln_graph_const(g, "W", w, &W));
  CHECK(OP_NAME, ln_graph_op(g, ln_op_find(OP_NAME), 2, (int[]){X, A}, attr, 0, NULL, &y));
  CHECK("mul", ln_graph_opn(g, "mul", 2, (int[]){y, W}, NULL, &p));
  CHECK("sum", ln_graph_opn(g, "sum", 1, &p, NULL, &loss));
  CHECK("compile", ln_model_compile(g, 1, loss, 0, NULL, &m));
  CHECK("forward", ln_model_forward(m, 1));
  CHECK("backward", ln_model_backward(m));
  id[0] = X;
  id[1] = A;
  for (k = 0; k < 2; k++) {
    ln_tensor *v = ln_node_store(ln_graph_node(ln_model_graph(m), id[k]));
    ln_tensor *gr = ln_model_gradval(m, id[k]);
    float *ana = malloc(v->n * sizeof(float));
    memcpy(ana, gr->data, v->n * sizeof(float));
    for (i = 0; i < v->n; i++) {
      float keep = ((float *)v->data)[i];
      double h = 1e-2, lp, lm, num, den;
      ((float *)v->data)[i] = (float)(keep + h);
      ln_params_changed();
      CHECK("forward", ln_model_forward(m, 1));
      lp = scalar(m, loss);
      ((float *)v->data)[i] = (float)(keep - h);
      ln_params_changed();
      CHECK("forward", ln_model_forward(m, 1));
      lm = scalar(m, loss);
      ((float *)v->data)[i] = keep;
      num = (lp - lm) / (2 * h);
      den = fmax(fmax(fabs(num), fabs(ana[i])), 1e-2);
      worst = fmax(worst, fabs(num - ana[i]) / den);
    }
    free(ana);
    ln_tensor_free(gr);
  }
  ln_params_changed();
  ln_model_free(m);
  ln_tensor_free(w);
  return worst;
}

/* }====== */

/* {====== Training, saving, loading ====== */

#define N 256
#define HID 16

/* 2-16-1 network through the op: y ~ sin(2 x0) cos(x1) */
static ln_model *build (void) {
  ln_graph *g;
  ln_model *m;
  int x, t, w1, b1, h, a, w2, b2, pred, loss, lin[3];
  CHECK("graph", ln_graph_new(&g));
  CHECK("input", ln_graph_input(g, "x", LN_F32, 2, (int[]){LN_BATCH, 2}, &x));
  CHECK("input", ln_graph_input(g, "y", LN_F32, 2, (int[]){LN_BATCH, 1}, &t));
  CHECK("param", ln_graph_param(g, "w1", 2, (int[]){HID, 2}, LN_INIT_XAVIER_UNIFORM, 0, &w1));
  CHECK("param", ln_graph_param(g, "b1", 1, (int[]){HID}, LN_INIT_ZEROS, 0, &b1));
  CHECK("param", ln_graph_param(g, "a", 1, (int[]){HID}, LN_INIT_ONES, 0, &a));
  CHECK("param", ln_graph_param(g, "w2", 2, (int[]){1, HID}, LN_INIT_XAVIER_UNIFORM, 0, &w2));
  CHECK("param", ln_graph_param(g, "b2", 1, (int[]){1}, LN_INIT_ZEROS, 0, &b2));
  lin[0] = x; lin[1] = w1; lin[2] = b1;
  CHECK("linear", ln_graph_opn(g, "linear", 3, lin, NULL, &h));
  CHECK(OP_NAME, ln_graph_opn(g, OP_NAME, 2, (int[]){h, a}, NULL, &h));
  lin[0] = h; lin[1] = w2; lin[2] = b2;
  CHECK("linear", ln_graph_opn(g, "linear", 3, lin, NULL, &pred));
  CHECK("mse", ln_graph_opn(g, "mse", 2, (int[]){pred, t}, NULL, &loss));
  CHECK("name", ln_graph_set_name(g, pred, "pred"));
  CHECK("compile", ln_model_compile(g, N, loss, 1, &pred, &m));
  return m;
}

static double run (ln_model *m, const ln_tensor *x, const ln_tensor *y, int training) {
  CHECK("feed", ln_model_feed(m, "x", x));
  CHECK("feed", ln_model_feed(m, "y", y));
  CHECK("forward", ln_model_forward(m, training));
  return scalar(m, ln_model_loss(m));
}

/* largest |difference| between the predictions of two models */
static double pred_diff (ln_model *m1, ln_model *m2) {
  ln_tensor *p1 = ln_model_value(m1, ln_graph_find(ln_model_graph(m1), "pred"));
  ln_tensor *p2 = ln_model_value(m2, ln_graph_find(ln_model_graph(m2), "pred"));
  double d = 0;
  size_t i;
  for (i = 0; i < p1->n; i++) d = fmax(d, fabs(((float *)p1->data)[i] - ((float *)p2->data)[i]));
  ln_tensor_free(p1);
  ln_tensor_free(p2);
  return d;
}

/* load 'path' in a process that has not registered the op: itself, run
** again with --load; returns its exit status */
static int load_elsewhere (const char *self, const char *path) {
  pid_t pid;
  int st;
  fflush(NULL);   /* what was printed comes out before the child's lines */
  pid = fork();
  if (pid == 0) {
    /* argv[0] first: under Valgrind /proc/self/exe is Valgrind itself */
    execl(self, self, "--load", path, (char *)NULL);
    execl("/proc/self/exe", self, "--load", path, (char *)NULL);
    _exit(127);
  }
  if (pid < 0 || waitpid(pid, &st, 0) < 0) return -1;
  return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* --load: the model needs the op, which this process does not have */
static int load_only (const char *path) {
  ln_model *m;
  if (ln_model_load(path, &m, NULL) == LN_OK) {
    printf("load without the op: loaded (unexpected)\n");
    ln_model_free(m);
    return 1;
  }
  printf("load without the op: %s\n", ln_errmsg());
  return strstr(ln_errmsg(), "'" OP_NAME "'") ? 0 : 1;
}

static void usage (FILE *f) {
  fprintf(f,
    "usage: custom_op [--help] [model.lnt]\n"
    "       custom_op --load model.lnt\n"
    "Register the op learned_mish from outside the engine, check its gradient,\n"
    "train a small network through it and save it to model.lnt (default\n"
    "custom_op.lnt), load it back, and show that a process without the op\n"
    "cannot load it. --load: load model.lnt without registering the op.\n");
}

int main (int argc, char **argv) {
  const char *path = argc > 1 && argv[1][0] != '-' ? argv[1] : "custom_op.lnt";
  ln_tensor *x, *y;
  ln_model *m, *m2;
  ln_optim *o;
  ln_optconf conf;
  ln_opinfo info;
  double first, last = 0, err;
  int op, i, rc;
  if (argc > 1 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0)) {
    usage(stdout);
    return 0;
  }
  if (argc > 1 && argv[1][0] == '-' && strcmp(argv[1], "--load") != 0) {
    fprintf(stderr, "custom_op: unknown option %s\n", argv[1]);
    usage(stderr);
    return 2;
  }
  if (argc > 2 && strcmp(argv[1], "--load") == 0) return load_only(argv[2]);
  ln_seed(7);
  op = register_op();
  CHECK("op_info", ln_op_info(op, &info));
  printf("registered %s (op #%d, %d inputs, attributes \"%s\"): %s\n", info.name, op,
         info.min_in, info.attrs, info.doc);

  err = grad_check();
  printf("gradient check: max relative error %.2e\n", err);

  x = ln_tensor_new(LN_F32, 2, (int[]){N, 2});
  y = ln_tensor_new(LN_F32, 2, (int[]){N, 1});
  for (i = 0; i < N; i++) {
    float *xi = (float *)x->data + 2 * i;
    xi[0] = (float)(4 * ln_rand_uniform() - 2);
    xi[1] = (float)(4 * ln_rand_uniform() - 2);
    ((float *)y->data)[i] = (float)(sin(2 * xi[0]) * cos(xi[1]));
  }
  m = build();
  ln_optconf_defaults(LN_OPT_ADAM, &conf);
  conf.lr = 0.02;
  CHECK("optim", ln_optim_new(m, LN_OPT_ADAM, &conf, &o));
  first = run(m, x, y, 0);
  for (i = 0; i < 300; i++) {
    last = run(m, x, y, 1);
    CHECK("backward", ln_model_backward(m));
    CHECK("step", ln_optim_step(o, NULL));
  }
  last = run(m, x, y, 0);
  printf("training: loss %.4f -> %.4f after 300 Adam steps\n", first, last);

  CHECK("save", ln_model_save(m, NULL, path));
  CHECK("load", ln_model_load(path, &m2, NULL));
  run(m2, x, y, 0);
  printf("reloaded: largest prediction difference %g\n", pred_diff(m, m2));

  rc = load_elsewhere(argv[0], path);
  printf("load in a process without the op: %s\n", rc == 0 ? "refused, naming the op" : "NOT refused");
  ln_model_free(m2);
  ln_optim_free(o);
  ln_model_free(m);
  ln_tensor_free(x);
  ln_tensor_free(y);
  return err < 1e-2 && last < 0.5 * first && rc == 0 ? 0 : 1;
}

/* }====== */
