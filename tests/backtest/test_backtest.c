/* The backtest core: a hand-checked scenario with exact PnL, determinism (twice the
 * same; any chunking of the input; the matcher's fast path), the engine's invariants
 * over a long random file, margin lock and risk pause on virtual time, gzip input. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "backtest.h"
#include "bt_data.h"
#include "bt_internal.h"
#include "bt_run.h"
#include "grid_internal.h"
#include "match.h"
#include "sqt_test.h"

static int g_memo_off; /* run(): the engine's buy pass without its memo and timeout
                        * scans on every housekeeping tick */

static void params(sqt_bt_params *bp)
{
    sqt_bt_params_init(bp);
    bp->info.min_notional = sqt_dec_make(5, 0);
    bp->info.min_qty = sqt_dec_make(1, 3);
    bp->balance = sqt_dec_make(1000, 0);
    bp->leverage = 5;
    bp->maker_fee = sqt_dec_make(2, 4);
    bp->taker_fee = sqt_dec_make(5, 4);
    sqt_grid_params_init(&bp->grid);
    bp->grid.price_interval = sqt_dec_make(100, 2); /* 1.00 */
    bp->grid.order_quantity = sqt_dec_make(99, 1);  /* 9.9 quote: 0.1 at 99 */
    bp->grid.min_order_value = sqt_dec_make(5, 0);
    bp->grid.buy_window_size = 1;
    bp->grid.sell_window_size = 5;
    bp->grid.order_cleanup_threshold = 50;
    bp->grid.cleanup_batch_size = 5;
    bp->grid.sell_quota_reserve = 10;
    bp->grid.instance_tag = "bt";
    bp->grid.client_id_max_len = 36;
    bp->grid.id_seed = 1;
    bp->grid.margin_lock_duration_ms = 10000;
    memset(&bp->exec, 0, sizeof(bp->exec));
    bp->exec.max_batch_place = 5;
    bp->exec.max_batch_cancel = 10;
}

static int dec_is(sqt_dec d, const char *want)
{
    char buf[48];
    sqt_dec_format(d, buf, sizeof(buf));
    if (strcmp(buf, want) != 0)
        fprintf(stderr, "    got %s, want %s\n", buf, want);
    return strcmp(buf, want) == 0;
}

static void trade(sqt_bt *bt, int64_t t, int64_t cents)
{
    char err[256];
    int rc = sqt_bt_on_trade(bt, t, sqt_dec_make(cents, 2), sqt_dec_make(1, 0), err, sizeof(err));
    if (rc != 0)
        fprintf(stderr, "    trade: %s\n", err);
    CU_ASSERT(rc == 0);
}

/* Run the trades (times ms, prices in cents) with the params above; the summary in *s,
 * the backtest still open for more checks (caller frees). */
static sqt_bt *run_trades(const int64_t *t, const int64_t *cents, int n, sqt_bt_summary *s)
{
    sqt_bt_params bp;
    sqt_bt *bt;
    char err[256];
    int i;
    params(&bp);
    CU_ASSERT_FATAL(sqt_bt_new(&bp, &bt, err, sizeof(err)) == 0);
    for (i = 0; i < n; i++)
        trade(bt, t[i], cents[i]);
    CU_ASSERT(sqt_bt_finish(bt, err, sizeof(err)) == 0);
    sqt_bt_summary_get(bt, s);
    return bt;
}

/* Start at 100.00: one buy at 99.00 (0.1 for 9.9 quote). 99.00 fills it as maker (fee
 * 9.9 * 0.0002 = 0.00198), the sell rests at 100.00 and fills there (fee 10 * 0.0002 =
 * 0.002): realized 10 - 9.9 - 0.00198 - 0.002 = 0.09602, flat at the end. */
static void test_hand_checked_round_trip(void)
{
    static const int64_t t[] = {1000, 2000, 3000, 4000, 5000};
    static const int64_t p[] = {10000, 9950, 9900, 9960, 10000};
    sqt_bt_summary s;
    sqt_bt *bt = run_trades(t, p, 5, &s);
    SQT_ASSERT_INT_EQ(s.trades, 5);
    SQT_ASSERT_INT_EQ(s.round_trips, 1);
    SQT_ASSERT_INT_EQ(s.fills, 2);
    CU_ASSERT(dec_is(s.realized_pnl, "0.09602"));
    CU_ASSERT(dec_is(s.net_pnl, "0.09602"));
    CU_ASSERT(dec_is(s.unrealized_pnl, "0"));
    CU_ASSERT(dec_is(s.fees, "0.00398"));
    CU_ASSERT(dec_is(s.equity, "1000.09602"));
    CU_ASSERT(dec_is(s.position, "0"));
    CU_ASSERT(dec_is(s.max_inventory, "0.1"));
    CU_ASSERT(dec_is(s.volume, "19.9"));
    /* holding 0.1 bought at 99 (fee paid) while the price is at 99.00: equity
     * 1000 - 0.00198 is the low; the high before it is 1000 */
    CU_ASSERT(dec_is(s.max_drawdown, "0.00198"));
    sqt_bt_free(bt);
}

/* The buy window is anchored at the level nearest to the price (G(100.00) = 100.00, too
 * close to buy: the 0.1 I buffer), so the buy at 99.00 goes out at 99.40. It fills at
 * 99.00, the sell rests at 100.00 and does not fill: all of the net is unrealized:
 * 0.1 * (99.60 - 99) - 0.00198 = 0.05802. */
static void test_hand_checked_open_inventory(void)
{
    static const int64_t t[] = {1000, 2000, 3000, 4000};
    static const int64_t p[] = {10000, 9940, 9900, 9960};
    sqt_bt_summary s;
    sqt_bt *bt = run_trades(t, p, 4, &s);
    SQT_ASSERT_INT_EQ(s.round_trips, 0);
    CU_ASSERT(dec_is(s.realized_pnl, "0"));
    CU_ASSERT(dec_is(s.unrealized_pnl, "0.05802"));
    CU_ASSERT(dec_is(s.position, "0.1"));
    sqt_bt_free(bt);
}

/* The hand-checked round trip with 90 days without trades in the middle: the gap is
 * crossed in one step (not 15.5 M housekeeping runs) and changes nothing. */
static void test_long_gap(void)
{
    static const int64_t gap = 90LL * 86400 * 1000;
    static const int64_t t[] = {1000, 2000, 2000 + gap, 3000 + gap, 4000 + gap};
    static const int64_t p[] = {10000, 9950, 9900, 9960, 10000};
    sqt_bt_summary s;
    sqt_bt *bt = run_trades(t, p, 5, &s);
    SQT_ASSERT_INT_EQ(s.round_trips, 1);
    CU_ASSERT(dec_is(s.realized_pnl, "0.09602"));
    CU_ASSERT(dec_is(s.net_pnl, "0.09602"));
    SQT_ASSERT_INT_EQ(sqt_bt_gaps_crossed(bt), 1);
    sqt_bt_free(bt);
}

/* ---- a random market as a Binance aggTrades file in memory --------------------------- */

static uint64_t rng_state;

static uint32_t rnd(void)
{
    rng_state = rng_state * 6364136223846793005ULL + 1442695040888963407ULL;
    return (uint32_t)(rng_state >> 33);
}

static char *random_csv(int rows, uint64_t seed, size_t *len)
{
    size_t cap = (size_t)rows * 80 + 200, n = 0;
    char *buf = malloc(cap);
    int64_t p = 300000, t = 1704067200000LL;
    int i;
    rng_state = seed;
    n += (size_t)snprintf(buf + n, cap - n,
                          "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,"
                          "is_buyer_maker\n");
    for (i = 0; i < rows; i++) {
        p += (int64_t)(rnd() % 41) - 20;
        if (p < 1000)
            p = 1000;
        t += rnd() % 150;
        n += (size_t)snprintf(buf + n, cap - n, "%d,%lld.%02lld,0.%03u,%d,%d,%lld,%s\n", i + 1,
                              (long long)(p / 100), (long long)(p % 100), rnd() % 999 + 1, i, i,
                              (long long)t, i % 2 ? "true" : "false");
    }
    *len = n;
    return buf;
}

typedef struct run_out {
    char *events;
    size_t events_len;
    char *summary;
    size_t summary_len;
    sqt_bt_summary s;
} run_out;

typedef struct feed {
    sqt_bt *bt;
    int every;                 /* check the engine's invariants every n trades (0 none) */
    uint64_t n;
    int bad;
} feed;

static int on_tick(void *ud, const sqt_bt_tick *t)
{
    feed *f = ud;
    char err[256];
    if (sqt_bt_on_trade(f->bt, t->time_ms, t->price, t->qty, err, sizeof(err)) != 0) {
        fprintf(stderr, "    trade: %s\n", err);
        return -1;
    }
    f->n++;
    if (f->every > 0 && f->n % (uint64_t)f->every == 0) {
        char why[256];
        if (sqt_grid_check_invariants(sqt_bt_grid(f->bt), why, sizeof(why)) != 0) {
            if (!f->bad)
                fprintf(stderr, "    invariant broken after %llu trades: %s\n",
                        (unsigned long long)f->n, why);
            f->bad++;
        }
    }
    return 0;
}

/* Run the csv through the reader in chunks of `chunk` bytes. */
static int run(const sqt_bt_params *bp0, const char *csv, size_t len, size_t chunk, int every,
               run_out *out)
{
    sqt_bt_params bp = *bp0;
    sqt_eventlog el;
    sqt_bt_reader *r;
    feed fd;
    FILE *sf;
    char err[256];
    size_t pos = 0;
    int rc = 0;
    memset(out, 0, sizeof(*out));
    memset(&el, 0, sizeof(el));
    el.f = open_memstream(&out->events, &out->events_len);
    bp.events = &el;
    bp.chart = 1;
    if (sqt_bt_new(&bp, &fd.bt, err, sizeof(err)) != 0) {
        fprintf(stderr, "    new: %s\n", err);
        fclose(el.f);
        return -1;
    }
    ((sqt_grid *)sqt_bt_grid(fd.bt))->memo_off = g_memo_off;
    ((sqt_grid *)sqt_bt_grid(fd.bt))->watch_off = g_memo_off;
    fd.every = every;
    fd.n = 0;
    fd.bad = 0;
    r = sqt_bt_reader_new("mem.csv", SQT_BT_FMT_AUTO, on_tick, &fd);
    while (rc == 0 && pos < len) {
        size_t n = len - pos < chunk ? len - pos : chunk;
        rc = sqt_bt_reader_push(r, csv + pos, n, err, sizeof(err));
        pos += n;
    }
    if (rc == 0)
        rc = sqt_bt_reader_finish(r, err, sizeof(err));
    if (rc == 0)
        rc = sqt_bt_finish(fd.bt, err, sizeof(err));
    if (rc != 0)
        fprintf(stderr, "    run: %s\n", err);
    sqt_bt_summary_get(fd.bt, &out->s);
    sf = open_memstream(&out->summary, &out->summary_len);
    sqt_bt_summary_json(&out->s, sf);
    sqt_bt_chart_write(fd.bt, sf, "t");
    fclose(sf);
    fclose(el.f);
    sqt_bt_reader_free(r);
    sqt_bt_free(fd.bt);
    return rc != 0 ? -1 : fd.bad;
}

static void run_free(run_out *o)
{
    free(o->events);
    free(o->summary);
}

static int same(const run_out *a, const run_out *b)
{
    return a->events_len == b->events_len && a->summary_len == b->summary_len &&
           memcmp(a->events, b->events, a->events_len) == 0 &&
           memcmp(a->summary, b->summary, a->summary_len) == 0;
}

static void test_determinism(void)
{
    sqt_bt_params bp;
    size_t len;
    char *csv = random_csv(60000, 42, &len);
    run_out a, b, c, d, e;
    params(&bp);
    bp.grid.buy_window_size = 8;
    bp.grid.order_quantity = sqt_dec_make(30, 0);
    bp.latency_ms = 3;
    SQT_ASSERT_INT_EQ(run(&bp, csv, len, 1 << 20, 0, &a), 0);
    SQT_ASSERT_INT_EQ(run(&bp, csv, len, 1 << 20, 0, &b), 0);
    CU_ASSERT(a.s.round_trips > 50); /* the scenario trades */
    CU_ASSERT(a.events_len > 10000);
    CU_ASSERT(same(&a, &b));
    /* any chunking: a byte at a time, odd sizes */
    SQT_ASSERT_INT_EQ(run(&bp, csv, len, 1, 0, &c), 0);
    CU_ASSERT(same(&a, &c));
    SQT_ASSERT_INT_EQ(run(&bp, csv, len, 4093, 0, &d), 0);
    CU_ASSERT(same(&a, &d));
    /* the matcher on every trade gives the same as the fast path */
    bp.no_fast_path = 1;
    SQT_ASSERT_INT_EQ(run(&bp, csv, len, 1 << 20, 0, &e), 0);
    CU_ASSERT(same(&a, &e));
    run_free(&a);
    run_free(&b);
    run_free(&c);
    run_free(&d);
    run_free(&e);
    free(csv);
}

/* The engine skips work it can prove idle: the buy pass a window it found with nothing
 * to do while nothing that matters changed (grid.c, buy_pass), the timeout scans while
 * no order is pending, cancelled or queried (grid_sync.c). Event log, summary and chart
 * must be those of the full work, on calm and on wild paths, wide and narrow windows,
 * with latency, and with answers slower than the engine's cancel timeout. (The grid's
 * random test compares the same on 400 cases with lost and late messages.) */
static void test_buy_pass_memo(void)
{
    static const struct {
        int rows, window, interval_cents, latency;
        uint64_t seed;
    } cases[] = {{60000, 8, 100, 3, 42}, {60000, 1, 100, 0, 7}, {60000, 10, 5, 0, 11},
                 {40000, 20, 20, 2, 5},  {40000, 4, 300, 0, 99}, {40000, 8, 20, 7000, 3}};
    size_t i;
    for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sqt_bt_params bp;
        size_t len;
        char *csv = random_csv(cases[i].rows, cases[i].seed, &len);
        run_out a, b;
        params(&bp);
        bp.grid.buy_window_size = cases[i].window;
        bp.grid.price_interval = sqt_dec_make(cases[i].interval_cents, 2);
        bp.grid.order_quantity = sqt_dec_make(30, 0);
        bp.latency_ms = cases[i].latency;
        g_memo_off = 0;
        SQT_ASSERT_INT_EQ(run(&bp, csv, len, 1 << 20, 997, &a), 0);
        g_memo_off = 1;
        SQT_ASSERT_INT_EQ(run(&bp, csv, len, 1 << 20, 997, &b), 0);
        g_memo_off = 0;
        CU_ASSERT(cases[i].latency > 5000 ? a.s.fills > 0 : a.s.round_trips > 10);
        if (!same(&a, &b))
            fprintf(stderr, "    case %zu: the memo changed the run\n", i);
        CU_ASSERT(same(&a, &b));
        run_free(&a);
        run_free(&b);
        free(csv);
    }
}

/* Latency changes what happens (answers arrive later), deterministically. */
static void test_latency_matters(void)
{
    sqt_bt_params bp;
    size_t len;
    char *csv = random_csv(30000, 7, &len);
    run_out a, b;
    params(&bp);
    bp.grid.buy_window_size = 8;
    bp.grid.order_quantity = sqt_dec_make(30, 0);
    SQT_ASSERT_INT_EQ(run(&bp, csv, len, 65536, 0, &a), 0);
    bp.latency_ms = 250;
    SQT_ASSERT_INT_EQ(run(&bp, csv, len, 65536, 0, &b), 0);
    CU_ASSERT(!same(&a, &b));
    /* an acknowledgement comes 250 ms after its placement */
    CU_ASSERT(strstr(b.events, "\"ts\":") != NULL);
    run_free(&a);
    run_free(&b);
    free(csv);
}

static void test_invariants_long_random(void)
{
    sqt_bt_params bp;
    size_t len;
    char *csv = random_csv(300000, 2024, &len);
    run_out a;
    params(&bp);
    bp.grid.buy_window_size = 10;
    bp.grid.sell_window_size = 10;
    bp.grid.order_cleanup_threshold = 30;
    bp.grid.order_quantity = sqt_dec_make(30, 0);
    bp.latency_ms = 7;
    bp.exec.rate_per_sec = 5; /* tight: the bucket is what limits */
    bp.exec.burst = 10;
    SQT_ASSERT_INT_EQ(run(&bp, csv, len, 1 << 16, 997, &a), 0);
    SQT_ASSERT_INT_EQ(a.s.trades, 300000);
    CU_ASSERT(a.s.round_trips > 100);
    SQT_ASSERT_INT_EQ(a.s.fills, a.s.buy_fills + a.s.sell_fills);
    CU_ASSERT(a.s.round_trips <= a.s.sell_fills);
    /* the books balance: net = realized + unrealized, equity = balance + net */
    {
        sqt_dec sum = sqt_dec_make(0, 0);
        int64_t m1, m2;
        sqt_dec_rescale(a.s.realized_pnl, 8, &sum);
        m1 = sum.mant;
        sqt_dec_rescale(a.s.unrealized_pnl, 8, &sum);
        m2 = sum.mant;
        sqt_dec_rescale(a.s.net_pnl, 8, &sum);
        SQT_ASSERT_INT_EQ(m1 + m2, sum.mant);
        sqt_dec_rescale(a.s.equity, 8, &sum);
        m1 = sum.mant;
        sqt_dec_rescale(a.s.net_pnl, 8, &sum);
        SQT_ASSERT_INT_EQ(m1 - sum.mant, 100000000000LL);
    }
    /* the executor's token bucket held on virtual time: never more than the burst plus
     * a minute of refill in one minute */
    CU_ASSERT(a.s.requests_per_min_max <= 10 + 5 * 60);
    CU_ASSERT(a.s.requests_per_min_max > 0);
    run_free(&a);
    free(csv);
}

/* A wallet too small for the grid: the exchange refuses for margin and the engine locks
 * buys on virtual time. */
static void test_margin_lock(void)
{
    sqt_bt_params bp;
    size_t len;
    char *csv = random_csv(20000, 3, &len);
    run_out a;
    params(&bp);
    bp.grid.buy_window_size = 10;
    bp.grid.order_quantity = sqt_dec_make(30, 0);
    bp.balance = sqt_dec_make(50, 0);
    bp.leverage = 1;
    SQT_ASSERT_INT_EQ(run(&bp, csv, len, 1 << 16, 100, &a), 0);
    CU_ASSERT(a.s.margin_locks > 0);
    CU_ASSERT(strstr(a.events, "\"reason\":\"margin\"") != NULL);
    run_free(&a);
    free(csv);
}

/* 25 calm minutes, one panic minute (a 10% fall on 100x the volume), then the market
 * is back at 100 and calm: the monitor pauses trading when the panic candle closes and
 * resumes when the next normal candle closes, after its 60 s minimum. */
static void test_risk_pause(void)
{
    sqt_bt_params bp;
    sqt_bt *bt;
    sqt_bt_summary s;
    char err[256];
    int64_t t0 = 1704067200000LL;
    int m, i;
    params(&bp);
    bp.risk_enabled = 1;
    bp.risk_interval_ms = 60000;
    bp.risk_window = 20;
    bp.risk_volume_multiplier = 3.0;
    CU_ASSERT_FATAL(sqt_bt_new(&bp, &bt, err, sizeof(err)) == 0);
    for (m = 0; m < 32; m++) {
        for (i = 0; i < 10; i++) {
            int64_t p = m < 25 ? 10000 + (i % 2) * 5 : m == 25 ? 10000 - 100 * (i + 1) : 10000 + (i % 2) * 5;
            int64_t q = m == 25 ? 100 : 1;
            CU_ASSERT(sqt_bt_on_trade(bt, t0 + m * 60000 + i * 6000, sqt_dec_make(p, 2),
                                      sqt_dec_make(q, 0), err, sizeof(err)) == 0);
        }
    }
    CU_ASSERT(sqt_bt_finish(bt, err, sizeof(err)) == 0);
    sqt_bt_summary_get(bt, &s);
    SQT_ASSERT_INT_EQ(s.risk_pauses, 1);
    /* paused at the first trade of minute 26, resumed at the first of minute 27 */
    SQT_ASSERT_INT_EQ(s.risk_pause_ms, 60000);
    sqt_bt_free(bt);
}

/* A tight token bucket (1 request/s) and a market that flips between 99.50 and 98.50
 * every 100 ms: the buy at 99.00 decided at 99.50 waits in the executor's queue and
 * reaches the exchange on the next whole second, when the last trade was at 98.50, so
 * it is refused as post-only; after post_only_max_failures such refusals the engine
 * sends that slot plain GTC, which takes at once. */
static void test_post_only_degrade(void)
{
    sqt_bt_params bp;
    sqt_bt *bt;
    sqt_bt_summary s;
    char err[256];
    int i;
    params(&bp);
    bp.grid.buy_window_size = 2;
    bp.grid.post_only_max_failures = 2;
    bp.grid.place_retry_delay_ms = 100;
    bp.exec.rate_per_sec = 1;
    bp.exec.burst = 1;
    bp.exec.max_batch_place = 1;
    CU_ASSERT_FATAL(sqt_bt_new(&bp, &bt, err, sizeof(err)) == 0);
    for (i = 0; i < 600; i++)
        trade(bt, 1000 + i * 100LL, i % 2 ? 9850 : 9950);
    CU_ASSERT(sqt_bt_finish(bt, err, sizeof(err)) == 0);
    sqt_bt_summary_get(bt, &s);
    CU_ASSERT(s.post_only_rejects >= 2);
    CU_ASSERT(s.post_only_degrades >= 1);
    CU_ASSERT(s.fills >= 1);
    /* the bucket held: at most 1 + 60 requests in any minute */
    CU_ASSERT(s.requests_per_min_max <= 61);
    sqt_bt_free(bt);
}

static void test_bad_input(void)
{
    sqt_bt_params bp;
    sqt_bt *bt;
    char err[256];
    params(&bp);
    bp.grid.price_interval = sqt_dec_make(1005, 3); /* not a multiple of the tick */
    CU_ASSERT(sqt_bt_new(&bp, &bt, err, sizeof(err)) < 0);
    CU_ASSERT(err[0] != '\0');
    params(&bp);
    CU_ASSERT_FATAL(sqt_bt_new(&bp, &bt, err, sizeof(err)) == 0);
    CU_ASSERT(sqt_bt_finish(bt, err, sizeof(err)) < 0); /* no trades */
    sqt_bt_free(bt);
    CU_ASSERT_FATAL(sqt_bt_new(&bp, &bt, err, sizeof(err)) == 0);
    trade(bt, 5000, 10000);
    CU_ASSERT(sqt_bt_on_trade(bt, 4999, sqt_dec_make(10000, 2), sqt_dec_make(1, 0), err,
                              sizeof(err)) < 0);
    CU_ASSERT(strstr(err, "backwards") != NULL);
    CU_ASSERT(sqt_bt_on_trade(bt, 6000, sqt_dec_make(1, 3), sqt_dec_make(1, 0), err, sizeof(err)) < 0);
    sqt_bt_free(bt);
}

static void test_overrides(void)
{
    sqt_config c;
    sqt_bt_params bp;
    char why[256];
    memset(&c, 0, sizeof(c));
    sqt_bt_params_init(&bp);
    CU_ASSERT(sqt_bt_override(&c, &bp, "price_interval", "2.5", why, sizeof(why)) == 0);
    CU_ASSERT(dec_is(c.price_interval, "2.5"));
    CU_ASSERT(sqt_bt_override(&c, &bp, "buy_window_size", "12", why, sizeof(why)) == 0);
    SQT_ASSERT_INT_EQ(c.buy_window_size, 12);
    CU_ASSERT(sqt_bt_override(&c, &bp, "fee", "0.0001", why, sizeof(why)) == 0);
    CU_ASSERT(dec_is(bp.taker_fee, "0.0001"));
    CU_ASSERT(sqt_bt_override(&c, &bp, "leverage", "0", why, sizeof(why)) < 0);
    CU_ASSERT(sqt_bt_override(&c, &bp, "buy_window_size", "x", why, sizeof(why)) < 0);
    CU_ASSERT(sqt_bt_override(&c, &bp, "nonsense", "1", why, sizeof(why)) < 0);
    CU_ASSERT(strstr(why, "unknown key") != NULL);
}

/* One run over a data file; its summary as JSON text (the caller frees it). */
static int run_path(const sqt_bt_params *bp, const char *path, size_t chunk, char **json,
                    char *err, size_t errlen)
{
    sqt_bt *bt;
    sqt_bt_summary s;
    size_t jl;
    FILE *f;
    int rc;
    *json = NULL;
    if (sqt_bt_new(bp, &bt, err, errlen) != 0)
        return -1;
    rc = sqt_bt_feed_file(bt, path, SQT_BT_FMT_AUTO, chunk, INT64_MIN, INT64_MAX, 0, err, errlen);
    if (rc == 0)
        rc = sqt_bt_finish(bt, err, errlen);
    if (rc == 0) {
        sqt_bt_summary_get(bt, &s);
        f = open_memstream(json, &jl);
        sqt_bt_summary_json(&s, f);
        fclose(f);
    }
    sqt_bt_free(bt);
    return rc;
}

static void write_bytes(const char *path, const void *p, size_t n)
{
    FILE *f = fopen(path, "wb");
    CU_ASSERT_FATAL(f != NULL);
    CU_ASSERT(fwrite(p, 1, n, f) == n);
    fclose(f);
}

/* A .csv.gz (as history downloads come) runs exactly as the plain file, at any read
 * size; a cut or damaged one stops with the file's name and why, never a crash. */
static void test_gzip_input(void)
{
    sqt_bt_params bp;
    size_t len, zlen;
    char *csv = random_csv(20000, 9, &len), *plain_json, *gz_json, *gz_small_json, err[512];
    char dir[] = "/tmp/sqt_bt_gz_XXXXXX", plain[600], gz[600], cut[600], bad[600];
    unsigned char *z;
    gzFile g;
    FILE *f;
    CU_ASSERT_FATAL(mkdtemp(dir) != NULL);
    snprintf(plain, sizeof(plain), "%s/t.csv", dir);
    snprintf(gz, sizeof(gz), "%s/t.csv.gz", dir);
    snprintf(cut, sizeof(cut), "%s/cut.csv.gz", dir);
    snprintf(bad, sizeof(bad), "%s/bad.csv.gz", dir);
    write_bytes(plain, csv, len);
    g = gzopen(gz, "wb9");
    CU_ASSERT_FATAL(g != NULL);
    CU_ASSERT(gzwrite(g, csv, (unsigned)len) == (int)len);
    CU_ASSERT(gzclose(g) == Z_OK);
    params(&bp);
    bp.grid.buy_window_size = 8;
    bp.grid.order_quantity = sqt_dec_make(30, 0);
    SQT_ASSERT_INT_EQ(run_path(&bp, plain, 1 << 16, &plain_json, err, sizeof(err)), 0);
    SQT_ASSERT_INT_EQ(run_path(&bp, gz, 1 << 16, &gz_json, err, sizeof(err)), 0);
    SQT_ASSERT_INT_EQ(run_path(&bp, gz, 777, &gz_small_json, err, sizeof(err)), 0);
    CU_ASSERT_FATAL(plain_json != NULL && gz_json != NULL && gz_small_json != NULL);
    CU_ASSERT(strstr(plain_json, "\"trades\": 20000") != NULL);
    CU_ASSERT(strstr(plain_json, "\"round_trips\": 0,") == NULL); /* it trades */
    SQT_ASSERT_STR_EQ(gz_json, plain_json);
    SQT_ASSERT_STR_EQ(gz_small_json, plain_json);
    free(plain_json);
    free(gz_json);
    free(gz_small_json);

    /* the compressed file cut in the middle: the rows read run, then the error */
    f = fopen(gz, "rb");
    CU_ASSERT_FATAL(f != NULL);
    z = malloc(len);
    CU_ASSERT_FATAL(z != NULL);
    zlen = fread(z, 1, len, f);
    fclose(f);
    CU_ASSERT_FATAL(zlen > 100);
    write_bytes(cut, z, zlen / 2);
    CU_ASSERT(run_path(&bp, cut, 1 << 16, &gz_json, err, sizeof(err)) != 0);
    CU_ASSERT(strstr(err, cut) != NULL);
    CU_ASSERT(strstr(err, "read error") != NULL);
    free(gz_json);
    /* a gzip header and then garbage */
    memset(z + 10, 0xA5, zlen - 10);
    write_bytes(bad, z, zlen);
    CU_ASSERT(run_path(&bp, bad, 1 << 16, &gz_json, err, sizeof(err)) != 0);
    CU_ASSERT(strstr(err, bad) != NULL);
    CU_ASSERT(strstr(err, "read error") != NULL);
    free(gz_json);
    /* a file that is not there */
    CU_ASSERT(run_path(&bp, "/nonexistent/x.csv.gz", 1 << 16, &gz_json, err, sizeof(err)) != 0);
    CU_ASSERT(strstr(err, "No such file") != NULL);
    free(gz_json);
    free(z);
    free(csv);
    unlink(plain);
    unlink(gz);
    unlink(cut);
    unlink(bad);
    rmdir(dir);
}

/* The matcher's margin parts (what the backtest samples) are the values of its account
 * and position records, on a book that moves: orders both sides, fills, a long and a
 * short position, prices through the orders. */
static void test_match_margin_parts(void)
{
    sqt_match_config mc;
    sqt_match *m = NULL;
    sqt_error e;
    int64_t px[] = {300000, 299000, 298000, 301000, 303000, 305500, 302000, 297000, 299900};
    size_t i, k;
    memset(&e, 0, sizeof e);
    sqt_match_config_default(&mc, "ETHUSDT");
    mc.tick_size = sqt_dec_make(1, 2);
    mc.step_size = sqt_dec_make(1, 3);
    mc.balance = sqt_dec_make(1000, 0);
    mc.leverage = 3;
    CU_ASSERT_EQUAL_FATAL(sqt_match_new(&mc, NULL, NULL, &m, &e), SQT_OK);
    sqt_match_on_price(m, sqt_dec_make(px[0], 2), 1);
    for (i = 0; i < sizeof px / sizeof px[0]; i++) {
        sqt_order_req r;
        sqt_order o;
        sqt_account a;
        sqt_position ps;
        int64_t bal, upnl, avail;
        for (k = 0; k < 2; k++) {
            memset(&r, 0, sizeof r);
            snprintf(r.client_id, sizeof r.client_id, "c%zu%zu", i, k);
            r.side = k == 0 ? SQT_SIDE_BUY : SQT_SIDE_SELL;
            r.tif = SQT_TIF_GTC;
            r.price = sqt_dec_make(k == 0 ? px[i] - 500 * (int64_t)(i % 3) : px[i] + 700, 2);
            r.qty = sqt_dec_make(10 + 7 * (int64_t)i, 3);
            sqt_match_place(m, &r, 10 + (int64_t)i, &o, &e);
        }
        sqt_match_on_price(m, sqt_dec_make(px[(i + 1) % (sizeof px / sizeof px[0])], 2), 20 + (int64_t)i);
        sqt_match_account(m, &a);
        sqt_match_position(m, &ps);
        sqt_match_margin_parts(m, &bal, &upnl, &avail);
        CU_ASSERT_TRUE(a.balance.scale == SQT_MATCH_MONEY_SCALE && a.balance.mant == bal);
        CU_ASSERT_TRUE(a.available.scale == SQT_MATCH_MONEY_SCALE && a.available.mant == avail);
        CU_ASSERT_TRUE(ps.unrealized_pnl.scale == SQT_MATCH_MONEY_SCALE && ps.unrealized_pnl.mant == upnl);
        if (i == 4)
            CU_ASSERT_TRUE(ps.size.mant != 0 && upnl != 0 && avail < bal); /* the case is not flat */
    }
    sqt_match_free(m);
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"hand-checked round trip, exact PnL", test_hand_checked_round_trip},
        {"hand-checked open inventory", test_hand_checked_open_inventory},
        {"a 90-day gap in the data", test_long_gap},
        {"determinism: twice, any chunking, fast path", test_determinism},
        {"latency shifts the answers", test_latency_matters},
        {"the engine's skipped work changes nothing (buy pass, timeouts)", test_buy_pass_memo},
        {"invariants over a long random file", test_invariants_long_random},
        {"margin lock on virtual time", test_margin_lock},
        {"risk pause on the symbol's candles", test_risk_pause},
        {"post-only rejects and degrade behind a tight bucket", test_post_only_degrade},
        {"bad input", test_bad_input},
        {"sweep overrides", test_overrides},
        {"gzip input: same as plain, cut and damaged files", test_gzip_input},
        {"the matcher's margin parts are its account's", test_match_margin_parts},
        {NULL, NULL}};
    SQT_TEST_INIT();
    sqt_test_suite("backtest", cases);
    return sqt_test_run();
}
