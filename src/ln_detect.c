/*
** ln_detect.c -- detection post-processing: box formats, IoU, hard NMS,
** Soft-NMS (linear, Gaussian, hard rules) and their class-aware versions.
**
** Soft-NMS follows Algorithm 1 of Bodla et al. 2017, "Soft-NMS -- Improving
** Object Detection With One Line of Code", arXiv:1704.04503: select the box
** M of highest score, move it to the output, rescore every remaining box b
** by f(IoU(M, b)), repeat. The rules (read from the paper and checked
** against its public reference code, lib/nms/cpu_nms.pyx of
** bharatsingh430/soft-nms): linear s_b *= 1 - o when o > N_t; Gaussian
** s_b *= exp(-o^2 / sigma) for every b; hard s_b = 0 when o > N_t. The
** paper's equations write o >= N_t; the reference code and torchvision's
** nms use o > N_t, and so do we (the two differ only at o == N_t). The
** reference code drops boxes whose score falls below a threshold (0.001);
** here a box below the threshold on input is never selected either (the
** reference keeps such a box when it overlaps no selected box), so the
** output never holds a score below the threshold. IoU is measured in
** continuous coordinates unless 'pixel' asks for the reference's "+1".
** IoU and scores are float32, and thresholds are compared as float32 (as
** the reference code does), so an IoU equal to the threshold, or a score
** equal to score_threshold, is at the threshold: not above, not below.
**
** Implementation: the candidates live in structure-of-arrays form; each
** round streams over the survivors once, computing IoU with the selected
** box, applying the rule and compacting the survivors in place (so
** suppressed boxes are never visited again). Hard NMS sorts once by score
** (an LSD radix sort on the float bits, stable, so ties keep index
** order); Soft-NMS keeps index order and finds the next maximum during the
** same pass (the first maximum wins: the lower index).
*/
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ln_internal.h"

const char *const ln_boxfmt_names[] = {"xyxy", "xywh", "cxcywh", NULL};
const char *const ln_nms_method_names[] = {"linear", "gaussian", "hard", NULL};

void ln_nms_defaults (ln_nms_conf *c) {
  c->method = LN_NMS_LINEAR;
  c->iou = 0.3;
  c->sigma = 0.5;
  c->score_threshold = 0.001;
  c->max_det = 0;
  c->pixel = 0;
}

/* {====== Boxes and IoU ====== */

int ln_box_convert (const float *in, float *out, int n, ln_boxfmt from,
                    ln_boxfmt to) {
  int i;
  if ((unsigned)from >= LN_BOX_COUNT || (unsigned)to >= LN_BOX_COUNT)
    return ln_seterr(LN_EARG, "box_convert: unknown box format %d -> %d",
                     (int)from, (int)to);
  for (i = 0; i < n; i++) {
    const float *b = in + 4 * (size_t)i;
    float *o = out + 4 * (size_t)i;
    float x1 = b[0], y1 = b[1], x2 = b[2], y2 = b[3];   /* via xyxy */
    if (from == LN_BOX_XYWH) { x2 = x1 + b[2]; y2 = y1 + b[3]; }
    else if (from == LN_BOX_CXCYWH) {
      x1 = b[0] - 0.5f * b[2]; y1 = b[1] - 0.5f * b[3];
      x2 = b[0] + 0.5f * b[2]; y2 = b[1] + 0.5f * b[3];
    }
    if (to == LN_BOX_XYXY) { o[0] = x1; o[1] = y1; o[2] = x2; o[3] = y2; }
    else if (to == LN_BOX_XYWH) { o[0] = x1; o[1] = y1; o[2] = x2 - x1; o[3] = y2 - y1; }
    else {
      o[0] = 0.5f * (x1 + x2); o[1] = 0.5f * (y1 + y2);
      o[2] = x2 - x1; o[3] = y2 - y1;
    }
  }
  return LN_OK;
}

int ln_box_check (const char *fn, const char *arg, const float *boxes, int n) {
  int i, k;
  for (i = 0; i < n; i++) {
    const float *b = boxes + 4 * (size_t)i;
    for (k = 0; k < 4; k++)
      if (!isfinite(b[k]))
        return ln_seterr(LN_EARG, "%s: %s[%d] has a non-finite coordinate (%g)",
                         fn, arg, i + 1, (double)b[k]);
    if (b[2] < b[0])
      return ln_seterr(LN_EARG, "%s: %s[%d] has x2 < x1 (%g < %g)", fn, arg,
                       i + 1, (double)b[2], (double)b[0]);
    if (b[3] < b[1])
      return ln_seterr(LN_EARG, "%s: %s[%d] has y2 < y1 (%g < %g)", fn, arg,
                       i + 1, (double)b[3], (double)b[1]);
  }
  return LN_OK;
}

/* scores must be numbers: NaN has no place in an order */
static int check_scores (const char *fn, const float *s, int n) {
  int i;
  for (i = 0; i < n; i++)
    if (!isfinite(s[i]))
      return ln_seterr(LN_EARG, "%s: scores[%d] is %s", fn, i + 1,
                       isnan(s[i]) ? "NaN" : "infinite");
  return LN_OK;
}

void ln_box_area (const float *boxes, int n, int pixel, float *out) {
  float one = pixel ? 1.0f : 0.0f;
  int i;
  for (i = 0; i < n; i++) {
    const float *b = boxes + 4 * (size_t)i;
    out[i] = (b[2] - b[0] + one) * (b[3] - b[1] + one);
  }
}

/* IoU of box a with box b given their areas; 0 when the union is empty */
static inline float iou_one (float ax1, float ay1, float ax2, float ay2,
                             float aa, float bx1, float by1, float bx2,
                             float by2, float ba, float one) {
  float w = (ax2 < bx2 ? ax2 : bx2) - (ax1 > bx1 ? ax1 : bx1) + one;
  float h = (ay2 < by2 ? ay2 : by2) - (ay1 > by1 ? ay1 : by1) + one;
  float inter, uni;
  w = w > 0 ? w : 0;
  h = h > 0 ? h : 0;
  inter = w * h;
  uni = aa + ba - inter;
  return uni > 0 ? inter / uni : 0.0f;
}

void ln_box_iou (const float *a, int na, const float *b, int nb, int pixel,
                 float *out) {
  float one = pixel ? 1.0f : 0.0f;
  int i, j;
#pragma omp parallel for if ((size_t)na * (size_t)nb > LN_PAR_MIN) private(j)
  for (i = 0; i < na; i++) {
    const float *p = a + 4 * (size_t)i;
    float aa = (p[2] - p[0] + one) * (p[3] - p[1] + one);
    for (j = 0; j < nb; j++) {
      const float *q = b + 4 * (size_t)j;
      float ba = (q[2] - q[0] + one) * (q[3] - q[1] + one);
      out[(size_t)i * (size_t)nb + (size_t)j] =
        iou_one(p[0], p[1], p[2], p[3], aa, q[0], q[1], q[2], q[3], ba, one);
    }
  }
}

/* }====== */

/* {====== Sorting ====== */

/* a key whose unsigned order is the descending order of the float 'v'
** (-0 and +0 share a key, so they tie) */
static inline uint32_t desc_key (float v) {
  uint32_t u;
  if (v == 0) v = 0.0f;
  memcpy(&u, &v, 4);
  u = (u & 0x80000000u) ? ~u : (u | 0x80000000u);   /* ascending order */
  return ~u;
}

/*
** Stable LSD radix sort of (key[i], val[i]) by key, ascending, 8 bits a
** pass; passes where every key has the same digit are skipped. 'kt' and
** 'vt' are scratch of n entries. The result is in key/val.
*/
static void radix_sort (uint32_t *key, int32_t *val, int n, uint32_t *kt,
                        int32_t *vt) {
  uint32_t *ks = key, *kd = kt;
  int32_t *vs = val, *vd = vt;
  int shift, i;
  if (n < 2) return;
  for (shift = 0; shift < 32; shift += 8) {
    int count[257];
    memset(count, 0, sizeof(count));
    for (i = 0; i < n; i++) count[((ks[i] >> shift) & 255u) + 1]++;
    for (i = 0; i < 256; i++)
      if (count[i + 1] == n) break;   /* one digit for all: nothing to do */
    if (i < 256) continue;
    for (i = 0; i < 256; i++) count[i + 1] += count[i];
    for (i = 0; i < n; i++) {
      int d = count[(ks[i] >> shift) & 255u]++;
      kd[d] = ks[i];
      vd[d] = vs[i];
    }
    { uint32_t *t = ks; ks = kd; kd = t; }
    { int32_t *t = vs; vs = vd; vd = t; }
  }
  if (ks != key) {
    memcpy(key, ks, sizeof(uint32_t) * (size_t)n);
    memcpy(val, vs, sizeof(int32_t) * (size_t)n);
  }
}

/* }====== */

/* {====== NMS and Soft-NMS ====== */

/* candidates as a structure of arrays, one allocation */
typedef struct boxset {
  float *x1, *y1, *x2, *y2, *area, *s;
  int32_t *idx;             /* index into the caller's arrays */
  uint32_t *key, *kt;       /* sort keys and scratch */
  int32_t *vt;              /* sort scratch */
  void *mem;
} boxset;

static int boxset_alloc (boxset *b, int n) {
  size_t m = (size_t)(n > 0 ? n : 1);
  char *p = ln_malloc(m * (6 * sizeof(float) + 4 * sizeof(int32_t)));
  if (p == NULL) return LN_ENOMEM;
  b->mem = p;
  b->x1 = (float *)(void *)p; b->y1 = b->x1 + m; b->x2 = b->y1 + m;
  b->y2 = b->x2 + m; b->area = b->y2 + m; b->s = b->area + m;
  b->idx = (int32_t *)(void *)(b->s + m);
  b->key = (uint32_t *)(void *)(b->idx + m);
  b->kt = b->key + m;
  b->vt = (int32_t *)(void *)(b->kt + m);
  return LN_OK;
}

/* row k of the set from box 'i' of the caller */
static inline void boxset_put (boxset *b, int k, const float *boxes,
                               const float *scores, int32_t i, float one) {
  const float *p = boxes + 4 * (size_t)i;
  b->x1[k] = p[0]; b->y1[k] = p[1]; b->x2[k] = p[2]; b->y2[k] = p[3];
  b->area[k] = (p[2] - p[0] + one) * (p[3] - p[1] + one);
  b->s[k] = scores[i];
  b->idx[k] = i;
}

static inline void boxset_move (boxset *b, int to, int from) {
  b->x1[to] = b->x1[from]; b->y1[to] = b->y1[from];
  b->x2[to] = b->x2[from]; b->y2[to] = b->y2[from];
  b->area[to] = b->area[from]; b->s[to] = b->s[from];
  b->idx[to] = b->idx[from];
}

/*
** Hard NMS over boxes ids[0..n-1] (ascending; NULL: 0..n-1). Writes the
** kept indices to 'keep' in selection order; returns their count, or -1
** when out of memory.
*/
static int nms_core (const float *boxes, const float *scores,
                     const int32_t *ids, int n, double thr, int pixel,
                     int max_det, int32_t *keep) {
  boxset b;
  float one = pixel ? 1.0f : 0.0f, fthr = (float)thr;
  int i, m = n, k = 0;
  if (n == 0) return 0;
  if (boxset_alloc(&b, n) != LN_OK) return -1;
  for (i = 0; i < n; i++) {
    int32_t id = ids ? ids[i] : i;
    b.key[i] = desc_key(scores[id]);
    b.vt[i] = id;
  }
  /* sort (key, id) pairs; ids arrive ascending, so equal scores stay in
  ** index order */
  {
    int32_t *val = b.idx;   /* borrow idx as the value array */
    memcpy(val, b.vt, sizeof(int32_t) * (size_t)n);
    radix_sort(b.key, val, n, b.kt, b.vt);
    memcpy(b.vt, val, sizeof(int32_t) * (size_t)n);
  }
  for (i = 0; i < n; i++) boxset_put(&b, i, boxes, scores, b.vt[i], one);
  while (m > 0 && (max_det <= 0 || k < max_det)) {
    float ax1 = b.x1[0], ay1 = b.y1[0], ax2 = b.x2[0], ay2 = b.y2[0];
    float aa = b.area[0];
    int j, w = 0;
    keep[k++] = b.idx[0];
    for (j = 1; j < m; j++) {
      float o = iou_one(ax1, ay1, ax2, ay2, aa, b.x1[j], b.y1[j], b.x2[j],
                        b.y2[j], b.area[j], one);
      if (!(o > fthr)) {   /* survives: compact in place */
        b.x1[w] = b.x1[j]; b.y1[w] = b.y1[j]; b.x2[w] = b.x2[j];
        b.y2[w] = b.y2[j]; b.area[w] = b.area[j]; b.idx[w] = b.idx[j];
        w++;
      }
    }
    m = w;
  }
  free(b.mem);
  return k;
}

/* Soft-NMS over boxes ids[0..n-1] (ascending; NULL: 0..n-1); as nms_core,
** plus the scores at selection in 'kept' */
static int soft_core (const float *boxes, const float *scores,
                      const int32_t *ids, int n, const ln_nms_conf *c,
                      int32_t *keep, float *kept) {
  boxset b;
  float one = c->pixel ? 1.0f : 0.0f, thr = (float)c->score_threshold;
  float inv_sigma = (float)(1.0 / c->sigma);
  float nt = (float)c->iou;
  int i, m = 0, k = 0, pos = -1;
  if (n == 0) return 0;
  if (boxset_alloc(&b, n) != LN_OK) return -1;
  for (i = 0; i < n; i++) {   /* below the threshold on input: never a candidate */
    int32_t id = ids ? ids[i] : i;
    if (scores[id] < thr) continue;
    boxset_put(&b, m, boxes, scores, id, one);
    if (pos < 0 || b.s[m] > b.s[pos]) pos = m;   /* first maximum */
    m++;
  }
  while (m > 0 && (c->max_det <= 0 || k < c->max_det)) {
    float ax1 = b.x1[pos], ay1 = b.y1[pos], ax2 = b.x2[pos], ay2 = b.y2[pos];
    float aa = b.area[pos], best = 0;
    int j, w = 0, next = -1;
    keep[k] = b.idx[pos];
    kept[k++] = b.s[pos];
    for (j = 0; j < m; j++) {
      float o, wt, s;
      if (j == pos) continue;   /* M leaves the set: never rescored */
      o = iou_one(ax1, ay1, ax2, ay2, aa, b.x1[j], b.y1[j], b.x2[j],
                  b.y2[j], b.area[j], one);
      switch (c->method) {
        case LN_NMS_LINEAR: wt = o > nt ? 1.0f - o : 1.0f; break;
        case LN_NMS_GAUSSIAN: wt = expf(-(o * o) * inv_sigma); break;
        default: wt = o > nt ? 0.0f : 1.0f; break;
      }
      s = b.s[j] * wt;
      if (s < thr) continue;   /* fell below the threshold: discarded */
      boxset_move(&b, w, j);
      b.s[w] = s;
      if (next < 0 || s > best) { best = s; next = w; }
      w++;
    }
    m = w;
    pos = next;
  }
  free(b.mem);
  return k;
}

static int check_iou (const char *fn, double iou) {
  if (!(iou >= 0 && iou <= 1))
    return ln_seterr(LN_EARG, "%s: iou must be in [0, 1], got %g", fn, iou);
  return LN_OK;
}

static int check_conf (const char *fn, const ln_nms_conf *c) {
  if ((unsigned)c->method >= LN_NMS_COUNT)
    return ln_seterr(LN_EARG, "%s: unknown method %d (linear, gaussian, hard)",
                     fn, (int)c->method);
  if (check_iou(fn, c->iou) != LN_OK) return LN_EARG;
  if (!(c->sigma > 0) || !isfinite(c->sigma))
    return ln_seterr(LN_EARG, "%s: sigma must be > 0, got %g", fn, c->sigma);
  if (!(c->score_threshold >= 0) || !isfinite(c->score_threshold))
    return ln_seterr(LN_EARG, "%s: score_threshold must be >= 0, got %g", fn,
                     c->score_threshold);
  return LN_OK;
}

static int check_input (const char *fn, const float *boxes,
                        const float *scores, int n) {
  if (n < 0) return ln_seterr(LN_EARG, "%s: negative box count %d", fn, n);
  if (ln_box_check(fn, "boxes", boxes, n) != LN_OK) return LN_EARG;
  return check_scores(fn, scores, n);
}

int ln_nms (const float *boxes, const float *scores, int n, double iou,
            int pixel, int max_det, int32_t *keep, int *n_keep) {
  int k;
  *n_keep = 0;
  if (check_input("nms", boxes, scores, n) != LN_OK ||
      check_iou("nms", iou) != LN_OK) return LN_EARG;
  if ((k = nms_core(boxes, scores, NULL, n, iou, pixel, max_det, keep)) < 0)
    return LN_ENOMEM;
  *n_keep = k;
  return LN_OK;
}

int ln_soft_nms (const float *boxes, const float *scores, int n,
                 const ln_nms_conf *c, int32_t *keep, float *kept,
                 int *n_keep) {
  int k;
  *n_keep = 0;
  if (check_input("soft_nms", boxes, scores, n) != LN_OK ||
      check_conf("soft_nms", c) != LN_OK) return LN_EARG;
  if ((k = soft_core(boxes, scores, NULL, n, c, keep, kept)) < 0)
    return LN_ENOMEM;
  *n_keep = k;
  return LN_OK;
}

/*
** The class-aware versions: group the boxes by class (a stable sort, so
** each group lists its boxes in index order), run the one-class routine on
** each group, then merge by score, descending, ties to the lower index.
** 'c' NULL: hard NMS with 'iou'.
*/
static int batched (const char *fn, const float *boxes, const float *scores,
                    const int32_t *classes, int n, double iou, int pixel,
                    int max_det, const ln_nms_conf *c, int32_t *keep,
                    float *kept, int *n_keep) {
  uint32_t *key;
  int32_t *ord, *vt, *got;
  float *gs;
  int i, a, total = 0, rc = LN_OK;
  *n_keep = 0;
  if (check_input(fn, boxes, scores, n) != LN_OK) return LN_EARG;
  if (c ? check_conf(fn, c) : check_iou(fn, iou)) return LN_EARG;
  if (n == 0) return LN_OK;
  key = ln_malloc((size_t)n * (2 * sizeof(uint32_t) + 3 * sizeof(int32_t) + sizeof(float)));
  if (key == NULL) return LN_ENOMEM;
  ord = (int32_t *)(void *)(key + 2 * (size_t)n);
  vt = ord + n;
  got = vt + n;
  gs = (float *)(void *)(got + n);
  for (i = 0; i < n; i++) { key[i] = (uint32_t)classes[i] ^ 0x80000000u; ord[i] = i; }
  radix_sort(key, ord, n, key + n, vt);
  for (a = 0; a < n;) {   /* one class: ord[a..b-1] */
    int b = a + 1, k;
    while (b < n && key[b] == key[a]) b++;
    k = c ? soft_core(boxes, scores, ord + a, b - a, c, got + total, gs + total)
          : nms_core(boxes, scores, ord + a, b - a, iou, pixel, max_det, got + total);
    if (k < 0) { rc = LN_ENOMEM; break; }
    if (!c) for (i = 0; i < k; i++) gs[total + i] = scores[got[total + i]];
    total += k;
    a = b;
  }
  if (rc == LN_OK) {
    /* merge: index order first, then a stable sort by score */
    for (i = 0; i < total; i++) { key[i] = (uint32_t)got[i]; ord[i] = i; }
    radix_sort(key, ord, total, key + n, vt);
    for (i = 0; i < total; i++) key[i] = desc_key(gs[ord[i]]);
    radix_sort(key, ord, total, key + n, vt);
    if (max_det > 0 && total > max_det) total = max_det;
    for (i = 0; i < total; i++) {
      keep[i] = got[ord[i]];
      if (kept) kept[i] = gs[ord[i]];
    }
    *n_keep = total;
  }
  free(key);
  return rc;
}

int ln_batched_nms (const float *boxes, const float *scores,
                    const int32_t *classes, int n, double iou, int pixel,
                    int max_det, int32_t *keep, int *n_keep) {
  return batched("batched_nms", boxes, scores, classes, n, iou, pixel, max_det,
                 NULL, keep, NULL, n_keep);
}

int ln_batched_soft_nms (const float *boxes, const float *scores,
                         const int32_t *classes, int n, const ln_nms_conf *c,
                         int32_t *keep, float *kept, int *n_keep) {
  return batched("batched_soft_nms", boxes, scores, classes, n, c->iou,
                 c->pixel, c->max_det, c, keep, kept, n_keep);
}

/* }====== */
