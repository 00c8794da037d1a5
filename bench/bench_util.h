/* Small helpers shared by the benchmarks: a monotonic clock, latency sample sets with
 * percentiles, environment knobs, and a uniform way to print a result line. Benchmarks
 * measure and print; they never pass or fail on a time. */
#ifndef SQT_BENCH_UTIL_H
#define SQT_BENCH_UTIL_H

#include <stddef.h>
#include <stdint.h>

#include <opensqt/plugin.h>

/* CLOCK_MONOTONIC in nanoseconds. */
uint64_t bench_now_ns(void);

/* A growable set of samples (nanoseconds or any unit). */
typedef struct bench_samples {
    uint64_t *v;
    size_t n;
    size_t cap;
    int sorted;
} bench_samples;

void bench_samples_init(bench_samples *s, size_t cap_hint);
void bench_samples_free(bench_samples *s);
void bench_samples_clear(bench_samples *s);
/* Out of memory: the sample is dropped (the count shows it). */
void bench_samples_add(bench_samples *s, uint64_t v);
/* q in [0, 1]: nearest-rank percentile; 0 when empty. Sorts in place once. */
uint64_t bench_samples_pct(bench_samples *s, double q);
double bench_samples_mean(const bench_samples *s);

/* Integer environment knob: its value when set and valid, else def. */
long bench_env_long(const char *name, long def);
/* "1", "yes", "true" -> 1. */
int bench_env_flag(const char *name);

/* A decimal from text; aborts on a bad literal (benchmark constants only). */
sqt_dec bench_dec(const char *s);
/* mant * 10^-scale as a decimal. */
sqt_dec bench_dec_units(int64_t mant, int32_t scale);

/* "== name: what" banner and the machine line (CPU model, nproc). */
void bench_banner(const char *name, const char *what);

/* Thin wrappers so every bench prints the same shape:
 *   <label>  n=<n>  median <x> <unit>  p99 <y> <unit>  [extra] */
void bench_print_lat(const char *label, bench_samples *s, double div, const char *unit,
                     const char *extra);

/* xorshift64*: deterministic pseudo-random numbers for paths and workloads. */
uint64_t bench_rand(uint64_t *state);

#endif
