/* Market data parsing for the backtest: see bt_data.h. */
#include "bt_data.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FIELDS 16
#define LINE_MAX_LEN 4096

typedef struct field {
    const char *s;
    size_t n;
} field;

struct sqt_bt_reader {
    char *name;
    sqt_bt_format fmt;
    sqt_bt_tick_cb cb;
    void *ud;
    int64_t line;              /* lines seen */
    uint64_t rows;             /* data rows */
    int64_t last_ms;
    int saw_first;             /* the first non-empty line was looked at */
    char carry[LINE_MAX_LEN + 2]; /* a line split across chunks */
    size_t carry_n;
    int carry_long;            /* the split line is already too long */
};

const char *sqt_bt_format_name(sqt_bt_format f)
{
    switch (f) {
    case SQT_BT_FMT_BINANCE_AGG:
        return "binance-aggtrades";
    case SQT_BT_FMT_BINANCE_KLINES:
        return "binance-klines";
    case SQT_BT_FMT_BITGET:
        return "bitget";
    case SQT_BT_FMT_GATE:
        return "gate";
    default:
        return "auto";
    }
}

int sqt_bt_format_parse(const char *s, sqt_bt_format *out)
{
    static const struct {
        const char *name;
        sqt_bt_format f;
    } names[] = {{"auto", SQT_BT_FMT_AUTO},           {"binance-aggtrades", SQT_BT_FMT_BINANCE_AGG},
                 {"aggtrades", SQT_BT_FMT_BINANCE_AGG}, {"binance-klines", SQT_BT_FMT_BINANCE_KLINES},
                 {"klines", SQT_BT_FMT_BINANCE_KLINES}, {"bitget", SQT_BT_FMT_BITGET},
                 {"gate", SQT_BT_FMT_GATE}};
    size_t i;
    for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
        if (strcmp(s, names[i].name) == 0) {
            *out = names[i].f;
            return 0;
        }
    return -1;
}

sqt_bt_reader *sqt_bt_reader_new(const char *name, sqt_bt_format fmt, sqt_bt_tick_cb cb, void *ud)
{
    sqt_bt_reader *r = calloc(1, sizeof(*r));
    if (r == NULL)
        return NULL;
    r->name = strdup(name ? name : "data");
    if (r->name == NULL) {
        free(r);
        return NULL;
    }
    r->fmt = fmt;
    r->cb = cb;
    r->ud = ud;
    r->last_ms = INT64_MIN;
    return r;
}

void sqt_bt_reader_free(sqt_bt_reader *r)
{
    if (r == NULL)
        return;
    free(r->name);
    free(r);
}

sqt_bt_format sqt_bt_reader_format(const sqt_bt_reader *r)
{
    return r->fmt;
}

uint64_t sqt_bt_reader_rows(const sqt_bt_reader *r)
{
    return r->rows;
}

static int fail(const sqt_bt_reader *r, char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(const sqt_bt_reader *r, char *err, size_t errlen, const char *fmt, ...)
{
    char why[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(why, sizeof(why), fmt, ap);
    va_end(ap);
    if (err && errlen)
        snprintf(err, errlen, "%s:%lld: %s", r->name, (long long)r->line, why);
    return SQT_EINVAL;
}

static int split(const char *s, size_t n, field *f)
{
    int k = 0;
    size_t start = 0, i;
    for (i = 0; i <= n; i++) {
        if (i == n || s[i] == ',') {
            if (k == MAX_FIELDS)
                return -1;
            f[k].s = s + start;
            f[k].n = i - start;
            /* a quoted field ("123") is the same value */
            if (f[k].n >= 2 && f[k].s[0] == '"' && f[k].s[f[k].n - 1] == '"') {
                f[k].s++;
                f[k].n -= 2;
            }
            k++;
            start = i + 1;
        }
    }
    return k;
}

static int is_int(field f)
{
    size_t i = 0;
    if (f.n == 0)
        return 0;
    if (f.s[0] == '-')
        i = 1;
    if (i == f.n)
        return 0;
    for (; i < f.n; i++)
        if (f.s[i] < '0' || f.s[i] > '9')
            return 0;
    return 1;
}

static int to_i64(field f, int64_t *out)
{
    int64_t v = 0;
    size_t i = 0;
    int neg = 0;
    if (!is_int(f) || f.n > 19)
        return -1;
    if (f.s[0] == '-') {
        neg = 1;
        i = 1;
    }
    for (; i < f.n; i++) {
        if (v > (INT64_MAX - (f.s[i] - '0')) / 10)
            return -1;
        v = v * 10 + (f.s[i] - '0');
    }
    *out = neg ? -v : v;
    return 0;
}

static int field_is(field f, const char *word)
{
    size_t n = strlen(word), i;
    if (f.n != n)
        return 0;
    for (i = 0; i < n; i++) {
        char c = f.s[i];
        if (c >= 'A' && c <= 'Z')
            c = (char)(c - 'A' + 'a');
        if (c != word[i])
            return 0;
    }
    return 1;
}

/* Binance writes ms, newer spot files µs: anything beyond year 5138 in ms is µs. */
static int64_t to_ms(int64_t t)
{
    return t >= INT64_C(100000000000000) ? t / 1000 : t;
}

/* Gate: seconds with an optional fraction ("1700000000.123"). */
static int gate_time(field f, int64_t *ms)
{
    int64_t sec = 0, frac = 0;
    size_t i = 0;
    int digits = 0, fd = 0;
    for (; i < f.n && f.s[i] != '.'; i++) {
        if (f.s[i] < '0' || f.s[i] > '9' || ++digits > 12)
            return -1;
        sec = sec * 10 + (f.s[i] - '0');
    }
    if (digits == 0)
        return -1;
    if (i < f.n) {
        for (i++; i < f.n; i++) {
            if (f.s[i] < '0' || f.s[i] > '9')
                return -1;
            if (fd < 3) {
                frac = frac * 10 + (f.s[i] - '0');
                fd++;
            }
        }
    }
    for (; fd < 3; fd++)
        frac *= 10;
    *ms = sec * 1000 + frac;
    return 0;
}

static int price_of(const sqt_bt_reader *r, field f, const char *what, sqt_dec *out, char *err,
                    size_t errlen)
{
    if (sqt_dec_parse(f.s, f.n, out) != SQT_OK)
        return fail(r, err, errlen, "%s \"%.*s\" is not a decimal number", what,
                    (int)(f.n > 32 ? 32 : f.n), f.s);
    if (out->mant <= 0)
        return fail(r, err, errlen, "%s %.*s is not > 0", what, (int)(f.n > 32 ? 32 : f.n), f.s);
    return 0;
}

static int qty_of(const sqt_bt_reader *r, field f, const char *what, int allow_sign, sqt_dec *out,
                  char *err, size_t errlen)
{
    if (sqt_dec_parse(f.s, f.n, out) != SQT_OK || (!allow_sign && out->mant < 0))
        return fail(r, err, errlen, "%s \"%.*s\" is not a non-negative decimal", what,
                    (int)(f.n > 32 ? 32 : f.n), f.s);
    if (out->mant < 0)
        out->mant = -out->mant;
    return 0;
}

/* Header line? Sets the format when it names one. 1 header, 0 data. */
static int header(sqt_bt_reader *r, const field *f, int n, char *err, size_t errlen, int *rc)
{
    sqt_bt_format seen = SQT_BT_FMT_AUTO;
    *rc = 0;
    if (n < 1 || is_int(f[0]) || (f[0].n > 0 && f[0].s[0] >= '0' && f[0].s[0] <= '9'))
        return 0;
    if (field_is(f[0], "agg_trade_id"))
        seen = SQT_BT_FMT_BINANCE_AGG;
    else if (field_is(f[0], "open_time"))
        seen = SQT_BT_FMT_BINANCE_KLINES;
    else if (field_is(f[0], "trade_id") && n >= 4 && field_is(f[1], "timestamp"))
        seen = SQT_BT_FMT_BITGET;
    else if (field_is(f[0], "timestamp") && n >= 2 && field_is(f[1], "dealid"))
        seen = SQT_BT_FMT_GATE;
    if (seen == SQT_BT_FMT_AUTO) {
        *rc = fail(r, err, errlen,
                   "unknown header \"%.*s...\" (expected Binance aggTrades/klines, Bitget or "
                   "Gate trades)",
                   (int)(f[0].n > 32 ? 32 : f[0].n), f[0].s);
        return 1;
    }
    if (r->fmt != SQT_BT_FMT_AUTO && r->fmt != seen) {
        *rc = fail(r, err, errlen, "the header is of a %s file, not %s", sqt_bt_format_name(seen),
                   sqt_bt_format_name(r->fmt));
        return 1;
    }
    r->fmt = seen;
    return 1;
}

static sqt_bt_format guess(const field *f, int n)
{
    if ((n == 7 || n == 8) && (field_is(f[6], "true") || field_is(f[6], "false")))
        return SQT_BT_FMT_BINANCE_AGG;
    if (n >= 6 && (n == 6 || n == 12) && (field_is(f[3], "buy") || field_is(f[3], "sell")))
        return SQT_BT_FMT_BITGET;
    if (n >= 6 && is_int(f[0]) && f[0].n >= 12)
        return SQT_BT_FMT_BINANCE_KLINES;
    if ((n == 4 || n == 5) && f[0].n > 0 && (memchr(f[0].s, '.', f[0].n) || f[0].n <= 10))
        return SQT_BT_FMT_GATE;
    return SQT_BT_FMT_AUTO;
}

static int emit(sqt_bt_reader *r, int64_t t, sqt_dec price, sqt_dec qty, char *err, size_t errlen)
{
    sqt_bt_tick tk;
    if (t < 0)
        return fail(r, err, errlen, "negative time");
    if (t < r->last_ms)
        return fail(r, err, errlen, "time %lld ms is before the previous row's %lld ms (rows must be "
                                    "in time order)",
                    (long long)t, (long long)r->last_ms);
    r->last_ms = t;
    tk.time_ms = t;
    tk.price = price;
    tk.qty = qty;
    tk.line = r->line;
    return r->cb(r->ud, &tk);
}

static int row_kline(sqt_bt_reader *r, const field *f, int n, char *err, size_t errlen)
{
    sqt_dec o, h, l, c, v, pts[4];
    int64_t t, t2, iv = 60000, part;
    int i, rc;
    if (n < 6)
        return fail(r, err, errlen, "kline row needs at least 6 columns, got %d", n);
    if (to_i64(f[0], &t) != 0 || t < 0)
        return fail(r, err, errlen, "open_time \"%.*s\" is not a time", (int)(f[0].n > 24 ? 24 : f[0].n),
                    f[0].s);
    t = to_ms(t);
    if (n >= 7) {
        if (to_i64(f[6], &t2) != 0)
            return fail(r, err, errlen, "close_time is not a time");
        t2 = to_ms(t2);
        if (t2 < t)
            return fail(r, err, errlen, "close_time is before open_time");
        iv = t2 + 1 - t;
    }
    if ((rc = price_of(r, f[1], "open", &o, err, errlen)) != 0 ||
        (rc = price_of(r, f[2], "high", &h, err, errlen)) != 0 ||
        (rc = price_of(r, f[3], "low", &l, err, errlen)) != 0 ||
        (rc = price_of(r, f[4], "close", &c, err, errlen)) != 0 ||
        (rc = qty_of(r, f[5], "volume", 0, &v, err, errlen)) != 0)
        return rc;
    if (sqt_dec_cmp(h, o, NULL) < 0 || sqt_dec_cmp(h, c, NULL) < 0 || sqt_dec_cmp(l, o, NULL) > 0 ||
        sqt_dec_cmp(l, c, NULL) > 0)
        return fail(r, err, errlen, "high/low do not contain open/close");
    /* open, the extreme on the far side of the move first, the other, close */
    pts[0] = o;
    pts[1] = sqt_dec_cmp(c, o, NULL) >= 0 ? l : h;
    pts[2] = sqt_dec_cmp(c, o, NULL) >= 0 ? h : l;
    pts[3] = c;
    part = v.mant / 4;
    for (i = 0; i < 4; i++) {
        sqt_dec q = sqt_dec_make(i == 3 ? v.mant - 3 * part : part, v.scale);
        if ((rc = emit(r, t + iv * i / 4, pts[i], q, err, errlen)) != 0)
            return rc;
    }
    return 0;
}

static int row(sqt_bt_reader *r, const field *f, int n, char *err, size_t errlen)
{
    sqt_dec price, qty;
    int64_t t, id;
    int rc;
    switch (r->fmt) {
    case SQT_BT_FMT_BINANCE_AGG:
        if (n < 7 || n > 8)
            return fail(r, err, errlen, "aggTrades row needs 7 or 8 columns, got %d", n);
        if (to_i64(f[0], &id) != 0 || to_i64(f[3], &id) != 0 || to_i64(f[4], &id) != 0)
            return fail(r, err, errlen, "trade ids must be integers");
        if (to_i64(f[5], &t) != 0 || t < 0)
            return fail(r, err, errlen, "transact_time \"%.*s\" is not a time in ms",
                        (int)(f[5].n > 24 ? 24 : f[5].n), f[5].s);
        if (!field_is(f[6], "true") && !field_is(f[6], "false"))
            return fail(r, err, errlen, "is_buyer_maker \"%.*s\" is not true/false",
                        (int)(f[6].n > 16 ? 16 : f[6].n), f[6].s);
        if ((rc = price_of(r, f[1], "price", &price, err, errlen)) != 0 ||
            (rc = qty_of(r, f[2], "quantity", 0, &qty, err, errlen)) != 0)
            return rc;
        return emit(r, to_ms(t), price, qty, err, errlen);
    case SQT_BT_FMT_BINANCE_KLINES:
        return row_kline(r, f, n, err, errlen);
    case SQT_BT_FMT_BITGET:
        if (n < 5 || n > 6)
            return fail(r, err, errlen, "Bitget trade row needs 5 or 6 columns, got %d", n);
        if (to_i64(f[0], &id) != 0)
            return fail(r, err, errlen, "trade_id must be an integer");
        if (to_i64(f[1], &t) != 0 || t < 0)
            return fail(r, err, errlen, "timestamp \"%.*s\" is not a time in ms",
                        (int)(f[1].n > 24 ? 24 : f[1].n), f[1].s);
        if (!field_is(f[3], "buy") && !field_is(f[3], "sell"))
            return fail(r, err, errlen, "side \"%.*s\" is not buy/sell", (int)(f[3].n > 16 ? 16 : f[3].n),
                        f[3].s);
        /* six columns: volume(quote), size(base); five (older files): the size only */
        if ((rc = price_of(r, f[2], "price", &price, err, errlen)) != 0 ||
            (rc = qty_of(r, f[n - 1], "size", 0, &qty, err, errlen)) != 0)
            return rc;
        return emit(r, to_ms(t), price, qty, err, errlen);
    case SQT_BT_FMT_GATE:
        if (n < 4 || n > 5)
            return fail(r, err, errlen, "Gate trade row needs 4 or 5 columns, got %d", n);
        if (gate_time(f[0], &t) != 0)
            return fail(r, err, errlen, "timestamp \"%.*s\" is not a time in seconds",
                        (int)(f[0].n > 24 ? 24 : f[0].n), f[0].s);
        if (to_i64(f[1], &id) != 0)
            return fail(r, err, errlen, "dealid must be an integer");
        /* futures: signed size (negative = sell); spot: amount then side */
        if ((rc = price_of(r, f[2], "price", &price, err, errlen)) != 0 ||
            (rc = qty_of(r, f[3], "size", 1, &qty, err, errlen)) != 0)
            return rc;
        return emit(r, t, price, qty, err, errlen);
    default:
        return fail(r, err, errlen, "unknown format");
    }
}

static int line(sqt_bt_reader *r, const char *s, size_t n, char *err, size_t errlen)
{
    field f[MAX_FIELDS];
    int k, rc;
    r->line++;
    while (n > 0 && (s[n - 1] == '\r' || s[n - 1] == ' '))
        n--;
    if (n == 0)
        return 0;
    if (n > LINE_MAX_LEN)
        return fail(r, err, errlen, "line longer than %d characters", LINE_MAX_LEN);
    if (memchr(s, '\0', n) != NULL)
        return fail(r, err, errlen, "binary data (NUL byte) in a CSV line");
    if ((k = split(s, n, f)) < 0)
        return fail(r, err, errlen, "more than %d columns", MAX_FIELDS);
    if (!r->saw_first) {
        r->saw_first = 1;
        if (header(r, f, k, err, errlen, &rc))
            return rc;
        if (r->fmt == SQT_BT_FMT_AUTO && (r->fmt = guess(f, k)) == SQT_BT_FMT_AUTO)
            return fail(r, err, errlen,
                        "%d columns: not a Binance aggTrades/klines, Bitget or Gate trades row "
                        "(give --format)",
                        k);
    }
    r->rows++;
    return row(r, f, k, err, errlen);
}

int sqt_bt_reader_push(sqt_bt_reader *r, const char *buf, size_t len, char *err, size_t errlen)
{
    size_t pos = 0;
    int rc;
    while (pos < len) {
        const char *nl = memchr(buf + pos, '\n', len - pos);
        size_t n = nl ? (size_t)(nl - (buf + pos)) : len - pos;
        if (r->carry_n > 0 || r->carry_long || nl == NULL) {
            /* a line across chunks: collect it (at most LINE_MAX_LEN + 1 bytes kept) */
            size_t room = sizeof(r->carry) - r->carry_n, take = n < room ? n : room;
            memcpy(r->carry + r->carry_n, buf + pos, take);
            r->carry_n += take;
            if (take < n)
                r->carry_long = 1;
            if (nl == NULL)
                return 0;
            if (r->carry_long) {
                r->line++;
                return fail(r, err, errlen, "line longer than %d characters", LINE_MAX_LEN);
            }
            rc = line(r, r->carry, r->carry_n, err, errlen);
            r->carry_n = 0;
        } else {
            rc = line(r, buf + pos, n, err, errlen);
        }
        if (rc != 0)
            return rc;
        pos += n + 1;
    }
    return 0;
}

int sqt_bt_reader_finish(sqt_bt_reader *r, char *err, size_t errlen)
{
    int rc;
    if (r->carry_long) {
        r->line++;
        return fail(r, err, errlen, "line longer than %d characters", LINE_MAX_LEN);
    }
    if (r->carry_n > 0) {
        rc = line(r, r->carry, r->carry_n, err, errlen);
        r->carry_n = 0;
        if (rc != 0)
            return rc;
    }
    if (r->rows == 0) {
        if (err && errlen)
            snprintf(err, errlen, "%s: no data rows", r->name);
        return SQT_EINVAL;
    }
    return 0;
}

static int digits(const char *s, int n, int *out)
{
    int v = 0, i;
    for (i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    *out = v;
    return 0;
}

/* Days since 1970-01-01 of a proleptic Gregorian date. */
static int64_t days_from_civil(int y, int m, int d)
{
    int64_t era, yoe, doy, doe;
    y -= m <= 2;
    era = (y >= 0 ? y : y - 399) / 400;
    yoe = y - era * 400;
    doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int sqt_bt_parse_time(const char *s, int64_t *ms)
{
    size_t n = strlen(s);
    int y, mo, d, h = 0, mi = 0, sec = 0;
    field f;
    f.s = s;
    f.n = n;
    if (is_int(f) && s[0] != '-') {
        int64_t v;
        if (to_i64(f, &v) != 0)
            return SQT_EINVAL;
        *ms = v;
        return 0;
    }
    if (n > 0 && (s[n - 1] == 'Z' || s[n - 1] == 'z'))
        n--;
    if (n < 10 || s[4] != '-' || s[7] != '-' || digits(s, 4, &y) || digits(s + 5, 2, &mo) ||
        digits(s + 8, 2, &d) || mo < 1 || mo > 12 || d < 1 || d > 31)
        return SQT_EINVAL;
    if (n > 10) {
        if ((s[10] != 'T' && s[10] != ' ') || n < 16 || s[13] != ':' || digits(s + 11, 2, &h) ||
            digits(s + 14, 2, &mi) || h > 23 || mi > 59)
            return SQT_EINVAL;
        if (n > 16 && (n != 19 || s[16] != ':' || digits(s + 17, 2, &sec) || sec > 59))
            return SQT_EINVAL;
        if (n != 16 && n != 19)
            return SQT_EINVAL;
    }
    *ms = ((days_from_civil(y, mo, d) * 24 + h) * 60 + mi) * 60000 + (int64_t)sec * 1000;
    return 0;
}
