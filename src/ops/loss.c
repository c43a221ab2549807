/*
** loss.c -- loss ops: cross_entropy, nll, z_loss, l2_svm, multi_margin,
** focal, stablemax_ce (logits [N, C] and int32 labels [N]); mse,
** bce_with_logits, l1, smooth_l1, kl_div, sigmoid_focal (elementwise);
** soft_infonce (a similarity matrix); router_z_loss and load_balance
** (mixture-of-experts router logits); activation_l1 (ProSparse's
** regulariser of activations).
**
** Every loss but load_balance has a 'reduction' = mean | sum | none
** (attribute 0; cross_entropy's is attribute 1, after label_smoothing)
** (none: one loss per row, or per element for the elementwise ones).
** Per-row losses go to ctx->work in double and are summed in row order;
** elementwise ones in fixed blocks: results do not depend on the thread
** count. Exponentials and logs are taken in stable forms (max-shifted
** log-sum-exp, softplus as max(z, 0) + log1p(exp(-|z|))), so logits of
** +-1e4 give finite, right values.
*/
#include <string.h>
#include "ln_ops.h"

/* softplus(z) = log(1 + e^z), stable at any z */
static double softplus (double z) {
  return (z > 0 ? z : 0) + log1p(exp(-fabs(z)));
}

/* the factor dL/dloss_i for row (or element) i with mean denominator 'den' */
static float gscale (const ln_node *n, size_t i, double den) {
  int red = (int)n->attr[0];
  if (red == LN_RED_NONE) return n->g[i];
  if (red == LN_RED_SUM) return n->g[0];
  return den > 0 ? (float)(n->g[0] / den) : 0.0f;
}

/* write per-row losses (none) or their sum / mean into n->x */
static void finish_rows (ln_node *n, const double *loss, size_t rows, double den) {
  int red = (int)n->attr[0];
  size_t i;
  double s = 0;
  if (red == LN_RED_NONE) {
    for (i = 0; i < rows; i++) n->x[i] = (float)loss[i];
    return;
  }
  for (i = 0; i < rows; i++) s += loss[i];
  n->x[0] = (float)(red == LN_RED_SUM ? s : den > 0 ? s / den : 0);
}

/* work: one double per row */
static void rows_work (const ln_node *n, size_t *saved, size_t *work) {
  *saved = 0;
  *work = ((size_t)n->in[0]->dim[0] + 1) * sizeof(double);
}

/* {====== Losses over logits [N, C] and int32 labels [N] ====== */

/* logits (or log-probabilities) [N, C] and labels [N]; the reduction is
** attribute 'r' */
static int logits_labels_check (ln_node *n, int r) {
  const ln_node *x = n->in[0], *y = n->in[1];
  const char *op = ln_opname(n);
  const char *what = strcmp(op, "nll") == 0 ? "log-probabilities" : "logits";
  int rc;
  if (x->dtype != LN_F32 || x->ndim != 2)
    return ln_seterr(LN_ESHAPE, "%s: %s %s must be float32 [N, C]", op, what,
                     ln_node_shape(x));
  if (y->dtype != LN_I32)
    return ln_seterr(LN_EARG, "%s: labels (input 2) must be int32", op);
  if (y->ndim != 1 || y->dim[0] != x->dim[0])
    return ln_seterr(LN_ESHAPE, "%s: %s %s and labels %s do not match "
                     "(want labels [%d])", op, what, ln_node_shape(x),
                     ln_node_shape(y), x->dim[0]);
  if ((rc = ln_check_reduction(n, r, LN_RED_NONE)) != LN_OK) return rc;
  ln_set_shape(n, LN_F32, (int)n->attr[r] == LN_RED_NONE ? 1 : 0, x->dim);
  return LN_OK;
}

static int logits_labels_shape (ln_node *n) { return logits_labels_check(n, 0); }

static int labels_validate (const ln_node *n) {
  return ln_check_index(n, 1, n->in[0]->dim[1], "label", NULL);
}

/* {====== nll ====== */

#define NLL_IGNORE(n) ((int32_t)(n)->attr[1])

static int nll_validate (const ln_node *n) {
  const int32_t ignore = NLL_IGNORE(n);
  return ln_check_index(n, 1, n->in[0]->dim[1], "label", &ignore);
}

/* labels not ignored: the mean's denominator, as PyTorch's */
static size_t nll_count (const ln_node *n) {
  const int32_t *y = LN_XI(n->in[1]);
  size_t i, N = (size_t)n->in[0]->dim[0], k = 0;
  for (i = 0; i < N; i++) k += y[i] != NLL_IGNORE(n);
  return k;
}

static void nll_forward (ln_node *n, ln_ctx *c) {
  const float *x = n->in[0]->x;
  const int32_t *y = LN_XI(n->in[1]);
  size_t i, N = (size_t)n->in[0]->dim[0], C = (size_t)n->in[0]->dim[1];
  double *loss = (double *)(void *)c->work;
  for (i = 0; i < N; i++)
    loss[i] = y[i] == NLL_IGNORE(n) ? 0 : -(double)x[i * C + (size_t)y[i]];
  finish_rows(n, loss, N, (double)nll_count(n));
}

static void nll_backward (ln_node *n, ln_ctx *c) {
  const int32_t *y = LN_XI(n->in[1]);
  float *dx = n->in[0]->g;
  size_t i, N = (size_t)n->in[0]->dim[0], C = (size_t)n->in[0]->dim[1];
  double den = (double)nll_count(n);
  (void)c;
  if (dx == NULL) return;
  for (i = 0; i < N; i++)
    if (y[i] != NLL_IGNORE(n)) dx[i * C + (size_t)y[i]] -= gscale(n, i, den);
}

/* }====== */

/*
** Losses of one row each: ROW_LOSS(op) makes op_forward and op_backward
** from op_row (the loss of row xi [C] with label y) and op_row_grad (di +=
** g times the gradient of that loss, g = dL/d(the row's loss)). Rows run in
** parallel; finish_rows adds their losses in row order.
*/
typedef double (*row_fn) (const ln_node *n, const float *xi, int y, int C);
typedef void (*row_grad_fn) (const ln_node *n, const float *xi, int y, int C,
                             float g, float *di);

static void rows_forward (ln_node *n, ln_ctx *c, row_fn f) {
  const float *x = n->in[0]->x;
  const int32_t *y = LN_XI(n->in[1]);
  int i, N = n->in[0]->dim[0], C = n->in[0]->dim[1];
  double *loss = (double *)(void *)c->work;
  #pragma omp parallel for schedule(static) if ((size_t)N * C > LN_PAR_MIN)
  for (i = 0; i < N; i++) loss[i] = f(n, x + (size_t)i * C, y[i], C);
  finish_rows(n, loss, (size_t)N, N);
}

static void rows_backward (ln_node *n, row_grad_fn f) {
  const float *x = n->in[0]->x;
  const int32_t *y = LN_XI(n->in[1]);
  float *dx = n->in[0]->g;
  int i, N = n->in[0]->dim[0], C = n->in[0]->dim[1];
  if (dx == NULL) return;
  #pragma omp parallel for schedule(static) if ((size_t)N * C > LN_PAR_MIN)
  for (i = 0; i < N; i++)
    f(n, x + (size_t)i * C, y[i], C, gscale(n, (size_t)i, N), dx + (size_t)i * C);
}

#define ROW_LOSS(op) \
  static void op##_forward (ln_node *n, ln_ctx *c) { rows_forward(n, c, op##_row); } \
  static void op##_backward (ln_node *n, ln_ctx *c) { \
    (void)c; \
    rows_backward(n, op##_row_grad); \
  }

/* {====== z_loss ====== */

/*
** de Brebisson & Vincent 2016, "The Z-loss: a shift and scale invariant
** classification loss belonging to the Spherical Family" (arXiv:1604.08859),
** section 3: with mu and sigma the mean and (population) standard
** deviation of the C outputs, z = (o - mu) / sigma and
**   L = (1/a) softplus(a (b - z_y)),
** a, b > 0 hyperparameters. Invariant to o -> s o + t for s > 0. A row of
** equal outputs (sigma = 0) has z = 0: loss softplus(a b) / a, gradient 0.
*/
static int z_loss_shape (ln_node *n) {
  int rc = logits_labels_shape(n);
  if (rc != LN_OK) return rc;
  if (!(n->attr[1] > 0))
    return ln_seterr(LN_EARG, "z_loss: a %g must be positive", n->attr[1]);
  if (!isfinite(n->attr[2]))
    return ln_seterr(LN_EARG, "z_loss: b %g must be finite", n->attr[2]);
  return LN_OK;
}

/* mean and standard deviation of a row, in double */
static void row_moments (const float *x, int C, double *mu, double *sd) {
  double s = 0, ss = 0;
  int k;
  for (k = 0; k < C; k++) s += x[k];
  *mu = C ? s / C : 0;
  for (k = 0; k < C; k++) ss += (x[k] - *mu) * (x[k] - *mu);
  *sd = C ? sqrt(ss / C) : 0;
}

static double z_loss_row (const ln_node *n, const float *xi, int y, int C) {
  double a = n->attr[1], b = n->attr[2], mu, sd, z;
  row_moments(xi, C, &mu, &sd);
  z = sd > 0 ? (xi[y] - mu) / sd : 0;
  return softplus(a * (b - z)) / a;
}

/* dL/dz_y = -sigmoid(a (b - z_y)); dz_y/do_k = (d_ky - 1/C - z_y z_k / C) / sigma */
static void z_loss_row_grad (const ln_node *n, const float *xi, int y, int C,
                             float g, float *di) {
  double a = n->attr[1], b = n->attr[2], mu, sd, zy, gz;
  int k;
  row_moments(xi, C, &mu, &sd);
  if (!(sd > 0)) return;
  zy = (xi[y] - mu) / sd;
  gz = -ln_sigmoid(a * (b - zy)) * g / sd;
  for (k = 0; k < C; k++)
    di[k] += (float)(gz * ((k == y) - 1.0 / C - zy * (xi[k] - mu) / sd / C));
}

ROW_LOSS(z_loss)

/* }====== */

/* {====== l2_svm ====== */

/*
** Tang 2013, "Deep Learning using Linear Support Vector Machines"
** (arXiv:1306.0239): one-vs-rest squared hinge over the classes,
**   L_i = sum_k max(0, margin - t_k o_k)^2, t_k = +1 for k = y_i, else -1;
** the paper's weight decay is the optimizer's.
*/
static double l2_svm_row (const ln_node *n, const float *xi, int y, int C) {
  double m = n->attr[1], s = 0;
  int k;
  for (k = 0; k < C; k++) {
    double h = m - (k == y ? 1.0 : -1.0) * xi[k];
    if (h > 0) s += h * h;
  }
  return s;
}

static void l2_svm_row_grad (const ln_node *n, const float *xi, int y, int C,
                             float g, float *di) {
  double m = n->attr[1];
  int k;
  for (k = 0; k < C; k++) {
    double t = k == y ? 1.0 : -1.0, h = m - t * xi[k];
    if (h > 0) di[k] += (float)(-2 * t * h * g);
  }
}

ROW_LOSS(l2_svm)

/* }====== */

/* {====== multi_margin ====== */

/* PyTorch's multi_margin_loss: L_i = sum_{k != y} max(0, margin - o_y +
** o_k)^p / C, p = 1 or 2 */
static int multi_margin_shape (ln_node *n) {
  int rc = logits_labels_shape(n);
  if (rc != LN_OK) return rc;
  if (n->attr[1] != 1 && n->attr[1] != 2)
    return ln_seterr(LN_EARG, "multi_margin: p must be 1 or 2, got %g",
                     n->attr[1]);
  return LN_OK;
}

static double multi_margin_row (const ln_node *n, const float *xi, int y, int C) {
  int k, p = (int)n->attr[1];
  double m = n->attr[2], s = 0;
  for (k = 0; k < C; k++) {
    double h = m - xi[y] + xi[k];
    if (k != y && h > 0) s += p == 2 ? h * h : h;
  }
  return C ? s / C : 0;
}

static void multi_margin_row_grad (const ln_node *n, const float *xi, int y,
                                   int C, float g, float *di) {
  int k, p = (int)n->attr[1];
  double m = n->attr[2], gc = (double)g / C, sy = 0;
  for (k = 0; k < C; k++) {
    double h = m - xi[y] + xi[k], d;
    if (k == y || h <= 0) continue;
    d = (p == 2 ? 2 * h : 1) * gc;
    di[k] += (float)d;
    sy += d;
  }
  di[y] -= (float)sy;
}

ROW_LOSS(multi_margin)

/* }====== */

/* {====== focal (softmax form) ====== */

/*
** Lin et al. 2017, "Focal Loss for Dense Object Detection"
** (arXiv:1708.02002), multi-class softmax form: with p = softmax(o)_y,
**   L = -alpha (1 - p)^gamma log p.
** log p comes from a max-shifted log-sum-exp and 1 - p = -expm1(log p),
** accurate when p is near 1. A scalar alpha scales the loss (1 for none).
*/
static int focal_shape (ln_node *n) {
  int rc = logits_labels_shape(n);
  if (rc != LN_OK) return rc;
  if (!(n->attr[2] >= 0))
    return ln_seterr(LN_EARG, "focal: gamma %g must be >= 0", n->attr[2]);
  return LN_OK;
}

/* log-sum-exp of a row, max-shifted */
static double row_lse (const float *x, int C) {
  double mx = C ? x[0] : 0, s = 0;
  int k;
  for (k = 1; k < C; k++) if (x[k] > mx) mx = x[k];
  for (k = 0; k < C; k++) s += exp(x[k] - mx);
  return mx + log(s);
}

static double focal_row (const ln_node *n, const float *xi, int y, int C) {
  double al = n->attr[1], ga = n->attr[2];
  double lp = xi[y] - row_lse(xi, C), q = -expm1(lp);
  return -al * pow(q, ga) * lp;
}

/* dL/dlogp = -alpha (q^g - g p q^(g-1) log p), dlogp/do_k = [k = y] - p_k */
static void focal_row_grad (const ln_node *n, const float *xi, int y, int C,
                            float g, float *di) {
  double al = n->attr[1], ga = n->attr[2];
  double lse = row_lse(xi, C), lp = xi[y] - lse, q = -expm1(lp);
  double p = exp(lp), t2 = (ga > 0 && q > 0) ? ga * p * pow(q, ga - 1) * lp : 0;
  double d = -al * (pow(q, ga) - t2) * g;
  int k;
  for (k = 0; k < C; k++)
    di[k] += (float)(d * ((k == y) - exp(xi[k] - lse)));
}

ROW_LOSS(focal)

/* }====== */

/* {====== stablemax_ce ====== */

/*
** Prieto, Barsbey, Mediano, Birdal 2025, "Grokking at the Edge of
** Numerical Stability" (arXiv:2501.04697): StableMax replaces exp by
** s(x) = x + 1 (x >= 0), 1 / (1 - x) (x < 0), linear growth instead of
** exponential, so no Softmax Collapse; L = -log(s(o_y) / sum_k s(o_k)).
** Computed in double, as the authors' code does (float64).
*/
static double smax_s (double v) { return v >= 0 ? v + 1 : 1 / (1 - v); }
static double smax_ds (double v) { return v >= 0 ? 1 : 1 / ((1 - v) * (1 - v)); }

static double stablemax_ce_row (const ln_node *n, const float *xi, int y, int C) {
  double s = 0;
  int k;
  (void)n;
  for (k = 0; k < C; k++) s += smax_s(xi[k]);
  return log(s) - log(smax_s(xi[y]));
}

/* dL/do_k = s'(o_k) / S - [k = y] s'(o_y) / s(o_y) */
static void stablemax_ce_row_grad (const ln_node *n, const float *xi, int y,
                                   int C, float g, float *di) {
  double s = 0;
  int k;
  (void)n;
  for (k = 0; k < C; k++) s += smax_s(xi[k]);
  for (k = 0; k < C; k++) di[k] += (float)(g * smax_ds(xi[k]) / s);
  di[y] -= (float)(g * smax_ds(xi[y]) / smax_s(xi[y]));
}

ROW_LOSS(stablemax_ce)

/* }====== */

/* }====== */

/* {====== Elementwise losses: bce_with_logits, l1, smooth_l1, kl_div, sigmoid_focal ====== */

enum { E_BCE, E_L1, E_SMOOTH_L1, E_KL, E_SFOCAL, E_MSE };

static int elem_shape (ln_node *n) {
  const ln_node *a = n->in[0], *b = n->in[1];
  const char *op = ln_opname(n);
  int i, rc, kl = strcmp(op, "kl_div") == 0;
  if ((rc = ln_need_f32(n, 0, "input")) || (rc = ln_need_f32(n, 1, "target")))
    return rc;
  for (i = 0; i < a->ndim && a->ndim == b->ndim; i++)
    if (a->dim[i] != b->dim[i]) break;
  if (a->ndim != b->ndim || i < a->ndim)
    return ln_seterr(LN_ESHAPE, "%s: input %s and target %s differ", op,
                     ln_node_shape(a), ln_node_shape(b));
  if ((rc = ln_check_reduction(n, 0, kl ? LN_RED_BATCHMEAN : LN_RED_NONE)) != LN_OK) return rc;
  if (strcmp(op, "smooth_l1") == 0 && !(n->attr[1] >= 0))
    return ln_seterr(LN_EARG, "smooth_l1: beta %g must be >= 0", n->attr[1]);
  if (strcmp(op, "sigmoid_focal") == 0 && !(n->attr[2] >= 0))
    return ln_seterr(LN_EARG, "sigmoid_focal: gamma %g must be >= 0", n->attr[2]);
  if (kl && (int)n->attr[0] == LN_RED_BATCHMEAN && a->ndim < 1)
    return ln_seterr(LN_ESHAPE, "kl_div: batchmean needs a batch dim, input "
                     "is a scalar");
  if ((int)n->attr[0] == LN_RED_NONE) ln_set_shape(n, LN_F32, a->ndim, a->dim);
  else ln_set_shape(n, LN_F32, 0, a->dim);
  return LN_OK;
}

static void elem_scratch (const ln_node *n, size_t *saved, size_t *work) {
  *saved = 0;
  *work = (ln_n_blocks(ln_numel(n->in[0])) + 1) * sizeof(double);
}

/*
** Sigmoid focal loss as torchvision's sigmoid_focal_loss (Lin et al.
** 2017, binary form): p = sigmoid(x), ce = bce_with_logits(x, t),
** m = 1 - p_t = t sigmoid(-x) + (1 - t) sigmoid(x),
** alpha_t = alpha t + (1 - alpha)(1 - t) (alpha < 0: 1), L = alpha_t ce m^g.
*/
static double sfocal (double x, double t, double al, double ga, double *gx,
                      double *gt) {
  double ce = softplus(x) - x * t, sp = ln_sigmoid(x), sm = ln_sigmoid(-x);
  double m = t * sm + (1 - t) * sp, at = al >= 0 ? al * t + (1 - al) * (1 - t) : 1;
  double mg = pow(m, ga), mg1 = (ga > 0 && (m > 0 || ga >= 1)) ? ga * pow(m, ga - 1) : 0;
  if (gx) {
    *gx = at * ((sp - t) * mg + ce * mg1 * (1 - 2 * t) * sp * sm);
    *gt = (al >= 0 ? 2 * al - 1 : 0) * ce * mg + at * (-x * mg + ce * mg1 * (sm - sp));
  }
  return at * ce * mg;
}

/* loss of one element, and (when 'ga' is given) its gradients */
static double elem_loss (int kind, float fa, float fb, const double *attr,
                         double *ga, double *gb) {
  double a = fa, b = fb, d = a - b, l = 0, g1 = 0, g2 = 0;
  switch (kind) {
    case E_BCE:   /* max(x, 0) - x t + log1p(exp(-|x|)) */
      l = softplus(a) - a * b;
      g1 = ln_sigmoid(a) - b;
      g2 = -a;
      break;
    case E_L1:
      l = fabs(d);
      g1 = (d > 0) - (d < 0);
      g2 = -g1;
      break;
    case E_SMOOTH_L1: {
      double be = attr[1];
      if (fabs(d) < be) { l = 0.5 * d * d / be; g1 = d / be; }
      else { l = fabs(d) - 0.5 * be; g1 = (d > 0) - (d < 0); }
      g2 = -g1;
      break;
    }
    case E_KL:   /* input a = log q, target b = p (or log p) */
      if (attr[1] != 0) {
        double e = exp(b);
        l = e * (b - a);
        g1 = -e;
        g2 = e * (b - a + 1);
      } else if (b > 0) {
        l = b * (log(b) - a);
        g1 = -b;
        g2 = log(b) + 1 - a;
      }
      break;
    case E_SFOCAL:
      l = sfocal(a, b, attr[1], attr[2], &g1, &g2);
      break;
    case E_MSE:
      l = d * d;
      g1 = 2 * d;
      g2 = -g1;
      break;
    default: break;
  }
  if (ga) { *ga = g1; *gb = g2; }
  return l;
}

/* the mean's denominator: every element, or the batch (batchmean) */
static double elem_den (const ln_node *n) {
  if ((int)n->attr[0] == LN_RED_BATCHMEAN)
    return n->in[0]->ndim ? n->in[0]->dim[0] : 1;
  return (double)ln_numel(n->in[0]);
}

static void elem_forward (ln_node *n, ln_ctx *c, int kind) {
  const float *a = n->in[0]->x, *b = n->in[1]->x;
  size_t t, len = ln_numel(n->in[0]), nb = ln_n_blocks(len);
  double *part = (double *)(void *)c->work, s = 0, den = elem_den(n);
  int red = (int)n->attr[0];
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (t = 0; t < nb; t++) {
    size_t i, i1 = (t + 1) * LN_SUM_BLOCK < len ? (t + 1) * LN_SUM_BLOCK : len;
    double ps = 0;
    for (i = t * LN_SUM_BLOCK; i < i1; i++) {
      double l = elem_loss(kind, a[i], b[i], n->attr, NULL, NULL);
      if (red == LN_RED_NONE) n->x[i] = (float)l;
      else ps += l;
    }
    part[t] = ps;
  }
  if (red == LN_RED_NONE) return;
  for (t = 0; t < nb; t++) s += part[t];
  n->x[0] = (float)(red == LN_RED_SUM ? s : den > 0 ? s / den : 0);
}

static void elem_backward (ln_node *n, int kind) {
  const float *a = n->in[0]->x, *b = n->in[1]->x;
  float *da = n->in[0]->g, *db = n->in[1]->g;
  size_t i, len = ln_numel(n->in[0]);
  double den = elem_den(n);
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (i = 0; i < len; i++) {
    double g1, g2, s = gscale(n, i, den);
    elem_loss(kind, a[i], b[i], n->attr, &g1, &g2);
    if (da) da[i] += (float)(s * g1);
    if (db) db[i] += (float)(s * g2);
  }
}

#define ELEM_KERNELS(name, kind) \
  static void name##_forward (ln_node *n, ln_ctx *c) { elem_forward(n, c, kind); } \
  static void name##_backward (ln_node *n, ln_ctx *c) { (void)c; elem_backward(n, kind); }

ELEM_KERNELS(bce, E_BCE)
ELEM_KERNELS(l1, E_L1)
ELEM_KERNELS(smooth_l1, E_SMOOTH_L1)
ELEM_KERNELS(kl, E_KL)
ELEM_KERNELS(sfocal, E_SFOCAL)
ELEM_KERNELS(mse, E_MSE)

/* }====== */

/* {====== soft_infonce ====== */

/*
** Li, Zhou, Luu, Miao 2023, "Rethinking Negative Pairs in Code Search"
** (arXiv:2310.08069, EMNLP), Soft-InfoNCE: over a similarity matrix S
** [N, N] with the positive pairs on the diagonal,
**   L_i = -log(e^{S_ii/tau} / (e^{S_ii/tau} + sum_{j != i} w_ij e^{S_ij/tau})),
** w_ij >= 0 the weights of the negatives (w = 1: InfoNCE; the diagonal of
** W is not used). The paper estimates w from another model's similarity
** (BM25, SimCSE or a trained model); its code (Alex-HaochenLi/Soft-InfoNCE,
** CodeBERT/models.py) sets w_ij = max(0.1, (beta - alpha p_ij) /
** (beta - alpha / (N - 1))), p_i = softmax over the negatives of sim / t:
** ln.nn.soft_infonce_weights builds that. Computed as a log-sum-exp over
** S_ij/tau + log w_ij, stable at any scale.
*/
static int soft_infonce_shape (ln_node *n) {
  const ln_node *s = n->in[0];
  int rc;
  if (s->dtype != LN_F32 || s->ndim != 2 || s->dim[0] != s->dim[1])
    return ln_seterr(LN_ESHAPE, "soft_infonce: similarity %s must be a float32 "
                     "square matrix [N, N]", ln_node_shape(s));
  if (n->n_in > 1 && (n->in[1]->dtype != LN_F32 || n->in[1]->ndim != 2 ||
                      n->in[1]->dim[0] != s->dim[0] || n->in[1]->dim[1] != s->dim[1]))
    return ln_seterr(LN_ESHAPE, "soft_infonce: weights %s do not fit similarity "
                     "%s", ln_node_shape(n->in[1]), ln_node_shape(s));
  if ((rc = ln_check_reduction(n, 0, LN_RED_NONE)) != LN_OK) return rc;
  if (!(n->attr[1] > 0))
    return ln_seterr(LN_EARG, "soft_infonce: tau %g must be positive", n->attr[1]);
  ln_set_shape(n, LN_F32, (int)n->attr[0] == LN_RED_NONE ? 1 : 0, s->dim);
  return LN_OK;
}

static int soft_infonce_validate (const ln_node *n) {
  const float *w = n->n_in > 1 ? n->in[1]->x : NULL;
  int i, j, N = n->in[0]->dim[0];
  for (i = 0; w && i < N; i++)
    for (j = 0; j < N; j++)
      if (i != j && !(w[(size_t)i * N + j] >= 0 && isfinite(w[(size_t)i * N + j])))
        return ln_seterr(LN_EARG, "soft_infonce: weight [%d, %d] = %g must be "
                         "finite and >= 0", i + 1, j + 1, w[(size_t)i * N + j]);
  return LN_OK;
}

/* log of the denominator of row i: log(e^{S_ii/tau} + sum w e^{S_ij/tau}) */
static double infonce_lse (const float *s, const float *w, int N, int i, double tau) {
  double mx = s[i] / tau, acc = 0;
  int j;
  for (j = 0; j < N; j++) {
    double z;
    if (j == i || (w && !(w[j] > 0))) continue;
    z = s[j] / tau + (w ? log(w[j]) : 0);
    if (z > mx) mx = z;
  }
  for (j = 0; j < N; j++) {
    if (j != i && w && !(w[j] > 0)) continue;
    acc += exp(s[j] / tau + ((w && j != i) ? log(w[j]) : 0) - mx);
  }
  return mx + log(acc);
}

static void soft_infonce_forward (ln_node *n, ln_ctx *c) {
  const float *S = n->in[0]->x, *W = n->n_in > 1 ? n->in[1]->x : NULL;
  int i, N = n->in[0]->dim[0];
  double tau = n->attr[1], *loss = (double *)(void *)c->work;
  #pragma omp parallel for schedule(static) if ((size_t)N * N > LN_PAR_MIN)
  for (i = 0; i < N; i++) {
    const float *s = S + (size_t)i * N, *w = W ? W + (size_t)i * N : NULL;
    loss[i] = infonce_lse(s, w, N, i, tau) - s[i] / tau;
  }
  finish_rows(n, loss, (size_t)N, N);
}

/* with P_ij = w_ij e^{S_ij/tau - lse_i} (w_ii = 1): dS_ij = (P_ij - [i = j]) / tau,
** dw_ij = e^{S_ij/tau - lse_i} */
static void soft_infonce_backward (ln_node *n, ln_ctx *c) {
  const float *S = n->in[0]->x, *W = n->n_in > 1 ? n->in[1]->x : NULL;
  float *dS = n->in[0]->g, *dW = n->n_in > 1 ? n->in[1]->g : NULL;
  int i, N = n->in[0]->dim[0];
  double tau = n->attr[1];
  (void)c;
  #pragma omp parallel for schedule(static) if ((size_t)N * N > LN_PAR_MIN)
  for (i = 0; i < N; i++) {
    const float *s = S + (size_t)i * N, *w = W ? W + (size_t)i * N : NULL;
    double lse = infonce_lse(s, w, N, i, tau), g = gscale(n, (size_t)i, N);
    int j;
    for (j = 0; j < N; j++) {
      double e = exp(s[j] / tau - lse), wj = (w && j != i) ? w[j] : 1;
      if (dS) dS[(size_t)i * N + j] += (float)(g * (wj * e - (j == i)) / tau);
      if (dW && j != i) dW[(size_t)i * N + j] += (float)(g * e);
    }
  }
}

/* }====== */

/* {====== router_z_loss, load_balance ====== */

/* router logits [..., E] as rows of E */
static int router_shape (ln_node *n, int reduce_attr) {
  const ln_node *x = n->in[0];
  int rc;
  if (x->dtype != LN_F32 || x->ndim < 1)
    return ln_seterr(LN_ESHAPE, "%s: router logits %s must be float32 [..., E]",
                     ln_opname(n), ln_node_shape(x));
  if (reduce_attr) {
    if ((rc = ln_check_reduction(n, 0, LN_RED_NONE)) != LN_OK) return rc;
    if ((int)n->attr[0] == LN_RED_NONE) {
      ln_set_shape(n, LN_F32, x->ndim - 1, x->dim);
      return LN_OK;
    }
  }
  ln_set_shape(n, LN_F32, 0, x->dim);
  return LN_OK;
}

static int router_z_loss_shape (ln_node *n) { return router_shape(n, 1); }

static size_t router_rows (const ln_node *n, int *E) {
  const ln_node *x = n->in[0];
  *E = x->dim[x->ndim - 1];
  return *E ? ln_numel(x) / (size_t)*E : 0;
}

static void router_work (const ln_node *n, size_t *saved, size_t *work) {
  int E;
  *saved = 0;
  *work = (router_rows(n, &E) + 1) * sizeof(double);
}

/*
** Zoph et al. 2022, ST-MoE (arXiv:2202.08906), eq. 5: the router z-loss
** L = mean over tokens of (log sum_j e^{x_j})^2; gradient 2 lse softmax(x).
*/
static void router_z_loss_forward (ln_node *n, ln_ctx *c) {
  int E;
  size_t i, T = router_rows(n, &E);
  double *loss = (double *)(void *)c->work;
  #pragma omp parallel for schedule(static) if (T * E > LN_PAR_MIN)
  for (i = 0; i < T; i++) {
    double l = row_lse(n->in[0]->x + i * (size_t)E, E);
    loss[i] = l * l;
  }
  finish_rows(n, loss, T, (double)T);
}

static void router_z_loss_backward (ln_node *n, ln_ctx *c) {
  int E;
  size_t i, T = router_rows(n, &E);
  float *dx = n->in[0]->g;
  (void)c;
  if (dx == NULL) return;
  #pragma omp parallel for schedule(static) if (T * E > LN_PAR_MIN)
  for (i = 0; i < T; i++) {
    const float *xi = n->in[0]->x + i * (size_t)E;
    double l = row_lse(xi, E), g = 2 * l * gscale(n, i, (double)T);
    int k;
    for (k = 0; k < E; k++) dx[i * (size_t)E + k] += (float)(g * exp(xi[k] - l));
  }
}

/*
** Fedus, Zoph, Shazeer 2021, Switch Transformers (arXiv:2101.03961), eq.
** 4-6: L = E sum_i f_i P_i, f_i the fraction of tokens dispatched to expert
** i (top-k of the router logits, ties to the lower index; divided by k so
** that sum f = 1), P_i the mean router probability softmax(x)_i. f is a
** count: the gradient flows through P only.
*/
static int load_balance_shape (ln_node *n) {
  const ln_node *x = n->in[0];
  int rc = router_shape(n, 0);
  if (rc != LN_OK) return rc;
  if (n->attr[0] < 1 || n->attr[0] > x->dim[x->ndim - 1])
    return ln_seterr(LN_EARG, "load_balance: k %g out of range [1, %d] for "
                     "router logits %s", n->attr[0], x->dim[x->ndim - 1],
                     ln_node_shape(x));
  return LN_OK;
}

/* saved: f [E]; work: per-token top-k marks and P partial sums */
static void load_balance_scratch (const ln_node *n, size_t *saved, size_t *work) {
  int E;
  size_t T = router_rows(n, &E);
  *saved = ((size_t)E + 1) * sizeof(float);
  *work = ((size_t)E * (T + 1) + 1) * sizeof(double);
}

/* f_i (counts of top-k picks / (T k)) into 'f' */
static void dispatch_fractions (const ln_node *n, float *f, size_t T, int E) {
  const float *x = n->in[0]->x;
  int k, K = (int)n->attr[0], j;
  size_t i;
  for (j = 0; j < E; j++) f[j] = 0;
  for (i = 0; i < T; i++) {
    const float *xi = x + i * (size_t)E;
    for (k = 0; k < K; k++) {   /* the k-th largest: count larger ones */
      for (j = 0; j < E; j++) {
        int above = 0, l;
        for (l = 0; l < E; l++)
          above += xi[l] > xi[j] || (xi[l] == xi[j] && l < j);
        if (above == k) { f[j] += 1; break; }
      }
    }
  }
  for (j = 0; j < E; j++) f[j] = T ? f[j] / (float)(T * (size_t)K) : 0;
}

static void load_balance_forward (ln_node *n, ln_ctx *c) {
  int E, j;
  size_t i, T = router_rows(n, &E);
  float *f = n->saved;
  double *P = (double *)(void *)c->work, l = 0;
  dispatch_fractions(n, f, T, E);
  #pragma omp parallel for schedule(static) if (T * E > LN_PAR_MIN)
  for (i = 0; i < T; i++) {   /* softmax rows into P[E + i E ..] */
    const float *xi = n->in[0]->x + i * (size_t)E;
    double lse = row_lse(xi, E);
    int k;
    for (k = 0; k < E; k++) P[(size_t)E * (i + 1) + k] = exp(xi[k] - lse);
  }
  for (j = 0; j < E; j++) {
    double s = 0;
    for (i = 0; i < T; i++) s += P[(size_t)E * (i + 1) + j];
    l += f[j] * (T ? s / T : 0);
  }
  n->x[0] = (float)(E * l);
}

/* dL/dp_ti = E f_i / T; through the softmax: dx_tj = p_tj (g_tj - sum p g) */
static void load_balance_backward (ln_node *n, ln_ctx *c) {
  int E;
  size_t i, T = router_rows(n, &E);
  const float *f = n->saved;
  float *dx = n->in[0]->g;
  double g0 = n->g[0];
  (void)c;
  if (dx == NULL || T == 0) return;
  #pragma omp parallel for schedule(static) if (T * E > LN_PAR_MIN)
  for (i = 0; i < T; i++) {
    const float *xi = n->in[0]->x + i * (size_t)E;
    double lse = row_lse(xi, E), s = 0;
    int k;
    for (k = 0; k < E; k++) s += exp(xi[k] - lse) * f[k];
    for (k = 0; k < E; k++)
      dx[i * (size_t)E + k] += (float)(g0 * E / (double)T * exp(xi[k] - lse) * (f[k] - s));
  }
}

/* }====== */

/* {====== cross_entropy ====== */

static int cross_entropy_shape (ln_node *n) {
  double eps = n->attr[0];
  if (!(eps >= 0 && eps <= 1))
    return ln_seterr(LN_EARG, "cross_entropy: label_smoothing %g must be in "
                     "[0, 1]", eps);
  return logits_labels_check(n, 1);
}

/* saved: probabilities [N, C], then the labels [N]; work: N row losses */
static void cross_entropy_scratch (const ln_node *n, size_t *saved, size_t *work) {
  size_t N = (size_t)n->in[0]->dim[0], C = (size_t)n->in[0]->dim[1];
  *saved = (N * C + N) * sizeof(float);
  *work = N * sizeof(double);
}

static void cross_entropy_forward (ln_node *n, ln_ctx *c) {
  const float *x = n->in[0]->x;
  const int32_t *y = LN_XI(n->in[1]);
  int i, N = n->in[0]->dim[0], C = n->in[0]->dim[1], red = (int)n->attr[1];
  float *p = n->saved;
  int32_t *lab = (int32_t *)(void *)(p + (size_t)N * C);
  double eps = n->attr[0], *loss = (double *)(void *)c->work;
  #pragma omp parallel for schedule(static) if ((size_t)N * C > LN_PAR_MIN)
  for (i = 0; i < N; i++) {
    const float *xi = x + (size_t)i * C;
    float *pi = p + (size_t)i * C, mx = ln_row_max(xi, C);
    double s = ln_row_exp_sum(xi, mx, pi, C), lse, sum_lp;
    ln_row_scale(pi, (float)(1.0 / s), C);
    lse = mx + log(s);
    sum_lp = ln_row_sum(xi, C) - C * lse;
    loss[i] = -(1 - eps) * (xi[y[i]] - lse) - (C ? eps / C * sum_lp : 0);
    lab[i] = y[i];
    if (red == LN_RED_NONE) n->x[i] = (float)loss[i];
  }
  if (red != LN_RED_NONE) {
    double s = 0;
    for (i = 0; i < N; i++) s += loss[i];
    n->x[0] = (float)(red == LN_RED_MEAN ? (N ? s / N : 0) : s);
  }
}

/* dx[i, c] += g_i (p[i, c] - (1 - eps) [c == y_i] - eps / C) */
static void cross_entropy_backward (ln_node *n, ln_ctx *c) {
  float *dx = n->in[0]->g;
  const float *p = n->saved;
  int i, N = n->in[0]->dim[0], C = n->in[0]->dim[1], red = (int)n->attr[1];
  const int32_t *lab = (const int32_t *)(const void *)(p + (size_t)N * C);
  float eps = (float)n->attr[0], off = C ? eps / C : 0;
  (void)c;
  if (dx == NULL) return;
  #pragma omp parallel for schedule(static) if ((size_t)N * C > LN_PAR_MIN)
  for (i = 0; i < N; i++) {
    float g = red == LN_RED_NONE ? n->g[i] : red == LN_RED_SUM ? n->g[0] : n->g[0] / N;
    const float *pi = p + (size_t)i * C;
    float *di = dx + (size_t)i * C;
    int k;
    for (k = 0; k < C; k++) di[k] += g * (pi[k] - off);
    di[lab[i]] -= g * (1 - eps);
  }
}

/* }====== */

/* {====== mse (its kernels: the elementwise losses' E_MSE) ====== */

static int mse_shape (ln_node *n) {
  const ln_node *a = n->in[0], *b = n->in[1];
  int i, rc, red = (int)n->attr[0];
  if ((rc = ln_need_f32(n, 0, NULL)) || (rc = ln_need_f32(n, 1, NULL))) return rc;
  for (i = 0; i < a->ndim; i++) if (a->dim[i] != b->dim[i]) break;
  if (a->ndim != b->ndim || i < a->ndim)
    return ln_seterr(LN_ESHAPE, "mse: shapes %s and %s differ",
                     ln_node_shape(a), ln_node_shape(b));
  if ((rc = ln_check_reduction(n, 0, LN_RED_NONE)) != LN_OK) return rc;
  if (red == LN_RED_NONE) ln_set_shape(n, LN_F32, a->ndim, a->dim);
  else ln_set_shape(n, LN_F32, 0, a->dim);
  return LN_OK;
}

/* }====== */

/* {====== activation_l1 (ProSparse) ====== */

/*
** Song et al. 2024, ProSparse, arXiv:2402.13516: the activation
** regulariser lambda mean(|a|) (reduction mean; sum: lambda sum |a|; none:
** lambda |a| per element). An optional second input, one element, scales
** lambda at run time: the sine schedule of luanet.optim feeds it.
*/
static int act_l1_shape (ln_node *n) {
  int rc, red = (int)n->attr[1];
  if ((rc = ln_need_f32(n, 0, "activations")) != LN_OK) return rc;
  if (n->n_in == 2 && (rc = ln_check_scalar(n, 1, "scale")) != LN_OK) return rc;
  if ((rc = ln_check_reduction(n, 1, LN_RED_NONE)) != LN_OK) return rc;
  if (red == LN_RED_NONE) return ln_shape_like_x(n);
  ln_set_shape(n, LN_F32, 0, n->in[0]->dim);
  return LN_OK;
}

static void act_l1_scratch (const ln_node *n, size_t *saved, size_t *work) {
  *saved = 0;
  *work = ln_sum_work(ln_numel(n->in[0]));
}

static double act_l1_lambda (const ln_node *n) {
  return n->attr[0] * (n->n_in == 2 ? n->in[1]->x[0] : 1.0f);
}

static void act_l1_forward (ln_node *n, ln_ctx *c) {
  const float *a = n->in[0]->x;
  size_t len = ln_numel(n->in[0]), i;
  double lam = act_l1_lambda(n);
  int red = (int)n->attr[1];
  float *t = c->work;
  if (red == LN_RED_NONE) {
    #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
    for (i = 0; i < len; i++) n->x[i] = (float)(lam * fabsf(a[i]));
    return;
  }
  #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
  for (i = 0; i < len; i++) t[i] = fabsf(a[i]);
  {
    double s = ln_block_sum(t, len, ln_work_tail(c, len));
    n->x[0] = (float)(lam * (red == LN_RED_MEAN ? (len ? s / len : 0) : s));
  }
}

static void act_l1_backward (ln_node *n, ln_ctx *c) {
  const float *a = n->in[0]->x;
  float *da = n->in[0]->g, *dsc = n->n_in == 2 ? n->in[1]->g : NULL, *t = c->work;
  size_t len = ln_numel(n->in[0]), i;
  int red = (int)n->attr[1];
  double lam = act_l1_lambda(n);
  float k = red == LN_RED_NONE ? (float)lam
          : (float)(lam * n->g[0] / (red == LN_RED_MEAN ? (len ? len : 1) : 1));
  if (da) {
    #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
    for (i = 0; i < len; i++)
      da[i] += ln_signf(a[i]) * (red == LN_RED_NONE ? k * n->g[i] : k);
  }
  if (dsc) {   /* d/dscale = lambda_attr * (the unscaled regulariser) */
    double s;
    #pragma omp parallel for schedule(static) if (len > LN_PAR_MIN)
    for (i = 0; i < len; i++)
      t[i] = fabsf(a[i]) * (red == LN_RED_NONE ? n->g[i] : 1.0f);
    s = ln_block_sum(t, len, ln_work_tail(c, len)) * n->attr[0];
    if (red == LN_RED_MEAN) s = s * n->g[0] / (len ? len : 1);
    if (red == LN_RED_SUM) s *= n->g[0];
    dsc[0] += (float)s;
  }
}

/* }====== */

#define RED3 "reduction=mean|sum|none"

const ln_opdesc ln_ops_loss[] = {
  {.name = "cross_entropy", .min_in = 2, .max_in = 2,
   .attrs = "label_smoothing=0,reduction=mean|sum|none",
   .shape = cross_entropy_shape, .scratch = cross_entropy_scratch,
   .forward = cross_entropy_forward, .backward = cross_entropy_backward,
   .validate = labels_validate, .flags = LN_F_NOGRAD_IN1,
   .doc = "-(1-e) logp[y] - e/C sum(logp); logits [N, C], labels [N] int32"},
  {.name = "nll", .min_in = 2, .max_in = 2, .attrs = RED3 ",ignore_index=-100",
   .shape = logits_labels_shape, .scratch = rows_work, .forward = nll_forward,
   .backward = nll_backward, .validate = nll_validate,
   .flags = LN_F_SAVE_IN | LN_F_NOGRAD_IN1,
   .doc = "-x[i, y_i]; x [N, C] log-probabilities, labels [N] int32; labels "
          "equal to ignore_index are skipped (the mean is over the others; 0 "
          "when none)"},
  {.name = "mse", .min_in = 2, .max_in = 2, .attrs = "reduction=mean|sum|none",
   .shape = mse_shape, .scratch = elem_scratch, .forward = mse_forward,
   .backward = mse_backward, .flags = LN_F_SAVE_IN,
   .doc = "mean((a - b)^2)"},
  {.name = "bce_with_logits", .min_in = 2, .max_in = 2, .attrs = RED3,
   .shape = elem_shape, .scratch = elem_scratch, .forward = bce_forward,
   .backward = bce_backward, .flags = LN_F_SAVE_IN,
   .doc = "max(x, 0) - x t + log(1 + exp(-|x|)); x logits, t targets in "
          "[0, 1], same shape"},
  {.name = "l1", .min_in = 2, .max_in = 2, .attrs = RED3,
   .shape = elem_shape, .scratch = elem_scratch, .forward = l1_forward,
   .backward = l1_backward, .flags = LN_F_SAVE_IN,
   .doc = "|a - b| (gradient sign(a - b), 0 at a = b)"},
  {.name = "smooth_l1", .min_in = 2, .max_in = 2, .attrs = RED3 ",beta=1",
   .shape = elem_shape, .scratch = elem_scratch, .forward = smooth_l1_forward,
   .backward = smooth_l1_backward, .flags = LN_F_SAVE_IN,
   .doc = "d = a - b: 0.5 d^2 / beta if |d| < beta else |d| - 0.5 beta "
          "(Huber / beta; beta 0: l1)",
   .paper = "Girshick 2015, Fast R-CNN, arXiv:1504.08083"},
  {.name = "kl_div", .min_in = 2, .max_in = 2,
   .attrs = "reduction=mean|sum|none|batchmean,log_target=0",
   .shape = elem_shape, .scratch = elem_scratch, .forward = kl_forward,
   .backward = kl_backward, .flags = LN_F_SAVE_IN,
   .doc = "PyTorch's convention: input = log q (log-probabilities), target "
          "p: p (log p - input), 0 where p = 0 (log_target: exp(t)(t - "
          "input)); mean over all elements, batchmean over dim 1"},
  {.name = "sigmoid_focal", .min_in = 2, .max_in = 2,
   .attrs = RED3 ",alpha=0.25,gamma=2",
   .shape = elem_shape, .scratch = elem_scratch, .forward = sfocal_forward,
   .backward = sfocal_backward, .flags = LN_F_SAVE_IN,
   .doc = "binary form (torchvision): alpha_t bce_with_logits(x, t) (1 - "
          "p_t)^gamma, p = sigmoid(x), p_t = p t + (1 - p)(1 - t), alpha_t = "
          "alpha t + (1 - alpha)(1 - t) (alpha < 0: 1)",
   .paper = "Lin, Goyal, Girshick, He, Dollar 2017, Focal Loss for Dense "
            "Object Detection, arXiv:1708.02002"},
  {.name = "z_loss", .min_in = 2, .max_in = 2, .attrs = RED3 ",a=1,b=2",
   .shape = z_loss_shape, .scratch = rows_work, .forward = z_loss_forward,
   .backward = z_loss_backward, .validate = labels_validate,
   .flags = LN_F_SAVE_IN | LN_F_NOGRAD_IN1,
   .doc = "z = (o - mean(o)) / std(o) over the C logits (population std); "
          "softplus(a (b - z_y)) / a; shift and scale invariant",
   .paper = "de Brebisson, Vincent 2016, The Z-loss: a shift and scale "
            "invariant classification loss belonging to the Spherical Family, "
            "arXiv:1604.08859"},
  {.name = "l2_svm", .min_in = 2, .max_in = 2, .attrs = RED3 ",margin=1",
   .shape = logits_labels_shape, .scratch = rows_work, .forward = l2_svm_forward,
   .backward = l2_svm_backward, .validate = labels_validate,
   .flags = LN_F_SAVE_IN | LN_F_NOGRAD_IN1,
   .doc = "one-vs-rest squared hinge: sum_k max(0, margin - t_k o_k)^2, t_k = "
          "+1 for the label, -1 otherwise",
   .paper = "Tang 2013, Deep Learning using Linear Support Vector Machines, "
            "arXiv:1306.0239"},
  {.name = "multi_margin", .min_in = 2, .max_in = 2,
   .attrs = RED3 ",p=1,margin=1",
   .shape = multi_margin_shape, .scratch = rows_work,
   .forward = multi_margin_forward, .backward = multi_margin_backward,
   .validate = labels_validate, .flags = LN_F_SAVE_IN | LN_F_NOGRAD_IN1,
   .doc = "sum_{k != y} max(0, margin - o_y + o_k)^p / C, p = 1 or 2 "
          "(PyTorch's multi_margin_loss)"},
  {.name = "focal", .min_in = 2, .max_in = 2,
   .attrs = RED3 ",alpha=0.25,gamma=2",
   .shape = focal_shape, .scratch = rows_work, .forward = focal_forward,
   .backward = focal_backward, .validate = labels_validate,
   .flags = LN_F_SAVE_IN | LN_F_NOGRAD_IN1,
   .doc = "multi-class softmax form: -alpha (1 - p_y)^gamma log p_y, p = "
          "softmax(o); logits [N, C], labels [N] int32 (binary form: "
          "sigmoid_focal)",
   .paper = "Lin, Goyal, Girshick, He, Dollar 2017, Focal Loss for Dense "
            "Object Detection, arXiv:1708.02002"},
  {.name = "stablemax_ce", .min_in = 2, .max_in = 2, .attrs = RED3,
   .shape = logits_labels_shape, .scratch = rows_work,
   .forward = stablemax_ce_forward, .backward = stablemax_ce_backward,
   .validate = labels_validate, .flags = LN_F_SAVE_IN | LN_F_NOGRAD_IN1,
   .doc = "-log(s(o_y) / sum_k s(o_k)), s(x) = x + 1 (x >= 0), 1 / (1 - x) "
          "(x < 0)",
   .paper = "Prieto, Barsbey, Mediano, Birdal 2025, Grokking at the Edge of "
            "Numerical Stability, arXiv:2501.04697"},
  {.name = "soft_infonce", .min_in = 1, .max_in = 2, .attrs = RED3 ",tau=0.05",
   .shape = soft_infonce_shape, .scratch = rows_work,
   .forward = soft_infonce_forward, .backward = soft_infonce_backward,
   .validate = soft_infonce_validate, .flags = LN_F_SAVE_IN,
   .doc = "S [N, N] similarities, positives on the diagonal, W [N, N] >= 0 "
          "optional: -log(e^{S_ii/tau} / (e^{S_ii/tau} + sum_{j != i} W_ij "
          "e^{S_ij/tau})); W = 1: InfoNCE",
   .paper = "Li, Zhou, Luu, Miao 2023, Rethinking Negative Pairs in Code "
            "Search, arXiv:2310.08069"},
  {.name = "router_z_loss", .min_in = 1, .max_in = 1, .attrs = RED3,
   .shape = router_z_loss_shape, .scratch = router_work,
   .forward = router_z_loss_forward, .backward = router_z_loss_backward,
   .flags = LN_F_SAVE_IN,
   .doc = "(log sum_j exp(x_j))^2 per token; router logits [..., E]",
   .paper = "Zoph, Bello, Kumar, Du, Huang, Dean, Shazeer, Fedus 2022, ST-MoE: "
            "Designing Stable and Transferable Sparse Expert Models, "
            "arXiv:2202.08906"},
  {.name = "load_balance", .min_in = 1, .max_in = 1, .attrs = "k=1",
   .shape = load_balance_shape, .scratch = load_balance_scratch,
   .forward = load_balance_forward, .backward = load_balance_backward,
   .flags = LN_F_SAVE_IN,
   .doc = "E sum_i f_i P_i over router logits [..., E]: f_i the fraction of "
          "top-k picks of expert i, P_i its mean softmax probability; a "
          "scalar, gradient through P",
   .paper = "Fedus, Zoph, Shazeer 2021, Switch Transformers: Scaling to "
            "Trillion Parameter Models with Simple and Efficient Sparsity, "
            "arXiv:2101.03961"},
  {.name = "activation_l1", .min_in = 1, .max_in = 2,
   .attrs = "lambda=1,reduction=mean|sum|none",
   .shape = act_l1_shape, .scratch = act_l1_scratch,
   .forward = act_l1_forward, .backward = act_l1_backward,
   .flags = LN_F_SAVE_IN,
   .doc = "lambda * scale * mean(|a|) (reduction mean|sum|none); scale an "
          "optional one-element input (default 1)",
   .paper = "Song et al. 2024, ProSparse: Introducing and Enhancing Intrinsic "
            "Activation Sparsity within Large Language Models, arXiv:2402.13516"},
  {0}
};
