/* Gate signing: the official vectors V1/V2, the spec's V3 on the real path and V4 for
 * the WebSocket auth (gate.md 2.2, 2.3), and each of the common slips it names. */
#include <string.h>

#include <opensqt/plugin.h>

#include "sign.h"
#include "sqt_test.h"

#define EMPTY_HASH                                                                         \
    "cf83e1357eefb8bdf1542850d66d8007d620e4050b5715dc83f4a921d36ce9ce47d0d13c5d85f2b0ff8318" \
    "d2877eec2f63b931bd47417a81a538327af927da3e"
#define V1_SIGN                                                                            \
    "55f84ea195d6fe57ce62464daaa7c3c02fa9d1dde954e4c898289c9a2407a3d6fb3faf24deff16790d726b" \
    "66ac9f74526668b13bd01029199cc4fcc522418b8a"

static void test_empty_hash(void)
{
    char h[SQT_GT_SIG_LEN + 1];
    SQT_ASSERT_INT_EQ(sqt_gt_sha512_hex(NULL, 0, h), SQT_OK);
    SQT_ASSERT_STR_EQ(h, EMPTY_HASH);
    SQT_ASSERT_INT_EQ(sqt_gt_sha512_hex("", 0, h), SQT_OK);
    SQT_ASSERT_STR_EQ(h, EMPTY_HASH);
}

/* V1: GET with a query and no body. */
static void test_vector_v1(void)
{
    char sig[SQT_GT_SIG_LEN + 1];
    SQT_ASSERT_INT_EQ(sqt_gt_sign_rest("secret", "GET", "/api/v4/futures/orders",
                                       "contract=BTC_USD&status=finished&limit=50", NULL, 0,
                                       "1541993715", sig),
                      SQT_OK);
    SQT_ASSERT_STR_EQ(sig, V1_SIGN);
    SQT_ASSERT_INT_EQ(strlen(sig), SQT_GT_SIG_LEN);
}

/* V2: POST with a body and an empty query line. */
static void test_vector_v2(void)
{
    static const char body[] =
        "{\"contract\":\"BTC_USD\",\"type\":\"limit\",\"size\":100,\"price\":6800,"
        "\"time_in_force\":\"gtc\"}";
    char sig[SQT_GT_SIG_LEN + 1], h[SQT_GT_SIG_LEN + 1];
    SQT_ASSERT_INT_EQ(sqt_gt_sha512_hex(body, strlen(body), h), SQT_OK);
    SQT_ASSERT_STR_EQ(h, "ad3c169203dc3026558f01b4df307641fa1fa361f086b2306658886d5708767b18547"
                         "97c68d9e62fef2f991645aa82673622ebf417e091d0bd22bafe5d956cca");
    SQT_ASSERT_INT_EQ(sqt_gt_sign_rest("secret", "POST", "/api/v4/futures/orders", "", body,
                                       strlen(body), "1541993715", sig),
                      SQT_OK);
    SQT_ASSERT_STR_EQ(sig, "eae42da914a590ddf727473aff25fc87d50b64783941061f47a3fdb92742541fc4c"
                           "2c14017581b4199a1418d54471c269c03a38d788d802e2c306c37636389f0");
}

/* V3: our own order body on the settle path. */
static void test_vector_v3(void)
{
    static const char body[] =
        "{\"contract\":\"BTC_USDT\",\"size\":10,\"price\":\"60000\",\"tif\":\"poc\","
        "\"text\":\"t-60000_B_1\"}";
    char sig[SQT_GT_SIG_LEN + 1];
    SQT_ASSERT_INT_EQ(sqt_gt_sign_rest("secret", "POST", "/api/v4/futures/usdt/orders", NULL,
                                       body, strlen(body), "1700000000", sig),
                      SQT_OK);
    SQT_ASSERT_STR_EQ(sig, "efc0aff324a2cf8a23c442919e3a78020a69c05e3cc02cad6075573ab1a50b06031"
                           "a1cb261d5bde4024e560a29991149bde43325caf9cc78639bf40ba5ef2369");
}

/* V4: the WebSocket subscribe auth. */
static void test_vector_v4(void)
{
    char sig[SQT_GT_SIG_LEN + 1];
    SQT_ASSERT_INT_EQ(sqt_gt_sign_ws("secret", "futures.orders", "subscribe", 1700000000LL, sig),
                      SQT_OK);
    SQT_ASSERT_STR_EQ(sig, "e40a0260c1d090a7b5f60f6171dfc3d9ca6a1b1dd6abfd8e92347bad5e134af77fb"
                           "03930eff122f7f72cdcb3c41898a16dbf1ee7089615f540c11b12c19b6d04");
}

/* The slips gate.md 2.1 names each give another signature than V1's. */
static void test_slips(void)
{
    char sig[SQT_GT_SIG_LEN + 1];
    /* a trailing newline after the timestamp */
    sqt_gt_sign_rest("secret", "GET", "/api/v4/futures/orders",
                     "contract=BTC_USD&status=finished&limit=50", NULL, 0, "1541993715\n", sig);
    CU_ASSERT_NOT_EQUAL(strcmp(sig, V1_SIGN), 0);
    /* a lower-case method */
    sqt_gt_sign_rest("secret", "get", "/api/v4/futures/orders",
                     "contract=BTC_USD&status=finished&limit=50", NULL, 0, "1541993715", sig);
    CU_ASSERT_NOT_EQUAL(strcmp(sig, V1_SIGN), 0);
    /* the query with a leading '?' */
    sqt_gt_sign_rest("secret", "GET", "/api/v4/futures/orders",
                     "?contract=BTC_USD&status=finished&limit=50", NULL, 0, "1541993715", sig);
    CU_ASSERT_NOT_EQUAL(strcmp(sig, V1_SIGN), 0);
    SQT_ASSERT_INT_EQ(sqt_gt_sign_rest(NULL, "GET", "/p", NULL, NULL, 0, "1", sig), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(sqt_gt_sign_rest("s", "GET", "/p", NULL, NULL, 0, NULL, sig), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(sqt_gt_sign_ws(NULL, "futures.orders", "subscribe", 1, sig), SQT_EINVAL);
}

/* The prepared key (the plugin's path) gives V2 and V3 exactly as the one-shot recipe. */
static void test_prepared_key(void)
{
    static const char body2[] =
        "{\"contract\":\"BTC_USD\",\"type\":\"limit\",\"size\":100,\"price\":6800,"
        "\"time_in_force\":\"gtc\"}";
    static const char body3[] =
        "{\"contract\":\"BTC_USDT\",\"size\":10,\"price\":\"60000\",\"tif\":\"poc\","
        "\"text\":\"t-60000_B_1\"}";
    char sig[SQT_GT_SIG_LEN + 1];
    sqt_kit_hmac_key *key = NULL;
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_key_new(SQT_KIT_SHA512, "secret", 6, &key), SQT_OK);
    SQT_ASSERT_INT_EQ(sqt_gt_sign_rest_key(key, "POST", "/api/v4/futures/orders", "", body2,
                                           strlen(body2), "1541993715", sig),
                      SQT_OK);
    SQT_ASSERT_STR_EQ(sig, "eae42da914a590ddf727473aff25fc87d50b64783941061f47a3fdb92742541fc4c"
                           "2c14017581b4199a1418d54471c269c03a38d788d802e2c306c37636389f0");
    SQT_ASSERT_INT_EQ(sqt_gt_sign_rest_key(key, "POST", "/api/v4/futures/usdt/orders", NULL,
                                           body3, strlen(body3), "1700000000", sig),
                      SQT_OK);
    SQT_ASSERT_STR_EQ(sig, "efc0aff324a2cf8a23c442919e3a78020a69c05e3cc02cad6075573ab1a50b06031"
                           "a1cb261d5bde4024e560a29991149bde43325caf9cc78639bf40ba5ef2369");
    SQT_ASSERT_INT_EQ(sqt_gt_sign_rest_key(NULL, "GET", "/p", NULL, NULL, 0, "1", sig),
                      SQT_EINVAL);
    sqt_kit_hmac_key_free(key);
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"sha512 of the empty body", test_empty_hash},
        {"vector V1 (GET with query)", test_vector_v1},
        {"vector V2 (POST, empty query line)", test_vector_v2},
        {"vector V3 (our order on /futures/usdt)", test_vector_v3},
        {"vector V4 (WebSocket auth)", test_vector_v4},
        {"the common slips change the signature", test_slips},
        {"the prepared key signs V2 and V3 alike", test_prepared_key},
        {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("gate_sign", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
