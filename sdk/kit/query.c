/* Query and form strings with percent-encoding (pluginkit.h). */
#include <opensqt/pluginkit.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int sqt_kit_fail(sqt_error *e, int code, const char *fmt, ...)
{
    va_list ap;
    if (e != NULL) {
        e->code = code;
        va_start(ap, fmt);
        vsnprintf(e->message, sizeof(e->message), fmt, ap);
        va_end(ap);
    }
    return code;
}

void sqt_kit_query_init(sqt_kit_query *q)
{
    memset(q, 0, sizeof(*q));
}

SQT_HOT void sqt_kit_query_init_on(sqt_kit_query *q, char *buf, size_t cap)
{
    memset(q, 0, sizeof(*q));
    if (buf == NULL || cap == 0)
        return;
    q->buf = buf;
    q->cap = cap;
    q->borrowed = 1;
    buf[0] = '\0';
}

void sqt_kit_query_free(sqt_kit_query *q)
{
    if (!q->borrowed)
        free(q->buf);
    memset(q, 0, sizeof(*q));
}

SQT_HOT static int reserve(sqt_kit_query *q, size_t more)
{
    size_t need, cap;
    char *p;
    if (q->err)
        return -1;
    if (more > ((size_t)-1) / 4 - q->len) {
        q->err = SQT_ENOMEM;
        return -1;
    }
    need = q->len + more + 1;
    if (need <= q->cap)
        return 0;
    cap = q->cap ? q->cap : 256; /* an order's parameters fit the first allocation */
    while (cap < need)
        cap *= 2;
    /* the caller's buffer is never realloc'ed: the text moves to a heap copy */
    p = q->borrowed ? malloc(cap) : realloc(q->buf, cap);
    if (p == NULL) {
        q->err = SQT_ENOMEM;
        return -1;
    }
    if (q->borrowed)
        memcpy(p, q->buf, q->len + 1);
    q->borrowed = 0;
    q->buf = p;
    q->cap = cap;
    return 0;
}

SQT_HOT void sqt_kit_query_raw(sqt_kit_query *q, const char *text, size_t len)
{
    if (reserve(q, len) != 0)
        return;
    memcpy(q->buf + q->len, text, len);
    q->len += len;
    q->buf[q->len] = '\0';
}

/* A-Z a-z 0-9 - _ . ~ as a bit set over the 128 ASCII codes (bit c of word c / 64):
 * one load and a shift per byte where the range tests were a chain of branches. */
static const uint64_t UNRESERVED[2] = {UINT64_C(0x03ff600000000000),
                                       UINT64_C(0x47fffffe87fffffe)};

static int unreserved(unsigned char c)
{
    return c < 128 && (UNRESERVED[c >> 6] >> (c & 63)) & 1u;
}

/* Encode n bytes of s at w (room for 3 * n); returns the end. */
static char *encode(char *w, const char *s, size_t n)
{
    static const char hexd[] = "0123456789ABCDEF";
    const unsigned char *p = (const unsigned char *)s, *end = p + n;
    for (; p < end; p++) {
        if (unreserved(*p)) {
            *w++ = (char)*p;
        } else {
            *w++ = '%';
            *w++ = hexd[*p >> 4];
            *w++ = hexd[*p & 0x0f];
        }
    }
    return w;
}

int sqt_kit_pct_encode(const char *s, char *out, size_t cap)
{
    size_t n, need = 1, i;
    if (s == NULL || out == NULL)
        return SQT_EINVAL;
    n = strlen(s);
    for (i = 0; i < n; i++)
        need += unreserved((unsigned char)s[i]) ? 1 : 3;
    if (need > cap)
        return SQT_ERANGE;
    *encode(out, s, n) = '\0';
    return SQT_OK;
}

SQT_HOT void sqt_kit_query_add(sqt_kit_query *q, const char *key, const char *value)
{
    size_t klen, vlen;
    char *w;
    if (key == NULL || value == NULL) {
        if (!q->err)
            q->err = SQT_EINVAL;
        return;
    }
    klen = strlen(key);
    vlen = strlen(value);
    if (vlen > ((size_t)-1) / 8 || reserve(q, 1 + klen + 1 + 3 * vlen) != 0)
        return;
    w = q->buf + q->len;
    if (q->len > 0)
        *w++ = '&';
    memcpy(w, key, klen);
    w += klen;
    *w++ = '=';
    w = encode(w, value, vlen);
    *w = '\0';
    q->len = (size_t)(w - q->buf);
}

/* "00" .. "99": two digits per division (a constant table, as the hex pairs in sign.c) */
#define DP(n) {(char)('0' + (n) / 10), (char)('0' + (n) % 10)}
#define DP10(n) DP(n), DP((n) + 1), DP((n) + 2), DP((n) + 3), DP((n) + 4), DP((n) + 5), \
                DP((n) + 6), DP((n) + 7), DP((n) + 8), DP((n) + 9)
static const char DEC_PAIRS[100][2] = {DP10(0),  DP10(10), DP10(20), DP10(30), DP10(40),
                                       DP10(50), DP10(60), DP10(70), DP10(80), DP10(90)};

/* value in decimal at the end of num[0..24), NUL-terminated; returns its first char.
 * Every request formats its timestamp (and Binance its recvWindow): a digit loop is
 * ~60 instructions where snprintf's format machinery was ~1,000. */
static char *int_text(long long value, char num[24])
{
    char *w = num + 23;
    /* the magnitude as unsigned: -LLONG_MIN does not fit a long long */
    unsigned long long m = value < 0 ? 0ULL - (unsigned long long)value
                                     : (unsigned long long)value;
    *w = '\0';
    while (m >= 100u) {
        w -= 2;
        memcpy(w, DEC_PAIRS[m % 100u], 2);
        m /= 100u;
    }
    if (m >= 10u) {
        w -= 2;
        memcpy(w, DEC_PAIRS[m], 2);
    } else {
        *--w = (char)('0' + (int)m);
    }
    if (value < 0)
        *--w = '-';
    return w;
}

SQT_HOT size_t sqt_kit_int_text(long long value, char out[21])
{
    char num[24];
    const char *text = int_text(value, num);
    size_t len = (size_t)(num + 23 - text);
    memcpy(out, text, len + 1);
    return len;
}

SQT_HOT void sqt_kit_query_add_int(sqt_kit_query *q, const char *key, long long value)
{
    char num[24];
    const char *text = int_text(value, num);
    size_t klen, vlen = (size_t)(num + 23 - text);
    char *w;
    if (key == NULL) {
        if (!q->err)
            q->err = SQT_EINVAL;
        return;
    }
    klen = strlen(key);
    /* digits and '-' need no percent-encoding */
    if (reserve(q, 1 + klen + 1 + vlen) != 0)
        return;
    w = q->buf + q->len;
    if (q->len > 0)
        *w++ = '&';
    memcpy(w, key, klen);
    w += klen;
    *w++ = '=';
    memcpy(w, text, vlen + 1);
    q->len = (size_t)(w + vlen - q->buf);
}

SQT_HOT const char *sqt_kit_query_str(const sqt_kit_query *q)
{
    return q->buf != NULL ? q->buf : "";
}
