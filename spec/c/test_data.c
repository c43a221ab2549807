/*
** test_data.c -- IDX and PNG files: the bundled Fashion-MNIST subset,
** truncated and missing files, PNG round trips. Run from the repo root.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "luanet.h"
#include "tap.h"

#define SUBSET "data/fashion-mnist-subset/"

static char tmpdir[64];

/* a path under this run's temporary directory (static buffer, rotating) */
static const char *tmp (const char *name) {
  static char buf[4][160];
  static int k;
  k = (k + 1) % 4;
  snprintf(buf[k], sizeof(buf[k]), "%s/%s", tmpdir, name);
  return buf[k];
}

static int write_file (const char *path, const void *p, size_t n) {
  FILE *f = fopen(path, "wb");
  if (f == NULL) return 0;
  if (fwrite(p, 1, n, f) != n) { fclose(f); return 0; }
  return fclose(f) == 0;
}

/* the first label of a gzip'ed IDX labels file, as gzip and od see it */
static int od_first_label (const char *path) {
  char cmd[256];
  int v = -1;
  FILE *p;
  snprintf(cmd, sizeof(cmd), "gzip -dc %s | od -An -tu1 -j8 -N1", path);
  if ((p = popen(cmd, "r")) == NULL) return -1;
  if (fscanf(p, "%d", &v) != 1) v = -1;
  pclose(p);
  return v;
}

static void test_labels (const char *path, int n, int per_class) {
  ln_tensor *t = NULL;
  int rc = ln_idx_load(path, 1, &t), count[10] = {0}, i, bad = 0;
  tap_ok(rc == LN_OK, "idx_load %s (%s)", path, rc ? ln_errmsg() : "");
  if (t == NULL) return;
  tap_ok(t->dtype == LN_I32 && t->ndim == 1 && t->dim[0] == n,
         "labels are int32 [%d]", n);
  for (i = 0; i < (int)t->n; i++) {
    int32_t v = ((int32_t *)t->data)[i];
    if (v < 0 || v > 9) bad++;
    else count[v]++;
  }
  tap_ok(bad == 0, "labels lie in 0..9");
  for (i = 0; i < 10; i++)
    if (count[i] != per_class) bad++;
  tap_ok(bad == 0, "%d labels of each class", per_class);
  tap_ok(((int32_t *)t->data)[0] == od_first_label(path),
         "first label %d matches gzip -dc | od", ((int32_t *)t->data)[0]);
  ln_tensor_free(t);
}

static void test_images (void) {
  ln_tensor *t = NULL;
  size_t i;
  float lo = 1e9f, hi = -1e9f;
  int frac = 0, rc = ln_idx_load(SUBSET "t10k-images-idx3-ubyte.gz", 1, &t);
  tap_ok(rc == LN_OK, "idx_load t10k images (%s)", rc ? ln_errmsg() : "");
  if (t == NULL) return;
  tap_ok(t->dtype == LN_F32 && t->ndim == 3 && t->dim[0] == 2000 &&
         t->dim[1] == 28 && t->dim[2] == 28, "images are float32 [2000, 28, 28]");
  for (i = 0; i < t->n; i++) {
    float v = ((float *)t->data)[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  tap_ok(lo == 0.0f && hi == 1.0f, "scaled images span [0, 1] (%g..%g)", lo, hi);
  ln_tensor_free(t);
  rc = ln_idx_load(SUBSET "t10k-images-idx3-ubyte.gz", 0, &t);
  tap_ok(rc == LN_OK, "idx_load raw images");
  if (t == NULL) return;
  hi = 0;
  for (i = 0; i < t->n; i++) {
    float v = ((float *)t->data)[i];
    if (v > hi) hi = v;
    if (v != floorf(v)) frac++;
  }
  tap_ok(hi == 255.0f && frac == 0, "raw images are whole numbers up to 255");
  ln_tensor_free(t);
}

static void test_bad_idx (void) {
  /* 10 images of 28x28 announced, 100 bytes given */
  unsigned char b[16 + 100] = {0, 0, 8, 3, 0, 0, 0, 10, 0, 0, 0, 28, 0, 0, 0, 28};
  unsigned char big[4096];
  ln_tensor *t = (ln_tensor *)&t;   /* must come back NULL */
  size_t n;
  FILE *f;
  int rc;
  write_file(tmp("trunc.idx"), b, sizeof(b));
  rc = ln_idx_load(tmp("trunc.idx"), 1, &t);
  tap_ok(rc == LN_EFORMAT && t == NULL, "truncated IDX data: LN_EFORMAT");
  tap_ok(strstr(ln_errmsg(), "truncated") != NULL &&
         strstr(ln_errmsg(), "trunc.idx") != NULL,
         "message names the file and says truncated (%s)", ln_errmsg());
  write_file(tmp("short.idx"), b, 10);
  rc = ln_idx_load(tmp("short.idx"), 1, &t);
  tap_ok(rc == LN_EFORMAT && strstr(ln_errmsg(), "truncated header") != NULL,
         "truncated IDX header: LN_EFORMAT (%s)", ln_errmsg());
  b[2] = 0x0d;   /* float elements: not ours */
  write_file(tmp("magic.idx"), b, sizeof(b));
  rc = ln_idx_load(tmp("magic.idx"), 1, &t);
  tap_ok(rc == LN_EFORMAT && strstr(ln_errmsg(), "bad magic") != NULL,
         "foreign IDX type: LN_EFORMAT (%s)", ln_errmsg());
  /* the first 4 KiB of a gzip'ed file: a cut gzip stream */
  f = fopen(SUBSET "t10k-images-idx3-ubyte.gz", "rb");
  n = f ? fread(big, 1, sizeof(big), f) : 0;
  if (f) fclose(f);
  write_file(tmp("cut.idx.gz"), big, n);
  rc = ln_idx_load(tmp("cut.idx.gz"), 1, &t);
  tap_ok(rc == LN_EFORMAT && t == NULL, "cut gzip stream: LN_EFORMAT (%s)",
         ln_errmsg());
  rc = ln_idx_load(tmp("no-such-file.idx"), 1, &t);
  tap_ok(rc == LN_EIO && t == NULL &&
         strstr(ln_errmsg(), "No such file") != NULL,
         "missing IDX file: LN_EIO (%s)", ln_errmsg());
  remove(tmp("trunc.idx")); remove(tmp("short.idx"));
  remove(tmp("magic.idx")); remove(tmp("cut.idx.gz"));
}

/* save 'src', load it back, compare within 1/255 (and half a step) */
static void round_trip (const char *what, ln_tensor *src, int c, int h, int w) {
  ln_tensor *back = NULL;
  float maxerr = 0;
  size_t i;
  int rc = ln_png_save(tmp("rt.png"), src);
  tap_ok(rc == LN_OK, "%s: png_save (%s)", what, rc ? ln_errmsg() : "");
  tap_ok(access(tmp("rt.png.tmp"), F_OK) != 0, "%s: no .tmp file left", what);
  rc = ln_png_load(tmp("rt.png"), &back);
  tap_ok(rc == LN_OK, "%s: png_load (%s)", what, rc ? ln_errmsg() : "");
  if (back == NULL) return;
  tap_ok(back->dtype == LN_F32 && back->ndim == 3 && back->dim[0] == c &&
         back->dim[1] == h && back->dim[2] == w, "%s: shape %dx%dx%d", what,
         c, h, w);
  for (i = 0; i < back->n && i < src->n; i++) {
    float a = ((float *)src->data)[i], e;
    a = a < 0 ? 0 : a > 1 ? 1 : a;
    e = fabsf(a - ((float *)back->data)[i]);
    if (e > maxerr) maxerr = e;
  }
  tap_ok(maxerr <= 0.5f / 255.0f + 1e-6f, "%s: values within 1/255 (max %g)",
         what, maxerr);
  ln_tensor_free(back);
  remove(tmp("rt.png"));
}

static void test_png (void) {
  int d3[3] = {3, 5, 7}, d4[3] = {4, 2, 3}, d2[2] = {4, 6}, bad[3] = {2, 4, 4};
  ln_tensor *t = ln_tensor_new(LN_F32, 3, d3), *u = NULL;
  size_t i;
  int rc;
  for (i = 0; i < t->n; i++) ((float *)t->data)[i] = (float)i / (float)(t->n - 1);
  round_trip("3x5x7 gradient", t, 3, 5, 7);
  ln_tensor_free(t);
  t = ln_tensor_new(LN_F32, 3, d4);   /* RGBA, values outside [0, 1] clamp */
  for (i = 0; i < t->n; i++) ((float *)t->data)[i] = (float)i / 10.0f - 0.5f;
  round_trip("4x2x3 RGBA, clamped", t, 4, 2, 3);
  ln_tensor_free(t);
  t = ln_tensor_new(LN_F32, 2, d2);   /* H x W saves as gray */
  for (i = 0; i < t->n; i++) ((float *)t->data)[i] = (float)(i % 5) / 4.0f;
  round_trip("4x6 gray", t, 1, 4, 6);
  ln_tensor_free(t);
  t = ln_tensor_new(LN_F32, 3, bad);
  rc = ln_png_save(tmp("bad.png"), t);
  tap_ok(rc == LN_ESHAPE && access(tmp("bad.png"), F_OK) != 0,
         "2 channels: refused, nothing written (%s)", ln_errmsg());
  ln_tensor_free(t);
  rc = ln_png_load(tmp("no-such.png"), &u);
  tap_ok(rc == LN_EIO && u == NULL && strstr(ln_errmsg(), "No such file"),
         "missing PNG: LN_EIO (%s)", ln_errmsg());
  write_file(tmp("not.png"), "hello, world", 12);
  rc = ln_png_load(tmp("not.png"), &u);
  tap_ok(rc == LN_EFORMAT && u == NULL, "not a PNG: LN_EFORMAT (%s)",
         ln_errmsg());
  remove(tmp("not.png"));
  /* a PNG cut in half: libpng's error comes back as a code */
  t = ln_tensor_new(LN_F32, 3, d3);
  for (i = 0; i < t->n; i++) ((float *)t->data)[i] = (float)(i * 37 % 101) / 100.0f;
  ln_png_save(tmp("cut.png"), t);
  ln_tensor_free(t);
  {
    unsigned char buf[512];
    FILE *f = fopen(tmp("cut.png"), "rb");
    size_t n = f ? fread(buf, 1, sizeof(buf), f) : 0;
    if (f) fclose(f);
    write_file(tmp("cut.png"), buf, n / 2);
  }
  rc = ln_png_load(tmp("cut.png"), &u);
  tap_ok(rc == LN_EFORMAT && u == NULL, "truncated PNG: LN_EFORMAT (%s)",
         ln_errmsg());
  remove(tmp("cut.png"));
  rc = ln_png_save("/nonexistent-dir/x.png", (t = ln_tensor_new(LN_F32, 3, d3)));
  tap_ok(rc == LN_EIO, "unwritable PNG path: LN_EIO (%s)", ln_errmsg());
  ln_tensor_free(t);
}

int main (void) {
  snprintf(tmpdir, sizeof(tmpdir), "/tmp/ln_test_data.XXXXXX");
  if (mkdtemp(tmpdir) == NULL) {
    tap_ok(0, "mkdtemp");
    return tap_done();
  }
  test_labels(SUBSET "train-labels-idx1-ubyte.gz", 10000, 1000);
  test_labels(SUBSET "t10k-labels-idx1-ubyte.gz", 2000, 200);
  test_images();
  test_bad_idx();
  test_png();
  rmdir(tmpdir);
  return tap_done();
}
