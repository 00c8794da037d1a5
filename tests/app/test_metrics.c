/* Metrics: the Prometheus writer line by line, then the server on a real loop: scraped
 * with the host's own HTTP client, the body checked by a real Prometheus parser
 * (python3-prometheus-client), /healthz both ways, and bad clients (bad method,
 * garbage, a huge head, a slowloris, too many connections) answered or cut off without
 * harm; the loop closes clean. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <uv.h>

#include "app/metrics.h"
#include "http.h"
#include "prom_parse.h"
#include "sqt_test.h"

/* ---- the writer ------------------------------------------------------------------- */

static void test_writer(void)
{
    sqt_mbuf b;
    sqt_histogram h;
    static const double le[] = {0.001, 0.005, 0.25};
    sqt_metric_label lab[2] = {{"class", "post_only"}, {"note", "a\\b \"q\"\nline"}};

    memset(&b, 0, sizeof(b));
    SQT_ASSERT_INT_EQ(sqt_metrics_counter(&b, "x_orders_total", "Orders placed.\nSecond \\ line",
                                          42),
                      0);
    SQT_ASSERT_STR_EQ(b.p, "# HELP x_orders_total Orders placed.\\nSecond \\\\ line\n"
                           "# TYPE x_orders_total counter\n"
                           "x_orders_total 42\n");
    b.len = 0;
    SQT_ASSERT_INT_EQ(sqt_metrics_sample_i64(&b, "x_rej_total", lab, 2, 7), 0);
    SQT_ASSERT_STR_EQ(b.p, "x_rej_total{class=\"post_only\",note=\"a\\\\b \\\"q\\\"\\nline\"} 7\n");
    b.len = 0;
    SQT_ASSERT_INT_EQ(sqt_metrics_gauge_dec(&b, "x_pnl", "PnL.", sqt_dec_make(-123450, 4)), 0);
    SQT_ASSERT_CONTAINS(b.p, "x_pnl -12.3450\n");
    b.len = 0;
    SQT_ASSERT_INT_EQ(sqt_metrics_sample_f64(&b, "x_f", NULL, 0, 1.0 / 0.0), 0);
    SQT_ASSERT_INT_EQ(sqt_metrics_sample_f64(&b, "x_f", NULL, 0, 0.1), 0);
    SQT_ASSERT_STR_EQ(b.p, "x_f +Inf\nx_f 0.1\n");

    /* bad names are refused, never written */
    b.len = 0;
    b.p[0] = '\0';
    SQT_ASSERT_INT_EQ(sqt_metrics_family(&b, "9bad", "gauge", "x"), SQT_EINVAL);
    SQT_ASSERT_INT_EQ(sqt_metrics_family(&b, "bad-name", "gauge", "x"), SQT_EINVAL);
    {
        sqt_metric_label bad = {"le-x", "1"};
        SQT_ASSERT_INT_EQ(sqt_metrics_sample_i64(&b, "x", &bad, 1, 1), SQT_EINVAL);
    }
    SQT_ASSERT_INT_EQ(b.len, 0);

    /* histogram: cumulative buckets, +Inf, _sum and _count */
    SQT_ASSERT_INT_EQ(sqt_histogram_init(&h, le, 3), 0);
    sqt_histogram_observe(&h, 0.0005);
    sqt_histogram_observe(&h, 0.001); /* on a bound: that bucket (le is <=) */
    sqt_histogram_observe(&h, 0.1);
    sqt_histogram_observe(&h, 3.0);
    SQT_ASSERT_INT_EQ(sqt_metrics_histogram(&b, "x_lat_seconds", lab, 1, &h), 0);
    SQT_ASSERT_STR_EQ(b.p, "x_lat_seconds_bucket{class=\"post_only\",le=\"0.001\"} 2\n"
                           "x_lat_seconds_bucket{class=\"post_only\",le=\"0.005\"} 2\n"
                           "x_lat_seconds_bucket{class=\"post_only\",le=\"0.25\"} 3\n"
                           "x_lat_seconds_bucket{class=\"post_only\",le=\"+Inf\"} 4\n"
                           "x_lat_seconds_sum{class=\"post_only\"} 3.1015\n"
                           "x_lat_seconds_count{class=\"post_only\"} 4\n");
    {
        static const double unsorted[] = {0.5, 0.1};
        SQT_ASSERT_INT_EQ(sqt_histogram_init(&h, unsorted, 2), SQT_EINVAL);
    }
    free(b.p);
}

/* ---- the server on a loop -------------------------------------------------------- */

typedef struct raw {
    uv_tcp_t tcp;
    uv_connect_t conn;
    uv_write_t wr;
    char *send;
    size_t send_len;
    char got[2048];
    size_t got_len;
    int done;
    struct world *w;
} raw;

#define N_IDLE 17

typedef struct world {
    uv_loop_t loop;
    sqt_metrics m;
    sqt_http *http;
    int port;
    int healthy;
    int step;
    int status[8];
    char ctype[8][128];
    char *body[8];
    raw bad[3];                        /* huge head, garbage, slowloris */
    raw idle[N_IDLE];
    int raws_left;
    int closed;
} world;

static void render(void *ud, sqt_mbuf *b)
{
    static const double le[] = {0.0005, 0.001, 0.01};
    sqt_metric_label cls[] = {{"class", "post_only"}};
    sqt_metric_label odd[] = {{"symbol", "ETH\"USDT\\\n"}};
    sqt_histogram h;
    (void)ud;
    sqt_metrics_counter(b, "opensqt_orders_placed_total", "Orders placed.", 12);
    sqt_metrics_family(b, "opensqt_orders_rejected_total", "counter", "Rejected, by class.");
    sqt_metrics_sample_i64(b, "opensqt_orders_rejected_total", cls, 1, 3);
    sqt_metrics_gauge_dec(b, "opensqt_position", "Position, base units.", sqt_dec_make(1500, 3));
    sqt_metrics_family(b, "opensqt_price", "gauge", "Last price \\ with a backslash.");
    sqt_metrics_sample_dec(b, "opensqt_price", odd, 1, sqt_dec_make(300012, 2));
    sqt_metrics_family(b, "opensqt_tick_to_order_seconds", "histogram", "Tick to order.");
    sqt_histogram_init(&h, le, 3);
    sqt_histogram_observe(&h, 0.0004);
    sqt_histogram_observe(&h, 0.002);
    sqt_metrics_histogram(b, "opensqt_tick_to_order_seconds", NULL, 0, &h);
}

static int health(void *ud, char *why, size_t cap)
{
    world *w = ud;
    if (!w->healthy)
        snprintf(why, cap, "order stream down");
    return w->healthy;
}

static void next_step(world *w);

static void got_http(void *ud, const sqt_http_response *r)
{
    world *w = ud;
    size_t i;
    int s = w->step;
    w->status[s] = r->status;
    for (i = 0; i < r->n_headers; i++)
        if (strcasecmp(r->headers[i].name, "Content-Type") == 0)
            snprintf(w->ctype[s], sizeof(w->ctype[s]), "%s", r->headers[i].value);
    w->body[s] = strndup(r->body ? r->body : "", r->body_len);
    w->step++;
    next_step(w);
}

static void get(world *w, const char *method, const char *path)
{
    char url[128];
    sqt_http_request req;
    snprintf(url, sizeof(url), "http://127.0.0.1:%d%s", w->port, path);
    memset(&req, 0, sizeof(req));
    req.struct_size = sizeof(req);
    req.method = method;
    req.url = url;
    req.timeout_ms = 5000;
    CU_ASSERT_EQUAL(sqt_http_send(w->http, &req, got_http, w, NULL), 0);
}

static void raw_closed(uv_handle_t *h)
{
    raw *r = h->data;
    world *w = r->w;
    r->done = 1;
    if (--w->raws_left == 0) {
        w->step++;
        next_step(w);
    }
}

static void raw_alloc(uv_handle_t *h, size_t sz, uv_buf_t *buf)
{
    raw *r = h->data;
    (void)sz;
    *buf = uv_buf_init(r->got + r->got_len, (unsigned)(sizeof(r->got) - 1 - r->got_len));
}

static void raw_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    raw *r = s->data;
    (void)buf;
    if (n > 0) {
        r->got_len += (size_t)n;
        r->got[r->got_len] = '\0';
        if (r->got_len + 1 < sizeof(r->got))
            return;
    }
    if (n < 0 || r->got_len + 1 >= sizeof(r->got))
        uv_close((uv_handle_t *)&r->tcp, raw_closed);
}

static void raw_wrote(uv_write_t *req, int status)
{
    (void)req;
    (void)status; /* the server may cut a huge head short: the read side tells */
}

static void raw_connected(uv_connect_t *c, int status)
{
    raw *r = c->data;
    CU_ASSERT_EQUAL(status, 0);
    if (status != 0) {
        uv_close((uv_handle_t *)&r->tcp, raw_closed);
        return;
    }
    uv_read_start((uv_stream_t *)&r->tcp, raw_alloc, raw_read);
    if (r->send_len > 0) {
        uv_buf_t b = uv_buf_init(r->send, (unsigned)r->send_len);
        uv_write(&r->wr, (uv_stream_t *)&r->tcp, &b, 1, raw_wrote);
    }
}

static void raw_start(world *w, raw *r, char *send, size_t len)
{
    struct sockaddr_in sa;
    memset(r, 0, sizeof(*r));
    r->w = w;
    r->send = send;
    r->send_len = len;
    uv_tcp_init(&w->loop, &r->tcp);
    r->tcp.data = r;
    r->conn.data = r;
    uv_ip4_addr("127.0.0.1", w->port, &sa);
    w->raws_left++;
    CU_ASSERT_EQUAL(uv_tcp_connect(&r->conn, &r->tcp, (const struct sockaddr *)&sa, raw_connected),
                    0);
}

static void metrics_closed(sqt_metrics *m)
{
    world *w = m->data;
    w->closed = 1;
}

static char *huge_head;
static char garbage[] = "BLAH / HTTP/1.1\r\nHost: x\r\n\r\n";
static char slow[] = "GET /metrics HTTP/1.1\r\n";

static void next_step(world *w)
{
    size_t i;
    switch (w->step) {
    case 1: get(w, "GET", "/healthz"); break;
    case 2: w->healthy = 0; get(w, "GET", "/healthz"); break;
    case 3: get(w, "GET", "/nope"); break;
    case 4: get(w, "POST", "/metrics"); break;
    case 5: get(w, "GET", "/metrics?x=1"); break;
    case 6:
        /* bad clients, all at once */
        raw_start(w, &w->bad[0], huge_head, strlen(huge_head));
        raw_start(w, &w->bad[1], garbage, strlen(garbage));
        raw_start(w, &w->bad[2], slow, strlen(slow));
        break;
    case 7:
        /* more idle connections than the server serves */
        for (i = 0; i < N_IDLE; i++)
            raw_start(w, &w->idle[i], NULL, 0);
        break;
    default:
        sqt_http_close(w->http, NULL, NULL);
        sqt_metrics_close(&w->m, metrics_closed);
        break;
    }
}

static void test_server(void)
{
    world *w = calloc(1, sizeof(*w));
    sqt_metrics_opts o;
    char err[256], parsed[8192];
    size_t i;
    int empty = 0, timeouts = 0, rc;

    huge_head = malloc(20000);
    strcpy(huge_head, "GET /metrics HTTP/1.1\r\n");
    for (i = 0; i < 300; i++)
        strcat(huge_head, "X-Filler: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n");
    strcat(huge_head, "\r\n");

    CU_ASSERT_EQUAL_FATAL(uv_loop_init(&w->loop), 0);
    memset(&o, 0, sizeof(o));
    o.host = "127.0.0.1";
    o.port = 0;
    o.request_timeout_ms = 300;
    o.render = render;
    o.health = health;
    o.ud = w;
    w->healthy = 1;
    CU_ASSERT_EQUAL_FATAL(sqt_metrics_init(&w->m, &w->loop, &o), 0);
    w->m.data = w;
    rc = sqt_metrics_start(&w->m, err, sizeof(err));
    if (rc != 0)
        fprintf(stderr, "\n    %s\n", err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    w->port = sqt_metrics_port(&w->m);
    CU_ASSERT_TRUE(w->port > 0);
    w->http = sqt_http_new(&w->loop, NULL);
    CU_ASSERT_PTR_NOT_NULL_FATAL(w->http);
    get(w, "GET", "/metrics");
    uv_run(&w->loop, UV_RUN_DEFAULT);
    CU_ASSERT_TRUE(w->closed);
    SQT_ASSERT_INT_EQ(uv_loop_close(&w->loop), 0);

    /* /metrics */
    SQT_ASSERT_INT_EQ(w->status[0], 200);
    SQT_ASSERT_STR_EQ(w->ctype[0], "text/plain; version=0.0.4; charset=utf-8");
    SQT_ASSERT_CONTAINS(w->body[0], "opensqt_orders_placed_total 12\n");
    rc = prom_parse(w->body[0] ? w->body[0] : "", parsed, sizeof(parsed));
    if (rc != 0)
        fprintf(stderr, "\n    prometheus parser: %s\n", parsed);
    SQT_ASSERT_INT_EQ(rc, 0);
    SQT_ASSERT_CONTAINS(parsed, "counter opensqt_orders_placed_total [] 12.0");
    SQT_ASSERT_CONTAINS(parsed, "counter opensqt_orders_rejected_total [('class', 'post_only')] 3.0");
    SQT_ASSERT_CONTAINS(parsed, "gauge opensqt_position [] 1.5");
    SQT_ASSERT_CONTAINS(parsed, "gauge opensqt_price [('symbol', 'ETH\"USDT\\\\\\n')] 3000.12");
    SQT_ASSERT_CONTAINS(parsed, "histogram opensqt_tick_to_order_seconds_bucket [('le', '0.0005')] 1.0");
    SQT_ASSERT_CONTAINS(parsed, "histogram opensqt_tick_to_order_seconds_bucket [('le', '+Inf')] 2.0");
    SQT_ASSERT_CONTAINS(parsed, "histogram opensqt_tick_to_order_seconds_count [] 2.0");
    SQT_ASSERT_CONTAINS(parsed, "histogram opensqt_tick_to_order_seconds_sum [] 0.0024");
    /* /healthz both ways, unknown path, wrong method, query string ignored */
    SQT_ASSERT_INT_EQ(w->status[1], 200);
    SQT_ASSERT_STR_EQ(w->body[1], "ok\n");
    SQT_ASSERT_INT_EQ(w->status[2], 503);
    SQT_ASSERT_STR_EQ(w->body[2], "order stream down\n");
    SQT_ASSERT_INT_EQ(w->status[3], 404);
    SQT_ASSERT_INT_EQ(w->status[4], 405);
    SQT_ASSERT_INT_EQ(w->status[5], 200);
    /* bad clients */
    SQT_ASSERT_CONTAINS(w->bad[0].got, "HTTP/1.1 431 ");
    SQT_ASSERT_CONTAINS(w->bad[1].got, "HTTP/1.1 400 ");
    SQT_ASSERT_CONTAINS(w->bad[2].got, "HTTP/1.1 408 ");
    for (i = 0; i < N_IDLE; i++) {
        empty += w->idle[i].got_len == 0;
        timeouts += strstr(w->idle[i].got, "HTTP/1.1 408 ") != NULL;
    }
    SQT_ASSERT_INT_EQ(empty, 1);
    SQT_ASSERT_INT_EQ(timeouts, N_IDLE - 1);
    SQT_ASSERT_INT_EQ(w->m.refused, 1);

    for (i = 0; i < 8; i++)
        free(w->body[i]);
    free(huge_head);
    free(w);
}

static void test_refusals(void)
{
    uv_loop_t loop;
    sqt_metrics m;
    sqt_metrics_opts o;
    char err[256];
    CU_ASSERT_EQUAL_FATAL(uv_loop_init(&loop), 0);
    memset(&o, 0, sizeof(o));
    o.host = "127.0.0.1";
    SQT_ASSERT_INT_EQ(sqt_metrics_init(&m, &loop, &o), SQT_EINVAL);
    o.render = render;

    /* a non-loopback address needs allow_non_loopback; nothing is bound */
    o.host = "192.0.2.10";
    CU_ASSERT_EQUAL_FATAL(sqt_metrics_init(&m, &loop, &o), 0);
    SQT_ASSERT_INT_EQ(sqt_metrics_start(&m, err, sizeof(err)), SQT_EINVAL);
    SQT_ASSERT_CONTAINS(err, "not a loopback address");
    SQT_ASSERT_CONTAINS(err, "allow_non_loopback");
    sqt_metrics_close(&m, NULL);
    uv_run(&loop, UV_RUN_DEFAULT); /* the handle is closed before m is used again */
    o.host = "0.0.0.0";
    CU_ASSERT_EQUAL_FATAL(sqt_metrics_init(&m, &loop, &o), 0);
    SQT_ASSERT_INT_EQ(sqt_metrics_start(&m, err, sizeof(err)), SQT_EINVAL);
    sqt_metrics_close(&m, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    o.host = "metrics.example";
    CU_ASSERT_EQUAL_FATAL(sqt_metrics_init(&m, &loop, &o), 0);
    SQT_ASSERT_INT_EQ(sqt_metrics_start(&m, err, sizeof(err)), SQT_EINVAL);
    SQT_ASSERT_CONTAINS(err, "numeric address or localhost");
    sqt_metrics_close(&m, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    /* IPv6 loopback and localhost are loopback */
    o.host = "::1";
    CU_ASSERT_EQUAL_FATAL(sqt_metrics_init(&m, &loop, &o), 0);
    {
        int rc = sqt_metrics_start(&m, err, sizeof(err));
        /* a host without IPv6 cannot bind ::1; that is not a refusal */
        CU_ASSERT_TRUE(rc == 0 || rc == SQT_ENETWORK);
    }
    sqt_metrics_close(&m, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    o.host = "localhost";
    CU_ASSERT_EQUAL_FATAL(sqt_metrics_init(&m, &loop, &o), 0);
    SQT_ASSERT_INT_EQ(sqt_metrics_start(&m, err, sizeof(err)), 0);
    sqt_metrics_close(&m, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    SQT_ASSERT_INT_EQ(uv_loop_close(&loop), 0);
}

int main(void)
{
    static const sqt_test_case cases[] = {{"writer", test_writer},
                                          {"server", test_server},
                                          {"refusals", test_refusals},
                                          {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("metrics", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
