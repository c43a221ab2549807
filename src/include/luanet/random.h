/*
** luanet/random.h -- the one random generator, and parameter initialisers.
*/
#ifndef LUANET_RANDOM_H
#define LUANET_RANDOM_H

#include "tensor.h"

/* One generator (xoshiro256**) seeds everything: initialisers, dropout,
** batch shuffling. Same seed and thread count: same run, bit for bit. */
void ln_seed (uint64_t seed);
uint64_t ln_rand_u64 (void);
double ln_rand_uniform (void);          /* [0, 1) */
double ln_rand_normal (void);           /* N(0, 1) */
/* the generator's state, to save and restore it (exact resume): after
** ln_rng_set(s) the stream continues from where ln_rng_get(s) was called.
** An all-zero state is not one xoshiro can reach: LN_EARG. */
#define LN_RNG_WORDS 4
void ln_rng_get (uint64_t state[LN_RNG_WORDS]);
int ln_rng_set (const uint64_t state[LN_RNG_WORDS]);

typedef enum ln_init {
  LN_INIT_ZEROS = 0, LN_INIT_ONES, LN_INIT_CONST,   /* CONST: value 'a' */
  LN_INIT_UNIFORM,          /* U(-a, a) */
  LN_INIT_NORMAL,           /* N(0, a^2) */
  LN_INIT_XAVIER_UNIFORM,   /* U(-s, s), s = sqrt(6 / (fan_in + fan_out)) */
  LN_INIT_XAVIER_NORMAL,    /* N(0, 2 / (fan_in + fan_out)) */
  LN_INIT_KAIMING_UNIFORM,  /* U(-s, s), s = sqrt(6 / fan_in) (relu gain) */
  LN_INIT_KAIMING_NORMAL,   /* N(0, 2 / fan_in) */
  LN_INIT_LECUN_NORMAL,     /* N(0, 1 / fan_in) (SELU) */
  LN_INIT_TORCH_DEFAULT,    /* U(-1/sqrt(fan_in), 1/sqrt(fan_in)) as nn.Linear */
  LN_INIT_COUNT
} ln_init;
extern const char *const ln_init_names[];   /* ORDER INIT */
/* fill 't' by rule 'how' ('a' as above); fan_in = numel/dim[0],
** fan_out = dim[0] * receptive field, as PyTorch computes them */
int ln_tensor_init (ln_tensor *t, ln_init how, double a);

#endif
