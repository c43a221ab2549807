/*
** ln_rng.c -- the one random generator (xoshiro256**) and the parameter
** initialisers. Its state can be read and set (ln_rng_get/ln_rng_set)
** so a checkpoint resumes the stream exactly.
*/
#include <math.h>
#include "ln_internal.h"

static uint64_t s[4] = {0x9e3779b97f4a7c15ull, 0xbf58476d1ce4e5b9ull,
                        0x94d049bb133111ebull, 0x2545f4914f6cdd1dull};

static uint64_t rotl (uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

static uint64_t splitmix (uint64_t *x) {
  uint64_t z = (*x += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

void ln_seed (uint64_t seed) {
  int i;
  for (i = 0; i < 4; i++) s[i] = splitmix(&seed);
}

void ln_rng_get (uint64_t state[LN_RNG_WORDS]) {
  int i;
  for (i = 0; i < LN_RNG_WORDS; i++) state[i] = s[i];
}

int ln_rng_set (const uint64_t state[LN_RNG_WORDS]) {
  int i;
  if ((state[0] | state[1] | state[2] | state[3]) == 0)
    return ln_seterr(LN_EARG, "rng_set: the all-zero state is not a state of the generator");
  for (i = 0; i < LN_RNG_WORDS; i++) s[i] = state[i];
  return LN_OK;
}

uint64_t ln_rand_u64 (void) {
  uint64_t r = rotl(s[1] * 5, 7) * 9, t = s[1] << 17;
  s[2] ^= s[0]; s[3] ^= s[1]; s[1] ^= s[2]; s[0] ^= s[3];
  s[2] ^= t; s[3] = rotl(s[3], 45);
  return r;
}

double ln_rand_uniform (void) {
  return (double)(ln_rand_u64() >> 11) * (1.0 / 9007199254740992.0);
}

/* Box-Muller; one value per call keeps the stream simple to reproduce */
double ln_rand_normal (void) {
  double u1 = ln_rand_uniform(), u2 = ln_rand_uniform();
  if (u1 < 1e-300) u1 = 1e-300;
  return sqrt(-2.0 * log(u1)) * cos(6.283185307179586 * u2);
}

const char *const ln_init_names[] = {   /* ORDER INIT */
  "zeros", "ones", "const", "uniform", "normal", "xavier_uniform",
  "xavier_normal", "kaiming_uniform", "kaiming_normal", "lecun_normal",
  "torch_default", NULL
};

int ln_tensor_init (ln_tensor *t, ln_init how, double a) {
  float *x = t->data;
  size_t i, rf = 1;
  double fan_in, fan_out, lo = 0, sd = 0;
  int d, uniform = 0;
  if (t->dtype != LN_F32)
    return ln_seterr(LN_EARG, "init: tensor must be float32");
  for (d = 2; d < t->ndim; d++) rf *= (size_t)t->dim[d];
  fan_in = t->ndim >= 2 ? (double)t->dim[1] * rf : (double)t->n;
  fan_out = t->ndim >= 2 ? (double)t->dim[0] * rf : (double)t->n;
  if (fan_in < 1) fan_in = 1;
  if (fan_out < 1) fan_out = 1;
  switch (how) {
    case LN_INIT_ZEROS: a = 0; /* fall through */
    case LN_INIT_CONST: for (i = 0; i < t->n; i++) x[i] = (float)a; return LN_OK;
    case LN_INIT_ONES: for (i = 0; i < t->n; i++) x[i] = 1; return LN_OK;
    case LN_INIT_UNIFORM: uniform = 1; lo = a; break;
    case LN_INIT_NORMAL: sd = a; break;
    case LN_INIT_XAVIER_UNIFORM: uniform = 1; lo = sqrt(6.0 / (fan_in + fan_out)); break;
    case LN_INIT_XAVIER_NORMAL: sd = sqrt(2.0 / (fan_in + fan_out)); break;
    case LN_INIT_KAIMING_UNIFORM: uniform = 1; lo = sqrt(6.0 / fan_in); break;
    case LN_INIT_KAIMING_NORMAL: sd = sqrt(2.0 / fan_in); break;
    case LN_INIT_LECUN_NORMAL: sd = sqrt(1.0 / fan_in); break;
    case LN_INIT_TORCH_DEFAULT: uniform = 1; lo = 1.0 / sqrt(fan_in); break;
    default: return ln_seterr(LN_EARG, "init: unknown initialiser %d", (int)how);
  }
  for (i = 0; i < t->n; i++)
    x[i] = uniform ? (float)((2 * ln_rand_uniform() - 1) * lo)
                   : (float)(ln_rand_normal() * sd);
  return LN_OK;
}
