/* End to end: the host + paper.so, in process, for a few simulated minutes (the paper
 * market steps every 10 ms instead of 250 ms). Afterwards the audit trail must agree
 * with the paper exchange's own record of fills, every order must have ended, the
 * position must follow from the fills, and the loop must have closed clean. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "app.h"
#include "config.h"
#include "log.h"
#include "plugin.h"
#include "sqt_test.h"

static char dir[256];
static int errors_logged;
static int lines_logged;
static int warm_off_seen, warm_on_seen; /* system.keep_warm_ms's start-up line */

static void sink(void *ud, int level, const char *line)
{
    (void)ud;
    lines_logged++;
    if (strstr(line, "keep warm: off, nothing to warm on paper") != NULL)
        warm_off_seen++;
    if (strstr(line, "keep warm: the fill path run dry") != NULL)
        warm_on_seen++;
    if (level >= SQT_LV_ERROR) {
        errors_logged++;
        fprintf(stderr, "    logged: %s\n", line);
    }
}

static void write_config(const char *path, const char *events, const char *fills, int seed)
{
    FILE *f = fopen(path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fprintf(f,
            "app:\n  current_exchange: paper\n  instance: e2e\n"
            "exchanges:\n  paper:\n    fee_rate: 0.0002\n    tick_size: 0.01\n    step_size: 0.001\n"
            "    min_notional: 5\n    balance: 10000\n    leverage: 5\n    maker_fee: 0.0002\n"
            "    taker_fee: 0.0005\n    partial_fill_qty: 0.004\n    latency_ms: 1\n"
            "    start_price: 3000\n    volatility: 0.0004\n    tick_ms: 10\n    seed: %d\n"
            "    fill_log: %s\n"
            "trading:\n  symbol: ETHUSDT\n  price_interval: 2\n  order_quantity: 30\n"
            "  min_order_value: 20\n  buy_window_size: 8\n  sell_window_size: 8\n"
            "  order_cleanup_threshold: 40\n  cleanup_batch_size: 5\n  reconcile_interval: 2\n"
            "system:\n  log_level: INFO\n  cancel_on_exit: true\n  event_log: %s\n"
            "  state_dir: %s.state\n"
            "risk_control:\n  enabled: true\n  monitor_symbols: [ETHUSDT]\n  recovery_threshold: 1\n"
            "timing:\n  order_cleanup_interval: 2\n",
            seed, fills, events, events);
    fclose(f);
}

/* A fill identified by order and cumulative quantity after it. */
typedef struct fill {
    char cid[64];
    char qty[32];
    char price[32];
    char cum[32];
    char side[8];
    int matched;
} fill;

static size_t read_fills(const char *path, const char *only_event, fill *out, size_t cap)
{
    FILE *f = fopen(path, "r");
    char line[4096];
    size_t n = 0;
    if (f == NULL)
        return 0;
    while (fgets(line, sizeof line, f) && n < cap) {
        json_error_t je;
        json_t *o = json_loads(line, 0, &je);
        const char *ev, *cid, *q, *p, *cum, *side;
        CU_ASSERT_PTR_NOT_NULL(o);
        if (o == NULL)
            continue;
        ev = json_string_value(json_object_get(o, "event"));
        if (only_event == NULL || (ev && strcmp(ev, only_event) == 0)) {
            cid = json_string_value(json_object_get(o, "client_id"));
            q = json_string_value(json_object_get(o, "fill_qty"));
            p = json_string_value(json_object_get(o, "fill_price"));
            cum = json_string_value(json_object_get(o, "filled_qty"));
            side = json_string_value(json_object_get(o, "side"));
            CU_ASSERT_TRUE(cid && q && p && cum && side);
            if (cid && q && p && cum && side) {
                snprintf(out[n].cid, sizeof out[n].cid, "%s", cid);
                snprintf(out[n].qty, sizeof out[n].qty, "%s", q);
                snprintf(out[n].price, sizeof out[n].price, "%s", p);
                snprintf(out[n].cum, sizeof out[n].cum, "%s", cum);
                snprintf(out[n].side, sizeof out[n].side, "%s", side);
                out[n].matched = 0;
                n++;
            }
        }
        json_decref(o);
    }
    fclose(f);
    return n;
}

static int64_t units(const char *s, int scale)
{
    sqt_dec d, r;
    if (sqt_dec_parse(s, strlen(s), &d) != SQT_OK || sqt_dec_rescale(d, scale, &r) != SQT_OK)
        return INT64_MIN;
    return r.mant;
}

#define MAXF 20000
static fill ours[MAXF], theirs[MAXF];

/* Per order: placed, ended (filled/cancelled/rejected), sum of fills. */
typedef struct order_track {
    char cid[64];
    int placed, ended;
    int64_t fills;     /* steps, scale 3 */
    int64_t final_cum;
} order_track;
static order_track tracks[MAXF];
static size_t n_tracks;

static order_track *track(const char *cid)
{
    size_t i;
    for (i = 0; i < n_tracks; i++)
        if (strcmp(tracks[i].cid, cid) == 0)
            return &tracks[i];
    if (n_tracks == MAXF)
        return NULL;
    memset(&tracks[n_tracks], 0, sizeof tracks[0]);
    snprintf(tracks[n_tracks].cid, sizeof tracks[0].cid, "%s", cid);
    return &tracks[n_tracks++];
}

static void check_orders(const char *events, int *round_trips)
{
    FILE *f = fopen(events, "r");
    char line[4096];
    size_t i;
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    n_tracks = 0;
    *round_trips = 0;
    while (fgets(line, sizeof line, f)) {
        json_error_t je;
        json_t *o = json_loads(line, 0, &je);
        const char *ev, *cid;
        order_track *t;
        if (o == NULL)
            continue;
        ev = json_string_value(json_object_get(o, "event"));
        cid = json_string_value(json_object_get(o, "client_id"));
        CU_ASSERT_PTR_NOT_NULL(json_object_get(o, "ts"));
        CU_ASSERT_PTR_NOT_NULL(json_object_get(o, "slot"));
        if (ev && cid && (t = track(cid)) != NULL) {
            if (strcmp(ev, "placed") == 0)
                t->placed++;
            else if (strcmp(ev, "filled") == 0 || strcmp(ev, "cancelled") == 0 ||
                     strcmp(ev, "rejected") == 0) {
                t->ended++;
                t->final_cum = units(json_string_value(json_object_get(o, "filled_qty")), 3);
            } else if (strcmp(ev, "fill") == 0)
                t->fills += units(json_string_value(json_object_get(o, "fill_qty")), 3);
            else if (strcmp(ev, "round_trip") == 0)
                (*round_trips)++;
        }
        json_decref(o);
    }
    fclose(f);
    CU_ASSERT_TRUE(n_tracks > 0);
    for (i = 0; i < n_tracks; i++) {
        order_track *t = &tracks[i];
        if (t->placed == 0)
            continue; /* a round_trip line names the sell */
        /* every order we placed ended exactly once (cancel on exit), with all its fills */
        if (t->ended != 1)
            fprintf(stderr, "    order %s: %d end events\n", t->cid, t->ended);
        SQT_ASSERT_INT_EQ(t->placed, 1);
        SQT_ASSERT_INT_EQ(t->ended, 1);
        SQT_ASSERT_INT_EQ(t->fills, t->final_cum);
    }
}

static void run_once(int seed)
{
    char cfgpath[300], events[300], fills[300], err[512], pdir[512];
    sqt_config cfg;
    sqt_log log;
    sqt_loaded_plugin pl;
    sqt_app_opts o;
    size_t n_ours, n_theirs, i, j;
    int rc, round_trips;
    int64_t pos_ours = 0, pos_theirs = 0;

    snprintf(cfgpath, sizeof cfgpath, "%s/paper-%d.yaml", dir, seed);
    snprintf(events, sizeof events, "%s/events-%d.jsonl", dir, seed);
    snprintf(fills, sizeof fills, "%s/fills-%d.jsonl", dir, seed);
    write_config(cfgpath, events, fills, seed);

    sqt_log_init(&log);
    log.sink = sink;
    log.level = SQT_LV_INFO;
    errors_logged = 0;
    warm_off_seen = warm_on_seen = 0;
    memset(&cfg, 0, sizeof cfg);
    rc = sqt_config_load(&cfg, cfgpath, &log, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "    config: %s\n", err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    snprintf(pdir, sizeof pdir, "%s", getenv("SQT_PLUGIN_DIR"));
    rc = sqt_plugin_load(pdir, "paper", &pl, err, sizeof err);
    if (rc != 0)
        fprintf(stderr, "    plugin: %s\n", err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);

    memset(&o, 0, sizeof o);
    o.cfg = &cfg;
    o.plugin = &pl;
    o.log = &log;
    o.run_for_seconds = 8;
    rc = sqt_app_run(&o);
    SQT_ASSERT_INT_EQ(rc, 0);
    SQT_ASSERT_INT_EQ(errors_logged, 0);
    /* keep-warm (default 5 ms) finds nothing to warm on paper: no timer */
    SQT_ASSERT_INT_EQ(warm_off_seen, 1);
    SQT_ASSERT_INT_EQ(warm_on_seen, 0);
    sqt_plugin_unload(&pl);
    sqt_config_free(&cfg);
    sqt_log_close(&log);

    /* the paper exchange's fills and ours are the same multiset */
    n_ours = read_fills(events, "fill", ours, MAXF);
    n_theirs = read_fills(fills, NULL, theirs, MAXF);
    fprintf(stderr, "    seed %d: %zu fills\n", seed, n_ours);
    CU_ASSERT_TRUE(n_ours >= 10); /* it really traded */
    SQT_ASSERT_INT_EQ(n_ours, n_theirs);
    for (i = 0; i < n_theirs; i++) {
        for (j = 0; j < n_ours; j++)
            if (!ours[j].matched && strcmp(ours[j].cid, theirs[i].cid) == 0 &&
                units(ours[j].qty, 8) == units(theirs[i].qty, 8) &&
                units(ours[j].price, 8) == units(theirs[i].price, 8) &&
                units(ours[j].cum, 8) == units(theirs[i].cum, 8)) {
                ours[j].matched = theirs[i].matched = 1;
                break;
            }
        if (!theirs[i].matched)
            fprintf(stderr, "    exchange fill not in our log: %s %s @ %s\n", theirs[i].cid,
                    theirs[i].qty, theirs[i].price);
        CU_ASSERT_TRUE(theirs[i].matched);
    }
    /* long-only: the position never goes negative, and both sides agree on it */
    for (i = 0; i < n_ours; i++) {
        pos_ours += (strcmp(ours[i].side, "BUY") == 0 ? 1 : -1) * units(ours[i].qty, 3);
        CU_ASSERT_TRUE(pos_ours >= 0);
    }
    for (i = 0; i < n_theirs; i++)
        pos_theirs += (strcmp(theirs[i].side, "BUY") == 0 ? 1 : -1) * units(theirs[i].qty, 3);
    SQT_ASSERT_INT_EQ(pos_ours, pos_theirs);

    check_orders(events, &round_trips);
    fprintf(stderr, "    seed %d: %d round trips, %zu orders\n", seed, round_trips, n_tracks);
    CU_ASSERT_TRUE(round_trips >= 1);
}

static void test_paper_runs(void)
{
    run_once(7);
    run_once(11);
}

int main(void)
{
    static const sqt_test_case cases[] = {{"host + paper, two seeds", test_paper_runs}, {NULL, NULL}};
    char tmpl[] = "/tmp/sqt-e2e-XXXXXX";
    int rc;
    if (mkdtemp(tmpl) == NULL)
        return EXIT_FAILURE;
    snprintf(dir, sizeof dir, "%s", tmpl);
    SQT_TEST_INIT();
    sqt_test_suite("e2e_paper", cases);
    rc = sqt_test_run();
    if (rc == EXIT_SUCCESS) {
        char cmd[400];
        snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
        if (system(cmd) != 0)
            return EXIT_FAILURE;
    }
    return rc;
}
