/* WebSocket client with host-side reliability: wslay framing over uv_tcp_t on the host
 * loop, TLS through tls.h (memory BIOs), DNS by uv_getaddrinfo, the upgrade written here
 * and its response parsed with http-parser.
 *
 * The public shapes are the SDK's (sqt_ws_options, sqt_ws_callbacks, opaque sqt_ws), so
 * the host services table passes them straight through.
 *
 * Behaviour:
 *  - Connects on the next loop turn after sqt_ws_open(); on_open runs after every
 *    successful handshake (first and each reconnect): log in / subscribe there.
 *  - on_down runs on every loss and every failed attempt (why->code SQT_ENETWORK,
 *    SQT_ETIMEOUT, SQT_EPROTO bad handshake or frames, SQT_ERANGE message over the cap),
 *    then the client reconnects after an exponential backoff with jitter:
 *    delay n = uniform[d/2, d], d = min(cap, base * 2^(n-1)), n = failures since the
 *    last successful open.
 *  - Keep-alive: server pings are answered; we ping every ping interval and treat a
 *    connection on which nothing arrived for pong_wait as dead; an optional application
 *    text ("ping") is sent on its own interval; a stale watchdog reconnects when no
 *    data message arrived for stale_timeout.
 *  - Messages arrive whole (fragments reassembled); one over max_message_bytes closes
 *    the connection with 1009 and reconnects.
 *  - sqt_ws_send() queues; SQT_ERANGE when the bounded send queue would overflow,
 *    SQT_ESTATE when not open (messages are never carried over a reconnect).
 *  - sqt_ws_close(): close frame, wait for the peer's close (bounded), TCP close; then
 *    on_closed exactly once, and no callback after it. Callbacks never run inside
 *    sqt_ws_open/send/close; callbacks may call send/close.
 *  - A connection opened with SQT_WS_MARKET_DATA is read as any other (the socket is
 *    drained, the keep-alive clocks stamped), but its bytes are decoded and its
 *    on_message calls run later in the same loop turn, after the poll phase's other
 *    callbacks: an order push read in the same turn is handled first. They run in
 *    sqt_ws_run_deferred() (the host app calls it first thing in its turn-end check) or,
 *    for a loop without that call, in the connection's own uv_check; across several
 *    flagged connections, first read, first handled. A failure found in the same turn
 *    (EOF, read or TLS error, write error) is reported after the waiting messages.
 *    A burst is decoded 8 KiB at a time: when an unflagged connection of the loop has
 *    bytes waiting in its socket between two slices, the rest waits for the next loop
 *    turn, after that connection's messages (each flagged connection gets one slice per
 *    sqt_ws_run_deferred() call then; more than 1 MiB waiting is decoded whole). */
#ifndef SQT_NET_WS_H
#define SQT_NET_WS_H

#include <stddef.h>
#include <stdint.h>

#include <uv.h>

#include <opensqt/plugin.h>

/* Host-wide settings and the defaults for what sqt_ws_options leaves at 0. */
typedef struct sqt_ws_net_opts {
    const char *extra_ca_file;         /* PEM CA(s) added to the system store; NULL none */
    uint32_t connect_timeout_ms;       /* DNS + TCP connect; 0 = 10000 */
    uint32_t handshake_timeout_ms;     /* TLS + upgrade; 0 = 10000 */
    uint32_t close_timeout_ms;         /* wait for the peer's close frame; 0 = 3000 */
    uint32_t ping_interval_ms;         /* default protocol ping interval; 0 = 20000 */
    uint32_t pong_wait_ms;             /* nothing received this long -> dead; 0 = 3 pings */
    uint32_t app_ping_interval_ms;     /* default when app_ping_text is set; 0 = 30000 */
    uint32_t stale_timeout_ms;         /* default stale watchdog; 0 = off */
    uint32_t max_message_bytes;        /* default receive cap; 0 = 16 MiB */
    uint32_t reconnect_base_ms;        /* default backoff base; 0 = 5000 */
    uint32_t reconnect_cap_ms;         /* backoff cap; 0 = 60000 */
    size_t max_send_queue_bytes;       /* queued + unwritten bytes; 0 = 4 MiB */
} sqt_ws_net_opts;

typedef struct sqt_ws_stats {
    uint64_t attempts;                 /* connection attempts started */
    uint64_t opens;                    /* on_open calls */
    uint64_t downs;                    /* on_down calls */
    uint64_t msgs_in, msgs_out;        /* data messages */
    uint64_t pings_out, pongs_in, pings_in, app_pings_out;
    int live_conns;                    /* connection objects not yet freed */
} sqt_ws_stats;

/* Validate and start. net and opt are copied (net may be NULL). Returns NULL and sets
 * *err (may be NULL) to SQT_EINVAL (bad URL or header), SQT_ENOENT (CA store/file not
 * loadable) or SQT_ENOMEM. No callback runs before the next loop turn. */
sqt_ws *sqt_ws_open(uv_loop_t *loop, const sqt_ws_net_opts *net, const sqt_ws_options *opt,
                    const sqt_ws_callbacks *cbs, void *ud, int *err);

/* Queue one message. 0, SQT_ESTATE (not open or closing), SQT_ERANGE (send queue full),
 * SQT_EINVAL, SQT_ENOMEM. */
int sqt_ws_send(sqt_ws *ws, const char *data, size_t len, int is_binary);

/* Start the asynchronous close; on_closed follows. SQT_ESTATE if already closing. */
int sqt_ws_close(sqt_ws *ws);

/* 1 while open (between on_open and the next on_down or close). */
int sqt_ws_is_open(const sqt_ws *ws);

void sqt_ws_get_stats(const sqt_ws *ws, sqt_ws_stats *out);

/* Decode and deliver what every SQT_WS_MARKET_DATA connection on this loop read in the
 * current turn, in read order. Returns how many connections were handled. Any loop
 * callback may call it; a connection is taken off the list before its bytes are decoded,
 * so a nested call never decodes one twice. */
int sqt_ws_run_deferred(uv_loop_t *loop);

/* The wake hook: fn(ud) runs when a connection of this thread has bytes to read and no
 * connection of the thread read any for SQT_WS_WAKE_IDLE_MS or more (the loop woke from
 * idle, or from work that was not market data or order pushes), before the read itself.
 * One per thread (the thread whose loop runs the connections); NULL removes it. The
 * host prefetches the fill path's code there (hotcode.h). */
typedef void (*sqt_ws_wake_fn)(void *ud);
#define SQT_WS_WAKE_IDLE_MS 2 /* the loop's clock counts whole ms: at least 1 ms idle */
void sqt_ws_set_wake_hook(sqt_ws_wake_fn fn, void *ud);

#endif
