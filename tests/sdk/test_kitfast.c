/* The plugin kit's hot-path pieces against independent references: HMAC (nettle inside
 * the kit) against OpenSSL's one-shot HMAC() over many key and message lengths, the
 * integer query values against snprintf("%lld"), percent-encoding byte by byte against
 * the RFC 3986 unreserved set, and the placing's client ids cut like snprintf did. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <opensqt/pluginkit.h>

#include "sqt_test.h"

static uint64_t g_rng = 0x9e3779b97f4a7c15u;

static uint64_t rnd(void)
{
    return sqt_test_xorshift(&g_rng);
}

static void fill(unsigned char *p, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        p[i] = (unsigned char)rnd();
}

static void hex_of(const unsigned char *m, size_t n, char *out)
{
    static const char d[] = "0123456789abcdef";
    size_t i;
    for (i = 0; i < n; i++) {
        out[2 * i] = d[m[i] >> 4];
        out[2 * i + 1] = d[m[i] & 15];
    }
    out[2 * n] = '\0';
}

/* One key and message through every kit entry point, against OpenSSL's HMAC(). */
static void check_one(sqt_kit_hash hash, const unsigned char *key, size_t klen,
                      const unsigned char *msg, size_t mlen, sqt_kit_hmac_key *prepared)
{
    unsigned char ref[EVP_MAX_MD_SIZE], mac[SQT_KIT_HMAC_MAX], b64ref[100];
    unsigned int rlen = 0;
    char refhex[2 * SQT_KIT_HMAC_MAX + 1], hex[2 * SQT_KIT_HMAC_MAX + 1], b64[100];
    size_t n = 0;
    CU_ASSERT_PTR_NOT_NULL_FATAL(HMAC(hash == SQT_KIT_SHA256 ? EVP_sha256() : EVP_sha512(),
                                      klen ? key : (const unsigned char *)"", (int)klen,
                                      msg, mlen, ref, &rlen));
    hex_of(ref, rlen, refhex);
    EVP_EncodeBlock(b64ref, ref, (int)rlen);
    SQT_ASSERT_INT_EQ(sqt_kit_hmac(hash, (const char *)key, klen, (const char *)msg, mlen,
                                   mac, &n), SQT_OK);
    SQT_ASSERT_INT_EQ(n, rlen);
    CU_ASSERT_EQUAL(memcmp(mac, ref, rlen), 0);
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_with(prepared, (const char *)msg, mlen, mac, &n), SQT_OK);
    SQT_ASSERT_INT_EQ(n, rlen);
    CU_ASSERT_EQUAL(memcmp(mac, ref, rlen), 0);
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_text(prepared, hash, NULL, 0, (const char *)msg, mlen, hex,
                                        sizeof(hex)), SQT_OK);
    SQT_ASSERT_STR_EQ(hex, refhex);
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_text(prepared, hash, NULL, 1, (const char *)msg, mlen, b64,
                                        sizeof(b64)), SQT_OK);
    SQT_ASSERT_STR_EQ(b64, (const char *)b64ref);
}

/* Key lengths across both block sizes (64 and 128: longer keys are hashed first),
 * the empty key and message included, each prepared key signing several messages in a
 * row (its state must come back keyed after every signature). */
static void test_hmac_against_openssl(void)
{
    static const size_t klens[] = {0, 1, 20, 31, 32, 63, 64, 65, 100, 127, 128, 129, 131, 200,
                                   1000};
    static const size_t mlens[] = {0, 1, 55, 56, 63, 64, 65, 119, 120, 127, 128, 201, 1000};
    static const sqt_kit_hash hashes[] = {SQT_KIT_SHA256, SQT_KIT_SHA512};
    unsigned char key[1000], msg[1000];
    size_t h, i, j;
    for (h = 0; h < 2; h++)
        for (i = 0; i < sizeof(klens) / sizeof(klens[0]); i++) {
            sqt_kit_hmac_key *k = NULL;
            fill(key, klens[i]);
            SQT_ASSERT_INT_EQ(sqt_kit_hmac_key_new(hashes[h], (const char *)key, klens[i], &k),
                              SQT_OK);
            CU_ASSERT_PTR_NOT_NULL_FATAL(k);
            for (j = 0; j < sizeof(mlens) / sizeof(mlens[0]); j++) {
                fill(msg, mlens[j]);
                check_one(hashes[h], key, klens[i], msg, mlens[j], k);
            }
            sqt_kit_hmac_key_free(k);
        }
}

/* RFC 4231 has no empty-message case: the empty key and message of both hashes, known
 * answers (as published for HMAC-SHA256("", "") and HMAC-SHA512("", "")). */
static void test_hmac_empty(void)
{
    char hex[129];
    sqt_kit_hmac_key *k = NULL;
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_key_new(SQT_KIT_SHA256, "", 0, &k), SQT_OK);
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_hex_with(k, NULL, 0, hex, sizeof(hex)), SQT_OK);
    SQT_ASSERT_STR_EQ(hex, "b613679a0814d9ec772f95d778c35fc5ff1697c493715653c6c712144292c5ad");
    sqt_kit_hmac_key_free(k);
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_key_new(SQT_KIT_SHA512, "", 0, &k), SQT_OK);
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_text(k, SQT_KIT_SHA512, NULL, 0, "", 0, hex, sizeof(hex)),
                      SQT_OK);
    SQT_ASSERT_STR_EQ(hex, "b936cee86c9f87aa5d3c6f2e84cb5a4239a5fe50480a6ec66b70ab5b1f4ac673"
                           "0c6c515421b327ec1d69402e53dfb49ad7381eb067b338fd7b0cb22247225d47");
    sqt_kit_hmac_key_free(k);
    /* refusals stay what they were */
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_key_new((sqt_kit_hash)7, "k", 1, &k), SQT_EINVAL);
    CU_ASSERT_PTR_NULL(k);
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_key_new(SQT_KIT_SHA256, NULL, 0, &k), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_with(NULL, "m", 1, (unsigned char *)hex, &(size_t){0}),
                      SQT_EINVAL);
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_text(NULL, SQT_KIT_SHA256, NULL, 0, "m", 1, hex,
                                        sizeof(hex)), SQT_EINVAL);
}

/* A message in pieces signs as the joined message: every split of a 300-byte message in
 * three, with empty pieces, a NULL empty piece, both hashes, both key kinds. */
static void test_hmac_parts(void)
{
    static const sqt_kit_hash hashes[] = {SQT_KIT_SHA256, SQT_KIT_SHA512};
    char msg[300], want[129], got[129];
    sqt_kit_span p[4];
    size_t h, a, b;
    fill((unsigned char *)msg, sizeof(msg));
    for (h = 0; h < 2; h++) {
        sqt_kit_hmac_key *k = NULL;
        SQT_ASSERT_INT_EQ(sqt_kit_hmac_key_new(hashes[h], "sekrit", 6, &k), SQT_OK);
        SQT_ASSERT_INT_EQ(sqt_kit_hmac_text(k, hashes[h], NULL, 1, msg, sizeof(msg), want,
                                            sizeof(want)), SQT_OK);
        for (a = 0; a <= sizeof(msg); a += 13)
            for (b = a; b <= sizeof(msg); b += 29) {
                p[0].text = msg;
                p[0].len = a;
                p[1].text = NULL;
                p[1].len = 0;
                p[2].text = msg + a;
                p[2].len = b - a;
                p[3].text = msg + b;
                p[3].len = sizeof(msg) - b;
                SQT_ASSERT_INT_EQ(sqt_kit_hmac_text_parts(k, hashes[h], NULL, 1, p, 4, got,
                                                          sizeof(got)), SQT_OK);
                SQT_ASSERT_STR_EQ(got, want);
                SQT_ASSERT_INT_EQ(sqt_kit_hmac_text_parts(NULL, hashes[h], "sekrit", 1, p, 4,
                                                          got, sizeof(got)), SQT_OK);
                SQT_ASSERT_STR_EQ(got, want);
            }
        p[1].len = 1; /* NULL text with a length: refused */
        SQT_ASSERT_INT_EQ(sqt_kit_hmac_text_parts(k, hashes[h], NULL, 0, p, 4, got, sizeof(got)),
                          SQT_EINVAL);
        SQT_ASSERT_INT_EQ(sqt_kit_hmac_text_parts(k, hashes[h], NULL, 0, NULL, 1, got,
                                                  sizeof(got)), SQT_EINVAL);
        sqt_kit_hmac_key_free(k);
    }
}

/* key=<value> as snprintf("%lld") wrote it, for the edges and many random values. */
static void check_int(long long v)
{
    sqt_kit_query q;
    char want[64];
    snprintf(want, sizeof(want), "a=1&k=%lld", v);
    sqt_kit_query_init(&q);
    sqt_kit_query_add(&q, "a", "1");
    sqt_kit_query_add_int(&q, "k", v);
    SQT_ASSERT_STR_EQ(sqt_kit_query_str(&q), want);
    SQT_ASSERT_INT_EQ(q.len, strlen(want));
    sqt_kit_query_free(&q);
    {   /* the same digits on their own (a timestamp header) */
        char text[21];
        size_t n = sqt_kit_int_text(v, text);
        SQT_ASSERT_STR_EQ(text, want + 6);
        SQT_ASSERT_INT_EQ(n, strlen(want + 6));
    }
}

static void test_query_int(void)
{
    static const long long edges[] = {0, 1, -1, 9, 10, -10, 99, 100, 5000, 1735000000000LL,
                                      -1735000000000LL, 999999999999999999LL,
                                      1000000000000000000LL, LLONG_MAX, LLONG_MIN,
                                      LLONG_MIN + 1};
    sqt_kit_query q;
    size_t i;
    int d;
    for (i = 0; i < sizeof(edges) / sizeof(edges[0]); i++)
        check_int(edges[i]);
    for (d = 0; d < 19; d++) { /* each power of ten and its neighbours, both signs */
        long long p = 1;
        int e;
        for (e = 0; e < d; e++)
            p *= 10;
        check_int(p - 1);
        check_int(p);
        check_int(p + 1);
        check_int(-p);
        check_int(1 - p);
    }
    for (i = 0; i < 20000; i++) /* every magnitude: shift a random word down */
        check_int((long long)(rnd() >> (rnd() % 64)) * (i % 2 ? -1 : 1));
    /* first in the query: no '&'; a NULL key sticks as EINVAL */
    sqt_kit_query_init(&q);
    sqt_kit_query_add_int(&q, "ts", -42);
    SQT_ASSERT_STR_EQ(sqt_kit_query_str(&q), "ts=-42");
    sqt_kit_query_add_int(&q, NULL, 1);
    SQT_ASSERT_INT_EQ(q.err, SQT_EINVAL);
    sqt_kit_query_free(&q);
}

/* Every byte value alone, and all 256 in one value: unreserved bytes as they are, the
 * rest %XX in upper case. */
static void test_pct_every_byte(void)
{
    char in[2], out[8], want[8], all[257], q_want[3 * 256 + 8];
    sqt_kit_query q;
    size_t w = 0;
    int c;
    for (c = 1; c < 256; c++) {
        int plain = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                    (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == '~';
        in[0] = (char)c;
        in[1] = '\0';
        if (plain)
            snprintf(want, sizeof(want), "%c", c);
        else
            snprintf(want, sizeof(want), "%%%02X", c);
        SQT_ASSERT_INT_EQ(sqt_kit_pct_encode(in, out, sizeof(out)), SQT_OK);
        SQT_ASSERT_STR_EQ(out, want);
        all[c - 1] = (char)c;
        memcpy(q_want + 2 + w, want, strlen(want));
        w += strlen(want);
    }
    all[255] = '\0';
    memcpy(q_want, "v=", 2);
    q_want[2 + w] = '\0';
    sqt_kit_query_init(&q);
    sqt_kit_query_add(&q, "v", all);
    SQT_ASSERT_STR_EQ(sqt_kit_query_str(&q), q_want);
    sqt_kit_query_free(&q);
}

/* A query started in the caller's buffer stays there while it fits, moves to the heap
 * (text intact) when it outgrows it, and free() frees only the heap copy (ASan checks). */
static void test_query_on_buffer(void)
{
    char small[16], want[64];
    sqt_kit_query q;
    sqt_kit_query_init_on(&q, small, sizeof(small));
    SQT_ASSERT_STR_EQ(sqt_kit_query_str(&q), "");
    sqt_kit_query_add(&q, "a", "1");
    sqt_kit_query_add_int(&q, "b", 22);
    CU_ASSERT_PTR_EQUAL(q.buf, small);
    SQT_ASSERT_STR_EQ(small, "a=1&b=22");
    sqt_kit_query_add(&q, "long", "a value that does not fit");
    CU_ASSERT_PTR_NOT_EQUAL(q.buf, small);
    snprintf(want, sizeof(want), "a=1&b=22&long=a%%20value%%20that%%20does%%20not%%20fit");
    SQT_ASSERT_STR_EQ(sqt_kit_query_str(&q), want);
    sqt_kit_query_raw(&q, "&z", 2); /* grows on the heap now */
    SQT_ASSERT_INT_EQ(q.len, strlen(want) + 2);
    sqt_kit_query_free(&q);
    sqt_kit_query_init_on(&q, small, sizeof(small)); /* freed while borrowed: no free() */
    sqt_kit_query_add(&q, "k", "v");
    sqt_kit_query_free(&q);
    CU_ASSERT_PTR_NULL(q.buf);
    sqt_kit_query_init_on(&q, NULL, 0); /* no buffer: an ordinary query */
    sqt_kit_query_add(&q, "k", "v");
    SQT_ASSERT_STR_EQ(sqt_kit_query_str(&q), "k=v");
    sqt_kit_query_free(&q);
}

static int pl_one(void *o, const sqt_kit_placing *p, const char *b, size_t n, sqt_order *out,
                  sqt_error *e)
{
    (void)o, (void)p, (void)b, (void)n, (void)out, (void)e;
    return SQT_OK;
}

static int pl_batch(void *o, const sqt_kit_placing *p, const char *b, size_t n,
                    sqt_kit_item *items, sqt_error *e)
{
    (void)o, (void)p, (void)b, (void)n, (void)items, (void)e;
    return SQT_OK;
}

/* The results carry each request's client id, cut at SQT_CLIENT_ID_MAX - 1 bytes. */
static void test_placing_ids(void)
{
    static const sqt_kit_placing_parse parse = {pl_one, pl_batch};
    sqt_order_req reqs[3];
    sqt_kit_placing *p;
    memset(reqs, 0, sizeof(reqs));
    memcpy(reqs[0].client_id, "g1_B_17", 8);
    memset(reqs[1].client_id, 'x', SQT_CLIENT_ID_MAX); /* no NUL at all */
    p = sqt_kit_placing_new(reqs, 3, &parse, NULL, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    SQT_ASSERT_STR_EQ(p->res[0].client_id, "g1_B_17");
    SQT_ASSERT_INT_EQ(strlen(p->res[1].client_id), SQT_CLIENT_ID_MAX - 1);
    CU_ASSERT_EQUAL(p->res[1].client_id[0], 'x');
    SQT_ASSERT_STR_EQ(p->res[2].client_id, "");
    SQT_ASSERT_INT_EQ(p->res[2].order.struct_size, sizeof(sqt_order));
    free(p);
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"HMAC-SHA256/512 against OpenSSL: key and message lengths, prepared and one-shot",
         test_hmac_against_openssl},
        {"HMAC of the empty key and message", test_hmac_empty},
        {"HMAC over a message in pieces", test_hmac_parts},
        {"integer values as snprintf wrote them", test_query_int},
        {"percent-encoding of every byte", test_pct_every_byte},
        {"a query in the caller's buffer, then on the heap", test_query_on_buffer},
        {"placing results: client ids copied and cut", test_placing_ids},
        {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("sdk_kitfast", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
