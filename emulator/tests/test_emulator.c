/* The exchange emulator (Binance, Bitget and Gate dialects) driven by the host's own HTTP and
 * WebSocket clients on one loop, plus the built binary as a process. */
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "emulator.h"
#include "net/http.h"
#include "net/ws.h"
#include "sqt_test.h"

#define SYM "ETHUSDT"

/* ------------------------------------------------------------------------------------
 * loop plumbing
 * ---------------------------------------------------------------------------------- */

typedef struct guard {
    uv_timer_t t;
    int expired;
} guard;

static void on_guard(uv_timer_t *t)
{
    ((guard *)t->data)->expired = 1;
}

static void guard_closed(uv_handle_t *h)
{
    ((guard *)h->data)->expired = 2;
}

#define RUN_UNTIL(loop, cond, ms)                                                      \
    do {                                                                               \
        guard g_;                                                                      \
        uv_timer_init((loop), &g_.t);                                                  \
        g_.t.data = &g_;                                                               \
        g_.expired = 0;                                                                \
        uv_timer_start(&g_.t, on_guard, (ms), 0);                                      \
        while (!(cond) && !g_.expired)                                                 \
            uv_run((loop), UV_RUN_ONCE);                                               \
        uv_close((uv_handle_t *)&g_.t, guard_closed);                                  \
        while (g_.expired != 2)                                                        \
            uv_run((loop), UV_RUN_NOWAIT);                                             \
    } while (0)

/* Run until nothing is left on the loop (at most ms); the guard does not keep it alive. */
static void drain(uv_loop_t *loop, uint64_t ms)
{
    guard g;
    uv_timer_init(loop, &g.t);
    g.t.data = &g;
    g.expired = 0;
    uv_timer_start(&g.t, on_guard, ms, 0);
    uv_unref((uv_handle_t *)&g.t);
    while (uv_loop_alive(loop) && !g.expired)
        uv_run(loop, UV_RUN_ONCE);
    if (g.expired)
        uv_print_all_handles(loop, stderr);
    uv_close((uv_handle_t *)&g.t, guard_closed);
    while (g.expired != 2)
        uv_run(loop, UV_RUN_NOWAIT);
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

typedef struct fx {
    uv_loop_t loop;
    sqt_emu *emu;
    sqt_http *http;
    int port;
    int emu_closed, http_closed;
} fx;

static FILE *fx_log; /* the next fx_start's log (NULL: quiet) */
static const char *fx_dialect = "binance"; /* the next fx_start's dialect */

static int fx_start(fx *f, int manual, const char *faults)
{
    sqt_emu_opts o;
    char err[256];
    memset(f, 0, sizeof(*f));
    uv_loop_init(&f->loop);
    sqt_emu_opts_default(&o);
    o.dialect = fx_dialect;
    o.manual_price = manual;
    o.seed = 7;
    o.faults_file = faults;
    o.log = fx_log;
    if (getenv("SQT_EMU_VERBOSE"))
        o.log = stderr;
    if (sqt_emu_start(&f->loop, &o, &f->emu, err, sizeof(err)) != SQT_OK) {
        fprintf(stderr, "    emulator: %s\n", err);
        return -1;
    }
    f->port = sqt_emu_port(f->emu);
    f->http = sqt_http_new(&f->loop, NULL);
    return f->http != NULL && f->port > 0 ? 0 : -1;
}

static void on_emu_closed(void *ud)
{
    ((fx *)ud)->emu_closed = 1;
}

static void on_http_closed(void *ud)
{
    ((fx *)ud)->http_closed = 1;
}

static void fx_stop(fx *f)
{
    if (f->http)
        sqt_http_close(f->http, on_http_closed, f);
    else
        f->http_closed = 1;
    if (f->emu)
        sqt_emu_close(f->emu, on_emu_closed, f);
    else
        f->emu_closed = 1;
    RUN_UNTIL(&f->loop, f->emu_closed && f->http_closed, 5000);
    CU_ASSERT_TRUE(f->emu_closed && f->http_closed);
    drain(&f->loop, 5000);
    SQT_ASSERT_INT_EQ(uv_loop_close(&f->loop), 0);
}

/* ------------------------------------------------------------------------------------
 * HTTP calls
 * ---------------------------------------------------------------------------------- */

typedef struct hres {
    int done;
    int status;
    int err;
    char *body;
    char weight[32], retry_after[32], orders10[32];
    char remain[32],
        page_limit[32]; /* Gate: X-Gate-RateLimit-Requests-Remain, X-Pagination-Limit */
    json_t *json;
} hres;

static void hres_free(hres *r)
{
    free(r->body);
    json_decref(r->json);
    memset(r, 0, sizeof(*r));
}

static void on_http(void *ud, const sqt_http_response *resp)
{
    hres *r = ud;
    size_t i;
    r->done = 1;
    r->status = resp->status;
    r->err = resp->err.code;
    r->body = strndup(resp->body ? resp->body : "", resp->body_len);
    for (i = 0; i < resp->n_headers; i++) {
        if (strcasecmp(resp->headers[i].name, "X-MBX-USED-WEIGHT-1M") == 0)
            snprintf(r->weight, sizeof(r->weight), "%s", resp->headers[i].value);
        if (strcasecmp(resp->headers[i].name, "Retry-After") == 0)
            snprintf(r->retry_after, sizeof(r->retry_after), "%s", resp->headers[i].value);
        if (strcasecmp(resp->headers[i].name, "X-MBX-ORDER-COUNT-10S") == 0)
            snprintf(r->orders10, sizeof(r->orders10), "%s", resp->headers[i].value);
        if (strcasecmp(resp->headers[i].name, "X-Gate-RateLimit-Requests-Remain") == 0)
            snprintf(r->remain, sizeof(r->remain), "%s", resp->headers[i].value);
        if (strcasecmp(resp->headers[i].name, "X-Pagination-Limit") == 0)
            snprintf(r->page_limit, sizeof(r->page_limit), "%s", resp->headers[i].value);
    }
    r->json = r->body ? json_loads(r->body, JSON_DECODE_ANY, NULL) : NULL;
}

/* One request to the emulator with these headers; waits for the answer in r. */
static void send_to(fx *f, const char *method, const char *target, const sqt_header *h,
                    size_t nh, const char *body, uint32_t timeout_ms, hres *r)
{
    char url[4096];
    sqt_http_request req;
    memset(r, 0, sizeof(*r));
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", f->port, target);
    memset(&req, 0, sizeof(req));
    req.struct_size = sizeof(req);
    req.method = method;
    req.url = url;
    req.headers = h;
    req.n_headers = nh;
    req.body = body;
    req.body_len = body ? strlen(body) : 0;
    req.timeout_ms = timeout_ms;
    if (sqt_http_send(f->http, &req, on_http, r, NULL) != 0) {
        r->done = 1;
        r->err = SQT_EINVAL;
        return;
    }
    RUN_UNTIL(&f->loop, r->done, 10000);
}

/* key: NULL = no X-MBX-APIKEY header. */
static void call_key(fx *f, const char *method, const char *target, const char *body,
                     const char *key, uint32_t timeout_ms, hres *r)
{
    sqt_header h[2];
    size_t nh = 0;
    memset(h, 0, sizeof h);
    if (key != NULL) {
        h[nh].name = "X-MBX-APIKEY";
        h[nh++].value = key;
    }
    if (body != NULL) {
        h[nh].name = "Content-Type";
        h[nh++].value = "application/x-www-form-urlencoded";
    }
    send_to(f, method, target, h, nh, body, timeout_ms, r);
}

static void call(fx *f, const char *method, const char *target, const char *body, hres *r)
{
    call_key(f, method, target, body, SQT_EMU_DEFAULT_KEY, 0, r);
}

/* params + "&recvWindow=5000&timestamp=TS&signature=HEX" signed with `secret`. */
static void sign(const char *params, int64_t ts, const char *secret, char *out, size_t cap)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0, i;
    char msg[3000], hex[2 * EVP_MAX_MD_SIZE + 1];
    snprintf(msg, sizeof(msg), "%s%srecvWindow=5000&timestamp=%lld", params,
             params[0] ? "&" : "", (long long)ts);
    HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)msg, strlen(msg), md,
         &n);
    for (i = 0; i < n; i++)
        snprintf(hex + 2 * i, 3, "%02x", md[i]);
    snprintf(out, cap, "%s&signature=%s", msg, hex);
}

/* A signed call: params go into the query for GET/DELETE, into the body otherwise. */
static void scall(fx *f, const char *method, const char *path, const char *params, hres *r)
{
    char s[3200], target[3400];
    sign(params, wall_ms(), SQT_EMU_DEFAULT_SECRET, s, sizeof(s));
    if (strcmp(method, "GET") == 0 || strcmp(method, "DELETE") == 0) {
        snprintf(target, sizeof(target), "%s?%s", path, s);
        call(f, method, target, NULL, r);
    } else {
        call(f, method, path, s, r);
    }
}

static void control(fx *f, const char *cmd, const char *json, hres *r)
{
    char target[128];
    snprintf(target, sizeof(target), "/_emu/%s", cmd);
    call_key(f, "POST", target, json, NULL, 0, r);
}

static const char *jstr(json_t *o, const char *key)
{
    const char *s = json_string_value(json_object_get(o, key));
    return s ? s : "";
}

static long long jint(json_t *o, const char *key)
{
    return (long long)json_integer_value(json_object_get(o, key));
}

static json_t *filter(json_t *sym, const char *type)
{
    json_t *fl = json_object_get(sym, "filters"), *it;
    size_t i;
    json_array_foreach(fl, i, it) if (strcmp(jstr(it, "filterType"), type) == 0) return it;
    return NULL;
}

/* ------------------------------------------------------------------------------------
 * WebSocket client
 * ---------------------------------------------------------------------------------- */

#define MAX_MSGS 256

typedef struct wsc {
    sqt_ws *ws;
    int opens, downs, closed;
    char *msgs[MAX_MSGS];
    int n;
} wsc;

static void w_open(void *ud, sqt_ws *ws)
{
    (void)ws;
    ((wsc *)ud)->opens++;
}

static void w_msg(void *ud, sqt_ws *ws, const char *data, size_t len, int bin)
{
    wsc *w = ud;
    (void)ws;
    (void)bin;
    if (w->n < MAX_MSGS)
        w->msgs[w->n++] = strndup(data, len);
}

static void w_down(void *ud, sqt_ws *ws, const sqt_error *why)
{
    (void)ws;
    (void)why;
    ((wsc *)ud)->downs++;
}

static void w_closed(void *ud, sqt_ws *ws)
{
    (void)ws;
    ((wsc *)ud)->closed = 1;
}

/* With these handshake headers (Gate: X-Gate-Size-Decimal). */
static int ws_connect_h(fx *f, wsc *w, const char *target, const sqt_header *h, size_t nh)
{
    static const sqt_ws_callbacks cbs = {sizeof(sqt_ws_callbacks), w_open, w_msg, w_down,
                                         w_closed};
    char url[512];
    sqt_ws_options o;
    int err = 0;
    memset(w, 0, sizeof(*w));
    snprintf(url, sizeof(url), "ws://127.0.0.1:%d%s", f->port, target);
    memset(&o, 0, sizeof(o));
    o.struct_size = sizeof(o);
    o.url = url;
    o.headers = h;
    o.n_headers = nh;
    o.reconnect_base_ms = 60000; /* the tests look at one connection */
    w->ws = sqt_ws_open(&f->loop, NULL, &o, &cbs, w, &err);
    if (w->ws == NULL)
        return -1;
    RUN_UNTIL(&f->loop, w->opens > 0 || w->downs > 0, 5000);
    return w->opens > 0 ? 0 : -1;
}

static int ws_connect(fx *f, wsc *w, const char *target)
{
    return ws_connect_h(f, w, target, NULL, 0);
}

static void ws_done(fx *f, wsc *w)
{
    int i;
    if (w->ws != NULL && !w->closed) {
        sqt_ws_close(w->ws);
        RUN_UNTIL(&f->loop, w->closed, 5000);
    }
    for (i = 0; i < w->n; i++)
        free(w->msgs[i]);
    w->n = 0;
}

/* First message from index *from on whose JSON has key == value (in "o" or top level,
 * or "data" in combined mode); NULL when none arrived within ms. */
static json_t *ws_wait(fx *f, wsc *w, int *from, const char *path1, const char *path2,
                       const char *value, int ms)
{
    json_t *hit = NULL;
    for (;;) {
        while (*from < w->n && hit == NULL) {
            json_t *j = json_loads(w->msgs[(*from)++], 0, NULL), *o = j;
            if (json_object_get(o, "data"))
                o = json_object_get(o, "data");
            if (path2 != NULL)
                o = json_object_get(o, path1);
            if (strcmp(jstr(o, path2 ? path2 : path1), value) == 0)
                hit = j;
            else
                json_decref(j);
        }
        if (hit != NULL || ms <= 0)
            return hit;
        {
            int before = w->n;
            RUN_UNTIL(&f->loop, w->n > before, 100);
        }
        ms -= 100;
    }
}

/* ------------------------------------------------------------------------------------
 * tests
 * ---------------------------------------------------------------------------------- */

static void test_time_and_info(void)
{
    fx f;
    hres r;
    json_t *syms, *eth = NULL, *btc = NULL, *it, *fl;
    size_t i;
    if (fx_start(&f, 1, NULL) != 0) {
        CU_FAIL("emulator did not start");
        return;
    }
    call_key(&f, "GET", "/fapi/v1/time", NULL, NULL, 0, &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    CU_ASSERT_TRUE(llabs(jint(r.json, "serverTime") - wall_ms()) < 5000);
    CU_ASSERT_TRUE(r.weight[0] != '\0' && atoi(r.weight) >= 1);
    CU_ASSERT_TRUE(r.orders10[0] != '\0');
    hres_free(&r);

    call_key(&f, "GET", "/fapi/v1/exchangeInfo", NULL, NULL, 0, &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    syms = json_object_get(r.json, "symbols");
    json_array_foreach(syms, i, it) {
        if (strcmp(jstr(it, "symbol"), SYM) == 0)
            eth = it;
        if (strcmp(jstr(it, "symbol"), "BTCUSDT") == 0)
            btc = it;
    }
    CU_ASSERT_PTR_NOT_NULL(eth);
    CU_ASSERT_PTR_NOT_NULL(btc);
    if (eth != NULL) {
        SQT_ASSERT_STR_EQ(jstr(eth, "status"), "TRADING");
        fl = filter(eth, "PRICE_FILTER");
        SQT_ASSERT_STR_EQ(jstr(fl, "tickSize"), "0.01");
        fl = filter(eth, "LOT_SIZE");
        SQT_ASSERT_STR_EQ(jstr(fl, "stepSize"), "0.001");
        SQT_ASSERT_STR_EQ(jstr(fl, "minQty"), "0.001");
        SQT_ASSERT_STR_EQ(jstr(filter(eth, "MIN_NOTIONAL"), "notional"), "5");
        SQT_ASSERT_INT_EQ(jint(filter(eth, "MAX_NUM_ORDERS"), "limit"), 200);
    }
    if (btc != NULL)
        SQT_ASSERT_STR_EQ(jstr(filter(btc, "PRICE_FILTER"), "tickSize"), "0.10");
    SQT_ASSERT_INT_EQ(json_array_size(json_object_get(r.json, "rateLimits")), 3);
    hres_free(&r);

    call_key(&f, "GET", "/fapi/v1/klines?symbol=ETHUSDT&interval=1m&limit=10", NULL, NULL, 0, &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    SQT_ASSERT_INT_EQ(json_array_size(r.json), 10);
    hres_free(&r);
    call_key(&f, "GET", "/fapi/v1/klines?symbol=ETHUSDT&interval=7m", NULL, NULL, 0, &r);
    SQT_ASSERT_INT_EQ(jint(r.json, "code"), -1120);
    hres_free(&r);
    fx_stop(&f);
}

static void test_place_query_cancel(void)
{
    fx f;
    hres r;
    long long id;
    if (fx_start(&f, 1, NULL) != 0) {
        CU_FAIL("emulator did not start");
        return;
    }
    scall(&f, "POST", "/fapi/v1/order",
          "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.010&price=2990.00&"
          "newClientOrderId=x-test_B_1",
          &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    SQT_ASSERT_STR_EQ(jstr(r.json, "status"), "NEW");
    SQT_ASSERT_STR_EQ(jstr(r.json, "clientOrderId"), "x-test_B_1");
    SQT_ASSERT_STR_EQ(jstr(r.json, "origQty"), "0.010");
    SQT_ASSERT_STR_EQ(jstr(r.json, "price"), "2990.00");
    SQT_ASSERT_STR_EQ(jstr(r.json, "timeInForce"), "GTX");
    SQT_ASSERT_STR_EQ(r.orders10, "1");
    id = jint(r.json, "orderId");
    CU_ASSERT_TRUE(id > 0);
    hres_free(&r);

    /* the same client id while the order is open */
    scall(&f, "POST", "/fapi/v1/order",
          "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.010&price=2980.00&"
          "newClientOrderId=x-test_B_1",
          &r);
    SQT_ASSERT_INT_EQ(r.status, 400);
    SQT_ASSERT_INT_EQ(jint(r.json, "code"), -4116);
    hres_free(&r);
    /* post-only that would take: the price is 3000.00 */
    scall(&f, "POST", "/fapi/v1/order",
          "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.010&price=3000.00",
          &r);
    SQT_ASSERT_INT_EQ(jint(r.json, "code"), -5022);
    hres_free(&r);
    /* notional 2.99 < 5 */
    scall(&f, "POST", "/fapi/v1/order",
          "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.001&price=2990.00",
          &r);
    SQT_ASSERT_INT_EQ(jint(r.json, "code"), -4164);
    hres_free(&r);
    scall(&f, "POST", "/fapi/v1/order",
          "symbol=XYZUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.010&price=2990.00",
          &r);
    SQT_ASSERT_INT_EQ(jint(r.json, "code"), -1121);
    hres_free(&r);
    /* reduce-only with no position */
    scall(&f, "POST", "/fapi/v1/order",
          "symbol=ETHUSDT&side=SELL&type=LIMIT&timeInForce=GTX&quantity=0.010&price=3010.00&"
          "reduceOnly=true",
          &r);
    SQT_ASSERT_INT_EQ(jint(r.json, "code"), -2022);
    hres_free(&r);

    scall(&f, "GET", "/fapi/v1/openOrders", "symbol=ETHUSDT", &r);
    SQT_ASSERT_INT_EQ(json_array_size(r.json), 1);
    hres_free(&r);
    scall(&f, "GET", "/fapi/v1/order", "symbol=ETHUSDT&origClientOrderId=x-test_B_1", &r);
    SQT_ASSERT_INT_EQ(jint(r.json, "orderId"), id);
    CU_ASSERT_TRUE(jint(r.json, "time") > 0);
    hres_free(&r);

    scall(&f, "DELETE", "/fapi/v1/order", "symbol=ETHUSDT&origClientOrderId=x-test_B_1", &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    SQT_ASSERT_STR_EQ(jstr(r.json, "status"), "CANCELED");
    hres_free(&r);
    scall(&f, "DELETE", "/fapi/v1/order", "symbol=ETHUSDT&origClientOrderId=x-test_B_1", &r);
    SQT_ASSERT_INT_EQ(r.status, 400);
    SQT_ASSERT_INT_EQ(jint(r.json, "code"), -2011);
    hres_free(&r);
    scall(&f, "GET", "/fapi/v1/order", "symbol=ETHUSDT&orderId=999", &r);
    SQT_ASSERT_INT_EQ(jint(r.json, "code"), -2013);
    hres_free(&r);
    scall(&f, "GET", "/fapi/v2/account", "", &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    SQT_ASSERT_STR_EQ(jstr(json_array_get(json_object_get(r.json, "assets"), 0), "walletBalance"),
                      "10000.00000000");
    hres_free(&r);
    scall(&f, "GET", "/fapi/v1/positionSide/dual", "", &r);
    CU_ASSERT_TRUE(json_is_false(json_object_get(r.json, "dualSidePosition")));
    hres_free(&r);
    fx_stop(&f);
}

static void test_auth_errors(void)
{
    fx f;
    hres r;
    char s[512], t[700];
    if (fx_start(&f, 1, NULL) != 0) {
        CU_FAIL("emulator did not start");
        return;
    }
    /* correct signature, wrong secret */
    sign("symbol=ETHUSDT", wall_ms(), "not-the-secret", s, sizeof(s));
    snprintf(t, sizeof(t), "/fapi/v1/openOrders?%s", s);
    call(&f, "GET", t, NULL, &r);
    SQT_ASSERT_INT_EQ(r.status, 400);
    SQT_ASSERT_INT_EQ(jint(r.json, "code"), -1022);
    CU_ASSERT_TRUE(json_is_string(json_object_get(r.json, "msg")));
    SQT_ASSERT_INT_EQ(json_object_size(r.json), 2);
    hres_free(&r);
    /* tampered after signing */
    sign("symbol=ETHUSDT", wall_ms(), SQT_EMU_DEFAULT_SECRET, s, sizeof(s));
    s[7] = 'B'; /* symbol=BTHUSDT */
    snprintf(t, sizeof(t), "/fapi/v1/openOrders?%s", s);
    call(&f, "GET", t, NULL, &r);
    SQT_ASSERT_INT_EQ(jint(r.json, "code"), -1022);
    hres_free(&r);
    /* stale and future timestamps */
    sign("symbol=ETHUSDT", wall_ms() - 10000, SQT_EMU_DEFAULT_SECRET, s, sizeof(s));
    snprintf(t, sizeof(t), "/fapi/v1/openOrders?%s", s);
    call(&f, "GET", t, NULL, &r);
    SQT_ASSERT_INT_EQ(r.status, 400);
    SQT_ASSERT_INT_EQ(jint(r.json, "code"), -1021);
    hres_free(&r);
    sign("symbol=ETHUSDT", wall_ms() + 5000, SQT_EMU_DEFAULT_SECRET, s, sizeof(s));
    snprintf(t, sizeof(t), "/fapi/v1/openOrders?%s", s);
    call(&f, "GET", t, NULL, &r);
    SQT_ASSERT_INT_EQ(jint(r.json, "code"), -1021);
    hres_free(&r);
    /* keys */
    sign("symbol=ETHUSDT", wall_ms(), SQT_EMU_DEFAULT_SECRET, s, sizeof(s));
    snprintf(t, sizeof(t), "/fapi/v1/openOrders?%s", s);
    call_key(&f, "GET", t, NULL, NULL, 0, &r);
    SQT_ASSERT_INT_EQ(r.status, 401);
    SQT_ASSERT_INT_EQ(jint(r.json, "code"), -2014);
    hres_free(&r);
    call_key(&f, "GET", t, NULL, "someone-else", 0, &r);
    SQT_ASSERT_INT_EQ(jint(r.json, "code"), -2015);
    hres_free(&r);
    /* no timestamp at all */
    call(&f, "GET", "/fapi/v1/openOrders?symbol=ETHUSDT&signature=00", NULL, &r);
    SQT_ASSERT_INT_EQ(jint(r.json, "code"), -1102);
    hres_free(&r);
    /* the official test vector's shape with the emulator's secret, in the body */
    sign("symbol=ETHUSDT&side=BUY&type=LIMIT&quantity=0.010&price=2990.00&timeInForce=GTC",
         wall_ms(), SQT_EMU_DEFAULT_SECRET, s, sizeof(s));
    call(&f, "POST", "/fapi/v1/order", s, &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    hres_free(&r);
    fx_stop(&f);
}

static void test_user_stream_fill(void)
{
    fx f;
    hres r;
    wsc user, market;
    char target[256];
    json_t *j, *o;
    int from = 0, mfrom = 0;
    if (fx_start(&f, 1, NULL) != 0) {
        CU_FAIL("emulator did not start");
        return;
    }
    call(&f, "POST", "/fapi/v1/listenKey", NULL, &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    snprintf(target, sizeof(target),
             "/private/ws?listenKey=%s&events=ORDER_TRADE_UPDATE/ACCOUNT_UPDATE/listenKeyExpired",
             jstr(r.json, "listenKey"));
    SQT_ASSERT_INT_EQ(strlen(jstr(r.json, "listenKey")), 64);
    hres_free(&r);
    SQT_ASSERT_INT_EQ(ws_connect(&f, &user, target), 0);
    SQT_ASSERT_INT_EQ(ws_connect(&f, &market, "/market/ws/ethusdt@aggTrade"), 0);
    /* an unknown key: a silent socket by default, 403 when asked */
    {
        wsc dead;
        SQT_ASSERT_INT_EQ(ws_connect(&f, &dead, "/private/ws?listenKey=nope"), 0);
        control(&f, "dead_listen_key", "{\"mode\":\"refuse\"}", &r);
        SQT_ASSERT_INT_EQ(r.status, 200);
        hres_free(&r);
        wsc bad;
        CU_ASSERT_TRUE(ws_connect(&f, &bad, "/private/ws?listenKey=nope") != 0);
        ws_done(&f, &bad);
        scall(&f, "POST", "/fapi/v1/order",
              "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.010&price=2900.00",
              &r);
        hres_free(&r);
        RUN_UNTIL(&f.loop, user.n > 0, 2000);
        CU_ASSERT_TRUE(user.n > 0);
        SQT_ASSERT_INT_EQ(dead.n, 0); /* nothing on the dead key's socket */
        ws_done(&f, &dead);
        scall(&f, "DELETE", "/fapi/v1/allOpenOrders", "symbol=ETHUSDT", &r);
        SQT_ASSERT_INT_EQ(jint(r.json, "code"), 200);
        hres_free(&r);
        from = user.n;
    }

    scall(&f, "POST", "/fapi/v1/order",
          "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.010&price=2990.00&"
          "newClientOrderId=grid_1",
          &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    hres_free(&r);
    j = ws_wait(&f, &user, &from, "o", "X", "NEW", 3000);
    CU_ASSERT_PTR_NOT_NULL(j);
    o = json_object_get(j, "o");
    SQT_ASSERT_STR_EQ(jstr(j, "e"), "ORDER_TRADE_UPDATE");
    SQT_ASSERT_STR_EQ(jstr(o, "c"), "grid_1");
    SQT_ASSERT_STR_EQ(jstr(o, "x"), "NEW");
    SQT_ASSERT_STR_EQ(jstr(o, "f"), "GTX");
    SQT_ASSERT_STR_EQ(jstr(o, "z"), "0.000");
    json_decref(j);

    /* the manual price crosses the resting buy */
    control(&f, "price", "{\"price\":\"2989.50\"}", &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    hres_free(&r);
    j = ws_wait(&f, &user, &from, "o", "X", "FILLED", 3000);
    CU_ASSERT_PTR_NOT_NULL(j);
    o = json_object_get(j, "o");
    SQT_ASSERT_STR_EQ(jstr(o, "x"), "TRADE");
    SQT_ASSERT_STR_EQ(jstr(o, "s"), SYM);
    SQT_ASSERT_STR_EQ(jstr(o, "S"), "BUY");
    SQT_ASSERT_STR_EQ(jstr(o, "l"), "0.010");
    SQT_ASSERT_STR_EQ(jstr(o, "z"), "0.010");
    SQT_ASSERT_STR_EQ(jstr(o, "L"), "2990.00");
    SQT_ASSERT_STR_EQ(jstr(o, "N"), "USDT");
    SQT_ASSERT_STR_EQ(jstr(o, "n"), "0.00598"); /* 29.9 * 0.0002 */
    CU_ASSERT_TRUE(json_is_true(json_object_get(o, "m")));
    CU_ASSERT_TRUE(jint(o, "i") > 0);
    json_decref(j);
    j = ws_wait(&f, &user, &from, "e", NULL, "ACCOUNT_UPDATE", 3000);
    CU_ASSERT_PTR_NOT_NULL(j);
    SQT_ASSERT_STR_EQ(jstr(json_array_get(json_object_get(json_object_get(j, "a"), "P"), 0), "pa"),
                      "0.010");
    json_decref(j);
    j = ws_wait(&f, &market, &mfrom, "e", NULL, "aggTrade", 3000);
    CU_ASSERT_PTR_NOT_NULL(j);
    SQT_ASSERT_STR_EQ(jstr(j, "p"), "2989.50");
    json_decref(j);

    /* the ground truth */
    call(&f, "GET", "/_emu/state", NULL, &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    SQT_ASSERT_INT_EQ(json_array_size(json_object_get(r.json, "fills")), 1);
    SQT_ASSERT_STR_EQ(jstr(json_object_get(r.json, "position"), "size"), "0.010");
    SQT_ASSERT_INT_EQ(json_array_size(json_object_get(r.json, "open_orders")), 0);
    hres_free(&r);

    /* the listenKey expires: listenKeyExpired, then the server closes the stream */
    control(&f, "expire_listen_key", NULL, &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    hres_free(&r);
    j = ws_wait(&f, &user, &from, "e", NULL, "listenKeyExpired", 3000);
    CU_ASSERT_PTR_NOT_NULL(j);
    json_decref(j);
    RUN_UNTIL(&f.loop, user.downs > 0, 3000);
    SQT_ASSERT_INT_EQ(user.downs, 1);
    call(&f, "PUT", "/fapi/v1/listenKey", NULL, &r);
    SQT_ASSERT_INT_EQ(jint(r.json, "code"), -1125);
    hres_free(&r);
    ws_done(&f, &user);
    ws_done(&f, &market);
    fx_stop(&f);
}

static void test_rate_limit_fault(void)
{
    fx f;
    hres r;
    if (fx_start(&f, 1, NULL) != 0) {
        CU_FAIL("emulator did not start");
        return;
    }
    control(&f, "http429", "{\"count\":1,\"retry_after_ms\":2000}", &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    hres_free(&r);
    call_key(&f, "GET", "/fapi/v1/time", NULL, NULL, 0, &r);
    SQT_ASSERT_INT_EQ(r.status, 429);
    SQT_ASSERT_INT_EQ(jint(r.json, "code"), -1003);
    SQT_ASSERT_STR_EQ(r.retry_after, "2");
    CU_ASSERT_TRUE(r.weight[0] != '\0');
    hres_free(&r);
    call_key(&f, "GET", "/fapi/v1/time", NULL, NULL, 0, &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    hres_free(&r);
    /* a ban answers 418 to everything until lifted */
    control(&f, "ban", "{\"ms\":60000}", &r);
    hres_free(&r);
    call_key(&f, "GET", "/fapi/v1/time", NULL, NULL, 0, &r);
    SQT_ASSERT_INT_EQ(r.status, 418);
    CU_ASSERT_TRUE(strstr(jstr(r.json, "msg"), "banned until") != NULL);
    CU_ASSERT_TRUE(atoi(r.retry_after) >= 59);
    hres_free(&r);
    control(&f, "clear", NULL, &r);
    hres_free(&r);
    call_key(&f, "GET", "/fapi/v1/time", NULL, NULL, 0, &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    hres_free(&r);
    fx_stop(&f);
}

static void test_batch_mixed(void)
{
    fx f;
    hres r;
    char p[1500];
    long long id;
    if (fx_start(&f, 1, NULL) != 0) {
        CU_FAIL("emulator did not start");
        return;
    }
    /* [valid, post-only crossing, too many decimals] as the URL-encoded JSON array */
    snprintf(p, sizeof(p), "batchOrders=%s",
             "%5B%7B%22symbol%22%3A%22ETHUSDT%22%2C%22side%22%3A%22BUY%22%2C%22type%22%3A%22"
             "LIMIT%22%2C%22timeInForce%22%3A%22GTX%22%2C%22quantity%22%3A%220.010%22%2C%22"
             "price%22%3A%222980.00%22%2C%22newClientOrderId%22%3A%22b1%22%7D%2C%7B%22symbol%22"
             "%3A%22ETHUSDT%22%2C%22side%22%3A%22BUY%22%2C%22type%22%3A%22LIMIT%22%2C%22"
             "timeInForce%22%3A%22GTX%22%2C%22quantity%22%3A%220.010%22%2C%22price%22%3A%22"
             "3005.00%22%2C%22newClientOrderId%22%3A%22b2%22%7D%2C%7B%22symbol%22%3A%22ETHUSDT"
             "%22%2C%22side%22%3A%22BUY%22%2C%22type%22%3A%22LIMIT%22%2C%22timeInForce%22%3A"
             "%22GTX%22%2C%22quantity%22%3A%220.010%22%2C%22price%22%3A%222980.001%22%2C%22"
             "newClientOrderId%22%3A%22b3%22%7D%5D");
    scall(&f, "POST", "/fapi/v1/batchOrders", p, &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    SQT_ASSERT_INT_EQ(json_array_size(r.json), 3);
    SQT_ASSERT_STR_EQ(jstr(json_array_get(r.json, 0), "status"), "NEW");
    SQT_ASSERT_STR_EQ(jstr(json_array_get(r.json, 0), "clientOrderId"), "b1");
    SQT_ASSERT_INT_EQ(jint(json_array_get(r.json, 1), "code"), -5022);
    SQT_ASSERT_INT_EQ(jint(json_array_get(r.json, 2), "code"), -1111);
    SQT_ASSERT_STR_EQ(r.orders10, "5");
    id = jint(json_array_get(r.json, 0), "orderId");
    hres_free(&r);

    snprintf(p, sizeof(p), "symbol=ETHUSDT&orderIdList=%%5B%lld%%2C12345%%5D", id);
    scall(&f, "DELETE", "/fapi/v1/batchOrders", p, &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    SQT_ASSERT_INT_EQ(json_array_size(r.json), 2);
    SQT_ASSERT_STR_EQ(jstr(json_array_get(r.json, 0), "status"), "CANCELED");
    SQT_ASSERT_INT_EQ(jint(json_array_get(r.json, 1), "code"), -2011);
    hres_free(&r);
    fx_stop(&f);
}

static void test_outcome_unknown_and_timeout(void)
{
    fx f;
    hres r;
    if (fx_start(&f, 1, NULL) != 0) {
        CU_FAIL("emulator did not start");
        return;
    }
    /* 503 after the order was placed: the state has it */
    control(&f, "unknown_error", "{\"count\":1,\"placed\":true,\"path\":\"/fapi/v1/order\"}", &r);
    hres_free(&r);
    scall(&f, "POST", "/fapi/v1/order",
          "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.010&price=2990.00&"
          "newClientOrderId=u1",
          &r);
    SQT_ASSERT_INT_EQ(r.status, 503);
    SQT_ASSERT_STR_EQ(jstr(r.json, "msg"),
                      "Unknown error, please check your request or try again later.");
    hres_free(&r);
    scall(&f, "GET", "/fapi/v1/order", "symbol=ETHUSDT&origClientOrderId=u1", &r);
    SQT_ASSERT_STR_EQ(jstr(r.json, "status"), "NEW");
    hres_free(&r);
    /* 503 without placing */
    control(&f, "unknown_error", "{\"placed\":false}", &r);
    hres_free(&r);
    scall(&f, "POST", "/fapi/v1/order",
          "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.010&price=2990.00&"
          "newClientOrderId=u2",
          &r);
    SQT_ASSERT_INT_EQ(r.status, 503);
    hres_free(&r);
    scall(&f, "GET", "/fapi/v1/order", "symbol=ETHUSDT&origClientOrderId=u2", &r);
    SQT_ASSERT_INT_EQ(jint(r.json, "code"), -2013);
    hres_free(&r);
    /* never answered */
    control(&f, "timeout", "{\"count\":1}", &r);
    hres_free(&r);
    call_key(&f, "GET", "/fapi/v1/time", NULL, NULL, 400, &r);
    SQT_ASSERT_INT_EQ(r.err, SQT_ETIMEOUT);
    hres_free(&r);
    /* delayed, and a trigger: after the next order every post-only is rejected once */
    SQT_ASSERT_INT_EQ(sqt_emu_command(f.emu, "after 1 orders reject_post_only {\"count\":1}", NULL),
                      0);
    control(&f, "delay", "{\"ms\":300}", &r);
    hres_free(&r);
    {
        int64_t t0 = wall_ms();
        scall(&f, "POST", "/fapi/v1/order",
              "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.010&price=2980.00",
              &r);
        SQT_ASSERT_INT_EQ(r.status, 200);
        CU_ASSERT_TRUE(wall_ms() - t0 >= 290);
        hres_free(&r);
    }
    control(&f, "delay", "{\"ms\":0}", &r);
    hres_free(&r);
    scall(&f, "POST", "/fapi/v1/order",
          "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.010&price=2970.00", &r);
    SQT_ASSERT_INT_EQ(jint(r.json, "code"), -5022);
    hres_free(&r);
    scall(&f, "POST", "/fapi/v1/order",
          "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.010&price=2970.00", &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    hres_free(&r);
    fx_stop(&f);
}

static void test_push_faults(void)
{
    fx f;
    hres r;
    wsc user;
    char target[256];
    int from = 0, i, news = 0;
    const char *order[3];
    if (fx_start(&f, 1, NULL) != 0) {
        CU_FAIL("emulator did not start");
        return;
    }
    call(&f, "POST", "/fapi/v1/listenKey", NULL, &r);
    snprintf(target, sizeof(target), "/private/stream?listenKey=%s&events=ORDER_TRADE_UPDATE",
             jstr(r.json, "listenKey"));
    hres_free(&r);
    SQT_ASSERT_INT_EQ(ws_connect(&f, &user, target), 0);
    /* drop the first push, duplicate the second, swap the next two */
    control(&f, "drop_pushes", "{\"count\":1}", &r);
    hres_free(&r);
    control(&f, "dup_pushes", "{\"count\":1}", &r);
    hres_free(&r);
    for (i = 1; i <= 4; i++) {
        char p[256];
        if (i == 3) {
            control(&f, "reorder_pushes", "{\"count\":1}", &r);
            hres_free(&r);
        }
        snprintf(p, sizeof(p),
                 "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.010&"
                 "price=29%d0.00&newClientOrderId=p%d",
                 i, i);
        scall(&f, "POST", "/fapi/v1/order", p, &r);
        SQT_ASSERT_INT_EQ(r.status, 200);
        hres_free(&r);
    }
    RUN_UNTIL(&f.loop, user.n >= 4, 3000);
    SQT_ASSERT_INT_EQ(user.n, 4); /* p2 twice, p4, p3 */
    for (i = 0; i < user.n && i < 4; i++) {
        json_t *j = json_loads(user.msgs[i], 0, NULL);
        json_t *o = json_object_get(json_object_get(j, "data"), "o");
        CU_ASSERT_PTR_NOT_NULL(json_object_get(j, "stream")); /* combined mode */
        if (i < 3)
            order[i] = strdup(jstr(o, "c"));
        news += strcmp(jstr(o, "X"), "NEW") == 0;
        if (i == 3) {
            SQT_ASSERT_STR_EQ(jstr(o, "c"), "p3");
        }
        json_decref(j);
    }
    if (user.n >= 3) {
        SQT_ASSERT_STR_EQ(order[0], "p2");
        SQT_ASSERT_STR_EQ(order[1], "p2");
        SQT_ASSERT_STR_EQ(order[2], "p4");
        for (i = 0; i < 3; i++)
            free((char *)order[i]);
    }
    SQT_ASSERT_INT_EQ(news, 4);
    call(&f, "GET", "/_emu/state", NULL, &r);
    SQT_ASSERT_INT_EQ(jint(json_object_get(r.json, "counters"), "pushes_dropped"), 1);
    hres_free(&r);
    (void)from;
    /* drop the user connections: the client sees it go down */
    control(&f, "drop_ws", "{\"which\":\"user\"}", &r);
    SQT_ASSERT_INT_EQ(jint(r.json, "connections"), 1);
    hres_free(&r);
    RUN_UNTIL(&f.loop, user.downs > 0, 3000);
    SQT_ASSERT_INT_EQ(user.downs, 1);
    ws_done(&f, &user);
    fx_stop(&f);
}

static void test_market_streams(void)
{
    fx f;
    hres r;
    wsc comb, pub;
    int from = 0, pfrom = 0;
    json_t *j;
    if (fx_start(&f, 1, NULL) != 0) {
        CU_FAIL("emulator did not start");
        return;
    }
    SQT_ASSERT_INT_EQ(
        ws_connect(&f, &comb, "/market/stream?streams=ethusdt@kline_1m/btcusdt@kline_1m"), 0);
    SQT_ASSERT_INT_EQ(ws_connect(&f, &pub, "/public/ws/ethusdt@bookTicker/ethusdt@aggTrade"), 0);
    {
        static const char list[] = "{\"method\":\"LIST_SUBSCRIPTIONS\",\"id\":7}";
        SQT_ASSERT_INT_EQ(sqt_ws_send(comb.ws, list, strlen(list), 0), 0);
    }
    j = ws_wait(&f, &comb, &from, "e", NULL, "kline", 3000);
    CU_ASSERT_PTR_NOT_NULL(j);
    CU_ASSERT_PTR_NOT_NULL(json_object_get(json_object_get(json_object_get(j, "data"), "k"), "x"));
    json_decref(j);
    {
        int i = 0, listed = 0, waited;
        for (waited = 0; !listed && waited < 3000; waited += 100) {
            for (; i < comb.n && !listed; i++) {
                json_t *m = json_loads(comb.msgs[i], 0, NULL);
                listed = jint(m, "id") == 7 && json_array_size(json_object_get(m, "result")) == 2;
                json_decref(m);
            }
            if (!listed) {
                int before = comb.n;
                RUN_UNTIL(&f.loop, comb.n > before, 100);
            }
        }
        CU_ASSERT_TRUE(listed);
    }
    control(&f, "price", "{\"price\":\"3001.00\"}", &r);
    hres_free(&r);
    j = ws_wait(&f, &pub, &pfrom, "e", NULL, "bookTicker", 3000);
    CU_ASSERT_PTR_NOT_NULL(j);
    SQT_ASSERT_STR_EQ(jstr(j, "a"), "3001.00");
    SQT_ASSERT_STR_EQ(jstr(j, "b"), "3000.99");
    json_decref(j);
    /* aggTrade is not a /public stream */
    pfrom = 0;
    j = ws_wait(&f, &pub, &pfrom, "e", NULL, "aggTrade", 300);
    CU_ASSERT_PTR_NULL(j);
    json_decref(j);
    ws_done(&f, &comb);
    ws_done(&f, &pub);
    fx_stop(&f);
}

static void test_command_lines(void)
{
    fx f;
    char *reply = NULL;
    char path[] = "/tmp/sqt-emu-faults-XXXXXX";
    int fd;
    FILE *fp;
    sqt_emu_opts o;
    sqt_emu *e = NULL;
    char err[256];
    if (fx_start(&f, 1, NULL) != 0) {
        CU_FAIL("emulator did not start");
        return;
    }
    SQT_ASSERT_INT_EQ(sqt_emu_command(f.emu, "price {\"price\":\"2999.99\"}", &reply), 0);
    CU_ASSERT_TRUE(reply && strstr(reply, "2999.99"));
    free(reply);
    SQT_ASSERT_INT_EQ(sqt_emu_command(f.emu, "price {\"price\":\"2999.995\"}", &reply), SQT_EINVAL);
    free(reply);
    SQT_ASSERT_INT_EQ(sqt_emu_command(f.emu, "no_such_thing", NULL), SQT_ENOENT);
    SQT_ASSERT_INT_EQ(sqt_emu_command(f.emu, "price {not json", NULL), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(sqt_emu_command(f.emu, "at soon drop_ws", NULL), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(sqt_emu_command(f.emu, "at 50 ms price {\"price\":\"2900.00\"}", &reply), 0);
    CU_ASSERT_TRUE(reply && strstr(reply, "scheduled"));
    free(reply);
    RUN_UNTIL(&f.loop, sqt_emu_price(f.emu).mant == 290000, 2000);
    SQT_ASSERT_INT_EQ(sqt_emu_price(f.emu).mant, 290000);
    SQT_ASSERT_INT_EQ(sqt_emu_command(f.emu, "step {\"n\":3}", NULL), 0);
    fx_stop(&f);

    /* a faults file with a bad line refuses to start, naming the line */
    fd = mkstemp(path);
    fp = fdopen(fd, "w");
    fprintf(fp, "# comment\n\nprice {\"price\":\"3100.00\"}\nafter 2 orders http429\nbogus\n");
    fclose(fp);
    uv_loop_init(&f.loop);
    sqt_emu_opts_default(&o);
    o.dialect = "binance";
    o.faults_file = path;
    CU_ASSERT_TRUE(sqt_emu_start(&f.loop, &o, &e, err, sizeof(err)) != SQT_OK);
    CU_ASSERT_TRUE(strstr(err, ":5:") != NULL);
    SQT_ASSERT_INT_EQ(uv_loop_close(&f.loop), 0);
    unlink(path);
}

static void test_partial_fill_and_reset(void)
{
    fx f;
    hres r;
    long long id1;
    if (fx_start(&f, 1, NULL) != 0) {
        CU_FAIL("emulator did not start");
        return;
    }
    control(&f, "partial_fill", "{\"qty\":\"0.004\"}", &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    hres_free(&r);
    scall(&f, "POST", "/fapi/v1/order",
          "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.010&price=2990.00&"
          "newClientOrderId=pf1",
          &r);
    id1 = jint(r.json, "orderId");
    hres_free(&r);
    /* with an open order the fill size cannot change */
    control(&f, "partial_fill", "{\"qty\":\"0\"}", &r);
    SQT_ASSERT_INT_EQ(r.status, 400);
    hres_free(&r);
    control(&f, "price", "{\"price\":\"2989.00\"}", &r);
    hres_free(&r);
    scall(&f, "GET", "/fapi/v1/order", "symbol=ETHUSDT&origClientOrderId=pf1", &r);
    SQT_ASSERT_STR_EQ(jstr(r.json, "status"), "PARTIALLY_FILLED");
    SQT_ASSERT_STR_EQ(jstr(r.json, "executedQty"), "0.004");
    hres_free(&r);
    control(&f, "price", "{\"price\":\"2989.50\"}", &r);
    hres_free(&r);
    control(&f, "price", "{\"price\":\"2989.00\"}", &r);
    hres_free(&r);
    scall(&f, "GET", "/fapi/v1/order", "symbol=ETHUSDT&origClientOrderId=pf1", &r);
    SQT_ASSERT_STR_EQ(jstr(r.json, "status"), "FILLED");
    SQT_ASSERT_STR_EQ(jstr(r.json, "executedQty"), "0.010");
    SQT_ASSERT_STR_EQ(jstr(r.json, "cumQuote"), "29.9");
    hres_free(&r);
    scall(&f, "GET", "/fapi/v2/positionRisk", "symbol=ETHUSDT", &r);
    SQT_ASSERT_STR_EQ(jstr(json_array_get(r.json, 0), "positionAmt"), "0.010");
    hres_free(&r);
    call(&f, "GET", "/_emu/state", NULL, &r);
    SQT_ASSERT_INT_EQ(json_array_size(json_object_get(r.json, "fills")), 3);
    hres_free(&r);

    /* reset: flat, the starting wallet, no fills; order ids go on counting */
    control(&f, "reset", NULL, &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    hres_free(&r);
    call(&f, "GET", "/_emu/state", NULL, &r);
    SQT_ASSERT_STR_EQ(jstr(json_object_get(r.json, "position"), "size"), "0.000");
    SQT_ASSERT_STR_EQ(jstr(r.json, "balance"), "10000.00000000");
    SQT_ASSERT_INT_EQ(json_array_size(json_object_get(r.json, "fills")), 0);
    hres_free(&r);
    scall(&f, "POST", "/fapi/v1/order",
          "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.010&price=2980.00", &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    CU_ASSERT_TRUE(jint(r.json, "orderId") > id1);
    hres_free(&r);
    /* insufficient margin, forced */
    control(&f, "reject_margin", "{\"count\":1}", &r);
    hres_free(&r);
    scall(&f, "POST", "/fapi/v1/order",
          "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.010&price=2970.00", &r);
    SQT_ASSERT_INT_EQ(jint(r.json, "code"), -2019);
    hres_free(&r);
    fx_stop(&f);
}

/* A signed GET /fapi/v1/userTrades; its weight header in *weight. */
static json_t *user_trades(fx *f, const char *params, int status, int *weight)
{
    hres r;
    json_t *j;
    scall(f, "GET", "/fapi/v1/userTrades", params, &r);
    SQT_ASSERT_INT_EQ(r.status, status);
    if (weight != NULL)
        *weight = atoi(r.weight);
    j = json_incref(r.json);
    hres_free(&r);
    return j;
}

static void place_buy(fx *f, const char *price, const char *cid, long long *id)
{
    char params[256];
    hres r;
    snprintf(params, sizeof(params),
             "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.010&price=%s&"
             "newClientOrderId=%s", price, cid);
    scall(f, "POST", "/fapi/v1/order", params, &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    *id = jint(r.json, "orderId");
    hres_free(&r);
}

static void set_price(fx *f, const char *price)
{
    char body[64];
    hres r;
    snprintf(body, sizeof(body), "{\"price\":\"%s\"}", price);
    control(f, "price", body, &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    hres_free(&r);
}

/* GET /fapi/v1/userTrades: the fill ledger as Binance's account trade list. */
static void test_user_trades(void)
{
    fx f;
    hres r;
    wsc user;
    json_t *j, *t, *fills, *push;
    long long a, b, last = 0;
    char params[128], target[256];
    size_t i;
    int w1 = 0, w2 = 0, from = 0;
    if (fx_start(&f, 1, NULL) != 0) {
        CU_FAIL("emulator did not start");
        return;
    }
    call(&f, "POST", "/fapi/v1/listenKey", NULL, &r);
    snprintf(target, sizeof(target), "/private/ws?listenKey=%s", jstr(r.json, "listenKey"));
    hres_free(&r);
    SQT_ASSERT_INT_EQ(ws_connect(&f, &user, target), 0);
    control(&f, "partial_fill", "{\"qty\":\"0.004\"}", &r);
    hres_free(&r);
    place_buy(&f, "2990.00", "ut_a", &a);
    place_buy(&f, "2980.00", "ut_b", &b);
    set_price(&f, "2989.00"); /* a: 0.004 */
    set_price(&f, "2989.50");
    set_price(&f, "2989.00"); /* a: 0.004 */
    set_price(&f, "2979.00"); /* a: 0.002 (filled), b: 0.004 */

    /* every trade of the symbol, ascending id, as the ledger has them */
    j = user_trades(&f, "symbol=ETHUSDT", 200, &w1);
    call(&f, "GET", "/_emu/state", NULL, &r);
    fills = json_object_get(r.json, "fills");
    SQT_ASSERT_INT_EQ(json_array_size(j), 4);
    SQT_ASSERT_INT_EQ(json_array_size(fills), 4);
    json_array_foreach(j, i, t) {
        json_t *fl = json_array_get(fills, i);
        CU_ASSERT_TRUE(jint(t, "id") > last);
        last = jint(t, "id");
        SQT_ASSERT_INT_EQ(jint(t, "id"), jint(fl, "trade_id"));
        SQT_ASSERT_STR_EQ(jstr(t, "symbol"), SYM);
        SQT_ASSERT_STR_EQ(jstr(t, "side"), "BUY");
        SQT_ASSERT_STR_EQ(jstr(t, "qty"), jstr(fl, "qty"));
        SQT_ASSERT_STR_EQ(jstr(t, "price"), jstr(fl, "price"));
        SQT_ASSERT_STR_EQ(jstr(t, "commission"), jstr(fl, "fee"));
        SQT_ASSERT_STR_EQ(jstr(t, "commissionAsset"), "USDT");
        SQT_ASSERT_STR_EQ(jstr(t, "positionSide"), "BOTH");
        CU_ASSERT_TRUE(json_is_true(json_object_get(t, "maker")));
        CU_ASSERT_TRUE(json_is_true(json_object_get(t, "buyer")));
        CU_ASSERT_TRUE(jint(t, "time") > 0);
        CU_ASSERT_TRUE(json_is_string(json_object_get(t, "quoteQty")));
        CU_ASSERT_TRUE(json_is_string(json_object_get(t, "realizedPnl")));
    }
    SQT_ASSERT_INT_EQ(jint(json_array_get(j, 3), "orderId"), b);
    hres_free(&r);
    json_decref(j);

    /* one order's trades: their quantities make its executedQty, the fee is the maker's */
    snprintf(params, sizeof(params), "symbol=ETHUSDT&orderId=%lld", a);
    j = user_trades(&f, params, 200, &w2);
    /* weight 5 (or the first of a new minute) */
    CU_ASSERT_TRUE(w2 - w1 == 5 || w2 == 5);
    SQT_ASSERT_INT_EQ(json_array_size(j), 3);
    SQT_ASSERT_STR_EQ(jstr(json_array_get(j, 0), "qty"), "0.004");
    SQT_ASSERT_STR_EQ(jstr(json_array_get(j, 1), "qty"), "0.004");
    SQT_ASSERT_STR_EQ(jstr(json_array_get(j, 2), "qty"), "0.002");
    SQT_ASSERT_STR_EQ(jstr(json_array_get(j, 0), "commission"), "0.002392"); /* 11.96 * 0.0002 */
    SQT_ASSERT_STR_EQ(jstr(json_array_get(j, 0), "price"), "2990.00");
    json_array_foreach(j, i, t) SQT_ASSERT_INT_EQ(jint(t, "orderId"), a);
    /* the pushes name the same trades */
    for (i = 0; i < 3; i++) {
        push = ws_wait(&f, &user, &from, "o", "x", "TRADE", 3000);
        CU_ASSERT_PTR_NOT_NULL_FATAL(push);
        SQT_ASSERT_INT_EQ(jint(json_object_get(push, "o"), "t"), jint(json_array_get(j, i), "id"));
        json_decref(push);
    }
    json_decref(j);
    /* limit keeps the newest, still ascending */
    snprintf(params, sizeof(params), "symbol=ETHUSDT&orderId=%lld&limit=2", a);
    j = user_trades(&f, params, 200, NULL);
    SQT_ASSERT_INT_EQ(json_array_size(j), 2);
    SQT_ASSERT_STR_EQ(jstr(json_array_get(j, 1), "qty"), "0.002");
    CU_ASSERT_TRUE(jint(json_array_get(j, 0), "id") < jint(json_array_get(j, 1), "id"));
    json_decref(j);
    j = user_trades(&f, "symbol=ETHUSDT&orderId=999999", 200, NULL);
    SQT_ASSERT_INT_EQ(json_array_size(j), 0);
    json_decref(j);
    j = user_trades(&f, "symbol=BTCUSDT", 200, NULL); /* listed, never traded */
    SQT_ASSERT_INT_EQ(json_array_size(j), 0);
    json_decref(j);

    /* refusals */
    j = user_trades(&f, "", 400, NULL);
    SQT_ASSERT_INT_EQ(jint(j, "code"), -1102);
    CU_ASSERT_PTR_NOT_NULL(strstr(jstr(j, "msg"), "'symbol'"));
    json_decref(j);
    j = user_trades(&f, "symbol=XYZUSDT", 400, NULL);
    SQT_ASSERT_INT_EQ(jint(j, "code"), -1121);
    json_decref(j);
    j = user_trades(&f, "symbol=ETHUSDT&orderId=12a", 400, NULL);
    SQT_ASSERT_INT_EQ(jint(j, "code"), -1102);
    json_decref(j);
    j = user_trades(&f, "symbol=ETHUSDT&limit=0", 400, NULL);
    SQT_ASSERT_INT_EQ(jint(j, "code"), -1130);
    json_decref(j);
    j = user_trades(&f, "symbol=ETHUSDT&limit=1001", 400, NULL);
    SQT_ASSERT_INT_EQ(jint(j, "code"), -1130);
    json_decref(j);
    call_key(&f, "GET", "/fapi/v1/userTrades?symbol=ETHUSDT", NULL, SQT_EMU_DEFAULT_KEY, 0, &r);
    SQT_ASSERT_INT_EQ(r.status, 400); /* signed: no timestamp */
    hres_free(&r);

    /* reset empties the ledger; trade ids are never reused */
    control(&f, "reset", NULL, &r);
    hres_free(&r);
    j = user_trades(&f, "symbol=ETHUSDT", 200, NULL);
    SQT_ASSERT_INT_EQ(json_array_size(j), 0);
    json_decref(j);
    place_buy(&f, "2970.00", "ut_c", &a);
    set_price(&f, "2969.00");
    j = user_trades(&f, "symbol=ETHUSDT", 200, NULL);
    SQT_ASSERT_INT_EQ(json_array_size(j), 1);
    CU_ASSERT_TRUE(jint(json_array_get(j, 0), "id") > last);
    json_decref(j);
    ws_done(&f, &user);
    fx_stop(&f);
}

/* The binary: first stdout line, a request, SIGTERM -> exit 0. */
static void test_binary(void)
{
    int out[2];
    pid_t pid;
    char line[128] = "";
    FILE *fp;
    int port = 0, status = 0;
    fx f;
    hres r;
    CU_ASSERT_FATAL(pipe(out) == 0);
    pid = fork();
    CU_ASSERT_FATAL(pid >= 0);
    if (pid == 0) {
        int devnull = open("/dev/null", O_WRONLY);
        dup2(out[1], 1);
        if (devnull >= 0)
            dup2(devnull, 2);
        close(out[0]);
        close(out[1]);
        execl(SQT_EMU_BIN, "opensqt-emulator", "--dialect", "binance", "--port", "0",
              "--price-mode", "manual", "--seed", "3", (char *)NULL);
        _exit(127);
    }
    close(out[1]);
    fp = fdopen(out[0], "r");
    if (fp == NULL || fgets(line, sizeof(line), fp) == NULL)
        line[0] = '\0';
    CU_ASSERT_TRUE(sscanf(line, "listening on 127.0.0.1:%d", &port) == 1 && port > 0);
    CU_ASSERT_TRUE(strncmp(line, "listening on 127.0.0.1:", 23) == 0 &&
                   line[strlen(line) - 1] == '\n');
    if (port > 0) {
        memset(&f, 0, sizeof(f));
        uv_loop_init(&f.loop);
        f.port = port;
        f.http = sqt_http_new(&f.loop, NULL);
        call_key(&f, "GET", "/fapi/v1/time", NULL, NULL, 0, &r);
        SQT_ASSERT_INT_EQ(r.status, 200);
        hres_free(&r);
        sqt_http_close(f.http, on_http_closed, &f);
        RUN_UNTIL(&f.loop, f.http_closed, 3000);
        drain(&f.loop, 3000);
        SQT_ASSERT_INT_EQ(uv_loop_close(&f.loop), 0);
    }
    kill(pid, SIGTERM);
    {
        int i;
        for (i = 0; i < 100; i++) { /* at most 5 s */
            if (waitpid(pid, &status, WNOHANG) == pid)
                break;
            usleep(50000);
        }
        if (i == 100) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            CU_FAIL("the emulator did not stop on SIGTERM");
        }
    }
    CU_ASSERT_TRUE(WIFEXITED(status));
    SQT_ASSERT_INT_EQ(WEXITSTATUS(status), 0);
    if (fp)
        fclose(fp);
}

/* ------------------------------------------------------------------------------------
 * control commands other issues need, fidelity
 * ---------------------------------------------------------------------------------- */

static json_t *state_of(fx *f)
{
    hres r;
    json_t *j;
    call(f, "GET", "/_emu/state", NULL, &r);
    j = json_incref(r.json);
    hres_free(&r);
    return j;
}

/* A long of 0.010 bought at 2990.00 (maker), the price left at 2989.50. */
static void open_long(fx *f)
{
    hres r;
    scall(f, "POST", "/fapi/v1/order",
          "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.010&price=2990.00&"
          "newClientOrderId=grid_long",
          &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    hres_free(&r);
    control(f, "price", "{\"price\":\"2989.50\"}", &r);
    hres_free(&r);
}

static void test_close_position(void)
{
    fx f;
    hres r;
    wsc user;
    char target[256];
    json_t *st, *j, *fl, *last;
    int from = 0;
    if (fx_start(&f, 1, NULL) != 0) {
        CU_FAIL("emulator did not start");
        return;
    }
    call(&f, "POST", "/fapi/v1/listenKey", NULL, &r);
    snprintf(target, sizeof(target), "/private/ws?listenKey=%s", jstr(r.json, "listenKey"));
    hres_free(&r);
    SQT_ASSERT_INT_EQ(ws_connect(&f, &user, target), 0);
    /* nothing to close yet */
    control(&f, "close_position", NULL, &r);
    SQT_ASSERT_INT_EQ(r.status, 400);
    CU_ASSERT_TRUE(strstr(jstr(r.json, "error"), "no position") != NULL);
    hres_free(&r);
    open_long(&f);
    /* one of ours rests above: it must stay */
    scall(&f, "POST", "/fapi/v1/order",
          "symbol=ETHUSDT&side=SELL&type=LIMIT&timeInForce=GTX&quantity=0.010&price=2992.00&"
          "newClientOrderId=grid_sell",
          &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    hres_free(&r);
    from = user.n;
    control(&f, "close_position", "{\"qty\":\"0.004\"}", &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    SQT_ASSERT_STR_EQ(jstr(r.json, "closed"), "0.004");
    hres_free(&r);
    j = ws_wait(&f, &user, &from, "e", NULL, "ACCOUNT_UPDATE", 3000);
    CU_ASSERT_PTR_NOT_NULL(j);
    SQT_ASSERT_STR_EQ(jstr(json_array_get(json_object_get(json_object_get(j, "a"), "P"), 0), "pa"),
                      "0.006");
    json_decref(j);
    st = state_of(&f);
    SQT_ASSERT_STR_EQ(jstr(json_object_get(st, "position"), "size"), "0.006");
    SQT_ASSERT_INT_EQ(json_array_size(json_object_get(st, "open_orders")), 1);
    fl = json_object_get(st, "fills");
    SQT_ASSERT_INT_EQ(json_array_size(fl), 2);
    last = json_array_get(fl, 1);
    SQT_ASSERT_STR_EQ(jstr(last, "client_id"), "");
    SQT_ASSERT_STR_EQ(jstr(last, "side"), "SELL");
    SQT_ASSERT_STR_EQ(jstr(last, "qty"), "0.004");
    SQT_ASSERT_STR_EQ(jstr(last, "price"), "2989.50");
    SQT_ASSERT_STR_EQ(jstr(last, "fee"), "0.005979"); /* 11.958 * 0.0005, taker */
    SQT_ASSERT_STR_EQ(jstr(last, "realized_pnl"), "-0.002");
    /* wallet: 10000 - 0.00598 (maker buy) - 0.005979 - 0.002 */
    SQT_ASSERT_STR_EQ(jstr(st, "balance"), "9999.98604100");
    json_decref(st);
    /* the rest: all of it */
    control(&f, "close_position", "{}", &r);
    SQT_ASSERT_STR_EQ(jstr(r.json, "closed"), "0.006");
    hres_free(&r);
    st = state_of(&f);
    SQT_ASSERT_STR_EQ(jstr(json_object_get(st, "position"), "size"), "0.000");
    SQT_ASSERT_INT_EQ(json_array_size(json_object_get(st, "open_orders")), 1);
    json_decref(st);
    control(&f, "close_position", "{\"qty\":\"-1\"}", &r);
    SQT_ASSERT_INT_EQ(r.status, 400);
    hres_free(&r);
    ws_done(&f, &user);
    fx_stop(&f);
}

static void test_print_and_stalled_market(void)
{
    fx f;
    hres r;
    wsc m;
    json_t *j, *st;
    int from = 0;
    if (fx_start(&f, 1, NULL) != 0) {
        CU_FAIL("emulator did not start");
        return;
    }
    SQT_ASSERT_INT_EQ(ws_connect(&f, &m, "/market/ws/ethusdt@aggTrade"), 0);
    scall(&f, "POST", "/fapi/v1/order",
          "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.010&price=2900.00",
          &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    hres_free(&r);
    /* one outlier print far below the resting buy */
    control(&f, "print", "{\"price\":\"2500.00\"}", &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    SQT_ASSERT_STR_EQ(jstr(r.json, "price"), "3000.00");
    hres_free(&r);
    j = ws_wait(&f, &m, &from, "e", NULL, "aggTrade", 3000);
    CU_ASSERT_PTR_NOT_NULL(j);
    SQT_ASSERT_STR_EQ(jstr(j, "p"), "2500.00");
    json_decref(j);
    st = state_of(&f);
    SQT_ASSERT_STR_EQ(jstr(st, "price"), "3000.00");
    SQT_ASSERT_INT_EQ(json_array_size(json_object_get(st, "open_orders")), 1);
    SQT_ASSERT_INT_EQ(json_array_size(json_object_get(st, "fills")), 0);
    json_decref(st);
    /* the next tick goes on from the real price */
    control(&f, "step", NULL, &r);
    hres_free(&r);
    j = ws_wait(&f, &m, &from, "e", NULL, "aggTrade", 3000);
    CU_ASSERT_PTR_NOT_NULL(j);
    CU_ASSERT_TRUE(atof(jstr(j, "p")) > 2950.0);
    json_decref(j);
    control(&f, "print", "{\"price\":\"2500.001\"}", &r);
    SQT_ASSERT_INT_EQ(r.status, 400);
    hres_free(&r);

    /* a stalled market stream: nothing arrives until it is let go */
    control(&f, "stall_ws", "{\"which\":\"market\"}", &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    SQT_ASSERT_INT_EQ(jint(r.json, "connections"), 1);
    hres_free(&r);
    from = m.n;
    control(&f, "price", "{\"price\":\"3005.00\"}", &r);
    hres_free(&r);
    j = ws_wait(&f, &m, &from, "e", NULL, "aggTrade", 500);
    CU_ASSERT_PTR_NULL(j);
    json_decref(j);
    control(&f, "stall_ws", "{\"which\":\"market\",\"on\":false}", &r);
    hres_free(&r);
    control(&f, "price", "{\"price\":\"3006.00\"}", &r);
    hres_free(&r);
    j = ws_wait(&f, &m, &from, "p", NULL, "3006.00", 3000);
    CU_ASSERT_PTR_NOT_NULL(j);
    json_decref(j);
    ws_done(&f, &m);
    fx_stop(&f);
}

/* The current 1m kline of the traded symbol: open time and volume in steps (1e-3). */
static int current_bar(fx *f, long long *open_ms, int64_t *vol_steps)
{
    hres r;
    json_t *k;
    sqt_dec v, v3;
    const char *s;
    int ok = 0;
    call_key(f, "GET", "/fapi/v1/klines?symbol=ETHUSDT&interval=1m&limit=1", NULL, NULL, 0, &r);
    k = json_array_get(r.json, 0);
    s = json_string_value(json_array_get(k, 5));
    if (r.status == 200 && s != NULL && sqt_dec_parse(s, strlen(s), &v) == SQT_OK &&
        sqt_dec_rescale(v, 3, &v3) == SQT_OK) {
        *open_ms = (long long)json_integer_value(json_array_get(k, 0));
        *vol_steps = v3.mant;
        ok = 1;
    }
    hres_free(&r);
    return ok;
}

static void test_trade_qty_volume(void)
{
    fx f;
    hres r;
    wsc m;
    json_t *j, *st;
    int from = 0, tries, same = 0;
    long long open0 = 0, open1 = 0;
    int64_t v0 = 0, v1 = 0;
    if (fx_start(&f, 1, NULL) != 0) {
        CU_FAIL("emulator did not start");
        return;
    }
    SQT_ASSERT_INT_EQ(ws_connect(&f, &m, "/market/ws/ethusdt@aggTrade"), 0);
    /* without qty: the smallest trade */
    control(&f, "price", "{\"price\":\"2999.00\"}", &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    hres_free(&r);
    j = ws_wait(&f, &m, &from, "p", NULL, "2999.00", 3000);
    CU_ASSERT_PTR_NOT_NULL(j);
    SQT_ASSERT_STR_EQ(jstr(j, "q"), "0.001");
    json_decref(j);
    /* a big trade: its size on the stream and in the current bar's volume (a minute
     * boundary between the two reads is retried) */
    for (tries = 0; tries < 3 && !same; tries++) {
        CU_ASSERT_TRUE_FATAL(current_bar(&f, &open0, &v0));
        control(&f, "price", "{\"price\":\"2990.00\",\"qty\":\"25.5\"}", &r);
        SQT_ASSERT_INT_EQ(r.status, 200);
        SQT_ASSERT_STR_EQ(jstr(r.json, "price"), "2990.00");
        hres_free(&r);
        CU_ASSERT_TRUE_FATAL(current_bar(&f, &open1, &v1));
        same = open0 == open1;
        control(&f, "price", "{\"price\":\"2999.00\"}", &r);
        hres_free(&r);
    }
    CU_ASSERT_TRUE(same);
    SQT_ASSERT_INT_EQ(v1 - v0, 25500);
    j = ws_wait(&f, &m, &from, "p", NULL, "2990.00", 3000);
    CU_ASSERT_PTR_NOT_NULL(j);
    SQT_ASSERT_STR_EQ(jstr(j, "q"), "25.500");
    json_decref(j);
    /* a quantity off the step, zero, negative or not a number: refused, nothing moves */
    {
        static const char *const bad[] = {"{\"price\":\"2980.00\",\"qty\":\"0.0005\"}",
                                          "{\"price\":\"2980.00\",\"qty\":\"0\"}",
                                          "{\"price\":\"2980.00\",\"qty\":\"-1\"}",
                                          "{\"price\":\"2980.00\",\"qty\":\"lots\"}"};
        size_t i;
        for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
            control(&f, "price", bad[i], &r);
            SQT_ASSERT_INT_EQ(r.status, 400);
            CU_ASSERT_PTR_NOT_NULL(strstr(jstr(r.json, "error"), "step size 0.001"));
            hres_free(&r);
        }
    }
    st = state_of(&f);
    SQT_ASSERT_STR_EQ(jstr(st, "price"), "2999.00");
    json_decref(st);
    ws_done(&f, &m);
    fx_stop(&f);
}

static void test_method_faults_and_table(void)
{
    fx f;
    hres r;
    if (fx_start(&f, 1, NULL) != 0) {
        CU_FAIL("emulator did not start");
        return;
    }
    /* a 429 for DELETE on /fapi/v1/order only: the POST goes through */
    control(&f, "http429", "{\"path\":\"/fapi/v1/order\",\"method\":\"delete\"}", &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    hres_free(&r);
    scall(&f, "POST", "/fapi/v1/order",
          "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.010&price=2990.00&"
          "newClientOrderId=m1",
          &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    hres_free(&r);
    scall(&f, "DELETE", "/fapi/v1/order", "symbol=ETHUSDT&origClientOrderId=m1", &r);
    SQT_ASSERT_INT_EQ(r.status, 429);
    hres_free(&r);
    scall(&f, "DELETE", "/fapi/v1/order", "symbol=ETHUSDT&origClientOrderId=m1", &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    hres_free(&r);
    control(&f, "timeout", "{\"method\":\"DE1\"}", &r);
    SQT_ASSERT_INT_EQ(r.status, 400);
    hres_free(&r);
    /* the table answers help and names an unknown command */
    control(&f, "help", NULL, &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    CU_ASSERT_TRUE(
        json_is_string(json_object_get(json_object_get(r.json, "commands"), "close_position")));
    CU_ASSERT_TRUE(json_is_string(json_object_get(json_object_get(r.json, "commands"), "print")));
    CU_ASSERT_TRUE(
        json_is_string(json_object_get(json_object_get(r.json, "commands"), "stall_ws")));
    hres_free(&r);
    control(&f, "drop_wss", NULL, &r);
    SQT_ASSERT_INT_EQ(r.status, 404);
    CU_ASSERT_TRUE(strstr(jstr(r.json, "error"), "drop_wss") != NULL);
    hres_free(&r);
    fx_stop(&f);
}

/* The code and Binance's text of one refused order. */
static void refused(fx *f, const char *params, long code, const char *msg)
{
    hres r;
    scall(f, "POST", "/fapi/v1/order", params, &r);
    SQT_ASSERT_INT_EQ(r.status, 400);
    SQT_ASSERT_INT_EQ(jint(r.json, "code"), code);
    SQT_ASSERT_STR_EQ(jstr(r.json, "msg"), msg);
    hres_free(&r);
}

static void test_binance_texts_and_band(void)
{
    fx f;
    hres r;
    wsc a, b, u;
    char target[256];
    json_t *j, *sym;
    int from = 0;
    if (fx_start(&f, 1, NULL) != 0) {
        CU_FAIL("emulator did not start");
        return;
    }
    /* PERCENT_PRICE around the mark 3000.00: [2850.00, 3150.00] */
    call(&f, "GET", "/fapi/v1/exchangeInfo", NULL, &r);
    sym = json_array_get(json_object_get(r.json, "symbols"), 0);
    SQT_ASSERT_STR_EQ(jstr(filter(sym, "PERCENT_PRICE"), "multiplierUp"), "1.0500");
    SQT_ASSERT_STR_EQ(jstr(filter(sym, "PERCENT_PRICE"), "multiplierDown"), "0.9500");
    hres_free(&r);
    refused(&f, "symbol=ETHUSDT&side=SELL&type=LIMIT&timeInForce=GTC&quantity=0.010&price=3150.01",
            -4016, "Limit price can't be higher than 3150.00.");
    refused(&f, "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTC&quantity=0.010&price=2849.99",
            -4024, "Limit price can't be lower than 2850.00.");
    scall(&f, "POST", "/fapi/v1/order",
          "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.010&price=2850.00&"
          "newClientOrderId=t1",
          &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    hres_free(&r);
    refused(&f, "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.010&price=2990.00&"
                "newClientOrderId=t1",
            -4116, "ClientOrderId is duplicated.");
    refused(&f, "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.010&price=2990.00&"
                "newClientOrderId=bad%20id",
            -4015, "Client order id is not valid.");
    refused(&f, "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.010&price=0.00",
            -4014, "Price not increased by tick size.");
    refused(&f, "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.010&price=2990.001",
            -1111, "Precision is over the maximum defined for this asset.");
    refused(&f, "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.001&price=2990.00",
            -4164, "Order's notional must be no smaller than 5 (unless you choose reduce only).");
    refused(&f, "symbol=ETHUSDT&side=SELL&type=LIMIT&timeInForce=GTX&quantity=0.010&"
                "price=3010.00&reduceOnly=true",
            -2022, "ReduceOnly Order is rejected.");
    refused(&f, "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.010&price=3000.00",
            -5022, "Due to the order could not be executed as maker, the Post Only order will be "
                   "rejected. The order will not be recorded in the order history");
    /* parameter names in any case (ccxt sends orderidlist) */
    scall(&f, "DELETE", "/fapi/v1/batchOrders",
          "symbol=ETHUSDT&origclientorderidlist=%5B%22t1%22%5D", &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    SQT_ASSERT_STR_EQ(jstr(json_array_get(r.json, 0), "status"), "CANCELED");
    hres_free(&r);

    /* the indexed market forms and the key in the private path */
    SQT_ASSERT_INT_EQ(ws_connect(&f, &a, "/market/ws/1"), 0);
    SQT_ASSERT_INT_EQ(ws_connect(&f, &b, "/public/ws/2"), 0);
    {
        static const char sub[] =
            "{\"method\":\"SUBSCRIBE\",\"params\":[\"ethusdt@aggTrade\"],\"id\":1}";
        SQT_ASSERT_INT_EQ(sqt_ws_send(a.ws, sub, strlen(sub), 0), 0);
        RUN_UNTIL(&f.loop, a.n > 0, 2000);
    }
    call(&f, "POST", "/fapi/v1/listenKey", NULL, &r);
    snprintf(target, sizeof(target), "/private/ws/%s", jstr(r.json, "listenKey"));
    hres_free(&r);
    SQT_ASSERT_INT_EQ(ws_connect(&f, &u, target), 0);
    control(&f, "price", "{\"price\":\"3001.00\"}", &r);
    hres_free(&r);
    j = ws_wait(&f, &a, &from, "e", NULL, "aggTrade", 3000);
    CU_ASSERT_PTR_NOT_NULL(j);
    json_decref(j);
    scall(&f, "POST", "/fapi/v1/order",
          "symbol=ETHUSDT&side=BUY&type=LIMIT&timeInForce=GTX&quantity=0.010&price=2990.00", &r);
    hres_free(&r);
    from = 0;
    j = ws_wait(&f, &u, &from, "e", NULL, "ORDER_TRADE_UPDATE", 3000);
    CU_ASSERT_PTR_NOT_NULL(j);
    json_decref(j);
    ws_done(&f, &a);
    ws_done(&f, &b);
    ws_done(&f, &u);
    fx_stop(&f);
}

static void test_v3_account_fields(void)
{
    fx f;
    hres r;
    json_t *p;
    if (fx_start(&f, 1, NULL) != 0) {
        CU_FAIL("emulator did not start");
        return;
    }
    scall(&f, "GET", "/fapi/v3/positionRisk", "symbol=ETHUSDT", &r);
    SQT_ASSERT_INT_EQ(json_array_size(r.json), 0); /* flat, no orders: not listed */
    hres_free(&r);
    scall(&f, "GET", "/fapi/v3/account", "", &r);
    SQT_ASSERT_INT_EQ(json_array_size(json_object_get(r.json, "positions")), 0);
    CU_ASSERT_PTR_NULL(json_object_get(r.json, "feeTier"));
    CU_ASSERT_PTR_NULL(json_object_get(r.json, "canTrade"));
    SQT_ASSERT_STR_EQ(jstr(r.json, "totalWalletBalance"), "10000.00000000");
    hres_free(&r);
    open_long(&f);
    scall(&f, "GET", "/fapi/v3/account", "", &r);
    p = json_array_get(json_object_get(r.json, "positions"), 0);
    SQT_ASSERT_STR_EQ(jstr(p, "positionAmt"), "0.010");
    CU_ASSERT_PTR_NULL(json_object_get(p, "leverage"));
    CU_ASSERT_PTR_NULL(json_object_get(p, "entryPrice"));
    hres_free(&r);
    scall(&f, "GET", "/fapi/v3/positionRisk", "symbol=ETHUSDT", &r);
    p = json_array_get(r.json, 0);
    SQT_ASSERT_STR_EQ(jstr(p, "positionAmt"), "0.010");
    SQT_ASSERT_STR_EQ(jstr(p, "entryPrice"), "2990.00");
    SQT_ASSERT_STR_EQ(jstr(p, "marginAsset"), "USDT");
    CU_ASSERT_PTR_NOT_NULL(json_object_get(p, "positionInitialMargin"));
    CU_ASSERT_PTR_NULL(json_object_get(p, "leverage"));
    CU_ASSERT_PTR_NULL(json_object_get(p, "marginType"));
    hres_free(&r);
    scall(&f, "GET", "/fapi/v2/positionRisk", "symbol=ETHUSDT", &r);
    SQT_ASSERT_STR_EQ(jstr(json_array_get(r.json, 0), "leverage"), "5");
    hres_free(&r);
    /* where a v3 client reads the leverage */
    scall(&f, "GET", "/fapi/v1/symbolConfig", "symbol=ETHUSDT", &r);
    SQT_ASSERT_INT_EQ(jint(json_array_get(r.json, 0), "leverage"), 5);
    SQT_ASSERT_STR_EQ(jstr(json_array_get(r.json, 0), "marginType"), "CROSSED");
    hres_free(&r);
    fx_stop(&f);
}

static void test_dialect_required_and_log(void)
{
    uv_loop_t loop;
    sqt_emu_opts o;
    sqt_emu *e = NULL;
    char err[256], line[512] = "";
    fx f;
    hres r;
    FILE *log = tmpfile();
    int y, mo, d, h, mi, s, ms;
    uv_loop_init(&loop);
    sqt_emu_opts_default(&o);
    CU_ASSERT_PTR_NULL(o.dialect);
    CU_ASSERT_TRUE(sqt_emu_start(&loop, &o, &e, err, sizeof(err)) != SQT_OK);
    CU_ASSERT_TRUE(strstr(err, "dialect") != NULL && strstr(err, "binance") != NULL);
    o.dialect = "bitfinex";
    CU_ASSERT_TRUE(sqt_emu_start(&loop, &o, &e, err, sizeof(err)) != SQT_OK);
    CU_ASSERT_TRUE(strstr(err, "bitfinex") != NULL && strstr(err, "binance") != NULL);
    SQT_ASSERT_INT_EQ(uv_loop_close(&loop), 0);

    /* every log line starts with its UTC time */
    CU_ASSERT_PTR_NOT_NULL_FATAL(log);
    fx_log = log;
    if (fx_start(&f, 1, NULL) == 0) {
        call_key(&f, "GET", "/fapi/v1/time", NULL, NULL, 0, &r);
        hres_free(&r);
        fx_stop(&f);
    } else {
        CU_FAIL("emulator did not start");
    }
    fx_log = NULL;
    rewind(log);
    CU_ASSERT_PTR_NOT_NULL(fgets(line, sizeof(line), log));
    SQT_ASSERT_INT_EQ(sscanf(line, "%4d-%2d-%2dT%2d:%2d:%2d.%3dZ emulator: ", &y, &mo, &d, &h, &mi,
                             &s, &ms),
                      7);
    CU_ASSERT_TRUE(strstr(line, "Z emulator: ") != NULL);
    fclose(log);
}

/* ------------------------------------------------------------------------------------
 * the Bitget dialect
 * ---------------------------------------------------------------------------------- */

#define BG_PASS "emulator-passphrase"

/* A Bitget call: ACCESS-* headers (pass NULL: left out), signed over
 * ts + METHOD + path + ["?" query] + body with `secret`. */
static void bg_call(fx *f, const char *method, const char *path, const char *query,
                    const char *body, int64_t ts, const char *secret, const char *pass,
                    hres *r)
{
    char target[2048], tss[24], msg[4096], sig[64];
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    sqt_header h[6];
    size_t nh = 0;
    snprintf(target, sizeof(target), "%s%s%s", path, query[0] ? "?" : "", query);
    snprintf(tss, sizeof(tss), "%lld", (long long)ts);
    snprintf(msg, sizeof(msg), "%s%s%s%s%s%s", tss, method, path, query[0] ? "?" : "", query,
             body ? body : "");
    HMAC(EVP_sha256(), secret, (int)strlen(secret), (const unsigned char *)msg, strlen(msg), md,
         &n);
    EVP_EncodeBlock((unsigned char *)sig, md, (int)n);
    h[nh].name = "ACCESS-KEY";
    h[nh++].value = SQT_EMU_DEFAULT_KEY;
    h[nh].name = "ACCESS-SIGN";
    h[nh++].value = sig;
    h[nh].name = "ACCESS-TIMESTAMP";
    h[nh++].value = tss;
    if (pass != NULL) {
        h[nh].name = "ACCESS-PASSPHRASE";
        h[nh++].value = pass;
    }
    if (body != NULL) {
        h[nh].name = "Content-Type";
        h[nh++].value = "application/json";
    }
    send_to(f, method, target, h, nh, body, 0, r);
}

static void bg_ok(fx *f, const char *method, const char *path, const char *query,
                  const char *body, hres *r)
{
    bg_call(f, method, path, query, body, wall_ms(), SQT_EMU_DEFAULT_SECRET, BG_PASS, r);
}

static int bg_start(fx *f)
{
    int rc;
    fx_dialect = "bitget";
    rc = fx_start(f, 1, NULL);
    fx_dialect = "binance";
    return rc;
}

/* The envelope, contracts, and every authentication refusal with Bitget's code. */
static void test_bitget_rest_auth(void)
{
    static const char *const q = "symbol=ETHUSDT&productType=USDT-FUTURES&marginCoin=USDT";
    fx f;
    hres r;
    json_t *c;
    if (bg_start(&f) != 0) {
        CU_FAIL("emulator did not start");
        return;
    }
    call(&f, "GET", "/api/v2/mix/market/contracts?productType=USDT-FUTURES", NULL, &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    SQT_ASSERT_STR_EQ(jstr(r.json, "code"), "00000");
    SQT_ASSERT_STR_EQ(jstr(r.json, "msg"), "success");
    CU_ASSERT_TRUE(json_is_integer(json_object_get(r.json, "requestTime")));
    c = json_array_get(json_object_get(r.json, "data"), 0);
    SQT_ASSERT_STR_EQ(jstr(c, "symbol"), SYM);
    SQT_ASSERT_STR_EQ(jstr(c, "pricePlace"), "2");
    SQT_ASSERT_STR_EQ(jstr(c, "priceEndStep"), "1");
    SQT_ASSERT_STR_EQ(jstr(c, "sizeMultiplier"), "0.001");
    hres_free(&r);
    /* another product type: an empty list, code 00000 */
    call(&f, "GET", "/api/v2/mix/market/contracts?productType=COIN-FUTURES", NULL, &r);
    SQT_ASSERT_STR_EQ(jstr(r.json, "code"), "00000");
    SQT_ASSERT_INT_EQ(json_array_size(json_object_get(r.json, "data")), 0);
    hres_free(&r);
    bg_ok(&f, "GET", "/api/v2/mix/account/account", q, NULL, &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    SQT_ASSERT_STR_EQ(jstr(json_object_get(r.json, "data"), "posMode"), "one_way_mode");
    hres_free(&r);
    bg_call(&f, "GET", "/api/v2/mix/account/account", q, NULL, wall_ms(), "wrong-secret",
            BG_PASS, &r);
    SQT_ASSERT_INT_EQ(r.status, 400);
    SQT_ASSERT_STR_EQ(jstr(r.json, "code"), "40009");
    CU_ASSERT_TRUE(json_is_null(json_object_get(r.json, "data")));
    hres_free(&r);
    bg_call(&f, "GET", "/api/v2/mix/account/account", q, NULL, wall_ms(),
            SQT_EMU_DEFAULT_SECRET, "wrong-pass", &r);
    SQT_ASSERT_STR_EQ(jstr(r.json, "code"), "40012");
    hres_free(&r);
    bg_call(&f, "GET", "/api/v2/mix/account/account", q, NULL, wall_ms(),
            SQT_EMU_DEFAULT_SECRET, NULL, &r);
    SQT_ASSERT_STR_EQ(jstr(r.json, "code"), "40011");
    hres_free(&r);
    bg_call(&f, "GET", "/api/v2/mix/account/account", q, NULL, wall_ms() - 60000,
            SQT_EMU_DEFAULT_SECRET, BG_PASS, &r);
    SQT_ASSERT_STR_EQ(jstr(r.json, "code"), "40008");
    hres_free(&r);
    /* the clock skew fault: a client on local time is now outside the window */
    control(&f, "clock_skew", "{\"ms\":45000}", &r);
    hres_free(&r);
    bg_ok(&f, "GET", "/api/v2/mix/account/account", q, NULL, &r);
    SQT_ASSERT_STR_EQ(jstr(r.json, "code"), "40008");
    hres_free(&r);
    call(&f, "GET", "/api/v2/public/time", NULL, &r);
    CU_ASSERT_TRUE(strtoll(jstr(json_object_get(r.json, "data"), "serverTime"), NULL, 10) >
                   wall_ms() + 40000);
    hres_free(&r);
    fx_stop(&f);
}

#define BG_BASE "{\"symbol\":\"ETHUSDT\",\"productType\":\"USDT-FUTURES\"," \
                "\"marginMode\":\"crossed\",\"marginCoin\":\"USDT\","

/* Place, the post-only refusal, pages of open orders, detail with its fee, cancel. */
static void test_bitget_orders(void)
{
    fx f;
    hres r;
    char body[600], q[300], end[48];
    json_t *d;
    int i;
    if (bg_start(&f) != 0) {
        CU_FAIL("emulator did not start");
        return;
    }
    for (i = 0; i < 3; i++) {
        snprintf(body, sizeof(body), BG_BASE "\"size\":\"0.010\",\"price\":\"%d.00\","
                 "\"side\":\"buy\",\"orderType\":\"limit\",\"force\":\"post_only\","
                 "\"clientOid\":\"t_%d\"}", 2990 - i, i);
        bg_ok(&f, "POST", "/api/v2/mix/order/place-order", "", body, &r);
        SQT_ASSERT_STR_EQ(jstr(r.json, "code"), "00000");
        hres_free(&r);
    }
    /* a post-only buy above the price would take */
    bg_ok(&f, "POST", "/api/v2/mix/order/place-order", "",
          BG_BASE "\"size\":\"0.010\",\"price\":\"3010.00\",\"side\":\"buy\","
                  "\"orderType\":\"limit\",\"force\":\"post_only\",\"clientOid\":\"t_x\"}",
          &r);
    SQT_ASSERT_INT_EQ(r.status, 400);
    SQT_ASSERT_STR_EQ(jstr(r.json, "code"), "40099");
    CU_ASSERT_PTR_NOT_NULL(strstr(jstr(r.json, "msg"), "post only"));
    hres_free(&r);
    /* tradeSide in one-way mode: 40774 */
    bg_ok(&f, "POST", "/api/v2/mix/order/place-order", "",
          BG_BASE "\"size\":\"0.010\",\"price\":\"2980.00\",\"side\":\"buy\","
                  "\"tradeSide\":\"open\",\"orderType\":\"limit\",\"clientOid\":\"t_y\"}",
          &r);
    SQT_ASSERT_STR_EQ(jstr(r.json, "code"), "40774");
    hres_free(&r);
    /* pages of 2: newest first, then below the cursor */
    bg_ok(&f, "GET", "/api/v2/mix/order/orders-pending",
          "productType=USDT-FUTURES&symbol=ETHUSDT&limit=2", NULL, &r);
    d = json_object_get(r.json, "data");
    SQT_ASSERT_INT_EQ(json_array_size(json_object_get(d, "entrustedList")), 2);
    SQT_ASSERT_STR_EQ(jstr(json_array_get(json_object_get(d, "entrustedList"), 0), "clientOid"),
                      "t_2");
    snprintf(end, sizeof(end), "%s", jstr(d, "endId"));
    hres_free(&r);
    snprintf(q, sizeof(q), "productType=USDT-FUTURES&symbol=ETHUSDT&limit=2&idLessThan=%s", end);
    bg_ok(&f, "GET", "/api/v2/mix/order/orders-pending", q, NULL, &r);
    d = json_object_get(r.json, "data");
    SQT_ASSERT_INT_EQ(json_array_size(json_object_get(d, "entrustedList")), 1);
    SQT_ASSERT_STR_EQ(jstr(json_array_get(json_object_get(d, "entrustedList"), 0), "clientOid"),
                      "t_0");
    hres_free(&r);
    /* the price falls through t_0: detail says filled, with the fee paid (negative) */
    control(&f, "price", "{\"price\":\"2989.00\"}", &r);
    hres_free(&r);
    bg_ok(&f, "GET", "/api/v2/mix/order/detail",
          "symbol=ETHUSDT&productType=USDT-FUTURES&clientOid=t_0", NULL, &r);
    d = json_object_get(r.json, "data");
    SQT_ASSERT_STR_EQ(jstr(d, "state"), "filled");
    SQT_ASSERT_STR_EQ(jstr(d, "baseVolume"), "0.010");
    CU_ASSERT_EQUAL(jstr(d, "fee")[0], '-');
    hres_free(&r);
    /* batch cancel: one open (t_2 at 2988.00; t_1 at 2989.00 filled too), one unknown */
    bg_ok(&f, "POST", "/api/v2/mix/order/batch-cancel-orders", "",
          "{\"symbol\":\"ETHUSDT\",\"productType\":\"USDT-FUTURES\",\"marginCoin\":\"USDT\","
          "\"orderIdList\":[{\"clientOid\":\"t_2\"},{\"clientOid\":\"nope\"}]}", &r);
    d = json_object_get(r.json, "data");
    SQT_ASSERT_INT_EQ(json_array_size(json_object_get(d, "successList")), 1);
    SQT_ASSERT_STR_EQ(jstr(json_array_get(json_object_get(d, "failureList"), 0), "errorCode"),
                      "40768");
    hres_free(&r);
    /* a POST without a JSON Content-Type: 40007 */
    call(&f, "POST", "/api/v2/mix/order/cancel-order", "a=b", &r);
    SQT_ASSERT_STR_EQ(jstr(r.json, "code"), "40007");
    hres_free(&r);
    fx_stop(&f);
}

/* Text ping/pong, login (seconds, signed), orders pushes after it, the 24 h cut. */
static void test_bitget_streams(void)
{
    static const char sub[] = "{\"op\":\"subscribe\",\"args\":[{\"instType\":\"USDT-FUTURES\","
                              "\"channel\":\"orders\",\"instId\":\"default\"}]}";
    fx f;
    hres r;
    wsc pub, prv;
    char login[400], ts[24], msg[64], sig[64];
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    int from = 0, k, seen_live = 0, seen_filled = 0;
    json_t *j;
    if (bg_start(&f) != 0) {
        CU_FAIL("emulator did not start");
        return;
    }
    CU_ASSERT_EQUAL_FATAL(ws_connect(&f, &pub, "/v2/ws/public"), 0);
    sqt_ws_send(pub.ws, "ping", 4, 0);
    RUN_UNTIL(&f.loop, pub.n > 0, 2000);
    CU_ASSERT_TRUE_FATAL(pub.n > 0);
    SQT_ASSERT_STR_EQ(pub.msgs[0], "pong");
    ws_done(&f, &pub);
    CU_ASSERT_EQUAL_FATAL(ws_connect(&f, &prv, "/v2/ws/private"), 0);
    /* subscribing before the login: 30004 */
    sqt_ws_send(prv.ws, sub, strlen(sub), 0);
    j = ws_wait(&f, &prv, &from, "event", NULL, "error", 2000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    SQT_ASSERT_INT_EQ(jint(j, "code"), 30004);
    json_decref(j);
    snprintf(ts, sizeof(ts), "%lld", (long long)(wall_ms() / 1000));
    snprintf(msg, sizeof(msg), "%sGET/user/verify", ts);
    HMAC(EVP_sha256(), SQT_EMU_DEFAULT_SECRET, (int)strlen(SQT_EMU_DEFAULT_SECRET),
         (const unsigned char *)msg, strlen(msg), md, &n);
    EVP_EncodeBlock((unsigned char *)sig, md, (int)n);
    snprintf(login, sizeof(login), "{\"op\":\"login\",\"args\":[{\"apiKey\":\"%s\","
             "\"passphrase\":\"%s\",\"timestamp\":\"%s\",\"sign\":\"%s\"}]}",
             SQT_EMU_DEFAULT_KEY, BG_PASS, ts, sig);
    sqt_ws_send(prv.ws, login, strlen(login), 0);
    j = ws_wait(&f, &prv, &from, "event", NULL, "login", 2000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    SQT_ASSERT_INT_EQ(jint(j, "code"), 0);
    json_decref(j);
    sqt_ws_send(prv.ws, sub, strlen(sub), 0);
    j = ws_wait(&f, &prv, &from, "event", NULL, "subscribe", 2000);
    CU_ASSERT_PTR_NOT_NULL(j);
    json_decref(j);
    bg_ok(&f, "POST", "/api/v2/mix/order/place-order", "",
          BG_BASE "\"size\":\"0.010\",\"price\":\"2990.00\",\"side\":\"buy\","
                  "\"orderType\":\"limit\",\"force\":\"post_only\",\"clientOid\":\"s_1\"}",
          &r);
    hres_free(&r);
    control(&f, "price", "{\"price\":\"2989.00\"}", &r);
    hres_free(&r);
    RUN_UNTIL(&f.loop, prv.n >= from + 2, 2000);
    for (k = from; k < prv.n; k++) {
        json_t *m = json_loads(prv.msgs[k], 0, NULL);
        json_t *d0 = json_array_get(json_object_get(m, "data"), 0);
        if (d0 != NULL && strcmp(jstr(d0, "status"), "live") == 0)
            seen_live = 1;
        if (d0 != NULL && strcmp(jstr(d0, "status"), "filled") == 0) {
            seen_filled = 1;
            SQT_ASSERT_STR_EQ(jstr(d0, "accBaseVolume"), "0.010");
            SQT_ASSERT_STR_EQ(jstr(d0, "fillPrice"), "2990.00");
            CU_ASSERT_EQUAL(jstr(d0, "fillFee")[0], '-');
            SQT_ASSERT_STR_EQ(jstr(d0, "tradeScope"), "M");
        }
        json_decref(m);
    }
    CU_ASSERT_TRUE(seen_live);
    CU_ASSERT_TRUE(seen_filled);
    /* the session fault is the 24 h cut: the private socket closes */
    control(&f, "expire_listen_key", NULL, &r);
    hres_free(&r);
    RUN_UNTIL(&f.loop, prv.downs > 0 || prv.closed, 3000);
    CU_ASSERT_TRUE(prv.downs > 0 || prv.closed);
    ws_done(&f, &prv);
    fx_stop(&f);
}

/* ------------------------------------------------------------------------------------
 * the Gate dialect
 * ---------------------------------------------------------------------------------- */

#define GT "/api/v4/futures/usdt"

static void gt_hex(const unsigned char *md, unsigned int n, char *out)
{
    unsigned int i;
    for (i = 0; i < n; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* The test's own Gate signature (gate.md 2.1), checked against the spec's vectors. */
static void gt_sign(const char *method, const char *path, const char *query, const char *body,
                    const char *ts, const char *secret, char out[129])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    char bh[129], msg[4096];
    EVP_Digest(body, strlen(body), md, &n, EVP_sha512(), NULL);
    gt_hex(md, n, bh);
    snprintf(msg, sizeof(msg), "%s\n%s\n%s\n%s\n%s", method, path, query, bh, ts);
    HMAC(EVP_sha512(), secret, (int)strlen(secret), (const unsigned char *)msg, strlen(msg), md,
         &n);
    gt_hex(md, n, out);
}

static void gt_ws_sign(const char *channel, const char *event, long long t, const char *secret,
                       char out[129])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    char msg[160];
    snprintf(msg, sizeof(msg), "channel=%s&event=%s&time=%lld", channel, event, t);
    HMAC(EVP_sha512(), secret, (int)strlen(secret), (const unsigned char *)msg, strlen(msg), md,
         &n);
    gt_hex(md, n, out);
}

/* A Gate call: KEY/SIGN/Timestamp (key NULL: no auth headers), signed over the query as
 * given in `signed_query` (NULL: the sent one), X-Gate-Size-Decimal when dec. */
static void gt_call(fx *f, const char *method, const char *path, const char *query,
                    const char *signed_query, const char *body, const char *ts,
                    const char *key, const char *secret, int dec, hres *r)
{
    char target[2048], sig[129];
    sqt_header h[6];
    size_t nh = 0;
    snprintf(target, sizeof(target), "%s%s%s", path, query[0] ? "?" : "", query);
    gt_sign(method, path, signed_query ? signed_query : query, body ? body : "", ts, secret,
            sig);
    if (key != NULL) {
        h[nh].name = "KEY";
        h[nh++].value = key;
        h[nh].name = "SIGN";
        h[nh++].value = sig;
        h[nh].name = "Timestamp";
        h[nh++].value = ts;
    }
    if (body != NULL) {
        h[nh].name = "Content-Type";
        h[nh++].value = "application/json";
    }
    if (dec) {
        h[nh].name = "X-Gate-Size-Decimal";
        h[nh++].value = "1";
    }
    send_to(f, method, target, h, nh, body, 0, r);
}

static const char *gt_now(char *buf, size_t cap, int64_t shift_ms)
{
    snprintf(buf, cap, "%lld", (long long)((wall_ms() + shift_ms) / 1000));
    return buf;
}

static void gt_ok(fx *f, const char *method, const char *path, const char *query,
                  const char *body, hres *r)
{
    char ts[24];
    gt_call(f, method, path, query, NULL, body, gt_now(ts, sizeof(ts), 0), SQT_EMU_DEFAULT_KEY,
            SQT_EMU_DEFAULT_SECRET, 0, r);
}

static int gt_start(fx *f)
{
    int rc;
    fx_dialect = "gate";
    rc = fx_start(f, 1, NULL);
    fx_dialect = "binance";
    return rc;
}

/* A poc buy of n contracts at price with text; returns the id (0 on failure). */
static long long gt_buy(fx *f, int n, const char *price, const char *text, int *status)
{
    char body[300];
    hres r;
    long long id;
    snprintf(body, sizeof(body), "{\"contract\":\"ETH_USDT\",\"size\":%d,\"price\":\"%s\","
             "\"tif\":\"poc\",\"text\":\"%s\"}", n, price, text);
    gt_ok(f, "POST", GT "/orders", "", body, &r);
    if (status != NULL)
        *status = r.status;
    id = r.status == 201 ? jint(r.json, "id") : 0;
    hres_free(&r);
    return id;
}

/* The spec's vectors (gate.md 2.2) through the test's signer: it is Gate's algorithm. */
static void test_gate_vectors(void)
{
    char sig[129];
    gt_sign("GET", "/api/v4/futures/orders", "contract=BTC_USD&status=finished&limit=50", "",
            "1541993715", "secret", sig);
    SQT_ASSERT_STR_EQ(sig, "55f84ea195d6fe57ce62464daaa7c3c02fa9d1dde954e4c898289c9a2407a3d6"
                           "fb3faf24deff16790d726b66ac9f74526668b13bd01029199cc4fcc522418b8a");
    gt_sign("POST", "/api/v4/futures/orders", "",
            "{\"contract\":\"BTC_USD\",\"type\":\"limit\",\"size\":100,\"price\":6800,"
            "\"time_in_force\":\"gtc\"}",
            "1541993715", "secret", sig);
    SQT_ASSERT_STR_EQ(sig, "eae42da914a590ddf727473aff25fc87d50b64783941061f47a3fdb92742541f"
                           "c4c2c14017581b4199a1418d54471c269c03a38d788d802e2c306c37636389f0");
    gt_sign("POST", "/api/v4/futures/usdt/orders", "",
            "{\"contract\":\"BTC_USDT\",\"size\":10,\"price\":\"60000\",\"tif\":\"poc\","
            "\"text\":\"t-60000_B_1\"}",
            "1700000000", "secret", sig);
    SQT_ASSERT_STR_EQ(sig, "efc0aff324a2cf8a23c442919e3a78020a69c05e3cc02cad6075573ab1a50b06"
                           "031a1cb261d5bde4024e560a29991149bde43325caf9cc78639bf40ba5ef2369");
    gt_ws_sign("futures.orders", "subscribe", 1700000000LL, "secret", sig);
    SQT_ASSERT_STR_EQ(sig, "e40a0260c1d090a7b5f60f6171dfc3d9ca6a1b1dd6abfd8e92347bad5e134af7"
                           "7fb03930eff122f7f72cdcb3c41898a16dbf1ee7089615f540c11b12c19b6d04");
}

/* Contracts, the account, every signature refusal, fractional seconds, the decoded query,
 * clock skew and the rate headers. */
static void test_gate_rest_auth(void)
{
    fx f;
    hres r;
    char ts[24];
    json_t *c;
    if (gt_start(&f) != 0) {
        CU_FAIL("emulator did not start");
        return;
    }
    call(&f, "GET", GT "/contracts/ETH_USDT", NULL, &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    SQT_ASSERT_STR_EQ(jstr(r.json, "name"), "ETH_USDT");
    SQT_ASSERT_STR_EQ(jstr(r.json, "quanto_multiplier"), "0.001");
    SQT_ASSERT_STR_EQ(jstr(r.json, "order_price_round"), "0.01");
    SQT_ASSERT_INT_EQ(jint(r.json, "order_size_min"), 1);
    CU_ASSERT_TRUE(jint(r.json, "orders_limit") > 0);
    CU_ASSERT_TRUE(r.remain[0] != '\0');
    hres_free(&r);
    call(&f, "GET", GT "/contracts/BTC_USDT", NULL, &r);
    SQT_ASSERT_INT_EQ(r.status, 400);
    SQT_ASSERT_STR_EQ(jstr(r.json, "label"), "CONTRACT_NOT_FOUND");
    hres_free(&r);
    gt_ok(&f, "GET", GT "/accounts", "", NULL, &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    c = json_object_get(r.json, "user");
    CU_ASSERT_TRUE(json_is_integer(c) && json_integer_value(c) > 0);
    SQT_ASSERT_STR_EQ(jstr(r.json, "currency"), "USDT");
    SQT_ASSERT_STR_EQ(jstr(r.json, "position_mode"), "single");
    hres_free(&r);
    /* a wrong secret, a wrong key, a missing header, a stale timestamp */
    gt_call(&f, "GET", GT "/accounts", "", NULL, NULL, gt_now(ts, sizeof(ts), 0),
            SQT_EMU_DEFAULT_KEY, "wrong-secret", 0, &r);
    SQT_ASSERT_INT_EQ(r.status, 401);
    SQT_ASSERT_STR_EQ(jstr(r.json, "label"), "INVALID_SIGNATURE");
    CU_ASSERT_TRUE(jstr(r.json, "message")[0] != '\0');
    hres_free(&r);
    gt_call(&f, "GET", GT "/accounts", "", NULL, NULL, gt_now(ts, sizeof(ts), 0), "other-key",
            SQT_EMU_DEFAULT_SECRET, 0, &r);
    SQT_ASSERT_INT_EQ(r.status, 401);
    SQT_ASSERT_STR_EQ(jstr(r.json, "label"), "INVALID_KEY");
    hres_free(&r);
    call(&f, "GET", GT "/accounts", NULL, &r);
    SQT_ASSERT_INT_EQ(r.status, 400);
    SQT_ASSERT_STR_EQ(jstr(r.json, "label"), "MISSING_REQUIRED_HEADER");
    hres_free(&r);
    gt_call(&f, "GET", GT "/accounts", "", NULL, NULL, gt_now(ts, sizeof(ts), -61000),
            SQT_EMU_DEFAULT_KEY, SQT_EMU_DEFAULT_SECRET, 0, &r);
    SQT_ASSERT_INT_EQ(r.status, 403);
    SQT_ASSERT_STR_EQ(jstr(r.json, "label"), "REQUEST_EXPIRED");
    hres_free(&r);
    /* fractional seconds are signed as sent (gate.md 11) */
    snprintf(ts, sizeof(ts), "%lld.%03lld", (long long)(wall_ms() / 1000),
             (long long)(wall_ms() % 1000));
    gt_call(&f, "GET", GT "/accounts", "", NULL, NULL, ts, SQT_EMU_DEFAULT_KEY,
            SQT_EMU_DEFAULT_SECRET, 0, &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    hres_free(&r);
    /* the query is signed decoded; signing the encoded form is refused */
    gt_call(&f, "GET", GT "/orders", "contract=ETH%5FUSDT&status=open",
            "contract=ETH_USDT&status=open", NULL, gt_now(ts, sizeof(ts), 0),
            SQT_EMU_DEFAULT_KEY, SQT_EMU_DEFAULT_SECRET, 0, &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    CU_ASSERT_TRUE(json_is_array(r.json));
    hres_free(&r);
    gt_call(&f, "GET", GT "/orders", "contract=ETH%5FUSDT&status=open", NULL, NULL,
            gt_now(ts, sizeof(ts), 0), SQT_EMU_DEFAULT_KEY, SQT_EMU_DEFAULT_SECRET, 0, &r);
    SQT_ASSERT_STR_EQ(jstr(r.json, "label"), "INVALID_SIGNATURE");
    hres_free(&r);
    /* leverage in the query with an empty body; dual mode */
    gt_ok(&f, "POST", GT "/positions/ETH_USDT/leverage", "leverage=0&cross_leverage_limit=10",
          NULL, &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    SQT_ASSERT_STR_EQ(jstr(r.json, "leverage"), "0");
    SQT_ASSERT_STR_EQ(jstr(r.json, "cross_leverage_limit"), "10");
    hres_free(&r);
    gt_ok(&f, "POST", GT "/dual_mode", "dual_mode=true", NULL, &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    CU_ASSERT_TRUE(json_is_true(json_object_get(r.json, "in_dual_mode")));
    hres_free(&r);
    gt_ok(&f, "GET", GT "/positions/ETH_USDT", "", NULL, &r);
    SQT_ASSERT_STR_EQ(jstr(r.json, "label"), "POSITION_DUAL_MODE");
    hres_free(&r);
    gt_ok(&f, "GET", GT "/dual_comp/positions/ETH_USDT", "", NULL, &r);
    SQT_ASSERT_INT_EQ(json_array_size(r.json), 2);
    hres_free(&r);
    gt_ok(&f, "POST", GT "/dual_mode", "dual_mode=false", NULL, &r);
    hres_free(&r);
    /* clock skew: a client on local time falls outside the 60 s window */
    control(&f, "clock_skew", "{\"ms\":75000}", &r);
    hres_free(&r);
    gt_ok(&f, "GET", GT "/accounts", "", NULL, &r);
    SQT_ASSERT_INT_EQ(r.status, 403);
    SQT_ASSERT_STR_EQ(jstr(r.json, "label"), "REQUEST_EXPIRED");
    hres_free(&r);
    call(&f, "GET", "/api/v4/spot/time", NULL, &r);
    CU_ASSERT_TRUE(jint(r.json, "server_time") > wall_ms() + 70000);
    hres_free(&r);
    fx_stop(&f);
}

/* Orders in contracts: 201, the size forms, refusals, pages, get by text, fills, the
 * trade list's fee, cancel and its second time, batches, cancel all. */
static void test_gate_orders(void)
{
    fx f;
    hres r;
    char ts[24], q[200];
    json_t *st, *o;
    long long id0, id2;
    int status, i;
    if (gt_start(&f) != 0) {
        CU_FAIL("emulator did not start");
        return;
    }
    id0 = gt_buy(&f, 10, "2990.00", "t-2990_B_0", &status);
    SQT_ASSERT_INT_EQ(status, 201);
    CU_ASSERT_TRUE(id0 > 0);
    gt_buy(&f, 10, "2989.00", "t-2989_B_1", NULL);
    id2 = gt_buy(&f, 10, "2988.00", "t-2988_B_2", NULL);
    /* the core holds coins: 10 contracts x 0.001 */
    st = sqt_emu_state(f.emu);
    SQT_ASSERT_STR_EQ(jstr(json_array_get(json_object_get(st, "open_orders"), 0), "qty"),
                      "0.010");
    json_decref(st);
    /* refusals before the core */
    gt_ok(&f, "POST", GT "/orders", "",
          "{\"contract\":\"ETH_USDT\",\"size\":\"1.5\",\"price\":\"2980\",\"tif\":\"poc\","
          "\"text\":\"t-x\"}", &r);
    SQT_ASSERT_INT_EQ(r.status, 400);
    SQT_ASSERT_STR_EQ(jstr(r.json, "label"), "INVALID_PARAM_VALUE");
    hres_free(&r);
    gt_ok(&f, "POST", GT "/orders", "",
          "{\"contract\":\"ETH_USDT\",\"size\":1,\"price\":\"2980\",\"text\":\"no-prefix\"}", &r);
    SQT_ASSERT_STR_EQ(jstr(r.json, "label"), "INVALID_PARAM_VALUE");
    hres_free(&r);
    gt_ok(&f, "POST", GT "/orders", "",
          "{\"contract\":\"ETH_USDT\",\"size\":1,\"price\":\"2980\","
          "\"text\":\"t-12345678901234567890123456789\"}", &r); /* 31 bytes */
    SQT_ASSERT_STR_EQ(jstr(r.json, "label"), "INVALID_PARAM_VALUE");
    hres_free(&r);
    /* a poc buy above the price would take: ORDER_POC_IMMEDIATE, nothing rests */
    gt_buy(&f, 10, "3010.00", "t-3010_B_9", &status);
    SQT_ASSERT_INT_EQ(status, 400);
    gt_ok(&f, "POST", GT "/orders", "",
          "{\"contract\":\"ETH_USDT\",\"size\":10,\"price\":\"3010.00\",\"tif\":\"poc\","
          "\"text\":\"t-3010_B_9\"}", &r);
    SQT_ASSERT_STR_EQ(jstr(r.json, "label"), "ORDER_POC_IMMEDIATE");
    hres_free(&r);
    /* pages of 2, newest first; the decimal header turns sizes into strings */
    gt_call(&f, "GET", GT "/orders", "contract=ETH_USDT&status=open&limit=2", NULL, NULL,
            gt_now(ts, sizeof(ts), 0), SQT_EMU_DEFAULT_KEY, SQT_EMU_DEFAULT_SECRET, 1, &r);
    SQT_ASSERT_INT_EQ(json_array_size(r.json), 2);
    SQT_ASSERT_STR_EQ(r.page_limit, "2");
    o = json_array_get(r.json, 0);
    SQT_ASSERT_STR_EQ(jstr(o, "text"), "t-2988_B_2");
    SQT_ASSERT_STR_EQ(jstr(o, "size"), "10");
    SQT_ASSERT_STR_EQ(jstr(o, "status"), "open");
    hres_free(&r);
    gt_ok(&f, "GET", GT "/orders", "contract=ETH_USDT&status=open&limit=2&offset=2", NULL, &r);
    SQT_ASSERT_INT_EQ(json_array_size(r.json), 1);
    o = json_array_get(r.json, 0);
    SQT_ASSERT_STR_EQ(jstr(o, "text"), "t-2990_B_0");
    CU_ASSERT_TRUE(json_is_integer(json_object_get(o, "size")));
    SQT_ASSERT_INT_EQ(jint(o, "size"), 10);
    SQT_ASSERT_INT_EQ(jint(o, "left"), 10);
    hres_free(&r);
    /* by text */
    gt_ok(&f, "GET", GT "/orders/t-2989_B_1", "", NULL, &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    SQT_ASSERT_STR_EQ(jstr(r.json, "tif"), "poc");
    SQT_ASSERT_STR_EQ(jstr(r.json, "finish_as"), "");
    hres_free(&r);
    /* the price falls through 2990 and 2989: both filled, left 0 */
    control(&f, "price", "{\"price\":\"2989.00\"}", &r);
    hres_free(&r);
    snprintf(q, sizeof(q), GT "/orders/%lld", id0);
    gt_ok(&f, "GET", q, "", NULL, &r);
    SQT_ASSERT_STR_EQ(jstr(r.json, "status"), "finished");
    SQT_ASSERT_STR_EQ(jstr(r.json, "finish_as"), "filled");
    SQT_ASSERT_INT_EQ(jint(r.json, "left"), 0);
    SQT_ASSERT_STR_EQ(jstr(r.json, "fill_price"), "2990.00");
    hres_free(&r);
    /* the fee of the fill: 0.0002 x 2990 x 0.010 */
    snprintf(q, sizeof(q), "contract=ETH_USDT&order=%lld", id0);
    gt_ok(&f, "GET", GT "/my_trades", q, NULL, &r);
    SQT_ASSERT_INT_EQ(json_array_size(r.json), 1);
    o = json_array_get(r.json, 0);
    SQT_ASSERT_STR_EQ(jstr(o, "role"), "maker");
    SQT_ASSERT_INT_EQ(jint(o, "size"), 10);
    SQT_ASSERT_STR_EQ(jstr(o, "price"), "2990.00");
    {
        sqt_dec fee = sqt_dec_make(0, 0);
        const char *fs = jstr(o, "fee");
        CU_ASSERT_EQUAL(sqt_dec_parse(fs, strlen(fs), &fee), SQT_OK);
        {
            int okc = 0;
            CU_ASSERT_EQUAL(sqt_dec_cmp(fee, sqt_dec_make(598, 5), &okc), 0);
            CU_ASSERT_TRUE(okc);
        }
    }
    hres_free(&r);
    /* cancel by id: finished / cancelled; a second time: ORDER_FINISHED; unknown: 404 */
    snprintf(q, sizeof(q), GT "/orders/%lld", id2);
    gt_ok(&f, "DELETE", q, "contract=ETH_USDT", NULL, &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    SQT_ASSERT_STR_EQ(jstr(r.json, "finish_as"), "cancelled");
    SQT_ASSERT_INT_EQ(jint(r.json, "left"), 10);
    hres_free(&r);
    gt_ok(&f, "DELETE", q, "", NULL, &r);
    SQT_ASSERT_STR_EQ(jstr(r.json, "label"), "ORDER_FINISHED");
    hres_free(&r);
    gt_ok(&f, "DELETE", GT "/orders/424242", "", NULL, &r);
    SQT_ASSERT_INT_EQ(r.status, 404);
    SQT_ASSERT_STR_EQ(jstr(r.json, "label"), "ORDER_NOT_FOUND");
    hres_free(&r);
    /* a batch: HTTP 200, per-item results; an item without text fails the whole batch */
    gt_ok(&f, "POST", GT "/batch_orders", "",
          "[{\"contract\":\"ETH_USDT\",\"size\":5,\"price\":\"2980.00\",\"tif\":\"poc\","
          "\"text\":\"t-b1\"},{\"contract\":\"ETH_USDT\",\"size\":-5,\"price\":\"2970.00\","
          "\"tif\":\"poc\",\"text\":\"t-b2\",\"reduce_only\":true}]", &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    SQT_ASSERT_INT_EQ(json_array_size(r.json), 2);
    CU_ASSERT_TRUE(json_is_true(json_object_get(json_array_get(r.json, 0), "succeeded")));
    CU_ASSERT_TRUE(json_is_false(json_object_get(json_array_get(r.json, 1), "succeeded")));
    SQT_ASSERT_STR_EQ(jstr(json_array_get(r.json, 1), "label"), "ORDER_POC_IMMEDIATE");
    hres_free(&r);
    gt_ok(&f, "POST", GT "/batch_orders", "",
          "[{\"contract\":\"ETH_USDT\",\"size\":5,\"price\":\"2980.00\"}]", &r);
    SQT_ASSERT_INT_EQ(r.status, 400);
    hres_free(&r);
    /* a sell of the position: size negative */
    gt_ok(&f, "POST", GT "/orders", "",
          "{\"contract\":\"ETH_USDT\",\"size\":-20,\"price\":\"3000.00\",\"tif\":\"poc\","
          "\"text\":\"t-s1\",\"reduce_only\":true}", &r);
    SQT_ASSERT_INT_EQ(r.status, 201);
    SQT_ASSERT_INT_EQ(jint(r.json, "size"), -20);
    CU_ASSERT_TRUE(json_is_true(json_object_get(r.json, "is_reduce_only")));
    hres_free(&r);
    gt_ok(&f, "GET", GT "/positions/ETH_USDT", "", NULL, &r);
    SQT_ASSERT_INT_EQ(jint(r.json, "size"), 20);
    hres_free(&r);
    /* batch cancel by id strings: one known, one not */
    gt_ok(&f, "POST", GT "/batch_cancel_orders", "", "[\"t-s1\",\"777\"]", &r);
    SQT_ASSERT_INT_EQ(json_array_size(r.json), 2);
    CU_ASSERT_TRUE(json_is_true(json_object_get(json_array_get(r.json, 0), "succeeded")));
    CU_ASSERT_TRUE(json_is_false(json_object_get(json_array_get(r.json, 1), "succeeded")));
    hres_free(&r);
    /* cancel all of the contract: the bids only, then the rest */
    for (i = 0; i < 2; i++) {
        char text[16];
        snprintf(text, sizeof(text), "t-c%d", i);
        gt_buy(&f, 2, "2950.00", text, NULL);
    }
    gt_ok(&f, "DELETE", GT "/orders", "contract=ETH_USDT&side=ask", NULL, &r);
    SQT_ASSERT_INT_EQ(json_array_size(r.json), 0);
    hres_free(&r);
    gt_ok(&f, "DELETE", GT "/orders", "contract=ETH_USDT", NULL, &r);
    SQT_ASSERT_INT_EQ(json_array_size(r.json), 3);
    hres_free(&r);
    /* the margin fault */
    control(&f, "reject_margin", "{\"count\":1}", &r);
    hres_free(&r);
    gt_buy(&f, 2, "2950.00", "t-m1", &status);
    SQT_ASSERT_INT_EQ(status, 400);
    gt_ok(&f, "GET", GT "/orders/t-m1", "", NULL, &r);
    SQT_ASSERT_INT_EQ(r.status, 404);
    hres_free(&r);
    fx_stop(&f);
}

/* Every finish_as the spec lists comes out of the finish_as command; a reduce-only order
 * the core expires (the position closed outside) says position_closed. */
static void test_gate_finish_as(void)
{
    static const char *const labels[] = {
        "cancelled", "liquidated", "liquidate_cancelled", "reduce_only", "position_closed",
        "reduce_out", "auto_deleveraged", "stp", "small", "depth_not_enough",
        "trader_not_enough", "poc", "ioc", "fok"};
    fx f;
    hres r;
    char text[32], cmd[160], q[160];
    size_t i;
    if (gt_start(&f) != 0) {
        CU_FAIL("emulator did not start");
        return;
    }
    for (i = 0; i < sizeof(labels) / sizeof(labels[0]); i++) {
        snprintf(text, sizeof(text), "t-fa%zu", i);
        gt_buy(&f, 2, "2900.00", text, NULL);
        snprintf(cmd, sizeof(cmd), "{\"text\":\"%s\",\"as\":\"%s\"}", text, labels[i]);
        control(&f, "finish_as", cmd, &r);
        SQT_ASSERT_INT_EQ(r.status, 200);
        hres_free(&r);
        snprintf(q, sizeof(q), GT "/orders/%s", text);
        gt_ok(&f, "GET", q, "", NULL, &r);
        SQT_ASSERT_STR_EQ(jstr(r.json, "status"), "finished");
        SQT_ASSERT_STR_EQ(jstr(r.json, "finish_as"), labels[i]);
        hres_free(&r);
    }
    control(&f, "finish_as", "{\"text\":\"t-fa0\",\"as\":\"filled\"}", &r);
    SQT_ASSERT_INT_EQ(r.status, 400);
    hres_free(&r);
    /* a long, a reduce-only sell, the position closed outside */
    gt_buy(&f, 10, "2999.00", "t-long", NULL);
    control(&f, "price", "{\"price\":\"2998.00\"}", &r);
    hres_free(&r);
    gt_ok(&f, "POST", GT "/orders", "",
          "{\"contract\":\"ETH_USDT\",\"size\":-10,\"price\":\"3050.00\",\"tif\":\"poc\","
          "\"text\":\"t-ro\",\"reduce_only\":true}", &r);
    SQT_ASSERT_INT_EQ(r.status, 201);
    hres_free(&r);
    control(&f, "close_position", NULL, &r);
    hres_free(&r);
    control(&f, "price", "{\"price\":\"3050.00\"}", &r); /* it would fill: nothing to reduce */
    hres_free(&r);
    gt_ok(&f, "GET", GT "/orders/t-ro", "", NULL, &r);
    SQT_ASSERT_STR_EQ(jstr(r.json, "status"), "finished");
    SQT_ASSERT_STR_EQ(jstr(r.json, "finish_as"), "position_closed");
    hres_free(&r);
    fx_stop(&f);
}

/* One socket: app ping, tickers and trades, candles, the private channels' auth (none,
 * a wrong user id, a bad signature, then right), order and trade pushes in contracts
 * with the decimal header, a dropped push, the upgrade cut. */
static void test_gate_streams(void)
{
    static const sqt_header dec = {"X-Gate-Size-Decimal", "1"};
    fx f;
    hres r;
    wsc w;
    json_t *j, *res;
    char msg[800], sig[129], uid[24];
    long long now_s = wall_ms() / 1000;
    int from = 0, k, open_seen = 0, filled_seen = 0, trade_seen = 0, orders_after_drop = 0;
    if (gt_start(&f) != 0) {
        CU_FAIL("emulator did not start");
        return;
    }
    {
        json_t *stt = sqt_emu_state(f.emu);
        snprintf(uid, sizeof(uid), "%lld",
                 (long long)json_integer_value(json_object_get(stt, "user")));
        json_decref(stt);
    }
    CU_ASSERT_TRUE_FATAL(ws_connect(&f, &w, "/v4/ws/elsewhere") != 0);
    ws_done(&f, &w);
    CU_ASSERT_EQUAL_FATAL(ws_connect_h(&f, &w, "/v4/ws/usdt", &dec, 1), 0);
    snprintf(msg, sizeof(msg), "{\"time\":%lld,\"channel\":\"futures.ping\"}", now_s);
    sqt_ws_send(w.ws, msg, strlen(msg), 0);
    j = ws_wait(&f, &w, &from, "channel", NULL, "futures.pong", 2000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    CU_ASSERT_TRUE(json_is_null(json_object_get(j, "result")));
    json_decref(j);
    snprintf(msg, sizeof(msg), "{\"time\":%lld,\"channel\":\"futures.tickers\",\"event\":"
             "\"subscribe\",\"payload\":[\"ETH_USDT\"]}", now_s);
    sqt_ws_send(w.ws, msg, strlen(msg), 0);
    snprintf(msg, sizeof(msg), "{\"time\":%lld,\"channel\":\"futures.trades\",\"event\":"
             "\"subscribe\",\"payload\":[\"ETH_USDT\"]}", now_s);
    sqt_ws_send(w.ws, msg, strlen(msg), 0);
    snprintf(msg, sizeof(msg), "{\"time\":%lld,\"channel\":\"futures.candlesticks\",\"event\":"
             "\"subscribe\",\"payload\":[\"1m\",\"ETH_USDT\"]}", now_s);
    sqt_ws_send(w.ws, msg, strlen(msg), 0);
    j = ws_wait(&f, &w, &from, "event", NULL, "subscribe", 2000);
    CU_ASSERT_PTR_NOT_NULL(j);
    CU_ASSERT_TRUE(json_is_null(json_object_get(j, "error")));
    SQT_ASSERT_STR_EQ(jstr(json_object_get(j, "result"), "status"), "success");
    json_decref(j);
    control(&f, "price", "{\"price\":\"2995.00\",\"qty\":\"0.020\"}", &r);
    hres_free(&r);
    j = ws_wait(&f, &w, &from, "channel", NULL, "futures.tickers", 2000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    SQT_ASSERT_STR_EQ(jstr(json_array_get(json_object_get(j, "result"), 0), "last"), "2995.00");
    json_decref(j);
    j = ws_wait(&f, &w, &from, "channel", NULL, "futures.trades", 2000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    SQT_ASSERT_STR_EQ(jstr(json_array_get(json_object_get(j, "result"), 0), "size"), "20");
    json_decref(j);
    j = ws_wait(&f, &w, &from, "channel", NULL, "futures.candlesticks", 2000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    res = json_array_get(json_object_get(j, "result"), 0);
    SQT_ASSERT_STR_EQ(jstr(res, "n"), "1m_ETH_USDT");
    CU_ASSERT_TRUE(json_is_false(json_object_get(res, "w")));
    CU_ASSERT_TRUE(json_is_integer(json_object_get(res, "t")));
    json_decref(j);
    /* private: no auth, a wrong user id, a bad signature */
    snprintf(msg, sizeof(msg), "{\"time\":%lld,\"channel\":\"futures.orders\",\"event\":"
             "\"subscribe\",\"payload\":[\"%s\",\"ETH_USDT\"]}", now_s, uid);
    sqt_ws_send(w.ws, msg, strlen(msg), 0);
    j = ws_wait(&f, &w, &from, "channel", NULL, "futures.orders", 2000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    SQT_ASSERT_INT_EQ(jint(json_object_get(j, "error"), "code"), 4);
    json_decref(j);
    gt_ws_sign("futures.orders", "subscribe", now_s, SQT_EMU_DEFAULT_SECRET, sig);
    snprintf(msg, sizeof(msg), "{\"time\":%lld,\"channel\":\"futures.orders\",\"event\":"
             "\"subscribe\",\"payload\":[\"%s\",\"ETH_USDT\"],\"auth\":{\"method\":\"api_key\","
             "\"KEY\":\"%s\",\"SIGN\":\"%s\"}}", now_s, SQT_EMU_DEFAULT_KEY,
             SQT_EMU_DEFAULT_KEY, sig);
    sqt_ws_send(w.ws, msg, strlen(msg), 0);
    j = ws_wait(&f, &w, &from, "channel", NULL, "futures.orders", 2000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    SQT_ASSERT_INT_EQ(jint(json_object_get(j, "error"), "code"), 2); /* the API key as user */
    json_decref(j);
    gt_ws_sign("futures.orders", "subscribe", now_s, "wrong-secret", sig);
    snprintf(msg, sizeof(msg), "{\"time\":%lld,\"channel\":\"futures.orders\",\"event\":"
             "\"subscribe\",\"payload\":[\"%s\",\"ETH_USDT\"],\"auth\":{\"method\":\"api_key\","
             "\"KEY\":\"%s\",\"SIGN\":\"%s\"}}", now_s, uid, SQT_EMU_DEFAULT_KEY, sig);
    sqt_ws_send(w.ws, msg, strlen(msg), 0);
    j = ws_wait(&f, &w, &from, "channel", NULL, "futures.orders", 2000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    SQT_ASSERT_INT_EQ(jint(json_object_get(j, "error"), "code"), 4);
    CU_ASSERT_PTR_NOT_NULL(strstr(jstr(json_object_get(j, "error"), "message"),
                                  "INVALID_SIGNATURE"));
    json_decref(j);
    gt_ws_sign("futures.orders", "subscribe", now_s, SQT_EMU_DEFAULT_SECRET, sig);
    snprintf(msg, sizeof(msg), "{\"time\":%lld,\"id\":7,\"channel\":\"futures.orders\","
             "\"event\":\"subscribe\",\"payload\":[\"%s\",\"ETH_USDT\"],\"auth\":{\"method\":"
             "\"api_key\",\"KEY\":\"%s\",\"SIGN\":\"%s\"}}", now_s, uid, SQT_EMU_DEFAULT_KEY, sig);
    sqt_ws_send(w.ws, msg, strlen(msg), 0);
    j = ws_wait(&f, &w, &from, "channel", NULL, "futures.orders", 2000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    CU_ASSERT_TRUE(json_is_null(json_object_get(j, "error")));
    SQT_ASSERT_INT_EQ(jint(j, "id"), 7);
    json_decref(j);
    gt_ws_sign("futures.usertrades", "subscribe", now_s, SQT_EMU_DEFAULT_SECRET, sig);
    snprintf(msg, sizeof(msg), "{\"time\":%lld,\"channel\":\"futures.usertrades\","
             "\"event\":\"subscribe\",\"payload\":[\"%s\",\"!all\"],\"auth\":{\"method\":"
             "\"api_key\",\"KEY\":\"%s\",\"SIGN\":\"%s\"}}", now_s, uid, SQT_EMU_DEFAULT_KEY, sig);
    sqt_ws_send(w.ws, msg, strlen(msg), 0);
    j = ws_wait(&f, &w, &from, "channel", NULL, "futures.usertrades", 2000);
    CU_ASSERT_PTR_NOT_NULL_FATAL(j);
    CU_ASSERT_TRUE(json_is_null(json_object_get(j, "error")));
    json_decref(j);
    /* one socket with public and private channels counts as both streams */
    {
        json_t *stt = sqt_emu_state(f.emu), *cn = json_object_get(stt, "connections");
        SQT_ASSERT_INT_EQ(jint(cn, "market"), 1);
        SQT_ASSERT_INT_EQ(jint(cn, "user"), 1);
        json_decref(stt);
    }
    /* an order that fills: open, then finished / filled with its trade */
    gt_buy(&f, 10, "2990.00", "t-ws1", NULL);
    control(&f, "price", "{\"price\":\"2989.00\"}", &r);
    hres_free(&r);
    RUN_UNTIL(&f.loop, w.n >= from + 3, 2000);
    for (k = from; k < w.n; k++) {
        json_t *m = json_loads(w.msgs[k], 0, NULL);
        json_t *d0 = json_array_get(json_object_get(m, "result"), 0);
        const char *ch = jstr(m, "channel");
        if (strcmp(ch, "futures.orders") == 0 && strcmp(jstr(m, "event"), "update") == 0) {
            SQT_ASSERT_STR_EQ(jstr(d0, "text"), "t-ws1");
            SQT_ASSERT_STR_EQ(jstr(d0, "user"), uid);
            SQT_ASSERT_STR_EQ(jstr(d0, "size"), "10");
            CU_ASSERT_TRUE(json_is_number(json_object_get(d0, "price")));
            if (strcmp(jstr(d0, "status"), "open") == 0) {
                open_seen = 1;
                SQT_ASSERT_STR_EQ(jstr(d0, "finish_as"), "open");
                SQT_ASSERT_STR_EQ(jstr(d0, "left"), "10");
            } else if (strcmp(jstr(d0, "finish_as"), "filled") == 0) {
                filled_seen = 1;
                SQT_ASSERT_STR_EQ(jstr(d0, "left"), "0");
                CU_ASSERT_TRUE(strstr(w.msgs[k], "\"fill_price\":2990.00") != NULL);
            }
        }
        if (strcmp(ch, "futures.usertrades") == 0 && strcmp(jstr(m, "event"), "update") == 0) {
            trade_seen = 1;
            SQT_ASSERT_STR_EQ(jstr(d0, "role"), "maker");
            SQT_ASSERT_STR_EQ(jstr(d0, "size"), "10");
            SQT_ASSERT_STR_EQ(jstr(d0, "price"), "2990.00");
            CU_ASSERT_TRUE(strstr(w.msgs[k], "\"fee\":0.00598") != NULL);
        }
        json_decref(m);
    }
    CU_ASSERT_TRUE(open_seen);
    CU_ASSERT_TRUE(filled_seen);
    CU_ASSERT_TRUE(trade_seen);
    /* a dropped push: the next order's NEW is lost, its cancel arrives */
    from = w.n;
    control(&f, "drop_pushes", "{\"count\":1}", &r);
    hres_free(&r);
    gt_buy(&f, 10, "2980.00", "t-ws2", NULL);
    gt_ok(&f, "DELETE", GT "/orders/t-ws2", "", NULL, &r);
    hres_free(&r);
    RUN_UNTIL(&f.loop, w.n >= from + 1, 2000);
    RUN_UNTIL(&f.loop, 0, 200); /* a second push would be here by now */
    for (k = from; k < w.n; k++)
        if (strstr(w.msgs[k], "\"futures.orders\"") && strstr(w.msgs[k], "t-ws2")) {
            orders_after_drop++;
            CU_ASSERT_PTR_NOT_NULL(strstr(w.msgs[k], "\"cancelled\""));
        }
    SQT_ASSERT_INT_EQ(orders_after_drop, 1);
    /* the session fault: the upgrade notice, then the cut */
    control(&f, "expire_session", NULL, &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    hres_free(&r);
    RUN_UNTIL(&f.loop, w.downs > 0 || w.closed, 3000);
    CU_ASSERT_TRUE(w.downs > 0 || w.closed);
    j = ws_wait(&f, &w, &from, "channel", NULL, "futures.system", 0);
    CU_ASSERT_PTR_NOT_NULL(j);
    json_decref(j);
    ws_done(&f, &w);
    fx_stop(&f);
}

/* Faults in Gate's shapes: 429 with the rate headers at 0, 503 with the order placed,
 * the forced post-only refusal. */
static void test_gate_faults(void)
{
    fx f;
    hres r;
    int status;
    if (gt_start(&f) != 0) {
        CU_FAIL("emulator did not start");
        return;
    }
    gt_ok(&f, "GET", GT "/accounts", "", NULL, &r);
    CU_ASSERT_TRUE(atoi(r.remain) > 0);
    hres_free(&r);
    control(&f, "http429", "{\"count\":1,\"retry_after_ms\":2000}", &r);
    hres_free(&r);
    gt_ok(&f, "GET", GT "/accounts", "", NULL, &r);
    SQT_ASSERT_INT_EQ(r.status, 429);
    SQT_ASSERT_STR_EQ(jstr(r.json, "label"), "TOO_MANY_REQUESTS");
    SQT_ASSERT_STR_EQ(r.remain, "0");
    hres_free(&r);
    /* Gate has no ban answer: a 429 until it ends */
    control(&f, "ban", "{\"ms\":3000}", &r);
    hres_free(&r);
    call(&f, "GET", GT "/contracts", NULL, &r);
    SQT_ASSERT_INT_EQ(r.status, 429);
    SQT_ASSERT_STR_EQ(jstr(r.json, "label"), "TOO_MANY_REQUESTS");
    SQT_ASSERT_STR_EQ(r.remain, "0");
    hres_free(&r);
    control(&f, "ban", "{\"ms\":0}", &r);
    hres_free(&r);
    control(&f, "unknown_error", "{\"count\":1,\"placed\":true,\"path\":\"" GT "/orders\"}", &r);
    hres_free(&r);
    gt_buy(&f, 10, "2990.00", "t-u1", &status);
    SQT_ASSERT_INT_EQ(status, 503);
    gt_ok(&f, "GET", GT "/orders/t-u1", "", NULL, &r);
    SQT_ASSERT_INT_EQ(r.status, 200);
    SQT_ASSERT_STR_EQ(jstr(r.json, "status"), "open");
    hres_free(&r);
    control(&f, "reject_post_only", "{\"count\":1}", &r);
    hres_free(&r);
    gt_ok(&f, "POST", GT "/orders", "",
          "{\"contract\":\"ETH_USDT\",\"size\":10,\"price\":\"2900.00\",\"tif\":\"poc\","
          "\"text\":\"t-p1\"}", &r);
    SQT_ASSERT_INT_EQ(r.status, 400);
    SQT_ASSERT_STR_EQ(jstr(r.json, "label"), "ORDER_POC_IMMEDIATE");
    hres_free(&r);
    fx_stop(&f);
}

/* Malformed requests each get Gate's error shape with a 4xx, never a crash (ASan). */
static void test_gate_bad_input(void)
{
    static const struct {
        const char *method, *path, *query, *body;
        int status;
        const char *label;
    } cases[] = {
        {"POST", GT "/orders", "", "[1,2]", 400, "INVALID_REQUEST_BODY"},
        {"POST", GT "/orders", "", "{\"contract\":\"ETH_USDT\"}", 400, "INVALID_PARAM_VALUE"},
        {"POST", GT "/orders", "", "{\"size\":1,\"price\":\"2900\"}", 400,
         "MISSING_REQUIRED_PARAM"},
        {"POST", GT "/orders", "", "{\"contract\":\"BTC_USDT\",\"size\":1,\"price\":\"1\"}",
         400, "CONTRACT_NOT_FOUND"},
        {"POST", GT "/orders", "", "{\"contract\":\"ETH_USDT\",\"size\":0,\"price\":\"2900\"}",
         400, "INVALID_PARAM_VALUE"},
        {"POST", GT "/orders", "",
         "{\"contract\":\"ETH_USDT\",\"size\":99999999999,\"price\":\"2900\"}", 400,
         "INVALID_PARAM_VALUE"},
        {"POST", GT "/orders", "",
         "{\"contract\":\"ETH_USDT\",\"size\":2,\"price\":2900.5}", 400,
         "INVALID_PARAM_VALUE"},
        {"POST", GT "/orders", "",
         "{\"contract\":\"ETH_USDT\",\"size\":2,\"price\":\"-1\"}", 400,
         "INVALID_PARAM_VALUE"},
        {"POST", GT "/orders", "",
         "{\"contract\":\"ETH_USDT\",\"size\":2,\"price\":\"2900.001\"}", 400,
         "INVALID_PARAM_VALUE"},
        {"POST", GT "/orders", "",
         "{\"contract\":\"ETH_USDT\",\"size\":2,\"price\":\"2900\",\"tif\":\"fok\"}", 400,
         "INVALID_PARAM_VALUE"},
        {"POST", GT "/orders", "",
         "{\"contract\":\"ETH_USDT\",\"size\":2,\"price\":\"2900\",\"text\":\"t-a b\"}",
         400, "INVALID_PARAM_VALUE"},
        {"POST", GT "/orders", "", "not json", 400, "INVALID_REQUEST_BODY"},
        {"POST", GT "/batch_orders", "", "{}", 400, "INVALID_REQUEST_BODY"},
        {"POST", GT "/batch_orders", "", "[]", 400, "INVALID_REQUEST_BODY"},
        {"POST", GT "/batch_orders", "", "[7]", 400, "MISSING_REQUIRED_PARAM"},
        {"POST", GT "/batch_cancel_orders", "", "[1]", 400, "INVALID_REQUEST_BODY"},
        {"GET", GT "/orders", "contract=ETH_USDT", NULL, 400, "MISSING_REQUIRED_PARAM"},
        {"GET", GT "/orders", "contract=ETH_USDT&status=open&limit=0", NULL, 400,
         "INVALID_PARAM_VALUE"},
        {"GET", GT "/orders", "contract=ETH_USDT&status=open&offset=-1", NULL, 400,
         "INVALID_PARAM_VALUE"},
        {"GET", GT "/orders/abc", "", NULL, 404, "ORDER_NOT_FOUND"},
        {"GET", GT "/orders/t-nope", "", NULL, 404, "ORDER_NOT_FOUND"},
        {"DELETE", GT "/orders", "", NULL, 400, "MISSING_REQUIRED_PARAM"},
        {"DELETE", GT "/orders", "contract=ETH_USDT&side=both", NULL, 400, "INVALID_PARAM_VALUE"},
        {"POST", GT "/positions/ETH_USDT/leverage", "leverage=x", NULL, 400, "INVALID_PARAM_VALUE"},
        {"POST", GT "/positions/ETH_USDT/leverage", "leverage=500", NULL, 400, "LEVERAGE_TOO_HIGH"},
        {"POST", GT "/dual_mode", "dual_mode=maybe", NULL, 400, "INVALID_PARAM_VALUE"},
        {"GET", GT "/my_trades", "order=x", NULL, 400, "INVALID_PARAM_VALUE"},
        {"GET", GT "/candlesticks", "contract=ETH_USDT&interval=10s", NULL, 400,
         "INVALID_PARAM_VALUE"},
        {"GET", GT "/candlesticks", "contract=ETHUSDT&interval=1m", NULL, 400,
         "MISSING_REQUIRED_PARAM"},
        {"GET", GT "/candlesticks", "contract=ETH_USDT&interval=1m&limit=5&from=1", NULL, 400,
         "INVALID_PARAM_VALUE"},
        {"GET", GT "/nothing", "", NULL, 404, "NOT_FOUND"},
    };
    fx f;
    hres r;
    size_t i;
    char ts[24];
    if (gt_start(&f) != 0) {
        CU_FAIL("emulator did not start");
        return;
    }
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        gt_call(&f, cases[i].method, cases[i].path, cases[i].query, NULL, cases[i].body,
                gt_now(ts, sizeof(ts), 0), SQT_EMU_DEFAULT_KEY, SQT_EMU_DEFAULT_SECRET, 0, &r);
        if (r.status != cases[i].status || strcmp(jstr(r.json, "label"), cases[i].label) != 0)
            fprintf(stderr, "    case %zu: %s %s?%s -> %d %s\n", i, cases[i].method,
                    cases[i].path, cases[i].query, r.status, r.body ? r.body : "");
        SQT_ASSERT_INT_EQ(r.status, cases[i].status);
        SQT_ASSERT_STR_EQ(jstr(r.json, "label"), cases[i].label);
        CU_ASSERT_TRUE(jstr(r.json, "message")[0] != '\0');
        hres_free(&r);
    }
    /* the socket: not JSON, no channel, an unknown channel, a bad payload */
    {
        static const char *const msgs[] = {"nope", "{}", "{\"channel\":\"futures.x\",\"event\":"
                                           "\"subscribe\",\"payload\":[]}",
                                           "{\"channel\":\"futures.tickers\",\"event\":"
                                           "\"subscribe\",\"payload\":\"ETH_USDT\"}",
                                           "{\"channel\":\"futures.candlesticks\",\"event\":"
                                           "\"subscribe\",\"payload\":[\"1m\"]}"};
        wsc w;
        int k;
        CU_ASSERT_EQUAL_FATAL(ws_connect(&f, &w, "/v4/ws/usdt"), 0);
        for (k = 0; k < 5; k++)
            sqt_ws_send(w.ws, msgs[k], strlen(msgs[k]), 0);
        RUN_UNTIL(&f.loop, w.n >= 5, 2000);
        SQT_ASSERT_INT_EQ(w.n, 5);
        for (k = 0; k < w.n; k++) {
            json_t *m = json_loads(w.msgs[k], 0, NULL), *err = json_object_get(m, "error");
            CU_ASSERT_TRUE(jint(err, "code") >= 1 && jint(err, "code") <= 2);
            json_decref(m);
        }
        ws_done(&f, &w);
    }
    fx_stop(&f);
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"time and exchangeInfo", test_time_and_info},
        {"signed place, query, cancel and order errors", test_place_query_cancel},
        {"signature, key and timestamp errors", test_auth_errors},
        {"listenKey stream: NEW then FILLED on a manual price", test_user_stream_fill},
        {"429 and 418 faults", test_rate_limit_fault},
        {"batch with mixed per-item results", test_batch_mixed},
        {"503 outcome unknown, timeout, delay, triggers", test_outcome_unknown_and_timeout},
        {"dropped, duplicated and reordered pushes", test_push_faults},
        {"market streams and entry points", test_market_streams},
        {"command lines and faults file", test_command_lines},
        {"partial fills, reset, forced margin rejection", test_partial_fill_and_reset},
        {"userTrades from the fill ledger", test_user_trades},
        {"the binary: first line and SIGTERM", test_binary},
        {"close_position: an outside trade", test_close_position},
        {"print, and a stalled market stream", test_print_and_stalled_market},
        {"a trade's qty: stream size and kline volume", test_trade_qty_volume},
        {"faults by method, the command table", test_method_faults_and_table},
        {"Binance's texts, PERCENT_PRICE, parameter case, stream forms",
         test_binance_texts_and_band},
        {"v3 account and positionRisk fields", test_v3_account_fields},
        {"no default dialect, timestamped log", test_dialect_required_and_log},
        {"bitget: envelope, contracts, every auth refusal, clock skew", test_bitget_rest_auth},
        {"bitget: place, post-only, pages, detail fee, batch cancel", test_bitget_orders},
        {"bitget: ping/pong, login, orders pushes, the 24 h cut", test_bitget_streams},
        {"gate: the spec's signature vectors", test_gate_vectors},
        {"gate: contracts, account, every auth refusal, clock skew", test_gate_rest_auth},
        {"gate: contracts as sizes, 201, pages, fills, fees, batches, cancels", test_gate_orders},
        {"gate: every finish_as", test_gate_finish_as},
        {"gate: one socket, ping, public and private channels, auth, pushes", test_gate_streams},
        {"gate: 429, 503 placed, forced post-only", test_gate_faults},
        {"gate: malformed requests and messages get labels", test_gate_bad_input},
        {NULL, NULL}};
    signal(SIGPIPE, SIG_IGN);
    SQT_TEST_INIT();
    if (sqt_test_suite("emulator", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
