/*
** luanet/io.h -- model files: the graph, parameters and optimizer state.
*/
#ifndef LUANET_IO_H
#define LUANET_IO_H

#include "optim.h"

/*
** Model file: magic "LUANET\0\1", version, graph (ops, attributes, shapes,
** names), max batch, loss and outputs, parameter and buffer values, the
** caller's bytes (ln_model_save_ex), and optionally the optimizer: its
** configuration by field name (ln_optconf_field; a field a file lacks
** takes its default), step count and state; crc32 of everything before
** it last. Files of versions 1 and 2 still load.
** Written to 'path.tmp', fsync'ed, then renamed over 'path'.
*/
int ln_model_save (ln_model *m, const ln_optim *o, const char *path);
/* load and compile; '*opt' gets the optimizer saved with it (or NULL)
** when 'opt' is not NULL */
int ln_model_load (const char *path, ln_model **out, ln_optim **opt);
/*
** Checkpoints. ln_model_save_ex saves as ln_model_save, with 'n_extra'
** bytes of the caller's own (a training loop's position: epoch, batch,
** schedule step, generator state) kept verbatim. ln_model_restore reads
** such a file into the existing model 'm' and optimizer 'o' (NULL: none):
** parameter and buffer values by name (same shapes), and the optimizer's
** configuration, step count and state (same kind); '*extra' (when not
** NULL) gets a malloc'ed copy of the caller's bytes, NULL when none, and
** '*n_extra' their count. All is checked before anything is written: on
** an error (corrupt or truncated file, another graph) 'm' and 'o' are
** unchanged.
*/
int ln_model_save_ex (ln_model *m, const ln_optim *o, const void *extra,
                      size_t n_extra, const char *path);
int ln_model_restore (ln_model *m, ln_optim *o, const char *path,
                      void **extra, size_t *n_extra);

#endif
