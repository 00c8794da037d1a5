/* Gate.io futures API v4 parsers (parse.h). Field names and meanings: gate.md 3-8, with
 * its section 11 taking precedence. Every reader names the field it rejects. */
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opensqt/pluginkit.h>

#include "parse.h"

__extension__ typedef __int128 gt_i128;

static const int64_t p10[SQT_DEC_MAX_SCALE + 1] = {
    1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000, 1000000000,
    10000000000, 100000000000, 1000000000000, 10000000000000, 100000000000000,
    1000000000000000, 10000000000000000, 100000000000000000, 1000000000000000000};

/* ------------------------------------------------------------------------------------
 * symbols, exact arithmetic
 * ---------------------------------------------------------------------------------- */

static int upper_alnum(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++)
        if (!((s[i] >= 'A' && s[i] <= 'Z') || (s[i] >= '0' && s[i] <= '9')))
            return 0;
    return n > 0;
}

int sqt_gt_contract_name(const char *symbol, char *out, size_t cap)
{
    size_t n;
    if (symbol == NULL || out == NULL)
        return SQT_EINVAL;
    n = strlen(symbol);
    if (n <= 4 || n >= SQT_SYMBOL_MAX || strcmp(symbol + n - 4, "USDT") != 0 ||
        !upper_alnum(symbol, n))
        return SQT_EINVAL;
    if (n + 2 > cap)
        return SQT_ERANGE;
    memcpy(out, symbol, n - 4);
    memcpy(out + n - 4, "_USDT", 6);
    return SQT_OK;
}

int sqt_gt_symbol_of(const char *contract, char *out, size_t cap)
{
    size_t i, k = 0;
    if (contract == NULL || out == NULL || cap == 0)
        return SQT_EINVAL;
    for (i = 0; contract[i] != '\0'; i++) {
        if (contract[i] == '_')
            continue;
        if (k + 1 >= cap)
            return SQT_ERANGE;
        out[k++] = contract[i];
    }
    out[k] = '\0';
    return k > 0 ? SQT_OK : SQT_EINVAL;
}

SQT_HOT static sqt_dec dec_abs(sqt_dec d)
{
    if (d.mant < 0)
        d.mant = -d.mant;
    return d;
}

SQT_HOT int sqt_gt_dec_mul(sqt_dec a, sqt_dec b, sqt_dec *out)
{
    gt_i128 m;
    int32_t s;
    if (a.scale < 0 || a.scale > SQT_DEC_MAX_SCALE || b.scale < 0 || b.scale > SQT_DEC_MAX_SCALE)
        return SQT_EINVAL;
    m = (gt_i128)a.mant * b.mant;
    s = a.scale + b.scale;
    while (s > 0 && (s > SQT_DEC_MAX_SCALE || m > INT64_MAX || m < -INT64_MAX) && m % 10 == 0) {
        m /= 10;
        s--;
    }
    if (s > SQT_DEC_MAX_SCALE || m > INT64_MAX || m < -INT64_MAX)
        return SQT_ERANGE;
    *out = sqt_dec_normalize(sqt_dec_make((int64_t)m, s));
    return SQT_OK;
}

/* |a| - |b| (both of one order's sizes), exact. */
SQT_HOT static int dec_mag_sub(sqt_dec a, sqt_dec b, sqt_dec *out)
{
    b = dec_abs(b);
    b.mant = -b.mant;
    return sqt_kit_dec_add(dec_abs(a), b, out);
}

SQT_HOT int sqt_gt_to_contracts(sqt_dec qty, sqt_dec mult, int64_t *contracts, sqt_error *e)
{
    gt_i128 num, den, q;
    char a[48], b[48], lo[48], hi[48];
    sqt_dec dl, dh;
    if (qty.scale < 0 || qty.scale > SQT_DEC_MAX_SCALE || mult.scale < 0 ||
        mult.scale > SQT_DEC_MAX_SCALE || mult.mant <= 0)
        return sqt_kit_fail(e, SQT_EINVAL, "size: bad quantity or multiplier");
    if (qty.mant <= 0)
        return sqt_kit_fail(e, SQT_ERULES, "size must be > 0");
    /* qty / mult = (q.mant * 10^m.scale) / (m.mant * 10^q.scale): both fit 128 bits */
    num = (gt_i128)qty.mant * p10[mult.scale];
    den = (gt_i128)mult.mant * p10[qty.scale];
    q = num / den;
    if (q > INT64_MAX)
        return sqt_kit_fail(e, SQT_ERANGE, "size: too many contracts");
    if (num % den == 0) {
        *contracts = (int64_t)q;
        return SQT_OK;
    }
    sqt_dec_format(qty, a, sizeof(a));
    sqt_dec_format(mult, b, sizeof(b));
    if (sqt_gt_dec_mul(mult, sqt_dec_make((int64_t)q + 1, 0), &dh) != SQT_OK)
        return sqt_kit_fail(e, SQT_ERULES, "quantity %s is not a whole number of contracts "
                            "(1 contract = %s)", a, b);
    sqt_dec_format(dh, hi, sizeof(hi));
    if (q == 0)
        return sqt_kit_fail(e, SQT_ERULES, "quantity %s is not a whole number of contracts "
                            "(1 contract = %s): %s would work", a, b, hi);
    sqt_gt_dec_mul(mult, sqt_dec_make((int64_t)q, 0), &dl);
    sqt_dec_format(dl, lo, sizeof(lo));
    return sqt_kit_fail(e, SQT_ERULES, "quantity %s is not a whole number of contracts "
                        "(1 contract = %s): %s or %s would work", a, b, lo, hi);
}

SQT_HOT int sqt_gt_to_coins(sqt_dec contracts, sqt_dec mult, sqt_dec *out)
{
    return sqt_gt_dec_mul(contracts, mult, out);
}

/* ------------------------------------------------------------------------------------
 * JSON value readers for Gate's mixed types
 * ---------------------------------------------------------------------------------- */

/* A JSON real (WS prices and fees are numbers, gate.md 4.5): Jansson already holds a
 * double, so it is converted once, here, rounded at `scale` decimals. */
SQT_HOT static int real_to_dec(double x, int32_t scale, sqt_dec *out)
{
    if (!isfinite(x) || fabs(x) > 1e15 || scale < 0 || scale > SQT_DEC_MAX_SCALE)
        return SQT_ERANGE;
    while (scale > 0 && fabs(x) * (double)p10[scale] > 9e17)
        scale--;
    *out = sqt_dec_normalize(sqt_dec_make((int64_t)llround(x * (double)p10[scale]), scale));
    return SQT_OK;
}

/* Money: a decimal string, an integer, or a real (rounded at real_scale). */
SQT_HOT static int money_of(json_t *v, int32_t real_scale, sqt_dec *out, const char *key,
                    const char *path, sqt_error *e)
{
    if (json_is_real(v)) {
        if (real_to_dec(json_real_value(v), real_scale, out) != SQT_OK)
            return sqt_kit_fail(e, SQT_EPROTO, "%s: field '%s' out of range", path, key);
        return SQT_OK;
    }
    return sqt_kit_json_dec_of(v, out, key, path, e);
}

SQT_HOT static int opt_money(json_t *obj, const char *key, int32_t real_scale, sqt_dec *out,
                     const char *path, sqt_error *e)
{
    json_t *v = json_object_get(obj, key);
    *out = sqt_dec_make(0, 0);
    if (v == NULL || json_is_null(v) || (json_is_string(v) && json_string_length(v) == 0))
        return SQT_OK;
    return money_of(v, real_scale, out, key, path, e);
}

/* A size: a decimal string (X-Gate-Size-Decimal) or an integer; never a real. */
SQT_HOT static int size_of(json_t *obj, const char *key, int required, sqt_dec *out, const char *path,
                   sqt_error *e)
{
    json_t *v = json_object_get(obj, key);
    *out = sqt_dec_make(0, 0);
    if (v == NULL || json_is_null(v)) {
        if (required)
            return sqt_kit_fail(e, SQT_EPROTO, "%s: field '%s' missing", path, key);
        return SQT_OK;
    }
    return sqt_kit_json_dec_of(v, out, key, path, e);
}

/* A time: integer ms (>= 1e11) or seconds, a real of seconds ("1700000000.123"), or the
 * same as a string. 0 when absent. */
SQT_HOT static int time_ms_of(json_t *obj, const char *key, int64_t *out, const char *path,
                      sqt_error *e)
{
    json_t *v = json_object_get(obj, key);
    sqt_dec d;
    *out = 0;
    if (v == NULL || json_is_null(v))
        return SQT_OK;
    if (json_is_real(v)) {
        double x = json_real_value(v);
        if (!isfinite(x) || x < 0 || x > 1e13)
            return sqt_kit_fail(e, SQT_EPROTO, "%s: field '%s' out of range", path, key);
        *out = x >= 1e11 ? (int64_t)x : (int64_t)llround(x * 1000.0);
        return SQT_OK;
    }
    if (sqt_kit_json_dec_of(v, &d, key, path, e) != SQT_OK)
        return e->code;
    while (d.scale > 3) { /* below a millisecond: dropped */
        d.mant /= 10;
        d.scale--;
    }
    if (d.mant < 0 || sqt_dec_rescale(d, 3, &d) != SQT_OK)
        d = sqt_dec_make(-1, 0);
    if (d.mant < 0 || d.mant > INT64_C(10000000000000000))
        return sqt_kit_fail(e, SQT_EPROTO, "%s: field '%s' out of range", path, key);
    /* d is the value x 1000: ms when the value already was ms */
    *out = d.mant >= INT64_C(100000000000000) ? d.mant / 1000 : d.mant;
    return SQT_OK;
}

/* An id: an integer or a string of 1-40 printable characters. */
SQT_HOT static int id_of(json_t *obj, const char *key, char *buf, size_t cap, int required,
                 const char *path, sqt_error *e)
{
    json_t *v = json_object_get(obj, key);
    buf[0] = '\0';
    if (json_is_integer(v)) {
        snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
        return SQT_OK;
    }
    if (json_is_string(v) && json_string_length(v) > 0) {
        const char *s = json_string_value(v);
        size_t i, n = json_string_length(v);
        for (i = 0; i < n; i++)
            if (s[i] <= ' ' || s[i] > '~')
                return sqt_kit_fail(e, SQT_EPROTO, "%s: field '%s' is not an id", path, key);
        return sqt_kit_json_copy(buf, cap, s, key, path, e);
    }
    if ((v == NULL || json_is_null(v)) && !required)
        return SQT_OK;
    return sqt_kit_fail(e, SQT_EPROTO, "%s: field '%s' %s", path, key,
                        v == NULL ? "missing" : "is not an id");
}

SQT_HOT static int bool_of(json_t *obj, const char *key, int *out, const char *path, sqt_error *e)
{
    return sqt_kit_json_opt_bool(obj, key, out, path, e);
}

/* The "result" array of a push (a lone object counts as one element). */
static json_t *result_list(json_t *root)
{
    json_t *r = json_object_get(root, "result");
    if (json_is_object(r)) {
        json_t *a = json_array();
        if (a != NULL && json_array_append(a, r) == 0)
            return a;
        json_decref(a);
        return NULL;
    }
    if (json_is_array(r))
        return json_incref(r);
    return NULL;
}

/* ------------------------------------------------------------------------------------
 * errors (gate.md 6 and 11)
 * ---------------------------------------------------------------------------------- */

int sqt_gt_label_class(const char *label)
{
    static const struct {
        const char *label;
        int cls;
    } table[] = {
        {"INVALID_KEY", SQT_EAUTH},
        {"INVALID_CREDENTIALS", SQT_EAUTH},
        {"INVALID_SIGNATURE", SQT_EAUTH},
        {"IP_FORBIDDEN", SQT_EAUTH},
        {"READ_ONLY", SQT_EAUTH},
        {"FORBIDDEN", SQT_EAUTH},
        {"ACCOUNT_LOCKED", SQT_EAUTH},
        {"AUTHENTICATION_FAILED", SQT_EAUTH},
        {"REQUEST_EXPIRED", SQT_ETIMESTAMP},
        {"MISSING_REQUIRED_HEADER", SQT_EINVAL},
        {"INVALID_PARAM_VALUE", SQT_EINVAL},
        {"INVALID_ARGUMENT", SQT_EINVAL},
        {"INVALID_REQUEST_BODY", SQT_EINVAL},
        {"MISSING_REQUIRED_PARAM", SQT_EINVAL},
        {"INVALID_CONTENT_TYPE", SQT_EINVAL},
        {"ORDER_NOT_OWNED", SQT_EINVAL},
        {"USER_NOT_FOUND", SQT_ESTATE},
        {"CONTRACT_NOT_FOUND", SQT_ESTATE},
        {"CONTRACT_IN_DELISTING", SQT_ESTATE},
        {"POSITION_HOLDING", SQT_ESTATE},
        {"ORDER_PENDING", SQT_ESTATE},
        {"LEVERAGE_TOO_HIGH", SQT_ESTATE},
        {"LEVERAGE_TOO_LOW", SQT_ESTATE},
        {"INSUFFICIENT_AVAILABLE", SQT_EMARGIN},
        {"FUTURES_BALANCE_NOT_ENOUGH", SQT_EMARGIN},
        {"LIQUIDATE_IMMEDIATELY", SQT_EMARGIN},
        {"RISK_LIMIT_EXCEEDED", SQT_EMARGIN},
        {"ORDER_NOT_FOUND", SQT_EUNKNOWN_ORDER},
        {"ORDER_FINISHED", SQT_EUNKNOWN_ORDER},
        {"ORDER_POC_IMMEDIATE", SQT_EPOST_ONLY},
        {"INCREASE_POSITION", SQT_ERULES},
        {"REDUCE_EXCEEDED", SQT_ERULES},
        {"POSITION_EMPTY", SQT_ERULES},
        {"TOO_MANY_ORDERS", SQT_ERULES},
        {"PRICE_TOO_DEVIATED", SQT_ERULES},
        {"PRICE_OVER_LIQUIDATION", SQT_ERULES},
        {"PRICE_OVER_BANKRUPT", SQT_ERULES},
        {"SIZE_TOO_LARGE", SQT_ERULES},
        {"SIZE_TOO_SMALL", SQT_ERULES},
        {"ERR_QUOTA_LOWER_LIMIT", SQT_ERULES},
        {"POSITION_DUAL_MODE", SQT_EPOSITION_MODE},
        {"ORDER_FOK", SQT_EEXCHANGE},
        {"TOO_MANY_REQUESTS", SQT_ERATE_LIMITED},
        {"TOO_FAST", SQT_ERATE_LIMITED},
        {"INTERNAL", SQT_EUNKNOWN_STATUS},
        {"SERVER_ERROR", SQT_EUNKNOWN_STATUS},
        {"TOO_BUSY", SQT_EUNKNOWN_STATUS},
        {"NO_CHANGE", SQT_OK},
    };
    size_t i;
    if (label == NULL)
        return SQT_EEXCHANGE;
    for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (strcmp(label, table[i].label) == 0)
            return table[i].cls;
    return SQT_EEXCHANGE;
}

/* X-Gate-RateLimit-Reset-Timestamp: seconds or ms by magnitude (gate.md 11); the wait
 * until then, at least 100 ms and at most a minute; 1000 when it says nothing usable. */
static int64_t reset_wait_ms(const char *hdr, int64_t now_ms)
{
    sqt_dec d;
    int64_t t;
    if (hdr == NULL || now_ms <= 0 || sqt_dec_parse(hdr, strlen(hdr), &d) != SQT_OK ||
        sqt_dec_rescale(d, 0, &d) != SQT_OK || d.mant <= 0)
        return 1000;
    t = d.mant < INT64_C(100000000000) ? d.mant * 1000 : d.mant;
    if (t <= now_ms)
        return 100;
    return t - now_ms > 60000 ? 60000 : t - now_ms;
}

void sqt_gt_classify(int http_status, const char *body, size_t len, const char *reset_hdr,
                     int64_t now_ms, sqt_error *e)
{
    json_t *root = NULL, *jl, *jm;
    const char *label = "", *msg = "";
    memset(e, 0, sizeof(*e));
    e->http_status = http_status;
    if (http_status >= 200 && http_status <= 299)
        return;
    if (body != NULL && len > 0)
        root = json_loadb(body, len, 0, NULL);
    if (json_is_object(root)) {
        jl = json_object_get(root, "label");
        jm = json_object_get(root, "message");
        if (!json_is_string(jm) || json_string_length(jm) == 0)
            jm = json_object_get(root, "detail");
        if (json_is_string(jl))
            label = json_string_value(jl);
        if (json_is_string(jm))
            msg = json_string_value(jm);
    }
    snprintf(e->exch_code, sizeof(e->exch_code), "%s", label);
    snprintf(e->message, sizeof(e->message), "%s", msg[0] != '\0' ? msg : label);
    if (http_status == 429 || strcmp(label, "TOO_MANY_REQUESTS") == 0 ||
        strcmp(label, "TOO_FAST") == 0) {
        e->code = SQT_ERATE_LIMITED;
        e->retry_after_ms = reset_wait_ms(reset_hdr, now_ms);
    } else if (http_status >= 500 || http_status == 408) {
        /* whatever label it carries, the request may have been carried out */
        e->code = SQT_EUNKNOWN_STATUS;
    } else if (label[0] != '\0') {
        e->code = sqt_gt_label_class(label);
        if (e->code == SQT_OK) /* NO_CHANGE: what was asked is already so */
            e->http_status = http_status;
    } else if (http_status == 401 || http_status == 403) {
        e->code = SQT_EAUTH;
    } else {
        e->code = SQT_EEXCHANGE;
    }
    if (e->message[0] == '\0')
        snprintf(e->message, sizeof(e->message), "HTTP %d", http_status);
    json_decref(root);
}

/* ------------------------------------------------------------------------------------
 * server time, contract, account, positions
 * ---------------------------------------------------------------------------------- */

static json_t *load_object(const char *json, size_t len, const char *path, sqt_error *e)
{
    json_t *root = sqt_kit_json_load(json, len, path, e);
    if (root != NULL && !json_is_object(root)) {
        json_decref(root);
        sqt_kit_fail(e, SQT_EPROTO, "%s: not an object", path);
        return NULL;
    }
    return root;
}

int sqt_gt_parse_server_time(const char *json, size_t len, int64_t *ms, sqt_error *e)
{
    json_t *root = load_object(json, len, "time", e);
    int rc;
    if (root == NULL)
        return e->code;
    rc = sqt_kit_json_i64(root, "server_time", ms, "time", e);
    if (rc == SQT_OK && (*ms <= 0 || *ms > INT64_C(100000000000000)))
        rc = sqt_kit_fail(e, SQT_EPROTO, "time: server_time out of range");
    json_decref(root);
    return rc;
}

/* A count of contracts: an integer or a string of one, >= 0. */
static int contracts_of(json_t *obj, const char *key, int64_t *out, const char *path,
                        sqt_error *e)
{
    sqt_dec d;
    *out = 0;
    if (json_object_get(obj, key) == NULL)
        return SQT_OK;
    if (sqt_kit_json_dec(obj, key, &d, path, e) != SQT_OK)
        return e->code;
    if (d.mant < 0 || sqt_dec_rescale(d, 0, &d) != SQT_OK)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: field '%s' is not a count of contracts", path,
                            key);
    *out = d.mant;
    return SQT_OK;
}

int sqt_gt_parse_contract(const char *json, size_t len, const char *symbol,
                          sqt_gt_contract *c, sqt_error *e)
{
    json_t *root = load_object(json, len, "contract", e);
    const char *name, *status, *p = "contract";
    char want[SQT_GT_CONTRACT_MAX];
    sqt_dec tick, min;
    int64_t orders_limit = 0;
    int delisting = 0, rc;
    memset(c, 0, sizeof(*c));
    c->info.struct_size = sizeof(c->info);
    if (root == NULL)
        return e->code;
    if (sqt_gt_contract_name(symbol, want, sizeof(want)) != SQT_OK) {
        rc = sqt_kit_fail(e, SQT_EINVAL, "contract: symbol %.31s is not <BASE>USDT", symbol);
        goto out;
    }
    if ((rc = sqt_kit_json_str(root, "name", &name, p, e)) ||
        (rc = sqt_kit_json_dec(root, "quanto_multiplier", &c->mult, p, e)) ||
        (rc = sqt_kit_json_dec(root, "order_price_round", &tick, p, e)) ||
        (rc = contracts_of(root, "order_size_min", &c->size_min, p, e)) ||
        (rc = contracts_of(root, "order_size_max", &c->size_max, p, e)) ||
        (rc = sqt_kit_json_opt_i64(root, "orders_limit", &orders_limit, 0, p, e)) ||
        (rc = bool_of(root, "in_delisting", &delisting, p, e)) ||
        (rc = bool_of(root, "enable_decimal", &c->enable_decimal, p, e)) ||
        (rc = sqt_kit_json_opt_str(root, "status", &status, "trading", p, e)))
        goto out;
    if (strcmp(name, want) != 0) {
        rc = sqt_kit_fail(e, SQT_EPROTO, "contract: answer is for %.31s, not %s", name, want);
        goto out;
    }
    c->mult = sqt_dec_normalize(c->mult);
    tick = sqt_dec_normalize(tick);
    if (c->mult.mant <= 0 || tick.mant <= 0) {
        rc = sqt_kit_fail(e, SQT_EPROTO, "contract: quanto_multiplier and order_price_round "
                          "must be > 0");
        goto out;
    }
    if (orders_limit < 0 || orders_limit > INT32_MAX ||
        (c->size_max != 0 && c->size_max < c->size_min)) {
        rc = sqt_kit_fail(e, SQT_EPROTO, "contract: orders_limit / order_size_max out of range");
        goto out;
    }
    /* trade only on `trading` (gate.md 11): prelaunch, delisting, delisted refuse */
    if (delisting || strcmp(status, "trading") != 0) {
        rc = sqt_kit_fail(e, SQT_ESTATE, "contract %s is not tradable (status %.24s%s)", name,
                          status, delisting ? ", in delisting" : "");
        goto out;
    }
    /* below one contract nothing can be ordered: min 1 even where the field says 0 */
    if (c->size_min < 1)
        c->size_min = 1;
    if (sqt_gt_dec_mul(c->mult, sqt_dec_make(c->size_min, 0), &min) != SQT_OK) {
        rc = sqt_kit_fail(e, SQT_EPROTO, "contract: order_size_min out of range");
        goto out;
    }
    snprintf(c->info.symbol, sizeof(c->info.symbol), "%s", symbol);
    snprintf(c->info.base_asset, sizeof(c->info.base_asset), "%.*s",
             (int)(strlen(want) - 5), want);
    snprintf(c->info.quote_asset, sizeof(c->info.quote_asset), "USDT");
    c->info.tick_size = tick;
    c->info.step_size = c->mult; /* whole contracts only: the engine's step is one */
    c->info.min_qty = min;
    c->info.min_notional = sqt_dec_make(0, 0); /* none published (gate.md 3.1) */
    c->info.contract_multiplier = c->mult;
    c->info.max_open_orders = (int32_t)orders_limit;
    c->info.max_batch_place = SQT_GT_MAX_BATCH_PLACE;
    c->info.max_batch_cancel = SQT_GT_MAX_BATCH_CANCEL;
    c->info.client_id_max_len = SQT_GT_CLIENT_ID_LIMIT;
    rc = SQT_OK;
out:
    json_decref(root);
    return rc;
}

int sqt_gt_parse_account(const char *json, size_t len, sqt_gt_acct *out, sqt_error *e)
{
    json_t *root = load_object(json, len, "account", e);
    const char *cur, *mode, *p = "account";
    int dual = 0, rc;
    memset(out, 0, sizeof(*out));
    out->acct.struct_size = sizeof(out->acct);
    if (root == NULL)
        return e->code;
    if ((rc = sqt_kit_json_opt_str(root, "currency", &cur, "USDT", p, e)) ||
        (rc = sqt_kit_json_dec(root, "total", &out->acct.balance, p, e)) ||
        (rc = sqt_kit_json_dec(root, "available", &out->acct.available, p, e)) ||
        (rc = bool_of(root, "in_dual_mode", &dual, p, e)) ||
        (rc = sqt_kit_json_opt_str(root, "position_mode", &mode, "", p, e)) ||
        (rc = id_of(root, "user", out->user, sizeof(out->user), 0, p, e)) ||
        (rc = sqt_kit_json_copy(out->acct.asset, sizeof(out->acct.asset), cur, "currency", p, e)))
        goto out;
    if (out->user[0] != '\0' && strspn(out->user, "0123456789") != strlen(out->user)) {
        rc = sqt_kit_fail(e, SQT_EPROTO, "account: field 'user' is not numeric");
        goto out;
    }
    /* position_mode is the newer field; in_dual_mode the deprecated one (gate.md 3.2) */
    if (strcmp(mode, "single") == 0)
        out->acct.position_mode = SQT_POSMODE_ONE_WAY;
    else if (strncmp(mode, "dual", 4) == 0)
        out->acct.position_mode = SQT_POSMODE_HEDGE;
    else
        out->acct.position_mode = dual ? SQT_POSMODE_HEDGE : SQT_POSMODE_ONE_WAY;
out:
    json_decref(root);
    return rc;
}

/* Leverage: "10" isolated; "0" cross, then cross_leverage_limit (gate.md 3.3, 9.12). */
static int leverage_of(json_t *it, int32_t *out, const char *path, sqt_error *e)
{
    sqt_dec l, x;
    *out = 0;
    if (sqt_kit_json_opt_dec(it, "leverage", &l, path, e) ||
        sqt_kit_json_opt_dec(it, "cross_leverage_limit", &x, path, e))
        return e->code;
    if (l.mant == 0)
        l = x;
    /* cross limits may carry decimals ("10.5"): the whole part is the leverage */
    if (l.mant < 0 || sqt_dec_cmp(l, sqt_dec_make(1000, 0), NULL) > 0)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: leverage out of range", path);
    *out = (int32_t)(l.mant / p10[l.scale]);
    return SQT_OK;
}

static int position_fill(json_t *it, const char *path, const sqt_gt_units *u, sqt_position *p,
                         int *skip, sqt_error *e)
{
    const char *contract, *mode;
    sqt_dec size;
    *skip = 0;
    memset(p, 0, sizeof(*p));
    p->struct_size = sizeof(*p);
    if (sqt_kit_json_str(it, "contract", &contract, path, e) ||
        size_of(it, "size", 1, &size, path, e) ||
        sqt_kit_json_opt_str(it, "mode", &mode, "single", path, e) ||
        opt_money(it, "entry_price", u->tick_scale + 6, &p->entry_price, path, e) ||
        opt_money(it, "unrealised_pnl", 8, &p->unrealized_pnl, path, e) ||
        leverage_of(it, &p->leverage, path, e))
        return e->code;
    if (strcmp(contract, u->contract) != 0 || size.mant == 0) {
        *skip = 1;
        return SQT_OK;
    }
    /* dual mode reports each side with its size signed by direction already; a short
     * side with a positive size is read as short */
    if (strcmp(mode, "dual_short") == 0 && size.mant > 0)
        size.mant = -size.mant;
    if (sqt_gt_to_coins(size, u->mult, &p->size) != SQT_OK)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: size out of range", path);
    return sqt_gt_symbol_of(contract, p->symbol, sizeof(p->symbol)) == SQT_OK
               ? SQT_OK
               : sqt_kit_fail(e, SQT_EPROTO, "%s: contract too long", path);
}

int sqt_gt_parse_positions(const char *json, size_t len, const sqt_gt_units *u,
                           sqt_position *pos, size_t cap, size_t *n, sqt_error *e)
{
    json_t *root = sqt_kit_json_load(json, len, "position", e), *it;
    size_t i;
    int rc = SQT_OK, skip;
    *n = 0;
    if (root == NULL)
        return e->code;
    if (json_is_object(root)) {
        rc = position_fill(root, "position", u, &pos[0], &skip, e);
        if (rc == SQT_OK && !skip && cap > 0)
            *n = 1;
        goto out;
    }
    if (!json_is_array(root)) {
        rc = sqt_kit_fail(e, SQT_EPROTO, "position: neither an object nor an array");
        goto out;
    }
    json_array_foreach(root, i, it) {
        char path[48];
        snprintf(path, sizeof(path), "position[%zu]", i);
        if (!json_is_object(it)) {
            rc = sqt_kit_fail(e, SQT_EPROTO, "%s: not an object", path);
            goto out;
        }
        if (*n == cap) {
            rc = sqt_kit_fail(e, SQT_EPROTO, "position: more than %zu entries", cap);
            goto out;
        }
        if ((rc = position_fill(it, path, u, &pos[*n], &skip, e)) != SQT_OK)
            goto out;
        if (!skip)
            (*n)++;
    }
out:
    if (rc != SQT_OK)
        *n = 0;
    json_decref(root);
    return rc;
}

int sqt_gt_parse_leverage(const char *json, size_t len, const char *contract, int32_t *lev,
                          sqt_error *e)
{
    json_t *root = sqt_kit_json_load(json, len, "position", e), *it;
    size_t i, n;
    int rc = SQT_OK;
    *lev = 0;
    if (root == NULL)
        return e->code;
    if (!json_is_object(root) && !json_is_array(root)) {
        rc = sqt_kit_fail(e, SQT_EPROTO, "position: neither an object nor an array");
        goto out;
    }
    n = json_is_array(root) ? json_array_size(root) : 1;
    for (i = 0; i < n; i++) {
        const char *c;
        int32_t l;
        it = json_is_array(root) ? json_array_get(root, i) : root;
        if (!json_is_object(it)) {
            rc = sqt_kit_fail(e, SQT_EPROTO, "position[%zu]: not an object", i);
            goto out;
        }
        if ((rc = sqt_kit_json_str(it, "contract", &c, "position", e)) ||
            (rc = leverage_of(it, &l, "position", e)))
            goto out;
        if (strcmp(c, contract) == 0 && l > *lev)
            *lev = l;
    }
out:
    if (rc != SQT_OK)
        *lev = 0;
    json_decref(root);
    return rc;
}

/* ------------------------------------------------------------------------------------
 * orders (gate.md 3.5, 4.5, 5)
 * ---------------------------------------------------------------------------------- */

/* finished is not filled (gate.md 5, 9.1): the reason decides. */
SQT_HOT static sqt_order_status finished_status(const char *finish_as)
{
    static const char *const cancelled[] = {
        "cancelled", "liquidated", "liquidate_cancelled", "reduce_only", "position_closed",
        "reduce_out", "auto_deleveraged", "stp", "small", "depth_not_enough",
        "trader_not_enough", NULL};
    size_t i;
    if (strcmp(finish_as, "filled") == 0)
        return SQT_ORDER_FILLED;
    if (strcmp(finish_as, "poc") == 0 || strcmp(finish_as, "ioc") == 0 ||
        strcmp(finish_as, "fok") == 0)
        return SQT_ORDER_EXPIRED;
    for (i = 0; cancelled[i] != NULL; i++)
        if (strcmp(finish_as, cancelled[i]) == 0)
            return SQT_ORDER_CANCELED;
    return SQT_ORDER_UNKNOWN;
}

/* 1 when the text is a usable client id part (the characters Gate allows, gate.md 7) */
SQT_HOT static int text_chars_ok(const char *s)
{
    for (; *s != '\0'; s++)
        if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') ||
              *s == '_' || *s == '-' || *s == '.'))
            return 0;
    return 1;
}

/* One FuturesOrder. *other = 1 (and nothing else read) for another contract. */
SQT_HOT static int order_fill(json_t *d, const char *path, const sqt_gt_units *u, sqt_order *o,
                      int *other, sqt_error *e)
{
    const char *contract, *text, *status, *finish_as, *tif;
    sqt_dec size, left, filled;
    int64_t t_upd, t_fin, t_cre, t_cre_ms;
    int ro = 0, left_given;
    memset(o, 0, sizeof(*o));
    o->struct_size = sizeof(*o);
    *other = 0;
    if (sqt_kit_json_str(d, "contract", &contract, path, e))
        return e->code;
    if (strcmp(contract, u->contract) != 0) {
        *other = 1;
        return SQT_OK;
    }
    left_given = json_object_get(d, "left") != NULL && !json_is_null(json_object_get(d, "left"));
    if (id_of(d, "id", o->order_id, sizeof(o->order_id), 1, path, e) ||
        sqt_kit_json_opt_str(d, "text", &text, "", path, e) ||
        sqt_kit_json_opt_str(d, "status", &status, "", path, e) ||
        sqt_kit_json_opt_str(d, "finish_as", &finish_as, "", path, e) ||
        sqt_kit_json_opt_str(d, "tif", &tif, "gtc", path, e) ||
        size_of(d, "size", 1, &size, path, e) || size_of(d, "left", 0, &left, path, e) ||
        money_of(json_object_get(d, "price") != NULL ? json_object_get(d, "price")
                                                     : json_null(),
                 u->tick_scale, &o->price, "price", path, e) ||
        opt_money(d, "fill_price", u->tick_scale + 6, &o->avg_price, path, e) ||
        bool_of(d, "is_reduce_only", &ro, path, e) ||
        time_ms_of(d, "update_time", &t_upd, path, e) ||
        time_ms_of(d, "finish_time_ms", &t_fin, path, e) ||
        time_ms_of(d, "create_time", &t_cre, path, e) ||
        time_ms_of(d, "create_time_ms", &t_cre_ms, path, e) ||
        sqt_kit_json_opt_i64(d, "update_id", &o->seq, 0, path, e))
        return e->code;
    if (!left_given)
        left = status[0] != '\0' && strcmp(status, "finished") != 0 ? size : sqt_dec_make(0, 0);
    if (size.mant == 0)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: size is 0", path);
    if ((left.mant != 0 && (left.mant < 0) != (size.mant < 0)) ||
        sqt_dec_cmp(dec_abs(left), dec_abs(size), NULL) > 0)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: left is not within size", path);
    if (o->price.mant < 0 || o->avg_price.mant < 0 || o->seq < 0)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: negative price, fill_price or update_id", path);
    if (dec_mag_sub(size, left, &filled) != SQT_OK ||
        sqt_gt_to_coins(dec_abs(size), u->mult, &o->qty) != SQT_OK ||
        sqt_gt_to_coins(filled, u->mult, &o->filled_qty) != SQT_OK)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: size out of range", path);
    o->side = size.mant > 0 ? SQT_SIDE_BUY : SQT_SIDE_SELL;
    /* status: open by status, else by finish_as ("open" while working on the stream) */
    if (strcmp(status, "open") == 0 || (status[0] == '\0' && strcmp(finish_as, "open") == 0) ||
        (status[0] == '\0' && finish_as[0] == '\0')) {
        o->status = filled.mant == 0 ? SQT_ORDER_NEW : SQT_ORDER_PARTIALLY_FILLED;
    } else if (strcmp(status, "finished") == 0 || status[0] == '\0') {
        o->status = finished_status(finish_as);
        if (o->status == SQT_ORDER_UNKNOWN)
            return sqt_kit_fail(e, SQT_EPROTO, "%s: unknown finish_as '%.24s'", path,
                                finish_as);
        if (o->status == SQT_ORDER_FILLED && left.mant != 0)
            return sqt_kit_fail(e, SQT_EPROTO, "%s: finish_as filled with left != 0", path);
    } else {
        return sqt_kit_fail(e, SQT_EPROTO, "%s: unknown status '%.24s'", path, status);
    }
    if (filled.mant == 0)
        o->avg_price = sqt_dec_make(0, 0);
    o->tif = strcmp(tif, "poc") == 0 ? SQT_TIF_POST_ONLY : SQT_TIF_GTC;
    o->reduce_only = ro != 0;
    o->update_time_ms = t_upd != 0 ? t_upd : t_fin != 0 ? t_fin : t_cre_ms != 0 ? t_cre_ms : t_cre;
    if (sqt_gt_symbol_of(contract, o->symbol, sizeof(o->symbol)) != SQT_OK)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: contract too long", path);
    /* our ids are "t-<engine id>"; anything else (api, web, "-", liquidation...) is not
     * ours and carries no client id (gate.md 7, 11) */
    if (u->raw_text) {
        if (text_chars_ok(text))
            snprintf(o->client_id, sizeof(o->client_id), "%.*s", SQT_CLIENT_ID_MAX - 1, text);
    } else if (strncmp(text, SQT_GT_TEXT_PREFIX, SQT_GT_TEXT_PREFIX_LEN) == 0 &&
               text_chars_ok(text) && strlen(text) < SQT_CLIENT_ID_MAX + SQT_GT_TEXT_PREFIX_LEN) {
        snprintf(o->client_id, sizeof(o->client_id), "%s", text + SQT_GT_TEXT_PREFIX_LEN);
    }
    return SQT_OK;
}

int sqt_gt_parse_order(const char *json, size_t len, const sqt_gt_units *u, sqt_order *o,
                       sqt_error *e)
{
    json_t *root = load_object(json, len, "order", e);
    int other, rc;
    if (root == NULL) {
        memset(o, 0, sizeof(*o));
        return e->code;
    }
    rc = order_fill(root, "order", u, o, &other, e);
    if (rc == SQT_OK && other)
        rc = sqt_kit_fail(e, SQT_EPROTO, "order: answer is for another contract");
    json_decref(root);
    return rc;
}

int sqt_gt_parse_orders(const char *json, size_t len, const sqt_gt_units *u,
                        sqt_order **orders, size_t *n, size_t *raw, sqt_error *e)
{
    json_t *root = sqt_kit_json_load(json, len, "orders", e), *it;
    size_t i, n0 = *n;
    sqt_order *grown;
    int rc = SQT_OK, other;
    *raw = 0;
    if (root == NULL)
        return e->code;
    if (!json_is_array(root)) {
        rc = sqt_kit_fail(e, SQT_EPROTO, "orders: not an array");
        goto out;
    }
    *raw = json_array_size(root);
    if (*raw == 0)
        goto out;
    if ((grown = realloc(*orders, (*n + *raw) * sizeof(**orders))) == NULL) {
        rc = sqt_kit_fail(e, SQT_ENOMEM, "orders: out of memory");
        goto out;
    }
    *orders = grown;
    json_array_foreach(root, i, it) {
        char path[48];
        snprintf(path, sizeof(path), "orders[%zu]", i);
        if (!json_is_object(it)) {
            rc = sqt_kit_fail(e, SQT_EPROTO, "%s: not an object", path);
            goto out;
        }
        if ((rc = order_fill(it, path, u, &(*orders)[*n], &other, e)) != SQT_OK)
            goto out;
        if (!other)
            (*n)++;
    }
out:
    if (rc != SQT_OK)
        *n = n0;
    json_decref(root);
    return rc;
}

/* label + message (or detail) of a failed item into err, classed by label. */
static void item_error(json_t *it, sqt_error *err)
{
    json_t *jl = json_object_get(it, "label"), *jm = json_object_get(it, "message");
    const char *label = json_is_string(jl) ? json_string_value(jl) : "";
    if (!json_is_string(jm) || json_string_length(jm) == 0)
        jm = json_object_get(it, "detail");
    /* a batch cancel names the reason in message only (gate.md 3.8): a label-like
     * message is classed as the label */
    if (label[0] == '\0' && json_is_string(jm) &&
        strspn(json_string_value(jm), "ABCDEFGHIJKLMNOPQRSTUVWXYZ_") == json_string_length(jm))
        label = json_string_value(jm);
    memset(err, 0, sizeof(*err));
    err->code = sqt_gt_label_class(label);
    if (err->code == SQT_OK || (label[0] == '\0' && err->code == SQT_EEXCHANGE))
        err->code = SQT_EEXCHANGE; /* a failed item is never a success */
    snprintf(err->exch_code, sizeof(err->exch_code), "%s", label);
    snprintf(err->message, sizeof(err->message), "%s",
             json_is_string(jm) && json_string_length(jm) > 0 ? json_string_value(jm)
             : label[0] != '\0'                               ? label
                                                              : "failed");
}

int sqt_gt_parse_batch_place(const char *json, size_t len, const sqt_gt_units *u, size_t n,
                             sqt_gt_item *items, sqt_error *e)
{
    json_t *root = sqt_kit_json_load(json, len, "batch", e), *it;
    size_t i;
    int rc = SQT_OK;
    for (i = 0; i < n; i++)
        memset(&items[i], 0, sizeof(items[i]));
    if (root == NULL)
        return e->code;
    if (!json_is_array(root) || json_array_size(root) != n) {
        rc = sqt_kit_fail(e, SQT_EPROTO, "batch: not an array of %zu results", n);
        goto out;
    }
    json_array_foreach(root, i, it) {
        char path[48];
        int ok = 1, other = 0;
        snprintf(path, sizeof(path), "batch[%zu]", i);
        if (!json_is_object(it)) {
            sqt_kit_fail(&items[i].err, SQT_EPROTO, "%s: not an object", path);
            continue;
        }
        if (json_object_get(it, "succeeded") != NULL &&
            bool_of(it, "succeeded", &ok, path, &items[i].err) != SQT_OK)
            continue;
        if (!ok) {
            item_error(it, &items[i].err);
            continue;
        }
        if (order_fill(it, path, u, &items[i].order, &other, &items[i].err) != SQT_OK)
            continue;
        if (other)
            sqt_kit_fail(&items[i].err, SQT_EPROTO, "%s: answer is for another contract", path);
    }
out:
    json_decref(root);
    return rc;
}

int sqt_gt_parse_batch_cancel(const char *json, size_t len, const char *const *ids, size_t n,
                              sqt_error *errs, sqt_error *e)
{
    json_t *root = sqt_kit_json_load(json, len, "batch_cancel", e), *it;
    size_t i, k;
    int rc = SQT_OK;
    for (k = 0; k < n; k++) {
        memset(&errs[k], 0, sizeof(errs[k]));
        sqt_kit_fail(&errs[k], SQT_EPROTO, "batch_cancel: order %.40s not in the answer",
                     ids[k]);
    }
    if (root == NULL)
        return e->code;
    if (!json_is_array(root)) {
        rc = sqt_kit_fail(e, SQT_EPROTO, "batch_cancel: not an array");
        goto out;
    }
    json_array_foreach(root, i, it) {
        char path[48], id[SQT_ORDER_ID_MAX];
        sqt_error ie;
        int ok = 0;
        snprintf(path, sizeof(path), "batch_cancel[%zu]", i);
        if (!json_is_object(it) || id_of(it, "id", id, sizeof(id), 1, path, &ie) != SQT_OK ||
            bool_of(it, "succeeded", &ok, path, &ie) != SQT_OK)
            continue; /* its order stays "not in the answer" */
        for (k = 0; k < n; k++) {
            if (strcmp(ids[k], id) != 0)
                continue;
            if (ok)
                memset(&errs[k], 0, sizeof(errs[k]));
            else
                item_error(it, &errs[k]);
        }
    }
out:
    json_decref(root);
    return rc;
}

int sqt_gt_parse_my_trades(const char *json, size_t len, const sqt_gt_units *u,
                           const char *order_id, sqt_gt_fee_sum *s, sqt_error *e)
{
    json_t *root = sqt_kit_json_load(json, len, "my_trades", e), *it;
    sqt_dec qty_c = sqt_dec_make(0, 0), fee = sqt_dec_make(0, 0);
    size_t i;
    int rc = SQT_OK;
    memset(s, 0, sizeof(*s));
    if (root == NULL)
        return e->code;
    if (!json_is_array(root)) {
        rc = sqt_kit_fail(e, SQT_EPROTO, "my_trades: not an array");
        goto out;
    }
    json_array_foreach(root, i, it) {
        char path[48], oid[SQT_ORDER_ID_MAX];
        const char *contract;
        sqt_dec size, f;
        snprintf(path, sizeof(path), "my_trades[%zu]", i);
        if (!json_is_object(it)) {
            rc = sqt_kit_fail(e, SQT_EPROTO, "%s: not an object", path);
            goto out;
        }
        if ((rc = sqt_kit_json_str(it, "contract", &contract, path, e)) ||
            (rc = id_of(it, "order_id", oid, sizeof(oid), 1, path, e)) ||
            (rc = size_of(it, "size", 1, &size, path, e)) ||
            (rc = opt_money(it, "fee", 12, &f, path, e)))
            goto out;
        if (strcmp(contract, u->contract) != 0 || strcmp(oid, order_id) != 0)
            continue;
        /* exact sums; a fee or size past 18 decimals cannot be */
        if (sqt_kit_dec_add(qty_c, dec_abs(size), &qty_c) != SQT_OK ||
            sqt_kit_dec_add(fee, f, &fee) != SQT_OK) {
            rc = sqt_kit_fail(e, SQT_EPROTO, "%s: size or fee out of range", path);
            goto out;
        }
        s->trades++;
    }
    if (sqt_gt_to_coins(qty_c, u->mult, &s->qty) != SQT_OK) {
        rc = sqt_kit_fail(e, SQT_EPROTO, "my_trades: size out of range");
        goto out;
    }
    s->fee = sqt_dec_normalize(fee);
out:
    if (rc != SQT_OK)
        memset(s, 0, sizeof(*s));
    json_decref(root);
    return rc;
}

/* ------------------------------------------------------------------------------------
 * candles
 * ---------------------------------------------------------------------------------- */

int64_t sqt_gt_interval_ms(const char *interval)
{
    static const struct {
        const char *name;
        int64_t ms;
    } table[] = {{"10s", 10000},      {"1m", 60000},       {"5m", 300000},
                 {"15m", 900000},     {"30m", 1800000},    {"1h", 3600000},
                 {"2h", 7200000},     {"4h", 14400000},    {"8h", 28800000},
                 {"1d", 86400000},    {"7d", 604800000}};
    size_t i;
    if (interval == NULL)
        return 0;
    for (i = 0; i < sizeof(table) / sizeof(table[0]); i++)
        if (strcmp(interval, table[i].name) == 0)
            return table[i].ms;
    return 0;
}

/* One candle object: t (s), o h l c, v; closed from w when given (*has_w). */
static int candle_fill(json_t *it, const char *path, sqt_kline *k, int *has_w, sqt_error *e)
{
    int64_t t;
    int w = 0;
    if (!json_is_object(it))
        return sqt_kit_fail(e, SQT_EPROTO, "%s: not an object", path);
    if (sqt_kit_json_i64(it, "t", &t, path, e) ||
        money_of(json_object_get(it, "o") ? json_object_get(it, "o") : json_null(), 8, &k->open,
                 "o", path, e) ||
        money_of(json_object_get(it, "h") ? json_object_get(it, "h") : json_null(), 8, &k->high,
                 "h", path, e) ||
        money_of(json_object_get(it, "l") ? json_object_get(it, "l") : json_null(), 8, &k->low,
                 "l", path, e) ||
        money_of(json_object_get(it, "c") ? json_object_get(it, "c") : json_null(), 8, &k->close,
                 "c", path, e) ||
        size_of(it, "v", 0, &k->volume, path, e) || bool_of(it, "w", &w, path, e))
        return e->code;
    if (t < 0 || t > INT64_C(100000000000))
        return sqt_kit_fail(e, SQT_EPROTO, "%s: t out of range", path);
    if (k->open.mant < 0 || k->high.mant < 0 || k->low.mant < 0 || k->close.mant < 0 ||
        k->volume.mant < 0)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: negative price or volume", path);
    k->open_time_ms = t * 1000; /* Gate's candles count seconds (gate.md 3.12, 9.10) */
    k->closed = w != 0;
    *has_w = json_object_get(it, "w") != NULL;
    return SQT_OK;
}

static int kline_cmp(const void *a, const void *b)
{
    const sqt_kline *x = a, *y = b;
    return (x->open_time_ms > y->open_time_ms) - (x->open_time_ms < y->open_time_ms);
}

int sqt_gt_parse_candles(const char *json, size_t len, const char *symbol,
                         const char *interval, sqt_dec mult, int64_t now_ms, sqt_kline **out,
                         size_t *n, sqt_error *e)
{
    json_t *root = sqt_kit_json_load(json, len, "candles", e), *it;
    int64_t span = sqt_gt_interval_ms(interval);
    size_t i;
    int rc = SQT_OK, has_w;
    *out = NULL;
    *n = 0;
    if (root == NULL)
        return e->code;
    if (span == 0) {
        rc = sqt_kit_fail(e, SQT_EINVAL, "candles: unknown interval");
        goto out;
    }
    if ((*out = sqt_kit_json_array_new(root, sizeof(**out), "candles", e)) == NULL) {
        rc = e->code;
        goto out;
    }
    json_array_foreach(root, i, it) {
        char path[48];
        sqt_kline *k = &(*out)[i];
        snprintf(path, sizeof(path), "candles[%zu]", i);
        if ((rc = candle_fill(it, path, k, &has_w, e)) != SQT_OK)
            goto out;
        if (mult.mant > 0 && sqt_gt_to_coins(k->volume, mult, &k->volume) != SQT_OK) {
            rc = sqt_kit_fail(e, SQT_EPROTO, "%s: volume out of range", path);
            goto out;
        }
        snprintf(k->symbol, sizeof(k->symbol), "%s", symbol);
        snprintf(k->interval, sizeof(k->interval), "%s", interval);
        k->close_time_ms = k->open_time_ms + span - 1;
        k->closed = now_ms > k->close_time_ms;
    }
    *n = json_array_size(root);
    qsort(*out, *n, sizeof(**out), kline_cmp);
out:
    if (rc != SQT_OK || *n == 0) { /* nothing: no allocation either */
        free(*out);
        *out = NULL;
        *n = 0;
    }
    json_decref(root);
    return rc;
}

/* ------------------------------------------------------------------------------------
 * WebSocket (gate.md 4, 11)
 * ---------------------------------------------------------------------------------- */

/* An answer's error {code, message}: codes 4, 6, 11 are authentication (gate.md 11); for
 * code 4 the message may itself be a label body. */
static void ws_error(json_t *err, sqt_error *out)
{
    json_t *jc = json_object_get(err, "code"), *jm = json_object_get(err, "message");
    const char *msg = json_is_string(jm) ? json_string_value(jm) : "";
    long long code = json_is_integer(jc) ? (long long)json_integer_value(jc) : 0;
    json_t *inner = msg[0] == '{' ? json_loads(msg, 0, NULL) : NULL;
    memset(out, 0, sizeof(*out));
    snprintf(out->exch_code, sizeof(out->exch_code), "%lld", code);
    snprintf(out->message, sizeof(out->message), "%s", msg[0] != '\0' ? msg : "error");
    if (json_is_object(inner) && json_is_string(json_object_get(inner, "label"))) {
        const char *label = json_string_value(json_object_get(inner, "label"));
        json_t *im = json_object_get(inner, "message");
        snprintf(out->exch_code, sizeof(out->exch_code), "%s", label);
        if (json_is_string(im))
            snprintf(out->message, sizeof(out->message), "%s", json_string_value(im));
        out->code = sqt_gt_label_class(label);
        if (out->code == SQT_OK)
            out->code = SQT_EEXCHANGE;
    } else if (code == 4 || code == 6 || code == 11) {
        out->code = SQT_EAUTH;
    } else if (code == 1 || code == 2) {
        out->code = SQT_EINVAL;
    } else {
        out->code = SQT_EEXCHANGE;
    }
    if (code == 4 || code == 6 || code == 11)
        out->code = SQT_EAUTH;
    json_decref(inner);
}

SQT_HOT int sqt_gt_parse_ws(const char *data, size_t len, sqt_gt_ws_msg *m, sqt_error *e)
{
    json_t *root, *err, *res, *st;
    const char *channel, *event;
    int rc = SQT_OK;
    memset(m, 0, sizeof(*m));
    if ((root = load_object(data, len, "ws", e)) == NULL)
        return e->code;
    if ((rc = sqt_kit_json_opt_str(root, "channel", &channel, "", "ws", e)) ||
        (rc = sqt_kit_json_opt_str(root, "event", &event, "", "ws", e)) ||
        (rc = sqt_kit_json_copy(m->channel, sizeof(m->channel), channel, "channel", "ws", e)) ||
        (rc = sqt_kit_json_copy(m->event, sizeof(m->event), event, "event", "ws", e)))
        goto out;
    if (json_is_integer(json_object_get(root, "id")))
        m->id = (int64_t)json_integer_value(json_object_get(root, "id"));
    err = json_object_get(root, "error");
    res = json_object_get(root, "result");
    st = json_is_object(res) ? json_object_get(res, "status") : NULL;
    if (strcmp(channel, "futures.pong") == 0) {
        m->kind = SQT_GT_WS_PONG;
    } else if (json_is_object(err)) {
        m->kind = SQT_GT_WS_ERROR;
        ws_error(err, &m->err);
    } else if (err != NULL && !json_is_null(err)) {
        rc = sqt_kit_fail(e, SQT_EPROTO, "ws: error is neither null nor an object");
    } else if (json_is_string(st) && strcmp(json_string_value(st), "fail") == 0) {
        m->kind = SQT_GT_WS_ERROR;
        sqt_kit_fail(&m->err, SQT_EEXCHANGE, "%s %s failed", channel, event);
    } else if (strcmp(event, "subscribe") == 0) {
        m->kind = SQT_GT_WS_SUBSCRIBED;
    } else if (strcmp(event, "update") == 0 || strcmp(event, "all") == 0) {
        if (strcmp(channel, "futures.tickers") == 0)
            m->kind = SQT_GT_WS_TICKERS;
        else if (strcmp(channel, "futures.candlesticks") == 0)
            m->kind = SQT_GT_WS_CANDLES;
        else if (strcmp(channel, "futures.orders") == 0)
            m->kind = SQT_GT_WS_ORDERS;
        else if (strcmp(channel, "futures.usertrades") == 0)
            m->kind = SQT_GT_WS_USERTRADES;
        else
            m->kind = SQT_GT_WS_OTHER;
        if (m->kind != SQT_GT_WS_OTHER && res == NULL)
            rc = sqt_kit_fail(e, SQT_EPROTO, "ws: push without result");
    } else {
        m->kind = SQT_GT_WS_OTHER;
    }
    /* a system notice of an upgrade: the server closes soon (gate.md 4.1) */
    if (rc == SQT_OK && strcmp(channel, "futures.system") == 0 && json_is_object(res) &&
        json_is_string(json_object_get(res, "type")) &&
        strcmp(json_string_value(json_object_get(res, "type")), "upgrade") == 0)
        m->kind = SQT_GT_WS_UPGRADE;
out:
    json_decref(root);
    return rc;
}

/* root object and its result list of a push. */
SQT_HOT static int push_list(const char *data, size_t len, const char *path, json_t **root,
                     json_t **list, sqt_error *e)
{
    *list = NULL;
    if ((*root = load_object(data, len, path, e)) == NULL)
        return e->code;
    if ((*list = result_list(*root)) == NULL)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: result is not an array", path);
    return SQT_OK;
}

SQT_HOT int sqt_gt_parse_ticker(const char *data, size_t len, sqt_price_tick *t, sqt_error *e)
{
    json_t *root, *list = NULL, *d;
    const char *contract;
    int64_t tsec = 0, tms = 0;
    int rc;
    memset(t, 0, sizeof(*t));
    if ((rc = push_list(data, len, "tickers", &root, &list, e)) != SQT_OK)
        goto out;
    d = json_array_get(list, 0);
    if (!json_is_object(d)) {
        rc = sqt_kit_fail(e, SQT_EPROTO, "tickers: result[0] is not an object");
        goto out;
    }
    if ((rc = sqt_kit_json_str(d, "contract", &contract, "tickers.result[0]", e)) ||
        (rc = money_of(json_object_get(d, "last") ? json_object_get(d, "last") : json_null(),
                       8, &t->price, "last", "tickers.result[0]", e)) ||
        (rc = time_ms_of(root, "time_ms", &tms, "tickers", e)) ||
        (rc = time_ms_of(root, "time", &tsec, "tickers", e)))
        goto out;
    if (sqt_gt_symbol_of(contract, t->symbol, sizeof(t->symbol)) != SQT_OK) {
        rc = sqt_kit_fail(e, SQT_EPROTO, "tickers.result[0]: bad contract");
        goto out;
    }
    if (t->price.mant <= 0) {
        rc = sqt_kit_fail(e, SQT_EPROTO, "tickers.result[0]: last is not positive");
        goto out;
    }
    t->time_ms = tms != 0 ? tms : tsec;
out:
    json_decref(list);
    json_decref(root);
    return rc;
}

/* Each element of a push's result list through fill(); *n counts the ones it keeps (at
 * most cap). fill gets the element, its path and the slot index; *keep = 0 skips it. */
typedef int (*push_fill_fn)(json_t *it, const char *path, void *arg, size_t slot, int *keep,
                            sqt_error *e);

SQT_HOT static int push_each(const char *data, size_t len, const char *what, size_t cap, size_t *n,
                     push_fill_fn fill, void *arg, sqt_error *e)
{
    json_t *root, *list = NULL, *it;
    size_t i;
    int rc, keep;
    *n = 0;
    if ((rc = push_list(data, len, what, &root, &list, e)) != SQT_OK)
        goto out;
    json_array_foreach(list, i, it) {
        char path[48];
        snprintf(path, sizeof(path), "%s.result[%zu]", what, i);
        if (!json_is_object(it)) {
            rc = sqt_kit_fail(e, SQT_EPROTO, "%s: not an object", path);
            goto out;
        }
        if (*n == cap) {
            rc = sqt_kit_fail(e, SQT_EPROTO, "%s: more than %zu elements", what, cap);
            goto out;
        }
        keep = 1;
        if ((rc = fill(it, path, arg, *n, &keep, e)) != SQT_OK)
            goto out;
        if (keep)
            (*n)++;
    }
out:
    if (rc != SQT_OK)
        *n = 0;
    json_decref(list);
    json_decref(root);
    return rc;
}

/* a candlesticks element: n = "<interval>_<contract>" names the symbol and interval */
static int candle_push_fill(json_t *it, const char *path, void *arg, size_t slot, int *keep,
                            sqt_error *e)
{
    sqt_kline *kk = (sqt_kline *)arg + slot;
    const char *name, *us;
    int64_t span;
    int has_w;
    (void)keep;
    memset(kk, 0, sizeof(*kk));
    if (candle_fill(it, path, kk, &has_w, e) || sqt_kit_json_str(it, "n", &name, path, e))
        return e->code;
    us = strchr(name, '_');
    if (us == NULL || us == name || (size_t)(us - name) >= sizeof(kk->interval) ||
        sqt_gt_symbol_of(us + 1, kk->symbol, sizeof(kk->symbol)) != SQT_OK)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: field 'n' is not <interval>_<contract>", path);
    memcpy(kk->interval, name, (size_t)(us - name));
    kk->interval[us - name] = '\0';
    if ((span = sqt_gt_interval_ms(kk->interval)) == 0)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: unknown interval", path);
    kk->close_time_ms = kk->open_time_ms + span - 1;
    return SQT_OK;
}

int sqt_gt_parse_candle_push(const char *data, size_t len, sqt_kline *k, size_t cap,
                             size_t *n, sqt_error *e)
{
    return push_each(data, len, "candlesticks", cap, n, candle_push_fill, k, e);
}

typedef struct order_push_arg {
    const sqt_gt_units *u;
    sqt_order *o;
} order_push_arg;

SQT_HOT static int order_push_fill(json_t *it, const char *path, void *arg, size_t slot, int *keep,
                           sqt_error *e)
{
    order_push_arg *a = arg;
    int other = 0, rc = order_fill(it, path, a->u, &a->o[slot], &other, e);
    *keep = !other;
    return rc;
}

SQT_HOT int sqt_gt_parse_order_push(const char *data, size_t len, const sqt_gt_units *u,
                            sqt_order *o, size_t cap, size_t *n, sqt_error *e)
{
    order_push_arg a = {u, o};
    return push_each(data, len, "orders", cap, n, order_push_fill, &a, e);
}

typedef struct fill_push_arg {
    const sqt_gt_units *u;
    sqt_gt_fill *f;
} fill_push_arg;

/* a usertrades element: price is a string, fee a number here (gate.md 11): a fee is
 * converted at 12 decimals, far below a cent of the settle currency */
SQT_HOT static int fill_push_fill(json_t *it, const char *path, void *arg, size_t slot, int *keep,
                          sqt_error *e)
{
    fill_push_arg *a = arg;
    sqt_gt_fill *x = &a->f[slot];
    const char *contract;
    sqt_dec size;
    int64_t t_ms, t_s;
    if (sqt_kit_json_str(it, "contract", &contract, path, e))
        return e->code;
    if (strcmp(contract, a->u->contract) != 0) {
        *keep = 0;
        return SQT_OK;
    }
    memset(x, 0, sizeof(*x));
    if (id_of(it, "order_id", x->order_id, sizeof(x->order_id), 1, path, e) ||
        id_of(it, "id", x->trade_id, sizeof(x->trade_id), 0, path, e) ||
        size_of(it, "size", 1, &size, path, e) ||
        money_of(json_object_get(it, "price") ? json_object_get(it, "price") : json_null(),
                 a->u->tick_scale, &x->price, "price", path, e) ||
        opt_money(it, "fee", 12, &x->fee, path, e) ||
        time_ms_of(it, "create_time_ms", &t_ms, path, e) ||
        time_ms_of(it, "create_time", &t_s, path, e))
        return e->code;
    if (size.mant == 0 || x->price.mant <= 0)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: size 0 or price not positive", path);
    if (sqt_gt_to_coins(dec_abs(size), a->u->mult, &x->qty) != SQT_OK)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: size out of range", path);
    x->time_ms = t_ms != 0 ? t_ms : t_s;
    return SQT_OK;
}

SQT_HOT int sqt_gt_parse_usertrades(const char *data, size_t len, const sqt_gt_units *u,
                            sqt_gt_fill *f, size_t cap, size_t *n, sqt_error *e)
{
    fill_push_arg a = {u, f};
    return push_each(data, len, "usertrades", cap, n, fill_push_fill, &a, e);
}
