/*
** test_kernels.c -- the prepared kernels of matmul, linear and conv2d:
** oneDNN against the portable path (OpenBLAS, im2col) in float32; bf16
** mode against float32 within bf16's tolerance (normwise relative 1e-2),
** forward and every gradient, on shapes with 1, 3, 17 and 1000 in every
** dimension; the fused relu epilogue; '=' gradients (assign) against '+='
** from zero; the float32 -> bf16 conversion (rounding, NaN, infinities,
** denormals). spec/run-ctests.sh runs it a second time with
** ONEDNN_MAX_CPU_ISA=AVX2: oneDNN's AVX2 kernels, no bf16 kernels (bf16
** mode rounds the inputs and computes in float32), the engine's portable
** conversion. Under valgrind, which hides AVX-512, the same happens.
*/
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "opcheck.h"
#include "tap.h"

#define IN(...) {sizeof((int[]){__VA_ARGS__}) / sizeof(int), {__VA_ARGS__}, 0, NULL, 0}

/* values and gradients of one run: y, then each input's gradient */
typedef struct result { float *v[1 + LN_MAX_IN]; size_t n[1 + LN_MAX_IN]; int k; char kern[96]; } result;

static void result_free (result *r) {
  int i;
  for (i = 0; i < r->k; i++) free(r->v[i]);
}

/* run 'c' forward and backward (dL/dy fixed pseudo-random) in 'mode';
** gradients start at 'g0' (0, or junk to check that '=' overwrites) */
static int run_case (const opcheck_case *c, int mode, float g0, result *res) {
  opcheck_run r;
  size_t i, len;
  int k, keep = opcheck_mode;
  unsigned s = 4242u;
  memset(res, 0, sizeof(*res));
  opcheck_mode = mode;
  k = opcheck_setup(c, &r, 2024u);
  opcheck_mode = keep;
  if (k != 0) { opcheck_free(&r); return 0; }
  snprintf(res->kern, sizeof(res->kern), "%s", r.out.kern_name ? r.out.kern_name : "portable");
  for (k = 0; k < c->n_in; k++)
    for (i = 0; i < ln_numel(&r.in[k]); i++) r.in[k].g[i] = g0;
  opcheck_forward(&r, 1);
  len = ln_numel(&r.out);
  for (i = 0; i < len; i++) r.out.g[i] = (float)opcheck_uniform(&s, -1, 1);
  opcheck_backward(&r, 1);
  res->k = 1 + c->n_in;
  res->n[0] = len;
  res->v[0] = malloc((len + 1) * sizeof(float));
  memcpy(res->v[0], r.out.x, len * sizeof(float));
  for (k = 0; k < c->n_in; k++) {
    size_t m = ln_numel(&r.in[k]);
    res->n[k + 1] = m;
    res->v[k + 1] = malloc((m + 1) * sizeof(float));
    memcpy(res->v[k + 1], r.in[k].g, m * sizeof(float));
  }
  opcheck_free(&r);
  return 1;
}

/* normwise relative difference max|a - b| / max|b| */
static double nrel (const float *a, const float *b, size_t n) {
  double d = 0, m = 0;
  size_t i;
  for (i = 0; i < n; i++) {
    double e = fabs((double)a[i] - b[i]);
    if (!(e <= d)) d = e;   /* NaN counts as the worst */
    if (fabs(b[i]) > m) m = fabs(b[i]);
  }
  return d / (m > 1e-30 ? m : 1e-30);
}

/* the worst relative difference over y and the gradients */
static double compare (const result *a, const result *b) {
  double w = 0, e;
  int i;
  if (a->k != b->k || a->k == 0) return INFINITY;
  for (i = 0; i < a->k; i++) {
    if (a->n[i] != b->n[i]) return INFINITY;
    if ((e = nrel(a->v[i], b->v[i], a->n[i])) > w || e != e) w = e;
  }
  return w;
}

static const char *shape_of (const opcheck_case *c, char *buf, size_t sz) {
  size_t at = 0;
  int k, i;
  buf[0] = '\0';
  for (k = 0; k < c->n_in && at < sz; k++) {
    for (i = 0; i < c->in[k].ndim && at < sz; i++)
      at += (size_t)snprintf(buf + at, sz - at, "%s%d", i ? "x" : "", c->in[k].dim[i]);
    if (k + 1 < c->n_in && at < sz) at += (size_t)snprintf(buf + at, sz - at, ", ");
  }
  return buf;
}

/* two modes of one case agree within 'tol' (normwise, y and gradients) */
static void agree (const opcheck_case *c, int ma, int mb, double tol, const char *what) {
  result a, b;
  char sh[128];
  int ok = run_case(c, ma, 0, &a) && run_case(c, mb, 0, &b);
  double e = ok ? compare(&a, &b) : INFINITY;
  tap_ok(e <= tol, "%s %s (%s): %s vs %s, rel. difference %.2g <= %g", c->op,
         shape_of(c, sh, sizeof(sh)), c->attrs ? c->attrs : "", what,
         ok ? b.kern : "?", e, tol);
  if (ok) { result_free(&a); result_free(&b); }
}

/* {====== float32: oneDNN against the portable path ====== */

static const opcheck_case f32_cases[] = {
  {.op = "linear", .n_in = 3, .in = {IN(64, 100), IN(70, 100), IN(70)}},
  {.op = "linear", .n_in = 3, .in = {IN(3, 1000), IN(17, 1000), IN(17)}},
  {.op = "linear", .n_in = 2, .in = {IN(2, 5, 100), IN(80, 100)}},
  {.op = "matmul", .n_in = 2, .in = {IN(64, 100), IN(100, 70)}},
  {.op = "matmul", .n_in = 2, .in = {IN(1000, 17), IN(17, 3)}},
  {.op = "matmul", .n_in = 2, .in = {IN(4, 17, 40), IN(4, 40, 33)}},
  {.op = "conv2d", .n_in = 3, .in = {IN(4, 3, 17, 17), IN(8, 3, 3, 3), IN(8)}, .attrs = "padding=1"},
  {.op = "conv2d", .n_in = 2, .in = {IN(3, 4, 9, 11), IN(6, 2, 3, 3)}, .attrs = "stride=2,padding=1,groups=2"},
  {.op = "conv2d", .n_in = 3, .in = {IN(2, 5, 12, 12), IN(7, 5, 3, 3), IN(7)}, .attrs = "dilation=2,padding=2"},
  {.op = "conv2d", .n_in = 3, .in = {IN(2, 16, 8, 8), IN(32, 16, 1, 1), IN(32)}},
};

static void test_f32 (void) {
  size_t i;
  for (i = 0; i < sizeof(f32_cases) / sizeof(f32_cases[0]); i++)
    agree(&f32_cases[i], OPCHECK_PORTABLE, OPCHECK_PREPARED, 1e-5,
          "portable vs prepared");
}

/* }====== */

/* {====== bf16 against float32 ====== */

/*
** Each dimension of the products takes 1, 3, 17 and 1000 across the
** cases (rotations of the four sizes), and 17 in all of them once.
*/
static const opcheck_case bf16_cases[] = {
  {.op = "matmul", .n_in = 2, .in = {IN(1, 3), IN(3, 17)}},
  {.op = "matmul", .n_in = 2, .in = {IN(3, 17), IN(17, 1000)}},
  {.op = "matmul", .n_in = 2, .in = {IN(17, 1000), IN(1000, 1)}},
  {.op = "matmul", .n_in = 2, .in = {IN(1000, 1), IN(1, 3)}},
  {.op = "matmul", .n_in = 2, .in = {IN(17, 17), IN(17, 17)}},
  {.op = "matmul", .n_in = 2, .in = {IN(3, 17, 1), IN(3, 1, 1000)}},
  {.op = "linear", .n_in = 3, .in = {IN(1, 3), IN(17, 3), IN(17)}},
  {.op = "linear", .n_in = 3, .in = {IN(3, 17), IN(1000, 17), IN(1000)}},
  {.op = "linear", .n_in = 3, .in = {IN(17, 1000), IN(1, 1000), IN(1)}},
  {.op = "linear", .n_in = 2, .in = {IN(1000, 1), IN(3, 1)}},
  {.op = "linear", .n_in = 3, .in = {IN(17, 17), IN(17, 17), IN(17)}},
  /* conv2d: batch, channels in and out, height, width */
  {.op = "conv2d", .n_in = 3, .in = {IN(1, 3, 17, 17), IN(17, 3, 3, 3), IN(17)}, .attrs = "padding=1"},
  {.op = "conv2d", .n_in = 3, .in = {IN(3, 17, 3, 1000), IN(1, 17, 3, 3), IN(1)}, .attrs = "padding=1"},
  {.op = "conv2d", .n_in = 3, .in = {IN(17, 1, 1000, 1), IN(3, 1, 3, 1), IN(3)}, .attrs = "padding=1"},
  {.op = "conv2d", .n_in = 2, .in = {IN(1000, 1, 1, 3), IN(17, 1, 1, 3)}},
  {.op = "conv2d", .n_in = 3, .in = {IN(2, 4, 9, 9), IN(6, 2, 3, 3), IN(6)}, .attrs = "stride=2,padding=1,groups=2"},
};

static void test_bf16 (void) {
  size_t i;
  for (i = 0; i < sizeof(bf16_cases) / sizeof(bf16_cases[0]); i++)
    agree(&bf16_cases[i], OPCHECK_PREPARED, OPCHECK_BF16, 1e-2, "fp32 vs bf16");
  /* and bf16 is not float32: the inputs were rounded */
  {
    result a, b;
    int ok = run_case(&bf16_cases[7], OPCHECK_PREPARED, 0, &a) &&
             run_case(&bf16_cases[7], OPCHECK_BF16, 0, &b);
    double e = ok ? compare(&a, &b) : 0;
    tap_ok(ok && e > 1e-6, "bf16 mode rounds the products' inputs (rel. difference %.2g)", e);
    if (ok) { result_free(&a); result_free(&b); }
  }
}

/* }====== */

/* {====== fused relu, assigned gradients ====== */

static void test_fusion (void) {
  static const opcheck_case base[] = {
    {.op = "linear", .n_in = 3, .in = {IN(64, 100), IN(70, 100), IN(70)}},
    {.op = "linear", .n_in = 3, .in = {IN(4, 6), IN(5, 6), IN(5)}},   /* OpenBLAS */
    {.op = "matmul", .n_in = 2, .in = {IN(64, 100), IN(100, 70)}},
    {.op = "conv2d", .n_in = 3, .in = {IN(4, 3, 17, 17), IN(8, 3, 3, 3), IN(8)}, .attrs = "padding=1"},
  };
  size_t i, j;
  int mode;
  for (mode = OPCHECK_PREPARED; mode <= OPCHECK_PORTABLE; mode++)
    for (i = 0; i < sizeof(base) / sizeof(base[0]); i++) {
      opcheck_case fc = base[i];
      result a, b;
      double worst = 0;
      int ok, neg = 0;
      fc.fuse = LN_FUSE_RELU;
      ok = run_case(&base[i], mode, 0, &a) && run_case(&fc, mode, 0, &b);
      for (j = 0; ok && j < a.n[0]; j++) {
        double want = a.v[0][j] > 0 ? a.v[0][j] : 0;
        if (fabs(b.v[0][j] - want) > worst) worst = fabs(b.v[0][j] - want);
        neg += a.v[0][j] < 0;
      }
      tap_ok(ok && worst == 0 && neg > 0, "%s fused relu (%s): y = max(product, 0) exactly",
             base[i].op, ok ? b.kern : "?");
      if (ok) { result_free(&a); result_free(&b); }
    }
}

static void test_assign (void) {
  static const opcheck_case base[] = {
    {.op = "linear", .n_in = 3, .in = {IN(64, 100), IN(70, 100), IN(70)}},
    {.op = "linear", .n_in = 3, .in = {IN(4, 6), IN(5, 6), IN(5)}},
    {.op = "matmul", .n_in = 2, .in = {IN(64, 100), IN(100, 70)}},
    {.op = "conv2d", .n_in = 3, .in = {IN(4, 3, 17, 17), IN(8, 3, 3, 3), IN(8)}, .attrs = "padding=1"},
    {.op = "conv2d", .n_in = 3, .in = {IN(2, 16, 8, 8), IN(32, 16, 1, 1), IN(32)}},
  };
  size_t i;
  int mode;
  for (mode = OPCHECK_PREPARED; mode <= OPCHECK_PORTABLE; mode++)
    for (i = 0; i < sizeof(base) / sizeof(base[0]); i++) {
      opcheck_case ac = base[i];
      result a, b;
      int ok;
      double e;
      ac.assign = 7u;
      ok = run_case(&base[i], mode, 0, &a) && run_case(&ac, mode, 7.0f, &b);
      e = ok ? compare(&b, &a) : INFINITY;
      tap_ok(e <= 1e-6, "%s (%s): '=' gradients over junk equal '+=' from zero (%.2g)",
             base[i].op, ok ? b.kern : "?", e);
      if (ok) { result_free(&a); result_free(&b); }
    }
}

/* }====== */

/* {====== conversion ====== */

/* reference: round to nearest even, NaN quiet, denormals to signed zero */
static uint16_t ref_bf16 (float f) {
  uint32_t u;
  memcpy(&u, &f, 4);
  if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)((u >> 16) | 0x40u);
  if ((u & 0x7f800000u) == 0) return (uint16_t)((u >> 16) & 0x8000u);
  return (uint16_t)((u + 0x7fffu + ((u >> 16) & 1u)) >> 16);
}

static float from_bits (uint32_t u) { float f; memcpy(&f, &u, 4); return f; }

static void test_convert (void) {
  enum { N = 100003 };
  static float x[N], back[N], rounded[N];
  static uint16_t y[N];
  unsigned s = 99u;
  size_t i, bad = 0, bad_back = 0;
  /* specials, ties both ways, the largest finite (rounds to infinity) */
  uint32_t special[] = {0x00000000u, 0x80000000u, 0x00000001u, 0x807fffffu,
                        0x7f800000u, 0xff800000u, 0x7fc00000u, 0x7f800001u,
                        0xffa00000u, 0x3f808000u, 0x3f818000u, 0x3f808001u,
                        0x7f7fffffu, 0x00800000u, 0x3f7fffffu};
  for (i = 0; i < N; i++) {
    uint32_t u;
    s = s * 1103515245u + 12345u;
    u = s ^ (s << 7);
    x[i] = i < sizeof(special) / 4 ? from_bits(special[i]) : from_bits(u);
  }
  ln_f32_to_bf16(x, y, N);
  ln_bf16_to_f32(y, back, N);
  ln_f32_round_bf16(x, rounded, N);
  for (i = 0; i < N; i++) {
    uint32_t r;
    if (y[i] != ref_bf16(x[i])) bad++;
    memcpy(&r, &rounded[i], 4);
    if ((r >> 16) != ref_bf16(x[i]) || (r & 0xffffu) != 0) bad_back++;
  }
  tap_ok(bad == 0, "f32 -> bf16 (%s): round to nearest even, NaN quiet, denormals to "
         "zero, on %d values (%zu differ from the reference)", ln_bf16_path(), N, bad);
  tap_ok(bad_back == 0, "rounding to bf16 in float32 matches the conversion (%zu differ)", bad_back);
  tap_ok(back[9] == 1.0f && back[10] == from_bits(0x3f820000u) && back[11] == from_bits(0x3f810000u),
         "ties go to even, above the tie goes up");
  tap_ok(isinf(back[12]) && back[12] > 0, "the largest float rounds to +infinity in bf16");
  tap_ok(isnan(back[6]) && isnan(back[7]) && isnan(back[8]), "NaNs stay NaN");
  tap_ok(back[2] == 0 && back[3] == 0 && signbit(back[3]), "denormals become signed zeros");
  {   /* odd lengths and offsets: the vector path's tails */
    uint16_t z[37];
    int ok = 1, len;
    for (len = 0; len <= 35; len++) {
      memset(z, 0xab, sizeof(z));
      ln_f32_to_bf16(x + 20 + len % 3, z + 1, (size_t)len);
      for (i = 0; i < (size_t)len; i++) ok &= z[1 + i] == ref_bf16(x[20 + len % 3 + i]);
      ok &= z[0] == 0xabab && z[1 + len] == 0xabab;
    }
    tap_ok(ok, "conversion of 0..35 elements writes exactly those");
  }
}

/* }====== */

/* {====== which kernel ====== */

static void test_choice (void) {
  opcheck_case big = {.op = "linear", .n_in = 3, .in = {IN(128, 256), IN(256, 256), IN(256)}};
  opcheck_case tiny = {.op = "linear", .n_in = 3, .in = {IN(4, 6), IN(5, 6), IN(5)}};
  opcheck_case conv = {.op = "conv2d", .n_in = 3, .in = {IN(4, 3, 17, 17), IN(8, 3, 3, 3), IN(8)}};
  const char *pol = ln_dnnl_policy(), *isa = ln_dnnl_isa_info();
  int wide = strstr(isa, "AVX-512") != NULL || strstr(isa, "AMX") != NULL;
  /* the rule of ln_dnnl_prefer, spelled out */
  int big_dnnl = strcmp(pol, "onednn") == 0 || (strcmp(pol, "auto") == 0 && wide);
  int tiny_dnnl = strcmp(pol, "onednn") == 0;
  result a, b, c, d;
  int ok = run_case(&big, OPCHECK_PREPARED, 0, &a) && run_case(&tiny, OPCHECK_PREPARED, 0, &b) &&
           run_case(&big, OPCHECK_BF16, 0, &c) && run_case(&conv, OPCHECK_PREPARED, 0, &d);
  tap_ok(ok && (strncmp(a.kern, "oneDNN", 6) == 0) == big_dnnl,
         "128x256x256 float32 product (kernels %s, %s): %s", pol, isa, ok ? a.kern : "?");
  tap_ok(ok && (strncmp(b.kern, "oneDNN", 6) == 0) == tiny_dnnl,
         "4x6x5 float32 product: %s", ok ? b.kern : "?");
  tap_ok(ok && (strncmp(d.kern, "oneDNN", 6) == 0) == big_dnnl, "conv2d: %s", ok ? d.kern : "?");
  tap_ok(ok && (ln_dnnl_has_bf16() ? strstr(c.kern, "bf16") && !strstr(c.kern, "float32 products")
                                   : strstr(c.kern, "bf16 inputs, float32 products") != NULL),
         "bf16 mode: %s", ok ? c.kern : "?");
  if (ok) { result_free(&a); result_free(&b); result_free(&c); result_free(&d); }
}

/* }====== */

int main (void) {
  ln_init_runtime();
  ln_set_threads(2);
  printf("# %s, ISA %s; bf16 conversion: %s\n", ln_dnnl_info(), ln_dnnl_isa_info(), ln_bf16_path());
  test_convert();
  test_choice();
  test_f32();
  test_bf16();
  test_fusion();
  test_assign();
  tap_ok(ln_dnnl_failed() == 0, "no oneDNN execution failed (%ld)", ln_dnnl_failed());
  printf("1..%d\n", tap_count);
  return tap_done();
}
