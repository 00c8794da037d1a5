/* Client order ids: round trips, foreign ids, canonical form, length limits (E13 in
 * the new format, §11 #21/#25/#30/#31). */
#include <string.h>

#include "clientid.h"
#include "sqt_test.h"

static int matches_binance(const char *s)
{
    size_t n = strlen(s), i;
    if (n < 1 || n > 36)
        return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == ':' || c == '/' || c == '_' || c == '-'))
            return 0;
    }
    return 1;
}

static int matches_gate(const char *s)
{
    size_t n = strlen(s), i;
    if (n < 1 || n > 28)
        return 0;
    for (i = 0; i < n; i++) {
        char c = s[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '_' || c == '.' || c == '-'))
            return 0;
    }
    return 1;
}

static void test_round_trip(void)
{
    /* E13 in our format: slot 2998.00 (tick 0.01 -> 299800 ticks), buy, then the sell of
     * the same slot: both name the slot (buy) price */
    sqt_clientid in = {SQT_SIDE_BUY, 299800, 1735000000001ull}, out;
    char buf[SQT_CLIENT_ID_MAX];
    int n = sqt_clientid_encode("ETHUSDT", &in, 26, buf, sizeof buf);
    CU_ASSERT_TRUE(n > 0);
    SQT_ASSERT_INT_EQ(n, strlen(buf));
    SQT_ASSERT_INT_EQ(n, sqt_clientid_len(7, 299800, 1735000000001ull));
    SQT_ASSERT_STR_EQ(buf, "ETHUSDT-B6fbs-m51q7bwh");
    CU_ASSERT_TRUE(matches_binance(buf));
    CU_ASSERT_TRUE(matches_gate(buf));
    CU_ASSERT_EQUAL(sqt_clientid_decode("ETHUSDT", buf, &out), 0);
    SQT_ASSERT_INT_EQ(out.side, SQT_SIDE_BUY);
    SQT_ASSERT_INT_EQ(out.price_ticks, 299800);
    CU_ASSERT_TRUE(out.seq == 1735000000001ull);

    in.side = SQT_SIDE_SELL;
    in.seq = 1735000042007ull;
    CU_ASSERT_TRUE(sqt_clientid_encode("ETHUSDT", &in, 26, buf, sizeof buf) > 0);
    CU_ASSERT_EQUAL(sqt_clientid_decode("ETHUSDT", buf, &out), 0);
    SQT_ASSERT_INT_EQ(out.side, SQT_SIDE_SELL);
    SQT_ASSERT_INT_EQ(out.price_ticks, 299800);
}

static void test_round_trip_many(void)
{
    /* extremes and a sweep: every value decodes to itself */
    static const int64_t prices[] = {1, 35, 36, 299800, 10000, 1000000007, INT64_MAX};
    static const uint64_t seqs[] = {0, 1, 35, 36, 1735000000000ull, UINT64_MAX};
    size_t i, j;
    uint64_t x = 88172645463325252ull;
    for (i = 0; i < sizeof prices / sizeof prices[0]; i++) {
        for (j = 0; j < sizeof seqs / sizeof seqs[0]; j++) {
            sqt_clientid in = {(i + j) % 2 ? SQT_SIDE_SELL : SQT_SIDE_BUY, prices[i], seqs[j]}, out;
            char buf[SQT_CLIENT_ID_MAX];
            int n = sqt_clientid_encode("a1", &in, 63, buf, sizeof buf);
            CU_ASSERT_TRUE_FATAL(n > 0);
            CU_ASSERT_EQUAL(sqt_clientid_decode("a1", buf, &out), 0);
            CU_ASSERT_TRUE(out.side == in.side && out.price_ticks == in.price_ticks &&
                           out.seq == in.seq);
        }
    }
    for (i = 0; i < 20000; i++) {
        sqt_clientid in, out;
        char buf[SQT_CLIENT_ID_MAX];
        sqt_test_xorshift(&x);
        in.side = x & 1 ? SQT_SIDE_BUY : SQT_SIDE_SELL;
        in.price_ticks = (int64_t)(x >> 20) + 1;
        in.seq = x * 2654435761u;
        CU_ASSERT_TRUE_FATAL(sqt_clientid_encode("Zz9", &in, 63, buf, sizeof buf) > 0);
        CU_ASSERT_TRUE_FATAL(matches_binance(buf));
        CU_ASSERT_EQUAL_FATAL(sqt_clientid_decode("Zz9", buf, &out), 0);
        CU_ASSERT_TRUE_FATAL(out.side == in.side && out.price_ticks == in.price_ticks &&
                             out.seq == in.seq);
    }
}

static void test_foreign_ids(void)
{
    sqt_clientid out;
    /* the original format (E13) and other bots never decode */
    CU_ASSERT_NOT_EQUAL(sqt_clientid_decode("T1", "299800_B_1735000000001", &out), 0);
    CU_ASSERT_NOT_EQUAL(sqt_clientid_decode("T1", "x-zdfVM8vY299800_B_1735000000001", &out), 0);
    CU_ASSERT_NOT_EQUAL(sqt_clientid_decode("T1", "web", &out), 0);
    CU_ASSERT_NOT_EQUAL(sqt_clientid_decode("T1", "", &out), 0);
    /* another instance: a different tag, or ours as a prefix of theirs */
    CU_ASSERT_NOT_EQUAL(sqt_clientid_decode("T1", "T2-B6fa0-1", &out), 0);
    CU_ASSERT_NOT_EQUAL(sqt_clientid_decode("T1", "T10-B6fa0-1", &out), 0);
    CU_ASSERT_NOT_EQUAL(sqt_clientid_decode("T10", "T1-B6fa0-1", &out), 0);
    CU_ASSERT_NOT_EQUAL(sqt_clientid_decode("T1", "t1-B6fa0-1", &out), 0);
    /* malformed pieces */
    CU_ASSERT_EQUAL(sqt_clientid_decode("T1", "T1-B6fa0-1", &out), 0);
    CU_ASSERT_NOT_EQUAL(sqt_clientid_decode("T1", "T1-X6fa0-1", &out), 0);  /* side */
    CU_ASSERT_NOT_EQUAL(sqt_clientid_decode("T1", "T1-b6fa0-1", &out), 0);
    CU_ASSERT_NOT_EQUAL(sqt_clientid_decode("T1", "T1-B6FA0-1", &out), 0);  /* upper case */
    CU_ASSERT_NOT_EQUAL(sqt_clientid_decode("T1", "T1-B06fa0-1", &out), 0); /* leading 0 */
    CU_ASSERT_NOT_EQUAL(sqt_clientid_decode("T1", "T1-B0-1", &out), 0);     /* price 0 */
    CU_ASSERT_NOT_EQUAL(sqt_clientid_decode("T1", "T1-B-1", &out), 0);
    CU_ASSERT_NOT_EQUAL(sqt_clientid_decode("T1", "T1-B6fa0-", &out), 0);
    CU_ASSERT_NOT_EQUAL(sqt_clientid_decode("T1", "T1-B6fa0-1x-", &out), 0);
    CU_ASSERT_NOT_EQUAL(sqt_clientid_decode("T1", "T1-B6fa0", &out), 0);
    CU_ASSERT_NOT_EQUAL(sqt_clientid_decode("T1", "T1-B6fa0_1", &out), 0);
    CU_ASSERT_NOT_EQUAL(sqt_clientid_decode("T1", "T1-B6fa0-01", &out), 0);
    CU_ASSERT_EQUAL(sqt_clientid_decode("T1", "T1-B6fa0-0", &out), 0);
    /* overflow: price above INT64_MAX, sequence above UINT64_MAX */
    CU_ASSERT_NOT_EQUAL(sqt_clientid_decode("T1", "T1-B1y2p0ij32e8e8-1", &out), 0);
    CU_ASSERT_EQUAL(sqt_clientid_decode("T1", "T1-B1y2p0ij32e8e7-1", &out), 0);
    CU_ASSERT_TRUE(out.price_ticks == INT64_MAX);
    CU_ASSERT_NOT_EQUAL(sqt_clientid_decode("T1", "T1-B1-3w5e11264sgsg", &out), 0);
    CU_ASSERT_EQUAL(sqt_clientid_decode("T1", "T1-B1-3w5e11264sgsf", &out), 0);
    CU_ASSERT_TRUE(out.seq == UINT64_MAX);
}

static void test_strip_and_prefix(void)
{
    char buf[32];
    /* Binance echoes its broker prefix; stripped ids compare equal (§11 #21) */
    SQT_ASSERT_STR_EQ(sqt_clientid_strip("x-zdfVM8vYT1-B6fa0-1", "x-zdfVM8vY"), "T1-B6fa0-1");
    SQT_ASSERT_STR_EQ(sqt_clientid_strip("T1-B6fa0-1", "x-zdfVM8vY"), "T1-B6fa0-1");
    SQT_ASSERT_STR_EQ(sqt_clientid_strip("t-T1-B6fa0-1", "t-"), "T1-B6fa0-1");
    SQT_ASSERT_STR_EQ(sqt_clientid_strip("T1-B6fa0-1", NULL), "T1-B6fa0-1");
    SQT_ASSERT_INT_EQ(sqt_clientid_prefix("ETHUSDT", buf, sizeof buf), 8);
    SQT_ASSERT_STR_EQ(buf, "ETHUSDT-");
    SQT_ASSERT_INT_EQ(sqt_clientid_prefix("ETHUSDT", buf, 8), SQT_ERANGE);
}

static void test_tags_and_lengths(void)
{
    sqt_clientid in = {SQT_SIDE_BUY, 299800, 1735000000001ull};
    char buf[SQT_CLIENT_ID_MAX];
    int n;
    CU_ASSERT_TRUE(sqt_clientid_tag_valid("a"));
    CU_ASSERT_TRUE(sqt_clientid_tag_valid("ABCDEFGHIJKLMNOP"));
    CU_ASSERT_FALSE(sqt_clientid_tag_valid("ABCDEFGHIJKLMNOPQ"));
    CU_ASSERT_FALSE(sqt_clientid_tag_valid(""));
    CU_ASSERT_FALSE(sqt_clientid_tag_valid(NULL));
    CU_ASSERT_FALSE(sqt_clientid_tag_valid("a-b"));
    CU_ASSERT_FALSE(sqt_clientid_tag_valid("a_b"));
    CU_ASSERT_FALSE(sqt_clientid_tag_valid("a b"));
    /* never truncated (§11 #31): exactly at the limit fits, one less is refused */
    n = (int)sqt_clientid_len(7, 299800, 1735000000001ull);
    CU_ASSERT_EQUAL(sqt_clientid_encode("ETHUSDT", &in, (size_t)n, buf, sizeof buf), n);
    CU_ASSERT_EQUAL(sqt_clientid_encode("ETHUSDT", &in, (size_t)n - 1, buf, sizeof buf), SQT_ERANGE);
    CU_ASSERT_EQUAL(sqt_clientid_encode("ETHUSDT", &in, 63, buf, (size_t)n), SQT_ERANGE);
    CU_ASSERT_EQUAL(sqt_clientid_encode("bad-tag", &in, 63, buf, sizeof buf), SQT_EINVAL);
    in.price_ticks = 0;
    CU_ASSERT_EQUAL(sqt_clientid_encode("T1", &in, 63, buf, sizeof buf), SQT_EINVAL);
    in.price_ticks = 5;
    in.side = SQT_SIDE_NONE;
    CU_ASSERT_EQUAL(sqt_clientid_encode("T1", &in, 63, buf, sizeof buf), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(sqt_clientid_b36_len(0), 1);
    SQT_ASSERT_INT_EQ(sqt_clientid_b36_len(35), 1);
    SQT_ASSERT_INT_EQ(sqt_clientid_b36_len(36), 2);
    SQT_ASSERT_INT_EQ(sqt_clientid_b36_len(UINT64_MAX), 13);
}

/* The engine's decode (tag checked once, its length known) answers as decode() does,
 * ids shorter than the tag included; the id copy truncates like snprintf("%s"). */
static void test_decode_known_tag_and_copy(void)
{
    static const char *ids[] = {"T1-B6fa0-1", "T1-S6fa0-0", "T1", "T", "", "T1-", "T1-B", "T10-B6fa0-1",
                                "t1-B6fa0-1", "T1-B06fa0-1", "T1-B6fa0-01", "T1-B6fa0-1x",
                                "T1-B1y2p0ij32e8e8-1", "T1-B1y2p0ij32e8e7-1", "x-T1-B6fa0-1"};
    sqt_clientid a, b;
    char small[6];
    size_t i;
    for (i = 0; i < sizeof ids / sizeof ids[0]; i++) {
        int ra, rb;
        memset(&a, 0, sizeof a);
        memset(&b, 0, sizeof b);
        ra = sqt_clientid_decode("T1", ids[i], &a);
        rb = sqt_clientid_decode_tag("T1", 2, ids[i], &b);
        SQT_ASSERT_INT_EQ(rb, ra);
        CU_ASSERT_TRUE(a.side == b.side && a.price_ticks == b.price_ticks && a.seq == b.seq);
    }
    SQT_ASSERT_INT_EQ(sqt_clientid_decode_tag("T1", 2, "T1-S6fa0-z", &b), 0);
    CU_ASSERT_TRUE(b.side == SQT_SIDE_SELL && b.price_ticks == 299736 && b.seq == 35);
    SQT_ASSERT_INT_EQ(sqt_clientid_decode_tag("T1", 2, NULL, &b), SQT_EINVAL);
    sqt_clientid_copy(small, sizeof small, "T1-B6fa0-1");
    SQT_ASSERT_STR_EQ(small, "T1-B6");
    sqt_clientid_copy(small, sizeof small, "ab");
    SQT_ASSERT_STR_EQ(small, "ab");
    sqt_clientid_copy(small, 1, "ab");
    SQT_ASSERT_STR_EQ(small, "");
}

/* The engine's encoder (tag validated once) spells every id as sqt_clientid_len says,
 * digit for digit what decode reads back, and keeps the length limits exactly. */
static void test_encode_known_tag(void)
{
    uint64_t r = 0x2545f4914f6cdd1dull;
    char buf[SQT_CLIENT_ID_MAX];
    int i, bad = 0;
    sqt_clientid in, out;
    for (i = 0; i < 100000; i++) {
        size_t len;
        int n;
        sqt_test_xorshift(&r);
        in.side = (r & 1) ? SQT_SIDE_BUY : SQT_SIDE_SELL;
        in.price_ticks = (int64_t)((r >> 1) >> (r % 63)) + 1;
        in.seq = (r * 0x9e3779b97f4a7c15ull) >> (r % 64);
        len = sqt_clientid_len(3, in.price_ticks, in.seq);
        n = sqt_clientid_encode_tag("Zz9", 3, &in, len, buf, sizeof buf);
        if (n != (int)len || sqt_clientid_decode_tag("Zz9", 3, buf, &out) != 0 ||
            out.side != in.side || out.price_ticks != in.price_ticks || out.seq != in.seq)
            bad++;
        if (sqt_clientid_encode_tag("Zz9", 3, &in, len - 1, buf, sizeof buf) != SQT_ERANGE ||
            sqt_clientid_encode_tag("Zz9", 3, &in, 63, buf, len) != SQT_ERANGE)
            bad++;
    }
    SQT_ASSERT_INT_EQ(bad, 0);
    in.side = SQT_SIDE_BUY;
    in.price_ticks = 299736;
    in.seq = 35;
    SQT_ASSERT_INT_EQ(sqt_clientid_encode_tag("T1", 2, &in, 63, buf, sizeof buf), 10);
    SQT_ASSERT_STR_EQ(buf, "T1-B6fa0-z");
    in.price_ticks = 0;
    SQT_ASSERT_INT_EQ(sqt_clientid_encode_tag("T1", 2, &in, 63, buf, sizeof buf), SQT_EINVAL);
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"round trip (E13, new format)", test_round_trip},
        {"round trip sweep", test_round_trip_many},
        {"foreign and malformed ids never decode", test_foreign_ids},
        {"prefix strip, cancel_own prefix", test_strip_and_prefix},
        {"tags and length limits", test_tags_and_lengths},
        {"decode with a known tag, id copy", test_decode_known_tag_and_copy},
        {"encode with a known tag", test_encode_known_tag},
        {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("clientid", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
