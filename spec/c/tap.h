/*
** tap.h -- minimal TAP output for the C tests: 'ok - what' / 'not ok - what'.
** A test binary returns tap_done(): 0 when every check passed.
*/
#ifndef TAP_H
#define TAP_H
#include <stdio.h>
#include <stdarg.h>

static int tap_failed, tap_count;

static int tap_ok (int cond, const char *fmt, ...) {
  va_list ap;
  tap_count++;
  printf("%s - ", cond ? "ok" : "not ok");
  va_start(ap, fmt);
  vprintf(fmt, ap);
  va_end(ap);
  printf("\n");
  fflush(stdout);
  if (!cond) tap_failed++;
  return cond;
}

static int tap_done (void) { return tap_failed != 0; }
#endif
