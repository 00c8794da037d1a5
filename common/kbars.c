/* Klines of the simulated market: see kbars.h. */
#include "kbars.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MINUTE 60000

typedef struct kbar {
    int64_t open_ms;
    int64_t o, h, l, c; /* price mantissas at the tick scale */
    int64_t vol;        /* quantity mantissa at the step scale */
} kbar;

struct sqt_kbars {
    char symbol[SQT_SYMBOL_MAX];
    sqt_dec tick, step;
    kbar bars[SQT_KBARS_CAP]; /* closed bars, ring, oldest at head */
    size_t n, head;
    kbar cur;                 /* the forming bar */
    int have_cur;
};

static const struct {
    const char *name;
    int64_t ms;
} INTERVALS[] = {{"1m", 60000LL},     {"3m", 180000LL},     {"5m", 300000LL},
                 {"15m", 900000LL},   {"30m", 1800000LL},   {"1h", 3600000LL},
                 {"2h", 7200000LL},   {"4h", 14400000LL},   {"6h", 21600000LL},
                 {"8h", 28800000LL},  {"12h", 43200000LL},  {"1d", 86400000LL},
                 {"3d", 259200000LL}, {"1w", 604800000LL}};

static int64_t floor_to(int64_t t, int64_t iv)
{
    int64_t r = t % iv;
    return r < 0 ? t - r - iv : t - r;
}

static int64_t pow10i(int32_t n)
{
    int64_t v = 1;
    while (n-- > 0)
        v *= 10;
    return v;
}

int64_t sqt_kbars_interval_ms(const char *interval)
{
    size_t i;
    if (interval == NULL)
        return 0;
    for (i = 0; i < sizeof INTERVALS / sizeof INTERVALS[0]; i++)
        if (strcmp(INTERVALS[i].name, interval) == 0)
            return INTERVALS[i].ms;
    return 0;
}

int sqt_kbars_new(const char *symbol, sqt_dec tick, sqt_dec step, sqt_kbars **out)
{
    sqt_kbars *k;
    if (out == NULL || symbol == NULL || symbol[0] == '\0' ||
        strlen(symbol) >= SQT_SYMBOL_MAX)
        return SQT_EINVAL;
    tick = sqt_dec_normalize(tick);
    step = sqt_dec_normalize(step);
    if (tick.mant <= 0 || step.mant <= 0 || tick.scale < 0 || tick.scale > SQT_DEC_MAX_SCALE ||
        step.scale < 0 || step.scale > SQT_DEC_MAX_SCALE)
        return SQT_EINVAL;
    k = calloc(1, sizeof *k);
    if (k == NULL)
        return SQT_ENOMEM;
    snprintf(k->symbol, sizeof k->symbol, "%s", symbol);
    k->tick = tick;
    k->step = step;
    *out = k;
    return SQT_OK;
}

void sqt_kbars_free(sqt_kbars *k)
{
    free(k);
}

static void push(sqt_kbars *k, const kbar *b)
{
    if (k->n < SQT_KBARS_CAP) {
        k->bars[(k->head + k->n) % SQT_KBARS_CAP] = *b;
        k->n++;
    } else {
        k->bars[k->head] = *b;
        k->head = (k->head + 1) % SQT_KBARS_CAP;
    }
}

void sqt_kbars_trade(sqt_kbars *k, sqt_dec price, sqt_dec qty, int64_t t_ms)
{
    sqt_dec p, q;
    int64_t minute = floor_to(t_ms, MINUTE);
    if (k == NULL || sqt_dec_rescale(price, k->tick.scale, &p) != SQT_OK || p.mant <= 0)
        return;
    if (sqt_dec_rescale(qty, k->step.scale, &q) != SQT_OK || q.mant < 0)
        q = sqt_dec_make(0, k->step.scale);
    if (!k->have_cur) {
        kbar b = {minute, p.mant, p.mant, p.mant, p.mant, q.mant};
        k->cur = b;
        k->have_cur = 1;
        return;
    }
    if (minute > k->cur.open_ms) {
        int64_t gap = (minute - k->cur.open_ms) / MINUTE - 1, i;
        kbar flat;
        push(k, &k->cur);
        if (gap > SQT_KBARS_CAP)
            gap = SQT_KBARS_CAP;
        for (i = gap; i > 0; i--) { /* silent minutes: flat bars at the last close */
            flat.open_ms = minute - i * MINUTE;
            flat.o = flat.h = flat.l = flat.c = k->cur.c;
            flat.vol = 0;
            push(k, &flat);
        }
        k->cur.open_ms = minute;
        k->cur.o = k->cur.h = k->cur.l = k->cur.c = p.mant;
        k->cur.vol = q.mant;
        return;
    }
    /* same minute (or the clock stepped back): keep forming */
    if (p.mant > k->cur.h)
        k->cur.h = p.mant;
    if (p.mant < k->cur.l)
        k->cur.l = p.mant;
    k->cur.c = p.mant;
    if (k->cur.vol <= INT64_MAX - q.mant)
        k->cur.vol += q.mant;
}

/* ------------------------------------------------------------------------------------
 * Synthetic series
 * ---------------------------------------------------------------------------------- */

static uint64_t mix64(uint64_t z)
{
    z += UINT64_C(0x9E3779B97F4A7C15);
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static uint64_t fnv1a(const char *s)
{
    uint64_t h = UINT64_C(0xcbf29ce484222325);
    for (; *s; s++) {
        h ^= (unsigned char)*s;
        h *= UINT64_C(0x100000001b3);
    }
    return h;
}

static int64_t synth_close(const sqt_kbars *k, uint64_t h, int64_t minute_idx)
{
    int64_t tick = k->tick.mant;
    int64_t base = (int64_t)(100 + h % 900) * pow10i(k->tick.scale);
    uint64_t r = mix64(h ^ (uint64_t)minute_idx);
    int64_t c;
    base -= base % tick;
    c = base + ((int64_t)(r % 201) - 100) * tick;
    return c > tick ? c : tick;
}

/* Stateless, so history and live pushes agree. */
static void synth_bar(const sqt_kbars *k, const char *sym, int64_t open_ms, kbar *b)
{
    uint64_t h = fnv1a(sym);
    int64_t idx = open_ms / MINUTE, tick = k->tick.mant, o, c;
    uint64_t r;
    o = synth_close(k, h, idx - 1);
    c = synth_close(k, h, idx);
    r = mix64(h ^ (uint64_t)idx ^ UINT64_C(0x5bd1e995));
    b->open_ms = open_ms;
    b->o = o;
    b->c = c;
    b->h = (o > c ? o : c) + (int64_t)(r % 5) * tick;
    b->l = (o < c ? o : c) - (int64_t)((r >> 8) % 5) * tick;
    if (b->l < tick)
        b->l = tick;
    b->vol = (int64_t)(1000 + (r >> 16) % 100) * pow10i(k->step.scale);
}

/* ------------------------------------------------------------------------------------
 * Queries
 * ---------------------------------------------------------------------------------- */

static void fold(kbar *agg, const kbar *b, int *have)
{
    if (!*have) {
        *agg = *b;
        *have = 1;
        return;
    }
    if (b->h > agg->h)
        agg->h = b->h;
    if (b->l < agg->l)
        agg->l = b->l;
    agg->c = b->c;
    if (agg->vol <= INT64_MAX - b->vol)
        agg->vol += b->vol;
}

int64_t sqt_kbars_current_open(const sqt_kbars *k, const char *symbol, int64_t iv_ms,
                               int64_t now_ms)
{
    int64_t t = now_ms;
    /* the traded symbol's bars may run ahead of now when the clock stepped back */
    if (k != NULL && symbol != NULL && strcmp(symbol, k->symbol) == 0 && k->have_cur &&
        k->cur.open_ms > t)
        t = k->cur.open_ms;
    return floor_to(t, iv_ms > 0 ? iv_ms : MINUTE);
}

int sqt_kbars_get(const sqt_kbars *k, const char *symbol, const char *interval,
                  int64_t open_ms, int64_t now_ms, sqt_kline *out)
{
    int64_t iv = sqt_kbars_interval_ms(interval);
    kbar agg;
    int have = 0;
    if (k == NULL || symbol == NULL || out == NULL || iv == 0)
        return 0;
    memset(out, 0, sizeof *out);
    memset(&agg, 0, sizeof agg);
    if (strcmp(symbol, k->symbol) == 0) {
        size_t i;
        for (i = 0; i < k->n; i++) {
            const kbar *b = &k->bars[(k->head + i) % SQT_KBARS_CAP];
            if (b->open_ms >= open_ms && b->open_ms < open_ms + iv)
                fold(&agg, b, &have);
        }
        if (k->have_cur && k->cur.open_ms >= open_ms && k->cur.open_ms < open_ms + iv)
            fold(&agg, &k->cur, &have);
    } else {
        int64_t t, end = open_ms + iv, lim = floor_to(now_ms, MINUTE) + MINUTE;
        int64_t first = lim - (int64_t)SQT_KBARS_CAP * MINUTE;
        if (end > lim)
            end = lim; /* no synthetic future */
        /* the same depth of history as the traded symbol, and bounded work */
        for (t = open_ms > first ? open_ms : first; t < end; t += MINUTE) {
            kbar b;
            synth_bar(k, symbol, t, &b);
            fold(&agg, &b, &have);
        }
    }
    if (!have)
        return 0;
    snprintf(out->symbol, sizeof out->symbol, "%s", symbol);
    snprintf(out->interval, sizeof out->interval, "%s", interval);
    out->open_time_ms = open_ms;
    out->close_time_ms = open_ms + iv - 1;
    out->open = sqt_dec_make(agg.o, k->tick.scale);
    out->high = sqt_dec_make(agg.h, k->tick.scale);
    out->low = sqt_dec_make(agg.l, k->tick.scale);
    out->close = sqt_dec_make(agg.c, k->tick.scale);
    out->volume = sqt_dec_make(agg.vol, k->step.scale);
    out->closed = now_ms >= open_ms + iv;
    return 1;
}

size_t sqt_kbars_recent(const sqt_kbars *k, const char *symbol, const char *interval,
                        size_t limit, int64_t now_ms, sqt_kline *out)
{
    int64_t iv = sqt_kbars_interval_ms(interval), last, t;
    size_t n = 0;
    if (k == NULL || symbol == NULL || out == NULL || iv == 0 || limit == 0)
        return 0;
    last = sqt_kbars_current_open(k, symbol, iv, now_ms);
    for (t = last - (int64_t)(limit - 1) * iv; t <= last; t += iv)
        if (sqt_kbars_get(k, symbol, interval, t, now_ms, &out[n]))
            n++;
    return n;
}
