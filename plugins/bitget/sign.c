/* Bitget's signing recipe on the plugin kit's HMAC: see sign.h. */
#include <stdlib.h>
#include <string.h>

#include <opensqt/pluginkit.h>

#include "sign.h"

/* With the prepared key when there is one, else the secret (one-shot). */
static int sign_prehash(const sqt_kit_hmac_key *key, const char *secret, const char *timestamp,
                        const char *method, const char *path, const char *query,
                        const char *body, size_t body_len, char out[SQT_BG_SIG_LEN + 1])
{
    size_t lt, lm, lp, lq, n;
    char *msg;
    int rc;
    if ((key == NULL && secret == NULL) || timestamp == NULL || method == NULL || path == NULL ||
        out == NULL)
        return SQT_EINVAL;
    lt = strlen(timestamp);
    lm = strlen(method);
    lp = strlen(path);
    lq = query != NULL ? strlen(query) : 0;
    if (body == NULL)
        body_len = 0;
    if ((msg = malloc(lt + lm + lp + lq + body_len + 2)) == NULL)
        return SQT_ENOMEM;
    memcpy(msg, timestamp, lt);
    n = lt;
    memcpy(msg + n, method, lm); /* callers pass the method upper case, as sent */
    n += lm;
    memcpy(msg + n, path, lp);
    n += lp;
    if (lq > 0) {
        msg[n++] = '?';
        memcpy(msg + n, query, lq);
        n += lq;
    }
    if (body_len > 0)
        memcpy(msg + n, body, body_len);
    n += body_len;
    rc = sqt_kit_hmac_text(key, SQT_KIT_SHA256, secret, 1, msg, n, out, SQT_BG_SIG_LEN + 1);
    free(msg);
    return rc;
}

int sqt_bg_sign(const char *secret, const char *timestamp, const char *method,
                const char *path, const char *query, const char *body, size_t body_len,
                char out[SQT_BG_SIG_LEN + 1])
{
    return sign_prehash(NULL, secret, timestamp, method, path, query, body, body_len, out);
}

int sqt_bg_sign_key(const sqt_kit_hmac_key *key, const char *timestamp, const char *method,
                    const char *path, const char *query, const char *body, size_t body_len,
                    char out[SQT_BG_SIG_LEN + 1])
{
    return sign_prehash(key, NULL, timestamp, method, path, query, body, body_len, out);
}

int sqt_bg_sign_login(const char *secret, const char *ts_seconds, char out[SQT_BG_SIG_LEN + 1])
{
    return sqt_bg_sign(secret, ts_seconds, "GET", "/user/verify", NULL, NULL, 0, out);
}
