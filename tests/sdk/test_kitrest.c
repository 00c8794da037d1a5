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
    int prepared;              /* prepare calls with a key */
    char last_sig[SQT_KIT_HMAC_MAX * 2 + 1];
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
        return SQT_OK; /* ud need not be an owner then (test_plugin_life's dialect) */
    o->prepared++;
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
    snprintf(o->last_sig, sizeof(o->last_sig), "%s", sig);
    sqt_kit_query_add(&w->query, "signature", sig);
    return w->query.err;
}

/* 200 {"ok":1} (or any text not JSON) is a success; {"code":N,"msg":..} an error:
 * 1021 clock, 7 other clock, 418 ban (Retry-After) */
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
    if ((j = json_loadb(resp->body, resp->body_len, 0, NULL)) == NULL)
        return; /* not JSON: a payload for the operation's own reader */
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
    sqt_kit_rest_req q = sqt_kit_rest_req_of(method, path, query, body, auth);
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

/* warm: the request built and signed as a send would (the dialect's prepare runs, with
 * the clock as it stands) and thrown away: nothing sent, not even the server-time
 * measurement a first signed send starts, no call recorded, the header values wiped;
 * the next real request is signed the same. Nothing once closing. */
static void test_warm(void)
{
    static const char zero[sizeof("the-key")];
    fx f;
    got a = {0};
    char warm_sig[sizeof(f.o.last_sig)];
    sqt_kit_rest_req q = sqt_kit_rest_req_of("GET", "/order", "symbol=ETHUSDT", NULL,
                                             SQT_KIT_AUTH_SIGNED); /* no done: never runs */
    fx_init(&f, 0);
    sqt_kit_rest_warm(&f.rest, &q);
    SQT_ASSERT_INT_EQ(f.o.prepared, 1);
    CU_ASSERT_TRUE(f.o.last_sig[0] != '\0');
    snprintf(warm_sig, sizeof(warm_sig), "%s", f.o.last_sig);
    SQT_ASSERT_INT_EQ(fake_host_http_total(f.fh), 0);
    CU_ASSERT_FALSE(sqt_kit_rest_busy(&f.rest));
    SQT_ASSERT_INT_EQ(f.rest.wire.store_len, 0);
    CU_ASSERT_EQUAL(memcmp(f.rest.wire.store, zero, sizeof(zero)), 0);
    sqt_kit_rest_warm(&f.rest, NULL);
    q.path = NULL;
    sqt_kit_rest_warm(&f.rest, &q);
    SQT_ASSERT_INT_EQ(f.o.prepared, 1);
    /* the real one at the same clock: measured first, then the same signature */
    q = req("GET", "/order", "symbol=ETHUSDT", NULL, SQT_KIT_AUTH_SIGNED, &a);
    SQT_ASSERT_INT_EQ(sqt_kit_rest_send(&f.rest, &q), SQT_OK);
    SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 1);
    fake_host_http_reply(f.fh, 0, 200, "{\"serverTime\":1735000000000}", NULL);
    SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 1);
    SQT_ASSERT_STR_EQ(f.o.last_sig, warm_sig);
    SQT_ASSERT_CONTAINS(fake_host_http_at(f.fh, 0)->url, warm_sig);
    fake_host_http_reply(f.fh, 0, 200, "{}", NULL);
    SQT_ASSERT_INT_EQ(a.calls, 1);
    sqt_kit_rest_cancel_all(&f.rest);
    sqt_kit_rest_warm(&f.rest, &q);
    SQT_ASSERT_INT_EQ(f.o.prepared, 2); /* then the real one; not since */
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

/* The engine reuses one wire and one URL buffer for every request: each request carries
 * exactly its own query, body and headers, never what a longer one before it left. */
static void test_scratch_reuse(void)
{
    fx f;
    got g[4];
    char longq[700], longb[900], url[800];
    fake_http *h;
    memset(g, 0, sizeof(g));
    memset(longq, 'q', sizeof(longq) - 1);
    longq[sizeof(longq) - 1] = '\0';
    memcpy(longq, "a=", 2);
    memset(longb, 'b', sizeof(longb) - 1);
    longb[sizeof(longb) - 1] = '\0';
    memcpy(longb, "c=", 2);
    fx_init(&f, 0);
    /* long query and long body, with the key header */
    sqt_kit_rest_req q = req("PUT", "/long", longq, longb, SQT_KIT_AUTH_KEY, &g[0]);
    SQT_ASSERT_INT_EQ(sqt_kit_rest_send(&f.rest, &q), SQT_OK);
    /* then short, without a header, a body or a query */
    q = req("GET", "/s", "x=1", NULL, SQT_KIT_AUTH_NONE, &g[1]);
    SQT_ASSERT_INT_EQ(sqt_kit_rest_send(&f.rest, &q), SQT_OK);
    q = req("POST", "/p", NULL, "y=2", SQT_KIT_AUTH_NONE, &g[2]);
    SQT_ASSERT_INT_EQ(sqt_kit_rest_send(&f.rest, &q), SQT_OK);
    q = req("DELETE", "/d", NULL, NULL, SQT_KIT_AUTH_NONE, &g[3]);
    SQT_ASSERT_INT_EQ(sqt_kit_rest_send(&f.rest, &q), SQT_OK);
    SQT_ASSERT_INT_EQ(fake_host_http_pending(f.fh), 4);
    h = fake_host_http_at(f.fh, 0);
    snprintf(url, sizeof(url), "https://api.test/long?%s", longq);
    SQT_ASSERT_STR_EQ(h->url, url);
    SQT_ASSERT_STR_EQ(h->body, longb);
    SQT_ASSERT_INT_EQ(h->body_len, strlen(longb));
    SQT_ASSERT_INT_EQ(h->n_headers, 1);
    SQT_ASSERT_STR_EQ(h->header_values[0], "the-key");
    h = fake_host_http_at(f.fh, 1);
    SQT_ASSERT_STR_EQ(h->url, "https://api.test/s?x=1");
    SQT_ASSERT_INT_EQ(h->body_len, 0);
    SQT_ASSERT_INT_EQ(h->n_headers, 0);
    h = fake_host_http_at(f.fh, 2);
    SQT_ASSERT_STR_EQ(h->url, "https://api.test/p");
    SQT_ASSERT_INT_EQ(h->body_len, 3);
    SQT_ASSERT_STR_EQ(h->body, "y=2");
    h = fake_host_http_at(f.fh, 3);
    SQT_ASSERT_STR_EQ(h->url, "https://api.test/d");
    SQT_ASSERT_INT_EQ(h->body_len, 0);
    /* the key header's value does not stay in the engine after the send */
    {
        static const char zero[sizeof("the-key")];
        SQT_ASSERT_INT_EQ(f.rest.wire.store_len, 0);
        CU_ASSERT_EQUAL(memcmp(f.rest.wire.store, zero, sizeof(zero)), 0);
    }
    while (fake_host_http_pending(f.fh) > 0)
        fake_host_http_reply(f.fh, 0, 200, "ok", NULL);
    SQT_ASSERT_INT_EQ(g[0].calls + g[1].calls + g[2].calls + g[3].calls, 4);
    fx_end(&f);
}

/* ---- operation skeletons --------------------------------------------------------------- */

static int info_parse_ok(void *ud, const char *body, size_t len, sqt_symbol_info *out,
                         sqt_error *e)
{
    (void)ud;
    if (len < 3 || body[2] != 't')
        return sqt_kit_fail(e, SQT_EPROTO, "no tick");
    snprintf(out->symbol, sizeof(out->symbol), "ETHUSDT");
    out->max_batch_place = 2;
    return SQT_OK;
}

typedef struct info_got {
    int calls;
    int code;
    int have;
    int decimals;
} info_got;

static void info_cb(void *ud, const sqt_error *e, const sqt_symbol_info *info)
{
    info_got *g = ud;
    g->calls++;
    g->code = e->code;
    g->have = info != NULL;
    if (info != NULL)
        g->decimals = info->max_batch_place;
}

static int klines_parse_ok(const char *body, size_t len, const char *symbol,
                           const char *interval, int64_t now_ms, sqt_kline **out, size_t *n,
                           sqt_error *e)
{
    (void)body;
    (void)len;
    if (strcmp(interval, "1m") != 0)
        return sqt_kit_fail(e, SQT_EPROTO, "interval");
    if ((*out = calloc(2, sizeof(**out))) == NULL)
        return sqt_kit_fail(e, SQT_ENOMEM, "oom");
    snprintf((*out)[0].symbol, sizeof((*out)[0].symbol), "%s", symbol);
    (*out)[1].open_time_ms = now_ms;
    *n = 2;
    return SQT_OK;
}

typedef struct klines_got {
    int calls;
    int code;
    size_t n;
    char symbol[SQT_SYMBOL_MAX];
    int64_t last;
} klines_got;

static void klines_cb(void *ud, const sqt_error *e, const sqt_kline *k, size_t n)
{
    klines_got *g = ud;
    g->calls++;
    g->code = e->code;
    g->n = n;
    if (n == 2) {
        snprintf(g->symbol, sizeof(g->symbol), "%s", k[0].symbol);
        g->last = k[1].open_time_ms;
    }
}

static void test_fetch_skeletons(void)
{
    fx f;
    info_got ig = {0};
    klines_got kg = {0};
    sqt_kit_rest_req rq = sqt_kit_rest_req_of("GET", "/info", "symbol=ETHUSDT", NULL,
                                              SQT_KIT_AUTH_NONE);
    fx_init(&f, 0);
    SQT_ASSERT_INT_EQ(sqt_kit_info_fetch(&f.rest, &rq, info_parse_ok, info_cb, &ig), SQT_OK);
    SQT_ASSERT_STR_EQ(fake_host_http_at(f.fh, 0)->url, "https://api.test/info?symbol=ETHUSDT");
    fake_host_http_reply(f.fh, 0, 200, "{\"tick\":1}", NULL);
    SQT_ASSERT_INT_EQ(ig.calls, 1);
    SQT_ASSERT_INT_EQ(ig.code, SQT_OK);
    SQT_ASSERT_INT_EQ(ig.decimals, 2);
    /* the parser's refusal and the call's error reach the callback, with no info */
    SQT_ASSERT_INT_EQ(sqt_kit_info_fetch(&f.rest, &rq, info_parse_ok, info_cb, &ig), SQT_OK);
    fake_host_http_reply(f.fh, 0, 200, "{}", NULL);
    SQT_ASSERT_INT_EQ(ig.code, SQT_EPROTO);
    CU_ASSERT_FALSE(ig.have);
    SQT_ASSERT_INT_EQ(sqt_kit_info_fetch(&f.rest, &rq, info_parse_ok, info_cb, &ig), SQT_OK);
    fake_host_http_reply(f.fh, 0, 200, "{\"code\":5}", NULL);
    SQT_ASSERT_INT_EQ(ig.calls, 3);
    SQT_ASSERT_INT_EQ(ig.code, SQT_EEXCHANGE);
    SQT_ASSERT_INT_EQ(sqt_kit_info_fetch(&f.rest, &rq, NULL, info_cb, &ig), SQT_EINVAL);
    /* klines: the parser sees the symbol, the interval and the server's clock */
    f.rest.offset_ms = 700;
    rq.path = "/klines";
    SQT_ASSERT_INT_EQ(
        sqt_kit_klines_fetch(&f.rest, &rq, "ETHUSDT", "1m", klines_parse_ok, klines_cb, &kg),
        SQT_OK);
    fake_host_http_reply(f.fh, 0, 200, "[]", NULL);
    SQT_ASSERT_INT_EQ(kg.code, SQT_OK);
    SQT_ASSERT_INT_EQ(kg.n, 2);
    SQT_ASSERT_STR_EQ(kg.symbol, "ETHUSDT");
    SQT_ASSERT_INT_EQ(kg.last, WALL0 + 700);
    SQT_ASSERT_INT_EQ(
        sqt_kit_klines_fetch(&f.rest, &rq, "ETHUSDT", "5m", klines_parse_ok, klines_cb, &kg),
        SQT_OK);
    fake_host_http_fail(f.fh, 0, SQT_ENETWORK);
    SQT_ASSERT_INT_EQ(kg.calls, 2);
    SQT_ASSERT_INT_EQ(kg.code, SQT_ENETWORK);
    SQT_ASSERT_INT_EQ(kg.n, 0);
    SQT_ASSERT_INT_EQ(sqt_kit_klines_fetch(&f.rest, &rq, "ETHUSDT", "a-very-long-interval",
                                           klines_parse_ok, klines_cb, &kg),
                      SQT_EINVAL);
    /* a refused send calls nothing and leaks nothing */
    sqt_kit_rest_cancel_all(&f.rest);
    SQT_ASSERT_INT_EQ(
        sqt_kit_klines_fetch(&f.rest, &rq, "ETHUSDT", "1m", klines_parse_ok, klines_cb, &kg),
        SQT_ECANCELLED);
    SQT_ASSERT_INT_EQ(kg.calls, 2);
    fx_end(&f);
}

static void test_op_checks(void)
{
    SQT_ASSERT_INT_EQ(sqt_kit_op_usable(0, 1), SQT_OK);
    SQT_ASSERT_INT_EQ(sqt_kit_op_usable(0, 0), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(sqt_kit_op_usable(1, 1), SQT_ESTATE);
    CU_ASSERT_TRUE(sqt_kit_symbol_ok("ETHUSDT"));
    CU_ASSERT_TRUE(sqt_kit_symbol_ok("1000PEPEUSDT"));
    CU_ASSERT_FALSE(sqt_kit_symbol_ok("ethusdt"));
    CU_ASSERT_FALSE(sqt_kit_symbol_ok(""));
    CU_ASSERT_FALSE(sqt_kit_symbol_ok(NULL));
    CU_ASSERT_FALSE(sqt_kit_symbol_ok("ETH-USDT"));
    CU_ASSERT_TRUE(sqt_kit_digits_ok("1234567890123456789", 19));
    CU_ASSERT_FALSE(sqt_kit_digits_ok("12345678901234567890", 19));
    CU_ASSERT_FALSE(sqt_kit_digits_ok("12a", 19));
    CU_ASSERT_FALSE(sqt_kit_digits_ok("", 19));
    CU_ASSERT_FALSE(sqt_kit_digits_ok(NULL, 19));
    CU_ASSERT_TRUE(sqt_kit_id_ok("g1_a-b", 6, "_-"));
    CU_ASSERT_FALSE(sqt_kit_id_ok("g1_a-bc", 6, "_-"));
    CU_ASSERT_FALSE(sqt_kit_id_ok("g1.a", 6, "_-"));
    CU_ASSERT_TRUE(sqt_kit_id_ok("x.y:z/w", 36, ".:/_-"));
    CU_ASSERT_FALSE(sqt_kit_id_ok("", 6, "_-"));
    CU_ASSERT_FALSE(sqt_kit_id_ok(NULL, 6, "_-"));
}

/* ---- the plugin's record and life cycle ----------------------------------------------- */

typedef struct lifeplug {
    sqt_kit_plugin kit;
    int extra;
} lifeplug;

static int g_shut_done;

static void shut_cb(void *ud, const sqt_error *e)
{
    (void)e;
    *(int *)ud += 1;
}

static void life_finish(void *plugin)
{
    sqt_kit_plugin_check(plugin);
}

static const sqt_kit_rest_dialect life_dialect = {
    "Life", "/time", parse_time, prepare, classify, NULL, NULL, life_finish};

static void test_plugin_life(void)
{
    fake_host *fh = fake_host_new();
    sqt_host_api old;
    sqt_error err;
    lifeplug *p;
    got a = {0};
    sqt_kit_rest_req q = req("GET", "/depth", NULL, NULL, SQT_KIT_AUTH_NONE, &a);
    /* a table too old, a record too small */
    old = *fake_host_api();
    old.struct_size = 8;
    CU_ASSERT_PTR_NULL(sqt_kit_plugin_new(&old, fake_host_handle(fh), sizeof(lifeplug), "life",
                                          &err));
    SQT_ASSERT_INT_EQ(err.code, SQT_EINVAL);
    SQT_ASSERT_CONTAINS(err.message, "life: host services table");
    CU_ASSERT_PTR_NULL(sqt_kit_plugin_new(fake_host_api(), fake_host_handle(fh), 4, "life", &err));
    p = sqt_kit_plugin_new(fake_host_api(), fake_host_handle(fh), sizeof(*p), "life", &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    SQT_ASSERT_INT_EQ(p->extra, 0);
    sqt_kit_rest_init(&p->kit.rest, p->kit.api, p->kit.host, &life_dialect, p, "http://x");
    CU_ASSERT_TRUE(sqt_kit_plugin_drained(&p->kit));
    SQT_ASSERT_INT_EQ(sqt_kit_rest_send(&p->kit.rest, &q), SQT_OK);
    CU_ASSERT_FALSE(sqt_kit_plugin_drained(&p->kit));
    /* shutdown: the call is cancelled; the callback waits for its own timer */
    fake_host_set_cancel_deferred(fh, 1);
    SQT_ASSERT_INT_EQ(sqt_kit_plugin_shutdown(&p->kit, NULL, NULL), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(sqt_kit_plugin_shutdown(&p->kit, shut_cb, &g_shut_done), SQT_OK);
    SQT_ASSERT_INT_EQ(sqt_kit_plugin_shutdown(&p->kit, shut_cb, &g_shut_done), SQT_ESTATE);
    sqt_kit_shut_end_call(&p->kit.shut);
    SQT_ASSERT_INT_EQ(g_shut_done, 0);
    SQT_ASSERT_INT_EQ(sqt_kit_rest_send(&p->kit.rest, &q), SQT_ECANCELLED);
    fake_host_advance(fh, 1);
    SQT_ASSERT_INT_EQ(a.calls, 1);
    SQT_ASSERT_INT_EQ(a.err.code, SQT_ECANCELLED);
    fake_host_advance(fh, 1);
    SQT_ASSERT_INT_EQ(g_shut_done, 1);
    sqt_kit_plugin_release(&p->kit);
    CU_ASSERT_FALSE(fake_host_log_contains(fh, "destroyed with requests"));
    free(p);
    SQT_ASSERT_INT_EQ(fake_host_active_timers(fh), 0);
    SQT_ASSERT_INT_EQ(fake_host_misuse_count(fh), 0);
    /* destroy without a shutdown: said loudly, nothing leaks */
    p = sqt_kit_plugin_new(fake_host_api(), fake_host_handle(fh), sizeof(*p), "life", &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    sqt_kit_rest_init(&p->kit.rest, p->kit.api, p->kit.host, &life_dialect, p, "http://x");
    q.ctx = malloc(16); /* the engine frees an abandoned call's context */
    SQT_ASSERT_INT_EQ(sqt_kit_rest_send(&p->kit.rest, &q), SQT_OK);
    sqt_kit_plugin_release(&p->kit);
    CU_ASSERT_TRUE(
        fake_host_log_contains(fh, "ERROR destroyed with requests or streams still open"));
    free(p);
    fake_host_free(fh);
}

/* ---- the sinks ----------------------------------------------------------------------- */

static int g_states[4];

static void price_state(void *ud, sqt_stream_state st, const sqt_error *e)
{
    (void)ud;
    (void)e;
    g_states[1] = (int)st + 100;
}

static void order_state(void *ud, sqt_stream_state st, const sqt_error *e)
{
    (void)ud;
    (void)e;
    g_states[3] = (int)st + 100;
}

static void on_price(void *ud, const sqt_price_tick *t)
{
    (void)ud;
    (void)t;
}

static void on_order(void *ud, const sqt_order *u)
{
    (void)ud;
    (void)u;
}

static void on_kline(void *ud, const sqt_kline *k)
{
    (void)ud;
    (void)k;
}

static void test_sinks(void)
{
    sqt_kit_plugin p;
    sqt_price_sink ps;
    sqt_order_sink os;
    sqt_kline_sink ks;
    memset(&p, 0, sizeof(p));
    memset(&ps, 0, sizeof(ps));
    memset(&os, 0, sizeof(os));
    memset(&ks, 0, sizeof(ks));
    SQT_ASSERT_INT_EQ(sqt_kit_plugin_take_price(&p, NULL), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(sqt_kit_plugin_take_price(&p, &ps), SQT_EINVAL); /* no on_price */
    ps.on_price = on_price;
    ps.on_state = price_state;
    SQT_ASSERT_INT_EQ(sqt_kit_plugin_take_price(&p, &ps), SQT_OK);
    p.sinks.price_on = 1;
    SQT_ASSERT_INT_EQ(sqt_kit_plugin_take_price(&p, &ps), SQT_ESTATE);
    SQT_ASSERT_INT_EQ(sqt_kit_plugin_take_klines(&p, &ks), SQT_EINVAL);
    ks.on_kline = on_kline; /* no on_state: states for klines go nowhere */
    SQT_ASSERT_INT_EQ(sqt_kit_plugin_take_klines(&p, &ks), SQT_OK);
    os.on_order = on_order;
    os.on_state = order_state;
    SQT_ASSERT_INT_EQ(sqt_kit_plugin_take_orders(&p, &os), SQT_OK);
    sqt_kit_plugin_stream_state(&p, SQT_KIT_STREAM_PRICE, SQT_STREAM_UP, NULL);
    sqt_kit_plugin_stream_state(&p, SQT_KIT_STREAM_KLINES, SQT_STREAM_UP, NULL);
    sqt_kit_plugin_stream_state(&p, SQT_KIT_STREAM_ORDERS, SQT_STREAM_DOWN, NULL);
    sqt_kit_plugin_stream_state(&p, 6, SQT_STREAM_UP, NULL); /* the plugin's own kind */
    SQT_ASSERT_INT_EQ(g_states[1], (int)SQT_STREAM_UP + 100);
    SQT_ASSERT_INT_EQ(g_states[3], (int)SQT_STREAM_DOWN + 100);
    /* closing: no sink hears anything, nothing new is taken */
    p.closing = 1;
    sqt_kit_plugin_stream_state(&p, SQT_KIT_STREAM_ORDERS, SQT_STREAM_UP, NULL);
    SQT_ASSERT_INT_EQ(g_states[3], (int)SQT_STREAM_DOWN + 100);
    p.sinks.order_on = 0;
    SQT_ASSERT_INT_EQ(sqt_kit_plugin_take_orders(&p, &os), SQT_ESTATE);
}

/* ---- placing ---------------------------------------------------------------------------- */

/* single: "A<id>" accepted, anything else unreadable; batch: one char per item, 'A'
 * accepted, 'R' refused (-2010), '?' unreadable item; not starting with '[' unreadable */
static int pl_one(void *ud, const sqt_kit_placing *p, const char *body, size_t len,
                  sqt_order *out, sqt_error *e)
{
    (void)ud;
    if (len < 2 || body[0] != 'A')
        return sqt_kit_fail(e, SQT_EPROTO, "not an order");
    snprintf(out->order_id, sizeof(out->order_id), "%s", body + 1);
    snprintf(out->client_id, sizeof(out->client_id), "%s", p->reqs[0].client_id);
    return SQT_OK;
}

static int pl_batch(void *ud, const sqt_kit_placing *p, const char *body, size_t len,
                    sqt_kit_item *items, sqt_error *e)
{
    size_t k;
    (void)ud;
    if (len != p->n_sent + 1 || body[0] != '[')
        return sqt_kit_fail(e, SQT_EPROTO, "not a batch");
    for (k = 0; k < p->n_sent; k++) {
        if (body[k + 1] == 'A')
            snprintf(items[k].order.client_id, sizeof(items[k].order.client_id), "%s",
                     p->reqs[k].client_id);
        else if (body[k + 1] == 'R')
            sqt_kit_fail(&items[k].err, SQT_EMARGIN, "refused");
        else
            sqt_kit_fail(&items[k].err, SQT_EPROTO, "item unreadable");
    }
    return SQT_OK;
}

static const sqt_kit_placing_parse pl_parse = {pl_one, pl_batch};

typedef struct pl_got {
    int calls;
    int status;
    size_t n;
    sqt_place_result res[4];
} pl_got;

static void pl_cb(void *ud, int status, const sqt_place_result *res, size_t n)
{
    pl_got *g = ud;
    g->calls++;
    g->status = status;
    g->n = n;
    memcpy(g->res, res, n * sizeof(*res));
}

static sqt_kit_placing *pl_start(fx *f, size_t n, const size_t *send, size_t n_send, pl_got *g)
{
    sqt_order_req reqs[4];
    sqt_kit_rest_req rq = sqt_kit_rest_req_of("POST", "/order", NULL, NULL, SQT_KIT_AUTH_NONE);
    sqt_kit_placing *p;
    size_t i;
    memset(reqs, 0, sizeof(reqs));
    for (i = 0; i < n; i++)
        snprintf(reqs[i].client_id, sizeof(reqs[i].client_id), "cid%zu", i);
    p = sqt_kit_placing_new(reqs, n, &pl_parse, pl_cb, g);
    CU_ASSERT_PTR_NOT_NULL_FATAL(p);
    for (i = 0; i < n_send; i++)
        sqt_kit_placing_send(p, send[i], &reqs[send[i]]);
    rq.mutating = 1;
    rq.done = sqt_kit_placing_done;
    rq.ctx = p;
    SQT_ASSERT_INT_EQ(sqt_kit_rest_send(&f->rest, &rq), SQT_OK);
    return p;
}

static void test_placing(void)
{
    static const size_t one[] = {1}, three[] = {0, 2, 3};
    sqt_kit_plugin k;
    fx f;
    pl_got g;
    sqt_kit_placing *p;
    int first = SQT_OK;
    fx_init(&f, 0);
    /* request 0 refused before sending (logged), request 1 sent and accepted */
    memset(&g, 0, sizeof(g));
    p = pl_start(&f, 2, one, 1, &g);
    memset(&k, 0, sizeof(k));
    k.api = fake_host_api();
    k.host = fake_host_handle(f.fh);
    sqt_kit_fail(&p->res[0].err, SQT_ERULES, "price off the grid");
    sqt_kit_placing_refuse(p, &k, 0, &first);
    SQT_ASSERT_INT_EQ(first, SQT_ERULES);
    CU_ASSERT_TRUE(fake_host_log_contains(f.fh, "WARN order cid0 not sent: price off the grid"));
    fake_host_http_reply(f.fh, 0, 200, "A77", NULL);
    SQT_ASSERT_INT_EQ(g.calls, 1);
    SQT_ASSERT_INT_EQ(g.status, SQT_OK);
    SQT_ASSERT_INT_EQ(g.n, 2);
    SQT_ASSERT_STR_EQ(g.res[0].client_id, "cid0");
    SQT_ASSERT_INT_EQ(g.res[0].err.code, SQT_ERULES);
    SQT_ASSERT_INT_EQ(g.res[1].err.code, SQT_OK);
    SQT_ASSERT_STR_EQ(g.res[1].order.order_id, "77");
    SQT_ASSERT_STR_EQ(g.res[1].order.client_id, "cid1");
    /* a single order's own verdict is its item's, not the call's */
    memset(&g, 0, sizeof(g));
    pl_start(&f, 2, one, 1, &g);
    fake_host_http_reply(f.fh, 0, 400, "{\"code\":5}", NULL);
    SQT_ASSERT_INT_EQ(g.status, SQT_OK);
    SQT_ASSERT_INT_EQ(g.res[1].err.code, SQT_EEXCHANGE);
    /* unreadable single answer: outcome unknown */
    memset(&g, 0, sizeof(g));
    pl_start(&f, 2, one, 1, &g);
    fake_host_http_reply(f.fh, 0, 200, "??", NULL);
    SQT_ASSERT_INT_EQ(g.res[1].err.code, SQT_EUNKNOWN_STATUS);
    /* a whole-call failure is every sent order's and the status */
    memset(&g, 0, sizeof(g));
    pl_start(&f, 4, three, 3, &g);
    fake_host_http_fail(f.fh, 0, SQT_ETIMEOUT);
    SQT_ASSERT_INT_EQ(g.status, SQT_EUNKNOWN_STATUS);
    SQT_ASSERT_INT_EQ(g.res[0].err.code, SQT_EUNKNOWN_STATUS);
    SQT_ASSERT_INT_EQ(g.res[1].err.code, SQT_OK); /* not sent, not touched */
    SQT_ASSERT_INT_EQ(g.res[3].err.code, SQT_EUNKNOWN_STATUS);
    /* batch: each item its verdict, an unreadable item unknown */
    memset(&g, 0, sizeof(g));
    pl_start(&f, 4, three, 3, &g);
    fake_host_http_reply(f.fh, 0, 200, "[AR?", NULL);
    SQT_ASSERT_INT_EQ(g.status, SQT_OK);
    SQT_ASSERT_INT_EQ(g.res[0].err.code, SQT_OK);
    SQT_ASSERT_STR_EQ(g.res[0].order.client_id, "cid0");
    SQT_ASSERT_INT_EQ(g.res[2].err.code, SQT_EMARGIN);
    SQT_ASSERT_INT_EQ(g.res[3].err.code, SQT_EUNKNOWN_STATUS);
    /* batch answer unreadable: all unknown, and the status says so */
    memset(&g, 0, sizeof(g));
    pl_start(&f, 4, three, 3, &g);
    fake_host_http_reply(f.fh, 0, 200, "{}", NULL);
    SQT_ASSERT_INT_EQ(g.status, SQT_EUNKNOWN_STATUS);
    SQT_ASSERT_INT_EQ(g.res[2].err.code, SQT_EUNKNOWN_STATUS);
    SQT_ASSERT_CONTAINS(g.res[2].err.message, "not a batch");
    CU_ASSERT_PTR_NULL(sqt_kit_placing_new(NULL, 1, &pl_parse, pl_cb, &g));
    fx_end(&f);
}

static void test_cancel_results(void)
{
    sqt_cancel_req reqs[2];
    sqt_cancel_result res[2];
    memset(reqs, 0, sizeof(reqs));
    memset(res, 0x5a, sizeof(res));
    snprintf(reqs[0].client_id, sizeof(reqs[0].client_id), "g1");
    snprintf(reqs[1].order_id, sizeof(reqs[1].order_id), "12345");
    sqt_kit_cancel_results(res, reqs, 2);
    SQT_ASSERT_STR_EQ(res[0].client_id, "g1");
    SQT_ASSERT_STR_EQ(res[0].order_id, "");
    SQT_ASSERT_STR_EQ(res[1].order_id, "12345");
    SQT_ASSERT_INT_EQ(res[1].err.code, SQT_OK);
}

/* ---- fees in several coins --------------------------------------------------------------- */

static void test_fees(void)
{
    sqt_kit_fees f;
    sqt_order o;
    sqt_dec d;
    SQT_ASSERT_INT_EQ(sqt_kit_dec_add(sqt_dec_make(125, 3), sqt_dec_make(-5, 1), &d), SQT_OK);
    SQT_ASSERT_INT_EQ(d.mant, -375);
    SQT_ASSERT_INT_EQ(d.scale, 3);
    SQT_ASSERT_INT_EQ(sqt_kit_dec_add(sqt_dec_make(INT64_MAX, 0), sqt_dec_make(1, 0), &d),
                      SQT_ERANGE);
    SQT_ASSERT_INT_EQ(sqt_kit_dec_add(sqt_dec_make(INT64_MAX / 5, 0), sqt_dec_make(1, 1), &d),
                      SQT_ERANGE);
    /* all in the quote coin: the sum, and the record's coin named when it had none */
    memset(&o, 0, sizeof(o));
    sqt_kit_fees_init(&f, "USDT");
    sqt_kit_fees_add(&f, "USDT", sqt_dec_make(24, 4));
    sqt_kit_fees_add(&f, "USDT", sqt_dec_make(1, 3));
    sqt_kit_fees_add(&f, "BGB", sqt_dec_make(0, 0));
    SQT_ASSERT_INT_EQ(sqt_kit_fees_apply(&f, &o), 1);
    SQT_ASSERT_INT_EQ(o.has_cum_fee, 1);
    SQT_ASSERT_INT_EQ(o.cum_fee.mant, 34);
    SQT_ASSERT_INT_EQ(o.cum_fee.scale, 4);
    SQT_ASSERT_STR_EQ(o.fee_asset, "USDT");
    /* a paid part in another coin: unset */
    memset(&o, 0, sizeof(o));
    sqt_kit_fees_add(&f, "BGB", sqt_dec_make(3, 4));
    SQT_ASSERT_INT_EQ(sqt_kit_fees_apply(&f, &o), 0);
    SQT_ASSERT_INT_EQ(o.has_cum_fee, 0);
    /* the fill's record in another coin: unset as well */
    memset(&o, 0, sizeof(o));
    snprintf(o.fee_asset, sizeof(o.fee_asset), "BGB");
    sqt_kit_fees_init(&f, "USDT");
    sqt_kit_fees_add(&f, "USDT", sqt_dec_make(24, 4));
    SQT_ASSERT_INT_EQ(sqt_kit_fees_apply(&f, &o), 0);
    /* nothing in the quote coin, no quote coin, an overflowing sum: unset */
    sqt_kit_fees_init(&f, "USDT");
    SQT_ASSERT_INT_EQ(sqt_kit_fees_apply(&f, &o), 0);
    sqt_kit_fees_init(&f, NULL);
    sqt_kit_fees_add(&f, "USDT", sqt_dec_make(1, 0));
    memset(&o, 0, sizeof(o));
    SQT_ASSERT_INT_EQ(sqt_kit_fees_apply(&f, &o), 0);
    sqt_kit_fees_init(&f, "USDT");
    sqt_kit_fees_add(&f, "USDT", sqt_dec_make(INT64_MAX, 0));
    sqt_kit_fees_add(&f, "USDT", sqt_dec_make(INT64_MAX, 0));
    SQT_ASSERT_INT_EQ(f.err, SQT_ERANGE);
    SQT_ASSERT_INT_EQ(sqt_kit_fees_apply(&f, &o), 0);
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
        {"one scratch wire for all requests: each carries only its own", test_scratch_reuse},
        {"warm: built and signed, nothing sent", test_warm},
        {"symbol info and klines: one call, the parser, the callback", test_fetch_skeletons},
        {"the checks every operation starts with", test_op_checks},
        {"the plugin record: new, shutdown once drained, release", test_plugin_life},
        {"the sinks: subscribe checks, stream states to the right sink", test_sinks},
        {"placing: refusals, single and batch answers spread over the results", test_placing},
        {"cancel results from the requests", test_cancel_results},
        {"an order's fee in several coins: the quote coin's sum or nothing", test_fees},
        {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("sdk_kitrest", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
