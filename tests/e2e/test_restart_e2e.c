/* End to end: what the bot knows survives it. The real `opensqt` binary runs as a
 * process against the Binance emulator (also a process), so it can be stopped, killed
 * with -9 at any instant and started again; afterwards its journal, its event log and
 * `opensqt report` are compared with the emulator's ground truth.
 *
 *   clean-restart   a clean stop cancels every order; the price falls; the restart puts
 *                   the sells back at their original levels, never below cost
 *   fill-while-down orders the journal knew filled while the bot was killed: booked at
 *                   start-up with their real price and fee, round trip included
 *   startup-fill    a buy fills while the restarted bot reads the exchange: booked once,
 *                   its sell placed, positions agree
 *   second-instance a second process on the same book exits 3 naming the first's PID and
 *                   touches nothing
 *   kill-campaign   (SQT_KILL_ONLY=1, or SQT_KILL_POINTS) kill -9 at seeded random
 *                   instants of a busy run - orders in flight, fills arriving, start-up,
 *                   cancel-on-exit - restart, and at the end: never two of our orders on
 *                   one level, every fill of ours at the exchange booked once, fees equal,
 *                   the realized PnL equal to an independent replay of the exchange's fill
 *                   ledger, the position equal, nothing left open.
 *
 * Files of a failed run stay in the temp dir (printed); SQT_E2E_KEEP keeps them always. */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "clientid.h"
#include "e2e_book.h"
#include "sqt_test.h"

#ifndef SQT_EMU_BIN
#error "SQT_EMU_BIN must name the opensqt-emulator binary"
#endif

#define TAG "rs"

static const char *const MANUAL[] = {"--price-mode", "manual", "--start-price", "3000.00", "--seed",
                                     "7", NULL};

/* ---- scenarios ------------------------------------------------------------------- */

static void test_clean_restart(void)
{
    book b;
    pid_t h;
    long px[16];
    int n, i, below = 0;
    CU_ASSERT_EQUAL_FATAL(book_open(&b, "rs-clean", TAG, MANUAL), 0);
    write_config(&b, 1, 4, 30);
    h = start_trading(&b, "run 1", "3000.00", 3);
    price(&b, "2997.00");
    price(&b, "2995.00");
    n = wait_side(&b, "SELL", 2, px, 8000);
    CHECK(&b, e2e_host_stop(h, 20000) == 0, "run 1 did not stop with 0");
    /* the price falls while the bot is away */
    price(&b, "2975.00");
    h = host_up(&b, "run 2");
    kick(&b, "2975.00");
    wait_trading(&b, 15000);
    e2e_sleep_ms(800);
    n = wait_side(&b, "SELL", 0, px, 100);
    for (i = 0; i < n && i < 16; i++)
        below += px[i] < 299800;
    CHECK(&b, below == 0, "%d sells below the buy levels after the restart (sold below cost)", below);
    CHECK(&b, log_has_since_mark(&b, "grid continued from the journal") == 1, "run 2 did not continue");
    /* back up: the sells go out at their original levels, 2998 and 3000 */
    price(&b, "2996.50");
    n = wait_side(&b, "SELL", 2, px, 8000);
    CHECK(&b, n == 2 && ((px[0] == 299800 && px[1] == 300000) || (px[0] == 300000 && px[1] == 299800)),
          "sells at %ld and %ld, expected 2998.00 and 3000.00", n > 0 ? px[0] : 0, n > 1 ? px[1] : 0);
    price(&b, "3001.00");
    e2e_sleep_ms(600);
    CHECK(&b, e2e_host_stop(h, 20000) == 0, "run 2 did not stop with 0");
    agree(&b, "clean-restart", 0);
    {
        mine m;
        journal_of(&b, &m);
        /* two round trips of one interval each, minus four maker fees: 0.04 - 0.0239... */
        CHECK(&b, m.pnl > 0, "realized pnl %lld after selling at the original levels", (long long)m.pnl);
    }
    book_close(&b);
}

static void test_fill_while_down(void)
{
    book b;
    pid_t h;
    CU_ASSERT_EQUAL_FATAL(book_open(&b, "rs-down", TAG, MANUAL), 0);
    write_config(&b, 0, 4, 30);
    h = start_trading(&b, "run 1", "3000.00", 3);
    price(&b, "2997.00");
    wait_side(&b, "SELL", 1, NULL, 8000);
    e2e_sleep_ms(300);
    e2e_host_kill9(h);
    /* while the bot is dead: the 2996 buy fills, then the 3000 sell (a round trip) */
    price(&b, "2995.00");
    price(&b, "3001.00");
    price(&b, "2997.00");
    write_config(&b, 1, 4, 30);
    h = host_up(&b, "run 2");
    kick(&b, "2997.00");
    wait_trading(&b, 15000);
    CHECK(&b, log_has_since_mark(&b, "startup_booking") == 1, "no start-up booking note");
    /* the 2996 slot's sell at 2998 */
    wait_side(&b, "SELL", 1, NULL, 8000);
    CHECK(&b, e2e_host_stop(h, 20000) == 0, "run 2 did not stop with 0");
    agree(&b, "fill-while-down", 0);
    book_close(&b);
}

static void test_startup_fill(void)
{
    book b;
    pid_t h;
    CU_ASSERT_EQUAL_FATAL(book_open(&b, "rs-startup", TAG, MANUAL), 0);
    write_config(&b, 0, 4, 30);
    h = start_trading(&b, "run 1", "3000.00", 3);
    CHECK(&b, e2e_host_stop(h, 20000) == 0, "run 1 did not stop with 0");
    /* run 2 reads the open orders slowly; a buy fills meanwhile */
    CHECK(&b, e2e_emu_line(&b.emu, "delay {\"ms\":1200,\"path\":\"/fapi/v1/openOrders\"}") == 0, "delay");
    write_config(&b, 1, 4, 30);
    h = host_up(&b, "run 2");
    CHECK(&b, e2e_file_wait_for(b.log, "order stream confirmed", 15000), "no order stream");
    e2e_sleep_ms(300);
    price(&b, "2997.00");
    kick(&b, "2997.00");
    wait_trading(&b, 20000);
    CHECK(&b, e2e_emu_line(&b.emu, "delay {\"ms\":0}") == 0, "delay off");
    wait_side(&b, "SELL", 1, NULL, 8000);
    CHECK(&b, e2e_host_stop(h, 20000) == 0, "run 2 did not stop with 0");
    agree(&b, "startup-fill", 0);
    book_close(&b);
}

static void test_second_instance(void)
{
    book b;
    pid_t h1, h2;
    int rc, n1, n2;
    char want[64];
    CU_ASSERT_EQUAL_FATAL(book_open(&b, "rs-second", TAG, MANUAL), 0);
    write_config(&b, 1, 4, 30);
    h1 = host_up(&b, "first");
    kick(&b, "3000.00");
    wait_trading(&b, 15000);
    n1 = wait_side(&b, "BUY", 3, NULL, 8000);
    h2 = host_up(&b, "second");
    rc = e2e_host_wait(h2, 10000);
    CHECK(&b, rc == 3, "the second instance exited %d, expected 3", rc);
    snprintf(want, sizeof want, "another opensqt (PID %ld)", (long)h1);
    CHECK(&b, log_has_since_mark(&b, want) == 1, "no message naming PID %ld", (long)h1);
    e2e_sleep_ms(500);
    n2 = wait_side(&b, "BUY", 0, NULL, 100);
    CHECK(&b, n1 == n2, "the first instance's orders changed (%d -> %d)", n1, n2);
    CHECK(&b, e2e_host_stop(h1, 20000) == 0, "the first did not stop with 0");
    agree(&b, "second-instance", 0);
    book_close(&b);
}

/* ---- the kill -9 campaign --------------------------------------------------------- */

static uint64_t rnd(uint64_t *s)
{
    *s ^= *s >> 12;
    *s ^= *s << 25;
    *s ^= *s >> 27;
    return *s * 2685821657736338717ull;
}

static void test_kill_campaign(void)
{
    book b;
    long points = getenv("SQT_KILL_POINTS") ? atol(getenv("SQT_KILL_POINTS")) : 4;
    /* make test: a fixed seed (the kill instants still vary with timing); the soak's
     * long campaign draws a new one each run */
    uint64_t seed = getenv("SQT_KILL_SEED")     ? strtoull(getenv("SQT_KILL_SEED"), NULL, 10)
                    : getenv("SQT_KILL_POINTS") ? (uint64_t)time(NULL) % 1000000
                                                : 1206;
    uint64_t s = seed * 2654435761u + 1;
    char seedarg[32];
    const char *args[] = {"--price-mode", "auto", "--tick-ms", "100", "--sigma", "0.0004",
                          "--partial-fill", "0.004", "--seed", seedarg, NULL};
    long p;
    int max_dup = 0, samples = 0, kinds[4] = {0, 0, 0, 0};
    pid_t h;
    snprintf(seedarg, sizeof seedarg, "%llu", (unsigned long long)(seed % 100000 + 1));
    fprintf(stderr, "\n    [kill-campaign] %ld points, seed %llu (SQT_KILL_SEED repeats it)\n", points,
            (unsigned long long)seed);
    CU_ASSERT_EQUAL_FATAL(book_open(&b, "rs-kill", TAG, args), 0);
    write_config(&b, 1, 6, 3);
    for (p = 0; p < points; p++) {
        int kind = (int)(rnd(&s) % 4);
        unsigned run_ms = kind == 1 ? (unsigned)(50 + rnd(&s) % 600) : (unsigned)(1500 + rnd(&s) % 3500);
        uint64_t end;
        kinds[kind]++;
        h = host_up(&b, "campaign point");
        end = e2e_now_ms() + run_ms;
        while (e2e_now_ms() < end) {
            json_t *st = e2e_emu_state(&b.emu);
            int dup = 0;
            e2e_our_open(st, b.prefix, &dup);
            json_decref(st);
            if (dup > max_dup)
                max_dup = dup;
            samples++;
            e2e_sleep_ms(120);
        }
        if (kind == 2) {
            /* during cancel-on-exit */
            kill(h, SIGTERM);
            e2e_sleep_ms((unsigned)(rnd(&s) % 60));
        } else if (kind == 3) {
            /* right after a price burst: fills arriving */
            CHECK(&b, e2e_emu_line(&b.emu, "step {\"n\":8}") == 0, "step");
            e2e_sleep_ms((unsigned)(rnd(&s) % 30));
        }
        e2e_host_kill9(h);
        /* the market moves while the bot is down */
        e2e_sleep_ms((unsigned)(200 + rnd(&s) % 1200));
    }
    /* the last run: trade a while, then a clean stop */
    h = host_up(&b, "final");
    wait_trading(&b, 20000);
    e2e_sleep_ms(4000);
    {
        json_t *st = e2e_emu_state(&b.emu);
        int dup = 0;
        e2e_our_open(st, b.prefix, &dup);
        json_decref(st);
        if (dup > max_dup)
            max_dup = dup;
    }
    {
        int rc = e2e_host_stop(h, 30000);
        CHECK(&b, rc == 0, "the final run stopped with %d", rc);
    }
    fprintf(stderr,
            "    [kill-campaign] points: %d mid-run, %d in start-up, %d in cancel-on-exit, %d with fills "
            "arriving; %d samples, at most %d of our orders on one level\n",
            kinds[0], kinds[1], kinds[2], kinds[3], samples, max_dup);
    CHECK(&b, max_dup <= 1, "two of our orders on one level (seed %llu)", (unsigned long long)seed);
    agree(&b, "kill-campaign", 0);
    if (b.failed)
        fprintf(stderr, "    [kill-campaign] FAILED with seed %llu\n", (unsigned long long)seed);
    book_close(&b);
}

int main(void)
{
    static const sqt_test_case restart[] = {
        {"clean restart: sells at their original levels", test_clean_restart},
        {"fills while the bot was down are booked", test_fill_while_down},
        {"a fill during start-up is booked once", test_startup_fill},
        {"a second instance on the book is refused", test_second_instance},
        {NULL, NULL}};
    static const sqt_test_case campaign[] = {{"kill -9 campaign", test_kill_campaign}, {NULL, NULL}};
    const char *only = getenv("SQT_KILL_ONLY");
    curl_global_init(CURL_GLOBAL_DEFAULT);
    SQT_TEST_INIT();
    if (only == NULL || strcmp(only, "1") != 0)
        if (sqt_test_suite("e2e_restart", restart) != 0)
            return EXIT_FAILURE;
    if (only == NULL || strcmp(only, "0") != 0)
        if (sqt_test_suite("e2e_kill", campaign) != 0)
            return EXIT_FAILURE;
    return sqt_test_run();
}
