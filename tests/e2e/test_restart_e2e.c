/* End to end: what the bot knows survives it. The real `opensqt` binary runs as a
 * process against the Binance emulator (also a process), so it can be stopped, killed
 * with -9 at any instant and started again; afterwards its journal, its event log and
 * `opensqt report` are compared with the emulator's ground truth.
 *
 *   clean-restart   a clean stop cancels every order; the price falls; the restart puts
 *                   the sells back at their original levels, never below cost
 *   fill-while-down orders the journal knew filled while the bot was killed: booked at
 *                   start-up with their real price and fee, round trip included
 *   startup-fill    a buy fills while the restarted bot reads the exchange: booked once,
 *                   its sell placed, positions agree
 *   second-instance a second process on the same book exits 3 naming the first's PID and
 *                   touches nothing
 *   kill-campaign   (SQT_KILL_ONLY=1, or SQT_KILL_POINTS) kill -9 at seeded random
 *                   instants of a busy run - orders in flight, fills arriving, start-up,
 *                   cancel-on-exit - restart, and at the end: never two of our orders on
 *                   one level, every fill of ours at the exchange booked once, fees equal,
 *                   the realized PnL equal to an independent replay of the exchange's fill
 *                   ledger, the position equal, nothing left open.
 *
 * Files of a failed run stay in the temp dir (printed); SQT_E2E_KEEP keeps them always. */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clientid.h"
#include "e2e_proc.h"
#include "sqt_test.h"

#ifndef SQT_EMU_BIN
#error "SQT_EMU_BIN must name the opensqt-emulator binary"
#endif

#define TAG "rs"

typedef struct book {
    char dir[256];
    char cfg[320], events[320], state[320], log[320], emu_log[320];
    e2e_emu emu;
    int failed;
} book;

static const char *host_bin(void)
{
    const char *b = getenv("SQT_BIN");
    return b != NULL ? b : "opensqt";
}

static int book_open(book *b, const char *name, const char *const *emu_args)
{
    memset(b, 0, sizeof *b);
    snprintf(b->dir, sizeof b->dir, "/tmp/sqt-e2e-rs-%s-XXXXXX", name);
    if (mkdtemp(b->dir) == NULL)
        return -1;
    snprintf(b->cfg, sizeof b->cfg, "%s/config.yaml", b->dir);
    snprintf(b->events, sizeof b->events, "%s/events.jsonl", b->dir);
    snprintf(b->state, sizeof b->state, "%s/state", b->dir);
    snprintf(b->log, sizeof b->log, "%s/host.log", b->dir);
    snprintf(b->emu_log, sizeof b->emu_log, "%s/emu.log", b->dir);
    return e2e_emu_start(&b->emu, SQT_EMU_BIN, emu_args, b->emu_log);
}

static void book_close(book *b)
{
    char cmd[300];
    if (b->emu.pid > 0)
        e2e_emu_stop(&b->emu);
    if (b->failed || getenv("SQT_E2E_KEEP") != NULL) {
        fprintf(stderr, "    files kept in %s\n", b->dir);
        return;
    }
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", b->dir);
    if (system(cmd) != 0)
        fprintf(stderr, "    could not remove %s\n", b->dir);
}

/* cond is evaluated once (it may be a call with effects) */
#define CHECK(b, cond, ...)                                                                \
    do {                                                                                   \
        int ok_ = (cond) ? 1 : 0;                                                          \
        if (!ok_) {                                                                        \
            fprintf(stderr, "    %s:%d: ", __FILE__, __LINE__);                            \
            fprintf(stderr, __VA_ARGS__);                                                  \
            fprintf(stderr, "\n");                                                         \
            (b)->failed = 1;                                                               \
        }                                                                                  \
        CU_ASSERT_TRUE(ok_);                                                               \
    } while (0)

static void write_config(const book *b, int cancel_on_exit, int window, int reconcile)
{
    FILE *f = fopen(b->cfg, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fprintf(f,
            "app:\n  current_exchange: binance\n  instance: " TAG "\n"
            "exchanges:\n  binance:\n"
            "    api_key: emulator-key\n    secret_key: emulator-secret\n    fee_rate: 0.0002\n"
            "    rest_url: http://127.0.0.1:%d\n"
            "    ws_market_url: ws://127.0.0.1:%d/market\n"
            "    ws_private_url: ws://127.0.0.1:%d/private\n"
            "trading:\n  symbol: ETHUSDT\n  price_interval: 2\n  order_quantity: 30\n"
            "  min_order_value: 20\n  buy_window_size: %d\n  sell_window_size: %d\n"
            "  reconcile_interval: %d\n  order_cleanup_threshold: 50\n  cleanup_batch_size: 5\n"
            "system:\n  log_level: INFO\n  cancel_on_exit: %s\n  event_log: %s\n  state_dir: %s\n"
            "risk_control:\n  enabled: false\n"
            "timing:\n  websocket_reconnect_delay: 1\n  order_retry_delay: 200\n"
            "  rate_limit_retry_delay: 1\n  status_print_interval: 1\n",
            b->emu.port, b->emu.port, b->emu.port, window, window, reconcile,
            cancel_on_exit ? "true" : "false", b->events, b->state);
    fclose(f);
    chmod(b->cfg, 0600);
}

static pid_t host_up(book *b, const char *why)
{
    pid_t pid;
    FILE *f = fopen(b->log, "a");
    if (f != NULL) {
        fprintf(f, "==== test: start (%s)\n", why);
        fclose(f);
    }
    pid = e2e_host_start(host_bin(), b->cfg, NULL, b->log);
    CHECK(b, pid > 0, "cannot start %s", host_bin());
    return pid;
}

/* Lines of the host log after the last "==== test:" marker that contain text. */
static int log_has_since_mark(const book *b, const char *text)
{
    FILE *f = fopen(b->log, "r");
    char line[2048];
    int hit = 0;
    if (f == NULL)
        return 0;
    while (fgets(line, sizeof line, f) != NULL) {
        if (strncmp(line, "==== test:", 10) == 0)
            hit = 0;
        else if (strstr(line, text) != NULL)
            hit++;
    }
    fclose(f);
    return hit;
}

/* Manual price mode sends no price until told: once the host's price stream is up,
 * trade at p so it has its first price. */
static void kick(book *b, const char *p)
{
    uint64_t end = e2e_now_ms() + 15000;
    char line[96];
    while (e2e_now_ms() < end && !log_has_since_mark(b, "price stream up"))
        e2e_sleep_ms(20);
    snprintf(line, sizeof line, "price {\"price\":\"%s\"}", p);
    CHECK(b, e2e_emu_line(&b->emu, line) == 0, "price %s refused", p);
}

static int wait_trading(book *b, unsigned ms)
{
    uint64_t end = e2e_now_ms() + ms;
    while (e2e_now_ms() < end) {
        if (log_has_since_mark(b, "own orders live: "))
            return 1;
        e2e_sleep_ms(25);
    }
    CHECK(b, 0, "the host did not start trading in %u ms (see %s)", ms, b->log);
    return 0;
}

/* Wait until our open orders of one side reach n; their prices (up to 16, as x100
 * integers) in px. */
static int wait_side(book *b, const char *side, size_t n, long *px, unsigned ms)
{
    uint64_t end = e2e_now_ms() + ms;
    size_t k = 0;
    while (e2e_now_ms() < end) {
        json_t *st = e2e_emu_state(&b->emu), *o;
        size_t i;
        k = 0;
        json_array_foreach(json_object_get(st, "open_orders"), i, o) {
            const char *cid = json_string_value(json_object_get(o, "client_id"));
            if (cid && strncmp(cid, TAG "-", 3) == 0 &&
                strcmp(json_string_value(json_object_get(o, "side")), side) == 0) {
                if (px != NULL && k < 16)
                    px[k] = (long)e2e_units(json_string_value(json_object_get(o, "price")), 2);
                k++;
            }
        }
        json_decref(st);
        if (k >= n)
            return (int)k;
        e2e_sleep_ms(40);
    }
    CHECK(b, 0, "timed out waiting for %zu %s orders of ours (have %zu)", n, side, k);
    return (int)k;
}

static void price(book *b, const char *p)
{
    char line[96];
    snprintf(line, sizeof line, "price {\"price\":\"%s\"}", p);
    CHECK(b, e2e_emu_line(&b->emu, line) == 0, "price %s refused", p);
    e2e_sleep_ms(150);
}

/* ---- what the run left, from three sides ----------------------------------------- */

#define MAXO 4096

typedef struct ofill {
    char cid[64];
    int64_t qty;               /* steps */
} ofill;

typedef struct truth {
    ofill o[MAXO];             /* our orders with fills: the exchange's sum per order */
    size_t no;
    int64_t position;          /* steps (1e-3) */
    int64_t fees;              /* 1e-8, our fills */
    int64_t pnl_replay;        /* 1e-8: realized from the exchange's fill ledger */
    size_t our_fills;
    size_t open;
} truth;

typedef struct slot_acc {
    int64_t level;             /* ticks */
    int64_t qty;               /* steps held */
    int64_t cash;              /* 1e-8: this trip so far */
} slot_acc;

/* The exchange's side: our fills replayed per slot (the engine's round-trip rule: a
 * slot's trip ends when what it bought is sold). */
static void exchange_truth(book *b, truth *t)
{
    json_t *st = e2e_emu_state(&b->emu), *f;
    slot_acc acc[512];
    size_t na = 0, i, k;
    memset(t, 0, sizeof *t);
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    t->position = e2e_units(json_string_value(json_object_get(json_object_get(st, "position"), "size")), 3);
    t->open = e2e_our_open(st, TAG "-", NULL);
    json_array_foreach(json_object_get(st, "fills"), i, f) {
        const char *cid = json_string_value(json_object_get(f, "client_id"));
        sqt_clientid id;
        int64_t q, p, fee;
        if (cid == NULL || sqt_clientid_decode(TAG, cid, &id) != 0)
            continue;
        q = e2e_units(json_string_value(json_object_get(f, "qty")), 3);
        p = e2e_units(json_string_value(json_object_get(f, "price")), 2);
        fee = e2e_units(json_string_value(json_object_get(f, "fee")), 8);
        t->our_fills++;
        t->fees += fee;
        for (k = 0; k < t->no && strcmp(t->o[k].cid, cid) != 0; k++)
            ;
        if (k == t->no && t->no < MAXO) {
            snprintf(t->o[t->no].cid, sizeof t->o[0].cid, "%s", cid);
            t->o[t->no++].qty = 0;
        }
        if (k < t->no)
            t->o[k].qty += q;
        for (k = 0; k < na && acc[k].level != id.price_ticks; k++)
            ;
        if (k == na && na < 512) {
            memset(&acc[na], 0, sizeof acc[na]);
            acc[na++].level = id.price_ticks;
        }
        if (k == na)
            continue;
        /* qty 1e-3 x price 1e-2 = 1e-5 -> 1e-8 */
        if (id.side == SQT_SIDE_BUY) {
            acc[k].qty += q;
            acc[k].cash -= q * p * 1000 + fee;
        } else {
            acc[k].qty -= q;
            acc[k].cash += q * p * 1000 - fee;
            if (acc[k].qty == 0) {
                t->pnl_replay += acc[k].cash;
                acc[k].cash = 0;
            }
        }
    }
    json_decref(st);
}

typedef struct mine {
    ofill o[MAXO];             /* the journal's filled quantity per order */
    size_t no;
    int64_t position;          /* journal slots, steps */
    int64_t fees;              /* journal fills, 1e-8 */
    int64_t pnl;               /* journal pnl rows, 1e-8 */
    int64_t pnl_events;        /* event log pnl lines, 1e-8 */
    size_t fills;
    int recovered, orphans, mismatches;
} mine;

static int64_t sum_sql(sqlite3 *db, const char *sql, int scale, size_t *rows)
{
    sqlite3_stmt *st;
    int64_t s = 0;
    if (rows)
        *rows = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        return INT64_MIN;
    while (sqlite3_step(st) == SQLITE_ROW) {
        int64_t v = e2e_units((const char *)sqlite3_column_text(st, 0), scale);
        if (v == INT64_MIN)
            return INT64_MIN;
        s += v;
        if (rows)
            (*rows)++;
    }
    sqlite3_finalize(st);
    return s;
}

static void journal_of(book *b, mine *m)
{
    char path[600];
    sqlite3 *db = NULL;
    FILE *f;
    char line[4096];
    memset(m, 0, sizeof *m);
    snprintf(path, sizeof path, "%s/binance-k%s-ETHUSDT-" TAG ".journal", b->state, "");
    /* the account part is a fingerprint: find the file */
    {
        char cmd[700];
        FILE *p;
        snprintf(cmd, sizeof cmd, "ls %s/*.journal 2>/dev/null", b->state);
        p = popen(cmd, "r");
        if (p != NULL) {
            if (fgets(path, sizeof path, p) != NULL)
                path[strcspn(path, "\n")] = '\0';
            pclose(p);
        }
    }
    CHECK(b, sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK, "journal %s", path);
    m->position = sum_sql(db, "SELECT qty_dec FROM slots", 3, NULL);
    m->fees = sum_sql(db, "SELECT fee FROM fills", 8, NULL);
    sum_sql(db, "SELECT fee FROM fills WHERE CAST(qty AS REAL) > 0", 8, &m->fills);
    m->pnl = sum_sql(db, "SELECT pnl FROM pnl", 8, NULL);
    {
        sqlite3_stmt *st;
        if (sqlite3_prepare_v2(db, "SELECT cid, filled FROM orders WHERE CAST(filled AS REAL) > 0", -1,
                               &st, NULL) == SQLITE_OK) {
            while (sqlite3_step(st) == SQLITE_ROW && m->no < MAXO) {
                snprintf(m->o[m->no].cid, sizeof m->o[0].cid, "%s", (const char *)sqlite3_column_text(st, 0));
                m->o[m->no++].qty = e2e_units((const char *)sqlite3_column_text(st, 1), 3);
            }
            sqlite3_finalize(st);
        }
    }
    {
        size_t n;
        sum_sql(db, "SELECT '0' FROM notes WHERE kind='recovered'", 0, &n);
        m->recovered = (int)n;
        sum_sql(db, "SELECT '0' FROM notes WHERE kind='orphan'", 0, &n);
        m->orphans = (int)n;
        sum_sql(db, "SELECT '0' FROM notes WHERE kind='position_mismatch'", 0, &n);
        m->mismatches = (int)n;
    }
    sqlite3_close(db);
    f = fopen(b->events, "r");
    while (f != NULL && fgets(line, sizeof line, f) != NULL) {
        json_t *o = json_loads(line, 0, NULL);
        const char *ev = json_string_value(json_object_get(o, "event"));
        const char *pnl = json_string_value(json_object_get(o, "pnl"));
        if (ev && pnl && (strcmp(ev, "round_trip") == 0 || strcmp(ev, "fee") == 0))
            m->pnl_events += e2e_units(pnl, 8);
        json_decref(o);
    }
    if (f)
        fclose(f);
}

/* `opensqt report --json` realized pnl (1e-8), or INT64_MIN. */
static int64_t report_realized(book *b, int64_t *position)
{
    char cmd[800], out[65536];
    FILE *p;
    size_t n;
    json_t *j;
    int64_t v = INT64_MIN;
    snprintf(cmd, sizeof cmd, "%s report -c %s --json 2>>%s", host_bin(), b->cfg, b->log);
    p = popen(cmd, "r");
    if (p == NULL)
        return INT64_MIN;
    n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    {
        int st = pclose(p);
        CHECK(b, st == 0, "opensqt report failed (see %s)", b->log);
    }
    j = json_loads(out, 0, NULL);
    if (j != NULL) {
        v = e2e_units(json_string_value(json_object_get(j, "realized_pnl")), 8);
        if (position)
            *position = e2e_units(json_string_value(json_object_get(j, "position")), 3);
    }
    json_decref(j);
    return v;
}

/* Everything agrees: journal, event log, report and the exchange. */
static void agree(book *b, const char *what, int expect_open)
{
    static truth t;
    static mine m;
    size_t i, k, lost = 0;
    int64_t rep, rpos = INT64_MIN;
    exchange_truth(b, &t);
    journal_of(b, &m);
    rep = report_realized(b, &rpos);
    fprintf(stderr,
            "    [%s] exchange: position %lld, %zu fills of ours, fees %lld e-8, replayed pnl %lld e-8 | "
            "journal: position %lld, %zu fills, fees %lld, pnl %lld | events pnl %lld | report pnl %lld\n",
            what, (long long)t.position, t.our_fills, (long long)t.fees, (long long)t.pnl_replay,
            (long long)m.position, m.fills, (long long)m.fees, (long long)m.pnl, (long long)m.pnl_events,
            (long long)rep);
    CHECK(b, m.position == t.position, "[%s] position: journal %lld, exchange %lld", what,
          (long long)m.position, (long long)t.position);
    CHECK(b, rpos == t.position, "[%s] report position %lld, exchange %lld", what, (long long)rpos,
          (long long)t.position);
    /* every order's fills: what the exchange filled is what the journal booked */
    for (i = 0; i < t.no; i++) {
        for (k = 0; k < m.no && strcmp(m.o[k].cid, t.o[i].cid) != 0; k++)
            ;
        if (k == m.no || m.o[k].qty != t.o[i].qty) {
            lost++;
            fprintf(stderr, "    [%s] order %s: exchange filled %lld steps, journal %lld\n", what,
                    t.o[i].cid, (long long)t.o[i].qty, k < m.no ? (long long)m.o[k].qty : 0LL);
        }
    }
    CHECK(b, lost == 0 && m.no == t.no, "[%s] %zu orders whose fills differ; %zu orders filled at the "
          "exchange, %zu in the journal", what, lost, t.no, m.no);
    CHECK(b, m.fees == t.fees, "[%s] fees: journal %lld, exchange %lld", what, (long long)m.fees,
          (long long)t.fees);
    CHECK(b, m.pnl == t.pnl_replay, "[%s] realized pnl: journal %lld, exchange ledger replay %lld",
          what, (long long)m.pnl, (long long)t.pnl_replay);
    CHECK(b, m.pnl == m.pnl_events, "[%s] realized pnl: journal %lld, event log %lld", what,
          (long long)m.pnl, (long long)m.pnl_events);
    CHECK(b, rep == m.pnl, "[%s] report %lld, journal %lld", what, (long long)rep, (long long)m.pnl);
    CHECK(b, m.recovered == 0, "[%s] %d holdings recovered (the journal should have known them)",
          what, m.recovered);
    CHECK(b, m.orphans == 0, "[%s] %d orphans cancelled", what, m.orphans);
    if (expect_open >= 0)
        CHECK(b, (int)t.open == expect_open, "[%s] %zu orders of ours open, expected %d", what, t.open,
              expect_open);
}

static const char *const MANUAL[] = {"--price-mode", "manual", "--start-price", "3000.00", "--seed",
                                     "7", NULL};

/* ---- scenarios ------------------------------------------------------------------- */

static void test_clean_restart(void)
{
    book b;
    pid_t h;
    long px[16];
    int n, i, below = 0;
    CU_ASSERT_EQUAL_FATAL(book_open(&b, "clean", MANUAL), 0);
    write_config(&b, 1, 4, 30);
    h = host_up(&b, "run 1");
    kick(&b, "3000.00");
    wait_trading(&b, 15000);
    wait_side(&b, "BUY", 3, NULL, 8000);
    price(&b, "2997.00");
    price(&b, "2995.00");
    n = wait_side(&b, "SELL", 2, px, 8000);
    CHECK(&b, e2e_host_stop(h, 20000) == 0, "run 1 did not stop with 0");
    /* the price falls while the bot is away */
    price(&b, "2975.00");
    h = host_up(&b, "run 2");
    kick(&b, "2975.00");
    wait_trading(&b, 15000);
    e2e_sleep_ms(800);
    n = wait_side(&b, "SELL", 0, px, 100);
    for (i = 0; i < n && i < 16; i++)
        below += px[i] < 299800;
    CHECK(&b, below == 0, "%d sells below the buy levels after the restart (sold below cost)", below);
    CHECK(&b, log_has_since_mark(&b, "grid continued from the journal") == 1, "run 2 did not continue");
    /* back up: the sells go out at their original levels, 2998 and 3000 */
    price(&b, "2996.50");
    n = wait_side(&b, "SELL", 2, px, 8000);
    CHECK(&b, n == 2 && ((px[0] == 299800 && px[1] == 300000) || (px[0] == 300000 && px[1] == 299800)),
          "sells at %ld and %ld, expected 2998.00 and 3000.00", n > 0 ? px[0] : 0, n > 1 ? px[1] : 0);
    price(&b, "3001.00");
    e2e_sleep_ms(600);
    CHECK(&b, e2e_host_stop(h, 20000) == 0, "run 2 did not stop with 0");
    agree(&b, "clean-restart", 0);
    {
        mine m;
        journal_of(&b, &m);
        /* two round trips of one interval each, minus four maker fees: 0.04 - 0.0239... */
        CHECK(&b, m.pnl > 0, "realized pnl %lld after selling at the original levels", (long long)m.pnl);
    }
    book_close(&b);
}

static void test_fill_while_down(void)
{
    book b;
    pid_t h;
    CU_ASSERT_EQUAL_FATAL(book_open(&b, "down", MANUAL), 0);
    write_config(&b, 0, 4, 30);
    h = host_up(&b, "run 1");
    kick(&b, "3000.00");
    wait_trading(&b, 15000);
    wait_side(&b, "BUY", 3, NULL, 8000);
    price(&b, "2997.00");
    wait_side(&b, "SELL", 1, NULL, 8000);
    e2e_sleep_ms(300);
    e2e_host_kill9(h);
    /* while the bot is dead: the 2996 buy fills, then the 3000 sell (a round trip) */
    price(&b, "2995.00");
    price(&b, "3001.00");
    price(&b, "2997.00");
    write_config(&b, 1, 4, 30);
    h = host_up(&b, "run 2");
    kick(&b, "2997.00");
    wait_trading(&b, 15000);
    CHECK(&b, log_has_since_mark(&b, "startup_booking") == 1, "no start-up booking note");
    /* the 2996 slot's sell at 2998 */
    wait_side(&b, "SELL", 1, NULL, 8000);
    CHECK(&b, e2e_host_stop(h, 20000) == 0, "run 2 did not stop with 0");
    agree(&b, "fill-while-down", 0);
    book_close(&b);
}

static void test_startup_fill(void)
{
    book b;
    pid_t h;
    CU_ASSERT_EQUAL_FATAL(book_open(&b, "startup", MANUAL), 0);
    write_config(&b, 0, 4, 30);
    h = host_up(&b, "run 1");
    kick(&b, "3000.00");
    wait_trading(&b, 15000);
    wait_side(&b, "BUY", 3, NULL, 8000);
    CHECK(&b, e2e_host_stop(h, 20000) == 0, "run 1 did not stop with 0");
    /* run 2 reads the open orders slowly; a buy fills meanwhile */
    CHECK(&b, e2e_emu_line(&b.emu, "delay {\"ms\":1200,\"path\":\"/fapi/v1/openOrders\"}") == 0, "delay");
    write_config(&b, 1, 4, 30);
    h = host_up(&b, "run 2");
    CHECK(&b, e2e_file_wait_for(b.log, "order stream confirmed", 15000), "no order stream");
    e2e_sleep_ms(300);
    price(&b, "2997.00");
    kick(&b, "2997.00");
    wait_trading(&b, 20000);
    CHECK(&b, e2e_emu_line(&b.emu, "delay {\"ms\":0}") == 0, "delay off");
    wait_side(&b, "SELL", 1, NULL, 8000);
    CHECK(&b, e2e_host_stop(h, 20000) == 0, "run 2 did not stop with 0");
    agree(&b, "startup-fill", 0);
    book_close(&b);
}

static void test_second_instance(void)
{
    book b;
    pid_t h1, h2;
    int rc, n1, n2;
    char want[64];
    CU_ASSERT_EQUAL_FATAL(book_open(&b, "second", MANUAL), 0);
    write_config(&b, 1, 4, 30);
    h1 = host_up(&b, "first");
    kick(&b, "3000.00");
    wait_trading(&b, 15000);
    n1 = wait_side(&b, "BUY", 3, NULL, 8000);
    h2 = host_up(&b, "second");
    rc = e2e_host_wait(h2, 10000);
    CHECK(&b, rc == 3, "the second instance exited %d, expected 3", rc);
    snprintf(want, sizeof want, "another opensqt (PID %ld)", (long)h1);
    CHECK(&b, log_has_since_mark(&b, want) == 1, "no message naming PID %ld", (long)h1);
    e2e_sleep_ms(500);
    n2 = wait_side(&b, "BUY", 0, NULL, 100);
    CHECK(&b, n1 == n2, "the first instance's orders changed (%d -> %d)", n1, n2);
    CHECK(&b, e2e_host_stop(h1, 20000) == 0, "the first did not stop with 0");
    agree(&b, "second-instance", 0);
    book_close(&b);
}

/* ---- the kill -9 campaign --------------------------------------------------------- */

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

static void test_kill_campaign(void)
{
    book b;
    long points = getenv("SQT_KILL_POINTS") ? atol(getenv("SQT_KILL_POINTS")) : 4;
    uint64_t seed = getenv("SQT_KILL_SEED") ? strtoull(getenv("SQT_KILL_SEED"), NULL, 10)
                                            : (uint64_t)time(NULL) % 1000000;
    uint64_t s = seed * 2654435761u + 1;
    char seedarg[32];
    const char *args[] = {"--price-mode", "auto", "--tick-ms", "100", "--sigma", "0.0004",
                          "--partial-fill", "0.004", "--seed", seedarg, NULL};
    long p;
    int max_dup = 0, samples = 0, kinds[4] = {0, 0, 0, 0};
    pid_t h;
    snprintf(seedarg, sizeof seedarg, "%llu", (unsigned long long)(seed % 100000 + 1));
    fprintf(stderr, "\n    [kill-campaign] %ld points, seed %llu (SQT_KILL_SEED repeats it)\n", points,
            (unsigned long long)seed);
    CU_ASSERT_EQUAL_FATAL(book_open(&b, "kill", args), 0);
    write_config(&b, 1, 6, 3);
    for (p = 0; p < points; p++) {
        int kind = (int)(rnd(&s) % 4);
        unsigned run_ms = kind == 1 ? (unsigned)(50 + rnd(&s) % 600) : (unsigned)(1500 + rnd(&s) % 3500);
        uint64_t end;
        kinds[kind]++;
        h = host_up(&b, "campaign point");
        end = e2e_now_ms() + run_ms;
        while (e2e_now_ms() < end) {
            json_t *st = e2e_emu_state(&b.emu);
            int dup = 0;
            e2e_our_open(st, TAG "-", &dup);
            json_decref(st);
            if (dup > max_dup)
                max_dup = dup;
            samples++;
            e2e_sleep_ms(120);
        }
        if (kind == 2) {
            /* during cancel-on-exit */
            kill(h, SIGTERM);
            e2e_sleep_ms((unsigned)(rnd(&s) % 60));
        } else if (kind == 3) {
            /* right after a price burst: fills arriving */
            CHECK(&b, e2e_emu_line(&b.emu, "step {\"n\":8}") == 0, "step");
            e2e_sleep_ms((unsigned)(rnd(&s) % 30));
        }
        e2e_host_kill9(h);
        /* the market moves while the bot is down */
        e2e_sleep_ms((unsigned)(200 + rnd(&s) % 1200));
    }
    /* the last run: trade a while, then a clean stop */
    h = host_up(&b, "final");
    wait_trading(&b, 20000);
    e2e_sleep_ms(4000);
    {
        json_t *st = e2e_emu_state(&b.emu);
        int dup = 0;
        e2e_our_open(st, TAG "-", &dup);
        json_decref(st);
        if (dup > max_dup)
            max_dup = dup;
    }
    {
        int rc = e2e_host_stop(h, 30000);
        CHECK(&b, rc == 0, "the final run stopped with %d", rc);
    }
    fprintf(stderr,
            "    [kill-campaign] points: %d mid-run, %d in start-up, %d in cancel-on-exit, %d with fills "
            "arriving; %d samples, at most %d of our orders on one level\n",
            kinds[0], kinds[1], kinds[2], kinds[3], samples, max_dup);
    CHECK(&b, max_dup <= 1, "two of our orders on one level (seed %llu)", (unsigned long long)seed);
    agree(&b, "kill-campaign", 0);
    if (b.failed)
        fprintf(stderr, "    [kill-campaign] FAILED with seed %llu\n", (unsigned long long)seed);
    book_close(&b);
}

int main(void)
{
    static const sqt_test_case restart[] = {
        {"clean restart: sells at their original levels", test_clean_restart},
        {"fills while the bot was down are booked", test_fill_while_down},
        {"a fill during start-up is booked once", test_startup_fill},
        {"a second instance on the book is refused", test_second_instance},
        {NULL, NULL}};
    static const sqt_test_case campaign[] = {{"kill -9 campaign", test_kill_campaign}, {NULL, NULL}};
    const char *only = getenv("SQT_KILL_ONLY");
    curl_global_init(CURL_GLOBAL_DEFAULT);
    SQT_TEST_INIT();
    if (only == NULL || strcmp(only, "1") != 0)
        if (sqt_test_suite("e2e_restart", restart) != 0)
            return EXIT_FAILURE;
    if (only == NULL || strcmp(only, "0") != 0)
        if (sqt_test_suite("e2e_kill", campaign) != 0)
            return EXIT_FAILURE;
    return sqt_test_run();
}
