/* bench_absorb: market data absorbed on one core with the grid active, on the product's
 * own path: the host's WebSocket reader (host/net/ws.c through the host services table)
 * -> binance.so (dlopen'ed, its price stream and its aggTrade parse) -> the price
 * monitor (sqt_price_push, one delivery per loop turn) -> the grid engine (on_price,
 * adjust step) -> the executor -> an in-process exchange that answers places and
 * cancels on the next loop turn, as bench_tick_to_order does.
 *
 * The feed is a loopback server (emulator/server.c) on a second thread that writes
 * pre-encoded aggTrade frames (wslay's frame encoder, once, before the clock starts) in
 * batches; the client tells it how far it has read, so at most WINDOW messages are in
 * flight and the server is never the one measured. The price walks one tick at a time
 * over a grid whose interval is 5 ticks: the window moves, orders are placed and
 * cancelled while the stream runs.
 *
 * Printed: messages/s over the run (first to last message absorbed), the client thread's
 * CPU time per message and its share of the wall time (~100 % = the client core is the
 * limit; less = it waited for the feed, or for a core on a loaded machine, and then the
 * CPU figure is the one to compare), and how many adjust steps and requests the engine
 * made. The price monitor hands the engine the latest price once per loop turn, so a
 * turn that reads a thousand frames costs one adjust step: absorb is the reader and the
 * parse, as it is live in a burst.
 * Knobs: SQT_BENCH_MSGS (default 1000000), SQT_BENCH_LONG=1 (x5), SQT_BENCH_PLUGINS (the
 * directory binance.so is loaded from, e.g. a baseline build's; default this build's). */
#define _GNU_SOURCE /* RUSAGE_THREAD */
#include <inttypes.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <uv.h>
#include <wslay/wslay.h>

#include "bench_fakex.h"
#include "bench_util.h"
#include "config.h"
#include "executor.h"
#include "grid.h"
#include "log.h"
#include "plugin.h"
#include "price.h"
#include "server.h"
#include "services.h"

#define BATCH 1000          /* frames per server write */
#define CYCLE_BATCHES 64    /* distinct pre-encoded batches: the price path repeats */
#define WINDOW 16000        /* messages in flight at most */
#define ANCHOR 1000000      /* 100000.0, tick 0.1 */
#define LEVEL 5             /* grid interval, ticks */

/* ---- the feed (server thread) ---------------------------------------------------- */

typedef struct feed {
    uv_loop_t loop;
    uv_async_t stop, more;
    uv_thread_t thread;
    uv_sem_t ready;
    sqt_srv *srv;
    sqt_srv_conn *conn;        /* the price stream, once it listed its subscriptions */
    int port, rc;
    char *frames[CYCLE_BATCHES];
    size_t frame_len[CYCLE_BATCHES];
    uint64_t total, sent;
    _Atomic uint64_t absorbed; /* written by the client */
} feed;

static void feed_push(feed *f)
{
    while (f->conn != NULL && f->sent < f->total &&
           f->sent - atomic_load(&f->absorbed) < WINDOW) {
        size_t b = (size_t)(f->sent / BATCH) % CYCLE_BATCHES;
        if (sqt_srv_conn_write_raw(f->conn, f->frames[b], f->frame_len[b]) != 0) {
            f->conn = NULL;
            return;
        }
        f->sent += BATCH;
    }
}

static void f_message(void *ud, sqt_srv_conn *c, int op, const char *data, size_t len)
{
    feed *f = ud;
    char reply[128];
    const char *p;
    long id;
    if (op != SQT_SRV_OP_TEXT || len >= 200)
        return;
    /* {"method":"LIST_SUBSCRIPTIONS","id":N}: list the stream, then start the feed */
    if ((p = memmem(data, len, "\"id\":", 5)) == NULL)
        return;
    id = strtol(p + 5, NULL, 10);
    snprintf(reply, sizeof reply, "{\"result\":[\"btcusdt@aggTrade\"],\"id\":%ld}", id);
    sqt_srv_ws_send(c, SQT_SRV_OP_TEXT, reply, strlen(reply));
    f->conn = c;
    feed_push(f);
}

static void f_conn_closed(void *ud, sqt_srv_conn *c)
{
    feed *f = ud;
    if (f->conn == c)
        f->conn = NULL;
}

static void f_more(uv_async_t *h)
{
    feed_push(h->data);
}

static void f_all_closed(void *ud)
{
    feed *f = ud;
    uv_close((uv_handle_t *)&f->stop, NULL);
    uv_close((uv_handle_t *)&f->more, NULL);
}

static void f_stop(uv_async_t *h)
{
    feed *f = h->data;
    f->conn = NULL;
    sqt_srv_close(f->srv, f_all_closed, f);
}

static void feed_main(void *arg)
{
    feed *f = arg;
    sqt_srv_opts o;
    memset(&o, 0, sizeof o);
    o.handlers.on_ws_message = f_message;
    o.handlers.on_conn_closed = f_conn_closed;
    o.ud = f;
    uv_loop_init(&f->loop);
    uv_async_init(&f->loop, &f->stop, f_stop);
    uv_async_init(&f->loop, &f->more, f_more);
    f->stop.data = f->more.data = f;
    f->rc = sqt_srv_start(&f->loop, &o, &f->srv);
    f->port = f->rc == 0 ? sqt_srv_port(f->srv) : 0;
    uv_sem_post(&f->ready);
    if (f->rc != 0) {
        uv_close((uv_handle_t *)&f->stop, NULL);
        uv_close((uv_handle_t *)&f->more, NULL);
    }
    uv_run(&f->loop, UV_RUN_DEFAULT);
    uv_loop_close(&f->loop);
}

/* Frames are encoded by wslay into a growing buffer. */
typedef struct enc {
    char *buf;
    size_t len, cap;
} enc;

static ssize_t enc_send(const uint8_t *data, size_t len, int flags, void *ud)
{
    enc *e = ud;
    (void)flags;
    if (e->len + len > e->cap) {
        size_t cap = (e->len + len) * 2;
        char *nb = realloc(e->buf, cap);
        if (nb == NULL)
            return -1;
        e->buf = nb;
        e->cap = cap;
    }
    memcpy(e->buf + e->len, data, len);
    e->len += len;
    return (ssize_t)len;
}

static ssize_t enc_recv(uint8_t *buf, size_t len, int flags, void *ud)
{
    (void)buf, (void)len, (void)flags, (void)ud;
    return -1;
}

static int enc_mask(uint8_t *buf, size_t len, void *ud)
{
    (void)ud;
    memset(buf, 0, len);
    return 0;
}

/* CYCLE_BATCHES * BATCH aggTrade messages: a walk of +-1 tick (or none) whose second
 * half retraces the first, so the repeated cycle is one continuous path. */
static int feed_encode(feed *f)
{
    struct wslay_frame_callbacks cb = {enc_send, enc_recv, enc_mask};
    wslay_frame_context_ptr ctx;
    uint64_t rnd = 0x9e3779b97f4a7c15ull;
    size_t n = (size_t)CYCLE_BATCHES * BATCH, i;
    int64_t *path = malloc(n * sizeof *path), px = ANCHOR;
    if (path == NULL)
        return -1;
    for (i = 0; i < n / 2; i++) {
        uint64_t r = bench_rand(&rnd) % 4;
        px += r == 0 ? -1 : r == 1 ? 1 : 0;
        path[i] = px;
        path[n - 1 - i] = px;
    }
    for (i = 0; i < CYCLE_BATCHES; i++) {
        enc e = {NULL, 0, 0};
        size_t j;
        if (wslay_frame_context_init(&ctx, &cb, &e) != 0) {
            free(path);
            return -1;
        }
        for (j = 0; j < BATCH; j++) {
            size_t k = i * BATCH + j;
            char msg[256];
            struct wslay_frame_iocb io;
            int m = snprintf(msg, sizeof msg,
                             "{\"e\":\"aggTrade\",\"E\":%" PRIu64 ",\"a\":%zu,\"s\":\"BTCUSDT\","
                             "\"p\":\"%" PRId64 ".%" PRId64 "\",\"q\":\"0.012\",\"f\":%zu,"
                             "\"l\":%zu,\"T\":%" PRIu64 ",\"m\":%s}",
                             (uint64_t)1765000000000ull + k, 2189000000u + k, path[k] / 10,
                             path[k] % 10, 5012000000u + 2 * k, 5012000001u + 2 * k,
                             (uint64_t)1764999999990ull + k, k % 3 ? "true" : "false");
            memset(&io, 0, sizeof io);
            io.fin = 1;
            io.opcode = WSLAY_TEXT_FRAME;
            io.payload_length = (uint64_t)m;
            io.data = (const uint8_t *)msg;
            io.data_length = (size_t)m;
            if (wslay_frame_send(ctx, &io) != m) {
                wslay_frame_context_free(ctx);
                free(e.buf);
                free(path);
                return -1;
            }
        }
        wslay_frame_context_free(ctx);
        f->frames[i] = e.buf;
        f->frame_len[i] = e.len;
    }
    free(path);
    return 0;
}

/* ---- the host side (this thread, one loop) -------------------------------------- */

typedef struct bench bench;

struct bench {
    uv_loop_t loop;
    sqt_log log;
    FILE *devnull;
    sqt_config cfg;
    sqt_cfg_kv kv[2];
    sqt_exchange_cfg xcfg;
    sqt_loaded_plugin plugin;
    struct sqt_host host;
    sqt_exchange *bn;          /* binance.so's instance */
    sqt_price_monitor pm;
    sqt_grid *grid;
    sqt_executor *exec;
    bench_engine en;           /* executor results and final pushes -> grid -> drain */
    uv_idle_t adjust_idle;
    bench_fakex fakex;         /* what answers the executor's requests */
    feed *f;
    uint64_t target, got;
    uint64_t t_first, t_last, cpu_first, cpu_last;
    uint64_t adjusts, refused;
    int stopping;
};

static uint64_t thread_cpu_ns(void)
{
    struct rusage ru;
    getrusage(RUSAGE_THREAD, &ru);
    return (uint64_t)ru.ru_utime.tv_sec * 1000000000u + (uint64_t)ru.ru_utime.tv_usec * 1000u +
           (uint64_t)ru.ru_stime.tv_sec * 1000000000u + (uint64_t)ru.ru_stime.tv_usec * 1000u;
}

static void drain(void *ud);

static void adjust_idle_cb(uv_idle_t *h)
{
    bench *b = h->data;
    uv_idle_stop(h);
    sqt_grid_adjust(b->grid, (int64_t)uv_now(&b->loop));
    drain(b);
}

static void drain(void *ud)
{
    bench *b = ud;
    sqt_grid_event evs[16];
    while (sqt_grid_take_events(b->grid, evs, 16) > 0)
        ;
    b->refused += (uint64_t)bench_engine_send(&b->en);
    if (sqt_grid_needs_adjust(b->grid))
        uv_idle_start(&b->adjust_idle, adjust_idle_cb);
}

static void on_engine_price(void *ud, sqt_dec price, int64_t t)
{
    bench *b = ud;
    (void)t;
    b->adjusts++;
    sqt_grid_on_price(b->grid, price, (int64_t)uv_now(&b->loop));
    drain(b);
}

/* ---- shutdown ------------------------------------------------------------------- */

static void handle_closed(uv_handle_t *h)
{
    (void)h;
}

static void price_closed(sqt_price_monitor *pm)
{
    (void)pm;
}

static void host_closed(void *ud)
{
    (void)ud;
}

static void exec_closed(void *ud)
{
    bench *b = ud;
    b->exec = NULL;
    bench_fakex_close(&b->fakex, handle_closed);
    uv_close((uv_handle_t *)&b->adjust_idle, handle_closed);
}

static void plugin_done(void *ud, const sqt_error *err)
{
    bench *b = ud;
    (void)err;
    b->plugin.desc->exchange->destroy(b->bn);
    b->bn = NULL;
    sqt_host_close(&b->host, host_closed, b);
    sqt_price_close(&b->pm, price_closed);
    uv_idle_stop(&b->adjust_idle);
    sqt_executor_close(b->exec, exec_closed, b);
}

static void stop_all(bench *b)
{
    if (b->stopping)
        return;
    b->stopping = 1;
    if (b->plugin.desc->exchange->shutdown(b->bn, plugin_done, b) != SQT_OK)
        plugin_done(b, NULL);
}

/* ---- the price sink (what app/streams.c does) ----------------------------------- */

static void on_tick(void *ud, const sqt_price_tick *t)
{
    bench *b = ud;
    if (b->stopping)
        return;
    if (b->got == 0) {
        b->t_first = bench_now_ns();
        b->cpu_first = thread_cpu_ns();
    }
    sqt_price_push(&b->pm, t);
    if (++b->got % BATCH == 0) {
        atomic_store(&b->f->absorbed, b->got);
        uv_async_send(&b->f->more);
    }
    if (b->got == b->target) {
        b->t_last = bench_now_ns();
        b->cpu_last = thread_cpu_ns();
        stop_all(b);
    }
}

static void on_stream_state(void *ud, sqt_stream_state st, const sqt_error *err)
{
    bench *b = ud;
    if (st == SQT_STREAM_FAILED) {
        fprintf(stderr, "bench_absorb: price stream failed: %s\n",
                err != NULL ? err->message : "");
        stop_all(b);
    }
}

/* ---- set-up --------------------------------------------------------------------- */


/* SQT_BENCH_PLUGINS (another build's plugin directory: a baseline in the same session),
 * else this build's. */
static const char *plugin_dir(void)
{
    const char *d = getenv("SQT_BENCH_PLUGINS");
    return d != NULL && d[0] ? d : SQT_BENCH_PLUGIN_DIR;
}

static int setup(bench *b, char *url, size_t cap)
{
    sqt_grid_params p;
    sqt_create_args args;
    sqt_price_sink sink;
    sqt_error e;
    char err[512] = "";
    sqt_dec pos = sqt_dec_make(0, 0);

    sqt_log_init(&b->log);
    b->devnull = fopen("/dev/null", "w");
    b->log.err = b->devnull;
    b->log.color = 0;
    if (uv_loop_init(&b->loop) != 0)
        return -1;

    if (sqt_plugin_load(plugin_dir(), "binance", &b->plugin, err, sizeof err) != 0) {
        fprintf(stderr, "bench_absorb: %s\n", err);
        return -1;
    }
    /* the config the host would have read: the binance block pointed at the feed */
    static char k_ws[] = "ws_market_url", k_rest[] = "rest_url", v_rest[] = "http://127.0.0.1:9",
                name[] = "binance", key[] = "benchkey", secret[] = "benchsecret",
                sym[] = "BTCUSDT";
    (void)cap;
    b->kv[0].key = k_ws;
    b->kv[0].value = url;
    b->kv[1].key = k_rest;
    b->kv[1].value = v_rest;
    b->xcfg.name = name;
    b->xcfg.api_key = key;
    b->xcfg.secret_key = secret;
    b->xcfg.extra = b->kv;
    b->xcfg.n_extra = 2;
    b->cfg.current_exchange = name;
    b->cfg.exchanges = &b->xcfg;
    b->cfg.n_exchanges = 1;
    b->cfg.symbol = sym;
    sqt_host_init(&b->host, &b->loop, &b->log, &b->cfg, "binance");
    memset(&args, 0, sizeof args);
    args.struct_size = sizeof args;
    args.symbol = "BTCUSDT";
    args.exchange_name = "binance";
    memset(&e, 0, sizeof e);
    if (b->plugin.desc->exchange->create(sqt_host_services(), &b->host, &args, &b->bn, &e) != 0) {
        fprintf(stderr, "bench_absorb: create: %s\n", e.message);
        return -1;
    }

    sqt_grid_params_init(&p);
    p.symbol = "BTCUSDT";
    p.quote_asset = "USDT";
    p.tick_size = sqt_dec_make(1, 1);
    p.step_size = sqt_dec_make(1, 3);
    p.min_qty = sqt_dec_make(1, 3);
    p.min_notional = bench_dec("100");
    p.price_interval = sqt_dec_make(LEVEL, 1);
    p.order_quantity = bench_dec("500");
    p.min_order_value = bench_dec("20");
    p.out_of_window_slack = 0;
    p.instance_tag = "bench";
    p.client_id_max_len = 36;
    p.id_seed = 1735000000000ull;
    if (sqt_grid_new(&p, &b->grid, err, sizeof err) != 0) {
        fprintf(stderr, "bench_absorb: grid: %s\n", err);
        return -1;
    }
    bench_engine_init(&b->en, "bench_absorb", &b->loop, &b->grid, &b->exec, drain, b);
    if ((b->exec = bench_engine_executor(&b->en, &b->log, &b->fakex)) == NULL)
        return -1;
    uv_idle_init(&b->loop, &b->adjust_idle);
    b->adjust_idle.data = b;
    bench_fakex_init(&b->fakex, &b->loop, bench_engine_final, &b->en);
    sqt_price_init(&b->pm, &b->loop, &b->log, "BTCUSDT", on_engine_price, b);
    b->pm.data = b;
    sqt_grid_start(b->grid, sqt_dec_make(ANCHOR, 1), 0);
    sqt_grid_reconcile(b->grid, NULL, 0, &pos, 0);
    sqt_price_start(&b->pm);
    sqt_grid_on_price(b->grid, sqt_dec_make(ANCHOR, 1), (int64_t)uv_now(&b->loop));
    drain(b);

    memset(&sink, 0, sizeof sink);
    sink.ud = b;
    sink.on_price = on_tick;
    sink.on_state = on_stream_state;
    if (b->plugin.desc->exchange->subscribe_price(b->bn, &sink) != SQT_OK) {
        fprintf(stderr, "bench_absorb: subscribe_price failed\n");
        return -1;
    }
    return 0;
}

int main(void)
{
    long msgs = bench_env_long("SQT_BENCH_MSGS", 1000000);
    feed *f = calloc(1, sizeof *f);
    bench *b = calloc(1, sizeof *b);
    char url[96];
    size_t i;
    int ok = 0;
    if (bench_env_flag("SQT_BENCH_LONG"))
        msgs *= 5;
    if (msgs < 10 * BATCH)
        msgs = 10 * BATCH;
    msgs -= msgs % BATCH;
    bench_banner("bench_absorb", "aggTrade frames -> ws.c -> binance.so parse -> price monitor -> "
                                 "grid (active) -> executor");
    if (f == NULL || b == NULL || feed_encode(f) != 0) {
        fprintf(stderr, "bench_absorb: set-up failed\n");
        return 1;
    }
    f->total = (uint64_t)msgs;
    b->f = f;
    b->target = (uint64_t)msgs;
    uv_sem_init(&f->ready, 0);
    uv_thread_create(&f->thread, feed_main, f);
    uv_sem_wait(&f->ready);
    if (f->rc != 0) {
        fprintf(stderr, "bench_absorb: feed server: %s\n", sqt_strerror(f->rc));
        return 1;
    }
    snprintf(url, sizeof url, "ws://127.0.0.1:%d", f->port);
    if (setup(b, url, sizeof url) == 0) {
        uv_run(&b->loop, UV_RUN_DEFAULT);
        ok = b->got == b->target;
    }
    uv_async_send(&f->stop);
    uv_thread_join(&f->thread);
    if (ok) {
        double secs = (double)(b->t_last - b->t_first) / 1e9;
        double cpu = (double)(b->cpu_last - b->cpu_first) / 1e9;
        printf("plugin            %s/binance.so\n", plugin_dir());
        printf("messages          %" PRIu64 " aggTrade, %zu bytes per batch of %d\n", b->got,
               f->frame_len[0], BATCH);
        printf("absorbed          %.0f msgs/s (%.3f s)\n", (double)(b->got - 1) / secs, secs);
        printf("client CPU        %.0f ns/msg (%.0f msgs per CPU-second), %.0f %% of the wall "
               "time on the client thread\n",
               cpu * 1e9 / (double)b->got, (double)b->got / cpu, 100.0 * cpu / secs);
        printf("engine            %" PRIu64 " adjust steps (one per loop turn with a price), "
               "%ld places, %ld cancels, %" PRIu64 " refused\n",
               b->adjusts, b->fakex.places, b->fakex.cancels, b->refused);
    } else {
        fprintf(stderr, "bench_absorb: stopped after %" PRIu64 " of %" PRIu64 " messages\n",
                b->got, b->target);
    }
    if (b->grid != NULL)
        sqt_grid_free(b->grid);
    if (uv_loop_close(&b->loop) != 0)
        fprintf(stderr, "bench_absorb: loop closed with open handles\n");
    sqt_plugin_unload(&b->plugin);
    if (b->devnull)
        fclose(b->devnull);
    for (i = 0; i < CYCLE_BATCHES; i++)
        free(f->frames[i]);
    free(f);
    free(b);
    return ok ? 0 : 1;
}
