/* The process-level end-to-end harness (e2e_book.h). */
#define _GNU_SOURCE
#include "e2e_book.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "clientid.h"

#ifndef SQT_EMU_BIN
#error "SQT_EMU_BIN must name the opensqt-emulator binary"
#endif


const char *host_bin(void)
{
    const char *b = getenv("SQT_BIN");
    return b != NULL ? b : "opensqt";
}

int book_open(book *b, const char *name, const char *tag, const char *const *emu_args)
{
    memset(b, 0, sizeof *b);
    snprintf(b->tag, sizeof b->tag, "%s", tag);
    snprintf(b->prefix, sizeof b->prefix, "%s-", tag);
    snprintf(b->dir, sizeof b->dir, "/tmp/sqt-e2e-%s-XXXXXX", name);
    if (mkdtemp(b->dir) == NULL)
        return -1;
    snprintf(b->cfg, sizeof b->cfg, "%s/config.yaml", b->dir);
    snprintf(b->events, sizeof b->events, "%s/events.jsonl", b->dir);
    snprintf(b->state, sizeof b->state, "%s/state", b->dir);
    snprintf(b->log, sizeof b->log, "%s/host.log", b->dir);
    snprintf(b->emu_log, sizeof b->emu_log, "%s/emu.log", b->dir);
    return e2e_emu_start(&b->emu, SQT_EMU_BIN, emu_args, b->emu_log);
}

void book_close(book *b)
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


void write_config(const book *b, int cancel_on_exit, int window, int reconcile)
{
    FILE *f = fopen(b->cfg, "w");
    char cleaner[64] = "";
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    if (b->cleanup_interval > 0)
        snprintf(cleaner, sizeof cleaner, "  order_cleanup_interval: %d\n", b->cleanup_interval);
    fprintf(f,
            "app:\n  current_exchange: binance\n  instance: %s\n"
            "exchanges:\n  binance:\n"
            "    api_key: %s\n    secret_key: emulator-secret\n    fee_rate: 0.0002\n"
            "    rest_url: http://127.0.0.1:%d\n"
            "    ws_market_url: ws://127.0.0.1:%d/market\n"
            "    ws_private_url: ws://127.0.0.1:%d/private\n"
            "trading:\n  symbol: ETHUSDT\n  price_interval: 2\n  order_quantity: 30\n"
            "  min_order_value: 20\n  buy_window_size: %d\n  sell_window_size: %d\n"
            "  reconcile_interval: %d\n  order_cleanup_threshold: %d\n  cleanup_batch_size: %d\n%s"
            "system:\n  log_level: INFO\n  cancel_on_exit: %s\n  event_log: %s\n  state_dir: %s\n"
            "%s"
            "timing:\n  websocket_reconnect_delay: 1\n  order_retry_delay: 200\n"
            "  rate_limit_retry_delay: 1\n  status_print_interval: 1\n%s%s",
            b->tag, b->api_key != NULL ? b->api_key : "emulator-key", b->emu.port, b->emu.port,
            b->emu.port, window, window, reconcile, b->cleanup_threshold > 0 ? b->cleanup_threshold : 50,
            b->cleanup_batch > 0 ? b->cleanup_batch : 5, b->trading_yaml != NULL ? b->trading_yaml : "",
            cancel_on_exit ? "true" : "false", b->events, b->state,
            b->risk_yaml != NULL ? b->risk_yaml : "risk_control:\n  enabled: false\n", cleaner,
            b->extra_yaml != NULL ? b->extra_yaml : "");
    fclose(f);
    chmod(b->cfg, 0600);
}

pid_t host_up(book *b, const char *why)
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
int log_has_since_mark(const book *b, const char *text)
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
void kick(book *b, const char *p)
{
    uint64_t end = e2e_now_ms() + 15000;
    char line[96];
    while (e2e_now_ms() < end && !log_has_since_mark(b, "price stream up"))
        e2e_sleep_ms(20);
    snprintf(line, sizeof line, "price {\"price\":\"%s\"}", p);
    CHECK(b, e2e_emu_line(&b->emu, line) == 0, "price %s refused", p);
}

int wait_trading(book *b, unsigned ms)
{
    uint64_t end = e2e_now_ms() + ms;
    while (e2e_now_ms() < end) {
        if (log_has_since_mark(b, "trading ETHUSDT on "))
            return 1;
        e2e_sleep_ms(25);
    }
    CHECK(b, 0, "the host did not start trading in %u ms (see %s)", ms, b->log);
    return 0;
}

/* Wait until our open orders of one side reach n; their prices (up to 16, as x100
 * integers) in px. */
int wait_side(book *b, const char *side, size_t n, long *px, unsigned ms)
{
    uint64_t end = e2e_now_ms() + ms;
    size_t k = 0;
    while (e2e_now_ms() < end) {
        json_t *st = e2e_emu_state(&b->emu), *o;
        size_t i;
        k = 0;
        json_array_foreach(json_object_get(st, "open_orders"), i, o) {
            const char *cid = json_string_value(json_object_get(o, "client_id"));
            if (cid && strncmp(cid, b->prefix, strlen(b->prefix)) == 0 &&
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

void price(book *b, const char *p)
{
    char line[96];
    snprintf(line, sizeof line, "price {\"price\":\"%s\"}", p);
    CHECK(b, e2e_emu_line(&b->emu, line) == 0, "price %s refused", p);
    e2e_sleep_ms(150);
}

/* ---- what the run left, from three sides ----------------------------------------- */


typedef struct slot_acc {
    int64_t level;             /* ticks */
    int64_t qty;               /* steps held */
    int64_t cash;              /* 1e-8: this trip so far */
} slot_acc;

/* The exchange's side: our fills replayed per slot (the engine's round-trip rule: a
 * slot's trip ends when what it bought is sold). */
void exchange_truth(book *b, truth *t)
{
    json_t *st = e2e_emu_state(&b->emu), *f;
    slot_acc acc[512];
    size_t na = 0, i, k;
    memset(t, 0, sizeof *t);
    CU_ASSERT_PTR_NOT_NULL_FATAL(st);
    t->position = e2e_units(json_string_value(json_object_get(json_object_get(st, "position"), "size")), 3);
    t->open = e2e_our_open(st, b->prefix, NULL);
    json_array_foreach(json_object_get(st, "fills"), i, f) {
        const char *cid = json_string_value(json_object_get(f, "client_id"));
        sqt_clientid id;
        int64_t q, p, fee;
        if (cid == NULL || sqt_clientid_decode(b->tag, cid, &id) != 0)
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

void journal_of(book *b, mine *m)
{
    char path[600];
    sqlite3 *db = NULL;
    FILE *f;
    char line[4096];
    memset(m, 0, sizeof *m);
    path[0] = '\0';
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
int64_t report_realized(book *b, int64_t *position)
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
void agree(book *b, const char *what, int expect_open)
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
            "journal: position %lld, %zu fills, fees %lld, pnl %lld | events pnl %lld | report pnl %lld | "
            "notes: %d position_mismatch, %d recovered, %d orphan\n",
            what, (long long)t.position, t.our_fills, (long long)t.fees, (long long)t.pnl_replay,
            (long long)m.position, m.fills, (long long)m.fees, (long long)m.pnl, (long long)m.pnl_events,
            (long long)rep, m.mismatches, m.recovered, m.orphans);
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


pid_t start_trading(book *b, const char *why, const char *first_price, size_t buys)
{
    pid_t h = host_up(b, why);
    kick(b, first_price);
    wait_trading(b, 15000);
    if (buys > 0)
        wait_side(b, "BUY", buys, NULL, 8000);
    return h;
}
