/* Query and form strings with percent-encoding (pluginkit.h). */
#include <opensqt/pluginkit.h>

#include <stdarg.h>
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

void sqt_kit_query_free(sqt_kit_query *q)
{
    free(q->buf);
    memset(q, 0, sizeof(*q));
}

static int reserve(sqt_kit_query *q, size_t more)
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
    cap = q->cap ? q->cap : 128;
    while (cap < need)
        cap *= 2;
    p = realloc(q->buf, cap);
    if (p == NULL) {
        q->err = SQT_ENOMEM;
        return -1;
    }
    q->buf = p;
    q->cap = cap;
    return 0;
}

void sqt_kit_query_raw(sqt_kit_query *q, const char *text, size_t len)
{
    if (reserve(q, len) != 0)
        return;
    memcpy(q->buf + q->len, text, len);
    q->len += len;
    q->buf[q->len] = '\0';
}

static int unreserved(unsigned char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_' || c == '.' || c == '~';
}

/* Encode n bytes of s at w (room for 3 * n); returns the end. */
static char *encode(char *w, const char *s, size_t n)
{
    static const char hexd[] = "0123456789ABCDEF";
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (unreserved(c)) {
            *w++ = (char)c;
        } else {
            *w++ = '%';
            *w++ = hexd[c >> 4];
            *w++ = hexd[c & 0x0f];
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

void sqt_kit_query_add(sqt_kit_query *q, const char *key, const char *value)
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

void sqt_kit_query_add_int(sqt_kit_query *q, const char *key, long long value)
{
    char num[24];
    snprintf(num, sizeof(num), "%lld", value);
    sqt_kit_query_add(q, key, num);
}

const char *sqt_kit_query_str(const sqt_kit_query *q)
{
    return q->buf != NULL ? q->buf : "";
}
