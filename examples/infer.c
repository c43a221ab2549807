/*
** infer.c -- load a saved luanet model and classify Fashion-MNIST test
** images with it: the prediction, the true label and the softmax
** probability of each, and the accuracy over them.
**
**   ./build/infer embed.lnt [--data DIR] [-n N]
**
** The model needs an input named "x" ([B,784], [B,28,28] or [B,1,28,28])
** and an output node named "logits" [B,10], as examples/embed.c and
** examples/train.lua save them.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "luanet.h"

#define NPIX 784
#define NCLASS 10

static const char *const classes[NCLASS] = {
  "T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
  "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"
};

static void usage (FILE *f) {
  fprintf(f,
    "usage: infer [--help] model.lnt [--data DIR] [-n N]\n"
    "Classify the first N (default 10) Fashion-MNIST test images with a saved\n"
    "model (input \"x\", output \"logits\").\n"
    "  --data DIR   IDX files (default data/fashion-mnist-subset)\n"
    "  -n N         number of test images (default 10)\n");
}

/* report the engine's last error (after 'what', if not NULL) and exit 1 */
static void die (const char *what) {
  fprintf(stderr, "infer: %s%s%s\n", what ? what : "", what ? ": " : "",
          ln_errmsg());
  exit(1);
}

#define CHECK(what, call) do { if ((call) != LN_OK) die(what); } while (0)

static ln_tensor *load_idx (const char *dir, const char *name) {
  char path[1024];
  ln_tensor *t;
  snprintf(path, sizeof(path), "%s/%s", dir, name);
  if (ln_idx_load(path, 1, &t) != LN_OK) die("load data");
  return t;
}

/*
** Run images [first, first+b) through the model and print one line each;
** 'xn' is the input node (its shape says how to lay the batch out).
** Returns the number classified correctly.
*/
static int run_batch (ln_model *m, const ln_node *xn, int logits, int has_y,
                      const ln_tensor *img, const ln_tensor *lab, int first, int b) {
  int dim[LN_MAX_DIMS], k, i, correct = 0;
  const int32_t *ls = (const int32_t *)lab->data + first;
  ln_tensor *x, *y, *out;
  memcpy(dim, ln_node_dims(xn), (size_t)ln_node_ndim(xn) * sizeof(int));
  dim[0] = b;
  x = ln_tensor_view(LN_F32, ln_node_ndim(xn), dim, (float *)img->data + (size_t)first * NPIX);
  y = ln_tensor_view(LN_I32, 1, (int[]){b}, (int32_t *)ls);
  if (x == NULL || y == NULL) die("view");
  CHECK("feed", ln_model_feed(m, "x", x));
  if (has_y) CHECK("feed", ln_model_feed(m, "y", y));
  CHECK("forward", ln_model_forward(m, 0));
  if ((out = ln_model_value(m, logits)) == NULL) die("logits");
  if (out->ndim != 2 || out->dim[0] != b || out->dim[1] != NCLASS) {
    char sh[96];
    fprintf(stderr, "infer: 'logits' has shape %s, expected [%d,%d]\n",
            ln_shape_str(out->ndim, out->dim, sh, sizeof(sh)), b, NCLASS);
    exit(1);
  }
  for (i = 0; i < b; i++) {
    const float *row = (const float *)out->data + (size_t)i * NCLASS;
    int best = 0;
    double sum = 0;
    for (k = 1; k < NCLASS; k++)
      if (row[k] > row[best]) best = k;
    for (k = 0; k < NCLASS; k++) sum += exp((double)row[k] - row[best]);
    correct += best == ls[i];
    printf("%5d  %-11s  (true: %-11s)  p=%.3f%s\n", first + i, classes[best],
           ls[i] >= 0 && ls[i] < NCLASS ? classes[ls[i]] : "?", 1 / sum,
           best == ls[i] ? "" : "  *");
  }
  ln_tensor_free(out);
  ln_tensor_free(x);
  ln_tensor_free(y);
  return correct;
}

int main (int argc, char **argv) {
  const char *path = NULL, *dir = "data/fashion-mnist-subset";
  ln_tensor *img, *lab;
  ln_model *m;
  ln_graph *g;
  ln_node *xn;
  int n = 10, i, xid, yid, has_y, logits, maxb, pix, correct = 0;
  for (i = 1; i < argc; i++) {
    if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
      usage(stdout);
      return 0;
    } else if (strcmp(argv[i], "--data") == 0 && i + 1 < argc) {
      dir = argv[++i];
    } else if (strcmp(argv[i], "-n") == 0 && i + 1 < argc) {
      n = atoi(argv[++i]);
      if (n < 1) { fprintf(stderr, "infer: -n wants N >= 1\n"); return 1; }
    } else if (argv[i][0] == '-' || path != NULL) {
      usage(stderr);
      return 1;
    } else path = argv[i];
  }
  if (path == NULL) { usage(stderr); return 1; }

  CHECK(NULL, ln_model_load(path, &m, NULL));
  g = ln_model_graph(m);
  maxb = ln_graph_batch(g);   /* the compiled maximum, before any run */
  xid = ln_graph_find(g, "x");
  logits = ln_graph_find(g, "logits");
  yid = ln_graph_find(g, "y");
  if (xid < 0 || logits < 0) {
    fprintf(stderr, "infer: %s: the model has no %s node\n", path,
            xid < 0 ? "input \"x\"" : "\"logits\"");
    return 1;
  }
  xn = ln_graph_node(g, xid);
  /* a model saved with its loss wants the labels too */
  has_y = yid >= 0 && ln_node_leaf(ln_graph_node(g, yid)) == LN_LEAF_INPUT;
  for (pix = 1, i = 1; i < ln_node_ndim(xn); i++) pix *= ln_node_dims(xn)[i];
  if (ln_node_leaf(xn) != LN_LEAF_INPUT || ln_node_dtype(xn) != LN_F32 ||
      !ln_node_batched(xn) ||
      pix != NPIX) {
    char sh[96];
    fprintf(stderr, "infer: input \"x\" is %s (per image %d values), expected "
            "float [B,784] or [B,1,28,28]\n",
            ln_shape_str(ln_node_ndim(xn), ln_node_dims(xn), sh, sizeof(sh)), pix);
    return 1;
  }

  img = load_idx(dir, "t10k-images-idx3-ubyte.gz");
  lab = load_idx(dir, "t10k-labels-idx1-ubyte.gz");
  if (img->dtype != LN_F32 || img->ndim != 3 || img->dim[1] * img->dim[2] != NPIX ||
      lab->ndim != 1 || lab->dim[0] != img->dim[0]) {
    fprintf(stderr, "infer: %s: expected test images [N,28,28] and labels [N]\n", dir);
    return 1;
  }
  if (n > img->dim[0]) n = img->dim[0];
  printf("%s: input x %s, max batch %d; %d test images\n", path,
         ln_shape_str(ln_node_ndim(xn), ln_node_dims(xn), (char[96]){0}, 96), maxb, n);

  /* one batch when N fits the model, else batches of the maximum */
  for (i = 0; i < n; i += maxb)
    correct += run_batch(m, xn, logits, has_y, img, lab, i,
                         n - i < maxb ? n - i : maxb);
  printf("accuracy: %d/%d = %.2f%%\n", correct, n, 100.0 * correct / n);

  ln_tensor_free(img);
  ln_tensor_free(lab);
  ln_model_free(m);
  return 0;
}
