/* Gate's signing recipes on the plugin kit's HMAC and OpenSSL's SHA-512: see sign.h. */
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opensqt/pluginkit.h>

#include "sign.h"

int sqt_gt_sha512_hex(const char *data, size_t len, char out[SQT_GT_SIG_LEN + 1])
{
    static const char hex[] = "0123456789abcdef";
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0, i;
    if (out == NULL || (data == NULL && len > 0))
        return SQT_EINVAL;
    if (EVP_Digest(data != NULL ? data : "", len, md, &n, EVP_sha512(), NULL) != 1 || n != 64)
        return SQT_EINVAL;
    for (i = 0; i < n; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[2 * n] = '\0';
    return SQT_OK;
}

/* The REST string to sign, malloc'd into *msg (length *n). */
static int rest_message(const char *method, const char *path, const char *query,
                        const char *body, size_t body_len, const char *timestamp, char **msg,
                        size_t *n)
{
    char body_hash[SQT_GT_SIG_LEN + 1];
    size_t cap;
    int k, rc;
    if (method == NULL || path == NULL || timestamp == NULL)
        return SQT_EINVAL;
    if (query == NULL)
        query = "";
    if (body == NULL)
        body_len = 0;
    if ((rc = sqt_gt_sha512_hex(body, body_len, body_hash)) != SQT_OK)
        return rc;
    cap = strlen(method) + strlen(path) + strlen(query) + SQT_GT_SIG_LEN + strlen(timestamp) + 8;
    if ((*msg = malloc(cap)) == NULL)
        return SQT_ENOMEM;
    k = snprintf(*msg, cap, "%s\n%s\n%s\n%s\n%s", method, path, query, body_hash, timestamp);
    if (k < 0 || (size_t)k >= cap) {
        free(*msg);
        *msg = NULL;
        return SQT_ERANGE;
    }
    *n = (size_t)k;
    return SQT_OK;
}

/* With the prepared key when there is one, else the secret (one-shot). */
static int sign_rest(const sqt_kit_hmac_key *key, const char *secret, const char *method,
                     const char *path, const char *query, const char *body, size_t body_len,
                     const char *timestamp, char out[SQT_GT_SIG_LEN + 1])
{
    char *msg;
    size_t n;
    int rc;
    if ((key == NULL && secret == NULL) || out == NULL)
        return SQT_EINVAL;
    if ((rc = rest_message(method, path, query, body, body_len, timestamp, &msg, &n)) != SQT_OK)
        return rc;
    rc = sqt_kit_hmac_text(key, SQT_KIT_SHA512, secret, 0, msg, n, out, SQT_GT_SIG_LEN + 1);
    free(msg);
    return rc < 0 ? rc : SQT_OK;
}

int sqt_gt_sign_rest(const char *secret, const char *method, const char *path,
                     const char *query, const char *body, size_t body_len,
                     const char *timestamp, char out[SQT_GT_SIG_LEN + 1])
{
    return sign_rest(NULL, secret, method, path, query, body, body_len, timestamp, out);
}

int sqt_gt_sign_rest_key(const sqt_kit_hmac_key *key, const char *method, const char *path,
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
