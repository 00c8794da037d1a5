/* Price path: see pricepath.h. */
#include "pricepath.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>

#define TWO_PI 6.283185307179586
#define LINE_MAX_LEN 4096
#define MAX_FIELDS 16
/* prices stay below 1e14 mantissa units: far from int64 limits in any product */
#define MAX_MANT 100000000000000LL

typedef struct rng {
    uint64_t s[4];
    int have_spare;
    double spare;
} rng;

struct sqt_pricepath {
    sqt_pricepath_model model;
    sqt_dec tick, step;
    double tick_val;
    int64_t max_ticks;

    /* generators */
    rng r;
    double x;            /* GBM: log price; WALK: price */
    double start;
    double sigma, drift;
    int64_t step_ms, t;
    int first_done;

    /* replay */
    char *path;
    FILE *f;
    char *line;
    size_t line_cap;
    long lineno;
    int loop;
    sqt_csv_format fmt;
    int header;          /* the file starts with a header row */
    size_t npoints;
    int64_t first_t, last_t, gap; /* raw times of one pass, from the validation scan */
    int64_t offset;      /* added to raw times: grows by one span per loop */
    int64_t prev_t;      /* last raw time handed out in this pass (clamp: never decreasing) */
    int have_prev;
    sqt_price_point q[4];
    int qn, qi;
};

__attribute__((format(printf, 3, 4))) static void fmt_err(char *err, size_t errlen,
                                                           const char *fmt, ...)
{
    va_list ap;
    if (err == NULL || errlen == 0)
        return;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------------------------------
 * PRNG: splitmix64 seeds xoshiro256**
 * ---------------------------------------------------------------------------------- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += UINT64_C(0x9E3779B97F4A7C15));
    z = (z ^ (z >> 30)) * UINT64_C(0xBF58476D1CE4E5B9);
    z = (z ^ (z >> 27)) * UINT64_C(0x94D049BB133111EB);
    return z ^ (z >> 31);
}

static void rng_seed(rng *r, uint64_t seed)
{
    int i;
    for (i = 0; i < 4; i++)
        r->s[i] = splitmix64(&seed);
    r->have_spare = 0;
    r->spare = 0;
}

static uint64_t rotl(uint64_t x, int k)
{
    return (x << k) | (x >> (64 - k));
}

static uint64_t rng_next(rng *r)
{
    uint64_t *s = r->s;
    uint64_t res = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return res;
}

/* uniform in (0, 1] so log() is finite */
static double rng_unit(rng *r)
{
    return ((double)(rng_next(r) >> 11) + 1.0) * (1.0 / 9007199254740992.0);
}

static double rng_normal(rng *r)
{
    double u, v, rad;
    if (r->have_spare) {
        r->have_spare = 0;
        return r->spare;
    }
    u = rng_unit(r);
    v = rng_unit(r);
    rad = sqrt(-2.0 * log(u));
    r->spare = rad * sin(TWO_PI * v);
    r->have_spare = 1;
    return rad * cos(TWO_PI * v);
}

/* ------------------------------------------------------------------------------------
 * Helpers
 * ---------------------------------------------------------------------------------- */

static double dec_to_double(sqt_dec d)
{
    double v = (double)d.mant;
    int32_t i;
    for (i = 0; i < d.scale; i++)
        v /= 10.0;
    return v;
}

/* Price (double) -> tick multiple, at least one tick, at most max_ticks. */
static sqt_dec snap(const sqt_pricepath *p, double price)
{
    double n = floor(price / p->tick_val + 0.5);
    int64_t k;
    if (!(n >= 1.0)) /* also NaN */
        n = 1.0;
    if (n > (double)p->max_ticks)
        n = (double)p->max_ticks;
    k = (int64_t)n;
    return sqt_dec_make(k * p->tick.mant, p->tick.scale);
}

/* Exact decimal -> nearest tick multiple (half up), at the tick's scale. SQT_ERANGE if
 * it does not fit. */
static int snap_dec(const sqt_pricepath *p, sqt_dec d, sqt_dec *out)
{
    int64_t m = d.mant, t = p->tick.mant, k, r;
    int32_t s = d.scale;
    /* bring to the tick's scale, rounding half up when digits are dropped */
    while (s > p->tick.scale) {
        int64_t rem = m % 10;
        m /= 10;
        if (rem >= 5)
            m++;
        s--;
    }
    while (s < p->tick.scale) {
        if (m > MAX_MANT)
            return SQT_ERANGE;
        m *= 10;
        s++;
    }
    if (m > MAX_MANT)
        return SQT_ERANGE;
    k = m / t;
    r = m % t;
    if (2 * r >= t)
        k++;
    *out = sqt_dec_make(k * t, s);
    return SQT_OK;
}

/* Quantity at the step's scale, digits beyond it truncated (volume is informative). */
static sqt_dec qty_at_step(const sqt_pricepath *p, sqt_dec d)
{
    int64_t m = d.mant < 0 ? 0 : d.mant;
    int32_t s = d.scale;
    while (s > p->step.scale) {
        m /= 10;
        s--;
    }
    while (s < p->step.scale) {
        if (m > INT64_MAX / 10)
            return sqt_dec_make(0, p->step.scale);
        m *= 10;
        s++;
    }
    return sqt_dec_make(m, s);
}

static int dec_positive(sqt_dec d)
{
    return d.scale >= 0 && d.scale <= SQT_DEC_MAX_SCALE && d.mant > 0;
}

/* ------------------------------------------------------------------------------------
 * Generators
 * ---------------------------------------------------------------------------------- */

/* Synthetic traded quantity: about 1000 steps, more on larger moves. */
static sqt_dec gen_qty(const sqt_pricepath *p, rng *r, double z)
{
    double e = -log(rng_unit(r));
    int64_t n = 1 + (int64_t)(500.0 * (1.0 + fabs(z)) * e);
    if (n > 1000000)
        n = 1000000;
    return sqt_dec_make(n * p->step.mant, p->step.scale);
}

static double gen_step(const sqt_pricepath *p, rng *r, double x, double *z_out)
{
    double z = rng_normal(r);
    *z_out = z;
    if (p->model == SQT_PATH_GBM)
        return x + (p->drift + p->sigma * z);
    return x + p->start * (p->drift + p->sigma * z);
}

/* Keep the state inside the representable band so the path can always come back. */
static double clamp_state(const sqt_pricepath *p, double x)
{
    double lo = p->tick_val * 0.5, hi = p->tick_val * (double)p->max_ticks;
    if (p->model == SQT_PATH_GBM) {
        if (x < log(lo))
            x = log(lo);
        if (x > log(hi))
            x = log(hi);
    } else {
        if (x < lo)
            x = lo;
        if (x > hi)
            x = hi;
    }
    return x;
}

static double state_price(const sqt_pricepath *p, double x)
{
    return p->model == SQT_PATH_GBM ? exp(x) : x;
}

static int init_common(sqt_pricepath *p, const sqt_pricepath_config *cfg, char *err,
                       size_t errlen)
{
    p->model = cfg->model;
    p->tick = sqt_dec_normalize(cfg->tick_size);
    p->step = sqt_dec_normalize(cfg->step_size);
    if (!dec_positive(p->tick) || !dec_positive(p->step)) {
        fmt_err(err, errlen, "price path: tick_size and step_size must be > 0");
        return SQT_EINVAL;
    }
    if (p->tick.mant > MAX_MANT) {
        fmt_err(err, errlen, "price path: tick_size is too large");
        return SQT_ERANGE;
    }
    p->tick_val = dec_to_double(p->tick);
    p->max_ticks = MAX_MANT / p->tick.mant;
    return SQT_OK;
}

static int init_generator(sqt_pricepath *p, const sqt_pricepath_config *cfg, char *err,
                          size_t errlen)
{
    if (!dec_positive(cfg->start_price)) {
        fmt_err(err, errlen, "price path: start_price must be > 0");
        return SQT_EINVAL;
    }
    if (!isfinite(cfg->sigma) || cfg->sigma < 0 || cfg->sigma > 0.5) {
        fmt_err(err, errlen, "price path: volatility must be within 0..0.5 per step");
        return SQT_EINVAL;
    }
    if (!isfinite(cfg->drift) || fabs(cfg->drift) > 0.1) {
        fmt_err(err, errlen, "price path: drift must be within -0.1..0.1 per step");
        return SQT_EINVAL;
    }
    if (cfg->step_ms <= 0) {
        fmt_err(err, errlen, "price path: step interval must be > 0 ms");
        return SQT_EINVAL;
    }
    p->start = dec_to_double(cfg->start_price);
    if (p->start < p->tick_val * 0.5 || p->start > p->tick_val * (double)p->max_ticks) {
        fmt_err(err, errlen, "price path: start_price does not fit the tick size");
        return SQT_ERANGE;
    }
    p->sigma = cfg->sigma;
    p->drift = cfg->drift;
    p->step_ms = cfg->step_ms;
    p->t = cfg->start_ms;
    p->x = p->model == SQT_PATH_GBM ? log(p->start) : p->start;
    rng_seed(&p->r, cfg->seed);
    return SQT_OK;
}

int sqt_pricepath_history(const sqt_pricepath_config *cfg, size_t n, sqt_price_point *out,
                          char *err, size_t errlen)
{
    sqt_pricepath p;
    rng r;
    double x;
    size_t i;
    int rc;
    if (cfg == NULL || (n > 0 && out == NULL)) {
        fmt_err(err, errlen, "price path: bad arguments");
        return SQT_EINVAL;
    }
    if (cfg->model != SQT_PATH_GBM && cfg->model != SQT_PATH_WALK) {
        fmt_err(err, errlen, "price path: history exists only for generated paths");
        return SQT_EINVAL;
    }
    memset(&p, 0, sizeof p);
    rc = init_common(&p, cfg, err, errlen);
    if (rc == SQT_OK)
        rc = init_generator(&p, cfg, err, errlen);
    if (rc != SQT_OK)
        return rc;
    /* an independent stream: history must not replay the live path's draws */
    rng_seed(&r, cfg->seed ^ UINT64_C(0xA5A5F00DC0FFEE11));
    x = p.x;
    for (i = n; i > 0; i--) {
        /* walk backwards: x_{k-1} = x_k - step */
        double z = rng_normal(&r);
        double dx = p.model == SQT_PATH_GBM ? (p.drift + p.sigma * z)
                                             : p.start * (p.drift + p.sigma * z);
        x = clamp_state(&p, x - dx);
        out[i - 1].price = snap(&p, state_price(&p, x));
        out[i - 1].qty = gen_qty(&p, &r, z);
        out[i - 1].time_ms = cfg->start_ms - (int64_t)(n - i + 1) * cfg->step_ms;
    }
    return SQT_OK;
}

/* ------------------------------------------------------------------------------------
 * CSV replay
 * ---------------------------------------------------------------------------------- */

static int split(char *line, char **f, int max)
{
    int n = 0;
    char *s = line;
    for (;;) {
        char *c = strchr(s, ',');
        if (n == max)
            return -1;
        f[n++] = s;
        if (c == NULL)
            break;
        *c = '\0';
        s = c + 1;
    }
    return n;
}

static int parse_i64(const char *s, int64_t *out)
{
    uint64_t v = 0;
    int neg = 0;
    if (*s == '-') {
        neg = 1;
        s++;
    }
    if (*s == '\0')
        return -1;
    for (; *s; s++) {
        if (*s < '0' || *s > '9')
            return -1;
        if (v > (UINT64_C(9223372036854775807) - (uint64_t)(*s - '0')) / 10u)
            return -1;
        v = v * 10u + (uint64_t)(*s - '0');
    }
    *out = neg ? -(int64_t)v : (int64_t)v;
    return 0;
}

static int is_bool(const char *s)
{
    return strcmp(s, "true") == 0 || strcmp(s, "false") == 0 || strcmp(s, "True") == 0 ||
           strcmp(s, "False") == 0;
}

/* Binance spot files from 2025 use microseconds. */
static int64_t to_ms(int64_t t)
{
    return t > INT64_C(100000000000000) ? t / 1000 : t;
}

static int parse_price(const sqt_pricepath *p, const char *s, const char *what, sqt_dec *out,
                       char *why, size_t whylen)
{
    sqt_dec d;
    if (sqt_dec_parse(s, strlen(s), &d) != SQT_OK) {
        fmt_err(why, whylen, "%s \"%.32s\" is not a decimal number", what, s);
        return -1;
    }
    if (d.mant <= 0) {
        fmt_err(why, whylen, "%s %.32s is not > 0", what, s);
        return -1;
    }
    if (snap_dec(p, d, out) != SQT_OK) {
        fmt_err(why, whylen, "%s %.32s is too large", what, s);
        return -1;
    }
    if (out->mant <= 0) /* below half a tick: keep the path positive */
        *out = p->tick;
    return 0;
}

static int parse_qty(const sqt_pricepath *p, const char *s, const char *what, sqt_dec *out,
                     char *why, size_t whylen)
{
    sqt_dec d;
    if (sqt_dec_parse(s, strlen(s), &d) != SQT_OK || d.mant < 0) {
        fmt_err(why, whylen, "%s \"%.32s\" is not a non-negative decimal", what, s);
        return -1;
    }
    *out = qty_at_step(p, d);
    return 0;
}

static int cmp_dec(sqt_dec a, sqt_dec b)
{
    return sqt_dec_cmp(a, b, NULL); /* same tick scale: always comparable */
}

/* One data row -> 1 (aggTrade) or 4 (kline) points. Returns the count or -1 with why. */
static int parse_row(const sqt_pricepath *p, char *line, sqt_price_point *pts, char *why,
                     size_t whylen)
{
    char *f[MAX_FIELDS];
    int n = split(line, f, MAX_FIELDS);
    int64_t t, t2, id;
    if (n < 0) {
        fmt_err(why, whylen, "more than %d columns", MAX_FIELDS);
        return -1;
    }
    if (p->fmt == SQT_CSV_AGGTRADES) {
        if (n < 7 || n > 8) {
            fmt_err(why, whylen, "aggTrades row needs 7 or 8 columns, got %d", n);
            return -1;
        }
        if (parse_i64(f[0], &id) != 0 || parse_i64(f[3], &id) != 0 ||
            parse_i64(f[4], &id) != 0) {
            fmt_err(why, whylen, "trade ids must be integers");
            return -1;
        }
        if (parse_i64(f[5], &t) != 0 || t < 0) {
            fmt_err(why, whylen, "transact_time \"%.32s\" is not a time in ms", f[5]);
            return -1;
        }
        if (!is_bool(f[6])) {
            fmt_err(why, whylen, "is_buyer_maker \"%.16s\" is not true/false", f[6]);
            return -1;
        }
        if (parse_price(p, f[1], "price", &pts[0].price, why, whylen) != 0 ||
            parse_qty(p, f[2], "quantity", &pts[0].qty, why, whylen) != 0)
            return -1;
        pts[0].time_ms = to_ms(t);
        return 1;
    } else {
        sqt_dec o, h, l, c, v;
        int64_t iv = 60000, part;
        int i;
        if (n < 6) {
            fmt_err(why, whylen, "kline row needs at least 6 columns, got %d", n);
            return -1;
        }
        if (parse_i64(f[0], &t) != 0 || t < 0) {
            fmt_err(why, whylen, "open_time \"%.32s\" is not a time", f[0]);
            return -1;
        }
        t = to_ms(t);
        if (n >= 7) {
            if (parse_i64(f[6], &t2) != 0) {
                fmt_err(why, whylen, "close_time \"%.32s\" is not a time", f[6]);
                return -1;
            }
            t2 = to_ms(t2);
            if (t2 < t) {
                fmt_err(why, whylen, "close_time is before open_time");
                return -1;
            }
            iv = t2 + 1 - t;
        }
        if (parse_price(p, f[1], "open", &o, why, whylen) != 0 ||
            parse_price(p, f[2], "high", &h, why, whylen) != 0 ||
            parse_price(p, f[3], "low", &l, why, whylen) != 0 ||
            parse_price(p, f[4], "close", &c, why, whylen) != 0 ||
            parse_qty(p, f[5], "volume", &v, why, whylen) != 0)
            return -1;
        if (cmp_dec(h, o) < 0 || cmp_dec(h, c) < 0 || cmp_dec(l, o) > 0 || cmp_dec(l, c) > 0) {
            fmt_err(why, whylen, "high/low do not contain open/close");
            return -1;
        }
        /* open, then the extreme nearer the open's side of the move, the other, close */
        pts[0].price = o;
        if (cmp_dec(c, o) >= 0) {
            pts[1].price = l;
            pts[2].price = h;
        } else {
            pts[1].price = h;
            pts[2].price = l;
        }
        pts[3].price = c;
        part = v.mant / 4;
        for (i = 0; i < 4; i++) {
            pts[i].time_ms = t + iv * i / 4;
            pts[i].qty = sqt_dec_make(i == 3 ? v.mant - 3 * part : part, v.scale);
        }
        return 4;
    }
}

static void strip_eol(char *s, size_t *len)
{
    while (*len > 0 && (s[*len - 1] == '\n' || s[*len - 1] == '\r'))
        s[--*len] = '\0';
}

/* Reads the next non-empty line; 1 got one, 0 EOF, -1 error. */
static int read_line(sqt_pricepath *p, char *err, size_t errlen)
{
    for (;;) {
        ssize_t r;
        size_t len;
        errno = 0;
        r = getline(&p->line, &p->line_cap, p->f);
        if (r < 0) {
            if (ferror(p->f)) {
                fmt_err(err, errlen, "%s:%ld: read error: %s", p->path, p->lineno + 1,
                        strerror(errno ? errno : EIO));
                return -1;
            }
            return 0;
        }
        p->lineno++;
        len = (size_t)r;
        if (memchr(p->line, '\0', len) != NULL) {
            fmt_err(err, errlen, "%s:%ld: binary data (NUL byte) in a CSV line", p->path,
                    p->lineno);
            return -1;
        }
        if (len > LINE_MAX_LEN) {
            fmt_err(err, errlen, "%s:%ld: line longer than %d characters", p->path, p->lineno,
                    LINE_MAX_LEN);
            return -1;
        }
        strip_eol(p->line, &len);
        if (len == 0)
            continue;
        return 1;
    }
}

/* First non-empty line decides header and format. Leaves a data line in p->line when
 * there is no header (returns 2), or 1 after a header, 0 on an empty file. */
static int detect(sqt_pricepath *p, char *err, size_t errlen)
{
    char copy[LINE_MAX_LEN + 1];
    char *f[MAX_FIELDS];
    int n, r = read_line(p, err, errlen);
    if (r <= 0)
        return r;
    snprintf(copy, sizeof copy, "%s", p->line);
    n = split(copy, f, MAX_FIELDS);
    if (n < 0) {
        fmt_err(err, errlen, "%s:%ld: more than %d columns", p->path, p->lineno, MAX_FIELDS);
        return -1;
    }
    if (f[0][0] < '0' || f[0][0] > '9') {
        p->header = 1;
        if (strcmp(f[0], "open_time") == 0)
            p->fmt = SQT_CSV_KLINES;
        else if (strcmp(f[0], "agg_trade_id") == 0)
            p->fmt = SQT_CSV_AGGTRADES;
        else {
            fmt_err(err, errlen,
                    "%s:%ld: unknown header (expected a Binance klines file starting "
                    "\"open_time\" or an aggTrades file starting \"agg_trade_id\")",
                    p->path, p->lineno);
            return -1;
        }
        return 1;
    }
    if ((n == 7 || n == 8) && is_bool(f[6]))
        p->fmt = SQT_CSV_AGGTRADES;
    else if (n >= 6)
        p->fmt = SQT_CSV_KLINES;
    else {
        fmt_err(err, errlen,
                "%s:%ld: %d columns: neither Binance klines (6+ columns) nor aggTrades "
                "(7-8 columns)",
                p->path, p->lineno, n);
        return -1;
    }
    return 2;
}

static int row_points(sqt_pricepath *p, char *err, size_t errlen)
{
    char why[160];
    int n = parse_row(p, p->line, p->q, why, sizeof why);
    int i;
    if (n < 0) {
        fmt_err(err, errlen, "%s:%ld: %s", p->path, p->lineno, why);
        return -1;
    }
    for (i = 0; i < n; i++) { /* never backwards in time */
        if (p->have_prev && p->q[i].time_ms < p->prev_t)
            p->q[i].time_ms = p->prev_t;
        p->prev_t = p->q[i].time_ms;
        p->have_prev = 1;
    }
    p->qn = n;
    p->qi = 0;
    return n;
}

static int rewind_pass(sqt_pricepath *p, char *err, size_t errlen)
{
    int r;
    if (fseek(p->f, 0, SEEK_SET) != 0) {
        fmt_err(err, errlen, "%s: cannot rewind: %s", p->path, strerror(errno));
        return -1;
    }
    clearerr(p->f);
    p->lineno = 0;
    p->have_prev = 0;
    p->qn = p->qi = 0;
    r = detect(p, err, errlen);
    if (r < 0)
        return -1;
    if (r == 0) {
        fmt_err(err, errlen, "%s: no data rows", p->path);
        return -1;
    }
    if (r == 2 && row_points(p, err, errlen) < 0)
        return -1;
    return 0;
}

/* Validation pass: every row parses; learns the span for looping. */
static int scan(sqt_pricepath *p, char *err, size_t errlen)
{
    int r;
    size_t k = 0;
    if (rewind_pass(p, err, errlen) != 0)
        return -1;
    for (;;) {
        while (p->qi < p->qn) {
            int64_t t = p->q[p->qi++].time_ms;
            if (k == 0)
                p->first_t = t;
            else if (k == 1)
                p->gap = t - p->first_t;
            p->last_t = t;
            k++;
        }
        r = read_line(p, err, errlen);
        if (r < 0)
            return -1;
        if (r == 0)
            break;
        if (row_points(p, err, errlen) < 0)
            return -1;
    }
    if (k == 0) {
        fmt_err(err, errlen, "%s: no data rows", p->path);
        return -1;
    }
    if (p->gap < 1) /* a loop restarts one gap after the last point (a kline: its next open) */
        p->gap = 1;
    p->npoints = k;
    return rewind_pass(p, err, errlen);
}

static int init_csv(sqt_pricepath *p, const sqt_pricepath_config *cfg, char *err, size_t errlen)
{
    if (cfg->csv_path == NULL || cfg->csv_path[0] == '\0') {
        fmt_err(err, errlen, "price path: csv file not given");
        return SQT_EINVAL;
    }
    p->path = strdup(cfg->csv_path);
    if (p->path == NULL) {
        fmt_err(err, errlen, "price path: out of memory");
        return SQT_ENOMEM;
    }
    p->loop = cfg->loop ? 1 : 0;
    p->f = fopen(p->path, "r");
    if (p->f == NULL) {
        fmt_err(err, errlen, "%s: cannot open: %s", p->path, strerror(errno));
        return SQT_ENOENT;
    }
    if (scan(p, err, errlen) != 0)
        return SQT_EINVAL;
    return SQT_OK;
}

/* ------------------------------------------------------------------------------------ */

int sqt_pricepath_open(const sqt_pricepath_config *cfg, sqt_pricepath **out, char *err,
                       size_t errlen)
{
    sqt_pricepath *p;
    int rc;
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (cfg == NULL || out == NULL) {
        fmt_err(err, errlen, "price path: bad arguments");
        return SQT_EINVAL;
    }
    *out = NULL;
    if (cfg->model != SQT_PATH_GBM && cfg->model != SQT_PATH_WALK &&
        cfg->model != SQT_PATH_CSV) {
        fmt_err(err, errlen, "price path: unknown model %d", (int)cfg->model);
        return SQT_EINVAL;
    }
    p = calloc(1, sizeof *p);
    if (p == NULL) {
        fmt_err(err, errlen, "price path: out of memory");
        return SQT_ENOMEM;
    }
    rc = init_common(p, cfg, err, errlen);
    if (rc == SQT_OK)
        rc = cfg->model == SQT_PATH_CSV ? init_csv(p, cfg, err, errlen)
                                        : init_generator(p, cfg, err, errlen);
    if (rc != SQT_OK) {
        sqt_pricepath_close(p);
        return rc;
    }
    *out = p;
    return SQT_OK;
}

static int next_csv(sqt_pricepath *p, sqt_price_point *out, char *err, size_t errlen)
{
    for (;;) {
        int r;
        if (p->qi < p->qn) {
            *out = p->q[p->qi++];
            out->time_ms += p->offset;
            return 1;
        }
        r = read_line(p, err, errlen);
        if (r < 0)
            return SQT_EPROTO;
        if (r == 0) {
            if (!p->loop)
                return 0;
            p->offset += p->last_t - p->first_t + p->gap;
            if (rewind_pass(p, err, errlen) != 0)
                return SQT_EPROTO;
            continue;
        }
        if (row_points(p, err, errlen) < 0)
            return SQT_EPROTO;
    }
}

int sqt_pricepath_next(sqt_pricepath *p, sqt_price_point *out, char *err, size_t errlen)
{
    double z;
    if (p == NULL || out == NULL) {
        fmt_err(err, errlen, "price path: bad arguments");
        return SQT_EINVAL;
    }
    if (p->model == SQT_PATH_CSV)
        return next_csv(p, out, err, errlen);
    if (!p->first_done) {
        p->first_done = 1;
        out->price = snap(p, p->start);
        out->qty = gen_qty(p, &p->r, 0.0);
        out->time_ms = p->t;
        return 1;
    }
    p->x = clamp_state(p, gen_step(p, &p->r, p->x, &z));
    p->t += p->step_ms;
    out->price = snap(p, state_price(p, p->x));
    out->qty = gen_qty(p, &p->r, z);
    out->time_ms = p->t;
    return 1;
}

void sqt_pricepath_close(sqt_pricepath *p)
{
    if (p == NULL)
        return;
    if (p->f != NULL)
        fclose(p->f);
    free(p->line);
    free(p->path);
    free(p);
}

sqt_csv_format sqt_pricepath_csv_format(const sqt_pricepath *p)
{
    return p && p->model == SQT_PATH_CSV ? p->fmt : SQT_CSV_NONE;
}

size_t sqt_pricepath_csv_points(const sqt_pricepath *p)
{
    return p && p->model == SQT_PATH_CSV ? p->npoints : 0;
}
