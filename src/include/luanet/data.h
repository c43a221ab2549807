/*
** luanet/data.h -- data files: IDX (MNIST-style) and PNG.
*/
#ifndef LUANET_DATA_H
#define LUANET_DATA_H

#include "tensor.h"

/* IDX file (optionally gzip'ed): ubyte images -> f32 scaled to [0, 1]
** (if 'scale') or raw, labels -> i32 */
int ln_idx_load (const char *path, int scale, ln_tensor **out);
/* PNG: 8-bit gray (C = 1), RGB (3) or RGBA (4); tensor C x H x W in [0,1] */
int ln_png_load (const char *path, ln_tensor **out);
int ln_png_save (const char *path, const ln_tensor *chw);

#endif
