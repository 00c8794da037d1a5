/* The fast paths (fastpath.h) on jsmn, the allocation-free tokenizer: the aggTrade push
 * and the user stream's ORDER_TRADE_UPDATE.
 *
 * jsmn finds the tokens but is lax about the grammar between them (a missing ':' or ','
 * passes) and about what a primitive or a string holds, so everything the Jansson parse
 * would reject is checked here before a value is used: the message must be one flat
 * object (but for an order update's order object "o", itself flat) whose separators are exactly JSON's, whose strings are printable ASCII without
 * escapes, whose primitives are true, false, null or an integer that fits 64 bits, with
 * no key twice (the DOM loads with JSON_REJECT_DUPLICATES). Whatever is outside that
 * shape is declined, never guessed: the DOM parse then decides, as it always did.
 * The fields are then read with the DOM path's own rules (kit json.c): "p" by
 * sqt_dec_parse or as an integer, "E" required, "T" defaulting to "E", "a" to 0, each
 * an integer or a decimal-digit string; an order update's as order_from_push (parse.c)
 * reads them, with parse.c's own status and side tables. */
#include "fastpath.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parse.h"

#define JSMN_STATIC
#define JSMN_STRICT
/* Each token knows its parent: without the links jsmn finds the enclosing object by a
 * backward scan of the tokens at each ',' and each closing brace, quadratic in the
 * tokens (a user-stream push: ~14,900 instructions in jsmn, ~8,100 with the links; on
 * the order path twice per fill, with the ACCOUNT_UPDATE behind it). Same tokens. */
#define JSMN_PARENT_LINKS
#include <jsmn.h>

/* An aggTrade has 10 keys (21 tokens), an ORDER_TRADE_UPDATE 4 + about 35 (80 tokens);
 * room for the fields Binance adds now and then. Beyond, jsmn says NOMEM: declined. */
#define FP_MAX_TOKENS 192
#define FP_MAX_KEYS 64
#define FP_MAX_DEPTH 8

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

/* The members of one object, in text order. */
typedef struct fp_obj {
    int n;
    const jsmntok_t *key[FP_MAX_KEYS];
    const jsmntok_t *val[FP_MAX_KEYS];
} fp_obj;

/* A key twice in one object: one-letter keys (most of Binance's) on a bitmap, the rest
 * pairwise. */
static int has_duplicate(const char *js, const fp_obj *o)
{
    uint64_t seen[2] = {0, 0};
    int i, j;
    for (i = 0; i < o->n; i++) {
        const jsmntok_t *a = o->key[i];
        if (a->end - a->start == 1) {
            unsigned c = (unsigned char)js[a->start]; /* < 0x80: plain_string */
            if (seen[c / 64u] & (UINT64_C(1) << (c % 64u)))
                return 1;
            seen[c / 64u] |= UINT64_C(1) << (c % 64u);
            continue;
        }
        for (j = i + 1; j < o->n; j++) {
            const jsmntok_t *b = o->key[j];
            if (a->end - a->start == b->end - b->start &&
                memcmp(js + a->start, js + b->start, (size_t)(a->end - a->start)) == 0)
                return 1;
        }
    }
    return 0;
}

/* The shape check of the object at tok[at]: JSON separators, plain strings, valid
 * primitives, no key twice; its members land in *obj. A value may be an object only
 * under the key `nest` (not NULL), once, and that object must itself be flat (its
 * members land in *inner). Returns the index of the first token after the object, -1
 * when the shape is anything else. */
static int object_ok(const char *js, const jsmntok_t *tok, int n, int at, fp_obj *obj,
                     const char *nest, fp_obj *inner)
{
    const jsmntok_t *o = &tok[at];
    int i, idx = at + 1, cursor;
    if (o->type != JSMN_OBJECT || o->size < 1 || o->size > FP_MAX_KEYS ||
        js[o->start] != '{' || js[o->end - 1] != '}')
        return -1;
    cursor = o->start + 1;
    obj->n = o->size;
    for (i = 0; i < o->size; i++) {
        const jsmntok_t *key, *val;
        if (idx + 1 >= n)
            return -1;
        key = &tok[idx];
        val = &tok[idx + 1];
        if (key->type != JSMN_STRING || key->size != 1 || !plain_string(js, key) ||
            !gap_ok(js, cursor, outer_start(key), i == 0 ? 0 : ','))
            return -1;
        if (!gap_ok(js, outer_end(key), outer_start(val), ':'))
            return -1;
        if (val->type == JSMN_OBJECT) {
            if (nest == NULL || !token_is(js, key, nest))
                return -1;
            if ((idx = object_ok(js, tok, n, idx + 1, inner, NULL, NULL)) < 0)
                return -1;
            nest = NULL; /* a second one is a duplicate key anyway */
        } else {
            if (val->size != 0)
                return -1;
            if (val->type == JSMN_STRING ? !plain_string(js, val)
                                         : val->type != JSMN_PRIMITIVE || !primitive_ok(js, val))
                return -1;
            idx += 2;
        }
        obj->key[i] = key;
        obj->val[i] = val;
        cursor = outer_end(val);
    }
    if (!gap_ok(js, cursor, o->end - 1, 0) || has_duplicate(js, obj))
        return -1;
    return idx;
}

/* jsmn over the whole text: the token count when it is one object with nothing but
 * whitespace around it, else -1. */
static int tokenize(const char *js, size_t len, jsmntok_t *tok)
{
    jsmn_parser p;
    int n;
    if (js == NULL || len == 0 || len > (size_t)INT32_MAX)
        return -1;
    jsmn_init(&p);
    n = jsmn_parse(&p, js, len, tok, FP_MAX_TOKENS);
    if (n < 1 || tok[0].type != JSMN_OBJECT || !gap_ok(js, 0, tok[0].start, 0) ||
        !gap_ok(js, tok[0].end, (int)len, 0))
        return -1;
    return n;
}

/* The text tokenized and shape-checked from the root (object_ok). */
static int shape_ok(const char *js, size_t len, jsmntok_t *tok, const char *nest, fp_obj *root,
                    fp_obj *inner)
{
    int n = tokenize(js, len, tok);
    return n > 0 && object_ok(js, tok, n, 0, root, nest, inner) == n;
}

/* Any JSON value at tok[at] in the same strict subset, nested objects and arrays
 * included (up to FP_MAX_DEPTH): what a message the plugin ignores must be for the DOM
 * to load it. The members of an object at the top land in *top (when not NULL).
 * Returns the index after the value, -1 when it is anything else. */
static int value_ok(const char *js, const jsmntok_t *tok, int n, int at, int depth, fp_obj *top)
{
    const jsmntok_t *v;
    fp_obj local, *o = top != NULL ? top : &local;
    int i, idx = at + 1, cursor;
    if (at >= n)
        return -1;
    v = &tok[at];
    if (v->type == JSMN_STRING)
        return v->size == 0 && plain_string(js, v) ? idx : -1;
    if (v->type == JSMN_PRIMITIVE)
        return v->size == 0 && primitive_ok(js, v) ? idx : -1;
    if (depth >= FP_MAX_DEPTH || v->end - v->start < 2)
        return -1;
    cursor = v->start + 1;
    if (v->type == JSMN_ARRAY) {
        if (js[v->start] != '[' || js[v->end - 1] != ']')
            return -1;
        for (i = 0; i < v->size; i++) {
            if (idx >= n || !gap_ok(js, cursor, outer_start(&tok[idx]), i == 0 ? 0 : ','))
                return -1;
            cursor = outer_end(&tok[idx]);
            if ((idx = value_ok(js, tok, n, idx, depth + 1, NULL)) < 0)
                return -1;
        }
        return gap_ok(js, cursor, v->end - 1, 0) ? idx : -1;
    }
    if (v->type != JSMN_OBJECT || v->size > FP_MAX_KEYS || js[v->start] != '{' ||
        js[v->end - 1] != '}')
        return -1;
    o->n = v->size;
    for (i = 0; i < v->size; i++) {
        const jsmntok_t *key;
        if (idx + 1 >= n)
            return -1;
        key = &tok[idx];
        if (key->type != JSMN_STRING || key->size != 1 || !plain_string(js, key) ||
            !gap_ok(js, cursor, outer_start(key), i == 0 ? 0 : ',') ||
            !gap_ok(js, outer_end(key), outer_start(&tok[idx + 1]), ':'))
            return -1;
        o->key[i] = key;
        o->val[i] = &tok[idx + 1];
        cursor = outer_end(&tok[idx + 1]);
        if ((idx = value_ok(js, tok, n, idx + 1, depth + 1, NULL)) < 0)
            return -1;
    }
    return gap_ok(js, cursor, v->end - 1, 0) && !has_duplicate(js, o) ? idx : -1;
}

int sqt_bn_fast_trade(const char *json, size_t len, sqt_price_tick *tick)
{
    jsmntok_t tok[FP_MAX_TOKENS];
    fp_obj root;
    const jsmntok_t *e = NULL, *s = NULL, *px = NULL, *ev = NULL, *tt = NULL, *agg = NULL;
    int i;
    int64_t ev_time;
    size_t sym_len;
    if (tick == NULL || !shape_ok(json, len, tok, NULL, &root, NULL))
        return 0;
    for (i = 0; i < root.n; i++) {
        const jsmntok_t *key = root.key[i], *val = root.val[i];
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

/* ------------------------------------------------------------------------------------
 * ORDER_TRADE_UPDATE: the kit's field readers (json.c) on tokens. Each returns 1 when
 * the DOM reader would have read the same value, 0 when it would fail (declined).
 * ---------------------------------------------------------------------------------- */

/* sqt_kit_json_dec_of: a decimal string by sqt_dec_parse, or an integer. */
static int dec_field(const char *js, const jsmntok_t *t, sqt_dec *out)
{
    int64_t v;
    if (t == NULL)
        return 0;
    if (t->type == JSMN_STRING)
        return sqt_dec_parse(js + t->start, (size_t)(t->end - t->start), out) == SQT_OK;
    if (!json_integer_text(js, t) || !integer_value(js, t, &v))
        return 0;
    *out = sqt_dec_make(v, 0);
    return 1;
}

/* sqt_kit_json_opt_dec: absent, null or "" is 0. */
static int opt_dec_field(const char *js, const jsmntok_t *t, sqt_dec *out)
{
    if (t == NULL || is_null(js, t) || (t->type == JSMN_STRING && t->end == t->start)) {
        *out = sqt_dec_make(0, 0);
        return 1;
    }
    return dec_field(js, t, out);
}

/* sqt_kit_json_opt_i64: absent or null is dflt. */
static int opt_i64_field(const char *js, const jsmntok_t *t, int64_t dflt, int64_t *out)
{
    if (t == NULL || is_null(js, t)) {
        *out = dflt;
        return 1;
    }
    return i64_field(js, t, out);
}

/* sqt_kit_json_opt_str: absent or null is dflt (its text in [*s, *s + *n)). */
static int opt_str_field(const char *js, const jsmntok_t *t, const char *dflt, const char **s,
                         size_t *n)
{
    if (t == NULL || is_null(js, t)) {
        *s = dflt;
        *n = strlen(dflt);
        return 1;
    }
    if (t->type != JSMN_STRING)
        return 0;
    *s = js + t->start;
    *n = (size_t)(t->end - t->start);
    return 1;
}

/* sqt_kit_json_opt_bool: absent or null is 0; true/false, or the strings of them. */
static int opt_bool_field(const char *js, const jsmntok_t *t, int32_t *out)
{
    if (t == NULL || is_null(js, t)) {
        *out = 0;
        return 1;
    }
    if (token_is(js, t, "true") || token_is(js, t, "false")) {
        *out = js[t->start] == 't';
        return 1;
    }
    return 0;
}

/* sqt_kit_json_copy into cap bytes (text plus its NUL). */
static int copy_field(char *dst, size_t cap, const char *s, size_t n)
{
    if (n + 1 > cap)
        return 0;
    memcpy(dst, s, n);
    dst[n] = '\0';
    return 1;
}

/* The fields order_from_push (parse.c) reads, found in one pass over each object. */
typedef struct fp_push {
    const jsmntok_t *e, *ev_time, *tx_time;                   /* top level */
    const jsmntok_t *s, *c, *side, *status, *id, *q, *p, *z, /* the order "o" */
        *ap, *l, *px_last, *n, *fee_asset, *rp, *f, *r, *t;
} fp_push;

static void push_fields(const char *js, const fp_obj *root, const fp_obj *o, fp_push *f)
{
    int i;
    memset(f, 0, sizeof *f);
    for (i = 0; i < root->n; i++) {
        const jsmntok_t *k = root->key[i], *v = root->val[i];
        if (k->end - k->start != 1)
            continue;
        switch (js[k->start]) {
        case 'e': f->e = v; break;
        case 'E': f->ev_time = v; break;
        case 'T': f->tx_time = v; break;
        default: break;
        }
    }
    for (i = 0; i < o->n; i++) {
        const jsmntok_t *k = o->key[i], *v = o->val[i];
        const char *name = js + k->start;
        if (k->end - k->start == 2) {
            if (name[0] == 'a' && name[1] == 'p')
                f->ap = v;
            else if (name[0] == 'r' && name[1] == 'p')
                f->rp = v;
            continue;
        }
        if (k->end - k->start != 1)
            continue;
        switch (name[0]) {
        case 's': f->s = v; break;
        case 'c': f->c = v; break;
        case 'S': f->side = v; break;
        case 'X': f->status = v; break;
        case 'i': f->id = v; break;
        case 'q': f->q = v; break;
        case 'p': f->p = v; break;
        case 'z': f->z = v; break;
        case 'l': f->l = v; break;
        case 'L': f->px_last = v; break;
        case 'n': f->n = v; break;
        case 'N': f->fee_asset = v; break;
        case 'f': f->f = v; break;
        case 'R': f->r = v; break;
        case 'T': f->t = v; break;
        default: break;
        }
    }
}

static int plain_str(const jsmntok_t *t)
{
    return t != NULL && t->type == JSMN_STRING;
}

/* The order of an ORDER_TRADE_UPDATE whose shape is checked (members in *root, *o). */
static int read_order(const char *json, const fp_obj *root, const fp_obj *o, const char *prefix,
                      sqt_order *out)
{
    fp_push f;
    const char *tif, *fee_asset, *cid;
    size_t tif_n, fee_n, cid_n, pl = prefix != NULL ? strlen(prefix) : 0;
    int64_t ev_time, tx_time, oid;
    int st, sd;
    push_fields(json, root, o, &f);
    /* the event, by name: not a reply, not another event, not a wrapped message (its
     * "data" object was declined by the shape) */
    if (!plain_str(f.e) || !token_is(json, f.e, "ORDER_TRADE_UPDATE"))
        return 0;
    memset(out, 0, sizeof *out);
    out->struct_size = sizeof *out;
    if (f.ev_time == NULL || !i64_field(json, f.ev_time, &ev_time) ||
        !opt_i64_field(json, f.tx_time, 0, &tx_time))
        return 0;
    if (!plain_str(f.s) || !plain_str(f.c) || !plain_str(f.side) || !plain_str(f.status) ||
        f.id == NULL || !i64_field(json, f.id, &oid) || !dec_field(json, f.q, &out->qty) ||
        !dec_field(json, f.p, &out->price) || !dec_field(json, f.z, &out->filled_qty) ||
        !opt_dec_field(json, f.ap, &out->avg_price) ||
        !opt_dec_field(json, f.l, &out->last_fill_qty) ||
        !opt_dec_field(json, f.px_last, &out->last_fill_price) ||
        !opt_dec_field(json, f.n, &out->fee) ||
        !opt_str_field(json, f.fee_asset, "", &fee_asset, &fee_n) ||
        !opt_dec_field(json, f.rp, &out->realized_pnl) ||
        !opt_str_field(json, f.f, "GTC", &tif, &tif_n) || !opt_bool_field(json, f.r, &out->reduce_only))
        return 0;
    /* the transaction time: the event's "T", else the order's, else the event time */
    if (tx_time == 0 && !opt_i64_field(json, f.t, ev_time, &tx_time))
        return 0;
    st = sqt_bn_status_of(json + f.status->start, (size_t)(f.status->end - f.status->start));
    sd = sqt_bn_side_of(json + f.side->start, (size_t)(f.side->end - f.side->start));
    if (st < 0 || sd < 0)
        return 0;
    if (out->qty.mant < 0 || out->filled_qty.mant < 0 || out->last_fill_qty.mant < 0)
        return 0;
    /* client ids reach the host without our broker prefix */
    cid = json + f.c->start;
    cid_n = (size_t)(f.c->end - f.c->start);
    if (pl > 0 && cid_n >= pl && memcmp(cid, prefix, pl) == 0) {
        cid += pl;
        cid_n -= pl;
    }
    if (!copy_field(out->symbol, sizeof out->symbol, json + f.s->start,
                    (size_t)(f.s->end - f.s->start)) ||
        !copy_field(out->client_id, sizeof out->client_id, cid, cid_n) ||
        !copy_field(out->fee_asset, sizeof out->fee_asset, fee_asset, fee_n))
        return 0;
    snprintf(out->order_id, sizeof out->order_id, "%lld", (long long)oid);
    out->status = (sqt_order_status)st;
    out->side = (sqt_side)sd;
    out->tif = tif_n == 3 && memcmp(tif, "GTX", 3) == 0 ? SQT_TIF_POST_ONLY : SQT_TIF_GTC;
    out->update_time_ms = tx_time;
    out->seq = ev_time;
    return 1;
}

/* The event name at the top of a checked message: 1 when the DOM would read it as an
 * event the plugin ignores (kind SQT_BN_EV_OTHER): "e" a string that is neither an
 * order update nor a key expiry, and no {"stream","data"} wrapper around another. */
static int ignored_event(const char *js, const fp_obj *top)
{
    const jsmntok_t *e = NULL, *stream = NULL, *data = NULL;
    int i;
    for (i = 0; i < top->n; i++) {
        const jsmntok_t *k = top->key[i];
        if (token_is(js, k, "e"))
            e = top->val[i];
        else if (token_is(js, k, "stream"))
            stream = top->val[i];
        else if (token_is(js, k, "data"))
            data = top->val[i];
    }
    if (stream != NULL && stream->type == JSMN_STRING && data != NULL && data->type == JSMN_OBJECT)
        return 0;
    return plain_str(e) && !token_is(js, e, "ORDER_TRADE_UPDATE") &&
           !token_is(js, e, "listenKeyExpired");
}

int sqt_bn_fast_user(const char *json, size_t len, const char *prefix, int *kind,
                     sqt_order *order)
{
    jsmntok_t tok[FP_MAX_TOKENS];
    fp_obj root, o;
    int n;
    if (kind == NULL || order == NULL || (n = tokenize(json, len, tok)) < 0)
        return 0;
    o.n = -1;
    if (object_ok(json, tok, n, 0, &root, "o", &o) == n && o.n >= 0) {
        /* an order update's shape: read it, or leave it to the DOM */
        int i;
        for (i = 0; i < root.n; i++)
            if (token_is(json, root.key[i], "e") && plain_str(root.val[i]) &&
                token_is(json, root.val[i], "ORDER_TRADE_UPDATE")) {
                *kind = SQT_BN_EV_ORDER;
                return read_order(json, &root, &o, prefix, order);
            }
    }
    if (value_ok(json, tok, n, 0, 0, &root) == n && ignored_event(json, &root)) {
        *kind = SQT_BN_EV_OTHER;
        return 1;
    }
    return 0;
}

int sqt_bn_fast_order(const char *json, size_t len, const char *prefix, sqt_order *order)
{
    int kind = -1;
    return sqt_bn_fast_user(json, len, prefix, &kind, order) && kind == SQT_BN_EV_ORDER;
}
