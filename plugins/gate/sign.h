/* Gate.io APIv4 signing (gate.md 2): lower-case hex HMAC-SHA512 with the secret's ASCII
 * bytes as the key, over
 *   REST: METHOD \n PATH \n QUERY \n hex(SHA512(body)) \n TIMESTAMP   (no trailing \n)
 *   WS:   channel=<channel>&event=<event>&time=<seconds>
 * The empty body hashes "" (never an empty line), the empty query keeps its line. */
#ifndef SQT_GT_SIGN_H
#define SQT_GT_SIGN_H

#include <stddef.h>

#include <opensqt/pluginkit.h>

#define SQT_GT_SIG_LEN 128         /* hex of 64 bytes */

/* query and body may be NULL (empty). 0 or SQT_E*. */
int sqt_gt_sign_rest(const char *secret, const char *method, const char *path,
                     const char *query, const char *body, size_t body_len,
                     const char *timestamp, char out[SQT_GT_SIG_LEN + 1]);
/* The same with the secret's prepared key (made once at create). */
int sqt_gt_sign_rest_key(const sqt_kit_hmac_key *key, const char *method, const char *path,
                         const char *query, const char *body, size_t body_len,
                         const char *timestamp, char out[SQT_GT_SIG_LEN + 1]);
/* The auth SIGN of a private subscribe / unsubscribe at `time_s` seconds. */
int sqt_gt_sign_ws(const char *secret, const char *channel, const char *event,
                   long long time_s, char out[SQT_GT_SIG_LEN + 1]);
/* Lower-case hex SHA-512 of data (the body line of the REST string). */
int sqt_gt_sha512_hex(const char *data, size_t len, char out[SQT_GT_SIG_LEN + 1]);

#endif
