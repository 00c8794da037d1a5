/* End to end: the host + an exchange plugin against the loopback exchange emulator
 * speaking that exchange's dialect: binance.so (test_e2e_binance), bitget.so
 * (test_e2e_bitget, the same file built with SQT_E2E_EXCHANGE="bitget") or gate.so
 * (test_e2e_gate, SQT_E2E_EXCHANGE="gate"). The audit is
 * the same for every exchange; only the config block, the REST paths a fault targets and
 * the evidence of the session faults differ (EX_* below).
 *
 * Each scenario starts its own opensqt-emulator (a child process, manual price mode),
 * runs the whole host in process with sqt_app_run, and drives the exchange from a
 * helper thread over the control endpoint (POST /_emu/line, blocking libcurl): prices
 * that walk through grid levels, and the faults of the scenario. Afterwards the audit
 * trail (event log) is compared with the exchange's own record (GET /_emu/state): the
 * fills, the position, the orders still open, and the realized PnL of every round trip.
 *
 * Files of every run (config, event log, host log, emulator log) stay in the temp dir
 * when a scenario fails, or with SQT_E2E_KEEP set. SQT_E2E_ONLY=<substring> runs the
 * matching scenarios only; SQT_E2E_LANES=N runs N sessions at a time (default 2).
 *
 * The random soak (section 4: the emulator's own price walk, random faults from a
 * printed seed) runs only when asked for: SQT_E2E_ONLY=random-soak (ctest
 * e2e_binance_soak, make soak) or SQT_E2E_SOAK_SECONDS=N; SQT_E2E_SOAK_SEED repeats one. */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "app.h"
#include "config.h"
#include "e2e_emu.h"
#include "log.h"
#include "plugin.h"
#include "e2e_proc.h"
#include "sqt_test.h"

#ifndef SQT_EMU_BIN
#error "SQT_EMU_BIN must name the opensqt-emulator binary"
#endif

#ifndef SQT_E2E_EXCHANGE
#define SQT_E2E_EXCHANGE "binance"
#endif
#define EX_BITGET (strcmp(SQT_E2E_EXCHANGE, "bitget") == 0)
#define EX_GATE (strcmp(SQT_E2E_EXCHANGE, "gate") == 0)
/* Binance alone has a listenKey (a session that can die while its stream is down) */
#define EX_LISTEN_KEY (!EX_BITGET && !EX_GATE)
#if defined(SQT_E2E_BITGET) || defined(SQT_E2E_GATE)
#define SQT_E2E_NO_LISTEN_KEY 1
#endif
#ifdef SQT_E2E_BITGET
/* Where the single- and batch-order faults aim. Bitget has one path per operation, so
 * the "next order request" fault takes the prefix of them all (faults match by prefix):
 * whichever of place, batch, query, list or cancel comes next. Its evidence is then the
 * generic "-> 429" line, not one of a path (EX_EV_*: empty here). */
#define EX_ORDER_PATH "/api/v2/mix/order/"
#define EX_EV_ORDER_429 ""
#define EX_EV_ORDER_503 ""
#define EX_EV_ORDER_503N ""
#define EX_EV_ORDER_TIMEOUT ""
#define EX_BATCH_PATH "/api/v2/mix/order/batch-place-order"
#define EX_OPEN_PATH "/api/v2/mix/order/orders-pending"
/* Bitget has no ban answer (a 429 either way) and no listenKey: the session fault is the
 * private socket's cut, after which the order stream comes back with a RESYNC */
#define EX_BAN_EVIDENCE "E:-> 429|H:rate limited"
#define EX_EXPIRY_EVIDENCE "E:private connections closed|H:order stream down"
/* a push's feeDetail is the order's cumulative fee: a later push books a lost one's */
#define EX_PARTIAL_EVIDENCE "E:push dropped"
/* The exchange's own client id is ours behind no prefix */
#define EX_CID_PREFIX ""
#elif defined(SQT_E2E_GATE)
/* Gate: one path for place (POST), list (GET), get and cancel (/orders/{id}); the
 * "next order request" fault takes it as a prefix, so its evidence is generic too. */
#define EX_ORDER_PATH "/api/v4/futures/usdt/orders"
#define EX_EV_ORDER_429 ""
#define EX_EV_ORDER_503 ""
#define EX_EV_ORDER_503N ""
#define EX_EV_ORDER_TIMEOUT ""
#define EX_BATCH_PATH "/api/v4/futures/usdt/batch_orders"
#define EX_OPEN_PATH "/api/v4/futures/usdt/orders"
/* no ban answer (a 429 either way), no listenKey: the session fault is the upgrade
 * notice and the cut of the socket carrying the private channels */
#define EX_BAN_EVIDENCE "E:-> 429|H:rate limited"
#define EX_EXPIRY_EVIDENCE "E:private connections closed|H:order stream down"
#define EX_PARTIAL_EVIDENCE "E:push dropped"
/* the order's text is "t-" + our client id (gate.md 7) */
#define EX_CID_PREFIX "t-"
#else
#define EX_CID_PREFIX ""
#define EX_ORDER_PATH "/fapi/v1/order"
#define EX_EV_ORDER_429 "|E:" EX_ORDER_PATH " -> 429"
#define EX_EV_ORDER_503 "|E:" EX_ORDER_PATH " -> 503\n"
#define EX_EV_ORDER_503N "|E:" EX_ORDER_PATH " -> 503 (not carried out)"
#define EX_EV_ORDER_TIMEOUT "|E:" EX_ORDER_PATH " -> (never answered)"
#define EX_BATCH_PATH "/fapi/v1/batchOrders"
#define EX_OPEN_PATH "/fapi/v1/openOrders"
#define EX_BAN_EVIDENCE "E:-> 418|H:BANNED"
#define EX_EXPIRY_EVIDENCE "E:listenKey expired|H:listenKeyExpired: new listenKey"
#define EX_PARTIAL_EVIDENCE "E:push dropped|H:learned after its fill"
#endif

#define START_PRICE "3000.00"
#define MAXF 16000     /* fills, orders, round trips per audit (an hour's soak) */

static char dir[256];
static int scenario_failed; /* keep the files of a failed scenario */

/* Decimal string -> integer units at `scale`; INT64_MIN when not exact or absent. */
static int64_t units(const char *s, int scale)
{
    sqt_dec d, r;
    if (s == NULL || sqt_dec_parse(s, strlen(s), &d) != SQT_OK ||
        sqt_dec_rescale(d, scale, &r) != SQT_OK)
        return INT64_MIN;
    return r.mant;
}

static const char *jstr(json_t *o, const char *k)
{
    return json_string_value(json_object_get(o, k));
}

/* ------------------------------------------------------------------------------------
 * the emulator process and its control endpoint
 * ---------------------------------------------------------------------------------- */

typedef struct emu {
    pid_t pid;
    int port;
    FILE *out;                 /* its stdout: the first line names the port */
} emu;

/* The price options of the scripted sessions: the price moves on "price" lines only. */
static const char *const emu_manual[] = {"--price-mode", "manual", "--start-price",
                                         START_PRICE, "--seed", "5", NULL};

/* Start opensqt-emulator on a free port, stderr to <dir>/emu-<tag>.log; `mode`: its price
 * options (emu_manual, or a random walk), `partial` (NULL = whole fills): the most an
 * order fills per price step. */
static int emu_spawn(emu *e, const char *tag, const char *const *mode, const char *partial)
{
    const char *argv[24] = {"opensqt-emulator", "--dialect", SQT_E2E_EXCHANGE, "--port", "0",
                            "--verbose"};
    char logpath[400], line[160] = "";
    int out[2];
    size_t n = 6, i;
    for (i = 0; mode[i] != NULL && n < 18; i++)
        argv[n++] = mode[i];
    if (EX_GATE) { /* Gate has no minimum notional (gate.md 3.1) */
        argv[n++] = "--min-notional";
        argv[n++] = "0";
    }
    if (partial != NULL) {
        argv[n++] = "--partial-fill";
        argv[n++] = partial;
    }
    argv[n] = NULL;
    memset(e, 0, sizeof(*e));
    snprintf(logpath, sizeof logpath, "%s/emu-%s.log", dir, tag);
    if (pipe2(out, O_CLOEXEC) != 0)
        return -1;
    e->pid = fork();
    if (e->pid < 0)
        return -1;
    if (e->pid == 0) {
        int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        prctl(PR_SET_PDEATHSIG, SIGKILL); /* never outlive a crashed test */
        dup2(out[1], 1);
        if (fd >= 0)
            dup2(fd, 2);
        close(out[0]);
        close(out[1]);
        execv(SQT_EMU_BIN, (char *const *)argv);
        _exit(127);
    }
    close(out[1]);
    e->out = fdopen(out[0], "r");
    if (e->out == NULL || fgets(line, sizeof line, e->out) == NULL ||
        sscanf(line, "listening on 127.0.0.1:%d", &e->port) != 1 || e->port <= 0) {
        fprintf(stderr, "    emulator did not start: '%s' (see %s)\n", line, logpath);
        return -1;
    }
    return 0;
}

/* SIGTERM; returns 0 when the emulator exited cleanly (status 0). */
static int emu_stop(emu *e)
{
    int status = 0, i;
    if (e->pid <= 0)
        return -1;
    kill(e->pid, SIGTERM);
    for (i = 0; i < 100 && waitpid(e->pid, &status, WNOHANG) != e->pid; i++)
        sleep_ms(50);
    if (i == 100) {
        kill(e->pid, SIGKILL);
        waitpid(e->pid, &status, 0);
        fprintf(stderr, "    the emulator did not stop on SIGTERM\n");
    }
    if (e->out != NULL)
        fclose(e->out);
    e->pid = 0;
    e->out = NULL;
    return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* One control line ("[trigger] NAME [JSON]"); 0 when the emulator answered ok. */
static int emu_line(int port, const char *line, char *why, size_t cap)
{
    char *reply = NULL;
    long st = e2e_http(port, "/_emu/line", line, &reply);
    int ok = st == 200 && reply != NULL && strstr(reply, "\"ok\":true") != NULL;
    if (!ok)
        snprintf(why, cap, "'%s': HTTP %ld %s", line, st, reply ? reply : "");
    free(reply);
    return ok ? 0 : -1;
}

static json_t *emu_state(int port)
{
    char *reply = NULL;
    json_t *st = NULL;
    if (e2e_http(port, "/_emu/state", NULL, &reply) == 200 && reply != NULL)
        st = json_loads(reply, 0, NULL);
    free(reply);
    return st;
}

/* An order's or fill's client id in the exchange's state, as the host knows it (the
 * exchange's prefix, Gate's "t-", stripped); NULL when absent or without the prefix. */
static const char *ex_cid(json_t *x)
{
    const char *cid = jstr(x, "client_id");
    size_t n = strlen(EX_CID_PREFIX);
    if (cid == NULL || strncmp(cid, EX_CID_PREFIX, n) != 0)
        return NULL;
    return cid + n;
}

/* Our open orders on the exchange; the largest number sharing one (side, price). */
static size_t our_open(json_t *st, const char *prefix, const char *side, int *max_dup)
{
    json_t *oo = json_object_get(st, "open_orders"), *o, *p;
    size_t i, j, n = 0;
    if (max_dup)
        *max_dup = 0;
    json_array_foreach(oo, i, o) {
        const char *cid = ex_cid(o);
        int dup = 0;
        if (cid == NULL || strncmp(cid, prefix, strlen(prefix)) != 0)
            continue;
        if (side == NULL || strcmp(jstr(o, "side"), side) == 0)
            n++;
        json_array_foreach(oo, j, p) {
            const char *c2 = ex_cid(p);
            if (c2 && strncmp(c2, prefix, strlen(prefix)) == 0 &&
                strcmp(jstr(p, "side"), jstr(o, "side")) == 0 &&
                units(jstr(p, "price"), 2) == units(jstr(o, "price"), 2))
                dup++;
        }
        if (max_dup && dup > *max_dup)
            *max_dup = dup;
    }
    return n;
}

/* ------------------------------------------------------------------------------------
 * the driver thread: a script of prices and faults, run while the host trades
 *
 *   start             post the price every 100 ms until the host's price stream is
 *                     connected, then a few more (manual mode: no trade, no price)
 *   wait SIDE N       until at least N of our SIDE orders are open (BUY, SELL, ANY)
 *   watch MS [EVERY]  sample the exchange's open orders every EVERY ms (50) for MS
 *   streams           until the host has both streams connected again (6 s at most)
 *   sleep MS
 *   price P           trade at P
 *   anything else     one control line (a fault, optionally with a trigger)
 *
 * Every sample counts our open orders sharing one (side, price): a duplicate is an
 * order placed twice for one grid level.
 * ---------------------------------------------------------------------------------- */

typedef struct driver {
    int port;
    char prefix[32];
    const char *const *script;
    pthread_t th;
    atomic_int stop;
    const char *price;         /* the last price posted */
    /* results: read by the main thread after the join */
    int failures;
    char failure[512];
    int max_dup;
    int samples;
} driver;

__attribute__((format(printf, 2, 3))) static void drv_fail(driver *d, const char *fmt, ...)
{
    va_list ap;
    if (d->failures++ != 0)
        return;
    va_start(ap, fmt);
    vsnprintf(d->failure, sizeof d->failure, fmt, ap);
    va_end(ap);
}

static size_t drv_sample(driver *d, const char *side)
{
    json_t *st = emu_state(d->port);
    int dup = 0;
    size_t have;
    if (st == NULL)
        return 0;
    our_open(st, d->prefix, NULL, &dup);
    have = our_open(st, d->prefix, side, NULL);
    d->samples++;
    if (dup > d->max_dup)
        d->max_dup = dup;
    json_decref(st);
    return have;
}

static void drv_price(driver *d, const char *p)
{
    char line[96], why[400];
    snprintf(line, sizeof line, "price {\"price\":\"%s\"}", p);
    if (emu_line(d->port, line, why, sizeof why) != 0)
        drv_fail(d, "price: %s", why);
    d->price = p;
}

static void drv_start(driver *d)
{
    uint64_t t0 = mono_ms(), seen = 0;
    while (!atomic_load(&d->stop) && mono_ms() - t0 < 10000) {
        json_t *st = emu_state(d->port);
        json_t *conns = json_object_get(st, "connections");
        drv_price(d, d->price);
        if (seen == 0 && json_integer_value(json_object_get(conns, "market")) >= 1)
            seen = mono_ms();
        json_decref(st);
        if (seen != 0 && mono_ms() - seen >= 300)
            return;
        sleep_ms(100);
    }
    drv_fail(d, "%s", "the host never connected its price stream");
}

static void drv_wait(driver *d, const char *side, int n)
{
    uint64_t t0 = mono_ms();
    while (!atomic_load(&d->stop) && mono_ms() - t0 < 5000) {
        if ((int)drv_sample(d, strcmp(side, "ANY") ? side : NULL) >= n)
            return;
        sleep_ms(50);
    }
    drv_fail(d, "timed out waiting for %d %s orders of ours to be open", n, side);
}

static void drv_streams(driver *d)
{
    uint64_t t0 = mono_ms();
    while (!atomic_load(&d->stop) && mono_ms() - t0 < 6000) {
        json_t *st = emu_state(d->port), *c = json_object_get(st, "connections");
        int up = json_integer_value(json_object_get(c, "market")) >= 1 &&
                 json_integer_value(json_object_get(c, "user")) >= 1;
        json_decref(st);
        if (up)
            return;
        sleep_ms(50);
    }
    drv_fail(d, "%s", "the host's streams did not come back");
}

/* Sleep `ms`, or less when the run ends. */
static void drv_sleep(driver *d, uint64_t ms)
{
    uint64_t end = mono_ms() + ms;
    while (!atomic_load(&d->stop) && mono_ms() < end)
        sleep_ms(20);
}

static void *drv_main(void *ud)
{
    driver *d = ud;
    const char *const *l;
    char why[400], side[16];
    int n;
    unsigned ms, every;
    for (l = d->script; *l != NULL && !atomic_load(&d->stop); l++) {
        if (strcmp(*l, "start") == 0) {
            drv_start(d);
        } else if (strcmp(*l, "streams") == 0) {
            drv_streams(d);
        } else if (sscanf(*l, "wait %15s %d", side, &n) == 2) {
            drv_wait(d, side, n);
        } else if ((n = sscanf(*l, "watch %u %u", &ms, &every)) >= 1) {
            uint64_t end = mono_ms() + ms, now;
            if (n < 2 || every == 0)
                every = 50;
            while (!atomic_load(&d->stop) && (now = mono_ms()) < end) {
                drv_sample(d, NULL);
                drv_sleep(d, end - now < every ? end - now : every);
            }
        } else if (sscanf(*l, "sleep %u", &ms) == 1) {
            drv_sleep(d, ms);
        } else if (strncmp(*l, "price ", 6) == 0) {
            drv_price(d, *l + 6);
        } else if (emu_line(d->port, *l, why, sizeof why) != 0) {
            drv_fail(d, "control line failed: %s", why);
        }
    }
    return NULL;
}

/* ------------------------------------------------------------------------------------
 * the host, in process (several sessions may run at once, one per lane thread: the
 * host and the plugin keep no global state)
 * ---------------------------------------------------------------------------------- */

typedef struct cfg_opts {
    const char *instance;
    int cancel_on_exit;
    int reconcile;             /* seconds */
    int window;                /* buy and sell window size; 0 = 4 */
    int allow_hedge;           /* trading.allow_hedge_mode: true */
} cfg_opts;

/* The exchange's block: keys, and its URLs on the emulator's port. */
static void write_exchange(FILE *f, int port)
{
    if (EX_GATE)
        fprintf(f,
                "exchanges:\n  gate:\n"
                "    api_key: emulator-key\n    secret_key: emulator-secret\n"
                "    fee_rate: 0.0002\n"
                "    rest_url: http://127.0.0.1:%d\n"
                "    ws_url: ws://127.0.0.1:%d/v4/ws/usdt\n",
                port, port);
    else if (EX_BITGET)
        fprintf(f,
                "exchanges:\n  bitget:\n"
                "    api_key: emulator-key\n    secret_key: emulator-secret\n"
                "    passphrase: emulator-passphrase\n    fee_rate: 0.0002\n"
                "    rest_url: http://127.0.0.1:%d\n"
                "    ws_public_url: ws://127.0.0.1:%d/v2/ws/public\n"
                "    ws_private_url: ws://127.0.0.1:%d/v2/ws/private\n",
                port, port, port);
    else
        fprintf(f,
                "exchanges:\n  binance:\n"
                "    api_key: emulator-key\n    secret_key: emulator-secret\n"
                "    fee_rate: 0.0002\n"
                "    rest_url: http://127.0.0.1:%d\n"
                "    ws_market_url: ws://127.0.0.1:%d/market\n"
                "    ws_private_url: ws://127.0.0.1:%d/private\n"
                "    recv_window: 5000\n",
                port, port, port);
}

static int write_config(const char *path, int port, const cfg_opts *c, const char *events)
{
    FILE *f = fopen(path, "w");
    if (f == NULL)
        return -1;
    fprintf(f, "app:\n  current_exchange: %s\n  instance: %s\n", SQT_E2E_EXCHANGE, c->instance);
    write_exchange(f, port);
    fprintf(f,
            "trading:\n  symbol: ETHUSDT\n  price_interval: 2\n  order_quantity: 30\n"
            "  min_order_value: 20\n  buy_window_size: %d\n  sell_window_size: %d\n"
            "  reconcile_interval: %d\n  order_cleanup_threshold: 50\n  cleanup_batch_size: 5\n"
            "  margin_lock_duration_seconds: 1\n  post_only_max_failures: 3\n"
            "  allow_hedge_mode: %s\n"
            "system:\n  log_level: INFO\n  cancel_on_exit: %s\n  event_log: %s\n"
            "  state_dir: %s.state\n"
            "risk_control:\n  enabled: false\n"
            "timing:\n  websocket_reconnect_delay: 1\n  order_cleanup_interval: 60\n"
            "  order_retry_delay: 200\n  rate_limit_retry_delay: 1\n",
            c->window ? c->window : 4, c->window ? c->window : 4,
            c->reconcile, c->allow_hedge ? "true" : "false",
            c->cancel_on_exit ? "true" : "false", events, events);
    fclose(f);
    return chmod(path, 0600); /* it holds the (test) secrets */
}

typedef struct run_result {
    char setup_err[600];       /* the run could not start */
    int rc;
    int errors;                /* ERROR lines */
    char first_error[400];
    char final_status[600];    /* "final status: ... pos X@AVG ..." */
    int imported;              /* "own orders live: N" when trading began */
    int resyncs;               /* reconciles started by a stream gap */
    double seconds;
} run_result;

static void sink(void *ud, int level, const char *line)
{
    run_result *r = ud;
    const char *p;
    if (level >= SQT_LV_ERROR && r->errors++ == 0)
        snprintf(r->first_error, sizeof r->first_error, "%s", line);
    if (strstr(line, "final status:") != NULL)
        snprintf(r->final_status, sizeof r->final_status, "%s", line);
    if ((p = strstr(line, "own orders live: ")) != NULL)
        sscanf(p + 17, "%d", &r->imported);
    if (strstr(line, "order stream back; reconciling") != NULL ||
        strstr(line, "order stream lost data; reconciling") != NULL)
        r->resyncs++;
}

/* Run the host for `secs` with the driver alongside; logs to <dir>/host-<tag>.log. */
static void run_host(const char *tag, int port, const cfg_opts *co, const char *events,
                     double secs, driver *d, run_result *r)
{
    char cfgpath[400], logpath[400], err[512];
    sqt_config cfg;
    sqt_log log;
    sqt_loaded_plugin pl;
    sqt_app_opts o;
    const char *pdir = getenv("SQT_PLUGIN_DIR");
    uint64_t t0 = mono_ms();

    memset(r, 0, sizeof(*r));
    snprintf(cfgpath, sizeof cfgpath, "%s/%s.yaml", dir, tag);
    snprintf(logpath, sizeof logpath, "%s/host-%s.log", dir, tag);
    if (pdir == NULL) {
        snprintf(r->setup_err, sizeof r->setup_err, "SQT_PLUGIN_DIR is not set (run via ctest)");
        return;
    }
    if (write_config(cfgpath, port, co, events) != 0) {
        snprintf(r->setup_err, sizeof r->setup_err, "cannot write %s", cfgpath);
        return;
    }
    sqt_log_init(&log);
    log.err = NULL;
    log.level = getenv("SQT_E2E_DEBUG") ? SQT_LV_DEBUG : SQT_LV_INFO;
    log.sink = sink;
    log.sink_ud = r;
    if (sqt_log_open_file(&log, logpath) != 0) {
        snprintf(r->setup_err, sizeof r->setup_err, "cannot open %s", logpath);
        sqt_log_close(&log);
        return;
    }
    memset(&cfg, 0, sizeof cfg);
    if (sqt_config_load(&cfg, cfgpath, &log, err, sizeof err) != 0) {
        snprintf(r->setup_err, sizeof r->setup_err, "config: %s", err);
        sqt_log_close(&log);
        return;
    }
    if (sqt_plugin_load(pdir, SQT_E2E_EXCHANGE, &pl, err, sizeof err) != 0) {
        snprintf(r->setup_err, sizeof r->setup_err, "plugin: %s", err);
        sqt_config_free(&cfg);
        sqt_log_close(&log);
        return;
    }
    d->port = port;
    snprintf(d->prefix, sizeof d->prefix, "%s-", co->instance);
    atomic_store(&d->stop, 0);
    if (d->price == NULL)
        d->price = START_PRICE;
    if (pthread_create(&d->th, NULL, drv_main, d) != 0) {
        snprintf(r->setup_err, sizeof r->setup_err, "cannot start the driver thread");
    } else {
        memset(&o, 0, sizeof o);
        o.cfg = &cfg;
        o.plugin = &pl;
        o.log = &log;
        o.run_for_seconds = secs;
        r->rc = sqt_app_run(&o);
        atomic_store(&d->stop, 1);
        pthread_join(d->th, NULL);
    }
    sqt_plugin_unload(&pl);
    sqt_config_free(&cfg);
    sqt_log_close(&log);
    r->seconds = (double)(mono_ms() - t0) / 1000.0;
}

/* What every run must show: it started, stopped cleanly, and the driver's script ran. */
static void check_run(const char *tag, const run_result *r, const driver *d, int allow_errors)
{
    if (r->setup_err[0] == '\0' && r->final_status[0] == '\0')
        fprintf(stderr, "    [%s] no final status line\n", tag);
    if (r->setup_err[0])
        fprintf(stderr, "    [%s] %s\n", tag, r->setup_err);
    CU_ASSERT_FATAL(r->setup_err[0] == '\0');
    if (d->failures)
        fprintf(stderr, "    [%s] driver: %d failures, first: %s\n", tag, d->failures, d->failure);
    if (r->errors)
        fprintf(stderr, "    [%s] %d ERROR lines, first: %s\n", tag, r->errors, r->first_error);
    SQT_ASSERT_INT_EQ(r->rc, 0);
    SQT_ASSERT_INT_EQ(d->failures, 0);
    if (!allow_errors)
        SQT_ASSERT_INT_EQ(r->errors, 0);
    CU_ASSERT_TRUE(r->final_status[0] != '\0');
}


/* ------------------------------------------------------------------------------------
 * the audit trail
 * ---------------------------------------------------------------------------------- */

typedef struct a_fill {
    char cid[48];
    int buy;
    long slot;
    int64_t qty, px, cum;      /* steps (0.001), ticks (0.01), steps */
    int64_t fee;               /* 1e-8 quote; INT64_MIN when not exact at 8 decimals */
    size_t line;
    int matched;
    int fee_only;              /* a "fee" line: fee of earlier fills learned late, qty 0 */
    int64_t pnl;               /* its "pnl" (1e-8 quote), INT64_MIN when absent */
} a_fill;

typedef struct a_order {
    char cid[48];
    int buy;
    int64_t px, qty;
    int placed, ended;
    char end[16];              /* filled, cancelled, rejected */
    int64_t final_cum, fills;
    size_t first_line;
} a_order;

typedef struct a_rt {
    long slot;
    int64_t pnl;               /* 1e-8 quote */
    int matched;
} a_rt;

typedef struct audit {
    a_fill f[MAXF];
    size_t nf;
    a_order o[MAXF];
    size_t no;
    a_rt rt[MAXF];
    size_t nrt;
    size_t lines;
} audit;

static audit g_audit; /* the checks run on the main thread only */

static a_order *a_order_of(audit *a, const char *cid, size_t line)
{
    size_t i;
    for (i = 0; i < a->no; i++)
        if (strcmp(a->o[i].cid, cid) == 0)
            return &a->o[i];
    if (a->no == MAXF)
        return NULL;
    memset(&a->o[a->no], 0, sizeof a->o[0]);
    snprintf(a->o[a->no].cid, sizeof a->o[0].cid, "%s", cid);
    a->o[a->no].first_line = line;
    return &a->o[a->no++];
}

static void audit_line(audit *a, json_t *o)
{
    const char *ev = jstr(o, "event"), *cid = jstr(o, "client_id"), *side = jstr(o, "side");
    a_order *t;
    CU_ASSERT_TRUE(ev != NULL);
    if (ev == NULL || cid == NULL || side == NULL)
        return; /* a notice (docs/event-log.md): not about one order */
    if (strcmp(ev, "round_trip") == 0) {
        if (a->nrt < MAXF) {
            a_rt *r = &a->rt[a->nrt++];
            r->slot = (long)json_integer_value(json_object_get(o, "slot"));
            r->pnl = units(jstr(o, "pnl"), 8);
            r->matched = 0;
        }
        return;
    }
    if ((t = a_order_of(a, cid, a->lines)) == NULL)
        return;
    t->buy = strcmp(side, "BUY") == 0;
    t->px = units(jstr(o, "price"), 2);
    t->qty = units(jstr(o, "qty"), 3);
    if (strcmp(ev, "placed") == 0) {
        t->placed++;
    } else if (strcmp(ev, "filled") == 0 || strcmp(ev, "cancelled") == 0 ||
               strcmp(ev, "rejected") == 0) {
        t->ended++;
        snprintf(t->end, sizeof t->end, "%s", ev);
        t->final_cum = units(jstr(o, "filled_qty"), 3);
    } else if ((strcmp(ev, "fill") == 0 || strcmp(ev, "fee") == 0) && a->nf < MAXF) {
        a_fill *x = &a->f[a->nf++];
        x->fee_only = strcmp(ev, "fee") == 0;
        snprintf(x->cid, sizeof x->cid, "%s", cid);
        x->buy = t->buy;
        x->slot = (long)json_integer_value(json_object_get(o, "slot"));
        x->qty = x->fee_only ? 0 : units(jstr(o, "fill_qty"), 3);
        x->px = x->fee_only ? 0 : units(jstr(o, "fill_price"), 2);
        x->cum = units(jstr(o, "filled_qty"), 3);
        x->fee = units(jstr(o, "fee"), 8);
        x->pnl = jstr(o, "pnl") != NULL ? units(jstr(o, "pnl"), 8) : INT64_MIN;
        x->line = a->lines;
        x->matched = 0;
        t->fills += x->qty;
    }
}

/* The first max_lines lines of the event log (0 = all). */
static audit *audit_load(const char *path, size_t max_lines)
{
    audit *a = &g_audit;
    FILE *f = fopen(path, "r");
    char line[4096];
    memset(a, 0, sizeof(*a));
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    while ((max_lines == 0 || a->lines < max_lines) && fgets(line, sizeof line, f)) {
        json_t *o = json_loads(line, 0, NULL);
        a->lines++;
        CU_ASSERT_PTR_NOT_NULL(o);
        if (o != NULL)
            audit_line(a, o);
        json_decref(o);
    }
    fclose(f);
    /* a full table dropped lines: the audit would be of part of the log */
    if (a->nf == MAXF || a->no == MAXF || a->nrt == MAXF)
        fprintf(stderr, "    %s: more than %d fills, orders or round trips\n", path, MAXF);
    CU_ASSERT_TRUE(a->nf < MAXF && a->no < MAXF && a->nrt < MAXF);
    return a;
}

static size_t count_lines(const char *path)
{
    FILE *f = fopen(path, "r");
    size_t n = 0;
    int c;
    if (f == NULL)
        return 0;
    while ((c = fgetc(f)) != EOF)
        n += c == '\n';
    fclose(f);
    return n;
}

static int64_t audit_position(const audit *a)
{
    int64_t p = 0;
    size_t i;
    for (i = 0; i < a->nf; i++)
        p += a->f[i].buy ? a->f[i].qty : -a->f[i].qty;
    return p;
}

static int audit_open(const a_order *t)
{
    return t->placed > 0 && t->ended == 0;
}

/* The engine's own position, from its final status line. */
static int64_t status_position(const run_result *r)
{
    const char *p = strstr(r->final_status, " pos ");
    char num[32];
    if (p == NULL || sscanf(p + 5, "%31[-0-9.]", num) != 1)
        return INT64_MIN;
    return units(num, 3);
}

/* Per slot, replay the fills: buys add inventory at cost, sells realise their share of
 * the cost, and a slot that sells out closes a round trip whose PnL is the gross minus
 * every fee paid on it. Every logged round_trip must be one of these, and vice versa. */
static int check_pnl(audit *a, const char *tag)
{
    typedef struct slot_acc {
        long slot;
        int64_t qty, cost, gross, fees; /* steps; 1e-5 quote; 1e-5; 1e-8 */
    } slot_acc;
    static slot_acc s[MAXF];
    size_t ns = 0, i, j, expected = 0;
    for (i = 0; i < a->nf; i++) {
        const a_fill *x = &a->f[i];
        slot_acc *c = NULL;
        for (j = 0; j < ns; j++)
            if (s[j].slot == x->slot)
                c = &s[j];
        if (c == NULL) {
            c = &s[ns++];
            memset(c, 0, sizeof(*c));
            c->slot = x->slot;
        }
        CU_ASSERT_TRUE(x->fee != INT64_MIN);
        if (x->fee_only) {
            /* the engine books a late fee into the open trip; one that arrives after the
             * trip closed goes to the realized total, and its line says so with a pnl */
            if (c->qty > 0)
                c->fees += x->fee;
            SQT_ASSERT_INT_EQ(x->pnl, c->qty > 0 ? INT64_MIN : -x->fee);
            continue;
        }
        c->fees += x->fee;
        if (x->buy) {
            c->qty += x->qty;
            c->cost += x->px * x->qty;
            continue;
        }
        {
            int64_t part = x->qty >= c->qty ? c->cost : c->cost * x->qty / c->qty;
            c->gross += x->px * x->qty - part;
            c->cost -= part;
            c->qty -= x->qty;
        }
        if (c->qty < 0)
            fprintf(stderr, "    [%s] slot %ld sold more than it bought\n", tag, c->slot);
        CU_ASSERT_TRUE(c->qty >= 0);
        if (c->qty == 0) {
            int64_t pnl = c->gross * 1000 - c->fees;
            int found = 0;
            expected++;
            for (j = 0; j < a->nrt && !found; j++)
                if (!a->rt[j].matched && a->rt[j].slot == c->slot && a->rt[j].pnl == pnl)
                    a->rt[j].matched = found = 1;
            if (!found)
                fprintf(stderr, "    [%s] fills close a round trip at slot %ld with pnl %lld e-8; "
                        "no such round_trip line\n", tag, c->slot, (long long)pnl);
            CU_ASSERT_TRUE(found);
            c->gross = c->fees = c->cost = 0;
        }
    }
    for (j = 0; j < a->nrt; j++)
        if (!a->rt[j].matched)
            fprintf(stderr, "    [%s] round_trip line (slot %ld, pnl %lld e-8) not implied by "
                    "the fills\n", tag, a->rt[j].slot, (long long)a->rt[j].pnl);
    SQT_ASSERT_INT_EQ(a->nrt, expected);
    return (int)a->nrt;
}

/* Our view == the exchange's: fills per order (fill by fill when `strict`; with faults
 * a fill learned by REST may stand for several), fees per order, the position (ours
 * from the fills, the engine's own, the exchange's), and the set of our orders still
 * open. */
static void check_agreement(audit *a, json_t *st, const char *prefix, const run_result *r,
                            int strict, const char *tag)
{
    json_t *fills = json_object_get(st, "fills"), *oo = json_object_get(st, "open_orders"), *x;
    int64_t emu_pos = units(jstr(json_object_get(st, "position"), "size"), 3);
    int64_t ours = audit_position(a), engine = status_position(r);
    size_t i, j, n_theirs = 0, n_open = 0, fee_gaps = 0;
    int bad = 0;

    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    if (ours != emu_pos || engine != emu_pos) {
        fprintf(stderr, "    [%s] position: exchange %lld, our fills %lld, engine %lld steps\n",
                tag, (long long)emu_pos, (long long)ours, (long long)engine);
        bad = 1;
    }
    SQT_ASSERT_INT_EQ(ours, emu_pos);
    SQT_ASSERT_INT_EQ(engine, emu_pos);

    /* every exchange fill of ours is in our log */
    json_array_foreach(fills, i, x) {
        const char *cid = ex_cid(x);
        int64_t q = units(jstr(x, "qty"), 3), p = units(jstr(x, "price"), 2);
        int64_t cum = units(jstr(x, "filled_qty"), 3), fee = units(jstr(x, "fee"), 8);
        int found = 0;
        if (cid == NULL || strncmp(cid, prefix, strlen(prefix)) != 0)
            continue;
        n_theirs++;
        for (j = 0; j < a->no && !found; j++)
            found = strcmp(a->o[j].cid, cid) == 0;
        if (found && strict) {
            found = 0;
            for (j = 0; j < a->nf && !found; j++)
                if (!a->f[j].matched && !a->f[j].fee_only && strcmp(a->f[j].cid, cid) == 0 &&
                    a->f[j].qty == q && a->f[j].px == p && a->f[j].cum == cum &&
                    a->f[j].fee == fee)
                    a->f[j].matched = found = 1;
        }
        if (!found) {
            fprintf(stderr, "    [%s] exchange fill not in our log: %s %s @ %s (cum %s, fee %s)\n",
                    tag, cid, jstr(x, "qty"), jstr(x, "price"), jstr(x, "filled_qty"),
                    jstr(x, "fee"));
            bad = 1;
        }
        CU_ASSERT_TRUE(found);
    }
    if (strict)
        SQT_ASSERT_INT_EQ(a->nf, n_theirs);
    /* per order: what we think filled == what the exchange filled */
    for (i = 0; i < a->no; i++) {
        const a_order *t = &a->o[i];
        int64_t theirs = 0, their_fees = 0, our_fees = 0;
        json_array_foreach(fills, j, x) {
            const char *cid = ex_cid(x);
            if (cid && strcmp(cid, t->cid) == 0) {
                theirs += units(jstr(x, "qty"), 3);
                their_fees += units(jstr(x, "fee"), 8);
            }
        }
        for (j = 0; j < a->nf; j++)
            if (strcmp(a->f[j].cid, t->cid) == 0)
                our_fees += a->f[j].fee;
        if (our_fees != their_fees) {
            fprintf(stderr, "    [%s] %s: the exchange charged %lld e-8 in fees, our log has "
                    "%lld e-8\n", tag, t->cid, (long long)their_fees, (long long)our_fees);
            fee_gaps++;
            bad = 1;
        }
        if (theirs != t->fills) {
            fprintf(stderr, "    [%s] %s: exchange filled %lld steps, our log %lld\n", tag,
                    t->cid, (long long)theirs, (long long)t->fills);
            bad = 1;
        }
        SQT_ASSERT_INT_EQ(t->fills, theirs);
        if (t->ended) /* an ended order carries all its fills */
            SQT_ASSERT_INT_EQ(t->final_cum, t->fills);
        CU_ASSERT_TRUE(t->placed <= 1);
        CU_ASSERT_TRUE(t->ended <= 1);
    }
    /* open orders: the exchange's of ours == ours not ended */
    json_array_foreach(oo, i, x) {
        const char *cid = ex_cid(x);
        a_order *t = NULL;
        if (cid == NULL || strncmp(cid, prefix, strlen(prefix)) != 0)
            continue;
        n_open++;
        for (j = 0; j < a->no; j++)
            if (strcmp(a->o[j].cid, cid) == 0)
                t = &a->o[j];
        if (t == NULL || !audit_open(t)) {
            fprintf(stderr, "    [%s] open on the exchange: %s %s @ %s; our log: %s\n", tag, cid,
                    jstr(x, "side"), jstr(x, "price"),
                    t == NULL ? "unknown" : t->placed ? t->end : "never placed");
            bad = 1;
        }
        CU_ASSERT_TRUE(t != NULL && audit_open(t));
    }
    for (i = 0; i < a->no; i++) {
        int found = 0;
        if (!audit_open(&a->o[i]))
            continue;
        json_array_foreach(oo, j, x) {
            const char *cid = ex_cid(x);
            if (cid && strcmp(cid, a->o[i].cid) == 0)
                found = 1;
        }
        if (!found) {
            fprintf(stderr, "    [%s] open in our log, not on the exchange: %s %s @ %lld ticks\n",
                    tag, a->o[i].cid, a->o[i].buy ? "BUY" : "SELL", (long long)a->o[i].px);
            bad = 1;
        }
        CU_ASSERT_TRUE(found);
    }
    fprintf(stderr, "    [%s] %.1f s: %zu fills, %zu round trips, %zu orders, %zu open, position "
            "%lld steps, %d resyncs%s\n", tag, r->seconds, a->nf, a->nrt, a->no, n_open,
            (long long)emu_pos, r->resyncs, bad ? " -- DISAGREES" : "");
    /* fills learned by REST after missed pushes carry their fee too (the plugin's trade
     * list follow-up, the engine's cumulative-fee booking): every order's fees agree */
    SQT_ASSERT_INT_EQ(fee_gaps, 0);
    if (bad)
        scenario_failed = 1;
}

/* ------------------------------------------------------------------------------------
 * sessions: each one emulator and one or two host runs, on a lane thread; the checks
 * run afterwards on the main thread (CUnit is not thread-safe)
 * ---------------------------------------------------------------------------------- */

typedef struct fault_case {
    const char *tag;
    const char *const *before;   /* control lines before the price walk */
    const char *const *during;   /* after the first fill */
    const char *partial_fill;    /* emulator --partial-fill; NULL = whole fills */
    double seconds;
    int keep_faults;             /* 0: "clear" unfired faults after the walk */
    int allow_errors;            /* the fault is loud by design (a ban) */
    int min_fills;
    const char *evidence;        /* "E:text" in the emulator log, "H:text" in the host's:
                                    proof the fault hit; several joined by '|' */
    const char *absent;          /* a text the host's log must not hold (NULL: none) */
} fault_case;

typedef struct session session;
struct session {
    const char *name;
    void (*run)(session *);
    void (*check)(session *);
    const fault_case *fc;
    double cost;                 /* seconds, to schedule the longest first */
    int selected;
    const char *const *emu_mode; /* the emulator's price options; NULL = emu_manual */
    char events[300];
    char emu_log[300];
    int spawn_ok;
    int emu_clean;               /* exited 0 on SIGTERM (a sanitizer finding would not) */
    driver d[2];
    run_result r[2];
    json_t *st[2];
    size_t lines1;               /* event log lines after run 1 */
};

static int start_emu(session *s, emu *e)
{
    snprintf(s->events, sizeof s->events, "%s/events-%s.jsonl", dir, s->name);
    snprintf(s->emu_log, sizeof s->emu_log, "%s/emu-%s.log", dir, s->name);
    s->spawn_ok = emu_spawn(e, s->name, s->emu_mode ? s->emu_mode : emu_manual,
                            s->fc != NULL ? s->fc->partial_fill : NULL) == 0;
    return s->spawn_ok ? 0 : -1;
}

/* ---- 1. a full grid cycle --------------------------------------------------------- */

/* Down through three buy levels, up through their sells, twice more. */
static const char *const grid_cycle_script[] = {
    "start", "wait BUY 3",
    "price 2997.00", "price 2995.00", "price 2993.00", "wait SELL 3", "sleep 200",
    "price 2997.00", "price 2999.00", "price 3001.00", "wait BUY 4", "sleep 200",
    "price 2997.00", "price 2995.00", "wait SELL 2", "sleep 200",
    "price 2999.00", "price 3003.00", "wait BUY 4", "sleep 200",
    "price 3001.00", "price 2999.00", "wait SELL 2", "sleep 200",
    "price 3005.00", "sleep 200",
    NULL};

static void run_grid_cycle(session *s)
{
    emu e;
    cfg_opts co = {"gc1", 1, 2, 0, 0};
    if (start_emu(s, &e) != 0)
        return;
    s->d[0].script = grid_cycle_script;
    run_host("grid-cycle", e.port, &co, s->events, 6.0, &s->d[0], &s->r[0]);
    s->st[0] = emu_state(e.port);
    s->emu_clean = emu_stop(&e) == 0;
}

static void check_cycle(session *s, const char *prefix)
{
    audit *a;
    size_t i;
    int rts;
    CU_ASSERT_FATAL(s->spawn_ok);
    if (!s->emu_clean)
        fprintf(stderr, "    [%s] the emulator did not exit cleanly (see %s)\n", s->name,
                s->emu_log);
    CU_ASSERT_TRUE(s->emu_clean);
    check_run(s->name, &s->r[0], &s->d[0], 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s->st[0]);
    a = audit_load(s->events, 0);
    check_agreement(a, s->st[0], prefix, &s->r[0], 1, s->name);
    rts = check_pnl(a, s->name);
    CU_ASSERT_TRUE(rts >= 6); /* three, two, one */
    /* cancel on exit: nothing of ours stays open, every order ended once */
    SQT_ASSERT_INT_EQ(our_open(s->st[0], prefix, NULL, NULL), 0);
    for (i = 0; i < a->no; i++)
        if (a->o[i].placed)
            SQT_ASSERT_INT_EQ(a->o[i].ended, 1);
}

static void check_grid_cycle(session *s)
{
    check_cycle(s, "gc1-");
}

/* ---- 1b. the same cycle on an account in hedge (dual) position mode ------------------ */

/* Bitget: the account is switched to hedge_mode before the host starts; with
 * trading.allow_hedge_mode the plugin opens the long with buy/open and closes it with
 * buy/close, and the books must agree exactly as in one-way mode. */
static void run_hedge_cycle(session *s)
{
    emu e;
    char why[400];
    cfg_opts co = {"hg1", 1, 2, 0, 1};
    if (start_emu(s, &e) != 0)
        return;
    if (emu_line(e.port, "position_mode {\"mode\":\"hedge\"}", why, sizeof why) != 0) {
        fprintf(stderr, "    [%s] %s\n", s->name, why);
        s->spawn_ok = 0;
        emu_stop(&e);
        return;
    }
    s->d[0].script = grid_cycle_script;
    run_host("hedge-cycle", e.port, &co, s->events, 6.0, &s->d[0], &s->r[0]);
    s->st[0] = emu_state(e.port);
    s->emu_clean = emu_stop(&e) == 0;
}

static void check_hedge_cycle(session *s)
{
    const char *mode;
    check_cycle(s, "hg1-");
    mode = jstr(s->st[0], "position_mode");
    CU_ASSERT_PTR_NOT_NULL_FATAL(mode);
    SQT_ASSERT_STR_EQ(mode, "hedge_mode"); /* traded in hedge mode to the end */
}

/* ---- 2. restart mid-run ----------------------------------------------------------- */

/* Run 1 buys two levels and leaves buys below and sells above open (cancel_on_exit
 * false); run 2, same instance, imports them, trades them, and cancels on exit. */
static const char *const restart_run1[] = {
    "start", "wait BUY 3", "price 2995.00", "wait SELL 2", "sleep 300", NULL};
static const char *const restart_run2[] = {
    "start", "watch 400",
    "price 2991.00", "wait SELL 3", "watch 200",
    "price 2999.00", "price 3001.00", "wait BUY 3", "watch 200",
    "price 2995.00", "wait SELL 2", "watch 300", NULL};

static void run_restart(session *s)
{
    emu e;
    cfg_opts co = {"rs1", 0, 2, 0, 0};
    int i;
    if (start_emu(s, &e) != 0)
        return;
    s->d[0].script = restart_run1;
    run_host("restart-1", e.port, &co, s->events, 3.0, &s->d[0], &s->r[0]);
    s->st[0] = emu_state(e.port);
    s->lines1 = count_lines(s->events);
    /* the old connections are gone before run 2 connects */
    for (i = 0; i < 60; i++) {
        json_t *st = emu_state(e.port), *c = json_object_get(st, "connections");
        int idle = json_integer_value(json_object_get(c, "market")) == 0 &&
                   json_integer_value(json_object_get(c, "user")) == 0;
        json_decref(st);
        if (idle)
            break;
        sleep_ms(50);
    }
    co.cancel_on_exit = 1;
    s->d[1].script = restart_run2;
    s->d[1].price = "2995.00";
    run_host("restart-2", e.port, &co, s->events, 4.0, &s->d[1], &s->r[1]);
    s->st[1] = emu_state(e.port);
    s->emu_clean = emu_stop(&e) == 0;
}

static void check_restart(session *s)
{
    audit *a;
    size_t i, j, open1, imported_fills = 0;
    CU_ASSERT_FATAL(s->spawn_ok);
    if (!s->emu_clean)
        fprintf(stderr, "    [%s] the emulator did not exit cleanly (see %s)\n", s->name,
                s->emu_log);
    CU_ASSERT_TRUE(s->emu_clean);
    check_run("restart run 1", &s->r[0], &s->d[0], 0);
    check_run("restart run 2", &s->r[1], &s->d[1], 0);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s->st[0]);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s->st[1]);
    a = audit_load(s->events, s->lines1);
    check_agreement(a, s->st[0], "rs1-", &s->r[0], 1, "restart run 1");
    open1 = our_open(s->st[0], "rs1-", NULL, NULL);
    CU_ASSERT_TRUE(open1 >= 5); /* buys below, sells above: left open */
    CU_ASSERT_TRUE(units(jstr(json_object_get(s->st[0], "position"), "size"), 3) > 0);
    /* run 2 imported exactly those */
    SQT_ASSERT_INT_EQ(s->r[1].imported, open1);

    a = audit_load(s->events, 0);
    check_agreement(a, s->st[1], "rs1-", &s->r[1], 1, "restart run 2");
    /* never two of ours at one level, at any sample of run 2 */
    fprintf(stderr, "    [restart] %d samples in run 2, at most %d orders per (side, price)\n",
            s->d[1].samples, s->d[1].max_dup);
    CU_ASSERT_TRUE(s->d[1].samples >= 10);
    SQT_ASSERT_INT_EQ(s->d[1].max_dup, 1);
    /* the imported orders went on trading: run 2 logged fills of orders run 1 placed */
    for (i = 0; i < a->no; i++) {
        const a_order *t = &a->o[i];
        if (t->first_line > s->lines1)
            continue;
        for (j = 0; j < a->nf; j++)
            if (a->f[j].line > s->lines1 && strcmp(a->f[j].cid, t->cid) == 0)
                imported_fills++;
    }
    fprintf(stderr, "    [restart] run 1 left %zu open; run 2 filled %zu of them\n", open1,
            imported_fills);
    CU_ASSERT_TRUE(imported_fills >= 2);
    /* and the rest were cancelled on exit like any other */
    SQT_ASSERT_INT_EQ(our_open(s->st[1], "rs1-", NULL, NULL), 0);
    for (i = 0; i < a->no; i++)
        if (a->o[i].placed)
            SQT_ASSERT_INT_EQ(a->o[i].ended, 1);
}

/* ---- 3. faults -------------------------------------------------------------------- */

#define FAULT_SCRIPT_MAX 48

/* Start, the fault, a walk down through three levels (the second part of the fault
 * after the first fill) and back up through their sells, then quiet: the host's
 * reconcile (every second) settles whatever the fault hid before the run ends. */
static void run_fault(session *s)
{
    const fault_case *fc = s->fc;
    const char *script[FAULT_SCRIPT_MAX];
    static const char *const walk1[] = {"price 2997.00", "sleep 150", NULL};
    static const char *const walk2[] = {
        "price 2995.00", "sleep 150", "price 2993.00", "sleep 400",
        "price 2997.00", "sleep 150", "price 2999.00", "sleep 150",
        "price 3001.00", "sleep 300", "price 2997.00", "sleep 150", "price 3001.00", NULL};
    size_t n = 0, i;
    emu e;
    cfg_opts co = {"ft", 0, 1, 0, 0};

    script[n++] = "start";
    script[n++] = "wait BUY 3";
    for (i = 0; fc->before && fc->before[i]; i++)
        script[n++] = fc->before[i];
    for (i = 0; walk1[i]; i++)
        script[n++] = walk1[i];
    for (i = 0; fc->during && fc->during[i]; i++)
        script[n++] = fc->during[i];
    for (i = 0; walk2[i]; i++)
        script[n++] = walk2[i];
    if (!fc->keep_faults)
        script[n++] = "clear";
    script[n++] = "streams";
    script[n] = NULL;
    if (start_emu(s, &e) != 0)
        return;
    s->d[0].script = script;
    run_host(fc->tag, e.port, &co, s->events, fc->seconds, &s->d[0], &s->r[0]);
    s->st[0] = emu_state(e.port);
    s->emu_clean = emu_stop(&e) == 0;
    s->d[0].script = NULL; /* it pointed at this frame */
}

static void check_fault(session *s)
{
    const fault_case *fc = s->fc;
    char host_log[300], needle[200];
    const char *ev = fc->evidence;
    audit *a;
    CU_ASSERT_FATAL(s->spawn_ok);
    if (!s->emu_clean)
        fprintf(stderr, "    [%s] the emulator did not exit cleanly (see %s)\n", s->name,
                s->emu_log);
    CU_ASSERT_TRUE(s->emu_clean);
    check_run(fc->tag, &s->r[0], &s->d[0], fc->allow_errors);
    CU_ASSERT_PTR_NOT_NULL_FATAL(s->st[0]);
    /* the fault really hit */
    snprintf(host_log, sizeof host_log, "%s/host-%s.log", dir, fc->tag);
    while (ev != NULL && *ev != '\0') {
        size_t len = strcspn(ev, "|");
        int found;
        snprintf(needle, sizeof needle, "%.*s", (int)(len - 2), ev + 2);
        found = file_has(ev[0] == 'E' ? s->emu_log : host_log, needle);
        if (!found)
            fprintf(stderr, "    [%s] no trace of the fault: \"%s\" not in the %s log\n", fc->tag,
                    needle, ev[0] == 'E' ? "emulator" : "host");
        CU_ASSERT_TRUE(found);
        ev += len + (ev[len] == '|');
    }
    if (fc->absent != NULL && file_has(host_log, fc->absent)) {
        fprintf(stderr, "    [%s] the host log holds \"%s\"\n", fc->tag, fc->absent);
        CU_FAIL("a text the host log must not hold");
    }
    a = audit_load(s->events, 0);
    if (a->nf < (size_t)fc->min_fills)
        fprintf(stderr, "    [%s] only %zu fills\n", fc->tag, a->nf);
    CU_ASSERT_TRUE(a->nf >= (size_t)fc->min_fills); /* it traded through the fault */
    check_agreement(a, s->st[0], "ft-", &s->r[0], 0, fc->tag);
    check_pnl(a, fc->tag);
}

/* The emulator holds one fault of each kind: the batch one is set before the walk
 * (the first fill places a sell and a buy in one batch), the single-order one after
 * (/fapi/v1/order: whichever of place, query or cancel comes next). */
static const char *const f429_before[] = {"http429 {\"count\":3,\"retry_after_ms\":700}", NULL};
static const char *const f429_during[] = {
    "http429 {\"count\":1,\"retry_after_ms\":500,\"path\":\"" EX_ORDER_PATH "\"}", NULL};
static const char *const fban_during[] = {"ban {\"ms\":1500}", NULL};
static const char *const f503p_before[] = {
    "unknown_error {\"count\":1,\"placed\":true,\"path\":\"" EX_BATCH_PATH "\"}", NULL};
static const char *const f503p_during[] = {
    "unknown_error {\"count\":1,\"placed\":true,\"path\":\"" EX_ORDER_PATH "\"}", NULL};
static const char *const f503n_before[] = {
    "unknown_error {\"count\":1,\"placed\":false,\"path\":\"" EX_BATCH_PATH "\"}", NULL};
static const char *const f503n_during[] = {
    "unknown_error {\"count\":1,\"placed\":false,\"path\":\"" EX_ORDER_PATH "\"}", NULL};
static const char *const ftimeout_before[] = {
    "timeout {\"count\":1,\"placed\":true,\"path\":\"" EX_BATCH_PATH "\"}", NULL};
static const char *const ftimeout_during[] = {
    "timeout {\"count\":1,\"placed\":false,\"path\":\"" EX_ORDER_PATH "\"}", NULL};
static const char *const fdrop_push[] = {"drop_pushes {\"count\":4}", NULL};
/* orders fill in two halves; pushes lost among them leave a later push covering a fill
 * whose fee it does not carry: the engine asks, the trade list tells */
static const char *const fdrop_partial[] = {"drop_pushes {\"count\":12}", NULL};
static const char *const fdup_reorder[] = {"dup_pushes {\"count\":6}",
                                           "reorder_pushes {\"count\":6}", NULL};
static const char *const fexpire_during[] = {"expire_listen_key", NULL};
#ifndef SQT_E2E_NO_LISTEN_KEY
/* The key dies while the user stream is down: no listenKeyExpired can arrive, and the
 * exchange answers 403 to every reconnect with the old key. */
static const char *const fdeadkey_before[] = {"dead_listen_key {\"mode\":\"refuse\"}", NULL};
static const char *const fdeadkey_during[] = {"drop_ws {\"which\":\"user\"}",
                                              "expire_listen_key", NULL};
#endif
static const char *const fws_all[] = {"drop_ws {\"which\":\"all\"}", NULL};
static const char *const fws_market[] = {"drop_ws {\"which\":\"market\"}", NULL};
static const char *const fws_user[] = {"drop_ws {\"which\":\"user\"}", NULL};
static const char *const fpost_only[] = {"reject_post_only {\"count\":4}", NULL};
static const char *const fmargin[] = {"reject_margin {\"count\":2}", NULL};

static const fault_case fault_cases[] = {
    {.tag = "429", .before = f429_before, .during = f429_during, .seconds = 4.0, .min_fills = 3,
     .evidence = "E:-> 429" EX_EV_ORDER_429 "|H:rate limited"},
    {.tag = "418-ban", .during = fban_during, .seconds = 4.5, .allow_errors = 1, .min_fills = 3,
     .evidence = EX_BAN_EVIDENCE},
    {.tag = "503-placed", .before = f503p_before, .during = f503p_during, .seconds = 3.5,
     .min_fills = 3, .evidence = "E:" EX_BATCH_PATH " -> 503\n" EX_EV_ORDER_503
                                 "|H:outcome unknown"},
    {.tag = "503-not-placed", .before = f503n_before, .during = f503n_during, .seconds = 3.5,
     .min_fills = 3, .evidence = "E:" EX_BATCH_PATH " -> 503 (not carried out)"
                                 EX_EV_ORDER_503N},
    {.tag = "timeout", .before = ftimeout_before, .during = ftimeout_during, .seconds = 13.5,
     .min_fills = 3, .evidence = "E:" EX_BATCH_PATH " -> (never answered)"
                                 EX_EV_ORDER_TIMEOUT "|H:outcome unknown"},
    {.tag = "dropped-pushes", .during = fdrop_push, .seconds = 3.5, .min_fills = 3,
     .evidence = "E:push dropped"},
    {.tag = "dropped-partial-pushes", .partial_fill = "0.005", .during = fdrop_partial,
     .seconds = 4.0, .min_fills = 3,
     .evidence = EX_PARTIAL_EVIDENCE},
    {.tag = "dup-reorder-pushes", .during = fdup_reorder, .seconds = 3.5, .min_fills = 3,
     .evidence = "E:push sent twice|E:push held back"},
    {.tag = "listenkey-expiry", .during = fexpire_during, .seconds = 3.5, .min_fills = 3,
     .evidence = EX_EXPIRY_EVIDENCE},
#ifndef SQT_E2E_NO_LISTEN_KEY /* a dead listenKey: Binance only */
    {.tag = "listenkey-refused", .before = fdeadkey_before, .during = fdeadkey_during,
     .seconds = 7.0, .keep_faults = 1, .min_fills = 3,
     .evidence = "E:listenKey expired|H:failed connection attempts in a row|H:(-1125)"},
#endif
    {.tag = "ws-drop-all", .during = fws_all, .seconds = 4.0, .min_fills = 3,
     .evidence = "H:price stream down|H:order stream down"},
    {.tag = "ws-drop-market", .during = fws_market, .seconds = 3.5, .min_fills = 3,
     .evidence = "H:price stream down"},
    {.tag = "ws-drop-user", .during = fws_user, .seconds = 3.5, .min_fills = 3,
     .evidence = "H:order stream down"},
    {.tag = "post-only-rejected", .before = fpost_only, .seconds = 3.5, .min_fills = 3,
     .evidence = "E:post-only rejection forced|H:rejected BUY",
     /* the console line says the class once (it was "...liquidity (post-only order
      * would take liquidity -5022: ...)") */
     .absent = "(post-only order would take liquidity"},
    /* the margin lock cancels the buys: few fills by design */
    {.tag = "insufficient-margin", .during = fmargin, .seconds = 4.0, .min_fills = 1,
     .evidence = "E:insufficient margin forced"},
    {.tag = NULL}};

/* ---- 4. random soak (opt-in: SQT_E2E_ONLY=random-soak or SQT_E2E_SOAK_SECONDS) ------ */

/* The emulator's own random walk (3000.00, a step every 100 ms) with partial fills, the
 * host trading for the soak's length, and a random fault every 10 to 40 s drawn from
 * one seed (printed; SQT_E2E_SOAK_SEED repeats a run: the faults, their order and
 * their times, and the price path). The last 25 s are quiet: the faults are cleared
 * and the host's reconcile settles what they hid, then the same audit as after a
 * scripted fault. */

#define SOAK_QUIET_MS 25000
#define SOAK_LINES 2048
#define SOAK_EVERY_MS 2000 /* the driver samples our open orders this often */

enum { SK_PUSHES, SK_PUSH_COMBO, SK_WS, SK_STALL, SK_429, SK_BAN, SK_503, SK_TIMEOUT,
       SK_POST_ONLY, SK_MARGIN, SK_EXPIRE, SK_DEADKEY, SK_DELAY, SK_AFTER_ORDERS, SK_SKEW,
       SK_KINDS };

static const char *const soak_kind_names[SK_KINDS] = {
    "pushes", "push-combo", "ws", "stall", "429", "ban", "503", "timeout", "post-only",
    "margin", "expire-key", "dead-key", "delay", "after-orders", "clock-skew"};

typedef struct soak_plan {
    uint64_t seed, rng;
    double seconds;
    char mode_seed[24];
    const char *mode[16];            /* the emulator's options */
    char text[SOAK_LINES][192];      /* the driver script */
    const char *script[SOAK_LINES + 1];
    size_t n;
    int faults;
    int kinds[SK_KINDS];
} soak_plan;

static soak_plan g_soak;

static uint64_t soak_rand(soak_plan *p) /* splitmix64: the same draws on every platform */
{
    uint64_t z = (p->rng += 0x9e3779b97f4a7c15u);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
    return z ^ (z >> 31);
}

static int soak_int(soak_plan *p, int lo, int hi) /* lo..hi inclusive */
{
    return lo + (int)(soak_rand(p) % (uint64_t)(hi - lo + 1));
}

static const char *soak_pick(soak_plan *p, const char *const *from, int n)
{
    return from[soak_int(p, 0, n - 1)];
}

static int soak_pick_int(soak_plan *p, const int *from, int n)
{
    return from[soak_int(p, 0, n - 1)];
}

__attribute__((format(printf, 2, 3))) static void soak_add(soak_plan *p, const char *fmt, ...)
{
    va_list ap;
    if (p->n == SOAK_LINES)
        return; /* soak_plan stops adding faults well before */
    va_start(ap, fmt);
    vsnprintf(p->text[p->n], sizeof p->text[0], fmt, ap);
    va_end(ap);
    p->script[p->n] = p->text[p->n];
    p->n++;
}

/* One fault: its control lines, the end of a lasting one scheduled with "at N ms". */
static void soak_fault(soak_plan *p)
{
    static const char *const which[] = {"all", "user", "market"};
    static const char *const paths[] = {"", EX_ORDER_PATH, EX_BATCH_PATH, EX_OPEN_PATH};
    static const char *const tf[] = {"true", "false"};
    static const int retry_ms[] = {300, 1000, 3000}, ban_ms[] = {1500, 3000, 5000};
    static const int delay_ms[] = {300, 1500, 4000}, skew_ms[] = {-3000, 1500, 4000};
    static const char *const pushes[] = {"drop_pushes", "dup_pushes", "reorder_pushes"};
    static const char *const after[] = {
        "unknown_error {\"count\":1,\"placed\":true,\"path\":\"" EX_BATCH_PATH "\"}",
        "unknown_error {\"count\":1,\"placed\":true,\"path\":\"" EX_ORDER_PATH "\"}",
        "timeout {\"count\":1,\"placed\":true,\"path\":\"" EX_BATCH_PATH "\"}",
        "drop_ws {\"which\":\"user\"}", "http429 {\"count\":2}"};
    int k = soak_int(p, 0, SK_KINDS - 1), i;
    const char *w;
    p->faults++;
    p->kinds[k]++;
    switch (k) {
    case SK_PUSHES:
        soak_add(p, "%s {\"count\":%d}", soak_pick(p, pushes, 3), soak_int(p, 1, 8));
        break;
    case SK_PUSH_COMBO:
        for (i = 0; i < 3; i++)
            soak_add(p, "%s {\"count\":%d}", pushes[i], soak_int(p, 1, 4));
        break;
    case SK_WS:
        soak_add(p, "%s {\"which\":\"%s\"}", soak_int(p, 0, 1) ? "drop_ws" : "close_ws",
                 soak_pick(p, which, 3));
        break;
    case SK_STALL:
        w = soak_pick(p, which, 3);
        soak_add(p, "stall_ws {\"which\":\"%s\",\"on\":true}", w);
        soak_add(p, "at %d ms stall_ws {\"which\":\"%s\",\"on\":false}", soak_int(p, 1000, 8000),
                 w);
        break;
    case SK_429:
        soak_add(p, "http429 {\"count\":%d,\"retry_after_ms\":%d,\"path\":\"%s\"}",
                 soak_int(p, 1, 3), soak_pick_int(p, retry_ms, 3), soak_pick(p, paths, 4));
        break;
    case SK_BAN:
        soak_add(p, "ban {\"ms\":%d}", soak_pick_int(p, ban_ms, 3));
        break;
    case SK_503:
        soak_add(p, "unknown_error {\"count\":%d,\"placed\":%s,\"path\":\"%s\"}", soak_int(p, 1, 2),
                 soak_pick(p, tf, 2), soak_pick(p, paths, 4));
        break;
    case SK_TIMEOUT:
        soak_add(p, "timeout {\"count\":1,\"placed\":%s,\"path\":\"%s\"}", soak_pick(p, tf, 2),
                 soak_pick(p, paths, 4));
        break;
    case SK_POST_ONLY:
        soak_add(p, "reject_post_only {\"count\":%d}", soak_int(p, 1, 4));
        break;
    case SK_MARGIN:
        soak_add(p, "reject_margin {\"count\":%d}", soak_int(p, 1, 3));
        break;
    case SK_EXPIRE:
        soak_add(p, "expire_listen_key");
        break;
    case SK_DEADKEY: /* the key dies while the user stream is down (see listenkey-refused) */
        if (!EX_LISTEN_KEY) { /* no listenKey: the private socket's cut instead */
            soak_add(p, "expire_listen_key");
            break;
        }
        soak_add(p, "dead_listen_key {\"mode\":\"%s\"}", soak_int(p, 0, 1) ? "refuse" : "silent");
        soak_add(p, "drop_ws {\"which\":\"user\"}");
        soak_add(p, "expire_listen_key");
        break;
    case SK_DELAY:
        soak_add(p, "delay {\"ms\":%d,\"path\":\"%s\"}", soak_pick_int(p, delay_ms, 3),
                 soak_pick(p, paths, 4));
        soak_add(p, "at %d ms delay {\"ms\":0}", soak_int(p, 3000, 15000));
        break;
    case SK_AFTER_ORDERS:
        soak_add(p, "after %d orders %s", soak_int(p, 1, 5), soak_pick(p, after, 5));
        break;
    default: /* SK_SKEW */
        soak_add(p, "clock_skew {\"ms\":%d}", soak_pick_int(p, skew_ms, 3));
        soak_add(p, "at %d ms clock_skew {\"ms\":0}", soak_int(p, 5000, 20000));
        break;
    }
}

/* "watch" (duplicate samples) up to `to_ms` after the script started. */
static void soak_until(soak_plan *p, int *now_ms, int to_ms)
{
    if (to_ms > *now_ms)
        soak_add(p, "watch %d %d", to_ms - *now_ms, SOAK_EVERY_MS);
    *now_ms = to_ms;
}

/* The whole run, up front: the faults until the quiet tail, then every fault and
 * every lasting state ended (clear leaves the clock skew, a stall and the dead-key
 * mode, and drops the scheduled ends), and the streams must be back 15 s later. */
static void soak_plan_make(soak_plan *p, uint64_t seed, double seconds)
{
    int total = (int)(seconds * 1000), quiet = total - SOAK_QUIET_MS, now = 0, at;
    memset(p, 0, sizeof(*p));
    p->seed = p->rng = seed;
    p->seconds = seconds;
    snprintf(p->mode_seed, sizeof p->mode_seed, "%llu", (unsigned long long)seed);
    {
        const char *mode[] = {"--price-mode", "auto", "--start-price", START_PRICE,
                              "--tick-ms", "100", "--sigma", "0.0003", "--seed",
                              p->mode_seed, "--partial-fill", "0.004", NULL};
        memcpy(p->mode, mode, sizeof mode);
    }
    for (at = soak_int(p, 10000, 40000); at < quiet && p->n + 8 < SOAK_LINES;
         at += soak_int(p, 10000, 40000)) {
        soak_until(p, &now, at);
        soak_fault(p);
    }
    soak_until(p, &now, quiet);
    soak_add(p, "clear");
    soak_add(p, "clock_skew {\"ms\":0}");
    soak_add(p, "stall_ws {\"which\":\"all\",\"on\":false}");
    if (EX_LISTEN_KEY)
        soak_add(p, "dead_listen_key {\"mode\":\"silent\"}");
    soak_until(p, &now, quiet + 15000);
    soak_add(p, "streams");
    soak_until(p, &now, total - 2000);
    p->script[p->n] = NULL;
}

static long env_long(const char *name)
{
    const char *v = getenv(name);
    return v != NULL ? strtol(v, NULL, 10) : 0;
}

/* Wanted: SQT_E2E_SOAK_SECONDS > 0, or SQT_E2E_ONLY names it ("soak", "random-soak").
 * Its length: SQT_E2E_SOAK_SECONDS, else SQT_SOAK_SECONDS (make soak), else 120 s;
 * 60 s at least (the quiet tail is 25). */
static int soak_wanted(double *seconds, uint64_t *seed)
{
    const char *only = getenv("SQT_E2E_ONLY"), *sv = getenv("SQT_E2E_SOAK_SEED");
    long secs = env_long("SQT_E2E_SOAK_SECONDS");
    int wanted = secs > 0 || (only != NULL && strstr(only, "soak") != NULL &&
                              strstr("random-soak", only) != NULL);
    if (secs <= 0)
        secs = env_long("SQT_SOAK_SECONDS");
    if (secs <= 0)
        secs = 120;
    *seconds = secs < 60 ? 60 : secs > 3600 ? 3600 : (double)secs;
    *seed = sv != NULL ? strtoull(sv, NULL, 10)
                       : ((uint64_t)time(NULL) ^ ((uint64_t)getpid() << 16)) % 1000000000u;
    return wanted;
}

static void run_soak(session *s)
{
    const soak_plan *p = &g_soak;
    cfg_opts co = {"rsk", 1, 10, 8, 0}; /* the exploratory soak's windows and reconcile */
    emu e;
    int i;
    fprintf(stderr, "    [%s] seed %llu (SQT_E2E_SOAK_SEED), %.0f s, %d faults:", s->name,
            (unsigned long long)p->seed, p->seconds, p->faults);
    for (i = 0; i < SK_KINDS; i++)
        if (p->kinds[i])
            fprintf(stderr, " %s %d", soak_kind_names[i], p->kinds[i]);
    fprintf(stderr, "\n");
    s->emu_mode = p->mode;
    if (start_emu(s, &e) != 0)
        return;
    s->d[0].script = p->script;
    run_host(s->name, e.port, &co, s->events, p->seconds, &s->d[0], &s->r[0]);
    s->st[0] = emu_state(e.port);
    s->emu_clean = emu_stop(&e) == 0;
}

static void check_soak(session *s)
{
    const soak_plan *p = &g_soak;
    audit *a;
    size_t i;
    CU_ASSERT_FATAL(s->spawn_ok);
    if (!s->emu_clean)
        fprintf(stderr, "    [%s] the emulator did not exit cleanly (see %s)\n", s->name,
                s->emu_log);
    CU_ASSERT_TRUE(s->emu_clean);
    check_run(s->name, &s->r[0], &s->d[0], 1); /* a ban or an unknown outcome is loud */
    CU_ASSERT_PTR_NOT_NULL_FATAL(s->st[0]);
    a = audit_load(s->events, 0);
    fprintf(stderr, "    [%s] seed %llu: %d faults, %d ERROR lines, %d samples with at most "
            "%d orders per (side, price)\n", s->name, (unsigned long long)p->seed, p->faults,
            s->r[0].errors, s->d[0].samples, s->d[0].max_dup);
    CU_ASSERT_TRUE(a->nf > 0); /* it traded */
    check_agreement(a, s->st[0], "rsk-", &s->r[0], 0, s->name);
    check_pnl(a, s->name);
    /* cancel on exit: nothing of ours stays open, every order ended once */
    SQT_ASSERT_INT_EQ(our_open(s->st[0], "rsk-", NULL, NULL), 0);
    for (i = 0; i < a->no; i++)
        if (a->o[i].placed)
            SQT_ASSERT_INT_EQ(a->o[i].ended, 1);
}

/* ---- scheduling ------------------------------------------------------------------- */

#define MAX_SESSIONS 24
static session sessions[MAX_SESSIONS];
static size_t n_sessions;
static atomic_size_t next_session;
static size_t order[MAX_SESSIONS];

static session *add_session(const char *name, void (*run)(session *),
                            void (*check)(session *), const fault_case *fc, double cost)
{
    const char *only = getenv("SQT_E2E_ONLY");
    session *s = &sessions[n_sessions++];
    memset(s, 0, sizeof(*s));
    s->name = name;
    s->run = run;
    s->check = check;
    s->fc = fc;
    s->cost = cost;
    s->selected = only == NULL || only[0] == '\0' || strstr(name, only) != NULL;
    return s;
}

static void *lane_main(void *ud)
{
    size_t i;
    (void)ud;
    while ((i = atomic_fetch_add(&next_session, 1)) < n_sessions)
        if (sessions[order[i]].selected)
            sessions[order[i]].run(&sessions[order[i]]);
    return NULL;
}

/* Every session, longest first, on SQT_E2E_LANES threads (default 2). */
static double run_sessions(void)
{
    const char *env = getenv("SQT_E2E_LANES");
    int lanes = env ? atoi(env) : 2, k;
    pthread_t th[8];
    size_t i, j;
    uint64_t t0 = mono_ms();
    if (lanes < 1 || lanes > 8)
        lanes = 2;
    for (i = 0; i < n_sessions; i++)
        order[i] = i;
    for (i = 1; i < n_sessions; i++)
        for (j = i; j > 0 && sessions[order[j]].cost > sessions[order[j - 1]].cost; j--) {
            size_t t = order[j];
            order[j] = order[j - 1];
            order[j - 1] = t;
        }
    atomic_store(&next_session, 0);
    for (k = 0; k < lanes; k++)
        if (pthread_create(&th[k], NULL, lane_main, NULL) != 0)
            lane_main(NULL);
    for (k = 0; k < lanes; k++)
        pthread_join(th[k], NULL);
    return (double)(mono_ms() - t0) / 1000.0;
}

static session *find_session(const char *name)
{
    size_t i;
    for (i = 0; i < n_sessions; i++)
        if (strcmp(sessions[i].name, name) == 0)
            return &sessions[i];
    return NULL;
}

static void check_named(const char *name)
{
    session *s = find_session(name);
    if (s != NULL && s->selected)
        s->check(s);
}

static void test_grid_cycle(void)
{
    check_named("grid-cycle");
}

static void test_hedge_cycle(void)
{
    check_named("hedge-cycle");
}

static void test_restart(void)
{
    check_named("restart");
}

static void test_faults(void)
{
    const fault_case *fc;
    for (fc = fault_cases; fc->tag != NULL; fc++)
        check_named(fc->tag);
}

static void test_soak(void)
{
    check_named("random-soak");
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"full grid cycle on manual prices", test_grid_cycle},
        {"the grid cycle in hedge position mode (Bitget)", test_hedge_cycle},
        {"restart: open orders imported, never doubled", test_restart},
        {"faults: the engine agrees with the exchange afterwards", test_faults},
        {"random soak: random walk, random faults, then the same audit", test_soak},
        {NULL, NULL}};
    const fault_case *fc;
    char tmpl[] = "/tmp/sqt-e2e-" SQT_E2E_EXCHANGE "-XXXXXX";
    double secs, soak_secs;
    uint64_t soak_seed;
    size_t i;
    int rc, soak;

    if (mkdtemp(tmpl) == NULL)
        return EXIT_FAILURE;
    snprintf(dir, sizeof dir, "%s", tmpl);
    signal(SIGPIPE, SIG_IGN);
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return EXIT_FAILURE;
    add_session("grid-cycle", run_grid_cycle, check_grid_cycle, NULL, 6.0);
    add_session("restart", run_restart, check_restart, NULL, 7.5);
    if (EX_BITGET)
        add_session("hedge-cycle", run_hedge_cycle, check_hedge_cycle, NULL, 6.0);
    for (fc = fault_cases; fc->tag != NULL; fc++)
        add_session(fc->tag, run_fault, check_fault, fc, fc->seconds);
    soak = soak_wanted(&soak_secs, &soak_seed);
    if (soak)
        soak_plan_make(&g_soak, soak_seed, soak_secs);
    add_session("random-soak", run_soak, check_soak, NULL, soak_secs)->selected = soak;
    secs = run_sessions();
    fprintf(stderr, "e2e_%s: %zu sessions in %.1f s\n", SQT_E2E_EXCHANGE, n_sessions, secs);

    SQT_TEST_INIT();
    sqt_test_suite("e2e_" SQT_E2E_EXCHANGE, cases);
    rc = sqt_test_run();
    for (i = 0; i < n_sessions; i++) {
        json_decref(sessions[i].st[0]);
        json_decref(sessions[i].st[1]);
    }
    if (rc == EXIT_SUCCESS && !scenario_failed && getenv("SQT_E2E_KEEP") == NULL) {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            rc = EXIT_FAILURE;
    } else {
        fprintf(stderr, "e2e_%s: logs kept in %s\n", SQT_E2E_EXCHANGE, dir);
    }
    curl_global_cleanup();
    return rc;
}
