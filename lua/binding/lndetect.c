/*
** lndetect.c -- the binding of the detection kernels (src/detect/ln_detect.c):
** the table 'luanet.core.detect', wrapped by lua/luanet/detect.lua, which
** parses options. Tensors in, new tensors out; indices 1-based; the
** caller's tensors are never written.
*/
#include <stdlib.h>
#include <string.h>
#include "lnbind.h"

static int engine_error (lua_State *L) { return ln_bind_error(L); }

/* push a new tensor (owned by Lua through the metatable's __gc) */
static ln_tensor *push_new (lua_State *L, ln_dtype dt, int ndim, const int *dim) {
  return ln_bind_push(L, ln_tensor_new(dt, ndim, dim));
}

static const char *shape_of (const ln_tensor *t, char *buf, size_t sz) {
  return ln_shape_str(t->ndim, t->dim, buf, sz);
}

/* a float32 tensor N x 4 (N may be 0) at 'arg'; 'what' names it */
static ln_tensor *checkboxes (lua_State *L, int arg, const char *fn,
                              const char *what) {
  LTensor *p = (LTensor *)luaL_testudata(L, arg, LN_TENSOR);
  char buf[96];
  if (p == NULL || p->t == NULL)
    luaL_error(L, "%s: %s must be a tensor, got %s", fn, what, luaL_typename(L, arg));
  if (p->t->dtype != LN_F32 || p->t->ndim != 2 || p->t->dim[1] != 4)
    luaL_error(L, "%s: %s must be a float32 tensor N x 4, got %s %s", fn, what,
               p->t->dtype == LN_F32 ? "float32" : "int32", shape_of(p->t, buf, 96));
  return p->t;
}

/* a 1-D tensor of 'n' entries of type 'dt' at 'arg' */
static ln_tensor *checkvec (lua_State *L, int arg, const char *fn,
                            const char *what, ln_dtype dt, int n) {
  LTensor *p = (LTensor *)luaL_testudata(L, arg, LN_TENSOR);
  char buf[96];
  if (p == NULL || p->t == NULL)
    luaL_error(L, "%s: %s must be a tensor, got %s", fn, what, luaL_typename(L, arg));
  if (p->t->dtype != dt || p->t->ndim != 1 || p->t->dim[0] != n)
    luaL_error(L, "%s: %s must be a %s tensor of %d entries (one per box), got %s %s",
               fn, what, dt == LN_F32 ? "float32" : "int32", n,
               p->t->dtype == LN_F32 ? "float32" : "int32", shape_of(p->t, buf, 96));
  return p->t;
}

static const float *fdata (const ln_tensor *t) { return (const float *)t->data; }

/* detect.convert(boxes, from, to): a new N x 4 tensor */
static int d_convert (lua_State *L) {
  lua_settop(L, 3);   /* results go above the arguments */
  ln_tensor *b = checkboxes(L, 1, "convert", "boxes"), *o;
  int from = luaL_checkoption(L, 2, NULL, ln_boxfmt_names);
  int to = luaL_checkoption(L, 3, NULL, ln_boxfmt_names);
  o = push_new(L, LN_F32, 2, b->dim);
  ln_box_convert(fdata(b), (float *)o->data, b->dim[0], (ln_boxfmt)from, (ln_boxfmt)to);
  return 1;
}

/* detect.check(boxes, fn, arg): raise unless valid xyxy boxes */
static int d_check (lua_State *L) {
  lua_settop(L, 3);   /* results go above the arguments */
  const char *fn = luaL_checkstring(L, 2), *what = luaL_checkstring(L, 3);
  ln_tensor *b = checkboxes(L, 1, fn, what);
  if (ln_box_check(fn, what, fdata(b), b->dim[0]) != LN_OK) return engine_error(L);
  return 0;
}

/* detect.area(boxes, pixel) */
static int d_area (lua_State *L) {
  lua_settop(L, 2);   /* results go above the arguments */
  ln_tensor *b = checkboxes(L, 1, "area", "boxes"), *o;
  o = push_new(L, LN_F32, 1, b->dim);
  if (ln_box_check("area", "boxes", fdata(b), b->dim[0]) != LN_OK) return engine_error(L);
  ln_box_area(fdata(b), b->dim[0], lua_toboolean(L, 2), (float *)o->data);
  return 1;
}

/* detect.iou(a, b, pixel): N x M */
static int d_iou (lua_State *L) {
  lua_settop(L, 3);   /* results go above the arguments */
  ln_tensor *a = checkboxes(L, 1, "iou", "boxes1"), *b = checkboxes(L, 2, "iou", "boxes2"), *o;
  int dim[2];
  if (ln_box_check("iou", "boxes1", fdata(a), a->dim[0]) != LN_OK ||
      ln_box_check("iou", "boxes2", fdata(b), b->dim[0]) != LN_OK) return engine_error(L);
  dim[0] = a->dim[0];
  dim[1] = b->dim[0];
  o = push_new(L, LN_F32, 2, dim);
  ln_box_iou(fdata(a), a->dim[0], fdata(b), b->dim[0], lua_toboolean(L, 3), (float *)o->data);
  return 1;
}

/* scratch of n int32 + n float, owned by a userdata left on the stack */
static void *scratch (lua_State *L, int n) {
  return lua_newuserdatauv(L, (size_t)(n > 0 ? n : 1) * (sizeof(int32_t) + sizeof(float)), 0);
}

/* push keep[0..k-1] as a 1-based int32 tensor, and kept[] when given */
static int push_result (lua_State *L, const int32_t *keep, const float *kept, int k) {
  ln_tensor *t = push_new(L, LN_I32, 1, &k);
  int i;
  for (i = 0; i < k; i++) ((int32_t *)t->data)[i] = keep[i] + 1;
  if (kept == NULL) return 1;
  t = push_new(L, LN_F32, 1, &k);
  if (k > 0) memcpy(t->data, kept, sizeof(float) * (size_t)k);
  return 2;
}

/* the Soft-NMS options at args first..first+5: method, iou, sigma,
** score_threshold, max_det, pixel */
static void read_conf (lua_State *L, int first, ln_nms_conf *c) {
  ln_nms_defaults(c);
  c->method = (ln_nms_method)luaL_checkoption(L, first, "linear", ln_nms_method_names);
  c->iou = luaL_optnumber(L, first + 1, c->iou);
  c->sigma = luaL_optnumber(L, first + 2, c->sigma);
  c->score_threshold = luaL_optnumber(L, first + 3, c->score_threshold);
  c->max_det = (int)luaL_optinteger(L, first + 4, 0);
  c->pixel = lua_toboolean(L, first + 5);
}

/* detect.nms(boxes, scores, iou, pixel, max_det) -> keep */
static int d_nms (lua_State *L) {
  lua_settop(L, 5);   /* scratch goes above the arguments */
  ln_tensor *b = checkboxes(L, 1, "nms", "boxes");
  int n = b->dim[0], k;
  ln_tensor *s = checkvec(L, 2, "nms", "scores", LN_F32, n);
  int32_t *keep = scratch(L, n);
  if (ln_nms(fdata(b), fdata(s), n, luaL_checknumber(L, 3), lua_toboolean(L, 4),
             (int)luaL_optinteger(L, 5, 0), keep, &k) != LN_OK) return engine_error(L);
  return push_result(L, keep, NULL, k);
}

/* detect.soft_nms(boxes, scores, method, iou, sigma, thr, max_det, pixel)
** -> keep, scores */
static int d_soft_nms (lua_State *L) {
  lua_settop(L, 8);   /* scratch goes above the arguments */
  ln_tensor *b = checkboxes(L, 1, "soft_nms", "boxes");
  int n = b->dim[0], k;
  ln_tensor *s = checkvec(L, 2, "soft_nms", "scores", LN_F32, n);
  ln_nms_conf c;
  int32_t *keep;
  read_conf(L, 3, &c);
  keep = scratch(L, n);
  if (ln_soft_nms(fdata(b), fdata(s), n, &c, keep, (float *)(void *)(keep + (n > 0 ? n : 1)), &k)
      != LN_OK) return engine_error(L);
  return push_result(L, keep, (float *)(void *)(keep + (n > 0 ? n : 1)), k);
}

/* detect.batched_nms(boxes, scores, classes, iou, pixel, max_det) -> keep */
static int d_batched_nms (lua_State *L) {
  lua_settop(L, 6);   /* scratch goes above the arguments */
  ln_tensor *b = checkboxes(L, 1, "batched_nms", "boxes");
  int n = b->dim[0], k;
  ln_tensor *s = checkvec(L, 2, "batched_nms", "scores", LN_F32, n);
  ln_tensor *c = checkvec(L, 3, "batched_nms", "classes", LN_I32, n);
  int32_t *keep = scratch(L, n);
  if (ln_batched_nms(fdata(b), fdata(s), (const int32_t *)c->data, n, luaL_checknumber(L, 4),
                     lua_toboolean(L, 5), (int)luaL_optinteger(L, 6, 0), keep, &k) != LN_OK)
    return engine_error(L);
  return push_result(L, keep, NULL, k);
}

/* detect.batched_soft_nms(boxes, scores, classes, method, iou, sigma, thr,
** max_det, pixel) -> keep, scores */
static int d_batched_soft_nms (lua_State *L) {
  lua_settop(L, 9);   /* scratch goes above the arguments */
  ln_tensor *b = checkboxes(L, 1, "batched_soft_nms", "boxes");
  int n = b->dim[0], k;
  ln_tensor *s = checkvec(L, 2, "batched_soft_nms", "scores", LN_F32, n);
  ln_tensor *cl = checkvec(L, 3, "batched_soft_nms", "classes", LN_I32, n);
  ln_nms_conf c;
  int32_t *keep;
  float *kept;
  read_conf(L, 4, &c);
  keep = scratch(L, n);
  kept = (float *)(void *)(keep + (n > 0 ? n : 1));
  if (ln_batched_soft_nms(fdata(b), fdata(s), (const int32_t *)cl->data, n, &c, keep, kept, &k)
      != LN_OK) return engine_error(L);
  return push_result(L, keep, kept, k);
}

/* detect.stack({t1, t2, ...}): one tensor K x shape from K tensors of one
** shape and type (images into a batch) */
static int d_stack (lua_State *L) {
  int k, n, dim[LN_MAX_DIMS];
  ln_tensor *first, *o;
  luaL_checktype(L, 1, LUA_TTABLE);
  lua_settop(L, 1);
  n = (int)luaL_len(L, 1);
  luaL_argcheck(L, n >= 1, 1, "stack: needs at least one tensor");
  lua_geti(L, 1, 1);
  first = ((LTensor *)luaL_checkudata(L, -1, LN_TENSOR))->t;
  luaL_argcheck(L, first != NULL && first->ndim < LN_MAX_DIMS, 1, "stack: bad first tensor");
  dim[0] = n;
  memcpy(dim + 1, first->dim, sizeof(int) * (size_t)first->ndim);
  lua_pop(L, 1);
  o = push_new(L, first->dtype, first->ndim + 1, dim);
  for (k = 0; k < n; k++) {
    ln_tensor *t;
    char a[96], b[96];
    lua_geti(L, 1, k + 1);
    t = ((LTensor *)luaL_checkudata(L, -1, LN_TENSOR))->t;
    if (t == NULL || t->dtype != first->dtype || t->ndim != first->ndim ||
        memcmp(t->dim, first->dim, sizeof(int) * (size_t)t->ndim) != 0)
      return luaL_error(L, "stack: tensor %d is %s, tensor 1 is %s", k + 1,
                        t ? ln_shape_str(t->ndim, t->dim, a, 96) : "freed",
                        ln_shape_str(first->ndim, first->dim, b, 96));
    if (t->n) memcpy((char *)o->data + (size_t)k * first->n * 4, t->data, first->n * 4);
    lua_pop(L, 1);
  }
  return 1;
}

static const luaL_Reg detect_funcs[] = {
  {"stack", d_stack},
  {"convert", d_convert}, {"check", d_check}, {"area", d_area}, {"iou", d_iou},
  {"nms", d_nms}, {"soft_nms", d_soft_nms}, {"batched_nms", d_batched_nms},
  {"batched_soft_nms", d_batched_soft_nms}, {NULL, NULL}
};

/* called by luaopen_luanet_core with the core table on top: adds
** core.detect; the Tensor metatable exists by then */
int ln_open_detect (lua_State *L) {
  luaL_newlib(L, detect_funcs);
  lua_setfield(L, -2, "detect");
  return 0;
}
