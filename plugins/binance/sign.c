/* Binance signing and parameter strings: see sign.h. */
#include "sign.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opensqt/plugin.h>

int sqt_bn_sign_hex(const char *key, const char *msg, size_t len,
                    char hex[SQT_BN_SIG_HEX_LEN + 1])
{
    static const char digits[] = "0123456789abcdef";
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    size_t i, klen;
    if (key == NULL || hex == NULL || (msg == NULL && len > 0))
        return SQT_EINVAL;
    klen = strlen(key);
    if (klen > 1024)
        return SQT_EINVAL;
    if (HMAC(EVP_sha256(), key, (int)klen, (const unsigned char *)(msg ? msg : ""), len, mac,
             &mac_len) == NULL ||
        mac_len != SQT_BN_SIG_HEX_LEN / 2)
        return SQT_EINVAL;
    for (i = 0; i < mac_len; i++) {
        hex[2 * i] = digits[mac[i] >> 4];
        hex[2 * i + 1] = digits[mac[i] & 0x0f];
    }
    hex[SQT_BN_SIG_HEX_LEN] = '\0';
    return SQT_OK;
}

void sqt_bn_query_init(sqt_bn_query *q)
{
    memset(q, 0, sizeof(*q));
}

void sqt_bn_query_free(sqt_bn_query *q)
{
    free(q->buf);
    memset(q, 0, sizeof(*q));
}

static int reserve(sqt_bn_query *q, size_t more)
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

void sqt_bn_query_raw(sqt_bn_query *q, const char *text, size_t len)
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

void sqt_bn_query_add(sqt_bn_query *q, const char *key, const char *value)
{
    static const char hexd[] = "0123456789ABCDEF";
    size_t klen, vlen, i;
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
    for (i = 0; i < vlen; i++) {
        unsigned char c = (unsigned char)value[i];
        if (unreserved(c)) {
            *w++ = (char)c;
        } else {
            *w++ = '%';
            *w++ = hexd[c >> 4];
            *w++ = hexd[c & 0x0f];
        }
    }
    *w = '\0';
    q->len = (size_t)(w - q->buf);
}

void sqt_bn_query_add_int(sqt_bn_query *q, const char *key, long long value)
{
    char num[24];
    snprintf(num, sizeof(num), "%lld", value);
    sqt_bn_query_add(q, key, num);
}

const char *sqt_bn_query_str(const sqt_bn_query *q)
{
    return q->buf != NULL ? q->buf : "";
}

int sqt_bn_query_sign(sqt_bn_query *q, const char *secret)
{
    char hex[SQT_BN_SIG_HEX_LEN + 1];
    int rc;
    if (q->err)
        return q->err;
    rc = sqt_bn_sign_hex(secret, sqt_bn_query_str(q), q->len, hex);
    if (rc != SQT_OK)
        return rc;
    sqt_bn_query_add(q, "signature", hex);
    return q->err;
}
