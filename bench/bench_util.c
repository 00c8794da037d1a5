/* Benchmark helpers: see bench_util.h. */
#include "bench_util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

uint64_t bench_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void bench_samples_init(bench_samples *s, size_t cap_hint)
{
    memset(s, 0, sizeof *s);
    if (cap_hint > 0) {
        s->v = malloc(cap_hint * sizeof *s->v);
        if (s->v != NULL)
            s->cap = cap_hint;
    }
}

void bench_samples_free(bench_samples *s)
{
    free(s->v);
    memset(s, 0, sizeof *s);
}

void bench_samples_clear(bench_samples *s)
{
    s->n = 0;
    s->sorted = 0;
}

void bench_samples_add(bench_samples *s, uint64_t v)
{
    if (s->n == s->cap) {
        size_t nc = s->cap ? s->cap * 2 : 1024;
        uint64_t *nv = realloc(s->v, nc * sizeof *nv);
        if (nv == NULL)
            return;
        s->v = nv;
        s->cap = nc;
    }
    s->v[s->n++] = v;
    s->sorted = 0;
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

uint64_t bench_samples_pct(bench_samples *s, double q)
{
    size_t i;
    if (s->n == 0)
        return 0;
    if (!s->sorted) {
        qsort(s->v, s->n, sizeof *s->v, cmp_u64);
        s->sorted = 1;
    }
    if (q <= 0)
        return s->v[0];
    i = (size_t)(q * (double)s->n + 0.999999);
    if (i < 1)
        i = 1;
    if (i > s->n)
        i = s->n;
    return s->v[i - 1];
}

double bench_samples_mean(const bench_samples *s)
{
    double sum = 0;
    size_t i;
    if (s->n == 0)
        return 0;
    for (i = 0; i < s->n; i++)
        sum += (double)s->v[i];
    return sum / (double)s->n;
}

long bench_env_long(const char *name, long def)
{
    const char *v = getenv(name);
    char *end = NULL;
    long r;
    if (v == NULL || !v[0])
        return def;
    r = strtol(v, &end, 10);
    if (end == v || *end != '\0' || r < 0) {
        fprintf(stderr, "ignoring %s=%s (want a non-negative integer)\n", name, v);
        return def;
    }
    return r;
}

int bench_env_flag(const char *name)
{
    const char *v = getenv(name);
    return v != NULL && (strcmp(v, "1") == 0 || strcmp(v, "yes") == 0 || strcmp(v, "true") == 0);
}

sqt_dec bench_dec(const char *s)
{
    sqt_dec d = sqt_dec_make(0, 0);
    if (sqt_dec_parse(s, strlen(s), &d) != SQT_OK) {
        fprintf(stderr, "bench: bad decimal literal %s\n", s);
        abort();
    }
    return d;
}

sqt_dec bench_dec_units(int64_t mant, int32_t scale)
{
    return sqt_dec_make(mant, scale);
}

static void cpu_model(char *out, size_t cap)
{
    FILE *f = fopen("/proc/cpuinfo", "r");
    char line[512];
    snprintf(out, cap, "unknown CPU");
    if (f == NULL)
        return;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "model name", 10) == 0) {
            char *p = strchr(line, ':');
            if (p != NULL) {
                p++;
                while (*p == ' ' || *p == '\t')
                    p++;
                p[strcspn(p, "\n")] = '\0';
                snprintf(out, cap, "%s", p);
            }
            break;
        }
    }
    fclose(f);
}

void bench_banner(const char *name, const char *what)
{
    char cpu[256];
    cpu_model(cpu, sizeof cpu);
    printf("== %s: %s\n", name, what);
    printf("   machine: %s, %ld online CPU(s)\n", cpu, sysconf(_SC_NPROCESSORS_ONLN));
    fflush(stdout);
}

void bench_print_lat(const char *label, bench_samples *s, double div, const char *unit,
                     const char *extra)
{
    printf("   %-34s n=%-8zu median %9.3f %s   p99 %9.3f %s   max %9.3f %s%s%s\n", label, s->n,
           (double)bench_samples_pct(s, 0.5) / div, unit, (double)bench_samples_pct(s, 0.99) / div,
           unit, (double)bench_samples_pct(s, 1.0) / div, unit, extra && extra[0] ? "   " : "",
           extra ? extra : "");
    fflush(stdout);
}

uint64_t bench_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1Dull;
}
