/* Gate's signing recipes on the plugin kit's HMAC and nettle's SHA-512 (the kit's
 * crypto library): see sign.h. */
#include <stdio.h>
#include <string.h>

#include <nettle/sha2.h>

#include <opensqt/pluginkit.h>

#include "sign.h"

SQT_HOT int sqt_gt_sha512_hex(const char *data, size_t len, char out[SQT_GT_SIG_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    struct sha512_ctx ctx;
    uint8_t md[SHA512_DIGEST_SIZE];
    unsigned int n = SHA512_DIGEST_SIZE, i;
    if (out == NULL || (data == NULL && len > 0))
        return SQT_EINVAL;
    sha512_init(&ctx);
    if (len > 0)
        sha512_update(&ctx, len, (const uint8_t *)data);
    sha512_digest(&ctx, SHA512_DIGEST_SIZE, md);
    for (i = 0; i < n; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[2 * n] = '\0';
    return SQT_OK;
}

SQT_HOT static sqt_kit_span span_of(const char *s)
{
    sqt_kit_span sp;
    sp.text = s;
    sp.len = strlen(s);
    return sp;
}

/* METHOD\nPATH\nQUERY\nhex(SHA-512(body))\nTIMESTAMP, fed to the HMAC in pieces (no
 * joined copy); with the prepared key when there is one, else the secret (one-shot). */
SQT_HOT static int sign_rest(const sqt_kit_hmac_key *key, const char *secret, const char *method,
                     const char *path, const char *query, const char *body, size_t body_len,
                     const char *timestamp, char out[SQT_GT_SIG_LEN + 1])
{
    char body_hash[SQT_GT_SIG_LEN + 1];
    sqt_kit_span p[9];
    size_t i;
    int rc;
    if ((key == NULL && secret == NULL) || out == NULL || method == NULL || path == NULL ||
        timestamp == NULL)
        return SQT_EINVAL;
    if (body == NULL)
        body_len = 0;
    if ((rc = sqt_gt_sha512_hex(body, body_len, body_hash)) != SQT_OK)
        return rc;
    p[0] = span_of(method);
    p[2] = span_of(path);
    p[4] = span_of(query != NULL ? query : "");
    p[6] = span_of(body_hash);
    p[8] = span_of(timestamp);
    for (i = 1; i < 9; i += 2)
        p[i] = span_of("\n");
    rc = sqt_kit_hmac_text_parts(key, SQT_KIT_SHA512, secret, 0, p, 9, out,
                                 SQT_GT_SIG_LEN + 1);
    return rc < 0 ? rc : SQT_OK;
}

int sqt_gt_sign_rest(const char *secret, const char *method, const char *path,
                     const char *query, const char *body, size_t body_len,
                     const char *timestamp, char out[SQT_GT_SIG_LEN + 1])
{
    return sign_rest(NULL, secret, method, path, query, body, body_len, timestamp, out);
}

SQT_HOT int sqt_gt_sign_rest_key(const sqt_kit_hmac_key *key, const char *method, const char *path,
                         const char *query, const char *body, size_t body_len,
                         const char *timestamp, char out[SQT_GT_SIG_LEN + 1])
{
    return sign_rest(key, NULL, method, path, query, body, body_len, timestamp, out);
}

int sqt_gt_sign_ws(const char *secret, const char *channel, const char *event,
                   long long time_s, char out[SQT_GT_SIG_LEN + 1])
{
    char msg[160];
    int n, rc;
    if (secret == NULL || channel == NULL || event == NULL || out == NULL)
        return SQT_EINVAL;
    n = snprintf(msg, sizeof(msg), "channel=%s&event=%s&time=%lld", channel, event, time_s);
    if (n < 0 || (size_t)n >= sizeof(msg))
        return SQT_ERANGE;
    rc = sqt_kit_hmac_hex(SQT_KIT_SHA512, secret, msg, (size_t)n, out, SQT_GT_SIG_LEN + 1);
    return rc < 0 ? rc : SQT_OK;
}
