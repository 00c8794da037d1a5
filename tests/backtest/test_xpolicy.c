/* The executor's pure policy on a hand-driven clock: the same rules the uv executor
 * runs, without a loop (the backtest drives it on virtual time). */
#include <string.h>

#include "xpolicy.h"
#include "sqt_test.h"

static struct {
    int places, cancels, queries;
    int last_code;
} R;

static void on_place(void *ud, const char *cid, const sqt_error *err, const sqt_order *o)
{
    (void)ud;
    (void)cid;
    (void)o;
    R.places++;
    R.last_code = err->code;
}

static void on_cancel(void *ud, const char *cid, const sqt_error *err)
{
    (void)ud;
    (void)cid;
    R.cancels++;
    R.last_code = err->code;
}

static void on_query(void *ud, const char *cid, const sqt_error *err, const sqt_order *o)
{
    (void)ud;
    (void)cid;
    (void)o;
    R.queries++;
    R.last_code = err->code;
}

static sqt_xpolicy *make(int rate, int burst, int batch)
{
    sqt_executor_opts o;
    sqt_executor_cbs cbs;
    memset(&o, 0, sizeof(o));
    memset(&cbs, 0, sizeof(cbs));
    memset(&R, 0, sizeof(R));
    o.rate_per_sec = rate;
    o.burst = burst;
    o.max_batch_place = batch;
    o.max_batch_cancel = batch;
    o.max_inflight = 1000;
    cbs.on_place = on_place;
    cbs.on_cancel = on_cancel;
    cbs.on_query = on_query;
    return sqt_xpolicy_new(&o, &cbs, NULL, 0);
}

static void place(sqt_xpolicy *p, int i, sqt_side side)
{
    sqt_order_req r;
    memset(&r, 0, sizeof(r));
    snprintf(r.client_id, sizeof(r.client_id), "id-%d", i);
    r.side = side;
    r.price = sqt_dec_make(100, 0);
    r.qty = sqt_dec_make(1, 0);
    CU_ASSERT(sqt_xpolicy_place(p, &r) == SQT_OK);
}

/* burst 30 at once, then one request per 1000/rate ms of the clock handed in */
static void test_token_bucket_virtual(void)
{
    sqt_xpolicy *p = make(25, 30, 1);
    sqt_xbatch *b;
    int i, sent = 0;
    for (i = 0; i < 40; i++)
        place(p, i, SQT_SIDE_BUY);
    while ((b = sqt_xpolicy_next(p, 0)) != NULL) {
        sent++;
        sqt_xpolicy_on_placed(p, b, SQT_OK, NULL, 0, 0);
    }
    SQT_ASSERT_INT_EQ(sent, 30);
    SQT_ASSERT_INT_EQ(sqt_xpolicy_wake_at(p, 0), 40);
    CU_ASSERT(sqt_xpolicy_next(p, 39) == NULL);
    b = sqt_xpolicy_next(p, 40);
    CU_ASSERT_FATAL(b != NULL);
    sqt_xpolicy_discard(p, b);
    /* 9 left: 360 ms later all of them went */
    for (sent = 0; (b = sqt_xpolicy_next(p, 400)) != NULL; sent++)
        sqt_xpolicy_discard(p, b);
    SQT_ASSERT_INT_EQ(sent, 9);
    CU_ASSERT(sqt_xpolicy_idle(p));
    SQT_ASSERT_INT_EQ(sqt_xpolicy_wake_at(p, 400), UINT64_MAX);
    sqt_xpolicy_free(p);
}

/* cancels first, sells before buys in one place batch */
static void test_order_of_service(void)
{
    sqt_xpolicy *p = make(25, 30, 5);
    sqt_xbatch *b;
    place(p, 1, SQT_SIDE_BUY);
    place(p, 2, SQT_SIDE_SELL);
    CU_ASSERT(sqt_xpolicy_cancel(p, "id-9", NULL) == SQT_OK);
    b = sqt_xpolicy_next(p, 0);
    CU_ASSERT_FATAL(b != NULL);
    SQT_ASSERT_INT_EQ(sqt_xbatch_kind_of(b), SQT_XB_CANCEL);
    sqt_xpolicy_on_cancelled(p, b, SQT_OK, NULL, 0, 0); /* no items answered: EPROTO */
    SQT_ASSERT_INT_EQ(R.cancels, 1);
    SQT_ASSERT_INT_EQ(R.last_code, SQT_EPROTO);
    b = sqt_xpolicy_next(p, 0);
    CU_ASSERT_FATAL(b != NULL);
    SQT_ASSERT_INT_EQ(sqt_xbatch_kind_of(b), SQT_XB_PLACE);
    SQT_ASSERT_INT_EQ(sqt_xbatch_size(b), 2);
    CU_ASSERT_STRING_EQUAL(sqt_xbatch_req(b, 0)->client_id, "id-2");
    sqt_xpolicy_discard(p, b);
    sqt_xpolicy_free(p);
}

/* With room under the open-order limit, the places near the market go before the far
 * cancels (issue 16); without room, or without a word on it, the cancels go first. */
static void test_places_first_when_room(void)
{
    static const long rooms[] = {0, 3, -1, -100};
    size_t k;
    for (k = 0; k < sizeof rooms / sizeof rooms[0]; k++) {
        sqt_xpolicy *p = make(25, 30, 5);
        sqt_xbatch *b;
        place(p, 1, SQT_SIDE_BUY);
        CU_ASSERT(sqt_xpolicy_cancel(p, "id-9", NULL) == SQT_OK);
        sqt_xpolicy_set_open_room(p, rooms[k]);
        b = sqt_xpolicy_next(p, 0);
        CU_ASSERT_FATAL(b != NULL);
        SQT_ASSERT_INT_EQ(sqt_xbatch_kind_of(b), rooms[k] >= 0 ? SQT_XB_PLACE : SQT_XB_CANCEL);
        sqt_xpolicy_discard(p, b);
        b = sqt_xpolicy_next(p, 0);
        CU_ASSERT_FATAL(b != NULL);
        SQT_ASSERT_INT_EQ(sqt_xbatch_kind_of(b), rooms[k] >= 0 ? SQT_XB_CANCEL : SQT_XB_PLACE);
        sqt_xpolicy_discard(p, b);
        sqt_xpolicy_free(p);
    }
}

/* The room is the caller's word for "now": taken back, the cancels lead again. */
static void test_places_first_revoked(void)
{
    sqt_xpolicy *p = make(25, 30, 1);
    sqt_xbatch *b;
    place(p, 1, SQT_SIDE_BUY);
    place(p, 2, SQT_SIDE_BUY);
    CU_ASSERT(sqt_xpolicy_cancel(p, "id-9", NULL) == SQT_OK);
    sqt_xpolicy_set_open_room(p, 0);
    b = sqt_xpolicy_next(p, 0);
    CU_ASSERT_FATAL(b != NULL);
    SQT_ASSERT_INT_EQ(sqt_xbatch_kind_of(b), SQT_XB_PLACE);
    sqt_xpolicy_discard(p, b);
    sqt_xpolicy_set_open_room(p, -1); /* the limit is reached: cancels first again */
    b = sqt_xpolicy_next(p, 0);
    CU_ASSERT_FATAL(b != NULL);
    SQT_ASSERT_INT_EQ(sqt_xbatch_kind_of(b), SQT_XB_CANCEL);
    sqt_xpolicy_discard(p, b);
    sqt_xpolicy_free(p);
}

/* A margin refusal: for ten minutes the buys wait for the far cancels again (a buy
 * ahead of a cancel needs margin for both for a moment); sells still go first. */
static void test_places_first_margin_hold(void)
{
    sqt_xpolicy *p = make(1000, 1000, 1);
    sqt_xbatch *b;
    sqt_place_result res;
    place(p, 1, SQT_SIDE_BUY);
    sqt_xpolicy_set_open_room(p, 5);
    b = sqt_xpolicy_next(p, 1000);
    CU_ASSERT_FATAL(b != NULL);
    SQT_ASSERT_INT_EQ(sqt_xbatch_kind_of(b), SQT_XB_PLACE);
    memset(&res, 0, sizeof(res));
    snprintf(res.client_id, sizeof res.client_id, "%s", sqt_xbatch_req(b, 0)->client_id);
    res.err.code = SQT_EMARGIN;
    sqt_xpolicy_on_placed(p, b, SQT_OK, &res, 1, 1000);
    /* a new buy and a far cancel: the cancel leads now */
    place(p, 2, SQT_SIDE_BUY);
    CU_ASSERT(sqt_xpolicy_cancel(p, "id-9", NULL) == SQT_OK);
    b = sqt_xpolicy_next(p, 2000);
    CU_ASSERT_FATAL(b != NULL);
    SQT_ASSERT_INT_EQ(sqt_xbatch_kind_of(b), SQT_XB_CANCEL);
    sqt_xpolicy_discard(p, b);
    /* a sell is reduce-only: it still passes a cancel */
    place(p, 3, SQT_SIDE_SELL);
    CU_ASSERT(sqt_xpolicy_cancel(p, "id-8", NULL) == SQT_OK);
    b = sqt_xpolicy_next(p, 3000);
    CU_ASSERT_FATAL(b != NULL);
    SQT_ASSERT_INT_EQ(sqt_xbatch_kind_of(b), SQT_XB_PLACE);
    SQT_ASSERT_INT_EQ(sqt_xbatch_size(b), 1);
    CU_ASSERT_STRING_EQUAL(sqt_xbatch_req(b, 0)->client_id, "id-3");
    sqt_xpolicy_discard(p, b);
    b = sqt_xpolicy_next(p, 3000); /* the cancel, then the buy */
    CU_ASSERT_FATAL(b != NULL);
    SQT_ASSERT_INT_EQ(sqt_xbatch_kind_of(b), SQT_XB_CANCEL);
    sqt_xpolicy_discard(p, b);
    /* ten minutes on: buys pass the cancels again */
    CU_ASSERT(sqt_xpolicy_cancel(p, "id-7", NULL) == SQT_OK);
    b = sqt_xpolicy_next(p, 1000 + 600000);
    CU_ASSERT_FATAL(b != NULL);
    SQT_ASSERT_INT_EQ(sqt_xbatch_kind_of(b), SQT_XB_PLACE);
    CU_ASSERT_STRING_EQUAL(sqt_xbatch_req(b, 0)->client_id, "id-2");
    sqt_xpolicy_discard(p, b);
    sqt_xpolicy_free(p);
}

/* a rate limit pauses everything until retry-after on the clock, then resends */
static void test_rate_limit_pause(void)
{
    sqt_xpolicy *p = make(25, 30, 1);
    sqt_xbatch *b;
    sqt_place_result res;
    place(p, 1, SQT_SIDE_BUY);
    b = sqt_xpolicy_next(p, 1000);
    CU_ASSERT_FATAL(b != NULL);
    memset(&res, 0, sizeof(res));
    res.err.code = SQT_ERATE_LIMITED;
    res.err.retry_after_ms = 2000;
    sqt_xpolicy_on_placed(p, b, SQT_OK, &res, 1, 1000);
    SQT_ASSERT_INT_EQ(R.places, 0);
    SQT_ASSERT_INT_EQ(sqt_xpolicy_wake_at(p, 1000), 3000);
    CU_ASSERT(sqt_xpolicy_next(p, 2999) == NULL);
    b = sqt_xpolicy_next(p, 3000);
    CU_ASSERT_FATAL(b != NULL);
    sqt_xpolicy_on_placed(p, b, SQT_OK, NULL, 0, 3000);
    SQT_ASSERT_INT_EQ(R.places, 1);
    sqt_xpolicy_free(p);
}

/* an unknown outcome is verified by a query before any resend, after the backoff */
static void test_unknown_outcome_backoff(void)
{
    sqt_xpolicy *p = make(25, 30, 1);
    sqt_xbatch *b;
    sqt_place_result res;
    sqt_error gone;
    place(p, 1, SQT_SIDE_BUY);
    b = sqt_xpolicy_next(p, 0);
    memset(&res, 0, sizeof(res));
    res.err.code = SQT_ETIMEOUT;
    sqt_xpolicy_on_placed(p, b, SQT_OK, &res, 1, 0);
    SQT_ASSERT_INT_EQ(sqt_xpolicy_wake_at(p, 0), 500); /* retry_base_ms */
    CU_ASSERT(sqt_xpolicy_next(p, 499) == NULL);
    b = sqt_xpolicy_next(p, 500);
    CU_ASSERT_FATAL(b != NULL);
    SQT_ASSERT_INT_EQ(sqt_xbatch_kind_of(b), SQT_XB_QUERY);
    memset(&gone, 0, sizeof(gone));
    gone.code = SQT_EUNKNOWN_ORDER;
    sqt_xpolicy_on_queried(p, b, &gone, NULL, 0, 500);
    /* not there: sent again as a place */
    b = sqt_xpolicy_next(p, 500);
    CU_ASSERT_FATAL(b != NULL);
    SQT_ASSERT_INT_EQ(sqt_xbatch_kind_of(b), SQT_XB_PLACE);
    sqt_xpolicy_on_placed(p, b, SQT_OK, NULL, 0, 500);
    SQT_ASSERT_INT_EQ(R.places, 1);
    sqt_xpolicy_free(p);
}

int main(void)
{
    static const sqt_test_case cases[] = {{"token bucket on a virtual clock", test_token_bucket_virtual},
                                          {"cancels, then sells before buys", test_order_of_service},
                                          {"places before far cancels when the limit allows", test_places_first_when_room},
                                          {"places-first taken back", test_places_first_revoked},
                                          {"after a margin refusal buys wait for the cancels", test_places_first_margin_hold},
                                          {"rate limit pauses until retry-after", test_rate_limit_pause},
                                          {"unknown outcome: backoff, verify, resend", test_unknown_outcome_backoff},
                                          {NULL, NULL}};
    SQT_TEST_INIT();
    sqt_test_suite("xpolicy", cases);
    return sqt_test_run();
}
