/*
** ln_data.c -- data files: IDX (MNIST, Fashion-MNIST, optionally gzip'ed)
** and PNG images, read into and written from tensors.
*/
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <png.h>
#include <zlib.h>
#include "ln_internal.h"

/* {====== IDX ====== */

#define IDX_UBYTE 0x08   /* element type code of the only type we read */
#define IDX_CHUNK 65536  /* bytes converted per read */

/*
** Read up to 'n' bytes from 'gz' into 'buf'. Return the count read (short
** only at end of file or on a truncated stream), or -1 on a read error or
** corrupt data, with the message of 'gzerror' left in '*why'.
*/
static long gz_readn (gzFile gz, void *buf, size_t n, const char **why,
                      int *zerr) {
  size_t got = 0;
  while (got < n) {
    size_t want = n - got;
    int r;
    if (want > (size_t)INT_MAX / 2) want = (size_t)INT_MAX / 2;
    r = gzread(gz, (unsigned char *)buf + got, (unsigned)want);
    if (r < 0) {
      *why = gzerror(gz, zerr);
      return -1;
    }
    if (r == 0) break;
    got += (size_t)r;
  }
  return (long)got;
}

/* turn a failed gz_readn into an error code with a message */
static int gz_fail (const char *path, const char *why, int zerr) {
  if (zerr == Z_ERRNO)
    return ln_seterr(LN_EIO, "idx_load: %s: %s", path, strerror(errno));
  if (zerr == Z_BUF_ERROR)
    return ln_seterr(LN_EFORMAT, "idx_load: %s: truncated gzip stream", path);
  return ln_seterr(LN_EFORMAT, "idx_load: %s: corrupt gzip data (%s)", path,
                   why ? why : "?");
}

static uint32_t be32 (const unsigned char *p) {
  return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) |
         ((uint32_t)p[2] << 8) | (uint32_t)p[3];
}

/*
** Read the header of an IDX file: magic 0x0000 08 <ndim>, then 'ndim'
** big-endian uint32 sizes. On success fill 'ndim' and 'dim'.
*/
static int idx_header (gzFile gz, const char *path, int *ndim, int *dim) {
  unsigned char b[4 * LN_MAX_DIMS];
  const char *why = NULL;
  int zerr = Z_OK, i;
  long r = gz_readn(gz, b, 4, &why, &zerr);
  if (r < 0) return gz_fail(path, why, zerr);
  if (r < 4)
    return ln_seterr(LN_EFORMAT, "idx_load: %s: truncated header", path);
  if (b[0] != 0 || b[1] != 0 || b[2] != IDX_UBYTE || b[3] < 1 || b[3] > 4)
    return ln_seterr(LN_EFORMAT, "idx_load: %s: bad magic 0x%08x (want "
                     "0x00000801 labels or 0x00000803 images)", path,
                     (unsigned)be32(b));
  *ndim = b[3];
  r = gz_readn(gz, b, 4 * (size_t)*ndim, &why, &zerr);
  if (r < 0) return gz_fail(path, why, zerr);
  if (r < 4 * *ndim)
    return ln_seterr(LN_EFORMAT, "idx_load: %s: truncated header", path);
  for (i = 0; i < *ndim; i++) {
    uint32_t d = be32(b + 4 * i);
    if (d == 0 || d > (uint32_t)INT_MAX)
      return ln_seterr(LN_EFORMAT, "idx_load: %s: bad dimension %u", path,
                       (unsigned)d);
    dim[i] = (int)d;
  }
  return LN_OK;
}

/*
** Read the 'n' ubyte elements of 't' from 'gz', converting as we go:
** int32 for labels, float32 (divided by 255 when 'scale') for images.
*/
static int idx_body (gzFile gz, const char *path, int scale, ln_tensor *t) {
  unsigned char buf[IDX_CHUNK];
  const char *why = NULL;
  int zerr = Z_OK;
  size_t done = 0, i;
  while (done < t->n) {
    size_t want = t->n - done;
    long r;
    if (want > sizeof(buf)) want = sizeof(buf);
    r = gz_readn(gz, buf, want, &why, &zerr);
    if (r < 0) return gz_fail(path, why, zerr);
    if (t->dtype == LN_I32) {
      int32_t *d = (int32_t *)t->data + done;
      for (i = 0; i < (size_t)r; i++) d[i] = buf[i];
    } else {
      float *d = (float *)t->data + done;
      float k = scale ? 1.0f / 255.0f : 1.0f;
      for (i = 0; i < (size_t)r; i++) d[i] = (float)buf[i] * k;
    }
    done += (size_t)r;
    if ((size_t)r < want)
      return ln_seterr(LN_EFORMAT, "idx_load: %s: truncated data (%zu of %zu "
                       "bytes)", path, done, t->n);
  }
  return LN_OK;
}

/*
** Load an IDX file, plain or gzip'ed: 1-D ubyte (labels) becomes an int32
** tensor [N], 2..4-D ubyte (images) a float32 tensor [N, rows, cols] with
** values in [0, 1] when 'scale' is non-zero, 0..255 otherwise. On success
** '*out' owns a new tensor; on failure it is NULL and nothing is leaked.
*/
int ln_idx_load (const char *path, int scale, ln_tensor **out) {
  int dim[LN_MAX_DIMS], ndim = 0, rc;
  ln_tensor *t = NULL;
  gzFile gz;
  *out = NULL;
  errno = 0;
  gz = gzopen(path, "rb");
  if (gz == NULL)
    return ln_seterr(LN_EIO, "idx_load: %s: %s", path,
                     errno ? strerror(errno) : "cannot open");
  rc = idx_header(gz, path, &ndim, dim);
  if (rc == LN_OK) {
    t = ln_tensor_new(ndim == 1 ? LN_I32 : LN_F32, ndim, dim);
    if (t == NULL) rc = LN_ENOMEM;
  }
  if (rc == LN_OK) rc = idx_body(gz, path, scale, t);
  gzclose(gz);
  if (rc != LN_OK) {
    ln_tensor_free(t);
    return rc;
  }
  *out = t;
  return LN_OK;
}

/* }====== */

/* {====== PNG ====== */

/* where libpng's error callback leaves its message */
typedef struct pngerr {
  char msg[200];          /* libpng's message */
} pngerr;

/* libpng error callback: keep the message, jump back to setjmp */
static void on_png_error (png_structp png, png_const_charp msg) {
  pngerr *e = (pngerr *)png_get_error_ptr(png);
  if (e) snprintf(e->msg, sizeof(e->msg), "%s", msg);
  png_longjmp(png, 1);
}

/* libpng warning callback: the engine never prints */
static void on_png_warning (png_structp png, png_const_charp msg) {
  (void)png; (void)msg;
}

/* what read_png_into hands back to its caller (kept out of its locals so
** nothing is clobbered by longjmp) */
typedef struct pngread {
  ln_tensor *t;           /* the result, freed by the caller on error */
  unsigned char *buf;     /* decoded rows, H * rowbytes */
  png_bytep *rows;        /* H pointers into 'buf' */
} pngread;

/*
** Decode the PNG on 'f' (signature already read) into 'r->t' as float32
** C x H x W in [0, 1]. libpng errors come back here through setjmp; the
** caller frees whatever 'r' holds.
*/
static int read_png_into (png_structp png, png_infop info, FILE *f,
                          const char *path, const pngerr *e, pngread *r) {
  png_uint_32 w, h, y, x, c;
  int depth, ctype, ch, dim[3];
  size_t rowbytes, plane;
  float *d;
  if (setjmp(png_jmpbuf(png)))
    return ln_seterr(LN_EFORMAT, "png_load: %s: %s", path, e->msg);
  png_init_io(png, f);
  png_set_sig_bytes(png, 8);
  png_read_info(png, info);
  png_get_IHDR(png, info, &w, &h, &depth, &ctype, NULL, NULL, NULL);
  png_set_expand(png);          /* palette -> RGB, gray < 8 bits -> 8, tRNS -> alpha */
  png_set_scale_16(png);        /* 16 -> 8 bits */
  if (ctype == PNG_COLOR_TYPE_GRAY_ALPHA ||
      (ctype == PNG_COLOR_TYPE_GRAY && png_get_valid(png, info, PNG_INFO_tRNS)))
    png_set_gray_to_rgb(png);   /* gray + alpha -> RGBA: C is 1, 3 or 4 */
  png_set_interlace_handling(png);
  png_read_update_info(png, info);
  ch = png_get_channels(png, info);
  if (png_get_bit_depth(png, info) != 8 || (ch != 1 && ch != 3 && ch != 4))
    return ln_seterr(LN_EFORMAT, "png_load: %s: unsupported format (%d "
                     "channels, %d bits)", path, ch,
                     (int)png_get_bit_depth(png, info));
  if (w == 0 || h == 0 || w > (png_uint_32)INT_MAX || h > (png_uint_32)INT_MAX)
    return ln_seterr(LN_EFORMAT, "png_load: %s: bad size %ux%u", path,
                     (unsigned)w, (unsigned)h);
  dim[0] = ch; dim[1] = (int)h; dim[2] = (int)w;
  if ((r->t = ln_tensor_new(LN_F32, 3, dim)) == NULL) return LN_ENOMEM;
  rowbytes = png_get_rowbytes(png, info);
  if ((r->buf = ln_malloc(rowbytes * h)) == NULL ||
      (r->rows = ln_malloc(sizeof(png_bytep) * h)) == NULL)
    return LN_ENOMEM;
  for (y = 0; y < h; y++) r->rows[y] = r->buf + (size_t)y * rowbytes;
  png_read_image(png, r->rows);
  png_read_end(png, NULL);
  d = (float *)r->t->data;
  plane = (size_t)w * h;
  for (y = 0; y < h; y++)
    for (x = 0; x < w; x++)
      for (c = 0; c < (png_uint_32)ch; c++)
        d[c * plane + (size_t)y * w + x] =
          (float)r->rows[y][(size_t)x * (size_t)ch + c] * (1.0f / 255.0f);
  return LN_OK;
}

/*
** Load a PNG image as a float32 tensor C x H x W with values in [0, 1]:
** C = 1 (gray), 3 (RGB) or 4 (RGBA); palette, gray+alpha, 1/2/4 and 16-bit
** images are converted. On failure '*out' is NULL and nothing leaks.
*/
int ln_png_load (const char *path, ln_tensor **out) {
  unsigned char sig[8];
  pngerr e;
  pngread r = {NULL, NULL, NULL};
  png_structp png;
  png_infop info = NULL;
  int rc;
  FILE *f;
  *out = NULL;
  e.msg[0] = '\0';
  if ((f = fopen(path, "rb")) == NULL)
    return ln_seterr(LN_EIO, "png_load: %s: %s", path, strerror(errno));
  if (fread(sig, 1, 8, f) != 8 || png_sig_cmp(sig, 0, 8) != 0) {
    fclose(f);
    return ln_seterr(LN_EFORMAT, "png_load: %s: not a PNG file", path);
  }
  png = png_create_read_struct(PNG_LIBPNG_VER_STRING, &e, on_png_error,
                               on_png_warning);
  if (png != NULL) info = png_create_info_struct(png);
  if (png == NULL || info == NULL)
    rc = ln_seterr(LN_ENOMEM, "png_load: %s: out of memory", path);
  else
    rc = read_png_into(png, info, f, path, &e, &r);
  png_destroy_read_struct(png ? &png : NULL, info ? &info : NULL, NULL);
  fclose(f);
  free(r.rows);
  free(r.buf);
  if (rc != LN_OK) {
    ln_tensor_free(r.t);
    return rc;
  }
  *out = r.t;
  return LN_OK;
}

/*
** Encode 'h' rows of 8-bit pixels ('ch' per pixel) to 'f'. libpng errors
** come back here through setjmp; the caller closes and removes the file.
*/
static int write_png_rows (png_structp png, png_infop info, FILE *f,
                           const char *path, const pngerr *e, int ch, int w,
                           int h, png_bytep *rows) {
  static const int ctypes[5] = {0, PNG_COLOR_TYPE_GRAY, 0, PNG_COLOR_TYPE_RGB,
                                PNG_COLOR_TYPE_RGB_ALPHA};
  if (setjmp(png_jmpbuf(png)))
    return ln_seterr(LN_EIO, "png_save: %s: %s", path, e->msg);
  png_init_io(png, f);
  png_set_IHDR(png, info, (png_uint_32)w, (png_uint_32)h, 8, ctypes[ch],
               PNG_INTERLACE_NONE, PNG_COMPRESSION_TYPE_DEFAULT,
               PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  png_write_image(png, rows);
  png_write_end(png, NULL);
  return LN_OK;
}

/* a float in [0, 1] (clamped; NaN -> 0) as a byte */
static unsigned char to_byte (float v) {
  if (!(v > 0.0f)) return 0;
  if (v >= 1.0f) return 255;
  return (unsigned char)lrintf(v * 255.0f);
}

/*
** Save float32 tensor 'chw' (C x H x W with C in 1, 3, 4, or H x W) as an
** 8-bit PNG, values clamped to [0, 1]. Written to 'path.tmp', fsync'ed and
** renamed over 'path', so 'path' is either the old file or the new one.
*/
int ln_png_save (const char *path, const ln_tensor *chw) {
  int ch, h, w, x, y, c, rc;
  size_t plane, len = strlen(path);
  unsigned char *buf = NULL;
  png_bytep *rows = NULL;
  char *tmp = NULL;
  const float *d;
  png_structp png = NULL;
  png_infop info = NULL;
  pngerr e;
  FILE *f;
  e.msg[0] = '\0';
  if (chw == NULL || chw->dtype != LN_F32 || (chw->ndim != 2 && chw->ndim != 3))
    return ln_seterr(LN_EARG, "png_save: %s: want a float32 tensor C x H x W "
                     "or H x W", path);
  ch = chw->ndim == 3 ? chw->dim[0] : 1;
  h = chw->dim[chw->ndim - 2];
  w = chw->dim[chw->ndim - 1];
  if (ch != 1 && ch != 3 && ch != 4)
    return ln_seterr(LN_ESHAPE, "png_save: %s: %d channels (want 1, 3 or 4)",
                     path, ch);
  if (h <= 0 || w <= 0)
    return ln_seterr(LN_ESHAPE, "png_save: %s: empty image %dx%d", path, h, w);
  plane = (size_t)h * (size_t)w;
  if ((buf = ln_malloc(plane * (size_t)ch)) == NULL ||
      (rows = ln_malloc(sizeof(png_bytep) * (size_t)h)) == NULL ||
      (tmp = ln_malloc(len + 5)) == NULL) {
    free(buf); free(rows);
    return LN_ENOMEM;
  }
  d = (const float *)chw->data;
  for (y = 0; y < h; y++) {
    rows[y] = buf + (size_t)y * (size_t)w * (size_t)ch;
    for (x = 0; x < w; x++)
      for (c = 0; c < ch; c++)
        rows[y][(size_t)x * (size_t)ch + (size_t)c] =
          to_byte(d[(size_t)c * plane + (size_t)y * (size_t)w + (size_t)x]);
  }
  memcpy(tmp, path, len);
  memcpy(tmp + len, ".tmp", 5);
  if ((f = fopen(tmp, "wb")) == NULL) {
    rc = ln_seterr(LN_EIO, "png_save: %s: %s", tmp, strerror(errno));
    goto done;
  }
  png = png_create_write_struct(PNG_LIBPNG_VER_STRING, &e, on_png_error,
                                on_png_warning);
  if (png != NULL) info = png_create_info_struct(png);
  if (png == NULL || info == NULL)
    rc = ln_seterr(LN_ENOMEM, "png_save: %s: out of memory", path);
  else
    rc = write_png_rows(png, info, f, path, &e, ch, w, h, rows);
  png_destroy_write_struct(png ? &png : NULL, info ? &info : NULL);
  if (rc == LN_OK && (fflush(f) != 0 || fsync(fileno(f)) != 0))
    rc = ln_seterr(LN_EIO, "png_save: %s: %s", tmp, strerror(errno));
  if (fclose(f) != 0 && rc == LN_OK)
    rc = ln_seterr(LN_EIO, "png_save: %s: %s", tmp, strerror(errno));
  if (rc == LN_OK && rename(tmp, path) != 0)
    rc = ln_seterr(LN_EIO, "png_save: %s: %s", path, strerror(errno));
  if (rc != LN_OK) remove(tmp);
done:
  free(tmp);
  free(rows);
  free(buf);
  return rc;
}

/* }====== */
