/* bench_ws: the host's WebSocket client (host/net/ws.c) against the loopback server core
 * (emulator/server.c) over 127.0.0.1, plain ws://, 200-byte JSON-like messages.
 * The server runs its own libuv loop on a second thread, as a remote exchange would not
 * share our loop.
 *   rtt     one message in flight: client send -> server echo -> client on_message
 *   stream  the server pushes batches of 1000 (a market-data feed); the client asks for
 *           the next batch as each one completes, two batches in flight: messages/s in
 *   echo    64 messages in flight, each echo answered with a new send: round trips/s
 * Knobs: SQT_BENCH_RTT (round trips, default 20000), SQT_BENCH_MSGS (stream and echo
 * messages, default 500000), SQT_BENCH_LONG=1 (10x). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "bench_util.h"
#include "net/ws.h"
#include "server.h"

#define MSG_LEN 200
#define BATCH 1000
#define ECHO_WINDOW 64

enum { PH_RTT = 1, PH_STREAM = 2, PH_ECHO = 3, PH_DONE = 4 };

/* ---- the server thread ---------------------------------------------------------- */

typedef struct server {
    uv_loop_t loop;
    uv_async_t stop;
    uv_thread_t thread;
    uv_sem_t ready;
    sqt_srv *srv;
    int port;
    int rc;
    char msg[MSG_LEN];
} server;

static void s_message(void *ud, sqt_srv_conn *c, int op, const char *data, size_t len)
{
    server *s = ud;
    int i;
    if (op != SQT_SRV_OP_TEXT)
        return;
    if (len == 4 && memcmp(data, "more", 4) == 0) {
        for (i = 0; i < BATCH; i++)
            sqt_srv_ws_send(c, SQT_SRV_OP_TEXT, s->msg, MSG_LEN);
        return;
    }
    sqt_srv_ws_send(c, SQT_SRV_OP_TEXT, data, len); /* echo */
}

static void s_closed_all(void *ud)
{
    server *s = ud;
    uv_close((uv_handle_t *)&s->stop, NULL);
}

static void s_stop(uv_async_t *h)
{
    server *s = h->data;
    sqt_srv_close(s->srv, s_closed_all, s);
}

static void server_main(void *arg)
{
    server *s = arg;
    sqt_srv_opts o;
    memset(&o, 0, sizeof o);
    o.handlers.on_ws_message = s_message;
    o.ud = s;
    uv_loop_init(&s->loop);
    uv_async_init(&s->loop, &s->stop, s_stop);
    s->stop.data = s;
    s->rc = sqt_srv_start(&s->loop, &o, &s->srv);
    s->port = s->rc == 0 ? sqt_srv_port(s->srv) : 0;
    uv_sem_post(&s->ready);
    if (s->rc != 0) {
        uv_close((uv_handle_t *)&s->stop, NULL);
        uv_run(&s->loop, UV_RUN_DEFAULT);
        uv_loop_close(&s->loop);
        return;
    }
    uv_run(&s->loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&s->loop) != 0)
        fprintf(stderr, "bench_ws: server loop closed with open handles\n");
}

/* ---- the client ----------------------------------------------------------------- */

typedef struct client {
    uv_loop_t loop;
    sqt_ws *ws;
    int phase;
    char msg[MSG_LEN];
    long rtt_n, msgs_n;
    /* rtt */
    bench_samples rtt;
    uint64_t t_sent;
    long done;
    /* stream / echo */
    long received, requested;
    uint64_t t0;
    double stream_s, echo_s;
    long stream_got, echo_got;
    int failed;
} client;

static void make_msg(char *out, uint64_t seq)
{
    int n = snprintf(out, MSG_LEN,
                     "{\"e\":\"aggTrade\",\"E\":1700000000000,\"s\":\"BTCUSDT\",\"a\":%" PRIu64
                     ",\"p\":\"67890.12\",\"q\":\"0.153\",\"f\":400000001,\"l\":400000003,"
                     "\"T\":1700000000000,\"m\":true,\"pad\":\"",
                     seq);
    if (n < 0 || n > MSG_LEN - 3)
        n = 0;
    memset(out + n, 'x', (size_t)(MSG_LEN - n - 2));
    out[MSG_LEN - 2] = '"';
    out[MSG_LEN - 1] = '}';
}

static void c_send(client *c)
{
    if (sqt_ws_send(c->ws, c->msg, MSG_LEN, 0) != 0 && !c->failed) {
        c->failed = 1;
        fprintf(stderr, "bench_ws: send refused\n");
        sqt_ws_close(c->ws);
    }
}

static void start_stream(client *c)
{
    c->phase = PH_STREAM;
    c->received = 0;
    c->requested = 2;
    c->t0 = bench_now_ns();
    sqt_ws_send(c->ws, "more", 4, 0);
    sqt_ws_send(c->ws, "more", 4, 0);
}

static void start_echo(client *c)
{
    int i;
    c->phase = PH_ECHO;
    c->received = 0;
    c->requested = ECHO_WINDOW;
    c->t0 = bench_now_ns();
    for (i = 0; i < ECHO_WINDOW; i++)
        c_send(c);
}

static void c_open(void *ud, sqt_ws *ws)
{
    client *c = ud;
    c->ws = ws;
    c->phase = PH_RTT;
    c->t_sent = bench_now_ns();
    c_send(c);
}

static void c_message(void *ud, sqt_ws *ws, const char *data, size_t len, int bin)
{
    client *c = ud;
    uint64_t now = bench_now_ns();
    (void)ws;
    (void)data;
    (void)bin;
    if (len != MSG_LEN)
        return;
    switch (c->phase) {
    case PH_RTT:
        bench_samples_add(&c->rtt, now - c->t_sent);
        if (++c->done >= c->rtt_n) {
            start_stream(c);
            break;
        }
        c->t_sent = bench_now_ns();
        c_send(c);
        break;
    case PH_STREAM:
        c->received++;
        if (c->received % BATCH == 0 && c->requested * BATCH < c->msgs_n) {
            c->requested++;
            sqt_ws_send(c->ws, "more", 4, 0);
        }
        if (c->received >= c->requested * BATCH && c->requested * BATCH >= c->msgs_n) {
            c->stream_s = (double)(now - c->t0) / 1e9;
            c->stream_got = c->received;
            start_echo(c);
        }
        break;
    case PH_ECHO:
        c->received++;
        if (c->requested < c->msgs_n) {
            c->requested++;
            c_send(c);
        } else if (c->received >= c->requested) {
            c->echo_s = (double)(now - c->t0) / 1e9;
            c->echo_got = c->received;
            c->phase = PH_DONE;
            sqt_ws_close(c->ws);
        }
        break;
    default:
        break;
    }
}

static void c_down(void *ud, sqt_ws *ws, const sqt_error *why)
{
    client *c = ud;
    (void)ws;
    if (c->phase != PH_DONE) {
        fprintf(stderr, "bench_ws: connection down: %s %s\n", sqt_strerror(why->code), why->message);
        c->failed = 1;
        c->phase = PH_DONE;
        sqt_ws_close(ws);
    }
}

static void c_closed(void *ud, sqt_ws *ws)
{
    (void)ud;
    (void)ws;
}

int main(void)
{
    server s;
    client c;
    sqt_ws_options o;
    sqt_ws_callbacks cbs;
    char url[64], extra[96];
    int err = 0;
    long mult = bench_env_flag("SQT_BENCH_LONG") ? 10 : 1;

    memset(&s, 0, sizeof s);
    memset(&c, 0, sizeof c);
    make_msg(s.msg, 1);
    make_msg(c.msg, 2);
    c.rtt_n = bench_env_long("SQT_BENCH_RTT", 20000) * mult;
    c.msgs_n = bench_env_long("SQT_BENCH_MSGS", 500000) * mult;
    if (c.rtt_n < 1)
        c.rtt_n = 1;
    if (c.msgs_n < BATCH * 2)
        c.msgs_n = BATCH * 2;
    c.msgs_n -= c.msgs_n % BATCH;
    bench_samples_init(&c.rtt, (size_t)c.rtt_n);
    bench_banner("bench_ws", "WebSocket client (host/net/ws.c) <-> loopback server, 200-byte text");

    uv_sem_init(&s.ready, 0);
    if (uv_thread_create(&s.thread, server_main, &s) != 0) {
        fprintf(stderr, "bench_ws: no server thread\n");
        return 1;
    }
    uv_sem_wait(&s.ready);
    uv_sem_destroy(&s.ready);
    if (s.rc != 0) {
        fprintf(stderr, "bench_ws: server: %s\n", sqt_strerror(s.rc));
        uv_thread_join(&s.thread);
        return 1;
    }

    uv_loop_init(&c.loop);
    snprintf(url, sizeof url, "ws://127.0.0.1:%d/bench", s.port);
    memset(&o, 0, sizeof o);
    o.struct_size = sizeof o;
    o.url = url;
    memset(&cbs, 0, sizeof cbs);
    cbs.struct_size = sizeof cbs;
    cbs.on_open = c_open;
    cbs.on_message = c_message;
    cbs.on_down = c_down;
    cbs.on_closed = c_closed;
    if (sqt_ws_open(&c.loop, NULL, &o, &cbs, &c, &err) == NULL) {
        fprintf(stderr, "bench_ws: ws open: %s\n", sqt_strerror(err));
        c.failed = 1;
    } else {
        uv_run(&c.loop, UV_RUN_DEFAULT);
    }
    if (uv_loop_close(&c.loop) != 0)
        fprintf(stderr, "bench_ws: client loop closed with open handles\n");
    uv_async_send(&s.stop);
    uv_thread_join(&s.thread);

    if (!c.failed) {
        snprintf(extra, sizeof extra, "(%.0f round trips/s one at a time)",
                 1e9 / (bench_samples_mean(&c.rtt) > 0 ? bench_samples_mean(&c.rtt) : 1));
        bench_print_lat("rtt (1 in flight)", &c.rtt, 1e3, "us", extra);
        printf("   %-34s %ld msgs in %.3f s: %.0f msgs/s in (%.1f MB/s payload)\n",
               "stream server -> client", c.stream_got, c.stream_s,
               (double)c.stream_got / c.stream_s,
               (double)c.stream_got * MSG_LEN / c.stream_s / 1e6);
        printf("   %-34s %ld msgs in %.3f s: %.0f round trips/s (%d in flight)\n",
               "echo client -> server -> client", c.echo_got, c.echo_s,
               (double)c.echo_got / c.echo_s, ECHO_WINDOW);
    }
    bench_samples_free(&c.rtt);
    return c.failed ? 1 : 0;
}
