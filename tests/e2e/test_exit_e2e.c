/* End to end, the way an operator stops the bot: the `opensqt` binary runs as a child
 * process against the Binance emulator (opensqt-emulator, manual prices, 127.0.0.1),
 * 10 buy orders of ours go up, then a fault is injected and a signal sent. Checked
 * afterwards: the exit status, the orders of ours the exchange still has open, and the
 * console lines (cancel on exit naming what may remain, the status and lifecycle lines
 * at WARN, the position warning).
 *
 * Files of every run stay in the temp dir when a scenario fails, or with SQT_E2E_KEEP. */
#define _GNU_SOURCE
#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "e2e_emu.h"
#include "sqt_test.h"

#ifndef SQT_EMU_BIN
#error "SQT_EMU_BIN must name the opensqt-emulator binary"
#endif

#define ORDERS 10              /* buy orders of ours (the window: one more level) */

static int g_orders = ORDERS;  /* this scenario's */

static char dir[256];
static int failed_here;

/* ---- the emulator ---------------------------------------------------------------- */

static pid_t emu_pid;
static int emu_port;

static int emu_start(const char *tag)
{
    const char *argv[] = {"opensqt-emulator", "--dialect", "binance", "--port", "0",
                          "--price-mode", "manual", "--start-price", "3000.00", "--seed", "7",
                          "--verbose", NULL};
    char logpath[400], line[160] = "";
    int out[2];
    FILE *f;
    snprintf(logpath, sizeof logpath, "%s/emu-%s.log", dir, tag);
    if (pipe2(out, O_CLOEXEC) != 0)
        return -1;
    emu_pid = fork();
    if (emu_pid < 0)
        return -1;
    if (emu_pid == 0) {
        int fd = open(logpath, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(out[1], 1);
        if (fd >= 0)
            dup2(fd, 2);
        execv(SQT_EMU_BIN, (char *const *)argv);
        _exit(127);
    }
    close(out[1]);
    f = fdopen(out[0], "r");
    if (f == NULL || fgets(line, sizeof line, f) == NULL ||
        sscanf(line, "listening on 127.0.0.1:%d", &emu_port) != 1) {
        fprintf(stderr, "    emulator did not start: '%s'\n", line);
        if (f)
            fclose(f);
        return -1;
    }
    fclose(f); /* it writes one line only */
    return 0;
}

static void emu_stop(void)
{
    int st;
    if (emu_pid <= 0)
        return;
    kill(emu_pid, SIGTERM);
    waitpid(emu_pid, &st, 0);
    emu_pid = 0;
}

/* One request to the control endpoint; the body (malloc'd) on HTTP 200, else NULL. */
static char *emu_get(const char *path, const char *post)
{
    char *out = NULL;
    if (emu_http(emu_port, path, post, &out) != 200) {
        free(out);
        return NULL;
    }
    return out;
}

static int emu_line(const char *line)
{
    char *r = emu_get("/_emu/line", line);
    int ok = r != NULL && strstr(r, "\"ok\":true") != NULL;
    if (!ok)
        fprintf(stderr, "    control line '%s' failed: %s\n", line, r ? r : "(no answer)");
    free(r);
    return ok ? 0 : -1;
}

/* Our open orders on the exchange; their client ids into ids (space separated). */
static int our_open(char *ids, size_t cap)
{
    char *r = emu_get("/_emu/state", NULL);
    json_t *st = r ? json_loads(r, 0, NULL) : NULL, *o;
    size_t i;
    int n = 0;
    if (ids)
        ids[0] = '\0';
    free(r);
    if (st == NULL)
        return -1;
    json_array_foreach(json_object_get(st, "open_orders"), i, o) {
        const char *cid = json_string_value(json_object_get(o, "client_id"));
        if (cid == NULL || strstr(cid, "ex-") == NULL)
            continue;
        n++;
        if (ids && strlen(ids) + strlen(cid) + 2 < cap) {
            strcat(ids, " ");
            strcat(ids, cid);
        }
    }
    json_decref(st);
    return n;
}

static int market_connected(void)
{
    char *r = emu_get("/_emu/state", NULL);
    json_t *st = r ? json_loads(r, 0, NULL) : NULL;
    int up = st && json_integer_value(json_object_get(json_object_get(st, "connections"), "market")) >= 1;
    free(r);
    json_decref(st);
    return up;
}

/* ---- the host process -------------------------------------------------------------- */

typedef struct run {
    char tag[32];
    char cfg[400], log[400];
    pid_t pid;
    int out_fd;                /* read end of its stderr when piped, else -1 */
} run;

static int write_config(run *r, int cancel_on_exit)
{
    FILE *f;
    snprintf(r->cfg, sizeof r->cfg, "%s/%s.yaml", dir, r->tag);
    f = fopen(r->cfg, "w");
    if (f == NULL)
        return -1;
    fprintf(f,
            "app:\n  current_exchange: binance\n  instance: ex\n"
            "exchanges:\n  binance:\n"
            "    api_key: emulator-key\n    secret_key: emulator-secret\n    fee_rate: 0.0002\n"
            "    rest_url: http://127.0.0.1:%d\n"
            "    ws_market_url: ws://127.0.0.1:%d/market\n"
            "    ws_private_url: ws://127.0.0.1:%d/private\n"
            "    recv_window: 5000\n"
            "trading:\n  symbol: ETHUSDT\n  price_interval: 2\n  order_quantity: 30\n"
            "  min_order_value: 20\n  buy_window_size: %d\n  sell_window_size: %d\n"
            "  reconcile_interval: 60\n  order_cleanup_threshold: 50\n  cleanup_batch_size: 5\n"
            "system:\n  log_level: INFO\n  cancel_on_exit: %s\n  state_dir: %s/%s.state\n"
            "risk_control:\n  enabled: false\n"
            "timing:\n  websocket_reconnect_delay: 1\n  order_retry_delay: 200\n"
            "  rate_limit_retry_delay: 1\n  status_print_seconds: 1\n",
            emu_port, emu_port, emu_port, g_orders + 1, g_orders + 1, cancel_on_exit ? "true" : "false", dir,
            r->tag);
    fclose(f);
    return chmod(r->cfg, 0600);
}

/* Start `opensqt run`; `level`: its --log-level (NULL: the config's); `piped`: its
 * stderr is a pipe the test reads (and may close), else the log file. */
static int host_start(run *r, const char *level, int piped)
{
    const char *bin = getenv("SQT_BIN"), *pdir = getenv("SQT_PLUGIN_DIR");
    const char *argv[12];
    int n = 0, p[2] = {-1, -1};
    if (bin == NULL || pdir == NULL) {
        fprintf(stderr, "    SQT_BIN / SQT_PLUGIN_DIR not set (run via ctest)\n");
        return -1;
    }
    snprintf(r->log, sizeof r->log, "%s/host-%s.log", dir, r->tag);
    argv[n++] = "opensqt";
    argv[n++] = "run";
    argv[n++] = "-c";
    argv[n++] = r->cfg;
    argv[n++] = "-p";
    argv[n++] = pdir;
    if (level != NULL) {
        argv[n++] = "--log-level";
        argv[n++] = level;
    }
    argv[n] = NULL;
    if (piped && pipe2(p, O_CLOEXEC) != 0)
        return -1;
    r->pid = fork();
    if (r->pid < 0)
        return -1;
    if (r->pid == 0) {
        int fd = piped ? p[1] : open(r->log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        signal(SIGPIPE, SIG_DFL); /* as from a shell: the default action */
        dup2(fd, 2);
        dup2(fd, 1);
        execv(bin, (char *const *)argv);
        _exit(127);
    }
    r->out_fd = -1;
    if (piped) {
        close(p[1]);
        r->out_fd = p[0];
    }
    return 0;
}

/* Wait for the exit: its status (128 + signal when killed), -1 after `ms`. */
static int host_wait(run *r, unsigned ms)
{
    uint64_t t0 = mono_ms();
    int st;
    while (mono_ms() - t0 < ms) {
        pid_t w = waitpid(r->pid, &st, WNOHANG);
        if (w == r->pid) {
            r->pid = 0;
            return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        }
        sleep_ms(50);
    }
    kill(r->pid, SIGKILL);
    waitpid(r->pid, &st, 0);
    r->pid = 0;
    return -1;
}

/* Post prices until the host's price stream is up, then wait for our 10 buys. */
static int bring_up(void)
{
    uint64_t t0 = mono_ms();
    int n = 0;
    while (mono_ms() - t0 < 20000) {
        emu_line("price {\"price\":\"3000.00\"}");
        if (market_connected() && (n = our_open(NULL, 0)) >= g_orders)
            return 0;
        sleep_ms(150);
    }
    fprintf(stderr, "    only %d orders of ours came up\n", n);
    return -1;
}

/* ---- scenarios ------------------------------------------------------------------------ */

static void note_failures(void)
{
    if (CU_get_number_of_failures() > 0)
        failed_here = 1;
}

/* Orders up, `faults` injected, `sig` sent (and `sig2` 1 s later when not 0); then every
 * order of ours must be cancelled and the exit 0, or, with `expect_remain`, the exit 4
 * naming each order still open. */
static void scenario(const char *tag, const char *const *faults, int sig, int sig2, int expect_remain)
{
    run r;
    char ids[2048], line[4096];
    int rc, left;
    size_t i;
    uint64_t t0;
    memset(&r, 0, sizeof r);
    snprintf(r.tag, sizeof r.tag, "%s", tag);
    fprintf(stderr, "\n    [%s] ", tag);
    CU_ASSERT_FATAL(emu_start(tag) == 0);
    CU_ASSERT_FATAL(write_config(&r, 1) == 0);
    CU_ASSERT_FATAL(host_start(&r, NULL, 0) == 0);
    if (bring_up() != 0) {
        CU_FAIL("the orders did not come up");
        host_wait(&r, 0);
        emu_stop();
        failed_here = 1;
        return;
    }
    for (i = 0; faults != NULL && faults[i] != NULL; i++)
        CU_ASSERT(emu_line(faults[i]) == 0);
    t0 = mono_ms();
    kill(r.pid, sig);
    if (sig2) {
        sleep_ms(1000);
        kill(r.pid, sig2);
    }
    rc = host_wait(&r, 45000);
    left = our_open(ids, sizeof ids);
    fprintf(stderr, "exit %d after %.1f s, %d of ours open%s ", rc, (double)(mono_ms() - t0) / 1000.0, left, ids);
    if (!expect_remain) {
        SQT_ASSERT_INT_EQ(rc, 0);
        SQT_ASSERT_INT_EQ(left, 0);
        CU_ASSERT(file_has(r.log, "no order of ours remains open"));
    } else {
        char *tok, *save = NULL;
        SQT_ASSERT_INT_EQ(rc, 4);
        CU_ASSERT(left > 0);
        CU_ASSERT(file_line(r.log, "may remain open", line, sizeof line));
        /* every order still open is named */
        for (tok = strtok_r(ids, " ", &save); tok != NULL; tok = strtok_r(NULL, " ", &save)) {
            const char *cid = strstr(tok, "ex-");
            if (cid == NULL || strstr(line, cid) == NULL) {
                fprintf(stderr, "not named: %s ", tok);
                CU_FAIL("an order still open is not named");
            }
        }
    }
    if (sig2)
        CU_ASSERT(mono_ms() - t0 < 8000); /* the second signal ended the wait */
    CU_ASSERT(file_has(r.log, "opensqt stopped (exit"));
    note_failures();
    emu_stop();
}

static void test_list_503(void)
{
    static const char *const f[] = {"unknown_error {\"count\":3,\"path\":\"/fapi/v1/openOrders\"}", NULL};
    scenario("list503", f, SIGTERM, 0, 0);
}

static void test_list_429(void)
{
    static const char *const f[] = {
        "http429 {\"count\":3,\"retry_after_ms\":500,\"path\":\"/fapi/v1/openOrders\"}", NULL};
    scenario("list429", f, SIGTERM, 0, 0);
}

static void test_batch_503(void)
{
    static const char *const f[] = {"unknown_error {\"count\":3,\"path\":\"/fapi/v1/batchOrders\"}", NULL};
    scenario("batch503", f, SIGINT, 0, 0);
}

static void test_batch_429(void)
{
    static const char *const f[] = {
        "http429 {\"count\":2,\"retry_after_ms\":500,\"path\":\"/fapi/v1/batchOrders\"}", NULL};
    scenario("batch429", f, SIGINT, 0, 0);
}

static void test_list_timeout(void)
{
    static const char *const f[] = {"timeout {\"count\":1,\"path\":\"/fapi/v1/openOrders\"}", NULL};
    scenario("listtimeout", f, SIGTERM, 0, 0);
}

static void test_batch_timeout(void)
{
    static const char *const f[] = {"timeout {\"count\":1,\"path\":\"/fapi/v1/batchOrders\"}", NULL};
    scenario("batchtimeout", f, SIGTERM, 0, 0);
}

/* Cancels never get through: the bound ends the effort, the orders are named, exit 4. */
static void test_never(void)
{
    static const char *const f[] = {"unknown_error {\"count\":1000,\"path\":\"/fapi/v1/\"}", NULL};
    scenario("never", f, SIGTERM, 0, 1);
}

/* 14 orders, two batches: the list fails twice (429), so the engine's orders are
 * cancelled by id; the first batch of that pass fails (503) and the second still goes;
 * then the list works again and takes the rest. */
static void test_past_failed_batch(void)
{
    static const char *const f[] = {
        "http429 {\"count\":2,\"retry_after_ms\":300,\"path\":\"/fapi/v1/openOrders\"}",
        "unknown_error {\"count\":1,\"path\":\"/fapi/v1/batchOrders\"}", NULL};
    char path[400];
    g_orders = 14;
    scenario("batches", f, SIGTERM, 0, 0);
    g_orders = ORDERS;
    snprintf(path, sizeof path, "%s/host-batches.log", dir);
    CU_ASSERT(file_has(path, "cancel on exit: cancelling the 14 orders the engine tracks by id"));
    CU_ASSERT(file_has(path, "cancel on exit: 10 of a batch of 10 not cancelled"));
    CU_ASSERT(file_has(path, "cancel on exit: 10 own orders cancelled")); /* the list, after */
}

static void test_sighup(void)
{
    scenario("sighup", NULL, SIGHUP, 0, 0);
}

/* A second signal while every cancel hangs: the wait ends at once, exit 4, named. */
static void test_second_signal(void)
{
    static const char *const f[] = {"timeout {\"count\":1000,\"path\":\"/fapi/v1/\"}", NULL};
    scenario("twice", f, SIGTERM, SIGINT, 1);
}

/* `opensqt run ... 2>&1 | head -3`, then Ctrl-C: the closed pipe does not kill it. */
static void test_pipe_closed(void)
{
    run r;
    char buf[512];
    int rc, left;
    memset(&r, 0, sizeof r);
    snprintf(r.tag, sizeof r.tag, "pipe");
    fprintf(stderr, "\n    [pipe] ");
    CU_ASSERT_FATAL(emu_start("pipe") == 0);
    CU_ASSERT_FATAL(write_config(&r, 1) == 0);
    CU_ASSERT_FATAL(host_start(&r, NULL, 1) == 0);
    CU_ASSERT(read(r.out_fd, buf, sizeof buf) > 0); /* head read its lines */
    CU_ASSERT(bring_up() == 0);
    close(r.out_fd); /* head exits: the next status line meets a closed pipe */
    sleep_ms(1500);
    kill(r.pid, SIGINT);
    rc = host_wait(&r, 45000);
    left = our_open(NULL, 0);
    fprintf(stderr, "exit %d, %d of ours open ", rc, left);
    SQT_ASSERT_INT_EQ(rc, 0);
    SQT_ASSERT_INT_EQ(left, 0);
    note_failures();
    emu_stop();
}

/* --log-level WARN: no order lines, but lifecycle and status, and the buy window on
 * SIGUSR1; a buy filled, then the stop leaves a position without orders: a WARN says so. */
static void test_warn_console(void)
{
    run r;
    char line[4096];
    int rc;
    memset(&r, 0, sizeof r);
    snprintf(r.tag, sizeof r.tag, "warn");
    fprintf(stderr, "\n    [warn] ");
    CU_ASSERT_FATAL(emu_start("warn") == 0);
    CU_ASSERT_FATAL(write_config(&r, 1) == 0);
    CU_ASSERT_FATAL(host_start(&r, "WARN", 0) == 0);
    CU_ASSERT(bring_up() == 0);
    CU_ASSERT(emu_line("price {\"price\":\"2997.00\"}") == 0); /* the 2998 buy fills */
    sleep_ms(2500);                                          /* status lines (1 s) */
    kill(r.pid, SIGUSR1);                                    /* the buy window */
    sleep_ms(500);
    kill(r.pid, SIGTERM);
    rc = host_wait(&r, 45000);
    fprintf(stderr, "exit %d ", rc);
    SQT_ASSERT_INT_EQ(rc, 0);
    CU_ASSERT(file_has(r.log, "opensqt starting"));
    CU_ASSERT(file_has(r.log, "] status: "));
    CU_ASSERT(file_has(r.log, "final status: "));
    CU_ASSERT(file_has(r.log, "stopping: exit signal"));
    CU_ASSERT(file_has(r.log, "opensqt stopped (exit 0)"));
    CU_ASSERT(!file_has(r.log, "place BUY"));
    CU_ASSERT(file_has(r.log, "buy window: 11 levels, highest first"));
    CU_ASSERT(file_has(r.log, "  level 2996.00: BUY open @ 2996.00 ex-"));
    CU_ASSERT(file_has(r.log, "  level 2976.00: BUY open @ 2976.00 ex-")); /* the 11th */
    CU_ASSERT(!file_has(r.log, "[INFO]"));
    CU_ASSERT(file_line(r.log, "remains open on the exchange without orders", line, sizeof line));
    CU_ASSERT(strstr(line, "[WARN]") != NULL && strstr(line, "0.01") != NULL);
    /* the final status: the position and its average entry, within 100 columns */
    CU_ASSERT(file_line(r.log, "final status: ", line, sizeof line));
    CU_ASSERT(strstr(line, "pos 0.010@2998.00") != NULL);
    CU_ASSERT(strstr(line, "final status: ") != NULL &&
              strlen(strstr(line, "final status: ")) <= 101); /* + the newline */
    note_failures();
    emu_stop();
}

/* --log-level INFO shows the order lines. */
static void test_info_console(void)
{
    run r;
    int rc;
    memset(&r, 0, sizeof r);
    snprintf(r.tag, sizeof r.tag, "info");
    fprintf(stderr, "\n    [info] ");
    CU_ASSERT_FATAL(emu_start("info") == 0);
    CU_ASSERT_FATAL(write_config(&r, 1) == 0);
    CU_ASSERT_FATAL(host_start(&r, "INFO", 0) == 0);
    CU_ASSERT(bring_up() == 0);
    kill(r.pid, SIGTERM);
    rc = host_wait(&r, 45000);
    SQT_ASSERT_INT_EQ(rc, 0);
    CU_ASSERT(file_has(r.log, "place BUY"));
    CU_ASSERT(file_has(r.log, "[NOTICE] final status: "));
    note_failures();
    emu_stop();
}

/* The plugin's shutdown never calls back: the guard fires, the host gives up on the
 * plugin without destroying it (the test plugin aborts if destroyed then), exit 1. */
static void test_plugin_never_shuts_down(void)
{
    const char *bin = getenv("SQT_BIN"), *pdir = getenv("SQT_TEST_PLUGIN_DIR");
    char cfg[400], logp[400];
    FILE *f;
    run r;
    int rc;
    uint64_t t0 = mono_ms();
    memset(&r, 0, sizeof r);
    fprintf(stderr, "\n    [hang] ");
    CU_ASSERT_FATAL(bin != NULL && pdir != NULL);
    snprintf(cfg, sizeof cfg, "%s/hang.yaml", dir);
    snprintf(logp, sizeof logp, "%s/host-hang.log", dir);
    f = fopen(cfg, "w");
    CU_ASSERT_FATAL(f != NULL);
    fprintf(f, "app:\n  current_exchange: hang\n  instance: hg\n"
               "exchanges:\n  hang:\n    fee_rate: 0.0002\n"
               "trading:\n  symbol: ETHUSDT\n  price_interval: 2\n  order_quantity: 30\n"
               "  min_order_value: 20\n  buy_window_size: 4\n  sell_window_size: 4\n"
               "system:\n  state_dir: %s/hang.state\n"
               "risk_control:\n  enabled: false\n",
            dir);
    fclose(f);
    r.pid = fork();
    CU_ASSERT_FATAL(r.pid >= 0);
    if (r.pid == 0) {
        int fd = open(logp, O_WRONLY | O_CREAT | O_TRUNC, 0600);
        prctl(PR_SET_PDEATHSIG, SIGKILL);
        dup2(fd, 2);
        execl(bin, "opensqt", "run", "-c", cfg, "-p", pdir, (char *)NULL);
        _exit(127);
    }
    rc = host_wait(&r, 90000);
    fprintf(stderr, "exit %d after %.1f s ", rc, (double)(mono_ms() - t0) / 1000.0);
    SQT_ASSERT_INT_EQ(rc, 1); /* not 134: the instance was not destroyed */
    CU_ASSERT(file_has(logp, "did not finish its shutdown"));
    CU_ASSERT(file_has(logp, "not destroyed"));
    CU_ASSERT(!file_has(logp, "handles still open"));
    note_failures();
}

static int rm_cb(const char *p)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", p);
    return system(cmd);
}

int main(void)
{
    static const sqt_test_case tests[] = {
        {"cancel on exit: 503 on the open-order list", test_list_503},
        {"cancel on exit: 429 on the open-order list", test_list_429},
        {"cancel on exit: 503 on the batch cancel", test_batch_503},
        {"cancel on exit: 429 on the batch cancel", test_batch_429},
        {"cancel on exit: the open-order list times out", test_list_timeout},
        {"cancel on exit: the batch cancel times out", test_batch_timeout},
        {"cancel on exit: cancels never get through: named, exit 4", test_never},
        {"cancel on exit: by the engine's ids, past a failed batch", test_past_failed_batch},
        {"SIGHUP stops cleanly", test_sighup},
        {"a second signal ends the wait: named, exit 4", test_second_signal},
        {"a closed console pipe does not kill it", test_pipe_closed},
        {"--log-level WARN: lifecycle, status, the position warning", test_warn_console},
        {"--log-level INFO: order lines", test_info_console},
        {"a plugin whose shutdown never calls back is not destroyed", test_plugin_never_shuts_down},
        {NULL, NULL}};
    int rc;
    snprintf(dir, sizeof dir, "/tmp/sqt-exit-XXXXXX");
    if (mkdtemp(dir) == NULL)
        return 1;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    SQT_TEST_INIT();
    sqt_test_suite("exit_e2e", tests);
    rc = sqt_test_run();
    curl_global_cleanup();
    if (failed_here || getenv("SQT_E2E_KEEP"))
        fprintf(stderr, "files kept in %s\n", dir);
    else
        rm_cb(dir);
    return rc;
}
