/*
** test_detect.c -- the detection kernels of ln_detect.c from C: IoU in both
** conventions, conversions, hard NMS and Soft-NMS on hand-computed cases,
** class-aware versions, errors, and random boxes (clustered, scattered,
** degenerate) against a plain O(n^2) transcription of Algorithm 1 of
** Bodla et al. 2017.
*/
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "luanet.h"
#include "tap.h"

static int near (double a, double b, double tol) { return fabs(a - b) <= tol; }

static int same_ints (const int32_t *a, const int32_t *b, int n) {
  int i;
  for (i = 0; i < n; i++) if (a[i] != b[i]) return 0;
  return 1;
}

/* {====== The plain reference ====== */

static float ref_iou (const float *a, const float *b, float one) {
  float w = fminf(a[2], b[2]) - fmaxf(a[0], b[0]) + one;
  float h = fminf(a[3], b[3]) - fmaxf(a[1], b[1]) + one;
  float i, u;
  if (w <= 0 || h <= 0) return 0;
  i = w * h;
  u = (a[2] - a[0] + one) * (a[3] - a[1] + one) + (b[2] - b[0] + one) * (b[3] - b[1] + one) - i;
  return u > 0 ? i / u : 0;
}

/* Algorithm 1: repeatedly take the first maximum among the remaining,
** rescore the rest; method -1 is hard NMS (no score threshold) */
static int ref_soft (const float *boxes, const float *scores, int n, int method,
                     float nt, float sigma, float thr, int pixel, int32_t *keep,
                     float *kept) {
  float *s = malloc(sizeof(float) * (size_t)n), one = pixel ? 1.0f : 0.0f;
  char *alive = malloc((size_t)n);
  int i, k = 0;
  for (i = 0; i < n; i++) { s[i] = scores[i]; alive[i] = method < 0 || scores[i] >= thr; }
  for (;;) {
    int m = -1;
    for (i = 0; i < n; i++) if (alive[i] && (m < 0 || s[i] > s[m])) m = i;
    if (m < 0) break;
    keep[k] = m;
    kept[k++] = s[m];
    alive[m] = 0;
    for (i = 0; i < n; i++) {
      float o, wt;
      if (!alive[i]) continue;
      o = ref_iou(boxes + 4 * m, boxes + 4 * i, one);
      if (method < 0) { if (o > nt) alive[i] = 0; continue; }
      if (method == LN_NMS_LINEAR) wt = o > nt ? 1 - o : 1;
      else if (method == LN_NMS_GAUSSIAN) wt = o > 0 ? expf(-(o * o) * (1.0f / sigma)) : 1;
      else wt = o > nt ? 0 : 1;
      s[i] *= wt;
      if (s[i] < thr) alive[i] = 0;
    }
  }
  free(s);
  free(alive);
  return k;
}

/* }====== */

static void test_iou (void) {
  float a[] = {0, 0, 2, 2, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 4, 4};
  float b[] = {1, 1, 3, 3, 1, 0, 2, 1, 1, 1, 1, 1, 1, 1, 3, 3};
  float m[16], p[16], area[4];
  ln_box_iou(a, 4, b, 4, 0, m);
  ln_box_iou(a, 4, b, 4, 1, p);
  tap_ok(near(m[0], 1.0 / 7, 1e-7) && near(p[0], 4.0 / 14, 1e-7), "iou: overlap 1x1 of 2x2 boxes, 1/7; +1 pixels 4/14");
  tap_ok(m[5] == 0 && near(p[5], 2.0 / 6, 1e-7), "iou: touching edges 0; +1 pixels share a column, 1/3");
  tap_ok(m[10] == 0 && p[10] == 1, "iou: zero-area boxes give 0 (empty union); +1 pixels give 1");
  tap_ok(near(m[15], 0.25, 1e-7) && near(p[15], 9.0 / 25, 1e-7), "iou: containment 1/4; +1 pixels 9/25");
  tap_ok(near(p[2 * 4 + 0], 1.0 / 9, 1e-7) && m[2 * 4 + 3] == 0, "iou: a point in a box, 0 or 1/9 with +1");
  ln_box_area(a, 4, 1, area);
  tap_ok(area[0] == 9 && area[2] == 1 && area[3] == 25, "area with +1 pixels");
}

static void test_convert (void) {
  float in[] = {1, 2, 5, 8}, o[4], back[4];
  ln_box_convert(in, o, 1, LN_BOX_XYXY, LN_BOX_CXCYWH);
  tap_ok(o[0] == 3 && o[1] == 5 && o[2] == 4 && o[3] == 6, "convert xyxy -> cxcywh");
  ln_box_convert(o, back, 1, LN_BOX_CXCYWH, LN_BOX_XYWH);
  tap_ok(back[0] == 1 && back[1] == 2 && back[2] == 4 && back[3] == 6, "convert cxcywh -> xywh");
  ln_box_convert(back, back, 1, LN_BOX_XYWH, LN_BOX_XYXY);
  tap_ok(memcmp(back, in, sizeof(in)) == 0, "convert xywh -> xyxy in place, round trip exact");
  tap_ok(ln_box_convert(in, o, 1, LN_BOX_COUNT, LN_BOX_XYXY) == LN_EARG, "convert: unknown format refused");
}

/* A; B IoU .5 with A; C far away; D IoU .8 with A and .625 with B */
static const float HAND[] = {0, 0, 10, 10, 0, 0, 10, 5, 20, 0, 30, 10, 0, 0, 10, 8};
static const float HAND_S[] = {0.9f, 0.8f, 0.7f, 0.6f};

static void test_hand (void) {
  int32_t keep[8], want1[] = {0, 2, 1, 3}, want2[] = {0, 2};
  float kept[8], copy[16], scopy[4];
  ln_nms_conf c;
  int k;
  memcpy(copy, HAND, sizeof(copy));
  memcpy(scopy, HAND_S, sizeof(scopy));
  ln_nms_defaults(&c);
  tap_ok(c.method == LN_NMS_LINEAR && c.iou == 0.3 && c.sigma == 0.5 && c.score_threshold == 0.001,
         "soft-NMS defaults: linear, N_t 0.3, sigma 0.5, threshold 0.001");
  tap_ok(ln_soft_nms(HAND, HAND_S, 4, &c, keep, kept, &k) == LN_OK && k == 4 &&
         same_ints(keep, want1, 4) && near(kept[2], 0.4, 1e-6) && near(kept[3], 0.045, 1e-6),
         "linear soft-NMS: A, C, B (.8 x .5), D (.6 x .2 x .375)");
  c.method = LN_NMS_GAUSSIAN;
  tap_ok(ln_soft_nms(HAND, HAND_S, 4, &c, keep, kept, &k) == LN_OK && k == 4 &&
         same_ints(keep, want1, 4) && near(kept[2], 0.8 * exp(-0.5), 1e-6) &&
         near(kept[3], 0.6 * exp(-1.28) * exp(-0.78125), 1e-6),
         "gaussian soft-NMS: exp(-IoU^2 / sigma) each round");
  c.method = LN_NMS_HARD;
  tap_ok(ln_soft_nms(HAND, HAND_S, 4, &c, keep, kept, &k) == LN_OK && k == 2 &&
         same_ints(keep, want2, 2), "hard rule: B and D zeroed, then dropped by the threshold");
  tap_ok(ln_nms(HAND, HAND_S, 4, 0.5, 0, 0, keep, &k) == LN_OK && k == 3 && keep[0] == 0 &&
         keep[1] == 1 && keep[2] == 2, "nms: IoU exactly 0.5 is not above 0.5");
  tap_ok(ln_nms(HAND, HAND_S, 4, 0.49, 0, 0, keep, &k) == LN_OK && k == 2 &&
         same_ints(keep, want2, 2), "nms: above 0.49 it is suppressed");
  c.method = LN_NMS_LINEAR;
  c.max_det = 1;
  tap_ok(ln_soft_nms(HAND, HAND_S, 4, &c, keep, kept, &k) == LN_OK && k == 1 && keep[0] == 0,
         "max_det stops the selection");
  tap_ok(memcmp(copy, HAND, sizeof(copy)) == 0 && memcmp(scopy, HAND_S, sizeof(scopy)) == 0,
         "inputs untouched");
  tap_ok(ln_nms(HAND, HAND_S, 0, 0.5, 0, 0, keep, &k) == LN_OK && k == 0, "no boxes: nothing kept");
}

static void test_batched (void) {
  float b[] = {0, 0, 4, 4, 0, 0, 4, 4, 0, 0, 4, 4, 10, 10, 12, 12};
  float s[] = {0.5f, 0.9f, 0.7f, 0.7f}, kept[4];
  int32_t cls[] = {1, 2, 1, 2}, keep[4], want[] = {1, 2, 3}, want2[] = {1, 2, 3, 0};
  ln_nms_conf c;
  int k;
  tap_ok(ln_batched_nms(b, s, cls, 4, 0.5, 0, 0, keep, &k) == LN_OK && k == 3 &&
         same_ints(keep, want, 3), "batched nms: per class, merged by score, ties to the lower index");
  ln_nms_defaults(&c);
  c.method = LN_NMS_GAUSSIAN;
  tap_ok(ln_batched_soft_nms(b, s, cls, 4, &c, keep, kept, &k) == LN_OK && k == 4 &&
         same_ints(keep, want2, 4) && near(kept[3], 0.5 * exp(-2), 1e-6),
         "batched gaussian soft-NMS");
}

static void test_errors (void) {
  float b[] = {0, 0, 1, 1, 3, 0, 2, 1}, s[] = {0.5f, NAN}, ok_s[] = {0.5f, 0.4f}, kept[2];
  float good[] = {0, 0, 1, 1, 0, 0, 2, 2};
  int32_t keep[2], cls[] = {0, 0};
  ln_nms_conf c;
  int k;
  tap_ok(ln_nms(good, s, 2, 0.5, 0, 0, keep, &k) == LN_EARG &&
         strcmp(ln_errmsg(), "nms: scores[2] is NaN") == 0, "NaN score: %s", ln_errmsg());
  tap_ok(ln_nms(b, ok_s, 2, 0.5, 0, 0, keep, &k) == LN_EARG &&
         strstr(ln_errmsg(), "nms: boxes[2] has x2 < x1 (2 < 3)") != NULL, "x2 < x1: %s", ln_errmsg());
  ln_nms_defaults(&c);
  c.sigma = -0.5;
  tap_ok(ln_soft_nms(good, ok_s, 2, &c, keep, kept, &k) == LN_EARG &&
         strcmp(ln_errmsg(), "soft_nms: sigma must be > 0, got -0.5") == 0, "negative sigma: %s", ln_errmsg());
  ln_nms_defaults(&c);
  c.method = (ln_nms_method)7;
  tap_ok(ln_soft_nms(good, ok_s, 2, &c, keep, kept, &k) == LN_EARG &&
         strstr(ln_errmsg(), "unknown method 7") != NULL, "unknown method: %s", ln_errmsg());
  tap_ok(ln_batched_nms(good, ok_s, cls, 2, 1.5, 0, 0, keep, &k) == LN_EARG &&
         strcmp(ln_errmsg(), "batched_nms: iou must be in [0, 1], got 1.5") == 0, "iou out of range: %s", ln_errmsg());
}

/* random boxes: 'kind' 0 clustered, 1 scattered, 3 small and large mixed,
** 2 degenerate (a few shared corners, zero-area boxes, one huge box) */
static void random_boxes (float *b, float *s, int n, int kind, unsigned seed) {
  int i;
  srand(seed);
  for (i = 0; i < n; i++) {
    float u[6];
    int k;
    for (k = 0; k < 6; k++) u[k] = (float)rand() / (float)RAND_MAX;
    if (kind == 0) {
      float cx = 25.0f * (float)(rand() % 6) + 6 * u[0], cy = 25.0f * (float)(rand() % 6) + 6 * u[1];
      b[4 * i] = cx; b[4 * i + 1] = cy;
      b[4 * i + 2] = cx + 8 + 14 * u[2]; b[4 * i + 3] = cy + 8 + 14 * u[3];
    } else if (kind == 1) {
      b[4 * i] = 1000 * u[0]; b[4 * i + 1] = 1000 * u[1];
      b[4 * i + 2] = b[4 * i] + 60 * u[2]; b[4 * i + 3] = b[4 * i + 1] + 60 * u[3];
    } else if (kind == 3) {   /* small boxes and a few spanning the field:
                                 ** too many grid entries, a coarser grid */
      float side = i % 20 == 0 ? 1e5f : 50 * u[2];
      b[4 * i] = 1e5f * u[0]; b[4 * i + 1] = 1e5f * u[1];
      b[4 * i + 2] = b[4 * i] + side; b[4 * i + 3] = b[4 * i + 1] + (i % 20 == 0 ? side : 50 * u[3]);
    } else {
      float x = (float)(rand() % 4) * 3, y = (float)(rand() % 4) * 3;
      b[4 * i] = x; b[4 * i + 1] = y;
      b[4 * i + 2] = x + (float)(rand() % 3) * 2; b[4 * i + 3] = y + (float)(rand() % 3) * 2;
      if (i == n / 2) { b[4 * i] = -1e4f; b[4 * i + 1] = -1e4f; b[4 * i + 2] = 1e4f; b[4 * i + 3] = 1e4f; }
    }
    s[i] = (float)(1 + rand() % 40) / 40.0f;   /* many ties */
  }
}

static void test_random (void) {
  enum { N = 600 };
  static float b[4 * N], s[N], kept[N], rkept[N];
  static int32_t keep[N], rkeep[N];
  const char *kinds[] = {"clustered", "scattered", "degenerate", "mixed sizes"};
  int kind, pixel, bad_hard = 0, bad_soft = 0, runs = 0;
  for (kind = 0; kind < 4; kind++)
    for (pixel = 0; pixel < 2; pixel++) {
      int m;
      double thr;
      random_boxes(b, s, N, kind, 11u + (unsigned)kind);
      for (thr = 0.3; thr < 0.8; thr += 0.2) {
        int k, rk;
        ln_nms(b, s, N, thr, pixel, 0, keep, &k);
        rk = ref_soft(b, s, N, -1, (float)thr, 0.5f, 0, pixel, rkeep, rkept);
        if (k != rk || !same_ints(keep, rkeep, k)) bad_hard++;
        runs++;
      }
      for (m = 0; m < LN_NMS_COUNT; m++) {
        ln_nms_conf c;
        int k, rk, i, ok;
        ln_nms_defaults(&c);
        c.method = (ln_nms_method)m;
        c.pixel = pixel;
        ln_soft_nms(b, s, N, &c, keep, kept, &k);
        rk = ref_soft(b, s, N, m, 0.3f, 0.5f, 0.001f, pixel, rkeep, rkept);
        ok = k == rk && same_ints(keep, rkeep, k);
        for (i = 0; ok && i < k; i++) ok = kept[i] == rkept[i];
        if (!ok) {
          bad_soft++;
          printf("# soft-NMS %s, %s, method %d: %d kept, reference %d\n", kinds[kind],
                 pixel ? "+1" : "continuous", m, k, rk);
        }
      }
    }
  tap_ok(bad_hard == 0, "nms equals the plain greedy scan on %d random sets (clustered, "
         "scattered, degenerate, mixed sizes; both IoU conventions)", runs);
  tap_ok(bad_soft == 0, "soft-NMS equals Algorithm 1 bit for bit (indices and scores) on "
         "random sets, every rule");
}

static void test_identical (void) {
  enum { N = 50 };
  static float b[4 * N], s[N], kept[N];
  static int32_t keep[N];
  ln_nms_conf c;
  int i, k, ok = 1;
  for (i = 0; i < N; i++) { b[4 * i] = 1; b[4 * i + 1] = 2; b[4 * i + 2] = 5; b[4 * i + 3] = 9; s[i] = 0.5f; }
  tap_ok(ln_nms(b, s, N, 0.5, 0, 0, keep, &k) == LN_OK && k == 1 && keep[0] == 0,
         "all boxes identical, equal scores: nms keeps the first");
  ln_nms_defaults(&c);
  c.method = LN_NMS_GAUSSIAN;
  ln_soft_nms(b, s, N, &c, keep, kept, &k);
  for (i = 0; i < k; i++) ok = ok && keep[i] == i;
  tap_ok(ok && k == 4 && near(kept[3], 0.5 * exp(-6.0), 1e-7),
         "identical boxes, gaussian: index order, e^-2 per round until below 0.001 (%d kept)", k);
}

int main (void) {
  test_iou();
  test_convert();
  test_hand();
  test_batched();
  test_errors();
  test_random();
  test_identical();
  return tap_done();
}
