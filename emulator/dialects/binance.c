/* Binance USD-M futures dialect of the emulator (shared/spec/exchanges/binance.md):
 * REST under /fapi with HMAC-SHA256 hex signatures over query+body, error objects
 * {"code":-NNNN,"msg":...}, rate-limit headers; market streams on /market and /public
 * (ws and combined stream modes, plus the legacy /ws and /stream forms) and the user
 * stream on /private with a listenKey. Everything about the account is the core's. */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include "emulator.h"

#define BN_WEIGHT_1M 2400
#define BN_ORDERS_1M 1200
#define BN_ORDERS_10S 300
#define BN_LK_TTL_MS 3600000
#define BN_KLINE_PUSH_MS 250
#define BN_MAX_PARAMS 48
#define BN_MAX_SUBS 1024
#define BN_LK_LEN 64
#define BN_RECV_DEFAULT 5000
#define BN_RECV_MAX 60000

enum { SEC_NONE = 0, SEC_KEY = 1, SEC_SIGNED = 2 };
enum { ENTRY_MARKET = 1, ENTRY_PUBLIC = 2, ENTRY_LEGACY = 3, ENTRY_PRIVATE = 4 };
enum { ST_AGG = 1, ST_BOOK = 2, ST_KLINE = 3, ST_MARK = 4, ST_DEPTH = 5, ST_OTHER = 6 };

typedef struct bn_sub {
    char name[64];
    char symbol[SQT_SYMBOL_MAX];
    int type;
    char iv[SQT_INTERVAL_MAX];
    int64_t iv_ms;
    int64_t cur_open;          /* kline being formed, -1 before the first push */
    int64_t last_push;
} bn_sub;

typedef struct bn_ws {
    int entry;
    int combined;
    bn_sub *subs;
    size_t n_subs;
    char listen_key[BN_LK_LEN + 1];
    char events[256];          /* "/"-separated; "" = every event */
} bn_ws;

typedef struct bn_state {
    int64_t w_win, o10_win, o1m_win;
    int weight, o10, o1m;
    char lk[BN_LK_LEN + 1];
    int lk_active;
    int64_t lk_expires, lk_ttl;
    int hedge;
    int isolated;
    int legacy_public_only;
    int refuse_dead_key;       /* 1: a dead listenKey gets 403; 0: a silent socket */
    int64_t agg_id, update_id;
} bn_state;

/* A symbol listed in exchangeInfo besides the traded one: rules and klines only. */
typedef struct bn_extra {
    const char *symbol, *base, *tick, *step, *min_qty, *notional;
} bn_extra;

static const bn_extra extras[] = {
    {"BTCUSDT", "BTC", "0.10", "0.001", "0.001", "100"},
    {"ETHUSDT", "ETH", "0.01", "0.001", "0.001", "20"},
};

static const bn_extra *extra_for(sqt_emu *e)
{
    /* one other symbol, never the traded one */
    return strcmp(sqt_emu_info(e)->symbol, extras[0].symbol) == 0 ? &extras[1] : &extras[0];
}

/* ------------------------------------------------------------------------------------
 * parameters
 * ---------------------------------------------------------------------------------- */

typedef struct bn_params {
    char *key[BN_MAX_PARAMS];
    char *val[BN_MAX_PARAMS];
    size_t n;
    int bad;
} bn_params;

static void params_add(bn_params *ps, const char *s, size_t n)
{
    size_t i = 0;
    while (i < n) {
        size_t j = i, eq;
        while (j < n && s[j] != '&')
            j++;
        for (eq = i; eq < j && s[eq] != '='; eq++)
            ;
        if (j > i) {
            if (ps->n == BN_MAX_PARAMS) {
                ps->bad = 1;
                return;
            }
            ps->key[ps->n] = sqt_emu_url_decode(s + i, eq - i);
            ps->val[ps->n] = eq < j ? sqt_emu_url_decode(s + eq + 1, j - eq - 1) : strdup("");
            if (ps->key[ps->n] == NULL || ps->val[ps->n] == NULL) {
                free(ps->key[ps->n]);
                free(ps->val[ps->n]);
                ps->bad = 1;
                return;
            }
            ps->n++;
        }
        i = j + 1;
    }
}

static void params_free(bn_params *ps)
{
    size_t i;
    for (i = 0; i < ps->n; i++) {
        free(ps->key[i]);
        free(ps->val[i]);
    }
    ps->n = 0;
}

/* First occurrence: the query is parsed before the body, so the query wins. Names match
 * whatever their case, as Binance's do (clients send `orderidlist`). */
static const char *param(const bn_params *ps, const char *key)
{
    size_t i;
    for (i = 0; i < ps->n; i++)
        if (strcasecmp(ps->key[i], key) == 0)
            return ps->val[i];
    return NULL;
}

static int body_is_form(const sqt_emu_req *r)
{
    const char *ct = sqt_emu_req_header(r, "Content-Type");
    return r->body_len > 0 &&
           (ct == NULL || strncasecmp(ct, "application/x-www-form-urlencoded", 33) == 0);
}

/* ------------------------------------------------------------------------------------
 * answers
 * ---------------------------------------------------------------------------------- */

typedef struct ctx {
    sqt_emu *e;
    bn_state *st;
    const sqt_emu_req *req;
    bn_params ps;
    sqt_emu_resp *resp;
    int64_t now;
} ctx;

static void bn_err(sqt_emu_resp *r, int http, long code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));
static void bn_err(sqt_emu_resp *r, int http, long code, const char *fmt, ...)
{
    char msg[300];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    sqt_emu_resp_json(r, http, json_pack("{s:I, s:s}", "code", (json_int_t)code, "msg", msg));
}

static void missing(ctx *c, const char *name)
{
    bn_err(c->resp, 400, -1102,
           "Mandatory parameter '%s' was not sent, was empty/null, or malformed.", name);
}

static const char *need(ctx *c, const char *name)
{
    const char *v = param(&c->ps, name);
    if (v == NULL || v[0] == '\0') {
        missing(c, name);
        return NULL;
    }
    return v;
}

static sqt_dec dec_str(const char *s)
{
    sqt_dec d = sqt_dec_make(0, 0);
    sqt_dec_parse(s, strlen(s), &d);
    return d;
}

/* Money arithmetic for the account views at 8 decimals. */
static int64_t m8(sqt_dec d)
{
    sqt_dec r;
    if (sqt_dec_rescale(d, 8, &r) == SQT_OK)
        return r.mant;
    return 0;
}

static json_t *j8(int64_t v)
{
    return sqt_emu_jdec(sqt_dec_make(v, 8));
}

static const char *status_str(sqt_order_status s)
{
    switch (s) {
    case SQT_ORDER_NEW: return "NEW";
    case SQT_ORDER_PARTIALLY_FILLED: return "PARTIALLY_FILLED";
    case SQT_ORDER_FILLED: return "FILLED";
    case SQT_ORDER_CANCELED: return "CANCELED";
    case SQT_ORDER_EXPIRED: return "EXPIRED";
    case SQT_ORDER_REJECTED: return "REJECTED";
    default: return "NEW";
    }
}

static json_t *order_obj(ctx *c, const sqt_order *o, int with_time)
{
    json_t *j = json_pack(
        "{s:I, s:s, s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:s, s:b, s:b, s:s, s:s, "
        "s:s, s:s, s:b, s:s, s:s, s:s, s:i, s:I}",
        "orderId", (json_int_t)strtoll(o->order_id, NULL, 10), "symbol", o->symbol, "status",
        status_str(o->status), "clientOrderId", o->client_id, "price", sqt_emu_jdec(o->price),
        "avgPrice", sqt_emu_jdec(o->avg_price), "origQty", sqt_emu_jdec(o->qty), "executedQty",
        sqt_emu_jdec(o->filled_qty), "cumQty", sqt_emu_jdec(o->filled_qty), "cumQuote",
        sqt_emu_jdec(sqt_emu_dec_mul(o->avg_price, o->filled_qty)), "timeInForce",
        o->tif == SQT_TIF_POST_ONLY ? "GTX" : "GTC", "type", "LIMIT", "reduceOnly",
        o->reduce_only, "closePosition", 0, "side", o->side == SQT_SIDE_BUY ? "BUY" : "SELL",
        "positionSide", c->st->hedge ? "LONG" : "BOTH", "stopPrice", "0", "workingType",
        "CONTRACT_PRICE", "priceProtect", 0, "origType", "LIMIT", "priceMatch", "NONE",
        "selfTradePreventionMode", "EXPIRE_MAKER", "goodTillDate", 0, "updateTime",
        (json_int_t)o->update_time_ms);
    if (j != NULL && with_time)
        json_object_set_new(j, "time", json_integer(sqt_emu_order_created(c->e, o->order_id)));
    return j;
}

/* The core's neutral refusals in Binance's words: code and the text the exchange sends
 * (sources in plugins/binance/README.md). %s takes the refusal's detail where Binance
 * puts a value in its text; NULL keeps the core's own description. */
typedef struct bn_reason {
    const char *reason;
    long code;
    const char *text;
} bn_reason;

static const bn_reason BN_REASONS[] = {
    {SQT_MATCH_R_BAD_REQUEST, -1102, NULL},
    {SQT_MATCH_R_CLIENT_ID, -4015, "Client order id is not valid."},
    {SQT_MATCH_R_PRICE_PRECISION, -1111, "Precision is over the maximum defined for this asset."},
    {SQT_MATCH_R_QTY_PRECISION, -1111, "Precision is over the maximum defined for this asset."},
    {SQT_MATCH_R_PRICE_TICK, -4014, "Price not increased by tick size."},
    {SQT_MATCH_R_QTY_NOT_POSITIVE, -4003, "Quantity less than zero."},
    {SQT_MATCH_R_QTY_STEP, -4023, "Qty not increased by step size."},
    {SQT_MATCH_R_QTY_MIN, -4004, "Quantity less than min quantity."},
    {SQT_MATCH_R_TOO_LARGE, -4005, "Quantity greater than max quantity."},
    {SQT_MATCH_R_MIN_NOTIONAL, -4164,
     "Order's notional must be no smaller than %s (unless you choose reduce only)."},
    {SQT_MATCH_R_MAX_OPEN, -2025, "Reach max open order limit."},
    {SQT_MATCH_R_DUP_CLIENT_ID, -4116, "ClientOrderId is duplicated."},
    {SQT_MATCH_R_REDUCE_ONLY, -2022, "ReduceOnly Order is rejected."},
    {SQT_MATCH_R_POST_ONLY, -5022,
     "Due to the order could not be executed as maker, the Post Only order will be rejected. "
     "The order will not be recorded in the order history"},
    {SQT_MATCH_R_MARGIN, -2019, "Margin is insufficient."},
    {SQT_MATCH_R_CANCEL_UNKNOWN, -2011, "Unknown order sent."},
    {SQT_MATCH_R_QUERY_UNKNOWN, -2013, "Order does not exist."},
    {SQT_MATCH_R_LEVERAGE, -4028, NULL},
    {SQT_EMU_R_PRICE_ABOVE_BAND, -4016, "Limit price can't be higher than %s."},
    {SQT_EMU_R_PRICE_BELOW_BAND, -4024, "Limit price can't be lower than %s."},
};

/* A refusal of the core as Binance's answer object. */
static json_t *err_obj(sqt_emu *e, const sqt_error *err)
{
    char msg[300], detail[48];
    size_t i;
    for (i = 0; i < sizeof(BN_REASONS) / sizeof(BN_REASONS[0]); i++) {
        const bn_reason *r = &BN_REASONS[i];
        if (strcmp(err->exch_code, r->reason) != 0)
            continue;
        if (r->text == NULL)
            snprintf(msg, sizeof(msg), "%s", err->message);
        else if (strstr(r->text, "%s") == NULL)
            snprintf(msg, sizeof(msg), "%s", r->text);
        else {
            /* the band's edge comes in the message; the notional floor from the rules */
            const char *at = strstr(r->text, "%s");
            if (strcmp(r->reason, SQT_MATCH_R_MIN_NOTIONAL) == 0)
                sqt_emu_fmt(sqt_emu_info(e)->min_notional, detail, sizeof(detail));
            else
                snprintf(detail, sizeof(detail), "%.47s", err->message);
            snprintf(msg, sizeof(msg), "%.*s%s%s", (int)(at - r->text), r->text, detail, at + 2);
        }
        return json_pack("{s:I, s:s}", "code", (json_int_t)r->code, "msg", msg);
    }
    return json_pack("{s:I, s:s}", "code", (json_int_t)-1000, "msg",
                     "An unknown error occured while processing the request.");
}

/* ------------------------------------------------------------------------------------
 * rate counters
 * ---------------------------------------------------------------------------------- */

static void roll(bn_state *st, int64_t now)
{
    if (now / 60000 != st->w_win) {
        st->w_win = now / 60000;
        st->weight = 0;
    }
    if (now / 60000 != st->o1m_win) {
        st->o1m_win = now / 60000;
        st->o1m = 0;
    }
    if (now / 10000 != st->o10_win) {
        st->o10_win = now / 10000;
        st->o10 = 0;
    }
}

static void bn_finish(sqt_emu *e, void *stv, sqt_emu_resp *r)
{
    bn_state *st = stv;
    roll(st, sqt_emu_now(e));
    sqt_emu_resp_header(r, "X-MBX-USED-WEIGHT-1M", "%d", st->weight);
    sqt_emu_resp_header(r, "X-MBX-ORDER-COUNT-10S", "%d", st->o10);
    sqt_emu_resp_header(r, "X-MBX-ORDER-COUNT-1M", "%d", st->o1m);
}

static void bn_fault_resp(sqt_emu *e, void *stv, int fault, const sqt_emu_req *req,
                          int64_t retry_ms, sqt_emu_resp *r)
{
    int64_t now = sqt_emu_now(e);
    (void)stv;
    switch (fault) {
    case SQT_EMU_FAULT_RATE:
        bn_err(r, 429, -1003,
               "Too many requests; current limit of IP(127.0.0.1) is %d requests per minute. "
               "Please use the websocket for live updates to avoid polling the API.",
               BN_WEIGHT_1M);
        sqt_emu_resp_header(r, "Retry-After", "%lld", (long long)((retry_ms + 999) / 1000));
        break;
    case SQT_EMU_FAULT_BAN:
        bn_err(r, 418, -1003,
               "Way too many requests; IP(127.0.0.1) banned until %lld. Please use the "
               "websocket for live updates to avoid bans.",
               (long long)(now + retry_ms));
        sqt_emu_resp_header(r, "Retry-After", "%lld", (long long)((retry_ms + 999) / 1000));
        break;
    default:
        /* the real 503 of an unknown outcome carries no code */
        sqt_emu_resp_json(r, 503,
                          json_pack("{s:I, s:s, s:s}", "timestamp", (json_int_t)now, "path",
                                    req->path, "msg",
                                    "Unknown error, please check your request or try again "
                                    "later."));
        break;
    }
}

/* ------------------------------------------------------------------------------------
 * authentication
 * ---------------------------------------------------------------------------------- */

/* s without its signature=... parameter (and the '&' that joined it). */
static char *strip_signature(const char *s, size_t n)
{
    char *out = malloc(n + 1);
    size_t i = 0, w = 0;
    if (out == NULL)
        return NULL;
    while (i < n) {
        size_t j = i;
        while (j < n && s[j] != '&')
            j++;
        if (!(j - i >= 10 && strncmp(s + i, "signature=", 10) == 0)) {
            if (w > 0)
                out[w++] = '&';
            memcpy(out + w, s + i, j - i);
            w += j - i;
        }
        i = j + 1;
    }
    out[w] = '\0';
    return out;
}

static int sig_ok(ctx *c, const char *sig)
{
    const sqt_emu_opts *o = sqt_emu_options(c->e);
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0, i;
    char hex[2 * EVP_MAX_MD_SIZE + 1], given[2 * EVP_MAX_MD_SIZE + 1];
    char *q = strip_signature(c->req->query, strlen(c->req->query));
    char *b = body_is_form(c->req) ? strip_signature(c->req->body, c->req->body_len) : strdup("");
    char *msg = NULL;
    size_t lq, lb, n = strlen(sig);
    int ok = 0;
    if (q != NULL && b != NULL && (msg = malloc((lq = strlen(q)) + (lb = strlen(b)) + 1))) {
        /* totalParams: the query immediately followed by the body */
        memcpy(msg, q, lq);
        memcpy(msg + lq, b, lb + 1);
        if (HMAC(EVP_sha256(), o->secret, (int)strlen(o->secret), (const unsigned char *)msg,
                 lq + lb, md, &mdlen) != NULL && n == 2 * (size_t)mdlen) {
            for (i = 0; i < mdlen; i++)
                snprintf(hex + 2 * i, 3, "%02x", md[i]);
            for (i = 0; i < n; i++)
                given[i] = (char)tolower((unsigned char)sig[i]);
            ok = CRYPTO_memcmp(hex, given, n) == 0;
        }
    }
    free(q);
    free(b);
    free(msg);
    return ok;
}

/* 0 when the request may go on; else the answer is set. */
static int check_auth(ctx *c, int sec)
{
    const sqt_emu_opts *o = sqt_emu_options(c->e);
    const char *key, *ts, *sig, *rw;
    int64_t t, recv = BN_RECV_DEFAULT;
    if (sec == SEC_NONE)
        return 0;
    key = sqt_emu_req_header(c->req, "X-MBX-APIKEY");
    if (key == NULL || key[0] == '\0') {
        bn_err(c->resp, 401, -2014, "API-key format invalid.");
        return -1;
    }
    if (strlen(key) != strlen(o->api_key) ||
        CRYPTO_memcmp(key, o->api_key, strlen(o->api_key)) != 0) {
        bn_err(c->resp, 401, -2015, "Invalid API-key, IP, or permissions for action.");
        return -1;
    }
    if (sec != SEC_SIGNED)
        return 0;
    if ((ts = need(c, "timestamp")) == NULL)
        return -1;
    if (!sqt_emu_all_digits(ts)) {
        bn_err(c->resp, 400, -1102, "Illegal characters found in parameter 'timestamp'.");
        return -1;
    }
    if ((rw = param(&c->ps, "recvWindow")) != NULL) {
        recv = sqt_emu_all_digits(rw) ? strtoll(rw, NULL, 10) : -1;
        if (recv <= 0 || recv > BN_RECV_MAX) {
            bn_err(c->resp, 400, -1131, "recvWindow must be less than %d.", BN_RECV_MAX);
            return -1;
        }
    }
    t = strtoll(ts, NULL, 10);
    if (t >= c->now + 1000) {
        bn_err(c->resp, 400, -1021,
               "Timestamp for this request was 1000ms ahead of the server's time.");
        return -1;
    }
    if (c->now - t > recv) {
        bn_err(c->resp, 400, -1021, "Timestamp for this request is outside of the recvWindow.");
        return -1;
    }
    if ((sig = need(c, "signature")) == NULL)
        return -1;
    if (!sig_ok(c, sig)) {
        bn_err(c->resp, 400, -1022, "Signature for this request is not valid.");
        return -1;
    }
    return 0;
}

/* ------------------------------------------------------------------------------------
 * market data and account views
 * ---------------------------------------------------------------------------------- */

static void h_ping(ctx *c)
{
    sqt_emu_resp_json(c->resp, 200, json_object());
}

static void h_time(ctx *c)
{
    sqt_emu_resp_json(c->resp, 200, json_pack("{s:I}", "serverTime", (json_int_t)c->now));
}

static int decimals(sqt_dec d)
{
    return d.scale;
}

/* A band multiplier as Binance writes it (4 decimals). */
static json_t *jmult(sqt_dec m)
{
    sqt_dec r;
    return sqt_emu_jdec(sqt_dec_rescale(m, 4, &r) == SQT_OK ? r : m);
}

static json_t *symbol_obj(const char *sym, const char *base, const char *quote, sqt_dec tick,
                          sqt_dec step, sqt_dec min_qty, sqt_dec notional, int max_orders,
                          sqt_dec up, sqt_dec down)
{
    json_t *filters = json_pack(
        "[{s:s, s:o, s:s, s:o}, {s:s, s:s, s:o, s:o}, {s:s, s:s, s:o, s:o}, {s:s, s:i}, "
        "{s:s, s:i}, {s:s, s:o}, {s:s, s:o, s:o, s:s}]",
        "filterType", "PRICE_FILTER", "minPrice", sqt_emu_jdec(tick), "maxPrice", "1000000",
        "tickSize", sqt_emu_jdec(tick), "filterType", "LOT_SIZE", "maxQty", "10000", "minQty",
        sqt_emu_jdec(min_qty), "stepSize", sqt_emu_jdec(step), "filterType", "MARKET_LOT_SIZE",
        "maxQty", "2000", "minQty", sqt_emu_jdec(min_qty), "stepSize", sqt_emu_jdec(step),
        "filterType", "MAX_NUM_ORDERS", "limit", max_orders, "filterType", "MAX_NUM_ALGO_ORDERS",
        "limit", 10, "filterType", "MIN_NOTIONAL", "notional", sqt_emu_jdec(notional), "filterType",
        "PERCENT_PRICE", "multiplierUp", jmult(up), "multiplierDown", jmult(down),
        "multiplierDecimal", "4");
    return json_pack(
        "{s:s, s:s, s:s, s:I, s:I, s:s, s:s, s:s, s:s, s:s, s:s, s:i, s:i, s:i, s:i, s:s, "
        "s:[], s:s, s:s, s:s, s:o, s:[sssss], s:[sssss]}",
        "symbol", sym, "pair", sym, "contractType", "PERPETUAL", "deliveryDate",
        (json_int_t)4133404800000LL, "onboardDate", (json_int_t)1569398400000LL, "status",
        "TRADING", "maintMarginPercent", "2.5000", "requiredMarginPercent", "5.0000",
        "baseAsset", base, "quoteAsset", quote, "marginAsset", quote, "pricePrecision",
        decimals(tick), "quantityPrecision", decimals(step), "baseAssetPrecision", 8,
        "quotePrecision", 8, "underlyingType", "COIN", "underlyingSubType", "triggerProtect",
        "0.0500", "liquidationFee", "0.012500", "marketTakeBound", "0.05", "filters", filters,
        "orderTypes", "LIMIT", "MARKET", "STOP", "TAKE_PROFIT", "TRAILING_STOP_MARKET",
        "timeInForce", "GTC", "IOC", "FOK", "GTX", "GTD");
}

static void h_info(ctx *c)
{
    const sqt_symbol_info *in = sqt_emu_info(c->e);
    const bn_extra *x = extra_for(c->e);
    json_t *root = json_pack(
        "{s:s, s:I, s:s, s:[{s:s, s:s, s:i, s:i}, {s:s, s:s, s:i, s:i}, {s:s, s:s, s:i, "
        "s:i}], s:[], s:[{s:s, s:b, s:s}], s:[o, o]}",
        "timezone", "UTC", "serverTime", (json_int_t)c->now, "futuresType", "U_MARGINED",
        "rateLimits", "rateLimitType", "REQUEST_WEIGHT", "interval", "MINUTE", "intervalNum", 1,
        "limit", BN_WEIGHT_1M, "rateLimitType", "ORDERS", "interval", "MINUTE", "intervalNum",
        1, "limit", BN_ORDERS_1M, "rateLimitType", "ORDERS", "interval", "SECOND",
        "intervalNum", 10, "limit", BN_ORDERS_10S, "exchangeFilters", "assets", "asset",
        in->quote_asset, "marginAvailable", 1, "autoAssetExchange", "-10000", "symbols",
        symbol_obj(in->symbol, in->base_asset, in->quote_asset, in->tick_size, in->step_size,
                   in->min_qty, in->min_notional, in->max_open_orders,
                   sqt_emu_options(c->e)->band_up, sqt_emu_options(c->e)->band_down),
        symbol_obj(x->symbol, x->base, in->quote_asset, dec_str(x->tick), dec_str(x->step),
                   dec_str(x->min_qty), dec_str(x->notional), 200, sqt_dec_make(10500, 4),
                   sqt_dec_make(9500, 4)));
    sqt_emu_resp_json(c->resp, 200, root);
}

typedef struct acct_view {
    sqt_account a;
    sqt_position p;
    int64_t wallet, upnl, avail, im, pos_im, ord_im, notional;
} acct_view;

static void acct_get(ctx *c, acct_view *v)
{
    sqt_match *m = sqt_emu_match(c->e);
    sqt_dec ntl;
    sqt_match_account(m, &v->a);
    sqt_match_position(m, &v->p);
    v->wallet = m8(v->a.balance);
    v->upnl = m8(v->p.unrealized_pnl);
    v->avail = m8(v->a.available);
    ntl = sqt_emu_dec_mul(v->p.size, sqt_emu_price(c->e));
    v->notional = m8(ntl);
    v->im = v->wallet + v->upnl - v->avail;
    if (v->im < 0)
        v->im = 0;
    v->pos_im =
        (v->notional < 0 ? -v->notional : v->notional) / (v->a.leverage > 0 ? v->a.leverage : 1);
    if (v->pos_im > v->im)
        v->pos_im = v->im;
    v->ord_im = v->im - v->pos_im;
}

static json_t *positions_v2(ctx *c, const acct_view *v)
{
    char lev[16];
    snprintf(lev, sizeof(lev), "%d", (int)v->a.leverage);
    return json_pack("[{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:s, s:b, s:o, s:o, s:s, s:s, "
                     "s:o, s:s, s:I, s:s, s:s}]",
                     "symbol", v->p.symbol, "initialMargin", j8(v->pos_im), "maintMargin",
                     j8(v->pos_im / 20), "unrealizedProfit", j8(v->upnl),
                     "positionInitialMargin", j8(v->pos_im), "openOrderInitialMargin",
                     j8(v->ord_im), "positionAmt", sqt_emu_jdec(v->p.size), "entryPrice",
                     sqt_emu_jdec(v->p.entry_price), "leverage", lev, "isolated", c->st->isolated,
                     "breakEvenPrice", sqt_emu_jdec(v->p.entry_price), "notional", j8(v->notional),
                     "maxNotional", "1000000", "isolatedWallet", "0", "bidNotional", j8(0),
                     "askNotional", "0", "updateTime", (json_int_t)c->now, "positionSide",
                     c->st->hedge ? "LONG" : "BOTH", "marginAsset", v->a.asset);
}

/* v3 lists only the positions that are not flat, without leverage or entry price. */
static json_t *positions_v3(ctx *c, const acct_view *v)
{
    json_t *arr = json_array();
    if (arr != NULL && v->p.size.mant != 0)
        json_array_append_new(
            arr, json_pack("{s:s, s:s, s:o, s:o, s:s, s:o, s:s, s:o, s:o, s:I}", "symbol",
                           v->p.symbol, "positionSide", c->st->hedge ? "LONG" : "BOTH",
                           "positionAmt", sqt_emu_jdec(v->p.size), "unrealizedProfit", j8(v->upnl),
                           "isolatedMargin", "0", "notional", j8(v->notional),
                           "isolatedWallet", "0", "initialMargin", j8(v->pos_im),
                           "maintMargin", j8(v->pos_im / 20), "updateTime",
                           (json_int_t)c->now));
    return arr;
}

static void h_account(ctx *c)
{
    acct_view v;
    json_t *root;
    int v3 = strstr(c->req->path, "/v3/") != NULL;
    acct_get(c, &v);
    root = json_pack(
        "{s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, "
        "s:[{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:b, s:I}], s:o}",
        "totalInitialMargin", j8(v.im), "totalMaintMargin", j8(v.pos_im / 20),
        "totalWalletBalance", j8(v.wallet), "totalUnrealizedProfit", j8(v.upnl),
        "totalMarginBalance", j8(v.wallet + v.upnl), "totalPositionInitialMargin",
        j8(v.pos_im), "totalOpenOrderInitialMargin", j8(v.ord_im), "totalCrossWalletBalance",
        j8(v.wallet), "totalCrossUnPnl", j8(v.upnl), "availableBalance", j8(v.avail),
        "maxWithdrawAmount", j8(v.avail), "assets", "asset", v.a.asset, "walletBalance",
        j8(v.wallet), "unrealizedProfit", j8(v.upnl), "marginBalance", j8(v.wallet + v.upnl),
        "maintMargin", j8(v.pos_im / 20), "initialMargin", j8(v.im), "positionInitialMargin",
        j8(v.pos_im), "openOrderInitialMargin", j8(v.ord_im), "crossWalletBalance",
        j8(v.wallet), "crossUnPnl", j8(v.upnl), "availableBalance", j8(v.avail),
        "maxWithdrawAmount", j8(v.avail), "marginAvailable", 1, "updateTime",
        (json_int_t)c->now, "positions", v3 ? positions_v3(c, &v) : positions_v2(c, &v));
    if (root != NULL && !v3) {
        /* v2's account flags, gone from v3 */
        json_object_set_new(root, "feeTier", json_integer(0));
        json_object_set_new(root, "canTrade", json_true());
        json_object_set_new(root, "canDeposit", json_true());
        json_object_set_new(root, "canWithdraw", json_true());
        json_object_set_new(root, "updateTime", json_integer(0));
        json_object_set_new(root, "multiAssetsMargin", json_false());
        json_object_set_new(root, "tradeGroupId", json_integer(-1));
    }
    sqt_emu_resp_json(c->resp, 200, root);
}

static void h_balance(ctx *c)
{
    acct_view v;
    acct_get(c, &v);
    sqt_emu_resp_json(c->resp, 200,
                      json_pack("[{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:b, s:I}]",
                                "accountAlias", "SgsRmYFzAuXq", "asset", v.a.asset, "balance",
                                j8(v.wallet), "crossWalletBalance", j8(v.wallet), "crossUnPnl",
                                j8(v.upnl), "availableBalance", j8(v.avail),
                                "maxWithdrawAmount", j8(v.avail), "marginAvailable", 1,
                                "updateTime", (json_int_t)c->now));
}

/* symbol param: NULL absent, "" the traded one, else an error was answered (returns -1) */
static int symbol_arg(ctx *c, int required, int *traded)
{
    const char *s = param(&c->ps, "symbol");
    *traded = 1;
    if (s == NULL || s[0] == '\0') {
        if (required) {
            missing(c, "symbol");
            return -1;
        }
        return 0;
    }
    if (strcmp(s, sqt_emu_info(c->e)->symbol) == 0)
        return 0;
    *traded = 0;
    if (strcmp(s, extra_for(c->e)->symbol) == 0)
        return 0;
    bn_err(c->resp, 400, -1121, "Invalid symbol.");
    return -1;
}

static void h_position_risk(ctx *c)
{
    acct_view v;
    char lev[16];
    int traded, v3 = strstr(c->req->path, "/v3/") != NULL;
    json_t *arr, *p;
    if (symbol_arg(c, 0, &traded) != 0)
        return;
    arr = json_array();
    if (!traded)
        goto send;
    acct_get(c, &v);
    /* v3: only symbols with a position or open orders; no leverage or margin type */
    if (v3 && v.p.size.mant == 0 && sqt_match_open_count(sqt_emu_match(c->e)) == 0)
        goto send;
    p = json_pack("{s:s, s:s, s:o, s:o, s:o, s:o, s:o, s:s, s:s, s:o, s:s, s:s, s:I}", "symbol",
                  v.p.symbol, "positionSide", c->st->hedge ? "LONG" : "BOTH", "positionAmt",
                  sqt_emu_jdec(v.p.size), "entryPrice", sqt_emu_jdec(v.p.entry_price),
                  "breakEvenPrice", sqt_emu_jdec(v.p.entry_price), "markPrice",
                  sqt_emu_jdec(sqt_emu_price(c->e)), "unRealizedProfit", j8(v.upnl),
                  "liquidationPrice", "0", "isolatedMargin", "0.00000000", "notional",
                  j8(v.notional), "isolatedWallet", "0", "marginAsset", v.a.asset, "updateTime",
                  (json_int_t)c->now);
    if (p != NULL && v3) {
        json_object_set_new(p, "initialMargin", j8(v.pos_im + v.ord_im));
        json_object_set_new(p, "maintMargin", j8(v.pos_im / 20));
        json_object_set_new(p, "positionInitialMargin", j8(v.pos_im));
        json_object_set_new(p, "openOrderInitialMargin", j8(v.ord_im));
        json_object_set_new(p, "adl", json_integer(0));
        json_object_set_new(p, "bidNotional", json_string("0"));
        json_object_set_new(p, "askNotional", json_string("0"));
    } else if (p != NULL) {
        snprintf(lev, sizeof(lev), "%d", (int)v.a.leverage);
        json_object_del(p, "marginAsset");
        json_object_set_new(p, "leverage", json_string(lev));
        json_object_set_new(p, "maxNotionalValue", json_string("1000000"));
        json_object_set_new(p, "marginType", json_string(c->st->isolated ? "isolated" : "cross"));
        json_object_set_new(p, "isAutoAddMargin", json_string("false"));
    }
    json_array_append_new(arr, p);
send:
    sqt_emu_resp_json(c->resp, 200, arr);
}

/* The symbol's leverage and margin type (what v3 account/positionRisk dropped). */
static void h_symbol_config(ctx *c)
{
    int traded;
    sqt_account a;
    json_t *arr;
    if (symbol_arg(c, 0, &traded) != 0)
        return;
    sqt_match_account(sqt_emu_match(c->e), &a);
    arr = json_array();
    if (traded)
        json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:i, s:s}", "symbol",
                                             sqt_emu_info(c->e)->symbol, "marginType",
                                             c->st->isolated ? "ISOLATED" : "CROSSED",
                                             "isAutoAddMargin", "false", "leverage",
                                             (int)a.leverage, "maxNotionalValue", "1000000"));
    sqt_emu_resp_json(c->resp, 200, arr);
}

static void h_dual_get(ctx *c)
{
    sqt_emu_resp_json(c->resp, 200, json_pack("{s:b}", "dualSidePosition", c->st->hedge));
}

static void h_dual_post(ctx *c)
{
    const char *v = need(c, "dualSidePosition");
    int on;
    sqt_position p;
    if (v == NULL)
        return;
    if (strcmp(v, "true") != 0 && strcmp(v, "false") != 0) {
        bn_err(c->resp, 400, -1102, "Param 'dualSidePosition' must be true or false.");
        return;
    }
    on = strcmp(v, "true") == 0;
    if (on == c->st->hedge) {
        bn_err(c->resp, 400, -4059, "No need to change position side.");
        return;
    }
    sqt_match_position(sqt_emu_match(c->e), &p);
    if (sqt_match_open_count(sqt_emu_match(c->e)) > 0 || p.size.mant != 0) {
        bn_err(c->resp, 400, -4068, "Position side cannot be changed if there exists position.");
        return;
    }
    c->st->hedge = on;
    sqt_emu_resp_json(c->resp, 200, json_pack("{s:i, s:s}", "code", 200, "msg", "success"));
}

static void h_leverage(ctx *c)
{
    const char *l;
    int traded;
    sqt_error err;
    if (symbol_arg(c, 1, &traded) != 0 || (l = need(c, "leverage")) == NULL)
        return;
    if (!sqt_emu_all_digits(l) || atoi(l) < 1 || atoi(l) > 125 ||
        (traded && sqt_match_set_leverage(sqt_emu_match(c->e), (int32_t)atoi(l), &err) != SQT_OK)) {
        bn_err(c->resp, 400, -4028, "Leverage %s is not valid", l);
        return;
    }
    sqt_emu_resp_json(c->resp, 200,
                      json_pack("{s:i, s:s, s:s}", "leverage", atoi(l), "maxNotionalValue",
                                "1000000", "symbol", param(&c->ps, "symbol")));
}

static void h_margin_type(ctx *c)
{
    const char *t;
    int traded, iso;
    if (symbol_arg(c, 1, &traded) != 0 || (t = need(c, "marginType")) == NULL)
        return;
    if (strcmp(t, "ISOLATED") != 0 && strcmp(t, "CROSSED") != 0) {
        bn_err(c->resp, 400, -1102, "Param 'marginType' must be ISOLATED or CROSSED.");
        return;
    }
    iso = strcmp(t, "ISOLATED") == 0;
    if (iso == c->st->isolated) {
        bn_err(c->resp, 400, -4046, "No need to change margin type.");
        return;
    }
    c->st->isolated = iso; /* reported only: the core's margin is one cross wallet */
    sqt_emu_resp_json(c->resp, 200, json_pack("{s:i, s:s}", "code", 200, "msg", "success"));
}

static void h_ticker_price(ctx *c)
{
    int traded;
    if (symbol_arg(c, 1, &traded) != 0)
        return;
    if (!traded) {
        bn_err(c->resp, 400, -1121, "Invalid symbol.");
        return;
    }
    sqt_emu_resp_json(c->resp, 200,
                      json_pack("{s:s, s:o, s:I}", "symbol", sqt_emu_info(c->e)->symbol, "price",
                                sqt_emu_jdec(sqt_emu_price(c->e)), "time", (json_int_t)c->now));
}

static int symbol_syntax_ok(const char *s)
{
    size_t n = strlen(s), i;
    if (n < 2 || n > 20)
        return 0;
    for (i = 0; i < n; i++)
        if (!(isupper((unsigned char)s[i]) || isdigit((unsigned char)s[i])))
            return 0;
    return 1;
}

static void h_klines(ctx *c)
{
    const char *sym, *iv, *ls, *st, *en;
    long limit = 500;
    sqt_kline *k;
    size_t n, i, from = 0, to;
    json_t *arr;
    if ((sym = need(c, "symbol")) == NULL || (iv = need(c, "interval")) == NULL)
        return;
    if (!symbol_syntax_ok(sym)) {
        bn_err(c->resp, 400, -1121, "Invalid symbol.");
        return;
    }
    if (sqt_kbars_interval_ms(iv) <= 0) {
        bn_err(c->resp, 400, -1120, "Invalid interval.");
        return;
    }
    if ((ls = param(&c->ps, "limit")) != NULL) {
        limit = sqt_emu_all_digits(ls) ? strtol(ls, NULL, 10) : -1;
        if (limit < 1 || limit > 1500) {
            bn_err(c->resp, 400, -1130, "Data sent for parameter 'limit' is not valid.");
            return;
        }
    }
    st = param(&c->ps, "startTime");
    en = param(&c->ps, "endTime");
    if ((st && !sqt_emu_all_digits(st)) || (en && !sqt_emu_all_digits(en))) {
        bn_err(c->resp, 400, -1102, "Illegal characters found in parameter 'startTime'/'endTime'.");
        return;
    }
    if ((k = calloc(1500, sizeof(*k))) == NULL) {
        bn_err(c->resp, 500, -1000, "out of memory");
        return;
    }
    n = sqt_kbars_recent(sqt_emu_kbars(c->e), sym, iv, 1500, c->now, k);
    to = n;
    if (en != NULL)
        while (to > 0 && k[to - 1].open_time_ms > strtoll(en, NULL, 10))
            to--;
    if (st != NULL)
        while (from < to && k[from].open_time_ms < strtoll(st, NULL, 10))
            from++;
    if (to - from > (size_t)limit) {
        if (st != NULL)
            to = from + (size_t)limit;
        else
            from = to - (size_t)limit;
    }
    arr = json_array();
    for (i = from; i < to && arr != NULL; i++) {
        sqt_dec qv = sqt_emu_dec_mul(k[i].volume, k[i].close);
        sqt_dec half = sqt_emu_dec_mul(k[i].volume, sqt_dec_make(5, 1));
        json_array_append_new(
            arr, json_pack("[I, o, o, o, o, o, I, o, I, o, o, s]", (json_int_t)k[i].open_time_ms,
                           sqt_emu_jdec(k[i].open), sqt_emu_jdec(k[i].high), sqt_emu_jdec(k[i].low),
                           sqt_emu_jdec(k[i].close), sqt_emu_jdec(k[i].volume),
                           (json_int_t)k[i].close_time_ms, sqt_emu_jdec(qv),
                           (json_int_t)(k[i].volume.mant % 100000), sqt_emu_jdec(half),
                           sqt_emu_jdec(sqt_emu_dec_mul(qv, sqt_dec_make(5, 1))), "0"));
    }
    free(k);
    sqt_emu_resp_json(c->resp, 200, arr);
}

/* ------------------------------------------------------------------------------------
 * orders
 * ---------------------------------------------------------------------------------- */

/* An order request from parameters (form or one batch item). 0, or -1 with *ej set. */
static int order_from(ctx *c, const bn_params *ps, sqt_order_req *r, json_t **ej)
{
    const char *sym = param(ps, "symbol"), *side = param(ps, "side"), *type = param(ps, "type"),
               *tif = param(ps, "timeInForce"), *qty = param(ps, "quantity"),
               *price = param(ps, "price"), *ro = param(ps, "reduceOnly"),
               *cid = param(ps, "newClientOrderId"), *pside = param(ps, "positionSide");
    const char *miss = !sym ? "symbol" : !side ? "side" : !type ? "type" : NULL;
    memset(r, 0, sizeof(*r));
    r->struct_size = sizeof(*r);
#define FAIL(code, ...)                                                                     \
    do {                                                                                    \
        char m_[300];                                                                       \
        snprintf(m_, sizeof(m_), __VA_ARGS__);                                              \
        *ej = json_pack("{s:I, s:s}", "code", (json_int_t)(code), "msg", m_);               \
        return -1;                                                                          \
    } while (0)
    if (miss)
        FAIL(-1102, "Mandatory parameter '%s' was not sent, was empty/null, or malformed.", miss);
    if (strcmp(sym, sqt_emu_info(c->e)->symbol) != 0)
        FAIL(-1121, "Invalid symbol.");
    if (strcmp(side, "BUY") == 0)
        r->side = SQT_SIDE_BUY;
    else if (strcmp(side, "SELL") == 0)
        r->side = SQT_SIDE_SELL;
    else
        FAIL(-1117, "Invalid side.");
    if (strcmp(type, "LIMIT") != 0)
        FAIL(-1116, "Invalid orderType. (the emulator supports LIMIT orders only)");
    if (!tif)
        FAIL(-1102,
             "Mandatory parameter 'timeInForce' was not sent, was empty/null, or malformed.");
    if (strcmp(tif, "GTC") == 0)
        r->tif = SQT_TIF_GTC;
    else if (strcmp(tif, "GTX") == 0)
        r->tif = SQT_TIF_POST_ONLY;
    else
        FAIL(-1115, "Invalid timeInForce. (the emulator supports GTC and GTX)");
    if (!qty || sqt_dec_parse(qty, strlen(qty), &r->qty) != SQT_OK || qty[0] == '-')
        FAIL(-1102, "Mandatory parameter 'quantity' was not sent, was empty/null, or malformed.");
    if (!price || sqt_dec_parse(price, strlen(price), &r->price) != SQT_OK || price[0] == '-')
        FAIL(-1102, "Mandatory parameter 'price' was not sent, was empty/null, or malformed.");
    if (c->st->hedge) {
        if (pside == NULL || strcmp(pside, "BOTH") == 0)
            FAIL(-4061, "Order's position side does not match user's setting.");
        if (ro != NULL)
            FAIL(-1106, "Parameter 'reduceonly' sent when not required.");
    } else if (pside != NULL && strcmp(pside, "BOTH") != 0) {
        FAIL(-4061, "Order's position side does not match user's setting.");
    }
    if (ro != NULL) {
        if (strcmp(ro, "true") != 0 && strcmp(ro, "false") != 0)
            FAIL(-1102, "Param 'reduceOnly' must be true or false.");
        r->reduce_only = strcmp(ro, "true") == 0;
    }
    if (cid != NULL) {
        if (strlen(cid) >= sizeof(r->client_id))
            FAIL(-4015, "Client order id is not valid.");
        snprintf(r->client_id, sizeof(r->client_id), "%s", cid);
    }
#undef FAIL
    return 0;
}

/* Order count of a placing request; 0 when within limits, else the answer is set. */
static int count_orders(ctx *c, int ten_s, int one_m)
{
    roll(c->st, c->now);
    c->st->o10 += ten_s;
    c->st->o1m += one_m;
    if (c->st->o10 > BN_ORDERS_10S || c->st->o1m > BN_ORDERS_1M) {
        bn_err(c->resp, 429, -1015, "Too many new orders; current limit is %d orders per %s.",
               c->st->o10 > BN_ORDERS_10S ? BN_ORDERS_10S : BN_ORDERS_1M,
               c->st->o10 > BN_ORDERS_10S ? "TEN_SECONDS" : "MINUTE");
        sqt_emu_resp_header(c->resp, "Retry-After", "10");
        return -1;
    }
    return 0;
}

/* Place one: the order object, or an error object (*ok = 0). */
static json_t *place_one(ctx *c, const bn_params *ps, int *ok)
{
    sqt_order_req r;
    sqt_order o;
    sqt_error err;
    json_t *ej = NULL;
    *ok = 0;
    if (order_from(c, ps, &r, &ej) != 0)
        return ej;
    if (sqt_emu_place(c->e, &r, &o, &err) != SQT_OK)
        return err_obj(c->e, &err);
    *ok = 1;
    return order_obj(c, &o, 0);
}

static void h_order_post(ctx *c)
{
    int ok;
    json_t *j;
    if (count_orders(c, 1, 1) != 0)
        return;
    j = place_one(c, &c->ps, &ok);
    sqt_emu_resp_json(c->resp, ok ? 200 : 400, j);
}

/* A batch item (JSON object of strings) as parameters. */
static int item_params(json_t *item, bn_params *ps)
{
    const char *k;
    json_t *v;
    memset(ps, 0, sizeof(*ps));
    if (!json_is_object(item))
        return -1;
    json_object_foreach(item, k, v) {
        char num[32];
        const char *s = num;
        if (ps->n == BN_MAX_PARAMS)
            return -1;
        if (json_is_string(v))
            s = json_string_value(v);
        else if (json_is_integer(v))
            snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
        else if (json_is_boolean(v))
            s = json_is_true(v) ? "true" : "false";
        else
            return -1;
        ps->key[ps->n] = strdup(k);
        ps->val[ps->n] = strdup(s);
        if (ps->key[ps->n] == NULL || ps->val[ps->n] == NULL) {
            free(ps->key[ps->n]);
            free(ps->val[ps->n]);
            return -1;
        }
        ps->n++;
    }
    return 0;
}

static void h_batch_post(ctx *c)
{
    const char *b = need(c, "batchOrders");
    json_t *arr, *item, *out;
    size_t i;
    if (b == NULL)
        return;
    arr = json_loads(b, 0, NULL);
    if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > 5) {
        json_decref(arr);
        bn_err(c->resp, 400, -1130, "Data sent for parameter 'batchOrders' is not valid "
                                    "(a JSON array of 1-5 orders).");
        return;
    }
    if (count_orders(c, 5, 1) != 0) {
        json_decref(arr);
        return;
    }
    out = json_array();
    json_array_foreach(arr, i, item) {
        bn_params ps;
        int ok;
        if (item_params(item, &ps) != 0) {
            json_array_append_new(out, json_pack("{s:i, s:s}", "code", -1130, "msg",
                                                 "Data sent for parameter 'batchOrders' is not "
                                                 "valid."));
        } else {
            json_array_append_new(out, place_one(c, &ps, &ok));
        }
        params_free(&ps);
    }
    json_decref(arr);
    sqt_emu_resp_json(c->resp, 200, out);
}

/* orderId / origClientOrderId of a single-order request; -1 when answered. */
static int order_ids(ctx *c, const char **cid, const char **oid)
{
    int traded;
    if (symbol_arg(c, 1, &traded) != 0)
        return -1;
    if (!traded) {
        bn_err(c->resp, 400, c->req->method[0] == 'D' ? -2011 : -2013,
               c->req->method[0] == 'D' ? "Unknown order sent." : "Order does not exist.");
        return -1;
    }
    *oid = param(&c->ps, "orderId");
    *cid = param(&c->ps, "origClientOrderId");
    if ((*oid == NULL || **oid == '\0') && (*cid == NULL || **cid == '\0')) {
        bn_err(c->resp, 400, -1102, "Either orderId or origClientOrderId must be sent.");
        return -1;
    }
    if (*oid != NULL && **oid != '\0' && !sqt_emu_all_digits(*oid)) {
        bn_err(c->resp, 400, -1102, "Illegal characters found in parameter 'orderId'.");
        return -1;
    }
    return 0;
}

static void h_order_delete(ctx *c)
{
    const char *cid, *oid;
    sqt_order o;
    sqt_error err;
    if (order_ids(c, &cid, &oid) != 0)
        return;
    if (sqt_emu_cancel(c->e, cid, oid, &o, &err) != SQT_OK)
        sqt_emu_resp_json(c->resp, 400, err_obj(c->e, &err));
    else
        sqt_emu_resp_json(c->resp, 200, order_obj(c, &o, 0));
}

static void h_order_get(ctx *c)
{
    const char *cid, *oid;
    sqt_order o;
    sqt_error err;
    int open_only = strstr(c->req->path, "openOrder") != NULL;
    if (order_ids(c, &cid, &oid) != 0)
        return;
    if (sqt_match_query(sqt_emu_match(c->e), cid, oid, &o, &err) != SQT_OK ||
        (open_only && o.status != SQT_ORDER_NEW && o.status != SQT_ORDER_PARTIALLY_FILLED)) {
        bn_err(c->resp, 400, -2013, "Order does not exist.");
        return;
    }
    sqt_emu_resp_json(c->resp, 200, order_obj(c, &o, 1));
}

static void h_batch_delete(ctx *c)
{
    const char *ids = param(&c->ps, "orderIdList"), *cids = param(&c->ps, "origClientOrderIdList");
    json_t *arr, *v, *out;
    size_t i;
    int traded, by_cid = ids == NULL;
    if (symbol_arg(c, 1, &traded) != 0)
        return;
    if (ids == NULL && cids == NULL) {
        bn_err(c->resp, 400, -1102, "Either orderIdList or origClientOrderIdList must be sent.");
        return;
    }
    arr = json_loads(by_cid ? cids : ids, 0, NULL);
    if (!json_is_array(arr) || json_array_size(arr) == 0 || json_array_size(arr) > 10) {
        json_decref(arr);
        bn_err(c->resp, 400, -1130, "Data sent for parameter '%s' is not valid (1-10 ids).",
               by_cid ? "origClientOrderIdList" : "orderIdList");
        return;
    }
    out = json_array();
    json_array_foreach(arr, i, v) {
        char num[32];
        const char *cid = NULL, *oid = NULL;
        sqt_order o;
        sqt_error err;
        if (by_cid && json_is_string(v)) {
            cid = json_string_value(v);
        } else if (!by_cid && json_is_integer(v)) {
            snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
            oid = num;
        } else {
            json_array_append_new(out, json_pack("{s:i, s:s}", "code", -1130, "msg",
                                                 "Data sent for the id list is not valid."));
            continue;
        }
        if (!traded || sqt_emu_cancel(c->e, cid, oid, &o, &err) != SQT_OK)
            json_array_append_new(out, json_pack("{s:i, s:s}", "code", -2011, "msg",
                                                 "Unknown order sent."));
        else
            json_array_append_new(out, order_obj(c, &o, 0));
    }
    json_decref(arr);
    sqt_emu_resp_json(c->resp, 200, out);
}

static void h_open_orders(ctx *c)
{
    sqt_match *m = sqt_emu_match(c->e);
    size_t i, n = sqt_match_open_count(m);
    json_t *arr;
    int traded;
    if (symbol_arg(c, 0, &traded) != 0)
        return;
    arr = json_array();
    for (i = 0; traded && i < n; i++) {
        sqt_order o;
        if (sqt_match_open_at(m, i, &o) == SQT_OK)
            json_array_append_new(arr, order_obj(c, &o, 1));
    }
    sqt_emu_resp_json(c->resp, 200, arr);
}

/* One element of GET /fapi/v1/userTrades from a ledger fill. The commission is the fee
 * as paid, positive (the sign of Binance's answer is UNCONFIRMED: docs/emulator.md). */
static json_t *trade_obj(ctx *c, const sqt_emu_fill *f)
{
    const sqt_order *o = &f->o;
    int buyer = o->side == SQT_SIDE_BUY;
    return json_pack("{s:s, s:I, s:I, s:s, s:o, s:o, s:o, s:s, s:o, s:o, s:s, s:I, s:s, "
                     "s:b, s:b}",
                     "symbol", o->symbol, "id", (json_int_t)f->trade_id, "orderId",
                     (json_int_t)strtoll(o->order_id, NULL, 10), "side", buyer ? "BUY" : "SELL",
                     "price", sqt_emu_jdec(o->last_fill_price), "qty",
                     sqt_emu_jdec(o->last_fill_qty), "realizedPnl", sqt_emu_jdec(o->realized_pnl),
                     "marginAsset", sqt_emu_info(c->e)->quote_asset, "quoteQty",
                     sqt_emu_jdec(sqt_emu_dec_mul(o->last_fill_price, o->last_fill_qty)),
                     "commission", sqt_emu_jdec(o->fee), "commissionAsset", o->fee_asset, "time",
                     (json_int_t)o->update_time_ms, "positionSide", c->st->hedge ? "LONG" : "BOTH",
                     "buyer", buyer, "maker", f->maker);
}

/* 1 when ledger fill f is a trade of the request: the traded symbol, orderId if given. */
static int trade_wanted(const sqt_emu_fill *f, int traded, const char *oid)
{
    return traded && (oid == NULL || strtoll(oid, NULL, 10) == strtoll(f->o.order_id, NULL, 10));
}

/* The account's trades of a symbol from the fill ledger: ascending id, the newest `limit`
 * (1..1000, default 500), of one order with orderId. */
static void h_user_trades(ctx *c)
{
    const char *oid = param(&c->ps, "orderId"), *ls = param(&c->ps, "limit");
    size_t i, n = sqt_emu_fill_count(c->e), match = 0;
    long limit = 500;
    int traded;
    json_t *arr;
    if (symbol_arg(c, 1, &traded) != 0)
        return;
    if (oid != NULL && !sqt_emu_all_digits(oid)) {
        bn_err(c->resp, 400, -1102, "Illegal characters found in parameter 'orderId'.");
        return;
    }
    if (ls != NULL) {
        limit = sqt_emu_all_digits(ls) ? strtol(ls, NULL, 10) : -1;
        if (limit < 1 || limit > 1000) {
            bn_err(c->resp, 400, -1130, "Data sent for parameter 'limit' is not valid.");
            return;
        }
    }
    for (i = 0; i < n; i++)
        match += trade_wanted(sqt_emu_fill_at(c->e, i), traded, oid);
    arr = json_array();
    for (i = 0; i < n && arr != NULL; i++) {
        const sqt_emu_fill *f = sqt_emu_fill_at(c->e, i);
        if (!trade_wanted(f, traded, oid))
            continue;
        if (match-- > (size_t)limit) /* older than the newest `limit` */
            continue;
        json_array_append_new(arr, trade_obj(c, f));
    }
    sqt_emu_resp_json(c->resp, 200, arr);
}

static void h_all_open_delete(ctx *c)
{
    sqt_match *m = sqt_emu_match(c->e);
    int traded;
    if (symbol_arg(c, 1, &traded) != 0)
        return;
    while (traded && sqt_match_open_count(m) > 0) {
        sqt_order o;
        sqt_error err;
        if (sqt_match_open_at(m, 0, &o) != SQT_OK ||
            sqt_emu_cancel(c->e, NULL, o.order_id, NULL, &err) != SQT_OK)
            break;
    }
    sqt_emu_resp_json(c->resp, 200,
                      json_pack("{s:i, s:s}", "code", 200, "msg",
                                "The operation of cancel all open order is done."));
}

/* ------------------------------------------------------------------------------------
 * listenKey
 * ---------------------------------------------------------------------------------- */

static void close_user_streams(sqt_emu *e, const char *why)
{
    sqt_emu_ws *w;
    for (w = sqt_emu_ws_list(e); w != NULL; w = w->next)
        if (w->kind == SQT_EMU_WS_USER)
            sqt_srv_ws_close(w->conn, 1000, why);
}

static void h_lk_post(ctx *c)
{
    bn_state *st = c->st;
    if (!st->lk_active || c->now >= st->lk_expires) {
        static const char al[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        size_t i;
        for (i = 0; i < BN_LK_LEN; i++)
            st->lk[i] = al[sqt_emu_rand(c->e) % (sizeof(al) - 1)];
        st->lk[BN_LK_LEN] = '\0';
        st->lk_active = 1;
    }
    st->lk_expires = c->now + st->lk_ttl;
    sqt_emu_resp_json(c->resp, 200, json_pack("{s:s}", "listenKey", st->lk));
}

static void h_lk_put(ctx *c)
{
    bn_state *st = c->st;
    const char *k = param(&c->ps, "listenKey");
    if (!st->lk_active || c->now >= st->lk_expires || (k != NULL && strcmp(k, st->lk) != 0)) {
        bn_err(c->resp, 400, -1125, "This listenKey does not exist.");
        return;
    }
    st->lk_expires = c->now + st->lk_ttl;
    sqt_emu_resp_json(c->resp, 200, json_pack("{s:s}", "listenKey", st->lk));
}

static void h_lk_delete(ctx *c)
{
    if (c->st->lk_active) {
        c->st->lk_active = 0;
        close_user_streams(c->e, "listenKey deleted");
    }
    sqt_emu_resp_json(c->resp, 200, json_object());
}

/* ------------------------------------------------------------------------------------
 * REST routing
 * ---------------------------------------------------------------------------------- */

typedef struct route {
    const char *method, *path;
    int sec, weight;
    void (*fn)(ctx *c);
} route;

static const route routes[] = {
    {"GET", "/fapi/v1/ping", SEC_NONE, 1, h_ping},
    {"GET", "/fapi/v1/time", SEC_NONE, 1, h_time},
    {"GET", "/fapi/v1/exchangeInfo", SEC_NONE, 1, h_info},
    {"GET", "/fapi/v1/klines", SEC_NONE, 0, h_klines}, /* weight by limit */
    {"GET", "/fapi/v1/ticker/price", SEC_NONE, 1, h_ticker_price},
    {"GET", "/fapi/v2/account", SEC_SIGNED, 5, h_account},
    {"GET", "/fapi/v3/account", SEC_SIGNED, 5, h_account},
    {"GET", "/fapi/v2/balance", SEC_SIGNED, 5, h_balance},
    {"GET", "/fapi/v3/balance", SEC_SIGNED, 5, h_balance},
    {"GET", "/fapi/v2/positionRisk", SEC_SIGNED, 5, h_position_risk},
    {"GET", "/fapi/v3/positionRisk", SEC_SIGNED, 5, h_position_risk},
    {"GET", "/fapi/v1/symbolConfig", SEC_SIGNED, 5, h_symbol_config},
    {"GET", "/fapi/v1/positionSide/dual", SEC_SIGNED, 30, h_dual_get},
    {"POST", "/fapi/v1/positionSide/dual", SEC_SIGNED, 1, h_dual_post},
    {"POST", "/fapi/v1/leverage", SEC_SIGNED, 1, h_leverage},
    {"POST", "/fapi/v1/marginType", SEC_SIGNED, 1, h_margin_type},
    {"POST", "/fapi/v1/order", SEC_SIGNED, 0, h_order_post},
    {"DELETE", "/fapi/v1/order", SEC_SIGNED, 1, h_order_delete},
    {"GET", "/fapi/v1/order", SEC_SIGNED, 1, h_order_get},
    {"GET", "/fapi/v1/openOrder", SEC_SIGNED, 1, h_order_get},
    {"POST", "/fapi/v1/batchOrders", SEC_SIGNED, 5, h_batch_post},
    {"DELETE", "/fapi/v1/batchOrders", SEC_SIGNED, 1, h_batch_delete},
    {"GET", "/fapi/v1/openOrders", SEC_SIGNED, 1, h_open_orders}, /* 40 without symbol */
    {"GET", "/fapi/v1/userTrades", SEC_SIGNED, 5, h_user_trades},
    {"DELETE", "/fapi/v1/allOpenOrders", SEC_SIGNED, 1, h_all_open_delete},
    {"POST", "/fapi/v1/listenKey", SEC_KEY, 1, h_lk_post},
    {"PUT", "/fapi/v1/listenKey", SEC_KEY, 1, h_lk_put},
    {"DELETE", "/fapi/v1/listenKey", SEC_KEY, 1, h_lk_delete},
};

static int weight_of(const route *rt, const bn_params *ps)
{
    if (rt->fn == h_klines) {
        const char *l = param(ps, "limit");
        long n = l ? strtol(l, NULL, 10) : 500;
        return n < 100 ? 1 : n < 500 ? 2 : n <= 1000 ? 5 : 10;
    }
    if (rt->fn == h_open_orders && param(ps, "symbol") == NULL)
        return 40;
    return rt->weight;
}

static void bn_rest(sqt_emu *e, void *stv, const sqt_emu_req *req, sqt_emu_resp *resp)
{
    ctx c;
    const route *rt = NULL;
    size_t i;
    int path_known = 0;
    memset(&c, 0, sizeof(c));
    c.e = e;
    c.st = stv;
    c.req = req;
    c.resp = resp;
    c.now = sqt_emu_now(e);
    for (i = 0; i < sizeof(routes) / sizeof(routes[0]); i++)
        if (strcmp(routes[i].path, req->path) == 0) {
            path_known = 1;
            if (strcmp(routes[i].method, req->method) == 0) {
                rt = &routes[i];
                break;
            }
        }
    if (rt == NULL) {
        bn_err(resp, path_known ? 405 : 404, -5000, "Path %s, Method %s is invalid", req->path,
               req->method);
        return;
    }
    params_add(&c.ps, req->query, strlen(req->query));
    if (body_is_form(req))
        params_add(&c.ps, req->body, req->body_len);
    roll(c.st, c.now);
    c.st->weight += weight_of(rt, &c.ps);
    if (c.ps.bad)
        bn_err(resp, 400, -1101, "Too many parameters; expected at most %d.", BN_MAX_PARAMS);
    else if (c.st->weight > BN_WEIGHT_1M) {
        bn_fault_resp(e, stv, SQT_EMU_FAULT_RATE, req, 60000 - c.now % 60000, resp);
    } else if (check_auth(&c, rt->sec) == 0)
        rt->fn(&c);
    params_free(&c.ps);
}

/* ------------------------------------------------------------------------------------
 * streams
 * ---------------------------------------------------------------------------------- */

static int sub_parse(const char *name, bn_sub *s)
{
    const char *at = strchr(name, '@'), *t;
    size_t i, n;
    memset(s, 0, sizeof(*s));
    if (at == NULL || strlen(name) >= sizeof(s->name) || (n = (size_t)(at - name)) == 0 ||
        n >= sizeof(s->symbol))
        return -1;
    snprintf(s->name, sizeof(s->name), "%s", name);
    for (i = 0; i < n; i++) {
        if (!isalnum((unsigned char)name[i]))
            return -1;
        s->symbol[i] = (char)toupper((unsigned char)name[i]);
    }
    t = at + 1;
    s->cur_open = -1;
    if (strcmp(t, "aggTrade") == 0)
        s->type = ST_AGG;
    else if (strcmp(t, "bookTicker") == 0)
        s->type = ST_BOOK;
    else if (strncmp(t, "depth", 5) == 0)
        s->type = ST_DEPTH;
    else if (strncmp(t, "markPrice", 9) == 0)
        s->type = ST_MARK;
    else if (strncmp(t, "kline_", 6) == 0 && strlen(t + 6) < sizeof(s->iv) &&
             sqt_kbars_interval_ms(t + 6) > 0) {
        s->type = ST_KLINE;
        snprintf(s->iv, sizeof(s->iv), "%s", t + 6);
        s->iv_ms = sqt_kbars_interval_ms(t + 6);
    } else
        s->type = ST_OTHER;
    return 0;
}

static int sub_add(bn_ws *bw, const char *name)
{
    bn_sub s, *p;
    size_t i;
    if (sub_parse(name, &s) != 0)
        return -1;
    for (i = 0; i < bw->n_subs; i++)
        if (strcmp(bw->subs[i].name, name) == 0)
            return 0;
    if (bw->n_subs >= BN_MAX_SUBS)
        return -1;
    p = realloc(bw->subs, (bw->n_subs + 1) * sizeof(*p));
    if (p == NULL)
        return -1;
    bw->subs = p;
    bw->subs[bw->n_subs++] = s;
    return 0;
}

static void sub_del(bn_ws *bw, const char *name)
{
    size_t i;
    for (i = 0; i < bw->n_subs; i++)
        if (strcmp(bw->subs[i].name, name) == 0) {
            memmove(&bw->subs[i], &bw->subs[i + 1], (bw->n_subs - i - 1) * sizeof(bn_sub));
            bw->n_subs--;
            return;
        }
}

/* "a/b/c" into subscriptions. */
static int subs_from(bn_ws *bw, const char *list)
{
    char name[96];
    while (*list != '\0') {
        size_t n = strcspn(list, "/");
        if (n > 0) {
            if (n >= sizeof(name))
                return -1;
            memcpy(name, list, n);
            name[n] = '\0';
            if (sub_add(bw, name) != 0)
                return -1;
        }
        list += n;
        if (*list == '/')
            list++;
    }
    return 0;
}

/* Whether a stream is served on the connection's entry point (the 2026 split). */
static int deliverable(const bn_state *st, const bn_ws *bw, const bn_sub *s)
{
    int pub = s->type == ST_BOOK || s->type == ST_DEPTH;
    switch (bw->entry) {
    case ENTRY_MARKET: return !pub;
    case ENTRY_PUBLIC: return pub;
    case ENTRY_LEGACY: return pub || !st->legacy_public_only;
    default: return 0;
    }
}

static int bn_ws_accept(sqt_emu *e, void *stv, sqt_emu_ws *w, const char *target)
{
    bn_state *st = stv;
    bn_ws *bw = calloc(1, sizeof(*bw));
    const char *q = strchr(target, '?'), *rest;
    char path[512];
    size_t pl = q ? (size_t)(q - target) : strlen(target);
    (void)e;
    if (bw == NULL || pl >= sizeof(path))
        goto refuse;
    memcpy(path, target, pl);
    path[pl] = '\0';
    q = q ? q + 1 : "";
    w->dstate = bw;
    if (strcmp(path, "/private/ws") == 0 || strcmp(path, "/private/stream") == 0 ||
        strncmp(path, "/private/ws/", 12) == 0) {
        /* the key in the query, or as the path's last part (/private/ws/<listenKey>) */
        char *k = path[11] == '/' ? strdup(path + 12) : sqt_emu_query_get(q, "listenKey"),
             *ev = sqt_emu_query_get(q, "events");
        /* a dead key: by default the socket opens and stays silent (what clients report
         * of Binance); refuse_dead_key answers 403 instead */
        int live = k != NULL && st->lk_active && strcmp(k, st->lk) == 0;
        int ok = k != NULL && k[0] != '\0' && strlen(k) < sizeof(bw->listen_key) &&
                 (live || !st->refuse_dead_key) && (ev == NULL || strlen(ev) < sizeof(bw->events));
        if (ok) {
            snprintf(bw->listen_key, sizeof(bw->listen_key), "%s", k);
            snprintf(bw->events, sizeof(bw->events), "%s", ev ? ev : "");
        }
        free(k);
        free(ev);
        if (!ok)
            goto refuse;
        bw->entry = ENTRY_PRIVATE;
        bw->combined = path[9] == 's';
        w->kind = SQT_EMU_WS_USER;
        return 0;
    }
    if (strncmp(path, "/market/", 8) == 0) {
        bw->entry = ENTRY_MARKET;
        rest = path + 8;
    } else if (strncmp(path, "/public/", 8) == 0) {
        bw->entry = ENTRY_PUBLIC;
        rest = path + 8;
    } else {
        bw->entry = ENTRY_LEGACY;
        rest = path + 1;
    }
    w->kind = SQT_EMU_WS_MARKET;
    if (strcmp(rest, "ws") == 0)
        return 0;
    if (strncmp(rest, "ws/", 3) == 0) {
        /* legacy user stream: /ws/<listenKey> */
        if (bw->entry == ENTRY_LEGACY && st->lk_active && strcmp(rest + 3, st->lk) == 0) {
            snprintf(bw->listen_key, sizeof(bw->listen_key), "%s", st->lk);
            bw->entry = ENTRY_PRIVATE;
            w->kind = SQT_EMU_WS_USER;
            return 0;
        }
        /* /market/ws/<n>, /public/ws/<n>: an indexed connection, streams come by SUBSCRIBE */
        if (bw->entry != ENTRY_LEGACY && sqt_emu_all_digits(rest + 3))
            return 0;
        if (subs_from(bw, rest + 3) != 0)
            goto refuse;
        return 0;
    }
    if (strcmp(rest, "stream") == 0) {
        char *streams = sqt_emu_query_get(q, "streams");
        int rc = streams ? subs_from(bw, streams) : 0;
        free(streams);
        bw->combined = 1;
        if (rc != 0)
            goto refuse;
        return 0;
    }
refuse:
    if (bw != NULL)
        free(bw->subs);
    free(bw);
    w->dstate = NULL;
    return -1;
}

static void bn_ws_free(void *stv, sqt_emu_ws *w)
{
    bn_ws *bw = w->dstate;
    (void)stv;
    if (bw != NULL) {
        free(bw->subs);
        free(bw);
    }
    w->dstate = NULL;
}

static void ws_reply_error(sqt_emu_ws *w, int code, const char *msg, json_t *id)
{
    sqt_emu_ws_json(w, json_pack("{s:{s:i, s:s}, s:O}", "error", "code", code, "msg", msg, "id",
                              id ? id : json_null()));
}

static void bn_ws_message(sqt_emu *e, void *stv, sqt_emu_ws *w, const char *data, size_t len)
{
    bn_ws *bw = w->dstate;
    json_error_t je;
    json_t *m = json_loadb(data, len, 0, &je), *id, *params, *v;
    const char *method;
    size_t i;
    (void)e;
    (void)stv;
    if (!json_is_object(m)) {
        ws_reply_error(w, 3, "Invalid JSON", NULL);
        json_decref(m);
        return;
    }
    id = json_object_get(m, "id");
    method = json_string_value(json_object_get(m, "method"));
    params = json_object_get(m, "params");
    if (bw == NULL || method == NULL ||
        !(json_is_integer(id) || json_is_string(id) || id == NULL)) {
        ws_reply_error(w, 2, "Invalid request", id);
    } else if (strcmp(method, "LIST_SUBSCRIPTIONS") == 0) {
        json_t *arr = json_array();
        for (i = 0; i < bw->n_subs; i++)
            json_array_append_new(arr, json_string(bw->subs[i].name));
        sqt_emu_ws_json(w, json_pack("{s:o, s:O}", "result", arr, "id", id ? id : json_null()));
    } else if ((strcmp(method, "SUBSCRIBE") == 0 || strcmp(method, "UNSUBSCRIBE") == 0) &&
               w->kind == SQT_EMU_WS_MARKET && json_is_array(params)) {
        int bad = 0;
        json_array_foreach(params, i, v) {
            if (!json_is_string(v)) {
                bad = 1;
                continue;
            }
            if (method[0] == 'S')
                bad |= sub_add(bw, json_string_value(v)) != 0;
            else
                sub_del(bw, json_string_value(v));
        }
        if (bad)
            ws_reply_error(w, 2, "Invalid request: stream names must be <symbol>@<stream>", id);
        else
            sqt_emu_ws_json(w, json_pack("{s:n, s:O}", "result", "id", id ? id : json_null()));
    } else if (strcmp(method, "SET_PROPERTY") == 0 || strcmp(method, "GET_PROPERTY") == 0) {
        sqt_emu_ws_json(w, json_pack("{s:n, s:O}", "result", "id", id ? id : json_null()));
    } else {
        ws_reply_error(w, 2, "Invalid request: unknown method", id);
    }
    json_decref(m);
}

/* Send a payload for stream `name` (wrapped in combined mode). */
static void send_stream(sqt_emu_ws *w, const bn_ws *bw, const char *name, const char *payload)
{
    if (bw->combined) {
        size_t n = strlen(name) + strlen(payload) + 32;
        char *t = malloc(n);
        if (t == NULL)
            return;
        snprintf(t, n, "{\"stream\":\"%s\",\"data\":%s}", name, payload);
        sqt_emu_ws_text(w, t);
        free(t);
    } else {
        sqt_emu_ws_text(w, payload);
    }
}

static void bn_on_trade(sqt_emu *e, void *stv, sqt_dec price, sqt_dec qty, int64_t now)
{
    bn_state *st = stv;
    const sqt_symbol_info *in = sqt_emu_info(e);
    char *agg = NULL, *book = NULL, *mark = NULL;
    sqt_emu_ws *w;
    size_t i;
    sqt_dec bid = sqt_emu_bid_below(e, price);
    st->agg_id++;
    st->update_id++;
    for (w = sqt_emu_market_next(e, NULL); w != NULL; w = sqt_emu_market_next(e, w)) {
        bn_ws *bw = w->dstate;
        for (i = 0; i < bw->n_subs; i++) {
            const bn_sub *s = &bw->subs[i];
            char **text = NULL;
            json_t *j = NULL;
            if (strcmp(s->symbol, in->symbol) != 0 || !deliverable(st, bw, s))
                continue;
            if (s->type == ST_AGG) {
                text = &agg;
                if (agg == NULL)
                    j = json_pack("{s:s, s:I, s:I, s:s, s:o, s:o, s:o, s:I, s:I, s:I, s:b}", "e",
                                  "aggTrade", "E", (json_int_t)now, "a", (json_int_t)st->agg_id,
                                  "s", in->symbol, "p", sqt_emu_jdec(price), "q", sqt_emu_jdec(qty),
                                  "nq", sqt_emu_jdec(qty), "f", (json_int_t)st->agg_id * 3, "l",
                                  (json_int_t)st->agg_id * 3 + 2, "T", (json_int_t)now, "m",
                                  (int)(st->agg_id & 1));
            } else if (s->type == ST_BOOK) {
                text = &book;
                if (book == NULL)
                    j = json_pack("{s:s, s:I, s:I, s:I, s:s, s:o, s:s, s:o, s:s}", "e",
                                  "bookTicker", "u", (json_int_t)st->update_id, "E",
                                  (json_int_t)now, "T", (json_int_t)now, "s", in->symbol, "b",
                                  sqt_emu_jdec(bid), "B", "1.000", "a", sqt_emu_jdec(price), "A",
                                  "1.000");
            } else if (s->type == ST_MARK) {
                text = &mark;
                if (mark == NULL)
                    j = json_pack("{s:s, s:I, s:s, s:o, s:o, s:o, s:o, s:s, s:I}", "e",
                                  "markPriceUpdate", "E", (json_int_t)now, "s", in->symbol, "p",
                                  sqt_emu_jdec(price), "ap", sqt_emu_jdec(price), "P",
                                  sqt_emu_jdec(price), "i", sqt_emu_jdec(price), "r", "0.00010000",
                                  "T", (json_int_t)((now / 28800000 + 1) * 28800000));
            } else {
                continue;
            }
            if (j != NULL) {
                *text = json_dumps(j, JSON_COMPACT);
                json_decref(j);
            }
            if (*text != NULL)
                send_stream(w, bw, s->name, *text);
        }
    }
    free(agg);
    free(book);
    free(mark);
}

static void kline_push(sqt_emu *e, sqt_emu_ws *w, bn_ws *bw, const bn_sub *s,
                       const sqt_kline *k, int64_t now)
{
    sqt_dec qv = sqt_emu_dec_mul(k->volume, k->close);
    json_t *j = json_pack(
        "{s:s, s:I, s:s, s:{s:I, s:I, s:s, s:s, s:I, s:I, s:o, s:o, s:o, s:o, s:o, s:I, s:b, "
        "s:o, s:o, s:o, s:s}}",
        "e", "kline", "E", (json_int_t)now, "s", s->symbol, "k", "t", (json_int_t)k->open_time_ms,
        "T", (json_int_t)k->close_time_ms, "s", s->symbol, "i", s->iv, "f", (json_int_t)100, "L",
        (json_int_t)200, "o", sqt_emu_jdec(k->open), "c", sqt_emu_jdec(k->close), "h",
        sqt_emu_jdec(k->high), "l", sqt_emu_jdec(k->low), "v", sqt_emu_jdec(k->volume), "n",
        (json_int_t)(k->volume.mant % 100000), "x", k->closed, "q", sqt_emu_jdec(qv), "V",
        sqt_emu_jdec(sqt_emu_dec_mul(k->volume, sqt_dec_make(5, 1))), "Q",
        sqt_emu_jdec(sqt_emu_dec_mul(qv, sqt_dec_make(5, 1))), "B", "0");
    char *text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    (void)e;
    json_decref(j);
    if (text != NULL)
        send_stream(w, bw, s->name, text);
    free(text);
}

static int expire(sqt_emu *e, bn_state *st, int64_t now);

static void bn_on_timer(sqt_emu *e, void *stv, int64_t now)
{
    bn_state *st = stv;
    const sqt_kbars *kb = sqt_emu_kbars(e);
    sqt_emu_ws *w;
    size_t i;
    if (st->lk_active && now >= st->lk_expires)
        expire(e, st, now);
    for (w = sqt_emu_market_next(e, NULL); w != NULL; w = sqt_emu_market_next(e, w)) {
        bn_ws *bw = w->dstate;
        for (i = 0; i < bw->n_subs; i++) {
            bn_sub *s = &bw->subs[i];
            sqt_kline k;
            int64_t open;
            if (s->type != ST_KLINE || !deliverable(st, bw, s))
                continue;
            open = sqt_kbars_current_open(kb, s->symbol, s->iv_ms, now);
            if (s->cur_open >= 0 && open > s->cur_open) {
                if (sqt_kbars_get(kb, s->symbol, s->iv, s->cur_open, s->cur_open + s->iv_ms, &k)) {
                    k.closed = 1;
                    kline_push(e, w, bw, s, &k, now);
                }
                s->last_push = 0;
            }
            s->cur_open = open;
            if (now - s->last_push >= BN_KLINE_PUSH_MS &&
                sqt_kbars_get(kb, s->symbol, s->iv, open, now, &k)) {
                k.closed = 0;
                s->last_push = now;
                kline_push(e, w, bw, s, &k, now);
            }
        }
    }
}

static int event_listed(const bn_ws *bw, const char *event)
{
    const char *p = bw->events;
    size_t n = strlen(event);
    if (p[0] == '\0')
        return 1;
    while (*p != '\0') {
        size_t k = strcspn(p, "/");
        if (k == n && strncmp(p, event, n) == 0)
            return 1;
        p += k;
        if (*p == '/')
            p++;
    }
    return 0;
}

static void bn_user_send(sqt_emu *e, void *stv, sqt_emu_ws *w, const char *event,
                         const char *json)
{
    bn_state *st = stv;
    bn_ws *bw = w->dstate;
    (void)e;
    if (bw == NULL || !st->lk_active || strcmp(bw->listen_key, st->lk) != 0 ||
        !event_listed(bw, event))
        return;
    send_stream(w, bw, bw->listen_key, json);
}

static int expire(sqt_emu *e, bn_state *st, int64_t now)
{
    sqt_emu_ws *w;
    char msg[160];
    if (!st->lk_active)
        return SQT_ESTATE;
    snprintf(msg, sizeof(msg), "{\"e\":\"listenKeyExpired\",\"E\":%lld,\"listenKey\":\"%s\"}",
             (long long)now, st->lk);
    for (w = sqt_emu_ws_list(e); w != NULL; w = w->next) {
        bn_ws *bw = w->dstate;
        if (w->kind != SQT_EMU_WS_USER || bw == NULL || strcmp(bw->listen_key, st->lk) != 0)
            continue;
        if (event_listed(bw, "listenKeyExpired"))
            send_stream(w, bw, bw->listen_key, msg);
        sqt_srv_ws_close(w->conn, 1000, "listenKey expired");
    }
    st->lk_active = 0;
    sqt_emu_logf(e, "listenKey expired");
    return SQT_OK;
}

static int bn_expire_session(sqt_emu *e, void *stv, int64_t now)
{
    return expire(e, stv, now);
}

/* The ledger's id of the fill a push reports, so pushes and userTrades agree (the core
 * records the fill before the push is built); 0 when the ledger lacks it. */
static int64_t last_trade_id(sqt_emu *e, const sqt_order *o)
{
    size_t n = sqt_emu_fill_count(e);
    const sqt_emu_fill *f = n > 0 ? sqt_emu_fill_at(e, n - 1) : NULL;
    if (f == NULL || strcmp(f->o.order_id, o->order_id) != 0 ||
        f->o.filled_qty.mant != o->filled_qty.mant || f->o.filled_qty.scale != o->filled_qty.scale)
        return 0;
    return f->trade_id;
}

static void bn_on_order(sqt_emu *e, void *stv, const sqt_order *o, int maker, int64_t now)
{
    bn_state *st = stv;
    int64_t trade_id = 0;
    const char *x;
    int fill = o->last_fill_qty.mant != 0;
    json_t *ord, *j;
    char *text;
    switch (o->status) {
    case SQT_ORDER_NEW: x = "NEW"; break;
    case SQT_ORDER_CANCELED: x = "CANCELED"; break;
    case SQT_ORDER_EXPIRED: x = "EXPIRED"; break;
    default: x = fill ? "TRADE" : "NEW"; break;
    }
    if (fill)
        trade_id = last_trade_id(e, o);
    ord = json_pack(
        "{s:s, s:s, s:s, s:s, s:s, s:o, s:o, s:o, s:s, s:s, s:s, s:I, s:o, s:o, "
        "s:o, s:I, s:I, s:s, s:s, s:b, s:b, s:s, s:s, s:s, s:b, s:o, s:s, s:s, "
        "s:i, s:s}",
        "s", o->symbol, "c", o->client_id, "S", o->side == SQT_SIDE_BUY ? "BUY" : "SELL", "o",
        "LIMIT", "f", o->tif == SQT_TIF_POST_ONLY ? "GTX" : "GTC", "q", sqt_emu_jdec(o->qty), "p",
        sqt_emu_jdec(o->price), "ap", sqt_emu_jdec(o->avg_price), "sp", "0", "x", x, "X",
        status_str(o->status), "i", (json_int_t)strtoll(o->order_id, NULL, 10), "l",
        sqt_emu_jdec(o->last_fill_qty), "z", sqt_emu_jdec(o->filled_qty), "L",
        sqt_emu_jdec(o->last_fill_price), "T", (json_int_t)now, "t", (json_int_t)trade_id, "b", "0",
        "a", "0", "m", fill && maker, "R", o->reduce_only, "wt", "CONTRACT_PRICE", "ot", "LIMIT",
        "ps", st->hedge ? "LONG" : "BOTH", "cp", 0, "rp", sqt_emu_jdec(o->realized_pnl), "V",
        "EXPIRE_MAKER", "pm", "NONE", "gtd", 0, "er", "0");
    if (ord != NULL && fill) {
        json_object_set_new(ord, "N", json_string(o->fee_asset));
        json_object_set_new(ord, "n", sqt_emu_jdec(o->fee));
    }
    j = json_pack("{s:s, s:I, s:I, s:o}", "e", "ORDER_TRADE_UPDATE", "E", (json_int_t)now, "T",
                  (json_int_t)now, "o", ord);
    text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (text != NULL)
        sqt_emu_user_push(e, "ORDER_TRADE_UPDATE", text);
    free(text);
}

static void bn_on_account(sqt_emu *e, void *stv, int64_t now)
{
    bn_state *st = stv;
    sqt_account a;
    sqt_position p;
    json_t *j;
    char *text;
    sqt_match_account(sqt_emu_match(e), &a);
    sqt_match_position(sqt_emu_match(e), &p);
    j = json_pack(
        "{s:s, s:I, s:I, s:{s:s, s:[{s:s, s:o, s:o, s:s}], s:[{s:s, s:o, s:o, s:o, "
        "s:s, s:o, s:s, s:s, s:s}]}}",
        "e", "ACCOUNT_UPDATE", "E", (json_int_t)now, "T", (json_int_t)now, "a", "m", "ORDER", "B",
        "a", a.asset, "wb", sqt_emu_jdec(a.balance), "cw", sqt_emu_jdec(a.balance), "bc", "0", "P",
        "s", p.symbol, "pa", sqt_emu_jdec(p.size), "ep", sqt_emu_jdec(p.entry_price), "bep",
        sqt_emu_jdec(p.entry_price), "cr", "0", "up", sqt_emu_jdec(p.unrealized_pnl), "mt",
        st->isolated ? "isolated" : "cross", "iw", "0", "ps", st->hedge ? "LONG" : "BOTH");
    text = j ? json_dumps(j, JSON_COMPACT) : NULL;
    json_decref(j);
    if (text != NULL)
        sqt_emu_user_push(e, "ACCOUNT_UPDATE", text);
    free(text);
}

/* ------------------------------------------------------------------------------------
 * control and life
 * ---------------------------------------------------------------------------------- */

static int bn_command(sqt_emu *e, void *stv, const char *name, json_t *args, json_t *reply)
{
    bn_state *st = stv;
    json_t *v;
    (void)e;
    if (strcmp(name, "hedge_mode") == 0) {
        v = json_object_get(args, "on");
        st->hedge = v == NULL || json_is_true(v);
        return SQT_OK;
    }
    if (strcmp(name, "legacy_ws") == 0) {
        v = json_object_get(args, "public_only");
        st->legacy_public_only = v == NULL || json_is_true(v);
        return SQT_OK;
    }
    if (strcmp(name, "dead_listen_key") == 0) {
        const char *m = json_string_value(json_object_get(args, "mode"));
        if (m == NULL || (strcmp(m, "silent") != 0 && strcmp(m, "refuse") != 0)) {
            json_object_set_new(reply, "ok", json_false());
            json_object_set_new(reply, "error",
                                json_string("dead_listen_key: \"mode\" is silent or refuse"));
            return SQT_EINVAL;
        }
        st->refuse_dead_key = m[0] == 'r';
        return SQT_OK;
    }
    if (strcmp(name, "listen_key_ttl") == 0) {
        v = json_object_get(args, "ms");
        if (!json_is_integer(v) || json_integer_value(v) < 100) {
            json_object_set_new(reply, "ok", json_false());
            json_object_set_new(reply, "error", json_string("listen_key_ttl: \"ms\" >= 100"));
            return SQT_EINVAL;
        }
        st->lk_ttl = (int64_t)json_integer_value(v);
        if (st->lk_active && st->lk_expires > sqt_emu_now(e) + st->lk_ttl)
            st->lk_expires = sqt_emu_now(e) + st->lk_ttl;
        return SQT_OK;
    }
    return SQT_ENOENT;
}

static void bn_state_dump(sqt_emu *e, void *stv, json_t *obj)
{
    bn_state *st = stv;
    roll(st, sqt_emu_now(e));
    json_object_set_new(obj, "listen_key", st->lk_active ? json_string(st->lk) : json_null());
    json_object_set_new(obj, "listen_key_expires",
                        json_integer(st->lk_active ? st->lk_expires : 0));
    json_object_set_new(obj, "hedge_mode", json_boolean(st->hedge));
    json_object_set_new(obj, "rate", json_pack("{s:i, s:i, s:i}", "weight_1m", st->weight,
                                               "orders_10s", st->o10, "orders_1m", st->o1m));
}

static int bn_create(sqt_emu *e, void **out)
{
    bn_state *st = calloc(1, sizeof(*st));
    (void)e;
    if (st == NULL)
        return SQT_ENOMEM;
    st->lk_ttl = BN_LK_TTL_MS;
    *out = st;
    return SQT_OK;
}

const sqt_emu_dialect sqt_emu_dialect_binance = {
    .name = "binance",
    .create = bn_create,
    .destroy = sqt_emu_dstate_free,
    .rest = bn_rest,
    .fault_resp = bn_fault_resp,
    .finish = bn_finish,
    .ws_accept = bn_ws_accept,
    .ws_message = bn_ws_message,
    .ws_free = bn_ws_free,
    .on_trade = bn_on_trade,
    .on_order = bn_on_order,
    .on_account = bn_on_account,
    .on_timer = bn_on_timer,
    .user_send = bn_user_send,
    .expire_session = bn_expire_session,
    .command = bn_command,
    .state = bn_state_dump,
};
