/* The SDK's fixed-point helpers: exact parse/format round trips, rescale, comparison
 * across scales without overflow; the ABI 1.1 layout. */
#include <stddef.h>
#include <string.h>

#include <opensqt/plugin.h>

#include "sqt_test.h"

static sqt_dec D(const char *s)
{
    sqt_dec d = sqt_dec_make(0, 0);
    CU_ASSERT_EQUAL(sqt_dec_parse(s, strlen(s), &d), SQT_OK);
    return d;
}

static void test_parse_format(void)
{
    static const char *ok[] = {"0.010", "-12.340", "5", "3000.00", "0", "-0.001",
                               "9223372036854775807", "0.000000000000000001"};
    static const char *bad[] = {"", "abc", "1.2.3", "1e5", " 1", "-", "."};
    char buf[64];
    sqt_dec d;
    size_t i;
    for (i = 0; i < sizeof ok / sizeof *ok; i++) {
        d = D(ok[i]);
        CU_ASSERT_TRUE(sqt_dec_format(d, buf, sizeof buf) > 0);
        SQT_ASSERT_STR_EQ(buf, ok[i]);
    }
    for (i = 0; i < sizeof bad / sizeof *bad; i++)
        SQT_ASSERT_INT_EQ(sqt_dec_parse(bad[i], strlen(bad[i]), &d), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(sqt_dec_parse("9223372036854775808", 19, &d), SQT_ERANGE);
    SQT_ASSERT_INT_EQ(sqt_dec_format(D("123.45"), buf, 4), SQT_ERANGE);
    /* ".5" and "1." are accepted as 0.5 and 1 */
    d = D(".5");
    SQT_ASSERT_INT_EQ(d.mant, 5);
    SQT_ASSERT_INT_EQ(d.scale, 1);
}

static void test_rescale(void)
{
    sqt_dec r;
    SQT_ASSERT_INT_EQ(sqt_dec_rescale(D("0.01"), 4, &r), SQT_OK);
    SQT_ASSERT_INT_EQ(r.mant, 100);
    SQT_ASSERT_INT_EQ(sqt_dec_rescale(D("0.0150"), 2, &r), SQT_ERANGE); /* would lose a digit */
    SQT_ASSERT_INT_EQ(sqt_dec_rescale(D("0.0100"), 2, &r), SQT_OK);
    SQT_ASSERT_INT_EQ(r.mant, 1);
    SQT_ASSERT_INT_EQ(sqt_dec_rescale(D("922337203685477580"), 2, &r), SQT_ERANGE);
    r = sqt_dec_normalize(D("3000.000")); /* fraction zeros only: integer zeros stay */
    SQT_ASSERT_INT_EQ(r.mant, 3000);
    SQT_ASSERT_INT_EQ(r.scale, 0);
}

static void test_cmp(void)
{
    int ok = 0;
    SQT_ASSERT_INT_EQ(sqt_dec_cmp(D("2"), D("2.000"), &ok), 0);
    SQT_ASSERT_INT_EQ(ok, 1);
    SQT_ASSERT_INT_EQ(sqt_dec_cmp(D("-0.5"), D("0.3"), NULL), -1);
    SQT_ASSERT_INT_EQ(sqt_dec_cmp(D("-1.5"), D("-1.2"), NULL), -1);
    SQT_ASSERT_INT_EQ(sqt_dec_cmp(D("-3"), D("-3.0001"), NULL), 1);
    /* would overflow at a common scale: still exact */
    SQT_ASSERT_INT_EQ(sqt_dec_cmp(D("1.00000000"), D("10000000000000000"), &ok), -1);
    SQT_ASSERT_INT_EQ(ok, 1);
    SQT_ASSERT_INT_EQ(sqt_dec_cmp(D("9223372036854775807"), D("0.000000000000000001"), NULL), 1);
    SQT_ASSERT_INT_EQ(sqt_dec_cmp(D("0.000000000000000001"), D("0"), NULL), 1);
    SQT_ASSERT_INT_EQ(sqt_dec_cmp(sqt_dec_make(1, 19), D("0"), &ok), 0);
    SQT_ASSERT_INT_EQ(ok, 0); /* invalid scale */
}

/* ABI 1.1 carved its sqt_order members out of the reserved words and appended the
 * create-argument members: every 1.0 offset and size is unchanged, so 1.0 plugins and
 * the structs that embed sqt_order (sqt_place_result) keep their layout. */
static void test_abi_1_1_layout(void)
{
    sqt_create_args a;
    SQT_ASSERT_INT_EQ(offsetof(sqt_order, cum_fee), offsetof(sqt_order, seq) + sizeof(int64_t));
    SQT_ASSERT_INT_EQ(sizeof(sqt_order), offsetof(sqt_order, cum_fee) + 8 * sizeof(uint64_t));
    SQT_ASSERT_INT_EQ(offsetof(sqt_create_args, allow_hedge_mode),
                      offsetof(sqt_create_args, exchange_name) + sizeof(const char *));
    memset(&a, 0, sizeof(a));
    a.struct_size = offsetof(sqt_create_args, allow_hedge_mode); /* a 1.0 host */
    SQT_ASSERT_INT_EQ(SQT_HAS_MEMBER(&a, sqt_create_args, allow_hedge_mode), 0);
    SQT_ASSERT_INT_EQ(SQT_HAS_MEMBER(&a, sqt_create_args, exchange_name), 1);
    a.struct_size = sizeof(a);
    SQT_ASSERT_INT_EQ(SQT_HAS_MEMBER(&a, sqt_create_args, user_stream_keepalive_ms), 1);
}

int main(void)
{
    static const sqt_test_case cases[] = {{"parse and format", test_parse_format},
                                          {"rescale and normalize", test_rescale},
                                          {"compare across scales", test_cmp},
                                          {"ABI 1.1 layout", test_abi_1_1_layout},
                                          {NULL, NULL}};
    SQT_TEST_INIT();
    sqt_test_suite("sdk_dec", cases);
    return sqt_test_run();
}
