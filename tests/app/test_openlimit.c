/* The exchange's open-order limit when places pass the far cancels (issue 16). The real
 * app (sqt_app_run, in process) trades against the scripted exchange, which enforces an
 * open-order limit (a place beyond it is refused), reports it or not, and records the
 * order of the calls. The grid holds three buys (a window of 4, the level next to the
 * price kept free); the price jumps two grid levels at a time: each jump places two
 * buys at the top of the window and cancels the two now below it (slack 0).
 *   - The limit (3) is not reported: the host cannot know that placing first is safe,
 *     so the cancels go first and the book never holds more than three (placing first
 *     would hold five for a moment: two places refused).
 *   - The limit (3) is reported: the engine's own count (pending and cancel-requested
 *     orders included) stays within it; nothing is refused.
 *   - With room to spare (200, reported), the places go out before the cancels, in the
 *     same turn: the new buys near the market do not wait behind far cancels. */
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "plugin.h"
#include "scripted_main.h"
#include "scripted_plugin.h"
#include "sqt_test.h"

static char root[256];
static sqt_loaded_plugin plugin;
static const scripted_api *X;

static void sink(void *ud, int level, const char *line)
{
    (void)ud;
    if (level >= SQT_LV_ERROR)
        fprintf(stderr, "    logged: %s\n", line);
}

static void run_app(const char *name, double seconds)
{
    char dir[400], cfgpath[500];
    FILE *f;
    snprintf(dir, sizeof dir, "%s/%s", root, name);
    CU_ASSERT_EQUAL_FATAL(mkdir(dir, 0700), 0);
    snprintf(cfgpath, sizeof cfgpath, "%s/run.yaml", dir);
    f = fopen(cfgpath, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fprintf(f,
            "app:\n  current_exchange: scripted\n  instance: ol\n"
            "exchanges:\n  scripted:\n    fee_rate: 0.0002\n"
            "trading:\n  symbol: ETHUSDT\n  price_interval: 2\n  order_quantity: 30\n"
            "  min_order_value: 20\n  buy_window_size: 4\n  sell_window_size: 4\n"
            "  out_of_window_slack: 0\n  reconcile_interval: 3600\n"
            "  rate_limit_per_sec: 1000\n  rate_limit_burst: 1000\n"
            "system:\n  log_level: WARN\n  cancel_on_exit: false\n  state_dir: %s/state\n"
            "risk_control:\n  enabled: false\n"
            "timing:\n  order_cleanup_interval: 86400\n",
            dir);
    fclose(f);
    CU_ASSERT_EQUAL(scripted_run(cfgpath, &plugin, seconds, sink, NULL, 0), 0);
}

/* 3000.00 for a while (the window's four buys go out and are acknowledged), then two
 * levels up every 8 ticks (160 ms: each jump's requests are answered before the next). */
static size_t price_path(int64_t *cents, size_t cap)
{
    size_t n = 0, i;
    int64_t px = 300000;
    for (i = 0; i < 16 && n < cap; i++)
        cents[n++] = px;
    while (n + 8 <= cap) {
        px += 400;
        for (i = 0; i < 8; i++)
            cents[n++] = px;
    }
    return n;
}

/* The jumps' call pairs: per price tick segment of the log holding both a place and
 * a cancel call, which came first. */
static void order_of_calls(const char *log, int *places_first, int *cancels_first)
{
    const char *seg = log;
    *places_first = *cancels_first = 0;
    while (*seg) {
        const char *end = strchr(seg + (*seg == '|'), '|');
        size_t len = end ? (size_t)(end - seg) : strlen(seg);
        const char *p = memchr(seg, 'P', len), *c = memchr(seg, 'C', len);
        if (p && c)
            (p < c ? (*places_first)++ : (*cancels_first)++);
        seg += len;
    }
}

static void trade(const char *name, int limit, int reported, int *pf, int *cf)
{
    int64_t path[64];
    X->reset();
    X->set_market(limit, reported, path, price_path(path, 64));
    run_app(name, 1.0);
    order_of_calls(X->call_log(), pf, cf);
    CU_ASSERT_TRUE(X->calls(SCR_CANCEL) >= 4); /* the jumps happened */
    if (X->limit_refused() != 0 || X->peak_open() > limit)
        fprintf(stderr, "    calls: %s\n    most open %d, refused %d\n", X->call_log(),
                X->peak_open(), X->limit_refused());
}

static void t_unknown_limit(void)
{
    int pf, cf;
    trade("unknown", 3, 0, &pf, &cf);
    CU_ASSERT_TRUE(cf >= 2);
    CU_ASSERT_EQUAL(pf, 0);
    CU_ASSERT_TRUE(X->peak_open() <= 3);
    CU_ASSERT_EQUAL(X->limit_refused(), 0);
}

static void t_known_limit(void)
{
    int pf, cf;
    trade("known", 3, 1, &pf, &cf);
    CU_ASSERT_TRUE(X->peak_open() <= 3);
    CU_ASSERT_EQUAL(X->limit_refused(), 0);
}

static void t_places_first_with_room(void)
{
    int pf, cf;
    trade("room", 200, 1, &pf, &cf);
    CU_ASSERT_TRUE(pf >= 2);
    CU_ASSERT_EQUAL(cf, 0);
    CU_ASSERT_EQUAL(X->limit_refused(), 0);
    CU_ASSERT_TRUE(X->peak_open() >= 5); /* the jump's two ahead of the cancels of two */
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"a limit the host does not know: cancels first, the limit holds", t_unknown_limit},
        {"a known limit holds", t_known_limit},
        {"places pass the far cancels when the limit leaves room", t_places_first_with_room},
        {NULL, NULL}};
    return scripted_main("app_openlimit", cases, root, sizeof root, &plugin, &X);
}
