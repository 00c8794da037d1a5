/* Binance's signing recipe on the plugin kit: see sign.h. */
#include "sign.h"

int sqt_bn_sign_hex(const char *key, const char *msg, size_t len,
                    char hex[SQT_BN_SIG_HEX_LEN + 1])
{
    return sqt_kit_hmac_hex(SQT_KIT_SHA256, key, msg, len, hex, SQT_BN_SIG_HEX_LEN + 1);
}

int sqt_bn_query_sign(sqt_bn_query *q, const char *secret)
{
    char hex[SQT_BN_SIG_HEX_LEN + 1];
    int rc;
    if (q->err)
        return q->err;
    rc = sqt_bn_sign_hex(secret, sqt_kit_query_str(q), q->len, hex);
    if (rc != SQT_OK)
        return rc;
    sqt_kit_query_add(q, "signature", hex);
    return q->err;
}
