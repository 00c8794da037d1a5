/* The journal's cost on the order path (host/app/trade.c journal_turn): one transaction
 * with a fill's events (order update + fill row), the changed slot rows and the totals,
 * committed before the turn's requests may leave. Measured for synchronous=NORMAL and
 * FULL (WAL both), on the file system of the build directory (not tmpfs), with 12
 * holding slots and 10 buy orders live. Prints median and p99 per turn.
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

static sqt_grid *grid_busy(void)
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
    p.instance_tag = "B1";
    p.client_id_max_len = 32;
    p.id_seed = 1;
    if (sqt_grid_new(&p, &g, err, sizeof err) != 0 || sqt_grid_start(g, bench_dec("3000.00"), 0) != 0 ||
        sqt_grid_reconcile(g, NULL, 0, NULL, 0) != 0) {
        fprintf(stderr, "grid: %s\n", err);
        exit(1);
    }
    return g;
}

/* Acknowledge every place command; fill the first buy (returns 1 when one filled). */
static int step(sqt_grid *g, int64_t t, int fill)
{
    sqt_grid_cmd c[64];
    size_t n = sqt_grid_take_commands(g, c, 64), i;
    int filled = 0;
    for (i = 0; i < n; i++) {
        sqt_order o;
        if (c[i].kind != SQT_GRID_CMD_PLACE)
            continue;
        memset(&o, 0, sizeof o);
        o.struct_size = sizeof o;
        snprintf(o.symbol, sizeof o.symbol, "ETHUSDT");
        snprintf(o.client_id, sizeof o.client_id, "%s", c[i].client_id);
        snprintf(o.order_id, sizeof o.order_id, "x%lld", (long long)t * 100 + (long long)i);
        o.side = c[i].req.side;
        o.price = c[i].req.price;
        o.qty = c[i].req.qty;
        o.status = SQT_ORDER_NEW;
        sqt_grid_on_place_result(g, o.client_id, NULL, &o, t);
        if (fill && !filled && o.side == SQT_SIDE_BUY) {
            o.status = SQT_ORDER_FILLED;
            o.filled_qty = o.qty;
            o.last_fill_qty = o.qty;
            o.last_fill_price = o.price;
            o.fee = bench_dec("0.006");
            snprintf(o.fee_asset, sizeof o.fee_asset, "USDT");
            sqt_grid_on_order_update(g, &o, t);
            filled = 1;
        }
    }
    return filled;
}

static void run(const char *dir, int mode, long turns)
{
    char path[600];
    sqt_journal_identity id = {"bench", "nokey", "ETHUSDT", "B1"};
    sqt_journal *j = NULL;
    sqt_grid *g = grid_busy();
    sqt_grid_event ev[256];
    bench_samples s;
    char err[256], label[96];
    long i;
    int64_t t = 1;
    snprintf(path, sizeof path, "%s/bench-%d.journal", dir, mode);
    unlink(path);
    if (sqt_journal_open(path, &id, mode, &j, NULL, err, sizeof err) != 0) {
        fprintf(stderr, "%s\n", err);
        exit(1);
    }
    bench_samples_init(&s, (size_t)turns);
    for (i = 0; i < turns; i++, t++) {
        uint64_t t0;
        size_t n, k;
        /* prices walk down and back up: buys fill, sells go out, round trips close */
        int64_t ticks = 300000 - (i % 40 < 20 ? i % 40 : 40 - i % 40) * 100;
        sqt_grid_on_price(g, bench_dec_units(ticks, 2), t);
        step(g, t, 1);
        sqt_grid_adjust(g, t);
        n = sqt_grid_take_events(g, ev, 256);
        t0 = bench_now_ns();
        sqt_journal_begin(j);
        for (k = 0; k < n; k++)
            sqt_journal_event(j, &ev[k], t);
        sqt_journal_save_grid(j, g, bench_dec_units(ticks, 2));
        if (sqt_journal_commit(j) != 0) {
            fprintf(stderr, "commit: %s\n", sqt_journal_errmsg(j));
            exit(1);
        }
        bench_samples_add(&s, bench_now_ns() - t0);
        step(g, t, 0);
    }
    snprintf(label, sizeof label, "journal turn with a fill, synchronous=%s",
             mode == SQT_JOURNAL_SYNC_FULL ? "FULL" : "NORMAL");
    bench_print_lat(label, &s, 1000.0, "us", NULL);
    bench_samples_free(&s);
    sqt_journal_close(j);
    sqt_grid_free(g);
    unlink(path);
}

int main(void)
{
    char dir[512];
    long turns = bench_env_long("SQT_BENCH_TURNS", 2000);
    bench_banner("bench_journal", "the state journal's cost per loop turn with a fill (host path: "
                                  "journal_turn before the requests leave)");
    if (getcwd(dir, sizeof dir) == NULL)
        return 1;
    run(dir, SQT_JOURNAL_SYNC_NORMAL, turns);
    run(dir, SQT_JOURNAL_SYNC_FULL, turns);
    return 0;
}
