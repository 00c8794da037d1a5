/* Binance signing: the spec's vectors (binance.md 2.4) and the parameter-string builder. */
#include <string.h>

#include "sign.h"
#include "sqt_test.h"

static const char *const SECRET = "2b5eb11e18796d12d88f13dc27dbbd02c2cc51ff7059765ed9821957d82bb4d9";

static void check_vector(const char *msg, const char *want)
{
    char hex[SQT_BN_SIG_HEX_LEN + 1];
    SQT_ASSERT_INT_EQ(sqt_bn_sign_hex(SECRET, msg, strlen(msg), hex), 0);
    SQT_ASSERT_STR_EQ(hex, want);
}

/* B1, the official query-only example. */
static void test_vector_b1(void)
{
    check_vector("symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC"
                 "&recvWindow=5000&timestamp=1591702613943",
                 "3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9");
}

/* The prepared key signs B1 as the secret does, and the query builder appends it. */
static void test_prepared_key_b1(void)
{
    const char *b1 = "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC"
                     "&recvWindow=5000&timestamp=1591702613943";
    sqt_kit_hmac_key *k = NULL;
    sqt_bn_query q;
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_key_new(SQT_KIT_SHA256, SECRET, strlen(SECRET), &k), SQT_OK);
    sqt_bn_query_init(&q);
    sqt_bn_query_raw(&q, b1, strlen(b1));
    SQT_ASSERT_INT_EQ(sqt_bn_query_sign_key(&q, k), SQT_OK);
    SQT_ASSERT_STR_EQ(sqt_bn_query_str(&q) + strlen(b1),
                      "&signature=3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9");
    sqt_bn_query_free(&q);
    sqt_bn_query_init(&q);
    SQT_ASSERT_INT_EQ(sqt_bn_query_sign_key(&q, NULL), SQT_EINVAL);
    sqt_bn_query_free(&q);
    sqt_kit_hmac_key_free(k);
}

/* B3, a GET. */
static void test_vector_b3(void)
{
    check_vector("symbol=BTCUSDT&timestamp=1700000000000&recvWindow=5000",
                 "7a8b67f1d1f95267cccea247047195ecd14452745260c46d2bd7d5e9aba86063");
}

/* B2: query + body concatenated; the docs' printed value is wrong (stray space), and we
 * must not reproduce it. */
static void test_vector_b2_mixed(void)
{
    const char *msg = "symbol=BTCUSDT&side=BUY&type=LIMIT&timeInForce=GTC"
                      "quantity=1&price=9000&recvWindow=5000&timestamp=1591702613943";
    char hex[SQT_BN_SIG_HEX_LEN + 1];
    check_vector(msg, "30baaf0fab549bbeda7f5ef201898b34122da25fd23c646cac2c529aebe670a4");
    sqt_bn_sign_hex(SECRET, msg, strlen(msg), hex);
    CU_ASSERT_NOT_EQUAL(strcmp(hex, "f9d0ae5e813ef6ccf15c2b5a434047a0181cb5a342b903b367ca6d27a66e36f2"), 0);
}

/* The builder produces the B1 string and appends the signature last. */
static void test_query_builds_b1(void)
{
    sqt_bn_query q;
    sqt_bn_query_init(&q);
    SQT_ASSERT_STR_EQ(sqt_bn_query_str(&q), "");
    sqt_bn_query_add(&q, "symbol", "BTCUSDT");
    sqt_bn_query_add(&q, "side", "BUY");
    sqt_bn_query_add(&q, "type", "LIMIT");
    sqt_bn_query_add(&q, "quantity", "1");
    sqt_bn_query_add(&q, "price", "9000");
    sqt_bn_query_add(&q, "timeInForce", "GTC");
    sqt_bn_query_add_int(&q, "recvWindow", 5000);
    sqt_bn_query_add_int(&q, "timestamp", 1591702613943LL);
    SQT_ASSERT_INT_EQ(sqt_bn_query_sign(&q, SECRET), 0);
    SQT_ASSERT_STR_EQ(sqt_bn_query_str(&q),
                      "symbol=BTCUSDT&side=BUY&type=LIMIT&quantity=1&price=9000&timeInForce=GTC"
                      "&recvWindow=5000&timestamp=1591702613943"
                      "&signature=3c661234138461fcc7a7d8746c6558c9842d4e10870d2ecbedf7777cad694af9");
    SQT_ASSERT_INT_EQ(q.len, strlen(sqt_bn_query_str(&q)));
    sqt_bn_query_free(&q);
}

/* JSON parameters (batchOrders) are percent-encoded, unreserved characters kept. */
static void test_query_encoding(void)
{
    sqt_bn_query q;
    sqt_bn_query_init(&q);
    sqt_bn_query_add(&q, "batchOrders", "[{\"price\":\"3021.55\",\"id\":\"x-a_b~c\"}]");
    sqt_bn_query_add(&q, "sp", "a b&c=d/e:f%");
    SQT_ASSERT_STR_EQ(sqt_bn_query_str(&q),
                      "batchOrders=%5B%7B%22price%22%3A%223021.55%22%2C%22id%22%3A%22x-a_b~c%22%7D%5D"
                      "&sp=a%20b%26c%3Dd%2Fe%3Af%25");
    sqt_bn_query_raw(&q, "&raw", 4);
    CU_ASSERT_PTR_NOT_NULL(strstr(sqt_bn_query_str(&q), "%25&raw"));
    sqt_bn_query_free(&q);
}

static void test_bad_arguments(void)
{
    char hex[SQT_BN_SIG_HEX_LEN + 1];
    sqt_bn_query q;
    CU_ASSERT_TRUE(sqt_bn_sign_hex(NULL, "a", 1, hex) < 0);
    CU_ASSERT_TRUE(sqt_bn_sign_hex("k", NULL, 3, hex) < 0);
    sqt_bn_query_init(&q);
    sqt_bn_query_add(&q, "k", NULL); /* sticks as an error: nothing gets signed */
    CU_ASSERT_TRUE(q.err != 0);
    CU_ASSERT_TRUE(sqt_bn_query_sign(&q, SECRET) < 0);
    sqt_bn_query_free(&q);
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"vector B1 (official)", test_vector_b1},
        {"vector B3 (GET)", test_vector_b3},
        {"prepared key signs B1", test_prepared_key_b1},
        {"vector B2 (mixed, docs value wrong)", test_vector_b2_mixed},
        {"query builds B1", test_query_builds_b1},
        {"query encoding", test_query_encoding},
        {"bad arguments", test_bad_arguments},
        {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("binance_sign", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
