/* HMAC-SHA256 / -SHA512 through OpenSSL's EVP MAC interface, in hex and base64
 * (pluginkit.h): the three signing dialects the exchanges use. */
#include <opensqt/pluginkit.h>

#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#define KEY_MAX 4096           /* far above any exchange's secret */

int sqt_kit_hmac(sqt_kit_hash hash, const char *key, size_t key_len, const char *msg,
                 size_t msg_len, unsigned char mac[SQT_KIT_HMAC_MAX], size_t *mac_len)
{
    const char *digest = hash == SQT_KIT_SHA256 ? "SHA256" : hash == SQT_KIT_SHA512 ? "SHA512"
                                                                                    : NULL;
    EVP_MAC *m = NULL;
    EVP_MAC_CTX *ctx = NULL;
    OSSL_PARAM params[2];
    size_t n = 0;
    int rc = SQT_EINVAL;
    if (digest == NULL || key == NULL || mac == NULL || mac_len == NULL ||
        (msg == NULL && msg_len > 0) || key_len > KEY_MAX)
        return SQT_EINVAL;
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    if ((m = EVP_MAC_fetch(NULL, "HMAC", NULL)) != NULL && (ctx = EVP_MAC_CTX_new(m)) != NULL &&
        /* an empty key is legal HMAC; OpenSSL wants a non-NULL pointer for it */
        EVP_MAC_init(ctx, (const unsigned char *)(key_len ? key : ""), key_len, params) == 1 &&
        EVP_MAC_update(ctx, (const unsigned char *)(msg ? msg : ""), msg_len) == 1 &&
        EVP_MAC_final(ctx, mac, &n, SQT_KIT_HMAC_MAX) == 1 &&
        n == (hash == SQT_KIT_SHA256 ? 32u : 64u)) {
        *mac_len = n;
        rc = SQT_OK;
    }
    EVP_MAC_CTX_free(ctx);
    EVP_MAC_free(m);
    return rc;
}

int sqt_kit_hmac_hex(sqt_kit_hash hash, const char *key, const char *msg, size_t msg_len,
                     char *out, size_t cap)
{
    static const char digits[] = "0123456789abcdef";
    unsigned char mac[SQT_KIT_HMAC_MAX];
    size_t n, i;
    int rc;
    if (key == NULL || out == NULL)
        return SQT_EINVAL;
    if ((rc = sqt_kit_hmac(hash, key, strlen(key), msg, msg_len, mac, &n)) != SQT_OK)
        return rc;
    if (cap < 2 * n + 1)
        return SQT_ERANGE;
    for (i = 0; i < n; i++) {
        out[2 * i] = digits[mac[i] >> 4];
        out[2 * i + 1] = digits[mac[i] & 0x0f];
    }
    out[2 * n] = '\0';
    return SQT_OK;
}

int sqt_kit_hmac_base64(sqt_kit_hash hash, const char *key, const char *msg, size_t msg_len,
                        char *out, size_t cap)
{
    unsigned char mac[SQT_KIT_HMAC_MAX];
    size_t n;
    int rc;
    if (key == NULL || out == NULL)
        return SQT_EINVAL;
    if ((rc = sqt_kit_hmac(hash, key, strlen(key), msg, msg_len, mac, &n)) != SQT_OK)
        return rc;
    if (cap < 4 * ((n + 2) / 3) + 1)
        return SQT_ERANGE;
    EVP_EncodeBlock((unsigned char *)out, mac, (int)n); /* writes the NUL too */
    return SQT_OK;
}
