/* The aggTrade fast path (fastpath.h) on jsmn, the allocation-free tokenizer.
 *
 * jsmn finds the tokens but is lax about the grammar between them (a missing ':' or ','
 * passes) and about what a primitive or a string holds, so everything the Jansson parse
 * would reject is checked here before a value is used: the message must be one flat
 * object whose separators are exactly JSON's, whose strings are printable ASCII without
 * escapes, whose primitives are true, false, null or an integer that fits 64 bits, with
 * no key twice (the DOM loads with JSON_REJECT_DUPLICATES). Whatever is outside that
 * shape is declined, never guessed: the DOM parse then decides, as it always did.
 * The fields are then read with the DOM path's own rules (kit json.c): "p" by
 * sqt_dec_parse or as an integer, "E" required, "T" defaulting to "E", "a" to 0, each
 * an integer or a decimal-digit string. */
#include "fastpath.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define JSMN_STATIC
#define JSMN_STRICT
#include <jsmn.h>

/* An aggTrade has 10 keys (21 tokens); room for a few more Binance may add. */
#define FP_MAX_TOKENS 48

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* [from, to) is whitespace, `sep` (when not 0) and whitespace: JSON's separator. */
static int gap_ok(const char *js, int from, int to, char sep)
{
    while (from < to && is_ws(js[from]))
        from++;
    if (sep != 0) {
        if (from >= to || js[from] != sep)
            return 0;
        from++;
        while (from < to && is_ws(js[from]))
            from++;
    }
    return from == to;
}

/* A token's bytes with the quotes of a string. */
static int outer_start(const jsmntok_t *t)
{
    return t->type == JSMN_STRING ? t->start - 1 : t->start;
}

static int outer_end(const jsmntok_t *t)
{
    return t->type == JSMN_STRING ? t->end + 1 : t->end;
}

/* Printable ASCII, no escape: the text is its value as the DOM would hold it. */
static int plain_string(const char *js, const jsmntok_t *t)
{
    int i;
    for (i = t->start; i < t->end; i++) {
        unsigned char c = (unsigned char)js[i];
        if (c < 0x20 || c >= 0x80 || c == '\\')
            return 0;
    }
    return 1;
}

static int token_is(const char *js, const jsmntok_t *t, const char *lit)
{
    size_t n = strlen(lit);
    return (size_t)(t->end - t->start) == n && memcmp(js + t->start, lit, n) == 0;
}

/* JSON's integer: -?(0|[1-9][0-9]*). Reals (fraction, exponent) are declined: Jansson
 * reads them with strtod and fails on overflow, a rule not worth mirroring for fields
 * Binance sends as strings or integers. */
static int json_integer_text(const char *js, const jsmntok_t *t)
{
    int i = t->start;
    if (i < t->end && js[i] == '-')
        i++;
    if (i >= t->end || js[i] < '0' || js[i] > '9')
        return 0;
    if (js[i] == '0' && i + 1 < t->end)
        return 0;
    for (; i < t->end; i++)
        if (js[i] < '0' || js[i] > '9')
            return 0;
    return 1;
}

/* JSON null (the string "null" is not). */
static int is_null(const char *js, const jsmntok_t *t)
{
    return t->type == JSMN_PRIMITIVE && token_is(js, t, "null");
}

static int integer_value(const char *js, const jsmntok_t *t, int64_t *out);

/* Every integer, read or not, must be one Jansson takes: it refuses the whole text for
 * one out of range. */
static int primitive_ok(const char *js, const jsmntok_t *t)
{
    int64_t v;
    return token_is(js, t, "true") || token_is(js, t, "false") || token_is(js, t, "null") ||
           (json_integer_text(js, t) && integer_value(js, t, &v));
}

/* The value of an integer token (its text checked by json_integer_text) as Jansson's
 * strtoll gives it: [INT64_MIN, INT64_MAX], anything beyond is a parse error there, a
 * decline here. Digits are summed directly: strtoll wants a NUL-terminated copy and was
 * an eighth of the absorb profile. */
static int integer_value(const char *js, const jsmntok_t *t, int64_t *out)
{
    int i = t->start, neg = js[i] == '-';
    uint64_t m = 0, lim = neg ? UINT64_C(9223372036854775808) : UINT64_C(9223372036854775807);
    /* 19 digits fit in uint64 (< 1.8e19): sum, then compare once */
    if (t->end - (i + neg) > 19)
        return 0;
    for (i += neg; i < t->end; i++)
        m = m * 10u + (uint64_t)(js[i] - '0');
    if (m > lim)
        return 0;
    *out = neg ? (m == 0 ? 0 : -(int64_t)(m - 1u) - 1) : (int64_t)m;
    return 1;
}

/* An i64 field as sqt_kit_json_i64_of reads it: an integer, or a string of an optional
 * '-' and decimal digits within int64 (the kit's bound: |v| <= INT64_MAX). */
static int i64_field(const char *js, const jsmntok_t *t, int64_t *out)
{
    int i, neg = 0;
    uint64_t m = 0;
    if (t->type == JSMN_PRIMITIVE)
        return json_integer_text(js, t) && integer_value(js, t, out);
    i = t->start;
    if (i < t->end && js[i] == '-') {
        neg = 1;
        i++;
    }
    if (i == t->end)
        return 0;
    for (; i < t->end; i++) {
        if (js[i] < '0' || js[i] > '9')
            return 0;
        if (m > (UINT64_C(9223372036854775807) - (uint64_t)(js[i] - '0')) / 10u)
            return 0;
        m = m * 10u + (uint64_t)(js[i] - '0');
    }
    *out = neg ? -(int64_t)m : (int64_t)m;
    return 1;
}

/* The shape check: one flat object, JSON separators, plain strings, valid primitives,
 * no duplicate key. Returns the number of keys, or -1. */
static int flat_object(const char *js, size_t len, const jsmntok_t *tok, int n)
{
    uint64_t seen[2] = {0, 0};
    int k, i, j, cursor;
    if (n < 1 || tok[0].type != JSMN_OBJECT || tok[0].size < 1 || n != 1 + 2 * tok[0].size)
        return -1;
    k = tok[0].size;
    if (!gap_ok(js, 0, tok[0].start, 0) || !gap_ok(js, tok[0].end, (int)len, 0) ||
        js[tok[0].start] != '{' || js[tok[0].end - 1] != '}')
        return -1;
    cursor = tok[0].start + 1;
    for (i = 0; i < k; i++) {
        const jsmntok_t *key = &tok[1 + 2 * i], *val = &tok[2 + 2 * i];
        if (key->type != JSMN_STRING || key->size != 1 || !plain_string(js, key) ||
            !gap_ok(js, cursor, outer_start(key), i == 0 ? 0 : ','))
            return -1;
        if (val->size != 0 || !gap_ok(js, outer_end(key), outer_start(val), ':'))
            return -1;
        if (val->type == JSMN_STRING ? !plain_string(js, val)
                                     : val->type != JSMN_PRIMITIVE || !primitive_ok(js, val))
            return -1;
        cursor = outer_end(val);
    }
    if (!gap_ok(js, cursor, tok[0].end - 1, 0))
        return -1;
    /* duplicates: one-letter keys (all of an aggTrade's) on a bitmap, the rest pairwise */
    for (i = 0; i < k; i++) {
        const jsmntok_t *a = &tok[1 + 2 * i];
        if (a->end - a->start == 1) {
            unsigned c = (unsigned char)js[a->start]; /* < 0x80: plain_string */
            if (seen[c / 64u] & (UINT64_C(1) << (c % 64u)))
                return -1;
            seen[c / 64u] |= UINT64_C(1) << (c % 64u);
            continue;
        }
        for (j = i + 1; j < k; j++) {
            const jsmntok_t *b = &tok[1 + 2 * j];
            if (a->end - a->start == b->end - b->start &&
                memcmp(js + a->start, js + b->start, (size_t)(a->end - a->start)) == 0)
                return -1;
        }
    }
    return k;
}

int sqt_bn_fast_trade(const char *json, size_t len, sqt_price_tick *tick)
{
    jsmntok_t tok[FP_MAX_TOKENS];
    jsmn_parser p;
    const jsmntok_t *e = NULL, *s = NULL, *px = NULL, *ev = NULL, *tt = NULL, *agg = NULL;
    int n, k, i;
    int64_t ev_time;
    size_t sym_len;
    if (json == NULL || len == 0 || len > (size_t)INT32_MAX || tick == NULL)
        return 0;
    jsmn_init(&p);
    n = jsmn_parse(&p, json, len, tok, FP_MAX_TOKENS);
    if ((k = flat_object(json, len, tok, n)) < 0)
        return 0;
    for (i = 0; i < k; i++) {
        const jsmntok_t *key = &tok[1 + 2 * i], *val = &tok[2 + 2 * i];
        if (key->end - key->start == 1) {
            switch (json[key->start]) {
            case 'e': e = val; break;
            case 's': s = val; break;
            case 'p': px = val; break;
            case 'E': ev = val; break;
            case 'T': tt = val; break;
            case 'a': agg = val; break;
            default: break;
            }
        }
    }
    /* "e" present and "aggTrade": not a reply, not another event (a wrapped message has
     * a nested "data" object and was declined above) */
    if (e == NULL || e->type != JSMN_STRING || !token_is(json, e, "aggTrade"))
        return 0;
    memset(tick, 0, sizeof(*tick));
    if (s == NULL || s->type != JSMN_STRING || px == NULL || ev == NULL)
        return 0;
    sym_len = (size_t)(s->end - s->start);
    if (sym_len + 1 > sizeof(tick->symbol))
        return 0;
    if (px->type == JSMN_STRING) {
        if (sqt_dec_parse(json + px->start, (size_t)(px->end - px->start), &tick->price) !=
            SQT_OK)
            return 0;
    } else {
        int64_t v;
        if (!json_integer_text(json, px) || !integer_value(json, px, &v))
            return 0;
        tick->price = sqt_dec_make(v, 0);
    }
    if (!i64_field(json, ev, &ev_time))
        return 0;
    tick->time_ms = ev_time;
    if (tt != NULL && !is_null(json, tt) && !i64_field(json, tt, &tick->time_ms))
        return 0;
    if (agg != NULL && !is_null(json, agg) && !i64_field(json, agg, &tick->seq))
        return 0;
    memcpy(tick->symbol, json + s->start, sym_len);
    tick->symbol[sym_len] = '\0';
    return tick->price.mant > 0;
}
