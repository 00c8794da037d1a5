/* Fuzz target: the WebSocket client (host/net/ws.c) against a loopback peer that answers
 * the upgrade request with the fuzz input: the upgrade response (http-parser) and the
 * frames after it (wslay). ws.c has no pure parsing entry point, so the bytes go
 * through a real 127.0.0.1 connection; each run is bounded (short timeouts, the client
 * is closed at its first on_down, a watchdog aborts a hang).
 *
 * Input: byte 0 = flags, the rest = what the peer sends, with every "{ACCEPT}" replaced
 * by the correct Sec-WebSocket-Accept for the client's key.
 *   bit 0: send a valid 101 response first, so the rest is all frames
 *   bit 1: max_message_bytes = 64 (the 1009 path) instead of the 16 MiB default
 *   bit 2: the client sends a text message from on_open
 *   bit 3: the client closes from on_open (close handshake against the input)
 * Oracles (ws.h): callbacks in order (messages only while open, on_closed once and
 * last), no message over the cap (a frame header may declare more than the cap:
 * SQT_ERANGE then, with any cap), on_down codes from the documented set with a
 * NUL-terminated message, every handle closed at the end (uv_loop_close() == 0). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_peer.h"
#include "net/ws.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define F_HANDSHAKE 0x1u
#define F_SMALL_MAX 0x2u
#define F_SEND 0x4u
#define F_CLOSE_ON_OPEN 0x8u
#define SMALL_MAX 64u
#define WATCHDOG_MS 10000

typedef struct run {
    uv_loop_t *loop;
    const uint8_t *data;
    size_t size;
    unsigned flags;
    uint32_t max_msg;
    int opens, downs, msgs, closed, close_called, is_open;
    char last_down[sizeof(((sqt_error *)0)->message)];
    unsigned long sum;
} run;

static char *answer(void *ud, const char *head, size_t head_len, size_t *out_len)
{
    static const char tok[] = "{ACCEPT}";
    const size_t tl = sizeof(tok) - 1;
    run *r = ud;
    char acc[64], *out;
    size_t al, i, n = 0, cap;
    if (fz_peer_ws_accept(head, head_len, acc, sizeof(acc)) != 0)
        acc[0] = '\0';
    al = strlen(acc);
    cap = 256 + r->size * (al > tl ? al / tl + 1 : 1);
    if ((out = malloc(cap)) == NULL)
        abort();
    if (r->flags & F_HANDSHAKE)
        n = (size_t)snprintf(out, cap,
                             "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                             "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n",
                             acc);
    for (i = 0; i < r->size;) {
        if (r->size - i >= tl && memcmp(r->data + i, tok, tl) == 0) {
            memcpy(out + n, acc, al);
            n += al;
            i += tl;
        } else {
            out[n++] = (char)r->data[i++];
        }
    }
    *out_len = n;
    return out;
}

static void close_once(run *r, sqt_ws *ws)
{
    if (r->close_called)
        return;
    r->close_called = 1;
    if (sqt_ws_close(ws) != SQT_OK)
        abort();
}

static void on_open(void *ud, sqt_ws *ws)
{
    run *r = ud;
    if (r->closed || r->close_called || r->is_open || !sqt_ws_is_open(ws))
        abort();
    r->opens++;
    r->is_open = 1;
    if (r->flags & F_SEND) {
        int rc = sqt_ws_send(ws, "{\"method\":\"PING\"}", 17, 0);
        if (rc != SQT_OK)
            abort();
    }
    if (r->flags & F_CLOSE_ON_OPEN)
        close_once(r, ws);
}

static void on_message(void *ud, sqt_ws *ws, const char *data, size_t len, int is_binary)
{
    run *r = ud;
    size_t i;
    (void)ws;
    if (!r->is_open || r->closed || r->close_called || len > r->max_msg ||
        (is_binary != 0 && is_binary != 1) || (len > 0 && data == NULL))
        abort();
    for (i = 0; i < len; i++) /* every byte must be readable (ASan) */
        r->sum += (unsigned char)data[i];
    r->msgs++;
}

static void on_down(void *ud, sqt_ws *ws, const sqt_error *why)
{
    run *r = ud;
    if (r->closed || why == NULL || memchr(why->message, '\0', sizeof(why->message)) == NULL)
        abort();
    switch (why->code) {
    case SQT_ENETWORK:
    case SQT_ETIMEOUT:
    case SQT_EPROTO:
    case SQT_ERANGE:
        break;
    default:
        fprintf(stderr, "on_down with code %d: %s\n", why->code, why->message);
        abort();
    }
    r->downs++;
    memcpy(r->last_down, why->message, sizeof(r->last_down));
    r->is_open = 0;
    close_once(r, ws); /* one attempt per input: no reconnect */
}

static void on_closed(void *ud, sqt_ws *ws)
{
    run *r = ud;
    (void)ws;
    if (r->closed || !r->close_called)
        abort();
    r->closed = 1;
    r->is_open = 0;
    uv_stop(r->loop); /* the waiting loop must not block in the poll after a timer */
}

static void on_watchdog(uv_timer_t *t)
{
    (void)t;
    fprintf(stderr, "fuzz_ws: the client did not finish within %d ms\n", WATCHDOG_MS);
    abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const sqt_ws_callbacks cbs = {sizeof(sqt_ws_callbacks), on_open, on_message,
                                         on_down, on_closed};
    uv_loop_t loop;
    uv_timer_t watchdog;
    fz_peer peer;
    sqt_ws_net_opts net;
    sqt_ws_options opt;
    sqt_ws *ws;
    run r;
    char url[64];
    int err = 0;

    memset(&r, 0, sizeof(r));
    r.flags = size > 0 ? data[0] : 0;
    r.data = size > 0 ? data + 1 : data;
    r.size = size > 0 ? size - 1 : 0;
    r.max_msg = (r.flags & F_SMALL_MAX) ? SMALL_MAX : 16u << 20;
    r.loop = &loop;

    if (uv_loop_init(&loop) != 0)
        abort();
    if (fz_peer_start(&loop, &peer, answer, &r) != 0)
        abort();
    uv_timer_init(&loop, &watchdog);
    uv_timer_start(&watchdog, on_watchdog, WATCHDOG_MS, 0);

    memset(&net, 0, sizeof(net));
    net.connect_timeout_ms = 2000;
    net.handshake_timeout_ms = 2000;
    net.close_timeout_ms = 500;
    net.ping_interval_ms = 60000;
    net.reconnect_base_ms = 60000;
    net.max_message_bytes = r.max_msg;
    memset(&opt, 0, sizeof(opt));
    opt.struct_size = sizeof(opt);
    snprintf(url, sizeof(url), "ws://%s:%d/ws/ethusdt@aggTrade", peer.host, peer.port);
    opt.url = url;
    ws = sqt_ws_open(&loop, &net, &opt, &cbs, &r, &err);
    if (ws == NULL || err != SQT_OK)
        abort();

    while (!r.closed)
        uv_run(&loop, UV_RUN_ONCE);
    fz_peer_close(&peer);
    while (!fz_peer_done(&peer))
        uv_run(&loop, UV_RUN_ONCE);
    uv_close((uv_handle_t *)&watchdog, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&loop) != 0) {
        fprintf(stderr, "fuzz_ws: handles left open on the loop\n");
        abort();
    }
    if (getenv("SQT_FUZZ_VERBOSE") != NULL)
        fprintf(stderr, "fuzz_ws: opens %d, messages %d, downs %d (%s)\n", r.opens, r.msgs,
                r.downs, r.last_down);
    return 0;
}
