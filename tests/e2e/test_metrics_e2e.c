/* End to end: the real `opensqt` binary with `metrics.listen: 127.0.0.1:0`, read from
 * outside while it trades. The port the kernel chose comes from the log line
 * "metrics on http://127.0.0.1:PORT".
 *
 *   paper     on the paper exchange: /metrics parses with prometheus_client's parser,
 *             orders_placed_total > 0 and grows, /healthz 200 while trading; a clean
 *             stop exits 0 (the server closed with the loop)
 *   emulator  on the Binance emulator: /healthz 503 "starting: ..." while a start-up
 *             step waits on a slow exchange, 200 once trading, 503 "price stream down"
 *             after the market stream is cut, 200 again after the reconnect, which
 *             ws_reconnects_total{stream="price"} counts; a post-only refusal counted
 *             under class="post_only"
 *   refusals  a port already taken exits 1 and a non-loopback address exits 2, each
 *             with its reason, before the plugin is even created
 *
 * Files of a failed run stay in the temp dir (printed); SQT_E2E_KEEP keeps them always. */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include "e2e_proc.h"
#include "prom_parse.h"
#include "sqt_test.h"

#ifndef SQT_EMU_BIN
#error "SQT_EMU_BIN must name the opensqt-emulator binary"
#endif

#define PARSED_CAP (1 << 16)

typedef struct run {
    char dir[256];
    char cfg[320], log[320], emu_log[320], state[320], events[320];
    e2e_emu emu;
    int port;
    int failed;
    char *parsed;
} run;

#define CHECK(r, cond, ...) E2E_CHECK((r)->failed, cond, __VA_ARGS__)

static int run_open(run *r, const char *name)
{
    memset(r, 0, sizeof *r);
    snprintf(r->dir, sizeof r->dir, "/tmp/sqt-e2e-metrics-%s-XXXXXX", name);
    if (mkdtemp(r->dir) == NULL)
        return -1;
    snprintf(r->cfg, sizeof r->cfg, "%s/config.yaml", r->dir);
    snprintf(r->log, sizeof r->log, "%s/host.log", r->dir);
    snprintf(r->emu_log, sizeof r->emu_log, "%s/emu.log", r->dir);
    snprintf(r->state, sizeof r->state, "%s/state", r->dir);
    snprintf(r->events, sizeof r->events, "%s/events.jsonl", r->dir);
    r->parsed = malloc(PARSED_CAP);
    return r->parsed != NULL ? 0 : -1;
}

static void run_close(run *r)
{
    if (r->emu.pid > 0)
        e2e_emu_stop(&r->emu);
    free(r->parsed);
    e2e_dir_done(r->dir, r->failed);
}

/* The port from "metrics on http://127.0.0.1:PORT"; 0 when the line never came. */
static int metrics_port(const run *r, unsigned ms)
{
    static const char key[] = "metrics on http://127.0.0.1:";
    char line[2048];
    FILE *f;
    int port = 0;
    if (!e2e_file_wait_for(r->log, key, ms))
        return 0;
    f = fopen(r->log, "r");
    while (f != NULL && port == 0 && fgets(line, sizeof line, f) != NULL) {
        const char *p = strstr(line, key);
        if (p != NULL)
            port = atoi(p + sizeof key - 1);
    }
    if (f != NULL)
        fclose(f);
    return port;
}

/* GET path: the status, the body into buf. */
static long get(const run *r, const char *path, char *buf, size_t cap)
{
    char *out = NULL;
    long st = e2e_http(r->port, path, NULL, &out);
    snprintf(buf, cap, "%s", out != NULL ? out : "");
    free(out);
    return st;
}

/* Poll /healthz until the status (and, when given, a body starting with want_body)
 * is seen; 1 when seen within ms. The last answer stays in last. */
static int health_until(const run *r, long want, const char *want_body, unsigned ms, char *last,
                        size_t cap)
{
    uint64_t end = e2e_now_ms() + ms;
    do {
        long st = get(r, "/healthz", last, cap);
        if (st == want && (want_body == NULL || strncmp(last, want_body, strlen(want_body)) == 0))
            return 1;
        e2e_sleep_ms(20);
    } while (e2e_now_ms() < end);
    return 0;
}

/* Scrape /metrics through the real parser into r->parsed; 0 when it parsed. */
static int scrape(run *r)
{
    char *out = NULL;
    long st = e2e_http(r->port, "/metrics", NULL, &out);
    int rc;
    CHECK(r, st == 200, "/metrics answered %ld", st);
    if (out == NULL)
        return -1;
    rc = prom_parse(out, r->parsed, PARSED_CAP);
    CHECK(r, rc == 0, "the Prometheus parser refused /metrics: %s", r->parsed);
    free(out);
    return rc;
}

static double value(run *r, const char *key)
{
    return prom_value(r->parsed, key);
}

/* Scrape every 200 ms until the sample `key` exceeds `above` (at most ms); its last
 * value. */
static double scrape_until(run *r, const char *key, double above, unsigned ms)
{
    uint64_t end = e2e_now_ms() + ms;
    double v = -1;
    do {
        e2e_sleep_ms(200);
        if (scrape(r) != 0)
            break;
        v = value(r, key);
    } while (v <= above && e2e_now_ms() < end);
    return v;
}

/* The config: the exchange block given, the rest shared (state in the temp dir,
 * metrics on `listen`, 127.0.0.1:0 - a port the kernel picks - when NULL). */
static void write_config_at(const run *r, const char *exchange, const char *block,
                            const char *listen)
{
    FILE *f = fopen(r->cfg, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fprintf(f,
            "app:\n  current_exchange: %s\n  instance: mx\n"
            "exchanges:\n  %s:\n%s"
            "trading:\n  symbol: ETHUSDT\n  price_interval: 2\n  order_quantity: 30\n"
            "  min_order_value: 20\n  buy_window_size: 6\n  sell_window_size: 6\n"
            "  reconcile_interval: 30\n  order_cleanup_threshold: 50\n  cleanup_batch_size: 5\n"
            "system:\n  log_level: INFO\n  cancel_on_exit: true\n  event_log: %s\n  state_dir: %s\n"
            "risk_control:\n  enabled: false\n"
            "timing:\n  websocket_reconnect_delay: 2\n  order_retry_delay: 200\n"
            "  rate_limit_retry_delay: 1\n"
            "metrics:\n  listen: %s\n",
            exchange, exchange, block, r->events, r->state, listen ? listen : "127.0.0.1:0");
    fclose(f);
    chmod(r->cfg, 0600);
}

static void write_config(const run *r, const char *exchange, const char *block)
{
    write_config_at(r, exchange, block, NULL);
}

/* ---- paper ------------------------------------------------------------------------ */

static const char PAPER[] =
    "    fee_rate: 0.0002\n    tick_size: 0.01\n    step_size: 0.001\n    min_notional: 5\n"
    "    balance: 10000\n    leverage: 5\n    maker_fee: 0.0002\n    taker_fee: 0.0005\n"
    "    latency_ms: 1\n    start_price: 3000\n    volatility: 0.0004\n    tick_ms: 10\n"
    "    seed: 5\n";

static void test_paper(void)
{
    run r;
    char body[512];
    double placed1, placed2 = 0;
    pid_t h;
    CU_ASSERT_EQUAL_FATAL(run_open(&r, "paper"), 0);
    write_config(&r, "paper", PAPER);
    h = e2e_host_start(e2e_host_bin(), r.cfg, NULL, r.log);
    CHECK(&r, h > 0, "cannot start %s", e2e_host_bin());
    r.port = metrics_port(&r, 10000);
    CHECK(&r, r.port > 0, "no 'metrics on http://127.0.0.1:PORT' line in %s", r.log);
    if (r.port > 0) {
        CHECK(&r, health_until(&r, 200, "ok", 20000, body, sizeof body),
              "/healthz never 200 while trading (last: %s)", body);
        /* the bot trades: placements counted, and more with time */
        placed1 = scrape_until(&r, "counter opensqt_orders_placed_total []", 0, 10000);
        CHECK(&r, placed1 > 0, "orders_placed_total %.0f while trading", placed1);
        CHECK(&r, value(&r, "gauge opensqt_state [('state', 'trading')]") == 1.0, "state not trading");
        CHECK(&r, value(&r, "gauge opensqt_stream_up [('stream', 'price')]") == 1.0, "price not up");
        CHECK(&r, value(&r, "histogram opensqt_journal_write_seconds_count []") > 0,
              "no journal write timed");
        placed2 = scrape_until(&r, "counter opensqt_orders_placed_total []", placed1, 15000);
        CHECK(&r, placed2 > placed1, "orders_placed_total did not grow: %.0f then %.0f", placed1,
              placed2);
        scrape_until(&r, "histogram opensqt_tick_to_order_seconds_count []", 0, 10000);
        CHECK(&r, value(&r, "histogram opensqt_tick_to_order_seconds_count []") > 0,
              "no tick-to-order time measured");
        CHECK(&r, value(&r, "gauge opensqt_uptime_seconds []") > 0, "no uptime");
        CHECK(&r, get(&r, "/healthz", body, sizeof body) == 200, "/healthz %s while trading", body);
    }
    CHECK(&r, e2e_host_stop(h, 30000) == 0, "the host did not stop with exit 0");
    CHECK(&r, !e2e_file_wait_for(r.log, "handles still open", 1), "handles left open at exit");
    run_close(&r);
}

/* ---- the emulator ----------------------------------------------------------------- */

static void write_binance(const run *r)
{
    char block[400];
    snprintf(block, sizeof block,
             "    api_key: emulator-key\n    secret_key: emulator-secret\n    fee_rate: 0.0002\n"
             "    rest_url: http://127.0.0.1:%d\n"
             "    ws_market_url: ws://127.0.0.1:%d/market\n"
             "    ws_private_url: ws://127.0.0.1:%d/private\n",
             r->emu.port, r->emu.port, r->emu.port);
    write_config(r, "binance", block);
}

static void test_emulator(void)
{
    static const char *const args[] = {"--price-mode", "auto", "--tick-ms", "50", "--sigma",
                                       "0.0004", "--seed", "11", NULL};
    run r;
    char body[512];
    double v;
    pid_t h;
    CU_ASSERT_EQUAL_FATAL(run_open(&r, "emu"), 0);
    CU_ASSERT_EQUAL_FATAL(e2e_emu_start(&r.emu, SQT_EMU_BIN, args, r.emu_log), 0);
    write_binance(&r);
    /* the open-orders list is slow: start-up waits at that step */
    CHECK(&r, e2e_emu_line(&r.emu, "delay {\"ms\":4000,\"path\":\"/fapi/v1/openOrders\"}") == 0,
          "delay refused");
    h = e2e_host_start(e2e_host_bin(), r.cfg, NULL, r.log);
    CHECK(&r, h > 0, "cannot start %s", e2e_host_bin());
    r.port = metrics_port(&r, 10000);
    CHECK(&r, r.port > 0, "no 'metrics on http://127.0.0.1:PORT' line in %s", r.log);
    if (r.port > 0) {
        CHECK(&r, health_until(&r, 503, "starting: ", 8000, body, sizeof body),
              "/healthz not 503 'starting' during start-up (last: %s)", body);
        scrape(&r);
        CHECK(&r, value(&r, "gauge opensqt_state [('state', 'starting')]") == 1.0,
              "state not starting");
        e2e_emu_line(&r.emu, "delay {\"ms\":0,\"path\":\"/fapi/v1/openOrders\"}");
        CHECK(&r, health_until(&r, 200, "ok", 20000, body, sizeof body),
              "/healthz never 200 once trading (last: %s)", body);

        /* the next post-only order is refused: counted by class */
        CHECK(&r, e2e_emu_line(&r.emu, "reject_post_only {\"count\":1}") == 0, "fault refused");
        v = scrape_until(&r, "counter opensqt_orders_rejected_total [('class', 'post_only')]", 0,
                         15000);
        CHECK(&r, v >= 1, "orders_rejected_total{class=post_only} %.0f after a -5022", v);
        CHECK(&r, value(&r, "counter opensqt_orders_placed_total []") > 0, "nothing placed");

        /* the market stream cut: unhealthy until it is back, the reconnect counted */
        CHECK(&r, e2e_emu_line(&r.emu, "drop_ws {\"which\":\"market\"}") == 0, "drop refused");
        CHECK(&r, health_until(&r, 503, "price stream down", 5000, body, sizeof body),
              "/healthz not 503 'price stream down' after the cut (last: %s)", body);
        CHECK(&r, health_until(&r, 200, "ok", 15000, body, sizeof body),
              "/healthz not 200 after the reconnect (last: %s)", body);
        scrape(&r);
        v = value(&r, "counter opensqt_ws_reconnects_total [('stream', 'price')]");
        CHECK(&r, v >= 1, "ws_reconnects_total{stream=price} %.0f after a reconnect", v);
        CHECK(&r, value(&r, "counter opensqt_ws_reconnects_total [('stream', 'orders')]") == 0,
              "an order-stream reconnect counted that did not happen");
    }
    CHECK(&r, e2e_host_stop(h, 30000) == 0, "the host did not stop with exit 0");
    CHECK(&r, !e2e_file_wait_for(r.log, "handles still open", 1), "handles left open at exit");
    run_close(&r);
}

/* ---- refusals ---------------------------------------------------------------------- */

static void test_refusals(void)
{
    struct sockaddr_in sa;
    socklen_t len = sizeof sa;
    char listen_at[64], want[128];
    run r;
    pid_t h;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    CU_ASSERT_EQUAL_FATAL(run_open(&r, "refuse"), 0);
    /* a port someone else listens on */
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    CU_ASSERT_FATAL(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0 && listen(fd, 1) == 0 &&
                    getsockname(fd, (struct sockaddr *)&sa, &len) == 0);
    snprintf(listen_at, sizeof listen_at, "127.0.0.1:%d", ntohs(sa.sin_port));
    write_config_at(&r, "paper", PAPER, listen_at);
    h = e2e_host_start(e2e_host_bin(), r.cfg, NULL, r.log);
    CHECK(&r, h > 0 && e2e_host_wait(h, 20000) == 1, "a taken port did not exit 1");
    snprintf(want, sizeof want, "metrics: cannot listen on %s: address already in use", listen_at);
    CHECK(&r, e2e_file_wait_for(r.log, want, 1), "no '%s' in %s", want, r.log);
    CHECK(&r, !e2e_file_wait_for(r.log, "[paper]", 1), "the plugin was started anyway");
    close(fd);
    /* not loopback, not allowed */
    write_config_at(&r, "paper", PAPER, "192.0.2.10:9464");
    h = e2e_host_start(e2e_host_bin(), r.cfg, NULL, r.log);
    CHECK(&r, h > 0 && e2e_host_wait(h, 20000) == 2, "a non-loopback address did not exit 2");
    CHECK(&r, e2e_file_wait_for(r.log, "is not a loopback address", 1), "no reason in %s", r.log);
    CHECK(&r, !e2e_file_wait_for(r.log, "[paper]", 1), "the plugin was started anyway");
    run_close(&r);
}

int main(void)
{
    static const sqt_test_case cases[] = {{"paper", test_paper},
                                          {"emulator", test_emulator},
                                          {"refusals", test_refusals},
                                          {NULL, NULL}};
    SQT_TEST_INIT();
    if (sqt_test_suite("e2e_metrics", cases) != 0)
        return EXIT_FAILURE;
    return sqt_test_run();
}
