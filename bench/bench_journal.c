/* The journal's cost on the order path (host/app/trade.c journal_turn): the transaction
 * of a loop turn, committed before the turn's requests may leave. Two turn shapes, as
 * the real path has them (bench_tick_to_order_real): the fill turn (the fill push: the
 * order's update and fill row, [the round trip's pnl row], the counterpart's placement,
 * the slot and the totals) and the acknowledgement turn (the placement's REST answer:
 * the order and the slot). The price alternates between two grid levels, so buys and
 * sells fill in turn; prints median and p99 per turn and the WAL pages each turn wrote.
 *
 * Runs: synchronous=NORMAL back to back (warm caches); NORMAL with the caches evicted
 * before each turn (a sweep of SQT_BENCH_EVICT_MB, default 64 MB, outside the clock), as
 * live trading has them with ticks tens of ms apart; the same with SQT_BENCH_HOLD
 * (default 200) slots holding inventory above the market (a grid after a fall: the
 * save must not cost per slot); synchronous=FULL; NORMAL warm with the holding slots
 * (what finding the turn's changed slots costs, without the cache misses of the cold
 * runs). On the file system of the working directory (not tmpfs). SQT_BENCH_TURNS
 * (default 2000; the cold runs a quarter, FULL an eighth), SQT_BENCH_RUN=1..5 (one run
 * only, for profiling).
 *
 * What the two settings buy: in WAL mode both survive a process crash (kill -9, OOM,
 * a segfault): a commit is in the OS page cache once write() returns. FULL also fsyncs
 * the WAL at every commit, so a commit survives a power cut or a kernel panic; NORMAL
 * may lose the last commits then (the database itself stays consistent). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bench_util.h"
#include "grid.h"
#include "journal.h"

#define HI_TICKS 300000 /* 3000.00: where the timed turns trade */
#define LEVEL 200       /* price_interval 2.00 */

typedef struct run_opts {
    const char *label;
    int sync;
    int cold;
    long hold;
    long turns;
} run_opts;

static unsigned char *evict_buf;
static size_t evict_len;

/* Touch every cache line of a buffer larger than the caches: what ran before the turn
 * left nothing of the journal's code and data in them. */
static void evict(void)
{
    size_t i;
    for (i = 0; i < evict_len; i += 64)
        evict_buf[i]++;
}

static sqt_grid *grid_at(int64_t ticks)
{
    sqt_grid_params p;
    sqt_grid *g = NULL;
    char err[256];
    sqt_grid_params_init(&p);
    p.symbol = "ETHUSDT";
    p.quote_asset = "USDT";
    p.tick_size = bench_dec("0.01");
    p.step_size = bench_dec("0.001");
    p.min_qty = bench_dec("0.001");
    p.min_notional = bench_dec("5");
    p.price_interval = bench_dec("2");
    p.order_quantity = bench_dec("30");
    p.min_order_value = bench_dec("20");
    p.buy_window_size = 4;
    p.sell_window_size = 4;
    p.order_cleanup_threshold = 1000000;
    p.instance_tag = "B1";
    p.client_id_max_len = 32;
    p.id_seed = 1;
    if (sqt_grid_new(&p, &g, err, sizeof err) != 0 ||
        sqt_grid_start(g, bench_dec_units(ticks, 2), 0) != 0 ||
        sqt_grid_reconcile(g, NULL, 0, NULL, 0) != 0) {
        fprintf(stderr, "grid: %s\n", err);
        exit(1);
    }
    return g;
}

/* The REST answers of the turn's placements (acknowledged) and cancels (final). */
static void answer(sqt_grid *g, int64_t t)
{
    sqt_grid_cmd c[64];
    size_t n, i;
    static long oid;
    while ((n = sqt_grid_take_commands(g, c, 64)) > 0) {
        for (i = 0; i < n; i++) {
            sqt_order o;
            memset(&o, 0, sizeof o);
            o.struct_size = sizeof o;
            snprintf(o.symbol, sizeof o.symbol, "ETHUSDT");
            snprintf(o.client_id, sizeof o.client_id, "%s", c[i].client_id);
            if (c[i].kind == SQT_GRID_CMD_PLACE) {
                snprintf(o.order_id, sizeof o.order_id, "x%ld", ++oid);
                o.side = c[i].req.side;
                o.price = c[i].req.price;
                o.qty = c[i].req.qty;
                o.status = SQT_ORDER_NEW;
                sqt_grid_on_place_result(g, o.client_id, NULL, &o, t);
            } else if (c[i].kind == SQT_GRID_CMD_CANCEL) {
                snprintf(o.order_id, sizeof o.order_id, "%s", c[i].order_id);
                o.status = SQT_ORDER_CANCELED;
                o.filled_qty = bench_dec("0");
                sqt_grid_on_order_update(g, &o, t);
            }
        }
    }
}

/* The fill push of the grid's order at this price (whole, fee in USDT); 0 when none.
 * Every order is listed (a fall of thousands of levels leaves thousands of sells). */
/* The order at ticks filled by its push. *ns (when given): the push's nanoseconds in the
 * engine, after a cache sweep when cold. */
static int fill_at(sqt_grid *g, int64_t ticks, int64_t t, int cold, uint64_t *ns)
{
    static sqt_grid_slot_info *si;
    static size_t cap;
    size_t n = sqt_grid_list_slots(g, SQT_GRID_LIST_ORDERS, si, cap), i;
    sqt_dec px = bench_dec_units(ticks, 2);
    if (n > cap) {
        sqt_grid_slot_info *p = realloc(si, 2 * n * sizeof *p);
        if (p == NULL)
            exit(1);
        si = p;
        cap = 2 * n;
        n = sqt_grid_list_slots(g, SQT_GRID_LIST_ORDERS, si, cap);
    }
    for (i = 0; i < n; i++) {
        int ok = 1;
        sqt_order o;
        if (sqt_dec_cmp(si[i].order_price, px, &ok) != 0 || !ok ||
            si[i].order_state != SQT_GRID_ORD_CONFIRMED)
            continue;
        memset(&o, 0, sizeof o);
        o.struct_size = sizeof o;
        snprintf(o.symbol, sizeof o.symbol, "ETHUSDT");
        snprintf(o.client_id, sizeof o.client_id, "%s", si[i].client_id);
        snprintf(o.order_id, sizeof o.order_id, "%s", si[i].order_id);
        o.side = si[i].side;
        o.price = si[i].order_price;
        o.qty = o.filled_qty = o.last_fill_qty = si[i].order_qty;
        o.last_fill_price = si[i].order_price;
        o.status = SQT_ORDER_FILLED;
        o.fee = bench_dec("0.006");
        snprintf(o.fee_asset, sizeof o.fee_asset, "USDT");
        if (ns != NULL) {
            uint64_t t0;
            if (cold)
                evict();
            t0 = bench_now_ns();
            sqt_grid_on_order_update(g, &o, t);
            *ns = bench_now_ns() - t0;
        } else {
            sqt_grid_on_order_update(g, &o, t);
        }
        return 1;
    }
    return 0;
}

/* One loop turn as the host writes it (host/app/trade.c): the intent log's write of the
 * orders it places (timed into *intent_ns when given and the turn places any: the part
 * on the order path), then the journal transaction (returned, nanoseconds). */
static uint64_t journal_turn(sqt_journal *j, sqt_grid *g, int64_t ticks, int64_t t, int cold,
                             int *pages, uint64_t *intent_ns)
{
    static sqt_grid_event ev[512];
    static sqt_grid_saved_intent iv[512];
    size_t n = sqt_grid_take_events(g, ev, 512), k, ni = 0;
    int f0 = sqt_journal_wal_frames(j);
    uint64_t t0;
    for (k = 0; k < n; k++)
        if (ev[k].kind == SQT_GRID_EV_PLACED &&
            sqt_grid_intent_of(g, ev[k].slot, ev[k].client_id, &iv[ni]) == 0)
            ni++;
    if (intent_ns != NULL)
        *intent_ns = 0;
    if (ni > 0) {
        if (cold)
            evict();
        t0 = bench_now_ns();
        if (sqt_journal_intents(j, iv, ni) != 0)
            goto bad;
        if (intent_ns != NULL)
            *intent_ns = bench_now_ns() - t0;
    }
    if (cold)
        evict();
    t0 = bench_now_ns();
    if (sqt_journal_begin(j) != 0)
        goto bad;
    for (k = 0; k < n; k++)
        if (sqt_journal_event(j, &ev[k], t) != 0)
            goto bad;
    if (sqt_journal_save_grid(j, g, bench_dec_units(ticks, 2)) != 0 || sqt_journal_commit(j) != 0)
        goto bad;
    t0 = bench_now_ns() - t0;
    /* after a checkpoint the WAL starts again: that turn's count is its length */
    *pages = sqt_journal_wal_frames(j) - (sqt_journal_wal_frames(j) >= f0 ? f0 : 0);
    return t0;
bad:
    fprintf(stderr, "journal: %s\n", sqt_journal_errmsg(j));
    exit(1);
}

/* The price at ticks: the engine's step and the answers, journalled (not timed). */
static void settle(sqt_journal *j, sqt_grid *g, int64_t ticks, int64_t *t)
{
    int pages;
    sqt_grid_on_price(g, bench_dec_units(ticks, 2), *t);
    sqt_grid_adjust(g, *t);
    journal_turn(j, g, ticks, *t, 0, &pages, NULL);
    answer(g, *t);
    journal_turn(j, g, ticks, *t, 0, &pages, NULL);
    (*t)++;
}

static void run(const char *dir, const run_opts *o)
{
    char path[600], ipath[620], label[160], extra[96];
    sqt_journal_identity id = {"bench", "nokey", "ETHUSDT", "B1"};
    sqt_journal *j = NULL;
    /* the fall of `hold` levels ends at HI_TICKS: every run trades at the same prices */
    int64_t t = 1, hi = HI_TICKS + o->hold * LEVEL, lo;
    sqt_grid *g = grid_at(hi);
    bench_samples fill, ack, intent, engine;
    long i, fill_pages = 0, ack_pages = 0, fills = 0;
    char err[256];
    snprintf(path, sizeof path, "%s/bench-journal.journal", dir);
    unlink(path);
    if (sqt_journal_open(path, &id, o->sync, &j, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        exit(1);
    }
    settle(j, g, hi, &t);
    /* a fall of `hold` levels: each buy fills, its sell rests above the market */
    for (i = 0; i < o->hold; i++) {
        hi -= LEVEL;
        sqt_grid_on_price(g, bench_dec_units(hi, 2), t);
        fill_at(g, hi, t, 0, NULL);
        settle(j, g, hi, &t);
    }
    lo = hi - LEVEL;
    bench_samples_init(&fill, (size_t)o->turns);
    bench_samples_init(&ack, (size_t)o->turns);
    bench_samples_init(&intent, (size_t)o->turns);
    bench_samples_init(&engine, (size_t)o->turns);
    for (i = 0; i < o->turns; i++, t++) {
        /* down: the buy at lo fills, its sell goes out at hi; up: that sell fills (a
         * round trip), the buy at lo goes out again */
        int64_t px = i % 2 == 0 ? lo : hi;
        int pages;
        uint64_t ins, e0 = 0, e1;
        sqt_grid_on_price(g, bench_dec_units(px, 2), t);
        fills += fill_at(g, px, t, o->cold, &e0);
        e1 = bench_now_ns();
        sqt_grid_adjust(g, t);
        bench_samples_add(&engine, e0 + bench_now_ns() - e1);
        bench_samples_add(&fill, journal_turn(j, g, px, t, o->cold, &pages, &ins));
        if (ins > 0)
            bench_samples_add(&intent, ins);
        fill_pages += pages;
        answer(g, t);
        bench_samples_add(&ack, journal_turn(j, g, px, t, o->cold, &pages, NULL));
        ack_pages += pages;
        if (sqt_journal_wal_frames(j) >= 1000) {
            /* as the host does off the loop at 1000 frames (APP_CKPT_FRAMES): the WAL
             * starts again, its file's pages are written over, not appended */
            if (sqt_journal_checkpoint_file(path, NULL, err, sizeof err) != 0) {
                fprintf(stderr, "%s\n", err);
                exit(1);
            }
        }
    }
    if (fills != o->turns)
        fprintf(stderr, "  (only %ld of %ld turns had a fill)\n", fills, o->turns);
    snprintf(label, sizeof label, "fill turn, %s", o->label);
    snprintf(extra, sizeof extra, "WAL pages/turn %.2f", (double)fill_pages / (double)o->turns);
    bench_print_lat(label, &fill, 1000.0, "us", extra);
    snprintf(label, sizeof label, "ack turn,  %s", o->label);
    snprintf(extra, sizeof extra, "WAL pages/turn %.2f", (double)ack_pages / (double)o->turns);
    bench_print_lat(label, &ack, 1000.0, "us", extra);
    snprintf(label, sizeof label, "intents,   %s", o->label);
    bench_print_lat(label, &intent, 1000.0, "us", "the fill turn's order, before its request");
    snprintf(label, sizeof label, "engine,    %s", o->label);
    bench_print_lat(label, &engine, 1000.0, "us", "the fill push and its adjust step in the engine");
    bench_samples_free(&engine);
    bench_samples_free(&fill);
    bench_samples_free(&ack);
    bench_samples_free(&intent);
    sqt_journal_close(j);
    sqt_grid_free(g);
    unlink(path);
    snprintf(ipath, sizeof ipath, "%s-intents", path);
    unlink(ipath);
}

int main(void)
{
    char dir[512];
    long turns = bench_env_long("SQT_BENCH_TURNS", 2000);
    long hold = bench_env_long("SQT_BENCH_HOLD", 200);
    long mb = bench_env_long("SQT_BENCH_EVICT_MB", 64);
    long only = bench_env_long("SQT_BENCH_RUN", 0);
    run_opts runs[] = {
        {"NORMAL, warm", SQT_JOURNAL_SYNC_NORMAL, 0, 0, turns},
        {"NORMAL, cold", SQT_JOURNAL_SYNC_NORMAL, 1, 0, turns / 4},
        {"NORMAL, cold, holding", SQT_JOURNAL_SYNC_NORMAL, 1, hold, turns / 4},
        {"FULL, warm", SQT_JOURNAL_SYNC_FULL, 0, 0, turns / 8},
        {"NORMAL, warm, holding", SQT_JOURNAL_SYNC_NORMAL, 0, hold, turns},
    };
    size_t i;
    bench_banner("bench_journal", "the state journal per loop turn (host path: the intent log's "
                                  "write before the turn's requests leave, the transaction after)");
    if (getcwd(dir, sizeof dir) == NULL)
        return 1;
    evict_len = (size_t)(mb > 0 ? mb : 64) << 20;
    if ((evict_buf = calloc(1, evict_len)) == NULL)
        return 1;
    printf("  grid ETHUSDT, interval 2, windows 4 + 4; cold: %ld MB swept before each turn; "
           "holding: %ld slots above the market\n",
           mb, hold);
    for (i = 0; i < sizeof runs / sizeof runs[0]; i++) {
        char label[96];
        if (only > 0 && (size_t)only != i + 1)
            continue;
        if (runs[i].hold > 0) {
            snprintf(label, sizeof label, "%s %ld", runs[i].label, runs[i].hold);
            runs[i].label = label;
        }
        run(dir, &runs[i]);
    }
    free(evict_buf);
    return 0;
}
