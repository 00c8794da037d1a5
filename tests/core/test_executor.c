/* Order executor against a scripted in-process exchange on a real libuv loop. */
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "executor.h"
#include "sqt_test.h"

/* ---- scripted exchange ---------------------------------------------------------- */

#define MAXQ 64

typedef struct pending {
    uv_timer_t t;
    int kind; /* 1 place, 2 cancel, 3 query */
    size_t n;
    sqt_order_req reqs[8];
    sqt_cancel_req creqs[8];
    char qid[SQT_CLIENT_ID_MAX];
    void *cb;
    void *ud;
} pending;

static struct {
    uv_loop_t *loop;
    int requests;
    int place_calls, cancel_calls, query_calls;
    size_t batch_sizes[MAXQ];
    sqt_side first_side[MAXQ];
    /* script: error code for the next place results, consumed in order */
    int place_script[MAXQ];
    int64_t retry_after[MAXQ];
    int n_script, i_script;
    int query_script[MAXQ]; /* SQT_OK found, SQT_EUNKNOWN_ORDER */
    int n_qscript, i_qscript;
    int open_pending;
    int refuse_rc;             /* < 0: the next place_orders refuses synchronously */
} X;

struct sqt_exchange {
    int dummy;
};
static struct sqt_exchange the_ex;

static void pending_closed(uv_handle_t *h)
{
    free(h->data);
    X.open_pending--;
}

static void fill_order(sqt_order *o, const sqt_order_req *r)
{
    memset(o, 0, sizeof(*o));
    strcpy(o->symbol, "ETHUSDT");
    memcpy(o->client_id, r->client_id, sizeof(o->client_id));
    snprintf(o->order_id, sizeof(o->order_id), "9%.40s", r->client_id);
    o->side = r->side;
    o->status = SQT_ORDER_NEW;
    o->price = r->price;
    o->qty = r->qty;
}

static void answer(uv_timer_t *t)
{
    pending *p = t->data;
    size_t i;
    if (p->kind == 1) {
        sqt_place_result res[8];
        memset(res, 0, sizeof(res));
        for (i = 0; i < p->n; i++) {
            memcpy(res[i].client_id, p->reqs[i].client_id, SQT_CLIENT_ID_MAX);
            if (X.i_script < X.n_script) {
                res[i].err.code = X.place_script[X.i_script];
                res[i].err.retry_after_ms = X.retry_after[X.i_script];
                X.i_script++;
            }
            if (res[i].err.code == SQT_OK)
                fill_order(&res[i].order, &p->reqs[i]);
        }
        ((sqt_place_cb)p->cb)(p->ud, SQT_OK, res, p->n);
    } else if (p->kind == 2) {
        sqt_cancel_result res[8];
        memset(res, 0, sizeof(res));
        for (i = 0; i < p->n; i++)
            memcpy(res[i].client_id, p->creqs[i].client_id, SQT_CLIENT_ID_MAX);
        ((sqt_cancel_cb)p->cb)(p->ud, SQT_OK, res, p->n);
    } else {
        sqt_error err;
        sqt_order o;
        sqt_order_req r;
        memset(&err, 0, sizeof(err));
        memset(&r, 0, sizeof(r));
        if (X.i_qscript < X.n_qscript)
            err.code = X.query_script[X.i_qscript++];
        if (err.code == SQT_OK) {
            memcpy(r.client_id, p->qid, sizeof(r.client_id));
            r.side = SQT_SIDE_BUY;
            fill_order(&o, &r);
            ((sqt_orders_cb)p->cb)(p->ud, &err, &o, 1);
        } else {
            ((sqt_orders_cb)p->cb)(p->ud, &err, NULL, 0);
        }
    }
    uv_close((uv_handle_t *)t, pending_closed);
}

static pending *later(int kind, void *cb, void *ud)
{
    pending *p = calloc(1, sizeof(*p));
    uv_timer_init(X.loop, &p->t);
    p->t.data = p;
    p->kind = kind;
    p->cb = cb;
    p->ud = ud;
    X.requests++;
    X.open_pending++;
    uv_timer_start(&p->t, answer, 1, 0);
    return p;
}

static int x_place(sqt_exchange *ex, const sqt_order_req *reqs, size_t n, sqt_place_cb cb, void *ud)
{
    pending *p;
    (void)ex;
    CU_ASSERT_TRUE_FATAL(n >= 1 && n <= 8);
    if (X.refuse_rc < 0) {
        int rc = X.refuse_rc;
        X.refuse_rc = 0;
        X.place_calls++;
        return rc;
    }
    p = later(1, (void *)cb, ud);
    p->n = n;
    memcpy(p->reqs, reqs, n * sizeof(*reqs));
    X.batch_sizes[X.place_calls] = n;
    X.first_side[X.place_calls] = reqs[0].side;
    X.place_calls++;
    return SQT_OK;
}

static int x_cancel(sqt_exchange *ex, const sqt_cancel_req *reqs, size_t n, sqt_cancel_cb cb, void *ud)
{
    pending *p;
    (void)ex;
    p = later(2, (void *)cb, ud);
    p->n = n;
    memcpy(p->creqs, reqs, n * sizeof(*reqs));
    X.cancel_calls++;
    return SQT_OK;
}

static int x_query(sqt_exchange *ex, const char *cid, const char *oid, sqt_orders_cb cb, void *ud)
{
    pending *p;
    (void)ex;
    (void)oid;
    p = later(3, (void *)cb, ud);
    snprintf(p->qid, sizeof(p->qid), "%s", cid ? cid : "");
    X.query_calls++;
    return SQT_OK;
}

static sqt_exchange_api xapi;

/* ---- results seen by the "engine" ------------------------------------------------- */

static struct {
    int placed_ok, placed_err, cancelled, queried;
    int fatal;                 /* on_fatal calls */
    int last_err;
    int sync_violation;
    int in_submit;
} R;

static void on_place(void *ud, const char *cid, const sqt_error *err, const sqt_order *o)
{
    (void)ud;
    (void)cid;
    if (R.in_submit)
        R.sync_violation++;
    if (err->code == SQT_OK) {
        CU_ASSERT_PTR_NOT_NULL(o);
        R.placed_ok++;
    } else {
        R.placed_err++;
        R.last_err = err->code;
    }
}
static void on_cancel(void *ud, const char *cid, const sqt_error *err)
{
    (void)ud;
    (void)cid;
    (void)err;
    R.cancelled++;
}
static void on_query(void *ud, const char *cid, const sqt_error *err, const sqt_order *o)
{
    (void)ud;
    (void)cid;
    (void)err;
    (void)o;
    R.queried++;
}

static void on_fatal(void *ud, const sqt_error *err)
{
    (void)ud;
    (void)err;
    R.fatal++;
}

static uv_loop_t loop;
static sqt_log lg;

static sqt_executor *setup(int batch, int rate, int burst)
{
    sqt_executor_opts o;
    sqt_executor_cbs cbs = {NULL, on_place, on_cancel, on_query, on_fatal};
    memset(&X, 0, sizeof(X));
    memset(&R, 0, sizeof(R));
    memset(&xapi, 0, sizeof(xapi));
    xapi.struct_size = sizeof(xapi);
    xapi.place_orders = x_place;
    xapi.cancel_orders = x_cancel;
    xapi.query_order = x_query;
    uv_loop_init(&loop);
    X.loop = &loop;
    memset(&lg, 0, sizeof(lg));
    lg.level = SQT_LV_ERROR + 1; /* quiet */
    memset(&o, 0, sizeof(o));
    o.max_batch_place = batch;
    o.max_batch_cancel = batch;
    o.rate_per_sec = rate;
    o.burst = burst;
    o.retry_base_ms = 5;
    o.rate_limit_retry_ms = 20;
    return sqt_executor_new(&loop, &lg, &xapi, &the_ex, &o, &cbs);
}

static void closed_cb(void *ud)
{
    *(int *)ud = 1;
}

static void teardown(sqt_executor *e)
{
    int done = 0;
    sqt_executor_close(e, closed_cb, &done);
    uv_run(&loop, UV_RUN_DEFAULT);
    CU_ASSERT_TRUE(done);
    SQT_ASSERT_INT_EQ(uv_loop_close(&loop), 0);
}

static void submit(sqt_executor *e, const char *cid, sqt_side side)
{
    sqt_order_req r;
    memset(&r, 0, sizeof(r));
    snprintf(r.client_id, sizeof(r.client_id), "%s", cid);
    r.side = side;
    r.tif = SQT_TIF_POST_ONLY;
    r.price = sqt_dec_make(300000, 2);
    r.qty = sqt_dec_make(10, 3);
    R.in_submit = 1;
    SQT_ASSERT_INT_EQ(sqt_executor_place(e, &r), SQT_OK);
    R.in_submit = 0;
}

static void test_batching_and_priority(void)
{
    sqt_executor *e = setup(5, 1000, 100);
    char id[16];
    int i;
    for (i = 0; i < 9; i++) {
        snprintf(id, sizeof(id), "b%d", i);
        submit(e, id, SQT_SIDE_BUY);
    }
    for (i = 0; i < 3; i++) {
        snprintf(id, sizeof(id), "s%d", i);
        submit(e, id, SQT_SIDE_SELL);
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    SQT_ASSERT_INT_EQ(R.placed_ok, 12);
    SQT_ASSERT_INT_EQ(R.sync_violation, 0);
    SQT_ASSERT_INT_EQ(X.place_calls, 3);
    SQT_ASSERT_INT_EQ(X.batch_sizes[0], 5);
    SQT_ASSERT_INT_EQ(X.batch_sizes[1], 5);
    SQT_ASSERT_INT_EQ(X.batch_sizes[2], 2);
    /* reduce-only sells go out before buys */
    SQT_ASSERT_INT_EQ(X.first_side[0], SQT_SIDE_SELL);
    CU_ASSERT_TRUE(sqt_executor_idle(e));
    teardown(e);
}

static void stop_loop(uv_timer_t *t)
{
    uv_stop(t->loop);
}

static void test_token_bucket(void)
{
    sqt_executor *e = setup(1, 2 /* per second */, 3);
    uv_timer_t t;
    char id[16];
    int i;
    for (i = 0; i < 6; i++) {
        snprintf(id, sizeof(id), "b%d", i);
        submit(e, id, SQT_SIDE_BUY);
    }
    uv_timer_init(&loop, &t);
    uv_timer_start(&t, stop_loop, 200, 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    /* the burst of 3 went out at once; the 4th needs 500 ms of refill */
    SQT_ASSERT_INT_EQ(X.place_calls, 3);
    uv_close((uv_handle_t *)&t, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    SQT_ASSERT_INT_EQ(X.place_calls, 6);
    SQT_ASSERT_INT_EQ(R.placed_ok, 6);
    teardown(e);
}

static void test_rate_limited_then_ok(void)
{
    sqt_executor *e = setup(1, 1000, 100);
    sqt_executor_stats st;
    X.place_script[0] = SQT_ERATE_LIMITED;
    X.retry_after[0] = 30;
    X.n_script = 1;
    submit(e, "b1", SQT_SIDE_BUY);
    uv_run(&loop, UV_RUN_DEFAULT);
    SQT_ASSERT_INT_EQ(R.placed_ok, 1);
    SQT_ASSERT_INT_EQ(R.placed_err, 0);
    SQT_ASSERT_INT_EQ(X.place_calls, 2);
    sqt_executor_stats_get(e, &st);
    SQT_ASSERT_INT_EQ(st.rate_limited, 1);
    SQT_ASSERT_INT_EQ(st.rate_pauses, 1);
    SQT_ASSERT_INT_EQ(st.bans, 0);
    teardown(e);
}

static void test_unknown_outcome_verified(void)
{
    sqt_executor *e = setup(1, 1000, 100);
    sqt_executor_stats st;
    /* 1st: timeout -> query finds it: success without a second place */
    X.place_script[0] = SQT_ETIMEOUT;
    X.n_script = 1;
    X.query_script[0] = SQT_OK;
    X.n_qscript = 1;
    submit(e, "b1", SQT_SIDE_BUY);
    uv_run(&loop, UV_RUN_DEFAULT);
    SQT_ASSERT_INT_EQ(R.placed_ok, 1);
    SQT_ASSERT_INT_EQ(X.place_calls, 1);
    SQT_ASSERT_INT_EQ(X.query_calls, 1);
    sqt_executor_stats_get(e, &st);
    SQT_ASSERT_INT_EQ(st.verified, 1);
    teardown(e);

    /* network error, query says unknown -> sent again -> ok */
    e = setup(1, 1000, 100);
    X.place_script[0] = SQT_ENETWORK;
    X.place_script[1] = SQT_OK;
    X.n_script = 2;
    X.query_script[0] = SQT_EUNKNOWN_ORDER;
    X.n_qscript = 1;
    submit(e, "b2", SQT_SIDE_BUY);
    uv_run(&loop, UV_RUN_DEFAULT);
    SQT_ASSERT_INT_EQ(R.placed_ok, 1);
    SQT_ASSERT_INT_EQ(X.place_calls, 2);
    SQT_ASSERT_INT_EQ(X.query_calls, 1);
    teardown(e);
}

static void test_post_only_reported_not_retried(void)
{
    sqt_executor *e = setup(1, 1000, 100);
    X.place_script[0] = SQT_EPOST_ONLY;
    X.place_script[1] = SQT_EMARGIN;
    X.n_script = 2;
    submit(e, "s1", SQT_SIDE_SELL);
    uv_run(&loop, UV_RUN_DEFAULT);
    submit(e, "b1", SQT_SIDE_BUY);
    uv_run(&loop, UV_RUN_DEFAULT);
    SQT_ASSERT_INT_EQ(R.placed_err, 2);
    SQT_ASSERT_INT_EQ(R.last_err, SQT_EMARGIN);
    SQT_ASSERT_INT_EQ(X.place_calls, 2);
    teardown(e);
}

static void test_close_with_inflight(void)
{
    sqt_executor *e = setup(1, 1000, 100);
    uv_timer_t t;
    int done = 0;
    submit(e, "b1", SQT_SIDE_BUY);
    submit(e, "b2", SQT_SIDE_BUY);
    SQT_ASSERT_INT_EQ(sqt_executor_cancel(e, "c1", NULL), SQT_OK);
    /* let the requests go out, then close before the answers arrive */
    uv_run(&loop, UV_RUN_NOWAIT);
    CU_ASSERT_TRUE(X.requests > 0);
    sqt_executor_close(e, closed_cb, &done);
    uv_timer_init(&loop, &t);
    uv_close((uv_handle_t *)&t, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    CU_ASSERT_TRUE(done);
    SQT_ASSERT_INT_EQ(R.placed_ok + R.placed_err + R.cancelled, 0);
    SQT_ASSERT_INT_EQ(X.open_pending, 0);
    SQT_ASSERT_INT_EQ(uv_loop_close(&loop), 0);
}

static void test_pause(void)
{
    sqt_executor *e = setup(1, 1000, 100);
    uv_timer_t t;
    sqt_executor_pause(e, 300);
    submit(e, "b1", SQT_SIDE_BUY);
    uv_timer_init(&loop, &t);
    uv_timer_start(&t, stop_loop, 100, 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    SQT_ASSERT_INT_EQ(X.place_calls, 0); /* still paused */
    uv_close((uv_handle_t *)&t, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    SQT_ASSERT_INT_EQ(X.place_calls, 1);
    SQT_ASSERT_INT_EQ(R.placed_ok, 1);
    teardown(e);
}

static void test_drop_places_definite(void)
{
    sqt_executor *e = setup(1, 1000, 100);
    sqt_executor_pause(e, 10000);
    submit(e, "b1", SQT_SIDE_BUY);
    submit(e, "s1", SQT_SIDE_SELL);
    sqt_executor_drop_places(e);
    /* never sent: a definite "not placed" the engine can release, not "cancelled" */
    SQT_ASSERT_INT_EQ(R.placed_err, 2);
    SQT_ASSERT_INT_EQ(R.last_err, SQT_ESTATE);
    SQT_ASSERT_INT_EQ(X.place_calls, 0);
    CU_ASSERT_TRUE(sqt_executor_idle(e));
    teardown(e);
}

static void test_ban_uses_reported_end(void)
{
    sqt_executor *e = setup(1, 1000, 100);
    sqt_rate_usage u;
    uv_timeval64_t tv;
    sqt_executor_stats st;
    memset(&u, 0, sizeof(u));
    u.used_weight = u.weight_limit = u.order_count = u.order_limit = -1;
    uv_gettimeofday(&tv);
    u.banned_until_ms = (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000 + 100;
    sqt_executor_rate_usage(e, &u);
    submit(e, "b1", SQT_SIDE_BUY);
    uv_run(&loop, UV_RUN_DEFAULT);
    /* held back until the ban (plus a small margin) ended, then sent once */
    SQT_ASSERT_INT_EQ(X.place_calls, 1);
    SQT_ASSERT_INT_EQ(R.placed_ok, 1);
    sqt_executor_stats_get(e, &st);
    SQT_ASSERT_INT_EQ(st.requests, 1);
    SQT_ASSERT_INT_EQ(st.bans, 1);
    teardown(e);
}

/* A ban fails every request in flight when it begins: said once, all wait it out, and
 * each order still goes out once afterwards. */
static void test_ban_said_once(void)
{
    sqt_executor *e = setup(1, 1000, 100);
    X.place_script[0] = X.place_script[1] = SQT_EBANNED;
    X.retry_after[0] = X.retry_after[1] = 40;
    X.n_script = 2;
    submit(e, "b1", SQT_SIDE_BUY);
    submit(e, "b2", SQT_SIDE_BUY);
    uv_run(&loop, UV_RUN_DEFAULT);
    SQT_ASSERT_INT_EQ(R.fatal, 1);
    SQT_ASSERT_INT_EQ(R.placed_ok, 2);
    SQT_ASSERT_INT_EQ(X.place_calls, 4);
    {
        sqt_executor_stats st;
        sqt_executor_stats_get(e, &st);
        SQT_ASSERT_INT_EQ(st.bans, 1); /* two answers, one ban */
        SQT_ASSERT_INT_EQ(st.rate_pauses, 0);
    }
    teardown(e);
}

/* The metrics' tick-to-order clock: every place batch is shown to the observer just
 * before the plugin gets it, a retried one again, cancels never. */
static struct {
    int calls, places_before;
    char ids[8][SQT_CLIENT_ID_MAX];
    size_t n;
} OBS;

static void observe(void *ud, const sqt_order_req *reqs, size_t n)
{
    size_t i;
    CU_ASSERT_PTR_EQUAL(ud, &OBS);
    if (OBS.calls++ == 0)
        OBS.places_before = X.place_calls;
    for (i = 0; i < n && OBS.n < 8; i++)
        snprintf(OBS.ids[OBS.n++], SQT_CLIENT_ID_MAX, "%s", reqs[i].client_id);
}

static void test_send_observer(void)
{
    sqt_executor *e = setup(2, 1000, 100);
    memset(&OBS, 0, sizeof OBS);
    sqt_executor_on_send(e, observe, &OBS);
    X.place_script[0] = SQT_ERATE_LIMITED;
    X.retry_after[0] = 10;
    X.n_script = 1;
    submit(e, "b1", SQT_SIDE_BUY);
    submit(e, "s1", SQT_SIDE_SELL);
    SQT_ASSERT_INT_EQ(sqt_executor_cancel(e, "c1", NULL), SQT_OK);
    uv_run(&loop, UV_RUN_DEFAULT);
    SQT_ASSERT_INT_EQ(OBS.places_before, 0);  /* shown before the plugin saw it */
    SQT_ASSERT_INT_EQ(OBS.calls, X.place_calls); /* every place call, retry included */
    SQT_ASSERT_INT_EQ(OBS.calls, 2);
    SQT_ASSERT_INT_EQ(OBS.n, X.batch_sizes[0] + X.batch_sizes[1]); /* the refused one again */
    SQT_ASSERT_INT_EQ(OBS.n, 3);
    SQT_ASSERT_STR_EQ(OBS.ids[0], "s1");     /* sells first */
    SQT_ASSERT_STR_EQ(OBS.ids[1], "b1");
    SQT_ASSERT_INT_EQ(R.placed_ok, 2);
    teardown(e);
}

/* A turn's commands, flushed, go to the plugin inside the flush: the same loop turn,
 * batched, with no engine callback inside. */
static void test_flush_sends_in_the_same_turn(void)
{
    sqt_executor *e = setup(5, 1000, 100);
    submit(e, "b1", SQT_SIDE_BUY);
    submit(e, "s1", SQT_SIDE_SELL);
    SQT_ASSERT_INT_EQ(sqt_executor_cancel(e, "c1", "1"), SQT_OK);
    SQT_ASSERT_INT_EQ(X.place_calls + X.cancel_calls, 0); /* queued, not sent */
    R.in_submit = 1;
    sqt_executor_flush(e);
    R.in_submit = 0;
    SQT_ASSERT_INT_EQ(X.place_calls, 1); /* one batch, no loop turn in between */
    SQT_ASSERT_INT_EQ(X.batch_sizes[0], 2);
    SQT_ASSERT_INT_EQ(X.cancel_calls, 1);
    SQT_ASSERT_INT_EQ(R.placed_ok, 0);  /* answers come later, from the loop */
    uv_run(&loop, UV_RUN_DEFAULT);
    SQT_ASSERT_INT_EQ(R.placed_ok, 2);
    SQT_ASSERT_INT_EQ(R.cancelled, 1);
    SQT_ASSERT_INT_EQ(R.sync_violation, 0);
    SQT_ASSERT_INT_EQ(X.place_calls, 1); /* the timer's turn found nothing left */
    teardown(e);
}

/* The flush sends only what tokens allow; the rest waits for the timer. */
static void test_flush_respects_tokens(void)
{
    sqt_executor *e = setup(1, 1000, 1);
    submit(e, "b1", SQT_SIDE_BUY);
    submit(e, "b2", SQT_SIDE_BUY);
    sqt_executor_flush(e);
    SQT_ASSERT_INT_EQ(X.place_calls, 1);
    uv_run(&loop, UV_RUN_DEFAULT);
    SQT_ASSERT_INT_EQ(X.place_calls, 2);
    SQT_ASSERT_INT_EQ(R.placed_ok, 2);
    teardown(e);
}

/* A plugin that refuses synchronously during a flush: the engine hears of it from the
 * loop, never inside the flush (the app's drain is still running then). */
static void test_flush_refusal_reported_later(void)
{
    sqt_executor *e = setup(5, 1000, 100);
    X.refuse_rc = SQT_EINVAL;
    submit(e, "b1", SQT_SIDE_BUY);
    R.in_submit = 1;
    sqt_executor_flush(e);
    R.in_submit = 0;
    SQT_ASSERT_INT_EQ(X.place_calls, 1);
    SQT_ASSERT_INT_EQ(R.placed_err, 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    SQT_ASSERT_INT_EQ(R.placed_err, 1);
    SQT_ASSERT_INT_EQ(R.last_err, SQT_EINVAL);
    SQT_ASSERT_INT_EQ(R.sync_violation, 0);
    CU_ASSERT_TRUE(sqt_executor_idle(e));
    teardown(e);
}

/* Closing with a refusal not yet reported: no callback, and the close completes. */
static void test_close_with_refusal_pending(void)
{
    sqt_executor *e = setup(5, 1000, 100);
    X.refuse_rc = SQT_EINVAL;
    submit(e, "b1", SQT_SIDE_BUY);
    sqt_executor_flush(e);
    teardown(e); /* asserts the close callback ran and the loop closed */
    SQT_ASSERT_INT_EQ(R.placed_err, 0);
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"batching and sell priority", test_batching_and_priority},
        {"token bucket", test_token_bucket},
        {"rate limited then ok", test_rate_limited_then_ok},
        {"unknown outcome verified by query", test_unknown_outcome_verified},
        {"post-only and margin reported, not retried", test_post_only_reported_not_retried},
        {"close with requests in flight", test_close_with_inflight},
        {"pause holds requests back", test_pause},
        {"dropped places are a definite no", test_drop_places_definite},
        {"a reported ban holds requests until it ends", test_ban_uses_reported_end},
        {"a ban is said once", test_ban_said_once},
        {"placements observed as they go out", test_send_observer},
        {"flush sends in the same turn", test_flush_sends_in_the_same_turn},
        {"flush respects the tokens", test_flush_respects_tokens},
        {"a refusal in a flush is reported later", test_flush_refusal_reported_later},
        {"close with a refusal pending", test_close_with_refusal_pending},
        {NULL, NULL}};
    SQT_TEST_INIT();
    sqt_test_suite("executor", cases);
    return sqt_test_run();
}
