/* Binance request signing: HMAC-SHA256 (lower-case hex) over the exact parameter string
 * that goes on the wire, appended as `signature`. The strings themselves are the plugin
 * kit's query strings (pluginkit.h); the sqt_bn_query names are kept as aliases. */
#ifndef SQT_BN_SIGN_H
#define SQT_BN_SIGN_H

#include <stddef.h>

#include <opensqt/pluginkit.h>

#define SQT_BN_SIG_HEX_LEN 64

/* hex = HMAC-SHA256(key, msg[0..len)) as 64 lower-case hex digits + NUL.
 * Returns 0, or SQT_EINVAL on bad arguments / crypto failure. */
int sqt_bn_sign_hex(const char *key, const char *msg, size_t len,
                    char hex[SQT_BN_SIG_HEX_LEN + 1]);

typedef sqt_kit_query sqt_bn_query;
#define sqt_bn_query_init sqt_kit_query_init
#define sqt_bn_query_free sqt_kit_query_free
#define sqt_bn_query_add sqt_kit_query_add
#define sqt_bn_query_add_int sqt_kit_query_add_int
#define sqt_bn_query_raw sqt_kit_query_raw
#define sqt_bn_query_str sqt_kit_query_str

/* Append "&signature=<hex>" over the current contents. Returns 0 or SQT_E*. */
int sqt_bn_query_sign(sqt_bn_query *q, const char *secret);
/* The same with the secret's prepared key (made once at create: no HMAC fetch and key
 * schedule per request). */
int sqt_bn_query_sign_key(sqt_bn_query *q, const sqt_kit_hmac_key *key);

#endif
