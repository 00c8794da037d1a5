/* HMAC-SHA256 / -SHA512 through OpenSSL's EVP MAC interface, in hex and base64
 * (pluginkit.h): the three signing dialects the exchanges use.
 *
 * A prepared key (sqt_kit_hmac_key) holds the fetched HMAC implementation and a context
 * already keyed with the secret, so the provider lookup and the key schedule are paid
 * once per secret instead of once per request. Each signature re-initialises a second,
 * working copy of that context with no key (EVP_MAC_init(ctx, NULL, ...): the HMAC
 * restarts from its stored inner state): one digest-state copy, where a fresh copy of
 * the keyed context per request (EVP_MAC_CTX_dup: three digest contexts, the key in
 * the secure heap, then their frees) made the whole signature ~3,600 instructions and,
 * on the cold order path, 4-8 us dearer (bench/README.md, issue 16, session 6).
 * Should a provider refuse the keyless re-init, the signature falls back to such a copy.
 * The one-shot functions prepare a key, sign on its context directly (no copy for a
 * single use) and free it: one code path for both. */
#include <opensqt/pluginkit.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#define KEY_MAX 4096           /* far above any exchange's secret */

struct sqt_kit_hmac_key {
    EVP_MAC *mac;
    EVP_MAC_CTX *keyed;        /* initialised with the secret; never updated itself */
    EVP_MAC_CTX *work;         /* a copy of keyed, re-initialised per signature; or NULL */
    size_t out_len;            /* 32 or 64 */
};

int sqt_kit_hmac_key_new(sqt_kit_hash hash, const char *key, size_t key_len,
                         sqt_kit_hmac_key **out)
{
    const char *digest = hash == SQT_KIT_SHA256 ? "SHA256" : hash == SQT_KIT_SHA512 ? "SHA512"
                                                                                    : NULL;
    OSSL_PARAM params[2];
    sqt_kit_hmac_key *k;
    if (out != NULL)
        *out = NULL;
    if (digest == NULL || key == NULL || out == NULL || key_len > KEY_MAX)
        return SQT_EINVAL;
    if ((k = calloc(1, sizeof(*k))) == NULL)
        return SQT_ENOMEM;
    k->out_len = hash == SQT_KIT_SHA256 ? 32u : 64u;
    params[0] = OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, (char *)digest, 0);
    params[1] = OSSL_PARAM_construct_end();
    if ((k->mac = EVP_MAC_fetch(NULL, "HMAC", NULL)) == NULL ||
        (k->keyed = EVP_MAC_CTX_new(k->mac)) == NULL ||
        /* an empty key is legal HMAC; OpenSSL wants a non-NULL pointer for it */
        EVP_MAC_init(k->keyed, (const unsigned char *)(key_len ? key : ""), key_len, params) != 1) {
        sqt_kit_hmac_key_free(k);
        return SQT_EINVAL;
    }
    k->work = EVP_MAC_CTX_dup(k->keyed); /* NULL: every signature copies keyed instead */
    *out = k;
    return SQT_OK;
}

void sqt_kit_hmac_key_free(sqt_kit_hmac_key *k)
{
    if (k == NULL)
        return;
    EVP_MAC_CTX_free(k->work); /* OpenSSL clears its copies of the key */
    EVP_MAC_CTX_free(k->keyed);
    EVP_MAC_free(k->mac);
    free(k);
}

/* Feed msg to a keyed context and finish it (the context is used up). */
static int sign_on(EVP_MAC_CTX *ctx, size_t want, const char *msg, size_t msg_len,
                   unsigned char mac[SQT_KIT_HMAC_MAX], size_t *mac_len)
{
    size_t n = 0;
    if (EVP_MAC_update(ctx, (const unsigned char *)(msg ? msg : ""), msg_len) != 1 ||
        EVP_MAC_final(ctx, mac, &n, SQT_KIT_HMAC_MAX) != 1 || n != want)
        return SQT_EINVAL;
    *mac_len = n;
    return SQT_OK;
}

int sqt_kit_hmac_with(const sqt_kit_hmac_key *k, const char *msg, size_t msg_len,
                      unsigned char mac[SQT_KIT_HMAC_MAX], size_t *mac_len)
{
    EVP_MAC_CTX *ctx;
    int rc;
    if (k == NULL || mac == NULL || mac_len == NULL || (msg == NULL && msg_len > 0))
        return SQT_EINVAL;
    /* the working copy restarts from the key's inner state; keyed itself is never fed */
    if (k->work != NULL && EVP_MAC_init(k->work, NULL, 0, NULL) == 1)
        return sign_on(k->work, k->out_len, msg, msg_len, mac, mac_len);
    /* a copy carries the keyed state: no re-init, the prepared context stays clean */
    if ((ctx = EVP_MAC_CTX_dup(k->keyed)) == NULL)
        return SQT_ENOMEM;
    rc = sign_on(ctx, k->out_len, msg, msg_len, mac, mac_len);
    EVP_MAC_CTX_free(ctx);
    return rc;
}

static int to_hex(const unsigned char *mac, size_t n, char *out, size_t cap)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;
    if (cap < 2 * n + 1)
        return SQT_ERANGE;
    for (i = 0; i < n; i++) {
        out[2 * i] = digits[mac[i] >> 4];
        out[2 * i + 1] = digits[mac[i] & 0x0f];
    }
    out[2 * n] = '\0';
    return SQT_OK;
}

static int to_base64(const unsigned char *mac, size_t n, char *out, size_t cap)
{
    if (cap < 4 * ((n + 2) / 3) + 1)
        return SQT_ERANGE;
    EVP_EncodeBlock((unsigned char *)out, mac, (int)n); /* writes the NUL too */
    return SQT_OK;
}

/* ---- one-shot: a key prepared for one signature ------------------------------------- */

int sqt_kit_hmac(sqt_kit_hash hash, const char *key, size_t key_len, const char *msg,
                 size_t msg_len, unsigned char mac[SQT_KIT_HMAC_MAX], size_t *mac_len)
{
    sqt_kit_hmac_key *k;
    int rc;
    if (mac == NULL || mac_len == NULL || (msg == NULL && msg_len > 0))
        return SQT_EINVAL;
    if (sqt_kit_hmac_key_new(hash, key, key_len, &k) != SQT_OK)
        return SQT_EINVAL;
    rc = sign_on(k->keyed, k->out_len, msg, msg_len, mac, mac_len); /* used once: no copy */
    sqt_kit_hmac_key_free(k);
    return rc;
}

/* ---- the four text outputs: prepared key or secret, hex or base64 ------------------ */

/* k when set (hash is then its own), else HMAC-<hash> keyed with the secret `key`. */
static int sign_text(const sqt_kit_hmac_key *k, sqt_kit_hash hash, const char *key,
                     size_t key_len, const char *msg, size_t msg_len, int base64, char *out,
                     size_t cap)
{
    unsigned char mac[SQT_KIT_HMAC_MAX];
    size_t n;
    int rc;
    if (out == NULL)
        return SQT_EINVAL;
    rc = k != NULL     ? sqt_kit_hmac_with(k, msg, msg_len, mac, &n)
         : key != NULL ? sqt_kit_hmac(hash, key, key_len, msg, msg_len, mac, &n)
                       : SQT_EINVAL;
    if (rc == SQT_OK)
        rc = base64 ? to_base64(mac, n, out, cap) : to_hex(mac, n, out, cap);
    OPENSSL_cleanse(mac, sizeof(mac));
    return rc;
}

int sqt_kit_hmac_hex(sqt_kit_hash hash, const char *key, const char *msg, size_t msg_len,
                     char *out, size_t cap)
{
    if (key == NULL)
        return SQT_EINVAL;
    return sign_text(NULL, hash, key, strlen(key), msg, msg_len, 0, out, cap);
}

int sqt_kit_hmac_base64(sqt_kit_hash hash, const char *key, const char *msg, size_t msg_len,
                        char *out, size_t cap)
{
    if (key == NULL)
        return SQT_EINVAL;
    return sign_text(NULL, hash, key, strlen(key), msg, msg_len, 1, out, cap);
}

int sqt_kit_hmac_hex_with(const sqt_kit_hmac_key *k, const char *msg, size_t msg_len,
                          char *out, size_t cap)
{
    if (k == NULL)
        return SQT_EINVAL;
    return sign_text(k, SQT_KIT_SHA256, NULL, 0, msg, msg_len, 0, out, cap);
}

int sqt_kit_hmac_base64_with(const sqt_kit_hmac_key *k, const char *msg, size_t msg_len,
                             char *out, size_t cap)
{
    if (k == NULL)
        return SQT_EINVAL;
    return sign_text(k, SQT_KIT_SHA256, NULL, 0, msg, msg_len, 1, out, cap);
}

int sqt_kit_hmac_text(const sqt_kit_hmac_key *k, sqt_kit_hash hash, const char *secret,
                      int base64, const char *msg, size_t msg_len, char *out, size_t cap)
{
    return sign_text(k, hash, secret, secret != NULL ? strlen(secret) : 0, msg, msg_len,
                     base64 != 0, out, cap);
}
