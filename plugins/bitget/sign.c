/* Bitget's signing recipe on the plugin kit's HMAC: see sign.h. */
#include <string.h>

#include <opensqt/pluginkit.h>

#include "sign.h"

/* With the prepared key when there is one, else the secret (one-shot). */
SQT_HOT static int sign_prehash(const sqt_kit_hmac_key *key, const char *secret, const char *timestamp,
                        const char *method, const char *path, const char *query,
                        const char *body, size_t body_len, char out[SQT_BG_SIG_LEN + 1])
{
    /* the pieces go to the HMAC in turn: no joined copy of the message */
    sqt_kit_span parts[6];
    size_t lq = query != NULL ? strlen(query) : 0;
    if ((key == NULL && secret == NULL) || timestamp == NULL || method == NULL || path == NULL ||
        out == NULL)
        return SQT_EINVAL;
    parts[0].text = timestamp;
    parts[0].len = strlen(timestamp);
    parts[1].text = method; /* callers pass the method upper case, as sent */
    parts[1].len = strlen(method);
    parts[2].text = path;
    parts[2].len = strlen(path);
    parts[3].text = "?";
    parts[3].len = lq > 0 ? 1 : 0;
    parts[4].text = query;
    parts[4].len = lq;
    parts[5].text = body;
    parts[5].len = body != NULL ? body_len : 0;
    return sqt_kit_hmac_text_parts(key, SQT_KIT_SHA256, secret, 1, parts, 6, out,
                                   SQT_BG_SIG_LEN + 1);
}

int sqt_bg_sign(const char *secret, const char *timestamp, const char *method,
                const char *path, const char *query, const char *body, size_t body_len,
                char out[SQT_BG_SIG_LEN + 1])
{
    return sign_prehash(NULL, secret, timestamp, method, path, query, body, body_len, out);
}

SQT_HOT int sqt_bg_sign_key(const sqt_kit_hmac_key *key, const char *timestamp, const char *method,
                    const char *path, const char *query, const char *body, size_t body_len,
                    char out[SQT_BG_SIG_LEN + 1])
{
    return sign_prehash(key, NULL, timestamp, method, path, query, body, body_len, out);
}

int sqt_bg_sign_login(const char *secret, const char *ts_seconds, char out[SQT_BG_SIG_LEN + 1])
{
    return sqt_bg_sign(secret, ts_seconds, "GET", "/user/verify", NULL, NULL, 0, out);
}
