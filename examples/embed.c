/*
** embed.c -- luanet embedded in a C program: build the MLP 784-1024-1024-10
** through luanet.h (one call: ln_mlp, luanet/layers.h), train it one epoch
** on the bundled Fashion-MNIST subset with Adam, report test accuracy and
** save the model for examples/infer.c.
**
**   make examples && ./build/embed [--threads N] [--data DIR] [out.lnt]
*/
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "luanet.h"

#define BATCH 128
#define NPIX 784

static const int sizes[] = {784, 1024, 1024, 10};
#define NSIZES ((int)(sizeof(sizes) / sizeof(sizes[0])))

static void usage (FILE *f) {
  fprintf(f,
    "usage: embed [--help] [--threads N] [--data DIR] [out.lnt]\n"
    "Train the MLP 784-1024-1024-10 one epoch on Fashion-MNIST (Adam, lr 1e-3,\n"
    "batch %d) from C, print test accuracy, save the model (default embed.lnt).\n"
    "  --threads N  engine and BLAS threads (default: all cores)\n"
    "  --data DIR   IDX files (default data/fashion-mnist-subset)\n", BATCH);
}

/* report the engine's last error for 'what' and exit 1 */
static void die (const char *what) {
  fprintf(stderr, "embed: %s: %s\n", what, ln_errmsg());
  exit(1);
}

#define CHECK(what, call) do { if ((call) != LN_OK) die(what); } while (0)

static double now (void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* load DIR/NAME (IDX, gzip'ed); images come back as f32 in [0, 1] */
static ln_tensor *load_idx (const char *dir, const char *name) {
  char path[1024];
  ln_tensor *t;
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  if (ln_idx_load(path, 1, &t) != LN_OK) die("load data");
  return t;
}

/* images [N,28,28] and labels [N] must agree */
static void check_pair (const ln_tensor *img, const ln_tensor *lab,
                        const char *what) {
  if (img->dtype != LN_F32 || img->ndim != 3 || img->dim[1] * img->dim[2] != NPIX ||
      lab->dtype != LN_I32 || lab->ndim != 1 || lab->dim[0] != img->dim[0]) {
    fprintf(stderr, "embed: %s: expected images [N,28,28] and labels [N]\n", what);
    exit(1);
  }
}

/*
** The MLP (luanet/layers.h: the same layers, names and initialisation as
** graphs/mlp.lua) and its loss; '*logits' and '*loss' get their node ids.
*/
static ln_graph *build (int *logits, int *loss) {
  ln_graph *g;
  int yd[1] = {LN_BATCH}, y;
  CHECK("graph", ln_graph_new(&g));
  CHECK("mlp", ln_mlp(g, -1, NSIZES, sizes, "relu", 0, logits));  /* input "x" */
  CHECK("input", ln_graph_input(g, "y", LN_I32, 1, yd, &y));
  CHECK("set_name", ln_graph_set_name(g, *logits, "logits"));
  CHECK("cross_entropy", ln_graph_opn(g, "cross_entropy", 2, (int[]){*logits, y},
                                      NULL, loss));
  return g;
}

/*
** Feed rows idx[0..b) of images/labels as one batch through the tensors
** xb [BATCH,784] and yb [BATCH], allocated once; a partial batch is fed
** through views of the same buffers with dim[0] = b.
*/
static void feed_batch (ln_model *m, const ln_tensor *img, const ln_tensor *lab,
                        const int *idx, int b, ln_tensor *xb, ln_tensor *yb) {
  float *xs = xb->data;
  int32_t *ys = yb->data;
  const float *src = img->data;
  const int32_t *ls = lab->data;
  int i;
  for (i = 0; i < b; i++) {
    memcpy(xs + (size_t)i * NPIX, src + (size_t)idx[i] * NPIX, NPIX * sizeof(float));
    ys[i] = ls[idx[i]];
  }
  if (b == xb->dim[0]) {
    CHECK("feed", ln_model_feed(m, "x", xb));
    CHECK("feed", ln_model_feed(m, "y", yb));
  } else {
    ln_tensor *xv = ln_tensor_view(LN_F32, 2, (int[]){b, NPIX}, xs);
    ln_tensor *yv = ln_tensor_view(LN_I32, 1, (int[]){b}, ys);
    if (xv == NULL || yv == NULL) die("view");
    if (ln_model_feed(m, "x", xv) != LN_OK || ln_model_feed(m, "y", yv) != LN_OK)
      die("feed");
    ln_tensor_free(xv);
    ln_tensor_free(yv);
  }
}

/* the scalar value of node 'id' after a run */
static float scalar (ln_model *m, int id) {
  ln_tensor *t = ln_model_value(m, id);
  float v;
  if (t == NULL) die("value");
  v = *(float *)t->data;
  ln_tensor_free(t);
  return v;
}

/* number of trainable values */
static long count_params (ln_model *m) {
  int ids[64], n = ln_model_params(m, ids, 64), k;
  long total = 0;
  for (k = 0; k < n && k < 64; k++) {
    total += (long)ln_node_numel(ln_graph_node(ln_model_graph(m), ids[k]));
  }
  return total;
}

/* one epoch over a fresh permutation; returns the mean loss */
static double train_epoch (ln_model *m, ln_optim *o, int loss, int epoch,
                           const ln_tensor *img, const ln_tensor *lab,
                           int *perm, ln_tensor *xb, ln_tensor *yb) {
  int n = img->dim[0], i, s, step = 0, nsteps = (n + BATCH - 1) / BATCH;
  double sum = 0, run = 0;
  int run_n = 0;
  for (i = 0; i < n; i++) perm[i] = i;
  for (i = n - 1; i > 0; i--) {   /* Fisher-Yates */
    int j = (int)(ln_rand_u64() % (uint64_t)(i + 1)), t = perm[i];
    perm[i] = perm[j];
    perm[j] = t;
  }
  for (s = 0; s < n; s += BATCH) {
    int b = n - s < BATCH ? n - s : BATCH;
    float l;
    feed_batch(m, img, lab, perm + s, b, xb, yb);
    CHECK("forward", ln_model_forward(m, 1));
    CHECK("backward", ln_model_backward(m));
    CHECK("step", ln_optim_step(o, NULL));
    l = scalar(m, loss);
    sum += (double)l * b;
    run += l;
    run_n++;
    if (++step % 20 == 0 || step == nsteps) {
      printf("epoch %d  [%5d/%d]  loss %.4f\n", epoch, s + b, n, run / run_n);
      fflush(stdout);
      run = 0;
      run_n = 0;
    }
  }
  return sum / n;
}

/* test accuracy in eval mode, in batches of BATCH */
static double evaluate (ln_model *m, int logits, const ln_tensor *img,
                        const ln_tensor *lab, int *idx, ln_tensor *xb,
                        ln_tensor *yb) {
  int n = img->dim[0], s, i, k, correct = 0;
  const int32_t *ls = lab->data;
  for (s = 0; s < n; s += BATCH) {
    int b = n - s < BATCH ? n - s : BATCH;
    ln_tensor *out;
    for (i = 0; i < b; i++) idx[i] = s + i;
    feed_batch(m, img, lab, idx, b, xb, yb);
    CHECK("forward", ln_model_forward(m, 0));
    if ((out = ln_model_value(m, logits)) == NULL) die("value");
    for (i = 0; i < b; i++) {
      const float *row = (const float *)out->data + (size_t)i * out->dim[1];
      int best = 0;
      for (k = 1; k < out->dim[1]; k++)
        if (row[k] > row[best]) best = k;
      correct += best == ls[s + i];
    }
    ln_tensor_free(out);
  }
  return (double)correct / n;
}

int main (int argc, char **argv) {
  const char *out = "embed.lnt", *dir = "data/fashion-mnist-subset";
  ln_tensor *tr_x, *tr_y, *te_x, *te_y, *xb, *yb;
  ln_graph *g;
  ln_model *m;
  ln_optim *o;
  ln_optconf conf;
  int logits, loss, i, *perm, n_out = 0;
  size_t planned, naive;
  double t0, t1, t2, mean, acc;
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
      int n = atoi(argv[++i]);
      if (n < 1) { fprintf(stderr, "embed: --threads wants N >= 1\n"); return 1; }
      ln_set_threads(n);
    } else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
      dir = argv[++i];
    } else if (argv[i][0] == '-' || n_out++ > 0) {
      usage(stderr);
      return 1;
    } else out = argv[i];
  }
  CHECK("runtime", ln_init_runtime());
  ln_seed(1);

  tr_x = load_idx(dir, "train-images-idx3-ubyte.gz");
  tr_y = load_idx(dir, "train-labels-idx1-ubyte.gz");
  te_x = load_idx(dir, "t10k-images-idx3-ubyte.gz");
  te_y = load_idx(dir, "t10k-labels-idx1-ubyte.gz");
  check_pair(tr_x, tr_y, "training set");
  check_pair(te_x, te_y, "test set");
  printf("data: %d training, %d test images from %s\n", tr_x->dim[0],
         te_x->dim[0], dir);

  g = build(&logits, &loss);
  CHECK("compile", ln_model_compile(g, BATCH, loss, 1, &logits, &m));
  ln_model_memory(m, &planned, &naive);
  printf("model: MLP 784-1024-1024-10, %ld params, batch %d, arena %.1f MiB "
         "(naive %.1f MiB), %d threads, BLAS %s\n",
         count_params(m), BATCH, planned / 1048576.0,
         naive / 1048576.0, ln_get_threads(), ln_blas_core());
  ln_optconf_defaults(LN_OPT_ADAM, &conf);
  conf.lr = 1e-3;
  CHECK("optim", ln_optim_new(m, LN_OPT_ADAM, &conf, &o));

  xb = ln_tensor_new(LN_F32, 2, (int[]){BATCH, NPIX});
  yb = ln_tensor_new(LN_I32, 1, (int[]){BATCH});
  perm = malloc((size_t)tr_x->dim[0] * sizeof(int));
  if (xb == NULL || yb == NULL || perm == NULL) {
    fprintf(stderr, "embed: out of memory\n");
    return 1;
  }

  t0 = now();
  mean = train_epoch(m, o, loss, 1, tr_x, tr_y, perm, xb, yb);
  t1 = now();
  printf("epoch 1: mean loss %.4f, %.2f s (%.0f images/s)\n", mean, t1 - t0,
         tr_x->dim[0] / (t1 - t0));
  acc = evaluate(m, logits, te_x, te_y, perm, xb, yb);
  t2 = now();
  printf("test accuracy: %.2f%% (%d images, %.2f s)\n", 100 * acc,
         te_x->dim[0], t2 - t1);

  CHECK("save", ln_model_save(m, NULL, out));
  printf("saved %s\n", out);

  free(perm);
  ln_tensor_free(xb); ln_tensor_free(yb);
  ln_tensor_free(tr_x); ln_tensor_free(tr_y);
  ln_tensor_free(te_x); ln_tensor_free(te_y);
  ln_optim_free(o);
  ln_model_free(m);
  return 0;
}
