/*
** lnbind.h -- what the files of the binding "luanet.core" share: the
** layout of a tensor userdata and the helpers that make and check one.
** The binding sees the engine through its public header only.
*/
#ifndef LNBIND_H
#define LNBIND_H

#include "lua.h"
#include "lauxlib.h"
#include "luanet.h"

#define LN_TENSOR "luanet.Tensor"

/* a tensor userdata: a pointer to the engine tensor, freed by its __gc;
** user value 1 anchors an owner (the model or tensor a view reads) */
typedef struct LTensor { ln_tensor *t; } LTensor;

/* the one place an engine failure turns into a Lua error */
static inline int ln_bind_error (lua_State *L) {
  return luaL_error(L, "%s", ln_errmsg());
}

/* the tensor at 'arg', or NULL when it is not one (or was freed) */
static inline ln_tensor *ln_bind_totensor (lua_State *L, int arg) {
  LTensor *p = (LTensor *)luaL_testudata(L, arg, LN_TENSOR);
  return p ? p->t : NULL;
}

/* push a tensor userdata taking ownership of 't' (NULL: raise the
** engine's message) */
static inline ln_tensor *ln_bind_push (lua_State *L, ln_tensor *t) {
  LTensor *p = (LTensor *)lua_newuserdatauv(L, sizeof(LTensor), 1);
  p->t = NULL;
  luaL_setmetatable(L, LN_TENSOR);
  if (t == NULL) ln_bind_error(L);
  p->t = t;
  return t;
}

/* core.detect, filled by lndetect.c */
int ln_open_detect (lua_State *L);

#endif
