/* Bitget signing: the spec's vectors (bitget.md 2.3) and the shape of the prehash. */
#include <string.h>

#include <opensqt/plugin.h>

#include "sign.h"
#include "sqt_test.h"

#define SECRET "bitget-demo-secret-0123456789"

/* G1: a GET with its query ("?" joins path and query). */
static void test_vector_g1(void)
{
    char sig[SQT_BG_SIG_LEN + 1];
    SQT_ASSERT_INT_EQ(sqt_bg_sign(SECRET, "1700000000000", "GET",
                                  "/api/v2/mix/order/orders-pending",
                                  "productType=USDT-FUTURES&symbol=BTCUSDT", NULL, 0, sig),
                      SQT_OK);
    SQT_ASSERT_STR_EQ(sig, "bo19KXIBLIs0uG3l1unWj2QxiGbP5JucQZdvgKLgjVg=");
}

/* G2: a POST with its exact body bytes. */
static void test_vector_g2(void)
{
    static const char body[] =
        "{\"symbol\":\"BTCUSDT\",\"productType\":\"USDT-FUTURES\",\"marginMode\":\"crossed\","
        "\"marginCoin\":\"USDT\",\"size\":\"0.001\",\"price\":\"60000\",\"side\":\"buy\","
        "\"orderType\":\"limit\",\"force\":\"post_only\",\"clientOid\":\"grid_60000_B_1\"}";
    char sig[SQT_BG_SIG_LEN + 1];
    SQT_ASSERT_INT_EQ(sqt_bg_sign(SECRET, "1700000000000", "POST",
                                  "/api/v2/mix/order/place-order", NULL, body, strlen(body),
                                  sig),
                      SQT_OK);
    SQT_ASSERT_STR_EQ(sig, "T5g60jaxwoYJVUZt5AZMA8nKTKnQ2F5yf3GDHRtOlwU=");
    /* one byte more (a space) is another signature: the bytes sent are the bytes signed */
    {
        char spaced[sizeof(body) + 1];
        char sig2[SQT_BG_SIG_LEN + 1];
        memcpy(spaced, body, 1);
        spaced[1] = ' ';
        memcpy(spaced + 2, body + 1, sizeof(body) - 1);
        sqt_bg_sign(SECRET, "1700000000000", "POST", "/api/v2/mix/order/place-order", NULL,
                    spaced, strlen(spaced), sig2);
        CU_ASSERT_NOT_EQUAL(strcmp(sig, sig2), 0);
    }
}

/* G1 and G2 with the prepared key: the same signatures. */
static void test_prepared_key(void)
{
    static const char body[] = "{\"symbol\":\"BTCUSDT\"}";
    char a[SQT_BG_SIG_LEN + 1], b[SQT_BG_SIG_LEN + 1];
    sqt_kit_hmac_key *k = NULL;
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_key_new(SQT_KIT_SHA256, SECRET, strlen(SECRET), &k), SQT_OK);
    SQT_ASSERT_INT_EQ(sqt_bg_sign_key(k, "1700000000000", "GET",
                                      "/api/v2/mix/order/orders-pending",
                                      "productType=USDT-FUTURES&symbol=BTCUSDT", NULL, 0, a),
                      SQT_OK);
    SQT_ASSERT_STR_EQ(a, "bo19KXIBLIs0uG3l1unWj2QxiGbP5JucQZdvgKLgjVg=");
    SQT_ASSERT_INT_EQ(sqt_bg_sign_key(k, "1", "POST", "/p", NULL, body, strlen(body), a), SQT_OK);
    SQT_ASSERT_INT_EQ(sqt_bg_sign(SECRET, "1", "POST", "/p", NULL, body, strlen(body), b), SQT_OK);
    SQT_ASSERT_STR_EQ(a, b);
    SQT_ASSERT_INT_EQ(sqt_bg_sign_key(NULL, "1", "GET", "/p", NULL, NULL, 0, a), SQT_EINVAL);
    sqt_kit_hmac_key_free(k);
}

/* G3: the WebSocket login, timestamp in seconds. */
static void test_vector_g3(void)
{
    char sig[SQT_BG_SIG_LEN + 1];
    SQT_ASSERT_INT_EQ(sqt_bg_sign_login(SECRET, "1700000000", sig), SQT_OK);
    SQT_ASSERT_STR_EQ(sig, "fEWcMu/gvMf6OFhKPQ7fG3dqgs7tIzoiPR+kvmVEqFU=");
}

/* An empty query adds no '?': the G1 path alone signs like path + "". */
static void test_empty_query(void)
{
    char a[SQT_BG_SIG_LEN + 1], b[SQT_BG_SIG_LEN + 1];
    SQT_ASSERT_INT_EQ(sqt_bg_sign(SECRET, "1", "GET", "/p", "", NULL, 0, a), SQT_OK);
    SQT_ASSERT_INT_EQ(sqt_bg_sign(SECRET, "1", "GET", "/p", NULL, NULL, 0, b), SQT_OK);
    SQT_ASSERT_STR_EQ(a, b);
    SQT_ASSERT_INT_EQ(strlen(a), SQT_BG_SIG_LEN);
    SQT_ASSERT_INT_EQ(sqt_bg_sign(NULL, "1", "GET", "/p", NULL, NULL, 0, a), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(sqt_bg_sign(SECRET, NULL, "GET", "/p", NULL, NULL, 0, a), SQT_EINVAL);
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"vector G1 (GET with query)", test_vector_g1},
        {"vector G2 (POST with body)", test_vector_g2},
        {"vector G3 (WebSocket login)", test_vector_g3},
        {"prepared key: G1, and POST as the secret", test_prepared_key},
        {"empty query, bad arguments", test_empty_query},
        {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("bitget_sign", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
