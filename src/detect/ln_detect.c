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
** Implementation: the candidates live in structure-of-arrays form with a
** uniform grid over their extents, so a selected box visits only the
** boxes that share a grid cell with it (the only ones it can overlap).
** Hard NMS sorts once by score (an LSD radix sort on the float bits,
** stable, so ties keep index order) and walks the ranks; Soft-NMS keeps
** the candidates in a binary max-heap ordered by (score, lower index),
** updated lazily: a decayed entry is re-placed when it reaches the top.
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

/*
** Candidates as a structure of arrays (one allocation), with a uniform
** grid over their extents: a box is listed in every cell its closed extent
** [x1, x2 + one] x [y1, y2 + one] touches, so two boxes with a positive
** intersection share a cell, and a selected box need only visit the boxes
** of its own cells: O(n log n + neighbours) for scattered boxes, and no
** worse than the plain O(n^2) scan when every box overlaps every other.
** Boxes that leave the set are dropped from the cell lists as the lists
** are walked; 'stamp' makes a box listed in several cells count once per
** round.
*/
typedef struct boxset {
  int n;
  float *x1, *y1, *x2, *y2, *area, *s;
  int32_t *idx;             /* index into the caller's arrays */
  int32_t *stamp;           /* last round that visited the box */
  unsigned char *gone;      /* selected or discarded */
  int32_t *heap;            /* Soft-NMS: max-heap of positions */
  float *hk;                /* Soft-NMS: heap keys (scores when placed) */
  uint32_t *key, *kt;       /* sort keys and scratch */
  int32_t *vt;              /* sort scratch */
  /* the grid */
  float gx0, gy0, inv;      /* origin, 1 / cell side */
  int gw, gh;               /* cells across and down */
  int32_t *start, *count;   /* per cell: first entry, live entries */
  int32_t *ent;             /* entries: box positions */
  void *mem, *gmem;
} boxset;

static int boxset_alloc (boxset *b, int n) {
  size_t m = (size_t)(n > 0 ? n : 1);
  char *p = ln_malloc(m * (6 * sizeof(float) + 8 * sizeof(int32_t) + 1));
  if (p == NULL) return LN_ENOMEM;
  b->n = n;
  b->mem = p;
  b->gmem = NULL;
  b->x1 = (float *)(void *)p; b->y1 = b->x1 + m; b->x2 = b->y1 + m;
  b->y2 = b->x2 + m; b->area = b->y2 + m; b->s = b->area + m;
  b->idx = (int32_t *)(void *)(b->s + m);
  b->stamp = b->idx + m;
  b->heap = b->stamp + m;
  b->hk = (float *)(void *)(b->heap + m);
  b->key = (uint32_t *)(void *)(b->hk + m);
  b->kt = b->key + m;
  b->vt = (int32_t *)(void *)(b->kt + m);
  b->gone = (unsigned char *)(b->vt + m);
  memset(b->gone, 0, m);
  memset(b->stamp, 0xff, m * sizeof(int32_t));   /* -1: never visited */
  return LN_OK;
}

static void boxset_free (boxset *b) {
  free(b->gmem);
  free(b->mem);
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

/* the cell column / row of coordinate v (monotonic in v, clamped) */
static inline int cell_of (float v, float v0, float inv, int size) {
  float c = (v - v0) * inv;
  if (!(c > 0)) return 0;
  if (c >= (float)size) return size - 1;
  return (int)c;
}

/* entries the grid of cell side 1/inv would hold, stopping past 'cap' */
static size_t grid_entries (const boxset *b, int gw, int gh, float inv,
                            float one, size_t cap) {
  size_t total = 0;
  int k;
  for (k = 0; k < b->n && total <= cap; k++) {
    int cx0 = cell_of(b->x1[k], b->gx0, inv, gw), cx1 = cell_of(b->x2[k] + one, b->gx0, inv, gw);
    int cy0 = cell_of(b->y1[k], b->gy0, inv, gh), cy1 = cell_of(b->y2[k] + one, b->gy0, inv, gh);
    total += (size_t)(cx1 - cx0 + 1) * (size_t)(cy1 - cy0 + 1);
  }
  return total;
}

/*
** Build the grid over the n boxes: cells about the mean box side, at most
** ~4n cells, at most ~16n entries (a coarser grid otherwise; one cell in
** the end, which is the plain scan).
*/
static int grid_build (boxset *b, float one) {
  float X0 = b->x1[0], Y0 = b->y1[0], X1 = b->x2[0] + one, Y1 = b->y2[0] + one;
  double side = 0;
  size_t cap = 16 * (size_t)b->n + 64, total;
  int k, c;
  char *p;
  for (k = 0; k < b->n; k++) {
    float w = b->x2[k] - b->x1[k] + one, h = b->y2[k] - b->y1[k] + one;
    if (b->x1[k] < X0) X0 = b->x1[k];
    if (b->y1[k] < Y0) Y0 = b->y1[k];
    if (b->x2[k] + one > X1) X1 = b->x2[k] + one;
    if (b->y2[k] + one > Y1) Y1 = b->y2[k] + one;
    side += w > h ? w : h;
  }
  side /= b->n;
  b->gx0 = X0; b->gy0 = Y0;
  for (;;) {
    double gw = side > 0 ? ceil(((double)X1 - X0) / side) : 1;
    double gh = side > 0 ? ceil(((double)Y1 - Y0) / side) : 1;
    if (!(gw >= 1)) gw = 1;
    if (!(gh >= 1)) gh = 1;
    if (gw * gh > 4.0 * b->n + 16 || !isfinite(gw * gh)) {   /* too many cells */
      side *= 2;
      continue;
    }
    b->gw = (int)gw; b->gh = (int)gh;
    b->inv = side > 0 ? (float)(1.0 / side) : 0.0f;
    if (b->gw * b->gh == 1) { b->inv = 0; break; }
    if ((total = grid_entries(b, b->gw, b->gh, b->inv, one, cap)) <= cap) break;
    side *= 2;
  }
  if (b->gw * b->gh == 1) total = (size_t)b->n;
  p = ln_malloc((2 * (size_t)b->gw * (size_t)b->gh + 1 + total) * sizeof(int32_t));
  if (p == NULL) return LN_ENOMEM;
  b->gmem = p;
  b->start = (int32_t *)(void *)p;
  b->count = b->start + (size_t)b->gw * (size_t)b->gh + 1;
  b->ent = b->count + (size_t)b->gw * (size_t)b->gh;
  memset(b->start, 0, ((size_t)b->gw * (size_t)b->gh + 1) * sizeof(int32_t));
  memset(b->count, 0, (size_t)b->gw * (size_t)b->gh * sizeof(int32_t));
  for (k = 0; k < b->n; k++) {   /* count per cell */
    int cx0 = cell_of(b->x1[k], X0, b->inv, b->gw), cx1 = cell_of(b->x2[k] + one, X0, b->inv, b->gw);
    int cy0 = cell_of(b->y1[k], Y0, b->inv, b->gh), cy1 = cell_of(b->y2[k] + one, Y0, b->inv, b->gh);
    int x, y;
    for (y = cy0; y <= cy1; y++)
      for (x = cx0; x <= cx1; x++) b->start[y * b->gw + x + 1]++;
  }
  for (c = 0; c < b->gw * b->gh; c++) b->start[c + 1] += b->start[c];
  for (k = 0; k < b->n; k++) {   /* fill, in position order */
    int cx0 = cell_of(b->x1[k], X0, b->inv, b->gw), cx1 = cell_of(b->x2[k] + one, X0, b->inv, b->gw);
    int cy0 = cell_of(b->y1[k], Y0, b->inv, b->gh), cy1 = cell_of(b->y2[k] + one, Y0, b->inv, b->gh);
    int x, y;
    for (y = cy0; y <= cy1; y++)
      for (x = cx0; x <= cx1; x++) {
        int cell = y * b->gw + x;
        b->ent[b->start[cell] + b->count[cell]++] = k;
      }
  }
  return LN_OK;
}

/* the cell range of box m */
static inline void cells_of (const boxset *b, int m, float one, int *cx0,
                             int *cx1, int *cy0, int *cy1) {
  *cx0 = cell_of(b->x1[m], b->gx0, b->inv, b->gw);
  *cx1 = cell_of(b->x2[m] + one, b->gx0, b->inv, b->gw);
  *cy0 = cell_of(b->y1[m], b->gy0, b->inv, b->gh);
  *cy1 = cell_of(b->y2[m] + one, b->gy0, b->inv, b->gh);
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
  int i, r, k = 0;
  if (n <= 0) return 0;
  if (boxset_alloc(&b, n) != LN_OK) return -1;
  for (i = 0; i < n; i++) {
    int32_t id = ids ? ids[i] : i;
    b.key[i] = desc_key(scores[id]);
    b.vt[i] = id;
  }
  /* sort (key, id) pairs; ids arrive ascending, so equal scores stay in
  ** index order; position = rank */
  memcpy(b.heap, b.vt, sizeof(int32_t) * (size_t)n);
  radix_sort(b.key, b.heap, n, b.kt, b.vt);
  for (i = 0; i < n; i++) boxset_put(&b, i, boxes, scores, b.heap[i], one);
  if (grid_build(&b, one) != LN_OK) { boxset_free(&b); return -1; }
  for (r = 0; r < n && (max_det <= 0 || k < max_det); r++) {
    float ax1, ay1, ax2, ay2, aa;
    int cx0, cx1, cy0, cy1, x, y;
    if (b.gone[r]) continue;   /* every box ranked before r is gone too */
    keep[k++] = b.idx[r];
    b.gone[r] = 1;
    b.stamp[r] = r;
    ax1 = b.x1[r]; ay1 = b.y1[r]; ax2 = b.x2[r]; ay2 = b.y2[r]; aa = b.area[r];
    cells_of(&b, r, one, &cx0, &cx1, &cy0, &cy1);
    for (y = cy0; y <= cy1; y++)
      for (x = cx0; x <= cx1; x++) {
        int cell = y * b.gw + x, e, end = b.start[cell] + b.count[cell], w = b.start[cell];
        for (e = b.start[cell]; e < end; e++) {
          int j = b.ent[e];
          if (b.gone[j]) continue;   /* dropped from the list */
          if (b.stamp[j] != r) {
            b.stamp[j] = r;
            if (iou_one(ax1, ay1, ax2, ay2, aa, b.x1[j], b.y1[j], b.x2[j],
                        b.y2[j], b.area[j], one) > fthr) {
              b.gone[j] = 1;
              continue;
            }
          }
          b.ent[w++] = j;
        }
        b.count[cell] = w - b.start[cell];
      }
  }
  boxset_free(&b);
  return k;
}

/* {------ the Soft-NMS heap: positions by (key descending, position
** ascending, which is index ascending). Lazy: a key is the box's score
** when it was last placed; scores only fall, so keys are upper bounds, and
** a top whose key is its current score is the true maximum (ties: its
** position is the lowest among equal keys). Decays cost O(1); a stale or
** discarded top is fixed or dropped when it surfaces. ------ */

#define HKEY(b, p) ((b)->hk[(p)])

static void heap_down (boxset *b, int at, int size) {
  int p = b->heap[at];
  for (;;) {
    int c = 2 * at + 1;
    if (c >= size) break;
    if (c + 1 < size && (HKEY(b, b->heap[c + 1]) > HKEY(b, b->heap[c]) ||
        (HKEY(b, b->heap[c + 1]) == HKEY(b, b->heap[c]) && b->heap[c + 1] < b->heap[c]))) c++;
    if (!(HKEY(b, b->heap[c]) > HKEY(b, p) ||
          (HKEY(b, b->heap[c]) == HKEY(b, p) && b->heap[c] < p))) break;
    b->heap[at] = b->heap[c];
    at = c;
  }
  b->heap[at] = p;
}

/* ------} */

/* Soft-NMS over boxes ids[0..n-1] (ascending; NULL: 0..n-1); as nms_core,
** plus the scores at selection in 'kept' */
static int soft_core (const float *boxes, const float *scores,
                      const int32_t *ids, int n, const ln_nms_conf *c,
                      int32_t *keep, float *kept) {
  boxset b;
  float one = c->pixel ? 1.0f : 0.0f, thr = (float)c->score_threshold;
  float inv_sigma = (float)(1.0 / c->sigma), nt = (float)c->iou;
  int i, m = 0, k = 0, size, round = 0;
  if (n <= 0) return 0;
  if (boxset_alloc(&b, n) != LN_OK) return -1;
  for (i = 0; i < n; i++) {   /* below the threshold on input: never a candidate */
    int32_t id = ids ? ids[i] : i;
    if (scores[id] < thr) continue;
    boxset_put(&b, m++, boxes, scores, id, one);
  }
  b.n = m;
  if (m == 0) { boxset_free(&b); return 0; }
  if (grid_build(&b, one) != LN_OK) { boxset_free(&b); return -1; }
  for (i = 0; i < m; i++) { b.heap[i] = i; b.hk[i] = b.s[i]; }
  for (i = m / 2 - 1; i >= 0; i--) heap_down(&b, i, m);
  size = m;
  while (c->max_det <= 0 || k < c->max_det) {
    int top, cx0, cx1, cy0, cy1, x, y;
    float ax1, ay1, ax2, ay2, aa;
    while (size > 0) {   /* surface the true maximum */
      top = b.heap[0];
      if (b.gone[top]) {   /* discarded: drop it */
        b.heap[0] = b.heap[--size];
        if (size > 0) heap_down(&b, 0, size);
      } else if (b.hk[top] != b.s[top]) {   /* decayed: place it again */
        b.hk[top] = b.s[top];
        heap_down(&b, 0, size);
      } else break;
    }
    if (size == 0) break;
    top = b.heap[0];
    b.heap[0] = b.heap[--size];
    if (size > 0) heap_down(&b, 0, size);
    ax1 = b.x1[top]; ay1 = b.y1[top]; ax2 = b.x2[top]; ay2 = b.y2[top];
    aa = b.area[top];
    keep[k] = b.idx[top];
    kept[k++] = b.s[top];
    b.gone[top] = 1;   /* M leaves the set: never rescored */
    b.stamp[top] = round;
    cells_of(&b, top, one, &cx0, &cx1, &cy0, &cy1);
    for (y = cy0; y <= cy1; y++)
      for (x = cx0; x <= cx1; x++) {
        int cell = y * b.gw + x, e, end = b.start[cell] + b.count[cell], w = b.start[cell];
        for (e = b.start[cell]; e < end; e++) {
          int j = b.ent[e];
          float o, wt, sj;
          if (b.gone[j]) continue;
          if (b.stamp[j] != round) {
            b.stamp[j] = round;
            o = iou_one(ax1, ay1, ax2, ay2, aa, b.x1[j], b.y1[j], b.x2[j],
                        b.y2[j], b.area[j], one);
            switch (c->method) {   /* IoU 0 gives weight 1 in every rule */
              case LN_NMS_LINEAR: wt = o > nt ? 1.0f - o : 1.0f; break;
              case LN_NMS_GAUSSIAN: wt = o > 0 ? expf(-(o * o) * inv_sigma) : 1.0f; break;
              default: wt = o > nt ? 0.0f : 1.0f; break;
            }
            sj = b.s[j] * wt;
            if (sj < thr) {   /* fell below the threshold: discarded */
              b.gone[j] = 1;
              continue;
            }
            b.s[j] = sj;
          }
          b.ent[w++] = j;
        }
        b.count[cell] = w - b.start[cell];
      }
    round++;
  }
  boxset_free(&b);
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
