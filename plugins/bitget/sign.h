/* Bitget request signing (bitget.md 2.2, 2.5): Base64(HMAC-SHA256(secret, prehash)),
 * prehash = timestamp + METHOD + path [+ "?" + query] + body for REST, and
 * timestamp(seconds) + "GET" + "/user/verify" for the WebSocket login. */
#ifndef SQT_BG_SIGN_H
#define SQT_BG_SIGN_H

#include <stddef.h>

#include <opensqt/pluginkit.h>

#define SQT_BG_SIG_LEN 44          /* base64 of 32 bytes */

/* query may be NULL or "" (no '?'), body may be NULL (GET). 0 or SQT_E*. */
int sqt_bg_sign(const char *secret, const char *timestamp, const char *method,
                const char *path, const char *query, const char *body, size_t body_len,
                char out[SQT_BG_SIG_LEN + 1]);
/* The same with the secret's prepared key (made once at create). */
int sqt_bg_sign_key(const sqt_kit_hmac_key *key, const char *timestamp, const char *method,
                    const char *path, const char *query, const char *body, size_t body_len,
                    char out[SQT_BG_SIG_LEN + 1]);
/* The login signature for a timestamp in seconds (decimal text). */
int sqt_bg_sign_login(const char *secret, const char *ts_seconds, char out[SQT_BG_SIG_LEN + 1]);

#endif
