/*
** luanet/detect.h -- detection: boxes, IoU, NMS and Soft-NMS (ln_detect.c).
*/
#ifndef LUANET_DETECT_H
#define LUANET_DETECT_H

#include "base.h"

/*
** Boxes are rows of 4 floats. Formats: xyxy (x1, y1, x2, y2), xywh (x1,
** y1, w, h) and cxcywh (centre x, centre y, w, h). The functions below take
** xyxy with x2 >= x1 and y2 >= y1. IoU convention: continuous coordinates
** (area = (x2 - x1)(y2 - y1)), or with 'pixel' the inclusive-pixel "+1"
** convention of the Soft-NMS reference code (area = (x2 - x1 + 1)(y2 - y1
** + 1)). IoU is 0 when the union is empty (two zero-area boxes). IoU,
** scores and thresholds are compared as float32 (as the Soft-NMS reference
** code does): an IoU equal to 'iou' is not above it, a score equal to
** 'score_threshold' is not below it.
**
** Selection order and ties: a higher score first; among equal scores the
** box with the lower index first. Results are indices into the input
** (0-based), in selection order; no input array is modified. Every
** function returns LN_OK, or LN_EARG / LN_ENOMEM with a message naming
** the function ('fn' when given, else its own name) and the argument.
*/
typedef enum ln_boxfmt {
  LN_BOX_XYXY = 0, LN_BOX_XYWH, LN_BOX_CXCYWH, LN_BOX_COUNT
} ln_boxfmt;
extern const char *const ln_boxfmt_names[];   /* ORDER BOXFMT, NULL-ended */

typedef enum ln_nms_method {
  LN_NMS_LINEAR = 0,   /* s *= 1 - IoU when IoU > iou */
  LN_NMS_GAUSSIAN,     /* s *= exp(-IoU^2 / sigma) */
  LN_NMS_HARD,         /* s = 0 when IoU > iou */
  LN_NMS_COUNT
} ln_nms_method;
extern const char *const ln_nms_method_names[];  /* ORDER NMS, NULL-ended */

typedef struct ln_nms_conf {
  ln_nms_method method;    /* Soft-NMS rule (hard NMS: ln_nms) */
  double iou;              /* N_t: overlap above which a rule acts */
  double sigma;            /* Gaussian width (> 0) */
  double score_threshold;  /* boxes scoring below it are discarded */
  int max_det;             /* stop after this many selections (<= 0: all) */
  int pixel;               /* 1: "+1" inclusive-pixel IoU */
} ln_nms_conf;

/* Soft-NMS defaults of the paper: linear, iou 0.3, sigma 0.5, threshold
** 0.001, no max_det, continuous IoU */
void ln_nms_defaults (ln_nms_conf *c);
/* convert 'n' boxes between formats ('out' may be 'in') */
int ln_box_convert (const float *in, float *out, int n, ln_boxfmt from,
                    ln_boxfmt to);
/* LN_EARG unless every xyxy box is finite with x2 >= x1 and y2 >= y1;
** the message reads "<fn>: <arg>[i] ..." (1-based row as Lua shows it) */
int ln_box_check (const char *fn, const char *arg, const float *boxes, int n);
void ln_box_area (const float *boxes, int n, int pixel, float *out);
/* out[i * nb + j] = IoU(a[i], b[j]) */
void ln_box_iou (const float *a, int na, const float *b, int nb, int pixel,
                 float *out);
/* Hard NMS: select the best remaining box, discard the remaining boxes
** whose IoU with it exceeds 'iou'; repeat. keep[] has room for n. */
int ln_nms (const float *boxes, const float *scores, int n, double iou,
            int pixel, int max_det, int32_t *keep, int *n_keep);
/* Soft-NMS (Bodla et al. 2017): select the best remaining box M, decay
** the scores of the remaining boxes by the rule of 'c', discard those now
** below c->score_threshold; repeat. Boxes whose input score is below the
** threshold are never selected; a selected box is never discarded. keep[]
** and kept[] (decayed scores at selection) have room for n. */
int ln_soft_nms (const float *boxes, const float *scores, int n,
                 const ln_nms_conf *c, int32_t *keep, float *kept,
                 int *n_keep);
/* class-aware versions: boxes of different 'classes' never suppress each
** other; results of all classes merged by score (descending, ties: lower
** index first); max_det bounds the merged list */
int ln_batched_nms (const float *boxes, const float *scores,
                    const int32_t *classes, int n, double iou, int pixel,
                    int max_det, int32_t *keep, int *n_keep);
int ln_batched_soft_nms (const float *boxes, const float *scores,
                         const int32_t *classes, int n, const ln_nms_conf *c,
                         int32_t *keep, float *kept, int *n_keep);

#endif
