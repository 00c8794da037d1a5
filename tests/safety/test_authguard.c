/* The auth/clock refusal policy: refusals in a row stop trading, an accepted request in
 * between starts the count again (issue 14: eleven refusals over days must not stop the
 * bot). */
#include "authguard.h"
#include "sqt_test.h"

static void test_in_a_row_stops(void)
{
    sqt_authguard g;
    int i;
    sqt_authguard_init(&g, 11);
    for (i = 0; i < 10; i++)
        SQT_ASSERT_INT_EQ(sqt_authguard_refused(&g), SQT_AUTH_PAUSE);
    SQT_ASSERT_INT_EQ(sqt_authguard_refused(&g), SQT_AUTH_STOP);
    SQT_ASSERT_INT_EQ(sqt_authguard_refused(&g), SQT_AUTH_STOP);
}

static void test_success_resets(void)
{
    sqt_authguard g;
    int day;
    sqt_authguard_init(&g, 11);
    /* one refusal a day for a month, trading in between: never a stop */
    for (day = 0; day < 30; day++) {
        SQT_ASSERT_INT_EQ(sqt_authguard_refused(&g), SQT_AUTH_PAUSE);
        sqt_authguard_accepted(&g);
    }
    /* ten in a row, one accepted, ten again: still trading */
    for (day = 0; day < 10; day++)
        SQT_ASSERT_INT_EQ(sqt_authguard_refused(&g), SQT_AUTH_PAUSE);
    sqt_authguard_accepted(&g);
    for (day = 0; day < 10; day++)
        SQT_ASSERT_INT_EQ(sqt_authguard_refused(&g), SQT_AUTH_PAUSE);
}

static void test_bounds(void)
{
    sqt_authguard g;
    sqt_authguard_init(&g, 0); /* nonsense limit: the first refusal stops */
    SQT_ASSERT_INT_EQ(sqt_authguard_refused(&g), SQT_AUTH_STOP);
    sqt_authguard_init(&g, 1);
    SQT_ASSERT_INT_EQ(sqt_authguard_refused(&g), SQT_AUTH_STOP);
}

int main(void)
{
    static const sqt_test_case cases[] = {{"refusals in a row stop", test_in_a_row_stops},
                                          {"an accepted request starts the count again", test_success_resets},
                                          {"limits", test_bounds},
                                          {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("authguard", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
