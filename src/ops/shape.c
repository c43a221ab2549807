/*
** shape.c -- placeholder.
*/
#include "ln_internal.h"

const ln_opdesc ln_ops_shape[] = {
  {.name = NULL}
};
