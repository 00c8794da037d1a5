/* Fuzz target: the metrics server's request handling (host/app/metrics.c: http-parser,
 * the head and URL bounds, routing). A loopback client sends the fuzz input as the
 * request, half-closes, and reads the answer until the server closes.
 *
 * Oracles (metrics.h): at most one answer, and an answer is a whole HTTP/1.1 status
 * line with a known status, Connection: close and a Content-Length that matches the
 * body (none after HEAD); every handle is closed at the end (uv_loop_close == 0).
 * Each run listens on the next of 254 loopback addresses, so the TIME_WAIT sockets of
 * closed connections never exhaust one address's ports. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <uv.h>

#include "app/metrics.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define WATCHDOG_MS 10000
#define MAX_ANSWER (1u << 20)

typedef struct run {
    uv_loop_t loop;
    sqt_metrics m;
    uv_tcp_t tcp;
    uv_connect_t conn;
    uv_write_t wr;
    uv_shutdown_t sd;
    uv_timer_t watchdog;
    char *answer;
    size_t len, cap;
    char *req;
    size_t req_len;
    uv_buf_t buf;
} run;

static void render(void *ud, sqt_mbuf *b)
{
    (void)ud;
    sqt_metrics_counter(b, "fz_requests_total", "Requests.", 1);
}

static int health(void *ud, char *why, size_t cap)
{
    (void)ud;
    snprintf(why, cap, "fuzzing");
    return 0;
}

static void closed_cb(uv_handle_t *h)
{
    (void)h;
}

static void metrics_closed(sqt_metrics *m)
{
    run *r = m->data;
    uv_close((uv_handle_t *)&r->watchdog, closed_cb);
}

static void client_closed(uv_handle_t *h)
{
    run *r = h->data;
    sqt_metrics_close(&r->m, metrics_closed);
}

static void on_alloc(uv_handle_t *h, size_t sz, uv_buf_t *buf)
{
    run *r = h->data;
    (void)sz;
    if (r->cap - r->len < 4096) {
        char *p;
        if (r->cap >= MAX_ANSWER)
            abort(); /* an answer this large is a bug */
        r->cap = r->cap ? r->cap * 2 : 8192;
        p = realloc(r->answer, r->cap);
        if (p == NULL)
            abort();
        r->answer = p;
    }
    *buf = uv_buf_init(r->answer + r->len, (unsigned)(r->cap - r->len - 1));
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    run *r = s->data;
    (void)buf;
    if (n > 0) {
        r->len += (size_t)n;
        return;
    }
    if (n < 0 && !uv_is_closing((uv_handle_t *)&r->tcp))
        uv_close((uv_handle_t *)&r->tcp, client_closed);
}

static void on_shutdown(uv_shutdown_t *req, int status)
{
    (void)req;
    (void)status;
}

static void on_write(uv_write_t *req, int status)
{
    run *r = req->data;
    (void)status; /* the server may have answered and closed already */
    r->sd.data = r;
    uv_shutdown(&r->sd, (uv_stream_t *)&r->tcp, on_shutdown);
}

static void on_connect(uv_connect_t *c, int status)
{
    run *r = c->data;
    if (status != 0)
        abort();
    uv_read_start((uv_stream_t *)&r->tcp, on_alloc, on_read);
    if (r->req_len == 0) {
        on_write(&r->wr, 0);
        return;
    }
    r->buf = uv_buf_init(r->req, (unsigned)r->req_len);
    if (uv_write(&r->wr, (uv_stream_t *)&r->tcp, &r->buf, 1, on_write) != 0)
        abort();
}

static void on_watchdog(uv_timer_t *t)
{
    (void)t;
    fprintf(stderr, "fuzz_metrics: no end within %d ms\n", WATCHDOG_MS);
    abort();
}

/* The answer's head: a status line we send, Connection: close, and the length. */
static void check_answer(const run *r)
{
    const char *a = r->answer, *end, *cl;
    int status;
    size_t hlen, clen;
    if (r->len == 0)
        return; /* cut off before a whole request: nothing to say */
    if (r->len < 13 || memcmp(a, "HTTP/1.1 ", 9) != 0 || sscanf(a + 9, "%3d", &status) != 1)
        abort();
    switch (status) {
    case 200: case 400: case 404: case 405: case 408: case 414: case 431: case 500: case 503:
        break;
    default:
        abort();
    }
    end = strstr(a, "\r\n\r\n");
    if (end == NULL || strstr(a, "Connection: close\r\n") == NULL)
        abort();
    hlen = (size_t)(end - a) + 4;
    cl = strstr(a, "Content-Length: ");
    if (cl == NULL || cl > end || sscanf(cl + 16, "%zu", &clen) != 1)
        abort();
    /* one answer only: the body is exactly what the length says (HEAD: no body) */
    if (r->len - hlen != clen && r->len != hlen)
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned next_addr;
    run *r = calloc(1, sizeof(*r));
    sqt_metrics_opts o;
    struct sockaddr_in sa;
    char host[16], err[160];

    if (r == NULL)
        return 0;
    snprintf(host, sizeof(host), "127.0.1.%u", 1 + (next_addr++ % 254));
    if (uv_loop_init(&r->loop) != 0)
        abort();
    memset(&o, 0, sizeof(o));
    o.host = host;
    o.request_timeout_ms = 200;
    o.render = render;
    o.health = health;
    if (sqt_metrics_init(&r->m, &r->loop, &o) != 0)
        abort();
    r->m.data = r;
    if (sqt_metrics_start(&r->m, err, sizeof(err)) != 0) {
        fprintf(stderr, "fuzz_metrics: %s\n", err);
        abort();
    }
    uv_timer_init(&r->loop, &r->watchdog);
    uv_timer_start(&r->watchdog, on_watchdog, WATCHDOG_MS, 0);
    uv_unref((uv_handle_t *)&r->watchdog);
    uv_tcp_init(&r->loop, &r->tcp);
    r->tcp.data = r->conn.data = r->wr.data = r;
    uv_ip4_addr(host, sqt_metrics_port(&r->m), &sa);
    if (uv_tcp_connect(&r->conn, &r->tcp, (const struct sockaddr *)&sa, on_connect) != 0)
        abort();
    r->req = (char *)(uintptr_t)data;
    r->req_len = size;
    uv_run(&r->loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&r->loop) != 0)
        abort();
    check_answer(r);
    free(r->answer);
    free(r);
    return 0;
}
