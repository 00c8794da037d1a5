/* End to end: the two watchers of a running bot, the order cleaner and the risk monitor,
 * with the real `opensqt` binary as a process against the Binance emulator.
 *
 *   cleaner  the live orders reach trading.order_cleanup_threshold; the cleaner's timer
 *            (timing.order_cleanup_interval: 1 s) cancels the farthest orders (the lowest
 *            buys) in batches, round after round, and the grid refills them; below the
 *            threshold it cancels nothing.
 *   risk     risk control on, watching ETHUSDT (the traded symbol) on 1m klines with a
 *            window of 2: one big trade below the average close makes the forming candle
 *            a panic candle; the bot logs the trigger, cancels its buys (reason risk) and
 *            places none while paused; once a calm candle has closed after it (and the
 *            monitor's minimum pause of 60 s is over) it resumes and buys again. The
 *            pause ends at the second 1m boundary after the trigger (the panic candle
 *            must close, then a calm one), so it lasts 60 to 120 s; the case takes
 *            70 to 130 s. SQT_WATCH_ONLY=cleaner|risk runs one case.
 *   console  what those two runs told the operator: the cleaner's actions at INFO, the
 *            monitor's periodic report one readable line per symbol.
 *
 * Files of a failed run stay in the temp dir (printed); SQT_E2E_KEEP keeps them always. */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "e2e_book.h"
#include "sqt_test.h"

#ifndef SQT_EMU_BIN
#error "SQT_EMU_BIN must name the opensqt-emulator binary"
#endif

#define TAG "wt"

/* sigma 0: the emulator's kline history is flat at the start price, so the only panic
 * candle is the one the test makes */
static const char *const FLAT[] = {"--price-mode", "manual", "--start-price", "3000.00", "--sigma",
                                   "0", "--seed", "7", NULL};

/* ---- the event log ---------------------------------------------------------------- */

typedef struct evline {
    int64_t ts;
    char event[24];
    char side[8];
    long px;                   /* price x100, 0 when none */
    char reason[24];
} evline;

#define MAXEV 8192

/* The event log's lines (at most MAXEV); how many. */
static size_t events_read(const book *b, evline *out)
{
    FILE *f = fopen(b->events, "r");
    char line[4096];
    size_t n = 0;
    while (f != NULL && n < MAXEV && fgets(line, sizeof line, f) != NULL) {
        json_t *o = json_loads(line, 0, NULL);
        const char *s;
        evline *e = &out[n];
        if (o == NULL)
            continue;
        memset(e, 0, sizeof *e);
        e->ts = (int64_t)json_integer_value(json_object_get(o, "ts"));
        s = json_string_value(json_object_get(o, "event"));
        snprintf(e->event, sizeof e->event, "%s", s ? s : "");
        s = json_string_value(json_object_get(o, "side"));
        snprintf(e->side, sizeof e->side, "%s", s ? s : "");
        s = json_string_value(json_object_get(o, "price"));
        e->px = s ? (long)e2e_units(s, 2) : 0;
        s = json_string_value(json_object_get(o, "reason"));
        snprintf(e->reason, sizeof e->reason, "%s", s ? s : "");
        json_decref(o);
        n++;
    }
    if (f != NULL)
        fclose(f);
    return n;
}

/* How many lines of one event (and reason, when not NULL). */
static size_t events_count(const evline *ev, size_t n, const char *event, const char *reason)
{
    size_t i, k = 0;
    for (i = 0; i < n; i++)
        k += strcmp(ev[i].event, event) == 0 && (reason == NULL || strcmp(ev[i].reason, reason) == 0);
    return k;
}

/* The time of the first line of an event, 0 when none. */
static int64_t events_first(const evline *ev, size_t n, const char *event)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (strcmp(ev[i].event, event) == 0)
            return ev[i].ts;
    return 0;
}

/* Our open orders of one side now; prices x100 (up to cap) in px. */
static int open_side(book *b, const char *side, long *px, size_t cap, int *max_dup)
{
    json_t *st = e2e_emu_state(&b->emu), *o;
    size_t i;
    int k = 0;
    if (max_dup != NULL) {
        *max_dup = 0;
        e2e_our_open(st, b->prefix, max_dup);
    }
    json_array_foreach(json_object_get(st, "open_orders"), i, o) {
        const char *cid = json_string_value(json_object_get(o, "client_id"));
        const char *sd = json_string_value(json_object_get(o, "side"));
        if (cid && sd && strncmp(cid, b->prefix, strlen(b->prefix)) == 0 && strcmp(sd, side) == 0) {
            if (px != NULL && (size_t)k < cap)
                px[k] = (long)e2e_units(json_string_value(json_object_get(o, "price")), 2);
            k++;
        }
    }
    json_decref(st);
    return k;
}

static long min_of(const long *v, int n)
{
    long m = n > 0 ? v[0] : 0;
    int i;
    for (i = 1; i < n; i++)
        if (v[i] < m)
            m = v[i];
    return m;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The host up and trading at 3000.00; when it never trades, the book is closed and 0
 * returned (the case has nothing to look at). */
static pid_t trading(book *b, const char *why)
{
    pid_t h = host_up(b, why);
    kick(b, "3000.00");
    if (h > 0 && wait_trading(b, 20000))
        return h;
    if (h > 0)
        e2e_host_stop(h, 20000);
    book_close(b);
    return 0;
}

static evline ev[MAXEV];

/* What the two runs left on the console, for the console case (-1: the run did not
 * get that far). */
static int cleaner_info_lines = -1;
static int report_lines = -1, report_mangled = -1;

/* ---- the cleaner ------------------------------------------------------------------ */

static void test_cleaner(void)
{
    book b;
    pid_t h;
    long px[16];
    size_t n, i, rounds = 0, bad_side = 0, bad_level = 0, refills = 0;
    int64_t last_round = 0, min_gap = INT64_MAX;
    int nb, ns, dup = 0, max_dup = 0;
    uint64_t end;
    CU_ASSERT_EQUAL_FATAL(book_open(&b, "wt-clean", TAG, FLAT), 0);
    /* threshold 8, a quarter of it kept for sells: at most 6 buys; batch 2, every second */
    b.cleanup_threshold = 8;
    b.cleanup_batch = 2;
    b.cleanup_interval = 1;
    write_config(&b, 1, 8, 30);
    if ((h = trading(&b, "cleaner")) <= 0)
        return;
    nb = wait_side(&b, "BUY", 6, px, 8000);
    CHECK(&b, nb == 6, "%d buys, expected 6 (threshold 8 less the sell reserve 2)", nb);
    /* below the threshold the cleaner has nothing to do: give it three rounds */
    for (i = 0; i < 6; i++)
        price(&b, "3000.00"), e2e_sleep_ms(350);
    n = events_read(&b, ev);
    CHECK(&b, events_count(ev, n, "cancel_sent", "cleaner") == 0,
          "the cleaner cancelled %zu orders with 6 of 8 live", events_count(ev, n, "cancel_sent", "cleaner"));

    /* three buys fill: their sells (3000, 2998, 2996) and two more buys make 8 live */
    price(&b, "2993.00");
    ns = wait_side(&b, "SELL", 3, NULL, 8000);
    CHECK(&b, ns == 3, "%d sells after three buys filled, expected 3", ns);
    /* let the timer run a few rounds; keep the market data fresh */
    end = e2e_now_ms() + 6000;
    while (e2e_now_ms() < end) {
        price(&b, "2993.00");
        open_side(&b, "BUY", NULL, 0, &dup);
        if (dup > max_dup)
            max_dup = dup;
        e2e_sleep_ms(250);
    }
    /* the grid is refilled: 5 buys down to 2984 and the 3 sells */
    nb = 0;
    end = e2e_now_ms() + 5000;
    while (e2e_now_ms() < end) {
        nb = open_side(&b, "BUY", px, 16, &dup);
        if (nb == 5 && min_of(px, nb) == 298400)
            break;
        e2e_sleep_ms(30);
    }
    CHECK(&b, nb == 5 && min_of(px, nb) == 298400, "after the cleaner: %d buys, the lowest at %ld "
          "(expected 5 down to 2984.00)", nb, nb > 0 ? min_of(px, nb) : 0);
    ns = open_side(&b, "SELL", NULL, 0, NULL);
    CHECK(&b, ns == 3, "%d sells after the cleaner, expected 3 (sells are not the farthest side)", ns);
    CHECK(&b, max_dup <= 1, "%d orders of ours on one level", max_dup);
    CHECK(&b, e2e_host_stop(h, 20000) == 0, "the host did not stop with 0");
    /* log_level INFO: a line naming the cleaner is an INFO (or louder) line */
    cleaner_info_lines = log_has_since_mark(&b, "cleaner");

    /* the event log: rounds a timer apart (one round's cancels share its time), each the
     * two lowest buys (2984 and 2986 with buys at 2992..2984 and sells at 2996..3000),
     * each refilled at the same levels */
    n = events_read(&b, ev);
    for (i = 0; i < n; i++) {
        int low = ev[i].px == 298400 || ev[i].px == 298600;
        if (rounds > 0 && strcmp(ev[i].event, "placed") == 0 && strcmp(ev[i].side, "BUY") == 0)
            refills += low;
        if (strcmp(ev[i].event, "cancel_sent") != 0 || strcmp(ev[i].reason, "cleaner") != 0)
            continue;
        bad_side += strcmp(ev[i].side, "BUY") != 0;
        bad_level += !low;
        if (rounds == 0 || ev[i].ts - last_round >= 100) {
            if (rounds > 0 && ev[i].ts - last_round < min_gap)
                min_gap = ev[i].ts - last_round;
            last_round = ev[i].ts;
            rounds++;
        }
    }
    fprintf(stderr, "    [cleaner] %zu rounds, %zu cancels, %zu refills, the shortest gap %lld ms\n",
            rounds, events_count(ev, n, "cancel_sent", "cleaner"), refills,
            (long long)(min_gap == INT64_MAX ? 0 : min_gap));
    CHECK(&b, rounds >= 3, "%zu cleaner rounds in 6 s on a 1 s timer, expected at least 3", rounds);
    CHECK(&b, rounds < 2 || min_gap >= 900, "two cleaner rounds %lld ms apart (interval 1 s)",
          (long long)min_gap);
    CHECK(&b, bad_side == 0, "%zu cleaner cancels of sells (the buys are the larger side)", bad_side);
    CHECK(&b, bad_level == 0, "%zu cleaner cancels not of the two lowest buys (2984, 2986)", bad_level);
    /* the last round may fall between the final look and the stop */
    CHECK(&b, rounds > 0 && refills >= 2 * (rounds - 1), "%zu buys re-placed at 2984/2986 after "
          "%zu cleaner rounds of 2", refills, rounds);
    agree(&b, "cleaner", 0);
    book_close(&b);
}

/* ---- the risk monitor ------------------------------------------------------------- */

#define RISK_YAML                                                                          \
    "risk_control:\n  enabled: true\n  monitor_symbols: [ETHUSDT]\n  interval: 1m\n"          \
    "  volume_multiplier: 3\n  average_window: 2\n  recovery_threshold: 1\n"

static void test_risk(void)
{
    book b;
    pid_t h;
    long px[16];
    int nb, buys_paused = 0, samples = 0;
    size_t n, i, cancels, open_at_trigger = 0, placed_paused = 0;
    int64_t t0, minute, pause_ts, resume_ts;
    uint64_t end;
    CU_ASSERT_EQUAL_FATAL(book_open(&b, "wt-risk", TAG, FLAT), 0);
    b.risk_yaml = RISK_YAML;
    write_config(&b, 1, 4, 30);
    if ((h = trading(&b, "risk")) <= 0)
        return;
    /* window 4 at 3000.00: buys at 2998, 2996, 2994 */
    wait_side(&b, "BUY", 3, NULL, 8000);
    CHECK(&b, log_has_since_mark(&b, "risk monitor watching 1 symbols") == 1, "the monitor did not start");
    /* not in the last seconds of a minute: the panic candle must be the forming one */
    while (wall_ms() % 60000 > 50000)
        price(&b, "3000.00"), e2e_sleep_ms(1000);
    CHECK(&b, log_has_since_mark(&b, "panic candle:") == 0, "a panic before the test made one");
    /* one big trade one tick below the average close (3000.00): a panic candle */
    t0 = wall_ms();
    minute = t0 - t0 % 60000;
    CHECK(&b, e2e_emu_line(&b.emu, "price {\"price\":\"2999.00\",\"qty\":\"1000\"}") == 0, "big trade");
    if (!e2e_file_wait_for(b.log, "every watched market shows a panic candle", 5000)) {
        CHECK(&b, 0, "no trigger within 5 s of the panic candle (see %s)", b.log);
        e2e_host_stop(h, 20000);
        book_close(&b);
        return;
    }
    end = e2e_now_ms() + 5000;
    while (e2e_now_ms() < end && open_side(&b, "BUY", NULL, 0, NULL) > 0)
        e2e_sleep_ms(50);
    CHECK(&b, open_side(&b, "BUY", NULL, 0, NULL) == 0, "buys still open after the trigger");

    /* paused: the panic candle (small trades at 2999.00 keep the market data fresh) closes,
     * a calm one at 3000.00 forms and closes; no buy goes out until the monitor says the
     * market is normal again */
    end = e2e_now_ms() + (uint64_t)(minute + 2 * 60000 + 20000 - wall_ms());
    while (e2e_now_ms() < end && !log_has_since_mark(&b, "markets look normal again")) {
        int k;
        price(&b, wall_ms() >= minute + 60000 + 300 ? "3000.00" : "2999.00");
        k = open_side(&b, "BUY", NULL, 0, NULL);
        /* the resume may land between the two reads */
        if (k > 0 && !log_has_since_mark(&b, "markets look normal again"))
            buys_paused += k;
        samples++;
        e2e_sleep_ms(1500);
    }
    CHECK(&b, log_has_since_mark(&b, "markets look normal again") == 1,
          "no recovery by the second minute boundary after the trigger + 20 s (see %s)", b.log);
    CHECK(&b, buys_paused == 0, "buys open while paused (%d in %d samples)", buys_paused, samples);
    nb = wait_side(&b, "BUY", 3, px, 10000);
    CHECK(&b, nb == 3 && min_of(px, nb) == 299400, "after the resume %d buys, the lowest %ld "
          "(expected 3 down to 2994.00)", nb, nb > 0 ? min_of(px, nb) : 0);
    report_lines = log_has_since_mark(&b, "symbols show a panic candle");
    CHECK(&b, report_lines >= 1, "no periodic report of the monitor");
    /* the report's per-symbol part: its line break turned into '?' by the log */
    report_mangled = log_has_since_mark(&b, "?  ETHUSDT: close");
    CHECK(&b, e2e_host_stop(h, 20000) == 0, "the host did not stop with 0");

    n = events_read(&b, ev);
    pause_ts = events_first(ev, n, "risk_pause");
    resume_ts = events_first(ev, n, "risk_resume");
    cancels = events_count(ev, n, "cancel_sent", "risk");
    for (i = 0; i < n; i++) {
        int buy = strcmp(ev[i].side, "BUY") == 0;
        if (buy && ev[i].ts <= pause_ts && strcmp(ev[i].event, "placed") == 0)
            open_at_trigger++;
        if (buy && ev[i].ts < pause_ts && strcmp(ev[i].event, "cancel_sent") == 0)
            open_at_trigger--;
        placed_paused += buy && strcmp(ev[i].event, "placed") == 0 && ev[i].ts > pause_ts &&
                         (resume_ts == 0 || ev[i].ts < resume_ts);
    }
    fprintf(stderr, "    [risk] trigger %lld ms into its minute, paused %lld ms, %zu buys cancelled\n",
            (long long)(pause_ts - minute), (long long)(resume_ts - pause_ts), cancels);
    CHECK(&b, events_count(ev, n, "risk_pause", NULL) == 1, "%zu risk_pause lines, expected 1",
          events_count(ev, n, "risk_pause", NULL));
    CHECK(&b, events_count(ev, n, "risk_resume", NULL) == 1, "%zu risk_resume lines, expected 1",
          events_count(ev, n, "risk_resume", NULL));
    CHECK(&b, open_at_trigger >= 3 && cancels == open_at_trigger,
          "%zu cancels with reason risk, %zu buys were open at the trigger", cancels, open_at_trigger);
    CHECK(&b, resume_ts == 0 || resume_ts - pause_ts >= 60000, "resumed %lld ms after the trigger "
          "(the minimum pause is 60 s)", (long long)(resume_ts - pause_ts));
    CHECK(&b, placed_paused == 0, "%zu buys placed while paused", placed_paused);
    CHECK(&b, events_count(ev, n, "data_pause", NULL) == 0, "a data pause mixed in (stale market data)");
    agree(&b, "risk", 0);
    book_close(&b);
}

/* The console of the two runs (behaviour.md §9.4 and §10.4: the cleaner's actions at
 * INFO; issue 14: the monitor's report readable, per symbol). */
static void test_console(void)
{
    if (cleaner_info_lines < 0 || report_lines < 0) {
        fprintf(stderr, "    (needs both runs: SQT_WATCH_ONLY unset)\n");
        return;
    }
    if (cleaner_info_lines == 0)
        fprintf(stderr, "    the cleaner cancelled orders every second, and no INFO line says so "
                        "(the console shows only \"cancelled BUY ... (CANCELED)\")\n");
    CU_ASSERT_TRUE(cleaner_info_lines > 0);
    if (report_mangled > 0)
        fprintf(stderr, "    the risk monitor's report: %d of its %d lines have '?' where the "
                        "per-symbol line break was (\"...(trigger: all; recovery: 1)?  ETHUSDT: "
                        "close ...\")\n", report_mangled, report_lines);
    CU_ASSERT_EQUAL(report_mangled, 0);
}

int main(void)
{
    static const sqt_test_case cleaner[] = {
        {"cleaner: the timer cancels the farthest orders, the grid refills", test_cleaner},
        {NULL, NULL}};
    static const sqt_test_case risk[] = {
        {"risk monitor: a panic candle pauses, a calm one resumes", test_risk}, {NULL, NULL}};
    static const sqt_test_case console[] = {
        {"the console: the cleaner's actions, the monitor's report", test_console}, {NULL, NULL}};
    const char *only = getenv("SQT_WATCH_ONLY"); /* cleaner or risk: one case */
    curl_global_init(CURL_GLOBAL_DEFAULT);
    SQT_TEST_INIT();
    if (only == NULL || strcmp(only, "cleaner") == 0)
        if (sqt_test_suite("e2e_watch_cleaner", cleaner) != 0)
            return EXIT_FAILURE;
    if (only == NULL || strcmp(only, "risk") == 0)
        if (sqt_test_suite("e2e_watch_risk", risk) != 0)
            return EXIT_FAILURE;
    if (only == NULL)
        if (sqt_test_suite("e2e_watch_console", console) != 0)
            return EXIT_FAILURE;
    return sqt_test_run();
}
