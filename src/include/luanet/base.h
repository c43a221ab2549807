/*
** luanet/base.h -- limits, status codes, errors and element types: what
** every other part of the public API uses.
**
** Every fallible function returns LN_OK (0) or a negative LN_E* code and
** leaves a message readable with ln_errmsg() (per thread). Nothing a user
** can trigger aborts or exits.
*/
#ifndef LUANET_BASE_H
#define LUANET_BASE_H

#include <stddef.h>
#include <stdint.h>

#define LN_VERSION      "0.1.0"
#define LN_MAX_DIMS     8      /* tensor rank limit */
#define LN_MAX_IN       6      /* op inputs limit (concat takes up to 6) */
#define LN_MAX_ATTRS    12     /* numeric attributes of one node */
#define LN_NAME_MAX     64     /* node names, including the NUL */
#define LN_BATCH        (-1)   /* the symbolic batch dimension "B" */

/* status codes */
#define LN_OK       0
#define LN_EARG     (-1)   /* bad argument (type, value, unknown name) */
#define LN_ESHAPE   (-2)   /* shapes do not fit */
#define LN_ENOMEM   (-3)   /* out of memory */
#define LN_EIO      (-4)   /* file system error */
#define LN_EFORMAT  (-5)   /* corrupt or foreign file */
#define LN_ESTATE   (-6)   /* call out of order (e.g. backward before forward) */

/* element types */
typedef enum ln_dtype { LN_F32 = 0, LN_I32 = 1 } ln_dtype;

/* last error message of this thread ("" when none) */
const char *ln_errmsg (void);
/* record an error; returns 'code' so callers can 'return ln_seterr(...)' */
int ln_seterr (int code, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 2, 3)))
#endif
  ;

#endif
