/* `opensqt backtest`: see bt_run.h. */
#include "bt_run.h"

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "bt_internal.h"
#include "grid_config.h"
#include "log.h"

enum { EXIT_OK = 0, EXIT_RUNTIME = 1, EXIT_USAGE = 2 };

#define MAX_SWEEP_KEYS 8
#define MAX_SWEEP_VALUES 64
#define MAX_COMBOS 4096

static const char help_text[] =
    "usage: opensqt backtest -c FILE --data CSV [options]\n"
    "\n"
    "Replay a market's trades through the real grid engine and executor policy against\n"
    "the simulated exchange, on virtual time: every trade reaches the engine, the result\n"
    "does not depend on the machine, and the same input gives the same output.\n"
    "\n"
    "  -c, --config FILE        the config a live run uses (its exchange is simulated)\n"
    "  -d, --data CSV           Binance aggTrades or klines, Bitget or Gate trades\n"
    "                           (plain or gzip-compressed, e.g. .csv.gz)\n"
    "      --format F           auto (default), binance-aggtrades, binance-klines, bitget, gate\n"
    "      --from T, --to T     only trades in [T, T]: Unix ms or UTC 2024-01-31[T12:00[:00]]\n"
    "      --json               the summary as JSON\n"
    "      --out DIR            write summary.txt, summary.json, events.jsonl, chart.html\n"
    "      --events FILE        write the JSON-lines event log to FILE\n"
    "      --sweep KEY=V1,V2..  run every combination (repeatable), one process each\n"
    "      --rank METRIC        sweep order: net_pnl (default), realized_pnl, round_trips,\n"
    "                           max_drawdown (lowest first), fees (lowest first)\n"
    "      --jobs N             parallel sweep processes (default: the number of CPUs)\n"
    "  simulated exchange (default: the config's exchange block keys of the same names,\n"
    "  else tick/step from the data's decimals, fees from fee_rate):\n"
    "      --tick D --step D --min-qty D --min-notional D --maker-fee D --taker-fee D\n"
    "      --balance D (10000) --leverage N (5) --latency MS (latency_ms, else 0)\n"
    "      --orders-per-min N   the exchange's order rate limit for the report\n"
    "      --no-progress        no progress line on stderr (default when not a terminal)\n"
    "  -h, --help               this text\n"
    "\n"
    "Sweep keys: price_interval, order_quantity, min_order_value, buy_window_size,\n"
    "sell_window_size, order_cleanup_threshold, cleanup_batch_size, post_only_max_failures,\n"
    "sell_quota_reserve, out_of_window_slack, cancel_out_of_window_buys,\n"
    "margin_lock_duration_seconds, rate_limit_per_sec, rate_limit_burst, leverage, balance,\n"
    "maker_fee, taker_fee, fee (both), latency_ms.\n"
    "Exit status: 0 ok, 1 runtime failure, 2 usage, configuration or data error.\n";

typedef struct sweep_key {
    char *key;
    char *values[MAX_SWEEP_VALUES];
    int n;
} sweep_key;

typedef struct opts {
    const char *config, *data, *out, *events, *rank;
    sqt_bt_format fmt;
    int64_t from_ms, to_ms;
    int json, progress, jobs;
    const char *tick, *step, *min_qty, *min_notional, *maker_fee, *taker_fee, *balance;
    int leverage;
    int64_t latency;
    int orders_per_min;
    sweep_key sweep[MAX_SWEEP_KEYS];
    int nsweep;
} opts;

/* ---- helpers -------------------------------------------------------------------------- */

static int parse_dec(const char *s, sqt_dec *out)
{
    return s && sqt_dec_parse(s, strlen(s), out) == SQT_OK ? 0 : -1;
}

static int parse_int(const char *s, long lo, long hi, long *out)
{
    char *end;
    long v;
    errno = 0;
    v = strtol(s, &end, 10);
    if (errno || end == s || *end || v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

static int usage(const char *fmt, const char *arg) __attribute__((format(printf, 1, 0)));

static int usage(const char *fmt, const char *arg)
{
    fprintf(stderr, "opensqt backtest: ");
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
    fprintf(stderr, fmt, arg); /* every caller passes a literal with one %s */
#pragma GCC diagnostic pop
    fprintf(stderr, "\n(opensqt backtest --help for the options)\n");
    return EXIT_USAGE;
}

static const char *extra(const sqt_exchange_cfg *x, const char *key)
{
    size_t i;
    for (i = 0; x && i < x->n_extra; i++)
        if (strcmp(x->extra[i].key, key) == 0)
            return x->extra[i].value;
    return NULL;
}

static int64_t interval_ms(const char *s)
{
    char *end;
    long n;
    if (s == NULL)
        return 60000;
    n = strtol(s, &end, 10);
    if (n <= 0 || end == s)
        return -1;
    switch (*end) {
    case 'm':
        return n * 60000L;
    case 'h':
        return n * 3600000L;
    case 'd':
        return n * 86400000L;
    case 'w':
        return n * 604800000L;
    default:
        return -1;
    }
}

/* The documented order limits and batch sizes of the exchanges we have plugins for;
 * anything else is simulated with the paper exchange's rules. */
static void exchange_rules(const char *name, sqt_bt_params *bp)
{
    if (strcmp(name, "binance") == 0) {
        bp->orders_per_min_limit = 1200;
        bp->info.max_batch_place = 5;
        bp->info.max_batch_cancel = 10;
    } else if (strcmp(name, "bitget") == 0) {
        bp->orders_per_min_limit = 600; /* 10 place requests/s per UID */
        bp->info.max_batch_place = 50;
        bp->info.max_batch_cancel = 50;
    } else if (strcmp(name, "gate") == 0) {
        bp->orders_per_min_limit = 6000; /* 100 requests/s per account */
        bp->info.max_batch_place = 10;
        bp->info.max_batch_cancel = 10;
    }
}

/* ---- data ------------------------------------------------------------------------------ */

typedef struct feed_ctx {
    sqt_bt *bt;
    int64_t from, to;
    char *err;
    size_t errlen;
    const char *path;
} feed_ctx;

static int feed_tick(void *ud, const sqt_bt_tick *t)
{
    feed_ctx *fc = ud;
    char why[200];
    int rc;
    if (t->time_ms < fc->from || t->time_ms > fc->to)
        return 0;
    rc = sqt_bt_on_trade(fc->bt, t->time_ms, t->price, t->qty, why, sizeof(why));
    if (rc != 0) {
        snprintf(fc->err, fc->errlen, "%s:%lld: %s", fc->path, (long long)t->line, why);
        return rc;
    }
    return 0;
}

/* Data files are read through zlib: a gzip file (.csv.gz, as history downloads come)
 * is inflated as it is read, a plain file passes through unchanged. */
static gzFile data_open(const char *path, char *err, size_t errlen)
{
    gzFile f;
    errno = 0;
    f = gzopen(path, "rb");
    if (f == NULL) {
        snprintf(err, errlen, "%s: %s", path, errno ? strerror(errno) : "cannot open");
        return NULL;
    }
    gzbuffer(f, 1 << 17);
    return f;
}

/* Up to n bytes; 0 at the end of the data, -1 with "file: why" on a read error or a
 * damaged or cut gzip stream. */
static long data_read(gzFile f, void *buf, size_t n, const char *path, char *err, size_t errlen)
{
    int got, zerr = Z_OK;
    const char *why;
    got = gzread(f, buf, (unsigned)(n > (1u << 30) ? (1u << 30) : n));
    if (got > 0)
        return got;
    why = gzerror(f, &zerr);
    if (got == 0 && (zerr == Z_OK || zerr == Z_STREAM_END))
        return 0;
    if (zerr == Z_ERRNO) {
        why = strerror(errno ? errno : EIO);
    } else if (why != NULL && strncmp(why, path, strlen(path)) == 0 && why[strlen(path)] == ':') {
        why += strlen(path) + 1; /* zlib names the file itself */
        while (*why == ' ')
            why++;
    }
    snprintf(err, errlen, "%s: read error: %s", path, why ? why : "unknown");
    return -1;
}

static double mono_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int sqt_bt_feed_file(sqt_bt *bt, const char *path, sqt_bt_format fmt, size_t chunk, int64_t from_ms,
                     int64_t to_ms, int progress, char *err, size_t errlen)
{
    gzFile f;
    feed_ctx fc;
    sqt_bt_reader *r;
    char *buf;
    long n;
    struct stat st;
    double t0 = 0, last = 0;
    int rc = 0;
    if (stat(path, &st) != 0)
        st.st_size = 0;
    if ((f = data_open(path, err, errlen)) == NULL)
        return SQT_EINVAL;
    if (chunk == 0)
        chunk = 1;
    fc.bt = bt;
    fc.from = from_ms;
    fc.to = to_ms;
    fc.err = err;
    fc.errlen = errlen;
    fc.path = path;
    r = sqt_bt_reader_new(path, fmt, feed_tick, &fc);
    buf = malloc(chunk);
    if (r == NULL || buf == NULL) {
        gzclose(f);
        free(buf);
        sqt_bt_reader_free(r);
        snprintf(err, errlen, "out of memory");
        return SQT_ENOMEM;
    }
    if (progress)
        t0 = last = mono_s();
    while ((n = data_read(f, buf, chunk, path, err, errlen)) > 0) {
        rc = sqt_bt_reader_push(r, buf, (size_t)n, err, errlen);
        if (rc != 0)
            break;
        if (progress) {
            double now = mono_s();
            if (now - last >= 0.5) {
                uint64_t rows = sqt_bt_reader_rows(r);
                /* the share of the file read so far (compressed bytes for a .gz) */
                long done = gzoffset(f);
                double el = now - t0,
                       frac = st.st_size > 0 && done > 0 ? (double)done / (double)st.st_size : 0;
                last = now;
                fprintf(stderr, "\r  %.1f M rows, %.2f M rows/s, %.0f%%, ETA %.0f s   ",
                        (double)rows / 1e6, (double)rows / 1e6 / (el > 0 ? el : 1), frac * 100,
                        frac > 0 ? el / frac - el : 0.0);
            }
        }
    }
    if (n < 0)
        rc = SQT_EINVAL;
    if (rc == 0)
        rc = sqt_bt_reader_finish(r, err, errlen);
    if (progress) {
        double el = mono_s() - t0;
        fprintf(stderr, "\r  %.1f M rows in %.1f s (%.2f M rows/s)                    \n",
                (double)sqt_bt_reader_rows(r) / 1e6, el,
                (double)sqt_bt_reader_rows(r) / 1e6 / (el > 0 ? el : 1));
    }
    free(buf);
    sqt_bt_reader_free(r);
    gzclose(f);
    return rc;
}

/* Tick and step from the decimals the data writes (first rows). */
typedef struct scan_ctx {
    int32_t price_scale, qty_scale;
    uint64_t n;
} scan_ctx;

static int scan_tick(void *ud, const sqt_bt_tick *t)
{
    scan_ctx *s = ud;
    if (t->price.scale > s->price_scale)
        s->price_scale = t->price.scale;
    if (t->qty.scale > s->qty_scale)
        s->qty_scale = t->qty.scale;
    return ++s->n >= 20000 ? 1 : 0;
}

static int scan_data(const char *path, sqt_bt_format fmt, scan_ctx *s, char *err, size_t errlen)
{
    gzFile f;
    sqt_bt_reader *r;
    char buf[65536];
    long n = 0;
    int rc = 0;
    memset(s, 0, sizeof(*s));
    if ((f = data_open(path, err, errlen)) == NULL)
        return -1;
    if ((r = sqt_bt_reader_new(path, fmt, scan_tick, s)) == NULL) {
        gzclose(f);
        return -1;
    }
    while (rc == 0 && (n = data_read(f, buf, sizeof(buf), path, err, errlen)) > 0)
        rc = sqt_bt_reader_push(r, buf, (size_t)n, err, errlen);
    if (rc == 0 && n < 0)
        rc = -1;
    if (rc == 0)
        rc = sqt_bt_reader_finish(r, err, errlen);
    sqt_bt_reader_free(r);
    gzclose(f);
    return rc < 0 ? -1 : 0; /* > 0: stopped early on purpose */
}

/* ---- one run ----------------------------------------------------------------------------- */

int sqt_bt_override(sqt_config *c, sqt_bt_params *bp, const char *key, const char *value,
                    char *why, size_t whylen)
{
    static const struct {
        const char *key;
        size_t off;
    } ints[] = {{"buy_window_size", offsetof(sqt_config, buy_window_size)},
                {"sell_window_size", offsetof(sqt_config, sell_window_size)},
                {"order_cleanup_threshold", offsetof(sqt_config, order_cleanup_threshold)},
                {"cleanup_batch_size", offsetof(sqt_config, cleanup_batch_size)},
                {"post_only_max_failures", offsetof(sqt_config, post_only_max_failures)},
                {"sell_quota_reserve", offsetof(sqt_config, sell_quota_reserve)},
                {"out_of_window_slack", offsetof(sqt_config, out_of_window_slack)},
                {"cancel_out_of_window_buys", offsetof(sqt_config, cancel_out_of_window_buys)},
                {"margin_lock_duration_seconds", offsetof(sqt_config, margin_lock_duration_seconds)},
                {"rate_limit_per_sec", offsetof(sqt_config, rate_limit_per_sec)},
                {"rate_limit_burst", offsetof(sqt_config, rate_limit_burst)}};
    sqt_dec d;
    long v;
    size_t i;
    for (i = 0; i < sizeof(ints) / sizeof(ints[0]); i++) {
        if (strcmp(key, ints[i].key) != 0)
            continue;
        if (parse_int(value, 0, 1000000, &v) != 0) {
            snprintf(why, whylen, "%s=%s: not an integer in 0..1000000", key, value);
            return -1;
        }
        *(int *)((char *)c + ints[i].off) = (int)v;
        return 0;
    }
    if (strcmp(key, "leverage") == 0 || strcmp(key, "latency_ms") == 0) {
        if (parse_int(value, strcmp(key, "leverage") == 0 ? 1 : 0, 600000, &v) != 0) {
            snprintf(why, whylen, "%s=%s: not a valid integer", key, value);
            return -1;
        }
        if (strcmp(key, "leverage") == 0)
            bp->leverage = (int)v;
        else
            bp->latency_ms = v;
        return 0;
    }
    if (parse_dec(value, &d) != 0 || d.mant < 0) {
        snprintf(why, whylen, "%s=%s: not a non-negative decimal", key, value);
        return -1;
    }
    if (strcmp(key, "price_interval") == 0)
        c->price_interval = d;
    else if (strcmp(key, "order_quantity") == 0)
        c->order_quantity = d;
    else if (strcmp(key, "min_order_value") == 0)
        c->min_order_value = d;
    else if (strcmp(key, "balance") == 0)
        bp->balance = d;
    else if (strcmp(key, "maker_fee") == 0)
        bp->maker_fee = d;
    else if (strcmp(key, "taker_fee") == 0)
        bp->taker_fee = d;
    else if (strcmp(key, "fee") == 0)
        bp->maker_fee = bp->taker_fee = d;
    else {
        snprintf(why, whylen, "unknown key \"%s\" (opensqt backtest --help lists them)", key);
        return -1;
    }
    return 0;
}

static int write_text(const char *dir, const char *name, const sqt_bt_summary *s, int json)
{
    char path[4096];
    FILE *f;
    snprintf(path, sizeof(path), "%s/%s", dir, name);
    if ((f = fopen(path, "w")) == NULL)
        return -1;
    if (json)
        sqt_bt_summary_json(s, f);
    else
        sqt_bt_summary_print(s, f);
    return fclose(f) == 0 ? 0 : -1;
}

static int mkdir_p(const char *dir)
{
    char tmp[4096];
    size_t i, n = strlen(dir);
    if (n == 0 || n >= sizeof(tmp))
        return -1;
    memcpy(tmp, dir, n + 1);
    for (i = 1; i <= n; i++) {
        if (tmp[i] == '/' || tmp[i] == '\0') {
            char c = tmp[i];
            tmp[i] = '\0';
            if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
                return -1;
            tmp[i] = c;
        }
    }
    return 0;
}

/* Build the simulation from config + options (+ the data's decimals). */
static int setup(const opts *o, const sqt_config *c, sqt_bt_params *bp, char *err, size_t errlen)
{
    const sqt_exchange_cfg *x = sqt_config_exchange(c);
    const char *v;
    scan_ctx sc;
    sqt_bt_params_init(bp);
    snprintf(bp->info.symbol, sizeof(bp->info.symbol), "%s", c->symbol);
    bp->exchange = c->current_exchange;
    exchange_rules(c->current_exchange, bp);
    if (x && x->fee_rate.mant > 0)
        bp->maker_fee = bp->taker_fee = x->fee_rate;
#define PICK(opt, key, field)                                                                   \
    do {                                                                                        \
        v = (opt) ? (opt) : extra(x, key);                                                      \
        if (v && (parse_dec(v, &bp->field) != 0 || bp->field.mant < 0)) {                       \
            snprintf(err, errlen, "%s \"%s\" is not a non-negative decimal", key, v);           \
            return -1;                                                                          \
        }                                                                                       \
    } while (0)
    PICK(o->maker_fee, "maker_fee", maker_fee);
    PICK(o->taker_fee, "taker_fee", taker_fee);
    PICK(o->balance, "balance", balance);
    PICK(o->min_qty, "min_qty", info.min_qty);
    PICK(o->min_notional, "min_notional", info.min_notional);
    {
        const char *tk = o->tick ? o->tick : extra(x, "tick_size");
        const char *sp = o->step ? o->step : extra(x, "step_size");
        if (tk == NULL || sp == NULL) {
            if (scan_data(o->data, o->fmt, &sc, err, errlen) != 0)
                return -1;
        }
        if (tk) {
            if (parse_dec(tk, &bp->info.tick_size) != 0 || bp->info.tick_size.mant <= 0) {
                snprintf(err, errlen, "tick \"%s\" is not a decimal > 0", tk);
                return -1;
            }
        } else {
            char t[48];
            bp->info.tick_size = sqt_dec_make(1, sc.price_scale);
            sqt_dec_format(bp->info.tick_size, t, sizeof(t));
            fprintf(stderr, "opensqt backtest: tick %s assumed from the data's decimals (--tick sets it)\n", t);
        }
        if (sp) {
            if (parse_dec(sp, &bp->info.step_size) != 0 || bp->info.step_size.mant <= 0) {
                snprintf(err, errlen, "step \"%s\" is not a decimal > 0", sp);
                return -1;
            }
        } else {
            char t[48];
            bp->info.step_size = sqt_dec_make(1, sc.qty_scale);
            sqt_dec_format(bp->info.step_size, t, sizeof(t));
            fprintf(stderr, "opensqt backtest: step %s assumed from the data's decimals (--step sets it)\n", t);
        }
        if (!o->min_qty && !extra(x, "min_qty"))
            bp->info.min_qty = bp->info.step_size;
    }
    if (o->leverage > 0)
        bp->leverage = o->leverage;
    else if ((v = extra(x, "leverage")) != NULL) {
        long l;
        if (parse_int(v, 1, 125, &l) != 0) {
            snprintf(err, errlen, "leverage \"%s\" is not 1..125", v);
            return -1;
        }
        bp->leverage = (int)l;
    }
    bp->latency_ms = o->latency;
    if (o->latency < 0 && (v = extra(x, "latency_ms")) != NULL) {
        long l;
        if (parse_int(v, 0, 600000, &l) != 0) {
            snprintf(err, errlen, "latency_ms \"%s\" is not 0..600000", v);
            return -1;
        }
        bp->latency_ms = l;
    } else if (o->latency < 0) {
        bp->latency_ms = 0;
    }
    if (o->orders_per_min > 0)
        bp->orders_per_min_limit = o->orders_per_min;
    bp->cleanup_interval_ms = (int64_t)(c->order_cleanup_interval > 0 ? c->order_cleanup_interval : 60) * 1000;
    bp->risk_enabled = c->risk_enabled;
    bp->risk_interval_ms = interval_ms(c->risk_interval);
    if (bp->risk_interval_ms <= 0) {
        snprintf(err, errlen, "risk_control interval \"%s\" is not understood", c->risk_interval);
        return -1;
    }
    bp->risk_window = c->average_window;
    bp->risk_volume_multiplier = c->volume_multiplier;
    return 0;
#undef PICK
}

/* Everything of one run; the outputs of o. Returns an exit status; *s filled on 0. */
static int run_one(const opts *o, sqt_config *c, sqt_bt_params *bp, const char *outdir, int progress,
                   sqt_bt_summary *s, char *err, size_t errlen)
{
    char tag[24];
    sqt_eventlog el;
    sqt_bt *bt = NULL;
    char path[4096];
    int rc, io_failed = 0;
    memset(&el, 0, sizeof(el));
    if (sqt_config_check_symbol(c, &bp->info, err, errlen) != 0)
        return EXIT_USAGE;
    sqt_grid_config_tag(c, tag, sizeof(tag));
    sqt_grid_config_params(c, &bp->info, tag, &bp->grid);
    memset(&bp->exec, 0, sizeof(bp->exec));
    bp->exec.rate_per_sec = c->rate_limit_per_sec;
    bp->exec.burst = c->rate_limit_burst;
    bp->exec.max_batch_place = bp->info.max_batch_place;
    bp->exec.max_batch_cancel = bp->info.max_batch_cancel;
    bp->exec.rate_limit_retry_ms = (uint32_t)c->rate_limit_retry_delay * 1000u;
    bp->exec.retry_base_ms = (uint32_t)c->order_retry_delay;
    bp->chart = outdir != NULL;
    if (outdir || o->events) {
        if (outdir)
            snprintf(path, sizeof(path), "%s/events.jsonl", outdir);
        else
            snprintf(path, sizeof(path), "%s", o->events);
        /* a fresh file: the same run writes the same bytes */
        el.f = fopen(path, "w");
        if (el.f == NULL) {
            snprintf(err, errlen, "%.900s: %s", path, strerror(errno));
            return EXIT_RUNTIME;
        }
        bp->events = &el;
    }
    /* the first sequence number of client ids: fixed, so ids repeat between runs */
    bp->grid.id_seed = 1;
    rc = sqt_bt_new(bp, &bt, err, errlen);
    if (rc != 0) {
        if (el.f)
            fclose(el.f);
        return EXIT_USAGE;
    }
    rc = sqt_bt_feed_file(bt, o->data, o->fmt, 1 << 20, o->from_ms, o->to_ms, progress, err, errlen);
    if (rc == 0)
        rc = sqt_bt_finish(bt, err, errlen);
    if (rc == 0) {
        sqt_bt_summary_get(bt, s);
        if (outdir) {
            FILE *f;
            snprintf(path, sizeof(path), "%s/chart.html", outdir);
            if ((f = fopen(path, "w")) == NULL || sqt_bt_chart_write(bt, f, c->symbol) != 0 ||
                fclose(f) != 0 || write_text(outdir, "summary.txt", s, 0) != 0 ||
                write_text(outdir, "summary.json", s, 1) != 0) {
                snprintf(err, errlen, "%s: cannot write the outputs: %s", outdir, strerror(errno));
                io_failed = 1;
            }
        }
    }
    if (el.f && (fclose(el.f) != 0 || el.failed) && rc == 0 && !io_failed) {
        snprintf(err, errlen, "event log: cannot write: %s", strerror(errno));
        io_failed = 1;
    }
    sqt_bt_free(bt);
    if (rc == SQT_ENOMEM || io_failed)
        return EXIT_RUNTIME;
    return rc == 0 ? EXIT_OK : EXIT_USAGE;
}

/* ---- sweeps -------------------------------------------------------------------------------- */

typedef struct combo {
    int idx[MAX_SWEEP_KEYS];
    int status;
    sqt_bt_summary s;
    char err[512];
} combo;

typedef struct child_msg {
    int status;
    sqt_bt_summary s;
    char err[512];
} child_msg;

static int metric_cmp(const char *rank, const sqt_bt_summary *a, const sqt_bt_summary *b)
{
    if (strcmp(rank, "round_trips") == 0)
        return (a->round_trips > b->round_trips) - (a->round_trips < b->round_trips);
    if (strcmp(rank, "realized_pnl") == 0)
        return sqt_dec_cmp(a->realized_pnl, b->realized_pnl, NULL);
    if (strcmp(rank, "max_drawdown") == 0)
        return -sqt_dec_cmp(a->max_drawdown, b->max_drawdown, NULL);
    if (strcmp(rank, "fees") == 0)
        return -sqt_dec_cmp(a->fees, b->fees, NULL);
    return sqt_dec_cmp(a->net_pnl, b->net_pnl, NULL);
}

static const char *g_rank;
static combo *g_combos;

static int order_cmp(const void *pa, const void *pb)
{
    int a = *(const int *)pa, b = *(const int *)pb, ok_a, ok_b, c;
    ok_a = g_combos[a].status == 0;
    ok_b = g_combos[b].status == 0;
    if (ok_a != ok_b)
        return ok_b - ok_a;
    if (ok_a && (c = metric_cmp(g_rank, &g_combos[b].s, &g_combos[a].s)) != 0)
        return c;
    return a - b;
}

static int apply_combo(const opts *o, const combo *cb, sqt_config *c, sqt_bt_params *bp, char *err,
                       size_t errlen)
{
    int k;
    for (k = 0; k < o->nsweep; k++)
        if (sqt_bt_override(c, bp, o->sweep[k].key, o->sweep[k].values[cb->idx[k]], err, errlen) != 0)
            return -1;
    return 0;
}

static void child_run(const opts *o, combo *cb, int ncombo_i, sqt_config *c, sqt_bt_params *bp, int fd)
{
    child_msg m;
    char dir[4096];
    const char *outdir = NULL;
    memset(&m, 0, sizeof(m));
    if (apply_combo(o, cb, c, bp, m.err, sizeof(m.err)) != 0) {
        m.status = EXIT_USAGE;
    } else {
        if (o->out) {
            snprintf(dir, sizeof(dir), "%s/run-%03d", o->out, ncombo_i + 1);
            if (mkdir_p(dir) == 0)
                outdir = dir;
        }
        m.status = run_one(o, c, bp, outdir, 0, &m.s, m.err, sizeof(m.err));
    }
    if (write(fd, &m, sizeof(m)) != (ssize_t)sizeof(m))
        _exit(EXIT_RUNTIME);
    _exit(m.status);
}

static int read_full(int fd, void *buf, size_t n)
{
    size_t got = 0;
    while (got < n) {
        ssize_t r = read(fd, (char *)buf + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            return -1;
        got += (size_t)r;
    }
    return 0;
}

static void print_sweep(const opts *o, combo *cbs, int n, FILE *f)
{
    int *ord = malloc((size_t)n * sizeof(int)), i, k;
    char a[48], b[48], c[48], d[48], e[48];
    if (ord == NULL)
        return;
    for (i = 0; i < n; i++)
        ord[i] = i;
    g_rank = o->rank;
    g_combos = cbs;
    qsort(ord, (size_t)n, sizeof(int), order_cmp);
    if (o->json) {
        json_t *arr = json_array();
        char *txt;
        for (i = 0; i < n; i++) {
            combo *cb = &cbs[ord[i]];
            json_t *row = json_object(), *params = json_object();
            for (k = 0; k < o->nsweep; k++)
                json_object_set_new(params, o->sweep[k].key,
                                    json_string(o->sweep[k].values[cb->idx[k]]));
            json_object_set_new(row, "rank", json_integer(i + 1));
            json_object_set_new(row, "run", json_integer(ord[i] + 1));
            json_object_set_new(row, "params", params);
            if (cb->status == 0)
                json_object_set_new(row, "summary", sqt_bt_summary_to_json(&cb->s));
            else
                json_object_set_new(row, "error", json_string(cb->err));
            json_array_append_new(arr, row);
        }
        txt = json_dumps(arr, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        json_decref(arr);
        if (txt)
            fprintf(f, "%s\n", txt);
        free(txt);
        free(ord);
        return;
    }
    fprintf(f, "sweep: %d runs ranked by %s%s\n", n, o->rank,
            strcmp(o->rank, "max_drawdown") == 0 || strcmp(o->rank, "fees") == 0 ? " (lowest first)"
                                                                                 : " (highest first)");
    fprintf(f, "%4s %4s", "rank", "run");
    for (k = 0; k < o->nsweep; k++)
        fprintf(f, " %16s", o->sweep[k].key);
    fprintf(f, " %14s %14s %8s %12s %12s %12s\n", "net_pnl", "realized_pnl", "trips", "max_dd",
            "fees", "max_margin");
    for (i = 0; i < n; i++) {
        combo *cb = &cbs[ord[i]];
        fprintf(f, "%4d %4d", i + 1, ord[i] + 1);
        for (k = 0; k < o->nsweep; k++)
            fprintf(f, " %16s", o->sweep[k].values[cb->idx[k]]);
        if (cb->status != 0) {
            fprintf(f, " failed: %s\n", cb->err);
            continue;
        }
        sqt_dec_format(cb->s.net_pnl, a, sizeof(a));
        sqt_dec_format(cb->s.realized_pnl, b, sizeof(b));
        sqt_dec_format(cb->s.max_drawdown, c, sizeof(c));
        sqt_dec_format(cb->s.fees, d, sizeof(d));
        sqt_dec_format(cb->s.max_margin_used, e, sizeof(e));
        fprintf(f, " %14s %14s %8" PRIu64 " %12s %12s %12s\n", a, b, cb->s.round_trips, c, d, e);
    }
    free(ord);
}

static int run_sweep(const opts *o, sqt_config *c, sqt_bt_params *bp)
{
    combo *cbs;
    int n = 1, i, k, next = 0, running = 0, failed = 0;
    pid_t pids[256];
    int fds[256], which[256];
    for (k = 0; k < o->nsweep; k++) {
        if (n > MAX_COMBOS / o->sweep[k].n)
            return usage("more than %s combinations", "4096");
        n *= o->sweep[k].n;
    }
    if ((cbs = calloc((size_t)n, sizeof(*cbs))) == NULL)
        return EXIT_RUNTIME;
    for (i = 0; i < n; i++) {
        int rest = i;
        for (k = o->nsweep - 1; k >= 0; k--) {
            cbs[i].idx[k] = rest % o->sweep[k].n;
            rest /= o->sweep[k].n;
        }
    }
    fflush(stdout);
    fflush(stderr);
    while (next < n || running > 0) {
        while (next < n && running < o->jobs) {
            int p[2];
            pid_t pid;
            if (pipe(p) != 0) {
                free(cbs);
                return EXIT_RUNTIME;
            }
            pid = fork();
            if (pid < 0) {
                close(p[0]);
                close(p[1]);
                free(cbs);
                return EXIT_RUNTIME;
            }
            if (pid == 0) {
                close(p[0]);
                child_run(o, &cbs[next], next, c, bp, p[1]);
            }
            close(p[1]);
            pids[running] = pid;
            fds[running] = p[0];
            which[running] = next;
            running++;
            next++;
        }
        {
            int status, j;
            pid_t done = wait(&status);
            if (done < 0)
                break;
            for (j = 0; j < running; j++) {
                child_msg m;
                if (pids[j] != done)
                    continue;
                if (read_full(fds[j], &m, sizeof(m)) == 0) {
                    cbs[which[j]].status = m.status;
                    cbs[which[j]].s = m.s;
                    memcpy(cbs[which[j]].err, m.err, sizeof(m.err));
                } else {
                    cbs[which[j]].status = EXIT_RUNTIME;
                    snprintf(cbs[which[j]].err, sizeof(cbs[which[j]].err), "the run's process died");
                }
                if (cbs[which[j]].status != 0)
                    failed++;
                close(fds[j]);
                pids[j] = pids[running - 1];
                fds[j] = fds[running - 1];
                which[j] = which[running - 1];
                running--;
                if (isatty(2))
                    fprintf(stderr, "\r  %d of %d runs done   ", next - running, n);
                break;
            }
        }
    }
    if (isatty(2))
        fprintf(stderr, "\n");
    print_sweep(o, cbs, n, stdout);
    free(cbs);
    return failed == n ? EXIT_USAGE : EXIT_OK;
}

/* ---- command line -------------------------------------------------------------------------- */

static int add_sweep(opts *o, char *arg)
{
    char *eq = strchr(arg, '='), *v, *save = NULL;
    sweep_key *sk;
    if (eq == NULL || eq == arg || !eq[1])
        return usage("--sweep wants KEY=V1,V2,..., got \"%s\"", arg);
    if (o->nsweep == MAX_SWEEP_KEYS)
        return usage("at most %s --sweep keys", "8");
    sk = &o->sweep[o->nsweep++];
    *eq = '\0';
    sk->key = arg;
    for (v = strtok_r(eq + 1, ",", &save); v; v = strtok_r(NULL, ",", &save)) {
        if (sk->n == MAX_SWEEP_VALUES)
            return usage("at most %s values per --sweep key", "64");
        sk->values[sk->n++] = v;
    }
    if (sk->n == 0)
        return usage("--sweep %s has no values", arg);
    return -1;
}

int sqt_backtest_main(int argc, char **argv)
{
    enum {
        O_FORMAT = 256, O_FROM, O_TO, O_JSON, O_OUT, O_EVENTS, O_SWEEP, O_RANK, O_JOBS, O_TICK,
        O_STEP, O_MINQ, O_MINN, O_MAKER, O_TAKER, O_BAL, O_LEV, O_LAT, O_OPM, O_NOPROG
    };
    static const struct option longopts[] = {
        {"config", required_argument, NULL, 'c'},   {"data", required_argument, NULL, 'd'},
        {"format", required_argument, NULL, O_FORMAT}, {"from", required_argument, NULL, O_FROM},
        {"to", required_argument, NULL, O_TO},       {"json", no_argument, NULL, O_JSON},
        {"out", required_argument, NULL, O_OUT},     {"events", required_argument, NULL, O_EVENTS},
        {"sweep", required_argument, NULL, O_SWEEP}, {"rank", required_argument, NULL, O_RANK},
        {"jobs", required_argument, NULL, O_JOBS},   {"tick", required_argument, NULL, O_TICK},
        {"step", required_argument, NULL, O_STEP},   {"min-qty", required_argument, NULL, O_MINQ},
        {"min-notional", required_argument, NULL, O_MINN},
        {"maker-fee", required_argument, NULL, O_MAKER},
        {"taker-fee", required_argument, NULL, O_TAKER},
        {"balance", required_argument, NULL, O_BAL}, {"leverage", required_argument, NULL, O_LEV},
        {"latency", required_argument, NULL, O_LAT}, {"orders-per-min", required_argument, NULL, O_OPM},
        {"no-progress", no_argument, NULL, O_NOPROG}, {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0}};
    opts o;
    sqt_config cfg;
    sqt_bt_params bp;
    sqt_bt_summary s;
    sqt_log log;
    char err[1024];
    long l;
    int ch, rc;
    memset(&o, 0, sizeof(o));
    o.from_ms = INT64_MIN;
    o.to_ms = INT64_MAX;
    o.rank = "net_pnl";
    o.latency = -1;
    o.progress = isatty(2);
    o.jobs = (int)sysconf(_SC_NPROCESSORS_ONLN);
    if (o.jobs < 1)
        o.jobs = 1;
    optind = 1;
    opterr = 0;
    while ((ch = getopt_long(argc, argv, "+:hc:d:", longopts, NULL)) != -1) {
        switch (ch) {
        case 'h':
            fputs(help_text, stdout);
            return EXIT_OK;
        case 'c':
            o.config = optarg;
            break;
        case 'd':
            o.data = optarg;
            break;
        case O_FORMAT:
            if (sqt_bt_format_parse(optarg, &o.fmt) != 0)
                return usage("unknown --format \"%s\"", optarg);
            break;
        case O_FROM:
        case O_TO:
            if (sqt_bt_parse_time(optarg, ch == O_FROM ? &o.from_ms : &o.to_ms) != 0)
                return usage("\"%s\" is not a time (Unix ms or 2024-01-31[T12:00[:00]])", optarg);
            break;
        case O_JSON:
            o.json = 1;
            break;
        case O_OUT:
            o.out = optarg;
            break;
        case O_EVENTS:
            o.events = optarg;
            break;
        case O_SWEEP:
            if ((rc = add_sweep(&o, optarg)) >= 0)
                return rc;
            break;
        case O_RANK:
            if (strcmp(optarg, "net_pnl") && strcmp(optarg, "realized_pnl") &&
                strcmp(optarg, "round_trips") && strcmp(optarg, "max_drawdown") && strcmp(optarg, "fees"))
                return usage("unknown --rank \"%s\"", optarg);
            o.rank = optarg;
            break;
        case O_JOBS:
            if (parse_int(optarg, 1, 256, &l) != 0)
                return usage("--jobs \"%s\" is not 1..256", optarg);
            o.jobs = (int)l;
            break;
        case O_TICK:
            o.tick = optarg;
            break;
        case O_STEP:
            o.step = optarg;
            break;
        case O_MINQ:
            o.min_qty = optarg;
            break;
        case O_MINN:
            o.min_notional = optarg;
            break;
        case O_MAKER:
            o.maker_fee = optarg;
            break;
        case O_TAKER:
            o.taker_fee = optarg;
            break;
        case O_BAL:
            o.balance = optarg;
            break;
        case O_LEV:
            if (parse_int(optarg, 1, 125, &l) != 0)
                return usage("--leverage \"%s\" is not 1..125", optarg);
            o.leverage = (int)l;
            break;
        case O_LAT:
            if (parse_int(optarg, 0, 600000, &l) != 0)
                return usage("--latency \"%s\" is not 0..600000 ms", optarg);
            o.latency = l;
            break;
        case O_OPM:
            if (parse_int(optarg, 1, 10000000, &l) != 0)
                return usage("--orders-per-min \"%s\" is not a positive integer", optarg);
            o.orders_per_min = (int)l;
            break;
        case O_NOPROG:
            o.progress = 0;
            break;
        case ':':
            return usage("option %s needs a value", argv[optind - 1]);
        default:
            return usage("unknown option %s", argv[optind - 1]);
        }
    }
    if (optind < argc)
        return usage("unexpected argument \"%s\"", argv[optind]);
    if (o.config == NULL || o.data == NULL)
        return usage("%s", "-c FILE and --data CSV are required");
    if (o.from_ms > o.to_ms)
        return usage("%s", "--from is after --to");
    if (o.nsweep > 0 && o.events)
        return usage("%s", "--events names one file: with --sweep use --out DIR (one per run)");
    sqt_log_init(&log);
    log.level = SQT_LV_WARN;
    if (sqt_config_load(&cfg, o.config, &log, err, sizeof(err)) != 0) {
        fprintf(stderr, "opensqt backtest: %s\n", err);
        sqt_log_close(&log);
        return EXIT_USAGE;
    }
    if (setup(&o, &cfg, &bp, err, sizeof(err)) != 0) {
        fprintf(stderr, "opensqt backtest: %s\n", err);
        rc = EXIT_USAGE;
    } else if (o.out && mkdir_p(o.out) != 0) {
        fprintf(stderr, "opensqt backtest: cannot create %s: %s\n", o.out, strerror(errno));
        rc = EXIT_RUNTIME;
    } else if (o.nsweep > 0) {
        rc = run_sweep(&o, &cfg, &bp);
    } else {
        rc = run_one(&o, &cfg, &bp, o.out, o.progress, &s, err, sizeof(err));
        if (rc != EXIT_OK) {
            fprintf(stderr, "opensqt backtest: %s\n", err);
        } else {
            if (o.json)
                sqt_bt_summary_json(&s, stdout);
            else
                sqt_bt_summary_print(&s, stdout);
            if (o.out)
                fprintf(stderr, "opensqt backtest: wrote %s/{summary.txt,summary.json,events.jsonl,chart.html}\n",
                        o.out);
            if (fflush(stdout) != 0)
                rc = EXIT_RUNTIME;
        }
    }
    sqt_config_free(&cfg);
    sqt_log_close(&log);
    return rc;
}
