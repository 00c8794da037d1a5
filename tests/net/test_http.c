/* HTTP client (host/net/http.c) against the loopback test server. */
#include <arpa/inet.h>
#include <ctype.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <unistd.h>

#include "net/http.h"
#include "net_test.h"
#include "server.h"
#include "sqt_test.h"

#define MAX_CALLS 8

typedef struct got {
    int calls;
    int status;
    int err;
    char errmsg[256];
    char body[256];
    size_t body_len;
    char h_method[16];
    char h_seen[64];
    size_t n_headers;
} got;

typedef struct fx {
    uv_loop_t loop;
    sqt_srv *srv;
    sqt_http *http;
    int port;
    int srv_done, http_done;
    sqt_srv_conn *stalled[MAX_CALLS];
    int n_stalled;
    got g[MAX_CALLS];
    /* chaining */
    int chain_second;
    char url[128];
    int requests;              /* requests the server read */
    int apikey_seen;           /* of them, with an X-MBX-APIKEY header */
} fx;

static const char *hdr(const sqt_header *h, size_t n, const char *name)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (strcasecmp(h[i].name, name) == 0)
            return h[i].value;
    return NULL;
}

typedef struct later {
    uv_timer_t t;
    sqt_srv_conn *c;
    fx *f;
} later;

static void later_closed(uv_handle_t *h)
{
    free(h->data);
}

static void on_later(uv_timer_t *t)
{
    later *l = t->data;
    int i;
    /* still there? (the client may have given up) */
    for (i = 0; i < l->f->n_stalled; i++)
        if (l->f->stalled[i] == l->c) {
            sqt_header h[1] = {{"X-Deferred", "yes"}};
            sqt_srv_respond(l->c, 200, h, 1, "late", 4);
            l->f->stalled[i] = NULL;
        }
    uv_close((uv_handle_t *)t, later_closed);
}

static void on_request(void *ud, sqt_srv_conn *c, const sqt_srv_request *req)
{
    fx *f = ud;
    f->requests++;
    if (hdr(req->headers, req->n_headers, "X-MBX-APIKEY") != NULL)
        f->apikey_seen++;
    if (strncmp(req->target, "/slow", 5) == 0 && f->n_stalled < MAX_CALLS) {
        /* answered 100 ms later, from a timer */
        later *l = calloc(1, sizeof(*l));
        l->c = c;
        l->f = f;
        f->stalled[f->n_stalled++] = c;
        uv_timer_init(&f->loop, &l->t);
        l->t.data = l;
        uv_timer_start(&l->t, on_later, 100, 0);
        return;
    }
    if (strncmp(req->target, "/stall", 6) == 0) {
        if (f->n_stalled < MAX_CALLS)
            f->stalled[f->n_stalled++] = c;
        return;                /* never answered */
    }
    if (strncmp(req->target, "/big", 4) == 0) {
        char *body = malloc(100000);
        memset(body, 'x', 100000);
        sqt_srv_respond(c, 200, NULL, 0, body, 100000);
        free(body);
        return;
    }
    if (strncmp(req->target, "/echo", 5) == 0) {
        const char *t = hdr(req->headers, req->n_headers, "X-Test");
        sqt_header h[3] = {{"X-Echo-Method", req->method},
                           {"X-Seen", t ? t : "(none)"},
                           {"Content-Type", "text/plain"}};
        sqt_srv_respond(c, 200, h, 3, req->body, req->body_len);
        return;
    }
    sqt_srv_respond(c, 404, NULL, 0, "nope", 4);
}

static void on_conn_closed(void *ud, sqt_srv_conn *c)
{
    fx *f = ud;
    int i;
    for (i = 0; i < f->n_stalled; i++)
        if (f->stalled[i] == c)
            f->stalled[i] = NULL;
}

static void srv_done(void *ud)
{
    ((fx *)ud)->srv_done = 1;
}

static void http_done(void *ud)
{
    ((fx *)ud)->http_done = 1;
}

static void fx_start(fx *f, const char *cert, const char *key, const sqt_http_opts *ho)
{
    sqt_srv_opts o;
    memset(f, 0, sizeof(*f));
    CU_ASSERT_EQUAL_FATAL(uv_loop_init(&f->loop), 0);
    memset(&o, 0, sizeof(o));
    o.handlers.on_request = on_request;
    o.handlers.on_conn_closed = on_conn_closed;
    o.ud = f;
    o.cert_file = cert;
    o.key_file = key;
    CU_ASSERT_EQUAL_FATAL(sqt_srv_start(&f->loop, &o, &f->srv), 0);
    f->port = sqt_srv_port(f->srv);
    CU_ASSERT_TRUE(f->port > 0);
    f->http = sqt_http_new(&f->loop, ho);
    CU_ASSERT_PTR_NOT_NULL_FATAL(f->http);
}

static void fx_finish(fx *f)
{
    if (f->http != NULL && !f->http_done)
        sqt_http_close(f->http, http_done, f);
    sqt_srv_close(f->srv, srv_done, f);
    NET_RUN_UNTIL(&f->loop, f->srv_done && f->http_done, 3000);
    CU_ASSERT_TRUE(f->srv_done);
    CU_ASSERT_TRUE(f->http_done);
    SQT_ASSERT_INT_EQ(net_loop_finish(&f->loop, 3000), 0);
}

static void record(got *g, const sqt_http_response *r)
{
    const char *v;
    if (getenv("SQT_TEST_VERBOSE"))
        fprintf(stderr, "    http: status %d, %s: %s\n", r->status, sqt_strerror(r->err.code),
                r->err.message);
    g->calls++;
    g->status = r->status;
    g->err = r->err.code;
    snprintf(g->errmsg, sizeof(g->errmsg), "%s", r->err.message);
    g->body_len = r->body_len;
    snprintf(g->body, sizeof(g->body), "%.*s", (int)(r->body_len < 255 ? r->body_len : 255),
             r->body ? r->body : "");
    v = hdr(r->headers, r->n_headers, "X-Echo-Method");
    snprintf(g->h_method, sizeof(g->h_method), "%s", v ? v : "");
    v = hdr(r->headers, r->n_headers, "X-Seen");
    snprintf(g->h_seen, sizeof(g->h_seen), "%s", v ? v : "");
    g->n_headers = r->n_headers;
}

static void cb0(void *ud, const sqt_http_response *r)
{
    record(&((fx *)ud)->g[0], r);
}

static void cb1(void *ud, const sqt_http_response *r)
{
    record(&((fx *)ud)->g[1], r);
}

static void cb2(void *ud, const sqt_http_response *r)
{
    record(&((fx *)ud)->g[2], r);
}

static void cb_got(void *ud, const sqt_http_response *r)
{
    record(ud, r);
}

/* sqt_http_close's callback: marks the got record closed ("c" in errmsg). */
static void http_done_flag(void *ud)
{
    snprintf(((got *)ud)->errmsg, sizeof(((got *)ud)->errmsg), "closed");
}

static sqt_http_request req_of(const char *method, const char *url)
{
    sqt_http_request r;
    memset(&r, 0, sizeof(r));
    r.struct_size = sizeof(r);
    r.method = method;
    r.url = url;
    return r;
}

/* ------------------------------------------------------------------ tests */

static void test_get_post_headers(void)
{
    fx f;
    char url[128];
    sqt_header h[1] = {{"X-Test", "abc 123"}};
    sqt_header ph[2] = {{"Content-Type", "application/x-www-form-urlencoded"}, {"X-Test", "p"}};
    sqt_http_request r;
    fx_start(&f, NULL, NULL, NULL);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/echo?x=1", f.port);
    r = req_of("GET", url);
    r.headers = h;
    r.n_headers = 1;
    SQT_ASSERT_INT_EQ(sqt_http_send(f.http, &r, cb0, &f, NULL), 0);
    SQT_ASSERT_INT_EQ(f.g[0].calls, 0); /* never from inside the call */
    r = req_of("POST", url);
    r.headers = ph;
    r.n_headers = 2;
    r.body = "hello=1&b=2";
    r.body_len = strlen(r.body);
    SQT_ASSERT_INT_EQ(sqt_http_send(f.http, &r, cb1, &f, NULL), 0);
    NET_RUN_UNTIL(&f.loop, f.g[0].calls && f.g[1].calls, 3000);

    SQT_ASSERT_INT_EQ(f.g[0].calls, 1);
    SQT_ASSERT_INT_EQ(f.g[0].err, SQT_OK);
    SQT_ASSERT_INT_EQ(f.g[0].status, 200);
    SQT_ASSERT_STR_EQ(f.g[0].h_method, "GET");
    SQT_ASSERT_STR_EQ(f.g[0].h_seen, "abc 123");
    SQT_ASSERT_INT_EQ(f.g[0].body_len, 0);
    CU_ASSERT_TRUE(f.g[0].n_headers >= 3);

    SQT_ASSERT_INT_EQ(f.g[1].calls, 1);
    SQT_ASSERT_INT_EQ(f.g[1].err, SQT_OK);
    SQT_ASSERT_INT_EQ(f.g[1].status, 200);
    SQT_ASSERT_STR_EQ(f.g[1].h_method, "POST");
    SQT_ASSERT_STR_EQ(f.g[1].h_seen, "p");
    SQT_ASSERT_STR_EQ(f.g[1].body, "hello=1&b=2");
    SQT_ASSERT_INT_EQ(sqt_http_in_flight(f.http), 0);
    fx_finish(&f);
}

static void on_quiet(uv_timer_t *t)
{
    *(int *)t->data = 1;
}

/* The loop runs ms with nothing else to do. */
static void run_quiet(uv_loop_t *loop, int ms)
{
    uv_timer_t t;
    int fired = 0;
    uv_timer_init(loop, &t);
    t.data = &fired;
    uv_timer_start(&t, on_quiet, (uint64_t)ms, 0);
    NET_RUN_UNTIL(loop, fired, ms + 2000);
    uv_close((uv_handle_t *)&t, NULL);
    uv_run(loop, UV_RUN_NOWAIT);
}

/* The dry run of the request path (system.keep_warm_ms) sends nothing, runs no
 * callback, leaves nothing on the handles real requests use, and is freed on close. */
static void test_warm_sends_nothing(void)
{
    fx f;
    char url[128];
    sqt_header h[1] = {{"X-Test", "mine"}};
    sqt_http_request r;
    sqt_http_stats st;
    int i;
    sqt_http_warm(NULL);
    fx_start(&f, NULL, NULL, NULL);
    for (i = 0; i < 3; i++)
        sqt_http_warm(f.http);
    SQT_ASSERT_INT_EQ(sqt_http_in_flight(f.http), 0);
    run_quiet(&f.loop, 50);
    SQT_ASSERT_INT_EQ(f.requests, 0);
    sqt_http_get_stats(f.http, &st);
    SQT_ASSERT_INT_EQ(st.easy_created, 0);
    SQT_ASSERT_INT_EQ(st.polls_created, 0);

    /* a GET after it: its own method, headers and (no) body */
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/echo", f.port);
    r = req_of("GET", url);
    r.headers = h;
    r.n_headers = 1;
    SQT_ASSERT_INT_EQ(sqt_http_send(f.http, &r, cb0, &f, NULL), 0);
    NET_RUN_UNTIL(&f.loop, f.g[0].calls, 3000);
    SQT_ASSERT_INT_EQ(f.g[0].status, 200);
    SQT_ASSERT_STR_EQ(f.g[0].h_method, "GET");
    SQT_ASSERT_STR_EQ(f.g[0].h_seen, "mine");
    SQT_ASSERT_INT_EQ(f.g[0].body_len, 0);

    /* warm between two requests on the kept-alive connection, then a POST */
    sqt_http_warm(f.http);
    r = req_of("POST", url);
    r.body = "a=1";
    r.body_len = 3;
    SQT_ASSERT_INT_EQ(sqt_http_send(f.http, &r, cb1, &f, NULL), 0);
    sqt_http_warm(f.http); /* with the POST in flight */
    NET_RUN_UNTIL(&f.loop, f.g[1].calls, 3000);
    SQT_ASSERT_INT_EQ(f.g[1].status, 200);
    SQT_ASSERT_STR_EQ(f.g[1].h_method, "POST");
    SQT_ASSERT_STR_EQ(f.g[1].h_seen, "(none)");
    SQT_ASSERT_STR_EQ(f.g[1].body, "a=1");
    run_quiet(&f.loop, 20);
    SQT_ASSERT_INT_EQ(f.requests, 2); /* only the two */
    SQT_ASSERT_INT_EQ(f.apikey_seen, 0);
    SQT_ASSERT_INT_EQ(f.g[0].calls + f.g[1].calls, 2);

    /* once closing: nothing (the handle of its own is freed with the client) */
    sqt_http_close(f.http, http_done, &f);
    sqt_http_warm(f.http);
    fx_finish(&f);
}

static void test_status_and_delete(void)
{
    fx f;
    char url[128];
    sqt_http_request r;
    fx_start(&f, NULL, NULL, NULL);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/missing", f.port);
    r = req_of("GET", url);
    SQT_ASSERT_INT_EQ(sqt_http_send(f.http, &r, cb0, &f, NULL), 0);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/echo", f.port);
    r = req_of("DELETE", url);
    SQT_ASSERT_INT_EQ(sqt_http_send(f.http, &r, cb1, &f, NULL), 0);
    r = req_of("PUT", url);
    SQT_ASSERT_INT_EQ(sqt_http_send(f.http, &r, cb2, &f, NULL), 0);
    NET_RUN_UNTIL(&f.loop, f.g[0].calls && f.g[1].calls && f.g[2].calls, 3000);
    /* an HTTP error status is an answer, not a transport error */
    SQT_ASSERT_INT_EQ(f.g[0].err, SQT_OK);
    SQT_ASSERT_INT_EQ(f.g[0].status, 404);
    SQT_ASSERT_STR_EQ(f.g[0].body, "nope");
    SQT_ASSERT_STR_EQ(f.g[1].h_method, "DELETE");
    SQT_ASSERT_STR_EQ(f.g[2].h_method, "PUT");
    SQT_ASSERT_INT_EQ(f.g[2].status, 200);
    fx_finish(&f);
}

static void chain_cb(void *ud, const sqt_http_response *r)
{
    fx *f = ud;
    sqt_http_request q = req_of("GET", f->url);
    record(&f->g[0], r);
    /* a callback may start the next request */
    SQT_ASSERT_INT_EQ(sqt_http_send(f->http, &q, cb1, f, NULL), 0);
}

static void test_keepalive_reuse(void)
{
    fx f;
    sqt_http_request r;
    sqt_srv_stats st;
    fx_start(&f, NULL, NULL, NULL);
    snprintf(f.url, sizeof(f.url), "http://127.0.0.1:%d/echo", f.port);
    r = req_of("GET", f.url);
    SQT_ASSERT_INT_EQ(sqt_http_send(f.http, &r, chain_cb, &f, NULL), 0);
    NET_RUN_UNTIL(&f.loop, f.g[1].calls, 3000);
    r = req_of("GET", f.url);
    SQT_ASSERT_INT_EQ(sqt_http_send(f.http, &r, cb2, &f, NULL), 0);
    NET_RUN_UNTIL(&f.loop, f.g[2].calls, 3000);
    SQT_ASSERT_INT_EQ(f.g[0].status, 200);
    SQT_ASSERT_INT_EQ(f.g[1].status, 200);
    SQT_ASSERT_INT_EQ(f.g[2].status, 200);
    sqt_srv_get_stats(f.srv, &st);
    SQT_ASSERT_INT_EQ(st.requests, 3);
    SQT_ASSERT_INT_EQ(st.accepted, 1); /* one TCP connection for all three */
    fx_finish(&f);
}

static void test_total_timeout(void)
{
    fx f;
    char url[128];
    sqt_http_request r;
    uint64_t t0;
    fx_start(&f, NULL, NULL, NULL);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/stall", f.port);
    r = req_of("GET", url);
    r.timeout_ms = 300;
    t0 = uv_now(&f.loop);
    SQT_ASSERT_INT_EQ(sqt_http_send(f.http, &r, cb0, &f, NULL), 0);
    NET_RUN_UNTIL(&f.loop, f.g[0].calls, 3000);
    SQT_ASSERT_INT_EQ(f.g[0].calls, 1);
    SQT_ASSERT_INT_EQ(f.g[0].err, SQT_ETIMEOUT);
    SQT_ASSERT_INT_EQ(f.g[0].status, 0);
    CU_ASSERT_TRUE(uv_now(&f.loop) - t0 >= 290);
    CU_ASSERT_TRUE(uv_now(&f.loop) - t0 < 2000);
    SQT_ASSERT_INT_EQ(f.n_stalled, 1);
    fx_finish(&f);
}

static void test_deferred_response(void)
{
    fx f;
    char url[128];
    sqt_http_request r;
    uint64_t t0;
    fx_start(&f, NULL, NULL, NULL);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/slow", f.port);
    r = req_of("GET", url);
    t0 = uv_now(&f.loop);
    SQT_ASSERT_INT_EQ(sqt_http_send(f.http, &r, cb0, &f, NULL), 0);
    NET_RUN_UNTIL(&f.loop, f.g[0].calls, 3000);
    SQT_ASSERT_INT_EQ(f.g[0].err, SQT_OK);
    SQT_ASSERT_STR_EQ(f.g[0].body, "late");
    CU_ASSERT_TRUE(uv_now(&f.loop) - t0 >= 95);
    fx_finish(&f);
}

/* ---- the server core itself: two requests in one write are answered in order */

typedef struct raw_client {
    uv_tcp_t tcp;
    uv_connect_t creq;
    uv_write_t wreq;
    char in[4096];
    size_t len;
    int closed;
} raw_client;

static void raw_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
    raw_client *rc = h->data;
    (void)hint;
    *b = uv_buf_init(rc->in + rc->len, (unsigned)(sizeof(rc->in) - 1 - rc->len));
}

static void raw_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
    raw_client *rc = s->data;
    (void)b;
    if (n > 0) {
        rc->len += (size_t)n;
        rc->in[rc->len] = '\0';
    }
}

static void raw_connected(uv_connect_t *req, int status)
{
    static char two[] = "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\none"
                        "GET /echo HTTP/1.1\r\nHost: x\r\nX-Test: second\r\n\r\n";
    raw_client *rc = req->data;
    uv_buf_t b = uv_buf_init(two, sizeof(two) - 1);
    CU_ASSERT_EQUAL(status, 0);
    uv_read_start((uv_stream_t *)&rc->tcp, raw_alloc, raw_read);
    uv_write(&rc->wreq, (uv_stream_t *)&rc->tcp, &b, 1, NULL);
}

static void raw_closed(uv_handle_t *h)
{
    ((raw_client *)h->data)->closed = 1;
}

static void test_server_pipelining(void)
{
    fx f;
    raw_client rc;
    struct sockaddr_in a;
    const char *second;
    fx_start(&f, NULL, NULL, NULL);
    memset(&rc, 0, sizeof(rc));
    uv_tcp_init(&f.loop, &rc.tcp);
    rc.tcp.data = &rc;
    rc.creq.data = &rc;
    uv_ip4_addr("127.0.0.1", f.port, &a);
    uv_tcp_connect(&rc.creq, &rc.tcp, (struct sockaddr *)&a, raw_connected);
    NET_RUN_UNTIL(&f.loop, strstr(rc.in, "second") != NULL, 3000);
    second = strstr(rc.in, "X-Seen: second");
    CU_ASSERT_PTR_NOT_NULL(strstr(rc.in, "X-Echo-Method: POST"));
    CU_ASSERT_PTR_NOT_NULL(second);
    /* in order: the POST's answer (with its body) comes first */
    CU_ASSERT_PTR_NOT_NULL(strstr(rc.in, "one"));
    CU_ASSERT_TRUE(second != NULL && strstr(rc.in, "X-Echo-Method: POST") < second);
    uv_close((uv_handle_t *)&rc.tcp, raw_closed);
    NET_RUN_UNTIL(&f.loop, rc.closed, 1000);
    fx_finish(&f);
}

static void test_refused(void)
{
    fx f;
    char url[128];
    sqt_http_request r;
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);
    /* a bound socket that does not listen: connecting to it is refused */
    int s = socket(AF_INET, SOCK_STREAM, 0);
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CU_ASSERT_EQUAL_FATAL(bind(s, (struct sockaddr *)&a, sizeof(a)), 0);
    getsockname(s, (struct sockaddr *)&a, &alen);
    fx_start(&f, NULL, NULL, NULL);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/echo", ntohs(a.sin_port));
    r = req_of("GET", url);
    SQT_ASSERT_INT_EQ(sqt_http_send(f.http, &r, cb0, &f, NULL), 0);
    NET_RUN_UNTIL(&f.loop, f.g[0].calls, 3000);
    SQT_ASSERT_INT_EQ(f.g[0].calls, 1);
    SQT_ASSERT_INT_EQ(f.g[0].err, SQT_ENETWORK);
    CU_ASSERT_TRUE(f.g[0].errmsg[0] != '\0');
    fx_finish(&f);
    close(s);
}

static sqt_http_call *g_cancel_call;

static void on_cancel_timer(uv_timer_t *t)
{
    fx *f = t->data;
    sqt_http_cancel(f->http, g_cancel_call);
    uv_close((uv_handle_t *)t, NULL);
}

static void test_cancel_in_flight(void)
{
    fx f;
    char url[128];
    sqt_http_request r;
    uv_timer_t t;
    fx_start(&f, NULL, NULL, NULL);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/stall", f.port);
    r = req_of("GET", url);
    SQT_ASSERT_INT_EQ(sqt_http_send(f.http, &r, cb0, &f, &g_cancel_call), 0);
    CU_ASSERT_PTR_NOT_NULL(g_cancel_call);
    NET_RUN_UNTIL(&f.loop, f.n_stalled == 1, 3000); /* the server has the request */
    uv_timer_init(&f.loop, &t);
    t.data = &f;
    uv_timer_start(&t, on_cancel_timer, 10, 0);
    NET_RUN_UNTIL(&f.loop, f.g[0].calls, 3000);
    SQT_ASSERT_INT_EQ(f.g[0].calls, 1);
    SQT_ASSERT_INT_EQ(f.g[0].err, SQT_ECANCELLED);
    SQT_ASSERT_INT_EQ(sqt_http_in_flight(f.http), 0);
    /* let the loop turn a while: no second callback */
    NET_RUN_UNTIL(&f.loop, 0, 100);
    SQT_ASSERT_INT_EQ(f.g[0].calls, 1);
    fx_finish(&f);
}

static void test_shutdown_in_flight(void)
{
    fx f;
    char url[128];
    sqt_http_request r;
    int i;
    fx_start(&f, NULL, NULL, NULL);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/stall", f.port);
    r = req_of("POST", url);
    r.body = "x";
    r.body_len = 1;
    SQT_ASSERT_INT_EQ(sqt_http_send(f.http, &r, cb0, &f, NULL), 0);
    SQT_ASSERT_INT_EQ(sqt_http_send(f.http, &r, cb1, &f, NULL), 0);
    SQT_ASSERT_INT_EQ(sqt_http_send(f.http, &r, cb2, &f, NULL), 0);
    SQT_ASSERT_INT_EQ(sqt_http_in_flight(f.http), 3);
    NET_RUN_UNTIL(&f.loop, f.n_stalled == 3, 3000);
    SQT_ASSERT_INT_EQ(f.n_stalled, 3);
    sqt_http_close(f.http, http_done, &f);
    /* refused from now on, and nothing was called back synchronously */
    SQT_ASSERT_INT_EQ(sqt_http_send(f.http, &r, cb0, &f, NULL), SQT_ESTATE);
    SQT_ASSERT_INT_EQ(f.g[0].calls + f.g[1].calls + f.g[2].calls, 0);
    NET_RUN_UNTIL(&f.loop, f.http_done, 3000);
    for (i = 0; i < 3; i++) {
        SQT_ASSERT_INT_EQ(f.g[i].calls, 1);
        SQT_ASSERT_INT_EQ(f.g[i].err, SQT_ECANCELLED);
    }
    CU_ASSERT_TRUE(f.http_done);
    f.http = NULL;
    fx_finish(&f);
}

static void close_in_cb(void *ud, const sqt_http_response *r)
{
    fx *f = ud;
    record(&f->g[0], r);
    sqt_http_close(f->http, http_done, f);
}

static void test_close_from_callback(void)
{
    fx f;
    char url[128], url2[128];
    sqt_http_request r;
    fx_start(&f, NULL, NULL, NULL);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/echo", f.port);
    snprintf(url2, sizeof(url2), "http://127.0.0.1:%d/stall", f.port);
    r = req_of("GET", url2);
    SQT_ASSERT_INT_EQ(sqt_http_send(f.http, &r, cb1, &f, NULL), 0);
    r = req_of("GET", url);
    SQT_ASSERT_INT_EQ(sqt_http_send(f.http, &r, close_in_cb, &f, NULL), 0);
    NET_RUN_UNTIL(&f.loop, f.http_done, 3000);
    SQT_ASSERT_INT_EQ(f.g[0].calls, 1);
    SQT_ASSERT_INT_EQ(f.g[0].status, 200);
    SQT_ASSERT_INT_EQ(f.g[1].calls, 1);
    SQT_ASSERT_INT_EQ(f.g[1].err, SQT_ECANCELLED);
    f.http = NULL;
    fx_finish(&f);
}

static void test_body_cap(void)
{
    fx f;
    char url[128];
    sqt_http_request r;
    sqt_http_opts o;
    memset(&o, 0, sizeof(o));
    o.max_body_bytes = 1000;
    fx_start(&f, NULL, NULL, &o);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/big", f.port);
    r = req_of("GET", url);
    SQT_ASSERT_INT_EQ(sqt_http_send(f.http, &r, cb0, &f, NULL), 0);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/echo", f.port);
    r = req_of("POST", url);
    r.body = "small";
    r.body_len = 5;
    SQT_ASSERT_INT_EQ(sqt_http_send(f.http, &r, cb1, &f, NULL), 0);
    NET_RUN_UNTIL(&f.loop, f.g[0].calls && f.g[1].calls, 3000);
    SQT_ASSERT_INT_EQ(f.g[0].err, SQT_ERANGE);
    SQT_ASSERT_INT_EQ(f.g[0].body_len, 0);
    SQT_ASSERT_INT_EQ(f.g[1].err, SQT_OK);
    SQT_ASSERT_STR_EQ(f.g[1].body, "small");
    fx_finish(&f);
}

static void test_invalid_requests(void)
{
    fx f;
    char url[128];
    sqt_http_request r;
    sqt_header bad[1] = {{"X-Evil", "a\r\nInjected: 1"}};
    fx_start(&f, NULL, NULL, NULL);
    snprintf(url, sizeof(url), "http://127.0.0.1:%d/echo", f.port);
    r = req_of("GET", "ftp://127.0.0.1/x");
    SQT_ASSERT_INT_EQ(sqt_http_send(f.http, &r, cb0, &f, NULL), SQT_EINVAL);
    r = req_of("GET", "http://127.0.0.1/a b");
    SQT_ASSERT_INT_EQ(sqt_http_send(f.http, &r, cb0, &f, NULL), SQT_EINVAL);
    r = req_of("get", url);
    SQT_ASSERT_INT_EQ(sqt_http_send(f.http, &r, cb0, &f, NULL), SQT_EINVAL);
    r = req_of("GET", url);
    r.headers = bad;
    r.n_headers = 1;
    SQT_ASSERT_INT_EQ(sqt_http_send(f.http, &r, cb0, &f, NULL), SQT_EINVAL);
    r = req_of("GET", url);
    SQT_ASSERT_INT_EQ(sqt_http_send(f.http, &r, NULL, &f, NULL), SQT_EINVAL);
    NET_RUN_UNTIL(&f.loop, 0, 50);
    SQT_ASSERT_INT_EQ(f.g[0].calls, 0); /* a refused request never calls back */
    fx_finish(&f);
}

static void test_https(void)
{
    net_pki pki;
    fx f;
    char url[128];
    sqt_http_request r;
    sqt_http_opts o;
    CU_ASSERT_EQUAL_FATAL(net_pki_make(&pki), 0);

    /* trusted through the extra CA: by IP and by name */
    memset(&o, 0, sizeof(o));
    o.extra_ca_file = pki.ca;
    fx_start(&f, pki.cert, pki.key, &o);
    snprintf(url, sizeof(url), "https://127.0.0.1:%d/echo", f.port);
    r = req_of("POST", url);
    r.body = "tls";
    r.body_len = 3;
    SQT_ASSERT_INT_EQ(sqt_http_send(f.http, &r, cb0, &f, NULL), 0);
    snprintf(url, sizeof(url), "https://localhost:%d/echo", f.port);
    r = req_of("GET", url);
    SQT_ASSERT_INT_EQ(sqt_http_send(f.http, &r, cb1, &f, NULL), 0);
    NET_RUN_UNTIL(&f.loop, f.g[0].calls && f.g[1].calls, 5000);
    SQT_ASSERT_INT_EQ(f.g[0].err, SQT_OK);
    SQT_ASSERT_STR_EQ(f.g[0].body, "tls");
    SQT_ASSERT_INT_EQ(f.g[1].err, SQT_OK);
    SQT_ASSERT_INT_EQ(f.g[1].status, 200);
    fx_finish(&f);

    /* the same server without the extra CA: refused (system store only) */
    fx_start(&f, pki.cert, pki.key, NULL);
    snprintf(url, sizeof(url), "https://127.0.0.1:%d/echo", f.port);
    r = req_of("GET", url);
    SQT_ASSERT_INT_EQ(sqt_http_send(f.http, &r, cb0, &f, NULL), 0);
    NET_RUN_UNTIL(&f.loop, f.g[0].calls, 5000);
    SQT_ASSERT_INT_EQ(f.g[0].err, SQT_ENETWORK);
    SQT_ASSERT_INT_EQ(f.g[0].status, 0);
    fx_finish(&f);

    /* a valid chain for the wrong name: refused even with the CA */
    fx_start(&f, pki.wrong_cert, pki.wrong_key, &o);
    snprintf(url, sizeof(url), "https://127.0.0.1:%d/echo", f.port);
    r = req_of("GET", url);
    SQT_ASSERT_INT_EQ(sqt_http_send(f.http, &r, cb0, &f, NULL), 0);
    snprintf(url, sizeof(url), "https://localhost:%d/echo", f.port);
    r = req_of("GET", url);
    SQT_ASSERT_INT_EQ(sqt_http_send(f.http, &r, cb1, &f, NULL), 0);
    NET_RUN_UNTIL(&f.loop, f.g[0].calls && f.g[1].calls, 5000);
    SQT_ASSERT_INT_EQ(f.g[0].err, SQT_ENETWORK);
    SQT_ASSERT_INT_EQ(f.g[1].err, SQT_ENETWORK);
    SQT_ASSERT_INT_EQ(f.g[0].status, 0);
    SQT_ASSERT_INT_EQ(f.g[1].status, 0);
    fx_finish(&f);
    net_pki_remove(&pki);
}

/* ------------------------------------------------------------------ raw request bytes */

/* A bare TCP listener that keeps the first request's bytes and answers 200: what the
 * client puts on the wire, not what a parser makes of it. */
typedef struct cap_srv {
    uv_tcp_t listener, conn;
    int accepted, closed_n;
    char buf[8192];
    size_t len;
    int answered;
} cap_srv;

/* strcasestr is a GNU extension: the same, portable. */
static const char *find_ci(const char *hay, const char *needle)
{
    size_t n = strlen(needle);
    for (; *hay != '\0'; hay++)
        if (strncasecmp(hay, needle, n) == 0)
            return hay;
    return NULL;
}

static void cap_alloc(uv_handle_t *h, size_t hint, uv_buf_t *b)
{
    cap_srv *s = h->data;
    (void)hint;
    b->base = s->buf + s->len;
    b->len = sizeof(s->buf) - 1 - s->len;
}

static void cap_written(uv_write_t *w, int status)
{
    (void)status;
    free(w);
}

/* Complete when the head is in and the body (Content-Length) after it. */
static int cap_complete(const cap_srv *s)
{
    const char *end = strstr(s->buf, "\r\n\r\n"), *cl;
    size_t want = 0;
    if (end == NULL)
        return 0;
    cl = find_ci(s->buf, "\r\nContent-Length:");
    if (cl != NULL && cl < end)
        want = (size_t)strtoul(cl + 17, NULL, 10);
    return s->len >= (size_t)(end + 4 - s->buf) + want;
}

static void cap_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
    cap_srv *s = st->data;
    (void)b;
    if (n <= 0)
        return;
    s->len += (size_t)n;
    s->buf[s->len] = '\0';
    if (!s->answered && cap_complete(s)) {
        static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
        uv_write_t *w = malloc(sizeof(*w));
        uv_buf_t out = uv_buf_init((char *)ok, sizeof(ok) - 1);
        s->answered = 1;
        uv_write(w, st, &out, 1, cap_written);
    }
}

static void cap_on_conn(uv_stream_t *l, int status)
{
    cap_srv *s = l->data;
    if (status != 0 || s->accepted)
        return;
    uv_tcp_init(l->loop, &s->conn);
    s->conn.data = s;
    s->accepted = 1;
    if (uv_accept(l, (uv_stream_t *)&s->conn) == 0)
        uv_read_start((uv_stream_t *)&s->conn, cap_alloc, cap_read);
}

static void cap_closed(uv_handle_t *h)
{
    ((cap_srv *)h->data)->closed_n++;
}

/* The header names of the captured request, lower-cased, sorted, ","-joined. */
static void cap_header_names(const cap_srv *s, char *out, size_t cap)
{
    char names[32][64];
    size_t n = 0, i, j, used = 0;
    const char *p = strstr(s->buf, "\r\n"), *end = strstr(s->buf, "\r\n\r\n");
    while (p != NULL && p < end && n < 32) {
        const char *line = p + 2, *colon = strchr(line, ':');
        size_t k;
        if (colon == NULL || colon > end)
            break;
        for (k = 0; line + k < colon && k + 1 < sizeof(names[0]); k++)
            names[n][k] = (char)tolower((unsigned char)line[k]);
        names[n++][k] = '\0';
        p = strstr(line, "\r\n");
    }
    for (i = 1; i < n; i++) /* insertion sort: a handful of names */
        for (j = i; j > 0 && strcmp(names[j - 1], names[j]) > 0; j--) {
            char t[64];
            memcpy(t, names[j], sizeof(t));
            memcpy(names[j], names[j - 1], sizeof(t));
            memcpy(names[j - 1], t, sizeof(t));
        }
    out[0] = '\0';
    for (i = 0; i < n && used + 1 < cap; i++)
        used += (size_t)snprintf(out + used, cap - used, "%s%s", i ? "," : "", names[i]);
}

static void test_raw_header_set(void)
{
    static const char *const methods[] = {"POST", "GET", "DELETE", "PUT"};
    size_t m;
    for (m = 0; m < sizeof(methods) / sizeof(methods[0]); m++) {
        uv_loop_t loop;
        cap_srv s;
        struct sockaddr_in addr;
        int namelen = sizeof(addr), body = strcmp(methods[m], "GET") != 0 &&
                                           strcmp(methods[m], "DELETE") != 0;
        char url[128], names[512];
        sqt_header h[2] = {{"X-MBX-APIKEY", "k"},
                           {"Content-Type", "application/x-www-form-urlencoded"}};
        sqt_http *http;
        sqt_http_request r;
        got g;
        memset(&s, 0, sizeof(s));
        memset(&g, 0, sizeof(g));
        CU_ASSERT_EQUAL_FATAL(uv_loop_init(&loop), 0);
        uv_tcp_init(&loop, &s.listener);
        s.listener.data = &s;
        uv_ip4_addr("127.0.0.1", 0, &addr);
        CU_ASSERT_EQUAL_FATAL(uv_tcp_bind(&s.listener, (const struct sockaddr *)&addr, 0), 0);
        CU_ASSERT_EQUAL_FATAL(uv_listen((uv_stream_t *)&s.listener, 4, cap_on_conn), 0);
        uv_tcp_getsockname(&s.listener, (struct sockaddr *)&addr, &namelen);
        snprintf(url, sizeof(url), "http://127.0.0.1:%d/fapi/v1/order?a=1", ntohs(addr.sin_port));
        http = sqt_http_new(&loop, NULL);
        CU_ASSERT_PTR_NOT_NULL_FATAL(http);
        r = req_of(methods[m], url);
        r.headers = h;
        r.n_headers = body ? 2 : 1;
        if (body) {
            r.body = "symbol=ETHUSDT&side=BUY";
            r.body_len = strlen(r.body);
        }
        SQT_ASSERT_INT_EQ(sqt_http_send(http, &r, cb_got, &g, NULL), 0);
        NET_RUN_UNTIL(&loop, g.calls, 3000);
        SQT_ASSERT_INT_EQ(g.calls, 1);
        SQT_ASSERT_INT_EQ(g.status, 200);
        cap_header_names(&s, names, sizeof(names));
        /* exactly these: in particular no Expect, not even an empty one (a stock Node
         * server answers 417 to that) */
        SQT_ASSERT_STR_EQ(names, body ? "accept,accept-encoding,content-length,content-type,"
                                        "host,user-agent,x-mbx-apikey"
                                      : "accept,accept-encoding,host,user-agent,x-mbx-apikey");
        CU_ASSERT_PTR_NULL(find_ci(s.buf, "\r\nExpect"));
        if (body)
            CU_ASSERT_TRUE(strstr(s.buf, "\r\n\r\nsymbol=ETHUSDT&side=BUY") != NULL);
        sqt_http_close(http, http_done_flag, &g);
        if (s.accepted)
            uv_close((uv_handle_t *)&s.conn, cap_closed);
        uv_close((uv_handle_t *)&s.listener, cap_closed);
        NET_RUN_UNTIL(&loop, g.errmsg[0] == 'c' && s.closed_n == 1 + s.accepted, 3000);
        SQT_ASSERT_INT_EQ(net_loop_finish(&loop, 3000), 0);
    }
}

/* ---- the request written inside sqt_http_send, and the easy-handle pool ---- */

/* Run the loop without blocking and wait up to 10 ms for fd to be readable, until
 * it is (1) or ms elapsed (0). */
static int pump_until_readable(uv_loop_t *loop, int fd, int ms)
{
    int waited;
    for (waited = 0; waited < ms; waited += 10) {
        struct pollfd p = {fd, POLLIN, 0};
        uv_run(loop, UV_RUN_NOWAIT);
        if (poll(&p, 1, 10) == 1)
            return 1;
    }
    return 0;
}

/* One request from fd into buf (headers end, no body): its length, 0 on time-out. */
static size_t read_request(uv_loop_t *loop, int fd, char *buf, size_t cap)
{
    size_t len = 0;
    buf[0] = '\0';
    while (strstr(buf, "\r\n\r\n") == NULL) {
        ssize_t n;
        if (!pump_until_readable(loop, fd, 3000))
            return 0;
        n = recv(fd, buf + len, cap - 1 - len, MSG_DONTWAIT);
        if (n <= 0)
            return 0;
        len += (size_t)n;
        buf[len] = '\0';
    }
    return len;
}

static void flag_done(void *ud)
{
    *(int *)ud = 1;
}

/* A bare listening socket on 127.0.0.1 (the test plays the server byte by byte) and
 * the URL of `path` on it; the socket, or -1. */
static int raw_listen(char *url, size_t cap, const char *path)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 4) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) != 0) {
        close(fd);
        return -1;
    }
    snprintf(url, cap, "http://127.0.0.1:%d%s", ntohs(a.sin_port), path);
    return fd;
}

/* Close the client, the sockets and the loop of a raw-socket test. */
static void raw_finish(uv_loop_t *loop, sqt_http *h, int cfd, int lfd)
{
    int done = 0;
    sqt_http_close(h, flag_done, &done);
    NET_RUN_UNTIL(loop, done, 3000);
    CU_ASSERT_TRUE(done);
    close(cfd);
    close(lfd);
    SQT_ASSERT_INT_EQ(net_loop_finish(loop, 3000), 0);
}

static void test_same_turn_write_and_pool(void)
{
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    uv_loop_t loop;
    sqt_http *h;
    got g[3];
    char url[96], buf[4096];
    int lfd, cfd = -1, i;
    sqt_http_request r;
    sqt_http_stats hs;
    memset(g, 0, sizeof g);
    CU_ASSERT_EQUAL_FATAL(uv_loop_init(&loop), 0);
    lfd = raw_listen(url, sizeof url, "/fapi/v1/order");
    CU_ASSERT_TRUE_FATAL(lfd >= 0);
    h = sqt_http_new(&loop, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    r = req_of("POST", url);
    r.body = "symbol=ETHUSDT";
    r.body_len = 14;
    for (i = 0; i < 3; i++) {
        SQT_ASSERT_INT_EQ(sqt_http_send(h, &r, cb_got, &g[i], NULL), 0);
        if (i == 0) { /* the connection is new: curl connects from the loop */
            CU_ASSERT_TRUE_FATAL(pump_until_readable(&loop, lfd, 3000));
            cfd = accept(lfd, NULL, NULL);
            CU_ASSERT_TRUE_FATAL(cfd >= 0);
        } else {
            /* kept alive: the request is on the socket before the loop runs again */
            ssize_t n = recv(cfd, buf, sizeof buf - 1, MSG_DONTWAIT);
            CU_ASSERT_TRUE(n > 0);
            if (n > 0) {
                buf[n] = '\0';
                CU_ASSERT_PTR_NOT_NULL(strstr(buf, "POST /fapi/v1/order HTTP/1.1"));
            }
            SQT_ASSERT_INT_EQ(g[i].calls, 0); /* never a callback inside the send */
        }
        if (i == 0)
            CU_ASSERT_TRUE(read_request(&loop, cfd, buf, sizeof buf) > 0);
        /* the body may follow the headers: take what is left of this request */
        while (recv(cfd, buf, sizeof buf, MSG_DONTWAIT) > 0) {
        }
        CU_ASSERT_EQUAL(send(cfd, ok, sizeof(ok) - 1, 0), (ssize_t)(sizeof(ok) - 1));
        NET_RUN_UNTIL(&loop, g[i].calls == 1, 3000);
        SQT_ASSERT_INT_EQ(g[i].status, 200);
    }
    /* three requests, one after another: one easy handle and one poll handle, reused */
    sqt_http_get_stats(h, &hs);
    SQT_ASSERT_INT_EQ(hs.easy_created, 1);
    SQT_ASSERT_INT_EQ(hs.polls_created, 1);
    raw_finish(&loop, h, cfd, lfd);
}

/* One pooled easy handle carries request after request of every method: each request on
 * the wire has its own method, its own body (or none, and no Content-Length where none
 * was meant), its own headers only, and the options every request has (user agent,
 * accepted encodings, no Expect) also on a handle that came back from the pool. */
static void test_pooled_handle_methods(void)
{
    static const char ok[] = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok";
    static const struct {
        const char *method, *body, *hname;
        int has_len;
    } R[] = {{"POST", "symbol=ETHUSDT&side=BUY", "X-One", 1},
             {"GET", NULL, "X-Two", 0},
             {"DELETE", NULL, NULL, 0},
             {"PUT", NULL, "X-Three", 1},
             {"POST", "a=1", NULL, 1},
             {"HEAD", NULL, NULL, 0},
             {"GET", NULL, NULL, 0}};
    uv_loop_t loop;
    sqt_http *h;
    got g[7];
    char url[96], buf[8192];
    int lfd, cfd = -1;
    size_t i;
    sqt_http_stats hs;
    memset(g, 0, sizeof g);
    CU_ASSERT_EQUAL_FATAL(uv_loop_init(&loop), 0);
    lfd = raw_listen(url, sizeof url, "/p");
    CU_ASSERT_TRUE_FATAL(lfd >= 0);
    h = sqt_http_new(&loop, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(h);
    for (i = 0; i < sizeof R / sizeof R[0]; i++) {
        sqt_http_request r = req_of(R[i].method, url);
        sqt_header hd = {R[i].hname, "v"};
        char first[32], *end;
        size_t len, blen = R[i].body ? strlen(R[i].body) : 0;
        r.body = R[i].body;
        r.body_len = blen;
        r.headers = R[i].hname ? &hd : NULL;
        r.n_headers = R[i].hname ? 1 : 0;
        SQT_ASSERT_INT_EQ(sqt_http_send(h, &r, cb_got, &g[i], NULL), 0);
        if (i == 0) {
            CU_ASSERT_TRUE_FATAL(pump_until_readable(&loop, lfd, 3000));
            cfd = accept(lfd, NULL, NULL);
            CU_ASSERT_TRUE_FATAL(cfd >= 0);
        }
        len = read_request(&loop, cfd, buf, sizeof buf);
        CU_ASSERT_TRUE_FATAL(len > 0);
        end = strstr(buf, "\r\n\r\n");
        while ((size_t)(buf + len - (end + 4)) < blen) { /* the body's rest */
            ssize_t n;
            CU_ASSERT_TRUE_FATAL(pump_until_readable(&loop, cfd, 3000));
            n = recv(cfd, buf + len, sizeof buf - 1 - len, MSG_DONTWAIT);
            CU_ASSERT_TRUE_FATAL(n > 0);
            len += (size_t)n;
            buf[len] = '\0';
        }
        *end = '\0';
        snprintf(first, sizeof first, "%s /p HTTP/1.1\r\n", R[i].method);
        CU_ASSERT_EQUAL(strncmp(buf, first, strlen(first)), 0);
        CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\r\nUser-Agent: opensqt\r\n"));
        CU_ASSERT_PTR_NOT_NULL(strstr(buf, "\r\nAccept-Encoding: "));
        CU_ASSERT_PTR_NULL(strstr(buf, "Expect"));
        CU_ASSERT_EQUAL(strstr(buf, "X-One") != NULL, i == 0);
        CU_ASSERT_EQUAL(strstr(buf, "X-Two") != NULL, i == 1);
        CU_ASSERT_EQUAL(strstr(buf, "X-Three") != NULL, i == 3);
        CU_ASSERT_EQUAL(strstr(buf, "Content-Length") != NULL, R[i].has_len);
        if (R[i].has_len) {
            char want[48];
            snprintf(want, sizeof want, "\r\nContent-Length: %zu\r\n", blen);
            CU_ASSERT_PTR_NOT_NULL(strstr(buf, want));
        }
        SQT_ASSERT_INT_EQ((long)(buf + len - (end + 4)), (long)blen); /* nothing more */
        if (blen > 0)
            CU_ASSERT_EQUAL(memcmp(end + 4, R[i].body, blen), 0);
        CU_ASSERT_EQUAL(send(cfd, ok, sizeof(ok) - 1, 0), (ssize_t)(sizeof(ok) - 1));
        NET_RUN_UNTIL(&loop, g[i].calls == 1, 3000);
        SQT_ASSERT_INT_EQ(g[i].status, 200);
    }
    sqt_http_get_stats(h, &hs);
    SQT_ASSERT_INT_EQ(hs.easy_created, 1); /* every request on the same handle */
    raw_finish(&loop, h, cfd, lfd);
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"GET and POST with headers both ways", test_get_post_headers},
        {"error status, DELETE and PUT", test_status_and_delete},
        {"keep-alive: sequential requests share one connection", test_keepalive_reuse},
        {"a kept-alive request is written inside the send; easy and poll handles reused",
         test_same_turn_write_and_pool},
        {"a pooled easy handle: every method in turn, each request only its own",
         test_pooled_handle_methods},
        {"total timeout on a stalled response", test_total_timeout},
        {"deferred response from the server", test_deferred_response},
        {"server core: pipelined requests in order", test_server_pipelining},
        {"connection refused", test_refused},
        {"cancel in flight: one callback, cancelled", test_cancel_in_flight},
        {"shutdown with requests in flight", test_shutdown_in_flight},
        {"close from inside a callback", test_close_from_callback},
        {"response body cap", test_body_cap},
        {"invalid requests are refused synchronously", test_invalid_requests},
        {"https: extra CA trusted, wrong host refused", test_https},
        {"the exact header set on the wire (no Expect)", test_raw_header_set},
        {"warm: the request path run dry sends nothing", test_warm_sends_nothing},
        {NULL, NULL},
    };
    SQT_TEST_INIT();
    if (sqt_test_suite("net_http", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
