/*
** lnlib.c -- the Lua binding "luanet.core": tensors, graphs, models and
** optimizers as userdata; every engine failure becomes a Lua error whose
** message names the function, the argument and the shapes.
*/
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include "lnbind.h"

#define LN_GRAPH  "luanet.Graph"
#define LN_MODEL  "luanet.Model"
#define LN_OPTIM  "luanet.Optim"

typedef struct LGraph { ln_graph *g; int compiled; } LGraph;
typedef struct LModel { ln_model *m; } LModel;
typedef struct LOptim { ln_optim *o; } LOptim;         /* uservalue 1: model */

LUAMOD_API int luaopen_luanet_core (lua_State *L);

static int engine_error (lua_State *L) { return ln_bind_error(L); }

/* {====== Tensors ====== */

static LTensor *checktensor (lua_State *L, int arg) {
  LTensor *p = (LTensor *)luaL_checkudata(L, arg, LN_TENSOR);
  luaL_argcheck(L, p->t != NULL, arg, "tensor has been freed");
  return p;
}

static ln_tensor *totensor (lua_State *L, int arg) { return ln_bind_totensor(L, arg); }

/* push a tensor userdata taking ownership of 't' (NULL: raise) */
static ln_tensor *push_owned (lua_State *L, ln_tensor *t) { return ln_bind_push(L, t); }

/* push a view tensor; the value at 'owner' is kept alive with it */
static void push_view (lua_State *L, ln_tensor *t, int owner) {
  owner = lua_absindex(L, owner);
  push_owned(L, t);
  lua_pushvalue(L, owner);
  lua_setiuservalue(L, -2, 1);
}

static int tensor_gc (lua_State *L) {
  LTensor *p = (LTensor *)luaL_checkudata(L, 1, LN_TENSOR);
  ln_tensor_free(p->t);
  p->t = NULL;
  return 0;
}

static ln_dtype checkdtype (lua_State *L, int arg) {
  static const char *const names[] = {"float32", "int32", NULL};
  return (ln_dtype)luaL_checkoption(L, arg, "float32", names);
}

/* a shape table {2, 3} (or "B" as first entry when 'allow_b') */
static int checkshape (lua_State *L, int arg, int *dim, int allow_b) {
  int n, i;
  luaL_checktype(L, arg, LUA_TTABLE);
  n = (int)luaL_len(L, arg);
  luaL_argcheck(L, n <= LN_MAX_DIMS, arg, "shape has more than 8 dimensions");
  for (i = 0; i < n; i++) {
    int isint;
    lua_Integer v;
    lua_geti(L, arg, i + 1);
    v = lua_tointegerx(L, -1, &isint);
    if (!isint && allow_b && i == 0 && lua_type(L, -1) == LUA_TSTRING &&
        strcmp(lua_tostring(L, -1), "B") == 0)
      dim[i] = LN_BATCH;
    else if (!isint || v < 0 || v > 0x7fffffff)
      return luaL_argerror(L, arg, lua_pushfstring(L,
               "shape entry %d must be a non-negative integer%s, got %s", i + 1,
               allow_b && i == 0 ? " or \"B\"" : "", luaL_tolstring(L, -1, NULL)));
    else dim[i] = (int)v;
    lua_pop(L, 1);
  }
  return n;
}

static void push_shape (lua_State *L, int ndim, const int *dim) {
  int i;
  lua_createtable(L, ndim, 0);
  for (i = 0; i < ndim; i++) {
    lua_pushinteger(L, dim[i]);
    lua_rawseti(L, -2, i + 1);
  }
}

static int l_new (lua_State *L) {   /* core.new(shape, dtype) */
  int dim[LN_MAX_DIMS], n = checkshape(L, 1, dim, 0);
  push_owned(L, ln_tensor_new(checkdtype(L, 2), n, dim));
  return 1;
}

/* find the shape of a nested table */
static int table_shape (lua_State *L, int idx, int *dim) {
  int n = 0;
  lua_pushvalue(L, idx);
  while (lua_type(L, -1) == LUA_TTABLE) {
    if (n == LN_MAX_DIMS) luaL_error(L, "tensor: more than 8 nested levels");
    dim[n++] = (int)luaL_len(L, -1);
    if (dim[n - 1] == 0) break;
    lua_geti(L, -1, 1);
    lua_remove(L, -2);
  }
  lua_pop(L, 1);
  return n;
}

static void fill_from (lua_State *L, int idx, ln_tensor *t, int d, size_t *k) {
  int i;
  if (d == t->ndim) {
    int isnum;
    lua_Number v = lua_tonumberx(L, idx, &isnum);
    if (!isnum) luaL_error(L, "tensor: element %d is not a number", (int)*k + 1);
    if (t->dtype == LN_F32) ((float *)t->data)[*k] = (float)v;
    else ((int32_t *)t->data)[*k] = (int32_t)v;
    (*k)++;
    return;
  }
  if (lua_type(L, idx) != LUA_TTABLE || (int)luaL_len(L, idx) != t->dim[d])
    luaL_error(L, "tensor: ragged nested table (level %d should have %d entries)",
               d + 1, t->dim[d]);
  for (i = 1; i <= t->dim[d]; i++) {
    lua_geti(L, idx, i);
    fill_from(L, lua_gettop(L), t, d + 1, k);
    lua_pop(L, 1);
  }
}

static int l_from_table (lua_State *L) {   /* core.from_table(t, dtype) */
  int dim[LN_MAX_DIMS], n;
  size_t k = 0;
  ln_tensor *t;
  luaL_checktype(L, 1, LUA_TTABLE);
  n = table_shape(L, 1, dim);
  t = push_owned(L, ln_tensor_new(checkdtype(L, 2), n, dim));
  fill_from(L, 1, t, 0, &k);
  return 1;
}

static int l_random (lua_State *L) {   /* core.random(shape, "normal"|"uniform") */
  int dim[LN_MAX_DIMS], n = checkshape(L, 1, dim, 0);
  int normal = luaL_checkoption(L, 2, "normal", (const char *const[]){"uniform", "normal", NULL});
  ln_tensor *t = push_owned(L, ln_tensor_new(LN_F32, n, dim));
  float *x = t->data;
  size_t i;
  for (i = 0; i < t->n; i++) x[i] = (float)(normal ? ln_rand_normal() : ln_rand_uniform());
  return 1;
}

static int t_shape (lua_State *L) {
  ln_tensor *t = checktensor(L, 1)->t;
  push_shape(L, t->ndim, t->dim);
  return 1;
}

static int t_dim (lua_State *L) { lua_pushinteger(L, checktensor(L, 1)->t->ndim); return 1; }
static int t_numel (lua_State *L) { lua_pushinteger(L, (lua_Integer)checktensor(L, 1)->t->n); return 1; }
static int t_dtype (lua_State *L) {
  lua_pushstring(L, checktensor(L, 1)->t->dtype == LN_F32 ? "float32" : "int32");
  return 1;
}

static void push_elem (lua_State *L, const ln_tensor *t, size_t k) {
  if (t->dtype == LN_F32) lua_pushnumber(L, ((float *)t->data)[k]);
  else lua_pushinteger(L, ((int32_t *)t->data)[k]);
}

static void set_elem (ln_tensor *t, size_t k, lua_Number v) {
  if (t->dtype == LN_F32) ((float *)t->data)[k] = (float)v;
  else ((int32_t *)t->data)[k] = (int32_t)v;
}

/* flat offset of 1-based indices at args first..first+ndim-1 */
static size_t checkindex (lua_State *L, const ln_tensor *t, int first) {
  size_t k = 0;
  int d;
  if (lua_gettop(L) - first + 1 != t->ndim)
    luaL_error(L, "get: tensor of rank %d needs %d indices, got %d", t->ndim,
               t->ndim, lua_gettop(L) - first + 1);
  for (d = 0; d < t->ndim; d++) {
    lua_Integer i = luaL_checkinteger(L, first + d);
    if (i < 1 || i > t->dim[d])
      luaL_error(L, "index %d out of range 1..%d in dimension %d", (int)i, t->dim[d], d + 1);
    k = k * (size_t)t->dim[d] + (size_t)(i - 1);
  }
  return k;
}

/* a write through a view may change a parameter's values: tell the
** kernels that keep converted copies of weights (ln_params_changed) */
static void written (const ln_tensor *t) {
  if (!t->owns) ln_params_changed();
}

static int t_get (lua_State *L) {   /* t:get(i, j, ...) (no indices: a scalar) */
  ln_tensor *t = checktensor(L, 1)->t;
  if (lua_gettop(L) == 1 && t->n == 1) { push_elem(L, t, 0); return 1; }
  push_elem(L, t, checkindex(L, t, 2));
  return 1;
}

static int t_set (lua_State *L) {   /* t:set(v, i, j, ...) */
  ln_tensor *t = checktensor(L, 1)->t;
  lua_Number v = luaL_checknumber(L, 2);
  set_elem(t, checkindex(L, t, 3), v);
  written(t);
  return 0;
}

static int t_flat (lua_State *L) {   /* t:flat(k) 1-based, or t:flat(k, v) */
  ln_tensor *t = checktensor(L, 1)->t;
  lua_Integer k = luaL_checkinteger(L, 2);
  luaL_argcheck(L, k >= 1 && (size_t)k <= t->n, 2, "flat index out of range");
  if (lua_gettop(L) >= 3) {
    set_elem(t, (size_t)k - 1, luaL_checknumber(L, 3));
    written(t);
    return 0;
  }
  push_elem(L, t, (size_t)k - 1);
  return 1;
}

/*
** t:flip_bit(k, b): invert bit 'b' (0 = least significant; for float32 23..30
** are the exponent, 31 the sign) of flat element 'k' (1-based), as a
** hardware fault does; returns the new value, which may be Inf or NaN.
** The 4 bytes are touched as an unsigned integer, so flipping the same bit
** again restores the element exactly.
*/
static int t_flip_bit (lua_State *L) {
  ln_tensor *t = checktensor(L, 1)->t;
  lua_Integer k = luaL_checkinteger(L, 2), b = luaL_checkinteger(L, 3);
  uint32_t u;
  if (k < 1 || (size_t)k > t->n)
    return luaL_argerror(L, 2, lua_pushfstring(L, "flip_bit: element %I out of range 1..%I",
                                               k, (lua_Integer)t->n));
  luaL_argcheck(L, b >= 0 && b <= 31, 3,
                lua_pushfstring(L, "flip_bit: bit %I out of range 0..31", b));
  memcpy(&u, (char *)t->data + (size_t)(k - 1) * 4, 4);
  u ^= (uint32_t)1 << b;
  memcpy((char *)t->data + (size_t)(k - 1) * 4, &u, 4);
  push_elem(L, t, (size_t)k - 1);
  return 1;
}

static void totable_rec (lua_State *L, const ln_tensor *t, int d, size_t *k) {
  int i;
  if (d == t->ndim) { push_elem(L, t, (*k)++); return; }
  lua_createtable(L, t->dim[d], 0);
  for (i = 1; i <= t->dim[d]; i++) {
    totable_rec(L, t, d + 1, k);
    lua_rawseti(L, -2, i);
  }
}

static int t_totable (lua_State *L) {
  ln_tensor *t = checktensor(L, 1)->t;
  size_t k = 0;
  totable_rec(L, t, 0, &k);
  return 1;
}

static int t_fill (lua_State *L) {
  ln_tensor *t = checktensor(L, 1)->t;
  lua_Number v = luaL_checknumber(L, 2);
  size_t i;
  for (i = 0; i < t->n; i++) set_elem(t, i, v);
  written(t);
  lua_settop(L, 1);
  return 1;
}

static int t_clone (lua_State *L) {   /* a copy, optionally reshaped */
  ln_tensor *t = checktensor(L, 1)->t, *c;
  int dim[LN_MAX_DIMS], n = t->ndim;
  memcpy(dim, t->dim, sizeof(dim));
  if (!lua_isnoneornil(L, 2)) {
    n = checkshape(L, 2, dim, 0);
    if (ln_shape_numel(n, dim) != t->n) {
      char a[96], b[96];
      return luaL_error(L, "reshape: cannot reshape %s into %s",
                        ln_shape_str(t->ndim, t->dim, a, 96), ln_shape_str(n, dim, b, 96));
    }
  }
  c = push_owned(L, ln_tensor_new(t->dtype, n, dim));
  memcpy(c->data, t->data, t->n * 4);
  return 1;
}

static int t_copy (lua_State *L) {   /* t:copy(src): same numel and dtype */
  ln_tensor *t = checktensor(L, 1)->t, *s = checktensor(L, 2)->t;
  if (t->n != s->n || t->dtype != s->dtype)
    return luaL_error(L, "copy: destination has %d elements (%s), source %d (%s)",
                      (int)t->n, t->dtype ? "int32" : "float32", (int)s->n,
                      s->dtype ? "int32" : "float32");
  memmove(t->data, s->data, t->n * 4);
  written(t);
  lua_settop(L, 1);
  return 1;
}

static int t_rows (lua_State *L) {   /* t:rows(first, count): copy of rows */
  ln_tensor *t = checktensor(L, 1)->t, *c;
  lua_Integer first = luaL_checkinteger(L, 2), count = luaL_checkinteger(L, 3);
  size_t row;
  int dim[LN_MAX_DIMS];
  luaL_argcheck(L, t->ndim >= 1, 1, "rows: tensor has no rows");
  luaL_argcheck(L, first >= 1 && count >= 0 && first - 1 + count <= t->dim[0], 2,
                "rows: range out of bounds");
  memcpy(dim, t->dim, sizeof(dim));
  dim[0] = (int)count;
  row = t->dim[0] ? t->n / (size_t)t->dim[0] : 0;
  c = push_owned(L, ln_tensor_new(t->dtype, t->ndim, dim));
  memcpy(c->data, (char *)t->data + (size_t)(first - 1) * row * 4, (size_t)count * row * 4);
  return 1;
}

static int t_gather_rows (lua_State *L) {   /* t:gather_rows(idx_table, from, count) */
  ln_tensor *t = checktensor(L, 1)->t, *c;
  lua_Integer from = luaL_checkinteger(L, 3), count = luaL_checkinteger(L, 4), i;
  int dim[LN_MAX_DIMS];
  size_t row;
  luaL_checktype(L, 2, LUA_TTABLE);
  luaL_argcheck(L, t->ndim >= 1 && count >= 0, 1, "gather_rows: bad tensor or count");
  memcpy(dim, t->dim, sizeof(dim));
  dim[0] = (int)count;
  row = t->dim[0] ? t->n / (size_t)t->dim[0] : 0;
  c = push_owned(L, ln_tensor_new(t->dtype, t->ndim, dim));
  for (i = 0; i < count; i++) {
    lua_Integer r;
    lua_geti(L, 2, from + i);
    r = lua_tointeger(L, -1);
    lua_pop(L, 1);
    if (r < 1 || r > t->dim[0]) return luaL_error(L, "gather_rows: row %d out of range", (int)r);
    memcpy((char *)c->data + (size_t)i * row * 4, (char *)t->data + (size_t)(r - 1) * row * 4, row * 4);
  }
  return 1;
}

static int t_len (lua_State *L) {
  ln_tensor *t = checktensor(L, 1)->t;
  lua_pushinteger(L, t->ndim ? t->dim[0] : 1);
  return 1;
}

/* summary statistics for printing: min, max, mean (float32 only) */
static int t_stats (lua_State *L) {
  ln_tensor *t = checktensor(L, 1)->t;
  double lo = 0, hi = 0, s = 0;
  size_t i;
  for (i = 0; i < t->n; i++) {
    double v = t->dtype == LN_F32 ? ((float *)t->data)[i] : ((int32_t *)t->data)[i];
    if (i == 0 || v < lo) lo = v;
    if (i == 0 || v > hi) hi = v;
    s += v;
  }
  lua_pushnumber(L, lo); lua_pushnumber(L, hi);
  lua_pushnumber(L, t->n ? s / (double)t->n : 0);
  return 3;
}

/* row-wise argmax of a 2-D float tensor: a table of 0-based class ids */
static int t_argmax_rows (lua_State *L) {
  ln_tensor *t = checktensor(L, 1)->t;
  int r, c, rows, cols;
  luaL_argcheck(L, t->ndim == 2 && t->dtype == LN_F32, 1, "argmax_rows: need a 2-D float32 tensor");
  rows = t->dim[0];
  cols = t->dim[1];
  lua_createtable(L, rows, 0);
  for (r = 0; r < rows; r++) {
    const float *x = (const float *)t->data + (size_t)r * cols;
    int best = 0;
    for (c = 1; c < cols; c++) if (x[c] > x[best]) best = c;
    lua_pushinteger(L, best);
    lua_rawseti(L, -2, r + 1);
  }
  return 1;
}

/* }====== */

/* {====== Op attributes ====== */

/* a pair attribute's value on the stack top: a number (both axes) or
** {h, w} */
static void read_pair (lua_State *L, const char *fn, const char *key, int op,
                       int k, double *attr) {
  double v[2];
  int i;
  if (lua_type(L, -1) == LUA_TNUMBER) {
    ln_op_attr_set_pair(op, attr, k, lua_tonumber(L, -1), lua_tonumber(L, -1));
    return;
  }
  if (lua_type(L, -1) != LUA_TTABLE || luaL_len(L, -1) != 2)
    luaL_error(L, "%s: attribute '%s' must be a number or a pair {h, w}, got %s",
               fn, key, lua_type(L, -1) == LUA_TTABLE ? "a table of another length"
                                                     : luaL_typename(L, -1));
  for (i = 0; i < 2; i++) {
    lua_geti(L, -1, i + 1);
    if (lua_type(L, -1) != LUA_TNUMBER)
      luaL_error(L, "%s: attribute '%s' must be a number or a pair {h, w} of "
                 "numbers, got %s at [%d]", fn, key, luaL_typename(L, -1), i + 1);
    v[i] = lua_tonumber(L, -1);
    lua_pop(L, 1);
  }
  ln_op_attr_set_pair(op, attr, k, v[0], v[1]);
}

/* read attributes from the table at 'arg' into attr/list for 'op' */
static void read_attrs (lua_State *L, int arg, int op, double *attr,
                        int *n_list, int *list) {
  const char *fn = ln_op_name(op);
  ln_op_attr_defaults(op, attr);
  *n_list = 0;
  if (lua_isnoneornil(L, arg)) return;
  luaL_checktype(L, arg, LUA_TTABLE);
  lua_pushnil(L);
  while (lua_next(L, arg)) {
    const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : NULL;
    int k = key ? ln_op_attr_index(op, key) : -1;
    if (key && strcmp(key, "training") == 0) { lua_pop(L, 1); continue; }
    if (k < 0) {
      const char *names[LN_MAX_ATTRS];
      int n = ln_op_attr_names(op, names, LN_MAX_ATTRS), i;
      luaL_Buffer b;
      luaL_buffinit(L, &b);
      for (i = 0; i < n; i++) { if (i) luaL_addstring(&b, ", "); luaL_addstring(&b, names[i]); }
      if (n == 0) luaL_addstring(&b, "none");
      luaL_pushresult(&b);
      luaL_error(L, "%s: unknown attribute '%s' (attributes: %s)", fn,
                 key ? key : "?", lua_tostring(L, -1));
    }
    if (ln_op_attr_is_list(op, k)) {
      int dim[LN_MAX_DIMS], i;
      if (lua_type(L, -1) != LUA_TTABLE)
        luaL_error(L, "%s: attribute '%s' must be a list of integers", fn, key);
      *n_list = (int)luaL_len(L, -1);
      if (*n_list > LN_MAX_DIMS) luaL_error(L, "%s: attribute '%s' has more than 8 entries", fn, key);
      for (i = 0; i < *n_list; i++) {
        lua_geti(L, -1, i + 1);
        if (!lua_isinteger(L, -1)) luaL_error(L, "%s: attribute '%s' must be a list of integers", fn, key);
        dim[i] = (int)lua_tointeger(L, -1);
        lua_pop(L, 1);
        list[i] = dim[i];
      }
    } else if (ln_op_attr_pair(op, k) >= 0) {
      read_pair(L, fn, key, op, k, attr);
    } else if (lua_type(L, -1) == LUA_TSTRING) {
      int e = ln_op_attr_enum(op, k, lua_tostring(L, -1));
      if (e < 0) luaL_error(L, "%s: attribute '%s' cannot be '%s'", fn, key, lua_tostring(L, -1));
      attr[k] = e;
    } else if (lua_type(L, -1) == LUA_TBOOLEAN) attr[k] = lua_toboolean(L, -1);
    else if (lua_type(L, -1) == LUA_TNUMBER) attr[k] = lua_tonumber(L, -1);
    else luaL_error(L, "%s: attribute '%s' must be a number, got %s", fn, key,
                    luaL_typename(L, -1));
    lua_pop(L, 1);
  }
}

static int checkop (lua_State *L, int arg) {
  const char *name = luaL_checkstring(L, arg);
  int op = ln_op_find(name);
  if (op < 0) luaL_argerror(L, arg, lua_pushfstring(L, "unknown op '%s'", name));
  return op;
}

/* core.eager(op, tensors..., attrs): one op on tensors, same kernels as graphs */
static int l_eager (lua_State *L) {
  int op = checkop(L, 1), top = lua_gettop(L), n_in = 0, k, n_list, training = 0;
  int attrs_arg = lua_istable(L, top) ? top : 0, list[LN_MAX_DIMS];
  const ln_tensor *in[LN_MAX_IN];
  double attr[LN_MAX_ATTRS];
  ln_tensor *y;
  for (k = 2; k <= top && k != attrs_arg; k++) {
    if (n_in == LN_MAX_IN) return luaL_error(L, "%s: too many inputs", ln_op_name(op));
    if ((in[n_in++] = totensor(L, k)) == NULL)
      return luaL_error(L, "%s: input %d must be a tensor, got %s", ln_op_name(op), k - 1,
                        luaL_typename(L, k));
  }
  if (attrs_arg) {
    lua_getfield(L, attrs_arg, "training");
    training = lua_toboolean(L, -1);
    lua_pop(L, 1);
  }
  read_attrs(L, attrs_arg ? attrs_arg : top + 1, op, attr, &n_list, list);
  if (ln_op_eval(op, n_in, in, attr, n_list, list, training, &y) != LN_OK)
    return engine_error(L);
  push_owned(L, y);
  return 1;
}

static int l_ops (lua_State *L) {
  int i, n = ln_op_count();
  lua_createtable(L, n, 0);
  for (i = 1; i < n; i++) {
    lua_pushstring(L, ln_op_name(i));
    lua_rawseti(L, -2, i);
  }
  return 1;
}

static void setbool (lua_State *L, const char *field, int v) {
  lua_pushboolean(L, v);
  lua_setfield(L, -2, field);
}

/* attribute k of op: {name, default, list, enum = {...}, positional = i,
** axis, start, stop, batch} (see ln_op.c for the markers) */
static void push_attr_info (lua_State *L, int op, int k, const char *name,
                            double def) {
  const char *e;
  lua_Integer iv;
  int i;
  lua_createtable(L, 0, 9);
  lua_pushstring(L, name); lua_setfield(L, -2, "name");
  if (ln_op_attr_enum_name(op, k, 0)) {
    lua_newtable(L);
    for (i = 0; (e = ln_op_attr_enum_name(op, k, i)) != NULL; i++) {
      lua_pushstring(L, e);
      lua_rawseti(L, -2, i + 1);
    }
    lua_setfield(L, -2, "enum");
    lua_pushstring(L, ln_op_attr_enum_name(op, k, (int)def));
  } else if (ln_op_attr_is_list(op, k)) lua_newtable(L);
  else if (lua_numbertointeger(def, &iv) && (double)iv == def) lua_pushinteger(L, iv);
  else lua_pushnumber(L, def);
  lua_setfield(L, -2, "default");
  if (ln_op_attr_positional(op, k)) {
    lua_pushinteger(L, ln_op_attr_positional(op, k));
    lua_setfield(L, -2, "positional");
  }
  setbool(L, "list", ln_op_attr_is_list(op, k));
  setbool(L, "axis", ln_op_attr_is_axis(op, k));
  setbool(L, "start", ln_op_attr_is_start(op, k));
  setbool(L, "stop", ln_op_attr_is_stop(op, k));
  setbool(L, "batch", ln_op_attr_takes_batch(op, k));
}

/* core.op_info(name): the op's table entry; 'attrs' the spec as written,
** 'attr_info' each attribute parsed, 'positional' the names of the
** positional arguments in order */
static int l_op_info (lua_State *L) {
  int op = checkop(L, 1), i, n;
  ln_opinfo info, *d = &info;
  const char *names[LN_MAX_ATTRS];
  double def[LN_MAX_ATTRS];
  ln_op_info(op, &info);
  lua_createtable(L, 0, 10);
  lua_pushstring(L, d->name); lua_setfield(L, -2, "name");
  lua_pushinteger(L, d->min_in); lua_setfield(L, -2, "min_in");
  lua_pushinteger(L, d->max_in); lua_setfield(L, -2, "max_in");
  lua_pushstring(L, d->doc); lua_setfield(L, -2, "doc");
  lua_pushstring(L, d->paper); lua_setfield(L, -2, "paper");
  lua_pushstring(L, d->attrs); lua_setfield(L, -2, "attrs");
  lua_pushboolean(L, d->has_grad); lua_setfield(L, -2, "has_grad");
  n = ln_op_attr_names(op, names, LN_MAX_ATTRS);
  ln_op_attr_defaults(op, def);
  lua_createtable(L, n, 0);
  for (i = 0; i < n; i++) { lua_pushstring(L, names[i]); lua_rawseti(L, -2, i + 1); }
  lua_setfield(L, -2, "attr_names");
  lua_createtable(L, n, 0);
  for (i = 0; i < n; i++) {
    push_attr_info(L, op, i, names[i], def[i]);
    lua_rawseti(L, -2, i + 1);
  }
  lua_setfield(L, -2, "attr_info");
  lua_createtable(L, n, 0);
  for (i = 0; i < n; i++)
    if (ln_op_attr_positional(op, i)) {
      lua_pushstring(L, names[i]);
      lua_rawseti(L, -2, ln_op_attr_positional(op, i));
    }
  lua_setfield(L, -2, "positional");
  return 1;
}

/* }====== */

/* {====== Graphs ====== */

static LGraph *checkgraph (lua_State *L, int arg) {
  LGraph *p = (LGraph *)luaL_checkudata(L, arg, LN_GRAPH);
  if (p->compiled) luaL_error(L, "graph has been compiled into a model; use the model");
  luaL_argcheck(L, p->g != NULL, arg, "graph has been freed");
  return p;
}

static int l_graph (lua_State *L) {
  LGraph *p = (LGraph *)lua_newuserdatauv(L, sizeof(LGraph), 0);
  p->g = NULL;
  p->compiled = 0;
  luaL_setmetatable(L, LN_GRAPH);
  if (ln_graph_new(&p->g) != LN_OK) return engine_error(L);
  return 1;
}

static int graph_gc (lua_State *L) {
  LGraph *p = (LGraph *)luaL_checkudata(L, 1, LN_GRAPH);
  if (!p->compiled) ln_graph_free(p->g);
  p->g = NULL;
  return 0;
}

/* node ids are 1-based in Lua */
static int checknode (lua_State *L, ln_graph *g, int arg) {
  lua_Integer id = luaL_checkinteger(L, arg);
  if (id < 1 || id > ln_graph_size(g))
    luaL_argerror(L, arg, lua_pushfstring(L, "no node #%d in this graph", (int)id));
  return (int)id - 1;
}

static const char *optname (lua_State *L, int arg) {
  return lua_isnoneornil(L, arg) ? NULL : luaL_checkstring(L, arg);
}

static int g_input (lua_State *L) {   /* g:input(name, shape, dtype) */
  ln_graph *g = checkgraph(L, 1)->g;
  const char *name = luaL_checkstring(L, 2);
  int dim[LN_MAX_DIMS], n = checkshape(L, 3, dim, 1), id;
  if (ln_graph_input(g, name, checkdtype(L, 4), n, dim, &id) != LN_OK) return engine_error(L);
  lua_pushinteger(L, id + 1);
  return 1;
}

static int g_param (lua_State *L) {   /* g:param(name, shape, init, a) */
  ln_graph *g = checkgraph(L, 1)->g;
  const char *name = optname(L, 2);
  int dim[LN_MAX_DIMS], n = checkshape(L, 3, dim, 0), id;
  int how = luaL_checkoption(L, 4, "kaiming_uniform", ln_init_names);
  if (ln_graph_param(g, name, n, dim, (ln_init)how, luaL_optnumber(L, 5, 0), &id) != LN_OK)
    return engine_error(L);
  lua_pushinteger(L, id + 1);
  return 1;
}

static int g_buffer (lua_State *L) {   /* g:buffer(name, shape, value) */
  ln_graph *g = checkgraph(L, 1)->g;
  const char *name = optname(L, 2);
  int dim[LN_MAX_DIMS], n = checkshape(L, 3, dim, 0), id;
  if (ln_graph_buffer(g, name, n, dim, luaL_optnumber(L, 4, 0), &id) != LN_OK)
    return engine_error(L);
  lua_pushinteger(L, id + 1);
  return 1;
}

static int g_const (lua_State *L) {   /* g:const(tensor, name) */
  ln_graph *g = checkgraph(L, 1)->g;
  ln_tensor *t = checktensor(L, 2)->t;
  int id;
  if (ln_graph_const(g, optname(L, 3), t, &id) != LN_OK) return engine_error(L);
  lua_pushinteger(L, id + 1);
  return 1;
}

static int g_op (lua_State *L) {   /* g:op(name, id..., attrs) */
  ln_graph *g = checkgraph(L, 1)->g;
  int op = checkop(L, 2), top = lua_gettop(L), in[LN_MAX_IN], n_in = 0, k;
  int attrs_arg = lua_istable(L, top) ? top : 0, n_list, list[LN_MAX_DIMS], id;
  double attr[LN_MAX_ATTRS];
  for (k = 3; k <= top && k != attrs_arg; k++) {
    if (n_in == LN_MAX_IN) return luaL_error(L, "%s: too many inputs", ln_op_name(op));
    if (!lua_isinteger(L, k))
      return luaL_error(L, "%s: input %d must be a node, got %s", ln_op_name(op),
                        n_in + 1, luaL_typename(L, k));
    in[n_in++] = checknode(L, g, k);
  }
  read_attrs(L, attrs_arg ? attrs_arg : top + 1, op, attr, &n_list, list);
  if (ln_graph_op(g, op, n_in, in, attr, n_list, list, &id) != LN_OK) return engine_error(L);
  lua_pushinteger(L, id + 1);
  return 1;
}

static int g_size (lua_State *L) { lua_pushinteger(L, ln_graph_size(checkgraph(L, 1)->g)); return 1; }

static const char *const leaf_names[] = {"op", "input", "param", "buffer", "const", NULL};

/* a table describing node 'id' (0-based) */
static void push_node_info (lua_State *L, ln_graph *g, int id) {
  ln_node *n = ln_graph_node(g, id);
  ln_leaf leaf = ln_node_leaf(n);
  ln_tensor *store = ln_node_store(n);
  int k;
  lua_createtable(L, 0, 8);
  lua_pushinteger(L, id + 1); lua_setfield(L, -2, "id");
  lua_pushstring(L, leaf ? leaf_names[leaf] : ln_op_name(ln_node_op(n)));
  lua_setfield(L, -2, "op");
  lua_pushstring(L, leaf_names[leaf]); lua_setfield(L, -2, "kind");
  lua_pushstring(L, ln_node_name(n)); lua_setfield(L, -2, "name");
  lua_pushstring(L, ln_node_dtype(n) == LN_F32 ? "float32" : "int32"); lua_setfield(L, -2, "dtype");
  push_shape(L, ln_node_ndim(n), ln_node_dims(n)); lua_setfield(L, -2, "shape");
  lua_pushboolean(L, ln_node_batched(n)); lua_setfield(L, -2, "batched");
  lua_createtable(L, ln_node_n_in(n), 0);
  for (k = 0; k < ln_node_n_in(n); k++) {
    lua_pushinteger(L, ln_node_id(ln_node_in(n, k)) + 1);
    lua_rawseti(L, -2, k + 1);
  }
  lua_setfield(L, -2, "inputs");
  lua_pushinteger(L, store ? (lua_Integer)store->n : 0); lua_setfield(L, -2, "numel");
}

static int g_node (lua_State *L) {
  ln_graph *g = checkgraph(L, 1)->g;
  push_node_info(L, g, checknode(L, g, 2));
  return 1;
}

static int g_find (lua_State *L) {
  ln_graph *g = checkgraph(L, 1)->g;
  int id = ln_graph_find(g, luaL_checkstring(L, 2));
  if (id < 0) lua_pushnil(L); else lua_pushinteger(L, id + 1);
  return 1;
}

static int g_set_name (lua_State *L) {
  ln_graph *g = checkgraph(L, 1)->g;
  if (ln_graph_set_name(g, checknode(L, g, 2), luaL_checkstring(L, 3)) != LN_OK)
    return engine_error(L);
  return 0;
}

static int g_value (lua_State *L) {   /* g:value(id): a param/buffer/const's tensor */
  ln_graph *g = checkgraph(L, 1)->g;
  int id = checknode(L, g, 2);
  ln_tensor *st = ln_node_store(ln_graph_node(g, id));
  if (st == NULL) return luaL_error(L, "value: node #%d has no stored value before compile", id + 1);
  push_view(L, ln_tensor_view(st->dtype, st->ndim, st->dim, st->data), 1);
  return 1;
}

static int graph_tostring (lua_State *L) {
  LGraph *p = (LGraph *)luaL_checkudata(L, 1, LN_GRAPH);
  if (p->compiled) lua_pushstring(L, "luanet.Graph (compiled)");
  else if (p->g == NULL) lua_pushstring(L, "luanet.Graph (freed)");
  else lua_pushfstring(L, "luanet.Graph (%d nodes)", ln_graph_size(p->g));
  return 1;
}

/* }====== */

/* {====== Models ====== */

static LModel *checkmodel (lua_State *L, int arg) {
  LModel *p = (LModel *)luaL_checkudata(L, arg, LN_MODEL);
  luaL_argcheck(L, p->m != NULL, arg, "model has been freed");
  return p;
}

static LModel *new_model (lua_State *L) {
  LModel *p = (LModel *)lua_newuserdatauv(L, sizeof(LModel), 0);
  p->m = NULL;
  luaL_setmetatable(L, LN_MODEL);
  return p;
}

/* core.compile(g, loss_id|nil, {output ids}, batch, fuse) */
static int l_compile (lua_State *L) {
  LGraph *gp = checkgraph(L, 1);
  int loss = (int)luaL_optinteger(L, 2, 0) - 1, outs[64], n_out = 0, i;
  lua_Integer batch = luaL_checkinteger(L, 4);
  LModel *p;
  if (!lua_isnoneornil(L, 3)) {
    luaL_checktype(L, 3, LUA_TTABLE);
    n_out = (int)luaL_len(L, 3);
    luaL_argcheck(L, n_out <= 64, 3, "at most 64 outputs");
    for (i = 0; i < n_out; i++) {
      lua_geti(L, 3, i + 1);
      outs[i] = checknode(L, gp->g, -1);
      lua_pop(L, 1);
    }
  }
  luaL_argcheck(L, batch >= 1 && batch <= 0x7fffffff, 4, "batch must be a positive integer");
  if (loss >= 0) { lua_pushinteger(L, loss + 1); checknode(L, gp->g, -1); lua_pop(L, 1); }
  p = new_model(L);
  if (ln_model_compile_ex(gp->g, (int)batch, loss, n_out, outs,
                          lua_isnoneornil(L, 5) || lua_toboolean(L, 5) ? 0 : LN_COMPILE_NOFUSE,
                          &p->m) != LN_OK)
    return engine_error(L);
  gp->compiled = 1;   /* the model owns the graph now */
  return 1;
}

static int model_gc (lua_State *L) {
  LModel *p = (LModel *)luaL_checkudata(L, 1, LN_MODEL);
  ln_model_free(p->m);
  p->m = NULL;
  return 0;
}

/* m:chains() -> chains fused, nodes in them, values kept in cache only */
static int m_chains (lua_State *L) {
  int c, n, e;
  ln_model_chains(checkmodel(L, 1)->m, &c, &n, &e);
  lua_pushinteger(L, c);
  lua_pushinteger(L, n);
  lua_pushinteger(L, e);
  return 3;
}

static int m_feed (lua_State *L) {   /* m:feed(name, tensor) */
  ln_model *m = checkmodel(L, 1)->m;
  const char *name = luaL_checkstring(L, 2);
  ln_tensor *t = totensor(L, 3);
  if (t == NULL) return luaL_error(L, "feed: input '%s' must be a tensor, got %s", name, luaL_typename(L, 3));
  if (ln_model_feed(m, name, t) != LN_OK) return engine_error(L);
  return 0;
}

static int m_forward (lua_State *L) {
  if (ln_model_forward(checkmodel(L, 1)->m, lua_toboolean(L, 2)) != LN_OK) return engine_error(L);
  return 0;
}

static int m_backward (lua_State *L) {
  if (ln_model_backward(checkmodel(L, 1)->m) != LN_OK) return engine_error(L);
  return 0;
}

static int m_value (lua_State *L) {   /* m:value(id): a view, valid until the next run */
  ln_model *m = checkmodel(L, 1)->m;
  int id = checknode(L, ln_model_graph(m), 2);
  ln_tensor *t = ln_model_value(m, id);
  if (t == NULL) return engine_error(L);
  push_view(L, t, 1);
  return 1;
}

static int m_scalar (lua_State *L) {   /* m:scalar(id): first element as a number */
  ln_model *m = checkmodel(L, 1)->m;
  int id = checknode(L, ln_model_graph(m), 2);
  ln_tensor *t = ln_model_value(m, id);
  lua_Number v;
  if (t == NULL) return engine_error(L);
  v = t->dtype == LN_F32 ? ((float *)t->data)[0] : ((int32_t *)t->data)[0];
  ln_tensor_free(t);
  lua_pushnumber(L, v);
  return 1;
}

static int m_grad (lua_State *L) {
  ln_model *m = checkmodel(L, 1)->m;
  int id = checknode(L, ln_model_graph(m), 2);
  ln_tensor *t = ln_model_gradval(m, id);
  if (t == NULL) return engine_error(L);
  push_view(L, t, 1);
  return 1;
}

static int m_params (lua_State *L) {   /* list of param ids */
  ln_model *m = checkmodel(L, 1)->m;
  int n = ln_model_params(m, NULL, 0), i, *ids = lua_newuserdatauv(L, sizeof(int) * ((size_t)n + 1), 0);
  ln_model_params(m, ids, n);
  lua_createtable(L, n, 0);
  for (i = 0; i < n; i++) { lua_pushinteger(L, ids[i] + 1); lua_rawseti(L, -2, i + 1); }
  return 1;
}

static int m_order (lua_State *L) {
  ln_model *m = checkmodel(L, 1)->m;
  int n = ln_model_order(m, NULL, 0), i, *ids = lua_newuserdatauv(L, sizeof(int) * ((size_t)n + 1), 0);
  ln_model_order(m, ids, n);
  lua_createtable(L, n, 0);
  for (i = 0; i < n; i++) { lua_pushinteger(L, ids[i] + 1); lua_rawseti(L, -2, i + 1); }
  return 1;
}

static int m_memory (lua_State *L) {
  size_t planned, naive;
  ln_model_memory(checkmodel(L, 1)->m, &planned, &naive);
  lua_pushinteger(L, (lua_Integer)planned);
  lua_pushinteger(L, (lua_Integer)naive);
  return 2;
}

static int m_profile (lua_State *L) {   /* m:profile(on) */
  if (ln_model_profile(checkmodel(L, 1)->m, lua_toboolean(L, 2)) != LN_OK) return engine_error(L);
  return 0;
}

static int m_times (lua_State *L) {   /* m:times(id) -> forward, backward seconds */
  ln_model *m = checkmodel(L, 1)->m;
  double f, b;
  ln_model_times(m, checknode(L, ln_model_graph(m), 2), &f, &b);
  lua_pushnumber(L, f);
  lua_pushnumber(L, b);
  return 2;
}

/* m:precision() -> "fp32" | "bf16"; m:precision("bf16") sets it */
static int m_precision (lua_State *L) {
  ln_model *m = checkmodel(L, 1)->m;
  static const char *const names[] = {"fp32", "bf16", NULL};
  if (!lua_isnoneornil(L, 2)) {
    int p = luaL_checkoption(L, 2, NULL, names);
    if (ln_model_set_precision(m, (ln_precision)p) != LN_OK) return engine_error(L);
  }
  lua_pushstring(L, names[ln_model_precision(m)]);
  return 1;
}

static int m_kernel (lua_State *L) {   /* m:kernel(id) -> "oneDNN ...", "" */
  ln_model *m = checkmodel(L, 1)->m;
  lua_pushstring(L, ln_model_kernel(m, checknode(L, ln_model_graph(m), 2)));
  return 1;
}

static int m_node (lua_State *L) {
  ln_model *m = checkmodel(L, 1)->m;
  push_node_info(L, ln_model_graph(m), checknode(L, ln_model_graph(m), 2));
  return 1;
}

static int m_size (lua_State *L) { lua_pushinteger(L, ln_graph_size(ln_model_graph(checkmodel(L, 1)->m))); return 1; }
static int m_loss (lua_State *L) {
  int id = ln_model_loss(checkmodel(L, 1)->m);
  if (id < 0) lua_pushnil(L); else lua_pushinteger(L, id + 1);
  return 1;
}
static int m_outputs (lua_State *L) {
  ln_model *m = checkmodel(L, 1)->m;
  int i, n = ln_model_n_outputs(m);
  lua_createtable(L, n, 0);
  for (i = 0; i < n; i++) { lua_pushinteger(L, ln_model_output(m, i) + 1); lua_rawseti(L, -2, i + 1); }
  return 1;
}
static int m_find (lua_State *L) {
  int id = ln_graph_find(ln_model_graph(checkmodel(L, 1)->m), luaL_checkstring(L, 2));
  if (id < 0) lua_pushnil(L); else lua_pushinteger(L, id + 1);
  return 1;
}
/* m:batch(): the batch of the last feed (the run-time size); m:max_batch():
** the compiled maximum -- the names of ln_model_batch/ln_model_max_batch */
static int m_batch (lua_State *L) { lua_pushinteger(L, ln_model_batch(checkmodel(L, 1)->m)); return 1; }
static int m_max_batch (lua_State *L) { lua_pushinteger(L, ln_model_max_batch(checkmodel(L, 1)->m)); return 1; }

static LOptim *checkoptim (lua_State *L, int arg);

/* m:save(path, optim, extra): 'extra', a string kept verbatim (a training
** loop's position) */
static int m_save (lua_State *L) {
  ln_model *m = checkmodel(L, 1)->m;
  const char *path = luaL_checkstring(L, 2);
  ln_optim *o = lua_isnoneornil(L, 3) ? NULL : checkoptim(L, 3)->o;
  size_t n = 0;
  const char *extra = luaL_optlstring(L, 4, NULL, &n);
  if (ln_model_save_ex(m, o, extra, n, path) != LN_OK) return engine_error(L);
  return 0;
}

/* m:restore(path, optim|nil) -> the 'extra' string saved, or nil: values,
** optimizer configuration, steps and state from a checkpoint */
static int m_restore (lua_State *L) {
  ln_model *m = checkmodel(L, 1)->m;
  const char *path = luaL_checkstring(L, 2);
  ln_optim *o = lua_isnoneornil(L, 3) ? NULL : checkoptim(L, 3)->o;
  void *extra = NULL;
  size_t n = 0;
  if (ln_model_restore(m, o, path, &extra, &n) != LN_OK) return engine_error(L);
  if (extra) lua_pushlstring(L, extra, n);
  else lua_pushnil(L);
  free(extra);
  return 1;
}

static void push_optim (lua_State *L, ln_optim *o, int model);

static int l_load (lua_State *L) {   /* core.load(path) -> model, optim|nil */
  const char *path = luaL_checkstring(L, 1);
  LModel *p = new_model(L);
  ln_optim *o = NULL;
  if (ln_model_load(path, &p->m, &o) != LN_OK) return engine_error(L);
  if (o) push_optim(L, o, -1);
  else lua_pushnil(L);
  return 2;
}

static int model_tostring (lua_State *L) {
  LModel *p = (LModel *)luaL_checkudata(L, 1, LN_MODEL);
  if (p->m == NULL) lua_pushstring(L, "luanet.Model (freed)");
  else lua_pushfstring(L, "luanet.Model (%d nodes)", ln_graph_size(ln_model_graph(p->m)));
  return 1;
}

/* }====== */

/* {====== Optimizers ====== */

static LOptim *checkoptim (lua_State *L, int arg) {
  LOptim *p = (LOptim *)luaL_checkudata(L, arg, LN_OPTIM);
  luaL_argcheck(L, p->o != NULL, arg, "optimizer has been freed");
  return p;
}

/* push an optimizer userdata owning 'o'; the model at 'model' kept alive */
static void push_optim (lua_State *L, ln_optim *o, int model) {
  LOptim *p;
  model = lua_absindex(L, model);
  p = (LOptim *)lua_newuserdatauv(L, sizeof(LOptim), 1);
  p->o = o;
  luaL_setmetatable(L, LN_OPTIM);
  lua_pushvalue(L, model);
  lua_setiuservalue(L, -2, 1);
}

/* the options, named by the engine's table (ln_optconf_field) */
static int conf_field (const char *key) { return ln_optconf_find(key); }

/* "lr, momentum, ..." for 'kind' (-1: every option) into 'b' */
static void conf_keys (lua_State *L, int kind, luaL_Buffer *b) {
  const ln_optfield *f;
  int k, first = 1;
  luaL_buffinit(L, b);
  for (k = 0; (f = ln_optconf_field(k)) != NULL; k++) {
    if (kind >= 0 && !(f->kinds & (1u << kind))) continue;
    if (!first) luaL_addstring(b, ", ");
    luaL_addstring(b, f->name);
    first = 0;
  }
  if (kind < 0 || (ln_optconf_field(conf_field("beta1"))->kinds & (1u << kind)))
    luaL_addstring(b, ", betas");
}

/* option k (key 'key') from the value on top of the stack, checked by type */
static void set_option (lua_State *L, ln_optconf *c, int k, const char *key) {
  if (ln_optconf_field(k)->type == LN_OPTF_BOOL) {
    if (!lua_isboolean(L, -1))
      luaL_error(L, "optim: option '%s' must be a boolean, got %s", key, luaL_typename(L, -1));
    ln_optconf_set(c, k, lua_toboolean(L, -1));
  } else {
    if (lua_type(L, -1) != LUA_TNUMBER)
      luaL_error(L, "optim: option '%s' must be a number, got %s", key, luaL_typename(L, -1));
    ln_optconf_set(c, k, lua_tonumber(L, -1));
  }
}

/* set fields of 'c' from the table at 'arg', options of optimizer 'kind' */
static void read_conf (lua_State *L, int arg, int kind, ln_optconf *c) {
  if (lua_isnoneornil(L, arg)) return;
  luaL_checktype(L, arg, LUA_TTABLE);
  lua_pushnil(L);
  while (lua_next(L, arg)) {
    const char *key = lua_type(L, -2) == LUA_TSTRING ? lua_tostring(L, -2) : "?";
    int k = conf_field(strcmp(key, "betas") == 0 ? "beta1" : key);
    if (k < 0 || !(ln_optconf_field(k)->kinds & (1u << kind))) {
      luaL_Buffer b;
      conf_keys(L, kind, &b);
      luaL_pushresult(&b);
      luaL_error(L, "optim: %s option '%s' for %s (its options: %s)",
                 k < 0 ? "unknown" : "no", key, ln_opt_names[kind], lua_tostring(L, -1));
    }
    if (strcmp(key, "betas") == 0) {
      luaL_argcheck(L, lua_istable(L, -1), arg, "optim: betas must be a table {beta1, beta2}");
      lua_geti(L, -1, 1); c->beta1 = luaL_checknumber(L, -1); lua_pop(L, 1);
      lua_geti(L, -1, 2); c->beta2 = luaL_checknumber(L, -1); lua_pop(L, 1);
    } else set_option(L, c, k, key);
    lua_pop(L, 1);
  }
}

static int l_optim (lua_State *L) {   /* core.optim(model, kind, conf) */
  ln_model *m = checkmodel(L, 1)->m;
  int kind = luaL_checkoption(L, 2, NULL, ln_opt_names);
  ln_optconf c;
  ln_optim *o;
  ln_optconf_defaults((ln_optkind)kind, &c);
  read_conf(L, 3, kind, &c);
  if (ln_optim_new(m, (ln_optkind)kind, &c, &o) != LN_OK) return engine_error(L);
  push_optim(L, o, 1);
  return 1;
}

static int o_step (lua_State *L) {
  double norm;
  if (ln_optim_step(checkoptim(L, 1)->o, &norm) != LN_OK) return engine_error(L);
  lua_pushnumber(L, norm);
  return 1;
}

static int o_set (lua_State *L) {
  ln_optim *o = checkoptim(L, 1)->o;
  ln_optconf c = *ln_optim_conf(o);
  read_conf(L, 2, (int)ln_optim_kind(o), &c);
  if (ln_optim_set_conf(o, &c) != LN_OK) return engine_error(L);
  return 0;
}

static int o_get (lua_State *L) {
  ln_optconf *c = ln_optim_conf(checkoptim(L, 1)->o);
  const char *key = luaL_checkstring(L, 2);
  int k = conf_field(key);
  if (k < 0) {
    luaL_Buffer b;
    conf_keys(L, -1, &b);
    luaL_pushresult(&b);
    return luaL_error(L, "optim: unknown option '%s' (options: %s)", key, lua_tostring(L, -1));
  }
  if (ln_optconf_field(k)->type == LN_OPTF_BOOL) lua_pushboolean(L, ln_optconf_get(c, k) != 0);
  else lua_pushnumber(L, ln_optconf_get(c, k));
  return 1;
}

/* core.optim_fields() -> {{name, type, kinds = {sgd = true, ...},
** default = {sgd = v, ...}, doc}, ...}: the engine's table, for the docs */
static int l_optim_fields (lua_State *L) {
  const ln_optfield *f;
  int k, j;
  lua_newtable(L);
  for (k = 0; (f = ln_optconf_field(k)) != NULL; k++) {
    lua_createtable(L, 0, 5);
    lua_pushstring(L, f->name); lua_setfield(L, -2, "name");
    lua_pushstring(L, f->type == LN_OPTF_BOOL ? "boolean" : "number"); lua_setfield(L, -2, "type");
    lua_pushstring(L, f->doc); lua_setfield(L, -2, "doc");
    lua_newtable(L);
    lua_newtable(L);
    for (j = 0; j < LN_OPT_COUNT; j++) {
      if (!(f->kinds & (1u << j))) continue;
      lua_pushboolean(L, 1); lua_setfield(L, -3, ln_opt_names[j]);
      if (f->type == LN_OPTF_BOOL) lua_pushboolean(L, f->def[j] != 0);
      else lua_pushnumber(L, f->def[j]);
      lua_setfield(L, -2, ln_opt_names[j]);
    }
    lua_setfield(L, -3, "default");
    lua_setfield(L, -2, "kinds");
    lua_rawseti(L, -2, k + 1);
  }
  return 1;
}

static int o_steps (lua_State *L) { lua_pushinteger(L, ln_optim_steps(checkoptim(L, 1)->o)); return 1; }
static int o_kind (lua_State *L) { lua_pushstring(L, ln_opt_names[ln_optim_kind(checkoptim(L, 1)->o)]); return 1; }

static int optim_gc (lua_State *L) {
  LOptim *p = (LOptim *)luaL_checkudata(L, 1, LN_OPTIM);
  ln_optim_free(p->o);
  p->o = NULL;
  return 0;
}

static int optim_tostring (lua_State *L) {
  LOptim *p = (LOptim *)luaL_checkudata(L, 1, LN_OPTIM);
  if (p->o == NULL) lua_pushstring(L, "luanet.Optim (freed)");
  else lua_pushfstring(L, "luanet.Optim (%s, lr=%f, step %d)", ln_opt_names[ln_optim_kind(p->o)],
                       ln_optim_conf(p->o)->lr, (int)ln_optim_steps(p->o));
  return 1;
}

static int l_clip_grad_norm (lua_State *L) {
  double norm = ln_clip_grad_norm(checkmodel(L, 1)->m, luaL_checknumber(L, 2));
  if (norm < 0) return engine_error(L);
  lua_pushnumber(L, norm);
  return 1;
}

/* core.orthograd(model, renorm): project the gradients (see ln_orthograd) */
static int l_orthograd (lua_State *L) {
  lua_pushnumber(L, ln_orthograd(checkmodel(L, 1)->m, lua_toboolean(L, 2)));
  return 1;
}

/* }====== */

/* {====== Files and configuration ====== */

static int l_idx_load (lua_State *L) {
  ln_tensor *t;
  if (ln_idx_load(luaL_checkstring(L, 1), lua_isnone(L, 2) ? 1 : lua_toboolean(L, 2), &t) != LN_OK)
    return engine_error(L);
  push_owned(L, t);
  return 1;
}

static int l_npy_load (lua_State *L) {
  ln_tensor *t;
  if (ln_npy_load(luaL_checkstring(L, 1), &t) != LN_OK) return engine_error(L);
  push_owned(L, t);
  return 1;
}

static int l_npy_save (lua_State *L) {
  if (ln_npy_save(luaL_checkstring(L, 1), checktensor(L, 2)->t) != LN_OK) return engine_error(L);
  return 0;
}

static int l_png_load (lua_State *L) {
  ln_tensor *t;
  if (ln_png_load(luaL_checkstring(L, 1), &t) != LN_OK) return engine_error(L);
  push_owned(L, t);
  return 1;
}

/* core.png_save(path, tensor) or core.png_save(path, values, c, h, w) */
static int l_png_save (lua_State *L) {
  const char *path = luaL_checkstring(L, 1);
  ln_tensor *t = totensor(L, 2);
  int rc;
  if (t == NULL) {
    int dim[3];
    size_t i;
    luaL_checktype(L, 2, LUA_TTABLE);
    dim[0] = (int)luaL_checkinteger(L, 3);
    dim[1] = (int)luaL_checkinteger(L, 4);
    dim[2] = (int)luaL_checkinteger(L, 5);
    t = push_owned(L, ln_tensor_new(LN_F32, 3, dim));
    if ((size_t)luaL_len(L, 2) < t->n)
      return luaL_error(L, "png_save: %d values given, %d needed", (int)luaL_len(L, 2), (int)t->n);
    for (i = 0; i < t->n; i++) {
      lua_geti(L, 2, (lua_Integer)i + 1);
      ((float *)t->data)[i] = (float)lua_tonumber(L, -1);
      lua_pop(L, 1);
    }
  }
  rc = ln_png_save(path, t);
  if (rc != LN_OK) return engine_error(L);
  return 0;
}

static int l_seed (lua_State *L) {
  ln_seed((uint64_t)luaL_checkinteger(L, 1));
  return 0;
}

/* core.rng_state() -> the generator's state (a string of 32 bytes);
** core.rng_state(s) sets it: the stream goes on from where it was read */
static int l_rng_state (lua_State *L) {
  uint64_t st[LN_RNG_WORDS];
  if (!lua_isnoneornil(L, 1)) {
    size_t n;
    const char *s = luaL_checklstring(L, 1, &n);
    luaL_argcheck(L, n == sizeof(st), 1, "rng_state: a state is 32 bytes, as rng_state() returns it");
    memcpy(st, s, sizeof(st));
    if (ln_rng_set(st) != LN_OK) return engine_error(L);
  }
  ln_rng_get(st);
  lua_pushlstring(L, (const char *)st, sizeof(st));
  return 1;
}

static int l_threads (lua_State *L) {
  if (!lua_isnoneornil(L, 1)) {
    lua_Integer n = luaL_checkinteger(L, 1);
    luaL_argcheck(L, n >= 1 && n <= 4096, 1, "thread count must be in 1..4096");
    ln_set_threads((int)n);
  }
  lua_pushinteger(L, ln_get_threads());
  return 1;
}

static int l_wall (lua_State *L) {   /* monotonic seconds */
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  lua_pushnumber(L, (lua_Number)ts.tv_sec + 1e-9 * (lua_Number)ts.tv_nsec);
  return 1;
}

static int l_isatty (lua_State *L) {   /* core.isatty(fd) */
  lua_pushboolean(L, isatty((int)luaL_checkinteger(L, 1)));
  return 1;
}

static int l_blas (lua_State *L) {
  lua_pushstring(L, ln_blas_core());
  lua_pushstring(L, ln_blas_info());
  return 2;
}

/* core.dnnl() -> "oneDNN 2.6.3", its ISA here, the engine's bf16 path,
** the kernel policy (LUANET_KERNELS: "auto", "onednn", "openblas") */
static int l_dnnl (lua_State *L) {
  lua_pushstring(L, ln_dnnl_info());
  lua_pushstring(L, ln_dnnl_isa_info());
  lua_pushstring(L, ln_bf16_path());
  lua_pushstring(L, ln_dnnl_policy());
  return 4;
}

/* }====== */

static const luaL_Reg tensor_meth[] = {
  {"shape", t_shape}, {"dim", t_dim}, {"numel", t_numel}, {"dtype", t_dtype},
  {"get", t_get}, {"set", t_set}, {"flat", t_flat}, {"flip_bit", t_flip_bit}, {"totable", t_totable},
  {"fill", t_fill}, {"clone", t_clone}, {"copy", t_copy}, {"rows", t_rows},
  {"gather_rows", t_gather_rows}, {"stats", t_stats}, {"argmax_rows", t_argmax_rows}, {NULL, NULL}
};
static const luaL_Reg tensor_metameth[] = {
  {"__gc", tensor_gc}, {"__len", t_len}, {NULL, NULL}
};
static const luaL_Reg graph_meth[] = {
  {"input", g_input}, {"param", g_param}, {"buffer", g_buffer}, {"const", g_const},
  {"op", g_op}, {"size", g_size}, {"node", g_node}, {"find", g_find},
  {"set_name", g_set_name}, {"value", g_value}, {"free", graph_gc}, {NULL, NULL}
};
static const luaL_Reg graph_metameth[] = {
  {"__gc", graph_gc}, {"__close", graph_gc}, {"__tostring", graph_tostring}, {NULL, NULL}
};
static const luaL_Reg model_meth[] = {
  {"feed", m_feed}, {"forward", m_forward}, {"backward", m_backward},
  {"value", m_value}, {"scalar", m_scalar}, {"grad", m_grad}, {"params", m_params},
  {"order", m_order}, {"memory", m_memory}, {"node", m_node}, {"size", m_size},
  {"loss", m_loss}, {"outputs", m_outputs}, {"find", m_find}, {"batch", m_batch},
  {"max_batch", m_max_batch}, {"save", m_save}, {"restore", m_restore}, {"profile", m_profile}, {"times", m_times}, {"precision", m_precision}, {"kernel", m_kernel},
  {"chains", m_chains},
  {"free", model_gc}, {NULL, NULL}
};
static const luaL_Reg model_metameth[] = {
  {"__gc", model_gc}, {"__close", model_gc}, {"__tostring", model_tostring}, {NULL, NULL}
};
static const luaL_Reg optim_meth[] = {
  {"step", o_step}, {"set", o_set}, {"get", o_get}, {"steps", o_steps},
  {"kind", o_kind}, {NULL, NULL}
};
static const luaL_Reg optim_metameth[] = {
  {"__gc", optim_gc}, {"__tostring", optim_tostring}, {NULL, NULL}
};
static const luaL_Reg core_funcs[] = {
  {"new", l_new}, {"from_table", l_from_table}, {"random", l_random},
  {"eager", l_eager}, {"ops", l_ops}, {"op_info", l_op_info},
  {"graph", l_graph}, {"compile", l_compile}, {"load", l_load},
  {"optim", l_optim}, {"optim_fields", l_optim_fields}, {"clip_grad_norm", l_clip_grad_norm}, {"orthograd", l_orthograd},
  {"idx_load", l_idx_load}, {"npy_load", l_npy_load}, {"npy_save", l_npy_save},
  {"png_load", l_png_load}, {"png_save", l_png_save},
  {"seed", l_seed}, {"rng_state", l_rng_state}, {"threads", l_threads}, {"blas", l_blas}, {"dnnl", l_dnnl}, {"wall", l_wall}, {"isatty", l_isatty}, {NULL, NULL}
};

/* metatable 'tname' with 'metameth'; __index = a table of 'meth'; the
** metatable is also stored in the module as field 'field' so the Lua side
** can add methods and operators */
static void createmeta (lua_State *L, const char *tname, const luaL_Reg *metameth,
                        const luaL_Reg *meth, const char *field) {
  luaL_newmetatable(L, tname);
  luaL_setfuncs(L, metameth, 0);
  lua_newtable(L);
  luaL_setfuncs(L, meth, 0);
  lua_setfield(L, -2, "__index");
  lua_setfield(L, -2, field);
}

LUAMOD_API int luaopen_luanet_core (lua_State *L) {
  ln_init_runtime();
  luaL_newlib(L, core_funcs);
  createmeta(L, LN_TENSOR, tensor_metameth, tensor_meth, "Tensor");
  createmeta(L, LN_GRAPH, graph_metameth, graph_meth, "Graph");
  createmeta(L, LN_MODEL, model_metameth, model_meth, "Model");
  createmeta(L, LN_OPTIM, optim_metameth, optim_meth, "Optim");
  lua_pushstring(L, LN_VERSION);
  lua_setfield(L, -2, "version");
  ln_open_detect(L);   /* core.detect: lndetect.c */
  return 1;
}
