/* Soak: the server kills the WebSocket about once a second (RST, close frame or FIN in
 * turn) while the client reconnects and an HTTP request runs each cycle. Over the run,
 * open fds and live connection objects must not grow. 20 s by default;
 * SQT_SOAK_SECONDS=N runs N seconds (make soak: 600). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net/http.h"
#include "net/ws.h"
#include "net_test.h"
#include "server.h"
#include "sqt_test.h"

#define MAX_SAMPLES 4096

typedef struct fx {
    uv_loop_t loop;
    sqt_srv *srv;
    sqt_http *http;
    sqt_ws *ws;
    uv_timer_t killer;
    sqt_srv_conn *cur;
    int kills;
    int opens, downs, closed, msgs, http_ok, http_bad, http_busy;
    int srv_done, http_done, killer_closed;
    int fds[MAX_SAMPLES];
    int live[MAX_SAMPLES];
    int n_samples;
    char url[128];
} fx;

static void s_open(void *ud, sqt_srv_conn *c)
{
    ((fx *)ud)->cur = c;
}

static void s_message(void *ud, sqt_srv_conn *c, int op, const char *d, size_t n)
{
    (void)ud;
    if (op == SQT_SRV_OP_TEXT || op == SQT_SRV_OP_BINARY)
        sqt_srv_ws_send(c, op, d, n);
}

static void s_request(void *ud, sqt_srv_conn *c, const sqt_srv_request *req)
{
    (void)ud;
    sqt_srv_respond(c, 200, NULL, 0, req->target, strlen(req->target));
}

static void s_closed(void *ud, sqt_srv_conn *c)
{
    fx *f = ud;
    if (f->cur == c)
        f->cur = NULL;
}

static void on_http(void *ud, const sqt_http_response *r)
{
    fx *f = ud;
    f->http_busy = 0;
    if (r->err.code == SQT_OK && r->status == 200)
        f->http_ok++;
    else
        f->http_bad++;
}

/* Once a second: end the current WebSocket one of three ways, and fetch over HTTP. */
static void on_kill(uv_timer_t *t)
{
    fx *f = t->data;
    sqt_http_request r;
    if (f->cur != NULL) {
        switch (f->kills++ % 3) {
        case 0:
            sqt_srv_conn_drop(f->cur);
            break;
        case 1:
            sqt_srv_ws_close(f->cur, 1001, "restart");
            break;
        default:
            sqt_srv_conn_close(f->cur);
            break;
        }
    }
    if (!f->http_busy) {
        memset(&r, 0, sizeof(r));
        r.struct_size = sizeof(r);
        r.method = "GET";
        r.url = f->url;
        if (sqt_http_send(f->http, &r, on_http, f, NULL) == 0)
            f->http_busy = 1;
    }
}

static void c_open(void *ud, sqt_ws *ws)
{
    fx *f = ud;
    sqt_ws_stats st;
    f->opens++;
    sqt_ws_get_stats(ws, &st);
    if (f->n_samples < MAX_SAMPLES) {
        f->fds[f->n_samples] = net_count_fds();
        f->live[f->n_samples] = st.live_conns;
        f->n_samples++;
    }
    sqt_ws_send(ws, "{\"op\":\"subscribe\"}", 18, 0);
}

static void c_message(void *ud, sqt_ws *ws, const char *d, size_t n, int bin)
{
    (void)ws;
    (void)d;
    (void)n;
    (void)bin;
    ((fx *)ud)->msgs++;
}

static void c_down(void *ud, sqt_ws *ws, const sqt_error *why)
{
    (void)ws;
    (void)why;
    ((fx *)ud)->downs++;
}

static void c_closed(void *ud, sqt_ws *ws)
{
    (void)ws;
    ((fx *)ud)->closed++;
}

static void srv_done(void *ud)
{
    ((fx *)ud)->srv_done = 1;
}

static void http_done(void *ud)
{
    ((fx *)ud)->http_done = 1;
}

static void killer_closed(uv_handle_t *h)
{
    ((fx *)h->data)->killer_closed = 1;
}

static void test_reconnect_soak(void)
{
    static fx f;
    static const sqt_ws_callbacks cbs = {sizeof(sqt_ws_callbacks), c_open, c_message, c_down,
                                         c_closed};
    const char *env = getenv("SQT_SOAK_SECONDS");
    long seconds = env ? strtol(env, NULL, 10) : 20;
    sqt_srv_opts so;
    sqt_ws_options o;
    sqt_ws_net_opts n;
    char url[128];
    int err = 0, i, base_fds, max_late = 0;
    uint64_t t0;
    if (seconds < 5)
        seconds = 5;
    memset(&f, 0, sizeof(f));
    CU_ASSERT_EQUAL_FATAL(uv_loop_init(&f.loop), 0);
    memset(&so, 0, sizeof(so));
    so.handlers.on_ws_open = s_open;
    so.handlers.on_ws_message = s_message;
    so.handlers.on_request = s_request;
    so.handlers.on_conn_closed = s_closed;
    so.ud = &f;
    CU_ASSERT_EQUAL_FATAL(sqt_srv_start(&f.loop, &so, &f.srv), 0);
    snprintf(f.url, sizeof(f.url), "http://127.0.0.1:%d/soak", sqt_srv_port(f.srv));
    f.http = sqt_http_new(&f.loop, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f.http);

    memset(&n, 0, sizeof(n));
    n.reconnect_base_ms = 50;
    n.reconnect_cap_ms = 400;
    snprintf(url, sizeof(url), "ws://127.0.0.1:%d/soak", sqt_srv_port(f.srv));
    memset(&o, 0, sizeof(o));
    o.struct_size = sizeof(o);
    o.url = url;
    o.ping_interval_ms = 200;
    o.app_ping_text = "ping";
    o.app_ping_interval_ms = 300;
    f.ws = sqt_ws_open(&f.loop, &n, &o, &cbs, &f, &err);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f.ws);

    uv_timer_init(&f.loop, &f.killer);
    f.killer.data = &f;
    uv_timer_start(&f.killer, on_kill, 1000, 1000);
    t0 = uv_now(&f.loop);
    NET_RUN_UNTIL(&f.loop, 0, (uint64_t)seconds * 1000);
    fprintf(stderr, "    soak %ld s: %d opens, %d downs, %d echoes, %d/%d http ok, fds %d..%d\n",
            seconds, f.opens, f.downs, f.msgs, f.http_ok, f.http_ok + f.http_bad,
            f.n_samples ? f.fds[0] : -1, f.n_samples ? f.fds[f.n_samples - 1] : -1);

    /* about one reconnect per second, each announced by on_down first */
    CU_ASSERT_TRUE(f.opens >= seconds - 3);
    CU_ASSERT_TRUE(f.downs >= f.opens - 1 && f.downs <= f.opens);
    CU_ASSERT_TRUE(f.msgs >= f.opens - 1);
    CU_ASSERT_TRUE(f.http_ok >= seconds - 3);
    SQT_ASSERT_INT_EQ(f.http_bad, 0);
    CU_ASSERT_TRUE(uv_now(&f.loop) - t0 >= (uint64_t)seconds * 1000 - 10);

    /* no growth: fds at each open stay at the level of the first opens */
    CU_ASSERT_FATAL(f.n_samples >= 4);
    base_fds = f.fds[1] > f.fds[2] ? f.fds[1] : f.fds[2];
    for (i = 3; i < f.n_samples; i++) {
        if (f.fds[i] > max_late)
            max_late = f.fds[i];
        if (f.live[i] > 2)
            fprintf(stderr, "    sample %d: %d live connection objects\n", i, f.live[i]);
        CU_ASSERT_TRUE(f.live[i] <= 2);
    }
    if (max_late > base_fds + 1)
        fprintf(stderr, "    fds grew from %d to %d\n", base_fds, max_late);
    CU_ASSERT_TRUE(max_late <= base_fds + 1);

    sqt_ws_close(f.ws);
    uv_close((uv_handle_t *)&f.killer, killer_closed);
    sqt_http_close(f.http, http_done, &f);
    NET_RUN_UNTIL(&f.loop, f.closed && f.http_done && f.killer_closed, 5000);
    SQT_ASSERT_INT_EQ(f.closed, 1);
    sqt_srv_close(f.srv, srv_done, &f);
    NET_RUN_UNTIL(&f.loop, f.srv_done, 3000);
    SQT_ASSERT_INT_EQ(net_loop_finish(&f.loop, 3000), 0);
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"reconnect soak: no fd or connection growth", test_reconnect_soak},
        {NULL, NULL},
    };
    SQT_TEST_INIT();
    if (sqt_test_suite("net_soak", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
