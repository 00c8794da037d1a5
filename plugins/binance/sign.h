/* Binance request signing: HMAC-SHA256 (lower-case hex) over the exact parameter string
 * that goes on the wire, and a builder for that string (form/query encoding). */
#ifndef SQT_BN_SIGN_H
#define SQT_BN_SIGN_H

#include <stddef.h>

#define SQT_BN_SIG_HEX_LEN 64

/* hex = HMAC-SHA256(key, msg[0..len)) as 64 lower-case hex digits + NUL.
 * Returns 0, or SQT_EINVAL on bad arguments / crypto failure. */
int sqt_bn_sign_hex(const char *key, const char *msg, size_t len,
                    char hex[SQT_BN_SIG_HEX_LEN + 1]);

/* A growing "k=v&k=v" string. Values are percent-encoded except A-Z a-z 0-9 - _ . ~
 * (what Binance signs is exactly what we send, so one encoder serves both). Any failure
 * (out of memory) sticks in `err` and later adds are ignored. */
typedef struct sqt_bn_query {
    char *buf;
    size_t len;
    size_t cap;
    int err;                   /* 0 or SQT_ENOMEM */
} sqt_bn_query;

void sqt_bn_query_init(sqt_bn_query *q);
void sqt_bn_query_free(sqt_bn_query *q);
/* Append key=urlencode(value) (with a leading '&' unless first). */
void sqt_bn_query_add(sqt_bn_query *q, const char *key, const char *value);
void sqt_bn_query_add_int(sqt_bn_query *q, const char *key, long long value);
/* Append raw text (already encoded), no separator. */
void sqt_bn_query_raw(sqt_bn_query *q, const char *text, size_t len);
/* The string ("" when empty); valid until the next add or free. */
const char *sqt_bn_query_str(const sqt_bn_query *q);

/* Append "&signature=<hex>" over the current contents. Returns 0 or SQT_E*. */
int sqt_bn_query_sign(sqt_bn_query *q, const char *secret);

#endif
