/* Backtest throughput: trades per second through the grid engine, the executor policy
 * and the paper matcher on virtual time (sqt_bt_on_trade), on one core, for a GBM
 * path and a +-1 tick walk; then the whole file pipeline (CSV parsing included); then
 * a sweep of 4 runs in 1 and in 2 processes. Prints numbers, never judges them. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "backtest.h"
#include "bench_util.h"
#include "bt_run.h"
#include "pricepath.h"

#define TICK_SCALE 2
#define START_TICKS 300000

static void params(sqt_bt_params *bp, int interval_ticks)
{
    sqt_bt_params_init(bp);
    sqt_grid_params_init(&bp->grid);
    bp->grid.price_interval = sqt_dec_make(interval_ticks, TICK_SCALE);
    bp->grid.order_quantity = sqt_dec_make(30, 0);
    bp->grid.min_order_value = sqt_dec_make(20, 0);
    bp->grid.buy_window_size = 10;
    bp->grid.sell_window_size = 10;
    bp->grid.order_cleanup_threshold = 50;
    bp->grid.cleanup_batch_size = 10;
    bp->grid.sell_quota_reserve = 12;
    bp->grid.instance_tag = "bench";
    bp->grid.client_id_max_len = 36;
    bp->grid.id_seed = 1;
    bp->grid.margin_lock_duration_ms = 10000;
    memset(&bp->exec, 0, sizeof(bp->exec));
    bp->exec.max_batch_place = 5;
    bp->exec.max_batch_cancel = 10;
}

static int64_t *gbm_path(size_t n, double sigma)
{
    sqt_pricepath_config pc;
    sqt_pricepath *pp = NULL;
    sqt_price_point pt;
    int64_t *out = malloc(n * sizeof(*out));
    char err[256];
    size_t i;
    memset(&pc, 0, sizeof(pc));
    pc.model = SQT_PATH_GBM;
    pc.tick_size = sqt_dec_make(1, TICK_SCALE);
    pc.step_size = sqt_dec_make(1, 3);
    pc.seed = 42;
    pc.start_price = sqt_dec_make(START_TICKS, TICK_SCALE);
    pc.sigma = sigma;
    pc.step_ms = 50;
    pc.start_ms = 1700000000000;
    if (out == NULL || sqt_pricepath_open(&pc, &pp, err, sizeof(err)) != 0) {
        free(out);
        return NULL;
    }
    for (i = 0; i < n; i++) {
        sqt_pricepath_next(pp, &pt, err, sizeof(err));
        out[i] = pt.price.mant;
    }
    sqt_pricepath_close(pp);
    return out;
}

static int64_t *walk_path(size_t n)
{
    int64_t *out = malloc(n * sizeof(*out)), p = START_TICKS;
    uint64_t st = 7;
    size_t i;
    if (out == NULL)
        return NULL;
    for (i = 0; i < n; i++) {
        p += (bench_rand(&st) & 1) ? 1 : -1;
        out[i] = p;
    }
    return out;
}

static void run_path(const char *label, const int64_t *px, size_t n, int interval_ticks)
{
    const char *only_i = getenv("SQT_BENCH_INTERVAL"); /* ticks: that interval only (profiling) */
    sqt_bt_params bp;
    sqt_bt *bt;
    sqt_bt_summary s;
    char err[256], extra[160];
    uint64_t t0, dt;
    size_t i;
    if (only_i != NULL && atoi(only_i) != interval_ticks)
        return;
    params(&bp, interval_ticks);
    if (sqt_bt_new(&bp, &bt, err, sizeof(err)) != 0) {
        fprintf(stderr, "%s: %s\n", label, err);
        return;
    }
    t0 = bench_now_ns();
    for (i = 0; i < n; i++)
        sqt_bt_on_trade(bt, 1700000000000LL + (int64_t)i * 50, sqt_dec_make(px[i], TICK_SCALE),
                        sqt_dec_make(1, 3), err, sizeof(err));
    sqt_bt_finish(bt, err, sizeof(err));
    dt = bench_now_ns() - t0;
    sqt_bt_summary_get(bt, &s);
    snprintf(extra, sizeof(extra), "%llu fills, %llu round trips, %llu requests",
             (unsigned long long)s.fills, (unsigned long long)s.round_trips,
             (unsigned long long)s.requests);
    printf("%-34s %zu trades in %.3f s: %.2f M trades/s (%.0f ns/trade); %s\n", label, n,
           (double)dt / 1e9, (double)n / ((double)dt / 1e3), (double)dt / (double)n, extra);
    sqt_bt_free(bt);
}

static char *write_csv(const int64_t *px, size_t n)
{
    static char path[] = "/tmp/sqt_bench_bt_XXXXXX";
    int fd = mkstemp(path);
    FILE *f = fd >= 0 ? fdopen(fd, "w") : NULL;
    size_t i;
    if (f == NULL)
        return NULL;
    for (i = 0; i < n; i++)
        fprintf(f, "%zu,%lld.%02lld,0.010,%zu,%zu,%lld,false\n", i + 1, (long long)(px[i] / 100),
                (long long)(px[i] % 100), i, i, 1700000000000LL + (long long)i * 50);
    fclose(f);
    return path;
}

static void run_file(const char *path, size_t n, int interval_ticks, sqt_bt_summary *s)
{
    sqt_bt_params bp;
    sqt_bt *bt;
    char err[256];
    params(&bp, interval_ticks);
    if (sqt_bt_new(&bp, &bt, err, sizeof(err)) != 0)
        return;
    if (sqt_bt_feed_file(bt, path, SQT_BT_FMT_AUTO, 1 << 20, INT64_MIN, INT64_MAX, 0, err,
                         sizeof(err)) != 0 ||
        sqt_bt_finish(bt, err, sizeof(err)) != 0)
        fprintf(stderr, "file: %s\n", err);
    (void)n;
    sqt_bt_summary_get(bt, s);
    sqt_bt_free(bt);
}

static int count_tick(void *ud, const sqt_bt_tick *t)
{
    (void)t;
    ++*(size_t *)ud;
    return 0;
}

/* The reader alone: read, split, parse and validate every row. */
static double read_only(const char *path, size_t *rows)
{
    FILE *f = fopen(path, "rb");
    static char buf[1 << 20];
    sqt_bt_reader *r = sqt_bt_reader_new(path, SQT_BT_FMT_AUTO, count_tick, rows);
    char err[256];
    size_t n;
    uint64_t t0 = bench_now_ns();
    *rows = 0;
    while (f != NULL && r != NULL && (n = fread(buf, 1, sizeof(buf), f)) > 0)
        if (sqt_bt_reader_push(r, buf, n, err, sizeof(err)) != 0)
            break;
    if (r != NULL)
        sqt_bt_reader_finish(r, err, sizeof(err));
    sqt_bt_reader_free(r);
    if (f != NULL)
        fclose(f);
    return (double)(bench_now_ns() - t0) / 1e9;
}

/* 4 runs (grid intervals 1..4 USDT) in `procs` processes. */
static double sweep(const char *path, size_t n, int procs)
{
    uint64_t t0 = bench_now_ns();
    int k, running = 0;
    for (k = 0; k < 4; k++) {
        pid_t pid = fork();
        if (pid == 0) {
            sqt_bt_summary s;
            run_file(path, n, 100 * (k + 1), &s);
            _exit(0);
        }
        if (pid > 0)
            running++;
        if (running == procs) {
            wait(NULL);
            running--;
        }
    }
    while (running-- > 0)
        wait(NULL);
    return (double)(bench_now_ns() - t0) / 1e9;
}

int main(void)
{
    size_t n = (size_t)bench_env_long("SQT_BENCH_TRADES", 4000000);
    int64_t *gbm, *walk, *calm;
    const char *only = getenv("SQT_BENCH_PATH"); /* gbm, calm or walk: that one only (profiling) */
    char *path;
    sqt_bt_summary s;
    uint64_t t0;
    double t1, t2;
    if (bench_env_flag("SQT_BENCH_LONG"))
        n *= 5;
    bench_banner("bench_backtest", "trades/s through engine + executor policy + matcher, virtual time");
    gbm = gbm_path(n, 0.0002); /* as bench_replay: ~0.6 USDT (60 ticks) per step at 3000 */
    calm = gbm_path(n, 0.00001); /* ~0.03 USDT (3 ticks) per step: closer to trade data */
    walk = walk_path(n);
    if (gbm == NULL || walk == NULL || calm == NULL)
        return 1;
    if (only == NULL || strcmp(only, "gbm") == 0) {
        run_path("GBM path (sigma 0.0002), I=2", gbm, n, 200);
        run_path("GBM path (sigma 0.0002), I=0.5", gbm, n, 50);
    }
    if (only == NULL || strcmp(only, "calm") == 0) {
        run_path("GBM path (sigma 0.00001), I=2", calm, n, 200);
        run_path("GBM path (sigma 0.00001), I=0.5", calm, n, 50);
    }
    if (only == NULL || strcmp(only, "walk") == 0) {
        run_path("+-1 tick walk, I=0.05", walk, n, 5);
        run_path("+-1 tick walk, I=2", walk, n, 200);
    }
    if (getenv("SQT_BENCH_SIGMA") != NULL) {
        /* a GBM path of the trader's own volatility per trade: sigma_trade = daily
         * volatility / sqrt(trades per day) */
        double sigma = atof(getenv("SQT_BENCH_SIGMA"));
        int64_t *own = sigma > 0 && sigma < 0.01 ? gbm_path(n, sigma) : NULL;
        char label[64];
        if (own == NULL) {
            fprintf(stderr, "SQT_BENCH_SIGMA: want a volatility per trade in (0, 0.01)\n");
            return 1;
        }
        snprintf(label, sizeof label, "GBM path (sigma %g), I=2", sigma);
        run_path(label, own, n, 200);
        snprintf(label, sizeof label, "GBM path (sigma %g), I=0.5", sigma);
        run_path(label, own, n, 50);
        free(own);
    }
    path = only == NULL ? write_csv(gbm, n) : NULL;
    if (path != NULL) {
        size_t rows;
        t1 = read_only(path, &rows);
        printf("%-34s %zu rows in %.3f s: %.2f M rows/s (read, split, parse, validate)\n",
               "aggTrades reader alone", rows, t1, (double)rows / t1 / 1e6);
        t0 = bench_now_ns();
        run_file(path, n, 200, &s);
        t1 = (double)(bench_now_ns() - t0) / 1e9;
        printf("%-34s %zu rows in %.3f s: %.2f M rows/s (aggTrades CSV parsed, GBM, I=2)\n",
               "file pipeline", n, t1, (double)n / t1 / 1e6);
        t1 = sweep(path, n, 1);
        t2 = sweep(path, n, 2);
        printf("%-34s 4 runs: %.2f s in 1 process, %.2f s in 2 processes (x%.2f)\n", "sweep", t1,
               t2, t1 / t2);
        unlink(path);
    }
    free(gbm);
    free(calm);
    free(walk);
    return 0;
}
