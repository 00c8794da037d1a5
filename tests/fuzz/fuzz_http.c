/* Fuzz target: the HTTP client's response handling (host/net/http.c: libcurl parses,
 * http.c collects headers and body and builds the sqt_http_response). A loopback peer
 * answers one request with the fuzz input, byte for byte, then closes; each run is
 * bounded by short timeouts and a watchdog.
 *
 * Input: byte 0 = flags, the rest = the raw response.
 *   bit 0: max_body_bytes = 64 (the SQT_ERANGE path) instead of the default
 *   bit 1: POST with a body instead of GET
 *   bit 2: HEAD instead of GET (a response without a body)
 * Oracles (http.h): the callback runs exactly once, never inside sqt_http_send(); the
 * outcome is SQT_OK (then 100 <= status <= 999) or one of NETWORK / TIMEOUT / ERANGE
 * (then no body); the body is NUL-terminated and within the cap; every header has a
 * name and a value; every handle is closed at the end. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <curl/curl.h>

#include "fuzz_peer.h"
#include "net/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define F_SMALL_BODY 0x1u
#define F_POST 0x2u
#define F_HEAD 0x4u
#define SMALL_BODY 64u
#define WATCHDOG_MS 10000

typedef struct run {
    uv_loop_t *loop;
    const uint8_t *data;
    size_t size;
    unsigned flags;
    size_t max_body;
    int in_send, calls, closed;
    int code, status;
    size_t n_headers, body_len;
    char message[sizeof(((sqt_error *)0)->message)];
    unsigned long sum;
} run;

static char *answer(void *ud, const char *head, size_t head_len, size_t *out_len)
{
    run *r = ud;
    char *out;
    (void)head;
    (void)head_len;
    if (r->size == 0)
        return NULL;
    if ((out = malloc(r->size)) == NULL)
        abort();
    memcpy(out, r->data, r->size);
    *out_len = r->size;
    return out;
}

static void on_response(void *ud, const sqt_http_response *resp)
{
    run *r = ud;
    size_t i;
    if (r->in_send || r->calls++ != 0 || resp == NULL || resp->body == NULL ||
        resp->body[resp->body_len] != '\0' || resp->body_len > r->max_body ||
        memchr(resp->err.message, '\0', sizeof(resp->err.message)) == NULL)
        abort();
    switch (resp->err.code) {
    case SQT_OK:
        if (resp->status < 100 || resp->status > 999) {
            fprintf(stderr, "fuzz_http: SQT_OK with status %d\n", resp->status);
            abort();
        }
        break;
    case SQT_ERANGE:
        if (!(r->flags & F_SMALL_BODY))
            abort();
        /* fall through */
    case SQT_ENETWORK:
    case SQT_ETIMEOUT:
        if (resp->body_len != 0)
            abort();
        break;
    default:
        fprintf(stderr, "fuzz_http: unexpected outcome %d: %s\n", resp->err.code,
                resp->err.message);
        abort();
    }
    if (resp->n_headers > 0 && resp->headers == NULL)
        abort();
    for (i = 0; i < resp->n_headers; i++) {
        if (resp->headers[i].name == NULL || resp->headers[i].value == NULL)
            abort();
        r->sum += strlen(resp->headers[i].name) + strlen(resp->headers[i].value);
    }
    for (i = 0; i < resp->body_len; i++)
        r->sum += (unsigned char)resp->body[i];
    r->code = resp->err.code;
    r->status = resp->status;
    r->n_headers = resp->n_headers;
    r->body_len = resp->body_len;
    memcpy(r->message, resp->err.message, sizeof(r->message));
    uv_stop(r->loop); /* the waiting loop must not block in the poll after a timer */
}

static void on_closed(void *ud)
{
    run *r = ud;
    r->closed++;
    uv_stop(r->loop);
}

static void on_watchdog(uv_timer_t *t)
{
    (void)t;
    fprintf(stderr, "fuzz_http: the request did not finish within %d ms\n", WATCHDOG_MS);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int curl_ready;
    uv_loop_t loop;
    uv_timer_t watchdog;
    fz_peer peer;
    sqt_http_opts opts;
    sqt_http_request req;
    sqt_http *h;
    run r;
    char url[64];

    /* one global reference for the whole process: sqt_http_new/close then do not set
     * up and tear down the TLS library on every input */
    if (!curl_ready) {
        if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
            abort();
        curl_ready = 1;
    }
    memset(&r, 0, sizeof(r));
    r.flags = size > 0 ? data[0] : 0;
    r.data = size > 0 ? data + 1 : data;
    r.size = size > 0 ? size - 1 : 0;
    r.loop = &loop;

    if (uv_loop_init(&loop) != 0)
        abort();
    if (fz_peer_start(&loop, &peer, answer, &r) != 0)
        abort();
    uv_timer_init(&loop, &watchdog);
    uv_timer_start(&watchdog, on_watchdog, WATCHDOG_MS, 0);

    memset(&opts, 0, sizeof(opts));
    opts.connect_timeout_ms = 2000;
    opts.timeout_ms = 2000;
    opts.max_body_bytes = (r.flags & F_SMALL_BODY) ? SMALL_BODY : 0;
    r.max_body = (r.flags & F_SMALL_BODY) ? SMALL_BODY : (size_t)16 << 20;
    h = sqt_http_new(&loop, &opts);
    if (h == NULL)
        abort();
    memset(&req, 0, sizeof(req));
    req.struct_size = sizeof(req);
    snprintf(url, sizeof(url), "http://%s:%d/fapi/v1/order?symbol=ETHUSDT", peer.host,
             peer.port);
    req.url = url;
    if (r.flags & F_POST) {
        req.method = "POST";
        req.body = "symbol=ETHUSDT&side=BUY";
        req.body_len = strlen(req.body);
    } else if (r.flags & F_HEAD) {
        req.method = "HEAD";
    } else {
        req.method = "GET";
    }
    r.in_send = 1;
    if (sqt_http_send(h, &req, on_response, &r, NULL) != 0)
        abort();
    r.in_send = 0;

    while (r.calls == 0)
        uv_run(&loop, UV_RUN_ONCE);
    sqt_http_close(h, on_closed, &r);
    while (!r.closed)
        uv_run(&loop, UV_RUN_ONCE);
    fz_peer_close(&peer);
    while (!fz_peer_done(&peer))
        uv_run(&loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&watchdog, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&loop) != 0 || r.calls != 1 || r.closed != 1) {
        fprintf(stderr, "fuzz_http: handles left open or callbacks miscounted\n");
        abort();
    }
    if (getenv("SQT_FUZZ_VERBOSE") != NULL)
        fprintf(stderr, "fuzz_http: outcome %d, status %d, %zu headers, body %zu bytes (%s)\n",
                r.code, r.status, r.n_headers, r.body_len, r.message);
    return 0;
}
