/* Configuration loader: libyaml document -> sqt_config, then behaviour.md §1.3
 * validation with the §11 fixes. Every message names file:line and the dotted key. */
#include "config.h"

#include "core/suggest.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <poll.h>
#include <sys/stat.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include <yaml.h>

#define SQT_CFG_MAX_FILE (4u << 20)    /* a config is a few KiB; refuse absurd files */
#define SQT_CFG_SHOW_MAX 60            /* bytes of a bad value echoed in a message */
#define SQT_CFG_NAME_MAX 32

/* ------------------------------------------------------------------------------------
 * Key lines: every key met in the file, with its line, for messages after loading.
 * ---------------------------------------------------------------------------------- */

typedef struct sqt_cfg_line {
    char *key;                 /* dotted: "trading.symbol", "exchanges.binance.api_key" */
    int line;
    int present;               /* a non-null value was given */
} sqt_cfg_line;

struct sqt_config_lines {
    sqt_cfg_line *v;
    size_t n, cap;
};

static int sqt_cfg_lines_add(sqt_config *cfg, const char *key, int line, int present)
{
    struct sqt_config_lines *L = cfg->lines;
    if (L->n == L->cap) {
        size_t cap = L->cap ? L->cap * 2 : 64;
        sqt_cfg_line *v = realloc(L->v, cap * sizeof(*v));
        if (v == NULL)
            return -1;
        L->v = v;
        L->cap = cap;
    }
    L->v[L->n].key = strdup(key);
    if (L->v[L->n].key == NULL)
        return -1;
    L->v[L->n].line = line;
    L->v[L->n].present = present;
    L->n++;
    return 0;
}

static const sqt_cfg_line *sqt_cfg_lines_find(const sqt_config *cfg, const char *key)
{
    size_t i;
    if (cfg->lines == NULL)
        return NULL;
    for (i = 0; i < cfg->lines->n; i++)
        if (strcmp(cfg->lines->v[i].key, key) == 0)
            return &cfg->lines->v[i];
    return NULL;
}

static int sqt_cfg_present(const sqt_config *cfg, const char *key)
{
    const sqt_cfg_line *l = sqt_cfg_lines_find(cfg, key);
    return l != NULL && l->present;
}

/* Line of `key`; for an absent key the line of its section (parent), else 1. */
static int sqt_cfg_line_of(const sqt_config *cfg, const char *key)
{
    char buf[160];
    char *dot;
    snprintf(buf, sizeof(buf), "%s", key);
    for (;;) {
        const sqt_cfg_line *l = sqt_cfg_lines_find(cfg, buf);
        if (l != NULL)
            return l->line;
        dot = strrchr(buf, '.');
        if (dot == NULL)
            return 1;
        *dot = '\0';
    }
}

/* ------------------------------------------------------------------------------------
 * Messages
 * ---------------------------------------------------------------------------------- */

typedef struct sqt_cfg_ctx {
    sqt_config *cfg;
    sqt_log *log;
    const char *path;
    yaml_document_t *doc;
    char *err;
    size_t errlen;
    int file_has_secret;
} sqt_cfg_ctx;

static void sqt_cfg_verr(const sqt_config *cfg, char *err, size_t errlen, int line,
                         const char *key, const char *fmt, va_list ap)
    __attribute__((format(printf, 6, 0)));

static void sqt_cfg_verr(const sqt_config *cfg, char *err, size_t errlen, int line,
                         const char *key, const char *fmt, va_list ap)
{
    int n;
    if (err == NULL || errlen == 0)
        return;
    n = snprintf(err, errlen, "%s:%d: %s: ", cfg->path ? cfg->path : "(config)", line, key);
    if (n >= 0 && (size_t)n < errlen)
        vsnprintf(err + n, errlen - (size_t)n, fmt, ap);
}

/* Always returns -1 so callers can `return sqt_cfg_fail(...)`. */
static int sqt_cfg_fail(sqt_cfg_ctx *c, int line, const char *key, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int sqt_cfg_fail(sqt_cfg_ctx *c, int line, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sqt_cfg_verr(c->cfg, c->err, c->errlen, line, key, fmt, ap);
    va_end(ap);
    return -1;
}

static int sqt_cfg_fail_at(const sqt_config *cfg, char *err, size_t errlen, int line,
                           const char *key, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));

static int sqt_cfg_fail_at(const sqt_config *cfg, char *err, size_t errlen, int line,
                           const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    sqt_cfg_verr(cfg, err, errlen, line, key, fmt, ap);
    va_end(ap);
    return -1;
}

/* A value as it may appear in a message: printable, bounded. */
static const char *sqt_cfg_show(const char *v, size_t len, char *out, size_t cap)
{
    size_t i, o = 0;
    if (len == 0) {
        snprintf(out, cap, "\"\"");
        return out;
    }
    for (i = 0; i < len && o + 4 < cap && i < SQT_CFG_SHOW_MAX; i++) {
        unsigned char ch = (unsigned char)v[i];
        out[o++] = (ch < 0x20 || ch == 0x7f) ? '?' : (char)ch;
    }
    if (i < len && o + 4 <= cap) {
        memcpy(out + o, "...", 3);
        o += 3;
    }
    out[o] = '\0';
    return out;
}

/* ------------------------------------------------------------------------------------
 * YAML node helpers
 * ---------------------------------------------------------------------------------- */

static int sqt_node_line(const yaml_node_t *n)
{
    return (int)n->start_mark.line + 1;
}

static const char *sqt_node_str(const yaml_node_t *n)
{
    return (const char *)n->data.scalar.value;
}

/* YAML null: `key:`, `~`, `null` in plain style (a quoted "null" is a string). */
static int sqt_node_is_null(const yaml_node_t *n)
{
    const char *s;
    if (n->type != YAML_SCALAR_NODE)
        return 0;
    if (n->data.scalar.style != YAML_PLAIN_SCALAR_STYLE)
        return 0;
    s = sqt_node_str(n);
    return n->data.scalar.length == 0 || strcmp(s, "~") == 0 || strcmp(s, "null") == 0 ||
           strcmp(s, "Null") == 0 || strcmp(s, "NULL") == 0;
}

static const char *sqt_node_kind(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_MAPPING_NODE: return "a mapping";
    case YAML_SEQUENCE_NODE: return "a list";
    default: return "a scalar";
    }
}

/* Visit every pair of a mapping; rejects non-scalar and duplicate keys. */
typedef int (*sqt_pair_fn)(sqt_cfg_ctx *c, const char *prefix, const char *key, int kline,
                           yaml_node_t *val, void *ud);

static int sqt_cfg_each_pair(sqt_cfg_ctx *c, const char *prefix, yaml_node_t *map,
                             sqt_pair_fn fn, void *ud)
{
    const char *where = prefix[0] ? prefix : "(top level)";
    yaml_node_pair_t *p, *q;
    for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(c->doc, p->key);
        yaml_node_t *v = yaml_document_get_node(c->doc, p->value);
        char full[160];
        if (k == NULL || v == NULL)
            return sqt_cfg_fail(c, sqt_node_line(map), where, "malformed mapping");
        if (k->type != YAML_SCALAR_NODE)
            return sqt_cfg_fail(c, sqt_node_line(k), where,
                                "a key must be a plain name, not %s", sqt_node_kind(k));
        if (strlen(sqt_node_str(k)) != k->data.scalar.length)
            return sqt_cfg_fail(c, sqt_node_line(k), where, "a key contains a NUL byte");
        if (snprintf(full, sizeof(full), "%s%s%s", prefix, prefix[0] ? "." : "",
                     sqt_node_str(k)) >= (int)sizeof(full))
            return sqt_cfg_fail(c, sqt_node_line(k), where, "key name too long");
        for (q = map->data.mapping.pairs.start; q < p; q++) {
            yaml_node_t *k2 = yaml_document_get_node(c->doc, q->key);
            if (k2 != NULL && k2->type == YAML_SCALAR_NODE &&
                strcmp(sqt_node_str(k2), sqt_node_str(k)) == 0)
                return sqt_cfg_fail(c, sqt_node_line(k), full,
                                    "duplicate key (first given at line %d)",
                                    sqt_node_line(k2));
        }
        if (fn(c, prefix, sqt_node_str(k), sqt_node_line(k), v, ud) != 0)
            return -1;
    }
    return 0;
}

static yaml_node_t *sqt_map_get(yaml_document_t *doc, yaml_node_t *map, const char *key)
{
    yaml_node_pair_t *p;
    if (map == NULL || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top; p++) {
        yaml_node_t *k = yaml_document_get_node(doc, p->key);
        if (k != NULL && k->type == YAML_SCALAR_NODE && strcmp(sqt_node_str(k), key) == 0)
            return yaml_document_get_node(doc, p->value);
    }
    return NULL;
}

/* ------------------------------------------------------------------------------------
 * Scalar conversions
 * ---------------------------------------------------------------------------------- */

static int sqt_parse_int(const char *s, int *out)
{
    char *end;
    long long v;
    if (s[0] == '\0' || isspace((unsigned char)s[0]))
        return -1;
    errno = 0;
    v = strtoll(s, &end, 10);
    if (errno != 0 || *end != '\0' || v < INT_MIN || v > INT_MAX)
        return -1;
    *out = (int)v;
    return 0;
}

static int sqt_parse_bool(const char *s, int *out)
{
    static const char *const yes[] = {"true", "yes", "on"};
    static const char *const no[] = {"false", "no", "off"};
    size_t i;
    for (i = 0; i < 3; i++) {
        if (strcasecmp(s, yes[i]) == 0) {
            *out = 1;
            return 0;
        }
        if (strcasecmp(s, no[i]) == 0) {
            *out = 0;
            return 0;
        }
    }
    return -1;
}

/* Exact decimal from YAML text: plain decimals, and scientific notation converted
 * without a double ("1e-4" -> {1, 4}); SQT_ERANGE when it cannot be held exactly. */
static int sqt_parse_dec(const char *s, sqt_dec *out)
{
    const char *e = strpbrk(s, "eE");
    sqt_dec d;
    int rc, exp;
    size_t mlen = e ? (size_t)(e - s) : strlen(s);
    if (mlen == 0)
        return SQT_EINVAL;
    rc = sqt_dec_parse(s, mlen, &d);
    if (rc != SQT_OK)
        return rc;
    if (e != NULL) {
        const char *x = e + 1;
        int neg = 0, digits = 0;
        long v = 0;
        if (*x == '+' || *x == '-')
            neg = *x++ == '-';
        for (; *x >= '0' && *x <= '9'; x++, digits++) {
            v = v * 10 + (*x - '0');
            if (v > 60)
                return SQT_ERANGE;
        }
        if (*x != '\0' || digits == 0)
            return SQT_EINVAL;
        exp = neg ? -(int)v : (int)v;
        /* value = mant * 10^(exp - scale) */
        {
            int32_t sc = d.scale - exp;
            int64_t m = d.mant;
            while (sc < 0) {
                if (m > INT64_MAX / 10 || m < INT64_MIN / 10)
                    return SQT_ERANGE;
                m *= 10;
                sc++;
            }
            while (sc > SQT_DEC_MAX_SCALE) {
                if (m % 10 != 0)
                    return SQT_ERANGE;
                m /= 10;
                sc--;
            }
            d = sqt_dec_make(m, sc);
        }
    }
    *out = d;
    return SQT_OK;
}

static int sqt_parse_double(const char *s, double *out)
{
    char *end;
    double v;
    size_t i;
    if (s[0] == '\0')
        return -1;
    for (i = 0; s[i]; i++) /* no hex, inf or nan */
        if (!isdigit((unsigned char)s[i]) && strchr("+-.eE", s[i]) == NULL)
            return -1;
    errno = 0;
    v = strtod(s, &end);
    if (errno != 0 || *end != '\0' || !isfinite(v))
        return -1;
    *out = v;
    return 0;
}

static int sqt_dec_sign(sqt_dec d)
{
    return (d.mant > 0) - (d.mant < 0);
}

static const char *sqt_dec_str(sqt_dec d, char *buf, size_t cap)
{
    if (sqt_dec_format(d, buf, cap) < 0)
        snprintf(buf, cap, "?");
    return buf;
}

/* ------------------------------------------------------------------------------------
 * Schema: one table of every key of the fixed sections. It drives loading, defaults
 * (each applied default is logged), range validation and the printer of `check`; a new
 * key is one line here (plus code only when its rule relates it to other keys).
 * ---------------------------------------------------------------------------------- */

enum sqt_ktype { KT_STR, KT_INT, KT_BOOL, KT_DEC, KT_DBL, KT_LEVEL, KT_LIST, KT_ENUM };

/* KF_ORIG: the original's rule, a value <= 0 (or an empty string) means "use the
 *          default"; otherwise the default applies only when the key is absent.
 * KF_CODE: the default (or part of the rule) depends on other keys: applied in
 *          sqt_cfg_validate(), not from `def`.
 * KF_REQ:  required; sqt_cfg_validate() says what it wants, in behaviour.md's order. */
enum { KF_ORIG = 1, KF_CODE = 2, KF_REQ = 4 };

typedef struct sqt_keydef {
    const char *section;
    const char *name;
    enum sqt_ktype type;
    size_t off;
    const char *def;           /* default as YAML text; NULL = none (unset) */
    const char *min, *max;     /* inclusive range (INT, DEC, DBL), as text; NULL = open.
                                * KT_ENUM: min lists the choices, "full|normal" */
    unsigned flags;
    const char *note;          /* a comment for the printer */
} sqt_keydef;

#define SQT_OFF(m) offsetof(sqt_config, m)
#define K(sec, name, type, m, def, min, max, fl, note) \
    {sec, name, type, SQT_OFF(m), def, min, max, fl, note}

static const sqt_keydef sqt_keys[] = {
    K("app", "current_exchange", KT_STR, current_exchange, NULL, NULL, NULL, KF_REQ, NULL),
    K("app", "plugin_dir", KT_STR, plugin_dir, NULL, NULL, NULL, 0,
      "empty: the built-in default"),
    K("app", "instance", KT_STR, instance, NULL, NULL, NULL, KF_CODE,
      "empty: derived from the symbol"),

    K("trading", "symbol", KT_STR, symbol, NULL, NULL, NULL, KF_REQ, NULL),
    K("trading", "price_interval", KT_DEC, price_interval, NULL, NULL, NULL, KF_REQ, NULL),
    K("trading", "order_quantity", KT_DEC, order_quantity, NULL, NULL, NULL, KF_REQ, NULL),
    K("trading", "min_order_value", KT_DEC, min_order_value, "20", NULL, NULL, KF_ORIG, NULL),
    K("trading", "buy_window_size", KT_INT, buy_window_size, NULL, NULL, NULL, KF_REQ, NULL),
    K("trading", "sell_window_size", KT_INT, sell_window_size, NULL, "1", "10000",
      KF_ORIG | KF_CODE, NULL),
    K("trading", "reconcile_interval", KT_INT, reconcile_interval, "30", "1", "86400", KF_ORIG,
      NULL),
    K("trading", "order_cleanup_threshold", KT_INT, order_cleanup_threshold, "100", "1",
      "100000", KF_ORIG, NULL),
    K("trading", "cleanup_batch_size", KT_INT, cleanup_batch_size, "10", "1", "10000", KF_ORIG,
      NULL),
    K("trading", "margin_lock_duration_seconds", KT_INT, margin_lock_duration_seconds, "10",
      "1", "86400", KF_ORIG, NULL),
    K("trading", "position_safety_check", KT_INT, position_safety_check, "100", "1", "1000000",
      KF_ORIG, NULL),
    K("trading", "cancel_out_of_window_buys", KT_BOOL, cancel_out_of_window_buys, "true", NULL,
      NULL, 0, NULL),
    K("trading", "out_of_window_slack", KT_INT, out_of_window_slack, "2", "0", "10000", 0, NULL),
    K("trading", "post_only_max_failures", KT_INT, post_only_max_failures, "3", "1", "1000", 0,
      NULL),
    K("trading", "sell_quota_reserve", KT_INT, sell_quota_reserve, NULL, NULL, NULL, KF_CODE,
      NULL),
    K("trading", "rate_limit_per_sec", KT_INT, rate_limit_per_sec, "25", "1", "100000", 0,
      NULL),
    K("trading", "rate_limit_burst", KT_INT, rate_limit_burst, "30", "1", "100000", 0, NULL),
    K("trading", "max_leverage", KT_INT, max_leverage, "10", "1", "125", 0, NULL),
    K("trading", "allow_hedge_mode", KT_BOOL, allow_hedge_mode, "false", NULL, NULL, 0, NULL),

    /* §11 #1: cancel_on_exit defaults to true */
    K("system", "cancel_on_exit", KT_BOOL, cancel_on_exit, "true", NULL, NULL, 0, NULL),
    K("system", "log_level", KT_LEVEL, log_level, "NOTICE", NULL, NULL, 0,
      "INFO adds a line per order; NOTICE: lifecycle and status"),
    K("system", "log_file", KT_STR, log_file, NULL, NULL, NULL, 0, "empty: stderr only"),
    K("system", "event_log", KT_STR, event_log, NULL, NULL, NULL, 0, "empty: none"),
    K("system", "state_dir", KT_STR, state_dir, NULL, NULL, NULL, KF_CODE,
      "default: $STATE_DIRECTORY, else $XDG_STATE_HOME/opensqt, else "
      "$HOME/.local/state/opensqt"),
    K("system", "journal_sync", KT_ENUM, journal_sync, "normal", "normal|full", NULL, 0,
      "normal: survives any crash of the process; full: also a power cut (an fsync per turn)"),
    K("system", "busy_poll", KT_BOOL, busy_poll, "false", NULL, NULL, 0,
      "true: the loop never sleeps (one CPU core at 100%) for the lowest tick-to-order latency"),
    K("system", "keep_warm_ms", KT_INT, keep_warm_ms, "5", "0", "1000", 0,
      "the fill path run dry this often while trading, so a fill after a quiet spell finds "
      "it in the CPU's caches (~0.7% of a core at 5); 0: off"),

    K("metrics", "listen", KT_STR, metrics_listen, NULL, NULL, NULL, KF_CODE,
      "host:port, e.g. 127.0.0.1:9464; empty: no metrics server"),
    K("metrics", "allow_non_loopback", KT_BOOL, metrics_allow_non_loopback, "false", NULL, NULL,
      0, NULL),

    K("safety", "max_price_jump_percent", KT_DEC, max_price_jump_percent, "3", "0", "100", 0,
      "0: off"),
    K("safety", "price_confirm_prints", KT_INT, price_confirm_prints, "3", "1", "100", 0, NULL),
    K("safety", "market_data_max_age_seconds", KT_INT, market_data_max_age_seconds, "15", "0",
      "86400", 0, "0: off"),
    K("safety", "rules_reject_backoff_max_seconds", KT_INT, rules_reject_backoff_max_seconds,
      "300", "1", "86400", 0, NULL),

    K("risk_control", "enabled", KT_BOOL, risk_enabled, "true", NULL, NULL, 0, NULL),
    K("risk_control", "monitor_symbols", KT_LIST, monitor_symbols, NULL, NULL, NULL, KF_CODE,
      NULL),
    K("risk_control", "interval", KT_STR, risk_interval, "1m", NULL, NULL, KF_ORIG | KF_CODE,
      NULL),
    K("risk_control", "volume_multiplier", KT_DBL, volume_multiplier, "3.0", NULL, NULL,
      KF_ORIG, NULL),
    K("risk_control", "average_window", KT_INT, average_window, "20", "1", "10000", KF_ORIG,
      NULL),
    K("risk_control", "recovery_threshold", KT_INT, recovery_threshold, "3", NULL, NULL,
      KF_ORIG | KF_CODE, NULL),

    K("timing", "websocket_reconnect_delay", KT_INT, websocket_reconnect_delay, "5", "1",
      "3600", KF_ORIG, NULL),
    K("timing", "websocket_write_wait", KT_INT, websocket_write_wait, "10", "1", "3600",
      KF_ORIG, NULL),
    K("timing", "websocket_pong_wait", KT_INT, websocket_pong_wait, "60", "1", "3600", KF_ORIG,
      NULL),
    K("timing", "websocket_ping_interval", KT_INT, websocket_ping_interval, "20", "1", "3600",
      KF_ORIG, NULL),
    K("timing", "listen_key_keepalive_interval", KT_INT, listen_key_keepalive_interval, "30",
      "1", "1440", KF_ORIG | KF_CODE, NULL),
    K("timing", "price_send_interval", KT_INT, price_send_interval, "50", "1", "60000", KF_ORIG,
      "not used: prices are handled on every tick"),
    K("timing", "rate_limit_retry_delay", KT_INT, rate_limit_retry_delay, "1", "1", "3600",
      KF_ORIG, NULL),
    K("timing", "order_retry_delay", KT_INT, order_retry_delay, "500", "1", "600000", KF_ORIG,
      NULL),
    K("timing", "price_poll_interval", KT_INT, price_poll_interval, "500", "1", "600000",
      KF_ORIG, NULL),
    K("timing", "status_print_interval", KT_INT, status_print_interval, "1", "1", "10080",
      KF_ORIG, NULL),
    K("timing", "status_print_seconds", KT_INT, status_print_seconds, "0", "0", "604800", 0,
      NULL),
    K("timing", "order_cleanup_interval", KT_INT, order_cleanup_interval, "60", "1", "86400",
      KF_ORIG, NULL),
};
#undef K

#define SQT_N_KEYS (sizeof(sqt_keys) / sizeof(sqt_keys[0]))

/* The sections in file order; "exchanges" holds free-form blocks, not table keys. */
static const char *const sqt_sections[] = {"app",    "exchanges",    "trading", "system",
                                           "metrics", "safety", "risk_control", "timing"};
#define SQT_N_SECTIONS (sizeof(sqt_sections) / sizeof(sqt_sections[0]))

static const sqt_keydef *sqt_key_find(const char *section, const char *name)
{
    size_t i;
    for (i = 0; i < SQT_N_KEYS; i++)
        if (strcmp(sqt_keys[i].section, section) == 0 && strcmp(sqt_keys[i].name, name) == 0)
            return &sqt_keys[i];
    return NULL;
}

/* The name of `names` closest to `word` when close enough to be a typo, else NULL. */
static const char *sqt_closest(const char *word, const char *const *names, size_t n_names)
{
    return sqt_suggest(word, names, n_names, 0);
}

static void sqt_cfg_warn_unknown(sqt_cfg_ctx *c, const char *prefix, const char *key, int line)
{
    const char *names[SQT_N_KEYS + SQT_N_SECTIONS];
    const char *best;
    size_t n = 0, i;
    char shown[SQT_CFG_SHOW_MAX + 8];
    sqt_cfg_show(key, strlen(key), shown, sizeof(shown));
    if (prefix[0] == '\0') {
        for (i = 0; i < SQT_N_SECTIONS; i++)
            names[n++] = sqt_sections[i];
    } else {
        for (i = 0; i < SQT_N_KEYS; i++) {
            /* a real key in the wrong section is the likelier mistake than a typo */
            if (strcmp(sqt_keys[i].name, key) == 0 && strcmp(sqt_keys[i].section, prefix) != 0) {
                SQT_WARN(c->log, "%s:%d: %s.%s: unknown key here, ignored (it belongs in "
                         "the %s section)", c->path, line, prefix, shown, sqt_keys[i].section);
                return;
            }
            if (strcmp(sqt_keys[i].section, prefix) == 0)
                names[n++] = sqt_keys[i].name;
        }
    }
    best = sqt_closest(key, names, n);
    if (best != NULL)
        SQT_WARN(c->log, "%s:%d: %s%s%s: unknown key, ignored (did you mean %s?)", c->path,
                 line, prefix, prefix[0] ? "." : "", shown, best);
    else
        SQT_WARN(c->log, "%s:%d: %s%s%s: unknown key, ignored", c->path, line, prefix,
                 prefix[0] ? "." : "", shown);
}

/* ------------------------------------------------------------------------------------
 * Parsing the document into cfg
 * ---------------------------------------------------------------------------------- */

/* A scalar that is a value (not a mapping/list), text without NUL bytes. */
static int sqt_cfg_want_scalar(sqt_cfg_ctx *c, const char *full, yaml_node_t *v)
{
    if (v->type != YAML_SCALAR_NODE)
        return sqt_cfg_fail(c, sqt_node_line(v), full, "expected a single value, got %s",
                            sqt_node_kind(v));
    if (strlen(sqt_node_str(v)) != v->data.scalar.length)
        return sqt_cfg_fail(c, sqt_node_line(v), full, "value contains a NUL byte");
    return 0;
}

static int sqt_cfg_set_str(char **dst, const char *s)
{
    char *copy = strdup(s);
    if (copy == NULL)
        return -1;
    free(*dst);
    *dst = copy;
    return 0;
}

/* Index of `s` in the '|'-separated `choices`, or -1. */
static int sqt_enum_index(const char *choices, const char *s)
{
    size_t n = strlen(s);
    int i = 0;
    while (choices != NULL && *choices != '\0') {
        const char *bar = strchr(choices, '|');
        size_t len = bar ? (size_t)(bar - choices) : strlen(choices);
        if (len == n && strncasecmp(choices, s, n) == 0)
            return i;
        if (bar == NULL)
            break;
        choices = bar + 1;
        i++;
    }
    return -1;
}

/* One scalar value (from the file, or a default's text) into the key's member. */
static int sqt_cfg_set_text(sqt_cfg_ctx *c, const sqt_keydef *kd, const char *full, int line,
                            const char *s, size_t len)
{
    char *base = (char *)c->cfg;
    char shown[SQT_CFG_SHOW_MAX + 8];
    int rc;

    sqt_cfg_show(s, len, shown, sizeof(shown));
    switch (kd->type) {
    case KT_STR:
        if (sqt_cfg_set_str((char **)(void *)(base + kd->off), s) != 0)
            return sqt_cfg_fail(c, line, full, "out of memory");
        return 0;
    case KT_INT:
        if (sqt_parse_int(s, (int *)(void *)(base + kd->off)) != 0)
            return sqt_cfg_fail(c, line, full, "expected a whole number (got %s)", shown);
        return 0;
    case KT_BOOL:
        if (sqt_parse_bool(s, (int *)(void *)(base + kd->off)) != 0)
            return sqt_cfg_fail(c, line, full, "expected true or false (got %s)", shown);
        return 0;
    case KT_DEC:
        rc = sqt_parse_dec(s, (sqt_dec *)(void *)(base + kd->off));
        if (rc == SQT_ERANGE)
            return sqt_cfg_fail(c, line, full,
                                "cannot be held exactly (at most 18 decimals) (got %s)", shown);
        if (rc != SQT_OK)
            return sqt_cfg_fail(c, line, full, "expected a decimal number (got %s)", shown);
        return 0;
    case KT_DBL:
        if (sqt_parse_double(s, (double *)(void *)(base + kd->off)) != 0)
            return sqt_cfg_fail(c, line, full, "expected a number (got %s)", shown);
        return 0;
    case KT_LEVEL:
        rc = sqt_log_level_parse(s);
        if (rc < 0) {
            SQT_WARN(c->log, "%s:%d: %s: unknown level, using INFO (got %s; use DEBUG, INFO, "
                     "WARN, ERROR or FATAL)", c->path, line, full, shown);
            rc = SQT_LV_INFO;
        }
        *(int *)(void *)(base + kd->off) = rc;
        return 0;
    case KT_ENUM:
        rc = sqt_enum_index(kd->min, s);
        if (rc < 0)
            return sqt_cfg_fail(c, line, full, "expected one of %s (got %s)", kd->min, shown);
        *(int *)(void *)(base + kd->off) = rc;
        return 0;
    case KT_LIST:
        break;
    }
    return 0;
}

static int sqt_cfg_store(sqt_cfg_ctx *c, const sqt_keydef *kd, const char *full, yaml_node_t *v)
{
    char *base = (char *)c->cfg;
    int line = sqt_node_line(v);

    if (sqt_node_is_null(v))
        return 0; /* absent: the type's zero value, then defaults */
    if (kd->type == KT_LIST) {
        yaml_node_item_t *it;
        char ***list = (char ***)(void *)(base + kd->off);
        size_t *count = &c->cfg->n_monitor_symbols, n = 0;
        if (v->type != YAML_SEQUENCE_NODE)
            return sqt_cfg_fail(c, line, full, "expected a list of symbols, got %s",
                                sqt_node_kind(v));
        n = (size_t)(v->data.sequence.items.top - v->data.sequence.items.start);
        *list = calloc(n ? n : 1, sizeof(char *));
        if (*list == NULL)
            return sqt_cfg_fail(c, line, full, "out of memory");
        for (it = v->data.sequence.items.start; it < v->data.sequence.items.top; it++) {
            yaml_node_t *e = yaml_document_get_node(c->doc, *it);
            if (e == NULL || sqt_cfg_want_scalar(c, full, e) != 0)
                return -1;
            if (e->data.scalar.length == 0 || sqt_node_is_null(e))
                return sqt_cfg_fail(c, sqt_node_line(e), full, "empty symbol in the list");
            (*list)[*count] = strdup(sqt_node_str(e));
            if ((*list)[*count] == NULL)
                return sqt_cfg_fail(c, line, full, "out of memory");
            (*count)++;
        }
        return 0;
    }
    if (sqt_cfg_want_scalar(c, full, v) != 0)
        return -1;
    return sqt_cfg_set_text(c, kd, full, line, sqt_node_str(v), v->data.scalar.length);
}

static int sqt_cfg_section_pair(sqt_cfg_ctx *c, const char *prefix, const char *key, int kline,
                                yaml_node_t *val, void *ud)
{
    const sqt_keydef *kd = sqt_key_find(prefix, key);
    char full[160];
    (void)ud;
    snprintf(full, sizeof(full), "%s.%s", prefix, key);
    if (kd == NULL) {
        sqt_cfg_warn_unknown(c, prefix, key, kline);
        return 0;
    }
    if (sqt_cfg_lines_add(c->cfg, full, kline, !sqt_node_is_null(val)) != 0)
        return sqt_cfg_fail(c, kline, full, "out of memory");
    return sqt_cfg_store(c, kd, full, val);
}

static int sqt_is_secret_key(const char *k)
{
    return strcmp(k, "api_key") == 0 || strcmp(k, "secret_key") == 0 ||
           strcmp(k, "passphrase") == 0;
}

static int sqt_cfg_exchange_pair(sqt_cfg_ctx *c, const char *prefix, const char *key, int kline,
                                 yaml_node_t *val, void *ud)
{
    sqt_exchange_cfg *ex = ud;
    char full[160];
    const char *s;
    if (snprintf(full, sizeof(full), "%s.%s", prefix, key) >= (int)sizeof(full))
        return sqt_cfg_fail(c, kline, prefix, "key name too long");
    if (sqt_cfg_lines_add(c->cfg, full, kline, !sqt_node_is_null(val)) != 0)
        return sqt_cfg_fail(c, kline, full, "out of memory");
    if (sqt_cfg_want_scalar(c, full, val) != 0)
        return -1;
    s = sqt_node_is_null(val) ? "" : sqt_node_str(val);
    if (sqt_is_secret_key(key)) {
        char **dst = strcmp(key, "api_key") == 0      ? &ex->api_key
                     : strcmp(key, "secret_key") == 0 ? &ex->secret_key
                                                      : &ex->passphrase;
        if (s[0] != '\0')
            c->file_has_secret = 1;
        if (sqt_cfg_set_str(dst, s) != 0)
            return sqt_cfg_fail(c, kline, full, "out of memory");
        return 0;
    }
    if (strcmp(key, "fee_rate") == 0) {
        char shown[SQT_CFG_SHOW_MAX + 8];
        int rc;
        if (sqt_node_is_null(val))
            return 0;
        rc = sqt_parse_dec(s, &ex->fee_rate);
        sqt_cfg_show(s, val->data.scalar.length, shown, sizeof(shown));
        if (rc == SQT_ERANGE)
            return sqt_cfg_fail(c, kline, full,
                                "cannot be held exactly (at most 18 decimals) (got %s)", shown);
        if (rc != SQT_OK)
            return sqt_cfg_fail(c, kline, full, "expected a decimal number (got %s)", shown);
        return 0;
    }
    {
        sqt_cfg_kv *kv = realloc(ex->extra, (ex->n_extra + 1) * sizeof(*kv));
        if (kv == NULL)
            return sqt_cfg_fail(c, kline, full, "out of memory");
        ex->extra = kv;
        kv = &ex->extra[ex->n_extra];
        kv->key = strdup(key);
        kv->value = strdup(s);
        kv->line = kline;
        if (kv->key == NULL || kv->value == NULL) {
            free(kv->key);
            free(kv->value);
            return sqt_cfg_fail(c, kline, full, "out of memory");
        }
        ex->n_extra++;
    }
    return 0;
}

static int sqt_cfg_exchanges_pair(sqt_cfg_ctx *c, const char *prefix, const char *key,
                                  int kline, yaml_node_t *val, void *ud)
{
    sqt_config *cfg = c->cfg;
    sqt_exchange_cfg *ex;
    char full[160];
    (void)ud;
    snprintf(full, sizeof(full), "%s.%s", prefix, key);
    if (key[0] == '\0')
        return sqt_cfg_fail(c, kline, prefix, "an exchange block needs a name");
    if (sqt_cfg_lines_add(cfg, full, kline, 1) != 0)
        return sqt_cfg_fail(c, kline, full, "out of memory");
    if (!sqt_node_is_null(val) && val->type != YAML_MAPPING_NODE)
        return sqt_cfg_fail(c, sqt_node_line(val), full,
                            "expected a mapping of keys (api_key, secret_key, ...), got %s",
                            sqt_node_kind(val));
    ex = &cfg->exchanges[cfg->n_exchanges++];
    memset(ex, 0, sizeof(*ex));
    ex->name = strdup(key);
    ex->line = kline;
    ex->fee_rate = sqt_dec_make(0, 0);
    if (ex->name == NULL)
        return sqt_cfg_fail(c, kline, full, "out of memory");
    if (val->type == YAML_MAPPING_NODE)
        return sqt_cfg_each_pair(c, full, val, sqt_cfg_exchange_pair, ex);
    return 0;
}

static int sqt_cfg_top_pair(sqt_cfg_ctx *c, const char *prefix, const char *key, int kline,
                            yaml_node_t *val, void *ud)
{
    size_t i;
    (void)prefix;
    (void)ud;
    for (i = 0; i < SQT_N_SECTIONS && strcmp(sqt_sections[i], key) != 0; i++)
        ;
    if (i == SQT_N_SECTIONS) {
        sqt_cfg_warn_unknown(c, "", key, kline);
        return 0;
    }
    if (sqt_cfg_lines_add(c->cfg, key, kline, !sqt_node_is_null(val)) != 0)
        return sqt_cfg_fail(c, kline, key, "out of memory");
    if (sqt_node_is_null(val))
        return 0;
    if (val->type != YAML_MAPPING_NODE)
        return sqt_cfg_fail(c, sqt_node_line(val), key, "expected a mapping of keys, got %s",
                            sqt_node_kind(val));
    if (strcmp(key, "exchanges") == 0) {
        size_t pairs = (size_t)(val->data.mapping.pairs.top - val->data.mapping.pairs.start);
        c->cfg->exchanges = calloc(pairs ? pairs : 1, sizeof(sqt_exchange_cfg));
        if (c->cfg->exchanges == NULL)
            return sqt_cfg_fail(c, kline, key, "out of memory");
        return sqt_cfg_each_pair(c, key, val, sqt_cfg_exchanges_pair, NULL);
    }
    return sqt_cfg_each_pair(c, key, val, sqt_cfg_section_pair, NULL);
}

/* ------------------------------------------------------------------------------------
 * Secrets
 * ---------------------------------------------------------------------------------- */

static int sqt_exchange_name_ok(const char *s)
{
    size_t i;
    if (s == NULL || !(s[0] >= 'a' && s[0] <= 'z'))
        return 0;
    for (i = 1; s[i]; i++) {
        if (i >= SQT_CFG_NAME_MAX)
            return 0;
        if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_'))
            return 0;
    }
    return 1;
}

static void sqt_env_name(char *buf, size_t cap, const char *exchange, const char *what)
{
    size_t i, n;
    n = (size_t)snprintf(buf, cap, "OPENSQT_%s_%s", exchange, what);
    for (i = 0; i < n && i < cap; i++)
        buf[i] = (char)toupper((unsigned char)buf[i]);
}

static void sqt_register_block_secrets(sqt_log *log, yaml_document_t *doc, yaml_node_t *block)
{
    static const char *const keys[] = {"api_key", "secret_key", "passphrase"};
    size_t i;
    for (i = 0; i < 3; i++) {
        yaml_node_t *v = sqt_map_get(doc, block, keys[i]);
        if (v != NULL && v->type == YAML_SCALAR_NODE && v->data.scalar.length > 0)
            sqt_log_add_secret(log, sqt_node_str(v));
    }
}

/* Before anything is read or reported, hand every secret to the log: the environment's
 * for the current exchange first, then the file's (current block first), so the
 * bounded secret table holds the ones that matter. */
static void sqt_cfg_register_secrets(sqt_cfg_ctx *c, yaml_node_t *root)
{
    static const char *const what[] = {"API_KEY", "SECRET_KEY", "PASSPHRASE"};
    yaml_node_t *app = sqt_map_get(c->doc, root, "app");
    yaml_node_t *cur = sqt_map_get(c->doc, app, "current_exchange");
    yaml_node_t *exs = sqt_map_get(c->doc, root, "exchanges");
    yaml_node_t *curblock = NULL;
    yaml_node_pair_t *p;
    size_t i;
    if (cur != NULL && cur->type == YAML_SCALAR_NODE && sqt_exchange_name_ok(sqt_node_str(cur))) {
        for (i = 0; i < 3; i++) {
            char name[96];
            const char *v;
            sqt_env_name(name, sizeof(name), sqt_node_str(cur), what[i]);
            v = getenv(name);
            if (v != NULL && v[0] != '\0')
                sqt_log_add_secret(c->log, v);
        }
        curblock = sqt_map_get(c->doc, exs, sqt_node_str(cur));
        if (curblock != NULL && curblock->type == YAML_MAPPING_NODE)
            sqt_register_block_secrets(c->log, c->doc, curblock);
    }
    if (exs == NULL || exs->type != YAML_MAPPING_NODE)
        return;
    for (p = exs->data.mapping.pairs.start; p < exs->data.mapping.pairs.top; p++) {
        yaml_node_t *b = yaml_document_get_node(c->doc, p->value);
        if (b != NULL && b != curblock && b->type == YAML_MAPPING_NODE)
            sqt_register_block_secrets(c->log, c->doc, b);
    }
}

/* ------------------------------------------------------------------------------------
 * Validation (behaviour.md §1.3 order, then the §11 fixes and our keys)
 * ---------------------------------------------------------------------------------- */

/* Notes "key=value" of the defaults applied, one INFO line per section at the end. */
typedef struct sqt_dflt {
    char buf[SQT_N_SECTIONS][1024];
    size_t n[SQT_N_SECTIONS];
} sqt_dflt;

static void sqt_dflt_add(sqt_dflt *d, const char *section, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void sqt_dflt_add(sqt_dflt *d, const char *section, const char *fmt, ...)
{
    va_list ap;
    size_t s, *n;
    char *buf;
    int w;
    for (s = 0; s < SQT_N_SECTIONS && strcmp(sqt_sections[s], section) != 0; s++)
        ;
    if (s == SQT_N_SECTIONS)
        return;
    buf = d->buf[s];
    n = &d->n[s];
    if (*n + 2 >= sizeof(d->buf[s]))
        return;
    if (*n > 0)
        buf[(*n)++] = ' ';
    va_start(ap, fmt);
    w = vsnprintf(buf + *n, sizeof(d->buf[s]) - *n, fmt, ap);
    va_end(ap);
    if (w > 0)
        *n += (size_t)w < sizeof(d->buf[s]) - *n ? (size_t)w : sizeof(d->buf[s]) - *n - 1;
}

static void sqt_dflt_flush(sqt_cfg_ctx *c, const sqt_dflt *d)
{
    size_t s;
    for (s = 0; s < SQT_N_SECTIONS; s++)
        if (d->n[s] > 0)
            SQT_INFO(c->log, "config: %s: defaults applied: %s", sqt_sections[s], d->buf[s]);
}

/* Whether the key counts as not given: absent, or (KF_ORIG) a value <= 0; an empty
 * string is always the same as leaving the key out. */
static int sqt_key_unset(const sqt_config *cfg, const sqt_keydef *kd, const char *full)
{
    const char *base = (const char *)cfg;
    const void *m = base + kd->off;
    if (kd->type == KT_STR) {
        const char *v = *(char *const *)m;
        return v == NULL || v[0] == '\0';
    }
    if (!sqt_cfg_present(cfg, full))
        return 1;
    if (!(kd->flags & KF_ORIG))
        return 0;
    switch (kd->type) {
    case KT_INT: return *(const int *)m <= 0;
    case KT_DEC: return sqt_dec_sign(*(const sqt_dec *)m) <= 0;
    case KT_DBL: return !(*(const double *)m > 0);
    default: return 0;
    }
}

/* The table's inclusive range, for a key that was given. */
static int sqt_key_range(sqt_cfg_ctx *c, const sqt_keydef *kd, const char *full)
{
    const char *m = (const char *)c->cfg + kd->off;
    int bad = 0, ok = 1, lo = 0, hi = 0;
    sqt_dec dl, dh;
    char a[48];
    if (kd->type == KT_INT) {
        int v = *(const int *)m;
        bad = (kd->min != NULL && sqt_parse_int(kd->min, &lo) == 0 && v < lo) ||
              (kd->max != NULL && sqt_parse_int(kd->max, &hi) == 0 && v > hi);
        snprintf(a, sizeof(a), "%d", v);
    } else if (kd->type == KT_DEC) {
        sqt_dec v = *(const sqt_dec *)m;
        bad = (kd->min != NULL && sqt_parse_dec(kd->min, &dl) == SQT_OK &&
               (sqt_dec_cmp(v, dl, &ok) < 0 || !ok)) ||
              (kd->max != NULL && sqt_parse_dec(kd->max, &dh) == SQT_OK &&
               (sqt_dec_cmp(v, dh, &ok) > 0 || !ok));
        sqt_dec_str(v, a, sizeof(a));
    } else {
        return 0;
    }
    if (!bad)
        return 0;
    if (kd->min != NULL && kd->max != NULL)
        return sqt_cfg_fail(c, sqt_cfg_line_of(c->cfg, full), full,
                            "must be between %s and %s (got %s)", kd->min, kd->max, a);
    return sqt_cfg_fail(c, sqt_cfg_line_of(c->cfg, full), full, "must be %s %s (got %s)",
                        kd->min ? "at least" : "at most", kd->min ? kd->min : kd->max, a);
}

/* Every key of the table that is not required: its default when unset (noted), else
 * its range. Required keys and rules across keys are sqt_cfg_validate()'s. */
static int sqt_cfg_apply_table(sqt_cfg_ctx *c, sqt_dflt *d)
{
    size_t i;
    for (i = 0; i < SQT_N_KEYS; i++) {
        const sqt_keydef *kd = &sqt_keys[i];
        char full[160];
        if ((kd->flags & KF_REQ) || kd->type == KT_LIST)
            continue;
        snprintf(full, sizeof(full), "%s.%s", kd->section, kd->name);
        if (!sqt_key_unset(c->cfg, kd, full)) {
            if (sqt_key_range(c, kd, full) != 0)
                return -1;
            continue;
        }
        if (kd->type == KT_STR) {
            char **v = (char **)(void *)((char *)c->cfg + kd->off);
            free(*v);
            *v = NULL;
        }
        if (kd->def == NULL)
            continue;
        if (sqt_cfg_set_text(c, kd, full, sqt_cfg_line_of(c->cfg, full), kd->def,
                             strlen(kd->def)) != 0)
            return -1;
        sqt_dflt_add(d, kd->section, "%s=%s", kd->name, kd->def);
    }
    return 0;
}

static int sqt_symbol_ok(const char *s)
{
    size_t i;
    for (i = 0; s[i]; i++) {
        if (i + 1 >= SQT_SYMBOL_MAX)
            return 0;
        if (!isalnum((unsigned char)s[i]) && strchr("_-.:/", s[i]) == NULL)
            return 0;
    }
    return i > 0;
}

/* system.state_dir when the key is not given: systemd's StateDirectory=, else the XDG
 * base directory rule. */
static int sqt_cfg_state_dir(sqt_cfg_ctx *c, sqt_dflt *d)
{
    sqt_config *cfg = c->cfg;
    const char *sd = getenv("STATE_DIRECTORY"), *xdg = getenv("XDG_STATE_HOME");
    const char *home = getenv("HOME");
    char buf[4096];
    if (cfg->state_dir != NULL) {
        cfg->state_dir_from = "system.state_dir";
        return 0;
    }
    if (sd != NULL && sd[0] == '/') {
        /* systemd lists one directory per StateDirectory= entry, ':'-separated */
        snprintf(buf, sizeof(buf), "%.*s", (int)strcspn(sd, ":"), sd);
        cfg->state_dir_from = "$STATE_DIRECTORY (systemd)";
    } else if (xdg != NULL && xdg[0] == '/') {
        snprintf(buf, sizeof(buf), "%s/opensqt", xdg);
        cfg->state_dir_from = "$XDG_STATE_HOME/opensqt";
    } else if (home != NULL && home[0] == '/') {
        snprintf(buf, sizeof(buf), "%s/.local/state/opensqt", home);
        cfg->state_dir_from = "$HOME/.local/state/opensqt";
    } else {
        cfg->state_dir_from = "none: no $STATE_DIRECTORY, $XDG_STATE_HOME or $HOME";
        return 0;
    }
    if (sqt_cfg_set_str(&cfg->state_dir, buf) != 0)
        return sqt_cfg_fail(c, 1, "system.state_dir", "out of memory");
    sqt_dflt_add(d, "system", "state_dir=%s", buf);
    return 0;
}

/* metrics.listen: "host:port" with a numeric address ("[::1]:9464" for IPv6) or
 * localhost; a non-loopback address only with metrics.allow_non_loopback. */
static int sqt_cfg_metrics(sqt_cfg_ctx *c)
{
    sqt_config *cfg = c->cfg;
    const char *k = "metrics.listen", *v = cfg->metrics_listen, *colon, *h, *he;
    char shown[SQT_CFG_SHOW_MAX + 8], host[64];
    unsigned char addr[16];
    int port, loopback;
    if (v == NULL)
        return 0;
    sqt_cfg_show(v, strlen(v), shown, sizeof(shown));
    colon = strrchr(v, ':');
    if (v[0] == '[') {
        h = v + 1;
        he = strchr(v, ']');
        if (he == NULL || he[1] != ':')
            colon = NULL;
    } else {
        h = v;
        he = colon;
    }
    if (colon == NULL || he == NULL || he <= h || (size_t)(he - h) >= sizeof(host) ||
        sqt_parse_int(colon + 1, &port) != 0 || port < 0 || port > 65535)
        return sqt_cfg_fail(c, sqt_cfg_line_of(cfg, k), k,
                            "expected host:port such as 127.0.0.1:9464 or [::1]:9464 (got %s)",
                            shown);
    memcpy(host, h, (size_t)(he - h));
    host[he - h] = '\0';
    if (strcmp(host, "localhost") == 0)
        snprintf(host, sizeof(host), "127.0.0.1");
    if (inet_pton(AF_INET, host, addr) == 1)
        loopback = addr[0] == 127;
    else if (v[0] == '[' && inet_pton(AF_INET6, host, addr) == 1)
        loopback = memcmp(addr, "\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\1", 16) == 0;
    else
        return sqt_cfg_fail(c, sqt_cfg_line_of(cfg, k), k,
                            "the host must be a numeric address or localhost (got %s)", shown);
    if (!loopback && !cfg->metrics_allow_non_loopback)
        return sqt_cfg_fail(c, sqt_cfg_line_of(cfg, k), k,
                            "%s is not a loopback address: anyone who reaches it reads the "
                            "bot's position; set metrics.allow_non_loopback: true to allow it",
                            shown);
    snprintf(cfg->metrics_host, sizeof(cfg->metrics_host), "%s", host);
    cfg->metrics_port = port;
    return 0;
}

/* A fee rate is a fraction per fill: 0.0002 is 0.02 %. 1 % and more is a unit mistake. */
#define SQT_FEE_RATE_MAX "0.01"

static int sqt_cfg_validate(sqt_cfg_ctx *c)
{
    static const char *const env_what[] = {"API_KEY", "SECRET_KEY", "PASSPHRASE"};
    sqt_config *cfg = c->cfg;
    sqt_exchange_cfg *ex = NULL;
    char shown[SQT_CFG_SHOW_MAX + 8], a[48], b[48];
    const char *k;
    sqt_dflt d;
    size_t i;
    int ok;

    memset(&d, 0, sizeof(d));

    /* 1. app.current_exchange */
    k = "app.current_exchange";
    if (cfg->current_exchange == NULL || cfg->current_exchange[0] == '\0')
        return sqt_cfg_fail(c, sqt_cfg_line_of(cfg, k), k,
                            "required: the exchange plugin to use, e.g. binance or paper");
    if (!sqt_exchange_name_ok(cfg->current_exchange))
        return sqt_cfg_fail(c, sqt_cfg_line_of(cfg, k), k,
                            "must be a plugin name matching [a-z][a-z0-9_]{0,31} (got %s)",
                            sqt_cfg_show(cfg->current_exchange, strlen(cfg->current_exchange),
                                         shown, sizeof(shown)));
    /* 2. exchanges */
    if (cfg->n_exchanges == 0)
        return sqt_cfg_fail(c, sqt_cfg_line_of(cfg, "exchanges"), "exchanges",
                            "required: a block for exchange '%s'", cfg->current_exchange);
    /* 3. the current block */
    for (i = 0; i < cfg->n_exchanges; i++)
        if (strcmp(cfg->exchanges[i].name, cfg->current_exchange) == 0)
            ex = &cfg->exchanges[i];
    if (ex == NULL) {
        const char *names[64], *best;
        size_t n = 0;
        for (i = 0; i < cfg->n_exchanges && n < 64; i++)
            names[n++] = cfg->exchanges[i].name;
        best = sqt_closest(cfg->current_exchange, names, n);
        k = "app.current_exchange";
        if (best != NULL)
            return sqt_cfg_fail(c, sqt_cfg_line_of(cfg, k), k,
                                "no exchanges block named '%s' (did you mean %s?)",
                                cfg->current_exchange, best);
        return sqt_cfg_fail(c, sqt_cfg_line_of(cfg, "exchanges"), "exchanges",
                            "no block for app.current_exchange '%s'", cfg->current_exchange);
    }
    /* Environment overrides; 4. (credentials) waits for the plugin's flags. */
    for (i = 0; i < 3; i++) {
        char name[96];
        const char *v;
        char **dst = i == 0 ? &ex->api_key : i == 1 ? &ex->secret_key : &ex->passphrase;
        sqt_env_name(name, sizeof(name), ex->name, env_what[i]);
        v = getenv(name);
        if (v == NULL || v[0] == '\0')
            continue;
        sqt_log_add_secret(c->log, v);
        if (sqt_cfg_set_str(dst, v) != 0)
            return sqt_cfg_fail(c, ex->line, name, "out of memory");
        SQT_INFO(c->log, "config: exchanges.%s.%s: using the value of %s", ex->name,
                 i == 0 ? "api_key" : i == 1 ? "secret_key" : "passphrase", name);
    }
    /* 5. fee_rate: >= 0 (§1.3), and a fraction, not a percentage */
    {
        char key[96];
        sqt_dec max;
        snprintf(key, sizeof(key), "exchanges.%s.fee_rate", ex->name);
        if (sqt_dec_sign(ex->fee_rate) < 0)
            return sqt_cfg_fail(c, sqt_cfg_line_of(cfg, key), key, "must be >= 0 (got %s)",
                                sqt_dec_str(ex->fee_rate, a, sizeof(a)));
        ok = 1;
        if (sqt_parse_dec(SQT_FEE_RATE_MAX, &max) == SQT_OK &&
            (sqt_dec_cmp(ex->fee_rate, max, &ok) >= 0 || !ok))
            return sqt_cfg_fail(c, sqt_cfg_line_of(cfg, key), key,
                                "must be below %s: a fraction per fill, 0.0002 is 0.02 %% "
                                "(got %s)",
                                SQT_FEE_RATE_MAX, sqt_dec_str(ex->fee_rate, a, sizeof(a)));
    }
    /* 6. symbol */
    k = "trading.symbol";
    if (cfg->symbol == NULL || cfg->symbol[0] == '\0')
        return sqt_cfg_fail(c, sqt_cfg_line_of(cfg, k), k, "required, e.g. ETHUSDT");
    if (!sqt_symbol_ok(cfg->symbol))
        return sqt_cfg_fail(c, sqt_cfg_line_of(cfg, k), k,
                            "must be 1-%d letters/digits in the exchange's spelling (got %s)",
                            SQT_SYMBOL_MAX - 1,
                            sqt_cfg_show(cfg->symbol, strlen(cfg->symbol), shown, sizeof(shown)));
    /* §11 #3: the grid step must be positive (the tick multiple is checked later). */
    k = "trading.price_interval";
    if (!sqt_cfg_present(cfg, k))
        return sqt_cfg_fail(c, sqt_cfg_line_of(cfg, k), k,
                            "required: the grid step in quote currency, e.g. 2");
    if (sqt_dec_sign(cfg->price_interval) <= 0)
        return sqt_cfg_fail(c, sqt_cfg_line_of(cfg, k), k, "must be > 0 (got %s)",
                            sqt_dec_str(cfg->price_interval, a, sizeof(a)));
    /* 7. order_quantity */
    k = "trading.order_quantity";
    if (sqt_dec_sign(cfg->order_quantity) <= 0) {
        if (!sqt_cfg_present(cfg, k))
            return sqt_cfg_fail(c, sqt_cfg_line_of(cfg, k), k,
                                "required: quote amount per buy order, e.g. 30");
        return sqt_cfg_fail(c, sqt_cfg_line_of(cfg, k), k, "must be > 0 (got %s)",
                            sqt_dec_str(cfg->order_quantity, a, sizeof(a)));
    }
    /* 8. buy_window_size */
    k = "trading.buy_window_size";
    if (cfg->buy_window_size <= 0) {
        if (!sqt_cfg_present(cfg, k))
            return sqt_cfg_fail(c, sqt_cfg_line_of(cfg, k), k,
                                "required: number of buy levels, e.g. 10");
        return sqt_cfg_fail(c, sqt_cfg_line_of(cfg, k), k, "must be > 0 (got %d)",
                            cfg->buy_window_size);
    }
    if (cfg->buy_window_size > 10000)
        return sqt_cfg_fail(c, sqt_cfg_line_of(cfg, k), k, "must be at most 10000 (got %d)",
                            cfg->buy_window_size);

    /* 9. every other key: defaults and ranges from the table */
    if (sqt_cfg_apply_table(c, &d) != 0)
        return -1;

    /* then the rules across keys, which the original never checked */
    if (cfg->sell_window_size <= 0) {
        cfg->sell_window_size = cfg->buy_window_size;
        sqt_dflt_add(&d, "trading", "sell_window_size=%d", cfg->sell_window_size);
    }
    k = "trading.sell_quota_reserve";
    if (!sqt_cfg_present(cfg, k)) {
        cfg->sell_quota_reserve = cfg->order_cleanup_threshold / 4;
        sqt_dflt_add(&d, "trading", "sell_quota_reserve=%d", cfg->sell_quota_reserve);
    } else if (cfg->sell_quota_reserve < 0 ||
               cfg->sell_quota_reserve >= cfg->order_cleanup_threshold) {
        return sqt_cfg_fail(c, sqt_cfg_line_of(cfg, k), k,
                            "must be >= 0 and below trading.order_cleanup_threshold %d (got %d)",
                            cfg->order_cleanup_threshold, cfg->sell_quota_reserve);
    }
    /* §11 #2: sells below min_order_value are never placed; a buy smaller than it
     * would leave every position unsold. */
    if (sqt_dec_cmp(cfg->min_order_value, cfg->order_quantity, &ok) > 0 || !ok) {
        k = "trading.min_order_value";
        return sqt_cfg_fail(c, sqt_cfg_line_of(cfg, k), k,
                            "must not exceed trading.order_quantity %s, or bought positions "
                            "are never sold (got %s%s)",
                            sqt_dec_str(cfg->order_quantity, a, sizeof(a)),
                            sqt_dec_str(cfg->min_order_value, b, sizeof(b)),
                            sqt_cfg_present(cfg, k) ? "" : ", the default");
    }
    if (sqt_cfg_state_dir(c, &d) != 0 || sqt_cfg_metrics(c) != 0)
        return -1;
    if (cfg->listen_key_keepalive_interval >= 60) {
        /* The original ignored this key, so old files may hold any value; a listen key
         * expires after 60 minutes without a keep-alive. */
        k = "timing.listen_key_keepalive_interval";
        SQT_WARN(c->log, "%s:%d: %s: a listen key expires after 60 minutes; using 30 (got %d)",
                 c->path, sqt_cfg_line_of(cfg, k), k, cfg->listen_key_keepalive_interval);
        cfg->listen_key_keepalive_interval = 30;
    }
    if (sqt_cfg_present(cfg, "timing.price_send_interval"))
        SQT_INFO(c->log, "config: timing.price_send_interval: not used: prices are handled "
                         "on every tick");

    /* risk_control (§11 #1 and #4) */
    k = "risk_control.interval";
    {
        size_t n = strlen(cfg->risk_interval);
        int good = n < SQT_INTERVAL_MAX && isdigit((unsigned char)cfg->risk_interval[0]);
        for (i = 0; good && i < n; i++)
            good = isalnum((unsigned char)cfg->risk_interval[i]);
        if (!good)
            return sqt_cfg_fail(c, sqt_cfg_line_of(cfg, k), k,
                                "expected a kline period such as 1m, 5m or 1h (got %s)",
                                sqt_cfg_show(cfg->risk_interval, n, shown, sizeof(shown)));
    }
    if (cfg->n_monitor_symbols == 0) {
        static const char *const dflt[] = {"BTCUSDT", "ETHUSDT", "SOLUSDT", "XRPUSDT",
                                           "DOGEUSDT"};
        free(cfg->monitor_symbols);
        cfg->monitor_symbols = calloc(5, sizeof(char *));
        if (cfg->monitor_symbols == NULL)
            return sqt_cfg_fail(c, 1, "risk_control.monitor_symbols", "out of memory");
        for (i = 0; i < 5; i++) {
            cfg->monitor_symbols[i] = strdup(dflt[i]);
            if (cfg->monitor_symbols[i] == NULL)
                return sqt_cfg_fail(c, 1, "risk_control.monitor_symbols", "out of memory");
            cfg->n_monitor_symbols++;
        }
        sqt_dflt_add(&d, "risk_control",
                     "monitor_symbols=[BTCUSDT,ETHUSDT,SOLUSDT,XRPUSDT,DOGEUSDT]");
    }
    for (i = 0; i < cfg->n_monitor_symbols; i++) {
        k = "risk_control.monitor_symbols";
        if (!sqt_symbol_ok(cfg->monitor_symbols[i]))
            return sqt_cfg_fail(c, sqt_cfg_line_of(cfg, k), k, "not a symbol (got %s)",
                                sqt_cfg_show(cfg->monitor_symbols[i],
                                             strlen(cfg->monitor_symbols[i]), shown,
                                             sizeof(shown)));
    }
    if ((size_t)cfg->recovery_threshold > cfg->n_monitor_symbols) {
        /* the monitor could never recover with fewer symbols than the threshold */
        cfg->recovery_threshold = (int)cfg->n_monitor_symbols;
        sqt_dflt_add(&d, "risk_control",
                     "recovery_threshold=%d(clamped to the number of monitor_symbols)",
                     cfg->recovery_threshold);
    }
    sqt_dflt_flush(c, &d);

    /* app.instance tags client order ids: keep it short and id-safe. */
    k = "app.instance";
    if (cfg->instance != NULL) {
        size_t n = strlen(cfg->instance);
        int good = n >= 1 && n <= 8;
        for (i = 0; good && i < n; i++)
            good = isalnum((unsigned char)cfg->instance[i]);
        if (!good)
            return sqt_cfg_fail(c, sqt_cfg_line_of(cfg, k), k,
                                "must be 1-8 letters or digits (got %s)",
                                sqt_cfg_show(cfg->instance, n, shown, sizeof(shown)));
    }
    return 0;
}

/* ------------------------------------------------------------------------------------
 * Loading
 * ---------------------------------------------------------------------------------- */

/* How long a pipe (`-c <(sops -d x.yaml)`) may stay silent before the read gives up. */
#define SQT_CFG_PIPE_TIMEOUT_MS 30000

/* The whole file, or a pipe read to its end. Opened non-blocking so a FIFO without a
 * writer cannot hang the open; a pipe is then read with a bounded wait. */
static int sqt_cfg_read_file(sqt_cfg_ctx *c, unsigned char **out, size_t *len, mode_t *mode)
{
    struct stat st;
    unsigned char *buf = NULL;
    size_t got = 0, cap = 0;
    int fd = open(c->path, O_RDONLY | O_CLOEXEC | O_NONBLOCK), is_pipe;
    if (fd < 0)
        return sqt_cfg_fail_at(c->cfg, c->err, c->errlen, 1, "file", "cannot open: %s",
                               strerror(errno));
    if (fstat(fd, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISFIFO(st.st_mode))) {
        close(fd);
        return sqt_cfg_fail_at(c->cfg, c->err, c->errlen, 1, "file",
                               "not a regular file (nor a pipe)");
    }
    is_pipe = S_ISFIFO(st.st_mode);
    if (!is_pipe && (uintmax_t)st.st_size > SQT_CFG_MAX_FILE) {
        close(fd);
        return sqt_cfg_fail_at(c->cfg, c->err, c->errlen, 1, "file",
                               "too large for a config file (%jd bytes)", (intmax_t)st.st_size);
    }
    for (;;) {
        ssize_t r;
        if (got == cap) {
            unsigned char *nb;
            cap = cap ? cap * 2 : (is_pipe ? 8192 : (size_t)st.st_size + 1);
            nb = realloc(buf, cap + 1);
            if (nb == NULL) {
                free(buf);
                close(fd);
                return sqt_cfg_fail_at(c->cfg, c->err, c->errlen, 1, "file", "out of memory");
            }
            buf = nb;
        }
        r = read(fd, buf + got, cap - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0 && errno == EAGAIN) {
            /* a writer is there but has sent nothing yet (no writer at all reads as
             * the end: an empty file) */
            struct pollfd pfd = {fd, POLLIN, 0};
            if (poll(&pfd, 1, SQT_CFG_PIPE_TIMEOUT_MS) == 0) {
                free(buf);
                close(fd);
                return sqt_cfg_fail_at(c->cfg, c->err, c->errlen, 1, "file",
                                       "a pipe that sent nothing for %d s",
                                       SQT_CFG_PIPE_TIMEOUT_MS / 1000);
            }
            continue;
        }
        if (r < 0) {
            int e = errno;
            free(buf);
            close(fd);
            return sqt_cfg_fail_at(c->cfg, c->err, c->errlen, 1, "file", "cannot read: %s",
                                   strerror(e));
        }
        if (r == 0)
            break;
        got += (size_t)r;
        if (got > SQT_CFG_MAX_FILE) {
            free(buf);
            close(fd);
            return sqt_cfg_fail_at(c->cfg, c->err, c->errlen, 1, "file",
                                   "too large for a config file (more than %u bytes)",
                                   SQT_CFG_MAX_FILE);
        }
    }
    close(fd);
    buf[got] = '\0';
    *out = buf;
    *len = got;
    /* a pipe has no permissions worth a warning about secrets in it */
    *mode = is_pipe ? (st.st_mode & ~(mode_t)077) : st.st_mode;
    return 0;
}

/* libyaml's message for a tab ("found character that cannot start any token") does not
 * say what the character is; YAML forbids tabs in indentation, so name it. */
static const char *sqt_cfg_tab_hint(const unsigned char *buf, size_t len, int line, char *out,
                                    size_t cap)
{
    size_t i = 0;
    int l = 1, col = 1;
    out[0] = '\0';
    while (i < len && l < line)
        l += buf[i++] == '\n';
    for (; i < len && buf[i] != '\n'; i++, col++)
        if (buf[i] == '\t') {
            snprintf(out, cap, "; column %d is a tab: YAML indents with spaces only", col);
            break;
        }
    return out;
}

static int sqt_cfg_yaml_error(sqt_cfg_ctx *c, yaml_parser_t *p, const unsigned char *buf,
                              size_t len)
{
    int line = (int)p->problem_mark.line + 1;
    char tab[96];
    if (p->error == YAML_READER_ERROR) {
        size_t i;
        line = 1;
        for (i = 0; i < p->problem_offset && i < len; i++)
            line += buf[i] == '\n';
        return sqt_cfg_fail(c, line, "yaml", "cannot read the text: %s",
                            p->problem ? p->problem : "invalid input");
    }
    if (p->error == YAML_MEMORY_ERROR)
        return sqt_cfg_fail(c, 1, "yaml", "out of memory");
    sqt_cfg_tab_hint(buf, len, line, tab, sizeof(tab));
    if (p->context != NULL)
        return sqt_cfg_fail(c, line, "yaml", "syntax error: %s (%s at line %d)%s",
                            p->problem ? p->problem : "invalid", p->context,
                            (int)p->context_mark.line + 1, tab);
    return sqt_cfg_fail(c, line, "yaml", "syntax error: %s%s", p->problem ? p->problem : "invalid",
                        tab);
}

int sqt_config_load(sqt_config *cfg, const char *path, sqt_log *log, char *err, size_t errlen)
{
    sqt_cfg_ctx c;
    yaml_parser_t parser;
    yaml_document_t doc, extra;
    yaml_node_t *root;
    unsigned char *buf = NULL;
    size_t len = 0;
    mode_t mode = 0;
    int rc = -1, have_doc = 0;

    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (cfg == NULL || path == NULL) {
        if (err != NULL && errlen > 0)
            snprintf(err, errlen, "config: no file given");
        return -1;
    }
    memset(cfg, 0, sizeof(*cfg));
    cfg->log_level = SQT_LV_INFO;
    cfg->path = strdup(path);
    cfg->lines = calloc(1, sizeof(*cfg->lines));
    memset(&c, 0, sizeof(c));
    c.cfg = cfg;
    c.log = log;
    c.path = path;
    c.doc = &doc;
    c.err = err;
    c.errlen = errlen;
    if (cfg->path == NULL || cfg->lines == NULL) {
        sqt_cfg_fail(&c, 1, "file", "out of memory");
        goto out;
    }
    if (sqt_cfg_read_file(&c, &buf, &len, &mode) != 0)
        goto out;

    if (!yaml_parser_initialize(&parser)) {
        sqt_cfg_fail(&c, 1, "yaml", "out of memory");
        goto out;
    }
    yaml_parser_set_input_string(&parser, buf, len);
    if (!yaml_parser_load(&parser, &doc)) {
        sqt_cfg_yaml_error(&c, &parser, buf, len);
        yaml_parser_delete(&parser);
        goto out;
    }
    have_doc = 1;
    /* A second document would be silently ignored by a reader that takes the first:
     * refuse it, and surface syntax errors further down the file. */
    if (!yaml_parser_load(&parser, &extra)) {
        sqt_cfg_yaml_error(&c, &parser, buf, len);
        yaml_parser_delete(&parser);
        goto out;
    }
    if (yaml_document_get_root_node(&extra) != NULL) {
        sqt_cfg_fail(&c, (int)extra.start_mark.line + 1, "yaml",
                     "more than one YAML document in the file");
        yaml_document_delete(&extra);
        yaml_parser_delete(&parser);
        goto out;
    }
    yaml_document_delete(&extra);
    yaml_parser_delete(&parser);

    root = yaml_document_get_root_node(&doc);
    if (root == NULL || sqt_node_is_null(root)) {
        sqt_cfg_fail(&c, 1, "file", "is empty");
        goto out;
    }
    if (root->type != YAML_MAPPING_NODE) {
        sqt_cfg_fail(&c, sqt_node_line(root), "file",
                     "expected a mapping of sections (app, exchanges, trading, ...), got %s",
                     sqt_node_kind(root));
        goto out;
    }
    sqt_cfg_register_secrets(&c, root);
    if (sqt_cfg_each_pair(&c, "", root, sqt_cfg_top_pair, NULL) != 0)
        goto out;
    if (c.file_has_secret && (mode & 077) != 0)
        SQT_WARN(log, "%s: holds API secrets but is readable by group/others (mode %03o); "
                      "run: chmod 600 %s", path, (unsigned)(mode & 0777), path);
    if (sqt_cfg_validate(&c) != 0)
        goto out;
    rc = 0;

out:
    if (have_doc)
        yaml_document_delete(&doc);
    free(buf);
    if (rc != 0) {
        sqt_log_redact(log, err, errlen);
        sqt_config_free(cfg);
    }
    return rc;
}

/* ------------------------------------------------------------------------------------
 * Queries and later checks
 * ---------------------------------------------------------------------------------- */

const sqt_exchange_cfg *sqt_config_exchange(const sqt_config *cfg)
{
    size_t i;
    if (cfg == NULL || cfg->current_exchange == NULL)
        return NULL;
    for (i = 0; i < cfg->n_exchanges; i++)
        if (strcmp(cfg->exchanges[i].name, cfg->current_exchange) == 0)
            return &cfg->exchanges[i];
    return NULL;
}

int sqt_config_check_credentials(const sqt_config *cfg, uint32_t plugin_flags, char *err,
                                 size_t errlen)
{
    static const char *const names[] = {"api_key", "secret_key", "passphrase"};
    static const char *const env[] = {"API_KEY", "SECRET_KEY", "PASSPHRASE"};
    const sqt_exchange_cfg *ex = sqt_config_exchange(cfg);
    size_t i;
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (ex == NULL)
        return sqt_cfg_fail_at(cfg, err, errlen, 1, "app.current_exchange",
                               "no exchange block loaded");
    for (i = 0; i < 3; i++) {
        const char *v = i == 0 ? ex->api_key : i == 1 ? ex->secret_key : ex->passphrase;
        int need = i < 2 ? (plugin_flags & SQT_EXF_NEEDS_API_KEY) != 0
                         : (plugin_flags & SQT_EXF_NEEDS_PASSPHRASE) != 0;
        char key[96], envname[96];
        if (!need || (v != NULL && v[0] != '\0'))
            continue;
        snprintf(key, sizeof(key), "exchanges.%s.%s", ex->name, names[i]);
        sqt_env_name(envname, sizeof(envname), ex->name, env[i]);
        return sqt_cfg_fail_at(cfg, err, errlen, sqt_cfg_line_of(cfg, key), key,
                               "required by the %s plugin: set it in the file or in %s",
                               ex->name, envname);
    }
    return 0;
}

void sqt_config_create_args(const sqt_config *cfg, sqt_create_args *args)
{
    memset(args, 0, sizeof(*args));
    args->struct_size = sizeof(*args);
    args->symbol = cfg->symbol;
    args->exchange_name = cfg->current_exchange;
    args->allow_hedge_mode = cfg->allow_hedge_mode ? 1 : 0;
    args->user_stream_keepalive_ms = (int64_t)cfg->listen_key_keepalive_interval * 60 * 1000;
}

int sqt_config_check_symbol(const sqt_config *cfg, const sqt_symbol_info *info, char *err,
                            size_t errlen)
{
    const char *k = "trading.price_interval";
    char a[48], b[48];
    sqt_dec iv, tk;
    int32_t sc;
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (cfg == NULL || info == NULL)
        return -1;
    if (sqt_dec_sign(info->tick_size) <= 0)
        return sqt_cfg_fail_at(cfg, err, errlen, sqt_cfg_line_of(cfg, k), k,
                               "the exchange reports no valid tick size for %s (got %s)",
                               info->symbol, sqt_dec_str(info->tick_size, a, sizeof(a)));
    /* Exact: bring both to one scale, then the interval must be a whole number of ticks. */
    sc = cfg->price_interval.scale > info->tick_size.scale ? cfg->price_interval.scale
                                                           : info->tick_size.scale;
    if (sqt_dec_rescale(cfg->price_interval, sc, &iv) != SQT_OK ||
        sqt_dec_rescale(info->tick_size, sc, &tk) != SQT_OK)
        return sqt_cfg_fail_at(cfg, err, errlen, sqt_cfg_line_of(cfg, k), k,
                               "cannot be compared with the tick size %s (got %s)",
                               sqt_dec_str(info->tick_size, a, sizeof(a)),
                               sqt_dec_str(cfg->price_interval, b, sizeof(b)));
    if (iv.mant <= 0 || iv.mant % tk.mant != 0)
        return sqt_cfg_fail_at(cfg, err, errlen, sqt_cfg_line_of(cfg, k), k,
                               "must be a positive multiple of the tick size %s of %s (got %s)",
                               sqt_dec_str(info->tick_size, a, sizeof(a)), info->symbol,
                               sqt_dec_str(cfg->price_interval, b, sizeof(b)));
    /* §11 #2: a buy below the exchange's minimum notional is always rejected. */
    if (sqt_dec_sign(info->min_notional) > 0) {
        int ok = 1;
        k = "trading.order_quantity";
        if (sqt_dec_cmp(cfg->order_quantity, info->min_notional, &ok) < 0 || !ok)
            return sqt_cfg_fail_at(cfg, err, errlen, sqt_cfg_line_of(cfg, k), k,
                                   "below the minimum order value %s of %s on the exchange "
                                   "(got %s)",
                                   sqt_dec_str(info->min_notional, a, sizeof(a)), info->symbol,
                                   sqt_dec_str(cfg->order_quantity, b, sizeof(b)));
    }
    return 0;
}

/* Whether this process could append to the file `path` (want_dir: write in the
 * directory) or create it there, missing parent directories included for a directory
 * (mkdir -p). Nothing is created. */
static int sqt_path_check(const char *path, int want_dir, char *why, size_t cap)
{
    char dir[1024];
    const char *slash;
    struct stat st;
    if (stat(path, &st) == 0) {
        if (!want_dir && S_ISDIR(st.st_mode)) {
            snprintf(why, cap, "it is a directory");
            return -1;
        }
        if (want_dir && !S_ISDIR(st.st_mode)) {
            snprintf(why, cap, "%.200s is not a directory", path);
            return -1;
        }
        if (access(path, want_dir ? W_OK | X_OK : W_OK) != 0) {
            snprintf(why, cap, "%.200s: %s", path, strerror(errno));
            return -1;
        }
        return 0;
    }
    if (errno != ENOENT) {
        snprintf(why, cap, "%.200s: %s", path, strerror(errno));
        return -1;
    }
    slash = strrchr(path, '/');
    if (slash == NULL)
        snprintf(dir, sizeof(dir), ".");
    else if (slash == path)
        snprintf(dir, sizeof(dir), "/");
    else if ((size_t)(slash - path) < sizeof(dir))
        snprintf(dir, sizeof(dir), "%.*s", (int)(slash - path), path);
    else {
        snprintf(why, cap, "path too long");
        return -1;
    }
    if (stat(dir, &st) != 0) {
        if (errno == ENOENT && want_dir)
            return sqt_path_check(dir, 1, why, cap);
        snprintf(why, cap, "directory %.200s: %s", dir, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        snprintf(why, cap, "%.200s is not a directory", dir);
        return -1;
    }
    if (access(dir, W_OK | X_OK) != 0) {
        snprintf(why, cap, "cannot create it in %.200s: %s", dir, strerror(errno));
        return -1;
    }
    return 0;
}

int sqt_config_check_paths(const sqt_config *cfg, char *err, size_t errlen)
{
    static const struct {
        const char *key;
        size_t off;
        int dir;
    } paths[] = {{"system.log_file", offsetof(sqt_config, log_file), 0},
                 {"system.event_log", offsetof(sqt_config, event_log), 0},
                 {"system.state_dir", offsetof(sqt_config, state_dir), 1}};
    size_t i;
    if (err != NULL && errlen > 0)
        err[0] = '\0';
    if (cfg == NULL)
        return -1;
    for (i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
        const char *p = *(char *const *)(const void *)((const char *)cfg + paths[i].off);
        char why[512];
        if (p == NULL || p[0] == '\0')
            continue;
        if (sqt_path_check(p, paths[i].dir, why, sizeof(why)) != 0)
            return sqt_cfg_fail_at(cfg, err, errlen, sqt_cfg_line_of(cfg, paths[i].key),
                                   paths[i].key, "cannot open %s for writing: %s%s", p, why,
                                   paths[i].dir && !sqt_cfg_present(cfg, paths[i].key)
                                       ? " (the default; set system.state_dir)"
                                       : "");
    }
    return 0;
}

/* ------------------------------------------------------------------------------------
 * Printing
 * ---------------------------------------------------------------------------------- */

/* Double-quoted YAML scalar, escaping what a plain or quoted scalar cannot hold. */
static void sqt_yaml_str(FILE *out, const char *s)
{
    const unsigned char *p = (const unsigned char *)(s ? s : "");
    fputc('"', out);
    for (; *p; p++) {
        if (*p == '"' || *p == '\\')
            fprintf(out, "\\%c", *p);
        else if (*p < 0x20 || *p == 0x7f)
            fprintf(out, "\\x%02x", *p);
        else if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f) {
            /* C1 controls (U+0085 NEL among them): not allowed raw, or read as a
             * line break, when the printed file is loaded again */
            fprintf(out, "\\x%02x", p[1]);
            p++;
        } else if ((p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0xa8 || p[2] == 0xa9)) ||
                   (p[0] == 0xef && p[1] == 0xbb && p[2] == 0xbf) ||
                   (p[0] == 0xef && p[1] == 0xbf && (p[2] == 0xbe || p[2] == 0xbf))) {
            /* line/paragraph separators, BOM, non-characters: likewise */
            fprintf(out, "\\u%04x",
                    ((p[0] & 0x0fu) << 12) | ((p[1] & 0x3fu) << 6) | (p[2] & 0x3fu));
            p += 2;
        } else
            fputc(*p, out);
    }
    fputc('"', out);
}

/* A mapping key: plain when it is a simple name, quoted otherwise. */
static void sqt_yaml_key(FILE *out, const char *s)
{
    size_t i;
    int plain = s != NULL && isalpha((unsigned char)s[0]);
    for (i = 0; plain && s[i]; i++)
        plain = isalnum((unsigned char)s[i]) || s[i] == '_' || s[i] == '-';
    if (plain)
        fputs(s, out);
    else
        sqt_yaml_str(out, s);
}

static void sqt_yaml_secret(FILE *out, const char *s)
{
    fputs((s != NULL && s[0] != '\0') ? "\"***\"" : "\"\"", out);
}

/* Extra keys are not secrets by the SDK's contract; still, a name that looks like one
 * is masked in case a plugin author put a token there. */
static int sqt_looks_secret(const char *k)
{
    static const char *const words[] = {"key", "secret", "pass", "token", "sign", "auth"};
    size_t i;
    for (i = 0; i < sizeof(words) / sizeof(words[0]); i++)
        if (strstr(k, words[i]) != NULL)
            return 1;
    return 0;
}

static void sqt_yaml_dec(FILE *out, sqt_dec d)
{
    char b[48];
    fputs(sqt_dec_str(d, b, sizeof(b)), out);
}

static const char *sqt_bool(int v)
{
    return v ? "true" : "false";
}

static void sqt_print_exchanges(const sqt_config *cfg, FILE *out)
{
    size_t i, j;
    for (i = 0; i < cfg->n_exchanges; i++) {
        const sqt_exchange_cfg *ex = &cfg->exchanges[i];
        fputs("  ", out);
        sqt_yaml_key(out, ex->name);
        fputs(":\n    api_key: ", out);
        sqt_yaml_secret(out, ex->api_key);
        fputs("\n    secret_key: ", out);
        sqt_yaml_secret(out, ex->secret_key);
        fputs("\n    passphrase: ", out);
        sqt_yaml_secret(out, ex->passphrase);
        fputs("\n    fee_rate: ", out);
        sqt_yaml_dec(out, ex->fee_rate);
        fputc('\n', out);
        for (j = 0; j < ex->n_extra; j++) {
            fputs("    ", out);
            sqt_yaml_key(out, ex->extra[j].key);
            fputs(": ", out);
            if (sqt_looks_secret(ex->extra[j].key))
                sqt_yaml_secret(out, ex->extra[j].value);
            else
                sqt_yaml_str(out, ex->extra[j].value);
            fputc('\n', out);
        }
    }
}

/* One key's value, as YAML that loads back to the same value. */
static void sqt_print_value(const sqt_config *cfg, const sqt_keydef *kd, FILE *out)
{
    const char *m = (const char *)cfg + kd->off;
    size_t i;
    switch (kd->type) {
    case KT_STR:
        sqt_yaml_str(out, *(char *const *)(const void *)m);
        break;
    case KT_INT:
        fprintf(out, "%d", *(const int *)(const void *)m);
        break;
    case KT_BOOL:
        fputs(sqt_bool(*(const int *)(const void *)m), out);
        break;
    case KT_DEC:
        sqt_yaml_dec(out, *(const sqt_dec *)(const void *)m);
        break;
    case KT_DBL: {
        /* shortest text that reads back as the same double */
        double v = *(const double *)(const void *)m;
        char num[40];
        snprintf(num, sizeof(num), "%.15g", v);
        if (strtod(num, NULL) != v)
            snprintf(num, sizeof(num), "%.17g", v);
        if (strpbrk(num, ".e") == NULL)
            strcat(num, ".0");
        fputs(num, out);
        break;
    }
    case KT_LEVEL:
        fputs(sqt_log_level_name(*(const int *)(const void *)m), out);
        break;
    case KT_ENUM: {
        const char *ch = kd->min;
        int idx = *(const int *)(const void *)m;
        for (; idx > 0 && ch != NULL; idx--)
            ch = (ch = strchr(ch, '|')) ? ch + 1 : NULL;
        fprintf(out, "%.*s", ch ? (int)strcspn(ch, "|") : 0, ch ? ch : "");
        break;
    }
    case KT_LIST:
        fputc('[', out);
        for (i = 0; i < cfg->n_monitor_symbols; i++) {
            if (i > 0)
                fputs(", ", out);
            sqt_yaml_str(out, cfg->monitor_symbols[i]);
        }
        fputc(']', out);
        break;
    }
}

void sqt_config_print(const sqt_config *cfg, FILE *out)
{
    size_t s, i;
    if (cfg == NULL || out == NULL)
        return;
    fputs("# effective configuration of ", out);
    sqt_yaml_str(out, cfg->path);
    fputs(" (defaults included, secrets shown as ***)\n", out);
    for (s = 0; s < SQT_N_SECTIONS; s++) {
        fprintf(out, "%s%s:\n", s > 0 ? "\n" : "", sqt_sections[s]);
        if (strcmp(sqt_sections[s], "exchanges") == 0) {
            sqt_print_exchanges(cfg, out);
            continue;
        }
        for (i = 0; i < SQT_N_KEYS; i++) {
            const sqt_keydef *kd = &sqt_keys[i];
            const char *note = kd->note;
            if (strcmp(kd->section, sqt_sections[s]) != 0)
                continue;
            fprintf(out, "  %s: ", kd->name);
            sqt_print_value(cfg, kd, out);
            /* the same text whether the value was given or derived, so the printed
             * file prints the same when loaded again */
            if (kd->off == offsetof(sqt_config, state_dir))
                ;
            else if (kd->type == KT_STR && *(char *const *)(const void *)((const char *)cfg +
                                                                         kd->off) != NULL)
                note = NULL; /* a string's note says what its absence means */
            if (note != NULL)
                fprintf(out, "   # %s", note);
            fputc('\n', out);
        }
    }
}

/* ------------------------------------------------------------------------------------
 * Freeing
 * ---------------------------------------------------------------------------------- */

static void sqt_free_secret(char *s)
{
    if (s != NULL) {
        volatile char *p = s;
        while (*p)
            *p++ = 0;
        free(s);
    }
}

void sqt_config_free(sqt_config *cfg)
{
    size_t i, j;
    if (cfg == NULL)
        return;
    free(cfg->path);
    free(cfg->current_exchange);
    free(cfg->plugin_dir);
    free(cfg->instance);
    for (i = 0; i < cfg->n_exchanges; i++) {
        sqt_exchange_cfg *ex = &cfg->exchanges[i];
        free(ex->name);
        sqt_free_secret(ex->api_key);
        sqt_free_secret(ex->secret_key);
        sqt_free_secret(ex->passphrase);
        for (j = 0; j < ex->n_extra; j++) {
            free(ex->extra[j].key);
            free(ex->extra[j].value);
        }
        free(ex->extra);
    }
    free(cfg->exchanges);
    free(cfg->symbol);
    free(cfg->log_file);
    free(cfg->event_log);
    free(cfg->state_dir);
    free(cfg->metrics_listen);
    for (i = 0; i < cfg->n_monitor_symbols; i++)
        free(cfg->monitor_symbols[i]);
    free(cfg->monitor_symbols);
    free(cfg->risk_interval);
    if (cfg->lines != NULL) {
        for (i = 0; i < cfg->lines->n; i++)
            free(cfg->lines->v[i].key);
        free(cfg->lines->v);
        free(cfg->lines);
    }
    memset(cfg, 0, sizeof(*cfg));
}
