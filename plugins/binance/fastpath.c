/* The fast paths (fastpath.h) on jsmn, the allocation-free tokenizer: the aggTrade push
 * and the user stream's ORDER_TRADE_UPDATE.
 *
 * jsmn finds the tokens but is lax about the grammar between them (a missing ':' or ','
 * passes) and about what a primitive or a string holds, so everything the Jansson parse
 * would reject is checked here, in one walk over the tokens, before a value is used: the
 * message must be one object whose separators are exactly JSON's, whose strings are
 * printable ASCII without escapes, whose primitives are true, false, null or an integer
 * that fits 64 bits, with no key twice in any object (the DOM loads with
 * JSON_REJECT_DUPLICATES), nested no deeper than FP_MAX_DEPTH. An aggTrade must be
 * flat, an order update flat but for its order object "o", itself flat; an ignored
 * event may nest. Whatever is outside that shape is declined, never guessed: the DOM
 * parse then decides, as it always did.
 * The fields are then read with the DOM path's own rules (kit json.c): "p" by
 * sqt_dec_parse or as an integer, "E" required, "T" defaulting to "E", "a" to 0, each
 * an integer or a decimal-digit string; an order update's as order_from_push (parse.c)
 * reads them, with parse.c's own status and side tables. */
#include "fastpath.h"

#include <stdint.h>
#include <string.h>

#include "parse.h"

#define JSMN_STATIC
/* Not JSMN_STRICT: the walk below checks every token's type, every primitive's text and
 * every byte between tokens, so what strict mode refuses on top (a primitive or an
 * object where a key goes, a bare word) is refused there anyway, and on valid JSON both
 * modes give the same tokens. Strict mode's extra work is ~10 % of jsmn on a fill push
 * (10,930 -> 9,860 instructions). fuzz_bnfast holds the walk to the DOM either way. */
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
/* Open addressing for the keys longer than one byte: at most FP_MAX_KEYS of them in an
 * object, so the table is never more than half full and a probe always ends. */
#define FP_HASH 128

_Static_assert(FP_MAX_TOKENS <= 255, "a token index must fit the key tables' uint8_t");
_Static_assert(FP_HASH >= 2 * FP_MAX_KEYS, "the key hash must stay half empty");

/* The text and its tokens as one walk sees them. `plain`: the whole text is printable
 * ASCII without a backslash (checked once, a word at a time), so every string in it is
 * its own value and needs no look of its own; when not (whitespace between tokens, or
 * an escape somewhere) each string is checked on its own, as before. */
typedef struct fp_text {
    const char *js;
    const jsmntok_t *tok;
    int n;
    int plain;
} fp_text;

/* The members of one object, filled while the walk checks it: one-byte keys (most of
 * Binance's) on a bitmap with their value's token index, the longer ones in a small hash
 * (key token index + 1, 0 empty). A key twice is found when it is added, in O(1): the
 * DOM loads with JSON_REJECT_DUPLICATES. `nested`: members whose value is an object or
 * an array. */
typedef struct fp_obj {
    uint64_t one[2];
    int nested;
    uint8_t one_at[128];
    uint8_t multi[FP_HASH];
} fp_obj;

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

/* gap_ok with compact JSON (what Binance sends: the separator alone, or nothing) first. */
static inline int sep_ok(const char *js, int from, int to, char sep)
{
    if (sep != 0 ? to == from + 1 && js[from] == sep : to == from)
        return 1;
    return gap_ok(js, from, to, sep);
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

/* The whole text free of control bytes, non-ASCII and backslashes, eight bytes a step
 * (the last step overlapping the one before it: no byte loop). Per word, a byte's high
 * bit is set in w itself (>= 0x80), in w - 0x20.. (below 0x20, the others being below
 * 0x80) or in (w ^ '\\'..) - 0x01.. (equal to '\\'); a borrow across bytes only starts
 * at such a byte, so "any" is exact. A text under eight bytes is not called plain: its
 * strings are then checked one by one. */
static int text_plain(const char *js, size_t len)
{
    const uint64_t ones = UINT64_C(0x0101010101010101);
    uint64_t seen = 0, w;
    size_t i = 0;
    if (len < 8)
        return 0;
    for (; i + 8 <= len; i += 8) {
        memcpy(&w, js + i, 8);
        seen |= w | (w - ones * 0x20) | ((w ^ (ones * '\\')) - ones);
    }
    if (i < len) {
        memcpy(&w, js + len - 8, 8);
        seen |= w | (w - ones * 0x20) | ((w ^ (ones * '\\')) - ones);
    }
    return (seen & ones * 0x80) == 0;
}

/* Two runs of bytes equal (keys and literals are a few bytes: no call). */
static int same_bytes(const char *a, const char *b, int n)
{
    int i;
    for (i = 0; i < n; i++)
        if (a[i] != b[i])
            return 0;
    return 1;
}

static int token_is(const char *js, const jsmntok_t *t, const char *lit, int n)
{
    return t->end - t->start == n && same_bytes(js + t->start, lit, n);
}

#define TOKEN_IS(js, t, lit) token_is((js), (t), (lit), (int)sizeof(lit) - 1)

/* JSON's integer -?(0|[1-9][0-9]*) within what Jansson's strtoll takes, [INT64_MIN,
 * INT64_MAX] (beyond is a parse error there, a decline here), checked and summed in one
 * pass. Reals (fraction, exponent) are declined: Jansson reads them with strtod and
 * fails on overflow, a rule not worth mirroring for fields Binance sends as strings or
 * integers. Digits are summed directly: strtoll wants a NUL-terminated copy. */
SQT_HOT static int int_token(const char *js, const jsmntok_t *t, int64_t *out)
{
    int i = t->start, end = t->end, neg;
    uint64_t m = 0;
    if (i >= end)
        return 0;
    neg = js[i] == '-';
    i += neg;
    /* 19 digits fit in uint64 (< 1.8e19): sum, then compare once */
    if (i >= end || end - i > 19 || (js[i] == '0' && end - i > 1))
        return 0;
    for (; i < end; i++) {
        unsigned d = (unsigned)((unsigned char)js[i] - '0');
        if (d > 9)
            return 0;
        m = m * 10u + d;
    }
    if (m > (neg ? UINT64_C(9223372036854775808) : UINT64_C(9223372036854775807)))
        return 0;
    *out = neg ? (m == 0 ? 0 : -(int64_t)(m - 1u) - 1) : (int64_t)m;
    return 1;
}

/* JSON null (the string "null" is not). */
SQT_HOT static int is_null(const char *js, const jsmntok_t *t)
{
    return t->type == JSMN_PRIMITIVE && TOKEN_IS(js, t, "null");
}

/* n bytes at p (n <= 24) all decimal digits. Eight at a time, by overlapping words: a
 * byte is a digit when its high nibble is 3 both as it is and with 6 added (0x3a-0x3f
 * carry into 4); a byte that passes the first test cannot carry into its neighbour. */
static int digits_ok(const char *p, int n)
{
    const uint64_t nib = UINT64_C(0xf0f0f0f0f0f0f0f0), three = UINT64_C(0x3030303030303030),
                   six = UINT64_C(0x0606060606060606);
    uint64_t w[3];
    int i, k;
    if (n < 8) {
        for (i = 0; i < n; i++)
            if ((unsigned)((unsigned char)p[i] - '0') > 9)
                return 0;
        return 1;
    }
    memcpy(&w[0], p, 8);
    memcpy(&w[1], p + n - 8, 8);
    k = 2;
    if (n > 16)
        memcpy(&w[k++], p + 8, 8);
    for (i = 0; i < k; i++)
        if ((w[i] & nib) != three || ((w[i] + six) & nib) != three)
            return 0;
    return 1;
}

/* A primitive Jansson takes: true, false, null or an integer in range (it refuses the
 * whole text for one integer out of range, read or not). jsmn starts no primitive at a
 * structural byte, so t->start < t->end. Up to 18 digits is within int64 either sign:
 * only a 19-digit one is summed for its range. */
SQT_HOT static int primitive_ok(const char *js, const jsmntok_t *t)
{
    int64_t v;
    int i, n;
    switch (js[t->start]) {
    case 't': return TOKEN_IS(js, t, "true");
    case 'f': return TOKEN_IS(js, t, "false");
    case 'n': return TOKEN_IS(js, t, "null");
    default:
        i = t->start + (js[t->start] == '-');
        n = t->end - i;
        if (n < 1 || n > 19 || (js[i] == '0' && n > 1) || !digits_ok(js + i, n))
            return 0;
        return n < 19 || int_token(js, t, &v);
    }
}

/* An i64 field as sqt_kit_json_i64_of reads it: an integer, or a string of an optional
 * '-' and decimal digits within int64 (the kit's bound: |v| <= INT64_MAX). */
SQT_HOT static int i64_field(const char *js, const jsmntok_t *t, int64_t *out)
{
    int i, neg = 0;
    uint64_t m = 0;
    if (t->type == JSMN_PRIMITIVE)
        return int_token(js, t, out);
    if (t->type != JSMN_STRING)
        return 0;
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

/* The hash of a key of 0 or 2+ bytes (one-byte keys go to the bitmap). */
static unsigned key_hash(const char *s, int len)
{
    unsigned h = (unsigned)len * 131u;
    if (len > 0)
        h += (unsigned char)s[0] * 31u + (unsigned char)s[1] * 7u + (unsigned char)s[len - 1];
    return h & (FP_HASH - 1);
}

/* The key at tok[k] (its value at k + 1) added to *o; 0 when *o has it already. */
static int key_add(const char *js, const jsmntok_t *tok, int k, fp_obj *o)
{
    const jsmntok_t *key = &tok[k];
    int len = key->end - key->start;
    unsigned h;
    if (len == 1) {
        unsigned c = (unsigned char)js[key->start] & 0x7fu; /* < 0x80: a plain string */
        uint64_t bit = UINT64_C(1) << (c & 63u);
        if (o->one[c >> 6] & bit)
            return 0;
        o->one[c >> 6] |= bit;
        o->one_at[c] = (uint8_t)(k + 1);
        return 1;
    }
    for (h = key_hash(js + key->start, len);; h = (h + 1) & (FP_HASH - 1)) {
        int at = o->multi[h];
        if (at == 0) {
            o->multi[h] = (uint8_t)(k + 1);
            return 1;
        }
        if (token_is(js, &tok[at - 1], js + key->start, len))
            return 0;
    }
}

/* The value of member `name` (len bytes) of a walked object, NULL when absent. */
static const jsmntok_t *member(const fp_text *t, const fp_obj *o, const char *name, int len)
{
    unsigned h;
    if (len == 1) {
        unsigned c = (unsigned char)name[0] & 0x7fu;
        return (o->one[c >> 6] >> (c & 63u)) & 1u ? &t->tok[o->one_at[c]] : NULL;
    }
    for (h = key_hash(name, len);; h = (h + 1) & (FP_HASH - 1)) {
        int at = o->multi[h];
        if (at == 0)
            return NULL;
        if (token_is(t->js, &t->tok[at - 1], name, len))
            return &t->tok[at];
    }
}

#define MEMBER(t, o, lit) member((t), (o), (lit), (int)sizeof(lit) - 1)

/* A string or a primitive as a value the DOM loads. */
static int scalar_ok(const fp_text *t, const jsmntok_t *v)
{
    if (v->size != 0)
        return 0;
    if (v->type == JSMN_STRING)
        return t->plain || plain_string(t->js, v);
    return v->type == JSMN_PRIMITIVE && primitive_ok(t->js, v);
}

static int walk(const fp_text *t, int at, int depth, fp_obj *rec, fp_obj *sub);

/* The one check of the object at tok[at], in one pass over its tokens: JSON separators
 * between them, plain strings, valid primitives, no key twice, nested values (up to
 * FP_MAX_DEPTH) checked alike. Its members land in *o; the value of its key "o", when
 * an object and `sub` is not NULL, lands in *sub (the order of an ORDER_TRADE_UPDATE).
 * Returns the index of the first token after the object, -1 when anything is off. */
static int walk_object(const fp_text *t, int at, int depth, fp_obj *o, fp_obj *sub)
{
    const char *js = t->js;
    const jsmntok_t *v = &t->tok[at];
    int i, idx = at + 1, cursor = v->start + 1;
    if (v->size > FP_MAX_KEYS || v->end - v->start < 2 || js[v->start] != '{' ||
        js[v->end - 1] != '}')
        return -1;
    o->one[0] = o->one[1] = 0;
    o->nested = 0;
    memset(o->multi, 0, sizeof o->multi);
    for (i = 0; i < v->size; i++) {
        const jsmntok_t *key = &t->tok[idx], *val = key + 1;
        /* compact text (what Binance sends) costs a compare per separator here */
        if (idx + 1 >= t->n || key->type != JSMN_STRING || key->size != 1 ||
            !(t->plain || plain_string(js, key)) ||
            !sep_ok(js, cursor, key->start - 1, i == 0 ? 0 : ',') || !key_add(js, t->tok, idx, o))
            return -1;
        switch (val->type) {
        case JSMN_STRING:
            if (val->size != 0 || !sep_ok(js, key->end + 1, val->start - 1, ':') ||
                !(t->plain || plain_string(js, val)))
                return -1;
            cursor = val->end + 1;
            idx += 2;
            break;
        case JSMN_PRIMITIVE:
            if (val->size != 0 || !sep_ok(js, key->end + 1, val->start, ':') ||
                !primitive_ok(js, val))
                return -1;
            cursor = val->end;
            idx += 2;
            break;
        default: {
            fp_obj *into = sub != NULL && val->type == JSMN_OBJECT && TOKEN_IS(js, key, "o")
                               ? sub : NULL;
            if (!sep_ok(js, key->end + 1, val->start, ':'))
                return -1;
            o->nested++;
            if ((idx = walk(t, idx + 1, depth + 1, into, NULL)) < 0)
                return -1;
            cursor = val->end;
        }
        }
    }
    return sep_ok(js, cursor, v->end - 1, 0) ? idx : -1;
}

/* The array at tok[at], its elements as walk_object checks values. */
static int walk_array(const fp_text *t, int at, int depth)
{
    const char *js = t->js;
    const jsmntok_t *v = &t->tok[at];
    int i, idx = at + 1, cursor = v->start + 1;
    if (v->end - v->start < 2 || js[v->start] != '[' || js[v->end - 1] != ']')
        return -1;
    for (i = 0; i < v->size; i++) {
        const jsmntok_t *el;
        if (idx >= t->n)
            return -1;
        el = &t->tok[idx];
        if (!sep_ok(js, cursor, outer_start(el), i == 0 ? 0 : ','))
            return -1;
        if (el->type == JSMN_OBJECT || el->type == JSMN_ARRAY) {
            if ((idx = walk(t, idx, depth + 1, NULL, NULL)) < 0)
                return -1;
        } else {
            if (!scalar_ok(t, el))
                return -1;
            idx++;
        }
        cursor = outer_end(el);
    }
    return sep_ok(js, cursor, v->end - 1, 0) ? idx : -1;
}

/* The object or array at tok[at] (an object's members in *rec when not NULL). */
SQT_HOT static int walk(const fp_text *t, int at, int depth, fp_obj *rec, fp_obj *sub)
{
    fp_obj local;
    if (at >= t->n || depth >= FP_MAX_DEPTH)
        return -1;
    if (t->tok[at].type == JSMN_OBJECT)
        return walk_object(t, at, depth, rec != NULL ? rec : &local, sub);
    if (t->tok[at].type == JSMN_ARRAY)
        return walk_array(t, at, depth);
    return -1;
}

/* jsmn over the whole text, then the one walk from the root object (members in *root,
 * the order object "o" in *sub when not NULL): 1 when the text is one object the DOM
 * loads with nothing but whitespace around it, with no token left over. */
/* jsmn's functions are static ones of its header, so they cannot be marked SQT_HOT;
 * flattened into this one, they sit with the rest of the order path. */
#if defined(__GNUC__)
#define FP_FLATTEN __attribute__((flatten))
#else
#define FP_FLATTEN
#endif
SQT_HOT FP_FLATTEN static int tokenize(const char *js, size_t len, jsmntok_t *tok)
{
    jsmn_parser p;
    jsmn_init(&p);
    return jsmn_parse(&p, js, len, tok, FP_MAX_TOKENS);
}

static int load(const char *js, size_t len, jsmntok_t *tok, fp_text *t, fp_obj *root,
                fp_obj *sub)
{
    int n;
    if (js == NULL || len == 0 || len > (size_t)INT32_MAX)
        return 0;
    n = tokenize(js, len, tok);
    if (n < 1 || tok[0].type != JSMN_OBJECT || !sep_ok(js, 0, tok[0].start, 0) ||
        !sep_ok(js, tok[0].end, (int)len, 0))
        return 0;
    t->js = js;
    t->tok = tok;
    t->n = n;
    t->plain = text_plain(js, len);
    return walk(t, 0, 0, root, sub) == n;
}

SQT_HOT int sqt_bn_fast_trade(const char *json, size_t len, sqt_price_tick *tick)
{
    jsmntok_t tok[FP_MAX_TOKENS];
    fp_text t;
    fp_obj root;
    const jsmntok_t *e, *s, *px, *ev, *tt, *agg;
    int64_t ev_time;
    size_t sym_len;
    /* flat: a wrapped message has a nested "data" object */
    if (tick == NULL || !load(json, len, tok, &t, &root, NULL) || root.nested != 0)
        return 0;
    e = MEMBER(&t, &root, "e");
    s = MEMBER(&t, &root, "s");
    px = MEMBER(&t, &root, "p");
    ev = MEMBER(&t, &root, "E");
    tt = MEMBER(&t, &root, "T");
    agg = MEMBER(&t, &root, "a");
    /* "e" present and "aggTrade": not a reply, not another event */
    if (e == NULL || e->type != JSMN_STRING || !TOKEN_IS(json, e, "aggTrade"))
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
        if (px->type != JSMN_PRIMITIVE || !int_token(json, px, &v))
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
SQT_HOT static int dec_field(const char *js, const jsmntok_t *t, sqt_dec *out)
{
    int64_t v;
    if (t == NULL)
        return 0;
    if (t->type == JSMN_STRING)
        return sqt_dec_parse(js + t->start, (size_t)(t->end - t->start), out) == SQT_OK;
    if (t->type != JSMN_PRIMITIVE || !int_token(js, t, &v))
        return 0;
    *out = sqt_dec_make(v, 0);
    return 1;
}

/* sqt_kit_json_opt_dec: absent, null or "" is 0. */
SQT_HOT static int opt_dec_field(const char *js, const jsmntok_t *t, sqt_dec *out)
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
SQT_HOT static int opt_str_field(const char *js, const jsmntok_t *t, const char *dflt, const char **s,
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
    if (TOKEN_IS(js, t, "true") || TOKEN_IS(js, t, "false")) {
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

static int plain_str(const jsmntok_t *t)
{
    return t != NULL && t->type == JSMN_STRING;
}

/* the order id as order_from_push writes it ("%lld"), by the kit's digit loop
 * (sqt_kit_int_text) rather than stdio's machinery on the order path */
_Static_assert(SQT_ORDER_ID_MAX >= 21, "an int64 in decimal, its sign and the NUL");

/* The members order_from_push (parse.c) reads: at the top (0) or in the order "o" (1).
 * Looked up in one loop over this table: the order path's code stays small (it runs
 * cold, after the loop slept). */
enum {
    F_EV_TIME, F_TX_TIME, F_SYMBOL, F_CID, F_SIDE, F_STATUS, F_ID, F_QTY, F_PRICE, F_FILLED,
    F_AVG, F_LAST_QTY, F_LAST_PRICE, F_FEE, F_FEE_ASSET, F_PNL, F_TIF, F_REDUCE, F_ORDER_TIME,
    F_COUNT
};

static const struct {
    char key[3];
    uint8_t in_order;
} ORDER_FIELDS[F_COUNT] = {
    [F_EV_TIME] = {"E", 0}, [F_TX_TIME] = {"T", 0}, [F_SYMBOL] = {"s", 1},
    [F_CID] = {"c", 1},     [F_SIDE] = {"S", 1},    [F_STATUS] = {"X", 1},
    [F_ID] = {"i", 1},      [F_QTY] = {"q", 1},     [F_PRICE] = {"p", 1},
    [F_FILLED] = {"z", 1},  [F_AVG] = {"ap", 1},    [F_LAST_QTY] = {"l", 1},
    [F_LAST_PRICE] = {"L", 1}, [F_FEE] = {"n", 1},  [F_FEE_ASSET] = {"N", 1},
    [F_PNL] = {"rp", 1},    [F_TIF] = {"f", 1},     [F_REDUCE] = {"R", 1},
    [F_ORDER_TIME] = {"T", 1},
};

/* The order of an ORDER_TRADE_UPDATE whose shape is checked (members in *root, *o), its
 * fields as order_from_push reads them, in its order. */
static int read_order(const fp_text *t, const fp_obj *root, const fp_obj *o, const char *prefix,
                      sqt_order *out)
{
    const char *json = t->js, *tif, *fee_asset, *cid;
    const jsmntok_t *f[F_COUNT];
    size_t tif_n, fee_n, cid_n, pl = prefix != NULL ? strlen(prefix) : 0;
    int64_t ev_time, tx_time, oid;
    int i, st, sd;
    for (i = 0; i < F_COUNT; i++)
        f[i] = member(t, ORDER_FIELDS[i].in_order ? o : root, ORDER_FIELDS[i].key,
                      ORDER_FIELDS[i].key[1] != '\0' ? 2 : 1);
    memset(out, 0, sizeof *out);
    out->struct_size = sizeof *out;
    if (f[F_EV_TIME] == NULL || !i64_field(json, f[F_EV_TIME], &ev_time) ||
        !opt_i64_field(json, f[F_TX_TIME], 0, &tx_time))
        return 0;
    if (!plain_str(f[F_SYMBOL]) || !plain_str(f[F_CID]) || !plain_str(f[F_SIDE]) ||
        !plain_str(f[F_STATUS]) || f[F_ID] == NULL || !i64_field(json, f[F_ID], &oid) ||
        !dec_field(json, f[F_QTY], &out->qty) || !dec_field(json, f[F_PRICE], &out->price) ||
        !dec_field(json, f[F_FILLED], &out->filled_qty) ||
        !opt_dec_field(json, f[F_AVG], &out->avg_price) ||
        !opt_dec_field(json, f[F_LAST_QTY], &out->last_fill_qty) ||
        !opt_dec_field(json, f[F_LAST_PRICE], &out->last_fill_price) ||
        !opt_dec_field(json, f[F_FEE], &out->fee) ||
        !opt_str_field(json, f[F_FEE_ASSET], "", &fee_asset, &fee_n) ||
        !opt_dec_field(json, f[F_PNL], &out->realized_pnl) ||
        !opt_str_field(json, f[F_TIF], "GTC", &tif, &tif_n) ||
        !opt_bool_field(json, f[F_REDUCE], &out->reduce_only))
        return 0;
    /* the transaction time: the event's "T", else the order's, else the event time */
    if (tx_time == 0 && !opt_i64_field(json, f[F_ORDER_TIME], ev_time, &tx_time))
        return 0;
    st = sqt_bn_status_of(json + f[F_STATUS]->start,
                          (size_t)(f[F_STATUS]->end - f[F_STATUS]->start));
    sd = sqt_bn_side_of(json + f[F_SIDE]->start, (size_t)(f[F_SIDE]->end - f[F_SIDE]->start));
    if (st < 0 || sd < 0)
        return 0;
    if (out->qty.mant < 0 || out->filled_qty.mant < 0 || out->last_fill_qty.mant < 0)
        return 0;
    /* client ids reach the host without our broker prefix */
    cid = json + f[F_CID]->start;
    cid_n = (size_t)(f[F_CID]->end - f[F_CID]->start);
    if (pl > 0 && cid_n >= pl && memcmp(cid, prefix, pl) == 0) {
        cid += pl;
        cid_n -= pl;
    }
    if (!copy_field(out->symbol, sizeof out->symbol, json + f[F_SYMBOL]->start,
                    (size_t)(f[F_SYMBOL]->end - f[F_SYMBOL]->start)) ||
        !copy_field(out->client_id, sizeof out->client_id, cid, cid_n) ||
        !copy_field(out->fee_asset, sizeof out->fee_asset, fee_asset, fee_n))
        return 0;
    sqt_kit_int_text((long long)oid, out->order_id);
    out->status = (sqt_order_status)st;
    out->side = (sqt_side)sd;
    out->tif = tif_n == 3 && memcmp(tif, "GTX", 3) == 0 ? SQT_TIF_POST_ONLY : SQT_TIF_GTC;
    out->update_time_ms = tx_time;
    out->seq = ev_time;
    return 1;
}

SQT_HOT int sqt_bn_fast_user(const char *json, size_t len, const char *prefix, int *kind,
                     sqt_order *order)
{
    jsmntok_t tok[FP_MAX_TOKENS];
    fp_text t;
    fp_obj root, o;
    const jsmntok_t *e, *stream, *data;
    if (kind == NULL || order == NULL)
        return 0;
    o.nested = -1; /* stays so unless the root's "o" is an object */
    if (!load(json, len, tok, &t, &root, &o) || !plain_str(e = MEMBER(&t, &root, "e")))
        return 0;
    if (TOKEN_IS(json, e, "ORDER_TRADE_UPDATE")) {
        /* read only in the shape Binance sends: the order object is the one nested
         * value and is itself flat (anything else is the DOM's) */
        if (root.nested != 1 || o.nested != 0)
            return 0;
        *kind = SQT_BN_EV_ORDER;
        return read_order(&t, &root, &o, prefix, order);
    }
    /* an event the plugin ignores, unless it is a key expiry or a {"stream","data"}
     * wrapper around another event (the DOM reads the inner one) */
    stream = MEMBER(&t, &root, "stream");
    data = MEMBER(&t, &root, "data");
    if ((stream != NULL && stream->type == JSMN_STRING && data != NULL &&
         data->type == JSMN_OBJECT) ||
        TOKEN_IS(json, e, "listenKeyExpired"))
        return 0;
    *kind = SQT_BN_EV_OTHER;
    return 1;
}

int sqt_bn_fast_order(const char *json, size_t len, const char *prefix, sqt_order *order)
{
    int kind = -1;
    return sqt_bn_fast_user(json, len, prefix, &kind, order) && kind == SQT_BN_EV_ORDER;
}
