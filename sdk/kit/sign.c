/* HMAC-SHA256 / -SHA512 through nettle, in hex and base64 (pluginkit.h): the three
 * signing dialects the exchanges use.
 *
 * nettle's HMAC context is a plain struct: the key schedule (the inner and outer hash
 * states after the padded key) is computed once by set_key, and every digest leaves the
 * context back at that keyed state. A prepared key (sqt_kit_hmac_key) is that struct,
 * made once per secret: a signature is update + digest on it, with no allocation and no
 * provider dispatch. Around the SHA-256 blocks (SHA-NI in both libraries on a CPU that
 * has it) OpenSSL's EVP_MAC spent ~2,700 instructions per order signature in its
 * provider layer where nettle spends ~1,100, and that code footprint is what the cold
 * order path pays for: a warm signature 0.54 -> 0.30 us, the cold place path 16 -> 8 us
 * (bench/README.md, bench_sign).
 * The one-shot functions key a context on the stack, sign, and wipe it. */
#include <opensqt/pluginkit.h>

#include <stdlib.h>
#include <string.h>

#include <nettle/base64.h>
#include <nettle/hmac.h>

#define KEY_MAX 4096           /* far above any exchange's secret */

/* The keyed state of either hash; only the member of `hash` is used. */
typedef union hmac_state {
    struct hmac_sha256_ctx s256;
    struct hmac_sha512_ctx s512;
} hmac_state;

struct sqt_kit_hmac_key {
    sqt_kit_hash hash;
    /* signing runs the context and leaves it keyed again: the key is const to callers
     * (its secret never changes), its scratch state is not */
    hmac_state *st;
    hmac_state store;
};

static void wipe(void *p, size_t n)
{
    explicit_bzero(p, n); /* a plain memset of a dying object may be optimised out */
}

static void state_key(hmac_state *st, sqt_kit_hash hash, const char *key, size_t key_len)
{
    const uint8_t *k = (const uint8_t *)(key_len ? key : "");
    if (hash == SQT_KIT_SHA256)
        hmac_sha256_set_key(&st->s256, key_len, k);
    else
        hmac_sha512_set_key(&st->s512, key_len, k);
}

/* The message, the concatenation of parts[0..n), through the keyed state; the state is
 * keyed again afterwards. */
static size_t state_sign(hmac_state *st, sqt_kit_hash hash, const sqt_kit_span *parts,
                         size_t n, unsigned char mac[SQT_KIT_HMAC_MAX])
{
    size_t i;
    if (hash == SQT_KIT_SHA256) {
        for (i = 0; i < n; i++)
            if (parts[i].len > 0)
                hmac_sha256_update(&st->s256, parts[i].len, (const uint8_t *)parts[i].text);
        hmac_sha256_digest(&st->s256, SHA256_DIGEST_SIZE, mac);
        return SHA256_DIGEST_SIZE;
    }
    for (i = 0; i < n; i++)
        if (parts[i].len > 0)
            hmac_sha512_update(&st->s512, parts[i].len, (const uint8_t *)parts[i].text);
    hmac_sha512_digest(&st->s512, SHA512_DIGEST_SIZE, mac);
    return SHA512_DIGEST_SIZE;
}

static int parts_ok(const sqt_kit_span *parts, size_t n)
{
    size_t i;
    if (parts == NULL && n > 0)
        return 0;
    for (i = 0; i < n; i++)
        if (parts[i].text == NULL && parts[i].len > 0)
            return 0;
    return 1;
}

static int hash_ok(sqt_kit_hash hash)
{
    return hash == SQT_KIT_SHA256 || hash == SQT_KIT_SHA512;
}

int sqt_kit_hmac_key_new(sqt_kit_hash hash, const char *key, size_t key_len,
                         sqt_kit_hmac_key **out)
{
    sqt_kit_hmac_key *k;
    if (out != NULL)
        *out = NULL;
    if (!hash_ok(hash) || key == NULL || out == NULL || key_len > KEY_MAX)
        return SQT_EINVAL;
    if ((k = malloc(sizeof(*k))) == NULL)
        return SQT_ENOMEM;
    k->hash = hash;
    k->st = &k->store;
    state_key(k->st, hash, key, key_len);
    *out = k;
    return SQT_OK;
}

void sqt_kit_hmac_key_free(sqt_kit_hmac_key *k)
{
    if (k == NULL)
        return;
    wipe(k, sizeof(*k)); /* the keyed states sign as well as the secret itself */
    free(k);
}

/* k when set (its hash is then its own), else HMAC-<hash> keyed with `key` on a state
 * on the stack, wiped after. */
SQT_HOT static int sign_parts(const sqt_kit_hmac_key *k, sqt_kit_hash hash, const char *key,
                      size_t key_len, const sqt_kit_span *parts, size_t n,
                      unsigned char mac[SQT_KIT_HMAC_MAX], size_t *mac_len)
{
    hmac_state st;
    if (mac == NULL || mac_len == NULL || !parts_ok(parts, n))
        return SQT_EINVAL;
    if (k != NULL) {
        *mac_len = state_sign(k->st, k->hash, parts, n, mac);
        return SQT_OK;
    }
    if (!hash_ok(hash) || key == NULL || key_len > KEY_MAX)
        return SQT_EINVAL;
    state_key(&st, hash, key, key_len);
    *mac_len = state_sign(&st, hash, parts, n, mac);
    wipe(&st, sizeof(st));
    return SQT_OK;
}

int sqt_kit_hmac_with(const sqt_kit_hmac_key *k, const char *msg, size_t msg_len,
                      unsigned char mac[SQT_KIT_HMAC_MAX], size_t *mac_len)
{
    sqt_kit_span one;
    one.text = msg;
    one.len = msg_len;
    if (k == NULL)
        return SQT_EINVAL;
    return sign_parts(k, k->hash, NULL, 0, &one, 1, mac, mac_len);
}

/* The two hex digits of every byte value, so a MAC byte is one 2-byte copy instead of two
 * nibble lookups (a constant table: every entry is an integer constant expression). */
#define HEXD(x) ((char)((x) < 10 ? '0' + (x) : 'a' + (x) - 10))
#define HP(n) {HEXD((n) >> 4), HEXD((n) & 15)}
#define HP4(n) HP(n), HP((n) + 1), HP((n) + 2), HP((n) + 3)
#define HP16(n) HP4(n), HP4((n) + 4), HP4((n) + 8), HP4((n) + 12)
static const char HEX_PAIRS[256][2] = {
    HP16(0x00), HP16(0x10), HP16(0x20), HP16(0x30), HP16(0x40), HP16(0x50), HP16(0x60),
    HP16(0x70), HP16(0x80), HP16(0x90), HP16(0xa0), HP16(0xb0), HP16(0xc0), HP16(0xd0),
    HP16(0xe0), HP16(0xf0)};

static int to_hex(const unsigned char *mac, size_t n, char *out, size_t cap)
{
    size_t i;
    if (cap < 2 * n + 1)
        return SQT_ERANGE;
    for (i = 0; i < n; i++)
        memcpy(out + 2 * i, HEX_PAIRS[mac[i]], 2);
    out[2 * n] = '\0';
    return SQT_OK;
}

static int to_base64(const unsigned char *mac, size_t n, char *out, size_t cap)
{
    if (cap < 4 * ((n + 2) / 3) + 1)
        return SQT_ERANGE;
    base64_encode_raw(out, n, mac);
    out[BASE64_ENCODE_RAW_LENGTH(n)] = '\0';
    return SQT_OK;
}

/* ---- one-shot: a key on the stack for one signature ---------------------------------- */

int sqt_kit_hmac(sqt_kit_hash hash, const char *key, size_t key_len, const char *msg,
                 size_t msg_len, unsigned char mac[SQT_KIT_HMAC_MAX], size_t *mac_len)
{
    sqt_kit_span one;
    one.text = msg;
    one.len = msg_len;
    return sign_parts(NULL, hash, key, key_len, &one, 1, mac, mac_len);
}

/* ---- the four text outputs: prepared key or secret, hex or base64 ------------------ */

/* k when set (hash is then its own), else HMAC-<hash> keyed with the secret `key`; the
 * message in parts; hex or base64 text. */
static int sign_text_parts(const sqt_kit_hmac_key *k, sqt_kit_hash hash, const char *key,
                           size_t key_len, const sqt_kit_span *parts, size_t n_parts,
                           int base64, char *out, size_t cap)
{
    unsigned char mac[SQT_KIT_HMAC_MAX];
    size_t n;
    int rc;
    if (out == NULL || (k == NULL && key == NULL))
        return SQT_EINVAL;
    rc = sign_parts(k, hash, key, key_len, parts, n_parts, mac, &n);
    if (rc == SQT_OK)
        rc = base64 ? to_base64(mac, n, out, cap) : to_hex(mac, n, out, cap);
    return rc; /* the MAC goes on the wire: nothing secret to wipe */
}

static int sign_text(const sqt_kit_hmac_key *k, sqt_kit_hash hash, const char *key,
                     size_t key_len, const char *msg, size_t msg_len, int base64, char *out,
                     size_t cap)
{
    sqt_kit_span one;
    one.text = msg;
    one.len = msg_len;
    return sign_text_parts(k, hash, key, key_len, &one, 1, base64, out, cap);
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

SQT_HOT int sqt_kit_hmac_hex_with(const sqt_kit_hmac_key *k, const char *msg, size_t msg_len,
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

int sqt_kit_hmac_text_parts(const sqt_kit_hmac_key *k, sqt_kit_hash hash, const char *secret,
                            int base64, const sqt_kit_span *parts, size_t n, char *out,
                            size_t cap)
{
    return sign_text_parts(k, hash, secret, secret != NULL ? strlen(secret) : 0, parts, n,
                           base64 != 0, out, cap);
}
