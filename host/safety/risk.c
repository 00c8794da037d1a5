/* Risk monitor: see risk.h. */
#include "risk.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "suggest.h"

typedef struct candle {
    int64_t open_ms;
    int64_t close_ms;
    double close;
    double volume;
} candle;

typedef struct sym {
    char name[SQT_SYMBOL_MAX];
    candle *closed;            /* ring of the last W+1 closed candles, oldest first */
    size_t n_closed;
    int has_open;
    candle open;               /* the forming candle, newer than every closed one */
    int64_t last_rx_ms;        /* now_ms of the last candle fed; 0 = never */
} sym;

struct sqt_risk {
    sqt_risk_params p;
    sym *syms;
    size_t n;
    int triggered;
    int64_t triggered_at;      /* wall ms of the trigger */
};

static double dec_to_double(sqt_dec d)
{
    double v = (double)d.mant;
    int s = d.scale;
    while (s-- > 0)
        v /= 10.0;
    return v;
}

sqt_risk *sqt_risk_new(const sqt_risk_params *p)
{
    sqt_risk *r;
    size_t i;
    if (p->n_symbols == 0 || p->window <= 0)
        return NULL;
    r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    r->p = *p;
    r->p.symbols = NULL;
    if (r->p.recovery_threshold < 1)
        r->p.recovery_threshold = 1;
    if ((size_t)r->p.recovery_threshold > p->n_symbols)
        r->p.recovery_threshold = (int)p->n_symbols;
    r->syms = calloc(p->n_symbols, sizeof(sym));
    if (r->syms == NULL) {
        free(r);
        return NULL;
    }
    r->n = p->n_symbols;
    for (i = 0; i < r->n; i++) {
        strncpy(r->syms[i].name, p->symbols[i], SQT_SYMBOL_MAX - 1);
        r->syms[i].closed = calloc((size_t)p->window + 1, sizeof(candle));
        if (r->syms[i].closed == NULL) {
            sqt_risk_free(r);
            return NULL;
        }
    }
    return r;
}

void sqt_risk_free(sqt_risk *r)
{
    size_t i;
    if (r == NULL)
        return;
    for (i = 0; i < r->n; i++)
        free(r->syms[i].closed);
    free(r->syms);
    free(r);
}

int sqt_risk_triggered(const sqt_risk *r)
{
    return r->triggered;
}

static sym *find_sym(sqt_risk *r, const char *name)
{
    size_t i;
    for (i = 0; i < r->n; i++)
        if (strcmp(r->syms[i].name, name) == 0)
            return &r->syms[i];
    return NULL;
}

static void add_closed(sqt_risk *r, sym *s, const candle *c)
{
    size_t cap = (size_t)r->p.window + 1, i;
    /* same open time: a repeat or a correction of a candle we have */
    for (i = 0; i < s->n_closed; i++)
        if (s->closed[i].open_ms == c->open_ms) {
            s->closed[i] = *c;
            return;
        }
    if (s->n_closed > 0 && c->open_ms < s->closed[s->n_closed - 1].open_ms)
        return; /* older than what we hold: irrelevant */
    if (s->n_closed == cap) {
        memmove(&s->closed[0], &s->closed[1], (cap - 1) * sizeof(candle));
        s->n_closed--;
    }
    s->closed[s->n_closed++] = *c;
    if (s->has_open && s->open.open_ms <= c->open_ms)
        s->has_open = 0;
}

/* Averages over the W closed candles before index `cur` (exclusive). */
static int averages(const sqt_risk *r, const sym *s, size_t cur, double *ap, double *av)
{
    size_t w = (size_t)r->p.window, i;
    double sp = 0, sv = 0;
    if (cur < w)
        return 0;
    for (i = cur - w; i < cur; i++) {
        sp += s->closed[i].close;
        sv += s->closed[i].volume;
    }
    *ap = sp / (double)w;
    *av = sv / (double)w;
    return 1;
}

/* Panic test: current = forming candle if any, else the last closed one. */
static int is_panic(const sqt_risk *r, const sym *s, sqt_risk_view *v)
{
    const candle *cur;
    size_t before;
    double ap, av;
    if (s->has_open) {
        cur = &s->open;
        before = s->n_closed;
    } else {
        if (s->n_closed == 0)
            return 0;
        cur = &s->closed[s->n_closed - 1];
        before = s->n_closed - 1;
    }
    if (v) {
        v->closed = !s->has_open;
        v->close = cur->close;
        v->volume = cur->volume;
        v->open_time_ms = cur->open_ms;
    }
    if (!averages(r, s, before, &ap, &av))
        return 0;
    if (v) {
        v->enough = 1;
        v->avg_close = ap;
        v->avg_volume = av;
    }
    return cur->close < ap && cur->volume > av * r->p.volume_multiplier;
}

/* Recovery test: only a candle that closed after the trigger counts. */
static int is_recovered(const sqt_risk *r, const sym *s)
{
    const candle *cur;
    double ap, av;
    if (s->n_closed == 0)
        return 0;
    cur = &s->closed[s->n_closed - 1];
    if (cur->close_ms < r->triggered_at)
        return 0;
    if (!averages(r, s, s->n_closed - 1, &ap, &av))
        return 0;
    return cur->close > ap && cur->volume < av * r->p.volume_multiplier;
}

int sqt_risk_on_kline(sqt_risk *r, const sqt_kline *k, int64_t now_ms)
{
    sym *s = find_sym(r, k->symbol);
    candle c;
    size_t i, count = 0;
    if (s == NULL || k->close.mant <= 0 || k->volume.mant < 0)
        return SQT_RISK_NONE;
    s->last_rx_ms = now_ms > 0 ? now_ms : 1;
    c.open_ms = k->open_time_ms;
    c.close_ms = k->close_time_ms;
    c.close = dec_to_double(k->close);
    c.volume = dec_to_double(k->volume);
    if (k->closed) {
        add_closed(r, s, &c);
    } else {
        if (s->n_closed > 0 && c.open_ms <= s->closed[s->n_closed - 1].open_ms)
            return SQT_RISK_NONE; /* a stale forming candle */
        s->open = c;
        s->has_open = 1;
    }
    if (!r->triggered) {
        for (i = 0; i < r->n; i++)
            count += (size_t)is_panic(r, &r->syms[i], NULL);
        if (count >= r->n) {
            r->triggered = 1;
            r->triggered_at = now_ms;
            return SQT_RISK_TRIGGERED;
        }
        return SQT_RISK_NONE;
    }
    if (now_ms - r->triggered_at < r->p.min_pause_ms)
        return SQT_RISK_NONE;
    for (i = 0; i < r->n; i++)
        count += (size_t)is_recovered(r, &r->syms[i]);
    if (count >= (size_t)r->p.recovery_threshold) {
        r->triggered = 0;
        return SQT_RISK_RECOVERED;
    }
    return SQT_RISK_NONE;
}

size_t sqt_risk_view_get(const sqt_risk *r, sqt_risk_view *out, size_t cap)
{
    size_t i;
    for (i = 0; i < r->n && i < cap; i++) {
        memset(&out[i], 0, sizeof(out[i]));
        out[i].symbol = r->syms[i].name;
        out[i].panic = is_panic(r, &r->syms[i], &out[i]);
        out[i].threshold = out[i].avg_volume * r->p.volume_multiplier;
        out[i].last_rx_ms = r->syms[i].last_rx_ms;
    }
    return i;
}

/* Append to buf at *len, keeping *len what snprintf would have written in all. */
static void put(char *buf, size_t cap, int *len, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void put(char *buf, size_t cap, int *len, const char *fmt, ...)
{
    va_list ap;
    size_t at = (size_t)*len < cap ? (size_t)*len : cap;
    int n;
    va_start(ap, fmt);
    n = vsnprintf(buf + at, cap - at, fmt, ap);
    va_end(ap);
    if (n > 0)
        *len += n;
}

static void age_text(int64_t now_ms, int64_t rx_ms, char *out, size_t cap)
{
    if (rx_ms == 0)
        snprintf(out, cap, "never");
    else
        snprintf(out, cap, "%lld s ago", (long long)((now_ms - rx_ms) / 1000));
}

int sqt_risk_report(const sqt_risk *r, int64_t now_ms, char *buf, size_t cap)
{
    size_t i, panics = 0;
    int len = 0;
    char age[32];
    if (cap > 0)
        buf[0] = '\0';
    for (i = 0; i < r->n; i++)
        panics += (size_t)is_panic(r, &r->syms[i], NULL);
    put(buf, cap, &len, "risk monitor: %s, %zu of %zu symbols show a panic candle (trigger: all; "
        "recovery: %d)", r->triggered ? "TRIGGERED, trading paused" : "normal", panics, r->n,
        r->p.recovery_threshold);
    for (i = 0; i < r->n; i++) {
        sqt_risk_view v;
        memset(&v, 0, sizeof v);
        v.panic = is_panic(r, &r->syms[i], &v);
        age_text(now_ms, r->syms[i].last_rx_ms, age, sizeof age);
        if (!v.enough) {
            put(buf, cap, &len, "\n  %s: close %.8g, not enough candles yet (%zu of %d), last candle %s",
                r->syms[i].name, v.close, r->syms[i].n_closed, r->p.window, age);
            continue;
        }
        put(buf, cap, &len,
            "\n  %s: close %.8g (avg %.8g), volume %.6g vs threshold %.6g (avg %.6g x %g)%s, %s, "
            "last candle %s",
            r->syms[i].name, v.close, v.avg_close, v.volume, v.avg_volume * r->p.volume_multiplier,
            v.avg_volume, r->p.volume_multiplier, v.closed ? "" : " forming",
            v.panic ? "PANIC" : "normal", age);
    }
    return len;
}

size_t sqt_risk_stale(const sqt_risk *r, int64_t now_ms, int64_t max_age_ms, char *buf,
                      size_t cap)
{
    size_t i, n = 0;
    int len = 0;
    char age[32];
    if (cap > 0)
        buf[0] = '\0';
    for (i = 0; i < r->n; i++) {
        const sym *s = &r->syms[i];
        if (s->last_rx_ms != 0 && now_ms - s->last_rx_ms <= max_age_ms)
            continue;
        age_text(now_ms, s->last_rx_ms, age, sizeof age);
        put(buf, cap, &len, "%s%s (last candle %s)", n == 0 ? "risk monitor data is stale: " : ", ",
            s->name, age);
        n++;
    }
    if (n > 0)
        put(buf, cap, &len, "; limit %lld s: the monitor cannot trigger on what it does not see",
            (long long)(max_age_ms / 1000));
    return n;
}

int64_t sqt_risk_interval_ms(const char *interval)
{
    char *end = NULL;
    long v;
    int64_t unit;
    if (interval == NULL || interval[0] < '1' || interval[0] > '9')
        return 0;
    v = strtol(interval, &end, 10);
    if (end == NULL || v <= 0 || v > 1000 || end[0] == '\0' || end[1] != '\0')
        return 0;
    switch (end[0]) {
    case 's': unit = 1000; break;
    case 'm': unit = 60 * 1000; break;
    case 'h': unit = 3600 * 1000; break;
    case 'd': unit = 86400 * 1000; break;
    case 'w': unit = 7 * 86400 * 1000LL; break;
    case 'M': unit = 30 * 86400 * 1000LL; break;
    default: return 0;
    }
    return (int64_t)v * unit;
}

int sqt_risk_history_refuses(int code, size_t n_candles)
{
    switch (code) {
    case SQT_OK:
        return n_candles == 0;
    case SQT_ENETWORK:
    case SQT_ETIMEOUT:
    case SQT_ERATE_LIMITED:
    case SQT_EBANNED:
    case SQT_EUNKNOWN_STATUS:
    case SQT_ECANCELLED:
    case SQT_ETIMESTAMP:
    case SQT_ENOMEM:
    case SQT_EPROTO:
        return 0; /* says nothing about the symbol: warn and let the stream fill it */
    default:
        return 1;
    }
}

void sqt_risk_unknown_symbol(const char *symbol, const char *const *known, size_t n_known,
                             char *buf, size_t cap)
{
    static const char *const leaders[] = {"BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT",
                                          "BNBUSDT", "DOGEUSDT", "ADAUSDT"};
    const char *cands[64];
    const char *best;
    size_t n = 0, i;
    for (i = 0; i < n_known && n < 48; i++)
        cands[n++] = known[i];
    for (i = 0; i < sizeof leaders / sizeof leaders[0]; i++)
        cands[n++] = leaders[i];
    best = sqt_suggest(symbol, cands, n, 1);
    if (best != NULL)
        snprintf(buf, cap, "risk_control.monitor_symbols: %s is not a symbol of this exchange "
                 "(did you mean %s?)", symbol, best);
    else
        snprintf(buf, cap, "risk_control.monitor_symbols: %s is not a symbol of this exchange",
                 symbol);
}
