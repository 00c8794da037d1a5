/* The start-up sequence (host/app/startup.c) with a fill arriving at each of its steps.
 * The real app (sqt_app_run, in process) runs twice against the scripted exchange
 * (scripted_plugin.c): the first run places its buys and stops with cancel_on_exit
 * false, so they stay open and the journal knows them; the second run starts from that
 * journal while the exchange fills the highest of those buys at a chosen call - symbol
 * info, account, the order stream's subscription, either read of the open orders, the
 * position, the price stream's subscription, the query for an order the journal knew,
 * the last reconcile - and sends the order push then. After the second run:
 *   - the fill is booked exactly once (its "fill" lines in the event log sum to the
 *     order's quantity),
 *   - the journal's position equals the exchange's,
 *   - the filled buy's sell rests at its level (buy price + interval), for the whole
 *     quantity, and no level holds two of our orders of one side,
 *   - no reduce-only sell was refused (no phantom inventory).
 * Also: without a journal (the file deleted between the runs), a fill whose pushes
 * arrive twice and out of order, and a fill whose push is lost in an order-stream gap
 * (the stream reports DOWN, then UP) - at start-up, and once trading for comparison. */
#include <sys/resource.h>
#include <sys/stat.h>
#include <jansson.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "config.h"
#include "log.h"
#include "plugin.h"
#include "scripted_main.h"
#include "scripted_plugin.h"
#include "sqt_test.h"
#include "state/book.h"
#include "state/intentlog.h"
#include "state/journal.h"

#define INTERVAL_CENTS 200 /* trading.price_interval: 2 */
#define FIRST_RUN_S 0.3
#define SECOND_RUN_S 0.5

static char root[256];
static sqt_loaded_plugin plugin;
static const scripted_api *X;
static int errors_logged;

static void sink(void *ud, int level, const char *line)
{
    (void)ud;
    if (level >= SQT_LV_ERROR) {
        errors_logged++;
        fprintf(stderr, "    logged: %s\n", line);
    }
}

static const char *system_extra = ""; /* more system: keys for the next runs */

static void write_config(const char *path, const char *dir, const char *events)
{
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fprintf(f,
            "app:\n  current_exchange: scripted\n  instance: st\n"
            "exchanges:\n  scripted:\n    fee_rate: 0.0002\n"
            "trading:\n  symbol: ETHUSDT\n  price_interval: 2\n  order_quantity: 30\n"
            "  min_order_value: 20\n  buy_window_size: 3\n  sell_window_size: 3\n"
            "  order_cleanup_threshold: 40\n  cleanup_batch_size: 5\n  reconcile_interval: 1\n"
            "system:\n  log_level: WARN\n  cancel_on_exit: false\n  event_log: %s\n"
            "  state_dir: %s/state\n%s"
            "risk_control:\n  enabled: false\n",
            events, dir, system_extra);
    fclose(f);
}

/* One run of the app; the journal's path into journal (when not NULL). */
static int run_app(const char *dir, const char *events, double seconds, char *journal, size_t cap)
{
    char cfgpath[520];
    snprintf(cfgpath, sizeof cfgpath, "%s/run.yaml", dir);
    write_config(cfgpath, dir, events);
    return scripted_run(cfgpath, &plugin, seconds, sink, journal, cap);
}

static int64_t units(const char *s, int scale)
{
    sqt_dec d, r;
    if (s == NULL || sqt_dec_parse(s, strlen(s), &d) != SQT_OK || sqt_dec_rescale(d, scale, &r) != SQT_OK)
        return INT64_MIN;
    return r.mant;
}

/* Sum (thousandths), fees (1e-12) and number of the "fill" lines of one order in an
 * event log. */
static int64_t booked(const char *events, const char *cid, int64_t *fees, int *lines)
{
    FILE *f = fopen(events, "r");
    char line[4096];
    int64_t sum = 0;
    *lines = 0;
    *fees = 0;
    if (f == NULL)
        return 0;
    while (fgets(line, sizeof line, f)) {
        json_error_t je;
        json_t *o = json_loads(line, 0, &je);
        const char *ev, *c;
        CU_ASSERT_PTR_NOT_NULL(o);
        if (o == NULL)
            continue;
        ev = json_string_value(json_object_get(o, "event"));
        c = json_string_value(json_object_get(o, "client_id"));
        if (ev && c && strcmp(ev, "fill") == 0 && strcmp(c, cid) == 0) {
            sum += units(json_string_value(json_object_get(o, "fill_qty")), 3);
            *fees += units(json_string_value(json_object_get(o, "fee")), 12);
            (*lines)++;
        }
        json_decref(o);
    }
    fclose(f);
    return sum;
}

/* The journal's position in steps (0.001), or INT64_MIN when it cannot be read. */
static int64_t journal_position(const char *path)
{
    sqt_journal *j = NULL;
    sqt_journal_state st;
    char err[512];
    int64_t pos = INT64_MIN;
    if (sqt_journal_open_ro(path, &j, err, sizeof err) != 0) {
        fprintf(stderr, "    journal: %s\n", err);
        return pos;
    }
    memset(&st, 0, sizeof st);
    if (sqt_journal_load(j, &st, err, sizeof err) == 1)
        pos = st.meta.position;
    else
        fprintf(stderr, "    journal holds no grid: %s\n", err);
    sqt_journal_free_state(&st);
    sqt_journal_close(j);
    return pos;
}

static int64_t dec_at(sqt_dec d, int scale)
{
    sqt_dec r;
    return sqt_dec_rescale(d, scale, &r) == SQT_OK ? r.mant : INT64_MIN;
}

/* The filled buy `cid`: booked once, its sell at its level for all of it. */
static void check_filled_buy(const char *events, const char *cid)
{
    sqt_order o, open[SCR_MAX_ORDERS];
    size_t n, i;
    int lines, sells = 0;
    int64_t sum, fees;
    CU_ASSERT_EQUAL_FATAL(X->order(cid, &o), 0);
    SQT_ASSERT_INT_EQ(o.status, SQT_ORDER_FILLED);
    sum = booked(events, cid, &fees, &lines);
    if (sum != dec_at(o.qty, 3))
        fprintf(stderr, "    %s: %d fill lines booking %lld of %lld\n", cid, lines, (long long)sum,
                (long long)dec_at(o.qty, 3));
    SQT_ASSERT_INT_EQ(sum, dec_at(o.qty, 3));
    /* and its fee, all of it, once */
    SQT_ASSERT_INT_EQ(fees, dec_at(o.cum_fee, 12));
    n = X->open_orders(open, SCR_MAX_ORDERS);
    for (i = 0; i < n && i < SCR_MAX_ORDERS; i++)
        if (open[i].side == SQT_SIDE_SELL &&
            dec_at(open[i].price, 2) == dec_at(o.price, 2) + INTERVAL_CENTS) {
            sells++;
            SQT_ASSERT_INT_EQ(dec_at(open[i].qty, 3), dec_at(o.qty, 3));
        }
    if (sells != 1)
        fprintf(stderr, "    %s (buy at %lld cents): %d sells at its level\n", cid,
                (long long)dec_at(o.price, 2), sells);
    SQT_ASSERT_INT_EQ(sells, 1);
}

/* Without a journal, a buy that filled while the exchange's view was read is gone from
 * the open-order list and its fill is in the position: the documented fallback (§4.6)
 * recovers it as holdings without a slot, at the first free level above the anchor, with
 * one sell for all of it - it is not booked as that order's fill. */
static void check_recovered_fallback(const char *events, const char *cid)
{
    sqt_order o, open[SCR_MAX_ORDERS];
    size_t n, i;
    int lines, recovered = 0;
    int64_t fees, sells = 0;
    FILE *f = fopen(events, "r");
    char line[4096];
    CU_ASSERT_EQUAL_FATAL(X->order(cid, &o), 0);
    SQT_ASSERT_INT_EQ(o.status, SQT_ORDER_FILLED);
    SQT_ASSERT_INT_EQ(booked(events, cid, &fees, &lines), 0);
    while (f != NULL && fgets(line, sizeof line, f) != NULL)
        recovered += strstr(line, "\"event\":\"recovered\"") != NULL;
    if (f != NULL)
        fclose(f);
    CU_ASSERT_TRUE(recovered >= 1);
    n = X->open_orders(open, SCR_MAX_ORDERS);
    for (i = 0; i < n && i < SCR_MAX_ORDERS; i++)
        if (open[i].side == SQT_SIDE_SELL)
            sells += dec_at(open[i].qty, 3);
    SQT_ASSERT_INT_EQ(sells, dec_at(X->position(), 3));
}

/* No level holds two of our open orders of one side; nothing was refused as phantom. */
static void check_book(const char *journal)
{
    sqt_order open[SCR_MAX_ORDERS];
    size_t n = X->open_orders(open, SCR_MAX_ORDERS), i, k;
    int dups = 0;
    for (i = 0; i < n && i < SCR_MAX_ORDERS; i++)
        for (k = i + 1; k < n && k < SCR_MAX_ORDERS; k++)
            if (open[i].side == open[k].side &&
                dec_at(open[i].price, 2) == dec_at(open[k].price, 2))
                dups++;
    SQT_ASSERT_INT_EQ(dups, 0);
    SQT_ASSERT_INT_EQ(X->duplicate_places(), 0);
    SQT_ASSERT_INT_EQ(X->reduce_only_refused(), 0);
    SQT_ASSERT_INT_EQ(journal_position(journal), dec_at(X->position(), 3));
}

typedef struct step_case {
    const char *name;
    int call, nth;
    int fill_while_down; /* a buy fills between the runs (no push): start-up queries it */
    int no_journal;      /* the journal is deleted between the runs */
    int dup;             /* the pushes arrive twice and out of order */
    int lost;            /* the push is lost in a gap of the order stream */
    int trading;         /* the call comes after start-up (a comparison case) */
    int probe;           /* the order after the fill leaves before its audit line */
} step_case;

/* A case's directory and event logs (ev1, ev2: ecap each), an empty exchange, and the
 * previous run, whose buys stay open; the journal's path into journal. */
static void first_run(const char *name, char *dir, size_t dcap, char *ev1, char *ev2, size_t ecap,
                      char *journal, size_t jcap)
{
    snprintf(dir, dcap, "%s/%s", root, name);
    CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
    snprintf(ev1, ecap, "%s/events-1.jsonl", dir);
    snprintf(ev2, ecap, "%s/events-2.jsonl", dir);
    X->reset();
    errors_logged = 0;
    SQT_ASSERT_INT_EQ(run_app(dir, ev1, FIRST_RUN_S, journal, jcap), 0);
}

static void run_case(const step_case *c)
{
    char dir[400], ev1[500], ev2[500], journal[4400], down_cid[SQT_CLIENT_ID_MAX] = "";
    char cid[SQT_CLIENT_ID_MAX];
    scripted_script s;
    sqt_order open[SCR_MAX_ORDERS];
    size_t n_open;
    int rc;

    first_run(c->name, dir, sizeof dir, ev1, ev2, sizeof ev1, journal, sizeof journal);
    n_open = X->open_orders(open, SCR_MAX_ORDERS);
    CU_ASSERT_TRUE_FATAL(n_open >= 2);
    CU_ASSERT_TRUE_FATAL(dec_at(X->position(), 3) == 0);

    if (c->fill_while_down)
        CU_ASSERT_EQUAL_FATAL(X->fill_top_buy(down_cid, sizeof down_cid), 0);
    if (c->no_journal) {
        char side[4500];
        CU_ASSERT_EQUAL_FATAL(unlink(journal), 0);
        snprintf(side, sizeof side, "%s-wal", journal);
        unlink(side);
        snprintf(side, sizeof side, "%s-shm", journal);
        unlink(side);
    }

    memset(&s, 0, sizeof s);
    s.call = c->call;
    s.nth = c->nth;
    s.dup_out_of_order = c->dup;
    s.lost_push = c->lost;
    X->set_script(&s);
    if (c->probe)
        X->probe_audit(ev2);
    rc = run_app(dir, ev2, SECOND_RUN_S, NULL, 0);
    SQT_ASSERT_INT_EQ(rc, 0);
    SQT_ASSERT_INT_EQ(errors_logged, 0);

    if (!X->fired(cid, sizeof cid))
        fprintf(stderr, "    not fired: call %d has %d calls\n", c->call, X->calls(c->call));
    CU_ASSERT_TRUE_FATAL(X->fired(cid, sizeof cid));
    if (cid[0] == '\0')
        fprintf(stderr, "    the script found no open buy to fill at call %d #%d\n", c->call, c->nth);
    CU_ASSERT_TRUE_FATAL(cid[0] != '\0');
    /* it fired at the call named, while the app was still starting: nothing placed yet,
     * and the second run did go on to trade (its sells prove it) */
    SQT_ASSERT_INT_EQ(X->calls_at_fire(c->call), c->nth);
    if (!c->trading)
        SQT_ASSERT_INT_EQ(X->calls_at_fire(SCR_PLACE), 0);
    CU_ASSERT_TRUE(X->calls(SCR_PLACE) > 0);
    if (c->no_journal && c->call == SCR_OPEN_ORDERS)
        check_recovered_fallback(ev2, cid);
    else
        check_filled_buy(ev2, cid);
    if (down_cid[0])
        check_filled_buy(ev2, down_cid);
    check_book(journal);
    /* issue 16: the turn's requests go out first, its audit lines after them (buffered,
     * written at the end of the loop turn): the first order after the fill found the
     * fill's event-log line not yet in the file */
    if (c->probe)
        SQT_ASSERT_INT_EQ(X->probe_result(), 0);
}

#define STEP_CASE(fn, nm, call_, nth_, down_, nojournal_, dup_, lost_)            \
    static void fn(void)                                                        \
    {                                                                           \
        static const step_case c = {nm, call_, nth_, down_, nojournal_, dup_, lost_, 0, 0}; \
        run_case(&c);                                                           \
    }

STEP_CASE(t_symbol_info, "symbol_info", SCR_SYMBOL_INFO, 1, 0, 0, 0, 0)
STEP_CASE(t_account, "account", SCR_ACCOUNT, 1, 0, 0, 0, 0)
STEP_CASE(t_subscribe_orders, "subscribe_orders", SCR_SUBSCRIBE_ORDERS, 1, 0, 0, 0, 0)
STEP_CASE(t_open_orders_1, "open_orders_1", SCR_OPEN_ORDERS, 1, 0, 0, 0, 0)
STEP_CASE(t_positions, "positions", SCR_POSITIONS, 1, 0, 0, 0, 0)
STEP_CASE(t_open_orders_2, "open_orders_2", SCR_OPEN_ORDERS, 2, 0, 0, 0, 0)
STEP_CASE(t_subscribe_price, "subscribe_price", SCR_SUBSCRIBE_PRICE, 1, 0, 0, 0, 0)
STEP_CASE(t_query, "query", SCR_QUERY, 1, 1, 0, 0, 0)
STEP_CASE(t_reconcile, "reconcile", SCR_OPEN_ORDERS, 3, 0, 0, 0, 0)
STEP_CASE(t_no_journal, "no_journal", SCR_OPEN_ORDERS, 2, 0, 1, 0, 0)
STEP_CASE(t_no_journal_price, "no_journal_price", SCR_SUBSCRIBE_PRICE, 1, 0, 1, 0, 0)
STEP_CASE(t_twice_out_of_order, "twice_out_of_order", SCR_POSITIONS, 1, 0, 0, 1, 0)
STEP_CASE(t_lost_push_price, "lost_push_price", SCR_SUBSCRIBE_PRICE, 1, 0, 0, 0, 1)
STEP_CASE(t_lost_push_query, "lost_push_query", SCR_QUERY, 1, 1, 0, 0, 1)
/* the same lost push once trading: the mid-run reconcile, for comparison */
static void t_lost_push_trading(void)
{
    static const step_case c = {"lost_push_trading", SCR_PRICE_TICK, 10, 0, 0, 0, 1, 1, 0};
    run_case(&c);
}

/* A fill while trading: its counterpart order leaves before the audit is written. */
static void t_order_before_audit(void)
{
    static const step_case c = {"order_before_audit", SCR_PRICE_TICK, 10, 0, 0, 0, 0, 1, 1};
    run_case(&c);
}
STEP_CASE(t_twice_out_of_order_price, "twice_out_of_order_price", SCR_SUBSCRIBE_PRICE, 1, 0, 0, 1, 0)

/* ---- a kill between a turn's two journal writes ------------------------------------ */

static int64_t sql_int(const char *path, const char *sql, const char *arg)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    int64_t v = INT64_MIN;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK) {
        if (arg != NULL)
            sqlite3_bind_text(st, 1, arg, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW)
            v = sqlite3_column_int64(st, 0);
    }
    if (v == INT64_MIN)
        fprintf(stderr, "    %s: %s\n", sql, db ? sqlite3_errmsg(db) : "no db");
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* The journal's own id (meta 'uid', hex), which its intent log names. */
static uint64_t journal_uid_of(const char *path)
{
    sqlite3 *db = NULL;
    sqlite3_stmt *st = NULL;
    uint64_t v = 0;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK &&
        sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key='uid'", -1, &st, NULL) == SQLITE_OK &&
        sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0) != NULL)
        v = strtoull((const char *)sqlite3_column_text(st, 0), NULL, 16);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

/* The journal's files replaced by the copies in snap (what the kill left). */
static void journal_from_snapshot(const char *journal, const char *snap)
{
    const char *base = strrchr(journal, '/');
    const char *sfx[] = {"", "-wal", "-intents"};
    char from[2600], to[2600];
    size_t i;
    base = base ? base + 1 : journal;
    for (i = 0; i < 3; i++) {
        snprintf(from, sizeof from, "%s/%s%s", snap, base, sfx[i]);
        snprintf(to, sizeof to, "%s%s", journal, sfx[i]);
        CU_ASSERT_EQUAL_FATAL(rename(from, to), 0);
    }
    snprintf(to, sizeof to, "%s-shm", journal);
    unlink(to); /* rebuilt from the WAL at the next open, as after a kill */
}

/* A fill while trading; its sell's request leaves; the process dies before the rest of
 * the turn is written (the journal holds the sell's intent, not the buy's fill); the
 * restart must book the buy's fill once, take the sell over as that slot's order and
 * never place a second one. sell_filled: the sell also filled while the bot was down.
 * fills: buys filled at once, their pushes read in one poll phase - each sell leaves as
 * its push is read, and the kill comes at the last one: the intent log must still hold
 * every sell of the turn, not only the last. */
static void killed_between_writes(const char *name, int sell_filled, int fills)
{
    char dir[400], snap[420], ev1[500], ev2[500], ev3[500], journal[1024], snapj[1500];
    char buy[SQT_CLIENT_ID_MAX], sell[SQT_CLIENT_ID_MAX];
    char sells[4][SQT_CLIENT_ID_MAX];
    const char *base;
    scripted_script sc;
    sqt_order o;
    size_t n = 0, i;
    int rc;
    first_run(name, dir, sizeof dir, ev1, ev2, sizeof ev1, journal, sizeof journal);
    snprintf(snap, sizeof snap, "%s/snap", dir);
    CU_ASSERT_EQUAL_FATAL(mkdir(snap, 0700), 0);
    snprintf(ev3, sizeof ev3, "%s/events-3.jsonl", dir);

    /* the killed run: the top buy(s) fill while trading; at the (last) sell's place
     * call the journal is what the kill leaves */
    memset(&sc, 0, sizeof sc);
    sc.call = SCR_PRICE_TICK;
    sc.nth = 10;
    sc.fills = fills;
    X->set_script(&sc);
    X->probe_journal(journal, snap);
    run_app(dir, ev2, SECOND_RUN_S, NULL, 0);
    CU_ASSERT_TRUE_FATAL(X->fired(buy, sizeof buy));
    SQT_ASSERT_INT_EQ(X->probe_journal_result(sell, sizeof sell), 1);
    CU_ASSERT_TRUE_FATAL(sell[0] != '\0');
    base = strrchr(journal, '/');
    snprintf(snapj, sizeof snapj, "%s/%s", snap, base ? base + 1 : journal);
    /* the window is real: the sells' intents are in the file, the buys' fills and the
     * sells' order rows are not */
    {
        char ipath[1600], why[300] = "";
        sqt_intentlog *il = NULL;
        sqt_grid_saved_intent *v = NULL;
        uint64_t uid = journal_uid_of(snapj);
        CU_ASSERT_TRUE(uid != 0);
        snprintf(ipath, sizeof ipath, "%s-intents", snapj);
        CU_ASSERT_EQUAL_FATAL(sqt_intentlog_open(ipath, uid, 0, &il, why, sizeof why), 0);
        SQT_ASSERT_INT_EQ(sqt_intentlog_read(il, &v, &n, why, sizeof why), 0);
        SQT_ASSERT_INT_EQ(n, fills);
        for (i = 0; i < n && i < 4; i++)
            snprintf(sells[i], sizeof sells[i], "%s", v[i].o.cid);
        if (n >= 1)
            CU_ASSERT_STRING_EQUAL(v[n - 1].o.cid, sell);
        free(v);
        sqt_intentlog_close(il);
    }
    CU_ASSERT_TRUE_FATAL(n == (size_t)fills && n <= 4);
    for (i = 0; i < n; i++)
        SQT_ASSERT_INT_EQ(sql_int(snapj, "SELECT count(*) FROM orders WHERE cid=?1", sells[i]), 0);
    SQT_ASSERT_INT_EQ(sql_int(snapj, "SELECT count(*) FROM fills WHERE cid=?1", buy), 0);
    journal_from_snapshot(journal, snap);
    if (sell_filled)
        CU_ASSERT_EQUAL_FATAL(X->fill_order(sell), 0);

    /* the restart */
    memset(&sc, 0, sizeof sc);
    X->set_script(&sc);
    errors_logged = 0;
    rc = run_app(dir, ev3, SECOND_RUN_S, NULL, 0);
    SQT_ASSERT_INT_EQ(rc, 0);
    SQT_ASSERT_INT_EQ(errors_logged, 0);
    check_book(journal);
    /* every buy's fill and the sell's (when it filled) each booked exactly once */
    SQT_ASSERT_INT_EQ(sql_int(journal, "SELECT count(*) FROM fills WHERE cid=?1", buy), 1);
    SQT_ASSERT_INT_EQ(sql_int(journal, "SELECT count(*) FROM fills WHERE side='BUY'", NULL), fills);
    SQT_ASSERT_INT_EQ(sql_int(journal, "SELECT count(*) FROM fills WHERE cid=?1", sell),
                      sell_filled ? 1 : 0);
    for (i = 0; i < n; i++) {
        CU_ASSERT_EQUAL_FATAL(X->order(sells[i], &o), 0);
        if (sell_filled && strcmp(sells[i], sell) == 0) {
            SQT_ASSERT_INT_EQ(o.status, SQT_ORDER_FILLED);
            SQT_ASSERT_INT_EQ(sql_int(journal, "SELECT count(*) FROM pnl WHERE cid=?1 AND "
                                               "kind='round_trip'",
                                      sell),
                              1);
        } else {
            /* still open, and its slot's order: not cancelled, not doubled */
            SQT_ASSERT_INT_EQ(o.status, SQT_ORDER_NEW);
            SQT_ASSERT_INT_EQ(sql_int(journal, "SELECT count(*) FROM slots WHERE cid=?1", sells[i]),
                              1);
        }
    }
}

static void t_killed_between_writes(void)
{
    killed_between_writes("killed_between_writes", 0, 1);
}

static void t_killed_between_writes_sell_filled(void)
{
    killed_between_writes("killed_between_writes_sell_filled", 1, 1);
}

static void t_killed_between_writes_two_fills(void)
{
    killed_between_writes("killed_between_writes_two_fills", 0, 2);
}

#define EV_CAP 500
#define JOURNAL_CAP 1024

/* A second run after first_run in which the top buy fills at the tenth price while
 * trading (tick_after: the plugin sends a price right behind the fill, in the same
 * callback; sync: it answers places inside the call); it ends cleanly, the buy's fill
 * is booked once and the book and journal agree. The buy's id into buy (of
 * SQT_CLIENT_ID_MAX), the journal's path into journal (of JOURNAL_CAP). */
static void fill_while_trading(const char *name, int tick_after, int sync, char *journal,
                               char *buy)
{
    char dir[400], ev1[EV_CAP], ev2[EV_CAP];
    scripted_script sc;
    first_run(name, dir, sizeof dir, ev1, ev2, EV_CAP, journal, JOURNAL_CAP);
    memset(&sc, 0, sizeof sc);
    sc.call = SCR_PRICE_TICK;
    sc.nth = 10;
    sc.tick_after = tick_after;
    X->set_script(&sc);
    X->sync_places(sync);
    SQT_ASSERT_INT_EQ(run_app(dir, ev2, SECOND_RUN_S, NULL, 0), 0);
    X->sync_places(0);
    SQT_ASSERT_INT_EQ(errors_logged, 0);
    CU_ASSERT_TRUE_FATAL(X->fired(buy, SQT_CLIENT_ID_MAX));
    check_filled_buy(ev2, buy);
    check_book(journal);
    SQT_ASSERT_INT_EQ(sql_int(journal, "SELECT count(*) FROM fills WHERE cid=?1", buy), 1);
}

/* A fill's counter-order leaves as the fill's push is read, before the rest of the poll
 * phase that brought it (more pushes, market data) is handled: the plugin delivers a
 * price right after the fill in the same callback, and the sell's place call has been
 * made by then (before: at the end of the loop turn, after that price). */
static void t_order_before_the_rest_of_the_turn(void)
{
    char journal[JOURNAL_CAP], buy[SQT_CLIENT_ID_MAX];
    fill_while_trading("order_before_the_rest", 1, 0, journal, buy);
    SQT_ASSERT_INT_EQ(X->places_before_tick(), 1);
}

/* A plugin that answers a place inside the call: the answer's drain runs inside the
 * turn's drain, after its intents and before the rest of its journal write; the turn's
 * fill must still reach the journal once, with the position and the book in agreement. */
static void t_answers_inside_the_call(void)
{
    char journal[JOURNAL_CAP], buy[SQT_CLIENT_ID_MAX];
    fill_while_trading("answers_inside_the_call", 0, 1, journal, buy);
    SQT_ASSERT_INT_EQ(sql_int(journal, "SELECT count(*) FROM orders WHERE status='placed'", NULL),
                      0);
}

/* system.busy_poll: the loop spins (its CPU time is about its wall time) instead of
 * sleeping between events (the same run without it: a few percent), and trades and
 * stops as usual. */
static double cpu_seconds(void)
{
    struct rusage ru;
    getrusage(RUSAGE_SELF, &ru);
    return (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
           ru.ru_stime.tv_usec / 1e6;
}

static void t_busy_poll(void)
{
    char dir[400], ev1[500], ev2[500], journal[1024];
    double c0, idle, spin;
    first_run("busy_poll", dir, sizeof dir, ev1, ev2, sizeof ev1, journal, sizeof journal);
    c0 = cpu_seconds();
    SQT_ASSERT_INT_EQ(run_app(dir, ev2, 1.0, NULL, 0), 0);
    idle = cpu_seconds() - c0;
    system_extra = "  busy_poll: true\n";
    c0 = cpu_seconds();
    SQT_ASSERT_INT_EQ(run_app(dir, ev2, 1.0, NULL, 0), 0);
    spin = cpu_seconds() - c0;
    system_extra = "";
    fprintf(stderr, "\n    [busy_poll] CPU over a 1 s run: %.3f s sleeping, %.3f s spinning\n", idle,
            spin);
    SQT_ASSERT_INT_EQ(errors_logged, 0);
    /* a spinning loop uses its core even on a busy machine; a sleeping one a sliver */
    CU_ASSERT_TRUE(spin > 0.25);
    CU_ASSERT_TRUE(spin > 3 * idle);
    check_book(journal);
}

/* system.keep_warm_ms: the plugin's warm runs on the loop, often, only once trading
 * (never before the price stream is asked for), never with 0, and the exchange sees the
 * same calls either way. */
static void t_keep_warm(void)
{
    char dir[400], ev1[500], ev2[500], journal[1024];
    int places_off, cancels_off, warms;
    first_run("keep_warm", dir, sizeof dir, ev1, ev2, sizeof ev1, journal, sizeof journal);
    system_extra = "  keep_warm_ms: 0\n";
    SQT_ASSERT_INT_EQ(run_app(dir, ev2, 0.5, NULL, 0), 0);
    SQT_ASSERT_INT_EQ(X->calls(SCR_WARM), 0);
    places_off = X->calls(SCR_PLACE);
    cancels_off = X->calls(SCR_CANCEL);
    system_extra = "  keep_warm_ms: 2\n";
    SQT_ASSERT_INT_EQ(run_app(dir, ev2, 0.5, NULL, 0), 0);
    system_extra = "";
    warms = X->calls(SCR_WARM);
    fprintf(stderr, "\n    [keep_warm] 2 ms over a 0.5 s run: %d passes\n", warms);
    CU_ASSERT_TRUE(warms >= 5);   /* ~250 on an idle machine */
    CU_ASSERT_TRUE(warms <= 260); /* never more often than asked */
    SQT_ASSERT_INT_EQ(X->warms_before_price(), 0);
    SQT_ASSERT_INT_EQ(X->calls(SCR_PLACE), places_off);
    SQT_ASSERT_INT_EQ(X->calls(SCR_CANCEL), cancels_off);
    SQT_ASSERT_INT_EQ(errors_logged, 0);
    check_book(journal);
}

/* A disk that fills up just as a fill arrives. The intent log's window was made at an
 * earlier turn (intentlog.c: its blocks allocated, its pages mapped), so the fill's sell is
 * stored there without room on the disk and leaves; the turn's transaction then fails and
 * the bot stops with 1 saying why; with space back, the restart finds the sell in the
 * intent log, takes it over (no second order) and books the fill once.
 * gone_log: the intent log was removed before the run, so the window cannot be made under
 * the limit and the turn's first write (its intents) fails: the sell never leaves. */
static void disk_full_at_a_fill(const char *name, int gone_log)
{
    char dir[400], ev1[500], ev2[500], ev3[500], journal[1024], ipath[1100];
    char buy[SQT_CLIENT_ID_MAX], sell[SQT_CLIENT_ID_MAX] = "";
    scripted_script sc;
    struct rlimit saved;
    sqt_order so;
    int rc, places_at_fill;
    CU_ASSERT_EQUAL_FATAL(getrlimit(RLIMIT_FSIZE, &saved), 0);
    first_run(name, dir, sizeof dir, ev1, ev2, sizeof ev1, journal, sizeof journal);
    snprintf(ev3, sizeof ev3, "%s/events-3.jsonl", dir);
    snprintf(ipath, sizeof ipath, "%s-intents", journal);
    if (gone_log)
        CU_ASSERT_EQUAL_FATAL(unlink(ipath), 0);
    memset(&sc, 0, sizeof sc);
    sc.call = SCR_PRICE_TICK;
    sc.nth = 10;
    X->set_script(&sc);
    X->disk_full_at_fire(64);
    rc = run_app(dir, ev2, SECOND_RUN_S, NULL, 0);
    CU_ASSERT_EQUAL(setrlimit(RLIMIT_FSIZE, &saved), 0);
    X->disk_full_at_fire(0);
    SQT_ASSERT_INT_EQ(rc, 1);
    CU_ASSERT_TRUE(errors_logged >= 1);
    CU_ASSERT_TRUE_FATAL(X->fired(buy, sizeof buy));
    places_at_fill = X->calls_at_fire(SCR_PLACE);
    if (gone_log) {
        /* nothing left after the fill: the sell was never sent */
        SQT_ASSERT_INT_EQ(X->calls(SCR_PLACE), places_at_fill);
    } else {
        /* the sell left, known to the intent log though not to the journal */
        sqt_intentlog *il = NULL;
        sqt_grid_saved_intent *v = NULL;
        char why[300] = "";
        size_t n = 0;
        SQT_ASSERT_INT_EQ(X->calls(SCR_PLACE), places_at_fill + 1);
        CU_ASSERT_EQUAL_FATAL(sqt_intentlog_open(ipath, journal_uid_of(journal), 0, &il, why,
                                                 sizeof why), 0);
        SQT_ASSERT_INT_EQ(sqt_intentlog_read(il, &v, &n, why, sizeof why), 0);
        SQT_ASSERT_INT_EQ(n, 1);
        if (n == 1) {
            snprintf(sell, sizeof sell, "%s", v[0].o.cid);
            SQT_ASSERT_INT_EQ(v[0].o.side, SQT_SIDE_SELL);
            SQT_ASSERT_INT_EQ(sql_int(journal, "SELECT count(*) FROM orders WHERE cid=?1",
                                      v[0].o.cid), 0);
        }
        free(v);
        sqt_intentlog_close(il);
    }
    /* space again: booked once, sold once (taken over, not sent again) */
    memset(&sc, 0, sizeof sc);
    X->set_script(&sc);
    errors_logged = 0;
    SQT_ASSERT_INT_EQ(run_app(dir, ev3, SECOND_RUN_S, NULL, 0), 0);
    SQT_ASSERT_INT_EQ(errors_logged, 0);
    check_filled_buy(ev3, buy);
    check_book(journal);
    if (!gone_log) { /* the one sell at the level is the one that left in the full run */
        CU_ASSERT_EQUAL_FATAL(X->order(sell, &so), 0);
        SQT_ASSERT_INT_EQ(so.status, SQT_ORDER_NEW);
        SQT_ASSERT_INT_EQ(sql_int(journal, "SELECT count(*) FROM orders WHERE cid=?1", sell), 1);
    }
    SQT_ASSERT_INT_EQ(sql_int(journal, "SELECT count(*) FROM fills WHERE cid=?1", buy), 1);
}

static void t_disk_full_at_a_fill(void)
{
    disk_full_at_a_fill("disk_full_at_a_fill", 0);
}

static void t_disk_full_no_window(void)
{
    disk_full_at_a_fill("disk_full_no_window", 1);
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"fill while symbol info is served", t_symbol_info},
        {"fill while the account is served", t_account},
        {"fill while the order stream subscribes", t_subscribe_orders},
        {"fill at the first read of the open orders", t_open_orders_1},
        {"fill while the position is read", t_positions},
        {"fill at the second read of the open orders", t_open_orders_2},
        {"fill while the price stream subscribes", t_subscribe_price},
        {"fill while a missed order is queried", t_query},
        {"fill at the last reconcile", t_reconcile},
        {"no journal: fill inside the snapshot", t_no_journal},
        {"no journal: fill before the first price", t_no_journal_price},
        {"pushes twice and out of order (position read)", t_twice_out_of_order},
        {"pushes twice and out of order (price stream)", t_twice_out_of_order_price},
        {"push lost in a stream gap (price stream)", t_lost_push_price},
        {"push lost in a stream gap (missed order queried)", t_lost_push_query},
        {"push lost in a stream gap while trading (comparison)", t_lost_push_trading},
        {"a fill while trading: the order leaves before the audit", t_order_before_audit},
        {"killed between a turn's two journal writes: the sell taken over", t_killed_between_writes},
        {"... and the sell filled while down: booked once", t_killed_between_writes_sell_filled},
        {"a plugin that answers inside the call: the turn's journal whole", t_answers_inside_the_call},
        {"system.busy_poll: the loop spins, trades and stops", t_busy_poll},
        {"system.keep_warm_ms: warm runs while trading, sends nothing", t_keep_warm},
        {"killed between the writes of a turn that read two fills", t_killed_between_writes_two_fills},
        {"a fill's order leaves before the rest of the poll phase is read",
         t_order_before_the_rest_of_the_turn},
        {"a disk full at a fill: the sell in the intent log leaves, stop 1, taken over",
         t_disk_full_at_a_fill},
        {"... no intent log's window: nothing unjournaled leaves, stop 1, restart whole",
         t_disk_full_no_window},
        {NULL, NULL}};
    return scripted_main("app_startup", cases, root, sizeof root, &plugin, &X);
}
