/* Self-test of the fake host: plugin tests trust it, so its clock, timer order, HTTP
 * queue and WebSocket life cycle are checked here. */
#include <string.h>

#include "fake_host.h"
#include "sqt_test.h"

/* ---- timers ---------------------------------------------------------------------- */

typedef struct trace {
    char log[256];
    fake_host *fh;
    sqt_timer *self;
    sqt_timer *other;
    int count;
    int limit;
} trace;

static void trace_add(trace *t, const char *what)
{
    char buf[64];
    snprintf(buf, sizeof(buf), "%s@%llu ", what,
             (unsigned long long)fake_host_now_ms(t->fh));
    strncat(t->log, buf, sizeof(t->log) - strlen(t->log) - 1);
}

static void cb_a(void *ud) { trace_add(ud, "a"); }
static void cb_b(void *ud) { trace_add(ud, "b"); }
static void cb_c(void *ud) { trace_add(ud, "c"); }

static void test_clocks(void)
{
    fake_host *fh = fake_host_new();
    const sqt_host_api *api = fake_host_api();
    sqt_host *h = fake_host_handle(fh);
    SQT_ASSERT_INT_EQ(api->wall_ms(h), INT64_C(1735000000000));
    SQT_ASSERT_INT_EQ(api->mono_ns(h), 0);
    SQT_ASSERT_INT_EQ(fake_host_advance(fh, 1500), 0);
    SQT_ASSERT_INT_EQ(api->wall_ms(h), INT64_C(1735000001500));
    SQT_ASSERT_INT_EQ(api->mono_ns(h), UINT64_C(1500000000));
    fake_host_set_wall_ms(fh, 42);
    SQT_ASSERT_INT_EQ(api->wall_ms(h), 42);
    fake_host_advance(fh, 8);
    SQT_ASSERT_INT_EQ(api->wall_ms(h), 50);
    SQT_ASSERT_INT_EQ(api->mono_ns(h), UINT64_C(1508000000));
    fake_host_free(fh);
}

static void test_timer_order(void)
{
    fake_host *fh = fake_host_new();
    const sqt_host_api *api = fake_host_api();
    sqt_host *h = fake_host_handle(fh);
    trace t;
    sqt_timer *ta, *tb, *tc;
    memset(&t, 0, sizeof(t));
    t.fh = fh;
    CU_ASSERT_EQUAL(api->timer_start(h, 30, 0, cb_a, &t, &ta), SQT_OK);
    CU_ASSERT_EQUAL(api->timer_start(h, 10, 0, cb_b, &t, &tb), SQT_OK);
    CU_ASSERT_EQUAL(api->timer_start(h, 10, 0, cb_c, &t, &tc), SQT_OK);
    SQT_ASSERT_INT_EQ(fake_host_active_timers(fh), 3);
    SQT_ASSERT_INT_EQ(fake_host_advance(fh, 9), 0);
    SQT_ASSERT_INT_EQ(fake_host_advance(fh, 100), 3);
    /* due order, ties in start order, and the clock reads the due time in the callback */
    SQT_ASSERT_STR_EQ(t.log, "b@10 c@10 a@30 ");
    SQT_ASSERT_INT_EQ(fake_host_now_ms(fh), 109);
    SQT_ASSERT_INT_EQ(fake_host_active_timers(fh), 0);
    SQT_ASSERT_INT_EQ(fake_host_misuse_count(fh), 0);
    /* a fired one-shot is released by the host: stopping it is a plugin bug */
    api->timer_stop(h, ta);
    SQT_ASSERT_INT_EQ(fake_host_misuse_count(fh), 1);
    (void)tb;
    (void)tc;
    /* stopping a pending timer: it never fires */
    api->timer_start(h, 5, 0, cb_a, &t, &ta);
    api->timer_stop(h, ta);
    SQT_ASSERT_INT_EQ(fake_host_active_timers(fh), 0);
    SQT_ASSERT_INT_EQ(fake_host_advance(fh, 100), 0);
    SQT_ASSERT_INT_EQ(fake_host_misuse_count(fh), 1);
    fake_host_free(fh);
}

static void cb_repeat_self_stop(void *ud)
{
    trace *t = ud;
    const sqt_host_api *api = fake_host_api();
    trace_add(t, "r");
    if (++t->count == t->limit)
        api->timer_stop(fake_host_handle(t->fh), t->self);
}

static void test_timer_repeat_and_self_stop(void)
{
    fake_host *fh = fake_host_new();
    const sqt_host_api *api = fake_host_api();
    trace t;
    memset(&t, 0, sizeof(t));
    t.fh = fh;
    t.limit = 3;
    CU_ASSERT_EQUAL(api->timer_start(fake_host_handle(fh), 5, 10, cb_repeat_self_stop, &t,
                                     &t.self), SQT_OK);
    SQT_ASSERT_INT_EQ(fake_host_advance(fh, 1000), 3);
    SQT_ASSERT_STR_EQ(t.log, "r@5 r@15 r@25 ");
    SQT_ASSERT_INT_EQ(fake_host_active_timers(fh), 0);
    SQT_ASSERT_INT_EQ(fake_host_misuse_count(fh), 0);
    fake_host_free(fh);
}

static void cb_chain(void *ud)
{
    trace *t = ud;
    const sqt_host_api *api = fake_host_api();
    sqt_host *h = fake_host_handle(t->fh);
    trace_add(t, "x");
    api->timer_stop(h, t->self); /* stopping myself inside my callback is allowed */
    t->self = NULL;
    if (t->other != NULL) { /* and a pending one */
        api->timer_stop(h, t->other);
        t->other = NULL;
    }
    if (++t->count < 3) /* start a successor: fires in the same advance when due */
        api->timer_start(h, 7, 0, cb_chain, t, &t->self);
}

static void test_timer_started_from_callback(void)
{
    fake_host *fh = fake_host_new();
    const sqt_host_api *api = fake_host_api();
    sqt_host *h = fake_host_handle(fh);
    trace t;
    memset(&t, 0, sizeof(t));
    t.fh = fh;
    api->timer_start(h, 1, 0, cb_chain, &t, &t.self);
    api->timer_start(h, 4, 0, cb_a, &t, &t.other);
    SQT_ASSERT_INT_EQ(fake_host_advance(fh, 10), 2); /* x@1 (stops a), x@8 */
    SQT_ASSERT_STR_EQ(t.log, "x@1 x@8 ");
    SQT_ASSERT_INT_EQ(fake_host_advance(fh, 10), 1);
    SQT_ASSERT_STR_EQ(t.log, "x@1 x@8 x@15 ");
    SQT_ASSERT_INT_EQ(fake_host_active_timers(fh), 0);
    /* a zero timeout fires on advance(0), "the next loop turn", then is released */
    api->timer_start(h, 0, 0, cb_b, &t, &t.self);
    SQT_ASSERT_INT_EQ(fake_host_advance(fh, 0), 1);
    SQT_ASSERT_INT_EQ(fake_host_active_timers(fh), 0);
    SQT_ASSERT_INT_EQ(fake_host_misuse_count(fh), 0);
    fake_host_free(fh);
}

/* ---- HTTP ------------------------------------------------------------------------ */

typedef struct http_seen {
    int calls;
    int status;
    int err;
    char body[128];
    char hdr[64];
    int in_reply; /* set by the test around fake_host_http_reply */
    int saw_in_reply;
} http_seen;

static void http_cb(void *ud, const sqt_http_response *r)
{
    http_seen *s = ud;
    size_t i;
    s->calls++;
    s->status = r->status;
    s->err = r->err.code;
    s->saw_in_reply = s->in_reply;
    snprintf(s->body, sizeof(s->body), "%.*s", (int)r->body_len, r->body);
    s->hdr[0] = '\0';
    for (i = 0; i < r->n_headers; i++)
        if (strcmp(r->headers[i].name, "X-Test") == 0)
            snprintf(s->hdr, sizeof(s->hdr), "%s", r->headers[i].value);
}

static void test_http_queue(void)
{
    fake_host *fh = fake_host_new();
    const sqt_host_api *api = fake_host_api();
    sqt_host *h = fake_host_handle(fh);
    char url[64], body[32];
    sqt_header hdr[1] = {{"X-MBX-APIKEY", "k1"}};
    sqt_http_request req;
    http_seen s1, s2;
    sqt_http_call *c1 = NULL;
    const char *rh[] = {"X-Test:  v1", "Retry-After: 5", NULL};
    memset(&s1, 0, sizeof(s1));
    memset(&s2, 0, sizeof(s2));
    memset(&req, 0, sizeof(req));
    strcpy(url, "https://x.test/a?b=1");
    strcpy(body, "p=1&q=2");
    req.struct_size = sizeof(req);
    req.method = "POST";
    req.url = url;
    req.headers = hdr;
    req.n_headers = 1;
    req.body = body;
    req.body_len = strlen(body);
    CU_ASSERT_EQUAL(api->http_request(h, &req, http_cb, &s1, &c1), SQT_OK);
    strcpy(url, "overwritten"); /* the host copied the request */
    strcpy(body, "zzz");
    req.method = "GET";
    req.url = "https://x.test/second";
    req.headers = NULL;
    req.n_headers = 0;
    req.body = NULL;
    req.body_len = 0;
    CU_ASSERT_EQUAL(api->http_request(h, &req, http_cb, &s2, NULL), SQT_OK);
    SQT_ASSERT_INT_EQ(fake_host_http_pending(fh), 2);
    SQT_ASSERT_STR_EQ(fake_host_http_at(fh, 0)->url, "https://x.test/a?b=1");
    SQT_ASSERT_STR_EQ(fake_host_http_at(fh, 0)->body, "p=1&q=2");
    SQT_ASSERT_INT_EQ(fake_host_http_at(fh, 0)->body_len, 7);
    SQT_ASSERT_STR_EQ(fake_http_header(fake_host_http_at(fh, 0), "x-mbx-apikey"), "k1");
    CU_ASSERT_PTR_NULL(fake_http_header(fake_host_http_at(fh, 1), "x-mbx-apikey"));
    SQT_ASSERT_STR_EQ(fake_host_http_at(fh, 1)->method, "GET");
    CU_ASSERT_PTR_NULL(fake_host_http_at(fh, 1)->body);
    CU_ASSERT_PTR_NULL(fake_host_http_at(fh, 2));
    /* nothing runs until the test answers */
    fake_host_advance(fh, 60000);
    SQT_ASSERT_INT_EQ(s1.calls + s2.calls, 0);

    /* answer the second first */
    s2.in_reply = 1;
    fake_host_http_fail(fh, 1, SQT_ETIMEOUT);
    s2.in_reply = 0;
    SQT_ASSERT_INT_EQ(s2.calls, 1);
    SQT_ASSERT_INT_EQ(s2.err, SQT_ETIMEOUT);
    SQT_ASSERT_INT_EQ(s2.status, 0);
    CU_ASSERT_TRUE(s2.saw_in_reply);
    SQT_ASSERT_INT_EQ(fake_host_http_pending(fh), 1);

    s1.in_reply = 1;
    fake_host_http_reply(fh, 0, 429, "{\"code\":-1003}", rh);
    s1.in_reply = 0;
    SQT_ASSERT_INT_EQ(s1.calls, 1);
    SQT_ASSERT_INT_EQ(s1.status, 429);
    SQT_ASSERT_INT_EQ(s1.err, SQT_OK);
    SQT_ASSERT_STR_EQ(s1.body, "{\"code\":-1003}");
    SQT_ASSERT_STR_EQ(s1.hdr, "v1");
    CU_ASSERT_TRUE(s1.saw_in_reply);
    SQT_ASSERT_INT_EQ(fake_host_http_pending(fh), 0);
    SQT_ASSERT_INT_EQ(fake_host_http_total(fh), 2);
    CU_ASSERT_TRUE(fake_host_http_sent(fh, 0)->answered);
    SQT_ASSERT_STR_EQ(fake_host_http_sent(fh, 1)->url, "https://x.test/second");

    /* the handle is dead after the callback: cancelling it is a plugin bug */
    SQT_ASSERT_INT_EQ(fake_host_misuse_count(fh), 0);
    api->http_cancel(h, c1);
    SQT_ASSERT_INT_EQ(s1.calls, 1);
    SQT_ASSERT_INT_EQ(fake_host_misuse_count(fh), 1);
    /* answering a request that is not pending too */
    fake_host_http_reply(fh, 0, 200, "{}", NULL);
    SQT_ASSERT_INT_EQ(fake_host_misuse_count(fh), 2);
    fake_host_free(fh);
}

static void test_http_cancel(void)
{
    fake_host *fh = fake_host_new();
    const sqt_host_api *api = fake_host_api();
    sqt_host *h = fake_host_handle(fh);
    sqt_http_request req;
    http_seen s1, s2;
    sqt_http_call *c1, *c2;
    memset(&s1, 0, sizeof(s1));
    memset(&s2, 0, sizeof(s2));
    memset(&req, 0, sizeof(req));
    req.struct_size = sizeof(req);
    req.method = "GET";
    req.url = "https://x.test/";
    api->http_request(h, &req, http_cb, &s1, &c1);
    api->http_request(h, &req, http_cb, &s2, &c2);
    api->http_cancel(h, c1);
    SQT_ASSERT_INT_EQ(s1.calls, 1);
    SQT_ASSERT_INT_EQ(s1.err, SQT_ECANCELLED);
    SQT_ASSERT_INT_EQ(fake_host_http_pending(fh), 1);

    fake_host_set_cancel_deferred(fh, 1);
    api->http_cancel(h, c2);
    SQT_ASSERT_INT_EQ(s2.calls, 0);
    SQT_ASSERT_INT_EQ(fake_host_http_pending(fh), 0);
    fake_host_advance(fh, 0);
    SQT_ASSERT_INT_EQ(s2.calls, 1);
    SQT_ASSERT_INT_EQ(s2.err, SQT_ECANCELLED);
    fake_host_advance(fh, 0);
    SQT_ASSERT_INT_EQ(s1.calls + s2.calls, 2); /* exactly once each */
    SQT_ASSERT_INT_EQ(fake_host_misuse_count(fh), 0);
    fake_host_free(fh);
}

/* ---- WebSocket ------------------------------------------------------------------- */

typedef struct ws_seen {
    int opens, downs, closes, msgs;
    int down_code;
    char last[64];
    fake_host *fh;
} ws_seen;

static void ws_on_open(void *ud, sqt_ws *ws)
{
    ws_seen *s = ud;
    s->opens++;
    /* subscribing from on_open is the normal plugin pattern: sending must work here */
    if (fake_host_api()->ws_send(fake_host_handle(s->fh), ws, "sub", 3, 0) != SQT_OK)
        s->opens += 1000;
}

static void ws_on_message(void *ud, sqt_ws *ws, const char *d, size_t n, int bin)
{
    ws_seen *s = ud;
    (void)ws;
    (void)bin;
    s->msgs++;
    snprintf(s->last, sizeof(s->last), "%.*s", (int)n, d);
}

static void ws_on_down(void *ud, sqt_ws *ws, const sqt_error *why)
{
    ws_seen *s = ud;
    (void)ws;
    s->downs++;
    s->down_code = why->code;
}

static void ws_on_closed(void *ud, sqt_ws *ws)
{
    ws_seen *s = ud;
    (void)ws;
    s->closes++;
}

static void test_ws_lifecycle(void)
{
    fake_host *fh = fake_host_new();
    const sqt_host_api *api = fake_host_api();
    sqt_host *h = fake_host_handle(fh);
    sqt_ws_options opt;
    sqt_ws_callbacks cbs;
    sqt_header hdr[1] = {{"A", "b"}};
    ws_seen s;
    sqt_ws *ws = NULL;
    memset(&s, 0, sizeof(s));
    s.fh = fh;
    memset(&opt, 0, sizeof(opt));
    memset(&cbs, 0, sizeof(cbs));
    opt.struct_size = sizeof(opt);
    opt.url = "wss://stream.test/market/ws/ethusdt@aggTrade";
    opt.headers = hdr;
    opt.n_headers = 1;
    cbs.struct_size = sizeof(cbs);
    cbs.on_open = ws_on_open;
    cbs.on_message = ws_on_message;
    cbs.on_down = ws_on_down;
    cbs.on_closed = ws_on_closed;
    CU_ASSERT_EQUAL(api->ws_open(h, &opt, &cbs, &s, &ws), SQT_OK);
    opt.url = "https://not-a-websocket";
    CU_ASSERT_EQUAL(api->ws_open(h, &opt, &cbs, &s, NULL), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(fake_host_ws_count(fh), 1);
    SQT_ASSERT_STR_EQ(fake_host_ws_at(fh, 0)->url, "wss://stream.test/market/ws/ethusdt@aggTrade");
    SQT_ASSERT_STR_EQ(fake_host_ws_options(fh, 0)->headers[0].value, "b");
    /* not connected: no send, no messages */
    SQT_ASSERT_INT_EQ(api->ws_send(h, ws, "hi", 2, 0), SQT_ESTATE);
    fake_host_ws_message(fh, 0, "lost");
    SQT_ASSERT_INT_EQ(s.msgs, 0);

    fake_host_ws_connect(fh, 0);
    CU_ASSERT_TRUE(fake_host_ws_at(fh, 0)->open);
    SQT_ASSERT_INT_EQ(s.opens, 1);
    SQT_ASSERT_INT_EQ(api->ws_send(h, ws, "sub1", 4, 0), SQT_OK);
    SQT_ASSERT_INT_EQ(api->ws_send(h, ws, "sub2xx", 4, 0), SQT_OK);
    SQT_ASSERT_INT_EQ(fake_host_ws_at(fh, 0)->n_sent, 3);
    SQT_ASSERT_STR_EQ(fake_host_ws_at(fh, 0)->sent[0], "sub");
    SQT_ASSERT_STR_EQ(fake_host_ws_at(fh, 0)->sent[2], "sub2");
    fake_host_ws_message(fh, 0, "{\"p\":\"1\"}");
    SQT_ASSERT_INT_EQ(s.msgs, 1);
    SQT_ASSERT_STR_EQ(s.last, "{\"p\":\"1\"}");

    fake_host_ws_drop(fh, 0);
    SQT_ASSERT_INT_EQ(s.downs, 1);
    SQT_ASSERT_INT_EQ(s.down_code, SQT_ENETWORK);
    CU_ASSERT_FALSE(fake_host_ws_at(fh, 0)->open);
    fake_host_ws_connect(fh, 0); /* the host reconnected: on_open again */
    CU_ASSERT_TRUE(fake_host_ws_at(fh, 0)->open);
    SQT_ASSERT_INT_EQ(s.opens, 2);

    SQT_ASSERT_INT_EQ(api->ws_close(h, ws), SQT_OK);
    CU_ASSERT_TRUE(fake_host_ws_at(fh, 0)->closed);
    SQT_ASSERT_INT_EQ(s.closes, 0); /* asynchronous */
    fake_host_ws_message(fh, 0, "after close");
    SQT_ASSERT_INT_EQ(s.msgs, 1);
    fake_host_advance(fh, 0);
    SQT_ASSERT_INT_EQ(s.closes, 1);
    CU_ASSERT_TRUE(fake_host_ws_finished(fh, 0));
    fake_host_advance(fh, 0);
    SQT_ASSERT_INT_EQ(s.closes, 1);
    SQT_ASSERT_INT_EQ(fake_host_misuse_count(fh), 0);
    SQT_ASSERT_INT_EQ(api->ws_send(h, ws, "x", 1, 0), SQT_ESTATE);
    SQT_ASSERT_INT_EQ(fake_host_misuse_count(fh), 1);
    fake_host_free(fh);
}

static void test_ws_give_up(void)
{
    fake_host *fh = fake_host_new();
    const sqt_host_api *api = fake_host_api();
    sqt_ws_options opt;
    sqt_ws_callbacks cbs;
    ws_seen s;
    memset(&s, 0, sizeof(s));
    s.fh = fh;
    memset(&opt, 0, sizeof(opt));
    memset(&cbs, 0, sizeof(cbs));
    opt.struct_size = sizeof(opt);
    opt.url = "ws://127.0.0.1:1/x";
    cbs.struct_size = sizeof(cbs);
    cbs.on_down = ws_on_down;
    cbs.on_closed = ws_on_closed;
    api->ws_open(fake_host_handle(fh), &opt, &cbs, &s, NULL);
    fake_host_ws_connect(fh, 0);
    fake_host_ws_give_up(fh, 0);
    SQT_ASSERT_INT_EQ(s.downs, 1);
    SQT_ASSERT_INT_EQ(s.closes, 1);
    CU_ASSERT_TRUE(fake_host_ws_finished(fh, 0));
    fake_host_free(fh);
}

static void test_ws_close_delay(void)
{
    fake_host *fh = fake_host_new();
    const sqt_host_api *api = fake_host_api();
    sqt_ws_options opt;
    sqt_ws_callbacks cbs;
    ws_seen s;
    sqt_ws *ws = NULL;
    memset(&s, 0, sizeof(s));
    s.fh = fh;
    memset(&opt, 0, sizeof(opt));
    memset(&cbs, 0, sizeof(cbs));
    opt.struct_size = sizeof(opt);
    opt.url = "ws://127.0.0.1:1/x";
    cbs.struct_size = sizeof(cbs);
    cbs.on_closed = ws_on_closed;
    fake_host_set_ws_close_delay(fh, 30);
    api->ws_open(fake_host_handle(fh), &opt, &cbs, &s, &ws);
    fake_host_ws_connect(fh, 0);
    api->ws_close(fake_host_handle(fh), ws);
    fake_host_advance(fh, 29);
    SQT_ASSERT_INT_EQ(s.closes, 0);
    fake_host_advance(fh, 1);
    SQT_ASSERT_INT_EQ(s.closes, 1);
    CU_ASSERT_TRUE(fake_host_ws_finished(fh, 0));
    SQT_ASSERT_INT_EQ(fake_host_active_timers(fh), 0);
    fake_host_free(fh);
}

/* ---- secrets, config, log, rate ------------------------------------------------ */

static void test_lookup_log_rate(void)
{
    fake_host *fh = fake_host_new();
    const sqt_host_api *api = fake_host_api();
    sqt_host *h = fake_host_handle(fh);
    char buf[8];
    sqt_rate_usage u;
    fake_host_set_secret(fh, "api_key", "abc");
    fake_host_set_config(fh, "rest_url", "http://127.0.0.1:9");
    fake_host_set_config(fh, "recv_window", "5000");
    fake_host_set_config(fh, "recv_window", "6000");
    SQT_ASSERT_INT_EQ(api->secret(h, "api_key", buf, sizeof(buf)), 3);
    SQT_ASSERT_STR_EQ(buf, "abc");
    SQT_ASSERT_INT_EQ(api->secret(h, "secret_key", buf, sizeof(buf)), SQT_ENOENT);
    SQT_ASSERT_INT_EQ(api->config(h, "api_key", buf, sizeof(buf)), SQT_ENOENT);
    SQT_ASSERT_INT_EQ(api->config(h, "rest_url", buf, sizeof(buf)), SQT_ERANGE);
    SQT_ASSERT_INT_EQ(api->config(h, "recv_window", buf, sizeof(buf)), 4);
    SQT_ASSERT_STR_EQ(buf, "6000");
    fake_host_set_config(fh, "empty", "");
    SQT_ASSERT_INT_EQ(api->config(h, "empty", buf, sizeof(buf)), SQT_ENOENT);
    fake_host_set_config(fh, "recv_window", NULL);
    SQT_ASSERT_INT_EQ(api->config(h, "recv_window", buf, sizeof(buf)), SQT_ENOENT);

    api->log(h, SQT_LOG_WARN, "listenKey expired");
    api->log(h, SQT_LOG_DEBUG, "x");
    SQT_ASSERT_INT_EQ(fake_host_log_count(fh), 2);
    SQT_ASSERT_STR_EQ(fake_host_log_at(fh, 0), "WARN listenKey expired");
    SQT_ASSERT_STR_EQ(fake_host_log_at(fh, 1), "DEBUG x");
    CU_ASSERT_TRUE(fake_host_log_contains(fh, "Key exp"));
    CU_ASSERT_FALSE(fake_host_log_contains(fh, "abc"));

    u = fake_host_last_rate_usage(fh);
    SQT_ASSERT_INT_EQ(u.used_weight, 0);
    SQT_ASSERT_INT_EQ(fake_host_rate_usage_count(fh), 0);
    memset(&u, 0, sizeof(u));
    u.used_weight = 17;
    u.banned_until_ms = 99;
    api->rate_usage(h, &u);
    u = fake_host_last_rate_usage(fh);
    SQT_ASSERT_INT_EQ(u.used_weight, 17);
    SQT_ASSERT_INT_EQ(u.banned_until_ms, 99);
    SQT_ASSERT_INT_EQ(fake_host_rate_usage_count(fh), 1);
    fake_host_free(fh);
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"clocks", test_clocks},
        {"timer order", test_timer_order},
        {"timer repeat and self stop", test_timer_repeat_and_self_stop},
        {"timer started from callback", test_timer_started_from_callback},
        {"http queue", test_http_queue},
        {"http cancel", test_http_cancel},
        {"ws lifecycle", test_ws_lifecycle},
        {"ws give up", test_ws_give_up},
        {"ws close delay", test_ws_close_delay},
        {"lookup log rate", test_lookup_log_rate},
        {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("fake_host", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
