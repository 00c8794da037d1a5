/* Config loader: the original file format, defaults, every validation rule with its
 * message and line, warnings, environment overrides, file mode, redaction. */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config.h"
#include "log.h"
#include "sqt_test.h"

/* ---- helpers --------------------------------------------------------------------- */

static char g_dir[256];
static char g_path[512];

typedef struct capture {
    char *text;                /* every line, '\n'-separated */
    size_t len;
    int n_warn, n_info;
} capture;

static void capture_sink(void *ud, int level, const char *line)
{
    capture *c = ud;
    size_t n = strlen(line);
    char *t = realloc(c->text, c->len + n + 2);
    if (t == NULL)
        return;
    c->text = t;
    memcpy(c->text + c->len, line, n);
    c->len += n;
    c->text[c->len++] = '\n';
    c->text[c->len] = '\0';
    if (level == SQT_LV_WARN)
        c->n_warn++;
    if (level == SQT_LV_INFO)
        c->n_info++;
}

static void capture_log(sqt_log *log, capture *cap)
{
    memset(cap, 0, sizeof(*cap));
    sqt_log_init(log);
    log->err = NULL;           /* keep the test output clean; the sink sees everything */
    log->level = SQT_LV_DEBUG;
    log->sink = capture_sink;
    log->sink_ud = cap;
}

static const char *cap_text(const capture *c)
{
    return c->text ? c->text : "";
}

static void capture_free(capture *c)
{
    free(c->text);
    memset(c, 0, sizeof(*c));
}

static const char *write_cfg_mode(const char *text, mode_t mode)
{
    FILE *f;
    snprintf(g_path, sizeof(g_path), "%s/c.yaml", g_dir);
    unlink(g_path);
    f = fopen(g_path, "w");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    fputs(text, f);
    fclose(f);
    chmod(g_path, mode);
    return g_path;
}

static const char *write_cfg(const char *text)
{
    return write_cfg_mode(text, 0600);
}

/* Load text; the log goes to cap. */
static int load_text(const char *text, sqt_config *cfg, capture *cap, sqt_log *log, char *err,
                     size_t errlen)
{
    capture_log(log, cap);
    return sqt_config_load(cfg, write_cfg(text), log, err, errlen);
}

/* The load must fail with exactly "PATH:LINE: KEY: " followed by text containing `what`. */
static void expect_fail_at(const char *text, int line, const char *key, const char *what,
                           int src_line)
{
    sqt_config cfg;
    sqt_log log;
    capture cap;
    char err[512], prefix[700];
    int rc = load_text(text, &cfg, &cap, &log, err, sizeof(err));
    snprintf(prefix, sizeof(prefix), "%s:%d: %s: ", g_path, line, key);
    if (rc != -1 || strncmp(err, prefix, strlen(prefix)) != 0 || strstr(err, what) == NULL)
        fprintf(stderr, "\n    test line %d: rc %d\n      got:    %s\n      wanted: %s...%s\n",
                src_line, rc, err, prefix, what);
    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT_EQUAL(strncmp(err, prefix, strlen(prefix)), 0);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, what));
    sqt_config_free(&cfg);
    sqt_log_close(&log);
    capture_free(&cap);
}
#define EXPECT_FAIL(text, line, key, what) expect_fail_at(text, line, key, what, __LINE__)

/* A valid body after an `app:` section: lines 3.. of most documents below. */
#define APP_BINANCE "app:\n  current_exchange: binance\n"              /* lines 1-2 */
#define EX_BINANCE                                                      \
    "exchanges:\n"                                                      \
    "  binance:\n"                                                      \
    "    api_key: AKEY1234\n"                                           \
    "    secret_key: SKEY5678\n"                                        /* lines 3-6 */
#define TRADING_OK                                                      \
    "trading:\n"                                                        \
    "  symbol: ETHUSDT\n"                                               \
    "  price_interval: 2\n"                                             \
    "  order_quantity: 30\n"                                            \
    "  buy_window_size: 10\n"                                           /* lines 7-11 */
#define OK_DOC APP_BINANCE EX_BINANCE TRADING_OK

/* ---- the original file ------------------------------------------------------------- */

static void test_original_file_loads(void)
{
    const char *src = getenv("SQT_SOURCE_DIR");
    char path[1024], b[48];
    sqt_config cfg;
    sqt_log log;
    capture cap;
    char err[512];
    const sqt_exchange_cfg *ex;
    int rc;

    CU_ASSERT_PTR_NOT_NULL_FATAL(src);
    snprintf(path, sizeof(path), "%s/tests/data/original-config.yaml", src);
    capture_log(&log, &cap);
    rc = sqt_config_load(&cfg, path, &log, err, sizeof(err));
    if (rc != 0)
        fprintf(stderr, "\n    %s\n", err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);

    SQT_ASSERT_STR_EQ(cfg.current_exchange, "binance");
    SQT_ASSERT_INT_EQ(cfg.n_exchanges, 3);
    ex = sqt_config_exchange(&cfg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ex);
    SQT_ASSERT_STR_EQ(ex->name, "binance");
    SQT_ASSERT_INT_EQ(ex->line, 8);
    SQT_ASSERT_STR_EQ(ex->api_key, "PLACEHOLDER_BINANCE_API_KEY_0001");
    SQT_ASSERT_STR_EQ(ex->secret_key, "PLACEHOLDER_BINANCE_SECRET_KEY_0002");
    CU_ASSERT_PTR_NULL(ex->passphrase);
    SQT_ASSERT_INT_EQ(ex->fee_rate.mant, 2);
    SQT_ASSERT_INT_EQ(ex->fee_rate.scale, 4);
    SQT_ASSERT_INT_EQ(ex->n_extra, 0);
    SQT_ASSERT_STR_EQ(cfg.exchanges[1].passphrase, "");

    SQT_ASSERT_STR_EQ(cfg.symbol, "ETHUSDT");
    sqt_dec_format(cfg.price_interval, b, sizeof(b));
    SQT_ASSERT_STR_EQ(b, "2");
    sqt_dec_format(cfg.order_quantity, b, sizeof(b));
    SQT_ASSERT_STR_EQ(b, "30");
    sqt_dec_format(cfg.min_order_value, b, sizeof(b));
    SQT_ASSERT_STR_EQ(b, "20");
    SQT_ASSERT_INT_EQ(cfg.buy_window_size, 10);
    SQT_ASSERT_INT_EQ(cfg.sell_window_size, 10);
    SQT_ASSERT_INT_EQ(cfg.reconcile_interval, 60);
    SQT_ASSERT_INT_EQ(cfg.order_cleanup_threshold, 50);
    SQT_ASSERT_INT_EQ(cfg.cleanup_batch_size, 10);
    SQT_ASSERT_INT_EQ(cfg.margin_lock_duration_seconds, 20);
    SQT_ASSERT_INT_EQ(cfg.position_safety_check, 100);
    /* ours, defaulted */
    SQT_ASSERT_INT_EQ(cfg.cancel_out_of_window_buys, 1);
    SQT_ASSERT_INT_EQ(cfg.out_of_window_slack, 2);
    SQT_ASSERT_INT_EQ(cfg.post_only_max_failures, 3);
    SQT_ASSERT_INT_EQ(cfg.sell_quota_reserve, 12); /* 50 / 4 */
    SQT_ASSERT_INT_EQ(cfg.rate_limit_per_sec, 25);
    SQT_ASSERT_INT_EQ(cfg.rate_limit_burst, 30);
    SQT_ASSERT_INT_EQ(cfg.max_leverage, 10);
    SQT_ASSERT_INT_EQ(cfg.allow_hedge_mode, 0);
    CU_ASSERT_PTR_NULL(cfg.plugin_dir);
    CU_ASSERT_PTR_NULL(cfg.instance);
    CU_ASSERT_PTR_NULL(cfg.log_file);
    CU_ASSERT_PTR_NULL(cfg.event_log);
    /* not in the file: from the environment (systemd, XDG, $HOME) */
    CU_ASSERT_PTR_NOT_NULL(cfg.state_dir);

    SQT_ASSERT_INT_EQ(cfg.log_level, SQT_LV_INFO);
    SQT_ASSERT_INT_EQ(cfg.cancel_on_exit, 1);
    SQT_ASSERT_INT_EQ(cfg.risk_enabled, 1);
    SQT_ASSERT_INT_EQ(cfg.n_monitor_symbols, 5);
    SQT_ASSERT_STR_EQ(cfg.monitor_symbols[0], "BTCUSDT");
    SQT_ASSERT_STR_EQ(cfg.monitor_symbols[4], "DOGEUSDT");
    SQT_ASSERT_STR_EQ(cfg.risk_interval, "1m");
    CU_ASSERT_DOUBLE_EQUAL(cfg.volume_multiplier, 3.0, 1e-12);
    SQT_ASSERT_INT_EQ(cfg.average_window, 20);
    SQT_ASSERT_INT_EQ(cfg.recovery_threshold, 3);

    SQT_ASSERT_INT_EQ(cfg.websocket_reconnect_delay, 5);
    SQT_ASSERT_INT_EQ(cfg.websocket_write_wait, 10);
    SQT_ASSERT_INT_EQ(cfg.websocket_pong_wait, 60);
    SQT_ASSERT_INT_EQ(cfg.websocket_ping_interval, 20);
    SQT_ASSERT_INT_EQ(cfg.listen_key_keepalive_interval, 30);
    SQT_ASSERT_INT_EQ(cfg.price_send_interval, 50);
    SQT_ASSERT_INT_EQ(cfg.rate_limit_retry_delay, 1);
    SQT_ASSERT_INT_EQ(cfg.order_retry_delay, 500);
    SQT_ASSERT_INT_EQ(cfg.price_poll_interval, 500);
    SQT_ASSERT_INT_EQ(cfg.status_print_interval, 1);
    SQT_ASSERT_INT_EQ(cfg.status_print_seconds, 0);
    SQT_ASSERT_INT_EQ(cfg.order_cleanup_interval, 10);

    /* no unknown-key warnings for an original file; the permission warning depends on
     * how the tree was checked out, so only that one may appear */
    CU_ASSERT_PTR_NULL(strstr(cap_text(&cap), "unknown key"));
    CU_ASSERT_PTR_NOT_NULL(strstr(cap_text(&cap),
                                  "timing.price_send_interval: not used: prices are handled on "
                                  "every tick"));
    /* both secrets were handed to the log */
    SQT_ASSERT_INT_EQ(log.n_secrets, 2);
    sqt_config_free(&cfg);
    sqt_log_close(&log);
    capture_free(&cap);
}

/* ---- defaults ---------------------------------------------------------------------- */

static const char *const MINIMAL =
    "app:\n"                                   /* 1 */
    "  current_exchange: paper\n"              /* 2 */
    "exchanges:\n"                             /* 3 */
    "  paper:\n"                               /* 4 */
    "    seed: 42\n"                           /* 5 */
    "    volatility: \"0.001\"\n"              /* 6 */
    "trading:\n"                               /* 7 */
    "  symbol: ETHUSDT\n"                      /* 8 */
    "  price_interval: 0.5\n"                  /* 9 */
    "  order_quantity: 25.50\n"                /* 10 */
    "  buy_window_size: 8\n"                   /* 11 */
    "risk_control:\n"                          /* 12 */
    "  monitor_symbols: [BTCUSDT, ETHUSDT]\n"; /* 13 */

static void test_defaults_minimal(void)
{
    sqt_config cfg;
    sqt_log log;
    capture cap;
    char err[512];
    const sqt_exchange_cfg *ex;
    int rc = load_text(MINIMAL, &cfg, &cap, &log, err, sizeof(err));
    if (rc != 0)
        fprintf(stderr, "\n    %s\n", err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    ex = sqt_config_exchange(&cfg);
    CU_ASSERT_PTR_NOT_NULL_FATAL(ex);
    CU_ASSERT_PTR_NULL(ex->api_key);
    SQT_ASSERT_INT_EQ(ex->n_extra, 2);
    SQT_ASSERT_STR_EQ(ex->extra[0].key, "seed");
    SQT_ASSERT_STR_EQ(ex->extra[0].value, "42");
    SQT_ASSERT_INT_EQ(ex->extra[0].line, 5);
    SQT_ASSERT_STR_EQ(ex->extra[1].key, "volatility");
    SQT_ASSERT_STR_EQ(ex->extra[1].value, "0.001");
    SQT_ASSERT_INT_EQ(ex->extra[1].line, 6);
    SQT_ASSERT_INT_EQ(ex->fee_rate.mant, 0);

    SQT_ASSERT_INT_EQ(cfg.order_quantity.mant, 2550);
    SQT_ASSERT_INT_EQ(cfg.order_quantity.scale, 2);
    SQT_ASSERT_INT_EQ(cfg.price_interval.mant, 5);
    SQT_ASSERT_INT_EQ(cfg.price_interval.scale, 1);
    SQT_ASSERT_INT_EQ(cfg.sell_window_size, 8);
    SQT_ASSERT_INT_EQ(cfg.min_order_value.mant, 20);
    SQT_ASSERT_INT_EQ(cfg.min_order_value.scale, 0);
    SQT_ASSERT_INT_EQ(cfg.reconcile_interval, 30);
    SQT_ASSERT_INT_EQ(cfg.order_cleanup_threshold, 100);
    SQT_ASSERT_INT_EQ(cfg.sell_quota_reserve, 25);
    SQT_ASSERT_INT_EQ(cfg.cleanup_batch_size, 10);
    SQT_ASSERT_INT_EQ(cfg.margin_lock_duration_seconds, 10);
    SQT_ASSERT_INT_EQ(cfg.position_safety_check, 100);
    /* §11 #1: true when absent, and said so */
    SQT_ASSERT_INT_EQ(cfg.cancel_on_exit, 1);
    SQT_ASSERT_INT_EQ(cfg.risk_enabled, 1);
    CU_ASSERT_PTR_NOT_NULL(strstr(cap_text(&cap), "[INFO] config: system: defaults applied: "
                                                  "cancel_on_exit=true"));
    CU_ASSERT_PTR_NOT_NULL(strstr(cap_text(&cap), "[INFO] config: risk_control: defaults "
                                                  "applied: enabled=true"));
    CU_ASSERT_PTR_NOT_NULL(strstr(cap_text(&cap), "sell_window_size=8"));
    CU_ASSERT_PTR_NOT_NULL(strstr(cap_text(&cap), "min_order_value=20"));
    /* §11 #4: the default 3 is clamped to the two symbols */
    SQT_ASSERT_INT_EQ(cfg.recovery_threshold, 2);
    SQT_ASSERT_STR_EQ(cfg.risk_interval, "1m");
    CU_ASSERT_DOUBLE_EQUAL(cfg.volume_multiplier, 3.0, 1e-12);
    SQT_ASSERT_INT_EQ(cfg.average_window, 20);
    SQT_ASSERT_INT_EQ(cfg.websocket_reconnect_delay, 5);
    SQT_ASSERT_INT_EQ(cfg.price_send_interval, 50);
    SQT_ASSERT_INT_EQ(cfg.status_print_interval, 1);
    SQT_ASSERT_INT_EQ(cfg.order_cleanup_interval, 60);
    /* price_send_interval absent: no "not used" note; extras are not unknown keys */
    CU_ASSERT_PTR_NULL(strstr(cap_text(&cap), "not used"));
    SQT_ASSERT_INT_EQ(cap.n_warn, 0);

    /* a simulated exchange needs no credentials; a real one does */
    SQT_ASSERT_INT_EQ(sqt_config_check_credentials(&cfg, SQT_EXF_SIMULATED, err, sizeof(err)), 0);
    SQT_ASSERT_INT_EQ(sqt_config_check_credentials(&cfg, SQT_EXF_NEEDS_API_KEY, err, sizeof(err)),
                      -1);
    {
        char want[700];
        snprintf(want, sizeof(want),
                 "%s:4: exchanges.paper.api_key: required by the paper plugin: set it in the "
                 "file or in OPENSQT_PAPER_API_KEY",
                 g_path);
        SQT_ASSERT_STR_EQ(err, want);
    }
    sqt_config_free(&cfg);
    sqt_log_close(&log);
    capture_free(&cap);
}

/* The original's rule: an explicit 0 is "absent"; explicit booleans are kept. */
static void test_zero_means_default(void)
{
    sqt_config cfg;
    sqt_log log;
    capture cap;
    char err[512];
    int rc = load_text(APP_BINANCE EX_BINANCE TRADING_OK
                       "  sell_window_size: 0\n"
                       "  min_order_value: 0\n"
                       "  order_cleanup_threshold: -5\n"
                       "  cancel_out_of_window_buys: false\n"
                       "  out_of_window_slack: 0\n"
                       "system:\n"
                       "  cancel_on_exit: no\n"
                       "  log_level: \" warning \"\n"
                       "risk_control:\n"
                       "  enabled: False\n"
                       "  recovery_threshold: 0\n"
                       "  volume_multiplier: 2.5\n"
                       "timing:\n"
                       "  status_print_interval: 0\n"
                       "  status_print_seconds: 15\n",
                       &cfg, &cap, &log, err, sizeof(err));
    if (rc != 0)
        fprintf(stderr, "\n    %s\n", err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    SQT_ASSERT_INT_EQ(cfg.sell_window_size, 10);
    SQT_ASSERT_INT_EQ(cfg.min_order_value.mant, 20);
    SQT_ASSERT_INT_EQ(cfg.order_cleanup_threshold, 100);
    SQT_ASSERT_INT_EQ(cfg.cancel_out_of_window_buys, 0);
    SQT_ASSERT_INT_EQ(cfg.out_of_window_slack, 0);
    SQT_ASSERT_INT_EQ(cfg.cancel_on_exit, 0);
    SQT_ASSERT_INT_EQ(cfg.log_level, SQT_LV_WARN);
    SQT_ASSERT_INT_EQ(cfg.risk_enabled, 0);
    SQT_ASSERT_INT_EQ(cfg.recovery_threshold, 3);
    CU_ASSERT_DOUBLE_EQUAL(cfg.volume_multiplier, 2.5, 1e-12);
    SQT_ASSERT_INT_EQ(cfg.status_print_interval, 1);
    SQT_ASSERT_INT_EQ(cfg.status_print_seconds, 15);
    CU_ASSERT_PTR_NULL(strstr(cap_text(&cap), "cancel_on_exit=true"));
    sqt_config_free(&cfg);
    sqt_log_close(&log);
    capture_free(&cap);
}

static void test_decimal_forms(void)
{
    static const struct {
        const char *text;
        int64_t mant;
        int32_t scale;
    } ok[] = {{"2", 2, 0},          {"2.0", 20, 1},     {"0.0002", 2, 4}, {"\"0.10\"", 10, 2},
              {"1e-4", 1, 4},       {"2.5E+1", 25, 0},  {"1.5e2", 150, 0}, {"+3", 3, 0},
              {".5", 5, 1},         {"0.000000000000000001", 1, 18}};
    static const char *const bad[] = {"abc", "1e", "0x10", ".inf", "1,5", "1e-30", "2 USDT"};
    char doc[1024];
    size_t i;
    for (i = 0; i < sizeof(ok) / sizeof(ok[0]); i++) {
        sqt_config cfg;
        sqt_log log;
        capture cap;
        char err[512];
        int rc;
        snprintf(doc, sizeof(doc),
                 APP_BINANCE EX_BINANCE "    fee_rate: %s\n" TRADING_OK, ok[i].text);
        rc = load_text(doc, &cfg, &cap, &log, err, sizeof(err));
        if (sqt_dec_cmp(sqt_dec_make(ok[i].mant, ok[i].scale), sqt_dec_make(1, 2), NULL) >= 0) {
            /* parsed exactly, then refused as a fee rate (a fraction below 0.01) */
            char shown[48], want[64];
            sqt_dec_format(sqt_dec_make(ok[i].mant, ok[i].scale), shown, sizeof(shown));
            snprintf(want, sizeof(want), "(got %s)", shown);
            CU_ASSERT_EQUAL(rc, -1);
            CU_ASSERT_PTR_NOT_NULL(strstr(err, "fee_rate: must be below 0.01"));
            CU_ASSERT_PTR_NOT_NULL(strstr(err, want));
            sqt_config_free(&cfg);
            sqt_log_close(&log);
            capture_free(&cap);
            continue;
        }
        if (rc != 0)
            fprintf(stderr, "\n    %s: %s\n", ok[i].text, err);
        CU_ASSERT_EQUAL(rc, 0);
        if (rc == 0) {
            SQT_ASSERT_INT_EQ(sqt_config_exchange(&cfg)->fee_rate.mant, ok[i].mant);
            SQT_ASSERT_INT_EQ(sqt_config_exchange(&cfg)->fee_rate.scale, ok[i].scale);
        }
        sqt_config_free(&cfg);
        sqt_log_close(&log);
        capture_free(&cap);
    }
    for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        char what[128];
        snprintf(doc, sizeof(doc), APP_BINANCE EX_BINANCE "    fee_rate: %s\n" TRADING_OK,
                 bad[i]);
        snprintf(what, sizeof(what), "(got %s)", bad[i]);
        EXPECT_FAIL(doc, 7, "exchanges.binance.fee_rate", what);
    }
    EXPECT_FAIL(APP_BINANCE EX_BINANCE "    fee_rate: 1e-30\n" TRADING_OK, 7,
                "exchanges.binance.fee_rate", "cannot be held exactly");
}

/* ---- validation, one rule at a time (behaviour.md §1.3 order + §11) ------------------ */

static void test_validation_app(void)
{
    /* 1. current_exchange absent: the line of its section */
    EXPECT_FAIL("app:\n  plugin_dir: /tmp\n" EX_BINANCE TRADING_OK, 1, "app.current_exchange",
                "required");
    /* section absent altogether: line 1 */
    EXPECT_FAIL("# no app section\n\n" EX_BINANCE TRADING_OK, 1, "app.current_exchange",
                "required");
    EXPECT_FAIL("\n\napp:\n  current_exchange: \"\"\n" EX_BINANCE TRADING_OK, 4,
                "app.current_exchange", "required");
    EXPECT_FAIL("app:\n  current_exchange: ../x\n" EX_BINANCE TRADING_OK, 2,
                "app.current_exchange", "matching [a-z][a-z0-9_]{0,31} (got ../x)");
    EXPECT_FAIL("app:\n  current_exchange: /abs\n" EX_BINANCE TRADING_OK, 2,
                "app.current_exchange", "(got /abs)");
    EXPECT_FAIL("app:\n  current_exchange: Binance\n" EX_BINANCE TRADING_OK, 2,
                "app.current_exchange", "(got Binance)");
    EXPECT_FAIL("app:\n  current_exchange: abcdefghijabcdefghijabcdefghijabc\n" EX_BINANCE
                TRADING_OK,
                2, "app.current_exchange", "matching");
    /* 2. exchanges absent / empty */
    EXPECT_FAIL(APP_BINANCE TRADING_OK, 1, "exchanges", "required: a block for exchange 'binance'");
    EXPECT_FAIL(APP_BINANCE "\nexchanges: {}\n" TRADING_OK, 4, "exchanges", "required");
    /* 3. no block for the current exchange */
    EXPECT_FAIL(APP_BINANCE "exchanges:\n  gate:\n    api_key: x\n" TRADING_OK, 3, "exchanges",
                "no block for app.current_exchange 'binance'");
    /* first failure wins: the exchange problem is reported before the trading one */
    EXPECT_FAIL("app:\n  current_exchange: ../x\n" EX_BINANCE "trading:\n  symbol: \"\"\n", 2,
                "app.current_exchange", "matching");
    /* app.instance */
    EXPECT_FAIL("app:\n  current_exchange: binance\n  instance: a-b\n"
                "exchanges:\n  binance: {}\n" TRADING_OK,
                3, "app.instance", "1-8 letters or digits (got a-b)");
}

static void test_validation_trading(void)
{
    /* 5. fee_rate < 0 */
    EXPECT_FAIL(APP_BINANCE EX_BINANCE "    fee_rate: -0.001\n" TRADING_OK, 7,
                "exchanges.binance.fee_rate", "must be >= 0 (got -0.001)");
    /* 6. symbol */
    EXPECT_FAIL(APP_BINANCE EX_BINANCE "trading:\n  price_interval: 2\n  order_quantity: 30\n"
                                       "  buy_window_size: 10\n",
                7, "trading.symbol", "required");
    EXPECT_FAIL(APP_BINANCE EX_BINANCE, 1, "trading.symbol", "required");
    EXPECT_FAIL(APP_BINANCE EX_BINANCE "trading:\n  symbol: \"ETH USDT\"\n", 8, "trading.symbol",
                "(got ETH USDT)");
    /* §11 #3: price_interval required and > 0 */
    EXPECT_FAIL(APP_BINANCE EX_BINANCE "trading:\n  symbol: ETHUSDT\n  order_quantity: 30\n"
                                       "  buy_window_size: 10\n",
                7, "trading.price_interval", "required");
    EXPECT_FAIL(APP_BINANCE EX_BINANCE "trading:\n  symbol: ETHUSDT\n  price_interval: 0\n"
                                       "  order_quantity: 30\n  buy_window_size: 10\n",
                9, "trading.price_interval", "must be > 0 (got 0)");
    EXPECT_FAIL(APP_BINANCE EX_BINANCE "trading:\n  symbol: ETHUSDT\n  price_interval: -0.5\n"
                                       "  order_quantity: 30\n  buy_window_size: 10\n",
                9, "trading.price_interval", "must be > 0 (got -0.5)");
    /* 7. order_quantity */
    EXPECT_FAIL(APP_BINANCE EX_BINANCE "trading:\n  symbol: ETHUSDT\n  price_interval: 2\n"
                                       "  buy_window_size: 10\n",
                7, "trading.order_quantity", "required");
    EXPECT_FAIL(APP_BINANCE EX_BINANCE "trading:\n  symbol: ETHUSDT\n  price_interval: 2\n"
                                       "  order_quantity: 0\n  buy_window_size: 10\n",
                10, "trading.order_quantity", "must be > 0 (got 0)");
    /* 8. buy_window_size */
    EXPECT_FAIL(APP_BINANCE EX_BINANCE "trading:\n  symbol: ETHUSDT\n  price_interval: 2\n"
                                       "  order_quantity: 30\n",
                7, "trading.buy_window_size", "required");
    EXPECT_FAIL(APP_BINANCE EX_BINANCE "trading:\n  symbol: ETHUSDT\n  price_interval: 2\n"
                                       "  order_quantity: 30\n  buy_window_size: -1\n",
                11, "trading.buy_window_size", "must be > 0 (got -1)");
    /* order: symbol before order_quantity */
    EXPECT_FAIL(APP_BINANCE EX_BINANCE "trading:\n  order_quantity: 0\n", 7, "trading.symbol",
                "required");
    /* §11 #2: min_order_value > order_quantity, explicit or by default */
    EXPECT_FAIL(OK_DOC "  min_order_value: 30.01\n", 12, "trading.min_order_value",
                "must not exceed trading.order_quantity 30, or bought positions are never sold "
                "(got 30.01)");
    EXPECT_FAIL(APP_BINANCE EX_BINANCE "trading:\n  symbol: ETHUSDT\n  price_interval: 2\n"
                                       "  order_quantity: 10\n  buy_window_size: 10\n",
                7, "trading.min_order_value", "(got 20, the default)");
    /* our keys */
    EXPECT_FAIL(OK_DOC "  post_only_max_failures: 0\n", 12, "trading.post_only_max_failures",
                "must be between 1 and 1000 (got 0)");
    EXPECT_FAIL(OK_DOC "  out_of_window_slack: -1\n", 12, "trading.out_of_window_slack",
                "(got -1)");
    EXPECT_FAIL(OK_DOC "  order_cleanup_threshold: 40\n  sell_quota_reserve: 40\n", 13,
                "trading.sell_quota_reserve", "below trading.order_cleanup_threshold 40 (got 40)");
    EXPECT_FAIL(OK_DOC "  max_leverage: 200\n", 12, "trading.max_leverage", "(got 200)");
    EXPECT_FAIL(OK_DOC "  rate_limit_per_sec: 0\n", 12, "trading.rate_limit_per_sec", "(got 0)");
    EXPECT_FAIL(OK_DOC "timing:\n  status_print_seconds: -3\n", 13, "timing.status_print_seconds",
                "(got -3)");
    EXPECT_FAIL(OK_DOC "risk_control:\n  interval: \"1 minute\"\n", 13, "risk_control.interval",
                "(got 1 minute)");
}

static void test_type_errors(void)
{
    EXPECT_FAIL(OK_DOC "  sell_window_size: 10.5\n", 12, "trading.sell_window_size",
                "expected a whole number (got 10.5)");
    EXPECT_FAIL(OK_DOC "  reconcile_interval: 99999999999\n", 12, "trading.reconcile_interval",
                "expected a whole number");
    EXPECT_FAIL(APP_BINANCE EX_BINANCE "trading:\n  symbol:\n    name: ETHUSDT\n", 9,
                "trading.symbol", "expected a single value, got a mapping");
    EXPECT_FAIL(APP_BINANCE EX_BINANCE "trading:\n  symbol: [ETHUSDT]\n", 8, "trading.symbol",
                "got a list");
    EXPECT_FAIL(OK_DOC "system:\n  cancel_on_exit: maybe\n", 13, "system.cancel_on_exit",
                "expected true or false (got maybe)");
    EXPECT_FAIL(OK_DOC "risk_control:\n  monitor_symbols: BTCUSDT\n", 13,
                "risk_control.monitor_symbols", "expected a list of symbols, got a scalar");
    EXPECT_FAIL(OK_DOC "risk_control:\n  monitor_symbols: [BTCUSDT, \"\"]\n", 13,
                "risk_control.monitor_symbols", "empty symbol");
    EXPECT_FAIL(OK_DOC "risk_control:\n  volume_multiplier: .nan\n", 13,
                "risk_control.volume_multiplier", "expected a number (got .nan)");
    EXPECT_FAIL(APP_BINANCE EX_BINANCE "trading: [1, 2]\n", 7, "trading",
                "expected a mapping of keys, got a list");
    EXPECT_FAIL(APP_BINANCE "exchanges:\n  binance: yes\n" TRADING_OK, 4, "exchanges.binance",
                "expected a mapping");
    EXPECT_FAIL(APP_BINANCE EX_BINANCE "    rest_url: {a: 1}\n" TRADING_OK, 7,
                "exchanges.binance.rest_url", "expected a single value, got a mapping");
    EXPECT_FAIL(APP_BINANCE EX_BINANCE "    api_key: again\n" TRADING_OK, 7,
                "exchanges.binance.api_key", "duplicate key (first given at line 5)");
    EXPECT_FAIL(OK_DOC "  symbol: BTCUSDT\n", 12, "trading.symbol",
                "duplicate key (first given at line 8)");
    EXPECT_FAIL(OK_DOC "app:\n  instance: x\n", 12, "app", "duplicate key (first given at line 1)");
    EXPECT_FAIL("- just\n- a list\n", 1, "file", "expected a mapping of sections");
    EXPECT_FAIL("# nothing\n", 1, "file", "is empty");
}

static void test_bad_yaml_and_files(void)
{
    sqt_config cfg;
    sqt_log log;
    capture cap;
    char err[512], want[700];
    /* unclosed flow sequence: reported where the parser gave up */
    EXPECT_FAIL(OK_DOC "risk_control:\n  monitor_symbols: [BTCUSDT, ETHUSDT\n  interval: 1m\n",
                14, "yaml", "syntax error");
    /* bad indentation */
    EXPECT_FAIL(APP_BINANCE EX_BINANCE "trading:\n  symbol: ETHUSDT\n price_interval: 2\n", 9,
                "yaml", "syntax error");
    /* tab indentation */
    EXPECT_FAIL(APP_BINANCE EX_BINANCE "trading:\n\tsymbol: ETHUSDT\n", 8, "yaml",
                "syntax error");
    EXPECT_FAIL(OK_DOC "---\napp:\n  current_exchange: gate\n", 12, "yaml",
                "more than one YAML document");
    EXPECT_FAIL(OK_DOC "  note: \"\xff\xfe\"\n", 12, "yaml", "cannot read the text");

    /* missing file */
    capture_log(&log, &cap);
    snprintf(want, sizeof(want), "%s/does-not-exist.yaml", g_dir);
    CU_ASSERT_EQUAL(sqt_config_load(&cfg, want, &log, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "does-not-exist.yaml:1: file: cannot open: "));
    CU_ASSERT_PTR_NOT_NULL(strstr(err, strerror(ENOENT)));
    /* a directory */
    CU_ASSERT_EQUAL(sqt_config_load(&cfg, g_dir, &log, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "not a regular file"));
    /* unreadable file (meaningless as root, who reads anything) */
    if (geteuid() != 0) {
        write_cfg_mode(OK_DOC, 0000);
        CU_ASSERT_EQUAL(sqt_config_load(&cfg, g_path, &log, err, sizeof(err)), -1);
        CU_ASSERT_PTR_NOT_NULL(strstr(err, strerror(EACCES)));
    }
    sqt_config_free(&cfg);
    sqt_log_close(&log);
    capture_free(&cap);
}

/* Issue 15: the original three-exchange file with every secret filled in, plus the
 * environment's: twelve secrets, each redacted (the log once kept only eight). */
static void test_many_secrets_redacted(void)
{
    static const char *const ex[] = {"binance", "bitget", "gate"};
    static const char *const what[] = {"api_key", "secret_key", "passphrase"};
    char doc[4096], line[256];
    size_t n = 0, i, j;
    sqt_config cfg;
    sqt_log log;
    capture cap;
    char err[512];
    n += (size_t)snprintf(doc + n, sizeof(doc) - n, "app:\n  current_exchange: binance\n"
                                                     "exchanges:\n");
    for (i = 0; i < 3; i++) {
        n += (size_t)snprintf(doc + n, sizeof(doc) - n, "  %s:\n", ex[i]);
        for (j = 0; j < 3; j++)
            n += (size_t)snprintf(doc + n, sizeof(doc) - n, "    %s: SECRET-%s-%s-xyz\n",
                                  what[j], ex[i], what[j]);
    }
    snprintf(doc + n, sizeof(doc) - n, "%s", TRADING_OK);
    setenv("OPENSQT_BINANCE_API_KEY", "ENVSECRET-api-1", 1);
    setenv("OPENSQT_BINANCE_SECRET_KEY", "ENVSECRET-sec-2", 1);
    setenv("OPENSQT_BINANCE_PASSPHRASE", "ENVSECRET-pp-3", 1);
    CU_ASSERT_EQUAL(load_text(doc, &cfg, &cap, &log, err, sizeof(err)), 0);
    unsetenv("OPENSQT_BINANCE_API_KEY");
    unsetenv("OPENSQT_BINANCE_SECRET_KEY");
    unsetenv("OPENSQT_BINANCE_PASSPHRASE");
    SQT_ASSERT_INT_EQ(log.n_secrets, 12);
    for (i = 0; i < 3; i++)
        for (j = 0; j < 3; j++) {
            snprintf(line, sizeof(line), "SECRET-%s-%s-xyz", ex[i], what[j]);
            SQT_WARN(&log, "leak? %s", line);
        }
    SQT_WARN(&log, "leak? %s %s %s", "ENVSECRET-api-1", "ENVSECRET-sec-2", "ENVSECRET-pp-3");
    CU_ASSERT_PTR_NULL(strstr(cap_text(&cap), "SECRET-"));
    CU_ASSERT_PTR_NULL(strstr(cap_text(&cap), "not redacted"));
    sqt_config_free(&cfg);
    sqt_log_close(&log);
    capture_free(&cap);
}

/* Issue 15: a pipe (`-c <(sops -d x.yaml)`) is read, a FIFO without a writer is not
 * waited on, and a tab is called a tab. */
static void test_pipe_and_tab(void)
{
    sqt_config cfg;
    sqt_log log;
    capture cap;
    char err[512], path[64], fifo[PATH_MAX];
    int fds[2], rc;

    CU_ASSERT_EQUAL_FATAL(pipe(fds), 0);
    CU_ASSERT_EQUAL(write(fds[1], OK_DOC, strlen(OK_DOC)), (ssize_t)strlen(OK_DOC));
    close(fds[1]);
    snprintf(path, sizeof(path), "/dev/fd/%d", fds[0]);
    capture_log(&log, &cap);
    rc = sqt_config_load(&cfg, path, &log, err, sizeof(err));
    if (rc != 0)
        fprintf(stderr, "\n    %s\n", err);
    CU_ASSERT_EQUAL(rc, 0);
    SQT_ASSERT_INT_EQ(cap.n_warn, 0);
    if (rc == 0)
        SQT_ASSERT_STR_EQ(cfg.symbol, "ETHUSDT");
    close(fds[0]);
    sqt_config_free(&cfg);

    /* a named FIFO nobody writes: an error at once, not a hang */
    snprintf(fifo, sizeof(fifo), "%s/fifo.yaml", g_dir);
    CU_ASSERT_EQUAL_FATAL(mkfifo(fifo, 0600), 0);
    CU_ASSERT_EQUAL(sqt_config_load(&cfg, fifo, &log, err, sizeof(err)), -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, "fifo.yaml:1: file: is empty"));
    unlink(fifo);
    sqt_log_close(&log);
    capture_free(&cap);

    EXPECT_FAIL(APP_BINANCE EX_BINANCE "trading:\n\tsymbol: ETHUSDT\n", 8, "yaml",
                "column 1 is a tab: YAML indents with spaces only");
    EXPECT_FAIL(APP_BINANCE EX_BINANCE "trading:\n  symbol:\tETHUSDT\n  x: [\n", 10, "yaml",
                "syntax error");
}

/* Issue 15: the keys added with the table, their defaults and rules. */
static void test_new_keys(void)
{
    sqt_config cfg;
    sqt_log log;
    capture cap;
    char err[512];
    const char *sd = getenv("STATE_DIRECTORY"), *xdg = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    char *save_sd = sd ? strdup(sd) : NULL, *save_xdg = xdg ? strdup(xdg) : NULL;
    char *save_home = home ? strdup(home) : NULL;

    /* defaults, each said */
    setenv("STATE_DIRECTORY", "/var/lib/opensqt/eth:/var/lib/other", 1);
    CU_ASSERT_EQUAL_FATAL(load_text(OK_DOC, &cfg, &cap, &log, err, sizeof(err)), 0);
    SQT_ASSERT_STR_EQ(cfg.state_dir, "/var/lib/opensqt/eth");
    SQT_ASSERT_STR_EQ(cfg.state_dir_from, "$STATE_DIRECTORY (systemd)");
    {
        sqt_create_args args;
        sqt_config_create_args(&cfg, &args);
        SQT_ASSERT_INT_EQ(args.struct_size, sizeof(args));
        SQT_ASSERT_STR_EQ(args.symbol, "ETHUSDT");
        SQT_ASSERT_STR_EQ(args.exchange_name, "binance");
        SQT_ASSERT_INT_EQ(args.allow_hedge_mode, 0);
        SQT_ASSERT_INT_EQ(args.user_stream_keepalive_ms, 30 * 60 * 1000);
    }
    SQT_ASSERT_INT_EQ(cfg.journal_sync, SQT_CFG_JOURNAL_NORMAL);
    SQT_ASSERT_INT_EQ(cfg.busy_poll, 0);
    SQT_ASSERT_INT_EQ(cfg.keep_warm_ms, 5);
    CU_ASSERT_PTR_NULL(cfg.metrics_listen);
    SQT_ASSERT_INT_EQ(cfg.metrics_allow_non_loopback, 0);
    SQT_ASSERT_INT_EQ(sqt_dec_cmp(cfg.max_price_jump_percent, sqt_dec_make(3, 0), NULL), 0);
    SQT_ASSERT_INT_EQ(cfg.price_confirm_prints, 3);
    SQT_ASSERT_INT_EQ(cfg.market_data_max_age_seconds, 15);
    SQT_ASSERT_INT_EQ(cfg.rules_reject_backoff_max_seconds, 300);
    CU_ASSERT_PTR_NOT_NULL(strstr(cap_text(&cap), "state_dir=/var/lib/opensqt/eth"));
    CU_ASSERT_PTR_NOT_NULL(strstr(cap_text(&cap), "journal_sync=normal"));
    CU_ASSERT_PTR_NOT_NULL(strstr(cap_text(&cap), "[INFO] config: safety: defaults applied: "
                                                  "max_price_jump_percent=3 "
                                                  "price_confirm_prints=3"));
    sqt_config_free(&cfg);
    sqt_log_close(&log);
    capture_free(&cap);

    unsetenv("STATE_DIRECTORY");
    setenv("XDG_STATE_HOME", "/xdg/state", 1);
    CU_ASSERT_EQUAL_FATAL(load_text(OK_DOC, &cfg, &cap, &log, err, sizeof(err)), 0);
    SQT_ASSERT_STR_EQ(cfg.state_dir, "/xdg/state/opensqt");
    sqt_config_free(&cfg);
    sqt_log_close(&log);
    capture_free(&cap);
    unsetenv("XDG_STATE_HOME");
    setenv("HOME", "/home/trader", 1);
    CU_ASSERT_EQUAL_FATAL(load_text(OK_DOC, &cfg, &cap, &log, err, sizeof(err)), 0);
    SQT_ASSERT_STR_EQ(cfg.state_dir, "/home/trader/.local/state/opensqt");
    sqt_config_free(&cfg);
    sqt_log_close(&log);
    capture_free(&cap);
    /* the key wins over all of them */
    setenv("STATE_DIRECTORY", "/var/lib/opensqt/eth", 1);
    CU_ASSERT_EQUAL_FATAL(load_text(OK_DOC "system:\n  state_dir: /srv/sqt\n"
                                           "  journal_sync: full\n"
                                           "  busy_poll: true\n"
                                           "  keep_warm_ms: 0\n"
                                           "metrics:\n  listen: \"[::1]:9464\"\n"
                                           "safety:\n  max_price_jump_percent: 0\n",
                                    &cfg, &cap, &log, err, sizeof(err)),
                          0);
    SQT_ASSERT_STR_EQ(cfg.state_dir, "/srv/sqt");
    SQT_ASSERT_STR_EQ(cfg.state_dir_from, "system.state_dir");
    SQT_ASSERT_INT_EQ(cfg.journal_sync, SQT_CFG_JOURNAL_FULL);
    SQT_ASSERT_INT_EQ(cfg.busy_poll, 1);
    SQT_ASSERT_INT_EQ(cfg.keep_warm_ms, 0);
    SQT_ASSERT_STR_EQ(cfg.metrics_host, "::1");
    SQT_ASSERT_INT_EQ(cfg.metrics_port, 9464);
    SQT_ASSERT_INT_EQ(cfg.max_price_jump_percent.mant, 0);
    sqt_config_free(&cfg);
    sqt_log_close(&log);
    capture_free(&cap);
    CU_ASSERT_EQUAL_FATAL(load_text(OK_DOC "metrics:\n  listen: localhost:0\n", &cfg, &cap,
                                    &log, err, sizeof(err)),
                          0);
    SQT_ASSERT_STR_EQ(cfg.metrics_host, "127.0.0.1");
    SQT_ASSERT_INT_EQ(cfg.metrics_port, 0);
    sqt_config_free(&cfg);
    sqt_log_close(&log);
    capture_free(&cap);
    CU_ASSERT_EQUAL_FATAL(load_text(OK_DOC "metrics:\n  listen: 0.0.0.0:9464\n"
                                           "  allow_non_loopback: true\n",
                                    &cfg, &cap, &log, err, sizeof(err)),
                          0);
    SQT_ASSERT_STR_EQ(cfg.metrics_host, "0.0.0.0");
    sqt_config_free(&cfg);
    sqt_log_close(&log);
    capture_free(&cap);

    /* the rules, each with file:line */
    EXPECT_FAIL(OK_DOC "system:\n  journal_sync: fast\n", 13, "system.journal_sync",
                "expected one of normal|full (got fast)");
    EXPECT_FAIL(OK_DOC "system:\n  busy_poll: sometimes\n", 13, "system.busy_poll", "");
    EXPECT_FAIL(OK_DOC "system:\n  keep_warm_ms: -1\n", 13, "system.keep_warm_ms", "");
    EXPECT_FAIL(OK_DOC "system:\n  keep_warm_ms: 1001\n", 13, "system.keep_warm_ms", "");
    EXPECT_FAIL(OK_DOC "system:\n  keep_warm_ms: often\n", 13, "system.keep_warm_ms", "");
    EXPECT_FAIL(OK_DOC "metrics:\n  listen: 0.0.0.0:9464\n", 13, "metrics.listen",
                "not a loopback address");
    EXPECT_FAIL(OK_DOC "metrics:\n  listen: 10.1.2.3:80\n", 13, "metrics.listen",
                "metrics.allow_non_loopback: true");
    EXPECT_FAIL(OK_DOC "metrics:\n  listen: 9464\n", 13, "metrics.listen",
                "expected host:port");
    EXPECT_FAIL(OK_DOC "metrics:\n  listen: 127.0.0.1:70000\n", 13, "metrics.listen",
                "expected host:port");
    EXPECT_FAIL(OK_DOC "metrics:\n  listen: example.com:9464\n", 13, "metrics.listen",
                "numeric address or localhost");
    EXPECT_FAIL(OK_DOC "safety:\n  max_price_jump_percent: 101\n", 13,
                "safety.max_price_jump_percent", "must be between 0 and 100 (got 101)");
    EXPECT_FAIL(OK_DOC "safety:\n  max_price_jump_percent: -1\n", 13,
                "safety.max_price_jump_percent", "must be between 0 and 100 (got -1)");
    EXPECT_FAIL(OK_DOC "safety:\n  price_confirm_prints: 0\n", 13,
                "safety.price_confirm_prints", "must be between 1 and 100 (got 0)");
    EXPECT_FAIL(OK_DOC "safety:\n  market_data_max_age_seconds: -5\n", 13,
                "safety.market_data_max_age_seconds", "must be between 0 and 86400");
    EXPECT_FAIL(OK_DOC "safety:\n  rules_reject_backoff_max_seconds: 0\n", 13,
                "safety.rules_reject_backoff_max_seconds", "must be between 1 and 86400");
    /* check must refuse what run's safety check would: a fee of 2 (200 %) */
    EXPECT_FAIL(APP_BINANCE EX_BINANCE "    fee_rate: 2\n" TRADING_OK, 7,
                "exchanges.binance.fee_rate", "must be below 0.01");
    /* a typo in current_exchange names the block it probably meant */
    EXPECT_FAIL("app:\n  current_exchange: binanse\n" EX_BINANCE TRADING_OK, 2,
                "app.current_exchange", "no exchanges block named 'binanse' (did you mean "
                                        "binance?)");

    if (save_sd) setenv("STATE_DIRECTORY", save_sd, 1); else unsetenv("STATE_DIRECTORY");
    if (save_xdg) setenv("XDG_STATE_HOME", save_xdg, 1); else unsetenv("XDG_STATE_HOME");
    if (save_home) setenv("HOME", save_home, 1); else unsetenv("HOME");
    free(save_sd);
    free(save_xdg);
    free(save_home);
}

static void test_unknown_keys_warn(void)
{
    sqt_config cfg;
    sqt_log log;
    capture cap;
    char err[512], want[700];
    int rc = load_text(OK_DOC "  buy_windw_size: 3\n"     /* 12 */
                              "tradng:\n"                  /* 13 */
                              "  symbol: X\n"              /* 14 */
                              "system:\n"                  /* 15 */
                              "  zzzzzz: 1\n"              /* 16 */
                              "timing:\n"                  /* 17 */
                              "  websocket_pong_wait: 30\n" /* 18 */
                              "  price_send_interval: 20\n" /* 19 */
                              "  listen_key_keepalive_interval: 60\n" /* 20 */
                              "  cancel_on_exit: false\n", /* 21 */
                       &cfg, &cap, &log, err, sizeof(err));
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    snprintf(want, sizeof(want),
             "[WARN] %s:12: trading.buy_windw_size: unknown key, ignored (did you mean "
             "buy_window_size?)",
             g_path);
    CU_ASSERT_PTR_NOT_NULL(strstr(cap_text(&cap), want));
    snprintf(want, sizeof(want),
             "[WARN] %s:13: tradng: unknown key, ignored (did you mean trading?)", g_path);
    CU_ASSERT_PTR_NOT_NULL(strstr(cap_text(&cap), want));
    snprintf(want, sizeof(want), "[WARN] %s:16: system.zzzzzz: unknown key, ignored\n", g_path);
    CU_ASSERT_PTR_NOT_NULL(strstr(cap_text(&cap), want));
    snprintf(want, sizeof(want),
             "[WARN] %s:20: timing.listen_key_keepalive_interval: a listen key expires after "
             "60 minutes; using 30 (got 60)",
             g_path);
    CU_ASSERT_PTR_NOT_NULL(strstr(cap_text(&cap), want));
    SQT_ASSERT_INT_EQ(cfg.listen_key_keepalive_interval, 30);
    snprintf(want, sizeof(want),
             "[WARN] %s:21: timing.cancel_on_exit: unknown key here, ignored (it belongs in the "
             "system section)",
             g_path);
    CU_ASSERT_PTR_NOT_NULL(strstr(cap_text(&cap), want));
    SQT_ASSERT_INT_EQ(cfg.cancel_on_exit, 1);
    SQT_ASSERT_INT_EQ(cap.n_warn, 5);
    /* websocket keys are accepted silently; price_send_interval noted once */
    SQT_ASSERT_INT_EQ(cfg.websocket_pong_wait, 30);
    SQT_ASSERT_INT_EQ(cfg.price_send_interval, 20);
    CU_ASSERT_PTR_NOT_NULL(strstr(cap_text(&cap), "[INFO] config: timing.price_send_interval: "
                                                  "not used: prices are handled on every tick"));
    SQT_ASSERT_INT_EQ(cfg.buy_window_size, 10); /* the typo did not count */
    SQT_ASSERT_STR_EQ(cfg.symbol, "ETHUSDT");
    sqt_config_free(&cfg);
    sqt_log_close(&log);
    capture_free(&cap);

    /* an unknown level is a warning, not a silent INFO */
    rc = load_text(OK_DOC "system:\n  log_level: LOUD\n", &cfg, &cap, &log, err, sizeof(err));
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    SQT_ASSERT_INT_EQ(cfg.log_level, SQT_LV_INFO);
    CU_ASSERT_PTR_NOT_NULL(strstr(cap_text(&cap), "system.log_level: unknown level, using INFO "
                                                  "(got LOUD"));
    sqt_config_free(&cfg);
    sqt_log_close(&log);
    capture_free(&cap);
}

/* ---- secrets ------------------------------------------------------------------------ */

static void test_env_overrides(void)
{
    sqt_config cfg;
    sqt_log log;
    capture cap;
    char err[512];
    int rc;
    setenv("OPENSQT_BINANCE_API_KEY", "ENVAPIKEY-777", 1);
    setenv("OPENSQT_BINANCE_PASSPHRASE", "ENVPASS-888", 1);
    setenv("OPENSQT_GATE_SECRET_KEY", "OTHEREXCHANGE-999", 1);
    rc = load_text(OK_DOC, &cfg, &cap, &log, err, sizeof(err));
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    SQT_ASSERT_STR_EQ(sqt_config_exchange(&cfg)->api_key, "ENVAPIKEY-777");
    SQT_ASSERT_STR_EQ(sqt_config_exchange(&cfg)->secret_key, "SKEY5678");
    SQT_ASSERT_STR_EQ(sqt_config_exchange(&cfg)->passphrase, "ENVPASS-888");
    CU_ASSERT_PTR_NOT_NULL(strstr(cap_text(&cap), "[INFO] config: exchanges.binance.api_key: "
                                                  "using the value of OPENSQT_BINANCE_API_KEY"));
    CU_ASSERT_PTR_NOT_NULL(strstr(cap_text(&cap), "using the value of OPENSQT_BINANCE_PASSPHRASE"));
    CU_ASSERT_PTR_NULL(strstr(cap_text(&cap), "OPENSQT_GATE"));
    CU_ASSERT_PTR_NULL(strstr(cap_text(&cap), "ENVAPIKEY"));
    SQT_ASSERT_INT_EQ(sqt_config_check_credentials(&cfg,
                                                   SQT_EXF_NEEDS_API_KEY | SQT_EXF_NEEDS_PASSPHRASE,
                                                   err, sizeof(err)),
                      0);
    sqt_config_free(&cfg);
    sqt_log_close(&log);
    capture_free(&cap);

    /* credentials only from the environment, none in the file */
    setenv("OPENSQT_BINANCE_SECRET_KEY", "ENVSECRET-555", 1);
    rc = load_text(APP_BINANCE "exchanges:\n  binance:\n    fee_rate: 0.0004\n" TRADING_OK, &cfg,
                   &cap, &log, err, sizeof(err));
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    SQT_ASSERT_INT_EQ(sqt_config_check_credentials(&cfg, SQT_EXF_NEEDS_API_KEY, err, sizeof(err)),
                      0);
    SQT_ASSERT_STR_EQ(sqt_config_exchange(&cfg)->secret_key, "ENVSECRET-555");
    unsetenv("OPENSQT_BINANCE_API_KEY");
    unsetenv("OPENSQT_BINANCE_SECRET_KEY");
    unsetenv("OPENSQT_BINANCE_PASSPHRASE");
    unsetenv("OPENSQT_GATE_SECRET_KEY");
    sqt_config_free(&cfg);
    sqt_log_close(&log);
    capture_free(&cap);
}

static void test_credentials(void)
{
    sqt_config cfg;
    sqt_log log;
    capture cap;
    char err[512], want[700];
    int rc = load_text(APP_BINANCE "exchanges:\n  binance:\n    api_key: AKEY1234\n" TRADING_OK,
                       &cfg, &cap, &log, err, sizeof(err));
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    SQT_ASSERT_INT_EQ(sqt_config_check_credentials(&cfg, 0, err, sizeof(err)), 0);
    SQT_ASSERT_INT_EQ(sqt_config_check_credentials(&cfg, SQT_EXF_NEEDS_API_KEY, err, sizeof(err)),
                      -1);
    snprintf(want, sizeof(want),
             "%s:4: exchanges.binance.secret_key: required by the binance plugin: set it in the "
             "file or in OPENSQT_BINANCE_SECRET_KEY",
             g_path);
    SQT_ASSERT_STR_EQ(err, want);
    sqt_config_free(&cfg);
    sqt_log_close(&log);
    capture_free(&cap);

    rc = load_text(OK_DOC, &cfg, &cap, &log, err, sizeof(err));
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    SQT_ASSERT_INT_EQ(sqt_config_check_credentials(&cfg, SQT_EXF_NEEDS_API_KEY, err, sizeof(err)),
                      0);
    SQT_ASSERT_INT_EQ(sqt_config_check_credentials(
                          &cfg, SQT_EXF_NEEDS_API_KEY | SQT_EXF_NEEDS_PASSPHRASE, err, sizeof(err)),
                      -1);
    CU_ASSERT_PTR_NOT_NULL(strstr(err, ":4: exchanges.binance.passphrase: required"));
    CU_ASSERT_PTR_NULL(strstr(err, "AKEY1234"));
    sqt_config_free(&cfg);
    sqt_log_close(&log);
    capture_free(&cap);
}

static void test_file_mode_warning(void)
{
    sqt_config cfg;
    sqt_log log;
    capture cap;
    char err[512];
    /* group-readable with a secret: warn */
    capture_log(&log, &cap);
    CU_ASSERT_EQUAL_FATAL(sqt_config_load(&cfg, write_cfg_mode(OK_DOC, 0640), &log, err,
                                          sizeof(err)),
                          0);
    CU_ASSERT_PTR_NOT_NULL(strstr(cap_text(&cap), "holds API secrets but is readable by "
                                                  "group/others (mode 640)"));
    CU_ASSERT_PTR_NOT_NULL(strstr(cap_text(&cap), "chmod 600"));
    CU_ASSERT_PTR_NOT_NULL(strstr(cap_text(&cap), g_path));
    sqt_config_free(&cfg);
    sqt_log_close(&log);
    capture_free(&cap);
    /* 0600: no warning */
    capture_log(&log, &cap);
    CU_ASSERT_EQUAL_FATAL(sqt_config_load(&cfg, write_cfg_mode(OK_DOC, 0600), &log, err,
                                          sizeof(err)),
                          0);
    CU_ASSERT_PTR_NULL(strstr(cap_text(&cap), "chmod"));
    SQT_ASSERT_INT_EQ(cap.n_warn, 0);
    sqt_config_free(&cfg);
    sqt_log_close(&log);
    capture_free(&cap);
    /* world-readable but no secret (paper): nothing to protect */
    capture_log(&log, &cap);
    CU_ASSERT_EQUAL_FATAL(sqt_config_load(&cfg, write_cfg_mode(MINIMAL, 0644), &log, err,
                                          sizeof(err)),
                          0);
    CU_ASSERT_PTR_NULL(strstr(cap_text(&cap), "chmod"));
    sqt_config_free(&cfg);
    sqt_log_close(&log);
    capture_free(&cap);
}

/* Capture everything a load, a print and a careless log line produce: no secret. */
static void test_redaction_everywhere(void)
{
    static const char *const secrets[] = {"AKEY-file-1234", "SKEY-file-5678", "PP-file-9012",
                                          "ENV-SECRET-3456", "OTHERBLOCK-KEY-77"};
    sqt_config cfg;
    sqt_log log;
    capture cap;
    char err[512];
    char *printed = NULL;
    size_t plen = 0, i;
    FILE *mem;
    int rc;

    setenv("OPENSQT_BINANCE_SECRET_KEY", "ENV-SECRET-3456", 1);
    capture_log(&log, &cap);
    rc = sqt_config_load(&cfg,
                         write_cfg_mode(APP_BINANCE
                                        "exchanges:\n"
                                        "  binance:\n"
                                        "    api_key: AKEY-file-1234\n"
                                        "    secret_key: SKEY-file-5678\n"
                                        "    passphrase: PP-file-9012\n"
                                        "    rest_url: http://127.0.0.1:1\n"
                                        "    auth_token: AKEY-file-1234\n"
                                        "  gate:\n"
                                        "    api_key: OTHERBLOCK-KEY-77\n" TRADING_OK
                                        "  typo_key: AKEY-file-1234\n",
                                        0644),
                         &log, err, sizeof(err));
    unsetenv("OPENSQT_BINANCE_SECRET_KEY");
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    SQT_ASSERT_STR_EQ(sqt_config_exchange(&cfg)->secret_key, "ENV-SECRET-3456");

    mem = open_memstream(&printed, &plen);
    CU_ASSERT_PTR_NOT_NULL_FATAL(mem);
    sqt_config_print(&cfg, mem);
    fclose(mem);
    SQT_INFO(&log, "debugging: key=%s secret=%s pp=%s other=%s", sqt_config_exchange(&cfg)->api_key,
             sqt_config_exchange(&cfg)->secret_key, sqt_config_exchange(&cfg)->passphrase,
             cfg.exchanges[1].api_key);
    sqt_logf(&log, SQT_LV_ERROR, "%s", printed); /* even the print, if someone logs it */

    for (i = 0; i < sizeof(secrets) / sizeof(secrets[0]); i++) {
        if (strstr(cap_text(&cap), secrets[i]) != NULL || strstr(printed, secrets[i]) != NULL)
            fprintf(stderr, "\n    secret %s leaked\n", secrets[i]);
        CU_ASSERT_PTR_NULL(strstr(cap_text(&cap), secrets[i]));
        CU_ASSERT_PTR_NULL(strstr(printed, secrets[i]));
    }
    CU_ASSERT_PTR_NOT_NULL(
        strstr(cap_text(&cap), "debugging: key=*** secret=*** pp=*** other=***"));
    CU_ASSERT_PTR_NOT_NULL(strstr(printed, "api_key: \"***\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(printed, "rest_url: \"http://127.0.0.1:1\""));
    CU_ASSERT_PTR_NOT_NULL(strstr(printed, "auth_token: \"***\""));
    free(printed);
    sqt_config_free(&cfg);
    sqt_log_close(&log);
    capture_free(&cap);

    /* an error message that would echo a secret (pasted into the wrong key) */
    capture_log(&log, &cap);
    rc = sqt_config_load(&cfg,
                         write_cfg(OK_DOC "  sell_window_size: SKEY5678\n"),
                         &log, err, sizeof(err));
    CU_ASSERT_EQUAL(rc, -1);
    CU_ASSERT_PTR_NULL(strstr(err, "SKEY5678"));
    CU_ASSERT_PTR_NOT_NULL(
        strstr(err, "trading.sell_window_size: expected a whole number (got ***)"));
    sqt_config_free(&cfg);
    sqt_log_close(&log);
    capture_free(&cap);
}

/* ---- print and later checks ------------------------------------------------------ */

static void test_print_round_trip(void)
{
    sqt_config a, b;
    sqt_log log;
    capture cap;
    char err[512];
    char *printed = NULL;
    size_t plen = 0;
    FILE *mem;
    int rc = load_text(MINIMAL, &a, &cap, &log, err, sizeof(err));
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    mem = open_memstream(&printed, &plen);
    CU_ASSERT_PTR_NOT_NULL_FATAL(mem);
    sqt_config_print(&a, mem);
    fclose(mem);
    CU_ASSERT_PTR_NOT_NULL(strstr(printed, "  cancel_on_exit: true\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(printed, "  order_quantity: 25.50\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(printed, "  api_key: \"\"\n"));
    CU_ASSERT_PTR_NOT_NULL(strstr(printed, "  recovery_threshold: 2\n"));
    sqt_log_close(&log);
    capture_free(&cap);

    /* what print writes is itself a valid config with the same values */
    rc = load_text(printed, &b, &cap, &log, err, sizeof(err));
    if (rc != 0)
        fprintf(stderr, "\n    %s\n%s\n", err, printed);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    SQT_ASSERT_INT_EQ(cap.n_warn, 0);
    SQT_ASSERT_STR_EQ(b.symbol, a.symbol);
    SQT_ASSERT_INT_EQ(sqt_dec_cmp(b.order_quantity, a.order_quantity, NULL), 0);
    SQT_ASSERT_INT_EQ(sqt_dec_cmp(b.price_interval, a.price_interval, NULL), 0);
    SQT_ASSERT_INT_EQ(b.sell_quota_reserve, a.sell_quota_reserve);
    SQT_ASSERT_INT_EQ(b.recovery_threshold, a.recovery_threshold);
    SQT_ASSERT_INT_EQ(b.order_cleanup_interval, a.order_cleanup_interval);
    SQT_ASSERT_INT_EQ(b.n_monitor_symbols, a.n_monitor_symbols);
    SQT_ASSERT_INT_EQ(sqt_config_exchange(&b)->n_extra, 2);
    SQT_ASSERT_STR_EQ(sqt_config_exchange(&b)->extra[0].value, "42");
    CU_ASSERT_DOUBLE_EQUAL(b.volume_multiplier, a.volume_multiplier, 1e-12);
    free(printed);
    sqt_config_free(&a);
    sqt_config_free(&b);
    sqt_log_close(&log);
    capture_free(&cap);
}

static void test_check_symbol(void)
{
    sqt_config cfg;
    sqt_log log;
    capture cap;
    char err[512], want[700];
    sqt_symbol_info info;
    int rc;

    memset(&info, 0, sizeof(info));
    info.struct_size = sizeof(info);
    snprintf(info.symbol, sizeof(info.symbol), "ETHUSDT");
    info.tick_size = sqt_dec_make(1, 1); /* 0.1 */

    rc = load_text(APP_BINANCE EX_BINANCE "trading:\n  symbol: ETHUSDT\n  price_interval: 0.5\n"
                                          "  order_quantity: 30\n  buy_window_size: 10\n",
                   &cfg, &cap, &log, err, sizeof(err));
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    SQT_ASSERT_INT_EQ(sqt_config_check_symbol(&cfg, &info, err, sizeof(err)), 0);
    info.tick_size = sqt_dec_make(5, 2); /* 0.05 */
    SQT_ASSERT_INT_EQ(sqt_config_check_symbol(&cfg, &info, err, sizeof(err)), 0);
    info.tick_size = sqt_dec_make(2, 1); /* 0.2: 0.5 is 2.5 ticks */
    SQT_ASSERT_INT_EQ(sqt_config_check_symbol(&cfg, &info, err, sizeof(err)), -1);
    info.tick_size = sqt_dec_make(1, 0); /* 1: coarser than the step */
    SQT_ASSERT_INT_EQ(sqt_config_check_symbol(&cfg, &info, err, sizeof(err)), -1);
    /* minimum notional above the buy amount */
    info.tick_size = sqt_dec_make(1, 2);
    info.min_notional = sqt_dec_make(50, 0);
    SQT_ASSERT_INT_EQ(sqt_config_check_symbol(&cfg, &info, err, sizeof(err)), -1);
    snprintf(want, sizeof(want),
             "%s:10: trading.order_quantity: below the minimum order value 50 of ETHUSDT on the "
             "exchange (got 30)",
             g_path);
    SQT_ASSERT_STR_EQ(err, want);
    info.min_notional = sqt_dec_make(5, 0);
    SQT_ASSERT_INT_EQ(sqt_config_check_symbol(&cfg, &info, err, sizeof(err)), 0);
    info.tick_size = sqt_dec_make(0, 0);
    SQT_ASSERT_INT_EQ(sqt_config_check_symbol(&cfg, &info, err, sizeof(err)), -1);
    sqt_config_free(&cfg);
    sqt_log_close(&log);
    capture_free(&cap);

    rc = load_text(APP_BINANCE EX_BINANCE "trading:\n  symbol: ETHUSDT\n  price_interval: 0.25\n"
                                          "  order_quantity: 30\n  buy_window_size: 10\n",
                   &cfg, &cap, &log, err, sizeof(err));
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    info.tick_size = sqt_dec_make(1, 1);
    info.min_notional = sqt_dec_make(0, 0);
    SQT_ASSERT_INT_EQ(sqt_config_check_symbol(&cfg, &info, err, sizeof(err)), -1);
    snprintf(want, sizeof(want),
             "%s:9: trading.price_interval: must be a positive multiple of the tick size 0.1 of "
             "ETHUSDT (got 0.25)",
             g_path);
    SQT_ASSERT_STR_EQ(err, want);
    info.tick_size = sqt_dec_make(1, 18); /* finest tick: still exact */
    SQT_ASSERT_INT_EQ(sqt_config_check_symbol(&cfg, &info, err, sizeof(err)), 0);
    sqt_config_free(&cfg);
    sqt_log_close(&log);
    capture_free(&cap);
}

/* The shipped example loads without a warning, and the values it shows are exactly the
 * defaults a file without them gets. */
static void test_example_config(void)
{
    const char *src = getenv("SQT_SOURCE_DIR");
    char path[1024], err[512];
    sqt_config ex, def;
    sqt_log log;
    capture cap;
    int rc;
    CU_ASSERT_PTR_NOT_NULL_FATAL(src);
    snprintf(path, sizeof(path), "%s/config/opensqt.example.yaml", src);
    capture_log(&log, &cap);
    rc = sqt_config_load(&ex, path, &log, err, sizeof(err));
    if (rc != 0)
        fprintf(stderr, "\n    %s\n", err);
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    SQT_ASSERT_INT_EQ(cap.n_warn, 0);
    SQT_ASSERT_STR_EQ(ex.current_exchange, "paper");
    SQT_ASSERT_INT_EQ(ex.n_exchanges, 4);
    SQT_ASSERT_INT_EQ(sqt_config_check_credentials(&ex, SQT_EXF_SIMULATED, err, sizeof(err)), 0);
    sqt_log_close(&log);
    capture_free(&cap);

    rc = load_text("app:\n  current_exchange: paper\nexchanges:\n  paper: {}\n"
                   "trading:\n  symbol: ETHUSDT\n  price_interval: 2\n  order_quantity: 30\n"
                   "  buy_window_size: 10\n",
                   &def, &cap, &log, err, sizeof(err));
    CU_ASSERT_EQUAL_FATAL(rc, 0);
    SQT_ASSERT_INT_EQ(sqt_dec_cmp(ex.min_order_value, def.min_order_value, NULL), 0);
#define SAME(f) SQT_ASSERT_INT_EQ(ex.f, def.f)
    SAME(sell_window_size); SAME(reconcile_interval); SAME(order_cleanup_threshold);
    SAME(cleanup_batch_size); SAME(margin_lock_duration_seconds); SAME(position_safety_check);
    SAME(cancel_out_of_window_buys); SAME(out_of_window_slack); SAME(post_only_max_failures);
    SAME(sell_quota_reserve); SAME(rate_limit_per_sec); SAME(rate_limit_burst);
    SAME(max_leverage); SAME(allow_hedge_mode); SAME(log_level); SAME(cancel_on_exit);
    SAME(risk_enabled); SAME(n_monitor_symbols); SAME(average_window); SAME(recovery_threshold);
    SAME(websocket_reconnect_delay); SAME(websocket_write_wait); SAME(websocket_pong_wait);
    SAME(websocket_ping_interval); SAME(listen_key_keepalive_interval);
    SAME(price_send_interval); SAME(rate_limit_retry_delay); SAME(order_retry_delay);
    SAME(price_poll_interval); SAME(status_print_interval); SAME(status_print_seconds);
    SAME(order_cleanup_interval); SAME(journal_sync); SAME(metrics_allow_non_loopback);
    SAME(price_confirm_prints); SAME(market_data_max_age_seconds);
    SAME(rules_reject_backoff_max_seconds);
    SQT_ASSERT_INT_EQ(sqt_dec_cmp(ex.max_price_jump_percent, def.max_price_jump_percent, NULL), 0);
#undef SAME
    SQT_ASSERT_STR_EQ(ex.risk_interval, def.risk_interval);
    CU_ASSERT_DOUBLE_EQUAL(ex.volume_multiplier, def.volume_multiplier, 1e-12);
    CU_ASSERT_PTR_NULL(ex.plugin_dir);
    CU_ASSERT_PTR_NULL(ex.log_file);
    sqt_config_free(&ex);
    sqt_config_free(&def);
    sqt_log_close(&log);
    capture_free(&cap);
}

/* Every prefix of the original file (cut mid-key, mid-value, mid-quote) loads or fails
 * with a file:line message; never a crash or leak (the sanitizer build checks). */
static void test_every_prefix(void)
{
    const char *src = getenv("SQT_SOURCE_DIR");
    char path[1024], err[512], *text;
    size_t n, cut;
    FILE *f;
    int failed_ok = 1, loaded = 0;
    CU_ASSERT_PTR_NOT_NULL_FATAL(src);
    snprintf(path, sizeof(path), "%s/tests/data/original-config.yaml", src);
    f = fopen(path, "r");
    CU_ASSERT_PTR_NOT_NULL_FATAL(f);
    text = calloc(1, 65536);
    CU_ASSERT_PTR_NOT_NULL_FATAL(text);
    n = fread(text, 1, 65535, f);
    fclose(f);
    for (cut = 0; cut <= n; cut += 3) {
        char save = text[cut];
        sqt_config cfg;
        text[cut] = '\0';
        if (sqt_config_load(&cfg, write_cfg(text), NULL, err, sizeof(err)) == 0) {
            loaded++;
            sqt_config_free(&cfg);
        } else if (strncmp(err, g_path, strlen(g_path)) != 0 || err[strlen(g_path)] != ':') {
            fprintf(stderr, "\n    cut %zu: %s\n", cut, err);
            failed_ok = 0;
        }
        text[cut] = save;
    }
    CU_ASSERT(failed_ok);
    CU_ASSERT(loaded > 0); /* cuts after the required keys load */
    free(text);
}

/* A NULL log is allowed (quiet load), and free on a zeroed config is harmless. */
static void test_null_log_and_free(void)
{
    sqt_config cfg;
    char err[512];
    memset(&cfg, 0, sizeof(cfg));
    sqt_config_free(&cfg);
    CU_ASSERT_EQUAL(sqt_config_load(&cfg, write_cfg(OK_DOC "  bogus: 1\n"), NULL, err,
                                    sizeof(err)),
                    0);
    sqt_config_free(&cfg);
    sqt_config_free(&cfg);
    CU_ASSERT_EQUAL(sqt_config_load(&cfg, write_cfg("app: [\n"), NULL, err, sizeof(err)), -1);
    sqt_config_free(&cfg);
}

static int setup_dir(void)
{
    const char *tmp = getenv("TMPDIR");
    snprintf(g_dir, sizeof(g_dir), "%s/sqt-config-XXXXXX", tmp && tmp[0] ? tmp : "/tmp");
    return mkdtemp(g_dir) == NULL ? -1 : 0;
}

static void cleanup_dir(void)
{
    snprintf(g_path, sizeof(g_path), "%s/c.yaml", g_dir);
    unlink(g_path);
    rmdir(g_dir);
}

int main(void)
{
    static const sqt_test_case cases[] = {
        {"original file loads", test_original_file_loads},
        {"defaults of a minimal file", test_defaults_minimal},
        {"zero means default", test_zero_means_default},
        {"decimal forms", test_decimal_forms},
        {"validation: app and exchanges", test_validation_app},
        {"validation: trading and ours", test_validation_trading},
        {"type and structure errors", test_type_errors},
        {"bad YAML and files", test_bad_yaml_and_files},
        {"unknown keys warn", test_unknown_keys_warn},
        {"pipe and tab", test_pipe_and_tab},
        {"many secrets redacted", test_many_secrets_redacted},
        {"new keys", test_new_keys},
        {"environment overrides", test_env_overrides},
        {"credentials", test_credentials},
        {"file mode warning", test_file_mode_warning},
        {"redaction everywhere", test_redaction_everywhere},
        {"print round trip", test_print_round_trip},
        {"check symbol", test_check_symbol},
        {"example config", test_example_config},
        {"every prefix of the original", test_every_prefix},
        {"null log and free", test_null_log_and_free},
        {NULL, NULL}};
    int rc;
    unsetenv("OPENSQT_BINANCE_API_KEY");
    unsetenv("OPENSQT_BINANCE_SECRET_KEY");
    unsetenv("OPENSQT_BINANCE_PASSPHRASE");
    unsetenv("OPENSQT_PAPER_API_KEY");
    if (setup_dir() != 0) {
        perror("mkdtemp");
        return EXIT_FAILURE;
    }
    SQT_TEST_INIT();
    if (sqt_test_suite("config", cases) != 0)
        return EXIT_FAILURE;
    rc = sqt_test_run();
    cleanup_dir();
    return rc;
}
