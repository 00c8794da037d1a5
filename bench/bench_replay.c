/* bench_replay: speed of the paper exchange's market simulation.
 *   1. price path generator (GBM) points/s
 *   2. sqt_match: price steps/s against a resting ladder of L orders (L/2 buys below,
 *      L/2 sells above, one grid interval apart). Every fill is answered the way a grid
 *      answers it (a filled buy re-places a sell one interval up, a filled sell a buy
 *      one interval down), so the ladder stays L deep for the whole run. Timed: the
 *      match's on_price plus those re-placements.
 *   3. CSV replay: a synthetic Binance aggTrades file (header + N rows) written to a temp
 *      dir; sqt_pricepath_open (which validates every row once) and then a full replay
 *      through sqt_pricepath_next, in lines/s.
 * Knobs: SQT_BENCH_STEPS (price steps per ladder, default 500000), SQT_BENCH_LINES (CSV
 * rows, default 1000000), SQT_BENCH_LONG=1 (10x both). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "bench_util.h"
#include "match.h"
#include "pricepath.h"

#define TICK_SCALE 2           /* ETHUSDT-like: tick 0.01 */
#define STEP_SCALE 3
#define START_TICKS 300000     /* 3000.00 */
#define LADDER_GAP 50          /* interval 0.50 */

typedef struct ladder {
    sqt_match *m;
    /* fills seen during on_price, answered after it */
    sqt_order *fills;
    size_t n_fills, cap_fills;
    uint64_t seq;
    uint64_t total_fills;
    uint64_t rejects;
    int oom;
} ladder;

static void on_emit(void *ud, const sqt_order *u)
{
    ladder *l = ud;
    if (u->status != SQT_ORDER_FILLED)
        return;
    if (l->n_fills == l->cap_fills) {
        size_t nc = l->cap_fills ? l->cap_fills * 2 : 64;
        sqt_order *nf = realloc(l->fills, nc * sizeof *nf);
        if (nf == NULL) {
            l->oom = 1;
            return;
        }
        l->fills = nf;
        l->cap_fills = nc;
    }
    l->fills[l->n_fills++] = *u;
}

static void place(ladder *l, sqt_side side, int64_t ticks, int64_t now)
{
    sqt_order_req r;
    sqt_error e;
    memset(&r, 0, sizeof r);
    r.struct_size = sizeof r;
    snprintf(r.client_id, sizeof r.client_id, "lad-%" PRIu64, ++l->seq);
    r.side = side;
    r.tif = SQT_TIF_GTC;
    r.price = sqt_dec_make(ticks, TICK_SCALE);
    r.qty = sqt_dec_make(10, STEP_SCALE); /* 0.010 */
    if (sqt_match_place(l->m, &r, now, NULL, &e) != SQT_OK)
        l->rejects++;
}

static int price_ticks(sqt_dec d)
{
    sqt_dec r;
    if (sqt_dec_rescale(d, TICK_SCALE, &r) != SQT_OK)
        return -1;
    return (int)r.mant;
}

/* Re-place the other side of every fill: a grid's answer. Fills arrive whole. */
static void answer_fills(ladder *l, int64_t now)
{
    size_t i, n = l->n_fills;
    for (i = 0; i < n; i++) {
        const sqt_order *f = &l->fills[i];
        int p = price_ticks(f->price);
        if (p <= 0)
            continue;
        if (f->side == SQT_SIDE_BUY)
            place(l, SQT_SIDE_SELL, p + LADDER_GAP, now);
        else
            place(l, SQT_SIDE_BUY, p - LADDER_GAP, now);
    }
    l->total_fills += n;
    l->n_fills = 0;
}

static void bench_match(int depth, const sqt_price_point *path, size_t steps)
{
    ladder l;
    sqt_match_config mc;
    sqt_error e;
    uint64_t t0, dt;
    size_t i;
    int k;
    int64_t now = 0;

    memset(&l, 0, sizeof l);
    sqt_match_config_default(&mc, "ETHUSDT");
    mc.balance = bench_dec("100000000");
    mc.leverage = 20;
    mc.max_open_orders = depth * 2 + 16;
    if (sqt_match_new(&mc, on_emit, &l, &l.m, &e) != SQT_OK) {
        fprintf(stderr, "match: %s\n", e.message);
        return;
    }
    sqt_match_on_price(l.m, path[0].price, now);
    for (k = 1; k <= depth / 2; k++) {
        place(&l, SQT_SIDE_BUY, START_TICKS - k * LADDER_GAP, now);
        place(&l, SQT_SIDE_SELL, START_TICKS + k * LADDER_GAP, now);
    }
    t0 = bench_now_ns();
    for (i = 1; i < steps; i++) {
        now = path[i].time_ms;
        sqt_match_on_price(l.m, path[i].price, now);
        if (l.n_fills)
            answer_fills(&l, now);
    }
    dt = bench_now_ns() - t0;
    printf("   ladder %-5d %8zu steps  %7.3f s  %10.0f steps/s  %6.0f ns/step  "
           "fills %" PRIu64 " (%.0f/s)  open at end %zu%s\n",
           depth, steps - 1, (double)dt / 1e9, (double)(steps - 1) / ((double)dt / 1e9),
           (double)dt / (double)(steps - 1), l.total_fills,
           (double)l.total_fills / ((double)dt / 1e9), sqt_match_open_count(l.m),
           l.rejects ? " (some re-placements rejected)" : "");
    fflush(stdout);
    sqt_match_free(l.m);
    free(l.fills);
}

static sqt_price_point *gen_path(size_t steps)
{
    sqt_pricepath_config pc;
    sqt_pricepath *pp = NULL;
    sqt_price_point *pts = malloc(steps * sizeof *pts);
    char err[256] = "";
    uint64_t t0, dt;
    size_t i;
    if (pts == NULL)
        return NULL;
    memset(&pc, 0, sizeof pc);
    pc.model = SQT_PATH_GBM;
    pc.tick_size = sqt_dec_make(1, TICK_SCALE);
    pc.step_size = sqt_dec_make(1, STEP_SCALE);
    pc.seed = 42;
    pc.start_price = sqt_dec_make(START_TICKS, TICK_SCALE);
    pc.sigma = 0.0002; /* ~0.6 USDT per step: about one ladder gap */
    pc.drift = 0;
    pc.step_ms = 100;
    pc.start_ms = 1700000000000;
    if (sqt_pricepath_open(&pc, &pp, err, sizeof err) != 0) {
        fprintf(stderr, "pricepath: %s\n", err);
        free(pts);
        return NULL;
    }
    t0 = bench_now_ns();
    for (i = 0; i < steps; i++)
        if (sqt_pricepath_next(pp, &pts[i], err, sizeof err) != 1)
            break;
    dt = bench_now_ns() - t0;
    sqt_pricepath_close(pp);
    if (i < steps) {
        fprintf(stderr, "pricepath: stopped at %zu: %s\n", i, err);
        free(pts);
        return NULL;
    }
    printf("-- price path generator (GBM): %zu points in %.3f s: %.2f M points/s\n", steps,
           (double)dt / 1e9, (double)steps / ((double)dt / 1e9) / 1e6);
    return pts;
}

/* A synthetic aggTrades file: header, then rows with a random-walk price. */
static int write_csv(const char *path, long lines)
{
    FILE *f = fopen(path, "w");
    uint64_t rnd = 12345;
    int64_t p = START_TICKS, id = 100000000, tid = 400000000, t = 1700000000000;
    long i;
    if (f == NULL)
        return -1;
    fprintf(f, "agg_trade_id,price,quantity,first_trade_id,last_trade_id,transact_time,"
               "is_buyer_maker\n");
    for (i = 0; i < lines; i++) {
        uint64_t r = bench_rand(&rnd);
        int64_t q = 1 + (int64_t)(r % 5000), n = 1 + (int64_t)((r >> 16) % 4);
        p += (int64_t)((r >> 24) % 7) - 3;
        if (p < 1000)
            p = 1000;
        t += (int64_t)((r >> 32) % 40);
        fprintf(f, "%" PRId64 ",%" PRId64 ".%02" PRId64 ",%" PRId64 ".%03" PRId64 ",%" PRId64
                   ",%" PRId64 ",%" PRId64 ",%s\n",
                id++, p / 100, p % 100, q / 1000, q % 1000, tid, tid + n - 1, t,
                (r >> 40) & 1 ? "true" : "false");
        tid += n;
    }
    return fclose(f) == 0 ? 0 : -1;
}

static void bench_csv(long lines)
{
    char dir[256], path[300], err[256] = "";
    const char *tmp = getenv("TMPDIR");
    sqt_pricepath_config pc;
    sqt_pricepath *pp = NULL;
    sqt_price_point pt;
    uint64_t t0, t_open, t_next;
    struct stat sb;
    size_t n = 0;
    int r;

    snprintf(dir, sizeof dir, "%s/sqt-bench-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    if (mkdtemp(dir) == NULL) {
        perror("mkdtemp");
        return;
    }
    snprintf(path, sizeof path, "%s/ETHUSDT-aggTrades.csv", dir);
    t0 = bench_now_ns();
    if (write_csv(path, lines) != 0) {
        fprintf(stderr, "cannot write %s\n", path);
        goto out;
    }
    stat(path, &sb);
    printf("-- CSV replay: synthetic aggTrades file, %ld rows, %.1f MB (written in %.2f s)\n",
           lines, (double)sb.st_size / 1e6, (double)(bench_now_ns() - t0) / 1e9);

    memset(&pc, 0, sizeof pc);
    pc.model = SQT_PATH_CSV;
    pc.tick_size = sqt_dec_make(1, TICK_SCALE);
    pc.step_size = sqt_dec_make(1, STEP_SCALE);
    pc.csv_path = path;
    pc.loop = 0;
    t0 = bench_now_ns();
    if (sqt_pricepath_open(&pc, &pp, err, sizeof err) != 0) {
        fprintf(stderr, "pricepath open: %s\n", err);
        goto out;
    }
    t_open = bench_now_ns() - t0;
    t0 = bench_now_ns();
    while ((r = sqt_pricepath_next(pp, &pt, err, sizeof err)) == 1)
        n++;
    t_next = bench_now_ns() - t0;
    if (r < 0)
        fprintf(stderr, "pricepath next: %s\n", err);
    printf("   open (validate every row): %.3f s  %.2f M lines/s   (%zu points, format %s)\n",
           (double)t_open / 1e9, (double)lines / ((double)t_open / 1e9) / 1e6,
           sqt_pricepath_csv_points(pp),
           sqt_pricepath_csv_format(pp) == SQT_CSV_AGGTRADES ? "aggTrades" : "other");
    printf("   replay (next until EOF):   %.3f s  %.2f M lines/s   (%zu points)\n",
           (double)t_next / 1e9, (double)n / ((double)t_next / 1e9) / 1e6, n);
    printf("   open + replay:             %.3f s  %.2f M lines/s\n",
           (double)(t_open + t_next) / 1e9, (double)lines / ((double)(t_open + t_next) / 1e9) / 1e6);
    sqt_pricepath_close(pp);
out:
    unlink(path);
    rmdir(dir);
    fflush(stdout);
}

int main(void)
{
    long steps = bench_env_long("SQT_BENCH_STEPS", 500000);
    long lines = bench_env_long("SQT_BENCH_LINES", 1000000);
    int depths[4] = {20, 200, 1000, 0};
    sqt_price_point *path;
    int i;
    if (bench_env_flag("SQT_BENCH_LONG")) {
        steps *= 10;
        lines *= 10;
    }
    if (steps < 2)
        steps = 2;
    bench_banner("bench_replay", "paper exchange: price path, matching core, CSV replay");
    path = gen_path((size_t)steps);
    if (path != NULL) {
        printf("-- sqt_match: price steps against a resting ladder (GTC, re-placed on fill)\n");
        for (i = 0; depths[i]; i++)
            bench_match(depths[i], path, (size_t)steps);
        free(path);
    }
    bench_csv(lines);
    return 0;
}
