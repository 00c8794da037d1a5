/* The kit's signed-REST engine (sdk/kit/rest.c) through the fake host, with two small
 * dialects: one signing ms into the query (Binance's shape), one signing seconds into
 * headers over METHOD\nPATH\nQUERY\nsha512hex(body)\nts (Gate's shape). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opensqt/fakehost.h>
#include <opensqt/pluginkit.h>

#include "sqt_test.h"

#define WALL0 INT64_C(1735000000000)

/* ---- a test dialect ------------------------------------------------------------------ */

typedef struct owner {
    int finished;              /* on_finish calls */
    int answers;               /* on_answer calls */
    int seconds;               /* Gate's shape */
} owner;

static int parse_time(const char *body, size_t len, int64_t *ms, sqt_error *e)
{
    json_t *j = sqt_kit_json_load(body, len, "time", e);
    int rc;
    if (j == NULL)
        return e->code;
    rc = sqt_kit_json_i64(j, "serverTime", ms, "time", e);
    json_decref(j);
    return rc;
}

static int prepare(void *ud, const sqt_kit_call *c, int64_t server_ms, sqt_kit_wire *w)
{
    owner *o = ud;
    char ts[32], sig[SQT_KIT_HMAC_MAX * 2 + 1];
    int rc;
    if (c->auth == SQT_KIT_AUTH_NONE)
        return SQT_OK;
    if ((rc = sqt_kit_wire_header(w, "KEY", "the-key")) != SQT_OK)
        return rc;
    if (c->auth != SQT_KIT_AUTH_SIGNED)
        return SQT_OK;
    if (o->seconds) {
        char bodyhash[129], msg[1024];
        snprintf(ts, sizeof(ts), "%lld", (long long)(server_ms / 1000));
        /* sha512 of the body stands in as an HMAC with the empty key: what matters here
         * is that the engine hands over the body and the seconds */
        rc = sqt_kit_hmac_hex(SQT_KIT_SHA512, "", sqt_kit_query_str(&w->body), w->body.len,
                              bodyhash, sizeof(bodyhash));
        if (rc != SQT_OK)
            return rc;
        snprintf(msg, sizeof(msg), "%s\n%s\n%s\n%s\n%s", c->method, c->path,
                 sqt_kit_query_str(&w->query), bodyhash, ts);
        if ((rc = sqt_kit_hmac_hex(SQT_KIT_SHA512, "secret", msg, strlen(msg), sig,
                                   sizeof(sig))) != SQT_OK)
            return rc;
        if ((rc = sqt_kit_wire_header(w, "Timestamp", ts)) != SQT_OK)
            return rc;
        return sqt_kit_wire_header(w, "SIGN", sig);
    }
    sqt_kit_query_add_int(&w->query, "timestamp", (long long)server_ms);
    if ((rc = sqt_kit_hmac_hex(SQT_KIT_SHA256, "secret", sqt_kit_query_str(&w->query),
                               w->query.len, sig, sizeof(sig))) != SQT_OK)
        return rc;
    sqt_kit_query_add(&w->query, "signature", sig);
    return w->query.err;
}

/* 200 {"ok":1} is a success; {"code":N,"msg":..} an error: 1021 clock, 7 other clock,
 * 418 ban (Retry-After) */
static void classify(void *ud, const sqt_kit_call *c, const sqt_http_response *resp,
                     int64_t now_ms, sqt_error *e)
{
    json_t *j;
    json_int_t code;
    (void)ud;
    (void)c;
    (void)now_ms;
    e->http_status = resp->status;
    if (resp->status == 418) {
        e->code = SQT_EBANNED;
        e->retry_after_ms = sqt_kit_retry_after_ms(
            sqt_kit_header(resp->headers, resp->n_headers, "Retry-After"));
        snprintf(e->message, sizeof(e->message), "banned");
        return;
    }
    if ((j = json_loadb(resp->body, resp->body_len, 0, NULL)) == NULL) {
        sqt_kit_fail(e, SQT_EPROTO, "not JSON");
        return;
    }
    if (json_is_integer(json_object_get(j, "code"))) {
        code = json_integer_value(json_object_get(j, "code"));
        snprintf(e->exch_code, sizeof(e->exch_code), "%lld", (long long)code);
        e->code = code == 1021 || code == 7 ? SQT_ETIMESTAMP : SQT_EEXCHANGE;
        snprintf(e->message, sizeof(e->message), "code %lld", (long long)code);
        e->http_status = resp->status;
    }
    json_decref(j);
}

static int clock_refusal(void *ud, const sqt_error *e)
{
    (void)ud;
    return strcmp(e->exch_code, "1021") == 0;
}

static void on_answer(void *ud, const sqt_kit_call *c, const sqt_http_response *resp,
                      const sqt_error *e)
{
    (void)c;
    (void)resp;
    (void)e;
    ((owner *)ud)->answers++;
}

static void on_finish(void *ud)
{
    ((owner *)ud)->finished++;
}

static const sqt_kit_rest_dialect dialect = {
    "Test", "/time", parse_time, prepare, classify, clock_refusal, on_answer, on_finish};

/* ---- outcomes ------------------------------------------------------------------------ */

typedef struct got {
    int calls;
    sqt_error err;
    char body[128];
} got;

static void done(sqt_kit_call *c, const sqt_kit_answer *a)
{
    got *g = c->ctx;
    g->calls++;
    g->err = a->err;
    snprintf(g->body, sizeof(g->body), "%.*s", (int)a->len, a->body != NULL ? a->body : "");
}

static sqt_kit_rest_req req(const char *method, const char *path, const char *query,
                            const char *body, int auth, got *g)
{
    sqt_kit_rest_req q;
    memset(&q, 0, sizeof(q));
    q.method = method;
    q.path = path;
    q.query = query;
    q.body = body;
    q.auth = auth;
    q.done = done;
    q.ctx = g;
    return q;
}

typedef struct fx {
    fake_host *fh;
    sqt_kit_rest rest;
    owner o;
} fx;

static void fx_init(fx *f, int seconds)
{
    memset(f, 0, sizeof(*f));
    f->fh = fake_host_new();
    f->o.seconds = seconds;
    sqt_kit_rest_init(&f->rest, fake_host_api(), fake_host_handle(f->fh), &dialect, &f->o,
                      "https://api.test");
}

static void fx_end(fx *f)
{
    CU_ASSERT_FALSE(sqt_kit_rest_busy(&f->rest));
    SQT_ASSERT_INT_EQ(fake_host_misuse_count(f->fh), 0);
    sqt_kit_rest_free_all(&f->rest);
    fake_host_free(f->fh);
}

/* ---- cases --------------------------------------------------------------------------- */

/* A signed call waits for the clock; the measured offset is in its timestamp. */
static void test_parks_until_clock(void)
{
    fx f;
    got a = {0}, b = {0}, pub = {0};
    sqt_kit_rest_req q = req("GET", "/order", "symbol=ETHUSDT", NULL, SQT_KIT_AUTH_SIGNED, &a);
    fake_http *h;
    char want[64];
    fx_init(&f, 0);
    SQT_ASSERT_INT_EQ(sqt_kit_rest_send(&f.rest, &q), SQT_OK);
    q.ctx = &b;
    SQT_ASSERT_INT_EQ(sqt_kit_rest_send(&f.rest, &q), SQT_OK);
    /* a public call is not held back */
    q = req("GET", "/depth", NULL, NULL, SQT_KIT_AUTH_NONE, &pub);
    SQT_ASSERT_INT_EQ(sqt_kit_rest_send(&f.rest, &q), SQT_OK);
    SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 2); /* the time and the public call */
    SQT_ASSERT_STR_EQ(fake_host_http_at(f.fh, 0)->url, "https://api.test/time");
    SQT_ASSERT_STR_EQ(fake_host_http_at(f.fh, 1)->url, "https://api.test/depth");
    CU_ASSERT_PTR_NULL(fake_http_header(fake_host_http_at(f.fh, 1), "KEY"));
    /* the round trip takes 100 ms; the server is 5 s ahead at its middle */
    fake_host_advance(f.fh, 100);
    snprintf(want, sizeof(want), "{\"serverTime\":%lld}", (long long)(WALL0 + 5050));
    fake_host_http_reply(f.fh, 0, 200, want, NULL);
    SQT_ASSERT_INT_EQ(f.rest.offset_ms, 5000);
    CU_ASSERT_TRUE(fake_host_log_contains(f.fh, "server time offset 5000 ms"));
    SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 3);
    h = fake_host_http_at(f.fh, 1);
    snprintf(want, sizeof(want), "symbol=ETHUSDT&timestamp=%lld", (long long)(WALL0 + 5100));
    SQT_ASSERT_CONTAINS(h->url, want);
    SQT_ASSERT_CONTAINS(h->url, "&signature=");
    SQT_ASSERT_STR_EQ(fake_http_header(h, "KEY"), "the-key");
    SQT_ASSERT_INT_EQ(sqt_kit_rest_server_now(&f.rest), WALL0 + 5100);
    fake_host_http_reply(f.fh, 2, 200, "{\"ok\":2}", NULL);
    fake_host_http_reply(f.fh, 1, 200, "{\"ok\":1}", NULL);
    fake_host_http_reply(f.fh, 0, 200, "{\"ok\":0}", NULL);
    SQT_ASSERT_INT_EQ(a.calls + b.calls + pub.calls, 3);
    SQT_ASSERT_INT_EQ(a.err.code, SQT_OK);
    SQT_ASSERT_STR_EQ(pub.body, "{\"ok\":0}");
    SQT_ASSERT_INT_EQ(f.o.finished, 4);  /* the time call too */
    /* known now: the next signed call goes at once */
    q = req("POST", "/order", NULL, NULL, SQT_KIT_AUTH_SIGNED, &a);
    SQT_ASSERT_INT_EQ(sqt_kit_rest_send(&f.rest, &q), SQT_OK);
    SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 1);
    SQT_ASSERT_STR_EQ(fake_host_http_at(f.fh, 0)->method, "POST");
    fake_host_http_reply(f.fh, 0, 200, "{}", NULL);
    fx_end(&f);
}

/* An unreadable time answer: the calls go with the local clock, nothing is lost. */
static void test_clock_unreadable(void)
{
    fx f;
    got a = {0};
    sqt_kit_rest_req q = req("GET", "/order", NULL, NULL, SQT_KIT_AUTH_SIGNED, &a);
    fx_init(&f, 0);
    SQT_ASSERT_INT_EQ(sqt_kit_rest_send(&f.rest, &q), SQT_OK);
    fake_host_http_reply(f.fh, 0, 200, "{\"serverTime\":\"soon\"}", NULL);
    CU_ASSERT_TRUE(fake_host_log_contains(f.fh, "cannot read the server time"));
    SQT_ASSERT_INT_EQ(f.rest.offset_ms, 0);
    SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 1);
    fake_host_http_fail(f.fh, 0, SQT_ENETWORK);
    SQT_ASSERT_INT_EQ(a.calls, 1);
    SQT_ASSERT_INT_EQ(a.err.code, SQT_ENETWORK);
    fx_end(&f);
}

/* A clock refusal re-measures and retries once, signed afresh; a second one is final. */
static void test_clock_refusal_retry(void)
{
    fx f;
    got a = {0}, b = {0};
    sqt_kit_rest_req q = req("DELETE", "/order", "id=1", NULL, SQT_KIT_AUTH_SIGNED, &a);
    char t[64];
    fx_init(&f, 0);
    f.rest.clock = SQT_KIT_CLOCK_KNOWN; /* as if measured */
    SQT_ASSERT_INT_EQ(sqt_kit_rest_send(&f.rest, &q), SQT_OK);
    fake_host_http_reply(f.fh, 0, 400, "{\"code\":1021}", NULL);
    SQT_ASSERT_INT_EQ(a.calls, 0);
    CU_ASSERT_TRUE(fake_host_log_contains(f.fh, "1021 on DELETE /order: re-measuring"));
    SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 1);
    SQT_ASSERT_STR_EQ(fake_host_http_at(f.fh, 0)->url, "https://api.test/time");
    snprintf(t, sizeof(t), "{\"serverTime\":%lld}", (long long)(WALL0 - 3000));
    fake_host_http_reply(f.fh, 0, 200, t, NULL);
    SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 1);
    snprintf(t, sizeof(t), "id=1&timestamp=%lld", (long long)(WALL0 - 3000));
    SQT_ASSERT_CONTAINS(fake_host_http_at(f.fh, 0)->url, t);
    fake_host_http_reply(f.fh, 0, 400, "{\"code\":1021}", NULL);
    SQT_ASSERT_INT_EQ(a.calls, 1);
    SQT_ASSERT_INT_EQ(a.err.code, SQT_ETIMESTAMP);
    SQT_ASSERT_STR_EQ(a.err.exch_code, "1021");
    /* a timestamp error the dialect does not call a clock refusal is not retried, but
     * the clock is measured again before the next signed call */
    f.rest.clock = SQT_KIT_CLOCK_KNOWN;
    q.ctx = &b;
    SQT_ASSERT_INT_EQ(sqt_kit_rest_send(&f.rest, &q), SQT_OK);
    fake_host_http_reply(f.fh, 0, 400, "{\"code\":7}", NULL);
    SQT_ASSERT_INT_EQ(b.calls, 1);
    SQT_ASSERT_INT_EQ(b.err.code, SQT_ETIMESTAMP);
    SQT_ASSERT_INT_EQ(f.rest.clock, SQT_KIT_CLOCK_UNKNOWN);
    fx_end(&f);
}

/* A ban refuses every call locally until it ends; a timed-out mutating call is an
 * unknown outcome, a timed-out read a timeout. */
static void test_ban_and_timeouts(void)
{
    static const char *const retry[] = {"Retry-After: 60", NULL};
    fx f;
    got a = {0};
    sqt_kit_rest_req q = req("GET", "/depth", NULL, NULL, SQT_KIT_AUTH_NONE, &a);
    fx_init(&f, 0);
    SQT_ASSERT_INT_EQ(sqt_kit_rest_send(&f.rest, &q), SQT_OK);
    fake_host_http_reply(f.fh, 0, 418, "", retry);
    SQT_ASSERT_INT_EQ(a.err.code, SQT_EBANNED);
    SQT_ASSERT_INT_EQ(f.o.answers, 1);
    CU_ASSERT_TRUE(fake_host_log_contains(f.fh, "ERROR BANNED by Test (HTTP 418"));
    SQT_ASSERT_INT_EQ(sqt_kit_rest_send(&f.rest, &q), SQT_EBANNED);
    CU_ASSERT_TRUE(fake_host_log_contains(f.fh, "/depth refused locally"));
    SQT_ASSERT_INT_EQ(fake_host_http_total(f.fh), 1);
    fake_host_set_wall_ms(f.fh, WALL0 + 61000);
    SQT_ASSERT_INT_EQ(sqt_kit_rest_send(&f.rest, &q), SQT_OK);
    fake_host_http_fail(f.fh, 0, SQT_ETIMEOUT);
    SQT_ASSERT_INT_EQ(a.err.code, SQT_ETIMEOUT);
    q = req("POST", "/order", NULL, "{\"p\":1}", SQT_KIT_AUTH_KEY, &a);
    q.mutating = 1;
    SQT_ASSERT_INT_EQ(sqt_kit_rest_send(&f.rest, &q), SQT_OK);
    SQT_ASSERT_STR_EQ(fake_host_http_at(f.fh, 0)->body, "{\"p\":1}");
    fake_host_http_fail(f.fh, 0, SQT_ETIMEOUT);
    SQT_ASSERT_INT_EQ(a.err.code, SQT_EUNKNOWN_STATUS);
    fx_end(&f);
}

/* Gate's shape: seconds, the body hashed, KEY/SIGN/Timestamp headers. */
static void test_seconds_dialect(void)
{
    fx f;
    got a = {0};
    sqt_kit_rest_req q = req("POST", "/api/v4/futures/usdt/orders", "settle=usdt",
                             "{\"size\":1}", SQT_KIT_AUTH_SIGNED, &a);
    fake_http *h;
    char msg[512], bodyhash[129], sig[129], t[64];
    fx_init(&f, 1);
    SQT_ASSERT_INT_EQ(sqt_kit_rest_send(&f.rest, &q), SQT_OK);
    snprintf(t, sizeof(t), "{\"serverTime\":%lld}", (long long)(WALL0 + 2500));
    fake_host_http_reply(f.fh, 0, 200, t, NULL);
    h = fake_host_http_at(f.fh, 0);
    SQT_ASSERT_STR_EQ(h->url, "https://api.test/api/v4/futures/usdt/orders?settle=usdt");
    snprintf(t, sizeof(t), "%lld", (long long)((WALL0 + 2500) / 1000));
    SQT_ASSERT_STR_EQ(fake_http_header(h, "Timestamp"), t);
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_hex(SQT_KIT_SHA512, "", "{\"size\":1}", 10, bodyhash,
                                       sizeof(bodyhash)),
                      SQT_OK);
    snprintf(msg, sizeof(msg), "POST\n/api/v4/futures/usdt/orders\nsettle=usdt\n%s\n%s",
             bodyhash, t);
    SQT_ASSERT_INT_EQ(sqt_kit_hmac_hex(SQT_KIT_SHA512, "secret", msg, strlen(msg), sig,
                                       sizeof(sig)),
                      SQT_OK);
    SQT_ASSERT_STR_EQ(fake_http_header(h, "SIGN"), sig);
    SQT_ASSERT_STR_EQ(h->body, "{\"size\":1}");
    fake_host_http_reply(f.fh, 0, 201, "{\"id\":5}", NULL);
    SQT_ASSERT_INT_EQ(a.err.code, SQT_OK);
    SQT_ASSERT_STR_EQ(a.body, "{\"id\":5}");
    fx_end(&f);
}

/* Shutdown: parked and sent calls end cancelled, new ones are refused, an unsigned
 * at_shutdown call still goes; destroy frees what is left. */
static void test_cancel_all(void)
{
    fx f;
    got a = {0}, b = {0}, c = {0}, d = {0};
    sqt_kit_rest_req q = req("GET", "/order", NULL, NULL, SQT_KIT_AUTH_SIGNED, &a);
    fx_init(&f, 0);
    SQT_ASSERT_INT_EQ(sqt_kit_rest_send(&f.rest, &q), SQT_OK); /* parked */
    q = req("GET", "/depth", NULL, NULL, SQT_KIT_AUTH_NONE, &b);
    SQT_ASSERT_INT_EQ(sqt_kit_rest_send(&f.rest, &q), SQT_OK); /* sent */
    sqt_kit_rest_cancel_all(&f.rest);
    SQT_ASSERT_INT_EQ(a.calls, 1);
    SQT_ASSERT_INT_EQ(a.err.code, SQT_ECANCELLED);
    SQT_ASSERT_INT_EQ(b.calls, 1);
    SQT_ASSERT_INT_EQ(b.err.code, SQT_ECANCELLED);
    CU_ASSERT_FALSE(sqt_kit_rest_busy(&f.rest));
    SQT_ASSERT_INT_EQ(sqt_kit_rest_send(&f.rest, &q), SQT_ECANCELLED);
    q = req("DELETE", "/listenKey", NULL, NULL, SQT_KIT_AUTH_KEY, &c);
    q.at_shutdown = 1;
    SQT_ASSERT_INT_EQ(sqt_kit_rest_send(&f.rest, &q), SQT_OK);
    q = req("DELETE", "/order", NULL, NULL, SQT_KIT_AUTH_SIGNED, &d);
    q.at_shutdown = 1;
    SQT_ASSERT_INT_EQ(sqt_kit_rest_send(&f.rest, &q), SQT_ECANCELLED);
    CU_ASSERT_TRUE(sqt_kit_rest_busy(&f.rest));
    fake_host_http_reply(f.fh, 0, 200, "{}", NULL);
    SQT_ASSERT_INT_EQ(c.calls, 1);
    SQT_ASSERT_INT_EQ(c.err.code, SQT_OK);
    fx_end(&f);
}

/* Bad input: a request without a callback, a wire that is full. */
static void test_refusals(void)
{
    fx f;
    sqt_kit_rest_req q = req("GET", "/x", NULL, NULL, SQT_KIT_AUTH_NONE, NULL);
    sqt_kit_wire *w = calloc(1, sizeof(*w));
    char big[600];
    int i;
    fx_init(&f, 0);
    q.done = NULL;
    SQT_ASSERT_INT_EQ(sqt_kit_rest_send(&f.rest, &q), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(sqt_kit_rest_send(&f.rest, NULL), SQT_EINVAL);
    memset(big, 'v', sizeof(big) - 1);
    big[sizeof(big) - 1] = '\0';
    SQT_ASSERT_INT_EQ(sqt_kit_wire_header(w, "A", big), SQT_OK);
    SQT_ASSERT_INT_EQ(sqt_kit_wire_header(w, "B", big), SQT_OK);
    SQT_ASSERT_INT_EQ(sqt_kit_wire_header(w, "C", big), SQT_ERANGE);
    SQT_ASSERT_INT_EQ(sqt_kit_wire_header(w, "D", NULL), SQT_EINVAL);
    for (i = 0; i < SQT_KIT_WIRE_HEADERS; i++)
        sqt_kit_wire_header(w, "E", "e");
    SQT_ASSERT_INT_EQ(w->n_headers, SQT_KIT_WIRE_HEADERS);
    SQT_ASSERT_STR_EQ(w->headers[1].value, big);
    free(w);
    fx_end(&f);
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"signed calls park until the server time is known", test_parks_until_clock},
        {"an unreadable server time: the local clock", test_clock_unreadable},
        {"a clock refusal: re-measure, retry once", test_clock_refusal_retry},
        {"ban refused locally; timeouts of reads and of orders", test_ban_and_timeouts},
        {"a seconds dialect signing headers over the body hash", test_seconds_dialect},
        {"shutdown: cancel all, refuse, at_shutdown calls", test_cancel_all},
        {"bad requests and a full wire", test_refusals},
        {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("sdk_kitrest", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
