/*
** luanet/io.h -- model files: the graph, parameters and optimizer state.
*/
#ifndef LUANET_IO_H
#define LUANET_IO_H

#include "optim.h"

/*
** Model file: magic "LUANET\0\1", version, graph (ops, attributes, shapes,
** names), max batch, loss and outputs, parameter and buffer values, and
** optionally the optimizer's state; crc32 of everything before it last.
** Written to 'path.tmp', fsync'ed, then renamed over 'path'.
*/
int ln_model_save (ln_model *m, const ln_optim *o, const char *path);
/* load and compile; '*opt' gets the optimizer saved with it (or NULL)
** when 'opt' is not NULL */
int ln_model_load (const char *path, ln_model **out, ln_optim **opt);

#endif
