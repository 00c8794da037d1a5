/* Binance parsers: see parse.h. Every field is checked for presence and type; anything
 * unexpected is SQT_EPROTO with the field's name, never a guess. */
#include "parse.h"

#include <opensqt/pluginkit.h>

#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ------------------------------------------------------------------------------------
 * helpers
 * ---------------------------------------------------------------------------------- */

static void clear_err(sqt_error *e)
{
    if (e != NULL)
        memset(e, 0, sizeof(*e));
}

/* Public parsers accept err == NULL (fuzz targets); internally it is always set. */
#define ERR_GUARD(err)                                                        \
    sqt_error err##_scratch_;                                                 \
    if ((err) == NULL)                                                        \
        (err) = &err##_scratch_;                                              \
    clear_err(err)

static int positive(sqt_dec d)
{
    return d.mant > 0;
}

/* a + b exactly, at the larger of the two scales; SQT_ERANGE when it does not fit. */
static int dec_add(sqt_dec a, sqt_dec b, sqt_dec *out)
{
    int32_t s = a.scale > b.scale ? a.scale : b.scale;
    if (sqt_dec_rescale(a, s, &a) != SQT_OK || sqt_dec_rescale(b, s, &b) != SQT_OK)
        return SQT_ERANGE;
    if ((b.mant > 0 && a.mant > INT64_MAX - b.mant) ||
        (b.mant < 0 && a.mant < INT64_MIN - b.mant))
        return SQT_ERANGE;
    *out = sqt_dec_make(a.mant + b.mant, s);
    return SQT_OK;
}

/* Binance's order status and side names (parse.h); n is the text's length, so the
 * DOM path (strlen of Jansson's string) and the fast path (a token) share the table. */
static int name_is(const char *s, size_t n, const char *lit)
{
    return n == strlen(lit) && memcmp(s, lit, n) == 0;
}

SQT_HOT int sqt_bn_status_of(const char *s, size_t n)
{
    if (name_is(s, n, "NEW"))
        return SQT_ORDER_NEW;
    if (name_is(s, n, "PARTIALLY_FILLED"))
        return SQT_ORDER_PARTIALLY_FILLED;
    if (name_is(s, n, "FILLED"))
        return SQT_ORDER_FILLED;
    if (name_is(s, n, "CANCELED"))
        return SQT_ORDER_CANCELED;
    if (name_is(s, n, "EXPIRED") || name_is(s, n, "EXPIRED_IN_MATCH"))
        return SQT_ORDER_EXPIRED;
    if (name_is(s, n, "REJECTED"))
        return SQT_ORDER_REJECTED;
    return -1;
}

SQT_HOT int sqt_bn_side_of(const char *s, size_t n)
{
    if (name_is(s, n, "BUY"))
        return SQT_SIDE_BUY;
    if (name_is(s, n, "SELL"))
        return SQT_SIDE_SELL;
    return -1;
}

static int status_of(const char *s)
{
    return sqt_bn_status_of(s, strlen(s));
}

static int side_of(const char *s)
{
    return sqt_bn_side_of(s, strlen(s));
}

/* Client ids reach the host without our broker prefix. */
static int copy_client_id(char *dst, const char *id, const char *prefix, const char *what,
                          sqt_error *e)
{
    size_t pl = prefix != NULL ? strlen(prefix) : 0;
    if (pl > 0 && strncmp(id, prefix, pl) == 0)
        id += pl;
    return sqt_kit_json_copy(dst, SQT_CLIENT_ID_MAX, id, "clientOrderId", what, e);
}

static void order_init(sqt_order *o)
{
    memset(o, 0, sizeof(*o));
    o->struct_size = sizeof(*o);
}

/* The fields shared by every REST order answer (place, cancel, query, open orders). */
static int order_from_rest(json_t *o, const char *prefix, sqt_order *out, const char *what,
                           sqt_error *e)
{
    const char *sym = "", *cid = "", *side = "", *status = "", *tif = "GTC";
    int64_t oid = 0, t = 0;
    int st, sd, ro;
    order_init(out);
    if (!json_is_object(o))
        return sqt_kit_fail(e, SQT_EPROTO, "%s: order is not an object", what);
    if (sqt_kit_json_str(o, "symbol", &sym, what, e) || sqt_kit_json_str(o, "clientOrderId", &cid, what, e) ||
        sqt_kit_json_i64(o, "orderId", &oid, what, e) || sqt_kit_json_str(o, "side", &side, what, e) ||
        sqt_kit_json_str(o, "status", &status, what, e) || sqt_kit_json_dec(o, "price", &out->price, what, e) ||
        sqt_kit_json_dec(o, "origQty", &out->qty, what, e) ||
        sqt_kit_json_dec(o, "executedQty", &out->filled_qty, what, e) ||
        sqt_kit_json_opt_dec(o, "avgPrice", &out->avg_price, what, e) ||
        sqt_kit_json_opt_str(o, "timeInForce", &tif, "GTC", what, e) ||
        sqt_kit_json_opt_bool(o, "reduceOnly", &ro, what, e) || sqt_kit_json_opt_i64(o, "time", &t, 0, what, e) ||
        sqt_kit_json_opt_i64(o, "updateTime", &out->update_time_ms, t, what, e))
        return e ? e->code : SQT_EPROTO;
    if ((st = status_of(status)) < 0)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: unknown order status '%.32s'", what, status);
    if ((sd = side_of(side)) < 0)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: unknown side '%.16s'", what, side);
    if (out->qty.mant < 0 || out->filled_qty.mant < 0) /* as for pushes */
        return sqt_kit_fail(e, SQT_EPROTO, "%s: negative quantity", what);
    if (sqt_kit_json_copy(out->symbol, sizeof(out->symbol), sym, "symbol", what, e) ||
        copy_client_id(out->client_id, cid, prefix, what, e))
        return e ? e->code : SQT_EPROTO;
    snprintf(out->order_id, sizeof(out->order_id), "%lld", (long long)oid);
    out->status = (sqt_order_status)st;
    out->side = (sqt_side)sd;
    out->tif = strcmp(tif, "GTX") == 0 ? SQT_TIF_POST_ONLY : SQT_TIF_GTC;
    out->reduce_only = ro;
    return SQT_OK;
}

/* ------------------------------------------------------------------------------------
 * errors
 * ---------------------------------------------------------------------------------- */

int sqt_bn_code_class(long code)
{
    switch (code) {
    case -1003: /* too many requests (weight) */
    case -1015: /* too many orders */
    case -1008: /* throttled by system protection */
        return SQT_ERATE_LIMITED;
    case -5022:
        return SQT_EPOST_ONLY;
    case -2018:
    case -2019:
        return SQT_EMARGIN;
    case -2011:
    case -2013:
        return SQT_EUNKNOWN_ORDER;
    case -1021:
    case -5028:
        return SQT_ETIMESTAMP;
    case -1002:
    case -1022:
    case -2014:
    case -2015:
        return SQT_EAUTH;
    case -4061:
        return SQT_EPOSITION_MODE;
    case -4116:
        return SQT_EDUP_CLIENT_ID;
    case -1001: /* internal error / disconnected */
    case -1006: /* unexpected response from the bus: execution status unknown */
    case -1007: /* backend timeout: execution status unknown */
        return SQT_EUNKNOWN_STATUS;
    case -1013: /* filter failure */
    case -1111: /* too many decimals */
    case -2022: /* reduce-only would increase the position */
    case -4003: /* quantity <= 0 */
    case -4004: /* quantity below minQty */
    case -4005: /* quantity above maxQty */
    case -4013: /* price below minPrice */
    case -4014: /* price not a multiple of tickSize */
    case -4015: /* client order id invalid */
    case -4016: /* price above the multiplier-up cap */
    case -4023: /* quantity not a multiple of stepSize */
    case -4024: /* price below the multiplier-down floor */
    case -4131: /* PERCENT_PRICE */
    case -4164: /* MIN_NOTIONAL */
        return SQT_ERULES;
    default:
        return SQT_EEXCHANGE;
    }
}

/* Printable, bounded excerpt of a non-JSON body for the message. */
static void snippet(char *dst, size_t cap, const char *body, size_t len)
{
    size_t i, n = 0;
    for (i = 0; i < len && n + 1 < cap && n < 96; i++) {
        unsigned char c = (unsigned char)body[i];
        dst[n++] = (c >= 0x20 && c < 0x7f) ? (char)c : ' ';
    }
    dst[n] = '\0';
}

/* "... IP banned until 1700000000000. ..." -> the time, 0 when not there. */
static int64_t banned_until_in(const char *msg)
{
    const char *p = strstr(msg, "banned until ");
    int64_t v = 0;
    int digits = 0;
    if (p == NULL)
        return 0;
    for (p += 13; *p >= '0' && *p <= '9' && digits < 15; p++, digits++)
        v = v * 10 + (*p - '0');
    return digits >= 12 ? v : 0;
}


/* 1 when the text could hold a key "code" once parsed: the six bytes "code" appear, or
 * an escape (a key may spell it with one). 0 proves the DOM has no "code" key. */
static int may_name_code(const char *s, size_t n)
{
    size_t i;
    for (i = 0; i < n; i++) {
        if (s[i] == '\\')
            return 1;
        if (s[i] == '"' && n - i >= 6 && memcmp(s + i, "\"code\"", 6) == 0)
            return 1;
    }
    return 0;
}

int sqt_bn_classify(int http_status, const char *body, size_t len, const char *retry_after,
                    int64_t now_ms, sqt_error *e)
{
    json_t *root = NULL, *jc, *jm;
    long code = 0;
    int have_code = 0, cls;
    int64_t until;
    ERR_GUARD(e);
    e->http_status = http_status;
    /* A success is one unless its body carries a negative "code": when no "code" key can
     * be in it, the body is left to the operation's own parse (one DOM per answer, not
     * two). */
    if (http_status >= 200 && http_status <= 299 &&
        (body == NULL || !may_name_code(body, len)))
        return e->code = SQT_OK;
    if (body != NULL && len > 0) {
        root = json_loadb(body, len, 0, NULL);
        if (json_is_object(root)) {
            jc = json_object_get(root, "code");
            jm = json_object_get(root, "msg");
            if (json_is_integer(jc)) {
                code = (long)json_integer_value(jc);
                have_code = 1;
                snprintf(e->exch_code, sizeof(e->exch_code), "%ld", code);
            }
            if (json_is_string(jm))
                snprintf(e->message, sizeof(e->message), "%s", json_string_value(jm));
        }
        if (e->message[0] == '\0' && (http_status < 200 || http_status > 299) && root == NULL)
            snippet(e->message, sizeof(e->message), body, len);
        json_decref(root);
    }
    if (http_status >= 200 && http_status <= 299 && !(have_code && code < 0)) {
        e->exch_code[0] = '\0';
        e->message[0] = '\0';
        return e->code = SQT_OK;
    }
    if (e->message[0] == '\0')
        snprintf(e->message, sizeof(e->message), "HTTP %d", http_status);

    until = banned_until_in(e->message);
    if (http_status == 418 || until > 0) {
        e->retry_after_ms = until > now_ms ? until - now_ms : sqt_kit_retry_after_ms(retry_after);
        if (e->retry_after_ms <= 0)
            e->retry_after_ms = 120000; /* the shortest ban Binance hands out */
        return e->code = SQT_EBANNED;
    }
    if (http_status == 429 || (have_code && sqt_bn_code_class(code) == SQT_ERATE_LIMITED)) {
        e->retry_after_ms = sqt_kit_retry_after_ms(retry_after);
        return e->code = SQT_ERATE_LIMITED;
    }
    if (have_code && code < 0 && (cls = sqt_bn_code_class(code)) != SQT_EEXCHANGE)
        return e->code = cls;
    if (http_status >= 500 || http_status == 408)
        return e->code = SQT_EUNKNOWN_STATUS; /* sent, no verdict: verify before resending */
    if (http_status == 401)
        return e->code = SQT_EAUTH;
    if (http_status == 403 && !have_code) {
        snprintf(e->message, sizeof(e->message), "HTTP 403: blocked by the exchange's firewall");
        return e->code = SQT_EEXCHANGE;
    }
    return e->code = SQT_EEXCHANGE;
}

/* ------------------------------------------------------------------------------------
 * REST answers
 * ---------------------------------------------------------------------------------- */

static void read_rate_limits(json_t *root, sqt_bn_limits *lim)
{
    json_t *arr = json_object_get(root, "rateLimits"), *rl;
    size_t i;
    lim->weight_1m = lim->orders_1m = lim->orders_10s = -1;
    if (!json_is_array(arr))
        return;
    json_array_foreach(arr, i, rl) {
        json_t *type = json_object_get(rl, "rateLimitType");
        json_t *iv = json_object_get(rl, "interval");
        json_t *num = json_object_get(rl, "intervalNum");
        json_t *limit = json_object_get(rl, "limit");
        json_int_t n, l;
        if (!json_is_string(type) || !json_is_string(iv) || !json_is_integer(num) ||
            !json_is_integer(limit))
            continue; /* advisory data: skip what we cannot read */
        n = json_integer_value(num);
        l = json_integer_value(limit);
        if (l <= 0 || l > INT32_MAX)
            continue;
        if (strcmp(json_string_value(type), "REQUEST_WEIGHT") == 0 &&
            strcmp(json_string_value(iv), "MINUTE") == 0 && n == 1)
            lim->weight_1m = (int32_t)l;
        else if (strcmp(json_string_value(type), "ORDERS") == 0 &&
                 strcmp(json_string_value(iv), "MINUTE") == 0 && n == 1)
            lim->orders_1m = (int32_t)l;
        else if (strcmp(json_string_value(type), "ORDERS") == 0 &&
                 strcmp(json_string_value(iv), "SECOND") == 0 && n == 10)
            lim->orders_10s = (int32_t)l;
    }
}

/* An optional bound of a filter: absent or "0" = none; negative is refused. */
static int opt_bound(json_t *f, const char *key, sqt_dec *out, const char *what, sqt_error *e)
{
    if (sqt_kit_json_opt_dec(f, key, out, what, e) != SQT_OK)
        return e->code;
    if (out->mant < 0)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: %s must not be negative", what, key);
    *out = sqt_dec_normalize(*out);
    return SQT_OK;
}

static int read_filters(json_t *filters, sqt_symbol_info *info, sqt_bn_limits *lim,
                        const char *what, sqt_error *e)
{
    json_t *f;
    size_t i;
    int have_price = 0, have_lot = 0;
    if (!json_is_array(filters))
        return sqt_kit_fail(e, SQT_EPROTO, "%s: 'filters' is not an array", what);
    json_array_foreach(filters, i, f) {
        const char *type;
        int64_t limit;
        if (!json_is_object(f) || sqt_kit_json_str(f, "filterType", &type, what, e))
            return sqt_kit_fail(e, SQT_EPROTO, "%s: filters[%zu] has no filterType", what, i);
        if (strcmp(type, "PRICE_FILTER") == 0) {
            if (sqt_kit_json_dec(f, "tickSize", &info->tick_size, "PRICE_FILTER", e) ||
                opt_bound(f, "minPrice", &lim->min_price, "PRICE_FILTER", e) ||
                opt_bound(f, "maxPrice", &lim->max_price, "PRICE_FILTER", e))
                return e->code;
            have_price = 1;
        } else if (strcmp(type, "LOT_SIZE") == 0) {
            if (sqt_kit_json_dec(f, "stepSize", &info->step_size, "LOT_SIZE", e) ||
                sqt_kit_json_dec(f, "minQty", &info->min_qty, "LOT_SIZE", e) ||
                opt_bound(f, "maxQty", &lim->max_qty, "LOT_SIZE", e))
                return e->code;
            have_lot = 1;
        } else if (strcmp(type, "MIN_NOTIONAL") == 0) {
            if (sqt_kit_json_dec(f, "notional", &info->min_notional, "MIN_NOTIONAL", e))
                return e->code;
        } else if (strcmp(type, "MAX_NUM_ORDERS") == 0) {
            if (sqt_kit_json_i64(f, "limit", &limit, "MAX_NUM_ORDERS", e))
                return e->code;
            if (limit < 0 || limit > INT32_MAX)
                return sqt_kit_fail(e, SQT_EPROTO, "MAX_NUM_ORDERS: limit out of range");
            info->max_open_orders = (int32_t)limit;
        }
    }
    if (!have_price || !have_lot)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: %s filter missing", what,
                    have_price ? "LOT_SIZE" : "PRICE_FILTER");
    if (!positive(info->tick_size) || !positive(info->step_size) || info->min_qty.mant < 0 ||
        info->min_notional.mant < 0)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: tickSize/stepSize must be > 0, minQty/notional >= 0",
                    what);
    info->tick_size = sqt_dec_normalize(info->tick_size);
    info->step_size = sqt_dec_normalize(info->step_size);
    info->min_qty = sqt_dec_normalize(info->min_qty);
    info->min_notional = sqt_dec_normalize(info->min_notional);
    return SQT_OK;
}

int sqt_bn_parse_exchange_info(const char *json, size_t len, const char *symbol,
                               sqt_symbol_info *info, sqt_bn_limits *lim, sqt_error *err)
{
    const char *what = "exchangeInfo";
    json_t *root, *syms, *s, *found = NULL;
    const char *status, *base, *quote;
    sqt_bn_limits scratch;
    size_t i;
    int rc = SQT_OK;
    ERR_GUARD(err);
    if (lim == NULL)
        lim = &scratch;
    memset(lim, 0, sizeof(*lim));
    memset(info, 0, sizeof(*info));
    info->struct_size = sizeof(*info);
    if ((root = sqt_kit_json_load(json, len, what, err)) == NULL)
        return SQT_EPROTO;
    syms = json_object_get(root, "symbols");
    if (!json_is_object(root) || !json_is_array(syms)) {
        rc = sqt_kit_fail(err, SQT_EPROTO, "%s: 'symbols' array missing", what);
        goto out;
    }
    json_array_foreach(syms, i, s) {
        json_t *name = json_object_get(s, "symbol");
        if (json_is_string(name) && strcmp(json_string_value(name), symbol) == 0) {
            found = s;
            break;
        }
    }
    if (found == NULL) {
        rc = sqt_kit_fail(err, SQT_ENOENT, "symbol %.31s is not listed on Binance USDS-M futures",
                  symbol);
        goto out;
    }
    if (sqt_kit_json_str(found, "status", &status, what, err) ||
        sqt_kit_json_str(found, "baseAsset", &base, what, err) ||
        sqt_kit_json_str(found, "quoteAsset", &quote, what, err) ||
        sqt_kit_json_copy(info->symbol, sizeof(info->symbol), symbol, "symbol", what, err) ||
        sqt_kit_json_copy(info->base_asset, sizeof(info->base_asset), base, "baseAsset", what, err) ||
        sqt_kit_json_copy(info->quote_asset, sizeof(info->quote_asset), quote, "quoteAsset", what, err) ||
        read_filters(json_object_get(found, "filters"), info, lim, symbol, err)) {
        rc = err ? err->code : SQT_EPROTO;
        goto out;
    }
    if (strcmp(status, "TRADING") != 0) {
        rc = sqt_kit_fail(err, SQT_ESTATE, "symbol %.31s is not trading (status %.24s)", symbol, status);
        goto out;
    }
    info->contract_multiplier = sqt_dec_make(1, 0);
    info->max_batch_place = SQT_BN_MAX_BATCH_PLACE;
    info->max_batch_cancel = SQT_BN_MAX_BATCH_CANCEL;
    info->client_id_max_len = SQT_BN_CLIENT_ID_LIMIT;
    read_rate_limits(root, lim);
out:
    json_decref(root);
    return rc;
}

int sqt_bn_parse_server_time(const char *json, size_t len, int64_t *ms, sqt_error *err)
{
    json_t *root;
    int rc;
    ERR_GUARD(err);
    if ((root = sqt_kit_json_load(json, len, "time", err)) == NULL)
        return SQT_EPROTO;
    rc = json_is_object(root) ? sqt_kit_json_i64(root, "serverTime", ms, "time", err)
                              : sqt_kit_fail(err, SQT_EPROTO, "time: not an object");
    if (rc == SQT_OK && *ms <= 0)
        rc = sqt_kit_fail(err, SQT_EPROTO, "time: serverTime not positive");
    json_decref(root);
    return rc;
}

int sqt_bn_parse_listen_key(const char *json, size_t len, char *key, size_t cap, sqt_error *err)
{
    json_t *root;
    const char *k;
    int rc;
    ERR_GUARD(err);
    if ((root = sqt_kit_json_load(json, len, "listenKey", err)) == NULL)
        return SQT_EPROTO;
    rc = json_is_object(root) ? sqt_kit_json_str(root, "listenKey", &k, "listenKey", err)
                              : sqt_kit_fail(err, SQT_EPROTO, "listenKey: not an object");
    if (rc == SQT_OK) {
        size_t i, n = strlen(k);
        if (n == 0)
            rc = sqt_kit_fail(err, SQT_EPROTO, "listenKey: empty");
        /* it goes into a URL: only plain characters */
        for (i = 0; rc == SQT_OK && i < n; i++)
            if (!((k[i] >= 'A' && k[i] <= 'Z') || (k[i] >= 'a' && k[i] <= 'z') ||
                  (k[i] >= '0' && k[i] <= '9')))
                rc = sqt_kit_fail(err, SQT_EPROTO, "listenKey: unexpected character");
        if (rc == SQT_OK)
            rc = sqt_kit_json_copy(key, cap, k, "listenKey", "listenKey", err);
    }
    json_decref(root);
    return rc;
}

int sqt_bn_parse_position_mode(const char *json, size_t len, int *hedge, sqt_error *err)
{
    json_t *root, *v;
    int rc = SQT_OK;
    ERR_GUARD(err);
    if ((root = sqt_kit_json_load(json, len, "positionSide/dual", err)) == NULL)
        return SQT_EPROTO;
    v = json_object_get(root, "dualSidePosition");
    if (!json_is_boolean(v))
        rc = sqt_kit_fail(err, SQT_EPROTO, "positionSide/dual: 'dualSidePosition' missing or not a boolean");
    else
        *hedge = json_is_true(v);
    json_decref(root);
    return rc;
}

static int leverage_of(json_t *o, int32_t *out, const char *what, sqt_error *e)
{
    int64_t lev;
    if (sqt_kit_json_opt_i64(o, "leverage", &lev, 0, what, e))
        return e->code;
    if (lev < 0 || lev > 1000)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: leverage out of range", what);
    *out = (int32_t)lev;
    return SQT_OK;
}

int sqt_bn_parse_symbol_leverage(const char *json, size_t len, const char *symbol,
                                 int32_t *leverage, sqt_error *err)
{
    const char *what = "symbolConfig";
    json_t *root, *a;
    size_t i;
    int rc;
    ERR_GUARD(err);
    *leverage = 0;
    if ((root = sqt_kit_json_load(json, len, what, err)) == NULL)
        return SQT_EPROTO;
    rc = json_is_array(root) ? SQT_OK : sqt_kit_fail(err, SQT_EPROTO, "%s: not an array", what);
    json_array_foreach(root, i, a) {
        const char *sym;
        if (rc != SQT_OK)
            break;
        if (!json_is_object(a) || sqt_kit_json_str(a, "symbol", &sym, what, err) != SQT_OK) {
            rc = sqt_kit_fail(err, SQT_EPROTO, "%s: element %zu malformed", what, i);
            break;
        }
        if (strcmp(sym, symbol) == 0) {
            rc = leverage_of(a, leverage, what, err);
            if (rc == SQT_OK && *leverage == 0)
                rc = sqt_kit_fail(err, SQT_EPROTO, "%s: field 'leverage' missing", what);
            json_decref(root);
            return rc;
        }
    }
    if (rc == SQT_OK)
        rc = sqt_kit_fail(err, SQT_EPROTO, "%s: %.31s not listed", what, symbol);
    json_decref(root);
    return rc;
}

int sqt_bn_parse_account(const char *json, size_t len, const char *asset, const char *symbol,
                         sqt_account *out, sqt_error *err)
{
    const char *what = "account";
    json_t *root, *assets, *positions, *a;
    size_t i;
    int rc = SQT_OK;
    ERR_GUARD(err);
    memset(out, 0, sizeof(*out));
    out->struct_size = sizeof(*out);
    if ((root = sqt_kit_json_load(json, len, what, err)) == NULL)
        return SQT_EPROTO;
    assets = json_object_get(root, "assets");
    positions = json_object_get(root, "positions");
    if (!json_is_array(assets)) {
        rc = sqt_kit_fail(err, SQT_EPROTO, "account: 'assets' array missing");
        goto out;
    }
    if ((rc = sqt_kit_json_copy(out->asset, sizeof(out->asset), asset, "asset", what, err)) != SQT_OK)
        goto out;
    /* an asset the account never held is simply absent: balance 0 */
    json_array_foreach(assets, i, a) {
        const char *name;
        if (!json_is_object(a) || sqt_kit_json_str(a, "asset", &name, "account.assets", err)) {
            rc = sqt_kit_fail(err, SQT_EPROTO, "account: assets[%zu] malformed", i);
            goto out;
        }
        if (strcmp(name, asset) != 0)
            continue;
        if ((rc = sqt_kit_json_dec(a, "walletBalance", &out->balance, "account.assets", err)) ||
            (rc = sqt_kit_json_dec(a, "availableBalance", &out->available, "account.assets", err)))
            goto out;
        break;
    }
    if (json_is_array(positions)) {
        json_array_foreach(positions, i, a) {
            const char *sym = "", *side = "BOTH";
            if (!json_is_object(a) || sqt_kit_json_str(a, "symbol", &sym, "account.positions", err)) {
                rc = sqt_kit_fail(err, SQT_EPROTO, "account: positions[%zu] malformed", i);
                goto out;
            }
            if (strcmp(sym, symbol) != 0)
                continue;
            if ((rc = sqt_kit_json_opt_str(a, "positionSide", &side, "BOTH", what, err)) ||
                (rc = leverage_of(a, &out->leverage, what, err)))
                goto out;
            if (strcmp(side, "BOTH") == 0 || strcmp(side, "LONG") == 0)
                break;
        }
    }
out:
    json_decref(root);
    return rc;
}

int sqt_bn_parse_positions(const char *json, size_t len, const char *symbol, sqt_position *out,
                           size_t cap, size_t *n, sqt_error *err)
{
    const char *what = "positionRisk";
    json_t *root, *p;
    size_t i;
    int rc = SQT_OK;
    ERR_GUARD(err);
    *n = 0;
    if ((root = sqt_kit_json_load(json, len, what, err)) == NULL)
        return SQT_EPROTO;
    if (!json_is_array(root)) {
        rc = sqt_kit_fail(err, SQT_EPROTO, "positionRisk: not an array");
        goto out;
    }
    json_array_foreach(root, i, p) {
        const char *sym;
        sqt_position *q;
        if (!json_is_object(p) || sqt_kit_json_str(p, "symbol", &sym, what, err)) {
            rc = sqt_kit_fail(err, SQT_EPROTO, "positionRisk: element %zu malformed", i);
            goto out;
        }
        if (strcmp(sym, symbol) != 0)
            continue;
        if (*n == cap) {
            rc = sqt_kit_fail(err, SQT_EPROTO, "positionRisk: more than %zu entries for %.31s", cap,
                      symbol);
            goto out;
        }
        q = &out[*n];
        memset(q, 0, sizeof(*q));
        q->struct_size = sizeof(*q);
        if ((rc = sqt_kit_json_copy(q->symbol, sizeof(q->symbol), sym, "symbol", what, err)) ||
            (rc = sqt_kit_json_dec(p, "positionAmt", &q->size, what, err)) ||
            (rc = sqt_kit_json_dec(p, "entryPrice", &q->entry_price, what, err)) ||
            (rc = sqt_kit_json_opt_dec(p, "unRealizedProfit", &q->unrealized_pnl, what, err)) ||
            (rc = leverage_of(p, &q->leverage, what, err)))
            goto out;
        (*n)++;
    }
out:
    json_decref(root);
    return rc;
}

int sqt_bn_parse_order(const char *json, size_t len, const char *prefix, sqt_order *out,
                       sqt_error *err)
{
    json_t *root;
    int rc;
    ERR_GUARD(err);
    if ((root = sqt_kit_json_load(json, len, "order", err)) == NULL)
        return SQT_EPROTO;
    rc = order_from_rest(root, prefix, out, "order", err);
    json_decref(root);
    return rc;
}

int sqt_bn_parse_orders(const char *json, size_t len, const char *symbol, const char *prefix,
                        sqt_order **out, size_t *n, sqt_error *err)
{
    json_t *root, *o;
    sqt_order *arr = NULL;
    size_t i, k = 0;
    int rc = SQT_OK;
    ERR_GUARD(err);
    *out = NULL;
    *n = 0;
    if ((root = sqt_kit_json_load(json, len, "openOrders", err)) == NULL)
        return SQT_EPROTO;
    if ((arr = sqt_kit_json_array_new(root, sizeof(*arr), "openOrders", err)) == NULL) {
        rc = err->code;
        goto out;
    }
    json_array_foreach(root, i, o) {
        if ((rc = order_from_rest(o, prefix, &arr[k], "openOrders", err)) != SQT_OK)
            goto out;
        if (symbol == NULL || strcmp(arr[k].symbol, symbol) == 0)
            k++;
    }
out:
    json_decref(root);
    if (rc != SQT_OK || k == 0) {
        free(arr);
        arr = NULL;
        k = 0;
    }
    *out = arr;
    *n = k;
    return rc;
}

/* One trade of a userTrades answer, added to *sum when it is of symbol/order_id.
 *
 * `commission` is taken as given, positive = paid, like the push field `n`. Binance's
 * documentation shows a negative example while pushes carry paid fees as positive
 * values: the sign is UNCONFIRMED (binance.md section 5, "Fees"), so no abs() here and a
 * value of either sign is summed as it came. */
static int trade_add(json_t *t, size_t i, const char *symbol, const char *order_id,
                     sqt_bn_trade_sum *sum, int *mixed, sqt_error *e)
{
    const char *sym = "", *side = "", *asset = "";
    char what[40], oid_s[24];
    int64_t id = 0, oid = 0, time = 0;
    sqt_dec price, qty, fee;
    snprintf(what, sizeof(what), "userTrades[%zu]", i);
    if (!json_is_object(t))
        return sqt_kit_fail(e, SQT_EPROTO, "%s: not an object", what);
    if (sqt_kit_json_str(t, "symbol", &sym, what, e) || sqt_kit_json_i64(t, "id", &id, what, e) ||
        sqt_kit_json_i64(t, "orderId", &oid, what, e) || sqt_kit_json_str(t, "side", &side, what, e) ||
        sqt_kit_json_dec(t, "price", &price, what, e) || sqt_kit_json_dec(t, "qty", &qty, what, e) ||
        sqt_kit_json_dec(t, "commission", &fee, what, e) ||
        sqt_kit_json_str(t, "commissionAsset", &asset, what, e) || sqt_kit_json_i64(t, "time", &time, what, e))
        return e->code;
    if (side_of(side) < 0)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: unknown side '%.16s'", what, side);
    if (!positive(qty) || !positive(price))
        return sqt_kit_fail(e, SQT_EPROTO, "%s: qty and price must be > 0", what);
    if (strlen(asset) >= SQT_ASSET_MAX)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: field 'commissionAsset' too long", what);
    if (asset[0] == '\0' && fee.mant != 0)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: commission without commissionAsset", what);
    snprintf(oid_s, sizeof(oid_s), "%lld", (long long)oid);
    if (strcmp(sym, symbol) != 0 || strcmp(oid_s, order_id) != 0)
        return SQT_OK;
    if (dec_add(sum->qty, qty, &sum->qty) != SQT_OK ||
        dec_add(sum->fee, fee, &sum->fee) != SQT_OK)
        return sqt_kit_fail(e, SQT_EPROTO, "userTrades: sum of qty or commission out of range");
    if (asset[0] != '\0' && sum->fee_asset[0] == '\0')
        memcpy(sum->fee_asset, asset, strlen(asset) + 1);
    else if (asset[0] != '\0' && strcmp(asset, sum->fee_asset) != 0)
        *mixed = 1;
    sum->n++;
    return SQT_OK;
}

int sqt_bn_parse_user_trades(const char *json, size_t len, const char *symbol,
                             const char *order_id, sqt_bn_trade_sum *sum, sqt_error *err)
{
    json_t *root, *t;
    size_t i;
    int rc = SQT_OK, mixed = 0;
    ERR_GUARD(err);
    memset(sum, 0, sizeof(*sum));
    if ((root = sqt_kit_json_load(json, len, "userTrades", err)) == NULL)
        return SQT_EPROTO;
    if (!json_is_array(root)) {
        rc = sqt_kit_fail(err, SQT_EPROTO, "userTrades: not an array");
        goto out;
    }
    json_array_foreach(root, i, t) {
        if ((rc = trade_add(t, i, symbol, order_id, sum, &mixed, err)) != SQT_OK)
            goto out;
    }
    sum->one_asset = sum->fee_asset[0] != '\0' && !mixed;
out:
    json_decref(root);
    if (rc != SQT_OK)
        memset(sum, 0, sizeof(*sum));
    return rc;
}

int sqt_bn_parse_batch(const char *json, size_t len, size_t n, const char *prefix,
                       sqt_bn_item *items, sqt_error *err)
{
    json_t *root, *el;
    size_t i;
    int rc = SQT_OK;
    ERR_GUARD(err);
    if ((root = sqt_kit_json_load(json, len, "batchOrders", err)) == NULL)
        return SQT_EPROTO;
    if (!json_is_array(root) || json_array_size(root) != n) {
        rc = sqt_kit_fail(err, SQT_EPROTO, "batchOrders: expected an array of %zu results", n);
        goto out;
    }
    json_array_foreach(root, i, el) {
        sqt_bn_item *it = &items[i];
        json_t *code = json_object_get(el, "code");
        memset(it, 0, sizeof(*it));
        if (!json_is_object(el)) {
            rc = sqt_kit_fail(err, SQT_EPROTO, "batchOrders: element %zu is not an object", i);
            goto out;
        }
        if (code != NULL && json_object_get(el, "orderId") == NULL) {
            json_t *msg = json_object_get(el, "msg");
            if (!json_is_integer(code)) {
                rc = sqt_kit_fail(err, SQT_EPROTO, "batchOrders: element %zu: code not an integer", i);
                goto out;
            }
            it->err.code = sqt_bn_code_class((long)json_integer_value(code));
            snprintf(it->err.exch_code, sizeof(it->err.exch_code), "%lld",
                     (long long)json_integer_value(code));
            snprintf(it->err.message, sizeof(it->err.message), "%s",
                     json_is_string(msg) ? json_string_value(msg) : "");
            if (json_integer_value(code) >= 0) /* {"code":200} style: no order, no verdict */
                it->err.code = SQT_EPROTO;
            continue;
        }
        if ((rc = order_from_rest(el, prefix, &it->order, "batchOrders", err)) != SQT_OK)
            goto out;
    }
out:
    json_decref(root);
    return rc;
}

int sqt_bn_parse_klines(const char *json, size_t len, const char *symbol, const char *interval,
                        int64_t server_now_ms, sqt_kline **out, size_t *n, sqt_error *err)
{
    const char *what = "klines";
    json_t *root, *row;
    sqt_kline *arr = NULL;
    size_t i;
    int rc = SQT_OK;
    ERR_GUARD(err);
    *out = NULL;
    *n = 0;
    if ((root = sqt_kit_json_load(json, len, what, err)) == NULL)
        return SQT_EPROTO;
    if ((arr = sqt_kit_json_array_new(root, sizeof(*arr), "klines", err)) == NULL) {
        rc = err->code;
        goto out;
    }
    json_array_foreach(root, i, row) {
        sqt_kline *k = &arr[i];
        if (!json_is_array(row) || json_array_size(row) < 7) {
            rc = sqt_kit_fail(err, SQT_EPROTO, "klines: row %zu is not an array of >= 7", i);
            goto out;
        }
        if ((rc = sqt_kit_json_i64_of(json_array_get(row, 0), &k->open_time_ms, "openTime", what, err)) ||
            (rc = sqt_kit_json_dec_of(json_array_get(row, 1), &k->open, "open", what, err)) ||
            (rc = sqt_kit_json_dec_of(json_array_get(row, 2), &k->high, "high", what, err)) ||
            (rc = sqt_kit_json_dec_of(json_array_get(row, 3), &k->low, "low", what, err)) ||
            (rc = sqt_kit_json_dec_of(json_array_get(row, 4), &k->close, "close", what, err)) ||
            (rc = sqt_kit_json_dec_of(json_array_get(row, 5), &k->volume, "volume", what, err)) ||
            (rc = sqt_kit_json_i64_of(json_array_get(row, 6), &k->close_time_ms, "closeTime", what, err)) ||
            (rc = sqt_kit_json_copy(k->symbol, sizeof(k->symbol), symbol, "symbol", what, err)) ||
            (rc = sqt_kit_json_copy(k->interval, sizeof(k->interval), interval, "interval", what, err)))
            goto out;
        if (!positive(k->close) || k->close_time_ms < k->open_time_ms) {
            rc = sqt_kit_fail(err, SQT_EPROTO, "klines: row %zu inconsistent", i);
            goto out;
        }
        k->closed = k->close_time_ms < server_now_ms;
    }
    *n = json_array_size(root);
out:
    json_decref(root);
    if (rc != SQT_OK || *n == 0) {
        free(arr);
        arr = NULL;
        *n = 0;
    }
    *out = arr;
    return rc;
}

/* ------------------------------------------------------------------------------------
 * stream messages
 * ---------------------------------------------------------------------------------- */

/* {"stream":"...","data":{...}} -> the inner object; anything else -> itself. */
static json_t *unwrap(json_t *root)
{
    json_t *data = json_object_get(root, "data");
    if (json_is_string(json_object_get(root, "stream")) && json_is_object(data))
        return data;
    return root;
}

static int order_from_push(json_t *ev, const char *prefix, sqt_order *out, sqt_error *e)
{
    const char *what = "ORDER_TRADE_UPDATE";
    json_t *o = json_object_get(ev, "o");
    const char *sym = "", *cid = "", *side = "", *status = "", *tif = "GTC", *fee_asset = "";
    int64_t ev_time = 0, tx_time = 0, oid = 0;
    int st, sd, ro;
    order_init(out);
    if (!json_is_object(o))
        return sqt_kit_fail(e, SQT_EPROTO, "%s: 'o' missing", what);
    if (sqt_kit_json_i64(ev, "E", &ev_time, what, e) || sqt_kit_json_opt_i64(ev, "T", &tx_time, 0, what, e) ||
        sqt_kit_json_str(o, "s", &sym, what, e) || sqt_kit_json_str(o, "c", &cid, what, e) ||
        sqt_kit_json_str(o, "S", &side, what, e) || sqt_kit_json_str(o, "X", &status, what, e) ||
        sqt_kit_json_i64(o, "i", &oid, what, e) || sqt_kit_json_dec(o, "q", &out->qty, what, e) ||
        sqt_kit_json_dec(o, "p", &out->price, what, e) || sqt_kit_json_dec(o, "z", &out->filled_qty, what, e) ||
        sqt_kit_json_opt_dec(o, "ap", &out->avg_price, what, e) ||
        sqt_kit_json_opt_dec(o, "l", &out->last_fill_qty, what, e) ||
        sqt_kit_json_opt_dec(o, "L", &out->last_fill_price, what, e) ||
        sqt_kit_json_opt_dec(o, "n", &out->fee, what, e) || sqt_kit_json_opt_str(o, "N", &fee_asset, "", what, e) ||
        sqt_kit_json_opt_dec(o, "rp", &out->realized_pnl, what, e) || sqt_kit_json_opt_str(o, "f", &tif, "GTC", what, e) ||
        sqt_kit_json_opt_bool(o, "R", &ro, what, e))
        return e->code;
    if (tx_time == 0 && sqt_kit_json_opt_i64(o, "T", &tx_time, ev_time, what, e))
        return e->code;
    if ((st = status_of(status)) < 0)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: unknown order status '%.32s'", what, status);
    if ((sd = side_of(side)) < 0)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: unknown side '%.16s'", what, side);
    if (out->qty.mant < 0 || out->filled_qty.mant < 0 || out->last_fill_qty.mant < 0)
        return sqt_kit_fail(e, SQT_EPROTO, "%s: negative quantity", what);
    if (sqt_kit_json_copy(out->symbol, sizeof(out->symbol), sym, "s", what, e) ||
        copy_client_id(out->client_id, cid, prefix, what, e) ||
        sqt_kit_json_copy(out->fee_asset, sizeof(out->fee_asset), fee_asset, "N", what, e))
        return e->code;
    snprintf(out->order_id, sizeof(out->order_id), "%lld", (long long)oid);
    out->status = (sqt_order_status)st;
    out->side = (sqt_side)sd;
    out->tif = strcmp(tif, "GTX") == 0 ? SQT_TIF_POST_ONLY : SQT_TIF_GTC;
    out->reduce_only = ro;
    out->update_time_ms = tx_time;
    out->seq = ev_time;
    return SQT_OK;
}

int sqt_bn_parse_user_event(const char *json, size_t len, const char *prefix, int *kind,
                            sqt_order *order, char *expired_key, size_t key_cap,
                            sqt_error *err)
{
    json_t *root, *ev;
    const char *type = "", *key = "";
    int rc = SQT_OK;
    ERR_GUARD(err);
    *kind = SQT_BN_EV_OTHER;
    if ((root = sqt_kit_json_load(json, len, "user stream", err)) == NULL)
        return SQT_EPROTO;
    ev = unwrap(root);
    if (!json_is_object(ev) || sqt_kit_json_str(ev, "e", &type, "user stream", err)) {
        rc = sqt_kit_fail(err, SQT_EPROTO, "user stream: message without event type");
        goto out;
    }
    if (strcmp(type, "ORDER_TRADE_UPDATE") == 0) {
        if ((rc = order_from_push(ev, prefix, order, err)) == SQT_OK)
            *kind = SQT_BN_EV_ORDER;
    } else if (strcmp(type, "listenKeyExpired") == 0) {
        if ((rc = sqt_kit_json_opt_str(ev, "listenKey", &key, "", "listenKeyExpired", err)) == SQT_OK) {
            snprintf(expired_key, key_cap, "%s", key);
            *kind = SQT_BN_EV_EXPIRED;
        }
    }
out:
    json_decref(root);
    return rc;
}

static int trade_from(json_t *ev, sqt_price_tick *t, sqt_error *e)
{
    const char *what = "aggTrade", *sym;
    int64_t ev_time;
    memset(t, 0, sizeof(*t));
    if (sqt_kit_json_str(ev, "s", &sym, what, e) || sqt_kit_json_dec(ev, "p", &t->price, what, e) ||
        sqt_kit_json_i64(ev, "E", &ev_time, what, e) || sqt_kit_json_opt_i64(ev, "T", &t->time_ms, ev_time, what, e) ||
        sqt_kit_json_opt_i64(ev, "a", &t->seq, 0, what, e) ||
        sqt_kit_json_copy(t->symbol, sizeof(t->symbol), sym, "s", what, e))
        return e->code;
    if (!positive(t->price))
        return sqt_kit_fail(e, SQT_EPROTO, "aggTrade: price not positive");
    return SQT_OK;
}

static int kline_from(json_t *ev, sqt_kline *k, sqt_error *e)
{
    const char *what = "kline", *sym, *iv;
    json_t *kk = json_object_get(ev, "k");
    int closed;
    memset(k, 0, sizeof(*k));
    if (!json_is_object(kk))
        return sqt_kit_fail(e, SQT_EPROTO, "kline: 'k' missing");
    if (sqt_kit_json_str(kk, "s", &sym, what, e) || sqt_kit_json_str(kk, "i", &iv, what, e) ||
        sqt_kit_json_i64(kk, "t", &k->open_time_ms, what, e) ||
        sqt_kit_json_i64(kk, "T", &k->close_time_ms, what, e) || sqt_kit_json_dec(kk, "o", &k->open, what, e) ||
        sqt_kit_json_dec(kk, "h", &k->high, what, e) || sqt_kit_json_dec(kk, "l", &k->low, what, e) ||
        sqt_kit_json_dec(kk, "c", &k->close, what, e) || sqt_kit_json_dec(kk, "v", &k->volume, what, e) ||
        sqt_kit_json_copy(k->symbol, sizeof(k->symbol), sym, "s", what, e) ||
        sqt_kit_json_copy(k->interval, sizeof(k->interval), iv, "i", what, e))
        return e->code;
    if (!json_is_boolean(json_object_get(kk, "x")))
        return sqt_kit_fail(e, SQT_EPROTO, "kline: field 'x' missing or not a boolean");
    closed = json_is_true(json_object_get(kk, "x"));
    if (!positive(k->close) || !positive(k->open) || !positive(k->high) || !positive(k->low) ||
        k->volume.mant < 0 || k->close_time_ms < k->open_time_ms)
        return sqt_kit_fail(e, SQT_EPROTO, "kline: inconsistent values");
    k->closed = closed;
    return SQT_OK;
}

int sqt_bn_parse_market(const char *json, size_t len, int *kind, sqt_price_tick *tick,
                        sqt_kline *kline, int64_t *reply_id, int *reply_failed, sqt_error *err)
{
    json_t *root, *ev, *id;
    const char *type;
    int rc = SQT_OK;
    ERR_GUARD(err);
    *kind = SQT_BN_MK_OTHER;
    if ((root = sqt_kit_json_load(json, len, "market stream", err)) == NULL)
        return SQT_EPROTO;
    ev = unwrap(root);
    if (!json_is_object(ev)) {
        rc = sqt_kit_fail(err, SQT_EPROTO, "market stream: not an object");
        goto out;
    }
    id = json_object_get(ev, "id");
    if (id != NULL && json_object_get(ev, "e") == NULL) {
        if (!json_is_integer(id)) {
            rc = sqt_kit_fail(err, SQT_EPROTO, "market stream: reply id is not an integer");
            goto out;
        }
        *reply_id = (int64_t)json_integer_value(id);
        *reply_failed = json_object_get(ev, "error") != NULL;
        *kind = SQT_BN_MK_REPLY;
        goto out;
    }
    if ((rc = sqt_kit_json_str(ev, "e", &type, "market stream", err)) != SQT_OK)
        goto out;
    if (strcmp(type, "aggTrade") == 0) {
        if ((rc = trade_from(ev, tick, err)) == SQT_OK)
            *kind = SQT_BN_MK_TRADE;
    } else if (strcmp(type, "kline") == 0) {
        if ((rc = kline_from(ev, kline, err)) == SQT_OK)
            *kind = SQT_BN_MK_KLINE;
    }
out:
    json_decref(root);
    return rc;
}

int sqt_bn_reply_lists_all(const char *json, size_t len, const char *const *want, size_t n_want)
{
    json_t *root = json_loadb(json, len, 0, NULL), *res, *v;
    size_t i, j;
    int all = 1;
    res = json_object_get(root, "result");
    if (!json_is_array(res)) {
        json_decref(root);
        return 0;
    }
    for (i = 0; i < n_want && all; i++) {
        int found = 0;
        json_array_foreach(res, j, v) {
            if (json_is_string(v) && strcasecmp(json_string_value(v), want[i]) == 0) {
                found = 1;
                break;
            }
        }
        all = found;
    }
    json_decref(root);
    return all;
}
