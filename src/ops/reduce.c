/*
** reduce.c -- placeholder.
*/
#include "ln_internal.h"

const ln_opdesc ln_ops_reduce[] = {
  {.name = NULL}
};
