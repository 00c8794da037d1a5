/* Configuration: an original OpenSQT config.yaml loads unchanged (behaviour.md §1.2),
 * plus OpenSQT-C's own keys. Validation follows behaviour.md §1.3 with the §11 fixes;
 * every error names file:line and the key. Money values are parsed from the YAML text
 * exactly (sqt_dec), never through a double. */
#ifndef SQT_CONFIG_H
#define SQT_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include <opensqt/plugin.h>

#include "log.h"

/* One scalar key of an exchange block that is not one of the known four, e.g.
 * `rest_url`; handed to the plugin through the host services' config(). */
typedef struct sqt_cfg_kv {
    char *key;
    char *value;
    int line;
} sqt_cfg_kv;

typedef struct sqt_exchange_cfg {
    char *name;
    char *api_key;             /* secret: never print */
    char *secret_key;          /* secret: never print */
    char *passphrase;          /* secret: never print */
    sqt_dec fee_rate;          /* fraction, >= 0 */
    sqt_cfg_kv *extra;         /* other scalar keys of the block */
    size_t n_extra;
    int line;                  /* line of the block's name */
} sqt_exchange_cfg;

enum { SQT_CFG_JOURNAL_NORMAL = 0, SQT_CFG_JOURNAL_FULL = 1 }; /* system.journal_sync */

typedef struct sqt_config {
    char *path;

    /* app */
    char *current_exchange;    /* plugin name, [a-z][a-z0-9_]{0,31} */
    char *plugin_dir;          /* ours: app.plugin_dir, NULL = default */
    char *instance;            /* ours: app.instance, tag for client ids; default from symbol */
    sqt_exchange_cfg *exchanges;
    size_t n_exchanges;

    /* trading (original) */
    char *symbol;
    sqt_dec price_interval;    /* > 0; multiple of the tick is checked once the tick is known */
    sqt_dec order_quantity;    /* quote per buy order, > 0 */
    sqt_dec min_order_value;   /* default 20, <= order_quantity */
    int buy_window_size;       /* > 0 */
    int sell_window_size;      /* default buy_window_size */
    int reconcile_interval;    /* s, default 30 */
    int order_cleanup_threshold; /* default 100 */
    int cleanup_batch_size;    /* default 10 */
    int margin_lock_duration_seconds; /* default 10 */
    int position_safety_check; /* default 100 */

    /* trading (ours) */
    int cancel_out_of_window_buys;   /* default 1 (seed document); 0 = original behaviour */
    int out_of_window_slack;         /* slots below the buy window before a buy is cancelled, default 2 */
    int post_only_max_failures;      /* post-only rejects before a slot degrades, default 3 */
    int sell_quota_reserve;          /* live-order slots reserved for sells, default 1/4 of the threshold */
    int rate_limit_per_sec;          /* token bucket refill, default 25 */
    int rate_limit_burst;            /* default 30 */
    int max_leverage;                /* start-up check, default 10 */
    int allow_hedge_mode;            /* default 0 */

    /* system */
    int log_level;             /* SQT_LV_*, default INFO */
    int cancel_on_exit;        /* default 1 (§11 #1) */
    char *log_file;            /* ours: NULL = stderr only */
    char *event_log;           /* ours: JSON-lines audit trail, NULL = none */
    char *state_dir;           /* ours: journal directory: the key, else $STATE_DIRECTORY,
                                * else $XDG_STATE_HOME/opensqt, else
                                * $HOME/.local/state/opensqt; NULL only when none is set */
    const char *state_dir_from; /* static text: which of those gave state_dir */
    int journal_sync;          /* SQT_CFG_JOURNAL_*, default NORMAL (bench_journal) */
    int busy_poll;             /* the loop polls without sleeping; default 0 */
    int keep_warm_ms;          /* the fill path run dry this often while trading; 0 off */

    /* metrics (ours) */
    char *metrics_listen;      /* "host:port" as given, NULL = no metrics server */
    char metrics_host[64];     /* its host part, brackets removed ("::1") */
    int metrics_port;          /* its port, 0 = let the kernel choose */
    int metrics_allow_non_loopback; /* default 0: a non-loopback listen address is refused */

    /* safety (ours) */
    sqt_dec max_price_jump_percent;  /* a tick this far from the last is held; 0 = off, default 3 */
    int price_confirm_prints;        /* prints confirming a jump before it is believed, 3 */
    int market_data_max_age_seconds; /* no price this long: no new orders; 0 = off, 15 */
    int rules_reject_backoff_max_seconds; /* cap of the backoff after rule rejects, 300 */

    /* risk_control */
    int risk_enabled;          /* default 1 (§11 #1) */
    char **monitor_symbols;    /* default BTCUSDT ETHUSDT SOLUSDT XRPUSDT DOGEUSDT */
    size_t n_monitor_symbols;
    char *risk_interval;       /* default "1m" */
    double volume_multiplier;  /* default 3.0 (not money) */
    int average_window;        /* default 20 */
    int recovery_threshold;    /* default 3, clamped to [1, n_monitor_symbols] */

    /* timing */
    int websocket_reconnect_delay;   /* s, 5 */
    int websocket_write_wait;        /* s, 10 */
    int websocket_pong_wait;         /* s, 60 */
    int websocket_ping_interval;     /* s, 20 */
    int listen_key_keepalive_interval; /* min, 30 */
    int price_send_interval;         /* ms, 50 (accepted; the price monitor reacts per tick) */
    int rate_limit_retry_delay;      /* s, 1 */
    int order_retry_delay;           /* ms, 500 */
    int price_poll_interval;         /* ms, 500 */
    int status_print_interval;       /* min, 1 */
    int status_print_seconds;        /* ours: overrides the minutes when > 0 */
    int order_cleanup_interval;      /* s, 60 */

    /* Added: source lines of the keys, so checks made after loading
     * (sqt_config_check_*) can still name file:line. Owned; NULL in a config not
     * made by sqt_config_load(). */
    struct sqt_config_lines *lines;
} sqt_config;

/* Load and validate `path`. Warnings (unknown keys, effective defaults, a secret in a
 * file readable by group/other) go to `log`. Environment variables
 * OPENSQT_<EXCHANGE>_API_KEY / _SECRET_KEY / _PASSPHRASE win over the file.
 * `need_credentials`: api_key and secret_key are required (the plugin says so; §1.3
 * step 4 applies only then). The plugin is not known yet when the file is read, so
 * sqt_config_load() does not check credentials; call sqt_config_check_credentials()
 * once the plugin's flags are known.
 * Returns 0, or -1 with a one-line message "file:line: key: what is wrong" in err. */
int sqt_config_load(sqt_config *cfg, const char *path, sqt_log *log, char *err, size_t errlen);

/* The block of app.current_exchange (never NULL after a successful load). */
const sqt_exchange_cfg *sqt_config_exchange(const sqt_config *cfg);

/* Credentials required by the plugin's flags (SQT_EXF_NEEDS_*). 0 or -1 + message. */
int sqt_config_check_credentials(const sqt_config *cfg, uint32_t plugin_flags, char *err,
                                 size_t errlen);

/* Checks that need the exchange's symbol rules: price_interval a multiple of the tick.
 * 0 or -1 + message. */
int sqt_config_check_symbol(const sqt_config *cfg, const sqt_symbol_info *info, char *err,
                            size_t errlen);

/* Files the run will write (system.log_file, system.event_log) and system.state_dir:
 * each must be writable, or creatable in a writable directory, by this process. Nothing
 * is created. 0 or -1 + "file:line: key: cannot write PATH: reason". */
int sqt_config_check_paths(const sqt_config *cfg, char *err, size_t errlen);

/* The create() arguments of the configured exchange (host settings the plugin follows);
 * the strings point into cfg. */
void sqt_config_create_args(const sqt_config *cfg, sqt_create_args *args);

/* Print the effective configuration as YAML with every secret shown as "***". */
void sqt_config_print(const sqt_config *cfg, FILE *out);

void sqt_config_free(sqt_config *cfg);

#endif
