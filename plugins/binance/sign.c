/* Binance's signing recipe on the plugin kit: see sign.h. */
#include "sign.h"

int sqt_bn_sign_hex(const char *key, const char *msg, size_t len,
                    char hex[SQT_BN_SIG_HEX_LEN + 1])
{
    return sqt_kit_hmac_hex(SQT_KIT_SHA256, key, msg, len, hex, SQT_BN_SIG_HEX_LEN + 1);
}

/* One of the two: a prepared key, else the secret (one-shot). */
static int sign_query(sqt_bn_query *q, const sqt_kit_hmac_key *key, const char *secret)
{
    char hex[SQT_BN_SIG_HEX_LEN + 1];
    int rc;
    if (q->err)
        return q->err;
    rc = key != NULL ? sqt_kit_hmac_hex_with(key, sqt_kit_query_str(q), q->len, hex, sizeof(hex))
                     : sqt_bn_sign_hex(secret, sqt_kit_query_str(q), q->len, hex);
    if (rc != SQT_OK)
        return rc;
    /* hex digits need no percent-encoding: appended as they are */
    if (q->len > 0)
        sqt_kit_query_raw(q, "&signature=", 11);
    else
        sqt_kit_query_raw(q, "signature=", 10);
    sqt_kit_query_raw(q, hex, SQT_BN_SIG_HEX_LEN);
    return q->err;
}

int sqt_bn_query_sign(sqt_bn_query *q, const char *secret)
{
    return sign_query(q, NULL, secret);
}

SQT_HOT int sqt_bn_query_sign_key(sqt_bn_query *q, const sqt_kit_hmac_key *key)
{
    return key != NULL ? sign_query(q, key, NULL) : SQT_EINVAL;
}
