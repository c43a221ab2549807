/*
** norm.c -- placeholder.
*/
#include "ln_internal.h"

const ln_opdesc ln_ops_norm[] = {
  {0}
};
