/* bench_tick_to_order_engine: the engine-only share of tick -> order. How long from a
 * price reaching the host's price sink to the order request reaching a fake exchange
 * plugin's place_orders: no WebSocket read, no plugin parse, no request building,
 * signing or HTTP (bench_tick_to_order_real measures the whole product). Through the
 * real modules wired as app.c wires them: price monitor (uv_idle mailbox) ->
 * sqt_grid_on_price -> drain -> executor (token bucket) ->
 * sqt_exchange_api.place_orders, all on one libuv loop.
 *
 * The exchange is an in-process fake whose place_orders/cancel_orders stamp uv_hrtime()
 * and answer on the next loop turn. The price comes from another thread through a
 * uv_async_t, so it arrives in the loop's poll phase like a WebSocket frame: the loop
 * is asleep in epoll between prices, as it is live. Two clocks:
 *   push -> place   from sqt_price_push() (the plugin's price sink) to place_orders
 *   wake -> place   from the sender thread's uv_async_send(): adds the loop's wake-up
 * The price alternates between two levels, one level apart, every millisecond: a down
 * move places one buy at the new bottom of the window, an up move cancels it (out of
 * the window, slack 0), so every push produces exactly one request.
 *
 * Two runs: "bare" drops the engine's events; "audit" writes them as app.c does after
 * the requests went out (an event-log line, buffered and written at the end of the
 * loop turn, plus a console line; here to a temp file and /dev/null). The drain runs
 * at the end of the loop turn as in app.c (trade.c: app_turn_end_cb).
 *
 * The executor's rate limit is set out of the way (1M/s): this measures the pipeline,
 * not the token bucket. Knob: SQT_BENCH_SAMPLES (price pushes per run, default 5000). */
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "bench_fakex.h"
#include "bench_util.h"
#include "eventlog.h"
#include "eventlog_grid.h"
#include "executor.h"
#include "grid.h"
#include "log.h"
#include "price.h"

#define PRICE_SCALE 1      /* tick 0.1 */
#define ANCHOR 1000000     /* 100000.0 */
#define LEVEL 100          /* I = 10.0 */
#define WARMUP 50

typedef struct bench bench;

struct bench {
    uv_loop_t loop;
    sqt_log log;
    FILE *devnull;
    int audit;
    sqt_eventlog ev;
    char evpath[256];
    sqt_price_monitor pm;
    sqt_grid *grid;
    sqt_executor *exec;
    bench_engine en;           /* executor results and final pushes -> grid -> drain */
    uv_idle_t adjust_idle;
    uv_check_t turn_end;       /* as app.c: price, adjust, drain, event-log flush */
    int in_turn_end;
    uv_async_t async;
    uv_timer_t finish_timer;
    bench_fakex fx;
    uv_thread_t thread;
    atomic_int stop;
    _Atomic uint64_t sent_ns;


    long target;
    long pushes;
    int down;                  /* the last push moved down */
    int armed;                 /* 1 place expected, 2 cancel expected, 0 none */
    uint64_t t_push, t_send;
    long missed;
    long refused;
    bench_samples place_push, place_wake, cancel_push, cancel_wake;
};

/* ---- the engine glue (app.c's drain, minimal) ----------------------------------- */

static void drain(void *ud);

static void audit(bench *b, const sqt_grid_event *e)
{
    char p[48], q[48];
    /* the event-log line(s) app.c writes (the shared mapping), then the console line */
    sqt_eventlog_grid_event(&b->ev, e, (int64_t)(uv_hrtime() / 1000000u));
    sqt_dec_format(e->price, p, sizeof p);
    sqt_dec_format(e->qty, q, sizeof q);
    sqt_logf(&b->log, SQT_LV_INFO, "%s %s %s @ %s (slot %lld) %s", sqt_grid_event_name(e->kind),
             e->side == SQT_SIDE_BUY ? "BUY" : "SELL", q, p, (long long)e->slot, e->client_id);
}

static void adjust_idle_cb(uv_idle_t *h)
{
    bench *b = h->data;
    uv_idle_stop(h);
    b->in_turn_end++;
    if (sqt_grid_needs_adjust(b->grid))
        sqt_grid_adjust(b->grid, (int64_t)uv_now(&b->loop));
    drain(b);
    b->in_turn_end--;
}

/* As app.c (trade.c): the turn's price, its adjust step and one drain at the end of
 * the loop turn, the requests flushed out, then the audit, buffered, written here. */
static void turn_end_cb(uv_check_t *h)
{
    bench *b = h->data;
    sqt_price_deliver_now(&b->pm);
    if (uv_is_active((uv_handle_t *)&b->adjust_idle))
        adjust_idle_cb(&b->adjust_idle);
    if (b->audit)
        sqt_eventlog_flush(&b->ev);
}

static void drain(void *ud)
{
    bench *b = ud;
    sqt_grid_event evs[64];
    size_t n, i, nev = 0;
    if (!b->in_turn_end) { /* left for the end of the turn */
        uv_idle_start(&b->adjust_idle, adjust_idle_cb);
        return;
    }
    while (nev < 64 && (n = sqt_grid_take_events(b->grid, evs + nev, 64 - nev)) > 0)
        nev += n;
    b->refused += bench_engine_send(&b->en);
    if (b->exec != NULL)
        sqt_executor_flush(b->exec);
    if (b->audit)
        for (i = 0; i < nev; i++)
            audit(b, &evs[i]);
    if (sqt_grid_needs_adjust(b->grid))
        uv_idle_start(&b->adjust_idle, adjust_idle_cb);
}

static void on_price(void *ud, sqt_dec price, int64_t t)
{
    bench *b = ud;
    (void)t;
    sqt_grid_on_price(b->grid, price, (int64_t)uv_now(&b->loop));
    drain(b);
}

/* ---- the fake exchange's clocks ------------------------------------------------- */

/* As a place (1) or cancel (2) reaches the fake exchange's place_orders / cancel_orders. */
static void stamp(void *ud, int kind)
{
    bench *b = ud;
    uint64_t now = uv_hrtime();
    if (b->armed != kind)
        return;
    b->armed = 0;
    if (kind == 1) {
        bench_samples_add(&b->place_push, now - b->t_push);
        bench_samples_add(&b->place_wake, now - b->t_send);
    } else {
        bench_samples_add(&b->cancel_push, now - b->t_push);
        bench_samples_add(&b->cancel_wake, now - b->t_send);
    }
}

/* ---- the price source ----------------------------------------------------------- */

static void sender(void *arg)
{
    bench *b = arg;
    while (!atomic_load(&b->stop)) {
        atomic_store(&b->sent_ns, uv_hrtime());
        uv_async_send(&b->async);
        uv_sleep(1);
    }
}

static void handle_closed(uv_handle_t *h)
{
    (void)h;
}

static void exec_closed(void *ud)
{
    bench *b = ud;
    b->exec = NULL;
    bench_fakex_close(&b->fx, handle_closed);
    uv_close((uv_handle_t *)&b->finish_timer, handle_closed);
    uv_close((uv_handle_t *)&b->adjust_idle, handle_closed);
    uv_close((uv_handle_t *)&b->turn_end, handle_closed);
}

static void price_closed(sqt_price_monitor *pm)
{
    (void)pm;
}

static void finish_cb(uv_timer_t *t)
{
    bench *b = t->data;
    atomic_store(&b->stop, 1);
    uv_thread_join(&b->thread);
    uv_close((uv_handle_t *)&b->async, handle_closed);
    sqt_price_close(&b->pm, price_closed);
    uv_idle_stop(&b->adjust_idle);
    sqt_executor_close(b->exec, exec_closed, b);
}

static void on_async(uv_async_t *h)
{
    bench *b = h->data;
    sqt_price_tick tick;
    if (b->pushes >= b->target)
        return;
    if (b->armed)
        b->missed++; /* the previous push produced no request */
    b->down = !b->down;
    memset(&tick, 0, sizeof tick);
    snprintf(tick.symbol, sizeof tick.symbol, "BTCUSDT");
    tick.price = sqt_dec_make(ANCHOR + (b->down ? -LEVEL : 0) + LEVEL * 3 / 10, PRICE_SCALE);
    tick.time_ms = (int64_t)(uv_hrtime() / 1000000u);
    b->armed = b->pushes >= WARMUP ? (b->down ? 1 : 2) : 0;
    b->t_send = atomic_load(&b->sent_ns);
    b->t_push = uv_hrtime();
    sqt_price_push(&b->pm, &tick);
    if (++b->pushes == b->target)
        uv_timer_start(&b->finish_timer, finish_cb, 20, 0);
}

/* ---- set-up and report ---------------------------------------------------------- */

static int setup(bench *b, int audit_on, long target)
{
    sqt_grid_params p;
    char err[256] = "";
    sqt_dec pos = sqt_dec_make(0, 0);
    int fd;

    memset(b, 0, sizeof *b);
    b->target = target;
    b->audit = audit_on;
    sqt_log_init(&b->log);
    b->devnull = fopen("/dev/null", "w");
    b->log.err = b->devnull;
    b->log.color = 0;
    if (audit_on) {
        const char *tmp = getenv("TMPDIR");
        snprintf(b->evpath, sizeof b->evpath, "%s/sqt-bench-events-XXXXXX",
                 tmp && tmp[0] ? tmp : "/tmp");
        fd = mkstemp(b->evpath);
        if (fd < 0 || sqt_eventlog_open(&b->ev, b->evpath) != 0)
            return -1;
        close(fd);
    }
    bench_samples_init(&b->place_push, (size_t)target);
    bench_samples_init(&b->place_wake, (size_t)target);
    bench_samples_init(&b->cancel_push, (size_t)target);
    bench_samples_init(&b->cancel_wake, (size_t)target);
    if (uv_loop_init(&b->loop) != 0)
        return -1;

    sqt_grid_params_init(&p);
    p.symbol = "BTCUSDT";
    p.quote_asset = "USDT";
    p.tick_size = sqt_dec_make(1, PRICE_SCALE);
    p.step_size = sqt_dec_make(1, 3);
    p.min_qty = sqt_dec_make(1, 3);
    p.min_notional = bench_dec("100");
    p.price_interval = sqt_dec_make(LEVEL, PRICE_SCALE);
    p.order_quantity = bench_dec("500");
    p.min_order_value = bench_dec("20");
    p.out_of_window_slack = 0;
    p.instance_tag = "bench";
    p.client_id_max_len = 36;
    p.id_seed = 1735000000000ull;
    if (sqt_grid_new(&p, &b->grid, err, sizeof err) != 0) {
        fprintf(stderr, "grid: %s\n", err);
        return -1;
    }

    bench_engine_init(&b->en, "bench", &b->loop, &b->grid, &b->exec, drain, b);
    b->exec = bench_engine_executor(&b->en, &b->log, &b->fx);
    if (b->exec == NULL)
        return -1;

    uv_idle_init(&b->loop, &b->adjust_idle);
    b->adjust_idle.data = b;
    uv_check_init(&b->loop, &b->turn_end);
    b->turn_end.data = b;
    uv_check_start(&b->turn_end, turn_end_cb);
    bench_fakex_init(&b->fx, &b->loop, bench_engine_final, &b->en);
    b->fx.on_send = stamp;
    b->fx.send_ud = b;
    uv_timer_init(&b->loop, &b->finish_timer);
    b->finish_timer.data = b;
    uv_async_init(&b->loop, &b->async, on_async);
    b->async.data = b;
    sqt_price_init(&b->pm, &b->loop, &b->log, "BTCUSDT", on_price, b);
    b->pm.data = b;

    /* as app.c: anchor at the first price, import (nothing), first adjust step */
    sqt_grid_start(b->grid, sqt_dec_make(ANCHOR + LEVEL * 3 / 10, PRICE_SCALE), 0);
    sqt_grid_reconcile(b->grid, NULL, 0, &pos, 0);
    sqt_price_start(&b->pm);
    sqt_grid_on_price(b->grid, sqt_dec_make(ANCHOR + LEVEL * 3 / 10, PRICE_SCALE),
                      (int64_t)uv_now(&b->loop));
    drain(b);
    atomic_store(&b->stop, 0);
    return uv_thread_create(&b->thread, sender, b);
}

static void teardown(bench *b)
{
    sqt_grid_free(b->grid);
    if (uv_loop_close(&b->loop) != 0)
        fprintf(stderr, "bench: loop closed with open handles\n");
    if (b->audit) {
        sqt_eventlog_close(&b->ev);
        unlink(b->evpath);
    }
    if (b->devnull)
        fclose(b->devnull);
    bench_samples_free(&b->place_push);
    bench_samples_free(&b->place_wake);
    bench_samples_free(&b->cancel_push);
    bench_samples_free(&b->cancel_wake);
}

static double run(int audit_on, long target)
{
    bench *b = calloc(1, sizeof *b);
    double med_us = 0;
    char extra[96];
    if (b == NULL)
        return 0;
    if (setup(b, audit_on, target) != 0) {
        fprintf(stderr, "bench_tick_to_order_engine: set-up failed\n");
        free(b);
        return 0;
    }
    uv_run(&b->loop, UV_RUN_DEFAULT);
    printf("-- %s: %ld price pushes (first %d not measured), %ld without a request, "
           "%ld refused\n",
           audit_on ? "audit (event log + console line per event, as app.c)" : "bare (events dropped)",
           b->pushes, WARMUP, b->missed, b->refused);
    snprintf(extra, sizeof extra, "mean %.2f us", bench_samples_mean(&b->place_push) / 1e3);
    bench_print_lat("push -> place_orders", &b->place_push, 1e3, "us", extra);
    bench_print_lat("wake -> place_orders", &b->place_wake, 1e3, "us", NULL);
    bench_print_lat("push -> cancel_orders", &b->cancel_push, 1e3, "us", NULL);
    bench_print_lat("wake -> cancel_orders", &b->cancel_wake, 1e3, "us", NULL);
    med_us = (double)bench_samples_pct(&b->place_wake, 0.5) / 1e3;
    teardown(b);
    free(b);
    return med_us;
}

int main(void)
{
    long target = bench_env_long("SQT_BENCH_SAMPLES", 5000);
    double bare, aud;
    if (bench_env_flag("SQT_BENCH_LONG"))
        target *= 10;
    if (target < WARMUP + 10)
        target = WARMUP + 10;
    bench_banner("bench_tick_to_order_engine",
                 "price push -> price monitor -> grid -> executor -> plugin place_orders");
    printf("   one price per ms from another thread (uv_async, poll phase like a WS frame)\n");
    bare = run(0, target);
    aud = run(1, target);
    printf("-- Go original (design): prices are acted on by a 50 ms ticker, so a price waits\n"
           "   0-50 ms (25 ms on average) before the adjust step, plus channel hops.\n");
    if (bare > 0 && aud > 0)
        printf("   this host (median, wake -> place): %.1f us bare, %.1f us with audit: about "
               "%.0fx below the Go timer's 25 ms average wait\n",
               bare, aud, 25000.0 / aud);
    return 0;
}
